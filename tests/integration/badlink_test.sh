# badlink_test.sh -- sync over a poor link, and across hub crashes: nothing lost, nothing twice.
#
# 1. A village node with 3,000 changes uploads through faultproxy at 512 kbit/s, 20 ms latency,
#    the connection cut every 20..80 KB; `sync --deadline 60` is retried (a bounded number of
#    times, each attempt must make progress) until it exits 0. Then the hub holds exactly the
#    node's changes (head_seq = the node's count, the same digest, the hub's global log holds
#    each change once) and a second sync uploads nothing. A second node of the same village
#    downloads the 3,000 changes through the same bad link.
# 2. A node with 5,000 changes syncs straight to the hub; the hub is killed with SIGKILL while
#    the upload runs and restarted on the same endpoint; the same sync run finishes (ZeroMQ
#    reconnects, the session resumes); in the end the digests are equal.
# 3. The same through a throttled link, killing the hub once it has committed 1,000 changes (so
#    the kill surely lands mid-upload): what it had committed before the kill is still there
#    after it, and the same sync run finishes once the hub is back behind the proxy.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"
need_gen

TOWN=500115101
V1=${TOWN}001
V2=${TOWN}002
V3=${TOWN}003

hub_init
hub_start

# log_size -- the size of the hub's global log (from a Welcome; needs rawpeer), or "" without it.
LOGPEER=
log_size () {
    [ -n "$LOGPEER" ] && rawpeer_python > /dev/null || return 0
    rawpeer "$LOGPEER" "$V3" welcome > /dev/null
    python3 -c 'import json,sys; print(json.load(sys.stdin)["replies"][-1]["log_size"])' < "$OUT" 2>/dev/null
}
if rawpeer_python > /dev/null; then
    node_new logpeer "$V3"
    LOGPEER=logpeer
fi

PARTS=${BADLINK_PARTS:-1 2 3}   # to run a part alone while debugging: BADLINK_PARTS=2
part () { [[ " $PARTS " == *" $1 "* ]]; }
N_SLOW=0 N_BIG=0 N_BIG2=0

# --- 1. upload through a link that is slow and cut every 20..80 KB --------------------------------
if part 1; then
it_step "1. node 'slow': 3000 changes"
node_new slow "$V1"
gen slow 3000 11
N_SLOW=$(node_own_changes slow)
assert_eq "$N_SLOW" 3000 "sh_gen wrote 3000 changes"
proxy_start "$HUB_EP" --rate 512000 --delay 20 --cut-every 20000:80000 --seed 5

# progress_mark NAME -- "hub head_seq/node log length" of NAME: changes when an attempt moved
# anything up or down.
progress_mark () {
    printf '%s/%s' "$(hub_node_field "${KEY[$1]}" head_seq)" \
        "$("$NODE" log --dir "$(ndir "$1")" --json 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
}

# sync_until_done NAME MAX_ATTEMPTS -- retry `sync --deadline 60` through the proxy until exit 0
# (exit 4, the deadline, is retried, and so is an attempt still running after 120 s). Two attempts in a row that move nothing (hub head_seq
# and the node's log length unchanged) fail the test: the sync is not making progress.
sync_until_done () {
    local name=$1 max=$2 i rc m0 m1 stuck=0
    for ((i = 1; i <= max; i++)); do
        m0=$(progress_mark "$name")
        SYNC_EP=$PROXY_EP SYNC_TIMEOUT=120 sync "$name" --deadline 60 \
            > "$T/n/$name.attempt$i.out" 2> "$T/n/$name.attempt$i.err"
        rc=$?
        m1=$(progress_mark "$name")
        it_step "  $name: attempt $i: exit $rc, hub head_seq/node log $m0 -> $m1, cuts so far $(grep -c 'CUT after' "$PROXY_LOG")"
        cp "$T/n/$name.attempt$i.out" "$OUT"; cp "$T/n/$name.attempt$i.err" "$ERR"; RC=$rc
        LAST_CMD="sync $name --hub <proxy> --deadline 60 (attempt $i)"
        [ $rc -eq 0 ] && return 0
        # 4: the deadline passed; 124: still running after 120 s (timeout(1)): both are retried
        if [ $rc -ne 4 ] && [ $rc -ne 124 ]; then
            it_fail "expected: exit 0, or 4 (deadline) to be retried" "actual:   exit $rc"
            return 1
        fi
        if [ "$m0" = "$m1" ]; then stuck=$((stuck + 1)); else stuck=0; fi
        if [ $stuck -ge 2 ]; then
            it_fail "expected: every 60 s attempt over the bad link moves some changes" \
                    "actual:   two attempts in a row moved nothing (hub head_seq/node log length $m1)"
            return 1
        fi
    done
    it_fail "expected: the sync completes within $max attempts of 60 s over the bad link" \
            "actual:   still exit $rc; hub head_seq/node log length $m1"
    return 1
}

it_step "1. upload through 512 kbit/s, 20 ms, cut every 20..80 KB"
sync_until_done slow 5
cuts=$(grep -c 'CUT after' "$PROXY_LOG")
[ "$cuts" -ge 3 ] || it_fail "expected: the link was cut at least 3 times during the upload" "actual:   $cuts cuts"
assert_eq "$(hub_node_field "${KEY[slow]}" head_seq)" "$N_SLOW" "hub head_seq = the node's change count"
digest_equal slow "$V1"
size=$(log_size)
[ -z "$size" ] || assert_eq "$size" "$N_SLOW" "the hub's global log holds each change exactly once"

it_step "1. a second sync uploads nothing"
before=$(hub_digest)
assert_exit 0 sync slow --json
assert_json "assert j['up'] == 0, j"
assert_eq "$(hub_digest)" "$before" "the hub's state after a sync with nothing new"
assert_eq "$(hub_node_field "${KEY[slow]}" head_seq)" "$N_SLOW" "head_seq after a sync with nothing new"

it_step "1. node 'fresh' of the same village downloads the 3000 changes through the bad link"
node_new fresh "$V1"
sync_until_done fresh 5
digest_equal fresh "$V1"
assert_eq "$(node_digest fresh "$V1")" "$(node_digest slow "$V1")" "fresh = slow for the village"
node_must fresh log verify
proxy_stop
fi

# --- 2. SIGKILL the hub during a direct upload ------------------------------------------------------
if part 2; then
it_step "2. node 'big': 5000 changes, sync straight to the hub, SIGKILL the hub mid-upload"
node_new big "$V2"
gen big 5000 12
N_BIG=$(node_own_changes big)
assert_eq "$N_BIG" 5000 "sh_gen wrote 5000 changes"
sync_bg big --deadline 120
BIG_PID=$SYNC_PID
# This sync runs for well under a second: kill the hub 0.15 s after it started.
sleep 0.15
hub_kill9
after=$(hub_node_field "${KEY[big]}" head_seq)
it_step "2. in the hub's store after the kill: $after of $N_BIG changes"
if ! [[ $after =~ ^[0-9]+$ ]]; then
    it_fail "expected: the hub's store opens after SIGKILL and shows the node" "actual:   head_seq '$after'"
fi
[ "$after" = "$N_BIG" ] && it_step "NOTE: the upload had finished before the kill landed (part 3 kills surely mid-upload)"
sleep 0.5
hub_restart_same_port
assert_exit 0 sync_wait "$BIG_PID"
assert_eq "$(hub_node_field "${KEY[big]}" head_seq)" "$N_BIG" "hub head_seq = 5000 after the crash"
digest_equal big "$V2"
fi

# --- 3. SIGKILL the hub during a throttled upload ---------------------------------------------------
if part 3; then
it_step "3. node 'big2': 3000 changes through 2 Mbit/s; SIGKILL the hub at ~1/3"
node_new big2 "$V3"
gen big2 3000 13
N_BIG2=$(node_own_changes big2)
proxy_start "$HUB_EP" --rate 2000000
SYNC_EP=$PROXY_EP sync_bg big2 --deadline 120
BIG2_PID=$SYNC_PID
seen=0
for ((i = 0; i < 200; i++)); do
    seen=$(hub_node_field "${KEY[big2]}" head_seq)
    [[ $seen =~ ^[0-9]+$ ]] && [ "$seen" -ge 1000 ] && break
    sleep 0.05
done
hub_kill9
after=$(hub_node_field "${KEY[big2]}" head_seq)
it_step "3. committed before the kill (seen): $seen; in the store after the kill: $after of $N_BIG2"
[ "$seen" = None ] && seen=0
if ! [[ $after =~ ^[0-9]+$ ]] || [ "$after" -lt "$seen" ]; then
    it_fail "expected: what the hub had committed before SIGKILL survives it" \
            "actual:   head_seq $seen before the kill, $after after"
fi
if [ "$after" -ge "$N_BIG2" ]; then
    it_fail "expected: the kill lands mid-upload (test timing)" "actual:   all $after changes were already up"
fi
sleep 1
hub_restart_same_port
assert_exit 0 sync_wait "$BIG2_PID"
assert_eq "$(hub_node_field "${KEY[big2]}" head_seq)" "$N_BIG2" "hub head_seq = 3000 after the crash"
digest_equal big2 "$V3"
proxy_stop
fi

it_step "after all: every node agrees with the hub, and the hub's log holds each change once"
if part 1; then
    assert_exit 0 sync slow
    digest_equal slow "$V1"
fi
part 2 && digest_equal big "$V2"
part 3 && digest_equal big2 "$V3"
size=$(log_size)
[ -z "$size" ] || assert_eq "$size" "$((N_SLOW + N_BIG + N_BIG2))" "the hub's global log holds each change exactly once"
for n in slow big big2 fresh; do [ -d "$(ndir "$n")" ] && node_must "$n" log verify; done

hub_alive
hub_stop
