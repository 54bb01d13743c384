# lib.sh -- helpers for the integration tests (tests/integration/*_test.sh):
# a real shouhe-hub daemon and real shouhe-node processes on loopback.
#
# ctest sets (tests/CMakeLists.txt):
#   SHOUHE_NODE   the shouhe-node binary            (required)
#   SHOUHE_HUB    the shouhe-hub binary             (required; unset -> test skipped, exit 77)
#   SHOUHE_GEN    tests/tools/sh_gen                (needed by tests that call need_gen)
#   SHOUHE_PROXY  tests/integration/faultproxy.py   (needed by tests that call proxy_start)
#   SHOUHE_ITLIB  this file
# Optional knobs: SHOUHE_KEEP_TMP=1 keeps the temporary directory; SHOUHE_KEEP_GOING=1 goes on
# after a failed check (exit 1 at the end); IT_TIMEOUT (s, default 570) is the test's own
# watchdog, under ctest's TIMEOUT 600.
#
# Every test gets its own temporary directory $T, removed on exit. Each process a helper starts
# in the background runs in its own process group and is tracked; on exit (normal, failure,
# SIGINT/SIGTERM, watchdog) every tracked group still alive gets SIGTERM, then SIGKILL after 5 s,
# so no daemon outlives its test.
#
# Hub:    hub_init [DIR]           create the hub store (default $T/hub); sets HUB_DIR, HUB_KEY
#         hub_start [DIR] [ARGS]   serve on $HUB_BIND (default: a free port below the ephemeral
#                                  range, it_low_port) with --ready-file; waits
#                                  <= 10 s; sets HUB_EP, HUB_PORT, HUB_PID; log in $HUB_LOG
#         hub_stop                 SIGTERM, expects exit 0 within 10 s
#         hub_kill9                SIGKILL (a crash)
#         hub_restart_same_port    hub_start on the endpoint the last hub had
#         hub_alive                fails the test if the hub died
#         hub_cmd ARGS...          shouhe-hub ARGS --dir $HUB_DIR (output to $OUT/$ERR, sets RC)
#         hub_digest [SCOPE]       prints the hub's digest
#         hub_refused_full         the last sync met the hub's full store: exit 8, messages, log
#         hub_node_field KEY FIELD prints FIELD of KEY in `nodes --json` (python repr: True, None...)
# Nodes:  node_new NAME SCOPE [--enroll-scope CODE] [--no-enroll] [--role R]
#                                  init $T/n/NAME and enroll it; sets KEY[NAME] and NODE_KEY
#         ndir NAME                prints the node's directory
#         node NAME ARGS...        shouhe-node WORD... --dir DIR ARGS (first words before --dir);
#                                  node_must: the same, failing the test unless exit 0
#         sync NAME [ARGS]         shouhe-node sync to ${SYNC_EP:-$HUB_EP} (default --deadline
#                                  ${SYNC_DEADLINE:-60}), under timeout(1) (deadline + 30 s, or
#                                  ${SYNC_TIMEOUT}; exit 124 when it fires); returns its exit code
#         sync_bg NAME [ARGS]      the same in the background; sets SYNC_PID; sync_wait PID -> rc
#         node_digest NAME [SCOPE] prints the node's digest
#         digest_equal NAME SCOPE  node's digest for SCOPE == hub's, else the test fails
#         node_own_changes NAME    number of log entries the node wrote itself
#         gen NAME N SEED          sh_gen: N signed changes into the node (need_gen first)
# Proxy:  proxy_start TARGET_EP [faultproxy options]  sets PROXY_EP, PROXY_PID, PROXY_LOG
#         proxy_stop
# Raw:    rawpeer_python           a python3 with zmq and nacl (python3-zmq, python3-nacl), or fails
#         rawpeer NAME|random SCOPE SCENARIO        rawpeer.py as that node's key; JSON in $OUT
#         rawpeer_expect NAME|random SCOPE SCENARIO TYPE [ERR_CODE]   ... and check the last reply
# Checks: it_run CMD...            stdout -> $OUT, stderr -> $ERR, exit code -> $RC
#         it_must CMD...           it_run, fail unless exit 0
#         assert_exit CODE CMD...  CODE may list alternatives: "5|6"
#         assert_eq ACTUAL EXPECTED WHAT
#         assert_err PATTERN / assert_out PATTERN   (extended regexp, case-insensitive)
#         assert_json PYCODE       PYCODE runs with j = parsed $OUT (use assert)
#         it_fail MSG...           report a failure
#         it_step TEXT             progress line with the elapsed time
# A failure prints the command, what was expected, what happened, and the tail of the hub log.

set -u
export LC_ALL=C

IT_NAME=$(basename "$0" .sh)
IT_T0=$(date +%s.%N)

if [ -z "${SHOUHE_NODE:-}" ] || [ ! -x "${SHOUHE_NODE}" ]; then
    echo "lib.sh: SHOUHE_NODE must name the shouhe-node binary (run through ctest)" >&2
    exit 1
fi
if [ -z "${SHOUHE_HUB:-}" ]; then
    echo "SKIP $IT_NAME: SHOUHE_HUB is not set (no shouhe-hub target in this build)" >&2
    exit 77
fi
if [ ! -x "$SHOUHE_HUB" ]; then
    echo "lib.sh: SHOUHE_HUB=$SHOUHE_HUB is not an executable" >&2
    exit 1
fi
NODE=$SHOUHE_NODE
HUB=$SHOUHE_HUB
# The interpreter itself, not a wrapper script (a pyenv shim may keep a shell as the parent:
# signalling that pid would orphan the real process).
IT_PYTHON=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) || IT_PYTHON=python3
GEN=${SHOUHE_GEN:-}
PROXY=${SHOUHE_PROXY:-}

T=$(mktemp -d "${TMPDIR:-/tmp}/shouhe-it.XXXXXX") || exit 1
mkdir -p "$T/n"
# no /etc/shouhe/*.conf of this machine: a test names its configuration (sh_conf)
export SHOUHE_CONF_DIR=$T/no-conf
OUT=$T/.stdout
ERR=$T/.stderr
: > "$OUT"
: > "$ERR"
RC=0
LAST_CMD=
FAILURES=0
HUB_DIR=
HUB_KEY=
HUB_EP=
HUB_PORT=
HUB_PID=
HUB_LOG=$T/hub.log
HUB_STARTS=0
PROXY_EP=
PROXY_PID=
PROXY_LOG=
NODE_KEY=
declare -A KEY=()
_IT_PIDS=()
declare -A _IT_BGOUT=()
_IT_BGN=0

# ---------------------------------------------------------------------------
# Process tracking and cleanup

# it_track PID -- kill PID's process group when the test ends.
it_track () { _IT_PIDS+=("$1"); }

_it_alive () { kill -0 "$1" 2>/dev/null; }

# _it_kill_group PID SIGNAL -- the group PID leads (setsid), or PID alone.
_it_kill_group () {
    kill "-$2" -- "-$1" 2>/dev/null || kill "-$2" "$1" 2>/dev/null
}

_it_kill_all () {
    local pid live=() i
    for pid in "${_IT_PIDS[@]}"; do
        if _it_alive "$pid"; then
            _it_kill_group "$pid" TERM
            live+=("$pid")
        fi
    done
    [ ${#live[@]} -eq 0 ] && return 0
    for ((i = 0; i < 50; i++)); do
        local any=0
        for pid in "${live[@]}"; do _it_alive "$pid" && any=1; done
        [ $any = 0 ] && break
        sleep 0.1
    done
    for pid in "${live[@]}"; do
        if _it_alive "$pid"; then
            echo "cleanup: pid $pid survived SIGTERM for 5 s: SIGKILL" >&2
            _it_kill_group "$pid" KILL
        fi
    done
    # reap, so that nothing is left a zombie of ours
    for pid in "${live[@]}"; do wait "$pid" 2>/dev/null; done
    return 0
}

_it_exit () {
    local rc=$?
    # A child forked for `cmd &` runs our traps if a signal hits it before it execs: only the
    # test's own shell cleans up.
    [ "$BASHPID" = "$$" ] || exit "$rc"
    trap - EXIT INT TERM
    _it_kill_all
    if [ "$FAILURES" -gt 0 ] && [ "$rc" -eq 0 ]; then rc=1; fi
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
        _it_hub_tail
        echo "FAILED: $IT_NAME ($FAILURES failed check(s), exit $rc) after $(it_elapsed) s" >&2
    else
        echo "PASSED: $IT_NAME after $(it_elapsed) s"
    fi
    if [ "${SHOUHE_KEEP_TMP:-0}" = 1 ]; then
        echo "kept: $T" >&2
    else
        rm -rf "$T"
    fi
    exit "$rc"
}
trap _it_exit EXIT
trap '[ "$BASHPID" = "$$" ] && echo "$IT_NAME: interrupted" >&2; exit 130' INT
trap '[ "$BASHPID" = "$$" ] && echo "$IT_NAME: terminated" >&2; exit 143' TERM

# The test's own watchdog: a test that runs away is stopped (SIGTERM: cleanup runs) before
# ctest's TIMEOUT would kill it harder.
# The shell runs its TERM trap only once its foreground command ends, so the watchdog also stops
# the test's own children (by parent pid: nothing else is touched).
setsid bash -c '
    sleep "$1"
    echo "$2: watchdog: $1 s elapsed: stopping the test" >&2
    kill -TERM "$3"
    for p in $(ps -o pid= --ppid "$3"); do
        if [ "$p" != "$$" ]; then kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null; fi
    done' watchdog "${IT_TIMEOUT:-570}" "$IT_NAME" "$$" < /dev/null > /dev/null &
it_track $!

# ---------------------------------------------------------------------------
# Reporting

it_elapsed () { awk -v a="$IT_T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

it_step () { echo "[+$(it_elapsed)s] $*"; }

_it_cmdline () {
    local s= a
    for a in "$@"; do
        case $a in
            "$NODE") a=shouhe-node ;;
            "$HUB") a=shouhe-hub ;;
            "${GEN:-//}") a=sh_gen ;;
        esac
        if [[ $a =~ ^[A-Za-z0-9_./:=+,@*-]+$ ]]; then s+=" $a"; else s+=" '${a//\'/\'\\\'\'}'"; fi
    done
    printf '%s' "${s# }"
}

_it_caller_line () {
    local i
    for ((i = 1; i < ${#BASH_SOURCE[@]} - 1; i++)); do
        if [ "${BASH_SOURCE[i + 1]}" != "${BASH_SOURCE[0]}" ]; then
            echo "${BASH_LINENO[i]}"
            return
        fi
    done
    echo "?"
}

_it_hub_tail () {
    if [ -s "$HUB_LOG" ]; then
        echo "---- last 40 lines of the hub log ($HUB_STARTS start(s)) ----" >&2
        tail -n 40 "$HUB_LOG" | sed 's/^/  hub| /' >&2
    fi
}

_it_rc_text () {
    if [ "$1" -gt 128 ] 2>/dev/null; then echo "$1 (killed by signal $(($1 - 128)))"
    elif [ "$1" = 124 ]; then echo "124 (timed out)"
    else echo "$1"; fi
}

# it_fail MSG... -- report a failed check (exits unless SHOUHE_KEEP_GOING=1).
it_fail () {
    FAILURES=$((FAILURES + 1))
    {
        echo "---- FAIL ($IT_NAME.sh line $(_it_caller_line), +$(it_elapsed)s) ----"
        [ -n "$LAST_CMD" ] && echo "command:  $LAST_CMD"
        printf '%s\n' "$@"
        echo "exit:     $(_it_rc_text "$RC")"
        echo "stdout:"; head -c 2000 "$OUT" | sed 's/^/  | /'
        echo "stderr:"; tail -c 3000 "$ERR" | sed 's/^/  | /'
        echo "-------------------------------------------"
    } >&2
    [ "${SHOUHE_KEEP_GOING:-0}" = 1 ] || exit 1
}

# ---------------------------------------------------------------------------
# Running commands and checks

it_run () {
    LAST_CMD=$(_it_cmdline "$@")
    "$@" > "$OUT" 2> "$ERR" < /dev/null
    RC=$?
    return 0
}

it_must () {
    it_run "$@"
    [ "$RC" -eq 0 ] || it_fail "expected: exit 0" "actual:   exit $(_it_rc_text "$RC")"
    [ "$RC" -eq 0 ]
}

# assert_exit CODE CMD... -- CODE is a number or alternatives "5|6".
assert_exit () {
    local code=$1
    shift
    it_run "$@"
    if [[ "|$code|" != *"|$RC|"* ]]; then
        it_fail "expected: exit $code" "actual:   exit $(_it_rc_text "$RC")"
        return 1
    fi
    return 0
}

assert_eq () {
    if [ "$1" != "$2" ]; then
        it_fail "check:    ${3:-values differ}" "expected: '$2'" "actual:   '$1'"
        return 1
    fi
    return 0
}

assert_err () {
    if ! grep -Eqi -- "$1" "$ERR"; then
        it_fail "expected: stderr of the last command matching /$1/ (case-insensitive)"
        return 1
    fi
}

assert_out () {
    if ! grep -Eqi -- "$1" "$OUT"; then
        it_fail "expected: stdout of the last command matching /$1/ (case-insensitive)"
        return 1
    fi
}

assert_json () {
    local why
    if ! why=$(python3 -c 'import json,sys,re
j = json.load(sys.stdin)
exec(sys.argv[1])' "$1" < "$OUT" 2>&1); then
        it_fail "expected: stdout JSON to satisfy:" "$1" "python:   $(printf '%s' "$why" | tail -n 3)"
        return 1
    fi
}

# out -- the last command's stdout (last line).
out () { tail -n 1 "$OUT"; }

# ---------------------------------------------------------------------------
# Hub

hub_init () {
    HUB_DIR=${1:-$T/hub}
    it_must "$HUB" init --dir "$HUB_DIR" || return 1
    HUB_KEY=$(out)
    if ! [[ $HUB_KEY =~ ^[0-9a-f]{64}$ ]]; then
        it_fail "expected: shouhe-hub init prints the hub's public key (64 hex)" "actual:   '$HUB_KEY'"
        return 1
    fi
    local mode
    mode=$(stat -c %a "$HUB_DIR/hub.key" 2>/dev/null)
    assert_eq "$mode" 600 "$HUB_DIR/hub.key has mode 0600"
    export HUB_DIR HUB_KEY
}

hub_cmd () {
    local sub=$1
    shift
    it_run "$HUB" "$sub" --dir "$HUB_DIR" "$@"
}

# it_low_port -- a free TCP port on 127.0.0.1 below the kernel's ephemeral range. Hubs listen
# there: while a hub is down, a node reconnecting to a port inside the ephemeral range can be
# handed that very port as its own source port and connect to itself (TCP simultaneous open),
# and the restarting hub then finds its port taken. (Production hubs use fixed low ports.)
it_low_port () {
    python3 - "$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range)" <<'PY'
import random, socket, sys
low = int(sys.argv[1])
for _ in range(500):
    p = random.randrange(max(1024, low - 12000), low)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
        print(p)
        break
    except OSError:
        pass
    finally:
        s.close()
PY
}

# hub_start [DIR] [EXTRA ARGS] -- start `shouhe-hub serve` in the background.
hub_start () {
    local dir=$HUB_DIR
    if [ $# -gt 0 ] && [[ $1 != -* ]]; then dir=$1; shift; fi
    [ -n "$dir" ] || { it_fail "hub_start: no hub directory (hub_init first)"; return 1; }
    local port=
    [ -n "${HUB_BIND:-}" ] || port=$(it_low_port)
    if [ -n "$port" ]; then
        HUB_BIND=tcp://127.0.0.1:$port _it_hub_start_once "$dir" "$@"
    else
        _it_hub_start_once "$dir" "$@"
    fi
}

_it_hub_start_once () {
    local dir=$1
    shift
    local bind=${HUB_BIND:-tcp://127.0.0.1:*} ready=$T/hub.ready i ep=
    rm -f "$ready"
    HUB_STARTS=$((HUB_STARTS + 1))
    echo "==== hub start $HUB_STARTS at +$(it_elapsed)s: serve --dir $dir --bind $bind $* ====" >> "$HUB_LOG"
    LAST_CMD=$(_it_cmdline "$HUB" serve --dir "$dir" --bind "$bind" --ready-file "$ready" "$@")
    setsid "$HUB" serve --dir "$dir" --bind "$bind" --ready-file "$ready" "$@" \
        < /dev/null >> "$HUB_LOG" 2>&1 &
    HUB_PID=$!
    it_track "$HUB_PID"
    for ((i = 0; i < 200; i++)); do
        if [ -s "$ready" ]; then
            ep=$(head -n 1 "$ready")
            [[ $ep =~ ^tcp://[0-9.]+:[0-9]+$ ]] && break
        fi
        if ! _it_alive "$HUB_PID"; then
            wait "$HUB_PID"
            RC=$?
            : > "$OUT"; tail -n 20 "$HUB_LOG" > "$ERR"
            it_fail "expected: the hub to start and write its endpoint to the ready file" \
                    "actual:   the hub exited before it was ready"
            return 1
        fi
        sleep 0.05
    done
    if ! [[ $ep =~ ^tcp://[0-9.]+:[0-9]+$ ]]; then
        RC=0; : > "$OUT"; tail -n 20 "$HUB_LOG" > "$ERR"
        it_fail "expected: within 10 s the ready file holds the bound endpoint (tcp://127.0.0.1:PORT)" \
                "actual:   ready file: '$(head -c 200 "$ready" 2>/dev/null)'"
        return 1
    fi
    HUB_EP=$ep
    HUB_PORT=${ep##*:}
    export HUB_EP HUB_PORT HUB_PID
    it_step "hub $HUB_STARTS up at $HUB_EP (pid $HUB_PID)"
}

hub_alive () {
    if [ -z "$HUB_PID" ] || ! _it_alive "$HUB_PID"; then
        RC=0
        [ -n "$HUB_PID" ] && { wait "$HUB_PID"; RC=$?; }
        LAST_CMD="shouhe-hub serve (pid $HUB_PID)"
        : > "$OUT"; tail -n 20 "$HUB_LOG" > "$ERR"
        it_fail "expected: the hub is still running" "actual:   it exited"
        return 1
    fi
}

hub_stop () {
    [ -n "$HUB_PID" ] || return 0
    local i pid=$HUB_PID
    hub_alive || return 1
    kill -TERM "$pid"
    for ((i = 0; i < 100; i++)); do
        _it_alive "$pid" || break
        sleep 0.1
    done
    LAST_CMD="kill -TERM <hub pid $pid>"
    if _it_alive "$pid"; then
        _it_kill_group "$pid" KILL
        wait "$pid" 2>/dev/null
        RC=137; : > "$OUT"; tail -n 20 "$HUB_LOG" > "$ERR"
        it_fail "expected: the hub exits within 10 s of SIGTERM" "actual:   still running: killed"
        return 1
    fi
    wait "$pid"
    RC=$?
    HUB_PID=
    if [ "$RC" -ne 0 ]; then
        : > "$OUT"; tail -n 20 "$HUB_LOG" > "$ERR"
        it_fail "expected: SIGTERM -> clean exit 0" "actual:   the hub exited $(_it_rc_text "$RC")"
        return 1
    fi
    it_step "hub stopped (exit 0)"
}

hub_kill9 () {
    [ -n "$HUB_PID" ] || return 0
    kill -KILL "$HUB_PID" 2>/dev/null
    wait "$HUB_PID" 2>/dev/null
    echo "==== hub killed with SIGKILL at +$(it_elapsed)s ====" >> "$HUB_LOG"
    it_step "hub killed (SIGKILL)"
    HUB_PID=
}

hub_restart_same_port () {
    HUB_BIND=$HUB_EP hub_start "$@"
}

# hub_refused_full -- after a sync that met the hub's full store: the node said so (exit 8,
# "the hub's store is full ...; nothing of this batch was stored"), the hub is up and logged it
# once (at most once a minute), with no "Input/output error" or ERR_CHAIN (13.8)
hub_refused_full () {
    [ "$RC" = 8 ] || it_fail "expected: the pushing node stops with exit 8 (the hub's store is full); got $RC"
    assert_err "the hub's store is full \(.*\); nothing of this batch was stored"
    hub_alive
    grep -q "push refused: the hub's store is full" "$HUB_LOG" || it_fail "the hub's log does not say its store is full"
    [ "$(grep -c "store is full" "$HUB_LOG")" -le 2 ] || it_fail "the hub logs 'store is full' more than once a minute"
    ! grep -qE "Input/output error|ERR_CHAIN" "$HUB_LOG" || it_fail "the hub's log shows an I/O error or ERR_CHAIN"
}

hub_digest () {
    local d
    if [ $# -gt 0 ] && [ -n "$1" ]; then
        d=$("$HUB" digest --dir "$HUB_DIR" --scope "$1" 2>&1)
    else
        d=$("$HUB" digest --dir "$HUB_DIR" 2>&1)
    fi
    printf '%s' "$d"
}

# hub_node_field KEY FIELD -- python repr of FIELD of the entry for KEY in `nodes --json`
# ('MISSING' when no entry has that key).
hub_node_field () {
    "$HUB" nodes --dir "$HUB_DIR" --json 2>/dev/null | python3 -c '
import json, sys
k, f = sys.argv[1], sys.argv[2]
try:
    j = json.load(sys.stdin)
except Exception as e:
    print("UNPARSABLE"); sys.exit(0)
for n in j:
    if n.get("key") == k:
        print(repr(n.get(f))); break
else:
    print("MISSING")' "$1" "$2"
}

# ---------------------------------------------------------------------------
# Nodes

ndir () { printf '%s' "$T/n/$1"; }

# node NAME WORDS... -- shouhe-node WORDS --dir DIR ... : the first arguments that do not start
# with '-' are the command words, the rest follow --dir.
node () {
    local name=$1 words=()
    shift
    while [ $# -gt 0 ] && [[ $1 != -* ]] && [ ${#words[@]} -lt 2 ]; do words+=("$1"); shift; done
    it_run "$NODE" "${words[@]}" --dir "$(ndir "$name")" "$@"
    return "$RC"
}

node_must () {
    node "$@"
    [ "$RC" -eq 0 ] || it_fail "expected: exit 0" "actual:   exit $(_it_rc_text "$RC")"
    [ "$RC" -eq 0 ]
}

node_new () {
    local name=$1 scope=$2 escope=$2 enroll=1 extra=() k
    shift 2
    while [ $# -gt 0 ]; do
        case $1 in
            --enroll-scope) escope=$2; shift 2 ;;
            --no-enroll) enroll=0; shift ;;
            *) extra+=("$1"); shift ;;
        esac
    done
    it_must "$NODE" init --dir "$(ndir "$name")" --scope "$scope" || return 1
    k=$(out)
    if ! [[ $k =~ ^[0-9a-f]{64}$ ]]; then
        it_fail "expected: shouhe-node init prints the node's key (64 hex)" "actual:   '$k'"
        return 1
    fi
    KEY[$name]=$k
    NODE_KEY=$k
    if [ $enroll = 1 ]; then
        it_must "$HUB" enroll --dir "$HUB_DIR" --scope "$escope" --key "$k" --name "$name" \
            ${extra[@]+"${extra[@]}"} || return 1
    fi
}

_it_sync_args () {
    local a prev= deadline= watch=0
    for a in "$@"; do
        [ "$prev" = --deadline ] && deadline=$a
        [ "$a" = --watch ] && watch=1
        prev=$a
    done
    _IT_SYNC_EXTRA=()
    if [ -z "$deadline" ] && [ $watch = 0 ]; then
        deadline=${SYNC_DEADLINE:-60}
        _IT_SYNC_EXTRA=(--deadline "$deadline")
    fi
    # timeout(1) bounds the whole run: the deadline plus a margin, or SYNC_TIMEOUT
    if [ -n "${SYNC_TIMEOUT:-}" ]; then
        _IT_SYNC_TIMEOUT=$SYNC_TIMEOUT
    elif [[ $deadline =~ ^[0-9]+$ ]] && [ "$deadline" -gt 0 ]; then
        _IT_SYNC_TIMEOUT=$((deadline + 30))
    else
        _IT_SYNC_TIMEOUT=300
    fi
}

# sync NAME [ARGS] -- foreground sync; its exit code is returned (use with assert_exit).
sync () {
    local name=$1
    shift
    _it_sync_args "$@"
    timeout -k 5 "$_IT_SYNC_TIMEOUT" "$NODE" sync --dir "$(ndir "$name")" \
        --hub "${SYNC_EP:-$HUB_EP}" --hub-key "$HUB_KEY" ${_IT_SYNC_EXTRA[@]+"${_IT_SYNC_EXTRA[@]}"} "$@" < /dev/null
}

# sync_bg NAME [ARGS] -- background sync; SYNC_PID; output in $(sync_out PID).{out,err}
sync_bg () {
    local name=$1 base
    shift
    _it_sync_args "$@"
    _IT_BGN=$((_IT_BGN + 1))
    base=$T/n/$name.sync$_IT_BGN
    setsid timeout -k 5 "$_IT_SYNC_TIMEOUT" "$NODE" sync --dir "$(ndir "$name")" \
        --hub "${SYNC_EP:-$HUB_EP}" --hub-key "$HUB_KEY" ${_IT_SYNC_EXTRA[@]+"${_IT_SYNC_EXTRA[@]}"} "$@" \
        < /dev/null > "$base.out" 2> "$base.err" &
    SYNC_PID=$!
    it_track "$SYNC_PID"
    _IT_BGOUT[$SYNC_PID]=$base
}

sync_out () { printf '%s' "${_IT_BGOUT[$1]}"; }

# sync_wait PID -- wait for a background sync; its exit code is returned; its output becomes
# $OUT/$ERR (so that a failing check shows it).
sync_wait () {
    local rc
    wait "$1"
    rc=$?
    cp "${_IT_BGOUT[$1]}.out" "$OUT" 2>/dev/null
    cp "${_IT_BGOUT[$1]}.err" "$ERR" 2>/dev/null
    RC=$rc
    LAST_CMD="shouhe-node sync (background, pid $1, ${_IT_BGOUT[$1]##*/})"
    return $rc
}

node_digest () {
    if [ $# -gt 1 ] && [ -n "$2" ]; then
        "$NODE" digest --dir "$(ndir "$1")" --scope "$2" 2>&1
    else
        "$NODE" digest --dir "$(ndir "$1")" 2>&1
    fi
}

# digest_equal NAME SCOPE -- the node's digest for SCOPE equals the hub's.
digest_equal () {
    local n h
    n=$(node_digest "$1" "$2")
    h=$(hub_digest "$2")
    LAST_CMD="digest --scope $2 (node $1 vs hub)"
    if ! [[ $h =~ ^[0-9a-f]{64}$ ]] || [ "$n" != "$h" ]; then
        RC=0; : > "$OUT"; : > "$ERR"
        it_fail "expected: node $1 and the hub have the same digest for scope $2" \
                "node:     $n" "hub:      $h"
        return 1
    fi
    return 0
}

# node_own_changes NAME -- how many log entries the node signed itself.
node_own_changes () {
    "$NODE" log --dir "$(ndir "$1")" --json 2>/dev/null | python3 -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin) if e.get("author") == sys.argv[1]))' "${KEY[$1]}"
}

# round N -- every node of NAMES writes CHANGES more changes (sh_gen, seeded by N and the
# name), then all sync at once (--deadline 120); prints the wall time in seconds. The timed
# rounds of the flood tests.
round () {
    local name failed=0 t0 t1
    for name in "${NAMES[@]}"; do
        "$GEN" "$(ndir "$name")" --changes "$CHANGES" --seed $(($1 * 1000 + ${#name})) > /dev/null \
            || { it_fail "sh_gen for $name"; return 1; }
    done
    declare -A pid_of=()
    t0=$(date +%s.%N)
    for name in "${NAMES[@]}"; do
        sync_bg "$name" --deadline 120
        pid_of[$name]=$SYNC_PID
    done
    for name in "${NAMES[@]}"; do
        sync_wait "${pid_of[$name]}" || { failed=$((failed + 1)); [ $failed -le 3 ] && it_fail "$name: sync exit $RC"; }
    done
    t1=$(date +%s.%N)
    [ $failed -eq 0 ] || return 1
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}

need_gen () {
    if [ -z "$GEN" ] || [ ! -x "$GEN" ]; then
        echo "SKIP $IT_NAME: SHOUHE_GEN (tests/tools/sh_gen) is not built" >&2
        exit 77
    fi
}

# need_audit -- skip (77) unless shouhe-audit and sh_export_tamper are built; sets AUDIT, TAMPER.
need_audit () {
    AUDIT=${SHOUHE_AUDIT:-}
    TAMPER=${SHOUHE_EXPORT_TAMPER:-}
    if [ -z "$AUDIT" ] || [ -z "$TAMPER" ]; then
        echo "SKIP $IT_NAME: SHOUHE_AUDIT or SHOUHE_EXPORT_TAMPER is not built" >&2
        exit 77
    fi
}

gen () {
    it_must "$GEN" "$(ndir "$1")" --changes "$2" --seed "$3"
}

# ---------------------------------------------------------------------------
# Raw wire peer (tests/integration/rawpeer.py: needs python3-zmq and python3-nacl)

# rawpeer_python -- prints a python3 that has zmq and nacl, or fails.
rawpeer_python () {
    local py
    for py in /usr/bin/python3 "$IT_PYTHON"; do
        if "$py" -c 'import zmq, nacl.bindings, zstandard' 2>/dev/null; then
            echo "$py"
            return 0
        fi
    done
    return 1
}

# rawpeer KEYSPEC SCOPE SCENARIO -- KEYSPEC is a node name (its node.key) or "random"; the
# JSON result is in $OUT (use assert_json on j['replies']).
rawpeer () {
    local spec=$1 scope=$2 sc=$3 py keyarg
    py=$(rawpeer_python) || { it_fail "rawpeer: no python3 with zmq and nacl (python3-zmq, python3-nacl)"; return 1; }
    if [ "$spec" = random ]; then keyarg=(--random-key); else keyarg=(--key-file "$(ndir "$spec")/node.key"); fi
    it_run "$py" "$(dirname "$SHOUHE_ITLIB")/rawpeer.py" --hub "${SYNC_EP:-$HUB_EP}" --hub-key "$HUB_KEY" \
        "${keyarg[@]}" --scope "$scope" --timeout "${RAWPEER_TIMEOUT:-5}" "$sc"
    [ "$RC" -eq 0 ] || it_fail "expected: rawpeer.py $sc runs (exit 0)"
}

# rawpeer_expect KEYSPEC SCOPE SCENARIO TYPE [CODE] -- the last reply is TYPE (error: with CODE).
rawpeer_expect () {
    rawpeer "$1" "$2" "$3" || return 1
    if [ "$4" = error ]; then
        assert_json "r = j['replies'][-1]; assert r['type'] == 'error' and r['code'] == '$5', r"
    else
        assert_json "r = j['replies'][-1]; assert r['type'] == '$4', r"
    fi
}

# verify_cosig NOTE_FILE NAME KEYHEX -- a second implementation of C2SP cosignature/v1 (Python,
# PyNaCl, written from the C2SP text): exactly one line of NAME with KEYHEX must verify over the
# note's checkpoint; prints "size time"
verify_cosig () {
    "$(rawpeer_python)" - "$1" "$2" "$3" <<'PY'
import base64, hashlib, struct, sys
from nacl.signing import VerifyKey
from nacl.exceptions import BadSignatureError
note = open(sys.argv[1], encoding="utf-8").read()
name, key = sys.argv[2], bytes.fromhex(sys.argv[3])
text, _, sigs = note.rpartition("\n\n")
text += "\n"
key_id = hashlib.sha256(name.encode() + b"\n\x04" + key).digest()[:4]
found = []
for line in sigs.splitlines():
    assert line.startswith("\u2014 "), line
    n, b64 = line[2:].rsplit(" ", 1)
    raw = base64.b64decode(b64, validate=True)
    if n != name or raw[:4] != key_id:
        continue
    assert len(raw) == 4 + 8 + 64, len(raw)
    (t,) = struct.unpack(">Q", raw[4:12])
    msg = b"cosignature/v1\ntime %d\n" % t + text.encode()
    try:
        VerifyKey(key).verify(msg, raw[12:])
    except BadSignatureError:
        sys.exit("the cosignature does not verify")
    found.append(t)
if len(found) != 1:
    sys.exit("expected one cosignature line of %s, found %d" % (name, len(found)))
print(text.split("\n")[1], found[0])
PY
}

# ---------------------------------------------------------------------------
# Fault proxy

# proxy_start TARGET_EP [faultproxy options] -- e.g. proxy_start "$HUB_EP" --rate 512000
proxy_start () {
    local target=${1#tcp://} pf=$T/proxy.port i
    shift
    [ -n "$PROXY" ] && [ -f "$PROXY" ] || { it_fail "SHOUHE_PROXY (faultproxy.py) is not set"; return 1; }
    rm -f "$pf"
    PROXY_LOG=$T/proxy.log
    setsid "$IT_PYTHON" "$PROXY" --listen 127.0.0.1:0 --target "$target" --port-file "$pf" \
        --log "$PROXY_LOG" "$@" < /dev/null >> "$T/proxy.stderr" 2>&1 &
    PROXY_PID=$!
    it_track "$PROXY_PID"
    for ((i = 0; i < 200; i++)); do
        [ -s "$pf" ] && break
        _it_alive "$PROXY_PID" || break
        sleep 0.05
    done
    if ! [ -s "$pf" ]; then
        RC=0; LAST_CMD="faultproxy.py --target $target $*"; : > "$OUT"; cp "$T/proxy.stderr" "$ERR"
        it_fail "expected: the fault proxy writes its port within 10 s"
        return 1
    fi
    PROXY_EP=tcp://127.0.0.1:$(head -n 1 "$pf")
    export PROXY_EP PROXY_PID
    it_step "fault proxy at $PROXY_EP -> $target ($*)"
}

proxy_stop () {
    [ -n "$PROXY_PID" ] || return 0
    _it_kill_group "$PROXY_PID" TERM
    wait "$PROXY_PID" 2>/dev/null
    PROXY_PID=
}
