/*  faults_store_test -- issue 6, "Faults built in": the built-in countdown
    makes the Nth store commit fail, and each scenario is run for N = 1, 2,
    ... until the countdown no longer reaches 0. Every run must give a clean
    error, leak nothing (LeakSanitizer in the SHOUHE_SANITIZE build) and
    leave an intact store. The decoder allocation faults are in
    faults_wire_test.c.

    Everything is real: replicas and hub stores are LMDB environments in
    temporary directories, changes are signed by real keys, batches come out
    of a real hub (sh_hublog_push / pull), checkpoints are real signed notes.

    - node commits: K domain operations through sh_ops, each one write
      transaction, on a fresh replica per N = 1 .. K + 1. Operation N fails
      with SH_EFAULT; the log then holds exactly the operations before it,
      the views equal a fault-free replica's after those operations, the
      state is exactly the merge of the log, the replica reopens, and the
      failed operation then goes through.
    - node ingest: a node takes in ~100 changes of two other nodes from the
      hub in batches, one transaction each with its download cursor (meta
      "hub.since"), as `shouhe-node sync` does. A failed commit leaves the
      log and cursor as they were; pulling again from the cursor completes.
    - hub commits: 4 pushes of 50 changes, each followed by a checkpoint.
      A failed push answers ERR_INTERNAL and stores nothing of its batch; the
      tree, the log and the latest checkpoint stay consistent; the batch
      pushed again is taken in.

    Both store scenarios end with every change held exactly once and the
    digest of a fault-free run.
*/
#include "sh_test.h"

#include "faults_util.h"

#include "sh_change.h"
#include "sh_changelog.h"
#include "sh_conflicts.h"
#include "sh_crypto.h"
#include "sh_hubid.h"
#include "sh_hublog.h"
#include "sh_key.h"
#include "sh_merge.h"
#include "sh_merkle.h"
#include "sh_note.h"
#include "sh_ops.h"
#include "sh_registry.h"
#include "sh_replica.h"
#include "sh_store.h"
#include "sh_view.h"
#include "sh_wire.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* --------------------------------------------------------------------------
 * Digests, counts, the log
 * -------------------------------------------------------------------------- */

static void
s_digest (sh_store_t *store, const char *scope, uint8_t out[SH_HASH_BYTES])
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, false, &txn));
    SH_PASS (sh_merge_digest (txn, scope, out));
    sh_store_abort (&txn);
}

static void
s_counts (sh_store_t *store, uint64_t counts[SH_DB_COUNT])
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, false, &txn));
    for (int db = 0; db < SH_DB_COUNT; db++)
        SH_PASS (sh_store_count (txn, (sh_store_db_t) db, &counts[db]));
    sh_store_abort (&txn);
}

static void
s_same_counts (const uint64_t a[SH_DB_COUNT], const uint64_t b[SH_DB_COUNT])
{
    for (int db = 0; db < SH_DB_COUNT; db++) {
        if (a[db] != b[db])
            fprintf (stderr, "database %d: %" PRIu64 " entries before, %" PRIu64 " after\n", db, a[db], b[db]);
        SH_CHECK (a[db] == b[db]);
    }
}

//  The whole log must verify, with exactly size entries.
static void
s_log_verifies (sh_store_t *store, uint64_t size)
{
    sh_changelog_fault_t fault;
    sh_err rc = sh_changelog_verify (store, &fault);
    if (rc)
        fprintf (stderr, "log verify: %s\n", fault.message);
    SH_PASS (rc);
    SH_CHECK (fault.checked == size);
}

/* ==========================================================================
 * 1. Commit faults at a node: domain operations
 * ========================================================================== */

//  Ids handed out by the operations (random), and the labels they are
//  compared under.
enum { S_P1, S_P2, S_M1, S_M2, S_MT1, S_MD1, S_NIDS };
static const char *const s_labels[S_NIDS] = { "<P1>", "<P2>", "<M1>", "<M2>", "<MT1>", "<MD1>" };

typedef struct {
    char *dir;                          //  the replica's directory (owned)
    sh_replica_t *r;                    //  the replica
    char id[S_NIDS][SH_OPS_ID_HEX];     //  ids made so far ("" if not yet)
} s_run_t;

typedef sh_err (s_op_fn) (s_run_t *x, char *msg);

typedef struct {
    const char *name;                   //  what the CLI would say
    sh_kind_t kind;                     //  the kind of the one change it writes
    s_op_fn *fn;
} s_op_t;

//  Keep the id an operation made, only when it succeeded.
static sh_err
s_keep (s_run_t *x, int slot, sh_err rc, const char *id)
{
    if (rc == SH_OK) {
        SH_CHECK (strlen (id) == 2 * SH_OPS_ID_BYTES);
        memcpy (x->id[slot], id, SH_OPS_ID_HEX);
    }
    return rc;
}

static sh_err
s_op_courtyard1 (s_run_t *x, char *msg)
{
    sh_ops_courtyard_t c = { .code = S_CY1, .name = "张家院子", .households = 18, .residents = 52,
                             .elderly = 11, .point = "fixed", .grid = "网格3", .villager_group = "二组" };
    return sh_ops_courtyard_add (x->r, &c, msg);
}

static sh_err
s_op_courtyard2 (s_run_t *x, char *msg)
{
    sh_ops_courtyard_t c = { .code = S_CY2, .name = "寿和小院", .households = 26,
                             .residents = SH_OPS_UNSET, .elderly = SH_OPS_UNSET, .model = true };
    return sh_ops_courtyard_add (x->r, &c, msg);
}

static sh_err
s_op_person1 (s_run_t *x, char *msg)
{
    sh_ops_person_t p = { .name = "张大爷", .courtyard = S_CY1, .gender = "male", .birth_year = 1956,
                          .party_member = true, .phone = "13800000001" };
    char id[SH_OPS_ID_HEX] = "";
    return s_keep (x, S_P1, sh_ops_person_add (x->r, &p, id, msg), id);
}

static sh_err
s_op_person2 (s_run_t *x, char *msg)
{
    sh_ops_person_t p = { .name = "李大娘", .courtyard = S_CY2, .gender = "female", .birth_year = 1961 };
    char id[SH_OPS_ID_HEX] = "";
    return s_keep (x, S_P2, sh_ops_person_add (x->r, &p, id, msg), id);
}

static sh_err
s_op_role (s_run_t *x, char *msg)
{
    return sh_ops_role_assign (x->r, x->id[S_P1], "courtyard-head", "recommended", "2024-03-01", msg);
}

static sh_err
s_op_matter1 (s_run_t *x, char *msg)
{
    char id[SH_OPS_ID_HEX] = "";
    sh_err rc = sh_ops_matter_open (x->r, S_CY1, "mediation", "宅基地边界纠纷", "两户围墙相距不足一米",
                                    "2024-03-05", id, msg);
    return s_keep (x, S_M1, rc, id);
}

static sh_err
s_op_escalate1 (s_run_t *x, char *msg)
{
    return sh_ops_matter_escalate (x->r, x->id[S_M1], "small", "院落调解未果", "2024-03-06", msg);
}

static sh_err
s_op_consult1 (s_run_t *x, char *msg)
{
    return sh_ops_matter_step (x->r, x->id[S_M1], "consult", "村社会诊", "2024-03-08", msg);
}

static sh_err
s_op_meeting (s_run_t *x, char *msg)
{
    const char *topics[] = { "院坝清洁轮值", "宅基地边界" };
    const char *decisions[] = { "每户每月值日一次" };
    sh_ops_meeting_t m = { .courtyard = S_CY1, .kind = "deliberation", .date = "2024-03-10",
                           .attendance = 23, .topics = topics, .n_topics = 2,
                           .decisions = decisions, .n_decisions = 1, .location = "院坝" };
    char id[SH_OPS_ID_HEX] = "";
    return s_keep (x, S_MT1, sh_ops_meeting_record (x->r, &m, id, msg), id);
}

static sh_err
s_op_earn (s_run_t *x, char *msg)
{
    return sh_ops_points (x->r, x->id[S_P1], false, "points", 10, "清理沟渠", "2024-03-11", msg);
}

static sh_err
s_op_evaluate (s_run_t *x, char *msg)
{
    int maturity = 0;
    sh_err rc = sh_ops_evaluate (x->r, S_CY1, "2024Q1", "deliberation", 8, 7, 9, &maturity, msg);
    SH_CHECK (rc != SH_OK || maturity > 0);
    return rc;
}

static sh_err
s_op_matter2 (s_run_t *x, char *msg)
{
    char id[SH_OPS_ID_HEX] = "";
    sh_err rc = sh_ops_matter_open (x->r, S_CY2, "customs", "评选文明家庭", NULL, "2024-03-12", id, msg);
    return s_keep (x, S_M2, rc, id);
}

static sh_err
s_op_handle2 (s_run_t *x, char *msg)
{
    return sh_ops_matter_step (x->r, x->id[S_M2], "handle", NULL, "2024-03-13", msg);
}

static sh_err
s_op_mediation (s_run_t *x, char *msg)
{
    sh_ops_mediation_t m = { .courtyard = S_CY1, .level = "courtyard", .kind = "neighbour",
                             .outcome = "resolved", .date = "2024-03-14", .parties = 2,
                             .summary = "围墙退让二十公分", .matter_hex = x->id[S_M1] };
    char id[SH_OPS_ID_HEX] = "";
    return s_keep (x, S_MD1, sh_ops_mediation_record (x->r, &m, id, msg), id);
}

static sh_err
s_op_redeem (s_run_t *x, char *msg)
{
    return sh_ops_points (x->r, x->id[S_P1], true, "points", 3, "兑换洗衣粉", "2024-03-15", msg);
}

static sh_err
s_op_feedback2 (s_run_t *x, char *msg)
{
    return sh_ops_matter_step (x->r, x->id[S_M2], "feedback", "群众满意", "2024-03-16", msg);
}

static sh_err
s_op_close2 (s_run_t *x, char *msg)
{
    return sh_ops_matter_close (x->r, x->id[S_M2], 5, NULL, "2024-03-17", msg);
}

static sh_err
s_op_role2 (s_run_t *x, char *msg)
{
    return sh_ops_role_assign (x->r, x->id[S_P2], "bay-head", "self", "2024-03-18", msg);
}

static const s_op_t s_ops[] = {
    { "courtyard add " S_CY1, SH_KIND_COURTYARD, s_op_courtyard1 },
    { "courtyard add " S_CY2, SH_KIND_COURTYARD, s_op_courtyard2 },
    { "person add P1", SH_KIND_PERSON, s_op_person1 },
    { "person add P2", SH_KIND_PERSON, s_op_person2 },
    { "role assign P1 courtyard-head", SH_KIND_ROLE, s_op_role },
    { "matter open M1", SH_KIND_MATTER, s_op_matter1 },
    { "matter escalate M1 small", SH_KIND_MATTER_EVENT, s_op_escalate1 },
    { "matter step M1 consult", SH_KIND_MATTER_EVENT, s_op_consult1 },
    { "meeting record", SH_KIND_MEETING, s_op_meeting },
    { "points earn P1 10", SH_KIND_LEDGER, s_op_earn },
    { "evaluate " S_CY1 " 2024Q1", SH_KIND_EVALUATION, s_op_evaluate },
    { "matter open M2", SH_KIND_MATTER, s_op_matter2 },
    { "matter step M2 handle", SH_KIND_MATTER_EVENT, s_op_handle2 },
    { "mediation record (M1)", SH_KIND_MEDIATION, s_op_mediation },
    { "points redeem P1 3", SH_KIND_LEDGER, s_op_redeem },
    { "matter step M2 feedback", SH_KIND_MATTER_EVENT, s_op_feedback2 },
    { "matter close M2", SH_KIND_MATTER_EVENT, s_op_close2 },
    { "role assign P2 bay-head", SH_KIND_ROLE, s_op_role2 },
};
#define S_NOPS (sizeof s_ops / sizeof s_ops[0])

//  s with every id of x replaced by its label.
static char *
s_norm_text (const char *s, const s_run_t *x)
{
    size_t cap = strlen (s) + 1;
    char *out = malloc (cap);
    SH_CHECK (out);
    size_t n = 0;
    while (*s) {
        int hit = -1;
        for (int i = 0; i < S_NIDS && hit < 0; i++)
            if (x->id[i][0] && strncmp (s, x->id[i], 2 * SH_OPS_ID_BYTES) == 0)
                hit = i;
        const char *piece = hit >= 0 ? s_labels[hit] : s;
        size_t len = hit >= 0 ? strlen (piece) : 1;
        if (n + len + 1 > cap) {
            cap = 2 * cap + len;
            out = realloc (out, cap);
            SH_CHECK (out);
        }
        memcpy (out + n, piece, len);
        n += len;
        s += hit >= 0 ? 2 * SH_OPS_ID_BYTES : 1;
    }
    out[n] = '\0';
    return out;
}

static int
s_json_order (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

//  Is j a list of records (objects with an "id" or a "person")? Those come
//  in key order, and keys hold the random ids.
static bool
s_is_records (json_t *j)
{
    size_t i;
    json_t *e;
    json_array_foreach (j, i, e)
        if (!json_is_object (e) || (!json_object_get (e, "id") && !json_object_get (e, "person")))
            return false;
    return true;
}

//  A copy of j that two replicas which ran the same operations agree on:
//  ids as labels, no clock values or author keys, lists of records sorted
//  (other arrays -- events, topics -- keep their order).
static json_t *
s_norm (json_t *j, const s_run_t *x)
{
    if (json_is_object (j)) {
        json_t *o = json_object ();
        const char *key;
        json_t *v;
        json_object_foreach (j, key, v) {
            if (strcmp (key, "hlc") == 0 || strcmp (key, "author") == 0 || strcmp (key, "time_ms") == 0
            ||  strcmp (key, "who") == 0 || strcmp (key, "at") == 0)      //  the author and the hlc again
                continue;
            char *nk = s_norm_text (key, x);
            json_object_set_new (o, nk, s_norm (v, x));
            free (nk);
        }
        return o;
    }
    if (json_is_array (j)) {
        size_t n = json_array_size (j);
        char **dumps = calloc (n ? n : 1, sizeof *dumps);
        SH_CHECK (dumps);
        for (size_t i = 0; i < n; i++) {
            json_t *e = s_norm (json_array_get (j, i), x);
            dumps[i] = json_dumps (e, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
            SH_CHECK (dumps[i]);
            json_decref (e);
        }
        if (s_is_records (j))
            qsort (dumps, n, sizeof *dumps, s_json_order);
        json_t *a = json_array ();
        for (size_t i = 0; i < n; i++) {
            json_t *e = json_loads (dumps[i], JSON_DECODE_ANY, NULL);
            SH_CHECK (e);
            json_array_append_new (a, e);
            free (dumps[i]);
        }
        free (dumps);
        return a;
    }
    if (json_is_string (j)) {
        char *t = s_norm_text (json_string_value (j), x);
        json_t *s = json_string (t);
        free (t);
        return s;
    }
    return json_deep_copy (j);
}

//  One view into all under name: null when there is nothing to show.
static void
s_view_add (json_t *all, const char *name, sh_err rc, json_t *v)
{
    if (rc == SH_ENOTFOUND)
        v = json_null ();
    else
        SH_PASS (rc);
    json_object_set_new (all, name, v);
}

//  call fills v (a sequence point apart from reading it).
#define S_VIEW(all, name, call) do { json_t *v = NULL; sh_err rc_ = (call); \
    s_view_add ((all), (name), rc_, v); } while (0)

//  What the node's views show, normalised (s_norm).
static json_t *
s_views (s_run_t *x)
{
    sh_store_t *st = sh_replica_store (x->r);
    json_t *all = json_object ();
    S_VIEW (all, "courtyards", sh_view_courtyards (st, "", &v));
    S_VIEW (all, "courtyard 1", sh_view_courtyard (st, S_CY1, &v));
    S_VIEW (all, "courtyard 2", sh_view_courtyard (st, S_CY2, &v));
    S_VIEW (all, "persons", sh_view_persons (st, "", &v));
    S_VIEW (all, "matters", sh_view_matters (st, "", &v));
    S_VIEW (all, "meetings", sh_view_meetings (st, "", &v));
    S_VIEW (all, "mediations", sh_view_mediations (st, "", &v));
    S_VIEW (all, "balances", sh_view_balances (st, "", NULL, &v));
    S_VIEW (all, "hexagon", sh_view_hexagon (st, S_CY1, NULL, &v));
    S_VIEW (all, "conflicts", sh_conflicts_view (st, "", &v));
    if (x->id[S_M1][0])
        S_VIEW (all, "matter 1", sh_view_matter (st, x->id[S_M1], &v));
    if (x->id[S_M2][0])
        S_VIEW (all, "matter 2", sh_view_matter (st, x->id[S_M2], &v));
    json_t *norm = s_norm (all, x);
    json_decref (all);
    return norm;
}

static void
s_same_views (json_t *got, json_t *want, const char *when)
{
    if (!json_equal (got, want)) {
        char *g = json_dumps (got, JSON_INDENT (1) | JSON_SORT_KEYS);
        char *w = json_dumps (want, JSON_INDENT (1) | JSON_SORT_KEYS);
        fprintf (stderr, "views differ %s:\n--- got\n%s\n--- want\n%s\n", when, g, w);
        free (g);
        free (w);
        SH_CHECK (false);
    }
}

//  A second replica that takes in x's log (every change as it was signed)
//  must come to the very same state: nothing was merged that is not in the
//  log, nothing in the log was left unmerged.
static void
s_state_is_log (s_run_t *x)
{
    char *dir = fu_path (x->dir, "mirror");      //  inside the run's directory, removed with it
    sh_replica_t *m;
    SH_PASS (sh_replica_create (&m, dir, sh_replica_scope (x->r)));
    sh_store_txn_t *rtxn, *wtxn;
    uint64_t size;
    SH_PASS (sh_store_begin (sh_replica_store (x->r), false, &rtxn));
    SH_PASS (sh_changelog_size (rtxn, &size));
    SH_PASS (sh_replica_begin (m, &wtxn));
    for (uint64_t i = 1; i <= size; i++) {
        const uint8_t *bytes;
        size_t len;
        bool dup;
        SH_PASS (sh_changelog_get (rtxn, i, &bytes, &len));
        SH_PASS (sh_replica_ingest (m, wtxn, bytes, len, &dup, NULL));
        SH_CHECK (!dup);
    }
    SH_PASS (sh_store_commit (&wtxn));
    sh_store_abort (&rtxn);
    uint8_t a[SH_HASH_BYTES], b[SH_HASH_BYTES];
    s_digest (sh_replica_store (x->r), "", a);
    s_digest (sh_replica_store (m), "", b);
    SH_CHECK (memcmp (a, b, SH_HASH_BYTES) == 0);
    sh_replica_close (&m);
    sh_test_rmdir (dir);
}

//  The replica holds exactly the changes of s_ops[0 .. done - 1], one each,
//  in order, its log verifies, its views are want.
static void
s_ops_check (s_run_t *x, size_t done, json_t *want, const char *when)
{
    sh_store_t *st = sh_replica_store (x->r);
    sh_store_txn_t *txn;
    uint64_t size, count, head;
    uint8_t head_hash[SH_HASH_BYTES];
    SH_PASS (sh_store_begin (st, false, &txn));
    SH_PASS (sh_changelog_size (txn, &size));
    SH_PASS (sh_store_count (txn, SH_DB_LOG, &count));
    SH_PASS (sh_changelog_head (txn, sh_replica_author (x->r), &head, head_hash));
    if (size != done)
        fprintf (stderr, "%s: the log holds %" PRIu64 " changes, %zu operations succeeded\n", when, size, done);
    SH_CHECK (size == done && count == done && head == done);
    for (uint64_t i = 1; i <= size; i++) {
        const uint8_t *bytes;
        size_t len;
        sh_change_t c;
        SH_PASS (sh_changelog_get (txn, i, &bytes, &len));
        SH_PASS (sh_change_open (&c, NULL, bytes, len, NULL));
        SH_CHECK (memcmp (c.author, sh_replica_author (x->r), SH_PUBKEY_BYTES) == 0);
        SH_CHECK (c.seq == i && c.kind == s_ops[i - 1].kind);
        sh_change_fini (&c);
    }
    sh_store_abort (&txn);
    s_log_verifies (st, done);
    json_t *got = s_views (x);
    s_same_views (got, want, when);
    json_decref (got);
}

//  Run the operations on a fresh replica whose n-th write commit fails (0:
//  none). views[i] is what the views show after the first i operations:
//  filled in by the fault-free run (n = 0), checked by the others.
static void
s_ops_run (const char *base, unsigned n, json_t **views)
{
    s_run_t x;
    memset (&x, 0, sizeof x);
    char name[32];
    snprintf (name, sizeof name, "ops-%u", n);
    x.dir = fu_path (base, name);
    SH_PASS (sh_replica_create (&x.r, x.dir, S_VILLAGE_A));
    if (n == 0)
        views[0] = s_views (&x);
    sh_store_fail_commit_after (sh_replica_store (x.r), n);
    bool fired = false;
    for (size_t i = 0; i < S_NOPS; i++) {
        char msg[SH_OPS_MSG_BYTES] = "";
        sh_err rc = s_ops[i].fn (&x, msg);
        if (i + 1 == n) {
            //  this operation's commit is the n-th: a clean refusal naming the cause
            if (rc != SH_EFAULT)
                fprintf (stderr, "%s with commit %u failing: %s (%s)\n", s_ops[i].name, n,
                         sh_strerror (rc), msg);
            SH_CHECK (rc == SH_EFAULT);
            SH_CHECK (strstr (msg, sh_strerror (SH_EFAULT)) != NULL);
            char when[96];
            snprintf (when, sizeof when, "after \"%s\" failed", s_ops[i].name);
            s_ops_check (&x, i, views[i], when);
            s_state_is_log (&x);
            //  the store on disk is whole: closed and reopened (no fault armed
            //  then), it holds the same
            sh_replica_close (&x.r);
            SH_PASS (sh_replica_open (&x.r, x.dir));
            s_ops_check (&x, i, views[i], when);
            //  and the operation goes through when tried again
            msg[0] = '\0';
            rc = s_ops[i].fn (&x, msg);
            fired = true;
        }
        if (rc)
            fprintf (stderr, "%s (commit %u failing): %s\n", s_ops[i].name, n, msg);
        SH_PASS (rc);
        if (n == 0)
            views[i + 1] = s_views (&x);
    }
    SH_CHECK (fired == (n >= 1 && n <= S_NOPS));
    if (n == S_NOPS + 1) {
        //  every operation made exactly one write commit: the next one is the n-th
        sh_store_txn_t *txn;
        SH_PASS (sh_replica_begin (x.r, &txn));
        SH_PASS (sh_store_meta_put_str (txn, "probe", "x"));
        SH_FAIL (sh_store_commit (&txn), SH_EFAULT);
        SH_CHECK (txn == NULL);
        SH_PASS (sh_store_begin (sh_replica_store (x.r), false, &txn));
        char buf[8];
        SH_FAIL (sh_store_meta_get_str (txn, "probe", buf, sizeof buf), SH_ENOTFOUND);
        sh_store_abort (&txn);
    }
    s_ops_check (&x, S_NOPS, views[S_NOPS], "at the end");
    s_state_is_log (&x);
    sh_replica_close (&x.r);
    sh_test_rmdir (x.dir);
}

static void
test_node_commit_faults (void)
{
    SH_CHECK (S_NOPS >= 12);
    char *base = sh_test_tmpdir ();
    json_t *views[S_NOPS + 1];
    memset (views, 0, sizeof views);
    s_ops_run (base, 0, views);
    for (unsigned n = 1; n <= S_NOPS + 1; n++)
        s_ops_run (base, n, views);
    printf ("  node: %zu operations, commit N failing for N = 1..%zu\n", S_NOPS, S_NOPS + 1);
    for (size_t i = 0; i <= S_NOPS; i++)
        json_decref (views[i]);
    sh_test_rmdir (base);
}

/* ==========================================================================
 * 2. Commit faults at a node: taking in batches from the hub
 * ========================================================================== */

#define S_PULL_MAX 16           //  changes per downloaded batch

typedef struct {
    char *base;                         //  temporary directory
    fu_writer_t t, d;                    //  a town node and a district node
    sh_store_t *hub;                    //  holding what both wrote
    fu_list_t sel;                       //  what village A receives, in hub log order
    uint64_t sel_index[128];            //  the hub log index of each
} s_ingfx_t;

static void
s_ingfx_init (s_ingfx_t *fx)
{
    memset (fx, 0, sizeof *fx);
    fx->base = sh_test_tmpdir ();
    fu_writer_new (&fx->t, fx->base, "town", S_TOWN);
    fu_writer_new (&fx->d, fx->base, "district", S_DISTRICT);
    fu_writer_write (&fx->t, S_VILLAGE_A, 30);       //  t 1..30
    fu_writer_write (&fx->d, S_VILLAGE_A, 20);       //  d 1..20, the same record ids: merges
    fu_writer_write (&fx->t, S_VILLAGE_B, 15);       //  t 31..45: not village A's (a gap in its chain there)
    fu_writer_write (&fx->t, S_VILLAGE_A, 25);       //  t 46..70
    fu_writer_write (&fx->d, "500115102001", 5);     //  d 21..25: another town's
    fu_writer_write (&fx->d, S_VILLAGE_A, 20);       //  d 26..45
    char *dir = fu_path (fx->base, "hub");
    fx->hub = fu_hub_new (dir);
    free (dir);
    fu_hub_enroll (fx->hub, fu_writer_key (&fx->t), S_TOWN);
    fu_hub_enroll (fx->hub, fu_writer_key (&fx->d), S_DISTRICT);
    fu_hub_push_ok (fx->hub, &fx->t, 1, 30);
    fu_hub_push_ok (fx->hub, &fx->d, 1, 20);
    fu_hub_push_ok (fx->hub, &fx->t, 31, 70);
    fu_hub_push_ok (fx->hub, &fx->d, 21, 45);
    //  what village A is to receive: every change in its region, once
    sh_hublog_batch_t all;
    SH_PASS (sh_hublog_pull (fx->hub, S_VILLAGE_A, NULL, 0, SH_WIRE_MAX_CHANGES, 1u << 24, &all));
    SH_CHECK (all.done && all.n == 95);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx->hub, false, &txn));
    for (size_t i = 0; i < all.n; i++) {
        fu_list_add (&fx->sel, all.changes[i].data, all.changes[i].len);
        sh_change_t c;
        SH_PASS (sh_change_open (&c, NULL, all.changes[i].data, all.changes[i].len, NULL));
        SH_PASS (sh_changelog_find (txn, c.author, c.seq, &fx->sel_index[i], NULL));
        SH_CHECK (i == 0 || fx->sel_index[i] > fx->sel_index[i - 1]);
        sh_change_fini (&c);
    }
    sh_store_abort (&txn);
    sh_hublog_batch_fini (&all);
}

static void
s_ingfx_fini (s_ingfx_t *fx)
{
    fu_list_fini (&fx->sel);
    sh_store_close (&fx->hub);
    fu_writer_fini (&fx->t);
    fu_writer_fini (&fx->d);
    sh_test_rmdir (fx->base);
}

//  What a download transaction may change at the node.
typedef struct {
    uint8_t digest[SH_HASH_BYTES];      //  merged state
    uint64_t log_size;                  //  log entries
    uint64_t since;                     //  download cursor, meta hub.since (0 if none)
    uint64_t counts[SH_DB_COUNT];       //  entries per database
} s_rstate_t;

static s_rstate_t
s_rstate (sh_replica_t *r)
{
    s_rstate_t st;
    memset (&st, 0, sizeof st);
    sh_store_t *store = sh_replica_store (r);
    s_digest (store, "", st.digest);
    s_counts (store, st.counts);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, false, &txn));
    SH_PASS (sh_changelog_size (txn, &st.log_size));
    sh_err rc = sh_store_meta_get_u64 (txn, "hub.since", &st.since);
    SH_CHECK (rc == SH_OK || rc == SH_ENOTFOUND);
    sh_store_abort (&txn);
    return st;
}

static void
s_same_rstate (const s_rstate_t *a, const s_rstate_t *b)
{
    SH_CHECK (memcmp (a->digest, b->digest, SH_HASH_BYTES) == 0);
    SH_CHECK (a->log_size == b->log_size && a->since == b->since);
    s_same_counts (a->counts, b->counts);
}

//  The node holds exactly what lies before its cursor: log and cursor agree.
static void
s_ingest_consistent (const s_ingfx_t *fx, const s_rstate_t *st)
{
    uint64_t want = 0;
    for (size_t i = 0; i < fx->sel.n; i++)
        want += fx->sel_index[i] <= st->since;
    if (st->log_size != want)
        fprintf (stderr, "cursor %" PRIu64 ": %" PRIu64 " changes held, %" PRIu64 " expected\n", st->since,
                 st->log_size, want);
    SH_CHECK (st->log_size == want && st->counts[SH_DB_LOG] == want && st->counts[SH_DB_CHAIN] == want);
}

//  Check and apply one downloaded Batch in one transaction with the new
//  cursor, as `shouhe-node sync` does (node_session.c, s_on_batch).
static sh_err
s_apply_batch (sh_replica_t *r, const sh_hublog_batch_t *b)
{
    const char *scope = sh_replica_scope (r);
    sh_store_txn_t *txn;
    sh_err rc = sh_replica_begin (r, &txn);
    for (size_t i = 0; rc == SH_OK && i < b->n_keys; i++) {
        const sh_wire_key_t *k = &b->keys[i];
        sh_registry_entry_t e = { 0 };
        memcpy (e.key, k->key, SH_PUBKEY_BYTES);
        strcpy (e.scope, k->scope);
        e.role = k->role;
        e.revoked_ms = k->revoked ? 1 : 0;
        rc = sh_registry_put (txn, &e);
    }
    for (size_t i = 0; rc == SH_OK && i < b->n; i++) {
        //  the node's checks: a known author whose scope covers the region, inside ours
        sh_change_t c;
        SH_PASS (sh_change_open (&c, NULL, b->changes[i].data, b->changes[i].len, NULL));
        sh_registry_entry_t e;
        SH_PASS (sh_registry_get (txn, c.author, &e));
        SH_CHECK (strncmp (c.region, e.scope, strlen (e.scope)) == 0 && e.role == SH_WIRE_ROLE_NODE);
        SH_CHECK (strncmp (c.region, scope, strlen (scope)) == 0);
        sh_change_fini (&c);
        bool dup;
        const char *why = NULL;
        rc = sh_replica_ingest (r, txn, b->changes[i].data, b->changes[i].len, &dup, &why);
    }
    if (rc == SH_OK)
        rc = sh_store_meta_put_u64 (txn, "hub.since", b->next);
    if (rc == SH_OK)
        rc = sh_store_commit (&txn);
    sh_store_abort (&txn);
    return rc;
}

//  Take in everything the hub holds for village A, batch by batch, on a
//  fresh node whose n-th write commit fails (0: none); a failed batch is
//  pulled again from the stored cursor, after a restart for odd n. Returns
//  the number of batches taken in and the final digest.
static unsigned
s_ingest_run (s_ingfx_t *fx, unsigned n, uint8_t digest[SH_HASH_BYTES])
{
    char name[32];
    snprintf (name, sizeof name, "node-%u", n);
    char *dir = fu_path (fx->base, name);
    sh_replica_t *r;
    SH_PASS (sh_replica_create (&r, dir, S_VILLAGE_A));
    sh_store_fail_commit_after (sh_replica_store (r), n);
    unsigned commits = 0;
    bool fired = false;
    for (int round = 0; ; round++) {
        SH_CHECK (round < 100);
        s_rstate_t before = s_rstate (r);
        sh_hublog_batch_t b;
        SH_PASS (sh_hublog_pull (fx->hub, S_VILLAGE_A, sh_replica_author (r), before.since, S_PULL_MAX,
                                 1u << 20, &b));
        SH_CHECK (b.since == before.since);
        sh_err rc = s_apply_batch (r, &b);
        s_rstate_t after = s_rstate (r);
        if (rc) {
            //  the n-th commit: nothing of the batch, the cursor where it was
            SH_CHECK (rc == SH_EFAULT && !fired && commits + 1 == n);
            fired = true;
            s_same_rstate (&before, &after);
            s_ingest_consistent (fx, &after);
            if (n % 2) {
                //  the client gives up; started again, it resumes from the
                //  stored cursor (for even n it pulls again at once, its
                //  clock ahead of the one stored)
                sh_replica_close (&r);
                SH_PASS (sh_replica_open (&r, dir));
                after = s_rstate (r);
                s_same_rstate (&before, &after);
            }
            sh_hublog_batch_fini (&b);
            continue;
        }
        commits++;
        SH_CHECK (after.since == b.next && after.log_size == before.log_size + b.n);
        s_ingest_consistent (fx, &after);
        bool done = b.done;
        sh_hublog_batch_fini (&b);
        if (done)
            break;
    }
    SH_CHECK (fired == (n >= 1 && n <= commits));
    sh_store_fail_commit_after (sh_replica_store (r), 0);

    //  every change held exactly once, as signed
    sh_store_t *store = sh_replica_store (r);
    s_rstate_t end = s_rstate (r);
    SH_CHECK (end.log_size == fx->sel.n);
    s_ingest_consistent (fx, &end);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, false, &txn));
    for (size_t i = 0; i < fx->sel.n; i++) {
        sh_change_t c;
        SH_PASS (sh_change_open (&c, NULL, fx->sel.v[i].data, fx->sel.v[i].len, NULL));
        uint64_t index;
        const uint8_t *bytes;
        size_t len;
        SH_PASS (sh_changelog_find (txn, c.author, c.seq, &index, NULL));
        SH_PASS (sh_changelog_get (txn, index, &bytes, &len));
        SH_CHECK (fu_same_mem (bytes, len, fx->sel.v[i].data, fx->sel.v[i].len));
        sh_change_fini (&c);
    }
    sh_store_abort (&txn);
    s_log_verifies (store, fx->sel.n);
    //  the node's village looks as the hub's
    uint8_t hub_digest[SH_HASH_BYTES];
    s_digest (fx->hub, S_VILLAGE_A, hub_digest);
    SH_CHECK (memcmp (end.digest, hub_digest, SH_HASH_BYTES) == 0);
    //  everything once more, in one batch: all duplicates, nothing changes
    sh_hublog_batch_t all;
    SH_PASS (sh_hublog_pull (fx->hub, S_VILLAGE_A, sh_replica_author (r), 0, SH_WIRE_MAX_CHANGES, 1u << 24, &all));
    SH_CHECK (all.n == fx->sel.n && all.next == end.since);
    SH_PASS (s_apply_batch (r, &all));
    sh_hublog_batch_fini (&all);
    s_rstate_t again = s_rstate (r);
    s_same_rstate (&end, &again);
    memcpy (digest, end.digest, SH_HASH_BYTES);
    sh_replica_close (&r);
    sh_test_rmdir (dir);
    return commits;
}

static void
test_ingest_commit_faults (void)
{
    s_ingfx_t fx;
    s_ingfx_init (&fx);
    uint8_t want[SH_HASH_BYTES], got[SH_HASH_BYTES];
    unsigned batches = s_ingest_run (&fx, 0, want);
    SH_CHECK (batches == (fx.sel.n + S_PULL_MAX - 1) / S_PULL_MAX);
    for (unsigned n = 1; n <= batches + 1; n++) {
        SH_CHECK (s_ingest_run (&fx, n, got) == batches);
        SH_CHECK (memcmp (got, want, SH_HASH_BYTES) == 0);
    }
    printf ("  ingest: %zu changes in %u batches, commit N failing for N = 1..%u\n", fx.sel.n, batches,
            batches + 1);
    s_ingfx_fini (&fx);
}

/* ==========================================================================
 * 3. Commit faults at the hub: pushes and checkpoints
 * ========================================================================== */

#define S_HUB_BATCHES 4
#define S_HUB_BATCH 50

typedef struct {
    char *base;                         //  temporary directory
    fu_writer_t a;                       //  the node pushing
    sh_key_t *key;                      //  the hub's signing key
    sh_hubid_t id;                      //  its identity: checkpoints' origin, the key that verifies them
} s_hubfx_t;

//  What a push or a checkpoint may change at the hub.
typedef struct {
    uint8_t digest[SH_HASH_BYTES];      //  merged state
    uint64_t log_size, tree_size;       //  log entries, Merkle leaves
    uint64_t head_seq;                  //  the node's chain at the hub
    uint64_t checkpoint;                //  tree size of the newest checkpoint (0: none)
    uint64_t counts[SH_DB_COUNT];       //  entries per database (scopes index ...)
} s_hstate_t;

static s_hstate_t
s_hstate (sh_store_t *hub, const uint8_t author[SH_PUBKEY_BYTES])
{
    s_hstate_t st;
    memset (&st, 0, sizeof st);
    s_digest (hub, "", st.digest);
    s_counts (hub, st.counts);
    sh_store_txn_t *txn;
    uint8_t hash[SH_HASH_BYTES];
    SH_PASS (sh_store_begin (hub, false, &txn));
    SH_PASS (sh_changelog_size (txn, &st.log_size));
    SH_PASS (sh_merkle_size (txn, &st.tree_size));
    SH_PASS (sh_changelog_head (txn, author, &st.head_seq, hash));
    sh_store_cursor_t *cur;
    const uint8_t *k;
    size_t kl;
    SH_PASS (sh_store_cursor_open (txn, SH_DB_CHECKPOINTS, NULL, 0, &cur));
    sh_err rc = sh_store_cursor_last (cur, &k, &kl, NULL, NULL);
    SH_CHECK (rc == SH_OK || rc == SH_ENOTFOUND);
    if (rc == SH_OK) {
        SH_CHECK (kl == 8);
        st.checkpoint = sh_store_get_be64 (k);
    }
    sh_store_cursor_close (&cur);
    sh_store_abort (&txn);
    return st;
}

static void
s_same_hstate (const s_hstate_t *a, const s_hstate_t *b)
{
    SH_CHECK (memcmp (a->digest, b->digest, SH_HASH_BYTES) == 0);
    SH_CHECK (a->log_size == b->log_size && a->tree_size == b->tree_size);
    SH_CHECK (a->head_seq == b->head_seq && a->checkpoint == b->checkpoint);
    s_same_counts (a->counts, b->counts);
}

//  The hub's stored tree is the tree of its log (recomputed from the LOG
//  bytes alone), and its newest checkpoint verifies and signs a prefix of it.
static void
s_hub_consistent (const s_hubfx_t *fx, sh_store_t *hub)
{
    sh_store_txn_t *txn;
    uint64_t size, tree;
    SH_PASS (sh_store_begin (hub, false, &txn));
    SH_PASS (sh_changelog_size (txn, &size));
    SH_PASS (sh_merkle_size (txn, &tree));
    SH_CHECK (size == tree);
    uint8_t (*leaves)[SH_HASH_BYTES] = calloc (size ? size : 1, SH_HASH_BYTES);
    SH_CHECK (leaves);
    for (uint64_t i = 1; i <= size; i++) {
        const uint8_t *bytes;
        size_t len;
        uint8_t stored[SH_HASH_BYTES];
        SH_PASS (sh_changelog_get (txn, i, &bytes, &len));
        sh_merkle_leaf_hash (leaves[i - 1], bytes, len);
        SH_PASS (sh_merkle_leaf (txn, i - 1, stored));
        SH_CHECK (memcmp (stored, leaves[i - 1], SH_HASH_BYTES) == 0);
    }
    uint8_t root[SH_HASH_BYTES], stored_root[SH_HASH_BYTES];
    sh_merkle_root_of ((const uint8_t (*)[SH_HASH_BYTES]) leaves, size, root);
    SH_PASS (sh_merkle_root (txn, size, stored_root));
    SH_CHECK (memcmp (root, stored_root, SH_HASH_BYTES) == 0);
    sh_store_cursor_t *cur;
    const uint8_t *k, *v;
    size_t kl, vl;
    SH_PASS (sh_store_cursor_open (txn, SH_DB_CHECKPOINTS, NULL, 0, &cur));
    sh_err rc = sh_store_cursor_last (cur, &k, &kl, &v, &vl);
    SH_CHECK (rc == SH_OK || rc == SH_ENOTFOUND);
    if (rc == SH_OK) {
        sh_note_checkpoint_t cp;
        SH_PASS (sh_hubid_open_checkpoint (&fx->id, &cp, (const char *) v, vl));
        SH_CHECK (kl == 8 && cp.size == sh_store_get_be64 (k) && cp.size <= size);
        sh_merkle_root_of ((const uint8_t (*)[SH_HASH_BYTES]) leaves, cp.size, root);
        SH_CHECK (memcmp (root, cp.root, SH_HASH_BYTES) == 0);
    }
    sh_store_cursor_close (&cur);
    sh_store_abort (&txn);
    free (leaves);
}

//  Push the node's batches into a fresh hub, a checkpoint after each, with
//  the hub's n-th write commit failing (0: none); the failed call is made
//  again (after a restart for odd n). Returns the final digest.
static void
s_hub_run (s_hubfx_t *fx, unsigned n, uint8_t digest[SH_HASH_BYTES])
{
    char name[32];
    snprintf (name, sizeof name, "hub-%u", n);
    char *dir = fu_path (fx->base, name);
    sh_store_t *hub = fu_hub_new (dir);
    fu_hub_enroll (hub, fu_writer_key (&fx->a), S_VILLAGE_A);
    sh_store_fail_commit_after (hub, n);
    const uint8_t *author = fu_writer_key (&fx->a);
    unsigned commits = 0;
    bool fired = false;
    for (int step = 0; step < 2 * S_HUB_BATCHES; step++) {
        bool push = step % 2 == 0;
        uint64_t from = (uint64_t) (step / 2) * S_HUB_BATCH + 1, to = from + S_HUB_BATCH - 1;
        s_hstate_t before = s_hstate (hub, author);
        sh_hublog_result_t res;
        char *note;
        uint64_t cp_size;
        for (int attempt = 0; ; attempt++) {
            SH_CHECK (attempt < 2);
            note = (char *) "not set";
            cp_size = 12345;
            sh_err rc = push ? fu_hub_push (hub, &fx->a, from, to, &res)
                             : sh_hublog_checkpoint (hub, &fx->id, &note, &cp_size);
            if (rc == SH_OK)
                break;
            //  the n-th commit: a clean error, nothing of this call stored
            if (rc != SH_EFAULT || fired || commits + 1 != n)
                fprintf (stderr, "hub step %d (commit %u failing): %s\n", step, n, sh_strerror (rc));
            SH_CHECK (rc == SH_EFAULT && !fired && commits + 1 == n);
            fired = true;
            if (push) {
                SH_CHECK (res.code == SH_WIRE_ERR_INTERNAL && !res.has_position);
                SH_CHECK (res.accepted == 0 && res.duplicates == 0);
                SH_CHECK (strstr (res.message, sh_strerror (SH_EFAULT)) != NULL);
            }
            else
                SH_CHECK (note == NULL && cp_size == 0);
            s_hstate_t after = s_hstate (hub, author);
            s_same_hstate (&before, &after);
            s_hub_consistent (fx, hub);
            s_log_verifies (hub, before.log_size);
            if (n % 2) {
                //  the hub restarts: the same on disk (for even n the node
                //  pushes again to the same process)
                sh_store_close (&hub);
                SH_PASS (sh_store_open (&hub, dir, false, 0));
                after = s_hstate (hub, author);
                s_same_hstate (&before, &after);
            }
        }
        commits++;
        if (push) {
            if (res.code)
                fprintf (stderr, "push refused: %s\n", res.message);
            SH_CHECK (res.code == 0 && res.accepted == S_HUB_BATCH && res.duplicates == 0);
            SH_CHECK (res.head_seq == to);
        }
        else {
            SH_CHECK (note && cp_size == to);
            free (note);
        }
        s_hub_consistent (fx, hub);
    }
    SH_CHECK (fired == (n >= 1 && n <= commits));
    SH_CHECK (commits == 2 * S_HUB_BATCHES);

    //  every change held exactly once, at its place in the log and the tree
    const uint64_t total = S_HUB_BATCHES * S_HUB_BATCH;
    s_hstate_t end = s_hstate (hub, author);
    SH_CHECK (end.log_size == total && end.tree_size == total && end.checkpoint == total);
    SH_CHECK (end.head_seq == total && end.counts[SH_DB_LOG] == total && end.counts[SH_DB_CHAIN] == total);
    SH_CHECK (end.counts[SH_DB_SCOPES] == 3 * total && end.counts[SH_DB_CHECKPOINTS] == S_HUB_BATCHES);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (hub, false, &txn));
    for (uint64_t s = 1; s <= total; s++) {
        uint64_t index;
        const uint8_t *bytes;
        size_t len;
        SH_PASS (sh_changelog_find (txn, author, s, &index, NULL));
        SH_CHECK (index == s);
        SH_PASS (sh_changelog_get (txn, index, &bytes, &len));
        SH_CHECK (fu_same_mem (bytes, len, fx->a.log.v[s - 1].data, fx->a.log.v[s - 1].len));
    }
    sh_store_abort (&txn);
    s_log_verifies (hub, total);
    memcpy (digest, end.digest, SH_HASH_BYTES);
    sh_store_close (&hub);
    sh_test_rmdir (dir);
}

static void
test_hub_commit_faults (void)
{
    s_hubfx_t fx;
    memset (&fx, 0, sizeof fx);
    fx.base = sh_test_tmpdir ();
    fu_writer_new (&fx.a, fx.base, "village", S_VILLAGE_A);
    for (int i = 0; i < S_HUB_BATCHES; i++)
        fu_writer_write (&fx.a, S_VILLAGE_A, S_HUB_BATCH);
    uint8_t seed[SH_SEED_BYTES];
    for (int i = 0; i < SH_SEED_BYTES; i++)
        seed[i] = (uint8_t) (0x60 + i);
    fx.key = sh_key_from_seed (seed);
    SH_CHECK (fx.key);
    sh_hubid_init_key (&fx.id, fx.key);

    uint8_t want[SH_HASH_BYTES], got[SH_HASH_BYTES], node[SH_HASH_BYTES];
    s_hub_run (&fx, 0, want);
    s_digest (sh_replica_store (fx.a.r), "", node);
    SH_CHECK (memcmp (want, node, SH_HASH_BYTES) == 0);
    for (unsigned n = 1; n <= 2 * S_HUB_BATCHES + 1; n++) {
        s_hub_run (&fx, n, got);
        SH_CHECK (memcmp (got, want, SH_HASH_BYTES) == 0);
    }
    printf ("  hub: %d pushes of %d changes and %d checkpoints, commit N failing for N = 1..%d\n",
            S_HUB_BATCHES, S_HUB_BATCH, S_HUB_BATCHES, 2 * S_HUB_BATCHES + 1);
    sh_key_destroy (&fx.key);
    fu_writer_fini (&fx.a);
    sh_test_rmdir (fx.base);
}

static const sh_test_case_t tests[] = {
    { "node commit faults", test_node_commit_faults },
    { "ingest commit faults", test_ingest_commit_faults },
    { "hub commit faults", test_hub_commit_faults },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
