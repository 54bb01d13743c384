/*  sh_conflicts -- what a clerk should look at in the merged state: the
    conflicts (matter events and ledger entries the replay refused, roles
    held by more than one person) and, as warnings, the records that
    arrived from another writer breaking a plausibility rule (sh_plaus),
    judged against the day the change that wrote them was written
    (docs/protocol.md 7.8, 12.7).

    One list, two languages for its reasons: sh_conflicts_view gives them
    in English, the same on every node, for `conflicts --json` and every
    tool that parses it; sh_conflicts_view_shown gives the same list, entry
    for entry, with each "reason" in the language of the locale in effect
    (sh_i18n), for the text a clerk reads. Only "reason" differs.

    Like sh_view: each call reads one consistent snapshot (a read
    transaction of its own) of store, which is borrowed; on SH_OK *out is
    a new JSON array the caller owns (json_decref).
*/
#ifndef SH_CONFLICTS_H
#define SH_CONFLICTS_H

#include <jansson.h>

#include "sh_err.h"
#include "sh_store.h"

//  Every conflict under prefix ("" for all), then every warning, one JSON
//  object each:
//    {"kind": "matter"|"ledger", "region", "entity", "hlc", "author", "reason"}
//      an event the replay refused (sh_domain_matter_replay, _ledger_replay);
//    {"kind": "role", "region", "reason"}
//      a single-holder role (courtyard head, deliberation head, party group
//      leader) held by more than one person, a management group by more
//      than three;
//    {"kind": "implausible", "record", "region", "entity", "field", "value",
//     "hlc", "reason"}
//      a field that breaks a plausibility rule.
//  The reasons are English ("3 persons hold the role courtyard_head at once").
SH_NODISCARD sh_err sh_conflicts_view (sh_store_t *store, const char *prefix, json_t **out);

//  The same array with every "reason" in the language of the locale in
//  effect ("2 人同时担任院落长"): for text output only, never to parse.
SH_NODISCARD sh_err sh_conflicts_view_shown (sh_store_t *store, const char *prefix, json_t **out);

#endif
