/*  bench_local -- local write rates through the node library, and the wall
    time of one `shouhe-node matter step` command.

    Usage:
        bench_local DIR [--seconds S] [--batch B] [--node PATH] [--runs N] [--json]

    DIR must hold a village replica (shouhe-node init; it may already hold
    records, e.g. from sh_gen, so that the store has a realistic size).
    bench_local adds courtyard <village>999 and one person there, then
    measures, for S seconds each (default 1.5):

      write   one signed change per durable commit: sh_replica_begin,
              sh_replica_write (a points-ledger entry: chain, sign, append,
              merge), sh_store_commit (LMDB, fsync'd);
      batch   the same writes, B per commit (default 1000);
      op      sh_ops_points: the validated domain operation a clerk runs
              (reads the person, writes, commits), one commit each;
      fsync   the reference of the durable rates: 4 KiB pwrite + fdatasync
              of a scratch file in DIR, as often as the disk allows (an LMDB
              commit syncs twice: the data pages, then the meta page).

    With --node PATH it then opens N/2 matters (default N = 200) through
    sh_ops_matter_open, closes the replica, and runs PATH (shouhe-node)
    `matter step --dir DIR ID handle` and `... feedback` on each, N
    commands in all, one after the other; each command's wall time is
    fork to exit, measured here (no shell in between). Its output goes to
    /dev/null; any non-zero exit fails the run. The reference is the
    exec floor: the median of N/4 runs of `shouhe-node --help` (loading
    the binary and its libraries, nothing else).

    Prints one line per figure, or with --json one object:
        {"local_write_per_s", "local_batch_per_s", "local_op_per_s", "fsync_per_s",
         "cli_step_ms" (median), "cli_step_p90_ms", "cli_step_min_ms", "cli_runs",
         "cli_exec_ms"}
    Exit status: 0 done, 1 failed (message on stderr), 2 usage.

    Like tests/tools/sh_gen it builds one record body with the generated
    protobuf-c code (a benchmark tool, not part of libshouhe).
*/
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sh_crypto.h"
#include "sh_ops.h"
#include "sh_record.h"
#include "sh_replica.h"

/* --------------------------------------------------------------------------
 * Constants and types
 * -------------------------------------------------------------------------- */

#define S_COURTYARD_SUFFIX "999"    //  a courtyard number sh_gen never reaches
#define S_MAX_RUNS 10000
#define S_MAX_BATCH 100000
#define S_FSYNC_FILE "bench-fsync.tmp"
#define S_FSYNC_BYTES 4096

typedef struct {
    const char *dir;                //  the replica's directory
    double seconds;                 //  per write measurement
    long batch;                     //  writes per commit in "batch"
    const char *node;               //  shouhe-node for the CLI runs, or NULL
    long runs;                      //  CLI commands to time
    bool json;                      //  one JSON object on stdout
} s_args_t;

typedef struct {
    sh_replica_t *r;                //  the replica (owned)
    char courtyard[SH_REGION_MAX + 1]; //  the bench courtyard's code
    char person[SH_OPS_ID_HEX];     //  the bench person's id (hex)
    uint8_t person_id[SH_OPS_ID_BYTES]; //  ... as bytes
    uint8_t *body;                  //  a packed LedgerEntry (owned)
    size_t body_len;                //  its length
} s_bench_t;

typedef struct {
    double write_per_s;             //  signed writes, one commit each
    double batch_per_s;             //  signed writes, batch per commit
    double op_per_s;                //  sh_ops_points operations
    double fsync_per_s;             //  the disk's 4 KiB fdatasync rate
    double step_median_ms;          //  `matter step`: median wall time
    double step_p90_ms;             //  ... 90th percentile
    double step_min_ms;             //  ... fastest
    double exec_median_ms;          //  `shouhe-node --help`: median wall time
    long runs;                      //  `matter step` commands timed
} s_figures_t;

/* --------------------------------------------------------------------------
 * Helpers
 * -------------------------------------------------------------------------- */

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int
s_cmp_double (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

//  Median of the n values in v (sorts v).
static double
s_median (double *v, long n)
{
    qsort (v, (size_t) n, sizeof *v, s_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int
s_fail (const char *what, sh_err rc, const char *msg)
{
    fprintf (stderr, "bench_local: %s: %s%s%s\n", what, sh_strerror (rc), msg && *msg ? ": " : "",
             msg ? msg : "");
    return -1;
}

/* --------------------------------------------------------------------------
 * Setup
 * -------------------------------------------------------------------------- */

//  The bench courtyard, its person and the ledger body the writes carry.
static int
s_setup (s_bench_t *b)
{
    char msg[SH_OPS_MSG_BYTES] = "";
    const char *scope = sh_replica_scope (b->r);
    if (strlen (scope) != 12) {
        fprintf (stderr, "bench_local: the replica's scope %s is not a village (12 digits)\n", scope);
        return -1;
    }
    snprintf (b->courtyard, sizeof b->courtyard, "%s%s", scope, S_COURTYARD_SUFFIX);
    sh_ops_courtyard_t c = { .code = b->courtyard, .name = "基准院落", .households = 20,
                             .residents = SH_OPS_UNSET, .elderly = SH_OPS_UNSET };
    sh_err rc = sh_ops_courtyard_add (b->r, &c, msg);
    if (rc && rc != SH_EEXIST)
        return s_fail ("cannot add the bench courtyard", rc, msg);
    sh_ops_person_t p = { .name = "基准", .courtyard = b->courtyard };
    rc = sh_ops_person_add (b->r, &p, b->person, msg);
    if (rc)
        return s_fail ("cannot add the bench person", rc, msg);
    if (sh_crypto_unhex (b->person_id, sizeof b->person_id, b->person) != SH_OK) {
        fprintf (stderr, "bench_local: unexpected person id '%s'\n", b->person);
        return -1;
    }
    //  the ledger entry the write loops sign, encoded once here
    json_t *e = json_pack ("{s:s, s:s, s:i, s:s, s:s, s:s}", "kind", "earn", "unit", "points", "amount", 5,
                           "reason", "参加院落议事", "date", "2025-06-30", "courtyard", b->courtyard);
    const char *why = NULL;
    rc = e ? sh_record_from_json (&b->body, &b->body_len, SH_KIND_LEDGER, e, &why) : SH_ENOMEM;
    json_decref (e);
    if (rc)
        return s_fail ("cannot encode the ledger entry", rc, why);
    return 0;
}

/* --------------------------------------------------------------------------
 * Write rates
 * -------------------------------------------------------------------------- */

//  Signed writes of the ledger body, per_commit to a transaction, for
//  seconds; *rate = writes per second. Returns 0 or -1.
static int
s_writes (s_bench_t *b, long per_commit, double seconds, double *rate)
{
    double t0 = s_now (), stop = t0 + seconds;
    uint64_t n = 0;
    do {
        sh_store_txn_t *txn;
        sh_err rc = sh_replica_begin (b->r, &txn);
        for (long i = 0; rc == SH_OK && i < per_commit; i++)
            rc = sh_replica_write (b->r, txn, b->courtyard, SH_KIND_LEDGER, b->person_id, sizeof b->person_id,
                                   SH_OP_EVENT, b->body, b->body_len, NULL);
        if (rc == SH_OK)
            rc = sh_store_commit (&txn);
        sh_store_abort (&txn);
        if (rc)
            return s_fail ("a signed write failed", rc, NULL);
        n += (uint64_t) per_commit;
    } while (s_now () < stop);
    *rate = (double) n / (s_now () - t0);
    return 0;
}

//  sh_ops_points, one operation (and commit) each, for seconds.
static int
s_ops (s_bench_t *b, double seconds, double *rate)
{
    char msg[SH_OPS_MSG_BYTES] = "";
    double t0 = s_now (), stop = t0 + seconds;
    uint64_t n = 0;
    do {
        sh_err rc = sh_ops_points (b->r, b->person, false, "points", 1, "值班", "2025-06-30", msg);
        if (rc)
            return s_fail ("sh_ops_points failed", rc, msg);
        n++;
    } while (s_now () < stop);
    *rate = (double) n / (s_now () - t0);
    return 0;
}

//  4 KiB pwrite + fdatasync of a scratch file in dir, for seconds.
static int
s_fsync_rate (const char *dir, double seconds, double *rate)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/%s", dir, S_FSYNC_FILE);
    int fd = open (path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    if (fd < 0) {
        perror ("bench_local: cannot create the fsync scratch file");
        return -1;
    }
    uint8_t block[S_FSYNC_BYTES];
    memset (block, 0x5a, sizeof block);
    int ret = 0;
    uint64_t n = 0;
    double t0 = s_now (), stop = t0 + seconds;
    do {
        block[n % sizeof block]++;
        if (pwrite (fd, block, sizeof block, 0) != (ssize_t) sizeof block || fdatasync (fd) != 0) {
            perror ("bench_local: fsync scratch file");
            ret = -1;
            break;
        }
        n++;
    } while (s_now () < stop);
    *rate = (double) n / (s_now () - t0);
    close (fd);
    unlink (path);
    return ret;
}

/* --------------------------------------------------------------------------
 * The CLI
 * -------------------------------------------------------------------------- */

//  Run argv (argv[0] the program's path) with stdout to /dev/null; *ms =
//  its wall time, fork to exit. Fails unless it exits 0.
static int
s_run (char *const argv[], double *ms)
{
    double t0 = s_now ();
    pid_t pid = fork ();
    if (pid < 0) {
        perror ("bench_local: fork");
        return -1;
    }
    if (pid == 0) {
        if (!freopen ("/dev/null", "w", stdout))
            _exit (127);
        execv (argv[0], argv);
        _exit (127);
    }
    int status;
    if (waitpid (pid, &status, 0) != pid) {
        perror ("bench_local: waitpid");
        return -1;
    }
    *ms = (s_now () - t0) * 1e3;
    if (!WIFEXITED (status) || WEXITSTATUS (status) != 0) {
        fprintf (stderr, "bench_local: `%s %s ...` failed (status %d)\n", argv[0], argv[1] ? argv[1] : "", status);
        return -1;
    }
    return 0;
}

//  Open runs/2 matters, close the replica, time runs step commands.
static int
s_cli (s_bench_t *b, const s_args_t *a, s_figures_t *f)
{
    long n_matters = (a->runs + 1) / 2;
    char (*ids)[SH_OPS_ID_HEX] = calloc ((size_t) n_matters, sizeof *ids);
    double *ms = calloc ((size_t) a->runs, sizeof *ms);
    char msg[SH_OPS_MSG_BYTES] = "";
    int ret = ids && ms ? 0 : s_fail ("cli", SH_ENOMEM, NULL);
    for (long i = 0; ret == 0 && i < n_matters; i++) {
        char title[64];
        snprintf (title, sizeof title, "基准事项 %ld", i + 1);
        sh_err rc = sh_ops_matter_open (b->r, b->courtyard, "environment", title, NULL, "2025-06-01", ids[i], msg);
        if (rc)
            ret = s_fail ("cannot open a matter", rc, msg);
    }
    sh_replica_close (&b->r);
    static const char *steps[] = { "handle", "feedback" };
    long done = 0;
    for (int s = 0; ret == 0 && s < 2; s++)
        for (long i = 0; ret == 0 && i < n_matters && done < a->runs; i++) {
            char *argv[] = { (char *) a->node, "matter", "step", "--dir", (char *) a->dir, ids[i],
                             (char *) steps[s], NULL };
            ret = s_run (argv, &ms[done++]);
        }
    if (ret == 0 && done > 0) {
        f->runs = done;
        f->step_median_ms = s_median (ms, done);
        f->step_min_ms = ms[0];
        f->step_p90_ms = ms[(done * 9) / 10];
    }
    //  the reference: the same binary doing nothing but start and exit
    long n_exec = a->runs / 4 > 0 ? a->runs / 4 : 1;
    for (long i = 0; ret == 0 && i < n_exec; i++) {
        char *argv[] = { (char *) a->node, "--help", NULL };
        ret = s_run (argv, &ms[i]);
    }
    if (ret == 0)
        f->exec_median_ms = s_median (ms, n_exec);
    free (ids);
    free (ms);
    return ret;
}

/* --------------------------------------------------------------------------
 * Main
 * -------------------------------------------------------------------------- */

static int
s_usage (FILE *out)
{
    fprintf (out, "usage: bench_local DIR [--seconds S] [--batch B] [--node PATH] [--runs N] [--json]\n");
    return out == stdout ? 0 : 2;
}

static int
s_parse (int argc, char **argv, s_args_t *a)
{
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp (o, "-h") || !strcmp (o, "--help"))
            return s_usage (stdout) == 0 ? 1 : 2;
        if (!strcmp (o, "--json")) {
            a->json = true;
            continue;
        }
        if (o[0] != '-') {
            if (a->dir)
                return 2;
            a->dir = o;
            continue;
        }
        if (i + 1 >= argc)
            return 2;
        const char *v = argv[++i];
        char *end;
        if (!strcmp (o, "--seconds")) {
            a->seconds = strtod (v, &end);
            if (*end || !(a->seconds > 0 && a->seconds <= 600))
                return 2;
        }
        else
        if (!strcmp (o, "--batch")) {
            a->batch = strtol (v, &end, 10);
            if (*end || a->batch < 1 || a->batch > S_MAX_BATCH)
                return 2;
        }
        else
        if (!strcmp (o, "--runs")) {
            a->runs = strtol (v, &end, 10);
            if (*end || a->runs < 1 || a->runs > S_MAX_RUNS)
                return 2;
        }
        else
        if (!strcmp (o, "--node"))
            a->node = v;
        else
            return 2;
    }
    return a->dir ? 0 : 2;
}

int
main (int argc, char **argv)
{
    s_args_t a = { .seconds = 1.5, .batch = 1000, .runs = 200 };
    int pr = s_parse (argc, argv, &a);
    if (pr == 1)
        return 0;
    if (pr)
        return s_usage (stderr);
    if (sh_crypto_init () != SH_OK) {
        fprintf (stderr, "bench_local: cannot initialise libsodium\n");
        return 1;
    }
    s_bench_t b = { 0 };
    s_figures_t f = { 0 };
    sh_err rc = sh_replica_open (&b.r, a.dir);
    if (rc) {
        fprintf (stderr, "bench_local: cannot open the replica in %s: %s\n", a.dir, sh_strerror (rc));
        return 1;
    }
    int ret = s_setup (&b);
    if (ret == 0)
        ret = s_writes (&b, 1, a.seconds, &f.write_per_s);
    if (ret == 0)
        ret = s_writes (&b, a.batch, a.seconds, &f.batch_per_s);
    if (ret == 0)
        ret = s_ops (&b, a.seconds, &f.op_per_s);
    if (ret == 0)
        ret = s_fsync_rate (a.dir, a.seconds, &f.fsync_per_s);
    if (ret == 0 && a.node)
        ret = s_cli (&b, &a, &f);
    sh_replica_close (&b.r);
    free (b.body);
    if (ret)
        return 1;
    if (a.json) {
        printf ("{\"local_write_per_s\": %.0f, \"local_batch_per_s\": %.0f, \"local_op_per_s\": %.0f, "
                "\"local_batch\": %ld, \"fsync_per_s\": %.0f", f.write_per_s, f.batch_per_s, f.op_per_s, a.batch,
                f.fsync_per_s);
        if (a.node)
            printf (", \"cli_step_ms\": %.2f, \"cli_step_p90_ms\": %.2f, \"cli_step_min_ms\": %.2f, "
                    "\"cli_runs\": %ld, \"cli_exec_ms\": %.2f", f.step_median_ms, f.step_p90_ms, f.step_min_ms,
                    f.runs, f.exec_median_ms);
        printf ("}\n");
    }
    else {
        printf ("local: %.0f signed durable writes/s (one commit each)\n", f.write_per_s);
        printf ("local: %.0f signed writes/s (%ld per commit)\n", f.batch_per_s, a.batch);
        printf ("local: %.0f sh_ops_points operations/s (validated, one commit each)\n", f.op_per_s);
        printf ("local: %.0f fdatasync/s (4 KiB, the disk's durable-write reference)\n", f.fsync_per_s);
        if (a.node)
            printf ("local: `shouhe-node matter step`: median %.2f ms, p90 %.2f ms, min %.2f ms (%ld runs); "
                    "exec floor (`--help`) %.2f ms\n", f.step_median_ms, f.step_p90_ms, f.step_min_ms, f.runs,
                    f.exec_median_ms);
    }
    return 0;
}
