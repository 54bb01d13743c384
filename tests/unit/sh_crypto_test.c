/*  sh_crypto_test -- known-answer tests for SHA-256 and Ed25519, hex.

    SHA-256 vectors: FIPS 180-2 appendix B (B.1 "abc", B.2 the 448-bit
    message, B.3 one million 'a') plus the empty string; cross-checked with
    coreutils sha256sum. Ed25519 vectors: RFC 8032 section 7.1, TEST 1-3;
    cross-checked with `openssl pkeyutl -sign -rawin` (TEST 2, 3) and the
    Python cryptography package (TEST 1, empty message), both OpenSSL.
*/
#include <stdlib.h>
#include <string.h>

#include "sh_crypto.h"
#include "sh_key.h"
#include "sh_test.h"

//  Decode a hex constant of a test vector (aborts the test when malformed).
static void
s_unhex (uint8_t *out, size_t out_len, const char *hex)
{
    SH_PASS (sh_crypto_unhex (out, out_len, hex));
}

static void
s_check_sha256 (const char *msg, const char *want_hex)
{
    uint8_t got[SH_HASH_BYTES], want[SH_HASH_BYTES];
    s_unhex (want, sizeof want, want_hex);
    sh_crypto_sha256 (got, (const uint8_t *) msg, strlen (msg));
    SH_CHECK (memcmp (got, want, sizeof want) == 0);

    //  The incremental API, one byte at a time, gives the same digest.
    sh_crypto_sha256_t st;
    sh_crypto_sha256_init (&st);
    for (size_t i = 0; i < strlen (msg); i++)
        sh_crypto_sha256_update (&st, (const uint8_t *) msg + i, 1);
    sh_crypto_sha256_final (&st, got);
    SH_CHECK (memcmp (got, want, sizeof want) == 0);
}

static void
test_sha256_kat (void)
{
    s_check_sha256 ("",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    s_check_sha256 ("abc",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    s_check_sha256 ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void
test_sha256_million_a (void)
{
    uint8_t chunk[1000];
    memset (chunk, 'a', sizeof chunk);
    sh_crypto_sha256_t st;
    sh_crypto_sha256_init (&st);
    for (int i = 0; i < 1000; i++)
        sh_crypto_sha256_update (&st, chunk, sizeof chunk);
    uint8_t got[SH_HASH_BYTES], want[SH_HASH_BYTES];
    sh_crypto_sha256_final (&st, got);
    s_unhex (want, sizeof want,
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    SH_CHECK (memcmp (got, want, sizeof want) == 0);
}

typedef struct {
    const char *seed;   //  RFC 8032 "SECRET KEY"
    const char *pk;     //  "PUBLIC KEY"
    const char *msg;    //  "MESSAGE"
    const char *sig;    //  "SIGNATURE"
} s_ed25519_vector_t;

static const s_ed25519_vector_t s_rfc8032[] = {
    {   //  TEST 1
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    },
    {   //  TEST 2
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
    },
    {   //  TEST 3
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
        "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"
    },
};

static void
test_ed25519_rfc8032 (void)
{
    for (size_t i = 0; i < sizeof s_rfc8032 / sizeof s_rfc8032[0]; i++) {
        const s_ed25519_vector_t *v = &s_rfc8032[i];
        uint8_t seed[SH_SEED_BYTES], pk[SH_PUBKEY_BYTES], sig[SH_SIG_BYTES];
        uint8_t msg[2];
        size_t msg_len = strlen (v->msg) / 2;
        SH_CHECK (msg_len <= sizeof msg);
        s_unhex (seed, sizeof seed, v->seed);
        s_unhex (pk, sizeof pk, v->pk);
        s_unhex (msg, msg_len, v->msg);
        s_unhex (sig, sizeof sig, v->sig);

        //  The RFC's signature verifies under the RFC's public key...
        SH_PASS (sh_crypto_verify (sig, msg, msg_len, pk));
        //  ... and not for another message or with one bit flipped.
        uint8_t other = 0x55;
        SH_FAIL (sh_crypto_verify (sig, &other, 1, pk), SH_ECRYPTO);
        uint8_t bad[SH_SIG_BYTES];
        memcpy (bad, sig, sizeof bad);
        bad[7] ^= 0x01;
        SH_FAIL (sh_crypto_verify (bad, msg, msg_len, pk), SH_ECRYPTO);

        //  Our key from the seed gives the RFC's public key and signature.
        sh_key_t *key = sh_key_from_seed (seed);
        SH_CHECK (key);
        SH_CHECK (memcmp (sh_key_public (key), pk, sizeof pk) == 0);
        uint8_t mine[SH_SIG_BYTES];
        SH_PASS (sh_key_sign (key, mine, NULL, 0, msg, msg_len));
        SH_CHECK (memcmp (mine, sig, sizeof sig) == 0);
        sh_key_destroy (&key);
        SH_CHECK (key == NULL);
    }
}

static void
test_sign_with_prefix (void)
{
    //  prefix || msg signed in two pieces equals the concatenation signed whole.
    uint8_t seed[SH_SEED_BYTES];
    sh_crypto_random (seed, sizeof seed);
    sh_key_t *key = sh_key_from_seed (seed);
    SH_CHECK (key);
    const uint8_t whole[] = "prefix:message";
    uint8_t a[SH_SIG_BYTES], b[SH_SIG_BYTES];
    SH_PASS (sh_key_sign (key, a, whole, 7, whole + 7, sizeof whole - 1 - 7));
    SH_PASS (sh_key_sign (key, b, NULL, 0, whole, sizeof whole - 1));
    SH_CHECK (memcmp (a, b, sizeof a) == 0);
    SH_PASS (sh_crypto_verify (a, whole, sizeof whole - 1, sh_key_public (key)));
    SH_FAIL (sh_crypto_verify (a, whole + 7, sizeof whole - 1 - 7, sh_key_public (key)),
             SH_ECRYPTO);
    sh_key_destroy (&key);
    sh_key_destroy (&key);   //  idempotent
}

static void
test_hex (void)
{
    const uint8_t bin[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xcd, 0xef, 0xff };
    char hex[SH_HEX_BYTES (sizeof bin)];
    sh_crypto_hex (hex, bin, sizeof bin);
    SH_CHECK (strcmp (hex, "00017f80abcdefff") == 0);

    uint8_t back[sizeof bin];
    SH_PASS (sh_crypto_unhex (back, sizeof back, hex));
    SH_CHECK (memcmp (back, bin, sizeof bin) == 0);
    SH_PASS (sh_crypto_unhex (back, sizeof back, "00017F80ABCDEFFF"));   //  either case
    SH_CHECK (memcmp (back, bin, sizeof bin) == 0);

    char empty[SH_HEX_BYTES (0)];
    sh_crypto_hex (empty, bin, 0);
    SH_CHECK (empty[0] == '\0');
    SH_PASS (sh_crypto_unhex (back, 0, ""));

    uint8_t two[2];
    SH_FAIL (sh_crypto_unhex (two, 2, "abc"), SH_EINVAL);     //  odd length
    SH_FAIL (sh_crypto_unhex (two, 2, "abcde"), SH_EINVAL);   //  odd length
    SH_FAIL (sh_crypto_unhex (two, 2, "ab g"), SH_EINVAL);    //  bad char
    SH_FAIL (sh_crypto_unhex (two, 2, "abcg"), SH_EINVAL);    //  bad char
    SH_FAIL (sh_crypto_unhex (two, 2, "ab:d"), SH_EINVAL);    //  separator
    SH_FAIL (sh_crypto_unhex (two, 2, "0x12"), SH_EINVAL);    //  prefix
    SH_FAIL (sh_crypto_unhex (two, 2, "abcdef"), SH_EINVAL);  //  too long
    SH_FAIL (sh_crypto_unhex (two, 2, "ab"), SH_EINVAL);      //  too short
    SH_FAIL (sh_crypto_unhex (two, 2, ""), SH_EINVAL);        //  too short
    SH_FAIL (sh_crypto_unhex (two, 0, "ab"), SH_EINVAL);      //  too long
}

static void
test_equal_and_random (void)
{
    uint8_t a[32], b[32];
    sh_crypto_random (a, sizeof a);
    memcpy (b, a, sizeof b);
    SH_CHECK (sh_crypto_equal (a, b, sizeof a));
    b[31] ^= 0x80;
    SH_CHECK (!sh_crypto_equal (a, b, sizeof a));
    SH_CHECK (sh_crypto_equal (a, b, 31));
    SH_CHECK (sh_crypto_equal (a, b, 0));
    sh_crypto_random (b, sizeof b);
    SH_CHECK (!sh_crypto_equal (a, b, sizeof a));   //  2^-256
    SH_PASS (sh_crypto_init ());   //  idempotent
}

static const sh_test_case_t tests[] = {
    { "sha256 kat", test_sha256_kat },
    { "sha256 million a", test_sha256_million_a },
    { "ed25519 rfc8032", test_ed25519_rfc8032 },
    { "sign with prefix", test_sign_with_prefix },
    { "hex", test_hex },
    { "equal and random", test_equal_and_random },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
