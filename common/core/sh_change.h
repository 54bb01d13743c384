/*  sh_change -- the signed change, the unit of everything (docs/protocol.md,
    "The change").

    A change is a shouhe.v1.Change message; its exact encoded bytes are what
    is signed and hashed, never a re-encoding:
        signature = Ed25519(author, "shouhe/v1/change\n" || change bytes)
        hash      = SHA-256(change bytes)
    and a SignedChange {change, signature} is what logs store and wires carry.
    Per author the changes form a hash chain: seq 1, 2, 3 ... and prev =
    hash of the previous change (32 zero bytes for seq 1).

    sh_change_t is plain data. After sh_change_decode or sh_change_open it
    borrows memory held by the decoded message (entity and body point into
    it) until sh_change_fini; a change filled in by hand for encoding owns
    nothing (body is borrowed from the caller) and needs no fini.

    Only this module includes change.pb-c.h.
*/
#ifndef SH_CHANGE_H
#define SH_CHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sh_crypto.h"
#include "sh_err.h"
#include "sh_key.h"

#define SH_REGION_MAX      15          //  longest region code: a courtyard (15 digits)
#define SH_ENTITY_MAX      64          //  longest entity id
#define SH_BODY_MAX        (64 * 1024) //  longest body
#define SH_CHANGE_MAX      (SH_BODY_MAX + 512)  //  longest encoded Change
#define SH_SIGNED_MAX      (SH_CHANGE_MAX + 128)  //  longest encoded SignedChange
#define SH_SEALS_MAX       8           //  most sealed fields in one change

//  The signature domain-separation prefix (17 bytes, no NUL).
#define SH_CHANGE_SIG_PREFIX "shouhe/v1/change\n"
#define SH_CHANGE_CLOCK_ENTITY "clock"    //  the entity of every OP_CLOCK change
#define SH_CHANGE_CLOCK_ENTITY_LEN 5

//  Values of shouhe.v1.EntityKind and shouhe.v1.Op (kept equal by a unit test).
typedef enum {
    SH_KIND_UNSPECIFIED = 0,
    SH_KIND_REGION = 1,
    SH_KIND_COURTYARD = 2,
    SH_KIND_PERSON = 3,
    SH_KIND_ROLE = 4,
    SH_KIND_MATTER = 5,
    SH_KIND_MATTER_EVENT = 6,
    SH_KIND_MEETING = 7,
    SH_KIND_MEDIATION = 8,
    SH_KIND_LEDGER = 9,
    SH_KIND_EVALUATION = 10,
    SH_KIND_COUNT
} sh_kind_t;

typedef enum {
    SH_OP_UNSPECIFIED = 0,
    SH_OP_PUT = 1,
    SH_OP_DELETE = 2,
    SH_OP_EVENT = 3,
    SH_OP_CLOCK = 4     //  clock correction (docs/protocol.md 5.2): kind 0, entity "clock", no body
} sh_op_t;

//  A personal field sealed out of the body (Change.seals; sh_seal): its
//  number in the body's message and the salted commitment to its value.
typedef struct {
    uint32_t field;                    //  1 .. 2^29 - 1
    uint8_t commitment[SH_HASH_BYTES];
} sh_change_seal_t;

typedef struct {
    uint8_t author[SH_PUBKEY_BYTES];   //  writer's Ed25519 public key
    uint64_t seq;                      //  1-based position in the author's chain
    uint8_t prev[SH_HASH_BYTES];       //  hash of the previous change (zeros for seq 1)
    uint64_t hlc;                      //  hybrid logical clock timestamp
    char region[SH_REGION_MAX + 1];    //  region code, digits only, NUL-terminated
    sh_kind_t kind;                    //  entity kind
    const uint8_t *entity;             //  entity id (borrowed)
    size_t entity_len;                 //  1..SH_ENTITY_MAX
    sh_op_t op;                        //  operation
    const uint8_t *body;               //  encoded domain message (borrowed); NULL if none
    size_t body_len;                   //  its length
    size_t n_seals;                    //  sealed personal fields (0 .. SH_SEALS_MAX)
    sh_change_seal_t seals[SH_SEALS_MAX];  //  ascending field numbers (copies)
    void *pb_;                         //  decoded message owned after decode/open, else NULL
} sh_change_t;

//  Check the fields of a change for well-formedness (lengths, region digits,
//  kind and op in range, body present exactly for PUT and EVENT, body size;
//  seals only with a body, at most SH_SEALS_MAX, fields ascending and
//  distinct -- which fields may be sealed is sh_seal's rule, not this one).
//  SH_EPROTO with a reason in why (may be NULL) when one is wrong.
SH_NODISCARD sh_err sh_change_validate (const sh_change_t *self, const char **why);

//  Encode self (validated first) into a new buffer. Caller owns *out (free()).
SH_NODISCARD sh_err sh_change_encode (const sh_change_t *self, uint8_t **out, size_t *out_len);

//  Decode Change bytes into self and validate it. On success self borrows
//  from a decoded copy that sh_change_fini frees; on failure self needs no
//  fini. SH_EPROTO for anything malformed (why names it when non-NULL).
//  Inputs over SH_CHANGE_MAX are refused before unpacking. The bytes must be
//  canonical: re-encoding the decoded message must give them back exactly
//  (no repeated fields, over-long varints or NUL inside region; unknown
//  fields are accepted after the known ones), so what is decoded is exactly
//  what was signed. why is a constant string.
SH_NODISCARD sh_err sh_change_decode (sh_change_t *self, const uint8_t *bytes, size_t len,
                                      const char **why);

//  Free what decode or open allocated. Idempotent.
void sh_change_fini (sh_change_t *self);

//  hash = SHA-256(change bytes).
void sh_change_hash (uint8_t hash[SH_HASH_BYTES], const uint8_t *change, size_t change_len);

//  Sign encoded Change bytes with key and wrap them in a SignedChange.
//  Caller owns *out (free()). The bytes are decoded first: SH_EPROTO if they
//  are not a valid change, SH_EINVAL if its author is not key's public key
//  (nobody could open the result).
SH_NODISCARD sh_err sh_change_sign (uint8_t **out, size_t *out_len,
                                    const uint8_t *change, size_t change_len,
                                    const sh_key_t *key);

//  Split SignedChange bytes into the change bytes and the signature without
//  checking anything else. *change points into a copy owned by the caller
//  (free()). SH_EPROTO if malformed: over SH_SIGNED_MAX, not a canonical
//  SignedChange, a signature not of 64 bytes, a change empty or over
//  SH_CHANGE_MAX.
SH_NODISCARD sh_err sh_change_unwrap (uint8_t **change, size_t *change_len,
                                      uint8_t sig[SH_SIG_BYTES],
                                      const uint8_t *signed_bytes, size_t signed_len);

//  Read SignedChange bytes without verifying the signature: unwrap and
//  decode (bytes a store already verified, or a change only to be named).
//  As sh_change_decode: self must be finalised on SH_OK; SH_EPROTO for
//  anything malformed (why names it when not NULL), SH_ENOMEM.
SH_NODISCARD sh_err sh_change_read (sh_change_t *self, const uint8_t *signed_bytes, size_t signed_len,
                                    const char **why);

//  Open SignedChange bytes: unwrap, decode, verify the signature against the
//  author named inside, compute the hash. SH_EPROTO (malformed) or
//  SH_ECRYPTO (bad signature); on success self must be finalised.
//  hash may be NULL. Callers that know the expected author compare it
//  themselves: the author field is only trustworthy after this returns SH_OK.
//  Before the signature verifies only the author is read from the change
//  (to know the key); every other check runs on verified bytes.
//  Is the SignedChange (signed_bytes, signed_len) that names author and
//  seq held already, byte for byte? Then its signature was verified when
//  it was stored, and verifying it again can only agree (arg: the
//  caller's).
typedef bool (sh_change_held_fn) (const uint8_t author[SH_PUBKEY_BYTES], uint64_t seq,
                                  const uint8_t *signed_bytes, size_t signed_len, void *arg);

//  sh_change_open that does not verify the signature again when held
//  (with arg; NULL: always verify) says the very bytes are held already:
//  a hub taking back what a node sends again after a lost Ack.
SH_NODISCARD sh_err sh_change_open_held (sh_change_t *self, uint8_t hash[SH_HASH_BYTES],
                                         const uint8_t *signed_bytes, size_t signed_len,
                                         sh_change_held_fn *held, void *arg, const char **why);

SH_NODISCARD sh_err sh_change_open (sh_change_t *self, uint8_t hash[SH_HASH_BYTES],
                                    const uint8_t *signed_bytes, size_t signed_len,
                                    const char **why);

//  Does self continue a chain whose head is (head_seq, head_hash)?
//  head_seq 0 means no change yet (head_hash may then be NULL): self must
//  be seq 1 with a zero prev. SH_OK or SH_ECHAIN.
SH_NODISCARD sh_err sh_change_follows (const sh_change_t *self, uint64_t head_seq,
                                       const uint8_t head_hash[SH_HASH_BYTES]);

//  Name of a kind ("courtyard", "matter_event", ...) or "unknown".
const char *sh_change_kind_name (sh_kind_t kind);
const char *sh_change_op_name (sh_op_t op);

#endif
