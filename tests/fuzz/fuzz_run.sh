#!/usr/bin/env bash
# Run one libFuzzer target for a bounded time on a fresh copy of its seed corpus
# (the ctest command of a fuzz test in a SHOUHE_FUZZ build; scripts/fuzz.sh too).
#   fuzz_run.sh BINARY SEED_DIR WORK_DIR FINDINGS_DIR SECONDS [libFuzzer options...]
# New inputs go to WORK_DIR (emptied first), crashes to FINDINGS_DIR/. Exits non-zero
# on any crash, leak, timeout, out-of-memory or failed property; prints libFuzzer's
# final statistics.
set -euo pipefail
if [ $# -lt 5 ]; then
  echo "usage: fuzz_run.sh BINARY SEED_DIR WORK_DIR FINDINGS_DIR SECONDS [options...]" >&2
  exit 2
fi
bin=$1 seeds=$2 work=$3 findings=$4 seconds=$5
shift 5
rm -rf "$work"
mkdir -p "$work" "$findings"
cp -p "$seeds"/* "$work"/
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
exec "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=30 -print_final_stats=1 \
  -artifact_prefix="$findings"/ "$@" "$work"
