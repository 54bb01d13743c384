# privacy_test.sh -- personal fields sealed and erased across a district (docs/privacy.md,
# docs/protocol.md 4.10, 7.10, 13.5 Opening, 13.19):
#   shouhe-node privacy: on for a new node (--seal off and on again): the village's person is
#   signed with its name and phone sealed;
#   the values travel beside the changes, so the town (its town's node) reads them back, while
#   the hub's export -- commitments only -- holds neither the name nor the phone and still
#   verifies; another village receives nothing, and neither does a district-wide node, which
#   lists the person with its name and phone withheld (privacy.md 4) -- also through compressed
#   Batches, whose openings travel inside the frame (protocol 13.22)
#   shouhe-node person erase: the erasure reaches the hub and the town; the person stays listed
#   without its name and phone, and every replica's digest equals the hub's
#   views say "(erased)" ("erased": true and the "withheld" fields in JSON); reports count the
#   erased persons; matter erase and mediation erase drop a matter's notes and a mediation's
#   summary everywhere, converging with a note the town writes meanwhile
#   bad --seal values are refused (exit 2); --json shows the setting
#   shouhe-node compact and shouhe-hub compact (the hub stopped; refused while it serves, and a
#   node's while its sync runs): afterwards neither the erased name nor the phone is found in any
#   file of the village's, the town's or the hub's directory; everything still verifies and syncs
#   a hub restored from a backup takes the values of the persons written after it back from the
#   village's Offers -- also when a mirror handed the leaves back first (commitments only): a new
#   town node then reads their names
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"
AUDIT=${SHOUHE_AUDIT:-}
[ -x "$AUDIT" ] || { echo "SKIP: SHOUHE_AUDIT is not set" >&2; exit 77; }

TOWN=500115108
A=${TOWN}201
B=${TOWN}202
hub_init
hub_start || exit 1
node_new a "$A" || exit 1
node_new b "$B" || exit 1
node_new t "$TOWN" || exit 1
node_new d "${TOWN:0:6}" || exit 1      # a district-wide node: the district's records, no values

it_step "privacy: on for a new node, the setting, and bad values refused"
it_must "$NODE" privacy --dir "$(ndir a)"
assert_out "personal fields are sealed when this node writes"
assert_exit 2 "$NODE" privacy --dir "$(ndir a)" --seal maybe
assert_err "--seal takes on or off, not 'maybe'"
it_must "$NODE" privacy --dir "$(ndir a)" --seal off
assert_out "personal fields are written in clear"
it_must "$NODE" privacy --dir "$(ndir a)" --json
assert_json "assert j == {'seal': False}, j"
it_must "$NODE" privacy --dir "$(ndir a)" --seal on
assert_out "personal fields are sealed when this node writes"
it_must "$NODE" privacy --dir "$(ndir a)" --json
assert_json "assert j == {'seal': True}, j"

it_step "a sealed person: the values travel to the town, not into the export"
node_must a courtyard add --code "${A}001" --name 李家院子 --households 9
node_must a person add --name 王秀英 --courtyard "${A}001" --phone 13800000001 --birth-year 1958
PID=$(out)
assert_exit 0 sync a || exit 1
assert_exit 0 sync t || exit 1
assert_exit 0 sync b || exit 1
it_must "$NODE" person list --dir "$(ndir t)" --json
assert_json "assert [p['name'] for p in j] == ['王秀英'], j"
it_must "$NODE" person show --dir "$(ndir t)" "$PID" --json
assert_json "assert j['phone'] == '13800000001' and j['birth_year'] == 1958, j"
it_must "$NODE" person show --dir "$(ndir t)" "$PID" --history --json
assert_json "f = j['history'][0]['fields']; assert f['name'] == '王秀英' and 'withheld' not in f, f"
it_must "$NODE" person list --dir "$(ndir b)" --json
assert_json "assert j == [], j"
it_must "$HUB" export --dir "$HUB_DIR" "$T/x.export" || exit 1
! grep -q "王秀英" "$T/x.export" || it_fail "expected: the export carries no name (commitments only)"
! grep -q "13800000001" "$T/x.export" || it_fail "expected: the export carries no phone"
it_must "$AUDIT" verify "$T/x.export" --hub-key "$HUB_KEY"
! grep -rq "13800000001" "$(ndir b)" || it_fail "expected: another village holds no value"
assert_exit 0 sync d || exit 1
it_must "$NODE" person list --dir "$(ndir d)" --json
assert_json "assert len(j) == 1 and 'name' not in j[0] and j[0]['withheld'][:1] == ['name'], j
assert 'phone' in j[0]['withheld'] and 'erased' not in j[0], j"
! grep -rq "13800000001" "$(ndir d)" || it_fail "expected: the district-wide node holds no phone"
! grep -rq "王秀英" "$(ndir d)" || it_fail "expected: the district-wide node holds no name"

it_step "person erase: every replica drops the values; the person stays, digests agree"
node_must a person erase "$PID"
assert_out "erased the personal data of person $PID \(1 record\(s\) marked\)"
assert_exit 0 sync a || exit 1
assert_exit 0 sync t || exit 1
for n in a t; do
    it_must "$NODE" person show --dir "$(ndir $n)" "$PID" --json
    assert_json "assert 'name' not in j or j['name'] in ('', None), j"
    assert_json "assert 'phone' not in j or j['phone'] in ('', None), j"
done
digest_equal a "$A" || exit 1
digest_equal t "$TOWN" || exit 1
assert_exit 1 "$NODE" person erase --dir "$(ndir a)" 0123456789abcdef0123456789abcdef
assert_err "unknown person"
it_must "$NODE" person show --dir "$(ndir t)" "$PID" --json
assert_json "assert j.get('erased') is True and j['withheld'] == ['name', 'birth_year', 'phone'], j"
it_must "$NODE" person show --dir "$(ndir t)" "$PID" --history --json
assert_json "f = j['history'][-1]['fields']; assert 'name' not in f and f['withheld'] == ['name', 'birth_year', 'phone'] and f['erased'] is True, f"
it_must "$NODE" person show --dir "$(ndir t)" "$PID"
assert_out "name +\(erased\)"
assert_out "phone +\(erased\)"
it_must "$NODE" person list --dir "$(ndir t)"
assert_out "${A}001 \(erased\)"
it_must "$NODE" report --dir "$(ndir t)" --format json
assert_json "assert j['persons'] == 1 and j['persons_erased'] == 1, j"
it_must "$NODE" report --dir "$(ndir t)"
assert_out "persons on record 1 \(personal data erased: 1\)"
it_must "$HUB" report --dir "$HUB_DIR" --format json
assert_json "assert j['persons'] == 1 and j['persons_erased'] == 1, j"

it_step "matter erase and mediation erase: the notes and the summary dropped everywhere"
node_must a matter open --courtyard "${A}001" --category mediation --title 漏水 --description 王秀英家屋顶漏水
MID=$(out)
node_must a matter note "$MID" 邻居赵建国愿意帮忙
node_must a mediation record --courtyard "${A}001" --level courtyard --kind neighbour --outcome resolved \
    --summary 赵建国与王秀英和解 --matter "$MID"
MED=$(out)
assert_exit 0 sync a || exit 1
assert_exit 0 sync t || exit 1
it_must "$NODE" matter show --dir "$(ndir t)" "$MID" --json
assert_json "assert j['description'] == '王秀英家屋顶漏水' and [e.get('note') for e in j['events'] if e['kind'] == 'note'] == ['邻居赵建国愿意帮忙'], j"
it_must "$NODE" mediation list --dir "$(ndir t)" --json
assert_json "assert [m['summary'] for m in j] == ['赵建国与王秀英和解'], j"
assert_exit 1 "$NODE" matter show --dir "$(ndir b)" "$MID" --json     # another village holds nothing of it
# the town writes a note while the village erases: both orders converge
node_must t matter note "$MID" 镇里已派人查看
assert_exit 1 "$NODE" matter erase --dir "$(ndir a)" 0123456789abcdef0123456789abcdef
assert_err "unknown matter"
node_must a matter erase "${MID:0:8}"
assert_out "erased the personal notes of matter $MID \(2 record\(s\) marked\)"
node_must a mediation erase "$MED"
assert_out "erased the summary of mediation $MED \(1 record\(s\) marked\)"
assert_exit 0 sync t || exit 1
assert_exit 0 sync a || exit 1
assert_exit 0 sync t || exit 1
for n in a t; do
    it_must "$NODE" matter show --dir "$(ndir $n)" "$MID" --json
    assert_json "assert 'description' not in j and j['erased'] is True and j['withheld'] == ['description'], j"
    assert_json "notes = [(e.get('note'), e.get('erased')) for e in j['events'] if e['kind'] == 'note']; assert notes == [(None, True), (None, True)], notes"
    it_must "$NODE" mediation list --dir "$(ndir $n)" --json
    assert_json "assert 'summary' not in j[0] and j[0]['erased'] is True and j[0]['outcome'] == 'resolved', j"
done
it_must "$NODE" matter show --dir "$(ndir t)" "$MID"
assert_out "description \(erased\)"
assert_out "note +\(erased\)"
digest_equal a "$A" || exit 1
digest_equal t "$TOWN" || exit 1

it_step "compact: the erased name and phone are gone from every store file"
sync_bg t --watch                       # a running sync has the store open: compact refuses
for _ in $(seq 50); do grep -q "sync: ok" "${_IT_BGOUT[$SYNC_PID]}.err" 2>/dev/null && break; sleep 0.1; done
assert_exit 1 "$NODE" compact --dir "$(ndir t)"
assert_err "is open in another process \(a sync running\?\); stop it first"
kill -TERM "$SYNC_PID"
sync_wait "$SYNC_PID"
assert_exit 3 "$NODE" compact --dir "$T/nowhere"
assert_err "no node in $T/nowhere"
it_must "$NODE" compact --dir "$(ndir a)"
assert_out "compacted .*: [0-9]+ entries rewritten, data.mdb [0-9]+ KiB -> [0-9]+ KiB"
it_must "$NODE" compact --dir "$(ndir t)"
assert_exit 3 "$HUB" compact --dir "$HUB_DIR"
assert_err "is being served \(process [0-9]+\); stop the hub before shouhe-hub compact"
hub_stop || exit 1
it_must "$HUB" compact --dir "$HUB_DIR"
assert_out "what was deleted or erased is gone from its files"
it_must "$HUB" backup --dir "$HUB_DIR" "$T/hub-backup"      # a backup made afterwards
it_must "$NODE" backup --dir "$(ndir t)" "$T/town-backup"
for d in "$(ndir a)" "$(ndir t)" "$HUB_DIR" "$T/hub-backup" "$T/town-backup"; do
    ! grep -rqa "王秀英" "$d" || it_fail "expected: no trace of the erased name in $d"
    ! grep -rqa "13800000001" "$d" || it_fail "expected: no trace of the erased phone in $d"
    ! grep -rqa "赵建国与王秀英和解" "$d" || it_fail "expected: no trace of the erased summary in $d"
    ! grep -rqa "王秀英家屋顶漏水" "$d" || it_fail "expected: no trace of the erased description in $d"
done
it_must "$NODE" log verify --dir "$(ndir a)"
hub_restart_same_port || exit 1
assert_exit 0 sync a || exit 1
assert_exit 0 sync t || exit 1
digest_equal a "$A" || exit 1
digest_equal t "$TOWN" || exit 1
it_must "$HUB" export --dir "$HUB_DIR" "$T/y.export" || exit 1
it_must "$AUDIT" verify "$T/y.export" --hub-key "$HUB_KEY"

# recovery (docs/protocol.md 13.19): the personal values come back from the nodes' Offers
restore_backup () {                     # put backup $1 back in place of the hub, lost
    hub_kill9
    rm -rf "$HUB_DIR"
    cp -a "$1" "$HUB_DIR"
    hub_restart_same_port || return 1
}
recovered () {                          # wait for recovery finished number $1 in the hub's log
    for _ in $(seq 100); do
        [ "$(grep -c "recovery finished" "$HUB_LOG")" -ge "$1" ] && return 0
        sleep 0.1
    done
    it_fail "the hub did not finish recovery number $1"
}

it_step "recovery: a restored hub takes the lost persons' values back from the village's offer"
node_must a person add --name 张德明 --courtyard "${A}001" --phone 13900000002 --birth-year 1961
P2=$(out)
assert_exit 0 sync a || exit 1
it_must "$HUB" backup --dir "$HUB_DIR" "$T/backup" || exit 1
node_must a person add --name 赵桂兰 --courtyard "${A}001" --phone 13900000003 --birth-year 1966
P3=$(out)
assert_exit 0 sync a || exit 1          # only a holds P3's values: no other node synced since
restore_backup "$T/backup" || exit 1
assert_exit "0|7" sync a || exit 1      # offers the tail, values beside it
for n in b t d; do assert_exit "0|7" sync $n || exit 1; done
recovered 1 || exit 1
node_new t2 "$TOWN" || exit 1           # a new town node: every value comes from the hub
assert_exit 0 sync t2 || exit 1
it_must "$NODE" person show --dir "$(ndir t2)" "$P3" --json
assert_json "assert j['name'] == '赵桂兰' and j['phone'] == '13900000003' and j['birth_year'] == 1966, j"
it_must "$NODE" person list --dir "$(ndir t2)" --json
assert_json "assert sorted(p['name'] for p in j if p.get('name')) == sorted(['张德明', '赵桂兰']), j"
digest_equal t2 "$TOWN" || exit 1

it_step "recovery with a mirror: the mirror hands the tail back first, the village the values"
M=$T/mirror
it_must "$HUB" mirror --dir "$M" --init --name changshou/mirror || exit 1
it_must "$HUB" enroll --dir "$HUB_DIR" --scope 500115 --key "$(out)" --name changshou/mirror --role mirror \
    || exit 1
it_must "$HUB" backup --dir "$HUB_DIR" "$T/backup2" || exit 1
node_must a person add --name 孙丽华 --courtyard "${A}001" --phone 13900000004 --birth-year 1972
P4=$(out)
assert_exit 0 sync a || exit 1
it_must "$HUB" mirror --dir "$M" --hub "$HUB_EP" --hub-key "$HUB_KEY" || exit 1
restore_backup "$T/backup2" || exit 1
it_must "$HUB" mirror --dir "$M" --hub "$HUB_EP" --hub-key "$HUB_KEY" || exit 1
assert_err "handed back leaves .* to the hub, which lost them"
assert_exit "0|7" sync a || exit 1      # the hub holds P4's leaf again; a offers it for its values
for n in b t t2 d; do assert_exit "0|7" sync $n || exit 1; done
recovered 2 || exit 1
node_new t3 "$TOWN" || exit 1
assert_exit 0 sync t3 || exit 1
it_must "$NODE" person show --dir "$(ndir t3)" "$P4" --json
assert_json "assert j['name'] == '孙丽华' and j['phone'] == '13900000004', j"
digest_equal t3 "$TOWN" || exit 1
