/*  node_witness -- a town node's witness cosigns the hub's checkpoints
    during its sync (docs/protocol.md 16, c2sp.org/tlog-witness).

    Once the session is caught up, a node given a witness key (options:
    DIR/witness.key, its cosigner name from meta witness.name) sends
    Witness with the size it last cosigned; the hub answers ToCosign with
    its newest checkpoint and a consistency proof; sh_witness judges it in
    a write transaction that is committed -- the new size and root durable
    -- before the Cosigned line leaves. A checkpoint that is not consistent
    with what the witness cosigned before is a split view: nothing is
    cosigned, the checkpoint is kept as evidence, and the sync ends with
    SH_EXIT_PROTOCOL saying so.
*/
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node_session_int.h"
#include "node_witness.h"
#include "sh_exit.h"
#include "sh_i18n.h"
#include "sh_merkle.h"
#include "sh_witness.h"

bool
node_witness_work (node_session_t *self)
{
    if (!self->opt.witness_key || self->witness_state == 3)
        return false;
    if (self->witness_state == 0) {
        sh_store_txn_t *txn;
        sh_witness_state_t st = { 0 };
        if (sh_store_begin (sh_replica_store (self->r), false, &txn) == SH_OK) {
            if (sh_witness_state (txn, self->hub->origin, &st) != SH_OK)
                st.size = 0;
            sh_store_abort (&txn);
        }
        sh_wire_msg_t m = { .type = SH_WIRE_WITNESS };
        memcpy (m.u.witness.witness, sh_key_public (self->opt.witness_key), SH_PUBKEY_BYTES);
        m.u.witness.old_size = st.size;
        if (node_session_send (self, &m))
            self->witness_state = 1;
    }
    return true;
}

int
node_witness_on_to_cosign (node_session_t *self, const sh_wire_msg_t *m)
{
    if (self->witness_state != 1)
        return SH_EXIT_OK;
    const char *note = m->u.to_cosign.checkpoint;
    if (!note[0]) {
        self->witness_state = 3;            //  the hub's log is empty: nothing to cosign yet
        return SH_EXIT_OK;
    }
    sh_store_txn_t *txn;
    sh_err rc = sh_replica_begin (self->r, &txn);
    if (rc) {
        fprintf (stderr, _("shouhe-node: witness: cannot write this node's store: %s\n"), sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    char *line = NULL, why[512];
    size_t line_len = 0;
    uint64_t now = (uint64_t) sh_replica_wall_ms (self->r) / 1000;
    rc = sh_witness_cosign (txn, &self->hub->vkey, self->hub->origin, note, strlen (note), m->u.to_cosign.old_size,
                            (const uint8_t (*)[SH_HASH_BYTES]) m->u.to_cosign.consistency,
                            m->u.to_cosign.n_consistency, self->opt.witness_key, self->opt.witness_name, now,
                            &line, &line_len, why, sizeof why);
    if (rc == SH_OK || rc == SH_EEQUIVOCATION) {
        sh_err crc = sh_store_commit (&txn);      //  the promise (or the evidence) first
        if (crc) {
            free (line);
            fprintf (stderr, _("shouhe-node: witness: cannot write this node's store: %s\n"), sh_strerror (crc));
            return SH_EXIT_STORE;
        }
    }
    else
        sh_store_abort (&txn);
    if (rc == SH_EEQUIVOCATION) {
        fprintf (stderr, _("shouhe-node: witness %s: %s\n"), self->opt.witness_name, why);
        return SH_EXIT_PROTOCOL;
    }
    if (rc) {
        fprintf (stderr, _("shouhe-node: witness %s refuses the hub's checkpoint: %s\n"), self->opt.witness_name,
                 why[0] ? why : sh_strerror (rc));
        return rc == SH_ESTOREFULL ? SH_EXIT_FULL : rc == SH_ENOMEM ? SH_EXIT_STORE : SH_EXIT_PROTOCOL;
    }
    sh_note_checkpoint_t cp;
    uint64_t size = sh_hubid_open_checkpoint (self->hub, &cp, note, strlen (note)) == SH_OK ? cp.size : 0;
    sh_wire_msg_t c = { .type = SH_WIRE_COSIGNED };
    c.u.cosigned.size = size;
    c.u.cosigned.line = line;
    if (node_session_send (self, &c))
        self->witness_state = 2;
    else
        self->witness_state = 0;            //  ask again (the promise holds: same size again)
    free (line);
    return SH_EXIT_OK;
}

int
node_witness_on_taken (node_session_t *self, const sh_wire_msg_t *m)
{
    if (self->witness_state != 2)
        return SH_EXIT_OK;
    self->witness_state = 3;
    fprintf (stderr, _("shouhe-node: witness %s cosigned the hub's checkpoint of size %llu (%u witnesses "
             "have cosigned it)\n"), self->opt.witness_name, (unsigned long long) m->u.cosign_taken.size,
             m->u.cosign_taken.cosignatures);
    return SH_EXIT_OK;
}

sh_err
node_witness_load (const char *dir, sh_store_t *store, sh_key_t **key, char name[SH_NOTE_NAME_MAX + 1],
                   char *why, size_t why_len)
{
    *key = NULL;
    name[0] = 0;
    char path[PATH_MAX];
    snprintf (path, sizeof path, "%s/%s", dir, NODE_WITNESS_KEY);
    if (access (path, F_OK) != 0)
        return SH_ENOTFOUND;
    sh_err rc = sh_key_load (key, path);
    if (rc) {
        sh_key_file_problem (path, why, why_len);
        return rc;
    }
    sh_store_txn_t *txn;
    if ((rc = sh_store_begin (store, false, &txn)) == SH_OK) {
        rc = sh_store_meta_get_str (txn, NODE_WITNESS_META, name, SH_NOTE_NAME_MAX + 1);
        sh_store_abort (&txn);
    }
    if (rc == SH_ENOTFOUND || (rc == SH_OK && !sh_note_name_valid (name)))
        rc = SH_ECORRUPT;           //  a key without its name: not "no witness"
    if (rc) {
        snprintf (why, why_len, _("%s has a witness key but no valid cosigner name (%s): run shouhe-node "
                  "witness init again"), dir, sh_strerror (rc));
        sh_key_destroy (key);
    }
    return rc;
}

//  The names of the trusted witnesses whose ok[i] is false (every one when
//  ok is NULL), comma-separated, into out.
static void
s_names (char out[512], const sh_witness_trust_t *t, const bool *ok)
{
    size_t used = 0;
    out[0] = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (ok && ok[i])
            continue;
        int n = snprintf (out + used, 512 - used, "%s%s", used ? ", " : "", t->w[i].name);
        if (n < 0 || (size_t) n >= 512 - used)
            break;
        used += (size_t) n;
    }
}

int
node_witness_welcome (node_session_t *self, const sh_wire_msg_t *m)
{
    sh_witness_trust_t t;
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (sh_replica_store (self->r), false, &txn);
    if (rc == SH_OK) {
        rc = sh_witness_trust_get (txn, &t);
        sh_store_abort (&txn);
    }
    if (rc) {
        fprintf (stderr, _("shouhe-node: cannot read the witnesses this node requires: %s\n"), sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    self->trusted = t.n;
    s_names (self->all, &t, NULL);
    const char *note = m->u.welcome.witnessed ? m->u.welcome.witnessed : m->u.welcome.checkpoint;
    if (t.n == 0 || !note)
        return SH_EXIT_OK;
    sh_note_checkpoint_t cp;
    bool ok = sh_hubid_open_checkpoint (self->hub, &cp, note, strlen (note)) == SH_OK;
    if (ok && m->u.welcome.witnessed)   //  a prefix of the checkpoint held now
        ok = cp.size <= self->held.size
          && sh_merkle_verify_consistency (cp.size, self->held.size, cp.root, self->held.root,
                                           (const uint8_t (*)[SH_HASH_BYTES]) m->u.welcome.witnessed_consistency,
                                           m->u.welcome.n_witnessed_consistency) == SH_OK;
    if (!ok) {
        fprintf (stderr, _("shouhe-node: the hub's witnessed checkpoint is not its own, or not a prefix of its "
                 "newest (size %llu)\n"), (unsigned long long) self->held.size);
        return SH_EXIT_PROTOCOL;
    }
    sh_note_t *parsed;
    if ((rc = sh_note_parse (&parsed, note, strlen (note))))
        return SH_EXIT_PROTOCOL;
    bool good[SH_WITNESS_TRUST_MAX];
    size_t count = sh_cosig_count (parsed, t.w, t.n, good);
    sh_note_destroy (&parsed);
    s_names (self->missing, &t, good);
    if (count < t.quorum)
        return SH_EXIT_OK;
    if ((rc = sh_replica_begin (self->r, &txn)) == SH_OK) {
        rc = sh_witness_set_witnessed (txn, cp.size);
        rc = rc ? rc : sh_store_commit (&txn);
        sh_store_abort (&txn);
    }
    if (rc) {
        fprintf (stderr, _("shouhe-node: cannot record the witnessed checkpoint: %s\n"), sh_strerror (rc));
        return sh_exit_store (rc);
    }
    return SH_EXIT_OK;
}

void
node_session_witness_report (const node_session_t *self)
{
    if (self->trusted == 0)
        return;
    uint64_t witnessed = 0;
    sh_store_txn_t *txn;
    if (sh_store_begin (sh_replica_store (self->r), false, &txn) == SH_OK) {
        if (sh_witness_witnessed (txn, &witnessed) != SH_OK)
            witnessed = 0;
        sh_store_abort (&txn);
    }
    if (self->held.size <= witnessed)
        fprintf (stderr, _("shouhe-node: witnesses: every receipt this node holds is witnessed (up to tree size "
                 "%llu)\n"), (unsigned long long) witnessed);
    else
        fprintf (stderr, _("shouhe-node: witnesses: receipts are witnessed up to tree size %llu; those up to %llu "
                 "are not yet (missing cosignatures: %s)\n"), (unsigned long long) witnessed,
                 (unsigned long long) self->held.size, self->missing[0] ? self->missing : self->all);
}
