/*  faults_wire_test -- issue 6, "Faults built in": the built-in countdown
    makes the Nth allocation of a decode fail, and the scenario is run for
    N = 1, 2, ... until the countdown no longer reaches 0. Every run must
    give a clean error and leak nothing (LeakSanitizer in the
    SHOUHE_SANITIZE build). The store commit faults are in
    faults_store_test.c.

    Everything is real: replicas and hub stores are LMDB environments in
    temporary directories, changes are signed by real keys, batches come out
    of a real hub (sh_hublog_push / pull), checkpoints are real signed notes.

    - decode: an Envelope of every message type (three more that decode
      refuses after allocating, three with fields this version does not
      know) is decoded with sh_wire_decode_fault for N = 1 .. allocations + 1.
      While the countdown fires the result is SH_ENOMEM and msg holds
      nothing; the first N that does not fire gives what a plain decode of
      the same bytes gives, field by field.
*/
#include "sh_test.h"

#include "faults_util.h"

#include "sh_change.h"
#include "sh_hubid.h"
#include "sh_hublog.h"
#include "sh_key.h"
#include "sh_merkle.h"
#include "sh_store.h"
#include "sh_wire.h"

#include <stdbool.h>
#include <stdint.h>

/* ==========================================================================
 * 1. Decoder allocation faults
 * ========================================================================== */


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
        if (!fu_same_mem (a[i].data, a[i].len, b[i].data, b[i].len))
            return false;
    return true;
}

#define S_SAME_HASHES(a, an, b, bn) fu_same_mem ((a), (an) * SH_HASH_BYTES, (b), (bn) * SH_HASH_BYTES)

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
            SH_CHECK (fu_same_mem (a->u.chunk.data, a->u.chunk.len, b->u.chunk.data, b->u.chunk.len));
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
    fu_writer_t a, t;                    //  a village node and a town node writing about village A
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
    fu_writer_new (&fx->a, fx->base, "village", S_VILLAGE_A);
    fu_writer_new (&fx->t, fx->base, "town", S_TOWN);
    fu_writer_write (&fx->a, S_VILLAGE_A, 60);
    fu_writer_write (&fx->t, S_VILLAGE_A, 20);
    char *dir = fu_path (fx->base, "hub");
    fx->hub = fu_hub_new (dir);
    free (dir);
    fu_hub_enroll (fx->hub, fu_writer_key (&fx->a), S_VILLAGE_A);
    fu_hub_enroll (fx->hub, fu_writer_key (&fx->t), S_TOWN);
    uint8_t seed[SH_SEED_BYTES];
    for (int i = 0; i < SH_SEED_BYTES; i++)
        seed[i] = (uint8_t) (0x40 + i);
    sh_key_t *hub_key = sh_key_from_seed (seed);
    SH_CHECK (hub_key);
    sh_hubid_t hub;
    sh_hubid_init_key (&hub, hub_key);
    uint64_t size;
    fu_hub_push_ok (fx->hub, &fx->a, 1, 20);
    SH_PASS (sh_hublog_checkpoint (fx->hub, &hub, &fx->cp20, &size));
    SH_CHECK (size == 20 && fx->cp20);
    fu_hub_push_ok (fx->hub, &fx->a, 21, 60);
    fu_hub_push_ok (fx->hub, &fx->t, 1, 20);
    SH_PASS (sh_hublog_checkpoint (fx->hub, &hub, &fx->cp80, &size));
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
    fu_writer_fini (&fx->a);
    fu_writer_fini (&fx->t);
    sh_test_rmdir (fx->base);
}

static void
test_decode_faults (void)
{
    s_wirefx_t fx;
    s_wirefx_init (&fx);
    const uint8_t *a_key = fu_writer_key (&fx.a);
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
    //  field 30 = 7 and field 31 = "new" after the body (numbers no
    //  Envelope body will take: 13 and 14 are Prove and Proof now)
    static const uint8_t unknown[] = { 0xf0, 0x01, 0x07, 0xfa, 0x01, 0x03, 'n', 'e', 'w' };
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

static const sh_test_case_t tests[] = {
    { "decode faults", test_decode_faults },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
