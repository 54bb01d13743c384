# crash_hub_test.sh -- the hub SIGKILLed at ${CRASH_KILLS:-30} random moments while 20 nodes
# sync, restarted on the same endpoint each time.
#
# 20 village nodes keep syncing (rounds: each node writes more changes with sh_gen, then all 20
# sync at once, each with a deadline long enough to outlive the hub's outages); the hub is
# killed with SIGKILL after a random 0.05-0.6 s of each restart, while at least one sync is in
# flight. Acknowledged changes must survive every kill. In the end:
#   - every node's sync exits 0 and a last sync per node has nothing to do;
#   - the hub holds each change exactly once: its tree size equals the sum of the nodes' own
#     changes, every key's head equals the node's own count, and shouhe-audit verifies the
#     export (signatures, chains without gaps or duplicates, checkpoints);
#   - every digest equals the fault-free one: each village's on the hub equals the node's own
#     (the nodes were never faulted), and a fresh district-wide node that downloads and
#     re-verifies every change from the restarted hub reaches the hub's district digest.
set -u
# shellcheck source=../integration/lib.sh
source "$SHOUHE_ITLIB"
need_gen
[ -n "${SHOUHE_AUDIT:-}" ] && [ -x "$SHOUHE_AUDIT" ] || { echo "SKIP: SHOUHE_AUDIT not built" >&2; exit 77; }

N=20
KILLS=${CRASH_KILLS:-30}
PER_ROUND=${CRASH_CHANGES:-1500}
RANDOM=${CRASH_SEED:-$$}
echo "crash seed: $RANDOM (CRASH_SEED to repeat)"

hub_init
hub_start || exit 1   # on a low port (lib.sh it_low_port): restarts never find it taken
NAMES=()
for ((i = 0; i < N; i++)); do
    v=$(printf '500115%03d%03d' $((101 + i % 4)) $((201 + i / 4)))
    NAMES+=("v$v")
    node_new "v$v" "$v" || exit 1
done

declare -A PID_OF=()
kills=0
round=0
while [ $kills -lt "$KILLS" ]; do
    round=$((round + 1))
    it_step "round $round: each node writes $PER_ROUND more changes; all sync (kills so far: $kills)"
    for name in "${NAMES[@]}"; do
        gen "$name" "$PER_ROUND" $((round * 100 + ${#PID_OF[@]})) || exit 1
    done
    for name in "${NAMES[@]}"; do
        sync_bg "$name" --deadline 120
        PID_OF[$name]=$SYNC_PID
    done
    # kill while syncs are in flight
    while [ $kills -lt "$KILLS" ]; do
        sleep "0.$(printf '%02d' $((5 + RANDOM % 55)))"
        running=0
        for name in "${NAMES[@]}"; do
            kill -0 "${PID_OF[$name]}" 2>/dev/null && running=$((running + 1))
        done
        [ $running -gt 0 ] || break
        hub_kill9
        kills=$((kills + 1))
        hub_restart_same_port || exit 1
    done
    for name in "${NAMES[@]}"; do
        sync_wait "${PID_OF[$name]}" || it_fail "$name: sync exit $RC after the hub's crashes"
    done
done
it_step "$kills kills in $round round(s); a last sync per node has nothing to do"
for name in "${NAMES[@]}"; do
    it_run "$NODE" sync --dir "$(ndir "$name")" --hub "$HUB_EP" --hub-key "$HUB_KEY" --deadline 30
    [ "$RC" = 0 ] || it_fail "$name: last sync exit $RC"
    assert_out '^synced: 0 changes up \(0 already at the hub\), 0 down'
done

it_step "the hub holds each change exactly once"
total=0
for name in "${NAMES[@]}"; do
    own=$(node_own_changes "$name")
    total=$((total + own))
    assert_eq "$(hub_node_field "${KEY[$name]}" head_seq)" "$own" "$name: hub head_seq = the node's own changes"
done
hub_cmd checkpoint
size=$(sed -n 2p "$OUT")
assert_eq "$size" "$total" "hub tree size = all changes written by the nodes"
hub_stop
it_must "$HUB" export --dir "$HUB_DIR" "$T/crash.export"
it_must "$SHOUHE_AUDIT" verify "$T/crash.export" --hub-key "$HUB_KEY"
assert_out "^ok: "

it_step "every digest equals the fault-free one"
# The nodes were never faulted, and each village's records come from its node alone: a
# fault-free hub holds, per village, exactly the node's state, and for the district the
# union of them. A fresh district-wide reader downloads everything from the restarted hub
# and verifies every change on the way.
hub_start "$HUB_DIR" || exit 1
for name in "${NAMES[@]}"; do
    assert_eq "$(hub_digest "${name#v}")" "$(node_digest "$name" "${name#v}")" "digest of ${name#v}: hub = node"
done
node_new reader 500115 || exit 1
sync reader || it_fail "district reader: sync exit $RC"
assert_eq "$(node_digest reader)" "$(hub_digest)" "district digest: reader (every change re-verified) = hub"
assert_eq "$(node_own_changes reader)" 0 "the reader wrote nothing"
hub_stop
it_step "done"
