/*  sh_quota_test -- the hub's per-node quotas (sh_quota) on real LMDB
    files: the record (defaults, limits kept with usage, the UTC day
    rolling over), the verdict and its messages, the parsing of limits, the
    reserve; and the quotas in the hub's push path (sh_hublog) with real
    signed changes: a batch over the quota refused as a whole before any
    signature is verified, usage counted in the commit that stores the
    changes, duplicates not counted, the bytes of a key without a record
    counted from the log.
*/
#include "sh_test.h"

#include "sh_change.h"
#include "sh_crypto.h"
#include "sh_hlc.h"
#include "sh_hublog.h"
#include "sh_key.h"
#include "sh_quota.h"
#include "sh_registry.h"
#include "sh_store.h"

#include <stdbool.h>
#include <stdint.h>

#define S_VILLAGE "500115101001"
#define S_NOON_MS 1796558400000ULL     //  2026-12-06 12:00 UTC

/* --------------------------------------------------------------------------
 * Fixture: a hub store, an enrolled key, its chain of signed changes
 * -------------------------------------------------------------------------- */

typedef struct {
    char *dir;                          //  temporary directory
    sh_store_t *store;                  //  the hub's store in it
    sh_key_t *key;                      //  the node's key (enrolled)
    sh_registry_entry_t entry;          //  its registry entry
    sh_wire_bytes_t ch[64];             //  its changes seq 1..64 (data owned)
} s_fx_t;

//  A courtyard body: code (1), name (2), households (4).
static size_t
s_body (uint8_t out[64], const char *code, uint64_t k)
{
    size_t n = 0;
    out[n++] = 1 << 3 | 2;
    out[n++] = (uint8_t) strlen (code);
    memcpy (out + n, code, strlen (code));
    n += strlen (code);
    out[n++] = 2 << 3 | 2;
    out[n++] = 4;
    memcpy (out + n, "yard", 4);
    n += 4;
    out[n++] = 4 << 3 | 0;
    out[n++] = (uint8_t) (1 + k % 100);
    return n;
}

static void
s_fx_init (s_fx_t *fx)
{
    memset (fx, 0, sizeof *fx);
    fx->dir = sh_test_tmpdir ();
    SH_PASS (sh_store_open (&fx->store, fx->dir, true, 0));
    fx->key = sh_test_key (7);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx->store, true, &txn));
    SH_PASS (sh_store_meta_put_str (txn, "role", "hub"));
    SH_PASS (sh_registry_enroll (txn, sh_key_public (fx->key), S_VILLAGE, SH_WIRE_ROLE_NODE, NULL, 1));
    SH_PASS (sh_registry_get (txn, sh_key_public (fx->key), &fx->entry));
    SH_PASS (sh_store_commit (&txn));
    uint8_t prev[SH_HASH_BYTES] = { 0 };
    uint64_t now = sh_hlc_system_clock (NULL);
    for (uint64_t s = 1; s <= 64; s++) {
        char region[16];
        snprintf (region, sizeof region, S_VILLAGE "%03d", (int) (s % 5) + 1);
        uint8_t body[64];
        sh_change_t c = { 0 };
        memcpy (c.author, sh_key_public (fx->key), SH_PUBKEY_BYTES);
        c.seq = s;
        memcpy (c.prev, prev, SH_HASH_BYTES);
        c.hlc = ((now - 1000) << 16) + s;
        snprintf (c.region, sizeof c.region, "%s", region);
        c.kind = SH_KIND_COURTYARD;
        c.entity = (const uint8_t *) region;      //  a courtyard's id is its code (docs/protocol.md 3.1)
        c.entity_len = strlen (region);
        c.op = SH_OP_PUT;
        c.body = body;
        c.body_len = s_body (body, region, s);
        uint8_t *change, *signed_bytes;
        size_t change_len, signed_len;
        SH_PASS (sh_change_encode (&c, &change, &change_len));
        SH_PASS (sh_change_sign (&signed_bytes, &signed_len, change, change_len, fx->key));
        free (change);
        fx->ch[s - 1] = (sh_wire_bytes_t) { signed_bytes, signed_len };
        sh_change_t o;
        SH_PASS (sh_change_open (&o, prev, signed_bytes, signed_len, NULL));
        sh_change_fini (&o);
    }
}

static void
s_fx_fini (s_fx_t *fx)
{
    for (int i = 0; i < 64; i++)
        free ((void *) fx->ch[i].data);
    sh_key_destroy (&fx->key);
    sh_store_close (&fx->store);
    sh_test_rmdir (fx->dir);
}

static uint64_t
s_bytes (const s_fx_t *fx, uint64_t from, uint64_t to)
{
    uint64_t b = 0;
    for (uint64_t s = from; s <= to; s++)
        b += fx->ch[s - 1].len;
    return b;
}

static sh_quota_t
s_get (s_fx_t *fx, uint64_t now)
{
    sh_store_txn_t *txn;
    sh_quota_t q;
    SH_PASS (sh_store_begin (fx->store, false, &txn));
    SH_PASS (sh_quota_get (txn, sh_key_public (fx->key), now, &q));
    sh_store_abort (&txn);
    return q;
}

static void
s_set (s_fx_t *fx, uint64_t changes, uint64_t bytes)
{
    sh_store_txn_t *txn;
    sh_quota_limits_t l = { changes, bytes };
    SH_PASS (sh_store_begin (fx->store, true, &txn));
    SH_PASS (sh_quota_set_limits (txn, sh_key_public (fx->key), &l, sh_hlc_system_clock (NULL)));
    SH_PASS (sh_store_commit (&txn));
}

static sh_hublog_result_t
s_push (s_fx_t *fx, uint64_t from, uint64_t to)
{
    sh_hublog_result_t res;
    SH_PASS (sh_hublog_push (fx->store, &fx->entry, fx->ch + from - 1, (size_t) (to - from + 1), 2, &res));
    return res;
}

/* --------------------------------------------------------------------------
 * The record and the verdict
 * -------------------------------------------------------------------------- */

static void
test_record (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    const uint8_t *k = sh_key_public (fx.key);
    sh_quota_t q = s_get (&fx, S_NOON_MS);
    SH_CHECK (q.limits.changes_per_day == SH_QUOTA_DEFAULT_CHANGES_PER_DAY);
    SH_CHECK (q.limits.bytes == SH_QUOTA_DEFAULT_BYTES && q.changes_today == 0 && q.bytes_held == 0);

    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    //  recovery's bytes on a key without a record: none is made
    SH_PASS (sh_quota_add_held (txn, k, 300));
    SH_FAIL (sh_store_get (txn, SH_DB_QUOTAS, k, SH_PUBKEY_BYTES, &(const uint8_t *) { NULL }, &(size_t) { 0 }),
             SH_ENOTFOUND);
    SH_PASS (sh_quota_add (txn, k, S_NOON_MS, 5, 1500));
    SH_PASS (sh_quota_add (txn, k, S_NOON_MS + 3600000, 2, 600));
    sh_quota_limits_t l = { 10, 4096 };
    SH_PASS (sh_quota_set_limits (txn, k, &l, S_NOON_MS));
    //  the record is 37 bytes, the layout of sh_quota.h
    const uint8_t *v;
    size_t len;
    SH_PASS (sh_store_get (txn, SH_DB_QUOTAS, k, SH_PUBKEY_BYTES, &v, &len));
    SH_CHECK (len == 37 && v[0] == 1 && sh_store_get_be64 (v + 1) == 10 && sh_store_get_be64 (v + 9) == 4096);
    SH_CHECK (sh_store_get_be64 (v + 21) == 7 && sh_store_get_be64 (v + 29) == 2100);
    SH_CHECK (((uint32_t) v[17] << 24 | (uint32_t) v[18] << 16 | (uint32_t) v[19] << 8 | v[20])
              == S_NOON_MS / SH_QUOTA_DAY_MS);
    SH_PASS (sh_store_commit (&txn));

    q = s_get (&fx, S_NOON_MS);
    SH_CHECK (q.limits.changes_per_day == 10 && q.limits.bytes == 4096);
    SH_CHECK (q.changes_today == 7 && q.bytes_held == 2100);
    //  the next UTC day: the count starts again, the bytes stay
    q = s_get (&fx, S_NOON_MS + SH_QUOTA_DAY_MS / 2);
    SH_CHECK (q.changes_today == 0 && q.bytes_held == 2100);
    //  the last ms of the day is still the same day
    q = s_get (&fx, S_NOON_MS + SH_QUOTA_DAY_MS / 2 - 1);
    SH_CHECK (q.changes_today == 7);
    //  recovery's bytes: held again, today's count and its day untouched
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    SH_PASS (sh_quota_add_held (txn, k, 300));
    SH_PASS (sh_store_commit (&txn));
    q = s_get (&fx, S_NOON_MS);
    SH_CHECK (q.changes_today == 7 && q.bytes_held == 2400 && q.limits.bytes == 4096);

    //  a record of another layout
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    SH_PASS (sh_store_put (txn, SH_DB_QUOTAS, k, SH_PUBKEY_BYTES, "x", 1));
    SH_FAIL (sh_quota_get (txn, k, S_NOON_MS, &q), SH_ECORRUPT);
    sh_store_abort (&txn);
    s_fx_fini (&fx);
}

static void
test_verdict (void)
{
    sh_quota_t q = { .limits = { 20000, 32 << 20 }, .day = S_NOON_MS / SH_QUOTA_DAY_MS,
                     .changes_today = 19990, .bytes_held = (32 << 20) - 100 };
    char why[SH_QUOTA_WHY_MAX + 1];
    SH_CHECK (sh_quota_check (&q, S_NOON_MS, 10, 100, why, sizeof why) == SH_QUOTA_OK && !why[0]);
    SH_CHECK (sh_quota_check (&q, S_NOON_MS, 11, 10, why, sizeof why) == SH_QUOTA_OVER_CHANGES);
    SH_CHECK (!strcmp (why, "this node may push 20000 changes per UTC day; it has pushed 19990 today and this "
                       "batch has 11 more; nothing of it was stored; the limit resets at 2026-12-07 00:00 UTC"));
    SH_CHECK (sh_quota_check (&q, S_NOON_MS, 1, 101, why, sizeof why) == SH_QUOTA_OVER_BYTES);
    SH_CHECK (!strcmp (why, "the hub holds at most 33554432 bytes of this node's changes; it holds 33554332 and "
                       "this batch has 101 more; nothing of it was stored; only the hub's operator can raise "
                       "it: shouhe-hub quota --bytes N"));
    SH_CHECK (strlen (why) <= SH_QUOTA_WHY_MAX);
    //  the next day: the count is 0 again; nothing new: nothing refused
    SH_CHECK (sh_quota_check (&q, S_NOON_MS + SH_QUOTA_DAY_MS, 20000, 0, why, sizeof why) == SH_QUOTA_OK);
    SH_CHECK (sh_quota_check (&q, S_NOON_MS + SH_QUOTA_DAY_MS, 20001, 0, why, sizeof why) == SH_QUOTA_OVER_CHANGES);
    SH_CHECK (strstr (why, "pushed 0 today") && strstr (why, "resets at 2026-12-08 00:00 UTC"));
    q.changes_today = 30000;            //  over a limit lowered since
    SH_CHECK (sh_quota_check (&q, S_NOON_MS, 0, 0, why, sizeof why) == SH_QUOTA_OK);
    SH_CHECK (sh_quota_check (&q, S_NOON_MS, 1, 0, why, sizeof why) == SH_QUOTA_OVER_CHANGES);
    //  0: no limit
    q.limits = (sh_quota_limits_t) { 0, 0 };
    SH_CHECK (sh_quota_check (&q, S_NOON_MS, UINT32_MAX, UINT32_MAX, why, sizeof why) == SH_QUOTA_OK);
}

static void
test_parse (void)
{
    uint64_t v;
    SH_PASS (sh_quota_parse ("0", true, &v));
    SH_CHECK (v == 0);
    SH_PASS (sh_quota_parse ("20000", false, &v));
    SH_CHECK (v == 20000);
    SH_PASS (sh_quota_parse ("64M", true, &v));
    SH_CHECK (v == (uint64_t) 64 << 20);
    SH_PASS (sh_quota_parse ("1G", true, &v));
    SH_CHECK (v == (uint64_t) 1 << 30);
    SH_PASS (sh_quota_parse ("20K", true, &v));
    SH_CHECK (v == 20480);
    const char *bad[] = { "", "-1", "+5", " 5", "5 ", "abc", "1.5", "12X", "64MB", "M", "99999999999999999999",
                          "2000000T", NULL };
    for (int i = 0; bad[i]; i++)
        SH_FAIL (sh_quota_parse (bad[i], true, &v), SH_EINVAL);
    SH_FAIL (sh_quota_parse ("64M", false, &v), SH_EINVAL);     //  no suffix for a count
    char out[48];
    sh_quota_format (out, sizeof out, 0, true);
    SH_CHECK (!strcmp (out, "no limit"));
    sh_quota_format (out, sizeof out, 32 << 20, true);
    SH_CHECK (!strcmp (out, "33554432 (32 MiB)"));
    sh_quota_format (out, sizeof out, 20000, false);
    SH_CHECK (!strcmp (out, "20000"));
}

static void
test_reserve (void)
{
    SH_CHECK (sh_quota_reserve_default ((uint64_t) 16 << 30) == ((uint64_t) 16 << 30) / 50);  //  2 %: 327 MiB
    SH_CHECK (sh_quota_reserve_default ((uint64_t) 1 << 30) == (uint64_t) 64 << 20);           //  at least 64 MiB
    SH_CHECK (sh_quota_reserve_default ((uint64_t) 4 << 20) == (uint64_t) 512 << 10);          //  at most 1/8
}

/* --------------------------------------------------------------------------
 * In the push path
 * -------------------------------------------------------------------------- */

static void
test_push_counts (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    s_set (&fx, 20, 0);
    sh_hublog_result_t r = s_push (&fx, 1, 8);
    SH_CHECK (r.code == 0 && r.accepted == 8);
    uint64_t now = sh_hlc_system_clock (NULL);
    sh_quota_t q = s_get (&fx, now);
    SH_CHECK (q.changes_today == 8 && q.bytes_held == s_bytes (&fx, 1, 8));
    //  pushed again (a node that lost its Ack): duplicates, not counted
    r = s_push (&fx, 1, 8);
    SH_CHECK (r.code == 0 && r.accepted == 0 && r.duplicates == 8);
    //  duplicates and new ones: only the new ones count
    r = s_push (&fx, 5, 12);
    SH_CHECK (r.code == 0 && r.accepted == 4 && r.duplicates == 4);
    q = s_get (&fx, now);
    SH_CHECK (q.changes_today == 12 && q.bytes_held == s_bytes (&fx, 1, 12));
    //  9 more would make 21 of 20: the whole batch is refused, nothing stored or counted
    r = s_push (&fx, 13, 21);
    SH_CHECK (r.code == SH_WIRE_ERR_QUOTA && r.quota == SH_QUOTA_OVER_CHANGES && r.accepted == 0);
    SH_CHECK (!r.has_position && strstr (r.message, "may push 20 changes per UTC day; it has pushed 12 today "
                                         "and this batch has 9 more"));
    q = s_get (&fx, now);
    SH_CHECK (q.changes_today == 12 && q.bytes_held == s_bytes (&fx, 1, 12));
    //  ... but 8 fit exactly
    r = s_push (&fx, 13, 20);
    SH_CHECK (r.code == 0 && r.accepted == 8);
    SH_CHECK (s_get (&fx, now).changes_today == 20);
    //  a duplicate-only batch is taken at the limit
    r = s_push (&fx, 19, 20);
    SH_CHECK (r.code == 0 && r.duplicates == 2);
    s_fx_fini (&fx);
}

static void
test_push_before_verify (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    s_set (&fx, 10, 0);
    //  a batch over the quota whose last signature is broken: refused for
    //  the quota, i.e. before any signature was verified
    uint8_t *last = (uint8_t *) fx.ch[11].data;
    last[fx.ch[11].len - 1] ^= 1;
    sh_hublog_result_t r = s_push (&fx, 1, 12);
    SH_CHECK (r.code == SH_WIRE_ERR_QUOTA);
    //  within the quota the signature is judged as ever
    r = s_push (&fx, 1, 1);
    SH_CHECK (r.code == 0 && r.accepted == 1);
    r = s_push (&fx, 2, 12);
    SH_CHECK (r.code == SH_WIRE_ERR_QUOTA);
    s_set (&fx, 100, 0);
    r = s_push (&fx, 2, 12);
    SH_CHECK (r.code == SH_WIRE_ERR_SIGNATURE && r.has_position && r.position == 10);
    last[fx.ch[11].len - 1] ^= 1;
    s_fx_fini (&fx);
}

static void
test_push_bytes (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    //  a key without a record (enrolled before quotas): its bytes come from the log
    sh_hublog_result_t r = s_push (&fx, 1, 10);
    SH_CHECK (r.code == 0 && r.accepted == 10);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    SH_PASS (sh_store_del (txn, SH_DB_QUOTAS, sh_key_public (fx.key), SH_PUBKEY_BYTES));
    SH_PASS (sh_store_commit (&txn));
    uint64_t now = sh_hlc_system_clock (NULL);
    sh_quota_t q = s_get (&fx, now);
    SH_CHECK (q.bytes_held == s_bytes (&fx, 1, 10) && q.changes_today == 0);
    SH_CHECK (q.limits.bytes == SH_QUOTA_DEFAULT_BYTES);
    //  serve makes the record once (an auditor gets none); then nothing to make
    sh_key_t *aud = sh_test_key (9);
    uint64_t made = 9;
    const uint8_t *v;
    size_t vl;
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    SH_PASS (sh_registry_enroll (txn, sh_key_public (aud), S_VILLAGE, SH_WIRE_ROLE_AUDITOR, NULL, 1));
    SH_PASS (sh_quota_fill (txn, now, &made));
    SH_CHECK (made == 1);
    SH_PASS (sh_store_get (txn, SH_DB_QUOTAS, sh_key_public (fx.key), SH_PUBKEY_BYTES, &v, &vl));
    SH_CHECK (vl == 37 && sh_store_get_be64 (v + 29) == s_bytes (&fx, 1, 10));
    SH_FAIL (sh_store_get (txn, SH_DB_QUOTAS, sh_key_public (aud), SH_PUBKEY_BYTES, &v, &vl), SH_ENOTFOUND);
    SH_PASS (sh_quota_fill (txn, now, &made));
    SH_CHECK (made == 0);
    SH_PASS (sh_store_commit (&txn));
    sh_key_destroy (&aud);
    //  room for five more changes' bytes (and a little), not six
    s_set (&fx, 0, s_bytes (&fx, 1, 15) + 10);
    SH_CHECK (s_get (&fx, now).bytes_held == s_bytes (&fx, 1, 10));
    r = s_push (&fx, 11, 16);
    SH_CHECK (r.code == SH_WIRE_ERR_QUOTA && r.quota == SH_QUOTA_OVER_BYTES);
    SH_CHECK (strstr (r.message, "only the hub's operator can raise it"));
    r = s_push (&fx, 11, 15);
    SH_CHECK (r.code == 0 && r.accepted == 5);
    q = s_get (&fx, now);
    SH_CHECK (q.bytes_held == s_bytes (&fx, 1, 15) && q.changes_today == 5);
    //  0: no limit
    s_set (&fx, 0, 0);
    r = s_push (&fx, 16, 64);
    SH_CHECK (r.code == 0 && r.accepted == 49);
    SH_CHECK (s_get (&fx, now).bytes_held == s_bytes (&fx, 1, 64));
    s_fx_fini (&fx);
}

static const sh_test_case_t s_tests[] = {
    { "record", test_record },
    { "verdict", test_verdict },
    { "parse", test_parse },
    { "reserve", test_reserve },
    { "push counts new changes once", test_push_counts },
    { "push refused before verification", test_push_before_verify },
    { "push bytes", test_push_bytes },
    { NULL, NULL }
};

SH_TEST_MAIN (s_tests)
