/*  audit_tree -- RFC 9162 Merkle roots and proofs over an array of leaf
    hashes (see audit.h). The stored-tree twin is common/core/sh_merkle.c; the
    hashing is sh_merkle's (sh_merkle_node_hash, sh_merkle_root_of).
*/
#include "audit.h"

#include <assert.h>
#include <string.h>

#include "sh_merkle.h"

//  The largest power of two smaller than n (n >= 2): RFC 9162's k.
static uint64_t
s_split (uint64_t n)
{
    assert (n >= 2);
    return (uint64_t) 1 << (63 - __builtin_clzll (n - 1));
}

//  MTH(D[start : start + count]).
static void
s_mth (const uint8_t (*leaves)[SH_HASH_BYTES], uint64_t start, uint64_t count,
       uint8_t out[SH_HASH_BYTES])
{
    sh_merkle_root_of (leaves + start, (size_t) count, out);
}

typedef struct {
    const uint8_t (*leaves)[SH_HASH_BYTES];   //  all leaf hashes
    uint8_t (*proof)[SH_HASH_BYTES];          //  output
    size_t max;                               //  its capacity
    size_t n;                                 //  hashes the proof needs (may exceed max)
} s_proof_t;

static void
s_append (s_proof_t *p, uint64_t start, uint64_t count)
{
    if (p->n < p->max)
        s_mth (p->leaves, start, count, p->proof[p->n]);
    p->n++;
}

//  PATH(m, D[start : start + n]): the sub-path first, then the sibling,
//  which gives the RFC's bottom-up order.
static void
s_path (s_proof_t *p, uint64_t m, uint64_t start, uint64_t n)
{
    if (n <= 1)
        return;
    uint64_t k = s_split (n);
    if (m < k) {
        s_path (p, m, start, k);
        s_append (p, start + k, n - k);
    }
    else {
        s_path (p, m - k, start + k, n - k);
        s_append (p, start, k);
    }
}

//  SUBPROOF(m, D[start : start + n], b).
static void
s_subproof (s_proof_t *p, uint64_t m, uint64_t start, uint64_t n, bool b)
{
    if (m == n) {
        if (!b)
            s_append (p, start, n);
        return;
    }
    uint64_t k = s_split (n);
    if (m <= k) {
        s_subproof (p, m, start, k, b);
        s_append (p, start + k, n - k);
    }
    else {
        s_subproof (p, m - k, start + k, n - k, false);
        s_append (p, start, k);
    }
}

/* ------------------------------------------------------------------------ */

void
audit_tree_init (audit_tree_t *self)
{
    assert (self);
    memset (self, 0, sizeof *self);
}

void
audit_tree_add (audit_tree_t *self, const uint8_t leaf_hash[SH_HASH_BYTES])
{
    assert (self && leaf_hash);
    assert (self->depth < 64);
    memcpy (self->stack[self->depth++], leaf_hash, SH_HASH_BYTES);
    self->size++;
    //  merge the perfect subtrees completed by this leaf: one per trailing 1 bit
    for (uint64_t done = self->size; !(done & 1); done >>= 1) {
        self->depth--;
        sh_merkle_node_hash (self->stack[self->depth - 1], self->stack[self->depth - 1],
                             self->stack[self->depth]);
    }
}

void
audit_tree_root (const audit_tree_t *self, uint8_t root[SH_HASH_BYTES])
{
    assert (self && root);
    if (self->depth == 0) {
        sh_merkle_root_of (NULL, 0, root);
        return;
    }
    //  MTH = right fold of the perfect subtrees
    memcpy (root, self->stack[self->depth - 1], SH_HASH_BYTES);
    for (size_t i = self->depth - 1; i-- > 0;)
        sh_merkle_node_hash (root, self->stack[i], root);
}

sh_err
audit_tree_inclusion (const uint8_t (*leaves)[SH_HASH_BYTES], uint64_t size, uint64_t index,
                      uint8_t (*proof)[SH_HASH_BYTES], size_t max, size_t *n)
{
    assert (leaves || size == 0);
    assert (n);
    *n = 0;
    if (index >= size)
        return SH_EINVAL;
    s_proof_t p = { leaves, proof, max, 0 };
    s_path (&p, index, 0, size);
    *n = p.n;
    return p.n > max ? SH_EINVAL : SH_OK;
}

sh_err
audit_tree_consistency (const uint8_t (*leaves)[SH_HASH_BYTES], uint64_t old_size, uint64_t new_size,
                        uint8_t (*proof)[SH_HASH_BYTES], size_t max, size_t *n)
{
    assert (leaves || new_size == 0);
    assert (n);
    *n = 0;
    if (old_size > new_size)
        return SH_EINVAL;
    if (old_size == 0 || old_size == new_size)
        return SH_OK;
    s_proof_t p = { leaves, proof, max, 0 };
    s_subproof (&p, old_size, 0, new_size, true);
    *n = p.n;
    return p.n > max ? SH_EINVAL : SH_OK;
}
