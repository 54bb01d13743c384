/*  sh_import -- courtyards imported from a CSV file, all or nothing. */
#include "sh_import.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sh_csv.h"

#define S_MSG(...) snprintf (msg, SH_OPS_MSG_BYTES, __VA_ARGS__)

//  The known columns; the first three are required.
static const char *const s_columns[] = {
    "code", "name", "households", "residents", "elderly", "model", "point", "grid", "villager_group"
};
#define S_NCOLUMNS (sizeof s_columns / sizeof s_columns[0])
enum { S_CODE, S_NAME, S_HOUSEHOLDS, S_RESIDENTS, S_ELDERLY, S_MODEL, S_POINT, S_GRID, S_GROUP };

typedef struct {
    sh_replica_t *r;                  //  the replica
    sh_store_txn_t *txn;              //  the import's write transaction
    int col[S_NCOLUMNS];              //  column index of each known name, -1 if absent
    size_t n_header;                  //  number of header fields
    bool header_done;                 //  header row seen
    size_t rows;                      //  data rows seen
    size_t bad;                       //  bad rows (or header faults)
    sh_err hard;                      //  a store error that ends the import
    char **codes;                     //  codes seen so far (owned), to catch duplicates
    size_t *code_lines;               //  line of each
    sh_import_report_fn *report;      //  where to send each fault
    void *arg;                        //  its argument
} s_import_t;

static void
s_fault (s_import_t *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
s_fault (s_import_t *im, const char *fmt, ...)
{
    char buf[SH_OPS_MSG_BYTES];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (buf, sizeof buf, fmt, ap);
    va_end (ap);
    if (im->report)
        im->report (buf, im->arg);
}

static bool
s_parse_int (const char *s, int64_t *v)
{
    if (!s || !*s)
        return false;
    char *end;
    long long x = strtoll (s, &end, 10);
    if (*end || x < 0 || x > 100000000)
        return false;
    *v = x;
    return true;
}

//  The field of column k in row f, or NULL when the file has no such column.
static const char *
s_col (const s_import_t *im, const char *const *f, size_t k)
{
    return im->col[k] >= 0 ? f[im->col[k]] : NULL;
}

//  The 1-based number of column k in the file.
static size_t
s_colno (const s_import_t *im, size_t k)
{
    return (size_t) im->col[k] + 1;
}

//  The header row: which column holds which known name. Returns non-zero
//  (stop reading) if it has faults.
static int
s_header (s_import_t *im, const char *const *f, size_t n, size_t line)
{
    im->header_done = true;
    im->n_header = n;
    for (size_t k = 0; k < S_NCOLUMNS; k++)
        im->col[k] = -1;
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < S_NCOLUMNS && strcmp (f[i], s_columns[k]) != 0)
            k++;
        if (k == S_NCOLUMNS) {
            s_fault (im, "line %zu, column %zu: unknown column '%s' (known: code name "
                     "households residents elderly model point grid villager_group)", line, i + 1, f[i]);
            im->bad++;
        }
        else
        if (im->col[k] >= 0) {
            s_fault (im, "line %zu, column %zu: column '%s' appears twice", line, i + 1, f[i]);
            im->bad++;
        }
        else
            im->col[k] = (int) i;
    }
    for (size_t k = S_CODE; k <= S_HOUSEHOLDS; k++)
        if (im->col[k] < 0) {
            s_fault (im, "line %zu: the header has no '%s' column (required: code, name, households)",
                     line, s_columns[k]);
            im->bad++;
        }
    return im->bad ? 1 : 0;
}

//  One slot per data row for duplicate detection (its code, NULL until the
//  row is good). false when memory runs out.
static bool
s_slot (s_import_t *im, size_t line)
{
    im->rows++;
    char **codes = realloc (im->codes, im->rows * sizeof *codes);
    if (codes)
        im->codes = codes;
    size_t *lines = realloc (im->code_lines, im->rows * sizeof *lines);
    if (lines)
        im->code_lines = lines;
    if (!codes || !lines) {
        im->rows--;
        return false;
    }
    im->codes[im->rows - 1] = NULL;
    im->code_lines[im->rows - 1] = line;
    return true;
}

//  The row's fields into c; false (each fault reported) if a number or the
//  model flag does not parse.
static bool
s_fields (s_import_t *im, const char *const *f, size_t line, sh_ops_courtyard_t *c)
{
    *c = (sh_ops_courtyard_t) { .code = s_col (im, f, S_CODE), .name = s_col (im, f, S_NAME),
                                .residents = SH_OPS_UNSET, .elderly = SH_OPS_UNSET };
    bool ok = true;
    const char *s = s_col (im, f, S_HOUSEHOLDS);
    if (!s_parse_int (s, &c->households)) {
        s_fault (im, "line %zu, column %zu (households): '%s' is not a whole number",
                 line, s_colno (im, S_HOUSEHOLDS), s);
        ok = false;
    }
    if ((s = s_col (im, f, S_RESIDENTS)) && *s && !s_parse_int (s, &c->residents)) {
        s_fault (im, "line %zu, column %zu (residents): '%s' is not a whole number", line,
                 s_colno (im, S_RESIDENTS), s);
        ok = false;
    }
    if ((s = s_col (im, f, S_ELDERLY)) && *s && !s_parse_int (s, &c->elderly)) {
        s_fault (im, "line %zu, column %zu (elderly): '%s' is not a whole number", line,
                 s_colno (im, S_ELDERLY), s);
        ok = false;
    }
    if ((s = s_col (im, f, S_MODEL)) && *s) {
        if (!strcmp (s, "1") || !strcasecmp (s, "yes") || !strcasecmp (s, "true"))
            c->model = true;
        else
        if (strcmp (s, "0") && strcasecmp (s, "no") && strcasecmp (s, "false")) {
            s_fault (im, "line %zu, column %zu (model): '%s' is not yes/no", line, s_colno (im, S_MODEL), s);
            ok = false;
        }
    }
    c->point = (s = s_col (im, f, S_POINT)) && *s ? s : NULL;
    c->grid = s_col (im, f, S_GRID);
    c->villager_group = s_col (im, f, S_GROUP);
    return ok;
}

//  A code already seen in this file (checked before the store, which
//  already holds the earlier row in this transaction): reported, true.
static bool
s_duplicate (s_import_t *im, const char *code, size_t line)
{
    for (size_t i = 0; code && i < im->rows - 1; i++)
        if (im->codes[i] && strcmp (im->codes[i], code) == 0) {
            s_fault (im, "line %zu, column %zu (code): courtyard %s also appears on line %zu",
                     line, s_colno (im, S_CODE), code, im->code_lines[i]);
            return true;
        }
    return false;
}

//  The column (index into s_columns) a refusal of sh_ops_courtyard_put
//  (rc, why) is about.
static size_t
s_refused_column (sh_err rc, const char *why)
{
    const char *col = strstr (why, "code") || strstr (why, "scope") || rc == SH_EEXIST ? "code"
                    : strstr (why, "name") ? "name" : strstr (why, "elderly") ? "elderly"
                    : strstr (why, "residents") ? "residents" : strstr (why, "households") ? "households"
                    : strstr (why, "point") ? "point" : strstr (why, "grid") ? "grid"
                    : "villager_group";
    size_t k = 0;
    while (strcmp (s_columns[k], col) != 0)
        k++;
    return k;
}

//  sh_csv_row_fn: the header row, then one courtyard per row.
static int
s_row (const char *const *f, size_t n, size_t line, void *arg)
{
    s_import_t *im = arg;
    if (!im->header_done)
        return s_header (im, f, n, line);
    //  the row's slot is filled before any return
    if (!s_slot (im, line)) {
        im->hard = SH_ENOMEM;
        return 1;
    }
    if (n != im->n_header) {
        s_fault (im, "line %zu: %zu fields, but the header has %zu", line, n, im->n_header);
        im->bad++;
        return 0;
    }
    sh_ops_courtyard_t c;
    bool ok = s_fields (im, f, line, &c) && !s_duplicate (im, c.code, line);
    if (ok) {
        char why[SH_OPS_MSG_BYTES];
        sh_err rc = sh_ops_courtyard_put (im->r, im->txn, &c, why);
        if (rc == SH_EINVAL || rc == SH_ESCOPE || rc == SH_EEXIST) {
            //  name the column the check is about
            size_t k = s_refused_column (rc, why);
            size_t colno = im->col[k] >= 0 ? s_colno (im, k) : 0;
            s_fault (im, "line %zu, column %zu (%s): %s", line, colno, s_columns[k], why);
            ok = false;
        }
        else
        if (rc) {
            im->hard = rc;
            return 1;
        }
    }
    //  remember the code for duplicate detection
    im->codes[im->rows - 1] = ok && c.code ? strdup (c.code) : NULL;
    if (!ok)
        im->bad++;
    return 0;
}

sh_err
sh_import_courtyards (sh_replica_t *r, const char *path, size_t *count,
                      sh_import_report_fn *report, void *arg, char *msg)
{
    s_import_t im = { .r = r, .report = report, .arg = arg };
    sh_err rc = sh_replica_begin (r, &im.txn);
    if (rc) {
        S_MSG ("cannot open the store: %s", sh_strerror (rc));
        return rc;
    }
    rc = sh_csv_read (path, s_row, &im, msg, SH_OPS_MSG_BYTES);
    if (rc == SH_EPROTO)
        rc = SH_EINVAL;     //  a CSV syntax error is bad input, named in msg
    if (rc == SH_OK && im.hard) {
        rc = im.hard;
        S_MSG ("import stopped: %s", sh_strerror (rc));
    }
    if (rc == SH_OK && !im.header_done) {
        S_MSG ("%s is empty: expected a header row (code,name,households,...)", path);
        rc = SH_EINVAL;
    }
    if (rc == SH_OK && im.bad) {
        S_MSG ("%s: %zu bad row%s; nothing was imported", path, im.bad, im.bad == 1 ? "" : "s");
        rc = SH_EINVAL;
    }
    if (rc == SH_OK) {
        rc = sh_store_commit (&im.txn);
        if (rc)
            S_MSG ("cannot record the import: %s", sh_strerror (rc));
        else
            *count = im.rows;
    }
    sh_store_abort (&im.txn);
    for (size_t i = 0; i < im.rows && im.codes; i++)
        free (im.codes[i]);
    free (im.codes);
    free (im.code_lines);
    return rc;
}
