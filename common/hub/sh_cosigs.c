/*  sh_cosigs -- the hub's side of its witnesses. */
#include "sh_cosigs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_cosig.h"
#include "sh_hublog.h"
#include "sh_i18n.h"
#include "sh_merkle.h"
#include "sh_note.h"
#include "sh_registry.h"

#define S_NEWEST "witness.newest"        //  meta: size of the newest cosigned checkpoint
#define S_MIRRORED "mirror.newest"       //  meta: size of the newest checkpoint a mirror cosigned

//  Does an enrolment cosign (a witness or a mirror)?
static bool
s_cosigner (const sh_registry_entry_t *e)
{
    return e->role == SH_WIRE_ROLE_WITNESS || e->role == SH_WIRE_ROLE_MIRROR;
}

//  The enrolled witness of key as a cosigner; SH_EPERM with why if key is
//  not an unrevoked witness with a valid cosigner name.
static sh_err
s_witness (sh_store_txn_t *txn, const uint8_t key[SH_PUBKEY_BYTES], sh_cosig_witness_t *w, bool *mirror,
           char *why, size_t why_len)
{
    sh_registry_entry_t e;
    sh_err rc = sh_registry_get (txn, key, &e);
    if (rc && rc != SH_ENOTFOUND)
        return rc;
    if (rc == SH_OK && mirror)
        *mirror = e.role == SH_WIRE_ROLE_MIRROR;
    if (rc || !s_cosigner (&e)) {
        snprintf (why, why_len, "%s", _("this key is not enrolled as a witness (shouhe-hub enroll --role witness)"));
        return SH_EPERM;
    }
    if (e.revoked_ms) {
        snprintf (why, why_len, "%s", _("this witness was revoked"));
        return SH_EPERM;
    }
    if (sh_cosig_witness_init (w, e.name, key) != SH_OK) {
        snprintf (why, why_len, _("the witness's enrolled name '%s' is not a cosigner name"), e.name);
        return SH_EPERM;
    }
    return SH_OK;
}

sh_err
sh_cosigs_offer (sh_store_t *store, const sh_hubid_t *hub, const uint8_t witness[SH_PUBKEY_BYTES],
                 uint64_t old_size, sh_cosigs_offer_t *out, char *why, size_t why_len)
{
    memset (out, 0, sizeof *out);
    out->old_size = old_size;
    why[0] = 0;
    sh_store_txn_t *txn;
    sh_cosig_witness_t w;
    sh_err rc = sh_store_begin (store, false, &txn);
    if (rc)
        return rc;
    rc = s_witness (txn, witness, &w, NULL, why, why_len);
    sh_store_abort (&txn);
    if (rc)
        return rc;
    rc = sh_hublog_checkpoint (store, hub, &out->note, &out->size);
    if (rc == SH_OK && !out->note)
        rc = SH_ENOTFOUND;
    if (rc == SH_OK && old_size > 0 && old_size < out->size) {
        //  a witness ahead of the hub (a hub restored from an older backup)
        //  gets no proof: it cannot be given one, and it refuses the tree
        if ((rc = sh_store_begin (store, false, &txn)) == SH_OK) {
            rc = sh_merkle_consistency (txn, old_size, out->size, out->proof, SH_WIRE_PROOF_MAX, &out->n);
            sh_store_abort (&txn);
        }
    }
    if (rc)
        sh_cosigs_offer_fini (out);
    return rc;
}

void
sh_cosigs_offer_fini (sh_cosigs_offer_t *offer)
{
    free (offer->note);
    offer->note = NULL;
}

typedef struct {
    sh_note_t *note;
    uint32_t count;
} s_count_t;

static int
s_count_one (const sh_registry_entry_t *e, void *arg)
{
    s_count_t *c = arg;
    sh_cosig_witness_t w;
    if (s_cosigner (e) && !e->revoked_ms && sh_cosig_witness_init (&w, e->name, e->key) == SH_OK
    &&  sh_cosig_verify (c->note, &w, NULL) == SH_OK)
        c->count++;
    return 0;
}

sh_err
sh_cosigs_count (sh_store_txn_t *txn, const char *note, size_t len, uint32_t *count)
{
    s_count_t c = { NULL, 0 };
    *count = 0;
    sh_err rc = sh_note_parse (&c.note, note, len);
    if (rc == SH_OK)
        rc = sh_registry_each (txn, s_count_one, &c);
    sh_note_destroy (&c.note);
    if (rc == SH_OK)
        *count = c.count;
    return rc;
}

//  The note of the stored checkpoint of size with line added and checked
//  (caller frees *out).
static sh_err
s_add_line (sh_store_txn_t *txn, const sh_cosig_witness_t *w, uint64_t size, const char *line, char **out,
            size_t *out_len, char *why, size_t why_len)
{
    uint8_t k[8];
    sh_store_put_be64 (k, size);
    const uint8_t *v;
    size_t vl;
    sh_err rc = sh_store_get (txn, SH_DB_CHECKPOINTS, k, sizeof k, &v, &vl);
    if (rc == SH_ENOTFOUND)
        snprintf (why, why_len, _("the hub has no checkpoint of size %llu"), (unsigned long long) size);
    if (rc)
        return rc;
    //  the line itself must be the witness's cosignature of this checkpoint
    sh_note_t *n;
    size_t tl = 0;
    if ((rc = sh_note_parse (&n, (const char *) v, vl)))
        return rc == SH_EPROTO ? SH_ECORRUPT : rc;
    const char *text = sh_note_text (n, &tl);
    rc = sh_cosig_verify_line (text, tl, line, strlen (line), w, NULL);
    sh_note_destroy (&n);
    if (rc == SH_EPROTO)
        snprintf (why, why_len, "%s", _("the cosignature is not one well-formed signature line"));
    else
    if (rc == SH_ECRYPTO)
        snprintf (why, why_len, _("the line is not a valid cosignature of witness %s over the checkpoint of "
                  "size %llu"), w->name, (unsigned long long) size);
    if (rc == SH_OK)
        rc = sh_cosig_add (out, out_len, (const char *) v, vl, line, strlen (line));
    return rc;
}

//  Raise the meta counter name to size (never lower it).
static sh_err
s_raise (sh_store_txn_t *txn, const char *name, uint64_t size)
{
    uint64_t v = 0;
    sh_err rc = sh_store_meta_get_u64 (txn, name, &v);
    if (rc == SH_ENOTFOUND || (rc == SH_OK && v < size))
        return sh_store_meta_put_u64 (txn, name, size);
    return rc;
}

sh_err
sh_cosigs_take (sh_store_t *store, const uint8_t witness[SH_PUBKEY_BYTES], uint64_t size, const char *line,
                uint32_t *count, char *why, size_t why_len)
{
    *count = 0;
    why[0] = 0;
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (store, true, &txn);
    if (rc)
        return rc;
    sh_cosig_witness_t w;
    char *note = NULL;
    size_t len = 0;
    bool mirror = false;
    rc = s_witness (txn, witness, &w, &mirror, why, why_len);
    if (rc == SH_OK)
        rc = s_add_line (txn, &w, size, line, &note, &len, why, why_len);
    if (rc == SH_OK) {
        uint8_t k[8];
        sh_store_put_be64 (k, size);
        rc = sh_store_put (txn, SH_DB_CHECKPOINTS, k, sizeof k, note, len);
    }
    if (rc == SH_OK)
        rc = sh_cosigs_count (txn, note, len, count);
    if (rc == SH_OK && *count > 0)
        rc = s_raise (txn, S_NEWEST, size);
    if (rc == SH_OK && mirror)
        rc = s_raise (txn, S_MIRRORED, size);
    free (note);
    if (rc == SH_OK)
        return sh_store_commit (&txn);
    sh_store_abort (&txn);
    return rc;
}

sh_err
sh_cosigs_newest (sh_store_txn_t *txn, uint64_t *size, char **note)
{
    *size = 0;
    *note = NULL;
    sh_err rc = sh_store_meta_get_u64 (txn, S_NEWEST, size);
    if (rc)
        return rc;
    uint8_t k[8];
    sh_store_put_be64 (k, *size);
    const uint8_t *v;
    size_t vl;
    if ((rc = sh_store_get (txn, SH_DB_CHECKPOINTS, k, sizeof k, &v, &vl)))
        return rc == SH_ENOTFOUND ? SH_ECORRUPT : rc;
    if (!(*note = malloc (vl + 1)))
        return SH_ENOMEM;
    memcpy (*note, v, vl);
    (*note)[vl] = 0;
    return SH_OK;
}

sh_err
sh_cosigs_mirrored (sh_store_t *store, uint64_t *size)
{
    *size = 0;
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (store, false, &txn);
    if (rc)
        return rc;
    rc = sh_store_meta_get_u64 (txn, S_MIRRORED, size);
    sh_store_abort (&txn);
    if (rc == SH_ENOTFOUND) {
        *size = 0;
        rc = SH_OK;
    }
    return rc;
}
