/*  sh_sys -- the operating system's clocks, in one place (STYLE.md 20).

    The monotonic clock measures intervals (time-outs, back-off, idle
    sessions) and never jumps; the wall clock is unix time and may step
    either way, so it only stamps things (HLC, last seen, exports).

    sh_sys_user says which OS user runs the process (for records of who
    did something, such as an export with personal data).

    A lock file (sh_sys_lock) lets one process at a time own a directory,
    such as the one `shouhe-hub serve` that may write a hub store; the lock
    is the kernel's (flock), so it goes with the process, however it ends.

    Stateless and thread-safe.
*/
#ifndef SH_SYS_H
#define SH_SYS_H

#include <stddef.h>
#include <stdint.h>

#include "sh_err.h"

//  Milliseconds on the monotonic clock (CLOCK_MONOTONIC; the same clock
//  as czmq's zclock_mono).
int64_t sh_sys_mono_ms (void);

//  Unix time in milliseconds (CLOCK_REALTIME); 0 if the clock cannot be
//  read or is set before 1970.
uint64_t sh_sys_wall_ms (void);

//  Take the exclusive lock of the file at path (created 0600 if missing),
//  without waiting; *fd receives the open file that holds it (release with
//  sh_sys_unlock, or by exiting). The file then holds this process's id as
//  text. SH_EEXIST when another process holds the lock (*pid, if not NULL,
//  receives its id as the file says it, 0 if unreadable);
//  SH_ESYSERR | errno when the file cannot be opened.
SH_NODISCARD sh_err sh_sys_lock (const char *path, int *fd, long *pid);

//  The real user id of this process in *uid, and its name from the user
//  database into name (name_len bytes, NUL-terminated, truncated if
//  longer; "" when the id has no entry).
void sh_sys_user (uint32_t *uid, char *name, size_t name_len);

//  Release a lock taken with sh_sys_lock and close its file. fd < 0 is
//  ignored.
void sh_sys_unlock (int fd);

#endif
