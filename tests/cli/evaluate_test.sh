# evaluate_test.sh -- maturity scores per category and the six-category hexagon.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_TESTLIB"

A=$T/a
new_node "$A" "$VILLAGE"
expect_ok "$NODE" courtyard add --dir "$A" --code "$CY2" --name 寿和小院 --households 26 --model --point fixed
expect_ok "$NODE" courtyard add --dir "$A" --code "$CY1" --name 张家院子 --households 18

EV=("$NODE" evaluate --dir "$A" --courtyard "$CY2")

# No evaluation yet for the period.
expect_unchanged "$A" 1 "unknown evaluation for that courtyard and period" "${EV[@]}" --period 2024Q3

# maturity = round((content + effect + satisfaction) / 3)
#   category      c  e  s  -> maturity
SCORES=("policy 7 8 9 8" "deliberation 6 6 7 6" "mediation 7 7 8 7"
        "environment 10 9 9 9" "customs 5 6 6 6" "economy 1 1 2 1")
for row in "${SCORES[@]}"; do
    read -r cat c e s m <<< "$row"
    expected=$(py "round(($c + $e + $s) / 3)")
    expect_eq "$expected" "$m" "round(($c+$e+$s)/3)"
    expect_ok "${EV[@]}" --period 2024Q3 --category "$cat" --content "$c" --effect "$e" --satisfaction "$s"
    expect_out "^$CY2 2024Q3 $cat: maturity $m\$"
    expect_out "^hexagon $CY2 2024Q3: policy 8, "
done
# The last line is the hexagon with all six categories and its area.
expect_out "^hexagon $CY2 2024Q3: policy 8, deliberation 6, mediation 7, environment 9, customs 6, economy 1; area [0-9]+\.[0-9]\$"
AREA_TEXT=$(sed -n 's/.*; area \([0-9.]*\)$/\1/p' "$OUT")
AREA=$(py "(math.sqrt(3) / 4) * sum(r[i] * r[(i + 1) % 6] for r in [[8, 6, 7, 9, 6, 1]] for i in range(6))")
expect_eq "$AREA_TEXT" "$(py "'%.1f' % $AREA")" "hexagon area (sqrt(3)/4)*sum r_i*r_(i+1) of 8,6,7,9,6,1"

expect_ok "${EV[@]}" --period 2024Q3 --json
expect_json "
lv = j['levels']
assert j['courtyard'] == '$CY2' and j['period'] == '2024Q3', j
assert lv == {'policy': 8, 'deliberation': 6, 'mediation': 7, 'environment': 9, 'customs': 6, 'economy': 1}, lv
order = ['policy', 'deliberation', 'mediation', 'environment', 'customs', 'economy']
assert list(lv) == order, list(lv)
r = [lv[k] for k in order]
area = math.sqrt(3) / 4 * sum(r[i] * r[(i + 1) % 6] for i in range(6))
assert abs(j['area'] - area) < 1e-9, (j['area'], area)
"

# Re-scoring a category replaces its level; the area follows.
expect_ok "${EV[@]}" --period 2024Q3 --category economy --content 8 --effect 8 --satisfaction 7
expect_out "economy: maturity 8\$"
expect_ok "${EV[@]}" --period 2024Q3 --json
expect_json "
lv = j['levels']
assert lv['economy'] == 8, lv
r = [8, 6, 7, 9, 6, 8]
assert abs(j['area'] - math.sqrt(3) / 4 * sum(r[i] * r[(i + 1) % 6] for i in range(6))) < 1e-9, j['area']
"
# A full hexagon of 10s: (sqrt(3)/4) * 6 * 100.
expect_ok "$NODE" evaluate --dir "$A" --courtyard "$CY1" --period 2024Q4 --category policy --content 10 --effect 10 --satisfaction 10
for cat in deliberation mediation environment customs economy; do
    expect_ok "$NODE" evaluate --dir "$A" --courtyard "$CY1" --period 2024Q4 --category "$cat" --content 10 --effect 10 --satisfaction 10
done
expect_ok "$NODE" evaluate --dir "$A" --courtyard "$CY1" --period 2024Q4 --json
expect_json 'assert abs(j["area"] - math.sqrt(3) / 4 * 600) < 1e-9 and set(j["levels"].values()) == {10}, j'
# A partial hexagon: missing categories count as 0.
expect_ok "$NODE" evaluate --dir "$A" --courtyard "$CY1" --period 2025Q1 --category policy --content 5 --effect 5 --satisfaction 5
expect_out '^hexagon .*: policy 5, deliberation 0, mediation 0, environment 0, customs 0, economy 0; area 0\.0$'
# Periods are separate: 2024Q3 of CY2 is unchanged.
expect_ok "${EV[@]}" --period 2024Q3 --json
expect_json 'assert j["levels"]["policy"] == 8 and j["levels"]["economy"] == 8, j'

# Refusals.
EVC=("${EV[@]}" --period 2024Q3 --category policy)
expect_unchanged "$A" 1 "the content score must be 1..10, not 0" "${EVC[@]}" --content 0 --effect 5 --satisfaction 5
expect_unchanged "$A" 1 "the effect score must be 1..10, not 11" "${EVC[@]}" --content 5 --effect 11 --satisfaction 5
expect_unchanged "$A" 1 "the satisfaction score must be 1..10, not 0" "${EVC[@]}" --content 5 --effect 5 --satisfaction 0
expect_unchanged "$A" 1 "the satisfaction score must be 1..10, not 11" "${EVC[@]}" --content 5 --effect 5 --satisfaction 11
expect_unchanged "$A" 1 "the content score must be 1..10, not -1" "${EVC[@]}" --content -1 --effect 5 --satisfaction 5
expect_unchanged "$A" 1 "the satisfaction score must be 1..10" "${EVC[@]}" --content 5 --effect 5
expect_unchanged "$A" 1 "unknown category 'sport' \(expected one of: policy/政策宣讲, deliberation/协商议事, mediation/矛盾调处, environment/环境整治, customs/文明乡风, economy/庭院经济\)" \
    "${EV[@]}" --period 2024Q3 --category sport --content 5 --effect 5 --satisfaction 5
for period in 2024Q5 2024Q0 2024-3 24Q3 2024q3 2024Q34; do
    expect_unchanged "$A" 1 "period '$period' must look like 2024Q3" \
        "${EV[@]}" --period "$period" --category policy --content 5 --effect 5 --satisfaction 5
done
expect_unchanged "$A" 1 "unknown courtyard ${VILLAGE}099" \
    "$NODE" evaluate --dir "$A" --courtyard "${VILLAGE}099" --period 2024Q3 --category policy --content 5 --effect 5 --satisfaction 5
expect_unchanged "$A" 2 "evaluate needs --courtyard and --period" "$NODE" evaluate --dir "$A" --courtyard "$CY2"
expect_unchanged "$A" 2 "evaluate needs --courtyard and --period" "$NODE" evaluate --dir "$A" --period 2024Q3
expect_unchanged "$A" 2 "'evaluate' does not take --title" "${EV[@]}" --period 2024Q3 --title 测评
expect_unchanged "$A" 2 "--content takes a whole number" "${EVC[@]}" --content high --effect 5 --satisfaction 5

# Viewing a malformed period says the period is malformed (not that nothing was found).
expect_unchanged "$A" 1 "period '2024-3' must look like 2024Q3" "${EV[@]}" --period 2024-3
