# clock_test.sh -- clocks (issue 11, case 4; docs/protocol.md 5.1 .. 5.3): a node whose clock
# is a year ahead, 23 hours ahead or a year behind (SHOUHE_FAULT_CLOCK_MS) is warned at sync,
# refused local writes while the gap exceeds 10 minutes, refused by the hub for a change more
# than 10 minutes ahead, and never locked out: once the clock is fixed, `shouhe-node clock`
# says what to do, `shouhe-node clock correct` writes a signed clock correction where earlier
# changes carry a future time, and the node syncs again under its own key. Every digest ends
# equal to the hub's; an honest write after the correction wins over the skewed one, and an
# honest node's clock never moves more than 10 minutes ahead.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"

V1=500115201001
V2=500115201002
V3=500115201003
TOWN=500115202
V4=500115202001
YEAR=$((365 * 86400000))
H23=$((23 * 3600000))

# skewed MS CMD... -- run CMD with the node's wall clock moved by MS milliseconds
skewed () {
    local ms=$1
    shift
    export SHOUHE_FAULT_CLOCK_MS=$ms
    "$@"
    local rc=$?
    unset SHOUHE_FAULT_CLOCK_MS
    return $rc
}

# sync_run NAME -- sync with stdout/stderr captured (for assert_err); RC is its exit code
sync_run () {
    LAST_CMD="shouhe-node sync --dir $(ndir "$1")"
    sync "$1" --deadline 20 > "$OUT" 2> "$ERR"
    RC=$?
}

# clock_json NAME EXPR -- `shouhe-node clock --json` satisfies the python expression EXPR on j
clock_json () {
    node_must "$1" clock --json && assert_json "$2"
}

it_step "hub; two nodes in each of three villages"
hub_init
hub_start
for v in 1 2 3; do
    eval "code=\$V$v"
    node_new "a$v" "$code"
    node_new "b$v" "$code"
    node_must "b$v" courtyard add --code "${code}001" --name "院$v" --households 10
    sync "b$v" --deadline 20
    assert_eq "$?" 0 "b$v syncs"
done

it_step "a malformed SHOUHE_FAULT_CLOCK_MS is refused (exit 2)"
it_run env SHOUHE_FAULT_CLOCK_MS=soon "$NODE" clock --dir "$(ndir a1)"
assert_eq "$RC" 2 "a malformed clock offset: exit 2"
assert_err "SHOUHE_FAULT_CLOCK_MS must be a whole number"

# ---------------------------------------------------------------------------
it_step "+365 d: a node with its clock a year ahead writes, then syncs"
skewed "$YEAR" node_must a1 courtyard add --code "${V1}002" --name 未来院 --households 5
skewed "$YEAR" sync_run a1
assert_eq "$RC" 6 "the hub refuses a change a year ahead (exit 6)"
assert_err "warning: this node's clock is 365 days ahead of the hub's; fix the clock: local writes are refused while the gap exceeds 10 minutes"
assert_err "more than 10 minutes ahead of the hub's.*fix it and run shouhe-node clock correct"
skewed "$YEAR" node a1 courtyard add --code "${V1}003" --name 又一院 --households 5
assert_eq "$RC" 1 "no local write while the clock is a year ahead"
assert_err "clock"

it_step "+365 d: the clock is fixed; shouhe-node clock explains; clock correct; sync"
node_must a1 clock
assert_out "writes: +refused"
assert_out "shouhe-node clock correct"
clock_json a1 'assert j["verdict"] == "correct" and not j["writes_allowed"] and j["gap_ms"] > 364*86400000, j'
node a1 courtyard add --code "${V1}003" --name 又一院 --households 5
assert_eq "$RC" 1 "still refused: the earlier change carries next year's time"
assert_err "clock"
node_must a1 clock correct
assert_out "clock correction written as change 2"
node a1 clock correct
assert_eq "$RC" 1 "nothing left to correct"
assert_err "nothing to correct"
clock_json a1 'assert j["verdict"] == "ahead" and not j["writes_allowed"], j'
sync_run a1
assert_eq "$RC" 0 "the change and its correction are accepted"
clock_json a1 'assert j["verdict"] == "ok" and j["writes_allowed"] and abs(j["gap_ms"]) < 60000, j'
node_must a1 courtyard add --code "${V1}003" --name 又一院 --households 5
sync_run a1
assert_eq "$RC" 0 "a1 syncs again under its own key"
sync b1 --deadline 20
assert_eq "$?" 0 "b1 syncs"
clock_json b1 'assert j["hlc_last"] <= j["now_ms"] + 600000, j'
digest_equal a1 "$V1"
digest_equal b1 "$V1"
assert_eq "$(hub_node_field "${KEY[a1]}" head_seq)" 3 "the hub holds a1's change, correction and new change"

# ---------------------------------------------------------------------------
it_step "+23 h: a synced node's clock jumps 23 hours ahead; it re-scores a courtyard"
sync a2 --deadline 20
assert_eq "$?" 0 "a2 syncs (gets the courtyard)"
skewed "$H23" node_must a2 evaluate --courtyard "${V2}001" --period 2024Q3 --category policy \
    --content 3 --effect 3 --satisfaction 3
skewed "$H23" sync_run a2
assert_eq "$RC" 6 "the hub refuses a change 23 hours ahead (exit 6)"
assert_err "this node's clock is 23 hours ahead of the hub's"
assert_err "fix it and run shouhe-node clock correct"

it_step "+23 h: fixed, corrected, synced; an honest later write wins"
clock_json a2 'assert j["verdict"] == "correct" and not j["writes_allowed"], j'
node_must a2 clock correct
sync_run a2
assert_eq "$RC" 0 "the re-score and its correction are accepted"
sync b2 --deadline 20
assert_eq "$?" 0 "b2 takes a2's changes"
clock_json b2 'assert j["hlc_last"] <= j["now_ms"] + 600000 and j["writes_allowed"], j'
node_must b2 evaluate --courtyard "${V2}001" --period 2024Q3
assert_out "policy 3"
node_must b2 evaluate --courtyard "${V2}001" --period 2024Q3 --category policy \
    --content 8 --effect 8 --satisfaction 8
sync b2 --deadline 20
assert_eq "$?" 0 "b2 syncs its honest re-score"
sync a2 --deadline 20
assert_eq "$?" 0 "a2 syncs"
node_must a2 evaluate --courtyard "${V2}001" --period 2024Q3
assert_out "policy 8"
node_must b2 evaluate --courtyard "${V2}001" --period 2024Q3
assert_out "policy 8"
node_must a2 courtyard add --code "${V2}002" --name 新院 --households 7
sync_run a2
assert_eq "$RC" 0 "a2 writes and syncs under its own key"
sync b2 --deadline 20
assert_eq "$?" 0 "b2 syncs"
digest_equal a2 "$V2"
digest_equal b2 "$V2"

# ---------------------------------------------------------------------------
it_step "-365 d: a node with its clock a year behind writes and syncs: warned, accepted"
skewed "-$YEAR" node_must a3 courtyard add --code "${V3}002" --name 旧院 --households 4
skewed "-$YEAR" sync_run a3
assert_eq "$RC" 0 "a change from the past is accepted"
assert_err "warning: this node's clock is 365 days behind the hub's; fix the clock: local writes are refused while the gap exceeds 10 minutes"
skewed "-$YEAR" node a3 courtyard add --code "${V3}003" --name 又旧院 --households 4
assert_eq "$RC" 1 "no local write while the clock is a year behind"

it_step "-365 d: the clock is fixed; nothing to correct; a sync measures it again"
clock_json a3 'assert j["verdict"] == "behind" and not j["writes_allowed"], j'
node a3 clock correct
assert_eq "$RC" 1 "no correction for a clock that was behind"
assert_err "not corrected: this node's clock is 365 days behind the hub's; fix the clock, then run shouhe-node sync"
sync_run a3
assert_eq "$RC" 0 "a3 syncs"
node a3 clock correct
assert_eq "$RC" 1 "measured again: nothing to correct"
assert_err "nothing to correct"
clock_json a3 'assert j["verdict"] == "ok" and j["writes_allowed"], j'
node_must a3 courtyard add --code "${V3}003" --name 又旧院 --households 4
sync_run a3
assert_eq "$RC" 0 "a3 writes and syncs under its own key"
sync b3 --deadline 20
assert_eq "$?" 0 "b3 syncs"
digest_equal a3 "$V3"
digest_equal b3 "$V3"

# ---------------------------------------------------------------------------
it_step "+365 d at a town node writing in a village: its correction reaches the village node"
node_new t "$TOWN"
node_new v4 "$V4"
skewed "$YEAR" node_must t courtyard add --code "${V4}001" --name 镇里院 --households 6
skewed "$YEAR" sync_run t
assert_eq "$RC" 6 "the hub refuses the town node's change a year ahead"
node_must t clock correct
sync_run t
assert_eq "$RC" 0 "the town node's change and its correction are accepted"
node_must v4 courtyard add --code "${V4}002" --name 村里院 --households 3
sync v4 --deadline 20
assert_eq "$?" 0 "the village node takes the town node's change and its correction"
node_must v4 log --json
assert_json 'assert [e["op"] for e in j if e["author"] != "'"${KEY[v4]}"'"] == ["put", "clock"], j'
clock_json v4 'assert j["hlc_last"] <= j["now_ms"] + 600000 and j["writes_allowed"], j'
sync t --deadline 20
assert_eq "$?" 0 "the town node syncs"
digest_equal v4 "$V4"
digest_equal t "$V4"
digest_equal t "$TOWN"

it_step "every node agrees with the hub"
for v in 1 2 3; do
    eval "code=\$V$v"
    sync "a$v" --deadline 20
    assert_eq "$?" 0 "a$v syncs"
    digest_equal "a$v" "$code"
    digest_equal "b$v" "$code"
done

hub_alive
hub_stop
