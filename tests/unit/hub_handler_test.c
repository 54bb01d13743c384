/*  hub_handler_test -- the hub's decisions on one message at a time
    (server/hub_handler.c, docs/protocol.md 13.7), without a socket.

    Each test builds the fuzz fixture's hub (tests/fuzz/fuzz_fixture.h: A
    and B enrolled in two towns, R revoked, D blocked, an auditor, a
    stranger; the hub holds A's seq 1..3, B's 1..2, R's 1, D's 1 and D's
    fork as evidence) in a fresh directory, drives hub_handler_message as
    hub_serve would, and decodes every answer the reply callback captures
    with sh_wire, checking the receipts as a node does.
*/
#include "sh_test.h"

#include "fuzz_fixture.h"
#include "hub_handler.h"
#include "sh_change.h"
#include "sh_changelog.h"
#include "sh_export.h"
#include "sh_hublog.h"
#include "sh_merkle.h"
#include "sh_hubid.h"
#include "sh_note.h"
#include "sh_quota.h"
#include "sh_registry.h"
#include "sh_sys.h"
#include "sh_wire.h"

//  A hub, its handler and the answers it gave.
typedef struct {
    char *dir;                          //  hub directory
    sh_store_t *store;                  //  its store
    sh_key_t *hub_key;                  //  hub identity
    sh_hubid_t id;                      //  its identity: origin, checkpoint verifier
    hub_config_t config;                //  quiet, one thread
    hub_handler_t *h;                   //  the handler under test
    size_t replies;                     //  answers to the current message
    uint8_t *answer;                    //  the last answer (owned)
    size_t answer_len;                  //  its size
    uint8_t rid[255];                   //  routing id it was sent to
    size_t rid_len;                     //  its length
} s_hub_t;

static const uint8_t s_rid_a[5] = { 0, 0x6b, 0x8b, 0x45, 0x01 };    //  as ZeroMQ makes them
static const uint8_t s_rid_b[5] = { 0, 0x6b, 0x8b, 0x45, 0x02 };

//  hub_reply_fn: keep the answer.
static void
s_reply (const uint8_t *rid, size_t rid_len, const uint8_t *buf, size_t len, void *arg)
{
    s_hub_t *hub = arg;
    SH_CHECK (rid_len > 0 && rid_len <= sizeof hub->rid);
    memcpy (hub->rid, rid, rid_len);
    hub->rid_len = rid_len;
    free (hub->answer);
    hub->answer = malloc (len ? len : 1);
    SH_CHECK (hub->answer);
    memcpy (hub->answer, buf, len);
    hub->answer_len = len;
    hub->replies++;
}

static void
s_hub_open (s_hub_t *hub)
{
    memset (hub, 0, sizeof *hub);
    hub->dir = sh_test_tmpdir ();
    hub->hub_key = fuzz_key (FUZZ_KEY_HUB);
    SH_PASS (fuzz_hub_build (&hub->store, hub->dir, hub->hub_key));
    sh_hubid_init_key (&hub->id, hub->hub_key);
    hub->config = (hub_config_t) { .dir = hub->dir, .bind = "inproc://test", .threads = 1, .quiet = true };
    hub->h = hub_handler_new (&hub->config, hub->store, &hub->id, s_reply, hub);
    SH_CHECK (hub->h);
}

static void
s_hub_close (s_hub_t *hub)
{
    hub_handler_destroy (&hub->h);
    SH_CHECK (hub->h == NULL);
    sh_store_close (&hub->store);
    sh_key_destroy (&hub->hub_key);
    free (hub->answer);
    sh_test_rmdir (hub->dir);
}

//  The User-Id ZAP gives the connection of key id.
static void
s_user (char user[SH_HEX_BYTES (SH_PUBKEY_BYTES)], fuzz_key_id_t id)
{
    sh_key_t *key = fuzz_key (id);
    sh_crypto_hex (user, sh_key_public (key), SH_PUBKEY_BYTES);
    sh_key_destroy (&key);
}

//  Hand one frame to the handler; it must answer once, to rid. The
//  answer is decoded into *out (caller finis it).
static void
s_raw (s_hub_t *hub, const uint8_t *rid, const char *user, const uint8_t *body, size_t len, size_t extra,
       sh_wire_msg_t *out)
{
    hub->replies = 0;
    hub_handler_message (hub->h, rid, 5, user, body, len, extra);
    SH_CHECK (hub->replies == 1);
    SH_CHECK (hub->rid_len == 5 && memcmp (hub->rid, rid, 5) == 0);
    SH_PASS (sh_wire_decode (out, hub->answer, hub->answer_len, SH_WIRE_MAX_BYTES, NULL));
}

//  Send m from the connection rid of key who; the answer into *out.
static void
s_send (s_hub_t *hub, const uint8_t *rid, fuzz_key_id_t who, const sh_wire_msg_t *m, sh_wire_msg_t *out)
{
    char user[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    s_user (user, who);
    uint8_t *buf;
    size_t len;
    SH_PASS (sh_wire_encode (m, &buf, &len));
    s_raw (hub, rid, user, buf, len, 0, out);
    free (buf);
}

//  The answer to m must be an Error with code.
static void
s_expect_error (s_hub_t *hub, const uint8_t *rid, fuzz_key_id_t who, const sh_wire_msg_t *m,
                sh_wire_error_t code)
{
    sh_wire_msg_t r;
    s_send (hub, rid, who, m, &r);
    if (r.type != SH_WIRE_ERROR || r.u.error.code != code)
        fprintf (stderr, "expected %s, got %s %s: %s\n", sh_wire_error_name (code), sh_wire_type_name (r.type),
                 r.type == SH_WIRE_ERROR ? sh_wire_error_name (r.u.error.code) : "",
                 r.type == SH_WIRE_ERROR ? r.u.error.message : "");
    SH_CHECK (r.type == SH_WIRE_ERROR && r.u.error.code == code);
    sh_wire_msg_fini (&r);
}

//  Hello as who on rid (naming its own key, holding a checkpoint of
//  cp_size); the Welcome into *w.
static void
s_hello (s_hub_t *hub, const uint8_t *rid, fuzz_key_id_t who, uint64_t cp_size, sh_wire_msg_t *w)
{
    sh_key_t *key = fuzz_key (who);
    sh_wire_msg_t m = { .type = SH_WIRE_HELLO };
    memcpy (m.u.hello.node, sh_key_public (key), SH_PUBKEY_BYTES);
    m.u.hello.checkpoint_size = cp_size;
    m.u.hello.nonce = 0x5eed;
    sh_key_destroy (&key);
    s_send (hub, rid, who, &m, w);
    SH_CHECK (w->type == SH_WIRE_WELCOME);
    SH_CHECK (w->u.welcome.nonce == 0x5eed);
}

//  Hello as who on rid; the Welcome's checkpoint, opened, into *cp.
static void
s_hello_checkpoint (s_hub_t *hub, const uint8_t *rid, fuzz_key_id_t who, sh_note_checkpoint_t *cp)
{
    sh_wire_msg_t w;
    s_hello (hub, rid, who, 0, &w);
    SH_PASS (sh_note_checkpoint_open (cp, w.u.welcome.checkpoint, strlen (w.u.welcome.checkpoint), &hub->id.vkey,
                                      hub->id.origin));
    sh_wire_msg_fini (&w);
}

//  A Push (batch) of who's chain first..last; flip the last byte of the
//  last change when forged. The changes are owned by *owned (free each).
static sh_wire_msg_t
s_push (fuzz_bytes_t owned[FUZZ_CHAIN_A], sh_wire_bytes_t ch[FUZZ_CHAIN_A], fuzz_key_id_t who,
        uint64_t first, uint64_t last, bool forged)
{
    size_t n = 0;
    for (uint64_t seq = first; seq <= last; seq++, n++) {
        SH_PASS (fuzz_chain (&owned[n], NULL, who, seq, false));
        ch[n] = (sh_wire_bytes_t) { owned[n].data, owned[n].len };
    }
    if (forged)
        owned[n - 1].data[owned[n - 1].len - 1] ^= 0x01;    //  a SignedChange ends with its signature
    sh_wire_msg_t m = { .type = SH_WIRE_PUSH };
    m.u.push.batch = 1;
    m.u.push.n = n;
    m.u.push.changes = ch;
    return m;
}

static void
s_free_push (fuzz_bytes_t *owned, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free (owned[i].data);
}

/* --------------------------------------------------------------------------
 * Refusals before any session
 * -------------------------------------------------------------------------- */

static void
test_unauthenticated (void)
{
    s_hub_t hub;
    s_hub_open (&hub);
    size_t len;
    uint8_t *ping;
    sh_wire_msg_t p = { .type = SH_WIRE_PING }, r;
    SH_PASS (sh_wire_encode (&p, &ping, &len));
    //  no User-Id, and one that is not 64 hex digits
    s_raw (&hub, s_rid_a, NULL, ping, len, 0, &r);
    SH_CHECK (r.type == SH_WIRE_ERROR && r.u.error.code == SH_WIRE_ERR_NOT_ENROLLED);
    sh_wire_msg_fini (&r);
    s_raw (&hub, s_rid_a, "not-hex", ping, len, 0, &r);
    SH_CHECK (r.type == SH_WIRE_ERROR && r.u.error.code == SH_WIRE_ERR_NOT_ENROLLED);
    sh_wire_msg_fini (&r);
    free (ping);
    s_hub_close (&hub);
}

static void
test_malformed (void)
{
    s_hub_t hub;
    s_hub_open (&hub);
    char user[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    s_user (user, FUZZ_KEY_A);
    sh_wire_msg_t p = { .type = SH_WIRE_PING }, r;
    uint8_t *buf;
    size_t len;
    SH_PASS (sh_wire_encode (&p, &buf, &len));
    //  a valid envelope with an extra frame after it
    s_raw (&hub, s_rid_a, user, buf, len, 1, &r);
    SH_CHECK (r.type == SH_WIRE_ERROR && r.u.error.code == SH_WIRE_ERR_MALFORMED);
    SH_CHECK (strstr (r.u.error.message, "1 extra frames"));
    sh_wire_msg_fini (&r);
    free (buf);
    //  garbage (0xff: wire type 7, never an Envelope), and nothing at all
    uint8_t garbage[97];
    memset (garbage, 0xff, sizeof garbage);
    s_raw (&hub, s_rid_a, user, garbage, sizeof garbage, 0, &r);
    SH_CHECK (r.type == SH_WIRE_ERROR && r.u.error.code == SH_WIRE_ERR_MALFORMED);
    sh_wire_msg_fini (&r);
    s_raw (&hub, s_rid_a, user, NULL, 0, 0, &r);
    SH_CHECK (r.type == SH_WIRE_ERROR && r.u.error.code == SH_WIRE_ERR_MALFORMED);
    sh_wire_msg_fini (&r);
    //  a body a node may not send
    sh_wire_msg_t pong = { .type = SH_WIRE_PONG };
    s_expect_error (&hub, s_rid_a, FUZZ_KEY_A, &pong, SH_WIRE_ERR_MALFORMED);
    s_hub_close (&hub);
}

static void
test_too_large (void)
{
    s_hub_t hub;
    s_hub_open (&hub);
    char user[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    s_user (user, FUZZ_KEY_A);
    size_t len = SH_WIRE_MAX_BYTES + 1;
    uint8_t *big = calloc (1, len);
    SH_CHECK (big);
    big[0] = 0x08;              //  starts like an Envelope
    big[1] = 0x01;
    sh_wire_msg_t r;
    s_raw (&hub, s_rid_a, user, big, len, 0, &r);
    SH_CHECK (r.type == SH_WIRE_ERROR && r.u.error.code == SH_WIRE_ERR_TOO_LARGE);
    sh_wire_msg_fini (&r);
    free (big);
    s_hub_close (&hub);
}

static void
test_version (void)
{
    s_hub_t hub;
    s_hub_open (&hub);
    sh_wire_msg_t p = { .type = SH_WIRE_PING, .version = 99 };
    s_expect_error (&hub, s_rid_a, FUZZ_KEY_A, &p, SH_WIRE_ERR_VERSION);
    s_hub_close (&hub);
}

static void
test_no_session (void)
{
    s_hub_t hub;
    s_hub_open (&hub);
    fuzz_bytes_t owned[FUZZ_CHAIN_A];
    sh_wire_bytes_t ch[FUZZ_CHAIN_A];
    sh_wire_msg_t push = s_push (owned, ch, FUZZ_KEY_A, FUZZ_HUB_A + 1, FUZZ_HUB_A + 1, false);
    s_expect_error (&hub, s_rid_a, FUZZ_KEY_A, &push, SH_WIRE_ERR_SESSION);
    s_free_push (owned, 1);
    sh_wire_msg_t pull = { .type = SH_WIRE_PULL, .u.pull = { 0, 16 } };
    s_expect_error (&hub, s_rid_a, FUZZ_KEY_A, &pull, SH_WIRE_ERR_SESSION);
    sh_wire_msg_t fetch = { .type = SH_WIRE_FETCH };
    s_expect_error (&hub, s_rid_a, FUZZ_KEY_AUDITOR, &fetch, SH_WIRE_ERR_SESSION);
    //  a session belongs to its connection and its key
    sh_wire_msg_t w;
    s_hello (&hub, s_rid_a, FUZZ_KEY_A, 0, &w);
    sh_wire_msg_fini (&w);
    s_expect_error (&hub, s_rid_b, FUZZ_KEY_A, &pull, SH_WIRE_ERR_SESSION);
    s_expect_error (&hub, s_rid_a, FUZZ_KEY_B, &pull, SH_WIRE_ERR_SESSION);
    s_hub_close (&hub);
}

static void
test_hello_other_key (void)
{
    s_hub_t hub;
    s_hub_open (&hub);
    sh_key_t *b = fuzz_key (FUZZ_KEY_B);
    sh_wire_msg_t m = { .type = SH_WIRE_HELLO };
    memcpy (m.u.hello.node, sh_key_public (b), SH_PUBKEY_BYTES);
    sh_key_destroy (&b);
    s_expect_error (&hub, s_rid_a, FUZZ_KEY_A, &m, SH_WIRE_ERR_AUTHOR);
    //  a key the hub does not know (ZAP would not have admitted it)
    sh_key_t *x = fuzz_key (FUZZ_KEY_STRANGER);
    memcpy (m.u.hello.node, sh_key_public (x), SH_PUBKEY_BYTES);
    sh_key_destroy (&x);
    s_expect_error (&hub, s_rid_a, FUZZ_KEY_STRANGER, &m, SH_WIRE_ERR_NOT_ENROLLED);
    s_hub_close (&hub);
}

static void
test_ping (void)
{
    s_hub_t hub;
    s_hub_open (&hub);
    sh_wire_msg_t p = { .type = SH_WIRE_PING, .u.ping.nonce = 0xfeedf00d }, r;
    s_send (&hub, s_rid_a, FUZZ_KEY_A, &p, &r);     //  no session needed
    SH_CHECK (r.type == SH_WIRE_PONG && r.u.ping.nonce == 0xfeedf00d);
    sh_wire_msg_fini (&r);
    s_hub_close (&hub);
}

/* --------------------------------------------------------------------------
 * Sessions
 * -------------------------------------------------------------------------- */

//  The root of the hub's tree at size.
static void
s_root (s_hub_t *hub, uint64_t size, uint8_t root[SH_HASH_BYTES])
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (hub->store, false, &txn));
    SH_PASS (sh_merkle_root (txn, size, root));
    sh_store_abort (&txn);
}

static void
test_welcome (void)
{
    s_hub_t hub;
    s_hub_open (&hub);
    sh_wire_msg_t w;
    s_hello (&hub, s_rid_a, FUZZ_KEY_A, 0, &w);
    SH_CHECK (!strcmp (w.u.welcome.scope, FUZZ_SCOPE_A));
    SH_CHECK (w.u.welcome.head_seq == FUZZ_HUB_A);
    fuzz_bytes_t third;
    uint8_t hash[SH_HASH_BYTES];
    sh_change_t c;
    SH_PASS (fuzz_chain (&third, NULL, FUZZ_KEY_A, FUZZ_HUB_A, false));
    SH_PASS (sh_change_open (&c, hash, third.data, third.len, NULL));
    sh_change_fini (&c);
    free (third.data);
    SH_CHECK (!memcmp (w.u.welcome.head_hash, hash, SH_HASH_BYTES));
    SH_CHECK (w.u.welcome.credit == 4 && w.u.welcome.max_changes > 0 && w.u.welcome.max_bytes > 0);
    //  the checkpoint is the hub's whole log, signed with its key
    sh_note_checkpoint_t cp;
    SH_CHECK (w.u.welcome.checkpoint);
    SH_PASS (sh_note_checkpoint_open (&cp, w.u.welcome.checkpoint, strlen (w.u.welcome.checkpoint), &hub.id.vkey,
                                      hub.id.origin));
    SH_CHECK (cp.size == w.u.welcome.log_size && cp.size == 7);
    uint8_t root[SH_HASH_BYTES];
    s_root (&hub, cp.size, root);
    SH_CHECK (!memcmp (root, cp.root, SH_HASH_BYTES));
    SH_CHECK (w.u.welcome.n_consistency == 0);
    sh_wire_msg_fini (&w);
    //  holding the checkpoint of size 3: the Welcome proves it extends it
    s_hello (&hub, s_rid_a, FUZZ_KEY_A, 3, &w);
    uint8_t old_root[SH_HASH_BYTES];
    s_root (&hub, 3, old_root);
    SH_PASS (sh_merkle_verify_consistency (3, cp.size, old_root, cp.root,
                                           (const uint8_t (*)[SH_HASH_BYTES]) w.u.welcome.consistency,
                                           w.u.welcome.n_consistency));
    sh_wire_msg_fini (&w);
    s_hub_close (&hub);
}

//  The Ack's receipt, checked as a node does: the checkpoint opens, its
//  root is the range over the pushed changes, and it extends the
//  Welcome's checkpoint (cp_size, cp_root).
static void
s_check_receipt (s_hub_t *hub, const sh_wire_msg_t *a, const sh_wire_bytes_t *pushed, size_t n,
                 uint64_t cp_size, const uint8_t cp_root[SH_HASH_BYTES])
{
    sh_note_checkpoint_t cp;
    SH_CHECK (a->u.ack.checkpoint);
    SH_PASS (sh_note_checkpoint_open (&cp, a->u.ack.checkpoint, strlen (a->u.ack.checkpoint), &hub->id.vkey,
                                      hub->id.origin));
    SH_CHECK (cp.size == a->u.ack.first_leaf + n && a->u.ack.first_leaf == cp_size);
    uint8_t leaves[FUZZ_CHAIN_A][SH_HASH_BYTES], root[SH_HASH_BYTES];
    for (size_t i = 0; i < n; i++)
        sh_merkle_leaf_hash (leaves[i], pushed[i].data, pushed[i].len);
    SH_PASS (sh_merkle_range_root ((const uint8_t (*)[SH_HASH_BYTES]) a->u.ack.range, a->u.ack.n_range,
                                   a->u.ack.first_leaf, (const uint8_t (*)[SH_HASH_BYTES]) leaves, n, root));
    SH_CHECK (!memcmp (root, cp.root, SH_HASH_BYTES));
    SH_PASS (sh_merkle_verify_consistency (cp_size, cp.size, cp_root, cp.root,
                                           (const uint8_t (*)[SH_HASH_BYTES]) a->u.ack.consistency,
                                           a->u.ack.n_consistency));
}

static void
test_push (void)
{
    s_hub_t hub;
    s_hub_open (&hub);
    sh_wire_msg_t r;
    sh_note_checkpoint_t wcp;
    s_hello_checkpoint (&hub, s_rid_a, FUZZ_KEY_A, &wcp);
    //  A's next three changes: stored, acknowledged with a receipt
    fuzz_bytes_t owned[FUZZ_CHAIN_A];
    sh_wire_bytes_t ch[FUZZ_CHAIN_A];
    sh_wire_msg_t push = s_push (owned, ch, FUZZ_KEY_A, FUZZ_HUB_A + 1, FUZZ_HUB_A + 3, false);
    push.u.push.batch = 7;
    s_send (&hub, s_rid_a, FUZZ_KEY_A, &push, &r);
    SH_CHECK (r.type == SH_WIRE_ACK && r.u.ack.batch == 7);
    SH_CHECK (r.u.ack.accepted == 3 && r.u.ack.duplicates == 0 && r.u.ack.head_seq == FUZZ_HUB_A + 3);
    s_check_receipt (&hub, &r, ch, 3, wcp.size, wcp.root);
    sh_wire_msg_fini (&r);
    //  the same again: all duplicates, nothing new, no receipt needed
    s_send (&hub, s_rid_a, FUZZ_KEY_A, &push, &r);
    SH_CHECK (r.type == SH_WIRE_ACK && r.u.ack.accepted == 0 && r.u.ack.duplicates == 3);
    SH_CHECK (r.u.ack.head_seq == FUZZ_HUB_A + 3 && !r.u.ack.checkpoint);
    sh_wire_msg_fini (&r);
    s_free_push (owned, 3);
    SH_CHECK (fuzz_store_count (hub.store, SH_DB_LOG) == 10);
    s_hub_close (&hub);
}

static void
test_push_refused (void)
{
    s_hub_t hub;
    s_hub_open (&hub);
    sh_wire_msg_t w;
    s_hello (&hub, s_rid_a, FUZZ_KEY_A, 0, &w);
    sh_wire_msg_fini (&w);
    //  a forged signature: refused, nothing stored
    fuzz_bytes_t owned[FUZZ_CHAIN_A];
    sh_wire_bytes_t ch[FUZZ_CHAIN_A];
    sh_wire_msg_t push = s_push (owned, ch, FUZZ_KEY_A, FUZZ_HUB_A + 1, FUZZ_HUB_A + 2, true);
    s_expect_error (&hub, s_rid_a, FUZZ_KEY_A, &push, SH_WIRE_ERR_SIGNATURE);
    s_free_push (owned, 2);
    SH_CHECK (fuzz_store_count (hub.store, SH_DB_LOG) == 7);
    //  B's change pushed on A's session: not A's to push
    push = s_push (owned, ch, FUZZ_KEY_B, 1, 1, false);
    s_expect_error (&hub, s_rid_a, FUZZ_KEY_A, &push, SH_WIRE_ERR_AUTHOR);
    s_free_push (owned, 1);
    //  the blocked key D may open a session but not push
    s_hello (&hub, s_rid_b, FUZZ_KEY_BLOCKED, 0, &w);
    sh_wire_msg_fini (&w);
    push = s_push (owned, ch, FUZZ_KEY_BLOCKED, 1, 1, false);
    s_expect_error (&hub, s_rid_b, FUZZ_KEY_BLOCKED, &push, SH_WIRE_ERR_BLOCKED);
    s_free_push (owned, 1);
    SH_CHECK (fuzz_store_count (hub.store, SH_DB_LOG) == 7);
    s_hub_close (&hub);
}

//  Quotas (13.20): a Push over A's quota is refused as a whole with
//  ERR_QUOTA (batch, no position), and so is the session's next Push even
//  if it would fit; a new session pushes what fits. The reserve: a hub
//  below it refuses Pushes with ERR_STORE_FULL naming the reserve, and
//  still answers Hello and Pull.
static void
test_quota_reserve (void)
{
    s_hub_t hub;
    s_hub_open (&hub);
    sh_key_t *a = fuzz_key (FUZZ_KEY_A);
    sh_store_txn_t *txn;
    sh_quota_t q;
    uint64_t now = sh_sys_wall_ms ();
    SH_PASS (sh_store_begin (hub.store, true, &txn));
    SH_PASS (sh_quota_get (txn, sh_key_public (a), now, &q));
    sh_quota_limits_t l = { q.changes_today + 2, 0 };
    SH_PASS (sh_quota_set_limits (txn, sh_key_public (a), &l, now));
    SH_PASS (sh_store_commit (&txn));
    sh_wire_msg_t w, r;
    s_hello (&hub, s_rid_a, FUZZ_KEY_A, 0, &w);
    sh_wire_msg_fini (&w);
    fuzz_bytes_t owned[FUZZ_CHAIN_A];
    sh_wire_bytes_t ch[FUZZ_CHAIN_A];
    sh_wire_msg_t push = s_push (owned, ch, FUZZ_KEY_A, FUZZ_HUB_A + 1, FUZZ_HUB_A + 3, false);
    push.u.push.batch = 4;
    s_send (&hub, s_rid_a, FUZZ_KEY_A, &push, &r);
    SH_CHECK (r.type == SH_WIRE_ERROR && r.u.error.code == SH_WIRE_ERR_QUOTA);
    SH_CHECK (r.u.error.has_batch && r.u.error.batch == 4 && !r.u.error.has_position);
    SH_CHECK (strstr (r.u.error.message, "this batch has 3 more; nothing of it was stored; the limit resets at "));
    sh_wire_msg_fini (&r);
    push.u.push.n = 2;                  //  would fit, but follows a refused batch
    s_expect_error (&hub, s_rid_a, FUZZ_KEY_A, &push, SH_WIRE_ERR_QUOTA);
    SH_CHECK (fuzz_store_count (hub.store, SH_DB_LOG) == 7);
    s_hello (&hub, s_rid_a, FUZZ_KEY_A, 0, &w);
    sh_wire_msg_fini (&w);
    s_send (&hub, s_rid_a, FUZZ_KEY_A, &push, &r);
    SH_CHECK (r.type == SH_WIRE_ACK && r.u.ack.accepted == 2);
    sh_wire_msg_fini (&r);
    s_free_push (owned, 3);

    //  a reserve larger than the map: every Push refused, Hello and Pull answered
    hub.config.reserve_bytes = (int64_t) 1 << 40;
    s_hello (&hub, s_rid_b, FUZZ_KEY_B, 0, &w);
    sh_wire_msg_fini (&w);
    push = s_push (owned, ch, FUZZ_KEY_B, 1, 1, false);
    s_send (&hub, s_rid_b, FUZZ_KEY_B, &push, &r);
    SH_CHECK (r.type == SH_WIRE_ERROR && r.u.error.code == SH_WIRE_ERR_STORE_FULL);
    SH_CHECK (strstr (r.u.error.message, "the hub's store is full (it keeps a reserve of 1048576 MiB; its map: "));
    sh_wire_msg_fini (&r);
    s_free_push (owned, 1);
    sh_wire_msg_t pull = { .type = SH_WIRE_PULL, .u.pull = { 0, 100 } };
    s_send (&hub, s_rid_b, FUZZ_KEY_B, &pull, &r);
    SH_CHECK (r.type == SH_WIRE_BATCH);
    sh_wire_msg_fini (&r);
    SH_CHECK (fuzz_store_count (hub.store, SH_DB_LOG) == 9);
    sh_key_destroy (&a);
    s_hub_close (&hub);
}

//  The room check (13.8 "Room") counts a Push's openings -- their salts
//  and values -- beside its changes: a Push whose changes fit but whose
//  openings do not is refused before anything is written; the same
//  changes without them are taken.
static void
test_room_openings (void)
{
    s_hub_t hub;
    s_hub_open (&hub);
    sh_wire_msg_t w, r;
    s_hello (&hub, s_rid_a, FUZZ_KEY_A, 0, &w);
    sh_wire_msg_fini (&w);
    fuzz_bytes_t owned[FUZZ_CHAIN_A];
    sh_wire_bytes_t ch[FUZZ_CHAIN_A];
    sh_wire_msg_t push = s_push (owned, ch, FUZZ_KEY_A, FUZZ_HUB_A + 1, FUZZ_HUB_A + 1, false);
    uint64_t map_left, disk_free;
    SH_PASS (sh_store_room (hub.store, &map_left, &disk_free));
    uint64_t need = 4 * (uint64_t) ch[0].len + ((uint64_t) 1 << 20);
    SH_CHECK (map_left > need + 65536 && disk_free > map_left);
    hub.config.reserve_bytes = (int64_t) (map_left - need - 65536);    //  room for the change, 64 KiB more
    static uint8_t salt[32], value[65536];
    sh_wire_opening_t op = { .change = 0, .field = 3, .salt = salt, .value = value, .value_len = sizeof value };
    push.u.push.openings = &op;
    push.u.push.n_openings = 1;
    s_send (&hub, s_rid_a, FUZZ_KEY_A, &push, &r);
    SH_CHECK (r.type == SH_WIRE_ERROR && r.u.error.code == SH_WIRE_ERR_STORE_FULL);
    SH_CHECK (strstr (r.u.error.message, "its map: "));
    sh_wire_msg_fini (&r);
    SH_CHECK (fuzz_store_count (hub.store, SH_DB_LOG) == 7);
    s_hello (&hub, s_rid_a, FUZZ_KEY_A, 0, &w);     //  a new session: the refusal is forgotten
    sh_wire_msg_fini (&w);
    push.u.push.n_openings = 0;
    s_send (&hub, s_rid_a, FUZZ_KEY_A, &push, &r);
    SH_CHECK (r.type == SH_WIRE_ACK && r.u.ack.accepted == 1);
    sh_wire_msg_fini (&r);
    s_free_push (owned, 1);
    s_hub_close (&hub);
}

static void
test_pull (void)
{
    s_hub_t hub;
    s_hub_open (&hub);
    sh_wire_msg_t w, r;
    s_hello (&hub, s_rid_a, FUZZ_KEY_A, 0, &w);
    sh_wire_msg_fini (&w);
    sh_wire_msg_t pull = { .type = SH_WIRE_PULL, .u.pull = { 0, 100 } };
    s_send (&hub, s_rid_a, FUZZ_KEY_A, &pull, &r);
    SH_CHECK (r.type == SH_WIRE_BATCH && r.u.batch.since == 0 && r.u.batch.done);
    //  in A's town only R wrote besides A: its one change, never A's own
    sh_key_t *a = fuzz_key (FUZZ_KEY_A), *rk = fuzz_key (FUZZ_KEY_REVOKED);
    SH_CHECK (r.u.batch.n == 1);
    for (size_t i = 0; i < r.u.batch.n; i++) {
        sh_change_t c;
        SH_PASS (sh_change_open (&c, NULL, r.u.batch.changes[i].data, r.u.batch.changes[i].len, NULL));
        SH_CHECK (memcmp (c.author, sh_key_public (a), SH_PUBKEY_BYTES) != 0);
        SH_CHECK (!memcmp (c.author, sh_key_public (rk), SH_PUBKEY_BYTES));
        SH_CHECK (!strncmp (c.region, FUZZ_SCOPE_A, strlen (FUZZ_SCOPE_A)));
        sh_change_fini (&c);
    }
    SH_CHECK (r.u.batch.n_keys == 1 && !memcmp (r.u.batch.keys[0].key, sh_key_public (rk), SH_PUBKEY_BYTES)
              && r.u.batch.keys[0].revoked);
    sh_key_destroy (&a);
    sh_key_destroy (&rk);
    sh_wire_msg_fini (&r);
    s_hub_close (&hub);
}

static void
test_auditor (void)
{
    s_hub_t hub;
    s_hub_open (&hub);
    sh_wire_msg_t w, r;
    s_hello (&hub, s_rid_a, FUZZ_KEY_AUDITOR, 0, &w);
    SH_CHECK (!strcmp (w.u.welcome.scope, FUZZ_DISTRICT));
    sh_wire_msg_fini (&w);
    fuzz_bytes_t owned[FUZZ_CHAIN_A];
    sh_wire_bytes_t ch[FUZZ_CHAIN_A];
    sh_wire_msg_t push = s_push (owned, ch, FUZZ_KEY_A, FUZZ_HUB_A + 1, FUZZ_HUB_A + 1, false);
    s_expect_error (&hub, s_rid_a, FUZZ_KEY_AUDITOR, &push, SH_WIRE_ERR_ROLE);
    s_free_push (owned, 1);
    //  an auditor holds no changes to hand a recovering hub
    sh_wire_msg_t offer = { .type = SH_WIRE_OFFER, .u.offer = { .last = true } };
    s_expect_error (&hub, s_rid_a, FUZZ_KEY_AUDITOR, &offer, SH_WIRE_ERR_ROLE);
    //  the export in chunks of 1000 bytes, put together, parses
    uint8_t *export = NULL;
    uint64_t offset = 0, total = 0;
    do {
        sh_wire_msg_t f = { .type = SH_WIRE_FETCH, .u.fetch = { offset, 1000 } };
        s_send (&hub, s_rid_a, FUZZ_KEY_AUDITOR, &f, &r);
        SH_CHECK (r.type == SH_WIRE_CHUNK && r.u.chunk.offset == offset && r.u.chunk.len <= 1000);
        SH_CHECK (offset == 0 || r.u.chunk.total == total);
        total = r.u.chunk.total;
        SH_CHECK (r.u.chunk.len > 0 && offset + r.u.chunk.len <= total);
        export = realloc (export, total);
        SH_CHECK (export);
        memcpy (export + offset, r.u.chunk.data, r.u.chunk.len);
        offset += r.u.chunk.len;
        sh_wire_msg_fini (&r);
    } while (offset < total);
    SH_CHECK (total > 1000);
    sh_export_t *ex;
    SH_PASS (sh_export_parse (&ex, &export, total, NULL));
    SH_CHECK (sh_export_change_count (ex) == 7);
    sh_export_destroy (&ex);
    //  a node may not fetch
    s_hello (&hub, s_rid_b, FUZZ_KEY_B, 0, &w);
    sh_wire_msg_fini (&w);
    sh_wire_msg_t f = { .type = SH_WIRE_FETCH };
    s_expect_error (&hub, s_rid_b, FUZZ_KEY_B, &f, SH_WIRE_ERR_ROLE);
    s_hub_close (&hub);
}

static void
test_revoked (void)
{
    s_hub_t hub;
    s_hub_open (&hub);
    //  R was revoked before it came
    sh_key_t *key = fuzz_key (FUZZ_KEY_REVOKED);
    sh_wire_msg_t m = { .type = SH_WIRE_HELLO }, w;
    memcpy (m.u.hello.node, sh_key_public (key), SH_PUBKEY_BYTES);
    sh_key_destroy (&key);
    s_expect_error (&hub, s_rid_a, FUZZ_KEY_REVOKED, &m, SH_WIRE_ERR_REVOKED);
    //  A is revoked during its session: its next Pull ends the session
    s_hello (&hub, s_rid_b, FUZZ_KEY_A, 0, &w);
    sh_wire_msg_fini (&w);
    key = fuzz_key (FUZZ_KEY_A);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (hub.store, true, &txn));
    SH_PASS (sh_registry_revoke (txn, sh_key_public (key), FUZZ_REVOKE_MS + 1));
    SH_PASS (sh_store_commit (&txn));
    sh_key_destroy (&key);
    sh_wire_msg_t pull = { .type = SH_WIRE_PULL, .u.pull = { 0, 16 } };
    s_expect_error (&hub, s_rid_b, FUZZ_KEY_A, &pull, SH_WIRE_ERR_REVOKED);
    s_expect_error (&hub, s_rid_b, FUZZ_KEY_A, &pull, SH_WIRE_ERR_SESSION);
    s_hub_close (&hub);
}

static void
test_expire (void)
{
    s_hub_t hub;
    s_hub_open (&hub);
    sh_wire_msg_t w, r;
    s_hello (&hub, s_rid_a, FUZZ_KEY_A, 0, &w);
    sh_wire_msg_fini (&w);
    sh_wire_msg_t pull = { .type = SH_WIRE_PULL, .u.pull = { 0, 16 } };
    //  not idle for a minute yet: kept
    hub_handler_expire (hub.h, 60000);
    s_send (&hub, s_rid_a, FUZZ_KEY_A, &pull, &r);
    SH_CHECK (r.type == SH_WIRE_BATCH);
    sh_wire_msg_fini (&r);
    //  every session is idle longer than -1 ms: forgotten
    hub_handler_expire (hub.h, -1);
    s_expect_error (&hub, s_rid_a, FUZZ_KEY_A, &pull, SH_WIRE_ERR_SESSION);
    s_hub_close (&hub);
}

//  Check a Proof as a node does: every run with who's changes (the
//  fixture's chain) gives the root of the tree of its checkpoint_size.
//  Returns the seqs it proves.
static uint64_t
s_check_proof (s_hub_t *hub, const sh_wire_msg_t *p, fuzz_key_id_t who)
{
    SH_CHECK (p->type == SH_WIRE_PROOF);
    uint8_t root[SH_HASH_BYTES], got[SH_HASH_BYTES];
    s_root (hub, p->u.proof.checkpoint_size, root);
    uint64_t at = p->u.proof.first_seq;
    for (size_t i = 0; i < p->u.proof.n_runs; i++) {
        const sh_wire_run_t *r = &p->u.proof.runs[i];
        SH_CHECK (r->first_seq == at && r->count >= 1 && r->count <= FUZZ_CHAIN_A);
        uint8_t leaves[FUZZ_CHAIN_A][SH_HASH_BYTES];
        for (uint32_t k = 0; k < r->count; k++) {
            fuzz_bytes_t b;
            SH_PASS (fuzz_chain (&b, NULL, who, r->first_seq + k, false));
            sh_merkle_leaf_hash (leaves[k], b.data, b.len);
            free (b.data);
        }
        size_t n_left = sh_merkle_left_count (r->first_leaf);
        SH_CHECK (r->n_hashes >= n_left);
        SH_PASS (sh_merkle_span_root ((const uint8_t (*)[SH_HASH_BYTES]) r->hashes, n_left, r->first_leaf,
                                      (const uint8_t (*)[SH_HASH_BYTES]) leaves, r->count,
                                      (const uint8_t (*)[SH_HASH_BYTES]) r->hashes + n_left, r->n_hashes - n_left,
                                      p->u.proof.checkpoint_size, got));
        SH_CHECK (!memcmp (got, root, SH_HASH_BYTES));
        //  a tampered hash does not give the root
        if (r->n_hashes) {
            r->hashes[0][0] ^= 1;
            SH_CHECK (sh_merkle_span_root ((const uint8_t (*)[SH_HASH_BYTES]) r->hashes, n_left, r->first_leaf,
                                           (const uint8_t (*)[SH_HASH_BYTES]) leaves, r->count,
                                           (const uint8_t (*)[SH_HASH_BYTES]) r->hashes + n_left,
                                           r->n_hashes - n_left, p->u.proof.checkpoint_size, got) != SH_OK
                      || memcmp (got, root, SH_HASH_BYTES) != 0);
            r->hashes[0][0] ^= 1;
        }
        at += r->count;
    }
    return at - p->u.proof.first_seq;
}

//  Prove: runs of the node's changes proven in the session's checkpoint.
static void
test_prove (void)
{
    s_hub_t hub;
    s_hub_open (&hub);
    sh_wire_msg_t w, r;
    sh_wire_msg_t prove = { .type = SH_WIRE_PROVE, .u.prove = { 1, FUZZ_HUB_A } };
    s_expect_error (&hub, s_rid_a, FUZZ_KEY_A, &prove, SH_WIRE_ERR_SESSION);
    s_hello (&hub, s_rid_a, FUZZ_KEY_A, 0, &w);
    sh_wire_msg_fini (&w);
    s_send (&hub, s_rid_a, FUZZ_KEY_A, &prove, &r);
    SH_CHECK (r.u.proof.first_seq == 1 && r.u.proof.checkpoint_size == 7 && r.u.proof.n_runs >= 1);
    SH_CHECK (s_check_proof (&hub, &r, FUZZ_KEY_A) == FUZZ_HUB_A);
    sh_wire_msg_fini (&r);
    //  past the hub's head: proven up to it; from 0 or none: nothing
    prove.u.prove = (__typeof__ (prove.u.prove)) { 2, 100 };
    s_send (&hub, s_rid_a, FUZZ_KEY_A, &prove, &r);
    SH_CHECK (s_check_proof (&hub, &r, FUZZ_KEY_A) == FUZZ_HUB_A - 1);
    sh_wire_msg_fini (&r);
    prove.u.prove = (__typeof__ (prove.u.prove)) { 0, 5 };
    s_send (&hub, s_rid_a, FUZZ_KEY_A, &prove, &r);
    SH_CHECK (r.type == SH_WIRE_PROOF && r.u.proof.n_runs == 0);
    sh_wire_msg_fini (&r);
    //  after a Push the session's checkpoint is the Ack's: the proof is in that tree
    fuzz_bytes_t owned[FUZZ_CHAIN_A];
    sh_wire_bytes_t ch[FUZZ_CHAIN_A];
    sh_wire_msg_t push = s_push (owned, ch, FUZZ_KEY_A, FUZZ_HUB_A + 1, FUZZ_HUB_A + 3, false);
    s_send (&hub, s_rid_a, FUZZ_KEY_A, &push, &r);
    SH_CHECK (r.type == SH_WIRE_ACK && r.u.ack.accepted == 3);
    sh_wire_msg_fini (&r);
    s_free_push (owned, 3);
    prove.u.prove = (__typeof__ (prove.u.prove)) { 1, FUZZ_HUB_A + 3 };
    s_send (&hub, s_rid_a, FUZZ_KEY_A, &prove, &r);
    SH_CHECK (r.u.proof.checkpoint_size == 10);
    SH_CHECK (s_check_proof (&hub, &r, FUZZ_KEY_A) == FUZZ_HUB_A + 3);
    sh_wire_msg_fini (&r);
    //  B proves its own chain only
    s_hello (&hub, s_rid_b, FUZZ_KEY_B, 0, &w);
    sh_wire_msg_fini (&w);
    prove.u.prove = (__typeof__ (prove.u.prove)) { 1, 10 };
    s_send (&hub, s_rid_b, FUZZ_KEY_B, &prove, &r);
    SH_CHECK (s_check_proof (&hub, &r, FUZZ_KEY_B) == 2);
    sh_wire_msg_fini (&r);
    s_hub_close (&hub);
}

//  Pull with own_from: the node's own chain back (a restored node).
//  An Offer to a hub that lost nothing: it is answered, and nothing begins;
//  no Offer is taken before a Hello.
static void
test_offer_not_recovering (void)
{
    s_hub_t hub;
    s_hub_open (&hub);
    sh_wire_msg_t offer = { .type = SH_WIRE_OFFER, .u.offer = { .last = true } };
    s_expect_error (&hub, s_rid_a, FUZZ_KEY_A, &offer, SH_WIRE_ERR_SESSION);
    sh_wire_msg_t w, r;
    s_hello (&hub, s_rid_a, FUZZ_KEY_A, 0, &w);
    SH_CHECK (!w.u.welcome.recovering && w.u.welcome.epoch == NULL);
    uint64_t size = w.u.welcome.log_size;
    sh_wire_msg_fini (&w);
    s_send (&hub, s_rid_a, FUZZ_KEY_A, &offer, &r);
    SH_CHECK (r.type == SH_WIRE_TAKEN && !r.u.taken.recovering && r.u.taken.taken == 0);
    SH_CHECK (r.u.taken.size == size && r.u.taken.target == 0);
    sh_wire_msg_fini (&r);
    s_hub_close (&hub);
}

static void
test_pull_own (void)
{
    s_hub_t hub;
    s_hub_open (&hub);
    sh_wire_msg_t w, r;
    s_hello (&hub, s_rid_a, FUZZ_KEY_A, 0, &w);
    sh_wire_msg_fini (&w);
    sh_wire_msg_t pull = { .type = SH_WIRE_PULL, .u.pull = { 0, 1, 2 } };
    s_send (&hub, s_rid_a, FUZZ_KEY_A, &pull, &r);
    SH_CHECK (r.type == SH_WIRE_BATCH && r.u.batch.own && r.u.batch.since == 2 && r.u.batch.n == 1);
    SH_CHECK (r.u.batch.next == 3 && !r.u.batch.done && r.u.batch.n_keys == 0);
    sh_wire_msg_fini (&r);
    pull.u.pull.max = 100;
    s_send (&hub, s_rid_a, FUZZ_KEY_A, &pull, &r);
    SH_CHECK (r.u.batch.own && r.u.batch.n == FUZZ_HUB_A - 1 && r.u.batch.next == FUZZ_HUB_A + 1 && r.u.batch.done);
    for (size_t i = 0; i < r.u.batch.n; i++) {
        fuzz_bytes_t b;
        SH_PASS (fuzz_chain (&b, NULL, FUZZ_KEY_A, 2 + i, false));
        SH_CHECK (b.len == r.u.batch.changes[i].len && !memcmp (b.data, r.u.batch.changes[i].data, b.len));
        free (b.data);
    }
    sh_wire_msg_fini (&r);
    //  past the head: nothing, done
    pull.u.pull.own_from = FUZZ_HUB_A + 1;
    s_send (&hub, s_rid_a, FUZZ_KEY_A, &pull, &r);
    SH_CHECK (r.u.batch.own && r.u.batch.n == 0 && r.u.batch.done && r.u.batch.next == FUZZ_HUB_A + 1);
    sh_wire_msg_fini (&r);
    s_hub_close (&hub);
}

/* --------------------------------------------------------------------------
 * The next Push opened ahead of its turn (hub_handler_set_peek)
 * -------------------------------------------------------------------------- */

//  What the test's peek shows: the message it will hand over next.
typedef struct {
    const uint8_t *rid;
    char user[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    uint8_t *body;                      //  encoded (owned)
    size_t len;
    int peeks;                          //  times the handler looked
} s_next_t;

static bool
s_peek (hub_peeked_t *out, void *arg)
{
    s_next_t *next = arg;
    next->peeks++;
    if (!next->body)
        return false;
    *out = (hub_peeked_t) { .rid = next->rid, .rid_len = 5, .user_id = next->user, .body = next->body,
                            .body_len = next->len };
    return true;
}

//  Make m (from who on rid) the message the peek shows.
static void
s_next (s_next_t *next, const uint8_t *rid, fuzz_key_id_t who, const sh_wire_msg_t *m)
{
    free (next->body);
    next->rid = rid;
    s_user (next->user, who);
    SH_PASS (sh_wire_encode (m, &next->body, &next->len));
}

//  Hand over the message the peek showed (the same buffer); its answer
//  into *out.
static void
s_deliver_next (s_hub_t *hub, s_next_t *next, sh_wire_msg_t *out)
{
    uint8_t *body = next->body;
    char user[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    memcpy (user, next->user, sizeof user);
    next->body = NULL;          //  nothing waits behind it
    s_raw (hub, next->rid, user, body, next->len, 0, out);
    free (body);
}

//  Let A push room more changes today than it has (13.20).
static void
s_quota_room (s_hub_t *hub, uint64_t room)
{
    sh_key_t *ka = fuzz_key (FUZZ_KEY_A);
    sh_store_txn_t *txn;
    sh_quota_t q;
    uint64_t now = sh_sys_wall_ms ();
    SH_PASS (sh_store_begin (hub->store, true, &txn));
    SH_PASS (sh_quota_get (txn, sh_key_public (ka), now, &q));
    sh_quota_limits_t l = { q.changes_today + room, 0 };
    SH_PASS (sh_quota_set_limits (txn, sh_key_public (ka), &l, now));
    SH_PASS (sh_store_commit (&txn));
    sh_key_destroy (&ka);
}

//  A's Push p1 (acknowledged) while p2 waits: p2 is opened ahead or not
//  (opened), and refused with ERR_QUOTA at its turn.
static void
s_look_ahead_quota (s_hub_t *hub, s_next_t *next, const sh_wire_msg_t *p1, const sh_wire_msg_t *p2, bool opened)
{
    sh_wire_msg_t r;
    s_next (next, s_rid_a, FUZZ_KEY_A, p2);
    s_send (hub, s_rid_a, FUZZ_KEY_A, p1, &r);
    SH_CHECK (r.type == SH_WIRE_ACK && r.u.ack.accepted + r.u.ack.duplicates == 1);
    sh_wire_msg_fini (&r);
    uint64_t before = hub_handler_opened_ahead (hub->h);
    s_deliver_next (hub, next, &r);
    SH_CHECK (hub_handler_opened_ahead (hub->h) == before + opened);
    SH_CHECK (r.type == SH_WIRE_ERROR && r.u.error.code == SH_WIRE_ERR_QUOTA);
    sh_wire_msg_fini (&r);
}

static void
test_look_ahead (void)
{
    s_hub_t hub;
    s_hub_open (&hub);
    s_next_t next = { 0 };
    hub_handler_set_peek (hub.h, s_peek, &next);
    sh_wire_msg_t w, r;
    sh_note_checkpoint_t wcp;
    s_hello_checkpoint (&hub, s_rid_a, FUZZ_KEY_A, &wcp);
    s_hello (&hub, s_rid_b, FUZZ_KEY_BLOCKED, 0, &w);
    sh_wire_msg_fini (&w);
    SH_CHECK (next.peeks == 0);                     //  only a Push looks ahead

    //  A's Push of 4..5 while its Push of 6..7 waits: the second is opened
    //  during the first's commit, and both get their receipts in order
    fuzz_bytes_t o1[FUZZ_CHAIN_A], o2[FUZZ_CHAIN_A];
    sh_wire_bytes_t c1[FUZZ_CHAIN_A], c2[FUZZ_CHAIN_A];
    sh_wire_msg_t p1 = s_push (o1, c1, FUZZ_KEY_A, FUZZ_HUB_A + 1, FUZZ_HUB_A + 2, false);
    sh_wire_msg_t p2 = s_push (o2, c2, FUZZ_KEY_A, FUZZ_HUB_A + 3, FUZZ_HUB_A + 4, false);
    p2.u.push.batch = 2;
    s_next (&next, s_rid_a, FUZZ_KEY_A, &p2);
    s_send (&hub, s_rid_a, FUZZ_KEY_A, &p1, &r);
    SH_CHECK (next.peeks == 1 && hub_handler_opened_ahead (hub.h) == 0);
    SH_CHECK (r.type == SH_WIRE_ACK && r.u.ack.batch == 1 && r.u.ack.accepted == 2);
    s_check_receipt (&hub, &r, c1, 2, wcp.size, wcp.root);
    uint64_t size = r.u.ack.first_leaf + 2;
    uint8_t root[SH_HASH_BYTES];
    s_root (&hub, size, root);
    sh_wire_msg_fini (&r);
    s_deliver_next (&hub, &next, &r);
    SH_CHECK (hub_handler_opened_ahead (hub.h) == 1);
    SH_CHECK (r.type == SH_WIRE_ACK && r.u.ack.batch == 2 && r.u.ack.accepted == 2);
    SH_CHECK (r.u.ack.head_seq == FUZZ_HUB_A + 4);
    s_check_receipt (&hub, &r, c2, 2, size, root);
    sh_wire_msg_fini (&r);
    s_free_push (o1, 2);
    s_free_push (o2, 2);

    //  a forged change opened ahead is refused at its turn, at its position;
    //  a message other than the one looked at drops what was opened ahead
    fuzz_bytes_t o3[FUZZ_CHAIN_A];
    sh_wire_bytes_t c3[FUZZ_CHAIN_A];
    sh_wire_msg_t p0 = s_push (o3, c3, FUZZ_KEY_A, FUZZ_HUB_A + 5, FUZZ_HUB_A + 5, false);
    p1 = s_push (o1, c1, FUZZ_KEY_A, FUZZ_HUB_A + 5, FUZZ_HUB_A + 6, true);
    p1.u.push.batch = 3;
    uint64_t before = hub_handler_opened_ahead (hub.h);
    s_next (&next, s_rid_a, FUZZ_KEY_A, &p1);
    s_send (&hub, s_rid_a, FUZZ_KEY_A, &p0, &r);    //  5 alone, while 5..6 (forged) waits
    SH_CHECK (r.type == SH_WIRE_ACK && r.u.ack.accepted == 1);
    sh_wire_msg_fini (&r);
    s_send (&hub, s_rid_a, FUZZ_KEY_A, &p0, &r);    //  not the one looked at: 5 again, a duplicate
    SH_CHECK (r.type == SH_WIRE_ACK && r.u.ack.accepted == 0 && r.u.ack.duplicates == 1);
    sh_wire_msg_fini (&r);
    SH_CHECK (hub_handler_opened_ahead (hub.h) == before);
    s_deliver_next (&hub, &next, &r);
    SH_CHECK (hub_handler_opened_ahead (hub.h) == before + 1);
    SH_CHECK (r.type == SH_WIRE_ERROR && r.u.error.code == SH_WIRE_ERR_SIGNATURE);
    SH_CHECK (r.u.error.has_position && r.u.error.position == 1 && r.u.error.batch == 3);
    sh_wire_msg_fini (&r);
    s_free_push (o1, 2);
    s_free_push (o3, 1);

    //  the blocked key's Push is not opened ahead; its turn refuses it
    p1 = s_push (o1, c1, FUZZ_KEY_A, FUZZ_HUB_A + 6, FUZZ_HUB_A + 6, false);
    p2 = s_push (o2, c2, FUZZ_KEY_BLOCKED, 2, 2, false);
    s_next (&next, s_rid_b, FUZZ_KEY_BLOCKED, &p2);
    s_send (&hub, s_rid_a, FUZZ_KEY_A, &p1, &r);
    SH_CHECK (r.type == SH_WIRE_ACK && r.u.ack.accepted == 1);
    sh_wire_msg_fini (&r);
    before = hub_handler_opened_ahead (hub.h);
    s_deliver_next (&hub, &next, &r);
    SH_CHECK (hub_handler_opened_ahead (hub.h) == before);
    SH_CHECK (r.type == SH_WIRE_ERROR && r.u.error.code == SH_WIRE_ERR_BLOCKED);
    sh_wire_msg_fini (&r);
    s_free_push (o1, 1);
    s_free_push (o2, 1);
    SH_CHECK (fuzz_store_count (hub.store, SH_DB_LOG) == 7 + 6);

    //  quotas: a Push whose quota's first verdict refuses it is not opened
    //  ahead; one whose first verdict, made ahead against the state before
    //  the current Push, let it through is refused by its own write
    //  transaction; both get ERR_QUOTA at their turn and store nothing
    s_quota_room (&hub, 1);
    p1 = s_push (o1, c1, FUZZ_KEY_A, FUZZ_HUB_A + 6, FUZZ_HUB_A + 6, false);     //  held: a duplicate
    p2 = s_push (o2, c2, FUZZ_KEY_A, FUZZ_HUB_A + 7, FUZZ_HUB_A + 8, false);     //  two: over the room
    s_look_ahead_quota (&hub, &next, &p1, &p2, false);
    s_free_push (o1, 1);
    s_free_push (o2, 2);
    s_hello (&hub, s_rid_a, FUZZ_KEY_A, 0, &w);     //  a new session: the refusal is forgotten
    sh_wire_msg_fini (&w);
    p1 = s_push (o1, c1, FUZZ_KEY_A, FUZZ_HUB_A + 7, FUZZ_HUB_A + 7, false);     //  takes the room
    p2 = s_push (o2, c2, FUZZ_KEY_A, FUZZ_HUB_A + 8, FUZZ_HUB_A + 8, false);     //  fits before it
    s_look_ahead_quota (&hub, &next, &p1, &p2, true);
    s_free_push (o1, 1);
    s_free_push (o2, 1);
    SH_CHECK (fuzz_store_count (hub.store, SH_DB_LOG) == 7 + 7);
    free (next.body);
    s_hub_close (&hub);
}

static const sh_test_case_t tests[] = {
    { "unauthenticated", test_unauthenticated },
    { "malformed", test_malformed },
    { "too large", test_too_large },
    { "version", test_version },
    { "no session", test_no_session },
    { "hello other key", test_hello_other_key },
    { "ping", test_ping },
    { "welcome", test_welcome },
    { "push", test_push },
    { "push refused", test_push_refused },
    { "look ahead", test_look_ahead },
    { "pull", test_pull },
    { "quota and reserve", test_quota_reserve },
    { "room for openings", test_room_openings },
    { "auditor", test_auditor },
    { "revoked", test_revoked },
    { "expire", test_expire },
    { "prove", test_prove },
    { "pull own", test_pull_own },
    { "offer, not recovering", test_offer_not_recovering },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
