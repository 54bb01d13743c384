# import_test.sh -- import courtyards from CSV: all or nothing, every bad row named.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_TESTLIB"

A=$T/a
new_node "$A" "$VILLAGE"
IMPORT=("$NODE" import --dir "$A" courtyards)

# --- a good file: BOM, quoted fields (comma, doubled quote), UTF-8 names, CRLF --------------
GOOD=$T/good.csv
{
    printf '\xef\xbb\xbf'
    printf 'code,name,households,residents,elderly,model,point,grid,villager_group\r\n'
    printf '%s,张家院子,18,52,14,no,fixed,网格1,第一村民小组\r\n' "$CY1"
    printf '%s,"寿和小院, 东区",26,81,23,yes,mobile,网格1,第二村民小组\r\n' "$CY2"
    printf '%s,"李家""老""湾",12,,,,,,\r\n' "${VILLAGE}003"
    printf '%s,陈家院子,30,95,31,1,none,"网格2, 北",第三村民小组\r\n' "${VILLAGE}004"
} > "$GOOD"
expect_ok "${IMPORT[@]}" "$GOOD"
expect_eq "$(out)" "imported 4 courtyards from $GOOD" "import reports how many"
expect_ok "$NODE" courtyard list --dir "$A" --json
expect_json "
by = {c['code']: c for c in j}
assert len(j) == 4, len(j)
assert by['$CY1']['name'] == '张家院子' and by['$CY1']['households'] == 18, by['$CY1']
assert (by['$CY1']['residents'], by['$CY1']['elderly'], by['$CY1']['model']) == (52, 14, False)
assert by['$CY1']['point'] == 'fixed' and by['$CY1']['villager_group'] == '第一村民小组'
assert by['$CY2']['name'] == '寿和小院, 东区', by['$CY2']['name']
assert by['$CY2']['model'] is True and by['$CY2']['point'] == 'mobile'
c = by['${VILLAGE}003']
assert c['name'] == '李家\"老\"湾' and c['households'] == 12, c
assert 'residents' not in c and 'point' not in c and 'grid' not in c, c
assert by['${VILLAGE}004']['grid'] == '网格2, 北' and by['${VILLAGE}004']['model'] is True
assert by['${VILLAGE}004']['point'] == 'none'
"
# The code column carries the name (the BOM is not part of it).
expect_ok "$NODE" courtyard show --dir "$A" "$CY1"
expect_out "^courtyard +$CY1 +张家院子\$"
AFTER_GOOD=$(store_state "$A")

# Importing the same file again: every row already exists, nothing written.
expect_unchanged "$A" 1 "4 bad rows; nothing was imported" "${IMPORT[@]}" "$GOOD"
expect_err "line 2, column 1 \(code\): courtyard $CY1 already exists"
expect_err "line 5, column 1 \(code\): courtyard ${VILLAGE}004 already exists"

# Columns in any order; a header alone imports nothing and succeeds.
B=$T/b
new_node "$B" "$VILLAGE"
printf 'households,name,code\n15,刘家院子,%s\n' "${VILLAGE}020" > "$T/order.csv"
expect_ok "$NODE" import --dir "$B" courtyards "$T/order.csv"
expect_out '^imported 1 courtyard from '
expect_ok "$NODE" courtyard show --dir "$B" "${VILLAGE}020" --json
expect_json 'assert j["name"] == "刘家院子" and j["households"] == 15, j'
printf 'code,name,households\n' > "$T/header-only.csv"
expect_ok "$NODE" import --dir "$B" courtyards "$T/header-only.csv"
expect_out '^imported 0 courtyards'

# --- bad rows: every one named by line and column; nothing imported ------------------------
BAD=$T/bad-values.csv
cat > "$BAD" <<EOF
code,name,households,residents,elderly,model
${VILLAGE}010,王家院子,20,60,12,no
${VILLAGE}011,赵家院子,many,40,10,no
${VILLAGE}012,周家院子,22,70,15,yes
5001151012010,吴家院子,23,50,11,no
${VILLAGE}014,郑家院子,0,50,11,no
${CY_OTHER},外村院子,17,50,11,no
${VILLAGE}016,孙家院子,19,30,31,no
${VILLAGE}017,钱家院子,19,30,3,maybe
${VILLAGE}018,,19,30,3,no
${VILLAGE}019,冯家院子,19,lots,3,no
EOF
expect_unchanged "$A" 1 "bad-values.csv: 8 bad rows; nothing was imported" "${IMPORT[@]}" "$BAD"
expect_err "line 3, column 3 \(households\): 'many' is not a whole number"
expect_err "line 5, column 1 \(code\): courtyard code '5001151012010' must be 15 digits"
expect_err "line 6, column 3 \(households\): households must be a number from 1 to 100000, not 0"
expect_err "line 7, column 1 \(code\): courtyard $CY_OTHER is outside this node's scope $VILLAGE"
expect_err "line 8, column 5 \(elderly\): elderly residents \(31\) cannot exceed residents \(30\)"
expect_err "line 9, column 6 \(model\): 'maybe' is not yes/no"
expect_err "line 10, column 2 \(name\): the courtyard name must not be empty"
expect_err "line 11, column 4 \(residents\): 'lots' is not a whole number"
grep -Eq 'line (2|4)[,:]' "$ERR" && fail "the good rows (lines 2 and 4) must not be reported"
expect_eq "$(store_state "$A")" "$AFTER_GOOD" "nothing imported from a file with bad rows"
expect_fail 1 "unknown courtyard ${VILLAGE}010" "$NODE" courtyard show --dir "$A" "${VILLAGE}010"

# The header: an unknown column, a column twice, a missing required column.
printf 'code,name,households,colour\n%s,王家院子,20,red\n' "${VILLAGE}010" > "$T/unknown-col.csv"
expect_unchanged "$A" 1 "nothing was imported" "${IMPORT[@]}" "$T/unknown-col.csv"
expect_err "line 1, column 4: unknown column 'colour'"
printf 'code,name,households,code\n%s,王家院子,20,%s\n' "${VILLAGE}010" "${VILLAGE}010" > "$T/twice.csv"
expect_unchanged "$A" 1 "nothing was imported" "${IMPORT[@]}" "$T/twice.csv"
expect_err "line 1, column 4: column 'code' appears twice"
printf 'code,name\n%s,王家院子\n' "${VILLAGE}010" > "$T/no-households.csv"
expect_unchanged "$A" 1 "nothing was imported" "${IMPORT[@]}" "$T/no-households.csv"
expect_err "line 1: the header has no 'households' column"
printf 'name,households\n王家院子,20\n' > "$T/no-code.csv"
expect_unchanged "$A" 1 "nothing was imported" "${IMPORT[@]}" "$T/no-code.csv"
expect_err "line 1: the header has no 'code' column"

# Invalid UTF-8 in a name (a truncated 寿: e5 af without its last byte).
printf 'code,name,households\n%s,王家院子,20\n%s,\xe5\xaf小院,21\n' "${VILLAGE}010" "${VILLAGE}011" > "$T/utf8.csv"
expect_unchanged "$A" 1 "1 bad row; nothing was imported" "${IMPORT[@]}" "$T/utf8.csv"
expect_err "line 3, column 2 \(name\): the courtyard name is not valid UTF-8"

# A missing file, an empty file, a file with only a BOM.
expect_unchanged "$A" 1 "cannot open $T/missing.csv: No such file" "${IMPORT[@]}" "$T/missing.csv"
: > "$T/empty.csv"
expect_unchanged "$A" 1 "empty.csv is empty: expected a header row" "${IMPORT[@]}" "$T/empty.csv"
printf '\xef\xbb\xbf' > "$T/bom-only.csv"
expect_unchanged "$A" 1 "bom-only.csv is empty" "${IMPORT[@]}" "$T/bom-only.csv"

# Only courtyards and persons can be imported; the argument count is checked.
expect_unchanged "$A" 2 "can import 'courtyards' or 'persons', not 'matters'" "$NODE" import --dir "$A" matters "$GOOD"
expect_unchanged "$A" 2 "wrong number of arguments" "$NODE" import --dir "$A" courtyards
expect_unchanged "$A" 2 "wrong number of arguments" "$NODE" import --dir "$A" courtyards "$GOOD" "$GOOD"
expect_unchanged "$A" 2 "'import' does not take --since" "$NODE" import --dir "$A" courtyards "$GOOD" --since 2024-01-01

# A code that appears twice in the file names both lines (it does not exist in the store).
printf 'code,name,households\n%s,王家院子,20\n%s,赵家院子,21\n%s,重复院子,24\n' \
    "${VILLAGE}010" "${VILLAGE}011" "${VILLAGE}010" > "$T/dup.csv"
expect_unchanged "$A" 1 "1 bad row; nothing was imported" "${IMPORT[@]}" "$T/dup.csv"
expect_err "line 4, column 1 \(code\): courtyard ${VILLAGE}010 also appears on line 2"

# A malformed CSV (unterminated quote, stray quote) is bad input: exit 1, line named.
printf 'code,name,households\n%s,王家院子,20\n"%s,赵家院子,21\n' "${VILLAGE}010" "${VILLAGE}011" > "$T/quote.csv"
expect_unchanged "$A" 1 "quote.csv: line 3: unterminated quoted field" "${IMPORT[@]}" "$T/quote.csv"
printf 'code,name,households\n%s,王家院子,20\n%s,赵"家院子,21\n' "${VILLAGE}010" "${VILLAGE}011" > "$T/stray.csv"
expect_unchanged "$A" 1 "stray.csv: line 3" "${IMPORT[@]}" "$T/stray.csv"

# The file of the brief: several bad rows of every sort, a row with a wrong field count
# among them. Each is named; nothing is imported.
MIXED=$T/mixed.csv
cat > "$MIXED" <<EOF
code,name,households
${VILLAGE}010,王家院子,20
${VILLAGE}011,赵家院子,many
${VILLAGE}012,周家院子,22
5001151012010,吴家院子,23
${VILLAGE}010,重复院子,24
${VILLAGE}014,多列院子,25,extra
${VILLAGE}015,孙家院子
${VILLAGE}016,郑家院子,16
EOF
expect_unchanged "$A" 1 "mixed.csv: 5 bad rows; nothing was imported" "${IMPORT[@]}" "$MIXED"
expect_err "line 3, column 3 \(households\): 'many' is not a whole number"
expect_err "line 5, column 1 \(code\): courtyard code '5001151012010' must be 15 digits"
expect_err "line 6, column 1 \(code\): courtyard ${VILLAGE}010 "
expect_err "line 7: 4 fields, but the header has 3"
expect_err "line 8: 2 fields, but the header has 3"
expect_eq "$(store_state "$A")" "$AFTER_GOOD" "nothing imported from the mixed file"
