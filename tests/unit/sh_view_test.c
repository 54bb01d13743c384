/*  sh_view_test -- the JSON views of the merged state (sh_view) on real
    replicas written through sh_ops: two village replicas that exchange
    their logs after concurrent writes, then each view with its members
    (in the order docs/protocol.md section 12 gives), its filters, its
    unknown ids, and the conflicts the views expose (a refused escalation,
    an overdrawn balance, two courtyard heads) and the implausible records
    another writer sent (issue 12).
*/
#include "sh_test.h"
#include "sh_test_sync.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sh_changelog.h"
#include "sh_conflicts.h"
#include "sh_crypto.h"
#include "sh_domain.h"
#include "sh_merge.h"
#include "sh_ops.h"
#include "sh_replica.h"
#include "sh_store.h"
#include "sh_view.h"
#include "shouhe/v1/domain.pb-c.h"

#define S_VILLAGE "500115001001"
#define S_Y1 "500115001001001"
#define S_Y2 "500115001001002"
#define S_UNKNOWN_ID "0123456789abcdef0123456789abcdef"

#define S_OK(call) do { char msg_[SH_OPS_MSG_BYTES] = ""; sh_err rc_ = (call); \
    if (rc_) { fprintf (stderr, "refused: %s\n", msg_); } \
    SH_PASS (rc_); } while (0)

/* --------------------------------------------------------------------------
 * Helpers
 * -------------------------------------------------------------------------- */

//  The member names of object j, in order, comma-separated.
static const char *
s_keys (json_t *j)
{
    static char buf[1024];
    buf[0] = 0;
    const char *k;
    json_t *v;
    json_object_foreach (j, k, v) {
        size_t n = strlen (buf);
        snprintf (buf + n, sizeof buf - n, "%s%s", n ? "," : "", k);
    }
    return buf;
}

static void
s_keys_are (json_t *j, const char *want)
{
    if (strcmp (s_keys (j), want) != 0) {
        fprintf (stderr, "members '%s', expected '%s'\n", s_keys (j), want);
        SH_CHECK (0);
    }
}

static const char *
s_str (json_t *j, const char *key)
{
    const char *s = json_string_value (json_object_get (j, key));
    if (!s) {
        fprintf (stderr, "no string member '%s' in {%s}\n", key, s_keys (j));
        SH_CHECK (0);
    }
    return s;
}

static json_int_t
s_int (json_t *j, const char *key)
{
    json_t *v = json_object_get (j, key);
    if (!json_is_integer (v)) {
        fprintf (stderr, "no integer member '%s' in {%s}\n", key, s_keys (j));
        SH_CHECK (0);
    }
    return json_integer_value (v);
}

/* --------------------------------------------------------------------------
 * The fixture: replicas a and b of one village
 * -------------------------------------------------------------------------- */

typedef struct {
    char *da, *db;                    //  their directories (owned)
    sh_replica_t *a, *b;              //  the replicas
    sh_store_t *store;                //  a's store, where the views read
    char p1[SH_OPS_ID_HEX], p2[SH_OPS_ID_HEX], p3[SH_OPS_ID_HEX];   //  persons
    char m1[SH_OPS_ID_HEX], m2[SH_OPS_ID_HEX];                      //  matters
} s_fx_t;

static void
s_fx_init (s_fx_t *fx)
{
    fx->da = sh_test_tmpdir ();
    fx->db = sh_test_tmpdir ();
    SH_PASS (sh_replica_create (&fx->a, fx->da, S_VILLAGE));
    SH_PASS (sh_replica_create (&fx->b, fx->db, S_VILLAGE));
    sh_replica_t *a = fx->a;
    sh_ops_courtyard_t y1 = { .code = S_Y1, .name = "黄家院", .households = 18, .residents = 52, .elderly = 14,
                              .model = true, .point = "fixed", .grid = "网格一", .villager_group = "一组" };
    sh_ops_courtyard_t y2 = { .code = S_Y2, .name = "李家湾", .households = 9, .residents = SH_OPS_UNSET,
                              .elderly = SH_OPS_UNSET };
    S_OK (sh_ops_courtyard_add (a, &y1, msg_));
    S_OK (sh_ops_courtyard_add (a, &y2, msg_));
    sh_ops_person_t p1 = { .name = "张三", .courtyard = S_Y1, .gender = "female", .birth_year = 1960,
                           .party_member = true };
    sh_ops_person_t p2 = { .name = "李四", .courtyard = S_Y1 };
    sh_ops_person_t p3 = { .name = "王五", .courtyard = S_Y2, .phone = "13800000000" };
    S_OK (sh_ops_person_add (a, &p1, fx->p1, msg_));
    S_OK (sh_ops_person_add (a, &p2, fx->p2, msg_));
    S_OK (sh_ops_person_add (a, &p3, fx->p3, msg_));
    //  two courtyard heads in Y1: a conflict the view names
    S_OK (sh_ops_role_assign (a, fx->p1, "courtyard_head", "self", "2024-01-15", msg_));
    S_OK (sh_ops_role_assign (a, fx->p2, "courtyard_head", NULL, "2024-02-01", msg_));
    //  m1 closed, m2 open
    S_OK (sh_ops_matter_open (a, S_Y1, "environment", "清理排水沟", "雨后堵塞", "2024-06-01", fx->m1, msg_));
    S_OK (sh_ops_matter_step (a, fx->m1, "handle", NULL, "2024-06-02", msg_));
    S_OK (sh_ops_matter_step (a, fx->m1, "feedback", "residents informed", "2024-06-03", msg_));
    S_OK (sh_ops_matter_close (a, fx->m1, 4, NULL, "2024-06-05", msg_));
    S_OK (sh_ops_matter_open (a, S_Y2, "policy", "医保宣讲", NULL, "2024-06-10", fx->m2, msg_));
    char id[SH_OPS_ID_HEX];
    const char *topics[] = { "修路", "water" };
    sh_ops_meeting_t mt1 = { .courtyard = S_Y1, .kind = "party-masses-day", .date = "2024-06-10",
                             .attendance = 20, .topics = topics, .n_topics = 2 };
    sh_ops_meeting_t mt2 = { .courtyard = S_Y2, .kind = "deliberation", .date = "2024-06-12",
                             .attendance = SH_OPS_UNSET, .location = "议事站" };
    S_OK (sh_ops_meeting_record (a, &mt1, id, msg_));
    S_OK (sh_ops_meeting_record (a, &mt2, id, msg_));
    sh_ops_mediation_t md = { .courtyard = S_Y1, .level = "courtyard", .kind = "family", .outcome = "resolved",
                              .date = "2024-06-04", .parties = 2, .matter_hex = fx->m1 };
    S_OK (sh_ops_mediation_record (a, &md, id, msg_));
    S_OK (sh_ops_points (a, fx->p1, false, "points", 20, "清扫", "2024-05-01", msg_));
    S_OK (sh_ops_points (a, fx->p1, false, "minutes", 30, "陪伴", "2024-05-02", msg_));
    S_OK (sh_ops_points (a, fx->p1, true, "points", 5, "兑换", "2024-05-03", msg_));
    static const char *const cats[] = { "policy", "deliberation", "mediation", "environment", "customs",
                                        "economy" };
    for (size_t i = 0; i < 6; i++) {
        int level;
        S_OK (sh_ops_evaluate (a, S_Y1, "2024Q1", cats[i], 5, 5, 5, &level, msg_));
        S_OK (sh_ops_evaluate (a, S_Y1, "2024Q2", cats[i], i ? 4 : 8, i ? 4 : 8, i ? 4 : 8, &level, msg_));
    }
    //  b learns all that, then both write concurrently: the same escalation
    //  (the later one is refused) and a redemption each (together they
    //  overdraw the balance of 15)
    sh_test_sync (a, fx->b);
    S_OK (sh_ops_matter_escalate (a, fx->m2, "small", NULL, "2024-06-11", msg_));
    S_OK (sh_ops_matter_escalate (fx->b, fx->m2, "small", NULL, "2024-06-12", msg_));
    S_OK (sh_ops_points (a, fx->p1, true, "points", 10, NULL, "2024-06-20", msg_));
    S_OK (sh_ops_points (fx->b, fx->p1, true, "points", 10, NULL, "2024-06-21", msg_));
    sh_test_sync (fx->b, a);
    sh_test_sync (a, fx->b);
    fx->store = sh_replica_store (a);
}

static void
s_fx_fini (s_fx_t *fx)
{
    sh_replica_close (&fx->a);
    sh_replica_close (&fx->b);
    sh_test_rmdir (fx->da);
    sh_test_rmdir (fx->db);
}

/* --------------------------------------------------------------------------
 * Tests
 * -------------------------------------------------------------------------- */

static void
test_courtyards_persons (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    json_t *j;
    SH_PASS (sh_view_courtyards (fx.store, "", &j));
    SH_CHECK (json_array_size (j) == 2);
    json_t *y = json_array_get (j, 0);
    //  the record's fields in field-number order, then id (the code: a natural key) and region
    s_keys_are (y, "code,name,village,households,residents,elderly,model,point,grid,villager_group,id,region");
    SH_CHECK (!strcmp (s_str (y, "code"), S_Y1) && !strcmp (s_str (y, "name"), "黄家院"));
    SH_CHECK (!strcmp (s_str (y, "village"), S_VILLAGE) && s_int (y, "households") == 18);
    SH_CHECK (s_int (y, "residents") == 52 && s_int (y, "elderly") == 14);
    SH_CHECK (json_is_true (json_object_get (y, "model")) && !strcmp (s_str (y, "point"), "fixed"));
    SH_CHECK (!strcmp (s_str (y, "id"), S_Y1) && !strcmp (s_str (y, "region"), S_Y1));
    y = json_array_get (j, 1);
    s_keys_are (y, "code,name,village,households,model,id,region");
    SH_CHECK (json_is_false (json_object_get (y, "model")));
    json_decref (j);
    //  a prefix: one courtyard, another village's: none
    SH_PASS (sh_view_courtyards (fx.store, S_Y2, &j));
    SH_CHECK (json_array_size (j) == 1 && !strcmp (s_str (json_array_get (j, 0), "code"), S_Y2));
    json_decref (j);
    SH_PASS (sh_view_courtyards (fx.store, "500115001002", &j));
    SH_CHECK (json_is_array (j) && json_array_size (j) == 0);
    json_decref (j);

    //  one courtyard: persons, matters and roles with the holders' names
    SH_PASS (sh_view_courtyard (fx.store, S_Y1, &j));
    s_keys_are (j, "code,name,village,households,residents,elderly,model,point,grid,villager_group,id,region,"
                   "persons,matters_open,matters_closed,roles");
    SH_CHECK (s_int (j, "persons") == 2 && s_int (j, "matters_open") == 0 && s_int (j, "matters_closed") == 1);
    json_t *roles = json_object_get (j, "roles");
    SH_CHECK (json_array_size (roles) == 2);
    size_t i;
    json_t *ro;
    int zhang = 0, li = 0;
    json_array_foreach (roles, i, ro) {
        SH_CHECK (!strcmp (s_str (ro, "role"), "courtyard_head") && !strcmp (s_str (ro, "status"), "appointed"));
        SH_CHECK (!strcmp (s_str (ro, "courtyard"), S_Y1) && !strcmp (s_str (ro, "region"), S_Y1));
        SH_CHECK (strlen (s_str (ro, "id")) == 34 && strlen (s_str (ro, "person")) == 32);
        SH_CHECK (!strncmp (s_str (ro, "id"), s_str (ro, "person"), 32));   //  person id || role byte
        SH_CHECK (!strcmp (s_str (ro, "id") + 32, "01"));
        if (!strcmp (s_str (ro, "name"), "张三")) {
            zhang++;
            SH_CHECK (!strcmp (s_str (ro, "person"), fx.p1) && !strcmp (s_str (ro, "nomination"), "self"));
            SH_CHECK (!strcmp (s_str (ro, "appointed_on"), "2024-01-15"));
        }
        else {
            li++;
            SH_CHECK (!strcmp (s_str (ro, "name"), "李四") && !json_object_get (ro, "nomination"));
        }
    }
    SH_CHECK (zhang == 1 && li == 1);
    json_decref (j);
    SH_PASS (sh_view_courtyard (fx.store, S_Y2, &j));
    SH_CHECK (s_int (j, "persons") == 1 && s_int (j, "matters_open") == 1);
    SH_CHECK (json_array_size (json_object_get (j, "roles")) == 0);
    json_decref (j);
    //  unknown courtyards, and codes that are not one courtyard's
    j = NULL;
    SH_FAIL (sh_view_courtyard (fx.store, "500115001001009", &j), SH_ENOTFOUND);
    SH_FAIL (sh_view_courtyard (fx.store, S_VILLAGE, &j), SH_ENOTFOUND);
    SH_FAIL (sh_view_courtyard (fx.store, "", &j), SH_ENOTFOUND);
    SH_CHECK (j == NULL);

    //  persons
    SH_PASS (sh_view_persons (fx.store, "", &j));
    SH_CHECK (json_array_size (j) == 3);
    json_t *p;
    int seen = 0;
    json_array_foreach (j, i, p) {
        SH_CHECK (strlen (s_str (p, "id")) == 32 && !strcmp (s_str (p, "region"), s_str (p, "courtyard")));
        if (!strcmp (s_str (p, "id"), fx.p1)) {
            s_keys_are (p, "name,courtyard,gender,birth_year,party_member,id,region");
            SH_CHECK (!strcmp (s_str (p, "name"), "张三") && !strcmp (s_str (p, "gender"), "female"));
            SH_CHECK (s_int (p, "birth_year") == 1960 && json_is_true (json_object_get (p, "party_member")));
            seen++;
        }
        if (!strcmp (s_str (p, "id"), fx.p3)) {
            SH_CHECK (!strcmp (s_str (p, "phone"), "13800000000") && !strcmp (s_str (p, "region"), S_Y2));
            seen++;
        }
    }
    SH_CHECK (seen == 2);
    json_decref (j);
    SH_PASS (sh_view_persons (fx.store, S_Y2, &j));
    SH_CHECK (json_array_size (j) == 1 && !strcmp (s_str (json_array_get (j, 0), "name"), "王五"));
    json_decref (j);
    s_fx_fini (&fx);
}

static void
test_matters (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    json_t *j;
    SH_PASS (sh_view_matter (fx.store, fx.m1, &j));
    s_keys_are (j, "courtyard,category,title,description,opened_on,id,region,events,tier,step,closed,"
                   "satisfaction,escalations,conflicts");
    SH_CHECK (!strcmp (s_str (j, "category"), "environment") && !strcmp (s_str (j, "title"), "清理排水沟"));
    SH_CHECK (!strcmp (s_str (j, "id"), fx.m1) && !strcmp (s_str (j, "region"), S_Y1));
    SH_CHECK (!strcmp (s_str (j, "tier"), "micro") && !strcmp (s_str (j, "step"), "feedback"));
    SH_CHECK (json_is_true (json_object_get (j, "closed")) && s_int (j, "satisfaction") == 4);
    SH_CHECK (s_int (j, "escalations") == 0 && s_int (j, "conflicts") == 0);
    json_t *ev = json_object_get (j, "events");
    SH_CHECK (json_array_size (ev) == 3);
    s_keys_are (json_array_get (ev, 1), "kind,step,note,date,hlc,author,who,at");
    SH_CHECK (strlen (s_str (json_array_get (ev, 1), "who")) == 8);     //  no enrolled name: the key's 8 hex digits
    SH_CHECK (!strcmp (s_str (json_array_get (ev, 0), "step"), "handle"));
    SH_CHECK (!strcmp (s_str (json_array_get (ev, 1), "note"), "residents informed"));
    SH_CHECK (!strcmp (s_str (json_array_get (ev, 2), "kind"), "close"));
    SH_CHECK (s_int (json_array_get (ev, 2), "satisfaction") == 4);
    SH_CHECK (s_int (json_array_get (ev, 0), "hlc") < s_int (json_array_get (ev, 1), "hlc"));
    SH_CHECK (strlen (s_str (json_array_get (ev, 0), "author")) == 64);
    json_decref (j);

    //  m2: both replicas escalated it; the later escalation is the conflict
    SH_PASS (sh_view_matter (fx.store, fx.m2, &j));
    SH_CHECK (!strcmp (s_str (j, "tier"), "small") && !strcmp (s_str (j, "step"), "diagnose"));
    SH_CHECK (json_is_false (json_object_get (j, "closed")) && !json_object_get (j, "satisfaction"));
    SH_CHECK (s_int (j, "escalations") == 1 && s_int (j, "conflicts") == 1);
    ev = json_object_get (j, "events");
    SH_CHECK (json_array_size (ev) == 2);
    SH_CHECK (!json_object_get (json_array_get (ev, 0), "conflict"));
    SH_CHECK (strstr (s_str (json_array_get (ev, 1), "conflict"), "upwards"));
    SH_CHECK (strcmp (s_str (json_array_get (ev, 0), "author"), s_str (json_array_get (ev, 1), "author")) != 0);
    json_decref (j);
    //  the same on the other replica
    SH_PASS (sh_view_matter (sh_replica_store (fx.b), fx.m2, &j));
    SH_CHECK (s_int (j, "conflicts") == 1 && !strcmp (s_str (j, "tier"), "small"));
    json_decref (j);
    j = NULL;
    SH_FAIL (sh_view_matter (fx.store, S_UNKNOWN_ID, &j), SH_ENOTFOUND);
    SH_FAIL (sh_view_matter (fx.store, "not hex", &j), SH_ENOTFOUND);
    SH_FAIL (sh_view_matter (fx.store, fx.p1, &j), SH_ENOTFOUND);   //  a person, not a matter
    SH_CHECK (j == NULL);

    //  the list: derived state, no events
    SH_PASS (sh_view_matters (fx.store, "", &j));
    SH_CHECK (json_array_size (j) == 2);
    size_t i;
    json_t *m;
    json_array_foreach (j, i, m) {
        SH_CHECK (!json_object_get (m, "events") && json_object_get (m, "tier") && json_object_get (m, "closed"));
        SH_CHECK (!strcmp (s_str (m, "id"), !strcmp (s_str (m, "region"), S_Y1) ? fx.m1 : fx.m2));
    }
    json_decref (j);
    SH_PASS (sh_view_matters (fx.store, S_Y2, &j));
    SH_CHECK (json_array_size (j) == 1 && !strcmp (s_str (json_array_get (j, 0), "title"), "医保宣讲"));
    SH_CHECK (!json_object_get (json_array_get (j, 0), "description"));
    json_decref (j);
    s_fx_fini (&fx);
}

static void
test_meetings_mediations (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    json_t *j;
    SH_PASS (sh_view_meetings (fx.store, "", &j));
    SH_CHECK (json_array_size (j) == 2);
    json_t *mt = json_array_get (j, 0);
    if (strcmp (s_str (mt, "region"), S_Y1) != 0)
        mt = json_array_get (j, 1);
    s_keys_are (mt, "courtyard,kind,date,attendance,topics,id,region");
    SH_CHECK (!strcmp (s_str (mt, "kind"), "party_masses_day") && s_int (mt, "attendance") == 20);
    json_t *t = json_object_get (mt, "topics");
    SH_CHECK (json_array_size (t) == 2 && !strcmp (json_string_value (json_array_get (t, 0)), "修路"));
    SH_CHECK (strlen (s_str (mt, "id")) == 32);
    json_decref (j);
    SH_PASS (sh_view_meetings (fx.store, S_Y2, &j));
    SH_CHECK (json_array_size (j) == 1);
    s_keys_are (json_array_get (j, 0), "courtyard,kind,date,location,id,region");
    json_decref (j);

    SH_PASS (sh_view_mediations (fx.store, S_VILLAGE, &j));
    SH_CHECK (json_array_size (j) == 1);
    json_t *md = json_array_get (j, 0);
    s_keys_are (md, "courtyard,level,kind,outcome,date,parties,matter,id,region");
    SH_CHECK (!strcmp (s_str (md, "level"), "courtyard") && !strcmp (s_str (md, "kind"), "family"));
    SH_CHECK (!strcmp (s_str (md, "outcome"), "resolved") && s_int (md, "parties") == 2);
    SH_CHECK (!strcmp (s_str (md, "matter"), fx.m1));   //  bytes as lower-case hex
    json_decref (j);
    SH_PASS (sh_view_mediations (fx.store, S_Y2, &j));
    SH_CHECK (json_array_size (j) == 0);
    json_decref (j);
    s_fx_fini (&fx);
}

static void
test_balances (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    json_t *j;
    //  20 earned, 5 + 10 + 10 redeemed: the concurrent redemptions overdrew by 5
    SH_PASS (sh_view_balances (fx.store, NULL, fx.p1, &j));
    s_keys_are (j, "person,region,name,points,minutes,conflicts");
    SH_CHECK (!strcmp (s_str (j, "person"), fx.p1) && !strcmp (s_str (j, "region"), S_Y1));
    SH_CHECK (!strcmp (s_str (j, "name"), "张三") && s_int (j, "conflicts") == 1);
    json_t *p = json_object_get (j, "points"), *mi = json_object_get (j, "minutes");
    s_keys_are (p, "earned,redeemed,balance");
    SH_CHECK (s_int (p, "earned") == 20 && s_int (p, "redeemed") == 25 && s_int (p, "balance") == -5);
    SH_CHECK (s_int (mi, "earned") == 30 && s_int (mi, "redeemed") == 0 && s_int (mi, "balance") == 30);
    json_decref (j);
    //  a person without entries: zeros
    SH_PASS (sh_view_balances (fx.store, NULL, fx.p3, &j));
    SH_CHECK (s_int (json_object_get (j, "points"), "balance") == 0 && s_int (j, "conflicts") == 0);
    SH_CHECK (!strcmp (s_str (j, "name"), "王五"));
    json_decref (j);
    //  every account with entries under a prefix
    SH_PASS (sh_view_balances (fx.store, "", NULL, &j));
    SH_CHECK (json_array_size (j) == 1 && !strcmp (s_str (json_array_get (j, 0), "person"), fx.p1));
    json_decref (j);
    SH_PASS (sh_view_balances (fx.store, S_Y2, NULL, &j));
    SH_CHECK (json_array_size (j) == 0);
    json_decref (j);
    j = NULL;
    SH_FAIL (sh_view_balances (fx.store, NULL, S_UNKNOWN_ID, &j), SH_ENOTFOUND);
    SH_FAIL (sh_view_balances (fx.store, NULL, "zz", &j), SH_ENOTFOUND);
    SH_CHECK (j == NULL);
    s_fx_fini (&fx);
}

static void
test_hexagon (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    json_t *j;
    //  the latest period: policy 8, the others 4
    SH_PASS (sh_view_hexagon (fx.store, S_Y1, NULL, &j));
    s_keys_are (j, "courtyard,period,levels,area");
    SH_CHECK (!strcmp (s_str (j, "courtyard"), S_Y1) && !strcmp (s_str (j, "period"), "2024Q2"));
    json_t *lv = json_object_get (j, "levels");
    s_keys_are (lv, "policy,deliberation,mediation,environment,customs,economy");
    SH_CHECK (s_int (lv, "policy") == 8 && s_int (lv, "economy") == 4);
    //  sqrt(3)/4 * (8*4 + 4*4*4 + 4*8)
    double want = sqrt (3.0) / 4.0 * (32 + 64 + 32);
    SH_CHECK (fabs (json_number_value (json_object_get (j, "area")) - want) < 1e-9);
    json_decref (j);
    SH_PASS (sh_view_hexagon (fx.store, S_Y1, "2024Q1", &j));
    SH_CHECK (s_int (json_object_get (j, "levels"), "policy") == 5);
    SH_CHECK (fabs (json_number_value (json_object_get (j, "area")) - sqrt (3.0) / 4.0 * 150) < 1e-9);
    json_decref (j);
    j = NULL;
    SH_FAIL (sh_view_hexagon (fx.store, S_Y1, "2023Q4", &j), SH_ENOTFOUND);
    SH_FAIL (sh_view_hexagon (fx.store, S_Y2, NULL, &j), SH_ENOTFOUND);        //  never evaluated
    SH_FAIL (sh_view_hexagon (fx.store, S_VILLAGE, NULL, &j), SH_ENOTFOUND);   //  not one courtyard
    SH_CHECK (j == NULL);
    s_fx_fini (&fx);
}

static void
test_conflicts (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    json_t *j;
    SH_PASS (sh_conflicts_view (fx.store, "", &j));
    SH_CHECK (json_array_size (j) == 3);
    bool matter = false, ledger = false, role = false;
    size_t i;
    json_t *c;
    json_array_foreach (j, i, c) {
        const char *kind = s_str (c, "kind");
        if (!strcmp (kind, "matter")) {
            s_keys_are (c, "kind,region,entity,hlc,author,reason");
            SH_CHECK (!strcmp (s_str (c, "entity"), fx.m2) && !strcmp (s_str (c, "region"), S_Y2));
            SH_CHECK (strstr (s_str (c, "reason"), "upwards") && strlen (s_str (c, "author")) == 64);
            matter = true;
        }
        else
        if (!strcmp (kind, "ledger")) {
            SH_CHECK (!strcmp (s_str (c, "entity"), fx.p1) && !strcmp (s_str (c, "region"), S_Y1));
            SH_CHECK (strstr (s_str (c, "reason"), "overdraws") && s_int (c, "hlc") > 0);
            ledger = true;
        }
        else {
            SH_CHECK (!strcmp (kind, "role"));
            s_keys_are (c, "kind,region,reason");
            SH_CHECK (!strcmp (s_str (c, "region"), S_Y1));
            SH_CHECK (!strcmp (s_str (c, "reason"), "2 persons hold the role courtyard_head at once"));
            role = true;
        }
    }
    SH_CHECK (matter && ledger && role);
    json_decref (j);
    //  the other replica sees the same; a prefix keeps its own
    SH_PASS (sh_conflicts_view (sh_replica_store (fx.b), "", &j));
    SH_CHECK (json_array_size (j) == 3);
    json_decref (j);
    SH_PASS (sh_conflicts_view (fx.store, S_Y2, &j));
    SH_CHECK (json_array_size (j) == 1 && !strcmp (s_str (json_array_get (j, 0), "kind"), "matter"));
    json_decref (j);
    SH_PASS (sh_conflicts_view (fx.store, "500115001002", &j));
    SH_CHECK (json_is_array (j) && json_array_size (j) == 0);
    json_decref (j);
    s_fx_fini (&fx);
}

//  b writes one change the way an older or a careless writer could: body
//  straight to sh_replica_write, no checks of sh_ops.
static void
s_raw (sh_replica_t *b, sh_kind_t kind, const uint8_t *id, size_t id_len, sh_op_t op, const ProtobufCMessage *m)
{
    uint8_t body[1024];
    size_t len = protobuf_c_message_pack (m, body);
    SH_CHECK (len < sizeof body);
    sh_store_txn_t *txn;
    SH_PASS (sh_replica_begin (b, &txn));
    SH_PASS (sh_replica_write (b, txn, S_Y1, kind, id, id_len, op, body, len, NULL));
    SH_PASS (sh_store_commit (&txn));
}

//  The implausible entry of conflicts list j about field of record: its
//  members in order, its value, and a reason naming every word.
static json_t *
s_implausible (json_t *j, const char *record, const char *field, const char *value, const char *reason)
{
    size_t i;
    json_t *c;
    json_array_foreach (j, i, c)
        if (!strcmp (s_str (c, "kind"), "implausible") && !strcmp (s_str (c, "record"), record)
        &&  !strcmp (s_str (c, "field"), field)) {
            s_keys_are (c, "kind,record,region,entity,field,value,hlc,reason");
            SH_CHECK (!strcmp (s_str (c, "region"), S_Y1) && !strcmp (s_str (c, "value"), value));
            SH_CHECK (s_int (c, "hlc") > 0);
            if (!strstr (s_str (c, "reason"), reason)) {
                fprintf (stderr, "reason '%s' does not say '%s'\n", s_str (c, "reason"), reason);
                SH_CHECK (0);
            }
            return c;
        }
    fprintf (stderr, "no implausible %s.%s in %s\n", record, field, json_dumps (j, 0));
    SH_CHECK (0);
    return NULL;
}

//  Records from another writer that break a plausibility rule are merged
//  and kept (both replicas hold the same state) and listed by the
//  conflicts view as "implausible" warnings after the conflicts.
static void
test_implausible (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    json_t *j;
    //  b writes, unchecked: a person born in 2030 with the phone number abc, a
    //  meeting two years ahead with 500 attendees (Y1 has 52 residents), a step
    //  dated before its matter was opened, points dated two years ahead
    char ahead[24], year[8];
    sh_ops_today (fx.b, ahead);
    snprintf (year, sizeof year, "%.4s", ahead);
    snprintf (ahead, sizeof ahead, "%d-01-01", atoi (year) + 2);
    uint8_t pid[16], mid[16], matter[16], person[16];
    sh_crypto_random (pid, sizeof pid);
    sh_crypto_random (mid, sizeof mid);
    SH_PASS (sh_crypto_unhex (matter, sizeof matter, fx.m1));
    SH_PASS (sh_crypto_unhex (person, sizeof person, fx.p1));
    Shouhe__V1__Person p = SHOUHE__V1__PERSON__INIT;
    p.name = (char *) "未生";
    p.courtyard = (char *) S_Y1;
    p.has_birth_year = 1;
    p.birth_year = 2030;
    p.phone = (char *) "abc";
    s_raw (fx.b, SH_KIND_PERSON, pid, sizeof pid, SH_OP_PUT, &p.base);
    Shouhe__V1__Meeting mt = SHOUHE__V1__MEETING__INIT;
    mt.courtyard = (char *) S_Y1;
    mt.date = ahead;
    mt.has_attendance = 1;
    mt.attendance = 500;
    s_raw (fx.b, SH_KIND_MEETING, mid, sizeof mid, SH_OP_PUT, &mt.base);
    Shouhe__V1__MatterEvent e = SHOUHE__V1__MATTER_EVENT__INIT;
    e.has_kind = 1;
    e.kind = SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_STEP;
    e.has_step = 1;
    e.step = SHOUHE__V1__STEP__STEP_HANDLE;
    e.date = (char *) "2024-05-31";   //  m1 was opened on 2024-06-01
    s_raw (fx.b, SH_KIND_MATTER_EVENT, matter, sizeof matter, SH_OP_EVENT, &e.base);
    Shouhe__V1__LedgerEntry l = SHOUHE__V1__LEDGER_ENTRY__INIT;
    l.has_kind = 1;
    l.kind = SHOUHE__V1__LEDGER_KIND__LEDGER_EARN;
    l.has_unit = 1;
    l.unit = SHOUHE__V1__LEDGER_UNIT__UNIT_POINTS;
    l.has_amount = 1;
    l.amount = 5;
    l.date = ahead;
    l.courtyard = (char *) S_Y1;
    s_raw (fx.b, SH_KIND_LEDGER, person, sizeof person, SH_OP_EVENT, &l.base);
    //  merged and kept by a: same state as b's
    SH_CHECK (sh_test_sync (fx.b, fx.a) == 4);
    uint8_t da[SH_HASH_BYTES], db[SH_HASH_BYTES];
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx.store, false, &txn));
    SH_PASS (sh_merge_digest (txn, NULL, da));
    sh_store_abort (&txn);
    SH_PASS (sh_store_begin (sh_replica_store (fx.b), false, &txn));
    SH_PASS (sh_merge_digest (txn, NULL, db));
    sh_store_abort (&txn);
    SH_CHECK (memcmp (da, db, sizeof da) == 0);

    for (int k = 0; k < 2; k++) {
        SH_PASS (sh_conflicts_view (k ? sh_replica_store (fx.b) : fx.store, "", &j));
        //  the four conflicts first (the three of the fixture, and the step
        //  on m1 comes after its closing), then six warnings
        SH_CHECK (json_array_size (j) == 10);
        for (size_t i = 0; i < 4; i++)
            SH_CHECK (strcmp (s_str (json_array_get (j, i), "kind"), "implausible") != 0);
        json_t *c = s_implausible (j, "person", "birth_year", "2030", "birth year 2030 is not plausible");
        char hex[33];
        sh_crypto_hex (hex, pid, sizeof pid);
        SH_CHECK (!strcmp (s_str (c, "entity"), hex));
        s_implausible (j, "person", "phone", "abc", "the phone number 'abc' is not well-formed");
        c = s_implausible (j, "meeting", "date", ahead, "days after the day it was written at UTC+14");
        sh_crypto_hex (hex, mid, sizeof mid);
        SH_CHECK (!strcmp (s_str (c, "entity"), hex));
        s_implausible (j, "meeting", "attendance", "500", "52 residents plus 0 invited");
        c = s_implausible (j, "matter_event", "date", "2024-05-31",
                           "the event date 2024-05-31 is before the matter was opened (2024-06-01)");
        SH_CHECK (!strcmp (s_str (c, "entity"), fx.m1));
        s_implausible (j, "ledger", "date", ahead, "the points date");
        json_decref (j);
    }
    //  the shown view (text output) is the same list with the reasons in the
    //  locale's language: English here, where no catalogue is bound
    json_t *shown;
    SH_PASS (sh_conflicts_view (fx.store, "", &j));
    SH_PASS (sh_conflicts_view_shown (fx.store, "", &shown));
    SH_CHECK (json_array_size (j) == 10 && json_equal (j, shown));
    json_decref (shown);
    json_decref (j);
    //  a prefix outside Y1 has none of them
    SH_PASS (sh_conflicts_view (fx.store, S_Y2, &j));
    SH_CHECK (json_array_size (j) == 1);
    json_decref (j);
    //  the matter keeps the step among its events (merge is not judged)
    SH_PASS (sh_view_matter (fx.store, fx.m1, &j));
    SH_CHECK (json_array_size (json_object_get (j, "events")) == 4);
    json_decref (j);
    s_fx_fini (&fx);
}

static void
test_log (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    sh_store_txn_t *txn;
    uint64_t size;
    SH_PASS (sh_store_begin (fx.store, false, &txn));
    SH_PASS (sh_changelog_size (txn, &size));
    sh_store_abort (&txn);
    json_t *j;
    SH_PASS (sh_view_log (fx.store, &j));
    SH_CHECK (json_array_size (j) == size && size > 30);
    json_t *e = json_array_get (j, 0);
    s_keys_are (e, "index,author,seq,hlc,time_ms,region,kind,op,entity,hash,bytes");
    SH_CHECK (s_int (e, "index") == 1 && s_int (e, "seq") == 1);
    SH_CHECK (!strcmp (s_str (e, "kind"), "courtyard") && !strcmp (s_str (e, "op"), "put"));
    SH_CHECK (!strcmp (s_str (e, "entity"), S_Y1) && !strcmp (s_str (e, "region"), S_Y1));   //  a natural key
    SH_CHECK (s_int (e, "time_ms") == s_int (e, "hlc") >> 16);
    SH_CHECK (strlen (s_str (e, "hash")) == 64 && strlen (s_str (e, "author")) == 64 && s_int (e, "bytes") > 0);
    //  a's own changes, then b's in its log; every index once, in order
    size_t i;
    bool events = false, other_author = false;
    json_array_foreach (j, i, e) {
        SH_CHECK (s_int (e, "index") == (json_int_t) i + 1);
        if (!strcmp (s_str (e, "op"), "event"))
            events = true;
        if (strcmp (s_str (e, "author"), s_str (json_array_get (j, 0), "author")) != 0)
            other_author = true;
    }
    SH_CHECK (events && other_author);
    json_decref (j);
    //  an empty replica: an empty log
    char *dir = sh_test_tmpdir ();
    sh_replica_t *r;
    SH_PASS (sh_replica_create (&r, dir, S_VILLAGE));
    SH_PASS (sh_view_log (sh_replica_store (r), &j));
    SH_CHECK (json_is_array (j) && json_array_size (j) == 0);
    json_decref (j);
    sh_replica_close (&r);
    sh_test_rmdir (dir);
    s_fx_fini (&fx);
}

static const sh_test_case_t tests[] = {
    { "courtyards and persons", test_courtyards_persons },
    { "matters", test_matters },
    { "meetings and mediations", test_meetings_mediations },
    { "balances", test_balances },
    { "hexagon", test_hexagon },
    { "conflicts", test_conflicts },
    { "implausible", test_implausible },
    { "log", test_log },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
