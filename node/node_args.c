/*  node_args -- what every command asks of its parsed command line:
    whether an option was given (by its name, through the option table
    main.c set in node_args_t.options), the replica of --dir opened with
    the fault points of a set, the exit code of an operation, and printing
    a JSON view and its personal fields.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "node_cli.h"
#include "sh_i18n.h"
#include "sh_replica.h"
#include "sh_store.h"

bool
node_given (const node_args_t *a, const char *name)
{
    for (int i = 0; a->options && a->options[i].name; i++)
        if (strcmp (a->options[i].name, name) == 0)
            return (a->given[i / 64] >> (i % 64)) & 1;
    return false;
}

void
node_say (const char *fmt, ...)
{
    fputs ("shouhe-node: ", stderr);
    va_list ap;
    va_start (ap, fmt);
    vfprintf (stderr, fmt, ap);
    va_end (ap);
}

void
node_print_json (void *json)
{
    json_dumpf (json, stdout, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
    fputc ('\n', stdout);
}

const char *
node_text (void *json, const char *key)
{
    json_t *o = json, *v = json_object_get (o, key), *w;
    if (json_is_string (v))
        return json_string_value (v);
    size_t i;
    json_array_foreach (json_object_get (o, "withheld"), i, w)
        if (json_is_string (w) && strcmp (json_string_value (w), key) == 0)
            return json_is_true (json_object_get (o, "erased")) ? _("(erased)") : _("(not held here)");
    return "-";
}

int
node_open (const node_args_t *a, sh_replica_t **r)
{
    char why[1024];
    sh_err rc = sh_replica_open_why (r, a->dir, why, sizeof why);
    if (rc == SH_OK) {
        sh_store_fail_commit_after (sh_replica_store (*r), a->fault_commit);
        sh_replica_set_clock_offset (*r, a->fault_clock_ms);
        return SH_EXIT_OK;
    }
    if (rc == SH_ENOTFOUND)
        node_say (_("no node in %s (create one with: shouhe-node init --dir %s --scope CODE)\n"),
                  a->dir, a->dir);
    else
        fprintf (stderr, "shouhe-node: %s\n", why);
    return SH_EXIT_STORE;
}


//  Exit code for an operation's result; prints msg on failure.
int
node_done (sh_err rc, const char *msg)
{
    if (rc == SH_OK)
        return SH_EXIT_OK;
    if (rc == SH_ESTOREFULL) {
        //  SH_EXIT_FULL_SAY written out: xgettext reads literals only
        node_say (_("this node's disk is full (%s): free space, nothing was lost\n"),
                  msg[0] ? msg : sh_strerror (rc));
        return SH_EXIT_FULL;
    }
    fprintf (stderr, "shouhe-node: %s\n", msg[0] ? msg : sh_strerror (rc));
    switch (rc) {
        case SH_EINVAL: case SH_ENOTFOUND: case SH_EEXIST: case SH_ERULE: case SH_ESCOPE: case SH_ECLOCK:
        case SH_EBEHIND:            //  behind its own chain: sync first (exit 1)
            return SH_EXIT_REFUSED;
        default:
            return SH_EXIT_STORE;
    }
}
