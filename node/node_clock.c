/*  node_clock -- `shouhe-node clock` and `shouhe-node clock correct`: this
    node's clock against the hub's last known time, and the clock
    correction that lets a node whose earlier changes carry a future time
    write again (docs/protocol.md 5.2, 5.3); and the test-only fault point
    SHOUHE_FAULT_CLOCK_MS (13.16).
*/
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "node_cli.h"
#include "sh_clock.h"
#include "sh_i18n.h"
#include "sh_replica.h"

//  unix ms as "2026-12-06T02:22:59.123Z"
static void
s_iso (char out[32], uint64_t ms)
{
    time_t t = (time_t) (ms / 1000);
    struct tm tm;
    if (!gmtime_r (&t, &tm) || strftime (out, 32, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
        snprintf (out, 32, "%" PRIu64, ms);
        return;
    }
    snprintf (out + strlen (out), 32 - strlen (out), ".%03uZ", (unsigned) (ms % 1000));
}

static const char *
s_verdict_name (sh_clock_verdict_t v)
{
    switch (v) {
        case SH_CLOCK_OK:      return "ok";
        case SH_CLOCK_AHEAD:   return "ahead";
        case SH_CLOCK_BEHIND:  return "behind";
        case SH_CLOCK_CARRIED: return "correct";
    }
    return "?";
}

static void
s_print_json (const sh_clock_state_t *st, const char *why)
{
    json_t *j = json_object ();
    json_object_set_new (j, "now_ms", json_integer ((json_int_t) st->now_ms));
    json_object_set_new (j, "hlc_last", json_integer ((json_int_t) (st->last >> 16)));
    char raw[24];
    snprintf (raw, sizeof raw, "%" PRIu64, st->last);
    json_object_set_new (j, "hlc_last_raw", json_string (raw));
    json_object_set_new (j, "hub_ms", st->measured ? json_integer ((json_int_t) st->hub_ms) : json_null ());
    json_object_set_new (j, "measured_ms", st->measured ? json_integer ((json_int_t) st->local_ms) : json_null ());
    json_object_set_new (j, "gap_ms", st->measured ? json_integer (st->gap_ms) : json_null ());
    json_object_set_new (j, "bound_ms", json_integer ((json_int_t) SH_CLOCK_BOUND_MS));
    json_object_set_new (j, "writes_allowed", json_boolean (st->verdict == SH_CLOCK_OK));
    json_object_set_new (j, "verdict", json_string (s_verdict_name (st->verdict)));
    json_object_set_new (j, "reason", why[0] ? json_string (why) : json_null ());
    node_print_json (j);
    json_decref (j);
}

static void
s_print_text (const sh_clock_state_t *st, const char *why)
{
    char a[32], words[32];
    s_iso (a, st->now_ms);
    printf (_("wall clock:      %s\n"), a);
    s_iso (a, st->last >> 16);
    printf (st->last ? _("clock's last:    %s\n") : _("clock's last:    %s (never written or received)\n"), a);
    if (st->measured) {
        s_iso (a, st->hub_ms);
        printf (_("hub's time:      %s (at the last sync)\n"), a);
        s_iso (a, st->local_ms);
        printf (_("measured at:     %s (this node's clock)\n"), a);
        uint64_t abs_gap = st->gap_ms < 0 ? (uint64_t) -st->gap_ms : (uint64_t) st->gap_ms;
        sh_clock_words (abs_gap, words, sizeof words);
        printf (st->gap_ms >= 0 ? _("gap:             %+" PRId64 " ms (%s ahead of the hub's)\n")
                                : _("gap:             %+" PRId64 " ms (%s behind the hub's)\n"), st->gap_ms, words);
    }
    else
        printf (_("hub's time:      unknown (never synced)\n"));
    printf (st->verdict == SH_CLOCK_OK ? _("writes:          allowed\n") : _("writes:          refused\n"));
    if (why[0])
        printf (_("why:             %s\n"), why);
}

//  Open the replica and a transaction (write or read) and read its clock
//  state; on failure say why, close what was opened and return the exit code.
static int
s_begin (const node_args_t *a, bool write, sh_replica_t **r, sh_store_txn_t **txn, sh_clock_state_t *st)
{
    int ex = node_open (a, r);
    if (ex)
        return ex;
    sh_err rc = sh_store_begin (sh_replica_store (*r), write, txn);
    if (rc == SH_OK)
        rc = sh_replica_clock_state (*r, *txn, st);
    if (rc == SH_OK)
        return SH_EXIT_OK;
    sh_store_abort (txn);
    sh_replica_close (r);
    fprintf (stderr, _("shouhe-node: cannot read the clock: %s\n"), sh_strerror (rc));
    return SH_EXIT_STORE;
}

int
node_clock_show (node_args_t *a)
{
    sh_replica_t *r;
    sh_store_txn_t *txn;
    sh_clock_state_t st;
    int ex = s_begin (a, false, &r, &txn, &st);
    if (ex)
        return ex;
    sh_store_abort (&txn);
    sh_replica_close (&r);
    char why[512];
    sh_clock_explain (&st, why, sizeof why);
    if (a->json)
        s_print_json (&st, why);
    else
        s_print_text (&st, why);
    return SH_EXIT_OK;
}

int
node_clock_correct (node_args_t *a)
{
    sh_replica_t *r;
    sh_store_txn_t *txn;
    sh_clock_state_t st;
    uint64_t seq = 0;
    int ex = s_begin (a, true, &r, &txn, &st);
    if (ex)
        return ex;
    sh_err rc = SH_OK;
    if (st.verdict == SH_CLOCK_BEHIND)
        rc = SH_ECLOCK;      //  the wall clock is known to be wrong: correcting would keep it wrong
    if (rc == SH_OK)
        rc = sh_replica_clock_correct (r, txn, &seq);
    if (rc == SH_OK)
        rc = sh_store_commit (&txn);
    sh_store_abort (&txn);
    sh_replica_close (&r);
    char words[32];
    switch (rc) {
        case SH_OK:
            sh_clock_words ((st.last >> 16) - st.now_ms, words, sizeof words);
            printf (_("clock correction written as change %" PRIu64 ": this node's earlier times (up to %s "
                    "ahead) are capped; sync to send it\n"), seq, words);
            return SH_EXIT_OK;
        case SH_ENOTFOUND:
            fprintf (stderr, _("shouhe-node: nothing to correct: this node's clock's last time is not more "
                     "than 10 minutes ahead of its wall clock\n"));
            return SH_EXIT_REFUSED;
        case SH_ECLOCK: {
            char why[512];
            sh_clock_explain (&st, why, sizeof why);
            fprintf (stderr, _("shouhe-node: not corrected: %s\n"), why);
            return SH_EXIT_REFUSED;
        }
        default:
            fprintf (stderr, rc == SH_ESTOREFULL ? _("shouhe-node: this node's disk is full (%s): free space, "
                                                      "nothing was lost\n")
                     : _("shouhe-node: cannot write the clock correction: %s\n"), sh_strerror (rc));
            return sh_exit_store (rc);
    }
}
