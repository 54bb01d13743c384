# points_test.sh -- the points ledger (院落积分超市) and the time bank: earn, redeem, balance.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_TESTLIB"

A=$T/a
new_node "$A" "$VILLAGE"
expect_ok "$NODE" courtyard add --dir "$A" --code "$CY1" --name 张家院子 --households 18
expect_ok "$NODE" courtyard add --dir "$A" --code "$CY2" --name 寿和小院 --households 26 --model
expect_ok "$NODE" person add --dir "$A" --name 李阿姨 --courtyard "$CY1" --gender female
P1=$(out)
expect_ok "$NODE" person add --dir "$A" --name 王小明 --courtyard "$CY2"
P2=$(out)

EARN=("$NODE" points earn --dir "$A")
REDEEM=("$NODE" points redeem --dir "$A")

# Before any entry: nothing to redeem.
expect_unchanged "$A" 1 "cannot redeem 1 points: the balance of person $P1 is 0" "${REDEEM[@]}" --person "$P1" --amount 1

# earn 10, redeem 4: balance 6.
expect_ok "${EARN[@]}" --person "$P1" --amount 10 --reason 打扫院坝 --date 2024-03-05
expect_eq "$(out)" "$P1 balance: 10 points" "earn prints the new balance"
expect_ok "${REDEEM[@]}" --person "$P1" --amount 4 --reason 兑换香皂 --unit points
expect_eq "$(out)" "$P1 balance: 6 points" "redeem prints the new balance"
expect_ok "$NODE" points balance --dir "$A" --person "$P1"
expect_out '^PERSON +EARNED +REDEEMED +POINTS +MINUTES +NAME$'
expect_out "^${P1:0:8} +10 +4 +6 +0 +李阿姨\$"

# Redeeming more than the balance is refused and changes nothing.
expect_unchanged "$A" 1 "cannot redeem 7 points: the balance of person $P1 is 6" "${REDEEM[@]}" --person "$P1" --amount 7
expect_ok "${REDEEM[@]}" --person "$P1" --amount 6
expect_eq "$(out)" "$P1 balance: 0 points" "the whole balance can be redeemed"
expect_unchanged "$A" 1 "cannot redeem 1 points: the balance of person $P1 is 0" "${REDEEM[@]}" --person "$P1" --amount 1
expect_ok "${EARN[@]}" --person "$P1" --amount 6
expect_eq "$(out)" "$P1 balance: 6 points" "earned again"

# Minutes (time bank) are a separate unit.
expect_ok "${EARN[@]}" --person "$P1" --amount 90 --unit minutes --reason 陪伴独居老人
expect_eq "$(out)" "$P1 balance: 90 minutes" "minutes balance"
expect_unchanged "$A" 1 "cannot redeem 91 minutes: the balance of person $P1 is 90" \
    "${REDEEM[@]}" --person "$P1" --amount 91 --unit minutes
expect_ok "${REDEEM[@]}" --person "$P1" --amount 30 --unit minutes
expect_eq "$(out)" "$P1 balance: 60 minutes" "minutes redeemed"
# ... points are untouched by minutes and the other way round.
expect_unchanged "$A" 1 "cannot redeem 7 points: the balance of person $P1 is 6" "${REDEEM[@]}" --person "$P1" --amount 7
expect_ok "$NODE" points balance --dir "$A" --person "$P1" --json
expect_json "
assert j['person'] == '$P1' and j['name'] == '李阿姨' and j['region'] == '$CY1', j
assert j['points'] == {'earned': 16, 'redeemed': 10, 'balance': 6}, j['points']
assert j['minutes'] == {'earned': 90, 'redeemed': 30, 'balance': 60}, j['minutes']
assert j['conflicts'] == 0, j
"

# Every account.
expect_ok "${EARN[@]}" --person "$P2" --amount 25
expect_ok "$NODE" points balance --dir "$A"
expect_out "^${P1:0:8} +16 +10 +6 +60 +李阿姨\$"
expect_out "^${P2:0:8} +25 +0 +25 +0 +王小明\$"
expect_ok "$NODE" points balance --dir "$A" --json
expect_json "
by = {e['person']: e for e in j}
assert sorted(by) == sorted(['$P1', '$P2']), j
assert by['$P2']['points']['balance'] == 25 and by['$P2']['minutes']['balance'] == 0
"
expect_ok "$NODE" points balance --dir "$A" --courtyard "$CY2" --json
expect_json "assert [e['person'] for e in j] == ['$P2'], j"

# A person without entries has zero balances.
expect_ok "$NODE" person add --dir "$A" --name 张大爷 --courtyard "$CY1"
P3=$(out)
expect_ok "$NODE" points balance --dir "$A" --person "$P3" --json
expect_json "assert j['points']['balance'] == 0 and j['minutes']['balance'] == 0 and j['name'] == '张大爷', j"

# Refusals.
expect_unchanged "$A" 1 "amount must be a whole number from 1 to 1000000000, not 0" "${EARN[@]}" --person "$P1" --amount 0
expect_unchanged "$A" 1 "amount must be a whole number from 1 to 1000000000, not 0" "${REDEEM[@]}" --person "$P1" --amount 0
expect_unchanged "$A" 1 "amount must be a whole number from 1 to 1000000000, not -5" "${EARN[@]}" --person "$P1" --amount -5
expect_unchanged "$A" 1 "amount must be a whole number from 1 to 1000000000" "${EARN[@]}" --person "$P1" --amount 1000000001
expect_unchanged "$A" 2 "--amount takes a whole number, not '2.5'" "${EARN[@]}" --person "$P1" --amount 2.5
expect_unchanged "$A" 1 "unknown unit 'hours' \(expected one of: points/积分, minutes/时间银行\)" "${EARN[@]}" --person "$P1" --amount 5 --unit hours
expect_unchanged "$A" 1 "unknown person 00000000000000000000000000000000" \
    "${EARN[@]}" --person 00000000000000000000000000000000 --amount 5
expect_unchanged "$A" 1 "person id 'P1' is not 6 to 32 hex digits" "${REDEEM[@]}" --person P1 --amount 5
expect_unchanged "$A" 1 "date '2024-02-30' is not a valid" "${EARN[@]}" --person "$P1" --amount 5 --date 2024-02-30
expect_unchanged "$A" 2 "points earn needs --person ID and --amount N" "${EARN[@]}" --person "$P1"
expect_unchanged "$A" 2 "points redeem needs --person ID and --amount N" "${REDEEM[@]}" --amount 3
expect_unchanged "$A" 2 "'points earn' does not take --courtyard" "${EARN[@]}" --person "$P1" --amount 3 --courtyard "$CY1"
expect_unchanged "$A" 2 "'points balance' does not take --amount" "$NODE" points balance --dir "$A" --amount 3

# The balance of an unknown person names that person.
expect_unchanged "$A" 1 "unknown person 00000000000000000000000000000000" \
    "$NODE" points balance --dir "$A" --person 00000000000000000000000000000000
