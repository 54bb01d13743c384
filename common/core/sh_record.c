/*  sh_record -- domain record bodies, by reflection over protobuf-c descriptors. */
#include "sh_record.h"

#include <ctype.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_i18n.h"

#include "shouhe/v1/domain.pb-c.h"

//  ---------------------------------------------------------------------
//  Kind -> descriptor table (indexed by sh_kind_t)

static const ProtobufCMessageDescriptor *const s_descriptors[SH_KIND_COUNT] = {
    [SH_KIND_REGION] = &shouhe__v1__region__descriptor,
    [SH_KIND_COURTYARD] = &shouhe__v1__courtyard__descriptor,
    [SH_KIND_PERSON] = &shouhe__v1__person__descriptor,
    [SH_KIND_ROLE] = &shouhe__v1__role_assignment__descriptor,
    [SH_KIND_MATTER] = &shouhe__v1__matter__descriptor,
    [SH_KIND_MATTER_EVENT] = &shouhe__v1__matter_event__descriptor,
    [SH_KIND_MEETING] = &shouhe__v1__meeting__descriptor,
    [SH_KIND_MEDIATION] = &shouhe__v1__mediation__descriptor,
    [SH_KIND_LEDGER] = &shouhe__v1__ledger_entry__descriptor,
    [SH_KIND_EVALUATION] = &shouhe__v1__evaluation__descriptor,
};

static const ProtobufCEnumDescriptor *const s_enums[] = {
    &shouhe__v1__region_level__descriptor,
    &shouhe__v1__deliberation_point__descriptor,
    &shouhe__v1__gender__descriptor,
    &shouhe__v1__role__descriptor,
    &shouhe__v1__role_status__descriptor,
    &shouhe__v1__nomination__descriptor,
    &shouhe__v1__category__descriptor,
    &shouhe__v1__tier__descriptor,
    &shouhe__v1__step__descriptor,
    &shouhe__v1__matter_event_kind__descriptor,
    &shouhe__v1__meeting_kind__descriptor,
    &shouhe__v1__mediation_level__descriptor,
    &shouhe__v1__mediation_kind__descriptor,
    &shouhe__v1__mediation_outcome__descriptor,
    &shouhe__v1__ledger_kind__descriptor,
    &shouhe__v1__ledger_unit__descriptor,
};

static const ProtobufCMessageDescriptor *
s_descriptor (sh_kind_t kind)
{
    if ((int) kind <= 0 || kind >= SH_KIND_COUNT)
        return NULL;
    return s_descriptors[kind];
}

static const ProtobufCEnumDescriptor *
s_enum (const char *name)
{
    for (size_t i = 0; i < sizeof s_enums / sizeof s_enums[0]; i++)
        if (strcmp (s_enums[i]->name, name) == 0)
            return s_enums[i];
    return NULL;
}

//  Length of the prefix shared by every value name of e, cut after its last '_'
//  ("CATEGORY_" for CATEGORY_POLICY, CATEGORY_ECONOMY, ...).
static size_t
s_enum_prefix_len (const ProtobufCEnumDescriptor *e)
{
    const char *first = e->values[0].name;
    size_t len = strlen (first);
    for (unsigned i = 1; i < e->n_values; i++) {
        const char *n = e->values[i].name;
        size_t j = 0;
        while (j < len && n[j] == first[j])
            j++;
        len = j;
    }
    while (len > 0 && first[len - 1] != '_')
        len--;
    return len;
}

const char *
sh_record_type_name (sh_kind_t kind)
{
    const ProtobufCMessageDescriptor *d = s_descriptor (kind);
    return d ? d->short_name : NULL;
}

//  ---------------------------------------------------------------------
//  Wire format walking (docs/protocol.md, "Merge")

static bool
s_varint (const uint8_t *p, size_t len, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (*pos >= len)
            return false;
        uint8_t b = p[(*pos)++];
        v |= (uint64_t) (b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

sh_err
sh_record_field (const uint8_t *body, size_t len, uint32_t field,
                 const uint8_t **val, size_t *val_len, uint64_t *num)
{
    size_t pos = 0;
    bool found = false;
    while (pos < len) {
        uint64_t tag, v;
        if (!s_varint (body, len, &pos, &tag))
            return SH_EPROTO;
        unsigned type = (unsigned) (tag & 7);
        if (type == 0) {
            if (!s_varint (body, len, &pos, &v))
                return SH_EPROTO;
            if (tag >> 3 == field) {
                found = true;
                if (num)
                    *num = v;
            }
        }
        else
        if (type == 2) {
            if (!s_varint (body, len, &pos, &v) || v > len - pos)
                return SH_EPROTO;
            if (tag >> 3 == field) {
                found = true;
                if (val)
                    *val = body + pos;
                if (val_len)
                    *val_len = (size_t) v;
            }
            pos += (size_t) v;
        }
        else {
            size_t skip = type == 1 ? 8 : type == 5 ? 4 : 0;
            if (skip == 0 || tag >> 3 == field || skip > len - pos)
                return SH_EPROTO;
            pos += skip;
        }
    }
    return found ? SH_OK : SH_ENOTFOUND;
}

const char *
sh_record_field_name (sh_kind_t kind, uint32_t field)
{
    const ProtobufCMessageDescriptor *d = s_descriptor (kind);
    const ProtobufCFieldDescriptor *f = d ? protobuf_c_message_descriptor_get_field (d, (unsigned) field) : NULL;
    return f ? f->name : "?";
}

static int
s_seg_cmp (const void *a, const void *b)
{
    const sh_record_seg_t *x = a, *y = b;
    if (x->field != y->field)
        return x->field < y->field ? -1 : 1;
    return x->off < y->off ? -1 : (x->off > y->off);   //  stable: keep wire order
}

sh_err
sh_record_split (sh_record_seg_t *segs, size_t max, size_t *n,
                 const uint8_t *body, size_t len)
{
    size_t pos = 0, count = 0;
    while (pos < len) {
        size_t start = pos;
        uint64_t tag, v;
        if (!s_varint (body, len, &pos, &tag))
            return SH_EPROTO;
        uint64_t field = tag >> 3;
        if (field == 0 || field > 536870911u)
            return SH_EPROTO;
        switch (tag & 7) {
            case 0:     //  varint
                if (!s_varint (body, len, &pos, &v))
                    return SH_EPROTO;
                break;
            case 1:     //  64-bit
                if (len - pos < 8)
                    return SH_EPROTO;
                pos += 8;
                break;
            case 2:     //  length-delimited
                if (!s_varint (body, len, &pos, &v) || v > len - pos)
                    return SH_EPROTO;
                pos += (size_t) v;
                break;
            case 5:     //  32-bit
                if (len - pos < 4)
                    return SH_EPROTO;
                pos += 4;
                break;
            default:    //  groups (3, 4) and reserved types are not used by shouhe
                return SH_EPROTO;
        }
        if (count == max)
            return SH_EPROTO;
        segs[count++] = (sh_record_seg_t) { (uint32_t) field, start, pos - start };
    }
    qsort (segs, count, sizeof segs[0], s_seg_cmp);
    *n = count;
    return SH_OK;
}

//  ---------------------------------------------------------------------
//  Checking

static bool
s_enum_known (const ProtobufCEnumDescriptor *e, int value)
{
    return protobuf_c_enum_descriptor_get_value (e, value) != NULL;
}

static bool
s_fields_valid (const ProtobufCMessage *m, const char **why)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *base = (const char *) m;
        if (f->type == PROTOBUF_C_TYPE_STRING) {
            size_t n = f->label == PROTOBUF_C_LABEL_REPEATED
                     ? *(const size_t *) (base + f->quantifier_offset) : 1;
            char *const *vals = f->label == PROTOBUF_C_LABEL_REPEATED
                              ? *(char **const *) (base + f->offset) : (char *const *) (base + f->offset);
            for (size_t k = 0; k < n; k++)
                if (vals[k] && !sh_record_utf8_valid (vals[k], strlen (vals[k]))) {
                    if (why)
                        *why = _("a text field is not valid UTF-8");
                    return false;
                }
        }
        else
        if (f->type == PROTOBUF_C_TYPE_ENUM) {
            if (f->label == PROTOBUF_C_LABEL_REPEATED) {
                size_t n = *(const size_t *) (base + f->quantifier_offset);
                const int *vals = *(int *const *) (base + f->offset);
                for (size_t k = 0; k < n; k++)
                    if (!s_enum_known (f->descriptor, vals[k]))
                        goto bad;
            }
            else
            if (*(const protobuf_c_boolean *) (base + f->quantifier_offset)
            &&  !s_enum_known (f->descriptor, *(const int *) (base + f->offset)))
                goto bad;
        }
        else
        if (f->type == PROTOBUF_C_TYPE_MESSAGE && f->label != PROTOBUF_C_LABEL_REPEATED) {
            const ProtobufCMessage *sub = *(ProtobufCMessage *const *) (base + f->offset);
            if (sub && !s_fields_valid (sub, why))
                return false;
        }
        continue;
bad:
        if (why)
            *why = _("an enum field holds an unknown value");
        return false;
    }
    return true;
}

sh_err
sh_record_check (sh_kind_t kind, const uint8_t *body, size_t len, const char **why)
{
    const ProtobufCMessageDescriptor *d = s_descriptor (kind);
    if (!d) {
        if (why)
            *why = _("unknown entity kind");
        return SH_EPROTO;
    }
    ProtobufCMessage *m = protobuf_c_message_unpack (d, NULL, len, body);
    if (!m) {
        if (why)
            *why = _("body is not a valid message of the kind's type");
        return SH_EPROTO;
    }
    bool ok = s_fields_valid (m, why);
    sh_record_seg_t segs[SH_RECORD_MAX_SEGS];
    size_t nsegs;
    if (ok && sh_record_split (segs, SH_RECORD_MAX_SEGS, &nsegs, body, len) != SH_OK) {
        ok = false;
        if (why)
            *why = _("body has more than 256 field occurrences");
    }
    //  a body that packs back to another size held a repeated field, an
    //  over-long varint or a string with a NUL (which protobuf-c cuts):
    //  what would be merged is not what was signed
    if (ok && protobuf_c_message_get_packed_size (m) != len) {
        ok = false;
        if (why)
            *why = _("body is not canonically encoded (repeated field, NUL in a string or over-long number)");
    }
    protobuf_c_message_free_unpacked (m, NULL);
    return ok ? SH_OK : SH_EPROTO;
}

//  ---------------------------------------------------------------------
//  Enums by name

static void
s_short_name (char *buf, size_t size, const ProtobufCEnumDescriptor *e, const char *full)
{
    const char *s = full + s_enum_prefix_len (e);
    size_t i = 0;
    for (; s[i] && i + 1 < size; i++)
        buf[i] = (char) tolower ((unsigned char) s[i]);
    buf[i] = 0;
}

//  The value of e whose short name is text (case-insensitive, '-' for '_'),
//  or NULL. The UNSPECIFIED value (0) only when with_zero.
static const ProtobufCEnumValue *
s_enum_by_name (const ProtobufCEnumDescriptor *e, const char *text, bool with_zero)
{
    for (unsigned i = 0; i < e->n_values; i++) {
        if (e->values[i].value == 0 && !with_zero)
            continue;
        char name[64];
        s_short_name (name, sizeof name, e, e->values[i].name);
        size_t j = 0;
        for (; name[j] && text[j]; j++) {
            char c = (char) tolower ((unsigned char) text[j]);
            if (c == '-')
                c = '_';
            if (c != name[j])
                break;
        }
        if (!name[j] && !text[j])
            return &e->values[i];
    }
    return NULL;
}

sh_err
sh_record_enum_parse (const char *enum_name, const char *text, int *value)
{
    const ProtobufCEnumDescriptor *e = s_enum (enum_name);
    const ProtobufCEnumValue *v = e && text ? s_enum_by_name (e, text, false) : NULL;
    if (!v)
        return SH_EINVAL;
    *value = v->value;
    return SH_OK;
}

const char *
sh_record_enum_text (const char *enum_name, int value, char *buf, size_t buf_size)
{
    const ProtobufCEnumDescriptor *e = s_enum (enum_name);
    const ProtobufCEnumValue *v = e ? protobuf_c_enum_descriptor_get_value (e, value) : NULL;
    if (!v)
        snprintf (buf, buf_size, "?");
    else
        s_short_name (buf, buf_size, e, v->name);
    return buf;
}

const char *
sh_record_enum_list (const char *enum_name, char *buf, size_t buf_size)
{
    const ProtobufCEnumDescriptor *e = s_enum (enum_name);
    size_t used = 0;
    buf[0] = 0;
    for (unsigned i = 0; e && i < e->n_values; i++) {
        if (e->values[i].value == 0)
            continue;
        char name[64];
        s_short_name (name, sizeof name, e, e->values[i].name);
        int n = snprintf (buf + used, buf_size - used, "%s%s", used ? " " : "", name);
        if (n < 0 || (size_t) n >= buf_size - used) {
            buf[used] = 0;   //  whole names only: drop a name snprintf cut short
            break;
        }
        used += (size_t) n;
    }
    return buf;
}

//  ---------------------------------------------------------------------
//  JSON by reflection

static json_t *s_message_json (const ProtobufCMessage *m);

static json_t *
s_value_json (const ProtobufCFieldDescriptor *f, const void *p)
{
    switch (f->type) {
        case PROTOBUF_C_TYPE_INT32:
        case PROTOBUF_C_TYPE_SINT32:
        case PROTOBUF_C_TYPE_SFIXED32:
            return json_integer (*(const int32_t *) p);
        case PROTOBUF_C_TYPE_UINT32:
        case PROTOBUF_C_TYPE_FIXED32:
            return json_integer (*(const uint32_t *) p);
        case PROTOBUF_C_TYPE_INT64:
        case PROTOBUF_C_TYPE_SINT64:
        case PROTOBUF_C_TYPE_SFIXED64:
            return json_integer (*(const int64_t *) p);
        case PROTOBUF_C_TYPE_UINT64:
        case PROTOBUF_C_TYPE_FIXED64:
            return json_integer ((json_int_t) *(const uint64_t *) p);
        case PROTOBUF_C_TYPE_FLOAT:
            return json_real (*(const float *) p);
        case PROTOBUF_C_TYPE_DOUBLE:
            return json_real (*(const double *) p);
        case PROTOBUF_C_TYPE_BOOL:
            return json_boolean (*(const protobuf_c_boolean *) p);
        case PROTOBUF_C_TYPE_ENUM: {
            const ProtobufCEnumDescriptor *e = f->descriptor;
            const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value (e, *(const int *) p);
            if (!v)
                return json_integer (*(const int *) p);
            char name[64];
            s_short_name (name, sizeof name, e, v->name);
            return json_string (name);
        }
        case PROTOBUF_C_TYPE_STRING: {
            const char *s = *(char *const *) p;
            return s ? json_string (s) : json_null ();
        }
        case PROTOBUF_C_TYPE_BYTES: {
            const ProtobufCBinaryData *b = p;
            char *hex = malloc (2 * b->len + 1);
            if (!hex)
                return NULL;
            sh_crypto_hex (hex, b->data, b->len);
            json_t *j = json_string (hex);
            free (hex);
            return j;
        }
        case PROTOBUF_C_TYPE_MESSAGE: {
            const ProtobufCMessage *sub = *(ProtobufCMessage *const *) p;
            return sub ? s_message_json (sub) : json_null ();
        }
    }
    return NULL;
}

static size_t
s_value_size (const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
        case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
        case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64: case PROTOBUF_C_TYPE_DOUBLE:
            return 8;
        case PROTOBUF_C_TYPE_BOOL:
            return sizeof (protobuf_c_boolean);
        case PROTOBUF_C_TYPE_STRING: case PROTOBUF_C_TYPE_MESSAGE:
            return sizeof (void *);
        case PROTOBUF_C_TYPE_BYTES:
            return sizeof (ProtobufCBinaryData);
        default:
            return 4;
    }
}

static json_t *
s_message_json (const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    const char *base = (const char *) m;
    json_t *obj = json_object ();
    if (!obj)
        return NULL;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        json_t *v = NULL;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *) (base + f->quantifier_offset);
            if (n == 0)
                continue;
            const char *arr = *(char *const *) (base + f->offset);
            v = json_array ();
            for (size_t k = 0; v && k < n; k++)
                if (json_array_append_new (v, s_value_json (f, arr + k * s_value_size (f))))
                    goto fail_v;
        }
        else {
            bool present;
            if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE)
                present = *(void *const *) (base + f->offset) != NULL;
            else
                present = *(const protobuf_c_boolean *) (base + f->quantifier_offset);
            if (!present)
                continue;
            v = s_value_json (f, base + f->offset);
        }
        if (!v || json_object_set_new (obj, f->name, v))
            goto fail;
        continue;
fail_v:
        json_decref (v);
        goto fail;
    }
    return obj;
fail:
    json_decref (obj);
    return NULL;
}

json_t *
sh_record_to_json (sh_kind_t kind, const uint8_t *body, size_t len)
{
    const ProtobufCMessageDescriptor *d = s_descriptor (kind);
    if (!d)
        return NULL;
    ProtobufCMessage *m = protobuf_c_message_unpack (d, NULL, len, body);
    if (!m)
        return NULL;
    json_t *j = s_message_json (m);
    protobuf_c_message_free_unpacked (m, NULL);
    return j;
}

//  ---------------------------------------------------------------------
//  JSON to a body: the message is built by reflection, then packed by
//  protobuf-c (so equal values give equal bytes)

typedef struct {
    void **owned;            //  every allocation of the message being built
    size_t n_owned;          //  how many
    size_t max_owned;        //  room in owned
    sh_err rc;               //  the first failure: SH_EINVAL or SH_ENOMEM
    const char *why;         //  its reason
} s_build_t;

//  false with the failure in b (the first one stays).
static bool
s_fail (s_build_t *b, sh_err rc, const char *why)
{
    if (!b->rc) {
        b->rc = rc;
        b->why = why;
    }
    return false;
}

static bool
s_refuse (s_build_t *b, const char *why)
{
    return s_fail (b, SH_EINVAL, why);
}

//  Zeroed memory that s_build_free releases; NULL (b failed) when memory
//  runs out.
static void *
s_build_alloc (s_build_t *b, size_t size)
{
    if (b->n_owned == b->max_owned) {
        size_t max = b->max_owned ? 2 * b->max_owned : 16;
        void **owned = realloc (b->owned, max * sizeof *owned);
        if (!owned) {
            s_fail (b, SH_ENOMEM, _("out of memory"));
            return NULL;
        }
        b->owned = owned;
        b->max_owned = max;
    }
    void *p = calloc (1, size ? size : 1);
    if (p)
        b->owned[b->n_owned++] = p;
    else
        s_fail (b, SH_ENOMEM, _("out of memory"));
    return p;
}

static void
s_build_free (s_build_t *b)
{
    for (size_t i = 0; i < b->n_owned; i++)
        free (b->owned[i]);
    free (b->owned);
}

static ProtobufCMessage *s_message_from_json (s_build_t *b, const ProtobufCMessageDescriptor *d,
                                              const json_t *obj);

//  A JSON integer within [min, max] into *v.
static bool
s_json_int (s_build_t *b, const json_t *v, json_int_t min, json_int_t max, json_int_t *out)
{
    if (!json_is_integer (v))
        return s_refuse (b, _("a number field holds something else than a whole number"));
    *out = json_integer_value (v);
    if (*out < min || *out > max)
        return s_refuse (b, _("a number is out of its field's range"));
    return true;
}

//  An enum value: its short name (any value, UNSPECIFIED too) or a number.
static bool
s_json_enum (s_build_t *b, const ProtobufCFieldDescriptor *f, const json_t *v, int *out)
{
    json_int_t n;
    if (json_is_string (v)) {
        const ProtobufCEnumValue *ev = s_enum_by_name (f->descriptor, json_string_value (v), true);
        if (!ev)
            return s_refuse (b, _("an enum field holds a name its enum does not have"));
        *out = ev->value;
        return true;
    }
    if (!s_json_int (b, v, INT32_MIN, INT32_MAX, &n))
        return false;
    *out = (int) n;
    return true;
}

//  Hex text into a bytes field.
static bool
s_json_bytes (s_build_t *b, const json_t *v, ProtobufCBinaryData *out)
{
    if (!json_is_string (v))
        return s_refuse (b, _("a bytes field holds something else than hex text"));
    size_t len = json_string_length (v) / 2;
    uint8_t *data = s_build_alloc (b, len);
    if (!data)
        return false;
    if (json_string_length (v) % 2 || sh_crypto_unhex (data, len, json_string_value (v)) != SH_OK)
        return s_refuse (b, _("a bytes field is not an even number of hex digits"));
    *out = (ProtobufCBinaryData) { len, data };
    return true;
}

//  One value of field f from v into p (the field's member, or an element
//  of its array).
static bool
s_value_from_json (s_build_t *b, const ProtobufCFieldDescriptor *f, const json_t *v, void *p)
{
    json_int_t n;
    switch (f->type) {
        case PROTOBUF_C_TYPE_INT32:
        case PROTOBUF_C_TYPE_SINT32:
        case PROTOBUF_C_TYPE_SFIXED32:
            if (!s_json_int (b, v, INT32_MIN, INT32_MAX, &n))
                return false;
            *(int32_t *) p = (int32_t) n;
            return true;
        case PROTOBUF_C_TYPE_UINT32:
        case PROTOBUF_C_TYPE_FIXED32:
            if (!s_json_int (b, v, 0, UINT32_MAX, &n))
                return false;
            *(uint32_t *) p = (uint32_t) n;
            return true;
        case PROTOBUF_C_TYPE_INT64:
        case PROTOBUF_C_TYPE_SINT64:
        case PROTOBUF_C_TYPE_SFIXED64:
            if (!s_json_int (b, v, INT64_MIN, INT64_MAX, &n))
                return false;
            *(int64_t *) p = (int64_t) n;
            return true;
        case PROTOBUF_C_TYPE_UINT64:
        case PROTOBUF_C_TYPE_FIXED64:
            //  values past INT64_MAX are negative in JSON, as sh_record_to_json writes them
            if (!s_json_int (b, v, INT64_MIN, INT64_MAX, &n))
                return false;
            *(uint64_t *) p = (uint64_t) n;
            return true;
        case PROTOBUF_C_TYPE_FLOAT:
        case PROTOBUF_C_TYPE_DOUBLE:
            if (!json_is_number (v))
                return s_refuse (b, _("a number field holds something else than a number"));
            if (f->type == PROTOBUF_C_TYPE_FLOAT)
                *(float *) p = (float) json_number_value (v);
            else
                *(double *) p = json_number_value (v);
            return true;
        case PROTOBUF_C_TYPE_BOOL:
            if (!json_is_boolean (v))
                return s_refuse (b, _("a bool field holds something else than true or false"));
            *(protobuf_c_boolean *) p = json_is_true (v);
            return true;
        case PROTOBUF_C_TYPE_ENUM:
            return s_json_enum (b, f, v, (int *) p);
        case PROTOBUF_C_TYPE_STRING:
            if (!json_is_string (v))
                return s_refuse (b, _("a text field holds something else than a string"));
            if (strlen (json_string_value (v)) != json_string_length (v))
                return s_refuse (b, _("a text field holds a NUL character"));
            //  borrowed from the JSON object, which outlives the packing
            *(const char **) p = json_string_value (v);
            return true;
        case PROTOBUF_C_TYPE_BYTES:
            return s_json_bytes (b, v, p);
        case PROTOBUF_C_TYPE_MESSAGE:
            if (!json_is_object (v))
                return s_refuse (b, _("a message field holds something else than an object"));
            return (*(ProtobufCMessage **) p = s_message_from_json (b, f->descriptor, v)) != NULL;
    }
    return s_refuse (b, _("a field has a type this version cannot encode"));
}

//  Field f of the message at base from v: an array for a repeated field,
//  else one value, marked present.
static bool
s_field_from_json (s_build_t *b, const ProtobufCFieldDescriptor *f, const json_t *v, char *base)
{
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        if (!json_is_array (v))
            return s_refuse (b, _("a repeated field holds something else than an array"));
        size_t n = json_array_size (v), size = s_value_size (f);
        char *arr = s_build_alloc (b, n * size);
        if (!arr)
            return false;
        for (size_t k = 0; k < n; k++)
            if (!s_value_from_json (b, f, json_array_get (v, k), arr + k * size))
                return false;
        *(size_t *) (base + f->quantifier_offset) = n;
        *(char **) (base + f->offset) = arr;
        return true;
    }
    if (!s_value_from_json (b, f, v, base + f->offset))
        return false;
    //  strings and messages are present by their pointer; the rest by a flag
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        *(uint32_t *) (base + f->quantifier_offset) = f->id;
    else
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_STRING
    &&  f->type != PROTOBUF_C_TYPE_MESSAGE)
        *(protobuf_c_boolean *) (base + f->quantifier_offset) = 1;
    return true;
}

static ProtobufCMessage *
s_message_from_json (s_build_t *b, const ProtobufCMessageDescriptor *d, const json_t *obj)
{
    ProtobufCMessage *m = s_build_alloc (b, d->sizeof_message);
    if (!m)
        return NULL;
    protobuf_c_message_init (d, m);
    const char *key;
    json_t *v;
    json_object_foreach ((json_t *) obj, key, v) {
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name (d, key);
        if (!f) {
            s_refuse (b, _("a key names no field of the record's type"));
            return NULL;
        }
        if (!json_is_null (v) && !s_field_from_json (b, f, v, (char *) m))
            return NULL;
    }
    return m;
}

sh_err
sh_record_from_json (uint8_t **body, size_t *len, sh_kind_t kind, const json_t *obj, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    *why = NULL;
    const ProtobufCMessageDescriptor *d = s_descriptor (kind);
    if (!d || !json_is_object (obj)) {
        *why = d ? _("the record is not a JSON object") : _("unknown entity kind");
        return SH_EINVAL;
    }
    s_build_t b = { NULL, 0, 0, SH_OK, NULL };
    ProtobufCMessage *m = s_message_from_json (&b, d, obj);
    if (m) {
        *len = protobuf_c_message_get_packed_size (m);
        *body = malloc (*len ? *len : 1);
        if (*body)
            protobuf_c_message_pack (m, *body);
        else
            s_fail (&b, SH_ENOMEM, _("out of memory"));
    }
    *why = b.why;
    s_build_free (&b);
    return b.rc;
}

//  ---------------------------------------------------------------------
//  Text

bool
sh_record_utf8_valid (const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *) s;
    size_t i = 0;
    while (i < len) {
        unsigned c = p[i];
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
                return false;
            i++;
            continue;
        }
        else if ((c & 0xe0) == 0xc0) { n = 1; cp = c & 0x1f; }
        else if ((c & 0xf0) == 0xe0) { n = 2; cp = c & 0x0f; }
        else if ((c & 0xf8) == 0xf0) { n = 3; cp = c & 0x07; }
        else
            return false;
        if (len - i <= n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        //  overlong forms, surrogates and values past U+10FFFF
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000)
        ||  (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            return false;
        i += n + 1;
    }
    return true;
}
