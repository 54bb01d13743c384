# install_test.sh -- `cmake --install` into a temporary prefix, run from elsewhere, and moved
# (docs/operations.md, "Install and run as services"):
#   the installed tree holds the three programs, the sync module under <libdir>/shouhe/, the man
#   pages (gzip; groff finds no fault), the systemd units (ExecStart: the installed programs'
#   full paths; systemd-analyze verify when present) and etc/shouhe/{hub,node}.conf
#   the installed programs, run from another directory: a hub and a node, enrol, serve, sync,
#   report; one log line per sync on both sides (the node's stderr, the hub's log)
#   the installed tree copied elsewhere (the first removed): sync again -- the module is found
#   relative to the program; so is the catalogue (LANG=zh_CN.UTF-8: Chinese help)
#   the module removed: sync exits 9 (SH_EXIT_INSTALL), naming the paths tried
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"

[ -n "${SHOUHE_BUILD:-}" ] || { echo "SKIP: SHOUHE_BUILD is not set" >&2; exit 77; }
V=500115108201

it_step "cmake --install into $T/p"
it_must cmake --install "$SHOUHE_BUILD" --prefix "$T/p"
for f in bin/shouhe-node bin/shouhe-hub bin/shouhe-audit etc/shouhe/hub.conf etc/shouhe/node.conf \
         etc/shouhe/mirror.conf lib/systemd/system/shouhe-hub-mirror.service \
         lib/systemd/system/shouhe-hub.service lib/systemd/system/shouhe-node-sync.service \
         lib/systemd/system/shouhe-node-sync.timer share/man/man1/shouhe-node.1.gz \
         share/man/man1/shouhe-hub.1.gz share/man/man1/shouhe-audit.1.gz share/man/man5/shouhe.conf.5.gz \
         share/locale/zh_CN/LC_MESSAGES/shouhe.mo; do
    [ -f "$T/p/$f" ] || it_fail "expected: $f installed under the prefix"
done
MOD=$(cd "$T/p" && find . -name shouhe-node-sync.so)
[[ $MOD == ./lib*/shouhe/shouhe-node-sync.so ]] || it_fail "expected: the sync module in <libdir>/shouhe/" "actual: '$MOD'"

it_step "man pages render without warnings"
for m in "$T"/p/share/man/man*/*.gz; do
    zcat "$m" | groff -k -man -Tutf8 -ww -z 2> "$T/groff.err" || it_fail "groff failed on $m"
    [ ! -s "$T/groff.err" ] || it_fail "groff warnings on $m: $(head -3 "$T/groff.err")"
done

it_step "systemd units: full paths, hardening, timer"
U=$T/p/lib/systemd/system
grep -qx "ExecStart=$T/p/bin/shouhe-hub serve --dir /var/lib/shouhe/hub" "$U/shouhe-hub.service" \
    || it_fail "expected: the hub unit's ExecStart names the installed shouhe-hub"
grep -qxE "ExecStart=$T/p/bin/shouhe-hub mirror --config /.*/shouhe/mirror.conf --dir /var/lib/shouhe/mirror --watch" \
    "$U/shouhe-hub-mirror.service" || it_fail "expected: the mirror unit's ExecStart names the installed shouhe-hub"
grep -qx "RestartPreventExitStatus=5 6" "$U/shouhe-hub-mirror.service" \
    || it_fail "expected: a mirror refusing a split view (exit 6) is not restarted"
grep -qx "ExecStart=$T/p/bin/shouhe-node sync --dir /var/lib/shouhe/node" "$U/shouhe-node-sync.service" \
    || it_fail "expected: the sync unit's ExecStart names the installed shouhe-node"
for k in User=shouhe StateDirectory=shouhe ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes \
         ProtectHome=yes; do
    grep -qx "$k" "$U/shouhe-hub.service" || it_fail "expected: $k in shouhe-hub.service"
    grep -qx "$k" "$U/shouhe-hub-mirror.service" || it_fail "expected: $k in shouhe-hub-mirror.service"
done
grep -qx "Type=oneshot" "$U/shouhe-node-sync.service" || it_fail "expected: the sync unit is a oneshot"
for k in Persistent=true RandomizedDelaySec=4h; do
    grep -qx "$k" "$U/shouhe-node-sync.timer" || it_fail "expected: $k in shouhe-node-sync.timer"
done
if command -v systemd-analyze > /dev/null; then
    it_run timeout 120 systemd-analyze verify --man=no "$U/shouhe-hub.service" "$U/shouhe-hub-mirror.service" \
        "$U/shouhe-node-sync.service" \
        "$U/shouhe-node-sync.timer"
    [ "$RC" = 0 ] || it_fail "systemd-analyze verify: exit $RC: $(cat "$ERR")"
    grep -v '^$' "$ERR" > /dev/null && it_fail "systemd-analyze verify warned: $(cat "$ERR")"
else
    echo "note: no systemd-analyze; the units are not verified" >&2
fi

mkdir -p "$T/elsewhere"
cd "$T/elsewhere" || exit 1

it_step "the installed programs, from another directory: init, enrol, serve, sync, report"
NODE=$T/p/bin/shouhe-node
HUB=$T/p/bin/shouhe-hub
hub_init
node_new v "$V"
node_must v courtyard add --code "${V}001" --name 张家院子 --households 11
hub_start
it_run sync v
assert_eq "$RC" 0 "sync with the installed programs"
assert_err "shouhe-node info: sync: ok hub=$HUB_EP hub-key=${HUB_KEY:0:16} up=1 duplicates=0 down=[0-9]+ bytes-out=[0-9]+ bytes-in=[0-9]+ ms=[0-9]+ exit=0"
it_must grep -Eq "shouhe-hub info: sync: ok node=${KEY[v]:0:16} name=\"v\" scope=$V up=1 down=[0-9]+ bytes-in=[0-9]+ bytes-out=[0-9]+ ms=[0-9]+" "$HUB_LOG"
n=$(grep -c "shouhe-hub info: sync: " "$HUB_LOG")
assert_eq "$n" 1 "one hub log line for one sync"
it_must "$HUB" report --dir "$HUB_DIR" --village "$V" --format json
assert_json 'assert isinstance(j, dict) and j'
digest_equal v "$V"

it_step "the installed tree moved elsewhere: sync again, still in Chinese"
cp -a "$T/p" "$T/moved"
rm -rf "$T/p"
NODE=$T/moved/bin/shouhe-node
HUB=$T/moved/bin/shouhe-hub
for prog in "$NODE" "$HUB"; do
    it_run env -u LC_ALL LANG=zh_CN.UTF-8 "$prog" --help
    grep -q "用法" "$OUT" || it_fail "expected: the moved $prog finds its catalogue (share/locale)"
done
node_must v courtyard add --code "${V}002" --name 李家院子 --households 7
it_run sync v
assert_eq "$RC" 0 "sync with the moved programs"
assert_err "sync: ok .* up=1 "
digest_equal v "$V"

it_step "the sync module missing: exit 9, naming the paths tried"
rm "$T/moved/${MOD#./}"
it_run sync v
assert_eq "$RC" 9 "sync without its module"
assert_err "cannot find the sync module shouhe-node-sync.so; the installation is incomplete"
assert_err "tried $T/moved/bin/shouhe-node-sync.so and $T/moved/bin/../lib"
node_must v courtyard list      # the other commands need no module

hub_stop
