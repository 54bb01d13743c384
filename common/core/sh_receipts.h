/*  sh_receipts -- a node's receipts: the hub's checkpoints, the consistency
    proofs between them and the batch receipts it was given, kept in the
    node's "receipts" database (SH_DB_RECEIPTS), and the checks on them
    (docs/protocol.md 13.18 and 15.6). The node writes them as it syncs
    (node_session); `shouhe-audit receipts` reads them back without the hub.
    This module is the only one that knows their layout.

    Layout. Keys start with one tag byte; numbers are big-endian (be64):
        'c' || be64(size)            -> the hub's signed checkpoint note of
                                        that tree size, as text (no NUL)
        'p' || be64(old) || be64(new) -> the consistency proof from the
                                        checkpoint of size old to the one of
                                        size new: hashes of SH_HASH_BYTES,
                                        concatenated
        'b' || be64(first seq)       -> a batch receipt: be64(count) ||
                                        be64(first leaf) || be64(checkpoint
                                        size) || the left compact range of
                                        [0, first leaf) (popcount(first
                                        leaf) hashes) || the right compact
                                        range of [first leaf + count, size)
                                        (sh_merkle_right_range), hashes
                                        concatenated; an Ack's receipt has
                                        an empty right range (its batch
                                        ends the tree), a Proof's run may not
    and in the META database
        "hub.key"                    -> 64 lower-case hex digits: the hub key
                                        the checkpoints were taken from
    A checkpoint is stored with the proof from the one held before it (one
    write transaction per Welcome or Ack); a batch receipt says that this
    node's changes first seq .. first seq + count - 1 are the leaves first
    leaf .. first leaf + count - 1 of the checkpoint of that size
    (sh_merkle_span_root). Receipts from Acks and from Proofs (a later
    sync's Prove, 13.18) are alike.

    Functions work inside the caller's transaction (sh_store.h rules): the
    put functions in a write transaction, the others in any. Values handed
    out (notes, hashes) point into the store and are valid until the next
    update in the transaction or its end. Entries whose key or value do not
    have the layout's length are handed out marked malformed, never
    skipped, so an auditor can report them. Threading: as sh_store.
*/
#ifndef SH_RECEIPTS_H
#define SH_RECEIPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sh_crypto.h"
#include "sh_err.h"
#include "sh_hubid.h"
#include "sh_store.h"

#define SH_RECEIPTS_HUB_KEY "hub.key"          //  META name of the hub key
#define SH_RECEIPTS_BATCH_MAX ((uint64_t) 1 << 20)  //  most changes one batch receipt may cover

//  Which entries (the tag byte of their keys).
typedef enum {
    SH_RECEIPTS_CHECKPOINT = 'c',
    SH_RECEIPTS_PROOF = 'p',
    SH_RECEIPTS_BATCH = 'b'
} sh_receipts_kind_t;

//  A tree head: a checkpoint's size and root. Size 0: none (nothing held).
typedef struct {
    uint64_t size;                      //  tree size
    uint8_t root[SH_HASH_BYTES];        //  its root
} sh_receipts_head_t;

//  A 'c' entry.
typedef struct {
    uint64_t size;                      //  the size it is kept under
    const char *note;                   //  the signed note, note_len bytes, not NUL-terminated
    size_t note_len;
} sh_receipts_checkpoint_t;

//  A 'p' entry.
typedef struct {
    uint64_t old_size;                  //  from the checkpoint of this size
    uint64_t new_size;                  //  to the one of this size
    const uint8_t (*hashes)[SH_HASH_BYTES];  //  the proof (RFC 9162 2.1.4)
    size_t n;                           //  its length
} sh_receipts_proof_t;

//  A 'b' entry, or the receipt of an Ack about to be stored.
typedef struct {
    uint64_t first_seq;                 //  this node's changes first_seq ..
    uint64_t count;                     //  .. first_seq + count - 1
    uint64_t first_leaf;                //  are the leaves first_leaf .. first_leaf + count - 1
    uint64_t size;                      //  of the checkpoint of this size
    const uint8_t (*range)[SH_HASH_BYTES];  //  the left compact range of [0, first_leaf), then
                                        //  the right one of [first_leaf + count, size)
    size_t n_range;                     //  their length
} sh_receipts_batch_t;

//  One entry as sh_receipts_each hands it out.
typedef struct {
    sh_receipts_kind_t kind;            //  which member of u is set
    bool malformed;                     //  the key or value has not the layout's length:
                                        //  only the fields a well-formed key gives are set
    union {
        sh_receipts_checkpoint_t checkpoint;
        sh_receipts_proof_t proof;
        sh_receipts_batch_t batch;
    } u;
} sh_receipts_entry_t;

/* --------------------------------------------------------------------------
 * Writing (a write transaction)
 * -------------------------------------------------------------------------- */

//  Store the checkpoint note[0..note_len) of tree size size under 'c' and,
//  when a checkpoint was held before it (0 < held->size < size), the
//  consistency proof[0..n_proof) from it under 'p'. Stores as given:
//  check the note (sh_hubid_open_checkpoint) and the proof
//  (sh_receipts_check_extends) first. Store errors as sh_store.
SH_NODISCARD sh_err sh_receipts_put_checkpoint (sh_store_txn_t *txn, const sh_receipts_head_t *held,
                                                uint64_t size, const char *note, size_t note_len,
                                                const uint8_t (*proof)[SH_HASH_BYTES], size_t n_proof);

//  Store a batch receipt under 'b' || its first seq (replacing one there).
//  Check it first (sh_receipts_check_batch). Store errors as sh_store.
SH_NODISCARD sh_err sh_receipts_put_batch (sh_store_txn_t *txn, const sh_receipts_batch_t *batch);

//  Record hub's key as the one the checkpoints are taken from (META
//  "hub.key"). Store errors as sh_store.
SH_NODISCARD sh_err sh_receipts_put_hub_key (sh_store_txn_t *txn, const sh_hubid_t *hub);

//  Set aside everything above tree size size: the checkpoints of larger
//  sizes, the proofs to them and the batch receipts against them (a new
//  epoch at the hub voids them; docs/protocol.md 13.19). Store errors.
SH_NODISCARD sh_err sh_receipts_drop_above (sh_store_txn_t *txn, uint64_t size);

/* --------------------------------------------------------------------------
 * Reading
 * -------------------------------------------------------------------------- */

//  The checkpoint note held for tree size size, NUL-terminated (caller
//  frees). SH_ENOTFOUND if none; SH_ENOMEM; store errors.
SH_NODISCARD sh_err sh_receipts_note (sh_store_txn_t *txn, uint64_t size, char **note);

//  The hub key recorded with sh_receipts_put_hub_key, as the text stored
//  (NUL-terminated; 64 hex digits unless the store was altered).
//  SH_ENOTFOUND if none was recorded (the node never stored a checkpoint);
//  SH_EINVAL if the stored text is longer than hex holds.
SH_NODISCARD sh_err sh_receipts_hub_key (sh_store_txn_t *txn, char hex[SH_HEX_BYTES (SH_PUBKEY_BYTES)]);

//  The newest checkpoint held (the 'c' entry of the largest size), opened
//  with hub (sh_hubid_open_checkpoint): its size and root from the note.
//  SH_OK with out->size = 0 when none is held; SH_ECRYPTO when the newest
//  one does not open with hub (another hub's, or altered); store errors.
SH_NODISCARD sh_err sh_receipts_latest (sh_store_txn_t *txn, const sh_hubid_t *hub,
                                        sh_receipts_head_t *out);

//  The held checkpoint of tree size size ('c' entry), opened with hub: its
//  size and root. SH_ENOTFOUND if none of that size is held; SH_ECRYPTO
//  when it does not open with hub or names another size; store errors.
SH_NODISCARD sh_err sh_receipts_checkpoint_at (sh_store_txn_t *txn, const sh_hubid_t *hub, uint64_t size,
                                               sh_receipts_head_t *out);

//  Call fn (first, last, arg) for every maximal run first .. last of seqs
//  in [from, upto] (from >= 1) that no well-formed batch receipt covers, in
//  seq order; a non-zero return stops the walk. Receipts are not checked
//  here (sh_receipts_check_batch does that). SH_OK, or a store error.
typedef int (sh_receipts_gap_fn) (uint64_t first, uint64_t last, void *arg);
SH_NODISCARD sh_err sh_receipts_uncovered (sh_store_txn_t *txn, uint64_t from, uint64_t upto,
                                           sh_receipts_gap_fn *fn, void *arg);

//  Call fn for every entry of kind, in key order (checkpoints and batch
//  receipts by size and seq, proofs by old then new size); a non-zero
//  return stops the walk. The entry and what it points to are valid during
//  the call only. Returns SH_OK (also when stopped), or a store error.
typedef int (sh_receipts_fn) (const sh_receipts_entry_t *entry, void *arg);
SH_NODISCARD sh_err sh_receipts_each (sh_store_txn_t *txn, sh_receipts_kind_t kind,
                                      sh_receipts_fn *fn, void *arg);

/* --------------------------------------------------------------------------
 * Checks (what the node does when it is given them, and the auditor later)
 * -------------------------------------------------------------------------- */

//  Does the checkpoint next extend the one held, by the consistency
//  proof[0..n)? With nothing held (held->size 0) any checkpoint does.
//  SH_OK when proven; SH_EINVAL when next is smaller than held; SH_ECRYPTO
//  when the proof does not show held's tree a prefix of next's (for equal
//  sizes: the roots differ).
SH_NODISCARD sh_err sh_receipts_check_extends (const sh_receipts_head_t *held, const sh_receipts_head_t *next,
                                               const uint8_t (*proof)[SH_HASH_BYTES], size_t n);

//  Do author's changes batch->first_seq .. + count - 1, as held in txn's
//  log, hashed as leaves with batch's range, give root -- the root of the
//  checkpoint of batch->size? SH_OK when they do. SH_EINVAL when the batch
//  cannot be a receipt of that checkpoint (count 0 or over
//  SH_RECEIPTS_BATCH_MAX, first_leaf + count > size); SH_ECRYPTO when the
//  root differs (or the range does not fit first_leaf, count and size); SH_ENOMEM; the
//  error of reading one of the changes (SH_ENOTFOUND: not held), with
//  *failed_seq (may be NULL) set to its seq. *failed_seq is 0 when no read
//  failed.
SH_NODISCARD sh_err sh_receipts_check_batch (sh_store_txn_t *txn, const uint8_t author[SH_PUBKEY_BYTES],
                                             const sh_receipts_batch_t *batch,
                                             const uint8_t root[SH_HASH_BYTES], uint64_t *failed_seq);

#endif
