/*  node_receipts -- the node's checks of the hub's checkpoints and batch
    receipts (node_session_int.h; docs/protocol.md 13.18).
*/
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "node_session_int.h"
#include "sh_exit.h"
#include "sh_hubid.h"
#include "sh_i18n.h"
#include "sh_replica.h"


//  TRANSLATORS: the start of two messages: "<this> (size N, the hub ...)"
static const char *s_inconsistent =
    N_("the hub's history is inconsistent with the checkpoint you hold");

//  Hold checkpoint cp as the newest (its size and root).
void
node_receipts_hold (node_session_t *self, const sh_note_checkpoint_t *cp)
{
    self->held.size = cp->size;
    memcpy (self->held.root, cp->root, SH_HASH_BYTES);
}

//  The newest checkpoint this node holds, verified with the hub's key.
int
node_receipts_load (node_session_t *self)
{
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (sh_replica_store (self->r), false, &txn);
    if (rc == SH_OK)
        rc = sh_receipts_latest (txn, self->hub, &self->held);
    sh_store_abort (&txn);
    if (rc == SH_ECRYPTO) {
        fprintf (stderr, _("shouhe-node: the checkpoints this node holds are not signed by --hub-key: "
                 "is this another hub?\n"));
        return SH_EXIT_PROTOCOL;
    }
    if (rc) {
        fprintf (stderr, _("shouhe-node: cannot read the receipts: %s\n"), sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    return SH_EXIT_OK;
}

//  Check a checkpoint the hub sent (signature, and consistency with the
//  one held) and store it with its proof in txn. Returns an exit code.
int
node_receipts_take (node_session_t *self, sh_store_txn_t *txn, const char *note,
                   uint8_t (*proof)[SH_HASH_BYTES], size_t n_proof, sh_note_checkpoint_t *cp)
{
    size_t len = strlen (note);
    if (sh_hubid_open_checkpoint (self->hub, cp, note, len) != SH_OK) {
        fprintf (stderr, _("shouhe-node: the hub's checkpoint is not signed by --hub-key\n"));
        return SH_EXIT_PROTOCOL;
    }
    sh_receipts_head_t next = { .size = cp->size };
    memcpy (next.root, cp->root, SH_HASH_BYTES);
    if (sh_receipts_check_extends (&self->held, &next, (const uint8_t (*)[SH_HASH_BYTES]) proof, n_proof) != SH_OK) {
        fprintf (stderr, _("shouhe-node: %s (size %" PRIu64 ", the hub now shows size %" PRIu64 "): it lost or "
                 "rewrote entries this node has seen; if it was restored from a copy, its operator must restore "
                 "a backup made with shouhe-hub backup (docs/operations.md)\n"),
                 _(s_inconsistent), self->held.size, cp->size);
        return SH_EXIT_PROTOCOL;
    }
    sh_err rc = sh_receipts_put_checkpoint (txn, &self->held, cp->size, note, len,
                                            (const uint8_t (*)[SH_HASH_BYTES]) proof, n_proof);
    return rc ? SH_EXIT_STORE : SH_EXIT_OK;
}

//  Welcome: the hub's newest checkpoint must extend the one held.
int
node_receipts_welcome (node_session_t *self, const sh_wire_msg_t *m)
{
    if (!m->u.welcome.checkpoint) {
        if (self->held.size == 0 && m->u.welcome.log_size == 0)
            return SH_EXIT_OK;        //  an empty hub log
        if (self->held.size == 0) {
            fprintf (stderr, _("shouhe-node: the hub's log holds %" PRIu64 " changes but it shows no signed "
                             "checkpoint of them\n"), m->u.welcome.log_size);
            return SH_EXIT_PROTOCOL;
        }
        fprintf (stderr, _("shouhe-node: %s (size %" PRIu64 ", the hub shows none)\n"), _(s_inconsistent),
                 self->held.size);
        return SH_EXIT_PROTOCOL;
    }
    //  the very checkpoint this node holds (an idle sync): verified, nothing to store
    sh_note_checkpoint_t same;
    const char *note = m->u.welcome.checkpoint;
    if (self->held.size > 0
    &&  sh_hubid_open_checkpoint (self->hub, &same, note, strlen (note)) == SH_OK
    &&  same.size == self->held.size && memcmp (same.root, self->held.root, SH_HASH_BYTES) == 0)
        return SH_EXIT_OK;
    sh_store_txn_t *txn;
    sh_err rc = sh_replica_begin (self->r, &txn);
    if (rc) {
        fprintf (stderr, _("shouhe-node: cannot store the hub's checkpoint: %s\n"), sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    sh_note_checkpoint_t cp;
    int ex = node_receipts_take (self, txn, m->u.welcome.checkpoint, m->u.welcome.consistency,
                                m->u.welcome.n_consistency, &cp);
    //  remember whose checkpoints these are, for `shouhe-audit receipts`
    if (ex == SH_EXIT_OK && (rc = sh_receipts_put_hub_key (txn, self->hub)) == SH_OK)
        rc = sh_store_commit (&txn);
    if (ex == SH_EXIT_OK && rc) {
        fprintf (stderr, rc == SH_ESTOREFULL ? _("shouhe-node: this node's disk is full (%s): free space, "
                                                  "nothing was lost\n")
                 : _("shouhe-node: cannot store the hub's checkpoint: %s\n"), sh_strerror (rc));
        ex = sh_exit_store (rc);
    }
    sh_store_abort (&txn);
    if (ex == SH_EXIT_OK)
        node_receipts_hold (self, &cp);
    return ex;
}

//  Why the batch receipt b of an Ack was not taken (sh_receipts_check_batch
//  returned rc; failed_seq: the change that could not be read, or 0).
static int
s_receipt_refused (sh_err rc, uint64_t failed_seq, const sh_receipts_batch_t *b)
{
    if (failed_seq || rc == SH_ENOMEM) {
        if (failed_seq)
            fprintf (stderr, _("shouhe-node: cannot read this node's change %" PRIu64 ": %s\n"), failed_seq,
                     sh_strerror (rc));
        else
            fprintf (stderr, _("shouhe-node: out of memory checking the hub's receipt\n"));
        return SH_EXIT_STORE;
    }
    if (rc == SH_EINVAL)
        fprintf (stderr, _("shouhe-node: the hub's receipt does not match the batch it acknowledges\n"));
    else
        fprintf (stderr, _("shouhe-node: the hub's checkpoint does not include this node's changes %" PRIu64
                 "..%" PRIu64 " as acknowledged\n"), b->first_seq, b->first_seq + b->count - 1);
    return SH_EXIT_PROTOCOL;
}

//  Ack: the checkpoint ending with this batch must extend the last one,
//  and the batch's changes must be its last leaves (the batch receipt).
int
node_receipts_ack (node_session_t *self, const sh_wire_msg_t *m, uint64_t last_seq)
{
    uint32_t n = m->u.ack.accepted;
    if (n == 0)
        return SH_EXIT_OK;
    if (!m->u.ack.checkpoint) {
        fprintf (stderr, _("shouhe-node: the hub acknowledged %" PRIu32 " changes without a signed checkpoint: "
                         "no receipt can prove it holds them\n"), n);
        return SH_EXIT_PROTOCOL;
    }
    sh_store_txn_t *txn;
    sh_err rc = sh_replica_begin (self->r, &txn);
    if (rc) {
        fprintf (stderr, _("shouhe-node: cannot store the hub's receipt: %s\n"), sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    sh_note_checkpoint_t cp;
    int ex = node_receipts_take (self, txn, m->u.ack.checkpoint, m->u.ack.consistency,
                                m->u.ack.n_consistency, &cp);
    //  the accepted changes are the batch's last n: seqs last_seq - n + 1 .. last_seq
    sh_receipts_batch_t b = { .first_seq = last_seq - n + 1, .count = n, .first_leaf = m->u.ack.first_leaf,
                              .size = cp.size, .range = (const uint8_t (*)[SH_HASH_BYTES]) m->u.ack.range,
                              .n_range = m->u.ack.n_range };
    uint64_t failed_seq = 0;
    if (ex == SH_EXIT_OK
    &&  (rc = last_seq < n || b.first_leaf + n != cp.size ? SH_EINVAL        //  an Ack's batch ends its tree
                                                        : sh_receipts_check_batch (txn, self->me, &b, cp.root, &failed_seq)))
        ex = s_receipt_refused (rc, failed_seq, &b);
    if (ex == SH_EXIT_OK && (rc = sh_receipts_put_batch (txn, &b)) == SH_OK)
        rc = sh_store_commit (&txn);
    if (ex == SH_EXIT_OK && rc) {
        if (rc == SH_ENOMEM)
            fprintf (stderr, _("shouhe-node: out of memory storing the hub's receipt\n"));
        else
        if (rc == SH_ESTOREFULL)
            fprintf (stderr, _("shouhe-node: this node's disk is full (%s): free space, "
                                "nothing was lost\n"), sh_strerror (rc));
        else
            fprintf (stderr, _("shouhe-node: cannot store the receipt of changes %" PRIu64 "..%" PRIu64 ": %s\n"),
                     b.first_seq, last_seq, sh_strerror (rc));
        ex = sh_exit_store (rc);
    }
    sh_store_abort (&txn);
    if (ex == SH_EXIT_OK) {
        node_receipts_hold (self, &cp);
        self->receipts++;
    }
    return ex;
}

//  The checkpoint a Batch carries (if any) is checked and stored in txn,
//  and must cover the new cursor: downloads advance together with the
//  checkpoint that covers them. *cp receives it (size 0: none carried).
int
node_receipts_batch (node_session_t *self, sh_store_txn_t *txn, const sh_wire_msg_t *m,
                    sh_note_checkpoint_t *cp)
{
    cp->size = 0;
    int ex = SH_EXIT_OK;
    if (m->u.batch.checkpoint)
        ex = node_receipts_take (self, txn, m->u.batch.checkpoint, m->u.batch.consistency,
                                m->u.batch.n_consistency, cp);
    uint64_t covered = cp->size > self->held.size ? cp->size : self->held.size;
    if (ex == SH_EXIT_OK && m->u.batch.next > covered) {
        fprintf (stderr, _("shouhe-node: the hub's batch reaches log entry %" PRIu64 ", beyond the newest "
                 "checkpoint it has shown (size %" PRIu64 ")\n"), m->u.batch.next, covered);
        ex = SH_EXIT_PROTOCOL;
    }
    return ex;
}

