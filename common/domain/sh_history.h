/*  sh_history -- the history of one record, read from the log.

    The log holds every change (sh_changelog), so a record's history is the
    list of the changes whose (kind, entity) is the record's, in any
    region, newest first (by hlc, then author). Each is a JSON object:
    "hlc", "time_ms" (the hlc's wall time), "author" (64 hex digits), "by"
    (the enrolled name the registry knows for the author, or ""), "op"
    ("put", "delete"), "seq", and for a put "fields": the field values it
    wrote, as sh_record_to_json gives them (docs/protocol.md 12.9).

    The store is borrowed; one read transaction of its own.
*/
#ifndef SH_HISTORY_H
#define SH_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sh_change.h"
#include "sh_err.h"
#include "sh_store.h"

//  The history of record (kind, id) into *out (a new array the caller
//  owns). An empty array when the log holds no change of it.
SH_NODISCARD sh_err sh_history_record (sh_store_t *store, sh_kind_t kind, const uint8_t *id, size_t id_len,
                                       json_t **out);

#endif
