# faults_node_test.sh -- the node's built-in fault points (SHOUHE_FAULT_SEND, SHOUHE_FAULT_COMMIT:
# the Nth sync send / Nth store commit fails, as a dead link or a full disk would).
#
# Send: for N = 1..${SEND_MAX:-12}, the node writes 300 new changes and syncs with its Nth send
# dropped: the sync must still finish (exit 0; the lost message is re-sent or its answer
# awaited again), the log verifies, and the hub holds each change exactly once.
# Commit: a town node downloads with its Nth commit failing, for N = 1..${COMMIT_MAX:-6}: the
# sync exits 3 naming the failed commit, the log verifies, nothing is half-applied (the next
# fault-free sync completes and the digests agree). A CLI write whose commit fails changes
# nothing.
set -u
# shellcheck source=../integration/lib.sh
source "$SHOUHE_ITLIB"
need_gen
SEND_MAX=${SEND_MAX:-12}
COMMIT_MAX=${COMMIT_MAX:-6}

hub_init
hub_start
node_new a 500115108201 || exit 1
A=$(ndir a)

it_step "sync with the Nth send dropped, N = 1..$SEND_MAX"
for ((n = 1; n <= SEND_MAX; n++)); do
    gen a 300 "$n" || exit 1
    SHOUHE_FAULT_SEND=$n it_run "$NODE" sync --dir "$A" --hub "$HUB_EP" --hub-key "$HUB_KEY" --deadline 30
    [ "$RC" = 0 ] || it_fail "send fault $n: sync exit $RC"
    it_must "$NODE" log verify --dir "$A"
    own=$((n * 300))
    assert_eq "$(hub_node_field "${KEY[a]}" head_seq)" "$own" "send fault $n: hub head_seq"
done
hub_cmd checkpoint
assert_eq "$(sed -n 2p "$OUT")" "$((SEND_MAX * 300))" "hub tree size: each change exactly once"
digest_equal a 500115108201

it_step "download with the Nth commit failing, N = 1..$COMMIT_MAX"
for ((n = 1; n <= COMMIT_MAX; n++)); do
    node_new "t$n" 500115108 || exit 1
    D=$(ndir "t$n")
    SHOUHE_FAULT_COMMIT=$n it_run "$NODE" sync --dir "$D" --hub "$HUB_EP" --hub-key "$HUB_KEY" --deadline 30
    if [ "$RC" = 0 ]; then
        # fewer commits than n in the whole sync: then it must have completed everything
        assert_eq "$(node_digest "t$n" 500115108201)" "$(hub_digest 500115108201)" "commit fault $n: digest"
        continue
    fi
    assert_eq "$RC" 3 "commit fault $n: exit code (store error)"
    assert_err 'cannot (commit|store|write)|fault'
    it_must "$NODE" log verify --dir "$D"
    sync "t$n" || it_fail "commit fault $n: the fault-free sync after it exits $RC"
    assert_eq "$(node_digest "t$n" 500115108201)" "$(hub_digest 500115108201)" "commit fault $n: digest after the retry"
    it_must "$NODE" log verify --dir "$D"
done

it_step "a CLI write whose commit fails changes nothing"
before=$("$NODE" digest --dir "$A"):$("$NODE" log --dir "$A" --json | wc -c)
SHOUHE_FAULT_COMMIT=1 it_run "$NODE" courtyard add --dir "$A" --code 500115108201950 --name 新院落 --households 9
[ "$RC" != 0 ] || it_fail "a write whose commit failed reported success"
assert_err 'fault|commit'
after=$("$NODE" digest --dir "$A"):$("$NODE" log --dir "$A" --json | wc -c)
assert_eq "$after" "$before" "digest and log after the failed write"
SHOUHE_FAULT_COMMIT=x it_run "$NODE" digest --dir "$A"
assert_eq "$RC" 2 "a malformed SHOUHE_FAULT_COMMIT"
assert_err 'SHOUHE_FAULT_COMMIT must be a whole number'
hub_stop
