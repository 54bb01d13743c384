/*  sh_recovery_test -- a hub store copied mid-way takes its lost tail back
    from offers, leaf for leaf, with real replicas, signatures and LMDB
    stores: partial offers wait, misplaced leaves are dropped, a complete
    tail reproduces the lost checkpoint and state, bad offers change
    nothing, and an abandoned tail becomes a signed epoch; the personal
    values of sealed fields come back beside the leaves.
*/
#include "sh_test.h"

#include "sh_changelog.h"
#include "sh_epoch.h"
#include "sh_hubid.h"
#include "sh_hublog.h"
#include "sh_merge.h"
#include "sh_merkle.h"
#include "sh_note.h"
#include "sh_openings.h"
#include "sh_recovery.h"
#include "sh_registry.h"
#include "sh_replica.h"
#include "sh_store.h"
#include "sh_sys.h"
#include "sh_test_hub.h"
#include "shouhe/v1/domain.pb-c.h"

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
    SH_PASS (sh_recovery_offer (fx.copy, &fx.id, sh_replica_author (fx.a.r), fx.tail.note, leaves, pos, n, NULL, 0,
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
    SH_PASS (sh_recovery_offer (fx.copy, &fx.id, sh_replica_author (fx.b.r), NULL, leaves, pos, n, NULL, 0, false, 2,
                                &res, &st));
    SH_CHECK (res.code == 0 && res.appended == 0 && st.size == 15);
    SH_CHECK (strstr (st.problem, "do not reproduce the checkpoint of size 35") != NULL);
    SH_CHECK (st.missing == 20);      //  the run was dropped, a's leaves too

    //  both offer again, rightly: the tail joins, the recovery ends
    leaves[1] = leaves[0];
    leaves[0] = swap;
    SH_PASS (sh_recovery_offer (fx.copy, &fx.id, sh_replica_author (fx.b.r), NULL, leaves, pos, n, NULL, 0, true, 3,
                                &res, &st));
    SH_CHECK (res.appended == 0 && st.heard == 2 && st.missing == 10);
    n = s_by (&fx.tail, sh_replica_author (fx.a.r), leaves, pos);
    SH_PASS (sh_recovery_offer (fx.copy, &fx.id, sh_replica_author (fx.a.r), NULL, leaves, pos, n, NULL, 0, true, 4,
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
    SH_PASS (sh_recovery_offer (fx.copy, &fx.id, sh_replica_author (fx.a.r), forged, leaves, pos, n, NULL, 0, true, 1,
                                &res, &st));
    SH_CHECK (res.code == SH_WIRE_ERR_SIGNATURE);
    //  a leaf beyond every checkpoint shown
    uint64_t far[1] = { 1000 };
    SH_PASS (sh_recovery_offer (fx.copy, &fx.id, sh_replica_author (fx.a.r), fx.tail.note, leaves, far, 1, NULL, 0,
                                true, 1, &res, &st));
    SH_CHECK (res.code == SH_WIRE_ERR_MALFORMED);
    //  a leaf whose signature does not verify
    uint8_t *bad = malloc (leaves[0].len);
    SH_CHECK (bad);
    memcpy (bad, leaves[0].data, leaves[0].len);
    bad[leaves[0].len - 1] ^= 1;
    sh_wire_bytes_t one = { bad, leaves[0].len };
    SH_PASS (sh_recovery_offer (fx.copy, &fx.id, sh_replica_author (fx.a.r), fx.tail.note, &one, pos, 1, NULL, 0, true,
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
    SH_PASS (sh_recovery_offer (fx.copy, &fx.id, sh_replica_author (fx.a.r), NULL, NULL, NULL, 0, NULL, 0, true, 1,
                                &res, &st));
    SH_CHECK (res.code == 0 && !res.began && !st.active);   //  nothing shows a loss
    SH_PASS (sh_recovery_offer (fx.copy, &fx.id, sh_replica_author (fx.a.r), fx.tail.note, NULL, NULL, 0, NULL, 0, true,
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
    SH_PASS (sh_recovery_offer (fx.copy2, &fx.id, sh_replica_author (fx.a.r), fx.tail.note, leaves, pos, n, NULL, 0,
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

//  ---------------------------------------------------------------------
//  Openings: the personal values come back with the tail

#define S_P2 "person-000000002"
#define S_P3 "person-000000003"

//  Write (sealed when nd seals) a person of courtyard S_A 001, or the
//  erasure mark of its personal data when name is NULL.
static void
s_person_write (sh_test_node_t *nd, const char *id, const char *name, const char *phone)
{
    static const uint8_t mark[] = { 0xf8, 0xff, 0xff, 0xff, 0x0f, 0x01 };
    Shouhe__V1__Person p = SHOUHE__V1__PERSON__INIT;
    p.name = (char *) name;
    p.courtyard = (char *) S_A "001";
    p.phone = (char *) phone;
    uint8_t body[256];
    size_t len = name ? shouhe__v1__person__pack (&p, body) : sizeof mark;
    if (!name)
        memcpy (body, mark, sizeof mark);
    sh_store_txn_t *txn;
    SH_PASS (sh_replica_begin (nd->r, &txn));
    SH_PASS (sh_replica_write (nd->r, txn, S_A "001", SH_KIND_PERSON, (const uint8_t *) id, strlen (id), SH_OP_PUT,
                               body, len, NULL));
    SH_PASS (sh_store_commit (&txn));
}

//  The name store reads for person id ("" when it holds no value).
static const char *
s_name_of (sh_store_t *store, const char *id, char name[64])
{
    sh_store_txn_t *txn;
    uint8_t *body;
    size_t len;
    SH_PASS (sh_store_begin (store, false, &txn));
    SH_PASS (sh_merge_get (txn, S_A "001", SH_KIND_PERSON, (const uint8_t *) id, strlen (id), &body, &len, NULL));
    sh_store_abort (&txn);
    Shouhe__V1__Person *p = shouhe__v1__person__unpack (NULL, len, body);
    SH_CHECK (p);
    snprintf (name, 64, "%s", p->name ? p->name : "");
    shouhe__v1__person__free_unpacked (p, NULL);
    free (body);
    return name;
}

//  How many openings store keeps staged beside leaves ('o' keys).
static size_t
s_staged_openings (sh_store_t *store)
{
    sh_store_txn_t *txn;
    sh_store_cursor_t *cur;
    const uint8_t *k, *v;
    size_t kl, vl, n = 0;
    SH_PASS (sh_store_begin (store, false, &txn));
    SH_PASS (sh_store_cursor_open (txn, SH_DB_RECOVERY, "o", 1, &cur));
    while (sh_store_cursor_next (cur, &k, &kl, &v, &vl) == SH_OK)
        n++;
    sh_store_cursor_close (&cur);
    sh_store_abort (&txn);
    return n;
}

//  The openings of list[0..n) that name change from, renumbered to (into out).
static size_t
s_renumber (const sh_openings_t *ops, uint32_t from, uint32_t to, sh_wire_opening_t *out)
{
    size_t k = 0;
    for (size_t j = 0; j < ops->n; j++)
        if (ops->list[j].change == from) {
            out[k] = ops->list[j];
            out[k++].change = to;
        }
    return k;
}

//  A sealing village writes two persons after the hub was copied and
//  erases the second; the tail (leaves 4, 5, 6) comes back in two Offers
//  with the openings the village held before the erasure: the first
//  waits staged, a forged opening refuses its Offer whole, and once the
//  tail joins the hub reads the first person's name, not the erased
//  one's. A copy whose tail a mirror handed back first (no openings)
//  takes the values from the village's later Offer of the same leaves.
static void
test_openings_come_back (void)
{
    sh_key_t *key = sh_test_key (0x33);
    sh_hubid_t id;
    sh_hubid_init_key (&id, key);
    char *dir = sh_test_tmpdir (), *copy_dir, *copy2_dir, name[64];
    sh_store_t *hub;
    SH_PASS (sh_store_open (&hub, dir, true, 0));
    sh_test_node_t a;
    sh_test_node_new (&a, S_A);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (hub, true, &txn));
    SH_PASS (sh_store_meta_put_str (txn, "role", "hub"));
    SH_PASS (sh_registry_enroll (txn, sh_replica_author (a.r), S_A, SH_WIRE_ROLE_NODE, "a", 1));
    SH_PASS (sh_store_commit (&txn));
    sh_test_node_write (&a, S_A, 4);                //  courtyards: leaves 0..3
    sh_test_hub_push (hub, &id, &a, 1, 4);
    sh_store_t *copy = s_copy_of (hub, &copy_dir), *copy2 = s_copy_of (hub, &copy2_dir);
    sh_replica_set_sealing (a.r, true);
    s_person_write (&a, S_P2, "张德明", "13900000002");
    s_person_write (&a, S_P3, "赵桂兰", "13900000003");
    sh_test_hub_push (hub, &id, &a, 5, 6);
    s_tail_t tail;
    s_tail (hub, &id, 4, &tail);
    SH_CHECK (tail.n == 2);
    sh_openings_t ops;                              //  what the village holds for them now
    SH_PASS (sh_store_begin (sh_replica_store (a.r), false, &txn));
    SH_PASS (sh_openings_gather (txn, tail.leaf, 2, &ops));
    sh_store_abort (&txn);
    SH_CHECK (ops.n == 4);                          //  name and phone of each
    s_person_write (&a, S_P3, NULL, NULL);          //  then erases the second
    sh_test_hub_push (hub, &id, &a, 7, 7);
    s_tail_fini (&tail);
    s_tail (hub, &id, 4, &tail);
    SH_CHECK (tail.n == 3);

    //  misplaced leaves (4 and 5 swapped): dropped with the openings staged beside them
    sh_wire_opening_t first[8], rest[8], swapped[8];
    sh_wire_bytes_t mixed[3] = { tail.leaf[1], tail.leaf[0], tail.leaf[2] };
    size_t ns = s_renumber (&ops, 1, 0, swapped);
    ns += s_renumber (&ops, 0, 1, swapped + ns);
    sh_recovery_result_t res;
    sh_recovery_status_t st;
    SH_PASS (sh_recovery_offer (copy, &id, sh_replica_author (a.r), tail.note, mixed, tail.pos, 3, swapped, ns,
                                false, 1, &res, &st));
    SH_CHECK (res.code == 0 && res.taken == 3 && res.appended == 0 && st.staged == 0 && st.problem[0]);
    SH_CHECK (s_staged_openings (copy) == 0);
    //  the first Offer: leaf 4 and its openings, staged until the rest comes
    size_t n1 = s_renumber (&ops, 0, 0, first), n2 = s_renumber (&ops, 1, 0, rest);
    SH_CHECK (n1 == 2 && n2 == 2);
    SH_PASS (sh_recovery_offer (copy, &id, sh_replica_author (a.r), tail.note, tail.leaf, tail.pos, 1, first, n1,
                                false, 1, &res, &st));
    SH_CHECK (res.code == 0 && res.taken == 1 && res.appended == 0 && st.staged == 1);
    SH_CHECK (s_staged_openings (copy) == 2);
    //  a forged opening: the Offer is refused whole, at its leaf
    uint8_t forged[64];
    memcpy (forged, rest[1].value, rest[1].value_len);
    forged[rest[1].value_len - 1] ^= 1;
    const uint8_t *good = rest[1].value;
    rest[1].value = forged;
    SH_PASS (sh_recovery_offer (copy, &id, sh_replica_author (a.r), NULL, tail.leaf + 1, tail.pos + 1, 2, rest, n2,
                                true, 2, &res, &st));
    SH_CHECK (res.code == SH_WIRE_ERR_SIGNATURE && strstr (res.message, "leaf 0 (at 5): an opening does not open"));
    st = s_status (copy);
    SH_CHECK (st.active && st.staged == 1 && st.heard == 0 && st.size == 4);
    //  the rest, rightly: the tail joins with the values
    rest[1].value = good;
    SH_PASS (sh_recovery_offer (copy, &id, sh_replica_author (a.r), NULL, tail.leaf + 1, tail.pos + 1, 2, rest, n2,
                                true, 3, &res, &st));
    SH_CHECK (res.code == 0 && res.appended == 3 && res.finished && st.size == 7);
    SH_CHECK (!strcmp (s_name_of (copy, S_P2, name), "张德明"));
    SH_CHECK (!strcmp (s_name_of (copy, S_P3, name), ""));        //  erased: not kept
    SH_CHECK (s_staged_openings (copy) == 0);
    sh_openings_t held;
    SH_PASS (sh_store_begin (copy, false, &txn));
    SH_PASS (sh_openings_gather (txn, tail.leaf, 3, &held));
    sh_store_abort (&txn);
    SH_CHECK (held.n == 2 && held.list[0].change == 0);             //  P2's name and phone, as the village's
    sh_openings_fini (&held);

    //  copy2: a mirror hands the tail back first -- commitments only
    static const uint8_t mirror[SH_PUBKEY_BYTES] = { 7 };
    SH_PASS (sh_recovery_offer (copy2, &id, mirror, tail.note, tail.leaf, tail.pos, 3, NULL, 0, true, 1, &res, &st));
    SH_CHECK (res.code == 0 && res.appended == 3 && !res.finished && st.active && st.size == 7);
    SH_CHECK (!strcmp (s_name_of (copy2, S_P2, name), ""));
    //  the village offers the same leaves with their values: a forged one is refused there too
    first[0].value = forged;
    SH_PASS (sh_recovery_offer (copy2, &id, sh_replica_author (a.r), NULL, tail.leaf, tail.pos, 1, first, n1, true,
                                2, &res, &st));
    SH_CHECK (res.code == SH_WIRE_ERR_SIGNATURE && strstr (res.message, "leaf 0 (at 4)"));
    SH_CHECK (!strcmp (s_name_of (copy2, S_P2, name), "") && s_status (copy2).heard == 0);
    first[0].value = ops.list[0].value;
    SH_PASS (sh_recovery_offer (copy2, &id, sh_replica_author (a.r), NULL, tail.leaf, tail.pos, 1, first, n1, true,
                                3, &res, &st));
    SH_CHECK (res.code == 0 && res.taken == 0 && res.finished);
    SH_CHECK (!strcmp (s_name_of (copy2, S_P2, name), "张德明"));

    sh_openings_fini (&ops);
    s_tail_fini (&tail);
    sh_store_close (&hub);
    sh_store_close (&copy);
    sh_store_close (&copy2);
    sh_test_rmdir (dir);
    sh_test_rmdir (copy_dir);
    sh_test_rmdir (copy2_dir);
    sh_test_node_fini (&a);
    sh_key_destroy (&key);
}

static const sh_test_case_t tests[] = {
    { "recover leaf for leaf", test_recover_leaf_for_leaf },
    { "bad offers change nothing", test_bad_offers_change_nothing },
    { "unmarked copy begins recovery", test_unmarked_copy_begins_recovery },
    { "abandon signs an epoch", test_abandon_signs_an_epoch },
    { "openings come back", test_openings_come_back },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
