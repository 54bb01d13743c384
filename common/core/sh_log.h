/*  sh_log -- one-line log messages on stderr for the daemons and tools.

    A line is "<UTC time> <program> <level>: <message>", e.g.
    "2025-06-30T08:00:00Z shouhe-hub warn: peer 3a1f...: push refused".
    Levels are "error", "warn" and "info"; the caller names the peer in the
    message. common/ itself logs nothing: it returns errors, and the
    programs decide what to say. Never pass a secret key to a log line.

    Stateless and thread-safe (one fprintf per line).
*/
#ifndef SH_LOG_H
#define SH_LOG_H

#include <stdarg.h>

//  Write one line (program, level and the formatted message) to stderr.
void sh_log (const char *program, const char *level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

//  The same with a va_list.
void sh_log_v (const char *program, const char *level, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
