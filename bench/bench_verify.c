/*  bench_verify -- the machine's Ed25519 verification ceiling.

    Usage:
        bench_verify [--seconds S] [--threads N] [--bytes B] [--json]

    Signs S_MESSAGES distinct messages of B bytes (default 300) with
    S_KEYS keys, then verifies them round-robin with sh_crypto_verify (that
    is libsodium's crypto_sign_verify_detached, nothing added) for S seconds
    (default 2) on one thread, then for S seconds on N threads at once
    (default: the number of online CPUs; pthreads, each thread its own
    slice of the messages). Every verification must succeed. Then, for
    half as long, sh_key_sign on one thread (the signing reference of the
    local write benchmark).

    Prints one line per run:
        verify: 1 thread 300-byte messages: 12345 /s
        verify: 2 threads 300-byte messages: 24567 /s
        sign: 1 thread 300-byte messages: 34567 /s
    or with --json one object {"verify_1core_per_s": ..., "verify_allcores_per_s":
    ..., "sign_1core_per_s": ..., "threads": N, "message_bytes": B}.

    These are the references the other benchmark figures are divided by
    (bench/README.md). Exit status: 0 done, 1 a verification failed or a
    thread could not start, 2 usage.
*/
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sh_crypto.h"
#include "sh_key.h"

/* --------------------------------------------------------------------------
 * Constants and types
 * -------------------------------------------------------------------------- */

#define S_MESSAGES 512              //  distinct signed messages
#define S_KEYS 16                   //  distinct signing keys
#define S_MAX_THREADS 256
#define S_MAX_BYTES 65536
#define S_CHECK_EVERY 64            //  verifications between clock reads

typedef struct {
    uint8_t sig[SH_SIG_BYTES];      //  signature of msg
    uint8_t pk[SH_PUBKEY_BYTES];    //  by this key
    uint8_t *msg;                   //  message (owned by the set)
} s_item_t;

typedef struct {
    s_item_t items[S_MESSAGES];     //  what is verified
    size_t msg_bytes;               //  each message's length
} s_set_t;

typedef struct {
    const s_set_t *set;             //  shared, read-only
    size_t first;                   //  this thread's first item
    double seconds;                 //  how long to run
    uint64_t done;                  //  verifications made
    bool failed;                    //  a signature did not verify
} s_worker_t;

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

//  Fill set with S_MESSAGES messages of msg_bytes signed by S_KEYS keys.
//  Returns 0, or -1 when memory or signing fails.
static int
s_set_fill (s_set_t *set, size_t msg_bytes)
{
    set->msg_bytes = msg_bytes;
    sh_key_t *keys[S_KEYS] = { NULL };
    int ret = 0;
    for (int k = 0; k < S_KEYS && ret == 0; k++)
        if (!(keys[k] = sh_key_generate ()))
            ret = -1;
    for (size_t i = 0; i < S_MESSAGES && ret == 0; i++) {
        s_item_t *it = &set->items[i];
        it->msg = malloc (msg_bytes);
        if (!it->msg) {
            ret = -1;
            break;
        }
        sh_crypto_random (it->msg, msg_bytes);
        const sh_key_t *key = keys[i % S_KEYS];
        memcpy (it->pk, sh_key_public (key), SH_PUBKEY_BYTES);
        if (sh_key_sign (key, it->sig, NULL, 0, it->msg, msg_bytes) != SH_OK)
            ret = -1;
    }
    for (int k = 0; k < S_KEYS; k++)
        sh_key_destroy (&keys[k]);
    return ret;
}

static void
s_set_fini (s_set_t *set)
{
    for (size_t i = 0; i < S_MESSAGES; i++) {
        free (set->items[i].msg);
        set->items[i].msg = NULL;
    }
}

/* --------------------------------------------------------------------------
 * The measurement
 * -------------------------------------------------------------------------- */

static void *
s_worker (void *arg)
{
    s_worker_t *w = arg;
    const s_set_t *set = w->set;
    double stop = s_now () + w->seconds;
    size_t i = w->first;
    uint64_t n = 0;
    do {
        for (int k = 0; k < S_CHECK_EVERY; k++) {
            const s_item_t *it = &set->items[i];
            if (sh_crypto_verify (it->sig, it->msg, set->msg_bytes, it->pk) != SH_OK) {
                w->failed = true;
                return NULL;
            }
            i = (i + 1) % S_MESSAGES;
            n++;
        }
    } while (s_now () < stop);
    w->done = n;
    return NULL;
}

//  Run n_threads workers for seconds; *rate = verifications per second
//  (all threads together). Returns 0 or -1.
static int
s_measure (const s_set_t *set, int n_threads, double seconds, double *rate)
{
    s_worker_t workers[S_MAX_THREADS];
    pthread_t tids[S_MAX_THREADS];
    int started = 0, ret = 0;
    double t0 = s_now ();
    for (int t = 0; t < n_threads; t++) {
        workers[t] = (s_worker_t) { .set = set, .first = (size_t) t * S_MESSAGES / (size_t) n_threads,
                                    .seconds = seconds };
        if (pthread_create (&tids[t], NULL, s_worker, &workers[t]) != 0) {
            fprintf (stderr, "bench_verify: cannot start thread %d\n", t + 1);
            ret = -1;
            break;
        }
        started++;
    }
    uint64_t total = 0;
    for (int t = 0; t < started; t++) {
        pthread_join (tids[t], NULL);
        if (workers[t].failed) {
            fprintf (stderr, "bench_verify: a signature did not verify\n");
            ret = -1;
        }
        total += workers[t].done;
    }
    double elapsed = s_now () - t0;
    *rate = elapsed > 0 ? (double) total / elapsed : 0;
    return ret;
}

//  Signatures of one message by one key on this thread for seconds.
static int
s_sign_rate (size_t msg_bytes, double seconds, double *rate)
{
    sh_key_t *key = sh_key_generate ();
    uint8_t *msg = malloc (msg_bytes);
    int ret = key && msg ? 0 : -1;
    uint8_t sig[SH_SIG_BYTES];
    uint64_t n = 0;
    double t0 = s_now (), stop = t0 + seconds;
    if (ret == 0)
        sh_crypto_random (msg, msg_bytes);
    while (ret == 0) {
        for (int k = 0; k < S_CHECK_EVERY && ret == 0; k++) {
            if (sh_key_sign (key, sig, NULL, 0, msg, msg_bytes) != SH_OK)
                ret = -1;
            msg[k % msg_bytes] ^= sig[0];   //  a new message each time
            n++;
        }
        if (s_now () >= stop)
            break;
    }
    *rate = (double) n / (s_now () - t0);
    sh_key_destroy (&key);
    free (msg);
    return ret;
}

/* --------------------------------------------------------------------------
 * Main
 * -------------------------------------------------------------------------- */

static int
s_usage (FILE *out)
{
    fprintf (out, "usage: bench_verify [--seconds S] [--threads N] [--bytes B] [--json]\n");
    return out == stdout ? 0 : 2;
}

int
main (int argc, char **argv)
{
    double seconds = 2.0;
    long threads = sysconf (_SC_NPROCESSORS_ONLN);
    long bytes = 300;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp (a, "-h") || !strcmp (a, "--help"))
            return s_usage (stdout);
        if (!strcmp (a, "--json")) {
            json = true;
            continue;
        }
        if (i + 1 >= argc)
            return s_usage (stderr);
        char *end;
        const char *v = argv[++i];
        if (!strcmp (a, "--seconds")) {
            seconds = strtod (v, &end);
            if (*end || !(seconds > 0 && seconds <= 600))
                return s_usage (stderr);
        }
        else
        if (!strcmp (a, "--threads")) {
            threads = strtol (v, &end, 10);
            if (*end || threads < 1 || threads > S_MAX_THREADS)
                return s_usage (stderr);
        }
        else
        if (!strcmp (a, "--bytes")) {
            bytes = strtol (v, &end, 10);
            if (*end || bytes < 1 || bytes > S_MAX_BYTES)
                return s_usage (stderr);
        }
        else
            return s_usage (stderr);
    }
    if (threads < 1)
        threads = 1;
    if (sh_crypto_init () != SH_OK) {
        fprintf (stderr, "bench_verify: cannot initialise libsodium\n");
        return 1;
    }
    s_set_t *set = calloc (1, sizeof *set);
    if (!set || s_set_fill (set, (size_t) bytes) != 0) {
        fprintf (stderr, "bench_verify: cannot prepare the signed messages\n");
        if (set)
            s_set_fini (set);
        free (set);
        return 1;
    }
    double one = 0, all = 0, sign = 0;
    int ret = s_measure (set, 1, seconds, &one);
    if (ret == 0)
        ret = s_measure (set, (int) threads, seconds, &all);
    if (ret == 0 && s_sign_rate ((size_t) bytes, seconds / 2, &sign) != 0) {
        fprintf (stderr, "bench_verify: cannot sign\n");
        ret = -1;
    }
    s_set_fini (set);
    free (set);
    if (ret != 0)
        return 1;
    if (json)
        printf ("{\"verify_1core_per_s\": %.0f, \"verify_allcores_per_s\": %.0f, \"sign_1core_per_s\": %.0f, "
                "\"threads\": %ld, \"message_bytes\": %ld}\n", one, all, sign, threads, bytes);
    else {
        printf ("verify: 1 thread %ld-byte messages: %.0f /s\n", bytes, one);
        printf ("verify: %ld thread%s %ld-byte messages: %.0f /s\n", threads, threads == 1 ? "" : "s", bytes, all);
        printf ("sign: 1 thread %ld-byte messages: %.0f /s\n", bytes, sign);
    }
    return 0;
}
