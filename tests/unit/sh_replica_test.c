/*  sh_replica_test -- a node's replica: create and open, local writes as
    signed chained changes, and ingesting changes written elsewhere
    (signature, duplicates, equivocation, chains, clock).
*/
#include "sh_test.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sh_change.h"
#include "sh_changelog.h"
#include "sh_hlc.h"
#include "sh_key.h"
#include "sh_merge.h"
#include "sh_replica.h"
#include "sh_store.h"
#include "shouhe/v1/domain.pb-c.h"

#define S_VILLAGE "500115001001"
#define S_YARD "500115001001001"

/* --------------------------------------------------------------------------
 * Helpers
 * -------------------------------------------------------------------------- */

static size_t
s_courtyard (uint8_t *buf, const char *name)
{
    Shouhe__V1__Courtyard m = SHOUHE__V1__COURTYARD__INIT;
    m.name = (char *) name;
    return shouhe__v1__courtyard__pack (&m, buf);
}

typedef struct {
    uint8_t digest[SH_HASH_BYTES];
    uint64_t log;
} s_snap_t;

static void
s_snap (sh_replica_t *r, s_snap_t *s)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (sh_replica_store (r), false, &txn));
    SH_PASS (sh_merge_digest (txn, NULL, s->digest));
    SH_PASS (sh_changelog_size (txn, &s->log));
    sh_store_abort (&txn);
}

//  One local write in its own transaction; returns the seq.
static uint64_t
s_write (sh_replica_t *r, const char *region, const char *name)
{
    uint8_t buf[256];
    size_t n = s_courtyard (buf, name);
    sh_store_txn_t *txn;
    uint64_t seq = 0;
    SH_PASS (sh_replica_begin (r, &txn));
    SH_PASS (sh_replica_write (r, txn, region, SH_KIND_COURTYARD, (const uint8_t *) region, strlen (region),
                               SH_OP_PUT, buf, n, &seq));
    SH_PASS (sh_store_commit (&txn));
    return seq;
}

//  A copy of the SignedChange at log index i of r (caller frees).
static uint8_t *
s_log_entry (sh_replica_t *r, uint64_t i, size_t *len)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (sh_replica_store (r), false, &txn));
    const uint8_t *b;
    SH_PASS (sh_changelog_get (txn, i, &b, len));
    uint8_t *copy = malloc (*len);
    SH_CHECK (copy);
    memcpy (copy, b, *len);
    sh_store_abort (&txn);
    return copy;
}

static sh_err
s_ingest (sh_replica_t *r, const uint8_t *bytes, size_t len, bool *dup, const char **why)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_replica_begin (r, &txn));
    sh_err rc = sh_replica_ingest (r, txn, bytes, len, dup, why);
    if (rc == SH_OK)
        SH_PASS (sh_store_commit (&txn));
    sh_store_abort (&txn);
    return rc;
}

//  A signed change by key (any seq/prev/hlc), as SignedChange bytes.
static uint8_t *
s_signed (const sh_key_t *key, uint64_t seq, const uint8_t prev[SH_HASH_BYTES], uint64_t hlc,
          const uint8_t *body, size_t body_len, size_t *len, uint8_t hash[SH_HASH_BYTES])
{
    sh_change_t c = { 0 };
    memcpy (c.author, sh_key_public (key), SH_PUBKEY_BYTES);
    c.seq = seq;
    if (prev)
        memcpy (c.prev, prev, SH_HASH_BYTES);
    c.hlc = hlc;
    strcpy (c.region, S_YARD);
    c.kind = SH_KIND_COURTYARD;
    c.entity = (const uint8_t *) S_YARD;
    c.entity_len = 15;
    c.op = SH_OP_PUT;
    c.body = body;
    c.body_len = body_len;
    uint8_t *bytes, *out;
    size_t n;
    SH_PASS (sh_change_encode (&c, &bytes, &n));
    if (hash)
        sh_change_hash (hash, bytes, n);
    SH_PASS (sh_change_sign (&out, len, bytes, n, key));
    free (bytes);
    return out;
}

static uint64_t
s_now_hlc (void)
{
    return sh_hlc_system_clock (NULL) << 16;
}

/* --------------------------------------------------------------------------
 * Tests
 * -------------------------------------------------------------------------- */

static void
test_scope (void)
{
    SH_CHECK (sh_replica_scope_valid ("500115") && sh_replica_scope_valid ("500115001")
              && sh_replica_scope_valid ("500115001001"));
    SH_CHECK (!sh_replica_scope_valid ("") && !sh_replica_scope_valid ("50011")
              && !sh_replica_scope_valid ("5001150010") && !sh_replica_scope_valid ("500115001001001")
              && !sh_replica_scope_valid ("50011500100a") && !sh_replica_scope_valid ("500115 01"));
}

static void
test_create_open (void)
{
    char *dir = sh_test_tmpdir ();
    sh_replica_t *r = NULL;
    SH_FAIL (sh_replica_create (&r, dir, "5001150010"), SH_EINVAL);
    SH_CHECK (r == NULL);
    SH_FAIL (sh_replica_open (&r, dir), SH_ENOTFOUND);   //  an empty directory holds none
    SH_PASS (sh_replica_create (&r, dir, S_VILLAGE));
    SH_CHECK (!strcmp (sh_replica_scope (r), S_VILLAGE) && sh_replica_store (r) && sh_replica_key (r));
    SH_CHECK (memcmp (sh_replica_author (r), sh_key_public (sh_replica_key (r)), SH_PUBKEY_BYTES) == 0);
    SH_CHECK (sh_replica_in_scope (r, S_YARD) && sh_replica_in_scope (r, S_VILLAGE));
    SH_CHECK (!sh_replica_in_scope (r, "500115001002001") && !sh_replica_in_scope (r, "500115"));
    uint8_t author[SH_PUBKEY_BYTES];
    memcpy (author, sh_replica_author (r), SH_PUBKEY_BYTES);
    //  the key file is private
    char kp[600];
    snprintf (kp, sizeof kp, "%s/%s", dir, SH_REPLICA_KEY_FILE);
    struct stat st;
    SH_CHECK (stat (kp, &st) == 0 && (st.st_mode & 077) == 0);
    uint64_t seq = s_write (r, S_YARD, "one");
    SH_CHECK (seq == 1);
    uint64_t clock = sh_replica_clock (r);
    sh_replica_close (&r);
    SH_CHECK (r == NULL);
    sh_replica_close (&r);

    //  a directory that holds a replica cannot be created again
    SH_FAIL (sh_replica_create (&r, dir, S_VILLAGE), SH_EEXIST);
    //  reopened: same key, scope, state and a clock that goes on
    SH_PASS (sh_replica_open (&r, dir));
    SH_CHECK (memcmp (sh_replica_author (r), author, SH_PUBKEY_BYTES) == 0);
    SH_CHECK (!strcmp (sh_replica_scope (r), S_VILLAGE));
    SH_CHECK (s_write (r, S_YARD, "two") == 2);
    SH_CHECK (sh_replica_clock (r) > clock);
    sh_replica_close (&r);

    //  a key file others may read is refused
    SH_CHECK (chmod (kp, 0644) == 0);
    SH_FAIL (sh_replica_open (&r, dir), SH_EPERM);
    SH_CHECK (r == NULL);
    SH_CHECK (chmod (kp, 0600) == 0);
    SH_PASS (sh_replica_open (&r, dir));
    sh_replica_close (&r);
    sh_test_rmdir (dir);

    //  a missing directory
    SH_FAIL (sh_replica_open (&r, "/nonexistent/shouhe-replica"), SH_ENOTFOUND);
}

//  Local writes: a chain of signed changes, one per write, merged.
static void
test_write (void)
{
    char *dir = sh_test_tmpdir ();
    sh_replica_t *r;
    SH_PASS (sh_replica_create (&r, dir, S_VILLAGE));
    SH_CHECK (s_write (r, S_YARD, "a") == 1);
    SH_CHECK (s_write (r, S_YARD, "b") == 2);
    SH_CHECK (s_write (r, "500115001001002", "another yard") == 3);

    //  the log holds them chained and signed by the replica
    uint8_t prev[SH_HASH_BYTES] = { 0 };
    uint64_t last_hlc = 0;
    for (uint64_t i = 1; i <= 3; i++) {
        size_t len;
        uint8_t *b = s_log_entry (r, i, &len);
        sh_change_t c;
        uint8_t hash[SH_HASH_BYTES];
        SH_PASS (sh_change_open (&c, hash, b, len, NULL));
        SH_CHECK (c.seq == i && memcmp (c.prev, prev, SH_HASH_BYTES) == 0);
        SH_CHECK (memcmp (c.author, sh_replica_author (r), SH_PUBKEY_BYTES) == 0);
        SH_CHECK (c.hlc > last_hlc && c.kind == SH_KIND_COURTYARD && c.op == SH_OP_PUT);
        SH_CHECK (!strcmp (c.region, i < 3 ? S_YARD : "500115001001002"));
        last_hlc = c.hlc;
        memcpy (prev, hash, SH_HASH_BYTES);
        sh_change_fini (&c);
        free (b);
    }
    SH_CHECK (sh_replica_clock (r) > last_hlc);
    sh_changelog_fault_t fault;
    SH_PASS (sh_changelog_verify (sh_replica_store (r), &fault));
    SH_CHECK (fault.checked == 3);

    //  the merged record is the last write
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (sh_replica_store (r), false, &txn));
    uint8_t *body;
    size_t len;
    SH_PASS (sh_merge_get (txn, S_YARD, SH_KIND_COURTYARD, (const uint8_t *) S_YARD, 15, &body, &len, NULL));
    Shouhe__V1__Courtyard *m = shouhe__v1__courtyard__unpack (NULL, len, body);
    SH_CHECK (m && !strcmp (m->name, "b"));
    shouhe__v1__courtyard__free_unpacked (m, NULL);
    free (body);
    sh_store_abort (&txn);

    //  refusals write nothing: out of scope, a body that is not a Courtyard
    s_snap_t before, after;
    s_snap (r, &before);
    uint8_t buf[64];
    size_t n = s_courtyard (buf, "x");
    SH_PASS (sh_replica_begin (r, &txn));
    SH_FAIL (sh_replica_write (r, txn, "500115001002001", SH_KIND_COURTYARD, (const uint8_t *) "x", 1,
                               SH_OP_PUT, buf, n, NULL), SH_ESCOPE);
    SH_FAIL (sh_replica_write (r, txn, "500115", SH_KIND_COURTYARD, (const uint8_t *) "x", 1,
                               SH_OP_PUT, buf, n, NULL), SH_ESCOPE);
    SH_PASS (sh_store_commit (&txn));
    s_snap (r, &after);
    SH_CHECK (memcmp (&before, &after, sizeof before) == 0);
    static const uint8_t junk[] = { 0x22, 0x01, 0x00 };   //  households as bytes
    SH_PASS (sh_replica_begin (r, &txn));
    SH_FAIL (sh_replica_write (r, txn, S_YARD, SH_KIND_COURTYARD, (const uint8_t *) S_YARD, 15, SH_OP_PUT,
                               junk, sizeof junk, NULL), SH_EPROTO);
    sh_store_abort (&txn);   //  the caller ends a failed batch by aborting it
    s_snap (r, &after);
    SH_CHECK (memcmp (&before, &after, sizeof before) == 0);

    //  a batch of writes is one transaction: aborted, nothing; committed, all
    SH_PASS (sh_replica_begin (r, &txn));
    SH_PASS (sh_replica_write (r, txn, S_YARD, SH_KIND_COURTYARD, (const uint8_t *) S_YARD, 15, SH_OP_PUT,
                               buf, n, NULL));
    SH_PASS (sh_replica_write (r, txn, S_YARD, SH_KIND_COURTYARD, (const uint8_t *) S_YARD, 15, SH_OP_DELETE,
                               NULL, 0, NULL));
    sh_store_abort (&txn);
    s_snap (r, &after);
    SH_CHECK (memcmp (&before, &after, sizeof before) == 0);
    uint64_t seq;
    SH_PASS (sh_replica_begin (r, &txn));
    SH_PASS (sh_replica_write (r, txn, S_YARD, SH_KIND_COURTYARD, (const uint8_t *) S_YARD, 15, SH_OP_PUT,
                               buf, n, &seq));
    SH_CHECK (seq == 4);
    SH_PASS (sh_replica_write (r, txn, S_YARD, SH_KIND_COURTYARD, (const uint8_t *) S_YARD, 15, SH_OP_DELETE,
                               NULL, 0, &seq));
    SH_CHECK (seq == 5);
    SH_PASS (sh_store_commit (&txn));
    s_snap (r, &after);
    SH_CHECK (after.log == 5);
    SH_PASS (sh_store_begin (sh_replica_store (r), false, &txn));
    SH_FAIL (sh_merge_get (txn, S_YARD, SH_KIND_COURTYARD, (const uint8_t *) S_YARD, 15, &body, &len, NULL),
             SH_ENOTFOUND);
    sh_store_abort (&txn);
    SH_PASS (sh_changelog_verify (sh_replica_store (r), NULL));
    sh_replica_close (&r);
    sh_test_rmdir (dir);
}

static void
test_ingest (void)
{
    char *da = sh_test_tmpdir (), *db = sh_test_tmpdir ();
    sh_replica_t *a, *b;
    SH_PASS (sh_replica_create (&a, da, S_VILLAGE));
    SH_PASS (sh_replica_create (&b, db, S_VILLAGE));
    s_write (a, S_YARD, "from a");
    size_t len;
    uint8_t *bytes = s_log_entry (a, 1, &len);

    //  malformed and forged bytes are refused, with a reason
    s_snap_t before, after;
    s_snap (b, &before);
    bool dup = true;
    const char *why = NULL;
    static const uint8_t garbage[] = { 0x0a, 0xff, 0x01 };
    SH_FAIL (s_ingest (b, garbage, sizeof garbage, &dup, &why), SH_EPROTO);
    SH_CHECK (why && *why);
    uint8_t *forged = malloc (len);
    memcpy (forged, bytes, len);
    forged[len - 1] ^= 0x01;   //  the signature is the last field
    SH_FAIL (s_ingest (b, forged, len, &dup, &why), SH_ECRYPTO);
    SH_FAIL (s_ingest (b, bytes, len - 1, &dup, &why), SH_EPROTO);
    free (forged);
    s_snap (b, &after);
    SH_CHECK (memcmp (&before, &after, sizeof before) == 0);

    //  a good change, then the same again
    SH_PASS (s_ingest (b, bytes, len, &dup, &why));
    SH_CHECK (!dup);
    SH_PASS (s_ingest (b, bytes, len, &dup, &why));
    SH_CHECK (dup);
    s_snap (b, &after);
    SH_CHECK (after.log == 1);
    s_snap (a, &before);
    SH_CHECK (memcmp (before.digest, after.digest, SH_HASH_BYTES) == 0);
    //  B's own change echoed back is a duplicate too
    s_write (b, S_YARD, "from b");
    uint8_t *own = s_log_entry (b, 2, &len);
    SH_PASS (s_ingest (b, own, len, &dup, &why));
    SH_CHECK (dup);
    free (own);
    free (bytes);

    //  the clock moves past what was ingested, and stays there after a
    //  restart (an hour ahead: capped at the wall clock + 10 minutes)
    uint8_t seed[SH_SEED_BYTES];
    memset (seed, 0x99, sizeof seed);
    sh_key_t *k = sh_key_from_seed (seed);
    uint8_t buf[64], h1[SH_HASH_BYTES], h3[SH_HASH_BYTES];
    size_t n = s_courtyard (buf, "from the future");
    uint64_t future = s_now_hlc () + ((uint64_t) 3600000 << 16);
    bytes = s_signed (k, 1, NULL, future, buf, n, &len, h1);
    SH_PASS (s_ingest (b, bytes, len, &dup, &why));
    SH_CHECK (!dup);
    uint64_t capped = sh_replica_clock (b);
    SH_CHECK (capped < future);
    SH_CHECK (sh_hlc_ms (capped) >= sh_hlc_ms (s_now_hlc ()) + SH_CLOCK_BOUND_MS - 1000);
    SH_CHECK (sh_hlc_ms (capped) <= sh_hlc_ms (s_now_hlc ()) + SH_CLOCK_BOUND_MS);
    free (bytes);
    sh_replica_close (&b);
    SH_PASS (sh_replica_open (&b, db));
    SH_CHECK (sh_replica_clock (b) >= capped);

    //  another author's chain may have gaps (a node sees only its scope),
    //  but its seq must grow; a different change at a held seq is equivocation
    bytes = s_signed (k, 3, h1, future + 3, buf, n, &len, h3);
    SH_PASS (s_ingest (b, bytes, len, &dup, &why));
    SH_CHECK (!dup);
    free (bytes);
    bytes = s_signed (k, 2, h1, future + 2, buf, n, &len, NULL);
    sh_err rc = s_ingest (b, bytes, len, &dup, &why);
    SH_CHECK (rc == SH_ECHAIN);
    free (bytes);
    n = s_courtyard (buf, "another body");
    bytes = s_signed (k, 3, h1, future + 3, buf, n, &len, NULL);
    s_snap (b, &before);
    SH_FAIL (s_ingest (b, bytes, len, &dup, &why), SH_EEQUIVOCATION);
    s_snap (b, &after);
    SH_CHECK (memcmp (&before, &after, sizeof before) == 0);
    free (bytes);

    //  the replica's own chain must be complete: a change by its own key
    //  that skips a seq is refused
    bytes = s_signed (sh_replica_key (a), 5, h3, s_now_hlc (), buf, n, &len, NULL);
    SH_FAIL (s_ingest (a, bytes, len, &dup, &why), SH_ECHAIN);
    free (bytes);

    //  a validly signed body this version cannot read stays in the log but
    //  changes no state
    static const uint8_t junk[] = { 0x22, 0x01, 0x00 };
    uint8_t h4[SH_HASH_BYTES];
    bytes = s_signed (k, 4, h3, future + 4, junk, sizeof junk, &len, h4);
    s_snap (b, &before);
    SH_PASS (s_ingest (b, bytes, len, &dup, &why));
    SH_CHECK (!dup);
    s_snap (b, &after);
    SH_CHECK (after.log == before.log + 1 && memcmp (after.digest, before.digest, SH_HASH_BYTES) == 0);
    free (bytes);
    SH_PASS (sh_changelog_verify (sh_replica_store (b), NULL));

    sh_key_destroy (&k);
    sh_replica_close (&a);
    sh_replica_close (&b);
    sh_test_rmdir (da);
    sh_test_rmdir (db);
}

static const sh_test_case_t tests[] = {
    { "scope", test_scope },
    { "create and open", test_create_open },
    { "write", test_write },
    { "ingest", test_ingest },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
