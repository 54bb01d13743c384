# report_test.sh -- `shouhe-node report`: exact totals of a hand-made village in JSON, text
# lines of at most 80 characters, CSV with its header row, --since and --date (the 30-day
# rule), escalations per month, the HTML page, refusals; and a generated town node's report in
# every format. (The HTML page in a browser: tests/integration/html_report_test.sh.)
set -u
# shellcheck source=lib.sh
source "$SHOUHE_TESTLIB"

D=$T/v
V=500115001001
expect_ok "$NODE" init --dir "$D" --scope $V
expect_ok "$NODE" courtyard add --dir "$D" --code ${V}001 --name 黄家院 --households 10 --residents 30 --model
expect_ok "$NODE" courtyard add --dir "$D" --code ${V}002 --name 李家湾 --households 20
expect_ok "$NODE" matter open --dir "$D" --courtyard ${V}001 --category environment --title 清理水沟 --date 2024-06-01
M1=$(head -n1 "$OUT" | grep -oE '[0-9a-f]{32}' | head -n1)
expect_ok "$NODE" matter step --dir "$D" "$M1" handle --date 2024-06-02
expect_ok "$NODE" matter step --dir "$D" "$M1" feedback --date 2024-06-03
expect_ok "$NODE" matter close --dir "$D" "$M1" --satisfaction 5 --date 2024-06-05
expect_ok "$NODE" matter open --dir "$D" --courtyard ${V}002 --category mediation --title 宅基地纠纷 --date 2024-05-01
M2=$(head -n1 "$OUT" | grep -oE '[0-9a-f]{32}' | head -n1)
expect_ok "$NODE" matter escalate --dir "$D" "$M2" big --date 2024-05-02
expect_ok "$NODE" meeting record --dir "$D" --courtyard ${V}001 --kind party-masses-day --date 2024-05-10
expect_ok "$NODE" mediation record --dir "$D" --courtyard ${V}001 --level courtyard --kind family --outcome resolved --date 2024-05-11

expect_ok "$NODE" report --dir "$D" --format json --date 2024-06-15
expect_json '
for k in ("villages", "courtyards", "model_courtyards", "households", "matters", "matters_closed",
          "meetings", "mediations", "points_earned", "points_redeemed"):
    assert isinstance(j[k], int), k
assert (j["villages"], j["courtyards"], j["model_courtyards"], j["households"]) == (1, 2, 1, 30), j
assert (j["matters"], j["matters_closed"], j["meetings"], j["mediations"]) == (2, 1, 1, 1), j
assert j["closure_rate"] == 0.5 and j["median_days_to_close"]["micro"] == 4, j
assert [o["days"] for o in j["overdue_big"]] == [45] and j["overdue_big"][0]["village"] == "500115001001"
assert j["overdue_big"][0]["matter"] == "'"$M2"'"
assert set(j["hexagon"]) >= {"levels", "area"} and len(j["hexagon"]["levels"]) == 6
assert [m["courtyard"] for m in j["missed_party_masses_day"]] == ["500115001001002"], j["missed_party_masses_day"]
assert j["missed_party_masses_day"][0]["name"] == "李家湾"
assert j["escalations"] == 1 and j["escalations_per_month"] == {"2024-05": 1}, j["escalations_per_month"]
assert j["movers"] == {"compared": 0, "gains": [], "losses": []}, j["movers"]
'
# the 30-day rule: 30 days old is not overdue yet
expect_ok "$NODE" report --dir "$D" --format json --date 2024-05-31
expect_json 'assert j["overdue_big"] == [], j["overdue_big"]'
expect_ok "$NODE" report --dir "$D" --format json --since 2024-06-01 --date 2024-06-15
expect_json '
assert (j["matters"], j["matters_closed"], j["meetings"], j["mediations"]) == (1, 1, 0, 0), j
assert j["escalations"] == 0 and j["escalations_per_month"] == {}, j["escalations_per_month"]
'

# text: every line at most 80 characters (UTF-8 aware), the totals named
expect_ok "$NODE" report --dir "$D" --date 2024-06-15
expect_out '^villages 1  courtyards 2 \(model 1\)  households 30'
expect_out '^matters 2  closed 1  open 1  closure rate 50.0%'
expect_out '宅基地纠纷'
expect_out '^escalations 1 by month$'
expect_out '^2024    -    -    -    -    1    -    -    -    -    -    -    -      1$'
widest=$(python3 -c 'import sys; print(max(len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")))' "$OUT")
[ "$widest" -le 80 ] || fail "text report has a line of $widest characters"

# CSV: UTF-8, header row, one metric per row
expect_ok "$NODE" report --dir "$D" --format csv --date 2024-06-15
expect_eq "$(head -n1 "$OUT")" "metric,value" "CSV header"
expect_out '^matters,2$'
expect_out '^overdue_big\.0\.title,宅基地纠纷$'
python3 -c 'import csv, sys; rows = list(csv.reader(open(sys.argv[1], encoding="utf-8")));
assert all(len(r) == 2 for r in rows), [r for r in rows if len(r) != 2]' "$OUT" || fail "CSV rows are not metric,value pairs"

# HTML: one page with the charts and tables, the Chinese text, and nothing to fetch
expect_ok "$NODE" report --dir "$D" --format html --date 2024-06-15
expect_eq "$(head -n1 "$OUT")" "<!DOCTYPE html>" "HTML doctype"
expect_out '<meta charset="utf-8">'
expect_out '<svg id="hexagon" class="chart"'
expect_out '<rect class="bar" data-month="2024-05" data-count="1"'
expect_out '<tr data-key="courtyards"><th>courtyards 院落</th><td class="num">2</td></tr>'
expect_out '<td>宅基地纠纷</td>'
if grep -Eqi 'https?:|<script|src=|href=' "$OUT"; then fail "the HTML report refers to something outside it"; fi

# refusals
expect_fail 2 "format" "$NODE" report --dir "$D" --format xml
expect_fail 1 "since" "$NODE" report --dir "$D" --since 2024-13-40
expect_fail 2 "report.*--title|--title" "$NODE" report --dir "$D" --title x
# a report that cannot be written says why
if [ -w /dev/full ]; then
    "$NODE" report --dir "$D" --format html > /dev/full 2> "$T/full.err"
    expect_eq "$?" 1 "exit code of a report written to a full disk"
    grep -q 'cannot write the report: No space left on device' "$T/full.err" || fail "no cause for the failed write"
fi

# a generated town node: all three formats, text within 80 columns
if [ -n "${SHOUHE_GEN:-}" ] && [ -x "${SHOUHE_GEN}" ]; then
    G=$T/town
    expect_ok "$NODE" init --dir "$G" --scope 500115001
    expect_ok "$SHOUHE_GEN" "$G" --changes 2000 --seed 5
    expect_ok "$NODE" report --dir "$G" --format json
    expect_json '
assert j["villages"] > 1 and j["courtyards"] > 0 and j["matters"] > 0, j
assert j["matters"] == sum(t["matters"] for t in j["by_tier"].values())
assert j["matters"] == sum(j["by_step"].values())
assert len(j["town_hexagons"]) == 1 and j["town_hexagons"][0]["rank"] == 1
hs = j["courtyard_hexagons"]
assert [h["rank"] for h in hs] == [hs[i - 1]["rank"] if i and hs[i - 1]["area"] == h["area"] else i + 1
                                   for i, h in enumerate(hs)]
assert 0 <= j["closure_rate"] <= 1 and j["points"]["balance"] == j["points_earned"] - j["points_redeemed"]
'
    expect_ok "$NODE" report --dir "$G"
    widest=$(python3 -c 'import sys; print(max(len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")))' "$OUT")
    [ "$widest" -le 80 ] || fail "town text report has a line of $widest characters"
    expect_out '^  \.\.\. and [0-9]+ more \(all of them: --format json or csv\)$'
    [ "$(grep -c '^5001150012[0-9][0-9][0-9][0-9][0-9] ' "$OUT")" -le 20 ] || fail "more than 20 courtyard hexagons in text"
    expect_ok "$NODE" report --dir "$G" --format csv
    expect_eq "$(head -n1 "$OUT")" "metric,value" "CSV header"
    expect_out '^escalations_per_month\.20[0-9][0-9]-[01][0-9],[0-9]+$'
    expect_out '^movers\.gains\.0\.delta,[0-9.]+$'
    expect_out '^movers\.losses\.0\.previous_period,20[0-9][0-9]Q[1-4]$'
    expect_ok "$NODE" report --dir "$G" --format html
    expect_out '<table id="courtyard-ranking" class="ranking">'
    expect_out '<table id="movers-losses">'
    # the hexagon as SVG: well-formed, six labelled axes, the levels polygon where the JSON says
    expect_ok "$NODE" report --dir "$G" --format json
    cp "$OUT" "$T/town.json"
    expect_ok "$NODE" report --dir "$G" --format svg
    python3 - "$OUT" "$T/town.json" <<'PY' || fail "the SVG hexagon does not match the report"
import json, math, sys, xml.etree.ElementTree as E
ns = "{http://www.w3.org/2000/svg}"
svg = E.parse(sys.argv[1]).getroot()
rep = json.load(open(sys.argv[2], encoding="utf-8"))
cats = ["policy", "deliberation", "mediation", "environment", "customs", "economy"]
labels = [t for t in svg.iter(ns + "text") if t.get("class") == "label"]
assert [t.get("data-category") for t in labels] == cats, labels
levels = [p for p in svg.iter(ns + "polygon") if p.get("class") == "levels"]
assert len(levels) == 1
pts = [tuple(map(float, p.split(","))) for p in levels[0].get("points").split()]
assert len(pts) == 6
cx, cy, r = 240, 215, 150
for i, c in enumerate(cats):
    v = max(0, min(10, rep["hexagon"]["levels"][c]))
    a = math.radians(90 - 60 * i)
    want = (cx + r * v / 10 * math.cos(a), cy - r * v / 10 * math.sin(a))
    assert abs(pts[i][0] - want[0]) < 0.11 and abs(pts[i][1] - want[1]) < 0.11, (c, pts[i], want)
area = [t for t in svg.iter(ns + "text") if t.get("class") == "area"][0].text
assert ("%.2f" % rep["hexagon"]["area"]) in area, area
PY
fi
