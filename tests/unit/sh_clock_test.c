/*  sh_clock_test -- clock corrections: the cap, the judge of a node's
    clock, and the effective-hlc merge reaching the same state whatever
    order a replica takes the changes in (docs/protocol.md 5.2, 5.3, 7.9).
*/
#include "sh_test.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_change.h"
#include "sh_changelog.h"
#include "sh_clock.h"
#include "sh_hlc.h"
#include "sh_merge.h"
#include "sh_replica.h"
#include "sh_store.h"
#include "sh_sys.h"
#include "shouhe/v1/domain.pb-c.h"

#define S_VILLAGE "500115001001"
#define S_YARD "500115001001001"
#define S_YEAR_MS (365ll * 86400000)
#define S_ACCOUNT "account-00000001"   //  a person id: 16 bytes

/* --------------------------------------------------------------------------
 * Helpers
 * -------------------------------------------------------------------------- */

static sh_err
s_put (sh_replica_t *r, const char *name)
{
    uint8_t buf[256];
    Shouhe__V1__Courtyard m = SHOUHE__V1__COURTYARD__INIT;
    m.name = (char *) name;
    size_t n = shouhe__v1__courtyard__pack (&m, buf);
    sh_store_txn_t *txn;
    SH_PASS (sh_replica_begin (r, &txn));
    sh_err rc = sh_replica_write (r, txn, S_YARD, SH_KIND_COURTYARD, (const uint8_t *) S_YARD, 15, SH_OP_PUT,
                                  buf, n, NULL);
    if (rc == SH_OK)
        rc = sh_store_commit (&txn);
    sh_store_abort (&txn);
    return rc;
}

//  The account's person, whom the ledger events name (docs/protocol.md 3.1).
static sh_err
s_person (sh_replica_t *r)
{
    uint8_t buf[256];
    Shouhe__V1__Person m = SHOUHE__V1__PERSON__INIT;
    m.name = (char *) "账户";
    size_t n = shouhe__v1__person__pack (&m, buf);
    sh_store_txn_t *txn;
    SH_PASS (sh_replica_begin (r, &txn));
    sh_err rc = sh_replica_write (r, txn, S_YARD, SH_KIND_PERSON, (const uint8_t *) S_ACCOUNT,
                                  strlen (S_ACCOUNT), SH_OP_PUT, buf, n, NULL);
    if (rc == SH_OK)
        rc = sh_store_commit (&txn);
    sh_store_abort (&txn);
    return rc;
}

static sh_err
s_event (sh_replica_t *r, uint64_t amount)
{
    uint8_t buf[256];
    Shouhe__V1__LedgerEntry m = SHOUHE__V1__LEDGER_ENTRY__INIT;
    m.has_amount = 1;
    m.amount = amount;
    size_t n = shouhe__v1__ledger_entry__pack (&m, buf);
    sh_store_txn_t *txn;
    SH_PASS (sh_replica_begin (r, &txn));
    sh_err rc = sh_replica_write (r, txn, S_YARD, SH_KIND_LEDGER, (const uint8_t *) S_ACCOUNT,
                                  strlen (S_ACCOUNT), SH_OP_EVENT, buf, n, NULL);
    if (rc == SH_OK)
        rc = sh_store_commit (&txn);
    sh_store_abort (&txn);
    return rc;
}

static sh_err
s_correct (sh_replica_t *r)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_replica_begin (r, &txn));
    sh_err rc = sh_replica_clock_correct (r, txn, NULL);
    if (rc == SH_OK)
        rc = sh_store_commit (&txn);
    sh_store_abort (&txn);
    return rc;
}

//  One signed change copied out of a log.
typedef struct {
    uint8_t *bytes;
    size_t len;
} s_signed_t;

//  Copy r's own changes 1..n out of its log.
static void
s_own (sh_replica_t *r, s_signed_t *out, size_t n)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (sh_replica_store (r), false, &txn));
    for (size_t i = 0; i < n; i++) {
        uint64_t index;
        const uint8_t *b;
        SH_PASS (sh_changelog_find (txn, sh_replica_author (r), i + 1, &index, NULL));
        SH_PASS (sh_changelog_get (txn, index, &b, &out[i].len));
        out[i].bytes = malloc (out[i].len);
        SH_CHECK (out[i].bytes);
        memcpy (out[i].bytes, b, out[i].len);
    }
    sh_store_abort (&txn);
}

static void
s_ingest (sh_replica_t *r, const s_signed_t *c)
{
    sh_store_txn_t *txn;
    bool dup;
    SH_PASS (sh_replica_begin (r, &txn));
    SH_PASS (sh_replica_ingest (r, txn, c->bytes, c->len, &dup, NULL));
    SH_PASS (sh_store_commit (&txn));
}

static void
s_digest (sh_replica_t *r, uint8_t out[SH_HASH_BYTES])
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (sh_replica_store (r), false, &txn));
    SH_PASS (sh_merge_digest (txn, NULL, out));
    sh_store_abort (&txn);
}

//  The courtyard's merged name (caller frees).
static char *
s_name (sh_replica_t *r)
{
    sh_store_txn_t *txn;
    uint8_t *body;
    size_t len;
    SH_PASS (sh_store_begin (sh_replica_store (r), false, &txn));
    SH_PASS (sh_merge_get (txn, S_YARD, SH_KIND_COURTYARD, (const uint8_t *) S_YARD, 15, &body, &len, NULL));
    sh_store_abort (&txn);
    Shouhe__V1__Courtyard *m = shouhe__v1__courtyard__unpack (NULL, len, body);
    SH_CHECK (m && m->name);
    char *name = strdup (m->name);
    shouhe__v1__courtyard__free_unpacked (m, NULL);
    free (body);
    return name;
}

static int
s_max_event (uint64_t hlc, const uint8_t *author, const uint8_t *body, size_t len, void *arg)
{
    (void) author; (void) body; (void) len;
    uint64_t *max = arg;
    if (hlc > *max)
        *max = hlc;
    return 0;
}

//  The greatest hlc in the account's event set.
static uint64_t
s_events_max (sh_replica_t *r)
{
    sh_store_txn_t *txn;
    uint64_t max = 0;
    SH_PASS (sh_store_begin (sh_replica_store (r), false, &txn));
    SH_PASS (sh_merge_events (txn, S_YARD, SH_KIND_LEDGER, (const uint8_t *) S_ACCOUNT, strlen (S_ACCOUNT),
                              s_max_event, &max));
    sh_store_abort (&txn);
    return max;
}

/* --------------------------------------------------------------------------
 * Tests
 * -------------------------------------------------------------------------- */

static void
test_cap_of (void)
{
    SH_CHECK (sh_clock_cap_of (3, 4, 1000) == 999);
    SH_CHECK (sh_clock_cap_of (1, 4, 1000) == 997);
    SH_CHECK (sh_clock_cap_of (4, 4, 1000) == UINT64_MAX);     //  not earlier: no cap
    SH_CHECK (sh_clock_cap_of (5, 4, 1000) == UINT64_MAX);
    SH_CHECK (sh_clock_cap_of (1, 10, 5) == 0);                 //  saturates
}

static void
test_judge (void)
{
    const uint64_t now = 1700000000000ull, d = SH_CLOCK_BOUND_MS;
    sh_clock_state_t st = { .now_ms = now, .last = now << 16 };
    char why[512];
    sh_clock_judge (&st);
    SH_CHECK (st.verdict == SH_CLOCK_OK);       //  never measured: allowed
    st.last = (now + d) << 16;
    sh_clock_judge (&st);
    SH_CHECK (st.verdict == SH_CLOCK_OK);       //  at the bound
    st.last = (now + d + 1) << 16;
    sh_clock_judge (&st);
    SH_CHECK (st.verdict == SH_CLOCK_CARRIED);
    sh_clock_explain (&st, why, sizeof why);
    SH_CHECK (strstr (why, "shouhe-node clock correct"));
    st = (sh_clock_state_t) { .now_ms = now, .last = 0, .measured = true, .hub_ms = now - 365 * 86400000ull,
                              .local_ms = now };
    sh_clock_judge (&st);
    SH_CHECK (st.verdict == SH_CLOCK_AHEAD);
    sh_clock_explain (&st, why, sizeof why);
    SH_CHECK (strstr (why, "365 days ahead of the hub's"));
    st.hub_ms = now + 23 * 3600000ull;
    sh_clock_judge (&st);
    SH_CHECK (st.verdict == SH_CLOCK_BEHIND);
    sh_clock_explain (&st, why, sizeof why);
    SH_CHECK (strstr (why, "23 hours behind the hub's"));
    //  measured fine, but the clock was set back since
    st = (sh_clock_state_t) { .now_ms = now - d - 1, .measured = true, .hub_ms = now, .local_ms = now };
    sh_clock_judge (&st);
    SH_CHECK (st.verdict == SH_CLOCK_BEHIND);
    st.now_ms = now - d;
    sh_clock_judge (&st);
    SH_CHECK (st.verdict == SH_CLOCK_OK);
}

static void
test_hub_measure (void)
{
    char *dir = sh_test_tmpdir ();
    sh_replica_t *r;
    SH_PASS (sh_replica_create (&r, dir, S_VILLAGE));
    sh_store_txn_t *txn;
    bool written;
    uint64_t h, l;
    SH_PASS (sh_replica_begin (r, &txn));
    SH_FAIL (sh_clock_hub_get (txn, &h, &l), SH_ENOTFOUND);
    SH_PASS (sh_clock_hub_put (txn, 1000000, 1000500, &written));
    SH_CHECK (written);
    SH_PASS (sh_clock_hub_put (txn, 2000000, 2001400, &written));    //  gap moved 0.9 s: kept
    SH_CHECK (!written);
    SH_PASS (sh_clock_hub_get (txn, &h, &l));
    SH_CHECK (h == 1000000 && l == 1000500);
    SH_PASS (sh_clock_hub_put (txn, 2000000, 2001501, &written));    //  moved 1.001 s: stored
    SH_CHECK (written);
    SH_PASS (sh_clock_hub_get (txn, &h, &l));
    SH_CHECK (h == 2000000 && l == 2001501);
    SH_PASS (sh_store_commit (&txn));
    sh_replica_close (&r);
    sh_test_rmdir (dir);
}

//  Orders of A's 5 and B's 4 changes ('a' = A's next, 'b' = B's next): each
//  chain in its order, so each author's person precedes its event.
static const char *const s_orders[] = {
    "aaaaabbbb", "bbbbaaaaa", "ababababa", "abbabaaba", "aabbbaaba", "aaabbbbaa", "baaababab", "bbaaaaabb",
};

static void
test_any_order (void)
{
    char *da = sh_test_tmpdir (), *db = sh_test_tmpdir ();
    sh_replica_t *a, *b;
    SH_PASS (sh_replica_create (&a, da, S_VILLAGE));
    SH_PASS (sh_replica_create (&b, db, S_VILLAGE));

    //  A writes with its clock a year ahead: a put and an event
    sh_replica_set_clock_offset (a, S_YEAR_MS);
    SH_PASS (s_put (a, "a skewed"));
    SH_PASS (s_person (a));
    SH_PASS (s_event (a, 1));
    SH_CHECK (sh_hlc_ms (sh_replica_clock (a)) > sh_sys_wall_ms () + S_YEAR_MS / 2);
    //  B, honest, writes the same record and account
    SH_PASS (s_put (b, "b honest"));
    SH_PASS (s_person (b));
    SH_PASS (s_event (b, 2));
    //  the clock is fixed: A may not write until it corrects -- a millisecond
    //  after B's writes at least, so that the correction's time is later
    //  than B's event whatever the HLCs' logical counters
    uint64_t b_ms = sh_hlc_ms (sh_replica_clock (b));
    while (sh_sys_wall_ms () <= b_ms)
        ;
    sh_replica_set_clock_offset (a, 0);
    SH_FAIL (s_put (a, "refused"), SH_ECLOCK);
    SH_PASS (s_correct (a));
    SH_FAIL (s_correct (a), SH_ENOTFOUND);        //  nothing left to correct
    uint64_t h_c = sh_replica_clock (a);
    SH_CHECK (sh_hlc_ms (h_c) <= sh_sys_wall_ms () + 1000);
    SH_PASS (s_put (a, "a later"));               //  seq 5, ticks from the correction

    //  B takes in A's changes: A's year-ahead time never reaches B's clock
    s_signed_t ca[5], cb[4];
    s_own (a, ca, 5);
    for (int i = 0; i < 5; i++)
        s_ingest (b, &ca[i]);
    SH_CHECK (sh_hlc_ms (sh_replica_clock (b)) <= sh_sys_wall_ms () + SH_CLOCK_BOUND_MS);
    //  the skewed event now sorts below the correction
    SH_CHECK (s_events_max (b) < h_c);
    char *name = s_name (b);
    SH_CHECK (strcmp (name, "a later") == 0);
    free (name);
    //  an honest write after the correction wins over the skewed one
    SH_PASS (s_put (b, "b final"));
    name = s_name (b);
    SH_CHECK (strcmp (name, "b final") == 0);
    free (name);
    s_own (b, cb, 4);
    for (int i = 0; i < 4; i++)
        s_ingest (a, &cb[i]);

    uint8_t want[SH_HASH_BYTES], got[SH_HASH_BYTES];
    s_digest (a, want);
    s_digest (b, got);
    SH_CHECK (memcmp (want, got, sizeof want) == 0);

    //  every interleaving of the two chains gives the same state
    for (size_t o = 0; o < sizeof s_orders / sizeof s_orders[0]; o++) {
        char *dc = sh_test_tmpdir ();
        sh_replica_t *c;
        SH_PASS (sh_replica_create (&c, dc, S_VILLAGE));
        size_t ia = 0, ib = 0;
        for (const char *p = s_orders[o]; *p; p++)
            s_ingest (c, *p == 'a' ? &ca[ia++] : &cb[ib++]);
        SH_CHECK (ia == 5 && ib == 4);
        s_digest (c, got);
        if (memcmp (want, got, sizeof want) != 0) {
            fprintf (stderr, "order %s: another state\n", s_orders[o]);
            SH_CHECK (false);
        }
        sh_replica_close (&c);
        sh_test_rmdir (dc);
    }
    //  a replica that held the skewed changes without the correction had
    //  another state: the correction is what moved it
    char *dd = sh_test_tmpdir ();
    sh_replica_t *d;
    SH_PASS (sh_replica_create (&d, dd, S_VILLAGE));
    s_ingest (d, &ca[0]);
    s_ingest (d, &cb[3]);
    name = s_name (d);
    SH_CHECK (strcmp (name, "a skewed") == 0);
    free (name);
    sh_replica_close (&d);
    sh_test_rmdir (dd);

    for (int i = 0; i < 5; i++)
        free (ca[i].bytes);
    for (int i = 0; i < 4; i++)
        free (cb[i].bytes);
    sh_replica_close (&a);
    sh_replica_close (&b);
    sh_test_rmdir (da);
    sh_test_rmdir (db);
}

//  A node whose clock is behind is not capped: its changes keep their
//  (low) times; only local writes wait for the clock to be fixed.
static void
test_behind_not_corrected (void)
{
    char *dir = sh_test_tmpdir ();
    sh_replica_t *r;
    SH_PASS (sh_replica_create (&r, dir, S_VILLAGE));
    sh_replica_set_clock_offset (r, -S_YEAR_MS);
    SH_PASS (s_put (r, "behind"));
    sh_replica_set_clock_offset (r, 0);
    SH_FAIL (s_correct (r), SH_ENOTFOUND);
    SH_PASS (s_put (r, "fixed"));
    sh_replica_close (&r);
    sh_test_rmdir (dir);
}

static const sh_test_case_t tests[] = {
    { "cap of one correction", test_cap_of },
    { "judge a node's clock", test_judge },
    { "measure the hub's clock", test_hub_measure },
    { "same state in any order", test_any_order },
    { "behind: nothing to correct", test_behind_not_corrected },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
