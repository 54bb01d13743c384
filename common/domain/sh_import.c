/*  sh_import -- courtyards and persons imported from a CSV file, all or
    nothing. */
#include "sh_import.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sh_csv.h"
#include "sh_i18n.h"

#define S_MSG(...) snprintf (msg, SH_OPS_MSG_BYTES, __VA_ARGS__)

//  A column and the header names it goes by: its English name first (the
//  one messages use), then Chinese ones (docs/protocol.md, "Import").
#define S_ALIASES 4
typedef struct {
    const char *names[S_ALIASES];
} s_column_t;

//  The courtyard file's columns; the first three are required.
static const s_column_t s_courtyard_columns[] = {
    { { "code", "院落编码", "编码" } }, { { "name", "院落名称", "名称" } }, { { "households", "户数" } },
    { { "residents", "人数", "常住人数" } }, { { "elderly", "老年人数" } }, { { "model", "示范", "示范院落" } },
    { { "point", "议事点" } }, { { "grid", "网格" } }, { { "villager_group", "村民小组" } }
};
#define S_NCOLUMNS (sizeof s_courtyard_columns / sizeof s_courtyard_columns[0])
enum { S_CODE, S_NAME, S_HOUSEHOLDS, S_RESIDENTS, S_ELDERLY, S_MODEL, S_POINT, S_GRID, S_GROUP };

//  The person file's columns; the first two are required.
static const s_column_t s_person_columns[] = {
    { { "courtyard", "院落编码", "院落" } }, { { "name", "姓名" } }, { { "gender", "性别" } },
    { { "birth_year", "出生年份", "出生年", "birth-year" } }, { { "party_member", "党员", "party-member" } },
    { { "phone", "电话", "联系电话", "手机" } }
};
#define S_NPERSON (sizeof s_person_columns / sizeof s_person_columns[0])
enum { S_P_COURTYARD, S_P_NAME, S_P_GENDER, S_P_BIRTH, S_P_PARTY, S_P_PHONE };
_Static_assert (S_NPERSON <= S_NCOLUMNS, "s_import_t.col holds every kind's columns");

typedef struct {
    const s_column_t *cols;           //  the file's known columns
    size_t ncols;                     //  how many
    size_t required;                  //  the first this many are required
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
    char (*ids)[SH_OPS_ID_HEX];       //  persons: the ids created (owned), one per row
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

//  A yes/no cell: 1/0, yes/no, true/false, 是/否. false if it is none.
static bool
s_yes_no (const char *s, bool *v)
{
    if (!strcmp (s, "1") || !strcasecmp (s, "yes") || !strcasecmp (s, "true") || !strcmp (s, "是"))
        *v = true;
    else
    if (!strcmp (s, "0") || !strcasecmp (s, "no") || !strcasecmp (s, "false") || !strcmp (s, "否"))
        *v = false;
    else
        return false;
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

//  The name of column k in messages: its English name, or in Chinese its
//  first Chinese one.
static const char *
s_colname (const s_import_t *im, size_t k)
{
    return sh_i18n_chinese () && im->cols[k].names[1] ? im->cols[k].names[1] : im->cols[k].names[0];
}

//  Which known column (index into im->cols) header name f is; ncols if none.
//  Spaces around the name are ignored.
static size_t
s_column_of (const s_import_t *im, const char *f)
{
    while (*f == ' ')
        f++;
    size_t len = strlen (f);
    while (len && f[len - 1] == ' ')
        len--;
    for (size_t k = 0; k < im->ncols; k++)
        for (size_t a = 0; a < S_ALIASES && im->cols[k].names[a]; a++)
            if (strlen (im->cols[k].names[a]) == len && !strncmp (f, im->cols[k].names[a], len))
                return k;
    return im->ncols;
}

//  The known names of im's columns ("code/院落编码 name/院落名称 ...") in buf.
static void
s_known (const s_import_t *im, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t k = 0; k < im->ncols && used < size; k++)
        used += (size_t) snprintf (buf + used, size - used, "%s%s/%s", k ? " " : "", im->cols[k].names[0],
                                   im->cols[k].names[1]);
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
    char known[512];
    s_known (im, known, sizeof known);
    for (size_t i = 0; i < n; i++) {
        size_t k = s_column_of (im, f[i]);
        if (k == im->ncols) {
            s_fault (im, _("line %zu, column %zu: unknown column '%s' (known: %s)"), line, i + 1, f[i], known);
            im->bad++;
        }
        else
        if (im->col[k] >= 0) {
            s_fault (im, _("line %zu, column %zu: column '%s' appears twice"), line, i + 1, s_colname (im, k));
            im->bad++;
        }
        else
            im->col[k] = (int) i;
    }
    for (size_t k = 0; k < im->required; k++)
        if (im->col[k] < 0) {
            s_fault (im, _("line %zu: the header has no '%s' column (in Chinese '%s'; required: %s)"), line,
                     im->cols[k].names[0], im->cols[k].names[1],
                     im->required == 3 ? "code, name, households" : "courtyard, name");
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
        s_fault (im, _("line %zu, column %zu (%s): '%s' is not a whole number"),
                 line, s_colno (im, S_HOUSEHOLDS), s_colname (im, S_HOUSEHOLDS), s);
        ok = false;
    }
    if ((s = s_col (im, f, S_RESIDENTS)) && *s && !s_parse_int (s, &c->residents)) {
        s_fault (im, _("line %zu, column %zu (%s): '%s' is not a whole number"), line,
                 s_colno (im, S_RESIDENTS), s_colname (im, S_RESIDENTS), s);
        ok = false;
    }
    if ((s = s_col (im, f, S_ELDERLY)) && *s && !s_parse_int (s, &c->elderly)) {
        s_fault (im, _("line %zu, column %zu (%s): '%s' is not a whole number"), line,
                 s_colno (im, S_ELDERLY), s_colname (im, S_ELDERLY), s);
        ok = false;
    }
    if ((s = s_col (im, f, S_MODEL)) && *s && !s_yes_no (s, &c->model)) {
        s_fault (im, _("line %zu, column %zu (%s): '%s' is not yes/no (是/否)"), line, s_colno (im, S_MODEL),
                 s_colname (im, S_MODEL), s);
        ok = false;
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
            s_fault (im, _("line %zu, column %zu (%s): courtyard %s also appears on line %zu"),
                     line, s_colno (im, S_CODE), s_colname (im, S_CODE), code, im->code_lines[i]);
            return true;
        }
    return false;
}

//  The column (index into s_courtyard_columns) of the field a refusal of
//  sh_ops_courtyard_put is about (sh_ops names the field, not the words of
//  its message, which are in the clerk's language).
static size_t
s_refused_column (sh_err rc, sh_ops_field_t field)
{
    if (rc == SH_EEXIST || rc == SH_ESCOPE)
        return S_CODE;
    switch (field) {
        case SH_OPS_FIELD_NAME:       return S_NAME;
        case SH_OPS_FIELD_HOUSEHOLDS: return S_HOUSEHOLDS;
        case SH_OPS_FIELD_RESIDENTS:  return S_RESIDENTS;
        case SH_OPS_FIELD_ELDERLY:    return S_ELDERLY;
        case SH_OPS_FIELD_POINT:      return S_POINT;
        case SH_OPS_FIELD_GRID:       return S_GRID;
        case SH_OPS_FIELD_VILLAGER_GROUP: return S_GROUP;
        default:                      return S_CODE;
    }
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
        s_fault (im, _("line %zu: %zu fields, but the header has %zu"), line, n, im->n_header);
        im->bad++;
        return 0;
    }
    sh_ops_courtyard_t c;
    bool ok = s_fields (im, f, line, &c) && !s_duplicate (im, c.code, line);
    if (ok) {
        char why[SH_OPS_MSG_BYTES];
        sh_ops_field_t field = SH_OPS_FIELD_NONE;
        sh_err rc = sh_ops_courtyard_put (im->r, im->txn, &c, &field, why);
        if (rc == SH_EINVAL || rc == SH_ESCOPE || rc == SH_EEXIST) {
            //  name the column the check is about
            size_t k = s_refused_column (rc, field);
            size_t colno = im->col[k] >= 0 ? s_colno (im, k) : 0;
            s_fault (im, _("line %zu, column %zu (%s): %s"), line, colno, s_colname (im, k), why);
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

//  ---------------------------------------------------------------------
//  Persons

//  The person row's fields into p; false (each fault reported) if the
//  birth year or the party-member flag does not parse.
static bool
s_person_fields (s_import_t *im, const char *const *f, size_t line, sh_ops_person_t *p)
{
    const char *s = s_col (im, f, S_P_GENDER);
    *p = (sh_ops_person_t) { .courtyard = s_col (im, f, S_P_COURTYARD), .name = s_col (im, f, S_P_NAME),
                             .gender = s && *s ? s : NULL,
                             .phone = s_col (im, f, S_P_PHONE) };
    bool ok = true;
    int64_t year;
    if ((s = s_col (im, f, S_P_BIRTH)) && *s) {
        if (s_parse_int (s, &year) && year > 0 && year <= 3000)
            p->birth_year = (int) year;
        else {
            s_fault (im, _("line %zu, column %zu (%s): '%s' is not a year"), line, s_colno (im, S_P_BIRTH),
                     s_colname (im, S_P_BIRTH), s);
            ok = false;
        }
    }
    if ((s = s_col (im, f, S_P_PARTY)) && *s && !s_yes_no (s, &p->party_member)) {
        s_fault (im, _("line %zu, column %zu (%s): '%s' is not yes/no (是/否)"), line,
                 s_colno (im, S_P_PARTY), s_colname (im, S_P_PARTY), s);
        ok = false;
    }
    return ok;
}

//  The column (index into s_person_columns) of the field a refusal of
//  sh_ops_person_put is about (as s_refused_column).
static size_t
s_person_refused_column (sh_err rc, sh_ops_field_t field)
{
    if (rc == SH_ESCOPE || rc == SH_ENOTFOUND)
        return S_P_COURTYARD;
    switch (field) {
        case SH_OPS_FIELD_BIRTH_YEAR: return S_P_BIRTH;
        case SH_OPS_FIELD_PHONE:      return S_P_PHONE;
        case SH_OPS_FIELD_GENDER:     return S_P_GENDER;
        case SH_OPS_FIELD_COURTYARD:  return S_P_COURTYARD;
        default:                      return S_P_NAME;
    }
}

//  sh_csv_row_fn: the header row, then one person per row.
static int
s_person_row (const char *const *f, size_t n, size_t line, void *arg)
{
    s_import_t *im = arg;
    if (!im->header_done)
        return s_header (im, f, n, line);
    char (*ids)[SH_OPS_ID_HEX] = s_slot (im, line) ? realloc (im->ids, im->rows * sizeof *ids) : NULL;
    if (!ids) {
        im->hard = SH_ENOMEM;
        return 1;
    }
    im->ids = ids;
    im->ids[im->rows - 1][0] = 0;
    if (n != im->n_header) {
        s_fault (im, _("line %zu: %zu fields, but the header has %zu"), line, n, im->n_header);
        im->bad++;
        return 0;
    }
    sh_ops_person_t p;
    if (!s_person_fields (im, f, line, &p)) {
        im->bad++;
        return 0;
    }
    char why[SH_OPS_MSG_BYTES];
    sh_ops_field_t field = SH_OPS_FIELD_NONE;
    sh_err rc = sh_ops_person_put (im->r, im->txn, &p, im->ids[im->rows - 1], &field, why);
    if (rc == SH_EINVAL || rc == SH_ESCOPE || rc == SH_ENOTFOUND) {
        size_t k = s_person_refused_column (rc, field);
        s_fault (im, _("line %zu, column %zu (%s): %s"), line, im->col[k] >= 0 ? s_colno (im, k) : 0,
                 s_colname (im, k), why);
        im->bad++;
    }
    else
    if (rc) {
        im->hard = rc;
        return 1;
    }
    return 0;
}

//  ---------------------------------------------------------------------
//  Both kinds

//  Read path through row into im's transaction; commit when every row is
//  good. what names a row ("courtyard"), header the required columns.
static sh_err
s_run (s_import_t *im, const char *path, sh_csv_row_fn *row, const char *header, char *msg)
{
    sh_err rc = sh_replica_begin (im->r, &im->txn);
    if (rc) {
        S_MSG (_("cannot open the store: %s"), sh_strerror (rc));
        return rc;
    }
    rc = sh_csv_read (path, row, im, msg, SH_OPS_MSG_BYTES);
    if (rc == SH_EPROTO)
        rc = SH_EINVAL;     //  a CSV syntax error is bad input, named in msg
    if (rc == SH_OK && im->hard) {
        rc = im->hard;
        S_MSG (_("import stopped: %s"), sh_strerror (rc));
    }
    if (rc == SH_OK && !im->header_done) {
        S_MSG (_("%s is empty: expected a header row (%s,...)"), path, header);
        rc = SH_EINVAL;
    }
    if (rc == SH_OK && im->bad) {
        S_MSG (ngettext ("%s: %zu bad row; nothing was imported", "%s: %zu bad rows; nothing was imported",
                         im->bad), path, im->bad);
        rc = SH_EINVAL;
    }
    if (rc == SH_OK && (rc = sh_store_commit (&im->txn)) != SH_OK)
        S_MSG (_("cannot record the import: %s"), sh_strerror (rc));
    sh_store_abort (&im->txn);
    for (size_t i = 0; i < im->rows && im->codes; i++)
        free (im->codes[i]);
    free (im->codes);
    free (im->code_lines);
    return rc;
}

sh_err
sh_import_courtyards (sh_replica_t *r, const char *path, size_t *count,
                      sh_import_report_fn *report, void *arg, char *msg)
{
    s_import_t im = { .cols = s_courtyard_columns, .ncols = S_NCOLUMNS, .required = 3,
                      .r = r, .report = report, .arg = arg };
    sh_err rc = s_run (&im, path, s_row, "code,name,households", msg);
    if (rc == SH_OK)
        *count = im.rows;
    return rc;
}

sh_err
sh_import_persons (sh_replica_t *r, const char *path, char (**ids)[SH_OPS_ID_HEX], size_t *count,
                   sh_import_report_fn *report, void *arg, char *msg)
{
    s_import_t im = { .cols = s_person_columns, .ncols = S_NPERSON, .required = 2,
                      .r = r, .report = report, .arg = arg };
    sh_err rc = s_run (&im, path, s_person_row, "courtyard,name", msg);
    if (rc == SH_OK) {
        *count = im.rows;
        *ids = im.ids;
    }
    else
        free (im.ids);
    return rc;
}
