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
