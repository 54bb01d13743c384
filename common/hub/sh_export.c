/*  sh_export -- a hub's self-contained, public export (see sh_export.h):
    writing it, and writing an edited document.

    The Export message is written and read here by hand, field by field, so
    that neither side ever holds the export twice (protobuf-c would unpack a
    copy of every change). export.pb-c.h is used for what is small: each
    Enrollment (through wire.pb-c.h), and, in the unit test, to check that
    protobuf-c reads what we write. Reading is in sh_export_read.c.
*/
#include "sh_export.h"
#include "sh_export_int.h"
#include "sh_replica.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sh_merkle.h"
#include "sh_note.h"
#include "sh_openings.h"
#include "shouhe/v1/export.pb-c.h"

#define S_B64 sodium_base64_VARIANT_ORIGINAL
#define S_B64_HASH_BYTES sodium_base64_ENCODED_LEN (SH_HASH_BYTES, S_B64)   //  with NUL
#define S_EVIDENCE_KEY_BYTES (SH_PUBKEY_BYTES + 8 + SH_HASH_BYTES)
#define S_EVIDENCE_GROUP (SH_PUBKEY_BYTES + 8)
#define S_SIDES_MAX 64                //  sides of one (author, seq) the writer groups

_Static_assert (SH_EXPORT_F_CHANGES == 6 && SH_EXPORT_F_CHECKPOINTS == 8 && SH_EXPORT_F_OPENINGS == 10,
                "export.proto field numbers");

/* ==========================================================================
 * Encoding helpers
 * ========================================================================== */

static size_t
s_varint_encode (uint8_t out[S_VARINT_MAX], uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t) (v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t) v;
    return n;
}

static size_t
s_varint_len (uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

//  Bytes taken by a length-delimited field with a one-byte tag.
static size_t
s_len_field_size (size_t len)
{
    return 1 + s_varint_len (len) + len;
}

typedef struct {
    FILE *f;                  //  where to
    uint64_t bytes;           //  written so far
    sh_err rc;                //  first write error (then nothing more is written)
} s_out_t;

static void
s_write (s_out_t *o, const void *data, size_t len)
{
    if (o->rc || len == 0)
        return;
    if (fwrite (data, 1, len, o->f) != len) {
        o->rc = errno ? sh_err_errno () : (sh_err) (SH_ESYSERR | EIO);
        return;
    }
    o->bytes += len;
}

static void
s_write_tag_len (s_out_t *o, uint32_t field, size_t len)
{
    uint8_t hdr[1 + S_VARINT_MAX];
    assert (field < 16);
    hdr[0] = (uint8_t) (field << 3 | S_WT_LEN);
    size_t n = 1 + s_varint_encode (hdr + 1, len);
    s_write (o, hdr, n);
}

static void
s_write_bytes (s_out_t *o, uint32_t field, const void *data, size_t len)
{
    s_write_tag_len (o, field, len);
    s_write (o, data, len);
}

static void
s_write_varint (s_out_t *o, uint32_t field, uint64_t v)
{
    uint8_t buf[1 + S_VARINT_MAX];
    assert (field < 16);
    buf[0] = (uint8_t) (field << 3 | S_WT_VARINT);
    size_t n = 1 + s_varint_encode (buf + 1, v);
    s_write (o, buf, n);
}

/* ==========================================================================
 * Enrollment records
 * ========================================================================== */

bool
sh_export_enrollment_decode (sh_registry_entry_t *e, const uint8_t *data, size_t len)
{
    if (len == 0 || len > S_ENROLLMENT_MAX)
        return false;
    Shouhe__V1__Enrollment *m = shouhe__v1__enrollment__unpack (NULL, len, data);
    if (!m)
        return false;
    bool ok = m->key.len == SH_PUBKEY_BYTES && sh_replica_scope_valid (m->scope)
           && (m->role == SHOUHE__V1__PEER_ROLE__PEER_NODE || m->role == SHOUHE__V1__PEER_ROLE__PEER_AUDITOR
               || m->role == SHOUHE__V1__PEER_ROLE__PEER_WITNESS || m->role == SHOUHE__V1__PEER_ROLE__PEER_MIRROR)
           && (!m->name || strlen (m->name) <= SH_REGISTRY_NAME_MAX);
    if (ok) {
        uint8_t again[S_ENROLLMENT_MAX];
        ok = shouhe__v1__enrollment__get_packed_size (m) == len
          && shouhe__v1__enrollment__pack (m, again) == len
          && memcmp (again, data, len) == 0;
    }
    if (ok) {
        memset (e, 0, sizeof *e);
        memcpy (e->key, m->key.data, SH_PUBKEY_BYTES);
        snprintf (e->scope, sizeof e->scope, "%s", m->scope);
        e->role = (sh_wire_role_t) m->role;
        snprintf (e->name, sizeof e->name, "%s", m->name ? m->name : "");
        e->enrolled_ms = m->enrolled_ms;
        e->revoked_ms = m->has_revoked_ms ? m->revoked_ms : 0;
        e->blocked = m->has_blocked && m->blocked;
        e->last_seen_ms = m->has_last_seen_ms ? m->last_seen_ms : 0;
    }
    shouhe__v1__enrollment__free_unpacked (m, NULL);
    return ok;
}

void
sh_export_registry_digest_init (sh_crypto_sha256_t *st)
{
    assert (st);
    sh_crypto_sha256_init (st);
}

void
sh_export_registry_digest_add (sh_crypto_sha256_t *st, const uint8_t *enrollment, size_t len)
{
    assert (st);
    assert (enrollment || len == 0);
    assert (len <= UINT32_MAX);
    uint8_t be[4] = { (uint8_t) (len >> 24), (uint8_t) (len >> 16), (uint8_t) (len >> 8), (uint8_t) len };
    sh_crypto_sha256_update (st, be, sizeof be);
    if (len)
        sh_crypto_sha256_update (st, enrollment, len);
}

sh_err
sh_export_registry_text (char **out, size_t *out_len, const char *origin, uint64_t count,
                         const uint8_t digest[SH_HASH_BYTES])
{
    assert (out && origin && digest);
    char b64[S_B64_HASH_BYTES];
    sodium_bin2base64 (b64, sizeof b64, digest, SH_HASH_BYTES, S_B64);
    size_t n = strlen (origin) + sizeof SH_EXPORT_REGISTRY_WORD + 20 + sizeof b64 + 4;
    *out = malloc (n);
    if (!*out)
        return SH_ENOMEM;
    int len = snprintf (*out, n, "%s\n%s\n%" PRIu64 "\n%s\n", origin, SH_EXPORT_REGISTRY_WORD, count, b64);
    assert (len > 0 && (size_t) len < n);
    if (out_len)
        *out_len = (size_t) len;
    return SH_OK;
}

/* ==========================================================================
 * Writing
 * ========================================================================== */

//  Registry entries (field 4) in key order, then the signed registry note (field 5).
static sh_err
s_write_registry (s_out_t *o, sh_store_txn_t *txn, const sh_key_t *key, const char *origin,
                  sh_export_stats_t *st)
{
    sh_store_cursor_t *cur;
    sh_err rc = sh_store_cursor_open (txn, SH_DB_REGISTRY, NULL, 0, &cur);
    if (rc)
        return rc;
    sh_crypto_sha256_t h;
    sh_export_registry_digest_init (&h);
    const uint8_t *k, *v;
    size_t kl, vl;
    while ((rc = sh_store_cursor_next (cur, &k, &kl, &v, &vl)) == SH_OK && !o->rc) {
        if (kl != SH_PUBKEY_BYTES)
            continue;           //  the Curve25519 index
        sh_registry_entry_t e;
        if (!sh_export_enrollment_decode (&e, v, vl) || memcmp (e.key, k, SH_PUBKEY_BYTES) != 0) {
            rc = SH_ECORRUPT;
            break;
        }
        s_write_bytes (o, SH_EXPORT_F_REGISTRY, v, vl);
        sh_export_registry_digest_add (&h, v, vl);
        st->registry++;
    }
    sh_store_cursor_close (&cur);
    uint8_t digest[SH_HASH_BYTES];
    sh_crypto_sha256_final (&h, digest);
    if (rc != SH_ENOTFOUND)
        return rc ? rc : o->rc;
    char *text = NULL, *note = NULL;
    size_t text_len, note_len;
    rc = sh_export_registry_text (&text, &text_len, origin, st->registry, digest);
    if (rc == SH_OK)
        rc = sh_note_sign (&note, &note_len, text, text_len, key, origin);
    if (rc == SH_OK)
        s_write_bytes (o, SH_EXPORT_F_REGISTRY_NOTE, note, note_len);
    free (text);
    free (note);
    return rc;
}

//  What s_each_log calls for each LOG entry: i is the entry's log index
//  - 1 (its leaf index), [v, v + vl) its SignedChange bytes.
typedef sh_err (s_log_fn) (s_out_t *o, sh_store_txn_t *txn, uint64_t i, const uint8_t *v, size_t vl,
                           sh_export_stats_t *st);

//  Call fn for every LOG entry in index order, 1..n: a gap is SH_ECORRUPT
//  (leaf i must be log index i + 1).
static sh_err
s_each_log (s_out_t *o, sh_store_txn_t *txn, s_log_fn *fn, sh_export_stats_t *st)
{
    sh_store_cursor_t *cur;
    sh_err rc = sh_store_cursor_open (txn, SH_DB_LOG, NULL, 0, &cur);
    if (rc)
        return rc;
    const uint8_t *k, *v;
    size_t kl, vl;
    uint64_t i = 0;
    while ((rc = sh_store_cursor_next (cur, &k, &kl, &v, &vl)) == SH_OK && !o->rc) {
        if (kl != 8 || sh_store_get_be64 (k) != i + 1)
            rc = SH_ECORRUPT;
        else
            rc = fn (o, txn, i++, v, vl, st);
        if (rc)
            break;
    }
    sh_store_cursor_close (&cur);
    if (rc != SH_ENOTFOUND)
        return rc ? rc : o->rc;
    return SH_OK;
}

//  One change (field 6).
static sh_err
s_write_change (s_out_t *o, sh_store_txn_t *txn, uint64_t i, const uint8_t *v, size_t vl, sh_export_stats_t *st)
{
    (void) txn;
    (void) i;
    s_write_bytes (o, SH_EXPORT_F_CHANGES, v, vl);
    st->changes++;
    return SH_OK;
}

//  The start of one Evidence message (field 7): its tag and length, the
//  author and the seq; its sides, sides_size bytes as fields, follow.
static void
s_write_evidence_head (s_out_t *o, const uint8_t author[SH_PUBKEY_BYTES], uint64_t seq, size_t sides_size)
{
    size_t len = s_len_field_size (SH_PUBKEY_BYTES) + 1 + s_varint_len (seq) + sides_size;
    s_write_tag_len (o, SH_EXPORT_F_EVIDENCE, len);
    s_write_bytes (o, S_EV_AUTHOR, author, SH_PUBKEY_BYTES);
    s_write_varint (o, S_EV_SEQ, seq);
}

//  One Evidence message for the sides of one (author, seq).
static void
s_write_evidence_one (s_out_t *o, const uint8_t group[S_EVIDENCE_GROUP],
                      const sh_export_bytes_t *sides, size_t n)
{
    size_t sides_size = 0;
    for (size_t i = 0; i < n; i++)
        sides_size += s_len_field_size (sides[i].len);
    s_write_evidence_head (o, group, sh_store_get_be64 (group + SH_PUBKEY_BYTES), sides_size);
    for (size_t i = 0; i < n; i++)
        s_write_bytes (o, S_EV_SIDES, sides[i].data, sides[i].len);
}

//  The evidence database, grouped by (author, seq): keys author || seq ||
//  hash sort the sides of one equivocation together, by hash.
static sh_err
s_write_evidence (s_out_t *o, sh_store_txn_t *txn, sh_export_stats_t *st)
{
    sh_store_cursor_t *cur;
    sh_err rc = sh_store_cursor_open (txn, SH_DB_EVIDENCE, NULL, 0, &cur);
    if (rc)
        return rc;
    uint8_t group[S_EVIDENCE_GROUP];
    sh_export_bytes_t sides[S_SIDES_MAX];   //  point into the map: no update in this txn
    size_t n = 0;
    const uint8_t *k, *v;
    size_t kl, vl;
    while ((rc = sh_store_cursor_next (cur, &k, &kl, &v, &vl)) == SH_OK && !o->rc) {
        if (kl != S_EVIDENCE_KEY_BYTES) {
            rc = SH_ECORRUPT;
            break;
        }
        if (n > 0 && (memcmp (group, k, S_EVIDENCE_GROUP) != 0 || n == S_SIDES_MAX)) {
            s_write_evidence_one (o, group, sides, n);
            st->evidence++;
            n = 0;
        }
        memcpy (group, k, S_EVIDENCE_GROUP);
        sides[n++] = (sh_export_bytes_t) { v, vl };
    }
    if (rc == SH_ENOTFOUND && n > 0 && !o->rc) {
        s_write_evidence_one (o, group, sides, n);
        st->evidence++;
    }
    sh_store_cursor_close (&cur);
    if (rc != SH_ENOTFOUND)
        return rc ? rc : o->rc;
    return SH_OK;
}

//  One Opening message (field 10) for the opening o of change number change.
static void
s_write_opening (s_out_t *o, uint32_t change, uint32_t field, const uint8_t salt[SH_SEAL_SALT_BYTES],
                 const uint8_t *value, size_t value_len)
{
    size_t len = 1 + s_varint_len (change) + 1 + s_varint_len (field) + s_len_field_size (SH_SEAL_SALT_BYTES)
               + s_len_field_size (value_len);
    s_write_tag_len (o, SH_EXPORT_F_OPENINGS, len);
    s_write_varint (o, S_OP_CHANGE, change);
    s_write_varint (o, S_OP_FIELD, field);
    s_write_bytes (o, S_OP_SALT, salt, SH_SEAL_SALT_BYTES);
    s_write_bytes (o, S_OP_VALUE, value, value_len);
}

//  The openings the store holds for change i (field 10), in seal order:
//  Opening.change is i, the change's index in field 6 (log index - 1).
static sh_err
s_write_openings_of (s_out_t *o, sh_store_txn_t *txn, uint64_t i, const uint8_t *v, size_t vl,
                     sh_export_stats_t *st)
{
    if (i > UINT32_MAX)
        return SH_EINVAL;       //  Opening.change is a uint32: 2^32 changes at most
    sh_seal_opening_t held[SH_SEALS_MAX];
    size_t n = 0;
    sh_err rc = sh_openings_held (txn, v, vl, held, &n);
    for (size_t j = 0; rc == SH_OK && j < n; j++)
        s_write_opening (o, (uint32_t) i, held[j].field, held[j].salt, held[j].value, held[j].value_len);
    if (rc == SH_OK)
        st->openings += n;
    return rc;
}

//  Every stored checkpoint note, by tree size (field 8).
static sh_err
s_write_checkpoints (s_out_t *o, sh_store_txn_t *txn, sh_export_stats_t *st)
{
    sh_store_cursor_t *cur;
    sh_err rc = sh_store_cursor_open (txn, SH_DB_CHECKPOINTS, NULL, 0, &cur);
    if (rc)
        return rc;
    const uint8_t *k, *v;
    size_t kl, vl;
    while ((rc = sh_store_cursor_next (cur, &k, &kl, &v, &vl)) == SH_OK && !o->rc) {
        if (kl != 8) {
            rc = SH_ECORRUPT;
            break;
        }
        s_write_bytes (o, SH_EXPORT_F_CHECKPOINTS, v, vl);
        st->checkpoints++;
    }
    sh_store_cursor_close (&cur);
    if (rc != SH_ENOTFOUND)
        return rc ? rc : o->rc;
    return SH_OK;
}

//  The epoch notes, oldest first (field 9): meta "epoch.2" ... "epoch.E".
static sh_err
s_write_epochs (s_out_t *o, sh_store_txn_t *txn)
{
    uint64_t last;
    sh_err rc = sh_store_meta_get_u64 (txn, "epoch", &last);
    if (rc == SH_ENOTFOUND)
        return SH_OK;
    for (uint64_t e = 2; rc == SH_OK && e <= last; e++) {
        char name[32], note[SH_WIRE_NOTE_MAX + 1];
        snprintf (name, sizeof name, "epoch.%llu", (unsigned long long) e);
        rc = sh_store_meta_get_str (txn, name, note, sizeof note);
        if (rc == SH_OK)
            s_write_bytes (o, SH_EXPORT_F_EPOCHS, note, strlen (note));
    }
    return rc ? rc : o->rc;
}

sh_err
sh_export_write (FILE *out, sh_store_t *store, const sh_hubid_t *hub, unsigned flags, sh_export_stats_t *stats)
{
    assert (out && store && hub && hub->key);
    const sh_key_t *key = hub->key;
    const char *origin = hub->origin;
    sh_export_stats_t st = { 0 };
    if (stats)
        *stats = st;
    if (!sh_note_name_valid (origin) || strlen (origin) > SH_NOTE_NAME_MAX)
        return SH_EINVAL;
    s_out_t o = { .f = out };
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (store, false, &txn);
    if (rc)
        return rc;
    s_write_varint (&o, SH_EXPORT_F_VERSION, SH_EXPORT_VERSION);
    s_write_bytes (&o, SH_EXPORT_F_ORIGIN, origin, strlen (origin));
    s_write_bytes (&o, SH_EXPORT_F_HUB_KEY, sh_key_public (key), SH_PUBKEY_BYTES);
    rc = o.rc;
    if (rc == SH_OK)
        rc = sh_merkle_size (txn, &st.tree_size);
    if (rc == SH_OK)
        rc = s_write_registry (&o, txn, key, origin, &st);
    if (rc == SH_OK)
        rc = s_each_log (&o, txn, s_write_change, &st);
    if (rc == SH_OK)
        rc = s_write_evidence (&o, txn, &st);
    if (rc == SH_OK)
        rc = s_write_checkpoints (&o, txn, &st);
    if (rc == SH_OK)
        rc = s_write_epochs (&o, txn);
    if (rc == SH_OK && (flags & SH_EXPORT_PERSONAL))
        rc = s_each_log (&o, txn, s_write_openings_of, &st);   //  one change's openings at a time
    if (rc == SH_OK)
        rc = o.rc;
    sh_store_abort (&txn);
    st.bytes = o.bytes;
    if (stats)
        *stats = st;
    return rc;
}

/* ==========================================================================
 * Editing
 * ========================================================================== */

static void
s_write_blobs (s_out_t *o, uint32_t field, const sh_export_blob_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s_write_bytes (o, field, b[i].data, b[i].len);
}

sh_err
sh_export_doc_write (FILE *out, const sh_export_doc_t *doc)
{
    assert (out && doc && doc->origin);
    s_out_t o = { .f = out };
    s_write_varint (&o, SH_EXPORT_F_VERSION, doc->version);
    s_write_bytes (&o, SH_EXPORT_F_ORIGIN, doc->origin, strlen (doc->origin));
    s_write_bytes (&o, SH_EXPORT_F_HUB_KEY, doc->hub_key, SH_PUBKEY_BYTES);
    s_write_blobs (&o, SH_EXPORT_F_REGISTRY, doc->registry, doc->n_registry);
    s_write_bytes (&o, SH_EXPORT_F_REGISTRY_NOTE, doc->registry_note.data, doc->registry_note.len);
    s_write_blobs (&o, SH_EXPORT_F_CHANGES, doc->changes, doc->n_changes);
    for (size_t i = 0; i < doc->n_evidence; i++) {
        const sh_export_doc_evidence_t *ev = &doc->evidence[i];
        size_t sides_size = 0;
        for (size_t k = 0; k < ev->n_sides; k++)
            sides_size += s_len_field_size (ev->sides[k].len);
        s_write_evidence_head (&o, ev->author, ev->seq, sides_size);
        s_write_blobs (&o, S_EV_SIDES, ev->sides, ev->n_sides);
    }
    s_write_blobs (&o, SH_EXPORT_F_CHECKPOINTS, doc->checkpoints, doc->n_checkpoints);
    s_write_blobs (&o, SH_EXPORT_F_EPOCHS, doc->epochs, doc->n_epochs);
    for (size_t i = 0; i < doc->n_openings; i++) {
        const sh_export_doc_opening_t *op = &doc->openings[i];
        s_write_opening (&o, op->change, op->field, op->salt, op->value.data, op->value.len);
    }
    return o.rc;
}

sh_err
sh_export_buffer (char **buf, size_t *len, sh_store_t *store, const sh_hubid_t *hub)
{
    *buf = NULL;
    *len = 0;
    FILE *f = open_memstream (buf, len);
    sh_err rc = f ? sh_export_write (f, store, hub, 0, NULL) : SH_ENOMEM;
    if (f && fclose (f) != 0 && rc == SH_OK)
        rc = SH_ENOMEM;
    if (rc) {
        free (*buf);
        *buf = NULL;
        *len = 0;
    }
    return rc;
}
