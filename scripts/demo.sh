#!/usr/bin/env bash
# The district demo: installs missing Debian packages, builds, then runs the
# whole of Changshou district (长寿区, 500115) on loopback -- a hub on
# 127.0.0.1, 219 village nodes and 19 town nodes, each created and enrolled
# with its own key; every village generates its year of records (sh_gen
# --district: signed changes through the node library), all sync at once
# with progress, the towns lead the big matters escalated to them and the
# villages receive their handling; each town is also a witness and cosigns
# the hub's newest checkpoint; a mirror copies and verifies every leaf of the
# hub's log as it grows, and the hub acknowledges a push only once the mirror
# has cosigned it (serve --sync-mirror); an auditor fetches the hub's export
# over CurveZMQ and verifies every record, requiring 3 of the 19 witnesses'
# cosignatures and the mirror's; every village's state digest is
# checked against the hub's; the district summary and an HTML report are
# printed / written. Every node seals its personal fields (docs/privacy.md),
# and the hub applies a retention rule: its housekeeping erases, by signed
# marks, the summaries of mediations older than a year, which every
# replica then drops. Everything started is stopped at the end.
#   --dir DIR    keep everything in DIR (hub in DIR/hub, nodes in DIR/nodes/<code>,
#                the report in DIR/report.html); default: a temporary directory,
#                removed at the end except for the HTML report
#   --seed S     seed of the district plan and its records (default 1)
#   --jobs N     nodes syncing at once (default 16)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=""
seed=1
jobs=16
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) [ $# -ge 2 ] || { echo "demo.sh: --dir needs a directory" >&2; exit 2; }; dir="$2"; shift ;;
    --seed) [[ "${2:-}" =~ ^[0-9]+$ ]] || { echo "demo.sh: --seed takes a whole number" >&2; exit 2; }; seed="$2"; shift ;;
    --jobs) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "demo.sh: --jobs takes a whole number > 0" >&2; exit 2; }; jobs="$2"; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done

t_start=$(date +%s.%N)
"$root/scripts/deps.sh"
echo "==> building"
"$root/scripts/build.sh" "$root/build" >/dev/null
bin="$root/build"
node="$bin/node/shouhe-node"; hub="$bin/server/shouhe-hub"; audit="$bin/audit/shouhe-audit"
gen="$bin/tests/sh_gen"

keep=""
if [ -z "$dir" ]; then
  work=$(mktemp -d /tmp/shouhe-district-XXXXXX)
else
  work="$dir"
  keep=1
  if [ -e "$work/hub" ] || [ -e "$work/nodes" ]; then
    echo "demo.sh: $work already holds a demo (remove it or pick another --dir)" >&2; exit 1
  fi
fi
mkdir -p "$work/nodes" "$work/logs"
hub_pid=""
mirror_pid=""
cleanup() {
  if [ -n "$mirror_pid" ]; then kill "$mirror_pid" 2>/dev/null || true; wait "$mirror_pid" 2>/dev/null || true; fi
  if [ -n "$hub_pid" ]; then kill "$hub_pid" 2>/dev/null || true; wait "$hub_pid" 2>/dev/null || true; fi
  jobs -p | xargs -r kill 2>/dev/null || true
  if [ -z "$keep" ]; then
    if [ -s "$work/report.html" ]; then cp "$work/report.html" /tmp/shouhe-district-report.html; fi
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
ncpu=$(nproc)

# run_all LABEL JOBS CMD...: run CMD CODE for every code on stdin, JOBS at
# once, printing progress; a failure names the node and its log.
run_all() {
  local label=$1 par=$2; shift 2
  local codes; codes=$(cat)
  local total; total=$(printf '%s\n' "$codes" | wc -l)
  local done_dir="$work/logs/$label.done"; mkdir -p "$done_dir"
  printf '%s\n' "$codes" | xargs -P "$par" -I{} bash -c '
      code=$1; shift
      if "$@" "$code" > "'"$work"'/logs/'"$label"'.$code.log" 2>&1; then
        touch "'"$done_dir"'/$code"
      else
        echo "demo.sh: '"$label"' failed for node $code (see '"$work"'/logs/'"$label"'.$code.log):" >&2
        tail -n 3 "'"$work"'/logs/'"$label"'.$code.log" >&2; exit 255
      fi' _ {} "$@" &
  local pid=$!
  local ticks=0
  while kill -0 "$pid" 2>/dev/null; do
    # on a terminal one line redrawn twice a second; elsewhere a line every 5 s
    if [ -t 1 ]; then
      printf '\r   %s: %d/%d nodes' "$label" "$(ls "$done_dir" | wc -l)" "$total"
    elif [ $((ticks % 10)) -eq 9 ]; then
      printf '   %s: %d/%d nodes\n' "$label" "$(ls "$done_dir" | wc -l)" "$total"
    fi
    ticks=$((ticks + 1))
    sleep 0.5
  done
  if ! wait "$pid"; then echo; return 1; fi
  [ -t 1 ] && printf '\r'
  printf '   %s: %d/%d nodes\n' "$label" "$(ls "$done_dir" | wc -l)" "$total"
}

step "the district plan (seed $seed): 19 towns and sub-districts, 219 villages"
"$gen" --plan --seed "$seed" > "$work/plan.tsv"
awk -F'\t' '$1=="town" { printf "   %s %-10s %3d villages %4d courtyards %2d model\n", $2, $3, $4, $5, $6 }' "$work/plan.tsv"
villages=$(awk -F'\t' '$1=="village" { print $2 }' "$work/plan.tsv")
towns=$(awk -F'\t' '$1=="town" { print $2 }' "$work/plan.tsv")

step "a hub on 127.0.0.1; 238 nodes created (one Ed25519 key each) and enrolled"
t0=$(now)
hubkey=$("$hub" init --dir "$work/hub")
echo "   hub key $hubkey"
printf '%s\n%s\n' "$towns" "$villages" | run_all init "$ncpu" \
  bash -c 'exec "$0" init --dir "$1/$2" --scope "$2"' "$node" "$work/nodes"
while IFS=$'\t' read -r kind code name _; do
  "$hub" enroll --dir "$work/hub" --scope "$code" --name "$name" \
    --key "$("$node" key --dir "$work/nodes/$code")" > /dev/null
done < "$work/plan.tsv"
# each town node is also a witness of the hub's checkpoints (docs/protocol.md 16)
witnesses=()
for t in $towns; do
  wname="changshou/$t/witness"
  wkey=$("$node" witness init --dir "$work/nodes/$t" --name "$wname" 2> /dev/null)
  "$hub" enroll --dir "$work/hub" --role witness --scope "$t" --name "$wname" --key "$wkey" > /dev/null
  witnesses+=(--witness "$wname=$wkey")
done
"$audit" keygen --key-dir "$work/auditor" > "$work/auditor.pub"
"$hub" enroll --dir "$work/hub" --role auditor --scope 500115 --name 区审计 --key "$(cat "$work/auditor.pub")" > /dev/null
# a mirror: a verified copy of the whole log, on its own disk in the field (docs/protocol.md 16.8)
mname="changshou/mirror"
mkey=$("$hub" mirror --dir "$work/mirror" --init --name "$mname")
"$hub" enroll --dir "$work/hub" --role mirror --scope 500115 --name "$mname" --key "$mkey" > /dev/null
echo "   $(printf '%s\n' "$villages" | wc -l) villages, $(printf '%s\n' "$towns" | wc -l) towns (each also a witness), a mirror and an auditor enrolled in $(since "$t0")"
# personal fields are sealed at every node; the hub erases mediation summaries a year old
"$hub" retention --dir "$work/hub" --kind mediation --years 1 --scope 500115 > /dev/null 2>&1
"$hub" serve --dir "$work/hub" --bind 'tcp://127.0.0.1:*' --ready-file "$work/hub.ready" --sync-mirror \
  --retain-every 5 2> "$work/logs/hub.log" &
hub_pid=$!
for _ in $(seq 100); do [ -s "$work/hub.ready" ] && break; sleep 0.1; done
[ -s "$work/hub.ready" ] || { echo "demo.sh: the hub did not start (see $work/logs/hub.log)" >&2; exit 1; }
endpoint=$(cat "$work/hub.ready")
"$hub" mirror --dir "$work/mirror" --hub "$endpoint" --hub-key "$hubkey" --watch 2> "$work/logs/mirror.log" &
mirror_pid=$!
echo "   hub serving on $endpoint; the mirror watches it, and every push is acknowledged once mirrored"

step "every village writes its year (July 2024 - June 2025) as signed changes"
t0=$(now)
printf '%s\n' "$villages" | run_all generate "$ncpu" \
  bash -c 'exec "$0" "$1/$3" --district --seed "$2"' "$gen" "$work/nodes" "$seed"
changes=$(cat "$work"/logs/generate.*.log | awk '{ n += $3 } END { print n }')
echo "   $changes signed changes written in $(since "$t0")"

sync_one='exec "$0" sync --dir "$1/$4" --hub "$2" --hub-key "$3" --deadline 60'
step "all 219 villages sync with the hub, $jobs at once"
t0=$(now)
printf '%s\n' "$villages" | run_all sync "$jobs" bash -c "$sync_one" "$node" "$work/nodes" "$endpoint" "$hubkey"
t_sync=$(since "$t0")
t_synced=$(now)
echo "   $changes changes uploaded, verified and merged in $t_sync"

step "the towns receive the big matters escalated to them and lead them (大事镇街督办)"
t0=$(now)
printf '%s\n' "$towns" | run_all town-pull "$jobs" bash -c "$sync_one" "$node" "$work/nodes" "$endpoint" "$hubkey"
printf '%s\n' "$towns" | run_all town-lead "$ncpu" \
  bash -c 'exec "$0" "$1/$3" --district --seed "$2"' "$gen" "$work/nodes" "$seed"
printf '%s\n' "$towns" | run_all town-push "$jobs" bash -c "$sync_one" "$node" "$work/nodes" "$endpoint" "$hubkey"
led=$(cat "$work"/logs/town-lead.*.log | awk '{ n += $3 } END { print n }')
echo "   the towns wrote $led matter events, in $(since "$t0")"

# the hub's housekeeping runs every 5 s: let one pass follow the villages' last push
wait_s=$(python3 -c "import sys; print(max(0.0, 6 - (float(sys.argv[1]) - float(sys.argv[2]))))" "$(now)" "$t_synced")
sleep "$wait_s"
step "the villages sync again and receive the towns' handling and the hub's erasures"
t0=$(now)
printf '%s\n' "$villages" | run_all resync "$jobs" bash -c "$sync_one" "$node" "$work/nodes" "$endpoint" "$hubkey"
echo "   done in $(since "$t0")"

step "the 19 towns' witnesses cosign the hub's newest checkpoint (C2SP cosignature/v1)"
t0=$(now)
printf '%s\n' "$towns" | run_all witness "$jobs" bash -c "$sync_one" "$node" "$work/nodes" "$endpoint" "$hubkey"
cosigned=$(cat "$work"/logs/witness.*.log | grep -c "cosigned the hub's checkpoint" || true)
echo "   $cosigned witnesses cosigned in $(since "$t0"); $("$hub" checkpoint --dir "$work/hub" | grep -c '^— changshou/') lines on the newest checkpoint"

step "every village's state digest equals the hub's digest of its scope"
bad=0
for v in $villages; do
  if [ "$("$node" digest --dir "$work/nodes/$v" --scope "$v")" != "$("$hub" digest --dir "$work/hub" --scope "$v")" ]; then
    echo "   village $v: digest differs from the hub's" >&2; bad=1
  fi
done
[ $bad -eq 0 ] || { echo "demo.sh: the replicas did not converge" >&2; exit 1; }
echo "   219/219 equal; district digest $("$hub" digest --dir "$work/hub")"

step "personal data: sealed at every node, and erased by the hub's retention rule (1 year)"
erased=$(grep -o "retention: erased the summaries of [0-9]* mediation" "$work/logs/hub.log" | awk '{ n += $6 } END { print n + 0 }')
for v1 in $villages; do      # the first village that held a mediation
  "$node" mediation list --dir "$work/nodes/$v1" --json > "$work/mediations.json"
  if [ "$(head -c 2 "$work/mediations.json")" != "[]" ]; then break; fi
done
python3 - "$work/mediations.json" "$erased" "$v1" <<'PY'
import json, sys
j = json.load(open(sys.argv[1], encoding="utf-8"))
kept = [m for m in j if "summary" in m]
assert j and not kept and all(m.get("erased") for m in j), kept[:3]
print(f"   the hub's housekeeping erased the summaries of {int(sys.argv[2]):,} mediations by signed marks;")
print(f"   village {sys.argv[3]} lists its {len(j)} mediations, every summary erased, the records still counted")
PY

step "an auditor fetches the hub's export over CurveZMQ, verifies every record and requires 3 witnesses"
t0=$(now)
"$audit" fetch --hub "$endpoint" --hub-key "$hubkey" --key-dir "$work/auditor" "$work/district.export"
"$audit" verify "$work/district.export" --hub-key "$hubkey" "${witnesses[@]}" --quorum 3
"$audit" verify "$work/district.export" --hub-key "$hubkey" --witness "$mname=$mkey" --json > "$work/mirror-audit.json"
python3 - "$work/mirror-audit.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["ok"] and j["witnessed"] > 0, j
print(f"   the mirror holds and cosigned the log up to {j['witnessed']:,} entries (of {j['changes']:,})")
PY
echo "   audited in $(since "$t0")"
kill "$mirror_pid"; wait "$mirror_pid" 2>/dev/null || true; mirror_pid=""
kill "$hub_pid"; wait "$hub_pid" 2>/dev/null || true; hub_pid=""

step "the district summary (as of 2025-07-01)"
"$hub" report --dir "$work/hub" --date 2025-07-01 --format text > "$work/report.txt"
"$hub" report --dir "$work/hub" --date 2025-07-01 --format html > "$work/report.html"
"$hub" report --dir "$work/hub" --date 2025-07-01 --format json > "$work/report.json"
python3 - "$work/report.json" "$work/plan.tsv" <<'PY'
import json, sys
j = json.load(open(sys.argv[1], encoding="utf-8"))
names = {}
for line in open(sys.argv[2], encoding="utf-8"):
    f = line.rstrip("\n").split("\t")
    names[f[1]] = f[2]
n = lambda v: f"{v:,}"
micro = j["by_tier"]["micro"]
others = j["meetings"] - j["party_masses_days"]
resolved = sum(v["resolved"] for v in j["mediations_by_level"].values())
print(f"   villages {j['villages']}, courtyards {n(j['courtyards'])} ({j['model_courtyards']} model), "
      f"households {n(j['households'])}, residents {n(j['residents'])}")
print(f"   matters {n(j['matters'])}: {n(micro['closed'])} handled by the courtyard itself, "
      f"{j['escalations']} escalations, closure rate {100 * j['closure_rate']:.1f} %")
print(f"   meetings {n(j['meetings'])}: {n(j['party_masses_days'])} party-masses days, {n(others)} other "
      f"activities; {len(j['missed_party_masses_day'])} courtyards missed a month")
print(f"   mediations {j['mediations']} ({resolved} resolved); points earned {n(j['points_earned'])}, "
      f"redeemed {n(j['points_redeemed'])}")
print(f"   open big matters older than 30 days: {len(j['overdue_big'])}")
lv = j["hexagon"]["levels"]
items = [f"{k} {v:.1f}" for k, v in lv.items()]
print(f"   maturity hexagon, area {j['hexagon']['area']:.1f}: " + "  ".join(items[:3]))
print("        " + "  ".join(items[3:]))
print("   (the article's year: 600+ activities, 3,000+ matters, 2,300+ self-handled,")
print("    200+ consultations, 140+ mediations)")
print("   towns and sub-districts by hexagon area:")
for t in j["town_hexagons"]:
    name = names.get(t["code"], "")
    print(f"     {t['rank']:2d}. {t['code']} {name}{' ' * (10 - 2 * len(name))}{t['area']:7.2f}"
          f"  ({t['courtyards']} courtyards evaluated)")
PY

elapsed=$(since "$t_start")
echo
if [ -n "$keep" ]; then
  echo "HTML report: $work/report.html"
  echo "kept in $work: the hub in hub/, each node in nodes/<code>, logs/, district.export"
  echo "explore: $node report --dir $work/nodes/<code>   $hub report --dir $work/hub --town 500115108"
else
  echo "HTML report: /tmp/shouhe-district-report.html"
fi
echo "district demo finished in $elapsed (sync of all villages: $t_sync)"
