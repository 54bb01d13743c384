/*  sh_ids_test -- short ids on a real replica: a unique prefix resolves, an
    ambiguous one is refused listing every record it matches (persons
    written under chosen ids), too short, not hex and unknown ones are
    named; and corrections (sh_ops_person_set, sh_ops_courtyard_set) made on
    two nodes of one village converge field by field once they exchange
    logs, with the same history (sh_history) on both.
*/
#include "sh_test.h"
#include "sh_test_sync.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "sh_history.h"
#include "sh_ids.h"
#include "sh_view.h"
#include "sh_merge.h"
#include "sh_ops.h"
#include "sh_record.h"
#include "sh_registry.h"
#include "sh_replica.h"
#include "sh_store.h"

#define S_VILLAGE "500115001001"
#define S_YARD "500115001001001"

typedef struct {
    char *dir;
    sh_replica_t *r;
} s_node_t;

static void
s_node_open (s_node_t *n)
{
    n->dir = sh_test_tmpdir ();
    SH_PASS (sh_replica_create (&n->r, n->dir, S_VILLAGE));
}

static void
s_node_close (s_node_t *n)
{
    sh_replica_close (&n->r);
    sh_test_rmdir (n->dir);
}

static void
s_yard (sh_replica_t *r)
{
    char msg[SH_OPS_MSG_BYTES] = "";
    sh_ops_courtyard_t c = { .code = S_YARD, .name = "张家院子", .households = 18, .residents = 52,
                             .elderly = SH_OPS_UNSET };
    SH_PASS (sh_ops_courtyard_add (r, &c, msg));
}

//  Write a record of kind under the id given in hex, its body from JSON text.
static void
s_put (sh_replica_t *r, sh_kind_t kind, const char *hex, const char *json)
{
    uint8_t id[16], *body;
    size_t len;
    SH_PASS (sh_crypto_unhex (id, sizeof id, hex));
    json_t *j = json_loads (json, 0, NULL);
    SH_CHECK (j);
    SH_PASS (sh_record_from_json (&body, &len, kind, j, NULL));
    json_decref (j);
    sh_store_txn_t *txn;
    SH_PASS (sh_replica_begin (r, &txn));
    SH_PASS (sh_replica_write (r, txn, S_YARD, kind, id, sizeof id, SH_OP_PUT, body, len, NULL));
    SH_PASS (sh_store_commit (&txn));
    free (body);
}

#define S_P1 "ab12cd00000000000000000000000001"
#define S_P2 "ab12cd01000000000000000000000002"
#define S_M1 "ab12cd02000000000000000000000003"

static void
test_prefixes (void)
{
    s_node_t a;
    s_node_open (&a);
    s_yard (a.r);
    s_put (a.r, SH_KIND_PERSON, S_P1, "{\"name\": \"张大爷\", \"courtyard\": \"" S_YARD "\"}");
    s_put (a.r, SH_KIND_PERSON, S_P2, "{\"name\": \"李阿姨\", \"courtyard\": \"" S_YARD "\"}");
    s_put (a.r, SH_KIND_MATTER, S_M1, "{\"title\": \"路灯\", \"courtyard\": \"" S_YARD "\"}");
    sh_store_t *s = sh_replica_store (a.r);
    char id[SH_IDS_HEX], msg[SH_IDS_MSG_BYTES];

    //  ambiguous: both persons listed with their names and courtyard
    SH_FAIL (sh_ids_resolve (s, SH_KIND_PERSON, "person", "ab12cd", id, msg), SH_EINVAL);
    SH_CHECK (strstr (msg, "person id ab12cd is ambiguous: 2 persons start with it"));
    SH_CHECK (strstr (msg, "\n  " S_P1 "  张大爷  courtyard " S_YARD));
    SH_CHECK (strstr (msg, "\n  " S_P2 "  李阿姨  courtyard " S_YARD));
    SH_CHECK (!strstr (msg, S_M1));                         //  a matter is not a person
    SH_FAIL (sh_ids_resolve (s, SH_KIND_PERSON, "person", "AB12CD0", id, msg), SH_EINVAL);
    //  unique: 8 digits, any case, and the full id
    SH_PASS (sh_ids_resolve (s, SH_KIND_PERSON, "person", "AB12CD01", id, msg));
    SH_CHECK (strcmp (id, S_P2) == 0);
    SH_PASS (sh_ids_resolve (s, SH_KIND_PERSON, "person", S_P1, id, msg));
    SH_CHECK (strcmp (id, S_P1) == 0);
    SH_PASS (sh_ids_resolve (s, SH_KIND_MATTER, "matter", "ab12cd", id, msg));   //  one matter
    SH_CHECK (strcmp (id, S_M1) == 0);
    //  unknown, too short, too long, not hex
    SH_FAIL (sh_ids_resolve (s, SH_KIND_PERSON, "person", "ab12ce", id, msg), SH_ENOTFOUND);
    SH_CHECK (strcmp (msg, "unknown person ab12ce") == 0);
    SH_FAIL (sh_ids_resolve (s, SH_KIND_PERSON, "person", "ab12c", id, msg), SH_EINVAL);
    SH_CHECK (strstr (msg, "person id 'ab12c' is not 6 to 32 hex digits"));
    SH_FAIL (sh_ids_resolve (s, SH_KIND_PERSON, "person", S_P1 "0", id, msg), SH_EINVAL);
    SH_FAIL (sh_ids_resolve (s, SH_KIND_PERSON, "person", "ab12cz", id, msg), SH_EINVAL);
    SH_FAIL (sh_ids_resolve (s, SH_KIND_PERSON, "person", NULL, id, msg), SH_EINVAL);
    s_node_close (&a);
}

//  The merged person id_hex of r as JSON.
static json_t *
s_person (sh_replica_t *r, const char *id_hex)
{
    json_t *j;
    SH_PASS (sh_view_person (sh_replica_store (r), id_hex, &j));
    return j;
}

static void
s_digest (sh_replica_t *r, uint8_t d[SH_HASH_BYTES])
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (sh_replica_store (r), false, &txn));
    SH_PASS (sh_merge_digest (txn, NULL, d));
    sh_store_abort (&txn);
}

static void
test_corrections_converge (void)
{
    s_node_t a, b;
    s_node_open (&a);
    s_node_open (&b);
    s_yard (a.r);
    char msg[SH_OPS_MSG_BYTES] = "", p[SH_OPS_ID_HEX];
    sh_ops_person_t add = { .name = "张大爷", .courtyard = S_YARD, .phone = "13800000001" };
    SH_PASS (sh_ops_person_add (a.r, &add, p, msg));
    sh_test_sync (a.r, b.r);
    //  concurrent corrections: a the phone and the name, b (later) the name and the party
    sh_ops_person_set_t sa = { .name = "张德明", .phone = "13900000002", .party_member = -1 };
    SH_PASS (sh_ops_person_set (a.r, p, &sa, msg));
    nanosleep (&(struct timespec) { 0, 5 * 1000 * 1000 }, NULL);   //  b's stamp is later: b's name wins
    sh_ops_person_set_t sb = { .name = "张得明", .party_member = 1 };
    SH_PASS (sh_ops_person_set (b.r, p, &sb, msg));
    sh_ops_courtyard_set_t cb = { .code = S_YARD, .households = SH_OPS_UNSET, .residents = 60,
                                  .elderly = SH_OPS_UNSET, .model = -1 };
    SH_PASS (sh_ops_courtyard_set (b.r, &cb, msg));
    SH_CHECK (sh_test_sync (a.r, b.r) == 1);
    SH_CHECK (sh_test_sync (b.r, a.r) == 2);
    uint8_t da[SH_HASH_BYTES], db[SH_HASH_BYTES];
    s_digest (a.r, da);
    s_digest (b.r, db);
    SH_CHECK (memcmp (da, db, sizeof da) == 0);
    json_t *ja = s_person (a.r, p), *jb = s_person (b.r, p);
    SH_CHECK (json_equal (ja, jb));
    SH_CHECK (strcmp (json_string_value (json_object_get (ja, "name")), "张得明") == 0);   //  b wrote later
    SH_CHECK (strcmp (json_string_value (json_object_get (ja, "phone")), "13900000002") == 0);
    SH_CHECK (json_is_true (json_object_get (ja, "party_member")));
    json_decref (ja);
    json_decref (jb);
    //  the same history on both, newest first
    uint8_t id[16];
    SH_PASS (sh_crypto_unhex (id, sizeof id, p));
    json_t *ha, *hb;
    SH_PASS (sh_history_record (sh_replica_store (a.r), SH_KIND_PERSON, id, sizeof id, &ha));
    SH_PASS (sh_history_record (sh_replica_store (b.r), SH_KIND_PERSON, id, sizeof id, &hb));
    SH_CHECK (json_array_size (ha) == 3 && json_equal (ha, hb));
    SH_CHECK (strcmp (json_string_value (json_object_get (json_object_get (json_array_get (ha, 0), "fields"),
                                                          "name")), "张得明") == 0);
    SH_CHECK (strcmp (json_string_value (json_object_get (json_object_get (json_array_get (ha, 2), "fields"),
                                                          "name")), "张大爷") == 0);
    //  who: the name a's registry knows for b's key (a KeyEntry with a name), "" for its own
    sh_registry_entry_t e = { .role = SH_WIRE_ROLE_NODE };
    memcpy (e.key, sh_key_public (sh_replica_key (b.r)), SH_PUBKEY_BYTES);
    strcpy (e.scope, S_VILLAGE);
    strcpy (e.name, "白合村二号");
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (sh_replica_store (a.r), true, &txn));
    SH_PASS (sh_registry_put (txn, &e));
    SH_PASS (sh_store_commit (&txn));
    json_decref (ha);
    SH_PASS (sh_history_record (sh_replica_store (a.r), SH_KIND_PERSON, id, sizeof id, &ha));
    SH_CHECK (strcmp (json_string_value (json_object_get (json_array_get (ha, 0), "by")), "白合村二号") == 0);
    SH_CHECK (strcmp (json_string_value (json_object_get (json_array_get (ha, 1), "by")), "") == 0);
    json_decref (ha);
    json_decref (hb);
    //  a correction refused writes nothing
    sh_ops_courtyard_set_t bad = { .code = S_YARD, .households = SH_OPS_UNSET, .residents = SH_OPS_UNSET,
                                   .elderly = 61, .model = -1 };
    SH_FAIL (sh_ops_courtyard_set (a.r, &bad, msg), SH_EINVAL);
    SH_CHECK (strstr (msg, "elderly residents (61) cannot exceed residents (60)"));
    s_digest (a.r, db);
    SH_CHECK (memcmp (da, db, sizeof da) == 0);
    s_node_close (&a);
    s_node_close (&b);
}

static const sh_test_case_t tests[] = {
    { "prefixes", test_prefixes },
    { "corrections converge", test_corrections_converge },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
