# report_kinds_test.sh -- issue 13, the district's figures: meetings and attendance by kind in
# every report format, a residents' total only over the courtyards that have a count (and none
# when no courtyard has one), equal hexagon areas sharing a rank, and whole-number ticks on the
# escalation chart.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_TESTLIB"

D=$T/v
V=500115001001
expect_ok "$NODE" init --dir "$D" --scope $V
expect_ok "$NODE" courtyard add --dir "$D" --code ${V}001 --name 黄家院 --households 10 --residents 60
expect_ok "$NODE" courtyard add --dir "$D" --code ${V}002 --name 李家湾 --households 20
expect_ok "$NODE" courtyard add --dir "$D" --code ${V}003 --name 王家坝 --households 5 --residents 22
for k in party-masses-day:40 deliberation:12 deliberation:9 longmenzhen:30 bench-lecture:18 other:5; do
    expect_ok "$NODE" meeting record --dir "$D" --courtyard ${V}001 --kind "${k%%:*}" --attendance "${k##*:}" \
        --date 2024-05-10
done
expect_ok "$NODE" meeting record --dir "$D" --courtyard ${V}002 --kind deliberation --date 2024-05-12
expect_ok "$NODE" matter open --dir "$D" --courtyard ${V}002 --category mediation --title 宅基地纠纷 --date 2024-05-01
M=$(head -n1 "$OUT" | grep -oE '[0-9a-f]{32}' | head -n1)
expect_ok "$NODE" matter escalate --dir "$D" "$M" big --date 2024-05-02
# two courtyards with the same hexagon, one below them
for cat in policy deliberation mediation environment customs economy; do
    for c in 001:4 002:4 003:2; do
        expect_ok "$NODE" evaluate --dir "$D" --courtyard ${V}${c%%:*} --period 2024Q2 --category $cat \
            --content "${c##*:}" --effect "${c##*:}" --satisfaction "${c##*:}"
    done
done

expect_ok "$NODE" report --dir "$D" --format json --date 2024-06-15
expect_json '
k = j["meetings_by_kind"]
assert list(k) == ["party_masses_day", "deliberation", "longmenzhen", "bench_lecture", "other"], list(k)
assert k["party_masses_day"] == {"meetings": 1, "attendance": 40}, k
assert k["deliberation"] == {"meetings": 3, "attendance": 21}, k
assert k["longmenzhen"] == {"meetings": 1, "attendance": 30}, k
assert k["bench_lecture"] == {"meetings": 1, "attendance": 18}, k
assert k["other"] == {"meetings": 1, "attendance": 5}, k
assert j["meetings"] == 7 == sum(m["meetings"] for m in k.values())
assert (j["residents"], j["residents_courtyards"], j["courtyards"]) == (82, 2, 3), j
ranks = [(e["code"], e["rank"]) for e in j["courtyard_hexagons"]]
assert ranks == [("'$V'001", 1), ("'$V'002", 1), ("'$V'003", 3)], ranks
'
expect_ok "$NODE" report --dir "$D" --format csv --date 2024-06-15
expect_out '^meetings_by_kind\.deliberation\.meetings,3$'
expect_out '^meetings_by_kind\.deliberation\.attendance,21$'
expect_out '^residents_courtyards,2$'
expect_ok "$NODE" report --dir "$D" --date 2024-06-15
expect_out '^residents 82 \(in 2 of 3 courtyards\)  persons on record 0$'
expect_out '^deliberation +3 +21$'
expect_out '^bench_lecture +1 +18$'
expect_ok "$NODE" report --dir "$D" --format html --date 2024-06-15
expect_out '<tr data-key="meetings_by_kind.deliberation"><th>deliberation 协商议事</th><td class="num">3</td><td class="num">21</td></tr>'
expect_out '<td class="num">82 \(in 2 of 3 courtyards\)</td>'
# one escalation: the chart's ticks are 0 and 1, never 0.25
grep -oE '<text class="tick"[^>]*>[^<]*</text>' "$OUT" | sed 's/<[^>]*>//g' > "$T/ticks"
expect_eq "$(tr '\n' ' ' < "$T/ticks")" "0 1 " "escalation chart ticks"

# no courtyard with a resident count: no residents' total at all
E=$T/e
expect_ok "$NODE" init --dir "$E" --scope $V
expect_ok "$NODE" courtyard add --dir "$E" --code ${V}001 --name 黄家院 --households 10
expect_ok "$NODE" report --dir "$E" --date 2024-06-15
expect_no_out '^residents'
expect_out '^persons on record 0$'
expect_ok "$NODE" report --dir "$E" --format html --date 2024-06-15
expect_out '<tr data-key="residents"><th>residents 居民</th><td class="num">-</td>'

# rankings name towns and villages from their Region records (region set), else the code
W=$T/w
expect_ok "$NODE" init --dir "$W" --scope 500115001
expect_ok "$NODE" region set --dir "$W" --code 500115001 --name 凤城街道
expect_out '^region 500115001: 凤城街道$'
expect_ok "$NODE" region set --dir "$W" --code 500115001001 --name 桃花
expect_ok "$NODE" region set --dir "$W" --code 500115001001 --name 桃花村          # renamed
for c in 500115001001001 500115001002001; do
    expect_ok "$NODE" courtyard add --dir "$W" --code $c --name 院 --households 3
    for cat in policy deliberation mediation environment customs economy; do
        expect_ok "$NODE" evaluate --dir "$W" --courtyard $c --period 2024Q2 --category $cat --content 3 --effect 3 --satisfaction 3
    done
done
expect_ok "$NODE" report --dir "$W" --format json --date 2024-06-15
expect_json '
v = {e["code"]: (e["name"], e["rank"]) for e in j["village_hexagons"]}
assert v == {"500115001001": ("桃花村", 1), "500115001002": ("500115001002", 1)}, v
assert [(e["name"], e["rank"]) for e in j["town_hexagons"]] == [("凤城街道", 1)], j["town_hexagons"]
'
expect_ok "$NODE" report --dir "$W" --date 2024-06-15
expect_out '^凤城街道 +3\.0 '
expect_out '^桃花村 +3\.0 '
expect_out '^500115001002 +3\.0 '
expect_ok "$NODE" report --dir "$W" --format html --date 2024-06-15
expect_out '<td>500115001001</td><td>桃花村</td>'
expect_ok "$NODE" log --dir "$W" --json
expect_json '
assert sum(1 for e in j if e["kind"] == "region") == 3, j
'
expect_fail 1 'outside this node.s scope 500115001' "$NODE" region set --dir "$W" --code 500115002 --name 别镇
expect_fail 1 '6, 9 or 12 digits' "$NODE" region set --dir "$W" --code 5001150011 --name 错
expect_fail 1 'name' "$NODE" region set --dir "$W" --code 500115001002 --name ''
expect_fail 2 'needs --code and --name' "$NODE" region set --dir "$W" --code 500115001002
