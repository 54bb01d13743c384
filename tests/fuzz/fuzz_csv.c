/*  fuzz_csv -- the courtyard CSV import (sh_import_courtyards over
    sh_csv and libcsv) into a real node replica in a temporary directory.

    Input: the CSV file, as it comes (written to a file in the temporary
    directory, since the importer reads a path).

    The replica's scope is town 500115101 and it already holds courtyard
    500115101001001, so the scope and "already exists" refusals are
    reachable. Every import runs with the store's commit fault point armed
    (sh_store_fail_commit_after): an import that would be accepted fails
    at its commit with SH_EFAULT instead, so the store never changes and
    every input meets the same state.

    Properties checked (abort on failure):
      - all or nothing: whatever the import returns, the merged state
        digest, the log size and the node's chain head are unchanged (a
        refused import wrote nothing; an accepted one failing at commit
        left nothing behind);
      - an import that got as far as its commit reported no bad row; a
        refused one says why in msg; every message is NUL-terminated
        within SH_OPS_MSG_BYTES;
      - the reader returns SH_OK, SH_EPROTO (syntax) or SH_EINVAL (an
        encoding that is neither UTF-8 nor GB18030), saying why;
      - the reader hands over 1..SH_CSV_MAX_FIELDS fields per row, on
        non-decreasing line numbers.
*/
#include "fuzz_fixture.h"

#include <string.h>

#include "sh_changelog.h"
#include "sh_csv.h"
#include "sh_import.h"
#include "sh_merge.h"
#include "sh_ops.h"
#include "sh_replica.h"

//  The target's state (see fuzz_fixture.h on file-static state).
static struct {
    char *dir;                  //  temporary directory
    char *csv_path;             //  where each input is written
    sh_replica_t *replica;      //  node replica, scope FUZZ_SCOPE_A
    size_t reports;             //  bad-row reports of the current import
} s_fx;

static void
s_cleanup (void)
{
    sh_replica_close (&s_fx.replica);
    free (s_fx.csv_path);
    free (s_fx.dir);
    s_fx.csv_path = s_fx.dir = NULL;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    fuzz_init ();
    s_fx.dir = fuzz_tmpdir ("csv");
    size_t n = strlen (s_fx.dir) + 32;
    char *node = malloc (n);
    s_fx.csv_path = malloc (n);
    FUZZ_CHECK (node && s_fx.csv_path);
    snprintf (node, n, "%s/node", s_fx.dir);
    snprintf (s_fx.csv_path, n, "%s/input.csv", s_fx.dir);
    FUZZ_PASS (sh_replica_create (&s_fx.replica, node, FUZZ_SCOPE_A));
    free (node);
    sh_ops_courtyard_t c = { .code = "500115101001001", .name = "Orange Tree Courtyard", .households = 12,
                             .residents = 40, .elderly = 9, .model = true, .point = "fixed" };
    char msg[SH_OPS_MSG_BYTES];
    FUZZ_PASS (sh_ops_courtyard_add (s_fx.replica, &c, msg));
    atexit (s_cleanup);     //  registered after fuzz_tmpdir's: runs before the directory goes
    return 0;
}

//  What must not change.
typedef struct {
    uint8_t digest[SH_HASH_BYTES];
    uint64_t log;
    uint64_t head;
    uint8_t head_hash[SH_HASH_BYTES];
} s_print_t;

static void
s_fingerprint (s_print_t *p)
{
    sh_store_txn_t *txn;
    FUZZ_PASS (sh_store_begin (sh_replica_store (s_fx.replica), false, &txn));
    FUZZ_PASS (sh_merge_digest (txn, NULL, p->digest));
    FUZZ_PASS (sh_changelog_size (txn, &p->log));
    FUZZ_PASS (sh_changelog_head (txn, sh_replica_author (s_fx.replica), &p->head, p->head_hash));
    sh_store_abort (&txn);
}

static bool
s_same (const s_print_t *a, const s_print_t *b)
{
    return !memcmp (a->digest, b->digest, SH_HASH_BYTES) && a->log == b->log && a->head == b->head
        && !memcmp (a->head_hash, b->head_hash, SH_HASH_BYTES);
}

//  sh_import_report_fn
static void
s_report (const char *message, void *arg)
{
    (void) arg;
    FUZZ_CHECK (message && strlen (message) < SH_OPS_MSG_BYTES);
    s_fx.reports++;
}

typedef struct {
    size_t rows;        //  rows seen
    size_t line;        //  line of the last row
} s_rows_t;

//  sh_csv_row_fn
static int
s_row (const char *const *fields, size_t n, size_t line, void *arg)
{
    s_rows_t *r = arg;
    FUZZ_CHECK (n >= 1 && n <= SH_CSV_MAX_FIELDS);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK (fields[i]);
    FUZZ_CHECK (line >= 1 && line >= r->line);
    r->line = line;
    r->rows++;
    return 0;
}

static bool
s_terminated (const char *msg)
{
    return memchr (msg, 0, SH_OPS_MSG_BYTES) != NULL;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    FILE *f = fopen (s_fx.csv_path, "wb");
    FUZZ_CHECK (f);
    FUZZ_CHECK (fwrite (data, 1, size, f) == size);
    FUZZ_CHECK (fclose (f) == 0);

    //  the reader alone
    char msg[SH_OPS_MSG_BYTES];
    memset (msg, 0x7f, sizeof msg);
    msg[0] = 0;
    s_rows_t rows = { 0, 0 };
    sh_err rc = sh_csv_read (s_fx.csv_path, s_row, &rows, msg, sizeof msg);
    FUZZ_CHECK (rc == SH_OK || rc == SH_EPROTO || rc == SH_EINVAL);   //  EINVAL: neither UTF-8 nor GB18030
    FUZZ_CHECK (s_terminated (msg) && (rc == SH_OK || msg[0]));

    //  the import, all or nothing
    s_print_t before, after;
    s_fingerprint (&before);
    s_fx.reports = 0;
    memset (msg, 0x7f, sizeof msg);
    msg[0] = 0;
    size_t count = (size_t) -1;
    sh_store_fail_commit_after (sh_replica_store (s_fx.replica), 1);
    rc = sh_import_courtyards (s_fx.replica, s_fx.csv_path, &count, s_report, NULL, msg);
    sh_store_fail_commit_after (sh_replica_store (s_fx.replica), 0);
    s_fingerprint (&after);
    FUZZ_CHECK (s_same (&before, &after));
    FUZZ_CHECK (rc != SH_OK);       //  the commit always fails here
    FUZZ_CHECK (count == (size_t) -1);
    FUZZ_CHECK (s_terminated (msg) && msg[0]);
    if (rc == SH_EFAULT)
        FUZZ_CHECK (s_fx.reports == 0);
    else
        FUZZ_CHECK (rc == SH_EINVAL || rc == SH_ENOMEM);
    return 0;
}
