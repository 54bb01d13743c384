/*  sh_openings -- the openings of sealed fields as they travel. */
#include "sh_openings.h"

#include <stdlib.h>
#include <string.h>

#include "sh_merge.h"
#include "sh_seal.h"

typedef struct {
    uint8_t *buf;
    size_t len, cap;
} s_mem_t;

//  Append len bytes to m; their offset in *at. false when out of memory.
static bool
s_add (s_mem_t *m, const uint8_t *p, size_t len, size_t *at)
{
    if (m->len + len > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 4096;
        while (cap < m->len + len)
            cap *= 2;
        uint8_t *b = realloc (m->buf, cap);
        if (!b)
            return false;
        m->buf = b;
        m->cap = cap;
    }
    if (len)
        memcpy (m->buf + m->len, p, len);
    *at = m->len;
    m->len += len;
    return true;
}

sh_err
sh_openings_held (sh_store_txn_t *txn, const uint8_t *data, size_t len, sh_seal_opening_t out[SH_SEALS_MAX],
                  size_t *n)
{
    *n = 0;
    sh_change_t c;
    sh_err rc = sh_change_read (&c, data, len, NULL);
    if (rc)
        return rc == SH_ENOMEM ? rc : SH_ECORRUPT;
    rc = c.n_seals ? sh_merge_openings_of (txn, &c, out, n) : SH_OK;
    sh_change_fini (&c);
    return rc;
}

sh_err
sh_openings_gather (sh_store_txn_t *txn, const sh_wire_bytes_t *changes, size_t n, sh_openings_t *out)
{
    memset (out, 0, sizeof *out);
    s_mem_t *m = calloc (1, sizeof *m);
    size_t cap = 0;
    size_t (*offs)[2] = NULL;          //  salt and value offsets of each opening
    sh_err rc = m ? SH_OK : SH_ENOMEM;
    out->mem_ = m;
    for (size_t i = 0; i < n && rc == SH_OK; i++) {
        sh_seal_opening_t held[SH_SEALS_MAX];
        size_t nh = 0;
        rc = sh_openings_held (txn, changes[i].data, changes[i].len, held, &nh);
        for (size_t k = 0; k < nh && rc == SH_OK; k++) {
            if (out->n == cap) {
                cap = cap ? 2 * cap : 16;
                void *l = realloc (out->list, cap * sizeof *out->list), *o = l ? realloc (offs, cap * sizeof *offs) : NULL;
                if (l)
                    out->list = l;
                if (!o) {
                    rc = SH_ENOMEM;
                    break;
                }
                offs = o;
            }
            size_t s_at, v_at;
            if (!s_add (m, held[k].salt, SH_SEAL_SALT_BYTES, &s_at) || !s_add (m, held[k].value, held[k].value_len, &v_at)) {
                rc = SH_ENOMEM;
                break;
            }
            offs[out->n][0] = s_at;
            offs[out->n][1] = v_at;
            out->list[out->n++] = (sh_wire_opening_t) { (uint32_t) i, held[k].field, NULL, NULL, held[k].value_len };
        }
    }
    for (size_t j = 0; rc == SH_OK && j < out->n; j++) {       //  the buffer no longer moves
        out->list[j].salt = m->buf + offs[j][0];
        out->list[j].value = m->buf + offs[j][1];
    }
    free (offs);
    if (rc)
        sh_openings_fini (out);
    return rc;
}

void
sh_openings_fini (sh_openings_t *o)
{
    s_mem_t *m = o->mem_;
    if (m) {
        free (m->buf);
        free (m);
    }
    free (o->list);
    memset (o, 0, sizeof *o);
}

//  The openings of list[0..n) that name change number index, into mine
//  (*k of them); SH_ECRYPTO when more than a change can seal.
static sh_err
s_mine (const sh_wire_opening_t *list, size_t n, size_t index, sh_seal_opening_t mine[SH_SEALS_MAX], size_t *k)
{
    *k = 0;
    for (size_t j = 0; j < n; j++) {
        if (list[j].change != index)
            continue;
        if (*k == SH_SEALS_MAX)
            return SH_ECRYPTO;
        mine[*k].field = list[j].field;
        memcpy (mine[*k].salt, list[j].salt, SH_SEAL_SALT_BYTES);
        mine[*k].value = list[j].value;
        mine[*k].value_len = list[j].value_len;
        (*k)++;
    }
    return SH_OK;
}

sh_err
sh_openings_take (sh_store_txn_t *txn, const sh_change_t *c, size_t index, const sh_wire_opening_t *list,
                  size_t n, size_t *kept)
{
    if (kept)
        *kept = 0;
    sh_seal_opening_t mine[SH_SEALS_MAX];
    size_t k;
    sh_err rc = s_mine (list, n, index, mine, &k);
    return rc || !k ? rc : sh_merge_openings (txn, c, mine, k, kept);
}

sh_err
sh_openings_check (const sh_change_t *c, size_t index, const sh_wire_opening_t *list, size_t n)
{
    sh_seal_opening_t mine[SH_SEALS_MAX];
    size_t k;
    sh_err rc = s_mine (list, n, index, mine, &k);
    for (size_t j = 0; j < k && rc == SH_OK; j++) {
        const sh_change_seal_t *s = sh_seal_find (c, mine[j].field);
        if (!s || sh_seal_verify (s, &mine[j]) != SH_OK)
            rc = SH_ECRYPTO;
    }
    return rc;
}
