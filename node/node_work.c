/*  node_work -- `shouhe-node matter list` with filters: the town's work list
    (issue 13; sh_worklist). Oldest first; text rows or --json. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "node_cli.h"
#include "sh_domain.h"
#include "sh_exit.h"
#include "sh_names.h"
#include "sh_ops.h"
#include "sh_replica.h"
#include "sh_report.h"
#include "sh_text.h"
#include "sh_worklist.h"

bool
node_work_wanted (const node_args_t *a)
{
    static const char *const filters[] = { "tier", "open", "closed", "village", "step", "older-than", "date", NULL };
    for (const char *const *f = filters; *f; f++)
        if (node_given (a, *f))
            return true;
    return false;
}

//  The value 1..max whose name (names (value)) is text; 0 (after saying
//  which names are allowed) when none.
static int
s_value (const char *what, const char *text, const char *(*names) (int), int max)
{
    for (int v = 1; v <= max; v++)
        if (!strcmp (text, names (v)))
            return v;
    fprintf (stderr, "shouhe-node: --%s takes", what);
    for (int v = 1; v <= max; v++)
        fprintf (stderr, " %s", names (v));
    fprintf (stderr, ", not '%s'\n", text);
    return 0;
}

//  Check the filters and fill f; the exit code when one is wrong.
static int
s_filter (const node_args_t *a, sh_worklist_filter_t *f)
{
    if (a->open && a->closed) {
        fprintf (stderr, "shouhe-node: matter list takes --open or --closed, not both\n");
        return SH_EXIT_USAGE;
    }
    if (a->courtyard && a->village) {
        fprintf (stderr, "shouhe-node: matter list takes --courtyard or --village, not both\n");
        return SH_EXIT_USAGE;
    }
    if (a->village && (strlen (a->village) != 12 || strspn (a->village, "0123456789") != 12)) {
        fprintf (stderr, "shouhe-node: --village takes a 12-digit village code, not '%s'\n", a->village);
        return SH_EXIT_USAGE;
    }
    if (node_given (a, "older-than") && a->older_than < 0) {
        fprintf (stderr, "shouhe-node: --older-than takes a number of days (0 or more), not %lld\n", a->older_than);
        return SH_EXIT_USAGE;
    }
    if (a->date && sh_report_days (a->date) < 0) {
        fprintf (stderr, "shouhe-node: --date takes a date YYYY-MM-DD, not '%s'\n", a->date);
        return SH_EXIT_USAGE;
    }
    *f = (sh_worklist_filter_t) { .prefix = a->courtyard ? a->courtyard : a->village ? a->village : "",
                                  .closed = a->open ? 0 : a->closed ? 1 : -1,
                                  .older_than = node_given (a, "older-than") ? (long) a->older_than : -1 };
    if (a->tier && !(f->tier = s_value ("tier", a->tier, sh_names_tier, SH_NAMES_TIER_MAX)))
        return SH_EXIT_USAGE;
    if (a->step && !(f->step = s_value ("step", a->step, sh_names_step, SH_NAMES_STEP_MAX)))
        return SH_EXIT_USAGE;
    return SH_EXIT_OK;
}

static const char *
s_str (const json_t *o, const char *key)
{
    const char *s = json_string_value (json_object_get (o, key));
    return s ? s : "-";
}

static void
s_row (const json_t *w)
{
    json_t *age = json_object_get (w, "age");
    if (json_is_integer (age))
        printf ("%-8s %5lldd", s_str (w, "short"), (long long) json_integer_value (age));
    else
        printf ("%-8s %6s", s_str (w, "short"), "-");
    printf (" %-5s %-9s %-6s %s %s %s %s", s_str (w, "tier"), s_str (w, "step"),
            json_is_true (json_object_get (w, "closed")) ? "closed" : "open", s_str (w, "village"),
            s_str (w, "courtyard"), s_str (w, "courtyard_name"), s_str (w, "title"));
    if (json_is_string (json_object_get (w, "escalated_by")))
        printf ("  escalated by %s on %s", s_str (w, "escalated_by"), s_str (w, "escalated_on"));
    putchar ('\n');
}

int
node_work_list (node_args_t *a)
{
    sh_worklist_filter_t f;
    int ex = s_filter (a, &f);
    if (ex)
        return ex;
    sh_replica_t *r;
    if ((ex = node_open (a, &r)) != SH_EXIT_OK)
        return ex;
    char today[SH_OPS_DAY_BYTES];
    sh_ops_today (r, today);         //  the node's today, as the operations date what they record
    f.today = a->date ? a->date : today;
    json_t *list;
    sh_err rc = sh_worklist_build (sh_replica_store (r), &f, &list);
    sh_replica_close (&r);
    if (rc) {
        fprintf (stderr, "shouhe-node: cannot read the matters: %s\n", sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    if (a->json)
        node_print_json (list);
    else {
        printf ("%-8s %6s %-5s %-9s %-6s %s\n", "id", "age", "tier", "step", "state",
                "village courtyard name title  escalated by");
        json_t *shown = sh_text_escape_json (list);     //  no hidden code point reaches a terminal
        size_t i;
        json_t *w;
        json_array_foreach (shown, i, w)
            s_row (w);
        json_decref (shown);
        size_t n = json_array_size (list);
        printf ("%zu matter%s\n", n, n == 1 ? "" : "s");
    }
    json_decref (list);
    return SH_EXIT_OK;
}
