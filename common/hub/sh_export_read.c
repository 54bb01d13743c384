/*  sh_export_read -- reading a hub's export (sh_export.h): the strict
    parser, the accessors, and loading an editable document.
*/
#include "sh_export.h"
#include "sh_export_int.h"
#include "sh_i18n.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sh_note.h"

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
    sh_export_opening_t *openings;        //  Export.openings (owned array)
    size_t n_openings;                    //  their count
};


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

//  One Opening message: exactly its four fields, in order, change and
//  field within 32 bits, a 32-byte salt. Fills *op when not NULL.
static bool
s_parse_opening (const sh_export_bytes_t *msg, sh_export_opening_t *op, const char **why)
{
    static const int want[] = { 0, S_WT_VARINT, S_WT_VARINT, S_WT_LEN, S_WT_LEN };
    s_reader_t r = { msg->data, msg->len, 0 };
    uint32_t field, next = S_OP_CHANGE;
    int wt, got;
    uint64_t value = 0;
    sh_export_bytes_t b = { NULL, 0 };
    sh_export_opening_t o;
    memset (&o, 0, sizeof o);
    while ((got = s_read_field (&r, &field, &wt, &value, &b, why)) == 1) {
        if (next > S_OP_VALUE || field != next || wt != want[field]) {
            *why = _("an Opening does not hold exactly change, field, salt and value, in that order");
            return false;
        }
        next++;
        if ((field == S_OP_CHANGE || field == S_OP_FIELD) && value > UINT32_MAX) {
            *why = _("an Opening's change or field is larger than 32 bits");
            return false;
        }
        if (field == S_OP_CHANGE)
            o.change = (uint32_t) value;
        else
        if (field == S_OP_FIELD)
            o.opening.field = (uint32_t) value;
        else
        if (field == S_OP_SALT) {
            if (b.len != SH_SEAL_SALT_BYTES) {
                *why = _("an Opening's salt is not 32 bytes");
                return false;
            }
            memcpy (o.opening.salt, b.data, SH_SEAL_SALT_BYTES);
        }
        else {
            o.opening.value = b.data;
            o.opening.value_len = b.len;
        }
    }
    if (got < 0)
        return false;
    if (next != S_OP_VALUE + 1) {
        *why = _("an Opening does not hold exactly change, field, salt and value, in that order");
        return false;
    }
    if (op)
        *op = o;
    return true;
}

//  How many of each repeated field a pass has met.
typedef struct {
    size_t registry, changes, evidence, sides, checkpoints, epochs, openings;
} s_counts_t;

//  Take one field of the export (number and wire type checked): its value
//  checked, and stored when fill. false if malformed (*why set).
static bool
s_take (sh_export_t *self, bool fill, uint32_t field, uint64_t value, sh_export_bytes_t b, s_counts_t *n,
        const char **why)
{
    switch (field) {
        case SH_EXPORT_F_VERSION:
            if (value != SH_EXPORT_VERSION) {
                *why = _("the export's version is not 1");
                return false;
            }
            self->version = (uint32_t) value;
            return true;
        case SH_EXPORT_F_ORIGIN:
            if (b.len == 0 || b.len > SH_NOTE_NAME_MAX || memchr (b.data, 0, b.len)) {
                *why = _("the export's origin is empty, too long or holds a NUL");
                return false;
            }
            memcpy (self->origin, b.data, b.len);
            self->origin[b.len] = 0;
            return true;
        case SH_EXPORT_F_HUB_KEY:
            if (b.len != SH_PUBKEY_BYTES) {
                *why = _("the export's hub_key is not 32 bytes");
                return false;
            }
            memcpy (self->hub_key, b.data, SH_PUBKEY_BYTES);
            return true;
        case SH_EXPORT_F_REGISTRY:
            if (fill) {
                sh_export_enrollment_t *e = &self->registry[n->registry];
                e->raw = b;
                if (!sh_export_enrollment_decode (&e->entry, b.data, b.len)) {
                    *why = _("a registry entry is not a canonical, valid Enrollment");
                    return false;
                }
            }
            n->registry++;
            return true;
        case SH_EXPORT_F_REGISTRY_NOTE:
            self->note = b;
            return true;
        case SH_EXPORT_F_EVIDENCE: {
            size_t k;
            sh_export_evidence_t *ev = fill ? &self->evidence[n->evidence] : NULL;
            if (!s_parse_evidence (&b, &k, ev, fill ? self->sides + n->sides : NULL, why))
                return false;
            n->evidence++;
            n->sides += k;
            return true;
        }
        case SH_EXPORT_F_OPENINGS:
            if (!s_parse_opening (&b, fill ? &self->openings[n->openings] : NULL, why))
                return false;
            n->openings++;
            return true;
        default: {
            //  changes, checkpoints, epochs: byte strings kept as they are
            sh_export_bytes_t *arr = field == SH_EXPORT_F_CHANGES ? self->changes
                                   : field == SH_EXPORT_F_CHECKPOINTS ? self->checkpoints : self->epochs;
            size_t *count = field == SH_EXPORT_F_CHANGES ? &n->changes
                          : field == SH_EXPORT_F_CHECKPOINTS ? &n->checkpoints : &n->epochs;
            if (fill)
                arr[*count] = b;
            (*count)++;
            return true;
        }
    }
}

//  Walk the export. First pass (fill false): check the format, count
//  the repeated fields; second pass: fill the arrays sized by the first.
static sh_err
s_parse_pass (sh_export_t *self, bool fill, const char **why)
{
    s_reader_t r = { self->buf, self->len, 0 };
    uint32_t field, last = 0;
    int wt, got;
    uint64_t value = 0;
    sh_export_bytes_t b = { NULL, 0 };
    s_counts_t n = { 0 };
    bool seen[SH_EXPORT_F_OPENINGS + 1] = { false };
    while ((got = s_read_field (&r, &field, &wt, &value, &b, why)) == 1) {
        if (field < SH_EXPORT_F_VERSION || field > SH_EXPORT_F_OPENINGS) {
            *why = _("the export holds a field that export.proto does not define");
            return SH_EPROTO;
        }
        int want = field == SH_EXPORT_F_VERSION ? S_WT_VARINT : S_WT_LEN;
        bool repeated = field == SH_EXPORT_F_REGISTRY || field == SH_EXPORT_F_CHANGES
                     || field == SH_EXPORT_F_EVIDENCE || field == SH_EXPORT_F_CHECKPOINTS
                     || field == SH_EXPORT_F_EPOCHS || field == SH_EXPORT_F_OPENINGS;
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
        if (!s_take (self, fill, field, value, b, &n, why))
            return SH_EPROTO;
    }
    if (got < 0)
        return SH_EPROTO;
    if (!seen[SH_EXPORT_F_VERSION] || !seen[SH_EXPORT_F_ORIGIN] || !seen[SH_EXPORT_F_HUB_KEY]
    ||  !seen[SH_EXPORT_F_REGISTRY_NOTE]) {
        *why = _("the export lacks a required field (version, origin, hub_key or registry_note)");
        return SH_EPROTO;
    }
    if (!fill) {
        self->n_registry = n.registry;
        self->n_changes = n.changes;
        self->n_evidence = n.evidence;
        self->n_sides = n.sides;
        self->n_checkpoints = n.checkpoints;
        self->n_epochs = n.epochs;
        self->n_openings = n.openings;
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
        self->openings = calloc (self->n_openings + 1, sizeof *self->openings);
        if (!self->registry || !self->changes || !self->evidence || !self->sides || !self->checkpoints
        ||  !self->epochs || !self->openings)
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
    free (self->openings);
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
size_t sh_export_opening_count (const sh_export_t *self) { assert (self); return self->n_openings; }

const sh_export_opening_t *
sh_export_opening (const sh_export_t *self, size_t i)
{
    assert (self && i < self->n_openings);
    return &self->openings[i];
}

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
    if (rc == SH_OK && !(doc->openings = calloc (x->n_openings + 1, sizeof *doc->openings)))
        rc = SH_ENOMEM;
    if (rc == SH_OK)
        doc->n_openings = x->n_openings;
    for (size_t i = 0; rc == SH_OK && i < x->n_openings; i++) {
        const sh_export_opening_t *op = &x->openings[i];
        sh_export_doc_opening_t *d = &doc->openings[i];
        d->change = op->change;
        d->field = op->opening.field;
        memcpy (d->salt, op->opening.salt, SH_SEAL_SALT_BYTES);
        rc = s_blob_copy (&d->value, (sh_export_bytes_t) { op->opening.value, op->opening.value_len });
    }
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
    for (size_t i = 0; doc->openings && i < doc->n_openings; i++)
        free (doc->openings[i].value.data);
    free (doc->openings);
    memset (doc, 0, sizeof *doc);
}

