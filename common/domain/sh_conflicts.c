/*  sh_conflicts -- conflicts and implausible records, in English or shown. */
#include "sh_conflicts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_change.h"
#include "sh_domain.h"
#include "sh_hlc.h"
#include "sh_i18n.h"
#include "sh_merge.h"
#include "sh_names.h"
#include "sh_plaus.h"
#include "sh_record.h"
#include "sh_view.h"
#include "shouhe/v1/domain.pb-c.h"

#define S_WHY_BYTES 320      //  a role's reason (a Chinese role name takes 3 bytes a character)

//  ---------------------------------------------------------------------
//  Helpers

//  One walk builds both lists; shown decides the language of the reasons.
typedef struct {
    sh_store_txn_t *txn;     //  snapshot being read
    sh_kind_t kind;          //  kind being judged (plausibility)
    json_t *out;             //  array being filled
    json_t *roles;           //  "region role" -> appointed holders of the role there
    bool shown;              //  reasons in the locale's language (sh_conflicts_view_shown)
    sh_err rc;               //  first error
} s_walk_t;

//  A sentence marked N_ (or NULL) for a reason: as it is, or translated when shown.
static const char *
s_tr (bool shown, const char *text)
{
    return text && shown ? _(text) : text;
}

//  ---------------------------------------------------------------------
//  Conflicts

typedef struct {
    s_walk_t *w;             //  the walk
    const char *kind;        //  "matter" or "ledger"
    const char *region;      //  where
    const uint8_t *id;       //  entity
    size_t id_len;           //  its length
} s_conflict_ctx_t;

static void
s_add_conflict (uint64_t hlc, const uint8_t *author, const char *why, void *arg)
{
    s_conflict_ctx_t *c = arg;
    json_t *j = json_object ();
    json_object_set_new (j, "kind", json_string (c->kind));
    json_object_set_new (j, "region", json_string (c->region));
    json_object_set_new (j, "entity", sh_view_hex (c->id, c->id_len));
    json_object_set_new (j, "hlc", json_integer ((json_int_t) hlc));
    json_object_set_new (j, "author", sh_view_hex (author, SH_PUBKEY_BYTES));
    json_object_set_new (j, "reason", json_string (why));
    json_array_append_new (c->w->out, j);
}

static int
s_matter_conflicts (const char *region, const uint8_t *id, size_t id_len,
                    const uint8_t *body, size_t len, void *arg)
{
    (void) body;
    (void) len;
    s_walk_t *w = arg;
    s_conflict_ctx_t c = { w, "matter", region, id, id_len };
    sh_domain_matter_t m;
    w->rc = (w->shown ? sh_domain_matter_replay_shown : sh_domain_matter_replay)
            (w->txn, region, id, id_len, &m, s_add_conflict, &c);
    return w->rc != SH_OK;
}

static int
s_ledger_conflicts (const char *region, const uint8_t *id, size_t id_len, void *arg)
{
    s_walk_t *w = arg;
    s_conflict_ctx_t c = { w, "ledger", region, id, id_len };
    sh_domain_ledger_t l;
    w->rc = (w->shown ? sh_domain_ledger_replay_shown : sh_domain_ledger_replay)
            (w->txn, region, id, id_len, &l, s_add_conflict, &c);
    return w->rc != SH_OK;
}

//  Count the appointed holders of each role per courtyard in w->roles.
static int
s_role_holders (const char *region, const uint8_t *id, size_t id_len,
                const uint8_t *body, size_t len, void *arg)
{
    (void) id;
    (void) id_len;
    s_walk_t *w = arg;
    Shouhe__V1__RoleAssignment *a = shouhe__v1__role_assignment__unpack (NULL, len, body);
    if (!a)
        return 0;
    if (a->has_status && a->status == SHOUHE__V1__ROLE_STATUS__ROLE_STATUS_APPOINTED && a->has_role) {
        char role[32], key[64];
        sh_record_enum_text ("shouhe.v1.Role", a->role, role, sizeof role);
        snprintf (key, sizeof key, "%s %s", region, role);
        json_t *n = json_object_get (w->roles, key);
        json_object_set_new (w->roles, key, json_integer (n ? json_integer_value (n) + 1 : 1));
    }
    shouhe__v1__role_assignment__free_unpacked (a, NULL);
    return 0;
}

//  ---------------------------------------------------------------------
//  Plausibility of what arrived (docs/protocol.md 7.8): the rules of the
//  operations (sh_plaus), "today" being the day the change was written

typedef struct {
    s_walk_t *w;             //  the walk (out: the array of conflicts)
    sh_kind_t kind;          //  record kind
    const char *region;      //  where
    const uint8_t *id;       //  entity
    size_t id_len;           //  its length
    uint64_t hlc;            //  the writing change (a record: its latest write)
    char day[SH_PLAUS_DAY_BYTES];   //  the reference date of hlc (sh_plaus_written_day)
} s_plaus_t;

static void
s_plaus_init (s_plaus_t *p, s_walk_t *w, sh_kind_t kind, const char *region, const uint8_t *id,
              size_t id_len, uint64_t hlc)
{
    *p = (s_plaus_t) { w, kind, region, id, id_len, hlc, "" };
    sh_plaus_written_day (p->day, sh_hlc_ms (hlc));
}

//  Add an "implausible" entry: field holds value, why says which rule.
static void
s_implausible (const s_plaus_t *p, const char *field, const char *value, const char *why)
{
    json_t *j = json_object ();
    json_object_set_new (j, "kind", json_string ("implausible"));
    json_object_set_new (j, "record", json_string (sh_change_kind_name (p->kind)));
    json_object_set_new (j, "region", json_string (p->region));
    json_object_set_new (j, "entity", sh_view_id (p->kind, p->id, p->id_len));
    json_object_set_new (j, "field", json_string (field));
    json_object_set_new (j, "value", json_string (value));
    json_object_set_new (j, "hlc", json_integer ((json_int_t) p->hlc));
    json_object_set_new (j, "reason", json_string (why));
    if (json_array_append_new (p->w->out, j))
        p->w->rc = SH_ENOMEM;
}

//  A date field (absent: nothing to judge): at most a day after the day it
//  was written, not before earliest (when given and a date). what and
//  earliest_what are marked N_.
static void
s_plaus_date (const s_plaus_t *p, const char *field, const char *what, const char *date,
              const char *earliest, const char *earliest_what)
{
    char why[SH_PLAUS_WHY_BYTES];
    bool shown = p->w->shown;
    const char *written = N_("the day it was written at UTC+14");
    if (!date || !*date)
        return;
    sh_err rc = (shown ? sh_plaus_date_shown : sh_plaus_date)
                (s_tr (shown, what), date, p->day, s_tr (shown, written), earliest,
                 s_tr (shown, earliest_what), why);
    if (rc)
        s_implausible (p, field, date, why);
}

//  A number field that broke a rule.
static void
s_implausible_n (const s_plaus_t *p, const char *field, long long value, const char *why)
{
    char text[24];
    snprintf (text, sizeof text, "%lld", value);
    s_implausible (p, field, text, why);
}

//  The opened_on of matter id ("" unknown) into opened; any region.
static void
s_opened_on (sh_store_txn_t *txn, const uint8_t *id, size_t id_len, char opened[SH_PLAUS_DAY_BYTES])
{
    char region[SH_REGION_MAX + 1];
    uint8_t *body = NULL;
    size_t len = 0;
    opened[0] = 0;
    if (sh_merge_region (txn, SH_KIND_MATTER, id, id_len, region) != SH_OK
    ||  sh_merge_get (txn, region, SH_KIND_MATTER, id, id_len, &body, &len, NULL) != SH_OK)
        return;
    Shouhe__V1__Matter *m = shouhe__v1__matter__unpack (NULL, len, body);
    free (body);
    snprintf (opened, SH_PLAUS_DAY_BYTES, "%s", m && m->opened_on ? m->opened_on : "");
    shouhe__v1__matter__free_unpacked (m, NULL);
}

//  Residents and households of courtyard code (residents -1: unknown);
//  false when the courtyard is not on record.
static bool
s_yard_people (sh_store_txn_t *txn, const char *code, long long *households, long long *residents)
{
    uint8_t *body = NULL;
    size_t len = 0;
    if (!code || strlen (code) > SH_REGION_MAX
    ||  sh_merge_get (txn, code, SH_KIND_COURTYARD, (const uint8_t *) code, strlen (code), &body, &len, NULL))
        return false;
    Shouhe__V1__Courtyard *c = shouhe__v1__courtyard__unpack (NULL, len, body);
    free (body);
    bool ok = c && c->has_households;
    if (ok) {
        *households = c->households;
        *residents = c->has_residents ? (long long) c->residents : -1;
    }
    shouhe__v1__courtyard__free_unpacked (c, NULL);
    return ok;
}

//  One record of a PUT kind: its fields against the rules.
static void
s_plaus_record (const s_plaus_t *p, const uint8_t *body, size_t len)
{
    char why[SH_PLAUS_WHY_BYTES];
    sh_store_txn_t *txn = p->w->txn;
    bool shown = p->w->shown;
    if (p->kind == SH_KIND_COURTYARD) {
        Shouhe__V1__Courtyard *c = shouhe__v1__courtyard__unpack (NULL, len, body);
        if (c && c->has_residents && c->has_households
        &&  !(shown ? sh_plaus_residents_shown : sh_plaus_residents) (c->residents, c->households, why))
            s_implausible_n (p, "residents", c->residents, why);
        shouhe__v1__courtyard__free_unpacked (c, NULL);
    }
    else
    if (p->kind == SH_KIND_PERSON) {
        Shouhe__V1__Person *m = shouhe__v1__person__unpack (NULL, len, body);
        if (m && m->has_birth_year && m->birth_year
        &&  !(shown ? sh_plaus_birth_year_shown : sh_plaus_birth_year) (m->birth_year, atoi (p->day), why))
            s_implausible_n (p, "birth_year", m->birth_year, why);
        if (m && m->phone && *m->phone && !(shown ? sh_plaus_phone_shown : sh_plaus_phone) (m->phone, why))
            s_implausible (p, "phone", m->phone, why);
        shouhe__v1__person__free_unpacked (m, NULL);
    }
    else
    if (p->kind == SH_KIND_ROLE) {
        Shouhe__V1__RoleAssignment *m = shouhe__v1__role_assignment__unpack (NULL, len, body);
        if (m) {
            s_plaus_date (p, "appointed_on", N_("the appointment date"), m->appointed_on, NULL, NULL);
            s_plaus_date (p, "dismissed_on", N_("the dismissal date"), m->dismissed_on, m->appointed_on,
                          N_("the appointment"));
        }
        shouhe__v1__role_assignment__free_unpacked (m, NULL);
    }
    else
    if (p->kind == SH_KIND_MATTER) {
        Shouhe__V1__Matter *m = shouhe__v1__matter__unpack (NULL, len, body);
        if (m)
            s_plaus_date (p, "opened_on", N_("the opening date"), m->opened_on, NULL, NULL);
        shouhe__v1__matter__free_unpacked (m, NULL);
    }
    else
    if (p->kind == SH_KIND_MEETING) {
        Shouhe__V1__Meeting *m = shouhe__v1__meeting__unpack (NULL, len, body);
        long long households, residents;
        if (m)
            s_plaus_date (p, "date", N_("the meeting date"), m->date, NULL, NULL);
        if (m && m->has_attendance && s_yard_people (txn, m->courtyard ? m->courtyard : p->region, &households,
                                                     &residents)
        &&  !(shown ? sh_plaus_attendance_shown : sh_plaus_attendance)
                (m->attendance, households, residents, m->has_invited ? m->invited : 0, why))
            s_implausible_n (p, "attendance", m->attendance, why);
        shouhe__v1__meeting__free_unpacked (m, NULL);
    }
    else
    if (p->kind == SH_KIND_MEDIATION) {
        Shouhe__V1__Mediation *m = shouhe__v1__mediation__unpack (NULL, len, body);
        char opened[SH_PLAUS_DAY_BYTES] = "";
        if (m && m->has_matter)
            s_opened_on (txn, m->matter.data, m->matter.len, opened);
        if (m)
            s_plaus_date (p, "date", N_("the mediation date"), m->date, opened, N_("the matter was opened"));
        shouhe__v1__mediation__free_unpacked (m, NULL);
    }
}

//  sh_merge_record_fn: a record, judged as of its latest write.
static int
s_plaus_put (const char *region, const uint8_t *id, size_t id_len, const uint8_t *body, size_t len, void *arg)
{
    s_walk_t *w = arg;
    uint8_t *b = NULL;
    size_t l = 0;
    uint64_t hlc = 0;
    w->rc = sh_merge_get (w->txn, region, w->kind, id, id_len, &b, &l, &hlc);
    free (b);
    if (w->rc == SH_OK) {
        s_plaus_t p;
        s_plaus_init (&p, w, w->kind, region, id, id_len, hlc);
        s_plaus_record (&p, body, len);
    }
    return w->rc != SH_OK;
}

typedef struct {
    s_plaus_t p;             //  the set's entity (hlc and day set per event)
    char opened[SH_PLAUS_DAY_BYTES];   //  a matter's opened_on ("" unknown)
} s_plaus_set_t;

//  sh_merge_event_fn: one matter event or ledger entry, judged as of its own hlc.
static int
s_plaus_event (uint64_t hlc, const uint8_t *author, const uint8_t *body, size_t len, void *arg)
{
    (void) author;
    s_plaus_set_t *s = arg;
    s_plaus_t p;
    s_plaus_init (&p, s->p.w, s->p.kind, s->p.region, s->p.id, s->p.id_len, hlc);
    if (p.kind == SH_KIND_MATTER_EVENT) {
        Shouhe__V1__MatterEvent *e = shouhe__v1__matter_event__unpack (NULL, len, body);
        if (e)
            s_plaus_date (&p, "date", N_("the event date"), e->date, s->opened, N_("the matter was opened"));
        shouhe__v1__matter_event__free_unpacked (e, NULL);
    }
    else {
        Shouhe__V1__LedgerEntry *e = shouhe__v1__ledger_entry__unpack (NULL, len, body);
        if (e)
            s_plaus_date (&p, "date", N_("the points date"), e->date, NULL, NULL);
        shouhe__v1__ledger_entry__free_unpacked (e, NULL);
    }
    return p.w->rc != SH_OK;
}

//  sh_merge_set_fn: the events of one matter or ledger account.
static int
s_plaus_set (const char *region, const uint8_t *id, size_t id_len, void *arg)
{
    s_walk_t *w = arg;
    s_plaus_set_t s;
    s_plaus_init (&s.p, w, w->kind, region, id, id_len, 0);
    s.opened[0] = 0;
    if (w->kind == SH_KIND_MATTER_EVENT)
        s_opened_on (w->txn, id, id_len, s.opened);
    sh_err rc = sh_merge_events (w->txn, region, w->kind, id, id_len, s_plaus_event, &s);
    if (w->rc == SH_OK)
        w->rc = rc;
    return w->rc != SH_OK;
}

//  Append an "implausible" entry for each field under prefix that breaks
//  a plausibility rule.
static sh_err
s_plausibility (s_walk_t *w, const char *prefix)
{
    static const sh_kind_t puts[] = { SH_KIND_COURTYARD, SH_KIND_PERSON, SH_KIND_ROLE, SH_KIND_MATTER,
                                      SH_KIND_MEETING, SH_KIND_MEDIATION };
    static const sh_kind_t sets[] = { SH_KIND_MATTER_EVENT, SH_KIND_LEDGER };
    sh_err rc = SH_OK;
    for (size_t i = 0; rc == SH_OK && i < sizeof puts / sizeof puts[0]; i++) {
        w->kind = puts[i];
        if ((rc = sh_merge_each (w->txn, prefix, w->kind, s_plaus_put, w)) == SH_OK)
            rc = w->rc;
    }
    for (size_t i = 0; rc == SH_OK && i < sizeof sets / sizeof sets[0]; i++) {
        w->kind = sets[i];
        if ((rc = sh_merge_sets (w->txn, prefix, w->kind, s_plaus_set, w)) == SH_OK)
            rc = w->rc;
    }
    return rc;
}

//  Append a "role" entry for each role held by more people than it may be
//  (w->roles, counted by s_role_holders): one courtyard head, one
//  deliberation head, one party group leader each; a management group has
//  2-3 members.
static void
s_role_conflicts (s_walk_t *w)
{
    const char *key;
    json_t *v;
    json_object_foreach (w->roles, key, v) {
        const char *role = strchr (key, ' ') + 1;
        json_int_t n = json_integer_value (v);
        int rv;
        if (sh_record_enum_parse ("shouhe.v1.Role", role, &rv) != SH_OK)
            rv = 0;
        bool single = rv == SH_ROLE_COURTYARD_HEAD || rv == SH_ROLE_DELIBERATION_HEAD
                   || rv == SH_ROLE_PARTY_GROUP_LEADER;
        if ((single && n > 1) || (rv == SH_ROLE_MANAGEMENT_GROUP && n > 3)) {
            char why[S_WHY_BYTES], name[64];
            sh_i18n_format (why, sizeof why, w->shown, N_("%lld persons hold the role %s at once"), (long long) n,
                            w->shown ? sh_names_shown ("shouhe.v1.Role", rv, name, sizeof name) : role);
            json_t *j = json_pack ("{s:s, s:s#, s:s}", "kind", "role", "region", key, (int) (role - key - 1),
                                   "reason", why);
            if (!j || json_array_append_new (w->out, j))
                w->rc = SH_ENOMEM;
        }
    }
}

//  The one walk of both entry points: the conflicts, then the warnings.
static sh_err
s_conflicts (sh_store_t *store, const char *prefix, bool shown, json_t **out)
{
    s_walk_t w = { .out = json_array (), .roles = json_object (), .shown = shown };
    const char *p = prefix ? prefix : "";
    sh_err rc = w.out && w.roles ? sh_store_begin (store, false, &w.txn) : SH_ENOMEM;
    if (rc == SH_OK)
        rc = sh_merge_each (w.txn, p, SH_KIND_MATTER, s_matter_conflicts, &w);
    if (rc == SH_OK && (rc = w.rc) == SH_OK)
        rc = sh_merge_sets (w.txn, p, SH_KIND_LEDGER, s_ledger_conflicts, &w);
    if (rc == SH_OK && (rc = w.rc) == SH_OK)
        rc = sh_merge_each (w.txn, p, SH_KIND_ROLE, s_role_holders, &w);
    if (rc == SH_OK && (rc = w.rc) == SH_OK) {
        s_role_conflicts (&w);
        rc = w.rc;
    }
    //  the warnings come after the conflicts
    json_t *implausible = json_array ();
    json_t *conflicts = w.out;
    w.out = implausible;
    if (rc == SH_OK)
        rc = implausible ? s_plausibility (&w, p) : SH_ENOMEM;
    w.out = conflicts;
    sh_store_abort (&w.txn);
    if (rc == SH_OK && json_array_extend (w.out, implausible))
        rc = SH_ENOMEM;
    if (rc == SH_OK) {
        *out = w.out;
        w.out = NULL;
    }
    json_decref (implausible);
    json_decref (w.out);
    json_decref (w.roles);
    return rc;
}

sh_err
sh_conflicts_view (sh_store_t *store, const char *prefix, json_t **out)
{
    return s_conflicts (store, prefix, false, out);
}

sh_err
sh_conflicts_view_shown (sh_store_t *store, const char *prefix, json_t **out)
{
    return s_conflicts (store, prefix, true, out);
}
