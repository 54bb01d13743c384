/*  audit -- shouhe-audit, the independent auditor of a hub's export
    (docs/protocol.md, "Exports and the auditor").

    The auditor trusts nothing but the hub's public key (given with
    --hub-key, or taken from the export when it is not, which the CLI
    says). From an export alone (sh_export) it re-checks every signature,
    every author chain, every change against its author's enrolment, the
    registry note, the equivocation evidence, and recomputes the Merkle
    tree to check every signed checkpoint against it.

    audit_tree_* are pure Merkle helpers over an array of leaf hashes
    (RFC 9162, as sh_merkle, which computes the same from the hub's store):
    an incremental root and proof construction. audit_verify runs every
    check and collects every fault (it never stops at the first).

    Threading: everything here is single-threaded, plain data.
*/
#ifndef AUDIT_H
#define AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sh_cosig.h"
#include "sh_crypto.h"
#include "sh_err.h"
#include "sh_exit.h"
#include "sh_epoch.h"
#include "sh_export.h"
#include "sh_hubid.h"
#include "sh_note.h"

/* --------------------------------------------------------------------------
 * Merkle tree over leaf hashes (audit_tree.c)
 * -------------------------------------------------------------------------- */

//  An RFC 9162 tree grown one leaf hash at a time, keeping only the compact
//  range (one perfect subtree per set bit of the size). Plain data, by value.
typedef struct {
    uint8_t stack[64][SH_HASH_BYTES];   //  perfect subtrees, largest (leftmost) first
    size_t depth;                       //  how many
    uint64_t size;                      //  leaves added
} audit_tree_t;

void audit_tree_init (audit_tree_t *self);

//  Add the next leaf (its leaf hash, sh_merkle_leaf_hash).
void audit_tree_add (audit_tree_t *self, const uint8_t leaf_hash[SH_HASH_BYTES]);

//  The root of the leaves added so far (SHA-256("") for none).
void audit_tree_root (const audit_tree_t *self, uint8_t root[SH_HASH_BYTES]);

//  PATH(index, D[size]) of RFC 9162 2.1.3.1 over leaves[0 .. size - 1],
//  bottom-up as sh_merkle_inclusion. SH_EINVAL if index >= size or the
//  proof needs more than max hashes. O(size) hashing.
SH_NODISCARD sh_err audit_tree_inclusion (const uint8_t (*leaves)[SH_HASH_BYTES], uint64_t size,
                                          uint64_t index, uint8_t (*proof)[SH_HASH_BYTES],
                                          size_t max, size_t *n);

//  PROOF(old_size, D[new_size]) of RFC 9162 2.1.4.1 over leaves[0 ..
//  new_size - 1] (empty when old_size is 0 or new_size). SH_EINVAL if
//  old_size > new_size or the proof needs more than max hashes.
SH_NODISCARD sh_err audit_tree_consistency (const uint8_t (*leaves)[SH_HASH_BYTES],
                                            uint64_t old_size, uint64_t new_size,
                                            uint8_t (*proof)[SH_HASH_BYTES], size_t max, size_t *n);

/* --------------------------------------------------------------------------
 * Verification (audit_verify.c)
 * -------------------------------------------------------------------------- */

//  Fault kinds; audit_fault_name gives the name printed and in JSON.
typedef enum {
    AUDIT_F_EXPORT = 0,           //  "export": the file is not a valid export (nothing else checked)
    AUDIT_F_HUB_KEY,              //  "hub-key": the export's hub_key is not the trusted --hub-key
    AUDIT_F_ORIGIN,               //  "origin": the origin is not the hub key's origin
    AUDIT_F_REGISTRY,             //  "registry": key order, or the registry note
    AUDIT_F_MALFORMED,            //  "malformed": a change that does not decode
    AUDIT_F_SIGNATURE,            //  "signature": a change whose signature does not verify
    AUDIT_F_CHAIN,                //  "chain": gap, fork (wrong prev) or reorder in an author chain
    AUDIT_F_UNKNOWN_AUTHOR,       //  "unknown-author": author not in the registry
    AUDIT_F_ROLE,                 //  "role": a change by an auditor key
    AUDIT_F_SCOPE,                //  "scope": region outside the author's scope
    AUDIT_F_BODY,                 //  "body": a PUT or EVENT body that is not a valid record of its kind
    AUDIT_F_BEFORE_ENROLMENT,     //  "before-enrolment": HLC time before enrolled_ms
    AUDIT_F_REVOKED,              //  "revoked": HLC time at or after revoked_ms
    AUDIT_F_EVIDENCE,             //  "evidence": an evidence record that proves nothing
    AUDIT_F_CHECKPOINT_SIGNATURE, //  "checkpoint-signature": not validly signed by the hub key
    AUDIT_F_CHECKPOINT_ORDER,     //  "checkpoint-order": sizes not strictly increasing
    AUDIT_F_CHECKPOINT_ROOT,      //  "checkpoint-root": size or root disagrees with the changes
    AUDIT_F_EPOCH,                //  "epoch": an epoch note not signed, out of order, or not of this tree
    AUDIT_F_QUORUM,               //  "quorum": no verified checkpoint carries the witnesses' quorum
    AUDIT_F_OPENING,              //  "opening": an opening that does not open a seal of the change it names
    AUDIT_F_FORK,                 //  "fork": the export's first N changes are not the tree of the --since checkpoint
    AUDIT_F_COUNT
} audit_fault_kind_t;

#define AUDIT_MESSAGE_BYTES 512
#define AUDIT_WITNESSES_MAX 64            //  most --witness options

typedef struct {
    audit_fault_kind_t kind;              //  what
    bool has_author;                      //  author is set (for a change that does not open: the one it names)
    uint8_t author[SH_PUBKEY_BYTES];      //  the author (or registry key) concerned
    uint64_t seq;                         //  its seq, 0 if none
    uint64_t index;                       //  log index, 0 if none (a checkpoint's: its size)
    uint64_t checkpoint;                  //  1-based checkpoint number, 0 if none
    uint64_t evidence;                    //  1-based evidence number, 0 if none
    bool has_field;                       //  field is set (an opening's fault)
    uint32_t field;                       //  the sealed field's number
    char where[128];                      //  "log index 5 (author 1a2b…, seq 3)", "checkpoint 2 (size 40)" ...
    char message[AUDIT_MESSAGE_BYTES];    //  what is wrong, in the user's language (English for --json)
} audit_fault_t;

typedef struct {
    audit_fault_t *faults;                //  every fault, in the order found (owned)
    size_t n_faults;                      //  how many
    size_t cap_faults;                    //  allocated
    bool hub_key_given;                   //  checked against a key given by the caller
    uint8_t hub_key[SH_PUBKEY_BYTES];     //  the key trusted
    uint64_t registry;                    //  registry entries
    uint64_t changes;                     //  changes in the export
    uint64_t authors;                     //  distinct authors among the changes that opened
    uint64_t checkpoints;                 //  checkpoints in the export
    uint64_t checkpoints_ok;              //  of which verified (signature, size and root)
    uint64_t covered;                     //  size of the largest verified checkpoint
    uint8_t covered_root[SH_HASH_BYTES];  //  its root
    size_t covered_number;                //  its 1-based number in the export (0: none verified)
    uint64_t since;                       //  --since: the size of the checkpoint trusted before (0: a full verify)
    uint64_t changes_verified;            //  changes judged: log indexes since + 1 .. changes
    uint64_t checkpoints_old;             //  --since: checkpoints below its size, matched by root only
    uint64_t evidence;                    //  evidence records
    uint64_t evidence_ok;                 //  of which proven equivocations
    uint64_t openings;                    //  openings in the export (an export --with-personal)
    uint64_t openings_ok;                 //  of which pass check 20: in order, opening a seal of their change
    sh_epoch_t *epochs;                   //  the epochs that verified (owned)
    size_t n_epochs;                      //  how many
    //  witnesses (docs/protocol.md 16), when the caller names them
    size_t quorum;                        //  cosignatures required (0: no witness named)
    uint64_t witnessed;                   //  size of the largest verified checkpoint with the quorum (0: none)
    bool latest_cosigned[AUDIT_WITNESSES_MAX]; //  per named witness: cosigned the latest verified checkpoint
} audit_report_t;

//  The witnesses the auditor requires (--witness NAME=HEX ... --quorum K):
//  plain data, borrowed by audit_verify.
typedef struct {
    const sh_cosig_witness_t *w;          //  the named witnesses
    size_t n;                             //  how many (<= AUDIT_WITNESSES_MAX)
    size_t quorum;                        //  valid cosignatures a checkpoint needs (1..n)
} audit_quorum_t;

//  A checkpoint an earlier audit verified (--since FILE): its size and
//  root, opened by the caller with the trusted key. Plain data.
typedef struct {
    uint64_t size;                        //  tree size (one above the export's changes is a fork)
    uint8_t root[SH_HASH_BYTES];          //  its root
} audit_since_t;

//  Run every check on ex. trusted: the hub to trust (sh_hubid_init_hex of
//  --hub-key), or NULL to trust the export's own key (rep->hub_key_given
//  says which). quorum: the witnesses required, or NULL: then checkpoints
//  are checked as the hub signed them only; else the largest verified
//  checkpoint carrying quorum->quorum valid cosignatures of the named
//  witnesses is rep->witnessed, and none at all is a "quorum" fault.
//  since: NULL for a full audit; else the incremental one (docs/protocol.md
//  15.4.1; since->size at most the export's changes, which the caller
//  checks first): the root of the export's first since->size changes must be
//  since->root (else one "fork" fault, and nothing after the registry is
//  checked), those changes are only hashed and, back from the boundary as
//  far as the new changes' authors need, decoded (their chain heads);
//  every check runs on the changes after them, on the checkpoints of at
//  least that size, the evidence, the epoch notes and the openings;
//  checkpoints below it are matched against the tree by root only. Fills
//  *rep (finalise with audit_report_fini); the export passes when
//  rep->n_faults == 0. Returns SH_ENOMEM only; every finding is a fault.
SH_NODISCARD sh_err audit_verify (const sh_export_t *ex, const sh_hubid_t *trusted,
                                  const audit_quorum_t *quorum, const audit_since_t *since,
                                  audit_report_t *rep);

//  Record a fault of the whole export (e.g. one that does not parse).
SH_NODISCARD sh_err audit_report_add (audit_report_t *rep, audit_fault_kind_t kind,
                                      const char *where, const char *message);

//  A new, zeroed fault of kind at the end of rep's list, for the caller to
//  fill (valid until the next fault is added); NULL when out of memory.
audit_fault_t *audit_report_new (audit_report_t *rep, audit_fault_kind_t kind);

//  Format f's message (printf-like).
void audit_fault_message (audit_fault_t *f, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

void audit_report_fini (audit_report_t *rep);

const char *audit_fault_name (audit_fault_kind_t kind);

//  --json output is read by programs: its sentences (a fault's where and
//  message, the reasons from sh_change, sh_record, sh_strerror ...) are
//  the English ones whatever the user's language. audit_english (true)
//  makes every _() English (LC_MESSAGES "C", which also overrides
//  LANGUAGE) until audit_english (false) restores the user's language.
//  Not thread-safe (setlocale); the auditor is single-threaded.
void audit_english (bool on);

//  The leaf hash of every change of ex (ex's change count of them). Caller
//  owns the array (free()); SH_ENOMEM.
SH_NODISCARD sh_err audit_leaf_hashes (const sh_export_t *ex, uint8_t (**out)[SH_HASH_BYTES]);

//  Check the openings of an export --with-personal (audit_openings.c):
//  in log order, each change's by field, once each; each naming a change
//  of the export, one of its seals, and opening that seal's commitment
//  (sh_seal_verify, as a replica checks what it keeps). Counts into
//  rep->openings and rep->openings_ok, faults "opening" into rep. An
//  incremental audit checks them all too: the tree does not cover them.
SH_NODISCARD sh_err audit_openings (const sh_export_t *ex, audit_report_t *rep);

//  Check the export's checkpoints (audit_checkpoints.c, checks 16..18 and
//  the quorum): each signed by hub, sizes increasing, each the root of the
//  export's first size leaves; the largest verified is rep->covered.
//  Checkpoints smaller than since (an incremental audit's old part; 0 for
//  none) are parsed without their signature and matched by root only
//  (rep->checkpoints_old); one whose root differs is judged in full.
SH_NODISCARD sh_err audit_checkpoints (const sh_export_t *ex, const sh_hubid_t *hub,
                                       const uint8_t (*leaves)[SH_HASH_BYTES], const audit_quorum_t *quorum,
                                       uint64_t since, audit_report_t *rep);

//  Check the export's epoch notes (audit_checkpoints.c): each signed by hub,
//  numbered 2, 3, ..., its base root the root of the export's first base
//  leaves; faults into rep, the epochs that open into rep->epochs.
SH_NODISCARD sh_err audit_epochs (const sh_export_t *ex, const sh_hubid_t *hub,
                                  const uint8_t (*leaves)[SH_HASH_BYTES], audit_report_t *rep);

//  "1a2b3c4d5e6f7081…": the first 8 bytes of key in hex and U+2026, as
//  docs/protocol.md 10.
void audit_short (char out[SH_HEX_BYTES (8) + 3], const uint8_t *key);

//  Checkpoint files (audit_since.c): --since FILE, --save-checkpoint FILE
//  and the checkpoints of `consistency`. Each returns an exit code and
//  says on stderr what failed.

//  Read a whole small file (at most max bytes) into *out (NUL-terminated,
//  caller frees), its length into *len. SH_EXIT_OK; SH_EXIT_STORE when it
//  cannot be read; SH_EXIT_REFUSED when it is larger than max.
int audit_read_small (const char *path, size_t max, char **out, size_t *len);

//  Read the checkpoint note at path and open it with hub into *cp (its
//  ext borrows from *text, which the caller frees). SH_EXIT_OK;
//  SH_EXIT_REFUSED with the cause (no signature by the hub key, a
//  signature that does not verify, malformed or of another origin, too
//  large); SH_EXIT_STORE when it cannot be read.
int audit_open_checkpoint (const char *path, const sh_hubid_t *hub, sh_note_checkpoint_t *cp, char **text);

//  Write checkpoint number rep->covered_number of ex (the newest verified,
//  as the export holds it) to path atomically (path.tmp, fsync, rename
//  over path; mode 0644: it is public). Only for an export that verified
//  (rep->n_faults == 0) with a verified checkpoint, else nothing is written
//  and stderr says why (SH_EXIT_OK: the exit code stays verify's).
//  SH_EXIT_OK, or SH_EXIT_STORE when path cannot be written (SH_EXIT_FULL
//  when its disk is full); stderr names path and the cause, and no
//  path.tmp is left behind.
int audit_since_save (const char *path, const sh_export_t *ex, const audit_report_t *rep);

//  `shouhe-audit consistency EXPORT --hub-key HEX PATH...` (audit_held.c):
//  every checkpoint held in each PATH (a node directory's receipts, or a
//  file with one checkpoint note) is a checkpoint of the export's tree, or
//  was given up by an epoch. Returns the exit code (0, 1 a fault, 3).
int audit_held (const sh_export_t *ex, const sh_hubid_t *hub, char *const *paths, size_t n);

//  `shouhe-audit receipts NODE_DIR --hub-key HEX [--json]` (audit_receipts.c):
//  prints each fault, the node's own changes no receipt covers (seq
//  ranges) and a summary (json: one JSON object instead); returns the exit
//  code (0 all hold and every change is covered, 1 a fault, an uncovered
//  change or a node that never synced, 2 bad arguments, 3 the node cannot
//  be read).
int audit_receipts (const char *dir, const char *hub_key_hex, bool json);

//  `shouhe-audit keygen --key-dir DIR` and `shouhe-audit fetch --hub EP
//  --hub-key HEX --key-dir DIR EXPORT` (audit_fetch.c); return exit codes
//  (0 done, 1 refused, 2 bad arguments, 3 a file, 4 no answer, 6 protocol).
int audit_keygen (const char *dir);
int audit_fetch (const char *hub, const char *hub_key_hex, const char *key_dir, const char *path);

#endif
