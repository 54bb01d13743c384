/*  sh_hlc_test -- the hybrid logical clock with an injected wall clock. */
#include <stdint.h>

#include "sh_hlc.h"
#include "sh_test.h"

//  A wall clock the test moves by hand.
static uint64_t
s_fake_clock (void *ctx)
{
    return *(const uint64_t *) ctx;
}

#define S_NOW 1700000000000ull   //  2023-11-14, in unix ms
#define S_BOUND 600000ull        //  SH_CLOCK_BOUND_MS: ten minutes

static void
test_strictly_increasing (void)
{
    sh_hlc_t hlc;
    sh_hlc_init (&hlc, 0, NULL, NULL);   //  system clock
    uint64_t prev = sh_hlc_tick (&hlc);
    SH_CHECK (prev > 0);
    for (int i = 0; i < 100000; i++) {
        uint64_t t = sh_hlc_tick (&hlc);
        SH_CHECK (t > prev);
        SH_CHECK (t == hlc.last);
        prev = t;
    }
    //  The physical part is close to the system clock (same minute).
    uint64_t wall = sh_hlc_system_clock (NULL);
    SH_CHECK (sh_hlc_ms (prev) <= wall + 60000 && sh_hlc_ms (prev) + 60000 >= wall);
}

static void
test_clock_steps_back (void)
{
    uint64_t now = S_NOW;
    sh_hlc_t hlc;
    sh_hlc_init (&hlc, 0, s_fake_clock, &now);
    uint64_t a = sh_hlc_tick (&hlc);
    SH_CHECK (a == S_NOW << 16);
    uint64_t b = sh_hlc_tick (&hlc);   //  same millisecond: counter
    SH_CHECK (b == a + 1);

    now = S_NOW - 3600 * 1000;   //  an NTP step back by an hour
    uint64_t prev = b;
    for (int i = 0; i < 1000; i++) {
        uint64_t t = sh_hlc_tick (&hlc);
        SH_CHECK (t > prev);
        SH_CHECK (sh_hlc_ms (t) == S_NOW);   //  physical part stays
        prev = t;
    }
    //  When the wall clock passes the last value again, it takes over.
    now = S_NOW + 5;
    uint64_t t = sh_hlc_tick (&hlc);
    SH_CHECK (t > prev);
    SH_CHECK (t == (S_NOW + 5) << 16);
}

static void
test_counter_carries (void)
{
    uint64_t now = S_NOW;
    sh_hlc_t hlc;
    sh_hlc_init (&hlc, 0, s_fake_clock, &now);
    uint64_t prev = sh_hlc_tick (&hlc);
    SH_CHECK ((prev & 0xFFFF) == 0);
    for (uint32_t i = 0; i < 0xFFFF; i++) {
        uint64_t t = sh_hlc_tick (&hlc);
        SH_CHECK (t == prev + 1);
        prev = t;
    }
    SH_CHECK (sh_hlc_ms (prev) == S_NOW);
    SH_CHECK ((prev & 0xFFFF) == 0xFFFF);
    //  The 65537th tick in one millisecond carries into the next.
    uint64_t t = sh_hlc_tick (&hlc);
    SH_CHECK (t > prev);
    SH_CHECK (sh_hlc_ms (t) == S_NOW + 1);
    SH_CHECK ((t & 0xFFFF) == 0);
    //  ... and the wall clock reaching that millisecond does not repeat it.
    now = S_NOW + 1;
    uint64_t u = sh_hlc_tick (&hlc);
    SH_CHECK (u == t + 1);
}

static void
test_restart_from_persisted (void)
{
    uint64_t now = S_NOW;
    sh_hlc_t hlc;
    sh_hlc_init (&hlc, 0, s_fake_clock, &now);
    for (int i = 0; i < 10; i++)
        (void) sh_hlc_tick (&hlc);
    uint64_t persisted = hlc.last;

    //  After a restart the clock is a day behind (dead RTC battery).
    now = S_NOW - 86400 * 1000ull;
    sh_hlc_t again;
    sh_hlc_init (&again, persisted, s_fake_clock, &now);
    uint64_t t = sh_hlc_tick (&again);
    SH_CHECK (t > persisted);
    SH_CHECK (sh_hlc_ms (t) == S_NOW);
}

static void
test_observe_remote (void)
{
    uint64_t now = S_NOW;
    sh_hlc_t hlc;
    sh_hlc_init (&hlc, 0, s_fake_clock, &now);
    uint64_t mine = sh_hlc_tick (&hlc);

    //  A change from a node whose clock is five minutes ahead.
    uint64_t remote = ((S_NOW + 300000) << 16) | 7;
    sh_hlc_observe (&hlc, remote, S_BOUND);
    uint64_t t = sh_hlc_tick (&hlc);
    SH_CHECK (t > remote);
    SH_CHECK (t > mine);

    //  Observing an older value changes nothing.
    sh_hlc_observe (&hlc, mine, S_BOUND);
    uint64_t u = sh_hlc_tick (&hlc);
    SH_CHECK (u == t + 1);
}

//  A received change never moves the clock beyond wall + bound
//  (docs/protocol.md 5.1): a year ahead, 23 hours ahead, exactly at the bound.
static void
test_observe_capped (void)
{
    uint64_t now = S_NOW;
    sh_hlc_t hlc;
    sh_hlc_init (&hlc, 0, s_fake_clock, &now);
    uint64_t year = (S_NOW + 365ull * 86400000) << 16;
    sh_hlc_observe (&hlc, year, S_BOUND);
    SH_CHECK (hlc.last == (S_NOW + S_BOUND) << 16);
    uint64_t t = sh_hlc_tick (&hlc);
    SH_CHECK (t == ((S_NOW + S_BOUND) << 16) + 1);
    SH_CHECK (t < year);

    sh_hlc_init (&hlc, 0, s_fake_clock, &now);
    sh_hlc_observe (&hlc, (S_NOW + 23ull * 3600000) << 16, S_BOUND);
    SH_CHECK (sh_hlc_ms (hlc.last) == S_NOW + S_BOUND);

    //  at the bound exactly: taken as it is
    sh_hlc_init (&hlc, 0, s_fake_clock, &now);
    sh_hlc_observe (&hlc, (S_NOW + S_BOUND) << 16, S_BOUND);
    SH_CHECK (hlc.last == (S_NOW + S_BOUND) << 16);

    //  the cap moves with the wall clock; it never lowers last
    now = S_NOW + 3600000;
    sh_hlc_observe (&hlc, year, S_BOUND);
    SH_CHECK (sh_hlc_ms (hlc.last) == now + S_BOUND);
    now = S_NOW;
    sh_hlc_observe (&hlc, year, S_BOUND);
    SH_CHECK (sh_hlc_ms (hlc.last) == S_NOW + 3600000 + S_BOUND);

    //  a wall clock near the ceiling: the cap is the ceiling
    now = UINT64_MAX / 2;
    sh_hlc_init (&hlc, 0, s_fake_clock, &now);
    sh_hlc_observe (&hlc, UINT64_MAX, S_BOUND);
    SH_CHECK (hlc.last == UINT64_MAX - UINT32_MAX);
}

static void
test_absurd_values (void)
{
    //  A bogus remote (or corrupt persisted) value cannot exhaust the clock.
    uint64_t now = S_NOW;
    sh_hlc_t hlc;
    sh_hlc_init (&hlc, UINT64_MAX, s_fake_clock, &now);
    uint64_t prev = sh_hlc_tick (&hlc);
    for (int i = 0; i < 1000; i++) {
        uint64_t t = sh_hlc_tick (&hlc);
        SH_CHECK (t > prev);
        prev = t;
    }
    sh_hlc_init (&hlc, 0, s_fake_clock, &now);
    sh_hlc_observe (&hlc, UINT64_MAX, S_BOUND);
    prev = sh_hlc_tick (&hlc);
    SH_CHECK (sh_hlc_tick (&hlc) > prev);

    //  A wall clock beyond 2^48 ms does not overflow the shift.
    now = UINT64_MAX / 2;
    sh_hlc_init (&hlc, 0, s_fake_clock, &now);
    prev = sh_hlc_tick (&hlc);
    SH_CHECK (prev > (1ull << 63));
    SH_CHECK (sh_hlc_tick (&hlc) > prev);
}

static const sh_test_case_t tests[] = {
    { "strictly increasing", test_strictly_increasing },
    { "clock steps back", test_clock_steps_back },
    { "counter carries", test_counter_carries },
    { "restart from persisted", test_restart_from_persisted },
    { "observe remote", test_observe_remote },
    { "observe capped at wall + bound", test_observe_capped },
    { "absurd values", test_absurd_values },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
