/*  sh_merkle -- RFC 6962 / RFC 9162 Merkle tree over LMDB (see sh_merkle.h).

    Key layouts (sh_store.h):
        TREE   level(1) || be64(index at that level)   -> 32-byte subtree hash
        META   "tree.size"                              -> be64(number of leaves)
    Within a level the keys grow with the index, so an append touches the
    last page of each level it writes.

    Every range [start, start + count) that the RFC recursions (MTH, PATH,
    SUBPROOF) ask for is "aligned": start is a multiple of the smallest
    power of two >= count. Such a range is the concatenation of the perfect
    subtrees given by the set bits of count, largest first, so its hash is
    the right fold of popcount(count) stored hashes (s_range_hash).
*/
#include "sh_merkle.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

/* --------------------------------------------------------------------------
 * Constants
 * -------------------------------------------------------------------------- */

#define S_META_SIZE "tree.size"             //  META key of the number of leaves
#define S_KEY_BYTES 9                       //  level(1) || be64(index)
#define S_LEAF_PREFIX 0x00                  //  RFC 9162 leaf domain separator
#define S_NODE_PREFIX 0x01                  //  RFC 9162 interior node domain separator

//  A range of leaves whose MTH goes into a proof.
typedef struct {
    uint64_t start;                         //  first leaf
    uint64_t count;                         //  number of leaves (>= 1)
} s_range_t;

/* --------------------------------------------------------------------------
 * Static helpers
 * -------------------------------------------------------------------------- */

static void
s_key (uint8_t key[S_KEY_BYTES], unsigned level, uint64_t index)
{
    assert (level < 64);
    key[0] = (uint8_t) level;
    sh_store_put_be64 (key + 1, index);
}

//  The stored hash of perfect subtree (level, index); SH_ECORRUPT when it
//  is missing or not 32 bytes (the tree size says it must be there).
static sh_err
s_get_node (sh_store_txn_t *txn, unsigned level, uint64_t index, uint8_t out[SH_HASH_BYTES])
{
    uint8_t key[S_KEY_BYTES];
    s_key (key, level, index);
    const uint8_t *val;
    size_t val_len;
    sh_err err = sh_store_get (txn, SH_DB_TREE, key, sizeof key, &val, &val_len);
    if (err == SH_ENOTFOUND)
        return SH_ECORRUPT;
    if (err)
        return err;
    if (val_len != SH_HASH_BYTES)
        return SH_ECORRUPT;
    memcpy (out, val, SH_HASH_BYTES);
    return SH_OK;
}

static sh_err
s_put_node (sh_store_txn_t *txn, unsigned level, uint64_t index, const uint8_t hash[SH_HASH_BYTES])
{
    uint8_t key[S_KEY_BYTES];
    s_key (key, level, index);
    return sh_store_put (txn, SH_DB_TREE, key, sizeof key, hash, SH_HASH_BYTES);
}

//  MTH of the aligned range [start, start + count), count >= 1: the right
//  fold of its perfect subtrees, read smallest (rightmost) first.
static sh_err
s_range_hash (sh_store_txn_t *txn, uint64_t start, uint64_t count, uint8_t out[SH_HASH_BYTES])
{
    assert (count > 0);
    uint64_t end = start + count;
    bool first = true;
    for (unsigned level = 0; level < 64; level++) {
        if (!(count & ((uint64_t) 1 << level)))
            continue;
        end -= (uint64_t) 1 << level;
        assert ((end & (((uint64_t) 1 << level) - 1)) == 0);   //  aligned, see top
        uint8_t sub[SH_HASH_BYTES];
        sh_err err = s_get_node (txn, level, end >> level, sub);
        if (err)
            return err;
        if (first)
            memcpy (out, sub, SH_HASH_BYTES);
        else
            sh_merkle_node_hash (out, sub, out);
        first = false;
    }
    assert (end == start);
    return SH_OK;
}

//  The largest power of two smaller than n (n >= 2): RFC 9162's k.
static uint64_t
s_split (uint64_t n)
{
    assert (n >= 2);
    return (uint64_t) 1 << (63 - __builtin_clzll (n - 1));
}

//  Hash each of the nr ranges (listed from the root down) into proof,
//  bottom up, as the RFC orders proofs.
static sh_err
s_fill (sh_store_txn_t *txn, const s_range_t *ranges, size_t nr,
        uint8_t (*proof)[SH_HASH_BYTES], size_t max, size_t *n)
{
    *n = nr;
    if (nr > max)
        return SH_EINVAL;
    for (size_t i = 0; i < nr; i++) {
        const s_range_t *r = &ranges[nr - 1 - i];
        sh_err err = s_range_hash (txn, r->start, r->count, proof[i]);
        if (err)
            return err;
    }
    return SH_OK;
}

/* --------------------------------------------------------------------------
 * Hashing (pure)
 * -------------------------------------------------------------------------- */

void
sh_merkle_leaf_hash (uint8_t out[SH_HASH_BYTES], const uint8_t *leaf, size_t len)
{
    assert (out);
    assert (leaf || len == 0);
    const uint8_t prefix = S_LEAF_PREFIX;
    sh_crypto_sha256_t st;
    sh_crypto_sha256_init (&st);
    sh_crypto_sha256_update (&st, &prefix, 1);
    if (len)
        sh_crypto_sha256_update (&st, leaf, len);
    sh_crypto_sha256_final (&st, out);
}

void
sh_merkle_node_hash (uint8_t out[SH_HASH_BYTES],
                     const uint8_t left[SH_HASH_BYTES], const uint8_t right[SH_HASH_BYTES])
{
    assert (out && left && right);
    uint8_t buf[1 + 2 * SH_HASH_BYTES];     //  copied first, so out may alias an input
    buf[0] = S_NODE_PREFIX;
    memcpy (buf + 1, left, SH_HASH_BYTES);
    memcpy (buf + 1 + SH_HASH_BYTES, right, SH_HASH_BYTES);
    sh_crypto_sha256 (out, buf, sizeof buf);
}

void
sh_merkle_root_of (const uint8_t (*leaf_hashes)[SH_HASH_BYTES], size_t n,
                   uint8_t root[SH_HASH_BYTES])
{
    assert (root);
    assert (leaf_hashes || n == 0);
    if (n == 0) {
        sh_crypto_sha256 (root, NULL, 0);
        return;
    }
    //  A stack of the perfect subtrees of the leaves seen so far, largest
    //  first: after i leaves it holds one per set bit of i (a compact range).
    uint8_t stack[64][SH_HASH_BYTES];
    size_t depth = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy (stack[depth++], leaf_hashes[i], SH_HASH_BYTES);
        for (size_t done = i + 1; !(done & 1); done >>= 1) {
            depth--;
            sh_merkle_node_hash (stack[depth - 1], stack[depth - 1], stack[depth]);
        }
    }
    //  MTH of n leaves = right fold of those subtrees.
    memcpy (root, stack[depth - 1], SH_HASH_BYTES);
    for (size_t i = depth - 1; i-- > 0;)
        sh_merkle_node_hash (root, stack[i], root);
}

/* --------------------------------------------------------------------------
 * The stored tree
 * -------------------------------------------------------------------------- */

sh_err
sh_merkle_size (sh_store_txn_t *txn, uint64_t *size)
{
    assert (txn);
    assert (size);
    sh_err err = sh_store_meta_get_u64 (txn, S_META_SIZE, size);
    if (err == SH_ENOTFOUND) {
        *size = 0;
        return SH_OK;
    }
    return err;
}

sh_err
sh_merkle_append (sh_store_txn_t *txn, const uint8_t *leaf, size_t len, uint64_t *index)
{
    uint8_t hash[SH_HASH_BYTES];
    sh_merkle_leaf_hash (hash, leaf, len);
    return sh_merkle_append_hash (txn, hash, index);
}

sh_err
sh_merkle_append_hash (sh_store_txn_t *txn, const uint8_t leaf_hash[SH_HASH_BYTES], uint64_t *index)
{
    assert (txn);
    assert (leaf_hash);
    uint64_t size;
    sh_err err = sh_merkle_size (txn, &size);
    if (err)
        return err;
    if (size == UINT64_MAX)
        return SH_ECORRUPT;                 //  2^64 - 1 leaves: only a damaged tree.size
    err = s_put_node (txn, 0, size, leaf_hash);
    if (err)
        return err;

    //  Each trailing 1 bit of the new leaf's index completes a subtree:
    //  its left half is stored, its right half is what we just built.
    uint8_t hash[SH_HASH_BYTES];
    memcpy (hash, leaf_hash, SH_HASH_BYTES);
    unsigned level = 0;
    for (uint64_t i = size; i & 1; i >>= 1, level++) {
        uint8_t left[SH_HASH_BYTES];
        err = s_get_node (txn, level, i - 1, left);
        if (err)
            return err;
        sh_merkle_node_hash (hash, left, hash);
        err = s_put_node (txn, level + 1, i >> 1, hash);
        if (err)
            return err;
    }
    err = sh_store_meta_put_u64 (txn, S_META_SIZE, size + 1);
    if (err)
        return err;
    if (index)
        *index = size;
    return SH_OK;
}

sh_err
sh_merkle_truncate (sh_store_txn_t *txn, uint64_t size)
{
    assert (txn);
    uint64_t tree_size;
    sh_err err = sh_merkle_size (txn, &tree_size);
    if (err)
        return err;
    if (size > tree_size)
        return SH_EINVAL;
    return size == tree_size ? SH_OK : sh_store_meta_put_u64 (txn, S_META_SIZE, size);
}

sh_err
sh_merkle_leaf (sh_store_txn_t *txn, uint64_t index, uint8_t leaf_hash[SH_HASH_BYTES])
{
    assert (txn);
    assert (leaf_hash);
    uint64_t size;
    sh_err err = sh_merkle_size (txn, &size);
    if (err)
        return err;
    if (index >= size)
        return SH_EINVAL;
    return s_get_node (txn, 0, index, leaf_hash);
}

sh_err
sh_merkle_root (sh_store_txn_t *txn, uint64_t size, uint8_t root[SH_HASH_BYTES])
{
    assert (txn);
    assert (root);
    uint64_t tree_size;
    sh_err err = sh_merkle_size (txn, &tree_size);
    if (err)
        return err;
    if (size > tree_size)
        return SH_EINVAL;
    if (size == 0) {
        sh_merkle_root_of (NULL, 0, root);
        return SH_OK;
    }
    return s_range_hash (txn, 0, size, root);
}

sh_err
sh_merkle_inclusion (sh_store_txn_t *txn, uint64_t index, uint64_t size,
                     uint8_t (*proof)[SH_HASH_BYTES], size_t max, size_t *n)
{
    assert (txn);
    assert (proof || max == 0);
    assert (n);
    *n = 0;
    uint64_t tree_size;
    sh_err err = sh_merkle_size (txn, &tree_size);
    if (err)
        return err;
    if (index >= size || size > tree_size)
        return SH_EINVAL;

    //  PATH(m, D[lo : lo + count]), unrolled from the root down:
    //    m < k:  PATH(m, D[0:k]) : MTH(D[k:n])
    //    m >= k: PATH(m - k, D[k:n]) : MTH(D[0:k])
    s_range_t ranges[SH_MERKLE_PROOF_MAX];
    size_t nr = 0;
    uint64_t lo = 0, count = size, m = index;
    while (count > 1) {
        uint64_t k = s_split (count);
        assert (nr < SH_MERKLE_PROOF_MAX);
        if (m < k) {
            ranges[nr++] = (s_range_t) { lo + k, count - k };
            count = k;
        }
        else {
            ranges[nr++] = (s_range_t) { lo, k };
            lo += k;
            m -= k;
            count -= k;
        }
    }
    return s_fill (txn, ranges, nr, proof, max, n);
}

sh_err
sh_merkle_consistency (sh_store_txn_t *txn, uint64_t old_size, uint64_t new_size,
                       uint8_t (*proof)[SH_HASH_BYTES], size_t max, size_t *n)
{
    assert (txn);
    assert (proof || max == 0);
    assert (n);
    *n = 0;
    uint64_t tree_size;
    sh_err err = sh_merkle_size (txn, &tree_size);
    if (err)
        return err;
    if (old_size > new_size || new_size > tree_size)
        return SH_EINVAL;
    if (old_size == 0 || old_size == new_size)
        return SH_OK;

    //  SUBPROOF(m, D[lo : lo + count], b), unrolled from the root down:
    //    m == n:  [] if b, else [MTH(D[m])]
    //    m <= k:  SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
    //    m > k:   SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
    s_range_t ranges[SH_MERKLE_PROOF_MAX];
    size_t nr = 0;
    uint64_t lo = 0, count = new_size, m = old_size;
    bool b = true;
    while (m != count) {
        uint64_t k = s_split (count);
        assert (nr < SH_MERKLE_PROOF_MAX);
        if (m <= k) {
            ranges[nr++] = (s_range_t) { lo + k, count - k };
            count = k;
        }
        else {
            ranges[nr++] = (s_range_t) { lo, k };
            lo += k;
            m -= k;
            count -= k;
            b = false;
        }
    }
    if (!b) {
        assert (nr < SH_MERKLE_PROOF_MAX);
        ranges[nr++] = (s_range_t) { lo, m };
    }
    return s_fill (txn, ranges, nr, proof, max, n);
}

/* --------------------------------------------------------------------------
 * Verification (pure)
 * -------------------------------------------------------------------------- */

sh_err
sh_merkle_verify_inclusion (const uint8_t leaf_hash[SH_HASH_BYTES], uint64_t index, uint64_t size,
                            const uint8_t (*proof)[SH_HASH_BYTES], size_t n,
                            const uint8_t root[SH_HASH_BYTES])
{
    assert (leaf_hash);
    assert (proof || n == 0);
    assert (root);
    //  RFC 9162 section 2.1.3.2, steps 1 to 5.
    if (index >= size)
        return SH_EINVAL;
    uint64_t fn = index, sn = size - 1;
    uint8_t r[SH_HASH_BYTES];
    memcpy (r, leaf_hash, SH_HASH_BYTES);
    for (size_t i = 0; i < n; i++) {
        if (sn == 0)
            return SH_ECRYPTO;              //  proof too long
        if ((fn & 1) || fn == sn) {
            sh_merkle_node_hash (r, proof[i], r);
            while (fn != 0 && !(fn & 1)) {
                fn >>= 1;
                sn >>= 1;
            }
        }
        else
            sh_merkle_node_hash (r, r, proof[i]);
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0 || !sh_crypto_equal (r, root, SH_HASH_BYTES))
        return SH_ECRYPTO;
    return SH_OK;
}

sh_err
sh_merkle_verify_consistency (uint64_t old_size, uint64_t new_size,
                              const uint8_t old_root[SH_HASH_BYTES],
                              const uint8_t new_root[SH_HASH_BYTES],
                              const uint8_t (*proof)[SH_HASH_BYTES], size_t n)
{
    assert (old_root);
    assert (new_root);
    assert (proof || n == 0);
    if (old_size > new_size)
        return SH_EINVAL;
    if (old_size == new_size)
        return n == 0 && sh_crypto_equal (old_root, new_root, SH_HASH_BYTES)? SH_OK: SH_ECRYPTO;
    if (old_size == 0) {
        uint8_t empty[SH_HASH_BYTES];
        sh_merkle_root_of (NULL, 0, empty);
        return n == 0 && sh_crypto_equal (old_root, empty, SH_HASH_BYTES)? SH_OK: SH_ECRYPTO;
    }

    //  RFC 9162 section 2.1.4.2, 0 < first < second.
    //  1. An empty path fails.
    if (n == 0)
        return SH_ECRYPTO;
    //  2. If first is an exact power of 2, first_hash is prepended to the
    //     path: path[j] is old_root for j == 0, else proof[j - 1].
    size_t shift = (old_size & (old_size - 1)) == 0? 1: 0;
    size_t total = n + shift;
    //  3, 4. fn = first - 1, sn = second - 1, shifted right while LSB(fn).
    uint64_t fn = old_size - 1, sn = new_size - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    //  5. fr = sr = path[0].
    const uint8_t *c0 = shift? old_root: proof[0];
    uint8_t fr[SH_HASH_BYTES], sr[SH_HASH_BYTES];
    memcpy (fr, c0, SH_HASH_BYTES);
    memcpy (sr, c0, SH_HASH_BYTES);
    //  6. For each later c in path.
    for (size_t j = 1; j < total; j++) {
        const uint8_t *c = proof[j - shift];
        if (sn == 0)
            return SH_ECRYPTO;              //  proof too long
        if ((fn & 1) || fn == sn) {
            sh_merkle_node_hash (fr, c, fr);
            sh_merkle_node_hash (sr, c, sr);
            while (fn != 0 && !(fn & 1)) {
                fn >>= 1;
                sn >>= 1;
            }
        }
        else
            sh_merkle_node_hash (sr, sr, c);
        fn >>= 1;
        sn >>= 1;
    }
    //  7. fr = first_hash, sr = second_hash and sn = 0.
    if (sn != 0
    ||  !sh_crypto_equal (fr, old_root, SH_HASH_BYTES)
    ||  !sh_crypto_equal (sr, new_root, SH_HASH_BYTES))
        return SH_ECRYPTO;
    return SH_OK;
}

/* --------------------------------------------------------------------------
 * Batch receipts: the left compact range
 * -------------------------------------------------------------------------- */

size_t
sh_merkle_left_count (uint64_t size)
{
    return (size_t) __builtin_popcountll (size);
}

sh_err
sh_merkle_left_range (sh_store_txn_t *txn, uint64_t size, uint8_t (*out)[SH_HASH_BYTES],
                      size_t max, size_t *n)
{
    uint64_t tree;
    sh_err err = sh_merkle_size (txn, &tree);
    if (err)
        return err;
    *n = sh_merkle_left_count (size);
    if (size > tree || *n > max)
        return SH_EINVAL;
    //  the perfect subtrees of [0, size), largest (leftmost) first
    uint64_t start = 0;
    size_t k = 0;
    for (int level = 63; level >= 0; level--) {
        if (!(size & ((uint64_t) 1 << level)))
            continue;
        err = s_get_node (txn, (unsigned) level, start >> level, out[k++]);
        if (err)
            return err;
        start += (uint64_t) 1 << level;
    }
    return SH_OK;
}

//  The level of the next subtree of the right compact range from b in a
//  tree of size leaves: the largest l with b a multiple of 2^l and
//  b + 2^l <= size (b < size).
static unsigned
s_right_level (uint64_t b, uint64_t size)
{
    unsigned l = 0;
    while (l < 63 && (b & (((uint64_t) 1 << (l + 1)) - 1)) == 0 && size - b >= ((uint64_t) 1 << (l + 1)))
        l++;
    return l;
}

size_t
sh_merkle_right_count (uint64_t begin, uint64_t size)
{
    size_t n = 0;
    for (uint64_t b = begin; b < size; b += (uint64_t) 1 << s_right_level (b, size))
        n++;
    return n;
}

sh_err
sh_merkle_right_range (sh_store_txn_t *txn, uint64_t begin, uint64_t size, uint8_t (*out)[SH_HASH_BYTES],
                       size_t max, size_t *n)
{
    uint64_t tree;
    sh_err err = sh_merkle_size (txn, &tree);
    if (err)
        return err;
    *n = begin < size ? sh_merkle_right_count (begin, size) : 0;
    if (size > tree || begin > size || *n > max)
        return SH_EINVAL;
    size_t k = 0;
    for (uint64_t b = begin; b < size; ) {
        unsigned l = s_right_level (b, size);
        err = s_get_node (txn, l, b >> l, out[k++]);
        if (err)
            return err;
        b += (uint64_t) 1 << l;
    }
    return SH_OK;
}

//  Push (hash, level) on a stack of perfect subtrees, merging the two top
//  entries while their levels are equal (like appending to the tree).
static void
s_push_subtree (uint8_t stack[][SH_HASH_BYTES], unsigned *levels, size_t *top,
                const uint8_t hash[SH_HASH_BYTES], unsigned level)
{
    memcpy (stack[*top], hash, SH_HASH_BYTES);
    levels[(*top)++] = level;
    while (*top >= 2 && levels[*top - 1] == levels[*top - 2]) {
        sh_merkle_node_hash (stack[*top - 2], stack[*top - 2], stack[*top - 1]);
        levels[*top - 2]++;
        (*top)--;
    }
}

sh_err
sh_merkle_span_root (const uint8_t (*left)[SH_HASH_BYTES], size_t n_left, uint64_t first,
                     const uint8_t (*leaves)[SH_HASH_BYTES], size_t n_leaves,
                     const uint8_t (*right)[SH_HASH_BYTES], size_t n_right, uint64_t size,
                     uint8_t root[SH_HASH_BYTES])
{
    if (n_left != sh_merkle_left_count (first) || size == 0 || first > size || n_leaves > size - first)
        return SH_EINVAL;
    uint64_t end = first + n_leaves;
    if (n_right != (end < size ? sh_merkle_right_count (end, size) : 0))
        return SH_EINVAL;
    //  a stack of perfect subtrees (hash, level): the binary decomposition
    //  of the leaves covered so far, largest first
    uint8_t stack[130][SH_HASH_BYTES];
    unsigned levels[130];
    size_t top = 0;
    size_t k = 0;
    for (int level = 63; level >= 0; level--)
        if (first & ((uint64_t) 1 << level)) {
            memcpy (stack[top], left[k++], SH_HASH_BYTES);
            levels[top++] = (unsigned) level;
        }
    for (size_t i = 0; i < n_leaves; i++)
        s_push_subtree (stack, levels, &top, leaves[i], 0);
    k = 0;
    for (uint64_t b = end; b < size; ) {
        unsigned l = s_right_level (b, size);
        s_push_subtree (stack, levels, &top, right[k++], l);
        b += (uint64_t) 1 << l;
    }
    //  RFC 6962: the root folds the perfect subtrees from the right
    memcpy (root, stack[top - 1], SH_HASH_BYTES);
    for (size_t i = top - 1; i-- > 0; )
        sh_merkle_node_hash (root, stack[i], root);
    return SH_OK;
}

sh_err
sh_merkle_range_root (const uint8_t (*left)[SH_HASH_BYTES], size_t n_left, uint64_t first,
                      const uint8_t (*leaves)[SH_HASH_BYTES], size_t n_leaves,
                      uint8_t root[SH_HASH_BYTES])
{
    return sh_merkle_span_root (left, n_left, first, leaves, n_leaves, NULL, 0, first + n_leaves, root);
}
