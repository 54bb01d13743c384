# digest_conflicts_test.sh -- digest of the merged state (whole and per scope), conflicts.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_TESTLIB"

A=$T/a
B=$T/b
new_node "$A" "$VILLAGE"
new_node "$B" "$VILLAGE2"

digest () { # DIR [SCOPE] -- sets DG
    if [ $# -gt 1 ]; then expect_ok "$NODE" digest --dir "$1" --scope "$2"; else expect_ok "$NODE" digest --dir "$1"; fi
    expect_out '^[0-9a-f]{64}$'
    expect_eq "$(wc -l < "$OUT")" 1 "digest prints one line"
    DG=$(out)
}

# The empty state has one digest, on every node, whatever the scope asked.
digest "$A";  EMPTY=$DG
digest "$A";  expect_eq "$DG" "$EMPTY" "two calls give the same digest"
digest "$B";  expect_eq "$DG" "$EMPTY" "two fresh nodes have the same (empty-state) digest"
digest "$B" "$VILLAGE"; expect_eq "$DG" "$EMPTY" "empty digest with --scope"

# Every write changes the digest; reads do not.
SEEN=$EMPTY
step_digest () {
    digest "$A"
    case " $SEEN " in *" $DG "*) fail "the digest did not change after: $1" ;; esac
    SEEN="$SEEN $DG"
}
expect_ok "$NODE" courtyard add --dir "$A" --code "$CY1" --name 张家院子 --households 18;  step_digest "courtyard add"
expect_ok "$NODE" courtyard add --dir "$A" --code "$CY2" --name 寿和小院 --households 26 --model; step_digest "courtyard add 2"
expect_ok "$NODE" person add --dir "$A" --name 张大爷 --courtyard "$CY1"
P=$(out);                                                                                step_digest "person add"
expect_ok "$NODE" points earn --dir "$A" --person "$P" --amount 10;                      step_digest "points earn"
expect_ok "$NODE" matter open --dir "$A" --courtyard "$CY2" --category customs --title 评选文明家庭
M=$(out);                                                                                step_digest "matter open"
expect_ok "$NODE" matter step --dir "$A" "$M" handle;                                    step_digest "matter step"
FULL=$DG
for cmd in "courtyard list" "person list" "matter list" "meeting list" "mediation list" "points balance" \
           "conflicts" "log" "log verify" "key"; do
    # shellcheck disable=SC2086
    expect_ok "$NODE" $cmd --dir "$A"
done
expect_ok "$NODE" matter show --dir "$A" "$M" --json
expect_ok "$NODE" courtyard show --dir "$A" "$CY1"
digest "$A"; expect_eq "$DG" "$FULL" "reads do not change the digest"

# Scopes: the node's own village covers everything; another village, town or district prefix
# not containing the records gives the empty-state digest, the same as a fresh node's.
digest "$A" "$VILLAGE";  expect_eq "$DG" "$FULL" "digest --scope of the node's own village"
digest "$A" "$TOWN";     expect_eq "$DG" "$FULL" "digest --scope of the town"
digest "$A" "$DISTRICT"; expect_eq "$DG" "$FULL" "digest --scope of the district"
digest "$A" "$VILLAGE2"; expect_eq "$DG" "$EMPTY" "digest --scope of another village is the empty-state digest"
digest "$B" "$VILLAGE2"; expect_eq "$DG" "$EMPTY" "... equal to a fresh node's"
digest "$A" 500116;      expect_eq "$DG" "$EMPTY" "digest --scope of another district"
digest "$A" "$CY1";      CY1_DIGEST=$DG
if [ "$CY1_DIGEST" = "$FULL" ] || [ "$CY1_DIGEST" = "$EMPTY" ]; then
    fail "digest --scope of one courtyard should be neither the whole nor the empty state"
fi
digest "$A" "$CY2";      [ "$DG" != "$CY1_DIGEST" ] || fail "two courtyards with different records have the same digest"
expect_ok "$NODE" courtyard add --dir "$A" --code "${VILLAGE}003" --name 李家湾 --households 12
digest "$A" "$CY1";      expect_eq "$DG" "$CY1_DIGEST" "a write in another courtyard does not change CY1's digest"

# A refused write changes no digest.
digest "$A"; BEFORE=$DG
expect_unchanged "$A" 1 "already exists" "$NODE" courtyard add --dir "$A" --code "$CY1" --name 张家院子 --households 18
digest "$A"; expect_eq "$DG" "$BEFORE" "digest after a refused write"

expect_fail 2 "'digest' does not take --courtyard" "$NODE" digest --dir "$A" --courtyard "$CY1"
expect_fail 2 "option '--scope' needs a value" "$NODE" digest --dir "$A" --scope

# --- conflicts -----------------------------------------------------------------------------------
# A single node that only wrote through the checked commands has no conflict. (Conflicts between
# nodes come from merging concurrent changes; the unit tests of merge cover them.)
expect_ok "$NODE" conflicts --dir "$B"
expect_eq "$(out)" "0 conflicts" "no conflict on a fresh node"
expect_ok "$NODE" conflicts --dir "$A"
expect_eq "$(out)" "0 conflicts" "no conflict on a single node"
expect_ok "$NODE" conflicts --dir "$A" --json
expect_json 'assert isinstance(j, list) and j == [], j'
expect_ok "$NODE" matter show --dir "$A" "$M" --json
expect_json 'assert j["conflicts"] == 0, j'
expect_ok "$NODE" points balance --dir "$A" --person "$P" --json
expect_json 'assert j["conflicts"] == 0, j'
expect_fail 2 "'conflicts' does not take --scope" "$NODE" conflicts --dir "$A" --scope "$VILLAGE"
expect_fail 2 "wrong number of arguments" "$NODE" conflicts --dir "$A" all

# A scope that is not a region code prefix is refused, not taken for an empty region.
expect_unchanged "$A" 1 "scope" "$NODE" digest --dir "$A" --scope abc
