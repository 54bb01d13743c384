/*  node_work -- `shouhe-node matter list` with filters: the town's work list
    (issue 13; sh_worklist). Oldest first; text rows or --json. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "node_cli.h"
#include "sh_domain.h"
#include "sh_exit.h"
#include "sh_i18n.h"
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

//  The value 1..max of enum_name that text names (its English short name
//  or one of its Chinese names, sh_names_parse); 0 (after saying which
//  names are allowed) when none.
static int
s_value (const char *what, const char *text, const char *enum_name, int max)
{
    int v;
    if (sh_names_parse (enum_name, text, &v) && v >= 1 && v <= max)
        return v;
    char names[512] = "";
    if (sh_i18n_chinese ())
        sh_names_list (enum_name, names, sizeof names);        //  "micro/微事 院落自办, ..."
    else
        for (int n = 1; n <= max; n++) {
            char name[64];
            size_t used = strlen (names);
            snprintf (names + used, sizeof names - used, "%s%s", used ? " " : "",
                      sh_names_shown (enum_name, n, name, sizeof name));
        }
    fprintf (stderr, _("shouhe-node: --%s takes %s, not '%s'\n"), what, names, text);
    return 0;
}

//  Check the filters and fill f; the exit code when one is wrong.
static int
s_filter (const node_args_t *a, sh_worklist_filter_t *f)
{
    if (a->open && a->closed) {
        fprintf (stderr, _("shouhe-node: matter list takes --open or --closed, not both\n"));
        return SH_EXIT_USAGE;
    }
    if (a->courtyard && a->village) {
        fprintf (stderr, _("shouhe-node: matter list takes --courtyard or --village, not both\n"));
        return SH_EXIT_USAGE;
    }
    if (a->village && (strlen (a->village) != 12 || strspn (a->village, "0123456789") != 12)) {
        fprintf (stderr, _("shouhe-node: --village takes a 12-digit village code, not '%s'\n"), a->village);
        return SH_EXIT_USAGE;
    }
    if (node_given (a, "older-than") && a->older_than < 0) {
        fprintf (stderr, _("shouhe-node: --older-than takes a number of days (0 or more), not %lld\n"), a->older_than);
        return SH_EXIT_USAGE;
    }
    if (a->date && sh_report_days (a->date) < 0) {
        fprintf (stderr, _("shouhe-node: --date takes a date YYYY-MM-DD, not '%s'\n"), a->date);
        return SH_EXIT_USAGE;
    }
    *f = (sh_worklist_filter_t) { .prefix = a->courtyard ? a->courtyard : a->village ? a->village : "",
                                  .closed = a->open ? 0 : a->closed ? 1 : -1,
                                  .older_than = node_given (a, "older-than") ? (long) a->older_than : -1 };
    if (a->tier && !(f->tier = s_value ("tier", a->tier, "shouhe.v1.Tier", SH_NAMES_TIER_MAX)))
        return SH_EXIT_USAGE;
    if (a->step && !(f->step = s_value ("step", a->step, "shouhe.v1.Step", SH_NAMES_STEP_MAX)))
        return SH_EXIT_USAGE;
    return SH_EXIT_OK;
}

static const char *
s_str (const json_t *o, const char *key)
{
    const char *s = json_string_value (json_object_get (o, key));
    return s ? s : "-";
}

//  The state of a matter in text output, in the locale's words (JSON has
//  "closed": true/false).
//  TRANSLATORS: the state of a matter in `matter list` (a column)
static const char *const s_states[] = { N_("open"), N_("closed") };

//  s, padded with spaces to width columns (sh_text_pad).
static void
s_pad (const char *s, size_t width)
{
    sh_text_pad (stdout, s, (int) width, false);
}

//  The widths of the tier, step and state columns: the widest of their
//  label and the names shown (5, 9 and 6 in English).
typedef struct {
    size_t tier, step, state;
} s_widths_t;

static size_t
s_widest (const char *label, const char *enum_name, int max)
{
    return (size_t) sh_names_widest (enum_name, max, sh_text_columns (label));
}

static void
s_row (const json_t *w, const s_widths_t *cw)
{
    json_t *age = json_object_get (w, "age");
    if (json_is_integer (age)) {
        printf ("%-8s ", s_str (w, "short"));
        //  TRANSLATORS: a matter's age in days, 6 columns wide ("  12d")
        printf (_("%5lldd"), (long long) json_integer_value (age));
    }
    else
        printf ("%-8s %6s", s_str (w, "short"), "-");
    char tier[64], step[64];
    putchar (' ');
    s_pad (sh_names_shown_text ("shouhe.v1.Tier", s_str (w, "tier"), tier, sizeof tier), cw->tier);
    putchar (' ');
    s_pad (sh_names_shown_text ("shouhe.v1.Step", s_str (w, "step"), step, sizeof step), cw->step);
    putchar (' ');
    s_pad (_(s_states[json_is_true (json_object_get (w, "closed"))]), cw->state);
    printf (" %s %s %s %s", s_str (w, "village"), s_str (w, "courtyard"), s_str (w, "courtyard_name"),
            s_str (w, "title"));
    if (json_is_string (json_object_get (w, "escalated_by")))
        printf (_("  escalated by %s on %s"), s_str (w, "escalated_by"), s_str (w, "escalated_on"));
    putchar ('\n');
}

//  The header line and the column widths of the rows.
static void
s_header (s_widths_t *cw)
{
    //  TRANSLATORS: the column labels of `matter list`
    const char *tier = _("tier"), *step = _("step"), *state = _("state");
    *cw = (s_widths_t) { .tier = s_widest (tier, "shouhe.v1.Tier", SH_NAMES_TIER_MAX),
                         .step = s_widest (step, "shouhe.v1.Step", SH_NAMES_STEP_MAX),
                         .state = s_widest (state, NULL, 0) };
    for (size_t i = 0; i < sizeof s_states / sizeof s_states[0]; i++)
        if ((size_t) sh_text_columns (_(s_states[i])) > cw->state)
            cw->state = (size_t) sh_text_columns (_(s_states[i]));
    s_pad (_("id"), 8);
    putchar (' ');
    const char *age = _("age");
    for (size_t n = (size_t) sh_text_columns (age); n < 6; n++)
        putchar (' ');
    fputs (age, stdout);
    putchar (' ');
    s_pad (tier, cw->tier);
    putchar (' ');
    s_pad (step, cw->step);
    putchar (' ');
    s_pad (state, cw->state);
    printf (" %s\n", _("village courtyard name title  escalated by"));
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
        fprintf (stderr, _("shouhe-node: cannot read the matters: %s\n"), sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    if (a->json)
        node_print_json (list);
    else {
        s_widths_t cw;
        s_header (&cw);
        json_t *shown = sh_text_escape_json (list);     //  no hidden code point reaches a terminal
        size_t i;
        json_t *w;
        json_array_foreach (shown, i, w)
            s_row (w, &cw);
        json_decref (shown);
        size_t n = json_array_size (list);
        printf (n == 1 ? _("%zu matter\n") : _("%zu matters\n"), n);
    }
    json_decref (list);
    return SH_EXIT_OK;
}
