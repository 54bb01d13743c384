# node_restore_test.sh -- a node restored from an older backup fetches its own chain back
# (docs/protocol.md 13.9 "own changes", 13.12; issue 11 case 3).
#
# Node a writes and syncs; its directory is copied (the node is not running); it writes and
# syncs more; then the copy is put back. A sync that stops after the Welcome (its third
# store commit fails: the first own Batch) leaves meta own.behind set, and a local write is
# refused (exit 1) naming both heads. A full sync fetches the missing changes back from the
# hub (checked as a's own chain), `log verify` passes, the receipts cover every change, a new
# write succeeds and syncs, and the digests equal the hub's. `shouhe-node backup` makes a hot
# copy that, put back, refuses local writes even before its first sync, then recovers the same
# way. A restored copy whose own chain was overwritten (a fork) is refused (exit 6).
set -u
# shellcheck source=../integration/lib.sh
source "$SHOUHE_ITLIB"
need_gen
AUDIT=${SHOUHE_AUDIT:-}
V=500115108201

hub_init
hub_start
node_new a $V || exit 1
A=$(ndir a)

it_step "a writes and syncs; its directory is copied"
gen a 400 1 || exit 1
assert_exit 0 sync a --deadline 30
cp -a "$A" "$T/a-backup"

it_step "a writes and syncs more"
gen a 2500 2 || exit 1
node_must a courtyard add --code ${V}901 --name 备份后 --households 5
assert_exit 0 sync a --deadline 30
own=$(node_own_changes a)
assert_eq "$(hub_node_field "${KEY[a]}" head_seq)" "$own" "hub head_seq before the restore"

it_step "the backup is put back; a sync stops after the Welcome"
rm -rf "$A"
cp -a "$T/a-backup" "$A"
old=$(node_own_changes a)
SHOUHE_FAULT_COMMIT=3 it_run "$NODE" sync --dir "$A" --hub "$HUB_EP" --hub-key "$HUB_KEY" --deadline 30
assert_eq "$RC" 3 "the sync whose first own Batch cannot be stored"
assert_err "the hub holds $own changes of this node but this store only $old \\(restored from an older backup\\?\\); fetching them back"

it_step "a local write is refused while the node is behind its own chain"
node a courtyard add --code ${V}902 --name 新院 --households 4
assert_eq "$RC" 1 "a local write behind the own chain"
assert_err "^shouhe-node: this node is behind its own chain: the hub holds its changes up to $own, this store only up to $old \\(restored from a backup\\?\\); run shouhe-node sync first$"
assert_eq "$(node_own_changes a)" "$old" "the refused write changed nothing"

it_step "a full sync fetches the chain back"
assert_exit 0 sync a --deadline 60
assert_err "fetched this node's changes back from the hub up to $own"
assert_eq "$(node_own_changes a)" "$own" "a's own changes after the sync"
it_must "$NODE" log verify --dir "$A"
assert_out '^ok: [0-9]+ changes verified'
digest_equal a $V
if [ -n "$AUDIT" ]; then
    it_must "$AUDIT" receipts "$A" --hub-key "$HUB_KEY"
    assert_out "all $own are covered\$"
fi

it_step "a writes on and syncs"
node_must a courtyard add --code ${V}902 --name 新院 --households 4
assert_exit 0 sync a --deadline 30
assert_eq "$(hub_node_field "${KEY[a]}" head_seq)" "$((own + 1))" "hub head_seq after the new write"
digest_equal a $V
it_must "$NODE" log verify --dir "$A"

it_step "shouhe-node backup: a hot copy marked to sync before it writes"
node_must a backup "$T/a-bk"
assert_out '^backed up .* into .*; restored, the copy refuses local writes until a sync has confirmed its head$'
node a backup "$T/a-bk"
assert_eq "$RC" 1 "a backup into an existing directory"
assert_eq "$(stat -c %a "$T/a-bk/node.key"):$(stat -c %a "$T/a-bk/data.mdb")" "600:600" "modes of the copy"
own=$(node_own_changes a)
gen a 300 3 || exit 1
assert_exit 0 sync a --deadline 30
rm -rf "$A"
mv "$T/a-bk" "$A"
node a courtyard add --code ${V}903 --name 又一院 --households 2
assert_eq "$RC" 1 "a local write on a restored backup copy before any sync"
assert_err "^shouhe-node: this node is a backup copy whose head no sync has confirmed yet \(this store holds its changes up to $own\); run shouhe-node sync first$"
assert_exit 0 sync a --deadline 60
assert_err "fetched this node's changes back from the hub up to $((own + 300))"
node_must a courtyard add --code ${V}903 --name 又一院 --households 2
assert_exit 0 sync a --deadline 30
assert_eq "$(hub_node_field "${KEY[a]}" head_seq)" "$((own + 301))" "hub head_seq after the restored copy wrote on"
it_must "$NODE" log verify --dir "$A"
digest_equal a $V

it_step "a restored copy that forked (it wrote before this version refused): exit 6"
rm -rf "$T/fork"
cp -a "$T/a-backup" "$T/fork"
"$NODE" log --dir "$T/fork" --json > /dev/null || it_fail "the copy does not open"
it_must "$GEN" "$T/fork" --changes 1 --seed 77       # a different change at seq old + 1
it_run "$NODE" sync --dir "$T/fork" --hub "$HUB_EP" --hub-key "$HUB_KEY" --deadline 30
assert_eq "$RC" 6 "a forked restored copy"
assert_err 'forked'
digest_equal a $V
hub_stop
it_step "done"
