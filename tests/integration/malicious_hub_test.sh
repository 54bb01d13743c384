# malicious_hub_test.sh -- every node-side check of what a hub sends (docs/protocol.md 13.9,
# 13.11, 13.16, 13.18), against a scripted malicious hub: fakehub.py holds the real hub's key
# (its CURVE keys derived from hub.key as shouhe-hub derives them), relays the node's messages
# to the real hub and alters the answers. Closes docs/security.md 2.7 items 1-5.
#
# Each refused scenario asserts the node's exit code, its message (node/node_session.c) and that the
# sync changed nothing in the node's store: the same digest and log, `log verify` passes, no
# batch receipt added and the receipts still verify (`shouhe-audit receipts`; at most the
# Welcome's honest checkpoint is new), and the download cursor unchanged (the final honest sync
# downloads exactly the changes that were waiting before the first malicious Batch). The fake
# hub's log must show that it altered a message (no vacuous pass).
#
#   --hub-key not a key (not hex, 63 or 65 digits, the identity point, y = 2 (no x), a point
#   outside the prime-order subgroup)                   exit 1  "is not a hub public key"
#   --hub-key of another hub, a fresh node (real hub)   exit 6  "CURVE handshake ... failed"
#   a hub with its own key impersonating the real one   exit 6  (the same)
#   a node holding checkpoints, a hub with another key  exit 6  "is this another hub?" (no connection)
#   Welcome without checkpoint (node holds one)         exit 6  "inconsistent ... the hub shows none"
#   Welcome log_size below the node's cursor            exit 6  "is this another hub, or one restored"
#   Welcome head_seq above the node's head, no changes  exit 6  "... but sent none from N"
#   Welcome scope wider than the node's                 exit 5  "the hub enrolled this node for scope"
#   Ack checkpoint signed by another key / forged       exit 6  "not signed by --hub-key"
#   Ack receipt range altered                           exit 6  "does not include this node's changes"
#   Ack first_leaf altered                              exit 6  "does not match the batch it acknowledges"
#   Batch: bad signature, unvouched author, key scope, auditor author, outside the node's scope,
#   equivocation, wrong prev, own-chain gap, own-chain fork, next < since   exit 6, each its message
#   Ack without checkpoint; Welcome and Ack without checkpoints (fresh node)  exit 0 (silently!)
#   Welcome compress = 1 to a node that did not ask (--compress off)   exit 0, its Pushes plain
# Positive controls: an honest relay, a checkpoint re-signed by the fake hub with the hub key and
# a valid change of an invented, vouched-for author are accepted (exit 0), so each refusal is due
# to the one defect the scenario introduces.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"

PY=$(rawpeer_python) || {
    echo "SKIP $IT_NAME: no python3 with zmq and nacl (python3-zmq, python3-nacl)" >&2
    exit 77
}
FAKEHUB=$(dirname "$SHOUHE_ITLIB")/fakehub.py
AUDIT=${SHOUHE_AUDIT:-}

TOWN=500115102
V=${TOWN}001
FAKE_EP=
FAKE_PID=
FAKE_LOG=
FAKE_N=0

# fakehub_start SCENARIO NODE [--key-file HUB.KEY] [--upstream-key HEX] -- a fake hub relaying
# NODE's messages to the real hub; sets FAKE_EP, FAKE_PID, FAKE_LOG.
fakehub_start () {
    local sc=$1 name=$2 pf i
    shift 2
    local keyfile=$HUB_DIR/hub.key extra=()
    while [ $# -gt 0 ]; do
        case $1 in
            --key-file) keyfile=$2; shift 2 ;;
            *) extra+=("$1"); shift ;;
        esac
    done
    FAKE_N=$((FAKE_N + 1))
    pf=$T/fake$FAKE_N.port
    FAKE_LOG=$T/fake$FAKE_N.log
    setsid "$PY" "$FAKEHUB" --key-file "$keyfile" --upstream "$HUB_EP" \
        --node-key-file "$(ndir "$name")/node.key" --scope "$V" --port-file "$pf" --log "$FAKE_LOG" \
        ${extra[@]+"${extra[@]}"} "$sc" < /dev/null > "$T/fake$FAKE_N.stderr" 2>&1 &
    FAKE_PID=$!
    it_track "$FAKE_PID"
    for ((i = 0; i < 200; i++)); do
        [ -s "$pf" ] && break
        _it_alive "$FAKE_PID" || break
        sleep 0.05
    done
    if ! [ -s "$pf" ]; then
        RC=0; LAST_CMD="fakehub.py $sc"; : > "$OUT"; cp "$T/fake$FAKE_N.stderr" "$ERR"
        it_fail "expected: the fake hub writes its port within 10 s"
        return 1
    fi
    FAKE_EP=tcp://127.0.0.1:$(head -n 1 "$pf")
}

fakehub_stop () {
    [ -n "$FAKE_PID" ] || return 0
    if ! _it_alive "$FAKE_PID"; then
        RC=0; LAST_CMD="fakehub.py (pid $FAKE_PID)"; : > "$OUT"; cp "$T/fake$FAKE_N.stderr" "$ERR"
        it_fail "expected: the fake hub still runs" "actual:   it died"
    fi
    _it_kill_group "$FAKE_PID" TERM
    wait "$FAKE_PID" 2>/dev/null
    FAKE_PID=
}

# fake_applied SCENARIO -- the fake hub's log shows that it altered a message (no vacuous pass)
fake_applied () {
    if ! grep -q "\"applied\": \"$1\"" "$FAKE_LOG"; then
        RC=0; LAST_CMD="grep applied $FAKE_LOG"; : > "$OUT"; tail -n 20 "$FAKE_LOG" > "$ERR"
        it_fail "expected: the fake hub applied scenario $1"
    fi
}

# fake_log_check PYTHON -- assertions on the fake hub's log: hellos and pushes are the messages it
# relayed from the node, welcomes the Welcomes it altered (each a dict of the log line)
fake_log_check () {
    RC=0; LAST_CMD="fake hub log $FAKE_LOG"; : > "$OUT"
    python3 -c '
import json, sys
L = [json.loads(x) for x in open(sys.argv[1])]
hellos = [x for x in L if x.get("msg") == "hello" and x.get("dir") == "node->hub"]
pushes = [x for x in L if x.get("msg") == "push" and x.get("dir") == "node->hub"]
welcomes = [x for x in L if x.get("applied") == "welcome-compress"]
exec(sys.argv[2])' "$FAKE_LOG" "$1" > "$ERR" 2>&1 || it_fail "expected of the fake hub's log: $1"
}

# sync_key NAME ENDPOINT HUBKEY [ARGS] -- shouhe-node sync with an explicit --hub-key
sync_key () {
    local name=$1 ep=$2 key=$3
    shift 3
    timeout -k 5 60 "$NODE" sync --dir "$(ndir "$name")" --hub "$ep" --hub-key "$key" "$@" < /dev/null
}

# state NAME -- what a refused sync must leave alone: digest, log, batch receipts
state () {
    local n
    n=$(ndir "$1")
    {
        "$NODE" digest --dir "$n" 2>&1
        "$NODE" log --dir "$n" --json 2>&1 | sha256sum
        [ -n "$AUDIT" ] && echo "batch receipts: $(receipts_count "$1" 2)"
    } | tr '\n' ' '
}

# assert_state NAME BEFORE WHAT [CHECKPOINTS_BEFORE] -- the store is as before and its log
# verifies; its receipts verify, and it holds at most one checkpoint more than before (a Welcome's
# honest checkpoint is stored before a later message is refused; a refused one never is)
assert_state () {
    local now
    now=$(state "$1")
    assert_eq "$now" "$2" "$3: node $1's digest, log and batch receipts are unchanged"
    node_must "$1" log verify
    if [ -n "$AUDIT" ]; then
        # the receipts held verify (no fault); changes not yet at the hub, or a node that never
        # synced, are reported as uncovered (exit 1) -- that is no fault of the receipts
        it_run "$AUDIT" receipts "$(ndir "$1")" --hub-key "$HUB_KEY"
        if grep -q '^fault ' "$OUT" || { [ "$RC" != 0 ] && ! grep -Eq '^(never synced: |[0-9]+ of this node.s [0-9]+ changes are covered by no receipt)' "$OUT"; }; then
            it_fail "$3: node $1's receipts do not verify (exit $RC)"
            return 1
        fi
        if [ $# -ge 4 ] && [ "$(receipts_count "$1" 1)" -gt $(($4 + 1)) ]; then
            it_fail "$3: expected at most $(($4 + 1)) checkpoints held (one more, the Welcome's)"
        fi
    fi
}

# refused SCENARIO NAME CODE PATTERN [SYNC ARGS] -- a sync of NAME through a fake hub playing
# SCENARIO exits CODE with PATTERN on stderr and leaves NAME's store as it was
refused () {
    local sc=$1 name=$2 code=$3 pat=$4 before cps=0 rc msg
    shift 4
    before=$(state "$name")
    [ -n "$AUDIT" ] && cps=$(receipts_count "$name" 1)
    fakehub_start "$sc" "$name" || return 1
    SYNC_EP=$FAKE_EP assert_exit "$code" sync "$name" --deadline 20 "$@"
    rc=$RC
    msg=$(grep -m1 'shouhe-node:' "$ERR" | cut -c1-160)
    assert_err "$pat"
    fake_applied "$sc"
    if [ -n "${FAKE_EXPECT:-}" ] && ! grep -q -- "$FAKE_EXPECT" "$FAKE_LOG"; then
        it_fail "expected: the fake hub's log of $sc holds $FAKE_EXPECT"
    fi
    fakehub_stop
    assert_state "$name" "$before" "$sc" "$cps"
    it_step "$sc: exit $rc: $msg"
}

# receipts_count NAME FIELD -- from `shouhe-audit receipts`: checkpoints | batches
receipts_count () {
    "$AUDIT" receipts "$(ndir "$1")" --hub-key "$HUB_KEY" --json 2>/dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(r["checkpoints"] if sys.argv[1] == "1" else r["batches"])' "$2"
}

courtyard () { node_must "$1" courtyard add --code "$2" --name "$3" --households "$4"; }

# -------------------------------------------------------------------------------------------------
it_step "a real hub; b writes, a syncs through an honest fake hub (the relay is transparent)"
hub_init
hub_start
OTHER_KEY=$("$HUB" init --dir "$T/other-hub")
node_new a "$V"
node_new b "$V"
node_new c "$V"
node_new d "$V"
courtyard b "${V}101" 李家湾 21
courtyard b "${V}102" 王家坝 22
assert_exit 0 sync b --deadline 20
courtyard a "${V}001" 张家院子 11
courtyard a "${V}002" 陈家院子 12
fakehub_start honest a
SYNC_EP=$FAKE_EP assert_exit 0 sync a --deadline 20
assert_out '^synced: 2 changes up \(0 already at the hub\), 2 down; .* hub checkpoint 4$'
fakehub_stop
digest_equal a "$V"
if [ -n "$AUDIT" ]; then
    it_must "$AUDIT" receipts "$(ndir a)" --hub-key "$HUB_KEY"
    assert_out '^ok: 2 checkpoints signed by the hub, 1 consistency proof, 1 batch receipt covering 2 '
fi

# -------------------------------------------------------------------------------------------------
it_step "--hub-key that is not a key: refused before connecting (exit 1)"
for bad in nothex "${OTHER_KEY:1}" "${OTHER_KEY}0" "01$(printf '0%.0s' {1..62})" \
           "02$(printf '0%.0s' {1..62})" "03$(printf '0%.0s' {1..62})"; do
    assert_exit 1 sync_key d "$HUB_EP" "$bad" --deadline 20
    assert_err "^shouhe-node: --hub-key '$bad' is not a hub public key \(64 hex digits\)$"
done

it_step "--hub-key of another hub, a node holding no checkpoint: the CURVE handshake fails (exit 6)"
before=$(state d)
assert_exit 6 sync_key d "$HUB_EP" "$OTHER_KEY" --deadline 20
# (spec 13.3 words it "the CURVE handshake with the hub failed: is --hub-key the hub's key?"; the
# code gives up after 5 failed handshakes, node_session.c node_session_on_event)
assert_err "^shouhe-node: the CURVE handshake with the hub failed 5 times: is --hub-key the hub's key\?$"
assert_state d "$before" "wrong --hub-key"
assert_eq "$(hub_node_field "${KEY[d]}" last_seen_ms)" 0 "the real hub never saw a Hello from d"

it_step "a hub with its own key impersonating the real one (node gives the real key): exit 6"
fakehub_start honest d --key-file "$T/other-hub/hub.key" --upstream-key "$HUB_KEY"
assert_exit 6 sync_key d "$FAKE_EP" "$HUB_KEY" --deadline 20
assert_err "CURVE handshake with the hub failed [0-9]+ times: is --hub-key the hub's key\?"
fakehub_stop
if grep -q '"node->hub"' "$FAKE_LOG"; then it_fail "expected: no message reached the impersonator"; fi
assert_state d "$before" "impersonated hub"

it_step "a node holding the first hub's checkpoints, a hub with another key (exit 6)"
before=$(state a)
fakehub_start honest a --key-file "$T/other-hub/hub.key" --upstream-key "$HUB_KEY"
assert_exit 6 sync_key a "$FAKE_EP" "$OTHER_KEY" --deadline 20
assert_err "^shouhe-node: the checkpoints this node holds are not signed by --hub-key: is this another hub\?$"
fakehub_stop
if grep -q '"node->hub"' "$FAKE_LOG"; then it_fail "expected: the node refuses before it says anything"; fi
assert_state a "$before" "another hub"

# -------------------------------------------------------------------------------------------------
it_step "Welcomes that lie"
refused welcome-no-checkpoint a 6 \
    "^shouhe-node: the hub's history is inconsistent with the checkpoint you hold \(size 4, the hub shows none\)$"
refused welcome-log-size a 6 \
    "^shouhe-node: the hub's log holds 3 entries, but this node has already received up to entry 4: is this another hub, or one restored from an older backup\?$"
# a hub that claims more of the node's chain than it holds: the node takes itself for restored
# from a backup, asks for its changes 3.. (own Pull) and gets none: exit 6. Until a Welcome shows
# the node's real head it refuses local writes (meta own.behind; security.md 2.3)
refused welcome-head a 6 \
    "^shouhe-node: the hub holds 3 changes of this node but sent none from 3$"
node a courtyard add --code "${V}009" --name 院落9 --households 9
assert_eq "$RC" 1 "a local write after a Welcome that claimed more of a's chain"
assert_err "^shouhe-node: this node is behind its own chain: the hub holds its changes up to 3, this store only up to 2"
assert_exit 0 sync a --deadline 20
it_step "the honest hub's Welcome shows a's real head: local writes are taken again"
# Spec 13.11 (node table, "Welcome, otherwise") says a Welcome scope that is not a prefix of the
# node's scope draws only a warning; the code refuses any other scope with exit 5
# (security.md 3.8 agrees with the code). A wider (prefix) scope is refused too.
refused welcome-scope a 5 \
    "^shouhe-node: the hub enrolled this node for scope $TOWN, but its scope is $V; enrol it with --scope $V$"

# -------------------------------------------------------------------------------------------------
it_step "Acks whose checkpoint or receipt lies (the real hub stores each change; the node keeps no receipt)"
n=3
for sc in ack-other-key ack-bad-sig ack-range ack-first-leaf; do
    courtyard a "${V}00$n" "院落$n" "1$n"
    case $sc in
        ack-other-key|ack-bad-sig) pat="^shouhe-node: the hub's checkpoint is not signed by --hub-key$" ;;
        ack-range) pat="^shouhe-node: the hub's checkpoint does not include this node's changes $n\.\.$n as acknowledged$" ;;
        ack-first-leaf) pat="^shouhe-node: the hub's receipt does not match the batch it acknowledges$" ;;
    esac
    refused "$sc" a 6 "$pat"
    assert_eq "$(hub_node_field "${KEY[a]}" head_seq)" "$n" "$sc: the real hub holds a's change $n"
    n=$((n + 1))
done

it_step "control: an Ack checkpoint signed by the fake hub with the hub key is accepted"
courtyard a "${V}00$n" "院落$n" "1$n"
[ -n "$AUDIT" ] && batches=$(receipts_count a 2)
fakehub_start ack-resign a
SYNC_EP=$FAKE_EP assert_exit 0 sync a --deadline 20
assert_out '^synced: 1 change up '
fake_applied ack-resign
fakehub_stop
grep -q '"identical": true' "$FAKE_LOG" || it_fail "expected: the note signed in python equals the hub's"
# the re-signed receipt is kept, and the changes whose Acks were refused above are proven now
# (Prove/Proof, 13.18): every change of a is covered
if [ -n "$AUDIT" ]; then
    [ "$(receipts_count a 2)" -gt "$batches" ] || it_fail "expected: the re-signed receipt is kept"
    it_must "$AUDIT" receipts "$(ndir a)" --hub-key "$HUB_KEY"
    assert_out "all $n are covered\$"
fi
n=$((n + 1))

# docs/protocol.md 13.18 item 3: an Ack with accepted > 0 must carry a checkpoint that verifies;
# without one no receipt can prove the hub holds the changes: the node stops (exit 6).
courtyard a "${V}00$n" "院落$n" "1$n"
refused strip-ack a 6 \
    "^shouhe-node: the hub acknowledged 1 changes without a signed checkpoint: no receipt can prove it holds them$"
n=$((n + 1))

# -------------------------------------------------------------------------------------------------
it_step "Batches that lie: b writes 3 more; each bad Batch is refused whole (b's changes too)"
courtyard b "${V}103" 刘家沟 23
courtyard b "${V}104" 赵家岭 24
courtyard b "${V}105" 孙家坪 25
assert_exit 0 sync b --deadline 20
# each bad Batch also carries b's 3 good changes: they must not be applied either
export FAKE_EXPECT='"real_changes": 3'
refused batch-bad-sig a 6 \
    "^shouhe-node: the hub sent a change that does not verify: signature does not verify$"
refused batch-unvouched a 6 \
    "^shouhe-node: the hub sent a change in ${V}701 by a key it did not vouch for$"
refused batch-key-scope a 6 \
    "^shouhe-node: the hub sent a change in ${V}701 by a key whose scope does not cover it$"
# an auditor's change gets the scope wording (node_session.c s_judge tests role and scope together)
refused batch-auditor a 6 \
    "^shouhe-node: the hub sent a change in ${V}701 by a key whose scope does not cover it$"
refused batch-outside a 6 \
    "^shouhe-node: the hub sent a change in ${TOWN}002701, outside this node's scope $V$"
fit="^shouhe-node: a change from the hub does not fit what this node holds"
refused batch-equivocation a 6 "$fit: equivocation: a different change at an existing \(author, seq\)$"
refused batch-bad-prev a 6 "$fit: author chain broken$"
refused batch-own-gap a 6 "$fit: author chain broken$"
refused batch-own-fork a 6 "$fit: equivocation: a different change at an existing \(author, seq\)$"
refused batch-no-index a 6 "^shouhe-node: the hub's batch does not say where its changes sit in its log$"
unset FAKE_EXPECT
# downloads advance only together with a checkpoint that covers them
refused batch-beyond a 6 \
    "^shouhe-node: the hub's batch reaches log entry [0-9]+, beyond the newest checkpoint it has shown \(size [0-9]+\)$"
refused batch-backwards a 6 \
    "^shouhe-node: the hub's batch goes backwards \([0-9]+ after [0-9]+\)$"

it_step "control: a copy of a takes a valid change of an invented, vouched-for author"
cp -a "$(ndir a)" "$(ndir a_copy)"
KEY[a_copy]=${KEY[a]}
fakehub_start batch-good a_copy
SYNC_EP=$FAKE_EP assert_exit 0 sync a_copy --deadline 20
assert_out '^synced: 0 changes up \(0 already at the hub\), 4 down; '
fake_applied batch-good
fakehub_stop
node_must a_copy log verify

# -------------------------------------------------------------------------------------------------
# A hub that never sends a checkpoint, to a node that holds none yet: spec 13.5 allows a Welcome
# without one only while the hub's log is empty; the node stops (exit 6) before any exchange.
it_step "a hub that leaves checkpoints out of every Welcome and Ack: refused at the Welcome"
courtyard c "${V}201" 周家院 31
courtyard c "${V}202" 吴家院 32
refused strip c 6 \
    "^shouhe-node: the hub's log holds [0-9]+ changes but it shows no signed checkpoint of them$"
assert_exit 0 sync c --deadline 20
assert_out 'hub checkpoint [1-9]'
digest_equal c "$V"

# -------------------------------------------------------------------------------------------------
it_step "after all this, honest syncs: a takes exactly the 5 waiting changes (b 3, c 2): its cursor never moved"
assert_exit 0 sync a --deadline 20
assert_out '^synced: 0 changes up \(0 already at the hub\), 5 down; '
digest_equal a "$V"
node_must a log verify
if [ -n "$AUDIT" ]; then
    it_must "$AUDIT" receipts "$(ndir a)" --hub-key "$HUB_KEY"
    assert_out '^ok: '
fi
assert_exit 0 sync b --deadline 20
digest_equal b "$V"

# -------------------------------------------------------------------------------------------------
# docs/protocol.md 13.22: only a node that set the Hello's compress bit may send zchanges; a
# Welcome cannot impose compression (node_session.c takes Welcome.compress only with the bit).
it_step "a Welcome with compress = 1 to a node that did not ask: its Pushes stay plain (exit 0)"
courtyard d "${V}301" 郑家院 41
courtyard d "${V}302" 冯家院 42
fakehub_start welcome-compress d
SYNC_EP=$FAKE_EP assert_exit 0 sync d --deadline 20 --compress off
assert_out '^synced: 2 changes up \(0 already at the hub\), [0-9]+ down; '
fake_applied welcome-compress
fakehub_stop
fake_log_check '
assert hellos and all(h["compress"] == 0 for h in hellos), hellos
assert welcomes and all(w["compress"] == 1 and w["hello_compress"] == 0 for w in welcomes), welcomes
assert pushes and sum(p["changes"] for p in pushes) == 2, pushes
assert not any(p["zchanges"] for p in pushes), pushes'
assert_eq "$(hub_node_field "${KEY[d]}" head_seq)" 2 "the hub holds d's 2 changes"
digest_equal d "$V"
node_must d log verify

it_step "control: the same relay, d asks (--compress on): the real hub agrees and its Push is compressed"
courtyard d "${V}303" 褚家院 43
fakehub_start welcome-compress d
SYNC_EP=$FAKE_EP assert_exit 0 sync d --deadline 20
assert_out '^synced: 1 change up \(0 already at the hub\), [0-9]+ down; '
fakehub_stop
grep -q '"applied": "welcome-compress"' "$FAKE_LOG" && it_fail "expected: no Welcome altered for a node that asked"
fake_log_check '
assert hellos and all(h["compress"] & 1 for h in hellos), hellos
assert pushes and all(p["zchanges"] and p["changes"] == 0 for p in pushes), pushes'
assert_eq "$(hub_node_field "${KEY[d]}" head_seq)" 3 "the hub holds d's 3 changes"
digest_equal d "$V"
hub_alive
hub_stop
