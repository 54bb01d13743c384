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
        snprintf (buf, size, "district");
    else
        snprintf (buf, size, "%s %s", n <= 6 ? "district" : n <= 9 ? "town" : n <= 12 ? "village" : "courtyard",
                  prefix);
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
    char region[48];
    s_region (report, region, sizeof region);
    if (inline_html)
        fputs ("<svg id=\"hexagon\" class=\"chart\" role=\"img\"", f);
    else
        fputs ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"", f);
    fprintf (f, " width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" "
                "font-size=\"13\">\n", w, h, w, h);
    fputs ("<title>maturity hexagon ", f);
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
                    "dominant-baseline=\"middle\">%s %s %.1f</text>\n",
                 cat, lx, ly, sh_names_category_zh (i + 1), cat, v);
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
    fprintf (f, " · hexagon area %.2f (of %.2f)</text>\n</svg>\n",
             json_number_value (json_object_get (hex, "area")), 150 * sqrt (3.0));
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


//  Open table id with its caption and header row (head: NULL-terminated).
static void
s_html_table (FILE *f, const char *id, const char *caption, const char *const head[])
{
    fprintf (f, "<table id=\"%s\">\n<caption>", id);
    s_xml (f, caption);
    fputs ("</caption>\n<thead><tr>", f);
    for (; *head; head++) {
        fputs ("<th>", f);
        s_xml (f, *head);
        fputs ("</th>", f);
    }
    fputs ("</tr></thead>\n<tbody>\n", f);
}

static void
s_html_table_end (FILE *f)
{
    fputs ("</tbody>\n</table>\n", f);
}

//  A row saying that more rows than shown exist.
static void
s_html_more (FILE *f, int cols, size_t more, const char *what)
{
    fprintf (f, "<tr class=\"more\"><td colspan=\"%d\">… and %zu more %s (all of them: --format json or csv)"
                "</td></tr>\n", cols, more, what);
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

//  Open a row with its label (th) in English and Chinese.
static void
s_th2 (FILE *f, const char *en, const char *zh)
{
    fputs ("<tr><th>", f);
    s_xml (f, en);
    if (zh && *zh) {
        fputc (' ', f);
        s_xml (f, zh);
    }
    fputs ("</th>", f);
}

//  The residents' total only over the courtyards that have a count, saying
//  how many have one; "-" when none has.
static void
s_html_residents (FILE *f, const json_t *r)
{
    if (s_i (r, "residents_courtyards") == 0)
        fputs ("<td class=\"num\">-</td>", f);
    else
        fprintf (f, "<td class=\"num\">%lld (in %lld of %lld courtyards)</td>", s_i (r, "residents"),
                 s_i (r, "residents_courtyards"), s_i (r, "courtyards"));
}

static void
s_html_totals (FILE *f, const json_t *r)
{
    static const char *const rows[][3] = {
        { "villages", "villages", "行政村" }, { "courtyards", "courtyards", "院落" },
        { "model_courtyards", "model courtyards", "寿和小院" }, { "households", "households", "户数" },
        { "residents", "residents", "居民" }, { "persons", "persons on record", "登记人员" },
        { "matters", "matters", "事项" }, { "matters_closed", "matters closed", "已办结" },
        { "matters_open", "matters open", "未办结" }, { "escalations", "escalations", "升级" },
        { "meetings", "meetings", "会议" }, { "party_masses_days", "party-masses days", "党群日" },
        { "mediations", "mediations", "调解" }, { "points_earned", "points earned", "积分获得" },
        { "points_redeemed", "points redeemed", "积分兑换" }, { "points_balance", "points balance", "积分余额" },
    };
    static const char *const head[] = { "total", "value", NULL };
    s_html_table (f, "totals", "Totals 总览", head);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fprintf (f, "<tr data-key=\"%s\"><th>", rows[i][0]);
        s_xml (f, rows[i][1]);
        fprintf (f, " %s</th>", rows[i][2]);
        if (strcmp (rows[i][0], "residents") == 0)
            s_html_residents (f, r);
        else
            s_td_i (f, s_i (r, rows[i][0]));
        fputs ("</tr>\n", f);
    }
    fprintf (f, "<tr data-key=\"closure_rate\"><th>closure rate 办结率</th><td class=\"num\">%.1f%%</td></tr>\n",
             100.0 * json_number_value (json_object_get (r, "closure_rate")));
    fputs ("<tr data-key=\"hexagon.area\"><th>hexagon area 六边形面积</th>", f);
    s_td_f (f, json_object_get (json_object_get (r, "hexagon"), "area"), 2);
    fputs ("</tr>\n", f);
    s_html_table_end (f);
}

static void
s_html_matters (FILE *f, const json_t *r)
{
    fputs ("<div class=\"row\">\n", f);
    static const char *const tier_head[] = { "tier 分流", "matters", "closed", "median days to close", NULL };
    s_html_table (f, "matters-by-tier", "By tier 三事分流", tier_head);
    const json_t *med = json_object_get (r, "median_days_to_close");
    for (int i = 1; i <= SH_NAMES_TIER_MAX; i++) {
        const json_t *t = json_object_get (json_object_get (r, "by_tier"), sh_names_tier (i));
        s_th2 (f, sh_names_tier (i), sh_names_tier_zh (i));
        s_td_i (f, s_i (t, "matters"));
        s_td_i (f, s_i (t, "closed"));
        s_td_f (f, json_object_get (med, sh_names_tier (i)), 1);
        fputs ("</tr>\n", f);
    }
    s_html_table_end (f);
    static const char *const step_head[] = { "step 五步", "matters at it", NULL };
    s_html_table (f, "matters-by-step", "By step reached 五步工作法", step_head);
    for (int i = 1; i <= SH_NAMES_STEP_MAX; i++) {
        s_th2 (f, sh_names_step (i), sh_names_step_zh (i));
        s_td_i (f, s_i (json_object_get (r, "by_step"), sh_names_step (i)));
        fputs ("</tr>\n", f);
    }
    s_html_table_end (f);
    static const char *const cat_head[] = { "category 类别", "matters", "closed", NULL };
    s_html_table (f, "matters-by-category", "By category 六类服务", cat_head);
    for (int i = 1; i <= SH_NAMES_CATEGORY_MAX; i++) {
        const json_t *t = json_object_get (json_object_get (r, "by_category"), sh_names_category (i));
        s_th2 (f, sh_names_category (i), sh_names_category_zh (i));
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
    fprintf (f, "<h3>Escalations per month 升级: %lld</h3>\n", s_i (r, "escalations"));
    if (first < 0) {
        fputs ("<p class=\"empty\" id=\"escalations-none\">no escalations</p>\n", f);
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
                "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"11\">\n"
                "<title>escalations per month</title>\n", w, h, w, h);
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
    if (cut)
        fprintf (f, "<p class=\"note\">The last %d months; all of them: --format json or csv.</p>\n",
                 S_HTML_BARS_MAX);
}

static void
s_html_overdue (FILE *f, const json_t *r)
{
    const json_t *od = json_object_get (r, "overdue_big");
    char caption[96];
    snprintf (caption, sizeof caption, "Open big matters older than %d days: %zu", SH_DOMAIN_OVERDUE_DAYS,
              json_array_size (od));
    static const char *const head[] = { "village", "opened on", "days", "matter", "title", NULL };
    s_html_table (f, "overdue-big", caption, head);
    size_t i;
    json_t *e;
    json_array_foreach (od, i, e) {
        if (i == S_HTML_ROWS_MAX) {
            s_html_more (f, 5, json_array_size (od) - i, "matters");
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
        fputs ("<tr><td colspan=\"5\" class=\"empty\">none</td></tr>\n", f);
    s_html_table_end (f);
}

static void
s_html_meeting_kinds (FILE *f, const json_t *r)
{
    static const char *const head[] = { "kind", "meetings", "attendance", NULL };
    s_html_table (f, "meetings-by-kind", "Meetings by kind 会议类别", head);
    for (int k = 1; k <= SH_NAMES_MEETING_MAX; k++) {
        const json_t *m = json_object_get (json_object_get (r, "meetings_by_kind"), sh_names_meeting_kind (k));
        fprintf (f, "<tr data-key=\"meetings_by_kind.%s\"><th>%s %s</th>", sh_names_meeting_kind (k),
                 sh_names_meeting_kind (k), sh_names_meeting_kind_zh (k));
        s_td_i (f, s_i (m, "meetings"));
        s_td_i (f, s_i (m, "attendance"));
        fputs ("</tr>\n", f);
    }
    s_html_table_end (f);
}

static void
s_html_meetings (FILE *f, const json_t *r)
{
    const json_t *missed = json_object_get (r, "missed_party_masses_day");
    static const char *const head[] = { "meetings", "value", NULL };
    s_html_table (f, "meetings", "Meetings 会议", head);
    s_th2 (f, "meetings", "会议");
    s_td_i (f, s_i (r, "meetings"));
    fputs ("</tr>\n", f);
    s_th2 (f, "party-masses days", "党群日");
    s_td_i (f, s_i (r, "party_masses_days"));
    fputs ("</tr>\n", f);
    s_th2 (f, "months in the span", "");
    s_td_i (f, s_i (r, "months"));
    fputs ("</tr>\n", f);
    s_th2 (f, "meetings per courtyard and month", "");
    s_td_f (f, json_object_get (r, "meetings_per_courtyard_month"), 2);
    fputs ("</tr>\n", f);
    s_th2 (f, "courtyards that missed a party-masses day", "");
    s_td_i (f, (long long) json_array_size (missed));
    fputs ("</tr>\n", f);
    s_html_table_end (f);
    s_html_meeting_kinds (f, r);

    static const char *const mhead[] = { "courtyard", "name", "months missed", "months", NULL };
    s_html_table (f, "missed-party-masses-day", "Courtyards that missed their monthly party-masses day", mhead);
    size_t i;
    json_t *e;
    json_array_foreach (missed, i, e) {
        if (i == S_HTML_ROWS_MAX) {
            s_html_more (f, 4, json_array_size (missed) - i, "courtyards");
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
                fprintf (f, " … and %zu more", json_array_size (months) - k);
                break;
            }
            fputs (k ? " " : "", f);
            s_xml (f, json_string_value (mo));
        }
        fputs ("</td></tr>\n", f);
    }
    if (!json_array_size (missed))
        fputs ("<tr><td colspan=\"4\" class=\"empty\">none</td></tr>\n", f);
    s_html_table_end (f);
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
    fprintf (f, "<table id=\"mediations\">\n<caption>Mediations by level and outcome 三级调解: %lld</caption>\n"
                "<thead><tr><th>level</th>", s_i (r, "mediations"));
    for (int k = 1; k <= SH_NAMES_OUTCOME_MAX; k++)
        fprintf (f, "<th>%s</th>", sh_names_mediation_outcome (k));
    if (any_outcome)
        fprintf (f, "<th>%s</th>", sh_names_mediation_outcome (0));
    fputs ("<th>total</th></tr></thead>\n<tbody>\n", f);
    for (int l = json_object_get (by, sh_names_mediation_level (0)) ? 0 : 1; l <= SH_NAMES_LEVEL_MAX; l++) {
        const json_t *o = json_object_get (by, sh_names_mediation_level (l));
        s_th2 (f, sh_names_mediation_level (l), sh_names_mediation_level_zh (l));
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
    static const char *const head[] = { "unit", "earned", "redeemed", "balance", NULL };
    s_html_table (f, "points", "Points and time bank 积分超市 · 时间银行", head);
    for (int u = 1; u <= SH_NAMES_UNIT_MAX; u++) {
        const json_t *p = json_object_get (r, sh_names_unit (u));
        s_th2 (f, sh_names_unit (u), sh_names_unit_zh (u));
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
    const json_t *hex = json_object_get (r, "hexagon");
    static const char *const head[] = { "category", "mean level", NULL };
    s_html_table (f, "hexagon-levels", "Maturity hexagon 成熟度六边形", head);
    for (int i = 1; i <= SH_NAMES_CATEGORY_MAX; i++) {
        s_th2 (f, sh_names_category (i), sh_names_category_zh (i));
        s_td_f (f, json_object_get (json_object_get (hex, "levels"), sh_names_category (i)), 1);
        fputs ("</tr>\n", f);
    }
    s_th2 (f, "area", "面积");
    s_td_f (f, json_object_get (hex, "area"), 2);
    fputs ("</tr>\n", f);
    s_th2 (f, "courtyards evaluated", "");
    s_td_i (f, s_i (hex, "courtyards"));
    fputs ("</tr>\n", f);
    s_html_table_end (f);
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
    s_xml (f, caption);
    fprintf (f, " (%zu)</caption>\n<thead><tr><th>rank</th><th>code</th>%s", json_array_size (arr),
             yards ? "<th>name</th><th>period</th>" : "<th>name</th><th>courtyards</th>");
    for (int i = 1; i <= SH_NAMES_CATEGORY_MAX; i++)
        fprintf (f, "<th title=\"%s\">%s</th>", sh_names_category (i), sh_names_category_zh (i));
    fputs ("<th>area</th></tr></thead>\n<tbody>\n", f);
    size_t i;
    json_t *e;
    json_array_foreach (arr, i, e) {
        if (i == S_HTML_ROWS_MAX) {
            s_html_more (f, cols, json_array_size (arr) - i, yards ? "courtyards" : "rows");
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
        fprintf (f, "<tr><td colspan=\"%d\" class=\"empty\">no evaluations</td></tr>\n", cols);
    s_html_table_end (f);
}

static void
s_html_movers (FILE *f, const json_t *r)
{
    const json_t *mv = json_object_get (r, "movers");
    fprintf (f, "<p class=\"note\">Hexagon area of each courtyard's latest evaluation period against the "
                "period before it; %lld courtyards have both.</p>\n<div class=\"row\">\n", s_i (mv, "compared"));
    static const char *const dirs[2][3] = {
        { "gains", "movers-gains", "Biggest gains 进步最大" }, { "losses", "movers-losses", "Biggest losses 退步最大" }
    };
    static const char *const head[] = { "courtyard", "name", "village", "period", "previous period", "area",
                                        "previous area", "delta", NULL };
    for (int d = 0; d < 2; d++) {
        const json_t *arr = json_object_get (mv, dirs[d][0]);
        s_html_table (f, dirs[d][1], dirs[d][2], head);
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
            fputs ("<tr><td colspan=\"8\" class=\"empty\">none</td></tr>\n", f);
        s_html_table_end (f);
    }
    fputs ("</div>\n", f);
}

void
sh_report_html_page (FILE *f, const json_t *r)
{
    char region[48];
    s_region (r, region, sizeof region);
    const char *since = json_string_value (json_object_get (r, "since"));
    fputs ("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>shouhe report: ", f);
    s_xml (f, region);
    fputs (", ", f);
    s_xml (f, s_s (r, "today"));
    fprintf (f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>寿和 shouhe report: ", s_html_css);
    s_xml (f, region);
    fputs ("</h1>\n<p class=\"meta\">as of ", f);
    s_xml (f, s_s (r, "today"));
    if (since) {
        fputs (" · since ", f);
        s_xml (f, since);
        fputs (" (matters opened, escalations, meetings and mediations on or after it)", f);
    }
    fputs (" · from the merged state</p>\n", f);

    fputs ("<section id=\"overview\">\n<div class=\"row\">\n", f);
    s_html_totals (f, r);
    s_svg_hexagon (f, r, true);
    fputs ("</div>\n</section>\n<section id=\"matters\">\n<h2>Matters 事项</h2>\n", f);
    s_html_matters (f, r);
    s_html_escalations (f, r);
    s_html_overdue (f, r);
    fputs ("</section>\n<section id=\"meetings-section\">\n<h2>Meetings 会议</h2>\n", f);
    s_html_meetings (f, r);
    fputs ("</section>\n<section id=\"mediations-points\">\n<h2>Mediations and points 调解 · 积分</h2>\n"
           "<div class=\"row\">\n", f);
    s_html_mediations (f, r);
    s_html_points (f, r);
    fputs ("</div>\n</section>\n<section id=\"maturity\">\n<h2>Maturity 成熟度</h2>\n", f);
    s_html_hexagon_levels (f, r);
    s_html_ranking (f, r, "town_hexagons", "town-ranking", "Towns by hexagon area");
    s_html_ranking (f, r, "village_hexagons", "village-ranking", "Villages by hexagon area");
    s_html_ranking (f, r, "courtyard_hexagons", "courtyard-ranking", "Courtyards by hexagon area");
    fprintf (f, "<p class=\"note\">Rankings show their first %d rows; --format json or csv lists them all.</p>\n",
             S_HTML_ROWS_MAX);
    fputs ("</section>\n<section id=\"movers\">\n<h2>Biggest movers since the previous period 变化最大</h2>\n", f);
    s_html_movers (f, r);
    fputs ("</section>\n<footer class=\"note\">shouhe report; what each figure means: docs/reports.md</footer>\n"
           "</body>\n</html>\n", f);
}

void
sh_report_html_svg (FILE *f, const json_t *report)
{
    s_svg_hexagon (f, report, false);
}
