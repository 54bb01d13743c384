/*  node_proof -- Prove and Proof on the node's side (node_proof.h). */
#include "node_proof.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sh_exit.h"
#include "sh_i18n.h"
#include "sh_receipts.h"

typedef struct {
    uint64_t first, last;               //  the first gap found
    bool found;
} s_gap_t;

static int
s_first_gap (uint64_t first, uint64_t last, void *arg)
{
    s_gap_t *g = arg;
    *g = (s_gap_t) { first, last, true };
    return 1;
}

void
node_proof_reset (node_proof_state_t *p, uint64_t upto)
{
    *p = (node_proof_state_t) { .from = 1, .upto = upto };
}

bool
node_proof_done (const node_proof_state_t *p)
{
    return !p->outstanding && p->from > p->upto;
}

int
node_proof_ask (node_proof_state_t *p, sh_replica_t *r, sh_wire_msg_t *m)
{
    assert (p && r && m && !p->outstanding);
    memset (m, 0, sizeof *m);
    if (p->from == 0 || p->upto < p->from)
        return SH_EXIT_OK;
    s_gap_t g = { 0 };
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (sh_replica_store (r), false, &txn);
    if (rc == SH_OK)
        rc = sh_receipts_uncovered (txn, p->from, p->upto, s_first_gap, &g);
    sh_store_abort (&txn);
    if (rc) {
        fprintf (stderr, _("shouhe-node: cannot read the receipts: %s\n"), sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    if (!g.found) {
        p->from = p->upto + 1;          //  every one is covered
        return SH_EXIT_OK;
    }
    uint64_t n = g.last - g.first + 1;
    p->from = p->first = g.first;
    p->count = (uint32_t) (n < SH_WIRE_PROVE_MAX ? n : SH_WIRE_PROVE_MAX);
    m->type = SH_WIRE_PROVE;
    m->u.prove.first_seq = p->first;
    m->u.prove.count = p->count;
    return SH_EXIT_OK;
}

void
node_proof_sent (node_proof_state_t *p, uint64_t msg_no)
{
    p->outstanding = true;
    p->msg_no = msg_no;
}

//  Are the runs of m consecutive from first and within the count asked?
static bool
s_runs_fit (const sh_wire_msg_t *m, uint64_t first, uint32_t count)
{
    uint64_t at = first, end = first + count;
    for (size_t i = 0; i < m->u.proof.n_runs; i++) {
        const sh_wire_run_t *run = &m->u.proof.runs[i];
        if (run->first_seq != at || run->count == 0 || run->count > end - at)
            return false;
        at += run->count;
    }
    return m->u.proof.n_runs > 0;
}

//  Check every run of m against the held checkpoint cp and store it.
static int
s_check_store (sh_replica_t *r, sh_store_txn_t *txn, const sh_wire_msg_t *m, const sh_receipts_head_t *cp)
{
    const uint8_t *me = sh_replica_author (r);
    for (size_t i = 0; i < m->u.proof.n_runs; i++) {
        const sh_wire_run_t *run = &m->u.proof.runs[i];
        sh_receipts_batch_t b = { .first_seq = run->first_seq, .count = run->count, .first_leaf = run->first_leaf,
                                  .size = cp->size, .range = (const uint8_t (*)[SH_HASH_BYTES]) run->hashes,
                                  .n_range = run->n_hashes };
        uint64_t failed_seq = 0;
        sh_err rc = sh_receipts_check_batch (txn, me, &b, cp->root, &failed_seq);
        if (rc && (failed_seq || rc == SH_ENOMEM)) {
            fprintf (stderr, _("shouhe-node: cannot read this node's change %" PRIu64 ": %s\n"), failed_seq,
                     sh_strerror (rc));
            return SH_EXIT_STORE;
        }
        if (rc) {
            fprintf (stderr, _("shouhe-node: the hub's proof of this node's changes %" PRIu64 "..%" PRIu64
                     " does not verify against its checkpoint of size %" PRIu64 "\n"), b.first_seq,
                     b.first_seq + b.count - 1, cp->size);
            return SH_EXIT_PROTOCOL;
        }
        rc = sh_receipts_put_batch (txn, &b);
        if (rc) {
            fprintf (stderr, _("shouhe-node: cannot store the receipt of changes %" PRIu64 "..%" PRIu64 ": %s\n"),
                     b.first_seq, b.first_seq + b.count - 1, sh_strerror (rc));
            return SH_EXIT_STORE;
        }
    }
    return SH_EXIT_OK;
}

int
node_proof_take (node_proof_state_t *p, sh_replica_t *r, const sh_hubid_t *hub, const sh_wire_msg_t *m,
                 uint64_t *stored)
{
    assert (p && p->outstanding && r && hub && m && m->type == SH_WIRE_PROOF && stored);
    uint64_t first = p->first;
    uint32_t count = p->count;
    *stored = 0;
    p->outstanding = false;
    if (!s_runs_fit (m, first, count)) {
        fprintf (stderr, _("shouhe-node: the hub's proof does not prove this node's changes %" PRIu64 "..%" PRIu64
                 " as asked\n"), first, first + count - 1);
        return SH_EXIT_PROTOCOL;
    }
    sh_store_txn_t *txn;
    sh_err rc = sh_replica_begin (r, &txn);
    if (rc) {
        fprintf (stderr, _("shouhe-node: cannot store the hub's proof: %s\n"), sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    sh_receipts_head_t cp;
    uint64_t size = m->u.proof.checkpoint_size;
    int ex = SH_EXIT_OK;
    rc = sh_receipts_checkpoint_at (txn, hub, size, &cp);
    if (rc == SH_ENOTFOUND || rc == SH_ECRYPTO) {
        fprintf (stderr, _("shouhe-node: the hub's proof of this node's changes %" PRIu64 "..%" PRIu64 " names a "
                 "checkpoint of size %" PRIu64 " that this node does not hold\n"), first, first + count - 1, size);
        ex = SH_EXIT_PROTOCOL;
    }
    else
    if (rc) {
        fprintf (stderr, _("shouhe-node: cannot read the receipts: %s\n"), sh_strerror (rc));
        ex = SH_EXIT_STORE;
    }
    if (ex == SH_EXIT_OK)
        ex = s_check_store (r, txn, m, &cp);
    if (ex == SH_EXIT_OK && (rc = sh_store_commit (&txn)) != SH_OK) {
        fprintf (stderr, rc == SH_ESTOREFULL ? _("shouhe-node: this node's disk is full (%s): free space, "
                                                  "nothing was lost\n")
                 : _("shouhe-node: cannot store the hub's proof: %s\n"), sh_strerror (rc));
        ex = sh_exit_store (rc);
    }
    sh_store_abort (&txn);
    if (ex == SH_EXIT_OK) {
        const sh_wire_run_t *last = &m->u.proof.runs[m->u.proof.n_runs - 1];
        p->from = last->first_seq + last->count;
        *stored = m->u.proof.n_runs;
    }
    return ex;
}
