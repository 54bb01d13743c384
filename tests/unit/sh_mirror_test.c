/*  sh_mirror_test -- a mirror's copy of a hub's log, on real stores with
    real signatures (docs/protocol.md 16.8): every leaf of two villages is
    taken in order and each checkpoint's root recomputed before it is kept;
    the mirror cosigns only what it holds in full (a C2SP line that
    verifies, incremental from the size it cosigned); misplaced, forged or
    uncovered leaves change nothing; a fork's checkpoint of a size it holds
    is a split view, a fork's larger tree fails its root and its leaves are
    dropped; another hub's key is refused; the state survives a reopen; and
    the leaves it offers a hub that lost its tail are the hub's own.
*/
#include "sh_test.h"

#include "sh_cosig.h"
#include "sh_hublog.h"
#include "sh_merkle.h"
#include "sh_mirror.h"
#include "sh_note.h"
#include "sh_registry.h"
#include "sh_test_hub.h"

#define S_A "500115101001"
#define S_B "500115101002"
#define S_NAME "changshou/mirror"

typedef struct {
    char *hub_dir, *fork_dir, *dir;
    sh_store_t *hub, *fork, *m;
    sh_key_t *hub_key, *key;
    sh_hubid_t id;
    sh_test_node_t a, b;
} s_fx_t;

static void
s_enrol (sh_store_t *hub, s_fx_t *fx)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (hub, true, &txn));
    SH_PASS (sh_registry_enroll (txn, sh_replica_author (fx->a.r), S_A, SH_WIRE_ROLE_NODE, "a", 1));
    SH_PASS (sh_registry_enroll (txn, sh_replica_author (fx->b.r), S_B, SH_WIRE_ROLE_NODE, "b", 1));
    SH_PASS (sh_store_commit (&txn));
}

static void
s_setup (s_fx_t *fx)
{
    memset (fx, 0, sizeof *fx);
    fx->hub_dir = sh_test_tmpdir ();
    fx->fork_dir = sh_test_tmpdir ();
    fx->dir = sh_test_tmpdir ();
    SH_PASS (sh_store_open (&fx->hub, fx->hub_dir, true, 0));
    SH_PASS (sh_store_open (&fx->fork, fx->fork_dir, true, 0));
    SH_PASS (sh_store_open (&fx->m, fx->dir, true, 0));
    fx->hub_key = sh_key_generate ();
    fx->key = sh_key_generate ();
    SH_CHECK (fx->hub_key && fx->key);
    sh_hubid_init_key (&fx->id, fx->hub_key);
    sh_test_node_new (&fx->a, S_A);
    sh_test_node_new (&fx->b, S_B);
    sh_test_node_write (&fx->a, S_A, 20);
    sh_test_node_write (&fx->b, S_B, 20);
    s_enrol (fx->hub, fx);
    s_enrol (fx->fork, fx);
    SH_PASS (sh_mirror_name (fx->m, S_NAME));
}

static void
s_teardown (s_fx_t *fx)
{
    sh_store_close (&fx->hub);
    sh_store_close (&fx->fork);
    sh_store_close (&fx->m);
    sh_test_rmdir (fx->hub_dir);
    sh_test_rmdir (fx->fork_dir);
    sh_test_rmdir (fx->dir);
    sh_test_node_fini (&fx->a);
    sh_test_node_fini (&fx->b);
    sh_key_destroy (&fx->hub_key);
    sh_key_destroy (&fx->key);
}

//  Every leaf of hub after since (a mirror's Pull), at most max, with the
//  newest checkpoint signed now.
static void
s_pull (sh_store_t *hub, const sh_hubid_t *id, uint64_t since, uint32_t max, sh_hublog_batch_t *b)
{
    char *note = NULL;
    uint64_t size;
    SH_PASS (sh_hublog_checkpoint (hub, id, &note, &size));
    free (note);
    SH_PASS (sh_hublog_pull (hub, NULL, NULL, since, max, 1u << 20, b));
}

//  Show the batch's checkpoint and take its leaves.
static sh_err
s_take (s_fx_t *fx, sh_hublog_batch_t *b, sh_mirror_state_t *st, char *why)
{
    sh_err rc = sh_mirror_check (fx->m, &fx->id, b->note, strlen (b->note), 1, st, why, 512);
    return rc ? rc : sh_mirror_take (fx->m, &fx->id, &b->note, 1, b->changes, b->indexes, b->n, st, why, 512);
}

//  Cosign; the line must verify as the mirror's over the stored note.
static uint64_t
s_cosign (s_fx_t *fx, uint64_t now)
{
    char why[512], *line = NULL;
    uint64_t size = 0;
    SH_PASS (sh_mirror_cosign (fx->m, &fx->id, fx->key, S_NAME, now, &size, &line, why, sizeof why));
    sh_cosig_witness_t w;
    SH_PASS (sh_cosig_witness_init (&w, S_NAME, sh_key_public (fx->key)));
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx->m, false, &txn));
    uint8_t k[8];
    sh_store_put_be64 (k, size);
    const uint8_t *v;
    size_t vl;
    SH_PASS (sh_store_get (txn, SH_DB_CHECKPOINTS, k, sizeof k, &v, &vl));
    sh_note_t *n;
    SH_PASS (sh_note_parse (&n, (const char *) v, vl));
    size_t tl;
    const char *text = sh_note_text (n, &tl);
    SH_PASS (sh_cosig_verify_line (text, tl, line, strlen (line), &w, NULL));
    SH_PASS (sh_cosig_verify (n, &w, NULL));       //  and it is kept in the note
    sh_note_destroy (&n);
    sh_store_abort (&txn);
    free (line);
    return size;
}

static void
test_copy_and_cosign (void)
{
    s_fx_t fx;
    s_setup (&fx);
    char why[512];
    sh_mirror_state_t st;
    char name[SH_NOTE_NAME_MAX + 1];
    SH_PASS (sh_mirror_open (fx.m, &fx.id, &st, name, sizeof name, why, sizeof why));
    SH_CHECK (st.size == 0 && st.tree == 0 && st.cosigned == 0 && !strcmp (name, S_NAME));
    SH_FAIL (sh_mirror_name (fx.m, "changshou/other"), SH_EEXIST);

    sh_test_hub_push (fx.hub, &fx.id, &fx.a, 1, 10);
    sh_test_hub_push (fx.hub, &fx.id, &fx.b, 1, 6);
    sh_hublog_batch_t b;
    s_pull (fx.hub, &fx.id, 0, 1024, &b);
    SH_CHECK (b.n == 16 && b.done && b.cp_size == 16);      //  every leaf, both villages
    SH_PASS (s_take (&fx, &b, &st, why));
    SH_CHECK (st.size == 16 && st.tree == 16);
    sh_hublog_batch_fini (&b);
    SH_CHECK (s_cosign (&fx, 100) == 16);
    char *line = NULL;
    uint64_t size;
    SH_FAIL (sh_mirror_cosign (fx.m, &fx.id, fx.key, S_NAME, 101, &size, &line, why, sizeof why), SH_ENOTFOUND);

    //  the log grows: taken in two batches, cosigned from the size cosigned before
    sh_test_hub_push (fx.hub, &fx.id, &fx.a, 11, 20);
    s_pull (fx.hub, &fx.id, 16, 4, &b);
    SH_CHECK (b.n == 4 && !b.done);
    SH_PASS (s_take (&fx, &b, &st, why));
    SH_CHECK (st.size == 16 && st.tree == 20);             //  pending until the checkpoint's size
    sh_hublog_batch_fini (&b);
    s_pull (fx.hub, &fx.id, 20, 1024, &b);
    SH_PASS (s_take (&fx, &b, &st, why));
    SH_CHECK (st.size == 26 && st.tree == 26);
    sh_hublog_batch_fini (&b);
    SH_CHECK (s_cosign (&fx, 102) == 26);

    //  what it would hand back: the hub's own leaves, and the cosigned note
    sh_mirror_offer_t o;
    SH_PASS (sh_mirror_offer (fx.m, 20, 1024, 1u << 20, &o));
    SH_CHECK (o.n == 6 && o.positions[0] == 20 && o.positions[5] == 25 && strstr (o.note, S_NAME));
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx.hub, false, &txn));
    for (size_t i = 0; i < o.n; i++) {
        const uint8_t *v;
        size_t vl;
        SH_PASS (sh_changelog_get (txn, o.positions[i] + 1, &v, &vl));
        SH_CHECK (vl == o.leaves[i].len && memcmp (v, o.leaves[i].data, vl) == 0);
    }
    sh_store_abort (&txn);
    sh_mirror_offer_fini (&o);

    //  reopened: the same state
    sh_store_close (&fx.m);
    SH_PASS (sh_store_open (&fx.m, fx.dir, false, 0));
    SH_PASS (sh_mirror_open (fx.m, &fx.id, &st, name, sizeof name, why, sizeof why));
    SH_CHECK (st.size == 26 && st.tree == 26 && st.cosigned == 26);
    s_teardown (&fx);
}

static void
test_refusals (void)
{
    s_fx_t fx;
    s_setup (&fx);
    char why[512], name[SH_NOTE_NAME_MAX + 1];
    sh_mirror_state_t st;
    SH_PASS (sh_mirror_open (fx.m, &fx.id, &st, name, sizeof name, why, sizeof why));
    sh_test_hub_push (fx.hub, &fx.id, &fx.a, 1, 8);
    sh_hublog_batch_t b;
    s_pull (fx.hub, &fx.id, 0, 1024, &b);
    SH_PASS (sh_mirror_check (fx.m, &fx.id, b.note, strlen (b.note), 1, &st, why, sizeof why));

    //  a leaf out of place: nothing stored
    b.indexes[3] = 9;
    SH_FAIL (sh_mirror_take (fx.m, &fx.id, &b.note, 1, b.changes, b.indexes, b.n, &st, why, sizeof why), SH_EPROTO);
    SH_CHECK (strstr (why, "at log entry 9 where entry 4 was expected") && st.tree == 0);
    b.indexes[3] = 4;
    //  a forged leaf: nothing stored
    uint8_t forged[4096];
    memcpy (forged, b.changes[2].data, b.changes[2].len);
    forged[b.changes[2].len - 1] ^= 1;
    sh_wire_bytes_t keep = b.changes[2];
    b.changes[2].data = forged;
    SH_FAIL (sh_mirror_take (fx.m, &fx.id, &b.note, 1, b.changes, b.indexes, b.n, &st, why, sizeof why), SH_ECRYPTO);
    SH_CHECK (strstr (why, "log entry 3 and it does not verify") && st.tree == 0);
    b.changes[2] = keep;
    //  an empty Batch (caught up) takes nothing, with or without a checkpoint
    SH_PASS (sh_mirror_take (fx.m, &fx.id, NULL, 0, NULL, NULL, 0, &st, why, sizeof why));
    SH_CHECK (st.tree == 0 && st.size == 0);
    //  leaves no checkpoint covers
    SH_FAIL (sh_mirror_take (fx.m, &fx.id, NULL, 0, b.changes, b.indexes, b.n, &st, why, sizeof why), SH_EPROTO);
    SH_CHECK (strstr (why, "beyond the newest checkpoint it has shown (size 0)"));
    //  a checkpoint signed by another key
    sh_key_t *other = sh_key_generate ();
    sh_hubid_t oid;
    sh_hubid_init_key (&oid, other);
    sh_test_hub_push (fx.fork, &oid, &fx.b, 1, 3);
    char *note = NULL;
    uint64_t size;
    SH_PASS (sh_hublog_checkpoint (fx.fork, &oid, &note, &size));
    SH_FAIL (sh_mirror_check (fx.m, &fx.id, note, strlen (note), 1, &st, why, sizeof why), SH_ECRYPTO);
    free (note);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx.m, false, &txn));
    uint64_t tree;
    SH_PASS (sh_merkle_size (txn, &tree));
    sh_store_abort (&txn);
    SH_CHECK (tree == 0);
    sh_hublog_batch_fini (&b);
    //  another hub's key: refused, naming both
    sh_mirror_state_t st2;
    SH_FAIL (sh_mirror_open (fx.m, &oid, &st2, name, sizeof name, why, sizeof why), SH_EPERM);
    SH_CHECK (strstr (why, "this mirror copies the hub") && strstr (why, "another hub"));
    sh_key_destroy (&other);
    s_teardown (&fx);
}

static void
test_fork (void)
{
    s_fx_t fx;
    s_setup (&fx);
    char why[512], name[SH_NOTE_NAME_MAX + 1];
    sh_mirror_state_t st;
    SH_PASS (sh_mirror_open (fx.m, &fx.id, &st, name, sizeof name, why, sizeof why));
    //  the true hub: a's 10; the fork, signed by the same key: b's 6, then 12
    sh_test_hub_push (fx.hub, &fx.id, &fx.a, 1, 10);
    sh_test_hub_push (fx.fork, &fx.id, &fx.b, 1, 6);
    sh_hublog_batch_t b, f;
    s_pull (fx.hub, &fx.id, 0, 1024, &b);
    SH_PASS (s_take (&fx, &b, &st, why));
    sh_hublog_batch_fini (&b);
    SH_CHECK (st.size == 10 && s_cosign (&fx, 100) == 10);
    s_pull (fx.fork, &fx.id, 0, 1024, &f);
    SH_FAIL (sh_mirror_check (fx.m, &fx.id, f.note, strlen (f.note), 2, &st, why, sizeof why), SH_EEQUIVOCATION);
    SH_CHECK (strstr (why, "split view: the hub shows size 6") && st.size == 10);
    sh_hublog_batch_fini (&f);

    //  the fork grows past the copy: its leaves 11..12 do not give its root
    sh_test_hub_push (fx.fork, &fx.id, &fx.b, 7, 12);
    s_pull (fx.fork, &fx.id, 10, 1024, &f);
    SH_CHECK (f.cp_size == 12 && f.n == 2);
    SH_FAIL (s_take (&fx, &f, &st, why), SH_ECRYPTO);
    SH_CHECK (strstr (why, "do not reproduce its checkpoint of size 12") && st.size == 10 && st.tree == 10);
    sh_hublog_batch_fini (&f);
    char *line = NULL;
    uint64_t size;
    SH_FAIL (sh_mirror_cosign (fx.m, &fx.id, fx.key, S_NAME, 101, &size, &line, why, sizeof why), SH_ENOTFOUND);

    //  leaves awaiting their checkpoint, then a contradicting one: dropped, fetched again
    sh_test_hub_push (fx.hub, &fx.id, &fx.a, 11, 20);
    s_pull (fx.hub, &fx.id, 10, 5, &b);
    SH_PASS (s_take (&fx, &b, &st, why));
    SH_CHECK (st.size == 10 && st.tree == 15);
    sh_hublog_batch_fini (&b);
    s_pull (fx.fork, &fx.id, 0, 1, &f);                    //  the fork's note of size 12
    SH_PASS (sh_mirror_check (fx.m, &fx.id, f.note, strlen (f.note), 3, &st, why, sizeof why));
    SH_CHECK (st.size == 10 && st.tree == 10);
    sh_hublog_batch_fini (&f);
    s_pull (fx.hub, &fx.id, 10, 1024, &b);
    SH_PASS (s_take (&fx, &b, &st, why));
    SH_CHECK (st.size == 20 && st.tree == 20 && s_cosign (&fx, 102) == 20);
    sh_hublog_batch_fini (&b);
    s_teardown (&fx);
}

//  Catching up on a log that grew meanwhile: every checkpoint shown on the
//  way is verified where the tree passes it, inside one Batch, so the
//  verified size advances before the newest is reached; a wrong one among
//  them stops the Batch.
static void
test_on_the_way (void)
{
    s_fx_t fx;
    s_setup (&fx);
    char why[512], name[SH_NOTE_NAME_MAX + 1];
    sh_mirror_state_t st;
    SH_PASS (sh_mirror_open (fx.m, &fx.id, &st, name, sizeof name, why, sizeof why));
    sh_test_hub_push (fx.hub, &fx.id, &fx.a, 1, 10);
    sh_hublog_batch_t b10, b16;
    s_pull (fx.hub, &fx.id, 0, 1024, &b10);
    sh_test_hub_push (fx.hub, &fx.id, &fx.b, 1, 6);
    s_pull (fx.hub, &fx.id, 0, 12, &b16);
    SH_CHECK (b10.cp_size == 10 && b16.cp_size == 16 && b16.n == 12 && !b16.done);
    char *pending[2] = { b10.note, b16.note };
    //  the checkpoint of size 10 swapped for the fork's: the leaves do not give it
    sh_test_hub_push (fx.fork, &fx.id, &fx.b, 1, 10);
    sh_hublog_batch_t f;
    s_pull (fx.fork, &fx.id, 0, 1, &f);
    char *wrong[2] = { f.note, b16.note };
    SH_FAIL (sh_mirror_take (fx.m, &fx.id, wrong, 2, b16.changes, b16.indexes, b16.n, &st, why, sizeof why),
             SH_ECRYPTO);
    SH_CHECK (strstr (why, "do not reproduce its checkpoint of size 10") && st.tree == 0 && st.size == 0);
    SH_PASS (sh_mirror_take (fx.m, &fx.id, pending, 2, b16.changes, b16.indexes, b16.n, &st, why, sizeof why));
    SH_CHECK (st.size == 10 && st.tree == 12);
    SH_CHECK (s_cosign (&fx, 100) == 10);
    sh_hublog_batch_t rest;
    s_pull (fx.hub, &fx.id, 12, 1024, &rest);
    SH_PASS (sh_mirror_take (fx.m, &fx.id, &pending[1], 1, rest.changes, rest.indexes, rest.n, &st, why,
                             sizeof why));
    SH_CHECK (st.size == 16 && st.tree == 16 && s_cosign (&fx, 101) == 16);
    sh_hublog_batch_fini (&rest);
    sh_hublog_batch_fini (&f);
    sh_hublog_batch_fini (&b10);
    sh_hublog_batch_fini (&b16);
    s_teardown (&fx);
}

static const sh_test_case_t s_tests[] = {
    { "on the way", test_on_the_way },
    { "copy and cosign", test_copy_and_cosign },
    { "refusals", test_refusals },
    { "fork", test_fork },
    { NULL, NULL }
};

SH_TEST_MAIN (s_tests)
