/*  sh_wire -- the envelopes of the sync protocol, to and from plain C. */
#include "sh_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shouhe/v1/wire.pb-c.h"

_Static_assert ((int) SH_WIRE_ERR_CREDIT == (int) SHOUHE__V1__ERROR_CODE__ERR_CREDIT, "error codes follow wire.proto");
_Static_assert ((int) SH_WIRE_ERR_MALFORMED == (int) SHOUHE__V1__ERROR_CODE__ERR_MALFORMED, "error codes follow wire.proto");
_Static_assert ((int) SH_WIRE_PONG == (int) SHOUHE__V1__ENVELOPE__BODY_PONG, "types are Envelope field numbers");
_Static_assert ((int) SH_WIRE_HELLO == (int) SHOUHE__V1__ENVELOPE__BODY_HELLO, "types are Envelope field numbers");
_Static_assert ((int) SH_WIRE_ROLE_AUDITOR == (int) SHOUHE__V1__PEER_ROLE__PEER_AUDITOR, "roles follow wire.proto");

//  The allocation fault point of a decode (sh_wire_decode_fault).
typedef struct {
    unsigned *countdown;                //  NULL or 0: off; the allocation that brings it to 0 fails
    bool fired;                         //  an allocation was refused
} s_fault_t;

static void *
s_fault_alloc (void *data, size_t size)
{
    s_fault_t *f = data;
    if (f && f->countdown && *f->countdown > 0 && --*f->countdown == 0) {
        f->fired = true;
        return NULL;
    }
    return malloc (size);
}

static void
s_fault_free (void *data, void *ptr)
{
    (void) data;
    free (ptr);
}

static void *
s_fault_calloc (s_fault_t *f, size_t n, size_t size)
{
    void *p = s_fault_alloc (f, n * size);
    if (p)
        memset (p, 0, n * size);
    return p;
}

//  What decode allocates besides the unpacked Envelope.
typedef struct {
    s_fault_t fault;                    //  the fault point (first: allocated before the rest)
    Shouhe__V1__Envelope *env;          //  unpacked message
    sh_wire_bytes_t *changes;           //  push/batch change array
    sh_wire_key_t *keys;                //  batch key array
    uint8_t (*proof_a)[SH_HASH_BYTES];  //  welcome consistency / ack range
    uint8_t (*proof_b)[SH_HASH_BYTES];  //  ack consistency
} s_decoded_t;

//  Copy n 32-byte hashes into a new array; false if one has another length.
static sh_err
s_hashes (s_fault_t *f, uint8_t (**out)[SH_HASH_BYTES], size_t *n_out, size_t n,
          const ProtobufCBinaryData *src, const char **why)
{
    if (n > SH_WIRE_PROOF_MAX) {
        *why = "a proof has too many hashes";
        return SH_EPROTO;
    }
    *out = s_fault_calloc (f, n ? n : 1, SH_HASH_BYTES);
    if (!*out)
        return SH_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (src[i].len != SH_HASH_BYTES) {
            *why = "a proof hash is not 32 bytes";
            return SH_EPROTO;
        }
        memcpy ((*out)[i], src[i].data, SH_HASH_BYTES);
    }
    *n_out = n;
    return SH_OK;
}

static bool
s_note_ok (const char *note)
{
    return !note || strlen (note) <= SH_WIRE_NOTE_MAX;
}

static bool
s_scope_ok (const char *s)
{
    size_t n = s ? strlen (s) : 0;
    if (n == 0 || n > SH_REGION_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static sh_err
s_changes (s_decoded_t *d, size_t n, const ProtobufCBinaryData *src, sh_wire_bytes_t **out,
           const char **why)
{
    if (n > SH_WIRE_MAX_CHANGES) {
        *why = "too many changes in one message";
        return SH_EPROTO;
    }
    d->changes = s_fault_calloc (&d->fault, n ? n : 1, sizeof *d->changes);
    if (!d->changes)
        return SH_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (src[i].len == 0 || src[i].len > SH_SIGNED_MAX) {
            *why = "a change is empty or larger than the change size limit";
            return SH_EPROTO;
        }
        d->changes[i] = (sh_wire_bytes_t) { src[i].data, src[i].len };
    }
    *out = d->changes;
    return SH_OK;
}

static sh_err
s_fill (sh_wire_msg_t *m, s_decoded_t *d, const char **why)
{
    Shouhe__V1__Envelope *e = d->env;
    switch (e->body_case) {
        case SHOUHE__V1__ENVELOPE__BODY_HELLO:
            if (e->hello->node.len != SH_PUBKEY_BYTES) {
                *why = "hello.node is not a 32-byte key";
                return SH_EPROTO;
            }
            memcpy (m->u.hello.node, e->hello->node.data, SH_PUBKEY_BYTES);
            m->u.hello.since = e->hello->since;
            m->u.hello.checkpoint_size = e->hello->has_checkpoint_size ? e->hello->checkpoint_size : 0;
            m->u.hello.nonce = e->hello->has_nonce ? e->hello->nonce : 0;
            return SH_OK;
        case SHOUHE__V1__ENVELOPE__BODY_WELCOME: {
            Shouhe__V1__Welcome *w = e->welcome;
            if (!s_scope_ok (w->scope) || w->head_hash.len != SH_HASH_BYTES) {
                *why = "welcome has a bad scope or head hash";
                return SH_EPROTO;
            }
            strcpy (m->u.welcome.scope, w->scope);
            memcpy (m->u.welcome.head_hash, w->head_hash.data, SH_HASH_BYTES);
            m->u.welcome.head_seq = w->head_seq;
            m->u.welcome.log_size = w->log_size;
            m->u.welcome.credit = w->credit;
            m->u.welcome.max_changes = w->max_changes;
            m->u.welcome.max_bytes = w->max_bytes;
            if (!s_note_ok (w->checkpoint)) {
                *why = "welcome checkpoint too long";
                return SH_EPROTO;
            }
            m->u.welcome.checkpoint = w->checkpoint;
            m->u.welcome.nonce = w->has_nonce ? w->nonce : 0;
            {
                sh_err rc = s_hashes (&d->fault, &d->proof_a, &m->u.welcome.n_consistency, w->n_consistency,
                                      w->consistency, why);
                m->u.welcome.consistency = d->proof_a;
                return rc;
            }
        }
        case SHOUHE__V1__ENVELOPE__BODY_PUSH:
            m->u.push.batch = e->push->batch;
            m->u.push.n = e->push->n_changes;
            return s_changes (d, e->push->n_changes, e->push->changes, &m->u.push.changes, why);
        case SHOUHE__V1__ENVELOPE__BODY_ACK:
            m->u.ack.batch = e->ack->batch;
            m->u.ack.head_seq = e->ack->head_seq;
            m->u.ack.accepted = e->ack->accepted;
            m->u.ack.duplicates = e->ack->duplicates;
            if (!s_note_ok (e->ack->checkpoint)) {
                *why = "ack checkpoint too long";
                return SH_EPROTO;
            }
            m->u.ack.checkpoint = e->ack->checkpoint;
            m->u.ack.first_leaf = e->ack->has_first_leaf ? e->ack->first_leaf : 0;
            {
                sh_err rc = s_hashes (&d->fault, &d->proof_a, &m->u.ack.n_range, e->ack->n_range, e->ack->range, why);
                if (rc)
                    return rc;
                m->u.ack.range = d->proof_a;
                rc = s_hashes (&d->fault, &d->proof_b, &m->u.ack.n_consistency, e->ack->n_consistency,
                               e->ack->consistency, why);
                if (rc)
                    return rc;
                m->u.ack.consistency = d->proof_b;
            }
            return SH_OK;
        case SHOUHE__V1__ENVELOPE__BODY_PULL:
            m->u.pull.since = e->pull->since;
            m->u.pull.max = e->pull->max;
            return SH_OK;
        case SHOUHE__V1__ENVELOPE__BODY_BATCH: {
            Shouhe__V1__Batch *b = e->batch;
            m->u.batch.since = b->since;
            m->u.batch.next = b->next;
            m->u.batch.done = b->done;
            m->u.batch.n = b->n_changes;
            sh_err rc = s_changes (d, b->n_changes, b->changes, &m->u.batch.changes, why);
            if (rc)
                return rc;
            if (b->n_keys > SH_WIRE_MAX_KEYS) {
                *why = "too many key entries";
                return SH_EPROTO;
            }
            d->keys = s_fault_calloc (&d->fault, b->n_keys ? b->n_keys : 1, sizeof *d->keys);
            if (!d->keys)
                return SH_ENOMEM;
            for (size_t i = 0; i < b->n_keys; i++) {
                Shouhe__V1__KeyEntry *k = b->keys[i];
                if (k->key.len != SH_PUBKEY_BYTES || !s_scope_ok (k->scope)
                ||  (k->role != SHOUHE__V1__PEER_ROLE__PEER_NODE && k->role != SHOUHE__V1__PEER_ROLE__PEER_AUDITOR)) {
                    *why = "a key entry has a bad key, scope or role";
                    return SH_EPROTO;
                }
                memcpy (d->keys[i].key, k->key.data, SH_PUBKEY_BYTES);
                strcpy (d->keys[i].scope, k->scope);
                d->keys[i].role = (sh_wire_role_t) k->role;
                d->keys[i].name = k->name;
                d->keys[i].revoked = k->has_revoked && k->revoked;
            }
            m->u.batch.n_keys = b->n_keys;
            m->u.batch.keys = d->keys;
            return SH_OK;
        }
        case SHOUHE__V1__ENVELOPE__BODY_ERROR:
            if (e->error->code <= 0 || e->error->code > SHOUHE__V1__ERROR_CODE__ERR_CREDIT) {
                *why = "unknown error code";
                return SH_EPROTO;
            }
            m->u.error.code = (sh_wire_error_t) e->error->code;
            snprintf (m->u.error.message, sizeof m->u.error.message, "%s", e->error->message);
            m->u.error.has_batch = e->error->has_batch;
            m->u.error.batch = e->error->batch;
            m->u.error.has_position = e->error->has_position;
            m->u.error.position = e->error->position;
            return SH_OK;
        case SHOUHE__V1__ENVELOPE__BODY_PING:
            m->u.ping.nonce = e->ping->nonce;
            return SH_OK;
        case SHOUHE__V1__ENVELOPE__BODY_PONG:
            m->u.ping.nonce = e->pong->nonce;
            return SH_OK;
        case SHOUHE__V1__ENVELOPE__BODY_FETCH:
            m->u.fetch.offset = e->fetch->offset;
            m->u.fetch.max = e->fetch->max;
            return SH_OK;
        case SHOUHE__V1__ENVELOPE__BODY_CHUNK:
            if (e->chunk->data.len > SH_WIRE_CHUNK_MAX || e->chunk->offset > e->chunk->total
            ||  e->chunk->data.len > e->chunk->total - e->chunk->offset) {
                *why = "a chunk is larger than its limit or runs past the export's end";
                return SH_EPROTO;
            }
            m->u.chunk.offset = e->chunk->offset;
            m->u.chunk.total = e->chunk->total;
            m->u.chunk.data = e->chunk->data.data;
            m->u.chunk.len = e->chunk->data.len;
            return SH_OK;
        default:
            *why = "the envelope has no body";
            return SH_EPROTO;
    }
}

sh_err
sh_wire_decode (sh_wire_msg_t *msg, const uint8_t *buf, size_t len, size_t max_bytes,
                const char **why)
{
    return sh_wire_decode_fault (msg, buf, len, max_bytes, why, NULL);
}

sh_err
sh_wire_decode_fault (sh_wire_msg_t *msg, const uint8_t *buf, size_t len, size_t max_bytes,
                      const char **why, unsigned *fail_alloc)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    memset (msg, 0, sizeof *msg);
    if (len == 0 || len > max_bytes) {
        *why = len ? "message larger than the limit" : "empty message";
        return SH_EPROTO;
    }
    s_fault_t fault = { fail_alloc, false };
    s_decoded_t *d = s_fault_calloc (&fault, 1, sizeof *d);
    if (!d)
        return SH_ENOMEM;
    d->fault = fault;
    ProtobufCAllocator alloc = { s_fault_alloc, s_fault_free, &d->fault };
    d->env = shouhe__v1__envelope__unpack (&alloc, len, buf);
    if (!d->env) {
        bool oom = d->fault.fired;
        free (d);
        if (oom)
            return SH_ENOMEM;
        *why = "not a shouhe.v1.Envelope (truncated or garbage)";
        return SH_EPROTO;
    }
    msg->pb_ = d;
    msg->version = d->env->version;
    if (d->env->version != SH_WIRE_VERSION) {
        *why = "unknown protocol version";
        sh_wire_msg_fini (msg);
        return SH_EVERSION;
    }
    msg->type = (sh_wire_type_t) d->env->body_case;
    sh_err rc = s_fill (msg, d, why);
    if (rc) {
        uint32_t v = msg->version;
        sh_wire_msg_fini (msg);
        msg->version = v;
    }
    return rc;
}

void
sh_wire_msg_fini (sh_wire_msg_t *msg)
{
    s_decoded_t *d = msg->pb_;
    if (d) {
        ProtobufCAllocator alloc = { s_fault_alloc, s_fault_free, &d->fault };
        if (d->env)
            shouhe__v1__envelope__free_unpacked (d->env, &alloc);
        free (d->changes);
        free (d->keys);
        free (d->proof_a);
        free (d->proof_b);
        free (d);
    }
    uint32_t v = msg->version;
    memset (msg, 0, sizeof *msg);
    msg->version = v;
}

//  ---------------------------------------------------------------------
//  Encoding

size_t
sh_wire_change_overhead (size_t change_len)
{
    size_t n = 1;   //  tag byte of field 2 or 3
    for (size_t v = change_len; v >= 0x80; v >>= 7)
        n++;
    return n + 1 + change_len;
}

static ProtobufCBinaryData *
s_bin_array (const sh_wire_bytes_t *src, size_t n)
{
    ProtobufCBinaryData *a = calloc (n ? n : 1, sizeof *a);
    for (size_t i = 0; a && i < n; i++)
        a[i] = (ProtobufCBinaryData) { src[i].len, (uint8_t *) src[i].data };
    return a;
}

static ProtobufCBinaryData *
s_hash_array (uint8_t (*src)[SH_HASH_BYTES], size_t n)
{
    ProtobufCBinaryData *a = calloc (n ? n : 1, sizeof *a);
    for (size_t i = 0; a && i < n; i++)
        a[i] = (ProtobufCBinaryData) { SH_HASH_BYTES, src[i] };
    return a;
}

sh_err
sh_wire_encode (const sh_wire_msg_t *m, uint8_t **out, size_t *out_len)
{
    Shouhe__V1__Envelope e = SHOUHE__V1__ENVELOPE__INIT;
    e.version = m->version ? m->version : SH_WIRE_VERSION;
    Shouhe__V1__Hello hello = SHOUHE__V1__HELLO__INIT;
    Shouhe__V1__Welcome welcome = SHOUHE__V1__WELCOME__INIT;
    Shouhe__V1__Push push = SHOUHE__V1__PUSH__INIT;
    Shouhe__V1__Ack ack = SHOUHE__V1__ACK__INIT;
    Shouhe__V1__Pull pull = SHOUHE__V1__PULL__INIT;
    Shouhe__V1__Batch batch = SHOUHE__V1__BATCH__INIT;
    Shouhe__V1__Error error = SHOUHE__V1__ERROR__INIT;
    Shouhe__V1__Ping ping = SHOUHE__V1__PING__INIT;
    Shouhe__V1__Pong pong = SHOUHE__V1__PONG__INIT;
    Shouhe__V1__Fetch fetch = SHOUHE__V1__FETCH__INIT;
    Shouhe__V1__Chunk chunk = SHOUHE__V1__CHUNK__INIT;
    ProtobufCBinaryData *changes = NULL;
    Shouhe__V1__KeyEntry *key_entries = NULL;
    Shouhe__V1__KeyEntry **key_ptrs = NULL;
    ProtobufCBinaryData *proof1 = NULL, *proof2 = NULL;
    sh_err rc = SH_OK;

    e.body_case = (Shouhe__V1__Envelope__BodyCase) m->type;
    switch (m->type) {
        case SH_WIRE_HELLO:
            hello.node = (ProtobufCBinaryData) { SH_PUBKEY_BYTES, (uint8_t *) m->u.hello.node };
            hello.since = m->u.hello.since;
            hello.has_checkpoint_size = m->u.hello.checkpoint_size != 0;
            hello.checkpoint_size = m->u.hello.checkpoint_size;
            hello.has_nonce = m->u.hello.nonce != 0;
            hello.nonce = m->u.hello.nonce;
            e.hello = &hello;
            break;
        case SH_WIRE_WELCOME:
            welcome.scope = (char *) m->u.welcome.scope;
            welcome.head_seq = m->u.welcome.head_seq;
            welcome.head_hash = (ProtobufCBinaryData) { SH_HASH_BYTES, (uint8_t *) m->u.welcome.head_hash };
            welcome.log_size = m->u.welcome.log_size;
            welcome.credit = m->u.welcome.credit;
            welcome.max_changes = m->u.welcome.max_changes;
            welcome.max_bytes = m->u.welcome.max_bytes;
            welcome.checkpoint = (char *) m->u.welcome.checkpoint;
            welcome.has_nonce = m->u.welcome.nonce != 0;
            welcome.nonce = m->u.welcome.nonce;
            welcome.n_consistency = m->u.welcome.n_consistency;
            welcome.consistency = proof1 = s_hash_array (m->u.welcome.consistency, m->u.welcome.n_consistency);
            if (!proof1)
                return SH_ENOMEM;
            e.welcome = &welcome;
            break;
        case SH_WIRE_PUSH:
            push.batch = m->u.push.batch;
            push.n_changes = m->u.push.n;
            push.changes = changes = s_bin_array (m->u.push.changes, m->u.push.n);
            if (!changes)
                return SH_ENOMEM;
            e.push = &push;
            break;
        case SH_WIRE_ACK:
            ack.batch = m->u.ack.batch;
            ack.head_seq = m->u.ack.head_seq;
            ack.accepted = m->u.ack.accepted;
            ack.duplicates = m->u.ack.duplicates;
            ack.checkpoint = (char *) m->u.ack.checkpoint;
            ack.has_first_leaf = m->u.ack.checkpoint != NULL;
            ack.first_leaf = m->u.ack.first_leaf;
            ack.n_range = m->u.ack.n_range;
            ack.range = proof1 = s_hash_array (m->u.ack.range, m->u.ack.n_range);
            ack.n_consistency = m->u.ack.n_consistency;
            ack.consistency = proof2 = s_hash_array (m->u.ack.consistency, m->u.ack.n_consistency);
            if (!proof1 || !proof2) {
                rc = SH_ENOMEM;
                goto out;
            }
            e.ack = &ack;
            break;
        case SH_WIRE_PULL:
            pull.since = m->u.pull.since;
            pull.max = m->u.pull.max;
            e.pull = &pull;
            break;
        case SH_WIRE_BATCH: {
            size_t nk = m->u.batch.n_keys;
            batch.since = m->u.batch.since;
            batch.next = m->u.batch.next;
            batch.done = m->u.batch.done;
            batch.n_changes = m->u.batch.n;
            batch.changes = changes = s_bin_array (m->u.batch.changes, m->u.batch.n);
            key_entries = calloc (nk ? nk : 1, sizeof *key_entries);
            key_ptrs = calloc (nk ? nk : 1, sizeof *key_ptrs);
            if (!changes || !key_entries || !key_ptrs) {
                rc = SH_ENOMEM;
                goto out;
            }
            for (size_t i = 0; i < nk; i++) {
                const sh_wire_key_t *k = &m->u.batch.keys[i];
                Shouhe__V1__KeyEntry init = SHOUHE__V1__KEY_ENTRY__INIT;
                key_entries[i] = init;
                key_entries[i].key = (ProtobufCBinaryData) { SH_PUBKEY_BYTES, (uint8_t *) k->key };
                key_entries[i].scope = (char *) k->scope;
                key_entries[i].role = (Shouhe__V1__PeerRole) k->role;
                key_entries[i].name = (char *) k->name;
                key_entries[i].has_revoked = k->revoked;
                key_entries[i].revoked = k->revoked;
                key_ptrs[i] = &key_entries[i];
            }
            batch.n_keys = nk;
            batch.keys = key_ptrs;
            e.batch = &batch;
            break;
        }
        case SH_WIRE_ERROR:
            error.code = (Shouhe__V1__ErrorCode) m->u.error.code;
            error.message = (char *) m->u.error.message;
            error.has_batch = m->u.error.has_batch;
            error.batch = m->u.error.batch;
            error.has_position = m->u.error.has_position;
            error.position = m->u.error.position;
            e.error = &error;
            break;
        case SH_WIRE_PING:
            ping.nonce = m->u.ping.nonce;
            e.ping = &ping;
            break;
        case SH_WIRE_PONG:
            pong.nonce = m->u.ping.nonce;
            e.pong = &pong;
            break;
        case SH_WIRE_FETCH:
            fetch.offset = m->u.fetch.offset;
            fetch.max = m->u.fetch.max;
            e.fetch = &fetch;
            break;
        case SH_WIRE_CHUNK:
            chunk.offset = m->u.chunk.offset;
            chunk.total = m->u.chunk.total;
            chunk.data = (ProtobufCBinaryData) { m->u.chunk.len, (uint8_t *) m->u.chunk.data };
            e.chunk = &chunk;
            break;
        default:
            return SH_EINVAL;
    }
    *out_len = shouhe__v1__envelope__get_packed_size (&e);
    *out = malloc (*out_len);
    if (!*out)
        rc = SH_ENOMEM;
    else
        shouhe__v1__envelope__pack (&e, *out);
out:
    free (changes);
    free (key_entries);
    free (key_ptrs);
    free (proof1);
    free (proof2);
    return rc;
}

const char *
sh_wire_type_name (sh_wire_type_t type)
{
    static const char *const names[] = { "none", "?", "hello", "welcome", "push", "ack", "pull",
                                         "batch", "error", "ping", "pong", "fetch", "chunk" };
    return (int) type >= 0 && type <= SH_WIRE_CHUNK ? names[type] : "?";
}

const char *
sh_wire_error_name (sh_wire_error_t code)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value (&shouhe__v1__error_code__descriptor,
                                                                        (int) code);
    return v ? v->name : "ERR_UNKNOWN";
}
