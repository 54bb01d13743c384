/*  sh_report_text -- the plain renderings of a report: text and CSV. */
#include "sh_report_text.h"

#include <stdio.h>
#include <string.h>

#include "sh_domain.h"
#include "sh_i18n.h"
#include "sh_names.h"
#include "sh_text.h"

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

//  ---------------------------------------------------------------------
//  CSV: one row per value. The metric column and string values are text
//  cells (sh_text_csv_cell: quoted, escaped, neutralised against formula
//  injection); integers, reals and booleans the report computed are
//  written as numbers and never neutralised, so a balance of -5 stays -5.

static void
s_leaves (const char *path, const json_t *v, sh_report_text_leaf_fn *fn, void *arg)
{
    char sub[256];
    if (json_is_object (v)) {
        const char *k;
        json_t *e;
        json_object_foreach ((json_t *) v, k, e) {
            snprintf (sub, sizeof sub, "%s%s%s", path, *path ? "." : "", k);
            s_leaves (sub, e, fn, arg);
        }
        return;
    }
    if (json_is_array (v)) {
        size_t i;
        json_t *e;
        json_array_foreach (v, i, e) {
            snprintf (sub, sizeof sub, "%s.%zu", path, i);
            s_leaves (sub, e, fn, arg);
        }
        return;
    }
    fn (path, v, arg);
}

void
sh_report_text_leaves (const json_t *report, sh_report_text_leaf_fn *fn, void *arg)
{
    s_leaves ("", report, fn, arg);
}

typedef struct {
    FILE *f;            //  where the rows go
    const char *eol;    //  "\n", or "\r\n" for Excel
} s_csv_t;

//  sh_report_text_leaf_fn: one CSV row.
static void
s_csv_row (const char *path, const json_t *v, void *arg)
{
    const s_csv_t *c = arg;
    FILE *f = c->f;
    sh_text_csv_cell (f, path);
    fputc (',', f);
    if (json_is_string (v))
        sh_text_csv_cell (f, json_string_value (v));
    else
    if (json_is_integer (v))
        fprintf (f, "%lld", (long long) json_integer_value (v));
    else
    if (json_is_real (v))
        fprintf (f, "%g", json_real_value (v));
    else
    if (json_is_boolean (v))
        fputs (json_is_true (v) ? "true" : "false", f);
    fputs (c->eol, f);
}

void
sh_report_text_csv (FILE *f, const json_t *report, bool excel)
{
    s_csv_t c = { f, excel ? "\r\n" : "\n" };
    if (excel)
        fputs ("\xEF\xBB\xBF", f);   //  the byte-order mark that tells Excel it is UTF-8
    //  TRANSLATORS: the header row of the CSV report: its two columns, the
    //  dotted name of a figure and the figure.
    sh_text_csv_cell (f, _("metric"));
    fputc (',', f);
    sh_text_csv_cell (f, _("value"));
    fputs (c.eol, f);
    sh_report_text_leaves (report, s_csv_row, &c);
}

//  ---------------------------------------------------------------------
//  Text: a summary in 80 columns

//  Longest courtyard-level list printed in text (the rest: JSON or CSV).
#define S_TEXT_LIST_MAX 20

//  Print at most max characters (not bytes) of UTF-8 s.
static void
s_utf8_trunc (FILE *f, const char *s, int max)
{
    int n = 0;
    const char *p = s;
    while (*p && n < max) {
        p++;
        while ((*p & 0xC0) == 0x80)
            p++;
        n++;
    }
    fwrite (s, 1, (size_t) (p - s), f);
}

//  s, then spaces up to width columns (as "%-*s", counting columns).
static void
s_left (FILE *f, const char *s, int width)
{
    sh_text_pad (f, s, width, false);
}

//  Spaces up to width columns, then s (as "%*s", counting columns).
static void
s_right (FILE *f, const char *s, int width)
{
    sh_text_pad (f, s, width, true);
}

//  The line saying that a list goes on beyond what text shows.
static void
s_text_more (FILE *f, size_t more)
{
    fprintf (f, _("  ... and %zu more (all of them: --format json or csv)\n"), more);
}

//  label in 16 columns (a character of more than one byte, as Chinese, takes
//  two), cut to fit.
static void
s_label16 (FILE *f, const char *label)
{
    int cols = 0;
    const char *p = label;
    while (*p) {
        const char *q = p + 1;
        while ((*q & 0xC0) == 0x80)
            q++;
        int w = q - p > 1 ? 2 : 1;
        if (cols + w > 16)
            break;
        fwrite (p, 1, (size_t) (q - p), f);
        cols += w;
        p = q;
    }
    fprintf (f, "%*s", 16 - cols, "");
}

static void
s_hex_line (FILE *f, const char *label, const json_t *h)
{
    const json_t *lv = json_object_get (h, "levels");
    s_label16 (f, label);
    for (int k = 1; k <= SH_NAMES_CATEGORY_MAX; k++)
        fprintf (f, " %4.1f", json_number_value (json_object_get (lv, sh_names_category (k))));
    fprintf (f, " %7.2f", json_number_value (json_object_get (h, "area")));
    if (json_object_get (h, "rank"))
        fprintf (f, " %4lld", s_i (h, "rank"));
    fputc ('\n', f);
}

//  Movers listed per direction in text.
#define S_TEXT_MOVERS_MAX 5

//  One year of escalations: a column per month ("-" none), then the total.
static void
s_text_escalation_year (FILE *f, int year, const long long n[13])
{
    long long total = 0;
    fprintf (f, "%-4d", year);
    for (int m = 1; m <= 12; m++) {
        if (n[m] > 0)
            fprintf (f, " %4lld", n[m]);
        else
            fprintf (f, " %4s", "-");
        total += n[m];
    }
    fprintf (f, " %6lld\n", total);
}

//  Escalations per month: a row per year (71 columns).
static void
s_text_escalations (FILE *f, const json_t *r)
{
    const json_t *per_month = json_object_get (r, "escalations_per_month");
    fprintf (f, _("\nescalations %lld"), s_i (r, "escalations"));
    fprintf (f, "%s\n", json_object_size (per_month) ? _(" by month") : "");
    if (!json_object_size (per_month))
        return;
    s_left (f, _("year"), 4);
    for (int m = 1; m <= 12; m++)
        fprintf (f, "   %02d", m);
    fputc (' ', f);
    s_right (f, _("total"), 6);
    fputc ('\n', f);
    long long n[13] = { 0 };
    int year = 0;
    const char *k;
    json_t *v;
    json_object_foreach ((json_t *) per_month, k, v) {
        int y, m;
        if (sscanf (k, "%4d-%2d", &y, &m) != 2 || m < 1 || m > 12)
            continue;
        if (year && y != year) {
            s_text_escalation_year (f, year, n);
            memset (n, 0, sizeof n);
        }
        year = y;
        n[m] += json_integer_value (v);
    }
    if (year)
        s_text_escalation_year (f, year, n);
}

//  The first movers of each direction (75 columns at most).
static void
s_text_movers (FILE *f, const json_t *r)
{
    const json_t *mv = json_object_get (r, "movers");
    fprintf (f, _("\nbiggest hexagon movers since the previous period (%lld courtyards compared)\n"),
             s_i (mv, "compared"));
    //  the keys of the report, and their headings
    static const char *const dirs[2][2] = { { "gains", N_("gains") }, { "losses", N_("losses") } };
    for (int d = 0; d < 2; d++) {
        const json_t *arr = json_object_get (mv, dirs[d][0]);
        fputs ("  ", f);
        s_left (f, _(dirs[d][1]), 15);
        fputc (' ', f);
        s_left (f, _("period"), 7);
        fputc (' ', f);
        //  TRANSLATORS: a column of the movers in the text report: the
        //  previous evaluation period, then the area in it (7 columns).
        s_left (f, _("before"), 7);
        fputc (' ', f);
        s_right (f, _("area"), 7);
        fputc (' ', f);
        s_right (f, _("before"), 7);
        fputc (' ', f);
        s_right (f, _("delta"), 8);
        fprintf (f, " %s\n", _("name"));
        size_t i;
        json_t *e;
        json_array_foreach (arr, i, e) {
            if (i == S_TEXT_MOVERS_MAX) {
                s_text_more (f, json_array_size (arr) - i);
                break;
            }
            fprintf (f, "  %-15.15s %-7.7s %-7.7s %7.2f %7.2f %+8.2f ", s_s (e, "courtyard"), s_s (e, "period"),
                     s_s (e, "previous_period"), json_number_value (json_object_get (e, "area")),
                     json_number_value (json_object_get (e, "previous_area")),
                     json_number_value (json_object_get (e, "delta")));
            s_utf8_trunc (f, s_s (e, "name"), 8);
            fputc ('\n', f);
        }
    }
}

//  The courtyards that missed a party-masses day, with their months.
static void
s_text_missed (FILE *f, const json_t *r)
{
    size_t i;
    json_t *e;
    const json_t *missed = json_object_get (r, "missed_party_masses_day");
    fprintf (f, _("courtyards that missed a monthly party-masses day: %zu\n"), json_array_size (missed));
    json_array_foreach (missed, i, e) {
        if (i == S_TEXT_LIST_MAX) {
            s_text_more (f, json_array_size (missed) - i);
            break;
        }
        const json_t *months = json_object_get (e, "months");
        fprintf (f, _("  %s  %zu month(s):"), s_s (e, "courtyard"), json_array_size (months));
        size_t k;
        json_t *mo;
        int col = 2 + 15 + 2 + 12;
        json_array_foreach (months, k, mo) {
            if (col + 8 > 80) {
                fprintf (f, "\n%*s", 20, "");
                col = 20;
            }
            fprintf (f, " %s", json_string_value (mo));
            col += 8;
        }
        fputc ('\n', f);
    }
}

//  The abbreviation of category k that heads its column of hexagon levels
//  (4 columns): sh_names_category_abbr's, translated.
static const char *
s_category_abbr (int k)
{
    //  TRANSLATORS: the categories of services abbreviated to head a column
    //  of 4 columns (2 Chinese characters): policy, deliberation,
    //  mediation, environment, customs, economy.
    static const char *const marks[] = { N_("pol"), N_("delib"), N_("med"), N_("env"), N_("cust"), N_("econ") };
    (void) marks;
    return _(sh_names_category_abbr (k));
}

//  The region's hexagon, then the towns', villages' and courtyards' rankings.
static void
s_text_hexagons (FILE *f, const json_t *r)
{
    size_t i;
    json_t *e;
    fprintf (f, _("\nmaturity hexagon (mean level per category, area, rank)\n"));
    fprintf (f, "%-16s", "");
    for (int k = 1; k <= SH_NAMES_CATEGORY_MAX; k++) {
        fputc (' ', f);
        s_right (f, s_category_abbr (k), 4);
    }
    fputc (' ', f);
    s_right (f, _("area"), 7);
    fputc (' ', f);
    s_right (f, _("rank"), 4);
    fputc ('\n', f);
    //  TRANSLATORS: the row of the whole region in the text report's
    //  hexagons (16 columns at most).
    s_hex_line (f, _("region"), json_object_get (r, "hexagon"));
    static const char *const lists[] = { "town_hexagons", "village_hexagons", "courtyard_hexagons" };
    for (size_t l = 0; l < 3; l++) {
        const json_t *arr = json_object_get (r, lists[l]);
        json_array_foreach (arr, i, e) {
            if (i == S_TEXT_LIST_MAX) {
                s_text_more (f, json_array_size (arr) - i);
                break;
            }
            s_hex_line (f, l < 2 ? s_s (e, "name") : s_s (e, "code"), e);    //  towns, villages by name
        }
    }
}

//  The level of a region of code prefix (its length) in words.
static const char *
s_level (size_t len)
{
    return len <= 6 ? _("district") : len <= 9 ? _("town") : len <= 12 ? _("village") : _("courtyard");
}

//  Matters by tier (with the median days to close), by step and by category.
static void
s_text_matters (FILE *f, const json_t *r)
{
    char name[64];
    fprintf (f, _("\nmatters %lld  closed %lld  open %lld  closure rate %.1f%%\n"), s_i (r, "matters"),
             s_i (r, "matters_closed"), s_i (r, "matters_open"),
             100.0 * json_number_value (json_object_get (r, "closure_rate")));
    int w = sh_names_widest ("shouhe.v1.Tier", SH_NAMES_TIER_MAX, 12);
    s_left (f, _("tier"), w);
    fputc (' ', f);
    s_right (f, _("matters"), 8);
    fputc (' ', f);
    s_right (f, _("closed"), 8);
    fputc (' ', f);
    s_right (f, _("median days"), 12);
    fputc ('\n', f);
    const json_t *med = json_object_get (r, "median_days_to_close");
    for (int i = 1; i <= SH_NAMES_TIER_MAX; i++) {
        const json_t *t = json_object_get (json_object_get (r, "by_tier"), sh_names_tier (i));
        const json_t *m = json_object_get (med, sh_names_tier (i));
        s_left (f, sh_names_shown ("shouhe.v1.Tier", i, name, sizeof name), w);
        fprintf (f, " %8lld %8lld ", s_i (t, "matters"), s_i (t, "closed"));
        if (json_is_number (m))
            fprintf (f, "%12.1f\n", json_number_value (m));
        else
            fprintf (f, "%12s\n", "-");
    }
    fputs (_("steps:"), f);
    for (int i = 1; i <= SH_NAMES_STEP_MAX; i++)
        fprintf (f, " %s %lld", sh_names_shown ("shouhe.v1.Step", i, name, sizeof name),
                 s_i (json_object_get (r, "by_step"), sh_names_step (i)));
    fputc ('\n', f);
    w = sh_names_widest ("shouhe.v1.Category", SH_NAMES_CATEGORY_MAX, 12);
    s_left (f, _("category"), w);
    fputc (' ', f);
    s_right (f, _("matters"), 8);
    fputc (' ', f);
    s_right (f, _("closed"), 8);
    fputc ('\n', f);
    for (int i = 1; i <= SH_NAMES_CATEGORY_MAX; i++) {
        const json_t *t = json_object_get (json_object_get (r, "by_category"), sh_names_category (i));
        s_left (f, sh_names_shown ("shouhe.v1.Category", i, name, sizeof name), w);
        fprintf (f, " %8lld %8lld\n", s_i (t, "matters"), s_i (t, "closed"));
    }
}

//  Meetings, by kind, and the courtyards that missed a party-masses day.
static void
s_text_meetings (FILE *f, const json_t *r)
{
    char name[64];
    fprintf (f, _("\nmeetings %lld  party-masses days %lld  months %lld  per courtyard-month %.2f\n"),
             s_i (r, "meetings"), s_i (r, "party_masses_days"), s_i (r, "months"),
             json_number_value (json_object_get (r, "meetings_per_courtyard_month")));
    int w = sh_names_widest ("shouhe.v1.MeetingKind", SH_NAMES_MEETING_MAX, 18);
    s_left (f, _("meeting kind"), w);
    fputc (' ', f);
    s_right (f, _("meetings"), 8);
    fputc (' ', f);
    s_right (f, _("attendance"), 10);
    fputc ('\n', f);
    for (int k = 1; k <= SH_NAMES_MEETING_MAX; k++) {
        const json_t *m = json_object_get (json_object_get (r, "meetings_by_kind"), sh_names_meeting_kind (k));
        s_left (f, sh_names_shown ("shouhe.v1.MeetingKind", k, name, sizeof name), w);
        fprintf (f, " %8lld %10lld\n", s_i (m, "meetings"), s_i (m, "attendance"));
    }
    s_text_missed (f, r);
}

//  Mediations by level and outcome.
static void
s_text_mediations (FILE *f, const json_t *r)
{
    char name[64];
    fprintf (f, _("\nmediations %lld\n"), s_i (r, "mediations"));
    int w = sh_names_widest ("shouhe.v1.MediationLevel", SH_NAMES_LEVEL_MAX, 10);
    s_left (f, _("level"), w);
    for (int k = 1; k <= SH_NAMES_OUTCOME_MAX; k++) {
        fputc (' ', f);
        s_right (f, sh_names_shown ("shouhe.v1.MediationOutcome", k, name, sizeof name), 10);
    }
    fputc ('\n', f);
    for (int l = 1; l <= SH_NAMES_LEVEL_MAX; l++) {
        const json_t *by = json_object_get (r, "mediations_by_level");
        const json_t *o = json_object_get (by, sh_names_mediation_level (l));
        s_left (f, sh_names_shown ("shouhe.v1.MediationLevel", l, name, sizeof name), w);
        for (int k = 1; k <= SH_NAMES_OUTCOME_MAX; k++)
            fprintf (f, " %10lld", s_i (o, sh_names_mediation_outcome (k)));
        fputc ('\n', f);
    }
}

void
sh_report_text_summary (FILE *f, const json_t *r)
{
    char name[64];
    const char *prefix = s_s (r, "prefix");
    size_t pl = strlen (prefix);
    //  TRANSLATORS: "all" stands for the region code of the whole district.
    fprintf (f, _("shouhe report: %s (%s)  since %s  as of %s\n"), pl ? prefix : _("all"), s_level (pl),
             json_is_string (json_object_get (r, "since")) ? s_s (r, "since") : "-", s_s (r, "today"));
    fprintf (f, _("\nvillages %lld  courtyards %lld (model %lld)  households %lld\n"),
             s_i (r, "villages"), s_i (r, "courtyards"), s_i (r, "model_courtyards"), s_i (r, "households"));
    //  a total of residents only over the courtyards that have a resident count
    if (s_i (r, "residents_courtyards") > 0)
        fprintf (f, _("residents %lld (in %lld of %lld courtyards)  "), s_i (r, "residents"),
                 s_i (r, "residents_courtyards"), s_i (r, "courtyards"));
    if (s_i (r, "persons_erased") > 0)
        fprintf (f, _("persons on record %lld (personal data erased: %lld)\n"), s_i (r, "persons"),
                 s_i (r, "persons_erased"));
    else
        fprintf (f, _("persons on record %lld\n"), s_i (r, "persons"));
    s_text_matters (f, r);
    s_text_escalations (f, r);
    const json_t *od = json_object_get (r, "overdue_big");
    fprintf (f, _("\nopen big matters older than %d days: %zu\n"), SH_DOMAIN_OVERDUE_DAYS, json_array_size (od));
    size_t i;
    json_t *e;
    json_array_foreach (od, i, e) {
        //  12 + 1 + 10 + 1 + 5 + 1 + 8 (hex) + 1 + title (<= 20 chars, <= 40 columns)
        fprintf (f, "%-12s %-10s %5lld %.8s ", s_s (e, "village"), s_s (e, "opened_on"), s_i (e, "days"),
                 s_s (e, "matter"));
        s_utf8_trunc (f, s_s (e, "title"), 20);
        fputc ('\n', f);
    }
    s_text_meetings (f, r);
    s_text_mediations (f, r);
    fputc ('\n', f);
    int w = sh_names_widest ("shouhe.v1.LedgerUnit", SH_NAMES_UNIT_MAX, 8);
    for (int u = 1; u <= SH_NAMES_UNIT_MAX; u++) {
        const json_t *t = json_object_get (r, sh_names_unit (u));
        s_left (f, sh_names_shown ("shouhe.v1.LedgerUnit", u, name, sizeof name), w);
        fprintf (f, _(" earned %lld  redeemed %lld  balance %lld\n"), s_i (t, "earned"), s_i (t, "redeemed"),
                 s_i (t, "balance"));
    }
    s_text_hexagons (f, r);
    s_text_movers (f, r);
}
