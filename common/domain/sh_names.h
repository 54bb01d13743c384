/*  sh_names -- the names of the domain's enum values, defined once: the
    English short names (the keys of the reports and of the rule messages),
    the Chinese names the HTML report shows, and the abbreviations of the
    text report's hexagon columns.

    The English names are the short names sh_record_enum_text derives from
    the schema (domain.proto: CATEGORY_POLICY -> "policy"); a unit test
    checks every value against the descriptors, so the schema and these
    tables cannot drift apart. They are tables rather than calls into
    sh_record because reports index them in tight loops and need the
    fallbacks below, which the schema does not give.

    Every function takes an enum value and returns a static string, never
    NULL; a value outside the enum (0, the UNSPECIFIED value, included
    unless said otherwise) gives the fallback named at each function.

    A person may type a value in English or in Chinese: sh_names_parse
    takes the schema's short name ("environment", "big", "consult") or any
    of the Chinese names of a value ("环境整治", "环境", "大事", "会诊",
    "协商", "院落长" ...), for every enum a command or an import reads
    (Category, Tier, Step, Role, RoleStatus, Nomination, Gender,
    DeliberationPoint, RegionLevel, MeetingKind, MediationLevel,
    MediationKind, MediationOutcome, LedgerKind, LedgerUnit).

    Stateless and thread-safe.
*/
#ifndef SH_NAMES_H
#define SH_NAMES_H

#include <stdbool.h>
#include <stddef.h>

//  The highest value of each enum (values run 1..max; 0 is UNSPECIFIED).
#define SH_NAMES_CATEGORY_MAX 6   //  shouhe.v1.Category: policy .. economy
#define SH_NAMES_TIER_MAX 3       //  shouhe.v1.Tier: micro, small, big
#define SH_NAMES_STEP_MAX 5       //  shouhe.v1.Step: diagnose .. feedback
#define SH_NAMES_LEVEL_MAX 3      //  shouhe.v1.MediationLevel: courtyard, group, village
#define SH_NAMES_OUTCOME_MAX 4    //  shouhe.v1.MediationOutcome: resolved .. referred
#define SH_NAMES_UNIT_MAX 2       //  shouhe.v1.LedgerUnit: points, minutes
#define SH_NAMES_MEETING_MAX 5    //  shouhe.v1.MeetingKind: party-masses day .. other

//  Category: "policy", "deliberation", "mediation", "environment",
//  "customs", "economy" ("?" otherwise); in Chinese "政策宣讲" ... ("");
//  abbreviated "pol", "delib", "med", "env", "cust", "econ" ("").
const char *sh_names_category (int value);
const char *sh_names_category_zh (int value);
const char *sh_names_category_abbr (int value);

//  Tier: "micro", "small", "big" ("?" otherwise); in Chinese
//  "微事 院落自办", "小事 村社协调", "大事 镇街督办" ("").
const char *sh_names_tier (int value);
const char *sh_names_tier_zh (int value);

//  Step: "diagnose", "consult", "prescribe", "handle", "feedback" ("?"
//  otherwise); in Chinese "把脉", "会诊", "开方", "办理", "反馈" ("").
const char *sh_names_step (int value);
const char *sh_names_step_zh (int value);

//  Mediation level: "courtyard", "group", "village"; "unspecified" for 0
//  and any other value (reports count those under it); in Chinese "院落",
//  "村民小组", "村" ("").
const char *sh_names_mediation_level (int value);
const char *sh_names_mediation_level_zh (int value);

//  Mediation outcome: "resolved", "partial", "unresolved", "referred";
//  "unspecified" for 0 and any other value.
const char *sh_names_mediation_outcome (int value);

//  Ledger unit: "points", "minutes" ("?" otherwise); in Chinese "积分",
//  "时间银行" ("").
const char *sh_names_unit (int value);
const char *sh_names_unit_zh (int value);

//  Meeting kind: "party_masses_day", "deliberation", "longmenzhen",
//  "bench_lecture", "other"; "other" for 0 and any other value too (reports
//  count those under it); in Chinese "党群服务日", "协商议事", "龙门阵",
//  "板凳讲堂", "其他".
const char *sh_names_meeting_kind (int value);
const char *sh_names_meeting_kind_zh (int value);

//  The Chinese name shown for value of enum_name (a full schema name,
//  "shouhe.v1.Category"): "环境整治", "院落长" ...; "" when it has none.
const char *sh_names_zh (const char *enum_name, int value);

//  Read text as a value of enum_name: the schema's short name (any case,
//  '-' for '_') or one of the value's Chinese names. False if it is none
//  (*value unchanged).
bool sh_names_parse (const char *enum_name, const char *text, int *value);

//  The accepted names of enum_name for a message, each English name with
//  its Chinese one: "policy/政策宣讲, deliberation/协商议事, ...". Into
//  buf (whole names only); returns buf.
const char *sh_names_list (const char *enum_name, char *buf, size_t buf_size);

//  The name of value for a person reading text output in the locale in
//  effect (sh_i18n_chinese): the Chinese name, else the English short
//  name ("?" for a value outside the enum). Into buf; returns buf.
const char *sh_names_shown (const char *enum_name, int value, char *buf, size_t buf_size);

//  The name shown for text, the name of a value of enum_name as a view
//  gives it (or a user typed it): in Chinese (sh_i18n_chinese) the value's
//  Chinese name, into buf; otherwise, or when it names no value, text
//  itself, so English output stays as it was written ("-" for NULL).
const char *sh_names_shown_text (const char *enum_name, const char *text, char *buf, size_t buf_size);

//  The terminal columns (sh_text_columns) of the widest name shown of
//  enum_name's values 1..max, and at least min: a text column's width.
int sh_names_widest (const char *enum_name, int max, int min);

#endif
