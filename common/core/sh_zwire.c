/*  sh_zwire -- changes compressed for the wire (sh_zwire.h; docs/protocol.md 13.23).

    The plain stream inside the frame is a run of entries, one per change:

        0x00  uvarint(n)  n bytes          the SignedChange as it is (raw)
        F     [author]  uvarint(seq)  [prev]  uvarint(r)  r bytes  signature
              F = 0x01 | 0x02 (author left out) | 0x04 (prev left out)

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

#include "sh_crypto.h"
#include "sh_i18n.h"

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

//  Write the entries of the plain stream into a new buffer.
static sh_err
s_plain (const uint8_t *const *data, const size_t *len, size_t n, uint8_t **out, size_t *out_len)
{
    size_t cap = 0;
    for (size_t i = 0; i < n; i++)
        cap += 1 + S_VARINT_MAX + len[i];
    uint8_t *buf = malloc (cap), *w = buf;
    if (!buf)
        return SH_ENOMEM;
    s_parts_t last = { 0 };
    bool have_last = false;
    for (size_t i = 0; i < n; i++) {
        s_parts_t p;
        if (!s_split (data[i], len[i], &p)) {
            *w++ = 0x00;
            w += s_put_varint (w, len[i]);
            memcpy (w, data[i], len[i]);
            w += len[i];
            have_last = false;
            continue;
        }
        bool same = have_last && memcmp (last.author, p.author, S_KEY) == 0;
        uint8_t h[SH_HASH_BYTES];
        bool chained = false;
        if (same && last.seq + 1 == p.seq) {
            //  prev of this change is the hash of the last one's change bytes
            const uint8_t *lc = last.author - 2;
            sh_crypto_sha256 (h, lc, (size_t) (last.sig - 2 - lc));
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
    *out = buf;
    *out_len = (size_t) (w - buf);
    return SH_OK;
}

sh_err
sh_zwire_encode (const uint8_t *const *data, const size_t *len, size_t n, uint8_t **out,
                 size_t *out_len)
{
    if (n == 0)
        return SH_EINVAL;
    uint8_t *plain;
    size_t plain_len;
    sh_err rc = s_plain (data, len, n, &plain, &plain_len);
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
    size_t z = ZSTD_compressCCtx (cx, buf, cap, plain, plain_len, SH_ZWIRE_LEVEL);
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
    if (!no_author) {
        if (end - p < (ptrdiff_t) S_KEY)
            return *why = _("a compressed change is cut short"), false;
        e->author = p;
        p += S_KEY;
    }
    else
        e->author = last->author;
    if (!(k = s_get_varint (p, end, &e->seq)) || e->seq == 0 || k != s_varint_len (e->seq))
        return *why = _("a compressed change has a bad seq"), false;
    p += k;
    if (no_prev && (memcmp (e->author, last->author, S_KEY) != 0 || last->seq + 1 != e->seq))
        return *why = _("a compressed change leaves out prev but does not follow its author's change before it"), false;
    if (!no_prev) {
        if (end - p < (ptrdiff_t) S_KEY)
            return *why = _("a compressed change is cut short"), false;
        e->prev = p;
        p += S_KEY;
    }
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
        sh_crypto_sha256 (w, prev_change, prev_len);
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

//  First pass: count the entries and the rebuilt size, checking every rule.
static sh_err
s_measure (const uint8_t *p, const uint8_t *end, size_t max_bytes, size_t max_changes,
           size_t *n, size_t *total, const char **why)
{
    s_entry_t e, last;
    *n = *total = 0;
    while (p < end) {
        if (*n == max_changes)
            return *why = _("too many changes in one message"), SH_EPROTO;
        if (!s_read_entry (&p, end, *n ? &last : NULL, &e, why))
            return SH_EPROTO;
        if (e.size > max_bytes - *total)
            return *why = _("compressed changes would inflate beyond the size or ratio limit"), SH_EPROTO;
        *total += e.size;
        ++*n;
        last = e;
    }
    return SH_OK;
}

sh_err
sh_zwire_decode (const uint8_t *in, size_t in_len, size_t max_bytes, size_t max_changes,
                 sh_zwire_changes_t *out, const char **why)
{
    const char *dummy;
    why = why ? why : &dummy;
    memset (out, 0, sizeof *out);
    uint8_t *plain;
    size_t plain_len, n, total;
    sh_err rc = s_inflate (in, in_len, max_bytes, &plain, &plain_len, why);
    if (rc)
        return rc;
    rc = s_measure (plain, plain + plain_len, max_bytes, max_changes, &n, &total, why);
    if (!rc && n == 0)
        rc = (*why = _("compressed changes hold no change"), SH_EPROTO);
    if (!rc) {
        out->arena = malloc (total);
        out->off = calloc (n, sizeof *out->off);
        out->len = calloc (n, sizeof *out->len);
        if (!out->arena || !out->off || !out->len)
            rc = SH_ENOMEM;
    }
    const uint8_t *p = plain, *end = plain + plain_len;
    size_t at = 0;
    s_entry_t e, last;
    for (size_t i = 0; !rc && i < n; i++) {
        bool ok = s_read_entry (&p, end, i ? &last : NULL, &e, why);
        (void) ok;  //  s_measure checked every entry
        //  the change bytes of the entry before: after its tag and length
        const uint8_t *pc = NULL;
        size_t pl = 0;
        if (i && !e.prev) {
            pc = out->arena + out->off[i - 1] + 1 + s_varint_len (last.change_len);
            pl = last.change_len;
        }
        s_rebuild (&e, out->arena + at, pc, pl);
        out->off[i] = at;
        out->len[i] = e.size;
        at += e.size;
        last = e;
    }
    free (plain);
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
    free (c->off);
    free (c->len);
    memset (c, 0, sizeof *c);
}
