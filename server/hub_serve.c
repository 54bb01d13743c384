/*  hub_serve -- the hub's serving loop: the link (ROUTER, ZAP, timer)
    between the nodes and the handler.

    See hub.h. The sockets are sh_link's; this file decides whom the ZAP
    handler admits (the registry) and hands every message to hub_handler
    (hub_handler.h), which answers through s_reply.
*/
#include "hub.h"
#include "sh_recovery.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hub_handler.h"
#include "hub_retain.h"
#include "sh_crypto.h"
#include "sh_i18n.h"
#include "sh_hublog.h"
#include "sh_link.h"
#include "sh_quota.h"
#include "sh_registry.h"
#include "sh_sys.h"

#define S_SESSION_IDLE_MS (120 * 1000)   //  a session without messages this long is forgotten
#define S_TIMER_MS 1000                  //  housekeeping period
#define S_RETAIN_MS (3600 * 1000)        //  retention rules applied this often (and at start)

typedef struct {
    const hub_config_t *config;          //  settings (borrowed)
    sh_store_t *store;                   //  hub store (borrowed)
    sh_link_t *link;                     //  ROUTER and ZAP handler (owned)
    hub_handler_t *handler;              //  sessions and message handling (owned)
    const sh_hubid_t *hubid;             //  signs checkpoints (borrowed)
    uint64_t retained_ms;                //  when the retention rules were last applied
} s_hub_t;

//  ---------------------------------------------------------------------
//  ZAP: admit only enrolled, unrevoked keys (RFC 27)

//  sh_link_admit_fn: the registry decides.
static void
s_admit (const uint8_t curve_key[SH_CURVE_BYTES], const char *address, sh_link_admission_t *out, void *arg)
{
    s_hub_t *hub = arg;
    const char *why = N_("not enrolled");      //  for the log (out->text is RFC 27's, untranslated)
    uint8_t ed[SH_PUBKEY_BYTES];
    sh_registry_entry_t e;
    sh_store_txn_t *txn;
    if (sh_store_begin (hub->store, false, &txn) == SH_OK) {
        if (sh_registry_by_curve (txn, curve_key, ed) == SH_OK
        &&  sh_registry_get (txn, ed, &e) == SH_OK) {
            if (e.revoked_ms)
                out->text = why = N_("revoked");
            else {
                out->status = 200;
                out->text = "OK";
                sh_crypto_hex (out->user_id, ed, SH_PUBKEY_BYTES);
            }
        }
        sh_store_abort (&txn);
    }
    else {
        out->status = 500;      //  RFC 27: internal error, the client may retry
        out->text = why = N_("hub store unavailable");
    }
    if (out->status != 200) {
        char ck[SH_HEX_BYTES (8)];
        sh_crypto_hex (ck, curve_key, 8);
        hub_log ("warn", _("handshake refused from %s (curve key %s...): %s"), address ? address : "?", ck,
                 _(why));
    }
}

//  ---------------------------------------------------------------------
//  The ROUTER: envelopes to the handler, answers out

//  hub_reply_fn: one frame to the peer of routing id rid.
static void
s_reply (const uint8_t *rid, size_t rid_len, const uint8_t *buf, size_t len, void *arg)
{
    s_hub_t *hub = arg;
    if (sh_link_reply (hub->link, rid, rid_len, buf, len) == SH_EFAULT)
        hub_log ("info", _("fault point: reply of %zu bytes dropped"), len);
}

//  hub_peek_fn: the next message waiting on the ROUTER (sh_link_peek).
static bool
s_peek (hub_peeked_t *out, void *arg)
{
    s_hub_t *hub = arg;
    sh_link_peeked_t p;
    if (sh_link_peek (hub->link, &p) != SH_OK)
        return false;
    *out = (hub_peeked_t) { .rid = p.rid, .rid_len = p.rid_len, .user_id = p.user_id, .body = p.body,
                            .body_len = p.body_len, .extra_frames = p.extra_frames };
    return true;
}

//  sh_link_message_fn: every message goes to the handler.
static int
s_on_message (const uint8_t *rid, size_t rid_len, const char *user_id, const uint8_t *body, size_t body_len,
              size_t extra_frames, void *arg)
{
    s_hub_t *hub = arg;
    hub_handler_message (hub->handler, rid, rid_len, user_id, body, body_len, extra_frames);
    return 0;
}

//  Apply the retention rules (hub_retain): erasure marks of what is due.
static void
s_retain (s_hub_t *hub)
{
    hub->retained_ms = sh_sys_wall_ms ();
    hub_retain_done_t done;
    char why[512];
    if (hub_retain_pass (hub->config->dir, hub->store, hub->hubid, hub->retained_ms, &done, why, sizeof why))
        hub_log ("warn", _("retention: %s"), why);
    else if (done.changes)
        hub_log ("info", _("retention: erased the summaries of %zu mediation(s) and the notes of %zu matter(s) "
                           "(%zu signed erasure marks)"), done.mediations, done.matters, done.changes);
}

//  Housekeeping: forget idle sessions; apply the retention rules hourly
//  (--retain-every).
static int
s_on_tick (void *arg)
{
    s_hub_t *hub = arg;
    hub_handler_expire (hub->handler, S_SESSION_IDLE_MS);
    uint64_t every = hub->config->retain_every_ms ? hub->config->retain_every_ms : S_RETAIN_MS;
    if (sh_sys_wall_ms () - hub->retained_ms >= every)
        s_retain (hub);
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

//  A hub started from a backup says so: it takes no new changes until its
//  nodes have handed back what it lost (sh_recovery).
static void
s_say_recovery (sh_store_t *store)
{
    sh_store_txn_t *txn;
    sh_recovery_status_t st;
    if (sh_store_begin (store, false, &txn) != SH_OK)
        return;
    if (sh_recovery_status (txn, &st) == SH_OK && st.active)
        hub_log ("warn", _("recovering: this hub was restored from a backup of %llu log entries; it takes "
                           "back from its nodes what came after and refuses new changes until they have all "
                           "offered what they hold (%u of %u so far) or shouhe-hub recover finishes it"),
                 (unsigned long long) st.base, (unsigned) st.heard, (unsigned) st.nodes);
    sh_store_abort (&txn);
}

//  Quota records for the keys of a store from before quotas: counted once,
//  at start. Not fatal: the records are made as the keys push.
static void
s_quota_fill (sh_store_t *store)
{
    sh_store_txn_t *txn;
    uint64_t made = 0;
    sh_err qr = sh_store_begin (store, true, &txn);
    if (qr == SH_OK)
        qr = sh_quota_fill (txn, sh_sys_wall_ms (), &made);
    if (qr == SH_OK && made > 0)
        qr = sh_store_commit (&txn);
    sh_store_abort (&txn);
    if (qr)
        hub_log ("warn", _("cannot count the nodes' quota usage: %s"), sh_strerror (qr));
}

int
hub_serve (const hub_config_t *config, sh_store_t *store, const sh_hubid_t *hubid)
{
    s_hub_t hub = { .config = config, .store = store, .hubid = hubid };
    int ret = 1;
    sh_err rc = sh_link_server_new (&hub.link, hubid->key, s_admit, &hub);
    if (rc) {
        if (rc == SH_ECRYPTO)
            hub_log ("error", _("the hub key cannot be converted to a CURVE key"));
        else
            hub_log ("error", _("cannot bind the ZAP handler: %s"), sh_link_strerror (rc));
        return 1;
    }
    s_quota_fill (store);
    //  a crash between a commit and its checkpoint leaves the head unsigned: sign it now
    if (sh_hublog_checkpoint (store, hubid, NULL, NULL) != SH_OK) {
        hub_log ("error", _("cannot sign the current tree head"));
        goto out;
    }
    sh_link_fail_send_after (hub.link, config->fail_send);
    hub.handler = hub_handler_new (config, store, hubid, s_reply, &hub);
    if (!hub.handler)
        goto out;
    hub_handler_set_peek (hub.handler, s_peek, &hub);
    rc = sh_link_bind (hub.link, config->bind);
    if (rc) {
        hub_log ("error", _("cannot bind %s: %s"), config->bind, sh_link_strerror (rc));
        goto out;
    }
    const char *endpoint = sh_link_endpoint (hub.link);
    hub_log ("info", _("listening on %s (%d verifying threads)"), endpoint, config->threads);
    s_say_recovery (store);
    s_retain (&hub);
    if (config->ready_file && s_write_ready (config->ready_file, endpoint) != 0) {
        hub_log ("error", _("cannot write %s: %s"), config->ready_file, strerror (errno));
        goto out;
    }
    if (sh_link_serve (hub.link, s_on_message, S_TIMER_MS, s_on_tick, &hub) != SH_OK)
        goto out;
    hub_log ("info", _("stopping"));
    ret = 0;
out:
    sh_link_destroy (&hub.link);
    hub_handler_destroy (&hub.handler);
    return ret;
}
