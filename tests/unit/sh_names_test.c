/*  sh_names_test -- every English name in sh_names is the short name the
    schema gives that value (sh_record_enum_text over the protobuf-c
    descriptors), each table covers every value of its enum, the Chinese
    names and abbreviations are there for every value, and values outside
    an enum give the documented fallback.
*/
#include "sh_test.h"

#include "sh_names.h"
#include "sh_record.h"

typedef struct {
    const char *enum_name;                //  full name of the schema's enum
    int max;                              //  highest value in sh_names
    const char *(*name) (int value);      //  the English name
    const char *(*zh) (int value);        //  the Chinese name, or NULL if none
    const char *fallback;                 //  for 0 and values out of range
} s_table_t;

static const s_table_t s_tables[] = {
    { "shouhe.v1.Category", SH_NAMES_CATEGORY_MAX, sh_names_category, sh_names_category_zh, "?" },
    { "shouhe.v1.Tier", SH_NAMES_TIER_MAX, sh_names_tier, sh_names_tier_zh, "?" },
    { "shouhe.v1.Step", SH_NAMES_STEP_MAX, sh_names_step, sh_names_step_zh, "?" },
    { "shouhe.v1.MediationLevel", SH_NAMES_LEVEL_MAX, sh_names_mediation_level, sh_names_mediation_level_zh,
      "unspecified" },
    { "shouhe.v1.MediationOutcome", SH_NAMES_OUTCOME_MAX, sh_names_mediation_outcome, NULL, "unspecified" },
    { "shouhe.v1.LedgerUnit", SH_NAMES_UNIT_MAX, sh_names_unit, sh_names_unit_zh, "?" },
};

static void
test_schema (void)
{
    for (size_t t = 0; t < sizeof s_tables / sizeof s_tables[0]; t++) {
        const s_table_t *tb = &s_tables[t];
        char buf[64];
        for (int v = 1; v <= tb->max; v++) {
            const char *want = sh_record_enum_text (tb->enum_name, v, buf, sizeof buf);
            if (strcmp (tb->name (v), want) != 0) {
                fprintf (stderr, "%s %d: '%s', the schema says '%s'\n", tb->enum_name, v, tb->name (v), want);
                SH_CHECK (0);
            }
            SH_CHECK (!tb->zh || *tb->zh (v));
        }
        //  the table covers the whole enum: the schema knows no value past max
        SH_CHECK (!strcmp (sh_record_enum_text (tb->enum_name, tb->max + 1, buf, sizeof buf), "?"));
        //  the names are what sh_record_enum_parse reads back
        for (int v = 1; v <= tb->max; v++) {
            int back = 0;
            SH_PASS (sh_record_enum_parse (tb->enum_name, tb->name (v), &back));
            SH_CHECK (back == v);
        }
    }
}

static void
test_fallbacks (void)
{
    static const int outside[] = { 0, -1, 99, 1 << 30 };
    for (size_t t = 0; t < sizeof s_tables / sizeof s_tables[0]; t++) {
        const s_table_t *tb = &s_tables[t];
        for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++) {
            SH_CHECK (!strcmp (tb->name (outside[i]), tb->fallback));
            SH_CHECK (!tb->zh || !strcmp (tb->zh (outside[i]), ""));
        }
        SH_CHECK (!strcmp (tb->name (tb->max + 1), tb->fallback));
    }
    //  the mediation fallback is the schema's own name of the UNSPECIFIED value
    char buf[64];
    SH_CHECK (!strcmp (sh_names_mediation_level (0), sh_record_enum_text ("shouhe.v1.MediationLevel", 0, buf,
                                                                           sizeof buf)));
    SH_CHECK (!strcmp (sh_names_mediation_outcome (0), sh_record_enum_text ("shouhe.v1.MediationOutcome", 0,
                                                                             buf, sizeof buf)));
}

static void
test_other_names (void)
{
    static const char *const abbr[] = { "pol", "delib", "med", "env", "cust", "econ" };
    for (int v = 1; v <= SH_NAMES_CATEGORY_MAX; v++)
        SH_CHECK (!strcmp (sh_names_category_abbr (v), abbr[v - 1]));
    SH_CHECK (!strcmp (sh_names_category_abbr (0), "") && !strcmp (sh_names_category_abbr (7), ""));
    SH_CHECK (!strcmp (sh_names_category_zh (1), "政策宣讲") && !strcmp (sh_names_category_zh (6), "庭院经济"));
    SH_CHECK (!strcmp (sh_names_tier_zh (3), "大事 镇街督办") && !strcmp (sh_names_step_zh (1), "把脉"));
    SH_CHECK (!strcmp (sh_names_mediation_level_zh (2), "村民小组") && !strcmp (sh_names_unit_zh (2), "时间银行"));
}

static const sh_test_case_t tests[] = {
    { "schema", test_schema },
    { "fallbacks", test_fallbacks },
    { "other names", test_other_names },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
