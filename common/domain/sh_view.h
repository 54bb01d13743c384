/*  sh_view -- read-only views of the merged state as JSON (jansson), for
    the CLI (text or --json) and for reports. Record fields come from
    sh_record_to_json (field names as in domain.proto); each view adds
    "id" (hex; courtyards and evaluations use their natural key text) and
    "region", and derived state where a record has some (a matter's tier,
    step and closure; a balance). docs/protocol.md, "JSON views", lists
    the shapes.

    Every function reads one consistent snapshot (a read transaction of its
    own) of store, which is borrowed. On SH_OK *out is a new JSON value the
    caller owns (json_decref). Unknown ids give SH_ENOTFOUND.
*/
#ifndef SH_VIEW_H
#define SH_VIEW_H

#include <jansson.h>

#include "sh_change.h"
#include "sh_err.h"
#include "sh_store.h"

//  Array of courtyards whose code starts with prefix ("" for all).
//  JSON pieces every view uses (sh_conflicts too): bytes as a lower-case
//  hex string (at most SH_ENTITY_MAX of them); an entity id as the views
//  show it -- text for the natural keys (courtyard, evaluation, region),
//  hex otherwise. New references (caller owns).
json_t *sh_view_hex (const uint8_t *b, size_t n);
json_t *sh_view_id (sh_kind_t kind, const uint8_t *id, size_t id_len);

SH_NODISCARD sh_err sh_view_courtyards (sh_store_t *store, const char *prefix, json_t **out);

//  One courtyard with its role holders ("roles": [...]), residents on
//  record ("persons": n) and matters ("matters_open", "matters_closed").
SH_NODISCARD sh_err sh_view_courtyard (sh_store_t *store, const char *code, json_t **out);

//  Array of persons under prefix.
SH_NODISCARD sh_err sh_view_persons (sh_store_t *store, const char *prefix, json_t **out);

//  One person by its full id (32 hex digits): the merged record with "id"
//  and "region". SH_ENOTFOUND if there is none.
SH_NODISCARD sh_err sh_view_person (sh_store_t *store, const char *id_hex, json_t **out);

//  One matter with its derived state and its events (each with "conflict"
//  when the replay refused it, and "who" and "at": sh_who).
SH_NODISCARD sh_err sh_view_matter (sh_store_t *store, const char *id_hex, json_t **out);
//  The same, the events' "conflict" reasons in the language of the locale
//  (for text output; the JSON of sh_view_matter never changes with it).
SH_NODISCARD sh_err sh_view_matter_shown (sh_store_t *store, const char *id_hex, json_t **out);

//  Array of matters under prefix, with derived tier, step and closed.
SH_NODISCARD sh_err sh_view_matters (sh_store_t *store, const char *prefix, json_t **out);

//  Arrays of meetings and mediations under prefix (by date).
SH_NODISCARD sh_err sh_view_meetings (sh_store_t *store, const char *prefix, json_t **out);
SH_NODISCARD sh_err sh_view_mediations (sh_store_t *store, const char *prefix, json_t **out);

//  Ledger balances: one object per account under prefix, or of one person
//  when person_hex is not NULL: {"person", "name", "points": {earned,
//  redeemed, balance}, "minutes": {...}}.
SH_NODISCARD sh_err sh_view_balances (sh_store_t *store, const char *prefix, const char *person_hex,
                                      json_t **out);

//  The maturity hexagon of a courtyard for period (NULL: the latest period
//  evaluated): {"courtyard", "period", "levels": {category: level},
//  "area": number}.
SH_NODISCARD sh_err sh_view_hexagon (sh_store_t *store, const char *courtyard, const char *period,
                                     json_t **out);

//  Conflicts and implausible records: sh_conflicts_view (sh_conflicts.h).

//  The log: one object per entry, in log order ("index", "author", "seq",
//  "hlc", "time_ms", "region", "kind", "op", "entity", "hash", "bytes").
SH_NODISCARD sh_err sh_view_log (sh_store_t *store, json_t **out);

#endif
