#!/usr/bin/env bash
# Peer baselines for shouhe's sync benchmark (not part of CI):
#   PouchDB 9 (leveldb) push to an express-pouchdb hub over HTTP, and
#   Hypercore 11 download over TCP with every block verified.
# usage: bench/peers/run.sh [--records N] [--json FILE] [--pouchdb-batch-size N]
#   (PouchDB's replication batch_size is its default, 100, unless set)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
records=20000
json=
batch=100
while [ $# -gt 0 ]; do
  case $1 in
    --records) records=${2:?--records needs a number}; shift 2 ;;
    --json) json=${2:?--json needs a file}; shift 2 ;;
    --pouchdb-batch-size) batch=${2:?--pouchdb-batch-size needs a number}; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (usage: run.sh [--records N] [--json FILE] [--pouchdb-batch-size N])" >&2; exit 2 ;;
  esac
done
for n in "$records" "$batch"; do
  case $n in ''|*[!0-9]*|0*) echo "run.sh: --records and --pouchdb-batch-size need a positive integer" >&2; exit 2 ;; esac
done

for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool not found: the peer benches need Node.js 20+ and npm" >&2; exit 3; }
done
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || { echo "run.sh: Node.js $(node -v) is too old: the peer benches need Node.js 20+" >&2; exit 3; }

# Install the pinned packages into bench/peers/node_modules once.
if ! (cd "$here" && node -e 'for (const m of ["pouchdb-node","express-pouchdb","express","hypercore"]) require.resolve(m)' 2>/dev/null); then
  echo "run.sh: installing the peers' npm packages into $here/node_modules" >&2
  if [ -f "$here/package-lock.json" ]; then (cd "$here" && npm ci --no-audit --no-fund >&2)
  else (cd "$here" && npm install --no-audit --no-fund >&2); fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/shouhe-peers-run.XXXXXX")
child=
cleanup() { [ -n "$child" ] && kill "$child" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# run_bench NAME [ARGS]: runs NAME_bench.js in its own temp dir; its last line (JSON) goes to $work/NAME.json
run_bench() {
  mkdir "$work/$1"
  TMPDIR="$work/$1" timeout 900 node "$here/$1_bench.js" --records "$records" "${@:2}" >"$work/$1.out" &
  child=$!
  if ! wait "$child"; then
    child=
    cat "$work/$1.out"
    echo "run.sh: the $1 bench failed" >&2
    exit 1
  fi
  child=
  sed '$d' "$work/$1.out" >&2
  tail -n 1 "$work/$1.out" >"$work/$1.json"
  rm -rf "${work:?}/$1"
}

run_bench pouchdb --batch-size "$batch"
run_bench hypercore

# shellcheck disable=SC2016 # the JavaScript below is not for the shell to expand
WORK=$work JSON_OUT=$json node -e '
  const fs = require("fs");
  const p = JSON.parse(fs.readFileSync(process.env.WORK + "/pouchdb.json"));
  const h = JSON.parse(fs.readFileSync(process.env.WORK + "/hypercore.json"));
  const out = {
    records: p.records, record_bytes: p.record_bytes,
    pouchdb_batch_size: p.batch_size, pouchdb_per_s: Math.round(p.per_s), pouchdb_bytes_per_record: +p.bytes_per_record.toFixed(1),
    hypercore_per_s: Math.round(h.per_s), hypercore_bytes_per_record: +h.bytes_per_record.toFixed(1),
  };
  const row = (a, b, c) => console.log(a.padEnd(44) + String(b).padStart(10) + String(c).padStart(14));
  console.log(`peers: ${out.records} records of ${out.record_bytes} bytes each`);
  row("peer", "records/s", "bytes/record");
  row(`PouchDB 9 push, batch ${p.batch_size} (HTTP)`, out.pouchdb_per_s, out.pouchdb_bytes_per_record);
  row("Hypercore 11 download (TCP, verified)", out.hypercore_per_s, out.hypercore_bytes_per_record);
  if (process.env.JSON_OUT) fs.writeFileSync(process.env.JSON_OUT, JSON.stringify(out, null, 2) + "\n");
'
[ -z "$json" ] || echo "run.sh: wrote $json" >&2
