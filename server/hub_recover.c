/*  hub_recover -- `shouhe-hub backup` and `shouhe-hub recover` (hub.h):
    a hot copy that knows it is one, and the operator's end of a recovery
    (sh_recovery, docs/operations.md).
*/
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hub.h"
#include "sh_exit.h"
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
    fprintf (stderr, "shouhe-hub: cannot create the directory %s: %s\n", dest,
             e == EEXIST ? "a file of that name exists" : strerror (e));
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
    const char *what = "copy the store";
    if (rc == SH_OK) {
        what = "write the key";
        rc = sh_key_save (key, kp);
    }
    if (rc == SH_OK) {
        what = "mark the copy as a backup";
        rc = s_mark (dest, &size);
    }
    if (rc == SH_EEXIST) {
        fprintf (stderr, "shouhe-hub: %s exists and is not an empty directory; a backup goes into a new one\n",
                 dest);
        return SH_EXIT_REFUSED;
    }
    if (rc) {
        fprintf (stderr, "shouhe-hub: cannot %s into %s: %s\n", what, dest, sh_strerror (rc));
        return sh_exit_store (rc);
    }
    printf ("backup of %s written to %s: %" PRIu64 " log entries, with the hub key (keep it as safe as "
            "the hub's own directory); a hub started from it recovers from its nodes whatever came after "
            "(docs/operations.md)\n", sh_store_dir (store), dest, size);
    return SH_EXIT_OK;
}

static void
s_print (const sh_recovery_status_t *st)
{
    printf ("recovery: the backup held %" PRIu64 " log entries, the log holds %" PRIu64 " now; the largest "
            "checkpoint a node has shown is of %" PRIu64 "; %" PRIu32 " of %" PRIu32 " nodes have offered "
            "what they hold\n", st->base, st->size, st->target, st->heard, st->nodes);
    if (st->missing)
        printf ("recovery: %" PRIu64 " leaves below %" PRIu64 " are held by no node heard from so far "
                "(the first: %" PRIu64 "..%" PRIu64 ")\n", st->missing, st->target, st->missing_from,
                st->missing_to - 1);
    if (st->problem[0])
        printf ("recovery: %s\n", st->problem);
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
        printf ("%s is not recovering: nothing to do\n", sh_store_dir (store));
        return SH_EXIT_OK;
    }
    if (rc == SH_OK)
        s_print (&st);
    char *note = NULL;
    int ex = SH_EXIT_OK;
    if (rc == SH_OK && st.target > st.size && !abandon) {
        fprintf (stderr, "shouhe-hub: not finished: leaves %" PRIu64 "..%" PRIu64 " are missing; let the "
                 "nodes that have not synced since the restore sync, or give the leaves up with "
                 "shouhe-hub recover --dir %s --abandon-tail\n", st.size, st.target - 1, sh_store_dir (store));
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
        fprintf (stderr, "shouhe-hub: cannot finish the recovery: %s\n", sh_strerror (rc));
        free (note);
        return sh_exit_store (rc);
    }
    if (ex)
        return ex;
    if (note)
        printf ("recovered with a new epoch: leaves %" PRIu64 "..%" PRIu64 " are given up and handed out "
                "anew; nodes resend their own changes that were there, and shouhe-audit verify reports the "
                "epoch. Its signed note:\n%s", st.size, st.target - 1, note);
    else
        printf ("recovered: the log holds %" PRIu64 " entries, nothing is missing\n", st.size);
    free (note);
    return SH_EXIT_OK;
}
