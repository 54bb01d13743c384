/*  sh_merkle -- the hub's transparency log as an RFC 6962 / RFC 9162 Merkle
    tree, kept in LMDB so that appends and proofs cost O(log n).

    Hashing (RFC 9162 section 2.1.1, SHA-256):
        leaf hash   = SHA-256(0x00 || leaf bytes)
        node hash   = SHA-256(0x01 || left || right)
        MTH({})     = SHA-256("")          (the empty tree)
    MTH(D[n]) for n > 1 splits at k, the largest power of two smaller than
    n: MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n])). Leaves are numbered from
    0, as in the RFC; which bytes make a leaf is the caller's choice.

    Storage: the TREE database (sh_store.h) holds the hash of every complete
    (perfect) subtree: key level(1) || index at that level (u64 BE) -> 32
    bytes, where (level, i) covers leaves i * 2^level .. (i + 1) * 2^level - 1;
    level 0 holds the leaf hashes. META "tree.size" (u64 BE) is the number of
    leaves. Appending leaf n writes level 0, every subtree it completes (one
    per trailing 1 bit of n: amortised one, at most log2 n) and tree.size.
    The root of any earlier size m is then the right fold of the popcount(m)
    perfect subtrees m decomposes into; a proof needs at most ~2 log2 n reads.
    Nothing is ever rewritten, so an old tree head stays provable forever.

    The store functions work inside a transaction of the caller's (a write
    one for append; read ones are fine for everything else), like
    sh_changelog, so the log entry and its leaf commit together. If any of
    them returns a store error in a write transaction, the transaction is
    spoiled (sh_store.h): abort it.

    The verification functions and sh_merkle_root_of need no store: auditors
    and nodes check receipts and exports with them alone. They follow RFC
    9162 sections 2.1.3.2 and 2.1.4.2 step by step. Any result other than
    SH_OK means "not proven".

    Proofs are arrays of 32-byte hashes, ordered as the RFC orders them
    (from the leaf's sibling up to the root's child). SH_MERKLE_PROOF_MAX
    entries are enough for any proof of any tree.

    Threading: as sh_store -- one writer at a time, readers anywhere. The
    pure functions are thread-safe.
*/
#ifndef SH_MERKLE_H
#define SH_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "sh_crypto.h"
#include "sh_err.h"
#include "sh_store.h"

//  Longest possible proof: inclusion needs at most ceil(log2 size) <= 64
//  hashes, consistency at most ceil(log2 new_size) + 1 <= 65.
#define SH_MERKLE_PROOF_MAX 65

/* --------------------------------------------------------------------------
 * Hashing (pure)
 * -------------------------------------------------------------------------- */

//  out = SHA-256(0x00 || leaf). leaf may be NULL when len is 0.
void sh_merkle_leaf_hash (uint8_t out[SH_HASH_BYTES], const uint8_t *leaf, size_t len);

//  out = SHA-256(0x01 || left || right). out may alias left or right.
void sh_merkle_node_hash (uint8_t out[SH_HASH_BYTES],
                          const uint8_t left[SH_HASH_BYTES], const uint8_t right[SH_HASH_BYTES]);

//  The root (MTH) of the tree whose leaf hashes are leaf_hashes[0 .. n - 1]
//  (SHA-256("") when n is 0; leaf_hashes may then be NULL). O(n) hashing,
//  O(log n) stack, no allocation -- for recomputing a tree from an export.
void sh_merkle_root_of (const uint8_t (*leaf_hashes)[SH_HASH_BYTES], size_t n,
                        uint8_t root[SH_HASH_BYTES]);

/* --------------------------------------------------------------------------
 * The stored tree (inside the caller's transaction)
 * -------------------------------------------------------------------------- */

//  Append a leaf made of leaf/len (hashed as a leaf: 0x00 prefix) in the
//  write transaction txn. *index (may be NULL) gets its 0-based index, which
//  is the tree size before the append. Store errors spoil the transaction
//  (SH_ESTOREFULL ...); SH_ECORRUPT if tree.size or a stored hash is
//  malformed or missing.
SH_NODISCARD sh_err sh_merkle_append (sh_store_txn_t *txn, const uint8_t *leaf, size_t len,
                                      uint64_t *index);

//  As sh_merkle_append, for a leaf hash the caller computed with
//  sh_merkle_leaf_hash (stored as given: it is not hashed again).
SH_NODISCARD sh_err sh_merkle_append_hash (sh_store_txn_t *txn,
                                           const uint8_t leaf_hash[SH_HASH_BYTES],
                                           uint64_t *index);

//  The number of leaves (0 for a store with no tree). SH_ECORRUPT if
//  tree.size is malformed.
SH_NODISCARD sh_err sh_merkle_size (sh_store_txn_t *txn, uint64_t *size);

//  The stored hash of leaf index. SH_EINVAL if index >= the tree size.
SH_NODISCARD sh_err sh_merkle_leaf (sh_store_txn_t *txn, uint64_t index,
                                    uint8_t leaf_hash[SH_HASH_BYTES]);

//  Cut the tree back to its first size leaves (size <= the tree size, else
//  SH_EINVAL): only tree.size changes -- hashes of leaves beyond it are
//  never read again and are overwritten by the next appends. For a mirror
//  dropping leaves no checkpoint confirmed (sh_mirror); the hub's own tree
//  never shrinks.
SH_NODISCARD sh_err sh_merkle_truncate (sh_store_txn_t *txn, uint64_t size);

//  The root of the tree made of the first size leaves, for any size up to
//  the current one (size 0: SHA-256("")). popcount(size) reads.
//  SH_EINVAL if size > the tree size; SH_ECORRUPT if a stored hash is
//  missing or malformed.
SH_NODISCARD sh_err sh_merkle_root (sh_store_txn_t *txn, uint64_t size, uint8_t root[SH_HASH_BYTES]);

//  The inclusion proof of leaf index in the tree of the first size leaves:
//  PATH(index, D[size]) of RFC 9162 section 2.1.3.1, written to
//  proof[0 .. *n - 1]. At most ~2 log2 size reads.
//  SH_EINVAL if index >= size or size > the tree size, or if the proof has
//  more than max hashes (*n then says how many it needs); SH_ECORRUPT as
//  for sh_merkle_root.
SH_NODISCARD sh_err sh_merkle_inclusion (sh_store_txn_t *txn, uint64_t index, uint64_t size,
                                         uint8_t (*proof)[SH_HASH_BYTES], size_t max, size_t *n);

//  The consistency proof between the trees of the first old_size and the
//  first new_size leaves: PROOF(old_size, D[new_size]) = SUBPROOF(old_size,
//  D[new_size], true) of RFC 9162 section 2.1.4.1. Empty (*n = 0) when
//  old_size is 0 or equals new_size. At most ~2 log2 new_size reads.
//  SH_EINVAL if old_size > new_size or new_size > the tree size, or if the
//  proof has more than max hashes (*n then says how many it needs);
//  SH_ECORRUPT as for sh_merkle_root.
SH_NODISCARD sh_err sh_merkle_consistency (sh_store_txn_t *txn, uint64_t old_size, uint64_t new_size,
                                           uint8_t (*proof)[SH_HASH_BYTES], size_t max, size_t *n);

/* --------------------------------------------------------------------------
 * Verification (pure)
 * -------------------------------------------------------------------------- */

//  Check that leaf_hash is leaf index of the tree of size leaves whose root
//  is root, with the n-hash proof (RFC 9162 section 2.1.3.2).
//  Returns SH_OK when proven; SH_EINVAL if index >= size; SH_ECRYPTO
//  otherwise (wrong hash, too short or too long a proof ...).
//  WARNING: the algorithm binds size only through the shape of the path
//  (a proof for leaf 0 of 3 also passes as leaf 0 of 4 against that same
//  root). Take size and root together from one signed checkpoint.
SH_NODISCARD sh_err sh_merkle_verify_inclusion (const uint8_t leaf_hash[SH_HASH_BYTES],
                                                uint64_t index, uint64_t size,
                                                const uint8_t (*proof)[SH_HASH_BYTES], size_t n,
                                                const uint8_t root[SH_HASH_BYTES]);

//  Check that the tree of old_size leaves with root old_root is a prefix of
//  the tree of new_size leaves with root new_root, with the n-hash proof
//  (RFC 9162 section 2.1.4.2 for 0 < old_size < new_size). The cases the
//  RFC leaves out: old_size == new_size is proven by an empty proof and
//  equal roots; old_size == 0 by an empty proof and old_root = SHA-256("")
//  (the empty tree is a prefix of every tree).
//  Returns SH_OK when proven; SH_EINVAL if old_size > new_size; SH_ECRYPTO
//  otherwise.
SH_NODISCARD sh_err sh_merkle_verify_consistency (uint64_t old_size, uint64_t new_size,
                                                  const uint8_t old_root[SH_HASH_BYTES],
                                                  const uint8_t new_root[SH_HASH_BYTES],
                                                  const uint8_t (*proof)[SH_HASH_BYTES], size_t n);

//  ---------------------------------------------------------------------
//  Batch receipts (docs/protocol.md 13.18)
//
//  A batch of changes stored as the consecutive leaves [first, first + m)
//  at the end of a tree of size first + m is proven included by the hashes
//  of the perfect subtrees that cover [0, first) -- the "left compact
//  range", popcount(first) hashes, largest first: with them and its own m
//  leaf hashes a node recomputes the root of the tree. One receipt of at
//  most 64 hashes proves a whole batch. A run of leaves inside a larger
//  tree adds the "right compact range" of what follows it (Proof runs).

//  Number of hashes in the left compact range of [0, size).
size_t sh_merkle_left_count (uint64_t size);

//  The left compact range of [0, size) from the stored tree, largest
//  subtree first. SH_EINVAL if size > the tree size or the range has more
//  than max hashes (*n says how many).
SH_NODISCARD sh_err sh_merkle_left_range (sh_store_txn_t *txn, uint64_t size,
                                          uint8_t (*out)[SH_HASH_BYTES], size_t max, size_t *n);

//  The root of the tree of size first + n_leaves whose first `first' leaves
//  are summarised by their left compact range and whose last leaves have
//  the given hashes. Pure (no store). SH_EINVAL if n_left does not match
//  first, or the tree would be empty.
SH_NODISCARD sh_err sh_merkle_range_root (const uint8_t (*left)[SH_HASH_BYTES], size_t n_left,
                                          uint64_t first,
                                          const uint8_t (*leaves)[SH_HASH_BYTES], size_t n_leaves,
                                          uint8_t root[SH_HASH_BYTES]);

//  Number of hashes in the right compact range of [begin, size): the
//  aligned perfect subtrees covering it left to right (while b < size:
//  the largest level l with b a multiple of 2^l and b + 2^l <= size).
size_t sh_merkle_right_count (uint64_t begin, uint64_t size);

//  The right compact range of [begin, size) from the stored tree, left to
//  right. SH_EINVAL if begin > size, size > the tree size or the range has
//  more than max hashes (*n says how many).
SH_NODISCARD sh_err sh_merkle_right_range (sh_store_txn_t *txn, uint64_t begin, uint64_t size,
                                           uint8_t (*out)[SH_HASH_BYTES], size_t max, size_t *n);

//  The root of the tree of size leaves whose leaves [first, first +
//  n_leaves) have the given hashes, [0, first) is summarised by its left
//  compact range (n_left = popcount(first) hashes) and [first + n_leaves,
//  size) by its right compact range (n_right hashes). Push the left range,
//  the leaves and the right range's subtrees with their levels on a stack,
//  merging the two top entries while their levels are equal; the root is
//  the right fold of the stack. Pure. SH_EINVAL if a range's length does
//  not fit the sizes, or the tree would be empty.
SH_NODISCARD sh_err sh_merkle_span_root (const uint8_t (*left)[SH_HASH_BYTES], size_t n_left, uint64_t first,
                                         const uint8_t (*leaves)[SH_HASH_BYTES], size_t n_leaves,
                                         const uint8_t (*right)[SH_HASH_BYTES], size_t n_right, uint64_t size,
                                         uint8_t root[SH_HASH_BYTES]);

#endif
