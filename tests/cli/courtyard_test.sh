# courtyard_test.sh -- courtyard add / list / show, and every refusal of add.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_TESTLIB"

A=$T/a
new_node "$A" "$VILLAGE"

# An empty node lists no courtyard.
expect_ok "$NODE" courtyard list --dir "$A"
expect_out '^0 courtyards$'
expect_ok "$NODE" courtyard list --dir "$A" --json
expect_json 'assert j == []'

# --- add: all options ---------------------------------------------------------------
expect_ok "$NODE" courtyard add --dir "$A" --code "$CY2" --name 寿和小院 --households 26 \
    --residents 81 --elderly 23 --model --point fixed --grid 网格3 --group 第二村民小组
expect_eq "$(out)" "added courtyard $CY2" "add confirms the code"
# Only the required options.
expect_ok "$NODE" courtyard add --dir "$A" --code "$CY1" --name 张家院子 --households 18
# Boundary values: 1 household, elderly = residents, mobile and none points.
expect_ok "$NODE" courtyard add --dir "$A" --code "${VILLAGE}003" --name 李家湾 --households 12 \
    --residents 30 --elderly 30 --point mobile
expect_ok "$NODE" courtyard add --dir "$A" --code "${VILLAGE}004" --name "陈家院子 (老屋)" --households 1 \
    --residents 0 --point none
expect_ok "$NODE" courtyard add --dir "$A" --code "${VILLAGE}005" --name 王家大院 --households 30 --elderly 9

# --- list ------------------------------------------------------------------------------
expect_ok "$NODE" courtyard list --dir "$A"
expect_out '^CODE +HOUSE +RESID +65\+ +MODEL +POINT +NAME$'
expect_out "^$CY2 +26 +81 +23 +yes +fixed +寿和小院\$"
expect_out "^$CY1 +18 .* no +- +张家院子\$"
expect_out "^${VILLAGE}003 +12 +30 +30 +no +mobile +李家湾\$"
expect_out "^${VILLAGE}004 +1 +0 .* none +陈家院子 \(老屋\)\$"
expect_out '^5 courtyards$'

expect_ok "$NODE" courtyard list --dir "$A" --json
expect_json "
by = {c['code']: c for c in j}
assert len(j) == 5, len(j)
assert sorted(by) == ['${VILLAGE}00%d' % i for i in range(1, 6)], sorted(by)
c = by['$CY2']
assert c['name'] == '寿和小院' and c['village'] == '$VILLAGE', c
assert (c['households'], c['residents'], c['elderly']) == (26, 81, 23), c
assert c['model'] is True and c['point'] == 'fixed', c
assert c['grid'] == '网格3' and c['villager_group'] == '第二村民小组', c
assert c['region'] == '$CY2' and c['id'] == '$CY2', c
c = by['$CY1']
assert c['name'] == '张家院子' and c['households'] == 18 and c['model'] is False, c
assert 'residents' not in c and 'elderly' not in c and 'point' not in c, c
assert by['${VILLAGE}004']['point'] == 'none' and by['${VILLAGE}004']['residents'] == 0
assert by['${VILLAGE}005']['elderly'] == 9 and 'residents' not in by['${VILLAGE}005']
"

# --- show ------------------------------------------------------------------------------
expect_ok "$NODE" courtyard show --dir "$A" "$CY2"
expect_out "^courtyard +$CY2 +寿和小院\$"
expect_out "^village +$VILLAGE +grid 网格3 +villager group 第二村民小组\$"
expect_out '^households +26 +residents 81 +aged 65\+ 23$'
expect_out '^model +yes +deliberation point fixed$'
expect_out '^persons +0 +matters open 0, closed 0$'
expect_ok "$NODE" courtyard show --dir "$A" "$CY2" --json
expect_json "
assert j['code'] == '$CY2' and j['name'] == '寿和小院', j
assert j['households'] == 26 and j['model'] is True and j['point'] == 'fixed', j
assert j['persons'] == 0 and j['matters_open'] == 0 and j['matters_closed'] == 0, j
assert j['roles'] == [], j
"
# Persons and matters are counted by show.
expect_ok "$NODE" person add --dir "$A" --name 张大爷 --courtyard "$CY1"
expect_ok "$NODE" matter open --dir "$A" --courtyard "$CY1" --category environment --title 清理院坝杂物
expect_ok "$NODE" courtyard show --dir "$A" "$CY1" --json
expect_json 'assert (j["persons"], j["matters_open"], j["matters_closed"]) == (1, 1, 0), j'

expect_unchanged "$A" 1 "unknown courtyard ${VILLAGE}099" "$NODE" courtyard show --dir "$A" "${VILLAGE}099"
expect_unchanged "$A" 1 "unknown courtyard ${VILLAGE}099" "$NODE" courtyard show --dir "$A" "${VILLAGE}099" --json
expect_eq "$(wc -c < "$OUT")" 0 "no JSON printed for an unknown courtyard"
expect_unchanged "$A" 1 "unknown courtyard $CY_OTHER" "$NODE" courtyard show --dir "$A" "$CY_OTHER"
expect_unchanged "$A" 2 "wrong number of arguments" "$NODE" courtyard show --dir "$A" "$CY1" "$CY2"

# --- add: refusals, each changing nothing -----------------------------------------------
ADD=("$NODE" courtyard add --dir "$A")
expect_unchanged "$A" 1 "courtyard code '${VILLAGE}01' must be 15 digits" "${ADD[@]}" --code "${VILLAGE}01" --name 寿和小院 --households 20
expect_unchanged "$A" 1 "courtyard code '${VILLAGE}0011' must be 15 digits" "${ADD[@]}" --code "${VILLAGE}0011" --name 寿和小院 --households 20
expect_unchanged "$A" 1 "courtyard code '${VILLAGE}01a' must be 15 digits" "${ADD[@]}" --code "${VILLAGE}01a" --name 寿和小院 --households 20
expect_unchanged "$A" 1 "courtyard $CY_OTHER is outside this node's scope $VILLAGE" \
    "${ADD[@]}" --code "$CY_OTHER" --name 寿和小院 --households 20
expect_unchanged "$A" 1 "courtyard 500116101201001 is outside this node's scope" \
    "${ADD[@]}" --code 500116101201001 --name 寿和小院 --households 20
expect_unchanged "$A" 1 "courtyard $CY1 already exists" "${ADD[@]}" --code "$CY1" --name 张家院子 --households 18
expect_unchanged "$A" 1 "courtyard $CY2 already exists" "${ADD[@]}" --code "$CY2" --name 另一个院子 --households 12
expect_unchanged "$A" 1 "households must be a number from 1 to 100000, not 0" \
    "${ADD[@]}" --code "${VILLAGE}010" --name 寿和小院 --households 0
expect_unchanged "$A" 1 "households must be a number from 1 to 100000, not -3" \
    "${ADD[@]}" --code "${VILLAGE}010" --name 寿和小院 --households -3
expect_unchanged "$A" 1 "households must be a number from 1 to 100000" \
    "${ADD[@]}" --code "${VILLAGE}010" --name 寿和小院 --households 100001
expect_unchanged "$A" 2 "--households takes a whole number, not 'abc'" \
    "${ADD[@]}" --code "${VILLAGE}010" --name 寿和小院 --households abc
expect_unchanged "$A" 2 "--households takes a whole number, not '12.5'" \
    "${ADD[@]}" --code "${VILLAGE}010" --name 寿和小院 --households 12.5
expect_unchanged "$A" 2 "--households takes a whole number, not ''" \
    "${ADD[@]}" --code "${VILLAGE}010" --name 寿和小院 --households ""
expect_unchanged "$A" 2 "--residents takes a whole number" \
    "${ADD[@]}" --code "${VILLAGE}010" --name 寿和小院 --households 20 --residents 十
expect_unchanged "$A" 1 "elderly residents \(31\) cannot exceed residents \(30\)" \
    "${ADD[@]}" --code "${VILLAGE}010" --name 寿和小院 --households 12 --residents 30 --elderly 31
expect_unchanged "$A" 1 "residents must be a number from 0" \
    "${ADD[@]}" --code "${VILLAGE}010" --name 寿和小院 --households 12 --residents -5
expect_unchanged "$A" 1 "unknown deliberation point 'roaming' \(expected one of: fixed/固定, mobile/流动, none/无\)" \
    "${ADD[@]}" --code "${VILLAGE}010" --name 寿和小院 --households 20 --point roaming
expect_unchanged "$A" 1 "the courtyard name must not be empty" \
    "${ADD[@]}" --code "${VILLAGE}010" --name "" --households 20
expect_unchanged "$A" 1 "the courtyard name is not valid UTF-8" \
    "${ADD[@]}" --code "${VILLAGE}010" --name $'\xe5\xaf\xbf\xff' --households 20
expect_unchanged "$A" 1 "the courtyard name is longer than 4000 bytes" \
    "${ADD[@]}" --code "${VILLAGE}010" --name "$(printf '寿%.0s' $(seq 1400))" --households 20
expect_unchanged "$A" 1 "the grid is not valid UTF-8" \
    "${ADD[@]}" --code "${VILLAGE}010" --name 寿和小院 --households 20 --grid $'\xc3'
# Missing required options, options of other commands, stray arguments: exit 2.
expect_unchanged "$A" 2 "courtyard add needs --code, --name and --households" "${ADD[@]}" --code "${VILLAGE}010" --name 寿和小院
expect_unchanged "$A" 2 "courtyard add needs --code, --name and --households" "${ADD[@]}" --code "${VILLAGE}010" --households 20
expect_unchanged "$A" 2 "courtyard add needs --code, --name and --households" "${ADD[@]}" --name 寿和小院 --households 20
expect_unchanged "$A" 2 "'courtyard add' does not take --title" \
    "${ADD[@]}" --code "${VILLAGE}010" --name 寿和小院 --households 20 --title 标题
expect_err '^usage: shouhe-node courtyard add'
expect_unchanged "$A" 2 "'courtyard add' does not take --json" "${ADD[@]}" --code "${VILLAGE}010" --name 寿和小院 --households 20 --json
expect_unchanged "$A" 2 "'courtyard add' does not take --courtyard" \
    "${ADD[@]}" --code "${VILLAGE}010" --name 寿和小院 --households 20 --courtyard "$CY1"
expect_unchanged "$A" 2 "unknown option '--colour'" "${ADD[@]}" --code "${VILLAGE}010" --name 寿和小院 --households 20 --colour red
expect_unchanged "$A" 2 "wrong number of arguments" "${ADD[@]}" --code "${VILLAGE}010" --name 寿和小院 --households 20 extra
expect_unchanged "$A" 2 "option '--households' needs a value" "${ADD[@]}" --code "${VILLAGE}010" --name 寿和小院 --households

# The list is as it was.
expect_ok "$NODE" courtyard list --dir "$A" --json
expect_json 'assert len(j) == 5, len(j)'

# A town node may add courtyards of any of its villages, not of another town.
new_node "$T/town" "$TOWN"
expect_ok "$NODE" courtyard add --dir "$T/town" --code "$CY1" --name 张家院子 --households 18
expect_ok "$NODE" courtyard add --dir "$T/town" --code "$CY_OTHER" --name 寿和小院 --households 26 --model
expect_unchanged "$T/town" 1 "outside this node's scope $TOWN" \
    "$NODE" courtyard add --dir "$T/town" --code 500115102201001 --name 刘家院子 --households 15

# Negative counts are refused, -1 included (it must not pass as "not given").
expect_unchanged "$A" 1 "residents must be a number from 0" \
    "${ADD[@]}" --code "${VILLAGE}010" --name 寿和小院 --households 12 --residents -1
expect_unchanged "$A" 1 "elderly" \
    "${ADD[@]}" --code "${VILLAGE}011" --name 寿和小院 --households 12 --elderly -1
