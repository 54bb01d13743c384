/*  node_import -- `shouhe-node import --dir DIR courtyards|persons FILE.csv`:
    courtyards or persons from a CSV file (sh_import), all or nothing.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "node_cli.h"
#include "sh_i18n.h"
#include "sh_import.h"
#include "sh_ops.h"
#include "sh_replica.h"

//  Short ids are the first this many hex digits of an id.
#define S_SHORT_ID 8

//  sh_import_report_fn: each bad row on stderr, after the file's name.
static void
s_report_line (const char *message, void *arg)
{
    fprintf (stderr, "%s: %s\n", (const char *) arg, message);
}

//  The ids of the persons imported: short ones in text, full ones in JSON.
static void
s_print_ids (const node_args_t *a, char (*ids)[SH_OPS_ID_HEX], size_t n)
{
    if (!a->json) {
        printf (n == 1 ? _("imported %zu person from %s\n") : _("imported %zu persons from %s\n"), n, a->pos[1]);
        for (size_t i = 0; i < n; i++)
            printf ("%.*s\n", S_SHORT_ID, ids[i]);
        return;
    }
    json_t *arr = json_array ();
    for (size_t i = 0; i < n; i++) {
        char sh[S_SHORT_ID + 1];
        snprintf (sh, sizeof sh, "%.*s", S_SHORT_ID, ids[i]);
        json_array_append_new (arr, json_pack ("{s:s, s:s}", "id", ids[i], "short_id", sh));
    }
    json_t *j = json_pack ("{s:s, s:s, s:I, s:o}", "kind", "persons", "file", a->pos[1],
                           "imported", (json_int_t) n, "persons", arr);
    node_print_json (j);
    json_decref (j);
}

int
node_import (node_args_t *a)
{
    bool persons = !strcmp (a->pos[0], "persons");
    if (!persons && strcmp (a->pos[0], "courtyards") != 0) {
        fprintf (stderr, _("shouhe-node: can import 'courtyards' or 'persons', not '%s'\n"), a->pos[0]);
        return SH_EXIT_USAGE;
    }
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    char msg[SH_OPS_MSG_BYTES] = "";
    size_t n = 0;
    char (*ids)[SH_OPS_ID_HEX] = NULL;
    sh_err rc = persons ? sh_import_persons (r, a->pos[1], &ids, &n, s_report_line, a->pos[1], msg)
                        : sh_import_courtyards (r, a->pos[1], &n, s_report_line, a->pos[1], msg);
    sh_replica_close (&r);
    if (rc == SH_OK && persons)
        s_print_ids (a, ids, n);
    else
    if (rc == SH_OK && a->json) {
        json_t *j = json_pack ("{s:s, s:s, s:I}", "kind", "courtyards", "file", a->pos[1], "imported", (json_int_t) n);
        node_print_json (j);
        json_decref (j);
    }
    else
    if (rc == SH_OK)
        printf (n == 1 ? _("imported %zu courtyard from %s\n") : _("imported %zu courtyards from %s\n"), n,
                a->pos[1]);
    free (ids);
    return node_done (rc, msg);
}
