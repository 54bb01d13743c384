/*  hub_witness -- the hub answers its witnesses. */
#include "hub_witness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_i18n.h"
#include "sh_merkle.h"
#include "sh_registry.h"

static void
s_refuse (sh_wire_msg_t *reply, sh_wire_error_t code, const char *why)
{
    memset (reply, 0, sizeof *reply);
    reply->type = SH_WIRE_ERROR;
    reply->u.error.code = code;
    snprintf (reply->u.error.message, sizeof reply->u.error.message, "%s", why);
}

//  The error code of a refusal by sh_cosigs.
static sh_wire_error_t
s_code (sh_err rc)
{
    switch (rc) {
        case SH_EPERM:      return SH_WIRE_ERR_ROLE;
        case SH_ECRYPTO:    return SH_WIRE_ERR_SIGNATURE;
        case SH_EPROTO:
        case SH_ENOTFOUND:  return SH_WIRE_ERR_MALFORMED;
        case SH_ESTOREFULL: return SH_WIRE_ERR_STORE_FULL;
        default:            return SH_WIRE_ERR_INTERNAL;
    }
}

static void
s_offer (sh_store_t *store, const sh_hubid_t *hub, hub_witness_t *session, const sh_wire_msg_t *m,
         sh_wire_msg_t *reply, hub_witness_reply_t *keep, char *line, size_t line_len)
{
    char why[SH_WIRE_MESSAGE_MAX + 1] = "";
    sh_err rc = sh_cosigs_offer (store, hub, m->u.witness.witness, m->u.witness.old_size, &keep->offer, why,
                                 sizeof why);
    if (rc && rc != SH_ENOTFOUND) {
        if (!why[0])
            snprintf (why, sizeof why, _("the hub cannot offer a checkpoint: %s"), sh_strerror (rc));
        s_refuse (reply, s_code (rc), why);
        snprintf (line, line_len, _("witness refused: %s"), why);
        return;
    }
    session->asked = true;
    memcpy (session->key, m->u.witness.witness, SH_PUBKEY_BYTES);
    memset (reply, 0, sizeof *reply);
    reply->type = SH_WIRE_TO_COSIGN;
    reply->u.to_cosign.checkpoint = keep->offer.note ? keep->offer.note : "";   //  "": nothing yet
    reply->u.to_cosign.old_size = m->u.witness.old_size;
    reply->u.to_cosign.n_consistency = keep->offer.n;
    reply->u.to_cosign.consistency = keep->offer.proof;
}

//  Is the session's own key enrolled as an unrevoked mirror? Then it
//  cosigns in its own name without a Witness first (16.8).
static bool
s_mirror_session (sh_store_t *store, hub_witness_t *session)
{
    sh_store_txn_t *txn;
    sh_registry_entry_t e;
    if (sh_store_begin (store, false, &txn) != SH_OK)
        return false;
    bool mirror = sh_registry_get (txn, session->peer, &e) == SH_OK && e.role == SH_WIRE_ROLE_MIRROR
               && !e.revoked_ms;
    sh_store_abort (&txn);
    if (mirror) {
        session->asked = true;
        memcpy (session->key, session->peer, SH_PUBKEY_BYTES);
    }
    return mirror;
}

void
hub_witness_answer (sh_store_t *store, const sh_hubid_t *hub, hub_witness_t *session, const sh_wire_msg_t *m,
                    sh_wire_msg_t *reply, hub_witness_reply_t *keep, char *line, size_t line_len)
{
    memset (keep, 0, sizeof *keep);
    line[0] = 0;
    if (m->type == SH_WIRE_WITNESS) {
        s_offer (store, hub, session, m, reply, keep, line, line_len);
        return;
    }
    if (!session->asked && !s_mirror_session (store, session)) {
        s_refuse (reply, SH_WIRE_ERR_SESSION, _("no witness asked in this session: send witness first"));
        return;
    }
    char why[SH_WIRE_MESSAGE_MAX + 1] = "";
    uint32_t count = 0;
    sh_err rc = sh_cosigs_take (store, session->key, m->u.cosigned.size, m->u.cosigned.line, &count, why,
                                sizeof why);
    if (rc) {
        if (!why[0])
            snprintf (why, sizeof why, _("the hub could not keep the cosignature: %s"), sh_strerror (rc));
        s_refuse (reply, s_code (rc), why);
        snprintf (line, line_len, _("cosignature refused: %s"), why);
        return;
    }
    memset (reply, 0, sizeof *reply);
    reply->type = SH_WIRE_COSIGN_TAKEN;
    reply->u.cosign_taken.size = m->u.cosigned.size;
    reply->u.cosign_taken.cosignatures = count;
    snprintf (line, line_len, _("checkpoint %llu cosigned: %u witness(es) now"),
              (unsigned long long) m->u.cosigned.size, count);
}

void
hub_witness_reply_fini (hub_witness_reply_t *keep)
{
    sh_cosigs_offer_fini (&keep->offer);
}

char *
hub_witness_newest (sh_store_t *store, uint64_t cp_size, uint8_t (*proof)[SH_HASH_BYTES], size_t *n)
{
    char *note = NULL;
    *n = 0;
    sh_store_txn_t *txn;
    uint64_t size = 0;
    if (sh_store_begin (store, false, &txn) != SH_OK)
        return NULL;
    sh_err rc = sh_cosigs_newest (txn, &size, &note);
    if (rc == SH_OK && (size == 0 || size >= cp_size))
        rc = SH_ENOTFOUND;          //  none before the Welcome's checkpoint
    if (rc == SH_OK)
        rc = sh_merkle_consistency (txn, size, cp_size, proof, SH_WIRE_PROOF_MAX, n);
    sh_store_abort (&txn);
    if (rc) {
        free (note);
        note = NULL;
        *n = 0;
    }
    return note;
}
