/*  sh_zwire -- changes compressed for the wire (sh_zwire.h; docs/protocol.md 13.22).

    The plain stream inside the frame is uvarint(n), n entries, one per
    change, then uvarint(m) and m openings:

        0x00  uvarint(n)  n bytes          the SignedChange as it is (raw)
        F     [author]  uvarint(seq)  [prev]  uvarint(r)  r bytes  signature
              F = 0x01 | 0x02 (author left out) | 0x04 (prev left out)

        opening: uvarint(change) uvarint(field) salt(32) uvarint(v) v bytes

    The second form is used only for a SignedChange in the canonical
    layout 0x0a len(change) change 0x12 0x40 signature whose change begins
    0x0a 0x20 author 0x10 seq 0x1a 0x20 prev (seq a shortest varint); the r
    bytes are the rest of the change. Rebuilding it gives the same bytes.
*/
#include "sh_zwire.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "sh_change.h"
#include "sh_i18n.h"
#include "sh_seal.h"

#define S_SPLIT 0x01u
#define S_NO_AUTHOR 0x02u
#define S_NO_PREV 0x04u
#define S_KEY 32u           //  author and prev
#define S_SIG 64u
#define S_VARINT_MAX 10u

static size_t
s_put_varint (uint8_t *p, uint64_t v)
{
    size_t n = 0;
    for (; v >= 0x80; v >>= 7)
        p[n++] = (uint8_t) (v | 0x80);
    p[n++] = (uint8_t) v;
    return n;
}

//  Read a varint of at most 10 bytes from p[0 .. end). 0: malformed.
static size_t
s_get_varint (const uint8_t *p, const uint8_t *end, uint64_t *v)
{
    uint64_t x = 0;
    for (size_t i = 0; i < S_VARINT_MAX && p + i < end; i++) {
        x |= (uint64_t) (p[i] & 0x7f) << (7 * i);
        if (!(p[i] & 0x80)) {
            *v = x;
            return i + 1;
        }
    }
    return 0;
}

static size_t
s_varint_len (uint64_t v)
{
    uint8_t tmp[S_VARINT_MAX];
    return s_put_varint (tmp, v);
}

//  The parts of a SignedChange in the canonical layout (or false).
typedef struct {
    const uint8_t *author, *prev, *rest, *sig;
    uint64_t seq;
    size_t rest_len;
} s_parts_t;

static bool
s_split (const uint8_t *b, size_t len, s_parts_t *p)
{
    const uint8_t *end = b + len;
    uint64_t clen, seq;
    if (len < 2 || b[0] != 0x0a)
        return false;
    size_t k = s_get_varint (b + 1, end, &clen);
    if (!k || clen > len || 1 + k + clen + 2 + S_SIG != len || k != s_varint_len (clen))
        return false;   //  a length not in its shortest form would not come back
    const uint8_t *c = b + 1 + k, *cend = c + clen;
    if (cend[0] != 0x12 || cend[1] != S_SIG || clen < 2 + S_KEY + 2 || c[0] != 0x0a
        || c[1] != S_KEY || c[2 + S_KEY] != 0x10)
        return false;
    size_t sk = s_get_varint (c + 3 + S_KEY, cend, &seq);
    if (!sk || seq == 0 || s_varint_len (seq) != sk)
        return false;   //  not the shortest form: sent raw
    const uint8_t *q = c + 3 + S_KEY + sk;
    if (q + 2 + S_KEY > cend || q[0] != 0x1a || q[1] != S_KEY)
        return false;
    *p = (s_parts_t) { .author = c + 2, .seq = seq, .prev = q + 2, .rest = q + 2 + S_KEY,
                       .rest_len = (size_t) (cend - (q + 2 + S_KEY)), .sig = cend + 2 };
    return true;
}

//  Write the openings after the entries at w; returns the new end.
static uint8_t *
s_plain_openings (uint8_t *w, const sh_zwire_opening_t *o, size_t m)
{
    w += s_put_varint (w, m);
    for (size_t i = 0; i < m; i++) {
        w += s_put_varint (w, o[i].change);
        w += s_put_varint (w, o[i].field);
        memcpy (w, o[i].salt, SH_SEAL_SALT_BYTES);
        w += SH_SEAL_SALT_BYTES;
        w += s_put_varint (w, o[i].value_len);
        memcpy (w, o[i].value, o[i].value_len);
        w += o[i].value_len;
    }
    return w;
}

//  Write the plain stream (entries, then openings) into a new buffer.
static sh_err
s_plain (const sh_zwire_bytes_t *ch, size_t n, const sh_zwire_opening_t *o, size_t m,
         uint8_t **out, size_t *out_len)
{
    size_t cap = 2 * S_VARINT_MAX;
    for (size_t i = 0; i < n; i++)
        cap += 1 + S_VARINT_MAX + ch[i].len;
    for (size_t i = 0; i < m; i++)
        cap += 3 * S_VARINT_MAX + SH_SEAL_SALT_BYTES + o[i].value_len;
    uint8_t *buf = malloc (cap), *w = buf;
    if (!buf)
        return SH_ENOMEM;
    w += s_put_varint (w, n);
    s_parts_t last = { 0 };
    bool have_last = false;
    for (size_t i = 0; i < n; i++) {
        s_parts_t p;
        if (!s_split (ch[i].data, ch[i].len, &p)) {
            *w++ = 0x00;
            w += s_put_varint (w, ch[i].len);
            memcpy (w, ch[i].data, ch[i].len);
            w += ch[i].len;
            have_last = false;
            continue;
        }
        bool same = have_last && memcmp (last.author, p.author, S_KEY) == 0;
        uint8_t h[SH_HASH_BYTES];
        bool chained = false;
        if (same && last.seq + 1 == p.seq) {
            //  prev of this change is the hash of the last one's change bytes
            const uint8_t *lc = last.author - 2;
            sh_change_hash (h, lc, (size_t) (last.sig - 2 - lc));
            chained = memcmp (h, p.prev, S_KEY) == 0;
        }
        *w++ = (uint8_t) (S_SPLIT | (same ? S_NO_AUTHOR : 0) | (chained ? S_NO_PREV : 0));
        if (!same) {
            memcpy (w, p.author, S_KEY);
            w += S_KEY;
        }
        w += s_put_varint (w, p.seq);
        if (!chained) {
            memcpy (w, p.prev, S_KEY);
            w += S_KEY;
        }
        w += s_put_varint (w, p.rest_len);
        memcpy (w, p.rest, p.rest_len);
        w += p.rest_len;
        memcpy (w, p.sig, S_SIG);
        w += S_SIG;
        last = p;
        have_last = true;
    }
    w = s_plain_openings (w, o, m);
    *out = buf;
    *out_len = (size_t) (w - buf);
    return SH_OK;
}

sh_err
sh_zwire_encode (const sh_zwire_bytes_t *changes, size_t n, const sh_zwire_opening_t *openings,
                 size_t n_openings, uint8_t **out, size_t *out_len)
{
    if (n == 0)
        return SH_EINVAL;
    for (size_t i = 0; i < n_openings; i++)
        if (openings[i].change >= n)
            return SH_EINVAL;
    uint8_t *plain;
    size_t plain_len;
    sh_err rc = s_plain (changes, n, openings, n_openings, &plain, &plain_len);
    if (rc)
        return rc;
    size_t cap = ZSTD_compressBound (plain_len);
    uint8_t *buf = malloc (cap);
    ZSTD_CCtx *cx = buf ? ZSTD_createCCtx () : NULL;
    if (!cx) {
        free (buf);
        free (plain);
        return SH_ENOMEM;
    }
    //  the content size goes into the frame header: the receiver bounds it
    size_t z = ZSTD_CCtx_setParameter (cx, ZSTD_c_compressionLevel, SH_ZWIRE_LEVEL);
    if (!ZSTD_isError (z))
        z = ZSTD_CCtx_setParameter (cx, ZSTD_c_hashLog, SH_ZWIRE_TABLE_LOG);
    if (!ZSTD_isError (z))
        z = ZSTD_CCtx_setParameter (cx, ZSTD_c_chainLog, SH_ZWIRE_TABLE_LOG);
    if (!ZSTD_isError (z))
        z = ZSTD_compress2 (cx, buf, cap, plain, plain_len);
    ZSTD_freeCCtx (cx);
    free (plain);
    if (ZSTD_isError (z)) {
        free (buf);
        return SH_ENOMEM;   //  zstd fails to compress only for want of memory
    }
    *out = buf;
    *out_len = z;
    return SH_OK;
}

//  One entry read from the plain stream: its rebuilt size, and the parts.
typedef struct {
    unsigned flags;
    const uint8_t *raw, *author, *prev, *rest, *sig;
    size_t raw_len, rest_len, change_len, size;
    uint64_t seq;
} s_entry_t;

//  Take a 32-byte key (an author or a prev) at *pp into *key.
static bool
s_key (const uint8_t **pp, const uint8_t *end, const uint8_t **key, const char **why)
{
    if (end - *pp < (ptrdiff_t) S_KEY)
        return *why = _("a compressed change is cut short"), false;
    *key = *pp;
    *pp += S_KEY;
    return true;
}

//  Read the entry at *pp; last: the entry before it (NULL for the first).
static bool
s_read_entry (const uint8_t **pp, const uint8_t *end, const s_entry_t *last, s_entry_t *e,
              const char **why)
{
    const uint8_t *p = *pp;
    uint64_t v;
    size_t k;
    *e = (s_entry_t) { .flags = *p++ };
    if (e->flags == 0) {
        if (!(k = s_get_varint (p, end, &v)) || v == 0 || v > (uint64_t) (end - p - k))
            return *why = _("a compressed change has a bad length"), false;
        e->raw = p + k;
        e->size = e->raw_len = (size_t) v;
        *pp = p + k + v;
        return true;
    }
    if ((e->flags & ~(S_SPLIT | S_NO_AUTHOR | S_NO_PREV)) || !(e->flags & S_SPLIT))
        return *why = _("a compressed change has unknown flags"), false;
    bool no_author = e->flags & S_NO_AUTHOR, no_prev = e->flags & S_NO_PREV;
    if ((no_author || no_prev) && (!last || last->flags == 0))
        return *why = _("a compressed change leaves out an author or prev it has no change before it for"), false;
    if (no_author)
        e->author = last->author;
    else if (!s_key (&p, end, &e->author, why))
        return false;
    if (!(k = s_get_varint (p, end, &e->seq)) || e->seq == 0 || k != s_varint_len (e->seq))
        return *why = _("a compressed change has a bad seq"), false;
    p += k;
    if (no_prev && (memcmp (e->author, last->author, S_KEY) != 0 || last->seq + 1 != e->seq))
        return *why = _("a compressed change leaves out prev but does not follow its author's change before it"), false;
    if (!no_prev && !s_key (&p, end, &e->prev, why))
        return false;
    if (!(k = s_get_varint (p, end, &v)) || v > (uint64_t) (end - p - k)
        || (uint64_t) (end - p - k) - v < S_SIG)
        return *why = _("a compressed change is cut short"), false;
    e->rest = p + k;
    e->rest_len = (size_t) v;
    e->sig = e->rest + e->rest_len;
    e->change_len = 2 + S_KEY + 1 + s_varint_len (e->seq) + 2 + S_KEY + e->rest_len;
    e->size = 1 + s_varint_len (e->change_len) + e->change_len + 2 + S_SIG;
    *pp = e->sig + S_SIG;
    return true;
}

//  Write entry e at w (e->size bytes); prev_change: the change bytes of the
//  entry before it when e leaves out prev.
static void
s_rebuild (const s_entry_t *e, uint8_t *w, const uint8_t *prev_change, size_t prev_len)
{
    if (e->flags == 0) {
        memcpy (w, e->raw, e->raw_len);
        return;
    }
    *w++ = 0x0a;
    w += s_put_varint (w, e->change_len);
    *w++ = 0x0a;
    *w++ = S_KEY;
    memcpy (w, e->author, S_KEY);
    w += S_KEY;
    *w++ = 0x10;
    w += s_put_varint (w, e->seq);
    *w++ = 0x1a;
    *w++ = S_KEY;
    if (e->prev)
        memcpy (w, e->prev, S_KEY);
    else
        sh_change_hash (w, prev_change, prev_len);
    w += S_KEY;
    memcpy (w, e->rest, e->rest_len);
    w += e->rest_len;
    *w++ = 0x12;
    *w++ = S_SIG;
    memcpy (w, e->sig, S_SIG);
}

//  Decompress the frame into a new buffer, within the bounds.
static sh_err
s_inflate (const uint8_t *in, size_t in_len, size_t max_bytes, uint8_t **out, size_t *out_len,
           const char **why)
{
    unsigned long long size = ZSTD_getFrameContentSize (in, in_len);
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size == 0)
        return *why = _("compressed changes: not a zstd frame that declares its size"), SH_EPROTO;
    if (size > max_bytes || size > (unsigned long long) in_len * SH_ZWIRE_RATIO_MAX)
        return *why = _("compressed changes would inflate beyond the size or ratio limit"), SH_EPROTO;
    if (ZSTD_findFrameCompressedSize (in, in_len) != in_len)
        return *why = _("compressed changes: bytes after the zstd frame"), SH_EPROTO;
    uint8_t *buf = malloc ((size_t) size);
    ZSTD_DCtx *dx = buf ? ZSTD_createDCtx () : NULL;
    if (!dx) {
        free (buf);
        return SH_ENOMEM;
    }
    //  a window larger than the content cannot be honest; bound the memory
    size_t z = ZSTD_DCtx_setParameter (dx, ZSTD_d_windowLogMax, 23);
    if (!ZSTD_isError (z))
        z = ZSTD_decompressDCtx (dx, buf, (size_t) size, in, in_len);
    ZSTD_freeDCtx (dx);
    if (ZSTD_isError (z) || z != size) {
        free (buf);
        return *why = _("compressed changes do not decompress"), SH_EPROTO;
    }
    *out = buf;
    *out_len = (size_t) size;
    return SH_OK;
}

//  First pass: the count, then every entry (checking every rule) and the
//  rebuilt size; *pp: where the openings begin.
static sh_err
s_measure (const uint8_t **pp, const uint8_t *end, size_t max_bytes, size_t max_changes,
           size_t *n, size_t *total, const char **why)
{
    const uint8_t *p = *pp;
    uint64_t count;
    size_t k = s_get_varint (p, end, &count);
    if (!k || count == 0)
        return *why = _("compressed changes hold no change"), SH_EPROTO;
    if (count > max_changes)
        return *why = _("too many changes in one message"), SH_EPROTO;
    p += k;
    s_entry_t e, last;
    *total = 0;
    for (*n = 0; *n < count; ++*n) {
        if (p == end)
            return *why = _("a compressed change is cut short"), SH_EPROTO;
        if (!s_read_entry (&p, end, *n ? &last : NULL, &e, why))
            return SH_EPROTO;
        if (e.size > max_bytes - *total)
            return *why = _("compressed changes would inflate beyond the size or ratio limit"), SH_EPROTO;
        *total += e.size;
        last = e;
    }
    *pp = p;
    return SH_OK;
}

//  The openings after the n entries, up to the end of the content.
static sh_err
s_read_openings (const uint8_t *p, const uint8_t *end, size_t n, sh_zwire_changes_t *out,
                 const char **why)
{
    uint64_t m, change, field, len;
    size_t k = s_get_varint (p, end, &m);
    if (!k || m > (uint64_t) n * SH_SEALS_MAX)
        return *why = _("more openings than the changes can seal"), SH_EPROTO;
    p += k;
    out->openings = calloc (m ? m : 1, sizeof *out->openings);
    if (!out->openings)
        return SH_ENOMEM;
    for (size_t i = 0; i < m; i++) {
        size_t a = s_get_varint (p, end, &change), b = a ? s_get_varint (p + a, end, &field) : 0;
        const uint8_t *q = p + a + b;
        size_t c = b && end - q > (ptrdiff_t) SH_SEAL_SALT_BYTES
                   ? s_get_varint (q + SH_SEAL_SALT_BYTES, end, &len) : 0;
        if (!c || change >= n || field > UINT32_MAX || len > SH_BODY_MAX
            || len > (uint64_t) (end - (q + SH_SEAL_SALT_BYTES + c)))
            return *why = _("an opening names no change of the message, or its salt or value is malformed"),
                   SH_EPROTO;
        out->openings[i] = (sh_zwire_opening_t) { (uint32_t) change, (uint32_t) field, q,
                                                  q + SH_SEAL_SALT_BYTES + c, (size_t) len };
        p = q + SH_SEAL_SALT_BYTES + c + len;
    }
    out->n_openings = m;
    if (p != end)
        return *why = _("compressed changes: bytes after the openings"), SH_EPROTO;
    return SH_OK;
}

sh_err
sh_zwire_decode (const uint8_t *in, size_t in_len, size_t max_bytes, size_t max_changes,
                 sh_zwire_changes_t *out, const char **why)
{
    const char *dummy;
    why = why ? why : &dummy;
    memset (out, 0, sizeof *out);
    size_t plain_len, n, total;
    sh_err rc = s_inflate (in, in_len, max_bytes, &out->plain, &plain_len, why);
    if (rc)
        return rc;
    const uint8_t *p = out->plain, *end = out->plain + plain_len, *op = p;
    rc = s_measure (&op, end, max_bytes, max_changes, &n, &total, why);
    if (!rc)
        rc = s_read_openings (op, end, n, out, why);
    if (!rc) {
        out->arena = malloc (total);
        out->changes = calloc (n, sizeof *out->changes);
        if (!out->arena || !out->changes)
            rc = SH_ENOMEM;
    }
    uint64_t count;
    p += s_get_varint (p, end, &count);
    size_t at = 0;
    s_entry_t e, last;
    for (size_t i = 0; !rc && i < n; i++) {
        bool ok = s_read_entry (&p, end, i ? &last : NULL, &e, why);
        (void) ok;  //  s_measure checked every entry
        //  the change bytes of the entry before: after its tag and length
        const uint8_t *pc = NULL;
        size_t pl = 0;
        if (i && !e.prev) {
            pc = out->changes[i - 1].data + 1 + s_varint_len (last.change_len);
            pl = last.change_len;
        }
        s_rebuild (&e, out->arena + at, pc, pl);
        out->changes[i] = (sh_zwire_bytes_t) { out->arena + at, e.size };
        at += e.size;
        last = e;
    }
    if (rc) {
        sh_zwire_changes_fini (out);
        return rc;
    }
    out->n = n;
    return SH_OK;
}

void
sh_zwire_changes_fini (sh_zwire_changes_t *c)
{
    if (!c)
        return;
    free (c->arena);
    free (c->changes);
    free (c->plain);
    free (c->openings);
    memset (c, 0, sizeof *c);
}
