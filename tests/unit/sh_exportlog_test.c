/*  sh_exportlog_test -- the hub's record of exports with personal data
    (sh_exportlog) on a real LMDB store: records numbered 1, 2, ... in the
    order they are added, read back field by field (a purpose in Chinese,
    a path, the counts), a purpose at its maximum length, a walk that
    stops when asked, a record of another layout refused.
*/
#include "sh_test.h"

#include "sh_exportlog.h"
#include "sh_store.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    sh_exportlog_entry_t seen[4];       //  the records walked
    size_t n;                           //  how many
    size_t stop_after;                  //  stop the walk after this many (0: never)
} s_walk_t;

static int
s_each (const sh_exportlog_entry_t *e, void *arg)
{
    s_walk_t *w = arg;
    SH_CHECK (w->n < 4);
    w->seen[w->n++] = *e;
    return w->stop_after && w->n == w->stop_after;
}

static sh_exportlog_entry_t
s_entry (uint64_t time_ms, const char *user, const char *purpose, const char *path)
{
    sh_exportlog_entry_t e;
    memset (&e, 0, sizeof e);
    e.time_ms = time_ms;
    e.uid = 1000;
    snprintf (e.user, sizeof e.user, "%s", user);
    snprintf (e.purpose, sizeof e.purpose, "%s", purpose);
    snprintf (e.path, sizeof e.path, "%s", path);
    e.changes = 120;
    e.openings = 37;
    e.tree_size = 120;
    return e;
}

static void
test_records (void)
{
    char *dir = sh_test_tmpdir ();
    sh_store_t *store;
    SH_PASS (sh_store_open (&store, dir, true, 0));
    sh_store_txn_t *txn;

    //  none yet
    s_walk_t w = { .n = 0 };
    SH_PASS (sh_store_begin (store, false, &txn));
    SH_PASS (sh_exportlog_each (txn, s_each, &w));
    sh_store_abort (&txn);
    SH_CHECK (w.n == 0);

    //  two records, numbered in order
    sh_exportlog_entry_t a = s_entry (1796558400000ULL, "clerk", "复核 2024-17 号调解案", "/srv/exports/a.export");
    sh_exportlog_entry_t b = s_entry (1796558400001ULL, "", "court order 12", "/srv/exports/b.export");
    b.uid = 0;
    b.openings = 0;
    SH_PASS (sh_store_begin (store, true, &txn));
    SH_PASS (sh_exportlog_add (txn, &a));
    SH_PASS (sh_store_commit (&txn));
    SH_PASS (sh_store_begin (store, true, &txn));
    SH_PASS (sh_exportlog_add (txn, &b));
    SH_PASS (sh_store_commit (&txn));
    SH_CHECK (a.number == 1 && b.number == 2);

    SH_PASS (sh_store_begin (store, false, &txn));
    SH_PASS (sh_exportlog_each (txn, s_each, &w));
    SH_CHECK (w.n == 2);
    const sh_exportlog_entry_t *r = &w.seen[0];
    SH_CHECK (r->number == 1 && r->time_ms == 1796558400000ULL && r->uid == 1000 && !strcmp (r->user, "clerk"));
    SH_CHECK (!strcmp (r->purpose, "复核 2024-17 号调解案") && !strcmp (r->path, "/srv/exports/a.export"));
    SH_CHECK (r->changes == 120 && r->openings == 37 && r->tree_size == 120);
    r = &w.seen[1];
    SH_CHECK (r->number == 2 && r->uid == 0 && r->user[0] == 0 && r->openings == 0);
    SH_CHECK (!strcmp (r->purpose, "court order 12"));
    //  a walk that stops
    s_walk_t one = { .n = 0, .stop_after = 1 };
    SH_PASS (sh_exportlog_each (txn, s_each, &one));
    SH_CHECK (one.n == 1 && one.seen[0].number == 1);
    sh_store_abort (&txn);

    //  a purpose at its maximum
    sh_exportlog_entry_t c = s_entry (1, "u", "", "/p");
    memset (c.purpose, 'x', SH_EXPORTLOG_PURPOSE_MAX);
    c.purpose[SH_EXPORTLOG_PURPOSE_MAX] = 0;
    SH_PASS (sh_store_begin (store, true, &txn));
    SH_PASS (sh_exportlog_add (txn, &c));                   //  at the maximum: fine
    SH_CHECK (c.number == 3);
    SH_PASS (sh_store_commit (&txn));
    uint64_t count = 0;
    SH_PASS (sh_store_begin (store, false, &txn));
    SH_PASS (sh_store_count (txn, SH_DB_EXPORTS, &count));
    sh_store_abort (&txn);
    SH_CHECK (count == 3);

    //  a record of another layout
    uint8_t key[8], bad[] = { 0x02, 0, 0 };
    sh_store_put_be64 (key, 4);
    SH_PASS (sh_store_begin (store, true, &txn));
    SH_PASS (sh_store_put (txn, SH_DB_EXPORTS, key, sizeof key, bad, sizeof bad));
    SH_PASS (sh_store_commit (&txn));
    s_walk_t all = { .n = 0 };
    SH_PASS (sh_store_begin (store, false, &txn));
    SH_FAIL (sh_exportlog_each (txn, s_each, &all), SH_ECORRUPT);
    sh_store_abort (&txn);
    //  the three good records came first, the longest purpose read back whole
    SH_CHECK (all.n == 3 && all.seen[2].number == 3 && strlen (all.seen[2].purpose) == SH_EXPORTLOG_PURPOSE_MAX);

    sh_store_close (&store);
    sh_test_rmdir (dir);
}

static const sh_test_case_t tests[] = {
    { "records", test_records },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
