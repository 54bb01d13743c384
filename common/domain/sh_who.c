/*  sh_who -- who acted and when. */
#include "sh_who.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sh_hlc.h"
#include "sh_registry.h"

//  Write to who the name of key in txn (see sh_who.h). Never fails: a
//  store that cannot be read gives the hex digits.
static void
s_name (sh_store_txn_t *txn, const uint8_t key[SH_PUBKEY_BYTES], char who[SH_WHO_BYTES])
{
    sh_registry_entry_t e;
    if (sh_registry_get (txn, key, &e) == SH_OK && e.name[0]) {
        snprintf (who, SH_WHO_BYTES, "%s", e.name);
        return;
    }
    char hex[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    sh_crypto_hex (hex, key, SH_PUBKEY_BYTES);
    snprintf (who, SH_WHO_BYTES, "%.8s", hex);
}

//  Write to at the UTC time of hlc ("YYYY-MM-DD HH:MM:SSZ").
static void
s_at (uint64_t hlc, char at[SH_WHO_AT_BYTES])
{
    time_t t = (time_t) (sh_hlc_ms (hlc) / 1000);
    struct tm tm;
    if (!gmtime_r (&t, &tm) || !strftime (at, SH_WHO_AT_BYTES, "%Y-%m-%d %H:%M:%SZ", &tm))
        snprintf (at, SH_WHO_AT_BYTES, "?");
}

sh_err
sh_who_annotate (sh_store_txn_t *txn, json_t *events)
{
    size_t i;
    json_t *e;
    json_array_foreach (events, i, e) {
        const char *hex = json_string_value (json_object_get (e, "author"));
        json_t *hlc = json_object_get (e, "hlc");
        uint8_t key[SH_PUBKEY_BYTES];
        if (!hex || !json_is_integer (hlc) || sh_crypto_unhex (key, sizeof key, hex) != SH_OK)
            continue;
        char who[SH_WHO_BYTES], at[SH_WHO_AT_BYTES];
        s_name (txn, key, who);
        s_at ((uint64_t) json_integer_value (hlc), at);
        if (json_object_set_new (e, "who", json_string (who)) || json_object_set_new (e, "at", json_string (at)))
            return SH_ENOMEM;
    }
    return SH_OK;
}
