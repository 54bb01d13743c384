/*  sh_receipts -- a node's receipts database: layout, reading, checks. */
#include "sh_receipts.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sh_changelog.h"
#include "sh_merkle.h"
#include "sh_note.h"

#define S_KEY_MAX 17            //  tag + two be64
#define S_BATCH_FIXED 24        //  count, first leaf, checkpoint size

//  The key of an entry: tag || be64(a) [|| be64(b)]; returns its length.
static size_t
s_key (uint8_t key[S_KEY_MAX], sh_receipts_kind_t kind, uint64_t a, uint64_t b)
{
    key[0] = (uint8_t) kind;
    sh_store_put_be64 (key + 1, a);
    if (kind != SH_RECEIPTS_PROOF)
        return 9;
    sh_store_put_be64 (key + 9, b);
    return 17;
}

//  A cursor over the entries of kind.
static sh_err
s_cursor (sh_store_txn_t *txn, sh_receipts_kind_t kind, sh_store_cursor_t **cur)
{
    uint8_t tag = (uint8_t) kind;
    return sh_store_cursor_open (txn, SH_DB_RECEIPTS, &tag, 1, cur);
}

//  ---------------------------------------------------------------------
//  Writing

sh_err
sh_receipts_put_checkpoint (sh_store_txn_t *txn, const sh_receipts_head_t *held, uint64_t size,
                            const char *note, size_t note_len,
                            const uint8_t (*proof)[SH_HASH_BYTES], size_t n_proof)
{
    assert (txn && held && note);
    uint8_t key[S_KEY_MAX];
    size_t kl = s_key (key, SH_RECEIPTS_CHECKPOINT, size, 0);
    sh_err rc = sh_store_put (txn, SH_DB_RECEIPTS, key, kl, note, note_len);
    if (rc == SH_OK && held->size > 0 && held->size < size) {
        kl = s_key (key, SH_RECEIPTS_PROOF, held->size, size);
        rc = sh_store_put (txn, SH_DB_RECEIPTS, key, kl, proof, n_proof * SH_HASH_BYTES);
    }
    return rc;
}

sh_err
sh_receipts_put_batch (sh_store_txn_t *txn, const sh_receipts_batch_t *batch)
{
    assert (txn && batch && (batch->range || batch->n_range == 0));
    size_t len = S_BATCH_FIXED + batch->n_range * SH_HASH_BYTES;
    uint8_t *val = malloc (len);
    if (!val)
        return SH_ENOMEM;
    sh_store_put_be64 (val, batch->count);
    sh_store_put_be64 (val + 8, batch->first_leaf);
    sh_store_put_be64 (val + 16, batch->size);
    if (batch->n_range)
        memcpy (val + S_BATCH_FIXED, batch->range, batch->n_range * SH_HASH_BYTES);
    uint8_t key[S_KEY_MAX];
    size_t kl = s_key (key, SH_RECEIPTS_BATCH, batch->first_seq, 0);
    sh_err rc = sh_store_put (txn, SH_DB_RECEIPTS, key, kl, val, len);
    free (val);
    return rc;
}

sh_err
sh_receipts_put_hub_key (sh_store_txn_t *txn, const sh_hubid_t *hub)
{
    assert (txn && hub);
    char hex[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    sh_crypto_hex (hex, hub->pubkey, SH_PUBKEY_BYTES);
    return sh_store_meta_put_str (txn, SH_RECEIPTS_HUB_KEY, hex);
}

//  ---------------------------------------------------------------------
//  Reading

sh_err
sh_receipts_hub_key (sh_store_txn_t *txn, char hex[SH_HEX_BYTES (SH_PUBKEY_BYTES)])
{
    assert (txn && hex);
    return sh_store_meta_get_str (txn, SH_RECEIPTS_HUB_KEY, hex, SH_HEX_BYTES (SH_PUBKEY_BYTES));
}

sh_err
sh_receipts_latest (sh_store_txn_t *txn, const sh_hubid_t *hub, sh_receipts_head_t *out)
{
    assert (txn && hub && out);
    memset (out, 0, sizeof *out);
    sh_store_cursor_t *cur;
    sh_err rc = s_cursor (txn, SH_RECEIPTS_CHECKPOINT, &cur);
    if (rc)
        return rc;
    const uint8_t *v;
    size_t vl;
    rc = sh_store_cursor_last (cur, NULL, NULL, &v, &vl);
    if (rc == SH_OK) {
        sh_note_checkpoint_t cp;
        if (sh_hubid_open_checkpoint (hub, &cp, (const char *) v, vl) != SH_OK)
            rc = SH_ECRYPTO;
        else {
            out->size = cp.size;
            memcpy (out->root, cp.root, SH_HASH_BYTES);
        }
    }
    else
    if (rc == SH_ENOTFOUND)
        rc = SH_OK;                     //  none held
    sh_store_cursor_close (&cur);
    return rc;
}

sh_err
sh_receipts_checkpoint_at (sh_store_txn_t *txn, const sh_hubid_t *hub, uint64_t size, sh_receipts_head_t *out)
{
    assert (txn && hub && out);
    uint8_t key[S_KEY_MAX];
    size_t kl = s_key (key, SH_RECEIPTS_CHECKPOINT, size, 0);
    const uint8_t *v;
    size_t vl;
    sh_err rc = sh_store_get (txn, SH_DB_RECEIPTS, key, kl, &v, &vl);
    if (rc)
        return rc;
    sh_note_checkpoint_t cp;
    if (sh_hubid_open_checkpoint (hub, &cp, (const char *) v, vl) != SH_OK || cp.size != size)
        return SH_ECRYPTO;
    out->size = cp.size;
    memcpy (out->root, cp.root, SH_HASH_BYTES);
    return SH_OK;
}

//  Read one entry of kind from its key and value.
static void
s_parse (sh_receipts_entry_t *e, sh_receipts_kind_t kind, const uint8_t *k, size_t kl,
         const uint8_t *v, size_t vl)
{
    memset (e, 0, sizeof *e);
    e->kind = kind;
    bool key_ok = kl == (kind == SH_RECEIPTS_PROOF ? 17u : 9u);
    e->malformed = !key_ok;
    if (kind == SH_RECEIPTS_CHECKPOINT) {
        e->u.checkpoint.size = key_ok ? sh_store_get_be64 (k + 1) : 0;
        e->u.checkpoint.note = (const char *) v;
        e->u.checkpoint.note_len = vl;
    }
    else
    if (kind == SH_RECEIPTS_PROOF) {
        sh_receipts_proof_t *p = &e->u.proof;
        p->old_size = key_ok ? sh_store_get_be64 (k + 1) : 0;
        p->new_size = key_ok ? sh_store_get_be64 (k + 9) : 0;
        e->malformed |= vl % SH_HASH_BYTES != 0;
        if (!e->malformed) {
            p->hashes = (const uint8_t (*)[SH_HASH_BYTES]) v;
            p->n = vl / SH_HASH_BYTES;
        }
    }
    else {
        sh_receipts_batch_t *b = &e->u.batch;
        b->first_seq = key_ok ? sh_store_get_be64 (k + 1) : 0;
        e->malformed |= vl < S_BATCH_FIXED || (vl - S_BATCH_FIXED) % SH_HASH_BYTES != 0;
        if (!e->malformed) {
            b->count = sh_store_get_be64 (v);
            b->first_leaf = sh_store_get_be64 (v + 8);
            b->size = sh_store_get_be64 (v + 16);
            b->range = (const uint8_t (*)[SH_HASH_BYTES]) (v + S_BATCH_FIXED);
            b->n_range = (vl - S_BATCH_FIXED) / SH_HASH_BYTES;
        }
    }
}

sh_err
sh_receipts_each (sh_store_txn_t *txn, sh_receipts_kind_t kind, sh_receipts_fn *fn, void *arg)
{
    assert (txn && fn);
    assert (kind == SH_RECEIPTS_CHECKPOINT || kind == SH_RECEIPTS_PROOF || kind == SH_RECEIPTS_BATCH);
    sh_store_cursor_t *cur;
    sh_err rc = s_cursor (txn, kind, &cur);
    if (rc)
        return rc;
    const uint8_t *k, *v;
    size_t kl, vl;
    while ((rc = sh_store_cursor_next (cur, &k, &kl, &v, &vl)) == SH_OK) {
        sh_receipts_entry_t e;
        s_parse (&e, kind, k, kl, v, vl);
        if (fn (&e, arg))
            break;
    }
    sh_store_cursor_close (&cur);
    return rc == SH_ENOTFOUND ? SH_OK : rc;
}

//  sh_receipts_fn: note the key of every entry that lies above a size.
typedef struct {
    uint64_t above;             //  the size
    uint8_t (*keys)[17];        //  keys to delete (owned)
    uint8_t *lens;              //  their lengths
    size_t n, cap;
    sh_err rc;
} s_drop_t;

static int
s_drop_pick (const sh_receipts_entry_t *e, void *arg)
{
    s_drop_t *d = arg;
    uint8_t key[17];
    size_t kl = 9;
    key[0] = (uint8_t) e->kind;
    if (e->malformed)
        return 0;
    if (e->kind == SH_RECEIPTS_CHECKPOINT && e->u.checkpoint.size > d->above)
        sh_store_put_be64 (key + 1, e->u.checkpoint.size);
    else
    if (e->kind == SH_RECEIPTS_PROOF && e->u.proof.new_size > d->above) {
        sh_store_put_be64 (key + 1, e->u.proof.old_size);
        sh_store_put_be64 (key + 9, e->u.proof.new_size);
        kl = 17;
    }
    else
    if (e->kind == SH_RECEIPTS_BATCH && e->u.batch.size > d->above)
        sh_store_put_be64 (key + 1, e->u.batch.first_seq);
    else
        return 0;
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 64;
        uint8_t (*nk)[17] = realloc (d->keys, cap * sizeof *nk);
        uint8_t *nl = nk ? realloc (d->lens, cap) : NULL;
        if (nk)
            d->keys = nk;
        if (!nk || !nl) {
            d->rc = SH_ENOMEM;
            return 1;
        }
        d->lens = nl;
        d->cap = cap;
    }
    memcpy (d->keys[d->n], key, kl);
    d->lens[d->n++] = (uint8_t) kl;
    return 0;
}

sh_err
sh_receipts_drop_above (sh_store_txn_t *txn, uint64_t size)
{
    s_drop_t d = { .above = size };
    const sh_receipts_kind_t kinds[] = { SH_RECEIPTS_CHECKPOINT, SH_RECEIPTS_PROOF, SH_RECEIPTS_BATCH };
    sh_err rc = SH_OK;
    for (size_t i = 0; rc == SH_OK && d.rc == SH_OK && i < 3; i++)
        rc = sh_receipts_each (txn, kinds[i], s_drop_pick, &d);
    if (rc == SH_OK)
        rc = d.rc;
    for (size_t i = 0; rc == SH_OK && i < d.n; i++)
        rc = sh_store_del (txn, SH_DB_RECEIPTS, d.keys[i], d.lens[i]);
    free (d.keys);
    free (d.lens);
    return rc;
}

sh_err
sh_receipts_note (sh_store_txn_t *txn, uint64_t size, char **note)
{
    uint8_t k[9] = { SH_RECEIPTS_CHECKPOINT };
    sh_store_put_be64 (k + 1, size);
    const uint8_t *v;
    size_t vl;
    *note = NULL;
    sh_err rc = sh_store_get (txn, SH_DB_RECEIPTS, k, sizeof k, &v, &vl);
    if (rc)
        return rc;
    if (!(*note = malloc (vl + 1)))
        return SH_ENOMEM;
    memcpy (*note, v, vl);
    (*note)[vl] = 0;
    return SH_OK;
}

//  ---------------------------------------------------------------------
//  Checks

sh_err
sh_receipts_check_extends (const sh_receipts_head_t *held, const sh_receipts_head_t *next,
                           const uint8_t (*proof)[SH_HASH_BYTES], size_t n)
{
    assert (held && next);
    if (next->size < held->size)
        return SH_EINVAL;
    if (held->size == 0)
        return SH_OK;
    sh_err rc = sh_merkle_verify_consistency (held->size, next->size, held->root, next->root, proof, n);
    return rc == SH_OK ? SH_OK : SH_ECRYPTO;
}

sh_err
sh_receipts_check_batch (sh_store_txn_t *txn, const uint8_t author[SH_PUBKEY_BYTES],
                         const sh_receipts_batch_t *batch, const uint8_t root[SH_HASH_BYTES],
                         uint64_t *failed_seq)
{
    assert (txn && author && batch && root);
    uint64_t failed_dummy;
    if (!failed_seq)
        failed_seq = &failed_dummy;
    *failed_seq = 0;
    if (batch->count == 0 || batch->count > SH_RECEIPTS_BATCH_MAX
    ||  batch->first_leaf > batch->size || batch->count > batch->size - batch->first_leaf)
        return SH_EINVAL;
    uint8_t (*leaves)[SH_HASH_BYTES] = calloc (batch->count, SH_HASH_BYTES);
    if (!leaves)
        return SH_ENOMEM;
    sh_err rc = SH_OK;
    for (uint64_t i = 0; rc == SH_OK && i < batch->count; i++) {
        uint64_t index;
        const uint8_t *bytes;
        size_t len;
        rc = sh_changelog_find (txn, author, batch->first_seq + i, &index, NULL);
        if (rc == SH_OK)
            rc = sh_changelog_get (txn, index, &bytes, &len);
        if (rc == SH_OK)
            sh_merkle_leaf_hash (leaves[i], bytes, len);
        else
            *failed_seq = batch->first_seq + i;
    }
    //  the range: left compact range of [0, first_leaf), then the right one
    //  of [first_leaf + count, size)
    uint8_t got[SH_HASH_BYTES];
    size_t n_left = sh_merkle_left_count (batch->first_leaf);
    if (rc == SH_OK
    &&  (batch->n_range < n_left
         || sh_merkle_span_root (batch->range, n_left, batch->first_leaf,
                                 (const uint8_t (*)[SH_HASH_BYTES]) leaves, batch->count,
                                 batch->range + n_left, batch->n_range - n_left, batch->size, got) != SH_OK
         || memcmp (got, root, SH_HASH_BYTES) != 0))
        rc = SH_ECRYPTO;
    free (leaves);
    return rc;
}

//  ---------------------------------------------------------------------
//  Coverage

typedef struct {
    uint64_t from, upto;                //  the seqs asked about
    uint64_t covered;                   //  every seq in [from, covered] is covered (from - 1: none)
    sh_receipts_gap_fn *fn;             //  called per gap
    void *arg;                          //  its argument
    bool stopped;                       //  fn asked to stop
} s_cover_t;

//  sh_receipts_fn: extend the covered prefix by one batch receipt, or
//  report the gap before it.
static int
s_cover (const sh_receipts_entry_t *e, void *arg)
{
    s_cover_t *c = arg;
    const sh_receipts_batch_t *b = &e->u.batch;
    if (e->malformed || b->count == 0 || b->first_seq == 0)
        return 0;
    uint64_t last = b->first_seq + b->count - 1;
    if (last < b->first_seq || last <= c->covered)
        return 0;                       //  overflowing or already covered
    if (b->first_seq > c->covered + 1) {
        if (c->covered + 1 > c->upto)
            return 1;                   //  past what was asked
        uint64_t gap_end = b->first_seq - 1 < c->upto ? b->first_seq - 1 : c->upto;
        if (c->fn (c->covered + 1, gap_end, c->arg)) {
            c->stopped = true;
            return 1;
        }
    }
    c->covered = last;
    return c->covered >= c->upto;
}

sh_err
sh_receipts_uncovered (sh_store_txn_t *txn, uint64_t from, uint64_t upto, sh_receipts_gap_fn *fn, void *arg)
{
    assert (txn && fn && from >= 1);
    if (upto < from)
        return SH_OK;
    s_cover_t c = { from, upto, from - 1, fn, arg, false };
    sh_err rc = sh_receipts_each (txn, SH_RECEIPTS_BATCH, s_cover, &c);
    if (rc == SH_OK && !c.stopped && c.covered < upto)
        fn (c.covered + 1, upto, arg);
    return rc;
}
