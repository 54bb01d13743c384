/*  sh_hubproof -- the hub's answer to a Prove (docs/protocol.md 13.5 and
    13.18): inclusion proofs of a node's own changes in the tree of a
    checkpoint the node holds, as runs of changes at consecutive leaves.

    For each maximal run of the node's changes first_seq .. at consecutive
    leaves of the tree (the chain database gives author || seq -> log
    index; leaf = index - 1), the run carries the left compact range of
    [0, first_leaf) and the right compact range of [first_leaf + count,
    checkpoint size), both read straight from the TREE database
    (sh_merkle_left_range, sh_merkle_right_range). A node recomputes the
    checkpoint's root from them and its own changes (sh_merkle_span_root).

    Ownership: sh_hubproof_make fills a caller's sh_hubproof_t whose hash
    array it owns until sh_hubproof_fini. Threading: as sh_store (a read
    transaction of its own per call).
*/
#ifndef SH_HUBPROOF_H
#define SH_HUBPROOF_H

#include <stddef.h>
#include <stdint.h>

#include "sh_crypto.h"
#include "sh_err.h"
#include "sh_hubid.h"
#include "sh_store.h"
#include "sh_wire.h"

//  A Proof's body: runs point into hashes (owned).
typedef struct {
    uint64_t first_seq;                         //  the Prove's first seq
    uint64_t checkpoint_size;                   //  the tree the runs are proven in
    size_t n_runs;                              //  runs, from first_seq on, consecutive in seq
    sh_wire_run_t runs[SH_WIRE_RUNS_MAX];       //  each with its two ranges
    uint8_t (*hashes)[SH_HASH_BYTES];           //  every run's hashes (owned)
} sh_hubproof_t;

//  Prove author's changes first_seq .. first_seq + count - 1 in the tree
//  of size checkpoint_size (at most that of the store's tree): at most
//  SH_WIRE_PROVE_MAX changes in at most SH_WIRE_RUNS_MAX runs, stopping
//  early at the first seq the hub does not hold or whose leaf is not in
//  that tree (the node asks again for the rest). No runs when first_seq
//  is 0 or count 0. SH_ENOMEM; SH_EINVAL if checkpoint_size is larger
//  than the tree; SH_ECORRUPT and store errors. On success call
//  sh_hubproof_fini.
SH_NODISCARD sh_err sh_hubproof_make (sh_hubproof_t *out, sh_store_t *store,
                                      const uint8_t author[SH_PUBKEY_BYTES],
                                      uint64_t first_seq, uint32_t count, uint64_t checkpoint_size);

//  Free what make allocated. Idempotent.
void sh_hubproof_fini (sh_hubproof_t *proof);

//  The receipt of a Push of accepted changes (docs/protocol.md 13.8, 13.18):
//  the newest checkpoint (signed now if the tree grew; *note on the heap,
//  caller frees; *size its tree size), the left compact range of the batch's
//  first leaf (size - accepted) and, when the session was last given a
//  checkpoint of size 0 < given < size, the consistency proof from it.
//  range and cons hold SH_WIRE_PROOF_MAX hashes each. Store and signing
//  errors; *note is NULL on failure.
SH_NODISCARD sh_err sh_hubproof_receipt (sh_store_t *store, const sh_hubid_t *hub, uint64_t accepted,
                                         uint64_t given, char **note, uint64_t *size,
                                         uint8_t (*range)[SH_HASH_BYTES], size_t *n_range,
                                         uint8_t (*cons)[SH_HASH_BYTES], size_t *n_cons);

#endif
