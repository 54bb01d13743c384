/*  sh_worklist -- the town's work list (issue 13): matters filtered by
    tier, state, village, step and age, oldest first, each with who
    escalated it, as one JSON array (jansson) that the CLIs print as text
    or JSON.

    The age of a matter is the days from its opened_on to today (the as-of
    date), for every tier: the same clock as the report's 30-day rule for
    big matters (sh_report overdue_big); a matter without a valid opened_on
    has no age (null) and is left out by older_than. Rows, oldest first
    (ties, and those without an age last, by id):
      {"id" (32 hex), "short" (first 8 hex), "title", "courtyard" (code),
       "courtyard_name" ("" unknown), "village" (first 12 digits), "tier",
       "step", "closed", "opened_on", "age" (integer or null),
       "escalated_by" (sh_who name of the author of the last accepted
       escalation, or null), "escalated_on" (its date, or null),
       "escalated_at" (its hlc time, or null)}

    Reads the store through the views (sh_view), each with a snapshot of its
    own; store is borrowed.
*/
#ifndef SH_WORKLIST_H
#define SH_WORKLIST_H

#include <jansson.h>

#include "sh_err.h"
#include "sh_store.h"

typedef struct {
    const char *prefix;      //  region prefix ("" all): a village, a courtyard
    int tier;                //  SH_TIER_* or 0 for any
    int step;                //  SH_STEP_* (the last step reached) or 0 for any
    int closed;              //  1 closed only, 0 open only, -1 both
    long older_than;         //  keep ages above this many days; -1 any
    const char *today;       //  the as-of date, YYYY-MM-DD
} sh_worklist_filter_t;

//  Build the work list of filter. On SH_OK *out is a new array the caller
//  owns (json_decref). SH_EINVAL if today is not a date.
SH_NODISCARD sh_err sh_worklist_build (sh_store_t *store, const sh_worklist_filter_t *filter, json_t **out);

#endif
