/*  sh_csv_test -- the CSV reader: quoting, line numbers of rows, BOM,
    blank lines, syntax errors that name their line, limits.
*/
#include "sh_test.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sh_csv.h"

//  Rows read, as "line N: f1|f2|...\n" (fields' newlines shown as '/').
typedef struct {
    char text[8192];
    int rows;
    int stop_after;          //  stop after this many rows (0 = never)
} s_rows_t;

static int
s_row (const char *const *fields, size_t n, size_t line, void *arg)
{
    s_rows_t *r = arg;
    size_t used = strlen (r->text);
    used += (size_t) snprintf (r->text + used, sizeof r->text - used, "line %zu:", line);
    for (size_t i = 0; i < n; i++) {
        SH_CHECK (fields[i] != NULL);
        used += (size_t) snprintf (r->text + used, sizeof r->text - used, "%s", i ? "|" : " ");
        for (const char *p = fields[i]; *p && used + 1 < sizeof r->text; p++)
            r->text[used++] = *p == '\n' ? '/' : *p;
        r->text[used] = 0;
    }
    snprintf (r->text + used, sizeof r->text - used, "\n");
    r->rows++;
    return r->stop_after && r->rows >= r->stop_after;
}

//  Write content (len bytes) to a file in a fresh temp dir, read it.
static sh_err
s_read (const char *content, size_t len, s_rows_t *rows, char *msg, size_t msg_size)
{
    char *dir = sh_test_tmpdir ();
    char path[512];
    snprintf (path, sizeof path, "%s/in.csv", dir);
    FILE *f = fopen (path, "wb");
    SH_CHECK (f);
    SH_CHECK (fwrite (content, 1, len, f) == len);
    SH_CHECK (fclose (f) == 0);
    int stop = rows->stop_after;
    memset (rows, 0, sizeof *rows);
    rows->stop_after = stop;
    msg[0] = 0;
    sh_err rc = sh_csv_read (path, s_row, rows, msg, msg_size);
    sh_test_rmdir (dir);
    return rc;
}

#define S_READ(lit, rows, msg) s_read ((lit), sizeof (lit) - 1, (rows), (msg), sizeof (msg))

static void
s_expect (const s_rows_t *rows, const char *want)
{
    if (strcmp (rows->text, want) != 0) {
        fprintf (stderr, "rows read:\n%s--- expected:\n%s---\n", rows->text, want);
        SH_CHECK (0);
    }
}

static void
test_quoting (void)
{
    s_rows_t r = { .stop_after = 0 };
    char msg[256];
    SH_PASS (S_READ ("name,note\n"
                     "\"a,b\",\"say \"\"hi\"\"\"\n"
                     "\"multi\nline\nfield\",x\n"
                     "after,row\n"
                     "\"\",empty first\n"
                     "last,\"no newline at the end\"", &r, msg));
    s_expect (&r, "line 1: name|note\n"
                  "line 2: a,b|say \"hi\"\n"
                  "line 3: multi/line/field|x\n"
                  "line 6: after|row\n"
                  "line 7: |empty first\n"
                  "line 8: last|no newline at the end\n");
    //  two quoted newlines in two fields of one row (it spans lines 1-3);
    //  CRLF rows, one with a CRLF inside quotes
    SH_PASS (S_READ ("\"a\nb\",\"c\nd\"\r\nnext,1\r\n\"e\r\nf\",2\r\nend,3\r\n", &r, msg));
    s_expect (&r, "line 1: a/b|c/d\n"
                  "line 4: next|1\n"
                  "line 5: e\r/f|2\n"
                  "line 7: end|3\n");
    //  UTF-8 passes through untouched; empty fields stay
    SH_PASS (S_READ ("寿和小院,,\"院落长\"\n,,\n", &r, msg));
    s_expect (&r, "line 1: 寿和小院||院落长\nline 2: ||\n");
}

static void
test_bom (void)
{
    s_rows_t r = { .stop_after = 0 };
    char msg[256];
    SH_PASS (S_READ ("\xEF\xBB\xBF" "code,name\n1,2\n", &r, msg));
    s_expect (&r, "line 1: code|name\nline 2: 1|2\n");
    //  a BOM anywhere else is data
    SH_PASS (S_READ ("a\n\xEF\xBB\xBF" "b\n", &r, msg));
    s_expect (&r, "line 1: a\nline 2: \xEF\xBB\xBF" "b\n");
    //  a file that is only a BOM has no rows
    SH_PASS (S_READ ("\xEF\xBB\xBF", &r, msg));
    SH_CHECK (r.rows == 0);
}

//  Blank lines are skipped, and still counted: rows after them keep the
//  line number a clerk sees in an editor.
static void
test_blank_lines (void)
{
    s_rows_t r = { .stop_after = 0 };
    char msg[256];
    SH_PASS (S_READ ("\n\na,b\n\nc,d\n\n\ne,f\n\n", &r, msg));
    SH_CHECK (r.rows == 3);   //  skipped
    s_expect (&r, "line 3: a|b\nline 5: c|d\nline 8: e|f\n");
    SH_PASS (S_READ ("a,b\r\n\r\nc,d\r\n", &r, msg));
    s_expect (&r, "line 1: a|b\nline 3: c|d\n");
    //  classic Mac line ends: a lone CR ends a line too
    SH_PASS (S_READ ("a,b\rc,d\r\re,f\r", &r, msg));
    s_expect (&r, "line 1: a|b\nline 2: c|d\nline 4: e|f\n");
    //  an error after blank lines names its real line
    SH_FAIL (S_READ ("a,b\n\n\nc,d\"e\n", &r, msg), SH_EPROTO);
    if (!strstr (msg, "line 4")) {
        fprintf (stderr, "message: %s\n", msg);
        SH_CHECK (0);
    }
}

static void
test_empty (void)
{
    s_rows_t r = { .stop_after = 0 };
    char msg[256];
    SH_PASS (s_read ("", 0, &r, msg, sizeof msg));
    SH_CHECK (r.rows == 0);
    SH_PASS (S_READ ("\n\n\n", &r, msg));
    SH_CHECK (r.rows == 0);
}

static void
test_errors (void)
{
    s_rows_t r = { .stop_after = 0 };
    char msg[256];
    //  unterminated quote: the rows before it were read; the message names
    //  the line the bad field starts on
    SH_FAIL (S_READ ("a,b\nc,\"open\nmore\n", &r, msg), SH_EPROTO);
    SH_CHECK (strstr (msg, "line 2") && strstr (msg, "unterminated"));
    SH_CHECK (strstr (msg, "in.csv"));
    s_expect (&r, "line 1: a|b\n");
    SH_FAIL (S_READ ("\"a\nb\",c\nd,\"e", &r, msg), SH_EPROTO);
    SH_CHECK (strstr (msg, "line 3"));
    //  a stray quote inside an unquoted field
    SH_FAIL (S_READ ("a,b\nc,d\"e\n", &r, msg), SH_EPROTO);
    SH_CHECK (strstr (msg, "line 2"));
    //  text after a closing quote
    SH_FAIL (S_READ ("x\n\"a\"b,c\n", &r, msg), SH_EPROTO);
    SH_CHECK (strstr (msg, "line 2"));
    //  too many fields: SH_CSV_MAX_FIELDS is the limit, on any row
    char many[1024] = "";
    for (int i = 0; i < SH_CSV_MAX_FIELDS; i++)
        strcat (many, i ? ",f" : "f");
    char text[2048];
    snprintf (text, sizeof text, "a\n%s\n", many);
    SH_PASS (s_read (text, strlen (text), &r, msg, sizeof msg));
    SH_CHECK (r.rows == 2);
    snprintf (text, sizeof text, "a\n\"q\nq\"\n%s,one too many\nz\n", many);
    SH_FAIL (s_read (text, strlen (text), &r, msg, sizeof msg), SH_EPROTO);
    SH_CHECK (strstr (msg, "line 4") && strstr (msg, "64"));
    s_expect (&r, "line 1: a\nline 2: q/q\n");   //  nothing of the bad row or after it
}

static void
test_missing_file (void)
{
    s_rows_t r = { .stop_after = 0 };
    char msg[256] = "";
    SH_FAIL (sh_csv_read ("/nonexistent/shouhe/none.csv", s_row, &r, msg, sizeof msg), SH_ENOTFOUND);
    SH_CHECK (strstr (msg, "/nonexistent/shouhe/none.csv") && r.rows == 0);
    //  a directory is not a readable file
    char *dir = sh_test_tmpdir ();
    sh_err rc = sh_csv_read (dir, s_row, &r, msg, sizeof msg);
    SH_CHECK (rc != SH_OK && r.rows == 0);
    sh_test_rmdir (dir);
}

static void
test_stop (void)
{
    s_rows_t r = { .stop_after = 2 };
    char msg[256];
    //  stopping early is success, even before a syntax error further on
    SH_PASS (S_READ ("a\nb\nc\n\"broken\n", &r, msg));
    SH_CHECK (r.rows == 2);
    s_expect (&r, "line 1: a\nline 2: b\n");
}

//  Unquoted fields lose surrounding blanks (libcsv's default); quoted
//  ones keep them.
static void
test_spaces (void)
{
    s_rows_t r = { .stop_after = 0 };
    char msg[256];
    SH_PASS (S_READ (" a , b \n\" c \",\td\t\n", &r, msg));
    s_expect (&r, "line 1: a|b\nline 2:  c |d\n");
}

//  Counts rows and checks that each row's first field names its line.
typedef struct {
    size_t rows;
    size_t last_line;
} s_seen_t;

static int
s_row_numbered (const char *const *fields, size_t n, size_t line, void *arg)
{
    s_seen_t *seen = arg;
    SH_CHECK (n == 2);
    SH_CHECK ((size_t) strtoul (fields[0], NULL, 10) == line);
    seen->rows++;
    seen->last_line = line;
    return 0;
}

//  A file bigger than the reader's 64 KiB buffer keeps its line numbers
//  across buffer boundaries, also with quoted newlines and blank lines.
static void
test_large (void)
{
    size_t cap = 300000;
    char *text = malloc (cap);
    SH_CHECK (text);
    size_t len = 0, line = 1, rows = 0;
    while (len + 100 < cap) {
        //  each row starts with the number of the line it starts on
        if (line % 997 == 0)
            len += (size_t) snprintf (text + len, cap - len, "\"%zu\nsplit\nfield\",x\n", line), line += 3;
        else
            len += (size_t) snprintf (text + len, cap - len, "%zu,row\n", line), line += 1;
        rows++;
    }
    char *dir = sh_test_tmpdir ();
    char path[512];
    snprintf (path, sizeof path, "%s/big.csv", dir);
    FILE *f = fopen (path, "wb");
    SH_CHECK (f && fwrite (text, 1, len, f) == len && fclose (f) == 0);
    char msg[256];
    s_seen_t seen = { 0, 0 };
    SH_PASS (sh_csv_read (path, s_row_numbered, &seen, msg, sizeof msg));
    SH_CHECK (seen.rows == rows && seen.last_line < line);
    sh_test_rmdir (dir);
    free (text);
}

//  Encodings: GB18030 converted, UTF-8 kept (a broken character left to the
//  entry checks), bytes that are neither named by line with the fix.
static void
test_encodings (void)
{
    s_rows_t rows = { 0 };
    char msg[512];
    //  "名称,户数\n张家,3\n" in GB18030
    SH_PASS (S_READ ("\xc3\xfb\xb3\xc6,\xbb\xa7\xca\xfd\n\xd5\xc5\xbc\xd2,3\n", &rows, msg));
    s_expect (&rows, "line 1: 名称|户数\nline 2: 张家|3\n");
    //  a four-byte GB18030 sequence (U+2000B, outside GBK)
    SH_PASS (S_READ ("a,\x95\x32\x83\x37\n", &rows, msg));
    s_expect (&rows, "line 1: a|\xf0\xa0\x80\x8b\n");
    //  UTF-8 with one truncated character stays UTF-8 (not read as GB18030)
    SH_PASS (S_READ ("名称,户数\n张家院子,3\n王家\xe5\xaf,4\n", &rows, msg));
    s_expect (&rows, "line 1: 名称|户数\nline 2: 张家院子|3\nline 3: 王家\xe5\xaf|4\n");
    //  neither: the line and the fix
    SH_CHECK (S_READ ("a,b\nc,d\ne,\xff\n", &rows, msg) == SH_EINVAL);
    SH_CHECK (strstr (msg, "line 3 is neither UTF-8 nor GB18030: save the file as 'CSV UTF-8' in Excel"));
    SH_CHECK (rows.rows == 0);
    //  UTF-16 with its byte-order mark
    SH_CHECK (S_READ ("\xff\xfe" "a\0,\0b\0\n\0", &rows, msg) == SH_EINVAL);
    SH_CHECK (strstr (msg, "is UTF-16"));
}

static const sh_test_case_t tests[] = {
    { "encodings", test_encodings },
    { "quoting", test_quoting },
    { "bom", test_bom },
    { "blank lines", test_blank_lines },
    { "empty", test_empty },
    { "errors", test_errors },
    { "missing file", test_missing_file },
    { "stop", test_stop },
    { "spaces", test_spaces },
    { "large", test_large },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
