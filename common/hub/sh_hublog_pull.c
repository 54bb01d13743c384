/*  sh_hublog -- the hub's side of the change log: selecting what each node
    receives (Pull). See sh_hublog.h. Part of the module sh_hublog
    (sh_hublog_int.h).
*/
#include "sh_hublog.h"
#include "sh_hublog_int.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_change.h"
#include "sh_changelog.h"
#include "sh_i18n.h"
#include "sh_merge.h"
#include "sh_openings.h"
#include "sh_registry.h"

//  ---------------------------------------------------------------------
//  Pull

typedef struct {
    uint8_t *buf;             //  change bytes, back to back
    size_t len, cap;          //  used and allocated
} s_mem_t;

void
sh_hublog_batch_fini (sh_hublog_batch_t *b)
{
    s_mem_t *m = b->mem_;
    if (m)
        free (m->buf);
    free (m);
    free (b->changes);
    free (b->keys);
    free (b->names);
    free (b->indexes);
    free (b->openings);
    free (b->note);
    memset (b, 0, sizeof *b);
}

static sh_err
s_add_key (sh_store_txn_t *txn, sh_hublog_batch_t *b, const uint8_t author[SH_PUBKEY_BYTES], size_t max)
{
    for (size_t i = 0; i < b->n_keys; i++)
        if (memcmp (b->keys[i].key, author, SH_PUBKEY_BYTES) == 0)
            return SH_OK;
    if (b->n_keys == max)
        return SH_OK;
    sh_registry_entry_t e;
    sh_err rc = sh_registry_get (txn, author, &e);
    if (rc)
        return rc == SH_ENOTFOUND ? SH_ECORRUPT : rc;   //  the hub stored a change of an unknown key
    char *name = b->names[b->n_keys];
    sh_wire_key_t *k = &b->keys[b->n_keys++];
    memcpy (k->key, e.key, SH_PUBKEY_BYTES);
    strcpy (k->scope, e.scope);
    k->role = e.role;
    strcpy (name, e.name);
    k->name = name[0] ? name : NULL;    //  who acted, by name, at the node (issue 13)
    k->revoked = e.revoked_ms != 0;
    return SH_OK;
}

//  How far a pull may go: the log's size, or the newest checkpoint's when
//  the log has grown past it (then never further: a node keeps its cursor
//  with a checkpoint covering it). A log never signed (sh_hublog_push
//  without a hub key) is served whole, without a checkpoint.
static sh_err
s_pull_limit (sh_store_txn_t *txn, sh_hublog_batch_t *b, uint64_t *size)
{
    sh_err rc = sh_changelog_size (txn, size);
    if (rc == SH_OK && *size > 0)
        rc = sh_hublog_latest (txn, &b->cp_size, &b->note);
    if (rc == SH_ENOTFOUND)
        return SH_OK;
    if (rc == SH_OK && b->cp_size < *size)
        *size = b->cp_size;
    return rc;
}

//  A copy of len bytes at the end of m; false when out of memory.
static bool
s_mem_add (s_mem_t *m, const uint8_t *bytes, size_t len)
{
    if (m->len + len > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64 * 1024;
        while (cap < m->len + len)
            cap *= 2;
        uint8_t *nb = realloc (m->buf, cap);
        if (!nb)
            return false;
        m->buf = nb;
        m->cap = cap;
    }
    memcpy (m->buf + m->len, bytes, len);
    m->len += len;
    return true;
}

//  Set up an empty batch answering since, of at most *max changes (1 ..
//  SH_WIRE_MAX_CHANGES, *max clamped), with room for as many keys and log
//  indexes when full is set (an ordinary Batch; an own one has neither),
//  the offsets array the caller frees and a read transaction
//  (*txn; the caller aborts it). SH_ENOMEM (b then holds nothing) or the
//  store's error (b holds its arrays).
static sh_err
s_batch_open (sh_hublog_batch_t *b, sh_store_t *store, uint64_t since, uint32_t *max, bool full, size_t **offs,
              sh_store_txn_t **txn)
{
    memset (b, 0, sizeof *b);
    if (*max == 0)
        *max = 1;
    if (*max > SH_WIRE_MAX_CHANGES)
        *max = SH_WIRE_MAX_CHANGES;
    b->mem_ = calloc (1, sizeof (s_mem_t));
    b->changes = calloc (*max, sizeof *b->changes);
    b->keys = full ? calloc (*max, sizeof *b->keys) : NULL;
    b->names = full ? calloc (*max, sizeof *b->names) : NULL;
    b->indexes = full ? calloc (*max, sizeof *b->indexes) : NULL;
    *offs = calloc (*max, sizeof **offs);
    if (!b->mem_ || !b->changes || (full && (!b->keys || !b->names || !b->indexes)) || !*offs) {
        free (*offs);
        sh_hublog_batch_fini (b);
        return SH_ENOMEM;
    }
    b->since = since;
    return sh_store_begin (store, false, txn);
}

//  The openings txn holds for change c, the index-th of batch b, copied
//  into b's memory; *offs (grown with b->openings) keeps the offsets of
//  each salt and value until the memory stops moving.
static sh_err
s_add_openings (sh_store_txn_t *txn, sh_hublog_batch_t *b, const sh_change_t *c, size_t index,
                size_t (**offs)[2])
{
    sh_seal_opening_t held[SH_SEALS_MAX];
    size_t nh = 0;
    sh_err rc = sh_merge_openings_of (txn, c, held, &nh);
    if (rc || nh == 0)
        return rc;
    sh_wire_opening_t *o = realloc (b->openings, (b->n_openings + nh) * sizeof *o);
    if (o)
        b->openings = o;
    size_t (*f)[2] = o ? realloc (*offs, (b->n_openings + nh) * sizeof *f) : NULL;
    if (!f)
        return SH_ENOMEM;
    *offs = f;
    s_mem_t *m = b->mem_;
    for (size_t k = 0; k < nh; k++) {
        f[b->n_openings][0] = m->len;
        if (!s_mem_add (m, held[k].salt, SH_SEAL_SALT_BYTES))
            return SH_ENOMEM;
        f[b->n_openings][1] = m->len;
        if (!s_mem_add (m, held[k].value, held[k].value_len))
            return SH_ENOMEM;
        b->openings[b->n_openings++] = (sh_wire_opening_t) { (uint32_t) index, held[k].field, NULL, NULL,
                                                             held[k].value_len };
    }
    return SH_OK;
}

static sh_err s_pull (sh_store_t *store, const char *scope, const uint8_t *exclude, uint64_t since,
                      uint32_t max, size_t max_bytes, bool openings, sh_hublog_batch_t *b);

sh_err
sh_hublog_pull (sh_store_t *store, const char *scope, const uint8_t *exclude, uint64_t since,
                uint32_t max, size_t max_bytes, sh_hublog_batch_t *b)
{
    return s_pull (store, scope, exclude, since, max, max_bytes, false, b);
}

sh_err
sh_hublog_pull_openings (sh_store_t *store, const char *scope, const uint8_t *exclude, uint64_t since,
                         uint32_t max, size_t max_bytes, sh_hublog_batch_t *b)
{
    return s_pull (store, scope, exclude, since, max, max_bytes, true, b);
}

static sh_err
s_pull (sh_store_t *store, const char *scope, const uint8_t *exclude, uint64_t since, uint32_t max,
        size_t max_bytes, bool openings, sh_hublog_batch_t *b)
{
    memset (b, 0, sizeof *b);
    size_t sl = scope ? strlen (scope) : 0;
    if (scope && sl != 6 && sl != 9 && sl != 12)
        return SH_EINVAL;
    size_t *offs, (*ooffs)[2] = NULL;      //  where each change, each opening's salt and value sit
    sh_store_txn_t *txn = NULL;
    sh_err rc = s_batch_open (b, store, since, &max, true, &offs, &txn);
    if (rc == SH_ENOMEM && !b->mem_)
        return rc;
    s_mem_t *m = b->mem_;
    uint64_t size = 0;
    if (rc == SH_OK)
        rc = s_pull_limit (txn, b, &size);
    sh_store_cursor_t *cur = NULL;
    uint8_t key[12 + 1 + 8];
    if (scope) {
        memcpy (key, scope, sl);
        key[sl] = '/';
        if (rc == SH_OK)
            rc = sh_store_cursor_open (txn, SH_DB_SCOPES, key, sl + 1, &cur);
        sh_store_put_be64 (key + sl + 1, since + 1);
        if (rc == SH_OK)
            rc = sh_store_cursor_seek (cur, key, sl + 9);
    }
    uint64_t next = since;
    bool exhausted = false;
    while (rc == SH_OK && b->n < max && b->bytes < max_bytes) {
        uint64_t index = next + 1;          //  every leaf: the next one
        if (scope) {
            const uint8_t *k, *v;
            size_t kl, vl;
            sh_err cr = sh_store_cursor_next (cur, &k, &kl, &v, &vl);
            if (cr == SH_ENOTFOUND) {
                exhausted = true;
                break;
            }
            if (cr) {
                rc = cr;
                break;
            }
            if (kl != sl + 9) {
                rc = SH_ECORRUPT;
                break;
            }
            index = sh_store_get_be64 (k + sl + 1);
        }
        if (index > size) {
            exhausted = true;   //  beyond the newest checkpoint
            break;
        }
        const uint8_t *bytes;
        size_t len;
        rc = sh_changelog_get (txn, index, &bytes, &len);
        if (rc)
            break;
        next = index;
        //  the author is in the change: decode without verifying (it was
        //  verified on the way in; the receiver verifies again)
        uint8_t *cb;
        size_t cl;
        uint8_t sig[SH_SIG_BYTES];
        sh_change_t c;
        rc = sh_change_unwrap (&cb, &cl, sig, bytes, len);
        if (rc)
            break;
        rc = sh_change_decode (&c, cb, cl, NULL);
        free (cb);
        if (rc)
            break;
        bool skip = exclude && memcmp (c.author, exclude, SH_PUBKEY_BYTES) == 0;
        if (!skip)
            rc = s_add_key (txn, b, c.author, max);
        if (!skip && rc == SH_OK && openings && c.n_seals)
            rc = s_add_openings (txn, b, &c, b->n, &ooffs);
        sh_change_fini (&c);
        if (skip || rc)
            continue;
        if (!s_mem_add (m, bytes, len)) {
            rc = SH_ENOMEM;
            break;
        }
        b->indexes[b->n] = index;
        offs[b->n] = m->len - len;
        b->changes[b->n++].len = len;
        b->bytes += len;
    }
    sh_store_cursor_close (&cur);
    sh_store_abort (&txn);
    for (size_t i = 0; i < b->n; i++)
        b->changes[i].data = m->buf + offs[i];
    for (size_t j = 0; j < b->n_openings; j++) {
        b->openings[j].salt = m->buf + ooffs[j][0];
        b->openings[j].value = m->buf + ooffs[j][1];
    }
    free (offs);
    free (ooffs);
    if (rc) {
        sh_hublog_batch_fini (b);
        return rc;
    }
    if (exhausted) {
        b->next = size > since ? size : since;
        b->done = true;
    }
    else
        b->next = next;
    return SH_OK;
}

sh_err
sh_hublog_pull_own (sh_store_t *store, const uint8_t author[SH_PUBKEY_BYTES], uint64_t from, uint32_t max,
                    size_t max_bytes, sh_hublog_batch_t *b)
{
    assert (store && author && from >= 1);
    size_t *offs;
    sh_store_txn_t *txn = NULL;
    sh_err rc = s_batch_open (b, store, from, &max, false, &offs, &txn);
    if (rc == SH_ENOMEM && !b->mem_)
        return rc;
    s_mem_t *m = b->mem_;
    uint64_t head = 0, seq = from;
    uint8_t hash[SH_HASH_BYTES];
    if (rc == SH_OK)
        rc = sh_changelog_head (txn, author, &head, hash);
    for (; rc == SH_OK && seq <= head && b->n < max && (b->n == 0 || b->bytes < max_bytes); seq++) {
        const uint8_t *bytes;
        size_t len;
        rc = sh_changelog_get_seq (txn, author, seq, &bytes, &len);
        if (rc == SH_OK && !s_mem_add (m, bytes, len))
            rc = SH_ENOMEM;
        if (rc)
            break;
        offs[b->n] = m->len - len;
        b->changes[b->n++].len = len;
        b->bytes += len;
    }
    sh_store_abort (&txn);
    for (size_t i = 0; i < b->n; i++)
        b->changes[i].data = m->buf + offs[i];
    free (offs);
    if (rc) {
        sh_hublog_batch_fini (b);
        return rc == SH_ENOTFOUND ? SH_ECORRUPT : rc;   //  a hole below the head
    }
    b->next = seq;
    b->done = seq > head;
    return SH_OK;
}
