# audit_since_test.sh -- the incremental audit (`shouhe-audit verify --since CHECKPOINT`,
# docs/protocol.md 15.4.1) on real exports of a real hub:
#   - a full verify with --save-checkpoint writes the export's newest verified checkpoint note
#     (atomically, mode 0644); after more syncs, verify --since it passes and reports only the
#     new changes (text and JSON: since, changes_verified; a new author's first change is judged
#     after a walk back over the whole old part), and can save the next checkpoint;
#   - a new change tampered (a flipped byte) is a signature fault; a's first new change re-signed
#     with a prev that is not its old head's hash is a chain fault; the first new change dropped
#     is a chain gap against its author's head before the boundary (read back from the old part);
#     an old change tampered is a fork (old changes are bound by the checkpoint's root, never
#     verified again);
#   - an export of another history (the hub restored from a backup, then writing other changes
#     over the checkpoint's size) fails with a fork fault, though it verifies in full on its own;
#   - a checkpoint file edited, or signed by another key, is refused; a checkpoint larger than
#     the export is refused with both sizes named;
#   - --save-checkpoint FILE that cannot be written (under a missing directory, under /proc, a
#     directory, a FIFO, a write that fails half-way) exits 3 after the verdict, naming FILE and
#     the cause, leaving no FILE.tmp and FILE as it was; a symbolic link planted at FILE.tmp is
#     replaced, not written through;
#   - --since without --hub-key opens the checkpoint with the export's key (the warning says so):
#     an honest export passes; an edited checkpoint, another hub's checkpoint, and another hub's
#     export against this hub's checkpoint are refused, with a line on the missing --hub-key.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"
need_gen

need_audit

VA=500115101001
VB=500115101002
VC=500115101003
VD=500115101004

# faults KINDS PYCHECK -- the last verify --json exited 1, every fault's kind is in KINDS and
# PYCHECK (python over F = the faults) holds.
faults () {
    assert_eq "$RC" 1 "shouhe-audit verify --since exits 1" || return 1
    assert_json "
F = j['faults']
assert not j['ok'] and F, j
assert all(f['kind'] in '$1'.split() for f in F), [(f['kind'], f['where']) for f in F]
def has(kind, index=None, seq=None):
    return any(f['kind'] == kind and (index is None or f['index'] == index)
               and (seq is None or f['seq'] == seq) for f in F)
$2"
}

# exported -- the number of changes the last shouhe-hub export wrote (from its line)
exported () { sed -n 's/^exported \([0-9]*\) changes.*/\1/p' "$OUT"; }

# fsize0 CMD... -- run CMD where no regular file may grow (RLIMIT_FSIZE 0, SIGXFSZ ignored: a
# write fails with EFBIG); its stderr and stdout reach ours through a pipe, which the limit spares.
fsize0 () {
    ( trap '' XFSZ; ulimit -f 0; exec "$@" ) 2>&1 | cat
    return "${PIPESTATUS[0]}"
}

# unwritable FILE CAUSE -- verify --save-checkpoint FILE on E1: the verdict is still reported
# (exit 3 instead of 0), stderr names FILE and CAUSE, and no FILE.tmp is left behind.
unwritable () {
    it_run "$AUDIT" verify "$T/e1.pb" --hub-key "$HUB_KEY" --save-checkpoint "$1"
    assert_eq "$RC" 3 "verify --save-checkpoint $1 exits 3"
    assert_out '^ok: the export of .* verifies'
    assert_err "^shouhe-audit: cannot write $1: $2"
    [ -e "$1.tmp" ] && it_fail "expected: no $1.tmp left behind"
    return 0
}

it_step "a hub and three villages write and sync; the hub is backed up"
hub_init
hub_start
node_new a "$VA"
node_new b "$VB"
node_new c "$VC"
gen a 40 21
gen b 30 22
gen c 5 23
for n in a b c; do assert_exit 0 sync "$n"; done
hub_stop
cp -a "$HUB_DIR" "$T/hub-backup"
hub_restart_same_port

it_step "more changes; export E1; a full verify saves its newest checkpoint"
gen a 50 24
gen b 20 25
for n in a b a; do assert_exit 0 sync "$n"; done
hub_cmd export "$T/e1.pb"
assert_eq "$RC" 0 "shouhe-hub export E1"
N1=$(exported)
assert_eq "$N1" 145 "E1 holds 40 + 30 + 5 + 50 + 20 changes"
it_run "$AUDIT" verify "$T/e1.pb" --hub-key "$HUB_KEY" --save-checkpoint "$T/cp1.note"
assert_eq "$RC" 0 "verify --save-checkpoint exits 0"
assert_out '^changes: +145 from 3 authors'
assert_eq "$(sed -n 2p "$T/cp1.note")" "$N1" "the saved checkpoint covers E1's $N1 changes"
assert_eq "$(stat -c %a "$T/cp1.note")" 644 "the saved checkpoint has mode 0644 (public)"
[ -e "$T/cp1.note.tmp" ] && it_fail "expected: no cp1.note.tmp left behind"
it_run "$AUDIT" consistency "$T/e1.pb" --hub-key "$HUB_KEY" "$T/cp1.note"
assert_eq "$RC" 0 "the saved file is a checkpoint note of the hub (shouhe-audit consistency reads it)"

it_step "more changes (and a new author); export E2; verify --since the saved checkpoint checks only the new ones"
node_new e "$VD"
gen a 15 26
gen b 10 27
gen e 7 30
for n in a b e a; do assert_exit 0 sync "$n"; done
hub_cmd export "$T/e2.pb"
N2=$(exported)
assert_eq "$N2" 177 "E2 holds 32 more changes"
it_run "$AUDIT" verify "$T/e2.pb" --hub-key "$HUB_KEY" --since "$T/cp1.note" --json
assert_eq "$RC" 0 "verify --since exits 0 on the honest export"
assert_json "
assert j['ok'] and j['faults'] == [] and j['incremental'], j
assert j['since'] == $N1 and j['changes'] == $N2 and j['changes_verified'] == $N2 - $N1, j
assert j['authors'] == 3 and j['covered'] == $N2, j
assert j['checkpoints_verified'] >= 1 and j['checkpoints_old'] >= 1, j
assert j['checkpoints_verified'] + j['checkpoints_old'] == j['checkpoints'], j"
it_run "$AUDIT" verify "$T/e2.pb" --hub-key "$HUB_KEY" --since "$T/cp1.note" --save-checkpoint "$T/cp2.note"
assert_eq "$RC" 0 "verify --since (text) exits 0"
assert_out "^incremental: since the checkpoint of size $N1 verified before"
assert_out "^changes: +32 new of $N2 \(log indexes $((N1 + 1))\.\.$N2\) from 3 authors"
assert_eq "$(sed -n 2p "$T/cp2.note")" "$N2" "the incremental run saves the next checkpoint"
it_run "$AUDIT" verify "$T/e2.pb" --hub-key "$HUB_KEY" --since "$T/cp2.note" --json
assert_eq "$RC" 0 "verify --since a checkpoint of the whole export: nothing new"
assert_json "assert j['ok'] and j['since'] == $N2 and j['changes_verified'] == 0 and j['covered'] == $N2, j"
it_run "$AUDIT" verify "$T/e2.pb" --json
assert_json "assert j['ok'] and not j['incremental'] and j['since'] == 0 and j['changes_verified'] == $N2, j"

it_step "tamper: a new change's byte flipped, the first new change dropped, an old change flipped"
it_must "$TAMPER" "$T/e2.pb" "$T/flip-new.pb" flip $((N1 + 3))
it_run "$AUDIT" verify "$T/flip-new.pb" --hub-key "$HUB_KEY" --since "$T/cp1.note" --json
faults "signature checkpoint-root" "
assert has('signature', index=$N1 + 3, seq=93), F
assert len([f for f in F if f['kind'] == 'signature']) == 1, F"
it_must "$TAMPER" "$T/e2.pb" "$T/drop-new.pb" drop $((N1 + 1))
it_run "$AUDIT" verify "$T/drop-new.pb" --hub-key "$HUB_KEY" --since "$T/cp1.note" --json
faults "chain checkpoint-root" "
assert has('chain', index=$N1 + 1, seq=92), F
assert any('gap' in f['message'] and 'seq 90' in f['message'] for f in F if f['kind'] == 'chain'), F"
# the first new change of a's chain, validly signed, but its prev is not the hash of a's last
# old change: only the chain head read back from the old part can tell
it_must "$TAMPER" "$T/e2.pb" "$T/prev-new.pb" prev $((N1 + 1)) "$(ndir a)/node.key"
it_run "$AUDIT" verify "$T/prev-new.pb" --hub-key "$HUB_KEY" --since "$T/cp1.note" --json
faults "chain checkpoint-root" "
assert has('chain', index=$N1 + 1, seq=91), F
assert any('forks' in f['message'] for f in F if f['kind'] == 'chain' and f['index'] == $N1 + 1), F"
it_must "$TAMPER" "$T/e2.pb" "$T/flip-old.pb" flip 5
it_run "$AUDIT" verify "$T/flip-old.pb" --hub-key "$HUB_KEY" --since "$T/cp1.note" --json
faults "fork" "assert len(F) == 1 and has('fork', index=$N1) and j['changes_verified'] == 0, F"

it_step "another history: the hub restored from the backup takes other changes over the old size"
hub_stop
rm -rf "$HUB_DIR"
cp -a "$T/hub-backup" "$HUB_DIR"
hub_restart_same_port
gen c 200 28
assert_exit 0 sync c --deadline 30
hub_cmd export "$T/e3.pb"
N3=$(exported)
[ "$N3" -gt "$N1" ] || it_fail "expected: the restored hub's export ($N3) larger than $N1"
it_run "$AUDIT" verify "$T/e3.pb" --hub-key "$HUB_KEY"
assert_eq "$RC" 0 "the restored hub's export verifies on its own"
it_run "$AUDIT" verify "$T/e3.pb" --hub-key "$HUB_KEY" --since "$T/cp1.note"
assert_eq "$RC" 1 "verify --since a checkpoint of the other history exits 1"
assert_out "^fault fork: --since checkpoint \(size $N1\): the export's first $N1 changes have root .* not the root"
assert_out 'another history'
assert_err 'does not verify: 1 fault'

it_step "checkpoint files that are refused"
sed '2s/.*/144/' "$T/cp1.note" > "$T/edited.note"
it_run "$AUDIT" verify "$T/e2.pb" --hub-key "$HUB_KEY" --since "$T/edited.note"
assert_eq "$RC" 1 "an edited checkpoint file is refused"
assert_err "edited.note is not a checkpoint signed by the hub key: the hub key's signature does not verify"
it_run "$AUDIT" verify "$T/e1.pb" --hub-key "$HUB_KEY" --since "$T/cp2.note"
assert_eq "$RC" 1 "a checkpoint larger than the export is refused"
assert_err "covers $N2 changes but .*e1.pb holds only $N1: the export is older than the checkpoint"
it_run "$AUDIT" verify "$T/e2.pb" --hub-key "$HUB_KEY" --since "$T/none.note"
assert_eq "$RC" 3 "a missing checkpoint file: exit 3"
it_run "$AUDIT" verify "$T/flip-new.pb" --hub-key "$HUB_KEY" --save-checkpoint "$T/cp-bad.note"
assert_eq "$RC" 1 "a tampered export: verify exits 1"
assert_err 'cp-bad.note not written: the export does not verify'
[ -e "$T/cp-bad.note" ] && it_fail "expected: no checkpoint saved from an export that does not verify"

it_step "--save-checkpoint FILE that cannot be written: exit 3 after the verdict, FILE and cause named"
unwritable "$T/no-such-dir/cp.note" "cannot create $T/no-such-dir/cp.note.tmp: No such file or directory"
unwritable "/proc/shouhe-audit-$$.note" "cannot create /proc/shouhe-audit-$$.note.tmp: No such file or directory"
# a directory, or a FIFO standing for a device: the rename would replace it (as root, even /dev/null)
mkdir "$T/cp-dir"
mkfifo "$T/cp.fifo"
unwritable "$T/cp-dir" "it exists and is not a regular file"
unwritable "$T/cp.fifo" "it exists and is not a regular file"
[ -d "$T/cp-dir" ] && [ -p "$T/cp.fifo" ] || it_fail "expected: the directory and the FIFO left as they were"
it_run "$AUDIT" verify "$T/e1.pb" --hub-key "$HUB_KEY" --json --save-checkpoint "$T/cp-dir"
assert_eq "$RC" 3 "verify --json --save-checkpoint DIR exits 3"
assert_json "assert j['ok'] and j['faults'] == [] and j['changes'] == $N1, j"
# a write that fails half-way (no file may grow): the temporary file is removed, FILE keeps
# the checkpoint it held
cp "$T/cp1.note" "$T/keep.note"
cp "$T/cp2.note" "$T/keep-new.note"
it_run fsize0 "$AUDIT" verify "$T/e2.pb" --hub-key "$HUB_KEY" --save-checkpoint "$T/keep.note"
assert_eq "$RC" 3 "verify --save-checkpoint with no room for the file exits 3"
assert_out '^ok: the export of .* verifies'
assert_out "^shouhe-audit: cannot write $T/keep.note: File too large"
[ -e "$T/keep.note.tmp" ] && it_fail "expected: no keep.note.tmp left behind after a failed write"
cmp -s "$T/keep.note" "$T/cp1.note" || it_fail "expected: keep.note still holds the checkpoint of size $N1"
# a stale FILE.tmp, even a symbolic link planted there, is replaced, never written through
echo "not a checkpoint" > "$T/victim"
ln -s "$T/victim" "$T/keep-new.note.tmp"
it_run "$AUDIT" verify "$T/e2.pb" --hub-key "$HUB_KEY" --since "$T/cp1.note" --save-checkpoint "$T/keep-new.note"
assert_eq "$RC" 0 "verify --save-checkpoint over a planted FILE.tmp link exits 0"
assert_eq "$(cat "$T/victim")" "not a checkpoint" "the file a planted FILE.tmp link points to is untouched"
[ -f "$T/keep-new.note" ] && [ ! -L "$T/keep-new.note" ] && [ ! -e "$T/keep-new.note.tmp" ] \
    || it_fail "expected: keep-new.note a regular file, no keep-new.note.tmp"
cmp -s "$T/keep-new.note" "$T/cp2.note" || it_fail "expected: keep-new.note holds the checkpoint of size $N2"

it_step "--since without --hub-key: the checkpoint is opened with the export's key (the run says so)"
it_run "$AUDIT" verify "$T/e2.pb" --since "$T/cp1.note" --json
assert_eq "$RC" 0 "verify --since without --hub-key exits 0 on the honest export"
assert_err "warning: no --hub-key given: trusting the hub key the export names \($HUB_KEY\)"
assert_json "
assert j['ok'] and j['incremental'] and not j['hub_key_checked'] and j['hub_key'] == '$HUB_KEY', j
assert j['since'] == $N1 and j['changes_verified'] == $N2 - $N1, j"
it_run "$AUDIT" verify "$T/e2.pb" --since "$T/edited.note"
assert_eq "$RC" 1 "an edited checkpoint is refused without --hub-key too"
assert_err "edited.note is not a checkpoint signed by the hub key: the hub key's signature does not verify"
assert_err "no --hub-key: the checkpoint was opened with the hub key the export names"
[ ! -s "$OUT" ] || it_fail "expected: nothing verified (empty stdout)"

hub_alive
hub_stop

it_step "a checkpoint signed by another hub's key is refused"
MAIN_DIR=$HUB_DIR
MAIN_KEY=$HUB_KEY
hub_init "$T/other-hub"
hub_start
node_new d "$VA"
gen d 3 29
assert_exit 0 sync d
hub_cmd checkpoint
assert_eq "$RC" 0 "shouhe-hub checkpoint of the other hub"
cp "$OUT" "$T/other.note"
hub_cmd export "$T/other.pb"
assert_eq "$RC" 0 "shouhe-hub export of the other hub"
hub_stop
HUB_DIR=$MAIN_DIR
HUB_KEY=$MAIN_KEY
it_run "$AUDIT" verify "$T/e2.pb" --hub-key "$HUB_KEY" --since "$T/other.note"
assert_eq "$RC" 1 "a checkpoint signed by another key is refused"
assert_err "other.note is not a checkpoint signed by the hub key: no signature by the hub key"
# without --hub-key the checkpoint pins the key: neither another hub's checkpoint against this
# export nor this hub's checkpoint against another hub's export is taken
it_run "$AUDIT" verify "$T/e2.pb" --since "$T/other.note"
assert_eq "$RC" 1 "without --hub-key, a checkpoint of another hub is refused"
assert_err "other.note is not a checkpoint signed by the hub key"
assert_err "no --hub-key: the checkpoint was opened with the hub key the export names, so the export may be of another hub"
it_run "$AUDIT" verify "$T/other.pb" --since "$T/cp1.note" --json
assert_eq "$RC" 1 "without --hub-key, another hub's export against this hub's checkpoint is refused"
assert_err "cp1.note is not a checkpoint signed by the hub key"
assert_err "no --hub-key: the checkpoint was opened with the hub key the export names"
[ ! -s "$OUT" ] || it_fail "expected: nothing verified (no JSON)"
