# receipts_test.sh -- receipts complete (docs/protocol.md 13.18, 15.6; issue 11 case 7).
#
# A node's uploads are SIGKILLed at random moments ${RECEIPT_KILLS:-6} times, then one sync fails
# its second store commit (SHOUHE_FAULT_COMMIT=2: the hub has stored batches whose Acks, with
# their receipts, the node never takes). `shouhe-audit receipts` must then exit 1 naming the
# node's changes no receipt covers -- among them changes the hub acknowledged. One clean sync
# fetches the missing inclusion proofs (Prove/Proof), and the audit passes with every change
# covered. A node that never synced is reported as such (exit 1), with and without --hub-key.
set -u
# shellcheck source=../integration/lib.sh
source "$SHOUHE_ITLIB"
need_gen
AUDIT=${SHOUHE_AUDIT:-}
[ -n "$AUDIT" ] && [ -x "$AUDIT" ] || { echo "SKIP: shouhe-audit not built" >&2; exit 77; }
KILLS=${RECEIPT_KILLS:-6}
RANDOM=${CRASH_SEED:-$$}
echo "crash seed: $RANDOM (CRASH_SEED to repeat)"
V=500115108201

hub_init
hub_start
node_new a $V || exit 1
A=$(ndir a)

it_step "uploads killed $KILLS times"
for ((k = 1; k <= KILLS; k++)); do
    gen a 1500 "$k" || exit 1
    sync_bg a --deadline 30
    pid=$SYNC_PID
    sleep "0.$(printf '%03d' $((50 + RANDOM % 400)))"
    kill -KILL "$pid" 2>/dev/null
    sync_wait "$pid"
    it_must "$NODE" log verify --dir "$A"
done

it_step "a sync whose second commit fails: batches stored at the hub, their Acks never taken"
gen a 1500 99 || exit 1
SHOUHE_FAULT_COMMIT=2 it_run "$NODE" sync --dir "$A" --hub "$HUB_EP" --hub-key "$HUB_KEY" --deadline 30
assert_eq "$RC" 3 "sync with its second commit failing: exit 3"
own=$(node_own_changes a)
head=$(hub_node_field "${KEY[a]}" head_seq)
[ "$head" -gt 0 ] || it_fail "the hub holds none of a's changes"
it_step "a holds $own changes, the hub $head of them"

it_step "shouhe-audit receipts: exit 1, naming the uncovered changes"
it_run "$AUDIT" receipts "$A" --hub-key "$HUB_KEY"
assert_eq "$RC" 1 "audit of a node with uncovered changes"
assert_out '^[0-9]+ of this node.s [0-9]+ changes are covered by no receipt'
grep -Eq '^uncovered: this node.s changes [0-9]+\.\.[0-9]+ have no receipt$' "$OUT" \
    || it_fail "expected: lines naming the uncovered seq ranges"
first=$(sed -nE 's/^uncovered: this node.s changes ([0-9]+)\.\..*/\1/p' "$OUT" | head -n 1)
[ "$first" -le "$head" ] \
    || it_fail "expected: an acknowledged change without receipt (first uncovered $first, hub head $head)"
it_run "$AUDIT" receipts "$A" --hub-key "$HUB_KEY" --json
assert_eq "$RC" 1 "audit --json of a node with uncovered changes"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["ok"] is False and r["never_synced"] is False and r["uncovered_changes"] > 0, r
assert r["uncovered"] and r["uncovered"][0]["first"] == int(sys.argv[2]), r["uncovered"][:3]
' "$OUT" "$first" || it_fail "audit --json: the uncovered ranges"

it_step "one clean sync fetches the missing proofs"
it_run "$NODE" sync --dir "$A" --hub "$HUB_EP" --hub-key "$HUB_KEY" --deadline 60
assert_eq "$RC" 0 "the clean sync"
assert_eq "$(hub_node_field "${KEY[a]}" head_seq)" "$own" "hub head_seq = the node's own changes"
it_must "$AUDIT" receipts "$A" --hub-key "$HUB_KEY"
assert_out "^ok: [0-9]+ checkpoints? signed by the hub, [0-9]+ consistency proofs?, [0-9]+ batch receipts? covering [0-9]+ of this node.s changes; all $own are covered$"
it_must "$AUDIT" receipts "$A"
assert_out "all $own are covered\$"
digest_equal a $V

it_step "an idle sync afterwards: nothing to prove, the receipts unchanged"
before=$("$AUDIT" receipts "$A" --hub-key "$HUB_KEY" --json | sha256sum)
it_run "$NODE" sync --dir "$A" --hub "$HUB_EP" --hub-key "$HUB_KEY" --deadline 30
assert_eq "$RC" 0 "the idle sync"
assert_out '^synced: 0 changes up \(0 already at the hub\), 0 down'
assert_eq "$("$AUDIT" receipts "$A" --hub-key "$HUB_KEY" --json | sha256sum)" "$before" "receipts after an idle sync"

it_step "a node that never synced"
node_new c $V || exit 1
node_must c courtyard add --code ${V}901 --name 新院 --households 3
it_run "$AUDIT" receipts "$(ndir c)" --hub-key "$HUB_KEY"
assert_eq "$RC" 1 "audit of a node that never synced (--hub-key)"
assert_out '^never synced: '
it_run "$AUDIT" receipts "$(ndir c)"
assert_eq "$RC" 1 "audit of a node that never synced (no hub key on record)"
assert_out '^never synced: '
hub_stop
it_step "done"
