/*  sh_crypto -- stateless cryptographic helpers over libsodium.

    Thin wrappers: every primitive is libsodium's (constant-time where it
    matters, e.g. hex decoding of secret seeds and equality).
*/
#include "sh_crypto.h"

#include <assert.h>
#include <stdalign.h>
#include <string.h>

#include <sodium.h>

//  The embedded-by-value state must be able to hold libsodium's.
_Static_assert (sizeof (crypto_hash_sha256_state) <= sizeof (sh_crypto_sha256_t),
                "sh_crypto_sha256_t too small for crypto_hash_sha256_state");
_Static_assert (alignof (crypto_hash_sha256_state) <= alignof (sh_crypto_sha256_t),
                "sh_crypto_sha256_t under-aligned for crypto_hash_sha256_state");
_Static_assert (SH_PUBKEY_BYTES == crypto_sign_PUBLICKEYBYTES, "public key size");
_Static_assert (SH_SIG_BYTES == crypto_sign_BYTES, "signature size");
_Static_assert (SH_HASH_BYTES == crypto_hash_sha256_BYTES, "hash size");

static crypto_hash_sha256_state *
s_state (sh_crypto_sha256_t *st)
{
    return (crypto_hash_sha256_state *) (void *) st->opaque_;
}


//  --------------------------------------------------------------------------
//  Initialisation

sh_err
sh_crypto_init (void)
{
    //  0: initialised now, 1: already initialised, -1: failure.
    return sodium_init () < 0 ? SH_ECRYPTO : SH_OK;
}


//  --------------------------------------------------------------------------
//  SHA-256

void
sh_crypto_sha256 (uint8_t out[SH_HASH_BYTES], const uint8_t *in, size_t in_len)
{
    assert (out);
    assert (in || in_len == 0);
    crypto_hash_sha256 (out, in, in_len);
}

void
sh_crypto_sha256_init (sh_crypto_sha256_t *st)
{
    assert (st);
    crypto_hash_sha256_init (s_state (st));
}

void
sh_crypto_sha256_update (sh_crypto_sha256_t *st, const uint8_t *in, size_t in_len)
{
    assert (st);
    assert (in || in_len == 0);
    crypto_hash_sha256_update (s_state (st), in, in_len);
}

void
sh_crypto_sha256_final (sh_crypto_sha256_t *st, uint8_t out[SH_HASH_BYTES])
{
    assert (st);
    assert (out);
    crypto_hash_sha256_final (s_state (st), out);
    sodium_memzero (st, sizeof *st);
}


//  --------------------------------------------------------------------------
//  Ed25519 verification

sh_err
sh_crypto_verify (const uint8_t sig[SH_SIG_BYTES], const uint8_t *msg, size_t msg_len,
                  const uint8_t pk[SH_PUBKEY_BYTES])
{
    assert (sig);
    assert (pk);
    assert (msg || msg_len == 0);
    if (crypto_sign_verify_detached (sig, msg, msg_len, pk) != 0)
        return SH_ECRYPTO;
    return SH_OK;
}


//  --------------------------------------------------------------------------
//  Random bytes, hex, comparison

void
sh_crypto_random (uint8_t *buf, size_t len)
{
    assert (buf || len == 0);
    randombytes_buf (buf, len);
}

void
sh_crypto_hex (char *out, const uint8_t *in, size_t in_len)
{
    assert (out);
    assert (in || in_len == 0);
    assert (in_len <= (SIZE_MAX - 1) / 2);
    sodium_bin2hex (out, 2 * in_len + 1, in, in_len);
}

sh_err
sh_crypto_unhex (uint8_t *out, size_t out_len, const char *hex)
{
    assert (out || out_len == 0);
    assert (hex);
    assert (out_len <= (SIZE_MAX - 1) / 2);
    //  Exactly 2 * out_len characters, then NUL: look one past to see "too long".
    size_t hex_len = strnlen (hex, 2 * out_len + 1);
    if (hex_len != 2 * out_len)
        return SH_EINVAL;

    //  sodium_hex2bin is constant-time (key files hold secret seeds in hex);
    //  with no ignore set it stops at the first non-hex character.
    size_t bin_len = 0;
    const char *end = NULL;
    if (sodium_hex2bin (out, out_len, hex, hex_len, NULL, &bin_len, &end) != 0
    ||  bin_len != out_len || end != hex + hex_len) {
        sodium_memzero (out, out_len);
        return SH_EINVAL;
    }
    return SH_OK;
}

bool
sh_crypto_equal (const uint8_t *a, const uint8_t *b, size_t len)
{
    assert ((a && b) || len == 0);
    if (len == 0)
        return true;
    return sodium_memcmp (a, b, len) == 0;
}

sh_err
sh_crypto_ed_to_curve (uint8_t curve[SH_CURVE_BYTES], const uint8_t ed[SH_PUBKEY_BYTES])
{
    return crypto_sign_ed25519_pk_to_curve25519 (curve, ed) == 0 ? SH_OK : SH_ECRYPTO;
}

void
sh_crypto_wipe (void *buf, size_t len)
{
    sodium_memzero (buf, len);
}
