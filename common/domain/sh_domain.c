/*  sh_domain -- rules of the five-step method, tiers, ledger and maturity. */
#include "sh_domain.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sh_change.h"
#include "sh_i18n.h"
#include "sh_merge.h"
#include "sh_names.h"
#include "sh_registry.h"
#include "shouhe/v1/domain.pb-c.h"

_Static_assert ((int) SH_TIER_BIG == (int) SHOUHE__V1__TIER__TIER_BIG, "tier values follow the schema");
_Static_assert ((int) SH_TIER_MICRO == (int) SHOUHE__V1__TIER__TIER_MICRO, "tier values follow the schema");
_Static_assert ((int) SH_STEP_DIAGNOSE == (int) SHOUHE__V1__STEP__STEP_DIAGNOSE, "step values follow the schema");
_Static_assert ((int) SH_STEP_FEEDBACK == (int) SHOUHE__V1__STEP__STEP_FEEDBACK, "step values follow the schema");
_Static_assert ((int) SH_ROLE_COURTYARD_HEAD == (int) SHOUHE__V1__ROLE__ROLE_COURTYARD_HEAD
                && (int) SH_ROLE_BAY_HEAD == (int) SHOUHE__V1__ROLE__ROLE_BAY_HEAD
                && (int) SH_ROLE_DELIBERATION_HEAD == (int) SHOUHE__V1__ROLE__ROLE_DELIBERATION_HEAD
                && (int) SH_ROLE_MANAGEMENT_GROUP == (int) SHOUHE__V1__ROLE__ROLE_MANAGEMENT_GROUP
                && (int) SH_ROLE_PARTY_GROUP_LEADER == (int) SHOUHE__V1__ROLE__ROLE_PARTY_GROUP_LEADER,
                "role values follow the schema");
_Static_assert ((int) SH_UNIT_POINTS == (int) SHOUHE__V1__LEDGER_UNIT__UNIT_POINTS
                && (int) SH_UNIT_MINUTES == (int) SHOUHE__V1__LEDGER_UNIT__UNIT_MINUTES,
                "unit values follow the schema");
_Static_assert ((int) SH_EVENT_STEP == (int) SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_STEP
                && (int) SH_EVENT_ESCALATE == (int) SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_ESCALATE
                && (int) SH_EVENT_CLOSE == (int) SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_CLOSE
                && (int) SH_EVENT_NOTE == (int) SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_NOTE,
                "event kinds follow the schema");

void
sh_domain_matter_init (sh_domain_matter_t *m)
{
    memset (m, 0, sizeof *m);
    m->tier = SH_TIER_MICRO;
    m->step = SH_STEP_DIAGNOSE;
}

int
sh_domain_next_step (int tier, int step)
{
    switch (step) {
        case SH_STEP_DIAGNOSE:  return tier == SH_TIER_MICRO ? SH_STEP_HANDLE : SH_STEP_CONSULT;
        case SH_STEP_CONSULT:   return SH_STEP_PRESCRIBE;
        case SH_STEP_PRESCRIBE: return SH_STEP_HANDLE;
        case SH_STEP_HANDLE:    return SH_STEP_FEEDBACK;
        default:                return 0;
    }
}

//  The sentence of a refusal into why: fmt (marked N_) in English, or in
//  the language of the locale when shown (sh_i18n_format).
#define s_why(why, shown, ...) sh_i18n_format (why, SH_DOMAIN_WHY_BYTES, shown, __VA_ARGS__)

//  The name of a step or tier in a rule message: the schema's short name,
//  or when shown the one sh_names_shown gives (into buf).
#define S_NAME_BYTES 48
static const char *
s_step (int value, bool shown, char buf[S_NAME_BYTES])
{
    return shown ? sh_names_shown ("shouhe.v1.Step", value, buf, S_NAME_BYTES) : sh_names_step (value);
}

static const char *
s_tier (int value, bool shown, char buf[S_NAME_BYTES])
{
    return shown ? sh_names_shown ("shouhe.v1.Tier", value, buf, S_NAME_BYTES) : sh_names_tier (value);
}

static sh_err
s_matter_step (sh_domain_matter_t *m, int step, bool shown, char *why)
{
    if (m->closed) {
        s_why (why, shown, N_("the matter is closed"));
        return SH_ERULE;
    }
    if (step < SH_STEP_DIAGNOSE || step > SH_STEP_FEEDBACK) {
        s_why (why, shown, N_("unknown step %d"), step);
        return SH_ERULE;
    }
    int next = sh_domain_next_step (m->tier, m->step);
    if (step == next) {
        m->step = step;
        return SH_OK;
    }
    char a[S_NAME_BYTES], b[S_NAME_BYTES], c[S_NAME_BYTES], d[S_NAME_BYTES];
    if (next == 0)
        s_why (why, shown, N_("step %s after feedback: the five steps are done"), s_step (step, shown, a));
    else
    if (step == m->step)
        s_why (why, shown, N_("step %s is repeated: the %s matter is already at %s"), s_step (step, shown, a),
               s_tier (m->tier, shown, b), s_step (m->step, shown, c));
    else
    if (step < m->step)
        s_why (why, shown, N_("step %s comes before %s, where the %s matter already is"),
               s_step (step, shown, a), s_step (m->step, shown, b), s_tier (m->tier, shown, c));
    else
    if (m->tier == SH_TIER_MICRO && (step == SH_STEP_CONSULT || step == SH_STEP_PRESCRIBE))
        s_why (why, shown,
               N_("step %s is only for matters the courtyard cannot handle: escalate the micro matter first"),
               s_step (step, shown, a));
    else
        s_why (why, shown, N_("step %s skips %s: the %s matter is at %s"), s_step (step, shown, a),
               s_step (next, shown, b), s_tier (m->tier, shown, c), s_step (m->step, shown, d));
    return SH_ERULE;
}

static sh_err
s_matter_escalate (sh_domain_matter_t *m, int tier, bool shown, char *why)
{
    char a[S_NAME_BYTES], b[S_NAME_BYTES];
    if (m->closed) {
        s_why (why, shown, N_("the matter is closed"));
        return SH_ERULE;
    }
    if (tier < SH_TIER_MICRO || tier > SH_TIER_BIG) {
        s_why (why, shown, N_("unknown tier %d"), tier);
        return SH_ERULE;
    }
    if (m->step >= SH_STEP_HANDLE) {
        s_why (why, shown, N_("escalation only before handle: the matter is at %s"), s_step (m->step, shown, a));
        return SH_ERULE;
    }
    if (tier <= m->tier) {
        s_why (why, shown, N_("escalation goes upwards only: the matter is %s, not below %s"),
               s_tier (m->tier, shown, a), s_tier (tier, shown, b));
        return SH_ERULE;
    }
    m->tier = tier;
    m->escalations++;
    return SH_OK;
}

static sh_err
s_matter_close (sh_domain_matter_t *m, int satisfaction, bool shown, char *why)
{
    char a[S_NAME_BYTES];
    if (m->closed) {
        s_why (why, shown, N_("the matter is already closed"));
        return SH_ERULE;
    }
    if (m->step != SH_STEP_FEEDBACK) {
        s_why (why, shown, N_("a matter closes only after feedback: it is at %s"), s_step (m->step, shown, a));
        return SH_ERULE;
    }
    if (satisfaction < 1 || satisfaction > 5) {
        s_why (why, shown, N_("satisfaction must be 1..5, not %d"), satisfaction);
        return SH_ERULE;
    }
    m->closed = true;
    m->satisfaction = satisfaction;
    return SH_OK;
}

static sh_err
s_matter_apply (sh_domain_matter_t *m, int kind, int value, bool shown, char *why)
{
    switch (kind) {
        case SH_EVENT_STEP:     return s_matter_step (m, value, shown, why);
        case SH_EVENT_ESCALATE: return s_matter_escalate (m, value, shown, why);
        case SH_EVENT_CLOSE:    return s_matter_close (m, value, shown, why);
        case SH_EVENT_NOTE:     return SH_OK;
        default:
            s_why (why, shown, N_("unknown matter event kind %d"), kind);
            return SH_ERULE;
    }
}

sh_err
sh_domain_matter_step (sh_domain_matter_t *m, int step, char *why)
{
    return s_matter_step (m, step, false, why);
}

sh_err
sh_domain_matter_escalate (sh_domain_matter_t *m, int tier, char *why)
{
    return s_matter_escalate (m, tier, false, why);
}

sh_err
sh_domain_matter_close (sh_domain_matter_t *m, int satisfaction, char *why)
{
    return s_matter_close (m, satisfaction, false, why);
}

sh_err
sh_domain_matter_apply (sh_domain_matter_t *m, int kind, int value, char *why)
{
    return s_matter_apply (m, kind, value, false, why);
}

sh_err
sh_domain_matter_apply_shown (sh_domain_matter_t *m, int kind, int value, char *why)
{
    return s_matter_apply (m, kind, value, true, why);
}

//  ---------------------------------------------------------------------
//  Who leads a matter

//  The tier of an author of scope (length n) for a matter of region: its
//  name in messages, and whether it is the village or a town above it.
static const char *
s_level (size_t n, bool shown)
{
    const char *level = n == 12 ? N_("village") : n == 9 ? N_("town") : n == 6 ? N_("district") : N_("other");
    return shown ? _(level) : level;
}

static sh_err
s_matter_lead (const sh_domain_matter_t *m, const char *region, const char *scope, int kind,
               int value, bool shown, char *why)
{
    if (!scope || kind == SH_EVENT_NOTE
    ||  (kind != SH_EVENT_STEP && kind != SH_EVENT_ESCALATE && kind != SH_EVENT_CLOSE))
        return SH_OK;            //  unknown author; a note; an unknown kind (refused elsewhere)
    size_t n = strlen (scope);
    bool covers = strncmp (region, scope, n) == 0;
    bool village = n == 12 && covers, town = (n == 9 || n == 6) && covers;
    bool big = m->tier == SH_TIER_BIG;
    if (big ? town : village)
        return SH_OK;            //  the leading tier
    if (kind == SH_EVENT_ESCALATE && !big && town && value == SH_TIER_BIG)
        return SH_OK;            //  a town takes a matter of its villages up to itself
    char what[S_NAME_BYTES + 32], name[S_NAME_BYTES];
    if (kind == SH_EVENT_STEP)
        snprintf (what, sizeof what, shown ? _("step %s") : "step %s", s_step (value, shown, name));
    else
    if (kind == SH_EVENT_ESCALATE)
        snprintf (what, sizeof what, shown ? _("escalation to %s") : "escalation to %s",
                  s_tier (value, shown, name));
    else
        snprintf (what, sizeof what, "%s", shown ? _("close") : "close");
    if (big)
        s_why (why, shown, N_("%s by a %s node: the big matter is led by its town (大事镇街督办)"),
               what, s_level (n, shown));
    else
    if (kind == SH_EVENT_ESCALATE && town)
        s_why (why, shown, N_("%s by a %s node: a town escalates a matter of its villages "
                              "only to big (大事镇街督办)"), what, s_level (n, shown));
    else
        s_why (why, shown, N_("%s by a %s node: the %s matter is led by its village; "
                              "a town leads only matters escalated to big"), what, s_level (n, shown),
               s_tier (m->tier, shown, name));
    return SH_ERULE;
}

sh_err
sh_domain_matter_lead (const sh_domain_matter_t *m, const char *region, const char *scope, int kind,
                       int value, char *why)
{
    return s_matter_lead (m, region, scope, kind, value, false, why);
}

sh_err
sh_domain_matter_lead_shown (const sh_domain_matter_t *m, const char *region, const char *scope, int kind,
                             int value, char *why)
{
    return s_matter_lead (m, region, scope, kind, value, true, why);
}

//  ---------------------------------------------------------------------
//  Replays

typedef struct {
    sh_domain_matter_t *m;            //  state being built
    sh_domain_ledger_t *l;            //  or ledger being built
    sh_domain_conflict_fn *conflict;  //  callback for refused events
    void *arg;                        //  its argument
    bool shown;                       //  reasons in the locale's language (the _shown replays)
    sh_err rc;                        //  first hard error
    sh_store_txn_t *txn;              //  where authors' scopes are read (matters)
    const char *region;               //  the matter's region
    uint8_t author[SH_PUBKEY_BYTES];  //  the last author looked up
    char scope[SH_REGION_MAX + 1];    //  its scope ("" if unknown)
    bool cached;                      //  author and scope hold a look-up
    const uint8_t *target;            //  sh_domain_matter_own_lead: the author asked about
    uint64_t target_hlc;              //  and the event's hlc
    bool own;                         //  that event: refused by the lead rule, on a matter it made big
    char *own_why;                    //  its reason (SH_DOMAIN_WHY_BYTES)
} s_replay_t;

//  The scope of author as the store knows it, or NULL; a store error stops
//  the replay (r->rc).
static const char *
s_author_scope (s_replay_t *r, const uint8_t *author)
{
    if (!r->cached || memcmp (r->author, author, SH_PUBKEY_BYTES) != 0) {
        memcpy (r->author, author, SH_PUBKEY_BYTES);
        r->cached = true;
        sh_err rc = sh_registry_scope (r->txn, author, r->scope);
        if (rc)
            r->scope[0] = '\0';
        if (rc && rc != SH_ENOTFOUND) {
            r->rc = rc;
            r->cached = false;
        }
    }
    return r->scope[0] ? r->scope : NULL;
}

static void
s_conflict (s_replay_t *r, uint64_t hlc, const uint8_t *author, const char *why)
{
    if (r->conflict)
        r->conflict (hlc, author, why, r->arg);
}

static int
s_matter_event (uint64_t hlc, const uint8_t *author, const uint8_t *body, size_t len, void *arg)
{
    s_replay_t *r = arg;
    char why[SH_DOMAIN_WHY_BYTES];
    Shouhe__V1__MatterEvent *e = shouhe__v1__matter_event__unpack (NULL, len, body);
    if (!e) {
        s_why (why, r->shown, N_("undecodable matter event"));
        s_conflict (r, hlc, author, why);
        r->m->conflicts++;
        return 0;
    }
    int kind = (int) e->kind;
    int value = kind == SH_EVENT_STEP ? (e->has_step ? (int) e->step : 0)
              : kind == SH_EVENT_ESCALATE ? (e->has_tier ? (int) e->tier : 0)
              : kind == SH_EVENT_CLOSE && e->has_satisfaction ? (int) e->satisfaction : 0;
    //  who may move the matter first, then how it may move
    const char *scope = s_author_scope (r, author);
    sh_err rc = r->rc ? r->rc : s_matter_lead (r->m, r->region, scope, kind, value, r->shown, why);
    if (rc == SH_ERULE && r->target && hlc == r->target_hlc && kind != SH_EVENT_ESCALATE
    &&  memcmp (author, r->target, SH_PUBKEY_BYTES) == 0
    &&  memcmp (r->m->big_by, author, SH_PUBKEY_BYTES) == 0) {
        r->own = true;
        snprintf (r->own_why, SH_DOMAIN_WHY_BYTES, "%s", why);
    }
    if (rc == SH_OK)
        rc = s_matter_apply (r->m, kind, value, r->shown, why);
    shouhe__v1__matter_event__free_unpacked (e, NULL);
    if (rc == SH_OK && kind == SH_EVENT_ESCALATE && r->m->tier == SH_TIER_BIG)
        memcpy (r->m->big_by, author, SH_PUBKEY_BYTES);
    if (rc == SH_OK && kind == SH_EVENT_CLOSE)
        r->m->closed_hlc = hlc;
    if (r->rc)
        return 1;                //  a store error: stop
    if (rc) {
        s_conflict (r, hlc, author, why);
        r->m->conflicts++;
    }
    else
    if (kind != SH_EVENT_NOTE)   //  a note changes nothing, not even last_hlc
        r->m->last_hlc = hlc;
    return 0;
}

static sh_err
s_matter_replay (sh_store_txn_t *txn, const char *region, const uint8_t *id, size_t id_len,
                 sh_domain_matter_t *m, sh_domain_conflict_fn *conflict, void *arg, bool shown)
{
    sh_domain_matter_init (m);
    s_replay_t r = { .m = m, .conflict = conflict, .arg = arg, .shown = shown, .txn = txn, .region = region };
    sh_err rc = sh_merge_events (txn, region, SH_KIND_MATTER_EVENT, id, id_len, s_matter_event, &r);
    return rc ? rc : r.rc;
}

sh_err
sh_domain_matter_replay (sh_store_txn_t *txn, const char *region, const uint8_t *id, size_t id_len,
                         sh_domain_matter_t *m, sh_domain_conflict_fn *conflict, void *arg)
{
    return s_matter_replay (txn, region, id, id_len, m, conflict, arg, false);
}

sh_err
sh_domain_matter_replay_shown (sh_store_txn_t *txn, const char *region, const uint8_t *id, size_t id_len,
                               sh_domain_matter_t *m, sh_domain_conflict_fn *conflict, void *arg)
{
    return s_matter_replay (txn, region, id, id_len, m, conflict, arg, true);
}

sh_err
sh_domain_matter_own_lead (sh_store_txn_t *txn, const char *region, const uint8_t *id, size_t id_len,
                           uint64_t hlc, const uint8_t author[SH_PUBKEY_BYTES], bool *own, char *why)
{
    sh_domain_matter_t m;
    sh_domain_matter_init (&m);
    s_replay_t r = { .m = &m, .txn = txn, .region = region, .target = author, .target_hlc = hlc,
                     .own_why = why };
    sh_err rc = sh_merge_events (txn, region, SH_KIND_MATTER_EVENT, id, id_len, s_matter_event, &r);
    *own = r.own;
    return rc ? rc : r.rc;
}

static int
s_ledger_event (uint64_t hlc, const uint8_t *author, const uint8_t *body, size_t len, void *arg)
{
    s_replay_t *r = arg;
    sh_domain_ledger_t *l = r->l;
    char why[SH_DOMAIN_WHY_BYTES];
    Shouhe__V1__LedgerEntry *e = shouhe__v1__ledger_entry__unpack (NULL, len, body);
    //  amounts are capped so that no set of entries overflows the sums
    if (!e || !e->has_unit || e->unit < 1 || e->unit > 2 || !e->has_amount || e->amount == 0
    ||  e->amount > SH_DOMAIN_AMOUNT_MAX) {
        s_why (why, r->shown, N_("malformed ledger entry"));
        s_conflict (r, hlc, author, why);
        l->conflicts++;
    }
    else
    if (e->kind == SHOUHE__V1__LEDGER_KIND__LEDGER_EARN) {
        l->earned[e->unit] += e->amount;
        l->balance[e->unit] += (int64_t) e->amount;
    }
    else
    if (e->kind == SHOUHE__V1__LEDGER_KIND__LEDGER_REDEEM) {
        //  a balance is the sum of all entries; an overdraft (two concurrent
        //  redemptions) is kept and flagged
        if ((int64_t) e->amount > l->balance[e->unit]) {
            s_why (why, r->shown, N_("redemption of %llu overdraws the balance of %lld"),
                   (unsigned long long) e->amount, (long long) l->balance[e->unit]);
            s_conflict (r, hlc, author, why);
            l->conflicts++;
        }
        l->redeemed[e->unit] += e->amount;
        l->balance[e->unit] -= (int64_t) e->amount;
    }
    else {
        s_why (why, r->shown, N_("ledger entry is neither earn nor redeem"));
        s_conflict (r, hlc, author, why);
        l->conflicts++;
    }
    if (e)
        shouhe__v1__ledger_entry__free_unpacked (e, NULL);
    return 0;
}

static sh_err
s_ledger_replay (sh_store_txn_t *txn, const char *region, const uint8_t *id, size_t id_len,
                 sh_domain_ledger_t *l, sh_domain_conflict_fn *conflict, void *arg, bool shown)
{
    memset (l, 0, sizeof *l);
    s_replay_t r = { .l = l, .conflict = conflict, .arg = arg, .shown = shown };
    return sh_merge_events (txn, region, SH_KIND_LEDGER, id, id_len, s_ledger_event, &r);
}

sh_err
sh_domain_ledger_replay (sh_store_txn_t *txn, const char *region, const uint8_t *id, size_t id_len,
                         sh_domain_ledger_t *l, sh_domain_conflict_fn *conflict, void *arg)
{
    return s_ledger_replay (txn, region, id, id_len, l, conflict, arg, false);
}

sh_err
sh_domain_ledger_replay_shown (sh_store_txn_t *txn, const char *region, const uint8_t *id, size_t id_len,
                               sh_domain_ledger_t *l, sh_domain_conflict_fn *conflict, void *arg)
{
    return s_ledger_replay (txn, region, id, id_len, l, conflict, arg, true);
}

typedef struct {
    s_replay_t r;            //  the replay
    const char *until;       //  the last date replayed
} s_until_t;

//  s_ledger_event for the entries dated until or before (or undated).
static int
s_ledger_until (uint64_t hlc, const uint8_t *author, const uint8_t *body, size_t len, void *arg)
{
    s_until_t *u = arg;
    Shouhe__V1__LedgerEntry *e = shouhe__v1__ledger_entry__unpack (NULL, len, body);
    bool later = e && e->date && *e->date && strcmp (e->date, u->until) > 0;
    shouhe__v1__ledger_entry__free_unpacked (e, NULL);
    return later ? 0 : s_ledger_event (hlc, author, body, len, &u->r);
}

sh_err
sh_domain_ledger_replay_until (sh_store_txn_t *txn, const char *region, const uint8_t *id, size_t id_len,
                               const char *until, sh_domain_ledger_t *l)
{
    memset (l, 0, sizeof *l);
    s_until_t u = { .r = { .l = l }, .until = until };
    return sh_merge_events (txn, region, SH_KIND_LEDGER, id, id_len, s_ledger_until, &u);
}

//  ---------------------------------------------------------------------
//  Maturity

int
sh_domain_maturity (int content, int effect, int satisfaction)
{
    if (content < 1 || content > 10 || effect < 1 || effect > 10
    ||  satisfaction < 1 || satisfaction > 10)
        return 0;
    return (content + effect + satisfaction + 1) / 3;
}

double
sh_domain_hexagon_area (const double r[6])
{
    double sum = 0;
    for (int i = 0; i < 6; i++)
        sum += r[i] * r[(i + 1) % 6];
    return sqrt (3.0) / 4.0 * sum;
}
