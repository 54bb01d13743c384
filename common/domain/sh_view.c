/*  sh_view -- read-only views of the merged state as JSON. */
#include "sh_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_change.h"
#include "sh_changelog.h"
#include "sh_domain.h"
#include "sh_merge.h"
#include "sh_names.h"
#include "sh_record.h"
#include "sh_sealed.h"
#include "sh_who.h"
#include "shouhe/v1/domain.pb-c.h"

#define S_ID_BYTES 16

//  ---------------------------------------------------------------------
//  Helpers

json_t *
sh_view_hex (const uint8_t *b, size_t n)
{
    char buf[2 * SH_ENTITY_MAX + 1];
    if (n > SH_ENTITY_MAX)
        n = SH_ENTITY_MAX;
    sh_crypto_hex (buf, b, n);
    return json_string (buf);
}

json_t *
sh_view_id (sh_kind_t kind, const uint8_t *id, size_t id_len)
{
    if (kind == SH_KIND_COURTYARD || kind == SH_KIND_EVALUATION || kind == SH_KIND_REGION)
        return json_stringn ((const char *) id, id_len);
    return sh_view_hex (id, id_len);
}

//  The sealed fields st leaves without a value, on j: "withheld" (their
//  names) and "erased": true when an erasure mark covers them
//  (docs/privacy.md 5). Nothing is added for a record without such fields.
static void
s_sealed (json_t *j, sh_kind_t kind, const sh_sealed_t *st)
{
    if (!st->n_withheld)
        return;
    json_t *a = json_array ();
    for (size_t i = 0; i < st->n_withheld; i++)
        json_array_append_new (a, json_string (sh_record_field_name (kind, st->withheld[i])));
    json_object_set_new (j, "withheld", a);
    if (st->erased)
        json_object_set_new (j, "erased", json_true ());
}

static json_t *
s_record (sh_store_txn_t *txn, sh_kind_t kind, const char *region, const uint8_t *id, size_t id_len,
          const uint8_t *body, size_t len)
{
    json_t *j = sh_record_to_json (kind, body, len);
    if (!j)
        return NULL;
    json_object_set_new (j, "id", sh_view_id (kind, id, id_len));
    json_object_set_new (j, "region", json_string (region));
    sh_sealed_t st;
    if (sh_sealed_record (txn, region, kind, id, id_len, &st) != SH_OK) {
        json_decref (j);
        return NULL;
    }
    s_sealed (j, kind, &st);
    return j;
}

typedef struct {
    sh_store_txn_t *txn;     //  snapshot being read
    sh_kind_t kind;          //  kind being listed
    json_t *out;             //  array being filled
    sh_err rc;               //  first error
    const char *filter;      //  optional filter (period for hexagons)
    json_t *aux;             //  extra state of a view
} s_walk_t;

static int
s_collect (const char *region, const uint8_t *id, size_t id_len,
           const uint8_t *body, size_t len, void *arg)
{
    s_walk_t *w = arg;
    json_t *j = s_record (w->txn, w->kind, region, id, id_len, body, len);
    if (!j || json_array_append_new (w->out, j)) {
        w->rc = SH_ENOMEM;
        return 1;
    }
    return 0;
}

static sh_err
s_list (sh_store_t *store, sh_kind_t kind, const char *prefix, json_t **out,
        sh_merge_record_fn *fn)
{
    s_walk_t w = { .kind = kind, .out = json_array () };
    if (!w.out)
        return SH_ENOMEM;
    sh_err rc = sh_store_begin (store, false, &w.txn);
    if (rc == SH_OK)
        rc = sh_merge_each (w.txn, prefix ? prefix : "", kind, fn ? fn : s_collect, &w);
    if (rc == SH_OK)
        rc = w.rc;
    sh_store_abort (&w.txn);
    if (rc) {
        json_decref (w.out);
        return rc;
    }
    *out = w.out;
    return SH_OK;
}

//  Add a matter's derived state to its JSON object.
static sh_err
s_matter_state (sh_store_txn_t *txn, json_t *j, const char *region, const uint8_t *id, size_t id_len,
                sh_domain_conflict_fn *conflict, void *arg, bool shown)
{
    sh_domain_matter_t m;
    sh_err rc = shown ? sh_domain_matter_replay_shown (txn, region, id, id_len, &m, conflict, arg)
                      : sh_domain_matter_replay (txn, region, id, id_len, &m, conflict, arg);
    if (rc)
        return rc;
    char buf[32];
    json_object_set_new (j, "tier", json_string (sh_record_enum_text ("shouhe.v1.Tier", m.tier, buf, sizeof buf)));
    json_object_set_new (j, "step", json_string (sh_record_enum_text ("shouhe.v1.Step", m.step, buf, sizeof buf)));
    json_object_set_new (j, "closed", json_boolean (m.closed));
    if (m.closed)
        json_object_set_new (j, "satisfaction", json_integer (m.satisfaction));
    json_object_set_new (j, "escalations", json_integer (m.escalations));
    json_object_set_new (j, "conflicts", json_integer (m.conflicts));
    return SH_OK;
}

//  ---------------------------------------------------------------------
//  Courtyards and persons

sh_err
sh_view_courtyards (sh_store_t *store, const char *prefix, json_t **out)
{
    return s_list (store, SH_KIND_COURTYARD, prefix, out, NULL);
}

sh_err
sh_view_persons (sh_store_t *store, const char *prefix, json_t **out)
{
    return s_list (store, SH_KIND_PERSON, prefix, out, NULL);
}

static int
s_count_matters (const char *region, const uint8_t *id, size_t id_len,
                 const uint8_t *body, size_t len, void *arg)
{
    (void) body;
    (void) len;
    s_walk_t *w = arg;
    sh_domain_matter_t m;
    w->rc = sh_domain_matter_replay (w->txn, region, id, id_len, &m, NULL, NULL);
    if (w->rc)
        return 1;
    const char *key = m.closed ? "matters_closed" : "matters_open";
    json_object_set_new (w->aux, key, json_integer (json_integer_value (json_object_get (w->aux, key)) + 1));
    return 0;
}

static int
s_count_persons (const char *region, const uint8_t *id, size_t id_len,
                 const uint8_t *body, size_t len, void *arg)
{
    (void) region; (void) id; (void) id_len; (void) body; (void) len;
    s_walk_t *w = arg;
    json_object_set_new (w->aux, "persons", json_integer (json_integer_value (json_object_get (w->aux, "persons")) + 1));
    return 0;
}

//  Collect role records, with the holder's name.
static int
s_collect_role (const char *region, const uint8_t *id, size_t id_len,
                const uint8_t *body, size_t len, void *arg)
{
    s_walk_t *w = arg;
    json_t *j = s_record (w->txn, SH_KIND_ROLE, region, id, id_len, body, len);
    if (!j) {
        w->rc = SH_ENOMEM;
        return 1;
    }
    uint8_t *pb;
    size_t pl;
    if (id_len == S_ID_BYTES + 1
    &&  sh_merge_get (w->txn, region, SH_KIND_PERSON, id, S_ID_BYTES, &pb, &pl, NULL) == SH_OK) {
        Shouhe__V1__Person *p = shouhe__v1__person__unpack (NULL, pl, pb);
        if (p && p->name)
            json_object_set_new (j, "name", json_string (p->name));
        if (p)
            shouhe__v1__person__free_unpacked (p, NULL);
        free (pb);
    }
    json_array_append_new (w->out, j);
    return 0;
}

sh_err
sh_view_courtyard (sh_store_t *store, const char *code, json_t **out)
{
    if (strlen (code) != 15)
        return SH_ENOTFOUND;
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (store, false, &txn);
    if (rc)
        return rc;
    uint8_t *body;
    size_t len;
    json_t *j = NULL;
    rc = sh_merge_get (txn, code, SH_KIND_COURTYARD, (const uint8_t *) code, 15, &body, &len, NULL);
    if (rc == SH_OK) {
        j = s_record (txn, SH_KIND_COURTYARD, code, (const uint8_t *) code, 15, body, len);
        free (body);
        rc = j ? SH_OK : SH_ENOMEM;
    }
    if (rc == SH_OK) {
        json_object_set_new (j, "persons", json_integer (0));
        json_object_set_new (j, "matters_open", json_integer (0));
        json_object_set_new (j, "matters_closed", json_integer (0));
        s_walk_t w = { .txn = txn, .kind = SH_KIND_ROLE, .out = json_array (), .aux = j };
        json_object_set_new (j, "roles", w.out);
        rc = sh_merge_each (txn, code, SH_KIND_ROLE, s_collect_role, &w);
        if (rc == SH_OK)
            rc = sh_merge_each (txn, code, SH_KIND_PERSON, s_count_persons, &w);
        if (rc == SH_OK)
            rc = sh_merge_each (txn, code, SH_KIND_MATTER, s_count_matters, &w);
        if (rc == SH_OK)
            rc = w.rc;
    }
    sh_store_abort (&txn);
    if (rc) {
        json_decref (j);
        return rc;
    }
    *out = j;
    return SH_OK;
}

//  ---------------------------------------------------------------------
//  Matters

//  A matter's event set being collected.
typedef struct {
    sh_store_txn_t *txn;     //  snapshot being read
    const char *region;      //  the matter's region
    const uint8_t *id;       //  its id (S_ID_BYTES)
    json_t *events;          //  array of event objects in replay order
    sh_err rc;               //  first error
} s_events_t;

//  One event, its sealed note opened when this store holds the value.
static int
s_collect_event (uint64_t hlc, const uint8_t *author, const uint8_t *body, size_t len, void *arg)
{
    s_events_t *e = arg;
    uint8_t *opened;
    size_t n;
    sh_sealed_t st;
    e->rc = sh_sealed_event (e->txn, e->region, SH_KIND_MATTER_EVENT, e->id, S_ID_BYTES, hlc, author, body, len,
                             &opened, &n, &st);
    if (e->rc)
        return 1;
    json_t *j = sh_record_to_json (SH_KIND_MATTER_EVENT, opened, n);
    free (opened);
    if (!j)
        j = json_object ();
    json_object_set_new (j, "hlc", json_integer ((json_int_t) hlc));
    json_object_set_new (j, "author", sh_view_hex (author, SH_PUBKEY_BYTES));
    s_sealed (j, SH_KIND_MATTER_EVENT, &st);
    json_array_append_new (e->events, j);
    return 0;
}

static void
s_mark_conflict (uint64_t hlc, const uint8_t *author, const char *why, void *arg)
{
    json_t *arr = arg;
    char hex[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    sh_crypto_hex (hex, author, SH_PUBKEY_BYTES);
    size_t i;
    json_t *e;
    json_array_foreach (arr, i, e) {
        if ((uint64_t) json_integer_value (json_object_get (e, "hlc")) == hlc
        &&  strcmp (json_string_value (json_object_get (e, "author")), hex) == 0)
            json_object_set_new (e, "conflict", json_string (why));
    }
}

//  The live record of kind with the 16-byte id of id_hex, in txn: where it
//  lives (sh_merge_region) and its merged fields as s_record gives them.
static sh_err
s_by_id (sh_store_txn_t *txn, sh_kind_t kind, const char *id_hex, uint8_t id[S_ID_BYTES],
         char region[SH_REGION_MAX + 1], json_t **out)
{
    if (sh_crypto_unhex (id, S_ID_BYTES, id_hex) != SH_OK)
        return SH_ENOTFOUND;
    uint8_t *body = NULL;
    size_t len;
    sh_err rc = sh_merge_region (txn, kind, id, S_ID_BYTES, region);
    if (rc == SH_OK)
        rc = sh_merge_get (txn, region, kind, id, S_ID_BYTES, &body, &len, NULL);
    if (rc == SH_OK && !(*out = s_record (txn, kind, region, id, S_ID_BYTES, body, len)))
        rc = SH_ENOMEM;
    free (body);
    return rc;
}

sh_err
sh_view_person (sh_store_t *store, const char *id_hex, json_t **out)
{
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (store, false, &txn);
    if (rc)
        return rc;
    uint8_t id[S_ID_BYTES];
    char region[SH_REGION_MAX + 1];
    rc = s_by_id (txn, SH_KIND_PERSON, id_hex, id, region, out);
    sh_store_abort (&txn);
    return rc;
}

//  The matter's view; its events' conflict reasons shown (in the locale's
//  language) or in English.
static sh_err
s_view_matter (sh_store_t *store, const char *id_hex, json_t **out, bool shown)
{
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (store, false, &txn);
    if (rc)
        return rc;
    uint8_t id[S_ID_BYTES];
    char region[SH_REGION_MAX + 1];
    json_t *j = NULL;
    rc = s_by_id (txn, SH_KIND_MATTER, id_hex, id, region, &j);
    if (rc == SH_OK) {
        json_t *events = json_array ();
        json_object_set_new (j, "events", events);
        s_events_t e = { .txn = txn, .region = region, .id = id, .events = events };
        rc = sh_merge_events (txn, region, SH_KIND_MATTER_EVENT, id, sizeof id, s_collect_event, &e);
        if (rc == SH_OK)
            rc = e.rc;
        if (rc == SH_OK)
            rc = sh_who_annotate (txn, events);     //  who acted, and when
        if (rc == SH_OK)
            rc = s_matter_state (txn, j, region, id, sizeof id, s_mark_conflict, events, shown);
    }
    sh_store_abort (&txn);
    if (rc) {
        json_decref (j);
        return rc;
    }
    *out = j;
    return SH_OK;
}

sh_err
sh_view_matter (sh_store_t *store, const char *id_hex, json_t **out)
{
    return s_view_matter (store, id_hex, out, false);
}

sh_err
sh_view_matter_shown (sh_store_t *store, const char *id_hex, json_t **out)
{
    return s_view_matter (store, id_hex, out, true);
}

static int
s_collect_matter (const char *region, const uint8_t *id, size_t id_len,
                  const uint8_t *body, size_t len, void *arg)
{
    s_walk_t *w = arg;
    json_t *j = s_record (w->txn, SH_KIND_MATTER, region, id, id_len, body, len);
    if (!j) {
        w->rc = SH_ENOMEM;
        return 1;
    }
    w->rc = s_matter_state (w->txn, j, region, id, id_len, NULL, NULL, false);
    json_array_append_new (w->out, j);
    return w->rc != SH_OK;
}

sh_err
sh_view_matters (sh_store_t *store, const char *prefix, json_t **out)
{
    return s_list (store, SH_KIND_MATTER, prefix, out, s_collect_matter);
}

sh_err
sh_view_meetings (sh_store_t *store, const char *prefix, json_t **out)
{
    return s_list (store, SH_KIND_MEETING, prefix, out, NULL);
}

sh_err
sh_view_mediations (sh_store_t *store, const char *prefix, json_t **out)
{
    return s_list (store, SH_KIND_MEDIATION, prefix, out, NULL);
}

//  ---------------------------------------------------------------------
//  Ledger

static json_t *
s_totals (const sh_domain_ledger_t *l, int unit)
{
    return json_pack ("{s:I, s:I, s:I}", "earned", (json_int_t) l->earned[unit],
                      "redeemed", (json_int_t) l->redeemed[unit], "balance", (json_int_t) l->balance[unit]);
}

static int
s_collect_balance (const char *region, const uint8_t *id, size_t id_len, void *arg)
{
    s_walk_t *w = arg;
    sh_domain_ledger_t l;
    w->rc = sh_domain_ledger_replay (w->txn, region, id, id_len, &l, NULL, NULL);
    if (w->rc)
        return 1;
    json_t *j = json_object ();
    json_object_set_new (j, "person", sh_view_hex (id, id_len));
    json_object_set_new (j, "region", json_string (region));
    uint8_t *pb;
    size_t pl;
    if (sh_merge_get (w->txn, region, SH_KIND_PERSON, id, id_len, &pb, &pl, NULL) == SH_OK) {
        Shouhe__V1__Person *p = shouhe__v1__person__unpack (NULL, pl, pb);
        if (p && p->name)
            json_object_set_new (j, "name", json_string (p->name));
        if (p)
            shouhe__v1__person__free_unpacked (p, NULL);
        free (pb);
    }
    for (int u = 1; u <= SH_NAMES_UNIT_MAX; u++)
        json_object_set_new (j, sh_names_unit (u), s_totals (&l, u));
    json_object_set_new (j, "conflicts", json_integer (l.conflicts));
    json_array_append_new (w->out, j);
    return 0;
}

sh_err
sh_view_balances (sh_store_t *store, const char *prefix, const char *person_hex, json_t **out)
{
    s_walk_t w = { .kind = SH_KIND_LEDGER, .out = json_array () };
    if (!w.out)
        return SH_ENOMEM;
    sh_err rc = sh_store_begin (store, false, &w.txn);
    if (rc == SH_OK && person_hex) {
        uint8_t id[S_ID_BYTES];
        char region[SH_REGION_MAX + 1];
        rc = sh_crypto_unhex (id, sizeof id, person_hex) == SH_OK ? SH_OK : SH_ENOTFOUND;
        if (rc == SH_OK)
            rc = sh_merge_region (w.txn, SH_KIND_PERSON, id, sizeof id, region);
        if (rc == SH_OK) {
            s_collect_balance (region, id, sizeof id, &w);
            rc = w.rc;
        }
    }
    else
    if (rc == SH_OK) {
        rc = sh_merge_sets (w.txn, prefix ? prefix : "", SH_KIND_LEDGER, s_collect_balance, &w);
        if (rc == SH_OK)
            rc = w.rc;
    }
    sh_store_abort (&w.txn);
    if (rc) {
        json_decref (w.out);
        return rc;
    }
    if (person_hex) {
        *out = json_incref (json_array_get (w.out, 0));
        json_decref (w.out);
    }
    else
        *out = w.out;
    return SH_OK;
}

//  ---------------------------------------------------------------------
//  Maturity hexagon

static int
s_collect_eval (const char *region, const uint8_t *id, size_t id_len,
                const uint8_t *body, size_t len, void *arg)
{
    (void) region;
    (void) id;
    (void) id_len;
    s_walk_t *w = arg;
    Shouhe__V1__Evaluation *e = shouhe__v1__evaluation__unpack (NULL, len, body);
    if (!e)
        return 0;
    if (e->period && e->has_category && e->category >= 1 && e->category <= SH_NAMES_CATEGORY_MAX
    &&  e->has_maturity) {
        //  aux: { period: { category: level } }
        json_t *p = json_object_get (w->aux, e->period);
        if (!p) {
            p = json_object ();
            json_object_set_new (w->aux, e->period, p);
        }
        json_object_set_new (p, sh_names_category ((int) e->category), json_integer (e->maturity));
    }
    shouhe__v1__evaluation__free_unpacked (e, NULL);
    return 0;
}

sh_err
sh_view_hexagon (sh_store_t *store, const char *courtyard, const char *period, json_t **out)
{
    if (strlen (courtyard) != 15)
        return SH_ENOTFOUND;    //  one courtyard, not a prefix of several
    s_walk_t w = { .kind = SH_KIND_EVALUATION, .aux = json_object () };
    if (!w.aux)
        return SH_ENOMEM;
    sh_err rc = sh_store_begin (store, false, &w.txn);
    if (rc == SH_OK)
        rc = sh_merge_each (w.txn, courtyard, SH_KIND_EVALUATION, s_collect_eval, &w);
    sh_store_abort (&w.txn);
    const char *chosen = period;
    if (rc == SH_OK && !chosen) {
        const char *key;
        json_t *v;
        json_object_foreach (w.aux, key, v)
            if (!chosen || strcmp (key, chosen) > 0)
                chosen = key;
    }
    json_t *levels = chosen ? json_object_get (w.aux, chosen) : NULL;
    if (rc == SH_OK && !levels)
        rc = SH_ENOTFOUND;
    if (rc == SH_OK) {
        double r[6];
        json_t *lv = json_object ();
        for (int c = 1; c <= SH_NAMES_CATEGORY_MAX; c++) {
            json_int_t v = json_integer_value (json_object_get (levels, sh_names_category (c)));
            r[c - 1] = (double) v;
            json_object_set_new (lv, sh_names_category (c), json_integer (v));
        }
        *out = json_pack ("{s:s, s:s, s:o, s:f}", "courtyard", courtyard, "period", chosen,
                          "levels", lv, "area", sh_domain_hexagon_area (r));
        rc = *out ? SH_OK : SH_ENOMEM;
    }
    json_decref (w.aux);
    return rc;
}

//  ---------------------------------------------------------------------
//  Log

sh_err
sh_view_log (sh_store_t *store, json_t **out)
{
    json_t *arr = json_array ();
    if (!arr)
        return SH_ENOMEM;
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (store, false, &txn);
    uint64_t size = 0;
    if (rc == SH_OK)
        rc = sh_changelog_size (txn, &size);
    for (uint64_t i = 1; rc == SH_OK && i <= size; i++) {
        const uint8_t *bytes;
        size_t len;
        rc = sh_changelog_get (txn, i, &bytes, &len);
        if (rc == SH_ENOTFOUND) {
            rc = SH_OK;     //  `log verify` reports holes; the listing shows what is there
            continue;
        }
        if (rc)
            break;
        uint8_t *cb;
        size_t cl;
        uint8_t sig[SH_SIG_BYTES];
        sh_change_t c;
        json_t *j = json_pack ("{s:I}", "index", (json_int_t) i);
        if (sh_change_unwrap (&cb, &cl, sig, bytes, len) != SH_OK) {
            json_object_set_new (j, "error", json_string ("malformed entry"));
            json_array_append_new (arr, j);
            continue;
        }
        if (sh_change_decode (&c, cb, cl, NULL) == SH_OK) {
            uint8_t hash[SH_HASH_BYTES];
            sh_change_hash (hash, cb, cl);
            char region[SH_REGION_MAX + 1];
            snprintf (region, sizeof region, "%s", c.region);
            json_object_set_new (j, "author", sh_view_hex (c.author, SH_PUBKEY_BYTES));
            json_object_set_new (j, "seq", json_integer ((json_int_t) c.seq));
            json_object_set_new (j, "hlc", json_integer ((json_int_t) c.hlc));
            json_object_set_new (j, "time_ms", json_integer ((json_int_t) (c.hlc >> 16)));
            json_object_set_new (j, "region", json_string (region));
            json_object_set_new (j, "kind", json_string (sh_change_kind_name (c.kind)));
            json_object_set_new (j, "op", json_string (sh_change_op_name (c.op)));
            json_object_set_new (j, "entity", sh_view_id (c.kind, c.entity, c.entity_len));
            json_object_set_new (j, "hash", sh_view_hex (hash, SH_HASH_BYTES));
            json_object_set_new (j, "bytes", json_integer ((json_int_t) len));
            sh_change_fini (&c);
        }
        else
            json_object_set_new (j, "error", json_string ("malformed change"));
        free (cb);
        json_array_append_new (arr, j);
    }
    sh_store_abort (&txn);
    if (rc) {
        json_decref (arr);
        return rc;
    }
    *out = arr;
    return SH_OK;
}
