/*  sh_history -- the history of one record, read from the log. */
#include "sh_history.h"

#include <stdlib.h>
#include <string.h>

#include "sh_changelog.h"
#include "sh_crypto.h"
#include "sh_merge.h"
#include "sh_seal.h"
#include "sh_sealed.h"
#include "sh_registry.h"
#include "sh_record.h"

//  The fields of PUT c as its history shows them: its sealed fields with
//  the values txn's store holds put back; those it lacks named in
//  "withheld", with "erased" when the record's erasure mark covers c.
static json_t *
s_fields (sh_store_txn_t *txn, const sh_change_t *c, json_t *j)
{
    sh_seal_opening_t held[SH_SEALS_MAX];
    size_t nh = 0;
    uint8_t *body = NULL;
    size_t len = 0;
    if (c->n_seals && sh_merge_openings_of (txn, c, held, &nh) == SH_OK && sh_seal_join (c, held, nh, &body, &len))
        body = NULL;            //  not expected: a held opening was checked when it was stored
    json_t *f = body ? sh_record_to_json (c->kind, body, len) : sh_record_to_json (c->kind, c->body, c->body_len);
    free (body);
    json_object_set_new (j, "fields", f ? f : json_object ());
    if (nh == c->n_seals || !f)
        return j;
    json_t *w = json_array ();
    for (size_t k = 0; k < c->n_seals; k++) {
        bool have = false;
        for (size_t i = 0; i < nh; i++)
            have |= held[i].field == c->seals[k].field;
        if (!have)
            json_array_append_new (w, json_string (sh_record_field_name (c->kind, c->seals[k].field)));
    }
    json_object_set_new (f, "withheld", w);
    bool covered = false;
    if (sh_sealed_covered (txn, c->region, c->kind, c->entity, c->entity_len, c->hlc, c->author, &covered) == SH_OK
    &&  covered)
        json_object_set_new (f, "erased", json_true ());
    return j;
}

//  The entry of change c as a history object (NULL when memory runs out).
static json_t *
s_entry (sh_store_txn_t *txn, const sh_change_t *c)
{
    char author[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    sh_crypto_hex (author, c->author, SH_PUBKEY_BYTES);
    json_t *j = json_pack ("{s:I, s:I, s:s, s:I, s:s}", "hlc", (json_int_t) c->hlc,
                           "time_ms", (json_int_t) (c->hlc >> 16), "author", author,
                           "seq", (json_int_t) c->seq, "op", sh_change_op_name (c->op));
    if (j && c->op == SH_OP_PUT && c->body)
        s_fields (txn, c, j);
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
            rc = json_array_append_new (arr, s_entry (txn, &c)) ? SH_ENOMEM : SH_OK;
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
