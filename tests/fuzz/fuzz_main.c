/*  fuzz_main -- a standalone driver for the fuzz targets when libFuzzer is
    not linked in (the ordinary gcc build and the gcc sanitizer build): it
    runs LLVMFuzzerTestOneInput once on every file named on the command
    line, or found (not recursively, in name order) in a directory named
    there. So the corpus is replayed as a plain regression test; a property
    that fails aborts, which ctest reports.

        fuzz_envelope tests/fuzz/corpus/envelope [more files or dirs ...]
*/
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv) __attribute__((weak));

//  Run the target on the file at path. -1 if it cannot be read.
static int
s_run_file (const char *path)
{
    FILE *f = fopen (path, "rb");
    if (!f) {
        fprintf (stderr, "fuzz_main: cannot open %s: %s\n", path, strerror (errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc (cap);
    size_t n;
    while (buf && (n = fread (buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            uint8_t *bigger = realloc (buf, cap * 2);
            if (!bigger) {
                free (buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    int bad = ferror (f) || !buf;
    fclose (f);
    if (bad) {
        fprintf (stderr, "fuzz_main: cannot read %s\n", path);
        free (buf);
        return -1;
    }
    //  an exact-size copy, so that ASan sees reads past the input's end
    uint8_t *input = malloc (len ? len : 1);
    if (!input) {
        free (buf);
        return -1;
    }
    memcpy (input, buf, len);
    free (buf);
    if (getenv ("FUZZ_VERBOSE"))
        fprintf (stderr, "%s\n", path);
    LLVMFuzzerTestOneInput (input, len);
    free (input);
    return 0;
}

static int
s_skip (const struct dirent *e)
{
    return e->d_name[0] != '.';
}

int
main (int argc, char **argv)
{
    if (argc < 2) {
        fprintf (stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
        return 2;
    }
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize (&argc, &argv);
    size_t runs = 0;
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat (argv[i], &st) != 0) {
            fprintf (stderr, "fuzz_main: %s: %s\n", argv[i], strerror (errno));
            failed = 1;
            continue;
        }
        if (!S_ISDIR (st.st_mode)) {
            if (s_run_file (argv[i]) == 0)
                runs++;
            else
                failed = 1;
            continue;
        }
        struct dirent **names;
        int n = scandir (argv[i], &names, s_skip, alphasort);
        if (n < 0) {
            fprintf (stderr, "fuzz_main: cannot list %s: %s\n", argv[i], strerror (errno));
            failed = 1;
            continue;
        }
        for (int k = 0; k < n; k++) {
            size_t len = strlen (argv[i]) + strlen (names[k]->d_name) + 2;
            char *path = malloc (len);
            if (path) {
                snprintf (path, len, "%s/%s", argv[i], names[k]->d_name);
                if (stat (path, &st) == 0 && S_ISREG (st.st_mode)) {
                    if (s_run_file (path) == 0)
                        runs++;
                    else
                        failed = 1;
                }
                free (path);
            }
            free (names[k]);
        }
        free (names);
    }
    printf ("%s: %zu input%s replayed\n", argv[0], runs, runs == 1 ? "" : "s");
    if (runs == 0) {
        fprintf (stderr, "fuzz_main: no input found\n");
        return 1;
    }
    return failed;
}
