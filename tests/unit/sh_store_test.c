/*  sh_store_test -- the LMDB wrapper: lifecycle, keys, cursors, faults. */
#include "sh_test.h"

#include "sh_store.h"

#include <stdint.h>
#include <stdio.h>
#include <sys/mount.h>

/* --------------------------------------------------------------------------
 * Helpers
 * -------------------------------------------------------------------------- */

static void
s_put_str (sh_store_txn_t *txn, sh_store_db_t db, const char *key, const char *val)
{
    SH_PASS (sh_store_put (txn, db, key, strlen (key), val, strlen (val)));
}

//  Does db hold key with exactly value val?
static bool
s_has (sh_store_txn_t *txn, sh_store_db_t db, const char *key, const char *val)
{
    const uint8_t *v;
    size_t len;
    if (sh_store_get (txn, db, key, strlen (key), &v, &len) != SH_OK)
        return false;
    return len == strlen (val) && memcmp (v, val, len) == 0;
}

//  Walk a cursor over prefix and compare the keys met with want (NULL-ended).
static void
s_expect_keys (sh_store_txn_t *txn, const void *prefix, size_t prefix_len,
               const char *const *want, const size_t *want_len)
{
    sh_store_cursor_t *cur;
    SH_PASS (sh_store_cursor_open (txn, SH_DB_INDEX, prefix, prefix_len, &cur));
    size_t i = 0;
    const uint8_t *k, *v;
    size_t kl, vl;
    while (sh_store_cursor_next (cur, &k, &kl, &v, &vl) == SH_OK) {
        SH_CHECK (want[i] != NULL);
        SH_CHECK (kl == want_len[i]);
        SH_CHECK (memcmp (k, want[i], kl) == 0);
        i++;
    }
    SH_CHECK (want[i] == NULL);
    //  Past the end it stays at the end.
    SH_FAIL (sh_store_cursor_next (cur, &k, &kl, &v, &vl), SH_ENOTFOUND);
    sh_store_cursor_close (&cur);
    SH_CHECK (cur == NULL);
}

//  The last key under prefix, or NULL.
static void
s_expect_last (sh_store_txn_t *txn, const void *prefix, size_t prefix_len,
               const char *want, size_t want_len)
{
    sh_store_cursor_t *cur;
    SH_PASS (sh_store_cursor_open (txn, SH_DB_INDEX, prefix, prefix_len, &cur));
    const uint8_t *k;
    size_t kl;
    if (!want) {
        SH_FAIL (sh_store_cursor_last (cur, &k, &kl, NULL, NULL), SH_ENOTFOUND);
        SH_FAIL (sh_store_cursor_next (cur, &k, &kl, NULL, NULL), SH_ENOTFOUND);
    }
    else {
        SH_PASS (sh_store_cursor_last (cur, &k, &kl, NULL, NULL));
        SH_CHECK (kl == want_len && memcmp (k, want, kl) == 0);
        //  next returns the last entry again, then the end.
        SH_PASS (sh_store_cursor_next (cur, &k, &kl, NULL, NULL));
        SH_CHECK (kl == want_len && memcmp (k, want, kl) == 0);
        SH_FAIL (sh_store_cursor_next (cur, &k, &kl, NULL, NULL), SH_ENOTFOUND);
    }
    sh_store_cursor_close (&cur);
}

/* --------------------------------------------------------------------------
 * Tests
 * -------------------------------------------------------------------------- */

static void
test_open_missing (void)
{
    char *dir = sh_test_tmpdir ();
    sh_store_t *store = (sh_store_t *) 1;
    SH_FAIL (sh_store_open (&store, dir, false, 0), SH_ENOTFOUND);
    SH_CHECK (store == NULL);

    char missing[600];
    snprintf (missing, sizeof missing, "%s/nope", dir);
    SH_FAIL (sh_store_open (&store, missing, false, 0), SH_ENOTFOUND);
    //  create needs the directory itself to exist.
    SH_CHECK (sh_store_open (&store, missing, true, 0) != SH_OK);
    SH_CHECK (store == NULL);

    SH_PASS (sh_store_open (&store, dir, true, 0));
    SH_CHECK (strcmp (sh_store_dir (store), dir) == 0);
    sh_store_close (&store);
    SH_CHECK (store == NULL);
    sh_store_close (&store);            //  idempotent

    //  Now there is a store: open without create works.
    SH_PASS (sh_store_open (&store, dir, false, 0));
    sh_store_close (&store);
    sh_test_rmdir (dir);
}

static void
test_put_get_del (void)
{
    char *dir = sh_test_tmpdir ();
    sh_store_t *store;
    SH_PASS (sh_store_open (&store, dir, true, 0));

    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, true, &txn));
    s_put_str (txn, SH_DB_META, "k1", "one");
    s_put_str (txn, SH_DB_META, "k2", "two");
    s_put_str (txn, SH_DB_LOG, "k1", "other db");
    SH_CHECK (s_has (txn, SH_DB_META, "k1", "one"));
    s_put_str (txn, SH_DB_META, "k1", "uno");          //  replaces
    SH_CHECK (s_has (txn, SH_DB_META, "k1", "uno"));
    SH_CHECK (s_has (txn, SH_DB_LOG, "k1", "other db"));

    uint64_t n;
    SH_PASS (sh_store_count (txn, SH_DB_META, &n));
    SH_CHECK (n == 2);
    SH_PASS (sh_store_count (txn, SH_DB_FIELDS, &n));
    SH_CHECK (n == 0);

    SH_PASS (sh_store_del (txn, SH_DB_META, "k2", 2));
    SH_FAIL (sh_store_del (txn, SH_DB_META, "k2", 2), SH_ENOTFOUND);
    const uint8_t *v;
    size_t len;
    SH_FAIL (sh_store_get (txn, SH_DB_META, "k2", 2, &v, &len), SH_ENOTFOUND);
    SH_PASS (sh_store_commit (&txn));
    SH_CHECK (txn == NULL);

    SH_PASS (sh_store_begin (store, false, &txn));
    SH_CHECK (s_has (txn, SH_DB_META, "k1", "uno"));
    SH_FAIL (sh_store_get (txn, SH_DB_META, "k2", 2, &v, &len), SH_ENOTFOUND);
    SH_PASS (sh_store_commit (&txn));   //  ending a read transaction by commit is fine
    sh_store_close (&store);
    sh_test_rmdir (dir);
}

static void
test_zero_length_value (void)
{
    char *dir = sh_test_tmpdir ();
    sh_store_t *store;
    SH_PASS (sh_store_open (&store, dir, true, 0));
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, true, &txn));
    SH_PASS (sh_store_put (txn, SH_DB_INDEX, "empty", 5, NULL, 0));
    SH_PASS (sh_store_put (txn, SH_DB_INDEX, "empty2", 6, "", 0));
    SH_PASS (sh_store_commit (&txn));

    SH_PASS (sh_store_begin (store, false, &txn));
    const uint8_t *v = NULL;
    size_t len = 99;
    SH_PASS (sh_store_get (txn, SH_DB_INDEX, "empty", 5, &v, &len));
    SH_CHECK (len == 0 && v != NULL);
    sh_store_cursor_t *cur;
    SH_PASS (sh_store_cursor_open (txn, SH_DB_INDEX, "empty", 5, &cur));
    const uint8_t *k;
    size_t kl;
    int seen = 0;
    while (sh_store_cursor_next (cur, &k, &kl, &v, &len) == SH_OK) {
        SH_CHECK (len == 0);
        seen++;
    }
    SH_CHECK (seen == 2);
    sh_store_cursor_close (&cur);
    sh_store_abort (&txn);
    SH_CHECK (txn == NULL);
    sh_store_abort (&txn);              //  NULL-safe
    sh_store_close (&store);
    sh_test_rmdir (dir);
}

static void
test_prefix_cursors (void)
{
    char *dir = sh_test_tmpdir ();
    sh_store_t *store;
    SH_PASS (sh_store_open (&store, dir, true, 0));

    //  Stored keys, in key order.
    static const char *const keys[] = {
        "a", "ab", "ab\xff", "ab\xff\x00", "ab\xff\xff", "ac", "b", "\xff", "\xff\xff\x01", NULL
    };
    static const size_t lens[] = { 1, 2, 3, 4, 4, 2, 1, 1, 3 };
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, true, &txn));
    for (int i = 0; keys[i]; i++)
        SH_PASS (sh_store_put (txn, SH_DB_INDEX, keys[i], lens[i], "v", 1));
    //  A key in another database never shows.
    SH_PASS (sh_store_put (txn, SH_DB_FIELDS, "ab0", 3, "v", 1));
    SH_PASS (sh_store_commit (&txn));

    SH_PASS (sh_store_begin (store, false, &txn));
    //  Empty prefix: the whole database.
    s_expect_keys (txn, NULL, 0, keys, lens);
    s_expect_last (txn, NULL, 0, "\xff\xff\x01", 3);

    static const char *const ab[] = { "ab", "ab\xff", "ab\xff\x00", "ab\xff\xff", NULL };
    static const size_t ab_lens[] = { 2, 3, 4, 4 };
    s_expect_keys (txn, "ab", 2, ab, ab_lens);
    s_expect_last (txn, "ab", 2, "ab\xff\xff", 4);

    //  Prefixes ending in 0xFF.
    s_expect_keys (txn, "ab\xff", 3, ab + 1, ab_lens + 1);
    s_expect_last (txn, "ab\xff", 3, "ab\xff\xff", 4);
    static const char *const ff[] = { "\xff", "\xff\xff\x01", NULL };
    static const size_t ff_lens[] = { 1, 3 };
    s_expect_keys (txn, "\xff", 1, ff, ff_lens);
    s_expect_last (txn, "\xff", 1, "\xff\xff\x01", 3);
    s_expect_keys (txn, "\xff\xff", 2, ff + 1, ff_lens + 1);
    s_expect_last (txn, "\xff\xff", 2, "\xff\xff\x01", 3);
    s_expect_last (txn, "ab\xff\xff", 4, "ab\xff\xff", 4);

    //  Prefixes with nothing under them.
    static const char *const none[] = { NULL };
    s_expect_keys (txn, "zz", 2, none, NULL);
    s_expect_last (txn, "zz", 2, NULL, 0);
    s_expect_keys (txn, "a\xff", 2, none, NULL);
    s_expect_last (txn, "a\xff", 2, NULL, 0);
    s_expect_last (txn, "\xff\xff\xff", 3, NULL, 0);
    s_expect_last (txn, "\x01", 1, NULL, 0);

    //  Seek within, before and after the prefix range.
    sh_store_cursor_t *cur;
    const uint8_t *k;
    size_t kl;
    SH_PASS (sh_store_cursor_open (txn, SH_DB_INDEX, "ab", 2, &cur));
    SH_PASS (sh_store_cursor_seek (cur, "ab\x80", 3));
    SH_PASS (sh_store_cursor_next (cur, &k, &kl, NULL, NULL));
    SH_CHECK (kl == 3 && memcmp (k, "ab\xff", 3) == 0);
    SH_PASS (sh_store_cursor_next (cur, &k, &kl, NULL, NULL));
    SH_CHECK (kl == 4 && memcmp (k, "ab\xff\x00", 4) == 0);
    SH_PASS (sh_store_cursor_seek (cur, "a", 1));            //  before: start of the range
    SH_PASS (sh_store_cursor_next (cur, &k, &kl, NULL, NULL));
    SH_CHECK (kl == 2 && memcmp (k, "ab", 2) == 0);
    SH_PASS (sh_store_cursor_seek (cur, "ab\xff\xff", 4));   //  exact hit
    SH_PASS (sh_store_cursor_next (cur, &k, &kl, NULL, NULL));
    SH_CHECK (kl == 4 && memcmp (k, "ab\xff\xff", 4) == 0);
    SH_FAIL (sh_store_cursor_next (cur, &k, &kl, NULL, NULL), SH_ENOTFOUND);
    SH_PASS (sh_store_cursor_seek (cur, "ab\xff\xff\x00", 5));  //  after the last: end
    SH_FAIL (sh_store_cursor_next (cur, &k, &kl, NULL, NULL), SH_ENOTFOUND);
    SH_PASS (sh_store_cursor_seek (cur, "b", 1));            //  past the range: end
    SH_FAIL (sh_store_cursor_next (cur, &k, &kl, NULL, NULL), SH_ENOTFOUND);
    SH_FAIL (sh_store_cursor_seek (cur, "", 0), SH_EINVAL);
    sh_store_cursor_close (&cur);

    //  Seek on the whole database past its end.
    SH_PASS (sh_store_cursor_open (txn, SH_DB_INDEX, NULL, 0, &cur));
    SH_PASS (sh_store_cursor_seek (cur, "\xff\xff\xff", 3));
    SH_FAIL (sh_store_cursor_next (cur, &k, &kl, NULL, NULL), SH_ENOTFOUND);
    SH_PASS (sh_store_cursor_seek (cur, "ac", 2));
    SH_PASS (sh_store_cursor_next (cur, &k, &kl, NULL, NULL));
    SH_CHECK (kl == 2 && memcmp (k, "ac", 2) == 0);
    sh_store_cursor_close (&cur);
    sh_store_cursor_close (&cur);       //  NULL-safe

    sh_store_abort (&txn);
    sh_store_close (&store);
    sh_test_rmdir (dir);
}

static void
test_big_endian_order (void)
{
    //  Counters as big-endian keys iterate in numeric order; last = highest.
    char *dir = sh_test_tmpdir ();
    sh_store_t *store;
    SH_PASS (sh_store_open (&store, dir, true, 0));
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, true, &txn));
    static const uint64_t values[] = { 256, 1, 65535, 2, UINT64_MAX, 255 };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        uint8_t key[8];
        sh_store_put_be64 (key, values[i]);
        SH_CHECK (sh_store_get_be64 (key) == values[i]);
        SH_PASS (sh_store_put (txn, SH_DB_LOG, key, 8, key, 8));
    }
    sh_store_cursor_t *cur;
    SH_PASS (sh_store_cursor_open (txn, SH_DB_LOG, NULL, 0, &cur));
    const uint8_t *k;
    size_t kl;
    uint64_t prev = 0;
    int n = 0;
    while (sh_store_cursor_next (cur, &k, &kl, NULL, NULL) == SH_OK) {
        SH_CHECK (kl == 8);
        SH_CHECK (sh_store_get_be64 (k) > prev);
        prev = sh_store_get_be64 (k);
        n++;
    }
    SH_CHECK (n == 6);
    SH_PASS (sh_store_cursor_last (cur, &k, &kl, NULL, NULL));
    SH_CHECK (sh_store_get_be64 (k) == UINT64_MAX);
    sh_store_cursor_close (&cur);
    SH_PASS (sh_store_commit (&txn));
    sh_store_close (&store);
    sh_test_rmdir (dir);
}

static void
test_abort_and_reopen (void)
{
    char *dir = sh_test_tmpdir ();
    sh_store_t *store;
    SH_PASS (sh_store_open (&store, dir, true, 0));
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, true, &txn));
    s_put_str (txn, SH_DB_FIELDS, "kept", "yes");
    SH_PASS (sh_store_commit (&txn));

    SH_PASS (sh_store_begin (store, true, &txn));
    s_put_str (txn, SH_DB_FIELDS, "dropped", "no");
    SH_PASS (sh_store_del (txn, SH_DB_FIELDS, "kept", 4));
    sh_store_abort (&txn);

    //  A reader that started before a commit keeps its snapshot (MVCC).
    sh_store_txn_t *reader;
    SH_PASS (sh_store_begin (store, false, &reader));
    SH_PASS (sh_store_begin (store, true, &txn));
    s_put_str (txn, SH_DB_FIELDS, "later", "x");
    SH_PASS (sh_store_commit (&txn));
    const uint8_t *v;
    size_t len;
    SH_FAIL (sh_store_get (reader, SH_DB_FIELDS, "later", 5, &v, &len), SH_ENOTFOUND);
    sh_store_abort (&reader);
    sh_store_close (&store);

    SH_PASS (sh_store_open (&store, dir, false, 0));
    SH_PASS (sh_store_begin (store, false, &txn));
    SH_CHECK (s_has (txn, SH_DB_FIELDS, "kept", "yes"));
    SH_CHECK (s_has (txn, SH_DB_FIELDS, "later", "x"));
    SH_FAIL (sh_store_get (txn, SH_DB_FIELDS, "dropped", 7, &v, &len), SH_ENOTFOUND);
    uint64_t n;
    SH_PASS (sh_store_count (txn, SH_DB_FIELDS, &n));
    SH_CHECK (n == 2);
    sh_store_abort (&txn);
    sh_store_close (&store);
    sh_test_rmdir (dir);
}

static void
test_map_full (void)
{
    char *dir = sh_test_tmpdir ();
    sh_store_t *store;
    SH_PASS (sh_store_open (&store, dir, true, 64 * 1024));
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, true, &txn));
    s_put_str (txn, SH_DB_META, "before", "full");
    SH_PASS (sh_store_commit (&txn));

    uint8_t value[1000];
    memset (value, 0x5a, sizeof value);
    SH_PASS (sh_store_begin (store, true, &txn));
    sh_err err = SH_OK;
    uint64_t i;
    for (i = 0; i < 1000 && err == SH_OK; i++) {
        uint8_t key[8];
        sh_store_put_be64 (key, i);
        err = sh_store_put (txn, SH_DB_LOG, key, 8, value, sizeof value);
    }
    SH_CHECK (err == SH_ESTOREFULL);
    SH_CHECK (i > 5);                   //  some went in before the map filled
    //  The transaction is spoiled: later puts and the commit say why.
    SH_FAIL (sh_store_put (txn, SH_DB_META, "x", 1, "y", 1), SH_ESTOREFULL);
    const uint8_t *gv;
    size_t gl;
    SH_FAIL (sh_store_get (txn, SH_DB_META, "before", 6, &gv, &gl), SH_ESTOREFULL);
    SH_FAIL (sh_store_commit (&txn), SH_ESTOREFULL);
    SH_CHECK (txn == NULL);

    //  The store is still readable and writable.
    SH_PASS (sh_store_begin (store, true, &txn));
    SH_CHECK (s_has (txn, SH_DB_META, "before", "full"));
    uint64_t n;
    SH_PASS (sh_store_count (txn, SH_DB_LOG, &n));
    SH_CHECK (n == 0);
    s_put_str (txn, SH_DB_META, "after", "ok");
    SH_PASS (sh_store_commit (&txn));

    //  Same again, freed by abort.
    SH_PASS (sh_store_begin (store, true, &txn));
    for (i = 0, err = SH_OK; i < 1000 && err == SH_OK; i++) {
        uint8_t key[8];
        sh_store_put_be64 (key, i);
        err = sh_store_put (txn, SH_DB_LOG, key, 8, value, sizeof value);
    }
    SH_CHECK (err == SH_ESTOREFULL);
    sh_store_abort (&txn);
    SH_PASS (sh_store_begin (store, true, &txn));
    s_put_str (txn, SH_DB_META, "after2", "ok");
    SH_PASS (sh_store_commit (&txn));

    sh_store_close (&store);
    SH_PASS (sh_store_open (&store, dir, false, 64 * 1024));
    SH_PASS (sh_store_begin (store, false, &txn));
    SH_CHECK (s_has (txn, SH_DB_META, "after", "ok"));
    SH_CHECK (s_has (txn, SH_DB_META, "after2", "ok"));
    sh_store_abort (&txn);
    sh_store_close (&store);
    sh_test_rmdir (dir);
}

//  A full disk (a 256 KiB tmpfs under the store, map far larger) is
//  SH_ESTOREFULL -- whether LMDB meets ENOSPC or a short write (EIO) --
//  and the store keeps what was committed before. Needs mount(2) (root);
//  skipped, saying so, without it.
static void
test_disk_full (void)
{
    char *dir = sh_test_tmpdir ();
    if (mount ("tmpfs", dir, "tmpfs", 0, "size=256k,mode=0700") != 0) {
        printf ("SKIP disk full: cannot mount a tmpfs (needs root)\n");
        sh_test_rmdir (dir);
        return;
    }
    sh_store_t *store;
    SH_PASS (sh_store_open (&store, dir, true, 64 << 20));
    uint8_t value[1000];
    memset (value, 0x5a, sizeof value);
    sh_err err = SH_OK;
    uint64_t i, committed = 0;
    for (i = 0; i < 10000 && err == SH_OK; i++) {
        sh_store_txn_t *txn;
        uint8_t key[8];
        sh_store_put_be64 (key, i);
        SH_PASS (sh_store_begin (store, true, &txn));
        err = sh_store_put (txn, SH_DB_LOG, key, 8, value, sizeof value);
        if (err == SH_OK)
            err = sh_store_commit (&txn);
        sh_store_abort (&txn);
        if (err == SH_OK)
            committed++;
    }
    SH_FAIL (err, SH_ESTOREFULL);       //  not SH_ESYSERR | EIO or | ENOSPC
    SH_CHECK (committed > 10);
    //  what was committed is still there
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, false, &txn));
    uint64_t n;
    SH_PASS (sh_store_count (txn, SH_DB_LOG, &n));
    SH_CHECK (n == committed);
    sh_store_abort (&txn);
    sh_store_close (&store);
    SH_CHECK (umount2 (dir, MNT_DETACH) == 0);
    sh_test_rmdir (dir);
}

static void
test_commit_fault (void)
{
    char *dir = sh_test_tmpdir ();
    sh_store_t *store;
    SH_PASS (sh_store_open (&store, dir, true, 0));
    sh_store_fail_commit_after (store, 2);

    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, false, &txn));      //  read commits do not count
    SH_PASS (sh_store_commit (&txn));
    SH_PASS (sh_store_begin (store, true, &txn));
    s_put_str (txn, SH_DB_META, "first", "1");
    SH_PASS (sh_store_commit (&txn));                   //  1st write commit
    SH_PASS (sh_store_begin (store, true, &txn));
    s_put_str (txn, SH_DB_META, "second", "2");
    SH_FAIL (sh_store_commit (&txn), SH_EFAULT);        //  2nd: fires
    SH_CHECK (txn == NULL);
    SH_PASS (sh_store_begin (store, true, &txn));
    s_put_str (txn, SH_DB_META, "third", "3");
    SH_PASS (sh_store_commit (&txn));                   //  fired once, now off

    sh_store_fail_commit_after (store, 1);
    sh_store_fail_commit_after (store, 0);              //  turned off again
    SH_PASS (sh_store_begin (store, true, &txn));
    s_put_str (txn, SH_DB_META, "fourth", "4");
    SH_PASS (sh_store_commit (&txn));
    sh_store_close (&store);

    SH_PASS (sh_store_open (&store, dir, false, 0));
    SH_PASS (sh_store_begin (store, false, &txn));
    const uint8_t *v;
    size_t len;
    SH_CHECK (s_has (txn, SH_DB_META, "first", "1"));
    SH_FAIL (sh_store_get (txn, SH_DB_META, "second", 6, &v, &len), SH_ENOTFOUND);
    SH_CHECK (s_has (txn, SH_DB_META, "third", "3"));
    SH_CHECK (s_has (txn, SH_DB_META, "fourth", "4"));
    sh_store_abort (&txn);
    sh_store_close (&store);
    sh_test_rmdir (dir);
}

static void
test_key_limits (void)
{
    char *dir = sh_test_tmpdir ();
    sh_store_t *store;
    SH_PASS (sh_store_open (&store, dir, true, 0));
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, true, &txn));
    uint8_t key[600];
    memset (key, 'k', sizeof key);
    const uint8_t *v;
    size_t len;
    SH_PASS (sh_store_put (txn, SH_DB_INDEX, key, 511, "v", 1));
    SH_FAIL (sh_store_put (txn, SH_DB_INDEX, key, 512, "v", 1), SH_EINVAL);
    SH_FAIL (sh_store_put (txn, SH_DB_INDEX, key, 0, "v", 1), SH_EINVAL);
    SH_FAIL (sh_store_get (txn, SH_DB_INDEX, key, 512, &v, &len), SH_EINVAL);
    SH_FAIL (sh_store_del (txn, SH_DB_INDEX, key, 600), SH_EINVAL);
    sh_store_cursor_t *cur = NULL;
    SH_FAIL (sh_store_cursor_open (txn, SH_DB_INDEX, key, 512, &cur), SH_EINVAL);
    SH_CHECK (cur == NULL);
    SH_PASS (sh_store_cursor_open (txn, SH_DB_INDEX, key, 511, &cur));
    SH_FAIL (sh_store_cursor_seek (cur, key, 512), SH_EINVAL);
    const uint8_t *k;
    size_t kl;
    SH_PASS (sh_store_cursor_last (cur, &k, &kl, NULL, NULL));
    SH_CHECK (kl == 511);
    sh_store_cursor_close (&cur);
    //  An invalid argument does not spoil the transaction.
    SH_PASS (sh_store_commit (&txn));
    SH_PASS (sh_store_begin (store, false, &txn));
    SH_PASS (sh_store_get (txn, SH_DB_INDEX, key, 511, &v, &len));
    sh_store_abort (&txn);
    sh_store_close (&store);
    sh_test_rmdir (dir);
}

static void
test_meta (void)
{
    char *dir = sh_test_tmpdir ();
    sh_store_t *store;
    SH_PASS (sh_store_open (&store, dir, true, 0));
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, true, &txn));
    uint64_t u = 7;
    SH_FAIL (sh_store_meta_get_u64 (txn, "log.next", &u), SH_ENOTFOUND);
    SH_PASS (sh_store_meta_put_u64 (txn, "log.next", 0x0102030405060708ull));
    SH_PASS (sh_store_meta_get_u64 (txn, "log.next", &u));
    SH_CHECK (u == 0x0102030405060708ull);
    const uint8_t *v;
    size_t len;
    SH_PASS (sh_store_get (txn, SH_DB_META, "log.next", 8, &v, &len));
    SH_CHECK (len == 8 && v[0] == 1 && v[7] == 8);      //  big-endian on disk

    SH_PASS (sh_store_meta_put_str (txn, "scope", "500115"));
    char buf[16];
    SH_PASS (sh_store_meta_get_str (txn, "scope", buf, sizeof buf));
    SH_CHECK (strcmp (buf, "500115") == 0);
    SH_FAIL (sh_store_meta_get_str (txn, "scope", buf, 6), SH_EINVAL);
    SH_PASS (sh_store_meta_get_str (txn, "scope", buf, 7));
    SH_PASS (sh_store_meta_put_str (txn, "empty", ""));
    SH_PASS (sh_store_meta_get_str (txn, "empty", buf, 1));
    SH_CHECK (buf[0] == '\0');
    //  A u64 that is not 8 bytes on disk is corruption, not a crash.
    SH_FAIL (sh_store_meta_get_u64 (txn, "scope", &u), SH_ECORRUPT);
    SH_PASS (sh_store_commit (&txn));
    sh_store_close (&store);
    sh_test_rmdir (dir);
}

static const sh_test_case_t tests[] = {
    { "open missing", test_open_missing },
    { "put get del", test_put_get_del },
    { "zero length value", test_zero_length_value },
    { "prefix cursors", test_prefix_cursors },
    { "big endian order", test_big_endian_order },
    { "abort and reopen", test_abort_and_reopen },
    { "map full", test_map_full },
    { "disk full", test_disk_full },
    { "commit fault", test_commit_fault },
    { "key limits", test_key_limits },
    { "meta", test_meta },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
