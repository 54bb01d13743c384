/*  sh_record -- domain record bodies, by reflection over protobuf-c descriptors.

    Each entity kind has one message type in proto/shouhe/v1/domain.proto
    (sh_change.h lists them). This module is the only place that maps a kind
    to its descriptor; merge, views and reports work on any kind through it,
    so adding a field to a schema needs no code here or in sh_merge.

    A body is split into per-field segments straight from the protobuf wire
    format (docs/protocol.md, "Merge"): all occurrences of one field number,
    in order, form that field's value. Concatenating field values in field
    number order gives a valid encoding of the merged record.

    Stateless and thread-safe. JSON values are jansson objects that the
    caller owns (json_decref).
*/
#ifndef SH_RECORD_H
#define SH_RECORD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sh_change.h"
#include "sh_err.h"

#define SH_RECORD_MAX_FIELDS 64   //  most distinct field numbers in one body
#define SH_RECORD_MAX_SEGS 256    //  most field occurrences in one body (sh_record_check)

typedef struct {
    uint32_t field;    //  field number
    size_t off;        //  offset of the first byte of this occurrence (its tag)
    size_t len;        //  bytes of this occurrence (tag included)
} sh_record_seg_t;

//  Name of the message type of kind ("Courtyard"), or NULL for an unknown kind.
const char *sh_record_type_name (sh_kind_t kind);

//  Check that body is a well-formed message of kind's type whose enum fields
//  hold known values. SH_EPROTO with a reason in *why (static string or
//  NULL) otherwise.
SH_NODISCARD sh_err sh_record_check (sh_kind_t kind, const uint8_t *body, size_t len,
                                     const char **why);

//  Split body into its field occurrences, sorted by field number (stable,
//  so repeated values keep their order). At most max segments; SH_EPROTO if
//  the wire format is broken or there are more than max occurrences.
SH_NODISCARD sh_err sh_record_split (sh_record_seg_t *segs, size_t max, size_t *n,
                                     const uint8_t *body, size_t len);

//  The last occurrence of field number field in body (a well-formed body:
//  sh_record_check passed). A length-delimited field (wire type 2: string,
//  bytes, message) gives its payload in *val and *val_len (borrowed from
//  body), a varint field (wire type 0) its value in *num; the others are
//  left as they are (any may be NULL). SH_ENOTFOUND if the field is absent,
//  SH_EPROTO if the wire format is broken or the field has another wire
//  type than 0 or 2.
SH_NODISCARD sh_err sh_record_field (const uint8_t *body, size_t len, uint32_t field,
                                     const uint8_t **val, size_t *val_len, uint64_t *num);

//  The name of field number field of kind's message type ("code"), or "?"
//  when there is no such field or kind.
const char *sh_record_field_name (sh_kind_t kind, uint32_t field);

//  The JSON object of a body: field name -> value; enums as their short
//  lower-case names ("policy"), bytes as lower-case hex, repeated fields as
//  arrays. Unknown fields are left out. Caller owns the result; NULL if body
//  is malformed or memory runs out.
json_t *sh_record_to_json (sh_kind_t kind, const uint8_t *body, size_t len);

//  The inverse of sh_record_to_json: encode obj as a body of kind's
//  message type, for tools and tests that write records without the
//  generated types. Keys are field names as in to_json; values: numbers
//  for number fields (uint64 values past INT64_MAX as the negative
//  numbers to_json writes), true/false for bools, the short name of an
//  enum value ("policy"; case-insensitive, '-' for '_', "unspecified"
//  accepted) or its number, strings for text, lower- or upper-case hex
//  for bytes, an object for a message, an array of such values for a
//  repeated field; null leaves a field out, as does a missing key. The
//  encoding is protobuf-c's (fields in field-number order, repeated
//  values in array order), so to_json followed by from_json gives the
//  body back byte for byte when it was canonical. On SH_OK *body is a new
//  buffer the caller frees (free(); valid also when *len is 0). SH_EINVAL
//  for an unknown kind, a key that names no field, a value of the wrong
//  JSON type or out of its field's range, an enum name the enum lacks, a
//  string holding a NUL; SH_ENOMEM. *why (may be NULL) gets a static
//  reason on failure, NULL on success.
SH_NODISCARD sh_err sh_record_from_json (uint8_t **body, size_t *len, sh_kind_t kind,
                                         const json_t *obj, const char **why);

//  Parse the short name of a value of enum type enum_name (full name, e.g.
//  "shouhe.v1.Category"): case-insensitive, '-' accepted for '_'. The
//  UNSPECIFIED value is never accepted. SH_EINVAL if unknown.
SH_NODISCARD sh_err sh_record_enum_parse (const char *enum_name, const char *text, int *value);

//  Short lower-case name of value into buf ("policy"); "unspecified" style
//  names for 0; "?" for an unknown value. Returns buf.
const char *sh_record_enum_text (const char *enum_name, int value, char *buf, size_t buf_size);

//  Space-separated list of the accepted short names of enum_name into buf,
//  for error messages ("policy deliberation mediation ..."). Returns buf.
const char *sh_record_enum_list (const char *enum_name, char *buf, size_t buf_size);

//  Is s (len bytes) valid UTF-8 without NUL bytes or C0 controls other than
//  tab and newline? Record text must be (protobuf strings are UTF-8).
bool sh_record_utf8_valid (const char *s, size_t len);

#endif
