/*  sh_ids -- short ids: the record a hex prefix names, and who wrote what. */
#include "sh_ids.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_crypto.h"
#include "sh_merge.h"
#include "sh_record.h"
#include "sh_registry.h"

#define S_ID_BYTES 16

typedef struct {
    sh_store_txn_t *txn;
    sh_kind_t kind;
    char want[SH_IDS_HEX];          //  the prefix, lower case
    size_t n;                       //  live records found
    char first[SH_IDS_HEX];         //  the first one's id
    char list[SH_IDS_MSG_BYTES / 2];//  one line per match (at most SH_IDS_LIST_MAX)
} s_find_t;

//  Add a line naming the live record (region, id) to f->list.
static void
s_list_line (s_find_t *f, const char *hex, const uint8_t *body, size_t len)
{
    json_t *j = sh_record_to_json (f->kind, body, len);
    const char *label = json_string_value (json_object_get (j, "name"));
    if (!label)
        label = json_string_value (json_object_get (j, "title"));
    const char *yard = json_string_value (json_object_get (j, "courtyard"));
    size_t used = strlen (f->list);
    if (f->n <= SH_IDS_LIST_MAX)
        snprintf (f->list + used, sizeof f->list - used, "\n  %s  %.60s  courtyard %s", hex,
                  label ? label : "-", yard ? yard : "-");
    json_decref (j);
}

//  One INDEX entry kind || 16 || id || region: count it if it matches and lives.
static sh_err
s_take (s_find_t *f, const uint8_t *k, size_t kl)
{
    if (kl < 2 + S_ID_BYTES || k[1] != S_ID_BYTES || kl - 2 - S_ID_BYTES > SH_REGION_MAX)
        return SH_OK;
    char hex[SH_IDS_HEX], region[SH_REGION_MAX + 1];
    sh_crypto_hex (hex, k + 2, S_ID_BYTES);
    if (strncmp (hex, f->want, strlen (f->want)) != 0 || (f->n && !strcmp (hex, f->first)))
        return SH_OK;
    memcpy (region, k + 2 + S_ID_BYTES, kl - 2 - S_ID_BYTES);
    region[kl - 2 - S_ID_BYTES] = 0;
    uint8_t *body;
    size_t len;
    sh_err rc = sh_merge_get (f->txn, region, f->kind, k + 2, S_ID_BYTES, &body, &len, NULL);
    if (rc == SH_ENOTFOUND)
        return SH_OK;
    if (rc)
        return rc;
    if (f->n++ == 0)
        strcpy (f->first, hex);
    s_list_line (f, hex, body, len);
    free (body);
    return SH_OK;
}

//  Walk the INDEX entries of kind whose id starts with f->want.
static sh_err
s_scan (s_find_t *f)
{
    uint8_t key[2 + S_ID_BYTES] = { (uint8_t) f->kind, S_ID_BYTES };
    size_t whole = strlen (f->want) / 2;        //  whole bytes of the prefix
    char pair[3] = "";
    for (size_t i = 0; i < whole; i++) {
        memcpy (pair, f->want + 2 * i, 2);
        key[2 + i] = (uint8_t) strtoul (pair, NULL, 16);
    }
    sh_store_cursor_t *cur;
    sh_err rc = sh_store_cursor_open (f->txn, SH_DB_INDEX, key, 2 + whole, &cur);
    if (rc)
        return rc;
    const uint8_t *k, *v;
    size_t kl, vl;
    while ((rc = sh_store_cursor_next (cur, &k, &kl, &v, &vl)) == SH_OK)
        if ((rc = s_take (f, k, kl)) != SH_OK)
            break;
    sh_store_cursor_close (&cur);
    return rc == SH_ENOTFOUND ? SH_OK : rc;
}

sh_err
sh_ids_resolve (sh_store_t *store, sh_kind_t kind, const char *what, const char *text,
                char out[SH_IDS_HEX], char *msg)
{
    size_t n = text ? strlen (text) : 0;
    bool hex = n >= SH_IDS_MIN_HEX && n < SH_IDS_HEX;
    for (size_t i = 0; hex && i < n; i++)
        hex = isxdigit ((unsigned char) text[i]) != 0;
    if (!hex) {
        snprintf (msg, SH_IDS_MSG_BYTES, "%s id '%.80s' is not %d to 32 hex digits (a short id or a "
                  "full one)", what, text ? text : "", SH_IDS_MIN_HEX);
        return SH_EINVAL;
    }
    s_find_t *f = calloc (1, sizeof *f);
    if (!f)
        return SH_ENOMEM;
    f->kind = kind;
    for (size_t i = 0; i < n; i++)
        f->want[i] = (char) tolower ((unsigned char) text[i]);
    sh_err rc = sh_store_begin (store, false, &f->txn);
    if (rc == SH_OK)
        rc = s_scan (f);
    sh_store_abort (&f->txn);
    if (rc == SH_OK && f->n == 0) {
        snprintf (msg, SH_IDS_MSG_BYTES, "unknown %s %s", what, f->want);
        rc = SH_ENOTFOUND;
    }
    else
    if (rc == SH_OK && f->n > 1) {
        snprintf (msg, SH_IDS_MSG_BYTES, "%s id %s is ambiguous: %zu %ss start with it; give more "
                  "digits:%s%s", what, f->want, f->n, what, f->list, f->n > SH_IDS_LIST_MAX ? "\n  ..." : "");
        rc = SH_EINVAL;
    }
    else
    if (rc == SH_OK)
        memcpy (out, f->first, SH_IDS_HEX);
    else
        snprintf (msg, SH_IDS_MSG_BYTES, "cannot read the %ss: %s", what, sh_strerror (rc));
    free (f);
    return rc;
}

sh_err
sh_ids_name_authors (sh_store_t *store, json_t *array)
{
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (store, false, &txn);
    if (rc)
        return rc;
    size_t i;
    json_t *e;
    json_array_foreach (array, i, e) {
        const char *a = json_string_value (json_object_get (e, "author"));
        uint8_t key[SH_PUBKEY_BYTES];
        sh_registry_entry_t entry;
        if (!a || sh_crypto_unhex (key, sizeof key, a) != SH_OK)
            continue;
        rc = sh_registry_get (txn, key, &entry);
        if (rc && rc != SH_ENOTFOUND)
            break;
        json_object_set_new (e, "by", json_string (rc == SH_OK ? entry.name : ""));
        rc = SH_OK;
    }
    sh_store_abort (&txn);
    return rc;
}

sh_err
sh_ids_record (sh_store_t *store, sh_kind_t kind, const char *id_hex, json_t **out)
{
    uint8_t id[S_ID_BYTES], *body = NULL;
    size_t len = 0;
    if (!id_hex || sh_crypto_unhex (id, sizeof id, id_hex) != SH_OK)
        return SH_ENOTFOUND;
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (store, false, &txn);
    if (rc)
        return rc;
    char region[SH_REGION_MAX + 1];
    rc = sh_merge_region (txn, kind, id, sizeof id, region);
    if (rc == SH_OK)
        rc = sh_merge_get (txn, region, kind, id, sizeof id, &body, &len, NULL);
    sh_store_abort (&txn);
    json_t *j = rc == SH_OK ? sh_record_to_json (kind, body, len) : NULL;
    free (body);
    if (rc == SH_OK && !j)
        rc = SH_ECORRUPT;
    if (rc)
        return rc;
    char hex[SH_IDS_HEX];
    sh_crypto_hex (hex, id, sizeof id);
    json_object_set_new (j, "id", json_string (hex));
    json_object_set_new (j, "region", json_string (region));
    *out = j;
    return SH_OK;
}
