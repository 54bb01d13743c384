/*  sh_fault -- the test-only fault points' settings from the environment. */
#include "sh_fault.h"

#include <errno.h>
#include <stdlib.h>

sh_err
sh_fault_from_env (const char *name, unsigned *out)
{
    const char *v = getenv (name);
    *out = 0;
    if (!v || !*v)
        return SH_OK;
    char *end;
    errno = 0;
    unsigned long n = strtoul (v, &end, 10);
    if (errno || *end || *v < '0' || *v > '9' || n > 1000000000UL)
        return SH_EINVAL;
    *out = (unsigned) n;
    return SH_OK;
}

sh_err
sh_fault_offset_from_env (const char *name, int64_t *out)
{
    const char *v = getenv (name);
    *out = 0;
    if (!v || !*v)
        return SH_OK;
    char *end;
    errno = 0;
    long long n = strtoll (v, &end, 10);
    if (errno || *end || (*v != '-' && *v != '+' && (*v < '0' || *v > '9'))
    ||  n > SH_FAULT_CLOCK_MAX || n < -SH_FAULT_CLOCK_MAX)
        return SH_EINVAL;
    *out = n;
    return SH_OK;
}
