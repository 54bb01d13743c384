# scope_test.sh -- the scope rule (docs/protocol.md 3.1) from a raw peer: an enrolled village node
# (tests/tools/sh_rawpeer, speaking the protocol with its real key) pushes one change per case,
# each naming through one identifier -- its entity id, one code field of its body, one reference
# to another record -- a courtyard, person or matter of ANOTHER village (or none), while its
# region stays inside its own village. Every kind x every reference field: the hub answers
# ERR_SCOPE naming the field, and stores nothing. The same peer's honest changes of every kind
# are taken. At the end the town node holds one courtyard per code, the victim's records as
# their owner wrote them, and the town report counts no forgery (issue 12, case 1).
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"

RAWPEER=${SHOUHE_RAWPEER:-}
if [ -z "$RAWPEER" ] || [ ! -x "$RAWPEER" ]; then
    echo "SKIP $IT_NAME: SHOUHE_RAWPEER (tests/tools/sh_rawpeer) is not built" >&2
    exit 77
fi

TOWN=500115101
V=${TOWN}001          # the raw peer's village
W=${TOWN}002          # the victim's village
CV=${V}001
CW=${W}001

hub_init
hub_start

it_step "the victim village: a courtyard of 12 households, a person, a matter"
node_new victim "$W"
node_must victim courtyard add --code "$CW" --name 王家院子 --households 12
node_must victim person add --courtyard "$CW" --name 王大爷 --birth-year 1950
PW=$(out)
node_must victim matter open --courtyard "$CW" --category environment --title 院坝排水沟堵塞
MW=$(out)
[[ $PW =~ ^[0-9a-f]{32}$ && $MW =~ ^[0-9a-f]{32}$ ]] || it_fail "expected: 32-hex ids" "actual: '$PW' '$MW'"
assert_exit 0 sync victim
WBEFORE=$(hub_digest "$W")

node_new raw "$V"
PV=11111111111111111111111111111111     # the raw peer's own person
MV=22222222222222222222222222222222     # its own matter
NEW=33333333333333333333333333333333    # an unused random id

# push KIND REGION ENTITY OP BODY -- the raw peer pushes one change (reply in $OUT, exit in $RC)
push () {
    it_run "$RAWPEER" --dir "$(ndir raw)" --hub "$HUB_EP" --hub-key "$HUB_KEY" --timeout 10 record \
        --kind "$1" --region "$2" --entity "$3" --op "$4" ${5:+--body "$5"}
}

# taken KIND REGION ENTITY OP BODY -- the hub acknowledges it
taken () {
    push "$@"
    assert_eq "$(out)" ack "$1 $4 in $2 (${3:0:20}) is taken"
}

# refused FIELD KIND REGION ENTITY OP BODY -- ERR_SCOPE, the message names FIELD, nothing stored
refused () {
    local field=$1 head
    shift
    head=$(hub_node_field "${KEY[raw]}" head_seq)
    push "$@"
    if ! grep -q "^ERROR ERR_SCOPE: " "$OUT"; then
        it_fail "expected: $1 naming another village through $field is refused with ERR_SCOPE" \
            "actual:   $(out)"
    elif ! grep -qF -- "$field" "$OUT"; then
        it_fail "expected: the ERR_SCOPE message names $field" "actual:   $(out)"
    fi
    assert_eq "$(hub_node_field "${KEY[raw]}" head_seq)" "$head" "nothing of the refused $1 is stored"
}

it_step "the raw peer's honest changes of every kind are taken"
taken courtyard "$CV" "$CV" put "{\"code\":\"$CV\",\"name\":\"李家院子\",\"village\":\"$V\",\"households\":9}"
taken region "$V" "$V" put "{\"code\":\"$V\",\"name\":\"一村\",\"level\":\"village\",\"parent\":\"$TOWN\"}"
taken person "$CV" "hex:$PV" put "{\"name\":\"李四\",\"courtyard\":\"$CV\"}"
taken role "$CV" "hex:${PV}01" put "{\"person\":\"$PV\",\"courtyard\":\"$CV\",\"role\":\"courtyard-head\",\"status\":\"appointed\"}"
taken matter "$CV" "hex:$MV" put "{\"courtyard\":\"$CV\",\"category\":\"policy\",\"title\":\"宣讲\"}"
taken matter-event "$CV" "hex:$MV" event '{"kind":"step","step":"handle","date":"2024-05-01"}'
taken meeting "$CV" "hex:44444444444444444444444444444444" put "{\"courtyard\":\"$CV\",\"kind\":\"other\",\"date\":\"2024-05-02\"}"
taken mediation "$CV" "hex:55555555555555555555555555555555" put "{\"courtyard\":\"$CV\",\"matter\":\"$MV\",\"date\":\"2024-05-03\"}"
taken ledger "$CV" "hex:$PV" event "{\"kind\":\"earn\",\"unit\":\"points\",\"amount\":5,\"courtyard\":\"$CV\"}"
taken evaluation "$CV" "$CV/2024Q3/4" put "{\"courtyard\":\"$CV\",\"period\":\"2024Q3\",\"category\":4,\"content\":5}"
HEAD_TAKEN=$(hub_node_field "${KEY[raw]}" head_seq)
assert_eq "$HEAD_TAKEN" 10 "the hub holds the raw peer's 10 honest changes"

it_step "every kind x every reference field naming another village: ERR_SCOPE, nothing stored"
# Courtyard: its id, code and village
refused "the id $CW of a Courtyard"  courtyard "$CV" "$CW" put "{\"code\":\"$CV\",\"name\":\"假\"}"
refused "Courtyard.code"             courtyard "$CV" "$CV" put "{\"code\":\"$CW\",\"name\":\"假\",\"households\":99,\"model\":true}"
refused "Courtyard.village"          courtyard "$CV" "$CV" put "{\"village\":\"$W\"}"
refused "not a courtyard code"       courtyard "$V" "$V" put "{\"name\":\"村级\"}"
# Region: its id, code, parent and level
refused "the id $W of a Region"      region "$V" "$W" put "{\"name\":\"二村\"}"
refused "Region.code"                region "$V" "$V" put "{\"code\":\"$W\"}"
refused "Region.parent"              region "$V" "$V" put '{"parent":"500115102"}'
refused "Region.level"               region "$V" "$V" put '{"level":"town"}'
# Person: its courtyard, its id (the victim's person), a courtyard that does not exist
refused "Person.courtyard"           person "$CV" "hex:$NEW" put "{\"name\":\"假\",\"courtyard\":\"$CW\"}"
refused "belongs to courtyard $CW"   person "$CV" "hex:$PW" put "{\"name\":\"冒名\"}"
refused "courtyard ${V}999"          person "${V}999" "hex:$NEW" put '{"name":"无院"}'
refused "belongs to courtyard $CW"   person "$CV" "hex:$PW" delete
# RoleAssignment: the person of its id, its person, courtyard and role fields
refused "the person $PW"             role "$CV" "hex:${PW}01" put "{\"courtyard\":\"$CV\",\"role\":\"courtyard-head\"}"
refused "RoleAssignment.person"      role "$CV" "hex:${PV}01" put "{\"person\":\"$PW\"}"
refused "RoleAssignment.courtyard"   role "$CV" "hex:${PV}01" put "{\"courtyard\":\"$CW\"}"
refused "RoleAssignment.role"        role "$CV" "hex:${PV}01" put '{"role":"bay-head"}'
# Matter: its courtyard, its id (the victim's matter)
refused "Matter.courtyard"           matter "$CV" "hex:$NEW" put "{\"courtyard\":\"$CW\",\"title\":\"假\"}"
refused "belongs to courtyard $CW"   matter "$CV" "hex:$MW" put '{"title":"劫持"}'
# MatterEvent: the matter of its id
refused "the matter $MW"             matter-event "$CV" "hex:$MW" event '{"kind":"step","step":"consult"}'
# Meeting: its courtyard, its id
refused "Meeting.courtyard"          meeting "$CV" "hex:$NEW" put "{\"courtyard\":\"$CW\",\"attendance\":500}"
refused "id of a Meeting"            meeting "$CV" "hex:abcd" put "{\"courtyard\":\"$CV\"}"
# Mediation: its courtyard, its matter
refused "Mediation.courtyard"        mediation "$CV" "hex:$NEW" put "{\"courtyard\":\"$CW\"}"
refused "Mediation.matter"           mediation "$CV" "hex:$NEW" put "{\"courtyard\":\"$CV\",\"matter\":\"$MW\"}"
# LedgerEntry: the account of its id, its courtyard
refused "the person $PW"             ledger "$CV" "hex:$PW" event '{"kind":"earn","unit":"points","amount":1000}'
refused "LedgerEntry.courtyard"      ledger "$CV" "hex:$PV" event "{\"kind\":\"earn\",\"unit\":\"points\",\"amount\":1,\"courtyard\":\"$CW\"}"
# Evaluation: its id, courtyard, period and category
refused "Evaluation is not its courtyard" evaluation "$CV" "$CW/2024Q3/4" put '{"content":10}'
refused "Evaluation.courtyard"       evaluation "$CV" "$CV/2024Q3/4" put "{\"courtyard\":\"$CW\"}"
refused "Evaluation.period"          evaluation "$CV" "$CV/2024Q3/4" put '{"period":"2024Q4"}'
refused "Evaluation.category"        evaluation "$CV" "$CV/2024Q3/4" put '{"category":3}'
# and the region itself, outside the enrolled scope (the older check, still first)
refused "outside the scope"          courtyard "$CW" "$CW" put "{\"code\":\"$CW\",\"name\":\"越界\"}"

assert_eq "$(hub_node_field "${KEY[raw]}" head_seq)" "$HEAD_TAKEN" "the hub holds nothing but the honest 10"
assert_eq "$(hub_digest "$W")" "$WBEFORE" "the victim village's state at the hub is unchanged"

it_step "the town node sees one courtyard per code, the victim's as written"
node_new town "$TOWN"
assert_exit 0 sync town
node_must town courtyard list --json
assert_json "cs = [c for c in j if c['code'] == '$CW']; assert len(cs) == 1 and cs[0]['households'] == 12 and not cs[0].get('model'), cs"
assert_json "assert sorted(c['code'] for c in j) == ['$CV', '$CW'], j"
node_must town matter show "$MW" --json
assert_json "assert j['courtyard'] == '$CW' and j['step'] == 'diagnose' and len(j['events']) == 0, j"
assert_exit 0 sync victim
node_must victim courtyard list --json
assert_json "assert [c['code'] for c in j] == ['$CW'], j"
