# mirror_test.sh -- a mirror of the hub's log (docs/protocol.md 16.8, c2sp.org/tlog-mirror):
#   shouhe-hub mirror --init --name NAME makes DIR/mirror.key (0600) and prints its key; the hub
#   enrols it --role mirror (a name is required); a second --init is refused
#   a run pulls every leaf of the log (not one scope: two villages and a town), recomputes each
#   checkpoint's root and cosigns the newest it holds in full; the line verifies with a second
#   implementation (Python, PyNaCl); shouhe-audit verify --witness MIRROR=KEY --quorum 1 relies
#   on it; a second run is incremental and cosigns the larger tree
#   a village requiring the mirror (shouhe-node witnesses --add NAME=KEY --quorum 1) counts its
#   receipts as witnessed once the mirror has cosigned them, and says so before
#   a wrong --hub-key is refused before connecting (a mirror copies one log for good); a key not
#   enrolled as a mirror cannot take a mirror's part
#   a fork of the hub (a split view: its store copied, then grown differently) gets no mirror
#   cosignature: shown a smaller fork the mirror finds another root for a size it holds; shown
#   a larger one, its leaves do not reproduce the fork's root; both exit 6, nothing is cosigned
#   and the mirror's copy still verifies against the true hub afterwards
#   a hub restored from an older backup gets its lost tail back from the mirror at once (an
#   Offer of every leaf above its log), recover then finishes, and every village's digest agrees
#   serve --sync-mirror: a Push is acknowledged only once the mirror has cosigned a checkpoint
#   covering it (a raw peer waits in vain while no mirror runs; with shouhe-hub mirror --watch
#   the Ack comes, and its checkpoint carries the mirror's cosignature)
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"
PY=$(rawpeer_python) || { echo "mirror_test: needs python3 with zmq and nacl" >&2; exit 1; }
AUDIT=${SHOUHE_AUDIT:-}
[ -x "$AUDIT" ] || { echo "SKIP: SHOUHE_AUDIT is not set" >&2; exit 77; }
need_gen

TOWN=500115108
A=${TOWN}201
B=${TOWN}202
MNAME=changshou/mirror
M=$T/mirror

hub_init
hub_start || exit 1
node_new a "$A" || exit 1
node_new b "$B" || exit 1
node_new t "$TOWN" || exit 1

mirror () { "$HUB" mirror --dir "$M" --hub "$HUB_EP" --hub-key "$HUB_KEY" "$@"; }
# the size a mirror run says it holds, verified
mirror_size () { grep -Eo "verified up to the checkpoint of size [0-9]+" "$ERR" | tail -n 1 | grep -Eo '[0-9]+$'; }

it_step "mirror --init: a key of its own, 0600; the hub enrols it as a mirror"
it_must "$HUB" mirror --dir "$M" --init --name "$MNAME" || exit 1
MKEY=$(out)
[[ $MKEY =~ ^[0-9a-f]{64}$ ]] || it_fail "expected: the mirror's public key (64 hex)" "actual: '$MKEY'"
assert_eq "$(stat -c %a "$M/mirror.key")" 600 "mirror.key has mode 0600"
assert_exit 1 "$HUB" mirror --dir "$M" --init --name "$MNAME"
assert_err "mirror.key exists; a mirror's key is never replaced"
assert_exit 2 "$HUB" mirror --dir "$T/m2" --init --name "no spaces"
assert_exit 2 "$HUB" mirror --dir "$T/m3" --init
assert_err "needs --name NAME"
assert_exit 2 "$HUB" mirror --dir "$M"
assert_err "mirror needs --hub ENDPOINT and --hub-key HEX"
assert_exit 2 "$HUB" mirror --dir "$M" --hub "$HUB_EP" --hub-key 1234
assert_err "--hub-key '1234' is not a hub public key"
assert_exit 3 "$HUB" mirror --dir "$T/nowhere" --hub "$HUB_EP" --hub-key "$HUB_KEY"
assert_err "make it with: shouhe-hub mirror --dir DIR --init --name NAME"
assert_exit 2 "$HUB" mirror --dir "$M" --init --name "$MNAME" --watch --bogus
assert_exit 2 "$HUB" enroll --dir "$HUB_DIR" --scope 500115 --key "$MKEY" --role mirror
assert_err "a witness or a mirror needs --name NAME"
assert_exit 5 mirror
assert_err "does not admit this key .*enrol it with shouhe-hub enroll --role mirror"
it_must "$HUB" enroll --dir "$HUB_DIR" --scope 500115 --key "$MKEY" --name "$MNAME" --role mirror || exit 1
it_must "$HUB" nodes --dir "$HUB_DIR" --json
assert_json "assert [n['role'] for n in j if n['key'] == '$MKEY'] == ['mirror'], j"

it_step "a run copies every leaf of the log, recomputes the root and cosigns it"
gen a 40 1 || exit 1
gen b 30 2 || exit 1
assert_exit 0 sync a || exit 1
assert_exit 0 sync b || exit 1
assert_exit 0 sync t || exit 1
SIZE1=$("$HUB" checkpoint --dir "$HUB_DIR" | sed -n 2p)
it_must mirror || exit 1
assert_eq "$(mirror_size)" "$SIZE1" "the mirror holds the whole log"
assert_err "holds $SIZE1 leaves, verified up to the checkpoint of size $SIZE1; cosigned $SIZE1 \(1 cosignatures"
it_must "$HUB" checkpoint --dir "$HUB_DIR"
got=$(verify_cosig "$OUT" "$MNAME" "$MKEY" 2>&1) || it_fail "expected: the mirror's cosignature verifies in Python" "$got"
assert_eq "${got%% *}" "$SIZE1" "the mirror cosigned the hub's newest checkpoint"
it_must "$HUB" export --dir "$HUB_DIR" "$T/x1.export" || exit 1
it_must "$AUDIT" verify "$T/x1.export" --hub-key "$HUB_KEY" --witness "$MNAME=$MKEY" --quorum 1
assert_out "witnesses:   the checkpoint of size $SIZE1 carries the quorum \(1 of the 1 named\)"

it_step "a second run takes only what is new"
gen a 15 3 || exit 1
assert_exit 0 sync a || exit 1
SIZE2=$("$HUB" checkpoint --dir "$HUB_DIR" | sed -n 2p)
it_must mirror --verbose || exit 1
assert_err "holds $SIZE2 leaves, verified up to the checkpoint of size $SIZE2; cosigned $SIZE2"
n=$(grep -c "sync: ok node=${MKEY:0:16}" "$HUB_LOG")
[ "$n" -ge 2 ] || it_fail "expected: the hub logs the mirror's syncs"
grep -E "sync: ok node=${MKEY:0:16}.* down=15 " "$HUB_LOG" > /dev/null \
    || it_fail "expected: the second run downloads the 15 new leaves only" "$(grep "node=${MKEY:0:16}" "$HUB_LOG" | tail -n 2)"
it_must "$HUB" checkpoint --dir "$HUB_DIR"
got=$(verify_cosig "$OUT" "$MNAME" "$MKEY" 2>&1) || it_fail "expected: the new cosignature verifies" "$got"
assert_eq "${got%% *}" "$SIZE2" "the larger tree cosigned"

it_step "a village that requires the mirror's cosignature: its receipts count once mirrored"
it_must "$NODE" witnesses --dir "$(ndir b)" --add "$MNAME=$MKEY" --quorum 1 || exit 1
gen b 3 8 || exit 1
assert_exit 0 sync b || exit 1
assert_err "witnesses: receipts are witnessed up to tree size $SIZE2; those up to $((SIZE2 + 3)) are not yet \(missing cosignatures: $MNAME\)"
it_must mirror || exit 1
assert_exit 0 sync b || exit 1
assert_err "witnesses: every receipt this node holds is witnessed \(up to tree size $((SIZE2 + 3))\)"
SIZE2=$((SIZE2 + 3))

it_step "wrong keys: another hub's key is refused; a node key cannot act as a mirror"
OTHER=$("$HUB" init --dir "$T/other")
assert_exit 1 "$HUB" mirror --dir "$M" --hub "$HUB_EP" --hub-key "$OTHER"
assert_err "this mirror copies the hub ${HUB_KEY:0:16}\.\.\.; --hub-key names ${OTHER:0:16}\.\.\., another hub"
it_must "$HUB" mirror --dir "$T/mnode" --init --name changshou/fake || exit 1
cp "$(ndir a)/node.key" "$T/mnode/mirror.key"         # a village's key posing as a mirror
chmod 600 "$T/mnode/mirror.key"
assert_exit 6 "$HUB" mirror --dir "$T/mnode" --hub "$HUB_EP" --hub-key "$HUB_KEY"
assert_err "a mirror takes every one \(is this key enrolled with --role mirror\?\)"

it_step "a fork of the hub (a split view) gets no mirror cosignature"
hub_stop || exit 1
cp -a "$HUB_DIR" "$T/fork"
hub_restart_same_port || exit 1
gen a 5 4 || exit 1
assert_exit 0 sync a || exit 1
it_must mirror || exit 1
SIZE3=$(mirror_size)
hub_stop || exit 1
hub_start "$T/fork" || exit 1
F=${TOWN}204                           # a village that only ever meets the fork
node_new f "$F" --no-enroll || exit 1
it_must "$HUB" enroll --dir "$T/fork" --scope "$F" --key "${KEY[f]}" || exit 1
node_must f courtyard add --code "${F}901" --name 分叉院子 --households 2
assert_exit 0 sync f || exit 1         # the fork's tree: SIZE2 + 1 < SIZE3, another root
assert_exit 6 mirror
assert_err "split view: the hub shows size $((SIZE2 + 1)) with root .*, but this mirror's copy of its first $((SIZE2 + 1)) leaves has root"
gen f 10 5 || exit 1
assert_exit 0 sync f || exit 1         # now larger than the mirror's copy
assert_exit 6 mirror
assert_err "do not reproduce its checkpoint of size $((SIZE2 + 11))"
it_must "$HUB" checkpoint --dir "$T/fork"
if verify_cosig "$OUT" "$MNAME" "$MKEY" > /dev/null 2>&1; then
    it_fail "expected: the fork's newest checkpoint carries no cosignature of the mirror"
fi
hub_stop || exit 1
hub_restart_same_port || exit 1
it_must mirror || exit 1
assert_eq "$(mirror_size)" "$SIZE3" "the mirror's copy is the true hub's, untouched by the fork"

it_step "a hub restored from an older backup gets its tail back from the mirror"
it_must "$HUB" backup --dir "$HUB_DIR" "$T/backup" || exit 1
BASE=$("$HUB" checkpoint --dir "$T/backup" | sed -n 2p)
gen a 20 6 || exit 1
gen b 20 7 || exit 1
assert_exit 0 sync a || exit 1
assert_exit 0 sync b || exit 1
it_must mirror || exit 1
LOST=$(mirror_size)
[ "$LOST" -gt "$BASE" ] || it_fail "expected: the log grew past the backup" "actual: $BASE then $LOST"
hub_kill9
rm -rf "$HUB_DIR"
cp -a "$T/backup" "$HUB_DIR"
hub_restart_same_port || exit 1
it_must mirror || exit 1
assert_err "handed back leaves $BASE\.\.$((LOST - 1)) to the hub, which lost them; its log holds $LOST entries now"
hub_stop || exit 1
it_must "$HUB" recover --dir "$HUB_DIR" || exit 1
assert_out "recovered: the log holds $LOST entries, nothing is missing"
hub_restart_same_port || exit 1
for n in a b t; do assert_exit 0 sync $n || exit 1; done
digest_equal a "$A" || exit 1
digest_equal b "$B" || exit 1
digest_equal t "$TOWN" || exit 1
it_must "$HUB" export --dir "$HUB_DIR" "$T/x2.export" || exit 1
it_must "$AUDIT" verify "$T/x2.export" --hub-key "$HUB_KEY" || exit 1

it_step "serve --sync-mirror: no Ack before the mirror has cosigned the batch"
hub_stop || exit 1
hub_restart_same_port --sync-mirror || exit 1
node_new r "${TOWN}203" || exit 1
RAWPEER_TIMEOUT=3 rawpeer r "${TOWN}203" push-good
assert_json "assert j['replies'][-1]['type'] == 'timeout', j['replies']"
setsid "$HUB" mirror --dir "$M" --hub "$HUB_EP" --hub-key "$HUB_KEY" --watch < /dev/null > "$T/watch.log" 2>&1 &
WATCH=$!
it_track "$WATCH"
RAWPEER_TIMEOUT=10 rawpeer r "${TOWN}203" push-good
assert_json "assert j['replies'][-1]['type'] == 'ack', j['replies']"
ACKED=$("$PY" -c 'import json,sys; r = json.load(open(sys.argv[1]))["replies"][-1]; print(r["checkpoint"].split("\n")[1])' "$OUT")
"$HUB" checkpoint --dir "$HUB_DIR" > "$T/cp.now"
mirrored=$(verify_cosig "$T/cp.now" "$MNAME" "$MKEY" 2>&1) || it_fail "expected: the newest checkpoint is the mirror's" "$mirrored"
[ "${mirrored%% *}" -ge "$ACKED" ] || it_fail "expected: the mirror cosigned the Ack's checkpoint" "acked $ACKED, mirrored $mirrored"
assert_exit 0 sync a || exit 1         # an ordinary sync goes through with the mirror watching
kill -TERM "$WATCH"
wait "$WATCH"
assert_eq "$?" 0 "mirror --watch stops cleanly on SIGTERM"
