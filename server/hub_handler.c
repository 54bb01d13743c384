/*  hub_handler -- the hub's protocol side: sessions and message handlers.

    See hub_handler.h. Message handling follows docs/protocol.md, "Wire
    protocol": Hello opens a session (the key is the one ZAP authenticated,
    never the peer's claim), Push is verified and committed before its Ack,
    Pull is answered with one Batch, Ping with Pong, Fetch with a Chunk of
    an export snapshot; anything else gets an Error.
*/
#include "hub_handler.h"
#include "hub_handler_int.h"
#include "hub_lead.h"
#include "hub_witness.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_changelog.h"
#include "sh_crypto.h"
#include "sh_export.h"
#include "sh_hublog.h"
#include "sh_hubproof.h"
#include "sh_i18n.h"
#include "sh_map.h"
#include "sh_merkle.h"
#include "sh_quota.h"
#include "hub_held.h"
#include "sh_cosigs.h"
#include "sh_recovery.h"
#include "sh_registry.h"
#include "sh_sys.h"
#include "sh_wire.h"
#include "sh_zwire.h"

static void s_session_free (void **item);

//  ---------------------------------------------------------------------
//  Constructor and destructor

hub_handler_t *
hub_handler_new (const hub_config_t *config, sh_store_t *store, const sh_hubid_t *hub,
                 hub_reply_fn *reply, void *arg)
{
    assert (config && store && hub && hub->key && reply);
    hub_handler_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->config = config;
    self->store = store;
    self->hub = hub;
    self->reply = reply;
    self->reply_arg = arg;
    self->sessions = sh_map_new (s_session_free);
    self->logged = sh_map_new (NULL);
    self->held = hub_held_new ();
    if (!self->sessions || !self->logged || !self->held) {
        sh_map_destroy (&self->sessions);
        sh_map_destroy (&self->logged);
        hub_held_destroy (&self->held);
        free (self);
        return NULL;
    }
    return self;
}

void
hub_handler_destroy (hub_handler_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        hub_handler_t *self = *self_p;
        hub_handler_drop_ahead (self);
        sh_hublog_opening_destroy (&self->opening);
        sh_map_destroy (&self->sessions);
        sh_map_destroy (&self->logged);
        hub_held_destroy (&self->held);
        free (self);
        *self_p = NULL;
    }
}

void
hub_handler_set_peek (hub_handler_t *self, hub_peek_fn *peek, void *arg)
{
    assert (self);
    self->peek = peek;
    self->peek_arg = arg;
}

uint64_t
hub_handler_opened_ahead (const hub_handler_t *self)
{
    assert (self);
    return self->opened_ahead;
}

static void
s_session_free (void **item)
{
    if (item && *item) {
        hub_session_t *s = *item;
        free (s->export_buf);
        free (s);
        *item = NULL;
    }
}

//  ---------------------------------------------------------------------
//  Logging and sending

void
hub_handler_log (const hub_handler_t *self, const char *level, const char *fmt, ...)
{
    if (self->config->quiet)
        return;
    char line[1024];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (line, sizeof line, fmt, ap);
    va_end (ap);
    hub_log (level, "%s", line);
}

void
hub_handler_send (hub_handler_t *self, const uint8_t *rid, size_t rid_len, const sh_wire_msg_t *m)
{
    uint8_t *buf;
    size_t len;
    if (sh_wire_encode (m, &buf, &len) != SH_OK) {
        hub_handler_log (self, "error", _("cannot encode a %s reply"), sh_wire_type_name (m->type));
        return;
    }
    if (self->current)
        self->current->bytes_out += len;
    if (hub_held_follow (self->held, rid, rid_len, buf, len))
        return;                 //  behind an Ack waiting for the mirror: answers keep their order
    self->reply (rid, rid_len, buf, len, self->reply_arg);
    free (buf);
}

//  The one line of a finished sync (docs/operations.md, "The sync log
//  lines"): the node's key prefix and enrolled name, its changes up and
//  down, bytes, time and result; then the next sync of the session counts
//  from zero.
static void
s_log_sync (hub_handler_t *self, hub_session_t *s, const sh_registry_entry_t *e)
{
    const char *result = s->full ? "store-full" : s->quota ? "quota" : "ok";
    //  not translated: the format is stable, tools parse it (docs/operations.md 12)
    hub_handler_log (self, "info", "sync: %s node=%s name=\"%s\" scope=%s up=%llu down=%llu bytes-in=%llu "
           "bytes-out=%llu ms=%lld", result, s->key_hex, e->name, e->scope, (unsigned long long) s->pushed,
           (unsigned long long) s->pulled, (unsigned long long) s->bytes_in, (unsigned long long) s->bytes_out,
           (long long) (s->start_ms ? sh_sys_mono_ms () - s->start_ms : 0));
    s->pushed = s->pulled = s->bytes_in = s->bytes_out = 0;
    s->start_ms = 0;
}

void
hub_handler_error (hub_handler_t *self, const uint8_t *rid, size_t rid_len, sh_wire_error_t code,
                   const char *peer, const char *fmt, ...)
{
    sh_wire_msg_t m = { .type = SH_WIRE_ERROR };
    m.u.error.code = code;
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (m.u.error.message, sizeof m.u.error.message, fmt, ap);
    va_end (ap);
    sh_wire_utf8_cut (m.u.error.message);      //  the log line too: no broken character
    hub_handler_log (self, "warn", _("peer %s: %s: %s"), peer, sh_wire_error_name (code), m.u.error.message);
    hub_handler_send (self, rid, rid_len, &m);
}

//  ---------------------------------------------------------------------
//  Message handlers

//  RFC 9162 consistency proof between two sizes of the hub's tree.
static sh_err
s_consistency (hub_handler_t *self, uint64_t old_size, uint64_t new_size,
               uint8_t proof[SH_WIRE_PROOF_MAX][SH_HASH_BYTES], size_t *n)
{
    *n = 0;
    if (old_size == 0 || old_size == new_size)
        return SH_OK;
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (self->store, false, &txn);
    if (rc == SH_OK)
        rc = sh_merkle_consistency (txn, old_size, new_size, proof, SH_WIRE_PROOF_MAX, n);
    sh_store_abort (&txn);
    return rc;
}

//  How stale the registry's last_seen_ms may get before a Hello writes it.
#define S_SEEN_STEP_MS 60000

//  The session of routing id rid_hex, made if new, (re)opened for key:
//  NULL when out of memory. A new Hello forgets an earlier store-full
//  refusal: the operator may have freed space since.
static hub_session_t *
s_session_open (hub_handler_t *self, const char *rid_hex, const uint8_t key[SH_PUBKEY_BYTES], const char *peer)
{
    hub_session_t *s = sh_map_get (self->sessions, rid_hex);
    if (!s) {
        s = calloc (1, sizeof *s);
        if (!s)
            return NULL;
        snprintf (s->rid_hex, sizeof s->rid_hex, "%s", rid_hex);
        if (sh_map_put (self->sessions, rid_hex, s) != SH_OK) {
            free (s);           //  cannot happen: rid_hex was not there
            return NULL;
        }
    }
    memcpy (s->key, key, SH_PUBKEY_BYTES);
    snprintf (s->key_hex, sizeof s->key_hex, "%s", peer);
    if (!s->start_ms)
        s->start_ms = sh_sys_mono_ms ();
    s->full = false;
    s->quota = false;
    return s;
}

//  The registry entry of a Hello's key, read in a read transaction left
//  open in *txn (abort it, also on failure). last_seen_ms is written (a
//  durable write transaction) only when it is more than S_SEEN_STEP_MS
//  old, so that nodes reconnecting often cost the hub no disk flush each
//  time.
static sh_err
s_hello_entry (hub_handler_t *self, const uint8_t key[SH_PUBKEY_BYTES], const char *peer,
               sh_registry_entry_t *e, sh_store_txn_t **txn)
{
    uint64_t now = sh_sys_wall_ms ();
    sh_err rc = sh_store_begin (self->store, false, txn);
    if (rc == SH_OK)
        rc = sh_registry_get (*txn, key, e);
    if (rc || e->revoked_ms || (e->last_seen_ms <= now && now - e->last_seen_ms < S_SEEN_STEP_MS))
        return rc;
    //  a bookkeeping stamp: if it cannot be written (a full store), the
    //  session goes on without it -- downloads must not stop for it
    sh_store_abort (txn);
    sh_store_txn_t *w;
    sh_err wc = sh_store_begin (self->store, true, &w);
    if (wc == SH_OK)
        wc = sh_registry_touch (w, key, now);
    if (wc == SH_OK)
        wc = sh_store_commit (&w);
    sh_store_abort (&w);
    if (wc)
        hub_handler_log (self, "warn", _("peer %s: cannot record when it was last seen: %s"), peer,
                         sh_strerror (wc));
    rc = sh_store_begin (self->store, false, txn);
    return rc ? rc : sh_registry_get (*txn, key, e);
}

static void
s_on_hello (hub_handler_t *self, const uint8_t *rid, size_t rid_len, const char *rid_hex,
            const uint8_t key[SH_PUBKEY_BYTES], const char *peer, const sh_wire_msg_t *m)
{
    if (memcmp (m->u.hello.node, key, SH_PUBKEY_BYTES) != 0) {
        hub_handler_error (self, rid, rid_len, SH_WIRE_ERR_AUTHOR, peer, _("hello names another key than the one "
                 "this connection authenticated with"));
        return;
    }
    sh_registry_entry_t e;
    sh_store_txn_t *txn;
    sh_err rc = s_hello_entry (self, key, peer, &e, &txn);
    uint64_t head = 0, size = 0;
    uint8_t hash[SH_HASH_BYTES];
    if (rc == SH_OK)
        rc = sh_changelog_head (txn, key, &head, hash);
    if (rc == SH_OK)
        rc = sh_changelog_size (txn, &size);
    //  a hub recovering a lost tail asks for the node's Offer (13.19)
    uint64_t base = size;
    bool recovering = rc == SH_OK && sh_recovery_active (txn, &base);
    uint64_t target = 0;
    char *epoch = NULL;
    if (rc == SH_OK && recovering)
        rc = sh_recovery_target (txn, &target);
    if (rc == SH_OK)
        rc = sh_recovery_epoch_note (txn, &epoch);
    sh_store_abort (&txn);
    if (rc)
        free (epoch);
    if (rc == SH_ENOTFOUND) {
        hub_handler_error (self, rid, rid_len, SH_WIRE_ERR_NOT_ENROLLED, peer, _("this key is not enrolled at the hub"));
        return;
    }
    if (rc) {
        hub_handler_error (self, rid, rid_len, SH_WIRE_ERR_INTERNAL, peer, _("the hub cannot read its store: %s"),
                 sh_strerror (rc));
        return;
    }
    hub_session_t *s = e.revoked_ms ? NULL : s_session_open (self, rid_hex, key, peer);
    if (!s) {
        if (e.revoked_ms)
            hub_handler_error (self, rid, rid_len, SH_WIRE_ERR_REVOKED, peer, _("this key was revoked"));
        free (epoch);
        return;
    }
    s->last_ms = sh_sys_mono_ms ();
    s->compress = m->u.hello.compress & SH_ZWIRE_ZSTD;
    if (self->config->verbose)
        hub_handler_log (self, "info", _("peer %s: session opened (scope %s, hub holds its seq %llu, log size %llu)"),
               peer, e.scope, (unsigned long long) head, (unsigned long long) size);
    //  the newest checkpoint, and proof that it extends the one the node holds
    char *note = NULL;
    uint64_t cp_size = 0;
    uint8_t proof[SH_WIRE_PROOF_MAX][SH_HASH_BYTES];
    size_t n_proof = 0;
    rc = sh_hublog_checkpoint (self->store, self->hub, &note, &cp_size);
    uint64_t old_size = m->u.hello.checkpoint_size;
    if (rc == SH_OK && note && old_size > 0 && old_size <= cp_size)
        rc = s_consistency (self, old_size, cp_size, proof, &n_proof);
    if (rc) {
        free (note);
        free (epoch);
        hub_handler_error (self, rid, rid_len, SH_WIRE_ERR_INTERNAL, peer, _("cannot prove the log: %s"), sh_strerror (rc));
        return;
    }
    //  the newest checkpoint the witnesses cosigned, and proof that the newest extends it (16.7)
    uint8_t wproof[SH_WIRE_PROOF_MAX][SH_HASH_BYTES];
    size_t n_wproof = 0;
    char *witnessed = note ? hub_witness_newest (self->store, cp_size, wproof, &n_wproof) : NULL;
    s->cp_size = cp_size;
    //  ... as does one that meets a node holding a checkpoint beyond its log
    sh_wire_msg_t w = { .type = SH_WIRE_WELCOME };
    w.u.welcome.recovering = recovering || old_size > cp_size;
    if (w.u.welcome.recovering)
        w.u.welcome.recovery_target = target > old_size ? target : old_size;
    w.u.welcome.recovery_base = base;           //  sent with recovering only
    w.u.welcome.epoch = epoch;
    w.u.welcome.checkpoint = note;
    w.u.welcome.nonce = m->u.hello.nonce;
    w.u.welcome.hub_ms = sh_sys_wall_ms ();
    w.u.welcome.n_consistency = n_proof;
    w.u.welcome.consistency = proof;
    w.u.welcome.witnessed = witnessed;
    w.u.welcome.n_witnessed_consistency = n_wproof;
    w.u.welcome.witnessed_consistency = wproof;
    strcpy (w.u.welcome.scope, e.scope);
    w.u.welcome.head_seq = head;
    memcpy (w.u.welcome.head_hash, hash, SH_HASH_BYTES);
    w.u.welcome.log_size = size;
    w.u.welcome.credit = S_CREDIT;
    w.u.welcome.max_changes = S_MAX_CHANGES;
    w.u.welcome.max_bytes = SH_WIRE_MAX_BYTES;
    w.u.welcome.compress = s->compress;
    hub_handler_send (self, rid, rid_len, &w);
    free (note);
    free (witnessed);
    free (epoch);
}

bool
hub_handler_entry (hub_handler_t *self, const uint8_t *rid, size_t rid_len, hub_session_t *s,
                   sh_registry_entry_t *e)
{
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (self->store, false, &txn);
    if (rc == SH_OK)
        rc = sh_registry_get (txn, s->key, e);
    sh_store_abort (&txn);
    if (rc) {
        hub_handler_error (self, rid, rid_len, rc == SH_ENOTFOUND ? SH_WIRE_ERR_NOT_ENROLLED : SH_WIRE_ERR_INTERNAL,
                 s->key_hex, _("cannot read this key's enrolment: %s"), sh_strerror (rc));
        return false;
    }
    if (e->revoked_ms) {
        hub_handler_error (self, rid, rid_len, SH_WIRE_ERR_REVOKED, s->key_hex, _("this key was revoked; session closed"));
        sh_map_delete (self->sessions, s->rid_hex);
        return false;
    }
    return true;
}

static void
s_on_pull (hub_handler_t *self, const uint8_t *rid, size_t rid_len, hub_session_t *s, const sh_wire_msg_t *m)
{
    sh_registry_entry_t e;
    if (!hub_handler_entry (self, rid, rid_len, s, &e))
        return;
    sh_hublog_batch_t b;
    uint32_t max = m->u.pull.max ? m->u.pull.max : 1;
    if (max > S_MAX_CHANGES)
        max = S_MAX_CHANGES;
    //  own_from: a node restored from an older backup fetches its own chain back
    bool own = m->u.pull.own_from > 0;
    //  to a town's or a village's node: the openings of the changes' seals (7.10)
    sh_err (*pull) (sh_store_t *, const char *, const uint8_t *, uint64_t, uint32_t, size_t, sh_hublog_batch_t *)
        = e.role == SH_WIRE_ROLE_NODE && strlen (e.scope) >= 9 ? sh_hublog_pull_openings : sh_hublog_pull;
    sh_err rc = own ? sh_hublog_pull_own (self->store, s->key, m->u.pull.own_from, max, S_BATCH_BYTES, &b)
                    : pull (self->store, e.role == SH_WIRE_ROLE_MIRROR ? NULL : e.scope,
                            e.role == SH_WIRE_ROLE_NODE ? s->key : NULL, m->u.pull.since, max, S_BATCH_BYTES, &b);
    if (rc) {
        hub_handler_error (self, rid, rid_len, SH_WIRE_ERR_INTERNAL, s->key_hex, _("cannot read the log: %s"),
                 sh_strerror (rc));
        return;
    }
    //  the checkpoint covering the batch, when newer than the session's
    uint8_t proof[SH_WIRE_PROOF_MAX][SH_HASH_BYTES];
    size_t n_proof = 0;
    bool newer = b.note && b.cp_size > s->cp_size;
    if (newer && (rc = s_consistency (self, s->cp_size, b.cp_size, proof, &n_proof)) != SH_OK) {
        sh_hublog_batch_fini (&b);
        hub_handler_error (self, rid, rid_len, SH_WIRE_ERR_INTERNAL, s->key_hex, _("cannot prove the log: %s"),
                 sh_strerror (rc));
        return;
    }
    s->pulled += b.n;
    sh_wire_msg_t r = { .type = SH_WIRE_BATCH };
    r.u.batch.since = b.since;
    r.u.batch.next = b.next;
    r.u.batch.done = b.done;
    r.u.batch.own = own;
    r.u.batch.n = b.n;
    r.u.batch.changes = b.changes;
    r.u.batch.n_keys = b.n_keys;
    r.u.batch.keys = b.keys;
    r.u.batch.n_indexes = b.indexes ? b.n : 0;       //  an own Batch carries none
    r.u.batch.indexes = b.indexes;
    r.u.batch.n_openings = b.n_openings;
    r.u.batch.openings = b.openings;
    r.u.batch.compress = s->compress != 0;
    if (newer) {
        r.u.batch.checkpoint = b.note;
        r.u.batch.consistency = proof;
        r.u.batch.n_consistency = n_proof;
        s->cp_size = b.cp_size;
    }
    hub_handler_send (self, rid, rid_len, &r);
    //  a watching mirror asks every 200 ms: only a pull that brought something is a sync line
    bool caught_up = b.done && !own && (e.role != SH_WIRE_ROLE_MIRROR || s->pulled > 0);
    sh_hublog_batch_fini (&b);
    if (caught_up)
        s_log_sync (self, s, &e);
}

//  Offer: a node hands back what it holds of a tail the hub lost
//  (sh_recovery); the answer says where the recovery stands.
static void
s_on_offer (hub_handler_t *self, const uint8_t *rid, size_t rid_len, hub_session_t *s, const sh_wire_msg_t *m)
{
    sh_registry_entry_t e;
    if (!hub_handler_entry (self, rid, rid_len, s, &e))
        return;
    if (e.role != SH_WIRE_ROLE_NODE && e.role != SH_WIRE_ROLE_MIRROR) {
        hub_handler_error (self, rid, rid_len, SH_WIRE_ERR_ROLE, s->key_hex, _("only a node or a mirror key may offer "
                 "changes"));
        return;
    }
    sh_recovery_result_t res;
    sh_recovery_status_t st;
    sh_err rc = sh_recovery_offer (self->store, self->hub, s->key, m->u.offer.checkpoint, m->u.offer.leaves,
                                   m->u.offer.positions, m->u.offer.n, m->u.offer.openings,
                                   m->u.offer.n_openings, m->u.offer.last, sh_sys_wall_ms (), &res, &st);
    if (rc) {
        hub_handler_log (self, "error", _("peer %s: cannot take its offer: %s"), s->key_hex, sh_strerror (rc));
        hub_handler_error (self, rid, rid_len, SH_WIRE_ERR_INTERNAL, s->key_hex, _("the hub could not take the offer: %s; "
                 "retry later"), sh_strerror (rc));
        return;
    }
    if (res.code) {
        hub_handler_error (self, rid, rid_len, res.code, s->key_hex, "%s", res.message);
        return;
    }
    if (res.began)
        hub_handler_log (self, "warn", _("peer %s holds a checkpoint beyond this hub's log (%llu entries): the hub "
                               "lost a tail of its log and recovers it from its nodes"), s->key_hex,
               (unsigned long long) st.base);
    if (res.appended)
        hub_handler_log (self, "info", _("recovery: %llu entries taken back (the log holds %llu)"),
               (unsigned long long) res.appended, (unsigned long long) st.size);
    if (res.finished)
        hub_handler_log (self, "info", _("recovery finished: every node was heard from; the log holds %llu entries"),
               (unsigned long long) st.size);
    else
    if (st.active && m->u.offer.last && st.heard >= st.nodes && st.missing)
        hub_handler_log (self, "warn", _("recovery: every node was heard from, but leaves %llu..%llu (%llu in all) are "
                               "held by none; shouhe-hub recover --abandon-tail gives them up"),
               (unsigned long long) st.missing_from, (unsigned long long) (st.missing_to - 1),
               (unsigned long long) st.missing);
    sh_wire_msg_t t = { .type = SH_WIRE_TAKEN };
    t.u.taken.taken = res.taken;
    t.u.taken.size = st.size;
    t.u.taken.target = st.target;
    t.u.taken.recovering = st.active;
    t.u.taken.missing_from = st.missing_from;
    t.u.taken.missing_to = st.missing_to;
    hub_handler_send (self, rid, rid_len, &t);
}

//  Prove: inclusion proofs of the node's changes in the tree of the
//  checkpoint this session was last given (docs/protocol.md 13.18).
static void
s_on_prove (hub_handler_t *self, const uint8_t *rid, size_t rid_len, hub_session_t *s, const sh_wire_msg_t *m)
{
    sh_registry_entry_t e;
    if (!hub_handler_entry (self, rid, rid_len, s, &e))
        return;
    sh_hubproof_t p;
    sh_err rc = sh_hubproof_make (&p, self->store, s->key, m->u.prove.first_seq, m->u.prove.count, s->cp_size);
    if (rc) {
        hub_handler_error (self, rid, rid_len, SH_WIRE_ERR_INTERNAL, s->key_hex, _("cannot prove the log: %s"),
                 sh_strerror (rc));
        return;
    }
    sh_wire_msg_t r = { .type = SH_WIRE_PROOF };
    r.u.proof.first_seq = m->u.prove.first_seq;
    r.u.proof.checkpoint_size = s->cp_size;
    r.u.proof.n_runs = p.n_runs;
    r.u.proof.runs = p.runs;
    hub_handler_send (self, rid, rid_len, &r);
    sh_hubproof_fini (&p);
}

//  Fetch: an auditor streams an export of the hub (docs/protocol.md 15.8).
//  Offset 0 takes a snapshot, kept in the session until the next one.
static void
s_on_fetch (hub_handler_t *self, const uint8_t *rid, size_t rid_len, hub_session_t *s, const sh_wire_msg_t *m)
{
    sh_registry_entry_t e;
    if (!hub_handler_entry (self, rid, rid_len, s, &e))
        return;
    if (e.role != SH_WIRE_ROLE_AUDITOR) {
        hub_handler_error (self, rid, rid_len, SH_WIRE_ERR_ROLE, s->key_hex, _("only an auditor key may fetch the export"));
        return;
    }
    if (m->u.fetch.offset == 0) {
        free (s->export_buf);
        sh_err rc = sh_export_buffer (&s->export_buf, &s->export_len, self->store, self->hub);
        if (rc) {
            hub_handler_error (self, rid, rid_len, SH_WIRE_ERR_INTERNAL, s->key_hex, _("cannot write the export: %s"),
                     sh_strerror (rc));
            return;
        }
        if (self->config->verbose)
            hub_handler_log (self, "info", _("peer %s: export snapshot of %zu bytes for an auditor"), s->key_hex,
                   s->export_len);
    }
    if (!s->export_buf || m->u.fetch.offset > s->export_len) {
        hub_handler_error (self, rid, rid_len, SH_WIRE_ERR_MALFORMED, s->key_hex, _("fetch from offset %llu: start with "
                 "offset 0"), (unsigned long long) m->u.fetch.offset);
        return;
    }
    size_t max = m->u.fetch.max && m->u.fetch.max < SH_WIRE_CHUNK_MAX ? m->u.fetch.max : SH_WIRE_CHUNK_MAX;
    size_t left = s->export_len - (size_t) m->u.fetch.offset;
    sh_wire_msg_t c = { .type = SH_WIRE_CHUNK };
    c.u.chunk.offset = m->u.fetch.offset;
    c.u.chunk.total = s->export_len;
    c.u.chunk.data = (const uint8_t *) s->export_buf + m->u.fetch.offset;
    c.u.chunk.len = left < max ? left : max;
    hub_handler_send (self, rid, rid_len, &c);
}

//  ---------------------------------------------------------------------
//  Witnesses

static void
s_on_witness (hub_handler_t *self, const uint8_t *rid, size_t rid_len, hub_session_t *s, const sh_wire_msg_t *m)
{
    sh_wire_msg_t reply;
    hub_witness_reply_t keep;
    char line[SH_WIRE_MESSAGE_MAX + 64];
    memcpy (s->witness.peer, s->key, SH_PUBKEY_BYTES);
    hub_witness_answer (self->store, self->hub, &s->witness, m, &reply, &keep, line, sizeof line);
    if (line[0])
        hub_handler_log (self, reply.type == SH_WIRE_ERROR ? "warn" : "info", "peer %s: %s", s->key_hex, line);
    hub_handler_send (self, rid, rid_len, &reply);
    hub_witness_reply_fini (&keep);
    uint64_t mirrored;
    if (reply.type == SH_WIRE_COSIGN_TAKEN && hub_held_count (self->held) > 0
    &&  sh_cosigs_mirrored (self->store, &mirrored) == SH_OK)
        hub_held_release (self->held, mirrored, self->reply, self->reply_arg);
}

//  ---------------------------------------------------------------------
//  One message (docs/protocol.md 13.7)

//  The envelope's frame and connection, before it is decoded: an
//  authenticated User-Id (its key into key), one frame, within the size.
//  false when an Error was sent.
static bool
s_envelope_ok (hub_handler_t *self, const uint8_t *rid, size_t rid_len, const char *user_id, size_t body_len,
               size_t extra_frames, uint8_t key[SH_PUBKEY_BYTES], char peer[17])
{
    if (!user_id || sh_crypto_unhex (key, SH_PUBKEY_BYTES, user_id) != SH_OK) {
        hub_handler_error (self, rid, rid_len, SH_WIRE_ERR_NOT_ENROLLED, peer, _("the connection is not authenticated"));
        return false;
    }
    if (extra_frames != 0) {
        hub_handler_error (self, rid, rid_len, SH_WIRE_ERR_MALFORMED, peer, _("one envelope per message; got %zu extra "
                 "frames"), extra_frames);
        return false;
    }
    if (body_len > SH_WIRE_MAX_BYTES) {
        hub_handler_error (self, rid, rid_len, SH_WIRE_ERR_TOO_LARGE, peer, _("message of %zu bytes; at most %u"),
                 body_len, SH_WIRE_MAX_BYTES);
        return false;
    }
    return true;
}

void
hub_handler_message (hub_handler_t *self, const uint8_t *rid, size_t rid_len, const char *user_id,
                     const uint8_t *body, size_t body_len, size_t extra_frames)
{
    assert (self && rid && (body || body_len == 0));
    assert (rid_len > 0 && rid_len <= S_RID_MAX);
    sh_wire_msg_t m;
    sh_err rc = SH_OK;
    const char *why = NULL;
    bool ahead = self->ahead.op && body == self->ahead.body && body_len == self->ahead.body_len;
    if (ahead) {                //  decoded when it was taken ahead, its changes opened since
        m = self->ahead.m;
        self->opening = self->ahead.op;
        self->ahead.op = NULL;
        self->opened_ahead++;
    }
    else
        hub_handler_drop_ahead (self);  //  not the message looked at: never used
    char rid_hex[2 * S_RID_MAX + 1];
    sh_crypto_hex (rid_hex, rid, rid_len);
    uint8_t key[SH_PUBKEY_BYTES];
    char peer[17] = "?";
    if (user_id && strlen (user_id) == 2 * SH_PUBKEY_BYTES)
        snprintf (peer, sizeof peer, "%.16s", user_id);
    if (!s_envelope_ok (self, rid, rid_len, user_id, body_len, extra_frames, key, peer)) {
        if (ahead)
            sh_wire_msg_fini (&m);
        sh_hublog_opening_destroy (&self->opening);
        return;
    }
    if (!ahead)
        rc = sh_wire_decode (&m, body, body_len, SH_WIRE_MAX_BYTES, &why);
    if (rc == SH_EVERSION) {
        hub_handler_error (self, rid, rid_len, SH_WIRE_ERR_VERSION, peer, _("protocol version %u is not spoken here; "
                 "this hub speaks %d"), m.version, SH_WIRE_VERSION);
        return;
    }
    if (rc) {
        hub_handler_error (self, rid, rid_len, SH_WIRE_ERR_MALFORMED, peer, _("undecodable message: %s"),
                 why ? _(why) : sh_strerror (rc));
        return;
    }
    if (m.type == SH_WIRE_HELLO)
        s_on_hello (self, rid, rid_len, rid_hex, key, peer, &m);
    else
    if (m.type == SH_WIRE_PING) {
        sh_wire_msg_t p = { .type = SH_WIRE_PONG };
        p.u.ping.nonce = m.u.ping.nonce;
        hub_handler_send (self, rid, rid_len, &p);
        hub_session_t *s = sh_map_get (self->sessions, rid_hex);
        if (s)
            s->last_ms = sh_sys_mono_ms ();
    }
    else
    if (m.type == SH_WIRE_PUSH || m.type == SH_WIRE_PULL || m.type == SH_WIRE_FETCH || m.type == SH_WIRE_OFFER
    ||  m.type == SH_WIRE_PROVE || m.type == SH_WIRE_WITNESS || m.type == SH_WIRE_COSIGNED) {
        hub_session_t *s = sh_map_get (self->sessions, rid_hex);
        if (!s || memcmp (s->key, key, SH_PUBKEY_BYTES) != 0)
            hub_handler_error (self, rid, rid_len, SH_WIRE_ERR_SESSION, peer, _("no session: send hello first"));
        else {
            s->last_ms = sh_sys_mono_ms ();
            s->bytes_in += body_len;
            if (!s->start_ms)
                s->start_ms = s->last_ms;
            self->current = s;
            if (m.type == SH_WIRE_PUSH)
                hub_handler_push (self, rid, rid_len, s, &m);
            else
            if (m.type == SH_WIRE_PULL)
                s_on_pull (self, rid, rid_len, s, &m);
            else
            if (m.type == SH_WIRE_OFFER)
                s_on_offer (self, rid, rid_len, s, &m);
            else
            if (m.type == SH_WIRE_PROVE)
                s_on_prove (self, rid, rid_len, s, &m);
            else
            if (m.type == SH_WIRE_WITNESS || m.type == SH_WIRE_COSIGNED)
                s_on_witness (self, rid, rid_len, s, &m);
            else
                s_on_fetch (self, rid, rid_len, s, &m);
            self->current = NULL;
        }
    }
    else
        hub_handler_error (self, rid, rid_len, SH_WIRE_ERR_MALFORMED, peer, _("a node may not send %s"),
                 sh_wire_type_name (m.type));
    sh_hublog_opening_destroy (&self->opening);     //  a Push refused before it was judged
    sh_wire_msg_fini (&m);
}

//  ---------------------------------------------------------------------
//  Housekeeping

typedef struct {
    hub_handler_t *self;                 //  the handler
    int64_t now, idle_ms;                //  monotonic time now, and the longest idle time kept
} s_expiry_t;

//  sh_map_purge_fn: is this session idle too long?
static bool
s_idle (const char *rid_hex, void *item, void *arg)
{
    (void) rid_hex;
    const s_expiry_t *x = arg;
    const hub_session_t *s = item;
    if (x->now - s->last_ms <= x->idle_ms)
        return false;
    if (x->self->config->verbose)
        hub_handler_log (x->self, "info", _("peer %s: session idle, forgotten (pushed %llu, sent %llu)"), s->key_hex,
               (unsigned long long) s->pushed, (unsigned long long) s->pulled);
    return true;
}

void
hub_handler_expire (hub_handler_t *self, int64_t idle_ms)
{
    assert (self);
    s_expiry_t x = { self, sh_sys_mono_ms (), idle_ms };
    sh_map_purge (self->sessions, s_idle, &x);
    size_t late = hub_held_expire (self->held, x.now, S_HOLD_MS, self->reply, self->reply_arg);
    if (late)
        hub_handler_log (self, "warn", _("no mirror cosigned within %d s: %zu push(es) stored but not acknowledged (their "
               "nodes retry); is shouhe-hub mirror --watch running?"), S_HOLD_MS / 1000, late);
}
