# fetch_test.sh -- an auditor key (enrolled with --role auditor) pulls an export from a running
# hub over CurveZMQ and verifies it; it can write nothing, and a node key cannot fetch.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"

V1=500115101001

it_step "hub, one village with data, an auditor key"
hub_init
hub_start
node_new v "$V1"
need_gen
gen v 300 7
assert_exit 0 sync v --deadline 30
it_must "$SHOUHE_AUDIT" keygen --key-dir "$T/auditor"
AUDITOR=$(out)
[[ $AUDITOR =~ ^[0-9a-f]{64}$ ]] || it_fail "expected: keygen prints a 64-hex key" "actual: '$AUDITOR'"
assert_eq "$(stat -c %a "$T/auditor/auditor.key")" 600 "the auditor key file is mode 0600"
hub_cmd enroll --scope 500115 --key "$AUDITOR" --role auditor --name 审计
assert_eq "$RC" 0 "enroll the auditor"

it_step "the auditor fetches an export live and it verifies"
it_run "$SHOUHE_AUDIT" fetch --hub "$HUB_EP" --hub-key "$HUB_KEY" --key-dir "$T/auditor" "$T/live.pb"
assert_eq "$RC" 0 "fetch exits 0"
assert_out '^fetched [0-9]+ bytes'
it_run "$SHOUHE_AUDIT" verify "$T/live.pb" --hub-key "$HUB_KEY"
assert_eq "$RC" 0 "the fetched export verifies"
assert_out "^changes: +300 from 1 author"
it_run "$SHOUHE_AUDIT" fetch --hub "$HUB_EP" --hub-key "$HUB_KEY" --key-dir "$T/auditor" "$T/live.pb"
assert_eq "$RC" 1 "fetch refuses to overwrite an export"

it_step "a node key may not fetch"
mkdir -p "$T/as-node"
cp "$(ndir v)/node.key" "$T/as-node/auditor.key"
chmod 600 "$T/as-node/auditor.key"
it_run "$SHOUHE_AUDIT" fetch --hub "$HUB_EP" --hub-key "$HUB_KEY" --key-dir "$T/as-node" "$T/node.pb"
assert_eq "$RC" 1 "a node key's fetch is refused"
assert_err 'ERR_ROLE'

it_step "the auditor can write nothing"
it_must "$NODE" init --dir "$T/w" --scope 500115
cp "$T/auditor/auditor.key" "$T/w/node.key.new"
chmod 600 "$T/w/node.key.new"
mv "$T/w/node.key.new" "$T/w/node.key"
# a node refuses a key its store does not belong to, naming both ...
it_run "$NODE" courtyard add --dir "$T/w" --code "${V1}009" --name 审计院 --households 10
assert_eq "$RC" 3 "a store refuses another key"
assert_err 'this store belongs to the key [0-9a-f]{64}, but the key file holds [0-9a-f]{64}'
# ... so bind the store to the auditor's key, as someone with write access could
it_must "$SHOUHE_TAMPER" "$T/w" rebind "$T/w/node.key"
it_must "$NODE" courtyard add --dir "$T/w" --code "${V1}009" --name 审计院 --households 10
it_run "$NODE" sync --dir "$T/w" --hub "$HUB_EP" --hub-key "$HUB_KEY" --deadline 20
assert_eq "$RC" 5 "an auditor's push is refused"
assert_err 'ERR_ROLE'
assert_eq "$(hub_digest "$V1")" "$(node_digest v "$V1")" "nothing of the auditor was stored"

hub_alive
hub_stop
