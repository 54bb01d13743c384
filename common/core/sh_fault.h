/*  sh_fault -- the test-only fault points' settings from the environment.

    SHOUHE_FAULT_COMMIT=N and SHOUHE_FAULT_SEND=N make the Nth store commit
    or the Nth sync send/reply fail, as a full disk or a full pipe would
    (docs/protocol.md 13.16, 14.3; tests/reliability). The programs read
    them in main and hand the counts down; nothing here keeps state.
*/
#ifndef SH_FAULT_H
#define SH_FAULT_H

#include <stdint.h>

#include "sh_err.h"

//  The count in environment variable name: unset or empty is 0 (off).
//  SH_EINVAL (and *out 0) when it is not a whole number up to 10^9.
SH_NODISCARD sh_err sh_fault_from_env (const char *name, unsigned *out);

//  SHOUHE_FAULT_CLOCK_MS (node) and SHOUHE_FAULT_QUOTA_CLOCK_MS (hub): a
//  signed offset in ms added to a wall clock, as a clock set wrong (or a
//  test that crosses a day) would. Unset or empty is 0. SH_EINVAL (and
//  *out 0) when it is not a whole number within SH_FAULT_CLOCK_MAX.
#define SH_FAULT_CLOCK_MAX (100LL * 366 * 86400000LL)   //  +-100 years
SH_NODISCARD sh_err sh_fault_offset_from_env (const char *name, int64_t *out);

#endif
