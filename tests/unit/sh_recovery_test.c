/*  sh_recovery_test -- a hub store copied mid-way takes its lost tail back
    from offers, leaf for leaf, with real replicas, signatures and LMDB
    stores: partial offers wait, misplaced leaves are dropped, a complete
    tail reproduces the lost checkpoint and state, bad offers change
    nothing, and an abandoned tail becomes a signed epoch.
*/
#include "sh_test.h"

#include "sh_changelog.h"
#include "sh_epoch.h"
#include "sh_hubid.h"
#include "sh_hublog.h"
#include "sh_merge.h"
#include "sh_merkle.h"
#include "sh_note.h"
#include "sh_recovery.h"
#include "sh_registry.h"
#include "sh_replica.h"
#include "sh_store.h"
#include "sh_sys.h"
#include "sh_test_hub.h"

#include <inttypes.h>

#define S_A "500115101001"
#define S_B "500115101002"

//  What the lost hub held: its leaves from `from' (copies), its newest note.
typedef struct {
    sh_wire_bytes_t leaf[64];
    uint64_t pos[64];
    uint8_t author[64][SH_PUBKEY_BYTES];
    size_t n;
    char *note;
    uint8_t root[SH_HASH_BYTES], digest[SH_HASH_BYTES];
} s_tail_t;

static void
s_tail (sh_store_t *hub, const sh_hubid_t *id, uint64_t from, s_tail_t *t)
{
    memset (t, 0, sizeof *t);
    uint64_t size;
    SH_PASS (sh_hublog_checkpoint (hub, id, &t->note, &size));
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (hub, false, &txn));
    SH_PASS (sh_merkle_root (txn, size, t->root));
    SH_PASS (sh_merge_digest (txn, "500115", t->digest));
    for (uint64_t i = from; i < size; i++) {
        const uint8_t *b;
        size_t len;
        SH_PASS (sh_changelog_get (txn, i + 1, &b, &len));
        uint8_t *copy = malloc (len);
        SH_CHECK (copy);
        memcpy (copy, b, len);
        sh_change_t c;
        SH_PASS (sh_change_open (&c, NULL, b, len, NULL));
        memcpy (t->author[t->n], c.author, SH_PUBKEY_BYTES);
        sh_change_fini (&c);
        t->leaf[t->n] = (sh_wire_bytes_t) { copy, len };
        t->pos[t->n++] = i;
    }
    sh_store_abort (&txn);
}

static void
s_tail_fini (s_tail_t *t)
{
    for (size_t i = 0; i < t->n; i++)
        free ((void *) t->leaf[i].data);
    free (t->note);
}

//  The leaves of the tail written by author (into leaves/pos).
static size_t
s_by (const s_tail_t *t, const uint8_t *author, sh_wire_bytes_t *leaves, uint64_t *pos)
{
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++)
        if (memcmp (t->author[i], author, SH_PUBKEY_BYTES) == 0) {
            leaves[k] = t->leaf[i];
            pos[k++] = t->pos[i];
        }
    return k;
}

typedef struct {
    sh_key_t *key;
    sh_hubid_t id;
    char *dir, *copy_dir, *copy2_dir;
    sh_store_t *hub, *copy, *copy2;
    sh_test_node_t a, b;
    s_tail_t tail;
} s_fx_t;

static sh_store_t *
s_copy_of (sh_store_t *from, char **dir)
{
    *dir = sh_test_tmpdir ();
    SH_PASS (sh_store_copy (from, *dir));
    sh_store_t *s;
    SH_PASS (sh_store_open (&s, *dir, false, 0));
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (s, true, &txn));
    SH_PASS (sh_recovery_mark (txn));
    SH_PASS (sh_store_commit (&txn));
    return s;
}

//  A hub that took a's 1..10 and b's 1..5 (15 leaves), copied then (twice),
//  then a's 11..20 and b's 6..15 (leaves 15..34).
static void
s_setup (s_fx_t *fx)
{
    memset (fx, 0, sizeof *fx);
    fx->key = sh_test_key (0x11);
    sh_hubid_init_key (&fx->id, fx->key);
    fx->dir = sh_test_tmpdir ();
    SH_PASS (sh_store_open (&fx->hub, fx->dir, true, 0));
    sh_test_node_new (&fx->a, S_A);
    sh_test_node_new (&fx->b, S_B);
    sh_test_node_write (&fx->a, S_A, 20);
    sh_test_node_write (&fx->b, S_B, 15);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx->hub, true, &txn));
    SH_PASS (sh_store_meta_put_str (txn, "role", "hub"));
    SH_PASS (sh_registry_enroll (txn, sh_replica_author (fx->a.r), S_A, SH_WIRE_ROLE_NODE, "a", 1));
    SH_PASS (sh_registry_enroll (txn, sh_replica_author (fx->b.r), S_B, SH_WIRE_ROLE_NODE, "b", 1));
    SH_PASS (sh_store_commit (&txn));
    sh_test_hub_push (fx->hub, &fx->id, &fx->a, 1, 10);
    sh_test_hub_push (fx->hub, &fx->id, &fx->b, 1, 5);
    fx->copy = s_copy_of (fx->hub, &fx->copy_dir);
    fx->copy2 = s_copy_of (fx->hub, &fx->copy2_dir);
    sh_test_hub_push (fx->hub, &fx->id, &fx->a, 11, 20);
    sh_test_hub_push (fx->hub, &fx->id, &fx->b, 6, 15);
    s_tail (fx->hub, &fx->id, 15, &fx->tail);
    SH_CHECK (fx->tail.n == 20);
}

static void
s_teardown (s_fx_t *fx)
{
    s_tail_fini (&fx->tail);
    sh_store_close (&fx->hub);
    sh_store_close (&fx->copy);
    sh_store_close (&fx->copy2);
    sh_test_rmdir (fx->dir);
    sh_test_rmdir (fx->copy_dir);
    sh_test_rmdir (fx->copy2_dir);
    sh_test_node_fini (&fx->a);
    sh_test_node_fini (&fx->b);
    sh_key_destroy (&fx->key);
}

static sh_recovery_status_t
s_status (sh_store_t *s)
{
    sh_recovery_status_t st;
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (s, false, &txn));
    SH_PASS (sh_recovery_status (txn, &st));
    sh_store_abort (&txn);
    return st;
}

static void
test_recover_leaf_for_leaf (void)
{
    s_fx_t fx;
    s_setup (&fx);
    sh_recovery_status_t st = s_status (fx.copy);
    SH_CHECK (st.active && st.base == 15 && st.size == 15 && st.target == 0 && st.nodes == 2 && st.heard == 0);

    //  a offers its ten leaves and the newest checkpoint: nothing can join yet
    sh_wire_bytes_t leaves[64];
    uint64_t pos[64];
    size_t n = s_by (&fx.tail, sh_replica_author (fx.a.r), leaves, pos);
    SH_CHECK (n == 10);
    sh_recovery_result_t res;
    SH_PASS (sh_recovery_offer (fx.copy, &fx.id, sh_replica_author (fx.a.r), fx.tail.note, leaves, pos, n,
                                true, 1, &res, &st));
    SH_CHECK (res.code == 0 && res.taken == 10 && res.appended == 0 && res.began == false);
    SH_CHECK (st.active && st.target == 35 && st.size == 15 && st.heard == 1 && st.missing == 10);
    SH_CHECK (st.missing_from == 25 && st.missing_to == 35);
    SH_FAIL (({ sh_store_txn_t *t; sh_err e = sh_store_begin (fx.copy, true, &t);
                if (e == SH_OK) { e = sh_recovery_finish (t); sh_store_abort (&t); } e; }), SH_ERULE);

    //  b offers its leaves one place off: they do not reproduce the root
    n = s_by (&fx.tail, sh_replica_author (fx.b.r), leaves, pos);
    SH_CHECK (n == 10);
    sh_wire_bytes_t swap = leaves[0];
    leaves[0] = leaves[1];
    leaves[1] = swap;
    SH_PASS (sh_recovery_offer (fx.copy, &fx.id, sh_replica_author (fx.b.r), NULL, leaves, pos, n, false, 2,
                                &res, &st));
    SH_CHECK (res.code == 0 && res.appended == 0 && st.size == 15);
    SH_CHECK (strstr (st.problem, "do not reproduce the checkpoint of size 35") != NULL);
    SH_CHECK (st.missing == 20);      //  the run was dropped, a's leaves too

    //  both offer again, rightly: the tail joins, the recovery ends
    leaves[1] = leaves[0];
    leaves[0] = swap;
    SH_PASS (sh_recovery_offer (fx.copy, &fx.id, sh_replica_author (fx.b.r), NULL, leaves, pos, n, true, 3,
                                &res, &st));
    SH_CHECK (res.appended == 0 && st.heard == 2 && st.missing == 10);
    n = s_by (&fx.tail, sh_replica_author (fx.a.r), leaves, pos);
    SH_PASS (sh_recovery_offer (fx.copy, &fx.id, sh_replica_author (fx.a.r), NULL, leaves, pos, n, true, 4,
                                &res, &st));
    SH_CHECK (res.appended == 20 && res.finished && !st.active && st.size == 35);
    sh_store_txn_t *txn;
    uint8_t root[SH_HASH_BYTES], digest[SH_HASH_BYTES];
    SH_PASS (sh_store_begin (fx.copy, false, &txn));
    SH_PASS (sh_merkle_root (txn, 35, root));
    SH_PASS (sh_merge_digest (txn, "500115", digest));
    SH_CHECK (!sh_recovery_active (txn, NULL));
    sh_store_abort (&txn);
    SH_CHECK (memcmp (root, fx.tail.root, SH_HASH_BYTES) == 0);
    SH_CHECK (memcmp (digest, fx.tail.digest, SH_HASH_BYTES) == 0);
    char *note;
    uint64_t size;
    SH_PASS (sh_hublog_checkpoint (fx.copy, &fx.id, &note, &size));
    SH_CHECK (size == 35 && strcmp (note, fx.tail.note) == 0);   //  the lost note, as signed then
    free (note);
    s_teardown (&fx);
}

static void
test_bad_offers_change_nothing (void)
{
    s_fx_t fx;
    s_setup (&fx);
    sh_wire_bytes_t leaves[64];
    uint64_t pos[64];
    size_t n = s_by (&fx.tail, sh_replica_author (fx.a.r), leaves, pos);
    sh_recovery_result_t res;
    sh_recovery_status_t st;
    //  a checkpoint signed by another key
    sh_key_t *other = sh_test_key (0x22);
    sh_hubid_t oid;
    sh_hubid_init_key (&oid, other);
    char *text, *forged;
    size_t tl, fl;
    uint8_t root[SH_HASH_BYTES] = { 1 };
    SH_PASS (sh_note_checkpoint_format (&text, &tl, fx.id.origin, 99, root, NULL));
    SH_PASS (sh_note_sign (&forged, &fl, text, tl, other, fx.id.origin));
    SH_PASS (sh_recovery_offer (fx.copy, &fx.id, sh_replica_author (fx.a.r), forged, leaves, pos, n, true, 1,
                                &res, &st));
    SH_CHECK (res.code == SH_WIRE_ERR_SIGNATURE);
    //  a leaf beyond every checkpoint shown
    uint64_t far[1] = { 1000 };
    SH_PASS (sh_recovery_offer (fx.copy, &fx.id, sh_replica_author (fx.a.r), fx.tail.note, leaves, far, 1,
                                true, 1, &res, &st));
    SH_CHECK (res.code == SH_WIRE_ERR_MALFORMED);
    //  a leaf whose signature does not verify
    uint8_t *bad = malloc (leaves[0].len);
    SH_CHECK (bad);
    memcpy (bad, leaves[0].data, leaves[0].len);
    bad[leaves[0].len - 1] ^= 1;
    sh_wire_bytes_t one = { bad, leaves[0].len };
    SH_PASS (sh_recovery_offer (fx.copy, &fx.id, sh_replica_author (fx.a.r), fx.tail.note, &one, pos, 1, true,
                                1, &res, &st));
    SH_CHECK (res.code == SH_WIRE_ERR_SIGNATURE);
    //  none of it was kept: nothing staged, no target, nobody heard
    st = s_status (fx.copy);
    SH_CHECK (st.active && st.staged == 0 && st.target == 0 && st.heard == 0);
    free (bad);
    free (text);
    free (forged);
    sh_key_destroy (&other);
    s_teardown (&fx);
}

static void
test_unmarked_copy_begins_recovery (void)
{
    s_fx_t fx;
    s_setup (&fx);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx.copy, true, &txn));
    SH_PASS (sh_recovery_finish (txn));           //  as if copied by hand: no mark
    SH_PASS (sh_store_commit (&txn));
    SH_CHECK (!s_status (fx.copy).active);
    sh_recovery_result_t res;
    sh_recovery_status_t st;
    SH_PASS (sh_recovery_offer (fx.copy, &fx.id, sh_replica_author (fx.a.r), NULL, NULL, NULL, 0, true, 1,
                                &res, &st));
    SH_CHECK (res.code == 0 && !res.began && !st.active);   //  nothing shows a loss
    SH_PASS (sh_recovery_offer (fx.copy, &fx.id, sh_replica_author (fx.a.r), fx.tail.note, NULL, NULL, 0, true,
                                1, &res, &st));
    SH_CHECK (res.began && st.active && st.base == 15 && st.target == 35);
    s_teardown (&fx);
}

static void
test_abandon_signs_an_epoch (void)
{
    s_fx_t fx;
    s_setup (&fx);
    sh_wire_bytes_t leaves[64];
    uint64_t pos[64];
    size_t n = s_by (&fx.tail, sh_replica_author (fx.a.r), leaves, pos);
    sh_recovery_result_t res;
    sh_recovery_status_t st;
    SH_PASS (sh_recovery_offer (fx.copy2, &fx.id, sh_replica_author (fx.a.r), fx.tail.note, leaves, pos, n,
                                true, 1, &res, &st));
    SH_CHECK (st.active && st.missing == 10);
    sh_store_txn_t *txn;
    char *note = NULL;
    SH_PASS (sh_store_begin (fx.copy2, true, &txn));
    SH_PASS (sh_recovery_abandon (txn, &fx.id, &note));
    SH_PASS (sh_store_commit (&txn));
    sh_epoch_t e;
    SH_PASS (sh_epoch_open (&fx.id, note, strlen (note), &e));
    SH_CHECK (e.epoch == 2 && e.base == 15 && e.abandoned == 35);
    SH_CHECK (memcmp (e.abandoned_root, fx.tail.root, SH_HASH_BYTES) == 0);
    uint8_t base_root[SH_HASH_BYTES];
    char *stored;
    SH_PASS (sh_store_begin (fx.copy2, false, &txn));
    SH_PASS (sh_merkle_root (txn, 15, base_root));
    SH_PASS (sh_recovery_epoch_note (txn, &stored));
    SH_CHECK (!sh_recovery_active (txn, NULL));
    sh_store_abort (&txn);
    SH_CHECK (memcmp (e.base_root, base_root, SH_HASH_BYTES) == 0);
    SH_CHECK (stored && strcmp (stored, note) == 0);
    //  it is a true checkpoint of the base, and another key's check fails
    sh_note_checkpoint_t cp;
    SH_PASS (sh_hubid_open_checkpoint (&fx.id, &cp, note, strlen (note)));
    SH_CHECK (cp.size == 15);
    sh_key_t *other = sh_test_key (0x22);
    sh_hubid_t oid;
    sh_hubid_init_key (&oid, other);
    SH_CHECK (sh_epoch_open (&oid, note, strlen (note), &e) != SH_OK);
    //  a checkpoint is not an epoch
    SH_FAIL (sh_epoch_open (&fx.id, fx.tail.note, strlen (fx.tail.note), &e), SH_EPROTO);
    sh_key_destroy (&other);
    free (note);
    free (stored);
    s_teardown (&fx);
}

static const sh_test_case_t tests[] = {
    { "recover leaf for leaf", test_recover_leaf_for_leaf },
    { "bad offers change nothing", test_bad_offers_change_nothing },
    { "unmarked copy begins recovery", test_unmarked_copy_begins_recovery },
    { "abandon signs an epoch", test_abandon_signs_an_epoch },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
