# memcheck_test.sh -- an integration scenario with every shouhe process under valgrind memcheck:
# no memory error and no leak in the hub (serving several sessions, refusing bad input,
# stopping on SIGTERM), the node CLI (writes, a refused write, views, reports, sync up and
# down) and the auditor (an export verified). Every valgrind run must report 0 errors;
# definite and indirect leaks count as errors (--errors-for-leak-kinds=definite,indirect).
set -u
# shellcheck source=../integration/lib.sh
source "$SHOUHE_ITLIB"
need_gen
command -v valgrind > /dev/null || { echo "SKIP: valgrind is not installed" >&2; exit 77; }
[ -n "${SHOUHE_AUDIT:-}" ] && [ -x "$SHOUHE_AUDIT" ] || { echo "SKIP: SHOUHE_AUDIT not built" >&2; exit 77; }
if [ -n "${ASAN_OPTIONS:-}" ] && nm -D "$SHOUHE_NODE" 2>/dev/null | grep -q __asan_init; then
    echo "SKIP: a sanitizer build cannot run under valgrind" >&2; exit 77
fi
if nm "$SHOUHE_NODE" 2>/dev/null | grep -q '__asan_init\|__ubsan'; then
    echo "SKIP: a sanitizer build cannot run under valgrind" >&2; exit 77
fi

VG_LOGS=$T/vg
mkdir -p "$VG_LOGS"
# wrap BIN NAME -- a script that runs BIN under memcheck, one log per process
mkdir -p "$T/bin"
wrap () {
    cat > "$T/bin/$2" <<EOF
#!/bin/sh
exec valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \\
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \\
    --track-origins=yes --num-callers=30 --log-file=$VG_LOGS/$2.%p.log "$1" "\$@"
EOF
    chmod +x "$T/bin/$2"
    printf '%s' "$T/bin/$2"
}
REAL_NODE=$NODE
HUB=$(wrap "$HUB" hub)
NODE=$(wrap "$REAL_NODE" node)
AUDIT=$(wrap "$SHOUHE_AUDIT" audit)
SYNC_DEADLINE=120
SYNC_TIMEOUT=300

it_step "hub and nodes under memcheck"
hub_init
hub_start --map-mib 256     # memcheck shadows the whole map: keep it small
node_new a 500115108201 || exit 1
node_new t 500115108 || exit 1
it_must "$GEN" "$(ndir a)" --changes 300 --seed 5
sync a || it_fail "sync a: exit $RC"
sync t || it_fail "sync t: exit $RC"

it_step "CLI writes, a refusal, views and reports"
D=$(ndir a)
it_must "$NODE" courtyard add --dir "$D" --code 500115108201901 --name 寿和小院 --households 12 --model
it_must "$NODE" matter open --dir "$D" --courtyard 500115108201901 --category environment --title 清理水沟
M=$(grep -oE '[0-9a-f]{32}' "$OUT" | head -n 1)
it_must "$NODE" matter escalate --dir "$D" "$M" big
assert_exit 1 "$NODE" matter step --dir "$D" "$M" handle
it_must "$NODE" matter show --dir "$D" "$M" --json
it_must "$NODE" courtyard list --dir "$D" --json
it_must "$NODE" report --dir "$D" --format text --date 2025-07-01
it_must "$NODE" report --dir "$D" --format svg --date 2025-07-01
it_must "$NODE" log verify --dir "$D"
sync a || it_fail "sync a: exit $RC"
sync t || it_fail "sync t (down): exit $RC"
it_must "$NODE" matter step --dir "$(ndir t)" "$M" consult
sync t || it_fail "sync t (up): exit $RC"
sync a || it_fail "sync a (down): exit $RC"

it_step "bad input at the hub"
if [ -n "${SHOUHE_RAWPEER:-}" ] && [ -x "$SHOUHE_RAWPEER" ]; then
    for mode in garbage truncated version forged; do
        "$SHOUHE_RAWPEER" --dir "$D" --hub "$HUB_EP" --hub-key "$HUB_KEY" --timeout 60 "$mode" > "$T/raw.$mode" 2>&1 \
            || it_fail "rawpeer $mode: no error reply: $(cat "$T/raw.$mode")"
    done
fi
hub_cmd report --format json --date 2025-07-01
hub_stop

it_step "the auditor"
it_must "$HUB" export --dir "$HUB_DIR" "$T/x.export"
it_must "$AUDIT" verify "$T/x.export" --hub-key "$HUB_KEY"

it_step "every valgrind log: 0 errors"
n=0
for log in "$VG_LOGS"/*.log; do
    n=$((n + 1))
    if ! grep -q 'ERROR SUMMARY: 0 errors' "$log"; then
        RC=1; LAST_CMD="valgrind ($(basename "$log"))"; : > "$OUT"; head -n 60 "$log" > "$ERR"
        it_fail "expected: memcheck reports no error and no leak" "actual:   see $(basename "$log")"
    fi
done
[ $n -ge 15 ] || it_fail "only $n processes ran under valgrind"
it_step "$n processes checked"
