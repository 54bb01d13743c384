# disk_full_tools_test.sh -- a full disk under what the hub's and the auditor's commands write
# (issue 12, "honest errors about space", beyond sync): `shouhe-hub init`, `enroll`, `backup`
# and `export`, `shouhe-node init`, and `shouhe-audit keygen`, `fetch` and `verify
# --save-checkpoint`, each pointed at a small tmpfs left with
# a few KiB, end with exit 8 (a store is full) and a message that says the disk is full --
# never exit 3 (cannot be opened); verify still reports its verdict and leaves no FILE.tmp.
# The hub keeps serving, and with the filler removed each command succeeds.
# Needs mount(8) of a tmpfs (root): otherwise SKIP (exit 77).
set -u
# shellcheck source=../integration/lib.sh
source "$SHOUHE_ITLIB"
need_gen

# shellcheck source=tmpfs_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/tmpfs_lib.sh"

# full WHAT -- the last command ended with exit 8 and said the disk is full
full () {
    assert_eq "$RC" 8 "$1 on a full disk exits 8"
    assert_err "No space left on device|is full"
}

it_step "a hub with one village's changes, serving; an auditor key"
hub_init
node_new v 500115108201 || exit 1
gen v 300 3 || exit 1
hub_start || exit 1
assert_exit 0 sync v
it_must "$SHOUHE_AUDIT" keygen --key-dir "$T/auditor"
AUDITOR=$(out)
hub_cmd enroll --scope 500115 --key "$AUDITOR" --role auditor --name 审计
assert_eq "$RC" 0 "enroll the auditor"
hub_cmd export "$T/e.pb"
assert_eq "$RC" 0 "an export to audit (off the small file system)"

tmpfs_mount "$T/fs" 4m
fill "$T/fs" 8

it_step "backup, export and fetch into a full disk: exit 8"
hub_cmd backup "$T/fs/backup"
full "shouhe-hub backup"
hub_cmd export "$T/fs/hub.export"
full "shouhe-hub export"
it_run "$SHOUHE_AUDIT" fetch --hub "$HUB_EP" --hub-key "$HUB_KEY" --key-dir "$T/auditor" "$T/fs/live.export"
full "shouhe-audit fetch"
[ ! -e "$T/fs/live.export" ] || it_fail "expected: no half-written export left behind"
hub_alive || it_fail "expected: the hub keeps serving"
assert_exit 0 sync v

it_step "init and keygen on a full disk: exit 8"
fill "$T/fs" 0
it_run "$HUB" init --dir "$T/fs/newhub"
full "shouhe-hub init"
it_run "$SHOUHE_AUDIT" keygen --key-dir "$T/fs/newauditor"
full "shouhe-audit keygen"
it_run "$SHOUHE_AUDIT" verify "$T/e.pb" --hub-key "$HUB_KEY" --save-checkpoint "$T/fs/cp.note"
full "shouhe-audit verify --save-checkpoint"
assert_out "^ok: the export of .* verifies"
[ ! -e "$T/fs/cp.note" ] && [ ! -e "$T/fs/cp.note.tmp" ] || it_fail "expected: no cp.note nor cp.note.tmp"
# LMDB writes its lock file through a memory map: on a full disk that was a SIGBUS (exit 135)
it_run "$NODE" init --dir "$T/fs/newnode" --scope 500115108
full "shouhe-node init"

it_step "with space again, each succeeds"
unfill "$T/fs"
rm -rf "$T/fs/backup" "$T/fs/newhub" "$T/fs/newnode" "$T/fs/newauditor" "$T/fs/hub.export" "$T/fs"/*.tmp* 2>/dev/null
hub_cmd backup "$T/fs/backup"
assert_eq "$RC" 0 "shouhe-hub backup with space exits 0"
hub_cmd export "$T/fs/hub.export"
assert_eq "$RC" 0 "shouhe-hub export with space exits 0"
it_run "$SHOUHE_AUDIT" fetch --hub "$HUB_EP" --hub-key "$HUB_KEY" --key-dir "$T/auditor" "$T/fs/live.export"
assert_eq "$RC" 0 "shouhe-audit fetch with space exits 0"
it_run "$HUB" init --dir "$T/fs/newhub"
assert_eq "$RC" 0 "shouhe-hub init with space exits 0"
it_run "$SHOUHE_AUDIT" verify "$T/e.pb" --hub-key "$HUB_KEY" --save-checkpoint "$T/fs/cp.note"
assert_eq "$RC" 0 "shouhe-audit verify --save-checkpoint with space exits 0"

it_step "enroll into a hub whose own disk is full: exit 8"
fill "$T/fs" 0
it_run "$HUB" enroll --dir "$T/fs/newhub" --scope 500115108 --key "$AUDITOR" --role auditor
full "shouhe-hub enroll"
unfill "$T/fs"
it_run "$HUB" enroll --dir "$T/fs/newhub" --scope 500115108 --key "$AUDITOR" --role auditor
assert_eq "$RC" 0 "shouhe-hub enroll with space exits 0"
