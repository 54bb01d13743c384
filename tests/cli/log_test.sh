# log_test.sh -- log, log verify, and tampering detected by log verify (sh_tamper).
set -u
# shellcheck source=lib.sh
source "$SHOUHE_TESTLIB"

if [ -z "$TAMPER" ] || [ ! -x "$TAMPER" ]; then
    echo "log_test.sh: SHOUHE_TAMPER must name the sh_tamper tool" >&2
    exit 1
fi

A=$T/a
new_node "$A" "$VILLAGE"
KEY=$(out)

# An empty log.
expect_ok "$NODE" log --dir "$A"
expect_eq "$(out)" "" "an empty log lists nothing"
expect_ok "$NODE" log --dir "$A" --json
expect_json 'assert j == []'
expect_ok "$NODE" log verify --dir "$A"
expect_eq "$(out)" "ok: 0 changes verified (signatures and chains)" "verify of an empty log"

# Ten changes of every kind.
expect_ok "$NODE" courtyard add --dir "$A" --code "$CY1" --name 张家院子 --households 18          # 1
expect_ok "$NODE" courtyard add --dir "$A" --code "$CY2" --name 寿和小院 --households 26 --model  # 2
expect_ok "$NODE" person add --dir "$A" --name 张大爷 --courtyard "$CY1"                        # 3
P1=$(out)
expect_ok "$NODE" person add --dir "$A" --name 李阿姨 --courtyard "$CY2"                        # 4
expect_ok "$NODE" role assign --dir "$A" --person "$P1" --role courtyard-head                   # 5
expect_ok "$NODE" matter open --dir "$A" --courtyard "$CY1" --category environment --title 清理院坝  # 6
M=$(out)
expect_ok "$NODE" matter step --dir "$A" "$M" handle                                            # 7
expect_ok "$NODE" meeting record --dir "$A" --courtyard "$CY2" --kind party-masses-day --attendance 30  # 8
expect_ok "$NODE" points earn --dir "$A" --person "$P1" --amount 10                             # 9
expect_ok "$NODE" evaluate --dir "$A" --courtyard "$CY2" --period 2024Q3 --category policy \
    --content 7 --effect 8 --satisfaction 9                                                     # 10
KINDS="courtyard courtyard person person role matter matter_event meeting ledger evaluation"

# --- log ---------------------------------------------------------------------------------------
expect_ok "$NODE" log --dir "$A"
expect_eq "$(wc -l < "$OUT")" 10 "one line per change"
expect_out "^ +1 ${KEY:0:16}… seq 1 +courtyard +put +$CY1 +$CY1\$"
expect_out "^ +3 ${KEY:0:16}… seq 3 +person +put +$CY1 +$P1\$"
expect_out "^ +7 ${KEY:0:16}… seq 7 +matter_event +event +$CY1 +$M\$"
expect_out "^ +10 ${KEY:0:16}… seq 10 +evaluation +put +$CY2 "
expect_ok "$NODE" log --dir "$A" --json
expect_json "
assert len(j) == 10, len(j)
assert [e['index'] for e in j] == list(range(1, 11)), [e['index'] for e in j]
assert [e['seq'] for e in j] == list(range(1, 11)), [e['seq'] for e in j]
assert all(e['author'] == '$KEY' for e in j), [e['author'] for e in j]
assert [e['kind'] for e in j] == '$KINDS'.split(), [e['kind'] for e in j]
assert [e['op'] for e in j] == ['put'] * 6 + ['event', 'put', 'event', 'put'], [e['op'] for e in j]
assert all(re.fullmatch('[0-9a-f]{64}', e['hash']) for e in j), j
assert len(set(e['hash'] for e in j)) == 10, 'hashes must differ'
assert [e['region'] for e in j][:3] == ['$CY1', '$CY2', '$CY1'], j
assert j[5]['entity'] == '$M' and j[6]['entity'] == '$M', j
assert all(j[i]['hlc'] < j[i + 1]['hlc'] for i in range(9)), 'hlc increases'
"
expect_fail 2 "'log' does not take --scope" "$NODE" log --dir "$A" --scope "$VILLAGE"

# --- log verify on a good log ------------------------------------------------------------------------
expect_ok "$NODE" log verify --dir "$A"
expect_eq "$(out)" "ok: 10 changes verified (signatures and chains)" "verify of a good log"
expect_ok "$NODE" log verify --dir "$A" --json
expect_json 'assert j == {"ok": True, "checked": 10}, j'
GOOD_STATE=$(store_state "$A")

# Another node's key, for re-signing and re-authoring.
new_node "$T/other" "$VILLAGE2"
OTHERKEY=$T/other/node.key

# tampered NAME TAMPER-ARGS... -- D = a copy of A damaged by sh_tamper.
tampered () {
    D=$T/t-$1
    shift
    rm -rf "$D"
    cp -a "$A" "$D"
    expect_ok "$TAMPER" "$D" "$@"
}

# detected DIR INDEX PATTERN FAULT -- log verify exits 1, names the entry and the cause,
# also in --json, and changes nothing.
detected () {
    local dir=$1 index=$2 pattern=$3 fault=$4
    expect_unchanged "$dir" 1 "log verify failed: log entry $index \(author [0-9a-f]{16}…, seq [0-9]+\): .*$pattern" \
        "$NODE" log verify --dir "$dir"
    expect_unchanged "$dir" 1 "log entry $index " "$NODE" log verify --dir "$dir" --json
    expect_json "assert j['ok'] is False and j['index'] == $index and j['fault'] == '$fault', j
assert j['checked'] == $index - 1, j"
}

# flip: one bit of the signed bytes (by default in the region code) -> a bad signature.
tampered flip5 flip 5;              detected "$D" 5 "signature does not verify" signature
tampered flip1 flip 1;              detected "$D" 1 "signature does not verify" signature
tampered flip10 flip 10;            detected "$D" 10 "signature does not verify" signature
tampered flip7 flip 7 20;           detected "$D" 7 "signature" signature
# remove: an entry dropped from the middle or from the end.
tampered remove5 remove 5;          detected "$D" 5 "missing \(the log jumps from entry 4 to 6\)" "missing entry"
tampered remove10 remove 10;        detected "$D" 10 "missing \(the log ends at entry 9 but 10 entries were appended\)" "missing entry"
# swap: two changes of the same author trade places.
tampered swap47 swap 4 7;           detected "$D" 4 "chain" chain
tampered swap910 swap 9 10;         detected "$D" 9 "chain" chain
# resign: the right bytes, signed by another key.
tampered resign5 resign 5 "$OTHERKEY";       detected "$D" 5 "signature does not verify" signature
tampered resign10 resign 10 "$OTHERKEY";     detected "$D" 10 "signature does not verify" signature
# reauthor: another key claims the change and signs it validly.
tampered reauthor5 reauthor 5 "$OTHERKEY";     detected "$D" 5 "chain" chain
tampered reauthor10 reauthor 10 "$OTHERKEY";   detected "$D" 10 "chain" chain
tampered reauthor1 reauthor 1 "$OTHERKEY"
expect_unchanged "$D" 1 "log verify failed: log entry 1 \(" "$NODE" log verify --dir "$D"

# The original was never touched.
expect_ok "$NODE" log verify --dir "$A"
expect_eq "$(store_state "$A")" "$GOOD_STATE" "the original node is unchanged"

# A tampered log is listed as it is (the auditor can look at it).
D=$T/t-remove5
expect_ok "$NODE" log --dir "$D" --json
expect_json 'assert [e["index"] for e in j] == [1, 2, 3, 4, 6, 7, 8, 9, 10], [e["index"] for e in j]'
