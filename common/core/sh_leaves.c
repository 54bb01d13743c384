/*  sh_leaves -- where the changes a node holds sit in the hub's log
    (sh_leaves.h).
*/
#include <stdlib.h>
#include <string.h>

#include "sh_changelog.h"
#include "sh_leaves.h"
#include "sh_receipts.h"

sh_err
sh_leaves_put (sh_store_txn_t *txn, uint64_t hub_index, uint64_t local)
{
    uint8_t k[8], v[8];
    sh_store_put_be64 (k, hub_index);
    sh_store_put_be64 (v, local);
    return sh_store_put (txn, SH_DB_LEAVES, k, sizeof k, v, sizeof v);
}

typedef struct {
    sh_leaves_item_t *items;        //  collected so far (owned)
    size_t n, cap;
    sh_err rc;                      //  the first failure
    sh_store_txn_t *txn;            //  where own changes are looked up
    const uint8_t *me;              //  this node
    uint64_t from;                  //  the first leaf wanted
} s_collect_t;

static void
s_add (s_collect_t *c, uint64_t leaf, uint64_t local)
{
    if (c->rc)
        return;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 256;
        sh_leaves_item_t *ni = realloc (c->items, cap * sizeof *ni);
        if (!ni) {
            c->rc = SH_ENOMEM;
            return;
        }
        c->items = ni;
        c->cap = cap;
    }
    c->items[c->n++] = (sh_leaves_item_t) { leaf, local };
}

//  Every "leaves" entry at a leaf >= from, in order, to fn (which records
//  it; a failure it meets stays in c->rc). Store errors.
static sh_err
s_each_from (sh_store_txn_t *txn, uint64_t from, void (*fn) (s_collect_t *, uint64_t, uint64_t),
             s_collect_t *c)
{
    sh_store_cursor_t *cur;
    sh_err rc = sh_store_cursor_open (txn, SH_DB_LEAVES, NULL, 0, &cur);
    uint8_t k0[8];
    sh_store_put_be64 (k0, from + 1);
    if (rc == SH_OK)
        rc = sh_store_cursor_seek (cur, k0, sizeof k0);
    while (rc == SH_OK && c->rc == SH_OK) {
        const uint8_t *k, *v;
        size_t kl, vl;
        rc = sh_store_cursor_next (cur, &k, &kl, &v, &vl);
        if (rc == SH_OK && (kl != 8 || vl != 8))
            rc = SH_ECORRUPT;
        if (rc == SH_OK)
            fn (c, sh_store_get_be64 (k) - 1, sh_store_get_be64 (v));
    }
    sh_store_cursor_close (&cur);
    return rc == SH_ENOTFOUND ? SH_OK : rc;
}

//  sh_receipts_fn: this node's changes of one batch receipt.
static int
s_own (const sh_receipts_entry_t *e, void *arg)
{
    s_collect_t *c = arg;
    const sh_receipts_batch_t *b = &e->u.batch;
    if (e->malformed)
        return 0;
    for (uint64_t i = 0; i < b->count && !c->rc; i++) {
        if (b->first_leaf + i < c->from)
            continue;
        uint64_t local;
        uint8_t hash[SH_HASH_BYTES];
        sh_err rc = sh_changelog_find (c->txn, c->me, b->first_seq + i, &local, hash);
        if (rc == SH_ENOTFOUND)
            continue;           //  not held (cannot happen: receipts are of changes held)
        if (rc)
            c->rc = rc;
        else
            s_add (c, b->first_leaf + i, local);
    }
    return c->rc != SH_OK;
}

static int
s_by_leaf (const void *a, const void *b)
{
    const sh_leaves_item_t *x = a, *y = b;
    return x->leaf < y->leaf ? -1 : x->leaf > y->leaf;
}

sh_err
sh_leaves_from (sh_store_txn_t *txn, const uint8_t me[SH_PUBKEY_BYTES], uint64_t from,
                sh_leaves_item_t **items, size_t *n)
{
    s_collect_t c = { .txn = txn, .me = me, .from = from };
    *items = NULL;
    *n = 0;
    sh_err rc = s_each_from (txn, from, s_add, &c);
    if (rc == SH_OK && c.rc == SH_OK)
        rc = sh_receipts_each (txn, SH_RECEIPTS_BATCH, s_own, &c);
    if (rc == SH_OK)
        rc = c.rc;
    if (rc) {
        free (c.items);
        return rc;
    }
    if (c.n > 1)
        qsort (c.items, c.n, sizeof *c.items, s_by_leaf);
    size_t w = 0;           //  one per leaf
    for (size_t i = 0; i < c.n; i++)
        if (w == 0 || c.items[w - 1].leaf != c.items[i].leaf)
            c.items[w++] = c.items[i];
    *items = c.items;
    *n = w;
    return SH_OK;
}

sh_err
sh_leaves_drop_from (sh_store_txn_t *txn, uint64_t from)
{
    s_collect_t c = { .from = from };
    sh_err rc = s_each_from (txn, from, s_add, &c);
    if (rc == SH_OK)
        rc = c.rc;
    for (size_t i = 0; rc == SH_OK && i < c.n; i++) {
        uint8_t k[8];
        sh_store_put_be64 (k, c.items[i].leaf + 1);
        rc = sh_store_del (txn, SH_DB_LEAVES, k, sizeof k);
    }
    free (c.items);
    return rc;
}
