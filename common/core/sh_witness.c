/*  sh_witness -- a witness's promise (c2sp.org/tlog-witness). */
#include "sh_witness.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_cosig.h"
#include "sh_i18n.h"
#include "sh_merkle.h"

#define S_STATE_BYTES (8 + SH_HASH_BYTES + 8)
#define S_KEY_MAX (16 + SH_NOTE_NAME_MAX + 1 + 16)

//  The u64 (big-endian) stored under name; 0 when absent.
static sh_err
s_u64 (sh_store_txn_t *txn, const char *name, uint64_t *value)
{
    *value = 0;
    const uint8_t *v;
    size_t l;
    sh_err rc = sh_store_get (txn, SH_DB_WITNESS, name, strlen (name), &v, &l);
    if (rc == SH_ENOTFOUND)
        return SH_OK;
    if (rc == SH_OK && l != 8)
        return SH_ECORRUPT;
    if (rc == SH_OK)
        *value = sh_store_get_be64 (v);
    return rc;
}

static sh_err
s_put_u64 (sh_store_txn_t *txn, const char *name, uint64_t value)
{
    uint8_t v[8];
    sh_store_put_be64 (v, value);
    return sh_store_put (txn, SH_DB_WITNESS, name, strlen (name), v, sizeof v);
}

static size_t
s_key (uint8_t key[S_KEY_MAX], const char *kind, const char *origin)
{
    int n = snprintf ((char *) key, S_KEY_MAX, "%s%s", kind, origin);
    return (size_t) n;
}

sh_err
sh_witness_state (sh_store_txn_t *txn, const char *origin, sh_witness_state_t *out)
{
    assert (txn && origin && out);
    memset (out, 0, sizeof *out);
    uint8_t key[S_KEY_MAX];
    const uint8_t *val;
    size_t len;
    sh_err rc = sh_store_get (txn, SH_DB_WITNESS, key, s_key (key, "log/", origin), &val, &len);
    if (rc)
        return rc;
    if (len != S_STATE_BYTES)
        return SH_ECORRUPT;
    out->size = sh_store_get_be64 (val);
    memcpy (out->root, val + 8, SH_HASH_BYTES);
    out->time = sh_store_get_be64 (val + 8 + SH_HASH_BYTES);
    return SH_OK;
}

sh_err
sh_witness_evidence (sh_store_txn_t *txn, const char *origin, uint64_t now, const char *note, size_t note_len)
{
    uint8_t key[S_KEY_MAX];
    size_t n = s_key (key, "conflict/", origin);
    key[n++] = '/';
    sh_store_put_be64 (key + n, now);
    uint8_t h[SH_HASH_BYTES];                   //  two in the same second: both kept
    sh_crypto_sha256 (h, (const uint8_t *) note, note_len);
    memcpy (key + n + 8, h, 8);
    return sh_store_put (txn, SH_DB_WITNESS, key, n + 16, note, note_len);
}

//  The short hex of a root for a message.
static const char *
s_short (char out[17], const uint8_t root[SH_HASH_BYTES])
{
    sh_crypto_hex (out, root, 8);
    return out;
}

sh_err
sh_witness_cosign (sh_store_txn_t *txn, const sh_note_vkey_t *log, const char *origin, const char *note,
                   size_t note_len, uint64_t old_size, const uint8_t (*proof)[SH_HASH_BYTES], size_t n,
                   const sh_key_t *wkey, const char *wname, uint64_t now, char **line, size_t *line_len,
                   char *why, size_t why_len)
{
    assert (txn && log && origin && note && wkey && wname && line && why && why_len);
    *line = NULL;
    why[0] = 0;
    sh_note_checkpoint_t cp;
    sh_err rc = sh_note_checkpoint_open (&cp, note, note_len, log, origin);
    if (rc) {
        snprintf (why, why_len, "%s", rc == SH_ECRYPTO || rc == SH_ENOTFOUND
                  ? _("the checkpoint is not signed by the hub's key")
                  : _("the checkpoint is malformed or of another log"));
        return rc == SH_ENOTFOUND ? SH_ECRYPTO : rc;
    }
    sh_witness_state_t st;
    rc = sh_witness_state (txn, origin, &st);
    if (rc && rc != SH_ENOTFOUND)
        return rc;
    bool first = rc == SH_ENOTFOUND;
    if (first)
        sh_crypto_sha256 (st.root, NULL, 0);     //  the empty tree
    if (old_size != st.size) {
        snprintf (why, why_len, _("the proof starts at size %llu; this witness last cosigned size %llu"),
                  (unsigned long long) old_size, (unsigned long long) st.size);
        return SH_EINVAL;
    }
    char a[17], b[17];
    const char *split = NULL;
    if (cp.size < st.size)
        split = _("a smaller tree than one it cosigned");
    else
    if (cp.size == st.size && memcmp (cp.root, st.root, SH_HASH_BYTES) != 0 && !first)
        split = _("the same size with another root");
    else
    if (sh_merkle_verify_consistency (st.size, cp.size, st.root, cp.root, proof, n) != SH_OK)
        split = _("a tree the consistency proof does not show to extend the one it cosigned");
    if (split) {
        snprintf (why, why_len, _("split view: the hub shows %s (size %llu root %s..., after size %llu root "
                  "%s...); not cosigned, kept as evidence"), split, (unsigned long long) cp.size,
                  s_short (a, cp.root), (unsigned long long) st.size, s_short (b, st.root));
        rc = sh_witness_evidence (txn, origin, now, note, note_len);
        return rc ? rc : SH_EEQUIVOCATION;
    }
    uint64_t when = now > st.time ? now : st.time;
    size_t text_len;
    sh_note_t *parsed;
    if ((rc = sh_note_parse (&parsed, note, note_len)))
        return rc;
    const char *text = sh_note_text (parsed, &text_len);
    rc = sh_cosig_sign (line, line_len, text, text_len, wkey, wname, when);
    sh_note_destroy (&parsed);
    if (rc)
        return rc;
    uint8_t key[S_KEY_MAX], val[S_STATE_BYTES];
    sh_store_put_be64 (val, cp.size);
    memcpy (val + 8, cp.root, SH_HASH_BYTES);
    sh_store_put_be64 (val + 8 + SH_HASH_BYTES, when);
    rc = sh_store_put (txn, SH_DB_WITNESS, key, s_key (key, "log/", origin), val, sizeof val);
    if (rc) {
        free (*line);
        *line = NULL;
    }
    return rc;
}

//  ---------------------------------------------------------------------
//  What a node requires

#define S_TRUST "trust/"
#define S_QUORUM "quorum"
#define S_WITNESSED "witnessed"

sh_err
sh_witness_trust_get (sh_store_txn_t *txn, sh_witness_trust_t *out)
{
    memset (out, 0, sizeof *out);
    sh_store_cursor_t *cur;
    sh_err rc = sh_store_cursor_open (txn, SH_DB_WITNESS, S_TRUST, strlen (S_TRUST), &cur);
    if (rc)
        return rc;
    const uint8_t *k, *v;
    size_t kl, vl;
    while ((rc = sh_store_cursor_next (cur, &k, &kl, &v, &vl)) == SH_OK) {
        char name[SH_NOTE_NAME_MAX + 1];
        size_t nl = kl - strlen (S_TRUST);
        if (vl != SH_PUBKEY_BYTES || nl == 0 || nl > SH_NOTE_NAME_MAX || out->n == SH_WITNESS_TRUST_MAX) {
            rc = SH_ECORRUPT;
            break;
        }
        memcpy (name, k + strlen (S_TRUST), nl);
        name[nl] = 0;
        if ((rc = sh_cosig_witness_init (&out->w[out->n], name, v)))
            break;
        out->n++;
    }
    sh_store_cursor_close (&cur);
    if (rc != SH_ENOTFOUND && rc != SH_OK)
        return rc == SH_EINVAL ? SH_ECORRUPT : rc;
    uint64_t q;
    if ((rc = s_u64 (txn, S_QUORUM, &q)))
        return rc;
    out->quorum = q && q <= out->n ? (size_t) q : out->n;
    return SH_OK;
}

sh_err
sh_witness_trust_add (sh_store_txn_t *txn, const sh_cosig_witness_t *w)
{
    sh_witness_trust_t t;
    sh_err rc = sh_witness_trust_get (txn, &t);
    if (rc)
        return rc;
    bool known = false;
    for (size_t i = 0; i < t.n; i++)
        known = known || !strcmp (t.w[i].name, w->name);
    if (!known && t.n == SH_WITNESS_TRUST_MAX)
        return SH_EINVAL;
    uint8_t key[S_KEY_MAX];
    return sh_store_put (txn, SH_DB_WITNESS, key, s_key (key, S_TRUST, w->name), w->pubkey, SH_PUBKEY_BYTES);
}

sh_err
sh_witness_trust_remove (sh_store_txn_t *txn, const char *name)
{
    sh_witness_trust_t t;
    sh_err rc = sh_witness_trust_get (txn, &t);
    if (rc)
        return rc;
    uint64_t q;
    if ((rc = s_u64 (txn, S_QUORUM, &q)))
        return rc;
    uint8_t key[S_KEY_MAX];
    size_t kl = s_key (key, S_TRUST, name);
    const uint8_t *v;
    size_t vl;
    if ((rc = sh_store_get (txn, SH_DB_WITNESS, key, kl, &v, &vl)))
        return rc;                  //  SH_ENOTFOUND: not trusted
    if (q > t.n - 1)
        return SH_EINVAL;           //  a set quorum would outnumber the witnesses left
    return sh_store_del (txn, SH_DB_WITNESS, key, kl);
}

sh_err
sh_witness_trust_quorum (sh_store_txn_t *txn, size_t quorum)
{
    sh_witness_trust_t t;
    sh_err rc = sh_witness_trust_get (txn, &t);
    if (rc)
        return rc;
    return quorum > t.n ? SH_EINVAL : s_put_u64 (txn, S_QUORUM, quorum);
}

sh_err
sh_witness_witnessed (sh_store_txn_t *txn, uint64_t *size)
{
    return s_u64 (txn, S_WITNESSED, size);
}

sh_err
sh_witness_set_witnessed (sh_store_txn_t *txn, uint64_t size)
{
    uint64_t have;
    sh_err rc = s_u64 (txn, S_WITNESSED, &have);
    return rc || size <= have ? rc : s_put_u64 (txn, S_WITNESSED, size);
}
