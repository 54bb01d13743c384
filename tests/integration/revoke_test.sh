# revoke_test.sh -- revocation takes effect at once: for new connections (the handshake is
# refused) and for a session that is open (a node syncing with --watch is cut off at its next
# message), while another node keeps syncing undisturbed.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"

V1=500115101001
V2=500115101002

it_step "hub and two villages"
hub_init
hub_start
node_new watcher "$V1"
node_new other "$V2"
node_must watcher courtyard add --code "${V1}001" --name 张家院子 --households 18
node_must other courtyard add --code "${V2}001" --name 李家湾 --households 22

it_step "the watcher syncs with --watch and stays connected"
sync_bg watcher --watch
WPID=$SYNC_PID
for _ in $(seq 50); do
    [ "$(hub_node_field "${KEY[watcher]}" head_seq)" = 1 ] && break
    sleep 0.2
done
assert_eq "$(hub_node_field "${KEY[watcher]}" head_seq)" 1 "the watcher's change reached the hub"
sleep 1
_it_alive "$WPID" || it_fail "expected: sync --watch still running" "actual: it exited"

it_step "revoke the watcher's key while its session is open"
hub_cmd revoke --key "${KEY[watcher]}"
assert_eq "$RC" 0 "shouhe-hub revoke exits 0"
# the watcher pulls every 3 s; its next Pull meets the revocation
for _ in $(seq 100); do _it_alive "$WPID" || break; sleep 0.1; done
_it_alive "$WPID" && it_fail "expected: the revoked node's --watch sync ends within 10 s" "actual: still running"
sync_wait "$WPID"
assert_eq "$RC" 5 "the open session of a revoked key ends with exit 5 (refused)"
assert_err 'revoked'

it_step "a new connection of the revoked key is refused at the handshake"
node_must watcher courtyard add --code "${V1}002" --name 王家坡 --households 12
sync watcher --deadline 10
assert_eq "$?" 5 "a revoked key cannot sync again"
assert_eq "$(hub_node_field "${KEY[watcher]}" head_seq)" 1 "nothing new stored for the revoked key"

it_step "the other village syncs undisturbed"
sync other --deadline 20
assert_eq "$?" 0 "the other node syncs"
digest_equal other "$V2"

hub_alive
hub_stop
