/*  sh_ops_int -- what the files of sh_ops share (sh_ops.c: checks,
    lookups, courtyards, persons, roles, meetings, mediations, points,
    evaluations; sh_ops_matter.c: matters). Not for other modules.

    msg arguments are SH_OPS_MSG_BYTES buffers for the one sentence that
    explains a refusal (S_MSG writes it), translated (_(), sh_i18n); what
    arguments naming a field ("the title") are passed translated too.
*/
#ifndef SH_OPS_INT_H
#define SH_OPS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "sh_ops.h"
#include "sh_replica.h"
#include "sh_store.h"

#define S_MSG(...) snprintf (msg, SH_OPS_MSG_BYTES, __VA_ARGS__)
#define S_TEXT_MAX 4000   //  longest free text accepted in one field

//  The date of what (default today) into out, checked: a date at most a day
//  after today (SH_EINVAL) and, if earliest is given, not before that date
//  of the record it belongs to (earliest_what; SH_ERULE). Explains in msg.
SH_NODISCARD sh_err sh_ops_date_in (sh_replica_t *r, const char *what, const char *date, const char *earliest,
                                    const char *earliest_what, char out[SH_OPS_DAY_BYTES], char *msg);

//  Parse enum text into *value or explain the accepted names in msg.
bool sh_ops_enum_in (const char *enum_name, const char *what, const char *text, int *value, char *msg);

//  Find a live record of kind by id: its region, and optionally its body.
SH_NODISCARD sh_err sh_ops_find (sh_store_txn_t *txn, sh_kind_t kind, const uint8_t *id, size_t id_len,
                                 char region[SH_REGION_MAX + 1], uint8_t **body, size_t *len);

//  A free-text field that may span lines (notes, descriptions, reasons).
bool sh_ops_free_ok (const char *text, const char *what, char *msg);

//  Parse 32 hex digits into id, or explain in msg that what's id is not that.
bool sh_ops_id_in (const char *hex, uint8_t id[SH_OPS_ID_BYTES], const char *what, char *msg);

//  Pack a generated message into a new buffer (caller frees).
SH_NODISCARD sh_err sh_ops_pack (const ProtobufCMessage *m, uint8_t **out, size_t *len);

//  sh_ops_find in a read transaction of its own; caller frees *body.
SH_NODISCARD sh_err sh_ops_read (sh_replica_t *r, sh_kind_t kind, const uint8_t *id, size_t id_len, char region[SH_REGION_MAX + 1],
                                 uint8_t **body, size_t *len);

//  Does courtyard code exist, in this node's scope? SH_OK, or the reason in
//  msg (SH_ENOTFOUND, SH_ESCOPE, a store error).
SH_NODISCARD sh_err sh_ops_read_courtyard (sh_replica_t *r, const char *code, char *msg);

//  Check one user-entered text field: present if required, not too long,
//  UTF-8, and free of hidden code points (sh_text; a line feed only in
//  free text, flags SH_TEXT_MULTILINE).
bool sh_ops_text_check (const char *text, bool required, unsigned flags, const char *what, char *msg);

//  A single-line text field (names, titles, codes of the user).
bool sh_ops_text_ok (const char *text, bool required, const char *what, char *msg);

//  Explain a failed write in msg: what failed and why (a node behind its
//  own chain gets the figures and what to do).
void sh_ops_write_failed (sh_replica_t *r, sh_err rc, char *msg, const char *what);

//  Write one change of kind about id in region, the message m as its body,
//  in its own transaction; a refusal is explained in msg.
SH_NODISCARD sh_err sh_ops_write1 (sh_replica_t *r, const char *region, sh_kind_t kind, const uint8_t *id,
                                   size_t id_len, sh_op_t op, const ProtobufCMessage *m, char *msg);

//  The opened_on date of matter hex into opened ("" when it has none) and
//  its region. A bad id or an unknown matter is explained in msg.
SH_NODISCARD sh_err sh_ops_matter_opened (sh_replica_t *r, const char *hex, char opened[SH_OPS_DAY_BYTES],
                                          char region[SH_REGION_MAX + 1], char *msg);

//  The entry checks of every field of courtyard c as sh_ops_courtyard_add
//  makes them (code, scope, name, households, residents and elderly with
//  their plausibility, point, grid, group), not whether it exists; *point
//  receives the point's value (0 for none). SH_EINVAL or SH_ESCOPE with
//  the reason in msg and, when field is not NULL, the field it is about in
//  *field.
SH_NODISCARD sh_err sh_ops_courtyard_fields (sh_replica_t *r, const sh_ops_courtyard_t *c, int *point,
                                             sh_ops_field_t *field, char *msg);

//  The entry checks of a person's fields as sh_ops_person_add makes them:
//  the name (when given, or always if name_required), the phone (text and
//  plausibility, "" allowed), the gender's name into *gender (0 if
//  gender_text is NULL), the birth year (0: not given). false with the
//  reason in msg and, when field is not NULL, the field it is about in
//  *field.
bool sh_ops_person_fields (sh_replica_t *r, const char *name, bool name_required, const char *gender_text,
                           int birth_year, const char *phone, int *gender, sh_ops_field_t *field, char *msg);

#endif
