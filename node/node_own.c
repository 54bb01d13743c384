/*  node_own -- fetching a restored node's own chain back (node_own.h). */
#include "node_own.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sh_change.h"
#include "sh_exit.h"
#include "sh_i18n.h"

int
node_own_settle (sh_replica_t *r, uint64_t hub_head, uint64_t my_head)
{
    assert (r);
    uint64_t want = hub_head > my_head ? hub_head : 0, held = 0;
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (sh_replica_store (r), false, &txn);
    if (rc == SH_OK)
        rc = sh_replica_behind (r, txn, &held, NULL);
    sh_store_abort (&txn);
    if (rc == SH_OK && held != want) {
        rc = sh_replica_begin (r, &txn);
        if (rc == SH_OK && want)
            rc = sh_store_meta_put_u64 (txn, SH_REPLICA_OWN_BEHIND, want);
        else
        if (rc == SH_OK)
            rc = sh_store_del (txn, SH_DB_META, SH_REPLICA_OWN_BEHIND, strlen (SH_REPLICA_OWN_BEHIND));
        if (rc == SH_OK)
            rc = sh_store_commit (&txn);
        sh_store_abort (&txn);
    }
    if (rc) {
        fprintf (stderr, _("shouhe-node: cannot record where this node's chain ends at the hub: %s\n"),
                 sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    if (want)
        fprintf (stderr, _("shouhe-node: the hub holds %" PRIu64 " changes of this node but this store only %" PRIu64
                 " (restored from an older backup?); fetching them back\n"), hub_head, my_head);
    return SH_EXIT_OK;
}

//  One change of an own Batch, expected at seq: opened, judged, taken in.
static int
s_take_one (sh_replica_t *r, sh_store_txn_t *txn, const sh_wire_bytes_t *bytes, uint64_t seq, uint64_t target,
            const uint8_t target_hash[SH_HASH_BYTES], sh_err *rc)
{
    sh_change_t c;
    uint8_t hash[SH_HASH_BYTES];
    const char *why = NULL;
    if (sh_change_open (&c, hash, bytes->data, bytes->len, &why) != SH_OK) {
        fprintf (stderr, _("shouhe-node: the hub sent this node's change %" PRIu64 " and it does not verify: %s\n"),
                 seq, why ? why : "bad signature");
        return SH_EXIT_PROTOCOL;
    }
    int ex = SH_EXIT_OK;
    if (memcmp (c.author, sh_replica_author (r), SH_PUBKEY_BYTES) != 0 || c.seq != seq) {
        fprintf (stderr, _("shouhe-node: the hub sent another change (seq %" PRIu64 ") where this node's own "
                 "change %" PRIu64 " was expected\n"), c.seq, seq);
        ex = SH_EXIT_PROTOCOL;
    }
    else
    if (seq == target && memcmp (hash, target_hash, SH_HASH_BYTES) != 0) {
        fprintf (stderr, _("shouhe-node: the hub's change %" PRIu64 " of this node differs from the head it "
                 "announced\n"), seq);
        ex = SH_EXIT_PROTOCOL;
    }
    else {
        bool dup = false;
        *rc = sh_replica_ingest_opened (r, txn, bytes->data, bytes->len, &c, hash, &dup, NULL, 0);
        if (*rc == SH_ECHAIN || *rc == SH_EEQUIVOCATION || *rc == SH_EPROTO || *rc == SH_ECRYPTO || dup) {
            fprintf (stderr, _("shouhe-node: this node's change %" PRIu64 " from the hub does not continue the "
                     "chain this store holds (%s): the chains have forked\n"), seq,
                     dup ? _("already held") : sh_strerror (*rc));
            ex = SH_EXIT_PROTOCOL;
        }
    }
    sh_change_fini (&c);
    return ex;
}

int
node_own_take (sh_replica_t *r, const sh_wire_msg_t *m, uint64_t target,
               const uint8_t target_hash[SH_HASH_BYTES], uint64_t *my_head)
{
    assert (r && m && m->type == SH_WIRE_BATCH && m->u.batch.own && target_hash && my_head);
    uint64_t head = *my_head;
    if (m->u.batch.n == 0) {
        fprintf (stderr, _("shouhe-node: the hub holds %" PRIu64 " changes of this node but sent none from %"
                 PRIu64 "\n"), target, head + 1);
        return SH_EXIT_PROTOCOL;
    }
    sh_store_txn_t *txn;
    sh_err rc = sh_replica_begin (r, &txn);
    int ex = SH_EXIT_OK;
    for (size_t i = 0; rc == SH_OK && ex == SH_EXIT_OK && i < m->u.batch.n; i++) {
        ex = s_take_one (r, txn, &m->u.batch.changes[i], head + 1, target, target_hash, &rc);
        if (ex == SH_EXIT_OK && rc == SH_OK)
            head++;
    }
    if (rc == SH_OK && ex == SH_EXIT_OK && head >= target) {
        rc = sh_store_del (txn, SH_DB_META, SH_REPLICA_OWN_BEHIND, strlen (SH_REPLICA_OWN_BEHIND));
        if (rc == SH_ENOTFOUND)
            rc = SH_OK;
    }
    if (rc == SH_OK && ex == SH_EXIT_OK)
        rc = sh_store_commit (&txn);
    sh_store_abort (&txn);
    if (rc && ex == SH_EXIT_OK) {
        fprintf (stderr, rc == SH_ESTOREFULL ? _("shouhe-node: this node's disk is full (%s): free space, "
                                                  "nothing was lost\n")
                 : _("shouhe-node: cannot store this node's own changes from the hub: %s\n"), sh_strerror (rc));
        ex = sh_exit_store (rc);
    }
    if (ex == SH_EXIT_OK && head >= target)
        fprintf (stderr, _("shouhe-node: fetched this node's changes back from the hub up to %" PRIu64 "\n"), head);
    if (ex == SH_EXIT_OK)
        *my_head = head;
    return ex;
}
