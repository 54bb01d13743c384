/*  sh_conf_test -- configuration files of `key = value` lines (sh_conf.h):
    comments, blanks, spaces around '=', CRLF, '#' inside a value, repeated
    keys; refused lines name file and line; a missing file is SH_ENOTFOUND,
    a missing default file no error; yes/no values.
*/
#include <stdlib.h>
#include <unistd.h>

#include "sh_conf.h"
#include "sh_test.h"

static char *
s_write (const char *dir, const char *name, const char *text)
{
    char *p = malloc (strlen (dir) + strlen (name) + 2);
    SH_CHECK (p);
    sprintf (p, "%s/%s", dir, name);
    FILE *f = fopen (p, "w");
    SH_CHECK (f);
    fputs (text, f);
    fclose (f);
    return p;
}

static void
test_lines (void)
{
    char *dir = sh_test_tmpdir ();
    char *p = s_write (dir, "node.conf", "# comment\n\n   # indented comment\ndir = /var/lib/x\n"
                                         "hub=tcp://h:7600\r\n  hub-key \t=  ab cd  \nnote = a # b\n"
                                         "topic = one\ntopic = two\nempty =\n");
    sh_conf_t *c = NULL;
    char why[512];
    SH_PASS (sh_conf_load (&c, p, why, sizeof why));
    SH_CHECK (sh_conf_count (c) == 7);
    SH_CHECK (!strcmp (sh_conf_key (c, 0), "dir") && !strcmp (sh_conf_value (c, 0), "/var/lib/x"));
    SH_CHECK (sh_conf_line (c, 0) == 4);
    SH_CHECK (!strcmp (sh_conf_value (c, 1), "tcp://h:7600"));
    SH_CHECK (!strcmp (sh_conf_key (c, 2), "hub-key") && !strcmp (sh_conf_value (c, 2), "ab cd"));
    SH_CHECK (!strcmp (sh_conf_value (c, 3), "a # b"));
    SH_CHECK (!strcmp (sh_conf_value (c, 5), "two") && sh_conf_line (c, 5) == 9);
    SH_CHECK (!strcmp (sh_conf_value (c, 6), ""));
    SH_CHECK (!strcmp (sh_conf_path (c), p));
    sh_conf_destroy (&c);
    sh_conf_destroy (&c);
    SH_CHECK (c == NULL);
    free (p);
    sh_test_rmdir (dir);
}

static void
test_refused (void)
{
    char *dir = sh_test_tmpdir ();
    static const char *const bad[] = { "dir = x\nno equals sign\n", "dir = x\n= value\n",
                                       "dir = x\nHub = y\n", "dir = x\nhub key = y\n" };
    sh_conf_t *c = NULL;
    char why[512];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *p = s_write (dir, "bad.conf", bad[i]);
        SH_FAIL (sh_conf_load (&c, p, why, sizeof why), SH_EINVAL);
        SH_CHECK (c == NULL);
        SH_CHECK (strstr (why, p) && strstr (why, "line 2"));
        free (p);
    }
    char *longline = malloc (SH_CONF_LINE_MAX + 20);
    SH_CHECK (longline);
    memset (longline, 'x', SH_CONF_LINE_MAX + 10);
    memcpy (longline, "dir = ", 6);
    strcpy (longline + SH_CONF_LINE_MAX + 10, "\n");
    char *p = s_write (dir, "long.conf", longline);
    SH_FAIL (sh_conf_load (&c, p, why, sizeof why), SH_EINVAL);
    SH_CHECK (strstr (why, "line 1: longer than"));
    free (p);
    free (longline);
    p = malloc (strlen (dir) + sizeof "/missing.conf");
    SH_CHECK (p);
    sprintf (p, "%s/missing.conf", dir);
    SH_FAIL (sh_conf_load (&c, p, why, sizeof why), SH_ENOTFOUND);
    SH_CHECK (strstr (why, "missing.conf"));
    //  --config FILE must exist; the default file may be missing
    SH_FAIL (sh_conf_open (&c, p, "node.conf", why, sizeof why), SH_ENOTFOUND);
    setenv ("SHOUHE_CONF_DIR", dir, 1);
    SH_CHECK (!strcmp (sh_conf_dir (), dir));
    SH_PASS (sh_conf_open (&c, NULL, "node.conf", why, sizeof why));
    SH_CHECK (c == NULL);
    free (p);
    p = s_write (dir, "node.conf", "dir = /here\n");
    SH_PASS (sh_conf_open (&c, NULL, "node.conf", why, sizeof why));
    SH_CHECK (c && sh_conf_count (c) == 1 && !strcmp (sh_conf_value (c, 0), "/here"));
    sh_conf_destroy (&c);
    unsetenv ("SHOUHE_CONF_DIR");
    free (p);
    sh_test_rmdir (dir);
}

static void
test_bool (void)
{
    int v = -1;
    SH_PASS (sh_conf_bool ("yes", &v));
    SH_CHECK (v == 1);
    SH_PASS (sh_conf_bool ("off", &v));
    SH_CHECK (v == 0);
    SH_PASS (sh_conf_bool ("1", &v));
    SH_CHECK (v == 1);
    SH_FAIL (sh_conf_bool ("Yes", &v), SH_EINVAL);
    SH_FAIL (sh_conf_bool ("", &v), SH_EINVAL);
}

static const sh_test_case_t tests[] = {
    { "lines", test_lines },
    { "refused", test_refused },
    { "bool", test_bool },
    { NULL, NULL }
};
SH_TEST_MAIN (tests)
