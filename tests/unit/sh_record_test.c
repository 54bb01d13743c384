/*  sh_record_test -- reflection over the domain schema: kinds to types,
    wire splitting of hand-built bytes, record checks, JSON both ways (a
    body of every kind back from its JSON, byte for byte), enum names and
    the UTF-8 rule for record text.
*/
#include "sh_test.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "sh_change.h"
#include "sh_record.h"
#include "shouhe/v1/domain.pb-c.h"

#define S_ARRAY_LEN(a) (sizeof (a) / sizeof (a)[0])

/* --------------------------------------------------------------------------
 * Kinds
 * -------------------------------------------------------------------------- */

static void
test_type_names (void)
{
    static const char *const names[SH_KIND_COUNT] = {
        NULL, "Region", "Courtyard", "Person", "RoleAssignment", "Matter", "MatterEvent",
        "Meeting", "Mediation", "LedgerEntry", "Evaluation"
    };
    for (int k = 0; k < SH_KIND_COUNT; k++) {
        const char *n = sh_record_type_name ((sh_kind_t) k);
        if (!names[k])
            SH_CHECK (n == NULL);
        else
            SH_CHECK (n && strcmp (n, names[k]) == 0);
    }
    SH_CHECK (sh_record_type_name (SH_KIND_COUNT) == NULL);
    SH_CHECK (sh_record_type_name ((sh_kind_t) 200) == NULL);
    SH_CHECK (sh_record_type_name ((sh_kind_t) -1) == NULL);
}

/* --------------------------------------------------------------------------
 * Splitting
 * -------------------------------------------------------------------------- */

//  A Meeting written by hand with repeated fields interleaved with others
//  and an unknown fixed64 and fixed32 field at the end:
//    topics "a" | courtyard "c" | topics "bb" | decisions "x" | topics "c"
//    | attendance 300 | field 20 fixed64 | field 100 fixed32
static const uint8_t s_meeting[] = {
    0x2a, 0x01, 'a',                                   //   0: 5 "a"        (3 bytes)
    0x0a, 0x01, 'c',                                   //   3: 1 "c"        (3)
    0x2a, 0x02, 'b', 'b',                              //   6: 5 "bb"       (4)
    0x32, 0x01, 'x',                                   //  10: 6 "x"        (3)
    0x2a, 0x01, 'c',                                   //  13: 5 "c"        (3)
    0x20, 0xac, 0x02,                                  //  16: 4 300        (3)
    0xa1, 0x01, 1, 2, 3, 4, 5, 6, 7, 8,                //  19: 20 fixed64   (10)
    0xa5, 0x06, 9, 9, 9, 9,                            //  29: 100 fixed32  (6)
};

static void
test_split_order (void)
{
    sh_record_seg_t segs[16];
    size_t n = 0;
    SH_PASS (sh_record_split (segs, 16, &n, s_meeting, sizeof s_meeting));
    static const sh_record_seg_t want[] = {
        { 1, 3, 3 }, { 4, 16, 3 }, { 5, 0, 3 }, { 5, 6, 4 }, { 5, 13, 3 }, { 6, 10, 3 },
        { 20, 19, 10 }, { 100, 29, 6 },
    };
    SH_CHECK (n == S_ARRAY_LEN (want));
    for (size_t i = 0; i < n; i++)
        SH_CHECK (segs[i].field == want[i].field && segs[i].off == want[i].off && segs[i].len == want[i].len);
    //  concatenated in field order they are a valid Meeting with the same values
    uint8_t joined[sizeof s_meeting];
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy (joined + used, s_meeting + segs[i].off, segs[i].len);
        used += segs[i].len;
    }
    SH_CHECK (used == sizeof s_meeting);
    Shouhe__V1__Meeting *m = shouhe__v1__meeting__unpack (NULL, used, joined);
    SH_CHECK (m);
    SH_CHECK (m->n_topics == 3 && !strcmp (m->topics[0], "a") && !strcmp (m->topics[1], "bb")
              && !strcmp (m->topics[2], "c"));
    SH_CHECK (m->n_decisions == 1 && !strcmp (m->decisions[0], "x"));
    SH_CHECK (!strcmp (m->courtyard, "c") && m->has_attendance && m->attendance == 300);
    shouhe__v1__meeting__free_unpacked (m, NULL);
    //  the hand-built body passes the record check (unknown fields allowed)
    const char *why = NULL;
    SH_PASS (sh_record_check (SH_KIND_MEETING, s_meeting, sizeof s_meeting, &why));

    //  an empty body has no fields
    n = 99;
    SH_PASS (sh_record_split (segs, 16, &n, s_meeting, 0));
    SH_CHECK (n == 0);
    //  exactly max segments fit; one more does not
    SH_PASS (sh_record_split (segs, 8, &n, s_meeting, sizeof s_meeting));
    SH_CHECK (n == 8);
    SH_FAIL (sh_record_split (segs, 7, &n, s_meeting, sizeof s_meeting), SH_EPROTO);
    //  the largest field number there is
    static const uint8_t top[] = { 0xf8, 0xff, 0xff, 0xff, 0x0f, 0x01 };   //  (2^29 - 1) << 3, varint 1
    SH_PASS (sh_record_split (segs, 16, &n, top, sizeof top));
    SH_CHECK (n == 1 && segs[0].field == 536870911u && segs[0].off == 0 && segs[0].len == 6);
}

static void
test_split_refusals (void)
{
    static const struct {
        const char *what;
        uint8_t b[12];
        size_t n;
    } bad[] = {
        { "start group (wire type 3)", { 0x0b, 0x0c }, 2 },
        { "end group (wire type 4)", { 0x0c }, 1 },
        { "wire type 6", { 0x0e, 0x00 }, 2 },
        { "wire type 7", { 0x0f, 0x00 }, 2 },
        { "field number 0", { 0x00, 0x01 }, 2 },
        { "field number 2^29", { 0x80, 0x80, 0x80, 0x80, 0x10, 0x01 }, 6 },
        { "truncated tag varint", { 0x80 }, 1 },
        { "truncated value varint", { 0x20, 0xff, 0xff }, 3 },
        { "varint longer than 10 bytes", { 0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 }, 12 },
        { "length past the end", { 0x0a, 0x05, 'a', 'b' }, 4 },
        { "huge length", { 0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 'a' }, 7 },
        { "truncated length varint", { 0x0a, 0x80 }, 2 },
        { "truncated fixed64", { 0x09, 1, 2, 3, 4, 5, 6, 7 }, 8 },
        { "truncated fixed32", { 0x0d, 1, 2, 3 }, 4 },
        { "good field then garbage", { 0x20, 0x01, 0x0b }, 3 },
    };
    for (size_t i = 0; i < S_ARRAY_LEN (bad); i++) {
        sh_record_seg_t segs[8];
        size_t n = 77;
        sh_err rc = sh_record_split (segs, 8, &n, bad[i].b, bad[i].n);
        if (rc != SH_EPROTO) {
            fprintf (stderr, "split accepted: %s\n", bad[i].what);
            SH_CHECK (0);
        }
        SH_CHECK (n == 77);   //  untouched
    }
}

/* --------------------------------------------------------------------------
 * Checks
 * -------------------------------------------------------------------------- */

static void
test_check (void)
{
    uint8_t buf[256];
    const char *why = NULL;
    Shouhe__V1__Courtyard c = SHOUHE__V1__COURTYARD__INIT;
    c.name = "东院";
    c.has_point = 1;
    c.point = SHOUHE__V1__DELIBERATION_POINT__POINT_MOBILE;
    size_t n = shouhe__v1__courtyard__pack (&c, buf);
    SH_PASS (sh_record_check (SH_KIND_COURTYARD, buf, n, &why));
    SH_PASS (sh_record_check (SH_KIND_COURTYARD, buf, 0, &why));   //  an empty record is fine
    //  an unknown enum value
    c.point = (Shouhe__V1__DeliberationPoint) 42;
    n = shouhe__v1__courtyard__pack (&c, buf);
    why = NULL;
    SH_FAIL (sh_record_check (SH_KIND_COURTYARD, buf, n, &why), SH_EPROTO);
    SH_CHECK (why && strstr (why, "enum"));
    //  malformed bytes, unknown kinds
    static const uint8_t trunc[] = { 0x12, 0x09, 'x' };
    why = NULL;
    SH_FAIL (sh_record_check (SH_KIND_COURTYARD, trunc, sizeof trunc, &why), SH_EPROTO);
    SH_CHECK (why && *why);
    why = NULL;
    SH_FAIL (sh_record_check (SH_KIND_UNSPECIFIED, buf, n, &why), SH_EPROTO);
    SH_CHECK (why && strstr (why, "kind"));
    SH_FAIL (sh_record_check (SH_KIND_COUNT, buf, n, NULL), SH_EPROTO);
    //  a wrong wire type for a known field
    static const uint8_t wrong[] = { 0x22, 0x01, 0x00 };   //  households (uint32) as bytes
    SH_FAIL (sh_record_check (SH_KIND_COURTYARD, wrong, sizeof wrong, NULL), SH_EPROTO);
    //  an unknown enum inside a repeated enum is not possible in this schema;
    //  a Step out of range inside an event is
    Shouhe__V1__MatterEvent e = SHOUHE__V1__MATTER_EVENT__INIT;
    e.has_kind = 1;
    e.kind = SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_STEP;
    e.has_step = 1;
    e.step = (Shouhe__V1__Step) 6;
    n = shouhe__v1__matter_event__pack (&e, buf);
    SH_FAIL (sh_record_check (SH_KIND_MATTER_EVENT, buf, n, NULL), SH_EPROTO);
    e.step = SHOUHE__V1__STEP__STEP_FEEDBACK;
    n = shouhe__v1__matter_event__pack (&e, buf);
    SH_PASS (sh_record_check (SH_KIND_MATTER_EVENT, buf, n, NULL));
}

/* --------------------------------------------------------------------------
 * JSON
 * -------------------------------------------------------------------------- */

//  JSON of a packed message, checked to be an object.
static json_t *
s_json (sh_kind_t kind, const ProtobufCMessage *m)
{
    uint8_t buf[1024];
    size_t n = protobuf_c_message_pack (m, buf);
    //  an unknown field at the end is left out of the JSON
    static const uint8_t unknown[] = { 0xf8, 0x06, 0x2a };   //  field 111 = 42
    memcpy (buf + n, unknown, sizeof unknown);
    json_t *j = sh_record_to_json (kind, buf, n + sizeof unknown);
    SH_CHECK (j && json_is_object (j));
    return j;
}

static const char *
s_str (json_t *j, const char *key)
{
    json_t *v = json_object_get (j, key);
    SH_CHECK (v && json_is_string (v));
    return json_string_value (v);
}

static json_int_t
s_int (json_t *j, const char *key)
{
    json_t *v = json_object_get (j, key);
    SH_CHECK (v && json_is_integer (v));
    return json_integer_value (v);
}

static void
test_to_json (void)
{
    json_t *j;
    {
        Shouhe__V1__Region m = SHOUHE__V1__REGION__INIT;
        m.code = "500115001";
        m.name = "凤城街道";
        m.has_level = 1;
        m.level = SHOUHE__V1__REGION_LEVEL__LEVEL_TOWN;
        m.has_subdistrict = 1;
        m.subdistrict = 1;
        j = s_json (SH_KIND_REGION, &m.base);
        SH_CHECK (!strcmp (s_str (j, "code"), "500115001") && !strcmp (s_str (j, "name"), "凤城街道"));
        SH_CHECK (!strcmp (s_str (j, "level"), "town") && json_is_true (json_object_get (j, "subdistrict")));
        SH_CHECK (json_object_size (j) == 4);   //  parent absent, the unknown field left out
        json_decref (j);
    }
    {
        Shouhe__V1__Courtyard m = SHOUHE__V1__COURTYARD__INIT;
        m.code = "500115001001001";
        m.has_households = 1;
        m.households = 4000000000u;   //  uint32 beyond INT32_MAX stays positive
        m.has_model = 1;
        m.model = 0;
        m.has_point = 1;
        m.point = SHOUHE__V1__DELIBERATION_POINT__POINT_FIXED;
        m.villager_group = "";
        j = s_json (SH_KIND_COURTYARD, &m.base);
        SH_CHECK (s_int (j, "households") == 4000000000ll);
        SH_CHECK (json_is_false (json_object_get (j, "model")));   //  present though false
        SH_CHECK (!strcmp (s_str (j, "point"), "fixed") && !strcmp (s_str (j, "villager_group"), ""));
        SH_CHECK (!json_object_get (j, "residents") && !json_object_get (j, "name"));
        SH_CHECK (json_object_size (j) == 5);
        json_decref (j);
    }
    {
        Shouhe__V1__Person m = SHOUHE__V1__PERSON__INIT;
        m.name = "李\"四\"";
        m.has_gender = 1;
        m.gender = SHOUHE__V1__GENDER__GENDER_FEMALE;
        m.has_birth_year = 1;
        m.birth_year = 1950;
        j = s_json (SH_KIND_PERSON, &m.base);
        SH_CHECK (!strcmp (s_str (j, "name"), "李\"四\"") && !strcmp (s_str (j, "gender"), "female"));
        SH_CHECK (s_int (j, "birth_year") == 1950 && json_object_size (j) == 3);
        json_decref (j);
    }
    {
        uint8_t person[4] = { 0x00, 0xab, 0x10, 0xff };
        Shouhe__V1__RoleAssignment m = SHOUHE__V1__ROLE_ASSIGNMENT__INIT;
        m.has_person = 1;
        m.person = (ProtobufCBinaryData) { sizeof person, person };
        m.has_role = 1;
        m.role = SHOUHE__V1__ROLE__ROLE_PARTY_GROUP_LEADER;
        m.has_status = 1;
        m.status = SHOUHE__V1__ROLE_STATUS__ROLE_STATUS_DISMISSED;
        m.has_nomination = 1;
        m.nomination = SHOUHE__V1__NOMINATION__NOMINATION_SELF;
        j = s_json (SH_KIND_ROLE, &m.base);
        SH_CHECK (!strcmp (s_str (j, "person"), "00ab10ff"));   //  bytes as lower-case hex
        SH_CHECK (!strcmp (s_str (j, "role"), "party_group_leader"));
        SH_CHECK (!strcmp (s_str (j, "status"), "dismissed") && !strcmp (s_str (j, "nomination"), "self"));
        json_decref (j);
    }
    {
        Shouhe__V1__Matter m = SHOUHE__V1__MATTER__INIT;
        m.has_category = 1;
        m.category = SHOUHE__V1__CATEGORY__CATEGORY_ECONOMY;
        m.title = "庭院经济";
        j = s_json (SH_KIND_MATTER, &m.base);
        SH_CHECK (!strcmp (s_str (j, "category"), "economy") && !strcmp (s_str (j, "title"), "庭院经济"));
        json_decref (j);
    }
    {
        Shouhe__V1__MatterEvent m = SHOUHE__V1__MATTER_EVENT__INIT;
        m.has_kind = 1;
        m.kind = SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_ESCALATE;
        m.has_tier = 1;
        m.tier = SHOUHE__V1__TIER__TIER_BIG;
        m.has_satisfaction = 1;
        m.satisfaction = 0;
        j = s_json (SH_KIND_MATTER_EVENT, &m.base);
        SH_CHECK (!strcmp (s_str (j, "kind"), "escalate") && !strcmp (s_str (j, "tier"), "big"));
        SH_CHECK (s_int (j, "satisfaction") == 0 && !json_object_get (j, "step"));
        json_decref (j);
    }
    {
        char *topics[] = { "修路", "water" };
        Shouhe__V1__Meeting m = SHOUHE__V1__MEETING__INIT;
        m.has_kind = 1;
        m.kind = SHOUHE__V1__MEETING_KIND__MEETING_PARTY_MASSES_DAY;
        m.n_topics = 2;
        m.topics = topics;
        m.has_attendance = 1;
        m.attendance = 0;
        j = s_json (SH_KIND_MEETING, &m.base);
        SH_CHECK (!strcmp (s_str (j, "kind"), "party_masses_day") && s_int (j, "attendance") == 0);
        json_t *t = json_object_get (j, "topics");
        SH_CHECK (json_is_array (t) && json_array_size (t) == 2);
        SH_CHECK (!strcmp (json_string_value (json_array_get (t, 0)), "修路"));
        SH_CHECK (!strcmp (json_string_value (json_array_get (t, 1)), "water"));
        SH_CHECK (!json_object_get (j, "decisions"));   //  empty repeated: left out
        json_decref (j);
    }
    {
        Shouhe__V1__Mediation m = SHOUHE__V1__MEDIATION__INIT;
        m.has_level = 1;
        m.level = SHOUHE__V1__MEDIATION_LEVEL__MEDIATION_LEVEL_GROUP;
        m.has_kind = 1;
        m.kind = SHOUHE__V1__MEDIATION_KIND__MEDIATION_KIND_LAND;
        m.has_outcome = 1;
        m.outcome = SHOUHE__V1__MEDIATION_OUTCOME__MEDIATION_OUTCOME_REFERRED;
        m.has_matter = 1;
        m.matter = (ProtobufCBinaryData) { 0, NULL };
        j = s_json (SH_KIND_MEDIATION, &m.base);
        SH_CHECK (!strcmp (s_str (j, "level"), "group") && !strcmp (s_str (j, "kind"), "land"));
        SH_CHECK (!strcmp (s_str (j, "outcome"), "referred") && !strcmp (s_str (j, "matter"), ""));
        json_decref (j);
    }
    {
        Shouhe__V1__LedgerEntry m = SHOUHE__V1__LEDGER_ENTRY__INIT;
        m.has_kind = 1;
        m.kind = SHOUHE__V1__LEDGER_KIND__LEDGER_REDEEM;
        m.has_unit = 1;
        m.unit = SHOUHE__V1__LEDGER_UNIT__UNIT_MINUTES;
        m.has_amount = 1;
        m.amount = 5000000000ull;
        j = s_json (SH_KIND_LEDGER, &m.base);
        SH_CHECK (!strcmp (s_str (j, "kind"), "redeem") && !strcmp (s_str (j, "unit"), "minutes"));
        SH_CHECK (s_int (j, "amount") == 5000000000ll);
        json_decref (j);
    }
    {
        Shouhe__V1__Evaluation m = SHOUHE__V1__EVALUATION__INIT;
        m.period = "2024Q3";
        m.has_category = 1;
        m.category = SHOUHE__V1__CATEGORY__CATEGORY_CUSTOMS;
        m.has_maturity = 1;
        m.maturity = 8;
        j = s_json (SH_KIND_EVALUATION, &m.base);
        SH_CHECK (!strcmp (s_str (j, "period"), "2024Q3") && !strcmp (s_str (j, "category"), "customs"));
        SH_CHECK (s_int (j, "maturity") == 8 && json_object_size (j) == 3);
        json_decref (j);
    }
    //  an empty body is an empty object
    j = sh_record_to_json (SH_KIND_PERSON, (const uint8_t *) "", 0);
    SH_CHECK (j && json_is_object (j) && json_object_size (j) == 0);
    json_decref (j);
    //  an unknown enum value (possible in merged data from a newer schema)
    //  shows as its number
    static const uint8_t raw_enum[] = { 0x10, 0x09 };   //  Matter.category = 9
    j = sh_record_to_json (SH_KIND_MATTER, raw_enum, sizeof raw_enum);
    SH_CHECK (j && s_int (j, "category") == 9);
    json_decref (j);
    //  malformed bodies and unknown kinds give NULL
    static const uint8_t trunc[] = { 0x0a, 0x09, 'x' };
    SH_CHECK (sh_record_to_json (SH_KIND_COURTYARD, trunc, sizeof trunc) == NULL);
    SH_CHECK (sh_record_to_json (SH_KIND_UNSPECIFIED, raw_enum, sizeof raw_enum) == NULL);
    SH_CHECK (sh_record_to_json (SH_KIND_COUNT, raw_enum, sizeof raw_enum) == NULL);
}

/* --------------------------------------------------------------------------
 * JSON to bodies
 * -------------------------------------------------------------------------- */

//  body -> to_json -> from_json gives body back, byte for byte.
static void
s_round_trip (sh_kind_t kind, const ProtobufCMessage *m)
{
    uint8_t body[1024];
    size_t n = protobuf_c_message_pack (m, body);
    json_t *j = sh_record_to_json (kind, body, n);
    SH_CHECK (j);
    uint8_t *back = NULL;
    size_t len = 0;
    const char *why = "unset";
    SH_PASS (sh_record_from_json (&back, &len, kind, j, &why));
    SH_CHECK (why == NULL);
    if (len != n || memcmp (back, body, n) != 0) {
        fprintf (stderr, "%s: %zu bytes back, %zu packed\n", sh_record_type_name (kind), len, n);
        SH_CHECK (0);
    }
    //  and the JSON of what came back is the same JSON
    json_t *again = sh_record_to_json (kind, back, len);
    SH_CHECK (again && json_equal (j, again));
    json_decref (again);
    free (back);
    json_decref (j);
}

static void
test_from_json_round_trip (void)
{
    uint8_t id[16] = { 0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0xa, 0xff };
    Shouhe__V1__Region rg = SHOUHE__V1__REGION__INIT;
    rg.code = "500115001";
    rg.name = "凤城街道";
    rg.has_level = 1;
    rg.level = SHOUHE__V1__REGION_LEVEL__LEVEL_TOWN;
    rg.parent = "500115";
    rg.has_subdistrict = 1;
    rg.subdistrict = 1;
    s_round_trip (SH_KIND_REGION, &rg.base);
    Shouhe__V1__Courtyard cy = SHOUHE__V1__COURTYARD__INIT;
    cy.code = "500115001001001";
    cy.name = "黄家院 \"x\"";
    cy.village = "500115001001";
    cy.has_households = cy.has_residents = cy.has_elderly = cy.has_model = cy.has_point = 1;
    cy.households = 4000000000u;
    cy.residents = 0;
    cy.elderly = 7;
    cy.model = 0;
    cy.point = SHOUHE__V1__DELIBERATION_POINT__POINT_NONE;
    cy.grid = "";
    cy.villager_group = "一组";
    s_round_trip (SH_KIND_COURTYARD, &cy.base);
    Shouhe__V1__Person pe = SHOUHE__V1__PERSON__INIT;
    pe.name = "张三";
    pe.courtyard = "500115001001001";
    pe.has_gender = pe.has_birth_year = pe.has_party_member = 1;
    pe.gender = SHOUHE__V1__GENDER__GENDER_MALE;
    pe.birth_year = 1950;
    pe.party_member = 1;
    pe.phone = "13800000000";
    s_round_trip (SH_KIND_PERSON, &pe.base);
    Shouhe__V1__RoleAssignment ra = SHOUHE__V1__ROLE_ASSIGNMENT__INIT;
    ra.has_person = ra.has_role = ra.has_status = ra.has_nomination = 1;
    ra.person = (ProtobufCBinaryData) { sizeof id, id };
    ra.courtyard = "500115001001001";
    ra.role = SHOUHE__V1__ROLE__ROLE_MANAGEMENT_GROUP;
    ra.status = SHOUHE__V1__ROLE_STATUS__ROLE_STATUS_DISMISSED;
    ra.nomination = SHOUHE__V1__NOMINATION__NOMINATION_RECOMMENDED;
    ra.appointed_on = "2024-01-01";
    ra.dismissed_on = "";
    ra.reason = "外出务工";
    s_round_trip (SH_KIND_ROLE, &ra.base);
    Shouhe__V1__Matter mt = SHOUHE__V1__MATTER__INIT;
    mt.courtyard = "500115001001001";
    mt.has_category = 1;
    mt.category = SHOUHE__V1__CATEGORY__CATEGORY_ENVIRONMENT;
    mt.title = "清理排水沟";
    mt.description = "line one\nline two\t<tab>";
    mt.opened_on = "2024-06-01";
    s_round_trip (SH_KIND_MATTER, &mt.base);
    Shouhe__V1__MatterEvent ev = SHOUHE__V1__MATTER_EVENT__INIT;
    ev.has_kind = ev.has_step = ev.has_tier = ev.has_satisfaction = 1;
    ev.kind = SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_CLOSE;
    ev.step = SHOUHE__V1__STEP__STEP_PRESCRIBE;
    ev.tier = SHOUHE__V1__TIER__TIER_SMALL;
    ev.satisfaction = 5;
    ev.note = "群众满意";
    ev.date = "2024-06-05";
    s_round_trip (SH_KIND_MATTER_EVENT, &ev.base);
    char *topics[] = { "修路", "water", "" }, *decisions[] = { "x" };
    Shouhe__V1__Meeting me = SHOUHE__V1__MEETING__INIT;
    me.courtyard = "500115001001001";
    me.has_kind = me.has_attendance = 1;
    me.kind = SHOUHE__V1__MEETING_KIND__MEETING_BENCH_LECTURE;
    me.date = "2024-06-10";
    me.attendance = 31;
    me.n_topics = 3;
    me.topics = topics;
    me.n_decisions = 1;
    me.decisions = decisions;
    me.location = "党群连心议事站";
    s_round_trip (SH_KIND_MEETING, &me.base);
    Shouhe__V1__Mediation md = SHOUHE__V1__MEDIATION__INIT;
    md.courtyard = "500115001001001";
    md.has_level = md.has_kind = md.has_outcome = md.has_parties = md.has_matter = 1;
    md.level = SHOUHE__V1__MEDIATION_LEVEL__MEDIATION_LEVEL_VILLAGE;
    md.kind = SHOUHE__V1__MEDIATION_KIND__MEDIATION_KIND_PROPERTY;
    md.outcome = SHOUHE__V1__MEDIATION_OUTCOME__MEDIATION_OUTCOME_UNRESOLVED;
    md.date = "2024-06-11";
    md.parties = 3;
    md.summary = "邻里纠纷";
    md.matter = (ProtobufCBinaryData) { sizeof id, id };
    s_round_trip (SH_KIND_MEDIATION, &md.base);
    Shouhe__V1__LedgerEntry le = SHOUHE__V1__LEDGER_ENTRY__INIT;
    le.has_kind = le.has_unit = le.has_amount = 1;
    le.kind = SHOUHE__V1__LEDGER_KIND__LEDGER_EARN;
    le.unit = SHOUHE__V1__LEDGER_UNIT__UNIT_POINTS;
    le.amount = 18446744073709551615ull;   //  past INT64_MAX: negative in JSON, back again
    le.reason = "清理沟渠";
    le.date = "2024-06-12";
    le.courtyard = "500115001001001";
    s_round_trip (SH_KIND_LEDGER, &le.base);
    Shouhe__V1__Evaluation ea = SHOUHE__V1__EVALUATION__INIT;
    ea.courtyard = "500115001001001";
    ea.period = "2024Q3";
    ea.has_category = ea.has_content = ea.has_effect = ea.has_satisfaction = ea.has_maturity = 1;
    ea.category = SHOUHE__V1__CATEGORY__CATEGORY_POLICY;
    ea.content = 10;
    ea.effect = 1;
    ea.satisfaction = 6;
    ea.maturity = 6;
    s_round_trip (SH_KIND_EVALUATION, &ea.base);
    //  an empty record, and an enum value of 0 (UNSPECIFIED) or unknown (a number)
    Shouhe__V1__Person empty = SHOUHE__V1__PERSON__INIT;
    s_round_trip (SH_KIND_PERSON, &empty.base);
    Shouhe__V1__Matter odd = SHOUHE__V1__MATTER__INIT;
    odd.has_category = 1;
    odd.category = SHOUHE__V1__CATEGORY__CATEGORY_UNSPECIFIED;
    s_round_trip (SH_KIND_MATTER, &odd.base);
    odd.category = (Shouhe__V1__Category) 9;
    s_round_trip (SH_KIND_MATTER, &odd.base);
}

//  from_json of text (a JSON object) for kind: the packed bytes of want.
static void
s_from_text (sh_kind_t kind, const char *text, const ProtobufCMessage *want)
{
    json_error_t err;
    json_t *j = json_loads (text, 0, &err);
    SH_CHECK (j);
    uint8_t *body;
    size_t len;
    SH_PASS (sh_record_from_json (&body, &len, kind, j, NULL));
    uint8_t packed[512];
    size_t n = protobuf_c_message_pack (want, packed);
    SH_CHECK (len == n && memcmp (body, packed, n) == 0);
    free (body);
    json_decref (j);
}

static void
test_from_json (void)
{
    //  names in any case, '-' for '_', numbers for enums, keys in any order,
    //  null for an absent field, upper-case hex
    uint8_t person[2] = { 0xab, 0x01 };
    Shouhe__V1__RoleAssignment ra = SHOUHE__V1__ROLE_ASSIGNMENT__INIT;
    ra.has_person = ra.has_role = ra.has_status = 1;
    ra.person = (ProtobufCBinaryData) { sizeof person, person };
    ra.role = SHOUHE__V1__ROLE__ROLE_COURTYARD_HEAD;
    ra.status = SHOUHE__V1__ROLE_STATUS__ROLE_STATUS_APPOINTED;
    ra.appointed_on = "2024-01-01";
    s_from_text (SH_KIND_ROLE, "{\"status\": 1, \"appointed_on\": \"2024-01-01\", \"reason\": null, "
                               "\"role\": \"Courtyard-Head\", \"person\": \"AB01\"}", &ra.base);
    Shouhe__V1__Meeting me = SHOUHE__V1__MEETING__INIT;
    s_from_text (SH_KIND_MEETING, "{\"topics\": []}", &me.base);   //  an empty array: no value
    s_from_text (SH_KIND_MEETING, "{}", &me.base);

    static const struct {
        sh_kind_t kind;
        const char *json;
        const char *why;     //  a word of the reason
    } bad[] = {
        { SH_KIND_COURTYARD, "{\"colour\": \"red\"}", "no field" },
        { SH_KIND_COURTYARD, "{\"households\": \"12\"}", "whole number" },
        { SH_KIND_COURTYARD, "{\"households\": 1.5}", "whole number" },
        { SH_KIND_COURTYARD, "{\"households\": -1}", "range" },
        { SH_KIND_COURTYARD, "{\"households\": 4294967296}", "range" },
        { SH_KIND_COURTYARD, "{\"model\": 1}", "true or false" },
        { SH_KIND_COURTYARD, "{\"point\": \"somewhere\"}", "name" },
        { SH_KIND_COURTYARD, "{\"point\": 2147483648}", "range" },
        { SH_KIND_COURTYARD, "{\"point\": true}", "whole number" },
        { SH_KIND_COURTYARD, "{\"name\": 5}", "string" },
        { SH_KIND_COURTYARD, "{\"name\": \"a\\u0000b\"}", "NUL" },
        { SH_KIND_COURTYARD, "{\"name\": [\"a\"]}", "string" },
        { SH_KIND_MEETING, "{\"topics\": \"a\"}", "array" },
        { SH_KIND_MEETING, "{\"topics\": [\"a\", 1]}", "string" },
        { SH_KIND_MEDIATION, "{\"matter\": \"abc\"}", "hex" },
        { SH_KIND_MEDIATION, "{\"matter\": \"zz\"}", "hex" },
        { SH_KIND_MEDIATION, "{\"matter\": 12}", "hex" },
        { SH_KIND_UNSPECIFIED, "{}", "kind" },
        { SH_KIND_COUNT, "{}", "kind" },
        { SH_KIND_PERSON, "[]", "object" },
    };
    for (size_t i = 0; i < S_ARRAY_LEN (bad); i++) {
        json_error_t err;
        json_t *j = json_loads (bad[i].json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
        SH_CHECK (j);
        uint8_t *body = NULL;
        size_t len = 0;
        const char *why = NULL;
        sh_err rc = sh_record_from_json (&body, &len, bad[i].kind, j, &why);
        if (rc != SH_EINVAL || !why || !strstr (why, bad[i].why)) {
            fprintf (stderr, "%s: %s (%s)\n", bad[i].json, sh_strerror (rc), why ? why : "no reason");
            SH_CHECK (0);
        }
        SH_CHECK (body == NULL);
        json_decref (j);
    }
    SH_FAIL (sh_record_from_json (&(uint8_t *) { NULL }, &(size_t) { 0 }, SH_KIND_PERSON, NULL, NULL), SH_EINVAL);
}

/* --------------------------------------------------------------------------
 * Enums
 * -------------------------------------------------------------------------- */

static const ProtobufCEnumDescriptor *const s_enum_descs[] = {
    &shouhe__v1__region_level__descriptor, &shouhe__v1__deliberation_point__descriptor,
    &shouhe__v1__gender__descriptor, &shouhe__v1__role__descriptor,
    &shouhe__v1__role_status__descriptor, &shouhe__v1__nomination__descriptor,
    &shouhe__v1__category__descriptor, &shouhe__v1__tier__descriptor, &shouhe__v1__step__descriptor,
    &shouhe__v1__matter_event_kind__descriptor, &shouhe__v1__meeting_kind__descriptor,
    &shouhe__v1__mediation_level__descriptor, &shouhe__v1__mediation_kind__descriptor,
    &shouhe__v1__mediation_outcome__descriptor, &shouhe__v1__ledger_kind__descriptor,
    &shouhe__v1__ledger_unit__descriptor,
};

static void
test_enum_parse (void)
{
    int v = -1;
    SH_PASS (sh_record_enum_parse ("shouhe.v1.Category", "policy", &v));
    SH_CHECK (v == SHOUHE__V1__CATEGORY__CATEGORY_POLICY);
    v = -1;
    SH_PASS (sh_record_enum_parse ("shouhe.v1.Category", "POLICY", &v));
    SH_CHECK (v == 1);
    SH_PASS (sh_record_enum_parse ("shouhe.v1.Category", "Economy", &v));
    SH_CHECK (v == SHOUHE__V1__CATEGORY__CATEGORY_ECONOMY);
    SH_PASS (sh_record_enum_parse ("shouhe.v1.MeetingKind", "party-masses-day", &v));
    SH_CHECK (v == SHOUHE__V1__MEETING_KIND__MEETING_PARTY_MASSES_DAY);
    SH_PASS (sh_record_enum_parse ("shouhe.v1.MeetingKind", "Party_Masses-DAY", &v));
    SH_CHECK (v == SHOUHE__V1__MEETING_KIND__MEETING_PARTY_MASSES_DAY);
    SH_PASS (sh_record_enum_parse ("shouhe.v1.Role", "courtyard-head", &v));
    SH_CHECK (v == SHOUHE__V1__ROLE__ROLE_COURTYARD_HEAD);
    SH_PASS (sh_record_enum_parse ("shouhe.v1.RoleStatus", "dismissed", &v));
    SH_CHECK (v == SHOUHE__V1__ROLE_STATUS__ROLE_STATUS_DISMISSED);
    SH_PASS (sh_record_enum_parse ("shouhe.v1.LedgerUnit", "minutes", &v));
    SH_CHECK (v == SHOUHE__V1__LEDGER_UNIT__UNIT_MINUTES);
    SH_PASS (sh_record_enum_parse ("shouhe.v1.Tier", "big", &v));
    SH_CHECK (v == SHOUHE__V1__TIER__TIER_BIG);

    //  refused: UNSPECIFIED in any spelling, unknown, partial, full names
    v = 1234;
    static const struct { const char *e, *t; } bad[] = {
        { "shouhe.v1.Category", "unspecified" }, { "shouhe.v1.Category", "UNSPECIFIED" },
        { "shouhe.v1.Category", "category_unspecified" }, { "shouhe.v1.Category", "politics" },
        { "shouhe.v1.Category", "" }, { "shouhe.v1.Category", "pol" }, { "shouhe.v1.Category", "policyx" },
        { "shouhe.v1.Category", "policy " }, { "shouhe.v1.Category", "CATEGORY_POLICY" },
        { "shouhe.v1.Category", "1" }, { "shouhe.v1.MeetingKind", "party masses day" },
        { "shouhe.v1.Tier", "unspecified" }, { "shouhe.v1.Step", "closed" },
        { "shouhe.v1.Nope", "policy" }, { "Category", "policy" }, { "", "policy" },
    };
    for (size_t i = 0; i < S_ARRAY_LEN (bad); i++) {
        sh_err rc = sh_record_enum_parse (bad[i].e, bad[i].t, &v);
        if (rc != SH_EINVAL) {
            fprintf (stderr, "enum_parse (%s, '%s') accepted\n", bad[i].e, bad[i].t);
            SH_CHECK (0);
        }
    }
    SH_FAIL (sh_record_enum_parse ("shouhe.v1.Category", NULL, &v), SH_EINVAL);
    SH_CHECK (v == 1234);   //  untouched on failure

    //  every named value of every enum of the schema round-trips through
    //  its text; 0 is named "unspecified" but never parsed
    for (size_t i = 0; i < S_ARRAY_LEN (s_enum_descs); i++) {
        const ProtobufCEnumDescriptor *e = s_enum_descs[i];
        for (unsigned k = 0; k < e->n_values; k++) {
            char text[64];
            sh_record_enum_text (e->name, e->values[k].value, text, sizeof text);
            SH_CHECK (*text && strcmp (text, "?") != 0);
            for (const char *p = text; *p; p++)
                SH_CHECK ((*p >= 'a' && *p <= 'z') || *p == '_');
            if (e->values[k].value == 0) {
                SH_CHECK (strcmp (text, "unspecified") == 0);
                SH_FAIL (sh_record_enum_parse (e->name, text, &v), SH_EINVAL);
                continue;
            }
            v = -1;
            SH_PASS (sh_record_enum_parse (e->name, text, &v));
            SH_CHECK (v == e->values[k].value);
        }
    }
}

static void
test_enum_text (void)
{
    char buf[64];
    SH_CHECK (!strcmp (sh_record_enum_text ("shouhe.v1.Category", 1, buf, sizeof buf), "policy"));
    SH_CHECK (!strcmp (sh_record_enum_text ("shouhe.v1.Category", 0, buf, sizeof buf), "unspecified"));
    SH_CHECK (!strcmp (sh_record_enum_text ("shouhe.v1.Category", 7, buf, sizeof buf), "?"));
    SH_CHECK (!strcmp (sh_record_enum_text ("shouhe.v1.Category", -1, buf, sizeof buf), "?"));
    SH_CHECK (!strcmp (sh_record_enum_text ("shouhe.v1.Nope", 1, buf, sizeof buf), "?"));
    SH_CHECK (!strcmp (sh_record_enum_text ("shouhe.v1.MeetingKind", 4, buf, sizeof buf), "bench_lecture"));
    SH_CHECK (!strcmp (sh_record_enum_text ("shouhe.v1.RegionLevel", 3, buf, sizeof buf), "village"));
    SH_CHECK (!strcmp (sh_record_enum_text ("shouhe.v1.Step", 2, buf, sizeof buf), "consult"));
    SH_CHECK (!strcmp (sh_record_enum_text ("shouhe.v1.MatterEventKind", 3, buf, sizeof buf), "close"));
    //  a small buffer truncates and stays terminated
    char small[4];
    SH_CHECK (!strcmp (sh_record_enum_text ("shouhe.v1.Category", 2, small, sizeof small), "del"));
}

static void
test_enum_list (void)
{
    char buf[256];
    SH_CHECK (!strcmp (sh_record_enum_list ("shouhe.v1.Category", buf, sizeof buf),
                       "policy deliberation mediation environment customs economy"));
    SH_CHECK (!strcmp (sh_record_enum_list ("shouhe.v1.Tier", buf, sizeof buf), "micro small big"));
    SH_CHECK (!strcmp (sh_record_enum_list ("shouhe.v1.Step", buf, sizeof buf),
                       "diagnose consult prescribe handle feedback"));
    SH_CHECK (!strcmp (sh_record_enum_list ("shouhe.v1.MeetingKind", buf, sizeof buf),
                       "party_masses_day deliberation longmenzhen bench_lecture other"));
    SH_CHECK (!strcmp (sh_record_enum_list ("shouhe.v1.LedgerUnit", buf, sizeof buf), "points minutes"));
    SH_CHECK (!strcmp (sh_record_enum_list ("shouhe.v1.DeliberationPoint", buf, sizeof buf),
                       "fixed mobile none"));
    SH_CHECK (!strcmp (sh_record_enum_list ("shouhe.v1.Nope", buf, sizeof buf), ""));
    //  a short buffer keeps whole names only
    char small[20];
    SH_CHECK (!strcmp (sh_record_enum_list ("shouhe.v1.Category", small, sizeof small), "policy deliberation"));
    char mid[24];   //  room for "policy deliberation med": still whole names only
    SH_CHECK (!strcmp (sh_record_enum_list ("shouhe.v1.Category", mid, sizeof mid), "policy deliberation"));
    char tiny[4];
    SH_CHECK (!strcmp (sh_record_enum_list ("shouhe.v1.Category", tiny, sizeof tiny), ""));
    //  every listed name parses
    for (size_t i = 0; i < S_ARRAY_LEN (s_enum_descs); i++) {
        sh_record_enum_list (s_enum_descs[i]->name, buf, sizeof buf);
        size_t words = 0;
        for (char *save = NULL, *w = strtok_r (buf, " ", &save); w; w = strtok_r (NULL, " ", &save)) {
            int v;
            SH_PASS (sh_record_enum_parse (s_enum_descs[i]->name, w, &v));
            SH_CHECK (v != 0);
            words++;
        }
        SH_CHECK (words == s_enum_descs[i]->n_values - 1);
    }
}

/* --------------------------------------------------------------------------
 * UTF-8
 * -------------------------------------------------------------------------- */

static void
test_utf8 (void)
{
    static const struct {
        const char *s;
        size_t n;      //  0: strlen
        bool ok;
        const char *what;
    } cases[] = {
        { "", 0, true, "empty" },
        { "plain ascii ~!", 0, true, "ascii" },
        { "寿和小院 院落长", 0, true, "Chinese (3-byte)" },
        { "a\tb\nc", 0, true, "tab and newline" },
        { "\xf0\x9f\x98\x80", 0, true, "4-byte (emoji)" },
        { "\xc2\xa9", 0, true, "2-byte" },
        { "\xef\xbf\xbd", 0, true, "U+FFFD" },
        { "\xf4\x8f\xbf\xbf", 0, true, "U+10FFFF" },
        { "\xed\x9f\xbf", 0, true, "U+D7FF (below the surrogates)" },
        { "\xee\x80\x80", 0, true, "U+E000 (above the surrogates)" },
        { "\xc0\x80", 0, false, "overlong NUL" },
        { "\xc1\xbf", 0, false, "overlong 2-byte" },
        { "\xe0\x80\xaf", 0, false, "overlong 3-byte '/'" },
        { "\xe0\x9f\xbf", 0, false, "overlong 3-byte U+07FF" },
        { "\xf0\x8f\xbf\xbf", 0, false, "overlong 4-byte U+FFFF" },
        { "\xed\xa0\x80", 0, false, "surrogate U+D800" },
        { "\xed\xbf\xbf", 0, false, "surrogate U+DFFF" },
        { "\xf4\x90\x80\x80", 0, false, "U+110000" },
        { "\xf8\x88\x80\x80\x80", 0, false, "5-byte form" },
        { "\xff", 0, false, "0xff" },
        { "\x80", 0, false, "lone continuation" },
        { "\xe5\xaf", 0, false, "truncated 3-byte" },
        { "ab\xe5", 0, false, "truncated at the end" },
        { "\xe5\x41\x41", 0, false, "bad continuation" },
        { "\xf0\x9f\x98", 0, false, "truncated 4-byte" },
        { "a\x01" "b", 0, false, "C0 control SOH" },
        { "a\rb", 0, false, "carriage return" },
        { "\x1b[31m", 0, false, "escape" },
        { "a\x7f", 0, false, "DEL" },
        { "a\0b", 3, false, "NUL inside" },
    };
    for (size_t i = 0; i < S_ARRAY_LEN (cases); i++) {
        size_t n = cases[i].n ? cases[i].n : strlen (cases[i].s);
        if (sh_record_utf8_valid (cases[i].s, n) != cases[i].ok) {
            fprintf (stderr, "utf8_valid (%s) != %d\n", cases[i].what, cases[i].ok);
            SH_CHECK (0);
        }
    }
    //  the length is respected: a valid prefix of an invalid buffer is valid
    SH_CHECK (sh_record_utf8_valid ("ok\xff", 2));
    SH_CHECK (!sh_record_utf8_valid ("寿", 2));   //  cut inside a character
}

static const sh_test_case_t tests[] = {
    { "type names", test_type_names },
    { "split order", test_split_order },
    { "split refusals", test_split_refusals },
    { "check", test_check },
    { "to json", test_to_json },
    { "from json round trip", test_from_json_round_trip },
    { "from json", test_from_json },
    { "enum parse", test_enum_parse },
    { "enum text", test_enum_text },
    { "enum list", test_enum_list },
    { "utf8", test_utf8 },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
