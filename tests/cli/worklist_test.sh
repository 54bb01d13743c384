# worklist_test.sh -- issue 13, the town's work list: `shouhe-node matter list` with --tier,
# --open/--closed, --village, --step, --older-than and --date, oldest first, in text and JSON,
# each row with its short id, courtyard (code and name), village, age and who escalated; and
# `matter show` saying who acted and when for every event.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_TESTLIB"

D=$T/town
expect_ok "$NODE" init --dir "$D" --scope 500115001
KEY=$(grep -oE '[0-9a-f]{64}' "$OUT" | head -n1)
expect_ok "$NODE" courtyard add --dir "$D" --code 500115001001001 --name 黄家院 --households 3
expect_ok "$NODE" courtyard add --dir "$D" --code 500115001002001 --name 李家湾 --households 3
open_matter () {   # open_matter COURTYARD TITLE DATE -> $M
    expect_ok "$NODE" matter open --dir "$D" --courtyard "$1" --category mediation --title "$2" --date "$3"
    M=$(grep -oE '[0-9a-f]{32}' "$OUT" | head -n1)
}
open_matter 500115001001001 清理水沟 2024-06-01; M1=$M
expect_ok "$NODE" matter escalate --dir "$D" "$M1" big --date 2024-06-02
open_matter 500115001002001 宅基地纠纷 2024-05-01; M2=$M
expect_ok "$NODE" matter escalate --dir "$D" "$M2" big --date 2024-05-04
expect_ok "$NODE" matter step --dir "$D" "$M2" consult --date 2024-05-06
open_matter 500115001002001 修路 2024-04-01; M3=$M            # micro: not on the big list
open_matter 500115001001001 路灯 2024-03-01; M4=$M            # big and closed
expect_ok "$NODE" matter escalate --dir "$D" "$M4" big --date 2024-03-02
for s in consult prescribe handle feedback; do
    expect_ok "$NODE" matter step --dir "$D" "$M4" $s --date 2024-03-05
done
expect_ok "$NODE" matter close --dir "$D" "$M4" --satisfaction 4 --date 2024-03-06

# the town's open big matters, oldest first
expect_ok "$NODE" matter list --dir "$D" --tier big --open --date 2024-07-01 --json
expect_json '
ids = [r["id"] for r in j]
assert ids == ["'$M2'", "'$M1'"], ids
r = j[0]
assert r["short"] == "'${M2:0:8}'" and r["age"] == 61 and r["village"] == "500115001002", r
assert (r["courtyard"], r["courtyard_name"], r["title"]) == ("500115001002001", "李家湾", "宅基地纠纷"), r
assert (r["tier"], r["step"], r["closed"], r["opened_on"]) == ("big", "consult", False, "2024-05-01"), r
assert r["escalated_by"] == "'${KEY:0:8}'" and r["escalated_on"] == "2024-05-04", r
assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$", r["escalated_at"]), r
assert j[1]["age"] == 30
'
expect_ok "$NODE" matter list --dir "$D" --tier big --open --date 2024-07-01
expect_out "^${M2:0:8} +61d big +consult +open +500115001002 500115001002001 李家湾 宅基地纠纷  escalated by ${KEY:0:8} on 2024-05-04$"
expect_out '^2 matters$'
# each filter, and together
expect_ok "$NODE" matter list --dir "$D" --tier big --date 2024-07-01 --json
expect_json 'assert [r["id"] for r in j] == ["'$M4'", "'$M2'", "'$M1'"], j'
expect_ok "$NODE" matter list --dir "$D" --closed --date 2024-07-01 --json
expect_json 'assert [r["id"] for r in j] == ["'$M4'"] and j[0]["closed"] is True, j'
expect_ok "$NODE" matter list --dir "$D" --village 500115001002 --date 2024-07-01 --json
expect_json 'assert [r["id"] for r in j] == ["'$M3'", "'$M2'"] and j[0]["escalated_by"] is None, j'
expect_ok "$NODE" matter list --dir "$D" --step consult --json --date 2024-07-01
expect_json 'assert [r["id"] for r in j] == ["'$M2'"], j'
expect_ok "$NODE" matter list --dir "$D" --tier big --open --older-than 30 --date 2024-07-01 --json
expect_json 'assert [r["id"] for r in j] == ["'$M2'"], j'
expect_ok "$NODE" matter list --dir "$D" --tier big --open --older-than 61 --date 2024-07-01
expect_out '^0 matters$'
# the plain list is unchanged but for its short ids
expect_ok "$NODE" matter list --dir "$D"
expect_out "^${M3:0:8} +micro +diagnose"

# refusals
expect_fail 2 'tier takes micro small big' "$NODE" matter list --dir "$D" --tier huge
expect_fail 2 'step takes diagnose' "$NODE" matter list --dir "$D" --step done
expect_fail 2 '--open or --closed' "$NODE" matter list --dir "$D" --open --closed
expect_fail 2 '12-digit village' "$NODE" matter list --dir "$D" --village 500115001
expect_fail 2 'older-than takes a number of days' "$NODE" matter list --dir "$D" --older-than -1
expect_fail 2 'whole number' "$NODE" matter list --dir "$D" --older-than x

# who acted, and when, on every event of matter show
expect_ok "$NODE" matter show --dir "$D" "$M2"
expect_out "^event +2024-05-04 escalate +big +by ${KEY:0:8} at [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}$"
expect_out "^event +2024-05-06 step +consult +by ${KEY:0:8} at "
expect_ok "$NODE" matter show --dir "$D" "$M2" --json
expect_json 'assert all(e["who"] == "'${KEY:0:8}'" and e["at"].endswith("Z") for e in j["events"]), j["events"]'
