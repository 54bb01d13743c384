/*  sh_hubid -- the hub's identity: key, origin, note verifier key. */
#include "sh_hubid.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

void
sh_hubid_init (sh_hubid_t *self, const uint8_t pubkey[SH_PUBKEY_BYTES])
{
    assert (self && pubkey);
    memset (self, 0, sizeof *self);
    memcpy (self->pubkey, pubkey, SH_PUBKEY_BYTES);
    char hex[SH_HEX_BYTES (8)];
    sh_crypto_hex (hex, pubkey, 8);
    snprintf (self->origin, sizeof self->origin, SH_HUBID_ORIGIN_PREFIX "%s", hex);
    //  the origin is always a valid key name (ASCII, no space, no '+')
    sh_err rc = sh_note_vkey_init (&self->vkey, self->origin, pubkey);
    assert (rc == SH_OK);
    (void) rc;
    self->key_id = self->vkey.key_id;
}

void
sh_hubid_init_key (sh_hubid_t *self, const sh_key_t *key)
{
    assert (key);
    sh_hubid_init (self, sh_key_public (key));
    self->key = key;
}

sh_err
sh_hubid_init_hex (sh_hubid_t *self, const char *hex)
{
    assert (self && hex);
    uint8_t pubkey[SH_PUBKEY_BYTES];
    if (sh_crypto_unhex (pubkey, sizeof pubkey, hex) != SH_OK) {
        memset (self, 0, sizeof *self);
        return SH_EINVAL;
    }
    sh_hubid_init (self, pubkey);
    return SH_OK;
}

sh_err
sh_hubid_open_checkpoint (const sh_hubid_t *self, sh_note_checkpoint_t *out, const char *note, size_t len)
{
    assert (self && out && note);
    return sh_note_checkpoint_open (out, note, len, &self->vkey, self->origin);
}
