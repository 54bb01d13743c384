/*  audit_fetch -- `shouhe-audit keygen --key-dir DIR` and `shouhe-audit
    fetch --hub ENDPOINT --hub-key HEX --key-dir DIR EXPORT`: an auditor's
    key, and an export pulled live from the hub (docs/protocol.md 15.8).

    The auditor's key (DIR/auditor.key, mode 0600) is enrolled at the hub
    with `shouhe-hub enroll --role auditor`; the hub admits it like a node,
    lets it Pull and Fetch, and refuses every Push (ERR_ROLE). The export is
    written to EXPORT.tmp and linked to EXPORT when complete; check it with
    `shouhe-audit verify EXPORT --hub-key HEX`.
*/
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "sh_crypto.h"
#include "sh_i18n.h"
#include "sh_key.h"
#include "sh_link.h"
#include "sh_wire.h"

#define S_KEY_FILE "auditor.key"
#define S_TIMEOUT_MS 30000

static char *
s_key_path (const char *dir)
{
    size_t n = strlen (dir) + sizeof S_KEY_FILE + 2;
    char *p = malloc (n);
    if (p)
        snprintf (p, n, "%s/%s", dir, S_KEY_FILE);
    return p;
}

int
audit_keygen (const char *dir)
{
    if (!dir) {
        fprintf (stderr, _("shouhe-audit: keygen needs --key-dir DIR\n"));
        return SH_EXIT_USAGE;
    }
    if (mkdir (dir, 0700) != 0 && errno != EEXIST) {
        int e = errno;
        fprintf (stderr, _("shouhe-audit: cannot create %s: %s\n"), dir, strerror (e));
        return sh_exit_errno (e);
    }
    char *kp = s_key_path (dir);
    sh_key_t *key = sh_key_generate ();
    sh_err rc = kp && key ? sh_key_save (key, kp) : SH_ENOMEM;
    if (rc == SH_EEXIST)
        fprintf (stderr, _("shouhe-audit: %s exists; refusing to overwrite it\n"), kp);
    else
    if (rc)
        fprintf (stderr, _("shouhe-audit: cannot write %s: %s\n"), kp ? kp : _("the key"), sh_strerror (rc));
    else {
        char hex[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
        sh_crypto_hex (hex, sh_key_public (key), SH_PUBKEY_BYTES);
        printf ("%s\n", hex);
    }
    sh_key_destroy (&key);
    free (kp);
    return rc == SH_OK ? SH_EXIT_OK : rc == SH_EEXIST ? SH_EXIT_REFUSED : sh_exit_store (rc);
}

//  Receive one envelope within the timeout. SH_EXIT_OK, SH_EXIT_REFUSED (an Error arrived
//  and was printed), SH_EXIT_NETWORK (no answer in time), SH_EXIT_PROTOCOL (undecodable).
static int
s_recv (sh_link_t *conn, sh_wire_msg_t *m)
{
    sh_link_event_t ev;
    const char *why = NULL;
    sh_err rc = sh_link_wait (conn, S_TIMEOUT_MS, &ev, m, &why);
    if (ev.type != SH_LINK_MESSAGE) {
        fprintf (stderr, _("shouhe-audit: no answer from the hub within %d s\n"), S_TIMEOUT_MS / 1000);
        return SH_EXIT_NETWORK;
    }
    if (rc) {
        fprintf (stderr, _("shouhe-audit: undecodable message from the hub: %s\n"), why ? why : sh_strerror (rc));
        return SH_EXIT_PROTOCOL;
    }
    if (m->type == SH_WIRE_ERROR) {
        fprintf (stderr, _("shouhe-audit: the hub refused (%s): %s\n"), sh_wire_error_name (m->u.error.code),
                 m->u.error.message);
        sh_wire_msg_fini (m);
        return SH_EXIT_REFUSED;
    }
    return SH_EXIT_OK;
}

int
audit_fetch (const char *hub, const char *hub_key_hex, const char *key_dir, const char *path)
{
    if (!hub || !hub_key_hex || !key_dir || !path) {
        fprintf (stderr, _("shouhe-audit: fetch needs --hub ENDPOINT --hub-key HEX --key-dir DIR and EXPORT\n"));
        return SH_EXIT_USAGE;
    }
    uint8_t hub_ed[SH_PUBKEY_BYTES], hub_curve[SH_CURVE_BYTES];
    if (sh_crypto_unhex (hub_ed, sizeof hub_ed, hub_key_hex) != SH_OK
    ||  sh_crypto_ed_to_curve (hub_curve, hub_ed) != SH_OK) {
        fprintf (stderr, _("shouhe-audit: --hub-key '%s' is not a hub public key\n"), hub_key_hex);
        return SH_EXIT_USAGE;
    }
    struct stat st;
    if (lstat (path, &st) == 0) {
        fprintf (stderr, _("shouhe-audit: %s exists; refusing to overwrite it\n"), path);
        return SH_EXIT_REFUSED;
    }
    char *kp = s_key_path (key_dir);
    sh_key_t *key = NULL;
    sh_err rc = kp ? sh_key_load (&key, kp) : SH_ENOMEM;
    if (rc) {
        fprintf (stderr, _("shouhe-audit: cannot load %s: %s%s\n"), kp ? kp : _("the key"), sh_strerror (rc),
                 rc == SH_ENOTFOUND ? _(" (create it with: shouhe-audit keygen --key-dir DIR)") : "");
        free (kp);
        return SH_EXIT_STORE;
    }
    free (kp);
    //  ZeroMQ's defaults but for the message size: sends wait as long as it takes
    sh_link_t *conn = NULL;
    const sh_link_options_t opts = { .send_timeout_ms = -1 };
    rc = sh_link_client_new (&conn, key, hub_ed, &opts);
    if (rc == SH_ECRYPTO) {
        sh_key_destroy (&key);
        return SH_EXIT_STORE;
    }
    FILE *out = NULL;
    char tmp[4096];
    snprintf (tmp, sizeof tmp, "%s.tmp", path);
    int ex = SH_EXIT_OK;
    if (rc || sh_link_connect (conn, hub) != SH_OK) {
        fprintf (stderr, _("shouhe-audit: cannot connect to '%s'\n"), hub);
        ex = SH_EXIT_USAGE;
        goto done;
    }
    sh_wire_msg_t m = { .type = SH_WIRE_HELLO };
    memcpy (m.u.hello.node, sh_key_public (key), SH_PUBKEY_BYTES);
    if (sh_link_send (conn, &m, NULL) != SH_OK || (ex = s_recv (conn, &m)) != 0)
        goto done;
    if (m.type != SH_WIRE_WELCOME) {
        fprintf (stderr, _("shouhe-audit: expected a welcome, got %s\n"), sh_wire_type_name (m.type));
        sh_wire_msg_fini (&m);
        ex = SH_EXIT_PROTOCOL;
        goto done;
    }
    sh_wire_msg_fini (&m);
    int fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
    out = fd >= 0 ? fdopen (fd, "wb") : NULL;
    if (!out) {
        int e = errno;
        fprintf (stderr, _("shouhe-audit: cannot write %s: %s\n"), tmp, strerror (e));
        ex = sh_exit_errno (e);
        goto done;
    }
    uint64_t offset = 0, total = 0;
    do {
        sh_wire_msg_t f = { .type = SH_WIRE_FETCH };
        f.u.fetch.offset = offset;
        f.u.fetch.max = SH_WIRE_CHUNK_MAX;
        if (sh_link_send (conn, &f, NULL) != SH_OK || (ex = s_recv (conn, &m)) != 0)
            goto done;
        if (m.type != SH_WIRE_CHUNK || m.u.chunk.offset != offset || (offset && m.u.chunk.total != total)
        ||  (m.u.chunk.len == 0 && offset < m.u.chunk.total)) {
            fprintf (stderr, _("shouhe-audit: the hub answered the fetch at %" PRIu64 " out of order\n"), offset);
            sh_wire_msg_fini (&m);
            ex = SH_EXIT_PROTOCOL;
            goto done;
        }
        total = m.u.chunk.total;
        if (fwrite (m.u.chunk.data, 1, m.u.chunk.len, out) != m.u.chunk.len) {
            int e = errno;
            fprintf (stderr, _("shouhe-audit: cannot write %s: %s\n"), tmp, strerror (e));
            sh_wire_msg_fini (&m);
            ex = sh_exit_errno (e);
            goto done;
        }
        offset += m.u.chunk.len;
        sh_wire_msg_fini (&m);
    } while (offset < total);
    if (fflush (out) != 0 || fsync (fileno (out)) != 0 || fclose (out) != 0) {
        out = NULL;
        int e = errno;
        fprintf (stderr, _("shouhe-audit: cannot write %s: %s\n"), tmp, strerror (e));
        ex = sh_exit_errno (e);
        goto done;
    }
    out = NULL;
    if (link (tmp, path) != 0) {
        fprintf (stderr, _("shouhe-audit: cannot create %s: %s\n"), path, strerror (errno));
        ex = SH_EXIT_STORE;
        goto done;
    }
    printf (_("fetched %" PRIu64 " bytes from %s into %s; check it with: shouhe-audit verify %s --hub-key %s\n"),
            total, hub, path, path, hub_key_hex);
done:
    if (out)
        fclose (out);
    unlink (tmp);
    sh_link_destroy (&conn);
    sh_key_destroy (&key);
    return ex;
}
