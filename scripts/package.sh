#!/usr/bin/env bash
# Build the Debian package of shouhe: scripts/package.sh [BUILD_DIR] [extra cmake args...]
# Configures BUILD_DIR (default build-deb) for the prefix /usr (so that the programs read
# /etc/shouhe and the module lives in /usr/lib/<multiarch>/shouhe), builds only what is
# installed (no tests), and runs cpack -G DEB there; prints the .deb's path.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/build-deb}
shift || true
cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
      -DSHOUHE_BUILD_TESTS=OFF "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
(cd "$dir" && cpack -G DEB >/dev/null)
ls "$dir"/shouhe_*.deb
