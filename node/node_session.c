/*  node_session -- the node's sync state machine (node_session.h): the
    protocol's decisions, without a socket.
*/
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_own.h"
#include "node_proof.h"
#include "node_session.h"
#include "node_session_int.h"
#include "sh_changelog.h"
#include "sh_crypto.h"
#include "sh_exit.h"
#include "sh_clock.h"
#include "sh_i18n.h"
#include "sh_ingest.h"
#include "sh_leaves.h"
#include "sh_note.h"
#include "sh_openings.h"
#include "sh_receipts.h"
#include "sh_zwire.h"
#include "sh_registry.h"
#include "sh_sys.h"

static bool s_refresh_head (node_session_t *self);

//  The hub's answer to a request was lost (one sentence per request).
static const char *const s_lost_ack =
    N_("shouhe-node: the hub's answer to a batch of this node's changes was lost; starting a new session\n");
static const char *const s_lost_batch =
    N_("shouhe-node: the hub's answer to a download request was lost; starting a new session\n");
static const char *const s_lost_proof =
    N_("shouhe-node: the hub's answer to a request for proofs was lost; starting a new session\n");

//  Push the next run of this node's changes after self->sent.
static int
s_push (node_session_t *self)
{
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (sh_replica_store (self->r), false, &txn);
    if (rc) {
        fprintf (stderr, _("shouhe-node: cannot read the log: %s\n"), sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    size_t max = self->max_changes ? self->max_changes : 256;
    if (max > SH_WIRE_MAX_CHANGES)
        max = SH_WIRE_MAX_CHANGES;
    size_t limit = (self->max_bytes ? self->max_bytes : SH_WIRE_MAX_BYTES) / 2;
    if (self->push_bytes < limit)
        limit = self->push_bytes;
    limit = node_pace_cap (&self->pace, limit, S_PUSH_BYTES_MIN);
    sh_wire_bytes_t *ch = calloc (max, sizeof *ch);
    size_t n = 0, bytes = 64;
    for (uint64_t seq = self->sent + 1; ch && seq <= self->my_head && n < max; seq++) {
        const uint8_t *b;
        size_t len;
        if ((rc = sh_changelog_get_seq (txn, self->me, seq, &b, &len)) != SH_OK)
            break;
        if (n > 0 && bytes + sh_wire_change_overhead (len) > limit)
            break;
        ch[n++] = (sh_wire_bytes_t) { b, len };
        bytes += sh_wire_change_overhead (len);
    }
    int ex = SH_EXIT_OK;
    sh_openings_t ops = { .n = 0 };     //  the openings of its seals go with each change (7.10)
    if (ch && rc == SH_OK && n > 0)
        rc = sh_openings_gather (txn, ch, n, &ops);
    if (!ch || rc) {
        fprintf (stderr, _("shouhe-node: cannot read this node's change %" PRIu64 ": %s\n"), self->sent + 1,
                 sh_strerror (ch ? rc : SH_ENOMEM));
        ex = SH_EXIT_STORE;
    }
    else
    if (n > 0) {
        sh_wire_msg_t m = { .type = SH_WIRE_PUSH };
        m.u.push.batch = self->next_batch;
        m.u.push.n = n;
        m.u.push.changes = ch;
        m.u.push.n_openings = ops.n;
        m.u.push.openings = ops.list;
        m.u.push.compress = self->compress;
        uint64_t out = self->bytes_out;
        if (node_session_send (self, &m)) {
            self->inflight[self->n_inflight++] = (s_inflight_t) { self->next_batch++, self->sent + n, self->msgs_sent,
                                                                  bytes, self->bytes_out - out,
                                                                  node_session_now (self) };
            self->sent += n;
        }
    }
    free (ch);
    sh_openings_fini (&ops);
    sh_store_abort (&txn);
    return ex;
}

static void
s_pull (node_session_t *self)
{
    sh_wire_msg_t m = { .type = SH_WIRE_PULL };
    m.u.pull.since = self->since;
    m.u.pull.max = self->pull_max;
    if (self->restoring)
        m.u.pull.own_from = self->my_head + 1;
    if (node_session_send (self, &m)) {
        self->pulling = true;
        self->pull_msg_no = self->msgs_sent;
    }
}

//  ---------------------------------------------------------------------
//  Receiving

//  Welcome: measure this node's clock against the hub's (docs/protocol.md
//  13.11), keep the measurement (meta hub.clock, only when the gap moved)
//  and warn when the gap exceeds the bound.
static int
s_welcome_clock (node_session_t *self, uint64_t hub_ms)
{
    if (!hub_ms)
        return SH_EXIT_OK;       //  a hub that does not say its time
    uint64_t local_ms = sh_replica_wall_ms (self->r);
    sh_store_txn_t *txn;
    bool written = false;
    sh_err rc = sh_replica_begin (self->r, &txn);
    if (rc == SH_OK)
        rc = sh_clock_hub_put (txn, hub_ms, local_ms, &written);
    if (rc == SH_OK && written)
        rc = sh_store_commit (&txn);
    sh_store_abort (&txn);
    if (rc) {
        fprintf (stderr, rc == SH_ESTOREFULL ? _("shouhe-node: this node's disk is full (%s): free space, "
                                                  "nothing was lost\n")
                 : _("shouhe-node: cannot store the hub's time: %s\n"), sh_strerror (rc));
        return sh_exit_store (rc);
    }
    int64_t gap = (int64_t) (local_ms - hub_ms);
    uint64_t abs_gap = gap < 0 ? (uint64_t) -gap : (uint64_t) gap;
    if (abs_gap > SH_CLOCK_BOUND_MS) {
        char words[32];
        sh_clock_words (abs_gap, words, sizeof words);
        fprintf (stderr, gap > 0 ? _("shouhe-node: warning: this node's clock is %s ahead of the hub's; fix the "
                                     "clock: local writes are refused while the gap exceeds 10 minutes\n")
                         : _("shouhe-node: warning: this node's clock is %s behind the hub's; fix the clock: "
                             "local writes are refused while the gap exceeds 10 minutes\n"), words);
    }
    return SH_EXIT_OK;
}

static int
s_on_welcome (node_session_t *self, const sh_wire_msg_t *m)
{
    //  the answer to an earlier Hello: its proof is relative to what we held then
    if (m->u.welcome.nonce != self->hello_nonce)
        return SH_EXIT_OK;
    node_pace_rtt (&self->pace, node_session_now (self) - self->hello_at);
    const char *scope = sh_replica_scope (self->r);
    if (strcmp (scope, m->u.welcome.scope) != 0) {
        //  a wider enrolment would send changes this node refuses; a narrower
        //  one would refuse this node's changes
        fprintf (stderr, _("shouhe-node: the hub enrolled this node for scope %s, but its scope is %s; "
                 "enrol it with --scope %s\n"), m->u.welcome.scope, scope, scope);
        return SH_EXIT_DENIED;
    }
    //  a new epoch: the hub gave a lost tail up (adopted, then a new session)
    bool again = false;
    int ex = node_recover_epoch (self, m, &again);
    if (ex || again)
        return ex;
    int kx = s_welcome_clock (self, m->u.welcome.hub_ms);
    if (kx)
        return kx;
    //  receipts first: a hub that lost or rewrote history fails here --
    //  unless it says it recovers what it lost (then the node offers it)
    bool recovering = m->u.welcome.recovering;
    int cx = recovering && node_recover_beyond (self, m) ? SH_EXIT_OK : node_receipts_welcome (self, m);
    if (!cx && !recovering)
        cx = node_witness_welcome (self, m);
    if (cx)
        return cx;
    if (!recovering && m->u.welcome.log_size < self->since) {
        fprintf (stderr, _("shouhe-node: the hub's log holds %" PRIu64 " entries, but this node has already "
                 "received up to entry %" PRIu64 ": is this another hub, or one restored from an older "
                 "backup?\n"), m->u.welcome.log_size, self->since);
        return SH_EXIT_PROTOCOL;
    }
    uint64_t head = m->u.welcome.head_seq;
    s_refresh_head (self);
    int ox = node_own_settle (self->r, head, self->my_head);
    if (ox)
        return ox;
    //  restored from an older backup: fetch the own chain back first (own
    //  Batches), then a new session resumes as usual
    if ((self->restoring = head > self->my_head)) {
        self->own_target = head;
        memcpy (self->own_hash, m->u.welcome.head_hash, SH_HASH_BYTES);
    }
    else
    if (head > 0) {
        uint8_t hash[SH_HASH_BYTES];
        sh_store_txn_t *txn;
        sh_err rc = sh_store_begin (sh_replica_store (self->r), false, &txn);
        if (rc == SH_OK)
            rc = sh_changelog_find (txn, self->me, head, NULL, hash);
        sh_store_abort (&txn);
        if (rc) {
            fprintf (stderr, _("shouhe-node: cannot read this node's change %" PRIu64 ": %s\n"), head,
                     sh_strerror (rc));
            return SH_EXIT_STORE;
        }
        if (memcmp (hash, m->u.welcome.head_hash, SH_HASH_BYTES) != 0) {
            //  Two devices write with one key (a copied node directory):
            //  show the hub our side of the fork, so that it keeps both as
            //  evidence and blocks the key until an operator has looked.
            fprintf (stderr, _("shouhe-node: the hub's copy of this node's change %" PRIu64 " differs from the "
                     "node's own: the chains have forked (equivocation); reporting it to the hub\n"), head);
            self->welcomed = true;
            self->hub_head = head;
            self->sent = head - 1;
            self->credit = 1;
            self->max_changes = 1;
            self->forked = true;
            return SH_EXIT_OK;
        }
    }
    if (recovering)
        return node_recover_welcome (self, m);
    if (self->offered && self->recover_said) {
        fprintf (stderr, _("shouhe-node: the hub has recovered its log (%" PRIu64 " entries); syncing\n"),
                 m->u.welcome.log_size);
        self->recover_said = false;
    }
    self->recovering = false;
    self->hub_head = head;
    self->sent = self->restoring ? self->my_head : head;
    self->forked = false;
    //  acknowledged changes without a receipt (lost Acks, kills): prove them
    node_proof_reset (&self->prove, self->restoring ? 0 : head < self->my_head ? head : self->my_head);
    self->credit = m->u.welcome.credit ? m->u.welcome.credit : 1;
    if (self->credit > S_MAX_INFLIGHT)
        self->credit = S_MAX_INFLIGHT;
    self->max_changes = m->u.welcome.max_changes;
    self->max_bytes = m->u.welcome.max_bytes;
    //  only what this node asked for: a Welcome cannot impose compression
    self->compress = !self->opt.plain && m->u.welcome.compress == SH_ZWIRE_ZSTD;
    self->welcomed = self->ever_welcomed = true;
    self->hello_wait = S_HELLO_FIRST_MS;
    self->n_inflight = 0;
    self->pulling = false;
    self->down_done = false;
    return SH_EXIT_OK;
}

static int
s_on_ack (node_session_t *self, const sh_wire_msg_t *m)
{
    int i = 0;
    while (i < self->n_inflight && self->inflight[i].batch != m->u.ack.batch)
        i++;
    if (i == self->n_inflight)
        return SH_EXIT_OK;        //  from an earlier session
    if (i == 0 && self->pulling && self->pull_msg_no < self->inflight[0].msg_no) {
        //  the Batch answering a Pull sent before this Push was lost, and
        //  with it the checkpoint this Ack's proof starts from
        fprintf (stderr, "%s", _(s_lost_batch));
        node_session_hello (self);
        return SH_EXIT_OK;
    }
    if (i > 0) {
        //  Acks come in order on one connection: an older batch's Ack was
        //  lost (a full pipe at the hub). This Ack's consistency proof
        //  starts from the checkpoint the lost one carried, which this node
        //  never saw, so it cannot be checked: start a new session (its
        //  Welcome proves the hub's head from the checkpoint held here and
        //  says which changes the hub holds).
        fprintf (stderr, _("shouhe-node: the hub's answer to batch %" PRIu64 " was lost; starting a new session\n"),
                 self->inflight[0].batch);
        node_session_hello (self);
        return SH_EXIT_OK;
    }
    uint64_t last_seq = self->inflight[i].last_seq;
    size_t acked_bytes = self->inflight[i].bytes;
    node_pace_ack (&self->pace, node_session_now (self), self->inflight[i].sent_ms, self->inflight[i].wire,
                   acked_bytes);
    memmove (&self->inflight[i], &self->inflight[i + 1], (size_t) (self->n_inflight - i - 1) * sizeof self->inflight[0]);
    self->n_inflight--;
    int ex = node_receipts_ack (self, m, last_seq);
    if (ex)
        return ex;
    if (m->u.ack.head_seq > self->hub_head)
        self->hub_head = m->u.ack.head_seq;
    self->last_progress = node_session_now (self);
    self->hub_full = false;     //  the hub took a batch: a later full store is news
    //  grow from what was really sent (a Push is also capped by its change
    //  count), so that a quarter after a loss really is a smaller Push
    self->push_bytes = 2 * (acked_bytes < self->push_bytes ? acked_bytes : self->push_bytes);
    if (self->push_bytes < S_PUSH_BYTES_MIN)
        self->push_bytes = S_PUSH_BYTES_MIN;
    if (self->push_bytes > SH_WIRE_MAX_BYTES)
        self->push_bytes = SH_WIRE_MAX_BYTES;
    self->up += m->u.ack.accepted;
    self->dup += m->u.ack.duplicates;
    return SH_EXIT_OK;
}

//  One change of a Batch: opened once (decoded, signature verified), judged
//  with a node's rules (sh_ingest_check: the hub vouches for its author, a
//  node key whose scope covers it, inside this node's scope) and taken in.
//  With it, the Batch's openings of its seals (m's list), each of which
//  must open its seal (docs/protocol.md 7.10). *fresh is set when it was
//  new here; a store failure is left in *rc. Returns an exit code.
static int
s_take (node_session_t *self, sh_store_txn_t *txn, const sh_wire_msg_t *m, size_t i, bool *fresh,
        uint64_t *local, sh_err *rc)
{
    const sh_wire_bytes_t *bytes = &m->u.batch.changes[i];
    sh_change_t c;
    uint8_t hash[SH_HASH_BYTES];
    const char *why = NULL;
    sh_err oc = sh_change_open (&c, hash, bytes->data, bytes->len, &why);
    sh_registry_entry_t e;
    bool known = oc == SH_OK && sh_registry_get (txn, c.author, &e) == SH_OK;
    sh_ingest_rules_t rules = { .writer = true, .reader_scope = sh_replica_scope (self->r) };
    sh_ingest_verdict_t v;
    sh_ingest_check (&v, i, oc, why, &c, known ? &e : NULL, &rules);
    if (v.cause == SH_INGEST_SIGNATURE || v.cause == SH_INGEST_MALFORMED)
        fprintf (stderr, _("shouhe-node: the hub sent a change that does not verify: %s\n"),
                 why ? why : sh_strerror (oc));
    else
    if (v.cause == SH_INGEST_READER_SCOPE)
        fprintf (stderr, _("shouhe-node: the hub sent a change in %s, outside this node's scope %s\n"),
                 c.region, rules.reader_scope);
    else
    if (v.code)                 //  an author unknown, not a node key, or of another scope
        fprintf (stderr, v.cause == SH_INGEST_UNKNOWN_AUTHOR
                         ? _("shouhe-node: the hub sent a change in %s by a key it did not vouch for\n")
                         : _("shouhe-node: the hub sent a change in %s by a key whose scope does not cover it\n"),
                 c.region);
    int ex = v.code ? SH_EXIT_PROTOCOL : SH_EXIT_OK;
    if (ex == SH_EXIT_OK) {
        bool dup;
        char unmerged[SH_WIRE_MESSAGE_MAX / 2];
        *rc = sh_replica_ingest_opened (self->r, txn, bytes->data, bytes->len, &c, hash, &dup,
                                        unmerged, sizeof unmerged);
        if (*rc == SH_OK && unmerged[0])
            fprintf (stderr, _("shouhe-node: the hub sent a change that is kept in the log but counts for "
                     "nothing here: %s\n"), unmerged);
        *fresh = *rc == SH_OK && !dup;
        if (*rc == SH_OK)           //  where it sits in this log (a duplicate: where it already was)
            *rc = sh_changelog_find (txn, c.author, c.seq, local, hash);
        if (*rc == SH_OK
        &&  sh_openings_take (txn, &c, i, m->u.batch.openings, m->u.batch.n_openings, NULL) == SH_ECRYPTO) {
            fprintf (stderr, _("shouhe-node: the hub sent an opening of change %zu that does not open its seal\n"), i);
            ex = SH_EXIT_PROTOCOL;
        }
        if (*rc == SH_ECHAIN || *rc == SH_EEQUIVOCATION || *rc == SH_EPROTO || *rc == SH_ECRYPTO) {
            fprintf (stderr, _("shouhe-node: a change from the hub does not fit what this node holds: %s\n"),
                     sh_strerror (*rc));
            ex = SH_EXIT_PROTOCOL;
        }
    }
    if (oc == SH_OK)
        sh_change_fini (&c);
    return ex;
}

//  An own Batch (Pull.own_from, a restored node): this node's chain back
//  from the hub (node_own); kept apart from the ordinary Batch. Once the
//  head reaches the Welcome's, a new session resumes as usual.
static int
s_on_own_batch (node_session_t *self, const sh_wire_msg_t *m)
{
    if (!self->restoring || !self->pulling || m->u.batch.since != self->my_head + 1)
        return SH_EXIT_OK;        //  an answer to an older Pull
    self->pulling = false;
    uint64_t before = self->my_head;
    int ex = node_own_take (self->r, m, self->own_target, self->own_hash, &self->my_head);
    self->down += self->my_head - before;
    self->last_progress = node_session_now (self);
    if (ex == SH_EXIT_OK && !(self->restoring = self->my_head < self->own_target))
        node_session_hello (self);
    return ex;
}

//  Change i of a Batch sits at the hub's log index m->u.batch.indexes[i]:
//  one per change, rising, after since and up to next. Returns an exit code.
static int
s_check_index (const node_session_t *self, const sh_wire_msg_t *m, size_t i)
{
    const uint64_t *ix = m->u.batch.indexes;
    if (m->u.batch.n_indexes != m->u.batch.n) {
        fprintf (stderr, _("shouhe-node: the hub's batch does not say where its changes sit in its log\n"));
        return SH_EXIT_PROTOCOL;
    }
    if (ix[i] <= (i ? ix[i - 1] : self->since) || ix[i] > m->u.batch.next) {
        fprintf (stderr, _("shouhe-node: the hub's batch places change %zu at log entry %" PRIu64
                 ", outside %" PRIu64 "..%" PRIu64 " or out of order\n"), i, ix[i], self->since + 1,
                 m->u.batch.next);
        return SH_EXIT_PROTOCOL;
    }
    return SH_EXIT_OK;
}

//  Check and apply one Batch in one transaction, with the new cursor, the
//  checkpoint covering it and the log position of every change.
static int
s_on_batch (node_session_t *self, const sh_wire_msg_t *m)
{
    if (m->u.batch.own)
        return s_on_own_batch (self, m);
    if (!self->pulling || m->u.batch.since != self->since || self->restoring)
        return SH_EXIT_OK;        //  an answer to an older Pull
    if (self->n_inflight > 0 && self->inflight[0].msg_no < self->pull_msg_no) {
        //  answers come in order: the Ack of a Push sent before this Pull
        //  was lost, and with it the checkpoint this Batch's proof starts from
        fprintf (stderr, _("shouhe-node: the hub's answer to batch %" PRIu64 " was lost; starting a new session\n"),
                 self->inflight[0].batch);
        node_session_hello (self);
        return SH_EXIT_OK;
    }
    self->pulling = false;
    uint64_t next = m->u.batch.next;
    if (next < self->since) {
        fprintf (stderr, _("shouhe-node: the hub's batch goes backwards (%" PRIu64 " after %" PRIu64 ")\n"),
                 next, self->since);
        return SH_EXIT_PROTOCOL;
    }
    //  ask for the next batch while this one is applied
    uint64_t old_since = self->since;
    if (!m->u.batch.done) {
        self->since = next;
        s_pull (self);
        self->since = old_since;
    }
    sh_store_txn_t *txn;
    sh_err rc = sh_replica_begin (self->r, &txn);
    for (size_t i = 0; rc == SH_OK && i < m->u.batch.n_keys; i++) {
        const sh_wire_key_t *k = &m->u.batch.keys[i];
        sh_registry_entry_t e = { 0 };
        memcpy (e.key, k->key, SH_PUBKEY_BYTES);
        strcpy (e.scope, k->scope);
        e.role = k->role;
        e.revoked_ms = k->revoked ? 1 : 0;
        if (k->name)
            snprintf (e.name, sizeof e.name, "%s", k->name);
        rc = sh_registry_put (txn, &e);
    }
    int ex = SH_EXIT_OK;
    uint64_t fresh = 0;             //  new changes in this batch
    for (size_t i = 0; rc == SH_OK && ex == SH_EXIT_OK && i < m->u.batch.n; i++) {
        bool is_new = false;
        uint64_t local = 0;
        ex = s_take (self, txn, m, i, &is_new, &local, &rc);
        if (rc == SH_OK && ex == SH_EXIT_OK)
            ex = s_check_index (self, m, i);
        if (rc == SH_OK && ex == SH_EXIT_OK)
            rc = sh_leaves_put (txn, m->u.batch.indexes[i], local);
        fresh += is_new;
    }
    sh_note_checkpoint_t cp = { .size = 0 };
    if (rc == SH_OK && ex == SH_EXIT_OK)
        ex = node_receipts_batch (self, txn, m, &cp);
    if (rc == SH_OK && ex == SH_EXIT_OK)
        rc = sh_store_meta_put_u64 (txn, "hub.since", next);
    if (rc == SH_OK && ex == SH_EXIT_OK)
        rc = sh_store_commit (&txn);
    sh_store_abort (&txn);
    if (rc && ex == SH_EXIT_OK) {
        fprintf (stderr, rc == SH_ESTOREFULL ? _("shouhe-node: this node's disk is full (%s): free space, "
                                                  "nothing was lost\n")
                 : _("shouhe-node: cannot store downloaded changes: %s\n"), sh_strerror (rc));
        ex = sh_exit_store (rc);
    }
    if (ex == SH_EXIT_OK) {
        if (cp.size > self->held.size)
            node_receipts_hold (self, &cp);
        self->down += fresh;           //  counted once committed
        self->since = next;
        self->down_done = m->u.batch.done;
        self->last_progress = node_session_now (self);
        self->pull_max = self->pull_max * 2 > S_PULL_MAX ? S_PULL_MAX : self->pull_max * 2;
    }
    return ex;
}

//  A Proof answering the outstanding Prove: answers come in order, so a
//  Push or Pull sent before that Prove and still unanswered lost its
//  answer (13.11): start a new session. Otherwise take its runs.
static int
s_on_proof (node_session_t *self, const sh_wire_msg_t *m)
{
    if (!self->prove.outstanding || m->u.proof.first_seq != self->prove.first)
        return SH_EXIT_OK;        //  an answer to a Prove of an earlier session
    bool lost_ack = self->n_inflight > 0 && self->inflight[0].msg_no < self->prove.msg_no;
    if (lost_ack || (self->pulling && self->pull_msg_no < self->prove.msg_no)) {
        fprintf (stderr, "%s", lost_ack ? _(s_lost_ack) : _(s_lost_batch));
        node_session_hello (self);
        return SH_EXIT_OK;
    }
    uint64_t stored = 0;
    int ex = node_proof_take (&self->prove, self->r, self->hub, m, &stored);
    self->receipts += stored;
    self->last_progress = node_session_now (self);
    return ex;
}

static int
s_on_error (node_session_t *self, const sh_wire_msg_t *m)
{
    const char *name = sh_wire_error_name (m->u.error.code);
    switch (m->u.error.code) {
        case SH_WIRE_ERR_NOT_ENROLLED:
        case SH_WIRE_ERR_REVOKED:
        case SH_WIRE_ERR_BLOCKED:
        case SH_WIRE_ERR_ROLE:
            fprintf (stderr, _("shouhe-node: refused by the hub (%s): %s\n"), name, m->u.error.message);
            return SH_EXIT_DENIED;
        case SH_WIRE_ERR_SESSION:
            node_session_hello (self);
            return SH_EXIT_OK;
        default:
            break;
    }
    //  an answer to a Push of an earlier session (dropped when that session
    //  ended) says nothing about this one
    if (m->u.error.has_batch && m->u.error.batch < self->session_batch)
        return SH_EXIT_OK;
    switch (m->u.error.code) {
        case SH_WIRE_ERR_RECOVERING:
            //  the hub recovers a lost tail and takes no new changes yet
            fprintf (stderr, "shouhe-node: %s\n", m->u.error.message);
            if (!self->opt.watch)
                return SH_EXIT_RETRY;
            self->welcomed = false;
            self->session_batch = self->next_batch;
            self->hello_at = node_session_now (self);
            self->hello_wait = 10000;
            return SH_EXIT_OK;
        case SH_WIRE_ERR_STORE_FULL:
            //  nothing of the batch was stored and nothing will be until
            //  the operator frees space: no use retrying at once (13.11)
            if (!self->hub_full)
                fprintf (stderr, "shouhe-node: %s\n", m->u.error.message);
            if (!self->opt.watch)
                return SH_EXIT_FULL;
            if (!self->hub_full)
                fprintf (stderr, _("shouhe-node: retrying every 30 s\n"));
            self->hub_full = true;
            self->welcomed = false;
            self->session_batch = self->next_batch;
            self->hello_at = node_session_now (self);
            self->hello_wait = 30000;
            return SH_EXIT_OK;
        case SH_WIRE_ERR_QUOTA:
            //  over this node's quota at the hub (13.20): nothing of the batch
            //  was stored, and the batches after it chain on it. A new session
            //  downloads what there is without pushing; then exit 7, or with
            //  --watch push again after S_QUOTA_RETRY_MS
            if (!self->quota_said) {
                fprintf (stderr, _("shouhe-node: the hub refused this node's changes (ERR_QUOTA): %s\n"),
                         m->u.error.message);
                if (self->opt.watch)
                    fprintf (stderr, _("shouhe-node: downloads go on; pushing again in %d min\n"),
                             S_QUOTA_RETRY_MS / 60000);
                else
                    fprintf (stderr, _("shouhe-node: downloads go on; then sync again later (exit 7)\n"));
            }
            self->quota_said = true;
            self->quota_stop = true;
            self->quota_retry = node_session_now (self) + S_QUOTA_RETRY_MS;
            node_session_hello (self);
            return SH_EXIT_OK;
        case SH_WIRE_ERR_INTERNAL:
            //  the hub could not store; a new session after a pause retries
            fprintf (stderr, _("shouhe-node: the hub had a problem (%s); retrying\n"), m->u.error.message);
            self->welcomed = false;
            self->session_batch = self->next_batch;
            self->hello_at = node_session_now (self);
            return SH_EXIT_OK;
        case SH_WIRE_ERR_LEAD:
            //  a step or close on a matter this key made big (docs/protocol.md
            //  13.8): sh_ops refuses to write one, so it came from elsewhere
            fprintf (stderr, _("shouhe-node: the hub refused a batch of this node's changes (%s): %s; this node's "
                     "own check refuses such a write, so it was written past it\n"), name, m->u.error.message);
            return SH_EXIT_PROTOCOL;
        default:
            fprintf (stderr, m->u.error.has_batch ? _("shouhe-node: the hub refused a batch of this node's changes "
                                                      "(%s): %s\n")
                                                  : _("shouhe-node: the hub refused a message (%s): %s\n"),
                     name, m->u.error.message);
            return SH_EXIT_PROTOCOL;
    }
}

//  A Pong answers the Ping sent after every unanswered Push or Pull older
//  than it: their answers were lost; start a new session (its Welcome says
//  what the hub holds, and the Pull is asked again).
static void
s_on_pong (node_session_t *self, const sh_wire_msg_t *m)
{
    if (!self->welcomed || m->u.ping.nonce != self->ping_nonce || self->ping_msg_no == 0)
        return;
    bool lost_ack = self->n_inflight > 0 && self->inflight[0].msg_no < self->ping_msg_no;
    bool lost_batch = self->pulling && self->pull_msg_no < self->ping_msg_no;
    bool lost_proof = self->prove.outstanding && self->prove.msg_no < self->ping_msg_no;
    self->ping_msg_no = 0;
    if (lost_ack || lost_batch || lost_proof) {
        fprintf (stderr, "%s", lost_ack ? _(s_lost_ack) : lost_batch ? _(s_lost_batch) : _(s_lost_proof));
        node_session_hello (self);
    }
}

//  ---------------------------------------------------------------------
//  Between two waits

//  This node's chain head, and the download cursor if none is known yet.
static bool
s_refresh_head (node_session_t *self)
{
    sh_store_txn_t *txn;
    uint8_t hash[SH_HASH_BYTES];
    if (sh_store_begin (sh_replica_store (self->r), false, &txn) != SH_OK)
        return false;
    sh_err rc = sh_changelog_head (txn, self->me, &self->my_head, hash);
    if (rc == SH_OK && !self->since) {
        sh_err mr = sh_store_meta_get_u64 (txn, "hub.since", &self->since);
        if (mr)
            self->since = 0;
    }
    sh_store_abort (&txn);
    return rc == SH_OK;
}

//  Liveness: ping when quiet, start over when the hub stays silent.
static void
s_liveness (node_session_t *self, int64_t now)
{
    if (now - self->last_rx > S_DEAD_MS) {
        fprintf (stderr, _("shouhe-node: no answer from the hub for %d s; starting a new session\n"),
                 S_DEAD_MS / 1000);
        self->last_rx = now;
        node_session_hello (self);
    }
    else
    if (now - self->last_rx > S_PING_IDLE_MS && now - self->ping_at > S_PING_IDLE_MS) {
        sh_wire_msg_t p = { .type = SH_WIRE_PING };
        p.u.ping.nonce = node_session_random ();
        if (node_session_send (self, &p)) {
            self->ping_nonce = p.u.ping.nonce;
            self->ping_msg_no = self->msgs_sent;
        }
        self->ping_at = now;
    }
}

//  The work after a wait, up to the deadline check: Hellos while no
//  Welcome comes, pushes, pulls, watch, liveness. Sets finished when the
//  node is caught up and not watching.
static int
s_work (node_session_t *self)
{
    int64_t now = node_session_now (self);
    int ex = SH_EXIT_OK;
    if (!self->welcomed) {
        //  waiting for a Welcome: say Hello again after a growing, jittered pause
        if (self->connected && now - self->hello_at > self->hello_wait) {
            self->hello_wait = self->hello_wait * 2 > S_HELLO_MAX_MS ? S_HELLO_MAX_MS : self->hello_wait * 2;
            self->hello_wait += (int) (node_session_random () % (uint64_t) (self->hello_wait / 4 + 1));
            node_session_hello (self);
        }
        return SH_EXIT_OK;
    }
    if (self->recovering) {
        ex = node_recover_work (self, now);
        if (ex == SH_EXIT_OK)
            s_liveness (self, now);
        return ex;
    }
    //  keep the pipe full: pushes up to the credit, one pull at a time
    if (self->forked) {
        if (self->n_inflight == 0 && self->sent < self->hub_head)
            ex = s_push (self);
        return ex;          //  the hub answers with ERR_EQUIVOCATION
    }
    if (self->restoring) {
        if (!self->pulling)
            s_pull (self);          //  Pull.own_from: this node's own chain back
        s_liveness (self, now);
        return SH_EXIT_OK;
    }
    if (self->quota_stop && self->opt.watch && now >= self->quota_retry)
        self->quota_stop = false;       //  try again: the day may have turned, or the limit risen
    while (!self->quota_stop && self->n_inflight < node_pace_credit (&self->pace, (int) self->credit) && self->sent < self->my_head) {
        uint64_t before = self->sent;
        if ((ex = s_push (self)))
            return ex;
        if (self->sent == before)
            break;          //  could not send now (link down); retry later
    }
    if (!self->pulling && !self->down_done)
        s_pull (self);
    sh_wire_msg_t pm = { .type = SH_WIRE_NONE };
    if (!self->prove.outstanding && (ex = node_proof_ask (&self->prove, self->r, &pm)) != SH_EXIT_OK)
        return ex;
    if (pm.type == SH_WIRE_PROVE && node_session_send (self, &pm))
        node_proof_sent (&self->prove, self->msgs_sent);
    bool proven = node_proof_done (&self->prove);
    bool caught_up = self->n_inflight == 0 && (self->hub_head == self->my_head || self->quota_stop)
                  && self->down_done && !self->pulling && proven;
    if (caught_up && node_witness_work (self))
        caught_up = false;          //  the witness cosigns first
    if (caught_up) {
        if (!self->opt.watch) {
            self->finished = true;
            if (!self->quota_stop)
                return SH_EXIT_OK;
            fprintf (stderr, _("shouhe-node: downloads done; %" PRIu64 " of this node's changes wait for its "
                     "quota at the hub\n"), self->my_head - self->hub_head);
            return SH_EXIT_RETRY;
        }
        //  watch: look for local writes and ask the hub for news now and then
        if (now >= self->next_pull) {
            self->down_done = false;
            self->next_pull = now + S_WATCH_PULL_MS;
        }
        s_refresh_head (self);
    }
    s_liveness (self, now);
    return SH_EXIT_OK;
}

//  The deadline: how long the sync may go without progress (the hub
//  unreachable, or the link too poor to carry a batch) before giving up.
//  In watch mode a caught-up node is making no progress by design, so the
//  deadline counts only while there is work to do.
static int
s_deadline (node_session_t *self)
{
    int64_t now = node_session_now (self);
    bool idle = self->welcomed && self->n_inflight == 0 && (self->sent == self->my_head || self->quota_stop)
             && self->down_done
             && node_proof_done (&self->prove) && !self->restoring;
    if (idle || self->hub_full)     //  waiting for room at the hub is no lost link
        self->last_progress = now;
    if (!self->opt.deadline_ms || now - self->last_progress < self->opt.deadline_ms)
        return SH_EXIT_OK;
    if (!self->ever_welcomed)
        fprintf (stderr, _("shouhe-node: the hub at %s was unreachable until the deadline\n"),
                 self->opt.hub_endpoint);
    else
        fprintf (stderr, _("shouhe-node: the link to the hub was lost and not back by the deadline "
                 "(%" PRIu64 " of %" PRIu64 " changes up, %" PRIu64 " down so far)\n"),
                 self->hub_head, self->my_head, self->down);
    fprintf (stderr, _("shouhe-node: the deadline was %.3g s without progress; change it with --deadline "
             "SECONDS or 'deadline = SECONDS' in node.conf (0: wait forever)\n"),
             (double) self->opt.deadline_ms / 1000.0);
    return SH_EXIT_NETWORK;
}

//  ---------------------------------------------------------------------
//  The session

node_session_t *
node_session_new (sh_replica_t *r, const sh_hubid_t *hub, const node_session_options_t *options,
                  node_session_send_fn *send, void *arg)
{
    assert (r && hub && options && send);
    node_session_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->r = r;
    self->hub = hub;
    self->opt = *options;
    self->send = send;
    self->send_arg = arg;
    self->hello_wait = S_HELLO_FIRST_MS;
    self->next_batch = 1;
    self->push_bytes = S_PUSH_BYTES_FIRST;
    self->pull_max = S_PULL_FIRST;
    memcpy (self->me, sh_replica_author (r), SH_PUBKEY_BYTES);
    return self;
}

void
node_session_destroy (node_session_t **self_p)
{
    assert (self_p);
    if (*self_p)
        node_recover_fini (*self_p);
    free (*self_p);
    *self_p = NULL;
}

int
node_session_start (node_session_t *self)
{
    int ex = node_receipts_load (self);
    if (ex != SH_EXIT_OK)
        return ex;
    if (!s_refresh_head (self)) {
        fprintf (stderr, _("shouhe-node: cannot read the log\n"));
        return SH_EXIT_STORE;
    }
    self->last_rx = self->last_progress = node_session_now (self);
    return SH_EXIT_OK;
}

int
node_session_on_event (node_session_t *self, node_session_event_t event, uint32_t status)
{
    if (event == NODE_SESSION_LINK_UP) {
        self->connected = true;
        node_pace_up (&self->pace, node_session_now (self));
        self->handshake_failures = 0;
        self->hello_wait = S_HELLO_FIRST_MS;
        node_session_hello (self);
    }
    else
    if (event == NODE_SESSION_LINK_DOWN) {
        self->connected = false;
        node_pace_down (&self->pace, node_session_now (self), self->n_inflight > 0);
        node_session_lost (self);
    }
    else
    if (event == NODE_SESSION_AUTH_FAILED) {
        //  400: the key is not admitted; 300/500: a passing hub problem,
        //  the link reconnects and the handshake is tried again
        if (status == 400) {
            fprintf (stderr, _("shouhe-node: refused by the hub: this node's key is not admitted "
                     "(not enrolled, or revoked)\n"));
            return SH_EXIT_DENIED;
        }
    }
    else
    if (event == NODE_SESSION_HANDSHAKE_FAILED) {
        //  A wrong hub key fails every time; so does a TCP relay whose hub is
        //  down (it accepts and closes). Once this hub has welcomed us the
        //  key is right: keep trying until the deadline.
        if (++self->handshake_failures >= 5 && !self->ever_welcomed) {
            fprintf (stderr, _("shouhe-node: the CURVE handshake with the hub failed %d times: "
                     "is --hub-key the hub's key?\n"), self->handshake_failures);
            return SH_EXIT_PROTOCOL;
        }
    }
    return SH_EXIT_OK;
}

int
node_session_on_message (node_session_t *self, size_t bytes, sh_err rc, const sh_wire_msg_t *m,
                         const char *why)
{
    self->bytes_in += bytes;
    self->last_rx = node_session_now (self);
    if (rc) {
        fprintf (stderr, _("shouhe-node: undecodable message from the hub: %s\n"),
                 rc == SH_EVERSION ? _("another protocol version") : why ? why : sh_strerror (rc));
        return SH_EXIT_PROTOCOL;
    }
    switch (m->type) {
        case SH_WIRE_WELCOME: return s_on_welcome (self, m);
        case SH_WIRE_ACK:     return self->welcomed ? s_on_ack (self, m) : SH_EXIT_OK;
        case SH_WIRE_BATCH:   return self->welcomed ? s_on_batch (self, m) : SH_EXIT_OK;
        case SH_WIRE_PROOF:   return self->welcomed ? s_on_proof (self, m) : SH_EXIT_OK;
        case SH_WIRE_ERROR:   return s_on_error (self, m);
        case SH_WIRE_PONG:    s_on_pong (self, m); return SH_EXIT_OK;
        case SH_WIRE_TAKEN:   return node_recover_on_taken (self, m);
        case SH_WIRE_TO_COSIGN:    return self->welcomed ? node_witness_on_to_cosign (self, m) : SH_EXIT_OK;
        case SH_WIRE_COSIGN_TAKEN: return self->welcomed ? node_witness_on_taken (self, m) : SH_EXIT_OK;
        default:
            fprintf (stderr, _("shouhe-node: unexpected %s from the hub\n"), sh_wire_type_name (m->type));
            return SH_EXIT_PROTOCOL;
    }
}

int
node_session_step (node_session_t *self)
{
    int ex = s_work (self);
    if (ex || self->finished)
        return ex;
    return s_deadline (self);
}

bool
node_session_done (const node_session_t *self)
{
    return self->finished;
}

void
node_session_stats (const node_session_t *self, node_session_stats_t *out)
{
    *out = (node_session_stats_t) {
        .up = self->up, .duplicates = self->dup, .down = self->down,
        .bytes_out = self->bytes_out, .bytes_in = self->bytes_in,
        .hub_head = self->hub_head, .my_head = self->my_head,
        .checkpoint_size = self->held.size, .receipts = self->receipts
    };
}
