# convergence_test.sh -- three nodes of the same village edit the same records offline at the
# same time, then sync in different orders: all converge to the hub's state, and all report the
# same conflicts.
#
# The nodes share (after a first sync) a courtyard, a person and a small matter. In each round
# every node edits the matter (a step or a note) and the person's points while offline;
# then the nodes sync one after the other in one order, then again in another order (each node
# syncs twice). Rules broken by the concurrent edits (a repeated step, an overdrawn redemption)
# must show up as the same conflicts everywhere, never as lost changes or a refused sync.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"

V=500115101001
CY=${V}001

hub_init
hub_start
node_new a "$V"
node_new b "$V"
node_new c "$V"

it_step "node a records the shared courtyard, person and matter; all three sync"
node_must a courtyard add --code "$CY" --name 寿和小院 --households 26 --model
node_must a person add --name 李阿姨 --courtyard "$CY" --gender female
P=$(out)
node_must a points earn --person "$P" --amount 10 --reason 打扫院坝
node_must a matter open --courtyard "$CY" --category deliberation --title 院落道路硬化
M=$(out)
node_must a matter escalate "$M" small
for n in a b c; do assert_exit 0 sync "$n"; done
for n in b c; do
    node_must "$n" matter show "$M" --json
    assert_json "assert (j['tier'], j['step']) == ('small', 'diagnose'), j"
    node_must "$n" points balance --person "$P" --json
    assert_json "assert j['points']['balance'] == 10, j"
done

# sync_round ORDER... -- every node in ORDER syncs once, in that order.
sync_round () {
    local n
    it_step "sync in order: $*"
    for n in "$@"; do assert_exit 0 sync "$n"; done
}

# matter_step_now NAME -- the matter's current step on that node.
matter_step_now () {
    "$NODE" matter show --dir "$(ndir "$1")" "$M" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["step"])'
}

# --- round 1: everybody at diagnose --------------------------------------------------------------
it_step "round 1: concurrent offline edits"
node_must a matter step "$M" consult --note a会诊
node_must b matter step "$M" consult --note b会诊
node_must c matter note "$M" c记录群众意见   # a note: never a conflict
node_must a points redeem --person "$P" --amount 8 --reason 兑换大米
node_must b points redeem --person "$P" --amount 8 --reason 兑换食用油
node_must c points earn --person "$P" --amount 5 --reason 志愿服务
sync_round a b c
sync_round c b a

# --- round 2: from wherever the merged matter now is, each node takes the next step -------------
it_step "round 2: concurrent offline edits"
for n in a b c; do
    assert_eq "$(matter_step_now "$n")" consult "node $n: the merged matter is at consult after round 1"
done
node_must a matter step "$M" prescribe --note a开方
node_must b matter step "$M" prescribe --note b开方
node_must c matter step "$M" prescribe --note c开方
node_must a points earn --person "$P" --amount 3
node_must b points earn --person "$P" --amount 4 --unit minutes
node_must c points earn --person "$P" --amount 2
sync_round b c a
sync_round a c b

# --- round 3: handle, and two redemptions that together overdraw ------------------------------------
it_step "round 3: concurrent offline edits"
for n in a b c; do
    assert_eq "$(matter_step_now "$n")" prescribe "node $n: the merged matter is at prescribe after round 2"
done
node_must c matter step "$M" handle --note c办理
node_must a matter step "$M" handle --note a办理
node_must b points redeem --person "$P" --amount 4 --unit minutes
node_must c points redeem --person "$P" --amount 4 --unit minutes
sync_round c a b
sync_round b a c

# --- convergence ----------------------------------------------------------------------------------
it_step "all three nodes and the hub agree"
for n in a b c; do digest_equal "$n" "$V"; done
assert_eq "$(node_digest b)" "$(node_digest a)" "b's whole state equals a's"
assert_eq "$(node_digest c)" "$(node_digest a)" "c's whole state equals a's"

# the same views everywhere: matter (with its event list), balances, conflicts
for view in "matter show $M" "points balance --person $P" "conflicts"; do
    ref=
    for n in a b c; do
        # shellcheck disable=SC2086
        node_must "$n" $view --json
        # "who" names an author by what this node knows: the hub sends the names of other keys,
        # never a node's own (which it shows as its 8 hex digits)
        cur=$(python3 -c '
import json, sys
j = json.load(sys.stdin)
for e in (j.get("events", []) if isinstance(j, dict) else []):
    e.pop("who", None)
print(json.dumps(j, sort_keys=True))' < "$OUT")
        if [ -z "$ref" ]; then ref=$cur; else assert_eq "$cur" "$ref" "node $n: '$view --json' as on node a"; fi
    done
done

it_step "the conflicts are the expected ones"
node_must a conflicts --json
assert_json "
c = [x for x in j if isinstance(x, dict)]
matter = [x for x in c if x.get('kind') == 'matter']
ledger = [x for x in c if x.get('kind') == 'ledger']
# round 1: two consults (one repeated); round 2: three prescribes (two repeated);
# round 3: two handles (one repeated)
assert len(matter) == 4, matter
assert all(x['entity'] == '$M' and 'repeated' in x['reason'] for x in matter), matter
# round 1: 10 - 8 - 8 (+5 in some order) overdraws once; round 3: 4 - 4 - 4 minutes overdraws once
assert len(ledger) == 2 and all('overdraws' in x['reason'] for x in ledger), ledger
"
node_must a matter show "$M" --json
assert_json "assert (j['tier'], j['step'], j['conflicts']) == ('small', 'handle', 4), j
assert [e['note'] for e in j['events'] if e['kind'] == 'note'] == ['c记录群众意见'], j"
node_must a points balance --person "$P" --json
assert_json "assert j['points']['balance'] == 10 - 8 - 8 + 5 + 3 + 2 and j['minutes']['balance'] == -4, j"

it_step "corrections from two nodes converge field by field (short ids, issue 13)"
node_must a matter amend "${M:0:8}" --title 院落道路硬化（东段）
node_must b matter amend "${M:0:8}" --description 雨季前完工
node_must b person set "${P:0:6}" --phone 13800000009 --no-party-member
for n in a b c a; do assert_exit 0 sync "$n"; done
for n in a b c; do digest_equal "$n" "$V"; done
for n in a b c; do
    node_must "$n" matter show "${M:0:8}" --json
    assert_json "assert (j['title'], j['description']) == ('院落道路硬化（东段）', '雨季前完工'), j"
    node_must "$n" person show "${P:0:8}" --history --json
    assert_json "assert j['phone'] == '13800000009' and j['name'] == '李阿姨' and len(j['history']) == 2, j
assert j['history'][0]['fields'] == {'party_member': False, 'phone': '13800000009'}, j"
done
# who wrote: the author key's prefix (the hub of this version sends no names in its KeyEntries)
node_must b matter show "${M:0:8}" --history
# who: the enrolled name the hub sent in the author's KeyEntry ("a", "c")
assert_out "^event .* step +handle: a办理   by a at [0-9-]{10} [0-9:]{5}"
assert_out "^event .* note +c记录群众意见   by c at "
# a history entry: the name the registry knows with the key's first 8 digits; b's own key bare
assert_out "^  [0-9-]{10} [0-9:]{5}  a \\(${KEY[a]:0:8}\\) +put  title=\"院落道路硬化（东段）\""
assert_out "^  [0-9-]{10} [0-9:]{5}  ${KEY[b]:0:8} +put  description=\"雨季前完工\""

it_step "quiescent: one more sync of each node changes nothing"
before=$(hub_digest "$V")
for n in a b c; do assert_exit 0 sync "$n"; done
assert_eq "$(hub_digest "$V")" "$before" "the hub's digest after a sync with nothing new"
for n in a b c; do
    digest_equal "$n" "$V"
    node_must "$n" log verify
    assert_eq "$(hub_node_field "${KEY[$n]}" head_seq)" "$(node_own_changes "$n")" "hub head_seq of $n"
done

hub_alive
hub_stop
