/*  sh_report_test -- a village replica with hand-written courtyards,
    matters, meetings, mediations, points and evaluations, and the exact
    report of it: totals, closure rate, medians, the 30-day rule with a
    fixed today, missed party-masses days, hexagons and --since; the
    escalations per month (a conflicting escalation from a second replica
    does not count), the biggest hexagon movers, and the HTML page (every
    text escaped, no URL, the charts and tables there).
*/
#include "sh_test.h"
#include "sh_test_sync.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sh_ops.h"
#include "sh_replica.h"
#include "sh_report.h"

#define S_VILLAGE "500115001001"
#define S_Y1 "500115001001001"
#define S_Y2 "500115001001002"
#define S_TODAY "2024-06-15"

#define S_OK(call) do { char msg_[SH_OPS_MSG_BYTES] = ""; sh_err rc_ = (call); \
    if (rc_) { fprintf (stderr, "refused: %s\n", msg_); } \
    SH_PASS (rc_); } while (0)

static json_int_t
s_int (json_t *j, const char *path)
{
    //  "a.b.c" walks objects
    char buf[128];
    snprintf (buf, sizeof buf, "%s", path);
    json_t *v = j;
    for (char *save, *k = strtok_r (buf, ".", &save); k; k = strtok_r (NULL, ".", &save))
        v = json_object_get (v, k);
    if (!json_is_integer (v)) {
        fprintf (stderr, "no integer at %s\n", path);
        SH_CHECK (0);
    }
    return json_integer_value (v);
}

static double
s_num (json_t *j, const char *key)
{
    json_t *v = json_object_get (j, key);
    SH_CHECK (json_is_number (v));
    return json_number_value (v);
}

static const char *
s_str (json_t *j, const char *key)
{
    const char *s = json_string_value (json_object_get (j, key));
    SH_CHECK (s);
    return s;
}

//  The report printed in format, as a string the caller frees.
static char *
s_print (const json_t *j, const char *format)
{
    FILE *f = tmpfile ();
    SH_CHECK (f);
    SH_PASS (sh_report_print (f, j, format));
    long n = ftell (f);
    SH_CHECK (n > 0);
    rewind (f);
    char *text = malloc ((size_t) n + 1);
    SH_CHECK (text && fread (text, 1, (size_t) n, f) == (size_t) n);
    text[n] = '\0';
    fclose (f);
    return text;
}

static void
s_matter (sh_replica_t *r, const char *yard, const char *cat, const char *opened, char id[SH_OPS_ID_HEX])
{
    S_OK (sh_ops_matter_open (r, yard, cat, "事项", NULL, opened, id, msg_));
}

static void
s_fill (sh_replica_t *r)
{
    sh_ops_courtyard_t y1 = { .code = S_Y1, .name = "黄家院", .households = 10, .residents = 30,
                              .elderly = SH_OPS_UNSET, .model = true };
    sh_ops_courtyard_t y2 = { .code = S_Y2, .name = "李家湾", .households = 20, .residents = 50,
                              .elderly = SH_OPS_UNSET };
    S_OK (sh_ops_courtyard_add (r, &y1, msg_));
    S_OK (sh_ops_courtyard_add (r, &y2, msg_));
    char p1[SH_OPS_ID_HEX];
    sh_ops_person_t p = { .name = "张三", .courtyard = S_Y1 };
    S_OK (sh_ops_person_add (r, &p, p1, msg_));

    char m1[SH_OPS_ID_HEX], m2[SH_OPS_ID_HEX], m3[SH_OPS_ID_HEX], m4[SH_OPS_ID_HEX], m5[SH_OPS_ID_HEX];
    //  two micro matters closed in 4 and 10 days: median 7
    s_matter (r, S_Y1, "environment", "2024-06-01", m1);
    S_OK (sh_ops_matter_step (r, m1, "handle", NULL, "2024-06-02", msg_));
    S_OK (sh_ops_matter_step (r, m1, "feedback", NULL, "2024-06-03", msg_));
    S_OK (sh_ops_matter_close (r, m1, 5, NULL, "2024-06-05", msg_));
    s_matter (r, S_Y1, "policy", "2024-06-01", m2);
    S_OK (sh_ops_matter_step (r, m2, "handle", NULL, "2024-06-02", msg_));
    S_OK (sh_ops_matter_step (r, m2, "feedback", NULL, "2024-06-03", msg_));
    S_OK (sh_ops_matter_close (r, m2, 4, NULL, "2024-06-11", msg_));
    //  open big matters 45, 5 and exactly 30 days old: only the first is overdue
    s_matter (r, S_Y2, "mediation", "2024-05-01", m3);
    S_OK (sh_ops_matter_escalate (r, m3, "big", NULL, "2024-05-02", msg_));
    //  its town leads it (大事镇街督办): the consult is the town node's
    char *tdir = sh_test_tmpdir ();
    sh_replica_t *town;
    SH_PASS (sh_replica_create (&town, tdir, "500115001"));
    sh_test_sync (r, town);
    S_OK (sh_ops_matter_step (town, m3, "consult", NULL, "2024-05-03", msg_));
    sh_test_sync (town, r);
    sh_replica_close (&town);
    sh_test_rmdir (tdir);
    s_matter (r, S_Y2, "economy", "2024-06-10", m4);
    S_OK (sh_ops_matter_escalate (r, m4, "big", NULL, "2024-06-10", msg_));
    s_matter (r, S_Y1, "customs", "2024-05-16", m5);
    S_OK (sh_ops_matter_escalate (r, m5, "big", NULL, "2024-05-16", msg_));

    //  April and May: Y2 held no party-masses day in May
    const char *meetings[][3] = {
        { S_Y1, "party-masses-day", "2024-04-10" }, { S_Y1, "party-masses-day", "2024-05-10" },
        { S_Y2, "party-masses-day", "2024-04-12" }, { S_Y2, "deliberation", "2024-05-20" },
    };
    for (size_t i = 0; i < 4; i++) {
        char id[SH_OPS_ID_HEX];
        sh_ops_meeting_t m = { .courtyard = meetings[i][0], .kind = meetings[i][1], .date = meetings[i][2],
                               .attendance = SH_OPS_UNSET };
        S_OK (sh_ops_meeting_record (r, &m, id, msg_));
    }
    char id[SH_OPS_ID_HEX];
    sh_ops_mediation_t d1 = { .courtyard = S_Y1, .level = "courtyard", .kind = "family", .outcome = "resolved",
                              .date = "2024-05-05", .parties = SH_OPS_UNSET };
    sh_ops_mediation_t d2 = { .courtyard = S_Y2, .level = "village", .kind = "land", .outcome = "referred",
                              .date = "2024-06-05", .parties = SH_OPS_UNSET };
    S_OK (sh_ops_mediation_record (r, &d1, id, msg_));
    S_OK (sh_ops_mediation_record (r, &d2, id, msg_));

    S_OK (sh_ops_points (r, p1, false, "points", 100, "clean-up", "2024-05-01", msg_));
    S_OK (sh_ops_points (r, p1, true, "points", 30, "soap", "2024-05-02", msg_));
    S_OK (sh_ops_points (r, p1, false, "minutes", 90, "visit", "2024-05-03", msg_));

    //  Y1: 2024Q1 all 9 (older, ignored), 2024Q2 all 6; Y2: 2024Q2 all 4
    static const char *const cats[] = { "policy", "deliberation", "mediation", "environment", "customs", "economy" };
    for (size_t i = 0; i < 6; i++) {
        int level;
        S_OK (sh_ops_evaluate (r, S_Y1, "2024Q1", cats[i], 9, 9, 9, &level, msg_));
        S_OK (sh_ops_evaluate (r, S_Y1, "2024Q2", cats[i], 6, 6, 6, &level, msg_));
        S_OK (sh_ops_evaluate (r, S_Y2, "2024Q2", cats[i], 4, 4, 4, &level, msg_));
    }
}

static void
test_report (void)
{
    char *dir = sh_test_tmpdir ();
    sh_replica_t *r;
    SH_PASS (sh_replica_create (&r, dir, S_VILLAGE));
    s_fill (r);
    sh_store_t *store = sh_replica_store (r);

    json_t *j;
    SH_PASS (sh_report_build (store, "", NULL, S_TODAY, &j));
    SH_CHECK (s_int (j, "villages") == 1);
    SH_CHECK (s_int (j, "courtyards") == 2 && s_int (j, "model_courtyards") == 1);
    SH_CHECK (s_int (j, "households") == 30 && s_int (j, "residents") == 80 && s_int (j, "persons") == 1);
    SH_CHECK (s_int (j, "matters") == 5 && s_int (j, "matters_closed") == 2 && s_int (j, "matters_open") == 3);
    SH_CHECK (fabs (s_num (j, "closure_rate") - 0.4) < 1e-9);
    SH_CHECK (s_int (j, "by_tier.micro.matters") == 2 && s_int (j, "by_tier.micro.closed") == 2);
    SH_CHECK (s_int (j, "by_tier.small.matters") == 0 && s_int (j, "by_tier.big.matters") == 3);
    SH_CHECK (s_int (j, "by_step.feedback") == 2 && s_int (j, "by_step.diagnose") == 2);
    SH_CHECK (s_int (j, "by_step.consult") == 1 && s_int (j, "by_step.handle") == 0);
    SH_CHECK (s_int (j, "by_category.environment.closed") == 1 && s_int (j, "by_category.mediation.matters") == 1);
    json_t *med = json_object_get (j, "median_days_to_close");
    SH_CHECK (fabs (json_number_value (json_object_get (med, "micro")) - 7.0) < 1e-9);
    SH_CHECK (json_is_null (json_object_get (med, "big")));

    json_t *od = json_object_get (j, "overdue_big");
    SH_CHECK (json_array_size (od) == 1);
    SH_CHECK (s_int (json_array_get (od, 0), "days") == 45);
    SH_CHECK (!strcmp (json_string_value (json_object_get (json_array_get (od, 0), "village")), S_VILLAGE));
    SH_CHECK (!strcmp (json_string_value (json_object_get (json_array_get (od, 0), "opened_on")), "2024-05-01"));

    SH_CHECK (s_int (j, "meetings") == 4 && s_int (j, "party_masses_days") == 3 && s_int (j, "months") == 2);
    SH_CHECK (fabs (s_num (j, "meetings_per_courtyard_month") - 1.0) < 1e-9);
    json_t *missed = json_object_get (j, "missed_party_masses_day");
    SH_CHECK (json_array_size (missed) == 1);
    json_t *m0 = json_array_get (missed, 0);
    SH_CHECK (!strcmp (json_string_value (json_object_get (m0, "courtyard")), S_Y2));
    SH_CHECK (json_array_size (json_object_get (m0, "months")) == 1);
    SH_CHECK (!strcmp (json_string_value (json_array_get (json_object_get (m0, "months"), 0)), "2024-05"));

    SH_CHECK (s_int (j, "mediations") == 2);
    SH_CHECK (s_int (j, "mediations_by_level.courtyard.resolved") == 1);
    SH_CHECK (s_int (j, "mediations_by_level.village.referred") == 1);
    SH_CHECK (s_int (j, "mediations_by_level.group.resolved") == 0);

    SH_CHECK (s_int (j, "points_earned") == 100 && s_int (j, "points_redeemed") == 30);
    SH_CHECK (s_int (j, "points.balance") == 70 && s_int (j, "minutes.earned") == 90);

    json_t *hex = json_object_get (j, "hexagon");
    SH_CHECK (fabs (json_number_value (json_object_get (json_object_get (hex, "levels"), "policy")) - 5.0) < 1e-9);
    SH_CHECK (fabs (json_number_value (json_object_get (hex, "area")) - 64.95) < 1e-9);   //  sqrt3/4*6*25
    json_t *yh = json_object_get (j, "courtyard_hexagons");
    SH_CHECK (json_array_size (yh) == 2);
    SH_CHECK (!strcmp (json_string_value (json_object_get (json_array_get (yh, 0), "code")), S_Y1));
    SH_CHECK (s_int (json_array_get (yh, 0), "rank") == 1);
    SH_CHECK (!strcmp (json_string_value (json_object_get (json_array_get (yh, 0), "period")), "2024Q2"));
    SH_CHECK (json_array_size (json_object_get (j, "village_hexagons")) == 1);
    json_t *th = json_object_get (j, "town_hexagons");
    SH_CHECK (json_array_size (th) == 1 && s_int (json_array_get (th, 0), "courtyards") == 2);
    SH_CHECK (!strcmp (json_string_value (json_object_get (json_array_get (th, 0), "code")), "500115001"));
    SH_CHECK (fabs (json_number_value (json_object_get (json_array_get (th, 0), "area")) - 64.95) < 1e-9);
    SH_CHECK (s_int (hex, "courtyards") == 2);
    SH_CHECK (!strcmp (s_str (json_array_get (yh, 0), "name"), "黄家院"));
    SH_CHECK (!strcmp (s_str (m0, "name"), "李家湾"));

    //  escalations: m3 and m5 in May, m4 in June
    SH_CHECK (s_int (j, "escalations") == 3);
    json_t *epm = json_object_get (j, "escalations_per_month");
    SH_CHECK (json_object_size (epm) == 2);
    SH_CHECK (s_int (epm, "2024-05") == 2 && s_int (epm, "2024-06") == 1);
    SH_CHECK (!strcmp (json_object_iter_key (json_object_iter (epm)), "2024-05"));   //  months in order
    //  movers: only Y1 has two periods: all 9 (210.44) -> all 6 (93.53)
    json_t *mv = json_object_get (j, "movers");
    SH_CHECK (s_int (mv, "compared") == 1 && json_array_size (json_object_get (mv, "gains")) == 0);
    json_t *loss = json_array_get (json_object_get (mv, "losses"), 0);
    SH_CHECK (json_array_size (json_object_get (mv, "losses")) == 1);
    SH_CHECK (!strcmp (s_str (loss, "courtyard"), S_Y1) && !strcmp (s_str (loss, "village"), S_VILLAGE));
    SH_CHECK (!strcmp (s_str (loss, "period"), "2024Q2") && !strcmp (s_str (loss, "previous_period"), "2024Q1"));
    SH_CHECK (fabs (s_num (loss, "area") - 93.53) < 1e-9 && fabs (s_num (loss, "previous_area") - 210.44) < 1e-9);
    SH_CHECK (fabs (s_num (loss, "delta") + 116.91) < 1e-9);

    //  text: the escalations by year and month, the movers
    char *text = s_print (j, "text");
    SH_CHECK (strstr (text, "\nescalations 3 by month\n"));
    SH_CHECK (strstr (text, "\n2024    -    -    -    -    2    1    -    -    -    -    -    -      3\n"));
    SH_CHECK (strstr (text, "  " S_Y1 " 2024Q2  2024Q1    93.53  210.44  -116.91 黄家院\n"));
    free (text);
    json_decref (j);

    //  the same for the town and village prefixes; nothing under another village
    SH_PASS (sh_report_build (store, "500115001", NULL, S_TODAY, &j));
    SH_CHECK (s_int (j, "matters") == 5 && s_int (j, "courtyards") == 2);
    json_decref (j);
    SH_PASS (sh_report_build (store, "500115001002", NULL, S_TODAY, &j));
    SH_CHECK (s_int (j, "matters") == 0 && s_int (j, "courtyards") == 0 && s_int (j, "villages") == 0);
    SH_CHECK (fabs (s_num (j, "closure_rate")) < 1e-9);
    json_decref (j);

    //  since: matters opened, meetings and mediations on or after it
    SH_PASS (sh_report_build (store, "", "2024-06-01", S_TODAY, &j));
    SH_CHECK (s_int (j, "matters") == 3 && s_int (j, "matters_closed") == 2);
    SH_CHECK (s_int (j, "meetings") == 0 && s_int (j, "mediations") == 1);
    SH_CHECK (json_array_size (json_object_get (j, "overdue_big")) == 0);
    SH_CHECK (s_int (j, "courtyards") == 2 && s_int (j, "points_balance") == 70);
    SH_CHECK (s_int (j, "escalations") == 1 && s_int (json_object_get (j, "escalations_per_month"), "2024-06") == 1);
    SH_CHECK (json_object_size (json_object_get (j, "escalations_per_month")) == 1);
    SH_CHECK (s_int (json_object_get (j, "movers"), "compared") == 1);   //  evaluations are not filtered
    json_decref (j);

    //  a later today makes the 30-day-old matter overdue too
    SH_PASS (sh_report_build (store, "", NULL, "2024-06-16", &j));
    SH_CHECK (json_array_size (json_object_get (j, "overdue_big")) == 2);
    SH_CHECK (s_int (json_array_get (json_object_get (j, "overdue_big"), 0), "days") == 46);
    json_decref (j);

    SH_CHECK (sh_report_build (store, "", "2024-13-01", S_TODAY, &j) == SH_EINVAL);
    SH_CHECK (sh_report_build (store, "", NULL, "yesterday", &j) == SH_EINVAL);

    sh_replica_close (&r);
    sh_test_rmdir (dir);
}

static void
test_escalations (void)
{
    char *da = sh_test_tmpdir (), *db = sh_test_tmpdir ();
    sh_replica_t *a, *b;
    SH_PASS (sh_replica_create (&a, da, S_VILLAGE));
    SH_PASS (sh_replica_create (&b, db, S_VILLAGE));
    sh_ops_courtyard_t y1 = { .code = S_Y1, .name = "黄家院", .households = 10, .elderly = SH_OPS_UNSET };
    S_OK (sh_ops_courtyard_add (a, &y1, msg_));
    char m1[SH_OPS_ID_HEX], m2[SH_OPS_ID_HEX];
    s_matter (a, S_Y1, "mediation", "2024-05-01", m1);
    sh_test_sync (a, b);
    //  offline, both escalate m1 to big in May: the later one is a conflict
    S_OK (sh_ops_matter_escalate (a, m1, "big", NULL, "2024-05-03", msg_));
    S_OK (sh_ops_matter_escalate (b, m1, "big", NULL, "2024-05-20", msg_));
    //  m2, opened in May: small in June, big in July
    s_matter (a, S_Y1, "economy", "2024-05-25", m2);
    S_OK (sh_ops_matter_escalate (a, m2, "small", NULL, "2024-06-02", msg_));
    S_OK (sh_ops_matter_step (a, m2, "consult", NULL, "2024-06-03", msg_));
    S_OK (sh_ops_matter_escalate (a, m2, "big", NULL, "2024-07-01", msg_));
    sh_test_sync (a, b);
    sh_test_sync (b, a);

    sh_replica_t *both[2] = { a, b };
    for (int i = 0; i < 2; i++) {
        json_t *j;
        SH_PASS (sh_report_build (sh_replica_store (both[i]), "", NULL, "2024-08-01", &j));
        SH_CHECK (s_int (j, "matters") == 2 && s_int (j, "escalations") == 3);
        json_t *epm = json_object_get (j, "escalations_per_month");
        SH_CHECK (json_object_size (epm) == 3);
        SH_CHECK (s_int (epm, "2024-05") == 1 && s_int (epm, "2024-06") == 1 && s_int (epm, "2024-07") == 1);
        SH_CHECK (s_int (j, "by_tier.big.matters") == 2);
        json_decref (j);
        //  since: the escalations dated on or after it, of matters opened before it too
        SH_PASS (sh_report_build (sh_replica_store (both[i]), "", "2024-06-01", "2024-08-01", &j));
        SH_CHECK (s_int (j, "matters") == 0 && s_int (j, "escalations") == 2);
        epm = json_object_get (j, "escalations_per_month");
        SH_CHECK (json_object_size (epm) == 2 && s_int (epm, "2024-06") == 1 && s_int (epm, "2024-07") == 1);
        json_decref (j);
    }
    //  none at all: an empty object, a zero, and no chart in HTML
    json_t *j;
    SH_PASS (sh_report_build (sh_replica_store (a), "500115001002", NULL, "2024-08-01", &j));
    SH_CHECK (s_int (j, "escalations") == 0 && json_object_size (json_object_get (j, "escalations_per_month")) == 0);
    char *html = s_print (j, "html");
    SH_CHECK (strstr (html, "id=\"escalations-none\"") && !strstr (html, "<svg id=\"escalations\""));
    free (html);
    json_decref (j);
    sh_replica_close (&a);
    sh_replica_close (&b);
    sh_test_rmdir (da);
    sh_test_rmdir (db);
}

//  All six categories of yard at one level for period.
static void
s_evaluate (sh_replica_t *r, const char *yard, const char *period, int level)
{
    static const char *const cats[] = { "policy", "deliberation", "mediation", "environment", "customs", "economy" };
    for (size_t i = 0; i < 6; i++) {
        int got;
        S_OK (sh_ops_evaluate (r, yard, period, cats[i], level, level, level, &got, msg_));
        SH_CHECK (got == level);
    }
}

#define S_ESCAPED "&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt;&#39;s 院"

static void
test_movers (void)
{
    char *dir = sh_test_tmpdir ();
    sh_replica_t *r;
    SH_PASS (sh_replica_create (&r, dir, S_VILLAGE));
    char code[17][16];
    for (int i = 0; i < 17; i++) {
        snprintf (code[i], sizeof code[i], "%s%03d", S_VILLAGE, i + 1);
        sh_ops_courtyard_t y = { .code = code[i], .name = i ? "院" : "<b>\"A&B\"</b>'s 院", .households = 10,
                                 .elderly = SH_OPS_UNSET };
        S_OK (sh_ops_courtyard_add (r, &y, msg_));
    }
    //  001..012 gain: all 2 (area 10.39) -> all L
    static const int gain_to[12] = { 5, 7, 7, 3, 4, 6, 8, 9, 10, 5, 6, 3 };
    for (int i = 0; i < 12; i++) {
        s_evaluate (r, code[i], "2024Q1", 2);
        s_evaluate (r, code[i], "2024Q2", gain_to[i]);
    }
    //  013: 9 -> 4; 014: 10, 5 -> 4 (against 2024Q1, not 2023Q4); 015: 3 -> 3
    //  (no change); 016: one period only; 017: policy 4, others 2 (13.86) -> all 2
    s_evaluate (r, code[12], "2024Q1", 9);
    s_evaluate (r, code[12], "2024Q2", 4);
    s_evaluate (r, code[13], "2023Q4", 10);
    s_evaluate (r, code[13], "2024Q1", 5);
    s_evaluate (r, code[13], "2024Q2", 4);
    s_evaluate (r, code[14], "2024Q1", 3);
    s_evaluate (r, code[14], "2024Q2", 3);
    s_evaluate (r, code[15], "2024Q2", 7);
    s_evaluate (r, code[16], "2024Q1", 2);
    int got;
    S_OK (sh_ops_evaluate (r, code[16], "2024Q1", "policy", 4, 4, 4, &got, msg_));
    s_evaluate (r, code[16], "2024Q2", 2);

    json_t *j;
    SH_PASS (sh_report_build (sh_replica_store (r), "", NULL, S_TODAY, &j));
    json_t *mv = json_object_get (j, "movers");
    SH_CHECK (s_int (mv, "compared") == 16);
    //  by |delta|, ties by code; the 11th and 12th (004, 012: +12.99) are left out
    static const struct { int yard; double delta, area; } gains[10] = {
        { 9, 249.42, 259.81 }, { 8, 200.05, 210.44 }, { 7, 155.89, 166.28 }, { 2, 116.92, 127.31 },
        { 3, 116.92, 127.31 }, { 6, 83.14, 93.53 }, { 11, 83.14, 93.53 }, { 1, 54.56, 64.95 },
        { 10, 54.56, 64.95 }, { 5, 31.18, 41.57 }
    };
    json_t *arr = json_object_get (mv, "gains");
    SH_CHECK (json_array_size (arr) == 10);
    for (size_t i = 0; i < 10; i++) {
        json_t *e = json_array_get (arr, i);
        if (strcmp (s_str (e, "courtyard"), code[gains[i].yard - 1]) || fabs (s_num (e, "delta") - gains[i].delta) > 1e-9
        ||  fabs (s_num (e, "area") - gains[i].area) > 1e-9 || fabs (s_num (e, "previous_area") - 10.39) > 1e-9) {
            fprintf (stderr, "gain %zu: %s %.2f, expected %s %.2f\n", i, s_str (e, "courtyard"),
                     s_num (e, "delta"), code[gains[i].yard - 1], gains[i].delta);
            SH_CHECK (0);
        }
        SH_CHECK (!strcmp (s_str (e, "period"), "2024Q2") && !strcmp (s_str (e, "previous_period"), "2024Q1"));
        SH_CHECK (!strcmp (s_str (e, "village"), S_VILLAGE));
    }
    arr = json_object_get (mv, "losses");
    SH_CHECK (json_array_size (arr) == 3);
    SH_CHECK (!strcmp (s_str (json_array_get (arr, 0), "courtyard"), code[12]));
    SH_CHECK (fabs (s_num (json_array_get (arr, 0), "delta") + 168.87) < 1e-9);
    SH_CHECK (!strcmp (s_str (json_array_get (arr, 1), "courtyard"), code[13]));
    SH_CHECK (!strcmp (s_str (json_array_get (arr, 1), "previous_period"), "2024Q1"));
    SH_CHECK (fabs (s_num (json_array_get (arr, 1), "delta") + 23.38) < 1e-9);
    SH_CHECK (!strcmp (s_str (json_array_get (arr, 2), "courtyard"), code[16]));
    SH_CHECK (fabs (s_num (json_array_get (arr, 2), "previous_area") - 13.86) < 1e-9);
    SH_CHECK (fabs (s_num (json_array_get (arr, 2), "delta") + 3.47) < 1e-9);

    //  text: the first five of each, and how many more
    char *text = s_print (j, "text");
    SH_CHECK (strstr (text, "(16 courtyards compared)\n"));
    SH_CHECK (strstr (text, "  ... and 5 more (all of them: --format json or csv)\n"));
    SH_CHECK (strstr (text, "  500115001001009 2024Q2  2024Q1   259.81   10.39  +249.42 院\n"));
    free (text);

    //  HTML: the name with <&"'> escaped wherever it appears; no URL, no script
    char *html = s_print (j, "html");
    SH_CHECK (!strncmp (html, "<!DOCTYPE html>\n", 16) && strstr (html, "<meta charset=\"utf-8\">"));
    SH_CHECK (strstr (html, "<td>" S_ESCAPED "</td>"));
    SH_CHECK (!strstr (html, "<b>") && !strstr (html, "\"A&B"));
    SH_CHECK (!strstr (html, "http") && !strstr (html, "<script") && !strstr (html, "url("));
    SH_CHECK (strstr (html, "<svg id=\"hexagon\" class=\"chart\""));
    SH_CHECK (strstr (html, "<polygon class=\"levels\""));
    SH_CHECK (strstr (html, "<table id=\"totals\">") && strstr (html, "<table id=\"movers-gains\">"));
    SH_CHECK (strstr (html, "<table id=\"courtyard-ranking\" class=\"ranking\">"));
    SH_CHECK (strstr (html, "<tr data-key=\"courtyards\"><th>courtyards 院落</th><td class=\"num\">17</td></tr>"));
    //  the hexagon in the page is the SVG format's drawing, without the XML declaration
    char *svg = s_print (j, "svg");
    const char *poly = strstr (svg, "<polygon class=\"levels\"");
    SH_CHECK (poly && strstr (html, poly));   //  from the polygon to the end: the same bytes
    SH_CHECK (!strncmp (svg, "<?xml", 5) && strstr (svg, "xmlns=\"http://www.w3.org/2000/svg\""));
    free (svg);
    free (html);

    //  a title with markup, escalations over 25 years: the chart draws the last 120 months
    json_object_set_new (j, "overdue_big", json_pack ("[{s:s, s:s, s:s, s:s, s:i}]", "matter", "00ff",
                         "title", "<script>alert('x')</script>", "village", S_VILLAGE, "opened_on", "2024-01-01",
                         "days", 40));
    json_object_set_new (j, "escalations_per_month", json_pack ("{s:i, s:i, s:i}", "2000-01", 5, "2014-12", 7,
                                                                "2024-12", 2));
    html = s_print (j, "html");
    SH_CHECK (strstr (html, "<td>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</td>") && !strstr (html, "<script"));
    size_t bars = 0;
    for (const char *p = html; (p = strstr (p, "<rect class=\"bar\"")); p++)
        bars++;
    SH_CHECK (bars == 120);
    SH_CHECK (strstr (html, "data-month=\"2015-01\" data-count=\"0\"") && !strstr (html, "data-month=\"2014-12\""));
    SH_CHECK (strstr (html, "data-month=\"2024-12\" data-count=\"2\"") && strstr (html, "The last 120 months"));
    free (html);
    json_decref (j);
    sh_replica_close (&r);
    sh_test_rmdir (dir);
}

static void
test_days (void)
{
    SH_CHECK (sh_report_days ("1970-01-01") == 0);
    SH_CHECK (sh_report_days ("2024-03-01") - sh_report_days ("2024-02-28") == 2);
    SH_CHECK (sh_report_days ("2024-6-1") == -1 && sh_report_days (NULL) == -1);
    SH_CHECK (sh_report_days ("2024-06-01x") == -1);
}

//  A report as of a date (today) counts only what happened on or before
//  it: matters opened, escalations, closings, meetings, mediations and
//  ledger entries dated later are left out; courtyards and evaluations are
//  kept (issue 12).
static void
test_as_of (void)
{
    char *dir = sh_test_tmpdir ();
    sh_replica_t *r;
    SH_PASS (sh_replica_create (&r, dir, S_VILLAGE));
    s_fill (r);
    json_t *j;
    SH_PASS (sh_report_build (sh_replica_store (r), "", NULL, "2024-06-04", &j));
    SH_CHECK (!strcmp (json_string_value (json_object_get (j, "today")), "2024-06-04"));
    SH_CHECK (s_int (j, "courtyards") == 2 && s_int (j, "households") == 30 && s_int (j, "persons") == 1);
    //  m4 (opened 2024-06-10) is not counted; m1 and m2 closed on 06-05 and 06-11: open as of 06-04
    SH_CHECK (s_int (j, "matters") == 4 && s_int (j, "matters_closed") == 0 && s_int (j, "matters_open") == 4);
    SH_CHECK (s_int (j, "by_tier.micro.closed") == 0 && s_int (j, "by_category.economy.matters") == 0);
    SH_CHECK (json_is_null (json_object_get (json_object_get (j, "median_days_to_close"), "micro")));
    SH_CHECK (s_int (j, "escalations") == 2 && !json_object_get (json_object_get (j, "escalations_per_month"),
                                                                   "2024-06"));
    SH_CHECK (s_int (j, "meetings") == 4 && s_int (j, "mediations") == 1);
    SH_CHECK (s_int (j, "mediations_by_level.village.referred") == 0);
    //  the overdue rule counts from the as-of date too: m3 is 34 days old
    SH_CHECK (json_array_size (json_object_get (j, "overdue_big")) == 1);
    SH_CHECK (s_int (json_array_get (json_object_get (j, "overdue_big"), 0), "days") == 34);
    json_decref (j);
    //  on the day itself it counts
    SH_PASS (sh_report_build (sh_replica_store (r), "", NULL, "2024-06-10", &j));
    SH_CHECK (s_int (j, "matters") == 5 && s_int (j, "matters_closed") == 1 && s_int (j, "escalations") == 3);
    SH_CHECK (s_int (j, "mediations") == 2);
    json_decref (j);
    //  ledger entries too: as of 2024-05-01 the redemption and the minutes are yet to come
    SH_PASS (sh_report_build (sh_replica_store (r), "", NULL, "2024-05-01", &j));
    SH_CHECK (s_int (j, "points_earned") == 100 && s_int (j, "points_redeemed") == 0);
    SH_CHECK (s_int (j, "points.balance") == 100 && s_int (j, "minutes.earned") == 0);
    json_decref (j);
    SH_PASS (sh_report_build (sh_replica_store (r), "", NULL, "2024-05-03", &j));
    SH_CHECK (s_int (j, "points_balance") == 70 && s_int (j, "minutes.earned") == 90);
    json_decref (j);
    //  since and as of together: a window
    SH_PASS (sh_report_build (sh_replica_store (r), "", "2024-05-10", "2024-06-04", &j));
    SH_CHECK (s_int (j, "matters") == 3 && s_int (j, "meetings") == 2 && s_int (j, "mediations") == 0);
    json_decref (j);
    sh_replica_close (&r);
    sh_test_rmdir (dir);
}

//  Ranks shared by equal areas (1, 2, 2, 4), groups named by their Region
//  records (else their code), and the regions a store knows (issue 13).
static void
test_ranks_names (void)
{
    char *dir = sh_test_tmpdir ();
    sh_replica_t *r;
    SH_PASS (sh_replica_create (&r, dir, S_VILLAGE));
    static const int level[4] = { 5, 3, 3, 2 };
    for (int i = 0; i < 4; i++) {
        char code[16];
        snprintf (code, sizeof code, "%s%03d", S_VILLAGE, i + 1);
        sh_ops_courtyard_t y = { .code = code, .name = "院", .households = 10, .elderly = SH_OPS_UNSET };
        S_OK (sh_ops_courtyard_add (r, &y, msg_));
        s_evaluate (r, code, "2024Q2", level[i]);
    }
    json_t *j;
    SH_PASS (sh_report_build (sh_replica_store (r), "", NULL, "2024-07-01", &j));
    json_t *yh = json_object_get (j, "courtyard_hexagons");
    static const int rank[4] = { 1, 2, 2, 4 };
    for (size_t i = 0; i < 4; i++)
        SH_CHECK (s_int (json_array_get (yh, i), "rank") == rank[i]);
    SH_CHECK (!strcmp (s_str (json_array_get (json_object_get (j, "village_hexagons"), 0), "name"), S_VILLAGE));
    json_decref (j);
    S_OK (sh_ops_region_set (r, S_VILLAGE, "桃花村", msg_));
    char msg[SH_OPS_MSG_BYTES];
    SH_CHECK (sh_ops_region_set (r, "500115002", "别镇", msg) == SH_ESCOPE && strstr (msg, "outside"));
    SH_PASS (sh_report_build (sh_replica_store (r), "", NULL, "2024-07-01", &j));
    SH_CHECK (!strcmp (s_str (json_array_get (json_object_get (j, "village_hexagons"), 0), "name"), "桃花村"));
    json_decref (j);
    bool known;
    SH_PASS (sh_report_known (sh_replica_store (r), S_VILLAGE, &known));
    SH_CHECK (known);
    SH_PASS (sh_report_known (sh_replica_store (r), "500115009", &known));
    SH_CHECK (!known);
    sh_replica_close (&r);
    sh_test_rmdir (dir);
}

static const sh_test_case_t tests[] = {
    { "ranks and names", test_ranks_names },
    { "days", test_days },
    { "report", test_report },
    { "escalations", test_escalations },
    { "movers", test_movers },
    { "as of", test_as_of },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
