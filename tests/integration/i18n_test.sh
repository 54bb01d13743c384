# i18n_test.sh -- Chinese first (docs/operations.md, "Language"): the locale decides.
#   the catalogue po/zh_CN.po translates every sentence marked in the sources (scripts/i18n.sh)
#   every command of the three programs: --help with LANG=zh_CN.UTF-8 is Chinese, with no English
#   sentence left (i18n_check.py); with LANG=C.UTF-8 it is English, with no Chinese
#   a refusal of each program in both locales: Chinese names the same cause as the English
#   the domain's words typed in Chinese (环境, 小事, 协商, 院落长) do what the English ones do
#   reports follow the locale: the text and CSV report's labels in Chinese, numbers unchanged
#   `conflicts` gives its reasons (replay, roles, plausibility) in Chinese; --json stays English
#   a locale that is not installed on the machine still gets its language (zh_CN here unless
#   locale-gen made it); a generated zh_CN.UTF-8, when the machine has one, works the same
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"

SRC=$(cd "$(dirname "$SHOUHE_ITLIB")/../.." && pwd)
CHECK=$SRC/tests/integration/i18n_check.py
AUDIT=${SHOUHE_AUDIT:-}
[ -x "$AUDIT" ] || { echo "SKIP: SHOUHE_AUDIT is not set" >&2; exit 77; }
V=500115108201
CY=${V}001

# zh CMD... / en CMD...: run in that locale (stdout -> $OUT, stderr -> $ERR, exit -> $RC)
zh () { it_run env -u LC_ALL -u LC_MESSAGES -u LANGUAGE LANG=zh_CN.UTF-8 "$@"; }
en () { it_run env -u LC_ALL -u LC_MESSAGES -u LANGUAGE LANG=C.UTF-8 "$@"; }
has_cjk () { python3 -c 'import re,sys; sys.exit(0 if re.search("[\u4e00-\u9fff]", open(sys.argv[1], encoding="utf-8").read()) else 1)' "$1"; }
# chinese FILE WHAT [WORDS...]: FILE is Chinese with no English sentence left
chinese () {
    local f=$1 what=$2
    shift 2
    has_cjk "$f" || it_fail "expected: $what in Chinese" "actual: $(head -3 "$f")"
    python3 "$CHECK" "$@" < "$f" > "$T/check.out" || it_fail "expected: no English sentence in $what" \
        "$(cat "$T/check.out")"
}

it_step "the catalogue translates every sentence of the sources"
if command -v xgettext > /dev/null; then
    it_run "$SRC/scripts/i18n.sh" --check
    [ "$RC" -eq 0 ] || it_fail "expected: scripts/i18n.sh --check passes" "$(head -40 "$ERR")"
else
    it_fail "xgettext (Debian package gettext) is needed to check the catalogue"
fi

# help_all PROGRAM NAME: every command of PROGRAM, its --help in both locales
help_all () {
    local prog=$1 name=$2 cmds words=()
    en "$prog" --help
    assert_eq "$RC" 0 "$name --help"
    cp "$OUT" "$T/$name.en"
    ! has_cjk "$T/$name.en" || it_fail "expected: $name --help in English without Chinese"
    zh "$prog" --help
    assert_eq "$RC" 0 "$name --help in Chinese"
    cmp -s "$OUT" "$T/$name.en" && it_fail "expected: $name --help in Chinese differs from the English"
    # the commands: the words after the program name on its usage lines, up to the first option
    cmds=$(awk -v p="$name" '$1 == p { c = ""; for (i = 2; i <= NF; i++) { if ($i !~ /^[a-z][a-z-]*$/) break; c = c (c ? " " : "") $i }
                                          if (c) print c }' "$T/$name.en" | sort -u)
    [ -n "$cmds" ] || it_fail "expected: commands listed in $name --help"
    # shellcheck disable=SC2206
    words=($cmds)
    chinese "$OUT" "$name --help" "$name" "${words[@]}"
    local n=0
    while read -r cmd; do
        # shellcheck disable=SC2086
        zh "$prog" $cmd --help
        [ "$RC" -eq 0 ] || { it_fail "expected: $name $cmd --help exits 0"; continue; }
        cp "$OUT" "$T/help.zh"
        chinese "$T/help.zh" "$name $cmd --help" "$name" "${words[@]}"
        # shellcheck disable=SC2086
        en "$prog" $cmd --help
        cmp -s "$OUT" "$T/help.zh" && it_fail "expected: $name $cmd --help differs between the locales"
        ! has_cjk "$OUT" || it_fail "expected: $name $cmd --help in English without Chinese"
        n=$((n + 1))
    done <<< "$cmds"
    it_step "$name: $n commands' help in Chinese and English"
}
help_all "$NODE" shouhe-node
help_all "$HUB" shouhe-hub
help_all "$AUDIT" shouhe-audit

it_step "a refusal of each program in both locales"
mkdir -p "$T/empty"
en "$NODE" courtyard list --dir "$T/none"
ENRC=$RC
assert_err "shouhe-node: "
cp "$ERR" "$T/refusal.en"
zh "$NODE" courtyard list --dir "$T/none"
assert_eq "$RC" "$ENRC" "the exit code does not depend on the locale"
chinese "$ERR" "shouhe-node's refusal of a missing store" "$T/none"
grep -q "^shouhe-node: " "$ERR" || it_fail "expected: the message starts with 'shouhe-node: '"
grep -qF "$T/none" "$ERR" || it_fail "expected: the Chinese message names the directory"
for prog in "$HUB nodes --dir $T/none" "$AUDIT verify $T/none.export"; do
    # shellcheck disable=SC2086
    en $prog
    ENRC=$RC
    [ "$RC" -ne 0 ] || it_fail "expected: '$prog' refused"
    ! has_cjk "$ERR" || it_fail "expected: an English refusal from '$prog'"
    # shellcheck disable=SC2086
    zh $prog
    assert_eq "$RC" "$ENRC" "the exit code of '$prog' does not depend on the locale"
    chinese "$ERR" "the refusal of '$prog'"
done

it_step "the domain's words in Chinese"
it_must "$NODE" init --dir "$T/v" --scope "$V"
it_must "$NODE" region set --dir "$T/v" --code "$V" --name 同心村
zh "$NODE" courtyard add --dir "$T/v" --code "$CY" --name 李家院子 --households 12 --point 固定
assert_eq "$RC" 0 "a courtyard with its point typed in Chinese"
zh "$NODE" matter open --dir "$T/v" --courtyard "$CY" --category 体育 --title 修路
assert_eq "$RC" 1 "an unknown category"
chinese "$ERR" "the refusal of an unknown category"
grep -q "体育" "$ERR" && grep -q "环境整治" "$ERR" || it_fail "expected: the refusal names the value and lists the Chinese names"
en "$NODE" matter open --dir "$T/v" --courtyard "$CY" --category 体育 --title 修路
assert_err "unknown category '体育' \(expected one of: policy/政策宣讲, .*environment/环境整治"
zh "$NODE" matter open --dir "$T/v" --courtyard "$CY" --category 环境 --title 清理院坝
assert_eq "$RC" 0 "a matter opened with category 环境"
M=$(tail -n 1 "$OUT" | grep -Eo '[0-9a-f]{32}' | head -1)
[ -n "$M" ] || it_fail "expected: the new matter's id printed"
zh "$NODE" matter escalate --dir "$T/v" "$M" 小事
assert_eq "$RC" 0 "escalated to 小事"
zh "$NODE" matter step --dir "$T/v" "$M" 协商
assert_eq "$RC" 0 "the step 协商 (consult)"
it_must "$NODE" matter show --dir "$T/v" "$M" --json
assert_json 'assert j["category"] == "environment" and j["tier"] == "small" and j["step"] == "consult", j'
zh "$NODE" matter show --dir "$T/v" "$M"
assert_eq "$RC" 0 "matter show in Chinese"
chinese "$OUT" "matter show"
grep -q "会诊" "$OUT" && grep -q "小事" "$OUT" || it_fail "expected: matter show names the step 会诊 and the tier 小事"
zh "$NODE" matter step --dir "$T/v" "$M" 反馈
assert_eq "$RC" 1 "a step the five-step rule refuses"
chinese "$ERR" "the refusal of a step out of order" "$M"
grep -q "反馈" "$ERR" || it_fail "expected: the rule's refusal names the step 反馈"
en "$NODE" matter step --dir "$T/v" "$M" 反馈
assert_err "feedback"
printf '院落编码,姓名,性别\n%s,王五,其它\n' "$CY" > "$T/persons.csv"
zh "$NODE" import --dir "$T/v" persons "$T/persons.csv"
assert_eq "$RC" 1 "an import with a bad gender"
chinese "$ERR" "the import's refusal" "$T/persons.csv"
grep -q "性别" "$ERR" || it_fail "expected: the import names the column by its Chinese header 性别"
PADD=(person add --dir "$T/v" --name 张大爷 --courtyard "$CY" --gender 男)
zh "$NODE" "${PADD[@]}"
assert_eq "$RC" 0 "a person with gender 男"
P=$(grep -Eo '[0-9a-f]{32}' "$OUT" | head -1)
zh "$NODE" role assign --dir "$T/v" --person "$P" --role 院落长
assert_eq "$RC" 0 "the role 院落长"
it_must "$NODE" courtyard show --dir "$T/v" "$CY" --json
assert_json 'assert [r["role"] for r in j["roles"]] == ["courtyard_head"], j'
zh "$NODE" courtyard show --dir "$T/v" "$CY"
chinese "$OUT" "courtyard show"
grep -q "院落长" "$OUT" || it_fail "expected: courtyard show names the role 院落长"

it_step "reports follow the locale"
en "$NODE" report --dir "$T/v" --format text
assert_eq "$RC" 0 "the text report"
cp "$OUT" "$T/report.en"
# the records' own names are Chinese in any language: without them, no Chinese is left
sed 's/同心村//g; s/李家院子//g; s/清理院坝//g; s/张大爷//g' "$T/report.en" > "$T/report.en.labels"
! has_cjk "$T/report.en.labels" || it_fail "expected: the English report's labels in English" \
    "actual: $(grep -n '[^ -~]' "$T/report.en.labels" | head -3)"
zh "$NODE" report --dir "$T/v" --format text
assert_eq "$RC" 0 "the text report in Chinese"
chinese "$OUT" "the text report"
en "$NODE" report --dir "$T/v" --format csv
head -1 "$OUT" > "$T/csv.en"
zh "$NODE" report --dir "$T/v" --format csv
head -1 "$OUT" > "$T/csv.zh"
has_cjk "$T/csv.zh" || it_fail "expected: the CSV report's header row in Chinese" "actual: $(cat "$T/csv.zh")"
! has_cjk "$T/csv.en" || it_fail "expected: the CSV report's header row in English in C.UTF-8"
en "$NODE" report --dir "$T/v" --format json
cp "$OUT" "$T/json.en"
zh "$NODE" report --dir "$T/v" --format json
cmp -s "$OUT" "$T/json.en" || it_fail "expected: the JSON report does not depend on the locale"

it_step "locales: not installed, installed, other languages"
en "$NODE" --help
cp "$OUT" "$T/node.c"
it_run env -u LC_ALL -u LC_MESSAGES -u LANGUAGE LANG=en_US.UTF-8 "$NODE" --help
cmp -s "$OUT" "$T/node.c" || it_fail "expected: English for en_US.UTF-8"
it_run env -u LC_ALL -u LC_MESSAGES -u LANGUAGE LANG=de_DE.UTF-8 "$NODE" report --dir "$T/v" --format json
cmp -s "$OUT" "$T/json.en" || it_fail "expected: the JSON report unchanged in a locale with a decimal comma"
it_run env -u LC_MESSAGES -u LANGUAGE LANG=C LC_ALL=zh_CN.UTF-8 "$NODE" --help
has_cjk "$OUT" || it_fail "expected: LC_ALL=zh_CN.UTF-8 decides over LANG"
it_run env -u LC_ALL LANG=zh_CN.UTF-8 LANGUAGE=en "$NODE" --help
cmp -s "$OUT" "$T/node.c" || it_fail "expected: LANGUAGE=en decides over LANG=zh_CN.UTF-8"
if locale -a 2>/dev/null | grep -qi '^zh_CN\.utf-\?8$'; then
    zh "$NODE" --help
    has_cjk "$OUT" || it_fail "expected: Chinese with the installed zh_CN.UTF-8 locale"
    it_step "zh_CN.UTF-8 is installed here: the usual path was tried"
else
    it_step "zh_CN.UTF-8 is not installed here: the fallback (C.UTF-8 + the named language) was tried"
fi
it_run env -u LC_ALL LANG=zh_CN.UTF-8 SHOUHE_LOCALEDIR="$T/empty" "$NODE" --help
cmp -s "$OUT" "$T/node.c" || it_fail "expected: English when the catalogue is missing (SHOUHE_LOCALEDIR)"

it_step "conflicts: the reasons in Chinese, the JSON unchanged"
# node b holds one of each: a matter moved on a and b at once (a step the replay refuses), two
# concurrent redemptions that overdraw a balance, a second 院落长, and a meeting dated ahead
# by a clock 3 days fast and corrected since (implausible)
hub_init
hub_start
node_new a "$V"
node_new b "$V"
node_must a courtyard add --code "$CY" --name 李家院子 --households 12
node_must a matter open --courtyard "$CY" --category environment --title 清理院坝
M2=$(tail -n 1 "$OUT" | grep -Eo '[0-9a-f]{32}' | head -1)
node_must a person add --name 王大爷 --courtyard "$CY"
PA=$(grep -Eo '[0-9a-f]{32}' "$OUT" | head -1)
node_must a points earn --person "$PA" --amount 10
sync a --deadline 20
assert_eq "$?" 0 "a syncs"
sync b --deadline 20
assert_eq "$?" 0 "b syncs"
node_must a matter step "$M2" handle
node_must b matter escalate "$M2" small
node_must a points redeem --person "$PA" --amount 8
node_must b points redeem --person "$PA" --amount 8
sync a --deadline 20
assert_eq "$?" 0 "a sends its step and its redemption"
sync b --deadline 20
assert_eq "$?" 0 "b takes them"
node_must b person add --name 李大妈 --courtyard "$CY"
PB=$(grep -Eo '[0-9a-f]{32}' "$OUT" | head -1)
node_must b role assign --person "$PA" --role courtyard_head
node_must b role assign --person "$PB" --role courtyard_head
SHOUHE_FAULT_CLOCK_MS=$((3 * 86400000)) node_must b meeting record --courtyard "$CY" --kind deliberation \
    --attendance 10
node_must b clock correct
en "$NODE" conflicts --dir "$(ndir b)" --json
assert_eq "$RC" 0 "conflicts --json"
assert_json "assert [c['kind'] for c in j] == ['matter', 'ledger', 'role', 'implausible'], j
assert 'handle' in j[0]['reason'] and 'overdraws' in j[1]['reason'], j
assert j[2]['reason'] == '2 persons hold the role courtyard_head at once', j
assert 'the meeting date' in j[3]['reason'] and 'the day it was written at UTC+14' in j[3]['reason'], j"
cp "$OUT" "$T/conflicts.json"
zh "$NODE" conflicts --dir "$(ndir b)" --json
cmp -s "$OUT" "$T/conflicts.json" || it_fail "expected: conflicts --json the same in both locales" \
    "$(diff "$T/conflicts.json" "$OUT" | head -5)"
en "$NODE" conflicts --dir "$(ndir b)"
assert_eq "$RC" 0 "conflicts in English"
! has_cjk "$OUT" || it_fail "expected: conflicts in English without Chinese" "actual: $(head -5 "$OUT")"
assert_out "2 persons hold the role courtyard_head at once"
zh "$NODE" conflicts --dir "$(ndir b)"
assert_eq "$RC" 0 "conflicts in Chinese"
chinese "$OUT" "conflicts"
for words in "事项 " 办理 "积分 " "超出了余额 2" "职务 " "同时有 2 人担任院落长" "存疑 议事活动 " "议事活动日期" \
             "按 UTC+14 计的写入日期"; do
    grep -qF "$words" "$OUT" || it_fail "expected: conflicts in Chinese says '$words'" "actual: $(cat "$OUT")"
done
hub_stop

[ "$FAILURES" -eq 0 ] && it_step "ok"
