/*  node_recover -- the node's part when its hub lost a tail of its log
    (node_session_int.h; docs/protocol.md 13.19): the node offers what it
    holds at the leaves the hub lacks, and it adopts a new epoch when the
    hub gave a tail up.
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_session_int.h"
#include "sh_changelog.h"
#include "sh_epoch.h"
#include "sh_exit.h"
#include "sh_i18n.h"
#include "sh_leaves.h"
#include "sh_openings.h"
#include "sh_replica.h"

#define S_OFFER_MAX 1024            //  leaves per Offer
#define S_RECOVER_RETRY_MS 10000    //  --watch: ask a recovering hub again this often

void
node_recover_fini (node_session_t *self)
{
    free (self->offer);
    free (self->offer_note);
    self->offer = NULL;
    self->offer_note = NULL;
    self->offer_n = self->offer_at = 0;
}

//  Is the checkpoint this node holds beyond the one the Welcome shows (the
//  hub lost what the node saw)? Then it cannot be checked against it.
bool
node_recover_beyond (const node_session_t *self, const sh_wire_msg_t *m)
{
    if (self->held.size == 0)
        return false;
    if (!m->u.welcome.checkpoint)
        return true;
    sh_note_checkpoint_t cp;
    const char *note = m->u.welcome.checkpoint;
    if (sh_hubid_open_checkpoint (self->hub, &cp, note, strlen (note)) != SH_OK)
        return false;       //  the ordinary check says what is wrong
    return cp.size < self->held.size;
}

//  Keep, of items[0..*n), every leaf at or after size and, below it (the
//  hub holds those again: a mirror handed them back), only those whose
//  openings this store holds: they bring the personal values back.
static sh_err
s_keep_sealed (sh_store_txn_t *txn, sh_leaves_item_t *items, size_t *n, uint64_t size)
{
    size_t k = 0;
    sh_err rc = SH_OK;
    for (size_t i = 0; i < *n && rc == SH_OK; i++) {
        bool keep = items[i].leaf >= size;
        sh_wire_bytes_t b;
        sh_openings_t ops;
        if (!keep && (rc = sh_changelog_get (txn, items[i].local, &b.data, &b.len)) == SH_OK
            && (rc = sh_openings_gather (txn, &b, 1, &ops)) == SH_OK) {
            keep = ops.n > 0;
            sh_openings_fini (&ops);
        }
        if (keep)
            items[k++] = items[i];
    }
    *n = k;
    return rc;
}

//  What this node holds at the leaves from the hub's tree size on, and from
//  base on what it holds openings of (base < size: the tree size the hub's
//  recovery began at), and its newest checkpoint when it is beyond size.
static int
s_gather (node_session_t *self, uint64_t base, uint64_t size)
{
    node_recover_fini (self);
    uint64_t from = base < size ? base : size;
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (sh_replica_store (self->r), false, &txn);
    if (rc == SH_OK)
        rc = sh_leaves_from (txn, self->me, from, &self->offer, &self->offer_n);
    if (rc == SH_OK && from < size)
        rc = s_keep_sealed (txn, self->offer, &self->offer_n, size);
    if (rc == SH_OK && self->held.size > size)
        rc = sh_receipts_note (txn, self->held.size, &self->offer_note);
    sh_store_abort (&txn);
    if (rc) {
        fprintf (stderr, _("shouhe-node: cannot read what this node holds for the hub: %s\n"), sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    self->offer_last_sent = false;
    return SH_EXIT_OK;
}

//  Say where the hub's recovery stands; without --watch the sync ends.
static int
s_later (node_session_t *self)
{
    if (self->opt.watch) {
        if (!self->recover_said)
            fprintf (stderr, _("shouhe-node: the hub is recovering its log from its nodes (it holds %" PRIu64
                     " of %" PRIu64 " entries); waiting\n"), self->rec_size, self->rec_target);
        self->recover_said = true;
        self->recover_retry = node_session_now (self) + S_RECOVER_RETRY_MS;
        return SH_EXIT_OK;
    }
    fprintf (stderr, _("shouhe-node: the hub is recovering its log from its nodes: it holds %" PRIu64 " of the %"
             PRIu64 " entries they have shown"), self->rec_size, self->rec_target);
    if (self->rec_missing_to > self->rec_missing_from)
        fprintf (stderr, _(" (leaves %" PRIu64 "..%" PRIu64 " are held by no node so far)"), self->rec_missing_from,
                 self->rec_missing_to - 1);
    fprintf (stderr, _("; this node offered %" PRIu64 " (%" PRIu64 " new to the hub); sync again later\n"),
             self->offer_n, self->offer_taken);
    return SH_EXIT_RETRY;
}

int
node_recover_welcome (node_session_t *self, const sh_wire_msg_t *m)
{
    self->welcomed = self->ever_welcomed = true;
    self->recovering = true;
    self->hello_wait = 500;
    self->rec_size = m->u.welcome.log_size;
    self->rec_target = m->u.welcome.recovery_target;
    if (self->offered)
        return s_later (self);  //  offered in this run: the hub has it
    return s_gather (self, m->u.welcome.recovery_base, m->u.welcome.log_size);
}

//  Send the next Offer: up to S_OFFER_MAX leaves and half the hub's
//  largest message; the first carries the newest checkpoint held.
static int
s_send_offer (node_session_t *self)
{
    size_t cap = self->offer_n - self->offer_at;
    if (cap > S_OFFER_MAX)
        cap = S_OFFER_MAX;
    sh_wire_bytes_t *leaves = calloc (cap ? cap : 1, sizeof *leaves);
    uint64_t *pos = calloc (cap ? cap : 1, sizeof *pos);
    sh_store_txn_t *txn = NULL;
    sh_err rc = leaves && pos ? sh_store_begin (sh_replica_store (self->r), false, &txn) : SH_ENOMEM;
    size_t k = 0, bytes = 0, limit = (self->max_bytes ? self->max_bytes : SH_WIRE_MAX_BYTES) / 2;
    while (rc == SH_OK && k < cap) {
        const sh_leaves_item_t *it = &self->offer[self->offer_at + k];
        rc = sh_changelog_get (txn, it->local, &leaves[k].data, &leaves[k].len);
        if (rc == SH_OK && k > 0 && bytes + leaves[k].len + 16 > limit)
            break;
        bytes += leaves[k].len + 16;
        pos[k++] = it->leaf;
    }
    int ex = SH_EXIT_OK;
    sh_openings_t ops = { .n = 0 };     //  the personal values of their seals go with them (7.10)
    if (rc == SH_OK && k > 0)
        rc = sh_openings_gather (txn, leaves, k, &ops);
    if (rc) {
        fprintf (stderr, _("shouhe-node: cannot read the changes to offer the hub: %s\n"), sh_strerror (rc));
        ex = SH_EXIT_STORE;
    }
    else {
        sh_wire_msg_t o = { .type = SH_WIRE_OFFER };
        o.u.offer.checkpoint = self->offer_at == 0 ? self->offer_note : NULL;
        o.u.offer.leaves = leaves;
        o.u.offer.positions = pos;
        o.u.offer.n = k;
        o.u.offer.n_openings = ops.n;
        o.u.offer.openings = ops.list;
        o.u.offer.last = self->offer_at + k == self->offer_n;
        if (node_session_send (self, &o)) {
            self->offer_out = true;
            self->offer_at += k;
            self->offer_last_sent = o.u.offer.last;
        }
    }
    sh_openings_fini (&ops);
    sh_store_abort (&txn);
    free (leaves);
    free (pos);
    return ex;
}

int
node_recover_work (node_session_t *self, int64_t now)
{
    if (!self->offered) {
        self->last_progress = now;
        if (!self->offer_out && !self->offer_last_sent)
            return s_send_offer (self);
        return SH_EXIT_OK;
    }
    self->last_progress = now;      //  waiting for the hub is not a stall
    if (self->opt.watch && now >= self->recover_retry)
        node_session_hello (self);
    return SH_EXIT_OK;
}

int
node_recover_on_taken (node_session_t *self, const sh_wire_msg_t *m)
{
    if (!self->welcomed || !self->recovering || !self->offer_out)
        return SH_EXIT_OK;          //  an earlier session's
    self->offer_out = false;
    self->offer_taken += m->u.taken.taken;
    self->rec_size = m->u.taken.size;
    self->rec_target = m->u.taken.target;
    self->rec_missing_from = m->u.taken.missing_from;
    self->rec_missing_to = m->u.taken.missing_to;
    self->last_progress = node_session_now (self);
    if (!self->offer_last_sent)
        return SH_EXIT_OK;          //  more to offer
    self->offered = true;
    if (!m->u.taken.recovering) {
        fprintf (stderr, _("shouhe-node: the hub has recovered its log (%" PRIu64 " entries); syncing\n"),
                 m->u.taken.size);
        self->recovering = false;
        node_session_hello (self);
        return SH_EXIT_OK;
    }
    return s_later (self);
}

//  Adopt epoch e: set aside the checkpoints above its base, the positions
//  of downloads at or after it, and move the cursor back under the newest
//  checkpoint left, all in one transaction.
static int
s_adopt (node_session_t *self, const sh_epoch_t *e)
{
    sh_store_txn_t *txn;
    sh_receipts_head_t left = { 0 };
    uint64_t since = self->since;
    sh_err rc = sh_replica_begin (self->r, &txn);
    if (rc == SH_OK && self->held.size > e->base)
        rc = sh_receipts_drop_above (txn, e->base);
    if (rc == SH_OK)
        rc = sh_leaves_drop_from (txn, e->base);
    if (rc == SH_OK)
        rc = sh_receipts_latest (txn, self->hub, &left);
    if (rc == SH_OK && since > left.size)
        since = left.size;
    if (rc == SH_OK)
        rc = sh_store_meta_put_u64 (txn, "hub.since", since);
    if (rc == SH_OK)
        rc = sh_store_meta_put_u64 (txn, "hub.epoch", e->epoch);
    if (rc == SH_OK)
        rc = sh_store_commit (&txn);
    sh_store_abort (&txn);
    if (rc) {
        fprintf (stderr, _("shouhe-node: cannot take the hub's new epoch: %s\n"), sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    self->held = left;
    self->since = since;
    return SH_EXIT_OK;
}

int
node_recover_epoch (node_session_t *self, const sh_wire_msg_t *m, bool *restart)
{
    *restart = false;
    const char *note = m->u.welcome.epoch;
    if (!note)
        return SH_EXIT_OK;
    sh_epoch_t e;
    sh_err rc = sh_epoch_open (self->hub, note, strlen (note), &e);
    if (rc) {
        fprintf (stderr, "%s", rc == SH_ECRYPTO ? _("shouhe-node: the hub's epoch note is not signed by --hub-key\n")
                                               : _("shouhe-node: the hub's epoch note is malformed\n"));
        return SH_EXIT_PROTOCOL;
    }
    uint64_t known = 1;
    sh_store_txn_t *txn;
    rc = sh_store_begin (sh_replica_store (self->r), false, &txn);
    if (rc == SH_OK && sh_store_meta_get_u64 (txn, "hub.epoch", &known) != SH_OK)
        known = 1;
    sh_store_abort (&txn);
    if (rc) {
        fprintf (stderr, _("shouhe-node: cannot read the store: %s\n"), sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    if (e.epoch <= known)
        return SH_EXIT_OK;
    bool affected = self->held.size > e.base || self->since > e.base;
    if (affected)
        fprintf (stderr, _("shouhe-node: the hub began epoch %" PRIu64 " (signed): it lost log entries %" PRIu64
                 "..%" PRIu64 " after a restore and no node held them all, so it gave them up; this node sets "
                 "aside its checkpoints after entry %" PRIu64 " and sends its own changes there again\n"),
                 e.epoch, e.base + 1, e.abandoned, e.base);
    int ex = s_adopt (self, &e);
    if (ex == SH_EXIT_OK && affected) {
        *restart = true;
        node_session_hello (self);
    }
    return ex;
}
