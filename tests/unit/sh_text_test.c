/*  sh_text_test -- the hidden code points (found, named, escaped), the CSV
    cell (quoted, neutralised against formula injection, escaped), and a
    replica holding a bidi name that bypassed the entry checks (written
    with the raw record API, as an older version or a malicious node
    could): its report shows the name escaped in text, CSV, JSON and HTML.
*/
#include "sh_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_ops.h"
#include "sh_replica.h"
#include "sh_report.h"
#include "sh_store.h"
#include "sh_text.h"
#include "shouhe/v1/domain.pb-c.h"

#define S_VILLAGE "500115001001"
#define S_CODE S_VILLAGE "001"
#define S_RLO "\xe2\x80\xae"    //  U+202E RIGHT-TO-LEFT OVERRIDE

//  What sh_text_csv_cell writes for s (caller frees).
static char *
s_cell (const char *s)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream (&buf, &size);
    SH_CHECK (f);
    sh_text_csv_cell (f, s);
    SH_CHECK (fclose (f) == 0 && buf);
    return buf;
}

static void
s_cell_is (const char *s, const char *want)
{
    char *got = s_cell (s);
    if (strcmp (got, want) != 0) {
        fprintf (stderr, "cell of '%s': got [%s], want [%s]\n", s, got, want);
        SH_CHECK (0);
    }
    free (got);
}

static void
test_hidden (void)
{
    static const uint32_t hidden[] = { 0x00, 0x09, 0x0A, 0x0D, 0x1F, 0x7F, 0x80, 0x9F, 0x061C, 0x200B, 0x200C,
                                       0x200D, 0x200E, 0x200F, 0x202A, 0x202E, 0x2066, 0x2069, 0xFEFF };
    for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++)
        SH_CHECK (sh_text_hidden_name (hidden[i]) != NULL);
    static const uint32_t visible[] = { 0x20, 0x7E, 0xA0, 0x061B, 0x200A, 0x2010, 0x2029, 0x202F, 0x2065,
                                        0x206A, 0x5BFF, 0xFEFE, 0x1F600 };
    for (size_t i = 0; i < sizeof visible / sizeof visible[0]; i++)
        SH_CHECK (sh_text_hidden_name (visible[i]) == NULL);
    SH_CHECK (!strcmp (sh_text_hidden_name (0x202E), "RIGHT-TO-LEFT OVERRIDE"));
    SH_CHECK (!strcmp (sh_text_hidden_name (0x09), "CHARACTER TABULATION"));
    uint32_t cp = 0;
    SH_CHECK (sh_text_find_hidden ("张家" S_RLO "院子", 0, &cp) && cp == 0x202E);
    SH_CHECK (!sh_text_find_hidden ("张家院子 A&B", 0, &cp));
    SH_CHECK (sh_text_find_hidden ("a\nb", 0, &cp) && cp == 0x0A);
    SH_CHECK (!sh_text_find_hidden ("a\nb", SH_TEXT_MULTILINE, &cp));
    SH_CHECK (sh_text_find_hidden ("a\nb\xc2\x85", SH_TEXT_MULTILINE, &cp) && cp == 0x85);
    SH_CHECK (sh_text_find_hidden ("a\r\nb", SH_TEXT_MULTILINE, &cp) && cp == 0x0D);
}

static void
test_escape (void)
{
    char *e = sh_text_escape ("ab" S_RLO "c\td\n\xef\xbb\xbf" "院\xe5\xaf");
    SH_CHECK (e && !strcmp (e, "ab<U+202E>c<U+0009>d<U+000A><U+FEFF>院<0xE5><0xAF>"));
    //  escaping is idempotent: the escapes are plain ASCII
    char *again = sh_text_escape (e);
    SH_CHECK (again && !strcmp (again, e));
    free (again);
    free (e);
    e = sh_text_escape (NULL);
    SH_CHECK (e && !strcmp (e, ""));
    free (e);
}

static void
test_csv_cell (void)
{
    s_cell_is ("=HYPERLINK(\"http://x/\",\"点我\")", "\"'=HYPERLINK(\"\"http://x/\"\",\"\"点我\"\")\"");
    s_cell_is ("+1", "\"'+1\"");
    s_cell_is ("-2", "\"'-2\"");
    s_cell_is ("@x", "\"'@x\"");
    s_cell_is ("\tx", "\"'<U+0009>x\"");
    s_cell_is ("\rx", "\"'<U+000D>x\"");
    s_cell_is ("a=1", "a=1");
    s_cell_is ("张家院子", "张家院子");
    s_cell_is ("a,b", "\"a,b\"");
    s_cell_is ("a\"b", "\"a\"\"b\"");
    s_cell_is ("a" S_RLO "b", "a<U+202E>b");
    s_cell_is ("", "");
}

//  Render report as format into a string the caller frees.
static char *
s_print (const json_t *report, const char *format)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream (&buf, &size);
    SH_CHECK (f);
    SH_PASS (sh_report_print (f, report, format));
    SH_CHECK (fclose (f) == 0 && buf);
    return buf;
}

static void
test_bypassed_entry (void)
{
    char *dir = sh_test_tmpdir ();
    sh_replica_t *r;
    SH_PASS (sh_replica_create (&r, dir, S_VILLAGE));
    char msg[SH_OPS_MSG_BYTES] = "";
    sh_ops_courtyard_t y = { .code = S_CODE, .name = S_RLO "张家院子", .households = 10,
                             .residents = SH_OPS_UNSET, .elderly = SH_OPS_UNSET };
    SH_CHECK (sh_ops_courtyard_add (r, &y, msg) != SH_OK);
    SH_CHECK (strstr (msg, "the courtyard name holds U+202E (RIGHT-TO-LEFT OVERRIDE)"));
    //  the raw record API does not look at names: what an older version wrote
    Shouhe__V1__Courtyard m = SHOUHE__V1__COURTYARD__INIT;
    m.code = S_CODE;
    m.name = S_RLO "张家院子";
    m.village = S_VILLAGE;
    m.has_households = 1;
    m.households = 10;
    size_t len = shouhe__v1__courtyard__get_packed_size (&m);
    uint8_t *body = malloc (len);
    SH_CHECK (body);
    shouhe__v1__courtyard__pack (&m, body);
    sh_store_txn_t *txn;
    SH_PASS (sh_replica_begin (r, &txn));
    SH_PASS (sh_replica_write (r, txn, S_CODE, SH_KIND_COURTYARD, (const uint8_t *) S_CODE, 15, SH_OP_PUT,
                               body, len, NULL));
    //  but never one whose code (the record id) holds it: a courtyard's id is
    //  its region, digits only (the scope rule, docs/protocol.md 3.1)
    SH_FAIL (sh_replica_write (r, txn, S_VILLAGE, SH_KIND_COURTYARD, (const uint8_t *) S_VILLAGE S_RLO, 15,
                               SH_OP_PUT, body, len, NULL), SH_ESCOPE);
    SH_PASS (sh_store_commit (&txn));
    free (body);
    int got;
    //  two periods, so that the courtyard is a mover (the text report names movers)
    SH_PASS (sh_ops_evaluate (r, S_CODE, "2024Q1", "policy", 2, 2, 2, &got, msg));
    SH_PASS (sh_ops_evaluate (r, S_CODE, "2024Q1", "deliberation", 2, 2, 2, &got, msg));
    SH_PASS (sh_ops_evaluate (r, S_CODE, "2024Q2", "policy", 8, 8, 8, &got, msg));
    SH_PASS (sh_ops_evaluate (r, S_CODE, "2024Q2", "deliberation", 8, 8, 8, &got, msg));
    //  a party-masses day in May
    char id[SH_OPS_ID_HEX];
    sh_ops_meeting_t mt = { .courtyard = S_CODE, .kind = "party-masses-day", .date = "2024-05-10",
                            .attendance = SH_OPS_UNSET };
    SH_PASS (sh_ops_meeting_record (r, &mt, id, msg));
    json_t *j;
    SH_PASS (sh_report_build (sh_replica_store (r), "", NULL, "2024-06-15", &j));
    sh_replica_close (&r);
    //  text cuts the movers' names at 8 columns: the escape comes first
    SH_CHECK (json_object_get (j, "courtyards") && json_integer_value (json_object_get (j, "courtyards")) == 1);
    static const char *const formats[] = { "text", "csv", "json", "html" };
    static const char *const shown[] = { "<U+202E>", "<U+202E>张家院子", "<U+202E>张家院子",
                                         "&lt;U+202E&gt;张家院子" };
    for (size_t i = 0; i < 4; i++) {
        char *out = s_print (j, formats[i]);
        if (strstr (out, S_RLO) || !strstr (out, shown[i])) {
            fprintf (stderr, "%s report does not show the name escaped\n", formats[i]);
            SH_CHECK (0);
        }
        free (out);
    }
    json_decref (j);
    sh_test_rmdir (dir);
}

static const sh_test_case_t tests[] = {
    { "hidden", test_hidden },
    { "escape", test_escape },
    { "csv cell", test_csv_cell },
    { "bypassed entry", test_bypassed_entry },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
