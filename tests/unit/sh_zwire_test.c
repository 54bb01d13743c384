/*  sh_zwire_test -- changes compressed for the wire (docs/protocol.md 13.22):
    real signed chains round trip byte for byte through a frame, with the
    author and prev left out where the rule allows; the frame is much
    smaller than the changes; Push and Batch carry it through sh_wire; and
    a frame that breaks a rule or a bound (no declared size, a bomb, a
    size over the limit, bytes after the frame, every malformed entry, too
    many changes) is refused with a reason, never a crash.
*/
#include "sh_test.h"

#include "sh_change.h"
#include "sh_wire.h"
#include "sh_zwire.h"

#include <stdbool.h>
#include <stdint.h>
#include <zstd.h>

#define S_MAX (4u << 20)

typedef struct {
    uint8_t *data[600];
    size_t len[600];
    size_t n;
} s_set_t;

//  Append the signed changes seq first .. first + count - 1 of key's chain
//  (prev: the hash of the change before, held in *head).
static void
s_chain (s_set_t *set, const sh_key_t *key, uint64_t first, size_t count,
         uint8_t head[SH_HASH_BYTES])
{
    for (size_t i = 0; i < count; i++) {
        char body[64];
        int bl = snprintf (body, sizeof body, "\x0a\x0b" "Zhang San %02zu", i % 100);
        char entity[17];
        snprintf (entity, sizeof entity, "courtyard-%06zu", (size_t) (i % 40));
        sh_change_t c = { .seq = first + i, .hlc = ((uint64_t) 1764979200000 + i * 1000) << 16,
                          .region = "500115101201", .kind = SH_KIND_PERSON,
                          .entity = (const uint8_t *) entity, .entity_len = 16, .op = SH_OP_PUT,
                          .body = (const uint8_t *) body, .body_len = (size_t) bl };
        memcpy (c.author, sh_key_public (key), SH_PUBKEY_BYTES);
        if (c.seq > 1)
            memcpy (c.prev, head, SH_HASH_BYTES);
        uint8_t *cb;
        size_t cl;
        SH_PASS (sh_change_encode (&c, &cb, &cl));
        sh_change_hash (head, cb, cl);
        SH_PASS (sh_change_sign (&set->data[set->n], &set->len[set->n], cb, cl, key));
        set->n++;
        free (cb);
    }
}

static void
s_set_fini (s_set_t *set)
{
    for (size_t i = 0; i < set->n; i++)
        free (set->data[i]);
}

static void
s_check_same (const s_set_t *set, const sh_zwire_changes_t *z)
{
    SH_CHECK (z->n == set->n);
    for (size_t i = 0; i < set->n; i++) {
        SH_CHECK (z->changes[i].len == set->len[i]);
        SH_CHECK (memcmp (z->changes[i].data, set->data[i], set->len[i]) == 0);
    }
}

static void
test_roundtrip (void)
{
    sh_key_t *a = sh_test_key (1), *b = sh_test_key (2);
    s_set_t set = { .n = 0 };
    uint8_t ha[SH_HASH_BYTES], hb[SH_HASH_BYTES];
    s_chain (&set, a, 1, 200, ha);          //  a run of one author from seq 1
    s_chain (&set, b, 7, 3, hb);            //  another author, not from 1: prev is sent
    s_chain (&set, a, 201, 100, ha);        //  a again: author and prev sent once, then left out
    set.data[set.n] = (uint8_t *) strdup ("not a signed change");   //  sent raw
    set.len[set.n++] = 19;
    s_chain (&set, a, 301, 150, ha);        //  after a raw entry: the author again
    size_t total = 0;
    for (size_t i = 0; i < set.n; i++)
        total += set.len[i];
    //  openings of three changes, one with two
    uint8_t salt[3][32];
    memset (salt, 0x5a, sizeof salt);
    sh_zwire_opening_t op[5] = { { 0, 2, salt[0], (const uint8_t *) "\x12\x04Zhao", 6 },
                                 { 0, 5, salt[1], (const uint8_t *) "\x2a\x0b" "13800000000", 13 },
                                 { 203, 2, salt[2], (const uint8_t *) "\x12\x02Li", 4 },
                                 { 453, 2, salt[2], (const uint8_t *) "", 0 },
                                 { 454, 2, salt[2], (const uint8_t *) "", 0 } };   //  names no change
    uint8_t *z;
    size_t zl;
    SH_CHECK (set.n == 454);
    sh_zwire_bytes_t ch[600];
    for (size_t i = 0; i < set.n; i++)
        ch[i] = (sh_zwire_bytes_t) { set.data[i], set.len[i] };
    SH_FAIL (sh_zwire_encode (ch, set.n, op, 5, &z, &zl), SH_EINVAL);
    SH_PASS (sh_zwire_encode (ch, set.n, op, 4, &z, &zl));
    printf ("  %zu changes, %zu bytes -> %zu bytes (%.3f)\n", set.n, total, zl, (double) zl / total);
    //  signatures (64 of ~200 bytes) do not compress; author and prev are left out
    SH_CHECK (zl * 2 < total);
    sh_zwire_changes_t out;
    const char *why = NULL;
    SH_PASS (sh_zwire_decode (z, zl, S_MAX, SH_WIRE_MAX_CHANGES, &out, &why));
    s_check_same (&set, &out);
    SH_CHECK (out.n_openings == 4);
    for (size_t i = 0; i < 4; i++)
        SH_CHECK (out.openings[i].change == op[i].change && out.openings[i].field == op[i].field
                  && memcmp (out.openings[i].salt, op[i].salt, 32) == 0
                  && out.openings[i].value_len == op[i].value_len
                  && memcmp (out.openings[i].value, op[i].value, op[i].value_len) == 0);
    //  every rebuilt change opens: its signature holds over the rebuilt bytes
    for (size_t i = 0; i < out.n; i++) {
        if (out.changes[i].len == 19)
            continue;
        sh_change_t c;
        SH_PASS (sh_change_open (&c, NULL, out.changes[i].data, out.changes[i].len, NULL));
        sh_change_fini (&c);
    }
    sh_zwire_changes_fini (&out);
    sh_zwire_changes_fini (&out);           //  idempotent
    //  the limits: one change fewer than the frame holds, or too few bytes
    SH_FAIL (sh_zwire_decode (z, zl, S_MAX, set.n - 1, &out, &why), SH_EPROTO);
    SH_CHECK (out.arena == NULL && why && *why);
    SH_FAIL (sh_zwire_decode (z, zl, total - 1, SH_WIRE_MAX_CHANGES, &out, &why), SH_EPROTO);
    SH_PASS (sh_zwire_decode (z, zl, total, SH_WIRE_MAX_CHANGES, &out, &why));
    sh_zwire_changes_fini (&out);
    //  every truncation and one byte flipped anywhere: refused, or (a flip in
    //  a literal) decoded into other bytes, never a crash
    for (size_t cut = 0; cut < zl; cut += 1 + cut / 8)
        SH_FAIL (sh_zwire_decode (z, cut, S_MAX, SH_WIRE_MAX_CHANGES, &out, &why), SH_EPROTO);
    for (size_t at = 0; at < zl; at += 7) {
        z[at] ^= 0x20;
        if (sh_zwire_decode (z, zl, S_MAX, SH_WIRE_MAX_CHANGES, &out, &why) == SH_OK)
            sh_zwire_changes_fini (&out);
        z[at] ^= 0x20;
    }
    SH_FAIL (sh_zwire_encode (NULL, 0, NULL, 0, &z, &zl), SH_EINVAL);
    free (z);
    s_set_fini (&set);
    sh_key_destroy (&a);
    sh_key_destroy (&b);
}

//  Compress a hand-made plain stream (with or without its size declared).
static uint8_t *
s_frame (const uint8_t *plain, size_t len, bool declare, size_t *out_len)
{
    size_t cap = ZSTD_compressBound (len);
    uint8_t *z = malloc (cap);
    ZSTD_CCtx *cx = ZSTD_createCCtx ();
    SH_CHECK (z && cx);
    SH_CHECK (!ZSTD_isError (ZSTD_CCtx_setParameter (cx, ZSTD_c_contentSizeFlag, declare)));
    ZSTD_inBuffer in = { plain, len, 0 };
    ZSTD_outBuffer out = { z, cap, 0 };
    //  streaming: the size is in the header only when told it in advance
    if (declare)
        SH_CHECK (!ZSTD_isError (ZSTD_CCtx_setPledgedSrcSize (cx, len)));
    SH_CHECK (ZSTD_compressStream2 (cx, &out, &in, ZSTD_e_end) == 0);
    ZSTD_freeCCtx (cx);
    *out_len = out.pos;
    return z;
}

static void
s_refused (const uint8_t *plain, size_t len, bool declare, const char *what)
{
    size_t zl;
    uint8_t *z = s_frame (plain, len, declare, &zl);
    sh_zwire_changes_t out;
    const char *why = NULL;
    sh_err rc = sh_zwire_decode (z, zl, S_MAX, SH_WIRE_MAX_CHANGES, &out, &why);
    if (rc != SH_EPROTO)
        fprintf (stderr, "%s: %s\n", what, sh_strerror (rc));
    SH_CHECK (rc == SH_EPROTO);
    SH_CHECK (why && *why && out.arena == NULL && out.n == 0);
    printf ("  %s: %s\n", what, why);
    free (z);
}

//  A plain stream: uvarint count (< 128), the entries, then tail (the
//  openings section; "\0": none). Returns its length in buf.
static size_t
s_stream (uint8_t *buf, uint8_t count, const uint8_t *entries, size_t len, const char *tail, size_t tail_len)
{
    buf[0] = count;
    memcpy (buf + 1, entries, len);
    memcpy (buf + 1 + len, tail, tail_len);
    return 1 + len + tail_len;
}

static void
s_refused_stream (uint8_t count, const uint8_t *entries, size_t len, const char *tail, size_t tail_len,
                  const char *what)
{
    uint8_t buf[1024];
    SH_CHECK (1 + len + tail_len <= sizeof buf);
    s_refused (buf, s_stream (buf, count, entries, len, tail, tail_len), true, what);
}

static void
test_bad_frames (void)
{
    //  a bomb: 4 MiB of zeros in a few hundred bytes, over the ratio
    uint8_t *zeros = calloc (1, S_MAX + 1);
    SH_CHECK (zeros);
    s_refused (zeros, S_MAX, true, "bomb");
    //  over the size limit, whatever the ratio
    s_refused (zeros, S_MAX + 1, true, "too large");
    free (zeros);
    uint8_t raw[] = { 0x01, 0x00, 0x03, 'a', 'b', 'c', 0x00 };
    s_refused (raw, sizeof raw, false, "size not declared");
    s_refused (raw, 0, true, "empty");
    //  bytes after the frame
    size_t zl;
    uint8_t *z = s_frame (raw, sizeof raw, true, &zl);
    uint8_t *z2 = malloc (zl + 1);
    memcpy (z2, z, zl);
    z2[zl] = 0;
    sh_zwire_changes_t out;
    const char *why = NULL;
    SH_FAIL (sh_zwire_decode (z2, zl + 1, S_MAX, SH_WIRE_MAX_CHANGES, &out, &why), SH_EPROTO);
    SH_PASS (sh_zwire_decode (z, zl, S_MAX, SH_WIRE_MAX_CHANGES, &out, &why));
    SH_CHECK (out.n == 1 && out.changes[0].len == 3 && memcmp (out.changes[0].data, "abc", 3) == 0
              && out.n_openings == 0);
    sh_zwire_changes_fini (&out);
    free (z);
    free (z2);
    //  the count
    uint8_t abc[] = { 0x00, 0x03, 'a', 'b', 'c' };
    s_refused_stream (0, abc, sizeof abc, "\0", 1, "no change");
    s_refused_stream (2, abc, sizeof abc, "\0", 1, "fewer entries than the count");
    //  malformed entries
    uint8_t e1[] = { 0x00, 0x00 };                              //  empty raw change
    s_refused_stream (1, e1, sizeof e1, "\0", 1, "raw of length 0");
    uint8_t e2[] = { 0x00, 0x09, 'a' };                         //  longer than what follows
    s_refused_stream (1, e2, sizeof e2, "", 0, "raw cut short");
    uint8_t e3[] = { 0x08, 0x00 };                              //  unknown flag
    s_refused_stream (1, e3, sizeof e3, "\0", 1, "unknown flags");
    uint8_t e4[] = { 0x02, 0x00 };                              //  flags without the split bit
    s_refused_stream (1, e4, sizeof e4, "\0", 1, "no split bit");
    uint8_t e5[1 + 32 + 1 + 32 + 1 + 64] = { 0x03 };            //  first entry leaves out its author
    s_refused_stream (1, e5, sizeof e5, "\0", 1, "author left out first");
    uint8_t e6[1 + 32 + 1 + 32 + 1 + 64] = { 0x01 };            //  seq 0
    s_refused_stream (1, e6, sizeof e6, "\0", 1, "seq 0");
    uint8_t e7[1 + 32 + 1 + 32 + 1 + 63] = { 0x01 };            //  signature cut short
    e7[33] = 1;
    s_refused_stream (1, e7, sizeof e7, "", 0, "signature cut short");
    //  a second entry that leaves out prev but is not seq + 1 of the first
    uint8_t e8[(1 + 32 + 1 + 32 + 1 + 64) + (1 + 1 + 1 + 64)] = { 0x01 };
    e8[33] = 5;
    size_t second = 1 + 32 + 1 + 32 + 1 + 64;
    e8[second] = 0x07;
    e8[second + 1] = 7;
    s_refused_stream (2, e8, sizeof e8, "\0", 1, "prev left out, seq not next");
    e8[second + 1] = 6;                                         //  now seq + 1: accepted
    uint8_t buf[1024];
    z = s_frame (buf, s_stream (buf, 2, e8, sizeof e8, "\0", 1), true, &zl);
    SH_PASS (sh_zwire_decode (z, zl, S_MAX, SH_WIRE_MAX_CHANGES, &out, &why));
    SH_CHECK (out.n == 2);
    //  the second change's prev is the hash of the first's change bytes
    uint8_t h[SH_HASH_BYTES];
    const uint8_t *c1 = out.changes[0].data + 2;                //  after 0x0a and its length
    sh_change_hash (h, c1, out.changes[0].len - 2 - 66);
    SH_CHECK (memcmp (out.changes[1].data + 2 + 34 + 2 + 2, h, 32) == 0);
    sh_zwire_changes_fini (&out);
    free (z);
    uint8_t e9[] = { 0x00, 0x80 };                              //  varint never ends
    s_refused_stream (1, e9, sizeof e9, "", 0, "endless varint");
    //  the openings: more than 8 a change, naming no change, cut short, bytes after them
    s_refused_stream (1, abc, sizeof abc, "\x09", 1, "nine openings of one change");
    char op[1 + 1 + 1 + 32 + 1 + 2] = "\x01\x01\x02";            //  change 1 of 1
    op[35] = 2;
    s_refused_stream (1, abc, sizeof abc, op, sizeof op, "opening of no change");
    op[1] = 0;                                                  //  change 0: accepted
    z = s_frame (buf, s_stream (buf, 1, abc, sizeof abc, op, sizeof op), true, &zl);
    SH_PASS (sh_zwire_decode (z, zl, S_MAX, SH_WIRE_MAX_CHANGES, &out, &why));
    SH_CHECK (out.n_openings == 1 && out.openings[0].field == 2 && out.openings[0].value_len == 2);
    sh_zwire_changes_fini (&out);
    free (z);
    s_refused_stream (1, abc, sizeof abc, op, sizeof op - 1, "opening cut short");
    char op2[sizeof op + 1];
    memcpy (op2, op, sizeof op);
    op2[sizeof op] = 'x';
    s_refused_stream (1, abc, sizeof abc, op2, sizeof op2, "bytes after the openings");
}

//  Push and Batch carry the frame through sh_wire when told to compress.
static void
test_wire (void)
{
    sh_key_t *a = sh_test_key (3);
    s_set_t set = { .n = 0 };
    uint8_t ha[SH_HASH_BYTES];
    s_chain (&set, a, 1, 300, ha);
    sh_wire_bytes_t ch[300];
    uint64_t idx[300];
    for (size_t i = 0; i < set.n; i++) {
        ch[i] = (sh_wire_bytes_t) { set.data[i], set.len[i] };
        idx[i] = 1000 + i;
    }
    uint8_t salt[32] = { 9 };
    sh_wire_opening_t op = { .change = 299, .field = 1, .salt = salt,
                             .value = (const uint8_t *) "\x0a\x01x", .value_len = 3 };
    sh_wire_msg_t m = { .type = SH_WIRE_PUSH, .u.push = { .batch = 4, .n = set.n, .changes = ch,
                        .n_openings = 1, .openings = &op, .compress = true } };
    uint8_t *buf, *plain;
    size_t len, plain_len;
    SH_PASS (sh_wire_encode (&m, &buf, &len));
    m.u.push.compress = false;
    SH_PASS (sh_wire_encode (&m, &plain, &plain_len));
    printf ("  push of %zu changes: %zu bytes, compressed %zu (%.3f)\n", set.n, plain_len, len,
            (double) len / plain_len);
    SH_CHECK (len * 2 < plain_len);
    sh_wire_msg_t d;
    SH_PASS (sh_wire_decode (&d, buf, len, SH_WIRE_MAX_BYTES, NULL));
    SH_CHECK (d.type == SH_WIRE_PUSH && d.u.push.n == set.n && d.u.push.zlen > 0);
    SH_CHECK (d.u.push.zlen < len && d.u.push.n_openings == 1 && d.u.push.openings[0].change == 299);
    for (size_t i = 0; i < set.n; i++)
        SH_CHECK (d.u.push.changes[i].len == set.len[i]
                  && memcmp (d.u.push.changes[i].data, set.data[i], set.len[i]) == 0);
    sh_wire_msg_fini (&d);
    //  the rebuilt changes count against the decode's limit, not the frame's size
    size_t total = 0;
    for (size_t i = 0; i < set.n; i++)
        total += set.len[i];
    SH_FAIL (sh_wire_decode (&d, buf, len, total - 1, NULL), SH_EPROTO);
    SH_PASS (sh_wire_decode (&d, buf, len, total, NULL));
    sh_wire_msg_fini (&d);
    free (buf);
    //  a plain Push decodes with zlen 0
    SH_PASS (sh_wire_decode (&d, plain, plain_len, SH_WIRE_MAX_BYTES, NULL));
    SH_CHECK (d.u.push.zlen == 0 && d.u.push.n == set.n);
    sh_wire_msg_fini (&d);
    free (plain);
    //  a Batch with one index per change and an opening
    sh_wire_msg_t b = { .type = SH_WIRE_BATCH, .u.batch = { .since = 1, .next = 2000, .n = set.n,
                        .changes = ch, .n_indexes = set.n, .indexes = idx, .n_openings = 1,
                        .openings = &op, .compress = true } };
    SH_PASS (sh_wire_encode (&b, &buf, &len));
    SH_PASS (sh_wire_decode (&d, buf, len, SH_WIRE_MAX_BYTES, NULL));
    SH_CHECK (d.type == SH_WIRE_BATCH && d.u.batch.n == set.n && d.u.batch.n_indexes == set.n);
    SH_CHECK (d.u.batch.indexes[299] == 1299 && d.u.batch.zlen > 0);
    SH_CHECK (memcmp (d.u.batch.changes[150].data, set.data[150], set.len[150]) == 0);
    sh_wire_msg_fini (&d);
    free (buf);
    //  Hello and Welcome carry the choice
    sh_wire_msg_t h = { .type = SH_WIRE_HELLO, .u.hello = { .since = 3, .compress = SH_ZWIRE_ZSTD } };
    SH_PASS (sh_wire_encode (&h, &buf, &len));
    SH_PASS (sh_wire_decode (&d, buf, len, SH_WIRE_MAX_BYTES, NULL));
    SH_CHECK (d.u.hello.compress == SH_ZWIRE_ZSTD);
    sh_wire_msg_fini (&d);
    free (buf);
    s_set_fini (&set);
    sh_key_destroy (&a);
}

static const sh_test_case_t tests[] = {
    { "round trip", test_roundtrip },
    { "bad frames", test_bad_frames },
    { "push and batch", test_wire },
    { NULL, NULL }
};
SH_TEST_MAIN (tests)
