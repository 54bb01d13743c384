/*  sh_ids -- short ids: the record a hex prefix names.

    Persons, matters, meetings and mediations have 16-byte random ids,
    written as 32 hex digits. People type and read a prefix instead (as
    git does): lists and reports print the first SH_IDS_SHORT_HEX digits,
    and every command that takes an id accepts any prefix of at least
    SH_IDS_MIN_HEX hex digits, upper or lower case, that names exactly one
    record of the kind. The records are found in the INDEX (sh_index: one
    entry per (kind, id, region) any change wrote) and only live records
    (sh_merge_get) count.

    The store is borrowed; each call reads in a read transaction of its own.
*/
#ifndef SH_IDS_H
#define SH_IDS_H

#include <stddef.h>

#include <jansson.h>

#include "sh_change.h"
#include "sh_err.h"
#include "sh_store.h"

#define SH_IDS_MIN_HEX 6       //  shortest prefix accepted
#define SH_IDS_SHORT_HEX 8     //  the short id lists and reports print
#define SH_IDS_HEX 33          //  a full id: 32 hex digits and NUL
#define SH_IDS_MSG_BYTES 2048  //  room for a refusal listing the matches
#define SH_IDS_LIST_MAX 10     //  most matches an ambiguous prefix lists

//  The full id (lower-case hex) of the one live record of kind whose id
//  starts with text into out. what names the kind in messages, in English
//  ("matter", "person"; translated here, like the messages: sh_i18n).
//  Refusals explain in msg (SH_IDS_MSG_BYTES): SH_EINVAL for text that is
//  not 6..32 hex digits, or a prefix that several records share (each
//  listed on a line of its own: short id, name or title, courtyard);
//  SH_ENOTFOUND when no record has it. Other codes: store errors.
SH_NODISCARD sh_err sh_ids_resolve (sh_store_t *store, sh_kind_t kind, const char *what,
                                    const char *text, char out[SH_IDS_HEX], char *msg);

#endif
