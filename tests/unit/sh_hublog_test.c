/*  sh_hublog_test -- the hub taking in pushed batches and selecting what
    each node pulls, with real keys and real signed changes.

    Changes come from real replicas (sh_replica_write in temporary node
    directories, the bytes read back from the node's log with
    sh_changelog_find/get), or are made by hand with sh_change_encode and
    sh_change_sign where a replica would refuse to make them (a fork, a
    body that is not a record). The hub is a fresh store with meta role
    "hub" and enrolled keys, as `shouhe-hub init` and `enroll` leave it.

    Every refusal is checked to store NOTHING: the state digest, the log
    size and the scope index, evidence and registry are compared before
    and after.
*/
#include "sh_test.h"

#include "sh_change.h"
#include "sh_changelog.h"
#include "sh_crypto.h"
#include "sh_hubid.h"
#include "sh_hublog.h"
#include "sh_merkle.h"
#include "sh_note.h"
#include "sh_openings.h"
#include "sh_key.h"
#include "sh_merge.h"
#include "sh_registry.h"
#include "sh_replica.h"
#include "sh_store.h"
#include "sh_sys.h"
#include "sh_wire.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>

#define S_VILLAGE_A "500115101001"
#define S_VILLAGE_B "500115101002"
#define S_TOWN "500115101"

/* --------------------------------------------------------------------------
 * Byte strings and batches
 * -------------------------------------------------------------------------- */

typedef struct {
    sh_wire_bytes_t *v;     //  the changes (data owned here)
    size_t n, cap;          //  used and allocated
} s_list_t;

static void
s_list_add (s_list_t *l, const uint8_t *data, size_t len)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->v = realloc (l->v, l->cap * sizeof *l->v);
        SH_CHECK (l->v);
    }
    uint8_t *copy = malloc (len ? len : 1);
    SH_CHECK (copy);
    memcpy (copy, data, len);
    l->v[l->n++] = (sh_wire_bytes_t) { copy, len };
}

static void
s_list_fini (s_list_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free ((void *) l->v[i].data);
    free (l->v);
    memset (l, 0, sizeof *l);
}

//  A batch that borrows some of a list's changes, in the order given.
typedef struct {
    sh_wire_bytes_t v[64];
    size_t n;
} s_batch_t;

static void
s_batch_add (s_batch_t *b, sh_wire_bytes_t c)
{
    SH_CHECK (b->n < sizeof b->v / sizeof b->v[0]);
    b->v[b->n++] = c;
}

/* --------------------------------------------------------------------------
 * Record bodies
 * -------------------------------------------------------------------------- */

static size_t
s_pb_varint (uint8_t *out, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t) (v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t) v;
    return n;
}

static size_t
s_pb_string (uint8_t *out, uint32_t field, const char *s)
{
    size_t n = s_pb_varint (out, (uint64_t) field << 3 | 2);
    n += s_pb_varint (out + n, strlen (s));
    memcpy (out + n, s, strlen (s));
    return n + strlen (s);
}

//  A Courtyard body (domain.proto): code, name, households. Returns its length.
static size_t
s_courtyard (uint8_t out[256], const char *code, const char *name, uint32_t households)
{
    size_t n = s_pb_string (out, 1, code);
    n += s_pb_string (out + n, 2, name);
    n += s_pb_varint (out + n, 4 << 3 | 0);
    n += s_pb_varint (out + n, households);
    return n;
}

/* --------------------------------------------------------------------------
 * Nodes: real replicas writing courtyards
 * -------------------------------------------------------------------------- */

typedef struct {
    char *dir;                  //  the node directory
    sh_replica_t *r;            //  its replica
    s_list_t log;               //  its own SignedChanges, seq 1.. at index seq - 1
} s_node_t;

static void
s_node_new (s_node_t *nd, const char *scope)
{
    memset (nd, 0, sizeof *nd);
    char *base = sh_test_tmpdir ();
    size_t len = strlen (base) + 8;
    nd->dir = malloc (len);
    SH_CHECK (nd->dir);
    snprintf (nd->dir, len, "%s/node", base);
    free (base);
    SH_PASS (sh_replica_create (&nd->r, nd->dir, scope));
}

static void
s_node_fini (s_node_t *nd)
{
    sh_replica_close (&nd->r);
    s_list_fini (&nd->log);
    //  remove the temporary parent as well
    char *slash = strrchr (nd->dir, '/');
    SH_CHECK (slash);
    *slash = '\0';
    sh_test_rmdir (nd->dir);
}

static const uint8_t *
s_node_key (const s_node_t *nd)
{
    return sh_replica_author (nd->r);
}

//  Copy the node's n newest SignedChanges (after nd->log) into nd->log.
static void
s_node_collect (s_node_t *nd, int n)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (sh_replica_store (nd->r), false, &txn));
    for (int i = 0; i < n; i++) {
        uint64_t seq = nd->log.n + 1, index;
        const uint8_t *bytes;
        size_t len;
        SH_PASS (sh_changelog_find (txn, s_node_key (nd), seq, &index, NULL));
        SH_PASS (sh_changelog_get (txn, index, &bytes, &len));
        s_list_add (&nd->log, bytes, len);
    }
    sh_store_abort (&txn);
}

//  Write n courtyards in village (region = village + 3 digits; a 6- or
//  9-digit "village" writes Region records of that level instead) in one
//  transaction, and copy the new SignedChanges from the node's log into
//  nd->log.
static void
s_node_write (s_node_t *nd, const char *village, int n)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_replica_begin (nd->r, &txn));
    for (int i = 0; i < n; i++) {
        char region[SH_REGION_MAX + 1], name[32];
        uint64_t k = nd->log.n + (uint64_t) i;
        bool yard = strlen (village) == 12;
        if (yard)           //  some courtyards written again: merges
            snprintf (region, sizeof region, "%s%03d", village, (int) (k % 7) + 1);
        else
            snprintf (region, sizeof region, "%s", village);
        snprintf (name, sizeof name, "yard %" PRIu64, k);
        uint8_t body[256];
        size_t blen;
        if (yard)
            blen = s_courtyard (body, region, name, (uint32_t) (10 + k));
        else {          //  Region { code, name }
            size_t rl = strlen (region), nl = strlen (name);
            body[0] = 0x0a;
            body[1] = (uint8_t) rl;
            memcpy (body + 2, region, rl);
            body[2 + rl] = 0x12;
            body[3 + rl] = (uint8_t) nl;
            memcpy (body + 4 + rl, name, nl);
            blen = 4 + rl + nl;
        }
        uint64_t seq;
        SH_PASS (sh_replica_write (nd->r, txn, region, yard ? SH_KIND_COURTYARD : SH_KIND_REGION,
                                   (const uint8_t *) region, strlen (region), SH_OP_PUT, body, blen, &seq));
        SH_CHECK (seq == nd->log.n + (uint64_t) i + 1);
    }
    SH_PASS (sh_store_commit (&txn));
    s_node_collect (nd, n);
}

//  Seq s of the node (1-based).
static sh_wire_bytes_t
s_seq (const s_node_t *nd, uint64_t s)
{
    SH_CHECK (s >= 1 && s <= nd->log.n);
    return nd->log.v[s - 1];
}

//  The node's changes seq from..to as a batch.
static s_batch_t
s_range (const s_node_t *nd, uint64_t from, uint64_t to)
{
    s_batch_t b = { .n = 0 };
    for (uint64_t s = from; s <= to; s++)
        s_batch_add (&b, s_seq (nd, s));
    return b;
}

static void
s_digest (sh_store_t *store, const char *scope, uint8_t out[SH_HASH_BYTES])
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, false, &txn));
    SH_PASS (sh_merge_digest (txn, scope, out));
    sh_store_abort (&txn);
}

//  The hash of SignedChange bytes' change.
static void
s_hash_of (const sh_wire_bytes_t *c, uint8_t hash[SH_HASH_BYTES])
{
    sh_change_t ch;
    SH_PASS (sh_change_open (&ch, hash, c->data, c->len, NULL));
    sh_change_fini (&ch);
}

//  A change made by hand (what a replica would never write), signed by key.
//  Caller owns *out.
static void
s_hand_at (uint8_t **out, size_t *out_len, const sh_key_t *key, uint64_t seq, const uint8_t prev[SH_HASH_BYTES],
           const char *region, const uint8_t *body, size_t body_len, uint64_t hlc)
{
    sh_change_t c = { 0 };
    memcpy (c.author, sh_key_public (key), SH_PUBKEY_BYTES);
    c.seq = seq;
    if (prev)
        memcpy (c.prev, prev, SH_HASH_BYTES);
    c.hlc = hlc;
    snprintf (c.region, sizeof c.region, "%s", region);
    c.kind = SH_KIND_COURTYARD;
    c.entity = (const uint8_t *) "cy-hand";
    c.entity_len = 7;
    c.op = SH_OP_PUT;
    c.body = body;
    c.body_len = body_len;
    uint8_t *change;
    size_t change_len;
    SH_PASS (sh_change_encode (&c, &change, &change_len));
    SH_PASS (sh_change_sign (out, out_len, change, change_len, key));
    free (change);
}

static void
s_hand (uint8_t **out, size_t *out_len, const sh_key_t *key, uint64_t seq, const uint8_t prev[SH_HASH_BYTES],
        const char *region, const uint8_t *body, size_t body_len)
{
    s_hand_at (out, out_len, key, seq, prev, region, body, body_len, ((uint64_t) 1700000000000 << 16) + seq);
}

/* --------------------------------------------------------------------------
 * The hub
 * -------------------------------------------------------------------------- */

typedef struct {
    char *dir;
    sh_store_t *store;
} s_hub_t;

//  A fresh hub store with an LMDB map of map_bytes (0: the default).
static void
s_hub_new_map (s_hub_t *h, size_t map_bytes)
{
    h->dir = sh_test_tmpdir ();
    SH_PASS (sh_store_open (&h->store, h->dir, true, map_bytes));
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (h->store, true, &txn));
    SH_PASS (sh_store_meta_put_str (txn, "role", "hub"));
    SH_PASS (sh_store_commit (&txn));
}

static void
s_hub_new (s_hub_t *h)
{
    s_hub_new_map (h, 0);
}

static void
s_hub_fini (s_hub_t *h)
{
    sh_store_close (&h->store);
    sh_test_rmdir (h->dir);
}

static void
s_enroll (s_hub_t *h, const uint8_t key[SH_PUBKEY_BYTES], const char *scope)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (h->store, true, &txn));
    SH_PASS (sh_registry_enroll (txn, key, scope, SH_WIRE_ROLE_NODE, NULL, 1700000000000));
    SH_PASS (sh_store_commit (&txn));
}

static sh_registry_entry_t
s_entry (s_hub_t *h, const uint8_t key[SH_PUBKEY_BYTES])
{
    sh_registry_entry_t e;
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (h->store, false, &txn));
    SH_PASS (sh_registry_get (txn, key, &e));
    sh_store_abort (&txn);
    return e;
}

//  A hub key from the seed base, base + 1, ... and its identity in *hub.
//  Caller destroys the key.
static sh_key_t *
s_hub_key (uint8_t base, sh_hubid_t *hub)
{
    uint8_t seed[SH_SEED_BYTES];
    for (int i = 0; i < SH_SEED_BYTES; i++)
        seed[i] = (uint8_t) (base + i);
    sh_key_t *key = sh_key_from_seed (seed);
    SH_CHECK (key);
    sh_hubid_init_key (hub, key);
    return key;
}

//  Push a batch as the session of key; the call itself must succeed (the
//  batch was judged).
static sh_hublog_result_t
s_push (s_hub_t *h, const uint8_t key[SH_PUBKEY_BYTES], const s_batch_t *b, int threads)
{
    sh_registry_entry_t e = s_entry (h, key);
    sh_hublog_result_t res;
    SH_PASS (sh_hublog_push (h->store, &e, b->v, b->n, threads, &res));
    return res;
}

//  Everything a push may write, to compare before and after a refusal.
typedef struct {
    uint8_t digest[SH_HASH_BYTES];      //  merged state
    uint64_t log_size;                  //  log entries
    uint64_t counts[SH_DB_COUNT];       //  entries per database (registry, evidence ...)
    uint64_t log_next;                  //  meta log.next (0 if never written)
} s_state_t;

static s_state_t
s_state (s_hub_t *h)
{
    s_state_t st;
    memset (&st, 0, sizeof st);
    s_digest (h->store, "", st.digest);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (h->store, false, &txn));
    SH_PASS (sh_changelog_size (txn, &st.log_size));
    for (int db = 0; db < SH_DB_COUNT; db++)
        SH_PASS (sh_store_count (txn, (sh_store_db_t) db, &st.counts[db]));
    if (sh_store_meta_get_u64 (txn, "log.next", &st.log_next) != SH_OK)
        st.log_next = 0;
    sh_store_abort (&txn);
    return st;
}

static void
s_same_state (const s_state_t *a, const s_state_t *b)
{
    SH_CHECK (memcmp (a->digest, b->digest, SH_HASH_BYTES) == 0);
    SH_CHECK (a->log_size == b->log_size);
    SH_CHECK (a->log_next == b->log_next);
    for (int db = 0; db < SH_DB_COUNT; db++) {
        if (a->counts[db] != b->counts[db])
            fprintf (stderr, "database %d: %" PRIu64 " entries before, %" PRIu64 " after\n", db,
                     a->counts[db], b->counts[db]);
        SH_CHECK (a->counts[db] == b->counts[db]);
    }
}

//  A refusal: the code and position expected, a message, and nothing stored.
static void
s_refused (s_hub_t *h, const uint8_t key[SH_PUBKEY_BYTES], const s_batch_t *b, int threads,
           sh_wire_error_t code, uint32_t position)
{
    s_state_t before = s_state (h);
    sh_hublog_result_t res = s_push (h, key, b, threads);
    if (res.code != code || !res.has_position || res.position != position)
        fprintf (stderr, "refusal: %s at %s%u (\"%s\"), expected %s at %u\n", sh_wire_error_name (res.code),
                 res.has_position ? "" : "no position ", res.position, res.message,
                 sh_wire_error_name (code), position);
    SH_CHECK (res.code == code);
    SH_CHECK (res.has_position && res.position == position);
    SH_CHECK (strlen (res.message) > 10);
    SH_CHECK (res.accepted == 0 && res.duplicates == 0);
    s_state_t after = s_state (h);
    if (code != SH_WIRE_ERR_EQUIVOCATION)
        s_same_state (&before, &after);
}

static uint64_t
s_head (s_hub_t *h, const uint8_t key[SH_PUBKEY_BYTES])
{
    sh_store_txn_t *txn;
    uint64_t seq;
    uint8_t hash[SH_HASH_BYTES];
    SH_PASS (sh_store_begin (h->store, false, &txn));
    SH_PASS (sh_changelog_head (txn, key, &seq, hash));
    sh_store_abort (&txn);
    return seq;
}

/* --------------------------------------------------------------------------
 * Push: accepted
 * -------------------------------------------------------------------------- */

static void
test_push_good (void)
{
    s_hub_t h;
    s_hub_new (&h);
    s_node_t a;
    s_node_new (&a, S_VILLAGE_A);
    s_enroll (&h, s_node_key (&a), S_VILLAGE_A);
    s_node_write (&a, S_VILLAGE_A, 20);

    //  an empty push is judged, stores nothing and reports the head
    s_batch_t none = { .n = 0 };
    sh_hublog_result_t res = s_push (&h, s_node_key (&a), &none, 1);
    SH_CHECK (res.code == 0 && res.accepted == 0 && res.duplicates == 0 && res.head_seq == 0);

    s_batch_t b = s_range (&a, 1, 20);
    res = s_push (&h, s_node_key (&a), &b, 1);
    SH_CHECK (res.code == 0 && res.message[0] == '\0');
    SH_CHECK (res.accepted == 20 && res.duplicates == 0 && res.head_seq == 20);
    SH_CHECK (s_head (&h, s_node_key (&a)) == 20);

    //  the hub's state is the node's, in every scope that covers it
    const char *scopes[] = { "", "500115", S_TOWN, S_VILLAGE_A, S_VILLAGE_A "001" };
    for (size_t i = 0; i < sizeof scopes / sizeof scopes[0]; i++) {
        uint8_t hd[SH_HASH_BYTES], nd[SH_HASH_BYTES];
        s_digest (h.store, scopes[i], hd);
        s_digest (sh_replica_store (a.r), scopes[i], nd);
        SH_CHECK (memcmp (hd, nd, SH_HASH_BYTES) == 0);
    }
    s_state_t st = s_state (&h);
    SH_CHECK (st.log_size == 20 && st.counts[SH_DB_LOG] == 20);
    SH_CHECK (st.counts[SH_DB_SCOPES] == 60);           //  6-, 9- and 12-digit prefix per change
    SH_CHECK (st.counts[SH_DB_EVIDENCE] == 0);
    //  the log holds the exact bytes pushed, and verifies
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (h.store, false, &txn));
    for (uint64_t s = 1; s <= 20; s++) {
        uint64_t index;
        const uint8_t *bytes;
        size_t len;
        SH_PASS (sh_changelog_find (txn, s_node_key (&a), s, &index, NULL));
        SH_CHECK (index == s);
        SH_PASS (sh_changelog_get (txn, index, &bytes, &len));
        SH_CHECK (len == s_seq (&a, s).len && memcmp (bytes, s_seq (&a, s).data, len) == 0);
    }
    sh_store_abort (&txn);
    sh_changelog_fault_t fault;
    SH_PASS (sh_changelog_verify (h.store, &fault));
    SH_CHECK (fault.checked == 20);

    //  the same batch again: all duplicates, nothing written
    res = s_push (&h, s_node_key (&a), &b, 1);
    SH_CHECK (res.code == 0 && res.accepted == 0 && res.duplicates == 20 && res.head_seq == 20);
    s_state_t again = s_state (&h);
    s_same_state (&st, &again);

    //  a resend that overlaps new changes: the old ones are duplicates
    s_node_write (&a, S_VILLAGE_A, 10);
    b = s_range (&a, 15, 30);
    res = s_push (&h, s_node_key (&a), &b, 2);
    SH_CHECK (res.code == 0 && res.accepted == 10 && res.duplicates == 6 && res.head_seq == 30);
    uint8_t hd[SH_HASH_BYTES], nd[SH_HASH_BYTES];
    s_digest (h.store, "", hd);
    s_digest (sh_replica_store (a.r), "", nd);
    SH_CHECK (memcmp (hd, nd, SH_HASH_BYTES) == 0);

    //  one change twice in one batch: stored once
    s_node_write (&a, S_VILLAGE_A, 1);
    b = s_range (&a, 31, 31);
    s_batch_add (&b, s_seq (&a, 31));
    res = s_push (&h, s_node_key (&a), &b, 1);
    SH_CHECK (res.code == 0 && res.accepted == 1 && res.duplicates == 1 && res.head_seq == 31);
    SH_PASS (sh_changelog_verify (h.store, &fault));
    SH_CHECK (fault.checked == 31);

    s_node_fini (&a);
    s_hub_fini (&h);
}

/* --------------------------------------------------------------------------
 * Push: refused, nothing stored
 * -------------------------------------------------------------------------- */

//  A hub with node a (village A) holding seq 1..3 of its 6 changes, and
//  node b (village A too) enrolled with nothing pushed.
typedef struct {
    s_hub_t h;
    s_node_t a, b;
} s_fx_t;

static void
s_fx_init (s_fx_t *fx)
{
    s_hub_new (&fx->h);
    s_node_new (&fx->a, S_VILLAGE_A);
    s_node_new (&fx->b, S_VILLAGE_A);
    s_enroll (&fx->h, s_node_key (&fx->a), S_VILLAGE_A);
    s_enroll (&fx->h, s_node_key (&fx->b), S_VILLAGE_A);
    s_node_write (&fx->a, S_VILLAGE_A, 6);
    s_node_write (&fx->b, S_VILLAGE_A, 3);
    s_batch_t b = s_range (&fx->a, 1, 3);
    sh_hublog_result_t res = s_push (&fx->h, s_node_key (&fx->a), &b, 1);
    SH_CHECK (res.code == 0 && res.accepted == 3);
}

static void
s_fx_fini (s_fx_t *fx)
{
    s_node_fini (&fx->a);
    s_node_fini (&fx->b);
    s_hub_fini (&fx->h);
}

//  After the refusals, the refused changes are still welcome once fixed:
//  a's 4..6 and b's 1..3 go in.
static void
s_fx_still_serves (s_fx_t *fx)
{
    s_batch_t b = s_range (&fx->a, 4, 6);
    sh_hublog_result_t res = s_push (&fx->h, s_node_key (&fx->a), &b, 1);
    SH_CHECK (res.code == 0 && res.accepted == 3 && res.head_seq == 6);
    b = s_range (&fx->b, 1, 3);
    res = s_push (&fx->h, s_node_key (&fx->b), &b, 1);
    SH_CHECK (res.code == 0 && res.accepted == 3 && res.head_seq == 3);
    sh_changelog_fault_t fault;
    SH_PASS (sh_changelog_verify (fx->h.store, &fault));
    SH_CHECK (fault.checked == 9);
}

static void
test_refuse_signature (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    //  flip the last byte of seq 5: the SignedChange ends with the signature
    sh_wire_bytes_t c5 = s_seq (&fx.a, 5);
    uint8_t *forged = malloc (c5.len);
    SH_CHECK (forged);
    memcpy (forged, c5.data, c5.len);
    uint8_t *change, sig[SH_SIG_BYTES];
    size_t change_len;
    SH_PASS (sh_change_unwrap (&change, &change_len, sig, forged, c5.len));
    SH_CHECK (sig[SH_SIG_BYTES - 1] == forged[c5.len - 1]);
    free (change);
    forged[c5.len - 1] ^= 0x01;
    sh_change_t ch;
    SH_FAIL (sh_change_open (&ch, NULL, forged, c5.len, NULL), SH_ECRYPTO);

    s_batch_t b = s_range (&fx.a, 4, 4);
    s_batch_add (&b, (sh_wire_bytes_t) { forged, c5.len });
    s_batch_add (&b, s_seq (&fx.a, 6));
    s_refused (&fx.h, s_node_key (&fx.a), &b, 1, SH_WIRE_ERR_SIGNATURE, 1);
    //  alone, and on several threads
    b = (s_batch_t) { .n = 0 };
    s_batch_add (&b, (sh_wire_bytes_t) { forged, c5.len });
    s_refused (&fx.h, s_node_key (&fx.a), &b, 4, SH_WIRE_ERR_SIGNATURE, 0);
    //  a signature byte flipped in an already stored change: refused all the same
    sh_wire_bytes_t c2 = s_seq (&fx.a, 2);
    uint8_t *forged2 = malloc (c2.len);
    SH_CHECK (forged2);
    memcpy (forged2, c2.data, c2.len);
    forged2[c2.len - 10] ^= 0x80;
    b = (s_batch_t) { .n = 0 };
    s_batch_add (&b, (sh_wire_bytes_t) { forged2, c2.len });
    s_refused (&fx.h, s_node_key (&fx.a), &b, 1, SH_WIRE_ERR_SIGNATURE, 0);
    free (forged);
    free (forged2);
    s_fx_still_serves (&fx);
    s_fx_fini (&fx);
}

static void
test_refuse_author (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    //  b's change pushed on a's session, alone and after a good change of a's
    s_batch_t b = { .n = 0 };
    s_batch_add (&b, s_seq (&fx.b, 1));
    s_refused (&fx.h, s_node_key (&fx.a), &b, 1, SH_WIRE_ERR_AUTHOR, 0);
    b = s_range (&fx.a, 4, 5);
    s_batch_add (&b, s_seq (&fx.b, 1));
    s_refused (&fx.h, s_node_key (&fx.a), &b, 1, SH_WIRE_ERR_AUTHOR, 2);
    //  and a's change on b's session
    b = s_range (&fx.a, 4, 4);
    s_refused (&fx.h, s_node_key (&fx.b), &b, 1, SH_WIRE_ERR_AUTHOR, 0);
    s_fx_still_serves (&fx);
    s_fx_fini (&fx);
}

static void
test_refuse_scope (void)
{
    s_hub_t h;
    s_hub_new (&h);
    //  a replica created for the whole district, enrolled for village A only
    s_node_t w;
    s_node_new (&w, "500115");
    s_enroll (&h, s_node_key (&w), S_VILLAGE_A);
    s_node_write (&w, S_VILLAGE_A, 2);          //  seq 1, 2: inside
    s_node_write (&w, S_VILLAGE_B, 1);          //  seq 3: another village
    s_node_write (&w, S_TOWN, 1);               //  seq 4: the town itself (a shorter region)
    s_node_write (&w, "500115102001", 1);       //  seq 5: another town

    s_batch_t b = s_range (&w, 1, 3);
    s_refused (&h, s_node_key (&w), &b, 1, SH_WIRE_ERR_SCOPE, 2);
    b = s_range (&w, 1, 2);
    sh_hublog_result_t res = s_push (&h, s_node_key (&w), &b, 1);
    SH_CHECK (res.code == 0 && res.accepted == 2 && res.head_seq == 2);
    for (uint64_t s = 3; s <= 5; s++) {
        b = s_range (&w, s, 5);
        s_refused (&h, s_node_key (&w), &b, 1, SH_WIRE_ERR_SCOPE, 0);
    }
    SH_CHECK (s_head (&h, s_node_key (&w)) == 2);

    //  a town key enrolled for the town may write in both villages and the town
    s_node_t t;
    s_node_new (&t, S_TOWN);
    s_enroll (&h, s_node_key (&t), S_TOWN);
    s_node_write (&t, S_VILLAGE_A, 1);
    s_node_write (&t, S_VILLAGE_B, 1);
    s_node_write (&t, S_TOWN, 1);
    b = s_range (&t, 1, 3);
    res = s_push (&h, s_node_key (&t), &b, 1);
    SH_CHECK (res.code == 0 && res.accepted == 3);
    //  but not in the next town (made by hand: its replica would refuse to)
    uint8_t prev[SH_HASH_BYTES], body[256];
    sh_wire_bytes_t t3 = s_seq (&t, 3);
    s_hash_of (&t3, prev);
    size_t blen = s_courtyard (body, "500115102001001", "next town", 4);
    uint8_t *bytes;
    size_t len;
    s_hand (&bytes, &len, sh_replica_key (t.r), 4, prev, "500115102001001", body, blen);
    b = (s_batch_t) { .n = 0 };
    s_batch_add (&b, (sh_wire_bytes_t) { bytes, len });
    s_refused (&h, s_node_key (&t), &b, 1, SH_WIRE_ERR_SCOPE, 0);
    free (bytes);
    s_node_fini (&w);
    s_node_fini (&t);
    s_hub_fini (&h);
}

static void
test_refuse_chain (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    //  b has nothing at the hub: seq 1 skipped
    s_batch_t b = s_range (&fx.b, 2, 3);
    s_refused (&fx.h, s_node_key (&fx.b), &b, 1, SH_WIRE_ERR_CHAIN, 0);
    //  a gap inside the batch
    b = s_range (&fx.b, 1, 1);
    s_batch_add (&b, s_seq (&fx.b, 3));
    s_refused (&fx.h, s_node_key (&fx.b), &b, 1, SH_WIRE_ERR_CHAIN, 1);
    //  a holds 1..3: seq 5 does not follow
    b = s_range (&fx.a, 5, 6);
    s_refused (&fx.h, s_node_key (&fx.a), &b, 1, SH_WIRE_ERR_CHAIN, 0);
    //  out of order
    b = s_range (&fx.a, 5, 5);
    s_batch_add (&b, s_seq (&fx.a, 4));
    s_refused (&fx.h, s_node_key (&fx.a), &b, 1, SH_WIRE_ERR_CHAIN, 0);
    //  the right seq with a wrong prev (validly signed by a)
    uint8_t prev[SH_HASH_BYTES], body[256];
    memset (prev, 0x5a, sizeof prev);
    size_t blen = s_courtyard (body, S_VILLAGE_A "001", "wrong prev", 3);
    uint8_t *bytes;
    size_t len;
    s_hand (&bytes, &len, sh_replica_key (fx.a.r), 4, prev, S_VILLAGE_A "001", body, blen);
    b = (s_batch_t) { .n = 0 };
    s_batch_add (&b, (sh_wire_bytes_t) { bytes, len });
    s_refused (&fx.h, s_node_key (&fx.a), &b, 1, SH_WIRE_ERR_CHAIN, 0);
    free (bytes);
    s_fx_still_serves (&fx);
    s_fx_fini (&fx);
}

static void
test_refuse_malformed (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    uint8_t garbage[200];
    memset (garbage, 0xff, sizeof garbage);
    s_batch_t b = { .n = 0 };
    s_batch_add (&b, (sh_wire_bytes_t) { garbage, sizeof garbage });
    s_refused (&fx.h, s_node_key (&fx.a), &b, 1, SH_WIRE_ERR_MALFORMED, 0);
    //  after good changes; and a good change cut short
    b = s_range (&fx.a, 4, 5);
    s_batch_add (&b, (sh_wire_bytes_t) { garbage, 3 });
    s_refused (&fx.h, s_node_key (&fx.a), &b, 1, SH_WIRE_ERR_MALFORMED, 2);
    sh_wire_bytes_t c4 = s_seq (&fx.a, 4);
    for (size_t cut = 1; cut < c4.len; cut += 17) {
        b = (s_batch_t) { .n = 0 };
        s_batch_add (&b, (sh_wire_bytes_t) { c4.data, cut });
        s_refused (&fx.h, s_node_key (&fx.a), &b, 1, SH_WIRE_ERR_MALFORMED, 0);
    }
    //  random bytes
    for (int i = 0; i < 50; i++) {
        sh_crypto_random (garbage, sizeof garbage);
        b = (s_batch_t) { .n = 0 };
        s_batch_add (&b, (sh_wire_bytes_t) { garbage, 1 + (size_t) i * 3 });
        s_refused (&fx.h, s_node_key (&fx.a), &b, 1, SH_WIRE_ERR_MALFORMED, 0);
    }
    //  a validly signed change whose clock is twenty minutes ahead of the hub's
    uint8_t prev[SH_HASH_BYTES], body[256];
    sh_wire_bytes_t c3 = s_seq (&fx.a, 3);
    s_hash_of (&c3, prev);
    size_t blen = s_courtyard (body, S_VILLAGE_A "001", "future", 4);
    uint64_t future = (sh_replica_clock (fx.a.r) >> 16) + 2 * SH_CLOCK_BOUND_MS;
    uint8_t *bytes;
    size_t len;
    s_hand_at (&bytes, &len, sh_replica_key (fx.a.r), 4, prev, S_VILLAGE_A "001", body, blen, future << 16);
    b = (s_batch_t) { .n = 0 };
    s_batch_add (&b, (sh_wire_bytes_t) { bytes, len });
    s_refused (&fx.h, s_node_key (&fx.a), &b, 1, SH_WIRE_ERR_MALFORMED, 0);
    free (bytes);
    s_fx_still_serves (&fx);
    s_fx_fini (&fx);
}

static void
test_refuse_body (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    //  a courtyard "body" that is no protobuf message, validly signed by a at seq 4
    const uint8_t junk[] = { 0xff, 0xff };
    uint8_t prev[SH_HASH_BYTES];
    sh_wire_bytes_t c3 = s_seq (&fx.a, 3);
    s_hash_of (&c3, prev);
    uint8_t *bytes;
    size_t len;
    s_hand (&bytes, &len, sh_replica_key (fx.a.r), 4, prev, S_VILLAGE_A "001", junk, sizeof junk);
    sh_change_t ch;
    SH_PASS (sh_change_open (&ch, NULL, bytes, len, NULL));     //  a well-formed, verified change
    sh_change_fini (&ch);
    s_batch_t b = { .n = 0 };
    s_batch_add (&b, (sh_wire_bytes_t) { bytes, len });
    s_refused (&fx.h, s_node_key (&fx.a), &b, 1, SH_WIRE_ERR_BODY, 0);

    //  b: a good hand-made seq 1, then the junk body at seq 2
    uint8_t body[256], h1[SH_HASH_BYTES];
    size_t blen = s_courtyard (body, S_VILLAGE_A "002", "hand", 5);
    uint8_t *b1, *b2;
    size_t l1, l2;
    s_hand (&b1, &l1, sh_replica_key (fx.b.r), 1, NULL, S_VILLAGE_A "002", body, blen);
    sh_wire_bytes_t w1 = { b1, l1 };
    s_hash_of (&w1, h1);
    s_hand (&b2, &l2, sh_replica_key (fx.b.r), 2, h1, S_VILLAGE_A "002", junk, sizeof junk);
    b = (s_batch_t) { .n = 0 };
    s_batch_add (&b, w1);
    s_batch_add (&b, (sh_wire_bytes_t) { b2, l2 });
    s_refused (&fx.h, s_node_key (&fx.b), &b, 1, SH_WIRE_ERR_BODY, 1);
    SH_CHECK (s_head (&fx.h, s_node_key (&fx.b)) == 0);
    free (bytes);
    free (b1);
    free (b2);
    s_fx_still_serves (&fx);
    s_fx_fini (&fx);
}

static void
test_refuse_mixed (void)
{
    //  every kind of bad change after good ones: the first fault is named, nothing is stored
    s_fx_t fx;
    s_fx_init (&fx);
    uint8_t garbage[] = { 0xff, 0xfe, 0xfd };
    s_batch_t b = s_range (&fx.a, 4, 6);
    s_batch_add (&b, (sh_wire_bytes_t) { garbage, sizeof garbage });
    s_batch_add (&b, s_seq (&fx.b, 1));
    s_refused (&fx.h, s_node_key (&fx.a), &b, 1, SH_WIRE_ERR_MALFORMED, 3);
    b = s_range (&fx.a, 4, 6);
    s_batch_add (&b, s_seq (&fx.b, 1));
    s_batch_add (&b, (sh_wire_bytes_t) { garbage, sizeof garbage });
    s_refused (&fx.h, s_node_key (&fx.a), &b, 1, SH_WIRE_ERR_AUTHOR, 3);
    //  a chain fault is found after the content checks, still nothing is stored
    b = s_range (&fx.a, 4, 4);
    s_batch_add (&b, s_seq (&fx.a, 6));
    s_refused (&fx.h, s_node_key (&fx.a), &b, 1, SH_WIRE_ERR_CHAIN, 1);
    SH_CHECK (s_head (&fx.h, s_node_key (&fx.a)) == 3);
    s_fx_still_serves (&fx);
    s_fx_fini (&fx);
}

/* --------------------------------------------------------------------------
 * Equivocation
 * -------------------------------------------------------------------------- */

typedef struct {
    uint8_t hashes[4][SH_HASH_BYTES];
    size_t lens[4];
    int n;
} s_evidence_t;

//  The evidence held for (author, seq): hashes and byte lengths.
static void
s_evidence (s_hub_t *h, const uint8_t author[SH_PUBKEY_BYTES], uint64_t seq, s_evidence_t *ev)
{
    memset (ev, 0, sizeof *ev);
    uint8_t prefix[SH_PUBKEY_BYTES + 8];
    memcpy (prefix, author, SH_PUBKEY_BYTES);
    sh_store_put_be64 (prefix + SH_PUBKEY_BYTES, seq);
    sh_store_txn_t *txn;
    sh_store_cursor_t *cur;
    SH_PASS (sh_store_begin (h->store, false, &txn));
    SH_PASS (sh_store_cursor_open (txn, SH_DB_EVIDENCE, prefix, sizeof prefix, &cur));
    const uint8_t *k, *v;
    size_t kl, vl;
    while (sh_store_cursor_next (cur, &k, &kl, &v, &vl) == SH_OK) {
        SH_CHECK (kl == sizeof prefix + SH_HASH_BYTES && ev->n < 4);
        //  the value is the SignedChange whose hash is in the key
        sh_wire_bytes_t w = { v, vl };
        uint8_t hash[SH_HASH_BYTES];
        s_hash_of (&w, hash);
        SH_CHECK (memcmp (hash, k + sizeof prefix, SH_HASH_BYTES) == 0);
        memcpy (ev->hashes[ev->n], hash, SH_HASH_BYTES);
        ev->lens[ev->n++] = vl;
    }
    sh_store_cursor_close (&cur);
    sh_store_abort (&txn);
}

static bool
s_evidence_has (const s_evidence_t *ev, const sh_wire_bytes_t *c)
{
    uint8_t hash[SH_HASH_BYTES];
    s_hash_of (c, hash);
    for (int i = 0; i < ev->n; i++)
        if (memcmp (ev->hashes[i], hash, SH_HASH_BYTES) == 0 && ev->lens[i] == c->len)
            return true;
    return false;
}

static void
test_equivocation (void)
{
    s_hub_t h;
    s_hub_new (&h);
    s_node_t a, b;
    s_node_new (&a, S_VILLAGE_A);
    s_node_new (&b, S_VILLAGE_A);
    s_enroll (&h, s_node_key (&a), S_VILLAGE_A);
    s_enroll (&h, s_node_key (&b), S_VILLAGE_A);
    s_node_write (&a, S_VILLAGE_A, 2);
    s_node_write (&b, S_VILLAGE_A, 2);
    s_batch_t batch = s_range (&a, 1, 2);
    sh_hublog_result_t res = s_push (&h, s_node_key (&a), &batch, 1);
    SH_CHECK (res.code == 0 && res.accepted == 2);
    batch = s_range (&b, 1, 2);
    res = s_push (&h, s_node_key (&b), &batch, 1);
    SH_CHECK (res.code == 0 && res.accepted == 2);

    //  a second, different seq 1 signed by a (a restored backup writing on)
    uint8_t body[256];
    size_t blen = s_courtyard (body, S_VILLAGE_A "004", "fork", 9);
    uint8_t *fork;
    size_t fork_len;
    s_hand (&fork, &fork_len, sh_replica_key (a.r), 1, NULL, S_VILLAGE_A "004", body, blen);
    sh_wire_bytes_t f = { fork, fork_len };
    s_state_t before = s_state (&h);
    batch = (s_batch_t) { .n = 0 };
    s_batch_add (&batch, f);
    s_refused (&h, s_node_key (&a), &batch, 1, SH_WIRE_ERR_EQUIVOCATION, 0);

    //  both sides are kept as evidence, the log and state are as before, a is blocked
    s_evidence_t ev;
    s_evidence (&h, s_node_key (&a), 1, &ev);
    SH_CHECK (ev.n == 2);
    sh_wire_bytes_t a1 = s_seq (&a, 1);
    SH_CHECK (s_evidence_has (&ev, &a1) && s_evidence_has (&ev, &f));
    s_state_t after = s_state (&h);
    SH_CHECK (memcmp (before.digest, after.digest, SH_HASH_BYTES) == 0);
    SH_CHECK (before.log_size == after.log_size && before.counts[SH_DB_LOG] == after.counts[SH_DB_LOG]);
    SH_CHECK (before.counts[SH_DB_SCOPES] == after.counts[SH_DB_SCOPES]);
    SH_CHECK (after.counts[SH_DB_EVIDENCE] == 2);
    SH_CHECK (s_entry (&h, s_node_key (&a)).blocked);
    SH_CHECK (!s_entry (&h, s_node_key (&b)).blocked);
    SH_CHECK (s_head (&h, s_node_key (&a)) == 2);
    //  the hub's log still verifies and holds a's original chain
    sh_changelog_fault_t fault;
    SH_PASS (sh_changelog_verify (h.store, &fault));
    SH_CHECK (fault.checked == 4);

    //  the same fork again: still refused, evidence not duplicated
    s_refused (&h, s_node_key (&a), &batch, 1, SH_WIRE_ERR_EQUIVOCATION, 0);
    s_evidence (&h, s_node_key (&a), 1, &ev);
    SH_CHECK (ev.n == 2);

    //  b, the other key, goes on undisturbed
    s_node_write (&b, S_VILLAGE_A, 1);
    batch = s_range (&b, 3, 3);
    res = s_push (&h, s_node_key (&b), &batch, 1);
    SH_CHECK (res.code == 0 && res.accepted == 1 && res.head_seq == 3);
    free (fork);
    s_node_fini (&a);
    s_node_fini (&b);
    s_hub_fini (&h);
}

static void
test_equivocation_in_batch (void)
{
    //  both sides of the fork in one batch, neither held before: still an
    //  equivocation, both kept, the key blocked, nothing of the batch stored
    s_hub_t h;
    s_hub_new (&h);
    s_node_t a;
    s_node_new (&a, S_VILLAGE_A);
    s_enroll (&h, s_node_key (&a), S_VILLAGE_A);
    s_node_write (&a, S_VILLAGE_A, 1);
    uint8_t body[256];
    size_t blen = s_courtyard (body, S_VILLAGE_A "004", "fork", 9);
    uint8_t *fork;
    size_t fork_len;
    s_hand (&fork, &fork_len, sh_replica_key (a.r), 1, NULL, S_VILLAGE_A "004", body, blen);
    sh_wire_bytes_t f = { fork, fork_len };
    s_batch_t batch = s_range (&a, 1, 1);
    s_batch_add (&batch, f);
    s_state_t before = s_state (&h);
    s_refused (&h, s_node_key (&a), &batch, 1, SH_WIRE_ERR_EQUIVOCATION, 1);
    s_state_t after = s_state (&h);
    SH_CHECK (memcmp (before.digest, after.digest, SH_HASH_BYTES) == 0 && after.log_size == 0);
    s_evidence_t ev;
    s_evidence (&h, s_node_key (&a), 1, &ev);
    SH_CHECK (ev.n == 2);
    sh_wire_bytes_t a1 = s_seq (&a, 1);
    SH_CHECK (s_evidence_has (&ev, &a1) && s_evidence_has (&ev, &f));
    SH_CHECK (s_entry (&h, s_node_key (&a)).blocked);
    free (fork);
    s_node_fini (&a);
    s_hub_fini (&h);
}

//  The verdict on a long Push is the one of judging every change before
//  writing any (docs/protocol.md 13.8 steps 4 and 5) -- a change that fails
//  to open late in the Push wins over an equivocation early in it (no
//  evidence, not blocked), nothing of a refused Push is stored, and a
//  write-phase refusal stands only when every change was judged sound. (A
//  hub that writes while it still opens, to use its cores better, must
//  keep this.)
static void
test_verdict_order (void)
{
    enum { N = 400 };
    s_hub_t h;
    s_hub_new (&h);
    s_node_t a;
    s_node_new (&a, S_VILLAGE_A);
    s_enroll (&h, s_node_key (&a), S_VILLAGE_A);
    s_node_write (&a, S_VILLAGE_A, N);
    uint8_t body[256];
    size_t blen = s_courtyard (body, S_VILLAGE_A "004", "fork", 9);
    uint8_t *fork;
    size_t fork_len;
    s_hand (&fork, &fork_len, sh_replica_key (a.r), 1, NULL, S_VILLAGE_A "004", body, blen);
    //  [a1, fork of seq 1, a2 .. a(N-1)], and one signature bit flipped at index 300
    sh_wire_bytes_t v[N + 1];
    v[0] = s_seq (&a, 1);
    v[1] = (sh_wire_bytes_t) { fork, fork_len };
    for (size_t i = 2; i <= N; i++)
        v[i] = s_seq (&a, i);
    uint8_t *flipped = malloc (v[300].len);
    SH_CHECK (flipped);
    memcpy (flipped, v[300].data, v[300].len);
    flipped[v[300].len - 1] ^= 0x01;
    sh_wire_bytes_t keep = v[300];
    v[300] = (sh_wire_bytes_t) { flipped, keep.len };
    sh_registry_entry_t e = s_entry (&h, s_node_key (&a));
    s_state_t before = s_state (&h);
    sh_hublog_result_t res;
    for (int threads = 1; threads <= 2; threads++) {
        SH_PASS (sh_hublog_push (h.store, &e, v, N + 1, threads, &res));
        SH_CHECK (res.code == SH_WIRE_ERR_SIGNATURE && res.has_position && res.position == 300);
        SH_CHECK (res.accepted == 0 && res.duplicates == 0);
        s_state_t after = s_state (&h);
        s_same_state (&before, &after);     //  no evidence, nothing stored
        SH_CHECK (!s_entry (&h, s_node_key (&a)).blocked);
    }
    //  the same Push, every change sound: the equivocation at index 1 stands
    v[300] = keep;
    SH_PASS (sh_hublog_push (h.store, &e, v, N + 1, 2, &res));
    SH_CHECK (res.code == SH_WIRE_ERR_EQUIVOCATION && res.position == 1 && res.accepted == 0);
    s_evidence_t ev;
    s_evidence (&h, s_node_key (&a), 1, &ev);
    SH_CHECK (ev.n == 2 && s_entry (&h, s_node_key (&a)).blocked);
    s_state_t after = s_state (&h);
    SH_CHECK (after.log_size == 0 && memcmp (before.digest, after.digest, SH_HASH_BYTES) == 0);

    //  another node: a chain gap late in a Push stores nothing; the whole
    //  Push in one piece, on two threads, is stored in order
    s_node_t b;
    s_node_new (&b, S_VILLAGE_A);
    s_enroll (&h, s_node_key (&b), S_VILLAGE_A);
    s_node_write (&b, S_VILLAGE_A, N);
    for (size_t i = 0; i < N; i++)
        v[i] = s_seq (&b, i + 1);
    v[350] = s_seq (&b, 352);               //  seq 351 left out
    e = s_entry (&h, s_node_key (&b));
    before = s_state (&h);
    SH_PASS (sh_hublog_push (h.store, &e, v, N, 2, &res));
    SH_CHECK (res.code == SH_WIRE_ERR_CHAIN && res.position == 350 && res.accepted == 0);
    after = s_state (&h);
    s_same_state (&before, &after);
    v[350] = s_seq (&b, 351);
    SH_PASS (sh_hublog_push (h.store, &e, v, N, 2, &res));
    SH_CHECK (res.code == 0 && res.accepted == N && res.head_seq == N);
    sh_changelog_fault_t fault;
    SH_PASS (sh_changelog_verify (h.store, &fault));
    SH_CHECK (fault.checked == N);
    //  the same Push again (its Ack lost): the held bytes are only read, all duplicates;
    //  but a held change whose signature differs by one bit is verified, and refused
    SH_PASS (sh_hublog_push (h.store, &e, v, N, 2, &res));
    SH_CHECK (res.code == 0 && res.accepted == 0 && res.duplicates == N);
    uint8_t *flipped5 = malloc (v[5].len);
    SH_CHECK (flipped5);
    memcpy (flipped5, v[5].data, v[5].len);
    flipped5[v[5].len - 1] ^= 0x01;
    v[5] = (sh_wire_bytes_t) { flipped5, v[5].len };
    before = s_state (&h);
    SH_PASS (sh_hublog_push (h.store, &e, v, N, 1, &res));
    SH_CHECK (res.code == SH_WIRE_ERR_SIGNATURE && res.position == 5);
    after = s_state (&h);
    s_same_state (&before, &after);
    free (flipped5);
    free (flipped);
    free (fork);
    s_node_fini (&a);
    s_node_fini (&b);
    s_hub_fini (&h);
}

/* --------------------------------------------------------------------------
 * Verifying on several threads
 * -------------------------------------------------------------------------- */

static void
test_threads (void)
{
    enum { N = 500 };
    s_node_t a;
    s_node_new (&a, S_VILLAGE_A);
    s_node_write (&a, S_VILLAGE_A, N);
    s_list_t all = { 0 };
    for (uint64_t s = 1; s <= N; s++)
        s_list_add (&all, s_seq (&a, s).data, s_seq (&a, s).len);

    //  a forged copy of seq 322 and a malformed change
    sh_wire_bytes_t c = s_seq (&a, 322);
    uint8_t *forged = malloc (c.len);
    SH_CHECK (forged);
    memcpy (forged, c.data, c.len);
    forged[c.len - 1] ^= 0x40;
    uint8_t garbage[] = { 0xff, 0xff, 0xff };

    const int threads[] = { 1, 2, 4, 16 };
    uint8_t digest0[SH_HASH_BYTES];
    s_digest (sh_replica_store (a.r), "", digest0);
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        s_hub_t h;
        s_hub_new (&h);
        s_enroll (&h, s_node_key (&a), S_VILLAGE_A);
        sh_registry_entry_t e = s_entry (&h, s_node_key (&a));
        s_state_t empty = s_state (&h);
        sh_hublog_result_t res;

        //  the forged change at position 321: named the same on any number of threads
        const sh_wire_bytes_t saved = all.v[321];
        all.v[321] = (sh_wire_bytes_t) { forged, c.len };
        SH_PASS (sh_hublog_push (h.store, &e, all.v, N, threads[t], &res));
        SH_CHECK (res.code == SH_WIRE_ERR_SIGNATURE && res.has_position && res.position == 321);
        //  a malformed change earlier in the batch is the first fault
        const sh_wire_bytes_t saved2 = all.v[100];
        all.v[100] = (sh_wire_bytes_t) { garbage, sizeof garbage };
        SH_PASS (sh_hublog_push (h.store, &e, all.v, N, threads[t], &res));
        SH_CHECK (res.code == SH_WIRE_ERR_MALFORMED && res.position == 100);
        all.v[100] = saved2;
        all.v[321] = saved;
        s_state_t st = s_state (&h);
        s_same_state (&empty, &st);

        //  the good batch
        SH_PASS (sh_hublog_push (h.store, &e, all.v, N, threads[t], &res));
        SH_CHECK (res.code == 0 && res.accepted == N && res.duplicates == 0 && res.head_seq == N);
        uint8_t d[SH_HASH_BYTES];
        s_digest (h.store, "", d);
        SH_CHECK (memcmp (d, digest0, SH_HASH_BYTES) == 0);
        sh_changelog_fault_t fault;
        SH_PASS (sh_changelog_verify (h.store, &fault));
        SH_CHECK (fault.checked == N);
        //  and again: all duplicates
        SH_PASS (sh_hublog_push (h.store, &e, all.v, N, threads[t], &res));
        SH_CHECK (res.code == 0 && res.accepted == 0 && res.duplicates == N && res.head_seq == N);
        s_hub_fini (&h);
    }
    free (forged);
    s_list_fini (&all);
    s_node_fini (&a);
}

/* --------------------------------------------------------------------------
 * Pull
 * -------------------------------------------------------------------------- */

//  A hub holding, in interleaved pushes: village A's own changes, village
//  B's, and the town's about both villages and about the town itself.
typedef struct {
    s_hub_t h;
    s_node_t va, vb, t;
} s_pfx_t;

static void
s_pfx_push (s_pfx_t *fx, s_node_t *nd, uint64_t from, uint64_t to)
{
    s_batch_t b = s_range (nd, from, to);
    sh_hublog_result_t res = s_push (&fx->h, s_node_key (nd), &b, 1);
    SH_CHECK (res.code == 0 && res.accepted == to - from + 1);
}

static void
s_pfx_init (s_pfx_t *fx)
{
    s_hub_new (&fx->h);
    s_node_new (&fx->va, S_VILLAGE_A);
    s_node_new (&fx->vb, S_VILLAGE_B);
    s_node_new (&fx->t, S_TOWN);
    s_enroll (&fx->h, s_node_key (&fx->va), S_VILLAGE_A);
    s_enroll (&fx->h, s_node_key (&fx->vb), S_VILLAGE_B);
    s_enroll (&fx->h, s_node_key (&fx->t), S_TOWN);
    s_node_write (&fx->va, S_VILLAGE_A, 4);         //  va 1..4
    s_node_write (&fx->t, S_VILLAGE_A, 3);          //  t 1..3: about A
    s_node_write (&fx->vb, S_VILLAGE_B, 5);         //  vb 1..5
    s_node_write (&fx->t, S_VILLAGE_B, 2);          //  t 4..5: about B
    s_node_write (&fx->t, S_TOWN, 1);               //  t 6: the town itself
    s_node_write (&fx->va, S_VILLAGE_A, 3);         //  va 5..7
    s_node_write (&fx->t, S_VILLAGE_A, 2);          //  t 7..8: about A
    s_pfx_push (fx, &fx->va, 1, 2);
    s_pfx_push (fx, &fx->t, 1, 3);
    s_pfx_push (fx, &fx->vb, 1, 5);
    s_pfx_push (fx, &fx->va, 3, 4);
    s_pfx_push (fx, &fx->t, 4, 6);
    s_pfx_push (fx, &fx->va, 5, 7);
    s_pfx_push (fx, &fx->t, 7, 8);
}

static void
s_pfx_fini (s_pfx_t *fx)
{
    s_node_fini (&fx->va);
    s_node_fini (&fx->vb);
    s_node_fini (&fx->t);
    s_hub_fini (&fx->h);
}

typedef struct {
    uint64_t idx[64];       //  log indexes, in order
    uint8_t author[64][SH_PUBKEY_BYTES];
    size_t n;
} s_sel_t;

//  What a pull for (scope, exclude) must return, from the whole log.
static void
s_expected (s_hub_t *h, const char *scope, const uint8_t *exclude, s_sel_t *sel)
{
    memset (sel, 0, sizeof *sel);
    sh_store_txn_t *txn;
    uint64_t size;
    SH_PASS (sh_store_begin (h->store, false, &txn));
    SH_PASS (sh_changelog_size (txn, &size));
    for (uint64_t i = 1; i <= size; i++) {
        const uint8_t *bytes;
        size_t len;
        SH_PASS (sh_changelog_get (txn, i, &bytes, &len));
        sh_change_t c;
        SH_PASS (sh_change_open (&c, NULL, bytes, len, NULL));
        if (strncmp (c.region, scope, strlen (scope)) == 0
        &&  !(exclude && memcmp (c.author, exclude, SH_PUBKEY_BYTES) == 0)) {
            SH_CHECK (sel->n < 64);
            memcpy (sel->author[sel->n], c.author, SH_PUBKEY_BYTES);
            sel->idx[sel->n++] = i;
        }
        sh_change_fini (&c);
    }
    sh_store_abort (&txn);
}

//  Walk a pull from since 0 in steps of at most max changes (and about
//  max_bytes); check each batch and collect the log index of every change.
static void
s_walk (s_hub_t *h, const char *scope, const uint8_t *exclude, uint32_t max, size_t max_bytes, s_sel_t *got)
{
    memset (got, 0, sizeof *got);
    sh_store_txn_t *txn;
    uint64_t size;
    SH_PASS (sh_store_begin (h->store, false, &txn));
    SH_PASS (sh_changelog_size (txn, &size));
    uint64_t since = 0;
    for (int rounds = 0; ; rounds++) {
        SH_CHECK (rounds < 200);
        sh_hublog_batch_t b;
        SH_PASS (sh_hublog_pull (h->store, scope, exclude, since, max, max_bytes, &b));
        SH_CHECK (b.since == since);
        SH_CHECK (b.n <= (max ? max : 1));
        size_t bytes = 0;
        uint64_t last = since;
        for (size_t i = 0; i < b.n; i++) {
            sh_change_t c;
            SH_PASS (sh_change_open (&c, NULL, b.changes[i].data, b.changes[i].len, NULL));
            uint64_t index;
            SH_PASS (sh_changelog_find (txn, c.author, c.seq, &index, NULL));
            SH_CHECK (index > last);             //  in log order, after since
            last = index;
            SH_CHECK (got->n < 64);
            memcpy (got->author[got->n], c.author, SH_PUBKEY_BYTES);
            got->idx[got->n++] = index;
            //  its author is among the keys, as enrolled
            bool listed = false;
            for (size_t k = 0; k < b.n_keys; k++)
                if (memcmp (b.keys[k].key, c.author, SH_PUBKEY_BYTES) == 0) {
                    listed = true;
                    sh_registry_entry_t e;
                    SH_PASS (sh_registry_get (txn, c.author, &e));
                    SH_CHECK (strcmp (b.keys[k].scope, e.scope) == 0 && b.keys[k].role == e.role);
                    SH_CHECK (!b.keys[k].revoked);
                }
            SH_CHECK (listed);
            sh_change_fini (&c);
            bytes += b.changes[i].len;
        }
        SH_CHECK (b.bytes == bytes);
        //  keys: exactly the distinct authors
        for (size_t k = 0; k < b.n_keys; k++) {
            bool used = false;
            for (size_t i = 0; i < b.n && !used; i++) {
                sh_change_t c;
                SH_PASS (sh_change_open (&c, NULL, b.changes[i].data, b.changes[i].len, NULL));
                used = memcmp (c.author, b.keys[k].key, SH_PUBKEY_BYTES) == 0;
                sh_change_fini (&c);
            }
            SH_CHECK (used);
            for (size_t j = 0; j < k; j++)
                SH_CHECK (memcmp (b.keys[j].key, b.keys[k].key, SH_PUBKEY_BYTES) != 0);
        }
        bool done = b.done;
        uint64_t next = b.next;
        sh_hublog_batch_fini (&b);
        SH_CHECK (b.changes == NULL && b.mem_ == NULL);
        if (done) {
            SH_CHECK (next == size);
            break;
        }
        SH_CHECK (next > since && next >= last && next <= size);
        since = next;
    }
    sh_store_abort (&txn);
}

static void
s_same_sel (const s_sel_t *a, const s_sel_t *b)
{
    SH_CHECK (a->n == b->n);
    for (size_t i = 0; i < a->n; i++)
        SH_CHECK (a->idx[i] == b->idx[i] && memcmp (a->author[i], b->author[i], SH_PUBKEY_BYTES) == 0);
}

static size_t
s_count_by (const s_sel_t *s, const uint8_t key[SH_PUBKEY_BYTES])
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += memcmp (s->author[i], key, SH_PUBKEY_BYTES) == 0;
    return n;
}

static void
test_pull_scopes (void)
{
    s_pfx_t fx;
    s_pfx_init (&fx);
    s_sel_t got, want;

    //  village A: the town's 5 changes about it; not B's, not its own, not the town-level one
    s_walk (&fx.h, S_VILLAGE_A, s_node_key (&fx.va), SH_WIRE_MAX_CHANGES, 1u << 20, &got);
    SH_CHECK (got.n == 5);
    SH_CHECK (s_count_by (&got, s_node_key (&fx.t)) == 5);
    s_expected (&fx.h, S_VILLAGE_A, s_node_key (&fx.va), &want);
    s_same_sel (&got, &want);

    //  village B: the town's 2 about it
    s_walk (&fx.h, S_VILLAGE_B, s_node_key (&fx.vb), SH_WIRE_MAX_CHANGES, 1u << 20, &got);
    SH_CHECK (got.n == 2 && s_count_by (&got, s_node_key (&fx.t)) == 2);
    s_expected (&fx.h, S_VILLAGE_B, s_node_key (&fx.vb), &want);
    s_same_sel (&got, &want);

    //  the town: both villages' changes, not its own
    s_walk (&fx.h, S_TOWN, s_node_key (&fx.t), SH_WIRE_MAX_CHANGES, 1u << 20, &got);
    SH_CHECK (got.n == 12);
    SH_CHECK (s_count_by (&got, s_node_key (&fx.va)) == 7 && s_count_by (&got, s_node_key (&fx.vb)) == 5);
    s_expected (&fx.h, S_TOWN, s_node_key (&fx.t), &want);
    s_same_sel (&got, &want);

    //  one batch for the town carries the two village keys
    sh_hublog_batch_t b;
    SH_PASS (sh_hublog_pull (fx.h.store, S_TOWN, s_node_key (&fx.t), 0, 100, 1u << 20, &b));
    SH_CHECK (b.n == 12 && b.n_keys == 2 && b.done && b.next == 20 && b.since == 0);
    sh_hublog_batch_fini (&b);

    //  an auditor's view (nobody excluded) of the district: everything
    s_walk (&fx.h, "500115", NULL, SH_WIRE_MAX_CHANGES, 1u << 20, &got);
    SH_CHECK (got.n == 20);
    SH_PASS (sh_hublog_pull (fx.h.store, "500115", NULL, 0, 100, 1u << 20, &b));
    SH_CHECK (b.n == 20 && b.n_keys == 3 && b.done);
    sh_hublog_batch_fini (&b);

    //  another district, another town: nothing, done at once
    SH_PASS (sh_hublog_pull (fx.h.store, "500116", NULL, 0, 100, 1u << 20, &b));
    SH_CHECK (b.n == 0 && b.n_keys == 0 && b.done && b.next == 20);
    sh_hublog_batch_fini (&b);
    SH_PASS (sh_hublog_pull (fx.h.store, "500115102", NULL, 0, 100, 1u << 20, &b));
    SH_CHECK (b.n == 0 && b.done && b.next == 20);
    sh_hublog_batch_fini (&b);

    //  a node that is caught up
    SH_PASS (sh_hublog_pull (fx.h.store, S_VILLAGE_A, s_node_key (&fx.va), 20, 100, 1u << 20, &b));
    SH_CHECK (b.n == 0 && b.done && b.next == 20 && b.since == 20);
    sh_hublog_batch_fini (&b);

    //  a scope that is not 6, 9 or 12 digits
    SH_FAIL (sh_hublog_pull (fx.h.store, "5001151", NULL, 0, 100, 1u << 20, &b), SH_EINVAL);
    SH_FAIL (sh_hublog_pull (fx.h.store, "", NULL, 0, 100, 1u << 20, &b), SH_EINVAL);
    s_pfx_fini (&fx);
}

static void
test_pull_steps (void)
{
    s_pfx_t fx;
    s_pfx_init (&fx);
    struct { const char *scope; const s_node_t *me; } who[] = {
        { S_VILLAGE_A, &fx.va }, { S_VILLAGE_B, &fx.vb }, { S_TOWN, &fx.t }, { "500115", NULL }
    };
    for (size_t w = 0; w < sizeof who / sizeof who[0]; w++) {
        const uint8_t *ex = who[w].me ? s_node_key (who[w].me) : NULL;
        s_sel_t want, got;
        s_expected (&fx.h, who[w].scope, ex, &want);
        //  every step size walks the whole selection exactly once, in order
        for (uint32_t max = 1; max <= 6; max++) {
            s_walk (&fx.h, who[w].scope, ex, max, 1u << 20, &got);
            s_same_sel (&got, &want);
        }
        //  a byte budget smaller than one change still makes progress, one change at a time
        s_walk (&fx.h, who[w].scope, ex, 100, 1, &got);
        s_same_sel (&got, &want);
        //  max 0 is taken as 1
        s_walk (&fx.h, who[w].scope, ex, 0, 1u << 20, &got);
        s_same_sel (&got, &want);
    }

    //  next from the middle: village A at since = index of the town's first change about A
    s_sel_t want;
    s_expected (&fx.h, S_VILLAGE_A, s_node_key (&fx.va), &want);
    SH_CHECK (want.n == 5);
    sh_hublog_batch_t b;
    SH_PASS (sh_hublog_pull (fx.h.store, S_VILLAGE_A, s_node_key (&fx.va), want.idx[0], 2, 1u << 20, &b));
    SH_CHECK (b.n == 2 && !b.done && b.next == want.idx[2]);
    sh_hublog_batch_fini (&b);

    //  new changes after a node was done: the next pull from its `next` finds them
    SH_PASS (sh_hublog_pull (fx.h.store, S_VILLAGE_A, s_node_key (&fx.va), 0, 100, 1u << 20, &b));
    SH_CHECK (b.done && b.next == 20 && b.n == 5);
    sh_hublog_batch_fini (&b);
    s_node_write (&fx.t, S_VILLAGE_A, 1);
    s_pfx_push (&fx, &fx.t, 9, 9);
    SH_PASS (sh_hublog_pull (fx.h.store, S_VILLAGE_A, s_node_key (&fx.va), 20, 100, 1u << 20, &b));
    SH_CHECK (b.n == 1 && b.done && b.next == 21);
    sh_wire_bytes_t t9 = s_seq (&fx.t, 9);
    SH_CHECK (b.changes[0].len == t9.len && memcmp (b.changes[0].data, t9.data, t9.len) == 0);
    sh_hublog_batch_fini (&b);
    s_pfx_fini (&fx);
}

//  Every stored change is a leaf of the Merkle tree, and the signed
//  checkpoint names the tree of the whole log: recomputed here from the LOG
//  bytes alone (sh_merkle_root_of), independent of the stored tree.
static void
test_checkpoint (void)
{
    s_hub_t h;
    s_hub_new (&h);
    s_node_t a;
    s_node_new (&a, S_VILLAGE_A);
    s_enroll (&h, s_node_key (&a), S_VILLAGE_A);
    s_node_write (&a, S_VILLAGE_A, 30);
    sh_hubid_t hub;
    sh_key_t *hub_key = s_hub_key (0x40, &hub);
    const char *origin = hub.origin;
    SH_CHECK (strncmp (origin, "shouhe/hub/", 11) == 0 && strlen (origin) == 27);

    //  an empty log has no checkpoint
    char *note = (char *) "x";
    SH_PASS (sh_hublog_checkpoint (h.store, &hub, &note, NULL));
    SH_CHECK (note == NULL);

    sh_note_vkey_t vkey;
    SH_PASS (sh_note_vkey_init (&vkey, origin, sh_key_public (hub_key)));
    for (uint64_t upto = 10; upto <= 30; upto += 10) {
        s_batch_t b = s_range (&a, upto - 9, upto);
        sh_hublog_result_t res = s_push (&h, s_node_key (&a), &b, 1);
        SH_CHECK (res.code == 0 && res.accepted == 10);
        SH_PASS (sh_hublog_checkpoint (h.store, &hub, &note, NULL));
        SH_CHECK (note);
        sh_note_checkpoint_t cp;
        SH_PASS (sh_note_checkpoint_open (&cp, note, strlen (note), &vkey, origin));
        SH_CHECK (cp.size == upto);

        //  recompute the root from the log entries themselves
        uint8_t (*leaves)[SH_HASH_BYTES] = calloc (upto, SH_HASH_BYTES);
        SH_CHECK (leaves);
        sh_store_txn_t *txn;
        SH_PASS (sh_store_begin (h.store, false, &txn));
        for (uint64_t i = 1; i <= upto; i++) {
            const uint8_t *bytes;
            size_t len;
            SH_PASS (sh_changelog_get (txn, i, &bytes, &len));
            sh_merkle_leaf_hash (leaves[i - 1], bytes, len);
        }
        uint8_t stored[SH_HASH_BYTES];
        SH_PASS (sh_merkle_root (txn, upto, stored));
        sh_store_abort (&txn);
        uint8_t root[SH_HASH_BYTES];
        sh_merkle_root_of ((const uint8_t (*)[SH_HASH_BYTES]) leaves, upto, root);
        SH_CHECK (memcmp (root, cp.root, SH_HASH_BYTES) == 0);
        SH_CHECK (memcmp (stored, cp.root, SH_HASH_BYTES) == 0);
        free (leaves);

        //  asking again signs nothing new: the same note comes back
        char *again;
        SH_PASS (sh_hublog_checkpoint (h.store, &hub, &again, NULL));
        SH_CHECK (strcmp (again, note) == 0);
        free (again);

        //  a flipped byte of the note does not verify
        note[strlen (origin) + 2] ^= 1;
        SH_CHECK (sh_note_checkpoint_open (&cp, note, strlen (note), &vkey, origin) != SH_OK);
        free (note);
    }
    //  a refused push adds no leaf
    s_batch_t dup = s_range (&a, 1, 10);
    sh_hublog_result_t res = s_push (&h, s_node_key (&a), &dup, 1);
    SH_CHECK (res.code == 0 && res.accepted == 0 && res.duplicates == 10);
    sh_store_txn_t *txn;
    uint64_t size;
    SH_PASS (sh_store_begin (h.store, false, &txn));
    SH_PASS (sh_merkle_size (txn, &size));
    sh_store_abort (&txn);
    SH_CHECK (size == 30);
    sh_key_destroy (&hub_key);
    s_node_fini (&a);
    s_hub_fini (&h);
}

//  A node whose clock was a year ahead (docs/protocol.md 5.2, 13.8 step
//  4.4): its changes are refused until its clock correction caps them, in
//  the same Push or already held by the hub.
static void
test_clock_correction (void)
{
    s_hub_t h;
    s_node_t a;
    s_hub_new (&h);
    s_node_new (&a, S_VILLAGE_A);
    s_enroll (&h, s_node_key (&a), S_VILLAGE_A);
    sh_replica_set_clock_offset (a.r, 365ll * 86400000);
    s_node_write (&a, S_VILLAGE_A, 2);
    s_batch_t b = s_range (&a, 1, 2);
    s_refused (&h, s_node_key (&a), &b, 1, SH_WIRE_ERR_MALFORMED, 0);

    //  the clock fixed, a correction at seq 3
    sh_replica_set_clock_offset (a.r, 0);
    sh_store_txn_t *txn;
    uint64_t seq, index;
    const uint8_t *bytes;
    size_t len;
    SH_PASS (sh_replica_begin (a.r, &txn));
    SH_PASS (sh_replica_clock_correct (a.r, txn, &seq));
    SH_PASS (sh_store_commit (&txn));
    SH_CHECK (seq == 3);
    SH_PASS (sh_store_begin (sh_replica_store (a.r), false, &txn));
    SH_PASS (sh_changelog_find (txn, s_node_key (&a), 3, &index, NULL));
    SH_PASS (sh_changelog_get (txn, index, &bytes, &len));
    s_list_add (&a.log, bytes, len);
    sh_store_abort (&txn);

    //  alone, seq 1 is still refused; with the correction later in the Push, accepted
    b = s_range (&a, 1, 1);
    s_refused (&h, s_node_key (&a), &b, 1, SH_WIRE_ERR_MALFORMED, 0);
    b = s_range (&a, 1, 3);
    sh_hublog_result_t res = s_push (&h, s_node_key (&a), &b, 1);
    SH_CHECK (res.code == 0 && res.accepted == 3 && res.head_seq == 3);
    //  re-sent alone (a lost Ack): the correction the hub holds caps it
    b = s_range (&a, 1, 2);
    res = s_push (&h, s_node_key (&a), &b, 1);
    SH_CHECK (res.code == 0 && res.duplicates == 2);
    //  the hub's state is the node's
    uint8_t dh[SH_HASH_BYTES], dn[SH_HASH_BYTES];
    s_digest (h.store, S_VILLAGE_A, dh);
    s_digest (sh_replica_store (a.r), S_VILLAGE_A, dn);
    SH_CHECK (memcmp (dh, dn, sizeof dh) == 0);
    s_node_fini (&a);
    s_hub_fini (&h);
}

/* --------------------------------------------------------------------------
 * A program's domain rule (sh_hublog_push_ruled)
 * -------------------------------------------------------------------------- */

typedef struct {
    uint64_t refuse_seq;                //  refuse the change of this seq (0: none)
    sh_err fail;                        //  or fail with this store error
    uint64_t calls;                     //  changes shown to the rule
    uint64_t log_seen;                  //  the log's size the rule saw at refuse_seq
} s_rule_t;

static sh_err
s_rule (sh_store_txn_t *txn, const sh_change_t *c, sh_wire_error_t *code, char *message, void *arg)
{
    s_rule_t *r = arg;
    r->calls++;
    if (r->fail)
        return r->fail;
    if (c->seq != r->refuse_seq)
        return SH_OK;
    //  the batch's earlier changes are in the transaction already
    SH_PASS (sh_changelog_size (txn, &r->log_seen));
    *code = SH_WIRE_ERR_LEAD;
    snprintf (message, SH_WIRE_MESSAGE_MAX + 1, "seq %llu breaks the rule", (unsigned long long) c->seq);
    return SH_ERULE;
}

static void
test_push_ruled (void)
{
    s_hub_t h;
    s_hub_new (&h);
    s_node_t a;
    s_node_new (&a, S_VILLAGE_A);
    s_enroll (&h, s_node_key (&a), S_VILLAGE_A);
    s_node_write (&a, S_VILLAGE_A, 6);
    sh_hubid_t hub;
    sh_key_t *hub_key = s_hub_key (0x33, &hub);
    sh_registry_entry_t e = s_entry (&h, s_node_key (&a));
    sh_hublog_result_t res;

    //  the rule refuses the third change: nothing of the batch is stored
    s_state_t before = s_state (&h);
    s_rule_t r = { .refuse_seq = 3 };
    s_batch_t b = s_range (&a, 1, 4);
    SH_PASS (sh_hublog_push_ruled (h.store, &e, b.v, b.n, NULL, 0, 1, &hub, sh_sys_wall_ms (), s_rule, &r, &res));
    SH_CHECK (res.code == SH_WIRE_ERR_LEAD && res.has_position && res.position == 2);
    SH_CHECK (!strcmp (res.message, "change 2: seq 3 breaks the rule"));
    SH_CHECK (res.accepted == 0 && res.duplicates == 0);
    SH_CHECK (r.calls == 3 && r.log_seen == 3);
    s_state_t after = s_state (&h);
    s_same_state (&before, &after);

    //  a store error in the rule: the hub's failure, nothing stored
    r = (s_rule_t) { .fail = SH_ECORRUPT };
    SH_FAIL (sh_hublog_push_ruled (h.store, &e, b.v, b.n, NULL, 0, 1, &hub, sh_sys_wall_ms (), s_rule, &r, &res), SH_ECORRUPT);
    SH_CHECK (res.code == SH_WIRE_ERR_INTERNAL && res.accepted == 0);
    after = s_state (&h);
    s_same_state (&before, &after);

    //  a rule that refuses nothing: stored, each new change shown once
    r = (s_rule_t) { .refuse_seq = 0 };
    SH_PASS (sh_hublog_push_ruled (h.store, &e, b.v, b.n, NULL, 0, 1, &hub, sh_sys_wall_ms (), s_rule, &r, &res));
    SH_CHECK (res.code == 0 && res.accepted == 4 && r.calls == 4);
    b = s_range (&a, 3, 6);
    r = (s_rule_t) { .refuse_seq = 0 };
    SH_PASS (sh_hublog_push_ruled (h.store, &e, b.v, b.n, NULL, 0, 1, &hub, sh_sys_wall_ms (), s_rule, &r, &res));
    SH_CHECK (res.code == 0 && res.accepted == 2 && res.duplicates == 2 && r.calls == 2);
    sh_key_destroy (&hub_key);
    s_node_fini (&a);
    s_hub_fini (&h);
}

/* --------------------------------------------------------------------------
 * A store error while the Push's openings are taken
 * -------------------------------------------------------------------------- */

#define S_SMALL_MAP ((size_t) 256 << 10)   //  the hub's map in "openings store full"
#define S_BIG_PERSONS 8                     //  persons with 60 000 bytes of sealed values each

//  Write person number k of courtyard yard, its sealed name and phone of
//  name_len and phone_len bytes, as the node's next change.
static void
s_node_person (s_node_t *nd, const char *yard, int k, size_t name_len, size_t phone_len)
{
    char id[17], *name = malloc (name_len + 1), *phone = malloc (phone_len + 1);
    uint8_t *body = malloc (name_len + phone_len + 64);
    SH_CHECK (name && phone && body);
    snprintf (id, sizeof id, "person-%09d", k);         //  a 16-byte person id
    memset (name, 'a' + k % 26, name_len);
    name[name_len] = '\0';
    memset (phone, '0' + k % 10, phone_len);
    phone[phone_len] = '\0';
    size_t n = s_pb_string (body, 1, name);             //  Person { name, courtyard, phone }
    n += s_pb_string (body + n, 2, yard);
    n += s_pb_string (body + n, 6, phone);
    sh_store_txn_t *txn;
    SH_PASS (sh_replica_begin (nd->r, &txn));
    SH_PASS (sh_replica_write (nd->r, txn, yard, SH_KIND_PERSON, (const uint8_t *) id, strlen (id), SH_OP_PUT,
                               body, n, NULL));
    SH_PASS (sh_store_commit (&txn));
    s_node_collect (nd, 1);
    free (name);
    free (phone);
    free (body);
}

//  A store error while the hub takes a Push's openings (docs/protocol.md
//  13.8 step 5, 7.10), met for real: a node sends its batch again with the
//  openings of its sealed persons, which the hub holds already without
//  them, plus one new change; the openings hold more bytes than the hub's
//  whole LMDB map. The held changes write nothing, so the openings are the
//  first writes of the Push's transaction and one of them meets the full
//  map. The whole Push is refused with ERR_STORE_FULL (SH_ESTOREFULL
//  returned; no position), nothing of it stored -- no opening, not the new
//  change, no checkpoint -- on both paths the hub takes (opened now, or
//  opened ahead on 2 threads); and the hub goes on: a later Push with an
//  opening is stored in the same map, and once the store has a larger map
//  (the operator's --map-mib) the same batch is taken whole.
static void
test_openings_store_full (void)
{
    s_hub_t h;
    s_hub_new_map (&h, S_SMALL_MAP);
    s_node_t a;
    s_node_new (&a, S_VILLAGE_A);
    s_enroll (&h, s_node_key (&a), S_VILLAGE_A);
    s_node_write (&a, S_VILLAGE_A, 1);                   //  seq 1: the courtyard S_VILLAGE_A 001
    for (int k = 1; k <= S_BIG_PERSONS; k++)            //  seq 2..9: its persons, name and phone sealed
        s_node_person (&a, S_VILLAGE_A "001", k, 40000, 20000);
    s_node_write (&a, S_VILLAGE_A, 1);                   //  seq 10: a courtyard, nothing sealed
    s_batch_t all = s_range (&a, 1, 10);
    sh_openings_t ops;
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (sh_replica_store (a.r), false, &txn));
    SH_PASS (sh_openings_gather (txn, all.v, all.n, &ops));
    sh_store_abort (&txn);
    size_t values = 0;
    for (size_t i = 0; i < ops.n; i++)
        values += ops.list[i].value_len;
    SH_CHECK (ops.n == 2 * S_BIG_PERSONS && values > S_SMALL_MAP);
    sh_hubid_t hub;
    sh_key_t *hub_key = s_hub_key (0x44, &hub);
    sh_registry_entry_t e = s_entry (&h, s_node_key (&a));
    sh_hublog_result_t res;
    uint64_t now = sh_sys_wall_ms ();

    //  the changes 1..9 are held (pushed without their openings)
    s_batch_t held = s_range (&a, 1, 9);
    SH_PASS (sh_hublog_push_ruled (h.store, &e, held.v, held.n, NULL, 0, 1, &hub, now, NULL, NULL, &res));
    SH_CHECK (res.code == 0 && res.accepted == 9);
    s_state_t before = s_state (&h);
    SH_CHECK (before.counts[SH_DB_OPENINGS] == 0 && before.log_size == 9);

    //  1..10 with the openings: refused whole, as the plain path takes it ...
    SH_FAIL (sh_hublog_push_ruled (h.store, &e, all.v, all.n, ops.list, ops.n, 1, &hub, now, NULL, NULL, &res),
             SH_ESTOREFULL);
    SH_CHECK (res.code == SH_WIRE_ERR_STORE_FULL && !res.has_position);
    SH_CHECK (res.accepted == 0 && res.duplicates == 0);
    SH_CHECK (strstr (res.message, "could not store the batch") && strstr (res.message, sh_strerror (SH_ESTOREFULL)));
    s_state_t after = s_state (&h);
    s_same_state (&before, &after);
    //  ... and as the serving hub takes it, the changes opened ahead
    sh_hublog_opening_t *op;
    SH_PASS (sh_hublog_open (h.store, e.key, all.v, all.n, 2, now, &op));
    SH_CHECK (op);
    SH_FAIL (sh_hublog_push_opened (h.store, &e, op, ops.list, ops.n, &hub, now, NULL, NULL, &res), SH_ESTOREFULL);
    sh_hublog_opening_destroy (&op);
    SH_CHECK (res.code == SH_WIRE_ERR_STORE_FULL && !res.has_position && res.accepted == 0);
    after = s_state (&h);
    s_same_state (&before, &after);
    SH_CHECK (s_head (&h, s_node_key (&a)) == 9);

    //  the hub goes on: person 1 (held) and change 10 with person 1's openings
    s_batch_t later = s_range (&a, 2, 10);
    later.n = 1;
    s_batch_add (&later, s_seq (&a, 10));
    sh_wire_opening_t first[2];
    size_t n_first = 0;
    for (size_t i = 0; i < ops.n; i++)
        if (ops.list[i].change == 1) {
            first[n_first] = ops.list[i];
            first[n_first++].change = 0;
        }
    SH_CHECK (n_first == 2);
    SH_PASS (sh_hublog_push_ruled (h.store, &e, later.v, later.n, first, n_first, 1, &hub, now, NULL, NULL, &res));
    SH_CHECK (res.code == 0 && res.accepted == 1 && res.duplicates == 1 && res.head_seq == 10);
    after = s_state (&h);
    SH_CHECK (after.counts[SH_DB_OPENINGS] == 2 && after.log_size == 10);

    //  a larger map: the same batch again, every opening taken
    sh_store_close (&h.store);
    SH_PASS (sh_store_open (&h.store, h.dir, false, 0));
    SH_PASS (sh_hublog_push_ruled (h.store, &e, all.v, all.n, ops.list, ops.n, 1, &hub, now, NULL, NULL, &res));
    SH_CHECK (res.code == 0 && res.accepted == 0 && res.duplicates == 10);
    after = s_state (&h);
    SH_CHECK (after.counts[SH_DB_OPENINGS] == 2 * S_BIG_PERSONS && after.log_size == 10);

    sh_openings_fini (&ops);
    sh_key_destroy (&hub_key);
    s_node_fini (&a);
    s_hub_fini (&h);
}

static const sh_test_case_t tests[] = {
    { "push good", test_push_good },
    { "refuse signature", test_refuse_signature },
    { "refuse author", test_refuse_author },
    { "refuse scope", test_refuse_scope },
    { "refuse chain", test_refuse_chain },
    { "refuse malformed", test_refuse_malformed },
    { "clock correction", test_clock_correction },
    { "refuse body", test_refuse_body },
    { "refuse mixed", test_refuse_mixed },
    { "equivocation", test_equivocation },
    { "equivocation in batch", test_equivocation_in_batch },
    { "threads", test_threads },
    { "verdict order", test_verdict_order },
    { "pull scopes", test_pull_scopes },
    { "pull steps", test_pull_steps },
    { "checkpoint", test_checkpoint },
    { "push ruled", test_push_ruled },
    { "openings store full", test_openings_store_full },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
