/*  sh_wire -- the envelopes of the sync protocol, to and from plain C. */
#include "sh_seal.h"
#include "sh_wire.h"
#include "sh_zwire.h"

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
_Static_assert ((int) SH_WIRE_COSIGN_TAKEN == (int) SHOUHE__V1__ENVELOPE__BODY_COSIGN_TAKEN, "types are Envelope field numbers");
_Static_assert ((int) SH_WIRE_ROLE_WITNESS == (int) SHOUHE__V1__PEER_ROLE__PEER_WITNESS, "roles follow wire.proto");
_Static_assert ((int) SH_WIRE_ROLE_MIRROR == (int) SHOUHE__V1__PEER_ROLE__PEER_MIRROR, "roles follow wire.proto");
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
    sh_wire_opening_t *openings;        //  push/batch/offer openings
    uint8_t (*proof_a)[SH_HASH_BYTES];  //  welcome consistency / ack range
    uint8_t (*proof_b)[SH_HASH_BYTES];  //  ack consistency
    sh_wire_run_t *runs;                //  proof runs
    uint8_t (*run_hashes)[SH_HASH_BYTES]; //  their hashes, one array for all runs
    sh_zwire_changes_t z;               //  push/batch changes rebuilt from zchanges
    size_t max_bytes;                   //  the decode's limit, also for zchanges' content
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

//  The openings of a Push, Batch or Offer of n changes: each names one of them,
//  a 32-byte salt and a value no longer than a body; at most SH_SEALS_MAX
//  per change. After compressed changes, those of the frame (and none
//  beside it).
static sh_err
s_openings (s_decoded_t *d, size_t n, size_t n_open, Shouhe__V1__Opening **src, size_t *n_out,
            sh_wire_opening_t **out, const char **why)
{
    if (n_open > n * SH_SEALS_MAX) {
        *why = _("more openings than the changes can seal");
        return SH_EPROTO;
    }
    if (d->z.plain) {
        //  compressed: the openings came in the frame (sh_zwire checked them)
        if (n_open) {
            *why = _("a message has both openings and zchanges");
            return SH_EPROTO;
        }
        *n_out = d->z.n_openings;
        *out = d->z.openings;
        return SH_OK;
    }
    d->openings = s_fault_calloc (&d->fault, n_open ? n_open : 1, sizeof *d->openings);
    if (!d->openings)
        return SH_ENOMEM;
    for (size_t i = 0; i < n_open; i++) {
        const Shouhe__V1__Opening *o = src[i];
        if (o->change >= n || o->salt.len != SH_SEAL_SALT_BYTES || o->value.len > SH_BODY_MAX) {
            *why = _("an opening names no change of the message, or its salt or value is malformed");
            return SH_EPROTO;
        }
        d->openings[i] = (sh_wire_opening_t) { o->change, o->field, o->salt.data, o->value.data, o->value.len };
    }
    *n_out = n_open;
    *out = d->openings;
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

//  The changes of a Push or Batch: n byte strings, or one zstd frame
//  (has_z) rebuilt by sh_zwire. *n_out: how many; *zlen: the frame's bytes.
static sh_err
s_changes (s_decoded_t *d, size_t n, const ProtobufCBinaryData *src, bool has_z,
           ProtobufCBinaryData z, sh_wire_bytes_t **out, size_t *n_out, size_t *zlen,
           const char **why)
{
    if (has_z) {
        if (n != 0) {
            *why = _("a message has both changes and zchanges");
            return SH_EPROTO;
        }
        sh_err rc = sh_zwire_decode (z.data, z.len, d->max_bytes, SH_WIRE_MAX_CHANGES, &d->z, why);
        if (rc)
            return rc;
        n = d->z.n;
        *zlen = z.len;
    }
    else if (n > SH_WIRE_MAX_CHANGES) {
        *why = _("too many changes in one message");
        return SH_EPROTO;
    }
    else {
        d->changes = s_fault_calloc (&d->fault, n ? n : 1, sizeof *d->changes);
        if (!d->changes)
            return SH_ENOMEM;
        for (size_t i = 0; i < n; i++)
            d->changes[i] = (sh_wire_bytes_t) { src[i].data, src[i].len };
    }
    sh_wire_bytes_t *c = has_z ? d->z.changes : d->changes;
    for (size_t i = 0; i < n; i++)
        if (c[i].len == 0 || c[i].len > SH_SIGNED_MAX) {
            *why = _("a change is empty or larger than the change size limit");
            return SH_EPROTO;
        }
    *out = c;
    *n_out = n;
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
    m->u.hello.compress = h->has_compress ? h->compress : 0;
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
    m->u.welcome.recovery_base = w->has_recovery_base ? w->recovery_base : w->log_size;
    if (!s_note_ok (w->epoch)) {
        *why = _("welcome epoch note too long");
        return SH_EPROTO;
    }
    m->u.welcome.epoch = w->epoch;
    m->u.welcome.hub_ms = w->has_hub_ms ? w->hub_ms : 0;
    m->u.welcome.compress = w->has_compress ? w->compress : 0;
    sh_err rc = s_hashes (&d->fault, &d->proof_a, &m->u.welcome.n_consistency, w->n_consistency,
                          w->consistency, why);
    m->u.welcome.consistency = d->proof_a;
    if (rc)
        return rc;
    if (!s_note_ok (w->witnessed)) {
        *why = _("welcome witnessed checkpoint too long");
        return SH_EPROTO;
    }
    m->u.welcome.witnessed = w->witnessed;
    rc = s_hashes (&d->fault, &d->proof_b, &m->u.welcome.n_witnessed_consistency, w->n_witnessed_consistency,
                   w->witnessed_consistency, why);
    m->u.welcome.witnessed_consistency = d->proof_b;
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
    sh_err rc = s_changes (d, b->n_changes, b->changes, b->has_zchanges, b->zchanges,
                           &m->u.batch.changes, &m->u.batch.n, &m->u.batch.zlen, why);
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
    if (!s_note_ok (b->checkpoint) || (b->n_indexes != 0 && b->n_indexes != m->u.batch.n)) {
        *why = _("batch checkpoint too long, or not one index per change");
        return SH_EPROTO;
    }
    m->u.batch.checkpoint = b->checkpoint;
    m->u.batch.n_indexes = b->n_indexes;
    m->u.batch.indexes = b->indexes;
    sh_err hc = s_hashes (&d->fault, &d->proof_a, &m->u.batch.n_consistency, b->n_consistency,
                          b->consistency, why);
    m->u.batch.consistency = d->proof_a;
    return hc ? hc : s_openings (d, m->u.batch.n, b->n_openings, b->openings, &m->u.batch.n_openings,
                                 &m->u.batch.openings, why);
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
    size_t zlen = 0;
    sh_err rc = s_changes (d, o->n_leaves, o->leaves, false, (ProtobufCBinaryData) { 0, NULL },
                           &m->u.offer.leaves, &m->u.offer.n, &zlen, why);
    return rc ? rc : s_openings (d, o->n_leaves, o->n_openings, o->openings, &m->u.offer.n_openings,
                                 &m->u.offer.openings, why);
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
s_fill_witness (sh_wire_msg_t *m, const Shouhe__V1__Witness *w, const char **why)
{
    if (w->witness.len != SH_PUBKEY_BYTES) {
        *why = _("witness: the key is not 32 bytes");
        return SH_EPROTO;
    }
    memcpy (m->u.witness.witness, w->witness.data, SH_PUBKEY_BYTES);
    m->u.witness.old_size = w->old_size;
    return SH_OK;
}

static sh_err
s_fill_to_cosign (sh_wire_msg_t *m, s_decoded_t *d, const char **why)
{
    Shouhe__V1__ToCosign *t = d->env->to_cosign;
    if (!s_note_ok (t->checkpoint)) {
        *why = _("to_cosign: checkpoint too long");
        return SH_EPROTO;
    }
    m->u.to_cosign.checkpoint = t->checkpoint;
    m->u.to_cosign.old_size = t->old_size;
    sh_err rc = s_hashes (&d->fault, &d->proof_a, &m->u.to_cosign.n_consistency, t->n_consistency,
                          t->consistency, why);
    m->u.to_cosign.consistency = d->proof_a;
    return rc;
}

static sh_err
s_fill_cosigned (sh_wire_msg_t *m, const Shouhe__V1__Cosigned *c, const char **why)
{
    size_t len = strlen (c->line);
    if (len == 0 || len > SH_WIRE_COSIG_LINE_MAX || c->line[len - 1] != '\n') {
        *why = _("cosigned: the line is empty, too long or does not end in a newline");
        return SH_EPROTO;
    }
    m->u.cosigned.size = c->size;
    m->u.cosigned.line = c->line;
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
        {
            m->u.push.batch = e->push->batch;
            Shouhe__V1__Push *p = e->push;
            sh_err rc = s_changes (d, p->n_changes, p->changes, p->has_zchanges, p->zchanges,
                                   &m->u.push.changes, &m->u.push.n, &m->u.push.zlen, why);
            return rc ? rc : s_openings (d, m->u.push.n, p->n_openings, p->openings,
                                         &m->u.push.n_openings, &m->u.push.openings, why);
        }
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
        case SHOUHE__V1__ENVELOPE__BODY_WITNESS:
            return s_fill_witness (m, e->witness, why);
        case SHOUHE__V1__ENVELOPE__BODY_TO_COSIGN:
            return s_fill_to_cosign (m, d, why);
        case SHOUHE__V1__ENVELOPE__BODY_COSIGNED:
            return s_fill_cosigned (m, e->cosigned, why);
        case SHOUHE__V1__ENVELOPE__BODY_COSIGN_TAKEN:
            m->u.cosign_taken.size = e->cosign_taken->size;
            m->u.cosign_taken.cosignatures = e->cosign_taken->cosignatures;
            return SH_OK;
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
    d->max_bytes = max_bytes;
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
        free (d->openings);
        free (d->proof_a);
        free (d->proof_b);
        free (d->runs);
        free (d->run_hashes);
        sh_zwire_changes_fini (&d->z);
        free (d);
    }
    uint32_t v = msg->version;
    memset (msg, 0, sizeof *msg);
    msg->version = v;
}

const char *
sh_wire_type_name (sh_wire_type_t type)
{
    static const char *const names[] = { "none", "?", "hello", "welcome", "push", "ack", "pull",
                                         "batch", "error", "ping", "pong", "fetch", "chunk",
                                         "prove", "proof", "offer", "taken", "witness", "to_cosign",
                                         "cosigned", "cosign_taken" };
    return (int) type >= 0 && type <= SH_WIRE_COSIGN_TAKEN ? names[type] : "?";
}

const char *
sh_wire_error_name (sh_wire_error_t code)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value (&shouhe__v1__error_code__descriptor,
                                                                        (int) code);
    return v ? v->name : "ERR_UNKNOWN";
}
