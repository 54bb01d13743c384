/*  sh_registry_test -- the hub's registry of admitted keys: enrolment and
    its refusals, lookups by Ed25519 and by Curve25519 key (what the ZAP
    handler uses), revocation, the block after an equivocation, sessions
    (touch) and the walk over every entry. Real keys throughout; each test
    works in its own temporary store.
*/
#include "sh_test.h"

#include "sh_crypto.h"
#include "sh_key.h"
#include "sh_registry.h"
#include "sh_store.h"

#include <stdbool.h>
#include <stdint.h>

/* --------------------------------------------------------------------------
 * Fixture
 * -------------------------------------------------------------------------- */

typedef struct {
    char *dir;                  //  temporary directory
    sh_store_t *store;          //  the store in it
    sh_store_txn_t *txn;        //  one write transaction for the test
} s_fx_t;

static void
s_fx_init (s_fx_t *fx)
{
    fx->dir = sh_test_tmpdir ();
    SH_PASS (sh_store_open (&fx->store, fx->dir, true, 0));
    SH_PASS (sh_store_begin (fx->store, true, &fx->txn));
}

static void
s_fx_fini (s_fx_t *fx)
{
    if (fx->txn)
        SH_PASS (sh_store_commit (&fx->txn));
    sh_store_close (&fx->store);
    SH_CHECK (fx->store == NULL);
    sh_test_rmdir (fx->dir);
}

//  The public key of the key made from seed byte n.
static void
s_pub (uint8_t pk[SH_PUBKEY_BYTES], uint8_t n)
{
    uint8_t seed[SH_SEED_BYTES];
    memset (seed, n, sizeof seed);
    sh_key_t *key = sh_key_from_seed (seed);
    SH_CHECK (key);
    memcpy (pk, sh_key_public (key), SH_PUBKEY_BYTES);
    sh_key_destroy (&key);
}

/* --------------------------------------------------------------------------
 * Tests
 * -------------------------------------------------------------------------- */

static void
test_enroll_get (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    uint8_t a[SH_PUBKEY_BYTES], b[SH_PUBKEY_BYTES];
    s_pub (a, 1);
    s_pub (b, 2);
    SH_PASS (sh_registry_enroll (fx.txn, a, "500115101001", SH_WIRE_ROLE_NODE, "village 001", 1700000000000));
    SH_PASS (sh_registry_enroll (fx.txn, b, "500115", SH_WIRE_ROLE_AUDITOR, NULL, 1700000000001));

    sh_registry_entry_t e;
    SH_PASS (sh_registry_get (fx.txn, a, &e));
    SH_CHECK (memcmp (e.key, a, SH_PUBKEY_BYTES) == 0);
    SH_CHECK (strcmp (e.scope, "500115101001") == 0);
    SH_CHECK (e.role == SH_WIRE_ROLE_NODE);
    SH_CHECK (strcmp (e.name, "village 001") == 0);
    SH_CHECK (e.enrolled_ms == 1700000000000);
    SH_CHECK (e.revoked_ms == 0 && !e.blocked && e.last_seen_ms == 0);

    SH_PASS (sh_registry_get (fx.txn, b, &e));
    SH_CHECK (strcmp (e.scope, "500115") == 0 && e.role == SH_WIRE_ROLE_AUDITOR);
    SH_CHECK (strcmp (e.name, "") == 0 && e.enrolled_ms == 1700000000001);

    //  an unknown key
    uint8_t c[SH_PUBKEY_BYTES];
    s_pub (c, 3);
    SH_FAIL (sh_registry_get (fx.txn, c, &e), SH_ENOTFOUND);

    //  the three valid scope lengths, and the longest name
    char name[SH_REGISTRY_NAME_MAX + 1];
    memset (name, 'n', SH_REGISTRY_NAME_MAX);
    name[SH_REGISTRY_NAME_MAX] = '\0';
    SH_PASS (sh_registry_enroll (fx.txn, c, "500115101", SH_WIRE_ROLE_NODE, name, 5));
    SH_PASS (sh_registry_get (fx.txn, c, &e));
    SH_CHECK (strcmp (e.name, name) == 0 && strcmp (e.scope, "500115101") == 0);

    //  survives a commit and a reopen
    SH_PASS (sh_store_commit (&fx.txn));
    sh_store_close (&fx.store);
    SH_PASS (sh_store_open (&fx.store, fx.dir, false, 0));
    SH_PASS (sh_store_begin (fx.store, false, &fx.txn));
    SH_PASS (sh_registry_get (fx.txn, a, &e));
    SH_CHECK (strcmp (e.scope, "500115101001") == 0 && strcmp (e.name, "village 001") == 0);
    sh_store_abort (&fx.txn);
    s_fx_fini (&fx);
}

static void
test_by_curve (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    uint8_t a[SH_PUBKEY_BYTES], b[SH_PUBKEY_BYTES];
    s_pub (a, 1);
    s_pub (b, 2);
    SH_PASS (sh_registry_enroll (fx.txn, a, "500115101001", SH_WIRE_ROLE_NODE, "a", 1));
    SH_PASS (sh_registry_enroll (fx.txn, b, "500115101002", SH_WIRE_ROLE_NODE, "b", 1));

    uint8_t ca[SH_CURVE_BYTES], cb[SH_CURVE_BYTES], found[SH_PUBKEY_BYTES];
    SH_PASS (sh_crypto_ed_to_curve (ca, a));
    SH_PASS (sh_crypto_ed_to_curve (cb, b));
    SH_PASS (sh_registry_by_curve (fx.txn, ca, found));
    SH_CHECK (memcmp (found, a, SH_PUBKEY_BYTES) == 0);
    SH_PASS (sh_registry_by_curve (fx.txn, cb, found));
    SH_CHECK (memcmp (found, b, SH_PUBKEY_BYTES) == 0);

    //  the curve key of the key pair a node derives for its transport is the same
    uint8_t seed[SH_SEED_BYTES];
    memset (seed, 1, sizeof seed);
    sh_key_t *key = sh_key_from_seed (seed);
    uint8_t cpk[SH_CURVE_BYTES], csk[SH_CURVE_BYTES];
    SH_PASS (sh_key_curve (key, cpk, csk));
    sh_crypto_wipe (csk, sizeof csk);
    SH_CHECK (memcmp (cpk, ca, SH_CURVE_BYTES) == 0);
    sh_key_destroy (&key);

    //  an unknown curve key, and an Ed25519 key used as if it were a curve key
    uint8_t c[SH_PUBKEY_BYTES], cc[SH_CURVE_BYTES];
    s_pub (c, 3);
    SH_PASS (sh_crypto_ed_to_curve (cc, c));
    SH_FAIL (sh_registry_by_curve (fx.txn, cc, found), SH_ENOTFOUND);
    SH_FAIL (sh_registry_by_curve (fx.txn, a, found), SH_ENOTFOUND);
    //  the lookup still works for a revoked key (ZAP must see it to say "revoked")
    SH_PASS (sh_registry_revoke (fx.txn, a, 10));
    SH_PASS (sh_registry_by_curve (fx.txn, ca, found));
    SH_CHECK (memcmp (found, a, SH_PUBKEY_BYTES) == 0);
    s_fx_fini (&fx);
}

static void
test_enroll_twice (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    uint8_t a[SH_PUBKEY_BYTES];
    s_pub (a, 1);
    SH_PASS (sh_registry_enroll (fx.txn, a, "500115101001", SH_WIRE_ROLE_NODE, "first", 1));
    //  again, with the same or another scope, role or name: refused, nothing changes
    SH_FAIL (sh_registry_enroll (fx.txn, a, "500115101001", SH_WIRE_ROLE_NODE, "first", 2), SH_EEXIST);
    SH_FAIL (sh_registry_enroll (fx.txn, a, "500115", SH_WIRE_ROLE_AUDITOR, "wider", 3), SH_EEXIST);
    sh_registry_entry_t e;
    SH_PASS (sh_registry_get (fx.txn, a, &e));
    SH_CHECK (strcmp (e.scope, "500115101001") == 0 && e.role == SH_WIRE_ROLE_NODE);
    SH_CHECK (strcmp (e.name, "first") == 0 && e.enrolled_ms == 1);

    //  a revoked key is never re-admitted
    SH_PASS (sh_registry_revoke (fx.txn, a, 50));
    SH_FAIL (sh_registry_enroll (fx.txn, a, "500115101001", SH_WIRE_ROLE_NODE, "again", 60), SH_EEXIST);
    SH_PASS (sh_registry_get (fx.txn, a, &e));
    SH_CHECK (e.revoked_ms == 50 && strcmp (e.name, "first") == 0);
    s_fx_fini (&fx);
}

static void
test_negated_key (void)
{
    //  P and -P (the sign bit of the encoding flipped) are two valid Ed25519
    //  keys with one Curve25519 key: the second would hijack the first's
    //  transport identity, so it is refused and the index keeps the first
    s_fx_t fx;
    s_fx_init (&fx);
    uint8_t a[SH_PUBKEY_BYTES], neg[SH_PUBKEY_BYTES], ca[SH_CURVE_BYTES], cn[SH_CURVE_BYTES];
    s_pub (a, 1);
    memcpy (neg, a, sizeof neg);
    neg[31] ^= 0x80;
    SH_PASS (sh_crypto_ed_to_curve (ca, a));
    SH_PASS (sh_crypto_ed_to_curve (cn, neg));
    SH_CHECK (memcmp (ca, cn, SH_CURVE_BYTES) == 0);
    SH_PASS (sh_registry_enroll (fx.txn, a, "500115101001", SH_WIRE_ROLE_NODE, "a", 1));
    SH_FAIL (sh_registry_enroll (fx.txn, neg, "500115", SH_WIRE_ROLE_NODE, "neg", 2), SH_EEXIST);
    sh_registry_entry_t e;
    SH_FAIL (sh_registry_get (fx.txn, neg, &e), SH_ENOTFOUND);
    uint8_t found[SH_PUBKEY_BYTES];
    SH_PASS (sh_registry_by_curve (fx.txn, ca, found));
    SH_CHECK (memcmp (found, a, SH_PUBKEY_BYTES) == 0);
    s_fx_fini (&fx);
}

static void
test_bad_arguments (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    uint8_t a[SH_PUBKEY_BYTES];
    s_pub (a, 1);
    const char *bad[] = { "50011", "5001151", "50011510100", "5001151010010", "500115101001001",
                          "", "5001a5", "500115101oo1", "abcdef", "500115 ", "-50011" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        SH_FAIL (sh_registry_enroll (fx.txn, a, bad[i], SH_WIRE_ROLE_NODE, NULL, 1), SH_EINVAL);
    //  a name one byte too long, and roles that do not exist
    char name[SH_REGISTRY_NAME_MAX + 2];
    memset (name, 'n', SH_REGISTRY_NAME_MAX + 1);
    name[SH_REGISTRY_NAME_MAX + 1] = '\0';
    SH_FAIL (sh_registry_enroll (fx.txn, a, "500115", SH_WIRE_ROLE_NODE, name, 1), SH_EINVAL);
    SH_FAIL (sh_registry_enroll (fx.txn, a, "500115", (sh_wire_role_t) 0, NULL, 1), SH_EINVAL);
    SH_FAIL (sh_registry_enroll (fx.txn, a, "500115", (sh_wire_role_t) 5, NULL, 1), SH_EINVAL);
    //  nothing was written by any of them
    sh_registry_entry_t e;
    SH_FAIL (sh_registry_get (fx.txn, a, &e), SH_ENOTFOUND);
    uint64_t count;
    SH_PASS (sh_store_count (fx.txn, SH_DB_REGISTRY, &count));
    SH_CHECK (count == 0);
    s_fx_fini (&fx);
}

static void
test_invalid_point (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    //  the identity point (small order), a y >= p (not canonical), and a
    //  y with no x on the curve: libsodium refuses to convert each
    uint8_t bad[3][SH_PUBKEY_BYTES];
    memset (bad, 0, sizeof bad);
    bad[0][0] = 1;
    memset (bad[1], 0xff, SH_PUBKEY_BYTES);
    bad[1][31] = 0x7f;
    bad[2][0] = 2;
    uint8_t curve[SH_CURVE_BYTES];
    for (int i = 0; i < 3; i++) {
        SH_FAIL (sh_crypto_ed_to_curve (curve, bad[i]), SH_ECRYPTO);
        SH_FAIL (sh_registry_enroll (fx.txn, bad[i], "500115101001", SH_WIRE_ROLE_NODE, NULL, 1), SH_ECRYPTO);
        sh_registry_entry_t e;
        SH_FAIL (sh_registry_get (fx.txn, bad[i], &e), SH_ENOTFOUND);
    }
    uint64_t count;
    SH_PASS (sh_store_count (fx.txn, SH_DB_REGISTRY, &count));
    SH_CHECK (count == 0);
    s_fx_fini (&fx);
}

static void
test_revoke (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    uint8_t a[SH_PUBKEY_BYTES], b[SH_PUBKEY_BYTES];
    s_pub (a, 1);
    s_pub (b, 2);
    SH_FAIL (sh_registry_revoke (fx.txn, a, 5), SH_ENOTFOUND);
    SH_PASS (sh_registry_enroll (fx.txn, a, "500115101001", SH_WIRE_ROLE_NODE, "a", 1));
    SH_PASS (sh_registry_enroll (fx.txn, b, "500115101002", SH_WIRE_ROLE_NODE, "b", 1));
    SH_PASS (sh_registry_revoke (fx.txn, a, 1000));
    sh_registry_entry_t e;
    SH_PASS (sh_registry_get (fx.txn, a, &e));
    SH_CHECK (e.revoked_ms == 1000);
    SH_CHECK (strcmp (e.scope, "500115101001") == 0 && strcmp (e.name, "a") == 0);
    //  twice: refused, the first time stays
    SH_FAIL (sh_registry_revoke (fx.txn, a, 2000), SH_EEXIST);
    SH_PASS (sh_registry_get (fx.txn, a, &e));
    SH_CHECK (e.revoked_ms == 1000);
    //  the other key is untouched
    SH_PASS (sh_registry_get (fx.txn, b, &e));
    SH_CHECK (e.revoked_ms == 0);
    //  a revocation at time 0 still counts as revoked
    SH_PASS (sh_registry_revoke (fx.txn, b, 0));
    SH_PASS (sh_registry_get (fx.txn, b, &e));
    SH_CHECK (e.revoked_ms != 0);
    SH_FAIL (sh_registry_revoke (fx.txn, b, 0), SH_EEXIST);
    s_fx_fini (&fx);
}

static void
test_block_unblock (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    uint8_t a[SH_PUBKEY_BYTES], b[SH_PUBKEY_BYTES];
    s_pub (a, 1);
    s_pub (b, 2);
    SH_FAIL (sh_registry_set_blocked (fx.txn, a, true), SH_ENOTFOUND);
    SH_PASS (sh_registry_enroll (fx.txn, a, "500115101001", SH_WIRE_ROLE_NODE, "a", 7));
    SH_PASS (sh_registry_enroll (fx.txn, b, "500115101002", SH_WIRE_ROLE_NODE, "b", 7));
    SH_PASS (sh_registry_set_blocked (fx.txn, a, true));
    sh_registry_entry_t e;
    SH_PASS (sh_registry_get (fx.txn, a, &e));
    SH_CHECK (e.blocked);
    SH_CHECK (strcmp (e.scope, "500115101001") == 0 && e.enrolled_ms == 7 && e.revoked_ms == 0);
    SH_PASS (sh_registry_get (fx.txn, b, &e));
    SH_CHECK (!e.blocked);
    //  blocking twice is harmless; unblocking restores the entry
    SH_PASS (sh_registry_set_blocked (fx.txn, a, true));
    SH_PASS (sh_registry_set_blocked (fx.txn, a, false));
    SH_PASS (sh_registry_get (fx.txn, a, &e));
    SH_CHECK (!e.blocked && strcmp (e.name, "a") == 0);
    //  a block survives a commit
    SH_PASS (sh_registry_set_blocked (fx.txn, b, true));
    SH_PASS (sh_store_commit (&fx.txn));
    SH_PASS (sh_store_begin (fx.store, false, &fx.txn));
    SH_PASS (sh_registry_get (fx.txn, b, &e));
    SH_CHECK (e.blocked);
    sh_store_abort (&fx.txn);
    s_fx_fini (&fx);
}

static void
test_touch (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    uint8_t a[SH_PUBKEY_BYTES];
    s_pub (a, 1);
    SH_FAIL (sh_registry_touch (fx.txn, a, 5), SH_ENOTFOUND);
    SH_PASS (sh_registry_enroll (fx.txn, a, "500115101001", SH_WIRE_ROLE_NODE, "a", 100));
    SH_PASS (sh_registry_touch (fx.txn, a, 1700000000123));
    sh_registry_entry_t e;
    SH_PASS (sh_registry_get (fx.txn, a, &e));
    SH_CHECK (e.last_seen_ms == 1700000000123 && e.enrolled_ms == 100);
    SH_PASS (sh_registry_touch (fx.txn, a, 1700000009999));
    SH_PASS (sh_registry_get (fx.txn, a, &e));
    SH_CHECK (e.last_seen_ms == 1700000009999);
    //  touch keeps every other field (a blocked key stays blocked)
    SH_PASS (sh_registry_set_blocked (fx.txn, a, true));
    SH_PASS (sh_registry_touch (fx.txn, a, 1700000010000));
    SH_PASS (sh_registry_get (fx.txn, a, &e));
    SH_CHECK (e.blocked && e.last_seen_ms == 1700000010000 && strcmp (e.name, "a") == 0);
    s_fx_fini (&fx);
}

typedef struct {
    uint8_t keys[8][SH_PUBKEY_BYTES];   //  keys seen, in call order
    char scopes[8][SH_REGION_MAX + 1];  //  their scopes
    int n;                              //  entries seen
    int stop_after;                     //  return 1 after this many (0: never)
} s_walk_t;

static int
s_walk (const sh_registry_entry_t *e, void *arg)
{
    s_walk_t *w = arg;
    SH_CHECK (w->n < 8);
    memcpy (w->keys[w->n], e->key, SH_PUBKEY_BYTES);
    strcpy (w->scopes[w->n], e->scope);
    w->n++;
    return w->stop_after && w->n >= w->stop_after;
}

static void
test_each (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    s_walk_t w = { .n = 0 };
    SH_PASS (sh_registry_each (fx.txn, s_walk, &w));
    SH_CHECK (w.n == 0);

    uint8_t k[5][SH_PUBKEY_BYTES];
    const char *scopes[5] = { "500115101001", "500115101002", "500115101", "500115", "500115102003" };
    for (int i = 0; i < 5; i++) {
        s_pub (k[i], (uint8_t) (10 + i));
        SH_PASS (sh_registry_enroll (fx.txn, k[i], scopes[i], i == 3 ? SH_WIRE_ROLE_AUDITOR : SH_WIRE_ROLE_NODE,
                                     NULL, (uint64_t) i));
    }
    SH_PASS (sh_registry_revoke (fx.txn, k[4], 99));     //  revoked keys are listed too
    SH_PASS (sh_registry_set_blocked (fx.txn, k[1], true));

    //  every entry exactly once (the curve index is not an entry), in key order
    memset (&w, 0, sizeof w);
    SH_PASS (sh_registry_each (fx.txn, s_walk, &w));
    SH_CHECK (w.n == 5);
    for (int i = 1; i < w.n; i++)
        SH_CHECK (memcmp (w.keys[i - 1], w.keys[i], SH_PUBKEY_BYTES) < 0);
    for (int i = 0; i < 5; i++) {
        int found = 0;
        for (int j = 0; j < w.n; j++)
            if (memcmp (w.keys[j], k[i], SH_PUBKEY_BYTES) == 0) {
                found++;
                SH_CHECK (strcmp (w.scopes[j], scopes[i]) == 0);
            }
        SH_CHECK (found == 1);
    }
    //  a non-zero return stops the walk, and is not an error
    memset (&w, 0, sizeof w);
    w.stop_after = 2;
    SH_PASS (sh_registry_each (fx.txn, s_walk, &w));
    SH_CHECK (w.n == 2);
    s_fx_fini (&fx);
}

static void
test_put (void)
{
    //  a node keeps the entries the hub sent, as given, overwriting
    s_fx_t fx;
    s_fx_init (&fx);
    sh_registry_entry_t e = { 0 }, got;
    s_pub (e.key, 4);
    strcpy (e.scope, "500115101");
    e.role = SH_WIRE_ROLE_NODE;
    strcpy (e.name, "town");
    e.revoked_ms = 1;
    SH_PASS (sh_registry_put (fx.txn, &e));
    SH_PASS (sh_registry_get (fx.txn, e.key, &got));
    SH_CHECK (strcmp (got.scope, "500115101") == 0 && strcmp (got.name, "town") == 0);
    SH_CHECK (got.revoked_ms == 1 && !got.blocked && got.last_seen_ms == 0);
    e.revoked_ms = 0;
    strcpy (e.scope, "500115");
    SH_PASS (sh_registry_put (fx.txn, &e));
    SH_PASS (sh_registry_get (fx.txn, e.key, &got));
    SH_CHECK (strcmp (got.scope, "500115") == 0 && got.revoked_ms == 0);
    s_fx_fini (&fx);
}

static const sh_test_case_t tests[] = {
    { "enroll and get", test_enroll_get },
    { "by curve", test_by_curve },
    { "enroll twice", test_enroll_twice },
    { "negated key", test_negated_key },
    { "bad arguments", test_bad_arguments },
    { "invalid point", test_invalid_point },
    { "revoke", test_revoke },
    { "block and unblock", test_block_unblock },
    { "touch", test_touch },
    { "each", test_each },
    { "put", test_put },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
