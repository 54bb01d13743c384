# plausibility_sync_test.sh -- what arrives from others (issue 12; docs/protocol.md 7.8, 12.7;
# docs/reports.md): node a, its clock 3 days fast, records a meeting dated 3 days ahead; its
# clock is fixed and corrected, a syncs, b syncs. Both replicas and the hub hold the meeting
# (merge is never judged: equal digests), b's `conflicts` lists it as implausible (dated days
# after the day it was written), and the reports of b and of the hub count it only as of its
# date, not as of today.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"

V=500115201001
CY=${V}001
TODAY=$(date +%F)
D3=$(date -d "$TODAY +3 days" +%F)
D3_UTC=$(date -u -d "$(date -u +%F) +3 days" +%F)

it_step "hub; nodes a and b of one village; b adds a courtyard of 12 households"
hub_init
hub_start
node_new a "$V"
node_new b "$V"
node_must b courtyard add --code "$CY" --name 张家院子 --households 12 --residents 40
sync b --deadline 20
assert_eq "$?" 0 "b syncs"
sync a --deadline 20
assert_eq "$?" 0 "a syncs"

it_step "a's clock is 3 days fast: its meeting is dated 3 days ahead; fixed and corrected, a syncs"
SHOUHE_FAULT_CLOCK_MS=$((3 * 86400000)) node_must a meeting record --courtyard "$CY" --kind deliberation \
    --attendance 30
M=$(out)
node_must a clock correct
sync a --deadline 20
assert_eq "$?" 0 "a syncs the meeting and the correction"
sync b --deadline 20
assert_eq "$?" 0 "b takes them"
node_must a digest
DA=$(out)
node_must b digest
assert_eq "$(out)" "$DA" "a and b hold the same state, the implausible meeting included"

it_step "b's conflicts list the meeting as implausible; a's too"
for n in b a; do
    node_must "$n" conflicts
    assert_out "^1 implausible$"
    node_must "$n" conflicts --json
    assert_json "assert len(j) == 1, j
c = j[0]
assert list(c) == ['kind', 'record', 'region', 'entity', 'field', 'value', 'hlc', 'reason'], c
assert (c['kind'], c['record'], c['region'], c['entity'], c['field'], c['value']) == \
    ('implausible', 'meeting', '$CY', '$M', 'date', '$D3'), c
assert 'after the day it was written at UTC+14' in c['reason'] and 'at most 1 day ahead' in c['reason'], c"
done
node_must b meeting list --json
assert_json "assert [m['date'] for m in j] == ['$D3'], j"

it_step "reports count it as of its date, not as of today"
node_must b report --format json
assert_json "assert j['today'] == '$TODAY' and j['meetings'] == 0, (j['today'], j['meetings'])"
node_must b report --format json --date "$D3"
assert_json "assert j['meetings'] == 1, j['meetings']"
hub_cmd report --village "$V" --format json
assert_eq "$RC" 0 "shouhe-hub report"
assert_json "assert j['meetings'] == 0, j['meetings']"
hub_cmd report --village "$V" --format json --date "$D3_UTC"
assert_eq "$RC" 0 "shouhe-hub report --date"
assert_json "assert j['meetings'] == 1, j['meetings']"

hub_stop
