# quota_test.sh -- per-node quotas at the hub (issue 12 "Quotas"; docs/protocol.md 13.20, 14.3):
#
#   enroll --quota-changes-per-day / --quota-bytes set them; `nodes --json` shows limits and
#   usage; bad values are refused naming the value (exit 2); `shouhe-hub quota` prints and
#   changes them (exit 1 for an unknown key);
#   a node over its changes per UTC day: sync exits 7 with the hub's ERR_QUOTA message (limit,
#   usage, reset time), still downloads, stores nothing beyond the quota; the hub logs the
#   refusal once however often the node comes back; raising the quota lets it finish;
#   a change pushed twice is counted once (rawpeer replay);
#   the bytes quota: exit 7, "only the hub's operator can raise it", 0 = no limit;
#   the day boundary: the count resets at 00:00 UTC (hub clock moved by
#   SHOUHE_FAULT_QUOTA_CLOCK_MS).
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"
need_gen

V=500115103001
tomorrow=$(date -u -d tomorrow +%Y-%m-%d)
# sync_cap NAME [ARGS] -- sync with its output in $OUT/$ERR and its exit code in RC
sync_cap () { sync "$@" > "$OUT" 2> "$ERR"; RC=$?; }

it_step "enroll with quotas; bad values refused"
hub_init
node_new a "$V" --quota-changes-per-day 300 --quota-bytes 64M || exit 1
node_new b "$V" || exit 1
node_new f 500115103002 --quota-bytes 20K || exit 1
node_new x 500115103003 --no-enroll || exit 1
assert_eq "$(hub_node_field "${KEY[a]}" quota_changes_per_day)" 300 "a: changes per day"
assert_eq "$(hub_node_field "${KEY[a]}" quota_bytes)" 67108864 "a: bytes (64M)"
assert_eq "$(hub_node_field "${KEY[b]}" quota_changes_per_day)" 20000 "b: the default changes per day"
assert_eq "$(hub_node_field "${KEY[b]}" quota_bytes)" 33554432 "b: the default bytes (32 MiB)"
assert_eq "$(hub_node_field "${KEY[f]}" quota_bytes)" 20480 "f: bytes (20K)"
for bad in abc -5 12X 1.5 "" 99999999999999999999; do
    assert_exit 2 "$HUB" enroll --dir "$HUB_DIR" --scope 500115103003 --key "${KEY[x]}" --quota-changes-per-day "$bad"
    assert_err "--quota-changes-per-day takes a whole number of changes \(0: no limit\), not '$bad'"
done
for bad in 12X 64MB -1 M 2000000T; do
    assert_exit 2 "$HUB" enroll --dir "$HUB_DIR" --scope 500115103003 --key "${KEY[x]}" --quota-bytes "$bad"
    assert_err "--quota-bytes takes a number of bytes.*not '$bad'"
    assert_exit 2 "$HUB" quota --dir "$HUB_DIR" --key "${KEY[a]}" --bytes "$bad"
    assert_err "--bytes takes a number of bytes.*not '$bad'"
done
assert_eq "$(hub_node_field "${KEY[x]}" quota_bytes)" MISSING "a refused enrolment enrolled nothing"
assert_exit 1 "$HUB" quota --dir "$HUB_DIR" --key "${KEY[x]}"
assert_err "is not enrolled"
assert_exit 2 "$HUB" quota --dir "$HUB_DIR" --key "${KEY[a]}" --quota-bytes 1M
hub_cmd quota --key "${KEY[a]}"
assert_out "^bytes held: 67108864 \(64 MiB\); holds now: 0$"
grep -q "^changes per UTC day: 300; pushed today: 0 (resets at $tomorrow 00:00 UTC)$" "$OUT" \
    || it_fail "quota prints the limit, today's count and the reset: $(cat "$OUT")"
hub_cmd nodes
assert_out "0/300 +0.0M/64.0M +a$"

it_step "a node over its changes per UTC day: exit 7, downloads go on, nothing beyond the quota stored"
gen b 5 11 || exit 1
gen a 500 12 || exit 1
hub_start || exit 1
sync b || it_fail "b: sync exit $RC"
sync_cap a
assert_eq "$RC" 7 "a over its quota: sync exit code"
assert_err "the hub refused this node's changes \(ERR_QUOTA\): this node may push 300 changes per UTC day; it has pushed [0-9]+ today and this batch has [0-9]+ more; nothing of it was stored; the limit resets at $tomorrow 00:00 UTC"
assert_err "downloads done; [0-9]+ of this node's changes wait for its quota"
assert_out "up .*, 5 down"
head=$(hub_node_field "${KEY[a]}" head_seq)
[ "$head" -gt 0 ] && [ "$head" -le 300 ] || it_fail "a: the hub holds seq $head; expected 1..300"
assert_eq "$(hub_node_field "${KEY[a]}" changes_today)" "$head" "a: today's count = the changes stored"
sync_cap a
assert_eq "$RC" 7 "a again: still over its quota"
assert_eq "$(hub_node_field "${KEY[a]}" head_seq)" "$head" "a: nothing more stored"
assert_eq "$(grep -c "push refused: this node may push 300 changes" "$HUB_LOG")" 1 \
    "the hub logs a's refusal once"
! grep -q "ERR_CHAIN" "$HUB_LOG" || it_fail "the batches after a refused one met ERR_CHAIN"

it_step "raising the quota lets it finish"
hub_cmd quota --key "${KEY[a]}" --changes-per-day 1000
assert_eq "$RC" 0 "quota --changes-per-day: exit code"
grep -q "^changes per UTC day: 1000; pushed today: $head " "$OUT" || it_fail "quota prints the new limit: $(cat "$OUT")"
sync a || it_fail "a after the quota was raised: exit $RC"
assert_eq "$(hub_node_field "${KEY[a]}" head_seq)" 500 "a: every change stored"
assert_eq "$(hub_node_field "${KEY[a]}" changes_today)" 500 "a: today's count"
assert_eq "$(hub_node_field "${KEY[a]}" quota_bytes)" 67108864 "a: the bytes quota kept"
digest_equal a "$V"

it_step "a change pushed twice is counted once"
node_new r 500115103004 || exit 1
if rawpeer_python > /dev/null; then
    rawpeer r 500115103004 replay || exit 1
    assert_json "assert [x['type'] for x in j['replies']][-2:] == ['ack', 'ack'], j['replies']"
    assert_eq "$(hub_node_field "${KEY[r]}" changes_today)" 1 "r: changes today after a replay"
    held=$(hub_node_field "${KEY[r]}" bytes_held)
    [ "$held" -gt 100 ] && [ "$held" -lt 1000 ] || it_fail "r: bytes held $held: one change's bytes expected"
else
    echo "no python3-zmq/python3-nacl: replay not checked here (sh_quota_test checks it)"
fi

it_step "the bytes quota: exit 7, only the operator raises it; 0 is no limit"
gen f 200 13 || exit 1
sync_cap f
assert_eq "$RC" 7 "f over its bytes: sync exit code"
assert_err "ERR_QUOTA\): the hub holds at most 20480 bytes of this node's changes; it holds [0-9]+ and this batch has [0-9]+ more; nothing of it was stored; only the hub's operator can raise it: shouhe-hub quota --bytes N"
held=$(hub_node_field "${KEY[f]}" bytes_held)
[ "$held" -le 20480 ] || it_fail "f: the hub holds $held bytes of f, over its 20480"
hub_cmd quota --key "${KEY[f]}" --bytes 0
assert_out "^bytes held: no limit; holds now: [0-9]+$"
sync f || it_fail "f with no bytes limit: exit $RC"
assert_eq "$(hub_node_field "${KEY[f]}" head_seq)" 200 "f: every change stored"
hub_stop

it_step "the count resets at 00:00 UTC"
node_new d 500115103005 --quota-changes-per-day 300 || exit 1
gen d 500 14 || exit 1
hub_start || exit 1
sync_cap d
assert_eq "$RC" 7 "d over today's quota"
d0=$(hub_node_field "${KEY[d]}" head_seq)
[ "$d0" -gt 0 ] && [ "$d0" -le 300 ] || it_fail "d: $d0 stored; expected 1..300"
sync_cap d
assert_eq "$RC" 7 "d again the same day"
hub_stop
# the hub's quota clock one day on: a new UTC day
SHOUHE_FAULT_QUOTA_CLOCK_MS=86400000 hub_start || exit 1
sync_cap d
d1=$(hub_node_field "${KEY[d]}" head_seq)
[ "$d1" -gt "$d0" ] || it_fail "d on the next day: nothing more stored ($d1)"
if [ "$RC" = 7 ]; then
    assert_err "the limit resets at $(date -u -d '2 days' +%Y-%m-%d) 00:00 UTC"
    hub_stop
    SHOUHE_FAULT_QUOTA_CLOCK_MS=$((2 * 86400000)) hub_start || exit 1
    sync_cap d
fi
assert_eq "$RC" 0 "d once the day turned: sync exit code"
assert_eq "$(hub_node_field "${KEY[d]}" head_seq)" 500 "d: every change stored"
hub_stop
assert_exit 2 env SHOUHE_FAULT_QUOTA_CLOCK_MS=soon "$HUB" serve --dir "$HUB_DIR" --bind tcp://127.0.0.1:1
assert_err "SHOUHE_FAULT_QUOTA_CLOCK_MS must be a whole number of milliseconds"
