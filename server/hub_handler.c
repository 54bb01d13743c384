/*  hub_handler -- the hub's protocol side: sessions and message handlers.

    See hub_handler.h. Message handling follows docs/protocol.md, "Wire
    protocol": Hello opens a session (the key is the one ZAP authenticated,
    never the peer's claim), Push is verified and committed before its Ack,
    Pull is answered with one Batch, Ping with Pong, Fetch with a Chunk of
    an export snapshot; anything else gets an Error.
*/
#include "hub_handler.h"
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

#define S_CREDIT 4                       //  Push batches a node may have unacknowledged
#define S_MAX_CHANGES 1024               //  most changes per Push / Batch
#define S_BATCH_BYTES (1u << 20)         //  target size of a downstream Batch
#define S_RID_MAX 255                    //  longest ZeroMQ routing id

typedef struct {
    char rid_hex[2 * S_RID_MAX + 1];     //  routing id as hex (the sessions table key)
    uint8_t key[SH_PUBKEY_BYTES];        //  authenticated Ed25519 key
    char key_hex[17];                    //  its first bytes, for logs
    int64_t last_ms;                     //  last message (sh_sys_mono_ms)
    uint64_t pushed, pulled;             //  changes stored / sent in this sync (since its Hello or
                                         //  its last sync line, s_log_sync)
    uint64_t bytes_in, bytes_out;        //  message bytes received / sent in this sync
    int64_t start_ms;                    //  when this sync began (sh_sys_mono_ms), 0: not begun
    uint64_t cp_size;                    //  size of the last checkpoint sent in this session
    bool full;                           //  a Push of this session was refused: the store is full
    bool quota;                          //  a Push of this session was over the key's quota ...
    char quota_why[SH_WIRE_MESSAGE_MAX + 1]; //  ... saying this
    hub_witness_t witness;               //  the witness that asked in this session
    char *export_buf;                    //  auditor: the export snapshot being fetched (owned)
    size_t export_len;                   //  its size
} s_session_t;

struct hub_handler_t {
    const hub_config_t *config;          //  settings (borrowed)
    sh_store_t *store;                   //  hub store (borrowed)
    const sh_hubid_t *hub;               //  hub identity: key, origin (borrowed)
    hub_reply_fn *reply;                 //  where answers go
    void *reply_arg;                     //  its argument
    sh_map_t *sessions;                  //  rid_hex -> s_session_t (owned)
    sh_map_t *logged;                    //  "<key hex>/<condition>" -> "": push refusals logged
                                         //  once per node and condition (until it is acked again)
    s_session_t *current;                //  the session of the message being handled, if any
    hub_held_t *held;                    //  Acks waiting for a mirror (serve --sync-mirror; owned)
};

#define S_HOLD_MS 15000                  //  longest an Ack waits for a mirror (below a node's
                                         //  20 s of silence before it drops a session)

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
        sh_map_destroy (&self->sessions);
        sh_map_destroy (&self->logged);
        hub_held_destroy (&self->held);
        free (self);
        *self_p = NULL;
    }
}

static void
s_session_free (void **item)
{
    if (item && *item) {
        s_session_t *s = *item;
        free (s->export_buf);
        free (s);
        *item = NULL;
    }
}

//  ---------------------------------------------------------------------
//  Logging and sending

static void
s_log (const hub_handler_t *self, const char *level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
s_log (const hub_handler_t *self, const char *level, const char *fmt, ...)
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

static void
s_send (hub_handler_t *self, const uint8_t *rid, size_t rid_len, const sh_wire_msg_t *m)
{
    uint8_t *buf;
    size_t len;
    if (sh_wire_encode (m, &buf, &len) != SH_OK) {
        s_log (self, "error", _("cannot encode a %s reply"), sh_wire_type_name (m->type));
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
s_log_sync (hub_handler_t *self, s_session_t *s, const sh_registry_entry_t *e)
{
    const char *result = s->full ? "store-full" : s->quota ? "quota" : "ok";
    //  not translated: the format is stable, tools parse it (docs/operations.md 12)
    s_log (self, "info", "sync: %s node=%s name=\"%s\" scope=%s up=%llu down=%llu bytes-in=%llu "
           "bytes-out=%llu ms=%lld", result, s->key_hex, e->name, e->scope, (unsigned long long) s->pushed,
           (unsigned long long) s->pulled, (unsigned long long) s->bytes_in, (unsigned long long) s->bytes_out,
           (long long) (s->start_ms ? sh_sys_mono_ms () - s->start_ms : 0));
    s->pushed = s->pulled = s->bytes_in = s->bytes_out = 0;
    s->start_ms = 0;
}

static void
s_error (hub_handler_t *self, const uint8_t *rid, size_t rid_len, sh_wire_error_t code, const char *peer,
         const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void
s_error (hub_handler_t *self, const uint8_t *rid, size_t rid_len, sh_wire_error_t code, const char *peer,
         const char *fmt, ...)
{
    sh_wire_msg_t m = { .type = SH_WIRE_ERROR };
    m.u.error.code = code;
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (m.u.error.message, sizeof m.u.error.message, fmt, ap);
    va_end (ap);
    sh_wire_utf8_cut (m.u.error.message);      //  the log line too: no broken character
    s_log (self, "warn", _("peer %s: %s: %s"), peer, sh_wire_error_name (code), m.u.error.message);
    s_send (self, rid, rid_len, &m);
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
static s_session_t *
s_session_open (hub_handler_t *self, const char *rid_hex, const uint8_t key[SH_PUBKEY_BYTES], const char *peer)
{
    s_session_t *s = sh_map_get (self->sessions, rid_hex);
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

static void
s_on_hello (hub_handler_t *self, const uint8_t *rid, size_t rid_len, const char *rid_hex,
            const uint8_t key[SH_PUBKEY_BYTES], const char *peer, const sh_wire_msg_t *m)
{
    if (memcmp (m->u.hello.node, key, SH_PUBKEY_BYTES) != 0) {
        s_error (self, rid, rid_len, SH_WIRE_ERR_AUTHOR, peer, _("hello names another key than the one "
                 "this connection authenticated with"));
        return;
    }
    //  Read in a read transaction; last_seen_ms is written (a durable write
    //  transaction) only when it is more than S_SEEN_STEP_MS old, so that
    //  nodes reconnecting often cost the hub no disk flush each time.
    sh_registry_entry_t e;
    sh_store_txn_t *txn;
    uint64_t now = sh_sys_wall_ms ();
    bool touch = false;
    sh_err rc = sh_store_begin (self->store, false, &txn);
    uint64_t head = 0, size = 0;
    uint8_t hash[SH_HASH_BYTES];
    if (rc == SH_OK)
        rc = sh_registry_get (txn, key, &e);
    if (rc == SH_OK)
        touch = !e.revoked_ms && (e.last_seen_ms > now || now - e.last_seen_ms >= S_SEEN_STEP_MS);
    if (rc == SH_OK && touch) {
        //  a bookkeeping stamp: if it cannot be written (a full store), the
        //  session goes on without it -- downloads must not stop for it
        sh_store_abort (&txn);
        sh_store_txn_t *w;
        sh_err wc = sh_store_begin (self->store, true, &w);
        if (wc == SH_OK)
            wc = sh_registry_touch (w, key, now);
        if (wc == SH_OK)
            wc = sh_store_commit (&w);
        sh_store_abort (&w);
        if (wc)
            s_log (self, "warn", _("peer %s: cannot record when it was last seen: %s"), peer, sh_strerror (wc));
        rc = sh_store_begin (self->store, false, &txn);
        if (rc == SH_OK)
            rc = sh_registry_get (txn, key, &e);
    }
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
        s_error (self, rid, rid_len, SH_WIRE_ERR_NOT_ENROLLED, peer, _("this key is not enrolled at the hub"));
        return;
    }
    if (rc) {
        s_error (self, rid, rid_len, SH_WIRE_ERR_INTERNAL, peer, _("the hub cannot read its store: %s"),
                 sh_strerror (rc));
        return;
    }
    s_session_t *s = e.revoked_ms ? NULL : s_session_open (self, rid_hex, key, peer);
    if (!s) {
        if (e.revoked_ms)
            s_error (self, rid, rid_len, SH_WIRE_ERR_REVOKED, peer, _("this key was revoked"));
        free (epoch);
        return;
    }
    s->last_ms = sh_sys_mono_ms ();
    if (self->config->verbose)
        s_log (self, "info", _("peer %s: session opened (scope %s, hub holds its seq %llu, log size %llu)"),
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
        s_error (self, rid, rid_len, SH_WIRE_ERR_INTERNAL, peer, _("cannot prove the log: %s"), sh_strerror (rc));
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
    s_send (self, rid, rid_len, &w);
    free (note);
    free (witnessed);
    free (epoch);
}

//  The registry entry of a session's key, refusing revoked keys (and
//  forgetting their session). false when an Error was sent.
static bool
s_entry (hub_handler_t *self, const uint8_t *rid, size_t rid_len, s_session_t *s, sh_registry_entry_t *e)
{
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (self->store, false, &txn);
    if (rc == SH_OK)
        rc = sh_registry_get (txn, s->key, e);
    sh_store_abort (&txn);
    if (rc) {
        s_error (self, rid, rid_len, rc == SH_ENOTFOUND ? SH_WIRE_ERR_NOT_ENROLLED : SH_WIRE_ERR_INTERNAL,
                 s->key_hex, _("cannot read this key's enrolment: %s"), sh_strerror (rc));
        return false;
    }
    if (e->revoked_ms) {
        s_error (self, rid, rid_len, SH_WIRE_ERR_REVOKED, s->key_hex, _("this key was revoked; session closed"));
        sh_map_delete (self->sessions, s->rid_hex);
        return false;
    }
    return true;
}

//  Does the store have room for this push and the checkpoint after it,
//  keeping its reserve (13.20)? A store filled to the brim could take a
//  batch and then fail to sign its checkpoint, leaving changes
//  acknowledged without a receipt, and could no longer write its own
//  bookkeeping; so a push is refused (nothing stored, ERR_STORE_FULL
//  naming the cause) while the map or the disk has less room than the
//  reserve plus four times the push's size plus S_HEADROOM_BYTES (the
//  disk only when there is a reserve: --reserve-mib 0 lets it fill).
//  Downloads, proofs and recovery go on.
#define S_HEADROOM_BYTES ((uint64_t) 1 << 20)

//  Log a push refusal of s's key for condition cond once, until a push of
//  that key is acknowledged again (s_forget_refusals).
static void
s_log_refusal (hub_handler_t *self, const s_session_t *s, const char *cond, const char *message)
{
    char k[64];
    snprintf (k, sizeof k, "%s/%s", s->key_hex, cond);
    if (sh_map_get (self->logged, k) || sh_map_put (self->logged, k, (void *) "") != SH_OK)
        return;
    s_log (self, "error", _("peer %s: push refused: %s"), s->key_hex, message);
}

//  sh_map_purge_fn: a refusal logged for the key (hex prefix) in arg?
static bool
s_refusal_of (const char *key, void *item, void *arg)
{
    (void) item;
    return strncmp (key, arg, strlen (arg)) == 0 && key[strlen (arg)] == '/';
}

static void
s_forget_refusals (hub_handler_t *self, s_session_t *s)
{
    if (sh_map_size (self->logged) > 0)
        sh_map_purge (self->logged, s_refusal_of, s->key_hex);
}

//  Refuse a Push of session s because the store is full (13.8, 13.20):
//  fill r's ERR_STORE_FULL and its message (cause names what filled), log
//  it once for the key and cond, and refuse the session's later Pushes
//  alike -- they chain on this batch, so judging them would only report a
//  broken chain.
static void
s_refuse_full (hub_handler_t *self, s_session_t *s, const char *cond, const char *cause, sh_wire_msg_t *r)
{
    r->u.error.code = SH_WIRE_ERR_STORE_FULL;
    snprintf (r->u.error.message, sizeof r->u.error.message, _("the hub's store is full (%s); nothing of this "
              "batch was stored; the operator must free space or restart the hub with a larger --map-mib"), cause);
    s->full = true;
    s_log_refusal (self, s, cond, r->u.error.message);
}

//  A Push of session s was over its key's quota (13.20): log it once for
//  the key and the limit (the changes limit: once each UTC day), and refuse
//  the session's later Pushes alike (they chain on this batch).
static void
s_refuse_quota (hub_handler_t *self, s_session_t *s, const sh_hublog_result_t *res, uint64_t quota_ms)
{
    char cond[32];
    snprintf (cond, sizeof cond, res->quota == SH_QUOTA_OVER_BYTES ? "bytes" : "changes-%" PRIu64,
              (uint64_t) (quota_ms / SH_QUOTA_DAY_MS));
    s->quota = true;
    snprintf (s->quota_why, sizeof s->quota_why, "%s", res->message);
    s_log_refusal (self, s, cond, res->message);
}

static bool
s_room_for (hub_handler_t *self, const sh_wire_msg_t *m, char *why, size_t why_len, const char **cond)
{
    size_t used = 0, map = 0;
    uint64_t map_left = 0, disk_free = 0, need = S_HEADROOM_BYTES;
    for (size_t i = 0; i < m->u.push.n; i++)
        need += 4 * (uint64_t) m->u.push.changes[i].len;
    if (sh_store_usage (self->store, &used, &map) != SH_OK
    ||  sh_store_room (self->store, &map_left, &disk_free) != SH_OK)
        return true;            //  an unreadable figure: let the commit decide
    int64_t rb = self->config->reserve_bytes;
    uint64_t reserve = rb < 0 ? sh_quota_reserve_default (map) : (uint64_t) rb;
    bool kib = reserve % ((uint64_t) 1 << 20) != 0;
    if (map_left < reserve + need)
        *cond = "map";
    else
    if (reserve > 0 && disk_free < reserve + need)
        *cond = "disk";         //  no reserve: the disk is left to fill (ENOSPC, 13.8)
    else
        return true;
    //  TRANSLATORS: the cause in "the hub's store is full (%s)"; KiB, MiB stay
    int n = snprintf (why, why_len, _("it keeps a reserve of %llu %s; "),
                      (unsigned long long) (reserve >> (kib ? 10 : 20)), kib ? "KiB" : "MiB");
    if (n > 0 && (size_t) n < why_len && **cond == 'm')
        snprintf (why + n, why_len - (size_t) n, _("its map: %zu of %zu MiB used"), used >> 20, map >> 20);
    else
    if (n > 0 && (size_t) n < why_len)
        snprintf (why + n, why_len - (size_t) n, _("its disk has %llu MiB free"),
                  (unsigned long long) (disk_free >> 20));
    return false;
}

//  While the hub recovers a lost tail, a Push that would append is
//  refused: the leaves it would take are being handed back by the nodes.
//  A Push of changes the hub holds already is answered as ever.
static bool
s_recovery_refuses (hub_handler_t *self, const uint8_t key[SH_PUBKEY_BYTES], const sh_wire_msg_t *m,
                    char *why, size_t why_len)
{
    sh_store_txn_t *txn;
    if (sh_store_begin (self->store, false, &txn) != SH_OK)
        return false;           //  the push itself will meet the store's failure
    bool refuse = false;
    if (sh_recovery_active (txn, NULL)) {
        uint64_t head;
        uint8_t hh[SH_HASH_BYTES];
        if (sh_changelog_head (txn, key, &head, hh) != SH_OK)
            head = 0;
        for (size_t i = 0; i < m->u.push.n && !refuse; i++) {
            uint8_t *cb, sig[SH_SIG_BYTES];
            size_t cl;
            sh_change_t c;
            refuse = true;      //  unless it is a change the hub holds
            if (sh_change_unwrap (&cb, &cl, sig, m->u.push.changes[i].data, m->u.push.changes[i].len) != SH_OK)
                continue;
            if (sh_change_decode (&c, cb, cl, NULL) == SH_OK) {
                refuse = c.seq > head;
                sh_change_fini (&c);
            }
            free (cb);
        }
        uint64_t size = 0, target = 0;
        if (refuse && (sh_merkle_size (txn, &size) != SH_OK || sh_recovery_target (txn, &target) != SH_OK))
            size = target = 0;  //  the refusal stands; only its figures are unknown
        if (refuse)
            snprintf (why, why_len, _("the hub is recovering its log from its nodes (it holds %llu of the %llu "
                                      "entries they have shown); nothing of this batch was stored; retry later"),
                      (unsigned long long) size, (unsigned long long) (target > size ? target : size));
    }
    sh_store_abort (&txn);
    return refuse;
}

//  Send an Ack, or -- serving with --sync-mirror -- hold it until a mirror
//  has cosigned the checkpoint of size that it carries (16.8).
static void
s_ack (hub_handler_t *self, const uint8_t *rid, size_t rid_len, const sh_wire_msg_t *a, uint64_t size)
{
    uint64_t mirrored = 0;
    if (!self->config->sync_mirror || size == 0
    ||  (sh_cosigs_mirrored (self->store, &mirrored) == SH_OK && mirrored >= size)) {
        s_send (self, rid, rid_len, a);
        return;
    }
    char why[SH_WIRE_MESSAGE_MAX + 1];
    snprintf (why, sizeof why, _("no mirror has cosigned this batch within %d s (serve --sync-mirror): it is "
              "stored, not acknowledged; retry later"), S_HOLD_MS / 1000);
    if (hub_held_ack (self->held, rid, rid_len, size, a, why, sh_sys_mono_ms ()) != SH_OK)
        s_log (self, "error", _("cannot hold an Ack until the mirror cosigns: out of memory"));
}

static void
s_on_push (hub_handler_t *self, const uint8_t *rid, size_t rid_len, s_session_t *s, const sh_wire_msg_t *m)
{
    sh_registry_entry_t e;
    if (!s_entry (self, rid, rid_len, s, &e))
        return;
    sh_wire_msg_t r = { .type = SH_WIRE_ERROR };
    r.u.error.has_batch = true;
    r.u.error.batch = m->u.push.batch;
    char why[256];              //  room for the Chinese of s_room_for's figures
    const char *cond = "full";
    if (e.role != SH_WIRE_ROLE_NODE) {
        r.u.error.code = SH_WIRE_ERR_ROLE;
        snprintf (r.u.error.message, sizeof r.u.error.message, _("an auditor key may not push changes"));
    }
    else
    if (e.blocked) {
        r.u.error.code = SH_WIRE_ERR_BLOCKED;
        snprintf (r.u.error.message, sizeof r.u.error.message, _("this key is blocked after an equivocation; "
                  "an operator must unblock it (shouhe-hub unblock)"));
    }
    else
    if (m->u.push.n > S_MAX_CHANGES) {
        r.u.error.code = SH_WIRE_ERR_TOO_LARGE;
        snprintf (r.u.error.message, sizeof r.u.error.message, _("%zu changes in one push; at most %d"),
                  m->u.push.n, S_MAX_CHANGES);
    }
    else
    if (s_recovery_refuses (self, s->key, m, r.u.error.message, sizeof r.u.error.message)) {
        r.u.error.code = SH_WIRE_ERR_RECOVERING;
    }
    else
    if (s->full) {
        s_refuse_full (self, s, cond, _("an earlier batch of this session could not be stored"), &r);
    }
    else
    if (s->quota) {             //  later batches chain on the refused one
        r.u.error.code = SH_WIRE_ERR_QUOTA;
        snprintf (r.u.error.message, sizeof r.u.error.message, "%s", s->quota_why);
    }
    else
    if (!s_room_for (self, m, why, sizeof why, &cond)) {
        s_refuse_full (self, s, cond, why, &r);
    }
    else {
        sh_hublog_result_t res;
        uint64_t quota_ms = (uint64_t) ((int64_t) sh_sys_wall_ms () + self->config->quota_offset_ms);
        sh_err prc = sh_hublog_push_ruled (self->store, &e, m->u.push.changes, m->u.push.n, m->u.push.openings,
                                           m->u.push.n_openings,
                                           self->config->threads, self->hub, quota_ms, hub_lead_rule, NULL, &res);
        if (prc == SH_ESTOREFULL) {
            s_refuse_full (self, s, cond, _("no space left on its disk, or its map is full"), &r);
            s_send (self, rid, rid_len, &r);
            return;
        }
        if (res.code == SH_WIRE_ERR_QUOTA)
            s_refuse_quota (self, s, &res, quota_ms);
        if (prc)
            s_log (self, "error", _("peer %s: cannot store a push: %s"), s->key_hex, sh_strerror (prc));
        if (res.code == 0) {
            s->pushed += res.accepted;
            s_forget_refusals (self, s);
            sh_wire_msg_t a = { .type = SH_WIRE_ACK };
            a.u.ack.batch = m->u.push.batch;
            a.u.ack.head_seq = res.head_seq;
            a.u.ack.accepted = res.accepted;
            a.u.ack.duplicates = res.duplicates;
            //  the receipt: the signed tree head ending with this batch, the
            //  left compact range that proves the batch in it, and proof
            //  that it extends the last checkpoint this session was given
            char *note = NULL;
            uint64_t size = 0;
            uint8_t range[SH_WIRE_PROOF_MAX][SH_HASH_BYTES], cons[SH_WIRE_PROOF_MAX][SH_HASH_BYTES];
            size_t n_range = 0, n_cons = 0;
            if (res.accepted) {
                sh_err cr = sh_hubproof_receipt (self->store, self->hub, res.accepted, s->cp_size, &note, &size,
                                                 range, &n_range, cons, &n_cons);
                if (cr == SH_OK) {
                    a.u.ack.checkpoint = note;
                    a.u.ack.first_leaf = size - res.accepted;
                    a.u.ack.n_range = n_range;
                    a.u.ack.range = range;
                    a.u.ack.n_consistency = s->cp_size ? n_cons : 0;
                    a.u.ack.consistency = cons;
                    s->cp_size = size;
                }
                else {
                    //  stored, not provable now: no Ack without a receipt (the node would
                    //  refuse it); the node retries, finds them held (Welcome head), goes on
                    s_log (self, "error", _("cannot make the receipt of a push: %s"), sh_strerror (cr));
                    free (note);
                    r.u.error.code = SH_WIRE_ERR_INTERNAL;
                    snprintf (r.u.error.message, sizeof r.u.error.message, _("the hub stored the batch but could "
                              "not sign its checkpoint (%s); retry"), sh_strerror (cr));
                    s_send (self, rid, rid_len, &r);
                    return;
                }
            }
            s_ack (self, rid, rid_len, &a, res.accepted ? size : 0);
            free (note);
            return;
        }
        r.u.error.code = res.code;
        r.u.error.has_position = res.has_position;
        r.u.error.position = res.position;
        snprintf (r.u.error.message, sizeof r.u.error.message, "%s", res.message);
    }
    //  s_log_refusal logs those once per key and condition
    if (r.u.error.code != SH_WIRE_ERR_STORE_FULL && r.u.error.code != SH_WIRE_ERR_QUOTA)
        s_log (self, "warn", _("peer %s: push %llu refused: %s: %s"), s->key_hex,
               (unsigned long long) m->u.push.batch, sh_wire_error_name (r.u.error.code), r.u.error.message);
    s_send (self, rid, rid_len, &r);
}

static void
s_on_pull (hub_handler_t *self, const uint8_t *rid, size_t rid_len, s_session_t *s, const sh_wire_msg_t *m)
{
    sh_registry_entry_t e;
    if (!s_entry (self, rid, rid_len, s, &e))
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
        s_error (self, rid, rid_len, SH_WIRE_ERR_INTERNAL, s->key_hex, _("cannot read the log: %s"),
                 sh_strerror (rc));
        return;
    }
    //  the checkpoint covering the batch, when newer than the session's
    uint8_t proof[SH_WIRE_PROOF_MAX][SH_HASH_BYTES];
    size_t n_proof = 0;
    bool newer = b.note && b.cp_size > s->cp_size;
    if (newer && (rc = s_consistency (self, s->cp_size, b.cp_size, proof, &n_proof)) != SH_OK) {
        sh_hublog_batch_fini (&b);
        s_error (self, rid, rid_len, SH_WIRE_ERR_INTERNAL, s->key_hex, _("cannot prove the log: %s"),
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
    if (newer) {
        r.u.batch.checkpoint = b.note;
        r.u.batch.consistency = proof;
        r.u.batch.n_consistency = n_proof;
        s->cp_size = b.cp_size;
    }
    s_send (self, rid, rid_len, &r);
    //  a watching mirror asks every 200 ms: only a pull that brought something is a sync line
    bool caught_up = b.done && !own && (e.role != SH_WIRE_ROLE_MIRROR || s->pulled > 0);
    sh_hublog_batch_fini (&b);
    if (caught_up)
        s_log_sync (self, s, &e);
}

//  Offer: a node hands back what it holds of a tail the hub lost
//  (sh_recovery); the answer says where the recovery stands.
static void
s_on_offer (hub_handler_t *self, const uint8_t *rid, size_t rid_len, s_session_t *s, const sh_wire_msg_t *m)
{
    sh_registry_entry_t e;
    if (!s_entry (self, rid, rid_len, s, &e))
        return;
    if (e.role != SH_WIRE_ROLE_NODE && e.role != SH_WIRE_ROLE_MIRROR) {
        s_error (self, rid, rid_len, SH_WIRE_ERR_ROLE, s->key_hex, _("only a node or a mirror key may offer "
                 "changes"));
        return;
    }
    sh_recovery_result_t res;
    sh_recovery_status_t st;
    sh_err rc = sh_recovery_offer (self->store, self->hub, s->key, m->u.offer.checkpoint, m->u.offer.leaves,
                                   m->u.offer.positions, m->u.offer.n, m->u.offer.openings,
                                   m->u.offer.n_openings, m->u.offer.last, sh_sys_wall_ms (), &res, &st);
    if (rc) {
        s_log (self, "error", _("peer %s: cannot take its offer: %s"), s->key_hex, sh_strerror (rc));
        s_error (self, rid, rid_len, SH_WIRE_ERR_INTERNAL, s->key_hex, _("the hub could not take the offer: %s; "
                 "retry later"), sh_strerror (rc));
        return;
    }
    if (res.code) {
        s_error (self, rid, rid_len, res.code, s->key_hex, "%s", res.message);
        return;
    }
    if (res.began)
        s_log (self, "warn", _("peer %s holds a checkpoint beyond this hub's log (%llu entries): the hub "
                               "lost a tail of its log and recovers it from its nodes"), s->key_hex,
               (unsigned long long) st.base);
    if (res.appended)
        s_log (self, "info", _("recovery: %llu entries taken back (the log holds %llu)"),
               (unsigned long long) res.appended, (unsigned long long) st.size);
    if (res.finished)
        s_log (self, "info", _("recovery finished: every node was heard from; the log holds %llu entries"),
               (unsigned long long) st.size);
    else
    if (st.active && m->u.offer.last && st.heard >= st.nodes && st.missing)
        s_log (self, "warn", _("recovery: every node was heard from, but leaves %llu..%llu (%llu in all) are "
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
    s_send (self, rid, rid_len, &t);
}

//  Prove: inclusion proofs of the node's changes in the tree of the
//  checkpoint this session was last given (docs/protocol.md 13.18).
static void
s_on_prove (hub_handler_t *self, const uint8_t *rid, size_t rid_len, s_session_t *s, const sh_wire_msg_t *m)
{
    sh_registry_entry_t e;
    if (!s_entry (self, rid, rid_len, s, &e))
        return;
    sh_hubproof_t p;
    sh_err rc = sh_hubproof_make (&p, self->store, s->key, m->u.prove.first_seq, m->u.prove.count, s->cp_size);
    if (rc) {
        s_error (self, rid, rid_len, SH_WIRE_ERR_INTERNAL, s->key_hex, _("cannot prove the log: %s"),
                 sh_strerror (rc));
        return;
    }
    sh_wire_msg_t r = { .type = SH_WIRE_PROOF };
    r.u.proof.first_seq = m->u.prove.first_seq;
    r.u.proof.checkpoint_size = s->cp_size;
    r.u.proof.n_runs = p.n_runs;
    r.u.proof.runs = p.runs;
    s_send (self, rid, rid_len, &r);
    sh_hubproof_fini (&p);
}

//  Fetch: an auditor streams an export of the hub (docs/protocol.md 15.8).
//  Offset 0 takes a snapshot, kept in the session until the next one.
static void
s_on_fetch (hub_handler_t *self, const uint8_t *rid, size_t rid_len, s_session_t *s, const sh_wire_msg_t *m)
{
    sh_registry_entry_t e;
    if (!s_entry (self, rid, rid_len, s, &e))
        return;
    if (e.role != SH_WIRE_ROLE_AUDITOR) {
        s_error (self, rid, rid_len, SH_WIRE_ERR_ROLE, s->key_hex, _("only an auditor key may fetch the export"));
        return;
    }
    if (m->u.fetch.offset == 0) {
        free (s->export_buf);
        sh_err rc = sh_export_buffer (&s->export_buf, &s->export_len, self->store, self->hub);
        if (rc) {
            s_error (self, rid, rid_len, SH_WIRE_ERR_INTERNAL, s->key_hex, _("cannot write the export: %s"),
                     sh_strerror (rc));
            return;
        }
        if (self->config->verbose)
            s_log (self, "info", _("peer %s: export snapshot of %zu bytes for an auditor"), s->key_hex,
                   s->export_len);
    }
    if (!s->export_buf || m->u.fetch.offset > s->export_len) {
        s_error (self, rid, rid_len, SH_WIRE_ERR_MALFORMED, s->key_hex, _("fetch from offset %llu: start with "
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
    s_send (self, rid, rid_len, &c);
}

//  ---------------------------------------------------------------------
//  Witnesses

static void
s_on_witness (hub_handler_t *self, const uint8_t *rid, size_t rid_len, s_session_t *s, const sh_wire_msg_t *m)
{
    sh_wire_msg_t reply;
    hub_witness_reply_t keep;
    char line[SH_WIRE_MESSAGE_MAX + 64];
    memcpy (s->witness.peer, s->key, SH_PUBKEY_BYTES);
    hub_witness_answer (self->store, self->hub, &s->witness, m, &reply, &keep, line, sizeof line);
    if (line[0])
        s_log (self, reply.type == SH_WIRE_ERROR ? "warn" : "info", "peer %s: %s", s->key_hex, line);
    s_send (self, rid, rid_len, &reply);
    hub_witness_reply_fini (&keep);
    uint64_t mirrored;
    if (reply.type == SH_WIRE_COSIGN_TAKEN && hub_held_count (self->held) > 0
    &&  sh_cosigs_mirrored (self->store, &mirrored) == SH_OK)
        hub_held_release (self->held, mirrored, self->reply, self->reply_arg);
}

//  ---------------------------------------------------------------------
//  One message (docs/protocol.md 13.7)

void
hub_handler_message (hub_handler_t *self, const uint8_t *rid, size_t rid_len, const char *user_id,
                     const uint8_t *body, size_t body_len, size_t extra_frames)
{
    assert (self && rid && (body || body_len == 0));
    assert (rid_len > 0 && rid_len <= S_RID_MAX);
    char rid_hex[2 * S_RID_MAX + 1];
    sh_crypto_hex (rid_hex, rid, rid_len);
    uint8_t key[SH_PUBKEY_BYTES];
    char peer[17] = "?";
    if (user_id && strlen (user_id) == 2 * SH_PUBKEY_BYTES)
        snprintf (peer, sizeof peer, "%.16s", user_id);

    if (!user_id || sh_crypto_unhex (key, sizeof key, user_id) != SH_OK) {
        s_error (self, rid, rid_len, SH_WIRE_ERR_NOT_ENROLLED, peer, _("the connection is not authenticated"));
        return;
    }
    if (extra_frames != 0) {
        s_error (self, rid, rid_len, SH_WIRE_ERR_MALFORMED, peer, _("one envelope per message; got %zu extra "
                 "frames"), extra_frames);
        return;
    }
    if (body_len > SH_WIRE_MAX_BYTES) {
        s_error (self, rid, rid_len, SH_WIRE_ERR_TOO_LARGE, peer, _("message of %zu bytes; at most %u"),
                 body_len, SH_WIRE_MAX_BYTES);
        return;
    }
    sh_wire_msg_t m;
    const char *why = NULL;
    sh_err rc = sh_wire_decode (&m, body, body_len, SH_WIRE_MAX_BYTES, &why);
    if (rc == SH_EVERSION) {
        s_error (self, rid, rid_len, SH_WIRE_ERR_VERSION, peer, _("protocol version %u is not spoken here; "
                 "this hub speaks %d"), m.version, SH_WIRE_VERSION);
        return;
    }
    if (rc) {
        s_error (self, rid, rid_len, SH_WIRE_ERR_MALFORMED, peer, _("undecodable message: %s"),
                 why ? _(why) : sh_strerror (rc));
        return;
    }
    if (m.type == SH_WIRE_HELLO)
        s_on_hello (self, rid, rid_len, rid_hex, key, peer, &m);
    else
    if (m.type == SH_WIRE_PING) {
        sh_wire_msg_t p = { .type = SH_WIRE_PONG };
        p.u.ping.nonce = m.u.ping.nonce;
        s_send (self, rid, rid_len, &p);
        s_session_t *s = sh_map_get (self->sessions, rid_hex);
        if (s)
            s->last_ms = sh_sys_mono_ms ();
    }
    else
    if (m.type == SH_WIRE_PUSH || m.type == SH_WIRE_PULL || m.type == SH_WIRE_FETCH || m.type == SH_WIRE_OFFER
    ||  m.type == SH_WIRE_PROVE || m.type == SH_WIRE_WITNESS || m.type == SH_WIRE_COSIGNED) {
        s_session_t *s = sh_map_get (self->sessions, rid_hex);
        if (!s || memcmp (s->key, key, SH_PUBKEY_BYTES) != 0)
            s_error (self, rid, rid_len, SH_WIRE_ERR_SESSION, peer, _("no session: send hello first"));
        else {
            s->last_ms = sh_sys_mono_ms ();
            s->bytes_in += body_len;
            if (!s->start_ms)
                s->start_ms = s->last_ms;
            self->current = s;
            if (m.type == SH_WIRE_PUSH)
                s_on_push (self, rid, rid_len, s, &m);
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
        s_error (self, rid, rid_len, SH_WIRE_ERR_MALFORMED, peer, _("a node may not send %s"),
                 sh_wire_type_name (m.type));
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
    const s_session_t *s = item;
    if (x->now - s->last_ms <= x->idle_ms)
        return false;
    if (x->self->config->verbose)
        s_log (x->self, "info", _("peer %s: session idle, forgotten (pushed %llu, sent %llu)"), s->key_hex,
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
        s_log (self, "warn", _("no mirror cosigned within %d s: %zu push(es) stored but not acknowledged (their "
               "nodes retry); is shouhe-hub mirror --watch running?"), S_HOLD_MS / 1000, late);
}
