/*  sh_report_xlsx -- a report as an Excel workbook (libxlsxwriter). */
#include "sh_report_xlsx.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <xlsxwriter.h>

#include "sh_i18n.h"
#include "sh_names.h"
#include "sh_report_text.h"

#define S_PATH_BYTES 256    //  longest dotted path of a value
#define S_SHEET_NAME_MAX 31 //  Excel's limit on a sheet name

typedef struct {
    lxw_workbook *wb;       //  the workbook being written
    lxw_format *bold;       //  header rows
    lxw_worksheet *report;  //  the "report" sheet
    lxw_row_t row;          //  its next row
    bool failed;            //  a write failed (memory, size)
} s_book_t;

//  ---------------------------------------------------------------------
//  Cells

//  A scalar value v into cell (r, c): numbers as numbers, strings as
//  strings (never formulas), booleans as booleans; null stays empty.
static void
s_cell (s_book_t *b, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const json_t *v)
{
    lxw_error e = LXW_NO_ERROR;
    if (json_is_string (v))
        e = worksheet_write_string (ws, r, c, json_string_value (v), NULL);
    else
    if (json_is_number (v))
        e = worksheet_write_number (ws, r, c, json_number_value (v), NULL);
    else
    if (json_is_boolean (v))
        e = worksheet_write_boolean (ws, r, c, json_is_true (v), NULL);
    if (e != LXW_NO_ERROR)
        b->failed = true;
}

//  A list of plain values (months) as one string cell, values separated by
//  spaces.
static void
s_list_cell (s_book_t *b, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const json_t *arr)
{
    char text[4096];
    size_t used = 0, i;
    json_t *e;
    text[0] = 0;
    json_array_foreach (arr, i, e) {
        const char *s = json_string_value (e);
        char num[32];
        if (!s) {
            snprintf (num, sizeof num, "%g", json_number_value (e));
            s = num;
        }
        if (used < sizeof text)
            used += (size_t) snprintf (text + used, sizeof text - used, "%s%s", i ? " " : "", s);
    }
    if (worksheet_write_string (ws, r, c, text, NULL) != LXW_NO_ERROR)
        b->failed = true;
}

//  ---------------------------------------------------------------------
//  Names: the sheets and columns are named by the report's keys; in
//  Chinese (sh_i18n_chinese) by what they hold, in Chinese.

//  The report's lists and fields, and what a Chinese sheet or column calls
//  them.
static const char *const s_labels[][2] = {
    //  sheets
    { "overdue_big", N_("overdue big matters") },
    { "missed_party_masses_day", N_("missed party-masses days") },
    { "courtyard_hexagons", N_("courtyard ranking") },
    { "village_hexagons", N_("village ranking") },
    { "town_hexagons", N_("town ranking") },
    { "movers_gains", N_("biggest gains") },
    { "movers_losses", N_("biggest losses") },
    //  columns
    { "matter", N_("matter id") },
    { "title", N_("title") },
    { "village", N_("village") },
    { "opened_on", N_("opened on") },
    { "days", N_("days") },
    { "courtyard", N_("courtyard") },
    { "name", N_("name") },
    { "months", N_("months") },
    { "code", N_("code") },
    { "period", N_("period") },
    { "previous_period", N_("previous period") },
    { "area", N_("area") },
    { "previous_area", N_("previous area") },
    { "delta", N_("delta") },
    { "rank", N_("rank") },
    { "courtyards", N_("courtyards") },
};

//  The name of the sheet or column of key (a dotted path): key itself, or
//  in Chinese what it holds ("levels.policy": the category's name). Into
//  buf; returns buf.
static const char *
s_label (const char *key, char *buf, size_t size)
{
    snprintf (buf, size, "%s", key);
    if (!sh_i18n_chinese ())
        return buf;
    if (!strncmp (key, "levels.", 7)) {
        int category;
        if (sh_names_parse ("shouhe.v1.Category", key + 7, &category))
            sh_names_shown ("shouhe.v1.Category", category, buf, size);
        return buf;
    }
    for (size_t i = 0; i < sizeof s_labels / sizeof s_labels[0]; i++)
        if (!strcmp (s_labels[i][0], key))
            snprintf (buf, size, "%s", _(s_labels[i][1]));
    return buf;
}

//  ---------------------------------------------------------------------
//  Record sheets

//  Is v a list of records (objects), or an empty list?
static bool
s_is_table (const json_t *v)
{
    if (!json_is_array (v))
        return false;
    size_t i;
    json_t *e;
    json_array_foreach (v, i, e)
        if (!json_is_object (e))
            return false;
    return true;
}

//  The column of field path in the header of ws (names, *n of them; a new
//  column, with its header cell, when it is not there yet).
static lxw_col_t
s_column (s_book_t *b, lxw_worksheet *ws, json_t *names, const char *path)
{
    size_t i;
    json_t *e;
    json_array_foreach (names, i, e)
        if (!strcmp (json_string_value (e), path))
            return (lxw_col_t) i;
    json_array_append_new (names, json_string (path));
    char label[S_PATH_BYTES];
    if (worksheet_write_string (ws, 0, (lxw_col_t) i, s_label (path, label, sizeof label), b->bold) != LXW_NO_ERROR)
        b->failed = true;
    return (lxw_col_t) i;
}

//  The fields of record o (nested objects dotted under prefix) into row r.
static void
s_record (s_book_t *b, lxw_worksheet *ws, json_t *names, lxw_row_t r, const char *prefix, const json_t *o)
{
    const char *k;
    json_t *v;
    json_object_foreach ((json_t *) o, k, v) {
        char path[S_PATH_BYTES];
        snprintf (path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", k);
        if (json_is_object (v))
            s_record (b, ws, names, r, path, v);
        else
        if (json_is_array (v))
            s_list_cell (b, ws, r, s_column (b, ws, names, path), v);
        else
            s_cell (b, ws, r, s_column (b, ws, names, path), v);
    }
}

//  A sheet for the list of records at path (dots become '_').
static void
s_table (s_book_t *b, const char *path, const json_t *arr)
{
    char key[S_PATH_BYTES], name[S_PATH_BYTES];
    snprintf (key, sizeof key, "%s", path);
    for (char *p = key; *p; p++)
        if (*p == '.')
            *p = '_';
    s_label (key, name, sizeof name);
    //  at most S_SHEET_NAME_MAX characters (Excel counts characters, not bytes)
    size_t chars = 0;
    for (char *p = name; *p; p++)
        if ((*p & 0xC0) != 0x80 && ++chars > S_SHEET_NAME_MAX) {
            *p = 0;
            break;
        }
    lxw_worksheet *ws = workbook_add_worksheet (b->wb, name);
    json_t *names = json_array ();
    if (!ws || !names) {
        b->failed = true;
        json_decref (names);
        return;
    }
    size_t i;
    json_t *e;
    json_array_foreach (arr, i, e)
        s_record (b, ws, names, (lxw_row_t) i + 1, "", e);
    worksheet_freeze_panes (ws, 1, 0);
    json_decref (names);
}

//  ---------------------------------------------------------------------
//  The "report" sheet: every value, as the CSV report has it

//  sh_report_text_leaf_fn: one row of the "report" sheet.
static void
s_leaf (const char *path, const json_t *v, void *arg)
{
    s_book_t *b = arg;
    if (worksheet_write_string (b->report, b->row, 0, path, NULL) != LXW_NO_ERROR)
        b->failed = true;
    s_cell (b, b->report, b->row, 1, v);
    b->row++;
}

//  A sheet for each list of records in object v (at path), through its
//  objects (not inside lists).
static void
s_tables (s_book_t *b, const char *path, const json_t *v)
{
    const char *k;
    json_t *e;
    json_object_foreach ((json_t *) v, k, e) {
        char sub[S_PATH_BYTES];
        snprintf (sub, sizeof sub, "%s%s%s", path, *path ? "." : "", k);
        if (s_is_table (e))
            s_table (b, sub, e);
        else
        if (json_is_object (e))
            s_tables (b, sub, e);
    }
}

sh_err
sh_report_xlsx_save (const char *path, const json_t *report, char *msg, size_t msg_size)
{
    s_book_t b = { .row = 1 };
    errno = 0;
    b.wb = workbook_new (path);
    if (!b.wb) {
        int err = errno ? errno : ENOMEM;
        snprintf (msg, msg_size, _("cannot create %s: %s"), path, strerror (err));
        return SH_ESYSERR | err;
    }
    b.bold = workbook_add_format (b.wb);
    format_set_bold (b.bold);
    //  TRANSLATORS: the name of the first sheet of the .xlsx report.
    b.report = workbook_add_worksheet (b.wb, sh_i18n_chinese () ? _("report sheet") : "report");
    if (!b.report)
        b.failed = true;
    else {
        b.failed |= worksheet_write_string (b.report, 0, 0, _("metric"), b.bold) != LXW_NO_ERROR;
        b.failed |= worksheet_write_string (b.report, 0, 1, _("value"), b.bold) != LXW_NO_ERROR;
        worksheet_set_column (b.report, 0, 0, 40, NULL);
        worksheet_freeze_panes (b.report, 1, 0);
        sh_report_text_leaves (report, s_leaf, &b);
        s_tables (&b, "", report);
    }
    errno = 0;
    lxw_error e = workbook_close (b.wb);
    int err = errno;
    if (e != LXW_NO_ERROR || b.failed) {
        snprintf (msg, msg_size, _("cannot write %s: %s%s%s"), path,
                  e != LXW_NO_ERROR ? lxw_strerror (e) : _("a cell could not be written"),
                  err ? ": " : "", err ? strerror (err) : "");
        return err ? SH_ESYSERR | err : SH_ENOMEM;
    }
    return SH_OK;
}
