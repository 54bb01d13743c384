/*  sh_csv -- reading CSV files through libcsv, with line numbers, in UTF-8
    or GB18030 (iconv). */
#include "sh_csv.h"

#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_i18n.h"

typedef struct {
    char *fields[SH_CSV_MAX_FIELDS];   //  copies of the row's fields (owned)
    size_t n;                          //  fields so far in this row
    size_t line;                       //  physical line the parser is on
    size_t row_line;                   //  line the current row starts on
    bool after_cr;                     //  the last line end was a CR (a CR LF pair counts once)
    bool too_many;                     //  row had more than SH_CSV_MAX_FIELDS fields
    bool oom;                          //  an allocation failed
    bool stop;                         //  the callback asked to stop
    size_t bad_line;                   //  row that had too many fields
    sh_csv_row_fn *fn;                 //  row callback
    void *arg;                         //  its argument
} s_reader_t;

static void
s_field (void *s, size_t len, void *data)
{
    s_reader_t *r = data;
    if (r->stop)
        return;
    if (r->n == SH_CSV_MAX_FIELDS) {
        if (!r->too_many)
            r->bad_line = r->row_line;
        r->too_many = true;
        return;
    }
    char *f = malloc (len + 1);
    if (!f) {
        r->oom = true;
        return;
    }
    if (len)
        memcpy (f, s, len);
    f[len] = 0;
    r->after_cr = false;
    if (r->n == 0)
        r->row_line = r->line;
    for (size_t i = 0; i < len; i++)
        if (f[i] == '\n')
            r->line++;          //  a newline inside a quoted field
    r->fields[r->n++] = f;
}

//  End of a row. With CSV_REPALL_NL libcsv reports every unquoted CR and
//  LF (c), so blank lines arrive as rows without fields and each LF moves
//  to the next physical line ("\r\n" is a CR row end, then an empty LF one).
static void
s_row (int c, void *data)
{
    s_reader_t *r = data;
    bool blank = r->n == 0 || (r->n == 1 && r->fields[0][0] == 0);
    if (!r->stop && !r->too_many && !r->oom && !blank)
        r->stop = r->fn ((const char *const *) r->fields, r->n, r->row_line, r->arg) != 0;
    for (size_t i = 0; i < r->n; i++)
        free (r->fields[i]);
    r->n = 0;
    if (c == '\r' || (c == '\n' && !r->after_cr))
        r->line++;      //  LF, CR LF and a lone CR each end one line
    r->after_cr = c == '\r';
}

//  ---------------------------------------------------------------------
//  Encodings: UTF-8 (with or without a byte-order mark) as it is, else
//  GB18030 (which includes GBK: Excel's "CSV" on a Chinese Windows)
//  converted to UTF-8 with iconv.


//  Convert in (len bytes) from encoding from to UTF-8. On success *out is a
//  new NUL-terminated buffer (caller frees) and true is returned; otherwise
//  *bad is the offset of the first byte that does not convert.
static bool
s_iconv (const char *from, const char *in, size_t len, char **out, size_t *out_len, size_t *bad)
{
    *out = NULL;
    *bad = 0;
    size_t cap = len * 2 + 16;     //  GB18030 to UTF-8 grows at most by half; UTF-8 not at all
    char *buf = malloc (cap);
    iconv_t cd = buf ? iconv_open ("UTF-8", from) : (iconv_t) -1;
    if (cd == (iconv_t) -1) {
        *bad = SIZE_MAX;           //  no memory, or no such converter
        free (buf);
        return false;
    }
    char *ip = (char *) in, *op = buf;
    size_t il = len, ol = cap - 1;
    bool ok = iconv (cd, &ip, &il, &op, &ol) != (size_t) -1
           && iconv (cd, NULL, NULL, &op, &ol) != (size_t) -1;
    iconv_close (cd);
    if (!ok) {
        *bad = (size_t) (ip - in);
        free (buf);
        return false;
    }
    *op = 0;
    *out = buf;
    *out_len = (size_t) (op - buf);
    return true;
}

//  The text of a file that is neither UTF-8 nor GB18030 explained in msg:
//  the first line that is neither, or, when each line is one or the other,
//  a line of each.
static void
s_neither (const char *path, const char *in, size_t len, char *msg, size_t msg_size)
{
    size_t start = 0, line = 1, not_utf8 = 0, not_gb = 0;
    while (start < len) {
        const char *nl = memchr (in + start, '\n', len - start);
        size_t end = nl ? (size_t) (nl - in) + 1 : len, bad;
        char *tmp;
        size_t tl;
        bool u = s_iconv ("UTF-8", in + start, end - start, &tmp, &tl, &bad);
        free (tmp);
        bool g = s_iconv ("GB18030", in + start, end - start, &tmp, &tl, &bad);
        free (tmp);
        if (!u && !g) {
            snprintf (msg, msg_size, _("%s: line %zu is neither UTF-8 nor GB18030: save the file as 'CSV UTF-8' "
                                       "in Excel"), path, line);
            return;
        }
        not_utf8 = !u && !not_utf8 ? line : not_utf8;
        not_gb = !g && !not_gb ? line : not_gb;
        start = end;
        line++;
    }
    snprintf (msg, msg_size, _("%s mixes UTF-8 and GB18030 (line %zu is not UTF-8, line %zu is not GB18030): "
              "save the file as 'CSV UTF-8' in Excel"), path, not_utf8, not_gb);
}

//  Is in mostly UTF-8: are more than 4 in 5 of its non-ASCII bytes part of
//  well-formed UTF-8 sequences? GB18030 text seldom is (its trail bytes
//  rarely follow a UTF-8 lead byte), UTF-8 with a broken character always.
static bool
s_mostly_utf8 (const char *in, size_t len)
{
    const uint8_t *p = (const uint8_t *) in;
    size_t good = 0, bad = 0;
    for (size_t i = 0; i < len; ) {
        size_t n = p[i] < 0x80 ? 0 : p[i] >= 0xC2 && p[i] <= 0xDF ? 2 : p[i] >= 0xE0 && p[i] <= 0xEF ? 3
                 : p[i] >= 0xF0 && p[i] <= 0xF4 ? 4 : 1;
        size_t k = 1;
        while (n > 1 && k < n && i + k < len && (p[i + k] & 0xC0) == 0x80)
            k++;
        if (n == 0)
            i++;
        else
        if (n > 1 && k == n) {
            good += n;
            i += n;
        }
        else {
            bad++;
            i++;
        }
    }
    return good > 4 * bad;
}

//  The text of in (len bytes) as UTF-8 without a byte-order mark, in a new
//  buffer (caller frees) at *out. SH_EINVAL (explained in msg) when it is
//  neither UTF-8 nor GB18030, or UTF-16.
static sh_err
s_decode (const char *path, const char *in, size_t len, char **out, size_t *out_len, char *msg, size_t msg_size)
{
    size_t bad;
    if (len >= 2 && ((uint8_t) in[0] == 0xFF || (uint8_t) in[0] == 0xFE)
    &&  ((uint8_t) in[1] == 0xFE || (uint8_t) in[1] == 0xFF)) {
        snprintf (msg, msg_size, _("%s is UTF-16 (Excel's 'Unicode text'), not CSV: save the file as "
                                   "'CSV UTF-8' in Excel"), path);
        return SH_EINVAL;
    }
    bool bom = len >= 3 && memcmp (in, "\xEF\xBB\xBF", 3) == 0;
    if (bom) {
        in += 3;
        len -= 3;
    }
    if (s_iconv ("UTF-8", in, len, out, out_len, &bad))
        return SH_OK;
    if (bad == SIZE_MAX) {
        snprintf (msg, msg_size, _("cannot convert %s: iconv: %s"), path, strerror (errno));
        return SH_ENOMEM;
    }
    if (bom || s_mostly_utf8 (in, len)) {
        //  UTF-8 with a broken character: read as it is, so that the entry
        //  checks (sh_text) name the line and column of the field holding it
        *out = malloc (len + 1);
        if (!*out)
            return SH_ENOMEM;
        memcpy (*out, in, len);
        (*out)[len] = 0;
        *out_len = len;
        return SH_OK;
    }
    if (s_iconv ("GB18030", in, len, out, out_len, &bad))
        return SH_OK;
    if (bad == SIZE_MAX) {
        snprintf (msg, msg_size, _("cannot convert %s from GB18030: iconv: %s"), path, strerror (errno));
        return SH_ENOMEM;
    }
    s_neither (path, in, len, msg, msg_size);
    return SH_EINVAL;
}

//  The whole file at path into a new buffer (caller frees).
static sh_err
s_slurp (const char *path, char **out, size_t *len, char *msg, size_t msg_size)
{
    FILE *f = fopen (path, "rb");
    if (!f) {
        snprintf (msg, msg_size, _("cannot open %s: %s"), path, strerror (errno));
        return errno == ENOENT ? SH_ENOTFOUND : sh_err_errno ();
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc (cap);
    sh_err rc = buf ? SH_OK : SH_ENOMEM;
    while (rc == SH_OK) {
        if (n == cap) {
            char *more = cap > SH_CSV_MAX_BYTES ? NULL : realloc (buf, cap * 2);
            if (!more) {
                rc = cap > SH_CSV_MAX_BYTES ? SH_EINVAL : SH_ENOMEM;
                if (rc == SH_EINVAL)
                    snprintf (msg, msg_size, _("%s is larger than %u MiB"), path, SH_CSV_MAX_BYTES >> 20);
                break;
            }
            buf = more;
            cap *= 2;
        }
        size_t got = fread (buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (rc == SH_OK && ferror (f)) {
        snprintf (msg, msg_size, _("cannot read %s: %s"), path, strerror (errno));
        rc = sh_err_errno ();
    }
    if (rc == SH_OK && n > SH_CSV_MAX_BYTES) {
        snprintf (msg, msg_size, _("%s is larger than %u MiB"), path, SH_CSV_MAX_BYTES >> 20);
        rc = SH_EINVAL;
    }
    fclose (f);
    if (rc)
        free (buf);
    else {
        *out = buf;
        *len = n;
    }
    return rc;
}

sh_err
sh_csv_read (const char *path, sh_csv_row_fn *fn, void *arg, char *msg, size_t msg_size)
{
    char *raw = NULL, *text = NULL;
    size_t raw_len = 0, len = 0;
    sh_err rc = s_slurp (path, &raw, &raw_len, msg, msg_size);
    if (rc)
        return rc;
    rc = s_decode (path, raw, raw_len, &text, &len, msg, msg_size);
    free (raw);
    if (rc)
        return rc;
    struct csv_parser p;
    if (csv_init (&p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL) != 0) {
        free (text);
        return SH_ENOMEM;
    }
    s_reader_t r = { .line = 1, .fn = fn, .arg = arg };
    if (csv_parse (&p, text, len, s_field, s_row, &r) != len) {
        snprintf (msg, msg_size, _("%s: line %zu: %s"), path, r.line, csv_strerror (csv_error (&p)));
        rc = SH_EPROTO;
    }
    if (rc == SH_OK && !r.stop && !r.too_many && !r.oom
    &&  csv_fini (&p, s_field, s_row, &r) != 0) {
        snprintf (msg, msg_size, _("%s: line %zu: unterminated quoted field"), path, r.line);
        rc = SH_EPROTO;
    }
    if (rc == SH_OK && r.too_many) {
        snprintf (msg, msg_size, _("%s: line %zu: more than %d fields"), path, r.bad_line, SH_CSV_MAX_FIELDS);
        rc = SH_EPROTO;
    }
    if (rc == SH_OK && r.oom)
        rc = SH_ENOMEM;
    for (size_t i = 0; i < r.n; i++)
        free (r.fields[i]);
    csv_free (&p);
    free (text);
    return rc;
}
