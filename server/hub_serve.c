/*  hub_serve -- the hub's serving loop: ROUTER + ZAP + sessions.

    See hub.h. Message handling follows docs/protocol.md, "Wire protocol":
    Hello opens a session (the key is the one ZAP authenticated, never the
    peer's claim), Push is verified and committed before its Ack, Pull is
    answered with one Batch, Ping with Pong; anything else gets an Error.
*/
#include "hub.h"

#include <czmq.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sh_changelog.h"
#include "sh_crypto.h"
#include "sh_export.h"
#include "sh_hublog.h"
#include "sh_merkle.h"
#include "sh_registry.h"
#include "sh_wire.h"

#define S_ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define S_SESSION_IDLE_MS (120 * 1000)   //  a session without messages this long is forgotten
#define S_TIMER_MS 1000                  //  housekeeping period
#define S_CREDIT 4                       //  Push batches a node may have unacknowledged
#define S_MAX_CHANGES 1024               //  most changes per Push / Batch
#define S_BATCH_BYTES (1u << 20)         //  target size of a downstream Batch
#define S_TRANSPORT_MAX ((int64_t) 64 << 20)  //  ZeroMQ drops anything larger outright

typedef struct {
    char rid_hex[64];                    //  routing id as hex (the sessions table key)
    uint8_t key[SH_PUBKEY_BYTES];        //  authenticated Ed25519 key
    char key_hex[17];                    //  its first bytes, for logs
    int64_t last_ms;                     //  last message (zclock_mono)
    uint64_t pushed, pulled;             //  changes stored / sent in this session
    uint64_t cp_size;                    //  size of the last checkpoint sent in this session
    char *export_buf;                    //  auditor: the export snapshot being fetched (owned)
    size_t export_len;                   //  its size
} s_session_t;

typedef struct {
    const hub_config_t *config;          //  settings (borrowed)
    sh_store_t *store;                   //  hub store (borrowed)
    const sh_key_t *key;                 //  hub identity (borrowed)
    zsock_t *router;                     //  nodes connect here
    zsock_t *zap;                        //  ZAP handler
    zloop_t *loop;                       //  the reactor
    zhashx_t *sessions;                  //  rid_hex -> s_session_t (owned)
    char origin[SH_HUBLOG_ORIGIN_MAX];   //  checkpoint origin of this hub
} s_hub_t;

//  ---------------------------------------------------------------------
//  Logging (stderr; one line per event, peer named)

static void
s_log (const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
s_log (const char *level, const char *fmt, ...)
{
    char ts[32];
    time_t now = time (NULL);
    struct tm tm;
    gmtime_r (&now, &tm);
    strftime (ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    va_list ap;
    va_start (ap, fmt);
    fprintf (stderr, "%s shouhe-hub %s: ", ts, level);
    vfprintf (stderr, fmt, ap);
    fputc ('\n', stderr);
    va_end (ap);
}

static uint64_t
s_now_ms (void)
{
    return (uint64_t) zclock_time ();
}

//  ---------------------------------------------------------------------
//  Sending

static void
s_send (s_hub_t *hub, zframe_t *rid, const sh_wire_msg_t *m)
{
    uint8_t *buf;
    size_t len;
    if (sh_wire_encode (m, &buf, &len) != SH_OK) {
        s_log ("error", "cannot encode a %s reply", sh_wire_type_name (m->type));
        return;
    }
    zmsg_t *msg = zmsg_new ();
    zmsg_append (msg, &(zframe_t *) { zframe_dup (rid) });
    zmsg_addmem (msg, buf, len);
    free (buf);
    if (zmsg_send (&msg, hub->router) != 0)
        zmsg_destroy (&msg);
}

static void
s_error (s_hub_t *hub, zframe_t *rid, sh_wire_error_t code, const char *peer, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
s_error (s_hub_t *hub, zframe_t *rid, sh_wire_error_t code, const char *peer, const char *fmt, ...)
{
    sh_wire_msg_t m = { .type = SH_WIRE_ERROR };
    m.u.error.code = code;
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (m.u.error.message, sizeof m.u.error.message, fmt, ap);
    va_end (ap);
    s_log ("warn", "peer %s: %s: %s", peer, sh_wire_error_name (code), m.u.error.message);
    s_send (hub, rid, &m);
}

//  ---------------------------------------------------------------------
//  ZAP: admit only enrolled, unrevoked keys (RFC 27)

static int
s_on_zap (zloop_t *loop, zsock_t *reader, void *arg)
{
    (void) loop;
    s_hub_t *hub = arg;
    zmsg_t *req = zmsg_recv (reader);
    if (!req)
        return 0;
    char *version = zmsg_popstr (req);
    char *request_id = zmsg_popstr (req);
    char *domain = zmsg_popstr (req);
    char *address = zmsg_popstr (req);
    zframe_t *identity = zmsg_pop (req);
    char *mechanism = zmsg_popstr (req);
    zframe_t *client_key = zmsg_pop (req);

    const char *status = "400", *text = "not enrolled";
    char user_id[SH_HEX_BYTES (SH_PUBKEY_BYTES)] = "";
    if (mechanism && !strcmp (mechanism, "CURVE") && client_key && zframe_size (client_key) == SH_CURVE_BYTES) {
        uint8_t ed[SH_PUBKEY_BYTES];
        sh_registry_entry_t e;
        sh_store_txn_t *txn;
        if (sh_store_begin (hub->store, false, &txn) == SH_OK) {
            if (sh_registry_by_curve (txn, zframe_data (client_key), ed) == SH_OK
            &&  sh_registry_get (txn, ed, &e) == SH_OK) {
                if (e.revoked_ms)
                    text = "revoked";
                else {
                    status = "200";
                    text = "OK";
                    sh_crypto_hex (user_id, ed, SH_PUBKEY_BYTES);
                }
            }
            sh_store_abort (&txn);
        }
        else {
            status = "500";     //  RFC 27: internal error, the client may retry
            text = "hub store unavailable";
        }
        if (*status != '2') {
            char ck[SH_HEX_BYTES (8)];
            sh_crypto_hex (ck, zframe_data (client_key), 8);
            s_log ("warn", "handshake refused from %s (curve key %s...): %s", address ? address : "?", ck, text);
        }
    }
    zmsg_t *rep = zmsg_new ();
    zmsg_addstr (rep, "1.0");
    zmsg_addstr (rep, request_id ? request_id : "");
    zmsg_addstr (rep, status);
    zmsg_addstr (rep, text);
    zmsg_addstr (rep, user_id);
    zmsg_addmem (rep, "", 0);
    zmsg_send (&rep, reader);

    zstr_free (&version);
    zstr_free (&request_id);
    zstr_free (&domain);
    zstr_free (&address);
    zstr_free (&mechanism);
    zframe_destroy (&identity);
    zframe_destroy (&client_key);
    zmsg_destroy (&req);
    return 0;
}

//  ---------------------------------------------------------------------
//  Message handlers

//  RFC 9162 consistency proof between two sizes of the hub's tree.
static sh_err
s_consistency (s_hub_t *hub, uint64_t old_size, uint64_t new_size,
               uint8_t proof[SH_WIRE_PROOF_MAX][SH_HASH_BYTES], size_t *n)
{
    *n = 0;
    if (old_size == 0 || old_size == new_size)
        return SH_OK;
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (hub->store, false, &txn);
    if (rc == SH_OK)
        rc = sh_merkle_consistency (txn, old_size, new_size, proof, SH_WIRE_PROOF_MAX, n);
    sh_store_abort (&txn);
    return rc;
}

static void
s_on_hello (s_hub_t *hub, zframe_t *rid, const char *rid_hex, const uint8_t key[SH_PUBKEY_BYTES],
            const char *peer, const sh_wire_msg_t *m)
{
    if (memcmp (m->u.hello.node, key, SH_PUBKEY_BYTES) != 0) {
        s_error (hub, rid, SH_WIRE_ERR_AUTHOR, peer, "hello names another key than the one this "
                 "connection authenticated with");
        return;
    }
    sh_registry_entry_t e;
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (hub->store, true, &txn);
    uint64_t head = 0, size = 0;
    uint8_t hash[SH_HASH_BYTES];
    if (rc == SH_OK)
        rc = sh_registry_get (txn, key, &e);
    if (rc == SH_OK && !e.revoked_ms)
        rc = sh_registry_touch (txn, key, s_now_ms ());
    if (rc == SH_OK)
        rc = sh_changelog_head (txn, key, &head, hash);
    if (rc == SH_OK)
        rc = sh_changelog_size (txn, &size);
    if (rc == SH_OK)
        rc = sh_store_commit (&txn);
    sh_store_abort (&txn);
    if (rc == SH_ENOTFOUND) {
        s_error (hub, rid, SH_WIRE_ERR_NOT_ENROLLED, peer, "this key is not enrolled at the hub");
        return;
    }
    if (rc) {
        s_error (hub, rid, SH_WIRE_ERR_INTERNAL, peer, "the hub cannot read its store: %s", sh_strerror (rc));
        return;
    }
    if (e.revoked_ms) {
        s_error (hub, rid, SH_WIRE_ERR_REVOKED, peer, "this key was revoked");
        return;
    }
    s_session_t *s = zhashx_lookup (hub->sessions, rid_hex);
    if (!s) {
        s = calloc (1, sizeof *s);
        if (!s)
            return;
        snprintf (s->rid_hex, sizeof s->rid_hex, "%s", rid_hex);
        zhashx_insert (hub->sessions, rid_hex, s);
    }
    memcpy (s->key, key, SH_PUBKEY_BYTES);
    snprintf (s->key_hex, sizeof s->key_hex, "%s", peer);
    s->last_ms = zclock_mono ();
    if (hub->config->verbose)
        s_log ("info", "peer %s: session opened (scope %s, hub holds its seq %llu, log size %llu)",
               peer, e.scope, (unsigned long long) head, (unsigned long long) size);
    //  the newest checkpoint, and proof that it extends the one the node holds
    char *note = NULL;
    uint64_t cp_size = 0;
    uint8_t proof[SH_WIRE_PROOF_MAX][SH_HASH_BYTES];
    size_t n_proof = 0;
    rc = sh_hublog_checkpoint (hub->store, hub->key, hub->origin, &note, &cp_size);
    uint64_t old_size = m->u.hello.checkpoint_size;
    if (rc == SH_OK && note && old_size > 0 && old_size <= cp_size)
        rc = s_consistency (hub, old_size, cp_size, proof, &n_proof);
    if (rc) {
        free (note);
        s_error (hub, rid, SH_WIRE_ERR_INTERNAL, peer, "cannot prove the log: %s", sh_strerror (rc));
        return;
    }
    s->cp_size = cp_size;
    sh_wire_msg_t w = { .type = SH_WIRE_WELCOME };
    w.u.welcome.checkpoint = note;
    w.u.welcome.nonce = m->u.hello.nonce;
    w.u.welcome.n_consistency = n_proof;
    w.u.welcome.consistency = proof;
    strcpy (w.u.welcome.scope, e.scope);
    w.u.welcome.head_seq = head;
    memcpy (w.u.welcome.head_hash, hash, SH_HASH_BYTES);
    w.u.welcome.log_size = size;
    w.u.welcome.credit = S_CREDIT;
    w.u.welcome.max_changes = S_MAX_CHANGES;
    w.u.welcome.max_bytes = SH_WIRE_MAX_BYTES;
    s_send (hub, rid, &w);
    free (note);
}

//  The registry entry of a session's key, refusing revoked keys (and
//  forgetting their session). false when an Error was sent.
static bool
s_entry (s_hub_t *hub, zframe_t *rid, s_session_t *s, sh_registry_entry_t *e)
{
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (hub->store, false, &txn);
    if (rc == SH_OK)
        rc = sh_registry_get (txn, s->key, e);
    sh_store_abort (&txn);
    if (rc) {
        s_error (hub, rid, rc == SH_ENOTFOUND ? SH_WIRE_ERR_NOT_ENROLLED : SH_WIRE_ERR_INTERNAL,
                 s->key_hex, "cannot read this key's enrolment: %s", sh_strerror (rc));
        return false;
    }
    if (e->revoked_ms) {
        s_error (hub, rid, SH_WIRE_ERR_REVOKED, s->key_hex, "this key was revoked; session closed");
        zhashx_delete (hub->sessions, s->rid_hex);
        return false;
    }
    return true;
}

static void
s_on_push (s_hub_t *hub, zframe_t *rid, s_session_t *s, const sh_wire_msg_t *m)
{
    sh_registry_entry_t e;
    if (!s_entry (hub, rid, s, &e))
        return;
    sh_wire_msg_t r = { .type = SH_WIRE_ERROR };
    r.u.error.has_batch = true;
    r.u.error.batch = m->u.push.batch;
    if (e.role != SH_WIRE_ROLE_NODE) {
        r.u.error.code = SH_WIRE_ERR_ROLE;
        snprintf (r.u.error.message, sizeof r.u.error.message, "an auditor key may not push changes");
    }
    else
    if (e.blocked) {
        r.u.error.code = SH_WIRE_ERR_BLOCKED;
        snprintf (r.u.error.message, sizeof r.u.error.message, "this key is blocked after an equivocation; "
                  "an operator must unblock it (shouhe-hub unblock)");
    }
    else
    if (m->u.push.n > S_MAX_CHANGES) {
        r.u.error.code = SH_WIRE_ERR_TOO_LARGE;
        snprintf (r.u.error.message, sizeof r.u.error.message, "%zu changes in one push; at most %d",
                  m->u.push.n, S_MAX_CHANGES);
    }
    else {
        sh_hublog_result_t res;
        sh_err prc = sh_hublog_push (hub->store, &e, m->u.push.changes, m->u.push.n, hub->config->threads, &res);
        if (prc)
            s_log ("error", "peer %s: cannot store a push: %s", s->key_hex, sh_strerror (prc));
        if (res.code == 0) {
            s->pushed += res.accepted;
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
                sh_err cr = sh_hublog_checkpoint (hub->store, hub->key, hub->origin, &note, &size);
                sh_store_txn_t *txn = NULL;
                if (cr == SH_OK && size >= res.accepted)
                    cr = sh_store_begin (hub->store, false, &txn);
                if (cr == SH_OK && txn)
                    cr = sh_merkle_left_range (txn, size - res.accepted, range, SH_WIRE_PROOF_MAX, &n_range);
                if (cr == SH_OK && txn && s->cp_size && s->cp_size < size)
                    cr = sh_merkle_consistency (txn, s->cp_size, size, cons, SH_WIRE_PROOF_MAX, &n_cons);
                sh_store_abort (&txn);
                if (cr == SH_OK && note) {
                    a.u.ack.checkpoint = note;
                    a.u.ack.first_leaf = size - res.accepted;
                    a.u.ack.n_range = n_range;
                    a.u.ack.range = range;
                    a.u.ack.n_consistency = s->cp_size ? n_cons : 0;
                    a.u.ack.consistency = cons;
                    s->cp_size = size;
                }
                else
                    s_log ("error", "cannot make the receipt of a push: %s", sh_strerror (cr));
            }
            s_send (hub, rid, &a);
            free (note);
            return;
        }
        r.u.error.code = res.code;
        r.u.error.has_position = res.has_position;
        r.u.error.position = res.position;
        snprintf (r.u.error.message, sizeof r.u.error.message, "%s", res.message);
    }
    s_log ("warn", "peer %s: push %llu refused: %s: %s", s->key_hex, (unsigned long long) m->u.push.batch,
           sh_wire_error_name (r.u.error.code), r.u.error.message);
    s_send (hub, rid, &r);
}

static void
s_on_pull (s_hub_t *hub, zframe_t *rid, s_session_t *s, const sh_wire_msg_t *m)
{
    sh_registry_entry_t e;
    if (!s_entry (hub, rid, s, &e))
        return;
    sh_hublog_batch_t b;
    uint32_t max = m->u.pull.max ? m->u.pull.max : 1;
    if (max > S_MAX_CHANGES)
        max = S_MAX_CHANGES;
    sh_err rc = sh_hublog_pull (hub->store, e.scope, e.role == SH_WIRE_ROLE_NODE ? s->key : NULL,
                                m->u.pull.since, max, S_BATCH_BYTES, &b);
    if (rc) {
        s_error (hub, rid, SH_WIRE_ERR_INTERNAL, s->key_hex, "cannot read the log: %s", sh_strerror (rc));
        return;
    }
    s->pulled += b.n;
    sh_wire_msg_t r = { .type = SH_WIRE_BATCH };
    r.u.batch.since = b.since;
    r.u.batch.next = b.next;
    r.u.batch.done = b.done;
    r.u.batch.n = b.n;
    r.u.batch.changes = b.changes;
    r.u.batch.n_keys = b.n_keys;
    r.u.batch.keys = b.keys;
    s_send (hub, rid, &r);
    sh_hublog_batch_fini (&b);
}

//  Fetch: an auditor streams an export of the hub (docs/protocol.md 15.8).
//  Offset 0 takes a snapshot, kept in the session until the next one.
static void
s_on_fetch (s_hub_t *hub, zframe_t *rid, s_session_t *s, const sh_wire_msg_t *m)
{
    sh_registry_entry_t e;
    if (!s_entry (hub, rid, s, &e))
        return;
    if (e.role != SH_WIRE_ROLE_AUDITOR) {
        s_error (hub, rid, SH_WIRE_ERR_ROLE, s->key_hex, "only an auditor key may fetch the export");
        return;
    }
    if (m->u.fetch.offset == 0) {
        free (s->export_buf);
        s->export_buf = NULL;
        s->export_len = 0;
        FILE *f = open_memstream (&s->export_buf, &s->export_len);
        sh_err rc = f ? sh_export_write (f, hub->store, hub->key, hub->origin, NULL) : SH_ENOMEM;
        if (f && fclose (f) != 0 && rc == SH_OK)
            rc = SH_ENOMEM;
        if (rc) {
            free (s->export_buf);
            s->export_buf = NULL;
            s->export_len = 0;
            s_error (hub, rid, SH_WIRE_ERR_INTERNAL, s->key_hex, "cannot write the export: %s", sh_strerror (rc));
            return;
        }
        if (hub->config->verbose)
            s_log ("info", "peer %s: export snapshot of %zu bytes for an auditor", s->key_hex, s->export_len);
    }
    if (!s->export_buf || m->u.fetch.offset > s->export_len) {
        s_error (hub, rid, SH_WIRE_ERR_MALFORMED, s->key_hex, "fetch from offset %llu: start with offset 0",
                 (unsigned long long) m->u.fetch.offset);
        return;
    }
    size_t max = m->u.fetch.max && m->u.fetch.max < SH_WIRE_CHUNK_MAX ? m->u.fetch.max : SH_WIRE_CHUNK_MAX;
    size_t left = s->export_len - (size_t) m->u.fetch.offset;
    sh_wire_msg_t c = { .type = SH_WIRE_CHUNK };
    c.u.chunk.offset = m->u.fetch.offset;
    c.u.chunk.total = s->export_len;
    c.u.chunk.data = (const uint8_t *) s->export_buf + m->u.fetch.offset;
    c.u.chunk.len = left < max ? left : max;
    s_send (hub, rid, &c);
}

static int
s_on_router (zloop_t *loop, zsock_t *reader, void *arg)
{
    (void) loop;
    s_hub_t *hub = arg;
    zmsg_t *msg = zmsg_recv (reader);
    if (!msg)
        return 0;
    zframe_t *rid = zmsg_pop (msg);
    zframe_t *body = zmsg_pop (msg);
    char *rid_hex = rid ? zframe_strhex (rid) : NULL;
    const char *user = body ? zframe_meta (body, "User-Id") : NULL;
    uint8_t key[SH_PUBKEY_BYTES];
    char peer[17] = "?";
    if (user && strlen (user) == 2 * SH_PUBKEY_BYTES)
        snprintf (peer, sizeof peer, "%.16s", user);

    if (!rid || !body || !rid_hex)
        goto done;
    if (!user || sh_crypto_unhex (key, sizeof key, user) != SH_OK) {
        s_error (hub, rid, SH_WIRE_ERR_NOT_ENROLLED, peer, "the connection is not authenticated");
        goto done;
    }
    if (zmsg_size (msg) != 0) {
        s_error (hub, rid, SH_WIRE_ERR_MALFORMED, peer, "one envelope per message; got %zu extra frames",
                 zmsg_size (msg));
        goto done;
    }
    if (zframe_size (body) > SH_WIRE_MAX_BYTES) {
        s_error (hub, rid, SH_WIRE_ERR_TOO_LARGE, peer, "message of %zu bytes; at most %u",
                 zframe_size (body), SH_WIRE_MAX_BYTES);
        goto done;
    }
    sh_wire_msg_t m;
    const char *why = NULL;
    sh_err rc = sh_wire_decode (&m, zframe_data (body), zframe_size (body), SH_WIRE_MAX_BYTES, &why);
    if (rc == SH_EVERSION) {
        s_error (hub, rid, SH_WIRE_ERR_VERSION, peer, "protocol version %u is not spoken here; this hub speaks %d",
                 m.version, SH_WIRE_VERSION);
        goto done;
    }
    if (rc) {
        s_error (hub, rid, SH_WIRE_ERR_MALFORMED, peer, "undecodable message: %s", why ? why : sh_strerror (rc));
        goto done;
    }
    if (m.type == SH_WIRE_HELLO)
        s_on_hello (hub, rid, rid_hex, key, peer, &m);
    else
    if (m.type == SH_WIRE_PING) {
        sh_wire_msg_t p = { .type = SH_WIRE_PONG };
        p.u.ping.nonce = m.u.ping.nonce;
        s_send (hub, rid, &p);
        s_session_t *s = zhashx_lookup (hub->sessions, rid_hex);
        if (s)
            s->last_ms = zclock_mono ();
    }
    else
    if (m.type == SH_WIRE_PUSH || m.type == SH_WIRE_PULL || m.type == SH_WIRE_FETCH) {
        s_session_t *s = zhashx_lookup (hub->sessions, rid_hex);
        if (!s || memcmp (s->key, key, SH_PUBKEY_BYTES) != 0)
            s_error (hub, rid, SH_WIRE_ERR_SESSION, peer, "no session: send hello first");
        else {
            s->last_ms = zclock_mono ();
            if (m.type == SH_WIRE_PUSH)
                s_on_push (hub, rid, s, &m);
            else
            if (m.type == SH_WIRE_PULL)
                s_on_pull (hub, rid, s, &m);
            else
                s_on_fetch (hub, rid, s, &m);
        }
    }
    else
        s_error (hub, rid, SH_WIRE_ERR_MALFORMED, peer, "a node may not send %s", sh_wire_type_name (m.type));
    sh_wire_msg_fini (&m);
done:
    zstr_free (&rid_hex);
    zframe_destroy (&rid);
    zframe_destroy (&body);
    zmsg_destroy (&msg);
    return 0;
}

//  Housekeeping: forget idle sessions.
static int
s_on_timer (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    s_hub_t *hub = arg;
    int64_t now = zclock_mono ();
    zlistx_t *keys = zhashx_keys (hub->sessions);
    for (char *k = zlistx_first (keys); k; k = zlistx_next (keys)) {
        s_session_t *s = zhashx_lookup (hub->sessions, k);
        if (s && now - s->last_ms > S_SESSION_IDLE_MS) {
            if (hub->config->verbose)
                s_log ("info", "peer %s: session idle, forgotten (pushed %llu, sent %llu)", s->key_hex,
                       (unsigned long long) s->pushed, (unsigned long long) s->pulled);
            zhashx_delete (hub->sessions, k);
        }
    }
    zlistx_destroy (&keys);
    return 0;
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

//  Write the bound endpoint to path atomically.
static int
s_write_ready (const char *path, const char *endpoint)
{
    char tmp[4096];
    snprintf (tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen (tmp, "w");
    if (!f)
        return -1;
    fprintf (f, "%s\n", endpoint);
    if (fclose (f) != 0)
        return -1;
    return rename (tmp, path);
}

int
hub_serve (const hub_config_t *config, sh_store_t *store, const sh_key_t *key)
{
    s_hub_t hub = { .config = config, .store = store, .key = key };
    int ret = 1;
    uint8_t curve_pk[SH_CURVE_BYTES], curve_sk[SH_CURVE_BYTES];
    if (sh_key_curve (key, curve_pk, curve_sk) != SH_OK) {
        s_log ("error", "the hub key cannot be converted to a CURVE key");
        return 1;
    }
    sh_hublog_origin (hub.origin, sh_key_public (key));
    //  a crash between a commit and its checkpoint leaves the head unsigned: sign it now
    if (sh_hublog_checkpoint (store, key, hub.origin, NULL, NULL) != SH_OK) {
        s_log ("error", "cannot sign the current tree head");
        return 1;
    }
    zsys_set_linger (0);
    hub.sessions = zhashx_new ();
    zhashx_set_destructor (hub.sessions, s_session_free);
    //  The ZAP handler must be bound before any CURVE socket takes connections.
    hub.zap = zsock_new_rep (NULL);
    if (!hub.zap || zsock_bind (hub.zap, S_ZAP_ENDPOINT) != 0) {
        s_log ("error", "cannot bind the ZAP handler: %s", zmq_strerror (zmq_errno ()));
        goto out;
    }
    hub.router = zsock_new (ZMQ_ROUTER);
    if (!hub.router)
        goto out;
    zsock_set_zap_domain (hub.router, "shouhe");
    zsock_set_curve_server (hub.router, 1);
    zsock_set_curve_secretkey_bin (hub.router, curve_sk);
    zsock_set_curve_publickey_bin (hub.router, curve_pk);
    sh_crypto_wipe (curve_sk, sizeof curve_sk);
    zsock_set_maxmsgsize (hub.router, (int) S_TRANSPORT_MAX);
    zsock_set_heartbeat_ivl (hub.router, 5000);
    zsock_set_heartbeat_timeout (hub.router, 30000);
    zsock_set_router_handover (hub.router, 1);
    zsock_set_sndhwm (hub.router, 10000);
    zsock_set_rcvhwm (hub.router, 10000);
    int port = zsock_bind (hub.router, "%s", config->bind);
    if (port < 0) {
        s_log ("error", "cannot bind %s: %s", config->bind, zmq_strerror (zmq_errno ()));
        goto out;
    }
    const char *ep = zsock_endpoint (hub.router);
    char endpoint[512];
    snprintf (endpoint, sizeof endpoint, "%s", ep ? ep : config->bind);
    s_log ("info", "listening on %s (%d verifying threads)", endpoint, config->threads);
    if (config->ready_file && s_write_ready (config->ready_file, endpoint) != 0) {
        s_log ("error", "cannot write %s: %s", config->ready_file, strerror (errno));
        goto out;
    }
    hub.loop = zloop_new ();
    zloop_reader (hub.loop, hub.zap, s_on_zap, &hub);
    zloop_reader (hub.loop, hub.router, s_on_router, &hub);
    zloop_timer (hub.loop, S_TIMER_MS, 0, s_on_timer, &hub);
    zloop_start (hub.loop);
    s_log ("info", "stopping");
    ret = 0;
out:
    sh_crypto_wipe (curve_sk, sizeof curve_sk);
    zloop_destroy (&hub.loop);
    zsock_destroy (&hub.router);
    zsock_destroy (&hub.zap);
    zhashx_destroy (&hub.sessions);
    return ret;
}
