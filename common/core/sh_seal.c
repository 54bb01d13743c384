/*  sh_seal -- personal fields sealed out of a change's body. */
#include "sh_seal.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sh_i18n.h"

//  The personal fields of each kind (the protocol's table, sh_seal.h).
static bool
s_personal (sh_kind_t kind, uint32_t field)
{
    switch (kind) {
        case SH_KIND_PERSON:        return field == 1 || field == 4 || field == 6;
        case SH_KIND_ROLE:          return field == 8;
        case SH_KIND_MATTER:        return field == 4;
        case SH_KIND_MATTER_EVENT:  return field == 5;
        case SH_KIND_MEDIATION:     return field == 7;
        case SH_KIND_LEDGER:        return field == 4;
        default:                    return false;
    }
}

bool
sh_seal_kind (sh_kind_t kind)
{
    return kind == SH_KIND_PERSON || kind == SH_KIND_ROLE || kind == SH_KIND_MATTER || kind == SH_KIND_MATTER_EVENT
        || kind == SH_KIND_MEDIATION || kind == SH_KIND_LEDGER;
}

bool
sh_seal_personal (sh_kind_t kind, uint32_t field)
{
    return s_personal (kind, field);
}

void
sh_seal_commit (uint8_t commitment[SH_HASH_BYTES], const uint8_t salt[SH_SEAL_SALT_BYTES], uint32_t field,
                const uint8_t *value, size_t value_len)
{
    uint8_t be[4] = { (uint8_t) (field >> 24), (uint8_t) (field >> 16), (uint8_t) (field >> 8), (uint8_t) field };
    sh_crypto_sha256_t st;
    sh_crypto_sha256_init (&st);
    sh_crypto_sha256_update (&st, (const uint8_t *) SH_SEAL_PREFIX, strlen (SH_SEAL_PREFIX));
    sh_crypto_sha256_update (&st, salt, SH_SEAL_SALT_BYTES);
    sh_crypto_sha256_update (&st, be, sizeof be);
    if (value_len)
        sh_crypto_sha256_update (&st, value, value_len);
    sh_crypto_sha256_final (&st, commitment);
}

sh_err
sh_seal_verify (const sh_change_seal_t *s, const sh_seal_opening_t *o)
{
    assert (s && o);
    if (s->field != o->field)
        return SH_ECRYPTO;
    uint8_t c[SH_HASH_BYTES];
    sh_seal_commit (c, o->salt, o->field, o->value, o->value_len);
    return sh_crypto_equal (c, s->commitment, SH_HASH_BYTES) ? SH_OK : SH_ECRYPTO;
}

const sh_change_seal_t *
sh_seal_find (const sh_change_t *c, uint32_t field)
{
    for (size_t k = 0; k < c->n_seals; k++)
        if (c->seals[k].field == field)
            return &c->seals[k];
    return NULL;
}

//  ---------------------------------------------------------------------
//  Walking a body's fields

//  Read a varint at *i of buf[0..len); false when malformed or too long.
static bool
s_varint (const uint8_t *buf, size_t len, size_t *i, uint64_t *v)
{
    *v = 0;
    for (unsigned shift = 0; shift < 64 && *i < len; shift += 7) {
        uint8_t b = buf[(*i)++];
        *v |= (uint64_t) (b & 0x7f) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

//  The field at *i: its number and the end of its encoding (tag included).
//  false when malformed (groups are refused: no domain message has one).
static bool
s_field (const uint8_t *buf, size_t len, size_t *i, uint32_t *field, size_t *end)
{
    uint64_t tag, n;
    if (!s_varint (buf, len, i, &tag) || (tag >> 3) < 1 || (tag >> 3) > 0x1fffffff)
        return false;
    *field = (uint32_t) (tag >> 3);
    switch (tag & 7) {
        case 0:
            if (!s_varint (buf, len, i, &n))
                return false;
            break;
        case 1:
            if (len - *i < 8)
                return false;
            *i += 8;
            break;
        case 2:
            if (!s_varint (buf, len, i, &n) || n > len - *i)
                return false;
            *i += (size_t) n;
            break;
        case 5:
            if (len - *i < 4)
                return false;
            *i += 4;
            break;
        default:
            return false;
    }
    *end = *i;
    return true;
}

sh_err
sh_seal_split (sh_kind_t kind, const uint8_t *body, size_t len, sh_seal_split_t *out)
{
    assert (out && (body || len == 0));
    memset (out, 0, sizeof *out);
    //  one buffer: the clear body first, then each sealed field's value
    uint8_t *mem = malloc (2 * len + 1);
    if (!mem)
        return SH_ENOMEM;
    out->mem_ = mem;
    out->body = mem;
    uint32_t fields[SH_SEALS_MAX];
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        size_t start = i, end;
        uint32_t f;
        if (!s_field (body, len, &i, &f, &end)) {
            sh_seal_split_fini (out);
            return SH_EPROTO;
        }
        if (!s_personal (kind, f)) {
            memcpy (out->body + out->body_len, body + start, end - start);
            out->body_len += end - start;
        }
        else {
            bool seen = false;
            for (size_t k = 0; k < n && !seen; k++)
                seen = fields[k] == f;
            if (!seen)
                fields[n++] = f;        //  at most 3 personal fields per kind: n < SH_SEALS_MAX
        }
    }
    //  ascending field numbers, each field's occurrences in body order
    for (size_t a = 1; a < n; a++)
        for (size_t b = a; b > 0 && fields[b - 1] > fields[b]; b--) {
            uint32_t t = fields[b];
            fields[b] = fields[b - 1];
            fields[b - 1] = t;
        }
    uint8_t *at = mem + len;
    for (size_t k = 0; k < n; k++) {
        sh_seal_opening_t *o = &out->openings[k];
        o->field = fields[k];
        o->value = at;
        for (size_t i = 0; i < len;) {
            size_t start = i, end;
            uint32_t f;
            (void) s_field (body, len, &i, &f, &end);        //  well-formed: walked above
            if (f == fields[k]) {
                memcpy (at, body + start, end - start);
                at += end - start;
            }
        }
        o->value_len = (size_t) (at - o->value);
        sh_crypto_random (o->salt, SH_SEAL_SALT_BYTES);
        out->seals[k].field = fields[k];
        sh_seal_commit (out->seals[k].commitment, o->salt, o->field, o->value, o->value_len);
    }
    out->n = n;
    return SH_OK;
}

void
sh_seal_split_fini (sh_seal_split_t *split)
{
    if (split) {
        free (split->mem_);
        sh_crypto_wipe (split, sizeof *split);
    }
}

sh_err
sh_seal_check (const sh_change_t *c, const char **why)
{
    assert (c);
    for (size_t k = 0; k < c->n_seals; k++)
        if (!s_personal (c->kind, c->seals[k].field)) {
            if (why)
                *why = _("a seal names a field that is not personal for the change's kind");
            return SH_EPROTO;
        }
    for (size_t i = 0; c->n_seals && i < c->body_len;) {
        size_t end;
        uint32_t f;
        if (!s_field (c->body, c->body_len, &i, &f, &end))
            return SH_OK;       //  a malformed body is the merge's to refuse (7.2)
        for (size_t k = 0; k < c->n_seals; k++)
            if (c->seals[k].field == f) {
                if (why)
                    *why = _("a sealed field also stands in clear in the body");
                return SH_EPROTO;
            }
    }
    return SH_OK;
}

sh_err
sh_seal_join (const sh_change_t *c, const sh_seal_opening_t *openings, size_t n, uint8_t **out, size_t *out_len)
{
    assert (c && out && out_len && (openings || n == 0));
    *out = NULL;
    *out_len = 0;
    size_t total = c->body_len;
    for (size_t j = 0; j < n; j++) {
        const sh_change_seal_t *s = sh_seal_find (c, openings[j].field);
        if (!s)
            return SH_EPROTO;
        if (sh_seal_verify (s, &openings[j]) != SH_OK)
            return SH_ECRYPTO;
        total += openings[j].value_len;
    }
    uint8_t *buf = malloc (total + 1);
    if (!buf)
        return SH_ENOMEM;
    if (c->body_len)
        memcpy (buf, c->body, c->body_len);
    size_t at = c->body_len;
    for (size_t k = 0; k < c->n_seals; k++)         //  ascending, as the seals are
        for (size_t j = 0; j < n; j++)
            if (openings[j].field == c->seals[k].field && openings[j].value_len) {
                memcpy (buf + at, openings[j].value, openings[j].value_len);
                at += openings[j].value_len;
                break;
            }
    *out = buf;
    *out_len = at;
    return SH_OK;
}
