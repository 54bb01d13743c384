#!/usr/bin/env bash
# The message catalogues (common/core/sh_i18n.h). Collects every sentence marked _("...")
# or N_("...") in the sources into shouhe.pot (xgettext), then:
#   (default)   merges it into po/zh_CN.po (msgmerge): new sentences appear untranslated,
#               changed ones fuzzy -- translate them, drop the fuzzy mark, run --check
#   --check     changes nothing; exit 1 naming every sentence of the sources that
#               po/zh_CN.po does not translate (untranslated, fuzzy or missing), and on a
#               catalogue msgfmt --check refuses (a format that does not match its msgid)
#   --pot FILE  where the template goes (default: a temporary file, removed)
# Exit status: 0 complete, 1 incomplete or invalid, 2 usage.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
check=0
pot=""
while [ $# -gt 0 ]; do
  case "$1" in
    --check) check=1 ;;
    --pot) pot=$2; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "i18n.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -n "$pot" ] || pot="$tmp/shouhe.pot"
cd "$root"
sources=$(find common node server audit -name '*.[ch]' | sort)
# shellcheck disable=SC2086
xgettext --from-code=UTF-8 --language=C --add-location=file --keyword=_ --keyword=N_ --add-comments=TRANSLATORS \
  --package-name=shouhe --msgid-bugs-address=shouhe --sort-by-file -o "$pot" $sources
po=po/zh_CN.po
if [ $check -eq 0 ]; then
  msgmerge --quiet --update --backup=none --no-wrap "$po" "$pot"
  msgfmt --check --statistics -o /dev/null "$po"
  exit 0
fi
status=0
if ! msgfmt --check -o /dev/null "$po" 2>"$tmp/fmt"; then
  echo "i18n.sh: $po is not a valid catalogue:" >&2
  cat "$tmp/fmt" >&2
  status=1
fi
# every sentence of the sources, translated (not fuzzy, not empty) in the catalogue: merge
# without guessing, then list what is left untranslated or fuzzy, by its msgid
msgmerge --quiet --no-fuzzy-matching --no-wrap -o "$tmp/merged.po" "$po" "$pot"
: > "$tmp/fuzzy.po"
: > "$tmp/todo.po"
msgattrib --no-obsolete --no-wrap --only-fuzzy -o "$tmp/fuzzy.po" "$po" 2>/dev/null || true
msgattrib --no-obsolete --no-wrap --untranslated -o "$tmp/todo.po" "$tmp/merged.po" 2>/dev/null || true
# one line per sentence (the header entry, msgid "", is none)
cat "$tmp/todo.po" "$tmp/fuzzy.po" | awk '/^#:/ { where = $0 }
  /^msgid / { m = $0; getline n; if (m != "msgid \"\"" || n ~ /^"/) print "  " where "\n    " m (n ~ /^"/ ? " " n : "") }' \
  > "$tmp/missing.txt"
missing=$(grep -c '^    msgid' "$tmp/missing.txt" || true)
if [ "$missing" -gt 0 ]; then
  echo "i18n.sh: $missing sentence(s) of the sources have no translation in $po (untranslated or fuzzy):" >&2
  head -80 "$tmp/missing.txt" >&2
  echo "(run scripts/i18n.sh to merge them in, then translate them)" >&2
  status=1
fi
[ $status -ne 0 ] || echo "i18n.sh: $po translates all $(($(grep -c '^msgid ' "$pot") - 1)) sentences of the sources"
exit $status
