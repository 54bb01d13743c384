/*  sh_store -- the LMDB environment of one node or hub (see sh_store.h).

    The only file of libshouhe that includes lmdb.h. Every MDB_* return code
    is translated by s_err at this edge. A write transaction that meets an
    LMDB error other than "not found" remembers it (txn->failed): LMDB
    refuses every further operation on such a transaction, and commit then
    aborts and reports the original cause (SH_ESTOREFULL rather than
    MDB_BAD_TXN).

    A full disk is SH_ESTOREFULL like a full map (s_err_at): LMDB passes
    ENOSPC/EDQUOT from write(2) through, but a write that the file system
    takes only in part it reports as EIO ("short write, filesystem full?"
    in mdb_page_flush) -- so an EIO met while the store's file system has
    less than S_FULL_BYTES free is a full disk too, not an I/O error.
*/
#include "sh_store.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* --------------------------------------------------------------------------
 * Constants
 * -------------------------------------------------------------------------- */

//  Below this much free space an EIO from a write counts as a full disk.
#define S_FULL_BYTES ((unsigned long long) 1 << 20)

//  Names of the sub-databases, indexed by sh_store_db_t.
static const char *const s_db_names[SH_DB_COUNT] = {
    [SH_DB_LOG] = "log",
    [SH_DB_CHAIN] = "chain",
    [SH_DB_HEADS] = "heads",
    [SH_DB_FIELDS] = "fields",
    [SH_DB_EVENTS] = "events",
    [SH_DB_INDEX] = "index",
    [SH_DB_META] = "meta",
    [SH_DB_REGISTRY] = "registry",
    [SH_DB_EVIDENCE] = "evidence",
    [SH_DB_SCOPES] = "scopes",
    [SH_DB_TREE] = "tree",
    [SH_DB_CHECKPOINTS] = "checkpoints",
    [SH_DB_RECEIPTS] = "receipts",
    [SH_DB_LEAVES] = "leaves",
    [SH_DB_RECOVERY] = "recovery",
    [SH_DB_CLOCKS] = "clocks",
    [SH_DB_QUOTAS] = "quotas",
    [SH_DB_WITNESS] = "witness",
    [SH_DB_OPENINGS] = "openings",
    [SH_DB_EXPORTS] = "exports",
};

#define S_SPARE_DBS 4               //  room for named databases added later
#define S_FILE_MODE 0600            //  data.mdb and lock.mdb: owner only
#define S_MAX_READERS 126           //  LMDB's default reader table size
#define S_LOCK_BYTES ((S_MAX_READERS + 2) * 64 + 4096)   //  room for lock.mdb: its readers (64
                                                        //  bytes each) and header, rounded up
#define S_KEY_MAX 511               //  longest key (LMDB's default MDB_MAXKEYSIZE)

//  A zero-length value still needs a non-NULL address for LMDB's memcpy.
static const uint8_t s_empty[1];

/* --------------------------------------------------------------------------
 * Structures
 * -------------------------------------------------------------------------- */

struct sh_store_t {
    MDB_env *env;                   //  the LMDB environment
    MDB_dbi dbi[SH_DB_COUNT];       //  handles of the named databases
    size_t max_key;                 //  mdb_env_get_maxkeysize (511 by default)
    char *dir;                      //  directory of data.mdb (owned)
    unsigned fail_commit;           //  fault point countdown (0 = off)
};

struct sh_store_txn_t {
    sh_store_t *store;              //  owning store
    MDB_txn *txn;                   //  the LMDB transaction
    bool write;                     //  write transaction?
    sh_err failed;                  //  first LMDB error met by a write (sticky)
    unsigned cursors;               //  cursors still open (must be 0 at the end)
};

typedef enum {
    S_CUR_START,                    //  next positions on the first key of the prefix
    S_CUR_PENDING,                  //  next returns the current entry
    S_CUR_STEPPING,                 //  next steps with MDB_NEXT
    S_CUR_END                       //  next returns SH_ENOTFOUND
} s_cursor_state_t;

struct sh_store_cursor_t {
    sh_store_txn_t *txn;            //  owning transaction
    MDB_cursor *cursor;             //  the LMDB cursor
    s_cursor_state_t state;         //  what next does
    size_t prefix_len;              //  length of prefix
    uint8_t prefix[];               //  every key returned starts with these bytes
};

/* --------------------------------------------------------------------------
 * Static helpers
 * -------------------------------------------------------------------------- */

//  Translate an LMDB (or errno) return code.
static sh_err
s_err (int rc)
{
    switch (rc) {
        case MDB_SUCCESS:        return SH_OK;
        case MDB_NOTFOUND:       return SH_ENOTFOUND;
        case MDB_KEYEXIST:       return SH_EEXIST;
        case MDB_MAP_FULL:
        case MDB_TXN_FULL:       return SH_ESTOREFULL;
        case MDB_CORRUPTED:
        case MDB_CURSOR_FULL:
        case MDB_PAGE_FULL:
        case MDB_PAGE_NOTFOUND:
        case MDB_INVALID:
        case MDB_VERSION_MISMATCH:
        case MDB_INCOMPATIBLE:   return SH_ECORRUPT;
        case MDB_BAD_VALSIZE:
        case MDB_BAD_TXN:
        case MDB_BAD_RSLOT:
        case MDB_BAD_DBI:
        case MDB_DBS_FULL:       return SH_EINVAL;
        case MDB_READERS_FULL:
        case MDB_MAP_RESIZED:       //  another process grew the map; reopen
        case MDB_TLS_FULL:       return (sh_err) (SH_ESYSERR | EAGAIN);
        default:
            if (rc > 0)
                return (sh_err) (SH_ESYSERR | (unsigned) rc);
            return (sh_err) (SH_ESYSERR | EIO);
    }
}

//  s_err for a write into store: ENOSPC/EDQUOT, and EIO on a file system
//  with less than S_FULL_BYTES free (LMDB's short write), are a full store.
static sh_err
s_err_at (const sh_store_t *store, int rc)
{
    if (rc == ENOSPC || rc == EDQUOT)
        return SH_ESTOREFULL;
    struct statvfs fs;
    if (rc == EIO && store->dir && statvfs (store->dir, &fs) == 0
    &&  (unsigned long long) fs.f_bavail * fs.f_frsize < S_FULL_BYTES)
        return SH_ESTOREFULL;
    return s_err (rc);
}

//  Translate rc and, in a write transaction, remember the first real failure.
static sh_err
s_txn_err (sh_store_txn_t *txn, int rc)
{
    sh_err err = txn->write ? s_err_at (txn->store, rc) : s_err (rc);
    if (err != SH_OK && err != SH_ENOTFOUND && txn->write && txn->failed == SH_OK)
        txn->failed = err;
    return err;
}

static bool
s_key_ok (const sh_store_t *store, const void *key, size_t key_len)
{
    return key != NULL && key_len > 0 && key_len <= store->max_key;
}

static bool
s_has_prefix (const sh_store_cursor_t *cur, const MDB_val *key)
{
    return key->mv_size >= cur->prefix_len
        && memcmp (key->mv_data, cur->prefix, cur->prefix_len) == 0;
}

static void
s_out (const MDB_val *key, const MDB_val *val,
       const uint8_t **key_out, size_t *key_len, const uint8_t **val_out, size_t *val_len)
{
    if (key_out)
        *key_out = key->mv_data;
    if (key_len)
        *key_len = key->mv_size;
    if (val_out)
        *val_out = val->mv_size ? val->mv_data : s_empty;
    if (val_len)
        *val_len = val->mv_size;
}

/* --------------------------------------------------------------------------
 * Environment
 * -------------------------------------------------------------------------- */

//  dir/data.mdb, in a new string the caller frees (NULL: out of memory).
static char *
s_data_path (const char *dir)
{
    size_t len = strlen (dir) + sizeof "/data.mdb";
    char *path = malloc (len);
    if (path)
        snprintf (path, len, "%s/data.mdb", dir);
    return path;
}

//  LMDB sizes its lock file with ftruncate and then writes its reader
//  table through a shared memory map. On a full file system the pages of
//  that sparse file cannot be allocated, and the first write to them kills
//  the process with SIGBUS. So the lock file's blocks are allocated here
//  first (posix_fallocate; a file already that large is left as it is):
//  a full disk is then SH_ESTOREFULL, not a crash. (data.mdb is written
//  with pwrite, which reports ENOSPC.)
static sh_err
s_lock_file_room (const char *dir)
{
    size_t len = strlen (dir) + sizeof "/lock.mdb";
    char *path = malloc (len);
    if (!path)
        return SH_ENOMEM;
    snprintf (path, len, "%s/lock.mdb", dir);
    int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, S_FILE_MODE);
    free (path);
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR ? SH_ENOTFOUND : SH_OK;    //  LMDB says the rest
    int e = posix_fallocate (fd, 0, S_LOCK_BYTES);
    close (fd);
    if (e == ENOSPC || e == EDQUOT)
        return SH_ESTOREFULL;
    return SH_OK;       //  a file system without fallocate: as before
}

sh_err
sh_store_open (sh_store_t **out, const char *dir, bool create, size_t map_bytes)
{
    assert (out);
    assert (dir);
    *out = NULL;

    //  Without create, a directory that holds no data.mdb holds no store:
    //  say so rather than letting LMDB make an empty one.
    if (!create) {
        char *path = s_data_path (dir);
        if (!path)
            return SH_ENOMEM;
        struct stat st;
        int rc = stat (path, &st);
        int e = errno;
        free (path);
        if (rc != 0)
            return (e == ENOENT || e == ENOTDIR) ? SH_ENOTFOUND : (sh_err) (SH_ESYSERR | (unsigned) e);
    }

    sh_err lr = s_lock_file_room (dir);
    if (lr)
        return lr;

    sh_store_t *self = calloc (1, sizeof *self);
    if (!self)
        return SH_ENOMEM;
    self->dir = strdup (dir);
    if (!self->dir) {
        free (self);
        return SH_ENOMEM;
    }

    sh_err err = SH_OK;
    MDB_txn *txn = NULL;
    int rc = mdb_env_create (&self->env);
    if (rc) {
        self->env = NULL;
        err = s_err (rc);
        goto fail;
    }
    if ((rc = mdb_env_set_maxdbs (self->env, SH_DB_COUNT + S_SPARE_DBS))
    ||  (rc = mdb_env_set_maxreaders (self->env, S_MAX_READERS))
    ||  (rc = mdb_env_set_mapsize (self->env, map_bytes ? map_bytes : SH_STORE_DEFAULT_MAP_BYTES))
    ||  (rc = mdb_env_open (self->env, dir, MDB_NOTLS, S_FILE_MODE))) {
        err = s_err (rc);
        goto fail;
    }
    self->max_key = (size_t) mdb_env_get_maxkeysize (self->env);
    if (self->max_key > S_KEY_MAX)
        self->max_key = S_KEY_MAX;  //  our buffers (cursor_last) are sized for it

    //  Clear reader slots left by processes that died (kill -9) so they do
    //  not pin old pages for ever.
    int dead = 0;
    (void) mdb_reader_check (self->env, &dead);

    //  Open every named database once, in one transaction; the handles stay
    //  valid for the life of the environment.
    //  Databases added by a later version are created in an older store
    //  as it is opened; callers recognise a shouhe store by its META.
    if ((rc = mdb_txn_begin (self->env, NULL, 0, &txn))) {
        err = s_err (rc);
        goto fail;
    }
    for (int db = 0; db < SH_DB_COUNT; db++) {
        rc = mdb_dbi_open (txn, s_db_names[db], MDB_CREATE, &self->dbi[db]);
        if (rc) {
            err = s_err (rc);
            goto fail;
        }
    }
    rc = mdb_txn_commit (txn);
    txn = NULL;
    if (rc) {
        err = s_err (rc);
        goto fail;
    }
    *out = self;
    return SH_OK;

fail:
    if (txn)
        mdb_txn_abort (txn);
    if (self->env)
        mdb_env_close (self->env);
    free (self->dir);
    free (self);
    return err;
}

void
sh_store_close (sh_store_t **self_p)
{
    assert (self_p);
    sh_store_t *self = *self_p;
    if (self) {
        mdb_env_close (self->env);     //  also closes the dbi handles
        free (self->dir);
        free (self);
        *self_p = NULL;
    }
}

const char *
sh_store_dir (const sh_store_t *self)
{
    assert (self);
    return self->dir;
}

sh_err
sh_store_usage (sh_store_t *self, size_t *used, size_t *map)
{
    assert (self);
    MDB_envinfo info;
    MDB_stat st;
    int rc = mdb_env_info (self->env, &info);
    if (rc == 0)
        rc = mdb_env_stat (self->env, &st);
    if (rc)
        return s_err (rc);
    if (used)
        *used = (info.me_last_pgno + 1) * (size_t) st.ms_psize;
    if (map)
        *map = info.me_mapsize;
    return SH_OK;
}

sh_err
sh_store_room (sh_store_t *self, uint64_t *map_left, uint64_t *disk_free)
{
    assert (self);
    size_t used = 0, map = 0;
    sh_err rc = sh_store_usage (self, &used, &map);
    if (rc)
        return rc;
    if (map_left)
        *map_left = used < map ? (uint64_t) (map - used) : 0;
    if (disk_free) {
        struct statvfs fs;
        if (statvfs (self->dir, &fs) != 0)
            return sh_err_errno ();
        *disk_free = (uint64_t) fs.f_bavail * fs.f_frsize;
    }
    return SH_OK;
}

sh_err
sh_store_copy (sh_store_t *self, const char *dir)
{
    assert (self && dir);
    char *path = s_data_path (dir);
    if (!path)
        return SH_ENOMEM;
    struct stat st;
    sh_err rc = SH_OK;
    if (lstat (path, &st) == 0)
        rc = SH_EEXIST;
    int mrc = rc ? 0 : mdb_env_copy2 (self->env, dir, MDB_CP_COMPACT);
    if (mrc)
        rc = s_err (mrc);
    //  LMDB creates the copy with 0666 less the umask: make it the store's 0600
    if (rc == SH_OK && chmod (path, 0600) != 0)
        rc = sh_err_errno ();
    free (path);
    return rc;
}

sh_err
sh_store_alone (const char *dir)
{
    size_t n = strlen (dir) + sizeof "/lock.mdb";
    char *path = malloc (n);
    if (!path)
        return SH_ENOMEM;
    snprintf (path, n, "%s/lock.mdb", dir);
    int fd = open (path, O_RDWR | O_CLOEXEC);
    free (path);
    if (fd < 0)
        return errno == ENOENT ? SH_OK : sh_err_errno ();
    struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
    sh_err rc = SH_OK;
    if (fcntl (fd, F_SETLK, &lk) != 0)
        rc = errno == EAGAIN || errno == EACCES ? SH_EEXIST : sh_err_errno ();
    close (fd);                 //  releases the lock
    return rc;
}

void
sh_store_fail_commit_after (sh_store_t *self, unsigned n)
{
    assert (self);
    self->fail_commit = n;
}

/* --------------------------------------------------------------------------
 * Transactions
 * -------------------------------------------------------------------------- */

sh_err
sh_store_begin (sh_store_t *self, bool write, sh_store_txn_t **out)
{
    assert (self);
    assert (out);
    *out = NULL;
    sh_store_txn_t *txn = calloc (1, sizeof *txn);
    if (!txn)
        return SH_ENOMEM;
    int rc = mdb_txn_begin (self->env, NULL, write ? 0 : MDB_RDONLY, &txn->txn);
    if (rc) {
        free (txn);
        return s_err (rc);
    }
    txn->store = self;
    txn->write = write;
    *out = txn;
    return SH_OK;
}

sh_err
sh_store_commit (sh_store_txn_t **txn_p)
{
    assert (txn_p);
    sh_store_txn_t *txn = *txn_p;
    assert (txn);
    assert (txn->cursors == 0);     //  close cursors before ending the transaction
    *txn_p = NULL;

    sh_err err = txn->failed;
    if (err == SH_OK && txn->write && txn->store->fail_commit > 0
    &&  --txn->store->fail_commit == 0)
        err = SH_EFAULT;            //  as a crash just before the commit
    if (err != SH_OK) {
        mdb_txn_abort (txn->txn);
        free (txn);
        return err;
    }
    int rc = mdb_txn_commit (txn->txn);    //  frees the LMDB txn even on failure
    sh_err out = s_err_at (txn->store, rc);
    free (txn);
    return out;
}

void
sh_store_abort (sh_store_txn_t **txn_p)
{
    assert (txn_p);
    sh_store_txn_t *txn = *txn_p;
    if (txn) {
        assert (txn->cursors == 0);
        mdb_txn_abort (txn->txn);
        free (txn);
        *txn_p = NULL;
    }
}

/* --------------------------------------------------------------------------
 * Single keys
 * -------------------------------------------------------------------------- */

sh_err
sh_store_get (sh_store_txn_t *txn, sh_store_db_t db,
              const void *key, size_t key_len,
              const uint8_t **val, size_t *val_len)
{
    assert (txn);
    assert (db >= 0 && db < SH_DB_COUNT);
    if (!s_key_ok (txn->store, key, key_len))
        return SH_EINVAL;
    if (txn->failed)
        return txn->failed;
    MDB_val k = { .mv_size = key_len, .mv_data = (void *) key };
    MDB_val v = { 0 };
    int rc = mdb_get (txn->txn, txn->store->dbi[db], &k, &v);
    if (rc)
        return s_txn_err (txn, rc);
    s_out (&k, &v, NULL, NULL, val, val_len);
    return SH_OK;
}

sh_err
sh_store_put (sh_store_txn_t *txn, sh_store_db_t db,
              const void *key, size_t key_len,
              const void *val, size_t val_len)
{
    assert (txn);
    assert (db >= 0 && db < SH_DB_COUNT);
    assert (txn->write);
    assert (val || val_len == 0);
    if (!s_key_ok (txn->store, key, key_len))
        return SH_EINVAL;
    if (txn->failed)
        return txn->failed;
    MDB_val k = { .mv_size = key_len, .mv_data = (void *) key };
    MDB_val v = { .mv_size = val_len, .mv_data = val_len ? (void *) val : (void *) s_empty };
    return s_txn_err (txn, mdb_put (txn->txn, txn->store->dbi[db], &k, &v, 0));
}

sh_err
sh_store_del (sh_store_txn_t *txn, sh_store_db_t db, const void *key, size_t key_len)
{
    assert (txn);
    assert (db >= 0 && db < SH_DB_COUNT);
    assert (txn->write);
    if (!s_key_ok (txn->store, key, key_len))
        return SH_EINVAL;
    if (txn->failed)
        return txn->failed;
    MDB_val k = { .mv_size = key_len, .mv_data = (void *) key };
    return s_txn_err (txn, mdb_del (txn->txn, txn->store->dbi[db], &k, NULL));
}

sh_err
sh_store_count (sh_store_txn_t *txn, sh_store_db_t db, uint64_t *count)
{
    assert (txn);
    assert (db >= 0 && db < SH_DB_COUNT);
    assert (count);
    if (txn->failed)
        return txn->failed;
    MDB_stat st;
    int rc = mdb_stat (txn->txn, txn->store->dbi[db], &st);
    if (rc)
        return s_txn_err (txn, rc);
    *count = (uint64_t) st.ms_entries;
    return SH_OK;
}

/* --------------------------------------------------------------------------
 * Cursors
 * -------------------------------------------------------------------------- */

sh_err
sh_store_cursor_open (sh_store_txn_t *txn, sh_store_db_t db,
                      const void *prefix, size_t prefix_len,
                      sh_store_cursor_t **out)
{
    assert (txn);
    assert (db >= 0 && db < SH_DB_COUNT);
    assert (out);
    assert (prefix || prefix_len == 0);
    *out = NULL;
    if (prefix_len > txn->store->max_key)
        return SH_EINVAL;
    if (txn->failed)
        return txn->failed;
    sh_store_cursor_t *cur = calloc (1, sizeof *cur + prefix_len);
    if (!cur)
        return SH_ENOMEM;
    int rc = mdb_cursor_open (txn->txn, txn->store->dbi[db], &cur->cursor);
    if (rc) {
        free (cur);
        return s_txn_err (txn, rc);
    }
    cur->txn = txn;
    cur->state = S_CUR_START;
    cur->prefix_len = prefix_len;
    if (prefix_len)
        memcpy (cur->prefix, prefix, prefix_len);
    txn->cursors++;
    *out = cur;
    return SH_OK;
}

void
sh_store_cursor_close (sh_store_cursor_t **cur_p)
{
    assert (cur_p);
    sh_store_cursor_t *cur = *cur_p;
    if (cur) {
        mdb_cursor_close (cur->cursor);
        assert (cur->txn->cursors > 0);
        cur->txn->cursors--;
        free (cur);
        *cur_p = NULL;
    }
}

//  Position the LMDB cursor on the first key >= key (len 0: the first key).
static int
s_set_range (sh_store_cursor_t *cur, const void *key, size_t key_len, MDB_val *k, MDB_val *v)
{
    if (key_len == 0)
        return mdb_cursor_get (cur->cursor, k, v, MDB_FIRST);
    k->mv_size = key_len;
    k->mv_data = (void *) key;
    return mdb_cursor_get (cur->cursor, k, v, MDB_SET_RANGE);
}

sh_err
sh_store_cursor_next (sh_store_cursor_t *cur,
                      const uint8_t **key, size_t *key_len,
                      const uint8_t **val, size_t *val_len)
{
    assert (cur);
    MDB_val k = { 0 }, v = { 0 };
    int rc;
    switch (cur->state) {
        case S_CUR_START:
            rc = s_set_range (cur, cur->prefix, cur->prefix_len, &k, &v);
            break;
        case S_CUR_PENDING:
            rc = mdb_cursor_get (cur->cursor, &k, &v, MDB_GET_CURRENT);
            break;
        case S_CUR_STEPPING:
            rc = mdb_cursor_get (cur->cursor, &k, &v, MDB_NEXT);
            break;
        case S_CUR_END:
        default:
            return SH_ENOTFOUND;
    }
    if (rc == MDB_SUCCESS && !s_has_prefix (cur, &k))
        rc = MDB_NOTFOUND;
    if (rc) {
        cur->state = S_CUR_END;
        return s_txn_err (cur->txn, rc);
    }
    cur->state = S_CUR_STEPPING;
    s_out (&k, &v, key, key_len, val, val_len);
    return SH_OK;
}

sh_err
sh_store_cursor_seek (sh_store_cursor_t *cur, const void *key, size_t key_len)
{
    assert (cur);
    if (!s_key_ok (cur->txn->store, key, key_len))
        return SH_EINVAL;
    //  A key before the prefix range starts the range at its first key.
    size_t common = key_len < cur->prefix_len ? key_len : cur->prefix_len;
    int order = memcmp (key, cur->prefix, common);
    if (order < 0 || (order == 0 && key_len < cur->prefix_len)) {
        key = cur->prefix;
        key_len = cur->prefix_len;
    }
    MDB_val k = { 0 }, v = { 0 };
    int rc = s_set_range (cur, key, key_len, &k, &v);
    if (rc == MDB_SUCCESS && !s_has_prefix (cur, &k))
        rc = MDB_NOTFOUND;
    if (rc == MDB_NOTFOUND) {
        cur->state = S_CUR_END;     //  nothing at or after key: next says so
        return SH_OK;
    }
    if (rc) {
        cur->state = S_CUR_END;
        return s_txn_err (cur->txn, rc);
    }
    cur->state = S_CUR_PENDING;
    return SH_OK;
}

sh_err
sh_store_cursor_last (sh_store_cursor_t *cur,
                      const uint8_t **key, size_t *key_len,
                      const uint8_t **val, size_t *val_len)
{
    assert (cur);
    //  The last key with the prefix is the one just before the first key
    //  past the prefix range. That bound is the prefix with its last
    //  non-0xFF byte incremented and the 0xFF bytes after it dropped
    //  ("ab\xff" -> "ac"). A prefix of 0xFF bytes only (or none) has no such
    //  bound: its range runs to the end of the database.
    uint8_t bound[S_KEY_MAX];
    assert (cur->prefix_len <= sizeof bound);
    size_t bound_len = cur->prefix_len;
    memcpy (bound, cur->prefix, cur->prefix_len);
    while (bound_len > 0 && bound[bound_len - 1] == 0xFF)
        bound_len--;
    MDB_val k = { 0 }, v = { 0 };
    int rc;
    if (bound_len > 0) {
        bound[bound_len - 1]++;
        k.mv_size = bound_len;
        k.mv_data = bound;
        rc = mdb_cursor_get (cur->cursor, &k, &v, MDB_SET_RANGE);
        if (rc == MDB_SUCCESS)
            rc = mdb_cursor_get (cur->cursor, &k, &v, MDB_PREV);
        else
        if (rc == MDB_NOTFOUND)
            rc = mdb_cursor_get (cur->cursor, &k, &v, MDB_LAST);
    }
    else
        rc = mdb_cursor_get (cur->cursor, &k, &v, MDB_LAST);

    if (rc == MDB_SUCCESS && !s_has_prefix (cur, &k))
        rc = MDB_NOTFOUND;
    if (rc) {
        cur->state = S_CUR_END;
        return s_txn_err (cur->txn, rc);
    }
    cur->state = S_CUR_PENDING;
    s_out (&k, &v, key, key_len, val, val_len);
    return SH_OK;
}

/* --------------------------------------------------------------------------
 * META helpers
 * -------------------------------------------------------------------------- */

sh_err
sh_store_meta_get_u64 (sh_store_txn_t *txn, const char *name, uint64_t *value)
{
    assert (name);
    assert (value);
    const uint8_t *v;
    size_t len;
    sh_err err = sh_store_get (txn, SH_DB_META, name, strlen (name), &v, &len);
    if (err)
        return err;
    if (len != 8)
        return SH_ECORRUPT;
    *value = sh_store_get_be64 (v);
    return SH_OK;
}

sh_err
sh_store_meta_put_u64 (sh_store_txn_t *txn, const char *name, uint64_t value)
{
    assert (name);
    uint8_t v[8];
    sh_store_put_be64 (v, value);
    return sh_store_put (txn, SH_DB_META, name, strlen (name), v, sizeof v);
}

sh_err
sh_store_meta_get_str (sh_store_txn_t *txn, const char *name, char *buf, size_t buf_size)
{
    assert (name);
    assert (buf);
    const uint8_t *v;
    size_t len;
    sh_err err = sh_store_get (txn, SH_DB_META, name, strlen (name), &v, &len);
    if (err)
        return err;
    if (len >= buf_size)
        return SH_EINVAL;
    memcpy (buf, v, len);
    buf[len] = '\0';
    return SH_OK;
}

sh_err
sh_store_meta_put_str (sh_store_txn_t *txn, const char *name, const char *value)
{
    assert (name);
    assert (value);
    return sh_store_put (txn, SH_DB_META, name, strlen (name), value, strlen (value));
}
