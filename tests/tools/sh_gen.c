/*  sh_gen -- write realistic, rule-abiding domain data into a node replica
    as real signed changes (tests and benchmarks only).

    Usage:
        sh_gen DIR [--changes N] [--seed S] [--batch B] [--matters-only]

    DIR must hold a replica (shouhe-node init). sh_gen writes exactly N
    changes (default 300) through sh_replica_write, B per write transaction
    (default 500), for the node's scope: a village (12 digits) directly; a
    town (9 digits) or the district (6 digits) through villages picked from
    the seed (town + 201, 202, ...; the district's 19 towns are its 7
    sub-districts 001..007 and 12 towns 101..112).

    What is written follows DESIGN.md section 1 and common/domain/sh_ops.c field by
    field (same entity ids, regions and bodies):
    - courtyards (village + 3 digits, codes not yet used in the replica; one
      per ~60 changes, up to 15-25 per village counting those already held):
      households 44 % under 15, 35 % 15-25, the rest 26-60; ~2 % are model
      "寿和小院" courtyards with a fixed deliberation point;
    - persons (a courtyard's clan surname for most) and role assignments
      (院落长, 议事长, a 2-3 person management group, 湾长 in larger
      courtyards, 党小组 leader when there is a party member), with a rare
      dismissal (辞退) and re-appointment of someone else;
    - month by month per courtyard: the fixed monthly party-masses day, other
      deliberation sessions, matters in the six categories with their events,
      mediations (some tied to a mediation matter), points and time-bank
      entries (a redemption never exceeds the balance), and at each quarter's
      end the six-category evaluation ("code/period/category"); courtyards
      the replica already held take part too (without points: their persons
      are not known to sh_gen). Dates run month by month up to June 2025,
      over at most 48 months.
    Matter events are driven through sh_domain's own transition functions, so
    a generated event that broke a rule would stop the tool (exit 1) instead
    of being written: micro matters go diagnose (the opening) -> handle ->
    feedback -> close; ~23 % are escalated to small or big before handle; a
    small one goes consult -> prescribe -> handle -> feedback -> close, a
    big one (some escalated from small at consult) gets a residents' note
    and waits for its town, which leads it (docs/protocol.md 6.4). A town or
    district node (outside --district) escalates every matter it opens to
    big and leads it through the five steps. Some are left open at every
    step, more of them in the last months.

    --matters-only writes matters and their events only, on the courtyards
    the replica already holds in its scope (when it holds none, courtyards
    are written first).

    Output is a function of the seed, the scope and what the node holds: two
    fresh nodes of one scope given the same seed receive the same records
    (same ids, titles, dates, steps) under their own keys; running sh_gen
    again on the same node picks new ids, so it never breaks a rule. Ids
    come from our PRNG (splitmix64), never from sh_crypto_random.

    Prints "sh_gen: wrote N changes to DIR (scope S) in T ms" on success.
    Exit status: 0 done, 1 failed (message on stderr), 2 usage.
*/
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sh_changelog.h"
#include "sh_crypto.h"
#include "sh_domain.h"
#include "sh_merge.h"
#include "sh_names.h"
#include "sh_record.h"
#include "sh_replica.h"

/* --------------------------------------------------------------------------
 * Constants
 * -------------------------------------------------------------------------- */

#define S_ID_BYTES 16                 //  person, matter, meeting, mediation ids
#define S_DEFAULT_CHANGES 300
#define S_DEFAULT_BATCH 500
#define S_MAX_CHANGES 100000000ULL
#define S_MAX_BATCH 1000000ULL
#define S_CHANGES_PER_COURTYARD 60    //  one new courtyard per this many changes
#define S_MAX_MONTHS 48               //  longest planned span of activity
#define S_END_YEAR 2025               //  planned activity ends in June of this year
#define S_END_MONTH 6
#define S_MAX_PERSONS_PER_COURTYARD 10
#define S_N_ROLES 6                   //  role numbers 1..5 (index 0 unused)

#define S_COUNT(a) (sizeof (a) / sizeof (a)[0])

/* --------------------------------------------------------------------------
 * Text tables (UTF-8)
 * -------------------------------------------------------------------------- */

static const char *const s_surnames[] = {
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
    "郭", "何", "罗", "谢", "唐", "冉", "谭", "邓", "彭", "曾", "蒋", "秦", "向", "余", "熊"
};
static const char *const s_given_female[] = {
    "秀英", "玉兰", "桂芳", "淑珍", "春梅", "红梅", "金花", "秋菊", "文静", "雨涵", "小芳",
    "德芬", "素华", "丽", "燕", "萍", "英"
};
static const char *const s_given_male[] = {
    "建国", "德明", "国庆", "志强", "大勇", "永福", "光荣", "家富", "世平", "开学", "成才",
    "思远", "子豪", "长寿", "和平", "军", "华", "明", "斌", "强"
};
static const char *const s_places[] = {
    "桂花", "竹林", "柑橘", "龙门", "石板", "大田", "堰塘", "松树", "黄桷", "枇杷", "梨树",
    "青杠", "水井", "大湾", "石龙", "凤凰", "回龙", "双河", "柚子", "荷花"
};
static const char *const s_place_suffix[] = { "院子", "湾", "院落", "大院", "坝", "坪" };

//  Matter titles by category (index = Category value - 1).
static const char *const s_titles[6][8] = {
    { "宣讲医保缴费新政策", "解读高龄津贴申领办法", "宣传森林防火规定", "讲解耕地保护政策",
      "宣传防范电信诈骗", "宣讲乡村振兴补助政策", "普及养老保险知识", "宣传防汛避险常识" },
    { "商议院坝硬化方案", "协商修建公共晒坝", "议定院落公约修订", "讨论安装太阳能路灯",
      "商量修缮入户便道", "议定共用水池维护", "协商停车位划分", "讨论建设院落文化墙" },
    { "调解宅基地边界纠纷", "化解邻里排水矛盾", "调处赡养老人纠纷", "调解土地流转租金争议",
      "化解林地权属纠纷", "调解噪音扰邻问题", "调处家庭财产分割", "调解灌溉用水矛盾" },
    { "清理院坝杂物", "整治房前屋后柴草", "清淤院落排水沟", "治理生活污水直排",
      "规范垃圾分类投放", "整治乱搭乱建", "清理河沟漂浮物", "改造旱厕" },
    { "评选文明家庭", "倡导红白喜事简办", "开展孝老爱亲活动", "组织移风易俗宣传",
      "评议好婆媳", "劝导高价彩礼", "开展邻里互助结对", "表彰身边好人" },
    { "发展庭院柑橘种植", "组织晚熟柑橘销售", "筹办农家乐", "推广庭院养蜂",
      "开设电商直播卖土货", "议定合作社分红", "发展庭院蔬菜种植", "组织竹编手艺培训" },
};
static const char *const s_descriptions[] = {
    "群众在院坝会上提出", "网格员走访时发现", "院落长收集的群众意见", "村民通过微信群反映",
    "党员联系户时了解到", NULL, NULL, NULL
};
static const char *const s_notes_handle[] = {
    "院落自行组织办理", "落实责任人办理", "由院落长牵头办理", "协调相关部门办理", "党员带头出工办理"
};
static const char *const s_notes_consult[] = {
    "村社两委会同相关方会诊", "镇街部门联合会诊", "邀请律师和乡贤共同会诊", "驻村工作队参与会诊"
};
static const char *const s_notes_prescribe[] = {
    "形成处理方案并公示", "制定解决方案", "议定分工和完成时限", "报村民代表会议通过方案"
};
static const char *const s_notes_feedback[] = {
    "在院坝会上向群众反馈", "通过院落微信群反馈", "上门反馈办理结果", "在公示栏公示办理结果"
};
//  what residents say of a big matter while its town leads it (a note)
static const char *const s_notes_resident[] = {
    "群众盼镇街早日督办", "院落群众反映进展慢", "村民代表询问办理进度", "群众对镇街协调表示认可"
};
static const char *const s_notes_close[] = { "群众满意，结案", "办结归档", "回访无异议，结案" };

static const char *const s_topics_party[] = {
    "学习党的政策", "通报院落事务", "收集群众意见", "安排月度志愿服务", "讨论积分兑换", "公示院落积分"
};
static const char *const s_topics_other[] = {
    "院坝硬化筹资", "柑橘销售渠道", "防汛安全", "独居老人照护", "垃圾分类", "移风易俗", "医保政策问答"
};
static const char *const s_decisions[] = {
    "同意实施", "下月再议", "成立工作小组", "每户出工一天", "积分奖励参与户", "报村委会审定"
};
static const char *const s_locations[] = {
    "院坝", "党群连心议事站", "院落长家中", "村便民服务中心", "黄桷树下"
};
static const char *const s_mediation_summaries[] = {
    "双方达成和解协议", "经调解双方各让一步", "提交村调委会继续调解", "双方签订书面协议",
    "由乡贤出面说和"
};
static const char *const s_earn_points[] = {
    "参与院坝清扫", "志愿服务", "参加院坝会", "调解邻里纠纷", "垃圾分类示范户", "照顾独居老人"
};
static const char *const s_redeem_points[] = {
    "积分超市兑换洗衣粉", "积分超市兑换食用油", "积分超市兑换大米", "兑换理发服务"
};
static const char *const s_earn_minutes[] = { "陪伴独居老人", "代购代办", "义务巡河", "助老送餐" };
static const char *const s_redeem_minutes[] = { "兑换上门助浴服务", "兑换助老陪诊服务" };
static const char *const s_dismiss_reasons[] = { "外出务工", "年龄原因", "本人申请辞去", "履职不力被辞退" };

//  Enum values by their short names (sh_record_from_json refuses a name the
//  schema lacks): meeting kinds other than the party-masses day, in schema
//  order, and mediation kinds (value 1 first).
#define S_PARTY_MASSES_DAY "party_masses_day"
static const char *const s_other_meetings[] = { "deliberation", "longmenzhen", "bench_lecture", "other" };
static const char *const s_mediation_kinds[] = { "neighbour", "family", "land", "property", "other" };

/* --------------------------------------------------------------------------
 * Types
 * -------------------------------------------------------------------------- */

typedef struct {
    uint64_t s;                       //  splitmix64 state
} s_rng_t;

typedef struct {
    char code[SH_REGION_MAX + 1];     //  15 digits
    uint32_t households;              //  for attendance figures
    bool model;                       //  a 寿和小院
    int party_day;                    //  day of the month of its party-masses day
    int score;                        //  its maturity baseline 2..8
    size_t first_person;              //  its persons: persons[first_person ..]
    size_t n_persons;                 //  how many (0 for courtyards found in the replica)
    int holder[S_N_ROLES][3];         //  appointed holders per role (person index in courtyard, -1 none)
    int holder_day[S_N_ROLES][3];     //  the day each was appointed
    uint8_t last_mediation_matter[S_ID_BYTES];  //  a mediation matter to tie mediations to
    bool has_mediation_matter;        //  whether last_mediation_matter is set
    int mediation_matter_day;         //  the day it was opened (a mediation tied to it is not earlier)
} s_courtyard_t;

typedef struct {
    uint8_t id[S_ID_BYTES];           //  entity id
    size_t courtyard;                 //  index into courtyards
    bool party;                       //  party member
    int64_t balance[3];               //  by unit (1 points, 2 minutes)
} s_person_t;

typedef struct {
    sh_replica_t *r;                  //  the replica written to
    const char *scope;                //  its scope (borrowed from r)
    sh_store_txn_t *txn;              //  the open write transaction, or NULL
    s_rng_t rng;                      //  all randomness
    uint64_t target;                  //  changes to write
    uint64_t written;                 //  changes written
    uint64_t batch;                   //  changes per transaction
    uint64_t in_txn;                  //  changes in the open transaction
    char (*villages)[13];             //  the villages written to
    size_t n_villages;
    s_courtyard_t *cy;                //  courtyards
    size_t n_cy, cap_cy;
    s_person_t *ps;                   //  persons
    size_t n_ps, cap_ps;
    int start_day;                    //  day number of the first month's 1st
    int force_model;                  //  -1: model courtyards by chance; 0/1: the next one's flag
    bool district;                    //  district plan mode (matter routes, no chance model)
    int end_day;                      //  district mode: no event after this day
    char err[300];                    //  what went wrong
} s_gen_t;

/* --------------------------------------------------------------------------
 * PRNG (splitmix64) and helpers
 * -------------------------------------------------------------------------- */

static uint64_t
s_next (s_rng_t *g)
{
    uint64_t z = (g->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

//  Uniform in 0..n-1 (n > 0).
static uint32_t
s_below (s_rng_t *g, uint32_t n)
{
    return (uint32_t) (((s_next (g) >> 32) * (uint64_t) n) >> 32);
}

//  Uniform in lo..hi inclusive.
static int
s_range (s_rng_t *g, int lo, int hi)
{
    return lo + (int) s_below (g, (uint32_t) (hi - lo + 1));
}

//  True with probability per_mille / 1000.
static bool
s_chance (s_rng_t *g, uint32_t per_mille)
{
    return s_below (g, 1000) < per_mille;
}

//  A count with the given mean: floor(mean), plus one with the fraction's probability.
static int
s_count (s_rng_t *g, double mean)
{
    int n = (int) mean;
    if (s_below (g, 1000000) < (uint32_t) ((mean - n) * 1000000))
        n++;
    return n;
}

static void
s_fill (s_rng_t *g, uint8_t *out, size_t len)
{
    for (size_t i = 0; i < len; i += 8) {
        uint64_t v = s_next (g);
        for (size_t k = 0; k < 8 && i + k < len; k++)
            out[i + k] = (uint8_t) (v >> (8 * k));
    }
}

#define S_PICK(g, list) ((list)[s_below ((g), (uint32_t) S_COUNT (list))])

//  FNV-1a of a string, to mix the scope into the seed.
static uint64_t
s_fnv (const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++)
        h = (h ^ (uint8_t) *s) * 0x100000001b3ULL;
    return h;
}

/* --------------------------------------------------------------------------
 * Dates: day numbers since 1970-01-01 (proleptic Gregorian)
 * -------------------------------------------------------------------------- */

static int
s_days_from_civil (int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void
s_civil (int z, int *y, int *m, int *d)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static void
s_date (char out[11], int day)
{
    int y, m, d;
    s_civil (day, &y, &m, &d);
    char buf[48];
    snprintf (buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    memcpy (out, buf, 10);
    out[10] = 0;
}

//  Day number of the 1st of month index mi (0 = the first month of the run).
static int
s_month_day (const s_gen_t *g, int mi, int *year, int *month)
{
    int y, m, d;
    s_civil (g->start_day, &y, &m, &d);
    int t = y * 12 + (m - 1) + mi;
    *year = t / 12;
    *month = t % 12 + 1;
    return s_days_from_civil (*year, *month, 1);
}

/* --------------------------------------------------------------------------
 * Writing changes
 * -------------------------------------------------------------------------- */

static int
s_fail (s_gen_t *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
s_fail (s_gen_t *g, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (g->err, sizeof g->err, fmt, ap);
    va_end (ap);
    return -1;
}

static bool
s_full (const s_gen_t *g)
{
    return g->written >= g->target;
}

//  Commit the open transaction, if any.
static int
s_flush (s_gen_t *g)
{
    if (!g->txn)
        return 0;
    sh_err rc = sh_store_commit (&g->txn);
    g->in_txn = 0;
    if (rc)
        return s_fail (g, "cannot commit a batch: %s", sh_strerror (rc));
    return 0;
}

//  Write one change whose body is the record rec (its JSON, as
//  sh_record_from_json reads it), which this call consumes. Once the target
//  is reached every further call writes nothing and succeeds, so a run can
//  stop anywhere without breaking a rule. Returns 0 or -1 (g->err set).
static int
s_emit (s_gen_t *g, const char *region, sh_kind_t kind, const uint8_t *id, size_t id_len,
        sh_op_t op, json_t *rec)
{
    if (s_full (g)) {
        json_decref (rec);
        return 0;
    }
    if (!rec)
        return s_fail (g, "cannot build a %s record: out of memory, or text that is not UTF-8",
                       sh_record_type_name (kind));
    uint8_t *body;
    size_t len;
    const char *why;
    sh_err rc = sh_record_from_json (&body, &len, kind, rec, &why);
    json_decref (rec);
    if (rc)
        return s_fail (g, "cannot encode a %s record: %s", sh_record_type_name (kind), why);
    if (!g->txn)
        rc = sh_replica_begin (g->r, &g->txn);
    if (rc == SH_OK)
        rc = sh_replica_write (g->r, g->txn, region, kind, id, id_len, op, body, len, NULL);
    else
        s_fail (g, "cannot begin a write transaction: %s", sh_strerror (rc));
    free (body);
    if (g->err[0])
        return -1;
    if (rc)
        return s_fail (g, "cannot write change %" PRIu64 " (region %s, kind %d): %s",
                       g->written + 1, region, (int) kind, sh_strerror (rc));
    g->written++;
    if (++g->in_txn >= g->batch || s_full (g))
        return s_flush (g);
    return 0;
}

#define S_TRY(expr) do { if ((expr) != 0) return -1; } while (0)

/* --------------------------------------------------------------------------
 * Scope: villages and the courtyards already held
 * -------------------------------------------------------------------------- */

static int
s_add_village (s_gen_t *g, const char *code)
{
    char (*v)[13] = realloc (g->villages, (g->n_villages + 1) * sizeof *v);
    if (!v)
        return s_fail (g, "out of memory");
    g->villages = v;
    snprintf (g->villages[g->n_villages++], 13, "%s", code);
    return 0;
}

//  Villages of a town: town + 201 .. 200+k, k picked from the seed.
static int
s_town_villages (s_gen_t *g, const char *town)
{
    int k = s_range (&g->rng, 6, 15);
    for (int i = 1; i <= k; i++) {
        char code[32];
        snprintf (code, sizeof code, "%.9s%03d", town, 200 + i);
        S_TRY (s_add_village (g, code));
    }
    return 0;
}

static int
s_pick_villages (s_gen_t *g)
{
    size_t n = strlen (g->scope);
    if (n == 12)
        return s_add_village (g, g->scope);
    if (n == 9)
        return s_town_villages (g, g->scope);
    //  the district: 7 sub-districts (街道) and 12 towns (镇)
    for (int t = 0; t < 19; t++) {
        char town[32];
        snprintf (town, sizeof town, "%.6s%03d", g->scope, t < 7 ? t + 1 : 101 + (t - 7));
        S_TRY (s_town_villages (g, town));
    }
    return 0;
}

//  Names of places (issue 13: reports name towns and villages): the
//  district's 7 sub-districts (001..007) and 12 towns (101..112) by their
//  number; villages (a place name and 村) by the district plan, or by their
//  code in a plain run.
#define S_PLAN_TOWNS 19
static const char *const s_town_names[S_PLAN_TOWNS] = {
    "凤城街道", "晏家街道", "江南街道", "渡舟街道", "新市街道", "八颗街道", "菩提街道",
    "但渡镇", "云集镇", "长寿湖镇", "双龙镇", "龙河镇", "石堰镇", "云台镇", "万顺镇",
    "海棠镇", "葛兰镇", "洪湖镇", "邻封镇"
};
static const char *const s_village_names[] = {
    "白合", "桂花", "竹林", "柑橘", "龙门", "石板", "大田", "堰塘", "松树", "黄桷", "枇杷",
    "梨树", "青杠", "水井", "大湾", "石龙", "凤凰", "回龙", "双河", "柚子", "荷花", "新桥",
    "高峰", "金鸡", "沙田", "团山", "太平", "长岭", "和平", "狮子"
};

//  The name of town number no (the last 3 digits of its code).
static const char *
s_town_name (int no)
{
    return no >= 1 && no <= 7 ? s_town_names[no - 1] : no >= 101 && no <= 112 ? s_town_names[7 + no - 101] : "镇";
}

//  One Region record: code (6, 9 or 12 digits) named name.
static int
s_region_write (s_gen_t *g, const char *code, const char *name)
{
    static const char *const levels[] = { "district", "town", "village" };
    size_t n = strlen (code);
    char parent[16];
    snprintf (parent, sizeof parent, "%.*s", (int) n - 3, code);
    json_t *m = json_pack ("{s:s, s:s, s:s}", "code", code, "name", name, "level", levels[n / 3 - 2]);
    if (m && n > 6)
        json_object_set_new (m, "parent", json_string (parent));
    return s_emit (g, code, SH_KIND_REGION, (const uint8_t *) code, n, SH_OP_PUT, m);
}

//  Name the scope's district (when it is one), towns and villages.
static int
s_regions_write (s_gen_t *g)
{
    if (strlen (g->scope) == 6)
        S_TRY (s_region_write (g, g->scope, "长寿区"));
    const char *town = "";
    for (size_t v = 0; v < g->n_villages; v++) {
        const char *code = g->villages[v];
        char t[10];
        snprintf (t, sizeof t, "%.9s", code);
        int tno = atoi (t + 6);
        if (strlen (g->scope) <= 9 && strncmp (code, town, 9) != 0) {
            S_TRY (s_region_write (g, t, s_town_name (tno)));
            town = code;
        }
        //  distinct within a town (at most 15 villages, numbered 201..)
        char name[64];
        snprintf (name, sizeof name, "%s村",
                  s_village_names[(size_t) (atoi (code + 9) + tno) % S_COUNT (s_village_names)]);
        S_TRY (s_region_write (g, code, name));
    }
    return 0;
}

static s_courtyard_t *
s_courtyard_new (s_gen_t *g, const char *code)
{
    if (g->n_cy == g->cap_cy) {
        size_t cap = g->cap_cy ? g->cap_cy * 2 : 64;
        s_courtyard_t *cy = realloc (g->cy, cap * sizeof *cy);
        if (!cy)
            return NULL;
        g->cy = cy;
        g->cap_cy = cap;
    }
    s_courtyard_t *c = &g->cy[g->n_cy++];
    memset (c, 0, sizeof *c);
    snprintf (c->code, sizeof c->code, "%s", code);
    memset (c->holder, -1, sizeof c->holder);
    return c;
}

static int
s_collect_courtyard (const char *region, const uint8_t *id, size_t id_len,
                     const uint8_t *body, size_t body_len, void *arg)
{
    (void) id;
    (void) id_len;
    s_gen_t *g = arg;
    if (strlen (region) != 15)
        return 0;
    s_courtyard_t *c = s_courtyard_new (g, region);
    if (!c) {
        s_fail (g, "out of memory");
        return 1;
    }
    json_t *m = sh_record_to_json (SH_KIND_COURTYARD, body, body_len);
    json_t *households = json_object_get (m, "households");
    c->households = json_is_integer (households) ? (uint32_t) json_integer_value (households) : 20;
    c->model = json_is_true (json_object_get (m, "model"));
    json_decref (m);
    return 0;
}

//  Load the courtyards the replica holds in scope, and mix the node's own
//  chain length into the seed (so a second run picks new ids).
static int
s_load (s_gen_t *g, uint64_t *own_seq)
{
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (sh_replica_store (g->r), false, &txn);
    if (rc)
        return s_fail (g, "cannot read the store: %s", sh_strerror (rc));
    uint8_t prev[SH_HASH_BYTES];
    rc = sh_changelog_head (txn, sh_replica_author (g->r), own_seq, prev);
    if (rc == SH_OK)
        rc = sh_merge_each (txn, g->scope, SH_KIND_COURTYARD, s_collect_courtyard, g);
    sh_store_abort (&txn);
    if (g->err[0])
        return -1;
    if (rc)
        return s_fail (g, "cannot read the courtyards: %s", sh_strerror (rc));
    return 0;
}

static bool
s_code_used (const s_gen_t *g, const char *code)
{
    for (size_t i = 0; i < g->n_cy; i++)
        if (strcmp (g->cy[i].code, code) == 0)
            return true;
    return false;
}

/* --------------------------------------------------------------------------
 * Courtyards, persons, roles
 * -------------------------------------------------------------------------- */

//  Households with the article's distribution: 44 % under 15, 35 % 15-25, 21 % 26-60.
static uint32_t
s_households (s_rng_t *r)
{
    uint32_t p = s_below (r, 100);
    if (p < 44)
        return (uint32_t) s_range (r, 5, 14);
    if (p < 79)
        return (uint32_t) s_range (r, 15, 25);
    return (uint32_t) s_range (r, 26, 60);
}

static int
s_person_write (s_gen_t *g, size_t ci, const char *clan)
{
    s_courtyard_t *c = &g->cy[ci];
    if (g->n_ps == g->cap_ps) {
        size_t cap = g->cap_ps ? g->cap_ps * 2 : 256;
        s_person_t *ps = realloc (g->ps, cap * sizeof *ps);
        if (!ps)
            return s_fail (g, "out of memory");
        g->ps = ps;
        g->cap_ps = cap;
    }
    s_person_t *p = &g->ps[g->n_ps++];
    memset (p, 0, sizeof *p);
    s_fill (&g->rng, p->id, sizeof p->id);
    p->courtyard = ci;
    c->n_persons++;

    bool female = s_chance (&g->rng, 480);
    char name[64];
    snprintf (name, sizeof name, "%s%s", clan && s_chance (&g->rng, 600) ? clan : S_PICK (&g->rng, s_surnames),
              female ? S_PICK (&g->rng, s_given_female) : S_PICK (&g->rng, s_given_male));
    p->party = s_chance (&g->rng, 160);
    char phone[16];
    snprintf (phone, sizeof phone, "1%d%09u", s_range (&g->rng, 30, 89), s_below (&g->rng, 1000000000));

    int birth_year = s_range (&g->rng, 1940, 2004);
    bool with_phone = s_chance (&g->rng, 700);
    json_t *m = json_pack ("{s:s, s:s, s:s, s:i, s:b, s:s*}", "name", name, "courtyard", c->code,
                           "gender", female ? "female" : "male", "birth_year", birth_year,
                           "party_member", p->party, "phone", with_phone ? phone : NULL);
    return s_emit (g, c->code, SH_KIND_PERSON, p->id, sizeof p->id, SH_OP_PUT, m);
}

//  Appoint person pi (index within the courtyard) to role (as sh_ops_role_assign).
static int
s_appoint (s_gen_t *g, size_t ci, int pi, int role, int day)
{
    s_courtyard_t *c = &g->cy[ci];
    const s_person_t *p = &g->ps[c->first_person + (size_t) pi];
    uint8_t rid[S_ID_BYTES + 1];
    memcpy (rid, p->id, S_ID_BYTES);
    rid[S_ID_BYTES] = (uint8_t) role;
    char date[11], person[2 * S_ID_BYTES + 1];
    s_date (date, day);
    sh_crypto_hex (person, p->id, S_ID_BYTES);
    const char *nomination = s_chance (&g->rng, 400) ? "self" : "recommended";
    json_t *m = json_pack ("{s:s, s:s, s:i, s:s, s:s, s:s}", "person", person, "courtyard", c->code,
                           "role", role, "status", "appointed", "nomination", nomination, "appointed_on", date);
    for (int k = 0; k < 3; k++)
        if (c->holder[role][k] < 0) {
            c->holder[role][k] = pi;
            c->holder_day[role][k] = day;
            break;
        }
    return s_emit (g, c->code, SH_KIND_ROLE, rid, sizeof rid, SH_OP_PUT, m);
}

static bool
s_holds (const s_courtyard_t *c, int pi, int role)
{
    for (int k = 0; k < 3; k++)
        if (c->holder[role][k] == pi)
            return true;
    return false;
}

//  Dismiss one holder of a role (辞退) and appoint someone else (as sh_ops_role_dismiss).
static int
s_role_change (s_gen_t *g, size_t ci, int day)
{
    s_courtyard_t *c = &g->cy[ci];
    if (c->n_persons < 2)
        return 0;
    int role = s_range (&g->rng, 1, S_N_ROLES - 1);
    int slot = s_range (&g->rng, 0, 2);
    int pi = c->holder[role][slot];
    if (pi < 0)
        return 0;
    const s_person_t *p = &g->ps[c->first_person + (size_t) pi];
    uint8_t rid[S_ID_BYTES + 1];
    memcpy (rid, p->id, S_ID_BYTES);
    rid[S_ID_BYTES] = (uint8_t) role;
    //  not before the appointment (docs/protocol.md 6.3)
    if (day < c->holder_day[role][slot])
        day = c->holder_day[role][slot];
    char date[11];
    s_date (date, day);
    json_t *m = json_pack ("{s:s, s:s, s:s}", "status", "dismissed", "dismissed_on", date,
                           "reason", S_PICK (&g->rng, s_dismiss_reasons));
    c->holder[role][slot] = -1;
    S_TRY (s_emit (g, c->code, SH_KIND_ROLE, rid, sizeof rid, SH_OP_PUT, m));
    //  the successor: anyone else in the courtyard not holding the role
    int start = (int) s_below (&g->rng, (uint32_t) c->n_persons);
    for (int k = 0; k < (int) c->n_persons; k++) {
        int q = (start + k) % (int) c->n_persons;
        if (q != pi && !s_holds (c, q, role))
            return s_appoint (g, ci, q, role, day + s_range (&g->rng, 1, 10));
    }
    return 0;
}

//  A new courtyard in village vi, with its persons and role holders when
//  with_people.
static int
s_courtyard_write (s_gen_t *g, size_t vi, int *next_no, bool with_people)
{
    const char *village = g->villages[vi];
    char code[SH_REGION_MAX + 1];
    do {
        if (*next_no > 999)
            return s_fail (g, "village %s has no free courtyard code left", village);
        snprintf (code, sizeof code, "%s%03d", village, (*next_no)++);
    } while (s_code_used (g, code));
    s_courtyard_t *c = s_courtyard_new (g, code);
    if (!c)
        return s_fail (g, "out of memory");
    size_t ci = (size_t) (c - g->cy);
    s_rng_t *r = &g->rng;
    c->households = s_households (r);
    c->model = g->force_model >= 0 ? g->force_model == 1 : s_chance (r, 20);
    c->party_day = 5 * s_range (r, 1, 5);
    c->score = c->model ? s_range (r, 6, 8) : s_range (r, 2, 6);
    c->first_person = g->n_ps;

    const char *clan = S_PICK (r, s_surnames);
    char name[96];
    if (s_chance (r, 400))
        snprintf (name, sizeof name, "%s家%s", clan, s_chance (r, 500) ? "院子" : "湾");
    else
        snprintf (name, sizeof name, "%s%s", S_PICK (r, s_places), S_PICK (r, s_place_suffix));
    if (c->model)
        snprintf (name + strlen (name), sizeof name - strlen (name), "·寿和小院");
    uint32_t residents = c->households * (uint32_t) s_range (r, 20, 32) / 10;
    uint32_t elderly = residents * (uint32_t) s_range (r, 18, 35) / 100;
    char grid[32], group[32];
    int no = *next_no - 1;
    snprintf (grid, sizeof grid, "第%d网格", (no - 1) / 6 + 1);
    snprintf (group, sizeof group, "第%d村民小组", (no - 1) / 3 + 1);
    char vcode[13];
    memcpy (vcode, code, 12);
    vcode[12] = 0;

    //  52 fixed and 264 mobile points among ~4,200 courtyards; model ones are fixed
    const char *point = c->model ? "fixed" : s_chance (r, 12) ? "fixed" : s_chance (r, 64) ? "mobile" : NULL;
    json_t *m = json_pack ("{s:s, s:s, s:s, s:I, s:I, s:I, s:b, s:s*, s:s, s:s}", "code", code, "name", name,
                           "village", vcode, "households", (json_int_t) c->households,
                           "residents", (json_int_t) residents, "elderly", (json_int_t) elderly,
                           "model", c->model, "point", point, "grid", grid, "villager_group", group);
    S_TRY (s_emit (g, code, SH_KIND_COURTYARD, (const uint8_t *) code, 15, SH_OP_PUT, m));
    if (!with_people)
        return 0;

    //  persons: the role holders and a few residents
    int n = 4 + (int) (c->households / 12) + s_range (r, 0, 2);
    if (n > S_MAX_PERSONS_PER_COURTYARD)
        n = S_MAX_PERSONS_PER_COURTYARD;
    for (int i = 0; i < n; i++)
        S_TRY (s_person_write (g, ci, clan));

    //  roles, appointed at the start of the run
    int day = g->start_day + s_range (r, 0, 20);
    S_TRY (s_appoint (g, ci, 0, SH_ROLE_COURTYARD_HEAD, day));
    S_TRY (s_appoint (g, ci, 1, SH_ROLE_DELIBERATION_HEAD, day));
    int group_size = s_range (r, 2, 3);
    if (group_size > n - 2)
        group_size = n - 2;   //  persons 0 and 1 head the courtyard and its deliberation
    for (int i = 0; i < group_size; i++)
        S_TRY (s_appoint (g, ci, 2 + i, SH_ROLE_MANAGEMENT_GROUP, day));
    if (c->households >= 15 && n > 2 + group_size)
        S_TRY (s_appoint (g, ci, 2 + group_size, SH_ROLE_BAY_HEAD, day));
    for (int i = 0; i < n; i++)
        if (g->ps[c->first_person + (size_t) i].party) {
            S_TRY (s_appoint (g, ci, i, SH_ROLE_PARTY_GROUP_LEADER, day));
            break;
        }
    return 0;
}

/* --------------------------------------------------------------------------
 * Matters
 * -------------------------------------------------------------------------- */

static int
s_category (s_rng_t *r)
{
    //  environment 25, deliberation 20, mediation 15, economy 15, customs 13, policy 12
    static const int cum[6] = { 12, 32, 47, 72, 85, 100 };   //  by category 1..6
    int p = (int) s_below (r, 100);
    for (int i = 0; i < 6; i++)
        if (p < cum[i])
            return i + 1;
    return 4;
}

static int
s_satisfaction (s_rng_t *r)
{
    int p = (int) s_below (r, 100);
    return p < 55 ? 5 : p < 85 ? 4 : p < 95 ? 3 : p < 99 ? 2 : 1;
}

typedef struct {
    s_gen_t *g;
    const char *region;
    const uint8_t *id;
    sh_domain_matter_t state;         //  the matter as the rules see it
    int day;                          //  date of the latest event
} s_matter_t;

//  The kinds of matter event (shouhe.v1.MatterEventKind, by name).
#define S_STEP "step"
#define S_ESCALATE "escalate"
#define S_CLOSE "close"
#define S_NOTE "note"

//  One matter event of kind with its value (a step, a tier or a
//  satisfaction), checked against the rules before it is written.
static int
s_event (s_matter_t *mt, const char *kind, int value, const char *note, int min_days, int max_days)
{
    s_gen_t *g = mt->g;
    char why[SH_DOMAIN_WHY_BYTES];
    sh_err rc;
    json_t *e;
    if (!strcmp (kind, S_STEP)) {
        rc = sh_domain_matter_step (&mt->state, value, why);
        e = json_pack ("{s:s, s:s}", "kind", kind, "step", sh_names_step (value));
    }
    else
    if (!strcmp (kind, S_ESCALATE)) {
        rc = sh_domain_matter_escalate (&mt->state, value, why);
        e = json_pack ("{s:s, s:s}", "kind", kind, "tier", sh_names_tier (value));
    }
    else
    if (!strcmp (kind, S_NOTE)) {
        rc = SH_OK;               //  a note changes nothing
        e = json_pack ("{s:s}", "kind", kind);
    }
    else {
        rc = sh_domain_matter_close (&mt->state, value, why);
        e = json_pack ("{s:s, s:i}", "kind", kind, "satisfaction", value);
    }
    if (rc) {
        json_decref (e);
        return s_fail (g, "internal error: a generated matter event breaks a rule: %s", why);
    }
    mt->day += s_range (&g->rng, min_days, max_days);
    char date[11];
    s_date (date, mt->day);
    if (note)
        json_object_set_new (e, "note", json_string (note));
    json_object_set_new (e, "date", json_string (date));
    return s_emit (g, mt->region, SH_KIND_MATTER_EVENT, mt->id, S_ID_BYTES, SH_OP_EVENT, e);
}

//  A matter opened on day in courtyard ci, and as much of its life as it has
//  had by now; open_pm is the chance (per mille) it is still open.
static int
s_matter (s_gen_t *g, size_t ci, int day, uint32_t open_pm)
{
    s_rng_t *r = &g->rng;
    s_courtyard_t *c = &g->cy[ci];
    int cat = s_category (r);
    uint8_t id[S_ID_BYTES];
    s_fill (r, id, sizeof id);
    char date[11];
    s_date (date, day);
    const char *title = S_PICK (r, s_titles[cat - 1]);
    const char *description = S_PICK (r, s_descriptions);
    json_t *m = json_pack ("{s:s, s:s, s:s, s:s*, s:s}", "courtyard", c->code, "category", sh_names_category (cat),
                           "title", title, "description", description, "opened_on", date);
    S_TRY (s_emit (g, c->code, SH_KIND_MATTER, id, sizeof id, SH_OP_PUT, m));
    if (!strcmp (sh_names_category (cat), "mediation")) {
        memcpy (c->last_mediation_matter, id, sizeof id);
        c->has_mediation_matter = true;
        c->mediation_matter_day = day;
    }

    //  the route (三事分流): ~77 % stay micro, ~16 % small, ~7 % big; in the
    //  district plan (the article's year: 2,300+ of 3,000+ matters handled
    //  in the courtyard, 200+ consultations) ~91.6 % micro, ~5.4 % small and
    //  ~3 % big, which the village escalates and its town then leads
    //  (s_town_run)
    //  Who leads a matter (docs/protocol.md 6.4): a village node steps its
    //  micro and small matters and only adds a note to a big one (its town
    //  leads it); a town or district node writing outside --district leads
    //  every matter it opens, so it escalates each to big first.
    bool village = strlen (g->scope) == 12;
    int p = (int) s_below (r, 1000);
    int route = g->district ? (p < 916 ? 0 : p < 970 ? 1 : 4)
              : !village ? 2
              : p < 770 ? 0 : p < 930 ? 1 : p < 965 ? 2 : 3;   //  micro, small, big, small then big, town's
    //  how far it has got: the number of events written (all of them when closed)
    int n_events = route == 0 ? 3 : route == 4 ? 1 : route == 3 ? 4 : route == 2 && village ? 2 : 6;
    int stop = n_events;
    if (s_chance (r, open_pm))
        stop = (int) s_below (r, (uint32_t) n_events);   //  0 .. n_events-1: left open

    s_matter_t mt = { g, c->code, id, { 0 }, day };
    sh_domain_matter_init (&mt.state);
    int done = 0;
#define S_EV(kind, value, note, lo, hi) \
    do { if (done++ >= stop || (g->end_day && mt.day + (hi) > g->end_day)) return 0; \
         S_TRY (s_event (&mt, kind, value, note, lo, hi)); } while (0)
    const char *STEP = S_STEP, *ESC = S_ESCALATE, *CLOSE = S_CLOSE, *NOTE = S_NOTE;
    if (route == 0) {
        S_EV (STEP, SH_STEP_HANDLE, S_PICK (r, s_notes_handle), 0, 3);
        S_EV (STEP, SH_STEP_FEEDBACK, S_PICK (r, s_notes_feedback), 1, 4);
        S_EV (CLOSE, s_satisfaction (r), S_PICK (r, s_notes_close), 0, 2);
        return 0;
    }
    int tier = route == 2 || route == 4 ? SH_TIER_BIG : SH_TIER_SMALL;
    S_EV (ESC, tier, tier == SH_TIER_BIG ? "涉及多方，提请镇街督办" : "院落无法自行解决，提交村社协调", 0, 2);
    if (route == 4)
        return 0;
    if (route == 2 && village) {
        S_EV (NOTE, 0, S_PICK (r, s_notes_resident), 1, 10);
        return 0;
    }
    S_EV (STEP, SH_STEP_CONSULT, S_PICK (r, s_notes_consult), 1, 7);
    if (route == 3) {
        S_EV (ESC, SH_TIER_BIG, "会诊认为需镇街统筹，提级督办", 1, 3);
        S_EV (NOTE, 0, S_PICK (r, s_notes_resident), 1, 10);
        return 0;
    }
    S_EV (STEP, SH_STEP_PRESCRIBE, S_PICK (r, s_notes_prescribe), 1, 7);
    S_EV (STEP, SH_STEP_HANDLE, S_PICK (r, s_notes_handle), 2, 20);
    S_EV (STEP, SH_STEP_FEEDBACK, S_PICK (r, s_notes_feedback), 1, 5);
    S_EV (CLOSE, s_satisfaction (r), S_PICK (r, s_notes_close), 0, 3);
#undef S_EV
    return 0;
}

/* --------------------------------------------------------------------------
 * Meetings, mediations, ledger, evaluations
 * -------------------------------------------------------------------------- */

static int
s_meeting (s_gen_t *g, size_t ci, const char *kind, int day)
{
    s_rng_t *r = &g->rng;
    const s_courtyard_t *c = &g->cy[ci];
    const char *topics[3], *decisions[2];
    size_t n_topics = (size_t) s_range (r, 1, 3), n_decisions = (size_t) s_range (r, 0, 2);
    //  distinct topics and decisions: consecutive entries from a random start
    bool party = !strcmp (kind, S_PARTY_MASSES_DAY);
    size_t nt = party ? S_COUNT (s_topics_party) : S_COUNT (s_topics_other);
    size_t t0 = s_below (r, (uint32_t) nt), d0 = s_below (r, (uint32_t) S_COUNT (s_decisions));
    for (size_t i = 0; i < n_topics; i++)
        topics[i] = party ? s_topics_party[(t0 + i) % nt] : s_topics_other[(t0 + i) % nt];
    for (size_t i = 0; i < n_decisions; i++)
        decisions[i] = s_decisions[(d0 + i) % S_COUNT (s_decisions)];
    char date[11];
    s_date (date, day);
    uint8_t id[S_ID_BYTES];
    s_fill (r, id, sizeof id);
    uint32_t attendance = c->households * (uint32_t) s_range (r, 30, 110) / 100 + 1;
    const char *location = !strcmp (kind, "deliberation") ? "党群连心议事站" : S_PICK (r, s_locations);
    json_t *t = json_array (), *d = json_array ();
    for (size_t i = 0; i < n_topics; i++)
        json_array_append_new (t, json_string (topics[i]));
    for (size_t i = 0; i < n_decisions; i++)
        json_array_append_new (d, json_string (decisions[i]));
    json_t *m = json_pack ("{s:s, s:s, s:s, s:I, s:o, s:o, s:s}", "courtyard", c->code, "kind", kind,
                           "date", date, "attendance", (json_int_t) attendance, "topics", t, "decisions", d,
                           "location", location);
    return s_emit (g, c->code, SH_KIND_MEETING, id, sizeof id, SH_OP_PUT, m);
}

static int
s_mediation (s_gen_t *g, size_t ci, int day)
{
    s_rng_t *r = &g->rng;
    s_courtyard_t *c = &g->cy[ci];
    int p = (int) s_below (r, 100);
    int level = p < 60 ? 1 : p < 85 ? 2 : 3;
    p = (int) s_below (r, 100);
    int kind = p < 35 ? 1 : p < 60 ? 2 : p < 80 ? 3 : p < 90 ? 4 : 5;
    p = (int) s_below (r, 100);
    int outcome = p < 80 ? 1 : p < 90 ? 2 : p < 94 ? 3 : 4;
    char date[11];
    s_date (date, day);
    uint8_t id[S_ID_BYTES];
    s_fill (r, id, sizeof id);
    int parties = s_range (r, 2, 5);
    const char *summary = S_PICK (r, s_mediation_summaries);
    json_t *m = json_pack ("{s:s, s:s, s:s, s:s, s:s, s:i, s:s}", "courtyard", c->code,
                           "level", sh_names_mediation_level (level), "kind", s_mediation_kinds[kind - 1],
                           "outcome", sh_names_mediation_outcome (outcome), "date", date, "parties", parties,
                           "summary", summary);
    if (c->has_mediation_matter && s_chance (r, 600)) {
        //  not before the matter was opened (docs/protocol.md 6.3)
        char matter[2 * S_ID_BYTES + 1];
        sh_crypto_hex (matter, c->last_mediation_matter, S_ID_BYTES);
        if (day >= c->mediation_matter_day)
            json_object_set_new (m, "matter", json_string (matter));
        c->has_mediation_matter = false;
    }
    return s_emit (g, c->code, SH_KIND_MEDIATION, id, sizeof id, SH_OP_PUT, m);
}

//  One ledger entry for a person of courtyard ci: an earning, or a
//  redemption within the balance (as sh_ops_points).
static int
s_ledger (s_gen_t *g, size_t ci, int day)
{
    s_rng_t *r = &g->rng;
    const s_courtyard_t *c = &g->cy[ci];
    if (c->n_persons == 0)
        return 0;
    s_person_t *p = &g->ps[c->first_person + s_below (r, (uint32_t) c->n_persons)];
    int unit = s_chance (r, 700) ? SH_UNIT_POINTS : SH_UNIT_MINUTES;
    bool redeem = p->balance[unit] > 0 && s_chance (r, 300);
    int64_t amount;
    const char *reason;
    if (redeem) {
        int64_t want = unit == SH_UNIT_POINTS ? s_range (r, 5, 60) : 30 * s_range (r, 1, 4);
        amount = want < p->balance[unit] ? want : p->balance[unit];
        reason = unit == SH_UNIT_POINTS ? S_PICK (r, s_redeem_points) : S_PICK (r, s_redeem_minutes);
        p->balance[unit] -= amount;
    }
    else {
        amount = unit == SH_UNIT_POINTS ? 5 * s_range (r, 1, 10) : 30 * s_range (r, 1, 8);
        reason = unit == SH_UNIT_POINTS ? S_PICK (r, s_earn_points) : S_PICK (r, s_earn_minutes);
        p->balance[unit] += amount;
    }
    char date[11];
    s_date (date, day);
    json_t *e = json_pack ("{s:s, s:s, s:I, s:s, s:s, s:s}", "kind", redeem ? "redeem" : "earn",
                           "unit", sh_names_unit (unit), "amount", (json_int_t) amount, "reason", reason,
                           "date", date, "courtyard", c->code);
    return s_emit (g, c->code, SH_KIND_LEDGER, p->id, sizeof p->id, SH_OP_EVENT, e);
}

static int
s_clamp10 (int v)
{
    return v < 1 ? 1 : v > 10 ? 10 : v;
}

//  The six-category evaluation of courtyard ci for a quarter (as sh_ops_evaluate).
static int
s_evaluate (s_gen_t *g, size_t ci, int year, int quarter)
{
    s_rng_t *r = &g->rng;
    s_courtyard_t *c = &g->cy[ci];
    if (c->score == 0)
        c->score = c->model ? 7 : 4;
    //  service matures slowly over the quarters
    if (c->score < 9 && s_chance (r, 250))
        c->score++;
    char period[24];
    snprintf (period, sizeof period, "%04dQ%d", year % 10000, quarter % 10);
    //  categories mature unevenly: outreach and clean-up come first, the
    //  courtyard economy last; each courtyard has its own strengths
    static const int bias[7] = { 0, 1, 0, 0, 1, 0, -2 };
    uint64_t own = s_fnv (c->code);
    for (int cat = 1; cat <= 6; cat++) {
        int base = c->score + bias[cat] + (int) ((own >> (cat * 5)) % 3) - 1;
        int content = s_clamp10 (base + s_range (r, -1, 2));
        int effect = s_clamp10 (base + s_range (r, -2, 1));
        int satisfaction = s_clamp10 (base + s_range (r, -1, 2));
        json_t *m = json_pack ("{s:s, s:s, s:s, s:i, s:i, s:i, s:i}", "courtyard", c->code, "period", period,
                               "category", sh_names_category (cat), "content", content, "effect", effect,
                               "satisfaction", satisfaction,
                               "maturity", sh_domain_maturity (content, effect, satisfaction));
        char id[40];
        int n = snprintf (id, sizeof id, "%s/%s/%d", c->code, period, cat);
        S_TRY (s_emit (g, c->code, SH_KIND_EVALUATION, (const uint8_t *) id, (size_t) n, SH_OP_PUT, m));
    }
    return 0;
}

/* --------------------------------------------------------------------------
 * The run
 * -------------------------------------------------------------------------- */

//  Mean counts per courtyard-month of what a month holds besides the
//  party-masses day.
typedef struct {
    double matters, meetings, mediations, ledger;
    uint32_t open_pm;                 //  per mille of matters still open
} s_rates_t;

//  The rest of a courtyard's month starting on day first (days long):
//  matters, other meetings, mediations, ledger entries, now and then a role
//  change, and the quarter's evaluation in its last month.
static int
s_month_rest (s_gen_t *g, size_t ci, int first, int days, int month, int year, const s_rates_t *k)
{
    s_rng_t *r = &g->rng;
    int n = s_count (r, k->matters);
    for (int i = 0; i < n; i++)
        S_TRY (s_matter (g, ci, first + s_range (r, 0, days - 1), k->open_pm));
    n = s_count (r, k->meetings);
    for (int i = 0; i < n; i++)
        S_TRY (s_meeting (g, ci, S_PICK (r, s_other_meetings), first + s_range (r, 0, days - 1)));
    n = s_count (r, k->mediations);
    for (int i = 0; i < n; i++)
        S_TRY (s_mediation (g, ci, first + s_range (r, 0, days - 1)));
    n = s_count (r, k->ledger);
    for (int i = 0; i < n; i++)
        S_TRY (s_ledger (g, ci, first + s_range (r, 0, days - 1)));
    if (s_chance (r, 10))
        S_TRY (s_role_change (g, ci, first + s_range (r, 0, days - 1)));
    if (month % 3 == 0)
        S_TRY (s_evaluate (g, ci, year, month / 3));
    return 0;
}

//  One month of one courtyard. k scales the frequent activities.
static int
s_courtyard_month (s_gen_t *g, size_t ci, int mi, int months, double k, bool matters_only)
{
    s_rng_t *r = &g->rng;
    int year, month;
    int first = s_month_day (g, mi, &year, &month);
    int ny, nm;
    int days = s_month_day (g, mi + 1, &ny, &nm) - first;
    //  matters opened late in the run are more often still open
    uint32_t open_pm = mi >= months - 2 ? 450 : 70;
    if (matters_only) {
        int n = s_count (r, k);
        for (int i = 0; i < n; i++)
            S_TRY (s_matter (g, ci, first + s_range (r, 0, days - 1), open_pm));
        return 0;
    }
    const s_courtyard_t *c = &g->cy[ci];
    int party_day = c->party_day ? c->party_day : 10;
    S_TRY (s_meeting (g, ci, S_PARTY_MASSES_DAY, first + party_day - 1));
    s_rates_t rates = { 1.0 * k, 0.3 * k, 0.15 * k, 2.5 * k, open_pm };
    return s_month_rest (g, ci, first, days, month, year, &rates);
}

static int
s_run (s_gen_t *g, bool matters_only)
{
    uint64_t own_seq = 0;
    S_TRY (s_load (g, &own_seq));
    g->rng.s ^= s_fnv (g->scope) ^ (own_seq * 0xd1b54a32d192ed03ULL);
    S_TRY (s_pick_villages (g));

    //  plan: new courtyards, then months of activity filling the rest
    size_t existing = g->n_cy;
    uint64_t want_cy = (g->target + S_CHANGES_PER_COURTYARD / 2) / S_CHANGES_PER_COURTYARD;
    if (want_cy < 1)
        want_cy = 1;
    if (matters_only)
        want_cy = existing ? 0 : (want_cy < 3 ? want_cy : 3);
    uint64_t cap = 0;
    int *per_village = calloc (g->n_villages, sizeof *per_village);
    int *next_no = calloc (g->n_villages, sizeof *next_no);
    if (!per_village || !next_no) {
        free (per_village);
        free (next_no);
        return s_fail (g, "out of memory");
    }
    for (size_t v = 0; v < g->n_villages; v++) {
        //  ~4,200 courtyards in 219 villages, counting those already held
        per_village[v] = s_range (&g->rng, 15, 25);
        for (size_t i = 0; i < existing; i++)
            if (per_village[v] > 0 && memcmp (g->cy[i].code, g->villages[v], 12) == 0)
                per_village[v]--;
        next_no[v] = 1;
        cap += (uint64_t) per_village[v];
    }
    if (want_cy > cap)
        want_cy = cap;
    //  the span of activity, to place the start date: about 10 changes per
    //  courtyard-month (4 for matters only), at most S_MAX_MONTHS, ending
    //  in S_END_MONTH of S_END_YEAR
    uint64_t setup = matters_only ? want_cy : 12 * want_cy;
    uint64_t rest = g->target > setup ? g->target - setup : 0;
    uint64_t per_month = (existing + want_cy) * (matters_only ? 4 : 10);
    uint64_t m_est = (rest + per_month - 1) / per_month;
    int months = (int) (m_est < 1 ? 1 : m_est > S_MAX_MONTHS ? S_MAX_MONTHS : m_est);
    int y = S_END_YEAR, m = S_END_MONTH + 1 - months;
    while (m < 1) {
        m += 12;
        y--;
    }
    g->start_day = s_days_from_civil (y, m, 1);
    //  a replica's first run names its places
    if (existing == 0 && !matters_only && s_regions_write (g) != 0) {
        free (per_village);
        free (next_no);
        return -1;
    }
    //  round-robin over the villages, each up to its own size (want_cy <= cap)
    int rc = 0;
    size_t v = 0;
    for (uint64_t i = 0; i < want_cy && !s_full (g) && rc == 0; i++) {
        while (per_village[v] == 0)
            v = (v + 1) % g->n_villages;
        per_village[v]--;
        rc = s_courtyard_write (g, v, &next_no[v], !matters_only);
        v = (v + 1) % g->n_villages;
    }
    free (per_village);
    free (next_no);
    S_TRY (rc);
    if (g->n_cy == 0)
        return s_fail (g, "no courtyard to write to");

    //  activity: ~10 changes per courtyard-month at k = 1 (4.2 for matters only)
    uint64_t left = g->target - g->written;
    double per_cm = (double) left / ((double) g->n_cy * months);
    double k = matters_only ? per_cm / 4.2 : (per_cm - 3.0) / 7.2;
    if (k < 0.1)
        k = 0.1;
    for (int mi = 0; !s_full (g); mi++) {
        if (mi > 100000)
            return s_fail (g, "cannot reach %" PRIu64 " changes", g->target);
        for (size_t ci = 0; ci < g->n_cy && !s_full (g); ci++)
            S_TRY (s_courtyard_month (g, ci, mi, months, k, matters_only));
    }
    return s_flush (g);
}

/* --------------------------------------------------------------------------
 * The district plan (--plan, --district)
 *
 * A function of the seed alone: the 19 towns and sub-districts of 500115
 * (names from the article's district; the codes 001..007 and 101..112 are
 * invented), 219 villages (town + 201, 202, ...), 4,200-4,260 courtyards
 * with 75 model ones among them. A village node given --district writes its
 * own share: its courtyards, people and roles, and a year of activity (July
 * 2024 to June 2025) at rates that give the article's district figures; a
 * town node given --district leads the big matters its villages escalated.
 * -------------------------------------------------------------------------- */

#define S_PLAN_VILLAGES 219
#define S_PLAN_MODEL 75
#define S_PLAN_MIN_COURTYARDS 4200
#define S_PLAN_MAX_COURTYARDS 4260   //  exclusive

typedef struct {
    char code[13];
    char name[32];
    int town;                         //  index into the towns
    int courtyards;                   //  how many it has
    int model;                        //  how many of them are model courtyards
} s_plan_village_t;

typedef struct {
    char codes[S_PLAN_TOWNS][10];
    int first[S_PLAN_TOWNS];          //  its first village
    int n[S_PLAN_TOWNS];              //  its villages
    s_plan_village_t v[S_PLAN_VILLAGES];
    int courtyards;
} s_plan_t;

static void
s_plan (uint64_t seed, s_plan_t *p)
{
    memset (p, 0, sizeof *p);
    s_rng_t r = { seed ^ 0x7368656e67646973ULL };
    //  villages per town: sub-districts (mostly town) 4..9, towns share the rest
    int left = S_PLAN_VILLAGES;
    for (int t = 0; t < 7; t++) {
        p->n[t] = s_range (&r, 4, 9);
        left -= p->n[t];
    }
    for (int t = 7; t < S_PLAN_TOWNS; t++) {
        p->n[t] = left / 12 - 2 + s_range (&r, 0, 4);
    }
    for (;;) {
        int sum = 0;
        for (int t = 7; t < S_PLAN_TOWNS; t++)
            sum += p->n[t];
        if (sum == left)
            break;
        int t = 7 + (int) s_below (&r, 12);
        if (sum < left && p->n[t] < 24)
            p->n[t]++;
        else
        if (sum > left && p->n[t] > 8)
            p->n[t]--;
    }
    int vi = 0;
    for (int t = 0; t < S_PLAN_TOWNS; t++) {
        snprintf (p->codes[t], sizeof p->codes[t], "500115%03d", t < 7 ? t + 1 : 101 + (t - 7));
        p->first[t] = vi;
        //  distinct names within a town: a shuffle of the list
        const char *names[S_COUNT (s_village_names)];
        for (size_t k = 0; k < S_COUNT (names); k++)
            names[k] = s_village_names[k];
        for (size_t k = S_COUNT (names) - 1; k > 0; k--) {
            size_t j = s_below (&r, (uint32_t) k + 1);
            const char *x = names[k];
            names[k] = names[j];
            names[j] = x;
        }
        for (int k = 0; k < p->n[t]; k++, vi++) {
            s_plan_village_t *v = &p->v[vi];
            snprintf (v->code, sizeof v->code, "%s%03d", p->codes[t], 201 + k);
            snprintf (v->name, sizeof v->name, "%s村", names[(size_t) k % S_COUNT (names)]);
            v->town = t;
            v->courtyards = s_range (&r, 12, 27);
            p->courtyards += v->courtyards;
        }
    }
    //  "over 4,200": a total drawn from 4,200..4,259, reached one courtyard at a time
    int total = S_PLAN_MIN_COURTYARDS + (int) s_below (&r, S_PLAN_MAX_COURTYARDS - S_PLAN_MIN_COURTYARDS);
    while (p->courtyards != total) {
        s_plan_village_t *v = &p->v[s_below (&r, S_PLAN_VILLAGES)];
        if (p->courtyards < total && v->courtyards < 40) {
            v->courtyards++;
            p->courtyards++;
        }
        else
        if (p->courtyards > total && v->courtyards > 8) {
            v->courtyards--;
            p->courtyards--;
        }
    }
    //  75 model courtyards: distinct courtyards drawn from the whole district
    for (int m = 0; m < S_PLAN_MODEL; ) {
        int k = (int) s_below (&r, (uint32_t) p->courtyards);
        int i = 0;
        while (k >= p->v[i].courtyards)
            k -= p->v[i++].courtyards;
        //  k indexes the village's courtyards; its first model ones are drawn
        //  as a count, which courtyards they are is the village's own draw
        if (p->v[i].model < p->v[i].courtyards && k < p->v[i].courtyards - p->v[i].model) {
            p->v[i].model++;
            m++;
        }
    }
}

static const s_plan_village_t *
s_plan_find (const s_plan_t *p, const char *code)
{
    for (int i = 0; i < S_PLAN_VILLAGES; i++)
        if (strcmp (p->v[i].code, code) == 0)
            return &p->v[i];
    return NULL;
}

//  --plan: one line per town ("town CODE NAME VILLAGES COURTYARDS MODEL")
//  followed by its villages ("village CODE NAME COURTYARDS MODEL TOWN").
static void
s_plan_print (const s_plan_t *p)
{
    for (int t = 0; t < S_PLAN_TOWNS; t++) {
        int cy = 0, model = 0;
        for (int k = 0; k < p->n[t]; k++) {
            cy += p->v[p->first[t] + k].courtyards;
            model += p->v[p->first[t] + k].model;
        }
        printf ("town\t%s\t%s\t%d\t%d\t%d\n", p->codes[t], s_town_names[t], p->n[t], cy, model);
        for (int k = 0; k < p->n[t]; k++) {
            const s_plan_village_t *v = &p->v[p->first[t] + k];
            printf ("village\t%s\t%s\t%d\t%d\t%s\n", v->code, v->name, v->courtyards, v->model,
                    p->codes[t]);
        }
    }
}

//  One month of one courtyard in the district plan's year.
static int
s_district_month (s_gen_t *g, size_t ci, int mi)
{
    s_rng_t *r = &g->rng;
    int year, month;
    int first = s_month_day (g, mi, &year, &month);
    int ny, nm;
    int days = s_month_day (g, mi + 1, &ny, &nm) - first;
    const s_courtyard_t *c = &g->cy[ci];
    double busy = c->model ? 1.6 : 1.0;
    //  the monthly party-masses day, missed now and then outside model courtyards
    if (c->model || s_chance (r, 985))
        S_TRY (s_meeting (g, ci, S_PARTY_MASSES_DAY, first + c->party_day - 1));
    //  a year: ~3,050 matters (the last two months' more often still open),
    //  600+ activities besides the party-masses days, 140+ mediations
    s_rates_t rates = { 0.0595 * busy, 0.0128 * busy, 0.0031 * busy, 1.0 * busy, mi >= 10 ? 450 : 55 };
    return s_month_rest (g, ci, first, days, month, year, &rates);
}

static int
s_district_village (s_gen_t *g, const s_plan_village_t *v)
{
    S_TRY (s_add_village (g, v->code));
    S_TRY (s_region_write (g, v->code, v->name));
    //  which of its courtyards are model ones: the first v->model of a shuffle
    int order[64];
    for (int i = 0; i < v->courtyards; i++)
        order[i] = i;
    for (int i = v->courtyards - 1; i > 0; i--) {
        int k = (int) s_below (&g->rng, (uint32_t) i + 1), t = order[i];
        order[i] = order[k];
        order[k] = t;
    }
    int next_no = 1;
    for (int i = 0; i < v->courtyards; i++) {
        bool model = false;
        for (int k = 0; k < v->model; k++)
            model |= order[k] == i;
        g->force_model = model;
        S_TRY (s_courtyard_write (g, 0, &next_no, true));
    }
    g->force_model = -1;
    for (int mi = 0; mi < 12; mi++)
        for (size_t ci = 0; ci < g->n_cy; ci++)
            S_TRY (s_district_month (g, ci, mi));
    return s_flush (g);
}

typedef struct {
    char region[SH_REGION_MAX + 1];
    uint8_t id[S_ID_BYTES];
    int opened;                       //  day number of opened_on
    sh_domain_matter_t state;         //  as the replica's events leave it
} s_big_t;

typedef struct {
    s_gen_t *g;
    sh_store_txn_t *txn;
    s_big_t *big;
    size_t n, cap;
} s_town_scan_t;

static int
s_collect_big (const char *region, const uint8_t *id, size_t id_len,
               const uint8_t *body, size_t body_len, void *arg)
{
    s_town_scan_t *t = arg;
    if (id_len != S_ID_BYTES || strlen (region) != 15)
        return 0;
    sh_domain_matter_t st;
    sh_err rc = sh_domain_matter_replay (t->txn, region, id, id_len, &st, NULL, NULL);
    if (rc) {
        s_fail (t->g, "cannot replay a matter of %s: %s", region, sh_strerror (rc));
        return 1;
    }
    //  the town's: escalated to big, not yet consulted
    if (st.tier != SH_TIER_BIG || st.closed || st.step != SH_STEP_DIAGNOSE)
        return 0;
    json_t *m = sh_record_to_json (SH_KIND_MATTER, body, body_len);
    const char *opened_on = json_string_value (json_object_get (m, "opened_on"));
    int y, mo, d;
    int opened = opened_on && sscanf (opened_on, "%4d-%2d-%2d", &y, &mo, &d) == 3
               ? s_days_from_civil (y, mo, d) : -1;
    json_decref (m);
    if (opened < 0)
        return 0;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        s_big_t *b = realloc (t->big, cap * sizeof *b);
        if (!b) {
            s_fail (t->g, "out of memory");
            return 1;
        }
        t->big = b;
        t->cap = cap;
    }
    s_big_t *b = &t->big[t->n++];
    snprintf (b->region, sizeof b->region, "%s", region);
    memcpy (b->id, id, S_ID_BYTES);
    b->opened = opened;
    b->state = st;
    return 0;
}

//  A town node leads the big matters its villages escalated to it (大事镇街督办):
//  consult -> prescribe -> handle -> feedback -> close, some left open, no
//  event after the plan's year. Each matter's events are a function of the
//  seed and the matter's id.
static int
s_town_run (s_gen_t *g, uint64_t seed)
{
    s_town_scan_t t = { .g = g };
    sh_err rc = sh_store_begin (sh_replica_store (g->r), false, &t.txn);
    if (rc)
        return s_fail (g, "cannot read the store: %s", sh_strerror (rc));
    //  the town's name, once
    uint8_t *body = NULL;
    size_t len;
    bool named = sh_merge_get (t.txn, g->scope, SH_KIND_REGION, (const uint8_t *) g->scope, strlen (g->scope),
                               &body, &len, NULL) == SH_OK;
    free (body);
    rc = sh_merge_each (t.txn, g->scope, SH_KIND_MATTER, s_collect_big, &t);
    sh_store_abort (&t.txn);
    if (g->err[0] || rc) {
        free (t.big);
        return g->err[0] ? -1 : s_fail (g, "cannot read the matters: %s", sh_strerror (rc));
    }
    if (!named && s_region_write (g, g->scope, s_town_name (atoi (g->scope + 6))) != 0) {
        free (t.big);
        return -1;
    }
    const char *STEP = S_STEP, *CLOSE = S_CLOSE;
    int out = 0;
    for (size_t i = 0; i < t.n && out == 0; i++) {
        s_big_t *b = &t.big[i];
        g->rng.s = seed ^ s_fnv (b->region);
        for (size_t k = 0; k < S_ID_BYTES; k++)
            g->rng.s = g->rng.s * 0x100000001b3ULL ^ b->id[k];
        s_rng_t *r = &g->rng;
        s_matter_t mt = { g, b->region, b->id, b->state, b->opened + 2 };
        int stop = s_chance (r, 150) ? s_range (r, 1, 4) : 5;   //  at least consulted
        int done = 0;
        bool go = true;
#define S_EV(kind, value, note, lo, hi) \
        if (go && (done++ >= stop || mt.day + (hi) > g->end_day)) \
            go = false; \
        if (go && (out = s_event (&mt, kind, value, note, lo, hi)) != 0) \
            go = false
        S_EV (STEP, SH_STEP_CONSULT, S_PICK (r, s_notes_consult), 1, 7);
        S_EV (STEP, SH_STEP_PRESCRIBE, S_PICK (r, s_notes_prescribe), 1, 7);
        S_EV (STEP, SH_STEP_HANDLE, "镇街牵头督办", 3, 25);
        S_EV (STEP, SH_STEP_FEEDBACK, S_PICK (r, s_notes_feedback), 1, 5);
        S_EV (CLOSE, s_satisfaction (r), S_PICK (r, s_notes_close), 0, 3);
#undef S_EV
    }
    free (t.big);
    S_TRY (out);
    return s_flush (g);
}

//  --district: a village node writes its share of the plan, a town node
//  leads its big matters. The replica must not hold changes of its own yet
//  for a village (the plan's records are new records).
static int
s_district_run (s_gen_t *g, uint64_t seed)
{
    g->district = true;
    g->target = S_MAX_CHANGES;
    g->start_day = s_days_from_civil (S_END_YEAR - 1, S_END_MONTH + 1, 1);
    g->end_day = s_days_from_civil (S_END_YEAR, S_END_MONTH + 1, 1) - 1;
    size_t n = strlen (g->scope);
    if (n == 9)
        return s_town_run (g, seed);
    if (n != 12)
        return s_fail (g, "--district needs a village node (12-digit scope) or a town node (9 digits), "
                          "not scope %s", g->scope);
    s_plan_t plan;
    s_plan (seed, &plan);
    const s_plan_village_t *v = s_plan_find (&plan, g->scope);
    if (!v)
        return s_fail (g, "village %s is not in the district plan of seed %" PRIu64
                          " (sh_gen --plan --seed %" PRIu64 " lists its villages)", g->scope, seed, seed);
    uint64_t own_seq = 0;
    S_TRY (s_load (g, &own_seq));
    if (own_seq > 0 || g->n_cy > 0)
        return s_fail (g, "the replica already holds %" PRIu64 " changes of its own and %zu courtyards: "
                          "--district writes a fresh village", own_seq, g->n_cy);
    g->rng.s = seed ^ s_fnv (g->scope);
    return s_district_village (g, v);
}

/* --------------------------------------------------------------------------
 * main
 * -------------------------------------------------------------------------- */

static int
s_usage (FILE *out)
{
    fprintf (out, "usage: sh_gen DIR [--changes N] [--seed S] [--batch B] [--matters-only]\n"
                  "       sh_gen DIR --district [--seed S] [--batch B]\n"
                  "       sh_gen --plan [--seed S]\n"
                  "  --changes N     changes to write (default %d)\n"
                  "  --seed S        PRNG seed (default 1)\n"
                  "  --batch B       changes per write transaction (default %d)\n"
                  "  --matters-only  write only matters and their events\n"
                  "  --district      a village node: write its share of the district plan (its\n"
                  "                  courtyards and a year of activity); a town node: lead the big\n"
                  "                  matters its villages escalated\n"
                  "  --plan          print the district plan of the seed: its towns and villages\n",
             S_DEFAULT_CHANGES, S_DEFAULT_BATCH);
    return 2;
}

static bool
s_parse_u64 (const char *text, uint64_t lo, uint64_t hi, uint64_t *out)
{
    if (!text || *text < '0' || *text > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull (text, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return false;
    *out = (uint64_t) v;
    return true;
}

int
main (int argc, char **argv)
{
    const char *dir = NULL;
    uint64_t changes = S_DEFAULT_CHANGES, seed = 1, batch = S_DEFAULT_BATCH;
    bool matters_only = false, district = false, plan = false, changes_given = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        uint64_t *val = NULL, lo = 1, hi = S_MAX_CHANGES;
        if (!strcmp (a, "-h") || !strcmp (a, "--help")) {
            s_usage (stdout);
            return 0;
        }
        if (!strcmp (a, "--matters-only"))
            matters_only = true;
        else
        if (!strcmp (a, "--district"))
            district = true;
        else
        if (!strcmp (a, "--plan"))
            plan = true;
        else
        if (!strcmp (a, "--changes")) {
            val = &changes;
            changes_given = true;
        }
        else
        if (!strcmp (a, "--seed")) {
            val = &seed;
            lo = 0;
            hi = UINT64_MAX;
        }
        else
        if (!strcmp (a, "--batch")) {
            val = &batch;
            hi = S_MAX_BATCH;
        }
        else
        if (a[0] == '-' && a[1]) {
            fprintf (stderr, "sh_gen: unknown option '%s'\n", a);
            return s_usage (stderr);
        }
        else
        if (dir) {
            fprintf (stderr, "sh_gen: one DIR only ('%s' and '%s')\n", dir, a);
            return s_usage (stderr);
        }
        else
            dir = a;
        if (val) {
            if (i + 1 >= argc || !s_parse_u64 (argv[i + 1], lo, hi, val)) {
                fprintf (stderr, "sh_gen: %s takes a whole number from %" PRIu64 " to %" PRIu64 "%s%s%s\n",
                         a, lo, hi, i + 1 < argc ? ", not '" : "", i + 1 < argc ? argv[i + 1] : "",
                         i + 1 < argc ? "'" : "");
                return s_usage (stderr);
            }
            i++;
        }
    }
    if (plan) {
        if (dir || district || matters_only || changes_given) {
            fprintf (stderr, "sh_gen: --plan takes only --seed\n");
            return s_usage (stderr);
        }
        s_plan_t p;
        s_plan (seed, &p);
        s_plan_print (&p);
        return 0;
    }
    if (district && (matters_only || changes_given)) {
        fprintf (stderr, "sh_gen: --district writes the plan's records; it takes no --changes or --matters-only\n");
        return s_usage (stderr);
    }
    if (!dir) {
        fprintf (stderr, "sh_gen: DIR is missing\n");
        return s_usage (stderr);
    }

    sh_err rc = sh_crypto_init ();
    if (rc) {
        fprintf (stderr, "sh_gen: cannot initialise libsodium: %s\n", sh_strerror (rc));
        return 1;
    }
    struct timespec t0, t1;
    clock_gettime (CLOCK_MONOTONIC, &t0);
    s_gen_t g = { .target = changes, .batch = batch, .rng = { seed }, .force_model = -1 };
    rc = sh_replica_open (&g.r, dir);
    if (rc) {
        fprintf (stderr, "sh_gen: cannot open the replica in %s: %s\n", dir, sh_strerror (rc));
        return 1;
    }
    g.scope = sh_replica_scope (g.r);
    int ok = district ? s_district_run (&g, seed) : s_run (&g, matters_only);
    sh_store_abort (&g.txn);   //  after a failure: the open batch is dropped
    clock_gettime (CLOCK_MONOTONIC, &t1);
    if (ok == 0)
        printf ("sh_gen: wrote %" PRIu64 " changes to %s (scope %s) in %.0f ms\n", g.written, dir, g.scope,
                (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
    else
        fprintf (stderr, "sh_gen: %s (%s, scope %s%s)\n", g.err, dir, g.scope,
                 g.written > g.in_txn ? "; batches committed before this stay" : "; nothing written");
    sh_replica_close (&g.r);
    free (g.villages);
    free (g.cy);
    free (g.ps);
    return ok == 0 ? 0 : 1;
}
