# crash_node_test.sh -- a node SIGKILLed during local writes and during sync.
#
# Local writes: sh_gen writes through the node library (batches of 50 changes per LMDB
# transaction) and is SIGKILLed at a random moment, ${NODE_KILLS:-8} times; after each kill
# `shouhe-node log verify` passes (every signature and chain link, no torn batch) and the
# digest is that of the committed changes (a digest run twice agrees, conflicts are none).
# Sync: the node's upload (and then a second node's download) is SIGKILLed at random moments
# until a sync runs to its end; after each kill `log verify` passes, and the next sync resumes:
# in the end the hub holds each change exactly once and every digest agrees.
set -u
# shellcheck source=../integration/lib.sh
source "$SHOUHE_ITLIB"
need_gen
KILLS=${NODE_KILLS:-8}
RANDOM=${CRASH_SEED:-$$}
echo "crash seed: $RANDOM (CRASH_SEED to repeat)"

hub_init
hub_start
node_new a 500115108201 || exit 1
A=$(ndir a)

it_step "local writes killed $KILLS times"
for ((k = 1; k <= KILLS; k++)); do
    setsid "$GEN" "$A" --changes 1000000 --batch 50 --seed "$k" > "$T/gen.$k.out" 2>&1 &
    pid=$!
    it_track "$pid"
    sleep "0.$(printf '%03d' $((20 + RANDOM % 130)))"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    it_must "$NODE" log verify --dir "$A"
    assert_out '^ok: [0-9]+ changes verified'
    n=$(sed -n 's/^ok: \([0-9]*\) changes verified.*/\1/p' "$OUT")   # a has only its own
    [ $((n % 50)) -eq 0 ] || it_fail "kill $k: $n changes: a torn batch (batches of 50)"
    it_must "$NODE" conflicts --dir "$A"
    assert_out '^0 conflicts$'
    assert_eq "$(node_digest a)" "$(node_digest a)" "digest after kill $k, twice"
done
own=$(node_own_changes a)
[ "$own" -gt 0 ] || it_fail "nothing was committed before any of the kills"
it_step "node a holds $own changes after $KILLS kills"

# kill_until_done NAME WHAT -- sync NAME in the background and SIGKILL it at a random moment,
# over and over (log verify after each kill), until a sync runs to its end (at most 20 kills);
# then one more sync must have nothing to do
kill_until_done () {
    local name=$1 what=$2 kills=0 pid
    it_step "$what killed at random moments until a sync completes"
    while :; do
        sync_bg "$name" --deadline 30
        pid=$SYNC_PID
        sleep "0.$(printf '%02d' $((5 + RANDOM % 40)))"
        if ! kill -0 "$pid" 2>/dev/null || [ $kills -ge 20 ]; then
            sync_wait "$pid" || it_fail "sync of $name: exit $RC"
            break
        fi
        kill -KILL "$pid" 2>/dev/null
        sync_wait "$pid"
        kills=$((kills + 1))
        it_must "$NODE" log verify --dir "$(ndir "$name")"
    done
    it_step "$what killed $kills time(s), then completed"
    it_run "$NODE" sync --dir "$(ndir "$name")" --hub "$HUB_EP" --hub-key "$HUB_KEY" --deadline 30
    [ "$RC" = 0 ] || it_fail "sync of $name after the kills: exit $RC"
    assert_out '^synced: 0 changes up \(0 already at the hub\), 0 down'
}

kill_until_done a upload
assert_eq "$(hub_node_field "${KEY[a]}" head_seq)" "$own" "hub head_seq = the node's own changes"
hub_cmd checkpoint
assert_eq "$(sed -n 2p "$OUT")" "$own" "hub tree size: each change exactly once"
digest_equal a 500115108201

node_new b 500115108 || exit 1
kill_until_done b download
assert_eq "$(node_digest b 500115108201)" "$(node_digest a 500115108201)" "digest of b = a"
digest_equal b 500115108201
hub_stop
it_step "done"
