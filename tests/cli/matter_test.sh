# matter_test.sh -- matters: three-way routing and the five-step method, every refusal.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_TESTLIB"

A=$T/a
new_node "$A" "$VILLAGE"
expect_ok "$NODE" key --dir "$A"
KEY=$(out)
expect_ok "$NODE" courtyard add --dir "$A" --code "$CY1" --name 张家院子 --households 18
expect_ok "$NODE" courtyard add --dir "$A" --code "$CY2" --name 寿和小院 --households 26 --model

OPEN=("$NODE" matter open --dir "$A")
STEP=("$NODE" matter step --dir "$A")
ESC=("$NODE" matter escalate --dir "$A")
CLOSE=("$NODE" matter close --dir "$A")

# state ID TIER STEP CLOSED -- matter show --json says so
state () {
    expect_ok "$NODE" matter show --dir "$A" "$1" --json
    expect_json "assert (j['tier'], j['step'], j['closed']) == ('$2', '$3', $4), (j['tier'], j['step'], j['closed'])"
}

# --- the micro path: opened at diagnose -> handle -> feedback -> closed -------------------
expect_ok "${OPEN[@]}" --courtyard "$CY1" --category environment --title 清理院坝杂物 \
    --description "院坝堆放杂物，影响通行" --date 2024-03-02
expect_out '^[0-9a-f]{32}$'
M1=$(out)
state "$M1" micro diagnose False
expect_json "
assert j['id'] == '$M1' and j['courtyard'] == '$CY1' and j['category'] == 'environment', j
assert j['title'] == '清理院坝杂物' and j['description'] == '院坝堆放杂物，影响通行', j
assert j['opened_on'] == '2024-03-02' and j['events'] == [] and j['escalations'] == 0, j
"
# diagnose is where a matter starts: recording it again is a repeated step.
expect_unchanged "$A" 1 "matter $M1: step diagnose is repeated: the micro matter is already at diagnose" \
    "${STEP[@]}" "$M1" diagnose
# a micro matter does not go through consult or prescribe
expect_unchanged "$A" 1 "step consult is only for matters the courtyard cannot handle: escalate" "${STEP[@]}" "$M1" consult
expect_unchanged "$A" 1 "step prescribe is only for matters the courtyard cannot handle" "${STEP[@]}" "$M1" prescribe
# skipping handle
expect_unchanged "$A" 1 "matter $M1: step feedback skips handle: the micro matter is at diagnose" "${STEP[@]}" "$M1" feedback
# closing before feedback
expect_unchanged "$A" 1 "matter $M1: a matter closes only after feedback: it is at diagnose" "${CLOSE[@]}" "$M1" --satisfaction 5
expect_ok "${STEP[@]}" "$M1" handle --note 组织村民清运 --date 2024-03-03
expect_eq "$(out)" "matter $M1: micro, at handle" "step prints where the matter stands"
expect_unchanged "$A" 1 "step handle is repeated: the micro matter is already at handle" "${STEP[@]}" "$M1" handle
expect_unchanged "$A" 1 "step diagnose comes before handle" "${STEP[@]}" "$M1" diagnose
# escalation after handle
expect_unchanged "$A" 1 "matter $M1: escalation only before handle: the matter is at handle" "${ESC[@]}" "$M1" small
expect_unchanged "$A" 1 "escalation only before handle" "${ESC[@]}" "$M1" big
expect_unchanged "$A" 1 "a matter closes only after feedback: it is at handle" "${CLOSE[@]}" "$M1" --satisfaction 4
expect_ok "${STEP[@]}" "$M1" feedback --note 已向院落群众反馈 --date 2024-03-04
expect_eq "$(out)" "matter $M1: micro, at feedback" "feedback recorded"
expect_unchanged "$A" 1 "step feedback after feedback: the five steps are done" "${STEP[@]}" "$M1" feedback
# satisfaction 0 and 6
expect_unchanged "$A" 1 "satisfaction must be 1..5, not 0" "${CLOSE[@]}" "$M1" --satisfaction 0
expect_unchanged "$A" 1 "satisfaction must be 1..5, not 6" "${CLOSE[@]}" "$M1" --satisfaction 6
expect_unchanged "$A" 1 "satisfaction must be 1..5, not -1" "${CLOSE[@]}" "$M1" --satisfaction -1
expect_unchanged "$A" 2 "--satisfaction takes a whole number, not 'good'" "${CLOSE[@]}" "$M1" --satisfaction good
expect_unchanged "$A" 2 "matter close needs --satisfaction 1..5" "${CLOSE[@]}" "$M1"
expect_ok "${CLOSE[@]}" "$M1" --satisfaction 5 --note 群众满意 --date 2024-03-05
expect_eq "$(out)" "matter $M1: closed, satisfaction 5" "close prints the satisfaction"
state "$M1" micro feedback True
expect_json "
assert j['satisfaction'] == 5, j
ev = j['events']
assert [e['kind'] for e in ev] == ['step', 'step', 'close'], ev
assert [e.get('step') for e in ev[:2]] == ['handle', 'feedback'], ev
assert ev[0]['note'] == '组织村民清运' and ev[0]['date'] == '2024-03-03', ev[0]
assert ev[2]['satisfaction'] == 5 and ev[2]['date'] == '2024-03-05', ev[2]
assert all(e['author'] == '$KEY' for e in ev), ev
"
# stepping, escalating or closing a closed matter
expect_unchanged "$A" 1 "matter $M1: the matter is closed" "${STEP[@]}" "$M1" feedback
expect_unchanged "$A" 1 "matter $M1: the matter is closed" "${STEP[@]}" "$M1" handle
expect_unchanged "$A" 1 "matter $M1: the matter is closed" "${ESC[@]}" "$M1" big
expect_unchanged "$A" 1 "matter $M1: the matter is already closed" "${CLOSE[@]}" "$M1" --satisfaction 3

# --- small then big: escalate, consult, prescribe, handle, feedback ------------------------------
expect_ok "${OPEN[@]}" --courtyard "$CY2" --category deliberation --title 院落道路硬化 --date 2024-04-10
M2=$(out)
expect_unchanged "$A" 1 "escalation goes upwards only: the matter is micro" "${ESC[@]}" "$M2" micro
expect_ok "${ESC[@]}" "$M2" small --note 需村社协调
expect_eq "$(out)" "matter $M2: small, at diagnose" "escalated to small"
expect_unchanged "$A" 1 "escalation goes upwards only: the matter is small" "${ESC[@]}" "$M2" small
expect_unchanged "$A" 1 "escalation goes upwards only: the matter is small" "${ESC[@]}" "$M2" micro
expect_unchanged "$A" 1 "matter $M2: step handle skips consult: the small matter is at diagnose" "${STEP[@]}" "$M2" handle
expect_unchanged "$A" 1 "step prescribe skips consult" "${STEP[@]}" "$M2" prescribe
expect_ok "${STEP[@]}" "$M2" consult --note 村两委会诊
expect_eq "$(out)" "matter $M2: small, at consult" "consulted"
expect_unchanged "$A" 1 "step consult is repeated" "${STEP[@]}" "$M2" consult
expect_unchanged "$A" 1 "step handle skips prescribe" "${STEP[@]}" "$M2" handle
# still before handle: a small matter may go up to big
expect_ok "${ESC[@]}" "$M2" big --note 需镇街督办
expect_eq "$(out)" "matter $M2: big, at consult" "escalated to big at consult"
# big: its town leads it (大事镇街督办); the village may only add notes (residents' feedback)
expect_unchanged "$A" 1 "matter $M2: escalation to small by a village node: the big matter is led by its town" \
    "${ESC[@]}" "$M2" small
expect_unchanged "$A" 1 "matter $M2: escalation to big by a village node: the big matter is led by its town" \
    "${ESC[@]}" "$M2" big
expect_unchanged "$A" 1 "^shouhe-node: matter $M2: step prescribe by a village node: the big matter is led by its town \(大事镇街督办\); this node may add a note instead: shouhe-node matter note $M2 TEXT\$" \
    "${STEP[@]}" "$M2" prescribe
expect_unchanged "$A" 1 "matter $M2: step handle by a village node: the big matter is led by its town" "${STEP[@]}" "$M2" handle
expect_unchanged "$A" 1 "matter $M2: close by a village node: the big matter is led by its town" \
    "${CLOSE[@]}" "$M2" --satisfaction 4
expect_ok "$NODE" matter note --dir "$A" "$M2" "群众希望雨季前完工
盼镇街早日督办" --date 2024-04-20
expect_eq "$(out)" "matter $M2: big, at consult" "a note changes no state"
expect_unchanged "$A" 1 "the note must not be empty" "$NODE" matter note --dir "$A" "$M2" ""
expect_unchanged "$A" 1 "the note holds U\+202E \(RIGHT-TO-LEFT OVERRIDE\), a hidden control character" \
    "$NODE" matter note --dir "$A" "$M2" $'ab\xe2\x80\xaecd'
expect_unchanged "$A" 1 "date '2024-02-30' is not a valid" "$NODE" matter note --dir "$A" "$M2" 好 --date 2024-02-30
expect_unchanged "$A" 1 "unknown matter 00000000000000000000000000000000" \
    "$NODE" matter note --dir "$A" 00000000000000000000000000000000 好
expect_unchanged "$A" 2 "wrong number of arguments" "$NODE" matter note --dir "$A" "$M2"
expect_unchanged "$A" 2 "'matter note' does not take --note" "$NODE" matter note --dir "$A" "$M2" 好 --note 好
state "$M2" big consult False
expect_json "
assert j['escalations'] == 2 and j['conflicts'] == 0, j
ev = [(e['kind'], e.get('step') or e.get('tier') or e.get('note')) for e in j['events']]
assert ev == [('escalate', 'small'), ('step', 'consult'), ('escalate', 'big'),
              ('note', '群众希望雨季前完工\\n盼镇街早日督办')], ev
assert j['events'][3]['date'] == '2024-04-20' and j['events'][3]['author'] == '$KEY', j
"

# --- the town leads a big matter: a town node escalates a matter of its village to big ------------
TN=$T/town
new_node "$TN" "$TOWN"
TSTEP=("$NODE" matter step --dir "$TN")
expect_ok "$NODE" courtyard add --dir "$TN" --code "$CY1" --name 张家院子 --households 18
expect_ok "$NODE" matter open --dir "$TN" --courtyard "$CY1" --category mediation --title 宅基地边界纠纷
M3=$(out)
# a micro matter is its village's: the town neither steps it nor escalates it to small
expect_unchanged "$TN" 1 "matter $M3: step handle by a town node: the micro matter is led by its village; a town leads only matters escalated to big" \
    "${TSTEP[@]}" "$M3" handle
expect_unchanged "$TN" 1 "matter $M3: escalation to small by a town node: a town escalates a matter of its villages only to big" \
    "$NODE" matter escalate --dir "$TN" "$M3" small
expect_ok "$NODE" matter escalate --dir "$TN" "$M3" big
expect_eq "$(out)" "matter $M3: big, at diagnose" "micro escalated straight to big"
expect_unchanged "$TN" 1 "step handle skips consult: the big matter is at diagnose" "${TSTEP[@]}" "$M3" handle
expect_unchanged "$TN" 1 "step feedback skips consult" "${TSTEP[@]}" "$M3" feedback
expect_unchanged "$TN" 1 "matter $M3: a matter closes only after feedback: it is at diagnose" \
    "$NODE" matter close --dir "$TN" "$M3" --satisfaction 3
expect_unchanged "$TN" 1 "escalation goes upwards only: the matter is big, not below small" \
    "$NODE" matter escalate --dir "$TN" "$M3" small
expect_unchanged "$TN" 1 "escalation goes upwards only: the matter is big" "$NODE" matter escalate --dir "$TN" "$M3" big
expect_ok "${TSTEP[@]}" "$M3" consult
expect_ok "${TSTEP[@]}" "$M3" prescribe
expect_unchanged "$TN" 1 "step prescribe is repeated" "${TSTEP[@]}" "$M3" prescribe
expect_unchanged "$TN" 1 "step consult comes before prescribe" "${TSTEP[@]}" "$M3" consult
expect_ok "${TSTEP[@]}" "$M3" handle
expect_ok "$NODE" matter note --dir "$TN" "$M3" 镇街调解中
expect_ok "$NODE" matter show --dir "$TN" "$M3" --json
expect_json "assert (j['tier'], j['step'], j['closed'], j['conflicts']) == ('big', 'handle', False, 0), j"
expect_ok "${TSTEP[@]}" "$M3" feedback
expect_ok "$NODE" matter close --dir "$TN" "$M3" --satisfaction 5
expect_eq "$(out)" "matter $M3: closed, satisfaction 5" "the town closes its big matter"

# A small matter at handle cannot go up to big any more.
expect_ok "${OPEN[@]}" --courtyard "$CY2" --category economy --title 院落柑橘合作社
M4=$(out)
expect_ok "${ESC[@]}" "$M4" small
expect_ok "${STEP[@]}" "$M4" consult
expect_ok "${STEP[@]}" "$M4" prescribe
expect_unchanged "$A" 1 "step feedback skips handle: the small matter is at prescribe" "${STEP[@]}" "$M4" feedback
expect_ok "${STEP[@]}" "$M4" handle
expect_unchanged "$A" 1 "matter $M4: escalation only before handle: the matter is at handle" "${ESC[@]}" "$M4" big
state "$M4" small handle False

# --- unknown and malformed ids, unknown names ----------------------------------------------------
Z=00000000000000000000000000000000
expect_unchanged "$A" 1 "unknown matter $Z" "${STEP[@]}" "$Z" handle
expect_unchanged "$A" 1 "unknown matter $Z" "${ESC[@]}" "$Z" big
expect_unchanged "$A" 1 "unknown matter $Z" "${CLOSE[@]}" "$Z" --satisfaction 3
expect_unchanged "$A" 1 "unknown matter $Z" "$NODE" matter show --dir "$A" "$Z"
expect_unchanged "$A" 1 "matter id 'M1' is not 6 to 32 hex digits" "${STEP[@]}" M1 handle
expect_unchanged "$A" 1 "matter id .${M4:0:5}. is not 6 to 32 hex digits" "${ESC[@]}" "${M4:0:5}" big
expect_unchanged "$A" 1 "matter id '${M4}0' is not 6 to 32 hex digits" "${CLOSE[@]}" "${M4}0" --satisfaction 3
expect_unchanged "$A" 1 "unknown step 'bogus' \(expected one of: diagnose/把脉, consult/会诊, prescribe/开方, handle/办理, feedback/反馈\)" \
    "${STEP[@]}" "$M4" bogus
expect_unchanged "$A" 1 "unknown tier 'huge' \(expected one of: micro/微事 院落自办, small/小事 村社协调, big/大事 镇街督办\)" "${ESC[@]}" "$M4" huge
expect_unchanged "$A" 1 "unknown category 'sports' \(expected one of: policy/政策宣讲, deliberation/协商议事, mediation/矛盾调处, environment/环境整治, customs/文明乡风, economy/庭院经济\)" \
    "${OPEN[@]}" --courtyard "$CY1" --category sports --title 篮球赛
expect_unchanged "$A" 1 "unknown courtyard ${VILLAGE}099" "${OPEN[@]}" --courtyard "${VILLAGE}099" --category policy --title 政策宣讲
expect_unchanged "$A" 1 "unknown courtyard $CY_OTHER" "${OPEN[@]}" --courtyard "$CY_OTHER" --category policy --title 政策宣讲
expect_unchanged "$A" 1 "the title must not be empty" "${OPEN[@]}" --courtyard "$CY1" --category policy --title ""
expect_unchanged "$A" 1 "date '2024-02-30' is not a valid YYYY-MM-DD date" \
    "${OPEN[@]}" --courtyard "$CY1" --category policy --title 政策宣讲 --date 2024-02-30
expect_unchanged "$A" 1 "date '2024-3-1' is not a valid" "${STEP[@]}" "$M4" feedback --date 2024-3-1
expect_unchanged "$A" 2 "matter open needs --courtyard, --category and --title" "${OPEN[@]}" --courtyard "$CY1" --category policy
expect_unchanged "$A" 2 "'matter open' does not take --satisfaction" \
    "${OPEN[@]}" --courtyard "$CY1" --category policy --title 政策宣讲 --satisfaction 3
expect_unchanged "$A" 2 "'matter step' does not take --satisfaction" "${STEP[@]}" "$M4" feedback --satisfaction 3
expect_unchanged "$A" 2 "wrong number of arguments" "${STEP[@]}" "$M4"
expect_unchanged "$A" 2 "wrong number of arguments" "${ESC[@]}" "$M4" big extra

# --- list and show -----------------------------------------------------------------------------
expect_ok "$NODE" matter list --dir "$A"
expect_out "^${M1:0:8} micro +feedback +closed +environment +清理院坝杂物\$"
expect_out "^${M2:0:8} big +consult +open +deliberation +院落道路硬化\$"
expect_out "^${M4:0:8} small +handle +open +economy +院落柑橘合作社\$"
expect_out '^3 matters$'
expect_ok "$NODE" matter list --dir "$A" --json
expect_json "
by = {m['id']: m for m in j}
assert sorted(by) == sorted(['$M1', '$M2', '$M4']), j
assert (by['$M1']['tier'], by['$M1']['step'], by['$M1']['closed']) == ('micro', 'feedback', True)
assert (by['$M2']['tier'], by['$M2']['step'], by['$M2']['closed']) == ('big', 'consult', False)
assert all(m['conflicts'] == 0 for m in j)
"
expect_ok "$NODE" matter list --dir "$A" --courtyard "$CY1" --json
expect_json "assert [m['id'] for m in j] == ['$M1'], j"
expect_ok "$NODE" matter list --dir "$A" --courtyard "${VILLAGE}099"
expect_out '^0 matters$'
expect_ok "$NODE" matter show --dir "$A" "$M2"
expect_out "^matter +${M2:0:8}  \\($M2\\)\$"
expect_out '^title +院落道路硬化$'
expect_out "^courtyard +$CY2 +category deliberation +opened 2024-04-10\$"
expect_out '^state +big, at consult$'
expect_out '^event .* escalate +small: 需村社协调   by [0-9a-f]{8} at [0-9-]{10} [0-9:]{5}$'
expect_out '^event .* step +consult: 村两委会诊   by [0-9a-f]{8} at '
# a note on one line: its line feed shown as <U+000A>
expect_out '^event +2024-04-20 note +群众希望雨季前完工<U\+000A>盼镇街早日督办   by [0-9a-f]{8} at [0-9-]{10} [0-9:]{5}$'
expect_ok "$NODE" courtyard show --dir "$A" "$CY1" --json
expect_json 'assert (j["matters_open"], j["matters_closed"]) == (0, 1), j'
expect_ok "$NODE" conflicts --dir "$A" --json
expect_json 'assert j == [], j'

# A malformed id given to show is named as malformed, as step, escalate and close do.
expect_unchanged "$A" 1 "matter id 'xyz' is not 6 to 32 hex digits" "$NODE" matter show --dir "$A" xyz
