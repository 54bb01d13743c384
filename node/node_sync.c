/*  node_sync -- `shouhe-node sync`: the node's side of the sync protocol
    (docs/protocol.md, "Wire protocol" and "A session").

    One DEALER socket with CURVE (the node's transport key is derived from
    its Ed25519 key, the hub's from --hub-key) talks to the hub's ROUTER.
    A session starts with Hello; the Welcome says where the hub's copy of
    this node's chain ends, so upload resumes exactly there, and the node
    keeps its download cursor (meta "hub.since") in the same transaction
    as the changes it applies, so download resumes exactly too. Pushes are
    pipelined up to the hub's credit; each Batch is answered by the next
    Pull before it is applied. ZeroMQ reconnects by itself (exponential
    back-off); a lost connection ends the session, and the next successful
    handshake starts a new one after a jittered pause. A socket monitor
    tells a refused handshake (not enrolled / revoked) from an unreachable
    hub.
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node_cli.h"
#include "sh_changelog.h"
#include "sh_crypto.h"
#include "sh_hubid.h"
#include "sh_ingest.h"
#include "sh_link.h"
#include "sh_note.h"
#include "sh_receipts.h"
#include "sh_registry.h"
#include "sh_replica.h"
#include "sh_sys.h"
#include "sh_wire.h"

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
    uint64_t msg_no;                //  its number among the messages sent (s_sync_t.msgs_sent)
    size_t bytes;                   //  its encoded size
} s_inflight_t;

typedef struct {
    const node_args_t *args;        //  command line
    sh_replica_t *r;                //  the replica (owned here)
    sh_link_t *link;                //  DEALER to the hub, with its monitor
    uint8_t me[SH_PUBKEY_BYTES];    //  this node's key
    bool connected;                 //  CURVE handshake done
    bool welcomed;                  //  session open
    bool ever_welcomed;             //  a session was opened at least once
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
    int64_t last_progress;          //  last Ack or applied Batch (for --deadline)
    //  download
    uint64_t since;                 //  download cursor (meta hub.since)
    bool pulling;                   //  a Pull is outstanding
    bool down_done;                 //  the last Batch said done
    int64_t next_pull;              //  --watch: when to ask again
    int handshake_failures;         //  consecutive failed CURVE handshakes
    bool interrupted;               //  SIGINT/SIGTERM arrived
    bool forked;                    //  our chain forked from the hub's: only the evidence is pushed
    //  receipts (docs/protocol.md 13.16)
    const sh_hubid_t *hub;          //  the hub (--hub-key): verifies its checkpoints
    uint64_t cp_size;               //  newest checkpoint held (0: none)
    uint64_t hello_nonce;           //  nonce of the last Hello: only its Welcome counts
    uint8_t cp_root[SH_HASH_BYTES]; //  its root
    uint64_t receipts;              //  batch receipts stored in this run
    //  figures
    uint64_t up, dup, down, bytes_out, bytes_in;
    int64_t start, last_shown;
    bool tty;
    //  lost answers: the hub answers every message, in order, so a Pong
    //  that arrives while an older Push or Pull is unanswered means that
    //  answer was lost (a full pipe at the hub)
    uint64_t msgs_sent;             //  messages sent so far
    uint64_t pull_msg_no;           //  the outstanding Pull's number
    uint64_t ping_nonce, ping_msg_no; //  the last Ping
} s_sync_t;

static uint64_t
s_random (void)
{
    uint64_t v;
    sh_crypto_random ((uint8_t *) &v, sizeof v);
    return v;
}

//  ---------------------------------------------------------------------
//  Sending

static bool
s_send (s_sync_t *s, const sh_wire_msg_t *m)
{
    //  no connection: ZMQ_IMMEDIATE makes the send fail rather than queue;
    //  the fault point (tests) drops it as a link would
    size_t len;
    if (sh_link_send (s->link, m, &len) != SH_OK)
        return false;
    s->bytes_out += len;
    s->msgs_sent++;
    return true;
}

//  The session ended: whatever was unanswered was too big for the link.
static void
s_session_lost (s_sync_t *s)
{
    if (s->n_inflight > 0) {
        s->push_bytes /= 4;
        if (s->push_bytes < S_PUSH_BYTES_MIN)
            s->push_bytes = S_PUSH_BYTES_MIN;
    }
    if (s->pulling) {
        s->pull_max /= 4;
        if (s->pull_max < S_PULL_MIN)
            s->pull_max = S_PULL_MIN;
    }
    s->n_inflight = 0;
    s->pulling = false;
    s->welcomed = false;
}

static void
s_hello (s_sync_t *s)
{
    sh_wire_msg_t m = { .type = SH_WIRE_HELLO };
    memcpy (m.u.hello.node, s->me, SH_PUBKEY_BYTES);
    m.u.hello.since = s->since;
    m.u.hello.checkpoint_size = s->cp_size;
    s->hello_nonce = s_random () | 1;
    m.u.hello.nonce = s->hello_nonce;
    s_session_lost (s);
    s->session_batch = s->next_batch;
    s->hello_at = sh_sys_mono_ms ();
    s_send (s, &m);
}

//  Push the next run of this node's changes after s->sent.
static int
s_push (s_sync_t *s)
{
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (sh_replica_store (s->r), false, &txn);
    if (rc) {
        fprintf (stderr, "shouhe-node: cannot read the log: %s\n", sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    size_t max = s->max_changes ? s->max_changes : 256;
    if (max > SH_WIRE_MAX_CHANGES)
        max = SH_WIRE_MAX_CHANGES;
    size_t limit = (s->max_bytes ? s->max_bytes : SH_WIRE_MAX_BYTES) / 2;
    if (s->push_bytes < limit)
        limit = s->push_bytes;
    sh_wire_bytes_t *ch = calloc (max, sizeof *ch);
    size_t n = 0, bytes = 64;
    for (uint64_t seq = s->sent + 1; ch && seq <= s->my_head && n < max; seq++) {
        uint64_t index;
        const uint8_t *b;
        size_t len;
        rc = sh_changelog_find (txn, s->me, seq, &index, NULL);
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
        fprintf (stderr, "shouhe-node: cannot read this node's change %" PRIu64 ": %s\n", s->sent + 1,
                 sh_strerror (ch ? rc : SH_ENOMEM));
        ex = SH_EXIT_STORE;
    }
    else
    if (n > 0) {
        sh_wire_msg_t m = { .type = SH_WIRE_PUSH };
        m.u.push.batch = s->next_batch;
        m.u.push.n = n;
        m.u.push.changes = ch;
        if (s_send (s, &m)) {
            s->inflight[s->n_inflight++] = (s_inflight_t) { s->next_batch++, s->sent + n, s->msgs_sent, bytes };
            s->sent += n;
        }
    }
    free (ch);
    sh_store_abort (&txn);
    return ex;
}

static void
s_pull (s_sync_t *s)
{
    sh_wire_msg_t m = { .type = SH_WIRE_PULL };
    m.u.pull.since = s->since;
    m.u.pull.max = s->pull_max;
    if (s_send (s, &m)) {
        s->pulling = true;
        s->pull_msg_no = s->msgs_sent;
    }
}

//  ---------------------------------------------------------------------
//  Receiving

//  ---------------------------------------------------------------------
//  Receipts: checkpoints, consistency and batch proofs (sh_receipts)

static const char *s_inconsistent =
    "the hub's history is inconsistent with the checkpoint you hold";

//  The newest checkpoint this node holds, as a tree head (size 0: none).
static sh_receipts_head_t
s_held (const s_sync_t *s)
{
    sh_receipts_head_t held = { .size = s->cp_size };
    memcpy (held.root, s->cp_root, SH_HASH_BYTES);
    return held;
}

static void
s_hold (s_sync_t *s, uint64_t size, const uint8_t root[SH_HASH_BYTES])
{
    s->cp_size = size;
    memcpy (s->cp_root, root, SH_HASH_BYTES);
}

//  The newest checkpoint this node holds, verified with the hub's key.
static int
s_load_checkpoint (s_sync_t *s)
{
    sh_store_txn_t *txn;
    sh_receipts_head_t held;
    sh_err rc = sh_store_begin (sh_replica_store (s->r), false, &txn);
    if (rc == SH_OK)
        rc = sh_receipts_latest (txn, s->hub, &held);
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
    s_hold (s, held.size, held.root);
    return SH_EXIT_OK;
}

//  Check a checkpoint the hub sent (signature, and consistency with the
//  one held) and store it with its proof in txn. Returns an exit code.
static int
s_take_checkpoint (s_sync_t *s, sh_store_txn_t *txn, const char *note,
                   uint8_t (*proof)[SH_HASH_BYTES], size_t n_proof, sh_note_checkpoint_t *cp)
{
    size_t len = strlen (note);
    if (sh_hubid_open_checkpoint (s->hub, cp, note, len) != SH_OK) {
        fprintf (stderr, "shouhe-node: the hub's checkpoint is not signed by --hub-key\n");
        return SH_EXIT_PROTOCOL;
    }
    sh_receipts_head_t held = s_held (s), next = { .size = cp->size };
    memcpy (next.root, cp->root, SH_HASH_BYTES);
    if (sh_receipts_check_extends (&held, &next, (const uint8_t (*)[SH_HASH_BYTES]) proof, n_proof) != SH_OK) {
        fprintf (stderr, "shouhe-node: %s (size %" PRIu64 ", the hub now shows size %" PRIu64 ")\n",
                 s_inconsistent, s->cp_size, cp->size);
        return SH_EXIT_PROTOCOL;
    }
    sh_err rc = sh_receipts_put_checkpoint (txn, &held, cp->size, note, len,
                                            (const uint8_t (*)[SH_HASH_BYTES]) proof, n_proof);
    return rc ? SH_EXIT_STORE : SH_EXIT_OK;
}

//  Welcome: the hub's newest checkpoint must extend the one held.
static int
s_welcome_checkpoint (s_sync_t *s, const sh_wire_msg_t *m)
{
    if (!m->u.welcome.checkpoint) {
        if (s->cp_size == 0 && m->u.welcome.log_size == 0)
            return SH_EXIT_OK;        //  an empty hub log
        if (s->cp_size == 0) {
            fprintf (stderr, "shouhe-node: the hub's log holds %" PRIu64 " changes but it shows no signed "
                             "checkpoint of them\n", m->u.welcome.log_size);
            return SH_EXIT_PROTOCOL;
        }
        fprintf (stderr, "shouhe-node: %s (size %" PRIu64 ", the hub shows none)\n", s_inconsistent, s->cp_size);
        return SH_EXIT_PROTOCOL;
    }
    //  the very checkpoint this node holds (an idle sync): verified, nothing to store
    sh_note_checkpoint_t same;
    const char *note = m->u.welcome.checkpoint;
    if (s->cp_size > 0
    &&  sh_hubid_open_checkpoint (s->hub, &same, note, strlen (note)) == SH_OK
    &&  same.size == s->cp_size && memcmp (same.root, s->cp_root, SH_HASH_BYTES) == 0)
        return SH_EXIT_OK;
    sh_store_txn_t *txn;
    sh_err rc = sh_replica_begin (s->r, &txn);
    if (rc) {
        fprintf (stderr, "shouhe-node: cannot store the hub's checkpoint: %s\n", sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    sh_note_checkpoint_t cp;
    int ex = s_take_checkpoint (s, txn, m->u.welcome.checkpoint, m->u.welcome.consistency,
                                m->u.welcome.n_consistency, &cp);
    //  remember whose checkpoints these are, for `shouhe-audit receipts`
    if (ex == SH_EXIT_OK && (rc = sh_receipts_put_hub_key (txn, s->hub)) == SH_OK)
        rc = sh_store_commit (&txn);
    if (ex == SH_EXIT_OK && rc) {
        fprintf (stderr, "shouhe-node: cannot store the hub's checkpoint: %s\n", sh_strerror (rc));
        ex = SH_EXIT_STORE;
    }
    sh_store_abort (&txn);
    if (ex == SH_EXIT_OK)
        s_hold (s, cp.size, cp.root);
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
s_ack_receipt (s_sync_t *s, const sh_wire_msg_t *m, uint64_t last_seq)
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
    sh_err rc = sh_replica_begin (s->r, &txn);
    if (rc) {
        fprintf (stderr, "shouhe-node: cannot store the hub's receipt: %s\n", sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    sh_note_checkpoint_t cp;
    int ex = s_take_checkpoint (s, txn, m->u.ack.checkpoint, m->u.ack.consistency,
                                m->u.ack.n_consistency, &cp);
    //  the accepted changes are the batch's last n: seqs last_seq - n + 1 .. last_seq
    sh_receipts_batch_t b = { .first_seq = last_seq - n + 1, .count = n, .first_leaf = m->u.ack.first_leaf,
                              .size = cp.size, .range = (const uint8_t (*)[SH_HASH_BYTES]) m->u.ack.range,
                              .n_range = m->u.ack.n_range };
    uint64_t failed_seq = 0;
    if (ex == SH_EXIT_OK
    &&  (rc = last_seq < n ? SH_EINVAL : sh_receipts_check_batch (txn, s->me, &b, cp.root, &failed_seq)))
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
        s_hold (s, cp.size, cp.root);
        s->receipts++;
    }
    return ex;
}

static int
s_on_welcome (s_sync_t *s, const sh_wire_msg_t *m)
{
    //  the answer to an earlier Hello: its proof is relative to what we held then
    if (m->u.welcome.nonce != s->hello_nonce)
        return SH_EXIT_OK;
    const char *scope = sh_replica_scope (s->r);
    if (strcmp (scope, m->u.welcome.scope) != 0) {
        //  a wider enrolment would send changes this node refuses; a narrower
        //  one would refuse this node's changes
        fprintf (stderr, "shouhe-node: the hub enrolled this node for scope %s, but its scope is %s; "
                 "enrol it with --scope %s\n", m->u.welcome.scope, scope, scope);
        return SH_EXIT_DENIED;
    }
    //  receipts first: a hub that lost or rewrote history fails here
    int cx = s_welcome_checkpoint (s, m);
    if (cx)
        return cx;
    if (m->u.welcome.log_size < s->since) {
        fprintf (stderr, "shouhe-node: the hub's log holds %" PRIu64 " entries, but this node has already "
                 "received up to entry %" PRIu64 ": is this another hub, or one restored from an older "
                 "backup?\n", m->u.welcome.log_size, s->since);
        return SH_EXIT_PROTOCOL;
    }
    uint64_t head = m->u.welcome.head_seq;
    if (head > s->my_head) {
        fprintf (stderr, "shouhe-node: the hub holds %" PRIu64 " changes of this node but the node has only %"
                 PRIu64 " (was it restored from an older backup?); refusing to write a fork\n", head, s->my_head);
        return SH_EXIT_PROTOCOL;
    }
    if (head > 0) {
        uint8_t hash[SH_HASH_BYTES];
        sh_store_txn_t *txn;
        sh_err rc = sh_store_begin (sh_replica_store (s->r), false, &txn);
        if (rc == SH_OK)
            rc = sh_changelog_find (txn, s->me, head, NULL, hash);
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
            s->welcomed = true;
            s->hub_head = head;
            s->sent = head - 1;
            s->credit = 1;
            s->max_changes = 1;
            s->forked = true;
            return SH_EXIT_OK;
        }
    }
    s->hub_head = s->sent = head;
    s->forked = false;
    s->credit = m->u.welcome.credit ? m->u.welcome.credit : 1;
    if (s->credit > S_MAX_INFLIGHT)
        s->credit = S_MAX_INFLIGHT;
    s->max_changes = m->u.welcome.max_changes;
    s->max_bytes = m->u.welcome.max_bytes;
    s->welcomed = s->ever_welcomed = true;
    s->hello_wait = S_HELLO_FIRST_MS;
    s->n_inflight = 0;
    s->pulling = false;
    s->down_done = false;
    return SH_EXIT_OK;
}

static int
s_on_ack (s_sync_t *s, const sh_wire_msg_t *m)
{
    int i = 0;
    while (i < s->n_inflight && s->inflight[i].batch != m->u.ack.batch)
        i++;
    if (i == s->n_inflight)
        return SH_EXIT_OK;        //  from an earlier session
    if (i > 0) {
        //  Acks come in order on one connection: an older batch's Ack was
        //  lost (a full pipe at the hub). This Ack's consistency proof
        //  starts from the checkpoint the lost one carried, which this node
        //  never saw, so it cannot be checked: start a new session (its
        //  Welcome proves the hub's head from the checkpoint held here and
        //  says which changes the hub holds).
        fprintf (stderr, "shouhe-node: the hub's answer to batch %" PRIu64 " was lost; starting a new session\n",
                 s->inflight[0].batch);
        s_hello (s);
        return SH_EXIT_OK;
    }
    uint64_t last_seq = s->inflight[i].last_seq;
    size_t acked_bytes = s->inflight[i].bytes;
    memmove (&s->inflight[i], &s->inflight[i + 1], (size_t) (s->n_inflight - i - 1) * sizeof s->inflight[0]);
    s->n_inflight--;
    int ex = s_ack_receipt (s, m, last_seq);
    if (ex)
        return ex;
    if (m->u.ack.head_seq > s->hub_head)
        s->hub_head = m->u.ack.head_seq;
    s->last_progress = sh_sys_mono_ms ();
    //  grow from what was really sent (a Push is also capped by its change
    //  count), so that a quarter after a loss really is a smaller Push
    s->push_bytes = 2 * (acked_bytes < s->push_bytes ? acked_bytes : s->push_bytes);
    if (s->push_bytes < S_PUSH_BYTES_MIN)
        s->push_bytes = S_PUSH_BYTES_MIN;
    if (s->push_bytes > SH_WIRE_MAX_BYTES)
        s->push_bytes = SH_WIRE_MAX_BYTES;
    s->up += m->u.ack.accepted;
    s->dup += m->u.ack.duplicates;
    return SH_EXIT_OK;
}

//  The hub's checks of a push on a change it sent (sh_ingest), with a
//  node's rules: its author a node key (registry in txn) whose scope covers
//  the region, the region in this node's scope. Returns an exit code.
static int
s_judge (s_sync_t *s, sh_store_txn_t *txn, const sh_wire_bytes_t *bytes, size_t i)
{
    sh_change_t c;
    const char *why = NULL;
    sh_err oc = sh_change_open (&c, NULL, bytes->data, bytes->len, &why);
    sh_registry_entry_t e;
    bool known = oc == SH_OK && sh_registry_get (txn, c.author, &e) == SH_OK;
    sh_ingest_rules_t rules = { .writer = true, .reader_scope = sh_replica_scope (s->r) };
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
    if (oc == SH_OK)
        sh_change_fini (&c);
    return v.code ? SH_EXIT_PROTOCOL : SH_EXIT_OK;
}

//  Check and apply one Batch in one transaction, with the new cursor.
static int
s_on_batch (s_sync_t *s, const sh_wire_msg_t *m)
{
    if (!s->pulling || m->u.batch.since != s->since)
        return SH_EXIT_OK;        //  an answer to an older Pull
    s->pulling = false;
    uint64_t next = m->u.batch.next;
    if (next < s->since) {
        fprintf (stderr, "shouhe-node: the hub's batch goes backwards (%" PRIu64 " after %" PRIu64 ")\n",
                 next, s->since);
        return SH_EXIT_PROTOCOL;
    }
    //  ask for the next batch while this one is applied
    uint64_t old_since = s->since;
    if (!m->u.batch.done) {
        s->since = next;
        s_pull (s);
        s->since = old_since;
    }
    sh_store_txn_t *txn;
    sh_err rc = sh_replica_begin (s->r, &txn);
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
        if ((ex = s_judge (s, txn, &m->u.batch.changes[i], i)))
            break;
        bool dup;
        const char *why = NULL;
        rc = sh_replica_ingest (s->r, txn, m->u.batch.changes[i].data, m->u.batch.changes[i].len, &dup, &why);
        if (rc == SH_OK && !dup)
            fresh++;
        if (rc == SH_ECHAIN || rc == SH_EEQUIVOCATION || rc == SH_EPROTO || rc == SH_ECRYPTO) {
            fprintf (stderr, "shouhe-node: a change from the hub does not fit what this node holds: %s\n",
                     why ? why : sh_strerror (rc));
            ex = SH_EXIT_PROTOCOL;
        }
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
        s->down += fresh;           //  counted once committed
        s->since = next;
        s->down_done = m->u.batch.done;
        s->last_progress = sh_sys_mono_ms ();
        s->pull_max = s->pull_max * 2 > S_PULL_MAX ? S_PULL_MAX : s->pull_max * 2;
    }
    return ex;
}

static int
s_on_error (s_sync_t *s, const sh_wire_msg_t *m)
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
            s_hello (s);
            return SH_EXIT_OK;
        default:
            break;
    }
    //  an answer to a Push of an earlier session (dropped when that session
    //  ended) says nothing about this one
    if (m->u.error.has_batch && m->u.error.batch < s->session_batch)
        return SH_EXIT_OK;
    switch (m->u.error.code) {
        case SH_WIRE_ERR_INTERNAL:
            //  the hub could not store; a new session after a pause retries
            fprintf (stderr, "shouhe-node: the hub had a problem (%s); retrying\n", m->u.error.message);
            s->welcomed = false;
            s->session_batch = s->next_batch;
            s->hello_at = sh_sys_mono_ms ();
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
s_on_pong (s_sync_t *s, const sh_wire_msg_t *m)
{
    if (!s->welcomed || m->u.ping.nonce != s->ping_nonce || s->ping_msg_no == 0)
        return;
    bool lost_ack = s->n_inflight > 0 && s->inflight[0].msg_no < s->ping_msg_no;
    bool lost_batch = s->pulling && s->pull_msg_no < s->ping_msg_no;
    s->ping_msg_no = 0;
    if (lost_ack || lost_batch) {
        fprintf (stderr, "shouhe-node: the hub's answer to %s was lost; starting a new session\n",
                 lost_ack ? "a batch of this node's changes" : "a download request");
        s_hello (s);
    }
}

//  A message from the hub (ev), decoded into *m unless rc says why not.
static int
s_on_message (s_sync_t *s, const sh_link_event_t *ev, sh_err rc, sh_wire_msg_t *m, const char *why)
{
    s->bytes_in += ev->bytes;
    s->last_rx = sh_sys_mono_ms ();
    if (rc) {
        fprintf (stderr, "shouhe-node: undecodable message from the hub: %s\n",
                 rc == SH_EVERSION ? "another protocol version" : why ? why : sh_strerror (rc));
        return SH_EXIT_PROTOCOL;
    }
    int ex = SH_EXIT_OK;
    switch (m->type) {
        case SH_WIRE_WELCOME: ex = s_on_welcome (s, m); break;
        case SH_WIRE_ACK:     ex = s->welcomed ? s_on_ack (s, m) : SH_EXIT_OK; break;
        case SH_WIRE_BATCH:   ex = s->welcomed ? s_on_batch (s, m) : SH_EXIT_OK; break;
        case SH_WIRE_ERROR:   ex = s_on_error (s, m); break;
        case SH_WIRE_PONG:    s_on_pong (s, m); break;
        default:
            fprintf (stderr, "shouhe-node: unexpected %s from the hub\n", sh_wire_type_name (m->type));
            ex = SH_EXIT_PROTOCOL;
    }
    sh_wire_msg_fini (m);
    return ex;
}

//  A socket monitor event: handshakes and disconnections.
static int
s_on_monitor (s_sync_t *s, const sh_link_event_t *ev)
{
    if (ev->type == SH_LINK_CONNECTED) {
        s->connected = true;
        s->handshake_failures = 0;
        s->hello_wait = S_HELLO_FIRST_MS;
        s_hello (s);
    }
    else
    if (ev->type == SH_LINK_DISCONNECTED) {
        s->connected = false;
        s_session_lost (s);
    }
    else
    if (ev->type == SH_LINK_AUTH_FAILED) {
        //  400: the key is not admitted; 300/500: a passing hub problem,
        //  ZeroMQ reconnects and the handshake is tried again
        if (ev->status == 400) {
            fprintf (stderr, "shouhe-node: refused by the hub: this node's key is not admitted "
                     "(not enrolled, or revoked)\n");
            return SH_EXIT_DENIED;
        }
    }
    else
    if (ev->type == SH_LINK_HANDSHAKE_FAILED) {
        //  A wrong hub key fails every time; so does a TCP relay whose hub is
        //  down (it accepts and closes). Once this hub has welcomed us the
        //  key is right: keep trying until the deadline.
        if (++s->handshake_failures >= 5 && !s->ever_welcomed) {
            fprintf (stderr, "shouhe-node: the CURVE handshake with the hub failed %d times: "
                     "is --hub-key the hub's key?\n", s->handshake_failures);
            return SH_EXIT_PROTOCOL;
        }
    }
    return SH_EXIT_OK;
}

//  ---------------------------------------------------------------------
//  The loop

static void
s_progress (s_sync_t *s, bool final)
{
    if (!s->tty)
        return;
    int64_t now = sh_sys_mono_ms ();
    if (!final && now - s->last_shown < 200)
        return;
    s->last_shown = now;
    double secs = (double) (now - s->start) / 1000.0;
    double rate = secs > 0 ? (double) (s->up + s->down) / secs : 0;
    fprintf (stderr, "\rsync: up %" PRIu64 "/%" PRIu64 "  down %" PRIu64 "  %.0f changes/s  %.1f KB out  "
             "%.1f KB in   ", s->hub_head, s->my_head, s->down, rate, (double) s->bytes_out / 1024.0,
             (double) s->bytes_in / 1024.0);
    if (final)
        fputc ('\n', stderr);
}

static bool
s_refresh_head (s_sync_t *s)
{
    sh_store_txn_t *txn;
    uint8_t hash[SH_HASH_BYTES];
    if (sh_store_begin (sh_replica_store (s->r), false, &txn) != SH_OK)
        return false;
    sh_err rc = sh_changelog_head (txn, s->me, &s->my_head, hash);
    if (rc == SH_OK && !s->since) {
        sh_err mr = sh_store_meta_get_u64 (txn, "hub.since", &s->since);
        if (mr)
            s->since = 0;
    }
    sh_store_abort (&txn);
    return rc == SH_OK;
}

//  deadline_ms: how long the sync may go without progress (the hub
//  unreachable, or the link too poor to carry a batch) before giving up;
//  0 waits for ever. In --watch a caught-up node is making no progress by
//  design, so the deadline counts only while there is work to do.
static int
s_run (s_sync_t *s, int64_t deadline_ms)
{
    while (!sh_link_interrupted ()) {
        int64_t now = sh_sys_mono_ms ();
        bool idle = s->welcomed && s->n_inflight == 0 && s->sent == s->my_head && s->down_done;
        if (idle)
            s->last_progress = now;
        if (deadline_ms && now - s->last_progress >= deadline_ms) {
            if (!s->ever_welcomed)
                fprintf (stderr, "shouhe-node: the hub at %s was unreachable until the deadline\n", s->args->hub);
            else
                fprintf (stderr, "shouhe-node: the link to the hub was lost and not back by the deadline "
                         "(%" PRIu64 " of %" PRIu64 " changes up, %" PRIu64 " down so far)\n",
                         s->hub_head, s->my_head, s->down);
            return SH_EXIT_NETWORK;
        }
        sh_link_event_t ev;
        sh_wire_msg_t m;
        const char *why = NULL;
        sh_err rc = sh_link_wait (s->link, 100, &ev, &m, &why);
        int ex = SH_EXIT_OK;
        if (ev.type == SH_LINK_MESSAGE)
            ex = s_on_message (s, &ev, rc, &m, why);
        else
        if (ev.type != SH_LINK_NOTHING)
            ex = s_on_monitor (s, &ev);
        if (ex)
            return ex;
        now = sh_sys_mono_ms ();
        if (!s->welcomed) {
            //  waiting for a Welcome: say Hello again after a growing, jittered pause
            if (s->connected && now - s->hello_at > s->hello_wait) {
                s->hello_wait = s->hello_wait * 2 > S_HELLO_MAX_MS ? S_HELLO_MAX_MS : s->hello_wait * 2;
                s->hello_wait += (int) (s_random () % (uint64_t) (s->hello_wait / 4 + 1));
                s_hello (s);
            }
            continue;
        }
        //  keep the pipe full: pushes up to the credit, one pull at a time
        if (s->forked) {
            if (s->n_inflight == 0 && s->sent < s->hub_head && (ex = s_push (s)))
                return ex;
            continue;       //  the hub answers with ERR_EQUIVOCATION
        }
        while (s->n_inflight < (int) s->credit && s->sent < s->my_head) {
            uint64_t before = s->sent;
            if ((ex = s_push (s)))
                return ex;
            if (s->sent == before)
                break;          //  could not send now (link down); retry later
        }
        if (!s->pulling && !s->down_done)
            s_pull (s);
        bool caught_up = s->n_inflight == 0 && s->hub_head == s->my_head && s->down_done && !s->pulling;
        s_progress (s, false);
        if (caught_up) {
            if (!s->args->watch)
                return SH_EXIT_OK;
            //  watch: look for local writes and ask the hub for news now and then
            if (now >= s->next_pull) {
                s->down_done = false;
                s->next_pull = now + S_WATCH_PULL_MS;
            }
            s_refresh_head (s);
        }
        //  liveness: ping when quiet, start over when the hub stays silent
        if (now - s->last_rx > S_DEAD_MS) {
            fprintf (stderr, "shouhe-node: no answer from the hub for %d s; starting a new session\n",
                     S_DEAD_MS / 1000);
            s->last_rx = now;
            s_hello (s);
        }
        else
        if (now - s->last_rx > S_PING_IDLE_MS && now - s->ping_at > S_PING_IDLE_MS) {
            sh_wire_msg_t p = { .type = SH_WIRE_PING };
            p.u.ping.nonce = s_random ();
            if (s_send (s, &p)) {
                s->ping_nonce = p.u.ping.nonce;
                s->ping_msg_no = s->msgs_sent;
            }
            s->ping_at = now;
        }
    }
    //  SIGINT/SIGTERM: the normal end of --watch; otherwise the sync is unfinished
    s->interrupted = true;
    if (s->args->watch)
        return SH_EXIT_OK;
    fprintf (stderr, "shouhe-node: interrupted before the sync finished; the next sync resumes from here\n");
    return SH_EXIT_INTERRUPTED;
}

int
node_sync (node_args_t *a)
{
    if (!a->hub || !a->hub_key) {
        fprintf (stderr, "shouhe-node: sync needs --hub ENDPOINT and --hub-key HEX\n");
        return SH_EXIT_USAGE;
    }
    sh_hubid_t hub;
    uint8_t hub_curve[SH_CURVE_BYTES];
    if (sh_hubid_init_hex (&hub, a->hub_key) != SH_OK || sh_crypto_ed_to_curve (hub_curve, hub.pubkey) != SH_OK) {
        fprintf (stderr, "shouhe-node: --hub-key '%s' is not a hub public key (64 hex digits)\n", a->hub_key);
        return SH_EXIT_REFUSED;
    }
    if (a->deadline < 0) {
        fprintf (stderr, "shouhe-node: --deadline must be a number of seconds >= 0\n");
        return SH_EXIT_USAGE;
    }
    s_sync_t s = { .args = a, .hub = &hub, .hello_wait = S_HELLO_FIRST_MS, .next_batch = 1, .tty = isatty (2),
                   .push_bytes = S_PUSH_BYTES_FIRST, .pull_max = S_PULL_FIRST };
    sh_err rc = sh_replica_open (&s.r, a->dir);
    if (rc) {
        fprintf (stderr, "shouhe-node: cannot open the node in %s: %s\n", a->dir, sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    sh_store_fail_commit_after (sh_replica_store (s.r), a->fault_commit);
    memcpy (s.me, sh_replica_author (s.r), SH_PUBKEY_BYTES);
    int lex = s_load_checkpoint (&s);
    if (lex != SH_EXIT_OK) {
        sh_replica_close (&s.r);
        return lex;
    }
    if (!s_refresh_head (&s)) {
        sh_replica_close (&s.r);
        fprintf (stderr, "shouhe-node: cannot read the log\n");
        return SH_EXIT_STORE;
    }
    //  the node's sync link (docs/protocol.md 13.1): nothing queued while
    //  disconnected, reconnection with back-off, heartbeats, a monitor
    const sh_link_options_t opts = { .session = true, .monitor = true, .send_timeout_ms = 0 };
    rc = sh_link_client_new (&s.link, sh_replica_key (s.r), hub.pubkey, &opts);
    if (rc == SH_ECRYPTO) {
        sh_replica_close (&s.r);
        fprintf (stderr, "shouhe-node: this node's key cannot be converted to a CURVE key\n");
        return SH_EXIT_STORE;
    }
    int ex = SH_EXIT_OK;
    if (rc || sh_link_connect (s.link, a->hub) != SH_OK) {
        fprintf (stderr, "shouhe-node: cannot connect to '%s' (a ZeroMQ endpoint like tcp://host:port)\n", a->hub);
        ex = SH_EXIT_USAGE;
    }
    else {
        sh_link_fail_send_after (s.link, a->fault_send);
        s.start = s.last_rx = s.last_progress = sh_sys_mono_ms ();
        ex = s_run (&s, (int64_t) a->deadline * 1000);
        s_progress (&s, true);
        if (ex == SH_EXIT_OK && !a->json)
            printf ("synced: %" PRIu64 " change%s up (%" PRIu64 " already at the hub), %" PRIu64
                    " down; %" PRIu64 " bytes out, %" PRIu64 " in, %.2f s; hub checkpoint %" PRIu64 "\n",
                    s.up, s.up == 1 ? "" : "s", s.dup, s.down, s.bytes_out, s.bytes_in,
                    (double) (sh_sys_mono_ms () - s.start) / 1000.0, s.cp_size);
        else
        if (ex == SH_EXIT_OK)
            printf ("{\"up\": %" PRIu64 ", \"duplicates\": %" PRIu64 ", \"down\": %" PRIu64
                    ", \"bytes_out\": %" PRIu64 ", \"bytes_in\": %" PRIu64 ", \"ms\": %" PRId64 "}\n",
                    s.up, s.dup, s.down, s.bytes_out, s.bytes_in, sh_sys_mono_ms () - s.start);
    }
    sh_link_destroy (&s.link);
    sh_replica_close (&s.r);
    return ex;
}
