# plausibility_test.sh -- plausibility rules at entry and in `conflicts`, reports as of a date
# (issue 12; docs/protocol.md 6.3, 7.8, 12.7; docs/reports.md). The figures -- a meeting
# a year ahead, a birth year of 2030, a phone number abc, 500 attendees in a courtyard of 12
# households, a step dated before its matter was opened -- are refused with exit 1 and a message
# naming field, value and rule; the boundaries are accepted. A meeting dated ahead by a node
# whose clock was 3 days fast is not counted by a report as of today, but by one as of 3 days
# later, and once the clock is corrected `conflicts` lists it as implausible.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_TESTLIB"

A=$T/a
new_node "$A" "$VILLAGE"
TODAY=$(date +%F)
D1=$(date -d "$TODAY +1 day" +%F)
D2=$(date -d "$TODAY +2 days" +%F)
D3=$(date -d "$TODAY +3 days" +%F)
NEXT_YEAR=$(date -d "$TODAY +1 year" +%F)
YEAR=$(date +%Y)

# --- courtyards: at most 20 residents per household -----------------------------------------------
expect_unchanged "$A" 1 "residents 500 are more than 20 per household \(12 households: at most 240\)" \
    "$NODE" courtyard add --dir "$A" --code "$CY1" --name 张家院子 --households 12 --residents 500
expect_ok "$NODE" courtyard add --dir "$A" --code "$CY1" --name 张家院子 --households 12 --residents 40
expect_ok "$NODE" courtyard add --dir "$A" --code "$CY2" --name 寿和小院 --households 12

# the CSV import names line and column and imports nothing
CSV=$T/yards.csv
printf 'code,name,households,residents\n%s003,三院,12,240\n%s004,四院,12,241\n' "$VILLAGE" "$VILLAGE" > "$CSV"
expect_unchanged "$A" 1 "nothing was imported" "$NODE" import --dir "$A" courtyards "$CSV"
expect_err "line 3, column 4 \(residents\): residents 241 are more than 20 per household"

# --- persons: birth year, phone ----------------------------------------------------------------------
PADD=("$NODE" person add --dir "$A" --name 张大爷 --courtyard "$CY1")
expect_unchanged "$A" 1 "birth year 2030 is not plausible: after this year \($YEAR\); a person not yet born" \
    "${PADD[@]}" --birth-year 2030
expect_unchanged "$A" 1 "birth year $((YEAR + 1)) is not plausible" "${PADD[@]}" --birth-year $((YEAR + 1))
expect_unchanged "$A" 1 "birth year 1899 is not plausible: before 1900" "${PADD[@]}" --birth-year 1899
expect_ok "${PADD[@]}" --birth-year "$YEAR"
expect_unchanged "$A" 1 "the phone number 'abc' is not well-formed: .*7 to 15 digits" "${PADD[@]}" --phone abc
expect_unchanged "$A" 1 "the phone number '123' is not well-formed" "${PADD[@]}" --phone 123
expect_unchanged "$A" 1 "the phone number '138--0013-8000' is not well-formed" "${PADD[@]}" --phone 138--0013-8000
for phone in 13800138000 023-12345678 "+86 138 0013 8000"; do
    expect_ok "${PADD[@]}" --phone "$phone"
done
P=$(out)

# --- roles: the dismissal not before the appointment ----------------------------------------------
expect_unchanged "$A" 1 "the appointment date $D2 is 2 days after today \($TODAY\): a date may be at most 1 day ahead" \
    "$NODE" role assign --dir "$A" --person "$P" --role courtyard_head --date "$D2"
expect_ok "$NODE" role assign --dir "$A" --person "$P" --role courtyard_head --date 2024-05-01
expect_unchanged "$A" 1 "the dismissal date 2024-04-30 is before the appointment \(2024-05-01\)" \
    "$NODE" role dismiss --dir "$A" --person "$P" --role courtyard_head --date 2024-04-30
expect_ok "$NODE" role dismiss --dir "$A" --person "$P" --role courtyard_head --date 2024-05-01

# --- meetings: a day ahead at most; attendance within residents + invited --------------------------
MR=("$NODE" meeting record --dir "$A" --courtyard "$CY1" --kind party-masses-day)
expect_unchanged "$A" 1 "the meeting date $NEXT_YEAR is 36[56] days after today \($TODAY\)" "${MR[@]}" --date "$NEXT_YEAR"
expect_unchanged "$A" 1 "the meeting date $D2 is 2 days after today" "${MR[@]}" --date "$D2"
expect_ok "${MR[@]}" --date "$D1"
expect_unchanged "$A" 1 "attendance 500 is more than the courtyard's 40 residents plus 0 invited cadres and guests \(at most 40\)" \
    "${MR[@]}" --attendance 500
expect_ok "${MR[@]}" --attendance 45 --invited 5 --date 2024-05-10
expect_unchanged "$A" 1 "attendance 46 is more than the courtyard's 40 residents plus 5 invited" \
    "${MR[@]}" --attendance 46 --invited 5
expect_unchanged "$A" 1 "invited cadres and guests must be a number from 0 to 200, not 201" "${MR[@]}" --invited 201
expect_unchanged "$A" 2 "--invited takes a whole number" "${MR[@]}" --invited many
# residents not on record: households x 6
expect_ok "$NODE" meeting record --dir "$A" --courtyard "$CY2" --kind deliberation --attendance 72 --date 2024-05-11
expect_unchanged "$A" 1 "12 households x 6 persons \(residents not on record\) plus 0 invited.*at most 72" \
    "$NODE" meeting record --dir "$A" --courtyard "$CY2" --kind deliberation --attendance 73
expect_ok "$NODE" meeting list --dir "$A" --json
expect_json 'assert [m.get("invited") for m in j if m.get("attendance") == 45] == [5], j
assert all("invited" not in m for m in j if m.get("attendance") != 45), j'

# --- matters and mediations: not before the opening ------------------------------------------------
expect_ok "$NODE" matter open --dir "$A" --courtyard "$CY1" --category environment --title 排水沟 --date 2024-03-01
M=$(out)
expect_unchanged "$A" 1 "the step date 2024-02-29 is before the matter was opened \(2024-03-01\)" \
    "$NODE" matter step --dir "$A" "$M" handle --date 2024-02-29
expect_unchanged "$A" 1 "the step date $D2 is 2 days after today" "$NODE" matter step --dir "$A" "$M" handle --date "$D2"
expect_ok "$NODE" matter step --dir "$A" "$M" handle --date 2024-03-01
expect_unchanged "$A" 1 "the mediation date 2024-02-01 is before the matter was opened \(2024-03-01\)" \
    "$NODE" mediation record --dir "$A" --courtyard "$CY1" --level courtyard --kind neighbour --outcome resolved \
    --matter "$M" --date 2024-02-01
expect_unchanged "$A" 1 "the opening date $D2 is 2 days after today" \
    "$NODE" matter open --dir "$A" --courtyard "$CY1" --category environment --title 又一件 --date "$D2"

# --- points: the future rule ---------------------------------------------------------------------------
expect_unchanged "$A" 1 "the points date $D2 is 2 days after today" \
    "$NODE" points earn --dir "$A" --person "$P" --amount 5 --date "$D2"
expect_ok "$NODE" points earn --dir "$A" --person "$P" --amount 5 --date "$D1"

# Everything on record is plausible.
expect_ok "$NODE" conflicts --dir "$A"
expect_eq "$(out)" "0 conflicts" "nothing implausible was entered"

# --- a clock 3 days fast: the meeting it dates ahead, reports as of a date, conflicts --------------
# as of today, the meeting dated tomorrow has not happened yet
expect_ok "$NODE" report --dir "$A" --format json
expect_json "assert j['today'] == '$TODAY' and j['meetings'] == 2, j['meetings']"
expect_ok env SHOUHE_FAULT_CLOCK_MS=$((3 * 86400000)) "$NODE" meeting record --dir "$A" --courtyard "$CY1" \
    --kind deliberation --attendance 30
FUTURE=$(out)
expect_ok "$NODE" meeting list --dir "$A" --json
expect_json "assert [m['date'] for m in j if m['id'] == '$FUTURE'] == ['$D3'], j"
# as of today it has not happened; as of its date it has
expect_ok "$NODE" report --dir "$A" --format json
expect_json "assert j['meetings'] == 2, j['meetings']"
expect_ok "$NODE" report --dir "$A" --format json --date "$D3"
expect_json "assert j['today'] == '$D3' and j['meetings'] == 4, j['meetings']"
expect_ok "$NODE" report --dir "$A" --format json --date "$D2"
expect_json "assert j['meetings'] == 3, j['meetings']"
# the node's clock, once fixed, is corrected: the meeting was written today, dated 3 days ahead
expect_ok "$NODE" clock correct --dir "$A"
expect_ok "$NODE" conflicts --dir "$A"
expect_out "^implausible meeting $CY1 $FUTURE date: the meeting date $D3 is [23] days after the day it was written at UTC\+14"
expect_out '^0 conflicts$'
expect_out '^1 implausible$'
expect_ok "$NODE" conflicts --dir "$A" --json
expect_json "assert len(j) == 1, j
c = j[0]
assert list(c) == ['kind', 'record', 'region', 'entity', 'field', 'value', 'hlc', 'reason'], list(c)
assert (c['kind'], c['record'], c['region'], c['entity'], c['field'], c['value']) == \
    ('implausible', 'meeting', '$CY1', '$FUTURE', 'date', '$D3'), c
assert isinstance(c['hlc'], int) and c['hlc'] > 0, c"
# the warning keeps the record: merged state and log are untouched by views
expect_ok "$NODE" meeting list --dir "$A" --json
expect_json "assert '$FUTURE' in [m['id'] for m in j], j"
# and the node writes again
expect_ok "${MR[@]}" --attendance 12

[ "$FAILURES" -eq 0 ]
