/*  sh_names -- the names of the domain's enum values, defined once. */
#include "sh_names.h"

#include <stddef.h>

//  Each table is indexed by the enum value; index 0 (UNSPECIFIED) is unused.
static const char *const s_categories[SH_NAMES_CATEGORY_MAX + 1] = {
    NULL, "policy", "deliberation", "mediation", "environment", "customs", "economy"
};
static const char *const s_categories_zh[SH_NAMES_CATEGORY_MAX + 1] = {
    NULL, "政策宣讲", "协商议事", "矛盾调处", "环境整治", "文明乡风", "庭院经济"
};
static const char *const s_categories_abbr[SH_NAMES_CATEGORY_MAX + 1] = {
    NULL, "pol", "delib", "med", "env", "cust", "econ"
};
static const char *const s_tiers[SH_NAMES_TIER_MAX + 1] = { NULL, "micro", "small", "big" };
static const char *const s_tiers_zh[SH_NAMES_TIER_MAX + 1] = {
    NULL, "微事 院落自办", "小事 村社协调", "大事 镇街督办"
};
static const char *const s_steps[SH_NAMES_STEP_MAX + 1] = {
    NULL, "diagnose", "consult", "prescribe", "handle", "feedback"
};
static const char *const s_steps_zh[SH_NAMES_STEP_MAX + 1] = { NULL, "把脉", "会诊", "开方", "办理", "反馈" };
static const char *const s_levels[SH_NAMES_LEVEL_MAX + 1] = { NULL, "courtyard", "group", "village" };
static const char *const s_levels_zh[SH_NAMES_LEVEL_MAX + 1] = { NULL, "院落", "村民小组", "村" };
static const char *const s_outcomes[SH_NAMES_OUTCOME_MAX + 1] = {
    NULL, "resolved", "partial", "unresolved", "referred"
};
static const char *const s_units[SH_NAMES_UNIT_MAX + 1] = { NULL, "points", "minutes" };
static const char *const s_units_zh[SH_NAMES_UNIT_MAX + 1] = { NULL, "积分", "时间银行" };
static const char *const s_meetings[SH_NAMES_MEETING_MAX + 1] = {
    NULL, "party_masses_day", "deliberation", "longmenzhen", "bench_lecture", "other"
};
static const char *const s_meetings_zh[SH_NAMES_MEETING_MAX + 1] = {
    NULL, "党群服务日", "协商议事", "龙门阵", "板凳讲堂", "其他"
};

//  table[value] for a value in 1..max, else fallback.
static const char *
s_name (const char *const *table, int max, int value, const char *fallback)
{
    return value >= 1 && value <= max ? table[value] : fallback;
}

const char *
sh_names_category (int value)
{
    return s_name (s_categories, SH_NAMES_CATEGORY_MAX, value, "?");
}

const char *
sh_names_category_zh (int value)
{
    return s_name (s_categories_zh, SH_NAMES_CATEGORY_MAX, value, "");
}

const char *
sh_names_category_abbr (int value)
{
    return s_name (s_categories_abbr, SH_NAMES_CATEGORY_MAX, value, "");
}

const char *
sh_names_tier (int value)
{
    return s_name (s_tiers, SH_NAMES_TIER_MAX, value, "?");
}

const char *
sh_names_tier_zh (int value)
{
    return s_name (s_tiers_zh, SH_NAMES_TIER_MAX, value, "");
}

const char *
sh_names_step (int value)
{
    return s_name (s_steps, SH_NAMES_STEP_MAX, value, "?");
}

const char *
sh_names_step_zh (int value)
{
    return s_name (s_steps_zh, SH_NAMES_STEP_MAX, value, "");
}

const char *
sh_names_mediation_level (int value)
{
    return s_name (s_levels, SH_NAMES_LEVEL_MAX, value, "unspecified");
}

const char *
sh_names_mediation_level_zh (int value)
{
    return s_name (s_levels_zh, SH_NAMES_LEVEL_MAX, value, "");
}

const char *
sh_names_mediation_outcome (int value)
{
    return s_name (s_outcomes, SH_NAMES_OUTCOME_MAX, value, "unspecified");
}

const char *
sh_names_unit (int value)
{
    return s_name (s_units, SH_NAMES_UNIT_MAX, value, "?");
}

const char *
sh_names_unit_zh (int value)
{
    return s_name (s_units_zh, SH_NAMES_UNIT_MAX, value, "");
}

const char *
sh_names_meeting_kind (int value)
{
    return s_name (s_meetings, SH_NAMES_MEETING_MAX, value, "other");
}

const char *
sh_names_meeting_kind_zh (int value)
{
    return s_name (s_meetings_zh, SH_NAMES_MEETING_MAX, value, "其他");
}
