/*  sh_hubid -- the hub's identity as everyone needs it: its Ed25519 public
    key, the origin line of its checkpoints, the signed-note key ID and
    verifier key of that origin, and (at the hub itself) the key pair that
    signs (docs/protocol.md 8.1, "The hub's Merkle tree and checkpoints").

    The origin is derived from the key, once, here:
        origin = "shouhe/hub/" + lower-case hex of the key's first 8 bytes
    It is also the key name of every note the hub signs (checkpoints, the
    registry note of an export), so the verifier key is (origin, key).

    A program builds one sh_hubid_t when it learns the hub's key -- the hub
    from its key file (sh_hubid_init_key), a node or an auditor from the
    64-hex --hub-key (sh_hubid_init_hex) or from an export's header
    (sh_hubid_init) -- and passes a pointer to it wherever the hub's key
    and origin are needed together.

    sh_hubid_t is plain data, embedded by value and filled only by the
    sh_hubid_init* functions; read its fields, do not change them. It needs
    no fini. key is borrowed: the caller keeps the sh_key_t alive as long
    as the identity is used to sign. Threading: immutable once built; may
    be read from several threads at once.
*/
#ifndef SH_HUBID_H
#define SH_HUBID_H

#include <stdint.h>

#include "sh_crypto.h"
#include "sh_err.h"
#include "sh_key.h"
#include "sh_note.h"

#define SH_HUBID_ORIGIN_PREFIX "shouhe/hub/"
//  "shouhe/hub/" + 16 hex digits + NUL (28 bytes), rounded up
#define SH_HUBID_ORIGIN_MAX 32

typedef struct {
    uint8_t pubkey[SH_PUBKEY_BYTES];    //  the hub's Ed25519 public key
    char origin[SH_HUBID_ORIGIN_MAX];   //  its checkpoints' origin line = its notes' key name
    uint32_t key_id;                    //  signed-note key ID of (origin, pubkey)
    sh_note_vkey_t vkey;                //  verifier key of its notes (name origin, pubkey)
    const sh_key_t *key;                //  the hub's own key pair (borrowed), or NULL: verify only
} sh_hubid_t;

//  The identity of the hub whose public key is pubkey, for verifying only
//  (self->key is NULL).
void sh_hubid_init (sh_hubid_t *self, const uint8_t pubkey[SH_PUBKEY_BYTES]);

//  The hub's own identity, from its loaded key pair: as sh_hubid_init of
//  its public key, with self->key = key (borrowed; it must outlive every
//  use of self that signs).
void sh_hubid_init_key (sh_hubid_t *self, const sh_key_t *key);

//  The identity named by hex, the text of a --hub-key option: exactly 64
//  hex digits (either case), nothing before or after. SH_EINVAL when hex
//  is anything else (self is then zeroed). It does not check that the key
//  is a valid Ed25519 point: a wrong key is found when nothing it should
//  have signed verifies.
SH_NODISCARD sh_err sh_hubid_init_hex (sh_hubid_t *self, const char *hex);

//  Parse the signed checkpoint note note[0..len) and verify it with this
//  hub's verifier key and origin (sh_note_checkpoint_open). *out is filled
//  on SH_OK (out->ext borrows from note) and zeroed otherwise. SH_EPROTO (a
//  malformed note or checkpoint, or another origin), SH_ECRYPTO (the hub's
//  signature does not verify), SH_ENOTFOUND (no signature by the hub).
SH_NODISCARD sh_err sh_hubid_open_checkpoint (const sh_hubid_t *self, sh_note_checkpoint_t *out,
                                              const char *note, size_t len);

#endif
