/*  sh_csv -- reading CSV files through libcsv, with line numbers. */
#include "sh_csv.h"

#include <csv.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

sh_err
sh_csv_read (const char *path, sh_csv_row_fn *fn, void *arg, char *msg, size_t msg_size)
{
    FILE *f = fopen (path, "rb");
    if (!f) {
        snprintf (msg, msg_size, "cannot open %s: %s", path, strerror (errno));
        return errno == ENOENT ? SH_ENOTFOUND : sh_err_errno ();
    }
    struct csv_parser p;
    if (csv_init (&p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL) != 0) {
        fclose (f);
        return SH_ENOMEM;
    }
    s_reader_t r = { .line = 1, .fn = fn, .arg = arg };
    char buf[65536];
    size_t n, total = 0;
    bool first = true;
    sh_err rc = SH_OK;
    while (!r.stop && (n = fread (buf, 1, sizeof buf, f)) > 0) {
        size_t off = 0;
        if (first && n >= 3 && memcmp (buf, "\xEF\xBB\xBF", 3) == 0)
            off = 3;
        first = false;
        total += n;
        if (total > SH_CSV_MAX_BYTES) {
            snprintf (msg, msg_size, "%s is larger than %u MiB", path, SH_CSV_MAX_BYTES >> 20);
            rc = SH_EINVAL;
            break;
        }
        if (csv_parse (&p, buf + off, n - off, s_field, s_row, &r) != n - off) {
            snprintf (msg, msg_size, "%s: line %zu: %s", path, r.line, csv_strerror (csv_error (&p)));
            rc = SH_EPROTO;
            break;
        }
        if (r.too_many || r.oom)
            break;
    }
    if (rc == SH_OK && ferror (f)) {
        snprintf (msg, msg_size, "cannot read %s: %s", path, strerror (errno));
        rc = sh_err_errno ();
    }
    if (rc == SH_OK && !r.stop && !r.too_many && !r.oom
    &&  csv_fini (&p, s_field, s_row, &r) != 0) {
        snprintf (msg, msg_size, "%s: line %zu: unterminated quoted field", path, r.line);
        rc = SH_EPROTO;
    }
    if (rc == SH_OK && r.too_many) {
        snprintf (msg, msg_size, "%s: line %zu: more than %d fields", path, r.bad_line, SH_CSV_MAX_FIELDS);
        rc = SH_EPROTO;
    }
    if (rc == SH_OK && r.oom)
        rc = SH_ENOMEM;
    for (size_t i = 0; i < r.n; i++)
        free (r.fields[i]);
    csv_free (&p);
    fclose (f);
    return rc;
}
