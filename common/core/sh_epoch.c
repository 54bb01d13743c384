/*  sh_epoch -- the hub's signed epoch notes (sh_epoch.h).
*/
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_epoch.h"
#include "sh_note.h"

sh_err
sh_epoch_sign (const sh_hubid_t *hub, const sh_epoch_t *e, char **note, size_t *len)
{
    assert (hub && hub->key && e && note && len);
    *note = NULL;
    if (e->epoch < 2 || (e->abandoned != 0 && e->abandoned <= e->base))
        return SH_EINVAL;
    char hex[SH_HEX_BYTES (SH_HASH_BYTES)];
    sh_crypto_hex (hex, e->abandoned_root, SH_HASH_BYTES);
    char ext[160];
    snprintf (ext, sizeof ext, "epoch %" PRIu64 "\nabandons %" PRIu64 " %s\n", e->epoch, e->abandoned, hex);
    char *text = NULL;
    size_t text_len;
    sh_err rc = sh_note_checkpoint_format (&text, &text_len, hub->origin, e->base, e->base_root, ext);
    if (rc == SH_OK)
        rc = sh_note_sign (note, len, text, text_len, hub->key, hub->origin);
    free (text);
    return rc;
}

//  A decimal number without sign or leading zero, then the character end.
static const char *
s_number (const char *p, uint64_t *out, char end)
{
    uint64_t v = 0;
    const char *start = p;
    while (*p >= '0' && *p <= '9') {
        if (v > (UINT64_MAX - 9) / 10)
            return NULL;
        v = v * 10 + (uint64_t) (*p++ - '0');
    }
    if (p == start || (*start == '0' && p - start > 1) || *p != end)
        return NULL;
    *out = v;
    return p + 1;
}

sh_err
sh_epoch_open (const sh_hubid_t *hub, const char *note, size_t len, sh_epoch_t *out)
{
    assert (hub && note && out);
    memset (out, 0, sizeof *out);
    sh_note_checkpoint_t cp;
    sh_err rc = sh_hubid_open_checkpoint (hub, &cp, note, len);
    if (rc)
        return rc;
    //  the extensions, exactly: "epoch E\nabandons N HEX\n"
    char ext[200];
    if (!cp.ext || cp.ext_len >= sizeof ext)
        return SH_EPROTO;
    memcpy (ext, cp.ext, cp.ext_len);
    ext[cp.ext_len] = 0;
    const char *p = ext;
    if (strncmp (p, "epoch ", 6) != 0 || !(p = s_number (p + 6, &out->epoch, '\n'))
    ||  strncmp (p, "abandons ", 9) != 0 || !(p = s_number (p + 9, &out->abandoned, ' '))
    ||  strlen (p) != 2 * SH_HASH_BYTES + 1 || p[2 * SH_HASH_BYTES] != '\n')
        return SH_EPROTO;
    char hex[2 * SH_HASH_BYTES + 1];
    memcpy (hex, p, 2 * SH_HASH_BYTES);
    hex[2 * SH_HASH_BYTES] = 0;
    if (sh_crypto_unhex (out->abandoned_root, SH_HASH_BYTES, hex) != SH_OK
    ||  out->epoch < 2 || (out->abandoned != 0 && out->abandoned <= cp.size))
        return SH_EPROTO;
    out->base = cp.size;
    memcpy (out->base_root, cp.root, SH_HASH_BYTES);
    return SH_OK;
}
