/*  sh_names -- the names of the domain's enum values, defined once. */
#include "sh_names.h"

#include <stdio.h>
#include <string.h>

#include "sh_i18n.h"
#include "sh_record.h"
#include "sh_text.h"

//  Each table is indexed by the enum value; index 0 (UNSPECIFIED) is unused.
static const char *const s_categories[SH_NAMES_CATEGORY_MAX + 1] = {
    NULL, "policy", "deliberation", "mediation", "environment", "customs", "economy"
};
static const char *const s_categories_abbr[SH_NAMES_CATEGORY_MAX + 1] = {
    NULL, "pol", "delib", "med", "env", "cust", "econ"
};
static const char *const s_tiers[SH_NAMES_TIER_MAX + 1] = { NULL, "micro", "small", "big" };
static const char *const s_steps[SH_NAMES_STEP_MAX + 1] = {
    NULL, "diagnose", "consult", "prescribe", "handle", "feedback"
};
static const char *const s_levels[SH_NAMES_LEVEL_MAX + 1] = { NULL, "courtyard", "group", "village" };
static const char *const s_outcomes[SH_NAMES_OUTCOME_MAX + 1] = {
    NULL, "resolved", "partial", "unresolved", "referred"
};
static const char *const s_units[SH_NAMES_UNIT_MAX + 1] = { NULL, "points", "minutes" };
static const char *const s_meetings[SH_NAMES_MEETING_MAX + 1] = {
    NULL, "party_masses_day", "deliberation", "longmenzhen", "bench_lecture", "other"
};

//  The Chinese names of the values of the enums a person types or reads:
//  the first is the one shown, the others are accepted too (the seed's
//  short forms). Terms follow the seed article (shared/seed).
#define S_ZH_NAMES 4
typedef struct {
    const char *enum_name;          //  full name of the schema's enum
    int value;
    const char *names[S_ZH_NAMES];  //  shown first, then aliases; NULL-padded
} s_zh_t;

static const s_zh_t s_zh[] = {
    { "shouhe.v1.Category", 1, { "政策宣讲", "宣讲", "政策" } },
    { "shouhe.v1.Category", 2, { "协商议事", "议事", "协商" } },
    { "shouhe.v1.Category", 3, { "矛盾调处", "调处", "矛盾", "调解" } },
    { "shouhe.v1.Category", 4, { "环境整治", "环境", "整治" } },
    { "shouhe.v1.Category", 5, { "文明乡风", "乡风", "文明" } },
    { "shouhe.v1.Category", 6, { "庭院经济", "经济" } },
    { "shouhe.v1.Tier", 1, { "微事 院落自办", "微事", "微事院落自办", "院落自办" } },
    { "shouhe.v1.Tier", 2, { "小事 村社协调", "小事", "小事村社协调", "村社协调" } },
    { "shouhe.v1.Tier", 3, { "大事 镇街督办", "大事", "大事镇街督办", "镇街督办" } },
    { "shouhe.v1.Step", 1, { "把脉" } },
    { "shouhe.v1.Step", 2, { "会诊", "协商" } },
    { "shouhe.v1.Step", 3, { "开方" } },
    { "shouhe.v1.Step", 4, { "办理" } },
    { "shouhe.v1.Step", 5, { "反馈" } },
    { "shouhe.v1.Role", 1, { "院落长" } },
    { "shouhe.v1.Role", 2, { "湾长" } },
    { "shouhe.v1.Role", 3, { "议事长" } },
    { "shouhe.v1.Role", 4, { "管理小组成员", "管理小组" } },
    { "shouhe.v1.Role", 5, { "党小组长", "党小组组长" } },
    { "shouhe.v1.RoleStatus", 1, { "任职", "在任" } },
    { "shouhe.v1.RoleStatus", 2, { "辞退", "离任" } },
    { "shouhe.v1.Nomination", 1, { "自荐" } },
    { "shouhe.v1.Nomination", 2, { "推荐", "推选" } },
    { "shouhe.v1.Gender", 1, { "女" } },
    { "shouhe.v1.Gender", 2, { "男" } },
    { "shouhe.v1.DeliberationPoint", 1, { "固定", "固定议事点" } },
    { "shouhe.v1.DeliberationPoint", 2, { "流动", "流动议事点" } },
    { "shouhe.v1.DeliberationPoint", 3, { "无" } },
    { "shouhe.v1.RegionLevel", 1, { "区", "区县" } },
    { "shouhe.v1.RegionLevel", 2, { "镇街", "镇", "街道" } },
    { "shouhe.v1.RegionLevel", 3, { "村", "社区", "行政村" } },
    { "shouhe.v1.MeetingKind", 1, { "党群服务日", "党群日" } },
    { "shouhe.v1.MeetingKind", 2, { "协商议事", "议事", "党群连心议事站" } },
    { "shouhe.v1.MeetingKind", 3, { "龙门阵", "橘乡龙门阵" } },
    { "shouhe.v1.MeetingKind", 4, { "板凳讲堂", "讲堂" } },
    { "shouhe.v1.MeetingKind", 5, { "其他" } },
    { "shouhe.v1.MediationLevel", 1, { "院落" } },
    { "shouhe.v1.MediationLevel", 2, { "村民小组", "小组" } },
    { "shouhe.v1.MediationLevel", 3, { "村" } },
    { "shouhe.v1.MediationKind", 1, { "邻里纠纷", "邻里" } },
    { "shouhe.v1.MediationKind", 2, { "家庭纠纷", "家庭", "婚姻家庭" } },
    { "shouhe.v1.MediationKind", 3, { "土地纠纷", "土地" } },
    { "shouhe.v1.MediationKind", 4, { "财产纠纷", "财产" } },
    { "shouhe.v1.MediationKind", 5, { "其他" } },
    { "shouhe.v1.MediationOutcome", 1, { "已化解", "化解", "调解成功" } },
    { "shouhe.v1.MediationOutcome", 2, { "部分化解", "部分" } },
    { "shouhe.v1.MediationOutcome", 3, { "未化解", "调解不成" } },
    { "shouhe.v1.MediationOutcome", 4, { "已上交", "上交", "移交" } },
    { "shouhe.v1.LedgerKind", 1, { "获得", "积分获得", "存入" } },
    { "shouhe.v1.LedgerKind", 2, { "兑换", "积分兑换", "支取" } },
    { "shouhe.v1.LedgerUnit", 1, { "积分" } },
    { "shouhe.v1.LedgerUnit", 2, { "时间银行", "分钟" } },
};
#define S_NZH (sizeof s_zh / sizeof s_zh[0])

const char *
sh_names_zh (const char *enum_name, int value)
{
    for (size_t i = 0; i < S_NZH; i++)
        if (s_zh[i].value == value && !strcmp (s_zh[i].enum_name, enum_name))
            return s_zh[i].names[0];
    return "";
}

bool
sh_names_parse (const char *enum_name, const char *text, int *value)
{
    if (!text || !*text)
        return false;
    if (sh_record_enum_parse (enum_name, text, value) == SH_OK)
        return true;
    for (size_t i = 0; i < S_NZH; i++) {
        if (strcmp (s_zh[i].enum_name, enum_name) != 0)
            continue;
        for (size_t k = 0; k < S_ZH_NAMES && s_zh[i].names[k]; k++) {
            if (!strcmp (s_zh[i].names[k], text)) {
                *value = s_zh[i].value;
                return true;
            }
        }
    }
    return false;
}

const char *
sh_names_list (const char *enum_name, char *buf, size_t buf_size)
{
    char english[512];
    sh_record_enum_list (enum_name, english, sizeof english);
    size_t used = 0;
    buf[0] = 0;
    int value = 0;
    for (char *save = NULL, *w = strtok_r (english, " ", &save); w; w = strtok_r (NULL, " ", &save)) {
        const char *zh = sh_record_enum_parse (enum_name, w, &value) == SH_OK ? sh_names_zh (enum_name, value) : "";
        int n = *zh ? snprintf (buf + used, buf_size - used, "%s%s/%s", used ? ", " : "", w, zh)
                    : snprintf (buf + used, buf_size - used, "%s%s", used ? ", " : "", w);
        if (n < 0 || (size_t) n >= buf_size - used) {
            buf[used] = 0;      //  whole names only
            break;
        }
        used += (size_t) n;
    }
    return buf;
}

const char *
sh_names_shown (const char *enum_name, int value, char *buf, size_t buf_size)
{
    const char *zh = sh_i18n_chinese () ? sh_names_zh (enum_name, value) : "";
    if (*zh) {
        snprintf (buf, buf_size, "%s", zh);
        return buf;
    }
    return sh_record_enum_text (enum_name, value, buf, buf_size);
}

const char *
sh_names_shown_text (const char *enum_name, const char *text, char *buf, size_t buf_size)
{
    int v;
    if (!text || !sh_i18n_chinese () || !sh_names_parse (enum_name, text, &v))
        return text ? text : "-";       //  English: as the view (or the user) wrote it
    return sh_names_shown (enum_name, v, buf, buf_size);
}

int
sh_names_widest (const char *enum_name, int max, int min)
{
    int width = min;
    for (int v = 1; v <= max; v++) {
        char buf[64];
        int w = sh_text_columns (sh_names_shown (enum_name, v, buf, sizeof buf));
        width = w > width ? w : width;
    }
    return width;
}

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
    return sh_names_zh ("shouhe.v1.Category", value);
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
    return sh_names_zh ("shouhe.v1.Tier", value);
}

const char *
sh_names_step (int value)
{
    return s_name (s_steps, SH_NAMES_STEP_MAX, value, "?");
}

const char *
sh_names_step_zh (int value)
{
    return sh_names_zh ("shouhe.v1.Step", value);
}

const char *
sh_names_mediation_level (int value)
{
    return s_name (s_levels, SH_NAMES_LEVEL_MAX, value, "unspecified");
}

const char *
sh_names_mediation_level_zh (int value)
{
    return sh_names_zh ("shouhe.v1.MediationLevel", value);
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
    return sh_names_zh ("shouhe.v1.LedgerUnit", value);
}

const char *
sh_names_meeting_kind (int value)
{
    return s_name (s_meetings, SH_NAMES_MEETING_MAX, value, "other");
}

const char *
sh_names_meeting_kind_zh (int value)
{
    return value >= 1 && value <= SH_NAMES_MEETING_MAX ? sh_names_zh ("shouhe.v1.MeetingKind", value) : "其他";
}
