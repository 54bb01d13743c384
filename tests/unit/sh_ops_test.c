/*  sh_ops_test -- the domain operations on a real replica, their refusals
    (return code, a message naming the cause, and no change to the state or
    the log), CSV import (sh_import), the JSON views, and two replicas of
    one village exchanging their logs: duplicates, equal digests, one
    conflict each.
*/
#include "sh_test.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sh_changelog.h"
#include "sh_conflicts.h"
#include "sh_crypto.h"
#include "sh_import.h"
#include "sh_merge.h"
#include "sh_ops.h"
#include "sh_replica.h"
#include "sh_store.h"
#include "sh_view.h"

#define S_VILLAGE "500115001001"
#define S_YARD "500115001001001"
#define S_YARD2 "500115001001002"
#define S_OTHER_VILLAGE_YARD "500115001002001"

/* --------------------------------------------------------------------------
 * Helpers
 * -------------------------------------------------------------------------- */

typedef struct {
    char *dir;               //  temp directory (owned)
    sh_replica_t *r;         //  the replica
} s_node_t;

static void
s_node_open (s_node_t *n, const char *scope)
{
    n->dir = sh_test_tmpdir ();
    SH_PASS (sh_replica_create (&n->r, n->dir, scope));
    SH_CHECK (strcmp (sh_replica_scope (n->r), scope) == 0);
}

static void
s_node_close (s_node_t *n)
{
    sh_replica_close (&n->r);
    sh_test_rmdir (n->dir);
}

//  Digest of everything and the log size: what a refusal must not change.
typedef struct {
    uint8_t digest[SH_HASH_BYTES];
    uint64_t log;
} s_snap_t;

static void
s_snap (sh_replica_t *r, s_snap_t *s)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (sh_replica_store (r), false, &txn));
    SH_PASS (sh_merge_digest (txn, NULL, s->digest));
    SH_PASS (sh_changelog_size (txn, &s->log));
    sh_store_abort (&txn);
}

static bool
s_snap_equal (const s_snap_t *a, const s_snap_t *b)
{
    return memcmp (a->digest, b->digest, SH_HASH_BYTES) == 0 && a->log == b->log;
}

static void
s_names (const char *msg, const char *const *words)
{
    if (!*msg) {
        fprintf (stderr, "empty message\n");
        SH_CHECK (0);
    }
    for (; *words; words++)
        if (!strstr (msg, *words)) {
            fprintf (stderr, "message '%s' does not name '%s'\n", msg, *words);
            SH_CHECK (0);
        }
}

//  A refused operation: the expected code, a message naming every word,
//  and the same digest and log as before. The call writes into msg_.
#define S_REFUSE(r, call, code, ...) do { \
    s_snap_t before_, after_; \
    s_snap ((r), &before_); \
    char msg_[SH_OPS_MSG_BYTES] = ""; \
    SH_FAIL (call, code); \
    s_names (msg_, (const char *[]) { __VA_ARGS__, NULL }); \
    s_snap ((r), &after_); \
    SH_CHECK (s_snap_equal (&before_, &after_)); \
} while (0)

//  An accepted operation adds exactly `changes` entries to the log.
#define S_ACCEPT(r, call, changes) do { \
    s_snap_t before_, after_; \
    s_snap ((r), &before_); \
    char msg_[SH_OPS_MSG_BYTES] = ""; \
    sh_err rc_ = (call); \
    if (rc_) fprintf (stderr, "refused: %s\n", msg_); \
    SH_PASS (rc_); \
    s_snap ((r), &after_); \
    SH_CHECK (after_.log == before_.log + (changes)); \
} while (0)

static sh_ops_courtyard_t
s_yard (const char *code, const char *name)
{
    return (sh_ops_courtyard_t) { .code = code, .name = name, .households = 18, .residents = 52,
                                  .elderly = 14, .model = true, .point = "fixed",
                                  .grid = "网格一", .villager_group = "一组" };
}

static const char *
s_jstr (json_t *j, const char *key)
{
    json_t *v = json_object_get (j, key);
    if (!v || !json_is_string (v)) {
        fprintf (stderr, "no string member '%s'\n", key);
        SH_CHECK (0);
    }
    return json_string_value (v);
}

static json_int_t
s_jint (json_t *j, const char *key)
{
    json_t *v = json_object_get (j, key);
    if (!v || !json_is_integer (v)) {
        fprintf (stderr, "no integer member '%s'\n", key);
        SH_CHECK (0);
    }
    return json_integer_value (v);
}

/* --------------------------------------------------------------------------
 * Courtyards
 * -------------------------------------------------------------------------- */

static void
test_courtyard_add (void)
{
    s_node_t n;
    s_node_open (&n, S_VILLAGE);
    sh_ops_courtyard_t c = s_yard (S_YARD, "黄家院");
    S_ACCEPT (n.r, sh_ops_courtyard_add (n.r, &c, msg_), 1);

    json_t *j;
    SH_PASS (sh_view_courtyards (sh_replica_store (n.r), "", &j));
    SH_CHECK (json_array_size (j) == 1);
    json_t *y = json_array_get (j, 0);
    SH_CHECK (!strcmp (s_jstr (y, "code"), S_YARD) && !strcmp (s_jstr (y, "name"), "黄家院"));
    SH_CHECK (!strcmp (s_jstr (y, "village"), S_VILLAGE) && s_jint (y, "households") == 18);
    SH_CHECK (s_jint (y, "residents") == 52 && s_jint (y, "elderly") == 14);
    SH_CHECK (json_is_true (json_object_get (y, "model")) && !strcmp (s_jstr (y, "point"), "fixed"));
    SH_CHECK (!strcmp (s_jstr (y, "grid"), "网格一") && !strcmp (s_jstr (y, "villager_group"), "一组"));
    SH_CHECK (!strcmp (s_jstr (y, "id"), S_YARD) && !strcmp (s_jstr (y, "region"), S_YARD));
    json_decref (j);

    //  optional values left out stay absent
    sh_ops_courtyard_t bare = { .code = S_YARD2, .name = "小院", .households = 3,
                                .residents = SH_OPS_UNSET, .elderly = SH_OPS_UNSET };
    S_ACCEPT (n.r, sh_ops_courtyard_add (n.r, &bare, msg_), 1);
    SH_PASS (sh_view_courtyard (sh_replica_store (n.r), S_YARD2, &j));
    SH_CHECK (!json_object_get (j, "residents") && !json_object_get (j, "point")
              && !json_object_get (j, "grid") && json_is_false (json_object_get (j, "model")));
    SH_CHECK (s_jint (j, "persons") == 0 && s_jint (j, "matters_open") == 0);
    json_decref (j);

    //  refusals
    sh_ops_courtyard_t bad = s_yard ("50011500100100", "short");
    S_REFUSE (n.r, sh_ops_courtyard_add (n.r, &bad, msg_), SH_EINVAL, "50011500100100", "15 digits");
    bad = s_yard ("50011500100100x", "letter");
    S_REFUSE (n.r, sh_ops_courtyard_add (n.r, &bad, msg_), SH_EINVAL, "15 digits");
    bad = s_yard (S_OTHER_VILLAGE_YARD, "elsewhere");
    S_REFUSE (n.r, sh_ops_courtyard_add (n.r, &bad, msg_), SH_ESCOPE, S_OTHER_VILLAGE_YARD, "scope", S_VILLAGE);
    bad = s_yard ("500115001001003", "");
    S_REFUSE (n.r, sh_ops_courtyard_add (n.r, &bad, msg_), SH_EINVAL, "name", "empty");
    bad = s_yard ("500115001001003", "bad \xc0\x80 text");
    S_REFUSE (n.r, sh_ops_courtyard_add (n.r, &bad, msg_), SH_EINVAL, "name", "UTF-8");
    bad = s_yard ("500115001001003", "ok");
    bad.households = 0;
    S_REFUSE (n.r, sh_ops_courtyard_add (n.r, &bad, msg_), SH_EINVAL, "households", "0");
    bad.households = 100001;
    S_REFUSE (n.r, sh_ops_courtyard_add (n.r, &bad, msg_), SH_EINVAL, "households");
    bad.households = 5;
    bad.residents = -1;   //  a given -1 is a bad value, not "not given"
    S_REFUSE (n.r, sh_ops_courtyard_add (n.r, &bad, msg_), SH_EINVAL, "residents", "-1");
    bad.residents = 10;
    bad.elderly = 11;
    S_REFUSE (n.r, sh_ops_courtyard_add (n.r, &bad, msg_), SH_EINVAL, "elderly", "11", "10");
    bad.elderly = -3;
    S_REFUSE (n.r, sh_ops_courtyard_add (n.r, &bad, msg_), SH_EINVAL, "elderly");
    bad.elderly = 2;
    bad.point = "inside";
    S_REFUSE (n.r, sh_ops_courtyard_add (n.r, &bad, msg_), SH_EINVAL, "point", "inside", "fixed/固定, mobile/流动, none/无");
    bad.point = "unspecified";
    S_REFUSE (n.r, sh_ops_courtyard_add (n.r, &bad, msg_), SH_EINVAL, "point", "unspecified");
    bad.point = "MOBILE";
    bad.grid = "\x01";
    S_REFUSE (n.r, sh_ops_courtyard_add (n.r, &bad, msg_), SH_EINVAL, "grid");
    bad.grid = NULL;
    bad.villager_group = "\xff";
    S_REFUSE (n.r, sh_ops_courtyard_add (n.r, &bad, msg_), SH_EINVAL, "villager group");
    bad.villager_group = NULL;
    S_ACCEPT (n.r, sh_ops_courtyard_add (n.r, &bad, msg_), 1);   //  now fine
    //  twice
    c = s_yard (S_YARD, "again");
    S_REFUSE (n.r, sh_ops_courtyard_add (n.r, &c, msg_), SH_EEXIST, S_YARD, "already exists");

    SH_PASS (sh_view_courtyards (sh_replica_store (n.r), "500115001001002", &j));
    SH_CHECK (json_array_size (j) == 1);
    json_decref (j);
    SH_PASS (sh_view_courtyards (sh_replica_store (n.r), "500115009", &j));
    SH_CHECK (json_array_size (j) == 0);
    json_decref (j);
    SH_FAIL (sh_view_courtyard (sh_replica_store (n.r), "500115001001009", &j), SH_ENOTFOUND);
    SH_FAIL (sh_view_courtyard (sh_replica_store (n.r), "5001", &j), SH_ENOTFOUND);
    s_node_close (&n);
}

/* --------------------------------------------------------------------------
 * Persons and roles
 * -------------------------------------------------------------------------- */

static void
test_persons_roles (void)
{
    s_node_t n;
    s_node_open (&n, S_VILLAGE);
    sh_ops_courtyard_t c = s_yard (S_YARD, "黄家院");
    S_ACCEPT (n.r, sh_ops_courtyard_add (n.r, &c, msg_), 1);

    char zhang[SH_OPS_ID_HEX], li[SH_OPS_ID_HEX];
    sh_ops_person_t p = { .name = "张三", .courtyard = S_YARD, .gender = "male", .birth_year = 1960,
                          .party_member = true, .phone = "13800000000" };
    S_ACCEPT (n.r, sh_ops_person_add (n.r, &p, zhang, msg_), 1);
    SH_CHECK (strlen (zhang) == 32);
    sh_ops_person_t q = { .name = "李四", .courtyard = S_YARD };
    S_ACCEPT (n.r, sh_ops_person_add (n.r, &q, li, msg_), 1);
    SH_CHECK (strcmp (zhang, li) != 0);

    char id[SH_OPS_ID_HEX];
    sh_ops_person_t bad = p;
    bad.name = "";
    S_REFUSE (n.r, sh_ops_person_add (n.r, &bad, id, msg_), SH_EINVAL, "name", "empty");
    bad = p;
    bad.courtyard = "500115001001009";
    S_REFUSE (n.r, sh_ops_person_add (n.r, &bad, id, msg_), SH_ENOTFOUND, "unknown courtyard", "500115001001009");
    bad.courtyard = S_OTHER_VILLAGE_YARD;
    S_REFUSE (n.r, sh_ops_person_add (n.r, &bad, id, msg_), SH_ENOTFOUND, "unknown courtyard", "scope");
    bad = p;
    bad.gender = "other";
    S_REFUSE (n.r, sh_ops_person_add (n.r, &bad, id, msg_), SH_EINVAL, "gender", "other", "female/女, male/男");
    bad = p;
    bad.birth_year = 1800;
    S_REFUSE (n.r, sh_ops_person_add (n.r, &bad, id, msg_), SH_EINVAL, "birth year", "1800");
    bad = p;
    bad.phone = "138\r\n";
    S_REFUSE (n.r, sh_ops_person_add (n.r, &bad, id, msg_), SH_EINVAL, "phone");

    json_t *j;
    SH_PASS (sh_view_persons (sh_replica_store (n.r), S_VILLAGE, &j));
    SH_CHECK (json_array_size (j) == 2);
    json_decref (j);

    //  roles
    S_ACCEPT (n.r, sh_ops_role_assign (n.r, zhang, "courtyard-head", "recommended", "2024-01-15", msg_), 1);
    S_REFUSE (n.r, sh_ops_role_assign (n.r, zhang, "courtyard-head", NULL, NULL, msg_), SH_ERULE,
              zhang, "already holds", "courtyard-head");
    S_REFUSE (n.r, sh_ops_role_assign (n.r, zhang, "mayor", NULL, NULL, msg_), SH_EINVAL, "role", "mayor",
              "courtyard_head");
    S_REFUSE (n.r, sh_ops_role_assign (n.r, zhang, "bay-head", "volunteered", NULL, msg_), SH_EINVAL,
              "nomination", "volunteered");
    S_REFUSE (n.r, sh_ops_role_assign (n.r, zhang, "bay-head", NULL, "2024-02-30", msg_), SH_EINVAL,
              "date", "2024-02-30");
    S_REFUSE (n.r, sh_ops_role_assign (n.r, "00112233445566778899aabbccddeeff", "bay-head", NULL, NULL, msg_),
              SH_ENOTFOUND, "unknown person", "00112233445566778899aabbccddeeff");
    S_REFUSE (n.r, sh_ops_role_assign (n.r, "xyz", "bay-head", NULL, NULL, msg_), SH_EINVAL, "xyz", "32 hex");
    S_REFUSE (n.r, sh_ops_role_dismiss (n.r, li, "courtyard-head", NULL, NULL, msg_), SH_ERULE,
              li, "does not hold");
    S_REFUSE (n.r, sh_ops_role_dismiss (n.r, zhang, "courtyard-head", "\x7f", NULL, msg_), SH_EINVAL, "reason");
    S_ACCEPT (n.r, sh_ops_role_dismiss (n.r, zhang, "courtyard-head", "moved away", "2024-06-01", msg_), 1);
    S_REFUSE (n.r, sh_ops_role_dismiss (n.r, zhang, "courtyard-head", NULL, NULL, msg_), SH_ERULE, "does not hold");
    //  a second holder of a single-holder role is a conflict, not a refusal
    S_ACCEPT (n.r, sh_ops_role_assign (n.r, li, "courtyard-head", "self", NULL, msg_), 1);

    SH_PASS (sh_view_courtyard (sh_replica_store (n.r), S_YARD, &j));
    SH_CHECK (s_jint (j, "persons") == 2);
    json_t *roles = json_object_get (j, "roles");
    SH_CHECK (json_array_size (roles) == 2);
    int appointed = 0, dismissed = 0;
    size_t i;
    json_t *ro;
    json_array_foreach (roles, i, ro) {
        SH_CHECK (!strcmp (s_jstr (ro, "role"), "courtyard_head") && !strcmp (s_jstr (ro, "courtyard"), S_YARD));
        SH_CHECK (strlen (s_jstr (ro, "id")) == 34);   //  person id + role byte
        if (!strcmp (s_jstr (ro, "status"), "dismissed")) {
            dismissed++;
            SH_CHECK (!strcmp (s_jstr (ro, "name"), "张三") && !strcmp (s_jstr (ro, "reason"), "moved away"));
            SH_CHECK (!strcmp (s_jstr (ro, "appointed_on"), "2024-01-15")
                      && !strcmp (s_jstr (ro, "dismissed_on"), "2024-06-01"));
            SH_CHECK (!strcmp (s_jstr (ro, "nomination"), "recommended"));   //  kept from the appointment
        }
        else {
            appointed++;
            SH_CHECK (!strcmp (s_jstr (ro, "name"), "李四") && !strcmp (s_jstr (ro, "nomination"), "self"));
        }
    }
    SH_CHECK (appointed == 1 && dismissed == 1);
    json_decref (j);

    //  re-appoint the dismissed one: two heads now, which the conflicts view names
    S_ACCEPT (n.r, sh_ops_role_assign (n.r, zhang, "courtyard_head", NULL, "2024-07-01", msg_), 1);
    SH_PASS (sh_conflicts_view (sh_replica_store (n.r), "", &j));
    SH_CHECK (json_array_size (j) == 1);
    json_t *cf = json_array_get (j, 0);
    SH_CHECK (!strcmp (s_jstr (cf, "kind"), "role") && !strcmp (s_jstr (cf, "region"), S_YARD));
    s_names (s_jstr (cf, "reason"), (const char *[]) { "2", "courtyard_head", NULL });
    json_decref (j);
    //  and the re-appointment shows no stale dismissal
    SH_PASS (sh_view_courtyard (sh_replica_store (n.r), S_YARD, &j));
    json_array_foreach (json_object_get (j, "roles"), i, ro) {
        SH_CHECK (!strcmp (s_jstr (ro, "status"), "appointed"));
        json_t *d = json_object_get (ro, "dismissed_on");
        SH_CHECK (!d || !strcmp (json_string_value (d), ""));
    }
    json_decref (j);
    //  management group: up to 3 holders is fine
    S_ACCEPT (n.r, sh_ops_role_assign (n.r, zhang, "management-group", NULL, NULL, msg_), 1);
    S_ACCEPT (n.r, sh_ops_role_assign (n.r, li, "management-group", NULL, NULL, msg_), 1);
    SH_PASS (sh_conflicts_view (sh_replica_store (n.r), "", &j));
    SH_CHECK (json_array_size (j) == 1);
    json_decref (j);
    s_node_close (&n);
}

/* --------------------------------------------------------------------------
 * Matters
 * -------------------------------------------------------------------------- */

static void
test_matters (void)
{
    s_node_t n;
    s_node_open (&n, S_VILLAGE);
    sh_ops_courtyard_t c = s_yard (S_YARD, "黄家院");
    S_ACCEPT (n.r, sh_ops_courtyard_add (n.r, &c, msg_), 1);
    char m1[SH_OPS_ID_HEX], m2[SH_OPS_ID_HEX], id[SH_OPS_ID_HEX];
    S_ACCEPT (n.r, sh_ops_matter_open (n.r, S_YARD, "environment", "清理水沟", NULL, "2024-06-02", m1, msg_), 1);
    S_ACCEPT (n.r, sh_ops_matter_open (n.r, S_YARD, "Mediation", "邻里纠纷", "fence", NULL, m2, msg_), 1);

    S_REFUSE (n.r, sh_ops_matter_open (n.r, S_YARD, "weather", "x", NULL, NULL, id, msg_), SH_EINVAL,
              "category", "weather", "policy/政策宣讲, deliberation/协商议事, mediation/矛盾调处, environment/环境整治, customs/文明乡风, economy/庭院经济");
    S_REFUSE (n.r, sh_ops_matter_open (n.r, S_YARD, "policy", "", NULL, NULL, id, msg_), SH_EINVAL, "title");
    S_REFUSE (n.r, sh_ops_matter_open (n.r, "500115001001009", "policy", "t", NULL, NULL, id, msg_), SH_ENOTFOUND,
              "unknown courtyard");
    S_REFUSE (n.r, sh_ops_matter_open (n.r, "123", "policy", "t", NULL, NULL, id, msg_), SH_EINVAL, "15 digits");
    S_REFUSE (n.r, sh_ops_matter_open (n.r, S_YARD, "policy", "t", NULL, "2023-13-01", id, msg_), SH_EINVAL,
              "date", "2023-13-01");
    S_REFUSE (n.r, sh_ops_matter_open (n.r, S_YARD, "policy", "t", NULL, "1899-12-31", id, msg_), SH_EINVAL, "date");

    //  m1: micro path
    S_REFUSE (n.r, sh_ops_matter_step (n.r, m1, "consult", NULL, NULL, msg_), SH_ERULE, m1, "consult", "escalate");
    S_REFUSE (n.r, sh_ops_matter_step (n.r, m1, "feedback", NULL, NULL, msg_), SH_ERULE, "feedback", "skips", "handle");
    S_REFUSE (n.r, sh_ops_matter_step (n.r, m1, "jump", NULL, NULL, msg_), SH_EINVAL, "step", "jump",
              "diagnose/把脉, consult/会诊, prescribe/开方, handle/办理, feedback/反馈");
    S_REFUSE (n.r, sh_ops_matter_close (n.r, m1, 4, NULL, NULL, msg_), SH_ERULE, "feedback", "diagnose");
    S_ACCEPT (n.r, sh_ops_matter_step (n.r, m1, "handle", "cleared", "2024-06-03", msg_), 1);
    S_REFUSE (n.r, sh_ops_matter_escalate (n.r, m1, "small", NULL, NULL, msg_), SH_ERULE, "escalation", "handle");
    S_ACCEPT (n.r, sh_ops_matter_step (n.r, m1, "feedback", NULL, "2024-06-04", msg_), 1);
    S_REFUSE (n.r, sh_ops_matter_close (n.r, m1, 0, NULL, NULL, msg_), SH_EINVAL, "satisfaction", "1..5");
    S_REFUSE (n.r, sh_ops_matter_close (n.r, m1, 6, NULL, NULL, msg_), SH_EINVAL, "satisfaction", "6");
    S_ACCEPT (n.r, sh_ops_matter_close (n.r, m1, 5, NULL, "2024-06-05", msg_), 1);
    S_REFUSE (n.r, sh_ops_matter_close (n.r, m1, 5, NULL, NULL, msg_), SH_ERULE, "closed");
    S_REFUSE (n.r, sh_ops_matter_step (n.r, m1, "feedback", NULL, NULL, msg_), SH_ERULE, "closed");
    S_REFUSE (n.r, sh_ops_matter_escalate (n.r, m1, "big", NULL, NULL, msg_), SH_ERULE, "closed");

    //  m2: escalated from micro, then consult is required
    S_REFUSE (n.r, sh_ops_matter_escalate (n.r, m2, "huge", NULL, NULL, msg_), SH_EINVAL, "tier", "huge",
              "micro/微事 院落自办, small/小事 村社协调, big/大事 镇街督办");
    S_REFUSE (n.r, sh_ops_matter_escalate (n.r, m2, "micro", NULL, NULL, msg_), SH_ERULE, "upwards");
    S_ACCEPT (n.r, sh_ops_matter_escalate (n.r, m2, "small", "needs the village", NULL, msg_), 1);
    S_REFUSE (n.r, sh_ops_matter_step (n.r, m2, "handle", NULL, NULL, msg_), SH_ERULE, "handle", "consult");
    S_ACCEPT (n.r, sh_ops_matter_step (n.r, m2, "consult", NULL, NULL, msg_), 1);
    S_REFUSE (n.r, sh_ops_matter_step (n.r, m2, "consult", NULL, NULL, msg_), SH_ERULE, "consult", "repeated");
    S_ACCEPT (n.r, sh_ops_matter_step (n.r, m2, "prescribe", NULL, NULL, msg_), 1);
    S_REFUSE (n.r, sh_ops_matter_step (n.r, m2, "consult", NULL, NULL, msg_), SH_ERULE, "consult", "before");
    S_REFUSE (n.r, sh_ops_matter_step (n.r, m2, "handle", "\x01", NULL, msg_), SH_EINVAL, "note");
    //  big: its town leads it (大事镇街督办); the village adds notes, steps and closes nothing
    S_ACCEPT (n.r, sh_ops_matter_escalate (n.r, m2, "big", NULL, NULL, msg_), 1);
    S_REFUSE (n.r, sh_ops_matter_step (n.r, m2, "handle", NULL, NULL, msg_), SH_ERULE, m2,
              "step handle by a village node", "big matter is led by its town", "matter note");
    S_REFUSE (n.r, sh_ops_matter_close (n.r, m2, 5, NULL, NULL, msg_), SH_ERULE, "close by a village node",
              "led by its town");
    S_ACCEPT (n.r, sh_ops_matter_note (n.r, m2, "院坝群众盼早日动工", NULL, msg_), 1);
    S_REFUSE (n.r, sh_ops_matter_note (n.r, m2, "", NULL, msg_), SH_EINVAL, "the note", "empty");
    S_REFUSE (n.r, sh_ops_matter_note (n.r, m2, "\x01", NULL, msg_), SH_EINVAL, "the note", "hidden");
    S_REFUSE (n.r, sh_ops_matter_note (n.r, m2, "ok", "2024-02-30", msg_), SH_EINVAL, "date");
    S_REFUSE (n.r, sh_ops_matter_note (n.r, "00000000000000000000000000000000", "ok", NULL, msg_),
              SH_ENOTFOUND, "unknown matter");

    //  unknown and malformed matter ids
    S_REFUSE (n.r, sh_ops_matter_step (n.r, "00000000000000000000000000000000", "handle", NULL, NULL, msg_),
              SH_ENOTFOUND, "unknown matter", "00000000000000000000000000000000");
    S_REFUSE (n.r, sh_ops_matter_step (n.r, "0000", "handle", NULL, NULL, msg_), SH_EINVAL, "matter", "32 hex");
    S_REFUSE (n.r, sh_ops_matter_close (n.r, "g0000000000000000000000000000000", 3, NULL, NULL, msg_),
              SH_EINVAL, "32 hex");

    //  views
    json_t *j;
    SH_PASS (sh_view_matter (sh_replica_store (n.r), m1, &j));
    SH_CHECK (!strcmp (s_jstr (j, "id"), m1) && !strcmp (s_jstr (j, "region"), S_YARD));
    SH_CHECK (!strcmp (s_jstr (j, "category"), "environment") && !strcmp (s_jstr (j, "title"), "清理水沟"));
    SH_CHECK (!strcmp (s_jstr (j, "opened_on"), "2024-06-02") && !json_object_get (j, "description"));
    SH_CHECK (!strcmp (s_jstr (j, "tier"), "micro") && !strcmp (s_jstr (j, "step"), "feedback"));
    SH_CHECK (json_is_true (json_object_get (j, "closed")) && s_jint (j, "satisfaction") == 5);
    SH_CHECK (s_jint (j, "escalations") == 0 && s_jint (j, "conflicts") == 0);
    json_t *ev = json_object_get (j, "events");
    SH_CHECK (json_array_size (ev) == 3);
    SH_CHECK (!strcmp (s_jstr (json_array_get (ev, 0), "step"), "handle")
              && !strcmp (s_jstr (json_array_get (ev, 0), "note"), "cleared")
              && !strcmp (s_jstr (json_array_get (ev, 0), "date"), "2024-06-03"));
    SH_CHECK (!strcmp (s_jstr (json_array_get (ev, 2), "kind"), "close")
              && s_jint (json_array_get (ev, 2), "satisfaction") == 5);
    SH_CHECK (s_jint (json_array_get (ev, 0), "hlc") < s_jint (json_array_get (ev, 1), "hlc"));
    char author[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    sh_crypto_hex (author, sh_replica_author (n.r), SH_PUBKEY_BYTES);
    SH_CHECK (!strcmp (s_jstr (json_array_get (ev, 1), "author"), author));
    SH_CHECK (!json_object_get (json_array_get (ev, 1), "conflict"));
    json_decref (j);

    SH_PASS (sh_view_matters (sh_replica_store (n.r), S_VILLAGE, &j));
    SH_CHECK (json_array_size (j) == 2);
    size_t i;
    json_t *mt;
    json_array_foreach (j, i, mt) {
        SH_CHECK (!json_object_get (mt, "events"));
        if (!strcmp (s_jstr (mt, "id"), m2)) {
            SH_CHECK (!strcmp (s_jstr (mt, "tier"), "big") && !strcmp (s_jstr (mt, "step"), "prescribe"));
            SH_CHECK (json_is_false (json_object_get (mt, "closed")) && !json_object_get (mt, "satisfaction"));
            SH_CHECK (s_jint (mt, "escalations") == 2 && !strcmp (s_jstr (mt, "description"), "fence"));
        }
    }
    json_decref (j);
    SH_PASS (sh_view_courtyard (sh_replica_store (n.r), S_YARD, &j));
    SH_CHECK (s_jint (j, "matters_open") == 1 && s_jint (j, "matters_closed") == 1);
    json_decref (j);
    SH_FAIL (sh_view_matter (sh_replica_store (n.r), "00000000000000000000000000000000", &j), SH_ENOTFOUND);
    SH_FAIL (sh_view_matter (sh_replica_store (n.r), "nothex", &j), SH_ENOTFOUND);
    SH_PASS (sh_conflicts_view (sh_replica_store (n.r), "", &j));
    SH_CHECK (json_array_size (j) == 0);
    json_decref (j);
    s_node_close (&n);
}

/* --------------------------------------------------------------------------
 * Meetings, mediations, points, evaluations
 * -------------------------------------------------------------------------- */

static void
test_meetings_mediations (void)
{
    s_node_t n;
    s_node_open (&n, S_VILLAGE);
    sh_ops_courtyard_t c = s_yard (S_YARD, "黄家院");
    S_ACCEPT (n.r, sh_ops_courtyard_add (n.r, &c, msg_), 1);
    char id[SH_OPS_ID_HEX], matter[SH_OPS_ID_HEX];
    const char *topics[] = { "修路", "water, and \"quotes\"" };
    const char *decisions[] = { "fund it" };
    sh_ops_meeting_t m = { .courtyard = S_YARD, .kind = "party-masses-day", .date = "2024-05-10",
                           .attendance = 40, .topics = topics, .n_topics = 2,
                           .decisions = decisions, .n_decisions = 1, .location = "祠堂" };
    S_ACCEPT (n.r, sh_ops_meeting_record (n.r, &m, id, msg_), 1);
    sh_ops_meeting_t bad = m;
    bad.kind = "party";
    S_REFUSE (n.r, sh_ops_meeting_record (n.r, &bad, id, msg_), SH_EINVAL, "meeting kind", "party",
              "party_masses_day");
    bad = m;
    bad.attendance = -1;
    S_REFUSE (n.r, sh_ops_meeting_record (n.r, &bad, id, msg_), SH_EINVAL, "attendance", "-1");
    bad.attendance = 100001;
    S_REFUSE (n.r, sh_ops_meeting_record (n.r, &bad, id, msg_), SH_EINVAL, "attendance");
    bad = m;
    const char *empty_topic[] = { "ok", "" };
    bad.topics = empty_topic;
    S_REFUSE (n.r, sh_ops_meeting_record (n.r, &bad, id, msg_), SH_EINVAL, "topic", "empty");
    bad = m;
    const char *bad_decision[] = { "\xed\xa0\x80" };
    bad.decisions = bad_decision;
    S_REFUSE (n.r, sh_ops_meeting_record (n.r, &bad, id, msg_), SH_EINVAL, "decision", "UTF-8");
    bad = m;
    bad.courtyard = "500115001001005";
    S_REFUSE (n.r, sh_ops_meeting_record (n.r, &bad, id, msg_), SH_ENOTFOUND, "unknown courtyard");
    bad = m;
    bad.date = "10/05/2024";
    S_REFUSE (n.r, sh_ops_meeting_record (n.r, &bad, id, msg_), SH_EINVAL, "date", "10/05/2024");
    sh_ops_meeting_t plain = { .courtyard = S_YARD, .kind = "bench_lecture", .attendance = SH_OPS_UNSET };
    S_ACCEPT (n.r, sh_ops_meeting_record (n.r, &plain, id, msg_), 1);   //  date: today

    json_t *j;
    SH_PASS (sh_view_meetings (sh_replica_store (n.r), S_YARD, &j));
    SH_CHECK (json_array_size (j) == 2);
    size_t i;
    json_t *x;
    int with_topics = 0;
    json_array_foreach (j, i, x) {
        if (strcmp (s_jstr (x, "kind"), "party_masses_day") != 0) {
            SH_CHECK (!strcmp (s_jstr (x, "kind"), "bench_lecture") && !json_object_get (x, "attendance"));
            SH_CHECK (strlen (s_jstr (x, "date")) == 10 && !json_object_get (x, "topics"));
            continue;
        }
        with_topics++;
        json_t *t = json_object_get (x, "topics");
        SH_CHECK (json_array_size (t) == 2 && !strcmp (json_string_value (json_array_get (t, 0)), "修路"));
        SH_CHECK (!strcmp (json_string_value (json_array_get (t, 1)), "water, and \"quotes\""));
        SH_CHECK (s_jint (x, "attendance") == 40 && !strcmp (s_jstr (x, "location"), "祠堂"));
        SH_CHECK (json_array_size (json_object_get (x, "decisions")) == 1);
    }
    SH_CHECK (with_topics == 1);
    json_decref (j);

    //  mediations
    S_ACCEPT (n.r, sh_ops_matter_open (n.r, S_YARD, "mediation", "田坎", NULL, "2024-05-02", matter, msg_), 1);
    sh_ops_mediation_t md = { .courtyard = S_YARD, .level = "group", .kind = "land", .outcome = "resolved",
                              .date = "2024-05-11", .parties = 2, .summary = "boundary stone moved back",
                              .matter_hex = matter };
    S_ACCEPT (n.r, sh_ops_mediation_record (n.r, &md, id, msg_), 1);
    sh_ops_mediation_t mb = md;
    mb.level = "county";
    S_REFUSE (n.r, sh_ops_mediation_record (n.r, &mb, id, msg_), SH_EINVAL, "mediation level", "county",
              "courtyard/院落, group/村民小组, village/村");
    mb = md;
    mb.kind = "cattle";
    S_REFUSE (n.r, sh_ops_mediation_record (n.r, &mb, id, msg_), SH_EINVAL, "mediation kind", "cattle");
    mb = md;
    mb.outcome = "pending";
    S_REFUSE (n.r, sh_ops_mediation_record (n.r, &mb, id, msg_), SH_EINVAL, "mediation outcome", "pending");
    mb = md;
    mb.parties = 1;
    S_REFUSE (n.r, sh_ops_mediation_record (n.r, &mb, id, msg_), SH_EINVAL, "parties", "1");
    mb = md;
    mb.matter_hex = "ffffffffffffffffffffffffffffffff";
    S_REFUSE (n.r, sh_ops_mediation_record (n.r, &mb, id, msg_), SH_ENOTFOUND, "unknown matter",
              "ffffffffffffffffffffffffffffffff");
    mb.matter_hex = "ff";
    S_REFUSE (n.r, sh_ops_mediation_record (n.r, &mb, id, msg_), SH_EINVAL, "matter", "32 hex");
    mb = md;
    mb.parties = SH_OPS_UNSET;
    mb.matter_hex = NULL;
    mb.summary = NULL;
    S_ACCEPT (n.r, sh_ops_mediation_record (n.r, &mb, id, msg_), 1);
    SH_PASS (sh_view_mediations (sh_replica_store (n.r), "", &j));
    SH_CHECK (json_array_size (j) == 2);
    int linked = 0;
    json_array_foreach (j, i, x) {
        SH_CHECK (!strcmp (s_jstr (x, "level"), "group") && !strcmp (s_jstr (x, "outcome"), "resolved"));
        if (json_object_get (x, "matter")) {
            linked++;
            SH_CHECK (!strcmp (s_jstr (x, "matter"), matter) && s_jint (x, "parties") == 2);
        }
        else
            SH_CHECK (!json_object_get (x, "parties") && !json_object_get (x, "summary"));
    }
    SH_CHECK (linked == 1);
    json_decref (j);
    s_node_close (&n);
}

static void
test_points (void)
{
    s_node_t n;
    s_node_open (&n, S_VILLAGE);
    sh_ops_courtyard_t c = s_yard (S_YARD, "黄家院");
    S_ACCEPT (n.r, sh_ops_courtyard_add (n.r, &c, msg_), 1);
    char p[SH_OPS_ID_HEX], q[SH_OPS_ID_HEX];
    sh_ops_person_t pp = { .name = "王五", .courtyard = S_YARD };
    S_ACCEPT (n.r, sh_ops_person_add (n.r, &pp, p, msg_), 1);
    pp.name = "赵六";
    S_ACCEPT (n.r, sh_ops_person_add (n.r, &pp, q, msg_), 1);

    S_ACCEPT (n.r, sh_ops_points (n.r, p, false, NULL, 20, "cleaning", "2024-03-01", msg_), 1);
    S_ACCEPT (n.r, sh_ops_points (n.r, p, false, "minutes", 90, NULL, NULL, msg_), 1);
    S_REFUSE (n.r, sh_ops_points (n.r, p, true, "points", 21, NULL, NULL, msg_), SH_ERULE,
              "cannot redeem", "21", "points", "20", p);
    S_REFUSE (n.r, sh_ops_points (n.r, p, true, "minutes", 91, NULL, NULL, msg_), SH_ERULE, "minutes", "90");
    S_REFUSE (n.r, sh_ops_points (n.r, q, true, NULL, 1, NULL, NULL, msg_), SH_ERULE, "cannot redeem", "0");
    S_REFUSE (n.r, sh_ops_points (n.r, p, false, NULL, 0, NULL, NULL, msg_), SH_EINVAL, "amount", "0");
    S_REFUSE (n.r, sh_ops_points (n.r, p, false, NULL, -5, NULL, NULL, msg_), SH_EINVAL, "amount", "-5");
    S_REFUSE (n.r, sh_ops_points (n.r, p, false, NULL, 1000000001, NULL, NULL, msg_), SH_EINVAL, "amount");
    S_REFUSE (n.r, sh_ops_points (n.r, p, false, "coins", 5, NULL, NULL, msg_), SH_EINVAL, "unit", "coins",
              "points/积分, minutes/时间银行");
    S_REFUSE (n.r, sh_ops_points (n.r, "0123456789abcdef0123456789abcdef", false, NULL, 5, NULL, NULL, msg_),
              SH_ENOTFOUND, "unknown person");
    S_REFUSE (n.r, sh_ops_points (n.r, p, false, NULL, 5, NULL, "2024-02-29x", msg_), SH_EINVAL, "date");
    S_ACCEPT (n.r, sh_ops_points (n.r, p, true, NULL, 20, "rice", NULL, msg_), 1);   //  exactly the balance
    S_ACCEPT (n.r, sh_ops_points (n.r, p, true, "minutes", 30, NULL, NULL, msg_), 1);

    json_t *j;
    SH_PASS (sh_view_balances (sh_replica_store (n.r), NULL, p, &j));
    SH_CHECK (!strcmp (s_jstr (j, "person"), p) && !strcmp (s_jstr (j, "name"), "王五"));
    SH_CHECK (!strcmp (s_jstr (j, "region"), S_YARD) && s_jint (j, "conflicts") == 0);
    json_t *pts = json_object_get (j, "points"), *min = json_object_get (j, "minutes");
    SH_CHECK (s_jint (pts, "earned") == 20 && s_jint (pts, "redeemed") == 20 && s_jint (pts, "balance") == 0);
    SH_CHECK (s_jint (min, "earned") == 90 && s_jint (min, "redeemed") == 30 && s_jint (min, "balance") == 60);
    json_decref (j);
    //  a known person without entries shows zeros
    SH_PASS (sh_view_balances (sh_replica_store (n.r), NULL, q, &j));
    SH_CHECK (s_jint (json_object_get (j, "points"), "balance") == 0);
    json_decref (j);
    SH_FAIL (sh_view_balances (sh_replica_store (n.r), NULL, "0123456789abcdef0123456789abcdef", &j),
             SH_ENOTFOUND);
    SH_FAIL (sh_view_balances (sh_replica_store (n.r), NULL, "zz", &j), SH_ENOTFOUND);
    //  all accounts with entries
    SH_PASS (sh_view_balances (sh_replica_store (n.r), "", NULL, &j));
    SH_CHECK (json_array_size (j) == 1);
    json_decref (j);
    SH_PASS (sh_view_balances (sh_replica_store (n.r), "500115001002", NULL, &j));
    SH_CHECK (json_array_size (j) == 0);
    json_decref (j);
    s_node_close (&n);
}

static void
test_evaluate (void)
{
    s_node_t n;
    s_node_open (&n, S_VILLAGE);
    sh_ops_courtyard_t c = s_yard (S_YARD, "黄家院");
    S_ACCEPT (n.r, sh_ops_courtyard_add (n.r, &c, msg_), 1);
    int level = 0;
    json_t *j;
    SH_FAIL (sh_view_hexagon (sh_replica_store (n.r), S_YARD, NULL, &j), SH_ENOTFOUND);

    S_ACCEPT (n.r, sh_ops_evaluate (n.r, S_YARD, "2024Q2", "policy", 7, 8, 9, &level, msg_), 1);
    SH_CHECK (level == 8);
    S_ACCEPT (n.r, sh_ops_evaluate (n.r, S_YARD, "2024Q2", "deliberation", 6, 6, 7, &level, msg_), 1);
    SH_CHECK (level == 6);
    S_ACCEPT (n.r, sh_ops_evaluate (n.r, S_YARD, "2024Q2", "environment", 7, 7, 8, &level, msg_), 1);
    SH_CHECK (level == 7);
    S_ACCEPT (n.r, sh_ops_evaluate (n.r, S_YARD, "2024Q1", "policy", 1, 1, 1, &level, msg_), 1);
    SH_CHECK (level == 1);

    level = -7;
    S_REFUSE (n.r, sh_ops_evaluate (n.r, S_YARD, "2024Q5", "policy", 5, 5, 5, &level, msg_), SH_EINVAL,
              "period", "2024Q5");
    S_REFUSE (n.r, sh_ops_evaluate (n.r, S_YARD, "24Q1", "policy", 5, 5, 5, &level, msg_), SH_EINVAL, "period");
    S_REFUSE (n.r, sh_ops_evaluate (n.r, S_YARD, "2024Q1", "sports", 5, 5, 5, &level, msg_), SH_EINVAL,
              "category", "sports");
    S_REFUSE (n.r, sh_ops_evaluate (n.r, S_YARD, "2024Q1", "policy", 11, 5, 5, &level, msg_), SH_EINVAL,
              "content", "11");
    S_REFUSE (n.r, sh_ops_evaluate (n.r, S_YARD, "2024Q1", "policy", 5, 0, 5, &level, msg_), SH_EINVAL,
              "effect", "0");
    S_REFUSE (n.r, sh_ops_evaluate (n.r, S_YARD, "2024Q1", "policy", 5, 5, -1, &level, msg_), SH_EINVAL,
              "satisfaction", "-1");
    S_REFUSE (n.r, sh_ops_evaluate (n.r, "500115001001007", "2024Q1", "policy", 5, 5, 5, &level, msg_),
              SH_ENOTFOUND, "unknown courtyard");
    SH_CHECK (level == -7);

    //  latest period by default
    SH_PASS (sh_view_hexagon (sh_replica_store (n.r), S_YARD, NULL, &j));
    SH_CHECK (!strcmp (s_jstr (j, "courtyard"), S_YARD) && !strcmp (s_jstr (j, "period"), "2024Q2"));
    json_t *lv = json_object_get (j, "levels");
    SH_CHECK (json_object_size (lv) == 6);
    SH_CHECK (s_jint (lv, "policy") == 8 && s_jint (lv, "deliberation") == 6 && s_jint (lv, "mediation") == 0
              && s_jint (lv, "environment") == 7 && s_jint (lv, "customs") == 0 && s_jint (lv, "economy") == 0);
    //  r = 8 6 0 7 0 0: only policy-deliberation are neighbours
    double area = json_real_value (json_object_get (j, "area"));
    SH_CHECK (fabs (area - sqrt (3.0) / 4 * 48) < 1e-9);
    json_decref (j);
    SH_PASS (sh_view_hexagon (sh_replica_store (n.r), S_YARD, "2024Q1", &j));
    SH_CHECK (s_jint (json_object_get (j, "levels"), "policy") == 1 && json_real_value (json_object_get (j, "area")) == 0);
    json_decref (j);
    SH_FAIL (sh_view_hexagon (sh_replica_store (n.r), S_YARD, "2023Q4", &j), SH_ENOTFOUND);

    //  a re-evaluation overwrites (one record per courtyard, period, category)
    S_ACCEPT (n.r, sh_ops_evaluate (n.r, S_YARD, "2024Q2", "policy", 10, 10, 9, &level, msg_), 1);
    SH_CHECK (level == 10);
    SH_PASS (sh_view_hexagon (sh_replica_store (n.r), S_YARD, "2024Q2", &j));
    SH_CHECK (s_jint (json_object_get (j, "levels"), "policy") == 10);
    json_decref (j);
    s_node_close (&n);
}

/* --------------------------------------------------------------------------
 * Import
 * -------------------------------------------------------------------------- */

typedef struct {
    char lines[16][SH_OPS_MSG_BYTES];
    int n;
} s_report_t;

static void
s_report (const char *message, void *arg)
{
    s_report_t *r = arg;
    SH_CHECK (message && *message);
    if (r->n < 16)
        snprintf (r->lines[r->n], SH_OPS_MSG_BYTES, "%s", message);
    r->n++;
}

static char *
s_write_file (const char *dir, const char *name, const char *text)
{
    static char path[600];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen (path, "wb");
    SH_CHECK (f && fputs (text, f) >= 0 && fclose (f) == 0);
    return path;
}

//  Import text; on failure expect code and one report per entry of want
//  (each a NULL-ended word list), and no change at all.
static void
s_import_bad (s_node_t *n, const char *text, sh_err code, const char *const *const *want, size_t n_want)
{
    char *path = s_write_file (n->dir, "in.csv", text);
    s_snap_t before, after;
    s_snap (n->r, &before);
    s_report_t rep = { .n = 0 };
    size_t count = 12345;
    char msg[SH_OPS_MSG_BYTES] = "";
    SH_FAIL (sh_import_courtyards (n->r, path, &count, s_report, &rep, msg), code);
    SH_CHECK (*msg && count == 12345);
    if ((size_t) rep.n != n_want) {
        fprintf (stderr, "%d reports, expected %zu (msg: %s)\n", rep.n, n_want, msg);
        for (int i = 0; i < rep.n && i < 16; i++)
            fprintf (stderr, "  %s\n", rep.lines[i]);
        SH_CHECK (0);
    }
    for (size_t i = 0; i < n_want; i++)
        s_names (rep.lines[i], want[i]);
    s_snap (n->r, &after);
    SH_CHECK (s_snap_equal (&before, &after));
}

#define S_W(...) ((const char *const[]) { __VA_ARGS__, NULL })

static void
test_import (void)
{
    s_node_t n;
    s_node_open (&n, S_VILLAGE);
    sh_ops_courtyard_t c = s_yard (S_YARD, "黄家院");
    S_ACCEPT (n.r, sh_ops_courtyard_add (n.r, &c, msg_), 1);

    //  bad rows: every one reported with its line and column, nothing imported
    const char *const *w1[] = {
        S_W ("line 3", "column 3", "households", "abc"),
        S_W ("line 5", "column 6", "point", "inside"),
        S_W ("line 6", "column 1", "code", "also appears on line 2"),
        S_W ("line 7", "column 1", S_YARD, "already exists"),
        S_W ("line 8", "column 1", "code", "scope"),
        S_W ("line 9", "column 2", "name"),
        S_W ("line 10", "column 5", "model", "maybe"),
        S_W ("line 11", "column 4", "elderly"),
    };
    s_import_bad (&n, "code,name,households,elderly,model,point\n"
                      "500115001001002,好院,10,1,yes,fixed\n"
                      "500115001001003,坏院,abc,1,no,\n"
                      "500115001001004,\"院, 带逗号\",12,,1,mobile\n"
                      "500115001001005,五院,12,,0,inside\n"
                      "500115001001002,重复,10,1,yes,fixed\n"
                      S_YARD ",已有,10,1,yes,fixed\n"
                      S_OTHER_VILLAGE_YARD ",外村,10,1,yes,fixed\n"
                      "500115001001006,,10,1,yes,fixed\n"
                      "500115001001007,七院,10,,maybe,\n"
                      "500115001001008,八院,10,-2,no,\n",
                  SH_EINVAL, w1, sizeof w1 / sizeof w1[0]);

    //  header faults
    const char *const *w2[] = { S_W ("line 1", "column 2", "colour") };
    s_import_bad (&n, "code,colour,name,households\n500115001001002,red,x,1\n", SH_EINVAL, w2, 1);
    const char *const *w3[] = { S_W ("line 1", "households") };
    s_import_bad (&n, "code,name\n500115001001002,x\n", SH_EINVAL, w3, 1);
    const char *const *w4[] = { S_W ("line 1", "column 3", "name", "twice") };
    s_import_bad (&n, "code,name,name,households\n", SH_EINVAL, w4, 1);
    //  a row with the wrong number of fields
    const char *const *w5[] = { S_W ("line 3", "fields") };
    s_import_bad (&n, "code,name,households\n500115001001002,x,1\n500115001001003,y\n", SH_EINVAL, w5, 1);
    //  a CSV syntax error: no report, the message names the line
    s_import_bad (&n, "code,name,households\n500115001001002,\"open,1\n", SH_EINVAL, NULL, 0);
    //  an empty file, a missing file
    s_import_bad (&n, "", SH_EINVAL, NULL, 0);
    {
        char msg[SH_OPS_MSG_BYTES] = "";
        size_t count;
        SH_FAIL (sh_import_courtyards (n.r, "/nonexistent/x.csv", &count, s_report, NULL, msg), SH_ENOTFOUND);
        s_names (msg, S_W ("/nonexistent/x.csv"));
    }

    //  a good file: BOM, CRLF, columns in another order, quoted fields
    char *path = s_write_file (n.dir, "good.csv",
                               "\xEF\xBB\xBF" "households,code,name,residents,elderly,model,point,grid,villager_group\r\n"
                               "10,500115001001002,好院,30,3,yes,fixed,网格一,一组\r\n"
                               "12,500115001001004,\"院, 带逗号\",,,no,,,\r\n"
                               "7,500115001001005,\"say \"\"hi\"\"\",20,20,TRUE,Mobile,,\r\n");
    s_report_t rep = { .n = 0 };
    size_t count = 0;
    char msg[SH_OPS_MSG_BYTES] = "";
    s_snap_t before, after;
    s_snap (n.r, &before);
    sh_err rc = sh_import_courtyards (n.r, path, &count, s_report, &rep, msg);
    if (rc)
        fprintf (stderr, "import: %s (%s)\n", msg, rep.n ? rep.lines[0] : "");
    SH_PASS (rc);
    SH_CHECK (count == 3 && rep.n == 0);
    s_snap (n.r, &after);
    SH_CHECK (after.log == before.log + 3);
    json_t *j;
    SH_PASS (sh_view_courtyards (sh_replica_store (n.r), S_VILLAGE, &j));
    SH_CHECK (json_array_size (j) == 4);
    json_t *y = json_array_get (j, 1);
    SH_CHECK (!strcmp (s_jstr (y, "code"), "500115001001002") && !strcmp (s_jstr (y, "name"), "好院"));
    SH_CHECK (s_jint (y, "residents") == 30 && !strcmp (s_jstr (y, "grid"), "网格一"));
    y = json_array_get (j, 2);
    SH_CHECK (!strcmp (s_jstr (y, "name"), "院, 带逗号") && !json_object_get (y, "residents"));
    SH_CHECK (json_is_false (json_object_get (y, "model")) && !json_object_get (y, "grid"));
    y = json_array_get (j, 3);
    SH_CHECK (!strcmp (s_jstr (y, "name"), "say \"hi\"") && !strcmp (s_jstr (y, "point"), "mobile"));
    json_decref (j);
    //  the same file again: every row already exists
    const char *const *w6[] = {
        S_W ("line 2", "column 2", "already exists"),
        S_W ("line 3", "column 2", "already exists"),
        S_W ("line 4", "column 2", "already exists"),
    };
    FILE *f = fopen (path, "rb");
    char again[1024];
    size_t len = fread (again, 1, sizeof again - 1, f);
    fclose (f);
    again[len] = 0;
    s_import_bad (&n, again, SH_EINVAL, w6, 3);
    s_node_close (&n);
}

/* --------------------------------------------------------------------------
 * Two replicas of one village
 * -------------------------------------------------------------------------- */

typedef struct {
    size_t fresh;
    size_t duplicate;
} s_sync_t;

//  Ingest from's whole log into to, entry by entry, in one transaction.
static s_sync_t
s_sync (sh_replica_t *from, sh_replica_t *to)
{
    s_sync_t s = { 0, 0 };
    sh_store_txn_t *rt, *wt;
    SH_PASS (sh_store_begin (sh_replica_store (from), false, &rt));
    SH_PASS (sh_replica_begin (to, &wt));
    uint64_t size;
    SH_PASS (sh_changelog_size (rt, &size));
    for (uint64_t i = 1; i <= size; i++) {
        const uint8_t *bytes;
        size_t len;
        SH_PASS (sh_changelog_get (rt, i, &bytes, &len));
        bool dup = false;
        const char *why = NULL;
        sh_err rc = sh_replica_ingest (to, wt, bytes, len, &dup, &why);
        if (rc)
            fprintf (stderr, "ingest %llu: %s\n", (unsigned long long) i, why ? why : "");
        SH_PASS (rc);
        if (dup)
            s.duplicate++;
        else
            s.fresh++;
    }
    SH_PASS (sh_store_commit (&wt));
    sh_store_abort (&rt);
    return s;
}

static void
s_digest_of (sh_replica_t *r, const char *scope, uint8_t d[SH_HASH_BYTES])
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (sh_replica_store (r), false, &txn));
    SH_PASS (sh_merge_digest (txn, scope, d));
    sh_store_abort (&txn);
}

static void
test_two_replicas (void)
{
    s_node_t a, b;
    s_node_open (&a, S_VILLAGE);
    s_node_open (&b, S_VILLAGE);
    SH_CHECK (memcmp (sh_replica_author (a.r), sh_replica_author (b.r), SH_PUBKEY_BYTES) != 0);
    sh_ops_courtyard_t c = s_yard (S_YARD, "黄家院");
    S_ACCEPT (a.r, sh_ops_courtyard_add (a.r, &c, msg_), 1);
    char p[SH_OPS_ID_HEX], m[SH_OPS_ID_HEX];
    sh_ops_person_t pp = { .name = "张三", .courtyard = S_YARD };
    S_ACCEPT (a.r, sh_ops_person_add (a.r, &pp, p, msg_), 1);
    S_ACCEPT (a.r, sh_ops_points (a.r, p, false, NULL, 10, NULL, NULL, msg_), 1);
    S_ACCEPT (a.r, sh_ops_matter_open (a.r, S_YARD, "policy", "宣讲", NULL, NULL, m, msg_), 1);
    S_ACCEPT (a.r, sh_ops_matter_escalate (a.r, m, "small", NULL, NULL, msg_), 1);

    //  B knows nothing of them yet
    S_REFUSE (b.r, sh_ops_matter_step (b.r, m, "consult", NULL, NULL, msg_), SH_ENOTFOUND, "unknown matter");
    s_sync_t s = s_sync (a.r, b.r);
    SH_CHECK (s.fresh == 5 && s.duplicate == 0);
    s = s_sync (a.r, b.r);   //  the same changes twice: all flagged duplicate
    SH_CHECK (s.fresh == 0 && s.duplicate == 5);
    uint8_t da[SH_HASH_BYTES], db[SH_HASH_BYTES];
    s_digest_of (a.r, NULL, da);
    s_digest_of (b.r, NULL, db);
    SH_CHECK (memcmp (da, db, SH_HASH_BYTES) == 0);
    //  B's log holds A's changes; A's own author is not B
    s_snap_t sa, sb;
    s_snap (a.r, &sa);
    s_snap (b.r, &sb);
    SH_CHECK (sa.log == 5 && sb.log == 5);

    //  offline, both step the matter to consult; both redeem 8 of 10 points
    S_ACCEPT (a.r, sh_ops_matter_step (a.r, m, "consult", "at A", NULL, msg_), 1);
    S_ACCEPT (b.r, sh_ops_matter_step (b.r, m, "consult", "at B", NULL, msg_), 1);
    S_ACCEPT (a.r, sh_ops_points (a.r, p, true, NULL, 8, NULL, NULL, msg_), 1);
    S_ACCEPT (b.r, sh_ops_points (b.r, p, true, NULL, 8, NULL, NULL, msg_), 1);
    s_digest_of (a.r, NULL, da);
    s_digest_of (b.r, NULL, db);
    SH_CHECK (memcmp (da, db, SH_HASH_BYTES) != 0);

    //  exchange
    s = s_sync (b.r, a.r);
    SH_CHECK (s.fresh == 2 && s.duplicate == 5);
    s = s_sync (a.r, b.r);
    SH_CHECK (s.fresh == 2 && s.duplicate == 7);
    s = s_sync (b.r, a.r);
    SH_CHECK (s.fresh == 0 && s.duplicate == 9);
    s_digest_of (a.r, NULL, da);
    s_digest_of (b.r, NULL, db);
    SH_CHECK (memcmp (da, db, SH_HASH_BYTES) == 0);
    s_digest_of (a.r, S_VILLAGE, da);
    s_digest_of (b.r, S_YARD, db);
    SH_CHECK (memcmp (da, db, SH_HASH_BYTES) == 0);   //  everything lives in the one courtyard

    //  each lists exactly one matter conflict (the second consult) and one
    //  ledger conflict (the overdraft), the same on both
    json_t *ca, *cb;
    SH_PASS (sh_conflicts_view (sh_replica_store (a.r), "", &ca));
    SH_PASS (sh_conflicts_view (sh_replica_store (b.r), S_VILLAGE, &cb));
    SH_CHECK (json_equal (ca, cb));
    size_t i;
    json_t *x;
    int matters = 0, ledgers = 0;
    json_array_foreach (ca, i, x) {
        SH_CHECK (!strcmp (s_jstr (x, "region"), S_YARD));
        if (!strcmp (s_jstr (x, "kind"), "matter")) {
            matters++;
            SH_CHECK (!strcmp (s_jstr (x, "entity"), m));
            s_names (s_jstr (x, "reason"), S_W ("consult", "repeated"));
        }
        else {
            SH_CHECK (!strcmp (s_jstr (x, "kind"), "ledger") && !strcmp (s_jstr (x, "entity"), p));
            s_names (s_jstr (x, "reason"), S_W ("overdraws"));
            ledgers++;
        }
        SH_CHECK (strlen (s_jstr (x, "author")) == 64 && s_jint (x, "hlc") > 0);
    }
    SH_CHECK (matters == 1 && ledgers == 1);
    json_decref (ca);
    json_decref (cb);

    //  the matter view marks the refused event, and both steps are there
    SH_PASS (sh_view_matter (sh_replica_store (b.r), m, &ca));
    SH_CHECK (!strcmp (s_jstr (ca, "step"), "consult") && s_jint (ca, "conflicts") == 1);
    json_t *ev = json_object_get (ca, "events");
    SH_CHECK (json_array_size (ev) == 3);
    int marked = 0;
    json_array_foreach (ev, i, x)
        if (json_object_get (x, "conflict")) {
            marked++;
            SH_CHECK (i == 2 && !strcmp (s_jstr (x, "step"), "consult"));
        }
    SH_CHECK (marked == 1);
    json_decref (ca);
    SH_PASS (sh_view_balances (sh_replica_store (a.r), NULL, p, &ca));
    SH_CHECK (s_jint (json_object_get (ca, "points"), "balance") == -6 && s_jint (ca, "conflicts") == 1);
    json_decref (ca);
    //  the rules still hold locally: the next step is prescribe on both
    S_REFUSE (a.r, sh_ops_matter_step (a.r, m, "consult", NULL, NULL, msg_), SH_ERULE, "repeated");
    S_REFUSE (b.r, sh_ops_points (b.r, p, true, NULL, 1, NULL, NULL, msg_), SH_ERULE, "cannot redeem", "-6");
    S_ACCEPT (b.r, sh_ops_matter_step (b.r, m, "prescribe", NULL, NULL, msg_), 1);

    //  the log view of A lists every entry with both authors
    SH_PASS (sh_view_log (sh_replica_store (a.r), &ca));
    SH_CHECK (json_array_size (ca) == 9);
    char ha[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    sh_crypto_hex (ha, sh_replica_author (a.r), SH_PUBKEY_BYTES);
    int by_a = 0;
    json_array_foreach (ca, i, x) {
        SH_CHECK (s_jint (x, "index") == (json_int_t) i + 1);
        by_a += !strcmp (s_jstr (x, "author"), ha);
        SH_CHECK (strlen (s_jstr (x, "hash")) == 64 && !strcmp (s_jstr (x, "region"), S_YARD));
    }
    SH_CHECK (by_a == 7);
    x = json_array_get (ca, 0);
    SH_CHECK (!strcmp (s_jstr (x, "kind"), "courtyard") && !strcmp (s_jstr (x, "op"), "put")
              && !strcmp (s_jstr (x, "entity"), S_YARD) && s_jint (x, "seq") == 1);
    json_decref (ca);

    s_node_close (&a);
    s_node_close (&b);
}

//  The day n days after day ("YYYY-MM-DD"), at noon so that no DST change
//  moves it.
static void
s_day_plus (char out[SH_OPS_DAY_BYTES], const char *day, int n)
{
    struct tm tm = { .tm_hour = 12, .tm_isdst = -1 };
    SH_CHECK (sscanf (day, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) == 3);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_mday += n;
    SH_CHECK (mktime (&tm) != (time_t) -1);
    strftime (out, SH_OPS_DAY_BYTES, "%Y-%m-%d", &tm);
}

//  The plausibility rules at entry (issue 12): the figures are
//  refused with a message naming field, value and rule, the boundaries
//  are accepted, and nothing is written by a refusal.
static void
test_plausibility (void)
{
    s_node_t n;
    s_node_open (&n, S_VILLAGE);
    char today[SH_OPS_DAY_BYTES], tomorrow[SH_OPS_DAY_BYTES], after[SH_OPS_DAY_BYTES],
         next_year[SH_OPS_DAY_BYTES], id[SH_OPS_ID_HEX], m[SH_OPS_ID_HEX], p[SH_OPS_ID_HEX], year[8];
    sh_ops_today (n.r, today);
    s_day_plus (tomorrow, today, 1);
    s_day_plus (after, today, 2);
    s_day_plus (next_year, today, 365);
    snprintf (year, sizeof year, "%.4s", today);

    //  a courtyard of 12 households (44 % have fewer than 15): 20 residents per household at most
    sh_ops_courtyard_t c = { .code = S_YARD, .name = "张家院子", .households = 12, .residents = 500,
                             .elderly = SH_OPS_UNSET };
    S_REFUSE (n.r, sh_ops_courtyard_add (n.r, &c, msg_), SH_EINVAL, "residents 500", "20 per household",
              "at most 240");
    c.residents = 40;
    S_ACCEPT (n.r, sh_ops_courtyard_add (n.r, &c, msg_), 1);
    sh_ops_courtyard_t c2 = { .code = S_YARD2, .name = "李家湾", .households = 12, .residents = 240,
                              .elderly = SH_OPS_UNSET };
    S_ACCEPT (n.r, sh_ops_courtyard_add (n.r, &c2, msg_), 1);

    //  persons: a birth year of 2030, a phone number abc
    sh_ops_person_t ps = { .name = "张大爷", .courtyard = S_YARD, .birth_year = 2030 };
    S_REFUSE (n.r, sh_ops_person_add (n.r, &ps, p, msg_), SH_EINVAL, "birth year 2030", "not yet born", year);
    ps.birth_year = atoi (year) + 1;
    S_REFUSE (n.r, sh_ops_person_add (n.r, &ps, p, msg_), SH_EINVAL, "not yet born");
    ps.birth_year = 1899;
    S_REFUSE (n.r, sh_ops_person_add (n.r, &ps, p, msg_), SH_EINVAL, "birth year 1899", "before 1900");
    ps.birth_year = atoi (year);
    ps.phone = "abc";
    S_REFUSE (n.r, sh_ops_person_add (n.r, &ps, p, msg_), SH_EINVAL, "phone number 'abc'", "not well-formed");
    ps.phone = "123";
    S_REFUSE (n.r, sh_ops_person_add (n.r, &ps, p, msg_), SH_EINVAL, "phone number '123'", "7 to 15 digits");
    static const char *const phones[] = { "13800138000", "023-12345678", "+86 138 0013 8000" };
    for (size_t i = 0; i < 3; i++) {
        ps.phone = phones[i];
        S_ACCEPT (n.r, sh_ops_person_add (n.r, &ps, p, msg_), 1);
    }

    //  roles: appointed at most a day ahead; dismissed not before the appointment
    S_REFUSE (n.r, sh_ops_role_assign (n.r, p, "courtyard_head", NULL, after, msg_), SH_EINVAL,
              "the appointment date", after, "at most 1 day ahead");
    S_ACCEPT (n.r, sh_ops_role_assign (n.r, p, "courtyard_head", NULL, "2024-05-01", msg_), 1);
    S_REFUSE (n.r, sh_ops_role_dismiss (n.r, p, "courtyard_head", NULL, "2024-04-30", msg_), SH_ERULE,
              "the dismissal date 2024-04-30 is before the appointment (2024-05-01)");
    S_REFUSE (n.r, sh_ops_role_dismiss (n.r, p, "courtyard_head", NULL, after, msg_), SH_EINVAL,
              "the dismissal date", "at most 1 day ahead");
    S_ACCEPT (n.r, sh_ops_role_dismiss (n.r, p, "courtyard_head", NULL, "2024-05-01", msg_), 1);

    //  meetings: a year ahead, today + 2 refused; today + 1 accepted
    sh_ops_meeting_t mt = { .courtyard = S_YARD, .kind = "party-masses-day", .date = next_year,
                            .attendance = SH_OPS_UNSET, .invited = SH_OPS_UNSET };
    S_REFUSE (n.r, sh_ops_meeting_record (n.r, &mt, id, msg_), SH_EINVAL, "the meeting date", next_year,
              "days after today", today);
    mt.date = after;
    S_REFUSE (n.r, sh_ops_meeting_record (n.r, &mt, id, msg_), SH_EINVAL, "is 2 days after today");
    mt.date = tomorrow;
    S_ACCEPT (n.r, sh_ops_meeting_record (n.r, &mt, id, msg_), 1);
    mt.date = NULL;
    S_ACCEPT (n.r, sh_ops_meeting_record (n.r, &mt, id, msg_), 1);
    //  attendance: 500 in a courtyard of 12 households; residents + invited is the most
    mt.attendance = 500;
    S_REFUSE (n.r, sh_ops_meeting_record (n.r, &mt, id, msg_), SH_ERULE, "attendance 500", "40 residents",
              "0 invited", "at most 40");
    mt.attendance = 45;
    mt.invited = 5;
    S_ACCEPT (n.r, sh_ops_meeting_record (n.r, &mt, id, msg_), 1);
    mt.attendance = 46;
    S_REFUSE (n.r, sh_ops_meeting_record (n.r, &mt, id, msg_), SH_ERULE, "attendance 46", "5 invited",
              "at most 45");
    mt.invited = 201;
    S_REFUSE (n.r, sh_ops_meeting_record (n.r, &mt, id, msg_), SH_EINVAL, "invited", "0 to 200", "201");
    mt.invited = -1;
    S_REFUSE (n.r, sh_ops_meeting_record (n.r, &mt, id, msg_), SH_EINVAL, "invited", "-1");
    mt.invited = SH_OPS_UNSET;
    //  residents not on record: households x 6
    sh_ops_courtyard_t c3 = { .code = "500115001001003", .name = "王家坝", .households = 12,
                              .residents = SH_OPS_UNSET, .elderly = SH_OPS_UNSET };
    S_ACCEPT (n.r, sh_ops_courtyard_add (n.r, &c3, msg_), 1);
    sh_ops_meeting_t m3 = { .courtyard = c3.code, .kind = "deliberation", .attendance = 72,
                            .invited = SH_OPS_UNSET };
    S_ACCEPT (n.r, sh_ops_meeting_record (n.r, &m3, id, msg_), 1);
    m3.attendance = 73;
    S_REFUSE (n.r, sh_ops_meeting_record (n.r, &m3, id, msg_), SH_ERULE, "12 households x 6", "at most 72");

    //  matters: events not before the opening, not after tomorrow
    S_REFUSE (n.r, sh_ops_matter_open (n.r, S_YARD, "environment", "清理排水沟", NULL, after, m, msg_),
              SH_EINVAL, "the opening date", after);
    S_ACCEPT (n.r, sh_ops_matter_open (n.r, S_YARD, "environment", "清理排水沟", NULL, "2024-03-01", m, msg_), 1);
    S_REFUSE (n.r, sh_ops_matter_step (n.r, m, "handle", NULL, "2024-02-29", msg_), SH_ERULE,
              "the step date 2024-02-29 is before the matter was opened (2024-03-01)");
    S_REFUSE (n.r, sh_ops_matter_escalate (n.r, m, "small", NULL, "2023-12-31", msg_), SH_ERULE,
              "the escalation date 2023-12-31");
    S_REFUSE (n.r, sh_ops_matter_step (n.r, m, "handle", NULL, after, msg_), SH_EINVAL, "the step date", after);
    S_ACCEPT (n.r, sh_ops_matter_step (n.r, m, "handle", NULL, "2024-03-01", msg_), 1);
    S_ACCEPT (n.r, sh_ops_matter_step (n.r, m, "feedback", NULL, tomorrow, msg_), 1);
    S_REFUSE (n.r, sh_ops_matter_close (n.r, m, 4, NULL, "2024-01-01", msg_), SH_ERULE, "the closing date");
    //  an unknown matter is named as before
    S_REFUSE (n.r, sh_ops_matter_step (n.r, "00000000000000000000000000000000", "handle", NULL, NULL, msg_),
              SH_ENOTFOUND, "unknown matter");
    //  a mediation tied to the matter: not before its opening
    sh_ops_mediation_t md = { .courtyard = S_YARD, .level = "courtyard", .kind = "neighbour",
                              .outcome = "resolved", .date = "2024-02-01", .parties = 2, .matter_hex = m };
    S_REFUSE (n.r, sh_ops_mediation_record (n.r, &md, id, msg_), SH_ERULE,
              "the mediation date 2024-02-01 is before the matter was opened (2024-03-01)");
    md.date = after;
    S_REFUSE (n.r, sh_ops_mediation_record (n.r, &md, id, msg_), SH_EINVAL, "the mediation date", after);
    md.date = "2024-03-01";
    S_ACCEPT (n.r, sh_ops_mediation_record (n.r, &md, id, msg_), 1);

    //  points: the future rule only
    S_REFUSE (n.r, sh_ops_points (n.r, p, false, "points", 5, NULL, after, msg_), SH_EINVAL, "the points date");
    S_ACCEPT (n.r, sh_ops_points (n.r, p, false, "points", 5, NULL, tomorrow, msg_), 1);
    S_ACCEPT (n.r, sh_ops_points (n.r, p, false, "points", 5, NULL, "1990-01-01", msg_), 1);

    //  the CSV import names line and column, and imports nothing
    const char *const *w[] = { S_W ("line 3", "column 4", "(residents)", "residents 500", "20 per household") };
    s_import_bad (&n, "code,name,households,residents\n"
                      "500115001001004,好院,12,40\n"
                      "500115001001005,坏院,12,500\n", SH_EINVAL, w, 1);

    //  the node's clock sets today (SHOUHE_FAULT_CLOCK_MS): a year ahead, next year's date is tomorrow's
    sh_replica_set_clock_offset (n.r, 364LL * 86400000);
    mt.date = next_year;
    mt.attendance = SH_OPS_UNSET;
    S_ACCEPT (n.r, sh_ops_meeting_record (n.r, &mt, id, msg_), 1);

    s_node_close (&n);
}

//  A town node leads only the matters escalated to big (大事镇街督办).
static void
test_town_node (void)
{
    s_node_t v, t;
    s_node_open (&v, S_VILLAGE);
    s_node_open (&t, "500115001");
    sh_ops_courtyard_t c = s_yard (S_YARD, "黄家院");
    S_ACCEPT (v.r, sh_ops_courtyard_add (v.r, &c, msg_), 1);
    char small[SH_OPS_ID_HEX], big[SH_OPS_ID_HEX];
    S_ACCEPT (v.r, sh_ops_matter_open (v.r, S_YARD, "economy", "small one", NULL, NULL, small, msg_), 1);
    S_ACCEPT (v.r, sh_ops_matter_escalate (v.r, small, "small", NULL, NULL, msg_), 1);
    S_ACCEPT (v.r, sh_ops_matter_open (v.r, S_YARD, "economy", "big one", NULL, NULL, big, msg_), 1);
    S_ACCEPT (v.r, sh_ops_matter_escalate (v.r, big, "big", NULL, NULL, msg_), 1);
    SH_CHECK (s_sync (v.r, t.r).fresh == 5);
    S_REFUSE (t.r, sh_ops_matter_step (t.r, small, "consult", NULL, NULL, msg_), SH_ERULE, small,
              "step consult by a town node", "small matter is led by its village", "escalated to big");
    S_REFUSE (t.r, sh_ops_matter_escalate (t.r, small, "small", NULL, NULL, msg_), SH_ERULE,
              "escalation to small by a town node", "only to big");
    S_ACCEPT (t.r, sh_ops_matter_note (t.r, small, "镇街已了解", NULL, msg_), 1);
    S_ACCEPT (t.r, sh_ops_matter_step (t.r, big, "consult", "town meeting", NULL, msg_), 1);
    //  the town's note and handling flow back down to the village
    SH_CHECK (s_sync (t.r, v.r).fresh == 2);
    json_t *j;
    SH_PASS (sh_view_matter (sh_replica_store (v.r), big, &j));
    SH_CHECK (!strcmp (s_jstr (j, "tier"), "big") && !strcmp (s_jstr (j, "step"), "consult"));
    json_decref (j);
    //  a village node cannot write another village's courtyard
    sh_ops_courtyard_t o = s_yard (S_OTHER_VILLAGE_YARD, "外村");
    S_REFUSE (v.r, sh_ops_courtyard_add (v.r, &o, msg_), SH_ESCOPE, "scope");
    S_ACCEPT (t.r, sh_ops_courtyard_add (t.r, &o, msg_), 1);
    s_node_close (&v);
    s_node_close (&t);
}

static void
test_validators (void)
{
    SH_CHECK (sh_ops_date_valid ("2024-02-29") && !sh_ops_date_valid ("2023-02-29"));
    SH_CHECK (sh_ops_date_valid ("2000-02-29") && !sh_ops_date_valid ("1900-02-29"));
    SH_CHECK (sh_ops_date_valid ("1900-01-01") && !sh_ops_date_valid ("1899-12-31"));
    SH_CHECK (sh_ops_date_valid ("2999-12-31") && !sh_ops_date_valid ("3000-01-01"));
    SH_CHECK (!sh_ops_date_valid ("2024-04-31") && !sh_ops_date_valid ("2024-00-10"));
    SH_CHECK (!sh_ops_date_valid ("2024-1-01") && !sh_ops_date_valid ("2024/01/01"));
    SH_CHECK (!sh_ops_date_valid ("2024-01-01 ") && !sh_ops_date_valid ("+024-01-01"));
    SH_CHECK (!sh_ops_date_valid ("") && !sh_ops_date_valid (NULL));
    SH_CHECK (sh_ops_period_valid ("2024Q1") && sh_ops_period_valid ("2024Q4"));
    SH_CHECK (!sh_ops_period_valid ("2024Q0") && !sh_ops_period_valid ("2024q1"));
    SH_CHECK (!sh_ops_period_valid ("2024Q12") && !sh_ops_period_valid (NULL));
    SH_CHECK (sh_ops_code_valid ("500115", 6) && !sh_ops_code_valid ("500115", 9));
    SH_CHECK (!sh_ops_code_valid ("50011a", 6) && !sh_ops_code_valid (NULL, 6));
}

static const sh_test_case_t tests[] = {
    { "validators", test_validators },
    { "courtyard add", test_courtyard_add },
    { "persons and roles", test_persons_roles },
    { "matters", test_matters },
    { "meetings and mediations", test_meetings_mediations },
    { "points", test_points },
    { "evaluate", test_evaluate },
    { "import", test_import },
    { "two replicas", test_two_replicas },
    { "town node", test_town_node },
    { "plausibility", test_plausibility },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
