# names_test.sh -- names that cannot attack their readers (issue 12): hidden code points
# (bidi controls, zero-width, C0/C1 controls) refused at entry by courtyard add, person add,
# matter open and the CSV import; report --format csv neutralises cells a spreadsheet would
# run as formulas (OWASP: a leading ' inside the quoted cell), numbers stay numbers.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_TESTLIB"

A=$T/a
new_node "$A" "$VILLAGE"
RLO=$'\xe2\x80\xae'      # U+202E RIGHT-TO-LEFT OVERRIDE
ZWSP=$'\xe2\x80\x8b'     # U+200B ZERO WIDTH SPACE

# --- refused at entry ----------------------------------------------------------------------
expect_unchanged "$A" 1 "the courtyard name holds U\+202E \(RIGHT-TO-LEFT OVERRIDE\), a hidden control character; remove it" \
    "$NODE" courtyard add --dir "$A" --code "$CY1" --name "张家${RLO}院子" --households 18
expect_unchanged "$A" 1 "the courtyard name holds U\+0009 \(CHARACTER TABULATION\)" \
    "$NODE" courtyard add --dir "$A" --code "$CY1" --name $'张家\t院子' --households 18
expect_unchanged "$A" 1 "the courtyard name holds U\+0085 \(C1 CONTROL\)" \
    "$NODE" courtyard add --dir "$A" --code "$CY1" --name $'张家\xc2\x85院子' --households 18
expect_unchanged "$A" 1 "the grid holds U\+0001 \(C0 CONTROL\)" \
    "$NODE" courtyard add --dir "$A" --code "$CY1" --name 张家院子 --households 18 --grid $'a\x01'
expect_ok "$NODE" courtyard add --dir "$A" --code "$CY1" --name 张家院子 --households 18
expect_unchanged "$A" 1 "the person's name holds U\+200B \(ZERO WIDTH SPACE\)" \
    "$NODE" person add --dir "$A" --name "张${ZWSP}大爷" --courtyard "$CY1" --gender male
expect_unchanged "$A" 1 "the title holds U\+2066 \(LEFT-TO-RIGHT ISOLATE\)" \
    "$NODE" matter open --dir "$A" --courtyard "$CY1" --category environment --title $'清理\xe2\x81\xa6院坝'
expect_unchanged "$A" 1 "the title holds U\+000A \(LINE FEED\)" \
    "$NODE" matter open --dir "$A" --courtyard "$CY1" --category environment --title $'清理\n院坝'
# a line feed is free text's own; a bidi control is not
expect_ok "$NODE" matter open --dir "$A" --courtyard "$CY1" --category environment --title 清理院坝 \
    --description $'第一行\n第二行'
expect_unchanged "$A" 1 "the description holds U\+202E" \
    "$NODE" matter open --dir "$A" --courtyard "$CY1" --category environment --title 清理院坝 \
    --description "第一行${RLO}"

# the import names line and column and imports nothing
printf 'code,name,households\n%s,王家院子,20\n%s,赵家%s院子,21\n' "${VILLAGE}010" "${VILLAGE}011" "$RLO" \
    > "$T/bidi.csv"
expect_unchanged "$A" 1 "1 bad row; nothing was imported" "$NODE" import --dir "$A" courtyards "$T/bidi.csv"
expect_err "line 3, column 2 \(name\): the courtyard name holds U\+202E \(RIGHT-TO-LEFT OVERRIDE\)"
expect_fail 1 "unknown courtyard ${VILLAGE}010" "$NODE" courtyard show --dir "$A" "${VILLAGE}010"

# --- CSV neutralisation ----------------------------------------------------------------------
B=$T/b
new_node "$B" "$VILLAGE"
i=0
for name in '=HYPERLINK("http://evil.example/","点我")' '+1' '-2' '@x' '普通院子'; do
    i=$((i + 1))
    code="${VILLAGE}00$i"
    expect_ok "$NODE" courtyard add --dir "$B" --code "$code" --name "$name" --households 10
    expect_ok "$NODE" evaluate --dir "$B" --courtyard "$code" --period 2024Q4 --category policy \
        --content 10 --effect 10 --satisfaction 10
done
expect_ok "$NODE" report --dir "$B" --format csv --date 2024-12-20
CSV=$T/b.csv
cp "$OUT" "$CSV"
has_line () { grep -qxF -- "$1" "$CSV" || fail "the CSV has no line: $1"; }
has_line "courtyard_hexagons.0.name,\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"点我\"\")\""
has_line "courtyard_hexagons.1.name,\"'+1\""
has_line "courtyard_hexagons.2.name,\"'-2\""
has_line "courtyard_hexagons.3.name,\"'@x\""
has_line "courtyard_hexagons.4.name,普通院子"
# no cell of the file starts a formula (python's csv reads it as a spreadsheet would)
python3 - "$CSV" <<'PY' || fail "a CSV cell starts with a formula character"
import csv, sys
for row in csv.reader(open(sys.argv[1], newline='', encoding='utf-8')):
    for cell in row[:1] + [c for c in row[1:] if not c.lstrip('-').replace('.', '', 1).isdigit()]:
        assert not cell or cell[0] not in '=+-@\t\r', row
PY
# numbers the program computed are numbers: a negative one stays bare
grep -Eq '^[a-z_.0-9]+,-?[0-9]' "$CSV" || fail "no numeric cell in the CSV"
if grep -q ",\"'[0-9]" "$CSV"; then fail "a number was neutralised as text"; fi
