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

//  Every value of every enum a person types has a Chinese name, which
//  reads back to it, as do the seed's short forms; the English short
//  names still read; anything else is refused.
static void
test_chinese (void)
{
    static const char *const enums[] = {
        "shouhe.v1.Category", "shouhe.v1.Tier", "shouhe.v1.Step", "shouhe.v1.Role", "shouhe.v1.RoleStatus",
        "shouhe.v1.Nomination", "shouhe.v1.Gender", "shouhe.v1.DeliberationPoint", "shouhe.v1.RegionLevel",
        "shouhe.v1.MeetingKind", "shouhe.v1.MediationLevel", "shouhe.v1.MediationKind",
        "shouhe.v1.MediationOutcome", "shouhe.v1.LedgerKind", "shouhe.v1.LedgerUnit"
    };
    for (size_t e = 0; e < sizeof enums / sizeof enums[0]; e++) {
        char buf[64];
        for (int v = 1; strcmp (sh_record_enum_text (enums[e], v, buf, sizeof buf), "?") != 0; v++) {
            const char *zh = sh_names_zh (enums[e], v);
            if (!*zh)
                fprintf (stderr, "%s %d (%s) has no Chinese name\n", enums[e], v, buf);
            SH_CHECK (*zh);
            int back = 0;
            SH_CHECK (sh_names_parse (enums[e], zh, &back) && back == v);
            SH_CHECK (sh_names_parse (enums[e], buf, &back) && back == v);
        }
        int untouched = 42;
        SH_CHECK (!sh_names_parse (enums[e], "nosuch", &untouched) && untouched == 42);
        SH_CHECK (!sh_names_parse (enums[e], "", &untouched) && !sh_names_parse (enums[e], NULL, &untouched));
    }
    static const struct { const char *enum_name, *text; int value; } aliases[] = {
        { "shouhe.v1.Category", "环境", 4 }, { "shouhe.v1.Category", "Environment", 4 },
        { "shouhe.v1.Tier", "小事", SH_NAMES_TIER_MAX - 1 }, { "shouhe.v1.Tier", "大事镇街督办", 3 },
        { "shouhe.v1.Step", "协商", 2 }, { "shouhe.v1.Step", "会诊", 2 }, { "shouhe.v1.Role", "院落长", 1 },
        { "shouhe.v1.MeetingKind", "橘乡龙门阵", 3 }, { "shouhe.v1.LedgerUnit", "时间银行", 2 },
    };
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
        int v = 0;
        SH_CHECK (sh_names_parse (aliases[i].enum_name, aliases[i].text, &v) && v == aliases[i].value);
    }
    char list[512];
    SH_CHECK (!strcmp (sh_names_list ("shouhe.v1.Tier", list, sizeof list),
                       "micro/微事 院落自办, small/小事 村社协调, big/大事 镇街督办"));
    //  whole names only when the room runs out
    SH_CHECK (!strcmp (sh_names_list ("shouhe.v1.Step", list, 20), "diagnose/把脉"));
    //  no catalogue bound here: English shown
    SH_CHECK (!strcmp (sh_names_shown ("shouhe.v1.Step", 2, list, sizeof list), "consult"));
}

static const sh_test_case_t tests[] = {
    { "schema", test_schema },
    { "fallbacks", test_fallbacks },
    { "other names", test_other_names },
    { "chinese", test_chinese },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
