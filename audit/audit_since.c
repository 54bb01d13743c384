/*  audit_since -- the files of the incremental audit (audit.h,
    docs/protocol.md 15.4.1): a checkpoint note read and opened with the
    trusted hub key (--since FILE, and the checkpoint files of
    `consistency`), and the newest verified checkpoint of an export saved
    for the next run (--save-checkpoint FILE).
*/
#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sh_i18n.h"
#include "sh_note.h"

int
audit_read_small (const char *path, size_t max, char **out, size_t *len)
{
    *out = NULL;
    FILE *f = fopen (path, "rb");
    if (!f) {
        fprintf (stderr, _("shouhe-audit: cannot read %s: %s\n"), path, strerror (errno));
        return SH_EXIT_STORE;
    }
    char *buf = malloc (max + 1);
    size_t n = buf ? fread (buf, 1, max + 1, f) : 0;
    bool err = !buf || ferror (f);
    fclose (f);
    if (err || n > max) {
        fprintf (stderr, _("shouhe-audit: cannot read %s: %s\n"), path, err ? _("read error") : _("too large"));
        free (buf);
        return err ? SH_EXIT_STORE : SH_EXIT_REFUSED;
    }
    buf[n] = 0;
    *out = buf;
    *len = n;
    return SH_EXIT_OK;
}

int
audit_open_checkpoint (const char *path, const sh_hubid_t *hub, sh_note_checkpoint_t *cp, char **text)
{
    size_t len;
    int code = audit_read_small (path, SH_NOTE_MAX_BYTES, text, &len);
    if (code)
        return code;
    sh_err rc = sh_hubid_open_checkpoint (hub, cp, *text, len);
    if (rc) {
        fprintf (stderr, _("shouhe-audit: %s is not a checkpoint signed by the hub key: %s\n"), path,
                 rc == SH_ENOTFOUND ? _("no signature by the hub key")
                 : rc == SH_ECRYPTO ? _("the hub key's signature does not verify")
                 : _("malformed, or of another origin"));
        return SH_EXIT_REFUSED;
    }
    return SH_EXIT_OK;
}

//  Write len bytes of data to path.tmp, sync, and rename it to path. A
//  path that exists and is not a regular file (a directory, a device such
//  as /dev/null) is refused before anything is written: the rename would
//  replace it. path.tmp is made anew (a stale one removed first, O_EXCL):
//  a symbolic link planted there is never followed. On failure it is
//  removed.
static int
s_write_atomic (const char *path, const uint8_t *data, size_t len)
{
    char tmp[4096];
    if ((size_t) snprintf (tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
        fprintf (stderr, _("shouhe-audit: cannot write %s: %s\n"), path, strerror (ENAMETOOLONG));
        return SH_EXIT_STORE;
    }
    struct stat st;
    if (stat (path, &st) == 0 && !S_ISREG (st.st_mode)) {
        fprintf (stderr, _("shouhe-audit: cannot write %s: it exists and is not a regular file\n"), path);
        return SH_EXIT_STORE;
    }
    unlink (tmp);
    int fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) {
        int e = errno;
        fprintf (stderr, _("shouhe-audit: cannot write %s: cannot create %s: %s\n"), path, tmp, strerror (e));
        return sh_exit_errno (e);
    }
    bool ok = fchmod (fd, 0644) == 0;
    for (size_t off = 0; ok && off < len;) {
        ssize_t w = write (fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        off += ok ? (size_t) w : 0;
    }
    ok = ok && fsync (fd) == 0;
    int e = errno;
    if (close (fd) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (ok && rename (tmp, path) != 0) {
        ok = false;
        e = errno;
    }
    if (!ok) {
        unlink (tmp);
        fprintf (stderr, _("shouhe-audit: cannot write %s: %s\n"), path, strerror (e));
        return sh_exit_errno (e);
    }
    return SH_EXIT_OK;
}

int
audit_since_save (const char *path, const sh_export_t *ex, const audit_report_t *rep)
{
    //  not written: the file keeps the checkpoint it held (still a sound --since)
    if (rep->n_faults) {
        fprintf (stderr, _("shouhe-audit: %s not written: the export does not verify\n"), path);
        return SH_EXIT_OK;
    }
    if (rep->covered_number == 0) {
        fprintf (stderr, _("shouhe-audit: %s not written: no checkpoint of the export verified\n"), path);
        return SH_EXIT_OK;
    }
    sh_export_bytes_t b = sh_export_checkpoint (ex, rep->covered_number - 1);
    return s_write_atomic (path, b.data, b.len);
}
