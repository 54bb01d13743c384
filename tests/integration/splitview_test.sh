# splitview_test.sh -- receipts catch a hub that rewrites history. A node keeps every checkpoint
# the hub signs for it (with consistency proofs and batch receipts); when the hub is restored
# from an older backup and then accepts different changes, the tree it shows is not an extension
# of the one the node holds, and the node's next sync fails with the consistency message. A hub
# that only lost its newest entries (restored, nothing new accepted) recovers them from the node.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"

V1=500115101001
V2=500115101002

it_step "hub and two villages; both sync"
hub_init
hub_start
node_new a "$V1"
node_new b "$V2"
node_must a courtyard add --code "${V1}001" --name 张家院子 --households 18
node_must b courtyard add --code "${V2}001" --name 李家湾 --households 22
assert_exit 0 sync a --deadline 20
assert_exit 0 sync b --deadline 20
assert_exit 0 sync a --deadline 20
assert_out 'hub checkpoint 2'

it_step "back the hub up; a writes more and holds a newer checkpoint"
hub_stop
cp -a "$HUB_DIR" "$T/hub-backup"
hub_restart_same_port
for i in 2 3 4; do node_must a courtyard add --code "${V1}00$i" --name "院落$i" --households 1$i; done
assert_exit 0 sync a --deadline 20
assert_out 'hub checkpoint 5'

it_step "the auditor checks a's receipts against the hub key"
it_run "$SHOUHE_AUDIT" receipts "$(ndir a)" --hub-key "$HUB_KEY"
assert_eq "$RC" 0 "shouhe-audit receipts passes on an honest hub's receipts"
assert_out '^ok: [0-9]+ checkpoints signed by the hub, [0-9]+ consistency proofs?, [1-9][0-9]* batch receipts? covering 4 '
it_run "$SHOUHE_AUDIT" receipts "$(ndir a)"
assert_eq "$RC" 0 "without --hub-key the key the node recorded at its first sync is used"
assert_out "^hub key: $HUB_KEY \(as recorded by the node"
OTHER=$("$HUB" init --dir "$T/other-hub")
it_run "$SHOUHE_AUDIT" receipts "$(ndir a)" --hub-key "$OTHER"
assert_eq "$RC" 1 "receipts checked against another hub's key fail"
assert_out '^fault checkpoint-signature: '
cp -a "$(ndir a)" "$T/a-tampered"
it_must "$SHOUHE_TAMPER" "$T/a-tampered" flip 1
it_run "$SHOUHE_AUDIT" receipts "$T/a-tampered" --hub-key "$HUB_KEY"
assert_eq "$RC" 1 "a node change altered after its receipt is caught"
assert_out '^fault receipt: changes 1\.\.1 of this node are not leaves'

it_step "the hub is restored from the backup and accepts other changes (a split view)"
hub_stop
rm -rf "$HUB_DIR"
cp -a "$T/hub-backup" "$HUB_DIR"
hub_restart_same_port
for i in 2 3 4 5 6; do node_must b courtyard add --code "${V2}00$i" --name "湾$i" --households 2$i; done
assert_exit 0 sync b --deadline 20

it_step "a's receipts prove the hub rewrote history"
assert_exit 6 sync a --deadline 20
assert_err "the hub's history is inconsistent with the checkpoint you hold"

it_step "a hub that merely lost its newest entries takes them back from a (docs/protocol.md 13.19)"
hub_stop
rm -rf "$HUB_DIR"
cp -a "$T/hub-backup" "$HUB_DIR"
hub_restart_same_port
# a's checkpoint is beyond the restored log: the hub recovers instead of forking; b (whose
# checkpoints are of the split view) has not offered yet, so the hub still waits: exit 7
assert_exit 7 sync a --deadline 20
assert_err "the hub is recovering its log from its nodes"
grep -q "holds a checkpoint beyond this hub's log" "$HUB_LOG" || it_fail "the hub did not start recovering"

hub_alive
hub_stop
