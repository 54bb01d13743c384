# import_excel_test.sh -- imports of files as Excel saves them: GBK/GB18030 converted,
# bytes that are neither refused with a hint, Chinese column names, and the people import.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_TESTLIB"

A=$T/a
new_node "$A" "$VILLAGE"

# --- GB18030 (Excel's "CSV" on a Chinese Windows) imports as its UTF-8 twin ----------------
UTF8=$T/courtyards-utf8.csv
{
    printf 'code,name,households,residents,elderly,model,point,grid,villager_group\r\n'
    printf '%s,张家院子,18,52,14,否,固定,网格一,第一村民小组\r\n' "$CY1"
    printf '%s,"寿和小院, 东区",26,81,23,是,流动,网格一,第二村民小组\r\n' "$CY2"
    printf '%s,𠀋家湾,12,,,,,,\r\n' "${VILLAGE}003"     # outside GBK, inside GB18030
} > "$UTF8"
GBK=$T/courtyards-gbk.csv
iconv -f UTF-8 -t GB18030 "$UTF8" > "$GBK" || fail "iconv cannot write GB18030"
cmp -s "$UTF8" "$GBK" && fail "the GB18030 file must differ from its UTF-8 twin"
B=$T/b
new_node "$B" "$VILLAGE"
expect_ok "$NODE" import --dir "$A" courtyards "$UTF8"
expect_out "^imported 3 courtyards"
expect_ok "$NODE" import --dir "$B" courtyards "$GBK"
expect_out "^imported 3 courtyards"
expect_ok "$NODE" courtyard list --dir "$A" --json
LIST_A=$(out)
expect_ok "$NODE" courtyard list --dir "$B" --json
expect_eq "$(out)" "$LIST_A" "the GB18030 file imports the same courtyards as its UTF-8 twin"
expect_json "
by = {c['code']: c for c in j}
assert by['$CY1']['name'] == '张家院子' and by['$CY1']['model'] is False and by['$CY1']['point'] == 'fixed'
assert by['$CY2']['name'] == '寿和小院, 东区' and by['$CY2']['model'] is True and by['$CY2']['point'] == 'mobile'
assert by['${VILLAGE}003']['name'] == '𠀋家湾', by['${VILLAGE}003']
"

# --- bytes that are neither UTF-8 nor GB18030: refused, the line named, the fix said --------
C=$T/c
new_node "$C" "$VILLAGE"
printf 'code,name,households\n%s,abc,20\n%s,\xff\x80x,21\n' "${VILLAGE}010" "${VILLAGE}011" > "$T/neither.csv"
expect_unchanged "$C" 1 "neither.csv: line 3 is neither UTF-8 nor GB18030: save the file as 'CSV UTF-8' in Excel" \
    "$NODE" import --dir "$C" courtyards "$T/neither.csv"
# GB18030 text with one stray byte: still the line, still the hint.
{ printf 'code,name,households\n%s,王家院子,20\n' "${VILLAGE}010" | iconv -f UTF-8 -t GB18030
  printf '%s,\xff,21\n' "${VILLAGE}011"; } > "$T/gbk-stray.csv"
expect_unchanged "$C" 1 "line 3 is neither UTF-8 nor GB18030: save the file as 'CSV UTF-8'" \
    "$NODE" import --dir "$C" courtyards "$T/gbk-stray.csv"
# UTF-16 ("Unicode text" in Excel) is named as such.
printf 'code,name,households\n' | iconv -f UTF-8 -t UTF-16 > "$T/utf16.csv"
expect_unchanged "$C" 1 "utf16.csv is UTF-16 .*save the file as 'CSV UTF-8' in Excel" \
    "$NODE" import --dir "$C" courtyards "$T/utf16.csv"

# --- Chinese column names, in any order, mixed with English ones ----------------------------
printf '\xef\xbb\xbf院落名称,院落编码,户数,人数,老年人数,示范,议事点,网格,村民小组\r\n刘家院子,%s,15,40,9,是,无,网格二,第四村民小组\r\n' \
    "${VILLAGE}020" > "$T/zh-header.csv"
expect_ok "$NODE" import --dir "$C" courtyards "$T/zh-header.csv"
expect_ok "$NODE" courtyard show --dir "$C" "${VILLAGE}020" --json
expect_json "
assert (j['name'], j['households'], j['residents'], j['elderly']) == ('刘家院子', 15, 40, 9), j
assert j['model'] is True and j['point'] == 'none' and j['grid'] == '网格二' and j['villager_group'] == '第四村民小组', j
"
printf 'code,院落名称,households\n%s,马家院子,11\n' "${VILLAGE}021" > "$T/mixed-header.csv"
expect_ok "$NODE" import --dir "$C" courtyards "$T/mixed-header.csv"
# The same column twice (once in each language) and an unknown Chinese column are named.
printf 'code,院落编码,name,households\n%s,%s,马家院子,11\n' "${VILLAGE}022" "${VILLAGE}022" > "$T/twice.csv"
expect_unchanged "$C" 1 "nothing was imported" "$NODE" import --dir "$C" courtyards "$T/twice.csv"
expect_err "line 1, column 2: column 'code' appears twice"
printf '院落编码,院落名称,户数,颜色\n%s,马家院子,11,红\n' "${VILLAGE}022" > "$T/unknown.csv"
expect_unchanged "$C" 1 "nothing was imported" "$NODE" import --dir "$C" courtyards "$T/unknown.csv"
expect_err "line 1, column 4: unknown column '颜色' \(known: code/院落编码 name/院落名称"

# --- people: accepted, with Chinese headers, from GB18030 -----------------------------------
PEOPLE=$T/people.csv
{
    printf '院落编码,姓名,性别,出生年份,党员,电话\r\n'
    printf '%s,张大爷,男,1952,是,13800000001\r\n' "$CY1"
    printf '%s,李阿姨,女,,否,\r\n' "$CY1"
    printf '%s,王小明,,1990,,\r\n' "$CY2"
} | iconv -f UTF-8 -t GB18030 > "$PEOPLE"
expect_ok "$NODE" import --dir "$A" persons "$PEOPLE"
expect_out "^imported 3 persons from "
expect_eq "$(sed -n '2,$p' "$OUT" | grep -Ec '^[0-9a-f]{8}$')" 3 "one short id (8 hex digits) per person"
SHORTS=$(sed -n '2,$p' "$OUT")
expect_ok "$NODE" person list --dir "$A" --json
expect_json "
by = {p['name']: p for p in j}
assert len(j) == 3, j
z = by['张大爷']
assert z['courtyard'] == '$CY1' and z['gender'] == 'male' and z['birth_year'] == 1952, z
assert z['party_member'] is True and z['phone'] == '13800000001', z
assert by['李阿姨']['gender'] == 'female' and by['李阿姨']['party_member'] is False, by['李阿姨']
assert by['王小明']['courtyard'] == '$CY2' and by['王小明']['birth_year'] == 1990
shorts = '''$SHORTS'''.split()
assert sorted(p['id'][:8] for p in j) == sorted(shorts), (shorts, j)
"
# --json: the full ids, in file order, with their short forms.
printf 'courtyard,name,gender,birth_year,party_member,phone\n%s,赵四,male,1960,no,\n' "$CY2" > "$T/one.csv"
expect_ok "$NODE" import --dir "$A" persons "$T/one.csv" --json
ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["persons"][0]["id"])' "$OUT")
expect_json "
assert j['kind'] == 'persons' and j['imported'] == 1, j
p = j['persons'][0]
assert len(p['id']) == 32 and p['short_id'] == p['id'][:8], p
"
expect_ok "$NODE" person list --dir "$A" --json
expect_json "assert any(p['id'] == '$ID' and p['name'] == '赵四' for p in j), j"

# --- people refused: each bad row named by line and column; nothing written ----------------
BADP=$T/bad-people.csv
cat > "$BADP" <<EOF
courtyard,name,gender,birth_year,party_member,phone
${CY1},好人,male,1970,yes,13800000002
${VILLAGE}099,无院,male,1970,no,
${CY_OTHER},外村,female,1970,no,
${CY1},,male,1970,no,
${CY1},性别怪,other,1970,no,
${CY1},太老,male,1800,no,
${CY1},年份怪,male,1950s,no,
${CY1},党员怪,male,1970,maybe,
${CY1},电话怪,male,1970,no,12ab
${CY1},少一列,male,1970,no
EOF
expect_unchanged "$A" 1 "bad-people.csv: 9 bad rows; nothing was imported" \
    "$NODE" import --dir "$A" persons "$BADP"
expect_err "line 3, column 1 \(courtyard\): unknown courtyard ${VILLAGE}099"
expect_err "line 4, column 1 \(courtyard\): unknown courtyard $CY_OTHER \(outside this node's scope\)"
expect_err "line 5, column 2 \(name\): the person's name must not be empty"
expect_err "line 6, column 3 \(gender\): unknown gender 'other'"
expect_err "line 7, column 4 \(birth_year\): birth year 1800 is not plausible"
expect_err "line 8, column 4 \(birth_year\): '1950s' is not a year"
expect_err "line 9, column 5 \(party_member\): 'maybe' is not yes/no"
expect_err "line 10, column 6 \(phone\): the phone number '12ab' is not well-formed"
expect_err "line 11: 5 fields, but the header has 6"
grep -Eq 'line 2[,:]' "$ERR" && fail "the good row (line 2) must not be reported"
expect_ok "$NODE" person list --dir "$A" --json
expect_json "assert len(j) == 4 and not any(p['name'] == '好人' for p in j), j"
# The header: courtyard and name are required.
printf 'name,gender\n赵四,male\n' > "$T/no-courtyard.csv"
expect_unchanged "$A" 1 "nothing was imported" "$NODE" import --dir "$A" persons "$T/no-courtyard.csv"
expect_err "line 1: the header has no 'courtyard' column \(in Chinese '院落编码'; required: courtyard, name\)"
