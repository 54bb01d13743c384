#!/usr/bin/env bash
# The ctest fuzz.seeds: the generated seeds in tests/fuzz/corpus are what fuzz_seeds
# writes from the fixture now (fixed keys and clocks, so the same bytes every time).
# When the fixture or an encoding changes, rewrite them: scripts/fuzz.sh --seeds.
#   seeds_check.sh FUZZ_SEEDS_BINARY CORPUS_DIR
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: seeds_check.sh FUZZ_SEEDS CORPUS_DIR" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$1" "$tmp" >/dev/null
stale=0
for f in "$tmp"/*/*; do
  rel=${f#"$tmp"/}
  if ! cmp -s "$f" "$2/$rel"; then
    echo "seed $rel differs from what fuzz_seeds writes now" >&2
    stale=1
  fi
done
if [ $stale -ne 0 ]; then
  echo "rewrite the seeds with: scripts/fuzz.sh --seeds (or fuzz_seeds tests/fuzz/corpus)" >&2
  exit 1
fi
echo "$(find "$tmp" -type f | wc -l) generated seeds are current"
