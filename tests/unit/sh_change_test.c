/*  sh_change_test -- encoding, validation, signing and opening of changes.

    Bad bytes are crafted with the generated protobuf-c API (the same schema,
    but none of sh_change's checks), so each decode refusal is tested on
    bytes a real peer could send.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sh_change.h"
#include "sh_crypto.h"
#include "sh_key.h"
#include "sh_test.h"
#include "shouhe/v1/change.pb-c.h"

#define S_PREFIX_LEN (sizeof SH_CHANGE_SIG_PREFIX - 1)

static const uint8_t s_entity[] = "matter-0001";
static const uint8_t s_body[] = { 0x0a, 0x05, 'h', 'e', 'l', 'l', 'o' };
static uint8_t s_big[SH_CHANGE_MAX + 1024];   //  zeros: oversize bodies and inputs

//  --------------------------------------------------------------------------
//  Helpers

//  A valid change by key (seq 1, a PUT with a small body).
static void
s_fixture (sh_change_t *c, const sh_key_t *key)
{
    memset (c, 0, sizeof *c);
    memcpy (c->author, sh_key_public (key), SH_PUBKEY_BYTES);
    c->seq = 1;
    c->hlc = (1700000000000ull << 16) | 3;
    strcpy (c->region, "110105001002");
    c->kind = SH_KIND_MATTER;
    c->entity = s_entity;
    c->entity_len = sizeof s_entity - 1;
    c->op = SH_OP_PUT;
    c->body = s_body;
    c->body_len = sizeof s_body;
}

static sh_key_t *
s_key (uint8_t fill)
{
    uint8_t seed[SH_SEED_BYTES];
    memset (seed, fill, sizeof seed);
    sh_key_t *key = sh_key_from_seed (seed);
    SH_CHECK (key);
    return key;
}

//  The generated message for a change (pointers borrowed from c).
static void
s_to_message (Shouhe__V1__Change *m, sh_change_t *c)
{
    shouhe__v1__change__init (m);
    m->author.data = c->author;
    m->author.len = SH_PUBKEY_BYTES;
    m->seq = c->seq;
    m->prev.data = c->prev;
    m->prev.len = SH_HASH_BYTES;
    m->hlc = c->hlc;
    m->region = c->region;
    m->kind = (Shouhe__V1__EntityKind) c->kind;
    m->entity.data = (uint8_t *) c->entity;
    m->entity.len = c->entity_len;
    m->op = (Shouhe__V1__Op) c->op;
    if (c->body) {
        m->has_body = 1;
        m->body.data = (uint8_t *) c->body;
        m->body.len = c->body_len;
    }
}

//  Pack a generated Change; caller frees.
static uint8_t *
s_pack (const Shouhe__V1__Change *m, size_t *len)
{
    *len = shouhe__v1__change__get_packed_size (m);
    uint8_t *buf = malloc (*len ? *len : 1);
    SH_CHECK (buf);
    SH_CHECK (shouhe__v1__change__pack (m, buf) == *len);
    return buf;
}

//  Pack a SignedChange from parts; caller frees.
static uint8_t *
s_pack_signed (const uint8_t *change, size_t change_len,
               const uint8_t *sig, size_t sig_len, size_t *len)
{
    Shouhe__V1__SignedChange m = SHOUHE__V1__SIGNED_CHANGE__INIT;
    m.change.data = (uint8_t *) change;
    m.change.len = change_len;
    m.signature.data = (uint8_t *) sig;
    m.signature.len = sig_len;
    *len = shouhe__v1__signed_change__get_packed_size (&m);
    uint8_t *buf = malloc (*len);
    SH_CHECK (buf);
    SH_CHECK (shouhe__v1__signed_change__pack (&m, buf) == *len);
    return buf;
}

static bool
s_contains (const char *why, const char *word)
{
    return why && strstr (why, word);
}

static void
s_expect_decode_fails (const uint8_t *bytes, size_t len, const char *word)
{
    sh_change_t c;
    const char *why = NULL;
    SH_FAIL (sh_change_decode (&c, bytes, len, &why), SH_EPROTO);
    if (word ? !s_contains (why, word) : !why) {
        fprintf (stderr, "decode refused with \"%s\", expected it to name \"%s\"\n",
                 why ? why : "(null)", word ? word : "(any)");
        SH_CHECK (false);
    }
    SH_CHECK (c.pb_ == NULL);
    sh_change_fini (&c);   //  harmless
    SH_FAIL (sh_change_decode (&c, bytes, len, NULL), SH_EPROTO);   //  why may be NULL
}

static void
s_expect_same (const sh_change_t *a, const sh_change_t *b)
{
    SH_CHECK (memcmp (a->author, b->author, SH_PUBKEY_BYTES) == 0);
    SH_CHECK (a->seq == b->seq);
    SH_CHECK (memcmp (a->prev, b->prev, SH_HASH_BYTES) == 0);
    SH_CHECK (a->hlc == b->hlc);
    SH_CHECK (strcmp (a->region, b->region) == 0);
    SH_CHECK (a->kind == b->kind);
    SH_CHECK (a->entity_len == b->entity_len);
    SH_CHECK (memcmp (a->entity, b->entity, a->entity_len) == 0);
    SH_CHECK (a->op == b->op);
    SH_CHECK ((a->body == NULL) == (b->body == NULL));
    SH_CHECK (a->body_len == b->body_len);
    if (a->body_len)
        SH_CHECK (memcmp (a->body, b->body, a->body_len) == 0);
}


//  --------------------------------------------------------------------------
//  Encoding and decoding

static void
s_round_trip (const sh_change_t *in)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    SH_PASS (sh_change_encode (in, &bytes, &len));
    SH_CHECK (bytes && len > 0 && len <= SH_CHANGE_MAX);
    sh_change_t out;
    const char *why = NULL;
    SH_PASS (sh_change_decode (&out, bytes, len, &why));
    SH_CHECK (out.pb_ != NULL);
    s_expect_same (in, &out);
    //  Re-encoding what was decoded gives the same bytes.
    uint8_t *again = NULL;
    size_t again_len = 0;
    SH_PASS (sh_change_encode (&out, &again, &again_len));
    SH_CHECK (again_len == len && memcmp (again, bytes, len) == 0);
    sh_change_fini (&out);
    SH_CHECK (out.pb_ == NULL);
    sh_change_fini (&out);   //  idempotent
    free (again);
    free (bytes);
}

static void
test_round_trip (void)
{
    sh_key_t *key = s_key (0x42);
    sh_change_t c;
    s_fixture (&c, key);
    s_round_trip (&c);

    //  Every field away from its fixture value, extremes included.
    c.seq = UINT64_MAX;
    for (size_t i = 0; i < SH_HASH_BYTES; i++)
        c.prev[i] = (uint8_t) (0xff - i);
    c.hlc = UINT64_MAX;
    strcpy (c.region, "110105001002003");   //  15 digits
    c.kind = SH_KIND_EVALUATION;
    uint8_t entity[SH_ENTITY_MAX];
    memset (entity, 0xee, sizeof entity);   //  any bytes, longest
    c.entity = entity;
    c.entity_len = sizeof entity;
    c.op = SH_OP_EVENT;
    s_round_trip (&c);

    //  Smallest values.
    c.seq = 2;
    c.hlc = 0;
    strcpy (c.region, "1");
    c.kind = SH_KIND_REGION;
    c.entity_len = 1;
    s_round_trip (&c);

    //  DELETE has no body; PUT may carry an empty body (present, 0 bytes).
    c.op = SH_OP_DELETE;
    c.body = NULL;
    c.body_len = 0;
    s_round_trip (&c);
    c.op = SH_OP_PUT;
    c.body = s_body;
    c.body_len = 0;
    s_round_trip (&c);

    //  The longest body.
    c.body = s_big;
    c.body_len = SH_BODY_MAX;
    s_round_trip (&c);

    //  Every kind.
    s_fixture (&c, key);
    for (int k = SH_KIND_REGION; k <= SH_KIND_EVALUATION; k++) {
        c.kind = (sh_kind_t) k;
        s_round_trip (&c);
    }
    sh_key_destroy (&key);
}

//  One validation rule: how to break a valid change, and the word in why.
typedef struct {
    const char *name;
    void (*breaker) (sh_change_t *c);
    const char *word;
} s_rule_t;

static uint8_t s_long_entity[SH_ENTITY_MAX + 1];

static void s_seq_zero (sh_change_t *c) { c->seq = 0; }
static void s_prev_nonzero (sh_change_t *c) { c->prev[31] = 1; }
static void s_region_empty (sh_change_t *c) { c->region[0] = '\0'; }
static void s_region_letter (sh_change_t *c) { strcpy (c->region, "11010a"); }
static void s_region_space (sh_change_t *c) { strcpy (c->region, "110 105"); }
static void s_region_sign (sh_change_t *c) { strcpy (c->region, "-110105"); }
static void s_region_unicode (sh_change_t *c) { strcpy (c->region, "\xef\xbc\x91"); }   //  fullwidth 1
static void s_region_long (sh_change_t *c) { memset (c->region, '1', sizeof c->region); }
static void s_kind_zero (sh_change_t *c) { c->kind = SH_KIND_UNSPECIFIED; }
static void s_kind_high (sh_change_t *c) { c->kind = SH_KIND_COUNT; }
static void s_kind_negative (sh_change_t *c) { c->kind = (sh_kind_t) -1; }
static void s_op_zero (sh_change_t *c) { c->op = SH_OP_UNSPECIFIED; }
static void s_op_high (sh_change_t *c) { c->op = (sh_op_t) 5; }
static void s_clock_body (sh_change_t *c) { c->op = SH_OP_CLOCK; c->kind = SH_KIND_UNSPECIFIED;
                                            c->entity = (const uint8_t *) "clock"; c->entity_len = 5; }
static void s_clock_kind (sh_change_t *c) { s_clock_body (c); c->body = NULL; c->body_len = 0;
                                            c->kind = SH_KIND_REGION; }
static void s_clock_entity (sh_change_t *c) { s_clock_body (c); c->body = NULL; c->body_len = 0;
                                              c->entity = (const uint8_t *) "clocks"; c->entity_len = 6; }
static void s_kind_zero_put (sh_change_t *c) { c->kind = SH_KIND_UNSPECIFIED; c->op = SH_OP_PUT; }
static void s_entity_empty (sh_change_t *c) { c->entity_len = 0; }
static void s_entity_long (sh_change_t *c) { c->entity = s_long_entity; c->entity_len = sizeof s_long_entity; }
static void s_body_on_delete (sh_change_t *c) { c->op = SH_OP_DELETE; }
static void s_empty_body_on_delete (sh_change_t *c) { c->op = SH_OP_DELETE; c->body_len = 0; }
static void s_no_body_on_put (sh_change_t *c) { c->body = NULL; c->body_len = 0; }
static void s_no_body_on_event (sh_change_t *c) { c->op = SH_OP_EVENT; c->body = NULL; c->body_len = 0; }
static void s_body_too_long (sh_change_t *c) { c->body = s_big; c->body_len = SH_BODY_MAX + 1; }

static const s_rule_t s_rules[] = {
    { "seq 0", s_seq_zero, "seq" },
    { "seq 1 with prev", s_prev_nonzero, "prev" },
    { "region empty", s_region_empty, "region" },
    { "region letter", s_region_letter, "region" },
    { "region space", s_region_space, "region" },
    { "region sign", s_region_sign, "region" },
    { "region non-ascii digit", s_region_unicode, "region" },
    { "region 16 digits", s_region_long, "region" },
    { "kind 0", s_kind_zero, "kind" },
    { "kind 11", s_kind_high, "kind" },
    { "kind -1", s_kind_negative, "kind" },
    { "op 0", s_op_zero, "op" },
    { "op 5", s_op_high, "op" },
    { "body on clock", s_clock_body, "body" },
    { "clock with kind 1", s_clock_kind, "OP_CLOCK" },
    { "clock with entity clocks", s_clock_entity, "OP_CLOCK" },
    { "kind 0 on put", s_kind_zero_put, "kind" },
    { "entity empty", s_entity_empty, "entity" },
    { "entity 65 bytes", s_entity_long, "entity" },
    { "body on delete", s_body_on_delete, "body" },
    { "empty body on delete", s_empty_body_on_delete, "body" },
    { "no body on put", s_no_body_on_put, "body" },
    { "no body on event", s_no_body_on_event, "body" },
    { "body too long", s_body_too_long, "body" },
};
#define S_RULES (sizeof s_rules / sizeof s_rules[0])

static void
test_encode_refusals (void)
{
    sh_key_t *key = s_key (0x42);
    for (size_t i = 0; i < S_RULES; i++) {
        sh_change_t c;
        s_fixture (&c, key);
        s_rules[i].breaker (&c);
        const char *why = NULL;
        SH_FAIL (sh_change_validate (&c, &why), SH_EPROTO);
        if (!s_contains (why, s_rules[i].word)) {
            fprintf (stderr, "%s: why \"%s\" does not name %s\n",
                     s_rules[i].name, why ? why : "(null)", s_rules[i].word);
            SH_CHECK (false);
        }
        uint8_t *bytes = (uint8_t *) 1;
        size_t len = 1;
        SH_FAIL (sh_change_encode (&c, &bytes, &len), SH_EPROTO);
        SH_CHECK (bytes == NULL && len == 0);
    }
    //  The unbroken fixture passes.
    sh_change_t c;
    s_fixture (&c, key);
    const char *why = NULL;
    SH_PASS (sh_change_validate (&c, &why));
    SH_PASS (sh_change_validate (&c, NULL));
    sh_key_destroy (&key);
}

static void
test_decode_refusals (void)
{
    sh_key_t *key = s_key (0x42);
    //  Each rule, on bytes packed by protobuf-c (no checks of ours).
    for (size_t i = 0; i < S_RULES; i++) {
        if (s_rules[i].breaker == s_region_long)
            continue;   //  needs 16 digits plus NUL: below
        sh_change_t c;
        s_fixture (&c, key);
        s_rules[i].breaker (&c);
        Shouhe__V1__Change m;
        s_to_message (&m, &c);
        size_t len;
        uint8_t *bytes = s_pack (&m, &len);
        s_expect_decode_fails (bytes, len, s_rules[i].word);
        free (bytes);
    }

    //  Rules that cannot even be written into sh_change_t.
    sh_change_t c;
    s_fixture (&c, key);
    Shouhe__V1__Change m;
    size_t len;
    uint8_t *bytes;
    uint8_t wide[SH_PUBKEY_BYTES + 1] = { 0 };

    s_to_message (&m, &c);
    m.region = "1101050010020030";   //  16 digits
    bytes = s_pack (&m, &len);
    s_expect_decode_fails (bytes, len, "region");
    free (bytes);

    s_to_message (&m, &c);
    m.author.len = SH_PUBKEY_BYTES - 1;
    bytes = s_pack (&m, &len);
    s_expect_decode_fails (bytes, len, "author");
    free (bytes);

    s_to_message (&m, &c);
    m.author.data = wide;
    m.author.len = sizeof wide;
    bytes = s_pack (&m, &len);
    s_expect_decode_fails (bytes, len, "author");
    free (bytes);

    s_to_message (&m, &c);
    m.prev.len = SH_HASH_BYTES - 1;
    bytes = s_pack (&m, &len);
    s_expect_decode_fails (bytes, len, "prev");
    free (bytes);

    s_to_message (&m, &c);
    m.prev.data = wide;
    m.prev.len = sizeof wide;
    bytes = s_pack (&m, &len);
    s_expect_decode_fails (bytes, len, "prev");
    free (bytes);

    s_to_message (&m, &c);
    m.entity.len = 0;
    bytes = s_pack (&m, &len);
    s_expect_decode_fails (bytes, len, "entity");
    free (bytes);

    //  A body over SH_BODY_MAX inside an input under SH_CHANGE_MAX.
    s_to_message (&m, &c);
    m.body.data = s_big;
    m.body.len = SH_BODY_MAX + 1;
    bytes = s_pack (&m, &len);
    SH_CHECK (len <= SH_CHANGE_MAX);
    s_expect_decode_fails (bytes, len, "body");
    free (bytes);

    //  An input over SH_CHANGE_MAX is refused before unpacking.
    s_to_message (&m, &c);
    m.body.data = s_big;
    m.body.len = SH_CHANGE_MAX;
    bytes = s_pack (&m, &len);
    SH_CHECK (len > SH_CHANGE_MAX);
    s_expect_decode_fails (bytes, len, "SH_CHANGE_MAX");
    free (bytes);
    s_expect_decode_fails (s_big, SH_CHANGE_MAX + 1, "SH_CHANGE_MAX");

    //  Not a Change at all.
    s_expect_decode_fails ((const uint8_t *) "", 0, "Change");
    s_expect_decode_fails ((const uint8_t *) "garbage, not protobuf", 21, "Change");
    s_expect_decode_fails (s_big, 100, "Change");   //  zeros: field number 0

    //  Every truncation: a cut field, a missing required field, or (cut
    //  just before the body) a PUT without its body.
    s_to_message (&m, &c);
    uint8_t *good = s_pack (&m, &len);
    for (size_t cut = 0; cut < len; cut++)
        s_expect_decode_fails (good, cut, NULL);

    //  Non-canonical encodings of a valid change: a field repeated at the
    //  end (protobuf keeps the last), an over-long varint, a NUL in region.
    uint8_t *odd = malloc (len + 16);
    SH_CHECK (odd);
    memcpy (odd, good, len);
    memcpy (odd + len, "\x10\x01", 2);   //  seq = 1 again
    s_expect_decode_fails (odd, len + 2, "canonical");

    sh_change_t ok;
    SH_PASS (sh_change_decode (&ok, good, len, NULL));
    sh_change_fini (&ok);
    size_t seq_at = 2 + SH_PUBKEY_BYTES;   //  after author's tag, length, 32 bytes
    SH_CHECK (good[seq_at] == 0x10 && good[seq_at + 1] == 0x01);
    memcpy (odd, good, seq_at + 1);
    odd[seq_at + 1] = 0x81;   //  1 as a two-byte varint
    odd[seq_at + 2] = 0x00;
    memcpy (odd + seq_at + 3, good + seq_at + 2, len - seq_at - 2);
    s_expect_decode_fails (odd, len + 1, "canonical");
    free (odd);
    free (good);

    //  Unknown fields in field order after the known ones are canonical
    //  (forward compatibility): a later schema's field 15 is accepted.
    s_to_message (&m, &c);
    good = s_pack (&m, &len);
    odd = malloc (len + 3);
    SH_CHECK (odd);
    memcpy (odd, good, len);
    memcpy (odd + len, "\x78\x07", 2);   //  field 15, varint 7
    SH_PASS (sh_change_decode (&ok, odd, len + 2, NULL));
    sh_change_fini (&ok);
    free (odd);
    free (good);

    //  A NUL inside the region string (protobuf-c would cut it at "110").
    char region[] = "110\0" "105";
    uint8_t region_field[2 + sizeof region - 1];
    region_field[0] = 0x2a;   //  field 5, length-delimited
    region_field[1] = (uint8_t) (sizeof region - 1);
    memcpy (region_field + 2, region, sizeof region - 1);
    s_to_message (&m, &c);
    m.region = "9";
    good = s_pack (&m, &len);
    //  Swap the 3-byte "9" field for the 9-byte one.
    size_t at = 0;
    while (at + 3 <= len && memcmp (good + at, "\x2a\x01" "9", 3) != 0)
        at++;
    SH_CHECK (at + 3 <= len);
    odd = malloc (len + sizeof region_field);
    SH_CHECK (odd);
    memcpy (odd, good, at);
    memcpy (odd + at, region_field, sizeof region_field);
    memcpy (odd + at + sizeof region_field, good + at + 3, len - at - 3);
    s_expect_decode_fails (odd, len - 3 + sizeof region_field, "canonical");
    free (odd);
    free (good);
    sh_key_destroy (&key);
}


//  --------------------------------------------------------------------------
//  Signing and opening

//  A signed fixture change; caller frees both.
static void
s_signed_fixture (const sh_key_t *key, uint8_t **change, size_t *change_len,
                  uint8_t **signed_bytes, size_t *signed_len)
{
    sh_change_t c;
    s_fixture (&c, key);
    SH_PASS (sh_change_encode (&c, change, change_len));
    SH_PASS (sh_change_sign (signed_bytes, signed_len, *change, *change_len, key));
}

static void
s_expect_open_fails (const uint8_t *bytes, size_t len, sh_err code)
{
    sh_change_t c;
    uint8_t hash[SH_HASH_BYTES];
    const char *why = NULL;
    SH_FAIL (sh_change_open (&c, hash, bytes, len, &why), code);
    SH_CHECK (why != NULL);
    SH_CHECK (c.pb_ == NULL);
}

static void
test_sign_open (void)
{
    sh_key_t *key = s_key (0x42);
    uint8_t *change, *signed_bytes;
    size_t change_len, signed_len;
    s_signed_fixture (key, &change, &change_len, &signed_bytes, &signed_len);
    SH_CHECK (signed_len <= SH_SIGNED_MAX);

    sh_change_t c, want;
    uint8_t hash[SH_HASH_BYTES], want_hash[SH_HASH_BYTES];
    const char *why = NULL;
    SH_PASS (sh_change_open (&c, hash, signed_bytes, signed_len, &why));
    s_fixture (&want, key);
    s_expect_same (&c, &want);
    sh_crypto_sha256 (want_hash, change, change_len);
    SH_CHECK (memcmp (hash, want_hash, SH_HASH_BYTES) == 0);
    sh_change_hash (want_hash, change, change_len);
    SH_CHECK (memcmp (hash, want_hash, SH_HASH_BYTES) == 0);
    sh_change_fini (&c);

    //  hash and why may be NULL.
    SH_PASS (sh_change_open (&c, NULL, signed_bytes, signed_len, NULL));
    sh_change_fini (&c);

    //  Unwrap gives back the exact change bytes and a signature that checks.
    uint8_t *inner = NULL;
    size_t inner_len = 0;
    uint8_t sig[SH_SIG_BYTES];
    SH_PASS (sh_change_unwrap (&inner, &inner_len, sig, signed_bytes, signed_len));
    SH_CHECK (inner_len == change_len && memcmp (inner, change, change_len) == 0);
    uint8_t *msg = malloc (S_PREFIX_LEN + change_len);
    SH_CHECK (msg);
    memcpy (msg, SH_CHANGE_SIG_PREFIX, S_PREFIX_LEN);
    memcpy (msg + S_PREFIX_LEN, change, change_len);
    SH_PASS (sh_crypto_verify (sig, msg, S_PREFIX_LEN + change_len, sh_key_public (key)));
    free (msg);
    free (inner);

    //  Signing is deterministic.
    uint8_t *again;
    size_t again_len;
    SH_PASS (sh_change_sign (&again, &again_len, change, change_len, key));
    SH_CHECK (again_len == signed_len && memcmp (again, signed_bytes, signed_len) == 0);
    free (again);

    free (signed_bytes);
    free (change);
    sh_key_destroy (&key);
}

//  sh_change_held_fn of the test: records what it was asked, answers *arg.
typedef struct {
    bool answer;
    int calls;
    uint8_t author[SH_PUBKEY_BYTES];
    uint64_t seq;
    const uint8_t *bytes;
    size_t len;
} s_held_t;

static bool
s_held (const uint8_t author[SH_PUBKEY_BYTES], uint64_t seq, const uint8_t *signed_bytes, size_t signed_len,
        void *arg)
{
    s_held_t *h = arg;
    h->calls++;
    memcpy (h->author, author, SH_PUBKEY_BYTES);
    h->seq = seq;
    h->bytes = signed_bytes;
    h->len = signed_len;
    return h->answer;
}

//  A change held byte for byte is not verified again: a signature that
//  does not verify passes only when the holder says it holds those bytes.
static void
test_open_held (void)
{
    sh_key_t *key = s_key (0x42);
    uint8_t *change, *signed_bytes;
    size_t change_len, signed_len;
    s_signed_fixture (key, &change, &change_len, &signed_bytes, &signed_len);
    signed_bytes[signed_len - 1] ^= 0x01;           //  a SignedChange ends with its signature
    sh_change_t c, want;
    uint8_t hash[SH_HASH_BYTES], want_hash[SH_HASH_BYTES];
    s_held_t h = { .answer = false };
    SH_FAIL (sh_change_open_held (&c, hash, signed_bytes, signed_len, s_held, &h, NULL), SH_ECRYPTO);
    s_fixture (&want, key);
    SH_CHECK (h.calls == 1 && h.seq == want.seq && !memcmp (h.author, sh_key_public (key), SH_PUBKEY_BYTES));
    SH_CHECK (h.bytes == signed_bytes && h.len == signed_len);
    h.answer = true;
    SH_PASS (sh_change_open_held (&c, hash, signed_bytes, signed_len, s_held, &h, NULL));
    s_expect_same (&c, &want);
    sh_change_hash (want_hash, change, change_len);
    SH_CHECK (!memcmp (hash, want_hash, SH_HASH_BYTES));
    sh_change_fini (&c);
    SH_FAIL (sh_change_open_held (&c, hash, signed_bytes, signed_len, NULL, NULL, NULL), SH_ECRYPTO);
    free (signed_bytes);
    free (change);
    sh_key_destroy (&key);
}

static void
test_sign_refusals (void)
{
    sh_key_t *key = s_key (0x42);
    sh_key_t *other = s_key (0x43);
    sh_change_t c;
    s_fixture (&c, key);
    uint8_t *change;
    size_t change_len;
    SH_PASS (sh_change_encode (&c, &change, &change_len));

    //  Nobody signs a change that names another author.
    uint8_t *out = (uint8_t *) 1;
    size_t out_len = 1;
    SH_FAIL (sh_change_sign (&out, &out_len, change, change_len, other), SH_EINVAL);
    SH_CHECK (out == NULL && out_len == 0);

    //  Nor bytes that are not a valid change.
    SH_FAIL (sh_change_sign (&out, &out_len, change, change_len - 1, key), SH_EPROTO);
    SH_CHECK (out == NULL && out_len == 0);
    free (change);
    sh_key_destroy (&key);
    sh_key_destroy (&other);
}

static void
test_open_refusals (void)
{
    sh_key_t *key = s_key (0x42);
    sh_key_t *other = s_key (0x43);
    uint8_t *change, *good;
    size_t change_len, good_len;
    s_signed_fixture (key, &change, &change_len, &good, &good_len);
    uint8_t sig[SH_SIG_BYTES];
    uint8_t *inner;
    size_t inner_len;
    SH_PASS (sh_change_unwrap (&inner, &inner_len, sig, good, good_len));
    free (inner);
    uint8_t *bad = malloc (SH_SIGNED_MAX + 2);
    SH_CHECK (bad);
    size_t len;

    //  A flipped byte in the change's body (still parses): bad signature.
    uint8_t *tampered = malloc (change_len);
    SH_CHECK (tampered);
    memcpy (tampered, change, change_len);
    tampered[change_len - 1] ^= 0x01;   //  last byte of the body
    uint8_t *sc = s_pack_signed (tampered, change_len, sig, sizeof sig, &len);
    s_expect_open_fails (sc, len, SH_ECRYPTO);
    free (sc);

    //  ... or in hlc, seq, or the author itself.
    for (size_t at = 2; at < change_len; at += 7) {
        memcpy (tampered, change, change_len);
        tampered[at] ^= 0x20;
        sc = s_pack_signed (tampered, change_len, sig, sizeof sig, &len);
        sh_change_t c;
        SH_CHECK (sh_change_open (&c, NULL, sc, len, NULL) != SH_OK);
        SH_CHECK (c.pb_ == NULL);
        free (sc);
    }
    free (tampered);

    //  A flipped byte in the signature.
    for (size_t i = 0; i < SH_SIG_BYTES; i++) {
        memcpy (bad, good, good_len);
        bad[good_len - SH_SIG_BYTES + i] ^= 0x80;
        s_expect_open_fails (bad, good_len, SH_ECRYPTO);
    }

    //  Every single flipped bit anywhere: never SH_OK, never a leak.
    for (size_t i = 0; i < good_len; i++)
        for (int bit = 0; bit < 8; bit++) {
            memcpy (bad, good, good_len);
            bad[i] ^= (uint8_t) (1u << bit);
            sh_change_t c;
            const char *why = NULL;
            sh_err rc = sh_change_open (&c, NULL, bad, good_len, &why);
            SH_CHECK (rc == SH_EPROTO || rc == SH_ECRYPTO);
            SH_CHECK (why != NULL && c.pb_ == NULL);
        }

    //  Signed by another key (the author field still names key).
    uint8_t other_sig[SH_SIG_BYTES];
    SH_PASS (sh_key_sign (other, other_sig, (const uint8_t *) SH_CHANGE_SIG_PREFIX,
                          S_PREFIX_LEN, change, change_len));
    sc = s_pack_signed (change, change_len, other_sig, sizeof other_sig, &len);
    s_expect_open_fails (sc, len, SH_ECRYPTO);
    free (sc);

    //  Signed by the right key but without the domain-separation prefix.
    uint8_t bare_sig[SH_SIG_BYTES];
    SH_PASS (sh_key_sign (key, bare_sig, NULL, 0, change, change_len));
    sc = s_pack_signed (change, change_len, bare_sig, sizeof bare_sig, &len);
    s_expect_open_fails (sc, len, SH_ECRYPTO);
    free (sc);

    //  Signature of the wrong length.
    sc = s_pack_signed (change, change_len, sig, SH_SIG_BYTES - 1, &len);
    s_expect_open_fails (sc, len, SH_EPROTO);
    free (sc);

    //  Truncated at every length, empty, garbage.
    for (size_t cut = 0; cut < good_len; cut++)
        s_expect_open_fails (good, cut, SH_EPROTO);
    s_expect_open_fails ((const uint8_t *) "", 0, SH_EPROTO);
    s_expect_open_fails ((const uint8_t *) "\x0a\x03" "abc" "\x12\x40", 7, SH_EPROTO);
    s_expect_open_fails ((const uint8_t *) "this is not a signed change", 27, SH_EPROTO);

    //  A validly signed SignedChange whose change is empty or not a Change.
    uint8_t junk_sig[SH_SIG_BYTES];
    SH_PASS (sh_key_sign (key, junk_sig, (const uint8_t *) SH_CHANGE_SIG_PREFIX,
                          S_PREFIX_LEN, (const uint8_t *) "junk", 4));
    sc = s_pack_signed ((const uint8_t *) "junk", 4, junk_sig, sizeof junk_sig, &len);
    s_expect_open_fails (sc, len, SH_EPROTO);
    free (sc);
    sc = s_pack_signed ((const uint8_t *) "", 0, junk_sig, sizeof junk_sig, &len);
    s_expect_open_fails (sc, len, SH_EPROTO);
    free (sc);

    //  Oversize input: refused on size alone (all zeros would not parse
    //  either, so also a well-formed one with an oversize change).
    s_expect_open_fails (s_big, SH_SIGNED_MAX + 1, SH_EPROTO);
    sc = s_pack_signed (s_big, SH_CHANGE_MAX + 1, sig, sizeof sig, &len);
    SH_CHECK (len <= SH_SIGNED_MAX);
    s_expect_open_fails (sc, len, SH_EPROTO);
    free (sc);
    memset (bad, 0, SH_SIGNED_MAX + 2);
    sc = s_pack_signed (bad, SH_SIGNED_MAX, sig, sizeof sig, &len);
    SH_CHECK (len > SH_SIGNED_MAX);
    sh_change_t c;
    const char *why = NULL;
    SH_FAIL (sh_change_open (&c, NULL, sc, len, &why), SH_EPROTO);
    SH_CHECK (s_contains (why, "SH_SIGNED_MAX"));
    uint8_t *out;
    size_t out_len;
    SH_FAIL (sh_change_unwrap (&out, &out_len, sig, sc, len), SH_EPROTO);
    free (sc);

    //  A correctly signed change that breaks a rule is still refused.
    sh_change_t bent;
    s_fixture (&bent, key);
    Shouhe__V1__Change m;
    s_to_message (&m, &bent);
    m.region = "11010a";
    size_t bent_len;
    uint8_t *bent_bytes = s_pack (&m, &bent_len);
    uint8_t bent_sig[SH_SIG_BYTES];
    SH_PASS (sh_key_sign (key, bent_sig, (const uint8_t *) SH_CHANGE_SIG_PREFIX,
                          S_PREFIX_LEN, bent_bytes, bent_len));
    sc = s_pack_signed (bent_bytes, bent_len, bent_sig, sizeof bent_sig, &len);
    why = NULL;
    SH_FAIL (sh_change_open (&c, NULL, sc, len, &why), SH_EPROTO);
    SH_CHECK (s_contains (why, "region"));
    free (sc);
    free (bent_bytes);

    //  Trailing bytes after a good SignedChange (an unknown field) and a
    //  repeated signature field: not canonical.
    memcpy (bad, good, good_len);
    memcpy (bad + good_len, "\x12\x40", 2);
    memcpy (bad + good_len + 2, sig, sizeof sig);
    s_expect_open_fails (bad, good_len + 2 + sizeof sig, SH_EPROTO);

    free (bad);
    free (good);
    free (change);
    sh_key_destroy (&key);
    sh_key_destroy (&other);
}


//  --------------------------------------------------------------------------
//  Chains

static void
test_follows (void)
{
    sh_key_t *key = s_key (0x42);
    sh_change_t first;
    s_fixture (&first, key);
    uint8_t zero[SH_HASH_BYTES] = { 0 };
    SH_PASS (sh_change_follows (&first, 0, zero));
    SH_PASS (sh_change_follows (&first, 0, NULL));

    uint8_t *bytes;
    size_t len;
    SH_PASS (sh_change_encode (&first, &bytes, &len));
    uint8_t h1[SH_HASH_BYTES];
    sh_change_hash (h1, bytes, len);
    free (bytes);

    sh_change_t second;
    s_fixture (&second, key);
    second.seq = 2;
    memcpy (second.prev, h1, SH_HASH_BYTES);
    SH_PASS (sh_change_follows (&second, 1, h1));

    //  A gap, a replay, and a change on an empty chain that is not first.
    SH_FAIL (sh_change_follows (&second, 0, zero), SH_ECHAIN);
    sh_change_t third = second;
    third.seq = 3;
    SH_FAIL (sh_change_follows (&third, 1, h1), SH_ECHAIN);   //  gap
    SH_FAIL (sh_change_follows (&first, 1, h1), SH_ECHAIN);   //  replay of seq 1
    SH_FAIL (sh_change_follows (&second, 2, h1), SH_ECHAIN);  //  replay

    //  The right seq with a wrong prev.
    uint8_t h_wrong[SH_HASH_BYTES];
    memcpy (h_wrong, h1, SH_HASH_BYTES);
    h_wrong[0] ^= 1;
    SH_FAIL (sh_change_follows (&second, 1, h_wrong), SH_ECHAIN);
    second.prev[31] ^= 1;
    SH_FAIL (sh_change_follows (&second, 1, h1), SH_ECHAIN);

    //  seq 1 whose prev is not zero (never validates, but follows must
    //  not accept it either).
    first.prev[0] = 1;
    SH_FAIL (sh_change_follows (&first, 0, zero), SH_ECHAIN);

    //  The end of the seq range does not wrap.
    sh_change_t last = second;
    memcpy (last.prev, h1, SH_HASH_BYTES);
    last.seq = 0;
    SH_FAIL (sh_change_follows (&last, UINT64_MAX, h1), SH_ECHAIN);
    last.seq = UINT64_MAX;
    SH_PASS (sh_change_follows (&last, UINT64_MAX - 1, h1));
    SH_FAIL (sh_change_follows (&last, UINT64_MAX, h1), SH_ECHAIN);
    sh_key_destroy (&key);
}


//  --------------------------------------------------------------------------
//  Known answer and names

/*  A change signature computed without libsodium. Inputs: seed = bytes
    0x01..0x20; the fixture change (seq 1, zero prev, hlc = 1700000000000 <<
    16 | 3, region "110105001002", kind MATTER, entity "matter-0001", op PUT,
    body 0a 05 "hello") by that key. Produced on Debian 12 with:

    seed=0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20
    echo 302e020100300506032b657004220420$seed | xxd -r -p > kat.der   # PKCS#8
    openssl pkey -inform DER -in kat.der -pubout -outform DER | tail -c 32 > kat.pub
    # kat.change: the Change encoded by hand in Python (varint and
    # length-delimited fields 1..9 in order), author = kat.pub
    sha256sum kat.change
    (printf 'shouhe/v1/change\n'; cat kat.change) > kat.msg
    openssl pkeyutl -sign -rawin -inkey kat.der -keyform DER -in kat.msg | xxd -p -c 128
    (OpenSSL 3.0; the signature also verified with `openssl pkeyutl -verify`.)
*/
#define S_KAT_PUB \
    "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664"
#define S_KAT_CHANGE \
    "0a2079b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664" \
    "10011a2000000000000000000000000000000000000000000000000000000000000000" \
    "0020838080c0d6fcf3c5012a0c31313031303530303130303230053a0b6d6174746572" \
    "2d3030303140014a070a0568656c6c6f"
#define S_KAT_HASH \
    "1ccdb7c166f8bb4bef47351d092766ecfbaba81565d1dff2d8b0680b259dbe72"
#define S_KAT_SIG \
    "b3c21eaa249fe2fd9df13726af85539a717006bb37073ddb933036923e799f80" \
    "b05d743305567933a68a50e77d27693afa3e06a71e85f27eb3ba0c8f4e420009"

static void
test_signature_kat (void)
{
    uint8_t seed[SH_SEED_BYTES];
    for (size_t i = 0; i < sizeof seed; i++)
        seed[i] = (uint8_t) (i + 1);
    sh_key_t *key = sh_key_from_seed (seed);
    SH_CHECK (key);
    uint8_t want_pub[SH_PUBKEY_BYTES];
    SH_PASS (sh_crypto_unhex (want_pub, sizeof want_pub, S_KAT_PUB));
    SH_CHECK (memcmp (sh_key_public (key), want_pub, SH_PUBKEY_BYTES) == 0);

    //  Our encoder writes exactly the hand-encoded bytes.
    sh_change_t c;
    s_fixture (&c, key);
    uint8_t *change;
    size_t change_len;
    SH_PASS (sh_change_encode (&c, &change, &change_len));
    uint8_t want_change[sizeof S_KAT_CHANGE / 2];
    SH_CHECK (change_len == sizeof want_change);
    SH_PASS (sh_crypto_unhex (want_change, sizeof want_change, S_KAT_CHANGE));
    SH_CHECK (memcmp (change, want_change, change_len) == 0);

    uint8_t hash[SH_HASH_BYTES], want_hash[SH_HASH_BYTES];
    sh_change_hash (hash, change, change_len);
    SH_PASS (sh_crypto_unhex (want_hash, sizeof want_hash, S_KAT_HASH));
    SH_CHECK (memcmp (hash, want_hash, SH_HASH_BYTES) == 0);

    uint8_t *signed_bytes;
    size_t signed_len;
    SH_PASS (sh_change_sign (&signed_bytes, &signed_len, change, change_len, key));
    uint8_t *inner;
    size_t inner_len;
    uint8_t sig[SH_SIG_BYTES], want_sig[SH_SIG_BYTES];
    SH_PASS (sh_change_unwrap (&inner, &inner_len, sig, signed_bytes, signed_len));
    SH_PASS (sh_crypto_unhex (want_sig, sizeof want_sig, S_KAT_SIG));
    SH_CHECK (memcmp (sig, want_sig, SH_SIG_BYTES) == 0);

    //  The SignedChange is field 1 (change, 120 bytes) then field 2
    //  (signature, 64 bytes), nothing else.
    SH_CHECK (change_len == 120);
    SH_CHECK (signed_len == 2 + change_len + 2 + SH_SIG_BYTES);
    SH_CHECK (signed_bytes[0] == 0x0a && signed_bytes[1] == 120);
    SH_CHECK (memcmp (signed_bytes + 2, want_change, change_len) == 0);
    SH_CHECK (signed_bytes[2 + change_len] == 0x12 && signed_bytes[3 + change_len] == 0x40);
    SH_CHECK (memcmp (signed_bytes + 4 + change_len, want_sig, SH_SIG_BYTES) == 0);

    //  And the constant bytes open.
    sh_change_t opened;
    SH_PASS (sh_change_open (&opened, hash, signed_bytes, signed_len, NULL));
    SH_CHECK (memcmp (hash, want_hash, SH_HASH_BYTES) == 0);
    s_expect_same (&opened, &c);
    sh_change_fini (&opened);

    free (inner);
    free (signed_bytes);
    free (change);
    sh_key_destroy (&key);
}

static void
test_enums_and_names (void)
{
    //  Our values equal the generated ones (also a _Static_assert in sh_change.c).
    SH_CHECK ((int) SH_KIND_UNSPECIFIED == (int) SHOUHE__V1__ENTITY_KIND__KIND_UNSPECIFIED);
    SH_CHECK ((int) SH_KIND_REGION == (int) SHOUHE__V1__ENTITY_KIND__KIND_REGION);
    SH_CHECK ((int) SH_KIND_COURTYARD == (int) SHOUHE__V1__ENTITY_KIND__KIND_COURTYARD);
    SH_CHECK ((int) SH_KIND_PERSON == (int) SHOUHE__V1__ENTITY_KIND__KIND_PERSON);
    SH_CHECK ((int) SH_KIND_ROLE == (int) SHOUHE__V1__ENTITY_KIND__KIND_ROLE);
    SH_CHECK ((int) SH_KIND_MATTER == (int) SHOUHE__V1__ENTITY_KIND__KIND_MATTER);
    SH_CHECK ((int) SH_KIND_MATTER_EVENT == (int) SHOUHE__V1__ENTITY_KIND__KIND_MATTER_EVENT);
    SH_CHECK ((int) SH_KIND_MEETING == (int) SHOUHE__V1__ENTITY_KIND__KIND_MEETING);
    SH_CHECK ((int) SH_KIND_MEDIATION == (int) SHOUHE__V1__ENTITY_KIND__KIND_MEDIATION);
    SH_CHECK ((int) SH_KIND_LEDGER == (int) SHOUHE__V1__ENTITY_KIND__KIND_LEDGER);
    SH_CHECK ((int) SH_KIND_EVALUATION == (int) SHOUHE__V1__ENTITY_KIND__KIND_EVALUATION);
    SH_CHECK ((int) SH_OP_UNSPECIFIED == (int) SHOUHE__V1__OP__OP_UNSPECIFIED);
    SH_CHECK ((int) SH_OP_PUT == (int) SHOUHE__V1__OP__OP_PUT);
    SH_CHECK ((int) SH_OP_DELETE == (int) SHOUHE__V1__OP__OP_DELETE);
    SH_CHECK ((int) SH_OP_EVENT == (int) SHOUHE__V1__OP__OP_EVENT);
    //  Every value of the schema's enums is covered by ours.
    SH_CHECK (shouhe__v1__entity_kind__descriptor.n_values == SH_KIND_COUNT);
    SH_CHECK (shouhe__v1__op__descriptor.n_values == SH_OP_CLOCK + 1);

    SH_CHECK (strcmp (sh_change_kind_name (SH_KIND_COURTYARD), "courtyard") == 0);
    SH_CHECK (strcmp (sh_change_kind_name (SH_KIND_MATTER_EVENT), "matter_event") == 0);
    SH_CHECK (strcmp (sh_change_kind_name (SH_KIND_EVALUATION), "evaluation") == 0);
    SH_CHECK (strcmp (sh_change_kind_name (SH_KIND_UNSPECIFIED), "unknown") == 0);
    SH_CHECK (strcmp (sh_change_kind_name (SH_KIND_COUNT), "unknown") == 0);
    SH_CHECK (strcmp (sh_change_kind_name ((sh_kind_t) -1), "unknown") == 0);
    SH_CHECK (strcmp (sh_change_op_name (SH_OP_PUT), "put") == 0);
    SH_CHECK (strcmp (sh_change_op_name (SH_OP_DELETE), "delete") == 0);
    SH_CHECK (strcmp (sh_change_op_name (SH_OP_EVENT), "event") == 0);
    SH_CHECK (strcmp (sh_change_op_name (SH_OP_UNSPECIFIED), "unknown") == 0);
    SH_CHECK (strcmp (sh_change_op_name ((sh_op_t) 9), "unknown") == 0);
    //  Each kind's name is the schema's value name, lower-cased, minus KIND_.
    for (int k = SH_KIND_REGION; k <= SH_KIND_EVALUATION; k++) {
        const ProtobufCEnumValue *v =
            protobuf_c_enum_descriptor_get_value (&shouhe__v1__entity_kind__descriptor, k);
        SH_CHECK (v);
        char lower[32];
        size_t i = 0;
        for (const char *p = v->name + 5; *p && i < sizeof lower - 1; p++)
            lower[i++] = (char) (*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        lower[i] = '\0';
        SH_CHECK (strcmp (sh_change_kind_name ((sh_kind_t) k), lower) == 0);
    }
}

static const sh_test_case_t tests[] = {
    { "round trip", test_round_trip },
    { "encode refusals", test_encode_refusals },
    { "decode refusals", test_decode_refusals },
    { "sign and open", test_sign_open },
    { "open held", test_open_held },
    { "sign refusals", test_sign_refusals },
    { "open refusals", test_open_refusals },
    { "follows", test_follows },
    { "signature kat", test_signature_kat },
    { "enums and names", test_enums_and_names },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
