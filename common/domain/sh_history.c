/*  sh_history -- the history of one record, read from the log. */
#include "sh_history.h"

#include <stdlib.h>
#include <string.h>

#include "sh_changelog.h"
#include "sh_crypto.h"
#include "sh_registry.h"
#include "sh_record.h"

//  The entry of change c as a history object (NULL when memory runs out).
static json_t *
s_entry (const sh_change_t *c)
{
    char author[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    sh_crypto_hex (author, c->author, SH_PUBKEY_BYTES);
    json_t *j = json_pack ("{s:I, s:I, s:s, s:I, s:s}", "hlc", (json_int_t) c->hlc,
                           "time_ms", (json_int_t) (c->hlc >> 16), "author", author,
                           "seq", (json_int_t) c->seq, "op", sh_change_op_name (c->op));
    if (j && c->op == SH_OP_PUT && c->body) {
        json_t *f = sh_record_to_json (c->kind, c->body, c->body_len);
        json_object_set_new (j, "fields", f ? f : json_object ());
    }
    return j;
}

//  Newest first: by hlc, then author, both descending.
static int
s_newest_first (const void *pa, const void *pb)
{
    json_t *a = *(json_t *const *) pa, *b = *(json_t *const *) pb;
    json_int_t ha = json_integer_value (json_object_get (a, "hlc"));
    json_int_t hb = json_integer_value (json_object_get (b, "hlc"));
    if (ha != hb)
        return ha < hb ? 1 : -1;
    return -strcmp (json_string_value (json_object_get (a, "author")),
                    json_string_value (json_object_get (b, "author")));
}

//  Append the change at log index i to arr when it is about (kind, id).
static sh_err
s_take (sh_store_txn_t *txn, uint64_t i, sh_kind_t kind, const uint8_t *id, size_t id_len, json_t *arr)
{
    const uint8_t *bytes;
    size_t len;
    sh_err rc = sh_changelog_get (txn, i, &bytes, &len);
    if (rc)
        return rc == SH_ENOTFOUND ? SH_OK : rc;    //  a hole: `log verify` reports it
    uint8_t *cb, sig[SH_SIG_BYTES];
    size_t cl;
    sh_change_t c;
    if (sh_change_unwrap (&cb, &cl, sig, bytes, len) != SH_OK)
        return SH_OK;
    if (sh_change_decode (&c, cb, cl, NULL) == SH_OK) {
        if (c.kind == kind && c.entity_len == id_len && memcmp (c.entity, id, id_len) == 0)
            rc = json_array_append_new (arr, s_entry (&c)) ? SH_ENOMEM : SH_OK;
        sh_change_fini (&c);
    }
    free (cb);
    return rc;
}

//  Set each entry's "by": the name the registry knows for its author (a
//  KeyEntry the hub sent), "" when the store knows none. Store errors only.
static sh_err
s_name_authors (sh_store_txn_t *txn, json_t *entries)
{
    size_t i;
    json_t *e;
    json_array_foreach (entries, i, e) {
        const char *a = json_string_value (json_object_get (e, "author"));
        uint8_t key[SH_PUBKEY_BYTES];
        sh_registry_entry_t entry;
        if (!a || sh_crypto_unhex (key, sizeof key, a) != SH_OK)
            continue;
        sh_err rc = sh_registry_get (txn, key, &entry);
        if (rc && rc != SH_ENOTFOUND)
            return rc;
        json_object_set_new (e, "by", json_string (rc == SH_OK ? entry.name : ""));
    }
    return SH_OK;
}

sh_err
sh_history_record (sh_store_t *store, sh_kind_t kind, const uint8_t *id, size_t id_len, json_t **out)
{
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (store, false, &txn);
    if (rc)
        return rc;
    json_t *arr = json_array ();
    uint64_t size = 0;
    rc = sh_changelog_size (txn, &size);
    for (uint64_t i = 1; rc == SH_OK && i <= size; i++)
        rc = s_take (txn, i, kind, id, id_len, arr);
    if (rc == SH_OK)
        rc = s_name_authors (txn, arr);
    sh_store_abort (&txn);
    size_t n = json_array_size (arr);
    json_t **items = calloc (n ? n : 1, sizeof *items);
    if (rc == SH_OK && !items)
        rc = SH_ENOMEM;
    if (rc == SH_OK) {
        for (size_t i = 0; i < n; i++)
            items[i] = json_incref (json_array_get (arr, i));
        qsort (items, n, sizeof *items, s_newest_first);
        json_array_clear (arr);
        for (size_t i = 0; i < n; i++)
            json_array_append_new (arr, items[i]);
    }
    free (items);
    if (rc) {
        json_decref (arr);
        return rc;
    }
    *out = arr;
    return SH_OK;
}
