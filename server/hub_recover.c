/*  hub_recover -- `shouhe-hub backup` and `shouhe-hub recover` (hub.h):
    a hot copy that knows it is one, and the operator's end of a recovery
    (sh_recovery, docs/operations.md).
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hub.h"
#include "hub_retain.h"
#include "sh_compact.h"
#include "sh_exit.h"
#include "sh_i18n.h"
#include "sh_key.h"
#include "sh_merkle.h"
#include "sh_recovery.h"
#include "sh_sys.h"

//  DEST is created, or an existing directory is taken (sh_store_copy then
//  refuses one that holds a store already).
static int
s_dest (const char *dest)
{
    struct stat st;
    if (mkdir (dest, 0700) == 0 || (errno == EEXIST && stat (dest, &st) == 0 && S_ISDIR (st.st_mode)))
        return SH_EXIT_OK;
    int e = errno;
    fprintf (stderr, _("shouhe-hub: cannot create the directory %s: %s\n"), dest,
             e == EEXIST ? _("a file of that name exists") : strerror (e));
    return sh_exit_errno (e);
}

//  Mark the copy in dest as a backup: a hub started from it is in recovery.
static sh_err
s_mark (const char *dest, uint64_t *size)
{
    sh_store_t *copy;
    sh_err rc = sh_store_open (&copy, dest, false, 0);
    if (rc)
        return rc;
    sh_store_txn_t *txn;
    rc = sh_store_begin (copy, true, &txn);
    if (rc == SH_OK)
        rc = sh_recovery_mark (txn);
    if (rc == SH_OK)
        rc = sh_store_meta_put_u64 (txn, "backup.ms", sh_sys_wall_ms ());
    if (rc == SH_OK)
        rc = sh_merkle_size (txn, size);
    if (rc == SH_OK)
        rc = sh_store_commit (&txn);
    sh_store_abort (&txn);
    sh_store_close (&copy);
    return rc;
}

//  The housekeeper's key (hub_retain) of the hub in dir, when it has one,
//  saved into dest too.
static sh_err
s_copy_housekeeper (const char *dir, const char *dest)
{
    char from[4096], to[4096];
    snprintf (from, sizeof from, "%s/%s", dir, HUB_RETAIN_KEY_FILE);
    snprintf (to, sizeof to, "%s/%s", dest, HUB_RETAIN_KEY_FILE);
    sh_key_t *k = NULL;
    sh_err rc = sh_key_load (&k, from);
    if (rc == SH_ENOTFOUND)
        return SH_OK;
    if (rc == SH_OK)
        rc = sh_key_save (k, to);
    sh_key_destroy (&k);
    return rc;
}

int
hub_backup (sh_store_t *store, const sh_key_t *key, const char *dest)
{
    int ex = s_dest (dest);
    if (ex)
        return ex;
    char kp[4096];
    snprintf (kp, sizeof kp, "%s/%s", dest, HUB_KEY_FILE);
    uint64_t size = 0;
    sh_err rc = sh_store_copy (store, dest);
    const char *what = N_("shouhe-hub: cannot copy the store into %s: %s\n");
    if (rc == SH_OK) {
        what = N_("shouhe-hub: cannot write the key into %s: %s\n");
        rc = sh_key_save (key, kp);
    }
    if (rc == SH_OK) {
        what = N_("shouhe-hub: cannot copy the housekeeper's key into %s: %s\n");
        rc = s_copy_housekeeper (sh_store_dir (store), dest);
    }
    if (rc == SH_OK) {
        what = N_("shouhe-hub: cannot mark the copy as a backup into %s: %s\n");
        rc = s_mark (dest, &size);
    }
    if (rc == SH_EEXIST) {
        fprintf (stderr, _("shouhe-hub: %s exists and is not an empty directory; a backup goes into a new one\n"),
                 dest);
        return SH_EXIT_REFUSED;
    }
    if (rc) {
        fprintf (stderr, _(what), dest, sh_strerror (rc));
        return sh_exit_store (rc);
    }
    printf (_("backup of %s written to %s: %llu log entries, with the hub key (keep it as safe as "
              "the hub's own directory); a hub started from it recovers from its nodes whatever came after "
              "(docs/operations.md)\n"), sh_store_dir (store), dest, (unsigned long long) size);
    return SH_EXIT_OK;
}

static void
s_print (const sh_recovery_status_t *st)
{
    printf (_("recovery: the backup held %llu log entries, the log holds %llu now; the largest "
              "checkpoint a node has shown is of %llu; %u of %u nodes have offered "
              "what they hold\n"), (unsigned long long) st->base, (unsigned long long) st->size,
            (unsigned long long) st->target, (unsigned) st->heard, (unsigned) st->nodes);
    if (st->missing)
        printf (_("recovery: %llu leaves below %llu are held by no node heard from so far "
                  "(the first: %llu..%llu)\n"), (unsigned long long) st->missing, (unsigned long long) st->target,
                (unsigned long long) st->missing_from, (unsigned long long) (st->missing_to - 1));
    if (st->problem[0])
        printf (_("recovery: %s\n"), st->problem);
}

int
hub_recover (sh_store_t *store, const sh_hubid_t *hub, bool abandon)
{
    sh_store_txn_t *txn;
    sh_recovery_status_t st;
    sh_err rc = sh_store_begin (store, true, &txn);
    if (rc == SH_OK)
        rc = sh_recovery_status (txn, &st);
    if (rc == SH_OK && !st.active) {
        sh_store_abort (&txn);
        printf (_("%s is not recovering: nothing to do\n"), sh_store_dir (store));
        return SH_EXIT_OK;
    }
    if (rc == SH_OK)
        s_print (&st);
    char *note = NULL;
    int ex = SH_EXIT_OK;
    if (rc == SH_OK && st.target > st.size && !abandon) {
        fprintf (stderr, _("shouhe-hub: not finished: leaves %llu..%llu are missing; let the "
                           "nodes that have not synced since the restore sync, or give the leaves up with "
                           "shouhe-hub recover --dir %s --abandon-tail\n"), (unsigned long long) st.size,
                 (unsigned long long) (st.target - 1), sh_store_dir (store));
        ex = SH_EXIT_REFUSED;
    }
    else
    if (rc == SH_OK && st.target > st.size)
        rc = sh_recovery_abandon (txn, hub, &note);
    else
    if (rc == SH_OK)
        rc = sh_recovery_finish (txn);
    if (rc == SH_OK && ex == SH_EXIT_OK)
        rc = sh_store_commit (&txn);
    sh_store_abort (&txn);
    if (rc) {
        fprintf (stderr, _("shouhe-hub: cannot finish the recovery: %s\n"), sh_strerror (rc));
        free (note);
        return sh_exit_store (rc);
    }
    if (ex)
        return ex;
    if (note)
        printf (_("recovered with a new epoch: leaves %llu..%llu are given up and handed out "
                  "anew; nodes resend their own changes that were there, and shouhe-audit verify reports the "
                  "epoch. Its signed note:\n%s"), (unsigned long long) st.size, (unsigned long long) (st.target - 1),
                note);
    else
        printf (_("recovered: the log holds %llu entries, nothing is missing\n"), (unsigned long long) st.size);
    free (note);
    return SH_EXIT_OK;
}

int
hub_compact (const char *dir)
{
    sh_compact_stats_t st;
    sh_err rc = sh_compact (dir, 0, &st);
    if (rc == SH_EEXIST) {
        fprintf (stderr, _("shouhe-hub: the store in %s is open in another process; stop it first\n"), dir);
        return SH_EXIT_REFUSED;
    }
    if (rc) {
        fprintf (stderr, _("shouhe-hub: cannot compact %s: %s (the store is as it was)\n"), dir, sh_strerror (rc));
        return sh_exit_store (rc);
    }
    printf (_("compacted %s: %llu entries rewritten, data.mdb %llu KiB -> %llu KiB; what was deleted or erased "
              "is gone from its files\n"), dir, (unsigned long long) st.entries,
            (unsigned long long) st.bytes_before / 1024, (unsigned long long) st.bytes_after / 1024);
    return SH_EXIT_OK;
}
