# meeting_mediation_test.sh -- meeting record / list, mediation record / list.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_TESTLIB"

A=$T/a
new_node "$A" "$VILLAGE"
expect_ok "$NODE" courtyard add --dir "$A" --code "$CY1" --name 张家院子 --households 18
expect_ok "$NODE" courtyard add --dir "$A" --code "$CY2" --name 寿和小院 --households 26 --model --point fixed
expect_ok "$NODE" matter open --dir "$A" --courtyard "$CY1" --category mediation --title 排水沟堵塞纠纷 --date 2024-03-28
M=$(out)

# --- meetings ------------------------------------------------------------------------------------
expect_ok "$NODE" meeting list --dir "$A"
expect_out '^0 meetings$'
MR=("$NODE" meeting record --dir "$A")
expect_ok "${MR[@]}" --courtyard "$CY2" --kind party-masses-day --date 2024-03-05 --attendance 36 \
    --topic 环境整治 --topic 积分超市兑换 --topic 时间银行 --decision 每月第一个周五清扫院坝 \
    --decision 设立积分公示榜 --location 寿和小院院坝
expect_out '^[0-9a-f]{32}$'
MT1=$(out)
expect_ok "${MR[@]}" --courtyard "$CY2" --kind deliberation --date 2024-03-18 --attendance 12 --topic 院落道路硬化
MT2=$(out)
expect_ok "${MR[@]}" --courtyard "$CY1" --kind longmenzhen --date 2024-02-29
MT3=$(out)
expect_ok "${MR[@]}" --courtyard "$CY1" --kind bench-lecture --attendance 0
expect_ok "${MR[@]}" --courtyard "$CY1" --kind other --date 2024-12-31

expect_ok "$NODE" meeting list --dir "$A"
expect_out "^${MT1:0:8} 2024-03-05 $CY2 +party_masses_day +36\$"
expect_out "^${MT3:0:8} 2024-02-29 $CY1 +longmenzhen "
expect_out '^5 meetings$'
expect_ok "$NODE" meeting list --dir "$A" --json
expect_json "
by = {m['id']: m for m in j}
assert len(j) == 5, j
m = by['$MT1']
assert m['courtyard'] == '$CY2' and m['kind'] == 'party_masses_day' and m['date'] == '2024-03-05', m
assert m['attendance'] == 36 and m['location'] == '寿和小院院坝', m
assert m['topics'] == ['环境整治', '积分超市兑换', '时间银行'], m['topics']
assert m['decisions'] == ['每月第一个周五清扫院坝', '设立积分公示榜'], m['decisions']
assert by['$MT2']['topics'] == ['院落道路硬化'] and by['$MT2'].get('decisions', []) == []
assert 'attendance' not in by['$MT3'] and by['$MT3']['kind'] == 'longmenzhen'
assert sorted(m['kind'] for m in j) == sorted(['party_masses_day', 'deliberation', 'longmenzhen', 'bench_lecture', 'other'])
"
expect_ok "$NODE" meeting list --dir "$A" --courtyard "$CY2" --json
expect_json "assert sorted(m['id'] for m in j) == sorted(['$MT1', '$MT2']), j"

expect_unchanged "$A" 1 "unknown meeting kind 'picnic' \(expected one of: party.masses.day/党群服务日, deliberation/协商议事, longmenzhen/龙门阵, bench.lecture/板凳讲堂, other/其他\)" \
    "${MR[@]}" --courtyard "$CY1" --kind picnic
expect_unchanged "$A" 1 "date '2024-02-30' is not a valid YYYY-MM-DD date" "${MR[@]}" --courtyard "$CY1" --kind deliberation --date 2024-02-30
expect_unchanged "$A" 1 "date '2023-02-29' is not a valid" "${MR[@]}" --courtyard "$CY1" --kind deliberation --date 2023-02-29
expect_unchanged "$A" 1 "date '2024-04-31' is not a valid" "${MR[@]}" --courtyard "$CY1" --kind deliberation --date 2024-04-31
expect_unchanged "$A" 1 "date '24-03-05' is not a valid" "${MR[@]}" --courtyard "$CY1" --kind deliberation --date 24-03-05
expect_unchanged "$A" 1 "date '2024/03/05' is not a valid" "${MR[@]}" --courtyard "$CY1" --kind deliberation --date 2024/03/05
expect_unchanged "$A" 1 "attendance must be a number from 0 to 100000" "${MR[@]}" --courtyard "$CY1" --kind deliberation --attendance -5
expect_unchanged "$A" 1 "a topic must not be empty" "${MR[@]}" --courtyard "$CY1" --kind deliberation --topic 环境 --topic ""
expect_unchanged "$A" 1 "a decision must not be empty" "${MR[@]}" --courtyard "$CY1" --kind deliberation --decision ""
expect_unchanged "$A" 1 "unknown courtyard ${VILLAGE}099" "${MR[@]}" --courtyard "${VILLAGE}099" --kind deliberation
expect_unchanged "$A" 1 "unknown courtyard $CY_OTHER" "${MR[@]}" --courtyard "$CY_OTHER" --kind deliberation
TOPICS=()
for i in $(seq 33); do TOPICS+=(--topic "议题$i"); done
expect_unchanged "$A" 2 "at most 32 --topic values" "${MR[@]}" --courtyard "$CY1" --kind deliberation "${TOPICS[@]}"
expect_unchanged "$A" 2 "meeting record needs --courtyard and --kind" "${MR[@]}" --courtyard "$CY1"
expect_unchanged "$A" 2 "'meeting record' does not take --outcome" "${MR[@]}" --courtyard "$CY1" --kind other --outcome resolved
expect_unchanged "$A" 2 "--attendance takes a whole number" "${MR[@]}" --courtyard "$CY1" --kind other --attendance 三十
# 32 topics are fine.
expect_ok "${MR[@]}" --courtyard "$CY1" --kind deliberation "${TOPICS[@]:0:64}"
expect_ok "$NODE" meeting list --dir "$A" --json
expect_json 'assert max(len(m.get("topics", [])) for m in j) == 32'

# --- mediations -----------------------------------------------------------------------------------
expect_ok "$NODE" mediation list --dir "$A"
expect_out '^0 mediations$'
MD=("$NODE" mediation record --dir "$A")
expect_ok "${MD[@]}" --courtyard "$CY1" --level courtyard --kind neighbour --outcome resolved --parties 2 \
    --summary 排水沟堵塞，两户协商疏通 --matter "$M" --date 2024-04-01
expect_out '^[0-9a-f]{32}$'
D1=$(out)
expect_ok "${MD[@]}" --courtyard "$CY1" --level group --kind land --outcome partial --parties 3 --date 2024-04-08
D2=$(out)
expect_ok "${MD[@]}" --courtyard "$CY2" --level village --kind family --outcome referred
D3=$(out)
expect_ok "${MD[@]}" --courtyard "$CY2" --level village --kind property --outcome unresolved --parties 4
expect_ok "${MD[@]}" --courtyard "$CY2" --level courtyard --kind other --outcome resolved
expect_ok "$NODE" mediation list --dir "$A"
expect_out "^${D1:0:8} 2024-04-01 $CY1 +courtyard +neighbour +resolved\$"
expect_out "^${D2:0:8} 2024-04-08 $CY1 +group +land +partial\$"
expect_out '^5 mediations$'
expect_ok "$NODE" mediation list --dir "$A" --json
expect_json "
by = {m['id']: m for m in j}
assert len(j) == 5, j
d = by['$D1']
assert (d['level'], d['kind'], d['outcome'], d['parties']) == ('courtyard', 'neighbour', 'resolved', 2), d
assert d['matter'] == '$M' and d['summary'] == '排水沟堵塞，两户协商疏通' and d['date'] == '2024-04-01', d
assert (by['$D3']['level'], by['$D3']['outcome']) == ('village', 'referred') and 'parties' not in by['$D3']
assert sorted(set(m['outcome'] for m in j)) == ['partial', 'referred', 'resolved', 'unresolved']
"
expect_ok "$NODE" mediation list --dir "$A" --courtyard "$CY1" --json
expect_json "assert sorted(m['id'] for m in j) == sorted(['$D1', '$D2']), j"

MDOK=(--courtyard "$CY1" --level courtyard --kind neighbour --outcome resolved)
expect_unchanged "$A" 1 "a mediation has at least 2 parties, not 1" "${MD[@]}" "${MDOK[@]}" --parties 1
expect_unchanged "$A" 1 "a mediation has at least 2 parties, not 0" "${MD[@]}" "${MDOK[@]}" --parties 0
expect_unchanged "$A" 1 "unknown mediation level 'town' \(expected one of: courtyard/院落, group/村民小组, village/村\)" \
    "${MD[@]}" --courtyard "$CY1" --level town --kind neighbour --outcome resolved
expect_unchanged "$A" 1 "unknown mediation kind 'feud' \(expected one of: neighbour/邻里纠纷, family/家庭纠纷, land/土地纠纷, property/财产纠纷, other/其他\)" \
    "${MD[@]}" --courtyard "$CY1" --level village --kind feud --outcome resolved
expect_unchanged "$A" 1 "unknown mediation outcome 'won' \(expected one of: resolved/已化解, partial/部分化解, unresolved/未化解, referred/已上交\)" \
    "${MD[@]}" --courtyard "$CY1" --level village --kind land --outcome won
expect_unchanged "$A" 1 "unknown matter 00000000000000000000000000000000" \
    "${MD[@]}" "${MDOK[@]}" --matter 00000000000000000000000000000000
expect_unchanged "$A" 1 "matter id 'M1' is not 6 to 32 hex digits" "${MD[@]}" "${MDOK[@]}" --matter M1
expect_unchanged "$A" 1 "date '2024-02-30' is not a valid" "${MD[@]}" "${MDOK[@]}" --date 2024-02-30
expect_unchanged "$A" 1 "unknown courtyard ${VILLAGE}099" \
    "${MD[@]}" --courtyard "${VILLAGE}099" --level courtyard --kind neighbour --outcome resolved
expect_unchanged "$A" 2 "mediation record needs --courtyard, --level, --kind and --outcome" \
    "${MD[@]}" --courtyard "$CY1" --level courtyard --kind neighbour
expect_unchanged "$A" 2 "'mediation record' does not take --topic" "${MD[@]}" "${MDOK[@]}" --topic 纠纷
expect_unchanged "$A" 2 "--parties takes a whole number" "${MD[@]}" "${MDOK[@]}" --parties two

# -1 is a number like any other: refused, not taken for "not given".
expect_unchanged "$A" 1 "attendance must be a number from 0" "${MR[@]}" --courtyard "$CY1" --kind deliberation --attendance -1
expect_unchanged "$A" 1 "a mediation has at least 2 parties, not -1" "${MD[@]}" "${MDOK[@]}" --parties -1
