/*  sh_quota -- the hub's per-node quotas and its store reserve (see sh_quota.h). */
#include "sh_quota.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sh_changelog.h"
#include "sh_i18n.h"
#include "sh_registry.h"

#define S_VERSION 1
#define S_LIMIT_MAX ((uint64_t) 1 << 50)
#define S_RESERVE_MIN ((uint64_t) 64 << 20)

/* --------------------------------------------------------------------------
 * The record
 * -------------------------------------------------------------------------- */

static uint32_t
s_day (uint64_t now_ms)
{
    return (uint32_t) (now_ms / SH_QUOTA_DAY_MS);
}

static void
s_be32_put (uint8_t out[4], uint32_t v)
{
    for (int i = 3; i >= 0; i--) {
        out[i] = (uint8_t) v;
        v >>= 8;
    }
}

static uint32_t
s_be32_get (const uint8_t in[4])
{
    return (uint32_t) in[0] << 24 | (uint32_t) in[1] << 16 | (uint32_t) in[2] << 8 | in[3];
}

//  The bytes of key's changes held in the log (a node enrolled before
//  quotas existed, or a store from before them).
static sh_err
s_bytes_in_log (sh_store_txn_t *txn, const uint8_t key[SH_PUBKEY_BYTES], uint64_t *bytes)
{
    uint64_t head = 0;
    uint8_t hash[SH_HASH_BYTES];
    *bytes = 0;
    sh_err rc = sh_changelog_head (txn, key, &head, hash);
    for (uint64_t seq = 1; rc == SH_OK && seq <= head; seq++) {
        const uint8_t *b;
        size_t len;
        if ((rc = sh_changelog_get_seq (txn, key, seq, &b, &len)) == SH_OK)
            *bytes += len;
    }
    return rc;
}

sh_err
sh_quota_get (sh_store_txn_t *txn, const uint8_t key[SH_PUBKEY_BYTES], uint64_t now_ms, sh_quota_t *out)
{
    assert (txn && key && out);
    memset (out, 0, sizeof *out);
    out->day = s_day (now_ms);
    const uint8_t *v;
    size_t len;
    sh_err rc = sh_store_get (txn, SH_DB_QUOTAS, key, SH_PUBKEY_BYTES, &v, &len);
    if (rc == SH_ENOTFOUND) {
        out->limits.changes_per_day = SH_QUOTA_DEFAULT_CHANGES_PER_DAY;
        out->limits.bytes = SH_QUOTA_DEFAULT_BYTES;
        return s_bytes_in_log (txn, key, &out->bytes_held);
    }
    if (rc)
        return rc;
    if (len != SH_QUOTA_VALUE_BYTES || v[0] != S_VERSION)
        return SH_ECORRUPT;
    out->limits.changes_per_day = sh_store_get_be64 (v + 1);
    out->limits.bytes = sh_store_get_be64 (v + 9);
    uint32_t day = s_be32_get (v + 17);
    out->changes_today = day == out->day ? sh_store_get_be64 (v + 21) : 0;
    out->bytes_held = sh_store_get_be64 (v + 29);
    return SH_OK;
}

static sh_err
s_put (sh_store_txn_t *txn, const uint8_t key[SH_PUBKEY_BYTES], const sh_quota_t *q)
{
    uint8_t v[SH_QUOTA_VALUE_BYTES];
    v[0] = S_VERSION;
    sh_store_put_be64 (v + 1, q->limits.changes_per_day);
    sh_store_put_be64 (v + 9, q->limits.bytes);
    s_be32_put (v + 17, q->day);
    sh_store_put_be64 (v + 21, q->changes_today);
    sh_store_put_be64 (v + 29, q->bytes_held);
    return sh_store_put (txn, SH_DB_QUOTAS, key, SH_PUBKEY_BYTES, v, sizeof v);
}

sh_err
sh_quota_set_limits (sh_store_txn_t *txn, const uint8_t key[SH_PUBKEY_BYTES],
                     const sh_quota_limits_t *limits, uint64_t now_ms)
{
    assert (limits);
    sh_quota_t q;
    sh_err rc = sh_quota_get (txn, key, now_ms, &q);
    if (rc)
        return rc;
    q.limits = *limits;
    return s_put (txn, key, &q);
}

typedef struct {
    sh_store_txn_t *txn;                  //  where to look
    uint8_t (*keys)[SH_PUBKEY_BYTES];     //  node keys without a record (owned)
    size_t n, cap;                        //  how many, room for
    sh_err rc;                            //  the first failure
} s_fill_t;

//  sh_registry_fn: note a node key without a record.
static int
s_fill_one (const sh_registry_entry_t *e, void *arg)
{
    s_fill_t *f = arg;
    const uint8_t *v;
    size_t len;
    if (e->role != SH_WIRE_ROLE_NODE)
        return 0;
    f->rc = sh_store_get (f->txn, SH_DB_QUOTAS, e->key, SH_PUBKEY_BYTES, &v, &len);
    if (f->rc != SH_ENOTFOUND)
        return f->rc != SH_OK;
    f->rc = SH_OK;
    if (f->n == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 64;
        void *k = realloc (f->keys, cap * sizeof *f->keys);
        if (!k) {
            f->rc = SH_ENOMEM;
            return 1;
        }
        f->keys = k;
        f->cap = cap;
    }
    memcpy (f->keys[f->n++], e->key, SH_PUBKEY_BYTES);
    return 0;
}

sh_err
sh_quota_fill (sh_store_txn_t *txn, uint64_t now_ms, uint64_t *made)
{
    s_fill_t f = { .txn = txn };
    sh_err rc = sh_registry_each (txn, s_fill_one, &f);
    if (rc == SH_OK)
        rc = f.rc;
    for (size_t i = 0; i < f.n && rc == SH_OK; i++) {
        sh_quota_t q;
        rc = sh_quota_get (txn, f.keys[i], now_ms, &q);
        if (rc == SH_OK)
            rc = s_put (txn, f.keys[i], &q);
    }
    if (made)
        *made = rc == SH_OK ? f.n : 0;
    free (f.keys);
    return rc;
}

sh_err
sh_quota_add (sh_store_txn_t *txn, const uint8_t key[SH_PUBKEY_BYTES], uint64_t now_ms,
              uint64_t changes, uint64_t bytes)
{
    if (changes == 0 && bytes == 0)
        return SH_OK;
    sh_quota_t q;
    sh_err rc = sh_quota_get (txn, key, now_ms, &q);
    if (rc)
        return rc;
    q.changes_today += changes;
    q.bytes_held += bytes;
    return s_put (txn, key, &q);
}

sh_err
sh_quota_add_held (sh_store_txn_t *txn, const uint8_t key[SH_PUBKEY_BYTES], uint64_t bytes)
{
    const uint8_t *v;
    size_t len;
    sh_err rc = sh_store_get (txn, SH_DB_QUOTAS, key, SH_PUBKEY_BYTES, &v, &len);
    if (rc == SH_ENOTFOUND)
        return SH_OK;
    if (rc == SH_OK && (len != SH_QUOTA_VALUE_BYTES || v[0] != S_VERSION))
        rc = SH_ECORRUPT;
    if (rc)
        return rc;
    uint8_t nv[SH_QUOTA_VALUE_BYTES];
    memcpy (nv, v, sizeof nv);
    sh_store_put_be64 (nv + 29, sh_store_get_be64 (v + 29) + bytes);
    return sh_store_put (txn, SH_DB_QUOTAS, key, SH_PUBKEY_BYTES, nv, sizeof nv);
}

/* --------------------------------------------------------------------------
 * The decision
 * -------------------------------------------------------------------------- */

sh_quota_verdict_t
sh_quota_check (const sh_quota_t *q, uint64_t now_ms, uint64_t changes, uint64_t bytes,
                char *why, size_t why_len)
{
    assert (q && why && why_len > 0);
    why[0] = '\0';
    uint64_t today = q->day == s_day (now_ms) ? q->changes_today : 0;
    uint64_t cl = q->limits.changes_per_day, bl = q->limits.bytes;
    if (cl && changes > 0 && (today >= cl || changes > cl - today)) {
        time_t reset = (time_t) ((s_day (now_ms) + 1ULL) * (SH_QUOTA_DAY_MS / 1000));
        struct tm tm;
        char when[32];
        gmtime_r (&reset, &tm);
        strftime (when, sizeof when, "%Y-%m-%d %H:%M", &tm);
        snprintf (why, why_len, _("this node may push %" PRIu64 " changes per UTC day; it has pushed %" PRIu64
                  " today and this batch has %" PRIu64 " more; nothing of it was stored; the limit resets at %s "
                  "UTC"), cl, today, changes, when);
        return SH_QUOTA_OVER_CHANGES;
    }
    if (bl && bytes > 0 && (q->bytes_held >= bl || bytes > bl - q->bytes_held)) {
        snprintf (why, why_len, _("the hub holds at most %" PRIu64 " bytes of this node's changes; it holds %"
                  PRIu64 " and this batch has %" PRIu64 " more; nothing of it was stored; only the hub's "
                  "operator can raise it: shouhe-hub quota --bytes N"), bl, q->bytes_held, bytes);
        return SH_QUOTA_OVER_BYTES;
    }
    return SH_QUOTA_OK;
}

/* --------------------------------------------------------------------------
 * Values
 * -------------------------------------------------------------------------- */

sh_err
sh_quota_parse (const char *value, bool bytes, uint64_t *out)
{
    assert (value && out);
    *out = 0;
    if (*value < '0' || *value > '9')
        return SH_EINVAL;
    char *end;
    errno = 0;
    unsigned long long n = strtoull (value, &end, 10);
    if (errno)
        return SH_EINVAL;
    unsigned shift = 0;
    if (bytes && *end) {
        const char *units = "KMGT";
        const char *u = strchr (units, *end);
        if (!u || end[1] != '\0')
            return SH_EINVAL;
        shift = 10 * (unsigned) (u - units + 1);
        end++;
    }
    if (*end || n > (S_LIMIT_MAX >> shift))
        return SH_EINVAL;
    *out = (uint64_t) n << shift;
    return SH_OK;
}

void
sh_quota_format (char *out, size_t out_len, uint64_t value, bool bytes)
{
    if (value == 0)
        snprintf (out, out_len, _("no limit"));
    else
    if (bytes && value >= ((uint64_t) 1 << 20) && value % ((uint64_t) 1 << 20) == 0)
        snprintf (out, out_len, "%" PRIu64 " (%" PRIu64 " MiB)", value, value >> 20);
    else
        snprintf (out, out_len, "%" PRIu64, value);
}

uint64_t
sh_quota_reserve_default (uint64_t map_bytes)
{
    uint64_t r = map_bytes / 50;
    if (r < S_RESERVE_MIN)
        r = S_RESERVE_MIN;
    if (r > map_bytes / 8)
        r = map_bytes / 8;
    return r;
}
