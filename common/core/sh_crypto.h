/*  sh_crypto -- stateless cryptographic helpers over libsodium.

    SHA-256, Ed25519 detached verification, random bytes and hex. Only this
    module and sh_key include sodium.h. sh_crypto_init must be called once by
    every program before any other sh_* call (it is idempotent and
    thread-safe, as sodium_init is).
*/
#ifndef SH_CRYPTO_H
#define SH_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sh_err.h"

#define SH_PUBKEY_BYTES 32   //  Ed25519 public key
#define SH_SIG_BYTES    64   //  Ed25519 signature
#define SH_HASH_BYTES   32   //  SHA-256 digest
#define SH_CURVE_BYTES  32   //  Curve25519 (CurveZMQ) key
#define SH_HEX_BYTES(n) (2 * (n) + 1)   //  hex text of n bytes, with NUL

//  Initialise libsodium. SH_ECRYPTO if it cannot be initialised.
SH_NODISCARD sh_err sh_crypto_init (void);

//  out = SHA-256(in).
void sh_crypto_sha256 (uint8_t out[SH_HASH_BYTES], const uint8_t *in, size_t in_len);

//  Incremental SHA-256; the state is plain data, embedded by value.
//  final wipes the state: call init again before reusing it.
typedef struct { uint8_t opaque_[128] __attribute__((aligned(16))); } sh_crypto_sha256_t;
void sh_crypto_sha256_init (sh_crypto_sha256_t *st);
void sh_crypto_sha256_update (sh_crypto_sha256_t *st, const uint8_t *in, size_t in_len);
void sh_crypto_sha256_final (sh_crypto_sha256_t *st, uint8_t out[SH_HASH_BYTES]);

//  Verify an Ed25519 signature of msg by pk. SH_OK or SH_ECRYPTO.
SH_NODISCARD sh_err sh_crypto_verify (const uint8_t sig[SH_SIG_BYTES],
                                      const uint8_t *msg, size_t msg_len,
                                      const uint8_t pk[SH_PUBKEY_BYTES]);

//  Fill buf with cryptographically random bytes.
void sh_crypto_random (uint8_t *buf, size_t len);

//  Lower-case hex of in into out (2 * in_len + 1 bytes, NUL-terminated).
void sh_crypto_hex (char *out, const uint8_t *in, size_t in_len);

//  Decode exactly out_len bytes from hex (either case, no separators, NUL
//  after exactly 2 * out_len digits). SH_EINVAL on any other input.
SH_NODISCARD sh_err sh_crypto_unhex (uint8_t *out, size_t out_len, const char *hex);

//  Constant-time comparison; true when equal.
bool sh_crypto_equal (const uint8_t *a, const uint8_t *b, size_t len);

//  The Curve25519 public key of an Ed25519 public key (~44 us: cache it).
//  SH_ECRYPTO if ed is not a valid point.
SH_NODISCARD sh_err sh_crypto_ed_to_curve (uint8_t curve[SH_CURVE_BYTES], const uint8_t ed[SH_PUBKEY_BYTES]);

//  Wipe a secret from memory (not optimised away).
void sh_crypto_wipe (void *buf, size_t len);

#endif
