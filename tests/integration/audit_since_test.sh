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
#     the export is refused with both sizes named.
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
hub_stop
HUB_DIR=$MAIN_DIR
HUB_KEY=$MAIN_KEY
it_run "$AUDIT" verify "$T/e2.pb" --hub-key "$HUB_KEY" --since "$T/other.note"
assert_eq "$RC" 1 "a checkpoint signed by another key is refused"
assert_err "other.note is not a checkpoint signed by the hub key: no signature by the hub key"
