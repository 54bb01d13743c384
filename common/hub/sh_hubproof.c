/*  sh_hubproof -- inclusion proofs of a node's changes, as runs. */
#include "sh_hubproof.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sh_changelog.h"
#include "sh_hublog.h"
#include "sh_merkle.h"

//  Find the runs: the leaves of first_seq .. (as many as fit) in the tree
//  of size leaves.
static sh_err
s_runs (sh_hubproof_t *p, sh_store_txn_t *txn, const uint8_t author[SH_PUBKEY_BYTES], uint64_t count)
{
    for (uint64_t seq = p->first_seq; seq < p->first_seq + count; seq++) {
        uint64_t index;
        sh_err rc = sh_changelog_find (txn, author, seq, &index, NULL);
        if (rc == SH_ENOTFOUND)
            return SH_OK;               //  not held: the node asks again later
        if (rc)
            return rc;
        if (index == 0)
            return SH_ECORRUPT;
        uint64_t leaf = index - 1;
        if (leaf >= p->checkpoint_size)
            return SH_OK;               //  not in this tree yet
        sh_wire_run_t *last = p->n_runs ? &p->runs[p->n_runs - 1] : NULL;
        if (last && leaf == last->first_leaf + last->count)
            last->count++;
        else {
            if (p->n_runs == SH_WIRE_RUNS_MAX)
                return SH_OK;
            p->runs[p->n_runs++] = (sh_wire_run_t) { .first_seq = seq, .count = 1, .first_leaf = leaf };
        }
    }
    return SH_OK;
}

sh_err
sh_hubproof_make (sh_hubproof_t *p, sh_store_t *store, const uint8_t author[SH_PUBKEY_BYTES],
                  uint64_t first_seq, uint32_t count, uint64_t checkpoint_size)
{
    assert (p && store && author);
    memset (p, 0, sizeof *p);
    p->first_seq = first_seq;
    p->checkpoint_size = checkpoint_size;
    if (first_seq == 0 || count == 0 || checkpoint_size == 0)
        return SH_OK;
    uint64_t n = count < SH_WIRE_PROVE_MAX ? count : SH_WIRE_PROVE_MAX;
    if (first_seq + n < first_seq)
        n = UINT64_MAX - first_seq;
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (store, false, &txn);
    uint64_t tree = 0;
    if (rc == SH_OK)
        rc = sh_merkle_size (txn, &tree);
    if (rc == SH_OK && checkpoint_size > tree)
        rc = SH_EINVAL;
    if (rc == SH_OK)
        rc = s_runs (p, txn, author, n);
    if (rc == SH_OK && p->n_runs) {
        p->hashes = calloc (p->n_runs * SH_WIRE_RUN_HASHES_MAX, SH_HASH_BYTES);
        if (!p->hashes)
            rc = SH_ENOMEM;
    }
    for (size_t i = 0; rc == SH_OK && i < p->n_runs; i++) {
        sh_wire_run_t *r = &p->runs[i];
        size_t n_left = 0, n_right = 0;
        r->hashes = p->hashes + i * SH_WIRE_RUN_HASHES_MAX;
        rc = sh_merkle_left_range (txn, r->first_leaf, r->hashes, SH_WIRE_RUN_HASHES_MAX / 2, &n_left);
        if (rc == SH_OK)
            rc = sh_merkle_right_range (txn, r->first_leaf + r->count, checkpoint_size, r->hashes + n_left,
                                        SH_WIRE_RUN_HASHES_MAX - n_left, &n_right);
        r->n_hashes = n_left + n_right;
    }
    sh_store_abort (&txn);
    if (rc)
        sh_hubproof_fini (p);
    return rc;
}

void
sh_hubproof_fini (sh_hubproof_t *p)
{
    if (p) {
        free (p->hashes);
        memset (p, 0, sizeof *p);
    }
}

sh_err
sh_hubproof_receipt (sh_store_t *store, const sh_hubid_t *hub, uint64_t accepted, uint64_t given, char **note,
                     uint64_t *size, uint8_t (*range)[SH_HASH_BYTES], size_t *n_range,
                     uint8_t (*cons)[SH_HASH_BYTES], size_t *n_cons)
{
    *note = NULL;
    *n_range = *n_cons = 0;
    sh_err rc = sh_hublog_checkpoint (store, hub, note, size);
    if (rc == SH_OK && (!*note || *size < accepted))
        rc = SH_ECORRUPT;
    sh_store_txn_t *txn = NULL;
    if (rc == SH_OK)
        rc = sh_store_begin (store, false, &txn);
    if (rc == SH_OK)
        rc = sh_merkle_left_range (txn, *size - accepted, range, SH_WIRE_PROOF_MAX, n_range);
    if (rc == SH_OK && given && given < *size)
        rc = sh_merkle_consistency (txn, given, *size, cons, SH_WIRE_PROOF_MAX, n_cons);
    sh_store_abort (&txn);
    if (rc) {
        free (*note);
        *note = NULL;
    }
    return rc;
}
