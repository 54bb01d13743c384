/*  sh_report_html -- the markup renderings of a report: SVG and HTML.

    Reads only the report object that sh_report_build makes (its shape:
    docs/reports.md), by its documented keys, and writes markup to a FILE.
    Every text taken from the report is escaped (&, <, >, ", ').
*/
#include "sh_report_html.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "sh_domain.h"
#include "sh_i18n.h"
#include "sh_names.h"

//  ---------------------------------------------------------------------
//  Helpers

static long long
s_i (const json_t *j, const char *k)
{
    return (long long) json_integer_value (json_object_get (j, k));
}

static const char *
s_s (const json_t *j, const char *k)
{
    const char *s = json_string_value (json_object_get (j, k));
    return s ? s : "";
}

//  Escape text for XML and HTML (element content and quoted attributes).
static void
s_xml (FILE *f, const char *t)
{
    for (; t && *t; t++)
        switch (*t) {
            case '<': fputs ("&lt;", f); break;
            case '>': fputs ("&gt;", f); break;
            case '&': fputs ("&amp;", f); break;
            case '"': fputs ("&quot;", f); break;
            case '\'': fputs ("&#39;", f); break;
            default: fputc (*t, f);
        }
}

//  The region of report in words: "district", "town 500115001", ...
static void
s_region (const json_t *report, char *buf, size_t size)
{
    const char *prefix = s_s (report, "prefix");
    size_t n = strlen (prefix);
    if (!n)
        snprintf (buf, size, "%s", _("district"));
    else
        snprintf (buf, size, "%s %s",
                  n <= 6 ? _("district") : n <= 9 ? _("town") : n <= 12 ? _("village") : _("courtyard"), prefix);
}

//  The text of a label: in Chinese (sh_i18n_chinese) the translation of en;
//  otherwise en followed by zh when there is one (the English page names
//  things in both languages, en and zh). Into buf; returns buf.
static const char *
s_bi (const char *en, const char *zh, char *buf, size_t size)
{
    if (sh_i18n_chinese ())
        snprintf (buf, size, "%s", _(en));
    else
        snprintf (buf, size, "%s%s%s", en, zh && *zh ? " " : "", zh ? zh : "");
    return buf;
}

//  A label (s_bi), escaped.
static void
s_label (FILE *f, const char *en, const char *zh)
{
    char buf[256];
    s_xml (f, s_bi (en, zh, buf, sizeof buf));
}

//  The name of a domain value for a heading: in Chinese its Chinese name zh
//  (the translation of en when it has none); otherwise en and zh.
static void
s_name (FILE *f, const char *en, const char *zh)
{
    if (sh_i18n_chinese () && zh && *zh)
        s_xml (f, zh);
    else
        s_label (f, en, zh);
}

//  ": " after a label, "：" in Chinese.
static void
s_colon (FILE *f)
{
    fputs (sh_i18n_chinese () ? "：" : ": ", f);
}

//  ---------------------------------------------------------------------
//  SVG: the six-category maturity hexagon as a radar chart

//  Point of axis i (0 = top, clockwise) at level v (0..10) around (cx, cy).
//  Axis i is category i + 1: the categories in the schema's order.
static void
s_axis_point (double cx, double cy, double r, int i, double v, double *x, double *y)
{
    double a = (90.0 - 60.0 * i) * 3.14159265358979323846 / 180.0;
    *x = cx + r * v / 10.0 * cos (a);
    *y = cy - r * v / 10.0 * sin (a);
}

//  Colour of the levels polygon (the HTML test looks for it on screen).
#define S_LEVELS_COLOUR "#2a7ab8"

//  The region's hexagon as an <svg> element: an SVG document of its own
//  (XML declaration and namespace) or, inline in HTML, <svg id="hexagon"
//  class="chart"> (no namespace URL: the HTML parser knows svg).
static void
s_svg_hexagon (FILE *f, const json_t *report, bool inline_html)
{
    const double w = 480, h = 440, cx = 240, cy = 215, r = 150;
    json_t *hex = json_object_get (report, "hexagon");
    json_t *levels = json_object_get (hex, "levels");
    char region[96];
    s_region (report, region, sizeof region);
    if (inline_html)
        fputs ("<svg id=\"hexagon\" class=\"chart\" role=\"img\"", f);
    else
        fputs ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"", f);
    fprintf (f, " width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" "
                "font-size=\"13\">\n", w, h, w, h);
    fputs ("<title>", f);
    s_xml (f, _("maturity hexagon"));
    fputc (' ', f);
    s_xml (f, region);
    fputs ("</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n", f);
    //  grid: levels 2, 4, ... 10, and the six axes
    for (int g = 2; g <= 10; g += 2) {
        fputs ("<polygon class=\"grid\" fill=\"none\" stroke=\"#ccc\" points=\"", f);
        for (int i = 0; i < 6; i++) {
            double x, y;
            s_axis_point (cx, cy, r, i, g, &x, &y);
            fprintf (f, "%s%.1f,%.1f", i ? " " : "", x, y);
        }
        fputs ("\"/>\n", f);
    }
    for (int i = 0; i < 6; i++) {
        double x, y, lx, ly;
        s_axis_point (cx, cy, r, i, 10, &x, &y);
        s_axis_point (cx, cy, r, i, 11.6, &lx, &ly);
        fprintf (f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\"/>\n",
                 cx, cy, x, y);
        const char *cat = sh_names_category (i + 1);
        double v = json_number_value (json_object_get (levels, cat));
        fprintf (f, "<text class=\"label\" data-category=\"%s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                    "dominant-baseline=\"middle\">%s", cat, lx, ly, sh_names_category_zh (i + 1));
        if (!sh_i18n_chinese ())
            fprintf (f, " %s", cat);        //  the Chinese name alone in Chinese
        fprintf (f, " %.1f</text>\n", v);
    }
    //  the data polygon
    fputs ("<polygon class=\"levels\" fill=\"" S_LEVELS_COLOUR "\" fill-opacity=\"0.35\" stroke=\""
           S_LEVELS_COLOUR "\" stroke-width=\"2\" points=\"", f);
    for (int i = 0; i < 6; i++) {
        double x, y, v = json_number_value (json_object_get (levels, sh_names_category (i + 1)));
        if (v < 0)
            v = 0;
        if (v > 10)
            v = 10;
        s_axis_point (cx, cy, r, i, v, &x, &y);
        fprintf (f, "%s%.1f,%.1f", i ? " " : "", x, y);
    }
    fputs ("\"/>\n", f);
    fprintf (f, "<text class=\"area\" x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">", cx, h - 12);
    s_xml (f, region);
    fprintf (f, _(" · hexagon area %.2f (of %.2f)"), json_number_value (json_object_get (hex, "area")),
             150 * sqrt (3.0));
    fputs ("</text>\n</svg>\n", f);
}

//  ---------------------------------------------------------------------
//  HTML: one self-contained page (inline CSS and SVG; no script, no URL)

//  Longest table in HTML (the rest: JSON or CSV).
#define S_HTML_ROWS_MAX 50
//  Months listed in one cell of the missed party-masses days table.
#define S_HTML_MONTHS_MAX 12
//  Months drawn in the escalations chart at most (the latest ones).
#define S_HTML_BARS_MAX 120
//  Colour of the escalation bars (the HTML test looks for it on screen).
#define S_BARS_COLOUR "#d9822b"

static const char s_html_css[] =
    "body{font-family:\"Noto Sans CJK SC\",\"WenQuanYi Zen Hei\",\"Microsoft YaHei\",\"PingFang SC\","
    "sans-serif;font-size:14px;color:#222;background:#fff;margin:16px 24px;max-width:1150px}\n"
    "h1{font-size:22px;margin:0 0 4px}\n"
    "h2{font-size:18px;border-bottom:2px solid #9ab;padding-bottom:2px;margin:28px 0 10px}\n"
    "h3{font-size:15px;margin:12px 0 6px}\n"
    ".meta{color:#555;margin:0 0 8px}.note,.empty{color:#666;font-size:13px}\n"
    ".row{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}\n"
    "table{border-collapse:collapse;margin:0 0 12px;font-variant-numeric:tabular-nums}\n"
    "caption{text-align:left;font-weight:bold;padding:4px 0}\n"
    "th,td{border:1px solid #ccd;padding:3px 8px;text-align:left;white-space:nowrap}\n"
    "thead th{background:#e8eff7}tbody th{background:#f5f7fa;font-weight:normal}\n"
    "td.num{text-align:right}td.wrap{white-space:normal}tr.more td{color:#666;font-style:italic}\n"
    "svg.chart{border:1px solid #ccd;background:#fff}\n";


//  A heading of a table: the English, and the Chinese the English page shows
//  beside it ("" none); its translation in Chinese (s_bi).
typedef struct {
    const char *en;
    const char *zh;
} s_head_t;

//  Open table id with its caption (as it is) and header row (head: up to
//  {NULL}).
static void
s_html_table (FILE *f, const char *id, const char *caption, const s_head_t head[])
{
    fprintf (f, "<table id=\"%s\">\n<caption>", id);
    s_xml (f, caption);
    fputs ("</caption>\n<thead><tr>", f);
    for (; head->en; head++) {
        fputs ("<th>", f);
        s_label (f, head->en, head->zh);
        fputs ("</th>", f);
    }
    fputs ("</tr></thead>\n<tbody>\n", f);
}

static void
s_html_table_end (FILE *f)
{
    fputs ("</tbody>\n</table>\n", f);
}

//  What a row saying that more rows than shown exist counts.
typedef enum { S_MORE_MATTERS, S_MORE_COURTYARDS, S_MORE_ROWS } s_more_t;

//  A row saying that more rows than shown exist.
static void
s_html_more (FILE *f, int cols, size_t more, s_more_t what)
{
    const char *text;
    if (what == S_MORE_MATTERS)
        text = _("… and %zu more matters (all of them: --format json or csv)");
    else
    if (what == S_MORE_COURTYARDS)
        text = _("… and %zu more courtyards (all of them: --format json or csv)");
    else
        text = _("… and %zu more rows (all of them: --format json or csv)");
    fprintf (f, "<tr class=\"more\"><td colspan=\"%d\">", cols);
    fprintf (f, text, more);
    fputs ("</td></tr>\n", f);
}

//  A row saying that a table has no rows.
static void
s_html_none (FILE *f, int cols, const char *text)
{
    fprintf (f, "<tr><td colspan=\"%d\" class=\"empty\">", cols);
    s_xml (f, text);
    fputs ("</td></tr>\n", f);
}

static void
s_td (FILE *f, const char *text)
{
    fputs ("<td>", f);
    s_xml (f, text);
    fputs ("</td>", f);
}

static void
s_td_i (FILE *f, long long n)
{
    fprintf (f, "<td class=\"num\">%lld</td>", n);
}

//  A number with prec decimals, "-" for null.
static void
s_td_f (FILE *f, const json_t *v, int prec)
{
    if (json_is_number (v))
        fprintf (f, "<td class=\"num\">%.*f</td>", prec, json_number_value (v));
    else
        fputs ("<td class=\"num\">-</td>", f);
}

//  Open a row with its label (th): s_label (en, zh).
static void
s_th2 (FILE *f, const char *en, const char *zh)
{
    fputs ("<tr><th>", f);
    s_label (f, en, zh);
    fputs ("</th>", f);
}

//  Open a row with the name of a domain value (th): s_name (en, zh).
static void
s_th_name (FILE *f, const char *en, const char *zh)
{
    fputs ("<tr><th>", f);
    s_name (f, en, zh);
    fputs ("</th>", f);
}

//  The residents' total only over the courtyards that have a count, saying
//  how many have one; "-" when none has.
static void
s_html_residents (FILE *f, const json_t *r)
{
    if (s_i (r, "residents_courtyards") == 0)
        fputs ("<td class=\"num\">-</td>", f);
    else {
        fputs ("<td class=\"num\">", f);
        fprintf (f, _("%lld (in %lld of %lld courtyards)"), s_i (r, "residents"), s_i (r, "residents_courtyards"),
                 s_i (r, "courtyards"));
        fputs ("</td>", f);
    }
}

static void
s_html_totals (FILE *f, const json_t *r)
{
    static const char *const rows[][3] = {
        { "villages", N_("villages"), "行政村" }, { "courtyards", N_("courtyards"), "院落" },
        { "model_courtyards", N_("model courtyards"), "寿和小院" }, { "households", N_("households"), "户数" },
        { "residents", N_("residents"), "居民" }, { "persons", N_("persons on record"), "登记人员" },
        { "persons_erased", N_("persons whose personal data was erased"), "已删除个人信息的人员" },
        { "matters", N_("matters"), "事项" }, { "matters_closed", N_("matters closed"), "已办结" },
        { "matters_open", N_("matters open"), "未办结" }, { "escalations", N_("escalations"), "升级" },
        { "meetings", N_("meetings"), "会议" }, { "party_masses_days", N_("party-masses days"), "党群日" },
        { "mediations", N_("mediations"), "调解" }, { "points_earned", N_("points earned"), "积分获得" },
        { "points_redeemed", N_("points redeemed"), "积分兑换" },
        { "points_balance", N_("points balance"), "积分余额" },
    };
    static const s_head_t head[] = { { N_("total"), "" }, { N_("value"), "" }, { NULL, NULL } };
    char caption[128];
    s_html_table (f, "totals", s_bi (N_("Totals"), "总览", caption, sizeof caption), head);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fprintf (f, "<tr data-key=\"%s\"><th>", rows[i][0]);
        s_label (f, rows[i][1], rows[i][2]);
        fputs ("</th>", f);
        if (strcmp (rows[i][0], "residents") == 0)
            s_html_residents (f, r);
        else
            s_td_i (f, s_i (r, rows[i][0]));
        fputs ("</tr>\n", f);
    }
    fputs ("<tr data-key=\"closure_rate\"><th>", f);
    s_label (f, N_("closure rate"), "办结率");
    fprintf (f, "</th><td class=\"num\">%.1f%%</td></tr>\n",
             100.0 * json_number_value (json_object_get (r, "closure_rate")));
    fputs ("<tr data-key=\"hexagon.area\"><th>", f);
    s_label (f, N_("hexagon area"), "六边形面积");
    fputs ("</th>", f);
    s_td_f (f, json_object_get (json_object_get (r, "hexagon"), "area"), 2);
    fputs ("</tr>\n", f);
    s_html_table_end (f);
}

static void
s_html_matters (FILE *f, const json_t *r)
{
    char caption[128];
    fputs ("<div class=\"row\">\n", f);
    static const s_head_t tier_head[] = {
        { N_("tier"), "分流" }, { N_("matters"), "" }, { N_("closed"), "" }, { N_("median days to close"), "" },
        { NULL, NULL }
    };
    s_html_table (f, "matters-by-tier", s_bi (N_("By tier"), "三事分流", caption, sizeof caption), tier_head);
    const json_t *med = json_object_get (r, "median_days_to_close");
    for (int i = 1; i <= SH_NAMES_TIER_MAX; i++) {
        const json_t *t = json_object_get (json_object_get (r, "by_tier"), sh_names_tier (i));
        s_th_name (f, sh_names_tier (i), sh_names_tier_zh (i));
        s_td_i (f, s_i (t, "matters"));
        s_td_i (f, s_i (t, "closed"));
        s_td_f (f, json_object_get (med, sh_names_tier (i)), 1);
        fputs ("</tr>\n", f);
    }
    s_html_table_end (f);
    static const s_head_t step_head[] = { { N_("step"), "五步" }, { N_("matters at it"), "" }, { NULL, NULL } };
    s_html_table (f, "matters-by-step", s_bi (N_("By step reached"), "五步工作法", caption, sizeof caption),
                  step_head);
    for (int i = 1; i <= SH_NAMES_STEP_MAX; i++) {
        s_th_name (f, sh_names_step (i), sh_names_step_zh (i));
        s_td_i (f, s_i (json_object_get (r, "by_step"), sh_names_step (i)));
        fputs ("</tr>\n", f);
    }
    s_html_table_end (f);
    static const s_head_t cat_head[] = {
        { N_("category"), "类别" }, { N_("matters"), "" }, { N_("closed"), "" }, { NULL, NULL }
    };
    s_html_table (f, "matters-by-category", s_bi (N_("By category"), "六类服务", caption, sizeof caption),
                  cat_head);
    for (int i = 1; i <= SH_NAMES_CATEGORY_MAX; i++) {
        const json_t *t = json_object_get (json_object_get (r, "by_category"), sh_names_category (i));
        s_th_name (f, sh_names_category (i), sh_names_category_zh (i));
        s_td_i (f, s_i (t, "matters"));
        s_td_i (f, s_i (t, "closed"));
        fputs ("</tr>\n", f);
    }
    s_html_table_end (f);
    fputs ("</div>\n", f);
}

//  1, 2 or 5 times a power of ten, at least max.
static long long
s_axis_top (long long max)
{
    for (long long p = 1;; p *= 10)
        for (int k = 0; k < 3; k++) {
            static const int steps[3] = { 1, 2, 5 };
            if (max <= steps[k] * p)
                return steps[k] * p;
        }
}

//  Escalations per month as a bar chart over every month from the first
//  to the last with escalations (none: a note instead).
static void
s_html_escalations (FILE *f, const json_t *r)
{
    const json_t *per_month = json_object_get (r, "escalations_per_month");
    int first = -1, last = -1;
    long long max = 0;
    const char *k;
    json_t *v;
    json_object_foreach ((json_t *) per_month, k, v) {
        int y, m;
        if (sscanf (k, "%4d-%2d", &y, &m) != 2 || y < 1 || m < 1 || m > 12)
            continue;
        int i = y * 12 + m - 1;
        if (first < 0 || i < first)
            first = i;
        if (i > last)
            last = i;
    }
    fputs ("<h3>", f);
    s_label (f, N_("Escalations per month"), "升级");
    s_colon (f);
    fprintf (f, "%lld</h3>\n", s_i (r, "escalations"));
    if (first < 0) {
        fputs ("<p class=\"empty\" id=\"escalations-none\">", f);
        s_xml (f, _("no escalations"));
        fputs ("</p>\n", f);
        return;
    }
    bool cut = last - first + 1 > S_HTML_BARS_MAX;
    if (cut)
        first = last - S_HTML_BARS_MAX + 1;
    int n = last - first + 1;
    long long count[S_HTML_BARS_MAX];
    for (int i = 0; i < n; i++) {
        char month[16];
        snprintf (month, sizeof month, "%04d-%02d", (first + i) / 12, (first + i) % 12 + 1);
        count[i] = json_integer_value (json_object_get (per_month, month));
        if (count[i] > max)
            max = count[i];
    }
    //  whole-number ticks: a step of 1, 2 or 5 times a power of ten, at most 4 steps up to max
    long long step = s_axis_top ((max + 3) / 4 > 0 ? (max + 3) / 4 : 1);
    int ticks = (int) ((max + step - 1) / step > 0 ? (max + step - 1) / step : 1);
    long long top = step * ticks;
    const double w = 760, h = 260, left = 48, right = 12, above = 16, below = 36;
    double pw = w - left - right, ph = h - above - below, slot = pw / n;
    fprintf (f, "<svg id=\"escalations\" class=\"chart\" role=\"img\" width=\"%.0f\" height=\"%.0f\" "
                "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"11\">\n<title>", w, h, w, h);
    s_xml (f, _("escalations per month"));
    fputs ("</title>\n", f);
    for (int g = 0; g <= ticks; g++) {
        double y = above + ph - ph * g / (double) ticks;
        fprintf (f, "<line class=\"grid\" x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"%s\"/>"
                    "<text class=\"tick\" x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\" dominant-baseline=\"middle\">"
                    "%lld</text>\n",
                 left, y, w - right, y, g ? "#e3e3e3" : "#999", left - 6, y, step * g);
    }
    //  at most 12 month labels
    int every = (n + 11) / 12;
    for (int i = 0; i < n; i++) {
        char month[16];
        snprintf (month, sizeof month, "%04d-%02d", (first + i) / 12, (first + i) % 12 + 1);
        double bh = ph * (double) count[i] / (double) top;
        double x = left + slot * i;
        fprintf (f, "<rect class=\"bar\" data-month=\"%s\" data-count=\"%lld\" x=\"%.1f\" y=\"%.1f\" "
                    "width=\"%.1f\" height=\"%.1f\" fill=\"" S_BARS_COLOUR "\"><title>%s: %lld</title></rect>\n",
                 month, count[i], x + slot * 0.1, above + ph - bh, slot * 0.8, bh, month, count[i]);
        if (i % every == 0)
            fprintf (f, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%s</text>\n", x + slot / 2,
                     h - below + 16, month);
    }
    fputs ("</svg>\n", f);
    if (cut) {
        fputs ("<p class=\"note\">", f);
        fprintf (f, _("The last %d months; all of them: --format json or csv."), S_HTML_BARS_MAX);
        fputs ("</p>\n", f);
    }
}

static void
s_html_overdue (FILE *f, const json_t *r)
{
    const json_t *od = json_object_get (r, "overdue_big");
    char caption[160];
    snprintf (caption, sizeof caption, _("Open big matters older than %d days: %zu"), SH_DOMAIN_OVERDUE_DAYS,
              json_array_size (od));
    static const s_head_t head[] = {
        { N_("village"), "" }, { N_("opened on"), "" }, { N_("days"), "" }, { N_("matter"), "" },
        { N_("title"), "" }, { NULL, NULL }
    };
    s_html_table (f, "overdue-big", caption, head);
    size_t i;
    json_t *e;
    json_array_foreach (od, i, e) {
        if (i == S_HTML_ROWS_MAX) {
            s_html_more (f, 5, json_array_size (od) - i, S_MORE_MATTERS);
            break;
        }
        fputs ("<tr>", f);
        s_td (f, s_s (e, "village"));
        s_td (f, s_s (e, "opened_on"));
        s_td_i (f, s_i (e, "days"));
        fputs ("<td title=\"", f);
        s_xml (f, s_s (e, "matter"));
        fputs ("\">", f);
        fprintf (f, "%.8s", s_s (e, "matter"));   //  hex digits, nothing to escape
        fputs ("</td>", f);
        s_td (f, s_s (e, "title"));
        fputs ("</tr>\n", f);
    }
    if (!json_array_size (od))
        s_html_none (f, 5, _("none"));
    s_html_table_end (f);
}

static void
s_html_meeting_kinds (FILE *f, const json_t *r)
{
    char caption[128];
    static const s_head_t head[] = {
        { N_("kind"), "" }, { N_("meetings"), "" }, { N_("attendance"), "" }, { NULL, NULL }
    };
    s_html_table (f, "meetings-by-kind", s_bi (N_("Meetings by kind"), "会议类别", caption, sizeof caption),
                  head);
    for (int k = 1; k <= SH_NAMES_MEETING_MAX; k++) {
        const json_t *m = json_object_get (json_object_get (r, "meetings_by_kind"), sh_names_meeting_kind (k));
        fprintf (f, "<tr data-key=\"meetings_by_kind.%s\"><th>", sh_names_meeting_kind (k));
        s_name (f, sh_names_meeting_kind (k), sh_names_meeting_kind_zh (k));
        fputs ("</th>", f);
        s_td_i (f, s_i (m, "meetings"));
        s_td_i (f, s_i (m, "attendance"));
        fputs ("</tr>\n", f);
    }
    s_html_table_end (f);
}

static void
s_html_meetings (FILE *f, const json_t *r)
{
    char caption[128];
    const json_t *missed = json_object_get (r, "missed_party_masses_day");
    static const s_head_t head[] = { { N_("meetings"), "" }, { N_("value"), "" }, { NULL, NULL } };
    s_html_table (f, "meetings", s_bi (N_("Meetings"), "会议", caption, sizeof caption), head);
    s_th2 (f, N_("meetings"), "会议");
    s_td_i (f, s_i (r, "meetings"));
    fputs ("</tr>\n", f);
    s_th2 (f, N_("party-masses days"), "党群日");
    s_td_i (f, s_i (r, "party_masses_days"));
    fputs ("</tr>\n", f);
    s_th2 (f, N_("months in the span"), "");
    s_td_i (f, s_i (r, "months"));
    fputs ("</tr>\n", f);
    s_th2 (f, N_("meetings per courtyard and month"), "");
    s_td_f (f, json_object_get (r, "meetings_per_courtyard_month"), 2);
    fputs ("</tr>\n", f);
    s_th2 (f, N_("courtyards that missed a party-masses day"), "");
    s_td_i (f, (long long) json_array_size (missed));
    fputs ("</tr>\n", f);
    s_html_table_end (f);
    s_html_meeting_kinds (f, r);

    static const s_head_t mhead[] = {
        { N_("courtyard"), "" }, { N_("name"), "" }, { N_("months missed"), "" }, { N_("months"), "" },
        { NULL, NULL }
    };
    s_html_table (f, "missed-party-masses-day",
                  s_bi (N_("Courtyards that missed their monthly party-masses day"), "", caption, sizeof caption),
                  mhead);
    size_t i;
    json_t *e;
    json_array_foreach (missed, i, e) {
        if (i == S_HTML_ROWS_MAX) {
            s_html_more (f, 4, json_array_size (missed) - i, S_MORE_COURTYARDS);
            break;
        }
        const json_t *months = json_object_get (e, "months");
        fputs ("<tr>", f);
        s_td (f, s_s (e, "courtyard"));
        s_td (f, s_s (e, "name"));
        s_td_i (f, (long long) json_array_size (months));
        fputs ("<td class=\"wrap\">", f);
        size_t k;
        json_t *mo;
        json_array_foreach (months, k, mo) {
            if (k == S_HTML_MONTHS_MAX) {
                fprintf (f, _(" … and %zu more"), json_array_size (months) - k);
                break;
            }
            fputs (k ? " " : "", f);
            s_xml (f, json_string_value (mo));
        }
        fputs ("</td></tr>\n", f);
    }
    if (!json_array_size (missed))
        s_html_none (f, 4, _("none"));
    s_html_table_end (f);
}

//  The name of mediation level l (0: unspecified) for a heading.
static void
s_html_level (FILE *f, int l)
{
    if (l == 0)
        //  TRANSLATORS: a mediation without a level or an outcome.
        s_label (f, N_("unspecified"), "");
    else
        s_name (f, sh_names_mediation_level (l), sh_names_mediation_level_zh (l));
}

//  The name of mediation outcome k (0: unspecified) for a heading: English
//  only on the English page.
static void
s_html_outcome (FILE *f, int k)
{
    char name[64];
    if (k == 0)
        s_label (f, N_("unspecified"), "");
    else
        s_xml (f, sh_i18n_chinese () ? sh_names_shown ("shouhe.v1.MediationOutcome", k, name, sizeof name)
                                     : sh_names_mediation_outcome (k));
}

static void
s_html_mediations (FILE *f, const json_t *r)
{
    const json_t *by = json_object_get (r, "mediations_by_level");
    //  the "unspecified" row and column only when some mediation has one
    bool any_outcome = false;
    for (int l = 0; l <= SH_NAMES_LEVEL_MAX; l++)
        if (json_object_get (json_object_get (by, sh_names_mediation_level (l)), sh_names_mediation_outcome (0)))
            any_outcome = true;
    fputs ("<table id=\"mediations\">\n<caption>", f);
    s_label (f, N_("Mediations by level and outcome"), "三级调解");
    s_colon (f);
    fprintf (f, "%lld</caption>\n<thead><tr><th>", s_i (r, "mediations"));
    s_label (f, N_("level"), "");
    fputs ("</th>", f);
    for (int k = 1; k <= SH_NAMES_OUTCOME_MAX + (any_outcome ? 1 : 0); k++) {
        fputs ("<th>", f);
        s_html_outcome (f, k <= SH_NAMES_OUTCOME_MAX ? k : 0);     //  unspecified last
        fputs ("</th>", f);
    }
    fputs ("<th>", f);
    s_label (f, N_("total"), "");
    fputs ("</th></tr></thead>\n<tbody>\n", f);
    for (int l = json_object_get (by, sh_names_mediation_level (0)) ? 0 : 1; l <= SH_NAMES_LEVEL_MAX; l++) {
        const json_t *o = json_object_get (by, sh_names_mediation_level (l));
        fputs ("<tr><th>", f);
        s_html_level (f, l);
        fputs ("</th>", f);
        long long total = 0;
        for (int k = 1; k <= SH_NAMES_OUTCOME_MAX; k++) {
            s_td_i (f, s_i (o, sh_names_mediation_outcome (k)));
            total += s_i (o, sh_names_mediation_outcome (k));
        }
        if (any_outcome) {
            s_td_i (f, s_i (o, sh_names_mediation_outcome (0)));
            total += s_i (o, sh_names_mediation_outcome (0));
        }
        s_td_i (f, total);
        fputs ("</tr>\n", f);
    }
    s_html_table_end (f);
}

static void
s_html_points (FILE *f, const json_t *r)
{
    char caption[128];
    static const s_head_t head[] = {
        { N_("unit"), "" }, { N_("earned"), "" }, { N_("redeemed"), "" }, { N_("balance"), "" }, { NULL, NULL }
    };
    s_html_table (f, "points", s_bi (N_("Points and time bank"), "积分超市 · 时间银行", caption, sizeof caption),
                  head);
    for (int u = 1; u <= SH_NAMES_UNIT_MAX; u++) {
        const json_t *p = json_object_get (r, sh_names_unit (u));
        s_th_name (f, sh_names_unit (u), sh_names_unit_zh (u));
        s_td_i (f, s_i (p, "earned"));
        s_td_i (f, s_i (p, "redeemed"));
        s_td_i (f, s_i (p, "balance"));
        fputs ("</tr>\n", f);
    }
    s_html_table_end (f);
}

static void
s_html_hexagon_levels (FILE *f, const json_t *r)
{
    char caption[128];
    const json_t *hex = json_object_get (r, "hexagon");
    static const s_head_t head[] = { { N_("category"), "" }, { N_("mean level"), "" }, { NULL, NULL } };
    s_html_table (f, "hexagon-levels", s_bi (N_("Maturity hexagon"), "成熟度六边形", caption, sizeof caption),
                  head);
    for (int i = 1; i <= SH_NAMES_CATEGORY_MAX; i++) {
        s_th_name (f, sh_names_category (i), sh_names_category_zh (i));
        s_td_f (f, json_object_get (json_object_get (hex, "levels"), sh_names_category (i)), 1);
        fputs ("</tr>\n", f);
    }
    s_th2 (f, N_("area"), "面积");
    s_td_f (f, json_object_get (hex, "area"), 2);
    fputs ("</tr>\n", f);
    s_th2 (f, N_("courtyards evaluated"), "");
    s_td_i (f, s_i (hex, "courtyards"));
    fputs ("</tr>\n", f);
    s_html_table_end (f);
}

//  A header cell (th) of label en.
static void
s_th (FILE *f, const char *en)
{
    fputs ("<th>", f);
    s_label (f, en, "");
    fputs ("</th>", f);
}

//  The ranking at key (town_hexagons, ...) as table id: its first
//  S_HTML_ROWS_MAX rows.
static void
s_html_ranking (FILE *f, const json_t *r, const char *key, const char *id, const char *caption)
{
    const json_t *arr = json_object_get (r, key);
    bool yards = !strcmp (key, "courtyard_hexagons");
    int cols = 11;
    fprintf (f, "<table id=\"%s\" class=\"ranking\">\n<caption>", id);
    s_label (f, caption, "");
    fprintf (f, sh_i18n_chinese () ? "（%zu）" : " (%zu)", json_array_size (arr));
    fputs ("</caption>\n<thead><tr>", f);
    s_th (f, N_("rank"));
    s_th (f, N_("code"));
    s_th (f, N_("name"));
    s_th (f, yards ? N_("period") : N_("courtyards"));
    for (int i = 1; i <= SH_NAMES_CATEGORY_MAX; i++)
        fprintf (f, "<th title=\"%s\">%s</th>", sh_names_category (i), sh_names_category_zh (i));
    s_th (f, N_("area"));
    fputs ("</tr></thead>\n<tbody>\n", f);
    size_t i;
    json_t *e;
    json_array_foreach (arr, i, e) {
        if (i == S_HTML_ROWS_MAX) {
            s_html_more (f, cols, json_array_size (arr) - i, yards ? S_MORE_COURTYARDS : S_MORE_ROWS);
            break;
        }
        fputs ("<tr>", f);
        s_td_i (f, s_i (e, "rank"));
        s_td (f, s_s (e, "code"));
        if (yards) {
            s_td (f, s_s (e, "name"));
            s_td (f, s_s (e, "period"));
        }
        else {
            s_td (f, s_s (e, "name"));      //  from the Region records, else the code
            s_td_i (f, s_i (e, "courtyards"));
        }
        for (int k = 1; k <= SH_NAMES_CATEGORY_MAX; k++)
            s_td_f (f, json_object_get (json_object_get (e, "levels"), sh_names_category (k)), 1);
        s_td_f (f, json_object_get (e, "area"), 2);
        fputs ("</tr>\n", f);
    }
    if (!json_array_size (arr))
        s_html_none (f, cols, _("no evaluations"));
    s_html_table_end (f);
}

static void
s_html_movers (FILE *f, const json_t *r)
{
    char caption[128];
    const json_t *mv = json_object_get (r, "movers");
    fputs ("<p class=\"note\">", f);
    fprintf (f, _("Hexagon area of each courtyard's latest evaluation period against the period before it; "
                  "%lld courtyards have both."), s_i (mv, "compared"));
    fputs ("</p>\n<div class=\"row\">\n", f);
    static const char *const dirs[2][4] = {
        { "gains", "movers-gains", N_("Biggest gains"), "进步最大" },
        { "losses", "movers-losses", N_("Biggest losses"), "退步最大" }
    };
    static const s_head_t head[] = {
        { N_("courtyard"), "" }, { N_("name"), "" }, { N_("village"), "" }, { N_("period"), "" },
        { N_("previous period"), "" }, { N_("area"), "" }, { N_("previous area"), "" }, { N_("delta"), "" },
        { NULL, NULL }
    };
    for (int d = 0; d < 2; d++) {
        const json_t *arr = json_object_get (mv, dirs[d][0]);
        s_html_table (f, dirs[d][1], s_bi (dirs[d][2], dirs[d][3], caption, sizeof caption), head);
        size_t i;
        json_t *e;
        json_array_foreach (arr, i, e) {
            fputs ("<tr>", f);
            s_td (f, s_s (e, "courtyard"));
            s_td (f, s_s (e, "name"));
            s_td (f, s_s (e, "village"));
            s_td (f, s_s (e, "period"));
            s_td (f, s_s (e, "previous_period"));
            s_td_f (f, json_object_get (e, "area"), 2);
            s_td_f (f, json_object_get (e, "previous_area"), 2);
            fprintf (f, "<td class=\"num\">%+.2f</td></tr>\n", json_number_value (json_object_get (e, "delta")));
        }
        if (!json_array_size (arr))
            s_html_none (f, 8, _("none"));
        s_html_table_end (f);
    }
    fputs ("</div>\n", f);
}

//  A section's heading: <h2>label</h2> (s_label).
static void
s_h2 (FILE *f, const char *en, const char *zh)
{
    fputs ("<h2>", f);
    s_label (f, en, zh);
    fputs ("</h2>\n", f);
}

void
sh_report_html_page (FILE *f, const json_t *r)
{
    char region[96];
    s_region (r, region, sizeof region);
    const char *since = json_string_value (json_object_get (r, "since"));
    bool zh = sh_i18n_chinese ();
    //  the English page names things in Chinese too: lang zh-CN in both
    fputs ("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", f);
    s_xml (f, _("shouhe report: "));
    s_xml (f, region);
    fputs (zh ? "，" : ", ", f);
    s_xml (f, s_s (r, "today"));
    fprintf (f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", s_html_css);
    s_xml (f, zh ? _("shouhe report: ") : "寿和 shouhe report: ");
    s_xml (f, region);
    fputs ("</h1>\n<p class=\"meta\">", f);
    s_xml (f, _("as of "));
    s_xml (f, s_s (r, "today"));
    if (since) {
        s_xml (f, _(" · since "));
        s_xml (f, since);
        s_xml (f, _(" (matters opened, escalations, meetings and mediations on or after it)"));
    }
    s_xml (f, _(" · from the merged state"));
    fputs ("</p>\n", f);

    fputs ("<section id=\"overview\">\n<div class=\"row\">\n", f);
    s_html_totals (f, r);
    s_svg_hexagon (f, r, true);
    fputs ("</div>\n</section>\n<section id=\"matters\">\n", f);
    s_h2 (f, N_("Matters"), "事项");
    s_html_matters (f, r);
    s_html_escalations (f, r);
    s_html_overdue (f, r);
    fputs ("</section>\n<section id=\"meetings-section\">\n", f);
    s_h2 (f, N_("Meetings"), "会议");
    s_html_meetings (f, r);
    fputs ("</section>\n<section id=\"mediations-points\">\n", f);
    s_h2 (f, N_("Mediations and points"), "调解 · 积分");
    fputs ("<div class=\"row\">\n", f);
    s_html_mediations (f, r);
    s_html_points (f, r);
    fputs ("</div>\n</section>\n<section id=\"maturity\">\n", f);
    s_h2 (f, N_("Maturity"), "成熟度");
    s_html_hexagon_levels (f, r);
    s_html_ranking (f, r, "town_hexagons", "town-ranking", N_("Towns by hexagon area"));
    s_html_ranking (f, r, "village_hexagons", "village-ranking", N_("Villages by hexagon area"));
    s_html_ranking (f, r, "courtyard_hexagons", "courtyard-ranking", N_("Courtyards by hexagon area"));
    fputs ("<p class=\"note\">", f);
    fprintf (f, _("Rankings show their first %d rows; --format json or csv lists them all."), S_HTML_ROWS_MAX);
    fputs ("</p>\n</section>\n<section id=\"movers\">\n", f);
    s_h2 (f, N_("Biggest movers since the previous period"), "变化最大");
    s_html_movers (f, r);
    fputs ("</section>\n<footer class=\"note\">", f);
    s_xml (f, _("shouhe report; what each figure means: docs/reports.md"));
    fputs ("</footer>\n</body>\n</html>\n", f);
}

void
sh_report_html_svg (FILE *f, const json_t *report)
{
    s_svg_hexagon (f, report, false);
}
