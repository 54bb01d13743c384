/*  faults_test -- issue 6, "Faults built in": the built-in countdowns make
    the Nth store commit or the Nth allocation of a decode fail, and each
    scenario is run for N = 1, 2, ... until the countdown no longer reaches
    0. Every run must give a clean error, leak nothing (LeakSanitizer in the
    SHOUHE_SANITIZE build) and leave an intact store.

    Everything is real: replicas and hub stores are LMDB environments in
    temporary directories, changes are signed by real keys, batches come out
    of a real hub (sh_hublog_push / pull), checkpoints are real signed notes.

    - decode: an Envelope of every message type (three more that decode
      refuses after allocating, three with fields this version does not
      know) is decoded with sh_wire_decode_fault for N = 1 .. allocations + 1.
      While the countdown fires the result is SH_ENOMEM and msg holds
      nothing; the first N that does not fire gives what a plain decode of
      the same bytes gives, field by field.
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

#include "sh_change.h"
#include "sh_changelog.h"
#include "sh_crypto.h"
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
#include <sys/stat.h>

#define S_DISTRICT "500115"
#define S_TOWN "500115101"
#define S_VILLAGE_A "500115101001"
#define S_VILLAGE_B "500115101002"
#define S_CY1 S_VILLAGE_A "001"
#define S_CY2 S_VILLAGE_A "002"
#define S_ENROLLED_MS 1700000000000ull

/* --------------------------------------------------------------------------
 * Byte strings, paths, digests
 * -------------------------------------------------------------------------- */

typedef struct {
    sh_wire_bytes_t *v;     //  the items (data owned here)
    size_t n, cap;          //  used and allocated
} s_list_t;

static void
s_list_add (s_list_t *l, const uint8_t *data, size_t len)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
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

//  base/name in a new string (caller frees).
static char *
s_path (const char *base, const char *name)
{
    size_t len = strlen (base) + strlen (name) + 2;
    char *p = malloc (len);
    SH_CHECK (p);
    snprintf (p, len, "%s/%s", base, name);
    return p;
}

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

/* --------------------------------------------------------------------------
 * Writers: real replicas writing courtyards, their SignedChanges kept
 * -------------------------------------------------------------------------- */

typedef struct {
    char *dir;                  //  the node directory (owned)
    sh_replica_t *r;            //  its replica
    const char *tag;            //  goes into the names it writes
    s_list_t log;               //  its SignedChanges: seq s at index s - 1
} s_writer_t;

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

//  A Courtyard body (domain.proto): code, name, households.
static size_t
s_courtyard_body (uint8_t out[256], const char *code, const char *name, uint32_t households)
{
    size_t n = s_pb_string (out, 1, code);
    n += s_pb_string (out + n, 2, name);
    n += s_pb_varint (out + n, 4 << 3 | 0);
    n += s_pb_varint (out + n, households);
    return n;
}

static void
s_writer_new (s_writer_t *w, const char *base, const char *name, const char *scope)
{
    memset (w, 0, sizeof *w);
    w->dir = s_path (base, name);
    w->tag = name;
    SH_PASS (sh_replica_create (&w->r, w->dir, scope));
}

static void
s_writer_fini (s_writer_t *w)
{
    sh_replica_close (&w->r);
    s_list_fini (&w->log);
    free (w->dir);
}

static const uint8_t *
s_writer_key (const s_writer_t *w)
{
    return sh_replica_author (w->r);
}

//  Write n courtyards under village (12 digits: region village + 001..005)
//  in one transaction and keep the new SignedChanges. Record ids repeat
//  (cy-0 .. cy-6), so later changes and other writers' overwrite fields.
static void
s_writer_write (s_writer_t *w, const char *village, int n)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_replica_begin (w->r, &txn));
    for (int i = 0; i < n; i++) {
        uint64_t k = w->log.n + (uint64_t) i;
        char region[SH_REGION_MAX + 1], id[16], name[48];
        snprintf (region, sizeof region, "%s%03d", village, (int) (k % 5) + 1);
        snprintf (id, sizeof id, "cy-%d", (int) (k % 7));
        snprintf (name, sizeof name, "%s yard %" PRIu64, w->tag, k);
        uint8_t body[256];
        size_t blen = s_courtyard_body (body, region, name, (uint32_t) (10 + k));
        SH_PASS (sh_replica_write (w->r, txn, region, SH_KIND_COURTYARD, (const uint8_t *) id, strlen (id),
                                   SH_OP_PUT, body, blen, NULL));
    }
    SH_PASS (sh_store_commit (&txn));
    SH_PASS (sh_store_begin (sh_replica_store (w->r), false, &txn));
    for (int i = 0; i < n; i++) {
        uint64_t seq = w->log.n + 1, index;
        const uint8_t *bytes;
        size_t len;
        SH_PASS (sh_changelog_find (txn, s_writer_key (w), seq, &index, NULL));
        SH_PASS (sh_changelog_get (txn, index, &bytes, &len));
        s_list_add (&w->log, bytes, len);
    }
    sh_store_abort (&txn);
}

/* --------------------------------------------------------------------------
 * Hubs: a store with meta role "hub" and enrolled keys, as `shouhe-hub
 * init` and `enroll` leave it
 * -------------------------------------------------------------------------- */

static sh_store_t *
s_hub_new (const char *dir)
{
    SH_CHECK (mkdir (dir, 0700) == 0);
    sh_store_t *store;
    SH_PASS (sh_store_open (&store, dir, true, 0));
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, true, &txn));
    SH_PASS (sh_store_meta_put_str (txn, "role", "hub"));
    SH_PASS (sh_store_commit (&txn));
    return store;
}

static void
s_hub_enroll (sh_store_t *hub, const uint8_t key[SH_PUBKEY_BYTES], const char *scope)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (hub, true, &txn));
    SH_PASS (sh_registry_enroll (txn, key, scope, SH_WIRE_ROLE_NODE, NULL, S_ENROLLED_MS));
    SH_PASS (sh_store_commit (&txn));
}

//  Push the writer's seq from..to as its session would; returns the result
//  code of the call (the caller checks res).
static sh_err
s_hub_push (sh_store_t *hub, const s_writer_t *w, uint64_t from, uint64_t to, sh_hublog_result_t *res)
{
    SH_CHECK (from >= 1 && to <= w->log.n && from <= to);
    sh_registry_entry_t e;
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (hub, false, &txn));
    SH_PASS (sh_registry_get (txn, s_writer_key (w), &e));
    sh_store_abort (&txn);
    return sh_hublog_push (hub, &e, &w->log.v[from - 1], (size_t) (to - from + 1), 2, res);
}

static void
s_hub_push_ok (sh_store_t *hub, const s_writer_t *w, uint64_t from, uint64_t to)
{
    sh_hublog_result_t res;
    SH_PASS (s_hub_push (hub, w, from, to, &res));
    if (res.code)
        fprintf (stderr, "push refused: %s\n", res.message);
    SH_CHECK (res.code == 0 && res.accepted == to - from + 1);
}

/* ==========================================================================
 * 1. Decoder allocation faults
 * ========================================================================== */

static bool
s_same_mem (const void *a, size_t al, const void *b, size_t bl)
{
    return al == bl && (al == 0 || memcmp (a, b, al) == 0);
}

static bool
s_same_str (const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp (a, b) == 0);
}

static bool
s_same_list (const sh_wire_bytes_t *a, size_t an, const sh_wire_bytes_t *b, size_t bn)
{
    if (an != bn)
        return false;
    for (size_t i = 0; i < an; i++)
        if (!s_same_mem (a[i].data, a[i].len, b[i].data, b[i].len))
            return false;
    return true;
}

#define S_SAME_HASHES(a, an, b, bn) s_same_mem ((a), (an) * SH_HASH_BYTES, (b), (bn) * SH_HASH_BYTES)

//  Every field of two messages of the same type, pointed-to data included.
static void
s_same_msg (const sh_wire_msg_t *a, const sh_wire_msg_t *b)
{
    SH_CHECK (a->type == b->type && a->version == b->version);
    switch (a->type) {
        case SH_WIRE_HELLO:
            SH_CHECK (memcmp (a->u.hello.node, b->u.hello.node, SH_PUBKEY_BYTES) == 0);
            SH_CHECK (a->u.hello.since == b->u.hello.since);
            SH_CHECK (a->u.hello.checkpoint_size == b->u.hello.checkpoint_size);
            SH_CHECK (a->u.hello.nonce == b->u.hello.nonce);
            break;
        case SH_WIRE_WELCOME:
            SH_CHECK (strcmp (a->u.welcome.scope, b->u.welcome.scope) == 0);
            SH_CHECK (a->u.welcome.head_seq == b->u.welcome.head_seq);
            SH_CHECK (memcmp (a->u.welcome.head_hash, b->u.welcome.head_hash, SH_HASH_BYTES) == 0);
            SH_CHECK (a->u.welcome.log_size == b->u.welcome.log_size);
            SH_CHECK (a->u.welcome.credit == b->u.welcome.credit);
            SH_CHECK (a->u.welcome.max_changes == b->u.welcome.max_changes);
            SH_CHECK (a->u.welcome.max_bytes == b->u.welcome.max_bytes);
            SH_CHECK (s_same_str (a->u.welcome.checkpoint, b->u.welcome.checkpoint));
            SH_CHECK (S_SAME_HASHES (a->u.welcome.consistency, a->u.welcome.n_consistency,
                                     b->u.welcome.consistency, b->u.welcome.n_consistency));
            SH_CHECK (a->u.welcome.nonce == b->u.welcome.nonce);
            break;
        case SH_WIRE_PUSH:
            SH_CHECK (a->u.push.batch == b->u.push.batch);
            SH_CHECK (s_same_list (a->u.push.changes, a->u.push.n, b->u.push.changes, b->u.push.n));
            break;
        case SH_WIRE_ACK:
            SH_CHECK (a->u.ack.batch == b->u.ack.batch && a->u.ack.head_seq == b->u.ack.head_seq);
            SH_CHECK (a->u.ack.accepted == b->u.ack.accepted && a->u.ack.duplicates == b->u.ack.duplicates);
            SH_CHECK (s_same_str (a->u.ack.checkpoint, b->u.ack.checkpoint));
            SH_CHECK (a->u.ack.first_leaf == b->u.ack.first_leaf);
            SH_CHECK (S_SAME_HASHES (a->u.ack.range, a->u.ack.n_range, b->u.ack.range, b->u.ack.n_range));
            SH_CHECK (S_SAME_HASHES (a->u.ack.consistency, a->u.ack.n_consistency,
                                     b->u.ack.consistency, b->u.ack.n_consistency));
            break;
        case SH_WIRE_PULL:
            SH_CHECK (a->u.pull.since == b->u.pull.since && a->u.pull.max == b->u.pull.max);
            break;
        case SH_WIRE_BATCH:
            SH_CHECK (a->u.batch.since == b->u.batch.since && a->u.batch.next == b->u.batch.next);
            SH_CHECK (a->u.batch.done == b->u.batch.done);
            SH_CHECK (s_same_list (a->u.batch.changes, a->u.batch.n, b->u.batch.changes, b->u.batch.n));
            SH_CHECK (a->u.batch.n_keys == b->u.batch.n_keys);
            for (size_t i = 0; i < a->u.batch.n_keys; i++) {
                const sh_wire_key_t *ka = &a->u.batch.keys[i], *kb = &b->u.batch.keys[i];
                SH_CHECK (memcmp (ka->key, kb->key, SH_PUBKEY_BYTES) == 0);
                SH_CHECK (strcmp (ka->scope, kb->scope) == 0 && ka->role == kb->role);
                SH_CHECK (s_same_str (ka->name, kb->name) && ka->revoked == kb->revoked);
            }
            break;
        case SH_WIRE_ERROR:
            SH_CHECK (a->u.error.code == b->u.error.code);
            SH_CHECK (strcmp (a->u.error.message, b->u.error.message) == 0);
            SH_CHECK (a->u.error.has_batch == b->u.error.has_batch && a->u.error.batch == b->u.error.batch);
            SH_CHECK (a->u.error.has_position == b->u.error.has_position);
            SH_CHECK (a->u.error.position == b->u.error.position);
            break;
        case SH_WIRE_PING:
        case SH_WIRE_PONG:
            SH_CHECK (a->u.ping.nonce == b->u.ping.nonce);
            break;
        case SH_WIRE_FETCH:
            SH_CHECK (a->u.fetch.offset == b->u.fetch.offset && a->u.fetch.max == b->u.fetch.max);
            break;
        case SH_WIRE_CHUNK:
            SH_CHECK (a->u.chunk.offset == b->u.chunk.offset && a->u.chunk.total == b->u.chunk.total);
            SH_CHECK (s_same_mem (a->u.chunk.data, a->u.chunk.len, b->u.chunk.data, b->u.chunk.len));
            break;
        default:
            SH_CHECK (false);
    }
}

//  Decode buf for N = 1, 2, ... with the allocation countdown at N until it
//  no longer fires; returns how many allocations the decode makes.
static unsigned
s_decode_faults (const char *name, const uint8_t *buf, size_t len)
{
    sh_wire_msg_t ref;
    const char *ref_why = NULL;
    sh_err ref_rc = sh_wire_decode (&ref, buf, len, SH_WIRE_MAX_BYTES, &ref_why);
    unsigned n = 1;
    for (;; n++) {
        SH_CHECK (n < 100000);
        unsigned countdown = n;
        sh_wire_msg_t m;
        memset (&m, 0xa5, sizeof m);        //  decode must not rely on a clean msg
        const char *why = NULL;
        sh_err rc = sh_wire_decode_fault (&m, buf, len, SH_WIRE_MAX_BYTES, &why, &countdown);
        if (countdown == 0) {
            //  the N-th allocation failed: out of memory, and nothing held
            if (rc != SH_ENOMEM)
                fprintf (stderr, "%s: allocation %u failed, decode said %s\n", name, n, sh_strerror (rc));
            SH_CHECK (rc == SH_ENOMEM);
            SH_CHECK (m.pb_ == NULL && m.type == SH_WIRE_NONE);
            sh_wire_msg_fini (&m);          //  harmless, twice
            sh_wire_msg_fini (&m);
            SH_CHECK (m.pb_ == NULL);
            continue;
        }
        //  the decode made exactly N - 1 allocations, and ends as a plain one does
        SH_CHECK (countdown == 1);
        if (rc != ref_rc)
            fprintf (stderr, "%s: %u allocations, decode said %s, plain decode %s\n", name, n - 1,
                     sh_strerror (rc), sh_strerror (ref_rc));
        SH_CHECK (rc == ref_rc);
        if (rc == SH_OK) {
            s_same_msg (&m, &ref);
            sh_wire_msg_fini (&m);
            SH_CHECK (m.pb_ == NULL);
        }
        else {
            SH_CHECK (m.pb_ == NULL && m.version == ref.version);
            SH_CHECK (why && ref_why && strcmp (why, ref_why) == 0);
            sh_wire_msg_fini (&m);
        }
        break;
    }
    if (ref_rc == SH_OK)
        sh_wire_msg_fini (&ref);
    SH_CHECK (n >= 2);                      //  every decode allocates
    return n - 1;
}

typedef struct {
    char *base;                         //  temporary directory
    s_writer_t a, t;                    //  a village node and a town node writing about village A
    sh_store_t *hub;                    //  the hub both pushed to
    char *cp20, *cp80;                  //  the hub's checkpoints at tree sizes 20 and 80
    uint8_t proof[SH_MERKLE_PROOF_MAX][SH_HASH_BYTES];   //  consistency 20 -> 80
    size_t n_proof;
    uint8_t range[SH_MERKLE_PROOF_MAX][SH_HASH_BYTES];   //  left range of [0, 60)
    size_t n_range;
    sh_hublog_batch_t batch;            //  a pull of 40 changes by both
} s_wirefx_t;

static void
s_wirefx_init (s_wirefx_t *fx)
{
    memset (fx, 0, sizeof *fx);
    fx->base = sh_test_tmpdir ();
    s_writer_new (&fx->a, fx->base, "village", S_VILLAGE_A);
    s_writer_new (&fx->t, fx->base, "town", S_TOWN);
    s_writer_write (&fx->a, S_VILLAGE_A, 60);
    s_writer_write (&fx->t, S_VILLAGE_A, 20);
    char *dir = s_path (fx->base, "hub");
    fx->hub = s_hub_new (dir);
    free (dir);
    s_hub_enroll (fx->hub, s_writer_key (&fx->a), S_VILLAGE_A);
    s_hub_enroll (fx->hub, s_writer_key (&fx->t), S_TOWN);
    uint8_t seed[SH_SEED_BYTES];
    for (int i = 0; i < SH_SEED_BYTES; i++)
        seed[i] = (uint8_t) (0x40 + i);
    sh_key_t *hub_key = sh_key_from_seed (seed);
    SH_CHECK (hub_key);
    char origin[SH_HUBLOG_ORIGIN_MAX];
    sh_hublog_origin (origin, sh_key_public (hub_key));
    uint64_t size;
    s_hub_push_ok (fx->hub, &fx->a, 1, 20);
    SH_PASS (sh_hublog_checkpoint (fx->hub, hub_key, origin, &fx->cp20, &size));
    SH_CHECK (size == 20 && fx->cp20);
    s_hub_push_ok (fx->hub, &fx->a, 21, 60);
    s_hub_push_ok (fx->hub, &fx->t, 1, 20);
    SH_PASS (sh_hublog_checkpoint (fx->hub, hub_key, origin, &fx->cp80, &size));
    SH_CHECK (size == 80 && fx->cp80);
    sh_key_destroy (&hub_key);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx->hub, false, &txn));
    SH_PASS (sh_merkle_consistency (txn, 20, 80, fx->proof, SH_MERKLE_PROOF_MAX, &fx->n_proof));
    SH_PASS (sh_merkle_left_range (txn, 60, fx->range, SH_MERKLE_PROOF_MAX, &fx->n_range));
    sh_store_abort (&txn);
    SH_CHECK (fx->n_proof > 1 && fx->n_range == sh_merkle_left_count (60));
    //  an auditor's pull from index 40: the village's 41..60 and the town's 1..20
    SH_PASS (sh_hublog_pull (fx->hub, S_DISTRICT, NULL, 40, 40, 1u << 20, &fx->batch));
    SH_CHECK (fx->batch.n == 40 && fx->batch.n_keys == 2 && fx->batch.next == 80);
}

static void
s_wirefx_fini (s_wirefx_t *fx)
{
    sh_hublog_batch_fini (&fx->batch);
    free (fx->cp20);
    free (fx->cp80);
    sh_store_close (&fx->hub);
    s_writer_fini (&fx->a);
    s_writer_fini (&fx->t);
    sh_test_rmdir (fx->base);
}

static void
test_decode_faults (void)
{
    s_wirefx_t fx;
    s_wirefx_init (&fx);
    const uint8_t *a_key = s_writer_key (&fx.a);
    sh_wire_key_t keys[2];
    memcpy (keys, fx.batch.keys, sizeof keys);
    keys[0].name = "村委会 clerk";          //  names travel too: one more string to allocate
    keys[1].name = "town office";
    uint8_t chunk[32 * 1024];
    size_t chunk_len = 0;
    for (size_t i = 0; i < fx.a.log.n && chunk_len + fx.a.log.v[i].len <= sizeof chunk; i++) {
        memcpy (chunk + chunk_len, fx.a.log.v[i].data, fx.a.log.v[i].len);
        chunk_len += fx.a.log.v[i].len;
    }
    uint8_t many[SH_WIRE_PROOF_MAX + 1][SH_HASH_BYTES];
    for (size_t i = 0; i < SH_WIRE_PROOF_MAX + 1; i++)
        memcpy (many[i], fx.proof[i % fx.n_proof], SH_HASH_BYTES);

    enum { S_NMSG = 14 };
    struct { const char *name; sh_wire_msg_t m; } env[S_NMSG];
    memset (env, 0, sizeof env);
    size_t k = 0;
    env[k].name = "hello";
    env[k].m.type = SH_WIRE_HELLO;
    memcpy (env[k].m.u.hello.node, a_key, SH_PUBKEY_BYTES);
    env[k].m.u.hello.since = 40;
    env[k].m.u.hello.checkpoint_size = 20;
    env[k++].m.u.hello.nonce = 0x5eed5eed12345678ull;

    env[k].name = "welcome";
    env[k].m.type = SH_WIRE_WELCOME;
    strcpy (env[k].m.u.welcome.scope, S_VILLAGE_A);
    env[k].m.u.welcome.head_seq = 60;
    SH_CHECK (fx.a.log.n == 60);
    sh_change_t last;
    SH_PASS (sh_change_open (&last, env[k].m.u.welcome.head_hash, fx.a.log.v[59].data, fx.a.log.v[59].len, NULL));
    sh_change_fini (&last);
    env[k].m.u.welcome.log_size = 80;
    env[k].m.u.welcome.credit = 4;
    env[k].m.u.welcome.max_changes = 1024;
    env[k].m.u.welcome.max_bytes = SH_WIRE_MAX_BYTES;
    env[k].m.u.welcome.checkpoint = fx.cp80;
    env[k].m.u.welcome.n_consistency = fx.n_proof;
    env[k].m.u.welcome.consistency = fx.proof;
    env[k++].m.u.welcome.nonce = 0x5eed5eed12345678ull;

    env[k].name = "push";
    env[k].m.type = SH_WIRE_PUSH;
    env[k].m.u.push.batch = 7;
    env[k].m.u.push.n = 50;
    env[k++].m.u.push.changes = &fx.a.log.v[10];

    env[k].name = "ack";
    env[k].m.type = SH_WIRE_ACK;
    env[k].m.u.ack.batch = 7;
    env[k].m.u.ack.head_seq = 60;
    env[k].m.u.ack.accepted = 40;
    env[k].m.u.ack.duplicates = 10;
    env[k].m.u.ack.checkpoint = fx.cp80;
    env[k].m.u.ack.first_leaf = 60;
    env[k].m.u.ack.n_range = fx.n_range;
    env[k].m.u.ack.range = fx.range;
    env[k].m.u.ack.n_consistency = fx.n_proof;
    env[k++].m.u.ack.consistency = fx.proof;

    env[k].name = "pull";
    env[k].m.type = SH_WIRE_PULL;
    env[k].m.u.pull.since = 40;
    env[k++].m.u.pull.max = 512;

    env[k].name = "batch";
    env[k].m.type = SH_WIRE_BATCH;
    env[k].m.u.batch.since = fx.batch.since;
    env[k].m.u.batch.next = fx.batch.next;
    env[k].m.u.batch.done = fx.batch.done;
    env[k].m.u.batch.n = fx.batch.n;
    env[k].m.u.batch.changes = fx.batch.changes;
    env[k].m.u.batch.n_keys = 2;
    env[k++].m.u.batch.keys = keys;

    env[k].name = "error";
    env[k].m.type = SH_WIRE_ERROR;
    env[k].m.u.error.code = SH_WIRE_ERR_CHAIN;
    snprintf (env[k].m.u.error.message, sizeof env[k].m.u.error.message,
              "change 3 (seq 14) does not follow the chain the hub holds (head seq 12)");
    env[k].m.u.error.has_batch = true;
    env[k].m.u.error.batch = 9;
    env[k].m.u.error.has_position = true;
    env[k++].m.u.error.position = 3;

    env[k].name = "ping";
    env[k].m.type = SH_WIRE_PING;
    env[k++].m.u.ping.nonce = 0xdeadbeefcafef00dull;
    env[k].name = "pong";
    env[k].m.type = SH_WIRE_PONG;
    env[k++].m.u.ping.nonce = 0xdeadbeefcafef00dull;

    env[k].name = "fetch";
    env[k].m.type = SH_WIRE_FETCH;
    env[k].m.u.fetch.offset = 1u << 20;
    env[k++].m.u.fetch.max = 1u << 20;

    env[k].name = "chunk";
    env[k].m.type = SH_WIRE_CHUNK;
    env[k].m.u.chunk.offset = 1u << 20;
    env[k].m.u.chunk.total = (1u << 20) + chunk_len + 4096;
    env[k].m.u.chunk.data = chunk;
    env[k++].m.u.chunk.len = chunk_len;

    //  three that decode refuses after having allocated: another version,
    //  a proof one hash too long, a batch whose second key has no role
    env[k] = env[0];
    env[k].name = "hello of version 2";
    env[k++].m.version = 2;
    env[k] = env[1];
    env[k].name = "welcome with a proof too long";
    env[k].m.u.welcome.n_consistency = SH_WIRE_PROOF_MAX + 1;
    env[k++].m.u.welcome.consistency = many;
    static sh_wire_key_t bad_keys[2];
    memcpy (bad_keys, keys, sizeof bad_keys);
    bad_keys[1].role = (sh_wire_role_t) 0;
    env[k] = env[5];
    env[k].name = "batch with a key of no role";
    env[k++].m.u.batch.keys = bad_keys;
    SH_CHECK (k == S_NMSG);

    unsigned total = 0;
    for (size_t i = 0; i < S_NMSG; i++) {
        uint8_t *buf;
        size_t len;
        SH_PASS (sh_wire_encode (&env[i].m, &buf, &len));
        //  the plain decode is the message encoded (the refused ones aside)
        sh_wire_msg_t d;
        sh_err rc = sh_wire_decode (&d, buf, len, SH_WIRE_MAX_BYTES, NULL);
        if (i < 11) {
            SH_PASS (rc);
            sh_wire_msg_t want = env[i].m;
            want.version = SH_WIRE_VERSION;
            s_same_msg (&d, &want);
            sh_wire_msg_fini (&d);
        }
        else {
            SH_CHECK (rc == (i == 11 ? SH_EVERSION : SH_EPROTO));
            SH_CHECK (d.pb_ == NULL);
        }
        unsigned allocs = s_decode_faults (env[i].name, buf, len);
        printf ("  decode %-30s %6zu bytes: %3u allocations, each failed once\n", env[i].name, len, allocs);
        total += allocs + 1;
        free (buf);
    }
    //  fields this version does not know (a newer peer's) are kept by
    //  protobuf-c as unknown fields, with allocations of their own:
    //  field 15 = 7 and field 14 = "new" after the body
    static const uint8_t unknown[] = { 0x78, 0x07, 0x72, 0x03, 'n', 'e', 'w' };
    const size_t with_unknown[] = { 1, 5, 7 };
    for (size_t u = 0; u < sizeof with_unknown / sizeof with_unknown[0]; u++) {
        size_t i = with_unknown[u];
        uint8_t *buf;
        size_t len;
        SH_PASS (sh_wire_encode (&env[i].m, &buf, &len));
        uint8_t *more = malloc (len + sizeof unknown);
        SH_CHECK (more);
        memcpy (more, buf, len);
        memcpy (more + len, unknown, sizeof unknown);
        free (buf);
        len += sizeof unknown;
        sh_wire_msg_t d;
        SH_PASS (sh_wire_decode (&d, more, len, SH_WIRE_MAX_BYTES, NULL));
        sh_wire_msg_t want = env[i].m;
        want.version = SH_WIRE_VERSION;
        s_same_msg (&d, &want);
        sh_wire_msg_fini (&d);
        char name[64];
        snprintf (name, sizeof name, "%s with unknown fields", env[i].name);
        unsigned allocs = s_decode_faults (name, more, len);
        printf ("  decode %-30s %6zu bytes: %3u allocations, each failed once\n", name, len, allocs);
        total += allocs + 1;
        free (more);
    }
    printf ("  decode: %u runs in all\n", total);
    s_wirefx_fini (&fx);
}

/* ==========================================================================
 * 2. Commit faults at a node: domain operations
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
            if (strcmp (key, "hlc") == 0 || strcmp (key, "author") == 0 || strcmp (key, "time_ms") == 0)
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
    S_VIEW (all, "conflicts", sh_view_conflicts (st, "", &v));
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
    char *dir = s_path (x->dir, "mirror");      //  inside the run's directory, removed with it
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
    x.dir = s_path (base, name);
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
 * 3. Commit faults at a node: taking in batches from the hub
 * ========================================================================== */

#define S_PULL_MAX 16           //  changes per downloaded batch

typedef struct {
    char *base;                         //  temporary directory
    s_writer_t t, d;                    //  a town node and a district node
    sh_store_t *hub;                    //  holding what both wrote
    s_list_t sel;                       //  what village A receives, in hub log order
    uint64_t sel_index[128];            //  the hub log index of each
} s_ingfx_t;

static void
s_ingfx_init (s_ingfx_t *fx)
{
    memset (fx, 0, sizeof *fx);
    fx->base = sh_test_tmpdir ();
    s_writer_new (&fx->t, fx->base, "town", S_TOWN);
    s_writer_new (&fx->d, fx->base, "district", S_DISTRICT);
    s_writer_write (&fx->t, S_VILLAGE_A, 30);       //  t 1..30
    s_writer_write (&fx->d, S_VILLAGE_A, 20);       //  d 1..20, the same record ids: merges
    s_writer_write (&fx->t, S_VILLAGE_B, 15);       //  t 31..45: not village A's (a gap in its chain there)
    s_writer_write (&fx->t, S_VILLAGE_A, 25);       //  t 46..70
    s_writer_write (&fx->d, "500115102001", 5);     //  d 21..25: another town's
    s_writer_write (&fx->d, S_VILLAGE_A, 20);       //  d 26..45
    char *dir = s_path (fx->base, "hub");
    fx->hub = s_hub_new (dir);
    free (dir);
    s_hub_enroll (fx->hub, s_writer_key (&fx->t), S_TOWN);
    s_hub_enroll (fx->hub, s_writer_key (&fx->d), S_DISTRICT);
    s_hub_push_ok (fx->hub, &fx->t, 1, 30);
    s_hub_push_ok (fx->hub, &fx->d, 1, 20);
    s_hub_push_ok (fx->hub, &fx->t, 31, 70);
    s_hub_push_ok (fx->hub, &fx->d, 21, 45);
    //  what village A is to receive: every change in its region, once
    sh_hublog_batch_t all;
    SH_PASS (sh_hublog_pull (fx->hub, S_VILLAGE_A, NULL, 0, SH_WIRE_MAX_CHANGES, 1u << 24, &all));
    SH_CHECK (all.done && all.n == 95);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx->hub, false, &txn));
    for (size_t i = 0; i < all.n; i++) {
        s_list_add (&fx->sel, all.changes[i].data, all.changes[i].len);
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
    s_list_fini (&fx->sel);
    sh_store_close (&fx->hub);
    s_writer_fini (&fx->t);
    s_writer_fini (&fx->d);
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
//  cursor, as `shouhe-node sync` does (node_sync.c, s_on_batch).
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
    char *dir = s_path (fx->base, name);
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
        SH_CHECK (s_same_mem (bytes, len, fx->sel.v[i].data, fx->sel.v[i].len));
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
 * 4. Commit faults at the hub: pushes and checkpoints
 * ========================================================================== */

#define S_HUB_BATCHES 4
#define S_HUB_BATCH 50

typedef struct {
    char *base;                         //  temporary directory
    s_writer_t a;                       //  the node pushing
    sh_key_t *key;                      //  the hub's signing key
    char origin[SH_HUBLOG_ORIGIN_MAX];  //  its checkpoints' origin
    sh_note_vkey_t vkey;                //  and the key that verifies them
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
        SH_PASS (sh_note_checkpoint_open (&cp, (const char *) v, vl, &fx->vkey, fx->origin));
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
    char *dir = s_path (fx->base, name);
    sh_store_t *hub = s_hub_new (dir);
    s_hub_enroll (hub, s_writer_key (&fx->a), S_VILLAGE_A);
    sh_store_fail_commit_after (hub, n);
    const uint8_t *author = s_writer_key (&fx->a);
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
            sh_err rc = push ? s_hub_push (hub, &fx->a, from, to, &res)
                             : sh_hublog_checkpoint (hub, fx->key, fx->origin, &note, &cp_size);
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
        SH_CHECK (s_same_mem (bytes, len, fx->a.log.v[s - 1].data, fx->a.log.v[s - 1].len));
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
    s_writer_new (&fx.a, fx.base, "village", S_VILLAGE_A);
    for (int i = 0; i < S_HUB_BATCHES; i++)
        s_writer_write (&fx.a, S_VILLAGE_A, S_HUB_BATCH);
    uint8_t seed[SH_SEED_BYTES];
    for (int i = 0; i < SH_SEED_BYTES; i++)
        seed[i] = (uint8_t) (0x60 + i);
    fx.key = sh_key_from_seed (seed);
    SH_CHECK (fx.key);
    sh_hublog_origin (fx.origin, sh_key_public (fx.key));
    SH_PASS (sh_note_vkey_init (&fx.vkey, fx.origin, sh_key_public (fx.key)));

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
    s_writer_fini (&fx.a);
    sh_test_rmdir (fx.base);
}

static const sh_test_case_t tests[] = {
    { "decode faults", test_decode_faults },
    { "node commit faults", test_node_commit_faults },
    { "ingest commit faults", test_ingest_commit_faults },
    { "hub commit faults", test_hub_commit_faults },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
