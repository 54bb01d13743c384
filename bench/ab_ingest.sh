#!/usr/bin/env bash
# ab_ingest.sh -- compare hub builds on the same upload: a fresh hub of each build takes the same
# node's changes (one sync over CURVE, durable), alternating A, B, A, B ... so that a noisy host
# disturbs both alike; prints each run and the median changes/s of each build.
#   bench/ab_ingest.sh [--changes N] [--runs R] HUB_A HUB_B
# HUB_A and HUB_B are shouhe-hub binaries (e.g. build-bench/server/shouhe-hub of two worktrees);
# the node and the generator are build-bench's. Used for bench/README.md, "The hub's pipeline".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=50000
runs=6
while [ $# -gt 2 ]; do
  case "$1" in
    --changes) n=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "ab_ingest.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ $# -eq 2 ] || { echo "usage: ab_ingest.sh [--changes N] [--runs R] HUB_A HUB_B" >&2; exit 2; }
NODE=$root/build-bench/node/shouhe-node
GEN=$root/build-bench/tests/sh_gen
[ -x "$NODE" ] && [ -x "$GEN" ] || { echo "ab_ingest.sh: build build-bench first (scripts/bench.sh)" >&2; exit 2; }
W=$(mktemp -d /tmp/shouhe-ab.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$W"' EXIT
"$NODE" init --dir "$W/node0" --scope 500115109001 > /dev/null
"$GEN" "$W/node0" --changes "$n" --seed 3 > /dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
one() {   # one HUB -- prints changes/s
  local hub=$1 key pid t0 t1
  rm -rf "$W/hub" "$W/node"
  cp -r "$W/node0" "$W/node"
  key=$("$hub" init --dir "$W/hub")
  "$hub" enroll --dir "$W/hub" --scope 500115109001 --key "$("$NODE" key --dir "$W/node")" --name n \
    --quota-changes-per-day 0 --quota-bytes 0 > /dev/null
  "$hub" serve --dir "$W/hub" --bind "tcp://127.0.0.1:$port" --ready-file "$W/ready" > "$W/hub.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do [ -s "$W/ready" ] && break; sleep 0.05; done
  t0=$(date +%s.%N)
  "$NODE" sync --dir "$W/node" --hub "tcp://127.0.0.1:$port" --hub-key "$key" > /dev/null 2>&1
  t1=$(date +%s.%N)
  kill "$pid"; wait "$pid" 2> /dev/null || true
  rm -f "$W/ready"
  awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { printf "%.0f", n / (b - a) }'
}
a=(); b=()
for ((r = 1; r <= runs; r++)); do
  x=$(one "$1"); y=$(one "$2"); a+=("$x"); b+=("$y")
  echo "run $r: A $x changes/s, B $y changes/s"
done
med() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "median: A $(med "${a[@]}") changes/s, B $(med "${b[@]}") changes/s ($n changes, $runs runs each)"
