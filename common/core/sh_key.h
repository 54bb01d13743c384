/*  sh_key -- one Ed25519 identity (a node's or the hub's key pair).

    The secret key lives in libsodium guarded memory and is wiped on destroy;
    it is never printed or logged. On disk a key file holds one line:
        "shouhe-ed25519-seed-v1 " <64 lower-case hex digits of the 32-byte seed> "\n"
    written with mode 0600 (O_EXCL: an existing file is never overwritten).
    Loading refuses a file whose mode grants any access to group or others,
    one owned by another user and a symbolic link (SH_EPERM), so a leaked or
    swapped key is noticed at once; sh_key_file_problem says which.

    Signing is deterministic (RFC 8032). Threading: a key may be used for
    signing from several threads at once.
*/
#ifndef SH_KEY_H
#define SH_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "sh_crypto.h"
#include "sh_err.h"

#define SH_SEED_BYTES 32

typedef struct sh_key_t sh_key_t;

//  A fresh random key pair. Caller owns the result; NULL when out of memory.
sh_key_t *sh_key_generate (void);

//  A key pair from a 32-byte seed (tests and known-answer checks). Caller owns it.
sh_key_t *sh_key_from_seed (const uint8_t seed[SH_SEED_BYTES]);

//  Destroy (wipes the secret). NULL-safe; nulls *self_p.
void sh_key_destroy (sh_key_t **self_p);

//  Write the key file at path (mode 0600, must not exist: SH_EEXIST).
SH_NODISCARD sh_err sh_key_save (const sh_key_t *self, const char *path);

//  Load a key file, never through a symbolic link. SH_ENOTFOUND if missing;
//  SH_EPERM if it is a symbolic link, belongs to another user or group/other
//  may access it; SH_EPROTO if it is not a regular file or its content is
//  not a key file. Caller owns *out.
SH_NODISCARD sh_err sh_key_load (sh_key_t **out, const char *path);

//  Why the key file at path is refused, as one sentence for the user
//  ("... is a symbolic link ...", "... may be read by other users ...
//  (fix with: chmod 600 ...)"), written into why. Returns why.
const char *sh_key_file_problem (const char *path, char *why, size_t why_len);

//  The public key (valid as long as the key).
const uint8_t *sh_key_public (const sh_key_t *self);

//  sig = Ed25519 signature of prefix || msg (prefix may be NULL/0).
//  Returns SH_ENOMEM only if a temporary buffer cannot be allocated.
SH_NODISCARD sh_err sh_key_sign (const sh_key_t *self, uint8_t sig[SH_SIG_BYTES],
                                 const uint8_t *prefix, size_t prefix_len,
                                 const uint8_t *msg, size_t msg_len);

//  The CurveZMQ transport key pair derived from this identity
//  (crypto_sign_ed25519_{pk,sk}_to_curve25519), so one key both
//  authenticates the link and signs records. curve_sk is secret: the caller
//  wipes it (sodium_memzero via sh_crypto_wipe) when done. SH_ECRYPTO if
//  the key cannot be converted.
SH_NODISCARD sh_err sh_key_curve (const sh_key_t *self, uint8_t curve_pk[SH_CURVE_BYTES],
                                  uint8_t curve_sk[SH_CURVE_BYTES]);

#endif
