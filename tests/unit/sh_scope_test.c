/*  sh_scope_test -- the scope rule (docs/protocol.md 3.1): the sentence the
    hub answers with names the field, and a replica that is sent a change
    breaking it (a hub that let one through) keeps it in its log but merges
    nothing of it. Real replicas, real LMDB files, real signatures. (Every
    kind x every field from a raw peer: tests/integration/scope_test.sh.)
*/
#include <jansson.h>
#include <string.h>

#include "sh_change.h"
#include "sh_changelog.h"
#include "sh_hublog.h"
#include "sh_merge.h"
#include "sh_record.h"
#include "sh_replica.h"
#include "sh_scope.h"
#include "sh_test.h"
#include "sh_test_sync.h"

#define S_TOWN "500115101"
#define S_V S_TOWN "001"
#define S_W S_TOWN "002"
#define S_CV S_V "001"
#define S_CW S_W "001"

static uint8_t s_pw[16] = { 0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77,
                            0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77 };

//  A body of kind from JSON text (caller frees).
static uint8_t *
s_body (sh_kind_t kind, const char *text, size_t *len)
{
    json_t *j = json_loads (text, 0, NULL);
    SH_CHECK (j);
    uint8_t *body;
    SH_PASS (sh_record_from_json (&body, len, kind, j, NULL));
    json_decref (j);
    return body;
}

static void
s_write (sh_replica_t *r, const char *region, sh_kind_t kind, const void *id, size_t id_len, const char *json)
{
    size_t len;
    uint8_t *body = s_body (kind, json, &len);
    sh_store_txn_t *txn;
    SH_PASS (sh_replica_begin (r, &txn));
    SH_PASS (sh_replica_write (r, txn, region, kind, id, id_len, SH_OP_PUT, body, len, NULL));
    SH_PASS (sh_store_commit (&txn));
    free (body);
}

//  A forger's chain: changes signed by hand, as a raw peer makes them.
typedef struct {
    sh_key_t *key;
    uint64_t seq;
    uint8_t prev[SH_HASH_BYTES];
} s_forger_t;

//  The forger's next change, encoded and signed (caller frees *out).
static void
s_forge (s_forger_t *f, const char *region, sh_kind_t kind, const void *id, size_t id_len, const char *json,
         uint8_t **out, size_t *out_len)
{
    size_t len;
    uint8_t *body = s_body (kind, json, &len);
    sh_change_t c = { 0 };
    memcpy (c.author, sh_key_public (f->key), SH_PUBKEY_BYTES);
    c.seq = ++f->seq;
    memcpy (c.prev, f->prev, SH_HASH_BYTES);
    c.hlc = (uint64_t) 1733000000000 << 16;
    snprintf (c.region, sizeof c.region, "%s", region);
    c.kind = kind;
    c.entity = id;
    c.entity_len = id_len;
    c.op = SH_OP_PUT;
    c.body = body;
    c.body_len = len;
    uint8_t *bytes;
    size_t blen;
    SH_PASS (sh_change_encode (&c, &bytes, &blen));
    sh_change_hash (f->prev, bytes, blen);
    SH_PASS (sh_change_sign (out, out_len, bytes, blen, f->key));
    free (bytes);
    free (body);
}

//  The verdict on a signed change against r's store; the sentence in why.
static sh_err
s_verdict (sh_replica_t *r, const uint8_t *bytes, size_t len, char *why, size_t why_len)
{
    sh_change_t c;
    uint8_t hash[SH_HASH_BYTES];
    SH_PASS (sh_change_open (&c, hash, bytes, len, NULL));
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (sh_replica_store (r), false, &txn));
    sh_err rc = sh_scope_check (txn, &c, why, why_len);
    sh_store_abort (&txn);
    sh_change_fini (&c);
    return rc;
}

static void
s_digest (sh_replica_t *r, uint8_t out[SH_HASH_BYTES])
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (sh_replica_store (r), false, &txn));
    SH_PASS (sh_merge_digest (txn, NULL, out));
    sh_store_abort (&txn);
}

//  A town replica holding villages V and W is sent, as if a hub had let
//  them through, a forged courtyard with W's code (99 households, model)
//  and a person with W's person id in V's courtyard: both stay in its log,
//  neither counts; its state equals that of a town that never saw them.
static void
test_kept_not_merged (void)
{
    char *dv = sh_test_tmpdir (), *dw = sh_test_tmpdir (), *dt = sh_test_tmpdir (), *du = sh_test_tmpdir ();
    sh_replica_t *v, *w, *t, *u;
    SH_PASS (sh_replica_create (&v, dv, S_V));
    SH_PASS (sh_replica_create (&w, dw, S_W));
    SH_PASS (sh_replica_create (&t, dt, S_TOWN));
    SH_PASS (sh_replica_create (&u, du, S_TOWN));
    s_write (v, S_CV, SH_KIND_COURTYARD, S_CV, 15, "{\"code\":\"" S_CV "\",\"name\":\"李家院子\",\"households\":9}");
    s_write (w, S_CW, SH_KIND_COURTYARD, S_CW, 15, "{\"code\":\"" S_CW "\",\"name\":\"王家院子\",\"households\":12}");
    s_write (w, S_CW, SH_KIND_PERSON, s_pw, 16, "{\"name\":\"王大爷\",\"courtyard\":\"" S_CW "\"}");
    SH_CHECK (sh_test_sync (v, t) == 1 && sh_test_sync (w, t) == 2);
    SH_CHECK (sh_test_sync (v, u) == 1 && sh_test_sync (w, u) == 2);

    s_forger_t f = { .key = sh_key_generate () };
    SH_CHECK (f.key);
    uint8_t *c1, *c2, *c3;
    size_t l1, l2, l3;
    s_forge (&f, S_CV, SH_KIND_COURTYARD, S_CV, 15,
             "{\"code\":\"" S_CW "\",\"name\":\"假院子\",\"households\":99,\"model\":true}", &c1, &l1);
    s_forge (&f, S_CV, SH_KIND_PERSON, s_pw, 16, "{\"name\":\"冒名\"}", &c2, &l2);
    s_forge (&f, S_CV, SH_KIND_PERSON, "0123456789abcdef", 16, "{\"name\":\"新人\",\"courtyard\":\"" S_CV "\"}",
             &c3, &l3);
    char why[256];
    SH_FAIL (s_verdict (t, c1, l1, why, sizeof why), SH_ESCOPE);
    SH_CHECK (strstr (why, "Courtyard.code is " S_CW ", not the change's region " S_CV));
    SH_FAIL (s_verdict (t, c2, l2, why, sizeof why), SH_ESCOPE);
    SH_CHECK (strstr (why, "belongs to courtyard " S_CW));
    SH_PASS (s_verdict (t, c3, l3, why, sizeof why));
    SH_CHECK (why[0] == 0);

    uint8_t before[SH_HASH_BYTES], after[SH_HASH_BYTES], other[SH_HASH_BYTES];
    s_digest (t, before);
    sh_store_txn_t *txn;
    bool dup;
    SH_PASS (sh_replica_begin (t, &txn));
    SH_PASS (sh_replica_ingest (t, txn, c1, l1, &dup, NULL));
    SH_PASS (sh_replica_ingest (t, txn, c2, l2, &dup, NULL));
    SH_PASS (sh_store_commit (&txn));
    s_digest (t, after);
    SH_CHECK (memcmp (before, after, sizeof before) == 0);     //  nothing merged
    SH_PASS (sh_store_begin (sh_replica_store (t), false, &txn));
    uint64_t size;
    SH_PASS (sh_changelog_size (txn, &size));
    SH_CHECK (size == 5);                                       //  but both kept in the log
    uint8_t *body;
    size_t len;
    SH_PASS (sh_merge_get (txn, S_CV, SH_KIND_COURTYARD, (const uint8_t *) S_CV, 15, &body, &len, NULL));
    json_t *j = sh_record_to_json (SH_KIND_COURTYARD, body, len);
    SH_CHECK (j && !strcmp (json_string_value (json_object_get (j, "code")), S_CV)
              && json_integer_value (json_object_get (j, "households")) == 9);
    json_decref (j);
    free (body);
    SH_FAIL (sh_merge_get (txn, S_CV, SH_KIND_PERSON, s_pw, 16, &body, &len, NULL), SH_ENOTFOUND);
    char region[SH_REGION_MAX + 1];
    SH_PASS (sh_merge_region (txn, SH_KIND_PERSON, s_pw, 16, region));
    SH_CHECK (!strcmp (region, S_CW));                          //  the person is still W's
    sh_store_abort (&txn);
    //  the honest third change is merged
    SH_PASS (sh_replica_begin (t, &txn));
    SH_PASS (sh_replica_ingest (t, txn, c3, l3, &dup, NULL));
    SH_PASS (sh_store_commit (&txn));
    s_digest (t, after);
    SH_CHECK (memcmp (before, after, sizeof before) != 0);
    //  a town that only ever got the honest one holds the same state
    SH_PASS (sh_replica_begin (u, &txn));
    SH_PASS (sh_replica_ingest (u, txn, c3, l3, &dup, NULL));
    SH_PASS (sh_store_commit (&txn));
    s_digest (u, other);
    SH_CHECK (memcmp (after, other, sizeof after) == 0);

    free (c1);
    free (c2);
    free (c3);
    sh_key_destroy (&f.key);
    sh_replica_close (&v);
    sh_replica_close (&w);
    sh_replica_close (&t);
    sh_replica_close (&u);
    sh_test_rmdir (dv);
    sh_test_rmdir (dw);
    sh_test_rmdir (dt);
    sh_test_rmdir (du);
}

//  The node's own writes go through the same rule: a courtyard whose code
//  is not its id, a person in a courtyard that does not exist.
static void
test_local_writes (void)
{
    char *d = sh_test_tmpdir ();
    sh_replica_t *r;
    SH_PASS (sh_replica_create (&r, d, S_V));
    size_t len;
    uint8_t *body = s_body (SH_KIND_COURTYARD, "{\"code\":\"" S_V "002\"}", &len);
    sh_store_txn_t *txn;
    SH_PASS (sh_replica_begin (r, &txn));
    SH_FAIL (sh_replica_write (r, txn, S_CV, SH_KIND_COURTYARD, (const uint8_t *) S_CV, 15, SH_OP_PUT, body, len, NULL), SH_ESCOPE);
    free (body);
    body = s_body (SH_KIND_PERSON, "{\"name\":\"无院\"}", &len);
    SH_FAIL (sh_replica_write (r, txn, S_CV, SH_KIND_PERSON, s_pw, 16, SH_OP_PUT, body, len, NULL), SH_ESCOPE);
    free (body);
    sh_store_abort (&txn);
    sh_replica_close (&r);
    sh_test_rmdir (d);
}

//  The reason a replica gives for a change it keeps without merging it
//  (what sync prints), and "" for one it merged; a hub log taking a leaf
//  back (recovery) keeps a change that breaks the rule, unmerged, where a
//  Push refuses it.
static void
test_unmerged_reason (void)
{
    char *dv = sh_test_tmpdir (), *dt = sh_test_tmpdir (), *dh = sh_test_tmpdir ();
    sh_replica_t *v, *t;
    SH_PASS (sh_replica_create (&v, dv, S_V));
    SH_PASS (sh_replica_create (&t, dt, S_TOWN));
    s_write (v, S_CV, SH_KIND_COURTYARD, S_CV, 15, "{\"code\":\"" S_CV "\",\"name\":\"李家院子\"}");
    SH_CHECK (sh_test_sync (v, t) == 1);
    s_forger_t f = { .key = sh_key_generate () };
    SH_CHECK (f.key);
    uint8_t *c1, *c2;
    size_t l1, l2;
    s_forge (&f, S_CV, SH_KIND_COURTYARD, S_CV, 15, "{\"code\":\"" S_CW "\"}", &c1, &l1);
    s_forge (&f, S_CV, SH_KIND_COURTYARD, S_CV, 15, "{\"name\":\"改名\"}", &c2, &l2);
    sh_change_t o1, o2;
    uint8_t h1[SH_HASH_BYTES], h2[SH_HASH_BYTES];
    SH_PASS (sh_change_open (&o1, h1, c1, l1, NULL));
    SH_PASS (sh_change_open (&o2, h2, c2, l2, NULL));
    char why[256] = "x";
    bool dup;
    sh_store_txn_t *txn;
    SH_PASS (sh_replica_begin (t, &txn));
    SH_PASS (sh_replica_ingest_opened (t, txn, c1, l1, &o1, h1, &dup, why, sizeof why));
    SH_CHECK (!dup && strstr (why, "Courtyard.code is " S_CW ", not the change's region " S_CV));
    SH_PASS (sh_replica_ingest_opened (t, txn, c2, l2, &o2, h2, &dup, why, sizeof why));
    SH_CHECK (!dup && why[0] == 0);
    SH_PASS (sh_replica_ingest_opened (t, txn, c1, l1, &o1, h1, &dup, why, sizeof why));
    SH_CHECK (dup && why[0] == 0);                              //  a duplicate: nothing to say again
    SH_PASS (sh_store_commit (&txn));

    //  the hub's log: taken back as a leaf, kept unmerged
    sh_store_t *hub;
    SH_PASS (sh_store_open (&hub, dh, true, 0));
    uint8_t before[SH_HASH_BYTES], after[SH_HASH_BYTES];
    SH_PASS (sh_store_begin (hub, true, &txn));
    SH_PASS (sh_merge_digest (txn, NULL, before));
    SH_PASS (sh_hublog_append (txn, c1, l1, &o1, h1));
    SH_PASS (sh_merge_digest (txn, NULL, after));
    uint64_t size = 0;
    SH_PASS (sh_changelog_size (txn, &size));
    SH_PASS (sh_store_commit (&txn));
    SH_CHECK (size == 1 && memcmp (before, after, sizeof before) == 0);
    sh_store_close (&hub);

    sh_change_fini (&o1);
    sh_change_fini (&o2);
    free (c1);
    free (c2);
    sh_key_destroy (&f.key);
    sh_replica_close (&v);
    sh_replica_close (&t);
    sh_test_rmdir (dv);
    sh_test_rmdir (dt);
    sh_test_rmdir (dh);
}

//  The rules that need no store, one case each: the sentence names what is
//  wrong (and an OP_CLOCK change has nothing to check).
static void
test_shapes (void)
{
    char *d = sh_test_tmpdir ();
    sh_replica_t *r;
    SH_PASS (sh_replica_create (&r, d, "500115"));
    static const struct {
        const char *region;
        sh_kind_t kind;
        const char *id;
        sh_op_t op;
        const char *body;       //  JSON, or NULL
        const char *said;       //  in the sentence, or NULL: passes
    } cases[] = {
        { S_CV, SH_KIND_REGION, S_CV, SH_OP_PUT, "{\"name\":\"x\"}", "not a district, town or village code" },
        { "500115", SH_KIND_REGION, "500115", SH_OP_PUT, "{\"parent\":\"500\"}", "Region.parent" },
        { S_V, SH_KIND_REGION, S_V, SH_OP_PUT, "{\"level\":\"village\",\"parent\":\"" S_TOWN "\"}", NULL },
        { S_CV, SH_KIND_ROLE, "0123456789abcdef", SH_OP_PUT, "{\"status\":\"dismissed\"}", "is 17 bytes, not 16" },
        { S_CV, SH_KIND_EVALUATION, S_CV "/2024Q3/x", SH_OP_PUT, "{\"content\":3}", "is not its courtyard" },
        { S_CV, SH_KIND_EVALUATION, S_CV "/2024Q3", SH_OP_PUT, "{\"content\":3}", "is not its courtyard" },
        { S_CV, SH_KIND_COURTYARD, S_CW, SH_OP_DELETE, NULL, "is not its code" },
        { S_V, SH_KIND_MATTER, "0123456789abcdef", SH_OP_PUT, "{\"title\":\"x\"}", "not a courtyard code" },
    };
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (sh_replica_store (r), false, &txn));
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = 0;
        uint8_t *body = cases[i].body ? s_body (cases[i].kind, cases[i].body, &len) : NULL;
        sh_change_t c = { .seq = 1, .hlc = 1, .kind = cases[i].kind, .op = cases[i].op,
                          .entity = (const uint8_t *) cases[i].id, .entity_len = strlen (cases[i].id),
                          .body = body, .body_len = len };
        snprintf (c.region, sizeof c.region, "%s", cases[i].region);
        char why[256];
        sh_err rc = sh_scope_check (txn, &c, why, sizeof why);
        if (cases[i].said ? rc != SH_ESCOPE || !strstr (why, cases[i].said) : rc != SH_OK)
            fprintf (stderr, "case %zu: %s (\"%s\")\n", i, sh_strerror (rc), why);
        SH_CHECK (cases[i].said ? rc == SH_ESCOPE && strstr (why, cases[i].said) : rc == SH_OK);
        free (body);
    }
    //  an empty id, as protobuf-c decodes it (no data at all): named, not
    //  copied from NULL (libFuzzer found this under UBSan)
    sh_change_t empty = { .seq = 2, .hlc = 1, .kind = SH_KIND_COURTYARD, .op = SH_OP_DELETE };
    snprintf (empty.region, sizeof empty.region, "%s", S_CV);
    char why[256];
    SH_FAIL (sh_scope_check (txn, &empty, why, sizeof why), SH_ESCOPE);
    SH_CHECK (strstr (why, "the id empty of a Courtyard is not its code"));
    sh_change_t clock = { .seq = 2, .hlc = 1, .op = SH_OP_CLOCK, .entity = (const uint8_t *) "clock",
                          .entity_len = 5 };
    snprintf (clock.region, sizeof clock.region, "500115");
    SH_PASS (sh_scope_check (txn, &clock, NULL, 0));
    sh_store_abort (&txn);
    sh_replica_close (&r);
    sh_test_rmdir (d);
}

static const sh_test_case_t tests[] = {
    { "kept, not merged", test_kept_not_merged },
    { "local writes", test_local_writes },
    { "unmerged reason", test_unmerged_reason },
    { "shapes", test_shapes },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
