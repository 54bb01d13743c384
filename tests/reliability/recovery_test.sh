# recovery_test.sh -- a hub restored from last week's backup loses nothing (docs/operations.md,
# docs/protocol.md 13.19).
#
# Three villages (a and b in one town, c in another) and the town node t of a and b. Everyone
# writes and syncs; a keeps `sync --watch` running. The operator takes a hot backup with
# `shouhe-hub backup` while the hub serves. Everyone writes and syncs more (the watching node
# downloads as it goes; the town downloads its villages). The hub is then lost and the backup put
# back in its place. Checked:
#   - the restored hub is in recovery: b's new changes are refused with exit 7 ("recovering"),
#     not 0, and nothing of them is stored; a node offers what it holds;
#   - once every node has offered, the hub has taken back its lost tail leaf for leaf: its
#     checkpoint of the old size has the old root (the one every node held), and it finishes by
#     itself; b's refused changes then go up;
#   - quotas do not apply to recovery: c, its quota lowered to 1 change and 1 byte, is taken back;
#   - every node's digest equals the hub's, the hub holds every change every node wrote (nothing
#     acknowledged is lost), the export verifies, and `shouhe-audit consistency` finds the hub's
#     tree consistent with every checkpoint any node holds.
# Also: a hub restored by a plain copy (no backup mark) is put into recovery by the first node
# that shows it a checkpoint beyond its log, before anything can be appended; and when a node
# without one pushes first (the plain copy forks), a node that watched downloads go by names the
# regression (exit 6) instead of reporting success: its checkpoint covers what it downloaded.
set -u
# shellcheck source=../integration/lib.sh
source "$SHOUHE_ITLIB"
need_gen
[ -n "${SHOUHE_AUDIT:-}" ] && [ -x "$SHOUHE_AUDIT" ] || { echo "SKIP: SHOUHE_AUDIT not built" >&2; exit 77; }

A=500115001001 B=500115001002 C=500115002001 TOWN=500115001
hub_init
hub_start || exit 1
node_new a $A || exit 1
node_new b $B || exit 1
node_new c $C || exit 1
node_new t $TOWN || exit 1
NODES=(a b c t)

it_step "round 1: every node writes and syncs"
seed=1
for n in "${NODES[@]}"; do gen $n 60 $((seed++)) || exit 1; done
for n in "${NODES[@]}"; do assert_exit 0 sync $n || exit 1; done
assert_exit 0 sync t || exit 1

it_step "a keeps a watching sync; a hot backup is taken while the hub serves"
sync_bg a --watch --deadline 0
WATCH=$SYNC_PID
it_must "$HUB" backup --dir "$HUB_DIR" "$T/backup" || exit 1
assert_out "backup of .* written to"
assert_eq "$(stat -c %a "$T/backup/hub.key")" 600 "the backup's key file mode"
assert_eq "$(stat -c %a "$T/backup/data.mdb")" 600 "the backup's store mode"
assert_exit 1 "$HUB" backup --dir "$HUB_DIR" "$T/backup"
assert_err "not an empty directory"
BACKUP_SIZE=$("$HUB" checkpoint --dir "$T/backup" | sed -n 2p)

it_step "round 2: more writes and syncs after the backup (a downloads by watching)"
for n in b c t; do gen $n 45 $((seed++)) || exit 1; done
for n in b c t; do assert_exit 0 sync $n || exit 1; done
gen a 45 $((seed++)) || exit 1
# the watcher pushes a's writes and downloads b's and t's
for i in $(seq 1 100); do
    [ "$(node_digest a $A)" = "$(hub_digest $A)" ] && break
    sleep 0.2
done
digest_equal a $A || exit 1
assert_exit 0 sync t || exit 1
LOST_CP=$("$HUB" checkpoint --dir "$HUB_DIR")
LOST_SIZE=$(sed -n 2p <<< "$LOST_CP")
LOST_ROOT=$(sed -n 3p <<< "$LOST_CP")
[ "$LOST_SIZE" -gt "$BACKUP_SIZE" ] || it_fail "the log grew after the backup ($BACKUP_SIZE -> $LOST_SIZE)"
declare -A OWN=()
for n in "${NODES[@]}"; do OWN[$n]=$(node_own_changes $n); done

it_step "the hub is lost; the backup ($BACKUP_SIZE of $LOST_SIZE entries) is put back"
hub_kill9
mv "$HUB_DIR" "$T/hub.lost"
cp -a "$T/backup" "$HUB_DIR"
hub_restart_same_port || exit 1
grep -q "recovering: this hub was restored from a backup of $BACKUP_SIZE log entries" "$HUB_LOG" \
    || it_fail "the restored hub does not say it recovers"

it_step "b writes more: refused with exit 7 while the hub recovers; b offers what it holds"
gen b 5 $((seed++)) || exit 1
assert_exit 7 sync b || exit 1
assert_err "the hub is recovering its log from its nodes"
assert_eq "$(hub_node_field "${KEY[b]}" head_seq)" "${OWN[b]}" "the hub's head of b (its offer back, not its new 5)"

it_step "c and t sync: their offers complete the tail; the watcher offers by itself"
# recovery restores what was acknowledged: no quota applies to it (13.20), not even one that c
# is far over now
it_must "$HUB" quota --dir "$HUB_DIR" --key "${KEY[c]}" --changes-per-day 1 --bytes 1 || exit 1
assert_exit "0|7" sync c || exit 1
assert_exit "0|7" sync t || exit 1
for i in $(seq 1 150); do
    grep -q "recovery finished" "$HUB_LOG" && break
    sleep 0.2
done
grep -q "recovery finished" "$HUB_LOG" || it_fail "the hub did not finish its recovery"
it_run "$HUB" checkpoint --dir "$HUB_DIR"
# the recovered tree is the lost one: the same root at the old size
it_must "$HUB" export --dir "$HUB_DIR" "$T/mid.export" || exit 1

it_step "every node syncs again: b's refused changes go up; all digests equal"
for n in b c t a; do assert_exit 0 sync $n || exit 1; done
assert_exit 0 sync t || exit 1
# the watcher asks a recovering hub again every 10 s: it notices the end by itself
for i in $(seq 1 100); do
    grep -q "the hub has recovered its log" "$(sync_out "$WATCH").err" && break
    sleep 0.2
done
kill -TERM "$WATCH" 2>/dev/null
sync_wait "$WATCH"
assert_eq "$RC" 0 "the watching sync's exit code"
assert_err "the hub has recovered its log"
for n in a b c; do
    s=${n^^}
    digest_equal $n "${!s}" || exit 1
done
digest_equal t $TOWN || exit 1
for n in "${NODES[@]}"; do
    own=$(node_own_changes $n)
    assert_eq "$(hub_node_field "${KEY[$n]}" head_seq)" "$own" "the hub's head of $n (all it wrote)"
done
assert_eq "$(node_own_changes b)" $((OWN[b] + 5)) "b's changes"

it_step "the export verifies; the hub's tree is consistent with every checkpoint the nodes hold"
it_must "$HUB" export --dir "$HUB_DIR" "$T/hub.export" || exit 1
it_must "$SHOUHE_AUDIT" verify "$T/hub.export" --hub-key "$HUB_KEY" || exit 1
it_must "$SHOUHE_AUDIT" consistency "$T/hub.export" --hub-key "$HUB_KEY" \
    "$(ndir a)" "$(ndir b)" "$(ndir c)" "$(ndir t)" || exit 1
assert_out "consistent"
# the old size's root, recomputed from the export, is the lost hub's
printf '%s\n' "$LOST_CP" > "$T/lost.checkpoint"
it_must "$SHOUHE_AUDIT" consistency "$T/hub.export" --hub-key "$HUB_KEY" "$T/lost.checkpoint"
assert_out "consistent"

# an export taken before the last syncs is not consistent with what the nodes hold now
it_run "$SHOUHE_AUDIT" consistency "$T/mid.export" --hub-key "$HUB_KEY" "$(ndir b)"
assert_eq "$RC" 1 "consistency against an older export"
assert_out "is larger than the export's log"

it_step "a plain copy put back (no backup mark): the first node beyond it starts the recovery"
hub_stop || exit 1
rm -rf "$HUB_DIR"
cp -a "$T/hub.lost" "$HUB_DIR"        # last seen before the recovery: behind b's 5 and what followed
hub_restart_same_port || exit 1
gen c 3 $((seed++)) || exit 1
assert_exit 7 sync b || exit 1          # b holds checkpoints beyond the copy: the hub recovers
grep -q "lost a tail of its log and recovers it from its nodes" "$HUB_LOG" \
    || it_fail "the hub did not start recovering when b showed a checkpoint beyond its log"
assert_exit 7 sync c || exit 1          # c's new changes wait
for n in a t c; do assert_exit "0|7" sync $n || exit 1; done
for n in a b c t; do assert_exit 0 sync $n || exit 1; done
for n in a b c; do
    s=${n^^}
    digest_equal $n "${!s}" || exit 1
done
digest_equal t $TOWN || exit 1

it_step "a plain copy that took a push first has forked: a watching node names it, never exits 0"
sync_bg t --watch --deadline 0
TW=$SYNC_PID
hub_stop || exit 1
cp -a "$HUB_DIR" "$T/hub.plain"          # a copy by hand, not marked
hub_restart_same_port || exit 1
gen a 7 $((seed++)) || exit 1
assert_exit 0 sync a || exit 1
for i in $(seq 1 100); do                # the town downloads a's changes as it watches
    [ "$(node_digest t $TOWN)" = "$(hub_digest $TOWN)" ] && break
    sleep 0.2
done
digest_equal t $TOWN || exit 1
kill -TERM "$TW" 2>/dev/null
sync_wait "$TW"
assert_eq "$RC" 0 "the watching town's exit code at SIGTERM"
hub_kill9
rm -rf "$HUB_DIR"
cp -a "$T/hub.plain" "$HUB_DIR"
hub_restart_same_port || exit 1
node_new n $A || exit 1                  # a new device holds no checkpoint: its push is taken
gen n 9 $((seed++)) || exit 1
assert_exit 0 sync n || exit 1           # the log grows past its old size again, differently
assert_exit 6 sync t || exit 1           # the town's checkpoint covers its downloads
assert_err "the hub's history is inconsistent with the checkpoint you hold"
hub_stop
it_step "done"
