/*  sh_log -- one-line log messages on stderr. See sh_log.h. */
#include "sh_log.h"

#include <stdio.h>
#include <time.h>

void
sh_log_v (const char *program, const char *level, const char *fmt, va_list ap)
{
    char ts[32];
    time_t now = time (NULL);
    struct tm tm;
    gmtime_r (&now, &tm);
    strftime (ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char line[2048];
    vsnprintf (line, sizeof line, fmt, ap);
    fprintf (stderr, "%s %s %s: %s\n", ts, program, level, line);
}

void
sh_log (const char *program, const char *level, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    sh_log_v (program, level, fmt, ap);
    va_end (ap);
}
