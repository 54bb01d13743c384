/*  sh_compact -- rewrite a store entry by entry. */
#include "sh_compact.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sh_store.h"

#define S_TMP "compact.tmp"
#define S_TXN_ENTRIES 50000         //  entries per write transaction of the rewrite

static char *
s_path (const char *dir, const char *name)
{
    size_t n = strlen (dir) + strlen (name) + 2;
    char *p = malloc (n);
    if (p)
        snprintf (p, n, "%s/%s", dir, name);
    return p;
}

static uint64_t
s_size (const char *dir)
{
    char *p = s_path (dir, "data.mdb");
    struct stat st;
    uint64_t n = p && stat (p, &st) == 0 ? (uint64_t) st.st_size : 0;
    free (p);
    return n;
}

//  Make a rename in dir durable.
static sh_err
s_fsync_dir (const char *dir)
{
    int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return sh_err_errno ();
    sh_err rc = fsync (fd) == 0 ? SH_OK : sh_err_errno ();
    close (fd);
    return rc;
}

//  Remove dir/compact.tmp and what a failed rewrite left in it.
static void
s_clean (const char *tmp)
{
    char *a = s_path (tmp, "data.mdb"), *b = s_path (tmp, "lock.mdb");
    if (a)
        unlink (a);
    if (b)
        unlink (b);
    rmdir (tmp);
    free (a);
    free (b);
}

//  Copy every entry of db from one store to the other, committing every
//  S_TXN_ENTRIES entries.
static sh_err
s_copy_db (sh_store_t *from, sh_store_t *to, sh_store_db_t db, uint64_t *entries)
{
    sh_store_txn_t *r = NULL, *w = NULL;
    sh_store_cursor_t *cur = NULL;
    sh_err rc = sh_store_begin (from, false, &r);
    if (rc == SH_OK)
        rc = sh_store_cursor_open (r, db, NULL, 0, &cur);
    if (rc == SH_OK)
        rc = sh_store_begin (to, true, &w);
    uint64_t in_txn = 0;
    const uint8_t *k, *v;
    size_t kl, vl;
    while (rc == SH_OK && (rc = sh_store_cursor_next (cur, &k, &kl, &v, &vl)) == SH_OK) {
        rc = sh_store_put (w, db, k, kl, v, vl);
        (*entries)++;
        if (rc == SH_OK && ++in_txn == S_TXN_ENTRIES) {
            in_txn = 0;
            if ((rc = sh_store_commit (&w)) == SH_OK)
                rc = sh_store_begin (to, true, &w);
        }
    }
    if (rc == SH_ENOTFOUND)
        rc = SH_OK;
    sh_store_cursor_close (&cur);
    sh_store_abort (&r);
    if (rc == SH_OK && w)
        rc = sh_store_commit (&w);
    sh_store_abort (&w);
    return rc;
}

sh_err
sh_compact (const char *dir, size_t map_bytes, sh_compact_stats_t *st)
{
    sh_compact_stats_t s = { 0, s_size (dir), 0 };
    sh_err rc = sh_store_alone (dir);
    if (rc)
        return rc;
    if (!map_bytes)             //  address space only: room for any store this machine holds
        map_bytes = SH_STORE_HUB_MAP_BYTES;
    char *tmp = s_path (dir, S_TMP), *tmp_data = tmp ? s_path (tmp, "data.mdb") : NULL;
    char *data = s_path (dir, "data.mdb"), *lock_path = s_path (dir, "lock.mdb");
    sh_store_t *from = NULL, *to = NULL;
    if (!tmp || !tmp_data || !data || !lock_path)
        rc = SH_ENOMEM;
    if (rc == SH_OK)
        rc = sh_store_open (&from, dir, false, map_bytes);
    if (rc == SH_OK) {
        s_clean (tmp);                  //  what an interrupted rewrite left
        if (mkdir (tmp, 0700) != 0)
            rc = sh_err_errno ();
    }
    if (rc == SH_OK)
        rc = sh_store_open (&to, tmp, true, map_bytes);
    for (int db = 0; rc == SH_OK && db < SH_DB_COUNT; db++)
        rc = s_copy_db (from, to, (sh_store_db_t) db, &s.entries);
    sh_store_close (&from);
    sh_store_close (&to);
    if (rc == SH_OK && unlink (lock_path) != 0 && errno != ENOENT)
        rc = sh_err_errno ();
    if (rc == SH_OK && rename (tmp_data, data) != 0)
        rc = sh_err_errno ();
    if (rc == SH_OK)
        rc = s_fsync_dir (dir);
    s_clean (tmp);
    s.bytes_after = rc == SH_OK ? s_size (dir) : s.bytes_before;
    if (st)
        *st = s;
    free (tmp);
    free (tmp_data);
    free (data);
    free (lock_path);
    return rc;
}
