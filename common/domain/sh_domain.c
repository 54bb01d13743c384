/*  sh_domain -- rules of the five-step method, tiers, ledger and maturity. */
#include "sh_domain.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sh_change.h"
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

sh_err
sh_domain_matter_step (sh_domain_matter_t *m, int step, char *why)
{
    if (m->closed) {
        snprintf (why, SH_DOMAIN_WHY_BYTES, "the matter is closed");
        return SH_ERULE;
    }
    if (step < SH_STEP_DIAGNOSE || step > SH_STEP_FEEDBACK) {
        snprintf (why, SH_DOMAIN_WHY_BYTES, "unknown step %d", step);
        return SH_ERULE;
    }
    int next = sh_domain_next_step (m->tier, m->step);
    if (step == next) {
        m->step = step;
        return SH_OK;
    }
    if (next == 0)
        snprintf (why, SH_DOMAIN_WHY_BYTES, "step %s after feedback: the five steps are done",
                  sh_names_step (step));
    else
    if (step == m->step)
        snprintf (why, SH_DOMAIN_WHY_BYTES, "step %s is repeated: the %s matter is already at %s",
                  sh_names_step (step), sh_names_tier (m->tier), sh_names_step (m->step));
    else
    if (step < m->step)
        snprintf (why, SH_DOMAIN_WHY_BYTES, "step %s comes before %s, where the %s matter already is",
                  sh_names_step (step), sh_names_step (m->step), sh_names_tier (m->tier));
    else
    if (m->tier == SH_TIER_MICRO && (step == SH_STEP_CONSULT || step == SH_STEP_PRESCRIBE))
        snprintf (why, SH_DOMAIN_WHY_BYTES,
                  "step %s is only for matters the courtyard cannot handle: escalate the micro matter first",
                  sh_names_step (step));
    else
        snprintf (why, SH_DOMAIN_WHY_BYTES, "step %s skips %s: the %s matter is at %s",
                  sh_names_step (step), sh_names_step (next), sh_names_tier (m->tier),
                  sh_names_step (m->step));
    return SH_ERULE;
}

sh_err
sh_domain_matter_escalate (sh_domain_matter_t *m, int tier, char *why)
{
    if (m->closed) {
        snprintf (why, SH_DOMAIN_WHY_BYTES, "the matter is closed");
        return SH_ERULE;
    }
    if (tier < SH_TIER_MICRO || tier > SH_TIER_BIG) {
        snprintf (why, SH_DOMAIN_WHY_BYTES, "unknown tier %d", tier);
        return SH_ERULE;
    }
    if (m->step >= SH_STEP_HANDLE) {
        snprintf (why, SH_DOMAIN_WHY_BYTES, "escalation only before handle: the matter is at %s",
                  sh_names_step (m->step));
        return SH_ERULE;
    }
    if (tier <= m->tier) {
        snprintf (why, SH_DOMAIN_WHY_BYTES, "escalation goes upwards only: the matter is %s, not below %s",
                  sh_names_tier (m->tier), sh_names_tier (tier));
        return SH_ERULE;
    }
    m->tier = tier;
    m->escalations++;
    return SH_OK;
}

sh_err
sh_domain_matter_close (sh_domain_matter_t *m, int satisfaction, char *why)
{
    if (m->closed) {
        snprintf (why, SH_DOMAIN_WHY_BYTES, "the matter is already closed");
        return SH_ERULE;
    }
    if (m->step != SH_STEP_FEEDBACK) {
        snprintf (why, SH_DOMAIN_WHY_BYTES, "a matter closes only after feedback: it is at %s",
                  sh_names_step (m->step));
        return SH_ERULE;
    }
    if (satisfaction < 1 || satisfaction > 5) {
        snprintf (why, SH_DOMAIN_WHY_BYTES, "satisfaction must be 1..5, not %d", satisfaction);
        return SH_ERULE;
    }
    m->closed = true;
    m->satisfaction = satisfaction;
    return SH_OK;
}

sh_err
sh_domain_matter_apply (sh_domain_matter_t *m, int kind, int value, char *why)
{
    switch (kind) {
        case SH_EVENT_STEP:     return sh_domain_matter_step (m, value, why);
        case SH_EVENT_ESCALATE: return sh_domain_matter_escalate (m, value, why);
        case SH_EVENT_CLOSE:    return sh_domain_matter_close (m, value, why);
        case SH_EVENT_NOTE:     return SH_OK;
        default:
            snprintf (why, SH_DOMAIN_WHY_BYTES, "unknown matter event kind %d", kind);
            return SH_ERULE;
    }
}

//  ---------------------------------------------------------------------
//  Who leads a matter

//  The tier of an author of scope (length n) for a matter of region: its
//  name in messages, and whether it is the village or a town above it.
static const char *
s_level (size_t n)
{
    return n == 12 ? "village" : n == 9 ? "town" : n == 6 ? "district" : "other";
}

sh_err
sh_domain_matter_lead (const sh_domain_matter_t *m, const char *region, const char *scope, int kind,
                       int value, char *why)
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
    char what[48];
    if (kind == SH_EVENT_STEP)
        snprintf (what, sizeof what, "step %s", sh_names_step (value));
    else
    if (kind == SH_EVENT_ESCALATE)
        snprintf (what, sizeof what, "escalation to %s", sh_names_tier (value));
    else
        snprintf (what, sizeof what, "close");
    if (big)
        snprintf (why, SH_DOMAIN_WHY_BYTES, "%s by a %s node: the big matter is led by its town (大事镇街督办)",
                  what, s_level (n));
    else
    if (kind == SH_EVENT_ESCALATE && town)
        snprintf (why, SH_DOMAIN_WHY_BYTES, "%s by a %s node: a town escalates a matter of its villages "
                  "only to big (大事镇街督办)", what, s_level (n));
    else
        snprintf (why, SH_DOMAIN_WHY_BYTES, "%s by a %s node: the %s matter is led by its village; "
                  "a town leads only matters escalated to big", what, s_level (n), sh_names_tier (m->tier));
    return SH_ERULE;
}

//  ---------------------------------------------------------------------
//  Replays

typedef struct {
    sh_domain_matter_t *m;            //  state being built
    sh_domain_ledger_t *l;            //  or ledger being built
    sh_domain_conflict_fn *conflict;  //  callback for refused events
    void *arg;                        //  its argument
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
        s_conflict (r, hlc, author, "undecodable matter event");
        r->m->conflicts++;
        return 0;
    }
    int kind = (int) e->kind;
    int value = kind == SH_EVENT_STEP ? (e->has_step ? (int) e->step : 0)
              : kind == SH_EVENT_ESCALATE ? (e->has_tier ? (int) e->tier : 0)
              : kind == SH_EVENT_CLOSE && e->has_satisfaction ? (int) e->satisfaction : 0;
    //  who may move the matter first, then how it may move
    const char *scope = s_author_scope (r, author);
    sh_err rc = r->rc ? r->rc : sh_domain_matter_lead (r->m, r->region, scope, kind, value, why);
    if (rc == SH_ERULE && r->target && hlc == r->target_hlc && kind != SH_EVENT_ESCALATE
    &&  memcmp (author, r->target, SH_PUBKEY_BYTES) == 0
    &&  memcmp (r->m->big_by, author, SH_PUBKEY_BYTES) == 0) {
        r->own = true;
        snprintf (r->own_why, SH_DOMAIN_WHY_BYTES, "%s", why);
    }
    if (rc == SH_OK)
        rc = sh_domain_matter_apply (r->m, kind, value, why);
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

sh_err
sh_domain_matter_replay (sh_store_txn_t *txn, const char *region, const uint8_t *id, size_t id_len,
                         sh_domain_matter_t *m, sh_domain_conflict_fn *conflict, void *arg)
{
    sh_domain_matter_init (m);
    s_replay_t r = { .m = m, .conflict = conflict, .arg = arg, .txn = txn, .region = region };
    sh_err rc = sh_merge_events (txn, region, SH_KIND_MATTER_EVENT, id, id_len, s_matter_event, &r);
    return rc ? rc : r.rc;
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
    Shouhe__V1__LedgerEntry *e = shouhe__v1__ledger_entry__unpack (NULL, len, body);
    //  amounts are capped so that no set of entries overflows the sums
    if (!e || !e->has_unit || e->unit < 1 || e->unit > 2 || !e->has_amount || e->amount == 0
    ||  e->amount > SH_DOMAIN_AMOUNT_MAX) {
        s_conflict (r, hlc, author, "malformed ledger entry");
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
            char why[SH_DOMAIN_WHY_BYTES];
            snprintf (why, sizeof why, "redemption of %llu overdraws the balance of %lld",
                      (unsigned long long) e->amount, (long long) l->balance[e->unit]);
            s_conflict (r, hlc, author, why);
            l->conflicts++;
        }
        l->redeemed[e->unit] += e->amount;
        l->balance[e->unit] -= (int64_t) e->amount;
    }
    else {
        s_conflict (r, hlc, author, "ledger entry is neither earn nor redeem");
        l->conflicts++;
    }
    if (e)
        shouhe__v1__ledger_entry__free_unpacked (e, NULL);
    return 0;
}

sh_err
sh_domain_ledger_replay (sh_store_txn_t *txn, const char *region, const uint8_t *id, size_t id_len,
                         sh_domain_ledger_t *l, sh_domain_conflict_fn *conflict, void *arg)
{
    memset (l, 0, sizeof *l);
    s_replay_t r = { .l = l, .conflict = conflict, .arg = arg };
    return sh_merge_events (txn, region, SH_KIND_LEDGER, id, id_len, s_ledger_event, &r);
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
