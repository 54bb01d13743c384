# district_town_test.sh -- one town of the district plan end to end, as scripts/demo.sh runs
# the whole district: every village of the town generates its year (sh_gen --district) and
# syncs; the town node receives the big matters escalated to it, leads them (sh_gen
# --district on the town), syncs back; the villages receive the town's handling. Checks: the
# town wrote only events of big matters in its scope, left no big matter untouched unless its
# year ran out, a second run writes nothing, every village digest equals the hub's and the
# town's, and the hub's town report adds up to the villages' own reports.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"
need_gen

TOWN=${DISTRICT_TOWN:-500115108}
"$SHOUHE_GEN" --plan > "$T/plan" || it_fail "sh_gen --plan failed"
mapfile -t VILLAGES < <(awk -F'\t' -v t="$TOWN" '$1=="village" && $6==t { print $2 }' "$T/plan")
[ ${#VILLAGES[@]} -ge 4 ] || it_fail "town $TOWN has ${#VILLAGES[@]} villages in the plan"

hub_init
hub_start

it_step "${#VILLAGES[@]} villages of $TOWN: generate and sync"
for v in "${VILLAGES[@]}"; do
    node_new "v$v" "$v" || exit 1
    it_must "$SHOUHE_GEN" "$(ndir "v$v")" --district
done
declare -A PID_OF=()
for v in "${VILLAGES[@]}"; do
    sync_bg "v$v"
    PID_OF[$v]=$SYNC_PID
done
for v in "${VILLAGES[@]}"; do
    sync_wait "${PID_OF[$v]}" || it_fail "village $v: sync exit $RC"
done

it_step "the town pulls its villages' records and leads the big matters"
node_new town "$TOWN" || exit 1
sync town || it_fail "town: first sync failed"
own_before=$(node_own_changes town)
assert_eq "$own_before" 0 "the town's own changes before it leads"
# the big matters waiting for the town: escalated to big and still at diagnose
it_must "$SHOUHE_NODE" matter list --dir "$(ndir town)" --json
cp "$OUT" "$T/before.json"
waiting=$(python3 -c '
import json, sys
ms = json.load(open(sys.argv[1]))
print(sum(1 for m in ms if m["tier"] == "big" and not m["closed"] and m["step"] == "diagnose"))' "$T/before.json")
[ "$waiting" -ge 1 ] || it_fail "no big matter waits for town $TOWN (plan seed 1)"
it_must "$SHOUHE_GEN" "$(ndir town)" --district
assert_out "^sh_gen: wrote [0-9]+ changes to .* \(scope $TOWN\)"
wrote=$(node_own_changes town)
[ "$wrote" -ge "$waiting" ] || it_fail "the town wrote $wrote events for $waiting waiting big matters"
it_must "$SHOUHE_NODE" log --dir "$(ndir town)" --json
python3 - "$OUT" "$("$SHOUHE_NODE" key --dir "$(ndir town)")" "$TOWN" <<'EOF' || it_fail "the town wrote something other than events of big matters in its scope"
import json, sys
own = [e for e in json.load(open(sys.argv[1])) if e["author"] == sys.argv[2]]
# and its own Region record (issue 13: reports name the town)
assert [e["region"] for e in own if e["kind"] == "region"] == [sys.argv[3]], own[:3]
own = [e for e in own if e["kind"] != "region"]
assert own and all(e["kind"] == "matter_event" and e["region"].startswith(sys.argv[3]) for e in own), own[:3]
EOF
it_must "$SHOUHE_NODE" conflicts --dir "$(ndir town)" --json
assert_json 'assert j == [], j'
it_must "$SHOUHE_NODE" matter list --dir "$(ndir town)" --json
python3 - "$T/before.json" "$OUT" <<'EOF' || it_fail "a big matter was left untouched, or a matter other than big ones moved"
import json, sys
before = {m["id"]: m for m in json.load(open(sys.argv[1]))}
after = {m["id"]: m for m in json.load(open(sys.argv[2]))}
assert before.keys() == after.keys()
moved = 0
for i, b in before.items():
    a = after[i]
    if b["tier"] == "big" and not b["closed"] and b["step"] == "diagnose":
        # led by the town, unless its year ran out before the first step (opened late in June)
        if a["step"] != "diagnose" or a["closed"]:
            moved += 1
        else:
            assert a["opened_on"] >= "2025-06-15", a
    else:
        assert (a["step"], a["closed"], a["tier"]) == (b["step"], b["closed"], b["tier"]), (b, a)
assert moved >= 1
EOF
# a second run finds nothing left to start
it_must "$SHOUHE_GEN" "$(ndir town)" --district
assert_out "^sh_gen: wrote 0 changes"
sync town || it_fail "town: second sync failed"

it_step "the villages receive the town's handling"
for v in "${VILLAGES[@]}"; do
    sync "v$v" || it_fail "village $v: resync failed"
    digest_equal "v$v" "$v"
    assert_eq "$(node_digest town "$v")" "$(hub_digest "$v")" "town's digest of $v"
done

it_step "the hub's town report adds up to the villages' reports"
hub_cmd report --town "$TOWN" --format json --date 2025-07-01
cp "$OUT" "$T/town.json"
for v in "${VILLAGES[@]}"; do
    "$SHOUHE_NODE" report --dir "$(ndir "v$v")" --format json --date 2025-07-01 > "$T/$v.json" \
        || it_fail "report of $v"
done
python3 - "$T" "$TOWN" "${VILLAGES[@]}" <<'EOF' || it_fail "the town report does not add up"
import json, sys
d, town, vs = sys.argv[1], sys.argv[2], sys.argv[3:]
t = json.load(open(f"{d}/town.json"))
keys = ("courtyards", "model_courtyards", "households", "matters", "matters_closed",
        "meetings", "mediations", "points_earned", "points_redeemed")
sums = {k: 0 for k in keys}
for v in vs:
    j = json.load(open(f"{d}/{v}.json"))
    for k in keys:
        sums[k] += j[k]
assert t["villages"] == len(vs), t["villages"]
for k in keys:
    assert t[k] == sums[k], (k, t[k], sums[k])
EOF

it_step "the hub's town report for Excel: CSV with a byte-order mark and CR LF, and xlsx"
hub_cmd report --town "$TOWN" --excel --date 2025-07-01
cp "$OUT" "$T/town-excel.csv"
hub_cmd report --town "$TOWN" --format csv --date 2025-07-01
cp "$OUT" "$T/town.csv"
hub_cmd report --town "$TOWN" --format xlsx --output "$T/town.xlsx" --date 2025-07-01
python3 - "$T" <<'EOF' || it_fail "the hub's Excel reports"
import re, sys, zipfile
d = sys.argv[1]
excel, plain = open(f"{d}/town-excel.csv", "rb").read(), open(f"{d}/town.csv", "rb").read()
assert excel.startswith(b"\xef\xbb\xbf") and excel[3:].replace(b"\r\n", b"\n") == plain
assert excel.count(b"\n") == excel.count(b"\r\n")
z = zipfile.ZipFile(f"{d}/town.xlsx")
sheets = re.findall(r'<sheet name="([^"]+)"', z.read("xl/workbook.xml").decode())
assert sheets[0] == "report" and "village_hexagons" in sheets, sheets
EOF
hub_stop
it_step "done"
