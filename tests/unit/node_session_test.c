/*  node_session_test -- the node's sync state machine (node/node_session.c)
    against a real hub handler (server/hub_handler.c), with no socket.

    The world: a hub (a real store with enrolled keys, its identity and its
    handler) and nodes (real replicas in fresh directories). A node's
    session sends through a callback that encodes the message and hands it
    to hub_handler_message as hub_serve would (a routing id per connection,
    the node key's hex as the ZAP User-Id); the handler's answers are
    queued for the node, as a DEALER's inbox, and delivered (decoded with
    sh_wire) before each step. Time is a counter the test moves by 100 ms
    per round, the wait of node_sync's loop, so pings, retries and the
    deadline come without sleeping. A link drop empties the inbox; the
    test can also drop one answer of a given type, or rewrite a Batch as a
    hub that misbehaves would.
*/
#define _GNU_SOURCE 1
#include <stdarg.h>

#include "sh_test.h"

#include "hub_handler.h"
#include "node_session.h"
#include "sh_changelog.h"
#include "sh_exit.h"
#include "sh_hubid.h"
#include "sh_merge.h"
#include "sh_hublog.h"
#include "sh_note.h"
#include "sh_openings.h"
#include "sh_quota.h"
#include "sh_sys.h"
#include "sh_receipts.h"
#include "sh_registry.h"
#include "sh_replica.h"
#include "sh_store.h"
#include "sh_wire.h"
#include "shouhe/v1/domain.pb-c.h"

#define S_VILLAGE "500115101001"        //  the scope of nodes A1 and A2
#define S_VILLAGE_B "500115102001"      //  the scope of node B
#define S_ROUND_MS 100                  //  one round: node_sync's wait
#define S_TIMEOUT (-1)                  //  s_run: the rounds ran out
#define S_STOPPED (-2)                  //  s_run: the stop condition held

typedef struct s_node_t s_node_t;

//  A hub: its store, key, identity and handler.
typedef struct {
    char *dir;                          //  hub directory
    sh_store_t *store;                  //  its store
    sh_key_t *key;                      //  its key pair
    sh_hubid_t id;                      //  its identity (signs checkpoints)
    hub_config_t config;                //  quiet, one thread
    hub_handler_t *h;                   //  the handler
    s_node_t *peer;                     //  the node whose message is being handled
} s_hub_t;

typedef struct {
    uint8_t *buf;                       //  an encoded Envelope (owned)
    size_t len;                         //  its size
} s_frame_t;

//  A node: its replica, its session, and its end of the pretend link.
struct s_node_t {
    char *dir;                          //  node directory
    sh_replica_t *r;                    //  its replica
    node_session_t *session;            //  the session under test (or NULL)
    s_hub_t *hub;                       //  the hub it talks to
    sh_hubid_t trust;                   //  the hub identity it was given (--hub-key)
    char user[SH_HEX_BYTES (SH_PUBKEY_BYTES)];  //  its key as the hub's ZAP User-Id
    int64_t now;                        //  its clock (ms)
    bool up;                            //  connected
    uint8_t rid[3];                     //  routing id of the connection (a new one per connection)
    s_frame_t inbox[256];               //  answers not delivered yet
    size_t n_inbox;                     //  how many
    size_t sent[SH_WIRE_PROOF + 1];     //  messages sent, by type
    sh_wire_type_t drop_type;           //  drop the drop_nth answer of this type (0: none)
    unsigned drop_nth;
    const sh_wire_bytes_t *foreign;     //  put this change into the next Batch (or NULL)
    const sh_wire_key_t *foreign_key;   //  and vouch for its author
    unsigned cut_at;                    //  the link breaks at the cut_at-th send from now (0: never)
    bool tamper_proof;                  //  flip a hash of every Proof's first run
    bool plain;                         //  sync with --compress off
};

/* --------------------------------------------------------------------------
 * The hub
 * -------------------------------------------------------------------------- */

//  hub_reply_fn: queue the answer for the node being served, unless the
//  link is down, it is the one to drop, or it is to be rewritten.
static void
s_reply (const uint8_t *rid, size_t rid_len, const uint8_t *buf, size_t len, void *arg)
{
    s_hub_t *hub = arg;
    s_node_t *n = hub->peer;
    SH_CHECK (n && rid_len == sizeof n->rid && memcmp (rid, n->rid, rid_len) == 0);
    sh_wire_msg_t m;
    SH_PASS (sh_wire_decode (&m, buf, len, SH_WIRE_MAX_BYTES, NULL));
    bool drop = m.type == n->drop_type && n->drop_nth > 0 && --n->drop_nth == 0;
    uint8_t *copy = NULL;
    if (m.type == SH_WIRE_BATCH && n->foreign && m.u.batch.n > 0) {
        //  a hub that sends a change the node must refuse
        m.u.batch.changes[0] = *n->foreign;
        m.u.batch.keys = (sh_wire_key_t *) n->foreign_key;
        m.u.batch.n_keys = 1;
        SH_PASS (sh_wire_encode (&m, &copy, &len));
    }
    if (m.type == SH_WIRE_PROOF && n->tamper_proof && m.u.proof.n_runs > 0) {
        //  a hub whose proof does not hold
        if (m.u.proof.runs[0].n_hashes)
            m.u.proof.runs[0].hashes[0][0] ^= 1;
        else
            m.u.proof.runs[0].first_leaf++;
        SH_PASS (sh_wire_encode (&m, &copy, &len));
    }
    sh_wire_msg_fini (&m);
    if (drop || !n->up) {
        free (copy);
        return;
    }
    if (!copy) {
        copy = malloc (len);
        SH_CHECK (copy);
        memcpy (copy, buf, len);
    }
    SH_CHECK (n->n_inbox < sizeof n->inbox / sizeof n->inbox[0]);
    n->inbox[n->n_inbox++] = (s_frame_t) { copy, len };
}

//  A hub with an empty log and key fill (sh_test_key).
static void
s_hub_open (s_hub_t *hub, uint8_t fill)
{
    memset (hub, 0, sizeof *hub);
    hub->dir = sh_test_tmpdir ();
    hub->key = sh_test_key (fill);
    sh_hubid_init_key (&hub->id, hub->key);
    SH_PASS (sh_store_open (&hub->store, hub->dir, true, (size_t) 64 << 20));
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (hub->store, true, &txn));
    SH_PASS (sh_store_meta_put_str (txn, "role", "hub"));
    SH_PASS (sh_store_commit (&txn));
    hub->config = (hub_config_t) { .dir = hub->dir, .bind = "inproc://test", .threads = 1, .quiet = true };
    hub->h = hub_handler_new (&hub->config, hub->store, &hub->id, s_reply, hub);
    SH_CHECK (hub->h);
}

static void
s_hub_close (s_hub_t *hub)
{
    hub_handler_destroy (&hub->h);
    sh_store_close (&hub->store);
    sh_key_destroy (&hub->key);
    sh_test_rmdir (hub->dir);
}

//  Enrol (or revoke) key at the hub with scope.
static void
s_hub_enroll (s_hub_t *hub, const uint8_t key[SH_PUBKEY_BYTES], const char *scope)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (hub->store, true, &txn));
    SH_PASS (sh_registry_enroll (txn, key, scope, SH_WIRE_ROLE_NODE, "node", 1690000000000));
    SH_PASS (sh_store_commit (&txn));
}

static void
s_hub_revoke (s_hub_t *hub, const uint8_t key[SH_PUBKEY_BYTES])
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (hub->store, true, &txn));
    SH_PASS (sh_registry_revoke (txn, key, 1690000000001));
    SH_PASS (sh_store_commit (&txn));
}

/* --------------------------------------------------------------------------
 * A node and its session
 * -------------------------------------------------------------------------- */

//  node_session_clock_fn: the node's counter.
static int64_t
s_clock (void *arg)
{
    return ((s_node_t *) arg)->now;
}

//  node_session_send_fn: to the hub handler, on the connection's routing id.
static bool
s_send (const sh_wire_msg_t *m, size_t *len, void *arg)
{
    s_node_t *n = arg;
    if (!n->up)
        return false;
    if (n->cut_at > 0 && --n->cut_at == 0) {
        n->up = false;                  //  lost, and so is everything after it
        return false;
    }
    uint8_t *buf;
    SH_PASS (sh_wire_encode (m, &buf, len));
    n->sent[m->type]++;
    n->hub->peer = n;
    hub_handler_message (n->hub->h, n->rid, sizeof n->rid, n->user, buf, *len, 0);
    n->hub->peer = NULL;
    free (buf);
    return true;
}

//  A new node of scope talking to hub (enrolled there with scope when
//  enrol is not NULL), trusting the hub's own key.
static void
s_node_open (s_node_t *n, s_hub_t *hub, const char *scope, const char *enrol)
{
    memset (n, 0, sizeof *n);
    n->dir = sh_test_tmpdir ();
    SH_PASS (sh_replica_create (&n->r, n->dir, scope));
    n->hub = hub;
    sh_hubid_init (&n->trust, hub->id.pubkey);
    sh_crypto_hex (n->user, sh_replica_author (n->r), SH_PUBKEY_BYTES);
    n->now = 1000000;
    n->rid[0] = 0x42;
    n->rid[1] = (uint8_t) (uintptr_t) n;
    if (enrol)
        s_hub_enroll (hub, sh_replica_author (n->r), enrol);
}

static void
s_inbox_clear (s_node_t *n)
{
    for (size_t i = 0; i < n->n_inbox; i++)
        free (n->inbox[i].buf);
    n->n_inbox = 0;
}

//  Forget the first count frames of the inbox (delivered).
static void
s_inbox_take (s_node_t *n, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free (n->inbox[i].buf);
    memmove (n->inbox, n->inbox + count, (n->n_inbox - count) * sizeof n->inbox[0]);
    n->n_inbox -= count;
}

static void
s_node_close (s_node_t *n)
{
    s_inbox_clear (n);
    node_session_destroy (&n->session);
    SH_CHECK (n->session == NULL);
    sh_replica_close (&n->r);
    sh_test_rmdir (n->dir);
}

static void
s_link_up (s_node_t *n)
{
    n->up = true;
    n->rid[2]++;                        //  a new connection, a new routing id
    SH_CHECK (node_session_on_event (n->session, NODE_SESSION_LINK_UP, 0) == SH_EXIT_OK);
}

static void
s_link_down (s_node_t *n)
{
    n->up = false;
    s_inbox_clear (n);                  //  what was on the way is lost
    SH_CHECK (node_session_on_event (n->session, NODE_SESSION_LINK_DOWN, 0) == SH_EXIT_OK);
}

//  A new session (a new `shouhe-node sync` run); returns node_session_start's exit code.
static int
s_session (s_node_t *n, bool watch, int64_t deadline_ms)
{
    node_session_destroy (&n->session);
    s_inbox_clear (n);
    n->up = false;
    memset (n->sent, 0, sizeof n->sent);
    const node_session_options_t o = { .watch = watch, .hub_endpoint = "tcp://hub.test:5555",
                                       .deadline_ms = deadline_ms, .clock = s_clock, .clock_arg = n,
                                       .plain = n->plain };
    n->session = node_session_new (n->r, &n->trust, &o, s_send, n);
    SH_CHECK (n->session);
    return node_session_start (n->session);
}

//  Up to rounds rounds of node_sync's loop: deliver what arrived, step,
//  let 100 ms pass. Returns the exit code that ended the sync (SH_EXIT_OK
//  once done), S_STOPPED as soon as stop (if not NULL) holds after a
//  round, S_TIMEOUT when the rounds ran out.
static int
s_run (s_node_t *n, int rounds, bool (*stop) (s_node_t *))
{
    for (int i = 0; i < rounds; i++) {
        //  what arrived before this round; answers to what it sends come in the next
        size_t count = n->n_inbox;
        for (size_t k = 0; k < count; k++) {
            sh_wire_msg_t m;
            const char *why = NULL;
            sh_err rc = sh_wire_decode (&m, n->inbox[k].buf, n->inbox[k].len, SH_WIRE_MAX_BYTES, &why);
            int ex = node_session_on_message (n->session, n->inbox[k].len, rc, &m, why);
            if (rc == SH_OK)
                sh_wire_msg_fini (&m);
            if (ex) {
                s_inbox_clear (n);
                return ex;
            }
        }
        s_inbox_take (n, count);
        int ex = node_session_step (n->session);
        if (ex || node_session_done (n->session))
            return ex;
        if (stop && stop (n))
            return S_STOPPED;
        n->now += S_ROUND_MS;
    }
    return S_TIMEOUT;
}

//  A whole sync, as `shouhe-node sync` runs it: must end with SH_EXIT_OK.
static void
s_sync (s_node_t *n)
{
    SH_CHECK (s_session (n, false, 0) == SH_EXIT_OK);
    s_link_up (n);
    int ex = s_run (n, 1000, NULL);
    if (ex != SH_EXIT_OK)
        fprintf (stderr, "sync ended with %d\n", ex);
    SH_CHECK (ex == SH_EXIT_OK);
}

static node_session_stats_t
s_stats (const s_node_t *n)
{
    node_session_stats_t st;
    node_session_stats (n->session, &st);
    return st;
}

//  count courtyard writes in village by this node, in one transaction
//  (names tagged so that every node writes something different).
static void
s_write (s_node_t *n, const char *village, int count, const char *tag)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_replica_begin (n->r, &txn));
    for (int i = 0; i < count; i++) {
        char region[32], name[96];
        snprintf (region, sizeof region, "%s%03d", village, 1 + i % 900);
        snprintf (name, sizeof name, "courtyard %d of %s, written by node %s in a test of the sync", i, village,
                  tag);
        Shouhe__V1__Courtyard c = SHOUHE__V1__COURTYARD__INIT;
        c.name = name;
        uint8_t body[256];
        size_t len = shouhe__v1__courtyard__pack (&c, body);
        SH_PASS (sh_replica_write (n->r, txn, region, SH_KIND_COURTYARD, (const uint8_t *) region,
                                   strlen (region), SH_OP_PUT, body, len, NULL));
    }
    SH_PASS (sh_store_commit (&txn));
}

//  The merged state of village in store.
static void
s_digest (sh_store_t *store, const char *village, uint8_t digest[SH_HASH_BYTES])
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, false, &txn));
    SH_PASS (sh_merge_digest (txn, village, digest));
    sh_store_abort (&txn);
}

static uint64_t
s_log_size (sh_store_t *store)
{
    sh_store_txn_t *txn;
    uint64_t size;
    SH_PASS (sh_store_begin (store, false, &txn));
    SH_PASS (sh_changelog_size (txn, &size));
    sh_store_abort (&txn);
    return size;
}

//  The newest checkpoint the node holds, verified with the hub's key.
static sh_receipts_head_t
s_held (s_node_t *n)
{
    sh_store_txn_t *txn;
    sh_receipts_head_t held;
    SH_PASS (sh_store_begin (sh_replica_store (n->r), false, &txn));
    SH_PASS (sh_receipts_latest (txn, &n->trust, &held));
    sh_store_abort (&txn);
    return held;
}

/* --------------------------------------------------------------------------
 * Receipts: every batch receipt proves its changes against its checkpoint
 * -------------------------------------------------------------------------- */

typedef struct {
    s_node_t *node;                     //  whose receipts
    sh_store_txn_t *txn;                //  read transaction on its store
    uint64_t sizes[256];                //  checkpoints held: sizes
    uint8_t roots[256][SH_HASH_BYTES];  //  and roots
    size_t n_cp;                        //  how many
    uint64_t next_seq;                  //  batch receipts: the seq after the last one seen
    uint64_t covered;                   //  changes they cover
    bool gapless;                       //  each starts where the one before ended
} s_receipts_t;

static int
s_each_checkpoint (const sh_receipts_entry_t *e, void *arg)
{
    s_receipts_t *w = arg;
    sh_note_checkpoint_t cp;
    SH_CHECK (!e->malformed && w->n_cp < 256);
    SH_PASS (sh_hubid_open_checkpoint (&w->node->trust, &cp, e->u.checkpoint.note, e->u.checkpoint.note_len));
    SH_CHECK (cp.size == e->u.checkpoint.size);
    w->sizes[w->n_cp] = cp.size;
    memcpy (w->roots[w->n_cp++], cp.root, SH_HASH_BYTES);
    return 0;
}

static int
s_each_batch (const sh_receipts_entry_t *e, void *arg)
{
    s_receipts_t *w = arg;
    const sh_receipts_batch_t *b = &e->u.batch;
    SH_CHECK (!e->malformed);
    size_t i = 0;
    while (i < w->n_cp && w->sizes[i] != b->size)
        i++;
    SH_CHECK (i < w->n_cp);             //  its checkpoint is held
    SH_PASS (sh_receipts_check_batch (w->txn, sh_replica_author (w->node->r), b, w->roots[i], NULL));
    w->gapless = w->gapless && b->first_seq == w->next_seq;
    w->next_seq = b->first_seq + b->count;
    w->covered += b->count;
    return 0;
}

//  Check every receipt the node holds; returns how many of its changes
//  they cover, and whether they cover 1..n without a gap.
static uint64_t
s_check_receipts (s_node_t *n, bool *gapless)
{
    s_receipts_t w = { .node = n, .next_seq = 1, .gapless = true };
    SH_PASS (sh_store_begin (sh_replica_store (n->r), false, &w.txn));
    SH_PASS (sh_receipts_each (w.txn, SH_RECEIPTS_CHECKPOINT, s_each_checkpoint, &w));
    SH_PASS (sh_receipts_each (w.txn, SH_RECEIPTS_BATCH, s_each_batch, &w));
    sh_store_abort (&w.txn);
    if (gapless)
        *gapless = w.gapless;
    return w.covered;
}

//  The usual world: a hub, two nodes of one village (a1, a2) and one of
//  another (b), all enrolled.
typedef struct {
    s_hub_t hub;
    s_node_t a1, a2, b;
} s_world_t;

static void
s_world_open (s_world_t *w, uint8_t hub_fill)
{
    s_hub_open (&w->hub, hub_fill);
    s_node_open (&w->a1, &w->hub, S_VILLAGE, S_VILLAGE);
    s_node_open (&w->a2, &w->hub, S_VILLAGE, S_VILLAGE);
    s_node_open (&w->b, &w->hub, S_VILLAGE_B, S_VILLAGE_B);
}

static void
s_world_close (s_world_t *w)
{
    s_node_close (&w->a1);
    s_node_close (&w->a2);
    s_node_close (&w->b);
    s_hub_close (&w->hub);
}

//  Do two stores hold the same state of village?
static bool
s_same (sh_store_t *one, sh_store_t *other, const char *village)
{
    uint8_t d1[SH_HASH_BYTES], d2[SH_HASH_BYTES];
    s_digest (one, village, d1);
    s_digest (other, village, d2);
    return memcmp (d1, d2, SH_HASH_BYTES) == 0;
}

/* --------------------------------------------------------------------------
 * Tests
 * -------------------------------------------------------------------------- */

//  Two nodes of one village and one of another: every change goes up, each
//  node downloads what the others of its village wrote, and all agree.
static void
test_converge (void)
{
    s_world_t w;
    s_world_open (&w, 0x11);
    s_write (&w.a1, S_VILLAGE, 700, "a1");
    s_write (&w.a2, S_VILLAGE, 300, "a2");
    s_write (&w.b, S_VILLAGE_B, 50, "b");

    s_sync (&w.a1);
    node_session_stats_t st = s_stats (&w.a1);
    SH_CHECK (st.up == 700 && st.duplicates == 0 && st.down == 0);
    SH_CHECK (st.hub_head == 700 && st.my_head == 700);
    SH_CHECK (st.receipts >= 2);        //  700 changes do not fit one 64 KB push
    //  compressed (13.22): no less than the signatures, which do not compress
    SH_CHECK (st.checkpoint_size == 700 && st.bytes_out > 700 * 64 && st.bytes_in > 0);
    SH_CHECK (w.a1.sent[SH_WIRE_PUSH] == st.receipts);
    s_sync (&w.b);
    SH_CHECK (s_stats (&w.b).up == 50 && s_stats (&w.b).down == 0);
    w.a2.plain = true;                  //  a node that does not compress joins the same district
    s_sync (&w.a2);
    node_session_stats_t st2 = s_stats (&w.a2);
    printf ("  bytes out per change: compressed %.0f, plain %.0f\n", st.bytes_out / 700.0,
            st2.bytes_out / 300.0);
    SH_CHECK (st2.up == 300 && st.bytes_out / 700.0 < 0.6 * (st2.bytes_out / 300.0));
    st = s_stats (&w.a2);
    SH_CHECK (st.up == 300 && st.down == 700 && st.checkpoint_size == 1050);
    s_sync (&w.a1);                       //  the next sync brings a2's changes
    SH_CHECK (s_stats (&w.a1).up == 0 && s_stats (&w.a1).down == 300);
    s_sync (&w.a1);                       //  and then nothing
    SH_CHECK (s_stats (&w.a1).up == 0 && s_stats (&w.a1).down == 0 && w.a1.sent[SH_WIRE_PUSH] == 0);

    //  the same state everywhere, b's village untouched by the a nodes
    SH_CHECK (s_same (sh_replica_store (w.a1.r), sh_replica_store (w.a2.r), S_VILLAGE));
    SH_CHECK (s_same (sh_replica_store (w.a1.r), w.hub.store, S_VILLAGE));
    SH_CHECK (s_same (sh_replica_store (w.b.r), w.hub.store, S_VILLAGE_B));
    SH_CHECK (s_log_size (sh_replica_store (w.a1.r)) == 1000 && s_log_size (sh_replica_store (w.b.r)) == 50);
    SH_CHECK (s_log_size (w.hub.store) == 1050);

    //  receipts: the newest checkpoint held, every batch proven, no gap
    SH_CHECK (s_held (&w.a1).size == 1050 && s_held (&w.a2).size == 1050 && s_held (&w.b).size == 750);
    bool gapless;
    SH_CHECK (s_check_receipts (&w.a1, &gapless) == 700 && gapless);
    SH_CHECK (s_check_receipts (&w.a2, &gapless) == 300 && gapless);
    SH_CHECK (s_check_receipts (&w.b, &gapless) == 50 && gapless);
    s_world_close (&w);
}

static bool
s_some_up (s_node_t *n)
{
    return s_stats (n).up > 0;
}

static bool
s_some_down (s_node_t *n)
{
    return s_stats (n).down > 0;
}

//  The link drops in the middle of an upload and of a download; the
//  session resumes exactly where the hub's Welcome and the cursor say, in
//  the same run and in the next one.
static void
test_resume (void)
{
    s_world_t w;
    s_world_open (&w, 0x12);
    s_write (&w.a1, S_VILLAGE, 2000, "a1");
    s_write (&w.a2, S_VILLAGE, 10, "a2");

    //  upload: the link breaks at the third Push; the first two are answered
    SH_CHECK (s_session (&w.a1, false, 0) == SH_EXIT_OK);
    w.a1.cut_at = 4;                      //  Hello, Push, Push, then the break
    s_link_up (&w.a1);
    SH_CHECK (s_run (&w.a1, 100, s_some_up) == S_STOPPED);
    uint64_t first = s_stats (&w.a1).up;
    SH_CHECK (first > 0 && first < 2000 && !w.a1.up && w.a1.sent[SH_WIRE_PUSH] == 2);
    SH_CHECK (s_log_size (w.hub.store) == first);
    s_link_down (&w.a1);
    SH_CHECK (s_run (&w.a1, 20, NULL) == S_TIMEOUT);      //  nothing to do without a link
    SH_CHECK (w.a1.sent[SH_WIRE_HELLO] == 1);
    s_link_up (&w.a1);                    //  a new session goes on from the hub's head
    SH_CHECK (s_run (&w.a1, 1000, NULL) == SH_EXIT_OK);
    node_session_stats_t st = s_stats (&w.a1);
    SH_CHECK (w.a1.sent[SH_WIRE_HELLO] == 2 && st.duplicates == 0 && st.up == 2000);
    SH_CHECK (st.hub_head == 2000 && s_log_size (w.hub.store) == 2000);

    //  download: down after the first Batch is applied; the next run goes on from the cursor
    SH_CHECK (s_session (&w.a2, false, 0) == SH_EXIT_OK);
    s_link_up (&w.a2);
    SH_CHECK (s_run (&w.a2, 100, s_some_down) == S_STOPPED);
    uint64_t got = s_stats (&w.a2).down, up = s_stats (&w.a2).up;
    SH_CHECK (got > 0 && got < 2000);
    s_link_down (&w.a2);
    s_sync (&w.a2);
    SH_CHECK (s_stats (&w.a2).down == 2000 - got && up + s_stats (&w.a2).up == 10);
    s_sync (&w.a1);
    SH_CHECK (s_stats (&w.a1).down == 10);
    SH_CHECK (s_same (sh_replica_store (w.a1.r), sh_replica_store (w.a2.r), S_VILLAGE));
    bool gapless;
    SH_CHECK (s_check_receipts (&w.a2, &gapless) == 10 && gapless);
    SH_CHECK (s_check_receipts (&w.a1, &gapless) == 2000 && gapless);
    SH_CHECK (s_held (&w.a1).size == 2010);
    s_world_close (&w);
}

//  Push sizes set by measured time (node_pace): a link that stays up 4 s
//  and is cut with Pushes out is paced -- the next session keeps two
//  Pushes out instead of the hub's credit of four, and smaller ones --
//  and the sync still converges with nothing sent twice (what the cut took
//  was stored: the Welcome says so).
static void
test_paced (void)
{
    s_world_t w;
    s_world_open (&w, 0x15);
    s_write (&w.a1, S_VILLAGE, 8000, "a1");
    SH_CHECK (s_session (&w.a1, false, 0) == SH_EXIT_OK);
    s_link_up (&w.a1);
    SH_CHECK (s_run (&w.a1, 1, NULL) == S_TIMEOUT);       //  the Welcome: the credit's Pushes go out
    SH_CHECK (w.a1.sent[SH_WIRE_PUSH] == 4);
    SH_CHECK (s_run (&w.a1, 1, NULL) == S_TIMEOUT);       //  their Acks: four more, twice as large
    uint64_t up = s_stats (&w.a1).up;
    SH_CHECK (w.a1.sent[SH_WIRE_PUSH] == 8 && up > 0 && up < 8000);
    w.a1.now += 4000;                                     //  the link stays up 4 s in all ...
    s_link_down (&w.a1);                                  //  ... and is cut with four Pushes out
    s_link_up (&w.a1);
    SH_CHECK (s_run (&w.a1, 1, NULL) == S_TIMEOUT);
    SH_CHECK (w.a1.sent[SH_WIRE_PUSH] == 10);             //  paced: two out
    SH_CHECK (s_run (&w.a1, 1, NULL) == S_TIMEOUT);
    uint64_t paced = s_stats (&w.a1).up - up;             //  what the two carried: at most 1/16 of 4 s each
    SH_CHECK (paced > 0 && w.a1.sent[SH_WIRE_PUSH] == 12);
    SH_CHECK (s_run (&w.a1, 1000, NULL) == SH_EXIT_OK);
    node_session_stats_t st = s_stats (&w.a1);
    SH_CHECK (st.hub_head == 8000 && st.duplicates == 0 && s_log_size (w.hub.store) == 8000);
    s_world_close (&w);
}

//  The hub's answer to the first Push is lost: the Ack of the second
//  shows it, a new session starts, and the sync still converges.
static void
test_lost_ack (void)
{
    s_world_t w;
    s_world_open (&w, 0x13);
    s_write (&w.a1, S_VILLAGE, 900, "a1");
    SH_CHECK (s_session (&w.a1, false, 0) == SH_EXIT_OK);
    w.a1.drop_type = SH_WIRE_ACK;
    w.a1.drop_nth = 1;
    s_link_up (&w.a1);
    SH_CHECK (s_run (&w.a1, 1000, NULL) == SH_EXIT_OK);
    SH_CHECK (w.a1.drop_nth == 0);
    SH_CHECK (w.a1.sent[SH_WIRE_HELLO] == 2);             //  the second session
    SH_CHECK (w.a1.sent[SH_WIRE_PING] == 0);
    node_session_stats_t st = s_stats (&w.a1);
    SH_CHECK (st.hub_head == 900 && s_log_size (w.hub.store) == 900 && st.checkpoint_size == 900);
    SH_CHECK (s_held (&w.a1).size == 900);
    //  the lost Ack's receipt came by a Prove in the second session (13.18)
    bool gapless;
    SH_CHECK (s_check_receipts (&w.a1, &gapless) == 900 && gapless);
    SH_CHECK (w.a1.sent[SH_WIRE_PROVE] == 1);
    s_world_close (&w);
}

//  The hub's answer to a Pull is lost and nothing else is outstanding:
//  after 5 s of silence a Ping goes, its Pong shows the loss, a new
//  session asks again.
static void
test_lost_batch (void)
{
    s_world_t w;
    s_world_open (&w, 0x14);
    s_write (&w.a1, S_VILLAGE, 100, "a1");
    s_sync (&w.a1);
    SH_CHECK (s_session (&w.a2, false, 0) == SH_EXIT_OK);
    w.a2.drop_type = SH_WIRE_BATCH;
    w.a2.drop_nth = 1;
    s_link_up (&w.a2);
    int64_t t0 = w.a2.now;
    SH_CHECK (s_run (&w.a2, 1000, NULL) == SH_EXIT_OK);
    SH_CHECK (w.a2.drop_nth == 0 && w.a2.sent[SH_WIRE_PING] == 1 && w.a2.sent[SH_WIRE_HELLO] == 2);
    SH_CHECK (w.a2.now - t0 > 5000 && w.a2.now - t0 < 7000);
    SH_CHECK (s_stats (&w.a2).down == 100);
    SH_CHECK (s_same (sh_replica_store (w.a1.r), sh_replica_store (w.a2.r), S_VILLAGE));
    s_world_close (&w);
}

//  Start a session and run it to its end; returns the exit code.
static int
s_sync_ex (s_node_t *n)
{
    int ex = s_session (n, false, 0);
    if (ex)
        return ex;
    s_link_up (n);
    return s_run (n, 1000, NULL);
}

//  Refusals by the hub: not enrolled, revoked, another scope.
static void
test_denied (void)
{
    s_hub_t hub;
    s_hub_open (&hub, 0x15);
    s_node_t stranger, revoked, wide;
    s_node_open (&stranger, &hub, S_VILLAGE, NULL);
    s_node_open (&revoked, &hub, S_VILLAGE, S_VILLAGE);
    s_node_open (&wide, &hub, S_VILLAGE, "500115101");
    s_write (&revoked, S_VILLAGE, 5, "r");
    s_sync (&revoked);
    s_hub_revoke (&hub, sh_replica_author (revoked.r));
    SH_CHECK (s_sync_ex (&stranger) == SH_EXIT_DENIED);
    SH_CHECK (s_sync_ex (&revoked) == SH_EXIT_DENIED);
    SH_CHECK (s_sync_ex (&wide) == SH_EXIT_DENIED);
    //  the handshake refused (ZAP 400), or a passing hub problem (500)
    SH_CHECK (s_session (&stranger, false, 0) == SH_EXIT_OK);
    SH_CHECK (node_session_on_event (stranger.session, NODE_SESSION_AUTH_FAILED, 500) == SH_EXIT_OK);
    SH_CHECK (node_session_on_event (stranger.session, NODE_SESSION_AUTH_FAILED, 400) == SH_EXIT_DENIED);
    s_node_close (&stranger);
    s_node_close (&revoked);
    s_node_close (&wide);
    s_hub_close (&hub);
}

//  A hub whose store is full (its map, reopened at 1 MiB: the "Room" check
//  refuses every Push) answers ERR_STORE_FULL: the node exits 8 -- not 4,
//  the hub answered -- and keeps its changes for a later sync.
static void
test_hub_full (void)
{
    s_hub_t hub;
    s_hub_open (&hub, 0x17);
    s_node_t a;
    s_node_open (&a, &hub, S_VILLAGE, S_VILLAGE);
    s_write (&a, S_VILLAGE, 3, "a");
    hub_handler_destroy (&hub.h);
    sh_store_close (&hub.store);
    SH_PASS (sh_store_open (&hub.store, hub.dir, false, (size_t) 1 << 20));
    hub.h = hub_handler_new (&hub.config, hub.store, &hub.id, s_reply, &hub);
    SH_CHECK (hub.h);
    SH_CHECK (s_sync_ex (&a) == SH_EXIT_FULL);
    s_node_close (&a);
    s_hub_close (&hub);
}

//  A node that bypasses its own check (sh_ops) and steps a matter it made
//  big itself: the hub refuses the batch (ERR_LEAD, docs/protocol.md 13.8)
//  and stores nothing of it; the node exits 6 as for its other refused
//  changes.
static void
test_hub_lead (void)
{
    s_hub_t hub;
    s_hub_open (&hub, 0x18);
    s_node_t a;
    s_node_open (&a, &hub, S_VILLAGE, S_VILLAGE);
    char region[32];
    snprintf (region, sizeof region, "%s001", S_VILLAGE);
    uint8_t id[16], body[64];
    memset (id, 0x5a, sizeof id);
    sh_store_txn_t *txn;
    SH_PASS (sh_replica_begin (a.r, &txn));
    //  the courtyard and the matter come first (the scope rule, docs/protocol.md 3.1)
    Shouhe__V1__Courtyard cy = SHOUHE__V1__COURTYARD__INIT;
    cy.name = (char *) "院落";
    size_t len = shouhe__v1__courtyard__pack (&cy, body);
    SH_PASS (sh_replica_write (a.r, txn, region, SH_KIND_COURTYARD, (const uint8_t *) region, strlen (region),
                               SH_OP_PUT, body, len, NULL));
    Shouhe__V1__Matter mt = SHOUHE__V1__MATTER__INIT;
    mt.title = (char *) "路灯";
    len = shouhe__v1__matter__pack (&mt, body);
    SH_PASS (sh_replica_write (a.r, txn, region, SH_KIND_MATTER, id, sizeof id, SH_OP_PUT, body, len, NULL));
    Shouhe__V1__MatterEvent e = SHOUHE__V1__MATTER_EVENT__INIT;
    e.has_kind = e.has_tier = 1;
    e.kind = SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_ESCALATE;
    e.tier = SHOUHE__V1__TIER__TIER_BIG;
    len = shouhe__v1__matter_event__pack (&e, body);
    SH_PASS (sh_replica_write (a.r, txn, region, SH_KIND_MATTER_EVENT, id, sizeof id, SH_OP_EVENT, body, len, NULL));
    Shouhe__V1__MatterEvent st = SHOUHE__V1__MATTER_EVENT__INIT;
    st.has_kind = st.has_step = 1;
    st.kind = SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_STEP;
    st.step = SHOUHE__V1__STEP__STEP_CONSULT;
    len = shouhe__v1__matter_event__pack (&st, body);
    SH_PASS (sh_replica_write (a.r, txn, region, SH_KIND_MATTER_EVENT, id, sizeof id, SH_OP_EVENT, body, len, NULL));
    SH_PASS (sh_store_commit (&txn));
    SH_CHECK (s_sync_ex (&a) == SH_EXIT_PROTOCOL);
    uint64_t size = 1;
    SH_PASS (sh_store_begin (hub.store, false, &txn));
    SH_PASS (sh_changelog_size (txn, &size));
    sh_store_abort (&txn);
    SH_CHECK (size == 0);
    s_node_close (&a);
    s_hub_close (&hub);
}

static bool
s_all_up (s_node_t *n)
{
    node_session_stats_t st = s_stats (n);
    return st.hub_head == st.my_head;
}

//  Set key's quota at the hub (sh_quota, docs/protocol.md 13.20).
static void
s_hub_quota (s_hub_t *hub, const uint8_t key[SH_PUBKEY_BYTES], uint64_t changes_per_day)
{
    sh_store_txn_t *txn;
    sh_quota_limits_t l = { changes_per_day, 0 };
    SH_PASS (sh_store_begin (hub->store, true, &txn));
    SH_PASS (sh_quota_set_limits (txn, key, &l, sh_sys_wall_ms ()));
    SH_PASS (sh_store_commit (&txn));
}

//  A node over its quota (ERR_QUOTA, 13.11, 13.20): it stops pushing,
//  still downloads, and ends with exit 7; with --watch it waits 10 minutes
//  (the deadline not counting), then pushes again.
static void
test_quota (void)
{
    s_hub_t hub;
    s_hub_open (&hub, 0x18);
    s_node_t a, b;
    s_node_open (&a, &hub, S_VILLAGE, S_VILLAGE);
    s_node_open (&b, &hub, S_VILLAGE, S_VILLAGE);
    s_hub_quota (&hub, sh_replica_author (a.r), 300);
    s_write (&b, S_VILLAGE, 5, "b");
    s_sync (&b);
    s_write (&a, S_VILLAGE, 600, "a");
    SH_CHECK (s_sync_ex (&a) == SH_EXIT_RETRY);
    node_session_stats_t st = s_stats (&a);
    SH_CHECK (st.down == 5 && st.my_head == 600);           //  downloads done all the same
    SH_CHECK (st.hub_head > 0 && st.hub_head <= 300 && st.up == st.hub_head);
    SH_CHECK (s_held (&a).size == 5 + st.hub_head);
    uint64_t first = st.hub_head;
    //  again the same day: nothing more goes up, exit 7 again
    SH_CHECK (s_sync_ex (&a) == SH_EXIT_RETRY);
    SH_CHECK (s_stats (&a).up == 0 && s_stats (&a).hub_head == first);

    //  --watch with a deadline of one minute: no push for 10 minutes, no exit
    SH_CHECK (s_session (&a, true, 60000) == SH_EXIT_OK);
    s_link_up (&a);
    SH_CHECK (s_run (&a, 50, NULL) == S_TIMEOUT);           //  refused again, said once
    size_t pushes = a.sent[SH_WIRE_PUSH];
    SH_CHECK (pushes > 0);
    SH_CHECK (s_run (&a, 5800, NULL) == S_TIMEOUT);         //  9 min 40 s
    SH_CHECK (a.sent[SH_WIRE_PUSH] == pushes && a.sent[SH_WIRE_PULL] > 100);
    //  the operator raises the quota; the node pushes again on its own
    s_hub_quota (&hub, sh_replica_author (a.r), 1000);
    SH_CHECK (s_run (&a, 1000, s_all_up) == S_STOPPED);
    SH_CHECK (s_stats (&a).hub_head == 600 && a.sent[SH_WIRE_PUSH] > pushes);
    SH_CHECK (s_same (sh_replica_store (a.r), hub.store, S_VILLAGE));
    s_node_close (&a);
    s_node_close (&b);
    s_hub_close (&hub);
}

//  Hubs that break the receipts: another key, a history that does not
//  extend the checkpoint held.
static void
test_other_hub (void)
{
    s_hub_t hub, other, restored;
    s_hub_open (&hub, 0x16);
    s_hub_open (&other, 0x17);          //  another key
    s_hub_open (&restored, 0x16);       //  the same key, another history
    s_node_t a1, a2;
    s_node_open (&a1, &hub, S_VILLAGE, S_VILLAGE);
    s_node_open (&a2, &hub, S_VILLAGE, S_VILLAGE);
    s_write (&a1, S_VILLAGE, 20, "a1");
    s_write (&a2, S_VILLAGE, 20, "a2");
    s_sync (&a1);
    s_sync (&a2);                       //  both hold checkpoint 40

    //  a1 is told the other hub's key: its own checkpoints do not open with it
    sh_hubid_init (&a1.trust, other.id.pubkey);
    SH_CHECK (s_session (&a1, false, 0) == SH_EXIT_PROTOCOL);
    //  a fresh node trusting the other key meets the first hub: its checkpoint does not open
    s_node_t a3;
    s_node_open (&a3, &hub, S_VILLAGE, S_VILLAGE);
    sh_hubid_init (&a3.trust, other.id.pubkey);
    SH_CHECK (s_sync_ex (&a3) == SH_EXIT_PROTOCOL);

    //  a hub with their hub's key that holds another history (b's 45 changes)
    s_node_t b;
    s_node_open (&b, &restored, S_VILLAGE_B, S_VILLAGE_B);
    s_write (&b, S_VILLAGE_B, 45, "b");
    s_sync (&b);
    a2.hub = &restored;
    s_hub_enroll (&restored, sh_replica_author (a2.r), S_VILLAGE);
    SH_CHECK (s_sync_ex (&a2) == SH_EXIT_PROTOCOL);
    SH_CHECK (s_held (&a2).size == 40);     //  nothing of it was kept
    s_node_close (&a1);
    s_node_close (&a2);
    s_node_close (&a3);
    s_node_close (&b);
    s_hub_close (&hub);
    s_hub_close (&other);
    s_hub_close (&restored);
}

//  A hub that sends a change of another village: refused, nothing applied.
static void
test_batch_out_of_scope (void)
{
    s_world_t w;
    s_world_open (&w, 0x18);
    s_write (&w.a1, S_VILLAGE, 3, "a1");
    s_write (&w.b, S_VILLAGE_B, 1, "b");
    s_sync (&w.a1);
    //  b's change, with its key as the hub would vouch for it
    sh_store_txn_t *txn;
    const uint8_t *bytes;
    size_t len;
    SH_PASS (sh_store_begin (sh_replica_store (w.b.r), false, &txn));
    SH_PASS (sh_changelog_get (txn, 1, &bytes, &len));
    uint8_t *copy = malloc (len);
    SH_CHECK (copy);
    memcpy (copy, bytes, len);
    sh_store_abort (&txn);
    sh_wire_bytes_t foreign = { copy, len };
    sh_wire_key_t key = { .role = SH_WIRE_ROLE_NODE };
    memcpy (key.key, sh_replica_author (w.b.r), SH_PUBKEY_BYTES);
    strcpy (key.scope, S_VILLAGE_B);
    w.a2.foreign = &foreign;
    w.a2.foreign_key = &key;
    SH_CHECK (s_sync_ex (&w.a2) == SH_EXIT_PROTOCOL);
    SH_CHECK (s_log_size (sh_replica_store (w.a2.r)) == 0 && s_stats (&w.a2).down == 0);
    //  an honest answer the next time
    w.a2.foreign = NULL;
    s_sync (&w.a2);
    SH_CHECK (s_stats (&w.a2).down == 3);
    free (copy);
    s_world_close (&w);
}

//  The link's troubles: an unreachable hub until the deadline, a
//  handshake that keeps failing, bytes that do not decode.
static void
test_link_troubles (void)
{
    s_world_t w;
    s_world_open (&w, 0x19);
    s_write (&w.a1, S_VILLAGE, 3, "a1");
    //  never connected: the deadline (3 s) ends it
    SH_CHECK (s_session (&w.a1, false, 3000) == SH_EXIT_OK);
    int64_t t0 = w.a1.now;
    SH_CHECK (s_run (&w.a1, 1000, NULL) == SH_EXIT_NETWORK);
    SH_CHECK (w.a1.now - t0 >= 3000 && w.a1.now - t0 < 3200);
    //  a wrong hub key: the fifth failed handshake ends it
    SH_CHECK (s_session (&w.a1, false, 0) == SH_EXIT_OK);
    for (int i = 0; i < 4; i++)
        SH_CHECK (node_session_on_event (w.a1.session, NODE_SESSION_HANDSHAKE_FAILED, 0) == SH_EXIT_OK);
    SH_CHECK (node_session_on_event (w.a1.session, NODE_SESSION_HANDSHAKE_FAILED, 0) == SH_EXIT_PROTOCOL);
    //  an undecodable message
    SH_CHECK (s_session (&w.a1, false, 0) == SH_EXIT_OK);
    SH_CHECK (node_session_on_message (w.a1.session, 3, SH_EPROTO, NULL, "garbage") == SH_EXIT_PROTOCOL);
    //  watch: caught up is not done; new local writes go up by themselves
    SH_CHECK (s_session (&w.a1, true, 3000) == SH_EXIT_OK);
    s_link_up (&w.a1);
    SH_CHECK (s_run (&w.a1, 50, NULL) == S_TIMEOUT);     //  5 s, past the deadline: idle is no failure
    SH_CHECK (s_stats (&w.a1).hub_head == 3 && !node_session_done (w.a1.session));
    s_write (&w.a1, S_VILLAGE, 2, "a1 later");
    SH_CHECK (s_run (&w.a1, 10, NULL) == S_TIMEOUT);
    SH_CHECK (s_stats (&w.a1).hub_head == 5 && s_log_size (w.hub.store) == 5);
    s_world_close (&w);
}

static bool
s_hub_stored (s_node_t *n)
{
    return s_log_size (n->hub->store) > 0;
}

//  Receipts complete (13.18): changes acknowledged only through a later
//  Welcome (the Ack was lost) are proven by Prove/Proof; a Proof that does
//  not hold is refused (exit 6) and stores nothing; an idle sync with every
//  change covered sends no Prove.
static void
test_prove (void)
{
    s_world_t w;
    s_world_open (&w, 0x1a);
    s_write (&w.a1, S_VILLAGE, 900, "a1");
    //  a sync killed once its Pushes are stored, before it took their Acks
    SH_CHECK (s_session (&w.a1, false, 0) == SH_EXIT_OK);
    s_link_up (&w.a1);
    SH_CHECK (s_run (&w.a1, 100, s_hub_stored) == S_STOPPED && w.a1.n_inbox > 0);
    SH_CHECK (s_check_receipts (&w.a1, NULL) == 0);
    //  a hub whose Proof does not hold: exit 6, nothing stored
    SH_CHECK (s_session (&w.a1, false, 0) == SH_EXIT_OK);
    w.a1.tamper_proof = true;
    s_link_up (&w.a1);
    SH_CHECK (s_run (&w.a1, 1000, NULL) == SH_EXIT_PROTOCOL);
    SH_CHECK (w.a1.sent[SH_WIRE_PROVE] == 1);
    SH_CHECK (s_check_receipts (&w.a1, NULL) < 900);
    //  an honest one: every change covered, without a gap
    w.a1.tamper_proof = false;
    s_sync (&w.a1);
    SH_CHECK (w.a1.sent[SH_WIRE_PROVE] >= 1);
    bool gapless;
    SH_CHECK (s_check_receipts (&w.a1, &gapless) == 900 && gapless);
    //  idle: nothing to prove
    s_sync (&w.a1);
    SH_CHECK (w.a1.sent[SH_WIRE_PROVE] == 0 && w.a1.sent[SH_WIRE_PUSH] == 0);
    s_world_close (&w);
}

static void
s_shell (const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
s_shell (const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (cmd, sizeof cmd, fmt, ap);
    va_end (ap);
    SH_CHECK (system (cmd) == 0);
}

//  Meta own.behind of n (0: absent).
static uint64_t
s_behind (s_node_t *n)
{
    sh_store_txn_t *txn;
    uint64_t hub_head, my_head;
    SH_PASS (sh_store_begin (sh_replica_store (n->r), false, &txn));
    SH_PASS (sh_replica_behind (n->r, txn, &hub_head, &my_head));
    sh_store_abort (&txn);
    return hub_head;
}

//  A node restored from an older copy of its directory: the Welcome shows
//  the hub holds more of its chain; own.behind refuses local writes until
//  the own Batches bring the chain back, then the sync goes on as usual.
static void
test_restore (void)
{
    s_world_t w;
    s_world_open (&w, 0x1b);
    s_write (&w.a1, S_VILLAGE, 40, "a1");
    s_sync (&w.a1);
    node_session_destroy (&w.a1.session);
    sh_replica_close (&w.a1.r);
    char *backup = sh_test_tmpdir ();
    s_shell ("cp -a '%s/.' '%s'", w.a1.dir, backup);
    SH_PASS (sh_replica_open (&w.a1.r, w.a1.dir));
    s_write (&w.a1, S_VILLAGE, 1500, "a1 later");
    s_sync (&w.a1);
    node_session_destroy (&w.a1.session);
    sh_replica_close (&w.a1.r);
    s_shell ("rm -rf '%s'/*", w.a1.dir);
    s_shell ("cp -a '%s/.' '%s'", backup, w.a1.dir);
    SH_PASS (sh_replica_open (&w.a1.r, w.a1.dir));
    SH_CHECK (s_behind (&w.a1) == 0);
    //  the link breaks after the Welcome (the first own Pull is lost)
    SH_CHECK (s_session (&w.a1, false, 0) == SH_EXIT_OK);
    w.a1.cut_at = 2;
    s_link_up (&w.a1);
    SH_CHECK (s_run (&w.a1, 20, NULL) == S_TIMEOUT);
    SH_CHECK (s_behind (&w.a1) == 1540 && w.a1.sent[SH_WIRE_PULL] == 0);
    sh_store_txn_t *txn;
    SH_PASS (sh_replica_begin (w.a1.r, &txn));
    SH_FAIL (sh_replica_write (w.a1.r, txn, S_VILLAGE "001", SH_KIND_COURTYARD, (const uint8_t *) "x", 1,
                               SH_OP_PUT, NULL, 0, NULL), SH_EBEHIND);
    sh_store_abort (&txn);
    char msg[512];
    sh_replica_behind_message (w.a1.r, msg, sizeof msg);
    SH_CHECK (strstr (msg, "up to 1540, this store only up to 40"));
    //  a full sync: the chain comes back, then receipts and downloads as usual
    s_sync (&w.a1);
    SH_CHECK (s_behind (&w.a1) == 0 && s_stats (&w.a1).my_head == 1540 && s_stats (&w.a1).hub_head == 1540);
    SH_CHECK (w.a1.sent[SH_WIRE_HELLO] == 2 && w.a1.sent[SH_WIRE_PUSH] == 0);
    bool gapless;
    SH_CHECK (s_check_receipts (&w.a1, &gapless) == 1540 && gapless);
    s_sync (&w.a2);
    SH_CHECK (s_same (sh_replica_store (w.a1.r), sh_replica_store (w.a2.r), S_VILLAGE));
    //  and it writes on
    s_write (&w.a1, S_VILLAGE, 3, "a1 restored");
    s_sync (&w.a1);
    SH_CHECK (s_stats (&w.a1).up == 3 && s_stats (&w.a1).hub_head == 1543);
    sh_test_rmdir (backup);
    s_world_close (&w);
}

//  n's merged person id in courtyard yard: its name and phone (empty when
//  the replica holds no value), false when the record is not live.
static bool
s_person (sh_store_t *store, const char *yard, const char *id, char name[64], char phone[32])
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, false, &txn));
    uint8_t *body;
    size_t len;
    sh_err rc = sh_merge_get (txn, yard, SH_KIND_PERSON, (const uint8_t *) id, strlen (id), &body, &len, NULL);
    sh_store_abort (&txn);
    if (rc == SH_ENOTFOUND)
        return false;
    SH_PASS (rc);
    Shouhe__V1__Person *p = shouhe__v1__person__unpack (NULL, len, body);
    SH_CHECK (p);
    snprintf (name, 64, "%s", p->name ? p->name : "");
    snprintf (phone, 32, "%s", p->phone ? p->phone : "");
    shouhe__v1__person__free_unpacked (p, NULL);
    free (body);
    return true;
}

//  Sealed personal fields through the sync (docs/protocol.md 7.10): a1
//  writes a person with its name and phone sealed; the openings go up with
//  the Push and down with a2's Batch, so a2 and the hub read the name back;
//  b, of another village, receives nothing; then a1's erasure reaches a2,
//  which drops the values, and every replica's digest stays equal.
static void
test_sealed (void)
{
    s_world_t w;
    s_world_open (&w, 0x44);
    s_write (&w.a1, S_VILLAGE, 1, "a1");        //  the courtyard S_VILLAGE 001 the person lives in
    sh_replica_set_sealing (w.a1.r, true);
    const char *yard = S_VILLAGE "001", *id = "person-000000001";     //  a 16-byte person id
    Shouhe__V1__Person p = SHOUHE__V1__PERSON__INIT;
    p.name = (char *) "王秀英";
    p.courtyard = (char *) yard;
    p.phone = (char *) "13800000001";
    uint8_t body[256];
    size_t len = shouhe__v1__person__pack (&p, body);
    sh_store_txn_t *txn;
    SH_PASS (sh_replica_begin (w.a1.r, &txn));
    SH_PASS (sh_replica_write (w.a1.r, txn, yard, SH_KIND_PERSON, (const uint8_t *) id, strlen (id), SH_OP_PUT,
                               body, len, NULL));
    SH_PASS (sh_store_commit (&txn));
    char name[64], phone[32];
    SH_CHECK (s_person (sh_replica_store (w.a1.r), yard, id, name, phone) && !strcmp (name, "王秀英"));

    //  a Push whose opening does not open its seal is refused whole (ERR_SIGNATURE), nothing stored
    sh_store_txn_t *rt;
    SH_PASS (sh_store_begin (sh_replica_store (w.a1.r), false, &rt));
    sh_wire_bytes_t two[2];
    for (uint64_t seq = 1; seq <= 2; seq++)
        SH_PASS (sh_changelog_get_seq (rt, sh_replica_author (w.a1.r), seq, &two[seq - 1].data, &two[seq - 1].len));
    sh_openings_t ops;
    SH_PASS (sh_openings_gather (rt, two, 2, &ops));
    SH_CHECK (ops.n == 2 && ops.list[0].change == 1 && ops.list[0].field == 1);
    uint8_t forged[64];
    memcpy (forged, ops.list[0].value, ops.list[0].value_len);
    forged[ops.list[0].value_len - 1] ^= 1;
    ops.list[0].value = forged;
    sh_registry_entry_t e;
    SH_PASS (sh_store_begin (w.hub.store, false, &txn));
    SH_PASS (sh_registry_get (txn, sh_replica_author (w.a1.r), &e));
    sh_store_abort (&txn);
    sh_hublog_result_t res;
    SH_PASS (sh_hublog_push_ruled (w.hub.store, &e, two, 2, ops.list, ops.n, 1, &w.hub.id, sh_sys_wall_ms (), NULL,
                                   NULL, &res));
    SH_CHECK (res.code == SH_WIRE_ERR_SIGNATURE && res.has_position && res.position == 1 && res.accepted == 0);
    SH_CHECK (strstr (res.message, "an opening does not open its seal"));
    SH_CHECK (s_log_size (w.hub.store) == 0);
    sh_openings_fini (&ops);
    sh_store_abort (&rt);
    s_sync (&w.a1);
    SH_CHECK (s_person (w.hub.store, yard, id, name, phone) && !strcmp (name, "王秀英")
              && !strcmp (phone, "13800000001"));
    //  the hub gathers the openings only for a Batch that carries them (a town's or village's node)
    sh_hublog_batch_t hb;
    SH_PASS (sh_hublog_pull (w.hub.store, S_VILLAGE, NULL, 0, 100, 1u << 20, &hb));
    SH_CHECK (hb.n == 2 && hb.n_openings == 0);
    sh_hublog_batch_fini (&hb);
    SH_PASS (sh_hublog_pull_openings (w.hub.store, S_VILLAGE, NULL, 0, 100, 1u << 20, &hb));
    SH_CHECK (hb.n == 2 && hb.n_openings == 2 && hb.openings[0].change == 1 && hb.openings[1].field == 6);
    SH_CHECK (hb.openings[0].value_len > 9 && memmem (hb.openings[0].value, hb.openings[0].value_len, "王秀英", 9));
    sh_hublog_batch_fini (&hb);
    s_sync (&w.a2);
    SH_CHECK (s_person (sh_replica_store (w.a2.r), yard, id, name, phone) && !strcmp (name, "王秀英"));
    s_sync (&w.b);
    SH_CHECK (s_log_size (sh_replica_store (w.b.r)) == 0);
    SH_CHECK (s_same (sh_replica_store (w.a1.r), sh_replica_store (w.a2.r), S_VILLAGE));
    SH_CHECK (s_same (sh_replica_store (w.a1.r), w.hub.store, S_VILLAGE));

    //  the erasure: a PUT of the record holding the erasure mark
    static const uint8_t mark[] = { 0xf8, 0xff, 0xff, 0xff, 0x0f, 0x01 };
    SH_PASS (sh_replica_begin (w.a1.r, &txn));
    SH_PASS (sh_replica_write (w.a1.r, txn, yard, SH_KIND_PERSON, (const uint8_t *) id, strlen (id), SH_OP_PUT,
                               mark, sizeof mark, NULL));
    SH_PASS (sh_store_commit (&txn));
    s_sync (&w.a1);
    s_sync (&w.a2);
    SH_CHECK (s_person (sh_replica_store (w.a1.r), yard, id, name, phone) && !name[0] && !phone[0]);
    SH_CHECK (s_person (sh_replica_store (w.a2.r), yard, id, name, phone) && !name[0] && !phone[0]);
    SH_CHECK (s_person (w.hub.store, yard, id, name, phone) && !name[0] && !phone[0]);
    SH_CHECK (s_same (sh_replica_store (w.a1.r), sh_replica_store (w.a2.r), S_VILLAGE));
    SH_CHECK (s_same (sh_replica_store (w.a1.r), w.hub.store, S_VILLAGE));
    s_world_close (&w);
}

static const sh_test_case_t tests[] = {
    { "sealed", test_sealed },
    { "converge", test_converge },
    { "resume", test_resume },
    { "paced", test_paced },
    { "lost ack", test_lost_ack },
    { "lost batch", test_lost_batch },
    { "denied", test_denied },
    { "hub full", test_hub_full },
    { "hub refuses a step on a matter its author made big", test_hub_lead },
    { "quota", test_quota },
    { "other hub", test_other_hub },
    { "batch out of scope", test_batch_out_of_scope },
    { "link troubles", test_link_troubles },
    { "prove", test_prove },
    { "restore", test_restore },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
