#!/usr/bin/env bash
# Install the Debian 12 packages shouhe needs, only those missing.
# Sourced or run by demo.sh and test.sh; needs root (or sudo) when something is missing.
# chromium (headless) and a CJK font: the HTML report test opens the report in a browser;
# clang with libFuzzer (libclang-rt-14-dev) and llvm: the fuzz pass; valgrind: the memcheck test;
# time (/usr/bin/time): peak memory in the benchmarks.
# dpkg-dev (dpkg-shlibdeps: the package's Depends), systemd (systemd-analyze verify on the
# units) and groff-base (the man pages checked): the install and package tests.
# python3-openpyxl: the tests read the .xlsx reports. gettext: msgfmt builds the catalogues.
set -euo pipefail

SHOUHE_PACKAGES=(
  build-essential cmake pkg-config
  libzmq3-dev libczmq-dev libprotobuf-c-dev protobuf-c-compiler
  liblmdb-dev libsodium-dev libjansson-dev libcsv-dev libxlsxwriter-dev libzstd-dev
  python3 python3-zmq python3-nacl python3-openpyxl python3-zstandard
  chromium fonts-wqy-zenhei
  clang libclang-rt-14-dev llvm valgrind time
  dpkg-dev systemd groff-base gettext
)

missing=()
for p in "${SHOUHE_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing missing packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
