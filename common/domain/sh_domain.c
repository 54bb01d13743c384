/*  sh_domain -- rules of the five-step method, tiers, ledger and maturity. */
#include "sh_domain.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sh_change.h"
#include "sh_merge.h"
#include "sh_names.h"
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

//  ---------------------------------------------------------------------
//  Replays

typedef struct {
    sh_domain_matter_t *m;            //  state being built
    sh_domain_ledger_t *l;            //  or ledger being built
    sh_domain_conflict_fn *conflict;  //  callback for refused events
    void *arg;                        //  its argument
    sh_err rc;                        //  first hard error
} s_replay_t;

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
    sh_err rc;
    switch (e->kind) {
        case SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_STEP:
            rc = sh_domain_matter_step (r->m, e->has_step ? (int) e->step : 0, why);
            break;
        case SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_ESCALATE:
            rc = sh_domain_matter_escalate (r->m, e->has_tier ? (int) e->tier : 0, why);
            break;
        case SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_CLOSE:
            rc = sh_domain_matter_close (r->m, e->has_satisfaction ? (int) e->satisfaction : 0, why);
            if (rc == SH_OK)
                r->m->closed_hlc = hlc;
            break;
        default:
            snprintf (why, sizeof why, "unknown matter event kind %d", (int) e->kind);
            rc = SH_ERULE;
    }
    shouhe__v1__matter_event__free_unpacked (e, NULL);
    if (rc) {
        s_conflict (r, hlc, author, why);
        r->m->conflicts++;
    }
    else
        r->m->last_hlc = hlc;
    return 0;
}

sh_err
sh_domain_matter_replay (sh_store_txn_t *txn, const char *region, const uint8_t *id, size_t id_len,
                         sh_domain_matter_t *m, sh_domain_conflict_fn *conflict, void *arg)
{
    sh_domain_matter_init (m);
    s_replay_t r = { m, NULL, conflict, arg, SH_OK };
    return sh_merge_events (txn, region, SH_KIND_MATTER_EVENT, id, id_len, s_matter_event, &r);
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
    s_replay_t r = { NULL, l, conflict, arg, SH_OK };
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
    s_until_t u = { { NULL, l, NULL, NULL, SH_OK }, until };
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
