/*  sh_rawpeer -- a raw ZeroMQ peer that misbehaves on purpose (tests only).

    Usage:
        sh_rawpeer --dir NODE_DIR --hub ENDPOINT --hub-key HEX [--other-dir DIR2]
                   [--timeout S] MODE

    Connects a DEALER with CURVE to the hub as the node of NODE_DIR (its
    transport key pair derives from NODE_DIR/node.key, the hub's public
    transport key from --hub-key, the hub's Ed25519 key in hex), sends what
    MODE says, waits up to --timeout seconds (default 5) for the reply and
    prints it as one line on stdout:
        ERROR <ERR_NAME>: <message>        an Error arrived
        <type>                             another message ("welcome", "pong" ...)
        no reply within N s / refused at the handshake / undecodable reply: ...

    MODE                expected reply
      garbage           ERR_MALFORMED   random bytes (first byte 0xff: wire type 7,
                                        so they can never happen to be an Envelope)
      truncated         ERR_MALFORMED   a valid Push of one change, cut in half
      version           ERR_VERSION     a Ping in an Envelope of version 99
      oversize          ERR_TOO_LARGE   one 5 MiB message
      forged            ERR_SIGNATURE   Hello, then a Push of this node's next change
                                        (seq and prev from the Welcome, region = the
                                        scope) with one signature byte flipped
      other-author      ERR_AUTHOR      Hello, then a Push of a change signed by the
                                        key of --other-dir
      hello-other       ERR_AUTHOR      a Hello naming the key of --other-dir
      nosession         ERR_SESSION     a valid Push without a Hello
      multipart         ERR_MALFORMED   a valid Ping and a second frame in one message
      ping              pong            a valid Ping (a baseline: no Error, exit 1)
      flood             (none)          for --timeout seconds, as fast as the hub takes
                                        them: a Hello, a Push of the node's own first
                                        changes (up to 512, read from NODE_DIR's log; the
                                        node must never have synced) with the LAST
                                        signature broken, so the hub verifies the whole
                                        batch before refusing it, and 16 garbage messages;
                                        replies are drained and counted; prints
                                        "flood: N messages, B bytes sent, R replies
                                        (E errors) in S s"; exit 0 when the hub answered
      quota-flood       (none)          for --timeout seconds, round after round: a Hello,
                                        its Welcome, then S_QFLOOD_COPIES Pushes of the
                                        node's next valid changes (up to 512 after the
                                        hub's head), never waiting for their replies: a
                                        node over its quota pushing on; prints
                                        "quota-flood: N pushes, A acks (C changes stored),
                                        Q ERR_QUOTA, E other errors in S s" and the first
                                        ERR_QUOTA message; exit 0 when an ERR_QUOTA came

      deaf              (none)          a Hello (its Welcome read), then for --timeout seconds,
                                        as fast as the hub takes them and never reading a
                                        reply: rounds of S_DEAF_PULLS Pulls from 0 (each
                                        answered with a Batch of up to 1 024 changes of the
                                        node's scope) and, in the first S_DEAF_BIG rounds,
                                        one message of 7 MiB (under ZMQ_MAXMSGSIZE; answered
                                        ERR_TOO_LARGE); prints "deaf: P pulls, M big messages,
                                        B bytes sent in S s"; exit 0 when the Welcome came
      record            (as it comes)   Hello, then a Push of this node's next change as
                                        --kind, --region, --entity, --op and --body (JSON,
                                        sh_record_from_json) say: prints "ack" when taken

    Exit status: 0 an Error arrived, 1 anything else (another reply, none,
    a refused handshake), 2 usage or setup error.
*/
#include <getopt.h>
#include <jansson.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sh_change.h"
#include "sh_changelog.h"
#include "sh_crypto.h"
#include "sh_key.h"
#include "sh_link.h"
#include "sh_record.h"
#include "sh_store.h"
#include "sh_sys.h"
#include "sh_wire.h"

#define S_OVERSIZE_BYTES (5u << 20)
#define S_FLOOD_CHANGES 512             //  changes in each forged flood batch
#define S_FLOOD_GARBAGE 16              //  garbage messages per round
#define S_QFLOOD_COPIES 4               //  quota-flood: Pushes of the same batch per round
#define S_DEAF_PULLS 8                  //  deaf: Pulls per round
#define S_DEAF_BIG 40                   //  deaf: rounds with a big message (more than the hub
                                        //  queues from a connection, SH_LINK_SERVER_RCVHWM)
#define S_DEAF_BIG_BYTES (7u << 20)     //  deaf: the big message (under SH_LINK_TRANSPORT_MAX)

typedef struct {
    const char *dir;                    //  --dir
    const char *hub;                    //  --hub
    const char *hub_key;                //  --hub-key
    const char *other_dir;              //  --other-dir
    const char *kind, *op, *region;     //  record: --kind, --op, --region
    const char *entity, *body;          //  record: --entity, --body
    int timeout_s;                      //  --timeout
    const char *mode;                   //  MODE
} s_args_t;

typedef struct {
    sh_link_t *link;                    //  DEALER to the hub, with its monitor
    sh_key_t *key;                      //  this node's key (owned)
    int64_t deadline;                   //  sh_sys_mono_ms deadline for the current wait
} s_peer_t;

static void
s_usage (void)
{
    fprintf (stderr, "usage: sh_rawpeer --dir NODE_DIR --hub ENDPOINT --hub-key HEX [--other-dir DIR2] "
             "[--timeout S]\n       garbage|truncated|version|oversize|forged|other-author|hello-other|"
             "nosession|multipart|ping|flood|quota-flood|deaf\n"
             "       record --kind KIND --region CODE --entity ID [--op put|event|delete] [--body JSON]\n");
}

static sh_key_t *
s_load_key (const char *dir)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/node.key", dir);
    sh_key_t *key = NULL;
    sh_err rc = sh_key_load (&key, path);
    if (rc) {
        fprintf (stderr, "sh_rawpeer: cannot load %s: %s\n", path, sh_strerror (rc));
        return NULL;
    }
    return key;
}

/* --------------------------------------------------------------------------
 * Sending and receiving
 * -------------------------------------------------------------------------- */

static int
s_send_bytes (s_peer_t *p, const uint8_t *buf, size_t len, bool more)
{
    if (sh_link_send_raw (p->link, buf, len, more ? SH_LINK_MORE : 0) != SH_OK) {
        fprintf (stderr, "sh_rawpeer: cannot send %zu bytes\n", len);
        return -1;
    }
    return 0;
}

static int
s_send_msg (s_peer_t *p, const sh_wire_msg_t *m)
{
    uint8_t *buf;
    size_t len;
    if (sh_wire_encode (m, &buf, &len) != SH_OK) {
        fprintf (stderr, "sh_rawpeer: cannot encode a %s\n", sh_wire_type_name (m->type));
        return -1;
    }
    int r = s_send_bytes (p, buf, len, false);
    free (buf);
    return r;
}

//  Wait for the next message until the deadline. Returns 0 with *msg
//  decoded (fini it), or -1 after printing what happened instead.
static int
s_recv (s_peer_t *p, sh_wire_msg_t *msg)
{
    while (true) {
        int64_t left = p->deadline - sh_sys_mono_ms ();
        if (left <= 0) {
            printf ("no reply within the timeout\n");
            return -1;
        }
        sh_link_event_t ev;
        const char *why = NULL;
        sh_err rc = sh_link_wait (p->link, (int) left, &ev, msg, &why);
        if (ev.type == SH_LINK_AUTH_FAILED) {
            printf ("refused at the handshake (the key is not admitted)\n");
            return -1;
        }
        if (ev.type == SH_LINK_HANDSHAKE_FAILED) {
            printf ("the CURVE handshake failed (is --hub-key the hub's key?)\n");
            return -1;
        }
        if (ev.type == SH_LINK_CONNECTED || ev.type == SH_LINK_DISCONNECTED)
            continue;
        if (ev.type != SH_LINK_MESSAGE) {
            printf (sh_link_interrupted () ? "interrupted\n" : "no reply within the timeout\n");
            return -1;
        }
        if (ev.frames != 1) {
            printf ("a reply of %zu frames\n", ev.frames);
            return -1;
        }
        if (rc) {
            printf ("undecodable reply: %s\n", rc == SH_EVERSION ? "another protocol version" : why ? why : "?");
            return -1;
        }
        return 0;
    }
}

//  Print a reply as the one line of the output; true if it is an Error.
static bool
s_print (const sh_wire_msg_t *m)
{
    if (m->type == SH_WIRE_ERROR) {
        printf ("ERROR %s: %s\n", sh_wire_error_name (m->u.error.code), m->u.error.message);
        return true;
    }
    printf ("%s\n", sh_wire_type_name (m->type));
    return false;
}

/* --------------------------------------------------------------------------
 * What to send
 * -------------------------------------------------------------------------- */

//  A change to push: what sh_change_t says beyond author, seq, prev and hlc.
typedef struct {
    const char *region;
    sh_kind_t kind;
    sh_op_t op;
    const uint8_t *entity;
    size_t entity_len;
    const uint8_t *body;
    size_t body_len;
} s_spec_t;

//  A Push (batch 1) of the change spec by key at (seq, prev), signed; flip
//  one signature byte when forged. Caller owns *out.
static int
s_push_spec (uint8_t **out, size_t *out_len, const sh_key_t *key, uint64_t seq,
             const uint8_t prev[SH_HASH_BYTES], const s_spec_t *spec, bool forged)
{
    sh_change_t c = { 0 };
    memcpy (c.author, sh_key_public (key), SH_PUBKEY_BYTES);
    c.seq = seq;
    if (prev && seq > 1)
        memcpy (c.prev, prev, SH_HASH_BYTES);
    c.hlc = sh_sys_wall_ms () << 16;
    snprintf (c.region, sizeof c.region, "%s", spec->region);
    c.kind = spec->kind;
    c.entity = spec->entity;
    c.entity_len = spec->entity_len;
    c.op = spec->op;
    c.body = spec->body;
    c.body_len = spec->body_len;
    uint8_t *change = NULL, *signed_bytes = NULL;
    size_t change_len, signed_len;
    sh_err rc = sh_change_encode (&c, &change, &change_len);
    if (rc == SH_OK)
        rc = sh_change_sign (&signed_bytes, &signed_len, change, change_len, key);
    free (change);
    if (rc) {
        fprintf (stderr, "sh_rawpeer: cannot make a change: %s\n", sh_strerror (rc));
        return -1;
    }
    if (forged)
        signed_bytes[signed_len - 1] ^= 0x01;     //  the SignedChange ends with the signature
    sh_wire_bytes_t ch = { signed_bytes, signed_len };
    sh_wire_msg_t m = { .type = SH_WIRE_PUSH };
    m.u.push.batch = 1;
    m.u.push.n = 1;
    m.u.push.changes = &ch;
    rc = sh_wire_encode (&m, out, out_len);
    free (signed_bytes);
    return rc == SH_OK ? 0 : -1;
}

//  A Push (batch 1) of one well-formed courtyard change by key at (seq,
//  prev) in region (its code and id), signed; flip one signature byte when
//  forged. Caller owns *out.
static int
s_push_bytes (uint8_t **out, size_t *out_len, const sh_key_t *key, uint64_t seq,
              const uint8_t prev[SH_HASH_BYTES], const char *region, bool forged)
{
    //  a Courtyard body: code (1), name (2), households (4)
    uint8_t body[64];
    size_t n = 0, rl = strlen (region);
    body[n++] = 1 << 3 | 2;
    body[n++] = (uint8_t) rl;
    memcpy (body + n, region, rl);
    n += rl;
    body[n++] = 2 << 3 | 2;
    body[n++] = 7;
    memcpy (body + n, "rawpeer", 7);
    n += 7;
    body[n++] = 4 << 3;
    body[n++] = 12;
    s_spec_t spec = { .region = region, .kind = SH_KIND_COURTYARD, .op = SH_OP_PUT,
                      .entity = (const uint8_t *) region, .entity_len = rl, .body = body, .body_len = n };
    return s_push_spec (out, out_len, key, seq, prev, &spec, forged);
}

//  Hello as this node; on a Welcome fill it in and return 0. Otherwise the
//  reply (an Error, say) is printed and *is_error set; returns -1.
static int
s_hello (s_peer_t *p, const uint8_t node[SH_PUBKEY_BYTES], sh_wire_msg_t *welcome, bool *is_error)
{
    sh_wire_msg_t h = { .type = SH_WIRE_HELLO };
    memcpy (h.u.hello.node, node, SH_PUBKEY_BYTES);
    if (s_send_msg (p, &h) != 0 || s_recv (p, welcome) != 0)
        return -1;
    if (welcome->type == SH_WIRE_WELCOME)
        return 0;
    *is_error = s_print (welcome);
    sh_wire_msg_fini (welcome);
    return -1;
}

/* --------------------------------------------------------------------------
 * Flood
 * -------------------------------------------------------------------------- */

//  The forged flood batch: the node's own first changes, the last one's
//  signature flipped. Caller owns *out.
static int
s_flood_batch (const char *dir, uint8_t **out, size_t *out_len)
{
    sh_store_t *store = NULL;
    sh_store_txn_t *txn = NULL;
    sh_wire_bytes_t ch[S_FLOOD_CHANGES];
    size_t n = 0;
    uint64_t size = 0;
    sh_err rc = sh_store_open (&store, dir, false, 0);
    if (rc == SH_OK)
        rc = sh_store_begin (store, false, &txn);
    if (rc == SH_OK)
        rc = sh_changelog_size (txn, &size);
    for (uint64_t i = 1; rc == SH_OK && i <= size && n < S_FLOOD_CHANGES; i++) {
        const uint8_t *b;
        size_t len;
        rc = sh_changelog_get (txn, i, &b, &len);
        if (rc == SH_OK) {
            uint8_t *copy = malloc (len);
            if (!copy) {
                rc = SH_ENOMEM;
                break;
            }
            memcpy (copy, b, len);
            ch[n++] = (sh_wire_bytes_t) { copy, len };
        }
    }
    sh_store_abort (&txn);
    sh_store_close (&store);
    if (rc == SH_OK && n == 0)
        fprintf (stderr, "sh_rawpeer: %s holds no change to forge a flood batch from\n", dir);
    else
    if (rc)
        fprintf (stderr, "sh_rawpeer: cannot read the log of %s: %s\n", dir, sh_strerror (rc));
    int r = -1;
    if (rc == SH_OK && n > 0) {
        ((uint8_t *) ch[n - 1].data)[ch[n - 1].len - 1] ^= 0x01;
        sh_wire_msg_t m = { .type = SH_WIRE_PUSH };
        m.u.push.batch = 1;
        m.u.push.n = n;
        m.u.push.changes = ch;
        r = sh_wire_encode (&m, out, out_len) == SH_OK ? 0 : -1;
    }
    for (size_t i = 0; i < n; i++)
        free ((void *) ch[i].data);
    return r;
}

//  Send without blocking; false when the pipe is full (HWM) right now.
static bool
s_flood_send (s_peer_t *p, const uint8_t *buf, size_t len, uint64_t *bytes)
{
    if (sh_link_send_raw (p->link, buf, len, SH_LINK_DONTWAIT) != SH_OK)
        return false;
    *bytes += len;
    return true;
}

//  Drain the replies (and monitor events) that are there; wait a little
//  when no reply came.
static void
s_flood_drain (s_peer_t *p, uint64_t *replies, uint64_t *errors)
{
    bool any = false;
    int wait_ms = 0;
    while (true) {
        sh_link_event_t ev;
        sh_wire_msg_t r;
        sh_err rc = sh_link_wait (p->link, wait_ms, &ev, &r, NULL);
        if (ev.type == SH_LINK_NOTHING) {
            if (any || wait_ms > 0)
                return;
            wait_ms = 1;
        }
        else
        if (ev.type == SH_LINK_MESSAGE) {
            if (rc == SH_OK) {
                *errors += r.type == SH_WIRE_ERROR;
                sh_wire_msg_fini (&r);
            }
            (*replies)++;
            any = true;
            wait_ms = 0;
        }
    }
}

static int
s_flood (s_peer_t *p, const s_args_t *a)
{
    uint8_t *push = NULL, *hello = NULL;
    size_t push_len = 0, hello_len = 0;
    if (s_flood_batch (a->dir, &push, &push_len) != 0)
        return 2;
    sh_wire_msg_t h = { .type = SH_WIRE_HELLO };
    memcpy (h.u.hello.node, sh_key_public (p->key), SH_PUBKEY_BYTES);
    if (sh_wire_encode (&h, &hello, &hello_len) != SH_OK) {
        free (push);
        return 2;
    }
    uint8_t garbage[S_FLOOD_GARBAGE][256];
    sh_crypto_random ((uint8_t *) garbage, sizeof garbage);
    for (int i = 0; i < S_FLOOD_GARBAGE; i++)
        garbage[i][0] = 0xff;
    uint64_t msgs = 0, bytes = 0, replies = 0, errors = 0;
    int64_t t0 = sh_sys_mono_ms ();
    p->deadline = t0 + (int64_t) a->timeout_s * 1000;
    while (sh_sys_mono_ms () < p->deadline && !sh_link_interrupted ()) {
        //  one round: Hello, the forged batch, garbage; whatever the pipe takes
        msgs += s_flood_send (p, hello, hello_len, &bytes);
        msgs += s_flood_send (p, push, push_len, &bytes);
        for (int i = 0; i < S_FLOOD_GARBAGE; i++)
            msgs += s_flood_send (p, garbage[i], 64 + (size_t) (i * 12), &bytes);
        s_flood_drain (p, &replies, &errors);
    }
    printf ("flood: %" PRIu64 " messages, %" PRIu64 " bytes sent, %" PRIu64 " replies (%" PRIu64
            " errors) in %.1f s\n", msgs, bytes, replies, errors, (sh_sys_mono_ms () - t0) / 1000.0);
    free (push);
    free (hello);
    return replies > 0 ? 0 : 1;
}

/* --------------------------------------------------------------------------
 * Deaf flood
 * -------------------------------------------------------------------------- */

static int
s_deaf (s_peer_t *p, const s_args_t *a)
{
    p->deadline = sh_sys_mono_ms () + (int64_t) a->timeout_s * 1000;
    sh_wire_msg_t w;
    bool is_error = false;
    if (s_hello (p, sh_key_public (p->key), &w, &is_error) != 0)
        return 1;
    sh_wire_msg_fini (&w);
    sh_wire_msg_t m = { .type = SH_WIRE_PULL };
    m.u.pull.since = 0;
    m.u.pull.max = 1024;
    uint8_t *pull = NULL, *big = calloc (1, S_DEAF_BIG_BYTES);
    size_t pull_len = 0;
    if (!big || sh_wire_encode (&m, &pull, &pull_len) != SH_OK) {
        free (big);
        return 2;
    }
    big[0] = 0x08;                      //  starts like an Envelope (version 1, ...)
    big[1] = 0x01;
    uint64_t pulls = 0, bigs = 0, bytes = 0;
    int64_t t0 = sh_sys_mono_ms ();
    for (int round = 0; sh_sys_mono_ms () < p->deadline && !sh_link_interrupted (); round++) {
        bool sent = false;
        for (int i = 0; i < S_DEAF_PULLS; i++)
            if (s_flood_send (p, pull, pull_len, &bytes)) {
                pulls++;
                sent = true;
            }
        if (bigs < S_DEAF_BIG && s_flood_send (p, big, S_DEAF_BIG_BYTES, &bytes)) {
            bigs++;
            sent = true;
        }
        if (!sent)                      //  the pipe is full: the hub reads no more for now
            nanosleep (&(struct timespec) { 0, 1000000L }, NULL);
    }
    printf ("deaf: %" PRIu64 " pulls, %" PRIu64 " big messages, %" PRIu64 " bytes sent in %.1f s\n", pulls, bigs,
            bytes, (sh_sys_mono_ms () - t0) / 1000.0);
    free (pull);
    free (big);
    return 0;
}

/* --------------------------------------------------------------------------
 * Quota flood
 * -------------------------------------------------------------------------- */

typedef struct {
    uint64_t pushes, acks, stored, quota, errors;   //  counts
    uint64_t head;                                  //  the hub's head of this node (Welcome)
    bool welcomed;                                  //  the round's Welcome came
    char first[SH_WIRE_MESSAGE_MAX + 1];            //  the first ERR_QUOTA message
} s_qflood_t;

//  Take the replies there are (waiting up to wait_ms for the first).
static void
s_qflood_drain (s_peer_t *p, s_qflood_t *q, int wait_ms)
{
    while (true) {
        sh_link_event_t ev;
        sh_wire_msg_t r;
        sh_err rc = sh_link_wait (p->link, wait_ms, &ev, &r, NULL);
        bool message = ev.type == SH_LINK_MESSAGE && rc == SH_OK;
        if (ev.type == SH_LINK_NOTHING || sh_link_interrupted ()) {
            if (message)
                sh_wire_msg_fini (&r);      //  a reply decoded as the signal came
            return;
        }
        if (!message)
            continue;
        wait_ms = 0;
        if (r.type == SH_WIRE_WELCOME) {
            q->head = r.u.welcome.head_seq;
            q->welcomed = true;
        }
        else
        if (r.type == SH_WIRE_ACK) {
            q->acks++;
            q->stored += r.u.ack.accepted;
        }
        else
        if (r.type == SH_WIRE_ERROR && r.u.error.code == SH_WIRE_ERR_QUOTA) {
            if (!q->quota++)
                snprintf (q->first, sizeof q->first, "%s", r.u.error.message);
        }
        else
        if (r.type == SH_WIRE_ERROR)
            q->errors++;
        sh_wire_msg_fini (&r);
    }
}

//  The Push of this node's changes after head (up to S_FLOOD_CHANGES), as
//  batch number batch. Caller owns *out; 1 when there is none after head.
static int
s_qflood_push (sh_store_t *store, const uint8_t *me, uint64_t head, uint64_t batch, uint8_t **out, size_t *len)
{
    sh_store_txn_t *txn;
    sh_wire_bytes_t ch[S_FLOOD_CHANGES];
    size_t n = 0;
    sh_err rc = sh_store_begin (store, false, &txn);
    for (uint64_t seq = head + 1; rc == SH_OK && n < S_FLOOD_CHANGES; seq++) {
        const uint8_t *b;
        size_t bl;
        if ((rc = sh_changelog_get_seq (txn, me, seq, &b, &bl)) == SH_OK)
            ch[n++] = (sh_wire_bytes_t) { b, bl };
    }
    int r = n == 0 ? 1 : -1;
    if (n > 0 && (rc == SH_OK || rc == SH_ENOTFOUND)) {
        sh_wire_msg_t m = { .type = SH_WIRE_PUSH };
        m.u.push.batch = batch;
        m.u.push.n = n;
        m.u.push.changes = ch;
        r = sh_wire_encode (&m, out, len) == SH_OK ? 0 : -1;
    }
    sh_store_abort (&txn);
    return r;
}

static int
s_quota_flood (s_peer_t *p, const s_args_t *a)
{
    sh_store_t *store = NULL;
    sh_err rc = sh_store_open (&store, a->dir, false, 0);
    if (rc) {
        fprintf (stderr, "sh_rawpeer: cannot open the store in %s: %s\n", a->dir, sh_strerror (rc));
        return 2;
    }
    const uint8_t *me = sh_key_public (p->key);
    s_qflood_t q = { 0 };
    uint64_t batch = 1;
    int64_t t0 = sh_sys_mono_ms (), end = t0 + (int64_t) a->timeout_s * 1000;
    while (sh_sys_mono_ms () < end && !sh_link_interrupted ()) {
        sh_wire_msg_t h = { .type = SH_WIRE_HELLO };
        memcpy (h.u.hello.node, me, SH_PUBKEY_BYTES);
        q.welcomed = false;
        if (s_send_msg (p, &h) != 0)
            break;
        for (int i = 0; i < 100 && !q.welcomed && !sh_link_interrupted (); i++)
            s_qflood_drain (p, &q, 20);
        if (!q.welcomed)
            continue;
        uint8_t *push = NULL;
        size_t len = 0;
        for (int c = 0; c < S_QFLOOD_COPIES; c++) {
            if (s_qflood_push (store, me, q.head, batch++, &push, &len) != 0)
                break;
            q.pushes += sh_link_send_raw (p->link, push, len, SH_LINK_DONTWAIT) == SH_OK;
            free (push);
        }
        s_qflood_drain (p, &q, 1);
    }
    s_qflood_drain (p, &q, 200);
    sh_store_close (&store);
    printf ("quota-flood: %" PRIu64 " pushes, %" PRIu64 " acks (%" PRIu64 " changes stored), %" PRIu64
            " ERR_QUOTA, %" PRIu64 " other errors in %.1f s\n", q.pushes, q.acks, q.stored, q.quota, q.errors,
            (sh_sys_mono_ms () - t0) / 1000.0);
    if (q.quota)
        printf ("ERR_QUOTA: %s\n", q.first);
    return q.quota ? 0 : 1;
}

/* --------------------------------------------------------------------------
 * Main
 * -------------------------------------------------------------------------- */

/* --------------------------------------------------------------------------
 * Record: one change of any kind, as the options say
 * -------------------------------------------------------------------------- */

static const char *const s_kinds[SH_KIND_COUNT] = {
    [SH_KIND_REGION] = "region", [SH_KIND_COURTYARD] = "courtyard", [SH_KIND_PERSON] = "person",
    [SH_KIND_ROLE] = "role", [SH_KIND_MATTER] = "matter", [SH_KIND_MATTER_EVENT] = "matter-event",
    [SH_KIND_MEETING] = "meeting", [SH_KIND_MEDIATION] = "mediation", [SH_KIND_LEDGER] = "ledger",
    [SH_KIND_EVALUATION] = "evaluation",
};

//  Hello, then a Push of the change the options describe as this node's
//  next (seq and prev from the Welcome): --kind (a name above), --region,
//  --entity ("hex:" and hex digits, or the text itself), --op (put, the
//  default, event or delete), --body (a JSON object as sh_record_from_json
//  reads it; none for delete). Prints the reply ("ack" when taken).
static int
s_record (s_peer_t *p, const s_args_t *a)
{
    s_spec_t spec = { .region = a->region, .op = SH_OP_PUT };
    for (int k = 1; k < SH_KIND_COUNT; k++)
        if (a->kind && !strcmp (a->kind, s_kinds[k]))
            spec.kind = (sh_kind_t) k;
    if (a->op)
        spec.op = !strcmp (a->op, "event") ? SH_OP_EVENT : !strcmp (a->op, "delete") ? SH_OP_DELETE
                : !strcmp (a->op, "put") ? SH_OP_PUT : SH_OP_UNSPECIFIED;
    uint8_t id[SH_ENTITY_MAX];
    if (a->entity && !strncmp (a->entity, "hex:", 4)) {
        size_t hl = strlen (a->entity + 4);
        if (hl % 2 || hl / 2 > sizeof id || sh_crypto_unhex (id, hl / 2, a->entity + 4) != SH_OK) {
            fprintf (stderr, "sh_rawpeer: --entity %s is not hex: and up to %d bytes of hex\n", a->entity,
                     SH_ENTITY_MAX);
            return 2;
        }
        spec.entity = id;
        spec.entity_len = hl / 2;
    }
    else
    if (a->entity) {
        spec.entity = (const uint8_t *) a->entity;
        spec.entity_len = strlen (a->entity);
    }
    if (!spec.kind || !spec.op || !spec.region || !spec.entity) {
        fprintf (stderr, "sh_rawpeer: record needs --kind KIND --region CODE --entity ID (and a known --op)\n");
        return 2;
    }
    uint8_t *body = NULL;
    if (a->body) {
        json_error_t jerr;
        json_t *obj = json_loads (a->body, 0, &jerr);
        const char *why = NULL;
        sh_err rc = obj ? sh_record_from_json (&body, &spec.body_len, spec.kind, obj, &why) : SH_EINVAL;
        json_decref (obj);
        if (rc) {
            fprintf (stderr, "sh_rawpeer: --body is not a %s: %s\n", s_kinds[spec.kind],
                     obj ? (why ? why : sh_strerror (rc)) : jerr.text);
            return 2;
        }
        spec.body = body;
    }
    sh_wire_msg_t w;
    bool is_error = false;
    if (s_hello (p, sh_key_public (p->key), &w, &is_error) != 0) {
        free (body);
        return is_error ? 0 : 1;
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    int r = s_push_spec (&buf, &len, p->key, w.u.welcome.head_seq + 1, w.u.welcome.head_hash, &spec, false);
    sh_wire_msg_fini (&w);
    free (body);
    if (r != 0 || s_send_bytes (p, buf, len, false) != 0) {
        free (buf);
        return 2;
    }
    free (buf);
    sh_wire_msg_t reply;
    if (s_recv (p, &reply) != 0)
        return 1;
    is_error = s_print (&reply);
    sh_wire_msg_fini (&reply);
    return is_error ? 0 : 1;
}

static int
s_run (s_peer_t *p, const s_args_t *a)
{
    const char *mode = a->mode;
    if (!strcmp (mode, "flood"))
        return s_flood (p, a);
    if (!strcmp (mode, "record")) {
        p->deadline = sh_sys_mono_ms () + (int64_t) a->timeout_s * 1000;
        return s_record (p, a);
    }
    if (!strcmp (mode, "quota-flood"))
        return s_quota_flood (p, a);
    if (!strcmp (mode, "deaf"))
        return s_deaf (p, a);
    const uint8_t *me = sh_key_public (p->key);
    sh_key_t *other = NULL;
    if (!strcmp (mode, "other-author") || !strcmp (mode, "hello-other")) {
        if (!a->other_dir) {
            fprintf (stderr, "sh_rawpeer: %s needs --other-dir DIR2\n", mode);
            return 2;
        }
        if (!(other = s_load_key (a->other_dir)))
            return 2;
    }
    p->deadline = sh_sys_mono_ms () + (int64_t) a->timeout_s * 1000;
    bool is_error = false;
    int sent = -1;
    uint8_t *buf = NULL;
    size_t len = 0;

    if (!strcmp (mode, "garbage")) {
        len = 64 + (size_t) (sh_sys_mono_ms () % 448);
        buf = malloc (len);
        if (buf) {
            sh_crypto_random (buf, len);
            buf[0] = 0xff;
            sent = s_send_bytes (p, buf, len, false);
        }
    }
    else
    if (!strcmp (mode, "truncated") || !strcmp (mode, "nosession")) {
        if (s_push_bytes (&buf, &len, p->key, 1, NULL, "500115", false) == 0)
            sent = s_send_bytes (p, buf, !strcmp (mode, "truncated") ? len / 2 : len, false);
    }
    else
    if (!strcmp (mode, "version") || !strcmp (mode, "ping")) {
        sh_wire_msg_t m = { .type = SH_WIRE_PING, .version = !strcmp (mode, "version") ? 99 : 0 };
        m.u.ping.nonce = 42;
        sent = s_send_msg (p, &m);
    }
    else
    if (!strcmp (mode, "oversize")) {
        len = S_OVERSIZE_BYTES;
        buf = calloc (1, len);
        if (buf) {
            buf[0] = 0x08;              //  starts like an Envelope (version 1, ...)
            buf[1] = 0x01;
            sent = s_send_bytes (p, buf, len, false);
        }
    }
    else
    if (!strcmp (mode, "multipart")) {
        sh_wire_msg_t m = { .type = SH_WIRE_PING };
        m.u.ping.nonce = 7;
        if (sh_wire_encode (&m, &buf, &len) == SH_OK)
            sent = s_send_bytes (p, buf, len, true) == 0 ? s_send_bytes (p, buf, len, false) : -1;
    }
    else
    if (!strcmp (mode, "hello-other")) {
        sh_wire_msg_t w;
        if (s_hello (p, sh_key_public (other), &w, &is_error) == 0) {
            s_print (&w);
            sh_wire_msg_fini (&w);
        }
        sh_key_destroy (&other);
        return is_error ? 0 : 1;
    }
    else
    if (!strcmp (mode, "forged") || !strcmp (mode, "other-author")) {
        sh_wire_msg_t w;
        if (s_hello (p, me, &w, &is_error) != 0) {
            sh_key_destroy (&other);
            return is_error ? 0 : 1;
        }
        bool forged = !strcmp (mode, "forged");
        //  forged: exactly the change the hub expects next, but for one bit;
        //  other-author: the other key's first change, in this node's scope
        int r = forged ? s_push_bytes (&buf, &len, p->key, w.u.welcome.head_seq + 1, w.u.welcome.head_hash,
                                       w.u.welcome.scope, true)
                       : s_push_bytes (&buf, &len, other, 1, NULL, w.u.welcome.scope, false);
        sh_wire_msg_fini (&w);
        if (r == 0)
            sent = s_send_bytes (p, buf, len, false);
    }
    else {
        fprintf (stderr, "sh_rawpeer: unknown mode '%s'\n", mode);
        s_usage ();
        return 2;
    }
    free (buf);
    sh_key_destroy (&other);
    if (sent != 0)
        return 2;

    sh_wire_msg_t reply;
    if (s_recv (p, &reply) != 0)
        return 1;
    is_error = s_print (&reply);
    sh_wire_msg_fini (&reply);
    return is_error ? 0 : 1;
}

int
main (int argc, char **argv)
{
    s_args_t a = { .timeout_s = 5 };
    static const struct option opts[] = {
        { "dir", required_argument, NULL, 'd' }, { "hub", required_argument, NULL, 'h' },
        { "hub-key", required_argument, NULL, 'k' }, { "other-dir", required_argument, NULL, 'o' },
        { "timeout", required_argument, NULL, 't' }, { "kind", required_argument, NULL, 'K' },
        { "op", required_argument, NULL, 'O' }, { "region", required_argument, NULL, 'R' },
        { "entity", required_argument, NULL, 'E' }, { "body", required_argument, NULL, 'B' },
        { NULL, 0, NULL, 0 }
    };
    int c;
    while ((c = getopt_long (argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
            case 'd': a.dir = optarg; break;
            case 'h': a.hub = optarg; break;
            case 'k': a.hub_key = optarg; break;
            case 'o': a.other_dir = optarg; break;
            case 't': a.timeout_s = atoi (optarg); break;
            case 'K': a.kind = optarg; break;
            case 'O': a.op = optarg; break;
            case 'R': a.region = optarg; break;
            case 'E': a.entity = optarg; break;
            case 'B': a.body = optarg; break;
            default: s_usage (); return 2;
        }
    }
    if (!a.dir || !a.hub || !a.hub_key || optind != argc - 1 || a.timeout_s <= 0) {
        s_usage ();
        return 2;
    }
    a.mode = argv[optind];
    if (sh_crypto_init () != SH_OK)
        return 2;

    s_peer_t p = { 0 };
    uint8_t hub_ed[SH_PUBKEY_BYTES], hub_curve[SH_CURVE_BYTES];
    if (sh_crypto_unhex (hub_ed, sizeof hub_ed, a.hub_key) != SH_OK
    ||  sh_crypto_ed_to_curve (hub_curve, hub_ed) != SH_OK) {
        fprintf (stderr, "sh_rawpeer: --hub-key is not an Ed25519 public key in hex\n");
        return 2;
    }
    if (!(p.key = s_load_key (a.dir)))
        return 2;
    //  sends wait up to --timeout; the monitor reports refused handshakes
    const sh_link_options_t link_opts = { .monitor = true, .send_timeout_ms = a.timeout_s * 1000 };
    sh_err rc = sh_link_client_new (&p.link, p.key, hub_ed, &link_opts);
    int ret = 2;
    if (rc == SH_ECRYPTO)
        fprintf (stderr, "sh_rawpeer: the node key cannot be converted to a CURVE key\n");
    else
    if (rc || sh_link_connect (p.link, a.hub) != SH_OK)
        fprintf (stderr, "sh_rawpeer: cannot connect to '%s'\n", a.hub);
    else {
        ret = s_run (&p, &a);
        fflush (stdout);
    }
    sh_link_destroy (&p.link);
    sh_key_destroy (&p.key);
    return ret;
}
