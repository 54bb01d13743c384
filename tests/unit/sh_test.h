/*  sh_test -- the tiny unit-test harness (NUTS-style).

    A test file defines `static void test_x (void)` functions, lists them in a
    table and ends with SH_TEST_MAIN:

        static const sh_test_case_t tests[] = {
            { "sign and verify", test_sign_verify },
            { NULL, NULL }
        };
        SH_TEST_MAIN (tests)

    SH_PASS(expr) evaluates an sh_err expression and fails the test, printing
    sh_strerror, unless it is SH_OK; SH_FAIL(expr, code) expects that code;
    SH_CHECK(cond) fails when cond is false. A failure prints file:line and
    exits non-zero, so ctest reports it. `./x_test NAME` runs one test.
*/
#ifndef SH_TEST_H
#define SH_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_crypto.h"
#include "sh_err.h"
#include "sh_key.h"

typedef struct {
    const char *name;
    void (*fn) (void);
} sh_test_case_t;

#define SH_CHECK(cond) do { if (!(cond)) { \
    fprintf (stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    exit (1); } } while (0)

#define SH_PASS(expr) do { sh_err sh_test_rc_ = (expr); if (sh_test_rc_ != SH_OK) { \
    fprintf (stderr, "%s:%d: %s failed: %s (%d)\n", __FILE__, __LINE__, #expr, \
             sh_strerror (sh_test_rc_), (int) sh_test_rc_); exit (1); } } while (0)

#define SH_FAIL(expr, code) do { sh_err sh_test_rc_ = (expr); if (sh_test_rc_ != (code)) { \
    fprintf (stderr, "%s:%d: %s returned %s (%d), expected %s\n", __FILE__, __LINE__, #expr, \
             sh_strerror (sh_test_rc_), (int) sh_test_rc_, #code); exit (1); } } while (0)

#define SH_TEST_MAIN(table) \
int main (int argc, char **argv) \
{ \
    if (sh_crypto_init () != SH_OK) { fprintf (stderr, "sodium_init failed\n"); return 1; } \
    int ran = 0; \
    for (const sh_test_case_t *t = (table); t->name; t++) { \
        if (argc > 1 && strcmp (argv[1], t->name) != 0) continue; \
        printf ("test: %s\n", t->name); fflush (stdout); \
        t->fn (); ran++; \
    } \
    printf ("%d test(s) passed\n", ran); \
    return ran ? 0 : 1; \
}

//  A fresh temporary directory (caller frees the string; remove with sh_test_rmdir).
static inline char *sh_test_tmpdir (void)
{
    char *p = strdup ("/tmp/shouhe-test-XXXXXX");
    if (!p || !mkdtemp (p)) { perror ("mkdtemp"); exit (1); }
    return p;
}

//  A key pair from a seed of 32 bytes fill (the same key every run). Caller destroys it.
static inline sh_key_t *sh_test_key (uint8_t fill)
{
    uint8_t seed[SH_SEED_BYTES];
    memset (seed, fill, sizeof seed);
    sh_key_t *key = sh_key_from_seed (seed);
    SH_CHECK (key);
    return key;
}

static inline void sh_test_rmdir (char *path)
{
    char cmd[512];
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system (cmd) != 0) fprintf (stderr, "warning: could not remove %s\n", path);
    free (path);
}

#endif
