/*  sh_scope -- the scope rule: every identifier a change carries agrees
    with its region. */
#include "sh_scope.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sh_crypto.h"
#include "sh_i18n.h"
#include "sh_index.h"
#include "sh_record.h"

#define S_COURTYARD_DIGITS 15
#define S_VILLAGE_DIGITS 12
#define S_RANDOM_ID 16                  //  a random id: 16 bytes
#define S_ROLE_ID (S_RANDOM_ID + 1)     //  a role: person id || role value

//  What a body field must agree with.
typedef enum {
    S_IS_REGION,            //  text: the change's region
    S_IS_VILLAGE,           //  text: the region's first 12 digits
    S_IS_PARENT,            //  text: the region without its last 3 digits
    S_IS_LEVEL,             //  number: the level of the region's length (6: 1, 9: 2, 12: 3)
    S_IS_ID_PERSON,         //  bytes: the first 16 bytes of the entity id
    S_IS_ID_ROLE,           //  number: the last byte of the entity id
    S_IS_ID_PERIOD,         //  text: the period part of the entity id
    S_IS_ID_CATEGORY,       //  number: the category part of the entity id
    S_IS_MATTER_HERE        //  bytes: a matter of the change's region
} s_field_rule_t;

static const struct {
    sh_kind_t kind;
    uint32_t field;
    s_field_rule_t rule;
} s_fields[] = {
    { SH_KIND_REGION,     1, S_IS_REGION },      //  Region.code
    { SH_KIND_REGION,     3, S_IS_LEVEL },       //  Region.level
    { SH_KIND_REGION,     4, S_IS_PARENT },      //  Region.parent
    { SH_KIND_COURTYARD,  1, S_IS_REGION },      //  Courtyard.code
    { SH_KIND_COURTYARD,  3, S_IS_VILLAGE },     //  Courtyard.village
    { SH_KIND_PERSON,     2, S_IS_REGION },      //  Person.courtyard
    { SH_KIND_ROLE,       1, S_IS_ID_PERSON },   //  RoleAssignment.person
    { SH_KIND_ROLE,       2, S_IS_REGION },      //  RoleAssignment.courtyard
    { SH_KIND_ROLE,       3, S_IS_ID_ROLE },     //  RoleAssignment.role
    { SH_KIND_MATTER,     1, S_IS_REGION },      //  Matter.courtyard
    { SH_KIND_MEETING,    1, S_IS_REGION },      //  Meeting.courtyard
    { SH_KIND_MEDIATION,  1, S_IS_REGION },      //  Mediation.courtyard
    { SH_KIND_MEDIATION,  8, S_IS_MATTER_HERE }, //  Mediation.matter
    { SH_KIND_LEDGER,     6, S_IS_REGION },      //  LedgerEntry.courtyard
    { SH_KIND_EVALUATION, 1, S_IS_REGION },      //  Evaluation.courtyard
    { SH_KIND_EVALUATION, 2, S_IS_ID_PERIOD },   //  Evaluation.period
    { SH_KIND_EVALUATION, 3, S_IS_ID_CATEGORY }, //  Evaluation.category
};

//  What an entity id must be, per kind.
typedef enum {
    S_ID_NONE,              //  no rule (kind 0: no record)
    S_ID_REGION,            //  the region itself (a region or a courtyard)
    S_ID_NEW,               //  a random id held under no other region
    S_ID_ROLE,              //  a person of the region || a role value
    S_ID_MATTER,            //  a matter of the region
    S_ID_PERSON,            //  a person of the region
    S_ID_EVALUATION         //  region "/" period "/" category
} s_id_rule_t;

static const struct {
    s_id_rule_t rule;
    bool courtyard;         //  the region is a courtyard that must exist
} s_kinds[SH_KIND_COUNT] = {
    [SH_KIND_REGION]       = { S_ID_REGION, false },
    [SH_KIND_COURTYARD]    = { S_ID_REGION, false },
    [SH_KIND_PERSON]       = { S_ID_NEW, true },
    [SH_KIND_ROLE]         = { S_ID_ROLE, false },
    [SH_KIND_MATTER]       = { S_ID_NEW, true },
    [SH_KIND_MATTER_EVENT] = { S_ID_MATTER, false },
    [SH_KIND_MEETING]      = { S_ID_NEW, true },
    [SH_KIND_MEDIATION]    = { S_ID_NEW, true },
    [SH_KIND_LEDGER]       = { S_ID_PERSON, false },
    [SH_KIND_EVALUATION]   = { S_ID_EVALUATION, true },
};

typedef struct {
    const sh_change_t *c;
    const char *type;       //  the kind's message name ("Courtyard")
    char *why;              //  the sentence (may be NULL)
    size_t why_len;
    const char *period;     //  an evaluation id's period (not NUL-terminated) ...
    size_t period_len;      //  ... and its length
    uint64_t category;      //  an evaluation id's category
} s_check_t;

static sh_err
s_refuse (s_check_t *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static sh_err
s_refuse (s_check_t *k, const char *fmt, ...)
{
    if (k->why && k->why_len) {
        va_list ap;
        va_start (ap, fmt);
        vsnprintf (k->why, k->why_len, fmt, ap);
        va_end (ap);
    }
    return SH_ESCOPE;
}

//  bytes as lower-case hex into out (at most 32 bytes shown, then "...").
static const char *
s_hex (char out[SH_HEX_BYTES (32) + 3], const uint8_t *bytes, size_t len)
{
    size_t n = len > 32 ? 32 : len;
    sh_crypto_hex (out, bytes, n);
    if (n < len)
        strcat (out, "...");
    return out;
}

//  A text value for a message: printable ASCII as is (codes are digits),
//  nothing as "empty", anything else as hex. An empty field's val may be
//  NULL (protobuf-c leaves absent bytes so).
static const char *
s_text (char out[SH_HEX_BYTES (32) + 3], const uint8_t *val, size_t len)
{
    if (len == 0)
        return _("empty");
    bool plain = len <= 32;
    for (size_t i = 0; i < len && plain; i++)
        plain = val[i] >= 0x21 && val[i] < 0x7f;
    if (!plain)
        return s_hex (out, val, len);
    memcpy (out, val, len);
    out[len] = 0;
    return out;
}

static bool
s_equals (const uint8_t *val, size_t len, const char *text, size_t text_len)
{
    return len == text_len && memcmp (val, text, len) == 0;
}

//  Is a record of kind with id (16 bytes) held under the change's region?
static sh_err
s_held_here (sh_store_txn_t *txn, sh_kind_t kind, const uint8_t *id, const char *region, bool *here)
{
    return sh_index_where (txn, kind, id, S_RANDOM_ID, region, here, NULL);
}

//  The entity id of an evaluation: region "/" period "/" category.
static sh_err
s_evaluation_id (s_check_t *k)
{
    const sh_change_t *c = k->c;
    size_t rl = strlen (c->region);
    const uint8_t *e = c->entity;
    size_t n = c->entity_len;
    const uint8_t *slash = n > rl + 1 ? memchr (e + rl + 1, '/', n - rl - 1) : NULL;
    bool ok = slash && n > rl && memcmp (e, c->region, rl) == 0 && e[rl] == '/'
           && slash > e + rl + 1 && slash + 1 < e + n;
    uint64_t category = 0;
    for (const uint8_t *p = slash ? slash + 1 : e + n; ok && p < e + n; p++) {
        ok = *p >= '0' && *p <= '9' && category < 1000;
        category = category * 10 + (uint64_t) (*p - '0');
    }
    if (!ok) {
        char shown[SH_HEX_BYTES (32) + 3];
        return s_refuse (k, _("the id %s of an Evaluation is not its courtyard %s, a period and a category "
                         "(\"%s/2024Q3/4\")"), s_text (shown, e, n), c->region, c->region);
    }
    k->period = (const char *) e + rl + 1;
    k->period_len = (size_t) (slash - (e + rl + 1));
    k->category = category;
    return SH_OK;
}

//  The entity id's own rule (the stateful part comes later).
static sh_err
s_check_id_shape (s_check_t *k)
{
    const sh_change_t *c = k->c;
    char shown[SH_HEX_BYTES (32) + 3];
    size_t want = 0;
    switch (s_kinds[c->kind].rule) {
        case S_ID_REGION:
            if (!s_equals (c->entity, c->entity_len, c->region, strlen (c->region)))
                return s_refuse (k, _("the id %s of a %s is not its code, the change's region %s"),
                                 s_text (shown, c->entity, c->entity_len), k->type, c->region);
            return SH_OK;
        case S_ID_EVALUATION:
            return s_evaluation_id (k);
        case S_ID_NEW: case S_ID_MATTER: case S_ID_PERSON:
            want = S_RANDOM_ID;
            break;
        case S_ID_ROLE:
            want = S_ROLE_ID;
            break;
        case S_ID_NONE:
            return SH_OK;
    }
    if (c->entity_len != want)
        return s_refuse (k, _("the id of a %s is %zu bytes, not %zu"), k->type, want, c->entity_len);
    return SH_OK;
}

//  The region's length for the kind: a courtyard (15 digits) for every
//  record of a courtyard, a district, town or village for a region.
static sh_err
s_check_region (s_check_t *k)
{
    const sh_change_t *c = k->c;
    size_t rl = strlen (c->region);
    if (c->kind == SH_KIND_REGION) {
        if (rl != 6 && rl != 9 && rl != S_VILLAGE_DIGITS)
            return s_refuse (k, _("the region %s of a Region is not a district, town or village code "
                             "(6, 9 or 12 digits)"), c->region);
        return SH_OK;
    }
    if (rl != S_COURTYARD_DIGITS)
        return s_refuse (k, _("the region %s of a %s is not a courtyard code (15 digits): the records of "
                         "a courtyard have its code as their region"), c->region, k->type);
    return SH_OK;
}

static sh_err
s_check_field (sh_store_txn_t *txn, s_check_t *k, uint32_t field, s_field_rule_t rule)
{
    const sh_change_t *c = k->c;
    const uint8_t *val = NULL;
    size_t len = 0;
    uint64_t num = 0;
    sh_err rc = sh_record_field (c->body, c->body_len, field, &val, &len, &num);
    if (rc == SH_ENOTFOUND)
        return SH_OK;           //  an absent field keeps its merged value
    if (rc)
        return rc;
    const char *name = sh_record_field_name (c->kind, field);
    char shown[SH_HEX_BYTES (32) + 3];
    size_t rl = strlen (c->region);
    switch (rule) {
        case S_IS_REGION:
            if (!s_equals (val, len, c->region, rl))
                return s_refuse (k, _("%s.%s is %s, not the change's region %s"), k->type, name,
                                 s_text (shown, val, len), c->region);
            return SH_OK;
        case S_IS_VILLAGE:
            if (!s_equals (val, len, c->region, S_VILLAGE_DIGITS))
                return s_refuse (k, _("%s.%s is %s, not %.12s, the village of the change's region %s"), k->type,
                                 name, s_text (shown, val, len), c->region, c->region);
            return SH_OK;
        case S_IS_PARENT:
            if (rl <= 6 || !s_equals (val, len, c->region, rl - 3))
                return s_refuse (k, _("%s.%s is %s, not the region above the change's region %s"), k->type,
                                 name, s_text (shown, val, len), c->region);
            return SH_OK;
        case S_IS_LEVEL:
            if (num != (rl == 6 ? 1u : rl == 9 ? 2u : 3u))
                return s_refuse (k, _("%s.%s is %llu, not the level of the change's region %s"), k->type, name,
                                 (unsigned long long) num, c->region);
            return SH_OK;
        case S_IS_ID_PERSON:
            if (len != S_RANDOM_ID || memcmp (val, c->entity, S_RANDOM_ID) != 0)
                return s_refuse (k, _("%s.%s is %s, not the person of the record's id"), k->type, name,
                                 s_hex (shown, val, len));
            return SH_OK;
        case S_IS_ID_ROLE:
            if (num != c->entity[S_RANDOM_ID])
                return s_refuse (k, _("%s.%s is %llu, not the role of the record's id (%u)"), k->type, name,
                                 (unsigned long long) num, c->entity[S_RANDOM_ID]);
            return SH_OK;
        case S_IS_ID_PERIOD:
            if (!s_equals (val, len, k->period, k->period_len))
                return s_refuse (k, _("%s.%s is %s, not the period %.*s of the record's id"), k->type, name,
                                 s_text (shown, val, len), (int) k->period_len, k->period);
            return SH_OK;
        case S_IS_ID_CATEGORY:
            if (num != k->category)
                return s_refuse (k, _("%s.%s is %llu, not the category %llu of the record's id"), k->type, name,
                                 (unsigned long long) num, (unsigned long long) k->category);
            return SH_OK;
        case S_IS_MATTER_HERE: {
            bool here = false;
            if (len == S_RANDOM_ID && (rc = s_held_here (txn, SH_KIND_MATTER, val, c->region, &here)))
                return rc;
            if (!here)
                return s_refuse (k, _("%s.%s %s is not a matter of courtyard %s"), k->type, name,
                                 s_hex (shown, val, len), c->region);
            return SH_OK;
        }
    }
    return SH_OK;
}

//  What the entity id refers to, in the store.
static sh_err
s_check_id_refs (sh_store_txn_t *txn, s_check_t *k)
{
    const sh_change_t *c = k->c;
    char shown[SH_HEX_BYTES (32) + 3];
    bool here = false;
    sh_err rc = SH_OK;
    if (s_kinds[c->kind].courtyard) {
        rc = sh_index_where (txn, SH_KIND_COURTYARD, (const uint8_t *) c->region, S_COURTYARD_DIGITS,
                             c->region, &here, NULL);
        if (rc == SH_OK && !here)
            return s_refuse (k, _("courtyard %s of the %s does not exist"), c->region, k->type);
    }
    switch (s_kinds[c->kind].rule) {
        case S_ID_NEW: {
            char other[SH_REGION_MAX + 1];
            if (rc == SH_OK)
                rc = sh_index_where (txn, c->kind, c->entity, c->entity_len, c->region, &here, other);
            if (rc == SH_OK && other[0])
                return s_refuse (k, _("the %s %s belongs to courtyard %s, not to the change's region %s"),
                                 k->type, s_hex (shown, c->entity, c->entity_len), other, c->region);
            return rc;
        }
        case S_ID_ROLE: case S_ID_PERSON:
            if (rc == SH_OK)
                rc = s_held_here (txn, SH_KIND_PERSON, c->entity, c->region, &here);
            if (rc == SH_OK && !here)
                return s_refuse (k, _("the %s names the person %s, who is not a person of courtyard %s"),
                                 k->type, s_hex (shown, c->entity, S_RANDOM_ID), c->region);
            return rc;
        case S_ID_MATTER:
            if (rc == SH_OK)
                rc = s_held_here (txn, SH_KIND_MATTER, c->entity, c->region, &here);
            if (rc == SH_OK && !here)
                return s_refuse (k, _("the %s names the matter %s, which is not a matter of courtyard %s"),
                                 k->type, s_hex (shown, c->entity, S_RANDOM_ID), c->region);
            return rc;
        case S_ID_NONE: case S_ID_REGION: case S_ID_EVALUATION:
            break;
    }
    return rc;
}

sh_err
sh_scope_check (sh_store_txn_t *txn, const sh_change_t *c, char *why, size_t why_len)
{
    if (why && why_len)
        why[0] = 0;
    if (c->op == SH_OP_CLOCK || (int) c->kind <= 0 || c->kind >= SH_KIND_COUNT)
        return SH_OK;
    const char *type = sh_record_type_name (c->kind);
    s_check_t k = { .c = c, .type = type ? type : "record", .why = why, .why_len = why_len };
    sh_err rc = s_check_region (&k);
    if (rc == SH_OK)
        rc = s_check_id_shape (&k);
    if (c->op == SH_OP_PUT || c->op == SH_OP_EVENT)
        for (size_t i = 0; i < sizeof s_fields / sizeof s_fields[0] && rc == SH_OK; i++)
            if (s_fields[i].kind == c->kind)
                rc = s_check_field (txn, &k, s_fields[i].field, s_fields[i].rule);
    if (rc == SH_OK)
        rc = s_check_id_refs (txn, &k);
    return rc;
}
