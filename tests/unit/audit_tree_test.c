/*  audit_tree_test -- the auditor's Merkle helpers (audit/audit_tree.c)
    against sh_merkle's pure functions: the incremental root equals
    sh_merkle_root_of at every size, and every inclusion and consistency
    proof built from a leaf array verifies with sh_merkle_verify_* (and a
    wrong one does not), for every index and pair of sizes up to 70 leaves.

    The auditor is an executable, not a library, so its one pure source
    file is compiled into this test directly.
*/
#include "sh_test.h"

#include "../../audit/audit_tree.c"

#include "sh_merkle.h"

#define S_MAX_LEAVES 70

static uint8_t s_leaves[S_MAX_LEAVES][SH_HASH_BYTES];

static void
s_fill (void)
{
    for (unsigned i = 0; i < S_MAX_LEAVES; i++) {
        uint8_t b[4] = { 'l', (uint8_t) i, (uint8_t) (i >> 8), 0 };
        sh_merkle_leaf_hash (s_leaves[i], b, sizeof b);
    }
}

static void
test_root (void)
{
    s_fill ();
    audit_tree_t t;
    audit_tree_init (&t);
    uint8_t a[SH_HASH_BYTES], b[SH_HASH_BYTES];
    audit_tree_root (&t, a);
    sh_merkle_root_of (NULL, 0, b);
    SH_CHECK (memcmp (a, b, SH_HASH_BYTES) == 0);
    for (unsigned n = 1; n <= S_MAX_LEAVES; n++) {
        audit_tree_add (&t, s_leaves[n - 1]);
        SH_CHECK (t.size == n);
        audit_tree_root (&t, a);
        sh_merkle_root_of ((const uint8_t (*)[SH_HASH_BYTES]) s_leaves, n, b);
        SH_CHECK (memcmp (a, b, SH_HASH_BYTES) == 0);
    }
}

static void
test_inclusion (void)
{
    s_fill ();
    uint8_t proof[SH_MERKLE_PROOF_MAX][SH_HASH_BYTES], root[SH_HASH_BYTES];
    size_t n;
    for (unsigned size = 1; size <= S_MAX_LEAVES; size++) {
        sh_merkle_root_of ((const uint8_t (*)[SH_HASH_BYTES]) s_leaves, size, root);
        for (unsigned i = 0; i < size; i++) {
            SH_PASS (audit_tree_inclusion ((const uint8_t (*)[SH_HASH_BYTES]) s_leaves, size, i, proof,
                                           SH_MERKLE_PROOF_MAX, &n));
            SH_PASS (sh_merkle_verify_inclusion (s_leaves[i], i, size, (const uint8_t (*)[SH_HASH_BYTES]) proof,
                                                 n, root));
            if (n > 0) {
                proof[n - 1][0] ^= 1;
                SH_FAIL (sh_merkle_verify_inclusion (s_leaves[i], i, size,
                                                     (const uint8_t (*)[SH_HASH_BYTES]) proof, n, root),
                         SH_ECRYPTO);
            }
        }
        SH_FAIL (audit_tree_inclusion ((const uint8_t (*)[SH_HASH_BYTES]) s_leaves, size, size, proof,
                                       SH_MERKLE_PROOF_MAX, &n), SH_EINVAL);
    }
    //  a proof longer than max is refused, and says how long it is
    SH_FAIL (audit_tree_inclusion ((const uint8_t (*)[SH_HASH_BYTES]) s_leaves, 64, 0, proof, 3, &n), SH_EINVAL);
    SH_CHECK (n == 6);
}

static void
test_consistency (void)
{
    s_fill ();
    uint8_t proof[SH_MERKLE_PROOF_MAX][SH_HASH_BYTES], r1[SH_HASH_BYTES], r2[SH_HASH_BYTES];
    size_t n;
    for (unsigned m = 0; m <= S_MAX_LEAVES; m++)
        for (unsigned size = m; size <= S_MAX_LEAVES; size++) {
            sh_merkle_root_of ((const uint8_t (*)[SH_HASH_BYTES]) s_leaves, m, r1);
            sh_merkle_root_of ((const uint8_t (*)[SH_HASH_BYTES]) s_leaves, size, r2);
            SH_PASS (audit_tree_consistency ((const uint8_t (*)[SH_HASH_BYTES]) s_leaves, m, size, proof,
                                             SH_MERKLE_PROOF_MAX, &n));
            SH_CHECK ((n == 0) == (m == 0 || m == size));
            SH_PASS (sh_merkle_verify_consistency (m, size, r1, r2, (const uint8_t (*)[SH_HASH_BYTES]) proof, n));
            if (n > 0) {
                proof[0][5] ^= 0x40;
                SH_FAIL (sh_merkle_verify_consistency (m, size, r1, r2, (const uint8_t (*)[SH_HASH_BYTES]) proof, n),
                         SH_ECRYPTO);
            }
        }
    SH_FAIL (audit_tree_consistency ((const uint8_t (*)[SH_HASH_BYTES]) s_leaves, 5, 4, proof,
                                     SH_MERKLE_PROOF_MAX, &n), SH_EINVAL);
}

static const sh_test_case_t tests[] = {
    { "root", test_root },
    { "inclusion", test_inclusion },
    { "consistency", test_consistency },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
