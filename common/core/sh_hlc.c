/*  sh_hlc -- hybrid logical clock (Kulkarni et al.), 64 bits.

    With the wall clock w (shifted into the physical part, counter 0):
        tick:    last = w > last ? w : last + 1
        observe: last = max (last, min (remote, (w_ms + bound) << 16))
    "last + 1" grows the 16-bit counter and, when it overflows, carries into
    the milliseconds, so ticks are strictly increasing whatever the clock does.

    No value ever goes above S_CEILING, which leaves 2^32 ticks of headroom
    below UINT64_MAX: a corrupt persisted value or a bogus remote timestamp
    (both are bytes from outside) cannot exhaust the clock. S_CEILING is in
    the year ~10889, far beyond any real clock, so real values are untouched.
*/
#include "sh_hlc.h"
#include "sh_sys.h"

#include <assert.h>
#include <stdlib.h>

#define S_CEILING (UINT64_MAX - UINT32_MAX)

static uint64_t
s_clamp (uint64_t hlc)
{
    return hlc > S_CEILING ? S_CEILING : hlc;
}

void
sh_hlc_init (sh_hlc_t *self, uint64_t last, sh_hlc_clock_fn clock, void *clock_ctx)
{
    assert (self);
    self->last = s_clamp (last);
    self->clock = clock ? clock : sh_hlc_system_clock;
    self->clock_ctx = clock_ctx;
}

uint64_t
sh_hlc_tick (sh_hlc_t *self)
{
    assert (self);
    assert (self->clock);
    uint64_t ms = self->clock (self->clock_ctx);
    uint64_t wall = ms > (S_CEILING >> 16) ? S_CEILING : ms << 16;
    if (wall > self->last)
        self->last = wall;
    else {
        //  Reaching the top needs 2^32 local ticks after a clamp: cannot happen.
        if (self->last == UINT64_MAX)
            abort ();
        self->last++;
    }
    return self->last;
}

void
sh_hlc_observe (sh_hlc_t *self, uint64_t remote, uint64_t bound_ms)
{
    assert (self);
    assert (self->clock);
    //  never past the wall clock + bound: a received change cannot drag
    //  this clock further ahead than that
    uint64_t ms = self->clock (self->clock_ctx);
    uint64_t top = ms > (S_CEILING >> 16) - bound_ms ? S_CEILING : (ms + bound_ms) << 16;
    remote = s_clamp (remote);
    if (remote > top)
        remote = top;
    if (remote > self->last)
        self->last = remote;
}

uint64_t
sh_hlc_system_clock (void *ctx)
{
    (void) ctx;
    return sh_sys_wall_ms ();
}
