/*  sh_ops -- the domain operations of a node, checked and recorded. */
#include "sh_ops.h"
#include "sh_ops_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_domain.h"
#include "sh_i18n.h"
#include "sh_merge.h"
#include "sh_names.h"
#include "sh_plaus.h"
#include "sh_record.h"
#include "sh_text.h"
#include "shouhe/v1/domain.pb-c.h"

_Static_assert (SH_OPS_MSG_BYTES >= SH_PLAUS_WHY_BYTES, "sh_plaus explains straight into msg");

//  Explain a failed write in msg: what failed and why (a node behind its
//  own chain gets the figures and what to do).
void
sh_ops_write_failed (sh_replica_t *r, sh_err rc, char *msg, const char *what)
{
    if (rc == SH_EBEHIND)
        sh_replica_behind_message (r, msg, SH_OPS_MSG_BYTES);
    else
        S_MSG (_("%s: %s"), what, sh_strerror (rc));
}

//  ---------------------------------------------------------------------
//  Validation helpers

bool
sh_ops_code_valid (const char *code, size_t digits)
{
    if (!code || strlen (code) != digits)
        return false;
    for (size_t i = 0; i < digits; i++)
        if (!isdigit ((unsigned char) code[i]))
            return false;
    return true;
}

bool
sh_ops_date_valid (const char *date)
{
    return sh_plaus_date_valid (date);
}

bool
sh_ops_period_valid (const char *period)
{
    return period && strlen (period) == 6 && isdigit ((unsigned char) period[0])
        && isdigit ((unsigned char) period[1]) && isdigit ((unsigned char) period[2])
        && isdigit ((unsigned char) period[3]) && period[4] == 'Q'
        && period[5] >= '1' && period[5] <= '4';
}

//  Check one user-entered text field: present if required, not too long,
//  UTF-8, and free of hidden code points (sh_text; a line feed only in
//  free text, flags SH_TEXT_MULTILINE).
bool
sh_ops_text_check (const char *text, bool required, unsigned flags, const char *what, char *msg)
{
    if (!text || !*text) {
        if (required)
            S_MSG (_("%s must not be empty"), what);
        return !required;
    }
    size_t n = strlen (text);
    if (n > S_TEXT_MAX) {
        S_MSG (_("%s is longer than %d bytes"), what, S_TEXT_MAX);
        return false;
    }
    //  hidden code points first: a C0 control is named rather than called bad UTF-8
    uint32_t cp;
    if (sh_text_find_hidden (text, flags, &cp)) {
        S_MSG (_("%s holds U+%04X (%s), a hidden control character; remove it"), what, (unsigned) cp,
               sh_text_hidden_name (cp));
        return false;
    }
    if (!sh_record_utf8_valid (text, n)) {
        S_MSG (_("%s is not valid UTF-8 text"), what);
        return false;
    }
    return true;
}

//  A single-line text field (names, titles, codes of the user).
bool
sh_ops_text_ok (const char *text, bool required, const char *what, char *msg)
{
    return sh_ops_text_check (text, required, 0, what, msg);
}

//  A free-text field that may span lines (notes, descriptions, reasons).
bool
sh_ops_free_ok (const char *text, const char *what, char *msg)
{
    return sh_ops_text_check (text, false, SH_TEXT_MULTILINE, what, msg);
}

//  Parse enum text (English or Chinese, sh_names_parse) into *value or
//  explain the accepted names in msg.
bool
sh_ops_enum_in (const char *enum_name, const char *what, const char *text, int *value, char *msg)
{
    if (sh_names_parse (enum_name, text, value))
        return true;
    char list[512];
    S_MSG (_("unknown %s '%s' (expected one of: %s)"), what, text ? text : "",
           sh_names_list (enum_name, list, sizeof list));
    return false;
}

void
sh_ops_today (sh_replica_t *r, char out[SH_OPS_DAY_BYTES])
{
    sh_plaus_local_day (out, sh_replica_wall_ms (r));
}

//  The date of what (default today) into out, checked: a date at most a day
//  after today (SH_EINVAL) and, if earliest is given, not before that date
//  of the record it belongs to (earliest_what; SH_ERULE). Explains in msg.
sh_err
sh_ops_date_in (sh_replica_t *r, const char *what, const char *date, const char *earliest,
                const char *earliest_what, char out[SH_OPS_DAY_BYTES], char *msg)
{
    char today[SH_OPS_DAY_BYTES];
    sh_ops_today (r, today);
    if (!date)
        date = today;
    sh_err rc = sh_plaus_date_shown (what, date, today, _("today"), earliest, earliest_what, msg);
    if (rc)
        return rc;
    memmove (out, date, SH_OPS_DAY_BYTES);
    return SH_OK;
}


bool
sh_ops_id_in (const char *hex, uint8_t id[SH_OPS_ID_BYTES], const char *what, char *msg)
{
    if (!hex || sh_crypto_unhex (id, SH_OPS_ID_BYTES, hex) != SH_OK) {
        S_MSG (_("%s id '%s' is not 32 hex digits"), what, hex ? hex : "");
        return false;
    }
    return true;
}

//  Pack a generated message into a new buffer (caller frees).
sh_err
sh_ops_pack (const ProtobufCMessage *m, uint8_t **out, size_t *len)
{
    *len = protobuf_c_message_get_packed_size (m);
    *out = malloc (*len ? *len : 1);
    if (!*out)
        return SH_ENOMEM;
    protobuf_c_message_pack (m, *out);
    return SH_OK;
}

//  Write one change in its own transaction.
sh_err
sh_ops_write1 (sh_replica_t *r, const char *region, sh_kind_t kind, const uint8_t *id, size_t id_len,
               sh_op_t op, const ProtobufCMessage *m, char *msg)
{
    uint8_t *body = NULL;
    size_t len = 0;
    sh_err rc = m ? sh_ops_pack (m, &body, &len) : SH_OK;
    sh_store_txn_t *txn = NULL;
    if (rc == SH_OK)
        rc = sh_replica_begin (r, &txn);
    if (rc == SH_OK)
        rc = sh_replica_write (r, txn, region, kind, id, id_len, op, body, len, NULL);
    if (rc == SH_OK)
        rc = sh_store_commit (&txn);
    sh_store_abort (&txn);
    free (body);
    if (rc == SH_ESCOPE)
        S_MSG (_("region %s is outside this node's scope %s"), region, sh_replica_scope (r));
    else
    if (rc)
        sh_ops_write_failed (r, rc, msg, _("cannot record the change"));
    return rc;
}

//  ---------------------------------------------------------------------
//  Lookups (each in a read transaction of its own)

//  Does courtyard code exist (and is it in scope)? Explains in msg if not.
static sh_err
s_courtyard_exists (sh_replica_t *r, sh_store_txn_t *txn, const char *code, char *msg)
{
    if (!sh_ops_code_valid (code, 15)) {
        S_MSG (_("courtyard code '%s' must be 15 digits (village code + 3)"), code ? code : "");
        return SH_EINVAL;
    }
    uint8_t *body;
    size_t len;
    sh_err rc = sh_merge_get (txn, code, SH_KIND_COURTYARD, (const uint8_t *) code, 15, &body, &len, NULL);
    if (rc == SH_OK) {
        free (body);
        return SH_OK;
    }
    if (rc == SH_ENOTFOUND)
        S_MSG (_("unknown courtyard %s%s"), code,
               sh_replica_in_scope (r, code) ? "" : _(" (outside this node's scope)"));
    else
        S_MSG (_("cannot read courtyard %s: %s"), code, sh_strerror (rc));
    return rc;
}

sh_err
sh_ops_read_courtyard (sh_replica_t *r, const char *code, char *msg)
{
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (sh_replica_store (r), false, &txn);
    if (rc)
        return rc;
    rc = s_courtyard_exists (r, txn, code, msg);
    sh_store_abort (&txn);
    return rc;
}

//  Find a live record of kind by id: its region, and optionally its body.
sh_err
sh_ops_find (sh_store_txn_t *txn, sh_kind_t kind, const uint8_t *id, size_t id_len,
             char region[SH_REGION_MAX + 1], uint8_t **body, size_t *len)
{
    sh_err rc = sh_merge_region (txn, kind, id, id_len, region);
    if (rc)
        return rc;
    uint8_t *b;
    size_t l;
    rc = sh_merge_get (txn, region, kind, id, id_len, &b, &l, NULL);
    if (rc)
        return rc;
    if (body) {
        *body = b;
        *len = l;
    }
    else
        free (b);
    return SH_OK;
}

//  sh_ops_find in a read transaction of its own; caller frees *body.
sh_err
sh_ops_read (sh_replica_t *r, sh_kind_t kind, const uint8_t *id, size_t id_len, char region[SH_REGION_MAX + 1],
             uint8_t **body, size_t *len)
{
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (sh_replica_store (r), false, &txn);
    if (rc == SH_OK)
        rc = sh_ops_find (txn, kind, id, id_len, region, body, len);
    sh_store_abort (&txn);
    return rc;
}

//  The households and residents (-1 when not on record) of courtyard code,
//  which must exist (explained in msg as s_courtyard_exists does).
static sh_err
s_courtyard_people (sh_replica_t *r, const char *code, long long *households, long long *residents,
                    char *msg)
{
    uint8_t *body = NULL;
    size_t len = 0;
    char region[SH_REGION_MAX + 1];
    sh_err rc = sh_ops_read_courtyard (r, code, msg);
    if (rc || (rc = sh_ops_read (r, SH_KIND_COURTYARD, (const uint8_t *) code, 15, region, &body, &len)) != SH_OK)
        return rc;
    Shouhe__V1__Courtyard *c = shouhe__v1__courtyard__unpack (NULL, len, body);
    free (body);
    if (!c)
        return SH_ECORRUPT;
    *households = c->has_households ? (long long) c->households : 0;
    *residents = c->has_residents ? (long long) c->residents : -1;
    shouhe__v1__courtyard__free_unpacked (c, NULL);
    return SH_OK;
}

//  The opened_on date of matter hex into opened ("" when it has none) and
//  its region. A bad id or an unknown matter is explained in msg.
sh_err
sh_ops_matter_opened (sh_replica_t *r, const char *hex, char opened[SH_OPS_DAY_BYTES],
                      char region[SH_REGION_MAX + 1], char *msg)
{
    uint8_t id[SH_OPS_ID_BYTES], *body;
    size_t len;
    if (!sh_ops_id_in (hex, id, _("matter"), msg))
        return SH_EINVAL;
    sh_err rc = sh_ops_read (r, SH_KIND_MATTER, id, sizeof id, region, &body, &len);
    if (rc) {
        S_MSG (rc == SH_ENOTFOUND ? _("unknown matter %s") : _("cannot read matter %s"), hex);
        return rc;
    }
    Shouhe__V1__Matter *m = shouhe__v1__matter__unpack (NULL, len, body);
    free (body);
    snprintf (opened, SH_OPS_DAY_BYTES, "%s", m && m->opened_on ? m->opened_on : "");
    shouhe__v1__matter__free_unpacked (m, NULL);
    return SH_OK;
}

//  ---------------------------------------------------------------------
//  Courtyards

//  The entry checks of every field of courtyard c (sh_ops_int.h).
sh_err
sh_ops_courtyard_fields (sh_replica_t *r, const sh_ops_courtyard_t *c, int *point, sh_ops_field_t *field,
                         char *msg)
{
    sh_ops_field_t unused;
    if (!field)
        field = &unused;
    *field = SH_OPS_FIELD_CODE;
    if (!sh_ops_code_valid (c->code, 15)) {
        S_MSG (_("courtyard code '%s' must be 15 digits (village code + 3)"), c->code ? c->code : "");
        return SH_EINVAL;
    }
    if (!sh_replica_in_scope (r, c->code)) {
        S_MSG (_("courtyard %s is outside this node's scope %s"), c->code, sh_replica_scope (r));
        return SH_ESCOPE;
    }
    *field = SH_OPS_FIELD_NAME;
    if (!sh_ops_text_ok (c->name, true, _("the courtyard name"), msg))
        return SH_EINVAL;
    *field = SH_OPS_FIELD_HOUSEHOLDS;
    if (c->households <= 0 || c->households > 100000) {
        S_MSG (_("households must be a number from 1 to 100000, not %lld"), (long long) c->households);
        return SH_EINVAL;
    }
    *field = SH_OPS_FIELD_RESIDENTS;
    if (c->residents != SH_OPS_UNSET && (c->residents < 0 || c->residents > 1000000)) {
        S_MSG (_("residents must be a number from 0 to 1000000, not %lld"), (long long) c->residents);
        return SH_EINVAL;
    }
    if (c->residents != SH_OPS_UNSET && !sh_plaus_residents_shown (c->residents, c->households, msg))
        return SH_EINVAL;
    *field = SH_OPS_FIELD_ELDERLY;
    if (c->elderly != SH_OPS_UNSET && c->elderly < 0) {
        S_MSG (_("elderly residents must be a number from 0, not %lld"), (long long) c->elderly);
        return SH_EINVAL;
    }
    if (c->elderly != SH_OPS_UNSET && c->residents != SH_OPS_UNSET && c->elderly > c->residents) {
        S_MSG (_("elderly residents (%lld) cannot exceed residents (%lld)"),
               (long long) c->elderly, (long long) c->residents);
        return SH_EINVAL;
    }
    *field = SH_OPS_FIELD_POINT;
    *point = 0;
    if (c->point && !sh_ops_enum_in ("shouhe.v1.DeliberationPoint", _("deliberation point"), c->point, point, msg))
        return SH_EINVAL;
    *field = SH_OPS_FIELD_GRID;
    if (!sh_ops_text_ok (c->grid, false, _("the grid"), msg))
        return SH_EINVAL;
    *field = SH_OPS_FIELD_VILLAGER_GROUP;
    if (!sh_ops_text_ok (c->villager_group, false, _("the villager group"), msg))
        return SH_EINVAL;
    *field = SH_OPS_FIELD_NONE;
    return SH_OK;
}

static sh_err
s_courtyard_check (sh_replica_t *r, sh_store_txn_t *txn, const sh_ops_courtyard_t *c,
                   int *point, sh_ops_field_t *field, char *msg)
{
    sh_err rc = sh_ops_courtyard_fields (r, c, point, field, msg);
    if (rc)
        return rc;
    uint8_t *body;
    size_t len;
    rc = sh_merge_get (txn, c->code, SH_KIND_COURTYARD, (const uint8_t *) c->code, 15,
                       &body, &len, NULL);
    if (rc == SH_OK) {
        free (body);
        S_MSG (_("courtyard %s already exists"), c->code);
        *field = SH_OPS_FIELD_CODE;
        return SH_EEXIST;
    }
    return rc == SH_ENOTFOUND ? SH_OK : rc;
}

static sh_err
s_courtyard_write (sh_replica_t *r, sh_store_txn_t *txn, const sh_ops_courtyard_t *c, int point)
{
    Shouhe__V1__Courtyard m = SHOUHE__V1__COURTYARD__INIT;
    char village[13];
    memcpy (village, c->code, 12);
    village[12] = 0;
    m.code = (char *) c->code;
    m.name = (char *) c->name;
    m.village = village;
    m.has_households = 1;
    m.households = (uint32_t) c->households;
    if (c->residents != SH_OPS_UNSET) {
        m.has_residents = 1;
        m.residents = (uint32_t) c->residents;
    }
    if (c->elderly != SH_OPS_UNSET) {
        m.has_elderly = 1;
        m.elderly = (uint32_t) c->elderly;
    }
    m.has_model = 1;
    m.model = c->model;
    if (point) {
        m.has_point = 1;
        m.point = point;
    }
    m.grid = c->grid && *c->grid ? (char *) c->grid : NULL;
    m.villager_group = c->villager_group && *c->villager_group ? (char *) c->villager_group : NULL;
    uint8_t *body;
    size_t len;
    sh_err rc = sh_ops_pack (&m.base, &body, &len);
    if (rc)
        return rc;
    rc = sh_replica_write (r, txn, c->code, SH_KIND_COURTYARD, (const uint8_t *) c->code, 15,
                           SH_OP_PUT, body, len, NULL);
    free (body);
    return rc;
}

sh_err
sh_ops_courtyard_put (sh_replica_t *r, sh_store_txn_t *txn, const sh_ops_courtyard_t *c, sh_ops_field_t *field,
                      char *msg)
{
    int point;
    sh_ops_field_t unused;
    if (!field)
        field = &unused;
    sh_err rc = s_courtyard_check (r, txn, c, &point, field, msg);
    if (rc == SH_OK && (rc = s_courtyard_write (r, txn, c, point)) != SH_OK) {
        *field = rc == SH_ESCOPE ? SH_OPS_FIELD_CODE : SH_OPS_FIELD_NONE;
        sh_ops_write_failed (r, rc, msg, _("cannot record the courtyard"));
    }
    return rc;
}

sh_err
sh_ops_courtyard_add (sh_replica_t *r, const sh_ops_courtyard_t *c, char *msg)
{
    sh_store_txn_t *txn;
    sh_err rc = sh_replica_begin (r, &txn);
    if (rc) {
        S_MSG (_("cannot open the store: %s"), sh_strerror (rc));
        return rc;
    }
    rc = sh_ops_courtyard_put (r, txn, c, NULL, msg);
    if (rc == SH_OK && (rc = sh_store_commit (&txn)) != SH_OK)
        sh_ops_write_failed (r, rc, msg, _("cannot record the courtyard"));
    sh_store_abort (&txn);
    return rc;
}

//  ---------------------------------------------------------------------
//  Persons and roles

//  The entry checks of a person's fields (sh_ops_int.h).
bool
sh_ops_person_fields (sh_replica_t *r, const char *name, bool name_required, const char *gender_text,
                      int birth_year, const char *phone, int *gender, sh_ops_field_t *field, char *msg)
{
    sh_ops_field_t unused;
    if (!field)
        field = &unused;
    *field = SH_OPS_FIELD_NAME;
    if ((name_required || name) && !sh_ops_text_ok (name, true, _("the person's name"), msg))
        return false;
    *field = SH_OPS_FIELD_PHONE;
    if (!sh_ops_text_ok (phone, false, _("the phone number"), msg))
        return false;
    *field = SH_OPS_FIELD_GENDER;
    *gender = 0;
    if (gender_text && !sh_ops_enum_in ("shouhe.v1.Gender", _("gender"), gender_text, gender, msg))
        return false;
    char today[SH_OPS_DAY_BYTES];
    sh_ops_today (r, today);
    *field = SH_OPS_FIELD_BIRTH_YEAR;
    if (birth_year && !sh_plaus_birth_year_shown (birth_year, atoi (today), msg))
        return false;
    *field = SH_OPS_FIELD_PHONE;
    if (phone && *phone && !sh_plaus_phone_shown (phone, msg))
        return false;
    *field = SH_OPS_FIELD_NONE;
    return true;
}

sh_err
sh_ops_person_put (sh_replica_t *r, sh_store_txn_t *txn, const sh_ops_person_t *p,
                   char id_hex[SH_OPS_ID_HEX], sh_ops_field_t *field, char *msg)
{
    int gender;
    sh_ops_field_t unused;
    if (!field)
        field = &unused;
    if (!sh_ops_person_fields (r, p->name, true, p->gender, p->birth_year, p->phone, &gender, field, msg))
        return SH_EINVAL;
    *field = SH_OPS_FIELD_COURTYARD;
    sh_err rc = s_courtyard_exists (r, txn, p->courtyard, msg);
    if (rc)
        return rc;
    Shouhe__V1__Person m = SHOUHE__V1__PERSON__INIT;
    m.name = (char *) p->name;
    m.courtyard = (char *) p->courtyard;
    if (gender) {
        m.has_gender = 1;
        m.gender = gender;
    }
    if (p->birth_year) {
        m.has_birth_year = 1;
        m.birth_year = (uint32_t) p->birth_year;
    }
    m.has_party_member = 1;
    m.party_member = p->party_member;
    m.phone = p->phone && *p->phone ? (char *) p->phone : NULL;
    uint8_t id[SH_OPS_ID_BYTES];
    sh_crypto_random (id, sizeof id);
    uint8_t *body;
    size_t len;
    rc = sh_ops_pack (&m.base, &body, &len);
    if (rc == SH_OK) {
        rc = sh_replica_write (r, txn, p->courtyard, SH_KIND_PERSON, id, sizeof id, SH_OP_PUT, body, len, NULL);
        free (body);
    }
    if (rc == SH_ESCOPE)
        S_MSG (_("region %s is outside this node's scope %s"), p->courtyard, sh_replica_scope (r));
    else
    if (rc)
        sh_ops_write_failed (r, rc, msg, _("cannot record the person"));
    else
        sh_crypto_hex (id_hex, id, sizeof id);
    return rc;
}

sh_err
sh_ops_person_add (sh_replica_t *r, const sh_ops_person_t *p, char id_hex[SH_OPS_ID_HEX], char *msg)
{
    sh_store_txn_t *txn;
    sh_err rc = sh_replica_begin (r, &txn);
    if (rc) {
        S_MSG (_("cannot open the store: %s"), sh_strerror (rc));
        return rc;
    }
    rc = sh_ops_person_put (r, txn, p, id_hex, NULL, msg);
    if (rc == SH_OK && (rc = sh_store_commit (&txn)) != SH_OK)
        sh_ops_write_failed (r, rc, msg, _("cannot record the person"));
    sh_store_abort (&txn);
    return rc;
}

//  Read a person's record; its courtyard is copied to courtyard.
static sh_err
s_person (sh_replica_t *r, const char *hex, uint8_t id[SH_OPS_ID_BYTES],
          char courtyard[SH_REGION_MAX + 1], char *msg)
{
    if (!sh_ops_id_in (hex, id, _("person"), msg))
        return SH_EINVAL;
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (sh_replica_store (r), false, &txn);
    if (rc)
        return rc;
    rc = sh_ops_find (txn, SH_KIND_PERSON, id, SH_OPS_ID_BYTES, courtyard, NULL, NULL);
    sh_store_abort (&txn);
    if (rc == SH_ENOTFOUND)
        S_MSG (_("unknown person %s"), hex);
    else
    if (rc)
        S_MSG (_("cannot read person %s: %s"), hex, sh_strerror (rc));
    return rc;
}

//  The current role record of (person, role): status, or 0 when none, and
//  the date of the appointment into appointed ("" when none).
static sh_err
s_role_status (sh_replica_t *r, const uint8_t rid[SH_OPS_ID_BYTES + 1], int *status,
               char appointed[SH_OPS_DAY_BYTES])
{
    uint8_t *body;
    size_t len;
    *status = 0;
    appointed[0] = 0;
    char region[SH_REGION_MAX + 1];
    sh_err rc = sh_ops_read (r, SH_KIND_ROLE, rid, SH_OPS_ID_BYTES + 1, region, &body, &len);
    if (rc == SH_OK) {
        Shouhe__V1__RoleAssignment *a = shouhe__v1__role_assignment__unpack (NULL, len, body);
        free (body);
        if (!a)
            return SH_ECORRUPT;
        *status = a->has_status ? (int) a->status : 0;
        snprintf (appointed, SH_OPS_DAY_BYTES, "%s", a->appointed_on ? a->appointed_on : "");
        shouhe__v1__role_assignment__free_unpacked (a, NULL);
    }
    return rc == SH_ENOTFOUND ? SH_OK : rc;
}

//  The role as a message names it: as the clerk typed it, or in Chinese its
//  Chinese name (sh_names), whatever was typed.
static const char *
s_role_shown (const char *role, int value)
{
    const char *zh = sh_i18n_chinese () ? sh_names_zh ("shouhe.v1.Role", value) : "";
    return *zh ? zh : role;
}

sh_err
sh_ops_role_assign (sh_replica_t *r, const char *person_hex, const char *role,
                    const char *nomination, const char *date, char *msg)
{
    int rv, nom = 0;
    char day[SH_OPS_DAY_BYTES];
    if (!sh_ops_enum_in ("shouhe.v1.Role", _("role"), role, &rv, msg)
    ||  (nomination && !sh_ops_enum_in ("shouhe.v1.Nomination", _("nomination"), nomination, &nom, msg))
    ||  sh_ops_date_in (r, _("the appointment date"), date, NULL, NULL, day, msg))
        return SH_EINVAL;
    uint8_t rid[SH_OPS_ID_BYTES + 1];
    char courtyard[SH_REGION_MAX + 1];
    sh_err rc = s_person (r, person_hex, rid, courtyard, msg);
    if (rc)
        return rc;
    rid[SH_OPS_ID_BYTES] = (uint8_t) rv;
    int status;
    char appointed[SH_OPS_DAY_BYTES];
    if ((rc = s_role_status (r, rid, &status, appointed)) != SH_OK) {
        S_MSG (_("cannot read the role: %s"), sh_strerror (rc));
        return rc;
    }
    Shouhe__V1__RoleAssignment m = SHOUHE__V1__ROLE_ASSIGNMENT__INIT;
    if (status == SHOUHE__V1__ROLE_STATUS__ROLE_STATUS_APPOINTED) {
        if (!nomination && !date) {
            S_MSG (_("person %s already holds the role %s (to correct the appointment, give "
                   "--nomination or --date)"), person_hex, s_role_shown (role, rv));
            return SH_ERULE;
        }
        //  a correction of the appointment: the fields given, nothing else
        m.has_nomination = nom != 0;
        m.nomination = nom;
        m.appointed_on = date ? day : NULL;
        rc = sh_ops_write1 (r, courtyard, SH_KIND_ROLE, rid, sizeof rid, SH_OP_PUT, &m.base, msg);
        if (rc == SH_OK)
            S_MSG (_("corrected the appointment of %s as %s"), person_hex, s_role_shown (role, rv));
        return rc;
    }
    m.has_person = 1;
    m.person = (ProtobufCBinaryData) { SH_OPS_ID_BYTES, rid };
    m.courtyard = courtyard;
    m.has_role = 1;
    m.role = rv;
    m.has_status = 1;
    m.status = SHOUHE__V1__ROLE_STATUS__ROLE_STATUS_APPOINTED;
    if (nom) {
        m.has_nomination = 1;
        m.nomination = nom;
    }
    m.appointed_on = day;
    if (status == SHOUHE__V1__ROLE_STATUS__ROLE_STATUS_DISMISSED) {
        //  a re-appointment: fields are merged one by one, so clear the old dismissal
        m.dismissed_on = (char *) "";
        m.reason = (char *) "";
    }
    return sh_ops_write1 (r, courtyard, SH_KIND_ROLE, rid, sizeof rid, SH_OP_PUT, &m.base, msg);
}

sh_err
sh_ops_role_dismiss (sh_replica_t *r, const char *person_hex, const char *role,
                     const char *reason, const char *date, char *msg)
{
    int rv;
    char day[SH_OPS_DAY_BYTES];
    if (!sh_ops_enum_in ("shouhe.v1.Role", _("role"), role, &rv, msg)
    ||  sh_ops_date_in (r, _("the dismissal date"), date, NULL, NULL, day, msg)
    ||  !sh_ops_free_ok (reason, _("the reason"), msg))
        return SH_EINVAL;
    uint8_t rid[SH_OPS_ID_BYTES + 1];
    char courtyard[SH_REGION_MAX + 1];
    sh_err rc = s_person (r, person_hex, rid, courtyard, msg);
    if (rc)
        return rc;
    rid[SH_OPS_ID_BYTES] = (uint8_t) rv;
    int status;
    char appointed[SH_OPS_DAY_BYTES];
    if ((rc = s_role_status (r, rid, &status, appointed)) != SH_OK) {
        S_MSG (_("cannot read the role: %s"), sh_strerror (rc));
        return rc;
    }
    if (status != SHOUHE__V1__ROLE_STATUS__ROLE_STATUS_APPOINTED) {
        S_MSG (_("person %s does not hold the role %s: nobody to dismiss"), person_hex,
               s_role_shown (role, rv));
        return SH_ERULE;
    }
    if ((rc = sh_ops_date_in (r, _("the dismissal date"), day, appointed, _("the appointment"), day, msg)) != SH_OK)
        return rc;
    Shouhe__V1__RoleAssignment m = SHOUHE__V1__ROLE_ASSIGNMENT__INIT;
    m.has_status = 1;
    m.status = SHOUHE__V1__ROLE_STATUS__ROLE_STATUS_DISMISSED;
    m.dismissed_on = day;
    m.reason = reason && *reason ? (char *) reason : NULL;
    return sh_ops_write1 (r, courtyard, SH_KIND_ROLE, rid, sizeof rid, SH_OP_PUT, &m.base, msg);
}

//  ---------------------------------------------------------------------
//  Meetings and mediations

static bool
s_texts_ok (const char *const *t, size_t n, const char *what, char *msg)
{
    for (size_t i = 0; i < n; i++)
        if (!sh_ops_text_ok (t[i], true, what, msg))
            return false;
    return true;
}

sh_err
sh_ops_meeting_record (sh_replica_t *r, const sh_ops_meeting_t *mt, char id_hex[SH_OPS_ID_HEX], char *msg)
{
    int kind;
    char day[SH_OPS_DAY_BYTES];
    if (!sh_ops_enum_in ("shouhe.v1.MeetingKind", _("meeting kind"), mt->kind, &kind, msg)
    ||  sh_ops_date_in (r, _("the meeting date"), mt->date, NULL, NULL, day, msg)
    ||  !s_texts_ok (mt->topics, mt->n_topics, _("a topic"), msg)
    ||  !s_texts_ok (mt->decisions, mt->n_decisions, _("a decision"), msg)
    ||  !sh_ops_text_ok (mt->location, false, _("the location"), msg))
        return SH_EINVAL;
    if (mt->attendance != SH_OPS_UNSET && (mt->attendance < 0 || mt->attendance > 100000)) {
        S_MSG (_("attendance must be a number from 0 to 100000, not %lld"), (long long) mt->attendance);
        return SH_EINVAL;
    }
    int64_t invited = mt->invited == SH_OPS_UNSET ? 0 : mt->invited;
    if (invited < 0 || invited > SH_PLAUS_INVITED_MAX) {
        S_MSG (_("invited cadres and guests must be a number from 0 to %d, not %lld"), SH_PLAUS_INVITED_MAX,
               (long long) invited);
        return SH_EINVAL;
    }
    long long households, residents;
    sh_err rc = s_courtyard_people (r, mt->courtyard, &households, &residents, msg);
    if (rc)
        return rc;
    if (mt->attendance != SH_OPS_UNSET
    &&  !sh_plaus_attendance_shown (mt->attendance, households, residents, invited, msg))
        return SH_ERULE;
    Shouhe__V1__Meeting m = SHOUHE__V1__MEETING__INIT;
    m.courtyard = (char *) mt->courtyard;
    m.has_kind = 1;
    m.kind = kind;
    m.date = day;
    if (mt->attendance != SH_OPS_UNSET) {
        m.has_attendance = 1;
        m.attendance = (uint32_t) mt->attendance;
    }
    if (invited > 0) {
        m.has_invited = 1;
        m.invited = (uint32_t) invited;
    }
    m.n_topics = mt->n_topics;
    m.topics = (char **) mt->topics;
    m.n_decisions = mt->n_decisions;
    m.decisions = (char **) mt->decisions;
    m.location = mt->location && *mt->location ? (char *) mt->location : NULL;
    uint8_t id[SH_OPS_ID_BYTES];
    sh_crypto_random (id, sizeof id);
    rc = sh_ops_write1 (r, mt->courtyard, SH_KIND_MEETING, id, sizeof id, SH_OP_PUT, &m.base, msg);
    if (rc == SH_OK)
        sh_crypto_hex (id_hex, id, sizeof id);
    return rc;
}

sh_err
sh_ops_mediation_record (sh_replica_t *r, const sh_ops_mediation_t *md,
                         char id_hex[SH_OPS_ID_HEX], char *msg)
{
    int level, kind, outcome;
    char day[SH_OPS_DAY_BYTES];
    uint8_t mid[SH_OPS_ID_BYTES];
    if (!sh_ops_enum_in ("shouhe.v1.MediationLevel", _("mediation level"), md->level, &level, msg)
    ||  !sh_ops_enum_in ("shouhe.v1.MediationKind", _("mediation kind"), md->kind, &kind, msg)
    ||  !sh_ops_enum_in ("shouhe.v1.MediationOutcome", _("mediation outcome"), md->outcome, &outcome, msg)
    ||  sh_ops_date_in (r, _("the mediation date"), md->date, NULL, NULL, day, msg)
    ||  !sh_ops_free_ok (md->summary, _("the summary"), msg)
    ||  (md->matter_hex && !sh_ops_id_in (md->matter_hex, mid, _("matter"), msg)))
        return SH_EINVAL;
    if (md->parties != SH_OPS_UNSET && (md->parties < 2 || md->parties > 10000)) {
        S_MSG (_("a mediation has at least 2 parties, not %lld"), (long long) md->parties);
        return SH_EINVAL;
    }
    sh_err rc = sh_ops_read_courtyard (r, md->courtyard, msg);
    if (rc)
        return rc;
    char opened[SH_OPS_DAY_BYTES], region[SH_REGION_MAX + 1];
    if (md->matter_hex && (rc = sh_ops_matter_opened (r, md->matter_hex, opened, region, msg)) != SH_OK)
        return rc;
    if (md->matter_hex && strcmp (region, md->courtyard) != 0) {
        S_MSG (_("matter %s belongs to courtyard %s, not %s: a mediation refers to a matter of its own "
               "courtyard"), md->matter_hex, region, md->courtyard);
        return SH_ERULE;
    }
    if (md->matter_hex && (rc = sh_ops_date_in (r, _("the mediation date"), day, opened,
                                                _("the matter was opened"), day, msg)) != SH_OK)
        return rc;
    Shouhe__V1__Mediation m = SHOUHE__V1__MEDIATION__INIT;
    m.courtyard = (char *) md->courtyard;
    m.has_level = 1;
    m.level = level;
    m.has_kind = 1;
    m.kind = kind;
    m.has_outcome = 1;
    m.outcome = outcome;
    m.date = day;
    if (md->parties != SH_OPS_UNSET) {
        m.has_parties = 1;
        m.parties = (uint32_t) md->parties;
    }
    m.summary = md->summary && *md->summary ? (char *) md->summary : NULL;
    if (md->matter_hex) {
        m.has_matter = 1;
        m.matter = (ProtobufCBinaryData) { sizeof mid, mid };
    }
    uint8_t id[SH_OPS_ID_BYTES];
    sh_crypto_random (id, sizeof id);
    rc = sh_ops_write1 (r, md->courtyard, SH_KIND_MEDIATION, id, sizeof id, SH_OP_PUT, &m.base, msg);
    if (rc == SH_OK)
        sh_crypto_hex (id_hex, id, sizeof id);
    return rc;
}

//  ---------------------------------------------------------------------
//  Points and time bank

sh_err
sh_ops_points (sh_replica_t *r, const char *person_hex, bool redeem, const char *unit,
               int64_t amount, const char *reason, const char *date, char *msg)
{
    int uv = SHOUHE__V1__LEDGER_UNIT__UNIT_POINTS;
    char day[SH_OPS_DAY_BYTES];
    if ((unit && !sh_ops_enum_in ("shouhe.v1.LedgerUnit", _("unit"), unit, &uv, msg))
    ||  sh_ops_date_in (r, _("the points date"), date, NULL, NULL, day, msg)
    ||  !sh_ops_free_ok (reason, _("the reason"), msg))
        return SH_EINVAL;
    if (amount <= 0 || amount > 1000000000) {
        S_MSG (_("amount must be a whole number from 1 to 1000000000, not %lld"), (long long) amount);
        return SH_EINVAL;
    }
    uint8_t id[SH_OPS_ID_BYTES];
    char courtyard[SH_REGION_MAX + 1];
    sh_err rc = s_person (r, person_hex, id, courtyard, msg);
    if (rc)
        return rc;
    sh_store_txn_t *txn;
    rc = sh_replica_begin (r, &txn);
    if (rc) {
        S_MSG (_("cannot open the store: %s"), sh_strerror (rc));
        return rc;
    }
    if (redeem) {
        sh_domain_ledger_t l;
        rc = sh_domain_ledger_replay (txn, courtyard, id, sizeof id, &l, NULL, NULL);
        char unit_name[32];
        if (rc == SH_OK && l.balance[uv] < amount) {
            S_MSG (_("cannot redeem %lld %s: the balance of person %s is %lld"), (long long) amount,
                   sh_names_shown ("shouhe.v1.LedgerUnit", uv, unit_name, sizeof unit_name),
                   person_hex, (long long) l.balance[uv]);
            rc = SH_ERULE;
        }
    }
    if (rc == SH_OK) {
        Shouhe__V1__LedgerEntry e = SHOUHE__V1__LEDGER_ENTRY__INIT;
        e.has_kind = 1;
        e.kind = redeem ? SHOUHE__V1__LEDGER_KIND__LEDGER_REDEEM : SHOUHE__V1__LEDGER_KIND__LEDGER_EARN;
        e.has_unit = 1;
        e.unit = uv;
        e.has_amount = 1;
        e.amount = (uint64_t) amount;
        e.reason = reason && *reason ? (char *) reason : NULL;
        e.date = day;
        e.courtyard = courtyard;
        uint8_t *body;
        size_t len;
        rc = sh_ops_pack (&e.base, &body, &len);
        if (rc == SH_OK) {
            rc = sh_replica_write (r, txn, courtyard, SH_KIND_LEDGER, id, sizeof id, SH_OP_EVENT,
                                   body, len, NULL);
            free (body);
        }
        if (rc == SH_OK)
            rc = sh_store_commit (&txn);
        if (rc == SH_ESCOPE)
            S_MSG (_("person %s lives in %s, outside this node's scope %s"), person_hex, courtyard,
                   sh_replica_scope (r));
        else
        if (rc)
            sh_ops_write_failed (r, rc, msg, _("cannot record the change"));
    }
    sh_store_abort (&txn);
    return rc;
}

//  ---------------------------------------------------------------------
//  Evaluations

sh_err
sh_ops_evaluate (sh_replica_t *r, const char *courtyard, const char *period, const char *category,
                 int content, int effect, int satisfaction, int *maturity, char *msg)
{
    int cat;
    if (!sh_ops_enum_in ("shouhe.v1.Category", _("category"), category, &cat, msg))
        return SH_EINVAL;
    if (!sh_ops_period_valid (period)) {
        S_MSG (_("period '%s' must look like 2024Q3"), period ? period : "");
        return SH_EINVAL;
    }
    const int scores[3] = { content, effect, satisfaction };
    const char *names[3] = { N_("content"), N_("effect"), N_("satisfaction") };
    for (int i = 0; i < 3; i++)
        if (scores[i] < 1 || scores[i] > 10) {
            S_MSG (_("the %s score must be 1..10, not %d"), _(names[i]), scores[i]);
            return SH_EINVAL;
        }
    sh_err rc = sh_ops_read_courtyard (r, courtyard, msg);
    if (rc)
        return rc;
    Shouhe__V1__Evaluation m = SHOUHE__V1__EVALUATION__INIT;
    m.courtyard = (char *) courtyard;
    m.period = (char *) period;
    m.has_category = 1;
    m.category = cat;
    m.has_content = m.has_effect = m.has_satisfaction = m.has_maturity = 1;
    m.content = (uint32_t) content;
    m.effect = (uint32_t) effect;
    m.satisfaction = (uint32_t) satisfaction;
    m.maturity = (uint32_t) sh_domain_maturity (content, effect, satisfaction);
    char id[40];
    int n = snprintf (id, sizeof id, "%s/%s/%d", courtyard, period, cat);
    rc = sh_ops_write1 (r, courtyard, SH_KIND_EVALUATION, (const uint8_t *) id, (size_t) n, SH_OP_PUT,
                   &m.base, msg);
    if (rc == SH_OK)
        *maturity = (int) m.maturity;
    return rc;
}
