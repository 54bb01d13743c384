# audit_test.sh -- `shouhe-hub export` and `shouhe-audit` on a real hub after a multi-node sync
# (two villages and a town with sh_gen data, plus an equivocation kept as evidence):
#   - the export is decodable with protoc, refuses to overwrite, and verifies (exit 0), with and
#     without --hub-key (then it says it trusts the export's key), and not with another key;
#   - inclusion and consistency proofs computed from the export verify, a wrong one does not;
#   - tamper tests (tests/tools/sh_export_tamper): a flipped byte in a change, a dropped change,
#     two changes swapped, an author chain forked, a key substituted in the registry, a change
#     outside its author's scope, a change whose body is not a record of its kind, a change signed after its author's revocation, an altered side
#     of the equivocation evidence, a forged checkpoint and a checkpoint of a rewritten tree -- each makes `verify` exit 1 and names the
#     fault: kind, author, seq and log index (or checkpoint).
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"
need_gen

need_audit
PROTO_DIR=$(cd "$(dirname "$SHOUHE_ITLIB")/../../proto" && pwd)

TOWN=500115101
VA=${TOWN}001
VB=${TOWN}002
VT=${TOWN}003

# verify_json FILE [ARGS] -- shouhe-audit verify FILE --json ARGS (default --hub-key $HUB_KEY)
verify_json () {
    local f=$1
    shift
    if [ $# -eq 0 ]; then set -- --hub-key "$HUB_KEY"; fi
    it_run "$AUDIT" verify "$f" --json "$@"
}

# expect_faults KINDS PYCHECK -- the last verify exited 1, every fault's kind is in KINDS (space
# separated) and PYCHECK (python over F = the list of faults) holds.
expect_faults () {
    assert_eq "$RC" 1 "shouhe-audit verify exits 1 on a tampered export" || return 1
    assert_json "
F = j['faults']
assert not j['ok'] and F, j
kinds = set('$1'.split())
assert all(f['kind'] in kinds for f in F), [(f['kind'], f['where']) for f in F if f['kind'] not in kinds]
def has(kind, index=None, seq=None, author=None, checkpoint=None):
    return any(f['kind'] == kind and (index is None or f['index'] == index)
               and (seq is None or f['seq'] == seq) and (author is None or f['author'] == author)
               and (checkpoint is None or f['checkpoint'] == checkpoint) for f in F)
$2"
}

# tamper NAME ARGS... -- sh_export_tamper $E1 $T/NAME.pb ARGS
tamper () {
    local name=$1
    shift
    it_must "$TAMPER" "$E1" "$T/$name.pb" "$@"
}

# --- a hub, two villages and a town ------------------------------------------------------------------
it_step "hub, two villages and a town write sh_gen data and sync"
hub_init
hub_start
node_new va "$VA"
node_new vb "$VB"
node_new town "$TOWN"
node_new stranger "$VA" --no-enroll
gen va 120 11
gen vb 90 12
gen town 80 13
# va syncs first and alone: log indexes 1..120 are va's seq 1..120
assert_exit 0 sync va
hub_cmd checkpoint
assert_eq "$RC" 0 "shouhe-hub checkpoint"
cp "$OUT" "$T/old.note"
OLD_SIZE=$(sed -n 2p "$T/old.note")
assert_eq "$OLD_SIZE" 120 "the first checkpoint covers va's 120 changes"
assert_exit 0 sync vb
assert_exit 0 sync town
gen va 30 14
gen town 20 15
for n in va vb town va vb; do assert_exit 0 sync "$n"; done

it_step "an equivocation: a copied node directory writes a different change"
node_new twin "$VT"
node_must twin courtyard add --code "${VT}001" --name 双胞院落 --households 14
assert_exit 0 sync twin
cp -a "$(ndir twin)" "$(ndir twin2)"
node_must twin courtyard add --code "${VT}002" --name 原本 --households 15
node_must twin2 courtyard add --code "${VT}003" --name 副本 --households 16
assert_exit 0 sync twin
assert_exit 6 sync twin2 --deadline 20
assert_eq "$(hub_node_field "${KEY[twin]}" blocked)" True "the twin's key is blocked"

# --- export ------------------------------------------------------------------------------------------
it_step "export (while the hub serves)"
E1=$T/e1.pb
hub_cmd export "$E1"
assert_eq "$RC" 0 "shouhe-hub export exits 0"
assert_out '^exported [0-9]+ changes, 4 registry entries, 1 evidence records, [0-9]+ checkpoints'
N1=$(sed -n 's/^exported \([0-9]*\) changes.*/\1/p' "$OUT")
assert_eq "$N1" 342 "every change is exported (120 + 90 + 80 + 30 + 20 + the twin's 2)"
[ -e "$E1.tmp" ] && it_fail "expected: no $E1.tmp left behind"
assert_eq "$(stat -c %a "$E1")" 600 "the export has mode 0600 (personal data)"
hub_cmd export "$E1"
assert_eq "$RC" 1 "export refuses to overwrite an existing file"
assert_err 'exists; refusing to overwrite'
hub_cmd export
assert_eq "$RC" 2 "export without FILE is a usage error"

if command -v protoc > /dev/null; then
    it_step "protoc --decode reads the export"
    protoc --decode=shouhe.v1.Export -I "$PROTO_DIR" "$PROTO_DIR/shouhe/v1/export.proto" \
        < "$E1" > "$T/e1.txt" 2> "$ERR"
    RC=$?
    assert_eq "$RC" 0 "protoc --decode=shouhe.v1.Export exits 0"
    assert_eq "$(grep -c '^changes: ' "$T/e1.txt")" "$N1" "protoc sees every change"
    assert_eq "$(grep -c '^registry {' "$T/e1.txt")" 4 "protoc sees every registry entry"
    grep -q '^registry_note: "shouhe/hub/[0-9a-f]\{16\}\\nregistry\\n4\\n' "$T/e1.txt" \
        || it_fail "expected: protoc shows the registry note text"
    grep -q '^evidence {' "$T/e1.txt" || it_fail "expected: protoc shows the evidence"
else
    it_step "protoc not installed: decoding with protoc skipped"
fi

# --- a fault-free export passes ---------------------------------------------------------------------
it_step "verify: the real export passes"
it_run "$AUDIT" verify "$E1" --hub-key "$HUB_KEY"
assert_eq "$RC" 0 "shouhe-audit verify exits 0 on the real export"
assert_out "^ok: the export of shouhe/hub/${HUB_KEY:0:16} verifies"
assert_out "^changes: +$N1 from 4 authors"
assert_out 'given with --hub-key'
verify_json "$E1"
assert_eq "$RC" 0 "verify --json exits 0"
assert_json "
assert j['ok'] and j['faults'] == [] and j['hub_key_checked'], j
assert j['changes'] == $N1 and j['authors'] == 4 and j['registry'] == 4, j
assert j['checkpoints'] >= 5 and j['checkpoints_verified'] == j['checkpoints'], j
assert j['covered'] == $N1 and j['evidence'] == 1, j"
NCP=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["checkpoints"])' "$OUT")
it_run "$AUDIT" verify "$E1"
assert_eq "$RC" 0 "verify without --hub-key exits 0"
assert_err 'no --hub-key given: trusting the hub key the export names'
assert_out 'taken from the export'
verify_json "$E1" --hub-key "${KEY[va]}"
expect_faults "hub-key origin registry checkpoint-signature" "
assert has('hub-key') and has('registry') and has('checkpoint-signature', checkpoint=1), F"
it_run "$AUDIT" verify "$E1" --hub-key nothex
assert_eq "$RC" 2 "a malformed --hub-key is a usage error"

it_step "verify: files that are not exports"
head -c 1000 "$E1" > "$T/cut.pb"
verify_json "$T/cut.pb"
expect_faults "export" "assert len(F) == 1 and has('export'), F"
it_run "$AUDIT" verify "$T/none.pb"
assert_eq "$RC" 3 "a missing file: exit 3"

# --- proofs ------------------------------------------------------------------------------------------
it_step "inclusion and consistency proofs from the export"
it_run "$AUDIT" inclusion "$E1" --index 7 --hub-key "$HUB_KEY" --json
assert_eq "$RC" 0 "inclusion proof of change 7 verifies"
assert_json "assert j['ok'] and j['index'] == 7 and j['size'] == $N1 and len(j['proof']) == 9, j"
it_run "$AUDIT" inclusion "$E1" --index "$((N1 + 1))" --hub-key "$HUB_KEY"
assert_eq "$RC" 1 "no inclusion proof beyond the latest checkpoint"
hub_cmd checkpoint
cp "$OUT" "$T/new.note"
assert_eq "$(sed -n 2p "$T/new.note")" "$N1" "the newest checkpoint covers the export"
it_must "$AUDIT" consistency-proof "$E1" --old "$OLD_SIZE" --new "$N1"
cp "$OUT" "$T/proof.txt"
it_run "$AUDIT" consistency "$T/old.note" "$T/new.note" --proof "$T/proof.txt" --hub-key "$HUB_KEY"
assert_eq "$RC" 0 "the consistency proof between the old and the new checkpoint verifies"
assert_out "^ok: the tree of size $OLD_SIZE .* is a prefix of the tree of size $N1"
awk 'NR == 1 { c = substr($0, 1, 1); $0 = (c == "0" ? "1" : "0") substr($0, 2) } { print }' \
    "$T/proof.txt" > "$T/bad-proof.txt"
it_run "$AUDIT" consistency "$T/old.note" "$T/new.note" --proof "$T/bad-proof.txt" --hub-key "$HUB_KEY"
assert_eq "$RC" 1 "a wrong consistency proof does not verify"
it_run "$AUDIT" consistency "$T/old.note" "$T/new.note" --proof "$T/proof.txt" --hub-key "${KEY[va]}"
assert_eq "$RC" 1 "checkpoints are not accepted under another key"

# --- tamper tests ------------------------------------------------------------------------------------
it_step "tamper: a flipped byte in change 10"
tamper flip flip 10
verify_json "$T/flip.pb"
expect_faults "signature checkpoint-root" "
assert has('signature', index=10, seq=10, author='${KEY[va]}'), F
assert len([f for f in F if f['kind'] == 'signature']) == 1, F"

it_step "tamper: change 10 dropped"
tamper drop drop 10
verify_json "$T/drop.pb"
expect_faults "chain checkpoint-root" "
assert has('chain', index=10, seq=11, author='${KEY[va]}'), F
assert any(f['kind'] == 'chain' and 'gap' in f['message'] for f in F), F
assert has('checkpoint-root', checkpoint=$NCP), F"

it_step "tamper: changes 20 and 21 swapped"
tamper swap swap 20 21
verify_json "$T/swap.pb"
expect_faults "chain checkpoint-root" "
assert has('chain', index=20, seq=21) and has('chain', index=21, seq=20), F
assert has('checkpoint-root', checkpoint=$NCP), F"

it_step "tamper: va's chain forked at seq 30 (another validly signed change at log index 30)"
tamper fork fork 30 "$(ndir va)/node.key"
verify_json "$T/fork.pb"
expect_faults "chain checkpoint-root" "
assert has('chain', index=31, seq=31, author='${KEY[va]}'), F
assert any('forks' in f['message'] and 'log index 30' in f['message'] for f in F), F
assert has('checkpoint-root', checkpoint=$NCP) and not has('signature'), F"

it_step "tamper: va's key substituted in the registry"
# the registry is in key order: va's entry number among the four enrolled keys
VA_ENTRY=$(python3 -c 'import sys; print(sorted(sys.argv[2:]).index(sys.argv[1]) + 1)' \
    "${KEY[va]}" "${KEY[va]}" "${KEY[vb]}" "${KEY[town]}" "${KEY[twin]}")
tamper subst substitute-key "$VA_ENTRY" "${KEY[stranger]}"
verify_json "$T/subst.pb"
expect_faults "registry unknown-author" "
assert has('registry') and has('unknown-author', index=1, seq=1, author='${KEY[va]}'), F
U = [f for f in F if f['kind'] == 'unknown-author']
assert len(U) == 1 and 'its 149 later changes' in U[0]['message'], U
assert any(f['kind'] == 'registry' and 'vouched' in f['message'] for f in F), F"

it_step "tamper: a validly signed change by va outside its scope, appended"
tamper scope append-foreign "$(ndir va)/node.key" "${VB}001"
verify_json "$T/scope.pb"
expect_faults "scope" "
assert len(F) == 1 and has('scope', index=$((N1 + 1)), seq=151, author='${KEY[va]}'), F"

it_step "tamper: a validly signed change by va in its scope whose body is not a courtyard, appended"
tamper body append-foreign "$(ndir va)/node.key" "${VA}077" ff
verify_json "$T/body.pb"
expect_faults "body" "assert len(F) == 1 and has('body', index=$((N1 + 1)), seq=151, author='${KEY[va]}'), F"

it_step "tamper: a side of the equivocation evidence altered"
tamper evidence evidence-flip 1
verify_json "$T/evidence.pb"
expect_faults "evidence" "
assert len(F) == 1 and has('evidence', seq=2, author='${KEY[twin]}'), F
assert 'side 1 does not open' in F[0]['message'], F"

it_step "tamper: a forged checkpoint (signed by another key)"
tamper forged forge-checkpoint "$(ndir va)/node.key"
verify_json "$T/forged.pb"
expect_faults "checkpoint-signature" "assert len(F) == 1 and has('checkpoint-signature', checkpoint=$NCP), F"

it_step "tamper: a checkpoint signed by the hub's key over a rewritten tree"
tamper rewritten rewrite-checkpoint "$HUB_DIR/hub.key"
verify_json "$T/rewritten.pb"
expect_faults "checkpoint-root" "assert len(F) == 1 and has('checkpoint-root', checkpoint=$NCP, index=$N1), F"

it_step "tamper: a change signed after its author's revocation"
hub_cmd revoke --key "${KEY[vb]}"
assert_eq "$RC" 0 "revoke vb"
sleep 0.05
node_must vb courtyard add --code "${VB}099" --name 撤销之后 --households 9
E2=$T/e2.pb
hub_cmd export "$E2"
assert_eq "$RC" 0 "export after the revocation"
verify_json "$E2"
assert_eq "$RC" 0 "the export with vb revoked still verifies (all of vb's changes came before)"
it_must "$TAMPER" "$E2" "$T/revoked.pb" append-log "$(ndir vb)"
verify_json "$T/revoked.pb"
expect_faults "revoked" "assert len(F) == 1 and has('revoked', index=$((N1 + 1)), seq=91, author='${KEY[vb]}'), F"

it_step "text output names each fault on one line"
it_run "$AUDIT" verify "$T/drop.pb" --hub-key "$HUB_KEY"
assert_eq "$RC" 1 "verify exits 1"
assert_out "^fault chain: log index 10 \(author ${KEY[va]:0:16}…, seq 11\): chain gap"
assert_out "^fault checkpoint-root: checkpoint $NCP \(size $N1\): it covers $N1 changes but the export holds only"
assert_err 'does not verify: [0-9]+ fault'

hub_alive
hub_stop
