# gen_district_test.sh -- sh_gen --plan / --district: the district of DESIGN.md section 1 at
# full size (19 towns, 219 villages, 4,200+ courtyards, 75 model ones), the same records for
# the same seed on two fresh nodes, every village's log valid and free of conflicts, and the
# article's yearly figures reached at district scale; refusals change nothing.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_TESTLIB"

GEN=${SHOUHE_GEN:-}
if [ -z "$GEN" ] || [ ! -x "$GEN" ]; then
    fail "SHOUHE_GEN must name the sh_gen binary (run through ctest)"
    exit 1
fi

# --- the plan: a function of the seed alone
expect_ok "$GEN" --plan --seed 7
cp "$OUT" "$T/plan7"
expect_ok "$GEN" --plan --seed 7
expect_eq "$(cat "$OUT")" "$(cat "$T/plan7")" "the plan of one seed, twice"
expect_ok "$GEN" --plan --seed 8
[ "$(cat "$OUT")" != "$(cat "$T/plan7")" ] || fail "seeds 7 and 8 gave the same plan"
expect_ok "$GEN" --plan
cp "$OUT" "$T/plan"
python3 - "$T/plan" <<'EOF' || fail "the district plan does not match DESIGN.md section 1"
import sys
towns, villages = {}, []
for line in open(sys.argv[1], encoding="utf-8"):
    f = line.rstrip("\n").split("\t")
    if f[0] == "town":
        towns[f[1]] = (f[2], int(f[3]), int(f[4]), int(f[5]))
    else:
        assert f[0] == "village", f
        villages.append((f[1], f[2], int(f[3]), int(f[4]), f[5]))
assert len(towns) == 19, len(towns)
assert sum(1 for t in towns.values() if t[0].endswith("街道")) == 7
assert sum(1 for t in towns.values() if t[0].endswith("镇")) == 12
assert all(c.startswith("500115") and len(c) == 9 for c in towns)
assert len(villages) == 219 and len({v[0] for v in villages}) == 219
assert all(v[0].startswith(v[4]) and len(v[0]) == 12 and v[4] in towns for v in villages)
assert all(v[1].endswith("村") for v in villages)
cy = sum(v[2] for v in villages)
assert 4200 <= cy < 4260, cy
assert sum(v[3] for v in villages) == 75
for code, (name, n, c, m) in towns.items():
    mine = [v for v in villages if v[4] == code]
    assert (n, c, m) == (len(mine), sum(v[2] for v in mine), sum(v[3] for v in mine)), code
EOF

# --- refusals
expect_fail 2 'takes only --seed' "$GEN" --plan --changes 5
expect_ok "$NODE" init --dir "$T/d" --scope 500115
expect_fail 1 'village node \(12-digit scope\) or a town node' "$GEN" "$T/d" --district
expect_ok "$NODE" init --dir "$T/x" --scope 500115108299
expect_unchanged "$T/x" 1 'village 500115108299 is not in the district plan of seed 1' "$GEN" "$T/x" --district
expect_fail 2 'takes no --changes' "$GEN" "$T/x" --district --changes 10

# --- one village, twice on fresh nodes: the same records under different keys
V=$(awk -F'\t' '$1=="village" && $4 > 0 { print $2; exit }' "$T/plan")   # one with a model courtyard
want_cy=$(awk -F'\t' -v v="$V" '$2==v { print $4 }' "$T/plan")
want_model=$(awk -F'\t' -v v="$V" '$2==v { print $5 }' "$T/plan")
for n in a b; do
    expect_ok "$NODE" init --dir "$T/$n" --scope "$V"
    expect_ok "$GEN" "$T/$n" --district
    expect_out "^sh_gen: wrote [0-9]+ changes to $T/$n \(scope $V\)"
    expect_ok "$NODE" log verify --dir "$T/$n"
    expect_ok "$NODE" conflicts --dir "$T/$n" --json
    expect_json 'assert j == [], j'
    expect_ok "$NODE" report --dir "$T/$n" --format json --date 2025-07-01
    cp "$OUT" "$T/$n.report"
    expect_ok "$NODE" courtyard list --dir "$T/$n" --json
    cp "$OUT" "$T/$n.courtyards"
done
expect_eq "$(cat "$T/a.report")" "$(cat "$T/b.report")" "the report of one village generated twice"
expect_eq "$(cat "$T/a.courtyards")" "$(cat "$T/b.courtyards")" "the courtyards of one village generated twice"
[ "$("$NODE" key --dir "$T/a")" != "$("$NODE" key --dir "$T/b")" ] || fail "two nodes share a key"
expect_ok "$NODE" report --dir "$T/a" --format json --date 2025-07-01
expect_json "
assert j['courtyards'] == $want_cy and j['model_courtyards'] == $want_model, j
assert j['villages'] == 1 and j['persons'] > 4 * $want_cy
assert j['party_masses_days'] >= 11 * $want_cy, j['party_masses_days']
assert len(j['courtyard_hexagons']) == $want_cy
"
# a second run would write the same ids again: refused, nothing written
expect_unchanged "$T/a" 1 'already holds [0-9]+ changes of its own' "$GEN" "$T/a" --district

# --- the whole district: 219 village nodes, the article's figures for one year
python3 - "$T/plan" > "$T/villages" <<'EOF'
import sys
for line in open(sys.argv[1], encoding="utf-8"):
    f = line.split("\t")
    if f[0] == "village":
        print(f[1])
EOF
mkdir -p "$T/v"
while read -r v; do
    "$NODE" init --dir "$T/v/$v" --scope "$v" > /dev/null || fail "init $v"
done < "$T/villages"
xargs -P "$(nproc)" -I{} "$GEN" "$T/v/{}" --district < "$T/villages" > "$T/gen.out" 2>&1 \
    || { cat "$T/gen.out" >&2; fail "sh_gen --district failed for a village"; }
expect_eq "$(grep -c '^sh_gen: wrote' "$T/gen.out")" 219 "villages generated"
while read -r v; do
    "$NODE" report --dir "$T/v/$v" --format json --date 2025-07-01 > "$T/v/$v.json" \
        || fail "report of $v"
    [ "$("$NODE" conflicts --dir "$T/v/$v")" = "0 conflicts" ] \
        || fail "village $v: $("$NODE" conflicts --dir "$T/v/$v" | head -n 3)"
done < "$T/villages"
python3 - "$T/v" <<'EOF' || fail "the generated district misses the article's figures"
import glob, json, sys
tot = {}
for f in glob.glob(sys.argv[1] + "/*.json"):
    j = json.load(open(f, encoding="utf-8"))
    for k in ("villages", "courtyards", "model_courtyards", "matters", "matters_closed",
              "meetings", "party_masses_days", "mediations", "points_earned", "points_redeemed"):
        tot[k] = tot.get(k, 0) + j[k]
    micro = j["by_tier"]["micro"]
    tot["self_handled"] = tot.get("self_handled", 0) + micro["closed"]
    # consultations (会诊): escalated matters that reached the consult step
    esc = j["by_tier"]["small"]["matters"] + j["by_tier"]["big"]["matters"]
    tot["escalated"] = tot.get("escalated", 0) + esc
    # meetings by kind (issue 13): every figure of the year read off the report
    for kind, m in j["meetings_by_kind"].items():
        tot["kind_" + kind] = tot.get("kind_" + kind, 0) + m["meetings"]
        tot["att_" + kind] = tot.get("att_" + kind, 0) + m["attendance"]
    # the village ranks under its name from the plan (its Region record), not its code
    for h in j["village_hexagons"]:
        assert h["name"].endswith("村") and h["name"] != h["code"], h
print(tot)
kinds = ("party_masses_day", "deliberation", "longmenzhen", "bench_lecture", "other")
assert sum(tot["kind_" + k] for k in kinds) == tot["meetings"], tot
assert tot["kind_party_masses_day"] == tot["party_masses_days"], tot
assert all(tot["kind_" + k] > 0 and tot["att_" + k] > 0 for k in kinds), tot
assert sum(tot["kind_" + k] for k in kinds[1:]) >= 600, tot      # the 600+ activities, by kind
assert tot["villages"] == 219
assert 4200 <= tot["courtyards"] < 4260 and tot["model_courtyards"] == 75
assert 3000 <= tot["matters"] <= 3400, tot["matters"]
assert tot["self_handled"] >= 2300, tot["self_handled"]
assert tot["escalated"] >= 200, tot["escalated"]
assert tot["mediations"] >= 140, tot["mediations"]
assert tot["meetings"] - tot["party_masses_days"] >= 600       # activities besides them
assert tot["party_masses_days"] >= 11 * tot["courtyards"]
assert tot["points_earned"] > tot["points_redeemed"] > 0
EOF
