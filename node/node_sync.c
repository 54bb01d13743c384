/*  node_sync -- `shouhe-node sync`: the link loop around the node's sync
    session (node_session.h; docs/protocol.md, "Wire protocol" and "A
    session").

    One DEALER socket with CURVE (the node's transport key is derived from
    its Ed25519 key, the hub's from --hub-key) talks to the hub's ROUTER
    (sh_link). ZeroMQ reconnects by itself (exponential back-off); a lost
    connection ends the session, and the next successful handshake starts
    a new one. A socket monitor tells a refused handshake (not enrolled /
    revoked) from an unreachable hub. This file moves the bytes and shows
    the figures; node_session decides what to send and what to keep.
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node_cli.h"
#include "node_session.h"
#include "node_witness.h"
#include "sh_crypto.h"
#include "sh_fault.h"
#include "sh_hubid.h"
#include "sh_i18n.h"
#include "sh_link.h"
#include "sh_log.h"
#include "sh_replica.h"
#include "sh_sys.h"
#include "sh_wire.h"

//  The command's loop state: the link and the figures on screen.
typedef struct {
    const node_args_t *args;        //  command line
    node_session_t *session;        //  the protocol's decisions
    sh_link_t *link;                //  DEALER to the hub, with its monitor
    int64_t start, last_shown;      //  when the sync began; the last progress line
    bool tty;                       //  stderr is a terminal: show progress
} s_sync_t;

//  node_session_send_fn: one message on the link. No connection:
//  ZMQ_IMMEDIATE makes the send fail rather than queue; the fault point
//  (tests) drops it as a link would.
static bool
s_send (const sh_wire_msg_t *m, size_t *len, void *arg)
{
    s_sync_t *s = arg;
    return sh_link_send (s->link, m, len) == SH_OK;
}

static void
s_progress (s_sync_t *s, bool final)
{
    if (!s->tty)
        return;
    int64_t now = sh_sys_mono_ms ();
    if (!final && now - s->last_shown < 200)
        return;
    s->last_shown = now;
    node_session_stats_t st;
    node_session_stats (s->session, &st);
    double secs = (double) (now - s->start) / 1000.0;
    double rate = secs > 0 ? (double) (st.up + st.down) / secs : 0;
    fputc ('\r', stderr);
    fprintf (stderr, _("sync: up %" PRIu64 "/%" PRIu64 "  down %" PRIu64 "  %.0f changes/s  %.1f KB out  "
             "%.1f KB in   "), st.hub_head, st.my_head, st.down, rate, (double) st.bytes_out / 1024.0,
             (double) st.bytes_in / 1024.0);
    if (final)
        fputc ('\n', stderr);
}

//  A link event for the session: a message, or a monitor event.
static int
s_dispatch (s_sync_t *s, const sh_link_event_t *ev, sh_err rc, sh_wire_msg_t *m, const char *why)
{
    int ex = SH_EXIT_OK;
    switch (ev->type) {
        case SH_LINK_MESSAGE:
            ex = node_session_on_message (s->session, ev->bytes, rc, m, why);
            if (rc == SH_OK)
                sh_wire_msg_fini (m);
            break;
        case SH_LINK_CONNECTED:
            ex = node_session_on_event (s->session, NODE_SESSION_LINK_UP, 0);
            break;
        case SH_LINK_DISCONNECTED:
            ex = node_session_on_event (s->session, NODE_SESSION_LINK_DOWN, 0);
            break;
        case SH_LINK_AUTH_FAILED:
            ex = node_session_on_event (s->session, NODE_SESSION_AUTH_FAILED, ev->status);
            break;
        case SH_LINK_HANDSHAKE_FAILED:
            ex = node_session_on_event (s->session, NODE_SESSION_HANDSHAKE_FAILED, 0);
            break;
        case SH_LINK_NOTHING:
            break;
    }
    return ex;
}

//  Wait, hand the session what came, let it work; until it is done, it
//  ends the sync, or SIGINT/SIGTERM arrives.
static int
s_run (s_sync_t *s)
{
    while (!sh_link_interrupted ()) {
        sh_link_event_t ev;
        sh_wire_msg_t m;
        const char *why = NULL;
        sh_err rc = sh_link_wait (s->link, 100, &ev, &m, &why);
        int ex = s_dispatch (s, &ev, rc, &m, why);
        if (ex == SH_EXIT_OK)
            ex = node_session_step (s->session);
        if (ex)
            return ex;
        s_progress (s, false);
        if (node_session_done (s->session))
            return SH_EXIT_OK;
    }
    //  SIGINT/SIGTERM: the normal end of --watch; otherwise the sync is unfinished
    if (s->args->watch)
        return SH_EXIT_OK;
    fprintf (stderr, _("shouhe-node: interrupted before the sync finished; the next sync resumes from here\n"));
    return SH_EXIT_INTERRUPTED;
}

//  The last line: what the sync did (text, or JSON with --json).
static void
s_summary (const s_sync_t *s)
{
    node_session_stats_t st;
    node_session_stats (s->session, &st);
    if (!s->args->json)
        printf (st.up == 1 ? _("synced: %" PRIu64 " change up (%" PRIu64 " already at the hub), %" PRIu64
                               " down; %" PRIu64 " bytes out, %" PRIu64 " in, %.2f s; hub checkpoint %" PRIu64 "\n")
                           : _("synced: %" PRIu64 " changes up (%" PRIu64 " already at the hub), %" PRIu64
                               " down; %" PRIu64 " bytes out, %" PRIu64 " in, %.2f s; hub checkpoint %" PRIu64 "\n"),
                st.up, st.duplicates, st.down, st.bytes_out, st.bytes_in,
                (double) (sh_sys_mono_ms () - s->start) / 1000.0, st.checkpoint_size);
    else
        printf ("{\"up\": %" PRIu64 ", \"duplicates\": %" PRIu64 ", \"down\": %" PRIu64
                ", \"bytes_out\": %" PRIu64 ", \"bytes_in\": %" PRIu64 ", \"ms\": %" PRId64 "}\n",
                st.up, st.duplicates, st.down, st.bytes_out, st.bytes_in, sh_sys_mono_ms () - s->start);
}

//  The result word of the sync log line for exit code ex.
static const char *
s_result (int ex)
{
    switch (ex) {
        case SH_EXIT_OK: return "ok";
        case SH_EXIT_NETWORK: return "unreachable";
        case SH_EXIT_DENIED: return "denied";
        case SH_EXIT_PROTOCOL: return "protocol";
        case SH_EXIT_RETRY: return "retry";
        case SH_EXIT_FULL: return "full";
        case SH_EXIT_INTERRUPTED: return "interrupted";
        default: return "failed";
    }
}

//  The one log line of every sync that reached the link, on stderr (the
//  journal under systemd): docs/operations.md, "The sync log lines". Not
//  translated: its format is stable, tools parse its result word and its
//  key=value words.
static void
s_log_line (const s_sync_t *s, int ex)
{
    node_session_stats_t st;
    node_session_stats (s->session, &st);
    sh_log ("shouhe-node", ex ? "warn" : "info", "sync: %s hub=%s hub-key=%.16s up=%" PRIu64 " duplicates=%"
            PRIu64 " down=%" PRIu64 " bytes-out=%" PRIu64 " bytes-in=%" PRIu64 " ms=%" PRId64 " exit=%d",
            s_result (ex), s->args->hub, s->args->hub_key, st.up, st.duplicates, st.down, st.bytes_out,
            st.bytes_in, sh_sys_mono_ms () - s->start, ex);
}

//  The node's sync link (docs/protocol.md 13.1), connecting to --hub:
//  nothing queued while disconnected, reconnection with back-off,
//  heartbeats, a monitor. Returns an exit code.
static int
s_link_open (s_sync_t *s, const sh_replica_t *r, const sh_hubid_t *hub)
{
    const sh_link_options_t opts = { .session = true, .monitor = true, .send_timeout_ms = 0 };
    sh_err rc = sh_link_client_new (&s->link, sh_replica_key (r), hub->pubkey, &opts);
    if (rc == SH_ECRYPTO) {
        fprintf (stderr, _("shouhe-node: this node's key cannot be converted to a CURVE key\n"));
        return SH_EXIT_STORE;
    }
    if (rc || sh_link_connect (s->link, s->args->hub) != SH_OK) {
        fprintf (stderr, _("shouhe-node: cannot connect to '%s' (a ZeroMQ endpoint like tcp://host:port)\n"),
                 s->args->hub);
        return SH_EXIT_USAGE;
    }
    return SH_EXIT_OK;
}

//  The deadline of a sync without --deadline (and not --watch):
//  NODE_SYNC_DEFAULT_DEADLINE_S, or SHOUHE_FAULT_DEADLINE_MS (test-only,
//  so that a test need not wait 10 minutes). -1 after saying why the
//  variable is wrong.
static int64_t
s_default_deadline_ms (void)
{
    int64_t ms;
    if (sh_fault_offset_from_env ("SHOUHE_FAULT_DEADLINE_MS", &ms) != SH_OK || ms < 0) {
        fprintf (stderr, _("shouhe-node: SHOUHE_FAULT_DEADLINE_MS must be a whole number of milliseconds "
                 ">= 0, not '%s'\n"), getenv ("SHOUHE_FAULT_DEADLINE_MS"));
        return -1;
    }
    return ms ? ms : (int64_t) NODE_SYNC_DEFAULT_DEADLINE_S * 1000;
}

int
node_sync (node_args_t *a)
{
    if (!a->hub || !a->hub_key) {
        fprintf (stderr, _("shouhe-node: sync needs --hub ENDPOINT and --hub-key HEX\n"));
        return SH_EXIT_USAGE;
    }
    sh_hubid_t hub;
    uint8_t hub_curve[SH_CURVE_BYTES];
    if (sh_hubid_init_hex (&hub, a->hub_key) != SH_OK || sh_crypto_ed_to_curve (hub_curve, hub.pubkey) != SH_OK) {
        fprintf (stderr, _("shouhe-node: --hub-key '%s' is not a hub public key (64 hex digits)\n"), a->hub_key);
        return SH_EXIT_REFUSED;
    }
    if (a->deadline < 0) {
        fprintf (stderr, _("shouhe-node: --deadline must be a number of seconds >= 0\n"));
        return SH_EXIT_USAGE;
    }
    if (a->compress && strcmp (a->compress, "on") != 0 && strcmp (a->compress, "off") != 0) {
        fprintf (stderr, _("shouhe-node: --compress must be on or off, not '%s'\n"), a->compress);
        return SH_EXIT_USAGE;
    }
    int64_t deadline_ms = a->deadline * 1000;
    if (!a->deadline_given && !a->watch && (deadline_ms = s_default_deadline_ms ()) < 0)
        return SH_EXIT_USAGE;
    s_sync_t s = { .args = a, .tty = isatty (2) };
    sh_replica_t *r;
    char why[1024];
    sh_err rc = sh_replica_open_why (&r, a->dir, why, sizeof why);
    if (rc) {
        fprintf (stderr, "shouhe-node: %s\n", why);
        return SH_EXIT_STORE;
    }
    sh_store_fail_commit_after (sh_replica_store (r), a->fault_commit);
    sh_replica_set_clock_offset (r, a->fault_clock_ms);
    sh_key_t *wkey = NULL;
    char wname[SH_NOTE_NAME_MAX + 1] = "";
    rc = node_witness_load (a->dir, sh_replica_store (r), &wkey, wname, why, sizeof why);
    if (rc && rc != SH_ENOTFOUND) {
        fprintf (stderr, "shouhe-node: %s\n", why);
        sh_replica_close (&r);
        return SH_EXIT_STORE;
    }
    const node_session_options_t so = { .watch = a->watch, .hub_endpoint = a->hub,
                                        .deadline_ms = deadline_ms, .witness_key = wkey,
                                        .witness_name = wname,
                                        .plain = a->compress && strcmp (a->compress, "off") == 0 };
    s.session = node_session_new (r, &hub, &so, s_send, &s);
    int ex = s.session ? node_session_start (s.session) : SH_EXIT_STORE;
    if (!s.session)
        fprintf (stderr, _("shouhe-node: out of memory\n"));
    if (ex == SH_EXIT_OK)
        ex = s_link_open (&s, r, &hub);
    if (ex == SH_EXIT_OK) {
        sh_link_fail_send_after (s.link, a->fault_send);
        s.start = sh_sys_mono_ms ();
        ex = s_run (&s);
        s_progress (&s, true);
        if (ex == SH_EXIT_OK)
            node_session_witness_report (s.session);
        if (ex == SH_EXIT_OK || (ex == SH_EXIT_RETRY && node_session_done (s.session)))
            s_summary (&s);     //  exit 7 after a quota refusal: what was done
        s_log_line (&s, ex);
    }
    sh_link_destroy (&s.link);
    node_session_destroy (&s.session);
    sh_key_destroy (&wkey);
    sh_replica_close (&r);
    return ex;
}
