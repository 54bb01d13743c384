# node_test.sh -- init, key, the key file's mode, help, and command-line errors.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_TESTLIB"

A=$T/a

# --- init and key -------------------------------------------------------------
expect_ok "$NODE" init --dir "$A" --scope "$VILLAGE"
expect_out '^[0-9a-f]{64}$'
expect_eq "$(wc -l < "$OUT")" 1 "init prints one line: the public key"
KEY=$(out)

expect_eq "$(stat -c %a "$A/node.key")" 600 "node.key has mode 0600"
expect_eq "$(stat -c %a "$A")" 700 "the node directory is private (0700)"

expect_ok "$NODE" key --dir "$A"
expect_eq "$(out)" "$KEY" "key prints the key init printed"

# A second init of the same directory is refused and changes nothing.
KEYFILE_SUM=$(sha256sum < "$A/node.key")
expect_unchanged "$A" 1 "already holds a node" "$NODE" init --dir "$A" --scope "$VILLAGE"
expect_unchanged "$A" 1 "already holds a node" "$NODE" init --dir "$A" --scope "$TOWN"
expect_eq "$(sha256sum < "$A/node.key")" "$KEYFILE_SUM" "node.key untouched by a refused init"
expect_ok "$NODE" key --dir "$A"
expect_eq "$(out)" "$KEY" "the key is the same after a refused init"

# Bad scopes: refused, and no node (nor directory) is left behind.
for scope in 50011510120 5001151012011 50011510120a abcdefabcdef 5001 "" 500115101201001; do
    expect_fail 1 "scope '$scope' must be a region code of 6, 9 or 12 digits" \
        "$NODE" init --dir "$T/bad" --scope "$scope"
    [ ! -e "$T/bad/node.key" ] || fail "a refused init (scope '$scope') left $T/bad/node.key"
done
expect_fail 2 "init needs --scope" "$NODE" init --dir "$T/noscope"
[ ! -e "$T/noscope" ] || fail "init without --scope created $T/noscope"

# A town node (9 digits) and a district node (6) are valid scopes.
expect_ok "$NODE" init --dir "$T/town" --scope "$TOWN"
expect_out '^[0-9a-f]{64}$'
TOWNKEY=$(out)
[ "$TOWNKEY" != "$KEY" ] || fail "two nodes got the same key"
expect_ok "$NODE" init --dir "$T/district" --scope "$DISTRICT"

# An existing empty directory can hold a new node.
mkdir "$T/empty"
expect_ok "$NODE" init --dir "$T/empty" --scope "$VILLAGE2"

# --- the key file must not be readable by others ---------------------------------
expect_ok "$NODE" courtyard add --dir "$A" --code "$CY1" --name 张家院子 --households 18
BEFORE=$(store_state "$A")
chmod 0644 "$A/node.key"
for cmd in "key" "courtyard list" "digest" "log" "log verify"; do
    # shellcheck disable=SC2086
    expect_fail 3 "$A/node.key.*chmod 600 $A/node.key" "$NODE" $cmd --dir "$A"
done
expect_fail 3 "node.key.*chmod" "$NODE" courtyard add --dir "$A" --code "$CY2" --name 寿和小院 --households 26
chmod 0640 "$A/node.key"
expect_fail 3 "node.key.*chmod" "$NODE" key --dir "$A"
chmod 0600 "$A/node.key"
expect_eq "$(store_state "$A")" "$BEFORE" "writes refused while node.key was 0644 changed nothing"
expect_ok "$NODE" key --dir "$A"
expect_eq "$(out)" "$KEY" "the key after chmod 600"

# --- no node in the directory -------------------------------------------------------
expect_fail 3 "no node in $T/nothing .*shouhe-node init --dir $T/nothing --scope" "$NODE" key --dir "$T/nothing"
mkdir "$T/plain"
for cmd in "key" "courtyard list" "person list" "matter list" "meeting list" "mediation list" \
           "points balance" "conflicts" "log" "log verify" "digest"; do
    # shellcheck disable=SC2086
    expect_fail 3 "no node in $T/plain .*init" "$NODE" $cmd --dir "$T/plain"
done
expect_fail 3 "no node in .*init" "$NODE" courtyard add --dir "$T/plain" --code "$CY1" --name 张家院子 --households 18
expect_eq "$(ls -A "$T/plain")" "" "a command on a directory without a node creates nothing there"

# --- help ------------------------------------------------------------------------------
expect_ok "$NODE" --help
expect_out '^usage: shouhe-node COMMAND --dir DIR'
expect_out 'exit codes: 0 done, 1 refused'
HELP=$(out)
expect_ok "$NODE" -h
expect_ok "$NODE" help
expect_out '^usage: shouhe-node'
expect_fail 2 'usage: shouhe-node COMMAND' "$NODE"

# Every command of the table: its --help exits 0 and prints its usage (no --dir needed).
COMMANDS=("init" "key" "courtyard add" "courtyard set" "courtyard list" "courtyard show" "region set" "import"
          "person add" "person list" "person set" "person show" "role assign" "role dismiss"
          "matter open" "matter step" "matter escalate" "matter close" "matter note" "matter show" "matter amend" "matter list"
          "meeting record" "meeting list" "mediation record" "mediation list"
          "points earn" "points redeem" "points balance" "evaluate" "conflicts"
          "log verify" "log" "sync" "digest" "report" "clock correct" "clock" "backup" "witness init" "witnesses"
          "person erase" "matter erase" "mediation erase" "privacy" "compact")
for cmd in "${COMMANDS[@]}"; do
    # shellcheck disable=SC2086
    expect_ok "$NODE" $cmd --help
    expect_out "^usage: shouhe-node $cmd --dir DIR"
    [ "$(wc -l < "$OUT")" -ge 3 ] || fail "'$cmd --help' should describe the command"
    printf '%s\n' "$HELP" | grep -q "^  shouhe-node $cmd --dir DIR" \
        || fail "top-level --help does not list '$cmd'"
done
# ... and the top-level help lists no command these tests do not know about
# (sync is exercised by tests/integration).
N_LISTED=$(printf '%s\n' "$HELP" | grep -c '^  shouhe-node ')
expect_eq "$N_LISTED" "${#COMMANDS[@]}" "number of commands in --help (a new command needs CLI tests)"
expect_ok "$NODE" courtyard add --dir "$A" --help
expect_out '^usage: shouhe-node courtyard add'

# --- command-line errors: exit 2, nothing changed ------------------------------------------
expect_fail 2 "unknown command 'frobnicate'" "$NODE" frobnicate --dir "$A"
expect_fail 2 "unknown command 'frobnicate now'" "$NODE" frobnicate now --dir "$A"
expect_fail 2 "'courtyard' needs one of these subcommands" "$NODE" courtyard
expect_err 'courtyard add' && expect_err 'courtyard list' && expect_err 'courtyard show'
expect_fail 2 "'matter' needs one of these subcommands" "$NODE" matter fly --dir "$A"
expect_unchanged "$A" 2 "unknown option '--bogus'" "$NODE" courtyard list --dir "$A" --bogus
expect_err '^usage: shouhe-node courtyard list'
expect_unchanged "$A" 2 "'key' does not take --json" "$NODE" key --dir "$A" --json
expect_unchanged "$A" 2 "'digest' does not take --json" "$NODE" digest --dir "$A" --json
expect_unchanged "$A" 2 "'init' does not take --name" "$NODE" init --dir "$T/x" --scope "$VILLAGE" --name 张家院子
[ ! -e "$T/x" ] || fail "init with a foreign option created $T/x"
expect_unchanged "$A" 2 "option '--dir' needs a value" "$NODE" key --dir
expect_unchanged "$A" 2 "wrong number of arguments" "$NODE" key --dir "$A" extra
expect_unchanged "$A" 2 "wrong number of arguments" "$NODE" backup --dir "$A"
mkdir "$T/bk-exists"
expect_unchanged "$A" 1 "exists; back up into a new directory" "$NODE" backup --dir "$A" "$T/bk-exists"
expect_ok "$NODE" backup --dir "$A" "$T/bk"
expect_eq "$("$NODE" digest --dir "$T/bk")" "$("$NODE" digest --dir "$A")" "digest of a backup copy"
expect_unchanged "$A" 2 "wrong number of arguments" "$NODE" courtyard show --dir "$A"

# --dir is required by every command.
for cmd in "${COMMANDS[@]}"; do
    args=()
    case $cmd in
        "courtyard show"|"matter show"|"matter close"|"matter amend"|"person show"|"person set"|"person erase"|"matter erase"|"mediation erase"|"backup") args=(X) ;;
        "matter step"|"matter escalate"|"matter note") args=(X Y) ;;
        "import") args=(courtyards f.csv) ;;
    esac
    # shellcheck disable=SC2086
    expect_fail 2 "--dir DIR is required" "$NODE" $cmd "${args[@]}"
done

# clock: shown without a hub measurement; nothing to correct; a malformed offset is exit 2
expect_ok "$NODE" clock --dir "$A"
expect_out '^writes: +allowed'
expect_ok "$NODE" clock --dir "$A" --json
expect_json 'assert j["verdict"] == "ok" and j["writes_allowed"] and j["hub_ms"] is None and j["bound_ms"] == 600000, j'
expect_unchanged "$A" 1 "nothing to correct" "$NODE" clock correct --dir "$A"
expect_unchanged "$A" 2 "SHOUHE_FAULT_CLOCK_MS must be a whole number" env SHOUHE_FAULT_CLOCK_MS=1e3 "$NODE" clock --dir "$A"
expect_unchanged "$A" 2 "SHOUHE_FAULT_CLOCK_MS must be a whole number" \
    env SHOUHE_FAULT_CLOCK_MS=9999999999999999 "$NODE" clock --dir "$A"

# sync is a module beside the executable or in ../lib/.../shouhe/ (node_syncload.c): without
# it, sync says so (exit 9, the paths tried) and changes nothing, and every other command
# still works; a file there that is not a module is named with the loader's reason.
mkdir -p "$T/bin"
cp "$NODE" "$T/bin/shouhe-node"
expect_unchanged "$A" 9 "cannot find the sync module shouhe-node-sync.so.*incomplete.*tried $T/bin/shouhe-node-sync.so" \
    "$T/bin/shouhe-node" sync --dir "$A" --hub tcp://127.0.0.1:1 --hub-key "$("$NODE" key --dir "$A")"
echo "not a module" > "$T/bin/shouhe-node-sync.so"
expect_unchanged "$A" 9 "cannot load the sync module $T/bin/shouhe-node-sync.so: .*incomplete" \
    "$T/bin/shouhe-node" sync --dir "$A" --hub tcp://127.0.0.1:1 --hub-key "$("$NODE" key --dir "$A")"
rm "$T/bin/shouhe-node-sync.so"
expect_unchanged "$A" 9 "cannot load the sync module $T/nowhere.so \(SHOUHE_SYNC_MODULE\)" \
    env SHOUHE_SYNC_MODULE="$T/nowhere.so" \
    "$T/bin/shouhe-node" sync --dir "$A" --hub tcp://127.0.0.1:1 --hub-key "$("$NODE" key --dir "$A")"
expect_ok "$T/bin/shouhe-node" courtyard list --dir "$A"
# --compress takes on or off, and says so before it touches anything
expect_unchanged "$A" 2 "--compress must be on or off, not 'zstd'" \
    "$NODE" sync --dir "$A" --hub tcp://127.0.0.1:1 --hub-key "$("$NODE" key --dir "$A")" --compress zstd
