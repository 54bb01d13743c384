/*  sh_wire_test -- the sync protocol's envelopes: every message type round
    trips through encode/decode, and decode refuses whatever a bad peer may
    send (docs/protocol.md, "Wire protocol") with SH_EPROTO (or SH_EVERSION)
    and a reason, never a crash: empty and garbage input, every truncation
    of a valid Push, another protocol version, fields out of range, limits.
    The malformed Envelopes that sh_wire_encode cannot produce (a 31-byte
    key, no body) are written byte by byte with a tiny protobuf writer.
*/
#include "sh_test.h"

#include "sh_record.h"
#include "sh_wire.h"

#include <stdbool.h>
#include <stdint.h>

/* --------------------------------------------------------------------------
 * Helpers
 * -------------------------------------------------------------------------- */

//  Encode m, decode the result with the default limit; returns the decode
//  code and leaves the decoded message in out (fini it on SH_OK).
static sh_err
s_roundtrip (const sh_wire_msg_t *m, sh_wire_msg_t *out)
{
    uint8_t *buf;
    size_t len;
    SH_PASS (sh_wire_encode (m, &buf, &len));
    SH_CHECK (len > 0 && len <= SH_WIRE_MAX_BYTES);
    const char *why = NULL;
    sh_err rc = sh_wire_decode (out, buf, len, SH_WIRE_MAX_BYTES, &why);
    if (rc)
        fprintf (stderr, "decode: %s (%s)\n", sh_strerror (rc), why ? why : "-");
    free (buf);
    return rc;
}

//  Decode that must fail with code; the reason must be set for SH_EPROTO.
static void
s_refused (const uint8_t *buf, size_t len, size_t max_bytes, sh_err code)
{
    sh_wire_msg_t m;
    const char *why = NULL;
    sh_err rc = sh_wire_decode (&m, buf, len, max_bytes, &why);
    if (rc != code) {
        fprintf (stderr, "decode of %zu bytes: %s, expected %s\n", len, sh_strerror (rc), sh_strerror (code));
        if (rc == SH_OK)
            sh_wire_msg_fini (&m);
        SH_CHECK (rc == code);
    }
    SH_CHECK (why && *why);
    SH_CHECK (m.pb_ == NULL);           //  nothing left to free after a refusal
    sh_wire_msg_fini (&m);              //  and fini is still harmless
}

//  A minimal protobuf writer for hand-made (malformed) Envelopes.
typedef struct {
    uint8_t b[512];
    size_t n;
} s_pb_t;

static void
s_pb_varint (s_pb_t *p, uint64_t v)
{
    while (v >= 0x80) {
        SH_CHECK (p->n < sizeof p->b);
        p->b[p->n++] = (uint8_t) (v | 0x80);
        v >>= 7;
    }
    SH_CHECK (p->n < sizeof p->b);
    p->b[p->n++] = (uint8_t) v;
}

static void
s_pb_uint (s_pb_t *p, uint32_t field, uint64_t v)
{
    s_pb_varint (p, (uint64_t) field << 3 | 0);
    s_pb_varint (p, v);
}

static void
s_pb_bytes (s_pb_t *p, uint32_t field, const void *data, size_t len)
{
    s_pb_varint (p, (uint64_t) field << 3 | 2);
    s_pb_varint (p, len);
    SH_CHECK (p->n + len <= sizeof p->b);
    memcpy (p->b + p->n, data, len);
    p->n += len;
}

static size_t
s_varint_len (uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

//  Length of the body message inside an encoded Envelope that holds
//  version 1 and one body field (as sh_wire_encode writes it).
static size_t
s_body_len (const uint8_t *buf, size_t len)
{
    SH_CHECK (len > 4 && buf[0] == 0x08 && buf[1] == 0x01);
    uint64_t v = 0;
    size_t i = 3;
    for (int shift = 0; i < len; shift += 7) {
        v |= (uint64_t) (buf[i] & 0x7f) << shift;
        if (!(buf[i++] & 0x80))
            break;
    }
    SH_CHECK (i + v == len);
    return (size_t) v;
}

static void
s_fill (uint8_t *buf, size_t len, uint8_t seed)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t) (seed + i * 7);
}

/* --------------------------------------------------------------------------
 * Round trips
 * -------------------------------------------------------------------------- */

static void
test_roundtrip_hello (void)
{
    sh_wire_msg_t m = { .type = SH_WIRE_HELLO }, d;
    s_fill (m.u.hello.node, SH_PUBKEY_BYTES, 3);
    m.u.hello.since = UINT64_MAX;
    SH_PASS (s_roundtrip (&m, &d));
    SH_CHECK (d.type == SH_WIRE_HELLO && d.version == SH_WIRE_VERSION);
    SH_CHECK (memcmp (d.u.hello.node, m.u.hello.node, SH_PUBKEY_BYTES) == 0);
    SH_CHECK (d.u.hello.since == UINT64_MAX);
    sh_wire_msg_fini (&d);
    SH_CHECK (d.pb_ == NULL && d.type == SH_WIRE_NONE);
    sh_wire_msg_fini (&d);              //  idempotent
    SH_CHECK (strcmp (sh_wire_type_name (SH_WIRE_HELLO), "hello") == 0);
}

static void
test_roundtrip_welcome (void)
{
    sh_wire_msg_t m = { .type = SH_WIRE_WELCOME }, d;
    strcpy (m.u.welcome.scope, "500115101001");
    m.u.welcome.head_seq = 1234567890123ull;
    s_fill (m.u.welcome.head_hash, SH_HASH_BYTES, 9);
    m.u.welcome.log_size = 42;
    m.u.welcome.credit = 4;
    m.u.welcome.max_changes = 1024;
    m.u.welcome.max_bytes = SH_WIRE_MAX_BYTES;
    SH_PASS (s_roundtrip (&m, &d));
    SH_CHECK (d.type == SH_WIRE_WELCOME);
    SH_CHECK (strcmp (d.u.welcome.scope, "500115101001") == 0);
    SH_CHECK (d.u.welcome.head_seq == 1234567890123ull);
    SH_CHECK (memcmp (d.u.welcome.head_hash, m.u.welcome.head_hash, SH_HASH_BYTES) == 0);
    SH_CHECK (d.u.welcome.log_size == 42 && d.u.welcome.credit == 4);
    SH_CHECK (d.u.welcome.max_changes == 1024 && d.u.welcome.max_bytes == SH_WIRE_MAX_BYTES);
    SH_CHECK (!d.u.welcome.recovering && d.u.welcome.recovery_base == 42);   //  absent: the log size
    sh_wire_msg_fini (&d);

    //  a recovering hub's base, 0 included (13.19)
    m.u.welcome.recovering = true;
    m.u.welcome.recovery_target = 50;
    m.u.welcome.recovery_base = 0;
    SH_PASS (s_roundtrip (&m, &d));
    SH_CHECK (d.u.welcome.recovering && d.u.welcome.recovery_target == 50 && d.u.welcome.recovery_base == 0);
    sh_wire_msg_fini (&d);
    m.u.welcome.recovering = false;
    m.u.welcome.recovery_target = 0;

    //  the longest scope (a courtyard, 15 digits) fits
    strcpy (m.u.welcome.scope, "500115101001001");
    SH_PASS (s_roundtrip (&m, &d));
    SH_CHECK (strcmp (d.u.welcome.scope, "500115101001001") == 0);
    SH_CHECK (d.u.welcome.witnessed == NULL && d.u.welcome.n_witnessed_consistency == 0);
    sh_wire_msg_fini (&d);

    //  the newest cosigned checkpoint and its proof (docs/protocol.md 16.7)
    uint8_t proof[2][SH_HASH_BYTES], wproof[3][SH_HASH_BYTES];
    s_fill (proof[0], sizeof proof, 3);
    s_fill (wproof[0], sizeof wproof, 5);
    m.u.welcome.checkpoint = "o\n9\nroot\n\n\xE2\x80\x94 o s\n";
    m.u.welcome.n_consistency = 2;
    m.u.welcome.consistency = proof;
    m.u.welcome.witnessed = "o\n7\nroot\n\n\xE2\x80\x94 o s\n\xE2\x80\x94 w c\n";
    m.u.welcome.n_witnessed_consistency = 3;
    m.u.welcome.witnessed_consistency = wproof;
    SH_PASS (s_roundtrip (&m, &d));
    SH_CHECK (!strcmp (d.u.welcome.witnessed, m.u.welcome.witnessed) && d.u.welcome.n_witnessed_consistency == 3
              && !memcmp (d.u.welcome.witnessed_consistency, wproof, sizeof wproof)
              && d.u.welcome.n_consistency == 2 && !memcmp (d.u.welcome.consistency, proof, sizeof proof));
    sh_wire_msg_fini (&d);
}

static void
test_roundtrip_push (void)
{
    static uint8_t big[SH_SIGNED_MAX];
    s_fill (big, sizeof big, 1);
    uint8_t a[] = { 1, 2, 3 }, b[300];
    s_fill (b, sizeof b, 5);
    sh_wire_bytes_t ch[] = { { a, sizeof a }, { b, sizeof b }, { big, sizeof big } };
    sh_wire_msg_t m = { .type = SH_WIRE_PUSH }, d;
    m.u.push.batch = 77;
    m.u.push.n = 3;
    m.u.push.changes = ch;
    SH_PASS (s_roundtrip (&m, &d));
    SH_CHECK (d.type == SH_WIRE_PUSH && d.u.push.batch == 77 && d.u.push.n == 3);
    for (size_t i = 0; i < 3; i++) {
        SH_CHECK (d.u.push.changes[i].len == ch[i].len);
        SH_CHECK (memcmp (d.u.push.changes[i].data, ch[i].data, ch[i].len) == 0);
    }
    sh_wire_msg_fini (&d);

    //  an empty push is well-formed (the hub acks nothing)
    m.u.push.n = 0;
    m.u.push.changes = NULL;
    SH_PASS (s_roundtrip (&m, &d));
    SH_CHECK (d.type == SH_WIRE_PUSH && d.u.push.n == 0);
    sh_wire_msg_fini (&d);

    //  exactly SH_WIRE_MAX_CHANGES changes are accepted
    sh_wire_bytes_t *many = calloc (SH_WIRE_MAX_CHANGES, sizeof *many);
    SH_CHECK (many);
    for (size_t i = 0; i < SH_WIRE_MAX_CHANGES; i++)
        many[i] = (sh_wire_bytes_t) { a, 1 };
    m.u.push.n = SH_WIRE_MAX_CHANGES;
    m.u.push.changes = many;
    SH_PASS (s_roundtrip (&m, &d));
    SH_CHECK (d.u.push.n == SH_WIRE_MAX_CHANGES);
    sh_wire_msg_fini (&d);
    free (many);
}

static void
test_roundtrip_ack (void)
{
    sh_wire_msg_t m = { .type = SH_WIRE_ACK }, d;
    m.u.ack.batch = 5;
    m.u.ack.head_seq = 1ull << 40;
    m.u.ack.accepted = 1000;
    m.u.ack.duplicates = 24;
    SH_PASS (s_roundtrip (&m, &d));
    SH_CHECK (d.type == SH_WIRE_ACK && d.u.ack.batch == 5 && d.u.ack.head_seq == 1ull << 40);
    SH_CHECK (d.u.ack.accepted == 1000 && d.u.ack.duplicates == 24);
    sh_wire_msg_fini (&d);
}

static void
test_roundtrip_pull (void)
{
    sh_wire_msg_t m = { .type = SH_WIRE_PULL }, d;
    m.u.pull.since = 999;
    m.u.pull.max = 1024;
    SH_PASS (s_roundtrip (&m, &d));
    SH_CHECK (d.type == SH_WIRE_PULL && d.u.pull.since == 999 && d.u.pull.max == 1024);
    sh_wire_msg_fini (&d);
}

static void
test_roundtrip_own_prove_proof (void)
{
    sh_wire_msg_t m = { .type = SH_WIRE_PULL }, d;
    m.u.pull = (__typeof__ (m.u.pull)) { 7, 64, 301 };
    SH_PASS (s_roundtrip (&m, &d));
    SH_CHECK (d.u.pull.since == 7 && d.u.pull.max == 64 && d.u.pull.own_from == 301);
    sh_wire_msg_fini (&d);
    m = (sh_wire_msg_t) { .type = SH_WIRE_BATCH };
    m.u.batch.since = 301;
    m.u.batch.next = 302;
    m.u.batch.own = true;
    SH_PASS (s_roundtrip (&m, &d));
    SH_CHECK (d.type == SH_WIRE_BATCH && d.u.batch.own && d.u.batch.since == 301 && d.u.batch.next == 302);
    sh_wire_msg_fini (&d);
    m = (sh_wire_msg_t) { .type = SH_WIRE_PROVE, .u.prove = { 12, 1024 } };
    SH_PASS (s_roundtrip (&m, &d));
    SH_CHECK (d.type == SH_WIRE_PROVE && d.u.prove.first_seq == 12 && d.u.prove.count == 1024);
    sh_wire_msg_fini (&d);
    uint8_t h[3][SH_HASH_BYTES];
    s_fill (h[0], sizeof h, 9);
    sh_wire_run_t runs[2] = { { 12, 3, 40, 2, h }, { 15, 1, 50, 1, h + 2 } };
    m = (sh_wire_msg_t) { .type = SH_WIRE_PROOF };
    m.u.proof = (__typeof__ (m.u.proof)) { 12, 64, 2, runs };
    SH_PASS (s_roundtrip (&m, &d));
    SH_CHECK (d.type == SH_WIRE_PROOF && d.u.proof.first_seq == 12 && d.u.proof.checkpoint_size == 64);
    SH_CHECK (d.u.proof.n_runs == 2 && d.u.proof.runs[1].first_seq == 15 && d.u.proof.runs[1].first_leaf == 50);
    SH_CHECK (d.u.proof.runs[0].n_hashes == 2 && !memcmp (d.u.proof.runs[0].hashes, h, 2 * SH_HASH_BYTES));
    SH_CHECK (d.u.proof.runs[1].n_hashes == 1 && !memcmp (d.u.proof.runs[1].hashes, h[2], SH_HASH_BYTES));
    sh_wire_msg_fini (&d);
    //  a run without changes is refused
    runs[1].count = 0;
    uint8_t *buf;
    size_t len;
    SH_PASS (sh_wire_encode (&m, &buf, &len));
    const char *why = NULL;
    SH_FAIL (sh_wire_decode (&d, buf, len, SH_WIRE_MAX_BYTES, &why), SH_EPROTO);
    SH_CHECK (why && strstr (why, "run"));
    free (buf);
}

static void
test_roundtrip_batch (void)
{
    uint8_t a[40], b[2];
    s_fill (a, sizeof a, 11);
    s_fill (b, sizeof b, 13);
    sh_wire_bytes_t ch[] = { { a, sizeof a }, { b, sizeof b } };
    sh_wire_key_t keys[2] = { 0 };
    s_fill (keys[0].key, SH_PUBKEY_BYTES, 17);
    strcpy (keys[0].scope, "500115101");
    keys[0].role = SH_WIRE_ROLE_NODE;
    keys[0].name = "town clerk";
    s_fill (keys[1].key, SH_PUBKEY_BYTES, 19);
    strcpy (keys[1].scope, "500115");
    keys[1].role = SH_WIRE_ROLE_AUDITOR;
    keys[1].revoked = true;
    sh_wire_msg_t m = { .type = SH_WIRE_BATCH }, d;
    m.u.batch.since = 10;
    m.u.batch.next = 20;
    m.u.batch.n = 2;
    m.u.batch.changes = ch;
    m.u.batch.n_keys = 2;
    m.u.batch.keys = keys;
    m.u.batch.done = true;
    SH_PASS (s_roundtrip (&m, &d));
    SH_CHECK (d.type == SH_WIRE_BATCH && d.u.batch.since == 10 && d.u.batch.next == 20 && d.u.batch.done);
    SH_CHECK (d.u.batch.n == 2 && d.u.batch.n_keys == 2);
    for (size_t i = 0; i < 2; i++) {
        SH_CHECK (d.u.batch.changes[i].len == ch[i].len);
        SH_CHECK (memcmp (d.u.batch.changes[i].data, ch[i].data, ch[i].len) == 0);
        SH_CHECK (memcmp (d.u.batch.keys[i].key, keys[i].key, SH_PUBKEY_BYTES) == 0);
        SH_CHECK (strcmp (d.u.batch.keys[i].scope, keys[i].scope) == 0);
        SH_CHECK (d.u.batch.keys[i].role == keys[i].role);
        SH_CHECK (d.u.batch.keys[i].revoked == keys[i].revoked);
    }
    SH_CHECK (d.u.batch.keys[0].name && strcmp (d.u.batch.keys[0].name, "town clerk") == 0);
    SH_CHECK (d.u.batch.keys[1].name == NULL);
    sh_wire_msg_fini (&d);

    //  an empty batch that is not done
    memset (&m.u.batch, 0, sizeof m.u.batch);
    m.u.batch.since = m.u.batch.next = 3;
    SH_PASS (s_roundtrip (&m, &d));
    SH_CHECK (d.u.batch.n == 0 && d.u.batch.n_keys == 0 && !d.u.batch.done && d.u.batch.next == 3);
    sh_wire_msg_fini (&d);
}

static void
test_roundtrip_error (void)
{
    sh_wire_msg_t m = { .type = SH_WIRE_ERROR }, d;
    m.u.error.code = SH_WIRE_ERR_CHAIN;
    snprintf (m.u.error.message, sizeof m.u.error.message, "change 3 (seq 9) does not follow");
    m.u.error.has_batch = true;
    m.u.error.batch = 12;
    m.u.error.has_position = true;
    m.u.error.position = 3;
    SH_PASS (s_roundtrip (&m, &d));
    SH_CHECK (d.type == SH_WIRE_ERROR && d.u.error.code == SH_WIRE_ERR_CHAIN);
    SH_CHECK (strcmp (d.u.error.message, m.u.error.message) == 0);
    SH_CHECK (d.u.error.has_batch && d.u.error.batch == 12);
    SH_CHECK (d.u.error.has_position && d.u.error.position == 3);
    sh_wire_msg_fini (&d);

    //  no batch, no position; every known code survives and has its name
    for (int code = SH_WIRE_ERR_MALFORMED; code <= SH_WIRE_ERR_LEAD; code++) {
        sh_wire_msg_t e = { .type = SH_WIRE_ERROR };
        e.u.error.code = (sh_wire_error_t) code;
        strcpy (e.u.error.message, "x");
        SH_PASS (s_roundtrip (&e, &d));
        SH_CHECK ((int) d.u.error.code == code && !d.u.error.has_batch && !d.u.error.has_position);
        SH_CHECK (strncmp (sh_wire_error_name (d.u.error.code), "ERR_", 4) == 0);
        SH_CHECK (code != 18 || strcmp (sh_wire_error_name (d.u.error.code), "ERR_QUOTA") == 0);
        sh_wire_msg_fini (&d);
    }
    SH_CHECK (strcmp (sh_wire_error_name (SH_WIRE_ERR_SIGNATURE), "ERR_SIGNATURE") == 0);
    SH_CHECK (strcmp (sh_wire_error_name ((sh_wire_error_t) 999), "ERR_UNKNOWN") == 0);

    //  a peer's over-long message (written by hand: the struct cannot hold
    //  one) is cut to SH_WIRE_MESSAGE_MAX, not overflowed
    static char longmsg[400];
    memset (longmsg, 'm', sizeof longmsg);
    s_pb_t inner = { .n = 0 }, env = { .n = 0 };
    s_pb_uint (&inner, 1, SH_WIRE_ERR_INTERNAL);
    s_pb_bytes (&inner, 2, longmsg, sizeof longmsg);
    s_pb_uint (&env, 1, 1);
    s_pb_bytes (&env, 8, inner.b, inner.n);
    SH_PASS (sh_wire_decode (&d, env.b, env.n, SH_WIRE_MAX_BYTES, NULL));
    SH_CHECK (d.u.error.code == SH_WIRE_ERR_INTERNAL);
    SH_CHECK (strlen (d.u.error.message) == SH_WIRE_MESSAGE_MAX);
    sh_wire_msg_fini (&d);

    //  cut inside a UTF-8 character (a Chinese name at the end of a long
    //  message, or a translated one): the broken character goes, on the
    //  way out and on the way in, so the wire and the reader see valid UTF-8
    sh_wire_msg_t u = { .type = SH_WIRE_ERROR };
    u.u.error.code = SH_WIRE_ERR_LEAD;
    memcpy (u.u.error.message, longmsg, SH_WIRE_MESSAGE_MAX - 2);
    memcpy (u.u.error.message + SH_WIRE_MESSAGE_MAX - 2, "大", 2);         //  cut as vsnprintf would
    u.u.error.message[SH_WIRE_MESSAGE_MAX] = 0;
    SH_CHECK (strlen (u.u.error.message) == SH_WIRE_MESSAGE_MAX);       //  ends in 2 of 3 bytes
    SH_PASS (s_roundtrip (&u, &d));
    SH_CHECK (strlen (d.u.error.message) == SH_WIRE_MESSAGE_MAX - 2);
    SH_CHECK (sh_record_utf8_valid (d.u.error.message, strlen (d.u.error.message)));
    sh_wire_msg_fini (&d);
    static char zh[400];
    for (size_t i = 0; i + 3 <= sizeof zh; i += 3)
        memcpy (zh + i, "院", 3);
    s_pb_t in2 = { .n = 0 }, env2 = { .n = 0 };
    s_pb_uint (&in2, 1, SH_WIRE_ERR_INTERNAL);
    s_pb_bytes (&in2, 2, zh, 399);
    s_pb_uint (&env2, 1, 1);
    s_pb_bytes (&env2, 8, in2.b, in2.n);
    SH_PASS (sh_wire_decode (&d, env2.b, env2.n, SH_WIRE_MAX_BYTES, NULL));
    SH_CHECK (strlen (d.u.error.message) == SH_WIRE_MESSAGE_MAX);       //  240 = 80 whole characters
    sh_wire_msg_fini (&d);
    char t[8] = "ab\xe4\xbd";                                         //  a 3-byte character cut after 2
    sh_wire_utf8_cut (t);
    SH_CHECK (!strcmp (t, "ab"));
    strcpy (t, "a\xc3\xa9");                                            //  whole: kept
    sh_wire_utf8_cut (t);
    SH_CHECK (!strcmp (t, "a\xc3\xa9"));
    t[0] = 0;
    sh_wire_utf8_cut (t);
    SH_CHECK (!t[0]);
}

//  The witnesses' four messages (docs/protocol.md 16), and what decode
//  refuses in them.
static void
test_roundtrip_witness (void)
{
    sh_wire_msg_t m = { .type = SH_WIRE_WITNESS }, d;
    s_fill (m.u.witness.witness, SH_PUBKEY_BYTES, 0x41);
    m.u.witness.old_size = 77;
    SH_PASS (s_roundtrip (&m, &d));
    SH_CHECK (d.type == SH_WIRE_WITNESS && d.u.witness.old_size == 77
              && !memcmp (d.u.witness.witness, m.u.witness.witness, SH_PUBKEY_BYTES));
    SH_CHECK (!strcmp (sh_wire_type_name (d.type), "witness"));
    sh_wire_msg_fini (&d);

    uint8_t proof[3][SH_HASH_BYTES];
    s_fill (proof[0], sizeof proof, 9);
    sh_wire_msg_t t = { .type = SH_WIRE_TO_COSIGN };
    t.u.to_cosign.checkpoint = "o\n12\nroot\n\n\xE2\x80\x94 o sig\n";
    t.u.to_cosign.old_size = 5;
    t.u.to_cosign.n_consistency = 3;
    t.u.to_cosign.consistency = proof;
    SH_PASS (s_roundtrip (&t, &d));
    SH_CHECK (d.type == SH_WIRE_TO_COSIGN && d.u.to_cosign.old_size == 5 && d.u.to_cosign.n_consistency == 3
              && !strcmp (d.u.to_cosign.checkpoint, t.u.to_cosign.checkpoint)
              && !memcmp (d.u.to_cosign.consistency, proof, sizeof proof));
    sh_wire_msg_fini (&d);

    sh_wire_msg_t c = { .type = SH_WIRE_COSIGNED };
    c.u.cosigned.size = 12;
    c.u.cosigned.line = "\xE2\x80\x94 w AAAA\n";
    SH_PASS (s_roundtrip (&c, &d));
    SH_CHECK (d.type == SH_WIRE_COSIGNED && d.u.cosigned.size == 12 && !strcmp (d.u.cosigned.line, c.u.cosigned.line));
    sh_wire_msg_fini (&d);
    c.u.cosigned.line = "no newline";
    SH_FAIL (s_roundtrip (&c, &d), SH_EPROTO);
    static char longline[SH_WIRE_COSIG_LINE_MAX + 2];
    memset (longline, 'x', sizeof longline - 2);
    longline[sizeof longline - 2] = '\n';
    c.u.cosigned.line = longline;
    SH_FAIL (s_roundtrip (&c, &d), SH_EPROTO);

    sh_wire_msg_t k = { .type = SH_WIRE_COSIGN_TAKEN };
    k.u.cosign_taken.size = 12;
    k.u.cosign_taken.cosignatures = 3;
    SH_PASS (s_roundtrip (&k, &d));
    SH_CHECK (d.type == SH_WIRE_COSIGN_TAKEN && d.u.cosign_taken.size == 12 && d.u.cosign_taken.cosignatures == 3);
    sh_wire_msg_fini (&d);

    //  a witness key of the wrong length, written by hand
    s_pb_t inner = { .n = 0 }, env = { .n = 0 };
    s_pb_bytes (&inner, 1, "short", 5);
    s_pb_uint (&inner, 2, 1);
    s_pb_uint (&env, 1, 1);
    s_pb_bytes (&env, 17, inner.b, inner.n);
    const char *why = NULL;
    SH_FAIL (sh_wire_decode (&d, env.b, env.n, SH_WIRE_MAX_BYTES, &why), SH_EPROTO);
    SH_CHECK (why && strstr (why, "32 bytes"));
}

static void
test_roundtrip_ping_pong (void)
{
    sh_wire_msg_t m = { .type = SH_WIRE_PING }, d;
    m.u.ping.nonce = 0xdeadbeefcafef00dull;
    SH_PASS (s_roundtrip (&m, &d));
    SH_CHECK (d.type == SH_WIRE_PING && d.u.ping.nonce == 0xdeadbeefcafef00dull);
    sh_wire_msg_fini (&d);
    m.type = SH_WIRE_PONG;
    m.u.ping.nonce = 7;
    SH_PASS (s_roundtrip (&m, &d));
    SH_CHECK (d.type == SH_WIRE_PONG && d.u.ping.nonce == 7);
    sh_wire_msg_fini (&d);
    SH_CHECK (strcmp (sh_wire_type_name (SH_WIRE_PONG), "pong") == 0);

    //  a type that is not a message is refused by encode
    sh_wire_msg_t none = { .type = SH_WIRE_NONE };
    uint8_t *buf = NULL;
    size_t len = 0;
    SH_FAIL (sh_wire_encode (&none, &buf, &len), SH_EINVAL);
}

/* --------------------------------------------------------------------------
 * Refusals
 * -------------------------------------------------------------------------- */

static void
test_refuse_empty_and_garbage (void)
{
    uint8_t one = 0;
    s_refused (&one, 0, SH_WIRE_MAX_BYTES, SH_EPROTO);
    //  bytes that cannot be protobuf: wire types 6 and 7 do not exist
    const uint8_t g1[] = { 0xff, 0xff, 0xff, 0xff };
    const uint8_t g2[] = { 0x0f, 0x01, 0x02 };
    //  an unterminated varint and a length running past the end
    const uint8_t g3[] = { 0x08, 0x80, 0x80 };
    const uint8_t g4[] = { 0x08, 0x01, 0x12, 0x7f, 0x00 };
    //  plain text
    const char *g5 = "GET / HTTP/1.1\r\nHost: hub\r\n\r\n";
    s_refused (g1, sizeof g1, SH_WIRE_MAX_BYTES, SH_EPROTO);
    s_refused (g2, sizeof g2, SH_WIRE_MAX_BYTES, SH_EPROTO);
    s_refused (g3, sizeof g3, SH_WIRE_MAX_BYTES, SH_EPROTO);
    s_refused (g4, sizeof g4, SH_WIRE_MAX_BYTES, SH_EPROTO);
    s_refused ((const uint8_t *) g5, strlen (g5), SH_WIRE_MAX_BYTES, SH_EPROTO);

    //  random bytes: whatever decode says, it never crashes or leaks
    //  (the sanitizer build checks), and almost all are refused
    uint8_t buf[256];
    int refused = 0;
    for (int i = 0; i < 2000; i++) {
        size_t len = 1 + (size_t) (i % (int) sizeof buf);
        sh_crypto_random (buf, len);
        sh_wire_msg_t m;
        sh_err rc = sh_wire_decode (&m, buf, len, SH_WIRE_MAX_BYTES, NULL);
        if (rc)
            refused++;
        else
            sh_wire_msg_fini (&m);
    }
    SH_CHECK (refused > 1900);
}

static void
test_refuse_truncated_push (void)
{
    uint8_t a[120], b[300];
    s_fill (a, sizeof a, 21);
    s_fill (b, sizeof b, 23);
    sh_wire_bytes_t ch[] = { { a, sizeof a }, { b, sizeof b } };
    sh_wire_msg_t m = { .type = SH_WIRE_PUSH };
    m.u.push.batch = 300;
    m.u.push.n = 2;
    m.u.push.changes = ch;
    uint8_t *buf;
    size_t len;
    SH_PASS (sh_wire_encode (&m, &buf, &len));
    sh_wire_msg_t d;
    SH_PASS (sh_wire_decode (&d, buf, len, SH_WIRE_MAX_BYTES, NULL));
    sh_wire_msg_fini (&d);
    //  every proper prefix is refused; a fresh copy of exactly that length
    //  lets the sanitizer catch any read past the end
    for (size_t cut = 1; cut < len; cut++) {
        uint8_t *p = malloc (cut);
        SH_CHECK (p);
        memcpy (p, buf, cut);
        s_refused (p, cut, SH_WIRE_MAX_BYTES, SH_EPROTO);
        free (p);
    }
    free (buf);
}

static void
test_refuse_version (void)
{
    sh_wire_msg_t m = { .type = SH_WIRE_PING, .version = 2 }, d;
    m.u.ping.nonce = 1;
    uint8_t *buf;
    size_t len;
    SH_PASS (sh_wire_encode (&m, &buf, &len));
    const char *why = NULL;
    SH_FAIL (sh_wire_decode (&d, buf, len, SH_WIRE_MAX_BYTES, &why), SH_EVERSION);
    SH_CHECK (d.version == 2);
    SH_CHECK (d.pb_ == NULL && why && *why);
    sh_wire_msg_fini (&d);
    SH_CHECK (d.version == 2);          //  fini keeps it, so the caller can still name it
    free (buf);

    //  a Hello of a far future version is refused the same way, before its body is looked at
    sh_wire_msg_t h = { .type = SH_WIRE_HELLO, .version = 99 };
    SH_PASS (sh_wire_encode (&h, &buf, &len));
    SH_FAIL (sh_wire_decode (&d, buf, len, SH_WIRE_MAX_BYTES, NULL), SH_EVERSION);
    SH_CHECK (d.version == 99);
    free (buf);

    //  an Envelope without the required version field does not decode at all
    s_pb_t p = { .n = 0 }, ping = { .n = 0 };
    s_pb_uint (&ping, 1, 5);
    s_pb_bytes (&p, 9, ping.b, ping.n);
    s_refused (p.b, p.n, SH_WIRE_MAX_BYTES, SH_EPROTO);
}

static void
test_refuse_hello_short_key (void)
{
    uint8_t key[SH_PUBKEY_BYTES + 1];
    s_fill (key, sizeof key, 31);
    for (size_t klen = 0; klen <= SH_PUBKEY_BYTES + 1; klen++) {
        s_pb_t hello = { .n = 0 }, env = { .n = 0 };
        s_pb_bytes (&hello, 1, key, klen);
        s_pb_uint (&hello, 2, 0);
        s_pb_uint (&env, 1, 1);
        s_pb_bytes (&env, 2, hello.b, hello.n);
        if (klen == SH_PUBKEY_BYTES) {
            sh_wire_msg_t d;
            SH_PASS (sh_wire_decode (&d, env.b, env.n, SH_WIRE_MAX_BYTES, NULL));
            SH_CHECK (d.type == SH_WIRE_HELLO && memcmp (d.u.hello.node, key, SH_PUBKEY_BYTES) == 0);
            sh_wire_msg_fini (&d);
        }
        else
            s_refused (env.b, env.n, SH_WIRE_MAX_BYTES, SH_EPROTO);
    }
}

static void
test_refuse_welcome_scope (void)
{
    const char *bad[] = { "50011a", "", "5001151010010011", " 500115", "500115/" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        //  written by hand: the C struct cannot hold a 16-digit scope
        uint8_t hash[SH_HASH_BYTES] = { 0 };
        s_pb_t w = { .n = 0 }, env = { .n = 0 };
        s_pb_bytes (&w, 1, bad[i], strlen (bad[i]));
        s_pb_uint (&w, 2, 0);
        s_pb_bytes (&w, 3, hash, sizeof hash);
        for (uint32_t f = 4; f <= 7; f++)
            s_pb_uint (&w, f, 1);
        s_pb_uint (&env, 1, 1);
        s_pb_bytes (&env, 3, w.b, w.n);
        s_refused (env.b, env.n, SH_WIRE_MAX_BYTES, SH_EPROTO);
    }
    //  the same through encode, and a head hash of the wrong length by hand
    sh_wire_msg_t m = { .type = SH_WIRE_WELCOME };
    strcpy (m.u.welcome.scope, "5001x5");
    uint8_t *buf;
    size_t len;
    SH_PASS (sh_wire_encode (&m, &buf, &len));
    s_refused (buf, len, SH_WIRE_MAX_BYTES, SH_EPROTO);
    free (buf);
    uint8_t hash[SH_HASH_BYTES - 1] = { 0 };
    s_pb_t w = { .n = 0 }, env = { .n = 0 };
    s_pb_bytes (&w, 1, "500115", 6);
    s_pb_uint (&w, 2, 0);
    s_pb_bytes (&w, 3, hash, sizeof hash);
    for (uint32_t f = 4; f <= 7; f++)
        s_pb_uint (&w, f, 1);
    s_pb_uint (&env, 1, 1);
    s_pb_bytes (&env, 3, w.b, w.n);
    s_refused (env.b, env.n, SH_WIRE_MAX_BYTES, SH_EPROTO);
}

static void
test_refuse_too_many_changes (void)
{
    uint8_t a = 'x';
    size_t n = SH_WIRE_MAX_CHANGES + 1;
    sh_wire_bytes_t *many = calloc (n, sizeof *many);
    SH_CHECK (many);
    for (size_t i = 0; i < n; i++)
        many[i] = (sh_wire_bytes_t) { &a, 1 };
    for (int type = SH_WIRE_PUSH; type <= SH_WIRE_BATCH; type += SH_WIRE_BATCH - SH_WIRE_PUSH) {
        sh_wire_msg_t m = { .type = (sh_wire_type_t) type };
        if (type == SH_WIRE_PUSH) {
            m.u.push.n = n;
            m.u.push.changes = many;
        }
        else {
            m.u.batch.n = n;
            m.u.batch.changes = many;
        }
        uint8_t *buf;
        size_t len;
        SH_PASS (sh_wire_encode (&m, &buf, &len));
        s_refused (buf, len, SH_WIRE_MAX_BYTES, SH_EPROTO);
        free (buf);
    }
    free (many);
}

static void
test_refuse_change_too_large (void)
{
    static uint8_t big[SH_SIGNED_MAX + 1];
    uint8_t ok = 1;
    sh_wire_bytes_t ch[] = { { &ok, 1 }, { big, sizeof big } };
    sh_wire_msg_t m = { .type = SH_WIRE_PUSH };
    m.u.push.n = 2;
    m.u.push.changes = ch;
    uint8_t *buf;
    size_t len;
    SH_PASS (sh_wire_encode (&m, &buf, &len));
    s_refused (buf, len, SH_WIRE_MAX_BYTES, SH_EPROTO);
    free (buf);

    //  an empty change is refused too, in a Push and in a Batch
    ch[1].len = 0;
    SH_PASS (sh_wire_encode (&m, &buf, &len));
    s_refused (buf, len, SH_WIRE_MAX_BYTES, SH_EPROTO);
    free (buf);
    sh_wire_msg_t b = { .type = SH_WIRE_BATCH };
    b.u.batch.n = 2;
    b.u.batch.changes = ch;
    SH_PASS (sh_wire_encode (&b, &buf, &len));
    s_refused (buf, len, SH_WIRE_MAX_BYTES, SH_EPROTO);
    free (buf);
}

static void
test_refuse_batch_keys (void)
{
    //  a key entry with a short key, a bad scope, an unknown role
    for (int variant = 0; variant < 3; variant++) {
        uint8_t key[SH_PUBKEY_BYTES] = { 1 };
        s_pb_t k = { .n = 0 }, b = { .n = 0 }, env = { .n = 0 };
        s_pb_bytes (&k, 1, key, variant == 0 ? 31 : 32);
        s_pb_bytes (&k, 2, variant == 1 ? "5001a5" : "500115", 6);
        s_pb_uint (&k, 3, variant == 2 ? 3 : 1);
        s_pb_uint (&b, 1, 0);
        s_pb_uint (&b, 2, 0);
        s_pb_bytes (&b, 4, k.b, k.n);
        s_pb_uint (&b, 5, 1);
        s_pb_uint (&env, 1, 1);
        s_pb_bytes (&env, 7, b.b, b.n);
        s_refused (env.b, env.n, SH_WIRE_MAX_BYTES, SH_EPROTO);
    }
}

static void
test_refuse_error_code (void)
{
    int bad[] = { 999, 0, SH_WIRE_ERR_LEAD + 1, -1 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sh_wire_msg_t m = { .type = SH_WIRE_ERROR };
        m.u.error.code = (sh_wire_error_t) bad[i];
        strcpy (m.u.error.message, "boom");
        uint8_t *buf;
        size_t len;
        SH_PASS (sh_wire_encode (&m, &buf, &len));
        s_refused (buf, len, SH_WIRE_MAX_BYTES, SH_EPROTO);
        free (buf);
    }
}

static void
test_refuse_no_body (void)
{
    //  version 1 and nothing else
    s_pb_t env = { .n = 0 };
    s_pb_uint (&env, 1, 1);
    s_refused (env.b, env.n, SH_WIRE_MAX_BYTES, SH_EPROTO);
    //  version 1 and only a field the schema does not know
    s_pb_uint (&env, 15, 7);
    s_refused (env.b, env.n, SH_WIRE_MAX_BYTES, SH_EPROTO);
    //  a body missing its required fields (a Hello without since)
    uint8_t key[SH_PUBKEY_BYTES] = { 0 };
    s_pb_t hello = { .n = 0 }, env2 = { .n = 0 };
    s_pb_bytes (&hello, 1, key, sizeof key);
    s_pb_uint (&env2, 1, 1);
    s_pb_bytes (&env2, 2, hello.b, hello.n);
    s_refused (env2.b, env2.n, SH_WIRE_MAX_BYTES, SH_EPROTO);
}

static void
test_refuse_over_max_bytes (void)
{
    sh_wire_msg_t m = { .type = SH_WIRE_PING }, d;
    m.u.ping.nonce = 12345;
    uint8_t *buf;
    size_t len;
    SH_PASS (sh_wire_encode (&m, &buf, &len));
    s_refused (buf, len, len - 1, SH_EPROTO);
    SH_PASS (sh_wire_decode (&d, buf, len, len, NULL));
    sh_wire_msg_fini (&d);
    free (buf);

    //  a Push of just over SH_WIRE_MAX_BYTES, against the default limit
    size_t n = (SH_WIRE_MAX_BYTES / 60000) + 1;
    uint8_t *chunk = calloc (1, 60000);
    sh_wire_bytes_t *ch = calloc (n, sizeof *ch);
    SH_CHECK (chunk && ch);
    for (size_t i = 0; i < n; i++)
        ch[i] = (sh_wire_bytes_t) { chunk, 60000 };
    sh_wire_msg_t p = { .type = SH_WIRE_PUSH };
    p.u.push.n = n;
    p.u.push.changes = ch;
    SH_PASS (sh_wire_encode (&p, &buf, &len));
    SH_CHECK (len > SH_WIRE_MAX_BYTES);
    s_refused (buf, len, SH_WIRE_MAX_BYTES, SH_EPROTO);
    //  but it decodes under a larger limit
    SH_PASS (sh_wire_decode (&d, buf, len, len, NULL));
    SH_CHECK (d.u.push.n == n);
    sh_wire_msg_fini (&d);
    free (buf);
    free (ch);
    free (chunk);
}

/* --------------------------------------------------------------------------
 * Size arithmetic
 * -------------------------------------------------------------------------- */

//  Encode a Push (or Batch) of the first n of ch; returns the Envelope size
//  and the size of its Push/Batch body.
static size_t
s_encoded (sh_wire_type_t type, const sh_wire_bytes_t *ch, size_t n, size_t *body_len)
{
    sh_wire_msg_t m = { .type = type };
    if (type == SH_WIRE_PUSH) {
        m.u.push.batch = 1;
        m.u.push.n = n;
        m.u.push.changes = (sh_wire_bytes_t *) ch;
    }
    else {
        m.u.batch.since = 1;
        m.u.batch.next = 2;
        m.u.batch.n = n;
        m.u.batch.changes = (sh_wire_bytes_t *) ch;
    }
    uint8_t *buf;
    size_t len;
    SH_PASS (sh_wire_encode (&m, &buf, &len));
    *body_len = s_body_len (buf, len);
    free (buf);
    return len;
}

static void
test_change_overhead (void)
{
    static uint8_t data[SH_SIGNED_MAX];
    const size_t lens[] = { 1, 2, 126, 127, 128, 129, 300, 1000, 16383, 16384, 16385,
                            SH_CHANGE_MAX, SH_SIGNED_MAX };
    const size_t nl = sizeof lens / sizeof lens[0];
    for (int t = 0; t < 2; t++) {
        sh_wire_type_t type = t ? SH_WIRE_BATCH : SH_WIRE_PUSH;
        sh_wire_bytes_t ch[64];
        size_t n = 0;
        size_t body_len, env_len = s_encoded (type, ch, 0, &body_len);
        //  grow one change at a time, through every length, twice over
        for (size_t round = 0; round < 2; round++)
            for (size_t i = 0; i < nl; i++) {
                ch[n++] = (sh_wire_bytes_t) { data, lens[i] };
                size_t new_body, new_env = s_encoded (type, ch, n, &new_body);
                size_t over = sh_wire_change_overhead (lens[i]);
                //  the Push/Batch message grows by exactly the overhead ...
                SH_CHECK (new_body - body_len == over);
                //  ... and the Envelope by that plus any growth of the body's length prefix
                SH_CHECK (new_env - env_len == over + s_varint_len (new_body) - s_varint_len (body_len));
                SH_CHECK (new_env - env_len <= over + 2);
                body_len = new_body;
                env_len = new_env;
            }
    }
    //  a few values by hand: tag + 1-byte length + bytes, then 2- and 3-byte lengths
    SH_CHECK (sh_wire_change_overhead (0) == 2);
    SH_CHECK (sh_wire_change_overhead (127) == 129);
    SH_CHECK (sh_wire_change_overhead (128) == 131);
    SH_CHECK (sh_wire_change_overhead (16384) == 16388);
}

//  m encodes, and its decoding is refused (SH_EPROTO).
static void
s_refused_msg (const sh_wire_msg_t *m)
{
    uint8_t *buf;
    size_t len;
    SH_PASS (sh_wire_encode (m, &buf, &len));
    s_refused (buf, len, SH_WIRE_MAX_BYTES, SH_EPROTO);
    free (buf);
}

//  Openings beside the changes of a Push, a Batch and an Offer (docs/protocol.md 7.10):
//  they round-trip; one naming no change of the message, or with a salt of
//  31 bytes, or more than the changes could seal, is refused.
static void
test_roundtrip_openings (void)
{
    static const uint8_t a[] = { 1, 2, 3 }, b[] = { 4, 5 }, salt[32] = { 9 }, v1[] = { 0x0a, 0x03, 'w', 'x', 'y' };
    sh_wire_bytes_t ch[2] = { { a, sizeof a }, { b, sizeof b } };
    sh_wire_opening_t op[3] = { { 0, 1, salt, v1, sizeof v1 }, { 0, 6, salt, v1, sizeof v1 },
                                { 1, 5, salt, v1, 0 } };
    sh_wire_msg_t m = { .type = SH_WIRE_PUSH }, d;
    m.u.push.batch = 3;
    m.u.push.n = 2;
    m.u.push.changes = ch;
    m.u.push.n_openings = 3;
    m.u.push.openings = op;
    SH_PASS (s_roundtrip (&m, &d));
    SH_CHECK (d.u.push.n == 2 && d.u.push.n_openings == 3);
    for (size_t i = 0; i < 3; i++)
        SH_CHECK (d.u.push.openings[i].change == op[i].change && d.u.push.openings[i].field == op[i].field
                  && !memcmp (d.u.push.openings[i].salt, salt, 32) && d.u.push.openings[i].value_len == op[i].value_len
                  && (!op[i].value_len || !memcmp (d.u.push.openings[i].value, v1, sizeof v1)));
    sh_wire_msg_fini (&d);
    sh_wire_msg_t bm = { .type = SH_WIRE_BATCH };
    bm.u.batch.n = 2;
    bm.u.batch.changes = ch;
    bm.u.batch.n_openings = 1;
    bm.u.batch.openings = &op[2];
    SH_PASS (s_roundtrip (&bm, &d));
    SH_CHECK (d.u.batch.n_openings == 1 && d.u.batch.openings[0].change == 1 && d.u.batch.openings[0].field == 5);
    sh_wire_msg_fini (&d);
    //  ... and beside an Offer's leaves (13.19)
    uint64_t pos[2] = { 7, 9 };
    sh_wire_msg_t om = { .type = SH_WIRE_OFFER };
    om.u.offer.n = 2;
    om.u.offer.leaves = ch;
    om.u.offer.positions = pos;
    om.u.offer.last = true;
    om.u.offer.n_openings = 2;
    om.u.offer.openings = &op[1];
    SH_PASS (s_roundtrip (&om, &d));
    SH_CHECK (d.u.offer.n == 2 && d.u.offer.positions[1] == 9 && d.u.offer.last && d.u.offer.n_openings == 2);
    SH_CHECK (d.u.offer.openings[0].change == 0 && d.u.offer.openings[0].field == 6
              && d.u.offer.openings[0].value_len == sizeof v1 && !memcmp (d.u.offer.openings[0].value, v1, sizeof v1)
              && !memcmp (d.u.offer.openings[1].salt, salt, 32) && d.u.offer.openings[1].change == 1);
    sh_wire_msg_fini (&d);
    //  refusals
    op[2].change = 2;                                   //  names no leaf of the Offer
    s_refused_msg (&om);
    op[2].change = 1;
    op[1].change = 2;                                   //  names no change of the message
    s_refused_msg (&m);
    op[1].change = 0;
    m.u.push.n = 0;                                     //  openings without changes: too many
    m.u.push.n_openings = 1;
    s_refused_msg (&m);
    //  a salt of 31 bytes, written by hand: Push { changes: "x", openings: { 0, 1, salt31, "" } }
    s_pb_t o = { .n = 0 }, push = { .n = 0 }, env = { .n = 0 };
    s_pb_uint (&o, 1, 0);
    s_pb_uint (&o, 2, 1);
    s_pb_varint (&o, 3 << 3 | 2);
    s_pb_varint (&o, 31);
    memset (o.b + o.n, 7, 31);
    o.n += 31;
    s_pb_varint (&o, 4 << 3 | 2);
    s_pb_varint (&o, 0);
    s_pb_uint (&push, 1, 1);
    s_pb_varint (&push, 2 << 3 | 2);
    s_pb_varint (&push, 1);
    push.b[push.n++] = 'x';
    s_pb_varint (&push, 3 << 3 | 2);
    s_pb_varint (&push, o.n);
    memcpy (push.b + push.n, o.b, o.n);
    push.n += o.n;
    s_pb_uint (&env, 1, 1);                             //  version
    s_pb_varint (&env, 4 << 3 | 2);                     //  Envelope.push
    s_pb_varint (&env, push.n);
    memcpy (env.b + env.n, push.b, push.n);
    env.n += push.n;
    s_refused (env.b, env.n, SH_WIRE_MAX_BYTES, SH_EPROTO);
}

static const sh_test_case_t tests[] = {
    { "roundtrip openings", test_roundtrip_openings },
    { "roundtrip hello", test_roundtrip_hello },
    { "roundtrip welcome", test_roundtrip_welcome },
    { "roundtrip witness", test_roundtrip_witness },
    { "roundtrip push", test_roundtrip_push },
    { "roundtrip ack", test_roundtrip_ack },
    { "roundtrip pull", test_roundtrip_pull },
    { "roundtrip batch", test_roundtrip_batch },
    { "roundtrip own, prove, proof", test_roundtrip_own_prove_proof },
    { "roundtrip error", test_roundtrip_error },
    { "roundtrip ping pong", test_roundtrip_ping_pong },
    { "refuse empty and garbage", test_refuse_empty_and_garbage },
    { "refuse truncated push", test_refuse_truncated_push },
    { "refuse version", test_refuse_version },
    { "refuse hello short key", test_refuse_hello_short_key },
    { "refuse welcome scope", test_refuse_welcome_scope },
    { "refuse too many changes", test_refuse_too_many_changes },
    { "refuse change too large", test_refuse_change_too_large },
    { "refuse batch keys", test_refuse_batch_keys },
    { "refuse error code", test_refuse_error_code },
    { "refuse no body", test_refuse_no_body },
    { "refuse over max bytes", test_refuse_over_max_bytes },
    { "change overhead", test_change_overhead },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
