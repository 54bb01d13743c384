# retention_test.sh -- retention rules applied by the hub's housekeeping as signed erasures
# (docs/privacy.md 8, docs/protocol.md 13.21):
#   shouhe-hub retention: bad values refused; the first rule needs --scope; it creates the
#   housekeeper's key (0600) and enrols it ("housekeeping", no quota); --json shows the rules
#   serve applies them at start: a mediation dated six years ago loses its summary, one dated
#   this year keeps it; a matter whose closing was recorded 400 days ago (a village clock set
#   back) loses its description and its events' notes, one closed today keeps them; the
#   villages and the town receive the signed marks and drop the values; digests agree; a
#   second pass marks nothing again; the auditor verifies the log with the housekeeper's
#   erasures and the export holds no erased value
#   retention --apply refused while serve runs; with the hub stopped it runs a pass (nothing
#   left); --years 0 removes a rule
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"
AUDIT=${SHOUHE_AUDIT:-}
[ -x "$AUDIT" ] || { echo "SKIP: SHOUHE_AUDIT is not set" >&2; exit 77; }

TOWN=500115108
A=${TOWN}201
C=${TOWN}203
hub_init
hub_start || exit 1
node_new a "$A" || exit 1
node_new c "$C" || exit 1
node_new t "$TOWN" || exit 1

it_step "retention: bad values refused, the first rule needs its scope"
it_must "$HUB" retention --dir "$HUB_DIR"
assert_out "no retention rule"
assert_exit 2 "$HUB" retention --dir "$HUB_DIR" --kind mediation --years 5
assert_err "the first retention rule needs --scope CODE"
assert_exit 2 "$HUB" retention --dir "$HUB_DIR" --kind person --years 5 --scope 500115
assert_err "--kind takes mediation or matter, not 'person'"
assert_exit 2 "$HUB" retention --dir "$HUB_DIR" --kind mediation --years -1 --scope 500115
assert_err "--years takes a whole number of years from 0 \(no rule\) to 100, not '-1'"
assert_exit 2 "$HUB" retention --dir "$HUB_DIR" --kind mediation --years 101 --scope 500115
assert_exit 2 "$HUB" retention --dir "$HUB_DIR" --kind mediation
assert_err "retention takes --kind and --years together"
assert_exit 2 "$HUB" retention --dir "$HUB_DIR" --kind mediation --years 5 --scope 5001
assert_err "--scope must be a region code of 6, 9 or 12 digits, not '5001'"
[ ! -e "$HUB_DIR/housekeeper.key" ] || it_fail "expected: no housekeeper key after refusals"

it_step "sealed mediations, old and new, reach the hub and the town"
node_must a privacy --seal on
node_must a courtyard add --code "${A}001" --name 李家院子 --households 9
node_must a mediation record --courtyard "${A}001" --level courtyard --kind neighbour --outcome resolved \
    --summary 六年前的宅基地纠纷 --date 2020-03-01
OLD=$(out)
node_must a mediation record --courtyard "${A}001" --level courtyard --kind family --outcome resolved \
    --summary 今年的家庭纠纷 --date "$(date -u +%Y)-01-01"
NEW=$(out)
node_must a matter open --courtyard "${A}001" --category mediation --title 漏水 --description 王家屋顶漏水
MID=$(out)
node_must a matter step "$MID" handle --note 已组织维修
node_must a matter step "$MID" feedback
node_must a matter close "$MID" --satisfaction 5
# a village whose matter was closed 400 days ago (its writes stamped then: a clock set back)
BACK=$(( -400 * 86400 * 1000 ))
node_must c privacy --seal on
SHOUHE_FAULT_CLOCK_MS=$BACK node_must c courtyard add --code "${C}001" --name 张家院子 --households 5
SHOUHE_FAULT_CLOCK_MS=$BACK node_must c matter open --courtyard "${C}001" --category environment --title 垃圾 \
    --description 赵家门口堆放垃圾
OLDM=$(out)
SHOUHE_FAULT_CLOCK_MS=$BACK node_must c matter step "$OLDM" handle --note 赵家已清理
SHOUHE_FAULT_CLOCK_MS=$BACK node_must c matter step "$OLDM" feedback
SHOUHE_FAULT_CLOCK_MS=$BACK node_must c matter close "$OLDM" --satisfaction 4
assert_exit 0 sync c || exit 1
assert_exit 0 sync a || exit 1
assert_exit 0 sync t || exit 1
it_must "$NODE" mediation list --dir "$(ndir t)" --json
assert_json "assert sorted(m['summary'] for m in j) == sorted(['六年前的宅基地纠纷', '今年的家庭纠纷']), j"

it_step "a rule: the housekeeper is created and enrolled"
it_must "$HUB" retention --dir "$HUB_DIR" --kind mediation --years 5 --scope 500115
assert_err "created the housekeeper's key $HUB_DIR/housekeeper.key \(0600\)"
assert_out "mediation summaries: erased 5 year\(s\) after the mediation"
[ "$(stat -c %a "$HUB_DIR/housekeeper.key")" = 600 ] || it_fail "expected: housekeeper.key mode 0600"
it_must "$HUB" retention --dir "$HUB_DIR" --kind matter --years 1
it_must "$HUB" retention --dir "$HUB_DIR" --json
assert_json "assert j == {'scope': '500115', 'mediation_years': 5, 'matter_years': 1}, j"
it_must "$HUB" nodes --dir "$HUB_DIR" --json
assert_json "h = [n for n in j if n['name'] == 'housekeeping']; assert len(h) == 1 and h[0]['scope'] == '500115' and h[0]['quota_changes_per_day'] == 0, j"
assert_exit 1 "$HUB" retention --dir "$HUB_DIR" --kind matter --years 1 --scope 500116
assert_err "the housekeeper is enrolled for 500115, not 500116"
assert_exit 1 "$HUB" retention --dir "$HUB_DIR" --apply
assert_err "is being served \(process [0-9]+\): serve applies the rules itself"

it_step "serve applies the rules at start; every replica drops the old summary"
hub_stop || exit 1
hub_restart_same_port || exit 1
for _ in $(seq 50); do grep -q "retention: erased" "$HUB_LOG" && break; sleep 0.1; done
grep -q "retention: erased the summaries of 1 mediation(s) and the notes of 1 matter(s) (3 signed erasure marks)" \
    "$HUB_LOG" || it_fail "expected: the hub log says what the retention pass erased"
assert_exit 0 sync a || exit 1
assert_exit 0 sync c || exit 1
assert_exit 0 sync t || exit 1
for n in c t; do
    it_must "$NODE" matter show --dir "$(ndir $n)" "$OLDM" --json
    assert_json "assert 'description' not in j and j['erased'] is True and [e.get('erased') for e in j['events'] if e.get('withheld')] == [True], j"
done
for n in a t; do
    it_must "$NODE" mediation list --dir "$(ndir $n)" --json
    assert_json "old = [m for m in j if m['id'] == '$OLD'][0]; new = [m for m in j if m['id'] == '$NEW'][0]; assert 'summary' not in old and old['erased'] is True and new['summary'] == '今年的家庭纠纷', j"
    it_must "$NODE" matter show --dir "$(ndir $n)" "$MID" --json
    assert_json "assert j['description'] == '王家屋顶漏水', j"     # closed today: not due for a year
done
digest_equal a "$A" || exit 1
digest_equal c "$C" || exit 1
digest_equal t "$TOWN" || exit 1

it_step "a pass with the hub stopped marks nothing again; --years 0 removes a rule"
hub_stop || exit 1
it_must "$HUB" retention --dir "$HUB_DIR" --apply
assert_out "erased the summaries of 0 mediation\(s\) and the notes of 0 matter\(s\): 0 signed erasure mark\(s\)"
it_must "$HUB" retention --dir "$HUB_DIR" --kind mediation --years 0
it_must "$HUB" retention --dir "$HUB_DIR" --json
assert_json "assert j['mediation_years'] is None and j['matter_years'] == 1, j"
hub_restart_same_port || exit 1
grep -c "retention: erased" "$HUB_LOG" | grep -qx 1 || it_fail "expected: the third start erases nothing"
assert_exit 0 sync a || exit 1
assert_exit 0 sync t || exit 1
digest_equal a "$A" || exit 1
it_must "$HUB" export --dir "$HUB_DIR" "$T/x.export" || exit 1
it_must "$AUDIT" verify "$T/x.export" --hub-key "$HUB_KEY"
! grep -q "六年前的宅基地纠纷" "$T/x.export" || it_fail "expected: the export holds no summary"
! grep -q "赵家门口堆放垃圾" "$T/x.export" || it_fail "expected: the export holds no description"

it_step "a backup carries the housekeeper's key"
it_must "$HUB" backup --dir "$HUB_DIR" "$T/bk"
cmp -s "$HUB_DIR/housekeeper.key" "$T/bk/housekeeper.key" || it_fail "expected: the backup holds housekeeper.key"
[ "$(stat -c %a "$T/bk/housekeeper.key")" = 600 ] || it_fail "expected: the backup's housekeeper.key is 0600"

it_step "a revoked housekeeper: the pass refuses, naming the key"
HK=$(python3 -c "import json,sys; print([n['key'] for n in json.load(open(sys.argv[1])) if n['name'] == 'housekeeping'][0])" \
    <("$HUB" nodes --dir "$HUB_DIR" --json))
hub_stop || exit 1
it_must "$HUB" revoke --dir "$HUB_DIR" --key "$HK"
assert_exit 3 "$HUB" retention --dir "$HUB_DIR" --apply
assert_err "the housekeeper's key $HUB_DIR/housekeeper.key is not enrolled here \(or revoked\)"
