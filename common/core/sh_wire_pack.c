/*  sh_wire_pack -- the encoding half of sh_wire (sh_wire.h): plain C to
    shouhe.v1.Envelope bytes. The decoding half is sh_wire.c.
*/
#include "sh_seal.h"
#include "sh_wire.h"
#include "sh_zwire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shouhe/v1/wire.pb-c.h"

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
    Shouhe__V1__Witness witness;
    Shouhe__V1__ToCosign to_cosign;
    Shouhe__V1__Cosigned cosigned;
    Shouhe__V1__CosignTaken cosign_taken;
    ProtobufCBinaryData *changes;       //  push/batch changes
    uint8_t *z;                         //  or them in one zstd frame (sh_zwire)
    Shouhe__V1__Opening *openings;      //  push/batch/offer openings
    Shouhe__V1__Opening **opening_ptrs; //  and pointers to them
    Shouhe__V1__KeyEntry *key_entries;  //  batch key entries
    Shouhe__V1__KeyEntry **key_ptrs;    //  and pointers to them
    ProtobufCBinaryData *proof1;        //  welcome consistency / ack range
    ProtobufCBinaryData *proof2;        //  ack consistency
} s_pack_t;

static void
s_pack_fini (s_pack_t *p)
{
    free (p->changes);
    free (p->z);
    free (p->openings);
    free (p->opening_ptrs);
    free (p->key_entries);
    free (p->key_ptrs);
    free (p->proof1);
    free (p->proof2);
    free (p->runs);
    free (p->run_ptrs);
    free (p->run_hashes);
}

//  The changes of a Push or Batch: n byte strings, or (compress) one zstd
//  frame in *z (sh_zwire) that also holds the openings (*n_open is then
//  set to 0: none beside it). The arrays go into p for s_pack_fini.
static sh_err
s_pack_changes (s_pack_t *p, const sh_wire_bytes_t *src, size_t n, size_t *n_open,
                const sh_wire_opening_t *openings, bool compress, size_t *n_changes,
                ProtobufCBinaryData **changes, protobuf_c_boolean *has_z, ProtobufCBinaryData *z)
{
    if (!compress || n == 0) {
        *changes = p->changes = s_bin_array (src, n);
        *n_changes = n;
        return p->changes ? SH_OK : SH_ENOMEM;
    }
    size_t z_len = 0;
    sh_err rc = sh_zwire_encode (src, n, openings, *n_open, &p->z, &z_len);
    *n_changes = 0;
    *n_open = 0;
    *has_z = rc == SH_OK;
    *z = (ProtobufCBinaryData) { z_len, p->z };
    return rc;
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
    w->has_compress = m->u.welcome.compress != 0;
    w->compress = m->u.welcome.compress;
    w->n_consistency = m->u.welcome.n_consistency;
    w->consistency = p->proof1 = s_hash_array (m->u.welcome.consistency, m->u.welcome.n_consistency);
    w->has_recovering = w->recovering = m->u.welcome.recovering;
    w->has_recovery_target = m->u.welcome.recovery_target != 0;
    w->recovery_target = m->u.welcome.recovery_target;
    w->has_recovery_base = m->u.welcome.recovering;
    w->recovery_base = m->u.welcome.recovery_base;
    w->epoch = (char *) m->u.welcome.epoch;
    w->witnessed = (char *) m->u.welcome.witnessed;
    w->n_witnessed_consistency = m->u.welcome.n_witnessed_consistency;
    w->witnessed_consistency = p->proof2 = s_hash_array (m->u.welcome.witnessed_consistency,
                                                         m->u.welcome.n_witnessed_consistency);
    if (!p->proof1 || !p->proof2)
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

//  The Opening messages of n openings (p owns the arrays); *out and *n_out
//  set for the Push, Batch or Offer.
static sh_err
s_pack_openings (s_pack_t *p, const sh_wire_opening_t *o, size_t n, size_t *n_out, Shouhe__V1__Opening ***out)
{
    p->openings = calloc (n ? n : 1, sizeof *p->openings);
    p->opening_ptrs = calloc (n ? n : 1, sizeof *p->opening_ptrs);
    if (!p->openings || !p->opening_ptrs)
        return SH_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        Shouhe__V1__Opening *q = &p->openings[i];
        shouhe__v1__opening__init (q);
        q->change = o[i].change;
        q->field = o[i].field;
        q->salt = (ProtobufCBinaryData) { SH_SEAL_SALT_BYTES, (uint8_t *) o[i].salt };
        q->value = (ProtobufCBinaryData) { o[i].value_len, (uint8_t *) o[i].value };
        p->opening_ptrs[i] = q;
    }
    *n_out = n;
    *out = n ? p->opening_ptrs : NULL;
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
    size_t n_open = m->u.batch.n_openings;
    sh_err rc = s_pack_changes (p, m->u.batch.changes, m->u.batch.n, &n_open, m->u.batch.openings,
                                m->u.batch.compress, &b->n_changes, &b->changes, &b->has_zchanges,
                                &b->zchanges);
    if (rc)
        return rc;
    p->key_entries = calloc (nk ? nk : 1, sizeof *p->key_entries);
    p->key_ptrs = calloc (nk ? nk : 1, sizeof *p->key_ptrs);
    if (!p->key_entries || !p->key_ptrs)
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
    if (!p->proof1)
        return SH_ENOMEM;
    return s_pack_openings (p, m->u.batch.openings, n_open, &b->n_openings, &b->openings);
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
    if (!p->changes)
        return SH_ENOMEM;
    return s_pack_openings (p, m->u.offer.openings, m->u.offer.n_openings, &o->n_openings, &o->openings);
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
    h->has_compress = m->u.hello.compress != 0;
    h->compress = m->u.hello.compress;
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
static void
s_pack_witness (s_pack_t *p, const sh_wire_msg_t *m)
{
    Shouhe__V1__Witness *w = &p->witness;
    w->witness.data = (uint8_t *) m->u.witness.witness;
    w->witness.len = SH_PUBKEY_BYTES;
    w->old_size = m->u.witness.old_size;
    p->e.witness = w;
}

static sh_err
s_pack_to_cosign (s_pack_t *p, const sh_wire_msg_t *m)
{
    Shouhe__V1__ToCosign *t = &p->to_cosign;
    t->checkpoint = (char *) (m->u.to_cosign.checkpoint ? m->u.to_cosign.checkpoint : "");
    t->old_size = m->u.to_cosign.old_size;
    t->n_consistency = m->u.to_cosign.n_consistency;
    t->consistency = p->proof1 = s_hash_array (m->u.to_cosign.consistency, t->n_consistency);
    if (!p->proof1)
        return SH_ENOMEM;
    p->e.to_cosign = t;
    return SH_OK;
}

static void
s_pack_cosign (s_pack_t *p, const sh_wire_msg_t *m)
{
    if (m->type == SH_WIRE_COSIGNED) {
        p->cosigned.size = m->u.cosigned.size;
        p->cosigned.line = (char *) (m->u.cosigned.line ? m->u.cosigned.line : "");
        p->e.cosigned = &p->cosigned;
    }
    else {
        p->cosign_taken.size = m->u.cosign_taken.size;
        p->cosign_taken.cosignatures = m->u.cosign_taken.cosignatures;
        p->e.cosign_taken = &p->cosign_taken;
    }
}

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
        {
            p->push.batch = m->u.push.batch;
            p->e.push = &p->push;
            size_t n_open = m->u.push.n_openings;
            sh_err rc = s_pack_changes (p, m->u.push.changes, m->u.push.n, &n_open, m->u.push.openings,
                                        m->u.push.compress, &p->push.n_changes, &p->push.changes,
                                        &p->push.has_zchanges, &p->push.zchanges);
            return rc ? rc : s_pack_openings (p, m->u.push.openings, n_open, &p->push.n_openings,
                                              &p->push.openings);
        }
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
        case SH_WIRE_WITNESS:
            s_pack_witness (p, m);
            return SH_OK;
        case SH_WIRE_TO_COSIGN:
            return s_pack_to_cosign (p, m);
        case SH_WIRE_COSIGNED:
        case SH_WIRE_COSIGN_TAKEN:
            s_pack_cosign (p, m);
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
        .witness = SHOUHE__V1__WITNESS__INIT,
        .to_cosign = SHOUHE__V1__TO_COSIGN__INIT,
        .cosigned = SHOUHE__V1__COSIGNED__INIT,
        .cosign_taken = SHOUHE__V1__COSIGN_TAKEN__INIT,
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

