/*  sh_link -- the ZeroMQ link between a node and the hub. See sh_link.h.

    The socket options are those of docs/protocol.md 13.1, the ZAP
    exchange that of 13.3, the framing that of 13.4.
*/
#include "sh_link.h"

#include <assert.h>
#include <czmq.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_i18n.h"

#define S_ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define S_ENDPOINT_MAX 512
//  The monitor events a client reports (sh_link_event_type_t).
#define S_MONITOR_EVENTS (ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED \
                          | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL \
                          | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)

struct sh_link_t {
    bool server;                        //  a ROUTER (sh_link_server_new) or a DEALER (sh_link_client_new)
    zsock_t *sock;                      //  the DEALER or the ROUTER
    unsigned fail_send;                 //  fault point countdown: the send that brings it to 0 is dropped
    //  client
    zsock_t *mon;                       //  monitor events of sock, or NULL
    zpoller_t *poller;                  //  waits on sock (and mon)
    int send_flags;                     //  ZFRAME_DONTWAIT, or 0 (wait up to ZMQ_SNDTIMEO)
    //  server
    zsock_t *zap;                       //  the ZAP handler (REP)
    sh_link_admit_fn *admit;            //  whom it admits
    void *admit_arg;                    //  its argument
    sh_link_message_fn *on_message;     //  while serving: each message
    sh_link_tick_fn *on_tick;           //  while serving: each tick
    void *serve_arg;                    //  their argument
    int tick_ms;                        //  the tick's period
    int64_t tick_next;                  //  when the next tick is due (zclock_mono)
    zmsg_t *ahead;                      //  the message taken ahead of its turn (sh_link_peek), or NULL;
    zframe_t *ahead_rid, *ahead_body;   //  its routing id and envelope frame (owned with it)
    char endpoint[S_ENDPOINT_MAX];      //  bound endpoint ("" before sh_link_bind)
};

//  The current ZeroMQ errno as an sh_err.
static sh_err
s_zmq_err (void)
{
    int e = zmq_errno ();
    return (sh_err) (SH_ESYSERR | (unsigned) (e ? e : EIO));
}

//  ---------------------------------------------------------------------
//  Constructor and destructor

//  A link with its socket of type, linger 0. NULL when out of memory.
static sh_link_t *
s_new (bool server, int type)
{
    zsys_set_linger (0);
    sh_link_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->server = server;
    self->sock = zsock_new (type);
    if (!self->sock) {
        free (self);
        return NULL;
    }
    return self;
}

void
sh_link_destroy (sh_link_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        sh_link_t *self = *self_p;
        zpoller_destroy (&self->poller);
        if (self->mon) {
            zmq_socket_monitor (zsock_resolve (self->sock), NULL, 0);
            zsock_destroy (&self->mon);
        }
        zsock_destroy (&self->sock);
        zsock_destroy (&self->zap);
        zframe_destroy (&self->ahead_rid);
        zframe_destroy (&self->ahead_body);
        zmsg_destroy (&self->ahead);
        free (self);
        *self_p = NULL;
    }
}

//  ---------------------------------------------------------------------
//  Both sides

void
sh_link_fail_send_after (sh_link_t *self, unsigned n)
{
    assert (self);
    self->fail_send = n;
}

bool
sh_link_interrupted (void)
{
    return zsys_interrupted != 0;
}

const char *
sh_link_strerror (sh_err err)
{
    if (err & SH_ESYSERR)
        return zmq_strerror ((int) (err & ~SH_ESYSERR));
    return sh_strerror (err);
}

//  Count down the fault point; true when this send is the one to drop.
static bool
s_fault (sh_link_t *self)
{
    return self->fail_send > 0 && --self->fail_send == 0;
}

//  ---------------------------------------------------------------------
//  Client

//  Watch sock's handshakes and disconnections on a PAIR socket.
static sh_err
s_monitor (sh_link_t *self)
{
    uint64_t tag;
    sh_crypto_random ((uint8_t *) &tag, sizeof tag);
    char ep[64];
    snprintf (ep, sizeof ep, "inproc://sh-link-monitor-%016" PRIx64, tag);
    if (zmq_socket_monitor (zsock_resolve (self->sock), ep, S_MONITOR_EVENTS) != 0)
        return s_zmq_err ();
    self->mon = zsock_new_pair (NULL);
    if (!self->mon)
        return SH_ENOMEM;
    if (zsock_connect (self->mon, "%s", ep) != 0)
        return s_zmq_err ();
    return SH_OK;
}

//  The client's socket options (docs/protocol.md 13.1).
static void
s_client_options (sh_link_t *self, const sh_link_options_t *o)
{
    zsock_t *sock = self->sock;
    if (o->session) {
        zsock_set_immediate (sock, 1);
        zsock_set_reconnect_ivl (sock, 10);          //  a cut link is back at once: try it soon
        zsock_set_reconnect_ivl_max (sock, 5000);   //  exponential back-off up to 5 s
        zsock_set_heartbeat_ivl (sock, 5000);
        zsock_set_heartbeat_timeout (sock, 15000);
        zsock_set_sndhwm (sock, 64);
    }
    zsock_set_maxmsgsize (sock, (int) SH_LINK_TRANSPORT_MAX);
    if (o->send_timeout_ms > 0)
        zsock_set_sndtimeo (sock, o->send_timeout_ms);
    //  with ZMQ_IMMEDIATE and no connection a send then fails rather than queue
    self->send_flags = o->send_timeout_ms == 0 ? ZFRAME_DONTWAIT : 0;
}

sh_err
sh_link_client_new (sh_link_t **out, const sh_key_t *key, const uint8_t server_key[SH_PUBKEY_BYTES],
                    const sh_link_options_t *options)
{
    assert (out && key && server_key);
    *out = NULL;
    sh_link_options_t o = options ? *options : (sh_link_options_t) { 0 };
    uint8_t server_curve[SH_CURVE_BYTES], pk[SH_CURVE_BYTES], sk[SH_CURVE_BYTES];
    if (sh_crypto_ed_to_curve (server_curve, server_key) != SH_OK
    ||  sh_key_curve (key, pk, sk) != SH_OK)
        return SH_ECRYPTO;
    sh_link_t *self = s_new (false, ZMQ_DEALER);
    if (!self) {
        sh_crypto_wipe (sk, sizeof sk);
        return SH_ENOMEM;
    }
    zsock_set_curve_serverkey_bin (self->sock, server_curve);
    zsock_set_curve_publickey_bin (self->sock, pk);
    zsock_set_curve_secretkey_bin (self->sock, sk);
    sh_crypto_wipe (sk, sizeof sk);     //  libzmq keeps its own copy
    s_client_options (self, &o);
    sh_err rc = o.monitor ? s_monitor (self) : SH_OK;
    if (rc == SH_OK) {
        self->poller = zpoller_new (self->sock, self->mon, NULL);
        if (!self->poller)
            rc = SH_ENOMEM;
    }
    if (rc)
        sh_link_destroy (&self);
    *out = self;
    return rc;
}

sh_err
sh_link_connect (sh_link_t *self, const char *endpoint)
{
    assert (self && !self->server && endpoint);
    return zsock_connect (self->sock, "%s", endpoint) == 0 ? SH_OK : s_zmq_err ();
}

//  One frame to the peer (zflags: ZFRAME_MORE, ZFRAME_DONTWAIT).
static sh_err
s_send_frame (sh_link_t *self, const uint8_t *buf, size_t len, int zflags)
{
    zframe_t *f = zframe_new (buf, len);
    if (!f)
        return SH_ENOMEM;
    if (zframe_send (&f, self->sock, zflags) != 0) {
        sh_err rc = s_zmq_err ();
        zframe_destroy (&f);
        return rc;
    }
    return SH_OK;
}

sh_err
sh_link_send (sh_link_t *self, const sh_wire_msg_t *msg, size_t *len)
{
    assert (self && !self->server && msg);
    uint8_t *buf;
    size_t n;
    sh_err rc = sh_wire_encode (msg, &buf, &n);
    if (rc)
        return rc;
    if (s_fault (self))
        rc = SH_EFAULT;         //  as a link that dropped the message
    else
        rc = s_send_frame (self, buf, n, self->send_flags);
    free (buf);
    if (rc == SH_OK && len)
        *len = n;
    return rc;
}

sh_err
sh_link_send_raw (sh_link_t *self, const uint8_t *buf, size_t len, int flags)
{
    assert (self && !self->server && (buf || len == 0));
    int zflags = (flags & SH_LINK_MORE ? ZFRAME_MORE : 0) | (flags & SH_LINK_DONTWAIT ? ZFRAME_DONTWAIT : 0);
    return s_send_frame (self, buf, len, zflags);
}

//  A monitor event: two bytes of event, four of value (libzmq's format).
static void
s_on_monitor (sh_link_t *self, sh_link_event_t *ev)
{
    zmsg_t *m = zmsg_recv (self->mon);
    zframe_t *f = m ? zmsg_first (m) : NULL;
    uint16_t event = 0;
    uint32_t value = 0;
    if (f && zframe_size (f) >= 6) {
        memcpy (&event, zframe_data (f), 2);
        memcpy (&value, zframe_data (f) + 2, 4);
    }
    zmsg_destroy (&m);
    if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
        ev->type = SH_LINK_CONNECTED;
    else
    if (event == ZMQ_EVENT_DISCONNECTED)
        ev->type = SH_LINK_DISCONNECTED;
    else
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
        ev->type = SH_LINK_AUTH_FAILED;
        ev->status = value;
    }
    else
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL || event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
        ev->type = SH_LINK_HANDSHAKE_FAILED;
}

sh_err
sh_link_wait (sh_link_t *self, int timeout_ms, sh_link_event_t *ev, sh_wire_msg_t *msg, const char **why)
{
    assert (self && !self->server && ev && msg);
    *ev = (sh_link_event_t) { .type = SH_LINK_NOTHING };
    void *which = zpoller_wait (self->poller, timeout_ms);
    if (which && which == self->mon) {
        s_on_monitor (self, ev);
        return SH_OK;
    }
    zmsg_t *m = which == self->sock ? zmsg_recv (self->sock) : NULL;
    if (!m)
        return SH_OK;
    zframe_t *f = zmsg_first (m);
    ev->type = SH_LINK_MESSAGE;
    ev->frames = zmsg_size (m);
    ev->bytes = zframe_size (f);
    sh_err rc;
    if (ev->frames != 1) {
        if (why)
            *why = _("more than one frame in a message (one envelope per message)");
        rc = SH_EPROTO;
    }
    else
        rc = sh_wire_decode (msg, zframe_data (f), zframe_size (f), SH_WIRE_MAX_BYTES, why);
    zmsg_destroy (&m);
    return rc;
}

//  ---------------------------------------------------------------------
//  Server

sh_err
sh_link_server_new (sh_link_t **out, const sh_key_t *key, sh_link_admit_fn *admit, void *arg)
{
    assert (out && key && admit);
    *out = NULL;
    uint8_t pk[SH_CURVE_BYTES], sk[SH_CURVE_BYTES];
    if (sh_key_curve (key, pk, sk) != SH_OK)
        return SH_ECRYPTO;
    sh_link_t *self = s_new (true, ZMQ_ROUTER);
    if (!self) {
        sh_crypto_wipe (sk, sizeof sk);
        return SH_ENOMEM;
    }
    self->admit = admit;
    self->admit_arg = arg;
    //  The ZAP handler must be bound before any CURVE socket takes connections.
    self->zap = zsock_new_rep (NULL);
    if (!self->zap || zsock_bind (self->zap, S_ZAP_ENDPOINT) != 0) {
        sh_err rc = s_zmq_err ();
        sh_crypto_wipe (sk, sizeof sk);
        sh_link_destroy (&self);
        return rc;
    }
    zsock_t *router = self->sock;
    zsock_set_zap_domain (router, "shouhe");
    zsock_set_curve_server (router, 1);
    zsock_set_curve_secretkey_bin (router, sk);
    zsock_set_curve_publickey_bin (router, pk);
    sh_crypto_wipe (sk, sizeof sk);     //  libzmq keeps its own copy
    zsock_set_maxmsgsize (router, (int) SH_LINK_TRANSPORT_MAX);
    //  No ZMTP heartbeats on the hub: libzmq 4.3.4 (Debian 12) asserts
    //  (!_io_error, stream_engine_base.cpp) when a heartbeat timer fires on
    //  a connection whose input was stopped at the high-water mark and whose
    //  peer then vanished -- a flooding peer that disconnects aborted the
    //  hub (tests/reliability/flood_test.sh under ASan). Dead connections
    //  are found by TCP keepalive instead; sessions expire on our own timer,
    //  and nodes ping at the application level.
    zsock_set_tcp_keepalive (router, 1);
    zsock_set_tcp_keepalive_idle (router, 30);
    zsock_set_tcp_keepalive_intvl (router, 10);
    zsock_set_tcp_keepalive_cnt (router, 3);
    zsock_set_router_handover (router, 1);
    //  What one peer can make the hub hold is bounded both ways: at most
    //  SH_LINK_SERVER_RCVHWM messages of at most SH_LINK_TRANSPORT_MAX
    //  bytes unread, and SH_LINK_SERVER_SNDHWM answers (each at most
    //  SH_WIRE_MAX_BYTES) it does not read -- past that a ROUTER drops
    //  them. An honest node has at most 4 Pushes, a Pull, a Ping and a
    //  Prove out, so it never meets either bound; a peer that sends Pulls
    //  without reading the Batches made the hub grow by 100 MB a second
    //  with the former 10 000 (tests/reliability/flood_test.sh, round 4).
    zsock_set_sndhwm (router, SH_LINK_SERVER_SNDHWM);
    zsock_set_rcvhwm (router, SH_LINK_SERVER_RCVHWM);
    *out = self;
    return SH_OK;
}

sh_err
sh_link_bind (sh_link_t *self, const char *endpoint)
{
    assert (self && self->server && endpoint);
    if (zsock_bind (self->sock, "%s", endpoint) < 0)
        return s_zmq_err ();
    const char *ep = zsock_endpoint (self->sock);
    snprintf (self->endpoint, sizeof self->endpoint, "%s", ep ? ep : endpoint);
    return SH_OK;
}

const char *
sh_link_endpoint (const sh_link_t *self)
{
    assert (self);
    return self->endpoint;
}

//  ZAP (RFC 27): one request, one answer -- the caller's for CURVE.
static int
s_on_zap (zloop_t *loop, zsock_t *reader, void *arg)
{
    (void) loop;
    sh_link_t *self = arg;
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

    //  "not enrolled": the text docs/protocol.md 13.3 gives every refusal
    sh_link_admission_t a = { .status = 400, .text = "not enrolled" };
    if (mechanism && !strcmp (mechanism, "CURVE") && client_key && zframe_size (client_key) == SH_CURVE_BYTES)
        self->admit (zframe_data (client_key), address, &a, self->admit_arg);
    a.user_id[SH_LINK_USER_ID_MAX] = 0;
    char status[16];
    snprintf (status, sizeof status, "%d", a.status);
    zmsg_t *rep = zmsg_new ();
    zmsg_addstr (rep, "1.0");
    zmsg_addstr (rep, request_id ? request_id : "");
    zmsg_addstr (rep, status);
    zmsg_addstr (rep, a.text ? a.text : "");
    zmsg_addstr (rep, a.user_id);
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

//  Has a message a routing id and an envelope frame? Else it is dropped,
//  without an answer.
static bool
s_routable (zframe_t *rid, zframe_t *body)
{
    return rid && body && zframe_size (rid) > 0 && zframe_size (rid) <= SH_LINK_RID_MAX;
}

//  Hand one message (routing id rid, envelope frame body, the frames left
//  in msg) to the caller, unless it is not routable.
static int
s_deliver (sh_link_t *self, zmsg_t *msg, zframe_t *rid, zframe_t *body)
{
    if (!s_routable (rid, body))
        return 0;
    return self->on_message (zframe_data (rid), zframe_size (rid), zframe_meta (body, "User-Id"),
                             zframe_data (body), zframe_size (body), zmsg_size (msg), self->serve_arg);
}

static int
s_on_tick (zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    sh_link_t *self = arg;
    self->tick_next = zclock_mono () + self->tick_ms;
    return self->on_tick ? self->on_tick (self->serve_arg) : 0;
}

//  Between messages taken ahead the loop does not poll: answer the ZAP
//  requests waiting and run the tick when it is due, as the loop would.
static int
s_side_work (sh_link_t *self)
{
    while (zsock_events (self->zap) & ZMQ_POLLIN)
        s_on_zap (NULL, self->zap, self);
    return zclock_mono () >= self->tick_next ? s_on_tick (NULL, 0, self) : 0;
}

//  The ROUTER: routing id and envelope frame to the caller; then, in
//  their order, every message the caller took ahead meanwhile.
static int
s_on_router (zloop_t *loop, zsock_t *reader, void *arg)
{
    (void) loop;
    sh_link_t *self = arg;
    zmsg_t *msg = zmsg_recv (reader);
    if (!msg)
        return 0;
    zframe_t *rid = zmsg_pop (msg);
    zframe_t *body = zmsg_pop (msg);
    int ret = s_deliver (self, msg, rid, body);
    for (;;) {
        zframe_destroy (&rid);
        zframe_destroy (&body);
        zmsg_destroy (&msg);
        if (ret != 0 || !self->ahead || zsys_interrupted || (ret = s_side_work (self)) != 0)
            break;
        msg = self->ahead, rid = self->ahead_rid, body = self->ahead_body;
        self->ahead = NULL, self->ahead_rid = self->ahead_body = NULL;
        ret = s_deliver (self, msg, rid, body);
    }
    return ret;
}

sh_err
sh_link_peek (sh_link_t *self, sh_link_peeked_t *out)
{
    assert (self && self->server && out);
    while (!self->ahead) {
        if (!(zsock_events (self->sock) & ZMQ_POLLIN))
            return SH_ENOTFOUND;
        zmsg_t *msg = zmsg_recv (self->sock);
        if (!msg)
            return SH_ENOTFOUND;
        zframe_t *rid = zmsg_pop (msg);
        zframe_t *body = zmsg_pop (msg);
        if (s_routable (rid, body)) {
            self->ahead = msg, self->ahead_rid = rid, self->ahead_body = body;
            break;
        }
        zframe_destroy (&rid);  //  dropped, as s_deliver would drop it
        zframe_destroy (&body);
        zmsg_destroy (&msg);
    }
    *out = (sh_link_peeked_t) {
        .rid = zframe_data (self->ahead_rid), .rid_len = zframe_size (self->ahead_rid),
        .user_id = zframe_meta (self->ahead_body, "User-Id"),
        .body = zframe_data (self->ahead_body), .body_len = zframe_size (self->ahead_body),
        .extra_frames = zmsg_size (self->ahead)
    };
    return SH_OK;
}

sh_err
sh_link_serve (sh_link_t *self, sh_link_message_fn *on_message, int tick_ms, sh_link_tick_fn *on_tick,
               void *arg)
{
    assert (self && self->server && on_message && tick_ms > 0);
    self->on_message = on_message;
    self->on_tick = on_tick;
    self->serve_arg = arg;
    self->tick_ms = tick_ms;
    self->tick_next = zclock_mono () + tick_ms;
    zloop_t *loop = zloop_new ();
    sh_err rc = SH_ENOMEM;
    if (loop
    &&  zloop_reader (loop, self->zap, s_on_zap, self) == 0
    &&  zloop_reader (loop, self->sock, s_on_router, self) == 0
    &&  zloop_timer (loop, (size_t) tick_ms, 0, s_on_tick, self) >= 0) {
        zloop_start (loop);
        rc = SH_OK;
    }
    zloop_destroy (&loop);
    return rc;
}

sh_err
sh_link_reply (sh_link_t *self, const uint8_t *rid, size_t rid_len, const uint8_t *buf, size_t len)
{
    assert (self && self->server && rid && rid_len > 0 && (buf || len == 0));
    if (s_fault (self))
        return SH_EFAULT;                //  as a full pipe would drop it
    zmsg_t *msg = zmsg_new ();
    if (!msg || zmsg_addmem (msg, rid, rid_len) != 0 || zmsg_addmem (msg, buf, len) != 0) {
        zmsg_destroy (&msg);
        return SH_ENOMEM;
    }
    if (zmsg_send (&msg, self->sock) != 0)
        zmsg_destroy (&msg);
    return SH_OK;
}
