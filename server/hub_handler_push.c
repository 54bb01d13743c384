/*  hub_handler_push -- the hub's answer to a Push (docs/protocol.md 13.8):
    the session's key must be enrolled and not revoked, the hub not
    recovering past the node's changes, the store must have room and the
    key be within its quota (13.20); then sh_hublog verifies and commits
    the batch and the Ack carries its checkpoint and batch receipt -- held
    until a mirror holds it too when the hub serves with --sync-mirror.
    Refusals are logged once per key and condition. Part of the module
    hub_handler (hub_handler_int.h).
*/
#include "hub_handler_int.h"
#include "hub_lead.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_change.h"
#include "sh_changelog.h"
#include "sh_cosigs.h"
#include "sh_crypto.h"
#include "sh_hublog.h"
#include "sh_hubproof.h"
#include "sh_i18n.h"
#include "sh_merkle.h"
#include "sh_quota.h"
#include "sh_recovery.h"
#include "sh_seal.h"
#include "sh_store.h"
#include "sh_sys.h"

//  Does the store have room for this push and the checkpoint after it,
//  keeping its reserve (13.20)? A store filled to the brim could take a
//  batch and then fail to sign its checkpoint, leaving changes
//  acknowledged without a receipt, and could no longer write its own
//  bookkeeping; so a push is refused (nothing stored, ERR_STORE_FULL
//  naming the cause) while the map or the disk has less room than the
//  reserve plus four times the push's size (its changes and its
//  openings' salts and values) plus S_HEADROOM_BYTES (the
//  disk only when there is a reserve: --reserve-mib 0 lets it fill).
//  Downloads, proofs and recovery go on.
#define S_HEADROOM_BYTES ((uint64_t) 1 << 20)

//  Log a push refusal of s's key for condition cond once, until a push of
//  that key is acknowledged again (s_forget_refusals).
static void
s_log_refusal (hub_handler_t *self, const hub_session_t *s, const char *cond, const char *message)
{
    char k[64];
    snprintf (k, sizeof k, "%s/%s", s->key_hex, cond);
    if (sh_map_get (self->logged, k) || sh_map_put (self->logged, k, (void *) "") != SH_OK)
        return;
    hub_handler_log (self, "error", _("peer %s: push refused: %s"), s->key_hex, message);
}

//  sh_map_purge_fn: a refusal logged for the key (hex prefix) in arg?
static bool
s_refusal_of (const char *key, void *item, void *arg)
{
    (void) item;
    return strncmp (key, arg, strlen (arg)) == 0 && key[strlen (arg)] == '/';
}

static void
s_forget_refusals (hub_handler_t *self, hub_session_t *s)
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
s_refuse_full (hub_handler_t *self, hub_session_t *s, const char *cond, const char *cause, sh_wire_msg_t *r)
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
s_refuse_quota (hub_handler_t *self, hub_session_t *s, const sh_hublog_result_t *res, uint64_t quota_ms)
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
    for (size_t i = 0; i < m->u.push.n_openings; i++)      //  the openings are stored too (7.10)
        need += 4 * (SH_SEAL_SALT_BYTES + (uint64_t) m->u.push.openings[i].value_len);
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

void
hub_handler_drop_ahead (hub_handler_t *self)
{
    if (!self->ahead.op)
        return;
    sh_hublog_opening_destroy (&self->ahead.op);
    sh_wire_msg_fini (&self->ahead.m);
}

//  May this key push now, as far as the registry says (a node's key,
//  neither blocked nor revoked)? Quietly: its turn will say why not.
static bool
s_may_push (hub_handler_t *self, const uint8_t key[SH_PUBKEY_BYTES])
{
    sh_store_txn_t *txn;
    sh_registry_entry_t e;
    if (sh_store_begin (self->store, false, &txn) != SH_OK)
        return false;
    bool may = sh_registry_get (txn, key, &e) == SH_OK && e.role == SH_WIRE_ROLE_NODE && !e.blocked
            && !e.revoked_ms;
    sh_store_abort (&txn);
    return may;
}

//  While the current Push is judged and stored: when the next message
//  waiting is a Push of a session whose key may push, decode it and start
//  opening its changes in the background (13.7). Only the work that
//  needs no judgement is done ahead; its turn judges it as ever, and a
//  Push that turns out to be refused then only cost its verification.
static void
s_look_ahead (hub_handler_t *self)
{
    hub_peeked_t p;
    if (!self->peek || self->ahead.op || !self->peek (&p, self->peek_arg))
        return;
    uint8_t key[SH_PUBKEY_BYTES];
    char rid_hex[2 * S_RID_MAX + 1];
    if (!p.user_id || sh_crypto_unhex (key, sizeof key, p.user_id) != SH_OK || p.extra_frames != 0
    ||  p.body_len > SH_WIRE_MAX_BYTES || p.rid_len == 0 || p.rid_len > S_RID_MAX)
        return;
    sh_crypto_hex (rid_hex, p.rid, p.rid_len);
    hub_session_t *s = sh_map_get (self->sessions, rid_hex);
    if (!s || memcmp (s->key, key, SH_PUBKEY_BYTES) != 0 || s->full || s->quota || !s_may_push (self, key))
        return;
    sh_wire_msg_t m;
    if (sh_wire_decode (&m, p.body, p.body_len, SH_WIRE_MAX_BYTES, NULL) != SH_OK)
        return;
    sh_hublog_opening_t *op = NULL;
    uint64_t quota_ms = (uint64_t) ((int64_t) sh_sys_wall_ms () + self->config->quota_offset_ms);
    if (m.type != SH_WIRE_PUSH || m.u.push.n == 0 || m.u.push.n > S_MAX_CHANGES
    ||  sh_hublog_open (self->store, key, m.u.push.changes, m.u.push.n, self->config->threads, quota_ms, &op)
    ||  sh_hublog_opening_refused (op)) {
        //  a quota refused now, against the head before the current Push,
        //  is judged again at its turn
        sh_hublog_opening_destroy (&op);
        sh_wire_msg_fini (&m);
        return;
    }
    self->ahead.body = p.body;
    self->ahead.body_len = p.body_len;
    self->ahead.m = m;
    self->ahead.op = op;
}

//  Judge and store a Push of the key of e (sh_hublog): its changes opened
//  ahead (self->opening), or opened now -- in the background when the
//  handler can look ahead, so that the next Push is opened while this one
//  is written and committed.
static sh_err
s_store_push (hub_handler_t *self, const sh_registry_entry_t *e, const sh_wire_msg_t *m, uint64_t quota_ms,
              sh_hublog_result_t *res)
{
    sh_hublog_opening_t *op = self->opening;
    self->opening = NULL;
    if (!op && self->peek
    &&  sh_hublog_open (self->store, e->key, m->u.push.changes, m->u.push.n, self->config->threads, quota_ms,
                        &op) != SH_OK)
        op = NULL;              //  out of memory: the plain path says so
    if (!op)
        return sh_hublog_push_ruled (self->store, e, m->u.push.changes, m->u.push.n, m->u.push.openings,
                                     m->u.push.n_openings, self->config->threads, self->hub, quota_ms,
                                     hub_lead_rule, NULL, res);
    sh_hublog_opening_wait (op);
    s_look_ahead (self);
    sh_err rc = sh_hublog_push_opened (self->store, e, op, m->u.push.openings, m->u.push.n_openings, self->hub,
                                       quota_ms, hub_lead_rule, NULL, res);
    sh_hublog_opening_destroy (&op);
    return rc;
}

//  Send an Ack, or -- serving with --sync-mirror -- hold it until a mirror
//  has cosigned the checkpoint of size that it carries (16.8).
static void
s_ack (hub_handler_t *self, const uint8_t *rid, size_t rid_len, const sh_wire_msg_t *a, uint64_t size)
{
    uint64_t mirrored = 0;
    if (!self->config->sync_mirror || size == 0
    ||  (sh_cosigs_mirrored (self->store, &mirrored) == SH_OK && mirrored >= size)) {
        hub_handler_send (self, rid, rid_len, a);
        return;
    }
    char why[SH_WIRE_MESSAGE_MAX + 1];
    snprintf (why, sizeof why, _("no mirror has cosigned this batch within %d s (serve --sync-mirror): it is "
              "stored, not acknowledged; retry later"), S_HOLD_MS / 1000);
    if (hub_held_ack (self->held, rid, rid_len, size, a, why, sh_sys_mono_ms ()) != SH_OK)
        hub_handler_log (self, "error", _("cannot hold an Ack until the mirror cosigns: out of memory"));
}

void
hub_handler_push (hub_handler_t *self, const uint8_t *rid, size_t rid_len, hub_session_t *s,
                  const sh_wire_msg_t *m)
{
    sh_registry_entry_t e;
    if (!hub_handler_entry (self, rid, rid_len, s, &e))
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
        sh_err prc = s_store_push (self, &e, m, quota_ms, &res);
        if (prc == SH_ESTOREFULL) {
            s_refuse_full (self, s, cond, _("no space left on its disk, or its map is full"), &r);
            hub_handler_send (self, rid, rid_len, &r);
            return;
        }
        if (res.code == SH_WIRE_ERR_QUOTA)
            s_refuse_quota (self, s, &res, quota_ms);
        if (prc)
            hub_handler_log (self, "error", _("peer %s: cannot store a push: %s"), s->key_hex, sh_strerror (prc));
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
                    hub_handler_log (self, "error", _("cannot make the receipt of a push: %s"), sh_strerror (cr));
                    free (note);
                    r.u.error.code = SH_WIRE_ERR_INTERNAL;
                    snprintf (r.u.error.message, sizeof r.u.error.message, _("the hub stored the batch but could "
                              "not sign its checkpoint (%s); retry"), sh_strerror (cr));
                    hub_handler_send (self, rid, rid_len, &r);
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
        hub_handler_log (self, "warn", _("peer %s: push %llu refused: %s: %s"), s->key_hex,
               (unsigned long long) m->u.push.batch, sh_wire_error_name (r.u.error.code), r.u.error.message);
    hub_handler_send (self, rid, rid_len, &r);
}
