/*  sh_fault -- the test-only fault points' settings from the environment.

    SHOUHE_FAULT_COMMIT=N and SHOUHE_FAULT_SEND=N make the Nth store commit
    or the Nth sync send/reply fail, as a full disk or a full pipe would
    (docs/protocol.md 13.16, 14.3; tests/reliability). The programs read
    them in main and hand the counts down; nothing here keeps state.
*/
#ifndef SH_FAULT_H
#define SH_FAULT_H

#include "sh_err.h"

//  The count in environment variable name: unset or empty is 0 (off).
//  SH_EINVAL (and *out 0) when it is not a whole number up to 10^9.
SH_NODISCARD sh_err sh_fault_from_env (const char *name, unsigned *out);

#endif
