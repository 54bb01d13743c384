/*  sh_link_test -- the ZeroMQ link (common/link/sh_link.c) end to end on
    loopback: a server link serving in a thread, clients in the test's.

    The server admits one key (its User-Id "admitted") and refuses every
    other; it echoes each message's first frame back and records what the
    message callback was given. Checked: the CURVE handshake and the
    monitor events (connected, refused with status 400, a wrong server
    key), envelope framing and sizes, raw multi-frame sends, a message
    that does not decode, the send fault point on both sides, a session
    link's sends failing while it has no connection, the tick, messages
    taken ahead of their turn (sh_link_peek) while ZAP and the tick go on,
    and the serving loop stopping when a callback says so.
*/
#include "sh_test.h"

#include "sh_link.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>

#define S_WAIT_MS 5000

static void
s_sleep_ms (long ms)
{
    struct timespec t = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
    nanosleep (&t, NULL);
}

//  The server side, owned by its thread once serving.
typedef struct {
    sh_link_t *link;                    //  the server link
    uint8_t admitted[SH_CURVE_BYTES];   //  the one CURVE key it admits
    char user_id[64];                   //  User-Id of the last message
    size_t extra_frames;                //  extra frames of the last message
    int messages;                       //  messages seen
    int ticks;                          //  ticks seen
    sh_err served;                      //  what sh_link_serve returned
    //  "slow" messages: each waits, then looks at the next (sh_link_peek)
    const uint8_t *peeked;              //  the body the last peek gave
    char peeked_text[16];               //  ... and what it said
    int peek_faults;                    //  a message delivered other than peeked
    int slow, peeks;                    //  slow messages seen, peeks that found one
    int ticks_first_slow, ticks_last_slow;  //  ticks when the first and the last slow one came
} s_server_t;

static void
s_admit (const uint8_t curve_key[SH_CURVE_BYTES], const char *address, sh_link_admission_t *out, void *arg)
{
    s_server_t *srv = arg;
    SH_CHECK (address);
    SH_CHECK (out->status == 400 && out->user_id[0] == 0);      //  arrives as a refusal
    if (!memcmp (curve_key, srv->admitted, SH_CURVE_BYTES)) {
        out->status = 200;
        out->text = "OK";
        snprintf (out->user_id, sizeof out->user_id, "admitted");
    }
}

//  Echo the first frame; "stop" stops the loop.
static int
s_on_message (const uint8_t *rid, size_t rid_len, const char *user_id, const uint8_t *body, size_t body_len,
              size_t extra_frames, void *arg)
{
    s_server_t *srv = arg;
    __atomic_add_fetch (&srv->messages, 1, __ATOMIC_SEQ_CST);
    snprintf (srv->user_id, sizeof srv->user_id, "%s", user_id ? user_id : "");
    if (srv->peeked) {          //  the message looked at comes next, the same buffer
        if (body != srv->peeked || body_len != strlen (srv->peeked_text) || memcmp (body, srv->peeked_text, body_len))
            srv->peek_faults++;
        srv->peeked = NULL;
    }
    if (body_len >= 4 && !memcmp (body, "slow", 4)) {
        int ticks = __atomic_load_n (&srv->ticks, __ATOMIC_SEQ_CST);
        if (srv->slow++ == 0)
            srv->ticks_first_slow = ticks;
        srv->ticks_last_slow = ticks;
        s_sleep_ms (60);
        sh_link_peeked_t p, again;
        if (sh_link_peek (srv->link, &p) == SH_OK) {
            SH_PASS (sh_link_peek (srv->link, &again));      //  the same one until its turn
            SH_CHECK (again.body == p.body && p.rid_len == rid_len && !memcmp (p.rid, rid, rid_len));
            SH_CHECK (p.extra_frames == 0 && p.user_id && !strcmp (p.user_id, "admitted"));
            srv->peeked = p.body;
            snprintf (srv->peeked_text, sizeof srv->peeked_text, "%.*s", (int) p.body_len, (const char *) p.body);
            srv->peeks++;
        }
    }
    srv->extra_frames = extra_frames;
    if (body_len == 4 && !memcmp (body, "stop", 4))
        return -1;
    sh_err rc = sh_link_reply (srv->link, rid, rid_len, body, body_len);
    SH_CHECK (rc == SH_OK || rc == SH_EFAULT);
    return 0;
}

static int
s_on_tick (void *arg)
{
    __atomic_add_fetch (&((s_server_t *) arg)->ticks, 1, __ATOMIC_SEQ_CST);
    return 0;
}

static void *
s_serve (void *arg)
{
    s_server_t *srv = arg;
    srv->served = sh_link_serve (srv->link, s_on_message, 20, s_on_tick, srv);
    return NULL;
}

//  A fresh identity.
static sh_key_t *
s_key (void)
{
    sh_key_t *key = sh_key_generate ();
    SH_CHECK (key);
    return key;
}

//  A connected client link; the next event must be want.
static sh_link_t *
s_client (const sh_key_t *key, const sh_key_t *server_key, const char *endpoint, sh_link_event_type_t want,
          uint32_t *status)
{
    sh_link_t *link;
    const sh_link_options_t o = { .session = true, .monitor = true, .send_timeout_ms = 0 };
    SH_PASS (sh_link_client_new (&link, key, sh_key_public (server_key), &o));
    SH_PASS (sh_link_connect (link, endpoint));
    sh_link_event_t ev;
    sh_wire_msg_t m;
    SH_PASS (sh_link_wait (link, S_WAIT_MS, &ev, &m, NULL));
    SH_CHECK (ev.type == want);
    if (status)
        *status = ev.status;
    return link;
}

//  The next message must be an envelope that decodes.
static void
s_expect (sh_link_t *link, sh_wire_msg_t *m, size_t bytes)
{
    sh_link_event_t ev;
    SH_PASS (sh_link_wait (link, S_WAIT_MS, &ev, m, NULL));
    SH_CHECK (ev.type == SH_LINK_MESSAGE && ev.frames == 1 && ev.bytes == bytes);
}

static void
test_link (void)
{
    sh_key_t *hub = s_key (), *good = s_key (), *bad = s_key ();
    s_server_t srv = { 0 };
    uint8_t sk[SH_CURVE_BYTES];
    SH_PASS (sh_key_curve (good, srv.admitted, sk));
    sh_crypto_wipe (sk, sizeof sk);
    SH_PASS (sh_link_server_new (&srv.link, hub, s_admit, &srv));
    SH_CHECK (!strcmp (sh_link_endpoint (srv.link), ""));
    SH_PASS (sh_link_bind (srv.link, "tcp://127.0.0.1:*"));
    char endpoint[256];
    snprintf (endpoint, sizeof endpoint, "%s", sh_link_endpoint (srv.link));
    SH_CHECK (!strncmp (endpoint, "tcp://127.0.0.1:", 16) && !strchr (endpoint, '*'));
    sh_link_fail_send_after (srv.link, 3);          //  the third reply is dropped
    pthread_t thread;
    SH_CHECK (pthread_create (&thread, NULL, s_serve, &srv) == 0);

    //  refused at the handshake (400), or talking to another server key
    uint32_t status = 0;
    sh_link_t *c = s_client (bad, hub, endpoint, SH_LINK_AUTH_FAILED, &status);
    SH_CHECK (status == 400);
    sh_link_destroy (&c);
    c = s_client (good, bad, endpoint, SH_LINK_HANDSHAKE_FAILED, NULL);
    sh_link_destroy (&c);
    SH_CHECK (c == NULL);

    //  admitted: an envelope goes out and comes back, with its sizes
    c = s_client (good, hub, endpoint, SH_LINK_CONNECTED, NULL);
    sh_wire_msg_t ping = { .type = SH_WIRE_PING, .u.ping.nonce = 42 }, m;
    size_t len = 0;
    SH_PASS (sh_link_send (c, &ping, &len));
    SH_CHECK (len > 0);
    s_expect (c, &m, len);
    SH_CHECK (m.type == SH_WIRE_PING && m.u.ping.nonce == 42);
    sh_wire_msg_fini (&m);
    SH_CHECK (!strcmp (srv.user_id, "admitted") && srv.extra_frames == 0);

    //  two frames in one message: the server is told of the extra one
    uint8_t *buf;
    SH_PASS (sh_wire_encode (&ping, &buf, &len));
    SH_PASS (sh_link_send_raw (c, buf, len, SH_LINK_MORE));
    SH_PASS (sh_link_send_raw (c, (const uint8_t *) "x", 1, SH_LINK_DONTWAIT));
    s_expect (c, &m, len);
    sh_wire_msg_fini (&m);
    SH_CHECK (srv.extra_frames == 1);
    free (buf);

    //  the server's third reply is dropped by its fault point; the client's
    //  next send by its own; then both go on
    SH_PASS (sh_link_send (c, &ping, NULL));
    sh_link_event_t ev;
    SH_PASS (sh_link_wait (c, 300, &ev, &m, NULL));
    SH_CHECK (ev.type == SH_LINK_NOTHING);
    sh_link_fail_send_after (c, 1);
    SH_FAIL (sh_link_send (c, &ping, NULL), SH_EFAULT);
    SH_PASS (sh_link_send (c, &ping, &len));
    s_expect (c, &m, len);
    sh_wire_msg_fini (&m);

    //  an echo that is not an envelope does not decode
    const char *why = NULL;
    SH_PASS (sh_link_send_raw (c, (const uint8_t *) "\xff\xff\xff", 3, 0));
    SH_FAIL (sh_link_wait (c, S_WAIT_MS, &ev, &m, &why), SH_EPROTO);
    SH_CHECK (ev.type == SH_LINK_MESSAGE && ev.bytes == 3 && why);

    //  messages taken ahead (sh_link_peek) come in their order with the same
    //  buffers; meanwhile the loop still admits a client (ZAP) and ticks
    enum { SLOW = 30 };
    for (int i = 0; i < SLOW; i++) {
        char text[16];
        snprintf (text, sizeof text, "slow%02d", i);
        SH_PASS (sh_link_send_raw (c, (const uint8_t *) text, strlen (text), 0));
    }
    s_sleep_ms (300);         //  well inside the 30 x 60 ms the slow ones take
    sh_link_t *c2 = s_client (good, hub, endpoint, SH_LINK_CONNECTED, NULL);
    int seen = __atomic_load_n (&srv.messages, __ATOMIC_SEQ_CST);
    SH_CHECK (seen < 5 + SLOW);                     //  admitted while the run went on
    for (int i = 0; i < SLOW; i++) {
        SH_FAIL (sh_link_wait (c, S_WAIT_MS, &ev, &m, NULL), SH_EPROTO);     //  echoed, not envelopes
        SH_CHECK (ev.type == SH_LINK_MESSAGE && ev.bytes == 6);
    }
    SH_CHECK (srv.slow == SLOW && srv.peek_faults == 0 && srv.peeks >= SLOW - 2);
    SH_CHECK (srv.ticks_last_slow > srv.ticks_first_slow);
    sh_link_destroy (&c2);

    //  a callback returning -1 stops the loop
    SH_PASS (sh_link_send_raw (c, (const uint8_t *) "stop", 4, 0));
    SH_CHECK (pthread_join (thread, NULL) == 0);
    SH_CHECK (srv.served == SH_OK && srv.ticks > 0 && srv.messages == 6 + SLOW);
    SH_CHECK (!sh_link_interrupted ());
    sh_link_destroy (&c);
    sh_link_destroy (&srv.link);
    sh_key_destroy (&hub);
    sh_key_destroy (&good);
    sh_key_destroy (&bad);
}

static void
test_no_connection (void)
{
    sh_key_t *hub = s_key (), *me = s_key ();
    //  a session link never queues without a connection: sends fail at once
    sh_link_t *c;
    const sh_link_options_t o = { .session = true, .send_timeout_ms = 0 };
    SH_PASS (sh_link_client_new (&c, me, sh_key_public (hub), &o));
    SH_PASS (sh_link_connect (c, "tcp://127.0.0.1:9"));
    sh_wire_msg_t ping = { .type = SH_WIRE_PING };
    SH_FAIL (sh_link_send (c, &ping, NULL), (sh_err) (SH_ESYSERR | EAGAIN));
    //  nothing comes; an endpoint ZeroMQ cannot parse is refused
    sh_link_event_t ev;
    sh_wire_msg_t m;
    SH_PASS (sh_link_wait (c, 50, &ev, &m, NULL));
    SH_CHECK (ev.type == SH_LINK_NOTHING);
    sh_err rc = sh_link_connect (c, "no-such-transport://x");
    SH_CHECK (rc & SH_ESYSERR);
    SH_CHECK (strlen (sh_link_strerror (rc)) > 0);
    sh_link_destroy (&c);
    //  a server key that is not a point does not convert
    uint8_t not_a_key[SH_PUBKEY_BYTES];
    memset (not_a_key, 0xff, sizeof not_a_key);
    SH_FAIL (sh_link_client_new (&c, me, not_a_key, NULL), SH_ECRYPTO);
    SH_CHECK (c == NULL);
    sh_key_destroy (&hub);
    sh_key_destroy (&me);
}

static const sh_test_case_t tests[] = {
    { "client and server", test_link },
    { "no connection", test_no_connection },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
