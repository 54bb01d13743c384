# report_excel_test.sh -- reports for Excel: `report --excel` (CSV with a UTF-8 byte-order mark
# and CR LF line ends) and `--format xlsx --output FILE` (a workbook: the values as in CSV,
# a sheet per list of records, numbers as numbers, text as strings, never formulas).
set -u
# shellcheck source=lib.sh
source "$SHOUHE_TESTLIB"

D=$T/v
V=500115001001
expect_ok "$NODE" init --dir "$D" --scope $V
# A courtyard named like a formula (it misses a party-masses day and is evaluated, so its name
# is in the report): text in every format, never run by Excel.
expect_ok "$NODE" courtyard add --dir "$D" --code ${V}001 --name 黄家院 --households 10 --residents 30 --model
expect_ok "$NODE" courtyard add --dir "$D" --code ${V}002 --name '=HYPERLINK("http://x","点")' --households 20
expect_ok "$NODE" evaluate --dir "$D" --courtyard ${V}002 --period 2024Q2 --category policy --content 6 \
    --effect 7 --satisfaction 8
expect_ok "$NODE" matter open --dir "$D" --courtyard ${V}002 --category mediation --title '+宅基地纠纷' --date 2024-05-01
M2=$(head -n1 "$OUT" | grep -oE '[0-9a-f]{32}' | head -n1)
expect_ok "$NODE" matter escalate --dir "$D" "$M2" big --date 2024-05-02
expect_ok "$NODE" meeting record --dir "$D" --courtyard ${V}001 --kind party-masses-day --date 2024-05-10

# --- --excel: BOM, CR LF, the same rows as the plain CSV, formulas neutralised --------------
expect_ok "$NODE" report --dir "$D" --format csv --date 2024-06-15
cp "$OUT" "$T/plain.csv"
expect_ok "$NODE" report --dir "$D" --excel --date 2024-06-15
cp "$OUT" "$T/excel.csv"
expect_eq "$(head -c 3 "$T/excel.csv" | od -An -tx1 | tr -d ' ')" "efbbbf" "--excel starts with a UTF-8 byte-order mark"
python3 - "$T/excel.csv" "$T/plain.csv" <<'EOF' || fail "--excel: CR LF line ends, the rows of the plain CSV"
import sys
excel, plain = open(sys.argv[1], 'rb').read(), open(sys.argv[2], 'rb').read()
body = excel[3:]
assert body.count(b'\n') == body.count(b'\r\n') > 10, 'every line ends in CR LF'
assert body.replace(b'\r\n', b'\n') == plain, 'the same rows as --format csv'
assert not plain.startswith(b'\xef\xbb\xbf') and b'\r' not in plain, 'the plain CSV is unchanged'
text = body.decode('utf-8')
assert '"\'=HYPERLINK(""http://x"",""点"")"' in text, 'the formula-like name is neutralised'
EOF
# --excel --format csv is the same; --excel goes with csv or xlsx only.
expect_ok "$NODE" report --dir "$D" --excel --format csv --date 2024-06-15
cmp -s "$OUT" "$T/excel.csv" || fail "--excel --format csv must equal --excel"
expect_fail 2 "--excel goes with --format csv \(the default\) or xlsx, not json" \
    "$NODE" report --dir "$D" --excel --format json
# --output writes the file instead of standard output.
expect_ok "$NODE" report --dir "$D" --excel --date 2024-06-15 --output "$T/out.csv"
expect_eq "$(wc -c < "$OUT")" 0 "--output: nothing on standard output"
cmp -s "$T/out.csv" "$T/excel.csv" || fail "--output must hold what standard output would"

# --- --format xlsx ---------------------------------------------------------------------------
expect_fail 2 "--format xlsx writes a binary file: give it one with --output FILE.xlsx" \
    "$NODE" report --dir "$D" --format xlsx
XLSX=$T/report.xlsx
expect_ok "$NODE" report --dir "$D" --format xlsx --output "$XLSX" --date 2024-06-15
expect_eq "$(wc -c < "$OUT")" 0 "xlsx: nothing on standard output"
python3 - "$XLSX" <<'EOF' || fail "the xlsx is a zip with the workbook and the expected sheets"
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
names = set(z.namelist())
assert 'xl/workbook.xml' in names and '[Content_Types].xml' in names, names
wb = z.read('xl/workbook.xml').decode()
sheets = re.findall(r'<sheet name="([^"]+)"', wb)
assert sheets[0] == 'report', sheets
for s in ('overdue_big', 'missed_party_masses_day', 'courtyard_hexagons', 'village_hexagons',
          'town_hexagons', 'movers_gains', 'movers_losses'):
    assert s in sheets, (s, sheets)
for n in names:
    if n.startswith('xl/worksheets/'):
        assert '<f>' not in z.read(n).decode(), n + ' holds a formula'
EOF
# openpyxl: Debian's python3-openpyxl (for /usr/bin/python3, which may not be the first python3)
PYX=
for p in python3 /usr/bin/python3; do
    "$p" -c 'import openpyxl' 2>/dev/null && { PYX=$p; break; }
done
if [ -n "$PYX" ]; then
    "$PYX" - "$XLSX" "$T/plain.csv" "$M2" <<'EOF' || fail "the xlsx holds the report's values, typed"
import csv, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb['report']
rows = [[c.value for c in r] for r in ws.iter_rows()]
assert rows[0] == ['metric', 'value'], rows[0]
got = {r[0]: r[1] for r in rows[1:]}
want = {r[0]: r[1] for r in list(csv.reader(open(sys.argv[2], encoding='utf-8')))[1:]}
# the CSV's metric cells are neutralised text; the xlsx's are plain strings
assert len(got) == len(want), (len(got), len(want))
assert got['courtyards'] == 2 and isinstance(got['courtyards'], int), got['courtyards']
assert got['households'] == 30 and isinstance(got['closure_rate'], (int, float)), got
assert got['prefix'] == '500115001001' and isinstance(got['prefix'], str), got['prefix']
for r in ws.iter_rows():
    for c in r:
        assert c.data_type != 'f', (c.coordinate, c.value)
od = wb['overdue_big']
head = [c.value for c in next(od.iter_rows())]
row = dict(zip(head, [c.value for c in list(od.iter_rows())[1]]))
assert row['matter'] == sys.argv[3] and row['title'] == '+宅基地纠纷' and row['days'] == 45, row
ch = wb['courtyard_hexagons']
head = [c.value for c in next(ch.iter_rows())]
assert 'levels.policy' in head and 'area' in head and 'name' in head, head
names = [r[head.index('name')].value for r in list(ch.iter_rows())[1:]]
cell = [r[head.index('name')] for r in list(ch.iter_rows())[1:] if r[head.index('name')].value.startswith('=')]
assert cell and cell[0].data_type == 's' and cell[0].value == '=HYPERLINK("http://x","点")', names
EOF
else
    echo "python3-openpyxl is not installed: the typed-cell checks are skipped (scripts/deps.sh installs it)"
fi
# A file that cannot be created is named; a terminal is refused.
expect_fail 1 "cannot create $T/none/r.xlsx" "$NODE" report --dir "$D" --format xlsx --output "$T/none/r.xlsx"
if ( : > /dev/tty ) 2>/dev/null; then
    expect_fail 1 "/dev/tty is a terminal" "$NODE" report --dir "$D" --format xlsx --output /dev/tty
fi
