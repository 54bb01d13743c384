# package_test.sh -- the Debian package (cpack -G DEB, scripts/package.sh; docs/operations.md,
# "Install and run as services"), checked without touching this machine:
#   the package built for the prefix /usr: its Depends (the runtime libraries, adduser), its
#   conffiles (/etc/shouhe/*.conf), its maintainer scripts (executable, sh -n), its files
#   (programs, the module in /usr/lib/<multiarch>/shouhe, units, man pages, configuration)
#   extracted anywhere (dpkg-deb -x), its programs run a hub and a node that sync: the module is
#   found relative to the program
#   installed, reinstalled (an upgrade: postinst configure OLD-VERSION), removed and purged
#   with dpkg --root into a temporary root (--force-script-chrootless: the maintainer scripts
#   run with DPKG_ROOT; adduser, getent, systemctl and install are stubs that log their calls):
#   the user is made once, nothing is enabled or started, remove disables the units, purge
#   removes the configuration and the enablement links and keeps /var/lib/shouhe
# Builds the package in its own build directory (a minute or so on two cores).
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"

[ -n "${SHOUHE_SOURCE:-}" ] || { echo "SKIP: SHOUHE_SOURCE is not set" >&2; exit 77; }
for tool in cpack dpkg-deb dpkg; do
    command -v "$tool" > /dev/null || { echo "SKIP: no $tool" >&2; exit 77; }
done
V=500115108201

it_step "scripts/package.sh: configure for /usr, build, cpack -G DEB"
it_run "$SHOUHE_SOURCE/scripts/package.sh" "$T/bd"
[ "$RC" = 0 ] || { it_fail "package.sh failed: $(tail -5 "$ERR")"; exit 1; }
DEB=$(out)
[ -f "$DEB" ] || { it_fail "expected: a .deb, got '$DEB'"; exit 1; }

it_step "control: Depends, conffiles, maintainer scripts"
it_must dpkg-deb -f "$DEB" Depends
for dep in adduser libzmq5 libczmq4 libsodium23 liblmdb0 libprotobuf-c1 libjansson4 libcsv3; do
    assert_out "(^|, )$dep( |,|$)"
done
mkdir -p "$T/ctl"
it_must dpkg-deb -e "$DEB" "$T/ctl"
assert_eq "$(cat "$T/ctl/conffiles")" "$(printf '/etc/shouhe/hub.conf\n/etc/shouhe/node.conf\n/etc/shouhe/mirror.conf')" "conffiles"
for s in postinst prerm postrm; do
    [ -x "$T/ctl/$s" ] || it_fail "expected: $s executable"
    it_must sh -n "$T/ctl/$s"
done

it_step "contents"
it_must dpkg-deb -c "$DEB"
for f in ./usr/bin/shouhe-node ./usr/bin/shouhe-hub ./usr/bin/shouhe-audit \
         "./usr/lib/[a-z0-9_]+-linux-gnu[a-z]*/shouhe/shouhe-node-sync.so" ./etc/shouhe/hub.conf \
         ./etc/shouhe/node.conf ./etc/shouhe/mirror.conf ./usr/lib/systemd/system/shouhe-hub.service \
         ./usr/lib/systemd/system/shouhe-hub-mirror.service \
         ./usr/lib/systemd/system/shouhe-node-sync.service ./usr/lib/systemd/system/shouhe-node-sync.timer \
         ./usr/share/man/man1/shouhe-node.1.gz ./usr/share/man/man5/shouhe.conf.5.gz; do
    assert_out " $f$"
done

it_step "extracted anywhere, its programs sync (the module found relative to the program)"
it_must dpkg-deb -x "$DEB" "$T/x"
grep -qx "ExecStart=/usr/bin/shouhe-hub serve --dir /var/lib/shouhe/hub" \
    "$T/x/usr/lib/systemd/system/shouhe-hub.service" || it_fail "expected: ExecStart=/usr/bin/shouhe-hub"
NODE=$T/x/usr/bin/shouhe-node
HUB=$T/x/usr/bin/shouhe-hub
hub_init
node_new v "$V"
node_must v courtyard add --code "${V}001" --name 张家院子 --households 11
hub_start
it_run sync v
assert_eq "$RC" 0 "sync with the packaged programs"
assert_err "sync: ok .* up=1 "
hub_stop

it_step "dpkg --root: install, reinstall (upgrade), remove, purge"
R=$T/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$T/stubs"
: > "$R/var/lib/dpkg/status"
export STUB_LOG=$T/stub.log STUB_USERS=$T/users
cat > "$T/stubs/adduser" <<'SH'
#!/bin/sh
echo "adduser $*" >> "$STUB_LOG"; echo shouhe >> "$STUB_USERS"
SH
cat > "$T/stubs/getent" <<'SH'
#!/bin/sh
echo "getent $*" >> "$STUB_LOG"; [ "$1" = passwd ] && grep -qx "$2" "$STUB_USERS" 2>/dev/null
SH
cat > "$T/stubs/systemctl" <<'SH'
#!/bin/sh
echo "systemctl $*" >> "$STUB_LOG"
SH
cat > "$T/stubs/install" <<'SH'
#!/bin/sh
echo "install $*" >> "$STUB_LOG"
a=; while [ $# -gt 0 ]; do case $1 in -o|-g) shift 2 ;; *) a="$a $1"; shift ;; esac; done
exec /usr/bin/install $a
SH
chmod +x "$T"/stubs/*
dpkg_r () { it_run env PATH="$T/stubs:$PATH" dpkg --root="$R" --admindir="$R/var/lib/dpkg" \
    --force-script-chrootless --force-not-root --force-depends --log=/dev/null "$@"; }
dpkg_r -i "$DEB"
assert_eq "$RC" 0 "dpkg -i into the temporary root"
[ -x "$R/usr/bin/shouhe-node" ] && [ -f "$R/etc/shouhe/node.conf" ] || it_fail "expected: the files in the root"
[ -d "$R/var/lib/shouhe" ] || it_fail "expected: postinst makes /var/lib/shouhe"
assert_eq "$(stat -c %a "$R/var/lib/shouhe")" 700 "/var/lib/shouhe is 0700"
assert_eq "$(grep -c '^adduser --system --group' "$STUB_LOG")" 1 "adduser once"
grep -Eq "systemctl .*(enable|start)" "$STUB_LOG" && it_fail "expected: nothing enabled or started on install"
echo "# changed by the operator" >> "$R/etc/shouhe/node.conf"
dpkg_r -i "$DEB"
assert_eq "$RC" 0 "dpkg -i again (an upgrade)"
assert_eq "$(grep -c '^adduser' "$STUB_LOG")" 1 "no second adduser on upgrade"
grep -q "changed by the operator" "$R/etc/shouhe/node.conf" || it_fail "expected: the conffile kept on upgrade"
mkdir -p "$R/etc/systemd/system/timers.target.wants"
ln -s /usr/lib/systemd/system/shouhe-node-sync.timer "$R/etc/systemd/system/timers.target.wants/"
dpkg_r -r shouhe
assert_eq "$RC" 0 "dpkg -r"
[ ! -e "$R/usr/bin/shouhe-node" ] || it_fail "expected: the programs removed"
[ -f "$R/etc/shouhe/node.conf" ] || it_fail "expected: the configuration kept until purge"
dpkg_r -P shouhe
assert_eq "$RC" 0 "dpkg -P"
[ ! -e "$R/etc/shouhe/node.conf" ] || it_fail "expected: the configuration purged"
[ ! -L "$R/etc/systemd/system/timers.target.wants/shouhe-node-sync.timer" ] || it_fail "expected: purge removes the timer's link"
[ -d "$R/var/lib/shouhe" ] || it_fail "expected: /var/lib/shouhe (the records) kept on purge"
left=$(cd "$R" && find . -path ./var/lib/dpkg -prune -o -type f -print)
assert_eq "$left" "" "no file of the package left after purge"
