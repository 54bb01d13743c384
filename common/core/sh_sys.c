/*  sh_sys -- the operating system's clocks. See sh_sys.h. */
#include "sh_sys.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

int64_t
sh_sys_mono_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t
sh_sys_wall_ms (void)
{
    struct timespec ts;
    if (clock_gettime (CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0)
        return 0;   //  a clock before 1970: an HLC's counter keeps its ticks increasing
    return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

sh_err
sh_sys_lock (const char *path, int *fd, long *pid)
{
    *fd = -1;
    if (pid)
        *pid = 0;
    int f = open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (f < 0)
        return sh_err_errno ();
    if (flock (f, LOCK_EX | LOCK_NB) != 0) {
        sh_err rc = errno == EWOULDBLOCK ? SH_EEXIST : sh_err_errno ();
        if (rc == SH_EEXIST && pid) {
            char buf[32] = "";
            ssize_t n = pread (f, buf, sizeof buf - 1, 0);
            buf[n > 0 ? n : 0] = '\0';
            *pid = strtol (buf, NULL, 10);
        }
        close (f);
        return rc;
    }
    char buf[32];
    int len = snprintf (buf, sizeof buf, "%ld\n", (long) getpid ());
    if (ftruncate (f, 0) != 0 || pwrite (f, buf, (size_t) len, 0) != len) {
        sh_err rc = sh_err_errno ();
        close (f);
        return rc;
    }
    *fd = f;
    return SH_OK;
}

void
sh_sys_unlock (int fd)
{
    if (fd >= 0) {
        flock (fd, LOCK_UN);
        close (fd);
    }
}

void
sh_sys_user (uint32_t *uid, char *name, size_t name_len)
{
    uid_t u = getuid ();
    *uid = (uint32_t) u;
    if (name_len)
        name[0] = 0;
    char buf[4096];
    struct passwd pw, *found = NULL;
    if (getpwuid_r (u, &pw, buf, sizeof buf, &found) == 0 && found && found->pw_name && name_len)
        snprintf (name, name_len, "%s", found->pw_name);
}
