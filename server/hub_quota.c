/*  hub_quota -- `shouhe-hub quota`, the --quota-* values of enroll and the
    text table of `nodes` with its quota columns (hub.h): the operator's
    end of the per-node quotas (sh_quota, docs/protocol.md 13.20,
    docs/operations.md).
*/
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hub.h"
#include "sh_crypto.h"
#include "sh_exit.h"
#include "sh_i18n.h"
#include "sh_quota.h"
#include "sh_registry.h"
#include "sh_sys.h"
#include "sh_text.h"

bool
hub_quota_arg (const char *option, const char *value, bool bytes, uint64_t *out)
{
    if (sh_quota_parse (value, bytes, out) == SH_OK)
        return true;
    if (bytes)
        fprintf (stderr, _("shouhe-hub: --%s takes a number of bytes, optionally with K, M, G or T (64M = 64 MiB) "
                           "(0: no limit), not '%s'\n"), option, value);
    else
        fprintf (stderr, _("shouhe-hub: --%s takes a whole number of changes (0: no limit), not '%s'\n"), option,
                 value);
    return false;
}

//  The quota of key as JSON members of obj (nodes --json, quota --json).
static void
s_json (json_t *obj, const sh_quota_t *q)
{
    json_object_set_new (obj, "quota_changes_per_day", json_integer ((json_int_t) q->limits.changes_per_day));
    json_object_set_new (obj, "quota_bytes", json_integer ((json_int_t) q->limits.bytes));
    json_object_set_new (obj, "changes_today", json_integer ((json_int_t) q->changes_today));
    json_object_set_new (obj, "bytes_held", json_integer ((json_int_t) q->bytes_held));
}

sh_err
hub_quota_json (sh_store_txn_t *txn, const uint8_t key[SH_PUBKEY_BYTES], json_t *obj)
{
    sh_quota_t q;
    sh_err rc = sh_quota_get (txn, key, sh_sys_wall_ms (), &q);
    if (rc == SH_OK)
        s_json (obj, &q);
    return rc;
}

//  The table's quota cells of node: "today/limit" and "held/limit" in MiB
//  ("-": no limit).
static void
s_quota_cell (const json_t *node, char *today, size_t today_len, char *held, size_t held_len)
{
    uint64_t cl = (uint64_t) json_integer_value (json_object_get (node, "quota_changes_per_day"));
    uint64_t bl = (uint64_t) json_integer_value (json_object_get (node, "quota_bytes"));
    uint64_t ct = (uint64_t) json_integer_value (json_object_get (node, "changes_today"));
    uint64_t bh = (uint64_t) json_integer_value (json_object_get (node, "bytes_held"));
    char l[32];
    snprintf (l, sizeof l, "%" PRIu64, cl);
    snprintf (today, today_len, "%" PRIu64 "/%s", ct, cl ? l : "-");
    snprintf (l, sizeof l, "%.1fM", (double) bl / (1 << 20));
    snprintf (held, held_len, "%.1fM/%s", (double) bh / (1 << 20), bl ? l : "-");
}

//  Write text as a cell of the nodes table: padded with spaces to width
//  columns, on the left (right: on the right), then one space. A wide
//  character (CJK) takes two columns (sh_text_columns).
static void
s_cell (const char *text, int width, bool right)
{
    sh_text_pad (stdout, text, width, right);
    putchar (' ');
}

void
hub_nodes_text (const json_t *nodes)
{
    //  TRANSLATORS: the column headers of `shouhe-hub nodes`
    s_cell (_("KEY"), 16, false);
    s_cell (_("SCOPE"), 12, false);
    s_cell (_("ROLE"), 7, false);
    s_cell (_("STATE"), 8, false);
    s_cell (_("HEAD"), 9, true);
    s_cell (_("LAST SEEN"), 20, false);
    s_cell (_("TODAY/QUOTA"), 13, false);
    s_cell (_("HELD/QUOTA"), 15, false);
    printf ("%s\n", _("NAME"));
    size_t i;
    json_t *e;
    json_array_foreach (nodes, i, e) {
        char seen[32];
        snprintf (seen, sizeof seen, "%s", _("never"));
        time_t t = (time_t) (json_integer_value (json_object_get (e, "last_seen_ms")) / 1000);
        if (t) {
            struct tm tm;
            gmtime_r (&t, &tm);
            strftime (seen, sizeof seen, "%Y-%m-%d %H:%M:%SZ", &tm);
        }
        //  TRANSLATORS: a key's state in `shouhe-hub nodes`
        const char *state = json_is_true (json_object_get (e, "revoked")) ? _("revoked")
                          : json_is_true (json_object_get (e, "blocked")) ? _("BLOCKED") : _("active");
        const char *role = json_string_value (json_object_get (e, "role"));
        char today[48], held[48];
        s_quota_cell (e, today, sizeof today, held, sizeof held);
        printf ("%-16.16s %-12s ", json_string_value (json_object_get (e, "key")),
                json_string_value (json_object_get (e, "scope")));
        //  TRANSLATORS: a key's role in `shouhe-hub nodes`
        s_cell (!strcmp (role, "auditor") ? _("auditor") : !strcmp (role, "witness") ? _("witness")
                : !strcmp (role, "mirror") ? _("mirror") : _("node"), 7, false);
        s_cell (state, 8, false);
        printf ("%9lld ", (long long) json_integer_value (json_object_get (e, "head_seq")));
        s_cell (seen, 20, false);
        printf ("%-13s %-15s %s\n", today, held, json_string_value (json_object_get (e, "name")));
    }
}

int
hub_quota (sh_store_t *store, const uint8_t key[SH_PUBKEY_BYTES], const char *key_hex,
           const uint64_t *changes, const uint64_t *bytes)
{
    uint64_t now = sh_sys_wall_ms ();
    sh_store_txn_t *txn;
    sh_registry_entry_t e;
    sh_quota_t q;
    bool set = changes || bytes;
    sh_err rc = sh_store_begin (store, set, &txn);
    if (rc == SH_OK)
        rc = sh_registry_get (txn, key, &e);
    if (rc == SH_OK)
        rc = sh_quota_get (txn, key, now, &q);
    if (rc == SH_OK && set) {
        if (changes)
            q.limits.changes_per_day = *changes;
        if (bytes)
            q.limits.bytes = *bytes;
        rc = sh_quota_set_limits (txn, key, &q.limits, now);
        if (rc == SH_OK)
            rc = sh_store_commit (&txn);
    }
    sh_store_abort (&txn);
    if (rc == SH_ENOTFOUND) {
        fprintf (stderr, _("shouhe-hub: key %s is not enrolled\n"), key_hex);
        return SH_EXIT_REFUSED;
    }
    if (rc) {
        fprintf (stderr, set ? _("shouhe-hub: cannot change the quota: %s\n")
                             : _("shouhe-hub: cannot read the quota: %s\n"), sh_strerror (rc));
        return sh_exit_store (rc);
    }
    char cl[48], bl[48], held[48], when[32];
    sh_quota_format (cl, sizeof cl, q.limits.changes_per_day, false);
    sh_quota_format (bl, sizeof bl, q.limits.bytes, true);
    sh_quota_format (held, sizeof held, q.bytes_held, true);
    time_t reset = (time_t) ((now / SH_QUOTA_DAY_MS + 1) * (SH_QUOTA_DAY_MS / 1000));
    struct tm tm;
    gmtime_r (&reset, &tm);
    strftime (when, sizeof when, "%Y-%m-%d %H:%M", &tm);
    printf (set ? _("key %s (%s): quota changed\n") : _("key %s (%s)\n"), key_hex, e.scope);
    printf (_("changes per UTC day: %s; pushed today: %llu (resets at %s UTC)\n"), cl,
            (unsigned long long) q.changes_today, when);
    printf (_("bytes held: %s; holds now: %s\n"), bl, q.bytes_held ? held : "0");
    return SH_EXIT_OK;
}
