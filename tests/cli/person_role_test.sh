# person_role_test.sh -- person add / list, role assign / dismiss.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_TESTLIB"

A=$T/a
new_node "$A" "$VILLAGE"
expect_ok "$NODE" courtyard add --dir "$A" --code "$CY1" --name 张家院子 --households 18 --residents 52
expect_ok "$NODE" courtyard add --dir "$A" --code "$CY2" --name 寿和小院 --households 26 --model

# --- person add -------------------------------------------------------------------------
expect_ok "$NODE" person list --dir "$A" --json
expect_json 'assert j == []'

expect_ok "$NODE" person add --dir "$A" --name 张大爷 --courtyard "$CY1" --gender male --birth-year 1952 \
    --party-member --phone 13800000001
expect_out '^[0-9a-f]{32}$'
expect_eq "$(wc -l < "$OUT")" 1 "person add prints only the id"
P1=$(out)
expect_ok "$NODE" person add --dir "$A" --name 李阿姨 --courtyard "$CY1" --gender female
P2=$(out)
expect_ok "$NODE" person add --dir "$A" --name 王小明 --courtyard "$CY2"
expect_out '^[0-9a-f]{32}$'
P3=$(out)
[ "$P1" != "$P2" ] && [ "$P2" != "$P3" ] || fail "person ids must differ"

# Refusals.
PADD=("$NODE" person add --dir "$A")
expect_unchanged "$A" 1 "unknown courtyard ${VILLAGE}099" "${PADD[@]}" --name 赵四 --courtyard "${VILLAGE}099"
expect_unchanged "$A" 1 "unknown courtyard $CY_OTHER \(outside this node's scope\)" "${PADD[@]}" --name 赵四 --courtyard "$CY_OTHER"
expect_unchanged "$A" 1 "courtyard code '${VILLAGE}' must be 15 digits" "${PADD[@]}" --name 赵四 --courtyard "$VILLAGE"
expect_unchanged "$A" 1 "the person's name must not be empty" "${PADD[@]}" --name "" --courtyard "$CY1"
expect_unchanged "$A" 1 "unknown gender 'other' \(expected one of: female/女, male/男\)" "${PADD[@]}" --name 赵四 --courtyard "$CY1" --gender other
expect_unchanged "$A" 1 "birth year 1800 is not plausible" "${PADD[@]}" --name 赵四 --courtyard "$CY1" --birth-year 1800
expect_unchanged "$A" 2 "--birth-year takes a whole number" "${PADD[@]}" --name 赵四 --courtyard "$CY1" --birth-year 1950s
expect_unchanged "$A" 2 "person add needs --name and --courtyard" "${PADD[@]}" --name 赵四
expect_unchanged "$A" 2 "person add needs --name and --courtyard" "${PADD[@]}" --courtyard "$CY1"
expect_unchanged "$A" 2 "'person add' does not take --households" "${PADD[@]}" --name 赵四 --courtyard "$CY1" --households 3

# --- person list ---------------------------------------------------------------------------
expect_ok "$NODE" person list --dir "$A"
expect_out "^${P1:0:8} $CY1 张大爷\$"
expect_out "^${P2:0:8} $CY1 李阿姨\$"
expect_out "^${P3:0:8} $CY2 王小明\$"
expect_eq "$(wc -l < "$OUT")" 5 "a header, three persons and the count line"
expect_out "^3 persons\$"
expect_ok "$NODE" person list --dir "$A" --json
expect_json "
by = {p['id']: p for p in j}
assert len(j) == 3, j
p = by['$P1']
assert p['name'] == '张大爷' and p['courtyard'] == '$CY1' and p['gender'] == 'male', p
assert p['birth_year'] == 1952 and p['party_member'] is True and p['phone'] == '13800000001', p
assert by['$P2']['gender'] == 'female' and by['$P2']['party_member'] is False
assert by['$P3']['courtyard'] == '$CY2' and 'gender' not in by['$P3']
"
expect_ok "$NODE" person list --dir "$A" --courtyard "$CY2" --json
expect_json "assert [p['id'] for p in j] == ['$P3'], j"
expect_ok "$NODE" person list --dir "$A" --courtyard "${VILLAGE}099"
expect_out "^0 persons\$"
expect_fail 2 "'person list' does not take --name" "$NODE" person list --dir "$A" --name 张大爷

# --- role assign / dismiss --------------------------------------------------------------------
expect_ok "$NODE" role assign --dir "$A" --person "$P1" --role courtyard-head --nomination self --date 2024-03-01
expect_eq "$(out)" "appointed $P1 as courtyard-head" "assign confirms"
expect_ok "$NODE" role assign --dir "$A" --person "$P2" --role deliberation-head --nomination recommended
expect_ok "$NODE" role assign --dir "$A" --person "$P1" --role party-group-leader
expect_ok "$NODE" role assign --dir "$A" --person "$P2" --role management-group
expect_ok "$NODE" role assign --dir "$A" --person "$P3" --role bay-head --date 2024-05-20
expect_ok "$NODE" courtyard show --dir "$A" "$CY1" --json
expect_json "
roles = {(r['person'], r['role']): r for r in j['roles']}
assert len(roles) == 4, j['roles']
r = roles[('$P1', 'courtyard_head')]
assert r['status'] == 'appointed' and r['nomination'] == 'self' and r['appointed_on'] == '2024-03-01', r
assert r['name'] == '张大爷', r
assert roles[('$P2', 'deliberation_head')]['nomination'] == 'recommended'
assert j['persons'] == 2, j
"
expect_ok "$NODE" courtyard show --dir "$A" "$CY1"
expect_out '^role +courtyard_head +appointed +张大爷'

RA=("$NODE" role assign --dir "$A")
RD=("$NODE" role dismiss --dir "$A")
expect_unchanged "$A" 1 "person $P1 already holds the role courtyard-head" "${RA[@]}" --person "$P1" --role courtyard-head
expect_unchanged "$A" 1 "unknown role 'chief' \(expected one of: courtyard.head/院落长, bay.head/湾长, deliberation.head/议事长, management.group/管理小组成员, party.group.leader/党小组长\)" \
    "${RA[@]}" --person "$P1" --role chief
expect_unchanged "$A" 1 "unknown role 'chief' \(expected one of: " "${RD[@]}" --person "$P1" --role chief
expect_unchanged "$A" 1 "unknown person 00000000000000000000000000000000" \
    "${RA[@]}" --person 00000000000000000000000000000000 --role bay-head
expect_unchanged "$A" 1 "unknown person 00000000000000000000000000000000" \
    "${RD[@]}" --person 00000000000000000000000000000000 --role bay-head
expect_unchanged "$A" 1 "person id 'P1' is not 6 to 32 hex digits" "${RA[@]}" --person P1 --role bay-head
expect_unchanged "$A" 1 "unknown nomination 'bribed' \(expected one of: self/自荐, recommended/推荐\)" \
    "${RA[@]}" --person "$P3" --role courtyard-head --nomination bribed
expect_unchanged "$A" 1 "date '2024-13-01' is not a valid YYYY-MM-DD date" \
    "${RA[@]}" --person "$P3" --role courtyard-head --date 2024-13-01
expect_unchanged "$A" 2 "role assign needs --person ID and --role ROLE" "${RA[@]}" --person "$P3"
expect_unchanged "$A" 2 "role dismiss needs --person ID and --role ROLE" "${RD[@]}" --role bay-head
expect_unchanged "$A" 2 "'role assign' does not take --reason" "${RA[@]}" --person "$P3" --role bay-head --reason x
expect_unchanged "$A" 2 "'role dismiss' does not take --nomination" "${RD[@]}" --person "$P3" --role bay-head --nomination self

# Dismissing someone not in office is refused (never appointed, or a role they do not hold).
expect_unchanged "$A" 1 "person $P3 does not hold the role courtyard-head: nobody to dismiss" \
    "${RD[@]}" --person "$P3" --role courtyard-head
expect_ok "${RD[@]}" --person "$P1" --role courtyard-head --reason 外出务工 --date 2024-09-30
expect_eq "$(out)" "dismissed $P1 as courtyard-head" "dismiss confirms"
expect_ok "$NODE" courtyard show --dir "$A" "$CY1" --json
expect_json "
r = [r for r in j['roles'] if r['person'] == '$P1' and r['role'] == 'courtyard_head'][0]
assert r['status'] == 'dismissed' and r['dismissed_on'] == '2024-09-30' and r['reason'] == '外出务工', r
"
# ... and dismissing again is refused: nobody in office.
expect_unchanged "$A" 1 "person $P1 does not hold the role courtyard-head: nobody to dismiss" \
    "${RD[@]}" --person "$P1" --role courtyard-head
# A dismissed person may be appointed again.
expect_ok "${RA[@]}" --person "$P1" --role courtyard-head --nomination recommended
expect_ok "$NODE" courtyard show --dir "$A" "$CY1" --json
expect_json "
r = [r for r in j['roles'] if r['person'] == '$P1' and r['role'] == 'courtyard_head'][0]
assert r['status'] == 'appointed', r
"
