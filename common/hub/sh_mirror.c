/*  sh_mirror -- a mirror's copy of a hub's log. */
#include "sh_mirror.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_change.h"
#include "sh_cosig.h"
#include "sh_i18n.h"
#include "sh_merkle.h"
#include "sh_note.h"
#include "sh_witness.h"

#define S_HUB "mirror.hub"          //  meta: the hub's key (32)
#define S_NAME "mirror.name"        //  meta: the cosigner name
#define S_SIZE "mirror.size"        //  meta: be64 verified size

//  The short hex of a root for a message.
static const char *
s_short (char out[17], const uint8_t root[SH_HASH_BYTES])
{
    sh_crypto_hex (out, root, 8);
    return out;
}

static sh_err
s_state (sh_store_txn_t *txn, const sh_hubid_t *hub, sh_mirror_state_t *st)
{
    memset (st, 0, sizeof *st);
    sh_err rc = sh_store_meta_get_u64 (txn, S_SIZE, &st->size);
    if (rc && rc != SH_ENOTFOUND)
        return rc;
    if ((rc = sh_merkle_size (txn, &st->tree)))
        return rc;
    if (st->tree < st->size)
        return SH_ECORRUPT;
    sh_witness_state_t w;
    rc = sh_witness_state (txn, hub->origin, &w);
    if (rc == SH_OK)
        st->cosigned = w.size;
    return rc == SH_ENOTFOUND ? SH_OK : rc;
}

sh_err
sh_mirror_name (sh_store_t *store, const char *name)
{
    if (!name || !sh_note_name_valid (name) || strlen (name) > SH_NOTE_NAME_MAX)
        return SH_EINVAL;
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (store, true, &txn);
    if (rc)
        return rc;
    char had[SH_NOTE_NAME_MAX + 1];
    rc = sh_store_meta_get_str (txn, S_NAME, had, sizeof had);
    if (rc == SH_OK)
        rc = SH_EEXIST;
    else
    if (rc == SH_ENOTFOUND)
        rc = sh_store_meta_put_str (txn, S_NAME, name);
    if (rc == SH_OK)
        return sh_store_commit (&txn);
    sh_store_abort (&txn);
    return rc;
}

sh_err
sh_mirror_open (sh_store_t *store, const sh_hubid_t *hub, sh_mirror_state_t *st, char *name, size_t name_len,
                char *why, size_t why_len)
{
    why[0] = 0;
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (store, true, &txn);
    if (rc)
        return rc;
    rc = sh_store_meta_get_str (txn, S_NAME, name, name_len);
    if (rc == SH_ENOTFOUND)
        snprintf (why, why_len, "%s", _("this directory holds no mirror (shouhe-hub mirror --init --name NAME)"));
    const uint8_t *v;
    size_t vl;
    if (rc == SH_OK) {
        rc = sh_store_get (txn, SH_DB_META, S_HUB, strlen (S_HUB), &v, &vl);
        if (rc == SH_ENOTFOUND)
            rc = sh_store_put (txn, SH_DB_META, S_HUB, strlen (S_HUB), hub->pubkey, SH_PUBKEY_BYTES);
        else
        if (rc == SH_OK && (vl != SH_PUBKEY_BYTES || memcmp (v, hub->pubkey, SH_PUBKEY_BYTES) != 0)) {
            char had[SH_HEX_BYTES (SH_PUBKEY_BYTES)], given[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
            sh_crypto_hex (had, v, vl == SH_PUBKEY_BYTES ? vl : 0);
            sh_crypto_hex (given, hub->pubkey, SH_PUBKEY_BYTES);
            snprintf (why, why_len, _("this mirror copies the hub %.16s...; --hub-key names %.16s..., another "
                      "hub (a mirror copies one log for good)"), had, given);
            rc = SH_EPERM;
        }
    }
    if (rc == SH_OK)
        rc = s_state (txn, hub, st);
    if (rc == SH_OK)
        return sh_store_commit (&txn);
    sh_store_abort (&txn);
    return rc;
}

//  Keep note (verified, its root recomputed) as the checkpoint of size,
//  unless one is kept there (it may carry the mirror's line), and raise
//  the verified size to it.
static sh_err
s_keep (sh_store_txn_t *txn, uint64_t size, const char *note, size_t len, sh_mirror_state_t *st)
{
    uint8_t k[8];
    sh_store_put_be64 (k, size);
    const uint8_t *v;
    size_t vl;
    sh_err rc = sh_store_get (txn, SH_DB_CHECKPOINTS, k, sizeof k, &v, &vl);
    if (rc == SH_ENOTFOUND)
        rc = sh_store_put (txn, SH_DB_CHECKPOINTS, k, sizeof k, note, len);
    if (rc == SH_OK && size > st->size) {
        rc = sh_store_meta_put_u64 (txn, S_SIZE, size);
        if (rc == SH_OK)
            st->size = size;
    }
    return rc;
}

//  Drop the leaves above the verified size (their checkpoint did not
//  confirm them): the log entries and the tree, in their own transaction.
static sh_err
s_drop (sh_store_t *store, sh_mirror_state_t *st)
{
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (store, true, &txn);
    if (rc)
        return rc;
    for (uint64_t i = st->tree; rc == SH_OK && i > st->size; i--) {
        uint8_t k[8];
        sh_store_put_be64 (k, i);
        rc = sh_store_del (txn, SH_DB_LOG, k, sizeof k);
        if (rc == SH_ENOTFOUND)
            rc = SH_OK;
    }
    if (rc == SH_OK)
        rc = sh_merkle_truncate (txn, st->size);
    if (rc == SH_OK && (rc = sh_store_commit (&txn)) == SH_OK)
        st->tree = st->size;
    sh_store_abort (&txn);
    return rc;
}

//  Open a checkpoint note of the hub, saying why not in why.
static sh_err
s_open_note (const sh_hubid_t *hub, const char *note, size_t len, sh_note_checkpoint_t *cp, char *why,
             size_t why_len)
{
    sh_err rc = sh_hubid_open_checkpoint (hub, cp, note, len);
    if (rc)
        snprintf (why, why_len, "%s", rc == SH_EPROTO ? _("the hub's checkpoint is malformed or of another log")
                                                      : _("the hub's checkpoint is not signed by its key"));
    return rc == SH_ENOTFOUND ? SH_ECRYPTO : rc;
}

sh_err
sh_mirror_check (sh_store_t *store, const sh_hubid_t *hub, const char *note, size_t len, uint64_t now,
                 sh_mirror_state_t *st, char *why, size_t why_len)
{
    why[0] = 0;
    sh_note_checkpoint_t cp;
    sh_err rc = s_open_note (hub, note, len, &cp, why, why_len);
    if (rc || cp.size > st->tree || cp.size == 0)
        return rc;
    sh_store_txn_t *txn;
    if ((rc = sh_store_begin (store, true, &txn)))
        return rc;
    uint8_t root[SH_HASH_BYTES];
    rc = sh_merkle_root (txn, cp.size, root);
    bool same = rc == SH_OK && memcmp (root, cp.root, SH_HASH_BYTES) == 0;
    if (rc == SH_OK && same)
        rc = s_keep (txn, cp.size, note, len, st);
    else
    if (rc == SH_OK && cp.size <= st->size) {
        char a[17], b[17];
        snprintf (why, why_len, _("split view: the hub shows size %llu with root %s..., but this mirror's copy "
                  "of its first %llu leaves has root %s...; not cosigned, kept as evidence"),
                  (unsigned long long) cp.size, s_short (a, cp.root), (unsigned long long) cp.size,
                  s_short (b, root));
        rc = sh_witness_evidence (txn, hub->origin, now, note, len);
        if (rc == SH_OK && (rc = sh_store_commit (&txn)) == SH_OK)
            rc = SH_EEQUIVOCATION;
        sh_store_abort (&txn);
        return rc;
    }
    if (rc == SH_OK && same)
        return sh_store_commit (&txn);
    sh_store_abort (&txn);
    //  leaves no checkpoint confirmed, and this one contradicts: fetch them again
    return rc ? rc : s_drop (store, st);
}

//  Put change i of a Batch as leaf st->tree + i.
static sh_err
s_leaf (sh_store_txn_t *txn, const sh_wire_bytes_t *c, uint64_t index, uint64_t expect, char *why, size_t why_len)
{
    if (index != expect) {
        snprintf (why, why_len, _("the hub's batch places a change at log entry %llu where entry %llu was "
                  "expected: a mirror takes every leaf in order"), (unsigned long long) index,
                  (unsigned long long) expect);
        return SH_EPROTO;
    }
    sh_change_t ch;
    const char *bad = NULL;
    sh_err rc = sh_change_open (&ch, NULL, c->data, c->len, &bad);
    if (rc) {
        snprintf (why, why_len, _("the hub sent log entry %llu and it does not verify (%s)"),
                  (unsigned long long) index, bad ? bad : sh_strerror (rc));
        return rc == SH_ECRYPTO ? SH_ECRYPTO : SH_EPROTO;
    }
    sh_change_fini (&ch);
    uint8_t k[8];
    sh_store_put_be64 (k, index);
    rc = sh_store_put (txn, SH_DB_LOG, k, sizeof k, c->data, c->len);
    if (rc == SH_OK)
        rc = sh_merkle_append (txn, c->data, c->len, NULL);
    return rc;
}

//  The root of the first size leaves must be cp's: keep the note, or say
//  why not (SH_ECRYPTO).
static sh_err
s_reached (sh_store_txn_t *txn, const sh_note_checkpoint_t *cp, const char *note, sh_mirror_state_t *st,
           char *why, size_t why_len)
{
    uint8_t root[SH_HASH_BYTES];
    sh_err rc = sh_merkle_root (txn, cp->size, root);
    if (rc == SH_OK && memcmp (root, cp->root, SH_HASH_BYTES) != 0) {
        char a[17], b[17];
        snprintf (why, why_len, _("the hub's leaves %llu..%llu do not reproduce its checkpoint of size %llu "
                  "(root %s..., the leaves give %s...): dropped, not cosigned"),
                  (unsigned long long) st->size + 1, (unsigned long long) cp->size, (unsigned long long) cp->size,
                  s_short (a, cp->root), s_short (b, root));
        return SH_ECRYPTO;
    }
    return rc ? rc : s_keep (txn, cp->size, note, strlen (note), st);
}

sh_err
sh_mirror_take (sh_store_t *store, const sh_hubid_t *hub, char *const *pending, size_t n_pending,
                const sh_wire_bytes_t *changes, const uint64_t *indexes, size_t n, sh_mirror_state_t *st,
                char *why, size_t why_len)
{
    why[0] = 0;
    sh_note_checkpoint_t cps[SH_MIRROR_PENDING_MAX];
    if (n_pending > SH_MIRROR_PENDING_MAX)
        return SH_EINVAL;
    sh_err rc = SH_OK;
    for (size_t k = 0; rc == SH_OK && k < n_pending; k++)
        rc = s_open_note (hub, pending[k], strlen (pending[k]), &cps[k], why, why_len);
    if (rc)
        return rc;
    uint64_t bound = n_pending ? cps[n_pending - 1].size : 0;
    if (n > 0 && st->tree + n > bound) {
        snprintf (why, why_len, _("the hub's batch reaches log entry %llu, beyond the newest checkpoint it has "
                  "shown (size %llu)"), (unsigned long long) (st->tree + n), (unsigned long long) bound);
        return SH_EPROTO;
    }
    sh_store_txn_t *txn;
    if ((rc = sh_store_begin (store, true, &txn)))
        return rc;
    sh_mirror_state_t now = *st;
    size_t k = 0;
    bool mismatch = false;
    for (size_t i = 0; rc == SH_OK && i < n; i++) {
        rc = s_leaf (txn, &changes[i], indexes[i], now.tree + 1, why, why_len);
        if (rc == SH_OK)
            now.tree++;
        while (rc == SH_OK && k < n_pending && cps[k].size <= now.tree) {
            if (cps[k].size == now.tree && cps[k].size > now.size) {
                rc = s_reached (txn, &cps[k], pending[k], &now, why, why_len);
                mismatch = rc == SH_ECRYPTO;
            }
            k++;
        }
    }
    if (rc == SH_OK && (rc = sh_store_commit (&txn)) == SH_OK)
        *st = now;
    sh_store_abort (&txn);
    if (mismatch && s_drop (store, st) != SH_OK)
        return SH_ECORRUPT;
    return rc;
}

sh_err
sh_mirror_cosign (sh_store_t *store, const sh_hubid_t *hub, const sh_key_t *key, const char *name, uint64_t now,
                  uint64_t *size, char **line, char *why, size_t why_len)
{
    *line = NULL;
    *size = 0;
    why[0] = 0;
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (store, true, &txn);
    if (rc)
        return rc;
    sh_mirror_state_t st;
    rc = s_state (txn, hub, &st);
    if (rc == SH_OK && (st.size == 0 || st.size <= st.cosigned))
        rc = SH_ENOTFOUND;
    uint8_t k[8];
    sh_store_put_be64 (k, st.size);
    const uint8_t *v = NULL;
    size_t vl = 0;
    if (rc == SH_OK && (rc = sh_store_get (txn, SH_DB_CHECKPOINTS, k, sizeof k, &v, &vl)) == SH_ENOTFOUND)
        rc = SH_ECORRUPT;
    uint8_t proof[SH_MERKLE_PROOF_MAX][SH_HASH_BYTES];
    size_t np = 0;
    if (rc == SH_OK && st.cosigned > 0)
        rc = sh_merkle_consistency (txn, st.cosigned, st.size, proof, SH_MERKLE_PROOF_MAX, &np);
    char *note = NULL, *signed_note = NULL;
    size_t ln = 0, sl = 0;
    if (rc == SH_OK && !(note = strndup ((const char *) v, vl)))
        rc = SH_ENOMEM;
    if (rc == SH_OK)
        rc = sh_witness_cosign (txn, &hub->vkey, hub->origin, note, vl, st.cosigned,
                                (const uint8_t (*)[SH_HASH_BYTES]) proof, np, key, name, now, line, &ln, why,
                                why_len);
    if (rc == SH_OK)
        rc = sh_cosig_add (&signed_note, &sl, note, vl, *line, ln);
    if (rc == SH_OK)
        rc = sh_store_put (txn, SH_DB_CHECKPOINTS, k, sizeof k, signed_note, sl);
    if (rc == SH_OK)
        rc = sh_store_commit (&txn);
    sh_store_abort (&txn);
    free (note);
    free (signed_note);
    if (rc) {
        free (*line);
        *line = NULL;
    }
    else
        *size = st.size;
    return rc;
}

sh_err
sh_mirror_offer (sh_store_t *store, uint64_t from, size_t max, size_t max_bytes, sh_mirror_offer_t *out)
{
    memset (out, 0, sizeof *out);
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (store, false, &txn);
    if (rc)
        return rc;
    uint64_t size = 0;
    rc = sh_store_meta_get_u64 (txn, S_SIZE, &size);
    if (rc == SH_OK && size == 0)
        rc = SH_ENOTFOUND;
    uint8_t k[8];
    sh_store_put_be64 (k, size);
    const uint8_t *v;
    size_t vl;
    if (rc == SH_OK && (rc = sh_store_get (txn, SH_DB_CHECKPOINTS, k, sizeof k, &v, &vl)) == SH_ENOTFOUND)
        rc = SH_ECORRUPT;
    if (rc == SH_OK && !(out->note = strndup ((const char *) v, vl)))
        rc = SH_ENOMEM;
    size_t count = from < size ? (size_t) (size - from < max ? size - from : max) : 0;
    out->leaves = calloc (count ? count : 1, sizeof *out->leaves);
    out->positions = calloc (count ? count : 1, sizeof *out->positions);
    if (rc == SH_OK && (!out->leaves || !out->positions))
        rc = SH_ENOMEM;
    //  the leaves as the store holds them (valid in txn), then one copy of all
    size_t total = 0;
    for (size_t i = 0; rc == SH_OK && i < count && (i == 0 || total < max_bytes); i++) {
        sh_store_put_be64 (k, from + i + 1);
        if ((rc = sh_store_get (txn, SH_DB_LOG, k, sizeof k, &v, &vl)) == SH_ENOTFOUND)
            rc = SH_ECORRUPT;
        if (rc)
            break;
        out->leaves[i] = (sh_wire_bytes_t) { v, vl };
        out->positions[i] = from + i;
        out->n = i + 1;
        total += vl;
    }
    uint8_t *buf = rc == SH_OK ? malloc (total ? total : 1) : NULL;
    if (rc == SH_OK && !buf)
        rc = SH_ENOMEM;
    for (size_t i = 0, at = 0; rc == SH_OK && i < out->n; at += out->leaves[i++].len) {
        memcpy (buf + at, out->leaves[i].data, out->leaves[i].len);
        out->leaves[i].data = buf + at;
    }
    out->mem_ = buf;
    sh_store_abort (&txn);
    if (rc)
        sh_mirror_offer_fini (out);
    return rc;
}

void
sh_mirror_offer_fini (sh_mirror_offer_t *offer)
{
    free (offer->mem_);
    free (offer->leaves);
    free (offer->positions);
    free (offer->note);
    memset (offer, 0, sizeof *offer);
}
