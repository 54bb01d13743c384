/*  sh_receipts_test -- a node's receipts on a real LMDB store, taken from a
    real hub log (sh_hublog: pushed batches, checkpoints signed by the hub's
    key, proofs read from its Merkle tree) as node_session takes them: every
    check passes on an honest hub's receipts, and a forged or inconsistent
    checkpoint, a bad range and malformed entries are refused.
*/
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sh_changelog.h"
#include "sh_crypto.h"
#include "sh_hubid.h"
#include "sh_hublog.h"
#include "sh_key.h"
#include "sh_merkle.h"
#include "sh_note.h"
#include "sh_receipts.h"
#include "sh_registry.h"
#include "sh_replica.h"
#include "sh_store.h"
#include "sh_sys.h"
#include "sh_test.h"

#define S_VILLAGE_A "500115101001"
#define S_VILLAGE_B "500115101002"

/* --------------------------------------------------------------------------
 * Fixture: a hub, its key, and two nodes
 * -------------------------------------------------------------------------- */

typedef struct {
    char *dir;                          //  temporary directory of everything
    sh_key_t *key;                      //  the hub's key pair
    sh_hubid_t hub;                     //  its identity
    sh_store_t *store;                  //  the honest hub's store
    sh_replica_t *a, *b;                //  node a (whose receipts are checked) and node b
} s_fx_t;

static char *
s_path (const char *dir, const char *name)
{
    size_t len = strlen (dir) + strlen (name) + 2;
    char *p = malloc (len);
    SH_CHECK (p);
    snprintf (p, len, "%s/%s", dir, name);
    return p;
}

//  A hub store in dir/name with both nodes enrolled.
static sh_store_t *
s_hub_new (s_fx_t *fx, const char *name)
{
    char *dir = s_path (fx->dir, name);
    SH_CHECK (mkdir (dir, 0700) == 0);
    sh_store_t *store;
    SH_PASS (sh_store_open (&store, dir, true, 0));
    free (dir);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, true, &txn));
    SH_PASS (sh_store_meta_put_str (txn, "role", "hub"));
    SH_PASS (sh_registry_enroll (txn, sh_replica_author (fx->a), S_VILLAGE_A, SH_WIRE_ROLE_NODE, "a", 1));
    SH_PASS (sh_registry_enroll (txn, sh_replica_author (fx->b), S_VILLAGE_B, SH_WIRE_ROLE_NODE, "b", 1));
    SH_PASS (sh_store_commit (&txn));
    return store;
}

//  n more changes by node r: tombstones of records in its village.
static void
s_write (sh_replica_t *r, int n)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_replica_begin (r, &txn));
    for (int i = 0; i < n; i++) {
        char region[SH_REGION_MAX + 1], id[SH_REGION_MAX + 1];
        snprintf (region, sizeof region, "%s%03d", sh_replica_scope (r), i % 3 + 1);
        snprintf (id, sizeof id, "%s", region);
        SH_PASS (sh_replica_write (r, txn, region, SH_KIND_COURTYARD, (const uint8_t *) id, strlen (id),
                                   SH_OP_DELETE, NULL, 0, NULL));
    }
    SH_PASS (sh_store_commit (&txn));
}

//  Push r's changes from..to to the hub as one batch, signed as fx->hub.
static void
s_push (s_fx_t *fx, sh_store_t *hub, sh_replica_t *r, uint64_t from, uint64_t to)
{
    sh_wire_bytes_t changes[64];
    SH_CHECK (to - from + 1 <= 64);
    sh_store_txn_t *rt, *ht;
    SH_PASS (sh_store_begin (sh_replica_store (r), false, &rt));
    for (uint64_t s = from; s <= to; s++) {
        uint64_t index;
        SH_PASS (sh_changelog_find (rt, sh_replica_author (r), s, &index, NULL));
        SH_PASS (sh_changelog_get (rt, index, &changes[s - from].data, &changes[s - from].len));
    }
    sh_registry_entry_t e;
    SH_PASS (sh_store_begin (hub, false, &ht));
    SH_PASS (sh_registry_get (ht, sh_replica_author (r), &e));
    sh_store_abort (&ht);
    sh_hublog_result_t res;
    SH_PASS (sh_hublog_push_signed (hub, &e, changes, (size_t) (to - from + 1), 1, &fx->hub, sh_sys_wall_ms (), &res));
    SH_CHECK (res.code == 0 && res.accepted == to - from + 1);
    sh_store_abort (&rt);
}

//  What a hub hands a node with an Ack (13.8): its newest checkpoint, the
//  left compact range of the batch's leaves and the proof from old_size.
typedef struct {
    char *note;                                     //  the checkpoint (owned)
    uint64_t size;                                  //  its size
    uint8_t range[SH_MERKLE_PROOF_MAX][SH_HASH_BYTES];
    size_t n_range;
    uint8_t proof[SH_MERKLE_PROOF_MAX][SH_HASH_BYTES];
    size_t n_proof;
} s_ack_t;

static s_ack_t
s_ack (s_fx_t *fx, sh_store_t *hub, uint64_t accepted, uint64_t old_size)
{
    s_ack_t a;
    memset (&a, 0, sizeof a);
    SH_PASS (sh_hublog_checkpoint (hub, &fx->hub, &a.note, &a.size));
    SH_CHECK (a.note && a.size >= accepted);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (hub, false, &txn));
    SH_PASS (sh_merkle_left_range (txn, a.size - accepted, a.range, SH_MERKLE_PROOF_MAX, &a.n_range));
    if (old_size)
        SH_PASS (sh_merkle_consistency (txn, old_size, a.size, a.proof, SH_MERKLE_PROOF_MAX, &a.n_proof));
    sh_store_abort (&txn);
    return a;
}

static sh_receipts_head_t
s_head (const sh_note_checkpoint_t *cp)
{
    sh_receipts_head_t h = { .size = cp->size };
    memcpy (h.root, cp->root, SH_HASH_BYTES);
    return h;
}

//  Node a takes the receipt of its changes first_seq .. first_seq + count
//  - 1 as node_sync does: the checkpoint opens with the hub's key and
//  extends the one held, the batch's leaves give its root; all stored in
//  one transaction. *held becomes the new checkpoint.
static void
s_take (s_fx_t *fx, const s_ack_t *ack, uint64_t first_seq, uint64_t count, sh_receipts_head_t *held)
{
    sh_note_checkpoint_t cp;
    SH_PASS (sh_hubid_open_checkpoint (&fx->hub, &cp, ack->note, strlen (ack->note)));
    sh_receipts_head_t next = s_head (&cp);
    SH_PASS (sh_receipts_check_extends (held, &next, (const uint8_t (*)[SH_HASH_BYTES]) ack->proof, ack->n_proof));
    sh_receipts_batch_t b = { .first_seq = first_seq, .count = count, .first_leaf = cp.size - count,
                              .size = cp.size, .range = (const uint8_t (*)[SH_HASH_BYTES]) ack->range,
                              .n_range = ack->n_range };
    sh_store_txn_t *txn;
    SH_PASS (sh_replica_begin (fx->a, &txn));
    uint64_t failed = 12345;
    SH_PASS (sh_receipts_check_batch (txn, sh_replica_author (fx->a), &b, cp.root, &failed));
    SH_CHECK (failed == 0);
    SH_PASS (sh_receipts_put_checkpoint (txn, held, cp.size, ack->note, strlen (ack->note),
                                         (const uint8_t (*)[SH_HASH_BYTES]) ack->proof, ack->n_proof));
    SH_PASS (sh_receipts_put_batch (txn, &b));
    SH_PASS (sh_receipts_put_hub_key (txn, &fx->hub));
    SH_PASS (sh_store_commit (&txn));
    *held = next;
}

//  The honest history: a pushes 1..5 (tree 5), b pushes 1..3, a pushes
//  6..9 (tree 12); a takes both receipts. *held is a's newest checkpoint,
//  *first the one of size 5.
static void
s_fx_new (s_fx_t *fx, sh_receipts_head_t *first, sh_receipts_head_t *held)
{
    memset (fx, 0, sizeof *fx);
    fx->dir = sh_test_tmpdir ();
    fx->key = sh_test_key (0x61);
    sh_hubid_init_key (&fx->hub, fx->key);
    char *da = s_path (fx->dir, "a"), *db = s_path (fx->dir, "b");
    SH_PASS (sh_replica_create (&fx->a, da, S_VILLAGE_A));
    SH_PASS (sh_replica_create (&fx->b, db, S_VILLAGE_B));
    free (da);
    free (db);
    fx->store = s_hub_new (fx, "hub");
    s_write (fx->a, 9);
    s_write (fx->b, 3);

    sh_receipts_head_t none = { 0 };
    *held = none;
    s_push (fx, fx->store, fx->a, 1, 5);
    s_ack_t ack = s_ack (fx, fx->store, 5, 0);
    SH_CHECK (ack.size == 5 && ack.n_range == 0);
    s_take (fx, &ack, 1, 5, held);
    *first = *held;
    free (ack.note);

    s_push (fx, fx->store, fx->b, 1, 3);
    s_push (fx, fx->store, fx->a, 6, 9);
    ack = s_ack (fx, fx->store, 4, held->size);
    SH_CHECK (ack.size == 12 && ack.n_range == 1 && ack.n_proof > 0);
    s_take (fx, &ack, 6, 4, held);
    SH_CHECK (held->size == 12);
    free (ack.note);
}

static void
s_fx_fini (s_fx_t *fx)
{
    sh_store_close (&fx->store);
    sh_replica_close (&fx->a);
    sh_replica_close (&fx->b);
    sh_key_destroy (&fx->key);
    sh_test_rmdir (fx->dir);
}

/* --------------------------------------------------------------------------
 * Reading back
 * -------------------------------------------------------------------------- */

typedef struct {
    const sh_hubid_t *hub;              //  opens the checkpoints
    sh_receipts_entry_t got[8];         //  entries seen (pointers valid during the walk only)
    sh_receipts_head_t heads[8];        //  checkpoints opened
    size_t n;                           //  how many
    size_t stop_after;                  //  0: never stop
} s_walk_t;

static int
s_collect (const sh_receipts_entry_t *e, void *arg)
{
    s_walk_t *w = arg;
    SH_CHECK (w->n < 8);
    if (e->kind == SH_RECEIPTS_CHECKPOINT && !e->malformed) {
        sh_note_checkpoint_t cp;
        SH_PASS (sh_hubid_open_checkpoint (w->hub, &cp, e->u.checkpoint.note, e->u.checkpoint.note_len));
        SH_CHECK (cp.size == e->u.checkpoint.size);
        w->heads[w->n] = s_head (&cp);
    }
    w->got[w->n++] = *e;
    return w->stop_after && w->n == w->stop_after;
}

static s_walk_t
s_walk (s_fx_t *fx, sh_receipts_kind_t kind, size_t stop_after)
{
    s_walk_t w = { .hub = &fx->hub, .stop_after = stop_after };
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (sh_replica_store (fx->a), false, &txn));
    SH_PASS (sh_receipts_each (txn, kind, s_collect, &w));
    sh_store_abort (&txn);
    return w;
}

static void
test_honest (void)
{
    s_fx_t fx;
    sh_receipts_head_t first, held;
    s_fx_new (&fx, &first, &held);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (sh_replica_store (fx.a), false, &txn));
    //  the newest checkpoint, opened with the hub's identity
    sh_receipts_head_t latest;
    SH_PASS (sh_receipts_latest (txn, &fx.hub, &latest));
    SH_CHECK (latest.size == 12 && memcmp (latest.root, held.root, SH_HASH_BYTES) == 0);
    //  the hub key recorded
    char hex[SH_HEX_BYTES (SH_PUBKEY_BYTES)], want[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    SH_PASS (sh_receipts_hub_key (txn, hex));
    sh_crypto_hex (want, fx.hub.pubkey, SH_PUBKEY_BYTES);
    SH_CHECK (strcmp (hex, want) == 0);
    //  the layout of docs/protocol.md 13.18, byte for byte
    uint8_t key[17] = { 'c' };
    const uint8_t *v;
    size_t vl;
    sh_store_put_be64 (key + 1, 5);
    SH_PASS (sh_store_get (txn, SH_DB_RECEIPTS, key, 9, &v, &vl));
    SH_CHECK (vl > 0 && memcmp (v, fx.hub.origin, strlen (fx.hub.origin)) == 0);
    key[0] = 'p';
    sh_store_put_be64 (key + 9, 12);
    SH_PASS (sh_store_get (txn, SH_DB_RECEIPTS, key, 17, &v, &vl));
    SH_CHECK (vl > 0 && vl % SH_HASH_BYTES == 0);
    key[0] = 'b';
    sh_store_put_be64 (key + 1, 6);
    SH_PASS (sh_store_get (txn, SH_DB_RECEIPTS, key, 9, &v, &vl));
    SH_CHECK (vl == 24 + SH_HASH_BYTES);
    SH_CHECK (sh_store_get_be64 (v) == 4 && sh_store_get_be64 (v + 8) == 8 && sh_store_get_be64 (v + 16) == 12);
    sh_store_abort (&txn);

    //  the checkpoints, in size order
    s_walk_t w = s_walk (&fx, SH_RECEIPTS_CHECKPOINT, 0);
    SH_CHECK (w.n == 2 && w.heads[0].size == 5 && w.heads[1].size == 12);
    SH_CHECK (memcmp (w.heads[0].root, first.root, SH_HASH_BYTES) == 0);
    //  the one proof links them
    s_walk_t p = s_walk (&fx, SH_RECEIPTS_PROOF, 0);
    SH_CHECK (p.n == 1 && !p.got[0].malformed);
    SH_CHECK (p.got[0].u.proof.old_size == 5 && p.got[0].u.proof.new_size == 12 && p.got[0].u.proof.n > 0);
    //  the batch receipts, each proving its changes in its checkpoint
    s_walk_t b = s_walk (&fx, SH_RECEIPTS_BATCH, 0);
    SH_CHECK (b.n == 2);
    SH_CHECK (b.got[0].u.batch.first_seq == 1 && b.got[0].u.batch.count == 5 && b.got[0].u.batch.first_leaf == 0
              && b.got[0].u.batch.size == 5 && b.got[0].u.batch.n_range == 0);
    SH_CHECK (b.got[1].u.batch.first_seq == 6 && b.got[1].u.batch.count == 4 && b.got[1].u.batch.first_leaf == 8
              && b.got[1].u.batch.size == 12 && b.got[1].u.batch.n_range == 1);
    //  a walk stops when told
    b = s_walk (&fx, SH_RECEIPTS_BATCH, 1);
    SH_CHECK (b.n == 1);
    s_fx_fini (&fx);
}

//  Re-read everything stored in one transaction and check it as the
//  auditor does: each proof joins two held checkpoints, each batch holds.
static int
s_audit_proof (const sh_receipts_entry_t *e, void *arg)
{
    const s_walk_t *cps = arg;
    const sh_receipts_head_t *a = NULL, *b = NULL;
    for (size_t i = 0; i < cps->n; i++) {
        if (cps->heads[i].size == e->u.proof.old_size)
            a = &cps->heads[i];
        if (cps->heads[i].size == e->u.proof.new_size)
            b = &cps->heads[i];
    }
    SH_CHECK (a && b && !e->malformed);
    SH_PASS (sh_receipts_check_extends (a, b, e->u.proof.hashes, e->u.proof.n));
    //  the proof does not link them the other way round, nor to another root
    SH_FAIL (sh_receipts_check_extends (b, a, e->u.proof.hashes, e->u.proof.n), SH_EINVAL);
    sh_receipts_head_t wrong = *b;
    wrong.root[0] ^= 1;
    SH_FAIL (sh_receipts_check_extends (a, &wrong, e->u.proof.hashes, e->u.proof.n), SH_ECRYPTO);
    return 0;
}

typedef struct {
    const s_walk_t *cps;                //  the checkpoints held
    sh_store_txn_t *txn;                //  the node's store
    const uint8_t *me;                  //  the node's key
    int held;                           //  batch receipts that hold
} s_audit_t;

static int
s_audit_batch (const sh_receipts_entry_t *e, void *arg)
{
    s_audit_t *au = arg;
    const sh_receipts_batch_t *b = &e->u.batch;
    for (size_t i = 0; i < au->cps->n; i++)
        if (au->cps->heads[i].size == b->size) {
            SH_PASS (sh_receipts_check_batch (au->txn, au->me, b, au->cps->heads[i].root, NULL));
            au->held++;
        }
    return 0;
}

static void
test_audit (void)
{
    s_fx_t fx;
    sh_receipts_head_t first, held;
    s_fx_new (&fx, &first, &held);
    s_walk_t cps = s_walk (&fx, SH_RECEIPTS_CHECKPOINT, 0);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (sh_replica_store (fx.a), false, &txn));
    SH_PASS (sh_receipts_each (txn, SH_RECEIPTS_PROOF, s_audit_proof, &cps));
    s_audit_t au = { .cps = &cps, .txn = txn, .me = sh_replica_author (fx.a) };
    SH_PASS (sh_receipts_each (txn, SH_RECEIPTS_BATCH, s_audit_batch, &au));
    SH_CHECK (au.held == 2);
    sh_store_abort (&txn);
    s_fx_fini (&fx);
}

/* --------------------------------------------------------------------------
 * Refusals
 * -------------------------------------------------------------------------- */

static void
test_forged_checkpoint (void)
{
    s_fx_t fx;
    sh_receipts_head_t first, held;
    s_fx_new (&fx, &first, &held);

    //  another hub's key: the receipts held are not its checkpoints
    sh_key_t *other_key = sh_key_generate ();
    SH_CHECK (other_key);
    sh_hubid_t other;
    sh_hubid_init_key (&other, other_key);
    sh_store_txn_t *txn;
    sh_receipts_head_t latest;
    SH_PASS (sh_store_begin (sh_replica_store (fx.a), false, &txn));
    SH_FAIL (sh_receipts_latest (txn, &other, &latest), SH_ECRYPTO);
    SH_CHECK (latest.size == 0);
    sh_store_abort (&txn);

    //  a checkpoint of the honest tree signed by another key under the
    //  hub's origin does not open with the hub's identity
    char *text, *forged;
    size_t text_len;
    SH_PASS (sh_note_checkpoint_format (&text, &text_len, fx.hub.origin, held.size, held.root, NULL));
    SH_PASS (sh_note_sign (&forged, NULL, text, text_len, other_key, fx.hub.origin));
    sh_note_checkpoint_t cp;
    SH_CHECK (sh_hubid_open_checkpoint (&fx.hub, &cp, forged, strlen (forged)) != SH_OK);
    free (forged);
    free (text);

    //  stored as if it had been taken, it is what latest refuses
    SH_PASS (sh_store_begin (sh_replica_store (fx.a), true, &txn));
    uint8_t key[9] = { 'c' };
    sh_store_put_be64 (key + 1, 99);
    SH_PASS (sh_store_put (txn, SH_DB_RECEIPTS, key, sizeof key, "not a note\n", 11));
    SH_FAIL (sh_receipts_latest (txn, &fx.hub, &latest), SH_ECRYPTO);
    sh_store_abort (&txn);
    sh_key_destroy (&other_key);
    s_fx_fini (&fx);
}

//  A hub restored or forked: a checkpoint signed with the right key over
//  another history does not extend the one the node holds.
static void
test_inconsistent_checkpoint (void)
{
    s_fx_t fx;
    sh_receipts_head_t first, held;
    s_fx_new (&fx, &first, &held);
    //  the other history: b's changes first, then a's
    sh_store_t *fork = s_hub_new (&fx, "fork");
    s_push (&fx, fork, fx.b, 1, 3);
    s_push (&fx, fork, fx.a, 1, 9);
    s_ack_t ack = s_ack (&fx, fork, 9, first.size);
    SH_CHECK (ack.size == 12);
    sh_note_checkpoint_t cp;
    SH_PASS (sh_hubid_open_checkpoint (&fx.hub, &cp, ack.note, strlen (ack.note)));
    sh_receipts_head_t next = s_head (&cp);
    SH_CHECK (memcmp (next.root, held.root, SH_HASH_BYTES) != 0);
    //  its own proof does not show the held size-5 tree a prefix of it
    SH_FAIL (sh_receipts_check_extends (&first, &next, (const uint8_t (*)[SH_HASH_BYTES]) ack.proof, ack.n_proof),
             SH_ECRYPTO);
    //  nor does the honest proof from 12, nor an empty one: equal sizes need equal roots
    SH_FAIL (sh_receipts_check_extends (&held, &next, NULL, 0), SH_ECRYPTO);
    //  a smaller checkpoint than the one held never extends it
    SH_FAIL (sh_receipts_check_extends (&held, &first, NULL, 0), SH_EINVAL);
    //  the same checkpoint extends itself; nothing held is extended by anything
    SH_PASS (sh_receipts_check_extends (&held, &held, NULL, 0));
    sh_receipts_head_t none = { 0 };
    SH_PASS (sh_receipts_check_extends (&none, &next, NULL, 0));
    //  the honest proof, tampered with
    s_ack_t honest = s_ack (&fx, fx.store, 4, first.size);
    honest.proof[0][5] ^= 0x10;
    SH_FAIL (sh_receipts_check_extends (&first, &held, (const uint8_t (*)[SH_HASH_BYTES]) honest.proof,
                                        honest.n_proof), SH_ECRYPTO);
    honest.proof[0][5] ^= 0x10;
    SH_PASS (sh_receipts_check_extends (&first, &held, (const uint8_t (*)[SH_HASH_BYTES]) honest.proof,
                                        honest.n_proof));
    SH_FAIL (sh_receipts_check_extends (&first, &held, (const uint8_t (*)[SH_HASH_BYTES]) honest.proof,
                                        honest.n_proof - 1), SH_ECRYPTO);
    free (honest.note);
    free (ack.note);
    sh_store_close (&fork);
    s_fx_fini (&fx);
}

static void
test_bad_range (void)
{
    s_fx_t fx;
    sh_receipts_head_t first, held;
    s_fx_new (&fx, &first, &held);
    s_ack_t ack = s_ack (&fx, fx.store, 4, 0);
    const uint8_t *me = sh_replica_author (fx.a);
    sh_receipts_batch_t good = { .first_seq = 6, .count = 4, .first_leaf = 8, .size = 12,
                                 .range = (const uint8_t (*)[SH_HASH_BYTES]) ack.range, .n_range = ack.n_range };
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (sh_replica_store (fx.a), false, &txn));
    uint64_t failed;
    SH_PASS (sh_receipts_check_batch (txn, me, &good, held.root, &failed));

    //  a flipped range hash, a missing one, another checkpoint's root
    ack.range[0][0] ^= 1;
    SH_FAIL (sh_receipts_check_batch (txn, me, &good, held.root, &failed), SH_ECRYPTO);
    SH_CHECK (failed == 0);
    ack.range[0][0] ^= 1;
    sh_receipts_batch_t b = good;
    b.n_range = 0;
    SH_FAIL (sh_receipts_check_batch (txn, me, &b, held.root, &failed), SH_ECRYPTO);
    SH_FAIL (sh_receipts_check_batch (txn, me, &good, first.root, &failed), SH_ECRYPTO);
    //  other changes of this node are not those leaves
    b = good;
    b.first_seq = 5;
    SH_FAIL (sh_receipts_check_batch (txn, me, &b, held.root, &failed), SH_ECRYPTO);
    //  nor are another node's
    SH_FAIL (sh_receipts_check_batch (txn, sh_replica_author (fx.b), &good, held.root, &failed), SH_ENOTFOUND);
    SH_CHECK (failed == 6);
    //  a batch that cannot be in that checkpoint (past its end)
    b = good;
    b.first_leaf = b.size - b.count + 1;
    SH_FAIL (sh_receipts_check_batch (txn, me, &b, held.root, &failed), SH_EINVAL);
    //  a batch inside the tree: its ranges do not fit there
    b = good;
    b.first_leaf = 7;
    SH_FAIL (sh_receipts_check_batch (txn, me, &b, held.root, &failed), SH_ECRYPTO);
    b = good;
    b.count = 0;
    SH_FAIL (sh_receipts_check_batch (txn, me, &b, held.root, &failed), SH_EINVAL);
    b = good;
    b.count = SH_RECEIPTS_BATCH_MAX + 1;
    b.first_leaf = b.size - b.count;
    SH_FAIL (sh_receipts_check_batch (txn, me, &b, held.root, &failed), SH_EINVAL);
    //  changes the node does not hold
    b = good;
    b.first_seq = 8;
    SH_FAIL (sh_receipts_check_batch (txn, me, &b, held.root, &failed), SH_ENOTFOUND);
    SH_CHECK (failed == 10);
    sh_store_abort (&txn);
    free (ack.note);
    s_fx_fini (&fx);
}

//  Entries of the wrong length are handed out marked malformed, in key order.
static void
test_malformed (void)
{
    s_fx_t fx;
    sh_receipts_head_t first, held;
    s_fx_new (&fx, &first, &held);
    sh_store_txn_t *txn;
    SH_PASS (sh_replica_begin (fx.a, &txn));
    uint8_t key[18] = { 0 }, val[23] = { 0 };
    key[0] = 'c';
    SH_PASS (sh_store_put (txn, SH_DB_RECEIPTS, key, 5, "x", 1));          //  key too short: first
    key[0] = 'p';
    SH_PASS (sh_store_put (txn, SH_DB_RECEIPTS, key, 18, val, 0));         //  key too long: first
    sh_store_put_be64 (key + 1, 7);
    SH_PASS (sh_store_put (txn, SH_DB_RECEIPTS, key, 17, val, 23));        //  7 -> 0, not whole hashes: last
    key[0] = 'b';
    SH_PASS (sh_store_put (txn, SH_DB_RECEIPTS, key, 9, val, 23));         //  seq 7, value too short: last
    SH_PASS (sh_store_commit (&txn));

    s_walk_t c = s_walk (&fx, SH_RECEIPTS_CHECKPOINT, 0);
    SH_CHECK (c.n == 3 && c.got[0].malformed && c.got[0].u.checkpoint.size == 0);
    SH_CHECK (!c.got[1].malformed && c.heads[1].size == 5 && !c.got[2].malformed && c.heads[2].size == 12);
    s_walk_t p = s_walk (&fx, SH_RECEIPTS_PROOF, 0);
    SH_CHECK (p.n == 3);
    SH_CHECK (p.got[0].malformed && p.got[0].u.proof.old_size == 0 && p.got[0].u.proof.new_size == 0);
    SH_CHECK (!p.got[1].malformed && p.got[1].u.proof.old_size == 5 && p.got[1].u.proof.new_size == 12);
    SH_CHECK (p.got[2].malformed && p.got[2].u.proof.old_size == 7 && p.got[2].u.proof.new_size == 0
              && p.got[2].u.proof.hashes == NULL && p.got[2].u.proof.n == 0);
    s_walk_t b = s_walk (&fx, SH_RECEIPTS_BATCH, 0);
    SH_CHECK (b.n == 3 && !b.got[0].malformed && !b.got[1].malformed);
    SH_CHECK (b.got[2].malformed && b.got[2].u.batch.first_seq == 7 && b.got[2].u.batch.count == 0
              && b.got[2].u.batch.range == NULL);
    s_fx_fini (&fx);
}

static void
test_empty (void)
{
    char *dir = sh_test_tmpdir ();
    char *nd = s_path (dir, "n");
    sh_replica_t *r;
    SH_PASS (sh_replica_create (&r, nd, S_VILLAGE_A));
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (sh_replica_store (r), false, &txn));
    uint8_t k[SH_PUBKEY_BYTES] = { 1 };
    sh_hubid_t hub;
    sh_hubid_init (&hub, k);
    sh_receipts_head_t latest;
    memset (&latest, 0xff, sizeof latest);
    SH_PASS (sh_receipts_latest (txn, &hub, &latest));
    SH_CHECK (latest.size == 0);
    char hex[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    SH_FAIL (sh_receipts_hub_key (txn, hex), SH_ENOTFOUND);
    sh_store_abort (&txn);
    //  the first checkpoint is stored without a proof
    SH_PASS (sh_replica_begin (r, &txn));
    sh_receipts_head_t none = { 0 };
    SH_PASS (sh_receipts_put_checkpoint (txn, &none, 3, "note", 4, NULL, 0));
    uint64_t count;
    SH_PASS (sh_store_count (txn, SH_DB_RECEIPTS, &count));
    SH_CHECK (count == 1);
    sh_store_abort (&txn);
    sh_replica_close (&r);
    free (nd);
    sh_test_rmdir (dir);
}

static const sh_test_case_t tests[] = {
    { "honest", test_honest },
    { "audit", test_audit },
    { "forged checkpoint", test_forged_checkpoint },
    { "inconsistent checkpoint", test_inconsistent_checkpoint },
    { "bad range", test_bad_range },
    { "malformed", test_malformed },
    { "empty", test_empty },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
