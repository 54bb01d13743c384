# lead_test.sh -- who may move a matter (docs/protocol.md 6.4 "The leading tier", 13.8 step 5):
# once a matter is big (大事镇街督办) its steps are its town's; the village adds notes.
#
#   1. a raw peer with a real enrolled village key pushes a step on a matter it made big itself:
#      the hub refuses it (ERR_LEAD, naming the matter), whether the escalation came earlier in
#      the same Push or in an earlier one; a note on that matter is accepted.
#   2. the concurrent case: the town escalates a small matter to big while the village is
#      offline, and the village, not knowing, steps it (a later hlc). The hub accepts the step
#      (the village did not make the matter big: refusing it would block the village's chain
#      for ever); on the town node, the village node and the hub the matter's state ignores the
#      step, and the nodes' conflicts list it with the rule's reason.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"

TOWN=500115101
V1=${TOWN}001
V2=${TOWN}002
CY1=${V1}001
REASON="step consult by a village node: the big matter is led by its town \\(大事镇街督办\\)"

hub_init
hub_start

it_step "1. a raw peer (village 2's enrolled key) pushes a step on a matter it made big itself"
node_new rp "$V2"
if rawpeer_python > /dev/null; then
    rawpeer rp "$V2" lead
    assert_json "
m = j['matter']
r = j['replies']
assert [x['type'] for x in r] == ['welcome', 'error', 'ack', 'error', 'ack'], r
for e, pos in ((r[1], 3), (r[3], 0)):
    assert e['code'] == 'ERR_LEAD' and e['position'] == pos, e
    assert e['message'] == 'change %d: matter %s: step consult by a village node: the big matter is led by its town (大事镇街督办); this key made it big itself' % (pos, m), e
assert r[2]['accepted'] == 3 and r[4]['accepted'] == 1, r
"
    RP_MATTER=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["matter"])' "$OUT")
    # what the hub holds of it: the courtyard, the matter, its escalation and the note, no step
    hub_cmd report --village "$V2" --format json
    assert_json "assert j['matters'] == 1 and j['by_tier']['big']['matters'] == 1 and j['by_step']['diagnose'] == 1, j"
else
    echo "  (skipped: no python3 with zmq and nacl)"
fi

it_step "2. a village and its town; the village opens a small matter; both sync"
node_new v1 "$V1"
node_new town "$TOWN"
node_must v1 courtyard add --code "$CY1" --name 张家院子 --households 18
node_must v1 matter open --courtyard "$CY1" --category environment --title 院落排水沟堵塞 --date 2024-06-02
M=$(out)
node_must v1 matter escalate "$M" small --note 村社协调
assert_exit 0 sync v1
assert_exit 0 sync town

it_step "the town escalates it to big and syncs; the village, offline, steps it (a later hlc)"
node_must town matter escalate "$M" big --note 需镇街督办
assert_exit 0 sync town
sleep 0.2
node_must v1 matter step "$M" consult --note 村两委会诊
assert_eq "$(out)" "matter $M: small, at consult" "the village still sees a small matter"

it_step "the village syncs: the hub accepts its step (the town made the matter big)"
assert_exit 0 sync v1
assert_eq "$(hub_node_field "${KEY[v1]}" head_seq)" "$(node_own_changes v1)" "the hub holds the village's whole chain"
assert_exit 0 sync town

# state NAME -- the matter on that node: big at diagnose, the village's step a conflict
matter_ignores_step () {
    node_must "$1" matter show "$M" --json
    assert_json "
assert (j['tier'], j['step'], j['closed'], j['conflicts']) == ('big', 'diagnose', False, 1), j
steps = [e for e in j['events'] if e['kind'] == 'step']
assert len(steps) == 1 and steps[0]['author'] == '${KEY[v1]}', steps
assert steps[0]['conflict'] == 'step consult by a village node: the big matter is led by its town (大事镇街督办)', steps
"
    node_must "$1" conflicts --json
    assert_json "
c = [x for x in j if x.get('kind') == 'matter']
assert len(c) == 1 and c[0]['entity'] == '$M' and c[0]['author'] == '${KEY[v1]}', j
assert c[0]['reason'] == 'step consult by a village node: the big matter is led by its town (大事镇街督办)', c
"
}
for n in town v1; do
    it_step "on the $n node the matter ignores the village's step and conflicts list it"
    matter_ignores_step "$n"
done
node_must v1 conflicts
assert_out "$REASON"

it_step "on the hub too: its report has the matter big, at diagnose"
hub_cmd report --village "$V1" --format json
assert_json "assert j['matters'] == 1 and j['by_tier']['big']['matters'] == 1, j
assert j['by_step']['diagnose'] == 1 and j['by_step'].get('consult', 0) == 0, j['by_step']"

it_step "the village now refuses to step the big matter; it adds a note; the town leads it"
assert_exit 1 node v1 matter step "$M" consult
assert_err "matter $M: $REASON; this node may add a note instead: shouhe-node matter note $M TEXT"
node_must v1 matter note "$M" 群众反映排水沟仍堵塞
node_must town matter step "$M" consult --note 镇街会诊
assert_exit 0 sync v1
assert_exit 0 sync town
assert_exit 0 sync v1
for n in town v1; do
    node_must "$n" matter show "$M" --json
    assert_json "
assert (j['tier'], j['step'], j['conflicts']) == ('big', 'consult', 1), j
assert [e['note'] for e in j['events'] if e['kind'] == 'note'] == ['群众反映排水沟仍堵塞'], j['events']
"
done
hub_cmd report --village "$V1" --format json
assert_json "assert j['by_step']['consult'] == 1, j['by_step']"

it_step "every node's digest equals the hub's"
digest_equal v1 "$V1"
digest_equal town "$TOWN"

hub_alive
hub_stop
