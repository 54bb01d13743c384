/*  sh_sealed -- what a replica can show of its sealed personal fields.
    See sh_sealed.h.
*/
#include "sh_sealed.h"

#include <stdlib.h>
#include <string.h>

#include "sh_merge.h"
#include "sh_record.h"

//  An event's seal as sh_merge stores it: tag (5 bytes), length 36,
//  be32(field), commitment.
#define S_SEAL_TAG 5
#define S_SEAL_BYTES (S_SEAL_TAG + 1 + 4 + SH_HASH_BYTES)

sh_err
sh_sealed_record (sh_store_txn_t *txn, const char *region, sh_kind_t kind, const uint8_t *id, size_t id_len,
                  sh_sealed_t *out)
{
    memset (out, 0, sizeof *out);
    if (!sh_seal_kind (kind) || strlen (region) > SH_REGION_MAX || id_len == 0 || id_len > SH_ENTITY_MAX)
        return SH_OK;           //  a courtyard, meeting, region or evaluation seals nothing
    uint8_t key[SH_MERGE_KEY_MAX + 4 + SH_HASH_BYTES];
    size_t rk = sh_merge_record_key (key, region, kind, id, id_len);
    //  the fields first (a cursor is not used across other reads)
    uint8_t tomb[SH_MERGE_STAMP_BYTES], mark[SH_MERGE_STAMP_BYTES];
    bool has_tomb = false, has_mark = false;
    size_t n = 0;
    uint32_t field[SH_SEALS_MAX];
    uint8_t commitment[SH_SEALS_MAX][SH_HASH_BYTES], stamp[SH_SEALS_MAX][SH_MERGE_STAMP_BYTES];
    sh_store_cursor_t *cur;
    sh_err rc = sh_store_cursor_open (txn, SH_DB_FIELDS, key, rk, &cur);
    if (rc)
        return rc;
    const uint8_t *k, *v;
    size_t kl, vl;
    while ((rc = sh_store_cursor_next (cur, &k, &kl, &v, &vl)) == SH_OK) {
        if (kl != rk + 4 || vl < SH_MERGE_STAMP_BYTES) {
            rc = SH_ECORRUPT;
            break;
        }
        uint32_t f = sh_store_get_be32 (k + rk);
        if (f == 0) {                   //  the tombstone sorts first
            memcpy (tomb, v, sizeof tomb);
            has_tomb = true;
            continue;
        }
        if (has_tomb && memcmp (v, tomb, sizeof tomb) <= 0)
            continue;                   //  hidden by a later delete
        if (f == SH_MERGE_ERASE_FIELD) {
            memcpy (mark, v, sizeof mark);
            has_mark = true;
        }
        else if (vl == SH_MERGE_STAMP_BYTES + SH_MERGE_SEALED_BYTES && v[SH_MERGE_STAMP_BYTES] == 0
             &&  n < SH_SEALS_MAX) {
            field[n] = f;
            memcpy (stamp[n], v, SH_MERGE_STAMP_BYTES);
            memcpy (commitment[n++], v + SH_MERGE_STAMP_BYTES + 1, SH_HASH_BYTES);
        }
    }
    sh_store_cursor_close (&cur);
    if (rc != SH_ENOTFOUND)
        return rc;
    for (size_t i = 0; i < n; i++) {
        bool covered = has_mark && memcmp (stamp[i], mark, SH_MERGE_STAMP_BYTES) <= 0;
        out->n_live += !covered;
        const uint8_t *o;
        size_t ol;
        rc = sh_merge_opening (txn, key, rk, field[i], commitment[i], &o, &ol);
        if (rc && rc != SH_ENOTFOUND)
            return rc;
        if (rc == SH_OK)
            continue;
        out->withheld[out->n_withheld++] = field[i];
        if (covered)            //  erased: the mark covers a value this store does not hold
            out->erased = true;
    }
    return SH_OK;
}

//  Does the set's erasure mark (key: the set's record key, rk bytes) cover
//  the stamp (hlc, author)?
static sh_err
s_covered (sh_store_txn_t *txn, uint8_t *key, size_t rk, uint64_t hlc, const uint8_t *author, bool *covered)
{
    *covered = false;
    uint8_t mark[SH_MERGE_STAMP_BYTES], stamp[SH_MERGE_STAMP_BYTES];
    sh_err rc = sh_merge_mark (txn, key, rk, mark);
    if (rc)
        return rc == SH_ENOTFOUND ? SH_OK : rc;
    sh_store_put_be64 (stamp, hlc);
    memcpy (stamp + 8, author, SH_PUBKEY_BYTES);
    *covered = memcmp (stamp, mark, SH_MERGE_STAMP_BYTES) <= 0;
    return SH_OK;
}

sh_err
sh_sealed_covered (sh_store_txn_t *txn, const char *region, sh_kind_t kind, const uint8_t *id, size_t id_len,
                   uint64_t hlc, const uint8_t author[SH_PUBKEY_BYTES], bool *covered)
{
    *covered = false;
    if (strlen (region) > SH_REGION_MAX || id_len == 0 || id_len > SH_ENTITY_MAX)
        return SH_OK;
    uint8_t key[SH_MERGE_KEY_MAX + 4 + SH_HASH_BYTES];
    size_t rk = sh_merge_record_key (key, region, kind, id, id_len);
    return s_covered (txn, key, rk, hlc, author, covered);
}

//  sh_merge_event_fn of sh_sealed_set_live.
typedef struct {
    sh_store_txn_t *txn;
    uint8_t *key;             //  the set's record key, with room for be32
    size_t rk;
    size_t live;
    sh_err rc;
} s_live_t;

static int
s_live_event (uint64_t hlc, const uint8_t *author, const uint8_t *body, size_t len, void *arg)
{
    s_live_t *l = arg;
    sh_record_seg_t seg[SH_RECORD_MAX_SEGS + SH_SEALS_MAX];
    size_t nseg, seals = 0;
    if ((l->rc = sh_record_split (seg, sizeof seg / sizeof seg[0], &nseg, body, len)))
        return 1;
    for (size_t i = 0; i < nseg; i++)
        seals += seg[i].field == SH_MERGE_SEALED_FIELD;
    bool covered = false;
    if (seals && (l->rc = s_covered (l->txn, l->key, l->rk, hlc, author, &covered)))
        return 1;
    l->live += covered ? 0 : seals;
    return 0;
}

sh_err
sh_sealed_set_live (sh_store_txn_t *txn, const char *region, sh_kind_t kind, const uint8_t *id, size_t id_len,
                    size_t *live)
{
    *live = 0;
    if (strlen (region) > SH_REGION_MAX || id_len == 0 || id_len > SH_ENTITY_MAX)
        return SH_OK;
    uint8_t key[SH_MERGE_KEY_MAX + 4 + SH_HASH_BYTES];
    s_live_t l = { .txn = txn, .key = key, .rk = sh_merge_record_key (key, region, kind, id, id_len) };
    sh_err rc = sh_merge_events (txn, region, kind, id, id_len, s_live_event, &l);
    if (rc == SH_OK)
        rc = l.rc;
    *live = l.live;
    return rc;
}

sh_err
sh_sealed_event (sh_store_txn_t *txn, const char *region, sh_kind_t kind, const uint8_t *id, size_t id_len,
                 uint64_t hlc, const uint8_t author[SH_PUBKEY_BYTES], const uint8_t *body, size_t len,
                 uint8_t **out, size_t *out_len, sh_sealed_t *st)
{
    memset (st, 0, sizeof *st);
    sh_record_seg_t seg[SH_RECORD_MAX_SEGS + SH_SEALS_MAX];
    size_t nseg;
    sh_err rc = sh_record_split (seg, sizeof seg / sizeof seg[0], &nseg, body, len);
    if (rc)
        return rc;
    if (strlen (region) > SH_REGION_MAX || id_len == 0 || id_len > SH_ENTITY_MAX)
        return SH_EINVAL;
    uint8_t key[SH_MERGE_KEY_MAX + 4 + SH_HASH_BYTES];
    size_t rk = sh_merge_record_key (key, region, kind, id, id_len);
    //  the clear fields, then the values held (their sizes first)
    size_t cap = len + 1;
    for (size_t i = 0; i < nseg; i++)
        if (seg[i].field == SH_MERGE_SEALED_FIELD) {
            const uint8_t *o;
            size_t ol;
            if (seg[i].len != S_SEAL_BYTES)
                return SH_EPROTO;
            const uint8_t *p = body + seg[i].off + S_SEAL_TAG + 1;
            rc = sh_merge_opening (txn, key, rk, sh_store_get_be32 (p), p + 4, &o, &ol);
            if (rc == SH_OK)
                cap += ol;
            else if (rc != SH_ENOTFOUND)
                return rc;
        }
    uint8_t *b = malloc (cap);
    if (!b)
        return SH_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < nseg; i++)
        if (seg[i].field != SH_MERGE_SEALED_FIELD) {
            memcpy (b + n, body + seg[i].off, seg[i].len);
            n += seg[i].len;
        }
    for (size_t i = 0; i < nseg; i++) {
        if (seg[i].field != SH_MERGE_SEALED_FIELD)
            continue;
        const uint8_t *p = body + seg[i].off + S_SEAL_TAG + 1, *o;
        size_t ol;
        rc = sh_merge_opening (txn, key, rk, sh_store_get_be32 (p), p + 4, &o, &ol);
        if (rc == SH_OK) {
            size_t skip = SH_MERGE_STAMP_BYTES + SH_SEAL_SALT_BYTES;
            memcpy (b + n, o + skip, ol - skip);
            n += ol - skip;
        }
        else if (rc == SH_ENOTFOUND && st->n_withheld < SH_SEALS_MAX)
            st->withheld[st->n_withheld++] = sh_store_get_be32 (p);
        else if (rc != SH_ENOTFOUND)
            break;
        rc = SH_OK;
    }
    if (rc == SH_OK && st->n_withheld)
        rc = s_covered (txn, key, rk, hlc, author, &st->erased);
    if (rc) {
        free (b);
        return rc;
    }
    *out = b;
    *out_len = n;
    return SH_OK;
}
