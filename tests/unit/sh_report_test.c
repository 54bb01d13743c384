/*  sh_report_test -- a village replica with hand-written courtyards,
    matters, meetings, mediations, points and evaluations, and the exact
    report of it: totals, closure rate, medians, the 30-day rule with a
    fixed today, missed party-masses days, hexagons and --since.
*/
#include "sh_test.h"

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
    S_OK (sh_ops_matter_step (r, m3, "consult", NULL, "2024-05-03", msg_));
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
test_days (void)
{
    SH_CHECK (sh_report_days ("1970-01-01") == 0);
    SH_CHECK (sh_report_days ("2024-03-01") - sh_report_days ("2024-02-28") == 2);
    SH_CHECK (sh_report_days ("2024-6-1") == -1 && sh_report_days (NULL) == -1);
    SH_CHECK (sh_report_days ("2024-06-01x") == -1);
}

static const sh_test_case_t tests[] = {
    { "days", test_days },
    { "report", test_report },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
