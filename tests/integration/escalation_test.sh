# escalation_test.sh -- a big matter goes up from a village to its town through the hub, the town
# handles it, and its steps come back down; the neighbouring village never sees it.
#
#   village 1 (500115101001) opens a matter and escalates it to big -> sync village 1, town
#   town (500115101) sees it, steps consult, prescribe, handle, feedback -> sync town, village 1
#   village 1 sees the town's steps; it may not step or close the big matter, only add notes
#   (its residents' feedback); the town closes it; every digest equals the hub's for the node's scope;
#   village 2 (500115101002) does not see the matter.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"

TOWN=500115101
V1=${TOWN}001
V2=${TOWN}002
CY1=${V1}001
CY2=${V2}001

it_step "hub and three nodes"
hub_init
hub_start
node_new v1 "$V1"
node_new v2 "$V2"
node_new town "$TOWN"

it_step "village 1 and village 2 record their courtyards; village 1 opens a matter, escalates it"
node_must v1 courtyard add --code "$CY1" --name 张家院子 --households 18
node_must v2 courtyard add --code "$CY2" --name 李家湾 --households 22
node_must v1 matter open --courtyard "$CY1" --category environment --title 院落排水沟堵塞 \
    --description "排水沟堵塞，需镇街协调施工" --date 2024-06-02
M=$(out)
[[ $M =~ ^[0-9a-f]{32}$ ]] || it_fail "expected: matter open prints a 32-hex id" "actual: '$M'"
node_must v1 matter escalate "$M" small --note 村社协调
node_must v1 matter escalate "$M" big --note 需镇街督办
node_must v1 matter show "$M" --json
assert_json "assert (j['tier'], j['step']) == ('big', 'diagnose'), j"

it_step "the big matter is its town's to move (大事镇街督办): village 1 may only add notes"
assert_exit 1 node v1 matter step "$M" consult
assert_err "matter $M: step consult by a village node: the big matter is led by its town \(大事镇街督办\); this node may add a note instead: shouhe-node matter note $M TEXT"
node_must v1 matter note "$M" 院坝积水已影响三户出行

it_step "the town cannot see the matter before any sync"
assert_exit 1 node town matter show "$M"

it_step "sync village 1, then village 2, then the town"
assert_exit 0 sync v1
assert_exit 0 sync v2
assert_exit 0 sync town

it_step "the town sees the escalated matter and handles it (the region is in its scope)"
node_must town matter show "$M" --json
assert_json "assert j['id'] == '$M' and j['tier'] == 'big' and j['step'] == 'diagnose', j
assert j['courtyard'] == '$CY1' and j['escalations'] == 2, j"
# who acted (issue 13): the village's key under the name the hub enrolled it with
assert_json "assert [e['who'] for e in j['events']] == ['v1', 'v1', 'v1'], j['events']"

it_step "the town's work list: its open big matters, who escalated them"
node_must town matter list --tier big --open --json
assert_json "assert [(r['id'], r['village'], r['courtyard_name'], r['escalated_by']) for r in j] == [('$M', '$V1', '张家院子', 'v1')], j"
node_must town matter list --tier big --open --village "$V2" --json
assert_json "assert j == [], j"
for step in consult prescribe handle feedback; do
    node_must town matter step "$M" "$step" --note "镇街 $step"
done
node_must town matter show "$M" --json
assert_json "assert j['step'] == 'feedback' and not j['closed'], j"

it_step "sync the town, then village 1"
assert_exit 0 sync town
assert_exit 0 sync v1

it_step "village 1 sees the town's four steps, signed by the town"
node_must v1 matter show "$M" --json
assert_json "
assert j['tier'] == 'big' and j['step'] == 'feedback' and j['conflicts'] == 0, j
steps = [(e['step'], e['author']) for e in j['events'] if e['kind'] == 'step']
assert steps == [(s, '${KEY[town]}') for s in ('consult', 'prescribe', 'handle', 'feedback')], steps
"
it_step "village 1 cannot close it; it notes its residents' feedback, which reaches the town"
assert_exit 1 node v1 matter close "$M" --satisfaction 5
assert_err "matter $M: close by a village node: the big matter is led by its town"
node_must v1 matter note "$M" "群众满意，排水沟已疏通"
assert_exit 0 sync v1
assert_exit 0 sync town
node_must town matter show "$M" --json
assert_json "
notes = [(e['note'], e['author']) for e in j['events'] if e['kind'] == 'note']
assert notes == [('院坝积水已影响三户出行', '${KEY[v1]}'), ('群众满意，排水沟已疏通', '${KEY[v1]}')], notes
"
it_step "the town closes it with the residents' satisfaction; the close reaches village 1"
node_must town matter close "$M" --satisfaction 5 --note 群众满意
assert_exit 0 sync town
assert_exit 0 sync v1
node_must v1 matter show "$M" --json
assert_json "assert j['closed'] and j['satisfaction'] == 5 and j['conflicts'] == 0, j"

it_step "village 2 syncs again and still knows nothing of village 1"
assert_exit 0 sync v2
assert_exit 1 node v2 matter show "$M"
node_must v2 matter list --json
assert_json "assert j == [], j"
node_must v2 courtyard list --json
assert_json "assert [c['code'] for c in j] == ['$CY2'], j"

it_step "the town holds both villages' records"
node_must town courtyard list --json
assert_json "assert sorted(c['code'] for c in j) == ['$CY1', '$CY2'], j"

it_step "every node's digest equals the hub's for its scope"
digest_equal v1 "$V1"
digest_equal v2 "$V2"
digest_equal town "$TOWN"
digest_equal town "$V1"
digest_equal town "$V2"
# village 2's whole state is its own village's (it holds nothing of village 1)
assert_eq "$(node_digest v2)" "$(node_digest v2 "$V2")" "village 2 holds only its own scope"

it_step "logs verify on every node; the hub knows each node's head"
for n in v1 v2 town; do
    node_must "$n" log verify
    assert_eq "$(hub_node_field "${KEY[$n]}" head_seq)" "$(node_own_changes "$n")" "hub head_seq of $n = its own changes"
done

it_step "the hub's signed checkpoint covers every change it holds"
hub_cmd nodes --json
TOTAL=$(python3 -c 'import json,sys; print(sum(e["head_seq"] for e in json.load(open(sys.argv[1]))))' "$OUT")
hub_cmd checkpoint
assert_eq "$RC" 0 "shouhe-hub checkpoint exits 0"
assert_eq "$(sed -n 1p "$OUT" | cut -c1-11)" "shouhe/hub/" "checkpoint origin line"
assert_eq "$(sed -n 2p "$OUT")" "$TOTAL" "checkpoint tree size = changes held by the hub"
assert_eq "$(grep -c '^— shouhe/hub/' "$OUT")" 1 "one signature line by the hub"

hub_alive
hub_stop
