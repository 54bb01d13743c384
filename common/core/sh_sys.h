/*  sh_sys -- the operating system's clocks, in one place (STYLE.md 20).

    The monotonic clock measures intervals (time-outs, back-off, idle
    sessions) and never jumps; the wall clock is unix time and may step
    either way, so it only stamps things (HLC, last seen, exports).

    Stateless and thread-safe.
*/
#ifndef SH_SYS_H
#define SH_SYS_H

#include <stdint.h>

//  Milliseconds on the monotonic clock (CLOCK_MONOTONIC; the same clock
//  as czmq's zclock_mono).
int64_t sh_sys_mono_ms (void);

//  Unix time in milliseconds (CLOCK_REALTIME).
uint64_t sh_sys_wall_ms (void);

#endif
