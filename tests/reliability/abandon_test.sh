# abandon_test.sh -- a lost tail that no node holds: the hub names the gap, and only the
# operator's `shouhe-hub recover --abandon-tail` starts a new, signed epoch that nodes adopt and
# the auditor reports (docs/operations.md, docs/protocol.md 13.19).
#
# Villages a and b sync; a hot backup is taken; b writes and syncs (those entries are held by b
# alone), then a. The hub is lost and the backup put back -- and b's device is lost too (its
# key revoked). a's offer cannot fill b's entries: the hub stays in recovery and says which
# leaves are missing; `recover` refuses to finish; `recover --abandon-tail` signs epoch 2.
# a then adopts the epoch (its later checkpoints set aside, its own changes there sent again),
# every digest matches, the export verifies and reports the epoch, and the checkpoints a holds
# are consistent with the new tree.
set -u
# shellcheck source=../integration/lib.sh
source "$SHOUHE_ITLIB"
need_gen
[ -n "${SHOUHE_AUDIT:-}" ] && [ -x "$SHOUHE_AUDIT" ] || { echo "SKIP: SHOUHE_AUDIT not built" >&2; exit 77; }

A=500115001001 B=500115001002
hub_init
hub_start || exit 1
node_new a $A || exit 1
node_new b $B || exit 1
gen a 30 1 || exit 1
gen b 20 2 || exit 1
assert_exit 0 sync a || exit 1
assert_exit 0 sync b || exit 1
it_must "$HUB" backup --dir "$HUB_DIR" "$T/backup" || exit 1
gen b 25 3 || exit 1
assert_exit 0 sync b || exit 1
gen a 10 4 || exit 1
assert_exit 0 sync a || exit 1
assert_eq "$("$HUB" checkpoint --dir "$HUB_DIR" | sed -n 2p)" 85 "the hub's size before the loss"
"$HUB" checkpoint --dir "$HUB_DIR" > "$T/lost.checkpoint"    # what a node saw before the loss

it_step "the hub and b's device are lost; the backup goes back, b's key is revoked"
hub_kill9
rm -rf "$HUB_DIR" "$(ndir b)"
cp -a "$T/backup" "$HUB_DIR"
it_must "$HUB" revoke --dir "$HUB_DIR" --key "${KEY[b]}" || exit 1
hub_restart_same_port || exit 1

it_step "a offers what it holds: the hub names the leaves no node holds"
assert_exit 7 sync a || exit 1
assert_err "leaves 50\.\.74 are held by no node so far"
for i in $(seq 1 50); do grep -q "held by none" "$HUB_LOG" && break; sleep 0.1; done
grep -q "every node was heard from, but leaves 50\.\.74 (25 in all) are held by none" "$HUB_LOG" \
    || it_fail "the hub does not name the missing leaves"
assert_exit 3 "$HUB" recover --dir "$HUB_DIR"
assert_err "is being served"

it_step "recover refuses to finish with leaves missing; --abandon-tail begins epoch 2"
hub_stop || exit 1
assert_exit 1 "$HUB" recover --dir "$HUB_DIR"
assert_err "leaves 50\.\.84 are missing"
assert_out "25 leaves below 85 are held by no node"
it_must "$HUB" recover --dir "$HUB_DIR" --abandon-tail || exit 1
assert_out "recovered with a new epoch: leaves 50\.\.84 are given up"
assert_out "^epoch 2$"
assert_out "^abandons 85 [0-9a-f]{64}$"
it_must "$HUB" recover --dir "$HUB_DIR"
assert_out "is not recovering"

it_step "a adopts the epoch, sends its own changes again; everything verifies"
hub_restart_same_port || exit 1
assert_exit 0 sync a || exit 1
assert_err "the hub began epoch 2 \(signed\): it lost log entries 51\.\.85"
assert_exit 0 sync a || exit 1
digest_equal a $A || exit 1
assert_eq "$(hub_node_field "${KEY[a]}" head_seq)" 40 "the hub holds all of a's changes"
assert_eq "$("$HUB" checkpoint --dir "$HUB_DIR" | sed -n 2p)" 60 "the new epoch's tree: 50 + a's 10 again"
it_must "$HUB" export --dir "$HUB_DIR" "$T/hub.export" || exit 1
it_must "$SHOUHE_AUDIT" verify "$T/hub.export" --hub-key "$HUB_KEY" || exit 1
assert_out "^epoch 2: .*gave up the entries after 50 \(its nodes had seen up to 85\)"
it_must "$SHOUHE_AUDIT" verify "$T/hub.export" --hub-key "$HUB_KEY" --json || exit 1
assert_json 'assert j["epochs"] == [{"epoch": 2, "base": 50, "abandoned": 85}], j["epochs"]'
it_must "$SHOUHE_AUDIT" consistency "$T/hub.export" --hub-key "$HUB_KEY" "$(ndir a)" || exit 1
assert_out "consistent"
# a checkpoint of the abandoned history is explained by the epoch, not a fault
it_must "$SHOUHE_AUDIT" consistency "$T/hub.export" --hub-key "$HUB_KEY" "$T/lost.checkpoint" || exit 1
assert_out "the checkpoint of size 85 was given up by epoch 2 \(the hub continued from 50 entries\)"
assert_out "1 were given up by an epoch"

it_step "b's village goes on with a new device and key"
node_new b2 $B || exit 1
gen b2 5 5 || exit 1
assert_exit 0 sync b2 || exit 1
digest_equal b2 $B || exit 1
hub_stop
it_step "done"
