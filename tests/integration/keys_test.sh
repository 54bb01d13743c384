# keys_test.sh -- keys bound to stores (issue 11): a store refuses a key it does not belong to
# (exit 3, naming both), a key file that is a symbolic link or another user's, and a store
# directory that others may write (naming the chmod to run); a second `shouhe-hub serve` on
# one hub directory exits at once while the first goes on serving. Each refusal changes
# nothing: the node syncs again once the cause is put right, its digest equal to the hub's.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"

V1=500115101001
V2=500115101002

it_step "hub and two villages, synced"
hub_init
hub_start
node_new a "$V1"
node_new b "$V2"
node_must a courtyard add --code "${V1}001" --name 张家院子 --households 18
node_must b courtyard add --code "${V2}001" --name 李家湾 --households 22
sync a --deadline 20
assert_eq "$?" 0 "village a syncs"
A=$(ndir a)
B=$(ndir b)
KA=${KEY[a]}
KB=${KEY[b]}

it_step "a key file swapped for a symbolic link to another node's key is refused"
mv "$A/node.key" "$A/node.key.own"
ln -s "$B/node.key" "$A/node.key"
it_run "$NODE" courtyard add --dir "$A" --code "${V1}002" --name 王家坡 --households 12
assert_eq "$RC" 3 "a symlinked key file: exit 3"
assert_err "$A/node.key is a symbolic link"
it_run "$NODE" sync --dir "$A" --hub "$HUB_EP" --hub-key "$HUB_KEY" --deadline 10
assert_eq "$RC" 3 "sync refuses it too"

it_step "a copy of another node's key is refused, naming both keys"
rm "$A/node.key"
cp "$B/node.key" "$A/node.key"
chmod 600 "$A/node.key"
it_run "$NODE" log verify --dir "$A"
assert_eq "$RC" 3 "another node's key: exit 3"
assert_err "this store belongs to the key $KA, but the key file holds $KB"
it_run "$NODE" sync --dir "$A" --hub "$HUB_EP" --hub-key "$HUB_KEY" --deadline 10
assert_eq "$RC" 3 "sync refuses another node's key"

it_step "a key file owned by another user is refused, naming the chown"
mv "$A/node.key.own" "$A/node.key"
chown 4242 "$A/node.key"
it_run "$NODE" digest --dir "$A"
assert_eq "$RC" 3 "another user's key file: exit 3"
assert_err "belongs to user id 4242.*fix with: chown"
chown "$(id -u)" "$A/node.key"

it_step "a store directory that others may write is refused, naming the chmod"
chmod 0777 "$A"
it_run "$NODE" digest --dir "$A"
assert_eq "$RC" 3 "a group/world-writable store directory: exit 3"
assert_err "fix with: chmod go-w $A"
chmod 0700 "$A"

it_step "with its own key back, the node writes and syncs; nothing was changed meanwhile"
node_must a courtyard add --code "${V1}002" --name 王家坡 --households 12
sync a --deadline 20
assert_eq "$?" 0 "village a syncs again"
digest_equal a "$V1"
assert_eq "$(hub_node_field "$KA" head_seq)" 2 "the hub holds a's two changes, no more"

it_step "the hub's key is bound to its store too"
cp "$HUB_DIR/hub.key" "$T/hub.key.own"
rm "$HUB_DIR/hub.key"
cp "$B/node.key" "$HUB_DIR/hub.key"
chmod 600 "$HUB_DIR/hub.key"
hub_cmd key
assert_eq "$RC" 3 "shouhe-hub key with another key: exit 3"
assert_err "this store belongs to the key $HUB_KEY, but the key file holds $KB"
rm "$HUB_DIR/hub.key"
cp "$T/hub.key.own" "$HUB_DIR/hub.key"
chmod 600 "$HUB_DIR/hub.key"

it_step "a hub directory that others may write is refused, naming the chmod"
chmod 0770 "$HUB_DIR"
hub_cmd key
assert_eq "$RC" 3 "a group-writable hub directory: exit 3"
assert_err "fix with: chmod go-w $HUB_DIR"
chmod 0700 "$HUB_DIR"

it_step "a second serve on the same hub directory exits at once; the first goes on"
T0=$(date +%s)
it_run timeout 20 "$HUB" serve --dir "$HUB_DIR" --bind "tcp://127.0.0.1:*"
assert_eq "$RC" 3 "the second serve: exit 3"
assert_err "another shouhe-hub serve \(process [0-9]+\) is already serving $HUB_DIR; stop it first"
[ $(( $(date +%s) - T0 )) -lt 10 ] || it_fail "expected: the second serve exits at once"
node_must b courtyard add --code "${V2}002" --name 刘家沟 --households 9
sync b --deadline 20
assert_eq "$?" 0 "village b syncs with the first hub"
digest_equal b "$V2"

hub_alive
hub_stop
