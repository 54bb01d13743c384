/*  sh_note -- C2SP signed notes and tlog checkpoints: the hub's signed tree
    heads (DESIGN.md section 3, "Transparency log").

    Normative texts: c2sp.org/signed-note and c2sp.org/tlog-checkpoint. The
    encoding is byte-for-byte that of golang.org/x/mod/sumdb/note, so Go's
    tooling (and sum.golang.org's own checkpoints) interoperate with ours.

    A SIGNED NOTE is a text, a blank line, and one or more signature lines:

        <text: one or more lines, each ending in "\n">
        "\n"
        "— " <key name> " " base64(key ID || signature) "\n"     (1..SH_NOTE_MAX_SIGS)

    where "—" is the em dash U+2014 (bytes E2 80 94) and base64 is RFC 4648
    section 4, padded (we also demand the canonical form: zero pad bits).
    The whole note is valid UTF-8 with no control character (below U+0020)
    other than "\n". The note TEXT is everything before the LAST blank line,
    its final "\n" included; it may itself contain blank lines. Key names
    are non-empty, hold no Unicode space and no '+'. The key ID is 4 bytes,
    big-endian on the wire; for Ed25519 (signature type 0x01, the only type
    this module signs or verifies) it is
        key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4]
    and the signature is Ed25519 (RFC 8032) over the note text bytes.
    Signature lines of other keys or other algorithms are parsed (they must
    be well-formed) and otherwise ignored, as the spec requires.

    A CHECKPOINT (tlog-checkpoint) is a signed note whose text is

        <origin> "\n"                 non-empty (spaces allowed, e.g. "go.sum database tree")
        <tree size> "\n"              ASCII decimal, no leading zero ("0" = empty tree)
        base64(root hash) "\n"        the RFC 6962 root: exactly SH_HASH_BYTES bytes
        [<extension line> "\n"]...    optional, opaque, each non-empty

    A VERIFIER KEY ("vkey", as written by golang.org/x/mod/sumdb/note) is
        <key name> "+" <8 hex digits of the key ID> "+" base64(0x01 || public key)
    e.g. "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8".
    It is what a node or an auditor is configured with to trust the hub.

    Errors: bytes from the world (a note, a checkpoint) that break the format
    give SH_EPROTO; text we are asked to produce or configure with (a key
    name, an origin, a vkey string, a note text to sign) gives SH_EINVAL.
    A signature by the given key that does not verify gives SH_ECRYPTO; no
    signature by that key at all gives SH_ENOTFOUND. NULL where a pointer is
    required is a bug (assert).

    Limits (chosen here; the spec asks for at least 16 signatures and warns
    that post-quantum signatures reach nearly 5 kB): see the constants.

    Threading: every function is stateless; a parsed sh_note_t is immutable
    and may be read from several threads at once.
*/
#ifndef SH_NOTE_H
#define SH_NOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sh_crypto.h"
#include "sh_err.h"
#include "sh_key.h"

#define SH_NOTE_KEYID_BYTES   4                 //  key ID in a signature line
#define SH_NOTE_NAME_MAX      255               //  longest key name / origin, in bytes
#define SH_NOTE_MAX_BYTES     (256 * 1024)      //  longest signed note (or note text)
#define SH_NOTE_MAX_SIGS      100               //  most signature lines (as Go's note.Open)
#define SH_NOTE_SIG_MAX_BYTES 8192              //  longest decoded key ID || signature
#define SH_NOTE_ALG_ED25519   0x01              //  signature type byte of Ed25519

//  Longest vkey text with its NUL: name "+" 8 hex "+" base64 of 33 bytes (44).
#define SH_NOTE_VKEY_MAX (SH_NOTE_NAME_MAX + 1 + 8 + 1 + 44 + 1)


//  --------------------------------------------------------------------------
//  Key names, key IDs and verifier keys

//  A verifier key: plain data (copy it freely).
typedef struct {
    char name[SH_NOTE_NAME_MAX + 1];    //  key name, NUL-terminated
    uint32_t key_id;                    //  SHA-256(name || 0x0A || 0x01 || pubkey)[:4], big-endian
    uint8_t pubkey[SH_PUBKEY_BYTES];    //  Ed25519 public key
} sh_note_vkey_t;

//  True when name (NUL-terminated) is a valid key name: 1..SH_NOTE_NAME_MAX
//  bytes of valid UTF-8, no control character, no Unicode space, no '+'.
bool sh_note_name_valid (const char *name);

//  The Ed25519 key ID of (name, pubkey), as a big-endian number (the vkey's
//  hex digits). name must be valid (assert).
uint32_t sh_note_key_id (const char *name, const uint8_t pubkey[SH_PUBKEY_BYTES]);

//  The same key ID with another signature type byte alg in place of 0x01
//  (C2SP's cosignature/v1 uses 0x04: sh_cosig).
uint32_t sh_note_key_id_alg (const char *name, uint8_t alg, const uint8_t pubkey[SH_PUBKEY_BYTES]);

//  Fill *out for key name and Ed25519 public key (computes the key ID).
//  SH_EINVAL if name is not a valid key name (out is then zeroed).
SH_NODISCARD sh_err sh_note_vkey_init (sh_note_vkey_t *out, const char *name,
                                       const uint8_t pubkey[SH_PUBKEY_BYTES]);

//  Write the vkey text "<name>+<hex key ID>+<base64(0x01 || pubkey)>" into
//  out (NUL-terminated, lower-case hex). vkey must be valid (from
//  sh_note_vkey_init or sh_note_vkey_parse).
void sh_note_vkey_format (const sh_note_vkey_t *vkey, char out[SH_NOTE_VKEY_MAX]);

//  Parse a vkey text (NUL-terminated, nothing before or after it). The hex
//  key ID may be in either case; the key must be of type 0x01 (Ed25519),
//  exactly 32 bytes, and the key ID must match name and key. SH_EINVAL
//  otherwise (out is then zeroed).
SH_NODISCARD sh_err sh_note_vkey_parse (sh_note_vkey_t *out, const char *text);


//  --------------------------------------------------------------------------
//  Signing

//  Sign text[0..text_len) with key under key name and return the signed
//  note in *out: text, "\n", one signature line. *out is a NUL-terminated
//  heap string of *out_len bytes (out_len may be NULL); Caller owns it and
//  frees it with free(). text must be a valid note text: non-empty, ending
//  in "\n", valid UTF-8 with no control character but "\n", and the signed
//  note must fit SH_NOTE_MAX_BYTES; name must be a valid key name.
//  SH_EINVAL if not, SH_ENOMEM; *out is NULL on any failure.
SH_NODISCARD sh_err sh_note_sign (char **out, size_t *out_len,
                                  const char *text, size_t text_len,
                                  const sh_key_t *key, const char *name);


//  --------------------------------------------------------------------------
//  Parsing and verifying

typedef struct sh_note_t sh_note_t;

//  One signature line of a parsed note; everything is borrowed from the
//  note and valid until sh_note_destroy.
typedef struct {
    const char *name;       //  key name, NUL-terminated
    uint32_t key_id;        //  key ID (first 4 bytes, big-endian)
    const uint8_t *sig;     //  the signature bytes after the key ID
    size_t sig_len;         //  their count (>= 1; 64 for Ed25519)
} sh_note_sig_t;

//  Parse a signed note msg[0..len) (need not be NUL-terminated; it is
//  copied). Checks the whole syntax: size <= SH_NOTE_MAX_BYTES, UTF-8, no
//  control character but "\n" (so no CR, no NUL), a blank line, 1..
//  SH_NOTE_MAX_SIGS signature lines each with the em dash, a valid key name,
//  canonical base64 of SH_NOTE_KEYID_BYTES + 1 .. SH_NOTE_SIG_MAX_BYTES
//  bytes, a final "\n". Verifies nothing. Caller owns *out (destroy with
//  sh_note_destroy). SH_EPROTO if malformed, SH_ENOMEM; *out is NULL on
//  failure.
SH_NODISCARD sh_err sh_note_parse (sh_note_t **out, const char *msg, size_t len);

//  Destroy a parsed note. NULL-safe; nulls *self_p.
void sh_note_destroy (sh_note_t **self_p);

//  The note text (NUL-terminated; its final "\n" included; *len may be
//  NULL). Valid until sh_note_destroy. WARNING: the text MUST NOT be acted
//  upon before sh_note_verify has returned SH_OK for a trusted key.
const char *sh_note_text (const sh_note_t *self, size_t *len);

//  Number of signature lines (1..SH_NOTE_MAX_SIGS), duplicates included.
size_t sh_note_sig_count (const sh_note_t *self);

//  Signature line i (< sh_note_sig_count, else assert), in note order.
const sh_note_sig_t *sh_note_sig (const sh_note_t *self, size_t i);

//  Verify the note against one trusted key. Every signature line whose name
//  AND key ID both equal vkey's is checked (lines of other keys are ignored,
//  even if they share one of the two). SH_OK if there is at least one and
//  all of them verify; SH_ECRYPTO if any of them does not (a wrong length
//  counts as not verifying); SH_ENOTFOUND if there is none.
SH_NODISCARD sh_err sh_note_verify (const sh_note_t *self, const sh_note_vkey_t *vkey);


//  --------------------------------------------------------------------------
//  Checkpoints

//  A parsed checkpoint: plain data. ext borrows from the text it was parsed
//  from and is valid as long as that text.
typedef struct {
    char origin[SH_NOTE_NAME_MAX + 1];  //  log origin, NUL-terminated
    uint64_t size;                      //  tree size (number of leaves)
    uint8_t root[SH_HASH_BYTES];        //  RFC 6962 root hash
    const char *ext;                    //  extension lines (each ends in "\n"), NULL if none
    size_t ext_len;                     //  their total length, 0 if none
} sh_note_checkpoint_t;

//  Build the checkpoint text (the note text to sign) for origin, tree size
//  and root; ext is NULL or "" for none, else extension lines each non-empty
//  and ending in "\n" (not recommended by the spec: monitors cannot audit
//  them). *out is a NUL-terminated heap string of *out_len bytes (out_len
//  may be NULL); Caller owns it and frees it with free(). SH_EINVAL if
//  origin is empty, longer than SH_NOTE_NAME_MAX, not UTF-8 or holds a
//  control character, or if ext is malformed; SH_ENOMEM. *out is NULL on
//  failure. The spec recommends an origin like a schema-less URL
//  ("shouhe.example/district/500115"), and the key name equal to it.
SH_NODISCARD sh_err sh_note_checkpoint_format (char **out, size_t *out_len,
                                               const char *origin, uint64_t size,
                                               const uint8_t root[SH_HASH_BYTES],
                                               const char *ext);

//  Parse a checkpoint TEXT text[0..len) (a note text, e.g. sh_note_text of
//  a verified note) strictly: an origin line (1..SH_NOTE_NAME_MAX bytes), a
//  size line (decimal, no sign, no leading zero, fits 64 bits), a root line
//  (canonical padded base64 of exactly SH_HASH_BYTES bytes), then only
//  non-empty extension lines, everything UTF-8 without control characters
//  but "\n", ending in "\n". SH_EPROTO otherwise; *out is then zeroed.
SH_NODISCARD sh_err sh_note_checkpoint_parse (sh_note_checkpoint_t *out,
                                              const char *text, size_t len);

//  The one call for a node or an auditor: parse the signed note msg[0..len),
//  verify it against vkey (as sh_note_verify), then parse its text as a
//  checkpoint and, if origin is not NULL, require that origin. Allocates
//  nothing; out->ext borrows from msg. SH_EPROTO (malformed note or
//  checkpoint, or another origin), SH_ECRYPTO, SH_ENOTFOUND; *out is zeroed
//  on failure.
SH_NODISCARD sh_err sh_note_checkpoint_open (sh_note_checkpoint_t *out,
                                             const char *msg, size_t len,
                                             const sh_note_vkey_t *vkey,
                                             const char *origin);

#endif
