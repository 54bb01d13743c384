# lib.sh -- helpers for the CLI tests of shouhe-node (sourced by tests/cli/*_test.sh).
#
# ctest sets SHOUHE_NODE (the shouhe-node binary), SHOUHE_TAMPER (the test-only
# tool tests/tools/sh_tamper) and SHOUHE_TESTLIB (this file).
#
# Every test gets its own temporary directory $T, removed on exit. Commands are
# run with their stdout in $OUT and stderr in $ERR (files); the last command's
# exit code is in $RC.
#
#   expect_ok CMD...                    exit 0 expected
#   expect_fail CODE PATTERN CMD...     exit CODE expected, and stderr matching the
#                                       extended regexp PATTERN (naming the cause)
#   expect_unchanged DIR CODE PATTERN CMD...
#                                       expect_fail, and the node in DIR keeps the
#                                       same digest and the same log length
#   store_state DIR                     prints "digest log-json-lines" of DIR
#   expect_out PATTERN / expect_err PATTERN / expect_no_out PATTERN
#                                       last command's stdout / stderr matches
#   expect_eq ACTUAL EXPECTED WHAT      string equality
#   expect_json PYCODE                  PYCODE (python3, may use j = the parsed
#                                       stdout of the last command, json, math, re)
#                                       must run without an exception (use assert)
#
# A failure prints the command, what was expected and what happened, and exits 1.
# With SHOUHE_KEEP_GOING=1 the script goes on after a failure and exits 1 at the end.

set -u
export LC_ALL=C

if [ -z "${SHOUHE_NODE:-}" ] || [ ! -x "${SHOUHE_NODE}" ]; then
    echo "lib.sh: SHOUHE_NODE must name the shouhe-node binary (run through ctest)" >&2
    exit 1
fi
NODE=$SHOUHE_NODE
TAMPER=${SHOUHE_TAMPER:-}

T=$(mktemp -d "${TMPDIR:-/tmp}/shouhe-cli.XXXXXX") || exit 1
# no /etc/shouhe/node.conf of this machine: a test names its configuration (sh_conf)
export SHOUHE_CONF_DIR=$T/no-conf
OUT=$T/.stdout
ERR=$T/.stderr
RC=0
LAST_CMD=
FAILURES=0
: > "$OUT"
: > "$ERR"

_lib_exit () {
    local rc=$?
    rm -rf "$T"
    if [ "$FAILURES" -gt 0 ]; then
        echo "FAILED: $FAILURES check(s) in $(basename "$0")" >&2
        exit 1
    fi
    exit $rc
}
trap _lib_exit EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# Area figures used throughout (Changshou district, Chongqing: 500115).
DISTRICT=500115
TOWN=500115101            # a town of the district
VILLAGE=500115101201      # a village of that town
VILLAGE2=500115101202     # a neighbouring village (another scope)
CY1=${VILLAGE}001         # 张家院子, 18 households
CY2=${VILLAGE}002         # 寿和小院, a model courtyard, 26 households
CY_OTHER=${VILLAGE2}001   # a courtyard of the other village

# A readable form of a command line.
_lib_cmdline () {
    local s= a
    for a in "$@"; do
        case $a in
            "$NODE") a=shouhe-node ;;
            "${TAMPER:-//}") a=sh_tamper ;;
        esac
        if [[ $a =~ ^[A-Za-z0-9_./:=+,-]+$ ]]; then s+=" $a"; else s+=" '${a//\'/\'\\\'\'}'"; fi
    done
    printf '%s' "${s# }"
}

# The line of the test script that made the failing check.
_lib_caller_line () {
    local i
    for ((i = 1; i < ${#BASH_SOURCE[@]} - 1; i++)); do
        if [ "${BASH_SOURCE[i + 1]}" != "${BASH_SOURCE[0]}" ]; then
            echo "${BASH_LINENO[i]}"
            return
        fi
    done
    echo "?"
}

# fail WHAT... -- report a failed check.
fail () {
    FAILURES=$((FAILURES + 1))
    {
        echo "---- FAIL ($(basename "$0") line $(_lib_caller_line)) ----"
        [ -n "$LAST_CMD" ] && echo "command:  $LAST_CMD"
        printf '%s\n' "$@"
        echo "exit:     $RC"
        echo "stdout:"; head -c 3000 "$OUT" | sed 's/^/  | /'
        echo "stderr:"; head -c 3000 "$ERR" | sed 's/^/  | /'
        echo "-------------------------------------------"
    } >&2
    [ "${SHOUHE_KEEP_GOING:-0}" = 1 ] || exit 1
}

# run CMD... -- run a command, stdout to $OUT, stderr to $ERR, exit code to $RC.
run () {
    LAST_CMD=$(_lib_cmdline "$@")
    "$@" > "$OUT" 2> "$ERR" < /dev/null
    RC=$?
}

_lib_rc_text () {
    if [ "$1" -gt 128 ]; then echo "$1 (killed by signal $(($1 - 128)))"; else echo "$1"; fi
}

expect_ok () {
    run "$@"
    if [ "$RC" -ne 0 ]; then
        fail "expected: exit 0" "actual:   exit $(_lib_rc_text "$RC")"
        return 1
    fi
    return 0
}

expect_fail () {
    local code=$1 pattern=$2
    shift 2
    run "$@"
    if [ "$RC" -ne "$code" ]; then
        fail "expected: exit $code, stderr matching /$pattern/" "actual:   exit $(_lib_rc_text "$RC")"
        return 1
    fi
    if ! grep -Eq -- "$pattern" "$ERR"; then
        fail "expected: stderr matching /$pattern/" "actual:   stderr does not match"
        return 1
    fi
    return 0
}

# store_state DIR -- the digest of the node in DIR and the length of its JSON log.
store_state () {
    local d l
    d=$("$NODE" digest --dir "$1" 2>&1) || d="(digest failed: $d)"
    l=$("$NODE" log --dir "$1" --json 2>/dev/null | wc -l)
    printf '%s %s' "$d" "$l"
}

expect_unchanged () {
    local dir=$1 code=$2 pattern=$3 before after
    shift 3
    before=$(store_state "$dir")
    expect_fail "$code" "$pattern" "$@" || return 1
    after=$(store_state "$dir")
    if [ "$before" != "$after" ]; then
        fail "expected: a refused command changes nothing in $dir" \
             "before:   digest/log-lines $before" "after:    digest/log-lines $after"
        return 1
    fi
    return 0
}

expect_out () {
    if ! grep -Eq -- "$1" "$OUT"; then
        fail "expected: stdout matching /$1/"
        return 1
    fi
}

expect_no_out () {
    if grep -Eq -- "$1" "$OUT"; then
        fail "expected: stdout NOT matching /$1/"
        return 1
    fi
}

expect_err () {
    if ! grep -Eq -- "$1" "$ERR"; then
        fail "expected: stderr matching /$1/"
        return 1
    fi
}

expect_eq () {
    if [ "$1" != "$2" ]; then
        fail "check:    ${3:-values differ}" "expected: '$2'" "actual:   '$1'"
        return 1
    fi
}

expect_json () {
    local why
    if ! why=$(python3 -c 'import json,sys,math,re
j = json.load(sys.stdin)
exec(sys.argv[1])' "$1" < "$OUT" 2>&1); then
        fail "expected: stdout JSON to satisfy:" "$1" "python:   $(printf '%s' "$why" | tail -n 3)"
        return 1
    fi
}

# out -- the last command's stdout (trailing newline removed).
out () { cat "$OUT"; }

# new_node DIR SCOPE -- create a node; prints nothing, fails the test on error.
new_node () {
    expect_ok "$NODE" init --dir "$1" --scope "$2"
}

# py EXPR... -- evaluate a python3 expression, print its value.
py () { python3 -c "import math; print($1)"; }
