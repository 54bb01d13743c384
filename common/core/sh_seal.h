/*  sh_seal -- personal fields sealed out of a change's body (docs/privacy.md,
    docs/protocol.md 4.10).

    A change's body is a domain message (domain.proto). Some of its fields
    hold personal information -- a person's name, birth year and phone, the
    free-text notes of matters, mediations, roles and points -- and those
    are not signed in clear: the writer takes each out of the body and puts
    in the change, instead, a salted commitment (Change.seals, sh_change):

        commitment = SHA-256("shouhe/seal\n" || salt (32) || be32(field) || value)

    where value is the field's exact encoding as it stood in the body (its
    tag, and its length or varint, and its payload; every occurrence, in
    order) and salt 32 random bytes. The opening {field, salt, value}
    travels beside the change to whoever is entitled to it. Whoever holds
    an opening checks it against the signed commitment (sh_seal_verify);
    whoever does not still verifies every signature, chain and Merkle proof,
    since those cover the commitment only. Erasing the opening erases the
    value; nothing signed changes.

    The table of personal fields (sh_seal_personal) is part of the protocol:
        PERSON       1 name, 4 birth_year, 6 phone
        ROLE         8 reason
        MATTER       4 description
        MATTER_EVENT 5 note
        MEDIATION    7 summary
        LEDGER       4 reason

    Ownership: a split result owns its buffers (sh_seal_split_fini); join
    returns a heap buffer the caller frees. Threading: pure functions.
*/
#ifndef SH_SEAL_H
#define SH_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sh_change.h"
#include "sh_crypto.h"
#include "sh_err.h"

#define SH_SEAL_SALT_BYTES 32
#define SH_SEAL_PREFIX "shouhe/seal\n"  //  12 bytes, the commitment's domain separation

//  The opening of one sealed field (plain data; value borrowed or owned as
//  said where it is handed out).
typedef struct {
    uint32_t field;                         //  the field's number
    uint8_t salt[SH_SEAL_SALT_BYTES];
    const uint8_t *value;                   //  the field's encoding in the body
    size_t value_len;
} sh_seal_opening_t;

//  Is field number field of kind's body personal (sealed when written)?
bool sh_seal_personal (sh_kind_t kind, uint32_t field);

//  Has kind any personal field (a row in the table above)?
bool sh_seal_kind (sh_kind_t kind);

//  commitment = SHA-256(SH_SEAL_PREFIX || salt || be32(field) || value).
void sh_seal_commit (uint8_t commitment[SH_HASH_BYTES], const uint8_t salt[SH_SEAL_SALT_BYTES], uint32_t field,
                     const uint8_t *value, size_t value_len);

//  Does the opening o open the seal s (same field, and the commitment of
//  its salt and value)? Constant-time comparison. SH_OK or SH_ECRYPTO.
SH_NODISCARD sh_err sh_seal_verify (const sh_change_seal_t *s, const sh_seal_opening_t *o);

//  The seal of field number field in change c, or NULL when c seals no
//  such field. Valid as long as c.
const sh_change_seal_t *sh_seal_find (const sh_change_t *c, uint32_t field);

//  A body split into what is signed in clear and what is sealed.
typedef struct {
    uint8_t *body;                          //  the body without its personal fields (owned)
    size_t body_len;
    size_t n;                               //  sealed fields, ascending
    sh_change_seal_t seals[SH_SEALS_MAX];   //  their commitments, for the change
    sh_seal_opening_t openings[SH_SEALS_MAX];   //  their openings (values point into mem_)
    void *mem_;                             //  owned
} sh_seal_split_t;

//  Split body[0..len) of kind: every occurrence of a personal field moves,
//  with a fresh random salt per field, into an opening; the rest is copied
//  in order. SH_EPROTO when the body is not a sequence of well-formed
//  protobuf fields (groups included), SH_ENOMEM. out is zeroed on failure.
SH_NODISCARD sh_err sh_seal_split (sh_kind_t kind, const uint8_t *body, size_t len, sh_seal_split_t *out);

//  Free what a split owns. Idempotent.
void sh_seal_split_fini (sh_seal_split_t *split);

//  Check the seals of change c against its kind's table: each sealed field
//  must be personal for the kind and must not also stand in clear in the
//  body. SH_EPROTO with a reason in why (a constant string) otherwise.
SH_NODISCARD sh_err sh_seal_check (const sh_change_t *c, const char **why);

//  The body of c with the openings given put back (each must open its
//  seal: SH_ECRYPTO otherwise; an opening of a field c does not seal:
//  SH_EPROTO), appended after the clear fields in ascending field order;
//  seals without an opening stay out. *out is a heap buffer the caller
//  frees (non-NULL even when empty).
SH_NODISCARD sh_err sh_seal_join (const sh_change_t *c, const sh_seal_opening_t *openings, size_t n,
                                  uint8_t **out, size_t *out_len);

#endif
