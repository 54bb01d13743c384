/*  sh_merge -- the merged state: applying changes, reading records, digests. */
#include "sh_merge.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sh_changelog.h"
#include "sh_clock.h"
#include "sh_index.h"
#include "sh_record.h"
#include "sh_scope.h"

#define S_FIELD_KEY_MAX (SH_MERGE_KEY_MAX + 4)
#define S_EVENT_KEY_MAX (SH_MERGE_KEY_MAX + SH_MERGE_STAMP_BYTES)
#define S_DIGEST_PREFIX "shouhe/v1/state\n"

static sh_err s_apply_clock (sh_store_txn_t *txn, const sh_change_t *c);

//  A record key taken apart (pointers into the key).
typedef struct {
    const uint8_t *key;      //  the whole key
    size_t region_len;       //  digits before the 0x00
    sh_kind_t kind;          //  kind byte
    const uint8_t *id;       //  entity id
    size_t id_len;           //  its length
    size_t rec_len;          //  length of the record key part
} s_key_t;

//  Parse the record-key part of a FIELDS or EVENTS key. false if malformed.
static bool
s_parse_key (s_key_t *k, const uint8_t *key, size_t len)
{
    const uint8_t *nul = memchr (key, 0, len < SH_REGION_MAX + 1 ? len : SH_REGION_MAX + 1);
    if (!nul)
        return false;
    size_t r = (size_t) (nul - key);
    if (len < r + 3)
        return false;
    size_t id_len = key[r + 2];
    if (len < r + 3 + id_len)
        return false;
    *k = (s_key_t) { key, r, (sh_kind_t) key[r + 1], key + r + 3, id_len, r + 3 + id_len };
    return true;
}

size_t
sh_merge_record_key (uint8_t *out, const char *region, sh_kind_t kind,
                     const uint8_t *id, size_t id_len)
{
    size_t r = strlen (region);
    assert (r <= SH_REGION_MAX && id_len > 0 && id_len <= SH_ENTITY_MAX);
    memcpy (out, region, r);
    out[r] = 0;
    out[r + 1] = (uint8_t) kind;
    out[r + 2] = (uint8_t) id_len;
    memcpy (out + r + 3, id, id_len);
    return r + 3 + id_len;
}

//  Put val under key unless the value already there is greater or equal
//  (stamp first, then bytes): the join that makes merge order-independent.
static sh_err
s_put_max (sh_store_txn_t *txn, sh_store_db_t db, const uint8_t *key, size_t key_len,
           const uint8_t *val, size_t val_len, size_t stamp_len)
{
    const uint8_t *old;
    size_t old_len;
    sh_err rc = sh_store_get (txn, db, key, key_len, &old, &old_len);
    if (rc == SH_OK) {
        int c = 0;
        if (stamp_len && old_len >= stamp_len)
            c = memcmp (val, old, stamp_len);
        if (c == 0) {
            size_t n = val_len < old_len ? val_len : old_len;
            c = memcmp (val, old, n);
            if (c == 0)
                c = (val_len > old_len) - (val_len < old_len);
        }
        if (c <= 0)
            return SH_OK;
    }
    else
    if (rc != SH_ENOTFOUND)
        return rc;
    return sh_store_put (txn, db, key, key_len, val, val_len);
}

//  ---------------------------------------------------------------------
//  Sealed fields and their openings (docs/protocol.md 7.10)

//  A PUT's seals: field f = stamp || 0x00 || commitment, by the max rule.
//  key holds the record key (rk bytes) with room for be32(field).
static sh_err
s_put_seals (sh_store_txn_t *txn, const sh_change_t *c, uint8_t *key, size_t rk, const uint8_t *stamp)
{
    uint8_t val[SH_MERGE_STAMP_BYTES + SH_MERGE_SEALED_BYTES];
    memcpy (val, stamp, SH_MERGE_STAMP_BYTES);
    val[SH_MERGE_STAMP_BYTES] = 0;
    sh_err rc = SH_OK;
    for (size_t k = 0; k < c->n_seals && !rc; k++) {
        memcpy (val + SH_MERGE_STAMP_BYTES + 1, c->seals[k].commitment, SH_HASH_BYTES);
        sh_store_put_be32 (key + rk, c->seals[k].field);
        rc = s_put_max (txn, SH_DB_FIELDS, key, rk + 4, val, sizeof val, SH_MERGE_STAMP_BYTES);
    }
    return rc;
}

//  An EVENT's stored value: its clear body, then one occurrence of
//  SH_MERGE_SEALED_FIELD per seal. *out is c->body itself when c has no
//  seal (not to be freed then).
static sh_err
s_event_value (const sh_change_t *c, uint8_t **out, size_t *out_len)
{
    if (c->n_seals == 0) {
        *out = (uint8_t *) c->body;
        *out_len = c->body_len;
        return SH_OK;
    }
    //  tag (SH_MERGE_SEALED_FIELD << 3 | 2) as a varint: 5 bytes; length 36
    static const uint8_t tag[5] = { 0xf2, 0xff, 0xff, 0xff, 0x0f };
    uint8_t *v = malloc (c->body_len + c->n_seals * (sizeof tag + 1 + 4 + SH_HASH_BYTES) + 1);
    if (!v)
        return SH_ENOMEM;
    size_t n = c->body_len;
    if (n)
        memcpy (v, c->body, n);
    for (size_t k = 0; k < c->n_seals; k++) {
        memcpy (v + n, tag, sizeof tag);
        n += sizeof tag;
        v[n++] = 4 + SH_HASH_BYTES;
        sh_store_put_be32 (v + n, c->seals[k].field);
        n += 4;
        memcpy (v + n, c->seals[k].commitment, SH_HASH_BYTES);
        n += SH_HASH_BYTES;
    }
    *out = v;
    *out_len = n;
    return SH_OK;
}

sh_err
sh_merge_mark (sh_store_txn_t *txn, uint8_t *key, size_t rk, uint8_t mark[SH_MERGE_STAMP_BYTES])
{
    sh_store_put_be32 (key + rk, SH_MERGE_ERASE_FIELD);
    const uint8_t *v;
    size_t vl;
    sh_err rc = sh_store_get (txn, SH_DB_FIELDS, key, rk + 4, &v, &vl);
    if (rc)
        return rc;
    if (vl < SH_MERGE_STAMP_BYTES)
        return SH_ECORRUPT;
    memcpy (mark, v, SH_MERGE_STAMP_BYTES);
    return SH_OK;
}

//  Erase the record's openings that its (greatest) mark covers.
static sh_err
s_erase (sh_store_txn_t *txn, uint8_t *key, size_t rk)
{
    uint8_t mark[SH_MERGE_STAMP_BYTES];
    sh_err rc = sh_merge_mark (txn, key, rk, mark);
    if (rc)
        return rc == SH_ENOTFOUND ? SH_OK : rc;
    //  collect first: a cursor does not survive deletes under it
    uint8_t (*gone)[SH_MERGE_KEY_MAX + 4 + SH_HASH_BYTES] = NULL;
    size_t *gone_len = NULL, n = 0, cap = 0;
    sh_store_cursor_t *cur;
    if ((rc = sh_store_cursor_open (txn, SH_DB_OPENINGS, key, rk, &cur)))
        return rc;
    const uint8_t *k, *v;
    size_t kl, vl;
    while (rc == SH_OK && (rc = sh_store_cursor_next (cur, &k, &kl, &v, &vl)) == SH_OK) {
        if (vl < SH_MERGE_STAMP_BYTES || kl > sizeof gone[0]) {
            rc = SH_ECORRUPT;
            break;
        }
        if (memcmp (v, mark, SH_MERGE_STAMP_BYTES) > 0)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 8;
            void *g = realloc (gone, cap * sizeof *gone), *l = g ? realloc (gone_len, cap * sizeof *gone_len) : NULL;
            if (g)
                gone = g;
            if (!l) {
                rc = SH_ENOMEM;
                break;
            }
            gone_len = l;
        }
        memcpy (gone[n], k, kl);
        gone_len[n++] = kl;
    }
    sh_store_cursor_close (&cur);
    if (rc == SH_ENOTFOUND)
        rc = SH_OK;
    for (size_t i = 0; rc == SH_OK && i < n; i++)
        rc = sh_store_del (txn, SH_DB_OPENINGS, gone[i], gone_len[i]);
    free (gone);
    free (gone_len);
    return rc;
}

sh_err
sh_merge_openings (sh_store_txn_t *txn, const sh_change_t *c, const sh_seal_opening_t *openings, size_t n,
                   size_t *kept)
{
    if (kept)
        *kept = 0;
    const sh_change_seal_t *seal[SH_SEALS_MAX];
    if (n > c->n_seals)
        return SH_ECRYPTO;
    for (size_t j = 0; j < n; j++) {
        seal[j] = sh_seal_find (c, openings[j].field);
        if (!seal[j] || sh_seal_verify (seal[j], &openings[j]) != SH_OK)
            return SH_ECRYPTO;
    }
    uint64_t hlc;
    sh_err rc = sh_clock_effective (txn, c, &hlc);
    if (rc)
        return rc;
    uint8_t stamp[SH_MERGE_STAMP_BYTES];
    sh_store_put_be64 (stamp, hlc);
    memcpy (stamp + 8, c->author, SH_PUBKEY_BYTES);
    uint8_t key[SH_MERGE_KEY_MAX + 4 + SH_HASH_BYTES], mark[SH_MERGE_STAMP_BYTES];
    size_t rk = sh_merge_record_key (key, c->region, c->kind, c->entity, c->entity_len);
    rc = sh_merge_mark (txn, key, rk, mark);
    if (rc == SH_OK && memcmp (stamp, mark, SH_MERGE_STAMP_BYTES) <= 0)
        return SH_OK;                       //  erased before it arrived: never stored
    if (rc && rc != SH_ENOTFOUND)
        return rc;
    rc = SH_OK;
    for (size_t j = 0; j < n && !rc; j++) {
        sh_store_put_be32 (key + rk, openings[j].field);
        memcpy (key + rk + 4, seal[j]->commitment, SH_HASH_BYTES);
        size_t vl = SH_MERGE_STAMP_BYTES + SH_SEAL_SALT_BYTES + openings[j].value_len;
        uint8_t *v = malloc (vl);
        if (!v)
            return SH_ENOMEM;
        memcpy (v, stamp, SH_MERGE_STAMP_BYTES);
        memcpy (v + SH_MERGE_STAMP_BYTES, openings[j].salt, SH_SEAL_SALT_BYTES);
        if (openings[j].value_len)
            memcpy (v + SH_MERGE_STAMP_BYTES + SH_SEAL_SALT_BYTES, openings[j].value, openings[j].value_len);
        rc = sh_store_put (txn, SH_DB_OPENINGS, key, rk + 4 + SH_HASH_BYTES, v, vl);
        sh_crypto_wipe (v, vl);
        free (v);
        if (!rc && kept)
            (*kept)++;
    }
    return rc;
}

sh_err
sh_merge_opening (sh_store_txn_t *txn, uint8_t *key, size_t rk, uint32_t field,
                  const uint8_t commitment[SH_HASH_BYTES], const uint8_t **v, size_t *vl)
{
    sh_store_put_be32 (key + rk, field);
    memcpy (key + rk + 4, commitment, SH_HASH_BYTES);
    sh_err rc = sh_store_get (txn, SH_DB_OPENINGS, key, rk + 4 + SH_HASH_BYTES, v, vl);
    if (rc == SH_OK && *vl < SH_MERGE_STAMP_BYTES + SH_SEAL_SALT_BYTES)
        rc = SH_ECORRUPT;
    return rc;
}

sh_err
sh_merge_openings_of (sh_store_txn_t *txn, const sh_change_t *c, sh_seal_opening_t out[SH_SEALS_MAX], size_t *n)
{
    *n = 0;
    uint8_t key[SH_MERGE_KEY_MAX + 4 + SH_HASH_BYTES];
    size_t rk = sh_merge_record_key (key, c->region, c->kind, c->entity, c->entity_len);
    for (size_t k = 0; k < c->n_seals && k < SH_SEALS_MAX; k++) {
        const uint8_t *v;
        size_t vl;
        sh_err rc = sh_merge_opening (txn, key, rk, c->seals[k].field, c->seals[k].commitment, &v, &vl);
        if (rc == SH_ENOTFOUND)
            continue;
        if (rc)
            return rc;
        sh_seal_opening_t *o = &out[(*n)++];
        o->field = c->seals[k].field;
        memcpy (o->salt, v + SH_MERGE_STAMP_BYTES, SH_SEAL_SALT_BYTES);
        o->value = v + SH_MERGE_STAMP_BYTES + SH_SEAL_SALT_BYTES;
        o->value_len = vl - SH_MERGE_STAMP_BYTES - SH_SEAL_SALT_BYTES;
    }
    return SH_OK;
}

//  Apply c with stamp hlc (its effective hlc): fields, tombstone or event,
//  then the index.
static sh_err
s_apply (sh_store_txn_t *txn, const sh_change_t *c, uint64_t hlc)
{
    uint8_t key[S_EVENT_KEY_MAX];
    size_t rk = sh_merge_record_key (key, c->region, c->kind, c->entity, c->entity_len);
    uint8_t stamp[SH_MERGE_STAMP_BYTES];
    sh_store_put_be64 (stamp, hlc);
    memcpy (stamp + 8, c->author, SH_PUBKEY_BYTES);
    sh_err rc = SH_OK;

    if (c->op == SH_OP_PUT || c->op == SH_OP_EVENT) {
        rc = sh_record_check (c->kind, c->body, c->body_len, NULL);
        if (!rc && c->n_seals)
            rc = sh_seal_check (c, NULL);
        if (rc)
            return rc;
    }
    if (c->op == SH_OP_PUT) {
        sh_record_seg_t segs[SH_RECORD_MAX_SEGS];
        size_t n;
        rc = sh_record_split (segs, sizeof segs / sizeof segs[0], &n, c->body, c->body_len);
        if (rc)
            return rc;
        uint8_t *val = malloc (SH_MERGE_STAMP_BYTES + c->body_len);
        if (!val)
            return SH_ENOMEM;
        memcpy (val, stamp, SH_MERGE_STAMP_BYTES);
        bool erase = false;
        for (size_t i = 0; i < n && !rc; ) {
            size_t used = SH_MERGE_STAMP_BYTES;
            uint32_t field = segs[i].field;
            for (; i < n && segs[i].field == field; i++) {
                memcpy (val + used, c->body + segs[i].off, segs[i].len);
                used += segs[i].len;
            }
            erase |= field == SH_MERGE_ERASE_FIELD;
            sh_store_put_be32 (key + rk, field);
            rc = s_put_max (txn, SH_DB_FIELDS, key, rk + 4, val, used, SH_MERGE_STAMP_BYTES);
        }
        free (val);
        if (!rc)
            rc = s_put_seals (txn, c, key, rk, stamp);
        if (!rc && erase)
            rc = s_erase (txn, key, rk);
    }
    else
    if (c->op == SH_OP_DELETE) {
        sh_store_put_be32 (key + rk, 0);
        rc = s_put_max (txn, SH_DB_FIELDS, key, rk + 4, stamp, sizeof stamp, SH_MERGE_STAMP_BYTES);
    }
    else
    if (c->op == SH_OP_EVENT) {
        memcpy (key + rk, stamp, sizeof stamp);
        uint8_t *ev = NULL;
        size_t ev_len = 0;
        rc = s_event_value (c, &ev, &ev_len);
        if (!rc)
            rc = s_put_max (txn, SH_DB_EVENTS, key, rk + sizeof stamp, ev, ev_len, 0);
        if (ev != c->body)
            free (ev);
    }
    else
        return SH_EPROTO;
    if (rc)
        return rc;

    //  index: kind || id len || id || region -> empty (a set, so order-free)
    return sh_index_put (txn, c->kind, c->entity, c->entity_len, c->region);
}

sh_err
sh_merge_take (sh_store_txn_t *txn, const sh_change_t *c, char *why, size_t why_len)
{
    sh_err rc = sh_scope_check (txn, c, why, why_len);
    return rc ? rc : sh_merge_apply (txn, c);
}

sh_err
sh_merge_apply (sh_store_txn_t *txn, const sh_change_t *c)
{
    if (c->op == SH_OP_CLOCK)
        return s_apply_clock (txn, c);
    uint64_t hlc;
    sh_err rc = sh_clock_effective (txn, c, &hlc);
    return rc ? rc : s_apply (txn, c, hlc);
}

//  ---------------------------------------------------------------------
//  Clock corrections: re-deriving what a new cap changes

//  A set of record keys (sorted and unique once s_keys_seal has run).
typedef struct {
    uint8_t (*key)[SH_MERGE_KEY_MAX];   //  the keys (owned)
    size_t *len;                        //  their lengths (owned)
    size_t n, cap;                      //  used, allocated
} s_keys_t;

static sh_err
s_keys_add (s_keys_t *ks, const sh_change_t *c)
{
    if (ks->n == ks->cap) {
        size_t cap = ks->cap ? ks->cap * 2 : 16;
        void *k = realloc (ks->key, cap * sizeof *ks->key);
        if (k)
            ks->key = k;
        void *l = k ? realloc (ks->len, cap * sizeof *ks->len) : NULL;
        if (!l)
            return SH_ENOMEM;
        ks->len = l;
        ks->cap = cap;
    }
    ks->len[ks->n] = sh_merge_record_key (ks->key[ks->n], c->region, c->kind, c->entity, c->entity_len);
    ks->n++;
    return SH_OK;
}

static int
s_keys_cmp (const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    int d = memcmp (a, b, al < bl ? al : bl);
    return d ? d : (al > bl) - (al < bl);
}

//  Sort and deduplicate (insertion sort: a correction touches few records).
static void
s_keys_seal (s_keys_t *ks)
{
    uint8_t tmp[SH_MERGE_KEY_MAX];
    for (size_t i = 1; i < ks->n; i++)
        for (size_t j = i; j > 0 && s_keys_cmp (ks->key[j - 1], ks->len[j - 1], ks->key[j], ks->len[j]) > 0; j--) {
            memcpy (tmp, ks->key[j], SH_MERGE_KEY_MAX);
            memcpy (ks->key[j], ks->key[j - 1], SH_MERGE_KEY_MAX);
            memcpy (ks->key[j - 1], tmp, SH_MERGE_KEY_MAX);
            size_t t = ks->len[j]; ks->len[j] = ks->len[j - 1]; ks->len[j - 1] = t;
        }
    size_t m = 0;
    for (size_t i = 0; i < ks->n; i++)
        if (m == 0 || s_keys_cmp (ks->key[m - 1], ks->len[m - 1], ks->key[i], ks->len[i]) != 0) {
            memmove (ks->key[m], ks->key[i], SH_MERGE_KEY_MAX);
            ks->len[m++] = ks->len[i];
        }
    ks->n = m;
}

static bool
s_keys_has (const s_keys_t *ks, const uint8_t *key, size_t len)
{
    size_t lo = 0, hi = ks->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int d = s_keys_cmp (ks->key[mid], ks->len[mid], key, len);
        if (d == 0)
            return true;
        if (d < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

//  Decode the change at log index (bytes verified when they were logged).
static sh_err
s_log_change (sh_store_txn_t *txn, uint64_t index, sh_change_t *c, uint8_t **raw)
{
    const uint8_t *bytes;
    size_t len, clen;
    uint8_t sig[SH_SIG_BYTES];
    *raw = NULL;
    sh_err rc = sh_changelog_get (txn, index, &bytes, &len);
    if (rc == SH_OK)
        rc = sh_change_unwrap (raw, &clen, sig, bytes, len);
    if (rc == SH_OK)
        rc = sh_change_decode (c, *raw, clen, NULL);
    if (rc) {
        free (*raw);
        *raw = NULL;
    }
    return rc == SH_EPROTO ? SH_ECORRUPT : rc;
}

//  Delete every entry of db under the record key.
static sh_err
s_clear (sh_store_txn_t *txn, sh_store_db_t db, const uint8_t *rk, size_t rk_len)
{
    for (;;) {
        sh_store_cursor_t *cur;
        sh_err rc = sh_store_cursor_open (txn, db, rk, rk_len, &cur);
        if (rc)
            return rc;
        const uint8_t *k, *v;
        size_t kl, vl;
        uint8_t key[S_EVENT_KEY_MAX];
        rc = sh_store_cursor_next (cur, &k, &kl, &v, &vl);
        if (rc == SH_OK && kl > sizeof key)
            rc = SH_ECORRUPT;
        if (rc == SH_OK)
            memcpy (key, k, kl);
        sh_store_cursor_close (&cur);
        if (rc == SH_ENOTFOUND)
            return SH_OK;
        if (rc == SH_OK)
            rc = sh_store_del (txn, db, key, kl);
        if (rc)
            return rc;
    }
}

//  The records that the correction c may lower: those written by c's
//  author at seq < c->seq with an hlc above the cap c puts on them.
static sh_err
s_capped_records (sh_store_txn_t *txn, const sh_change_t *c, s_keys_t *ks)
{
    sh_err rc = SH_OK;
    for (uint64_t s = 1; s < c->seq && rc == SH_OK; s++) {
        uint64_t index;
        rc = sh_changelog_find (txn, c->author, s, &index, NULL);
        if (rc == SH_ENOTFOUND) {       //  a part of the chain this replica does not hold
            rc = SH_OK;
            continue;
        }
        sh_change_t old;
        uint8_t *raw = NULL;
        if (rc == SH_OK)
            rc = s_log_change (txn, index, &old, &raw);
        if (rc)
            break;
        if (old.op != SH_OP_CLOCK && old.hlc > sh_clock_cap_of (s, c->seq, c->hlc))
            rc = s_keys_add (ks, &old);
        sh_change_fini (&old);
        free (raw);
    }
    return rc;
}

//  A correction: record it, then recompute every record it may lower from
//  the log, with effective hlcs -- what the replica would hold had the
//  correction been there first (docs/protocol.md 7.9).
static sh_err
s_apply_clock (sh_store_txn_t *txn, const sh_change_t *c)
{
    s_keys_t ks = { 0 };
    sh_err rc = sh_clock_put (txn, c);
    if (rc == SH_OK)
        rc = s_capped_records (txn, c, &ks);
    s_keys_seal (&ks);
    for (size_t i = 0; i < ks.n && rc == SH_OK; i++) {
        rc = s_clear (txn, SH_DB_FIELDS, ks.key[i], ks.len[i]);
        if (rc == SH_OK)
            rc = s_clear (txn, SH_DB_EVENTS, ks.key[i], ks.len[i]);
    }
    uint64_t size = 0;
    if (rc == SH_OK && ks.n)
        rc = sh_changelog_size (txn, &size);
    for (uint64_t index = 1; index <= size && rc == SH_OK; index++) {
        sh_change_t x;
        uint8_t *raw = NULL;
        rc = s_log_change (txn, index, &x, &raw);
        if (rc == SH_ENOTFOUND) {       //  a hole cannot be in a log; verify reports it
            rc = SH_OK;
            continue;
        }
        if (rc)
            break;
        uint8_t rk[SH_MERGE_KEY_MAX];
        if (x.op != SH_OP_CLOCK
        &&  s_keys_has (&ks, rk, sh_merge_record_key (rk, x.region, x.kind, x.entity, x.entity_len))) {
            uint64_t hlc;
            rc = sh_scope_check (txn, &x, NULL, 0);
            if (rc == SH_OK)
                rc = sh_clock_effective (txn, &x, &hlc);
            if (rc == SH_OK)
                rc = s_apply (txn, &x, hlc);
            if (rc == SH_EPROTO || rc == SH_ESCOPE)   //  it stayed unmerged when it came (7.2, 3.1)
                rc = SH_OK;
        }
        sh_change_fini (&x);
        free (raw);
    }
    free (ks.key);
    free (ks.len);
    return rc;
}

sh_err
sh_merge_region (sh_store_txn_t *txn, sh_kind_t kind, const uint8_t *id, size_t id_len,
                 char region[SH_REGION_MAX + 1])
{
    return sh_index_first (txn, kind, id, id_len, region);
}

//  ---------------------------------------------------------------------
//  Reading records

//  Fields of one record gathered from the cursor into one body.
typedef struct {
    uint8_t *buf;            //  concatenated visible field bytes (owned)
    size_t len;              //  bytes used
    size_t cap;              //  bytes allocated
    uint8_t tomb[SH_MERGE_STAMP_BYTES];   //  tombstone stamp
    bool has_tomb;           //  a tombstone exists
    bool visible;            //  a field is visible (a sealed one without its value too)
    uint64_t last_hlc;       //  greatest visible stamp
} s_rec_t;

//  Add one FIELDS entry (field number, value) to rec. Field 0 (the
//  tombstone) sorts first, so it is known before any field is judged.
static sh_err
s_rec_add (s_rec_t *rec, uint32_t field, const uint8_t *val, size_t val_len)
{
    if (val_len < SH_MERGE_STAMP_BYTES)
        return SH_ECORRUPT;
    if (field == 0) {
        memcpy (rec->tomb, val, SH_MERGE_STAMP_BYTES);
        rec->has_tomb = true;
        return SH_OK;
    }
    if (rec->has_tomb && memcmp (val, rec->tomb, SH_MERGE_STAMP_BYTES) <= 0)
        return SH_OK;
    rec->visible = true;
    size_t n = val_len - SH_MERGE_STAMP_BYTES;
    if (rec->len + n + 1 > rec->cap) {
        size_t cap = (rec->cap ? rec->cap * 2 : 256);
        while (cap < rec->len + n + 1)
            cap *= 2;
        uint8_t *b = realloc (rec->buf, cap);
        if (!b)
            return SH_ENOMEM;
        rec->buf = b;
        rec->cap = cap;
    }
    memcpy (rec->buf + rec->len, val + SH_MERGE_STAMP_BYTES, n);
    rec->len += n;
    uint64_t hlc = sh_store_get_be64 (val);
    if (hlc > rec->last_hlc)
        rec->last_hlc = hlc;
    return SH_OK;
}

//  Add one FIELDS entry of the record rec_key (rk bytes) to rec: an
//  erasure mark is no field of the record; a sealed field (7.10) gives the
//  value of its opening when one is held, else nothing -- the field stays
//  visible without a value (erased, or not this replica's to hold).
static sh_err
s_rec_field (sh_store_txn_t *txn, s_rec_t *rec, const uint8_t *rec_key, size_t rk, uint32_t field,
             const uint8_t *val, size_t val_len)
{
    if (field == SH_MERGE_ERASE_FIELD)
        return SH_OK;
    if (field == 0 || val_len != SH_MERGE_STAMP_BYTES + SH_MERGE_SEALED_BYTES || val[SH_MERGE_STAMP_BYTES] != 0)
        return s_rec_add (rec, field, val, val_len);
    uint8_t key[SH_MERGE_KEY_MAX + 4 + SH_HASH_BYTES];
    memcpy (key, rec_key, rk);
    const uint8_t *o;
    size_t ol;
    sh_err rc = sh_merge_opening (txn, key, rk, field, val + SH_MERGE_STAMP_BYTES + 1, &o, &ol);
    if (rc == SH_ENOTFOUND)
        return s_rec_add (rec, field, val, SH_MERGE_STAMP_BYTES);
    if (rc)
        return rc;
    size_t n = ol - SH_MERGE_STAMP_BYTES - SH_SEAL_SALT_BYTES;
    uint8_t *tmp = malloc (SH_MERGE_STAMP_BYTES + n + 1);
    if (!tmp)
        return SH_ENOMEM;
    memcpy (tmp, val, SH_MERGE_STAMP_BYTES);
    memcpy (tmp + SH_MERGE_STAMP_BYTES, o + SH_MERGE_STAMP_BYTES + SH_SEAL_SALT_BYTES, n);
    rc = s_rec_add (rec, field, tmp, SH_MERGE_STAMP_BYTES + n);
    free (tmp);
    return rc;
}

sh_err
sh_merge_get (sh_store_txn_t *txn, const char *region, sh_kind_t kind,
              const uint8_t *id, size_t id_len,
              uint8_t **body, size_t *body_len, uint64_t *last_hlc)
{
    if (strlen (region) > SH_REGION_MAX || id_len == 0 || id_len > SH_ENTITY_MAX)
        return SH_ENOTFOUND;
    uint8_t key[SH_MERGE_KEY_MAX];
    size_t rk = sh_merge_record_key (key, region, kind, id, id_len);
    sh_store_cursor_t *cur;
    sh_err rc = sh_store_cursor_open (txn, SH_DB_FIELDS, key, rk, &cur);
    if (rc)
        return rc;
    s_rec_t rec = { 0 };
    const uint8_t *k, *v;
    size_t kl, vl;
    while ((rc = sh_store_cursor_next (cur, &k, &kl, &v, &vl)) == SH_OK) {
        if (kl != rk + 4) {
            rc = SH_ECORRUPT;
            break;
        }
        rc = s_rec_field (txn, &rec, key, rk, sh_store_get_be32 (k + rk), v, vl);
        if (rc)
            break;
    }
    sh_store_cursor_close (&cur);
    if (rc == SH_ENOTFOUND)
        rc = rec.visible ? SH_OK : SH_ENOTFOUND;   //  never written, or all hidden by a tombstone
    if (rc == SH_OK && !rec.buf && !(rec.buf = malloc (1)))
        rc = SH_ENOMEM;
    if (rc) {
        free (rec.buf);
        return rc;
    }
    *body = rec.buf;
    *body_len = rec.len;
    if (last_hlc)
        *last_hlc = rec.last_hlc;
    return SH_OK;
}

sh_err
sh_merge_each (sh_store_txn_t *txn, const char *region_prefix, sh_kind_t kind,
               sh_merge_record_fn *fn, void *arg)
{
    const char *prefix = region_prefix ? region_prefix : "";
    sh_store_cursor_t *cur;
    sh_err rc = sh_store_cursor_open (txn, SH_DB_FIELDS, prefix, strlen (prefix), &cur);
    if (rc)
        return rc;
    s_rec_t rec = { 0 };
    uint8_t cur_key[SH_MERGE_KEY_MAX];   //  record key being gathered
    size_t cur_len = 0;
    const uint8_t *k, *v;
    size_t kl, vl;
    int stop = 0;

    for (;;) {
        rc = sh_store_cursor_next (cur, &k, &kl, &v, &vl);
        s_key_t pk;
        bool have = rc == SH_OK;
        if (rc && rc != SH_ENOTFOUND)
            break;
        if (have && (!s_parse_key (&pk, k, kl) || kl != pk.rec_len + 4)) {
            rc = SH_ECORRUPT;
            break;
        }
        //  a new record begins (or the walk ends): hand over the last one
        if (cur_len && (!have || pk.rec_len != cur_len || memcmp (k, cur_key, cur_len) != 0)) {
            if (rec.visible) {
                s_key_t ck;
                (void) s_parse_key (&ck, cur_key, cur_len);
                char region[SH_REGION_MAX + 1];
                memcpy (region, cur_key, ck.region_len);
                region[ck.region_len] = 0;
                stop = fn (region, ck.id, ck.id_len, rec.buf, rec.len, arg);
            }
            rec.len = 0;
            rec.has_tomb = false;
            rec.visible = false;
            rec.last_hlc = 0;
            cur_len = 0;
            if (stop)
                break;
        }
        if (!have) {
            rc = SH_OK;
            break;
        }
        if (pk.kind != kind) {
            //  skip to this region's records of kind, or past the region
            uint8_t seek[SH_REGION_MAX + 2];
            memcpy (seek, k, pk.region_len);
            if (pk.kind < kind) {
                seek[pk.region_len] = 0;
                seek[pk.region_len + 1] = (uint8_t) kind;
                rc = sh_store_cursor_seek (cur, seek, pk.region_len + 2);
            }
            else {
                seek[pk.region_len] = 1;
                rc = sh_store_cursor_seek (cur, seek, pk.region_len + 1);
            }
            if (rc)
                break;
            continue;
        }
        if (!cur_len) {
            memcpy (cur_key, k, pk.rec_len);
            cur_len = pk.rec_len;
        }
        rc = s_rec_field (txn, &rec, cur_key, cur_len, sh_store_get_be32 (k + pk.rec_len), v, vl);
        if (rc)
            break;
    }
    free (rec.buf);
    sh_store_cursor_close (&cur);
    return rc == SH_ENOTFOUND ? SH_OK : rc;
}

sh_err
sh_merge_events (sh_store_txn_t *txn, const char *region, sh_kind_t kind,
                 const uint8_t *id, size_t id_len, sh_merge_event_fn *fn, void *arg)
{
    if (strlen (region) > SH_REGION_MAX || id_len == 0 || id_len > SH_ENTITY_MAX)
        return SH_ENOTFOUND;
    uint8_t key[SH_MERGE_KEY_MAX];
    size_t rk = sh_merge_record_key (key, region, kind, id, id_len);
    sh_store_cursor_t *cur;
    sh_err rc = sh_store_cursor_open (txn, SH_DB_EVENTS, key, rk, &cur);
    if (rc)
        return rc;
    const uint8_t *k, *v;
    size_t kl, vl;
    while ((rc = sh_store_cursor_next (cur, &k, &kl, &v, &vl)) == SH_OK) {
        if (kl != rk + SH_MERGE_STAMP_BYTES) {
            rc = SH_ECORRUPT;
            break;
        }
        if (fn (sh_store_get_be64 (k + rk), k + rk + 8, v, vl, arg))
            break;
    }
    sh_store_cursor_close (&cur);
    return rc == SH_ENOTFOUND ? SH_OK : rc;
}

sh_err
sh_merge_sets (sh_store_txn_t *txn, const char *region_prefix, sh_kind_t kind,
               sh_merge_set_fn *fn, void *arg)
{
    const char *prefix = region_prefix ? region_prefix : "";
    sh_store_cursor_t *cur;
    sh_err rc = sh_store_cursor_open (txn, SH_DB_EVENTS, prefix, strlen (prefix), &cur);
    if (rc)
        return rc;
    const uint8_t *k, *v;
    size_t kl, vl;
    while ((rc = sh_store_cursor_next (cur, &k, &kl, &v, &vl)) == SH_OK) {
        s_key_t pk;
        if (!s_parse_key (&pk, k, kl) || kl != pk.rec_len + SH_MERGE_STAMP_BYTES) {
            rc = SH_ECORRUPT;
            break;
        }
        uint8_t seek[SH_MERGE_KEY_MAX + SH_MERGE_STAMP_BYTES + 1];
        size_t seek_len;
        if (pk.kind == kind) {
            char region[SH_REGION_MAX + 1];
            memcpy (region, k, pk.region_len);
            region[pk.region_len] = 0;
            if (fn (region, pk.id, pk.id_len, arg))
                break;
            //  past every event of this entity, even one stamped 0xff...:
            //  record key || 0xff x (stamp + 1) is above any record key || stamp
            memcpy (seek, k, pk.rec_len);
            memset (seek + pk.rec_len, 0xff, SH_MERGE_STAMP_BYTES + 1);
            seek_len = pk.rec_len + SH_MERGE_STAMP_BYTES + 1;
        }
        else
        if (pk.kind < kind) {
            memcpy (seek, k, pk.region_len);
            seek[pk.region_len] = 0;
            seek[pk.region_len + 1] = (uint8_t) kind;
            seek_len = pk.region_len + 2;
        }
        else {
            memcpy (seek, k, pk.region_len);
            seek[pk.region_len] = 1;
            seek_len = pk.region_len + 1;
        }
        rc = sh_store_cursor_seek (cur, seek, seek_len);
        if (rc)
            break;
    }
    sh_store_cursor_close (&cur);
    return rc == SH_ENOTFOUND ? SH_OK : rc;
}

//  ---------------------------------------------------------------------
//  Digest

static sh_err
s_digest_db (sh_crypto_sha256_t *h, sh_store_txn_t *txn, sh_store_db_t db, uint8_t tag,
             const char *scope)
{
    sh_store_cursor_t *cur;
    sh_err rc = sh_store_cursor_open (txn, db, scope, strlen (scope), &cur);
    if (rc)
        return rc;
    const uint8_t *k, *v;
    size_t kl, vl;
    while ((rc = sh_store_cursor_next (cur, &k, &kl, &v, &vl)) == SH_OK) {
        uint8_t hdr[5];
        hdr[0] = tag;
        sh_store_put_be32 (hdr + 1, (uint32_t) kl);
        sh_crypto_sha256_update (h, hdr, 5);
        sh_crypto_sha256_update (h, k, kl);
        sh_store_put_be32 (hdr + 1, (uint32_t) vl);
        sh_crypto_sha256_update (h, hdr + 1, 4);
        sh_crypto_sha256_update (h, v, vl);
    }
    sh_store_cursor_close (&cur);
    return rc == SH_ENOTFOUND ? SH_OK : rc;
}

sh_err
sh_merge_digest (sh_store_txn_t *txn, const char *scope, uint8_t digest[SH_HASH_BYTES])
{
    const char *s = scope ? scope : "";
    sh_crypto_sha256_t h;
    sh_crypto_sha256_init (&h);
    sh_crypto_sha256_update (&h, (const uint8_t *) S_DIGEST_PREFIX, strlen (S_DIGEST_PREFIX));
    sh_err rc = s_digest_db (&h, txn, SH_DB_FIELDS, 'F', s);
    if (rc == SH_OK)
        rc = s_digest_db (&h, txn, SH_DB_EVENTS, 'E', s);
    sh_crypto_sha256_final (&h, digest);
    return rc;
}
