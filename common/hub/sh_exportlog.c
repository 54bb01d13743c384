/*  sh_exportlog -- the hub's record of personal exports (see sh_exportlog.h). */
#include "sh_exportlog.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define S_VERSION 1
#define S_FIXED_BYTES (1 + 8 + 4 + 8 + 8 + 8)     //  before the strings
#define S_VALUE_MAX (S_FIXED_BYTES + 3 * 2 + SH_EXPORTLOG_USER_MAX + SH_EXPORTLOG_PURPOSE_MAX \
                     + SH_EXPORTLOG_PATH_MAX)

//  Appends to and reads from a value buffer.
typedef struct {
    uint8_t *p;               //  the buffer
    size_t len;               //  its length
    size_t pos;               //  next byte
} s_buf_t;

static void
s_put (s_buf_t *b, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--)
        b->p[b->pos++] = (uint8_t) (v >> (8 * i));
}

static void
s_put_str (s_buf_t *b, const char *s)
{
    size_t n = strlen (s);
    s_put (b, n, 2);
    memcpy (b->p + b->pos, s, n);
    b->pos += n;
}

//  false when fewer than bytes remain.
static bool
s_get (s_buf_t *b, uint64_t *v, int bytes)
{
    if (b->len - b->pos < (size_t) bytes)
        return false;
    *v = 0;
    for (int i = 0; i < bytes; i++)
        *v = *v << 8 | b->p[b->pos++];
    return true;
}

//  A string of at most max bytes into out (max + 1), NUL-terminated;
//  false if it runs past the value, is longer or holds a NUL.
static bool
s_get_str (s_buf_t *b, char *out, size_t max)
{
    uint64_t n;
    if (!s_get (b, &n, 2) || n > max || n > b->len - b->pos || memchr (b->p + b->pos, 0, (size_t) n))
        return false;
    memcpy (out, b->p + b->pos, (size_t) n);
    out[n] = 0;
    b->pos += (size_t) n;
    return true;
}

sh_err
sh_exportlog_add (sh_store_txn_t *txn, sh_exportlog_entry_t *e)
{
    assert (txn && e);
    assert (memchr (e->user, 0, sizeof e->user) && memchr (e->purpose, 0, sizeof e->purpose)
            && memchr (e->path, 0, sizeof e->path));
    sh_store_cursor_t *cur;
    sh_err rc = sh_store_cursor_open (txn, SH_DB_EXPORTS, NULL, 0, &cur);
    if (rc)
        return rc;
    const uint8_t *k;
    size_t kl;
    rc = sh_store_cursor_last (cur, &k, &kl, NULL, NULL);
    uint64_t last = 0;
    if (rc == SH_OK && kl == 8)
        last = sh_store_get_be64 (k);
    else
    if (rc == SH_OK)
        rc = SH_ECORRUPT;
    sh_store_cursor_close (&cur);
    if (rc && rc != SH_ENOTFOUND)
        return rc;
    e->number = last + 1;
    uint8_t key[8], *v = malloc (S_VALUE_MAX);
    if (!v)
        return SH_ENOMEM;
    s_buf_t b = { v, S_VALUE_MAX, 0 };
    s_put (&b, S_VERSION, 1);
    s_put (&b, e->time_ms, 8);
    s_put (&b, e->uid, 4);
    s_put (&b, e->changes, 8);
    s_put (&b, e->openings, 8);
    s_put (&b, e->tree_size, 8);
    s_put_str (&b, e->user);
    s_put_str (&b, e->purpose);
    s_put_str (&b, e->path);
    sh_store_put_be64 (key, e->number);
    rc = sh_store_put (txn, SH_DB_EXPORTS, key, sizeof key, v, b.pos);
    free (v);
    return rc;
}

//  Decode the record of key k from value v into e. false if malformed.
static bool
s_decode (sh_exportlog_entry_t *e, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    s_buf_t b = { (uint8_t *) v, vl, 0 };
    uint64_t version, uid = 0;
    if (kl != 8 || !s_get (&b, &version, 1) || version != S_VERSION)
        return false;
    e->number = sh_store_get_be64 (k);
    bool ok = s_get (&b, &e->time_ms, 8) && s_get (&b, &uid, 4) && s_get (&b, &e->changes, 8)
           && s_get (&b, &e->openings, 8) && s_get (&b, &e->tree_size, 8)
           && s_get_str (&b, e->user, SH_EXPORTLOG_USER_MAX)
           && s_get_str (&b, e->purpose, SH_EXPORTLOG_PURPOSE_MAX)
           && s_get_str (&b, e->path, SH_EXPORTLOG_PATH_MAX) && b.pos == vl;
    e->uid = (uint32_t) uid;
    return ok;
}

sh_err
sh_exportlog_each (sh_store_txn_t *txn, sh_exportlog_fn *fn, void *arg)
{
    assert (txn && fn);
    sh_store_cursor_t *cur;
    sh_err rc = sh_store_cursor_open (txn, SH_DB_EXPORTS, NULL, 0, &cur);
    if (rc)
        return rc;
    sh_exportlog_entry_t *e = malloc (sizeof *e);
    const uint8_t *k, *v;
    size_t kl, vl;
    rc = e ? SH_OK : SH_ENOMEM;
    while (rc == SH_OK && (rc = sh_store_cursor_next (cur, &k, &kl, &v, &vl)) == SH_OK) {
        if (!s_decode (e, k, kl, v, vl))
            rc = SH_ECORRUPT;
        else
        if (fn (e, arg))
            break;
    }
    sh_store_cursor_close (&cur);
    free (e);
    return rc == SH_ENOTFOUND ? SH_OK : rc;
}
