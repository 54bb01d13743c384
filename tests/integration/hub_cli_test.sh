# hub_cli_test.sh -- `shouhe-hub` command-line refusals (docs/protocol.md 14.3, section 2;
# docs/security.md 2.7 item 12): each refused command exits with its code, names the cause, and
# leaves the registry as it was (`shouhe-hub nodes --json` before and after, byte for byte).
#
#   enroll: key not hex / 63 / 65 digits / empty                    exit 1 "is not 64 hex digits"
#           identity point, y with no x, a point outside the prime-order subgroup, y >= p
#                                                                   exit 1 "is not a valid Ed25519 public key"
#           scope of 5, 7, 13, 15 digits, with a letter, empty      exit 1 "must be a region code of 6, 9 or 12 digits"
#           name of 64 bytes (ASCII) or 66 bytes (22 CJK)           exit 1 "a name is at most 63 bytes"
#           role admin, Node, empty                                 exit 1 "--role must be node, auditor, witness or mirror"
#           an enrolled key (any scope, role, name; upper-case hex; its negation -P)
#           a revoked key                                           exit 1 "already enrolled (a revoked key ...)"
#           no --key / no --scope                                   exit 2
#   revoke: unknown key exit 1 "is not enrolled"; revoked key exit 1 "is already revoked"; bad hex exit 1
#   unblock: unknown key                                            exit 1 "is not enrolled"
#   init on a hub / on a node directory                             exit 1 "already holds a hub or a node"
#   hub.key mode 0644 or 0640: serve, key, checkpoint, export       exit 3 "may be read by other users"
# This test lives in tests/integration/ because tests/cli/lib.sh knows only shouhe-node.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"

V=500115103001

it_step "a hub with an enrolled node, a revoked node and an unenrolled key"
hub_init
node_new a "$V"
node_new gone "$V"
node_new fresh "$V" --no-enroll
node_must a courtyard add --code "${V}001" --name 张家院子 --households 11
hub_cmd revoke --key "${KEY[gone]}"
assert_eq "$RC" 0 "revoke exits 0"
assert_out "^revoked ${KEY[gone]}$"

REG=$T/registry.json
snapshot () { "$HUB" nodes --dir "$HUB_DIR" --json > "$REG" 2>&1; }
snapshot
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert len(j) == 2, j' "$REG" \
    || it_fail "expected: nodes --json lists a and gone"

# registry_same WHAT -- `nodes --json` is byte for byte what it was
registry_same () {
    local now=$T/registry.now
    "$HUB" nodes --dir "$HUB_DIR" --json > "$now" 2>&1
    if ! cmp -s "$REG" "$now"; then
        it_fail "expected: the registry is unchanged after: $1" "diff:     $(diff "$REG" "$now" | head -c 600)"
    fi
}

# refuse CODE PATTERN ARGS... -- shouhe-hub ARGS exits CODE, stderr matches PATTERN, nothing changed
refuse () {
    local code=$1 pat=$2
    shift 2
    assert_exit "$code" timeout -k 2 20 "$HUB" "$@" || true
    assert_err "$pat"
    [ -s "$OUT" ] && it_fail "expected: nothing on stdout of a refused command"
    registry_same "$(_it_cmdline "$HUB" "$@")"
}

zeros () { printf '0%.0s' $(seq 1 "$1"); }
K=${KEY[fresh]}
A=${KEY[a]}

# -------------------------------------------------------------------------------------------------
it_step "enroll: keys that are not 64 hex digits"
for bad in "$(printf 'g%.0s' {1..64})" "${K:1}" "${K}0" "" "${K:0:63}z"; do
    refuse 1 "^shouhe-hub: key '$bad' is not 64 hex digits$" enroll --dir "$HUB_DIR" --scope "$V" --key "$bad"
done

it_step "enroll: 64 hex digits that are not a usable Ed25519 public key"
# 01 00..: the identity (small order); 02 00..: y = 2 has no x on edwards25519; 03 00..: a point
# of the curve outside the prime-order subgroup; ed ff..7f: y = p (not canonical)
for bad in "01$(zeros 62)" "02$(zeros 62)" "03$(zeros 62)" "ed$(printf 'f%.0s' {1..60})7f"; do
    refuse 1 "^shouhe-hub: $bad is not a valid Ed25519 public key$" enroll --dir "$HUB_DIR" --scope "$V" --key "$bad"
done

it_step "enroll: bad scopes"
for bad in 50011 5001151 5001151030011 500115103001001 50011a "" 5001151030O1; do
    refuse 1 "^shouhe-hub: scope '$bad' must be a region code of 6, 9 or 12 digits" \
        enroll --dir "$HUB_DIR" --scope "$bad" --key "$K"
done

it_step "enroll: names over 63 bytes"
refuse 1 "name is 64 bytes; a name is at most 63 bytes" enroll --dir "$HUB_DIR" --scope "$V" --key "$K" --name "$(printf 'x%.0s' {1..64})"
refuse 1 "name is 66 bytes; a name is at most 63 bytes" enroll --dir "$HUB_DIR" --scope "$V" --key "$K" --name "$(printf '院%.0s' {1..22})"

it_step "enroll: unknown roles"
for bad in admin Node ""; do
    refuse 1 "^shouhe-hub: --role must be node, auditor, witness or mirror, not '$bad'$" \
        enroll --dir "$HUB_DIR" --scope "$V" --key "$K" --role "$bad"
done

it_step "enroll: keys already in the registry (enrolled, revoked, the negation of an enrolled key)"
already="is already enrolled \(a revoked key is never enrolled again\)$"
refuse 1 "^shouhe-hub: key $A $already" enroll --dir "$HUB_DIR" --scope "$V" --key "$A"
refuse 1 "^shouhe-hub: key $A $already" enroll --dir "$HUB_DIR" --scope 500115103002 --key "$A" --name other
refuse 1 "^shouhe-hub: key $A $already" enroll --dir "$HUB_DIR" --scope 500115 --key "$A" --role auditor
refuse 1 "^shouhe-hub: key ${A^^} $already" enroll --dir "$HUB_DIR" --scope "$V" --key "${A^^}"
refuse 1 "^shouhe-hub: key ${KEY[gone]} $already" enroll --dir "$HUB_DIR" --scope "$V" --key "${KEY[gone]}"
# -P: the same y with the other sign bit (top bit of the last byte): the same Curve25519 key, so
# it would take over a's CURVE identity. Spec 14.2 says enrolment would overwrite a's index
# entry; the code (sh_registry_enroll) refuses it as already enrolled (security.md 3.9 agrees).
NEG=${A:0:62}$(printf '%02x' $((0x${A:62:2} ^ 0x80)))
refuse 1 "^shouhe-hub: key $NEG $already" enroll --dir "$HUB_DIR" --scope "$V" --key "$NEG"

it_step "enroll: missing --key or --scope (command line: exit 2)"
refuse 2 "--key HEX is required" enroll --dir "$HUB_DIR" --scope "$V"
refuse 2 "enroll needs --scope CODE and --key HEX" enroll --dir "$HUB_DIR" --key "$K"

# -------------------------------------------------------------------------------------------------
it_step "revoke and unblock: unknown, revoked and malformed keys"
refuse 1 "^shouhe-hub: key $K is not enrolled$" revoke --dir "$HUB_DIR" --key "$K"
refuse 1 "^shouhe-hub: key ${KEY[gone]} is already revoked$" revoke --dir "$HUB_DIR" --key "${KEY[gone]}"
refuse 1 "^shouhe-hub: key 'xyz' is not 64 hex digits$" revoke --dir "$HUB_DIR" --key xyz
refuse 1 "^shouhe-hub: key $NEG is not enrolled$" revoke --dir "$HUB_DIR" --key "$NEG"
refuse 1 "^shouhe-hub: key $K is not enrolled$" unblock --dir "$HUB_DIR" --key "$K"
refuse 1 "^shouhe-hub: key 'xyz' is not 64 hex digits$" unblock --dir "$HUB_DIR" --key xyz

# -------------------------------------------------------------------------------------------------
it_step "init on a directory that holds a hub or a node"
key_sum=$(sha256sum < "$HUB_DIR/hub.key")
refuse 1 "^shouhe-hub: $HUB_DIR already holds a hub or a node; refusing to overwrite it$" init --dir "$HUB_DIR"
assert_eq "$(sha256sum < "$HUB_DIR/hub.key")" "$key_sum" "hub.key is untouched"
hub_cmd key
assert_eq "$(out)" "$HUB_KEY" "the hub's key is the same"
node_sum=$(sha256sum < "$(ndir a)/node.key")
refuse 1 "already holds a hub or a node; refusing to overwrite it" init --dir "$(ndir a)"
assert_eq "$(sha256sum < "$(ndir a)/node.key")" "$node_sum" "node.key is untouched"
[ -e "$(ndir a)/hub.key" ] && it_fail "expected: no hub.key written into the node's directory"

# -------------------------------------------------------------------------------------------------
it_step "hub.key readable by others: every command that loads the key refuses (exit 3)"
for mode in 644 640; do
    chmod "$mode" "$HUB_DIR/hub.key"
    perm="^shouhe-hub: $HUB_DIR/hub.key may be read by other users; refusing to use it \(fix with: chmod 600 $HUB_DIR/hub.key\)$"
    refuse 3 "$perm" serve --dir "$HUB_DIR" --bind 'tcp://127.0.0.1:*' --ready-file "$T/ready"
    [ -e "$T/ready" ] && it_fail "expected: no ready file from a refused serve"
    refuse 3 "$perm" key --dir "$HUB_DIR"
    refuse 3 "$perm" checkpoint --dir "$HUB_DIR"
    refuse 3 "$perm" export --dir "$HUB_DIR" "$T/hub.export"
    [ -e "$T/hub.export" ] && it_fail "expected: no export written with a world-readable key"
    assert_eq "$(stat -c %a "$HUB_DIR/hub.key")" "$mode" "the hub does not change the mode itself"
done
# (commands that do not load hub.key -- enroll, revoke, unblock, nodes, digest, report -- run
# with it as they are; spec 2 asks readers of the key file to refuse, and they do not read it)
chmod 600 "$HUB_DIR/hub.key"

# -------------------------------------------------------------------------------------------------
it_step "controls: the same commands succeed with good input, and a still syncs (its CURVE index entry survived -P)"
hub_start
assert_exit 0 sync a --deadline 20
digest_equal a "$V"
hub_cmd enroll --scope "$V" --key "$K" --name "$(printf '院%.0s' {1..21})"
assert_eq "$RC" 0 "enroll with a 63-byte name exits 0"
assert_out "^enrolled $K$"
assert_eq "$(hub_node_field "$K" name)" "'$(printf '院%.0s' {1..21})'" "nodes --json: the 63-byte name"
hub_cmd unblock --key "$A"
assert_eq "$RC" 0 "unblock of an enrolled key that is not blocked exits 0"
assert_eq "$(hub_node_field "$A" blocked)" False "nodes --json: a is not blocked"
assert_exit 0 sync fresh --deadline 20
hub_alive
hub_stop
