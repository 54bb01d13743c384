# html_report_test.sh -- the HTML report in a real browser: a generated town node syncs to a hub;
# the node's `report --format html` is one self-contained file (no URL, no script), headless
# Chromium parses it into a DOM that holds the charts (with their polygons and bars), the tables
# (with their rows, matching the JSON report) and the Chinese text intact, and its screenshot is
# a PNG of the requested size that is not blank and shows the chart colours; the hub's district
# page passes the same static checks. Chromium (Debian's chromium package, scripts/deps.sh) runs
# under timeout(1) in its own process group with a profile in $T, and no process of it may
# outlive a run. Skipped (77) only when no chromium can be found.
set -u
# shellcheck source=lib.sh
source "$SHOUHE_ITLIB"
need_gen

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
    echo "SKIP $IT_NAME: no chromium (install it: scripts/deps.sh)" >&2
    exit 77
fi
# The size of the screenshot; the checks below expect exactly it.
SHOT_W=1200
SHOT_H=3000
# The colours sh_report_html draws the levels polygon and the escalation bars in.
LEVELS_RGB="42,122,184"
BARS_RGB="217,130,43"

# chrome OUT ARGS... -- headless Chromium with ARGS, stdout to OUT; bounded by timeout(1) (which
# signals its whole process group), tracked by lib.sh; HOME, profile and crash database in $T.
# Fails the test if it fails or if any process of it (its crash handlers run in sessions of
# their own) is still there 5 s after it ended; such a process is killed by its pid.
chrome () {
    local out=$1 pid rc i left
    shift
    LAST_CMD="chromium --headless $*"
    mkdir -p "$T/home"
    HOME=$T/home XDG_CONFIG_HOME=$T/home/.config XDG_CACHE_HOME=$T/home/.cache \
    setsid timeout -k 5 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
        --disable-background-networking --disable-component-update --disable-sync --no-first-run \
        --no-default-browser-check --disable-crash-reporter --disable-breakpad --hide-scrollbars \
        --user-data-dir="$T/chromium-profile" "$@" > "$out" 2> "$T/chromium.err" < /dev/null &
    pid=$!
    it_track "$pid"
    wait "$pid"
    rc=$?
    RC=$rc
    cp "$T/chromium.err" "$ERR"
    [ "$rc" -eq 0 ] || it_fail "expected: chromium exits 0" "actual:   exit $(_it_rc_text "$rc")"
    # every process of the run is gone: they all name $T/home or $T/chromium-profile
    for ((i = 0; i < 50; i++)); do
        left=$(pgrep -f -- "$T/(home|chromium-profile)")
        [ -z "$left" ] && return 0
        sleep 0.1
    done
    LAST_CMD="pgrep -a -f $T/(home|chromium-profile)"
    : > "$OUT"
    pgrep -a -f -- "$T/(home|chromium-profile)" > "$ERR"
    for i in $left; do kill -KILL "$i" 2>/dev/null; done
    it_fail "expected: no chromium process left 5 s after the run (killed: ${left//$'\n'/ })"
}

# static_checks FILE -- one self-contained UTF-8 HTML5 file: nothing to fetch, nothing to run.
static_checks () {
    python3 - "$1" <<'PY' || it_fail "expected: $1 is one self-contained HTML5 file"
import re, sys
raw = open(sys.argv[1], "rb").read()
text = raw.decode("utf-8")                      # UTF-8, or this raises
assert text.startswith("<!DOCTYPE html>\n"), text[:40]
assert '<meta charset="utf-8">' in text[:300]
low = text.lower()
for bad in ("http:", "https:", "//", "<script", "src=", "href=", "url(", "@import", "<link", "<iframe",
            "<img", "<object", "<embed"):
    assert bad not in low, "found %r" % bad
assert low.rstrip().endswith("</html>")
PY
}

it_step "a town node with generated data, synced to the hub"
hub_init
hub_start
node_new ta 500115001 || exit 1
gen ta 6000 21 || exit 1
assert_exit 0 sync ta
hub_stop

node ta report --format json --date 2025-07-01
cp "$OUT" "$T/report.json"
assert_json '
assert j["courtyards"] > 0 and j["escalations"] > 0 and len(j["escalations_per_month"]) > 1, j["escalations"]
assert j["movers"]["compared"] > 0 and j["movers"]["gains"] and j["movers"]["losses"], j["movers"]
assert len(j["courtyard_hexagons"]) > 50, "the page should have a ranking to cut"
'
node ta report --format html --date 2025-07-01
cp "$OUT" "$T/report.html"
static_checks "$T/report.html"
REPORT_URL="file://$T/report.html"

it_step "the DOM that Chromium parsed"
chrome "$T/dom.html" --dump-dom "$REPORT_URL"
python3 - "$T/dom.html" "$T/report.json" <<'PY' || it_fail "expected: the parsed DOM holds the charts and tables of the report"
import json, sys
from html.parser import HTMLParser

rep = json.load(open(sys.argv[2], encoding="utf-8"))

class Dom(HTMLParser):
    """Elements with their attributes, parent chain and text."""
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.elements = [], []
    def handle_starttag(self, tag, attrs):
        e = {"tag": tag, "attrs": dict(attrs), "text": "", "parents": [p["attrs"].get("id") for p in self.stack]}
        self.elements.append(e)
        if tag not in ("meta", "br", "line", "rect", "polygon", "hr", "input", "img", "link"):
            self.stack.append(e)
    def handle_startendtag(self, tag, attrs):
        self.elements.append({"tag": tag, "attrs": dict(attrs), "text": "",
                              "parents": [p["attrs"].get("id") for p in self.stack]})
    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i]["tag"] == tag:
                del self.stack[i:]
                break
    def handle_data(self, data):
        for e in self.stack:
            e["text"] += data

dom = Dom()
dom.feed(open(sys.argv[1], encoding="utf-8").read())
els = dom.elements
def by_id(i):
    found = [e for e in els if e["attrs"].get("id") == i]
    assert len(found) == 1, (i, len(found))
    return found[0]
def inside(i, tag, cls=None):
    return [e for e in els if e["tag"] == tag and i in e["parents"]
            and (cls is None or cls in e["attrs"].get("class", "").split())]

# the hexagon: an inline svg with the six labelled axes, five grid rings and the levels polygon
hexagon = by_id("hexagon")
assert hexagon["tag"] == "svg" and "chart" in hexagon["attrs"]["class"], hexagon
cats = ["policy", "deliberation", "mediation", "environment", "customs", "economy"]
labels = inside("hexagon", "text", "label")
assert [t["attrs"]["data-category"] for t in labels] == cats, labels
assert len(inside("hexagon", "polygon", "grid")) == 5
levels = inside("hexagon", "polygon", "levels")
assert len(levels) == 1 and len(levels[0]["attrs"]["points"].split()) == 6, levels
for t, c in zip(labels, cats):
    assert ("%.1f" % rep["hexagon"]["levels"][c]) in t["text"], (t["text"], c)
assert "政策宣讲" in hexagon["text"] and "庭院经济" in hexagon["text"], hexagon["text"]

# the escalations: one bar per month from the first to the last, counts as in the JSON
bars = inside("escalations", "rect", "bar")
months = sorted(rep["escalations_per_month"])
assert bars[0]["attrs"]["data-month"] == months[0] and bars[-1]["attrs"]["data-month"] == months[-1]
for b in bars:
    assert int(b["attrs"]["data-count"]) == rep["escalations_per_month"].get(b["attrs"]["data-month"], 0), b
assert sum(int(b["attrs"]["data-count"]) for b in bars) == rep["escalations"]
assert any(float(b["attrs"]["height"]) > 0 for b in bars)

# the tables: present, with rows; the totals are the JSON's
for t in ("totals", "matters-by-tier", "matters-by-step", "matters-by-category", "overdue-big", "meetings",
          "missed-party-masses-day", "mediations", "points", "hexagon-levels", "town-ranking",
          "village-ranking", "courtyard-ranking", "movers-gains", "movers-losses"):
    assert by_id(t)["tag"] == "table", t
    assert len(inside(t, "tr")) >= 2, (t, "no rows")
for tr in inside("totals", "tr"):
    key = tr["attrs"].get("data-key")
    if key == "residents":   # over the courtyards that have a count, saying how many (issue 13)
        want = "%d (in %d of %d courtyards)" % (rep[key], rep["residents_courtyards"], rep["courtyards"])
        assert tr["text"].strip().endswith(want), (key, tr["text"], want)
    elif key in rep and isinstance(rep[key], int):
        assert tr["text"].strip().endswith(str(rep[key])), (key, tr["text"], rep[key])
assert len(inside("town-ranking", "tr")) == 1 + len(rep["town_hexagons"])
# a long ranking is cut at 50 rows, with a row saying how many more
rows = inside("courtyard-ranking", "tr")
assert len(rows) == 1 + 50 + 1, len(rows)
more = len(rep["courtyard_hexagons"]) - 50
assert rows[-1]["attrs"].get("class") == "more" and ("and %d more" % more) in rows[-1]["text"], rows[-1]
assert len(inside("movers-gains", "tr")) == 1 + len(rep["movers"]["gains"])
# the Chinese text went through intact
first = rep["courtyard_hexagons"][0]
assert first["name"] and first["name"] in by_id("courtyard-ranking")["text"], first
assert "院落" in by_id("totals")["text"]
gain = rep["movers"]["gains"][0]
assert gain["courtyard"] in by_id("movers-gains")["text"] and gain["name"] in by_id("movers-gains")["text"]
PY

it_step "the screenshot"
chrome "$T/shot.out" --window-size=$SHOT_W,$SHOT_H --screenshot="$T/shot.png" "$REPORT_URL"
python3 - "$T/shot.png" "$SHOT_W" "$SHOT_H" "$LEVELS_RGB" "$BARS_RGB" <<'PY' || it_fail "expected: a screenshot of the charts and tables"
import struct, sys, zlib

def read_png(path):
    """(width, height, rows of RGB(A) bytes): 8-bit RGB or RGBA, not interlaced."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, hdr = 8, [], None
    while pos < len(data):
        n, = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        assert zlib.crc32(kind + body) == struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0], kind
        pos += 12 + n
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    w, h, depth, ctype, _, _, interlace = hdr
    assert depth == 8 and ctype in (2, 6) and interlace == 0, hdr
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(b"".join(idat)), w * bpp
    assert len(raw) == h * (stride + 1), "truncated image data"
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        if f == 1:
            for x in range(bpp, stride):
                line[x] = (line[x] + line[x - bpp]) & 255
        elif f == 2:
            for x in range(stride):
                line[x] = (line[x] + prev[x]) & 255
        elif f == 3:
            for x in range(stride):
                line[x] = (line[x] + ((line[x - bpp] if x >= bpp else 0) + prev[x]) // 2) & 255
        elif f == 4:
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b, c = prev[x], prev[x - bpp] if x >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        else:
            assert f == 0, "bad filter %d" % f
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows

path, want_w, want_h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
levels, bars = (tuple(map(int, a.split(","))) for a in sys.argv[4:6])
w, h, bpp, rows = read_png(path)
assert (w, h) == (want_w, want_h), (w, h)
white = near_levels = near_bars = 0
def near(px, rgb, tol=12):
    return all(abs(px[k] - rgb[k]) <= tol for k in range(3))
for row in rows:
    for x in range(0, len(row), bpp):
        px = row[x:x + 3]
        if px[0] > 245 and px[1] > 245 and px[2] > 245:
            white += 1
        elif near(px, levels):
            near_levels += 1
        elif near(px, bars):
            near_bars += 1
total = w * h
print("screenshot: %dx%d, %.1f %% not white, %d levels-polygon pixels, %d bar pixels"
      % (w, h, 100.0 * (total - white) / total, near_levels, near_bars))
assert total - white > total // 20, "nearly blank: %d of %d pixels not white" % (total - white, total)
assert near_levels > 300, "the levels polygon is not on screen (%d pixels)" % near_levels
assert near_bars > 1000, "the escalation bars are not on screen (%d pixels)" % near_bars
PY

it_step "the hub's district page"
hub_cmd report --format html --date 2025-07-01
assert_eq "$RC" 0 "exit code of shouhe-hub report --format html"
cp "$OUT" "$T/hub.html"
static_checks "$T/hub.html"
assert_out '<svg id="hexagon" class="chart"'
assert_out '<table id="totals">'
assert_out '<title>shouhe report: district, 2025-07-01</title>'
