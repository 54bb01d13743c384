# report_test.sh -- `shouhe-hub report` on merged state: two generated town nodes sync to a hub;
# the hub's district report adds them up (escalations per month and the biggest movers too), its
# --town report equals the town node's own report, a --village report is part of its town, text
# fits 80 columns, CSV has its header row, and bad command lines are refused.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"
need_gen

# hub_rc CODE ARGS... -- shouhe-hub ARGS --dir HUB_DIR must exit CODE.
hub_rc () {
    local code=$1
    shift
    hub_cmd "$@"
    assert_eq "$RC" "$code" "exit code of shouhe-hub $*"
}

hub_init
hub_start
node_new ta 500115001 || exit 1
node_new tb 500115002 || exit 1
gen ta 1500 11 || exit 1
gen tb 1500 12 || exit 1
# two courtyards whose names a spreadsheet would run as formulas (issue 12): the hub's CSV
# must carry them as text
FORMULA='=HYPERLINK("http://evil.example/","点我")'
node_must ta courtyard add --code 500115001999001 --name "$FORMULA" --households 10
node_must ta courtyard add --code 500115001999002 --name '-2' --households 10
for c in 500115001999001 500115001999002; do
    node_must ta evaluate --courtyard $c --period 2024Q4 --category policy --content 5 --effect 5 --satisfaction 5
done
assert_exit 0 sync ta
assert_exit 0 sync tb
hub_stop

KEYS='["villages", "courtyards", "model_courtyards", "households", "matters", "matters_closed",
       "meetings", "mediations", "points_earned", "points_redeemed"]'
node ta report --format json; cp "$OUT" "$T/ta.json"
node tb report --format json; cp "$OUT" "$T/tb.json"

it_step "district"
hub_rc 0 report --format json
assert_json '
a = json.load(open("'"$T"'/ta.json")); b = json.load(open("'"$T"'/tb.json"))
for k in '"$KEYS"':
    assert isinstance(j[k], int), k
    assert j[k] == a[k] + b[k], (k, j[k], a[k], b[k])
assert j["villages"] > 2 and j["matters"] > 0
assert set(j["hexagon"]) >= {"levels", "area"} and len(j["hexagon"]["levels"]) == 6
assert len(j["overdue_big"]) == len(a["overdue_big"]) + len(b["overdue_big"])
assert j["escalations"] == a["escalations"] + b["escalations"] > 0
months = set(a["escalations_per_month"]) | set(b["escalations_per_month"])
assert list(j["escalations_per_month"]) == sorted(months), j["escalations_per_month"]
for m in months:
    assert j["escalations_per_month"][m] == a["escalations_per_month"].get(m, 0) + b["escalations_per_month"].get(m, 0), m
assert j["movers"]["compared"] == a["movers"]["compared"] + b["movers"]["compared"]
for d in ("gains", "losses"):
    both = sorted(a["movers"][d] + b["movers"][d], key=lambda m: (-abs(m["delta"]), m["courtyard"]))
    assert j["movers"][d] == both[:10], d
# meetings by kind add up to the meetings, at the hub as at each node
for kind, m in j["meetings_by_kind"].items():
    assert m["meetings"] == a["meetings_by_kind"][kind]["meetings"] + b["meetings_by_kind"][kind]["meetings"], kind
    assert m["attendance"] == a["meetings_by_kind"][kind]["attendance"] + b["meetings_by_kind"][kind]["attendance"], kind
assert sum(m["meetings"] for m in j["meetings_by_kind"].values()) == j["meetings"]
# ties share a rank (standard competition ranking)
for key in ("courtyard_hexagons", "village_hexagons", "town_hexagons"):
    rows = j[key]
    for i, e in enumerate(rows):
        want = rows[i - 1]["rank"] if i and rows[i - 1]["area"] == e["area"] else i + 1
        assert e["rank"] == want, (key, i, e, rows[i - 1] if i else None)
'
it_step "town"
hub_rc 0 report --town 500115001 --format json
assert_json '
a = json.load(open("'"$T"'/ta.json"))
for k in '"$KEYS"' + ["by_tier", "by_step", "by_category", "closure_rate", "median_days_to_close",
                      "overdue_big", "hexagon", "mediations_by_level", "points", "minutes",
                      "escalations", "escalations_per_month", "movers"]:
    assert j[k] == a[k], (k, j[k], a[k])
'
cp "$OUT" "$T/hub-ta.json"
village=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["courtyard_hexagons"][0]["code"][:12])' "$T/hub-ta.json")
hub_rc 0 report --village "$village" --format json
assert_json '
t = json.load(open("'"$T"'/hub-ta.json"))
assert j["villages"] == 1 and j["prefix"] == "'"$village"'"
for k in '"$KEYS"':
    assert 0 <= j[k] <= t[k], k
'
it_step "--date"
node ta report --format json --date 2025-01-01; cp "$OUT" "$T/ta-2025.json"
hub_rc 0 report --town 500115001 --format json --date 2025-01-01
assert_json '
a = json.load(open("'"$T"'/ta-2025.json"))
assert j["today"] == "2025-01-01" and j["overdue_big"] == a["overdue_big"]
assert all(o["days"] > 30 for o in j["overdue_big"])
'
it_step "text and CSV"
hub_rc 0 report
assert_out '^villages [0-9]+  courtyards'
widest=$(python3 -c 'import sys; print(max(len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")))' "$OUT")
[ "$widest" -le 80 ] || it_fail "text report has a line of $widest characters"
hub_rc 0 report --town 500115002 --since 2024-01-01 --format csv
assert_eq "$(head -n1 "$OUT")" "metric,value" "CSV header"
assert_out '^villages,[0-9]+$'
hub_rc 0 report --format csv
grep -qE '^courtyard_hexagons\.[0-9]+\.name,"'"'"'=HYPERLINK\(""http://evil\.example/"",""点我""\)"$' "$OUT" \
    || it_fail "the hub's CSV does not neutralise the =HYPERLINK name"
grep -qE '^courtyard_hexagons\.[0-9]+\.name,"'"'"'-2"$' "$OUT" || it_fail "the hub's CSV does not neutralise -2"
if grep -q '^[^,]*,=' "$OUT"; then it_fail "a CSV cell of the hub starts with ="; fi

it_step "refusals"
hub_rc 2 report --town 500115001001
assert_err 'town.*9-digit'
# a code nobody knows (a typo) is refused, not reported as zeros
hub_rc 1 report --town 500115009
assert_err 'town 500115009'
hub_rc 1 report --village 500115001998
assert_err 'village 500115001998'
hub_rc 2 report --town 500115001 --village 500115001001
hub_rc 2 report --format xml
hub_rc 2 report --since yesterday
hub_rc 2 report --date 2024-02-30x
hub_rc 2 report --scope 500115
