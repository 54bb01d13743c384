# disk_full_test.sh -- a full disk under the hub and under a node (issue 12, "honest errors
# about space"; docs/protocol.md 8, 13.8, 13.11).
#
# Hub without a reserve (--reserve-mib 0): its directory on a small tmpfs with a filler file. A
# node pushes until the disk is full:
# it stops with exit 8 and "the hub's store is full", never exit 4 (the hub answered); the hub
# logs "store is full" (once a minute at most) and no "Input/output error" or ERR_CHAIN; it stays
# up and a node with nothing to push downloads (exit 0). A node with --watch and a short
# --deadline says so once and waits (no exit 4); with the filler removed it uploads, and a
# plain sync exits 0 with the hub holding every one of the node's changes.
# Hub with a reserve (--reserve-mib 8; 13.20): once its disk has less than the reserve free, a
# push is refused (exit 8, "it keeps a reserve of 8 MiB; its disk has N MiB free"), logged once
# however often the node comes back, while a town node still downloads (Pull, with the hub's
# receipts and proofs) and the hub still writes its bookkeeping; with room again the node
# uploads the rest.
# Node: its directory on a small tmpfs with a filler. A local write fails with exit 8 and "this
# node's disk is full", nothing half-written (`log verify` ok); a sync that must store downloads
# fails alike; with the filler removed both succeed.
# Needs mount(8) of a tmpfs (root): otherwise SKIP (exit 77).
set -u
# shellcheck source=../integration/lib.sh
source "$SHOUHE_ITLIB"
need_gen

# shellcheck source=tmpfs_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/tmpfs_lib.sh"

it_step "the hub's disk fills"
tmpfs_mount "$T/hubfs" 24m
hub_init "$T/hubfs/hub"
node_new b 500115108202 || exit 1
node_new t 500115108 || exit 1
gen b 4000 7 || exit 1
hub_start --reserve-mib 0 || exit 1
fill "$T/hubfs" 1536
it_run "$NODE" sync --dir "$(ndir b)" --hub "$HUB_EP" --hub-key "$HUB_KEY" --deadline 60
hub_refused_full
assert_err "the hub's store is full \(no space left on its disk"
stored=$(hub_node_field "${KEY[b]}" head_seq)
[ "$stored" -lt 4000 ] || it_fail "expected the disk to fill before b's 4000 changes were stored, got $stored"

it_step "downloads go on"
sync t --deadline 30 || it_fail "download from a hub with a full disk: exit $RC"
assert_eq "$(node_digest t 500115108202)" "$(hub_digest 500115108202)" "the town's copy of b = the hub's"

it_step "--watch waits for room (no deadline, said once), then uploads"
sync_bg b --watch --deadline 10
watcher=$SYNC_PID
sleep 3
err=$(sync_out "$watcher").err
assert_eq "$(grep -c "the hub's store is full" "$err")" 1 "the watching node says once that the hub is full"
grep -q "retrying every 30 s" "$err" || it_fail "the watching node does not say it retries"
unfill "$T/hubfs"
for ((i = 0; i < 50; i++)); do
    [ "$(hub_node_field "${KEY[b]}" head_seq)" = 4000 ] && break
    sleep 1
done
_it_alive "$watcher" || it_fail "the watching node stopped while the hub was full"
_it_kill_group "$watcher" TERM
sync_wait "$watcher" || it_fail "the watching node: exit $RC (SIGTERM with --watch is 0)"

it_step "space freed: the node syncs, nothing lost"
sync b --deadline 60 || it_fail "sync after freeing space: exit $RC"
assert_eq "$(hub_node_field "${KEY[b]}" head_seq)" 4000 "the hub holds all of b's changes"
digest_equal b 500115108202
hub_stop

it_step "a hub with a reserve refuses pushes before its disk is full, and still answers"
hub_start --reserve-mib 8 || exit 1
gen b 300 8 || exit 1
fill "$T/hubfs" 6144
it_run "$NODE" sync --dir "$(ndir b)" --hub "$HUB_EP" --hub-key "$HUB_KEY" --deadline 30
[ "$RC" = 8 ] || it_fail "expected: a push to a hub at its reserve exits 8; got $RC"
assert_err "the hub's store is full \(it keeps a reserve of 8 MiB; its disk has [0-9]+ MiB free\); nothing of this batch was stored"
assert_eq "$(hub_node_field "${KEY[b]}" head_seq)" 4000 "b's new changes: none stored at the reserve"
it_run "$NODE" sync --dir "$(ndir b)" --hub "$HUB_EP" --hub-key "$HUB_KEY" --deadline 30
[ "$RC" = 8 ] || it_fail "expected: b again: exit 8; got $RC"
assert_eq "$(grep -c "push refused: the hub's store is full (it keeps a reserve of 8 MiB" "$HUB_LOG")" 1 \
    "the hub logs b's refusal at the reserve once"
node_new t2 500115108 || exit 1
sync t2 --deadline 30 || it_fail "download from a hub at its reserve: exit $RC"
assert_eq "$(node_digest t2 500115108202)" "$(hub_digest 500115108202)" "the new town node's copy of b = the hub's"
seen=$(hub_node_field "${KEY[t2]}" last_seen_ms)
[ "$seen" != 0 ] && [ "$seen" != MISSING ] || it_fail "the hub at its reserve did not record when t2 was last seen"
hub_alive
unfill "$T/hubfs"
sync b --deadline 60 || it_fail "sync after freeing space: exit $RC"
assert_eq "$(hub_node_field "${KEY[b]}" head_seq)" 4300 "the hub holds all of b's changes"
hub_stop

it_step "this node's disk fills"
tmpfs_mount "$T/n/c" 2m
node_new c 500115108203 || exit 1
node_must c courtyard add --code 500115108203001 --name first --households 3 || exit 1
fill "$T/n/c" 0
node c courtyard add --code 500115108203002 --name second --households 4
[ "$RC" = 8 ] || it_fail "expected: a local write on a full disk exits 8; got $RC"
assert_err "this node's disk is full \(.*\): free space, nothing was lost"
node_must c log verify
hub_start --reserve-mib 0 || exit 1     # the hub's own directory is on the small tmpfs too
it_run "$NODE" sync --dir "$(ndir c)" --hub "$HUB_EP" --hub-key "$HUB_KEY" --deadline 30
[ "$RC" = 8 ] || it_fail "expected: a sync that cannot store on a full disk exits 8; got $RC"
assert_err "this node's disk is full \(.*\): free space, nothing was lost"
node_must c log verify
unfill "$T/n/c"
node_must c courtyard add --code 500115108203002 --name second --households 4
sync c --deadline 30 || it_fail "sync after freeing space: exit $RC"
node_must c log verify
digest_equal c 500115108203
hub_stop
