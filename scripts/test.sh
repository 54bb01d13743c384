#!/usr/bin/env bash
# Set up everything and run every test: installs missing Debian packages, builds,
# runs the whole ctest suite, then builds again with AddressSanitizer +
# UndefinedBehaviorSanitizer and runs the suite once more, then builds the
# libFuzzer targets with clang (scripts/fuzz.sh) and fuzzes each for 15 s.
#   --fast      skip the sanitizer and libFuzzer passes
#   -L LABEL    pass a ctest label filter (unit, integration, reliability, fuzz, ...);
#               the libFuzzer pass runs only when no label or "fuzz" is given
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fast=0
ctest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --fast) fast=1 ;;
    -L) ctest_args+=(-L "$2"); shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done

"$root/scripts/deps.sh"
jobs=$(nproc)

echo "==> build (RelWithDebInfo) in build/"
"$root/scripts/build.sh" "$root/build"
echo "==> tests"
(cd "$root/build" && ctest --output-on-failure -j"$jobs" ${ctest_args[@]+"${ctest_args[@]}"})

if [ $fast -eq 0 ]; then
  echo "==> build with AddressSanitizer + UndefinedBehaviorSanitizer in build-san/"
  "$root/scripts/build.sh" "$root/build-san" -DSHOUHE_SANITIZE=ON
  echo "==> tests under the sanitizers"
  (cd "$root/build-san" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     ctest --output-on-failure -j"$jobs" ${ctest_args[@]+"${ctest_args[@]}"})
fi

fuzz_pass=1
if [ ${#ctest_args[@]} -gt 0 ]; then
  fuzz_pass=0
  for a in "${ctest_args[@]}"; do [ "$a" = fuzz ] && fuzz_pass=1; done
fi
if [ $fast -eq 0 ] && [ $fuzz_pass -eq 1 ]; then
  echo "==> libFuzzer targets (clang, ASan + UBSan) in build-fuzz/"
  "$root/scripts/fuzz.sh" --build-only --seconds 15
  echo "==> fuzzing: each target for 15 s on a copy of its corpus"
  (cd "$root/build-fuzz" && ctest --output-on-failure -j"$jobs" -L fuzz)
fi
echo "==> all tests passed"
