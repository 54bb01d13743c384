# fanin_test.sh -- all 219 villages sync at once.
#
# 219 village nodes spread over six towns (500115101..500115106, villages 001..037), each with
# ${FANIN_CHANGES:-200} changes from sh_gen, all enrolled; the 219 `shouhe-node sync` processes
# start together. All must exit 0, the hub must hold every node's changes (head_seq), and every
# node's digest for its village must equal the hub's.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"
need_gen

N_NODES=${FANIN_NODES:-219}
CHANGES=${FANIN_CHANGES:-200}
TOWNS=(500115101 500115102 500115103 500115104 500115105 500115106)

hub_init
hub_start

it_step "create, enroll and fill $N_NODES village nodes ($CHANGES changes each)"
NAMES=()
declare -A SCOPE=()
for ((i = 0; i < N_NODES; i++)); do
    town=${TOWNS[i % ${#TOWNS[@]}]}
    village=$(printf '%s%03d' "$town" $((i / ${#TOWNS[@]} + 1)))
    name=v$village
    NAMES+=("$name")
    SCOPE[$name]=$village
    node_new "$name" "$village" || exit 1
    gen "$name" "$CHANGES" "$((1000 + i))" || exit 1
done
it_step "generated"

it_step "start $N_NODES syncs at once"
declare -A PID_OF=()
t0=$(date +%s.%N)
for name in "${NAMES[@]}"; do
    sync_bg "$name" --deadline 240
    PID_OF[$name]=$SYNC_PID
done
failed=()
for name in "${NAMES[@]}"; do
    sync_wait "${PID_OF[$name]}"
    rc=$?
    [ $rc -eq 0 ] || failed+=("$name: exit $rc: $(head -c 300 "$ERR" | tr '\n' ' ')")
done
it_step "all syncs ended after $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
if [ ${#failed[@]} -gt 0 ]; then
    RC=1; LAST_CMD="$N_NODES concurrent syncs"; : > "$OUT"; printf '%s\n' "${failed[@]}" | head -n 20 > "$ERR"
    it_fail "expected: every sync exits 0" "actual:   ${#failed[@]} failed (the first 20 in stderr below)"
fi
hub_alive

it_step "the hub holds every node's $CHANGES changes"
it_run "$HUB" nodes --dir "$HUB_DIR" --json
assert_json "
heads = [n['head_seq'] for n in j if n.get('role', 'node') == 'node']
assert len(heads) == $N_NODES, len(heads)
bad = [(n['name'], n['head_seq']) for n in j if n['head_seq'] != $CHANGES]
assert not bad, bad[:10]
"

it_step "every node's digest equals the hub's for its village"
for name in "${NAMES[@]}"; do
    digest_equal "$name" "${SCOPE[$name]}"
done

hub_stop
