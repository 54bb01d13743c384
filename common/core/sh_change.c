/*  sh_change -- the signed change (docs/protocol.md, "The change").

    Bytes from a peer or from disk go through, in this order: a size check
    before anything is unpacked, protobuf-c unpack, a canonical-encoding check
    (re-packing the message must give back the very same bytes), conversion
    into sh_change_t and validation. Unpacked messages are freed on every
    path. sh_change_open reads only the author out of the change before the
    signature over the exact bytes has verified.
*/
#include "sh_change.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sh_i18n.h"

#include "shouhe/v1/change.pb-c.h"

//  Our enums mirror the generated ones value for value (different enum
//  types: compare as int).
#define S_SAME_VALUE(ours, generated) \
    _Static_assert ((int) (ours) == (int) (generated), #ours " == " #generated)
S_SAME_VALUE (SH_KIND_UNSPECIFIED, SHOUHE__V1__ENTITY_KIND__KIND_UNSPECIFIED);
S_SAME_VALUE (SH_KIND_REGION, SHOUHE__V1__ENTITY_KIND__KIND_REGION);
S_SAME_VALUE (SH_KIND_COURTYARD, SHOUHE__V1__ENTITY_KIND__KIND_COURTYARD);
S_SAME_VALUE (SH_KIND_PERSON, SHOUHE__V1__ENTITY_KIND__KIND_PERSON);
S_SAME_VALUE (SH_KIND_ROLE, SHOUHE__V1__ENTITY_KIND__KIND_ROLE);
S_SAME_VALUE (SH_KIND_MATTER, SHOUHE__V1__ENTITY_KIND__KIND_MATTER);
S_SAME_VALUE (SH_KIND_MATTER_EVENT, SHOUHE__V1__ENTITY_KIND__KIND_MATTER_EVENT);
S_SAME_VALUE (SH_KIND_MEETING, SHOUHE__V1__ENTITY_KIND__KIND_MEETING);
S_SAME_VALUE (SH_KIND_MEDIATION, SHOUHE__V1__ENTITY_KIND__KIND_MEDIATION);
S_SAME_VALUE (SH_KIND_LEDGER, SHOUHE__V1__ENTITY_KIND__KIND_LEDGER);
S_SAME_VALUE (SH_KIND_EVALUATION, SHOUHE__V1__ENTITY_KIND__KIND_EVALUATION);
S_SAME_VALUE (SH_KIND_COUNT, SHOUHE__V1__ENTITY_KIND__KIND_EVALUATION + 1);
S_SAME_VALUE (SH_OP_UNSPECIFIED, SHOUHE__V1__OP__OP_UNSPECIFIED);
S_SAME_VALUE (SH_OP_PUT, SHOUHE__V1__OP__OP_PUT);
S_SAME_VALUE (SH_OP_DELETE, SHOUHE__V1__OP__OP_DELETE);
S_SAME_VALUE (SH_OP_EVENT, SHOUHE__V1__OP__OP_EVENT);
_Static_assert (sizeof SH_CHANGE_SIG_PREFIX - 1 == 17, "signature prefix is 17 bytes");

#define S_PREFIX_LEN (sizeof SH_CHANGE_SIG_PREFIX - 1)

//  Non-NULL body pointer for a present but empty body (protobuf-c hands out
//  NULL data for zero-length bytes).
static const uint8_t s_empty_body[1];

static const char *const s_kind_names[SH_KIND_COUNT] = {
    [SH_KIND_UNSPECIFIED] = "unspecified",
    [SH_KIND_REGION] = "region",
    [SH_KIND_COURTYARD] = "courtyard",
    [SH_KIND_PERSON] = "person",
    [SH_KIND_ROLE] = "role",
    [SH_KIND_MATTER] = "matter",
    [SH_KIND_MATTER_EVENT] = "matter_event",
    [SH_KIND_MEETING] = "meeting",
    [SH_KIND_MEDIATION] = "mediation",
    [SH_KIND_LEDGER] = "ledger",
    [SH_KIND_EVALUATION] = "evaluation",
};

static sh_err s_fail (const char **why, const char *reason);
static bool s_is_zero (const uint8_t *buf, size_t len);
static bool s_is_canonical (const ProtobufCMessage *msg, const uint8_t *bytes, size_t len);
static sh_err s_from_message (sh_change_t *self, Shouhe__V1__Change *msg,
                              const uint8_t *bytes, size_t len, const char **why);


//  --------------------------------------------------------------------------
//  Validation

sh_err
sh_change_validate (const sh_change_t *self, const char **why)
{
    assert (self);
    if (self->seq < 1)
        return s_fail (why, _("seq must be >= 1"));
    if (self->seq == 1 && !s_is_zero (self->prev, sizeof self->prev))
        return s_fail (why, _("prev must be all zero for seq 1"));

    size_t region_len = strnlen (self->region, sizeof self->region);
    if (region_len < 1 || region_len > SH_REGION_MAX)
        return s_fail (why, _("region must be 1..15 digits"));
    for (size_t i = 0; i < region_len; i++)
        if (self->region[i] < '0' || self->region[i] > '9')
            return s_fail (why, _("region must be 1..15 digits"));

    if (self->kind > SH_KIND_EVALUATION || (self->kind < SH_KIND_REGION && self->op != SH_OP_CLOCK))
        return s_fail (why, _("kind must be 1..10"));
    if (self->op < SH_OP_PUT || self->op > SH_OP_CLOCK)
        return s_fail (why, _("op must be 1..4"));
    if (!self->entity || self->entity_len < 1 || self->entity_len > SH_ENTITY_MAX)
        return s_fail (why, _("entity must be 1..64 bytes"));

    if (self->op == SH_OP_DELETE || self->op == SH_OP_CLOCK) {
        if (self->body || self->body_len)
            return s_fail (why, _("body must be absent for OP_DELETE and OP_CLOCK"));
        if (self->op == SH_OP_CLOCK
        &&  (self->kind != SH_KIND_UNSPECIFIED || self->entity_len != SH_CHANGE_CLOCK_ENTITY_LEN
             || memcmp (self->entity, SH_CHANGE_CLOCK_ENTITY, SH_CHANGE_CLOCK_ENTITY_LEN) != 0))
            return s_fail (why, _("an OP_CLOCK change must have kind 0 and entity \"clock\""));
    }
    else {
        if (!self->body)
            return s_fail (why, _("body is required for OP_PUT and OP_EVENT"));
        if (self->body_len > SH_BODY_MAX)
            return s_fail (why, _("body must be at most 65536 bytes"));
    }
    if (self->n_seals > 0 && !self->body)
        return s_fail (why, _("seals are allowed only with a body (OP_PUT, OP_EVENT)"));
    if (self->n_seals > SH_SEALS_MAX)
        return s_fail (why, _("at most 8 seals"));
    for (size_t i = 0; i < self->n_seals; i++)
        if (self->seals[i].field < 1 || self->seals[i].field > 0x1fffffff
        ||  (i > 0 && self->seals[i].field <= self->seals[i - 1].field))
            return s_fail (why, _("seals must name distinct field numbers 1..536870911 in ascending order"));
    return SH_OK;
}


//  --------------------------------------------------------------------------
//  Encoding and decoding

sh_err
sh_change_encode (const sh_change_t *self, uint8_t **out, size_t *out_len)
{
    assert (self);
    assert (out);
    assert (out_len);
    *out = NULL;
    *out_len = 0;
    sh_err rc = sh_change_validate (self, NULL);
    if (rc)
        return rc;

    //  A view of self; packing only reads it.
    Shouhe__V1__Change msg = SHOUHE__V1__CHANGE__INIT;
    msg.author.data = (uint8_t *) self->author;
    msg.author.len = sizeof self->author;
    msg.seq = self->seq;
    msg.prev.data = (uint8_t *) self->prev;
    msg.prev.len = sizeof self->prev;
    msg.hlc = self->hlc;
    msg.region = (char *) self->region;
    msg.kind = (Shouhe__V1__EntityKind) self->kind;
    msg.entity.data = (uint8_t *) self->entity;
    msg.entity.len = self->entity_len;
    msg.op = (Shouhe__V1__Op) self->op;
    if (self->body) {
        msg.has_body = 1;
        msg.body.data = (uint8_t *) self->body;
        msg.body.len = self->body_len;
    }
    Shouhe__V1__Seal seals[SH_SEALS_MAX], *seal_ptrs[SH_SEALS_MAX];
    for (size_t i = 0; i < self->n_seals; i++) {
        shouhe__v1__seal__init (&seals[i]);
        seals[i].field = self->seals[i].field;
        seals[i].commitment.data = (uint8_t *) self->seals[i].commitment;
        seals[i].commitment.len = SH_HASH_BYTES;
        seal_ptrs[i] = &seals[i];
    }
    msg.n_seals = self->n_seals;
    msg.seals = self->n_seals ? seal_ptrs : NULL;
    size_t size = shouhe__v1__change__get_packed_size (&msg);
    assert (size > 0 && size <= SH_CHANGE_MAX);   //  follows from validation
    uint8_t *buf = malloc (size);
    if (!buf)
        return SH_ENOMEM;
    size_t packed = shouhe__v1__change__pack (&msg, buf);
    assert (packed == size);
    *out = buf;
    *out_len = packed;
    return SH_OK;
}

sh_err
sh_change_decode (sh_change_t *self, const uint8_t *bytes, size_t len, const char **why)
{
    assert (self);
    assert (bytes || len == 0);
    memset (self, 0, sizeof *self);
    if (len > SH_CHANGE_MAX)
        return s_fail (why, _("change exceeds SH_CHANGE_MAX bytes"));
    Shouhe__V1__Change *msg = shouhe__v1__change__unpack (NULL, len, bytes);
    if (!msg)
        return s_fail (why, _("change is not a valid Change message"));
    return s_from_message (self, msg, bytes, len, why);
}

void
sh_change_fini (sh_change_t *self)
{
    assert (self);
    if (self->pb_) {
        shouhe__v1__change__free_unpacked (self->pb_, NULL);
        self->pb_ = NULL;
        self->entity = NULL;
        self->entity_len = 0;
        self->body = NULL;
        self->body_len = 0;
    }
}

void
sh_change_hash (uint8_t hash[SH_HASH_BYTES], const uint8_t *change, size_t change_len)
{
    sh_crypto_sha256 (hash, change, change_len);
}

//  Takes msg: on success self owns it, on failure it is freed.
static sh_err
s_from_message (sh_change_t *self, Shouhe__V1__Change *msg,
                const uint8_t *bytes, size_t len, const char **why)
{
    const char *reason = NULL;
    if (!s_is_canonical (&msg->base, bytes, len))
        reason = _("change is not canonically encoded");
    else
    if (msg->author.len != SH_PUBKEY_BYTES)
        reason = _("author must be 32 bytes");
    else
    if (msg->prev.len != SH_HASH_BYTES)
        reason = _("prev must be 32 bytes");
    else
    if (!msg->region || strlen (msg->region) > SH_REGION_MAX)
        reason = _("region must be 1..15 digits");
    if (reason) {
        shouhe__v1__change__free_unpacked (msg, NULL);
        return s_fail (why, reason);
    }
    sh_change_t change = { .pb_ = NULL };
    memcpy (change.author, msg->author.data, SH_PUBKEY_BYTES);
    change.seq = msg->seq;
    memcpy (change.prev, msg->prev.data, SH_HASH_BYTES);
    change.hlc = msg->hlc;
    strcpy (change.region, msg->region);   //  length checked above
    change.kind = (sh_kind_t) msg->kind;
    change.entity = msg->entity.data;
    change.entity_len = msg->entity.len;
    change.op = (sh_op_t) msg->op;
    if (msg->has_body) {
        change.body = msg->body.len ? msg->body.data : s_empty_body;
        change.body_len = msg->body.len;
    }
    if (msg->n_seals > SH_SEALS_MAX) {
        shouhe__v1__change__free_unpacked (msg, NULL);
        return s_fail (why, _("at most 8 seals"));
    }
    for (size_t i = 0; i < msg->n_seals; i++) {
        if (msg->seals[i]->commitment.len != SH_HASH_BYTES) {
            shouhe__v1__change__free_unpacked (msg, NULL);
            return s_fail (why, _("a seal's commitment must be 32 bytes"));
        }
        change.seals[i].field = msg->seals[i]->field;
        memcpy (change.seals[i].commitment, msg->seals[i]->commitment.data, SH_HASH_BYTES);
    }
    change.n_seals = msg->n_seals;
    sh_err rc = sh_change_validate (&change, why);
    if (rc) {
        shouhe__v1__change__free_unpacked (msg, NULL);
        return rc;
    }
    change.pb_ = msg;
    *self = change;
    return SH_OK;
}


//  --------------------------------------------------------------------------
//  Signing and opening

sh_err
sh_change_sign (uint8_t **out, size_t *out_len,
                const uint8_t *change, size_t change_len, const sh_key_t *key)
{
    assert (out);
    assert (out_len);
    assert (change);
    assert (key);
    *out = NULL;
    *out_len = 0;

    //  Refuse to sign what nobody could open.
    sh_change_t view;
    sh_err rc = sh_change_decode (&view, change, change_len, NULL);
    if (rc)
        return rc;
    bool own = sh_crypto_equal (view.author, sh_key_public (key), SH_PUBKEY_BYTES);
    sh_change_fini (&view);
    if (!own)
        return SH_EINVAL;

    uint8_t sig[SH_SIG_BYTES];
    rc = sh_key_sign (key, sig, (const uint8_t *) SH_CHANGE_SIG_PREFIX, S_PREFIX_LEN,
                      change, change_len);
    if (rc)
        return rc;

    Shouhe__V1__SignedChange msg = SHOUHE__V1__SIGNED_CHANGE__INIT;
    msg.change.data = (uint8_t *) change;
    msg.change.len = change_len;
    msg.signature.data = sig;
    msg.signature.len = sizeof sig;
    size_t size = shouhe__v1__signed_change__get_packed_size (&msg);
    assert (size <= SH_SIGNED_MAX);
    uint8_t *buf = malloc (size);
    if (!buf)
        return SH_ENOMEM;
    size_t packed = shouhe__v1__signed_change__pack (&msg, buf);
    assert (packed == size);
    *out = buf;
    *out_len = packed;
    return SH_OK;
}

//  Unpack and check SignedChange bytes; on success the caller frees *msg_p.
static sh_err
s_unwrap (Shouhe__V1__SignedChange **msg_p,
          const uint8_t *signed_bytes, size_t signed_len, const char **why)
{
    *msg_p = NULL;
    if (signed_len > SH_SIGNED_MAX)
        return s_fail (why, _("signed change exceeds SH_SIGNED_MAX bytes"));
    Shouhe__V1__SignedChange *msg =
        shouhe__v1__signed_change__unpack (NULL, signed_len, signed_bytes);
    if (!msg)
        return s_fail (why, _("signed change is not a valid SignedChange message"));

    const char *reason = NULL;
    if (msg->base.n_unknown_fields != 0)
        reason = _("signed change has fields besides change and signature (the signature would not cover them)");
    else
    if (!s_is_canonical (&msg->base, signed_bytes, signed_len))
        reason = _("signed change is not canonically encoded");
    else
    if (msg->signature.len != SH_SIG_BYTES)
        reason = _("signature must be 64 bytes");
    else
    if (msg->change.len < 1 || msg->change.len > SH_CHANGE_MAX)
        reason = _("change must be 1..SH_CHANGE_MAX bytes");
    if (reason) {
        shouhe__v1__signed_change__free_unpacked (msg, NULL);
        return s_fail (why, reason);
    }
    *msg_p = msg;
    return SH_OK;
}

sh_err
sh_change_read (sh_change_t *self, const uint8_t *signed_bytes, size_t signed_len, const char **why)
{
    uint8_t *bytes, sig[SH_SIG_BYTES];
    size_t len;
    sh_err rc = sh_change_unwrap (&bytes, &len, sig, signed_bytes, signed_len);
    if (rc)
        return rc;
    rc = sh_change_decode (self, bytes, len, why);
    free (bytes);
    return rc;
}

sh_err
sh_change_unwrap (uint8_t **change, size_t *change_len, uint8_t sig[SH_SIG_BYTES],
                  const uint8_t *signed_bytes, size_t signed_len)
{
    assert (change);
    assert (change_len);
    assert (sig);
    assert (signed_bytes || signed_len == 0);
    *change = NULL;
    *change_len = 0;
    Shouhe__V1__SignedChange *msg;
    sh_err rc = s_unwrap (&msg, signed_bytes, signed_len, NULL);
    if (rc)
        return rc;
    uint8_t *copy = malloc (msg->change.len);
    if (!copy) {
        shouhe__v1__signed_change__free_unpacked (msg, NULL);
        return SH_ENOMEM;
    }
    memcpy (copy, msg->change.data, msg->change.len);
    memcpy (sig, msg->signature.data, SH_SIG_BYTES);
    *change = copy;
    *change_len = msg->change.len;
    shouhe__v1__signed_change__free_unpacked (msg, NULL);
    return SH_OK;
}

sh_err
sh_change_open (sh_change_t *self, uint8_t hash[SH_HASH_BYTES],
                const uint8_t *signed_bytes, size_t signed_len, const char **why)
{
    return sh_change_open_held (self, hash, signed_bytes, signed_len, NULL, NULL, why);
}

sh_err
sh_change_open_held (sh_change_t *self, uint8_t hash[SH_HASH_BYTES], const uint8_t *signed_bytes,
                     size_t signed_len, sh_change_held_fn *held, void *arg, const char **why)
{
    assert (self);
    assert (signed_bytes || signed_len == 0);
    memset (self, 0, sizeof *self);
    Shouhe__V1__SignedChange *sc;
    sh_err rc = s_unwrap (&sc, signed_bytes, signed_len, why);
    if (rc)
        return rc;
    const uint8_t *bytes = sc->change.data;
    size_t len = sc->change.len;

    //  Before the signature verifies only the author is read, and only to
    //  know which key to verify with.
    Shouhe__V1__Change *msg = shouhe__v1__change__unpack (NULL, len, bytes);
    if (!msg) {
        rc = s_fail (why, _("change is not a valid Change message"));
        goto out;
    }
    if (msg->author.len != SH_PUBKEY_BYTES) {
        rc = s_fail (why, _("author must be 32 bytes"));
        goto out;
    }
    if (!held || !held (msg->author.data, msg->seq, signed_bytes, signed_len, arg)) {
        uint8_t *signed_msg = malloc (S_PREFIX_LEN + len);
        if (!signed_msg) {
            rc = SH_ENOMEM;
            goto out;
        }
        memcpy (signed_msg, SH_CHANGE_SIG_PREFIX, S_PREFIX_LEN);
        memcpy (signed_msg + S_PREFIX_LEN, bytes, len);
        rc = sh_crypto_verify (sc->signature.data, signed_msg, S_PREFIX_LEN + len,
                               msg->author.data);
        free (signed_msg);
        if (rc) {
            s_fail (why, _("signature does not verify"));
            goto out;
        }
    }
    //  Verified: now the content may be checked and used.
    rc = s_from_message (self, msg, bytes, len, why);
    msg = NULL;   //  taken by s_from_message
    if (rc == SH_OK && hash)
        sh_change_hash (hash, bytes, len);
out:
    if (msg)
        shouhe__v1__change__free_unpacked (msg, NULL);
    shouhe__v1__signed_change__free_unpacked (sc, NULL);
    return rc;
}


//  --------------------------------------------------------------------------
//  Chains and names

sh_err
sh_change_follows (const sh_change_t *self, uint64_t head_seq,
                   const uint8_t head_hash[SH_HASH_BYTES])
{
    assert (self);
    if (head_seq == 0) {
        if (self->seq != 1 || !s_is_zero (self->prev, sizeof self->prev))
            return SH_ECHAIN;
        return SH_OK;
    }
    assert (head_hash);
    //  seq - 1 rather than head_seq + 1: no overflow at UINT64_MAX.
    if (self->seq < 1 || self->seq - 1 != head_seq)
        return SH_ECHAIN;
    if (!sh_crypto_equal (self->prev, head_hash, SH_HASH_BYTES))
        return SH_ECHAIN;
    return SH_OK;
}

const char *
sh_change_kind_name (sh_kind_t kind)
{
    if (kind >= SH_KIND_REGION && kind <= SH_KIND_EVALUATION)
        return s_kind_names[kind];
    return "unknown";
}

const char *
sh_change_op_name (sh_op_t op)
{
    switch (op) {
        case SH_OP_PUT:    return "put";
        case SH_OP_DELETE: return "delete";
        case SH_OP_EVENT:  return "event";
        case SH_OP_CLOCK:  return "clock";
        default:           return "unknown";
    }
}


//  --------------------------------------------------------------------------
//  Helpers

static sh_err
s_fail (const char **why, const char *reason)
{
    if (why)
        *why = reason;
    return SH_EPROTO;
}

static bool
s_is_zero (const uint8_t *buf, size_t len)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < len; i++)
        acc |= buf[i];
    return acc == 0;
}

//  A ProtobufCBuffer that compares what protobuf-c packs with given bytes,
//  so the canonical check needs no allocation.
typedef struct {
    ProtobufCBuffer base;    //  must be first: protobuf-c calls base.append
    const uint8_t *want;     //  the bytes we received
    size_t len;              //  their length
    size_t pos;              //  how much has been compared so far
    bool same;               //  no difference seen yet
} s_compare_buffer_t;

static void
s_compare_append (ProtobufCBuffer *buffer, size_t len, const uint8_t *data)
{
    s_compare_buffer_t *self = (s_compare_buffer_t *) buffer;
    if (!self->same || len == 0)   //  empty bytes may come with data NULL
        return;
    if (len > self->len - self->pos || memcmp (self->want + self->pos, data, len) != 0)
        self->same = false;
    else
        self->pos += len;
}

//  True when packing msg gives back exactly bytes: no unknown-field
//  reordering, duplicate fields, overlong varints, or strings with an
//  embedded NUL (which protobuf-c would silently cut). Every accepted change
//  thus has one encoding, and what we decode is what was signed.
static bool
s_is_canonical (const ProtobufCMessage *msg, const uint8_t *bytes, size_t len)
{
    s_compare_buffer_t cmp = {
        .base = { .append = s_compare_append },
        .want = bytes, .len = len, .pos = 0, .same = true
    };
    protobuf_c_message_pack_to_buffer (msg, &cmp.base);
    return cmp.same && cmp.pos == len;
}
