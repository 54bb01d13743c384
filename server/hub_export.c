/*  hub_export -- `shouhe-hub export` (the public export, or one with the
    openings of sealed fields, recorded in the hub's store) and `shouhe-hub
    exports` (those records): docs/protocol.md 15.1, docs/privacy.md 7.
    Kept apart from hub_main.c so that the command line stays under 1,000
    lines.
*/
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hub.h"
#include "sh_exit.h"
#include "sh_export.h"
#include "sh_exportlog.h"
#include "sh_hublog.h"
#include "sh_i18n.h"
#include "sh_record.h"
#include "sh_sys.h"
#include "sh_text.h"

bool
hub_export_purpose_ok (const char *purpose)
{
    uint32_t cp;
    size_t len = strlen (purpose);
    if (strspn (purpose, " ") == len)
        fprintf (stderr, _("shouhe-hub: --purpose is empty: say why the personal data is exported (it is "
                           "recorded)\n"));
    else
    if (len > SH_EXPORTLOG_PURPOSE_MAX)
        fprintf (stderr, _("shouhe-hub: --purpose is %zu bytes; at most %d\n"), len, SH_EXPORTLOG_PURPOSE_MAX);
    else
    if (!sh_record_utf8_valid (purpose, len))
        fprintf (stderr, _("shouhe-hub: --purpose is not UTF-8 text\n"));
    else
    if (sh_text_find_hidden (purpose, 0, &cp))
        fprintf (stderr, _("shouhe-hub: --purpose holds the hidden character U+%04X (%s); write it on one "
                           "line, without control characters\n"), (unsigned) cp, sh_text_hidden_name (cp));
    else
        return true;
    return false;
}

//  Record the export with personal data of stats, written to tmp_path
//  (FILE.tmp, so FILE's absolute path is its real path without ".tmp"),
//  for purpose, in one write transaction. Says why when it cannot.
static sh_err
s_record (sh_store_t *store, const char *tmp_path, const char *purpose, const sh_export_stats_t *stats)
{
    sh_exportlog_entry_t *e = calloc (1, sizeof *e);
    char *real = realpath (tmp_path, NULL);
    size_t rl = real ? strlen (real) : 0;
    sh_err rc = !e ? SH_ENOMEM : !real ? sh_err_errno () : rl - 4 > SH_EXPORTLOG_PATH_MAX ? SH_EINVAL : SH_OK;
    if (rc == SH_OK) {
        e->time_ms = sh_sys_wall_ms ();
        sh_sys_user (&e->uid, e->user, sizeof e->user);
        snprintf (e->purpose, sizeof e->purpose, "%s", purpose);
        snprintf (e->path, sizeof e->path, "%.*s", (int) (rl - 4), real);     //  without ".tmp"
        e->changes = stats->changes;
        e->openings = stats->openings;
        e->tree_size = stats->tree_size;
    }
    sh_store_txn_t *txn = NULL;
    if (rc == SH_OK)
        rc = sh_store_begin (store, true, &txn);
    if (rc == SH_OK)
        rc = sh_exportlog_add (txn, e);
    if (rc == SH_OK)
        rc = sh_store_commit (&txn);
    sh_store_abort (&txn);
    if (rc)
        fprintf (stderr, _("shouhe-hub: cannot record the export in the hub's store, so it is not written: %s\n"),
                 rc == SH_EINVAL ? _("the file's path is too long") : sh_strerror (rc));
    free (real);
    free (e);
    return rc;
}

//  Create path (O_EXCL, mode 0600) for writing; NULL after saying why.
static FILE *
s_create (const char *path)
{
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    FILE *f = fd >= 0 ? fdopen (fd, "wb") : NULL;
    if (f)
        return f;
    if (fd < 0 && errno == EEXIST)
        fprintf (stderr, _("shouhe-hub: %s exists (another export running, or left over: remove it)\n"), path);
    else
        fprintf (stderr, _("shouhe-hub: cannot create %s: %s\n"), path, strerror (errno));
    if (fd >= 0) {
        close (fd);
        unlink (path);
    }
    return NULL;
}

int
hub_export (sh_store_t *store, const sh_key_t *key, const char *file, const char *purpose)
{
    sh_hubid_t hub;
    sh_hubid_init_key (&hub, key);
    //  sign the newest tree head first, so that the export ends with a
    //  checkpoint over all of it (unless serve appends meanwhile)
    sh_err rc = sh_hublog_checkpoint (store, &hub, NULL, NULL);
    if (rc) {
        fprintf (stderr, _("shouhe-hub: cannot sign the latest checkpoint: %s\n"), sh_strerror (rc));
        return sh_exit_store (rc);
    }
    size_t tl = strlen (file) + sizeof ".tmp";
    char *tmp_path = malloc (tl);
    if (!tmp_path) {
        fprintf (stderr, _("shouhe-hub: out of memory\n"));
        return SH_EXIT_REFUSED;
    }
    snprintf (tmp_path, tl, "%s.tmp", file);
    FILE *f = s_create (tmp_path);
    if (!f) {
        free (tmp_path);
        return SH_EXIT_REFUSED;
    }
    sh_export_stats_t stats;
    rc = sh_export_write (f, store, &hub, purpose ? SH_EXPORT_PERSONAL : 0, &stats);
    if (rc == SH_OK && (fflush (f) != 0 || fsync (fileno (f)) != 0))
        rc = sh_err_errno ();
    if (fclose (f) != 0 && rc == SH_OK)
        rc = sh_err_errno ();
    int ex = SH_EXIT_OK;
    if (rc) {
        fprintf (stderr, _("shouhe-hub: cannot write the export: %s\n"), sh_strerror (rc));
        ex = sh_exit_store (rc) == SH_EXIT_FULL ? SH_EXIT_FULL : rc & SH_ESYSERR ? SH_EXIT_REFUSED : SH_EXIT_STORE;
    }
    else
    if (purpose && (rc = s_record (store, tmp_path, purpose, &stats)) != SH_OK)
        ex = rc == SH_EINVAL ? SH_EXIT_REFUSED : sh_exit_store (rc);
    else
    if (link (tmp_path, file) != 0) {
        if (errno == EEXIST)
            fprintf (stderr, _("shouhe-hub: %s exists; refusing to overwrite it\n"), file);
        else
            fprintf (stderr, _("shouhe-hub: cannot create %s: %s\n"), file, strerror (errno));
        ex = SH_EXIT_REFUSED;
    }
    unlink (tmp_path);
    free (tmp_path);
    if (ex == SH_EXIT_OK && !purpose)
        printf (_("exported %llu changes, %llu registry entries, %llu evidence records, "
                "%llu checkpoints (%llu bytes) to %s\n"),
                (unsigned long long) stats.changes, (unsigned long long) stats.registry,
                (unsigned long long) stats.evidence, (unsigned long long) stats.checkpoints,
                (unsigned long long) stats.bytes, file);
    if (ex == SH_EXIT_OK && purpose) {
        printf (_("exported %llu changes, %llu registry entries, %llu evidence records, "
                "%llu checkpoints and %llu openings of personal fields (%llu bytes) to %s\n"),
                (unsigned long long) stats.changes, (unsigned long long) stats.registry,
                (unsigned long long) stats.evidence, (unsigned long long) stats.checkpoints,
                (unsigned long long) stats.openings, (unsigned long long) stats.bytes, file);
        fprintf (stderr, _("shouhe-hub: %s holds personal data (the names, phones and notes the hub holds): "
                           "handle it as such -- keep it safe, pass it on only for the purpose recorded, and "
                           "delete it when that is done; the hub recorded this export (shouhe-hub exports)\n"),
                 file);
    }
    return ex;
}

/* --------------------------------------------------------------------------
 * shouhe-hub exports
 * -------------------------------------------------------------------------- */

//  "2026-11-25 19:57:32Z" for unix ms.
static void
s_time (char out[32], uint64_t ms)
{
    time_t t = (time_t) (ms / 1000);
    struct tm tm;
    snprintf (out, 32, "?");
    if (gmtime_r (&t, &tm))
        strftime (out, 32, "%Y-%m-%d %H:%M:%SZ", &tm);
}

//  A JSON string of s: as it is when it is UTF-8, else with the bytes that
//  are not escaped (sh_text_escape), so that the output stays JSON.
static json_t *
s_json_str (const char *s)
{
    json_t *j = json_string (s);
    if (j)
        return j;
    char *esc = sh_text_escape (s);
    j = json_string (esc ? esc : "");
    free (esc);
    return j;
}

static int
s_entry_json (const sh_exportlog_entry_t *e, void *arg)
{
    json_t *o = json_object ();
    json_object_set_new (o, "number", json_integer ((json_int_t) e->number));
    json_object_set_new (o, "time_ms", json_integer ((json_int_t) e->time_ms));
    json_object_set_new (o, "user", s_json_str (e->user));
    json_object_set_new (o, "uid", json_integer ((json_int_t) e->uid));
    json_object_set_new (o, "purpose", s_json_str (e->purpose));
    json_object_set_new (o, "file", s_json_str (e->path));
    json_object_set_new (o, "changes", json_integer ((json_int_t) e->changes));
    json_object_set_new (o, "openings", json_integer ((json_int_t) e->openings));
    json_object_set_new (o, "tree_size", json_integer ((json_int_t) e->tree_size));
    json_array_append_new (arg, o);
    return 0;
}

//  The columns s takes on a terminal once escaped (sh_text_escape).
static int
s_columns (const char *s)
{
    char *esc = sh_text_escape (s);
    int n = esc ? sh_text_columns (esc) : 0;
    free (esc);
    return n;
}

//  Write text as a cell: padded to width columns (right: on its left),
//  then two spaces.
static void
s_cell (const char *text, int width, bool right)
{
    sh_text_pad (stdout, text, width, right);
    fputs ("  ", stdout);
}

//  The text table of the records of `exports --json` (their strings
//  escaped for a terminal: sh_text_escape).
static void
s_text (const json_t *list)
{
    size_t i;
    json_t *e;
    int wu = sh_text_columns (_("USER")), wf = sh_text_columns (_("FILE"));
    json_array_foreach (list, i, e) {
        int u = s_columns (json_string_value (json_object_get (e, "user")));
        int f = s_columns (json_string_value (json_object_get (e, "file")));
        wu = u > wu ? u : wu;
        wf = f > wf ? f : wf;
    }
    //  TRANSLATORS: the column headers of `shouhe-hub exports`
    s_cell (_("TIME (UTC)"), 20, false);
    s_cell (_("USER"), wu, false);
    s_cell (_("UID"), 6, true);
    s_cell (_("CHANGES"), 8, true);
    s_cell (_("OPENINGS"), 8, true);
    s_cell (_("TREE SIZE"), 9, true);
    s_cell (_("FILE"), wf, false);
    printf ("%s\n", _("PURPOSE"));
    json_array_foreach (list, i, e) {
        char when[32], num[4][24];
        s_time (when, (uint64_t) json_integer_value (json_object_get (e, "time_ms")));
        const char *keys[4] = { "uid", "changes", "openings", "tree_size" };
        for (int k = 0; k < 4; k++)
            snprintf (num[k], sizeof num[k], "%lld", (long long) json_integer_value (json_object_get (e, keys[k])));
        char *user = sh_text_escape (json_string_value (json_object_get (e, "user")));
        char *file = sh_text_escape (json_string_value (json_object_get (e, "file")));
        char *purpose = sh_text_escape (json_string_value (json_object_get (e, "purpose")));
        s_cell (when, 20, false);
        s_cell (user ? user : "", wu, false);
        s_cell (num[0], 6, true);
        s_cell (num[1], 8, true);
        s_cell (num[2], 8, true);
        s_cell (num[3], 9, true);
        s_cell (file ? file : "", wf, false);
        printf ("%s\n", purpose ? purpose : "");
        free (user);
        free (file);
        free (purpose);
    }
}

int
hub_exports (sh_store_t *store, bool json)
{
    json_t *list = json_array ();
    sh_store_txn_t *txn;
    sh_err rc = list ? sh_store_begin (store, false, &txn) : SH_ENOMEM;
    if (rc == SH_OK) {
        rc = sh_exportlog_each (txn, s_entry_json, list);
        sh_store_abort (&txn);
    }
    if (rc) {
        fprintf (stderr, _("shouhe-hub: cannot read the record of exports: %s\n"), sh_strerror (rc));
        json_decref (list);
        return SH_EXIT_STORE;
    }
    if (json) {
        json_dumpf (list, stdout, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
        fputc ('\n', stdout);
    }
    else
    if (json_array_size (list) == 0)
        printf (_("no export with personal data has been written from this hub\n"));
    else
        s_text (list);
    json_decref (list);
    return SH_EXIT_OK;
}
