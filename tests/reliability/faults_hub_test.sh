# faults_hub_test.sh -- the hub's built-in fault points and a full store.
#
# Commit: the hub serves with SHOUHE_FAULT_COMMIT=N (its Nth store commit fails) for
# N = 1..${COMMIT_MAX:-6} while a node uploads 600 changes: the node is told (ERR_INTERNAL:
# "could not store the batch ... retry later"), retries, and finishes; the hub stays up and
# holds each change exactly once; its export verifies.
# Send: the hub drops its Nth reply (SHOUHE_FAULT_SEND=N) for N = 1..${SEND_MAX:-6}: the node
# still finishes and the hub holds each change exactly once.
# Full store (first, on a fresh hub): a hub with a 4 MiB map (--map-mib 4) takes pushes until it is full; then each
# push is refused (ERR_STORE_FULL) with a message naming the full store and nothing of it is
# stored -- the node stops with exit 8, not 4: the hub answered -- while the
# hub keeps serving downloads: a town node downloads everything that was stored and verifies
# it, and the export audits. Restarted with a larger map, the hub takes the rest.
set -u
# shellcheck source=../integration/lib.sh
source "$SHOUHE_ITLIB"
need_gen
[ -n "${SHOUHE_AUDIT:-}" ] && [ -x "$SHOUHE_AUDIT" ] || { echo "SKIP: SHOUHE_AUDIT not built" >&2; exit 77; }
COMMIT_MAX=${COMMIT_MAX:-6}
SEND_MAX=${SEND_MAX:-6}

# exactly_once NAME -- the hub's head for NAME is its own change count, the tree holds every
# change once, and the export verifies (the hub is stopped around the export)
exactly_once () {
    local own
    own=$(node_own_changes "$1")
    assert_eq "$(hub_node_field "${KEY[$1]}" head_seq)" "$own" "$1: hub head_seq = own changes"
    hub_cmd checkpoint
    assert_eq "$(sed -n 2p "$OUT")" "$(total_own)" "hub tree size = every node's changes once"
}
total_own () {
    local n t=0
    for n in "${!KEY[@]}"; do t=$((t + $(node_own_changes "$n"))); done
    echo "$t"
}

hub_init
node_new a 500115108201 || exit 1
node_new b 500115108202 || exit 1

it_step "a full store: pushes refused, downloads served"
hub_start --map-mib 4 || exit 1
gen b 20000 7 || exit 1
it_run "$NODE" sync --dir "$(ndir b)" --hub "$HUB_EP" --hub-key "$HUB_KEY" --deadline 8
hub_refused_full
assert_err "the hub's store is full \(it keeps a reserve of [0-9]+ [KM]iB; its map: [0-9]+ of [0-9]+ MiB used\)"
stored=$(hub_node_field "${KEY[b]}" head_seq)
[ "$stored" -gt 0 ] && [ "$stored" -lt 20000 ] || it_fail "expected part of b's changes stored, got $stored"
# downloads go on: a town node takes everything stored, verifying each change
node_new t 500115108 || exit 1
sync t --deadline 30 || it_fail "download from a full hub: exit $RC"
assert_eq "$(node_digest t 500115108202)" "$(hub_digest 500115108202)" "the town's copy of b = the hub's"
it_must "$NODE" log verify --dir "$(ndir t)"
hub_stop
it_must "$HUB" export --dir "$HUB_DIR" "$T/full.export"
it_must "$SHOUHE_AUDIT" verify "$T/full.export" --hub-key "$HUB_KEY"

it_step "restarted with room, the hub takes the rest"
hub_start --map-mib 256 || exit 1
sync b --deadline 30 || it_fail "sync after the restart: exit $RC"
digest_equal b 500115108202
hub_stop
it_step "the hub's Nth commit fails, N = 1..$COMMIT_MAX"
for ((n = 1; n <= COMMIT_MAX; n++)); do
    SHOUHE_FAULT_COMMIT=$n hub_start || exit 1
    gen a 600 "$n" || exit 1
    sync a --deadline 30 || it_fail "commit fault $n: sync exit $?"
    hub_alive
    if [ "$n" = 1 ]; then
        # a's first Hello ever: its commit is the last-seen stamp, which fails; the session
        # goes on without it (a full store must not stop a session)
        grep -q "cannot record when it was last seen: injected fault" "$HUB_LOG" \
            || it_fail "commit fault 1: the hub did not report the failed last-seen stamp"
    fi
    hub_stop
    exactly_once a
done

it_step "the hub's Nth reply is dropped, N = 1..$SEND_MAX"
for ((n = 1; n <= SEND_MAX; n++)); do
    SHOUHE_FAULT_SEND=$n hub_start || exit 1
    gen a 300 $((100 + n)) || exit 1
    sync a --deadline 30 || it_fail "send fault $n: sync exit $?"
    hub_alive
    hub_stop
    exactly_once a
done
SHOUHE_FAULT_SEND=x it_run "$HUB" serve --dir "$HUB_DIR" --bind tcp://127.0.0.1:1
assert_eq "$RC" 2 "a malformed SHOUHE_FAULT_SEND"
assert_err 'SHOUHE_FAULT_SEND must be a whole number'

assert_exit 2 "$HUB" serve --dir "$HUB_DIR" --bind tcp://127.0.0.1:1 --map-mib 0
assert_err 'map-mib takes a size in MiB'
