/*  sh_conf -- a configuration file of `key = value` lines. See sh_conf.h.
*/
#include "sh_conf.h"

#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_exit.h"
#include "sh_i18n.h"

#ifndef SH_CONF_DIR
#define SH_CONF_DIR "/etc/shouhe"
#endif

typedef struct {
    char *key;                  //  option name (owned)
    char *value;                //  its value (owned)
    int line;                   //  line number in the file, 1-based
} s_entry_t;

struct sh_conf_t {
    char *path;                 //  where it was read from (owned)
    s_entry_t *entries;         //  entries in file order (owned)
    size_t n, cap;              //  used and allocated entries
};

//  ---------------------------------------------------------------------
//  Constructor and destructor

void
sh_conf_destroy (sh_conf_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        sh_conf_t *self = *self_p;
        for (size_t i = 0; i < self->n; i++) {
            free (self->entries[i].key);
            free (self->entries[i].value);
        }
        free (self->entries);
        free (self->path);
        free (self);
        *self_p = NULL;
    }
}

//  Trim blanks (space, tab, CR) from both ends of s, in place.
static char *
s_trim (char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen (s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = 0;
    return s;
}

static sh_err
s_add (sh_conf_t *self, const char *key, const char *value, int line)
{
    if (self->n == self->cap) {
        size_t cap = self->cap ? 2 * self->cap : 16;
        s_entry_t *e = realloc (self->entries, cap * sizeof *e);
        if (!e)
            return SH_ENOMEM;
        self->entries = e;
        self->cap = cap;
    }
    s_entry_t *e = &self->entries[self->n];
    e->key = strdup (key);
    e->value = strdup (value);
    e->line = line;
    if (!e->key || !e->value) {
        free (e->key);
        free (e->value);
        return SH_ENOMEM;
    }
    self->n++;
    return SH_OK;
}

//  One line (without its newline): an entry, a comment or blank.
static sh_err
s_line (sh_conf_t *self, char *text, int line, char *why, size_t why_len)
{
    char *t = s_trim (text);
    if (*t == 0 || *t == '#')
        return SH_OK;
    char *eq = strchr (t, '=');
    if (!eq) {
        snprintf (why, why_len, _("%s, line %d: '%.60s' is not 'key = value'"), self->path, line, t);
        return SH_EINVAL;
    }
    *eq = 0;
    char *key = s_trim (t), *value = s_trim (eq + 1);
    bool ok = *key != 0;
    for (const char *k = key; *k && ok; k++)
        ok = (*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '-';
    if (!ok) {
        snprintf (why, why_len, _("%s, line %d: '%.60s' is not a key (option names are lower-case letters, "
                  "digits and '-', like hub-key)"), self->path, line, key);
        return SH_EINVAL;
    }
    return s_add (self, key, value, line);
}

sh_err
sh_conf_load (sh_conf_t **self_p, const char *path, char *why, size_t why_len)
{
    assert (self_p && path && why);
    *self_p = NULL;
    FILE *f = fopen (path, "r");
    if (!f) {
        int e = errno;
        snprintf (why, why_len, _("cannot read %s: %s"), path, strerror (e));
        return e == ENOENT ? SH_ENOTFOUND : (sh_err) (SH_ESYSERR | e);
    }
    sh_conf_t *self = calloc (1, sizeof *self);
    sh_err rc = self && (self->path = strdup (path)) ? SH_OK : SH_ENOMEM;
    char buf[SH_CONF_LINE_MAX + 2];
    int line = 0;
    while (rc == SH_OK && fgets (buf, sizeof buf, f)) {
        line++;
        size_t n = strlen (buf);
        if (n > SH_CONF_LINE_MAX && buf[n - 1] != '\n') {
            snprintf (why, why_len, _("%s, line %d: longer than %d bytes"), path, line, SH_CONF_LINE_MAX);
            rc = SH_EINVAL;
        }
        else
            rc = s_line (self, buf, line, why, why_len);
    }
    if (rc == SH_OK && ferror (f)) {
        rc = (sh_err) (SH_ESYSERR | (errno ? errno : EIO));
        snprintf (why, why_len, _("cannot read %s: %s"), path, sh_strerror (rc));
    }
    fclose (f);
    if (rc == SH_ENOMEM)
        snprintf (why, why_len, _("out of memory reading %s"), path);
    if (rc)
        sh_conf_destroy (&self);
    *self_p = self;
    return rc;
}

sh_err
sh_conf_open (sh_conf_t **self_p, const char *given, const char *name, char *why, size_t why_len)
{
    assert (self_p && name && why);
    if (given)
        return sh_conf_load (self_p, given, why, why_len);
    const char *dir = sh_conf_dir ();
    size_t n = strlen (dir) + strlen (name) + 2;
    char *path = malloc (n);
    if (!path) {
        snprintf (why, why_len, _("out of memory"));
        return SH_ENOMEM;
    }
    snprintf (path, n, "%s/%s", dir, name);
    sh_err rc = sh_conf_load (self_p, path, why, why_len);
    free (path);
    return rc == SH_ENOTFOUND ? SH_OK : rc;
}

sh_err
sh_conf_bool (const char *value, int *out)
{
    static const char *const yes[] = { "true", "yes", "on", "1" }, *const no[] = { "false", "no", "off", "0" };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (!strcmp (value, yes[i]))
            return *out = 1, SH_OK;
        if (!strcmp (value, no[i]))
            return *out = 0, SH_OK;
    }
    return SH_EINVAL;
}

int
sh_conf_apply (const sh_conf_t *self, const sh_conf_use_t *use)
{
    assert (use && use->options && use->takes && use->given && use->set);
    for (size_t i = 0; self && i < self->n; i++) {
        const s_entry_t *e = &self->entries[i];
        int idx = 0;
        while (use->options[idx].name && strcmp (use->options[idx].name, e->key) != 0)
            idx++;
        if (!use->options[idx].name || !strcmp (e->key, "config") || !strcmp (e->key, "help")) {
            fprintf (stderr, _("%s: %s, line %d: unknown key '%s' (the keys are %s's long options without "
                     "'--'; shouhe.conf(5))\n"), use->program, self->path, e->line, e->key, use->program);
            return SH_EXIT_USAGE;
        }
        if (!use->takes (e->key, use->arg) || use->given (idx, use->arg))
            continue;
        int yes = 1;
        bool flag = use->options[idx].has_arg == no_argument;
        if (flag && sh_conf_bool (e->value, &yes) != SH_OK) {
            fprintf (stderr, _("%s: %s, line %d: key '%s' takes yes or no, not '%s'\n"), use->program,
                     self->path, e->line, e->key, e->value);
            return SH_EXIT_USAGE;
        }
        if (yes && !use->set (idx, e->value, use->arg)) {
            fprintf (stderr, _("%s: (that value is from %s, line %d, key '%s')\n"), use->program, self->path,
                     e->line, e->key);
            return SH_EXIT_USAGE;
        }
    }
    return 0;
}

int
sh_conf_use (sh_conf_t **self_p, const char *given, const char *name, const sh_conf_use_t *use)
{
    char why[1024];
    if (sh_conf_open (self_p, given, name, why, sizeof why) != SH_OK) {
        fprintf (stderr, "%s: %s\n", use->program, why);
        return SH_EXIT_USAGE;
    }
    return sh_conf_apply (*self_p, use);
}

//  ---------------------------------------------------------------------
//  Accessors

size_t
sh_conf_count (const sh_conf_t *self)
{
    assert (self);
    return self->n;
}

const char *
sh_conf_key (const sh_conf_t *self, size_t i)
{
    assert (self && i < self->n);
    return self->entries[i].key;
}

const char *
sh_conf_value (const sh_conf_t *self, size_t i)
{
    assert (self && i < self->n);
    return self->entries[i].value;
}

int
sh_conf_line (const sh_conf_t *self, size_t i)
{
    assert (self && i < self->n);
    return self->entries[i].line;
}

const char *
sh_conf_path (const sh_conf_t *self)
{
    assert (self);
    return self->path;
}

const char *
sh_conf_dir (void)
{
    const char *env = getenv ("SHOUHE_CONF_DIR");
    return env && *env ? env : SH_CONF_DIR;
}
