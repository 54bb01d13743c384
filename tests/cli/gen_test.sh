# gen_test.sh -- tests/tools/sh_gen: realistic signed data that verifies, breaks no rule,
# and is the same for the same seed.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_TESTLIB"

GEN=${SHOUHE_GEN:-}
if [ -z "$GEN" ] || [ ! -x "$GEN" ]; then
    fail "SHOUHE_GEN must name the sh_gen binary (run through ctest)"
    exit 1
fi

# kinds DIR -- "kind:count ..." of the node's log, sorted by kind.
kinds () {
    "$NODE" log --dir "$1" --json | python3 -c '
import json, sys, collections
c = collections.Counter(e["kind"] for e in json.load(sys.stdin))
print(" ".join("%s:%d" % kv for kv in sorted(c.items())))'
}

# generated DIR N -- the node in DIR holds a valid log of N changes and no conflict.
generated () {
    expect_ok "$NODE" log verify --dir "$1"
    expect_out "^ok: $2 changes verified"
    expect_ok "$NODE" conflicts --dir "$1"
    expect_out '^0 conflicts$'
    expect_ok "$NODE" conflicts --dir "$1" --json
    expect_json 'assert j == [], j'
}

# --- command line -------------------------------------------------------------------------
expect_fail 2 "DIR is missing" "$GEN"
expect_fail 2 "unknown option '--frobnicate'" "$GEN" "$T/x" --frobnicate
expect_fail 2 "--changes takes a whole number from 1 to 100000000, not '0'" "$GEN" "$T/x" --changes 0
expect_fail 2 "--changes takes a whole number .*, not 'many'" "$GEN" "$T/x" --changes many
expect_fail 2 "--batch takes a whole number" "$GEN" "$T/x" --batch
expect_fail 2 "one DIR only" "$GEN" "$T/x" "$T/y"
expect_ok "$GEN" --help
expect_out '^usage: sh_gen DIR'
mkdir -p "$T/empty"
expect_fail 1 "^sh_gen: cannot open the replica in $T/empty: " "$GEN" "$T/empty"

# --- two village nodes, same seed; a third with another seed --------------------------------
A=$T/a; B=$T/b; C=$T/c
new_node "$A" "$VILLAGE"
new_node "$B" "$VILLAGE"
new_node "$C" "$VILLAGE"
expect_ok "$GEN" "$A" --changes 500 --seed 11
expect_out "^sh_gen: wrote 500 changes to $A \\(scope $VILLAGE\\) in [0-9]+ ms\$"
expect_eq "$(wc -l < "$OUT")" 1 "sh_gen prints one line"
expect_ok "$GEN" "$B" --changes 500 --seed 11 --batch 37
expect_ok "$GEN" "$C" --changes 500 --seed 12
for d in "$A" "$B" "$C"; do
    generated "$d" 500
done

# every kind of record is there
expect_eq "$(kinds "$A" | tr ' ' '\n' | cut -d: -f1 | tr '\n' ' ')" \
    "courtyard evaluation ledger matter matter_event mediation meeting person region role " "kinds written"

# The same seed gives the same records (ids, titles, dates, steps), under each node's own key;
# the batch size does not matter.
for what in "courtyard list" "person list" "matter list" "meeting list" "mediation list" "points balance"; do
    # shellcheck disable=SC2086
    a=$("$NODE" $what --dir "$A" --json) && b=$("$NODE" $what --dir "$B" --json) \
        || fail "$what --json failed"
    expect_eq "$(printf '%s' "$a" | md5sum)" "$(printf '%s' "$b" | md5sum)" "same seed, same '$what'"
done
expect_eq "$(kinds "$A")" "$(kinds "$B")" "same seed, same mix of changes"
expect_ok "$NODE" evaluate --dir "$A" --courtyard "${VILLAGE}001" --period 2025Q1 --json
ev_a=$(out)
expect_ok "$NODE" evaluate --dir "$B" --courtyard "${VILLAGE}001" --period 2025Q1 --json
expect_eq "$(out)" "$ev_a" "same seed, same evaluation"
# ... but each node signed them with its own key
expect_ok "$NODE" key --dir "$A"
key_a=$(out)
expect_ok "$NODE" log --dir "$B" --json
expect_json "assert all(e['author'] != '$key_a' for e in j)"
# Another seed gives other records.
a=$("$NODE" matter list --dir "$A" --json)
c=$("$NODE" matter list --dir "$C" --json)
[ "$a" != "$c" ] || fail "seeds 11 and 12 gave the same matters"

# --- realistic and rule-abiding -----------------------------------------------------------
expect_ok "$NODE" courtyard list --dir "$A" --json
expect_json "
assert 5 <= len(j) <= 12, len(j)
for c in j:
    assert re.fullmatch('${VILLAGE}[0-9]{3}', c['code']) and c['village'] == '$VILLAGE', c
    assert 5 <= c['households'] <= 60 and c['name'], c
"
expect_ok "$NODE" matter list --dir "$A" --json
expect_json "
tiers = {m['tier'] for m in j}
assert len(j) >= 20 and 'micro' in tiers and 'small' in tiers, (len(j), tiers)
micro = sum(m['tier'] == 'micro' for m in j)
assert micro > len(j) / 2, (micro, len(j))
assert len({m['category'] for m in j}) >= 5
assert any(m['closed'] for m in j) and any(not m['closed'] for m in j)
for m in j:
    assert m['conflicts'] == 0, m
    assert re.fullmatch('${VILLAGE}[0-9]{3}', m['region']) and m['region'] == m['courtyard'], m
    if m['tier'] == 'micro':
        assert m['step'] in ('diagnose', 'handle', 'feedback') and m['escalations'] == 0, m
    else:
        assert m['escalations'] >= 1, m
    if m['closed']:
        assert m['step'] == 'feedback' and 1 <= m['satisfaction'] <= 5, m
"
# each matter's events carry dates that never go back in time, none before it was opened
ids=$(printf '%s' "$a" | python3 -c 'import json,sys; print(" ".join(m["id"] for m in json.load(sys.stdin)[:8]))')
for id in $ids; do
    expect_ok "$NODE" matter show --dir "$A" "$id" --json
    expect_json "
d = [j['opened_on']] + [e['date'] for e in j['events']]
assert d == sorted(d), d
assert all('conflict' not in e for e in j['events']), j
"
done
expect_ok "$NODE" points balance --dir "$A" --json
expect_json "
assert len(j) > 0
for p in j:
    assert p['conflicts'] == 0 and p['points']['balance'] >= 0 and p['minutes']['balance'] >= 0, p
assert any(p['points']['redeemed'] > 0 for p in j) or any(p['minutes']['redeemed'] > 0 for p in j)
"
expect_ok "$NODE" meeting list --dir "$A" --json
expect_json "
kinds = [m['kind'] for m in j]
assert kinds.count('party_masses_day') > len(kinds) / 2, kinds
# one party-masses day per courtyard per month
days = [(m['courtyard'], m['date'][:7]) for m in j if m['kind'] == 'party_masses_day']
assert len(days) == len(set(days)), days
"

# --- a second run on the same node picks new ids and still breaks no rule ------------------
expect_ok "$GEN" "$A" --changes 500 --seed 11
generated "$A" 1000
n_before=$(printf '%s' "$a" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
expect_ok "$NODE" matter list --dir "$A" --json
expect_json "assert len(j) > $n_before, (len(j), $n_before)"

# --- a town node: villages under the town, batch of 1 -------------------------------------
D=$T/d
new_node "$D" "$TOWN"
expect_ok "$GEN" "$D" --changes 120 --seed 5 --batch 1
expect_out "^sh_gen: wrote 120 changes to $D \\(scope $TOWN\\) in [0-9]+ ms\$"
generated "$D" 120
expect_ok "$NODE" courtyard list --dir "$D" --json
expect_json "
assert len(j) >= 2 and all(re.fullmatch('${TOWN}2[0-9]{2}[0-9]{3}', c['code']) for c in j), j
assert len({c['village'] for c in j}) >= 2
"

# --- matters only -------------------------------------------------------------------------
E=$T/e
new_node "$E" "$VILLAGE2"
expect_ok "$GEN" "$E" --changes 200 --seed 3 --matters-only
generated "$E" 200
expect_eq "$(kinds "$E" | sed 's/:[0-9]*//g')" "courtyard matter matter_event" "--matters-only writes matters"
# on a node with courtyards: only matters and events, on those courtyards
expect_ok "$GEN" "$C" --changes 150 --seed 3 --matters-only
generated "$C" 650
before=$(kinds "$C" | tr ' ' '\n' | grep -v '^matter')
expect_ok "$GEN" "$C" --changes 150 --seed 4 --matters-only
after=$(kinds "$C" | tr ' ' '\n' | grep -v '^matter')
expect_eq "$after" "$before" "--matters-only adds nothing but matters and events"
