# export_personal_test.sh -- minimised exports (docs/privacy.md 7, docs/protocol.md 15.1, 15.2,
# 15.4): a village writes a person with a distinctive name and phone, sealed
# (`shouhe-node privacy --seal on`), and syncs to the hub:
#   - the default export holds neither the name nor the phone, verifies, and is not recorded;
#   - `export --with-personal --purpose TEXT` holds both, says on stderr that the file holds
#     personal data, decodes with protoc (field 10, Opening), verifies and reports the openings it
#     checked (text and JSON); `shouhe-hub exports` lists the record: purpose, OS user and uid,
#     the file's absolute path, the counts and the tree size;
#   - an opening tampered with (its value flipped; one naming a change beyond the export; two
#     swapped, so out of log order) is the fault `opening` naming log index and field, exit 1,
#     also in an incremental audit (--since) where its change is old;
#   - refusals: --with-personal without --purpose, --purpose without --with-personal, a blank or
#     multi-line purpose (exit 2), --with-personal from a configuration file (not taken);
#   - after `shouhe-node person erase` and a sync the hub's log holds erasure marks: both exports
#     verify, and the one --with-personal no longer holds the name or the phone.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"
need_audit
PROTO_DIR=$(cd "$(dirname "$SHOUHE_ITLIB")/../../proto" && pwd)

NAME=欧阳晓梅
PHONE=13912345678
PURPOSE="复核 2024-17 号调解案（case review）"
VA=500115108201

# count FILE TEXT -- how many lines of FILE hold TEXT's bytes (grep -c, binary as text)
count () { grep -ac -- "$2" "$1"; }

# one_opening_fault FILE FIELD TEXT PYCHECK -- verify FILE: exit 1 and exactly one fault, its line
# matching TEXT; in JSON the fault `opening` at log index $I_PERSON and FIELD, 2 of the 3 openings
# verified, and PYCHECK (python over F = the faults) holds.
one_opening_fault () {
    assert_exit 1 "$AUDIT" verify "$1" --hub-key "$HUB_KEY"
    assert_out "$3"
    assert_eq "$(grep -c "^fault" "$OUT")" 1 "$(basename "$1"): one fault"
    assert_err "the export does not verify: 1 fault"
    assert_exit 1 "$AUDIT" verify "$1" --hub-key "$HUB_KEY" --json
    assert_json "
F = j['faults']
assert not j['ok'] and len(F) == 1 and j['openings'] == 3 and j['openings_verified'] == 2, j
assert F[0]['kind'] == 'opening' and F[0]['index'] == $I_PERSON and F[0]['field'] == $2, F
$4"
}

hub_init
hub_start || exit 1
node_new a "$VA" || exit 1
it_must "$NODE" privacy --dir "$(ndir a)" --seal on

it_step "a sealed person reaches the hub"
node_must a courtyard add --code "${VA}001" --name 欧阳家院子 --households 4
node_must a person add --name "$NAME" --courtyard "${VA}001" --phone "$PHONE" --birth-year 1961
PID=$(out)
assert_exit 0 sync a || exit 1

it_step "the default export: commitments only, verifies, not recorded"
it_must "$HUB" export --dir "$HUB_DIR" "$T/plain.export" || exit 1
assert_out "^exported [0-9]+ changes, .* checkpoints \([0-9]+ bytes\) to "
! grep -q "personal" "$ERR" || it_fail "expected: no personal-data notice for a default export"
assert_eq "$(count "$T/plain.export" "$NAME")" 0 "the default export holds no name"
assert_eq "$(count "$T/plain.export" "$PHONE")" 0 "the default export holds no phone"
it_must "$AUDIT" verify "$T/plain.export" --hub-key "$HUB_KEY"
! grep -q "^openings:" "$OUT" || it_fail "expected: no openings line for a default export"
it_must "$AUDIT" verify "$T/plain.export" --hub-key "$HUB_KEY" --json
assert_json "assert j['ok'] and j['openings'] == 0 and j['openings_verified'] == 0, j"
CHANGES=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["changes"])' < "$OUT")
it_must "$HUB" exports --dir "$HUB_DIR"
assert_out "no export with personal data has been written from this hub"
it_must "$HUB" exports --dir "$HUB_DIR" --json
assert_json "assert j == [], j"

it_step "refusals: --purpose and --with-personal go together, the purpose is one line of text"
assert_exit 2 "$HUB" export --dir "$HUB_DIR" --with-personal "$T/r1.export"
assert_err "--with-personal needs --purpose"
assert_exit 2 "$HUB" export --dir "$HUB_DIR" --purpose "audit" "$T/r2.export"
assert_err "--purpose goes with --with-personal only"
assert_exit 2 "$HUB" export --dir "$HUB_DIR" --with-personal --purpose "  " "$T/r3.export"
assert_err "--purpose is empty"
assert_exit 2 "$HUB" export --dir "$HUB_DIR" --with-personal --purpose "$(printf 'two\nlines')" "$T/r4.export"
assert_err "--purpose holds the hidden character U\+000A"
assert_exit 2 "$HUB" export --dir "$HUB_DIR" --with-personal --purpose "$(head -c 1001 /dev/zero | tr '\0' x)" \
    "$T/r5.export"
assert_err "--purpose is 1001 bytes; at most 1000"
assert_exit 2 "$HUB" export --dir "$HUB_DIR" --with-personal --purpose "$(printf 'bad \377 byte')" "$T/r6.export"
assert_err "--purpose is not UTF-8 text"
assert_exit 2 "$HUB" exports --dir "$HUB_DIR" --purpose x
assert_err "'exports' does not take --purpose"
printf 'with-personal = yes\npurpose = from a file\n' > "$T/hub.conf"
it_must "$HUB" export --dir "$HUB_DIR" --config "$T/hub.conf" "$T/conf.export"
assert_eq "$(count "$T/conf.export" "$NAME")" 0 "--with-personal is not taken from a configuration file"
for f in r1 r2 r3 r4 r5 r6; do [ ! -e "$T/$f.export" ] || it_fail "expected: no $f.export after a refusal"; done

it_step "export --with-personal: the openings, a notice, a record"
T0=$(date +%s%3N)
it_must "$HUB" export --dir "$HUB_DIR" --with-personal --purpose "$PURPOSE" "$T/personal.export" || exit 1
T1=$(date +%s%3N)
assert_out "^exported $CHANGES changes, .* checkpoints and [1-9][0-9]* openings of personal fields \([0-9]+ bytes\) to $T/personal.export"
assert_err "holds personal data .*: handle it as such"
assert_eq "$(stat -c %a "$T/personal.export")" 600 "the export has mode 0600"
[ "$(count "$T/personal.export" "$NAME")" -ge 1 ] || it_fail "expected: the export --with-personal holds the name"
[ "$(count "$T/personal.export" "$PHONE")" -ge 1 ] || it_fail "expected: the export --with-personal holds the phone"
PROTOC=$(command -v protoc || command -v protoc-c || true)
if [ -n "$PROTOC" ]; then
    "$PROTOC" --decode=shouhe.v1.Export -I "$PROTO_DIR" "$PROTO_DIR/shouhe/v1/export.proto" \
        < "$T/personal.export" > "$T/decoded.txt" || it_fail "expected: protoc decodes the export"
    assert_eq "$(grep -c "^openings {" "$T/decoded.txt")" 3 "protoc shows the openings (field 10)"
    grep -q "^  change: 1$" "$T/decoded.txt" || it_fail "expected: the openings name change index 1"
else
    it_step "protoc not installed: decoding with protoc skipped"
fi
it_must "$AUDIT" verify "$T/personal.export" --hub-key "$HUB_KEY"
assert_out "^openings: +3 checked: each opens the commitment its change signed"
it_must "$AUDIT" verify "$T/personal.export" --hub-key "$HUB_KEY" --json
assert_json "assert j['ok'] and j['openings'] == 3 and j['openings_verified'] == 3 and j['faults'] == [], j"
I_PERSON=2          # log index 1 is the courtyard, 2 the person (its seals: fields 1, 4, 6)

it_step "shouhe-hub exports: who, when, why, where, how much"
it_must "$HUB" exports --dir "$HUB_DIR"
assert_out "USER +UID +CHANGES +OPENINGS +TREE SIZE +FILE +PURPOSE"
assert_out "$(id -un) +$(id -u) +$CHANGES +3 +$CHANGES +$(realpath "$T/personal.export") +复核 2024-17 号调解案（case review）"
it_must "$HUB" exports --dir "$HUB_DIR" --json
assert_json "
assert len(j) == 1, j
e = j[0]
assert e['number'] == 1 and e['purpose'] == '$PURPOSE' and e['user'] == '$(id -un)' and e['uid'] == $(id -u), e
assert e['file'] == '$(realpath "$T/personal.export")' and e['openings'] == 3, e
assert e['changes'] == $CHANGES and e['tree_size'] == $CHANGES, e
assert $T0 <= e['time_ms'] <= $T1, e
assert list(e) == ['number', 'time_ms', 'user', 'uid', 'purpose', 'file', 'changes', 'openings', 'tree_size'], e"
it_must env -u LC_ALL -u LC_MESSAGES -u LANGUAGE LANG=zh_CN.UTF-8 "$HUB" exports --dir "$HUB_DIR"
grep -q "^时间" "$OUT" && ! grep -q "OPENINGS" "$OUT" || it_fail "expected: the headers of shouhe-hub exports in Chinese"

it_step "a tampered opening is the fault 'opening'"
it_must "$TAMPER" "$T/personal.export" "$T/flipped.export" opening-flip 3
one_opening_fault "$T/flipped.export" 6 \
    "^fault opening: opening 3 \(log index $I_PERSON, field 6\): its salt and value do not open the commitment" \
    "assert F[0]['author'] == '${KEY[a]}' and F[0]['seq'] == 2, F"
it_must "$TAMPER" "$T/personal.export" "$T/beyond.export" opening-index 3 999
assert_exit 1 "$AUDIT" verify "$T/beyond.export" --hub-key "$HUB_KEY"
assert_out "^fault opening: opening 3 \(log index 999, field 6\): it names change index 998 \(log index 999\), but the export holds $CHANGES changes"
it_must "$TAMPER" "$T/personal.export" "$T/moved.export" opening-index 1 1
assert_exit 1 "$AUDIT" verify "$T/moved.export" --hub-key "$HUB_KEY"
assert_out "^fault opening: opening 1 \(log index 1, field 1\): the change at log index 1 has no seal of field 1"
# openings 2 and 3 (fields 4 and 6 of one change) swapped: each still opens its seal, only the
# order breaks (check 20: in log order, each change's by field)
it_must "$TAMPER" "$T/personal.export" "$T/swapped.export" opening-swap 2 3
one_opening_fault "$T/swapped.export" 4 \
    "^fault opening: opening 3 \(log index $I_PERSON, field 4\): it comes after opening 2 \(log index $I_PERSON, field 6\): openings are in log order, each change's by field, each once$" \
    "assert F[0]['where'] == 'opening 3 (log index $I_PERSON, field 4)', F
assert F[0]['message'].startswith('it comes after opening 2 (log index $I_PERSON, field 6)'), F"
# the incremental audit checks every opening, an old change's too: the tree does not cover them
it_must "$AUDIT" verify "$T/plain.export" --hub-key "$HUB_KEY" --save-checkpoint "$T/plain.note"
assert_exit 1 "$AUDIT" verify "$T/flipped.export" --hub-key "$HUB_KEY" --since "$T/plain.note" --json
assert_json "
F = j['faults']
assert j['incremental'] and j['since'] == $CHANGES and j['changes_verified'] == 0, j
assert len(F) == 1 and F[0]['kind'] == 'opening' and F[0]['index'] == $I_PERSON and j['openings'] == 3, F"
it_must "$AUDIT" verify "$T/personal.export" --hub-key "$HUB_KEY" --since "$T/plain.note"
assert_out "^openings: +3 checked"

it_step "after person erase: the hub's log holds erasure marks, both exports verify, no name"
node_must a person erase "$PID"
assert_exit 0 sync a || exit 1
it_must "$HUB" export --dir "$HUB_DIR" "$T/plain2.export" || exit 1
it_must "$AUDIT" verify "$T/plain2.export" --hub-key "$HUB_KEY"
it_must "$HUB" export --dir "$HUB_DIR" --with-personal --purpose "after the erasure" "$T/personal2.export" || exit 1
assert_out "and 0 openings of personal fields"
assert_eq "$(count "$T/personal2.export" "$NAME")" 0 "the export --with-personal after the erasure holds no name"
assert_eq "$(count "$T/personal2.export" "$PHONE")" 0 "the export --with-personal after the erasure holds no phone"
it_must "$AUDIT" verify "$T/personal2.export" --hub-key "$HUB_KEY" --json
assert_json "assert j['ok'] and j['openings'] == 0 and j['changes'] == $CHANGES + 1, j"
it_must "$HUB" exports --dir "$HUB_DIR" --json
assert_json "assert [e['purpose'] for e in j] == ['$PURPOSE', 'after the erasure'] and j[1]['openings'] == 0, j"
