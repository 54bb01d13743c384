# witness_test.sh -- a town node as a witness of the hub's checkpoints (docs/protocol.md 16,
# c2sp.org/tlog-witness and tlog-cosignature):
#   witness init makes DIR/witness.key (0600) and prints its key; the hub enrols it --role witness
#   the town's sync cosigns the hub's newest checkpoint; shouhe-hub checkpoint prints it with the
#   cosignature line, which a second implementation (Python, PyNaCl, written from the C2SP text)
#   verifies: key ID SHA-256(name || "\n" || 0x04 || key)[:4], big-endian time, Ed25519 over
#   "cosignature/v1\ntime T\n" || the checkpoint text
#   the log grows: the next sync cosigns the larger tree (a consistency proof from the size cosigned
#   before, the promise read back from the witness's store by a new process)
#   a fork of the hub (its store copied, then grown differently: a split view) gets no
#   cosignature: the town refuses it (exit 6; its receipts see the fork before its witness is
#   asked -- the witness's own refusal of a fork, a smaller tree and another root, and its
#   promise across restarts, are tested on real stores in tests/unit/sh_witness_test.c); the
#   fork's checkpoint carries no line of the witness
#   shouhe-audit verify --witness NAME=HEX --quorum K: the largest verified checkpoint with the
#   quorum is reported (text and JSON); a quorum no checkpoint reaches, or a wrong key for the
#   name, is a "quorum" fault naming the missing witnesses; bad --witness/--quorum exit 2
#   a village that requires the witness (shouhe-node witnesses --add NAME=HEX --quorum 1): its new
#   receipts are "not yet witnessed (missing: NAME)" until the witness cosigns, then witnessed;
#   on the fork its receipts are never witnessed
#   a key enrolled as a node cannot be used as a witness (ERR_ROLE, exit 5)
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"
PY=$(rawpeer_python) || { echo "witness_test: needs python3 with nacl (python3-nacl)" >&2; exit 1; }

AUDIT=${SHOUHE_AUDIT:-}
[ -x "$AUDIT" ] || { echo "SKIP: SHOUHE_AUDIT is not set" >&2; exit 77; }
TOWN=500115108
V=${TOWN}201
W=${TOWN}202
WNAME=changshou/$TOWN/witness

hub_init
hub_start
node_new v "$V"
node_new w "$W"
node_new t "$TOWN"

it_step "witness init: a key of its own, 0600, and the enrolment it needs"
it_must "$NODE" witness init --dir "$(ndir t)" --name "$WNAME"
WKEY=$(out)
[[ $WKEY =~ ^[0-9a-f]{64}$ ]] || it_fail "expected: the witness's public key (64 hex)" "actual: '$WKEY'"
[ "$(stat -c %a "$(ndir t)/witness.key")" = 600 ] || it_fail "expected: witness.key is mode 0600"
assert_err "shouhe-hub enroll --dir HUB --scope SCOPE --key $WKEY --name $WNAME --role witness"
assert_exit 1 "$NODE" witness init --dir "$(ndir t)" --name "$WNAME"
assert_err "exists: this node is a witness already"
assert_exit 2 "$NODE" witness init --dir "$(ndir v)" --name "no spaces allowed"
assert_exit 2 "$HUB" enroll --dir "$HUB_DIR" --scope "$TOWN" --key "$WKEY" --role witness
assert_err "a witness or a mirror needs --name NAME"
it_must "$HUB" enroll --dir "$HUB_DIR" --scope "$TOWN" --key "$WKEY" --name "$WNAME" --role witness
it_must "$HUB" nodes --dir "$HUB_DIR" --json
assert_json "assert [n['role'] for n in j if n['key'] == '$WKEY'] == ['witness'], j"

it_step "the town's sync cosigns the hub's newest checkpoint"
node_must v courtyard add --code "${V}001" --name 李家院子 --households 9
node_must v courtyard add --code "${V}002" --name 王家院子 --households 7
it_must sync v
it_must sync t
assert_err "witness $WNAME cosigned the hub's checkpoint of size [0-9]+ \(1 witnesses"
SIZE1=$(grep -Eo "checkpoint of size [0-9]+" "$ERR" | grep -Eo '[0-9]+$')

it_must "$HUB" checkpoint --dir "$HUB_DIR"
cp "$OUT" "$T/cp1"
got=$(verify_cosig "$T/cp1" "$WNAME" "$WKEY" 2>&1) || it_fail "expected: the C2SP cosignature verifies in Python" "$got"
assert_eq "${got%% *}" "$SIZE1" "the cosigned checkpoint is the hub's newest"
now=$(date +%s)
t1=${got##* }
[ $((now - t1)) -ge 0 ] && [ $((now - t1)) -lt 600 ] || it_fail "expected: the cosignature's time is now" "actual: $t1"

it_step "the log grows: a new process cosigns the larger tree from the size it cosigned"
node_must v courtyard add --code "${V}003" --name 张家院子 --households 5
it_must sync v
it_must sync t
assert_err "cosigned the hub's checkpoint of size [0-9]+"
SIZE2=$(grep -Eo "checkpoint of size [0-9]+" "$ERR" | grep -Eo '[0-9]+$')
[ "$SIZE2" -gt "$SIZE1" ] || it_fail "expected: a larger tree cosigned" "actual: $SIZE1 then $SIZE2"
it_must "$HUB" checkpoint --dir "$HUB_DIR"
got=$(verify_cosig "$OUT" "$WNAME" "$WKEY" 2>&1) || it_fail "expected: the second cosignature verifies in Python" "$got"
assert_eq "${got%% *}" "$SIZE2" "the second cosigned size"

it_step "a village that requires the witness: its receipts count once cosigned"
it_must "$NODE" witnesses --dir "$(ndir v)" --add "$WNAME=$WKEY" --quorum 1
assert_out "^$WNAME=$WKEY$"
assert_out "quorum 1 of 1"
it_must "$NODE" witnesses --dir "$(ndir w)" --add "$WNAME=$WKEY"
assert_exit 1 "$NODE" witnesses --dir "$(ndir w)" --quorum 2
assert_err "--quorum must be from 1 to the number of witnesses trusted"
assert_exit 2 "$NODE" witnesses --dir "$(ndir w)" --add "$WNAME"
assert_exit 1 "$NODE" witnesses --dir "$(ndir w)" --remove changshou/nobody/witness
assert_err "no trusted witness is named changshou/nobody/witness"
it_must "$NODE" witnesses --dir "$(ndir w)" --quorum 1
assert_exit 1 "$NODE" witnesses --dir "$(ndir w)" --remove "$WNAME"
assert_err "would leave fewer witnesses than the quorum: lower --quorum first"
it_must "$NODE" witnesses --dir "$(ndir w)" --json
assert_json "assert [x['name'] for x in j['witnesses']] == ['$WNAME'] and j['quorum'] == 1, j"
node_must v courtyard add --code "${V}005" --name 孙家院子 --households 8
it_must sync v
assert_err "witnesses: receipts are witnessed up to tree size $SIZE2; those up to [0-9]+ are not yet \(missing cosignatures: $WNAME\)"
it_must sync t
SIZE4=$(grep -Eo "checkpoint of size [0-9]+" "$ERR" | grep -Eo '[0-9]+$')
it_must sync v
assert_err "witnesses: every receipt this node holds is witnessed \(up to tree size $SIZE4\)"
it_must "$NODE" witnesses --dir "$(ndir v)" --json
assert_json "assert j['witnessed'] == $SIZE4 and j['quorum'] == 1 and j['witnesses'][0]['name'] == '$WNAME', j"
SIZE2=$SIZE4

it_step "the auditor requires a quorum of witnesses"
it_must "$HUB" export --dir "$HUB_DIR" "$T/x1.export"
HK=$("$HUB" key --dir "$HUB_DIR")
OTHER=$(printf '%064d' 7)
it_must "$AUDIT" verify "$T/x1.export" --hub-key "$HK" --witness "$WNAME=$WKEY" --quorum 1
assert_out "witnesses:   the checkpoint of size $SIZE2 carries the quorum \(1 of the 1 named\)"
it_must "$AUDIT" verify "$T/x1.export" --hub-key "$HK" --witness "$WNAME=$WKEY" --json
assert_json "assert j['ok'] and j['witnessed'] == $SIZE2 and j['quorum'] == 1 and j['witnesses'] == [{'name': '$WNAME', 'cosigned_latest': True}], j"
assert_exit 1 "$AUDIT" verify "$T/x1.export" --hub-key "$HK" --witness "$WNAME=$WKEY" \
    --witness "changshou/500115109/witness=$OTHER" --quorum 2
assert_out "fault quorum: .*no verified checkpoint carries 2 cosignatures of the named witnesses; the latest \(size $SIZE2\) has 1, missing: changshou/500115109/witness"
assert_exit 1 "$AUDIT" verify "$T/x1.export" --hub-key "$HK" --witness "$WNAME=$OTHER"
assert_out "fault quorum"
assert_exit 2 "$AUDIT" verify "$T/x1.export" --hub-key "$HK" --witness "$WNAME=$WKEY" --quorum 2
assert_err "--quorum must be a whole number from 1 to the number of --witness given \(1\)"
assert_exit 2 "$AUDIT" verify "$T/x1.export" --hub-key "$HK" --witness "$WNAME"
assert_err "--witness: .*is not NAME=HEXKEY"

it_step "a key not enrolled as a witness is refused; a witness key without its name too"
it_must "$NODE" witness init --dir "$(ndir v)" --name "changshou/$V/witness"
assert_exit 5 sync v
assert_err "ERR_ROLE.*not enrolled as a witness"
rm "$(ndir v)/witness.key"
cp "$(ndir v)/node.key" "$(ndir v)/witness.key"         # the node's own key: enrolled as a node
chmod 600 "$(ndir v)/witness.key"
assert_exit 5 sync v
assert_err "not enrolled as a witness"
rm "$(ndir v)/witness.key"
it_must sync v
cp "$(ndir w)/node.key" "$(ndir w)/witness.key"         # a key file and no cosigner name
chmod 600 "$(ndir w)/witness.key"
assert_exit 3 sync w
assert_err "has a witness key but no valid cosigner name"
rm "$(ndir w)/witness.key"

it_step "a fork of the hub (a split view) gets no cosignature"
hub_stop
cp -a "$HUB_DIR" "$T/fork"
hub_start
node_must v courtyard add --code "${V}004" --name 赵家院子 --households 4
it_must sync v
it_must sync t
SIZE3=$(grep -Eo "checkpoint of size [0-9]+" "$ERR" | grep -Eo '[0-9]+$')
hub_stop
# the fork: the copy of the store, grown by another village's writes
hub_start "$T/fork"
node_must w courtyard add --code "${W}001" --name 陈家院子 --households 6
node_must w courtyard add --code "${W}002" --name 刘家院子 --households 3
it_must sync w
# w requires the witness: its receipts on the fork are never witnessed
assert_err "witnesses: receipts are witnessed up to tree size [0-9]+; those up to [0-9]+ are not yet"
it_must "$NODE" witnesses --dir "$(ndir w)" --json
W_WITNESSED=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["witnessed"])' "$OUT")
[ "$W_WITNESSED" -le "$SIZE3" ] || it_fail "expected: no fork checkpoint counts as witnessed for w" "actual: $W_WITNESSED"
assert_exit 6 sync t
assert_err "inconsistent with the checkpoint you hold"
it_must "$HUB" checkpoint --dir "$T/fork"
if verify_cosig "$OUT" "$WNAME" "$WKEY" > /dev/null 2>&1; then
    it_fail "expected: the fork's newest checkpoint carries no cosignature of the witness"
fi
hub_stop
[ -n "$SIZE3" ] || it_fail "expected: the third cosignature before the fork was shown"

[ "$FAILURES" -eq 0 ] && it_step "ok"
