/*  sh_cosig -- C2SP cosignatures: witnesses' and mirrors' statements about
    the hub's checkpoints (c2sp.org/tlog-cosignature, the Ed25519
    "cosignature/v1" type).

    A cosignature is one more signature line on a signed checkpoint note
    (sh_note.h):

        "— " <cosigner name> " " base64(key ID || timestamp || signature) "\n"

    key ID    = SHA-256(name || 0x0A || 0x04 || 32-byte Ed25519 public key)[:4]
    timestamp = the POSIX time of the cosignature, u64 big-endian, < 2^63
    signature = Ed25519 over the signed message
                "cosignature/v1\n" "time " <timestamp, decimal> "\n" <note text>
    where the note text is the checkpoint's whole text, final "\n" included,
    no signature line. The name is a schema-less URL-like string (a key
    name: no space, no '+'), e.g. "changshou/500115108/witness".

    A cosignature says: as of that time, the consistent tree with the
    largest size the cosigner has seen for the log of this origin has this
    root. A mirror's cosignature (c2sp.org/tlog-mirror) is the same line by
    a key of its own; what it states more (every leaf is held) is the
    mirror's promise, not a different format.

    A WITNESS as configured is written "NAME=HEXKEY" (64 hex digits of the
    Ed25519 public key) everywhere one is named.

    Errors as in sh_note: bytes from the world give SH_EPROTO; text we are
    asked to produce or configure with gives SH_EINVAL; a cosignature line
    of the witness that does not verify gives SH_ECRYPTO; none at all gives
    SH_ENOTFOUND. Stateless and thread-safe.
*/
#ifndef SH_COSIG_H
#define SH_COSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sh_crypto.h"
#include "sh_err.h"
#include "sh_key.h"
#include "sh_note.h"

#define SH_COSIG_ALG_ED25519 0x04                 //  the key ID's algorithm byte
#define SH_COSIG_BYTES       (SH_NOTE_KEYID_BYTES + 8 + SH_SIG_BYTES)   //  key ID || time || sig
#define SH_COSIG_TIME_MAX    ((uint64_t) INT64_MAX)   //  timestamps stay below 2^63
//  Longest "NAME=HEXKEY" with its NUL.
#define SH_COSIG_WITNESS_MAX (SH_NOTE_NAME_MAX + 1 + 2 * SH_PUBKEY_BYTES + 1)

//  A cosigner as configured: plain data.
typedef struct {
    char name[SH_NOTE_NAME_MAX + 1];    //  cosigner name (a valid key name)
    uint32_t key_id;                    //  sh_cosig_key_id (name, pubkey)
    uint8_t pubkey[SH_PUBKEY_BYTES];    //  Ed25519 public key
} sh_cosig_witness_t;

//  The cosignature/v1 key ID of (name, pubkey); name must be a valid key
//  name (assert).
uint32_t sh_cosig_key_id (const char *name, const uint8_t pubkey[SH_PUBKEY_BYTES]);

//  Fill *out for name and pubkey. SH_EINVAL if name is not a valid key name.
SH_NODISCARD sh_err sh_cosig_witness_init (sh_cosig_witness_t *out, const char *name,
                                           const uint8_t pubkey[SH_PUBKEY_BYTES]);

//  Parse "NAME=HEXKEY" (64 hex digits, either case; the name is everything
//  before the last '='). SH_EINVAL with a sentence in why (why_len bytes,
//  why may be NULL) naming what is wrong.
SH_NODISCARD sh_err sh_cosig_witness_parse (sh_cosig_witness_t *out, const char *text,
                                            char *why, size_t why_len);

//  "NAME=HEXKEY" of w into out.
void sh_cosig_witness_format (const sh_cosig_witness_t *w, char out[SH_COSIG_WITNESS_MAX]);

//  The cosignature line (em dash, name, base64, final "\n") of key under
//  name over the checkpoint note text text[0..text_len) at timestamp, into
//  *line, a NUL-terminated heap string of *line_len bytes (may be NULL);
//  caller frees. SH_EINVAL if name is not a valid key name, the text is not
//  a note text ending in "\n", or timestamp > SH_COSIG_TIME_MAX; SH_ENOMEM.
SH_NODISCARD sh_err sh_cosig_sign (char **line, size_t *line_len, const char *text, size_t text_len,
                                   const sh_key_t *key, const char *name, uint64_t timestamp);

//  Check w's cosignature on a parsed note: every signature line with w's
//  name and key ID must be SH_COSIG_BYTES long, carry a timestamp below
//  2^63 and verify. SH_OK (the newest timestamp in *timestamp, may be
//  NULL), SH_ECRYPTO if one does not, SH_ENOTFOUND if there is none.
SH_NODISCARD sh_err sh_cosig_verify (const sh_note_t *note, const sh_cosig_witness_t *w, uint64_t *timestamp);

//  Is line[0..line_len) -- one signature line -- w's valid cosignature of
//  the checkpoint whose note text is text[0..text_len)? SH_OK (its time in
//  *timestamp, may be NULL); SH_EPROTO if it is not one well-formed line;
//  SH_ECRYPTO if it is another cosigner's (name or key ID) or does not
//  verify.
SH_NODISCARD sh_err sh_cosig_verify_line (const char *text, size_t text_len, const char *line, size_t line_len,
                                          const sh_cosig_witness_t *w, uint64_t *timestamp);

//  How many of the n witnesses w[] cosigned the note validly; for each
//  witness, ok[i] (may be NULL) says whether it did. Lines of unknown
//  cosigners are ignored; a witness named twice in w counts once.
size_t sh_cosig_count (const sh_note_t *note, const sh_cosig_witness_t *w, size_t n, bool *ok);

//  The signed note note[0..note_len) with the signature line line[0..
//  line_len) added after its own lines, into *out (NUL-terminated heap
//  string, caller frees), unless a line with the same name and key ID is
//  there already: then that line is replaced (a newer cosignature of the
//  same cosigner). SH_EPROTO if note or line is malformed, SH_EINVAL if
//  the result would exceed SH_NOTE_MAX_BYTES or SH_NOTE_MAX_SIGS lines,
//  SH_ENOMEM.
SH_NODISCARD sh_err sh_cosig_add (char **out, size_t *out_len, const char *note, size_t note_len,
                                  const char *line, size_t line_len);

#endif
