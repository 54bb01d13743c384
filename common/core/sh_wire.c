/*  sh_wire -- the envelopes of the sync protocol, to and from plain C. */
#include "sh_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_i18n.h"

#include "shouhe/v1/wire.pb-c.h"

_Static_assert ((int) SH_WIRE_ERR_CREDIT == (int) SHOUHE__V1__ERROR_CODE__ERR_CREDIT, "error codes follow wire.proto");
_Static_assert ((int) SH_WIRE_ERR_RECOVERING == (int) SHOUHE__V1__ERROR_CODE__ERR_RECOVERING, "error codes follow wire.proto");
_Static_assert ((int) SH_WIRE_ERR_QUOTA == (int) SHOUHE__V1__ERROR_CODE__ERR_QUOTA, "error codes follow wire.proto");
_Static_assert ((int) SH_WIRE_ERR_STORE_FULL == (int) SHOUHE__V1__ERROR_CODE__ERR_STORE_FULL, "error codes follow wire.proto");
_Static_assert ((int) SH_WIRE_ERR_LEAD == (int) SHOUHE__V1__ERROR_CODE__ERR_LEAD, "error codes follow wire.proto");
_Static_assert ((int) SH_WIRE_TAKEN == (int) SHOUHE__V1__ENVELOPE__BODY_TAKEN, "types are Envelope field numbers");
_Static_assert ((int) SH_WIRE_ERR_MALFORMED == (int) SHOUHE__V1__ERROR_CODE__ERR_MALFORMED, "error codes follow wire.proto");
_Static_assert ((int) SH_WIRE_PONG == (int) SHOUHE__V1__ENVELOPE__BODY_PONG, "types are Envelope field numbers");
_Static_assert ((int) SH_WIRE_PROOF == (int) SHOUHE__V1__ENVELOPE__BODY_PROOF, "types are Envelope field numbers");
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
    sh_wire_run_t *runs;                //  proof runs
    uint8_t (*run_hashes)[SH_HASH_BYTES]; //  their hashes, one array for all runs
} s_decoded_t;

//  Copy n 32-byte hashes into a new array; false if one has another length.
static sh_err
s_hashes (s_fault_t *f, uint8_t (**out)[SH_HASH_BYTES], size_t *n_out, size_t n,
          const ProtobufCBinaryData *src, const char **why)
{
    if (n > SH_WIRE_PROOF_MAX) {
        *why = _("a proof has too many hashes");
        return SH_EPROTO;
    }
    *out = s_fault_calloc (f, n ? n : 1, SH_HASH_BYTES);
    if (!*out)
        return SH_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (src[i].len != SH_HASH_BYTES) {
            *why = _("a proof hash is not 32 bytes");
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
        *why = _("too many changes in one message");
        return SH_EPROTO;
    }
    d->changes = s_fault_calloc (&d->fault, n ? n : 1, sizeof *d->changes);
    if (!d->changes)
        return SH_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (src[i].len == 0 || src[i].len > SH_SIGNED_MAX) {
            *why = _("a change is empty or larger than the change size limit");
            return SH_EPROTO;
        }
        d->changes[i] = (sh_wire_bytes_t) { src[i].data, src[i].len };
    }
    *out = d->changes;
    return SH_OK;
}

static sh_err
s_fill_hello (sh_wire_msg_t *m, const Shouhe__V1__Hello *h, const char **why)
{
    if (h->node.len != SH_PUBKEY_BYTES) {
        *why = _("hello.node is not a 32-byte key");
        return SH_EPROTO;
    }
    memcpy (m->u.hello.node, h->node.data, SH_PUBKEY_BYTES);
    m->u.hello.since = h->since;
    m->u.hello.checkpoint_size = h->has_checkpoint_size ? h->checkpoint_size : 0;
    m->u.hello.nonce = h->has_nonce ? h->nonce : 0;
    return SH_OK;
}

static sh_err
s_fill_welcome (sh_wire_msg_t *m, s_decoded_t *d, const char **why)
{
    Shouhe__V1__Welcome *w = d->env->welcome;
    if (!s_scope_ok (w->scope) || w->head_hash.len != SH_HASH_BYTES) {
        *why = _("welcome has a bad scope or head hash");
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
        *why = _("welcome checkpoint too long");
        return SH_EPROTO;
    }
    m->u.welcome.checkpoint = w->checkpoint;
    m->u.welcome.nonce = w->has_nonce ? w->nonce : 0;
    m->u.welcome.recovering = w->has_recovering && w->recovering;
    m->u.welcome.recovery_target = w->has_recovery_target ? w->recovery_target : 0;
    if (!s_note_ok (w->epoch)) {
        *why = _("welcome epoch note too long");
        return SH_EPROTO;
    }
    m->u.welcome.epoch = w->epoch;
    m->u.welcome.hub_ms = w->has_hub_ms ? w->hub_ms : 0;
    sh_err rc = s_hashes (&d->fault, &d->proof_a, &m->u.welcome.n_consistency, w->n_consistency,
                          w->consistency, why);
    m->u.welcome.consistency = d->proof_a;
    return rc;
}

static sh_err
s_fill_ack (sh_wire_msg_t *m, s_decoded_t *d, const char **why)
{
    Shouhe__V1__Ack *a = d->env->ack;
    m->u.ack.batch = a->batch;
    m->u.ack.head_seq = a->head_seq;
    m->u.ack.accepted = a->accepted;
    m->u.ack.duplicates = a->duplicates;
    if (!s_note_ok (a->checkpoint)) {
        *why = _("ack checkpoint too long");
        return SH_EPROTO;
    }
    m->u.ack.checkpoint = a->checkpoint;
    m->u.ack.first_leaf = a->has_first_leaf ? a->first_leaf : 0;
    sh_err rc = s_hashes (&d->fault, &d->proof_a, &m->u.ack.n_range, a->n_range, a->range, why);
    if (rc)
        return rc;
    m->u.ack.range = d->proof_a;
    rc = s_hashes (&d->fault, &d->proof_b, &m->u.ack.n_consistency, a->n_consistency, a->consistency, why);
    if (rc)
        return rc;
    m->u.ack.consistency = d->proof_b;
    return SH_OK;
}

static sh_err
s_fill_batch (sh_wire_msg_t *m, s_decoded_t *d, const char **why)
{
    Shouhe__V1__Batch *b = d->env->batch;
    m->u.batch.since = b->since;
    m->u.batch.next = b->next;
    m->u.batch.done = b->done;
    m->u.batch.own = b->has_own && b->own;
    m->u.batch.n = b->n_changes;
    sh_err rc = s_changes (d, b->n_changes, b->changes, &m->u.batch.changes, why);
    if (rc)
        return rc;
    if (b->n_keys > SH_WIRE_MAX_KEYS) {
        *why = _("too many key entries");
        return SH_EPROTO;
    }
    d->keys = s_fault_calloc (&d->fault, b->n_keys ? b->n_keys : 1, sizeof *d->keys);
    if (!d->keys)
        return SH_ENOMEM;
    for (size_t i = 0; i < b->n_keys; i++) {
        Shouhe__V1__KeyEntry *k = b->keys[i];
        if (k->key.len != SH_PUBKEY_BYTES || !s_scope_ok (k->scope)
        ||  (k->role != SHOUHE__V1__PEER_ROLE__PEER_NODE && k->role != SHOUHE__V1__PEER_ROLE__PEER_AUDITOR)) {
            *why = _("a key entry has a bad key, scope or role");
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
    if (!s_note_ok (b->checkpoint) || (b->n_indexes != 0 && b->n_indexes != b->n_changes)) {
        *why = _("batch checkpoint too long, or not one index per change");
        return SH_EPROTO;
    }
    m->u.batch.checkpoint = b->checkpoint;
    m->u.batch.n_indexes = b->n_indexes;
    m->u.batch.indexes = b->indexes;
    sh_err hc = s_hashes (&d->fault, &d->proof_a, &m->u.batch.n_consistency, b->n_consistency,
                          b->consistency, why);
    m->u.batch.consistency = d->proof_a;
    return hc;
}

static sh_err
s_fill_offer (sh_wire_msg_t *m, s_decoded_t *d, const char **why)
{
    Shouhe__V1__Offer *o = d->env->offer;
    if (!s_note_ok (o->checkpoint) || o->n_positions != o->n_leaves) {
        *why = _("offer checkpoint too long, or not one position per leaf");
        return SH_EPROTO;
    }
    m->u.offer.checkpoint = o->checkpoint;
    m->u.offer.positions = o->positions;
    m->u.offer.last = o->last;
    m->u.offer.n = o->n_leaves;
    return s_changes (d, o->n_leaves, o->leaves, &m->u.offer.leaves, why);
}

static sh_err
s_fill_taken (sh_wire_msg_t *m, const Shouhe__V1__Taken *t, const char **why)
{
    if (t->has_missing_to && t->missing_to < t->missing_from) {
        *why = _("taken: missing_to is below missing_from");
        return SH_EPROTO;
    }
    m->u.taken.taken = t->taken;
    m->u.taken.size = t->size;
    m->u.taken.target = t->target;
    m->u.taken.recovering = t->recovering;
    m->u.taken.missing_from = t->has_missing_from ? t->missing_from : 0;
    m->u.taken.missing_to = t->has_missing_to ? t->missing_to : 0;
    return SH_OK;
}

static sh_err
s_fill_error (sh_wire_msg_t *m, const Shouhe__V1__Error *e, const char **why)
{
    if (e->code <= 0 || e->code > SHOUHE__V1__ERROR_CODE__ERR_LEAD) {
        *why = _("unknown error code");
        return SH_EPROTO;
    }
    m->u.error.code = (sh_wire_error_t) e->code;
    snprintf (m->u.error.message, sizeof m->u.error.message, "%s", e->message);
    sh_wire_utf8_cut (m->u.error.message);     //  cut inside a character: drop it
    m->u.error.has_batch = e->has_batch;
    m->u.error.batch = e->batch;
    m->u.error.has_position = e->has_position;
    m->u.error.position = e->position;
    return SH_OK;
}

static sh_err
s_fill_chunk (sh_wire_msg_t *m, const Shouhe__V1__Chunk *c, const char **why)
{
    if (c->data.len > SH_WIRE_CHUNK_MAX || c->offset > c->total || c->data.len > c->total - c->offset) {
        *why = _("a chunk is larger than its limit or runs past the export's end");
        return SH_EPROTO;
    }
    m->u.chunk.offset = c->offset;
    m->u.chunk.total = c->total;
    m->u.chunk.data = c->data.data;
    m->u.chunk.len = c->data.len;
    return SH_OK;
}

//  A Proof: at most SH_WIRE_RUNS_MAX runs of 1..SH_WIRE_PROVE_MAX changes,
//  each with at most SH_WIRE_RUN_HASHES_MAX hashes of 32 bytes.
static sh_err
s_fill_proof (sh_wire_msg_t *m, s_decoded_t *d, const char **why)
{
    Shouhe__V1__Proof *p = d->env->proof;
    m->u.proof.first_seq = p->first_seq;
    m->u.proof.checkpoint_size = p->checkpoint_size;
    if (p->n_runs > SH_WIRE_RUNS_MAX) {
        *why = _("a proof has too many runs");
        return SH_EPROTO;
    }
    size_t total = 0;
    for (size_t i = 0; i < p->n_runs; i++) {
        if (p->runs[i]->n_hashes > SH_WIRE_RUN_HASHES_MAX || p->runs[i]->count == 0
        ||  p->runs[i]->count > SH_WIRE_PROVE_MAX) {
            *why = _("a proof run is empty, too long or has too many hashes");
            return SH_EPROTO;
        }
        total += p->runs[i]->n_hashes;
    }
    d->runs = s_fault_calloc (&d->fault, p->n_runs ? p->n_runs : 1, sizeof *d->runs);
    d->run_hashes = s_fault_calloc (&d->fault, total ? total : 1, SH_HASH_BYTES);
    if (!d->runs || !d->run_hashes)
        return SH_ENOMEM;
    size_t at = 0;
    for (size_t i = 0; i < p->n_runs; i++) {
        Shouhe__V1__ProofRun *r = p->runs[i];
        sh_wire_run_t *o = &d->runs[i];
        *o = (sh_wire_run_t) { r->first_seq, r->count, r->first_leaf, r->n_hashes, d->run_hashes + at };
        for (size_t k = 0; k < r->n_hashes; k++, at++) {
            if (r->hashes[k].len != SH_HASH_BYTES) {
                *why = _("a proof hash is not 32 bytes");
                return SH_EPROTO;
            }
            memcpy (d->run_hashes[at], r->hashes[k].data, SH_HASH_BYTES);
        }
    }
    m->u.proof.n_runs = p->n_runs;
    m->u.proof.runs = d->runs;
    return SH_OK;
}

static sh_err
s_fill (sh_wire_msg_t *m, s_decoded_t *d, const char **why)
{
    Shouhe__V1__Envelope *e = d->env;
    switch (e->body_case) {
        case SHOUHE__V1__ENVELOPE__BODY_HELLO:
            return s_fill_hello (m, e->hello, why);
        case SHOUHE__V1__ENVELOPE__BODY_WELCOME:
            return s_fill_welcome (m, d, why);
        case SHOUHE__V1__ENVELOPE__BODY_PUSH:
            m->u.push.batch = e->push->batch;
            m->u.push.n = e->push->n_changes;
            return s_changes (d, e->push->n_changes, e->push->changes, &m->u.push.changes, why);
        case SHOUHE__V1__ENVELOPE__BODY_ACK:
            return s_fill_ack (m, d, why);
        case SHOUHE__V1__ENVELOPE__BODY_PULL:
            m->u.pull.since = e->pull->since;
            m->u.pull.max = e->pull->max;
            m->u.pull.own_from = e->pull->has_own_from ? e->pull->own_from : 0;
            return SH_OK;
        case SHOUHE__V1__ENVELOPE__BODY_BATCH:
            return s_fill_batch (m, d, why);
        case SHOUHE__V1__ENVELOPE__BODY_ERROR:
            return s_fill_error (m, e->error, why);
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
            return s_fill_chunk (m, e->chunk, why);
        case SHOUHE__V1__ENVELOPE__BODY_PROVE:
            m->u.prove.first_seq = e->prove->first_seq;
            m->u.prove.count = e->prove->count;
            return SH_OK;
        case SHOUHE__V1__ENVELOPE__BODY_PROOF:
            return s_fill_proof (m, d, why);
        case SHOUHE__V1__ENVELOPE__BODY_OFFER:
            return s_fill_offer (m, d, why);
        case SHOUHE__V1__ENVELOPE__BODY_TAKEN:
            return s_fill_taken (m, e->taken, why);
        default:
            *why = _("the envelope has no body");
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
        *why = len ? _("message larger than the limit") : _("empty message");
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
        *why = _("not a shouhe.v1.Envelope (truncated or garbage)");
        return SH_EPROTO;
    }
    msg->pb_ = d;
    msg->version = d->env->version;
    if (d->env->version != SH_WIRE_VERSION) {
        *why = _("unknown protocol version");
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
        free (d->runs);
        free (d->run_hashes);
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

//  One encoding: the Envelope, its body messages (on the caller's stack)
//  and the arrays they point to (heap; s_pack_fini frees them).
typedef struct {
    Shouhe__V1__Envelope e;             //  the envelope
    Shouhe__V1__Hello hello;            //  one body message per type
    Shouhe__V1__Welcome welcome;
    Shouhe__V1__Push push;
    Shouhe__V1__Ack ack;
    Shouhe__V1__Pull pull;
    Shouhe__V1__Batch batch;
    Shouhe__V1__Error error;
    char message[SH_WIRE_MESSAGE_MAX + 1];  //  the Error's message, cut at a character
    Shouhe__V1__Ping ping;
    Shouhe__V1__Pong pong;
    Shouhe__V1__Fetch fetch;
    Shouhe__V1__Chunk chunk;
    Shouhe__V1__Prove prove;
    Shouhe__V1__Proof proof;
    Shouhe__V1__ProofRun *runs;         //  proof runs
    Shouhe__V1__ProofRun **run_ptrs;    //  and pointers to them
    ProtobufCBinaryData *run_hashes;    //  their hashes, one array for all runs
    Shouhe__V1__Offer offer;
    Shouhe__V1__Taken taken;
    ProtobufCBinaryData *changes;       //  push/batch changes
    Shouhe__V1__KeyEntry *key_entries;  //  batch key entries
    Shouhe__V1__KeyEntry **key_ptrs;    //  and pointers to them
    ProtobufCBinaryData *proof1;        //  welcome consistency / ack range
    ProtobufCBinaryData *proof2;        //  ack consistency
} s_pack_t;

static void
s_pack_fini (s_pack_t *p)
{
    free (p->changes);
    free (p->key_entries);
    free (p->key_ptrs);
    free (p->proof1);
    free (p->proof2);
    free (p->runs);
    free (p->run_ptrs);
    free (p->run_hashes);
}

static sh_err
s_pack_welcome (s_pack_t *p, const sh_wire_msg_t *m)
{
    Shouhe__V1__Welcome *w = &p->welcome;
    w->scope = (char *) m->u.welcome.scope;
    w->head_seq = m->u.welcome.head_seq;
    w->head_hash = (ProtobufCBinaryData) { SH_HASH_BYTES, (uint8_t *) m->u.welcome.head_hash };
    w->log_size = m->u.welcome.log_size;
    w->credit = m->u.welcome.credit;
    w->max_changes = m->u.welcome.max_changes;
    w->max_bytes = m->u.welcome.max_bytes;
    w->checkpoint = (char *) m->u.welcome.checkpoint;
    w->has_nonce = m->u.welcome.nonce != 0;
    w->nonce = m->u.welcome.nonce;
    w->has_hub_ms = m->u.welcome.hub_ms != 0;
    w->hub_ms = m->u.welcome.hub_ms;
    w->n_consistency = m->u.welcome.n_consistency;
    w->consistency = p->proof1 = s_hash_array (m->u.welcome.consistency, m->u.welcome.n_consistency);
    w->has_recovering = w->recovering = m->u.welcome.recovering;
    w->has_recovery_target = m->u.welcome.recovery_target != 0;
    w->recovery_target = m->u.welcome.recovery_target;
    w->epoch = (char *) m->u.welcome.epoch;
    if (!p->proof1)
        return SH_ENOMEM;
    p->e.welcome = w;
    return SH_OK;
}

static sh_err
s_pack_ack (s_pack_t *p, const sh_wire_msg_t *m)
{
    Shouhe__V1__Ack *a = &p->ack;
    a->batch = m->u.ack.batch;
    a->head_seq = m->u.ack.head_seq;
    a->accepted = m->u.ack.accepted;
    a->duplicates = m->u.ack.duplicates;
    a->checkpoint = (char *) m->u.ack.checkpoint;
    a->has_first_leaf = m->u.ack.checkpoint != NULL;
    a->first_leaf = m->u.ack.first_leaf;
    a->n_range = m->u.ack.n_range;
    a->range = p->proof1 = s_hash_array (m->u.ack.range, m->u.ack.n_range);
    a->n_consistency = m->u.ack.n_consistency;
    a->consistency = p->proof2 = s_hash_array (m->u.ack.consistency, m->u.ack.n_consistency);
    if (!p->proof1 || !p->proof2)
        return SH_ENOMEM;
    p->e.ack = a;
    return SH_OK;
}

static sh_err
s_pack_batch (s_pack_t *p, const sh_wire_msg_t *m)
{
    Shouhe__V1__Batch *b = &p->batch;
    size_t nk = m->u.batch.n_keys;
    b->since = m->u.batch.since;
    b->next = m->u.batch.next;
    b->done = m->u.batch.done;
    b->has_own = m->u.batch.own;
    b->own = m->u.batch.own;
    b->n_changes = m->u.batch.n;
    b->changes = p->changes = s_bin_array (m->u.batch.changes, m->u.batch.n);
    p->key_entries = calloc (nk ? nk : 1, sizeof *p->key_entries);
    p->key_ptrs = calloc (nk ? nk : 1, sizeof *p->key_ptrs);
    if (!p->changes || !p->key_entries || !p->key_ptrs)
        return SH_ENOMEM;
    for (size_t i = 0; i < nk; i++) {
        const sh_wire_key_t *k = &m->u.batch.keys[i];
        Shouhe__V1__KeyEntry *ke = &p->key_entries[i];
        *ke = (Shouhe__V1__KeyEntry) SHOUHE__V1__KEY_ENTRY__INIT;
        ke->key = (ProtobufCBinaryData) { SH_PUBKEY_BYTES, (uint8_t *) k->key };
        ke->scope = (char *) k->scope;
        ke->role = (Shouhe__V1__PeerRole) k->role;
        ke->name = (char *) k->name;
        ke->has_revoked = k->revoked;
        ke->revoked = k->revoked;
        p->key_ptrs[i] = ke;
    }
    b->n_keys = nk;
    b->keys = p->key_ptrs;
    b->checkpoint = (char *) m->u.batch.checkpoint;
    b->n_indexes = m->u.batch.n_indexes;
    b->indexes = m->u.batch.indexes;
    b->n_consistency = m->u.batch.n_consistency;
    b->consistency = p->proof1 = s_hash_array (m->u.batch.consistency, m->u.batch.n_consistency);
    p->e.batch = b;
    return p->proof1 ? SH_OK : SH_ENOMEM;
}

static sh_err
s_pack_offer (s_pack_t *p, const sh_wire_msg_t *m)
{
    Shouhe__V1__Offer *o = &p->offer;
    o->checkpoint = (char *) m->u.offer.checkpoint;
    o->n_leaves = o->n_positions = m->u.offer.n;
    o->leaves = p->changes = s_bin_array (m->u.offer.leaves, m->u.offer.n);
    o->positions = m->u.offer.positions;
    o->last = m->u.offer.last;
    p->e.offer = o;
    return p->changes ? SH_OK : SH_ENOMEM;
}

static void
s_pack_taken (s_pack_t *p, const sh_wire_msg_t *m)
{
    Shouhe__V1__Taken *t = &p->taken;
    t->taken = m->u.taken.taken;
    t->size = m->u.taken.size;
    t->target = m->u.taken.target;
    t->recovering = m->u.taken.recovering;
    t->has_missing_from = t->has_missing_to = m->u.taken.missing_to > m->u.taken.missing_from;
    t->missing_from = m->u.taken.missing_from;
    t->missing_to = m->u.taken.missing_to;
    p->e.taken = t;
}

static void
s_pack_hello (s_pack_t *p, const sh_wire_msg_t *m)
{
    Shouhe__V1__Hello *h = &p->hello;
    h->node = (ProtobufCBinaryData) { SH_PUBKEY_BYTES, (uint8_t *) m->u.hello.node };
    h->since = m->u.hello.since;
    h->has_checkpoint_size = m->u.hello.checkpoint_size != 0;
    h->checkpoint_size = m->u.hello.checkpoint_size;
    h->has_nonce = m->u.hello.nonce != 0;
    h->nonce = m->u.hello.nonce;
    p->e.hello = h;
}

void
sh_wire_utf8_cut (char *text)
{
    size_t len = strlen (text);
    size_t lead = len;
    //  back over at most 3 continuation bytes to the last character's lead
    while (lead > 0 && len - lead < 3 && ((unsigned char) text[lead - 1] & 0xc0) == 0x80)
        lead--;
    if (lead == 0)
        return;
    unsigned char c = (unsigned char) text[lead - 1];
    size_t need = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (need > 1 && len - (lead - 1) < need)
        text[lead - 1] = 0;     //  the last character is incomplete
}

static void
s_pack_error (s_pack_t *p, const sh_wire_msg_t *m)
{
    Shouhe__V1__Error *e = &p->error;
    e->code = (Shouhe__V1__ErrorCode) m->u.error.code;
    //  a message cut at SH_WIRE_MESSAGE_MAX bytes (vsnprintf) may end inside
    //  a UTF-8 character (a Chinese name, a translated sentence): the wire
    //  carries valid UTF-8 only, so the broken character goes
    snprintf (p->message, sizeof p->message, "%s", m->u.error.message);
    sh_wire_utf8_cut (p->message);
    e->message = p->message;
    e->has_batch = m->u.error.has_batch;
    e->batch = m->u.error.batch;
    e->has_position = m->u.error.has_position;
    e->position = m->u.error.position;
    p->e.error = e;
}

static sh_err
s_pack_proof (s_pack_t *p, const sh_wire_msg_t *m)
{
    size_t n = m->u.proof.n_runs, total = 0;
    for (size_t i = 0; i < n; i++)
        total += m->u.proof.runs[i].n_hashes;
    p->runs = calloc (n ? n : 1, sizeof *p->runs);
    p->run_ptrs = calloc (n ? n : 1, sizeof *p->run_ptrs);
    p->run_hashes = calloc (total ? total : 1, sizeof *p->run_hashes);
    if (!p->runs || !p->run_ptrs || !p->run_hashes)
        return SH_ENOMEM;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        const sh_wire_run_t *r = &m->u.proof.runs[i];
        Shouhe__V1__ProofRun *o = &p->runs[i];
        *o = (Shouhe__V1__ProofRun) SHOUHE__V1__PROOF_RUN__INIT;
        o->first_seq = r->first_seq;
        o->count = r->count;
        o->first_leaf = r->first_leaf;
        o->n_hashes = r->n_hashes;
        o->hashes = p->run_hashes + at;
        for (size_t k = 0; k < r->n_hashes; k++)
            p->run_hashes[at++] = (ProtobufCBinaryData) { SH_HASH_BYTES, r->hashes[k] };
        p->run_ptrs[i] = o;
    }
    p->proof.first_seq = m->u.proof.first_seq;
    p->proof.checkpoint_size = m->u.proof.checkpoint_size;
    p->proof.n_runs = n;
    p->proof.runs = p->run_ptrs;
    p->e.proof = &p->proof;
    return SH_OK;
}

//  Point p->e's body at the message of m's type. SH_EINVAL for an unknown type.
static sh_err
s_pack_body (s_pack_t *p, const sh_wire_msg_t *m)
{
    switch (m->type) {
        case SH_WIRE_HELLO:
            s_pack_hello (p, m);
            return SH_OK;
        case SH_WIRE_WELCOME:
            return s_pack_welcome (p, m);
        case SH_WIRE_PUSH:
            p->push.batch = m->u.push.batch;
            p->push.n_changes = m->u.push.n;
            p->push.changes = p->changes = s_bin_array (m->u.push.changes, m->u.push.n);
            p->e.push = &p->push;
            return p->changes ? SH_OK : SH_ENOMEM;
        case SH_WIRE_ACK:
            return s_pack_ack (p, m);
        case SH_WIRE_PULL:
            p->pull.since = m->u.pull.since;
            p->pull.max = m->u.pull.max;
            p->pull.has_own_from = m->u.pull.own_from != 0;
            p->pull.own_from = m->u.pull.own_from;
            p->e.pull = &p->pull;
            return SH_OK;
        case SH_WIRE_BATCH:
            return s_pack_batch (p, m);
        case SH_WIRE_ERROR:
            s_pack_error (p, m);
            return SH_OK;
        case SH_WIRE_PING:
            p->ping.nonce = m->u.ping.nonce;
            p->e.ping = &p->ping;
            return SH_OK;
        case SH_WIRE_PONG:
            p->pong.nonce = m->u.ping.nonce;
            p->e.pong = &p->pong;
            return SH_OK;
        case SH_WIRE_FETCH:
            p->fetch.offset = m->u.fetch.offset;
            p->fetch.max = m->u.fetch.max;
            p->e.fetch = &p->fetch;
            return SH_OK;
        case SH_WIRE_CHUNK:
            p->chunk.offset = m->u.chunk.offset;
            p->chunk.total = m->u.chunk.total;
            p->chunk.data = (ProtobufCBinaryData) { m->u.chunk.len, (uint8_t *) m->u.chunk.data };
            p->e.chunk = &p->chunk;
            return SH_OK;
        case SH_WIRE_PROVE:
            p->prove.first_seq = m->u.prove.first_seq;
            p->prove.count = m->u.prove.count;
            p->e.prove = &p->prove;
            return SH_OK;
        case SH_WIRE_PROOF:
            return s_pack_proof (p, m);
        case SH_WIRE_OFFER:
            return s_pack_offer (p, m);
        case SH_WIRE_TAKEN:
            s_pack_taken (p, m);
            return SH_OK;
        default:
            return SH_EINVAL;
    }
}

sh_err
sh_wire_encode (const sh_wire_msg_t *m, uint8_t **out, size_t *out_len)
{
    s_pack_t p = {
        .e = SHOUHE__V1__ENVELOPE__INIT,
        .hello = SHOUHE__V1__HELLO__INIT,
        .welcome = SHOUHE__V1__WELCOME__INIT,
        .push = SHOUHE__V1__PUSH__INIT,
        .ack = SHOUHE__V1__ACK__INIT,
        .pull = SHOUHE__V1__PULL__INIT,
        .batch = SHOUHE__V1__BATCH__INIT,
        .error = SHOUHE__V1__ERROR__INIT,
        .ping = SHOUHE__V1__PING__INIT,
        .pong = SHOUHE__V1__PONG__INIT,
        .fetch = SHOUHE__V1__FETCH__INIT,
        .chunk = SHOUHE__V1__CHUNK__INIT,
        .prove = SHOUHE__V1__PROVE__INIT,
        .proof = SHOUHE__V1__PROOF__INIT,
        .offer = SHOUHE__V1__OFFER__INIT,
        .taken = SHOUHE__V1__TAKEN__INIT,
    };
    p.e.version = m->version ? m->version : SH_WIRE_VERSION;
    p.e.body_case = (Shouhe__V1__Envelope__BodyCase) m->type;
    sh_err rc = s_pack_body (&p, m);
    if (rc == SH_OK) {
        *out_len = shouhe__v1__envelope__get_packed_size (&p.e);
        *out = malloc (*out_len);
        if (!*out)
            rc = SH_ENOMEM;
        else
            shouhe__v1__envelope__pack (&p.e, *out);
    }
    s_pack_fini (&p);
    return rc;
}

const char *
sh_wire_type_name (sh_wire_type_t type)
{
    static const char *const names[] = { "none", "?", "hello", "welcome", "push", "ack", "pull",
                                         "batch", "error", "ping", "pong", "fetch", "chunk",
                                         "prove", "proof", "offer", "taken" };
    return (int) type >= 0 && type <= SH_WIRE_TAKEN ? names[type] : "?";
}

const char *
sh_wire_error_name (sh_wire_error_t code)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value (&shouhe__v1__error_code__descriptor,
                                                                        (int) code);
    return v ? v->name : "ERR_UNKNOWN";
}
