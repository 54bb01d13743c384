# ids_test.sh -- short ids (unique prefixes), corrections (courtyard set, person set,
# matter amend, a role's appointment), history (show --history) and `matter show` text.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_TESTLIB"

A=$T/a
new_node "$A" "$VILLAGE"
expect_ok "$NODE" courtyard add --dir "$A" --code "$CY1" --name 张家院子 --households 18 --residents 52 \
    --elderly 10 --grid 一网格
expect_ok "$NODE" person add --dir "$A" --name 张大爷 --courtyard "$CY1" --birth-year 1952 --phone 13800000001
P1=$(out)
expect_ok "$NODE" matter open --dir "$A" --courtyard "$CY1" --category policy --title 路灯坏了
M1=$(out)
UP1=$(echo "${P1:0:6}" | tr a-f A-F)

# --- short ids --------------------------------------------------------------------------------
expect_ok "$NODE" person list --dir "$A"
expect_out "^${P1:0:8} $CY1 张大爷\$"
expect_ok "$NODE" matter list --dir "$A"
expect_out "^${M1:0:8} micro"
expect_ok "$NODE" matter show --dir "$A" "${M1:0:8}" --json       # the short id lists print is accepted back
expect_json "assert j['id'] == '$M1'"
expect_ok "$NODE" matter show --dir "$A" "${M1:0:6}"               # 6 digits are enough
expect_out "^matter     ${M1:0:8}  \\($M1\\)\$"
expect_ok "$NODE" points earn --dir "$A" --person "$UP1" --amount 3   # any case
expect_out "^$P1 balance: 3 points\$"
expect_ok "$NODE" role assign --dir "$A" --person "${P1:0:7}" --role courtyard-head --nomination self
expect_eq "$(out)" "appointed $P1 as courtyard-head" "role assign with a short id"
expect_unchanged "$A" 1 "person id '${P1:0:5}' is not 6 to 32 hex digits" \
    "$NODE" points earn --dir "$A" --person "${P1:0:5}" --amount 1
expect_unchanged "$A" 1 "matter id 'xyz123' is not 6 to 32 hex digits" "$NODE" matter note --dir "$A" xyz123 hi
NOPE=$( [ "${M1:0:6}" = 000000 ] && echo 111111 || echo 000000 )
expect_unchanged "$A" 1 "unknown matter $NOPE\$" "$NODE" matter step --dir "$A" "$NOPE" handle
# a person's id is not a matter's
expect_unchanged "$A" 1 "unknown matter ${P1:0:8}" "$NODE" matter show --dir "$A" "${P1:0:8}"
# (an ambiguous prefix, listing every record it matches: sh_ids_test, which writes chosen ids)

# --- courtyard set ----------------------------------------------------------------------------
CS=("$NODE" courtyard set --dir "$A" --code "$CY1")
expect_ok "${CS[@]}" --name 张家大院 --households 20
expect_eq "$(out)" "courtyard $CY1 corrected" "courtyard set confirms"
expect_ok "${CS[@]}" --residents 60 --model --grid ""
expect_ok "$NODE" courtyard show --dir "$A" "$CY1" --json
expect_json "assert (j['name'], j['households'], j['residents'], j['elderly'], j['model']) == ('张家大院', 20, 60, 10, True), j"
expect_json "assert j.get('grid', '') == ''"
expect_ok "${CS[@]}" --no-model
expect_ok "$NODE" courtyard show --dir "$A" "$CY1" --json
expect_json "assert j['model'] is False"
expect_unchanged "$A" 1 "elderly residents \(61\) cannot exceed residents \(60\)" "${CS[@]}" --elderly 61
expect_unchanged "$A" 1 "residents 500 are more than 20 per household" "${CS[@]}" --residents 500
expect_unchanged "$A" 1 "residents 450 are more than 20 per household" "${CS[@]}" --households 2 --residents 450
expect_unchanged "$A" 1 "the courtyard name holds U\+200B" "${CS[@]}" --name $'张家\xe2\x80\x8b大院'
expect_unchanged "$A" 1 "the courtyard name must not be empty" "${CS[@]}" --name ""
expect_unchanged "$A" 1 "households must be a number from 1 to 100000, not 0" "${CS[@]}" --households 0
expect_unchanged "$A" 1 "unknown deliberation point 'x'" "${CS[@]}" --point x
expect_unchanged "$A" 1 "nothing to change" "${CS[@]}"
expect_unchanged "$A" 1 "unknown courtyard ${VILLAGE}099" "$NODE" courtyard set --dir "$A" --code "${VILLAGE}099" --name x
expect_unchanged "$A" 1 "unknown courtyard $CY_OTHER \(outside this node's scope\)" \
    "$NODE" courtyard set --dir "$A" --code "$CY_OTHER" --name x
expect_unchanged "$A" 2 "give --model or --no-model, not both" "${CS[@]}" --model --no-model
expect_unchanged "$A" 2 "courtyard set needs --code" "$NODE" courtyard set --dir "$A" --name x

# --- person set -------------------------------------------------------------------------------
PS=("$NODE" person set --dir "$A" "${P1:0:8}")
expect_ok "${PS[@]}" --phone 13900000002 --party-member
expect_eq "$(out)" "person ${P1:0:8} corrected" "person set confirms"
expect_ok "${PS[@]}" --name 张德明 --gender male --birth-year 1950 --no-party-member
expect_ok "$NODE" person show --dir "$A" "${P1:0:8}" --json
expect_json "assert (j['name'], j['phone'], j['birth_year'], j['gender'], j['party_member'], j['courtyard']) == ('张德明', '13900000002', 1950, 'male', False, '$CY1'), j"
expect_unchanged "$A" 1 "phone" "${PS[@]}" --phone 12ab
expect_unchanged "$A" 1 "birth year 1800 is not plausible" "${PS[@]}" --birth-year 1800
expect_unchanged "$A" 1 "the person's name holds U\+202E" "${PS[@]}" --name $'张\xe2\x80\xae德明'
expect_unchanged "$A" 1 "unknown gender 'x'" "${PS[@]}" --gender x
expect_unchanged "$A" 1 "nothing to change" "${PS[@]}"
expect_unchanged "$A" 1 "unknown person $NOPE" "$NODE" person set --dir "$A" "$NOPE" --name x
expect_unchanged "$A" 2 "'person set' does not take --courtyard" "${PS[@]}" --courtyard "$CY1"

# --- history ----------------------------------------------------------------------------------
expect_ok "$NODE" person show --dir "$A" "${P1:0:8}" --history --json
expect_json "h = j['history']; assert len(h) == 3, h
assert h[0]['fields'] == {'name': '张德明', 'gender': 'male', 'birth_year': 1950, 'party_member': False}, h[0]
assert h[1]['fields'] == {'phone': '13900000002', 'party_member': True}, h[1]
assert h[2]['fields']['name'] == '张大爷' and h[2]['fields']['phone'] == '13800000001'
assert h[0]['hlc'] > h[1]['hlc'] > h[2]['hlc'] and all(e['op'] == 'put' and len(e['author']) == 64 for e in h)
assert all(e['time_ms'] == e['hlc'] >> 16 and e['by'] == '' for e in h)"
expect_ok "$NODE" person show --dir "$A" "${P1:0:8}" --history
expect_out "^history \\(newest first\\):"
expect_out "^  [0-9-]{10} [0-9:]{5}  [0-9a-f]{8} +put  name=\"张德明\""
expect_out "^  [0-9-]{10} [0-9:]{5}  [0-9a-f]{8} +put  party_member=true  phone=\"13900000002\""
expect_ok "$NODE" courtyard show --dir "$A" "$CY1" --history --json
expect_json "assert [sorted(e['fields']) for e in j['history'][:3]] == [['model'], ['grid', 'model', 'residents'], ['households', 'name']]"

# --- matter amend -----------------------------------------------------------------------------
MA=("$NODE" matter amend --dir "$A" "${M1:0:8}")
expect_ok "${MA[@]}" --title 路灯不亮 --description $'三盏\n都坏了' --category environment
expect_eq "$(out)" "matter ${M1:0:8} amended" "matter amend confirms"
expect_ok "$NODE" matter show --dir "$A" "$M1" --json
expect_json "assert (j['title'], j['description'], j['category']) == ('路灯不亮', '三盏\n都坏了', 'environment')"
expect_unchanged "$A" 1 "the title must not be empty" "${MA[@]}" --title ""
expect_unchanged "$A" 1 "unknown category 'x'" "${MA[@]}" --category x
expect_unchanged "$A" 1 "the title holds U\+0007" "${MA[@]}" --title $'a\ab'
expect_unchanged "$A" 1 "nothing to change" "${MA[@]}"
expect_ok "$NODE" matter note --dir "$A" "${M1:0:8}" 村民反映三户没有灯
expect_ok "$NODE" matter step --dir "$A" "${M1:0:8}" handle --note 已换灯泡
expect_unchanged "$A" 1 "the category can change only before the consult step .*this matter is at handle" \
    "${MA[@]}" --category policy
expect_ok "${MA[@]}" --title 路灯不亮（已修）                        # the title still may change
expect_ok "$NODE" matter step --dir "$A" "${M1:0:8}" feedback
expect_ok "$NODE" matter close --dir "$A" "${M1:0:8}" --satisfaction 4 --note 满意
expect_unchanged "$A" 1 "this matter is at feedback, closed" "${MA[@]}" --category policy
expect_ok "$NODE" matter show --dir "$A" "${M1:0:8}" --history --json
expect_json "assert [sorted(e['fields']) for e in j['history']] == [['title'], ['category', 'description', 'title'], ['category', 'courtyard', 'opened_on', 'title']]"

# --- matter show text: notes, satisfaction, who and when --------------------------------------
KEY=$("$NODE" key --dir "$A")
expect_ok "$NODE" matter show --dir "$A" "${M1:0:8}"
expect_out "^title      路灯不亮（已修）\$"
expect_out "^description 三盏<U\\+000A>都坏了\$"
expect_out "^satisfaction 4 of 5\$"
expect_out "^event      [0-9-]{10} note +村民反映三户没有灯   by ${KEY:0:8} at [0-9-]{10} [0-9:]{5}\$"
expect_out "^event      [0-9-]{10} step +handle: 已换灯泡   by ${KEY:0:8} at "
expect_out "^event      [0-9-]{10} close +satisfaction 4: 满意   by ${KEY:0:8} at "

# --- a role's appointment corrected -------------------------------------------------------------
expect_ok "$NODE" role assign --dir "$A" --person "${P1:0:8}" --role courtyard-head --nomination recommended
expect_eq "$(out)" "corrected the appointment of $P1 as courtyard-head" "a second assign corrects"
expect_ok "$NODE" courtyard show --dir "$A" "$CY1" --json
expect_json "r = [x for x in j['roles'] if x['role'] == 'courtyard_head']; assert len(r) == 1 and r[0]['nomination'] == 'recommended', r"
expect_unchanged "$A" 1 "already holds the role courtyard-head \(to correct the appointment, give --nomination or --date\)" \
    "$NODE" role assign --dir "$A" --person "${P1:0:8}" --role courtyard-head

# --- --date in the help of every command that takes it ---------------------------------------
for c in "matter open" "matter step" "matter escalate" "matter close" "matter note" "role assign" \
         "role dismiss" "points earn" "points redeem" "meeting record" "mediation record"; do
    # shellcheck disable=SC2086
    expect_ok "$NODE" $c --help
    expect_out "\\[--date D\\]"
done
