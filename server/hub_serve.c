/*  hub_serve -- the hub's serving loop: ROUTER + ZAP + timer.

    See hub.h. The sockets live here; what the hub does with each message
    is hub_handler's (hub_handler.h), which answers through s_reply.
*/
#include "hub.h"

#include <czmq.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hub_handler.h"
#include "sh_crypto.h"
#include "sh_hublog.h"
#include "sh_registry.h"

#define S_ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define S_SESSION_IDLE_MS (120 * 1000)   //  a session without messages this long is forgotten
#define S_TIMER_MS 1000                  //  housekeeping period
#define S_TRANSPORT_MAX ((int64_t) 64 << 20)  //  ZeroMQ drops anything larger outright

typedef struct {
    const hub_config_t *config;          //  settings (borrowed)
    sh_store_t *store;                   //  hub store (borrowed)
    zsock_t *router;                     //  nodes connect here
    zsock_t *zap;                        //  ZAP handler
    zloop_t *loop;                       //  the reactor
    hub_handler_t *handler;              //  sessions and message handling (owned)
    unsigned fail_send;                  //  fault point countdown (config->fail_send)
} s_hub_t;

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
            hub_log ("warn", "handshake refused from %s (curve key %s...): %s", address ? address : "?", ck, text);
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
//  The ROUTER: frames in, envelopes to the handler, answers out

//  hub_reply_fn: one frame to the peer of routing id rid.
static void
s_reply (const uint8_t *rid, size_t rid_len, const uint8_t *buf, size_t len, void *arg)
{
    s_hub_t *hub = arg;
    if (hub->fail_send > 0 && --hub->fail_send == 0) {
        hub_log ("info", "fault point: reply of %zu bytes dropped", len);
        return;                          //  as a full pipe would drop it
    }
    zmsg_t *msg = zmsg_new ();
    if (!msg)
        return;
    zmsg_addmem (msg, rid, rid_len);
    zmsg_addmem (msg, buf, len);
    if (zmsg_send (&msg, hub->router) != 0)
        zmsg_destroy (&msg);
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
    //  without a routing id or an envelope frame: dropped, no answer
    if (rid && body && zframe_size (rid) > 0 && zframe_size (rid) <= 255)
        hub_handler_message (hub->handler, zframe_data (rid), zframe_size (rid),
                             zframe_meta (body, "User-Id"), zframe_data (body), zframe_size (body),
                             zmsg_size (msg));
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
    hub_handler_expire (hub->handler, S_SESSION_IDLE_MS);
    return 0;
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
hub_serve (const hub_config_t *config, sh_store_t *store, const sh_hubid_t *hubid)
{
    s_hub_t hub = { .config = config, .store = store, .fail_send = config->fail_send };
    int ret = 1;
    uint8_t curve_pk[SH_CURVE_BYTES], curve_sk[SH_CURVE_BYTES];
    if (sh_key_curve (hubid->key, curve_pk, curve_sk) != SH_OK) {
        hub_log ("error", "the hub key cannot be converted to a CURVE key");
        return 1;
    }
    //  a crash between a commit and its checkpoint leaves the head unsigned: sign it now
    if (sh_hublog_checkpoint (store, hubid, NULL, NULL) != SH_OK) {
        hub_log ("error", "cannot sign the current tree head");
        return 1;
    }
    zsys_set_linger (0);
    hub.handler = hub_handler_new (config, store, hubid, s_reply, &hub);
    if (!hub.handler)
        goto out;
    //  The ZAP handler must be bound before any CURVE socket takes connections.
    hub.zap = zsock_new_rep (NULL);
    if (!hub.zap || zsock_bind (hub.zap, S_ZAP_ENDPOINT) != 0) {
        hub_log ("error", "cannot bind the ZAP handler: %s", zmq_strerror (zmq_errno ()));
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
    //  No ZMTP heartbeats on the hub: libzmq 4.3.4 (Debian 12) asserts
    //  (!_io_error, stream_engine_base.cpp) when a heartbeat timer fires on
    //  a connection whose input was stopped at the high-water mark and whose
    //  peer then vanished -- a flooding peer that disconnects aborted the
    //  hub (tests/reliability/flood_test.sh under ASan). Dead connections
    //  are found by TCP keepalive instead; sessions expire on our own timer,
    //  and nodes ping at the application level.
    zsock_set_tcp_keepalive (hub.router, 1);
    zsock_set_tcp_keepalive_idle (hub.router, 30);
    zsock_set_tcp_keepalive_intvl (hub.router, 10);
    zsock_set_tcp_keepalive_cnt (hub.router, 3);
    zsock_set_router_handover (hub.router, 1);
    zsock_set_sndhwm (hub.router, 10000);
    zsock_set_rcvhwm (hub.router, 10000);
    int port = zsock_bind (hub.router, "%s", config->bind);
    if (port < 0) {
        hub_log ("error", "cannot bind %s: %s", config->bind, zmq_strerror (zmq_errno ()));
        goto out;
    }
    const char *ep = zsock_endpoint (hub.router);
    char endpoint[512];
    snprintf (endpoint, sizeof endpoint, "%s", ep ? ep : config->bind);
    hub_log ("info", "listening on %s (%d verifying threads)", endpoint, config->threads);
    if (config->ready_file && s_write_ready (config->ready_file, endpoint) != 0) {
        hub_log ("error", "cannot write %s: %s", config->ready_file, strerror (errno));
        goto out;
    }
    hub.loop = zloop_new ();
    zloop_reader (hub.loop, hub.zap, s_on_zap, &hub);
    zloop_reader (hub.loop, hub.router, s_on_router, &hub);
    zloop_timer (hub.loop, S_TIMER_MS, 0, s_on_timer, &hub);
    zloop_start (hub.loop);
    hub_log ("info", "stopping");
    ret = 0;
out:
    sh_crypto_wipe (curve_sk, sizeof curve_sk);
    zloop_destroy (&hub.loop);
    zsock_destroy (&hub.router);
    zsock_destroy (&hub.zap);
    hub_handler_destroy (&hub.handler);
    return ret;
}
