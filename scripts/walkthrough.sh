#!/usr/bin/env bash
# A walk-through of one village and its town: installs missing Debian packages,
# builds, and walks through a day in the life of one village node -- 白合村
# (Baihe village, Wanshun town, Changshou district) from the seed article --
# fully offline: courtyards imported from CSV, role holders appointed, matters
# taken through the five-step method (one escalated to the town), a
# party-masses day, a mediation, points, a maturity evaluation, the signed
# log verified end to end -- and then a district hub on loopback: the
# village and its town sync, the town leads the escalated matter to its
# end, and every digest of the village's scope agrees.
#   --dir DIR   keep everything in DIR (default: a temporary directory, removed)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir="$2"; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "walkthrough.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done

"$root/scripts/deps.sh"
echo "==> building"
"$root/scripts/build.sh" "$root/build" >/dev/null
node="$root/build/node/shouhe-node"

if [ -z "$dir" ]; then
  work=$(mktemp -d /tmp/shouhe-walk-XXXXXX)
  trap 'rm -rf "$work"' EXIT
  dir="$work/baihe"
else
  # DIR keeps everything: the village node in DIR/baihe, the town in
  # DIR/wanshun, the hub in DIR/hub
  work="$dir"
  keep=1
  if [ -e "$work/baihe" ] || [ -e "$work/hub" ]; then echo "walkthrough.sh: $work already holds a walk-through" >&2; exit 1; fi
  mkdir -p "$work"
  dir="$work/baihe"
  trap '' EXIT
fi

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
run() { printf '$ shouhe-node %s\n' "$*" >&2; "$node" "$@"; }

village=500115108201   # 万顺镇白合村 (code invented for the demo)
step "create the village node for $village; its key signs every record"
run init --dir "$dir" --scope "$village"

step "import the village's courtyards from a CSV file (44 % under 15 households, 35 % 15-25)"
csv="$work/baihe-courtyards.csv"
{
  echo "code,name,households,residents,elderly,model,point,grid,villager_group"
  echo "${village}001,张家湾院落,12,31,17,yes,fixed,一网格,一组"
  echo "${village}002,李家院子,9,22,12,no,mobile,一网格,一组"
  echo "${village}003,\"寿和小院·柑橘湾\",21,56,30,yes,fixed,二网格,二组"
  echo "${village}004,王家坡,18,40,22,no,mobile,二网格,三组"
  echo "${village}005,黄桷树院落,27,70,35,no,none,三网格,四组"
} > "$csv"
run import --dir "$dir" courtyards "$csv"
run courtyard list --dir "$dir"

step "bad input is refused and changes nothing"
run courtyard add --dir "$dir" --code 500115999001001 --name 外村院落 --households 10 || true

step "appoint the courtyard head (院落长) and deliberation head (议事长)"
head=$(run person add --dir "$dir" --name 张大富 --courtyard "${village}001" --gender male \
       --birth-year 1958 --party-member)
echo "$head"
delib=$(run person add --dir "$dir" --name 刘桂英 --courtyard "${village}001" --gender female \
        --birth-year 1963)
echo "$delib"
run role assign --dir "$dir" --person "$head" --role courtyard-head --nomination recommended
run role assign --dir "$dir" --person "$delib" --role deliberation-head --nomination self

step "a micro matter the courtyard handles itself: diagnose -> handle -> feedback"
m1=$(run matter open --dir "$dir" --courtyard "${village}001" --category environment \
     --title "清理院坝排水沟")
echo "$m1"
run matter step --dir "$dir" "$m1" handle --note "十二户出工半天"
run matter step --dir "$dir" "$m1" feedback
run matter close --dir "$dir" "$m1" --satisfaction 5

step "a bigger matter: escalated to the town, then consult -> prescribe -> handle -> feedback"
m2=$(run matter open --dir "$dir" --courtyard "${village}003" --category economy \
     --title "柑橘销路不畅")
echo "$m2"
run matter escalate --dir "$dir" "$m2" big --note "需镇街协调电商平台"
run matter step --dir "$dir" "$m2" handle || echo "   (refused as it should be: a big matter is consulted and prescribed first)"
run matter step --dir "$dir" "$m2" consult --note "党群连心议事站会诊"
run matter step --dir "$dir" "$m2" prescribe
run matter show --dir "$dir" "$m2"

step "the monthly party-masses day and a three-level mediation"
run meeting record --dir "$dir" --courtyard "${village}001" --kind party-masses-day --attendance 23 \
    --topic "院坝排水" --topic "积分超市兑换" --decision "每月第一个周六清扫"
run mediation record --dir "$dir" --courtyard "${village}004" --level courtyard --kind land \
    --outcome resolved --parties 2 --summary "宅基地边界纠纷"

step "the points ledger (院落积分超市) and the time bank (时间银行)"
run points earn --dir "$dir" --person "$delib" --amount 20 --reason "参加院坝清扫"
run points earn --dir "$dir" --person "$delib" --amount 90 --unit minutes --reason "陪护独居老人"
run points redeem --dir "$dir" --person "$delib" --amount 8 --reason "兑换洗衣粉"
run points redeem --dir "$dir" --person "$delib" --amount 100 || echo "   (refused: the balance is 12)"
run points balance --dir "$dir"

step "quarterly maturity evaluation: six categories -> the hexagon and its area"
for spec in "policy 8 7 9" "deliberation 9 8 9" "mediation 7 8 8" "environment 9 9 10" \
            "customs 6 7 7" "economy 5 6 6"; do
  set -- $spec
  "$node" evaluate --dir "$dir" --courtyard "${village}001" --period 2024Q3 --category "$1" \
      --content "$2" --effect "$3" --satisfaction "$4" | head -n 1
done
run evaluate --dir "$dir" --courtyard "${village}001" --period 2024Q3

step "every write is a signed, hash-chained change; verify them all"
run log --dir "$dir" | tail -n 5
run log verify --dir "$dir"
run conflicts --dir "$dir"
printf 'state digest: '; "$node" digest --dir "$dir"

step "the district hub: enrol the village and its town (万顺镇), sync both over CurveZMQ"
hub_bin="$root/build/server/shouhe-hub"
hubdir="$work/hub"; town="$work/wanshun"
hubkey=$("$hub_bin" init --dir "$hubdir")
"$node" init --dir "$town" --scope 500115108 >/dev/null
"$hub_bin" enroll --dir "$hubdir" --scope "$village" --key "$("$node" key --dir "$dir")" --name 白合村
"$hub_bin" enroll --dir "$hubdir" --scope 500115108 --key "$("$node" key --dir "$town")" --name 万顺镇
"$hub_bin" serve --dir "$hubdir" --bind 'tcp://127.0.0.1:*' --ready-file "$work/hub.ready" 2> "$work/hub.log" &
hub_pid=$!
trap 'kill $hub_pid 2>/dev/null || true; wait $hub_pid 2>/dev/null || true; [ -n "${keep:-}" ] || rm -rf "$work"' EXIT
for _ in $(seq 50); do [ -s "$work/hub.ready" ] && break; sleep 0.1; done
endpoint=$(cat "$work/hub.ready")
echo "hub listening on $endpoint"
run sync --dir "$dir" --hub "$endpoint" --hub-key "$hubkey" --deadline 30
run sync --dir "$town" --hub "$endpoint" --hub-key "$hubkey" --deadline 30

step "the town sees the matter escalated to it and leads it to its end"
run matter step --dir "$town" "$m2" handle --note "镇街对接电商平台"
run matter step --dir "$town" "$m2" feedback
run matter close --dir "$town" "$m2" --satisfaction 4
run sync --dir "$town" --hub "$endpoint" --hub-key "$hubkey" --deadline 30
run sync --dir "$dir" --hub "$endpoint" --hub-key "$hubkey" --deadline 30
run matter show --dir "$dir" "$m2"
printf 'village digest: '; "$node" digest --dir "$dir" --scope "$village"
printf 'town digest:    '; "$node" digest --dir "$town" --scope "$village"
printf 'hub digest:     '; "$hub_bin" digest --dir "$hubdir" --scope "$village"
"$hub_bin" nodes --dir "$hubdir"
kill "$hub_pid"; wait "$hub_pid" 2>/dev/null || true

if [ -n "${keep:-}" ]; then
  echo; echo "kept in $work: the village node baihe/, the town node wanshun/, the hub hub/"
  echo "explore them with $node COMMAND --dir $work/baihe and $hub_bin COMMAND --dir $work/hub"
fi
