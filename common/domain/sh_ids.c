/*  sh_ids -- short ids: the record a hex prefix names. */
#include "sh_ids.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_crypto.h"
#include "sh_i18n.h"
#include "sh_index.h"
#include "sh_merge.h"
#include "sh_record.h"

#define S_ID_BYTES 16

typedef struct {
    sh_store_txn_t *txn;
    sh_kind_t kind;
    char want[SH_IDS_HEX];          //  the prefix, lower case
    size_t n;                       //  live records found
    char first[SH_IDS_HEX];         //  the first one's id
    char list[SH_IDS_MSG_BYTES / 2];//  one line per match (at most SH_IDS_LIST_MAX)
    sh_err rc;                      //  a store error met during the walk
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
        snprintf (f->list + used, sizeof f->list - used, _("\n  %s  %.60s  courtyard %s"), hex,
                  label ? label : "-", yard ? yard : "-");
    json_decref (j);
}

//  sh_index_fn: an entry whose id starts with f->want (its odd last digit
//  too): count it when the record lives, once per id.
static bool
s_take (const uint8_t *id, size_t id_len, const char *region, void *arg)
{
    s_find_t *f = arg;
    char hex[SH_IDS_HEX];
    sh_crypto_hex (hex, id, id_len);
    if (strncmp (hex, f->want, strlen (f->want)) != 0 || (f->n && !strcmp (hex, f->first)))
        return false;
    uint8_t *body;
    size_t len;
    f->rc = sh_merge_get (f->txn, region, f->kind, id, id_len, &body, &len, NULL);
    if (f->rc == SH_ENOTFOUND) {
        f->rc = SH_OK;
        return false;
    }
    if (f->rc)
        return true;
    if (f->n++ == 0)
        strcpy (f->first, hex);
    s_list_line (f, hex, body, len);
    free (body);
    return false;
}

//  Walk the INDEX entries of kind whose id starts with f->want.
static sh_err
s_scan (s_find_t *f)
{
    uint8_t prefix[S_ID_BYTES];
    size_t whole = strlen (f->want) / 2;        //  whole bytes of the prefix
    char digits[SH_IDS_HEX];
    memcpy (digits, f->want, 2 * whole);
    digits[2 * whole] = 0;
    if (sh_crypto_unhex (prefix, whole, digits) != SH_OK)
        return SH_EINVAL;                       //  checked hex before
    sh_err rc = sh_index_each (f->txn, f->kind, S_ID_BYTES, prefix, whole, s_take, f);
    return rc ? rc : f->rc;
}

sh_err
sh_ids_resolve (sh_store_t *store, sh_kind_t kind, const char *what, const char *text,
                char out[SH_IDS_HEX], char *msg)
{
    //  what is English ("person", "matter"); the messages name it translated
    what = _(what);
    size_t n = text ? strlen (text) : 0;
    bool hex = n >= SH_IDS_MIN_HEX && n < SH_IDS_HEX;
    for (size_t i = 0; hex && i < n; i++)
        hex = isxdigit ((unsigned char) text[i]) != 0;
    if (!hex) {
        snprintf (msg, SH_IDS_MSG_BYTES, _("%s id '%.80s' is not %d to 32 hex digits (a short id or a "
                  "full one)"), what, text ? text : "", SH_IDS_MIN_HEX);
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
        snprintf (msg, SH_IDS_MSG_BYTES, _("unknown %s %s"), what, f->want);
        rc = SH_ENOTFOUND;
    }
    else
    if (rc == SH_OK && f->n > 1) {
        //  TRANSLATORS: the 's' after the second %s makes the plural of what ("matters")
        snprintf (msg, SH_IDS_MSG_BYTES, _("%s id %s is ambiguous: %zu %ss start with it; give more "
                  "digits:%s%s"), what, f->want, f->n, what, f->list, f->n > SH_IDS_LIST_MAX ? "\n  ..." : "");
        rc = SH_EINVAL;
    }
    else
    if (rc == SH_OK)
        memcpy (out, f->first, SH_IDS_HEX);
    else
        snprintf (msg, SH_IDS_MSG_BYTES, _("cannot read the %ss: %s"), what, sh_strerror (rc));
    free (f);
    return rc;
}
