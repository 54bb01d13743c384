/*  sh_hlc -- hybrid logical clock (Kulkarni et al.), 64 bits.

    A timestamp is (unix milliseconds << 16) | logical counter. Every value
    handed out by sh_hlc_tick is strictly greater than every value handed out
    or observed before, so a node's own changes are totally ordered even when
    the wall clock steps backwards: the physical part then stays at the last
    value and the counter grows (carrying into the milliseconds when it
    overflows). The owner persists sh_hlc_last with each write and passes it
    back to sh_hlc_init after a restart.

    Values from outside (a persisted last, a remote timestamp, a wall clock
    beyond 2^48 ms) are clamped to UINT64_MAX - UINT32_MAX (the year ~10889),
    so one bogus value can never exhaust the clock: ticks after it still
    grow, though they may then stay below an absurd remote value.

    Plain data, embedded by value (init, no fini). Not thread-safe.
*/
#ifndef SH_HLC_H
#define SH_HLC_H

#include <stdint.h>

typedef uint64_t (*sh_hlc_clock_fn) (void *ctx);   //  returns unix time in ms

typedef struct {
    uint64_t last;            //  greatest timestamp issued or observed
    sh_hlc_clock_fn clock;    //  wall clock source
    void *clock_ctx;          //  argument for clock
} sh_hlc_t;

//  Start from persisted value last (0 for a new clock). clock NULL = system clock.
void sh_hlc_init (sh_hlc_t *self, uint64_t last, sh_hlc_clock_fn clock, void *clock_ctx);

//  A new timestamp for a local event, strictly greater than self->last.
uint64_t sh_hlc_tick (sh_hlc_t *self);

//  Merge a timestamp seen on a received change, so the next tick is after
//  it -- but never beyond the wall clock + bound_ms (docs/protocol.md 5.1):
//  last = max (last, min (remote, (wall ms + bound_ms) << 16)).
void sh_hlc_observe (sh_hlc_t *self, uint64_t remote, uint64_t bound_ms);

//  The system wall clock in unix ms (the default clock).
uint64_t sh_hlc_system_clock (void *ctx);

static inline uint64_t sh_hlc_ms (uint64_t hlc) { return hlc >> 16; }

#endif
