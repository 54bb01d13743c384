# badwire_test.sh -- bad peers on the wire: while a good village uploads ~2,000 changes, a raw
# ZeroMQ peer (tests/tools/sh_rawpeer, CURVE-authenticated as an enrolled node) sends the hub
# garbage, a truncated Push, another protocol version, a 5 MiB message, a forged signature, a
# change of another key, a Hello naming another key, a Push without a session and a two-frame
# message. Each gets its own specific Error; the hub keeps serving: the good sync finishes (exit
# 0) with the hub's digest, nothing of the bad peer is stored, nobody is blocked, the misbehaving
# node itself can still sync its real changes, and the hub stops cleanly at the end.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"

RAWPEER=${SHOUHE_RAWPEER:-}
if [ -z "$RAWPEER" ] || [ ! -x "$RAWPEER" ]; then
    echo "SKIP $IT_NAME: SHOUHE_RAWPEER (tests/tools/sh_rawpeer) is not built" >&2
    exit 77
fi
need_gen

TOWN=500115101
V_GOOD=${TOWN}001
V_BAD=${TOWN}002
V_OTHER=${TOWN}003

# mode -> the Error the hub must answer with (extra arguments in MODE_ARGS)
declare -A EXPECT=(
    [garbage]=ERR_MALFORMED
    [truncated]=ERR_MALFORMED
    [version]=ERR_VERSION
    [oversize]=ERR_TOO_LARGE
    [forged]=ERR_SIGNATURE
    [other-author]=ERR_AUTHOR
    [hello-other]=ERR_AUTHOR
    [nosession]=ERR_SESSION
    [multipart]=ERR_MALFORMED
)
MODES=(garbage truncated version oversize forged other-author hello-other nosession multipart)

# rawpeer MODE -- run sh_rawpeer as node "bad" (output in $OUT, exit code in $RC)
rawpeer () {
    it_run "$RAWPEER" --dir "$(ndir bad)" --hub "$HUB_EP" --hub-key "$HUB_KEY" \
        --other-dir "$(ndir other)" --timeout 5 "$1"
}

# check_reply MODE -- $OUT/$RC of a rawpeer run show the Error expected for MODE
check_reply () {
    local want=${EXPECT[$1]}
    if [ "$RC" -ne 0 ]; then
        it_fail "expected: mode $1 is answered with an Error ($want): sh_rawpeer exits 0"
        return 1
    fi
    if ! grep -Eq "^ERROR $want: .{10,}" "$OUT"; then
        it_fail "expected: mode $1 is answered with 'ERROR $want: <message>'"
        return 1
    fi
    return 0
}

it_step "hub; nodes good ($V_GOOD), bad ($V_BAD), other ($V_OTHER)"
hub_init
hub_start
node_new good "$V_GOOD"
node_new bad "$V_BAD"
node_new other "$V_OTHER"
gen good 2000 1
gen bad 20 2
HEAD0=$(hub_node_field "${KEY[bad]}" head_seq)

it_step "baseline: the raw peer reaches the hub (ping -> pong)"
rawpeer ping
assert_eq "$RC:$(out)" "1:pong" "sh_rawpeer ping gets a Pong (exit 1: no Error)"

# The good node goes through a throttled link, so that its upload (about 0.5 MB) lasts several
# seconds and every bad peer below meets the hub while it is busy with it.
it_step "good node uploads 2,000 changes in the background, over a 1 Mbit/s link"
proxy_start "$HUB_EP" --rate 1000000
SYNC_EP=$PROXY_EP SYNC_DEADLINE=240 sync_bg good
GOOD_PID=$SYNC_PID

it_step "round 1: every bad mode, one after the other"
for mode in "${MODES[@]}"; do
    rawpeer "$mode"
    check_reply "$mode" && echo "  $mode -> $(out)"
    hub_alive
done
if kill -0 "$GOOD_PID" 2>/dev/null; then
    it_step "the good sync was still running after round 1"
else
    RC=0; LAST_CMD="shouhe-node sync good (background)"
    it_fail "expected: the throttled good sync is still running when round 1 ends (else the" \
            "          bad peers did not meet a busy hub)"
fi

it_step "round 2: every bad mode three times at once"
declare -A BURST=()
n=0
for rep in 1 2 3; do
    for mode in "${MODES[@]}"; do
        n=$((n + 1))
        base=$T/burst.$n
        setsid "$RAWPEER" --dir "$(ndir bad)" --hub "$HUB_EP" --hub-key "$HUB_KEY" \
            --other-dir "$(ndir other)" --timeout 20 "$mode" < /dev/null > "$base.out" 2> "$base.err" &
        it_track $!
        BURST[$!]="$mode $base"
    done
done
for pid in "${!BURST[@]}"; do
    read -r mode base <<< "${BURST[$pid]}"
    wait "$pid"
    RC=$?
    cp "$base.out" "$OUT"
    cp "$base.err" "$ERR"
    LAST_CMD="sh_rawpeer $mode (burst, pid $pid)"
    check_reply "$mode"
done
hub_alive

it_step "the good sync finishes and matches the hub"
if kill -0 "$GOOD_PID" 2>/dev/null; then
    it_step "(the good sync was still running after round 2)"
fi
sync_wait "$GOOD_PID"
assert_eq "$RC" 0 "the good node's sync exits 0 while bad peers hammer the hub"
assert_out "synced: 2000 changes up"
digest_equal good "$V_GOOD"
assert_eq "$(hub_node_field "${KEY[good]}" head_seq)" 2000 "the hub holds the good node's 2,000 changes"

it_step "nothing of the bad peer was stored, and nobody was blocked"
assert_eq "$(hub_node_field "${KEY[bad]}" head_seq)" "$HEAD0" "the bad node's chain at the hub is unchanged"
assert_eq "$(hub_node_field "${KEY[other]}" head_seq)" 0 "the other key's chain at the hub is empty"
for n in good bad other; do
    assert_eq "$(hub_node_field "${KEY[$n]}" blocked)" False "node $n is not blocked"
done
H_BAD=$(hub_digest "$V_BAD")
H_OTHER=$(hub_digest "$V_OTHER")
it_must "$HUB" digest --dir "$HUB_DIR" --scope 500115101009
assert_eq "$H_BAD" "$(out)" "the hub holds no state in the bad node's village (same digest as an empty village)"
assert_eq "$H_OTHER" "$(out)" "the hub holds no state in the other node's village"

it_step "the misbehaving node can still sync its real changes"
assert_exit 0 sync bad
assert_out "synced: 20 changes up"
digest_equal bad "$V_BAD"
assert_exit 0 sync good
assert_out "synced: 0 changes up"
digest_equal good "$V_GOOD"

it_step "the hub is still serving, and stops cleanly"
hub_alive
hub_stop
