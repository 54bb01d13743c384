/*  sh_worklist -- the town's work list. */
#include "sh_worklist.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_domain.h"
#include "sh_names.h"
#include "sh_report.h"
#include "sh_view.h"

static const char *
s_str (const json_t *o, const char *key)
{
    const char *s = json_string_value (json_object_get (o, key));
    return s ? s : "";
}

//  Does matter m (from sh_view_matters) pass the filter's tier, step and
//  state?
static bool
s_kept (const json_t *m, const sh_worklist_filter_t *f)
{
    if (f->tier && strcmp (s_str (m, "tier"), sh_names_tier (f->tier)))
        return false;
    if (f->step && strcmp (s_str (m, "step"), sh_names_step (f->step)))
        return false;
    bool closed = json_is_true (json_object_get (m, "closed"));
    return f->closed < 0 || closed == (f->closed == 1);
}

//  The work list's row of matter m (a new object), with who escalated it
//  from the matter's events (the last accepted escalation).
static sh_err
s_row (sh_store_t *store, const json_t *m, const json_t *names, long age, json_t **out)
{
    json_t *full;
    sh_err rc = sh_view_matter (store, s_str (m, "id"), &full);
    if (rc)
        return rc;
    const json_t *esc = NULL;
    size_t i;
    json_t *e;
    json_array_foreach (json_object_get (full, "events"), i, e)
        if (!strcmp (s_str (e, "kind"), "escalate") && !json_object_get (e, "conflict"))
            esc = e;
    const char *yard = s_str (m, "courtyard");
    char village[13];
    snprintf (village, sizeof village, "%.12s", s_str (m, "region"));
    const char *name = json_string_value (json_object_get (names, yard));
    *out = json_pack ("{s:s, s:s%, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:o, s:o, s:o, s:o}",
                      "id", s_str (m, "id"), "short", s_str (m, "id"), (size_t) 8, "title", s_str (m, "title"),
                      "courtyard", yard, "courtyard_name", name ? name : "",
                      "village", village, "tier", s_str (m, "tier"), "step", s_str (m, "step"),
                      "closed", json_is_true (json_object_get (m, "closed")), "opened_on", s_str (m, "opened_on"),
                      "age", age >= 0 ? json_integer (age) : json_null (),
                      "escalated_by", esc ? json_string (s_str (esc, "who")) : json_null (),
                      "escalated_on", esc && json_object_get (esc, "date") ? json_string (s_str (esc, "date"))
                                                                           : json_null (),
                      "escalated_at", esc ? json_string (s_str (esc, "at")) : json_null ());
    json_decref (full);
    return *out ? SH_OK : SH_ENOMEM;
}

//  Oldest first; no age last; then by id.
static int
s_cmp (const void *a, const void *b)
{
    const json_t *x = *(json_t *const *) a, *y = *(json_t *const *) b;
    json_t *ax = json_object_get (x, "age"), *ay = json_object_get (y, "age");
    if (json_is_integer (ax) != json_is_integer (ay))
        return json_is_integer (ax) ? -1 : 1;
    json_int_t dx = json_integer_value (ax), dy = json_integer_value (ay);
    if (dx != dy)
        return dx > dy ? -1 : 1;
    return strcmp (s_str (x, "id"), s_str (y, "id"));
}

//  {courtyard code: name} of the courtyards under prefix.
static sh_err
s_names (sh_store_t *store, const char *prefix, json_t **out)
{
    json_t *yards;
    sh_err rc = sh_view_courtyards (store, prefix, &yards);
    if (rc)
        return rc;
    *out = json_object ();
    size_t i;
    json_t *y;
    json_array_foreach (yards, i, y)
        json_object_set_new (*out, s_str (y, "code"), json_string (s_str (y, "name")));
    json_decref (yards);
    return SH_OK;
}

sh_err
sh_worklist_build (sh_store_t *store, const sh_worklist_filter_t *f, json_t **out)
{
    long today = sh_report_days (f->today);
    if (today < 0)
        return SH_EINVAL;
    const char *prefix = f->prefix ? f->prefix : "";
    json_t *matters = NULL, *names = NULL, *rows = json_array ();
    sh_err rc = sh_view_matters (store, prefix, &matters);
    if (rc == SH_OK)
        rc = s_names (store, prefix, &names);
    size_t i;
    json_t *m;
    if (rc == SH_OK)
        json_array_foreach (matters, i, m) {
            long opened = sh_report_days (s_str (m, "opened_on"));
            long age = opened >= 0 && today >= opened ? today - opened : -1;
            if (!s_kept (m, f) || (f->older_than >= 0 && age <= f->older_than))
                continue;
            json_t *row;
            if ((rc = s_row (store, m, names, age, &row)) != SH_OK)
                break;
            json_array_append_new (rows, row);
        }
    json_decref (matters);
    json_decref (names);
    if (rc) {
        json_decref (rows);
        return rc;
    }
    size_t n = json_array_size (rows);
    json_t **v = malloc ((n ? n : 1) * sizeof *v);
    if (!v) {
        json_decref (rows);
        return SH_ENOMEM;
    }
    for (i = 0; i < n; i++)
        v[i] = json_incref (json_array_get (rows, i));
    qsort (v, n, sizeof *v, s_cmp);
    json_array_clear (rows);
    for (i = 0; i < n; i++)
        json_array_append_new (rows, v[i]);
    free (v);
    *out = rows;
    return SH_OK;
}
