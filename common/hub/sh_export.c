/*  sh_export -- a hub's self-contained, public export (see sh_export.h).

    The Export message is written and read here by hand, field by field, so
    that neither side ever holds the export twice (protobuf-c would unpack a
    copy of every change). export.pb-c.h is used for what is small: each
    Enrollment (through wire.pb-c.h), and, in the unit test, to check that
    protobuf-c reads what we write.
*/
#include "sh_export.h"
#include "sh_i18n.h"
#include "sh_replica.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "sh_note.h"
#include "shouhe/v1/export.pb-c.h"

#define S_B64 sodium_base64_VARIANT_ORIGINAL
#define S_B64_HASH_BYTES sodium_base64_ENCODED_LEN (SH_HASH_BYTES, S_B64)   //  with NUL
#define S_VARINT_MAX 10
#define S_ENROLLMENT_MAX 512          //  largest Enrollment (sh_registry_put's bound)
#define S_EVIDENCE_KEY_BYTES (SH_PUBKEY_BYTES + 8 + SH_HASH_BYTES)
#define S_EVIDENCE_GROUP (SH_PUBKEY_BYTES + 8)
#define S_SIDES_MAX 64                //  sides of one (author, seq) the writer groups

//  Protobuf wire types.
#define S_WT_VARINT 0
#define S_WT_LEN    2

//  Evidence field numbers (export.proto, Export.Evidence).
#define S_EV_AUTHOR 1
#define S_EV_SEQ    2
#define S_EV_SIDES  3

_Static_assert (SH_EXPORT_F_CHANGES == 6 && SH_EXPORT_F_CHECKPOINTS == 8, "export.proto field numbers");

struct sh_export_t {
    uint8_t *buf;                         //  the whole file (owned)
    size_t len;                           //  its length
    uint32_t version;                     //  Export.version
    char origin[SH_NOTE_NAME_MAX + 1];    //  Export.origin, NUL-terminated
    uint8_t hub_key[SH_PUBKEY_BYTES];     //  Export.hub_key
    sh_export_enrollment_t *registry;     //  Export.registry, decoded (owned array)
    size_t n_registry;                    //  their count
    sh_export_bytes_t note;               //  Export.registry_note
    sh_export_bytes_t *changes;           //  Export.changes (owned array)
    size_t n_changes;                     //  their count
    sh_export_evidence_t *evidence;       //  Export.evidence (owned array)
    size_t n_evidence;                    //  their count
    sh_export_bytes_t *sides;             //  every evidence side, back to back (owned array)
    size_t n_sides;                       //  their count
    sh_export_bytes_t *checkpoints;       //  Export.checkpoints (owned array)
    size_t n_checkpoints;                 //  their count
    sh_export_bytes_t *epochs;            //  Export.epochs (owned array)
    size_t n_epochs;                      //  their count
};

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

//  Decode one Enrollment strictly (see the header). false if malformed.
static bool
s_enrollment_decode (sh_registry_entry_t *e, const uint8_t *data, size_t len)
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
        if (!s_enrollment_decode (&e, v, vl) || memcmp (e.key, k, SH_PUBKEY_BYTES) != 0) {
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

//  Every LOG entry, index 1..n (field 6).
static sh_err
s_write_changes (s_out_t *o, sh_store_txn_t *txn, sh_export_stats_t *st)
{
    sh_store_cursor_t *cur;
    sh_err rc = sh_store_cursor_open (txn, SH_DB_LOG, NULL, 0, &cur);
    if (rc)
        return rc;
    const uint8_t *k, *v;
    size_t kl, vl;
    while ((rc = sh_store_cursor_next (cur, &k, &kl, &v, &vl)) == SH_OK && !o->rc) {
        if (kl != 8 || sh_store_get_be64 (k) != st->changes + 1) {
            rc = SH_ECORRUPT;   //  leaf i must be log index i + 1
            break;
        }
        s_write_bytes (o, SH_EXPORT_F_CHANGES, v, vl);
        st->changes++;
    }
    sh_store_cursor_close (&cur);
    if (rc != SH_ENOTFOUND)
        return rc ? rc : o->rc;
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
sh_export_write (FILE *out, sh_store_t *store, const sh_hubid_t *hub, sh_export_stats_t *stats)
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
        rc = s_write_registry (&o, txn, key, origin, &st);
    if (rc == SH_OK)
        rc = s_write_changes (&o, txn, &st);
    if (rc == SH_OK)
        rc = s_write_evidence (&o, txn, &st);
    if (rc == SH_OK)
        rc = s_write_checkpoints (&o, txn, &st);
    if (rc == SH_OK)
        rc = s_write_epochs (&o, txn);
    if (rc == SH_OK)
        rc = o.rc;
    sh_store_abort (&txn);
    st.bytes = o.bytes;
    if (stats)
        *stats = st;
    return rc;
}

/* ==========================================================================
 * Reading
 * ========================================================================== */

typedef struct {
    const uint8_t *p;         //  the message
    size_t len;               //  its length
    size_t pos;               //  next byte to read
} s_reader_t;

//  A minimal varint (no redundant 0x80 continuation bytes), at most 64 bits.
static bool
s_read_varint (s_reader_t *r, uint64_t *v)
{
    uint64_t x = 0;
    for (unsigned i = 0; i < S_VARINT_MAX; i++) {
        if (r->pos >= r->len)
            return false;
        uint8_t b = r->p[r->pos++];
        if (i == 9 && b > 1)
            return false;           //  over 64 bits
        x |= (uint64_t) (b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            if (i > 0 && b == 0)
                return false;       //  not minimal
            *v = x;
            return true;
        }
    }
    return false;
}

//  The next field: 1 with its number and wire type, and its value (varint)
//  or bytes (length-delimited); 0 at the end; -1 if malformed (*why set).
static int
s_read_field (s_reader_t *r, uint32_t *field, int *wt, uint64_t *value, sh_export_bytes_t *bytes,
              const char **why)
{
    if (r->pos == r->len)
        return 0;
    uint64_t tag, v;
    if (!s_read_varint (r, &tag) || tag > 0x7f) {
        *why = _("a field tag is not one of export.proto's (one byte)");
        return -1;
    }
    *field = (uint32_t) (tag >> 3);
    *wt = (int) (tag & 7);
    if (*wt == S_WT_VARINT) {
        if (!s_read_varint (r, &v)) {
            *why = _("a varint is truncated, longer than 64 bits or not minimally encoded");
            return -1;
        }
        *value = v;
        return 1;
    }
    if (*wt != S_WT_LEN) {
        *why = _("a field has a wire type export.proto does not use");
        return -1;
    }
    if (!s_read_varint (r, &v)) {
        *why = _("a length is truncated or not minimally encoded");
        return -1;
    }
    if (v > r->len - r->pos) {
        *why = _("a field's length runs past the end of its message");
        return -1;
    }
    bytes->data = r->p + r->pos;
    bytes->len = (size_t) v;
    r->pos += (size_t) v;
    return 1;
}

//  One Evidence message; counts its sides, and fills *ev and sides when ev
//  is not NULL.
static bool
s_parse_evidence (const sh_export_bytes_t *msg, size_t *n_sides, sh_export_evidence_t *ev,
                  sh_export_bytes_t *sides, const char **why)
{
    s_reader_t r = { msg->data, msg->len, 0 };
    uint32_t field, last = 0;
    int wt, got;
    uint64_t value = 0;
    sh_export_bytes_t b = { NULL, 0 };
    bool have_author = false, have_seq = false;
    *n_sides = 0;
    while ((got = s_read_field (&r, &field, &wt, &value, &b, why)) == 1) {
        int want = field == S_EV_SEQ ? S_WT_VARINT : S_WT_LEN;
        if (field < S_EV_AUTHOR || field > S_EV_SIDES || wt != want) {
            *why = _("an Evidence holds a field that is not author, seq or sides");
            return false;
        }
        if (field < last || (field == last && field != S_EV_SIDES)) {
            *why = _("an Evidence's fields are out of order or repeated");
            return false;
        }
        last = field;
        if (field == S_EV_AUTHOR) {
            if (b.len != SH_PUBKEY_BYTES) {
                *why = _("an Evidence's author is not 32 bytes");
                return false;
            }
            have_author = true;
            if (ev)
                memcpy (ev->author, b.data, SH_PUBKEY_BYTES);
        }
        else
        if (field == S_EV_SEQ) {
            have_seq = true;
            if (ev)
                ev->seq = value;
        }
        else {
            if (ev)
                sides[*n_sides] = b;
            (*n_sides)++;
        }
    }
    if (got < 0)
        return false;
    if (!have_author || !have_seq) {
        *why = _("an Evidence lacks its author or seq");
        return false;
    }
    if (ev) {
        ev->n_sides = *n_sides;
        ev->sides = sides;
    }
    return true;
}

//  Walk the top-level fields. First pass (fill false): check everything and
//  count; second pass: fill the arrays sized by the first.
static sh_err
s_parse_pass (sh_export_t *self, bool fill, const char **why)
{
    s_reader_t r = { self->buf, self->len, 0 };
    uint32_t field, last = 0;
    int wt, got;
    uint64_t value = 0;
    sh_export_bytes_t b = { NULL, 0 };
    size_t nr = 0, nc = 0, ne = 0, ns = 0, nk = 0, nq = 0;
    bool seen[SH_EXPORT_F_EPOCHS + 1] = { false };
    while ((got = s_read_field (&r, &field, &wt, &value, &b, why)) == 1) {
        if (field < SH_EXPORT_F_VERSION || field > SH_EXPORT_F_EPOCHS) {
            *why = _("the export holds a field that export.proto does not define");
            return SH_EPROTO;
        }
        int want = field == SH_EXPORT_F_VERSION ? S_WT_VARINT : S_WT_LEN;
        bool repeated = field == SH_EXPORT_F_REGISTRY || field == SH_EXPORT_F_CHANGES
                     || field == SH_EXPORT_F_EVIDENCE || field == SH_EXPORT_F_CHECKPOINTS
                     || field == SH_EXPORT_F_EPOCHS;
        if (wt != want) {
            *why = _("a field of the export has the wrong wire type");
            return SH_EPROTO;
        }
        if (field < last) {
            *why = _("the export's fields are not in field-number order");
            return SH_EPROTO;
        }
        if (field == last && !repeated) {
            *why = _("a singular field of the export occurs twice");
            return SH_EPROTO;
        }
        last = field;
        seen[field] = true;
        switch (field) {
            case SH_EXPORT_F_VERSION:
                if (value != SH_EXPORT_VERSION) {
                    *why = _("the export's version is not 1");
                    return SH_EPROTO;
                }
                self->version = (uint32_t) value;
                break;
            case SH_EXPORT_F_ORIGIN:
                if (b.len == 0 || b.len > SH_NOTE_NAME_MAX || memchr (b.data, 0, b.len)) {
                    *why = _("the export's origin is empty, too long or holds a NUL");
                    return SH_EPROTO;
                }
                memcpy (self->origin, b.data, b.len);
                self->origin[b.len] = 0;
                break;
            case SH_EXPORT_F_HUB_KEY:
                if (b.len != SH_PUBKEY_BYTES) {
                    *why = _("the export's hub_key is not 32 bytes");
                    return SH_EPROTO;
                }
                memcpy (self->hub_key, b.data, SH_PUBKEY_BYTES);
                break;
            case SH_EXPORT_F_REGISTRY:
                if (fill) {
                    sh_export_enrollment_t *e = &self->registry[nr];
                    e->raw = b;
                    if (!s_enrollment_decode (&e->entry, b.data, b.len)) {
                        *why = _("a registry entry is not a canonical, valid Enrollment");
                        return SH_EPROTO;
                    }
                }
                nr++;
                break;
            case SH_EXPORT_F_REGISTRY_NOTE:
                self->note = b;
                break;
            case SH_EXPORT_F_CHANGES:
                if (fill)
                    self->changes[nc] = b;
                nc++;
                break;
            case SH_EXPORT_F_EVIDENCE: {
                size_t k;
                sh_export_evidence_t *ev = fill ? &self->evidence[ne] : NULL;
                if (!s_parse_evidence (&b, &k, ev, fill ? self->sides + ns : NULL, why))
                    return SH_EPROTO;
                ne++;
                ns += k;
                break;
            }
            case SH_EXPORT_F_CHECKPOINTS:
                if (fill)
                    self->checkpoints[nk] = b;
                nk++;
                break;
            default:
                if (fill)
                    self->epochs[nq] = b;
                nq++;
                break;
        }
    }
    if (got < 0)
        return SH_EPROTO;
    if (!seen[SH_EXPORT_F_VERSION] || !seen[SH_EXPORT_F_ORIGIN] || !seen[SH_EXPORT_F_HUB_KEY]
    ||  !seen[SH_EXPORT_F_REGISTRY_NOTE]) {
        *why = _("the export lacks a required field (version, origin, hub_key or registry_note)");
        return SH_EPROTO;
    }
    if (!fill) {
        self->n_registry = nr;
        self->n_changes = nc;
        self->n_evidence = ne;
        self->n_sides = ns;
        self->n_checkpoints = nk;
        self->n_epochs = nq;
    }
    return SH_OK;
}

sh_err
sh_export_parse (sh_export_t **out, uint8_t **buf_p, size_t len, const char **why)
{
    assert (out && buf_p && (*buf_p || len == 0));
    const char *dummy;
    if (!why)
        why = &dummy;
    *why = NULL;
    *out = NULL;
    sh_export_t *self = calloc (1, sizeof *self);
    if (!self) {
        free (*buf_p);
        *buf_p = NULL;
        return SH_ENOMEM;
    }
    self->buf = *buf_p;
    self->len = len;
    *buf_p = NULL;
    sh_err rc = s_parse_pass (self, false, why);
    if (rc == SH_OK) {
        //  +1: calloc (0) may return NULL
        self->registry = calloc (self->n_registry + 1, sizeof *self->registry);
        self->changes = calloc (self->n_changes + 1, sizeof *self->changes);
        self->evidence = calloc (self->n_evidence + 1, sizeof *self->evidence);
        self->sides = calloc (self->n_sides + 1, sizeof *self->sides);
        self->checkpoints = calloc (self->n_checkpoints + 1, sizeof *self->checkpoints);
        self->epochs = calloc (self->n_epochs + 1, sizeof *self->epochs);
        if (!self->registry || !self->changes || !self->evidence || !self->sides || !self->checkpoints
        ||  !self->epochs)
            rc = SH_ENOMEM;
    }
    if (rc == SH_OK)
        rc = s_parse_pass (self, true, why);
    if (rc) {
        sh_export_destroy (&self);
        return rc;
    }
    *out = self;
    return SH_OK;
}

sh_err
sh_export_load (sh_export_t **out, const char *path, const char **why)
{
    assert (out && path);
    *out = NULL;
    if (why)
        *why = NULL;
    FILE *f = fopen (path, "rb");
    if (!f)
        return errno == ENOENT ? SH_ENOTFOUND : sh_err_errno ();
    struct stat st;
    if (fstat (fileno (f), &st) != 0) {
        sh_err rc = sh_err_errno ();
        fclose (f);
        return rc;
    }
    if (!S_ISREG (st.st_mode) || (uint64_t) st.st_size > SH_EXPORT_MAX_BYTES
    ||  (uint64_t) st.st_size > SIZE_MAX) {
        fclose (f);
        if (why)
            *why = S_ISREG (st.st_mode) ? _("the file is larger than SH_EXPORT_MAX_BYTES") : _("not a regular file");
        return SH_EPROTO;
    }
    size_t len = (size_t) st.st_size;
    uint8_t *buf = malloc (len ? len : 1);
    if (!buf) {
        fclose (f);
        return SH_ENOMEM;
    }
    size_t got = len ? fread (buf, 1, len, f) : 0;
    sh_err rc = SH_OK;
    if (got != len || fgetc (f) != EOF) {
        rc = ferror (f) ? (errno ? sh_err_errno () : (sh_err) (SH_ESYSERR | EIO)) : SH_EPROTO;
        if (rc == SH_EPROTO && why)
            *why = _("the file changed size while it was read");
    }
    fclose (f);
    if (rc) {
        free (buf);
        return rc;
    }
    return sh_export_parse (out, &buf, len, why);
}

void
sh_export_destroy (sh_export_t **self_p)
{
    assert (self_p);
    sh_export_t *self = *self_p;
    if (!self)
        return;
    free (self->buf);
    free (self->registry);
    free (self->changes);
    free (self->evidence);
    free (self->sides);
    free (self->checkpoints);
    free (self->epochs);
    free (self);
    *self_p = NULL;
}

/* ==========================================================================
 * Accessors
 * ========================================================================== */

uint32_t sh_export_version (const sh_export_t *self) { assert (self); return self->version; }
const char *sh_export_origin (const sh_export_t *self) { assert (self); return self->origin; }
const uint8_t *sh_export_hub_key (const sh_export_t *self) { assert (self); return self->hub_key; }
size_t sh_export_registry_count (const sh_export_t *self) { assert (self); return self->n_registry; }
sh_export_bytes_t sh_export_registry_note (const sh_export_t *self) { assert (self); return self->note; }
size_t sh_export_change_count (const sh_export_t *self) { assert (self); return self->n_changes; }
size_t sh_export_evidence_count (const sh_export_t *self) { assert (self); return self->n_evidence; }
size_t sh_export_checkpoint_count (const sh_export_t *self) { assert (self); return self->n_checkpoints; }
size_t sh_export_epoch_count (const sh_export_t *self) { assert (self); return self->n_epochs; }

sh_export_bytes_t
sh_export_epoch (const sh_export_t *self, size_t i)
{
    assert (self && i < self->n_epochs);
    return self->epochs[i];
}

const sh_export_enrollment_t *
sh_export_registry (const sh_export_t *self, size_t i)
{
    assert (self && i < self->n_registry);
    return &self->registry[i];
}

sh_export_bytes_t
sh_export_change (const sh_export_t *self, size_t i)
{
    assert (self && i < self->n_changes);
    return self->changes[i];
}

const sh_export_evidence_t *
sh_export_evidence (const sh_export_t *self, size_t i)
{
    assert (self && i < self->n_evidence);
    return &self->evidence[i];
}

sh_export_bytes_t
sh_export_checkpoint (const sh_export_t *self, size_t i)
{
    assert (self && i < self->n_checkpoints);
    return self->checkpoints[i];
}

/* ==========================================================================
 * Editing
 * ========================================================================== */

//  A blob holding a copy of b (SH_ENOMEM).
static sh_err
s_blob_copy (sh_export_blob_t *blob, sh_export_bytes_t b)
{
    blob->len = b.len;
    blob->data = NULL;
    if (b.len == 0)
        return SH_OK;
    blob->data = malloc (b.len);
    if (!blob->data)
        return SH_ENOMEM;
    memcpy (blob->data, b.data, b.len);
    return SH_OK;
}

//  An array of n blobs (n + 1: calloc (0) may return NULL), each copied by
//  get; *count is n as soon as the (zeroed) array exists, so that a partial
//  copy is freed whole.
static sh_err
s_blobs_copy (sh_export_blob_t **out, size_t *count, const sh_export_t *x, size_t n,
              sh_export_bytes_t (*get) (const sh_export_t *, size_t))
{
    *out = calloc (n + 1, sizeof **out);
    if (!*out)
        return SH_ENOMEM;
    *count = n;
    sh_err rc = SH_OK;
    for (size_t i = 0; i < n && rc == SH_OK; i++)
        rc = s_blob_copy (&(*out)[i], get (x, i));
    return rc;
}

static sh_export_bytes_t
s_registry_raw (const sh_export_t *x, size_t i)
{
    return sh_export_registry (x, i)->raw;
}

//  Every part of the loaded export x into doc.
static sh_err
s_doc_copy (sh_export_doc_t *doc, const sh_export_t *x)
{
    doc->version = x->version;
    memcpy (doc->hub_key, x->hub_key, SH_PUBKEY_BYTES);
    doc->origin = strdup (x->origin);
    sh_err rc = doc->origin ? SH_OK : SH_ENOMEM;
    if (rc == SH_OK)
        rc = s_blobs_copy (&doc->registry, &doc->n_registry, x, x->n_registry, s_registry_raw);
    if (rc == SH_OK)
        rc = s_blob_copy (&doc->registry_note, x->note);
    if (rc == SH_OK)
        rc = s_blobs_copy (&doc->changes, &doc->n_changes, x, x->n_changes, sh_export_change);
    if (rc == SH_OK)
        rc = s_blobs_copy (&doc->checkpoints, &doc->n_checkpoints, x, x->n_checkpoints, sh_export_checkpoint);
    if (rc == SH_OK)
        rc = s_blobs_copy (&doc->epochs, &doc->n_epochs, x, x->n_epochs, sh_export_epoch);
    if (rc == SH_OK && !(doc->evidence = calloc (x->n_evidence + 1, sizeof *doc->evidence)))
        rc = SH_ENOMEM;
    if (rc == SH_OK)
        doc->n_evidence = x->n_evidence;
    for (size_t i = 0; rc == SH_OK && i < x->n_evidence; i++) {
        const sh_export_evidence_t *ev = &x->evidence[i];
        sh_export_doc_evidence_t *de = &doc->evidence[i];
        memcpy (de->author, ev->author, SH_PUBKEY_BYTES);
        de->seq = ev->seq;
        de->sides = calloc (ev->n_sides + 1, sizeof *de->sides);
        if (!de->sides)
            rc = SH_ENOMEM;
        else
            de->n_sides = ev->n_sides;
        for (size_t k = 0; rc == SH_OK && k < ev->n_sides; k++)
            rc = s_blob_copy (&de->sides[k], ev->sides[k]);
    }
    return rc;
}

sh_err
sh_export_doc_load (sh_export_doc_t *doc, const char *path, const char **why)
{
    assert (doc && path);
    memset (doc, 0, sizeof *doc);
    sh_export_t *x;
    sh_err rc = sh_export_load (&x, path, why);
    if (rc)
        return rc;
    rc = s_doc_copy (doc, x);
    sh_export_destroy (&x);
    if (rc)
        sh_export_doc_fini (doc);
    return rc;
}

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
    return o.rc;
}

static void
s_blobs_free (sh_export_blob_t *b, size_t n)
{
    for (size_t i = 0; b && i < n; i++)
        free (b[i].data);
    free (b);
}

void
sh_export_doc_fini (sh_export_doc_t *doc)
{
    assert (doc);
    free (doc->origin);
    s_blobs_free (doc->registry, doc->n_registry);
    free (doc->registry_note.data);
    s_blobs_free (doc->changes, doc->n_changes);
    for (size_t i = 0; doc->evidence && i < doc->n_evidence; i++)
        s_blobs_free (doc->evidence[i].sides, doc->evidence[i].n_sides);
    free (doc->evidence);
    s_blobs_free (doc->checkpoints, doc->n_checkpoints);
    s_blobs_free (doc->epochs, doc->n_epochs);
    memset (doc, 0, sizeof *doc);
}

sh_err
sh_export_buffer (char **buf, size_t *len, sh_store_t *store, const sh_hubid_t *hub)
{
    *buf = NULL;
    *len = 0;
    FILE *f = open_memstream (buf, len);
    sh_err rc = f ? sh_export_write (f, store, hub, NULL) : SH_ENOMEM;
    if (f && fclose (f) != 0 && rc == SH_OK)
        rc = SH_ENOMEM;
    if (rc) {
        free (*buf);
        *buf = NULL;
        *len = 0;
    }
    return rc;
}
