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
#include "sh_changelog.h"
#include "sh_crypto.h"
#include "sh_exit.h"
#include "sh_ingest.h"
#include "sh_note.h"
#include "sh_receipts.h"
#include "sh_registry.h"
#include "sh_sys.h"

#define S_PULL_MAX 1024             //  changes asked for per Pull
#define S_HELLO_FIRST_MS 500        //  first wait for a Welcome
#define S_HELLO_MAX_MS 8000         //  longest wait between Hellos
#define S_PING_IDLE_MS 5000         //  ping after this much silence
#define S_DEAD_MS 20000             //  no answer this long: the session is dead
#define S_WATCH_PULL_MS 3000        //  in --watch, ask for news this often
#define S_MAX_INFLIGHT 16
//  Batch sizes adapt to the link (AIMD): a ZeroMQ message is all or nothing,
//  so on a link that drops every few tens of KB a large batch never arrives.
//  They double after each success and shrink to a quarter when a session
//  ends with them unanswered.
#define S_PUSH_BYTES_FIRST (64 * 1024)
#define S_PUSH_BYTES_MIN (4 * 1024)
#define S_PULL_FIRST 256
#define S_PULL_MIN 8

typedef struct {
    uint64_t batch;                 //  batch number
    uint64_t last_seq;              //  last seq it carried
    uint64_t msg_no;                //  its number among the messages sent (node_session_t.msgs_sent)
    size_t bytes;                   //  its encoded size
} s_inflight_t;

struct node_session_t {
    sh_replica_t *r;                //  the replica (borrowed)
    node_session_options_t opt;     //  watch, endpoint text, deadline, clock
    node_session_send_fn *send;     //  sends a message to the hub
    void *send_arg;                 //  its argument
    uint8_t me[SH_PUBKEY_BYTES];    //  this node's key
    bool connected;                 //  CURVE handshake done
    bool welcomed;                  //  session open
    bool ever_welcomed;             //  a session was opened at least once
    bool finished;                  //  caught up and not watching: the sync is done
    int64_t hello_at;               //  when the last Hello left
    int hello_wait;                 //  current wait for a Welcome (back-off)
    int64_t last_rx;                //  last message from the hub
    int64_t ping_at;                //  last Ping sent
    //  upload
    uint64_t my_head;               //  this node's chain head
    uint64_t hub_head;              //  the hub holds 1..hub_head
    uint64_t sent;                  //  pushed up to here (maybe unacknowledged)
    uint64_t next_batch;            //  next batch number
    uint64_t session_batch;         //  first batch number of this session: errors about older ones are stale
    s_inflight_t inflight[S_MAX_INFLIGHT];
    int n_inflight;
    uint32_t credit, max_changes, max_bytes;
    size_t push_bytes;              //  current target size of a Push
    uint32_t pull_max;              //  current Pull max
    int64_t last_progress;          //  last Ack or applied Batch (for the deadline)
    //  download
    uint64_t since;                 //  download cursor (meta hub.since)
    bool pulling;                   //  a Pull is outstanding
    bool down_done;                 //  the last Batch said done
    int64_t next_pull;              //  watch: when to ask again
    int handshake_failures;         //  consecutive failed CURVE handshakes
    bool forked;                    //  our chain forked from the hub's: only the evidence is pushed
    //  a node restored from an older backup fetches its own chain back (node_own)
    bool restoring;                 //  this session only fetches own changes (Pull.own_from)
    uint64_t own_target;            //  the Welcome's head_seq
    uint8_t own_hash[SH_HASH_BYTES];//  and head_hash
    node_proof_state_t prove;       //  receipts complete: proofs of changes without a receipt
    //  receipts (docs/protocol.md 13.16)
    const sh_hubid_t *hub;          //  the hub (--hub-key): verifies its checkpoints
    sh_receipts_head_t held;        //  newest checkpoint held: size (0: none) and root
    uint64_t hello_nonce;           //  nonce of the last Hello: only its Welcome counts
    uint64_t receipts;              //  batch receipts stored in this run
    //  figures
    uint64_t up, dup, down, bytes_out, bytes_in;
    //  lost answers: the hub answers every message, in order, so a Pong
    //  that arrives while an older Push or Pull is unanswered means that
    //  answer was lost (a full pipe at the hub)
    uint64_t msgs_sent;             //  messages sent so far
    uint64_t pull_msg_no;           //  the outstanding Pull's number
    uint64_t ping_nonce, ping_msg_no; //  the last Ping
};

static bool s_refresh_head (node_session_t *self);

static uint64_t
s_random (void)
{
    uint64_t v;
    sh_crypto_random ((uint8_t *) &v, sizeof v);
    return v;
}

//  ---------------------------------------------------------------------
//  Sending

static int64_t
s_now (const node_session_t *self)
{
    return self->opt.clock ? self->opt.clock (self->opt.clock_arg) : sh_sys_mono_ms ();
}

static bool
s_send (node_session_t *self, const sh_wire_msg_t *m)
{
    //  no connection: the owner's send fails rather than queue (node_sync:
    //  ZMQ_IMMEDIATE); the fault point (tests) drops it as a link would
    size_t len;
    if (!self->send (m, &len, self->send_arg))
        return false;
    self->bytes_out += len;
    self->msgs_sent++;
    return true;
}

//  The session ended: whatever was unanswered was too big for the link.
static void
s_session_lost (node_session_t *self)
{
    if (self->n_inflight > 0) {
        self->push_bytes /= 4;
        if (self->push_bytes < S_PUSH_BYTES_MIN)
            self->push_bytes = S_PUSH_BYTES_MIN;
    }
    if (self->pulling) {
        self->pull_max /= 4;
        if (self->pull_max < S_PULL_MIN)
            self->pull_max = S_PULL_MIN;
    }
    self->n_inflight = 0;
    self->pulling = false;
    self->prove.outstanding = false;
    self->welcomed = false;
}

static void
s_hello (node_session_t *self)
{
    sh_wire_msg_t m = { .type = SH_WIRE_HELLO };
    memcpy (m.u.hello.node, self->me, SH_PUBKEY_BYTES);
    m.u.hello.since = self->since;
    m.u.hello.checkpoint_size = self->held.size;
    self->hello_nonce = s_random () | 1;
    m.u.hello.nonce = self->hello_nonce;
    s_session_lost (self);
    self->session_batch = self->next_batch;
    self->hello_at = s_now (self);
    s_send (self, &m);
}

//  Push the next run of this node's changes after self->sent.
static int
s_push (node_session_t *self)
{
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (sh_replica_store (self->r), false, &txn);
    if (rc) {
        fprintf (stderr, "shouhe-node: cannot read the log: %s\n", sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    size_t max = self->max_changes ? self->max_changes : 256;
    if (max > SH_WIRE_MAX_CHANGES)
        max = SH_WIRE_MAX_CHANGES;
    size_t limit = (self->max_bytes ? self->max_bytes : SH_WIRE_MAX_BYTES) / 2;
    if (self->push_bytes < limit)
        limit = self->push_bytes;
    sh_wire_bytes_t *ch = calloc (max, sizeof *ch);
    size_t n = 0, bytes = 64;
    for (uint64_t seq = self->sent + 1; ch && seq <= self->my_head && n < max; seq++) {
        uint64_t index;
        const uint8_t *b;
        size_t len;
        rc = sh_changelog_find (txn, self->me, seq, &index, NULL);
        if (rc == SH_OK)
            rc = sh_changelog_get (txn, index, &b, &len);
        if (rc)
            break;
        if (n > 0 && bytes + sh_wire_change_overhead (len) > limit)
            break;
        ch[n++] = (sh_wire_bytes_t) { b, len };
        bytes += sh_wire_change_overhead (len);
    }
    int ex = SH_EXIT_OK;
    if (!ch || rc) {
        fprintf (stderr, "shouhe-node: cannot read this node's change %" PRIu64 ": %s\n", self->sent + 1,
                 sh_strerror (ch ? rc : SH_ENOMEM));
        ex = SH_EXIT_STORE;
    }
    else
    if (n > 0) {
        sh_wire_msg_t m = { .type = SH_WIRE_PUSH };
        m.u.push.batch = self->next_batch;
        m.u.push.n = n;
        m.u.push.changes = ch;
        if (s_send (self, &m)) {
            self->inflight[self->n_inflight++] = (s_inflight_t) { self->next_batch++, self->sent + n, self->msgs_sent, bytes };
            self->sent += n;
        }
    }
    free (ch);
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
    if (s_send (self, &m)) {
        self->pulling = true;
        self->pull_msg_no = self->msgs_sent;
    }
}

//  ---------------------------------------------------------------------
//  Receiving

//  ---------------------------------------------------------------------
//  Receipts: checkpoints, consistency and batch proofs (sh_receipts)

static const char *s_inconsistent =
    "the hub's history is inconsistent with the checkpoint you hold";

//  Hold checkpoint cp as the newest (its size and root).
static void
s_hold (node_session_t *self, const sh_note_checkpoint_t *cp)
{
    self->held.size = cp->size;
    memcpy (self->held.root, cp->root, SH_HASH_BYTES);
}

//  The newest checkpoint this node holds, verified with the hub's key.
static int
s_load_checkpoint (node_session_t *self)
{
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (sh_replica_store (self->r), false, &txn);
    if (rc == SH_OK)
        rc = sh_receipts_latest (txn, self->hub, &self->held);
    sh_store_abort (&txn);
    if (rc == SH_ECRYPTO) {
        fprintf (stderr, "shouhe-node: the checkpoints this node holds are not signed by --hub-key: "
                 "is this another hub?\n");
        return SH_EXIT_PROTOCOL;
    }
    if (rc) {
        fprintf (stderr, "shouhe-node: cannot read the receipts: %s\n", sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    return SH_EXIT_OK;
}

//  Check a checkpoint the hub sent (signature, and consistency with the
//  one held) and store it with its proof in txn. Returns an exit code.
static int
s_take_checkpoint (node_session_t *self, sh_store_txn_t *txn, const char *note,
                   uint8_t (*proof)[SH_HASH_BYTES], size_t n_proof, sh_note_checkpoint_t *cp)
{
    size_t len = strlen (note);
    if (sh_hubid_open_checkpoint (self->hub, cp, note, len) != SH_OK) {
        fprintf (stderr, "shouhe-node: the hub's checkpoint is not signed by --hub-key\n");
        return SH_EXIT_PROTOCOL;
    }
    sh_receipts_head_t next = { .size = cp->size };
    memcpy (next.root, cp->root, SH_HASH_BYTES);
    if (sh_receipts_check_extends (&self->held, &next, (const uint8_t (*)[SH_HASH_BYTES]) proof, n_proof) != SH_OK) {
        fprintf (stderr, "shouhe-node: %s (size %" PRIu64 ", the hub now shows size %" PRIu64 ")\n",
                 s_inconsistent, self->held.size, cp->size);
        return SH_EXIT_PROTOCOL;
    }
    sh_err rc = sh_receipts_put_checkpoint (txn, &self->held, cp->size, note, len,
                                            (const uint8_t (*)[SH_HASH_BYTES]) proof, n_proof);
    return rc ? SH_EXIT_STORE : SH_EXIT_OK;
}

//  Welcome: the hub's newest checkpoint must extend the one held.
static int
s_welcome_checkpoint (node_session_t *self, const sh_wire_msg_t *m)
{
    if (!m->u.welcome.checkpoint) {
        if (self->held.size == 0 && m->u.welcome.log_size == 0)
            return SH_EXIT_OK;        //  an empty hub log
        if (self->held.size == 0) {
            fprintf (stderr, "shouhe-node: the hub's log holds %" PRIu64 " changes but it shows no signed "
                             "checkpoint of them\n", m->u.welcome.log_size);
            return SH_EXIT_PROTOCOL;
        }
        fprintf (stderr, "shouhe-node: %s (size %" PRIu64 ", the hub shows none)\n", s_inconsistent, self->held.size);
        return SH_EXIT_PROTOCOL;
    }
    //  the very checkpoint this node holds (an idle sync): verified, nothing to store
    sh_note_checkpoint_t same;
    const char *note = m->u.welcome.checkpoint;
    if (self->held.size > 0
    &&  sh_hubid_open_checkpoint (self->hub, &same, note, strlen (note)) == SH_OK
    &&  same.size == self->held.size && memcmp (same.root, self->held.root, SH_HASH_BYTES) == 0)
        return SH_EXIT_OK;
    sh_store_txn_t *txn;
    sh_err rc = sh_replica_begin (self->r, &txn);
    if (rc) {
        fprintf (stderr, "shouhe-node: cannot store the hub's checkpoint: %s\n", sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    sh_note_checkpoint_t cp;
    int ex = s_take_checkpoint (self, txn, m->u.welcome.checkpoint, m->u.welcome.consistency,
                                m->u.welcome.n_consistency, &cp);
    //  remember whose checkpoints these are, for `shouhe-audit receipts`
    if (ex == SH_EXIT_OK && (rc = sh_receipts_put_hub_key (txn, self->hub)) == SH_OK)
        rc = sh_store_commit (&txn);
    if (ex == SH_EXIT_OK && rc) {
        fprintf (stderr, "shouhe-node: cannot store the hub's checkpoint: %s\n", sh_strerror (rc));
        ex = SH_EXIT_STORE;
    }
    sh_store_abort (&txn);
    if (ex == SH_EXIT_OK)
        s_hold (self, &cp);
    return ex;
}

//  Why the batch receipt b of an Ack was not taken (sh_receipts_check_batch
//  returned rc; failed_seq: the change that could not be read, or 0).
static int
s_receipt_refused (sh_err rc, uint64_t failed_seq, const sh_receipts_batch_t *b)
{
    if (failed_seq || rc == SH_ENOMEM) {
        if (failed_seq)
            fprintf (stderr, "shouhe-node: cannot read this node's change %" PRIu64 ": %s\n", failed_seq,
                     sh_strerror (rc));
        else
            fprintf (stderr, "shouhe-node: out of memory checking the hub's receipt\n");
        return SH_EXIT_STORE;
    }
    if (rc == SH_EINVAL)
        fprintf (stderr, "shouhe-node: the hub's receipt does not match the batch it acknowledges\n");
    else
        fprintf (stderr, "shouhe-node: the hub's checkpoint does not include this node's changes %" PRIu64
                 "..%" PRIu64 " as acknowledged\n", b->first_seq, b->first_seq + b->count - 1);
    return SH_EXIT_PROTOCOL;
}

//  Ack: the checkpoint ending with this batch must extend the last one,
//  and the batch's changes must be its last leaves (the batch receipt).
static int
s_ack_receipt (node_session_t *self, const sh_wire_msg_t *m, uint64_t last_seq)
{
    uint32_t n = m->u.ack.accepted;
    if (n == 0)
        return SH_EXIT_OK;
    if (!m->u.ack.checkpoint) {
        fprintf (stderr, "shouhe-node: the hub acknowledged %" PRIu32 " changes without a signed checkpoint: "
                         "no receipt can prove it holds them\n", n);
        return SH_EXIT_PROTOCOL;
    }
    sh_store_txn_t *txn;
    sh_err rc = sh_replica_begin (self->r, &txn);
    if (rc) {
        fprintf (stderr, "shouhe-node: cannot store the hub's receipt: %s\n", sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    sh_note_checkpoint_t cp;
    int ex = s_take_checkpoint (self, txn, m->u.ack.checkpoint, m->u.ack.consistency,
                                m->u.ack.n_consistency, &cp);
    //  the accepted changes are the batch's last n: seqs last_seq - n + 1 .. last_seq
    sh_receipts_batch_t b = { .first_seq = last_seq - n + 1, .count = n, .first_leaf = m->u.ack.first_leaf,
                              .size = cp.size, .range = (const uint8_t (*)[SH_HASH_BYTES]) m->u.ack.range,
                              .n_range = m->u.ack.n_range };
    uint64_t failed_seq = 0;
    if (ex == SH_EXIT_OK
    &&  (rc = last_seq < n || b.first_leaf + n != cp.size ? SH_EINVAL        //  an Ack's batch ends its tree
                                                        : sh_receipts_check_batch (txn, self->me, &b, cp.root, &failed_seq)))
        ex = s_receipt_refused (rc, failed_seq, &b);
    if (ex == SH_EXIT_OK && (rc = sh_receipts_put_batch (txn, &b)) == SH_OK)
        rc = sh_store_commit (&txn);
    if (ex == SH_EXIT_OK && rc) {
        if (rc == SH_ENOMEM)
            fprintf (stderr, "shouhe-node: out of memory storing the hub's receipt\n");
        else
            fprintf (stderr, "shouhe-node: cannot store the receipt of changes %" PRIu64 "..%" PRIu64 ": %s\n",
                     b.first_seq, last_seq, sh_strerror (rc));
        ex = SH_EXIT_STORE;
    }
    sh_store_abort (&txn);
    if (ex == SH_EXIT_OK) {
        s_hold (self, &cp);
        self->receipts++;
    }
    return ex;
}

static int
s_on_welcome (node_session_t *self, const sh_wire_msg_t *m)
{
    //  the answer to an earlier Hello: its proof is relative to what we held then
    if (m->u.welcome.nonce != self->hello_nonce)
        return SH_EXIT_OK;
    const char *scope = sh_replica_scope (self->r);
    if (strcmp (scope, m->u.welcome.scope) != 0) {
        //  a wider enrolment would send changes this node refuses; a narrower
        //  one would refuse this node's changes
        fprintf (stderr, "shouhe-node: the hub enrolled this node for scope %s, but its scope is %s; "
                 "enrol it with --scope %s\n", m->u.welcome.scope, scope, scope);
        return SH_EXIT_DENIED;
    }
    //  receipts first: a hub that lost or rewrote history fails here
    int cx = s_welcome_checkpoint (self, m);
    if (cx)
        return cx;
    if (m->u.welcome.log_size < self->since) {
        fprintf (stderr, "shouhe-node: the hub's log holds %" PRIu64 " entries, but this node has already "
                 "received up to entry %" PRIu64 ": is this another hub, or one restored from an older "
                 "backup?\n", m->u.welcome.log_size, self->since);
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
            fprintf (stderr, "shouhe-node: cannot read this node's change %" PRIu64 ": %s\n", head,
                     sh_strerror (rc));
            return SH_EXIT_STORE;
        }
        if (memcmp (hash, m->u.welcome.head_hash, SH_HASH_BYTES) != 0) {
            //  Two devices write with one key (a copied node directory):
            //  show the hub our side of the fork, so that it keeps both as
            //  evidence and blocks the key until an operator has looked.
            fprintf (stderr, "shouhe-node: the hub's copy of this node's change %" PRIu64 " differs from the "
                     "node's own: the chains have forked (equivocation); reporting it to the hub\n", head);
            self->welcomed = true;
            self->hub_head = head;
            self->sent = head - 1;
            self->credit = 1;
            self->max_changes = 1;
            self->forked = true;
            return SH_EXIT_OK;
        }
    }
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
    if (i > 0) {
        //  Acks come in order on one connection: an older batch's Ack was
        //  lost (a full pipe at the hub). This Ack's consistency proof
        //  starts from the checkpoint the lost one carried, which this node
        //  never saw, so it cannot be checked: start a new session (its
        //  Welcome proves the hub's head from the checkpoint held here and
        //  says which changes the hub holds).
        fprintf (stderr, "shouhe-node: the hub's answer to batch %" PRIu64 " was lost; starting a new session\n",
                 self->inflight[0].batch);
        s_hello (self);
        return SH_EXIT_OK;
    }
    uint64_t last_seq = self->inflight[i].last_seq;
    size_t acked_bytes = self->inflight[i].bytes;
    memmove (&self->inflight[i], &self->inflight[i + 1], (size_t) (self->n_inflight - i - 1) * sizeof self->inflight[0]);
    self->n_inflight--;
    int ex = s_ack_receipt (self, m, last_seq);
    if (ex)
        return ex;
    if (m->u.ack.head_seq > self->hub_head)
        self->hub_head = m->u.ack.head_seq;
    self->last_progress = s_now (self);
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
//  *fresh is set when it was new here; a store failure is left in *rc.
//  Returns an exit code.
static int
s_take (node_session_t *self, sh_store_txn_t *txn, const sh_wire_bytes_t *bytes, size_t i, bool *fresh,
        sh_err *rc)
{
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
        fprintf (stderr, "shouhe-node: the hub sent a change that does not verify: %s\n",
                 why ? why : sh_strerror (oc));
    else
    if (v.cause == SH_INGEST_READER_SCOPE)
        fprintf (stderr, "shouhe-node: the hub sent a change in %s, outside this node's scope %s\n",
                 c.region, rules.reader_scope);
    else
    if (v.code)                 //  an author unknown, not a node key, or of another scope
        fprintf (stderr, "shouhe-node: the hub sent a change in %s by a key %s\n", c.region,
                 v.cause == SH_INGEST_UNKNOWN_AUTHOR ? "it did not vouch for" : "whose scope does not cover it");
    int ex = v.code ? SH_EXIT_PROTOCOL : SH_EXIT_OK;
    if (ex == SH_EXIT_OK) {
        bool dup;
        *rc = sh_replica_ingest_opened (self->r, txn, bytes->data, bytes->len, &c, hash, &dup);
        *fresh = *rc == SH_OK && !dup;
        if (*rc == SH_ECHAIN || *rc == SH_EEQUIVOCATION || *rc == SH_EPROTO || *rc == SH_ECRYPTO) {
            fprintf (stderr, "shouhe-node: a change from the hub does not fit what this node holds: %s\n",
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
    self->last_progress = s_now (self);
    if (ex == SH_EXIT_OK && !(self->restoring = self->my_head < self->own_target))
        s_hello (self);
    return ex;
}

//  Check and apply one Batch in one transaction, with the new cursor.
static int
s_on_batch (node_session_t *self, const sh_wire_msg_t *m)
{
    if (m->u.batch.own)
        return s_on_own_batch (self, m);
    if (!self->pulling || m->u.batch.since != self->since || self->restoring)
        return SH_EXIT_OK;        //  an answer to an older Pull
    self->pulling = false;
    uint64_t next = m->u.batch.next;
    if (next < self->since) {
        fprintf (stderr, "shouhe-node: the hub's batch goes backwards (%" PRIu64 " after %" PRIu64 ")\n",
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
        ex = s_take (self, txn, &m->u.batch.changes[i], i, &is_new, &rc);
        fresh += is_new;
    }
    if (rc == SH_OK && ex == SH_EXIT_OK)
        rc = sh_store_meta_put_u64 (txn, "hub.since", next);
    if (rc == SH_OK && ex == SH_EXIT_OK)
        rc = sh_store_commit (&txn);
    sh_store_abort (&txn);
    if (rc && ex == SH_EXIT_OK) {
        fprintf (stderr, "shouhe-node: cannot store downloaded changes: %s\n", sh_strerror (rc));
        ex = SH_EXIT_STORE;
    }
    if (ex == SH_EXIT_OK) {
        self->down += fresh;           //  counted once committed
        self->since = next;
        self->down_done = m->u.batch.done;
        self->last_progress = s_now (self);
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
        fprintf (stderr, "shouhe-node: the hub's answer to %s was lost; starting a new session\n",
                 lost_ack ? "a batch of this node's changes" : "a download request");
        s_hello (self);
        return SH_EXIT_OK;
    }
    uint64_t stored = 0;
    int ex = node_proof_take (&self->prove, self->r, self->hub, m, &stored);
    self->receipts += stored;
    self->last_progress = s_now (self);
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
            fprintf (stderr, "shouhe-node: refused by the hub (%s): %s\n", name, m->u.error.message);
            return SH_EXIT_DENIED;
        case SH_WIRE_ERR_SESSION:
            s_hello (self);
            return SH_EXIT_OK;
        default:
            break;
    }
    //  an answer to a Push of an earlier session (dropped when that session
    //  ended) says nothing about this one
    if (m->u.error.has_batch && m->u.error.batch < self->session_batch)
        return SH_EXIT_OK;
    switch (m->u.error.code) {
        case SH_WIRE_ERR_INTERNAL:
            //  the hub could not store; a new session after a pause retries
            fprintf (stderr, "shouhe-node: the hub had a problem (%s); retrying\n", m->u.error.message);
            self->welcomed = false;
            self->session_batch = self->next_batch;
            self->hello_at = s_now (self);
            return SH_EXIT_OK;
        default:
            fprintf (stderr, "shouhe-node: the hub refused %s (%s): %s\n",
                     m->u.error.has_batch ? "a batch of this node's changes" : "a message", name,
                     m->u.error.message);
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
        fprintf (stderr, "shouhe-node: the hub's answer to %s was lost; starting a new session\n",
                 lost_ack ? "a batch of this node's changes" : lost_batch ? "a download request"
                                                                : "a request for proofs");
        s_hello (self);
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
        fprintf (stderr, "shouhe-node: no answer from the hub for %d s; starting a new session\n",
                 S_DEAD_MS / 1000);
        self->last_rx = now;
        s_hello (self);
    }
    else
    if (now - self->last_rx > S_PING_IDLE_MS && now - self->ping_at > S_PING_IDLE_MS) {
        sh_wire_msg_t p = { .type = SH_WIRE_PING };
        p.u.ping.nonce = s_random ();
        if (s_send (self, &p)) {
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
    int64_t now = s_now (self);
    int ex = SH_EXIT_OK;
    if (!self->welcomed) {
        //  waiting for a Welcome: say Hello again after a growing, jittered pause
        if (self->connected && now - self->hello_at > self->hello_wait) {
            self->hello_wait = self->hello_wait * 2 > S_HELLO_MAX_MS ? S_HELLO_MAX_MS : self->hello_wait * 2;
            self->hello_wait += (int) (s_random () % (uint64_t) (self->hello_wait / 4 + 1));
            s_hello (self);
        }
        return SH_EXIT_OK;
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
    while (self->n_inflight < (int) self->credit && self->sent < self->my_head) {
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
    if (pm.type == SH_WIRE_PROVE && s_send (self, &pm))
        node_proof_sent (&self->prove, self->msgs_sent);
    bool proven = node_proof_done (&self->prove);
    bool caught_up = self->n_inflight == 0 && self->hub_head == self->my_head && self->down_done
                  && !self->pulling && proven;
    if (caught_up) {
        if (!self->opt.watch) {
            self->finished = true;
            return SH_EXIT_OK;
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
    int64_t now = s_now (self);
    bool idle = self->welcomed && self->n_inflight == 0 && self->sent == self->my_head && self->down_done
             && node_proof_done (&self->prove) && !self->restoring;
    if (idle)
        self->last_progress = now;
    if (!self->opt.deadline_ms || now - self->last_progress < self->opt.deadline_ms)
        return SH_EXIT_OK;
    if (!self->ever_welcomed)
        fprintf (stderr, "shouhe-node: the hub at %s was unreachable until the deadline\n",
                 self->opt.hub_endpoint);
    else
        fprintf (stderr, "shouhe-node: the link to the hub was lost and not back by the deadline "
                 "(%" PRIu64 " of %" PRIu64 " changes up, %" PRIu64 " down so far)\n",
                 self->hub_head, self->my_head, self->down);
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
    free (*self_p);
    *self_p = NULL;
}

int
node_session_start (node_session_t *self)
{
    int ex = s_load_checkpoint (self);
    if (ex != SH_EXIT_OK)
        return ex;
    if (!s_refresh_head (self)) {
        fprintf (stderr, "shouhe-node: cannot read the log\n");
        return SH_EXIT_STORE;
    }
    self->last_rx = self->last_progress = s_now (self);
    return SH_EXIT_OK;
}

int
node_session_on_event (node_session_t *self, node_session_event_t event, uint32_t status)
{
    if (event == NODE_SESSION_LINK_UP) {
        self->connected = true;
        self->handshake_failures = 0;
        self->hello_wait = S_HELLO_FIRST_MS;
        s_hello (self);
    }
    else
    if (event == NODE_SESSION_LINK_DOWN) {
        self->connected = false;
        s_session_lost (self);
    }
    else
    if (event == NODE_SESSION_AUTH_FAILED) {
        //  400: the key is not admitted; 300/500: a passing hub problem,
        //  the link reconnects and the handshake is tried again
        if (status == 400) {
            fprintf (stderr, "shouhe-node: refused by the hub: this node's key is not admitted "
                     "(not enrolled, or revoked)\n");
            return SH_EXIT_DENIED;
        }
    }
    else
    if (event == NODE_SESSION_HANDSHAKE_FAILED) {
        //  A wrong hub key fails every time; so does a TCP relay whose hub is
        //  down (it accepts and closes). Once this hub has welcomed us the
        //  key is right: keep trying until the deadline.
        if (++self->handshake_failures >= 5 && !self->ever_welcomed) {
            fprintf (stderr, "shouhe-node: the CURVE handshake with the hub failed %d times: "
                     "is --hub-key the hub's key?\n", self->handshake_failures);
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
    self->last_rx = s_now (self);
    if (rc) {
        fprintf (stderr, "shouhe-node: undecodable message from the hub: %s\n",
                 rc == SH_EVERSION ? "another protocol version" : why ? why : sh_strerror (rc));
        return SH_EXIT_PROTOCOL;
    }
    switch (m->type) {
        case SH_WIRE_WELCOME: return s_on_welcome (self, m);
        case SH_WIRE_ACK:     return self->welcomed ? s_on_ack (self, m) : SH_EXIT_OK;
        case SH_WIRE_BATCH:   return self->welcomed ? s_on_batch (self, m) : SH_EXIT_OK;
        case SH_WIRE_PROOF:   return self->welcomed ? s_on_proof (self, m) : SH_EXIT_OK;
        case SH_WIRE_ERROR:   return s_on_error (self, m);
        case SH_WIRE_PONG:    s_on_pong (self, m); return SH_EXIT_OK;
        default:
            fprintf (stderr, "shouhe-node: unexpected %s from the hub\n", sh_wire_type_name (m->type));
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
