# config_test.sh -- /etc/shouhe/{hub,node}.conf and --config FILE (sh_conf; shouhe.conf(5)),
# and sync's default deadline (docs/protocol.md 13.16):
#   node.conf in the default directory (SHOUHE_CONF_DIR) gives dir, hub and hub-key: `sync` runs
#   with no option at all; `courtyard add` runs with the same file (it ignores hub, hub-key)
#   a flag wins over the file (a wrong hub in the file, the right one on the command line)
#   --config FILE instead of the default; a missing --config FILE: exit 2; a missing default
#   file is no error (every other test runs without one)
#   an unknown key, a line that is not key = value, a bad number, a bad yes/no: exit 2 naming
#   file, line and key; nothing written
#   json = yes in the file: sync prints its JSON summary
#   hub.conf: serve takes bind from it; init and enroll ignore it; threads = 99 is refused
#   audit.conf: shouhe-audit verify takes hub-key from it (a bad one: exit 2), the flag wins
#   sync without --deadline against a hub that is down: gives up after the default deadline
#   (shortened by SHOUHE_FAULT_DEADLINE_MS) with exit 4, saying how to change it; deadline = 1
#   in node.conf does the same without the fault hook
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"

V=500115108201
C=$T/conf
mkdir -p "$C"

it_step "a hub and a node"
hub_init
node_new v "$V"
hub_start
D=$(ndir v)

it_step "node.conf in the default directory: sync and courtyard add without options"
cat > "$C/node.conf" <<CONF
# a village device
dir = $D

hub = $HUB_EP
hub-key =   $HUB_KEY
CONF
it_run env SHOUHE_CONF_DIR="$C" "$NODE" courtyard add --code "${V}001" --name 张家院子 --households 11
assert_eq "$RC" 0 "courtyard add with hub and hub-key in node.conf (ignored)"
it_run env SHOUHE_CONF_DIR="$C" timeout 60 "$NODE" sync
assert_eq "$RC" 0 "sync with everything from node.conf"
assert_out "^synced: 1 change up"
assert_err "sync: ok hub=$HUB_EP "
digest_equal v "$V"

it_step "a flag wins over the file"
sed -i "s|^hub = .*|hub = tcp://127.0.0.1:1|" "$C/node.conf"
it_run env SHOUHE_CONF_DIR="$C" timeout 60 "$NODE" sync --hub "$HUB_EP"
assert_eq "$RC" 0 "sync with --hub over the file's wrong hub"
assert_err "sync: ok hub=$HUB_EP "

it_step "--config FILE; a missing one is an error, a missing default is not"
cp "$C/node.conf" "$T/other.conf"
sed -i "s|^hub = .*|hub = $HUB_EP|" "$T/other.conf"
echo "json = yes" >> "$T/other.conf"
it_run timeout 60 "$NODE" sync --config "$T/other.conf"
assert_eq "$RC" 0 "sync --config FILE"
assert_json 'assert j["up"] == 0 and "down" in j, j'
assert_exit 2 "$NODE" courtyard list --config "$T/missing.conf"
assert_err "cannot read $T/missing.conf: No such file"
assert_exit 0 env SHOUHE_CONF_DIR="$T/nothing-here" "$NODE" courtyard list --dir "$D"

it_step "unknown keys, bad lines and bad values: exit 2, naming file, line and key"
before=$(node_digest v "$V")
bad () {    # bad LINE PATTERN -- a file with LINE as its 3rd line is refused
    printf '# bad\ndir = %s\n%s\n' "$D" "$1" > "$T/bad.conf"
    assert_exit 2 "$NODE" courtyard add --config "$T/bad.conf" --code "${V}009" --name 王家院子 --households 3
    assert_err "$2"
}
bad "colour = blue" "$T/bad.conf, line 3: unknown key 'colour'"
bad "hub tcp://x:1" "$T/bad.conf, line 3: 'hub tcp://x:1' is not 'key = value'"
bad "Hub = tcp://x:1" "$T/bad.conf, line 3: 'Hub' is not a key"
bad "residents = many" "--residents takes a whole number, not 'many'"
assert_err "that value is from $T/bad.conf, line 3, key 'residents'"
bad "config = $T/other.conf" "line 3: unknown key 'config'"
printf 'dir = %s\nhub = %s\nhub-key = %s\ndeadline = soon\n' "$D" "$HUB_EP" "$HUB_KEY" > "$T/bad.conf"
assert_exit 2 "$NODE" sync --config "$T/bad.conf"
assert_err "that value is from $T/bad.conf, line 4, key 'deadline'"
printf 'dir = %s\nhub = %s\nhub-key = %s\nwatch = sometimes\n' "$D" "$HUB_EP" "$HUB_KEY" > "$T/bad.conf"
assert_exit 2 "$NODE" sync --config "$T/bad.conf"
assert_err "$T/bad.conf, line 4: key 'watch' takes yes or no, not 'sometimes'"
assert_eq "$(node_digest v "$V")" "$before" "nothing written by a refused configuration"

it_step "hub.conf: serve takes bind; init and enroll ignore it; a bad value is refused"
hub_stop
port=$(it_low_port)
printf '# the hub\nbind = tcp://127.0.0.1:%s\nthreads = 1\n' "$port" > "$C/hub.conf"
it_run env SHOUHE_CONF_DIR="$C" "$HUB" init --dir "$T/hub2"
assert_eq "$RC" 0 "init with bind in hub.conf (ignored)"
setsid env SHOUHE_CONF_DIR="$C" "$HUB" serve --dir "$HUB_DIR" --ready-file "$T/ready2" < /dev/null >> "$HUB_LOG" 2>&1 &
pid=$!
it_track "$pid"
for ((i = 0; i < 100; i++)); do [ -s "$T/ready2" ] && break; sleep 0.1; done
[ -s "$T/ready2" ] || it_fail "expected: serve with bind from hub.conf to come up"
it_must grep -q "listening on tcp://127.0.0.1:$port (1 verifying threads)" "$HUB_LOG"
it_run timeout 60 "$NODE" sync --dir "$D" --hub "tcp://127.0.0.1:$port" --hub-key "$HUB_KEY" --deadline 30
assert_eq "$RC" 0 "sync against the hub bound from hub.conf"
kill -TERM "$pid"
wait "$pid"
assert_eq "$?" 0 "serve stops on SIGTERM"
printf 'threads = 99\n' > "$T/hub-bad.conf"
assert_exit 0 "$HUB" nodes --dir "$HUB_DIR" --config "$T/hub-bad.conf"    # nodes does not take threads: ignored
printf 'bind = tcp://127.0.0.1:1\nthreads = 99\n' > "$T/hub-bad.conf"
assert_exit 2 "$HUB" serve --dir "$HUB_DIR" --config "$T/hub-bad.conf"
assert_err "threads takes 1..16, not '99'"
assert_err "that value is from $T/hub-bad.conf, line 2, key 'threads'"
printf 'bind = tcp://127.0.0.1:1\nport = 7600\n' > "$T/hub-bad.conf"
assert_exit 2 "$HUB" nodes --dir "$HUB_DIR" --config "$T/hub-bad.conf"
assert_err "$T/hub-bad.conf, line 2: unknown key 'port'"

it_step "audit.conf: shouhe-audit reads its options from it too"
if [ -n "${SHOUHE_AUDIT:-}" ]; then
    it_must "$HUB" export --dir "$HUB_DIR" "$T/hub.export"
    printf 'hub-key = %s\n' "$HUB_KEY" > "$C/audit.conf"
    assert_exit 0 env SHOUHE_CONF_DIR="$C" "$SHOUHE_AUDIT" verify "$T/hub.export"
    printf 'hub-key = nothex\n' > "$C/audit.conf"
    assert_exit 2 env SHOUHE_CONF_DIR="$C" "$SHOUHE_AUDIT" verify "$T/hub.export"
    assert_exit 0 env SHOUHE_CONF_DIR="$C" "$SHOUHE_AUDIT" verify "$T/hub.export" --hub-key "$HUB_KEY"
    printf '# auditor\nhub-key = %s\nport = 1\n' "$HUB_KEY" > "$C/audit.conf"
    assert_exit 2 env SHOUHE_CONF_DIR="$C" "$SHOUHE_AUDIT" verify "$T/hub.export"
    assert_err "$C/audit.conf, line 3: unknown key 'port'"
fi

it_step "sync without --deadline, the hub down: the default deadline, exit 4, how to change it"
t0=$(date +%s)
it_run env SHOUHE_FAULT_DEADLINE_MS=1500 timeout 60 "$NODE" sync --dir "$D" --hub "tcp://127.0.0.1:$port" --hub-key "$HUB_KEY"
assert_eq "$RC" 4 "sync against a hub that is down, no --deadline"
assert_err "unreachable until the deadline"
assert_err "change it with --deadline SECONDS or 'deadline = SECONDS' in node.conf"
assert_err "sync: unreachable hub=tcp://127.0.0.1:$port .* exit=4"
[ $(( $(date +%s) - t0 )) -lt 30 ] || it_fail "expected: the shortened default deadline to end the sync"
printf 'dir = %s\nhub = tcp://127.0.0.1:%s\nhub-key = %s\ndeadline = 1\n' "$D" "$port" "$HUB_KEY" > "$T/dl.conf"
it_run timeout 60 "$NODE" sync --config "$T/dl.conf"
assert_eq "$RC" 4 "deadline = 1 in the file"
assert_err "the deadline was 1 s without progress"
assert_exit 2 env SHOUHE_FAULT_DEADLINE_MS=soon "$NODE" sync --dir "$D" --hub "tcp://127.0.0.1:$port" \
    --hub-key "$HUB_KEY"
assert_err "SHOUHE_FAULT_DEADLINE_MS must be a whole number"
