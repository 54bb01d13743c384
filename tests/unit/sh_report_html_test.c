/*  sh_report_html_test -- the markup renderings of a real report: a village
    replica of 60 courtyards written through sh_ops (one named with markup,
    <script>&"'), its report from sh_report_build, and then the SVG document
    and the HTML page: every element and id sh_report_html.h documents, the
    text from the data escaped everywhere, long tables cut at 50 rows with a
    tr.more row, and no script, no URL, nothing to fetch.
*/
#include "sh_test.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sh_ops.h"
#include "sh_replica.h"
#include "sh_report.h"
#include "sh_report_html.h"

#define S_VILLAGE "500115001001"
#define S_TOWN "500115001"
#define S_YARDS 60
#define S_TODAY "2024-06-15"
#define S_NAME "<script>&\"'"                                //  courtyard 001's name
#define S_NAME_ESCAPED "&lt;script&gt;&amp;&quot;&#39;"

#define S_OK(call) do { char msg_[SH_OPS_MSG_BYTES] = ""; sh_err rc_ = (call); \
    if (rc_) { fprintf (stderr, "refused: %s\n", msg_); } \
    SH_PASS (rc_); } while (0)

/* --------------------------------------------------------------------------
 * Helpers
 * -------------------------------------------------------------------------- */

//  What fn writes for report, as a string the caller frees.
static char *
s_render (void (*fn) (FILE *, const json_t *), const json_t *report)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream (&buf, &size);
    SH_CHECK (f);
    fn (f, report);
    SH_CHECK (fclose (f) == 0 && buf && size > 0);
    return buf;
}

static size_t
s_count (const char *text, const char *what)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr (p, what)); p += strlen (what))
        n++;
    return n;
}

static void
s_has (const char *text, const char *what)
{
    if (!strstr (text, what)) {
        fprintf (stderr, "missing: %s\n", what);
        SH_CHECK (0);
    }
}

//  The table with id in page, from "<table id=" to its "</table>" (caller frees).
static char *
s_table (const char *page, const char *id)
{
    char open[96];
    snprintf (open, sizeof open, "<table id=\"%s\"", id);
    const char *start = strstr (page, open);
    if (!start) {
        fprintf (stderr, "no table #%s\n", id);
        SH_CHECK (0);
    }
    const char *end = strstr (start, "</table>");
    SH_CHECK (end);
    return strndup (start, (size_t) (end - start) + strlen ("</table>"));
}

/* --------------------------------------------------------------------------
 * The replica and its report
 * -------------------------------------------------------------------------- */

//  60 courtyards, each evaluated in two categories (two periods for the
//  first 20: 8 rise, 10 fall, 2 stay; 001, the markup one, ranks first);
//  a party-masses day in May (the one month of the span) in courtyard 002
//  only, so 59 courtyards missed it; a closed matter and a big one 45 days
//  old; a mediation and some points.
static json_t *
s_report (const char *dir)
{
    sh_replica_t *r;
    SH_PASS (sh_replica_create (&r, dir, S_VILLAGE));
    char code[S_YARDS][16];
    for (int i = 0; i < S_YARDS; i++) {
        snprintf (code[i], sizeof code[i], "%s%03d", S_VILLAGE, i + 1);
        sh_ops_courtyard_t y = { .code = code[i], .name = i ? "院" : S_NAME, .households = 10 + i,
                                 .residents = SH_OPS_UNSET, .elderly = SH_OPS_UNSET, .model = i == 1 };
        S_OK (sh_ops_courtyard_add (r, &y, msg_));
        //  two adjacent categories at one level L: hexagon area sqrt(3)/4 * L^2
        for (int c = 0; c < 2; c++) {
            const char *cat = c ? "deliberation" : "policy";
            int level = 10 - i % 10, got;
            S_OK (sh_ops_evaluate (r, code[i], "2024Q2", cat, level, level, level, &got, msg_));
            level = i % 2 ? 10 : 2;
            if (i < 20)
                S_OK (sh_ops_evaluate (r, code[i], "2024Q1", cat, level, level, level, &got, msg_));
        }
    }
    char m1[SH_OPS_ID_HEX], m2[SH_OPS_ID_HEX], id[SH_OPS_ID_HEX];
    S_OK (sh_ops_matter_open (r, code[0], "environment", "<b>排水沟</b>", NULL, "2024-05-01", m1, msg_));
    S_OK (sh_ops_matter_step (r, m1, "handle", NULL, "2024-05-02", msg_));
    S_OK (sh_ops_matter_step (r, m1, "feedback", NULL, "2024-05-03", msg_));
    S_OK (sh_ops_matter_close (r, m1, 5, NULL, "2024-05-06", msg_));
    S_OK (sh_ops_matter_open (r, code[0], "mediation", "A & B's wall", NULL, "2024-05-01", m2, msg_));
    S_OK (sh_ops_matter_escalate (r, m2, "big", NULL, "2024-05-02", msg_));
    sh_ops_meeting_t mt = { .courtyard = code[1], .kind = "party-masses-day", .date = "2024-05-10",
                            .attendance = SH_OPS_UNSET };
    S_OK (sh_ops_meeting_record (r, &mt, id, msg_));
    sh_ops_mediation_t md = { .courtyard = code[0], .level = "group", .kind = "land", .outcome = "partial",
                              .date = "2024-06-05", .parties = SH_OPS_UNSET };
    S_OK (sh_ops_mediation_record (r, &md, id, msg_));
    sh_ops_person_t p = { .name = "张三", .courtyard = code[0] };
    S_OK (sh_ops_person_add (r, &p, id, msg_));
    S_OK (sh_ops_points (r, id, false, "points", 40, NULL, "2024-06-01", msg_));
    S_OK (sh_ops_points (r, id, false, "minutes", 60, NULL, "2024-06-02", msg_));
    json_t *j;
    SH_PASS (sh_report_build (sh_replica_store (r), "", NULL, S_TODAY, &j));
    sh_replica_close (&r);
    //  what the tables below rely on
    SH_CHECK (json_array_size (json_object_get (j, "courtyard_hexagons")) == S_YARDS);
    SH_CHECK (json_array_size (json_object_get (j, "missed_party_masses_day")) == S_YARDS - 1);
    SH_CHECK (json_array_size (json_object_get (j, "overdue_big")) == 1);
    return j;
}

/* --------------------------------------------------------------------------
 * Tests
 * -------------------------------------------------------------------------- */

static void
test_svg (void)
{
    char *dir = sh_test_tmpdir ();
    json_t *j = s_report (dir);
    char *svg = s_render (sh_report_html_svg, j);
    //  an SVG document of its own: XML declaration, namespace, one chart
    static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                               "<svg xmlns=\"http://www.w3.org/2000/svg\"";
    SH_CHECK (!strncmp (svg, head, strlen (head)));
    SH_CHECK (s_count (svg, "<svg") == 1 && s_count (svg, "</svg>") == 1);
    SH_CHECK (s_count (svg, "http") == 1);    //  the namespace, nothing else
    SH_CHECK (!strstr (svg, "<script") && !strstr (svg, "url("));
    //  grid polygons for levels 2, 4, .. 10, the levels polygon, six labelled axes
    SH_CHECK (s_count (svg, "<polygon class=\"grid\"") == 5);
    SH_CHECK (s_count (svg, "<polygon class=\"levels\"") == 1);
    SH_CHECK (s_count (svg, "<line class=\"axis\"") == 6);
    SH_CHECK (s_count (svg, "<text class=\"label\" data-category=") == 6);
    static const char *const cats[] = { "policy", "deliberation", "mediation", "environment", "customs",
                                        "economy" };
    for (size_t i = 0; i < 6; i++) {
        char want[64];
        snprintf (want, sizeof want, "data-category=\"%s\"", cats[i]);
        s_has (svg, want);
    }
    s_has (svg, "政策宣讲 policy");
    s_has (svg, "<title>maturity hexagon district</title>");
    s_has (svg, "<text class=\"area\"");
    free (svg);
    json_decref (j);
    sh_test_rmdir (dir);
}

static void
test_page (void)
{
    char *dir = sh_test_tmpdir ();
    json_t *j = s_report (dir);
    char *html = s_render (sh_report_html_page, j);
    SH_CHECK (!strncmp (html, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n", 36));
    s_has (html, "<meta charset=\"utf-8\">");
    SH_CHECK (s_count (html, "</html>") == 1 && !strcmp (html + strlen (html) - 8, "</html>\n"));
    //  self-contained: no script, no URL, nothing fetched
    SH_CHECK (!strstr (html, "<script") && !strstr (html, "http") && !strstr (html, "url("));
    SH_CHECK (!strstr (html, "src=") && !strstr (html, "href=") && !strstr (html, "<link"));
    //  the charts (inline SVG: no namespace URL)
    s_has (html, "<svg id=\"hexagon\" class=\"chart\"");
    s_has (html, "<polygon class=\"levels\"");
    SH_CHECK (s_count (html, "<text class=\"label\" data-category=") == 6);
    s_has (html, "<svg id=\"escalations\" class=\"chart\"");
    s_has (html, "<rect class=\"bar\" data-month=\"2024-05\" data-count=\"1\"");
    SH_CHECK (!strstr (html, "escalations-none"));
    //  every documented table, each closed
    static const char *const ids[] = {
        "totals", "matters-by-tier", "matters-by-step", "matters-by-category", "overdue-big", "meetings",
        "meetings-by-kind", "missed-party-masses-day", "mediations", "points", "hexagon-levels", "town-ranking", "village-ranking",
        "courtyard-ranking", "movers-gains", "movers-losses",
    };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        free (s_table (html, ids[i]));
    SH_CHECK (s_count (html, "<table ") == sizeof ids / sizeof ids[0]);
    SH_CHECK (s_count (html, "</table>") == sizeof ids / sizeof ids[0]);
    SH_CHECK (s_count (html, "<svg") == s_count (html, "</svg>"));
    SH_CHECK (s_count (html, "<tr") == s_count (html, "</tr>"));
    //  totals: one row per key, the figures of the report
    s_has (html, "<tr data-key=\"courtyards\"><th>courtyards 院落</th><td class=\"num\">60</td></tr>");
    s_has (html, "<tr data-key=\"model_courtyards\"><th>model courtyards 寿和小院</th>"
                 "<td class=\"num\">1</td></tr>");
    s_has (html, "<tr data-key=\"matters_closed\">");
    s_has (html, "<tr data-key=\"closure_rate\"><th>closure rate 办结率</th><td class=\"num\">50.0%</td></tr>");
    s_has (html, "<tr data-key=\"hexagon.area\">");
    //  the names in both languages
    s_has (html, "<tr><th>big 大事 镇街督办</th><td class=\"num\">1</td>");
    s_has (html, "<tr><th>feedback 反馈</th><td class=\"num\">1</td></tr>");
    s_has (html, "<tr><th>environment 环境整治</th><td class=\"num\">1</td><td class=\"num\">1</td></tr>");
    s_has (html, "<tr><th>group 村民小组</th>");
    s_has (html, "<tr><th>points 积分</th><td class=\"num\">40</td>");
    s_has (html, "<tr><th>minutes 时间银行</th><td class=\"num\">60</td>");
    s_has (html, "<th title=\"economy\">庭院经济</th>");
    //  mediations: the "unspecified" column and row only when some mediation has one
    char *t = s_table (html, "mediations");
    SH_CHECK (!strstr (t, "unspecified"));
    s_has (t, "<th>referred</th><th>total</th></tr></thead>");
    free (t);
    json_t *by = json_object_get (j, "mediations_by_level");
    json_object_set_new (by, "unspecified", json_pack ("{s:i, s:i}", "resolved", 1, "unspecified", 2));
    json_object_set_new (json_object_get (by, "group"), "unspecified", json_integer (4));
    char *again = s_render (sh_report_html_page, j);
    t = s_table (again, "mediations");
    s_has (t, "<th>referred</th><th>unspecified</th><th>total</th></tr></thead>");
    s_has (t, "<tr><th>unspecified</th><td class=\"num\">1</td><td class=\"num\">0</td><td class=\"num\">0</td>"
              "<td class=\"num\">0</td><td class=\"num\">2</td><td class=\"num\">3</td></tr>");
    s_has (t, "<tr><th>group 村民小组</th><td class=\"num\">0</td><td class=\"num\">1</td>");
    free (t);
    free (again);
    free (html);
    json_decref (j);
    sh_test_rmdir (dir);
}

static void
test_escaping (void)
{
    char *dir = sh_test_tmpdir ();
    json_t *j = s_report (dir);
    char *html = s_render (sh_report_html_page, j);
    //  the courtyard's name wherever it shows: the rankings, the movers, the missed days
    SH_CHECK (!strstr (html, S_NAME) && !strstr (html, "<b>"));
    SH_CHECK (s_count (html, "<td>" S_NAME_ESCAPED "</td>") >= 3);
    char *t = s_table (html, "courtyard-ranking");
    s_has (t, "<td>" S_NAME_ESCAPED "</td>");
    free (t);
    t = s_table (html, "missed-party-masses-day");
    s_has (t, "<td>" S_NAME_ESCAPED "</td>");
    free (t);
    t = s_table (html, "movers-gains");
    s_has (t, "<td>" S_NAME_ESCAPED "</td>");
    free (t);
    //  the matters' titles
    t = s_table (html, "overdue-big");
    s_has (t, "<td>A &amp; B&#39;s wall</td>");
    free (t);
    //  text an attacker put into the report object itself
    json_object_set_new (j, "prefix", json_string ("<i>\"x\"</i>"));
    json_object_set_new (j, "today", json_string ("2024-06-15<script>"));
    char *page = s_render (sh_report_html_page, j);
    SH_CHECK (!strstr (page, "<script") && !strstr (page, "<i>"));
    s_has (page, "2024-06-15&lt;script&gt;");
    free (page);
    char *svg = s_render (sh_report_html_svg, j);
    SH_CHECK (!strstr (svg, "<i>") && strstr (svg, "&lt;i&gt;&quot;x&quot;&lt;/i&gt;"));
    free (svg);
    free (html);
    json_decref (j);
    sh_test_rmdir (dir);
}

static void
test_long_tables (void)
{
    char *dir = sh_test_tmpdir ();
    json_t *j = s_report (dir);
    char *html = s_render (sh_report_html_page, j);
    //  60 courtyards ranked: the first 50 rows and a row saying how many more
    char *t = s_table (html, "courtyard-ranking");
    s_has (t, "<caption>Courtyards by hexagon area (60)</caption>");
    SH_CHECK (s_count (t, "<tr>") == 1 + 50);      //  the header row and 50 rows
    SH_CHECK (s_count (t, "<tr class=\"more\">") == 1);
    s_has (t, "<tr class=\"more\"><td colspan=\"11\">… and 10 more courtyards (all of them: --format json or csv)"
              "</td></tr>");
    SH_CHECK (strstr (t, "<tr class=\"more\">") > strstr (t, "<td class=\"num\">50</td>"));   //  after rank 50
    SH_CHECK (!strstr (t, "<td class=\"num\">51</td>"));
    free (t);
    //  59 courtyards missed a party-masses day: 50 rows and the rest
    t = s_table (html, "missed-party-masses-day");
    SH_CHECK (s_count (t, "<tr>") == 1 + 50 && s_count (t, "<tr class=\"more\">") == 1);
    s_has (t, "… and 9 more courtyards");
    free (t);
    //  short tables have no such row
    t = s_table (html, "village-ranking");
    SH_CHECK (s_count (t, "<tr>") == 2 && !strstr (t, "class=\"more\""));
    free (t);
    t = s_table (html, "movers-gains");
    SH_CHECK (s_count (t, "<tr>") == 1 + 8 && !strstr (t, "class=\"more\""));
    free (t);
    t = s_table (html, "movers-losses");
    SH_CHECK (s_count (t, "<tr>") == 1 + 10 && !strstr (t, "class=\"more\""));
    free (t);
    free (html);
    json_decref (j);
    sh_test_rmdir (dir);
}

static const sh_test_case_t tests[] = {
    { "svg", test_svg },
    { "page", test_page },
    { "escaping", test_escaping },
    { "long tables", test_long_tables },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
