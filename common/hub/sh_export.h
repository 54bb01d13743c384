/*  sh_export -- a hub's self-contained, public export: the registry, every
    change, the equivocation evidence and every signed checkpoint, in one
    shouhe.v1.Export message (proto/shouhe/v1/export.proto; normative
    description in docs/protocol.md, "Exports and the auditor"). Written
    with SH_EXPORT_PERSONAL it also carries the openings of sealed fields
    the hub holds (docs/privacy.md 7): personal data.

    Writing (sh_export_write) reads the hub store in ONE read transaction,
    so the export is a consistent snapshot even while the hub serves, and
    streams it field by field to a FILE: only one registry entry, one
    change, one evidence record or one change's openings is in memory at
    a time (protobuf allows a repeated field's elements to be written one
    by one). It signs, with
    the hub key, a note over the registry (the "registry note") so that an
    auditor can tell the hub vouched for exactly these enrolment records:

        <origin> "\n" "registry" "\n" <count, decimal> "\n"
        base64(SHA-256 over, in key order, be32(len(e)) || e for each
               Enrollment's encoded bytes e) "\n"

    signed as a C2SP signed note under key name <origin> (sh_note), the
    same key and name as the hub's checkpoints.

    Reading (sh_export_load / sh_export_parse) keeps the file's bytes in
    one buffer and parses it strictly, without a second copy: every change,
    evidence side, checkpoint and registry entry is a (pointer, length) pair
    into that buffer, valid until sh_export_destroy. "Strictly" means: only
    the fields of export.proto, each with its wire type and a one-byte tag,
    in field-number order (the order every protobuf encoder writes them),
    each singular field exactly once, minimal varints, no length running
    past its end, version SH_EXPORT_VERSION, a hub key of 32 bytes, and
    every registry entry a canonical Enrollment (re-encoding gives its
    bytes back) with a 32-byte key, a 6-, 9- or 12-digit scope and a known
    role, and every opening an Opening of exactly its four fields in order
    (change and field within 32 bits, a 32-byte salt). Nothing is verified
    cryptographically: that is the auditor's job
    (audit/). A file that breaks the format gives SH_EPROTO and a static
    reason in *why.

    Tools that change an export on purpose (tests) read it into an
    editable sh_export_doc_t and write it back.

    Only this module includes export.pb-c.h (the tests aside). It includes
    sodium.h, as sh_note does, only for libsodium's base64 encoder. Its
    files: sh_export.c writes (exports and documents), sh_export_read.c
    reads (loads, accessors, documents); sh_export_int.h is what they share.

    Threading: a loaded export is immutable; read it from any thread.
*/
#ifndef SH_EXPORT_H
#define SH_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sh_crypto.h"
#include "sh_err.h"
#include "sh_hubid.h"
#include "sh_key.h"
#include "sh_registry.h"
#include "sh_seal.h"
#include "sh_store.h"

#define SH_EXPORT_VERSION 1
#define SH_EXPORT_MAX_BYTES ((uint64_t) 1 << 36)   //  64 GiB: the largest export read

//  Field numbers of shouhe.v1.Export (kept equal to export.proto by a unit test).
#define SH_EXPORT_F_VERSION       1
#define SH_EXPORT_F_ORIGIN        2
#define SH_EXPORT_F_HUB_KEY       3
#define SH_EXPORT_F_REGISTRY      4
#define SH_EXPORT_F_REGISTRY_NOTE 5
#define SH_EXPORT_F_CHANGES       6
#define SH_EXPORT_F_EVIDENCE      7
#define SH_EXPORT_F_CHECKPOINTS   8
#define SH_EXPORT_F_EPOCHS        9
#define SH_EXPORT_F_OPENINGS      10

//  Flags of sh_export_write.
#define SH_EXPORT_PERSONAL 1u     //  also the openings the hub holds (field 10): personal data

//  The line after the origin in a registry note.
#define SH_EXPORT_REGISTRY_WORD "registry"

//  What a write produced (counts of each repeated field, and bytes).
typedef struct {
    uint64_t registry;        //  Enrollment records
    uint64_t changes;         //  SignedChanges (log indexes 1..changes)
    uint64_t evidence;        //  Evidence records (one per equivocated (author, seq))
    uint64_t checkpoints;     //  signed checkpoint notes
    uint64_t openings;        //  Openings (SH_EXPORT_PERSONAL only)
    uint64_t tree_size;       //  the hub's Merkle tree size in the snapshot written
    uint64_t bytes;           //  total size of the export
} sh_export_stats_t;

//  A byte range inside a loaded export (borrowed; valid until destroy).
typedef struct {
    const uint8_t *data;      //  first byte
    size_t len;               //  length
} sh_export_bytes_t;

//  One registry entry: its bytes exactly as in the file, and decoded.
typedef struct {
    sh_export_bytes_t raw;            //  encoded Enrollment (what the registry note hashes)
    sh_registry_entry_t entry;        //  decoded
} sh_export_enrollment_t;

//  One Evidence record; sides point into the export.
typedef struct {
    uint8_t author[SH_PUBKEY_BYTES];  //  the equivocating author
    uint64_t seq;                     //  at this seq
    size_t n_sides;                   //  how many SignedChanges
    const sh_export_bytes_t *sides;   //  their bytes
} sh_export_evidence_t;

//  One Opening of a loaded export: the change it names and the opening
//  (salt copied, value pointing into the export).
typedef struct {
    uint32_t change;                  //  index in the export's changes (log index - 1); not checked
    sh_seal_opening_t opening;        //  field, salt, value
} sh_export_opening_t;

typedef struct sh_export_t sh_export_t;

/* --------------------------------------------------------------------------
 * Writing
 * -------------------------------------------------------------------------- */

//  Write the export of the hub store to out, in one read transaction of
//  store: the registry (Ed25519 entries, in key order, as stored), the
//  registry note signed now by hub (its key must be set) under key name
//  its origin, every LOG entry (the indexes must run 1..n without a gap:
//  else SH_ECORRUPT), every evidence record grouped by (author, seq),
//  every stored checkpoint by size, the epoch notes; with flags
//  SH_EXPORT_PERSONAL then the openings the store holds for the changes
//  (sh_openings_held; flags 0: none, the public export). The header names
//  hub's origin and public key. stats (may be NULL) receives the counts. out is
//  written with fwrite only (the caller opens, flushes, syncs and closes
//  it); a write error gives SH_ESYSERR | errno, and out then holds a
//  partial export the caller must discard. Store errors as sh_store.
SH_NODISCARD sh_err sh_export_write (FILE *out, sh_store_t *store, const sh_hubid_t *hub, unsigned flags,
                                     sh_export_stats_t *stats);

//  The public export (flags 0) as sh_export_write writes it, into *buf (heap, caller frees;
//  NULL on failure) of *len bytes: what an auditor fetches (15.8).
SH_NODISCARD sh_err sh_export_buffer (char **buf, size_t *len, sh_store_t *store, const sh_hubid_t *hub);

//  The registry note TEXT (unsigned) for count entries whose encoded bytes
//  hashed as above give digest: "<origin>\nregistry\n<count>\n<b64>\n".
//  Caller owns *out (free()); SH_ENOMEM.
SH_NODISCARD sh_err sh_export_registry_text (char **out, size_t *out_len, const char *origin,
                                             uint64_t count, const uint8_t digest[SH_HASH_BYTES]);

//  Incremental registry digest: init, add each entry's encoded bytes in key
//  order, final (which wipes the state).
void sh_export_registry_digest_init (sh_crypto_sha256_t *st);
void sh_export_registry_digest_add (sh_crypto_sha256_t *st, const uint8_t *enrollment, size_t len);

/* --------------------------------------------------------------------------
 * Reading
 * -------------------------------------------------------------------------- */

//  Read and parse the export file at path (at most SH_EXPORT_MAX_BYTES).
//  Caller owns *out (sh_export_destroy). SH_ENOTFOUND if there is no such
//  file, SH_ESYSERR | errno if it cannot be read, SH_EPROTO if it is not a
//  valid export (*why, may be NULL, gets a static reason), SH_ENOMEM.
//  *out is NULL on failure.
SH_NODISCARD sh_err sh_export_load (sh_export_t **out, const char *path, const char **why);

//  Parse an export held in memory. Takes ownership of *buf_p (a malloc'ed
//  buffer of len bytes) in every case and nulls it. As sh_export_load.
SH_NODISCARD sh_err sh_export_parse (sh_export_t **out, uint8_t **buf_p, size_t len,
                                     const char **why);

//  Destroy a loaded export. NULL-safe; nulls *self_p.
void sh_export_destroy (sh_export_t **self_p);

//  The fields. Every pointer is valid until sh_export_destroy.
uint32_t sh_export_version (const sh_export_t *self);
const char *sh_export_origin (const sh_export_t *self);                //  NUL-terminated copy
const uint8_t *sh_export_hub_key (const sh_export_t *self);            //  SH_PUBKEY_BYTES
size_t sh_export_registry_count (const sh_export_t *self);
const sh_export_enrollment_t *sh_export_registry (const sh_export_t *self, size_t i);
sh_export_bytes_t sh_export_registry_note (const sh_export_t *self);
size_t sh_export_change_count (const sh_export_t *self);
//  Change i (0-based) is the SignedChange at log index i + 1.
sh_export_bytes_t sh_export_change (const sh_export_t *self, size_t i);
size_t sh_export_evidence_count (const sh_export_t *self);
const sh_export_evidence_t *sh_export_evidence (const sh_export_t *self, size_t i);
size_t sh_export_checkpoint_count (const sh_export_t *self);
sh_export_bytes_t sh_export_checkpoint (const sh_export_t *self, size_t i);
//  The hub's epoch notes (sh_epoch), oldest first: each says the hub gave
//  a lost tail of its log up (docs/protocol.md 13.19).
size_t sh_export_epoch_count (const sh_export_t *self);
sh_export_bytes_t sh_export_epoch (const sh_export_t *self, size_t i);
//  The openings (field 10), in the file's order; none in a public export.
size_t sh_export_opening_count (const sh_export_t *self);
const sh_export_opening_t *sh_export_opening (const sh_export_t *self, size_t i);

/* --------------------------------------------------------------------------
 * Editing (tools and tests: an export changed on purpose)
 * -------------------------------------------------------------------------- */

//  A byte string that an export document owns.
typedef struct {
    uint8_t *data;            //  malloc'ed (NULL only when len is 0)
    size_t len;               //  its length
} sh_export_blob_t;

//  One Evidence record of a document.
typedef struct {
    uint8_t author[SH_PUBKEY_BYTES];  //  the equivocating author
    uint64_t seq;                     //  at this seq
    sh_export_blob_t *sides;          //  SignedChange bytes (malloc'ed array)
    size_t n_sides;                   //  how many
} sh_export_doc_evidence_t;

//  One Opening of a document.
typedef struct {
    uint32_t change;                      //  Opening.change
    uint32_t field;                       //  Opening.field
    uint8_t salt[SH_SEAL_SALT_BYTES];     //  Opening.salt
    sh_export_blob_t value;               //  Opening.value
} sh_export_doc_opening_t;

//  An export as plain data to edit: every part of the file, copied out.
//  The document owns everything it points to, each array and each blob's
//  data a block of its own from malloc: a caller may change bytes in
//  place, replace a blob (freeing the old data), and drop, move or append
//  entries (realloc the array), as long as what is left is owned the same
//  way. Nothing is checked when it is written: that is the point.
typedef struct {
    uint32_t version;                     //  Export.version
    char *origin;                         //  Export.origin, NUL-terminated
    uint8_t hub_key[SH_PUBKEY_BYTES];     //  Export.hub_key
    sh_export_blob_t *registry;           //  encoded Enrollment records
    size_t n_registry;
    sh_export_blob_t registry_note;       //  Export.registry_note (text, no NUL)
    sh_export_blob_t *changes;            //  SignedChange bytes of log indexes 1, 2, ...
    size_t n_changes;
    sh_export_doc_evidence_t *evidence;   //  Export.evidence
    size_t n_evidence;
    sh_export_blob_t *checkpoints;        //  signed checkpoint notes (text, no NUL)
    size_t n_checkpoints;
    sh_export_blob_t *epochs;             //  epoch notes (text, no NUL)
    size_t n_epochs;
    sh_export_doc_opening_t *openings;    //  Export.openings
    size_t n_openings;
} sh_export_doc_t;

//  Read the export file at path (as sh_export_load, with its checks and
//  errors) into *doc. On SH_OK doc owns its parts (sh_export_doc_fini);
//  on failure *doc is empty and needs no fini.
SH_NODISCARD sh_err sh_export_doc_load (sh_export_doc_t *doc, const char *path, const char **why);

//  Write doc to out as one shouhe.v1.Export message: its fields in field
//  number order, encoded as sh_export_write and protobuf-c encode them, so
//  a loaded document written back unchanged is the same file. Like
//  sh_export_write, out is written with fwrite only; SH_ESYSERR | errno
//  if a write fails.
SH_NODISCARD sh_err sh_export_doc_write (FILE *out, const sh_export_doc_t *doc);

//  Free everything doc owns and empty it. Idempotent.
void sh_export_doc_fini (sh_export_doc_t *doc);

#endif
