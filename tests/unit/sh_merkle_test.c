/*  sh_merkle_test -- the RFC 6962 / RFC 9162 Merkle tree in LMDB.

    Known answers: the RFC 6962 reference tree of eight leaves used by the
    Certificate Transparency projects, with its roots for sizes 1..8, its
    inclusion paths and its consistency proofs, copied from
        google/certificate-transparency, cpp/merkletree/merkle_tree_test.cc
            (kInputs, kSHA256Roots, kSHA256Paths, kSHA256Proofs,
             kSHA256EmptyTreeHash)
        transparency-dev/merkle, proof/verify_test.go
            (the same vectors as leaves/roots/inclusionProofs/
             consistencyProofs, plus the consistency proof 6 -> 7, and the
             edge-case tables of TestVerifyInclusion/TestVerifyConsistency)
        transparency-dev/merkle, rfc6962/rfc6962_test.go
            (empty root, "RFC6962 Empty Leaf", "RFC6962 Leaf" L123456).
    Paths there number leaves from 1 (kSHA256Paths' "leaf"); RFC 9162 and
    this module number them from 0, hence the "- 1" below. The corruption
    probes (wrong index, size, root, leaf; garbage before or after; a
    removed or inserted component; a flipped bit) follow VerifierCheck and
    VerifierConsistencyCheck in those files, and flip every byte of every
    proof hash for trees of up to 32 leaves.

    Then properties against a reference implementation written straight
    from the recursive definitions of RFC 9162 section 2.1 (s_ref_*).
*/
#include "sh_test.h"

#include "sh_merkle.h"
#include "sh_store.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define H SH_HASH_BYTES

/* --------------------------------------------------------------------------
 * Known-answer vectors (sources above)
 * -------------------------------------------------------------------------- */

static const char *const s_kat_inputs[8] = {
    "", "00", "10", "2021", "3031", "40414243",
    "5051525354555657", "606162636465666768696a6b6c6d6e6f",
};

static const char *const s_kat_empty_root =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

//  MTH of the first i + 1 inputs.
static const char *const s_kat_roots[8] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

typedef struct {
    uint64_t leaf;                  //  1-based, as in the sources
    uint64_t size;
    size_t n;
    const char *proof[3];
} s_kat_path_t;

static const s_kat_path_t s_kat_paths[] = {
    { 1, 1, 0, { NULL } },
    { 1, 8, 3, { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                 "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                 "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
    { 6, 8, 3, { "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                 "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                 "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
    { 3, 3, 1, { "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125" } },
    { 2, 5, 3, { "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                 "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                 "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" } },
};

typedef struct {
    uint64_t size1, size2;
    size_t n;
    const char *proof[3];
} s_kat_cons_t;

static const s_kat_cons_t s_kat_cons[] = {
    { 1, 1, 0, { NULL } },
    { 1, 8, 3, { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                 "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                 "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
    { 6, 8, 3, { "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                 "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                 "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
    { 2, 5, 2, { "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                 "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" } },
    //  transparency-dev/merkle only:
    { 6, 7, 3, { "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                 "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                 "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
};

/* --------------------------------------------------------------------------
 * Helpers
 * -------------------------------------------------------------------------- */

static void
s_unhex (uint8_t *out, size_t len, const char *hex)
{
    SH_CHECK (strlen (hex) == 2 * len);
    if (len)
        SH_PASS (sh_crypto_unhex (out, len, hex));
}

static void
s_unhex32 (uint8_t out[H], const char *hex)
{
    s_unhex (out, H, hex);
}

static bool
s_eq (const uint8_t a[H], const uint8_t b[H])
{
    return memcmp (a, b, H) == 0;
}

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

//  Leaf i of the property trees: 8 bytes that differ for every i.
static void
s_leaf_bytes (uint8_t out[8], uint64_t i)
{
    sh_store_put_be64 (out, i * 0x9e3779b97f4a7c15ULL + 1);
}

typedef struct {
    char *dir;
    sh_store_t *store;
} s_fixture_t;

static void
s_fixture_init (s_fixture_t *fx)
{
    fx->dir = sh_test_tmpdir ();
    fx->store = NULL;
    SH_PASS (sh_store_open (&fx->store, fx->dir, true, 0));
}

static void
s_fixture_fini (s_fixture_t *fx)
{
    sh_store_close (&fx->store);
    sh_test_rmdir (fx->dir);
    fx->dir = NULL;
}

//  Append leaves [from, to) of the property tree in one write transaction
//  and record their hashes in hashes[from .. to - 1] (may be NULL).
static void
s_append_range (sh_store_t *store, uint64_t from, uint64_t to, uint8_t (*hashes)[H])
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, true, &txn));
    for (uint64_t i = from; i < to; i++) {
        uint8_t leaf[8];
        s_leaf_bytes (leaf, i);
        uint64_t index = UINT64_MAX;
        SH_PASS (sh_merkle_append (txn, leaf, sizeof leaf, &index));
        SH_CHECK (index == i);
        if (hashes)
            sh_merkle_leaf_hash (hashes[i], leaf, sizeof leaf);
    }
    SH_PASS (sh_store_commit (&txn));
}

/* --------------------------------------------------------------------------
 * Reference implementation: RFC 9162 section 2.1, recursive, in memory
 * -------------------------------------------------------------------------- */

static uint64_t
s_ref_k (uint64_t n)
{
    uint64_t k = 1;
    while (k << 1 < n)
        k <<= 1;
    return k;
}

static void
s_ref_mth (const uint8_t (*d)[H], uint64_t n, uint8_t out[H])
{
    if (n == 0) {
        sh_crypto_sha256 (out, NULL, 0);
        return;
    }
    if (n == 1) {
        memcpy (out, d[0], H);
        return;
    }
    uint64_t k = s_ref_k (n);
    uint8_t l[H], r[H];
    s_ref_mth (d, k, l);
    s_ref_mth (d + k, n - k, r);
    sh_merkle_node_hash (out, l, r);
}

static void
s_ref_path (uint64_t m, const uint8_t (*d)[H], uint64_t n, uint8_t (*out)[H], size_t *len)
{
    if (n <= 1)
        return;
    uint64_t k = s_ref_k (n);
    if (m < k) {
        s_ref_path (m, d, k, out, len);
        s_ref_mth (d + k, n - k, out[(*len)++]);
    }
    else {
        s_ref_path (m - k, d + k, n - k, out, len);
        s_ref_mth (d, k, out[(*len)++]);
    }
}

static void
s_ref_subproof (uint64_t m, const uint8_t (*d)[H], uint64_t n, bool b, uint8_t (*out)[H], size_t *len)
{
    if (m == n) {
        if (!b)
            s_ref_mth (d, m, out[(*len)++]);
        return;
    }
    uint64_t k = s_ref_k (n);
    if (m <= k) {
        s_ref_subproof (m, d, k, b, out, len);
        s_ref_mth (d + k, n - k, out[(*len)++]);
    }
    else {
        s_ref_subproof (m - k, d + k, n - k, false, out, len);
        s_ref_mth (d, k, out[(*len)++]);
    }
}

/* --------------------------------------------------------------------------
 * Corruption probes (after VerifierCheck / VerifierConsistencyCheck)
 * -------------------------------------------------------------------------- */

#define S_PROOF_ROOM (SH_MERKLE_PROOF_MAX + 2)

static void
s_bad_inclusion (const uint8_t leaf[H], uint64_t index, uint64_t size,
                 const uint8_t (*proof)[H], size_t n, const uint8_t root[H])
{
    SH_CHECK (sh_merkle_verify_inclusion (leaf, index, size, proof, n, root) != SH_OK);
}

//  Check that (leaf, index, size, proof, root) verifies and that every
//  corruption of it does not. all_bytes: flip every byte of every proof
//  hash (else one byte per hash, at a position that moves with index).
static void
s_probe_inclusion (const uint8_t leaf[H], uint64_t index, uint64_t size,
                   const uint8_t (*proof)[H], size_t n, const uint8_t root[H], bool all_bytes)
{
    SH_PASS (sh_merkle_verify_inclusion (leaf, index, size, proof, n, root));

    //  Wrong leaf index.
    if (index > 0)
        s_bad_inclusion (leaf, index - 1, size, proof, n, root);
    s_bad_inclusion (leaf, index + 1, size, proof, n, root);
    s_bad_inclusion (leaf, index ^ 2, size, proof, n, root);
    //  Wrong tree height.
    s_bad_inclusion (leaf, index, size * 2, proof, n, root);
    s_bad_inclusion (leaf, index, size / 2, proof, n, root);
    //  Wrong leaf or root.
    uint8_t wrong[H], empty[H];
    memcpy (wrong, leaf, H);
    wrong[7] ^= 0x01;
    s_bad_inclusion (wrong, index, size, proof, n, root);
    memcpy (wrong, root, H);
    wrong[31] ^= 0x80;
    s_bad_inclusion (leaf, index, size, proof, n, wrong);
    s_unhex32 (empty, s_kat_empty_root);
    s_bad_inclusion (leaf, index, size, proof, n, empty);

    uint8_t bad[S_PROOF_ROOM][H];
    //  Garbage at the end: a zero hash, the root.
    memcpy (bad, proof, n * H);
    memset (bad[n], 0, H);
    s_bad_inclusion (leaf, index, size, (const uint8_t (*)[H]) bad, n + 1, root);
    memcpy (bad[n], root, H);
    s_bad_inclusion (leaf, index, size, (const uint8_t (*)[H]) bad, n + 1, root);
    //  Garbage at the front.
    memcpy (bad[1], proof, n * H);
    memset (bad[0], 0, H);
    s_bad_inclusion (leaf, index, size, (const uint8_t (*)[H]) bad, n + 1, root);
    memcpy (bad[0], root, H);
    s_bad_inclusion (leaf, index, size, (const uint8_t (*)[H]) bad, n + 1, root);
    //  A removed component; an inserted one.
    if (n > 0)
        s_bad_inclusion (leaf, index, size, proof, n - 1, root);
    if (n > 1) {
        memcpy (bad[0], proof[0], H);
        memset (bad[1], 0xab, H);
        memcpy (bad[2], proof[1], (n - 1) * H);
        s_bad_inclusion (leaf, index, size, (const uint8_t (*)[H]) bad, n + 1, root);
    }
    //  A flipped byte anywhere.
    memcpy (bad, proof, n * H);
    for (size_t i = 0; i < n; i++) {
        for (size_t b = 0; b < H; b++) {
            size_t at = all_bytes? b: (size_t) ((index + 7 * i) % H);
            bad[i][at] ^= 0x08;
            s_bad_inclusion (leaf, index, size, (const uint8_t (*)[H]) bad, n, root);
            bad[i][at] ^= 0x08;
            if (!all_bytes)
                break;
        }
    }
}

static void
s_bad_consistency (uint64_t m, uint64_t n, const uint8_t r1[H], const uint8_t r2[H],
                   const uint8_t (*proof)[H], size_t len)
{
    SH_CHECK (sh_merkle_verify_consistency (m, n, r1, r2, proof, len) != SH_OK);
}

static void
s_probe_consistency (uint64_t m, uint64_t n, const uint8_t r1[H], const uint8_t r2[H],
                     const uint8_t (*proof)[H], size_t len, bool all_bytes)
{
    SH_PASS (sh_merkle_verify_consistency (m, n, r1, r2, proof, len));
    uint8_t wrong[H];
    //  Even trivial proofs bind the roots: size 0 to the empty tree's root
    //  (any new root goes: the empty tree is a prefix of every tree), equal
    //  sizes to equal roots.
    memcpy (wrong, r1, H);
    wrong[0] ^= 0x10;
    s_bad_consistency (m, n, wrong, r2, proof, len);
    if (m > 0) {
        memcpy (wrong, r2, H);
        wrong[0] ^= 0x10;
        s_bad_consistency (m, n, r1, wrong, proof, len);
    }
    if (len == 0)
        return;                     //  as the sources: only non-trivial proofs below

    //  Wrong sizes.
    s_bad_consistency (m - 1, n, r1, r2, proof, len);
    s_bad_consistency (m + 1, n, r1, r2, proof, len);
    s_bad_consistency (m ^ 2, n, r1, r2, proof, len);
    s_bad_consistency (m, n * 2, r1, r2, proof, len);
    s_bad_consistency (m, n / 2, r1, r2, proof, len);
    //  Swapped roots.
    s_bad_consistency (m, n, r2, r1, proof, len);
    //  Empty proof.
    s_bad_consistency (m, n, r1, r2, proof, 0);

    uint8_t bad[S_PROOF_ROOM][H];
    //  Garbage at the end: zeros, r1, r2.
    memcpy (bad, proof, len * H);
    memset (bad[len], 0, H);
    s_bad_consistency (m, n, r1, r2, (const uint8_t (*)[H]) bad, len + 1);
    memcpy (bad[len], r1, H);
    s_bad_consistency (m, n, r1, r2, (const uint8_t (*)[H]) bad, len + 1);
    memcpy (bad[len], r2, H);
    s_bad_consistency (m, n, r1, r2, (const uint8_t (*)[H]) bad, len + 1);
    //  Garbage at the front: zeros, r1, r2, proof[0].
    memcpy (bad[1], proof, len * H);
    memset (bad[0], 0, H);
    s_bad_consistency (m, n, r1, r2, (const uint8_t (*)[H]) bad, len + 1);
    memcpy (bad[0], r1, H);
    s_bad_consistency (m, n, r1, r2, (const uint8_t (*)[H]) bad, len + 1);
    memcpy (bad[0], r2, H);
    s_bad_consistency (m, n, r1, r2, (const uint8_t (*)[H]) bad, len + 1);
    memcpy (bad[0], proof[0], H);
    s_bad_consistency (m, n, r1, r2, (const uint8_t (*)[H]) bad, len + 1);
    //  Truncated.
    s_bad_consistency (m, n, r1, r2, proof, len - 1);
    //  A flipped byte anywhere.
    memcpy (bad, proof, len * H);
    for (size_t i = 0; i < len; i++) {
        for (size_t b = 0; b < H; b++) {
            size_t at = all_bytes? b: (size_t) ((m + n + 5 * i) % H);
            bad[i][at] ^= 0x10;
            s_bad_consistency (m, n, r1, r2, (const uint8_t (*)[H]) bad, len);
            bad[i][at] ^= 0x10;
            if (!all_bytes)
                break;
        }
    }
}

/* --------------------------------------------------------------------------
 * Known answers
 * -------------------------------------------------------------------------- */

//  The reference tree of 8 leaves, appended one by one in one transaction.
static void
s_kat_tree (s_fixture_t *fx, uint8_t hashes[8][H])
{
    s_fixture_init (fx);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx->store, true, &txn));
    for (int i = 0; i < 8; i++) {
        uint8_t in[16];
        size_t len = strlen (s_kat_inputs[i]) / 2;
        s_unhex (in, len, s_kat_inputs[i]);
        uint64_t index;
        SH_PASS (sh_merkle_append (txn, len? in: NULL, len, &index));
        SH_CHECK (index == (uint64_t) i);
        sh_merkle_leaf_hash (hashes[i], in, len);
    }
    SH_PASS (sh_store_commit (&txn));
}

static void
test_kat_hashes (void)
{
    uint8_t want[H], got[H];
    //  rfc6962_test.go "RFC6962 Empty": the empty tree.
    s_unhex32 (want, s_kat_empty_root);
    sh_merkle_root_of (NULL, 0, got);
    SH_CHECK (s_eq (got, want));
    //  "RFC6962 Empty Leaf": SHA-256(0x00), also the root of tree size 1.
    s_unhex32 (want, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
    sh_merkle_leaf_hash (got, NULL, 0);
    SH_CHECK (s_eq (got, want));
    //  "RFC6962 Leaf": SHA-256(0x00 || "L123456").
    s_unhex32 (want, "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56");
    sh_merkle_leaf_hash (got, (const uint8_t *) "L123456", 7);
    SH_CHECK (s_eq (got, want));
    //  A node: root of size 2 = node(leaf(""), leaf(00)).
    uint8_t l0[H], l1[H];
    const uint8_t zero = 0;
    sh_merkle_leaf_hash (l0, NULL, 0);
    sh_merkle_leaf_hash (l1, &zero, 1);
    sh_merkle_node_hash (got, l0, l1);
    s_unhex32 (want, s_kat_roots[1]);
    SH_CHECK (s_eq (got, want));
    //  Order matters and aliasing the output is fine.
    sh_merkle_node_hash (l1, l1, l0);
    SH_CHECK (!s_eq (l1, want));
}

static void
test_kat_roots (void)
{
    //  The tree grown leaf by leaf, the root checked after each append
    //  (CompactMerkleTreeTest.RootTestVectors), then every earlier size.
    s_fixture_t fx;
    s_fixture_init (&fx);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    uint8_t want[H], got[H], hashes[8][H];
    s_unhex32 (want, s_kat_empty_root);
    SH_PASS (sh_merkle_root (txn, 0, got));
    SH_CHECK (s_eq (got, want));
    for (int i = 0; i < 8; i++) {
        uint8_t in[16];
        size_t len = strlen (s_kat_inputs[i]) / 2;
        s_unhex (in, len, s_kat_inputs[i]);
        SH_PASS (sh_merkle_append (txn, in, len, NULL));
        uint64_t size;
        SH_PASS (sh_merkle_size (txn, &size));
        SH_CHECK (size == (uint64_t) i + 1);
        s_unhex32 (want, s_kat_roots[i]);
        SH_PASS (sh_merkle_root (txn, size, got));
        SH_CHECK (s_eq (got, want));
        sh_merkle_leaf_hash (hashes[i], in, len);
        sh_merkle_root_of ((const uint8_t (*)[H]) hashes, (size_t) i + 1, got);
        SH_CHECK (s_eq (got, want));
        uint8_t stored[H];
        SH_PASS (sh_merkle_leaf (txn, (uint64_t) i, stored));
        SH_CHECK (s_eq (stored, hashes[i]));
        for (int j = 0; j <= i; j++) {
            s_unhex32 (want, s_kat_roots[j]);
            SH_PASS (sh_merkle_root (txn, (uint64_t) j + 1, got));
            SH_CHECK (s_eq (got, want));
        }
        SH_FAIL (sh_merkle_root (txn, size + 1, got), SH_EINVAL);
    }
    SH_PASS (sh_store_commit (&txn));
    s_fixture_fini (&fx);
}

static void
test_kat_inclusion (void)
{
    s_fixture_t fx;
    uint8_t hashes[8][H];
    s_kat_tree (&fx, hashes);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx.store, false, &txn));
    //  kSHA256Paths[0] = {0, 0}: no leaf in an empty tree.
    uint8_t proof[SH_MERKLE_PROOF_MAX][H];
    size_t n = 99;
    SH_FAIL (sh_merkle_inclusion (txn, 0, 0, proof, SH_MERKLE_PROOF_MAX, &n), SH_EINVAL);
    for (size_t v = 0; v < sizeof s_kat_paths / sizeof s_kat_paths[0]; v++) {
        const s_kat_path_t *kat = &s_kat_paths[v];
        uint64_t index = kat->leaf - 1;
        SH_PASS (sh_merkle_inclusion (txn, index, kat->size, proof, SH_MERKLE_PROOF_MAX, &n));
        SH_CHECK (n == kat->n);
        for (size_t i = 0; i < n; i++) {
            uint8_t want[H];
            s_unhex32 (want, kat->proof[i]);
            SH_CHECK (s_eq (proof[i], want));
        }
        uint8_t root[H], want_root[H];
        s_unhex32 (want_root, s_kat_roots[kat->size - 1]);
        SH_PASS (sh_merkle_root (txn, kat->size, root));
        SH_CHECK (s_eq (root, want_root));
        s_probe_inclusion (hashes[index], index, kat->size, (const uint8_t (*)[H]) proof, n,
                           want_root, true);
    }
    sh_store_abort (&txn);
    s_fixture_fini (&fx);
}

static void
test_kat_consistency (void)
{
    s_fixture_t fx;
    uint8_t hashes[8][H];
    s_kat_tree (&fx, hashes);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx.store, false, &txn));
    for (size_t v = 0; v < sizeof s_kat_cons / sizeof s_kat_cons[0]; v++) {
        const s_kat_cons_t *kat = &s_kat_cons[v];
        uint8_t proof[SH_MERKLE_PROOF_MAX][H];
        size_t n = 99;
        SH_PASS (sh_merkle_consistency (txn, kat->size1, kat->size2, proof, SH_MERKLE_PROOF_MAX, &n));
        SH_CHECK (n == kat->n);
        for (size_t i = 0; i < n; i++) {
            uint8_t want[H];
            s_unhex32 (want, kat->proof[i]);
            SH_CHECK (s_eq (proof[i], want));
        }
        uint8_t r1[H], r2[H];
        s_unhex32 (r1, s_kat_roots[kat->size1 - 1]);
        s_unhex32 (r2, s_kat_roots[kat->size2 - 1]);
        s_probe_consistency (kat->size1, kat->size2, r1, r2, (const uint8_t (*)[H]) proof, n, true);
    }
    sh_store_abort (&txn);
    s_fixture_fini (&fx);
}

//  The edge-case tables of TestVerifyInclusion / TestVerifyConsistency
//  (transparency-dev/merkle proof/verify_test.go), with our stricter rule
//  that the root of size 0 is SHA-256("").
static void
test_verify_edges (void)
{
    uint8_t some[H], empty[H], root1[H], root2[H];
    s_unhex32 (some, "abacaba000000000000000000000000000000000000000000060061e00123456");
    s_unhex32 (empty, s_kat_empty_root);
    memset (root1, 0x11, H);
    memset (root2, 0x22, H);
    const uint8_t (*none)[H] = NULL;

    //  Inclusion: {index, size} = {0,0} {0,1} {1,0} {2,1} with an empty proof.
    const uint64_t probes[4][2] = { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 2, 1 } };
    for (int i = 0; i < 4; i++) {
        SH_CHECK (sh_merkle_verify_inclusion (some, probes[i][0], probes[i][1], none, 0, empty) != SH_OK);
        SH_CHECK (sh_merkle_verify_inclusion (empty, probes[i][0], probes[i][1], none, 0, some) != SH_OK);
    }
    SH_FAIL (sh_merkle_verify_inclusion (some, 0, 0, none, 0, some), SH_EINVAL);
    SH_FAIL (sh_merkle_verify_inclusion (some, 2, 1, none, 0, some), SH_EINVAL);
    //  TestVerifyInclusionSingleEntry: a 1-leaf tree's root is the leaf hash.
    uint8_t leaf[H];
    sh_merkle_leaf_hash (leaf, (const uint8_t *) "data", 4);
    SH_PASS (sh_merkle_verify_inclusion (leaf, 0, 1, none, 0, leaf));
    SH_FAIL (sh_merkle_verify_inclusion (leaf, 0, 1, none, 0, some), SH_ECRYPTO);

    //  Consistency.
    SH_PASS (sh_merkle_verify_consistency (0, 0, empty, empty, none, 0));
    SH_PASS (sh_merkle_verify_consistency (0, 1, empty, root2, none, 0));
    SH_PASS (sh_merkle_verify_consistency (1, 1, root2, root2, none, 0));
    SH_FAIL (sh_merkle_verify_consistency (0, 0, root1, root2, none, 0), SH_ECRYPTO);
    SH_FAIL (sh_merkle_verify_consistency (1, 1, root1, root2, none, 0), SH_ECRYPTO);
    //  Stricter than the source: size 0 must have the empty tree's root.
    SH_FAIL (sh_merkle_verify_consistency (0, 1, root1, root2, none, 0), SH_ECRYPTO);
    //  Time travel to the past.
    SH_FAIL (sh_merkle_verify_consistency (1, 0, root1, root2, none, 0), SH_EINVAL);
    SH_FAIL (sh_merkle_verify_consistency (2, 1, root1, root2, none, 0), SH_EINVAL);
    //  Empty proof between different sizes.
    SH_FAIL (sh_merkle_verify_consistency (1, 2, root1, root2, none, 0), SH_ECRYPTO);
    //  Roots don't match.
    SH_FAIL (sh_merkle_verify_consistency (0, 0, empty, root2, none, 0), SH_ECRYPTO);
    SH_FAIL (sh_merkle_verify_consistency (1, 1, empty, root2, none, 0), SH_ECRYPTO);
    //  Roots match but the proof is not empty.
    const uint8_t (*one)[H] = (const uint8_t (*)[H]) empty;
    SH_FAIL (sh_merkle_verify_consistency (0, 0, empty, empty, one, 1), SH_ECRYPTO);
    SH_FAIL (sh_merkle_verify_consistency (0, 1, empty, empty, one, 1), SH_ECRYPTO);
    SH_FAIL (sh_merkle_verify_consistency (1, 1, empty, empty, one, 1), SH_ECRYPTO);
}

/* --------------------------------------------------------------------------
 * Arguments and store damage
 * -------------------------------------------------------------------------- */

static void
test_bad_arguments (void)
{
    s_fixture_t fx;
    s_fixture_init (&fx);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    uint8_t proof[SH_MERKLE_PROOF_MAX][H], h[H];
    size_t n;
    uint64_t size = 99;

    //  An empty tree.
    SH_PASS (sh_merkle_size (txn, &size));
    SH_CHECK (size == 0);
    SH_FAIL (sh_merkle_leaf (txn, 0, h), SH_EINVAL);
    SH_FAIL (sh_merkle_root (txn, 1, h), SH_EINVAL);
    SH_PASS (sh_merkle_consistency (txn, 0, 0, proof, SH_MERKLE_PROOF_MAX, &n));
    SH_CHECK (n == 0);

    for (uint64_t i = 0; i < 13; i++) {
        uint8_t leaf[8];
        s_leaf_bytes (leaf, i);
        SH_PASS (sh_merkle_append (txn, leaf, sizeof leaf, NULL));
    }
    SH_FAIL (sh_merkle_inclusion (txn, 13, 13, proof, SH_MERKLE_PROOF_MAX, &n), SH_EINVAL);
    SH_FAIL (sh_merkle_inclusion (txn, 5, 5, proof, SH_MERKLE_PROOF_MAX, &n), SH_EINVAL);
    SH_FAIL (sh_merkle_inclusion (txn, 0, 14, proof, SH_MERKLE_PROOF_MAX, &n), SH_EINVAL);
    SH_FAIL (sh_merkle_inclusion (txn, UINT64_MAX, UINT64_MAX, proof, SH_MERKLE_PROOF_MAX, &n), SH_EINVAL);
    SH_FAIL (sh_merkle_consistency (txn, 6, 5, proof, SH_MERKLE_PROOF_MAX, &n), SH_EINVAL);
    SH_FAIL (sh_merkle_consistency (txn, 5, 14, proof, SH_MERKLE_PROOF_MAX, &n), SH_EINVAL);
    SH_FAIL (sh_merkle_root (txn, 14, h), SH_EINVAL);
    SH_FAIL (sh_merkle_leaf (txn, 13, h), SH_EINVAL);
    //  Trivial consistency proofs are empty.
    SH_PASS (sh_merkle_consistency (txn, 0, 13, proof, SH_MERKLE_PROOF_MAX, &n));
    SH_CHECK (n == 0);
    SH_PASS (sh_merkle_consistency (txn, 7, 7, proof, SH_MERKLE_PROOF_MAX, &n));
    SH_CHECK (n == 0);
    //  Too little room: EINVAL, and n says how much is needed.
    SH_FAIL (sh_merkle_inclusion (txn, 0, 13, proof, 3, &n), SH_EINVAL);
    SH_CHECK (n == 4);
    SH_PASS (sh_merkle_inclusion (txn, 0, 13, proof, 4, &n));
    SH_CHECK (n == 4);
    SH_FAIL (sh_merkle_consistency (txn, 3, 13, NULL, 0, &n), SH_EINVAL);
    SH_CHECK (n > 0);
    SH_PASS (sh_merkle_consistency (txn, 3, 13, proof, n, &n));
    SH_PASS (sh_store_commit (&txn));
    s_fixture_fini (&fx);
}

static void
test_corrupt_store (void)
{
    s_fixture_t fx;
    s_fixture_init (&fx);
    s_append_range (fx.store, 0, 6, NULL);
    sh_store_txn_t *txn;
    uint8_t h[H], proof[SH_MERKLE_PROOF_MAX][H];
    size_t n;

    //  A missing perfect subtree: (level 1, index 0) covers leaves 0 and 1.
    uint8_t key[9] = { 1 };
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    SH_PASS (sh_store_del (txn, SH_DB_TREE, key, sizeof key));
    SH_FAIL (sh_merkle_root (txn, 2, h), SH_ECORRUPT);
    SH_FAIL (sh_merkle_inclusion (txn, 3, 4, proof, SH_MERKLE_PROOF_MAX, &n), SH_ECORRUPT);
    SH_PASS (sh_merkle_root (txn, 1, h));
    SH_PASS (sh_merkle_root (txn, 4, h));       //  level 2 still there
    //  A hash of the wrong length.
    SH_PASS (sh_store_put (txn, SH_DB_TREE, key, sizeof key, h, H - 1));
    SH_FAIL (sh_merkle_root (txn, 2, h), SH_ECORRUPT);
    sh_store_abort (&txn);

    //  A malformed size.
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    SH_PASS (sh_store_put (txn, SH_DB_META, "tree.size", 9, "1234567", 7));
    uint64_t size;
    SH_FAIL (sh_merkle_size (txn, &size), SH_ECORRUPT);
    SH_FAIL (sh_merkle_append (txn, h, 1, NULL), SH_ECORRUPT);
    SH_FAIL (sh_merkle_root (txn, 1, h), SH_ECORRUPT);
    sh_store_abort (&txn);

    //  Aborted damage left nothing behind.
    SH_PASS (sh_store_begin (fx.store, false, &txn));
    SH_PASS (sh_merkle_size (txn, &size));
    SH_CHECK (size == 6);
    SH_PASS (sh_merkle_root (txn, 2, h));
    sh_store_abort (&txn);
    s_fixture_fini (&fx);
}

/* --------------------------------------------------------------------------
 * Properties
 * -------------------------------------------------------------------------- */

#define S_INCL_MAX 300
#define S_CONS_MAX 100

static void
test_inclusion_all (void)
{
    s_fixture_t fx;
    s_fixture_init (&fx);
    static uint8_t hashes[S_INCL_MAX][H];
    s_append_range (fx.store, 0, S_INCL_MAX, hashes);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx.store, false, &txn));
    uint64_t proofs = 0, hashes_total = 0;
    size_t longest = 0;
    for (uint64_t size = 1; size <= S_INCL_MAX; size++) {
        uint8_t root[H], ref_root[H];
        SH_PASS (sh_merkle_root (txn, size, root));
        s_ref_mth ((const uint8_t (*)[H]) hashes, size, ref_root);
        SH_CHECK (s_eq (root, ref_root));
        //  Every proof is also compared with the reference for small
        //  trees and around 256.
        bool compare = size <= 128 || (size >= 255 && size <= 257) || size == S_INCL_MAX;
        for (uint64_t index = 0; index < size; index++) {
            uint8_t proof[SH_MERKLE_PROOF_MAX][H];
            size_t n;
            SH_PASS (sh_merkle_inclusion (txn, index, size, proof, SH_MERKLE_PROOF_MAX, &n));
            if (compare) {
                uint8_t ref[SH_MERKLE_PROOF_MAX][H];
                size_t ref_n = 0;
                s_ref_path (index, (const uint8_t (*)[H]) hashes, size, ref, &ref_n);
                SH_CHECK (n == ref_n);
                SH_CHECK (memcmp (proof, ref, n * H) == 0);
            }
            s_probe_inclusion (hashes[index], index, size, (const uint8_t (*)[H]) proof, n,
                               root, size <= 32);
            proofs++;
            hashes_total += n;
            if (n > longest)
                longest = n;
        }
    }
    sh_store_abort (&txn);
    printf ("  %" PRIu64 " inclusion proofs (avg %.2f hashes, longest %zu) verified and probed\n",
            proofs, (double) hashes_total / (double) proofs, longest);
    s_fixture_fini (&fx);
}

static void
test_consistency_all (void)
{
    s_fixture_t fx;
    s_fixture_init (&fx);
    uint8_t hashes[S_CONS_MAX][H];
    s_append_range (fx.store, 0, S_CONS_MAX, hashes);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx.store, false, &txn));
    uint8_t roots[S_CONS_MAX + 1][H];
    for (uint64_t size = 0; size <= S_CONS_MAX; size++)
        SH_PASS (sh_merkle_root (txn, size, roots[size]));
    uint64_t pairs = 0;
    for (uint64_t n2 = 0; n2 <= S_CONS_MAX; n2++) {
        for (uint64_t m = 0; m <= n2; m++) {
            uint8_t proof[SH_MERKLE_PROOF_MAX][H];
            size_t n;
            SH_PASS (sh_merkle_consistency (txn, m, n2, proof, SH_MERKLE_PROOF_MAX, &n));
            uint8_t ref[SH_MERKLE_PROOF_MAX][H];
            size_t ref_n = 0;
            if (m > 0)
                s_ref_subproof (m, (const uint8_t (*)[H]) hashes, n2, true, ref, &ref_n);
            SH_CHECK (n == ref_n);
            SH_CHECK (memcmp (proof, ref, n * H) == 0);
            SH_CHECK (m == 0 || m == n2 || n > 0);
            s_probe_consistency (m, n2, roots[m], roots[n2], (const uint8_t (*)[H]) proof, n,
                                 n2 <= 32);
            //  A proof of another pair never passes for this one.
            if (m > 1 && m < n2) {
                uint8_t other[SH_MERKLE_PROOF_MAX][H];
                size_t on;
                SH_PASS (sh_merkle_consistency (txn, m - 1, n2, other, SH_MERKLE_PROOF_MAX, &on));
                s_bad_consistency (m, n2, roots[m], roots[n2], (const uint8_t (*)[H]) other, on);
            }
            pairs++;
        }
    }
    sh_store_abort (&txn);
    printf ("  %" PRIu64 " consistency pairs verified and probed\n", pairs);
    s_fixture_fini (&fx);
}

static void
test_roots_match_root_of (void)
{
    s_fixture_t fx;
    s_fixture_init (&fx);
    static uint8_t hashes[S_INCL_MAX][H];
    s_append_range (fx.store, 0, S_INCL_MAX, hashes);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx.store, false, &txn));
    for (uint64_t size = 0; size <= S_INCL_MAX; size++) {
        uint8_t a[H], b[H];
        SH_PASS (sh_merkle_root (txn, size, a));
        sh_merkle_root_of ((const uint8_t (*)[H]) hashes, (size_t) size, b);
        SH_CHECK (s_eq (a, b));
    }
    //  append_hash with the leaf hash makes the same tree as append.
    sh_store_abort (&txn);
    s_fixture_t fy;
    s_fixture_init (&fy);
    SH_PASS (sh_store_begin (fy.store, true, &txn));
    for (uint64_t i = 0; i < S_INCL_MAX; i++)
        SH_PASS (sh_merkle_append_hash (txn, hashes[i], NULL));
    uint8_t a[H], b[H];
    SH_PASS (sh_merkle_root (txn, S_INCL_MAX, a));
    sh_merkle_root_of ((const uint8_t (*)[H]) hashes, S_INCL_MAX, b);
    SH_CHECK (s_eq (a, b));
    SH_PASS (sh_store_commit (&txn));
    s_fixture_fini (&fy);
    s_fixture_fini (&fx);
}

//  Every TREE entry and tree.size of store, as one list to compare.
static void
s_dump (sh_store_t *store, uint8_t *out, size_t cap, size_t *len, uint64_t *entries)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, false, &txn));
    sh_store_cursor_t *cur;
    SH_PASS (sh_store_cursor_open (txn, SH_DB_TREE, NULL, 0, &cur));
    *len = 0;
    *entries = 0;
    const uint8_t *k, *v;
    size_t kl, vl;
    sh_err err;
    while ((err = sh_store_cursor_next (cur, &k, &kl, &v, &vl)) == SH_OK) {
        SH_CHECK (kl == 9 && vl == H);
        SH_CHECK (*len + kl + vl <= cap);
        memcpy (out + *len, k, kl);
        memcpy (out + *len + kl, v, vl);
        *len += kl + vl;
        (*entries)++;
    }
    SH_FAIL (err, SH_ENOTFOUND);
    sh_store_cursor_close (&cur);
    uint64_t size;
    SH_PASS (sh_merkle_size (txn, &size));
    SH_CHECK (*len + 8 <= cap);
    sh_store_put_be64 (out + *len, size);
    *len += 8;
    sh_store_abort (&txn);
}

static void
test_separate_and_one_txn (void)
{
    //  A: one transaction per leaf; B: all in one; C: batches of 1..17.
    s_fixture_t a, b, c;
    s_fixture_init (&a);
    s_fixture_init (&b);
    s_fixture_init (&c);
    for (uint64_t i = 0; i < S_INCL_MAX; i++)
        s_append_range (a.store, i, i + 1, NULL);
    s_append_range (b.store, 0, S_INCL_MAX, NULL);
    uint64_t at = 0;
    for (uint64_t step = 1; at < S_INCL_MAX; step = step % 17 + 1) {
        uint64_t to = at + step < S_INCL_MAX? at + step: S_INCL_MAX;
        s_append_range (c.store, at, to, NULL);
        at = to;
    }
    enum { CAP = 2 * S_INCL_MAX * (9 + H) + 8 };
    static uint8_t da[CAP], db[CAP], dc[CAP];
    size_t la, lb, lc;
    uint64_t ea, eb, ec;
    s_dump (a.store, da, CAP, &la, &ea);
    s_dump (b.store, db, CAP, &lb, &eb);
    s_dump (c.store, dc, CAP, &lc, &ec);
    SH_CHECK (la == lb && la == lc);
    SH_CHECK (memcmp (da, db, la) == 0 && memcmp (da, dc, la) == 0);
    //  A perfect subtree per complete power-of-two block: 2n - popcount(n).
    SH_CHECK (ea == 2 * S_INCL_MAX - (uint64_t) __builtin_popcountll (S_INCL_MAX));
    s_fixture_fini (&a);
    s_fixture_fini (&b);
    s_fixture_fini (&c);
}

static void
test_persist_and_abort (void)
{
    s_fixture_t fx;
    s_fixture_init (&fx);
    static uint8_t hashes[64][H];
    s_append_range (fx.store, 0, 10, hashes);
    //  An aborted append leaves no trace.
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    SH_PASS (sh_merkle_append (txn, (const uint8_t *) "x", 1, NULL));
    SH_PASS (sh_merkle_append (txn, (const uint8_t *) "y", 1, NULL));
    sh_store_abort (&txn);
    //  A failed commit neither (fault point).
    sh_store_fail_commit_after (fx.store, 1);
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    SH_PASS (sh_merkle_append (txn, (const uint8_t *) "z", 1, NULL));
    SH_FAIL (sh_store_commit (&txn), SH_EFAULT);
    //  Reopen and go on.
    sh_store_close (&fx.store);
    SH_PASS (sh_store_open (&fx.store, fx.dir, false, 0));
    SH_PASS (sh_store_begin (fx.store, false, &txn));
    uint64_t size;
    SH_PASS (sh_merkle_size (txn, &size));
    SH_CHECK (size == 10);
    sh_store_abort (&txn);
    s_append_range (fx.store, 10, 64, hashes);
    SH_PASS (sh_store_begin (fx.store, false, &txn));
    for (uint64_t s = 0; s <= 64; s++) {
        uint8_t a[H], b[H];
        SH_PASS (sh_merkle_root (txn, s, a));
        sh_merkle_root_of ((const uint8_t (*)[H]) hashes, (size_t) s, b);
        SH_CHECK (s_eq (a, b));
    }
    sh_store_abort (&txn);
    s_fixture_fini (&fx);
}

/* --------------------------------------------------------------------------
 * Rates (printed, not asserted)
 * -------------------------------------------------------------------------- */

#define S_BIG 100000
#define S_BATCH 1000
#define S_QUERIES 20000

static void
test_rate_100k (void)
{
    s_fixture_t fx;
    s_fixture_init (&fx);
    double t0 = s_now ();
    for (uint64_t at = 0; at < S_BIG; at += S_BATCH)
        s_append_range (fx.store, at, at + S_BATCH, NULL);
    double t1 = s_now ();
    printf ("  append: %d leaves in %.3f s = %.0f leaves/s (durable commit every %d)\n",
            S_BIG, t1 - t0, S_BIG / (t1 - t0), S_BATCH);

    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx.store, false, &txn));
    uint8_t root[H], big_root[H];
    SH_PASS (sh_merkle_root (txn, S_BIG, root));
    memcpy (big_root, root, H);
    uint64_t x = 88172645463325252ULL;      //  xorshift64: repeatable picks
    #define S_RAND() (x ^= x << 13, x ^= x >> 7, x ^= x << 17, x)

    uint8_t proof[SH_MERKLE_PROOF_MAX][H];
    size_t n, total = 0;
    t0 = s_now ();
    for (int q = 0; q < S_QUERIES; q++) {
        SH_PASS (sh_merkle_inclusion (txn, S_RAND () % S_BIG, S_BIG, proof, SH_MERKLE_PROOF_MAX, &n));
        total += n;
    }
    t1 = s_now ();
    printf ("  inclusion proof at size %d: %.2f us each (avg %.1f hashes)\n",
            S_BIG, (t1 - t0) * 1e6 / S_QUERIES, (double) total / S_QUERIES);

    uint64_t index = 12345;
    uint8_t leaf[8], leaf_hash[H];
    s_leaf_bytes (leaf, index);
    sh_merkle_leaf_hash (leaf_hash, leaf, sizeof leaf);
    SH_PASS (sh_merkle_inclusion (txn, index, S_BIG, proof, SH_MERKLE_PROOF_MAX, &n));
    t0 = s_now ();
    for (int q = 0; q < S_QUERIES; q++)
        SH_PASS (sh_merkle_verify_inclusion (leaf_hash, index, S_BIG, (const uint8_t (*)[H]) proof, n, root));
    t1 = s_now ();
    printf ("  inclusion verify (%zu hashes): %.2f us each\n", n, (t1 - t0) * 1e6 / S_QUERIES);

    total = 0;
    t0 = s_now ();
    for (int q = 0; q < S_QUERIES; q++) {
        uint64_t m = S_RAND () % S_BIG + 1;
        SH_PASS (sh_merkle_consistency (txn, m, S_BIG, proof, SH_MERKLE_PROOF_MAX, &n));
        total += n;
    }
    t1 = s_now ();
    printf ("  consistency proof to size %d: %.2f us each (avg %.1f hashes)\n",
            S_BIG, (t1 - t0) * 1e6 / S_QUERIES, (double) total / S_QUERIES);

    uint64_t m = 77777;
    uint8_t old_root[H];
    SH_PASS (sh_merkle_root (txn, m, old_root));
    SH_PASS (sh_merkle_consistency (txn, m, S_BIG, proof, SH_MERKLE_PROOF_MAX, &n));
    t0 = s_now ();
    for (int q = 0; q < S_QUERIES; q++)
        SH_PASS (sh_merkle_verify_consistency (m, S_BIG, old_root, root, (const uint8_t (*)[H]) proof, n));
    t1 = s_now ();
    printf ("  consistency verify (%zu hashes): %.2f us each\n", n, (t1 - t0) * 1e6 / S_QUERIES);

    t0 = s_now ();
    for (int q = 0; q < S_QUERIES; q++)
        SH_PASS (sh_merkle_root (txn, S_RAND () % S_BIG + 1, root));
    t1 = s_now ();
    printf ("  root of a random earlier size: %.2f us each\n", (t1 - t0) * 1e6 / S_QUERIES);
    #undef S_RAND
    sh_store_abort (&txn);

    //  One big transaction, for comparison, and the in-memory recompute.
    s_fixture_t fy;
    s_fixture_init (&fy);
    t0 = s_now ();
    s_append_range (fy.store, 0, S_BIG, NULL);
    t1 = s_now ();
    printf ("  append: %d leaves in one transaction: %.3f s = %.0f leaves/s\n",
            S_BIG, t1 - t0, S_BIG / (t1 - t0));
    uint8_t (*hashes)[H] = malloc ((size_t) S_BIG * H);
    SH_CHECK (hashes);
    for (uint64_t i = 0; i < S_BIG; i++) {
        s_leaf_bytes (leaf, i);
        sh_merkle_leaf_hash (hashes[i], leaf, sizeof leaf);
    }
    uint8_t again[H];
    t0 = s_now ();
    sh_merkle_root_of ((const uint8_t (*)[H]) hashes, S_BIG, again);
    t1 = s_now ();
    SH_CHECK (s_eq (again, big_root));
    printf ("  root_of %d leaf hashes in memory: %.3f s\n", S_BIG, t1 - t0);
    free (hashes);
    s_fixture_fini (&fy);
    s_fixture_fini (&fx);
}

//  Batch receipts: for every split of trees up to 130 leaves into [0, a) and
//  [a, n), the left compact range of a plus the hashes of leaves a..n-1 give
//  the root of size n; a wrong hash, a missing leaf or a wrong split fails.
static void
test_batch_receipt (void)
{
    s_fixture_t fx;
    s_fixture_init (&fx);
    enum { N = 130 };
    static uint8_t hashes[N][H];
    s_append_range (fx.store, 0, N, hashes);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx.store, false, &txn));
    uint8_t left[SH_MERKLE_PROOF_MAX][H];
    for (uint64_t n = 1; n <= N; n++) {
        uint8_t want[H];
        SH_PASS (sh_merkle_root (txn, n, want));
        for (uint64_t a = 0; a < n; a++) {
            size_t nl;
            SH_PASS (sh_merkle_left_range (txn, a, left, SH_MERKLE_PROOF_MAX, &nl));
            SH_CHECK (nl == sh_merkle_left_count (a));
            uint8_t root[H];
            SH_PASS (sh_merkle_range_root ((const uint8_t (*)[H]) left, nl, a,
                                           (const uint8_t (*)[H]) hashes + a, (size_t) (n - a), root));
            SH_CHECK (memcmp (root, want, H) == 0);
            //  one leaf fewer is another tree
            if (n - a >= 2) {
                SH_PASS (sh_merkle_range_root ((const uint8_t (*)[H]) left, nl, a,
                                               (const uint8_t (*)[H]) hashes + a, (size_t) (n - a - 1), root));
                SH_CHECK (memcmp (root, want, H) != 0);
            }
            //  a changed left hash gives another root
            if (nl > 0) {
                left[nl - 1][0] ^= 1;
                SH_PASS (sh_merkle_range_root ((const uint8_t (*)[H]) left, nl, a,
                                               (const uint8_t (*)[H]) hashes + a, (size_t) (n - a), root));
                SH_CHECK (memcmp (root, want, H) != 0);
                left[nl - 1][0] ^= 1;
            }
        }
    }
    //  the number of left hashes must fit the split
    uint8_t root[H];
    size_t nl;
    SH_PASS (sh_merkle_left_range (txn, 6, left, SH_MERKLE_PROOF_MAX, &nl));
    SH_FAIL (sh_merkle_range_root ((const uint8_t (*)[H]) left, nl, 7,
                                   (const uint8_t (*)[H]) hashes + 7, 3, root), SH_EINVAL);
    SH_FAIL (sh_merkle_left_range (txn, N + 1, left, SH_MERKLE_PROOF_MAX, &nl), SH_EINVAL);
    SH_FAIL (sh_merkle_range_root (NULL, 0, 0, NULL, 0, root), SH_EINVAL);
    sh_store_abort (&txn);
    s_fixture_fini (&fx);
}

//  Proof runs: for every size up to 40 and every run [a, b) inside it, the
//  left range of a, the leaves and the right range of [b, size) from the
//  stored tree give the root of that size; a changed right hash or a range
//  of the wrong length does not.
static void
test_span_root (void)
{
    s_fixture_t fx;
    s_fixture_init (&fx);
    enum { N = 40 };
    static uint8_t hashes[N][H];
    s_append_range (fx.store, 0, N, hashes);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx.store, false, &txn));
    uint8_t left[SH_MERKLE_PROOF_MAX][H], right[SH_MERKLE_PROOF_MAX][H], want[H], root[H];
    for (uint64_t n = 1; n <= N; n++) {
        SH_PASS (sh_merkle_root (txn, n, want));
        for (uint64_t a = 0; a < n; a++)
            for (uint64_t b = a + 1; b <= n; b++) {
                size_t nl, nr;
                SH_PASS (sh_merkle_left_range (txn, a, left, SH_MERKLE_PROOF_MAX, &nl));
                SH_PASS (sh_merkle_right_range (txn, b, n, right, SH_MERKLE_PROOF_MAX, &nr));
                SH_CHECK (nr == sh_merkle_right_count (b, n) && (b < n || nr == 0));
                SH_PASS (sh_merkle_span_root ((const uint8_t (*)[H]) left, nl, a, (const uint8_t (*)[H]) hashes + a,
                                              (size_t) (b - a), (const uint8_t (*)[H]) right, nr, n, root));
                SH_CHECK (memcmp (root, want, H) == 0);
                if (nr > 0) {
                    right[nr - 1][0] ^= 1;
                    SH_PASS (sh_merkle_span_root ((const uint8_t (*)[H]) left, nl, a,
                                                  (const uint8_t (*)[H]) hashes + a, (size_t) (b - a),
                                                  (const uint8_t (*)[H]) right, nr, n, root));
                    SH_CHECK (memcmp (root, want, H) != 0);
                    SH_FAIL (sh_merkle_span_root ((const uint8_t (*)[H]) left, nl, a,
                                                  (const uint8_t (*)[H]) hashes + a, (size_t) (b - a),
                                                  (const uint8_t (*)[H]) right, nr - 1, n, root), SH_EINVAL);
                }
            }
    }
    size_t nr;
    SH_FAIL (sh_merkle_right_range (txn, 5, N + 1, right, SH_MERKLE_PROOF_MAX, &nr), SH_EINVAL);
    SH_FAIL (sh_merkle_right_range (txn, 6, 5, right, SH_MERKLE_PROOF_MAX, &nr), SH_EINVAL);
    SH_FAIL (sh_merkle_span_root (NULL, 0, 0, (const uint8_t (*)[H]) hashes, 2, NULL, 0, 1, root), SH_EINVAL);
    sh_store_abort (&txn);
    s_fixture_fini (&fx);
}

//  A tree cut back (a mirror drops leaves no checkpoint confirmed) and grown
//  again with other leaves: every root and proof is the new tree's.
static void
test_truncate (void)
{
    s_fixture_t fx;
    s_fixture_init (&fx);
    uint8_t hashes[40][H], root[H], want[H];
    s_append_range (fx.store, 0, 27, hashes);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    SH_FAIL (sh_merkle_truncate (txn, 28), SH_EINVAL);
    SH_PASS (sh_merkle_truncate (txn, 13));
    uint64_t size;
    SH_PASS (sh_merkle_size (txn, &size));
    SH_CHECK (size == 13);
    SH_FAIL (sh_merkle_root (txn, 14, root), SH_EINVAL);
    for (uint64_t i = 13; i < 40; i++) {        //  other leaves where the dropped ones were
        uint8_t leaf[9] = { 'x' };
        sh_store_put_be64 (leaf + 1, i);
        sh_merkle_leaf_hash (hashes[i], leaf, sizeof leaf);
        SH_PASS (sh_merkle_append_hash (txn, hashes[i], NULL));
    }
    SH_PASS (sh_store_commit (&txn));
    SH_PASS (sh_store_begin (fx.store, false, &txn));
    for (uint64_t n = 1; n <= 40; n++) {
        sh_merkle_root_of ((const uint8_t (*)[H]) hashes, n, want);
        SH_PASS (sh_merkle_root (txn, n, root));
        SH_CHECK (s_eq (root, want));
    }
    uint8_t proof[SH_MERKLE_PROOF_MAX][H], old[H];
    size_t np;
    sh_merkle_root_of ((const uint8_t (*)[H]) hashes, 13, old);
    SH_PASS (sh_merkle_consistency (txn, 13, 40, proof, SH_MERKLE_PROOF_MAX, &np));
    SH_PASS (sh_merkle_verify_consistency (13, 40, old, want, (const uint8_t (*)[H]) proof, np));
    sh_store_abort (&txn);
    s_fixture_fini (&fx);
}

static const sh_test_case_t tests[] = {
    { "truncate", test_truncate },
    { "kat hashes", test_kat_hashes },
    { "span root", test_span_root },
    { "kat roots", test_kat_roots },
    { "kat inclusion", test_kat_inclusion },
    { "kat consistency", test_kat_consistency },
    { "verify edges", test_verify_edges },
    { "bad arguments", test_bad_arguments },
    { "corrupt store", test_corrupt_store },
    { "inclusion all", test_inclusion_all },
    { "consistency all", test_consistency_all },
    { "roots match root_of", test_roots_match_root_of },
    { "separate and one txn", test_separate_and_one_txn },
    { "persist and abort", test_persist_and_abort },
    { "rate 100k", test_rate_100k },
    { "batch receipt", test_batch_receipt },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
