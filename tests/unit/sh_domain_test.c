/*  sh_domain_test -- the five-step method, the three tiers, closing, the
    maturity table, the hexagon area, and replays of event sets that hold
    rule breaks after concurrent edits on two replicas.
*/
#include "sh_test.h"
#include "sh_test_sync.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "sh_change.h"
#include "sh_domain.h"
#include "sh_key.h"
#include "sh_merge.h"
#include "sh_registry.h"
#include "sh_replica.h"
#include "sh_store.h"
#include "shouhe/v1/domain.pb-c.h"

#define S_HLC_BASE (1700000000000ull << 16)
#define S_VILLAGE "500115001001"
#define S_YARD "500115001001001"
#define S_TOWN "500115001"

/* --------------------------------------------------------------------------
 * Helpers
 * -------------------------------------------------------------------------- */

//  Expect a refusal: SH_ERULE, m unchanged, a message naming each word.
//  The call writes its message into why_, which the macro declares.
#define S_REFUSED(call, m, ...) do { \
    sh_domain_matter_t before_ = *(m); \
    char why_[SH_DOMAIN_WHY_BYTES] = ""; \
    SH_FAIL (call, SH_ERULE); \
    SH_CHECK (memcmp (&before_, (m), sizeof before_) == 0); \
    s_names (why_, (const char *[]) { __VA_ARGS__, NULL }); \
} while (0)

//  Check that why is non-empty and names every word of the NULL-ended list.
static void
s_names (const char *why, const char *const *words)
{
    if (!*why) {
        fprintf (stderr, "empty rule message\n");
        SH_CHECK (0);
    }
    for (; *words; words++)
        if (!strstr (why, *words)) {
            fprintf (stderr, "rule message '%s' does not name '%s'\n", why, *words);
            SH_CHECK (0);
        }
}

static void
s_at (const sh_domain_matter_t *m, int tier, int step, bool closed)
{
    if (m->tier != tier || m->step != step || m->closed != closed) {
        fprintf (stderr, "matter is tier %d step %d closed %d; expected %d %d %d\n",
                 m->tier, m->step, m->closed, tier, step, closed);
        SH_CHECK (0);
    }
}

/* --------------------------------------------------------------------------
 * Transitions
 * -------------------------------------------------------------------------- */

static void
test_next_step (void)
{
    SH_CHECK (sh_domain_next_step (SH_TIER_MICRO, SH_STEP_DIAGNOSE) == SH_STEP_HANDLE);
    SH_CHECK (sh_domain_next_step (SH_TIER_MICRO, SH_STEP_HANDLE) == SH_STEP_FEEDBACK);
    SH_CHECK (sh_domain_next_step (SH_TIER_MICRO, SH_STEP_FEEDBACK) == 0);
    for (int t = SH_TIER_SMALL; t <= SH_TIER_BIG; t++) {
        SH_CHECK (sh_domain_next_step (t, SH_STEP_DIAGNOSE) == SH_STEP_CONSULT);
        SH_CHECK (sh_domain_next_step (t, SH_STEP_CONSULT) == SH_STEP_PRESCRIBE);
        SH_CHECK (sh_domain_next_step (t, SH_STEP_PRESCRIBE) == SH_STEP_HANDLE);
        SH_CHECK (sh_domain_next_step (t, SH_STEP_HANDLE) == SH_STEP_FEEDBACK);
        SH_CHECK (sh_domain_next_step (t, SH_STEP_FEEDBACK) == 0);
    }
    SH_CHECK (sh_domain_next_step (SH_TIER_SMALL, 0) == 0 && sh_domain_next_step (SH_TIER_SMALL, 9) == 0);
    //  the constants follow the schema
    static const int pairs[][2] = {
        { SH_TIER_MICRO, SHOUHE__V1__TIER__TIER_MICRO }, { SH_TIER_SMALL, SHOUHE__V1__TIER__TIER_SMALL },
        { SH_TIER_BIG, SHOUHE__V1__TIER__TIER_BIG }, { SH_STEP_DIAGNOSE, SHOUHE__V1__STEP__STEP_DIAGNOSE },
        { SH_STEP_CONSULT, SHOUHE__V1__STEP__STEP_CONSULT }, { SH_STEP_PRESCRIBE, SHOUHE__V1__STEP__STEP_PRESCRIBE },
        { SH_STEP_HANDLE, SHOUHE__V1__STEP__STEP_HANDLE }, { SH_STEP_FEEDBACK, SHOUHE__V1__STEP__STEP_FEEDBACK },
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        SH_CHECK (pairs[i][0] == pairs[i][1]);
}

//  Micro: diagnose -> handle -> feedback -> closed, and what it refuses.
static void
test_micro_path (void)
{
    sh_domain_matter_t m;
    memset (&m, 0x5a, sizeof m);
    sh_domain_matter_init (&m);
    s_at (&m, SH_TIER_MICRO, SH_STEP_DIAGNOSE, false);
    SH_CHECK (m.escalations == 0 && m.conflicts == 0 && m.satisfaction == 0 && m.last_hlc == 0);
    char why[SH_DOMAIN_WHY_BYTES];

    //  consult and prescribe are for matters the courtyard cannot handle
    S_REFUSED (sh_domain_matter_step (&m, SH_STEP_CONSULT, why_), &m, "consult", "escalate");
    S_REFUSED (sh_domain_matter_step (&m, SH_STEP_PRESCRIBE, why_), &m, "prescribe", "escalate");
    S_REFUSED (sh_domain_matter_step (&m, SH_STEP_DIAGNOSE, why_), &m, "diagnose", "repeated");
    S_REFUSED (sh_domain_matter_step (&m, SH_STEP_FEEDBACK, why_), &m, "feedback", "handle");
    S_REFUSED (sh_domain_matter_step (&m, 0, why_), &m, "unknown step");
    S_REFUSED (sh_domain_matter_step (&m, 6, why_), &m, "unknown step");
    S_REFUSED (sh_domain_matter_close (&m, 5, why_), &m, "feedback", "diagnose");

    SH_PASS (sh_domain_matter_step (&m, SH_STEP_HANDLE, why));
    s_at (&m, SH_TIER_MICRO, SH_STEP_HANDLE, false);
    S_REFUSED (sh_domain_matter_step (&m, SH_STEP_HANDLE, why_), &m, "handle", "repeated");
    S_REFUSED (sh_domain_matter_step (&m, SH_STEP_DIAGNOSE, why_), &m, "diagnose", "before", "handle");
    S_REFUSED (sh_domain_matter_close (&m, 4, why_), &m, "feedback", "handle");
    //  no escalation once handled
    S_REFUSED (sh_domain_matter_escalate (&m, SH_TIER_SMALL, why_), &m, "handle");
    S_REFUSED (sh_domain_matter_escalate (&m, SH_TIER_BIG, why_), &m, "handle");

    SH_PASS (sh_domain_matter_step (&m, SH_STEP_FEEDBACK, why));
    s_at (&m, SH_TIER_MICRO, SH_STEP_FEEDBACK, false);
    S_REFUSED (sh_domain_matter_step (&m, SH_STEP_FEEDBACK, why_), &m, "feedback");
    S_REFUSED (sh_domain_matter_step (&m, SH_STEP_CONSULT, why_), &m, "consult");
    S_REFUSED (sh_domain_matter_escalate (&m, SH_TIER_SMALL, why_), &m, "feedback");

    //  satisfaction 1..5
    S_REFUSED (sh_domain_matter_close (&m, 0, why_), &m, "satisfaction", "1..5", "0");
    S_REFUSED (sh_domain_matter_close (&m, 6, why_), &m, "satisfaction", "1..5", "6");
    S_REFUSED (sh_domain_matter_close (&m, -1, why_), &m, "satisfaction");
    SH_PASS (sh_domain_matter_close (&m, 5, why));
    s_at (&m, SH_TIER_MICRO, SH_STEP_FEEDBACK, true);
    SH_CHECK (m.satisfaction == 5 && m.escalations == 0);

    //  a closed matter refuses everything
    for (int s = SH_STEP_DIAGNOSE; s <= SH_STEP_FEEDBACK; s++)
        S_REFUSED (sh_domain_matter_step (&m, s, why_), &m, "closed");
    for (int t = SH_TIER_MICRO; t <= SH_TIER_BIG; t++)
        S_REFUSED (sh_domain_matter_escalate (&m, t, why_), &m, "closed");
    for (int s = 1; s <= 5; s++)
        S_REFUSED (sh_domain_matter_close (&m, s, why_), &m, "closed");
    SH_CHECK (m.satisfaction == 5);

    //  the lowest satisfaction closes too
    sh_domain_matter_init (&m);
    SH_PASS (sh_domain_matter_step (&m, SH_STEP_HANDLE, why));
    SH_PASS (sh_domain_matter_step (&m, SH_STEP_FEEDBACK, why));
    SH_PASS (sh_domain_matter_close (&m, 1, why));
    SH_CHECK (m.closed && m.satisfaction == 1);
}

//  Small and big: diagnose -> consult -> prescribe -> handle -> feedback.
static void
test_small_big_path (void)
{
    char why[SH_DOMAIN_WHY_BYTES];
    for (int tier = SH_TIER_SMALL; tier <= SH_TIER_BIG; tier++) {
        sh_domain_matter_t m;
        sh_domain_matter_init (&m);
        SH_PASS (sh_domain_matter_escalate (&m, tier, why));   //  straight from micro
        s_at (&m, tier, SH_STEP_DIAGNOSE, false);
        SH_CHECK (m.escalations == 1);
        //  escalated from micro: consult is now required
        S_REFUSED (sh_domain_matter_step (&m, SH_STEP_HANDLE, why_), &m, "handle", "skips", "consult");
        S_REFUSED (sh_domain_matter_step (&m, SH_STEP_PRESCRIBE, why_), &m, "prescribe", "consult");
        S_REFUSED (sh_domain_matter_step (&m, SH_STEP_FEEDBACK, why_), &m, "feedback", "consult");
        SH_PASS (sh_domain_matter_step (&m, SH_STEP_CONSULT, why));
        s_at (&m, tier, SH_STEP_CONSULT, false);
        //  two consults: the second is a repeat (what concurrent nodes produce)
        S_REFUSED (sh_domain_matter_step (&m, SH_STEP_CONSULT, why_), &m, "consult", "repeated");
        S_REFUSED (sh_domain_matter_step (&m, SH_STEP_HANDLE, why_), &m, "handle", "prescribe");
        SH_PASS (sh_domain_matter_step (&m, SH_STEP_PRESCRIBE, why));
        S_REFUSED (sh_domain_matter_step (&m, SH_STEP_CONSULT, why_), &m, "consult", "before", "prescribe");
        S_REFUSED (sh_domain_matter_close (&m, 3, why_), &m, "feedback", "prescribe");
        SH_PASS (sh_domain_matter_step (&m, SH_STEP_HANDLE, why));
        //  after handle, whatever the tier asked for, it is too late
        S_REFUSED (sh_domain_matter_escalate (&m, SH_TIER_BIG, why_), &m, "escalation", "before handle");
        S_REFUSED (sh_domain_matter_escalate (&m, SH_TIER_MICRO, why_), &m, "escalation", "before handle");
        SH_PASS (sh_domain_matter_step (&m, SH_STEP_FEEDBACK, why));
        SH_PASS (sh_domain_matter_close (&m, 3, why));
        s_at (&m, tier, SH_STEP_FEEDBACK, true);
        SH_CHECK (m.satisfaction == 3 && m.escalations == 1);
    }
}

static void
test_escalation (void)
{
    char why[SH_DOMAIN_WHY_BYTES];
    sh_domain_matter_t m;
    sh_domain_matter_init (&m);
    //  the same tier, below, unknown tiers
    S_REFUSED (sh_domain_matter_escalate (&m, SH_TIER_MICRO, why_), &m, "upwards", "micro");
    S_REFUSED (sh_domain_matter_escalate (&m, 0, why_), &m, "unknown tier");
    S_REFUSED (sh_domain_matter_escalate (&m, 4, why_), &m, "unknown tier");
    SH_PASS (sh_domain_matter_escalate (&m, SH_TIER_SMALL, why));
    S_REFUSED (sh_domain_matter_escalate (&m, SH_TIER_SMALL, why_), &m, "upwards", "small");
    S_REFUSED (sh_domain_matter_escalate (&m, SH_TIER_MICRO, why_), &m, "upwards", "small", "micro");
    //  small -> big while at consult and at prescribe is fine
    SH_PASS (sh_domain_matter_step (&m, SH_STEP_CONSULT, why));
    SH_PASS (sh_domain_matter_escalate (&m, SH_TIER_BIG, why));
    s_at (&m, SH_TIER_BIG, SH_STEP_CONSULT, false);
    SH_CHECK (m.escalations == 2);
    S_REFUSED (sh_domain_matter_escalate (&m, SH_TIER_SMALL, why_), &m, "upwards", "big", "small");
    S_REFUSED (sh_domain_matter_escalate (&m, SH_TIER_BIG, why_), &m, "upwards", "big");
    SH_PASS (sh_domain_matter_step (&m, SH_STEP_PRESCRIBE, why));

    sh_domain_matter_t p;
    sh_domain_matter_init (&p);
    SH_PASS (sh_domain_matter_escalate (&p, SH_TIER_SMALL, why));
    SH_PASS (sh_domain_matter_step (&p, SH_STEP_CONSULT, why));
    SH_PASS (sh_domain_matter_step (&p, SH_STEP_PRESCRIBE, why));
    SH_PASS (sh_domain_matter_escalate (&p, SH_TIER_BIG, why));
    s_at (&p, SH_TIER_BIG, SH_STEP_PRESCRIBE, false);
    //  then it goes on from where it was
    SH_PASS (sh_domain_matter_step (&p, SH_STEP_HANDLE, why));
}

/* --------------------------------------------------------------------------
 * Maturity and hexagon
 * -------------------------------------------------------------------------- */

static void
test_maturity (void)
{
    static const int table[][4] = {
        { 7, 8, 9, 8 }, { 6, 6, 7, 6 }, { 7, 7, 8, 7 }, { 7, 8, 8, 8 }, { 1, 1, 1, 1 },
        { 10, 10, 10, 10 }, { 1, 1, 2, 1 }, { 1, 2, 2, 2 }, { 10, 10, 9, 10 }, { 9, 9, 10, 9 },
        { 1, 10, 10, 7 }, { 5, 5, 5, 5 },
        //  out of range: 0
        { 0, 5, 5, 0 }, { 5, 0, 5, 0 }, { 5, 5, 0, 0 }, { 11, 5, 5, 0 }, { 5, 11, 5, 0 },
        { 5, 5, 11, 0 }, { -1, 5, 5, 0 }, { 10, 10, 100, 0 },
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        int got = sh_domain_maturity (table[i][0], table[i][1], table[i][2]);
        if (got != table[i][3]) {
            fprintf (stderr, "maturity (%d, %d, %d) = %d, expected %d\n",
                     table[i][0], table[i][1], table[i][2], got, table[i][3]);
            SH_CHECK (0);
        }
    }
    //  all of 1..10^3 against round-half-up of the mean
    for (int c = 1; c <= 10; c++)
        for (int e = 1; e <= 10; e++)
            for (int s = 1; s <= 10; s++) {
                int want = (int) floor ((c + e + s) / 3.0 + 0.5);
                SH_CHECK (sh_domain_maturity (c, e, s) == want);
                SH_CHECK (want >= 1 && want <= 10);
            }
}

//  Area of the polygon whose vertices lie at radius r[i], angle i * 60
//  degrees (shoelace formula) -- an independent check of the formula.
static double
s_shoelace (const double r[6])
{
    double x[6], y[6], a = 0;
    for (int i = 0; i < 6; i++) {
        x[i] = r[i] * cos (i * M_PI / 3);
        y[i] = r[i] * sin (i * M_PI / 3);
    }
    for (int i = 0; i < 6; i++)
        a += x[i] * y[(i + 1) % 6] - x[(i + 1) % 6] * y[i];
    return fabs (a) / 2;
}

static void
test_hexagon (void)
{
    const double ones[6] = { 1, 1, 1, 1, 1, 1 };
    SH_CHECK (fabs (sh_domain_hexagon_area (ones) - 3 * sqrt (3.0) / 2) < 1e-12);
    const double tens[6] = { 10, 10, 10, 10, 10, 10 };
    SH_CHECK (fabs (sh_domain_hexagon_area (tens) - 150 * sqrt (3.0)) < 1e-9);
    const double zeros[6] = { 0 };
    SH_CHECK (sh_domain_hexagon_area (zeros) == 0);
    //  one spike alone encloses nothing
    const double spike[6] = { 10, 0, 0, 0, 0, 0 };
    SH_CHECK (sh_domain_hexagon_area (spike) == 0);
    //  the formula (sqrt(3)/4) * sum r_i r_{i+1}, wrapping around
    const double r[6] = { 8, 6, 7, 5, 3, 9 };
    double sum = 8 * 6 + 6 * 7 + 7 * 5 + 5 * 3 + 3 * 9 + 9 * 8;
    SH_CHECK (fabs (sh_domain_hexagon_area (r) - sqrt (3.0) / 4 * sum) < 1e-9);
    //  it is the area of the radar polygon, for many level sets
    unsigned x = 12345;
    for (int k = 0; k < 1000; k++) {
        double v[6];
        for (int i = 0; i < 6; i++) {
            x = x * 1103515245u + 12345u;
            v[i] = (double) ((x >> 16) % 11);
        }
        SH_CHECK (fabs (sh_domain_hexagon_area (v) - s_shoelace (v)) < 1e-9);
    }
    //  the worked examples of docs/protocol.md 6.6
    const double fives[6] = { 5, 5, 5, 5, 5, 5 };
    SH_CHECK (fabs (sh_domain_hexagon_area (fives) - 64.9519052838329) < 1e-12);
    const double spec[6] = { 8, 7, 9, 6, 8, 7 };
    SH_CHECK (fabs (sh_domain_hexagon_area (spec) - 144.19322973010904) < 1e-12);
    //  rotating the levels does not change the area
    const double rot[6] = { 9, 8, 6, 7, 5, 3 };
    SH_CHECK (fabs (sh_domain_hexagon_area (rot) - sh_domain_hexagon_area (r)) < 1e-12);
}

/* --------------------------------------------------------------------------
 * Replays of stored event sets
 * -------------------------------------------------------------------------- */

typedef struct {
    uint64_t hlc[16];
    uint8_t author0[16];
    char why[16][SH_DOMAIN_WHY_BYTES];
    int n;
} s_conf_t;

static void
s_conf (uint64_t hlc, const uint8_t *author, const char *why, void *arg)
{
    s_conf_t *c = arg;
    SH_CHECK (c->n < 16 && why && *why);
    c->hlc[c->n] = hlc;
    c->author0[c->n] = author[0];
    snprintf (c->why[c->n], SH_DOMAIN_WHY_BYTES, "%s", why);
    c->n++;
}

static size_t
s_event (uint8_t *buf, int kind, int step, int tier, int satisfaction)
{
    Shouhe__V1__MatterEvent e = SHOUHE__V1__MATTER_EVENT__INIT;
    e.has_kind = kind != 0;
    e.kind = kind;
    e.has_step = step != 0;
    e.step = step;
    e.has_tier = tier != 0;
    e.tier = tier;
    e.has_satisfaction = satisfaction >= 0;
    e.satisfaction = (uint32_t) (satisfaction >= 0 ? satisfaction : 0);
    return shouhe__v1__matter_event__pack (&e, buf);
}

static size_t
s_ledger (uint8_t *buf, int kind, int unit, uint64_t amount)
{
    Shouhe__V1__LedgerEntry e = SHOUHE__V1__LEDGER_ENTRY__INIT;
    e.has_kind = kind != 0;
    e.kind = kind;
    e.has_unit = unit != 0;
    e.unit = unit;
    e.has_amount = amount != 0;
    e.amount = amount;
    return shouhe__v1__ledger_entry__pack (&e, buf);
}

//  Sign one event by key at hlc and merge it into txn.
static void
s_merge_event (sh_store_txn_t *txn, const sh_key_t *key, uint64_t seq, uint64_t hlc, sh_kind_t kind,
               const uint8_t *id, const uint8_t *body, size_t len)
{
    sh_change_t c = { 0 };
    memcpy (c.author, sh_key_public (key), SH_PUBKEY_BYTES);
    c.seq = seq;   //  chains are not the merge's concern; each seq 1 of its own
    c.hlc = hlc;
    snprintf (c.region, sizeof c.region, "%s", S_YARD);
    c.kind = kind;
    c.entity = id;
    c.entity_len = 16;
    c.op = SH_OP_EVENT;
    c.body = body;
    c.body_len = len;
    uint8_t *bytes, *signed_bytes;
    size_t n, sn;
    SH_PASS (sh_change_encode (&c, &bytes, &n));
    SH_PASS (sh_change_sign (&signed_bytes, &sn, bytes, n, key));
    sh_change_t o;
    SH_PASS (sh_change_open (&o, NULL, signed_bytes, sn, NULL));
    SH_PASS (sh_merge_apply (txn, &o));
    sh_change_fini (&o);
    free (bytes);
    free (signed_bytes);
}

static sh_key_t *
s_key (uint8_t fill)
{
    uint8_t seed[SH_SEED_BYTES];
    memset (seed, fill, sizeof seed);
    sh_key_t *k = sh_key_from_seed (seed);
    SH_CHECK (k);
    return k;
}

//  The conflicts c a replay reported, reported alike by another.
static void
s_same_conflicts (const s_conf_t *c, const s_conf_t *d)
{
    SH_CHECK (c->n == d->n);
    for (int i = 0; i < c->n && i < d->n; i++)
        SH_CHECK (c->hlc[i] == d->hlc[i] && c->author0[i] == d->author0[i] && !strcmp (c->why[i], d->why[i]));
}

//  The _shown replays write their reasons in the language of the locale;
//  without a catalogue (unit tests) that is English, so they give what the
//  plain replays gave (m and c): the same state, the same reasons.
static void
s_matter_shown_same (sh_store_txn_t *txn, const uint8_t *id, const sh_domain_matter_t *m, const s_conf_t *c)
{
    sh_domain_matter_t ms;
    s_conf_t cs = { .n = 0 };
    SH_PASS (sh_domain_matter_replay_shown (txn, S_YARD, id, 16, &ms, s_conf, &cs));
    SH_CHECK (memcmp (m, &ms, sizeof ms) == 0);
    s_same_conflicts (c, &cs);
}

static void
s_ledger_shown_same (sh_store_txn_t *txn, const uint8_t *id, const sh_domain_ledger_t *l, const s_conf_t *c)
{
    sh_domain_ledger_t ls;
    s_conf_t cs = { .n = 0 };
    SH_PASS (sh_domain_ledger_replay_shown (txn, S_YARD, id, 16, &ls, s_conf, &cs));
    SH_CHECK (memcmp (l, &ls, sizeof ls) == 0);
    s_same_conflicts (c, &cs);
}

//  A stored event set replayed in (hlc, author) order: accepted events
//  move the matter, refused ones are reported once each, in order.
static void
test_matter_replay (void)
{
    char *dir = sh_test_tmpdir ();
    sh_store_t *store;
    SH_PASS (sh_store_open (&store, dir, true, (size_t) 8 << 20));
    sh_key_t *a = s_key (1), *b = s_key (2);
    bool a_lo = memcmp (sh_key_public (a), sh_key_public (b), SH_PUBKEY_BYTES) < 0;
    const sh_key_t *lo = a_lo ? a : b, *hi = a_lo ? b : a;
    uint8_t id[16], buf[128];
    memset (id, 0x42, sizeof id);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, true, &txn));
    //  applied out of order on purpose; the replay sorts by stamp
    s_merge_event (txn, a, 8, S_HLC_BASE + 80, SH_KIND_MATTER_EVENT, id, buf, s_event (buf, 1, 3, 0, -1));
    s_merge_event (txn, a, 1, S_HLC_BASE + 10, SH_KIND_MATTER_EVENT, id, buf, s_event (buf, 2, 0, 2, -1));
    s_merge_event (txn, hi, 2, S_HLC_BASE + 20, SH_KIND_MATTER_EVENT, id, buf, s_event (buf, 1, 2, 0, -1));
    s_merge_event (txn, lo, 2, S_HLC_BASE + 20, SH_KIND_MATTER_EVENT, id, buf, s_event (buf, 1, 2, 0, -1));
    s_merge_event (txn, a, 3, S_HLC_BASE + 30, SH_KIND_MATTER_EVENT, id, buf, s_event (buf, 1, 3, 0, -1));
    s_merge_event (txn, b, 4, S_HLC_BASE + 35, SH_KIND_MATTER_EVENT, id, buf, s_event (buf, 0, 0, 0, -1));
    s_merge_event (txn, b, 5, S_HLC_BASE + 36, SH_KIND_MATTER_EVENT, id, buf, s_event (buf, 1, 0, 0, -1));
    s_merge_event (txn, a, 4, S_HLC_BASE + 40, SH_KIND_MATTER_EVENT, id, buf, s_event (buf, 1, 4, 0, -1));
    s_merge_event (txn, a, 5, S_HLC_BASE + 50, SH_KIND_MATTER_EVENT, id, buf, s_event (buf, 1, 5, 0, -1));
    s_merge_event (txn, a, 6, S_HLC_BASE + 60, SH_KIND_MATTER_EVENT, id, buf, s_event (buf, 3, 0, 0, 4));
    s_merge_event (txn, b, 7, S_HLC_BASE + 70, SH_KIND_MATTER_EVENT, id, buf, s_event (buf, 3, 0, 0, 5));
    //  an event of another matter does not count
    uint8_t other[16];
    memset (other, 0x43, sizeof other);
    s_merge_event (txn, a, 9, S_HLC_BASE + 15, SH_KIND_MATTER_EVENT, other, buf, s_event (buf, 1, 4, 0, -1));
    SH_PASS (sh_store_commit (&txn));

    SH_PASS (sh_store_begin (store, false, &txn));
    sh_domain_matter_t m;
    s_conf_t c = { .n = 0 };
    SH_PASS (sh_domain_matter_replay (txn, S_YARD, id, 16, &m, s_conf, &c));
    s_at (&m, SH_TIER_SMALL, SH_STEP_FEEDBACK, true);
    SH_CHECK (m.satisfaction == 4 && m.escalations == 1);
    SH_CHECK (m.closed_hlc == S_HLC_BASE + 60 && m.last_hlc == S_HLC_BASE + 60);
    SH_CHECK (m.conflicts == 5 && c.n == 5);
    //  the second consult of the same hlc is the higher author's
    SH_CHECK (c.hlc[0] == S_HLC_BASE + 20 && c.author0[0] == sh_key_public (hi)[0]);
    s_names (c.why[0], (const char *[]) { "consult", "repeated", NULL });
    SH_CHECK (c.hlc[1] == S_HLC_BASE + 35);
    s_names (c.why[1], (const char *[]) { "unknown matter event kind", NULL });
    SH_CHECK (c.hlc[2] == S_HLC_BASE + 36);
    s_names (c.why[2], (const char *[]) { "unknown step", NULL });
    SH_CHECK (c.hlc[3] == S_HLC_BASE + 70);
    s_names (c.why[3], (const char *[]) { "closed", NULL });
    SH_CHECK (c.hlc[4] == S_HLC_BASE + 80);
    s_names (c.why[4], (const char *[]) { "closed", NULL });
    s_matter_shown_same (txn, id, &m, &c);
    //  without a callback the counts are the same
    sh_domain_matter_t m2;
    SH_PASS (sh_domain_matter_replay (txn, S_YARD, id, 16, &m2, NULL, NULL));
    SH_CHECK (memcmp (&m, &m2, sizeof m) == 0);
    //  a matter with no events: a fresh micro matter at diagnose
    uint8_t none[16] = { 0 };
    SH_PASS (sh_domain_matter_replay (txn, S_YARD, none, 16, &m2, s_conf, &c));
    s_at (&m2, SH_TIER_MICRO, SH_STEP_DIAGNOSE, false);
    SH_CHECK (m2.conflicts == 0 && c.n == 5);
    SH_PASS (sh_domain_matter_replay (txn, S_YARD, other, 16, &m2, NULL, NULL));
    s_at (&m2, SH_TIER_MICRO, SH_STEP_HANDLE, false);
    sh_store_abort (&txn);
    sh_store_close (&store);
    sh_key_destroy (&a);
    sh_key_destroy (&b);
    sh_test_rmdir (dir);
}

static void
test_ledger_replay (void)
{
    char *dir = sh_test_tmpdir ();
    sh_store_t *store;
    SH_PASS (sh_store_open (&store, dir, true, (size_t) 8 << 20));
    sh_key_t *a = s_key (3), *b = s_key (4);
    uint8_t id[16], buf[128];
    memset (id, 0x77, sizeof id);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, true, &txn));
    s_merge_event (txn, a, 1, S_HLC_BASE + 1, SH_KIND_LEDGER, id, buf, s_ledger (buf, 1, 1, 10));
    s_merge_event (txn, a, 2, S_HLC_BASE + 2, SH_KIND_LEDGER, id, buf, s_ledger (buf, 1, 2, 120));
    //  two concurrent redemptions of 8 against a balance of 10
    s_merge_event (txn, a, 3, S_HLC_BASE + 5, SH_KIND_LEDGER, id, buf, s_ledger (buf, 2, 1, 8));
    s_merge_event (txn, b, 1, S_HLC_BASE + 5, SH_KIND_LEDGER, id, buf, s_ledger (buf, 2, 1, 8));
    //  minutes: redeem exactly the balance (fine)
    s_merge_event (txn, b, 2, S_HLC_BASE + 6, SH_KIND_LEDGER, id, buf, s_ledger (buf, 2, 2, 120));
    //  malformed: no amount, no unit, neither earn nor redeem
    s_merge_event (txn, b, 3, S_HLC_BASE + 7, SH_KIND_LEDGER, id, buf, s_ledger (buf, 1, 1, 0));
    s_merge_event (txn, b, 4, S_HLC_BASE + 8, SH_KIND_LEDGER, id, buf, s_ledger (buf, 1, 0, 5));
    s_merge_event (txn, b, 5, S_HLC_BASE + 9, SH_KIND_LEDGER, id, buf, s_ledger (buf, 0, 1, 5));
    //  the largest amount replay takes, and one more (a conflict, ignored)
    s_merge_event (txn, b, 6, S_HLC_BASE + 10, SH_KIND_LEDGER, id, buf, s_ledger (buf, 1, 2, SH_DOMAIN_AMOUNT_MAX));
    s_merge_event (txn, b, 7, S_HLC_BASE + 11, SH_KIND_LEDGER, id, buf, s_ledger (buf, 1, 2, SH_DOMAIN_AMOUNT_MAX + 1));
    SH_PASS (sh_store_commit (&txn));

    SH_PASS (sh_store_begin (store, false, &txn));
    sh_domain_ledger_t l;
    s_conf_t c = { .n = 0 };
    SH_PASS (sh_domain_ledger_replay (txn, S_YARD, id, 16, &l, s_conf, &c));
    SH_CHECK (l.earned[1] == 10 && l.redeemed[1] == 16 && l.balance[1] == -6);
    SH_CHECK (l.earned[2] == 120 + SH_DOMAIN_AMOUNT_MAX && l.redeemed[2] == 120
              && l.balance[2] == (int64_t) SH_DOMAIN_AMOUNT_MAX);
    SH_CHECK (l.conflicts == 5 && c.n == 5);
    SH_CHECK (c.hlc[0] == S_HLC_BASE + 5);
    s_names (c.why[0], (const char *[]) { "overdraws", "8", "2", NULL });
    s_names (c.why[1], (const char *[]) { "malformed", NULL });
    s_names (c.why[2], (const char *[]) { "malformed", NULL });
    s_names (c.why[3], (const char *[]) { "neither earn nor redeem", NULL });
    SH_CHECK (c.hlc[4] == S_HLC_BASE + 11);
    s_names (c.why[4], (const char *[]) { "malformed", NULL });
    s_ledger_shown_same (txn, id, &l, &c);
    //  an account with no entries
    uint8_t none[16] = { 1 };
    SH_PASS (sh_domain_ledger_replay (txn, S_YARD, none, 16, &l, NULL, NULL));
    SH_CHECK (l.balance[1] == 0 && l.earned[2] == 0 && l.conflicts == 0);
    sh_store_abort (&txn);
    sh_store_close (&store);
    sh_key_destroy (&a);
    sh_key_destroy (&b);
    sh_test_rmdir (dir);
}

/* --------------------------------------------------------------------------
 * Two replicas, concurrent edits
 * -------------------------------------------------------------------------- */

static void
s_write (sh_replica_t *r, sh_kind_t kind, const uint8_t *id, size_t id_len, sh_op_t op,
         const uint8_t *body, size_t len)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_replica_begin (r, &txn));
    SH_PASS (sh_replica_write (r, txn, S_YARD, kind, id, id_len, op, body, len, NULL));
    SH_PASS (sh_store_commit (&txn));
}

typedef struct {
    sh_domain_matter_t m;
    s_conf_t c;
    sh_domain_ledger_t l;
    s_conf_t lc;
    uint8_t digest[SH_HASH_BYTES];
} s_state_t;

static void
s_state (sh_replica_t *r, const uint8_t matter[16], const uint8_t account[16], s_state_t *st)
{
    memset (st, 0, sizeof *st);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (sh_replica_store (r), false, &txn));
    SH_PASS (sh_domain_matter_replay (txn, S_YARD, matter, 16, &st->m, s_conf, &st->c));
    SH_PASS (sh_domain_ledger_replay (txn, S_YARD, account, 16, &st->l, s_conf, &st->lc));
    SH_PASS (sh_merge_digest (txn, NULL, st->digest));
    sh_store_abort (&txn);
}

//  A and B share a matter and an account; offline, A handles the micro
//  matter while B escalates it, and both redeem against the same points.
//  After exchanging logs both derive the same state with one conflict each.
static void
test_concurrent_replicas (void)
{
    char *da = sh_test_tmpdir (), *db = sh_test_tmpdir ();
    sh_replica_t *a, *b;
    SH_PASS (sh_replica_create (&a, da, S_VILLAGE));
    SH_PASS (sh_replica_create (&b, db, S_VILLAGE));
    uint8_t matter[16], account[16], buf[256];
    memset (matter, 0x21, sizeof matter);
    memset (account, 0x31, sizeof account);
    //  the courtyard and the account's person come first (docs/protocol.md 3.1)
    Shouhe__V1__Courtyard cy = SHOUHE__V1__COURTYARD__INIT;
    cy.name = "青杠院落";
    s_write (a, SH_KIND_COURTYARD, (const uint8_t *) S_YARD, 15, SH_OP_PUT, buf,
             shouhe__v1__courtyard__pack (&cy, buf));
    Shouhe__V1__Person pe = SHOUHE__V1__PERSON__INIT;
    pe.name = "张三";
    s_write (a, SH_KIND_PERSON, account, 16, SH_OP_PUT, buf, shouhe__v1__person__pack (&pe, buf));
    Shouhe__V1__Matter mt = SHOUHE__V1__MATTER__INIT;
    mt.courtyard = S_YARD;
    mt.title = "路灯坏了";
    s_write (a, SH_KIND_MATTER, matter, 16, SH_OP_PUT, buf, shouhe__v1__matter__pack (&mt, buf));
    s_write (a, SH_KIND_LEDGER, account, 16, SH_OP_EVENT, buf, s_ledger (buf, 1, 1, 10));
    SH_CHECK (sh_test_sync (a, b) == 4);

    //  offline, each on its own
    s_write (a, SH_KIND_MATTER_EVENT, matter, 16, SH_OP_EVENT, buf, s_event (buf, 1, SH_STEP_HANDLE, 0, -1));
    s_write (b, SH_KIND_MATTER_EVENT, matter, 16, SH_OP_EVENT, buf, s_event (buf, 2, 0, SH_TIER_SMALL, -1));
    s_write (a, SH_KIND_LEDGER, account, 16, SH_OP_EVENT, buf, s_ledger (buf, 2, 1, 7));
    s_write (b, SH_KIND_LEDGER, account, 16, SH_OP_EVENT, buf, s_ledger (buf, 2, 1, 6));
    s_state_t sa, sb;
    s_state (a, matter, account, &sa);
    SH_CHECK (sa.m.step == SH_STEP_HANDLE && sa.c.n == 0 && sa.l.balance[1] == 3 && sa.lc.n == 0);
    s_state (b, matter, account, &sb);
    SH_CHECK (sb.m.tier == SH_TIER_SMALL && sb.c.n == 0 && sb.l.balance[1] == 4 && sb.lc.n == 0);

    //  exchange: B's two new changes go to A, A's two to B; the rest are duplicates
    SH_CHECK (sh_test_sync (b, a) == 2);
    SH_CHECK (sh_test_sync (a, b) == 2);
    SH_CHECK (sh_test_sync (a, b) == 0 && sh_test_sync (b, a) == 0);
    s_state (a, matter, account, &sa);
    s_state (b, matter, account, &sb);
    SH_CHECK (memcmp (sa.digest, sb.digest, SH_HASH_BYTES) == 0);
    SH_CHECK (memcmp (&sa.m, &sb.m, sizeof sa.m) == 0 && memcmp (&sa.l, &sb.l, sizeof sa.l) == 0);
    SH_CHECK (sa.c.n == 1 && sb.c.n == 1 && sa.m.conflicts == 1);
    SH_CHECK (sa.c.hlc[0] == sb.c.hlc[0] && strcmp (sa.c.why[0], sb.c.why[0]) == 0);
    //  whichever came second by (hlc, author) is the one refused
    if (sa.m.tier == SH_TIER_SMALL) {
        SH_CHECK (sa.m.step == SH_STEP_DIAGNOSE);   //  escalated first: the handle skipped consult
        s_names (sa.c.why[0], (const char *[]) { "handle", "consult", NULL });
    }
    else {
        SH_CHECK (sa.m.step == SH_STEP_HANDLE);     //  handled first: the escalation came too late
        s_names (sa.c.why[0], (const char *[]) { "escalation", "handle", NULL });
    }
    SH_CHECK (sa.l.balance[1] == -3 && sa.l.redeemed[1] == 13 && sa.lc.n == 1 && sb.lc.n == 1);
    s_names (sa.lc.why[0], (const char *[]) { "overdraws", NULL });

    //  a closed replica reopens with the same state
    sh_replica_close (&a);
    SH_CHECK (a == NULL);
    SH_PASS (sh_replica_open (&a, da));
    s_state_t sa2;
    s_state (a, matter, account, &sa2);
    SH_CHECK (memcmp (sa2.digest, sa.digest, SH_HASH_BYTES) == 0 && sa2.c.n == 1);
    sh_replica_close (&a);
    sh_replica_close (&b);
    sh_replica_close (&b);   //  idempotent
    sh_test_rmdir (da);
    sh_test_rmdir (db);
}

/* --------------------------------------------------------------------------
 * Who may move a matter (docs/protocol.md 6.4, "The leading tier")
 * -------------------------------------------------------------------------- */

//  The rule alone: a village leads micro and small matters, its town (or the
//  district) big ones; a town escalates only to big; notes and unknown
//  authors are not held to it.
static void
test_lead_rule (void)
{
    sh_domain_matter_t m;
    sh_domain_matter_init (&m);
    char why[SH_DOMAIN_WHY_BYTES];
    SH_PASS (sh_domain_matter_lead (&m, S_YARD, S_VILLAGE, SH_EVENT_STEP, SH_STEP_HANDLE, why));
    SH_PASS (sh_domain_matter_lead (&m, S_YARD, NULL, SH_EVENT_STEP, SH_STEP_HANDLE, why));
    SH_PASS (sh_domain_matter_lead (&m, S_YARD, S_TOWN, SH_EVENT_NOTE, 0, why));
    SH_PASS (sh_domain_matter_lead (&m, S_YARD, S_TOWN, SH_EVENT_ESCALATE, SH_TIER_BIG, why));
    SH_PASS (sh_domain_matter_lead (&m, S_YARD, "500115", SH_EVENT_ESCALATE, SH_TIER_BIG, why));
    S_REFUSED (sh_domain_matter_lead (&m, S_YARD, S_TOWN, SH_EVENT_STEP, SH_STEP_HANDLE, why_), &m,
               "step handle by a town node", "micro matter is led by its village");
    S_REFUSED (sh_domain_matter_lead (&m, S_YARD, S_TOWN, SH_EVENT_ESCALATE, SH_TIER_SMALL, why_), &m,
               "escalation to small by a town node", "only to big");
    S_REFUSED (sh_domain_matter_lead (&m, S_YARD, "500115002", SH_EVENT_ESCALATE, SH_TIER_BIG, why_), &m,
               "escalation to big");  //  another town's
    m.tier = SH_TIER_BIG;
    SH_PASS (sh_domain_matter_lead (&m, S_YARD, S_TOWN, SH_EVENT_CLOSE, 5, why));
    SH_PASS (sh_domain_matter_lead (&m, S_YARD, "500115", SH_EVENT_STEP, SH_STEP_CONSULT, why));
    SH_PASS (sh_domain_matter_lead (&m, S_YARD, S_VILLAGE, SH_EVENT_NOTE, 0, why));
    S_REFUSED (sh_domain_matter_lead (&m, S_YARD, S_VILLAGE, SH_EVENT_STEP, SH_STEP_CONSULT, why_), &m,
               "step consult by a village node: the big matter is led by its town (大事镇街督办)");
    S_REFUSED (sh_domain_matter_lead (&m, S_YARD, S_VILLAGE, SH_EVENT_CLOSE, 5, why_), &m,
               "close by a village node");
    S_REFUSED (sh_domain_matter_lead (&m, S_YARD, "500115002", SH_EVENT_STEP, SH_STEP_CONSULT, why_), &m,
               "led by its town");   //  a town that is not the matter's
    //  a note applies and changes nothing
    sh_domain_matter_t before = m;
    SH_PASS (sh_domain_matter_apply (&m, SH_EVENT_NOTE, 0, why));
    SH_CHECK (memcmp (&before, &m, sizeof m) == 0);
    S_REFUSED (sh_domain_matter_apply (&m, 9, 0, why_), &m, "unknown matter event kind 9");
}

static size_t
s_note (uint8_t *buf, const char *text)
{
    Shouhe__V1__MatterEvent e = SHOUHE__V1__MATTER_EVENT__INIT;
    e.has_kind = 1;
    e.kind = SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_NOTE;
    e.note = (char *) text;
    return shouhe__v1__matter_event__pack (&e, buf);
}

//  Replay with real enrolled keys (a hub's store): steps by a tier that does
//  not lead the matter are conflicts; the hub's own-escalation check.
static void
test_lead_replay (void)
{
    char *dir = sh_test_tmpdir ();
    sh_store_t *store;
    SH_PASS (sh_store_open (&store, dir, true, (size_t) 8 << 20));
    sh_key_t *v = s_key (11), *t = s_key (12), *d = s_key (13), *u = s_key (14);
    uint8_t id[16], id2[16], buf[128];
    memset (id, 0x51, sizeof id);
    memset (id2, 0x52, sizeof id2);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, true, &txn));
    SH_PASS (sh_registry_enroll (txn, sh_key_public (v), S_VILLAGE, SH_WIRE_ROLE_NODE, "village", 1));
    SH_PASS (sh_registry_enroll (txn, sh_key_public (t), S_TOWN, SH_WIRE_ROLE_NODE, "town", 1));
    SH_PASS (sh_registry_enroll (txn, sh_key_public (d), "500115", SH_WIRE_ROLE_NODE, "district", 1));
    //  u is enrolled nowhere: no tier rule for its events
    const int ST = SH_EVENT_STEP, ESC = SH_EVENT_ESCALATE, CL = SH_EVENT_CLOSE;
    s_merge_event (txn, v, 1, S_HLC_BASE + 10, SH_KIND_MATTER_EVENT, id, buf, s_event (buf, ESC, 0, SH_TIER_SMALL, -1));
    s_merge_event (txn, t, 1, S_HLC_BASE + 20, SH_KIND_MATTER_EVENT, id, buf, s_event (buf, ST, SH_STEP_CONSULT, 0, -1));
    s_merge_event (txn, t, 2, S_HLC_BASE + 30, SH_KIND_MATTER_EVENT, id, buf, s_event (buf, ESC, 0, SH_TIER_BIG, -1));
    s_merge_event (txn, v, 2, S_HLC_BASE + 40, SH_KIND_MATTER_EVENT, id, buf, s_event (buf, ST, SH_STEP_CONSULT, 0, -1));
    s_merge_event (txn, v, 3, S_HLC_BASE + 45, SH_KIND_MATTER_EVENT, id, buf, s_note (buf, "群众反映"));
    s_merge_event (txn, t, 3, S_HLC_BASE + 50, SH_KIND_MATTER_EVENT, id, buf, s_event (buf, ST, SH_STEP_CONSULT, 0, -1));
    s_merge_event (txn, u, 1, S_HLC_BASE + 55, SH_KIND_MATTER_EVENT, id, buf, s_event (buf, ST, SH_STEP_PRESCRIBE, 0, -1));
    s_merge_event (txn, d, 1, S_HLC_BASE + 60, SH_KIND_MATTER_EVENT, id, buf, s_event (buf, ST, SH_STEP_HANDLE, 0, -1));
    s_merge_event (txn, t, 4, S_HLC_BASE + 70, SH_KIND_MATTER_EVENT, id, buf, s_event (buf, ST, SH_STEP_FEEDBACK, 0, -1));
    s_merge_event (txn, v, 4, S_HLC_BASE + 80, SH_KIND_MATTER_EVENT, id, buf, s_event (buf, CL, 0, 0, 5));
    s_merge_event (txn, t, 5, S_HLC_BASE + 90, SH_KIND_MATTER_EVENT, id, buf, s_event (buf, CL, 0, 0, 4));
    //  id2: the village makes it big itself, then steps it
    s_merge_event (txn, v, 5, S_HLC_BASE + 10, SH_KIND_MATTER_EVENT, id2, buf, s_event (buf, ESC, 0, SH_TIER_BIG, -1));
    s_merge_event (txn, v, 6, S_HLC_BASE + 20, SH_KIND_MATTER_EVENT, id2, buf, s_event (buf, ST, SH_STEP_CONSULT, 0, -1));
    s_merge_event (txn, v, 7, S_HLC_BASE + 30, SH_KIND_MATTER_EVENT, id2, buf, s_note (buf, "盼督办"));
    s_merge_event (txn, t, 6, S_HLC_BASE + 40, SH_KIND_MATTER_EVENT, id2, buf, s_event (buf, ST, SH_STEP_CONSULT, 0, -1));
    s_merge_event (txn, v, 8, S_HLC_BASE + 50, SH_KIND_MATTER_EVENT, id2, buf, s_event (buf, ST, SH_STEP_PRESCRIBE, 0, -1));
    SH_PASS (sh_store_commit (&txn));

    SH_PASS (sh_store_begin (store, false, &txn));
    sh_domain_matter_t m;
    s_conf_t c = { .n = 0 };
    SH_PASS (sh_domain_matter_replay (txn, S_YARD, id, 16, &m, s_conf, &c));
    s_at (&m, SH_TIER_BIG, SH_STEP_FEEDBACK, true);
    SH_CHECK (m.satisfaction == 4 && m.escalations == 2 && m.conflicts == 3 && c.n == 3);
    SH_CHECK (m.last_hlc == S_HLC_BASE + 90 && m.closed_hlc == S_HLC_BASE + 90);
    SH_CHECK (memcmp (m.big_by, sh_key_public (t), SH_PUBKEY_BYTES) == 0);
    SH_CHECK (c.hlc[0] == S_HLC_BASE + 20 && c.author0[0] == sh_key_public (t)[0]);
    s_names (c.why[0], (const char *[]) { "step consult by a town node: the small matter is led by its village",
                                          NULL });
    SH_CHECK (c.hlc[1] == S_HLC_BASE + 40 && c.author0[1] == sh_key_public (v)[0]);
    SH_CHECK (!strcmp (c.why[1], "step consult by a village node: the big matter is led by its town (大事镇街督办)"));
    SH_CHECK (c.hlc[2] == S_HLC_BASE + 80);
    s_names (c.why[2], (const char *[]) { "close by a village node", "led by its town", NULL });
    s_matter_shown_same (txn, id, &m, &c);          //  the lead rule's reasons too

    //  the hub's check: refused by the lead rule AND made big by the same key
    bool own = true;
    char why[SH_DOMAIN_WHY_BYTES] = "";
    SH_PASS (sh_domain_matter_own_lead (txn, S_YARD, id, 16, S_HLC_BASE + 40, sh_key_public (v), &own, why));
    SH_CHECK (!own);             //  the town made it big: a conflict, not a refusal
    SH_PASS (sh_domain_matter_own_lead (txn, S_YARD, id, 16, S_HLC_BASE + 20, sh_key_public (t), &own, why));
    SH_CHECK (!own);             //  not big yet
    SH_PASS (sh_domain_matter_own_lead (txn, S_YARD, id2, 16, S_HLC_BASE + 20, sh_key_public (v), &own, why));
    SH_CHECK (own && !strcmp (why, "step consult by a village node: the big matter is led by its town (大事镇街督办)"));
    SH_PASS (sh_domain_matter_own_lead (txn, S_YARD, id2, 16, S_HLC_BASE + 50, sh_key_public (v), &own, why));
    SH_CHECK (own);
    SH_PASS (sh_domain_matter_own_lead (txn, S_YARD, id2, 16, S_HLC_BASE + 30, sh_key_public (v), &own, why));
    SH_CHECK (!own);             //  a note
    SH_PASS (sh_domain_matter_own_lead (txn, S_YARD, id2, 16, S_HLC_BASE + 40, sh_key_public (t), &own, why));
    SH_CHECK (!own);             //  the town leads it
    SH_PASS (sh_domain_matter_replay (txn, S_YARD, id2, 16, &m, NULL, NULL));
    s_at (&m, SH_TIER_BIG, SH_STEP_CONSULT, false);
    SH_CHECK (m.conflicts == 2 && m.last_hlc == S_HLC_BASE + 40);
    sh_store_abort (&txn);
    sh_store_close (&store);
    sh_key_destroy (&v);
    sh_key_destroy (&t);
    sh_key_destroy (&d);
    sh_key_destroy (&u);
    sh_test_rmdir (dir);
}

//  On a node, its own key is in no KeyEntry (the hub never sends a node its
//  own): replay takes its scope from the store (sh_registry_scope).
static void
test_lead_own_key (void)
{
    char *dir = sh_test_tmpdir ();
    sh_replica_t *r;
    SH_PASS (sh_replica_create (&r, dir, S_VILLAGE));
    sh_store_txn_t *txn;
    char scope[SH_REGION_MAX + 1];
    SH_PASS (sh_store_begin (sh_replica_store (r), false, &txn));
    SH_PASS (sh_registry_scope (txn, sh_replica_author (r), scope));
    SH_CHECK (!strcmp (scope, S_VILLAGE));
    uint8_t stranger[SH_PUBKEY_BYTES];
    memset (stranger, 7, sizeof stranger);
    SH_FAIL (sh_registry_scope (txn, stranger, scope), SH_ENOTFOUND);
    sh_store_abort (&txn);
    //  written past sh_ops (as a modified node would): big by itself, then a step
    uint8_t id[16], buf[128];
    memset (id, 0x61, sizeof id);
    SH_PASS (sh_replica_begin (r, &txn));
    //  the courtyard and the matter first (the scope rule, docs/protocol.md 3.1)
    Shouhe__V1__Courtyard cy = SHOUHE__V1__COURTYARD__INIT;
    cy.name = "青杠院落";
    SH_PASS (sh_replica_write (r, txn, S_YARD, SH_KIND_COURTYARD, (const uint8_t *) S_YARD, 15, SH_OP_PUT, buf,
                               shouhe__v1__courtyard__pack (&cy, buf), NULL));
    Shouhe__V1__Matter mt = SHOUHE__V1__MATTER__INIT;
    mt.title = "路灯坏了";
    SH_PASS (sh_replica_write (r, txn, S_YARD, SH_KIND_MATTER, id, 16, SH_OP_PUT, buf,
                               shouhe__v1__matter__pack (&mt, buf), NULL));
    size_t n = s_event (buf, SH_EVENT_ESCALATE, 0, SH_TIER_BIG, -1);
    SH_PASS (sh_replica_write (r, txn, S_YARD, SH_KIND_MATTER_EVENT, id, 16, SH_OP_EVENT, buf, n, NULL));
    n = s_event (buf, SH_EVENT_STEP, SH_STEP_CONSULT, 0, -1);
    SH_PASS (sh_replica_write (r, txn, S_YARD, SH_KIND_MATTER_EVENT, id, 16, SH_OP_EVENT, buf, n, NULL));
    SH_PASS (sh_store_commit (&txn));
    SH_PASS (sh_store_begin (sh_replica_store (r), false, &txn));
    sh_domain_matter_t m;
    s_conf_t c = { .n = 0 };
    SH_PASS (sh_domain_matter_replay (txn, S_YARD, id, 16, &m, s_conf, &c));
    s_at (&m, SH_TIER_BIG, SH_STEP_DIAGNOSE, false);
    SH_CHECK (m.conflicts == 1 && c.n == 1);
    s_names (c.why[0], (const char *[]) { "step consult by a village node", NULL });
    sh_store_abort (&txn);
    sh_replica_close (&r);
    sh_test_rmdir (dir);
}

static const sh_test_case_t tests[] = {
    { "next step", test_next_step },
    { "micro path", test_micro_path },
    { "small and big path", test_small_big_path },
    { "escalation", test_escalation },
    { "maturity", test_maturity },
    { "hexagon", test_hexagon },
    { "matter replay", test_matter_replay },
    { "ledger replay", test_ledger_replay },
    { "concurrent replicas", test_concurrent_replicas },
    { "lead rule", test_lead_rule },
    { "lead replay", test_lead_replay },
    { "lead own key", test_lead_own_key },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
