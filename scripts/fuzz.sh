#!/usr/bin/env bash
# Fuzz shouhe with libFuzzer: builds the targets of tests/fuzz with clang, AddressSanitizer
# and UndefinedBehaviorSanitizer in build-fuzz/ (installing clang and its libFuzzer runtime
# when missing), then runs each target for a bounded time on a fresh copy of its seed
# corpus and prints, per target, the executions, their rate, the coverage reached and the
# findings. Crashes, leaks and timeouts are saved in build-fuzz/findings/<target>/
# (emptied at the start of each run); reproduce one with
#   build-fuzz/tests/fuzz/fuzz_<target> build-fuzz/findings/<target>/crash-...
#   --seconds N     how long each target runs (default 60)
#   --target T      only this target (repeatable): envelope change note csv export
#   --keep          keep each target's grown corpus (build-fuzz/fuzz-work/<target>) across runs
#   --seeds         rewrite the generated seeds in tests/fuzz/corpus first (fuzz_seeds)
#   --build-only    install, configure (SHOUHE_FUZZ_SECONDS = --seconds) and build; run nothing
# Exit status: 0 when no target found anything, 1 when one did, 2 on a usage error.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-fuzz"
seconds=60
targets=()
keep=0
seeds=0
build_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift ;;
    --target) targets+=("$2"); shift ;;
    --keep) keep=1 ;;
    --seeds) seeds=1 ;;
    --build-only) build_only=1 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "fuzz.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
case "$seconds" in ''|*[!0-9]*) echo "fuzz.sh: --seconds takes a whole number" >&2; exit 2 ;; esac
[ ${#targets[@]} -gt 0 ] || targets=(envelope change note csv export)
for t in "${targets[@]}"; do
  [ -d "$root/tests/fuzz/corpus/$t" ] || { echo "fuzz.sh: no target '$t'" >&2; exit 2; }
done

# clang, its libFuzzer and sanitizer runtimes (libclang-rt-14-dev on Debian 12) and
# llvm-symbolizer (llvm) for readable stack traces; the project's own packages first.
"$root/scripts/deps.sh"
FUZZ_PACKAGES=(clang libclang-rt-14-dev llvm)
missing=()
for p in "${FUZZ_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing missing packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput (const unsigned char *d, unsigned long n) { (void) d; (void) n; return 0; }\n' \
  > "$probe/probe.c"
if ! clang -fsanitize=fuzzer,address,undefined "$probe/probe.c" -o "$probe/probe" 2>"$probe/err"; then
  echo "fuzz.sh: clang cannot link a libFuzzer target:" >&2
  cat "$probe/err" >&2
  exit 1
fi

echo "==> build with libFuzzer + ASan + UBSan (clang) in build-fuzz/"
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSHOUHE_FUZZ=ON -DSHOUHE_FUZZ_SECONDS="$seconds" >/dev/null
cmake --build "$build" -j"$(nproc)" --target fuzz-targets
[ $build_only -eq 1 ] && exit 0

if [ $seeds -eq 1 ]; then
  echo "==> seeds"
  "$build/tests/fuzz/fuzz_seeds" "$root/tests/fuzz/corpus"
fi

sym=$(command -v llvm-symbolizer || command -v llvm-symbolizer-14 || true)
[ -n "$sym" ] && export ASAN_SYMBOLIZER_PATH="$sym"
found=0
summary=()
for t in "${targets[@]}"; do
  echo "==> fuzz_$t for ${seconds} s"
  findings="$build/findings/$t"
  work="$build/fuzz-work/$t"
  log="$build/fuzz-$t.log"
  rm -rf "$findings"
  mkdir -p "$findings"
  set +e
  if [ $keep -eq 1 ]; then
    mkdir -p "$work"
    cp -pn "$root/tests/fuzz/corpus/$t"/* "$work"/ 2>/dev/null
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
      "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=30 \
      -print_final_stats=1 -artifact_prefix="$findings"/ "$work" >"$log" 2>&1
  else
    bash "$root/tests/fuzz/fuzz_run.sh" "$build/tests/fuzz/fuzz_$t" "$root/tests/fuzz/corpus/$t" \
      "$work" "$findings" "$seconds" >"$log" 2>&1
  fi
  status=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  added=$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1 || true)
  n_found=$(find "$findings" -type f | wc -l)
  line=$(printf '%-9s %12s execs %8s/s  %-20s new inputs %-6s peak %s MB  findings %s' "$t" "${execs:-?}" \
         "${rate:-?}" "${cov:-cov: ?}" "${added:-?}" "${rss:-?}" "$n_found")
  echo "$line"
  summary+=("$line")
  if [ $status -ne 0 ] || [ "$n_found" -gt 0 ]; then
    found=1
    echo "    fuzz_$t exited $status; log: $log"
    grep -E 'ERROR:|SUMMARY:|fuzz property failed|runtime error' "$log" | head -5 | sed 's/^/    /' || true
    find "$findings" -type f | sed 's/^/    finding: /'
  fi
done
echo "==> summary (${seconds} s per target)"
printf '%s\n' "${summary[@]}"
exit $found
