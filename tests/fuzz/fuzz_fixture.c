/*  fuzz_fixture -- fixed identities, changes and a real hub store for the
    fuzz targets and their seeds. See fuzz_fixture.h.
*/
#include "fuzz_fixture.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sh_hubid.h"
#include "sh_hublog.h"
#include "sh_record.h"
#include "sh_registry.h"

#define S_MAX_TMPDIRS 8
#define S_COURTYARD_A "500115101001001"
#define S_COURTYARD_B "500115102001001"
#define S_COURTYARD_R "500115101002001"
#define S_COURTYARD_D "500115103001001"

//  Directories to remove at exit (process-wide by nature: atexit has no argument).
static char *s_tmpdirs[S_MAX_TMPDIRS];
static size_t s_n_tmpdirs;

//  ---------------------------------------------------------------------
//  Set-up, keys, directories

void
fuzz_init (void)
{
    FUZZ_PASS (sh_crypto_init ());
}

sh_key_t *
fuzz_key (fuzz_key_id_t id)
{
    assert (id < FUZZ_KEY_COUNT);
    uint8_t seed[SH_SEED_BYTES];
    for (size_t i = 0; i < sizeof seed; i++)
        seed[i] = (uint8_t) (0x5a ^ (id * 37 + i * 11));
    sh_key_t *key = sh_key_from_seed (seed);
    FUZZ_CHECK (key);
    return key;
}

void
fuzz_rmtree (const char *path)
{
    DIR *d = opendir (path);
    if (d) {
        struct dirent *e;
        while ((e = readdir (d))) {
            if (!strcmp (e->d_name, ".") || !strcmp (e->d_name, ".."))
                continue;
            size_t n = strlen (path) + strlen (e->d_name) + 2;
            char *sub = malloc (n);
            if (!sub)
                continue;
            snprintf (sub, n, "%s/%s", path, e->d_name);
            struct stat st;
            if (lstat (sub, &st) == 0 && S_ISDIR (st.st_mode))
                fuzz_rmtree (sub);
            else
                unlink (sub);
            free (sub);
        }
        closedir (d);
    }
    rmdir (path);
}

static void
s_remove_tmpdirs (void)
{
    for (size_t i = 0; i < s_n_tmpdirs; i++) {
        fuzz_rmtree (s_tmpdirs[i]);
        free (s_tmpdirs[i]);
    }
    s_n_tmpdirs = 0;
}

char *
fuzz_tmpdir (const char *tag)
{
    const char *base = getenv ("TMPDIR");
    struct stat st;
    if (!base || !*base)
        base = stat ("/dev/shm", &st) == 0 && S_ISDIR (st.st_mode) && access ("/dev/shm", W_OK) == 0
             ? "/dev/shm" : "/tmp";
    size_t n = strlen (base) + strlen (tag) + 32;
    char *path = malloc (n);
    FUZZ_CHECK (path);
    snprintf (path, n, "%s/shouhe-fuzz-%s-XXXXXX", base, tag);
    if (!mkdtemp (path)) {
        fprintf (stderr, "fuzz: cannot create a directory like %s: %s\n", path, strerror (errno));
        abort ();
    }
    FUZZ_CHECK (s_n_tmpdirs < S_MAX_TMPDIRS);
    if (s_n_tmpdirs == 0)
        atexit (s_remove_tmpdirs);
    s_tmpdirs[s_n_tmpdirs] = strdup (path);
    FUZZ_CHECK (s_tmpdirs[s_n_tmpdirs]);
    s_n_tmpdirs++;
    return path;
}

uint64_t
fuzz_store_count (sh_store_t *store, sh_store_db_t db)
{
    sh_store_txn_t *txn;
    uint64_t n = 0;
    if (sh_store_begin (store, false, &txn) == SH_OK) {
        if (sh_store_count (txn, db, &n) != SH_OK)
            n = 0;
        sh_store_abort (&txn);
    }
    return n;
}

//  ---------------------------------------------------------------------
//  Bodies: real domain messages (docs/protocol.md 6.2)

//  The body of a record of kind from its JSON (sh_record_from_json), which
//  this call consumes.
static fuzz_bytes_t
s_record (sh_kind_t kind, json_t *rec)
{
    fuzz_bytes_t b;
    FUZZ_CHECK (rec);
    FUZZ_CHECK (sh_record_from_json (&b.data, &b.len, kind, rec, NULL) == SH_OK);
    json_decref (rec);
    return b;
}

static const uint8_t s_person_id[16] = {
    0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11 };
static const uint8_t s_matter_id[16] = {
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22 };
static const uint8_t s_meeting_id[16] = {
    0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33 };
static const uint8_t s_mediation_id[16] = {
    0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44 };
static const uint8_t s_role_id[17] = {
    0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x01 };
//  The person and matter ids as a bytes field's JSON (hex).
#define S_PERSON_HEX "11111111111111111111111111111111"
#define S_MATTER_HEX "22222222222222222222222222222222"

static fuzz_bytes_t
s_courtyard (const char *code, const char *name, uint32_t households, bool full)
{
    if (!full)
        return s_record (SH_KIND_COURTYARD, json_pack ("{s:I}", "households", (json_int_t) households));
    char village[13];
    memcpy (village, code, 12);
    village[12] = 0;
    return s_record (SH_KIND_COURTYARD,
                     json_pack ("{s:s, s:s, s:s, s:I, s:I, s:I, s:b, s:s, s:s}", "code", code, "name", name,
                                "village", village, "households", (json_int_t) households,
                                "residents", (json_int_t) (3 * households), "elderly", (json_int_t) (households / 2),
                                "model", true, "point", "fixed", "grid", "grid 3"));
}

//  The body of change seq of A's chain (see the table in fuzz_chain).
static fuzz_bytes_t
s_body_a (uint64_t seq, bool fork)
{
    switch (seq) {
        case 1:
            return s_courtyard (S_COURTYARD_A, fork ? "Pomelo Courtyard" : "Orange Tree Courtyard", 12, true);
        case 2:
            return s_record (SH_KIND_PERSON,
                json_pack ("{s:s, s:s, s:s, s:i, s:b, s:s}", "name", fork ? "Li Na" : "Li Wei",
                           "courtyard", S_COURTYARD_A, "gender", "male", "birth_year", 1961,
                           "party_member", true, "phone", "13800000000"));
        case 3:
            return s_record (SH_KIND_MATTER,
                json_pack ("{s:s, s:s, s:s, s:s, s:s}", "courtyard", S_COURTYARD_A, "category", "environment",
                           "title", fork ? "Drains" : "Street lights on the lane",
                           "description", "Two lamps are out since the storm.", "opened_on", "2023-11-14"));
        case 4:
            return s_record (SH_KIND_MATTER_EVENT,
                json_pack ("{s:s, s:s, s:s, s:s}", "kind", "step", "step", fork ? "consult" : "diagnose",
                           "note", "walked the lane with the electrician", "date", "2023-11-15"));
        case 5:
            return s_courtyard (S_COURTYARD_A, NULL, fork ? 14 : 13, false);
        case 6:
            return s_record (SH_KIND_LEDGER,
                json_pack ("{s:s, s:s, s:i, s:s, s:s, s:s}", "kind", "earn", "unit", "points", "amount", fork ? 7 : 5,
                           "reason", "cleaned the courtyard", "date", "2023-11-16", "courtyard", S_COURTYARD_A));
        case 7:
            return s_record (SH_KIND_ROLE,
                json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s}", "person", S_PERSON_HEX, "courtyard", S_COURTYARD_A,
                           "role", "courtyard_head", "status", "appointed",
                           "nomination", fork ? "self" : "recommended", "appointed_on", "2023-11-17"));
        case 8:
            return s_record (SH_KIND_MEETING,
                json_pack ("{s:s, s:s, s:s, s:i, s:[s, s], s:[s], s:s}", "courtyard", S_COURTYARD_A,
                           "kind", "deliberation", "date", "2023-11-18", "attendance", fork ? 9 : 17,
                           "topics", "street lights", "autumn harvest", "decisions", "ask the town for two lamps",
                           "location", "under the camphor tree"));
        case 9:
            return s_record (SH_KIND_MEDIATION,
                json_pack ("{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s}", "courtyard", S_COURTYARD_A,
                           "level", "courtyard", "kind", "neighbour", "outcome", fork ? "partial" : "resolved",
                           "date", "2023-11-19", "parties", 2, "summary", "a shared wall",
                           "matter", S_MATTER_HEX));
        case 10:
            return s_record (SH_KIND_REGION,
                json_pack ("{s:s, s:s, s:s, s:s}", "code", FUZZ_SCOPE_A, "name", fork ? "Shuanghe" : "Shuanglu",
                           "level", "town", "parent", FUZZ_DISTRICT));
        default:
            return (fuzz_bytes_t) { NULL, 0 };     //  11: OP_DELETE of the person
    }
}

//  ---------------------------------------------------------------------
//  Changes

sh_err
fuzz_sign (fuzz_bytes_t *out, uint8_t hash[SH_HASH_BYTES], const sh_change_t *change, const sh_key_t *key)
{
    *out = (fuzz_bytes_t) { NULL, 0 };
    uint8_t *bytes;
    size_t len;
    sh_err rc = sh_change_encode (change, &bytes, &len);
    if (rc)
        return rc;
    if (hash)
        sh_change_hash (hash, bytes, len);
    rc = sh_change_sign (&out->data, &out->len, bytes, len, key);
    free (bytes);
    return rc;
}

//  The fields of change seq of who's chain (body owned by the caller).
static void
s_spec (sh_change_t *c, fuzz_bytes_t *body, fuzz_key_id_t who, uint64_t seq, bool fork)
{
    static const struct {
        sh_kind_t kind;
        sh_op_t op;
        const uint8_t *id;
        size_t id_len;
    } a[FUZZ_CHAIN_A] = {
        { SH_KIND_COURTYARD, SH_OP_PUT, (const uint8_t *) S_COURTYARD_A, 15 },
        { SH_KIND_PERSON, SH_OP_PUT, s_person_id, sizeof s_person_id },
        { SH_KIND_MATTER, SH_OP_PUT, s_matter_id, sizeof s_matter_id },
        { SH_KIND_MATTER_EVENT, SH_OP_EVENT, s_matter_id, sizeof s_matter_id },
        { SH_KIND_COURTYARD, SH_OP_PUT, (const uint8_t *) S_COURTYARD_A, 15 },
        { SH_KIND_LEDGER, SH_OP_EVENT, s_person_id, sizeof s_person_id },
        { SH_KIND_ROLE, SH_OP_PUT, s_role_id, sizeof s_role_id },
        { SH_KIND_MEETING, SH_OP_PUT, s_meeting_id, sizeof s_meeting_id },
        { SH_KIND_MEDIATION, SH_OP_PUT, s_mediation_id, sizeof s_mediation_id },
        { SH_KIND_REGION, SH_OP_PUT, (const uint8_t *) FUZZ_SCOPE_A, 9 },
        { SH_KIND_PERSON, SH_OP_DELETE, s_person_id, sizeof s_person_id },
    };
    static const char b_eval_id[] = S_COURTYARD_B "/2023Q4/1";
    c->seq = seq;
    c->hlc = FUZZ_HLC (1000 * seq + 100 * (uint64_t) who, fork ? 1 : 0);
    *body = (fuzz_bytes_t) { NULL, 0 };
    if (who == FUZZ_KEY_A) {
        assert (seq >= 1 && seq <= FUZZ_CHAIN_A);
        c->kind = a[seq - 1].kind;
        c->op = a[seq - 1].op;
        c->entity = a[seq - 1].id;
        c->entity_len = a[seq - 1].id_len;
        snprintf (c->region, sizeof c->region, "%s", seq == 10 ? FUZZ_SCOPE_A : S_COURTYARD_A);
        *body = s_body_a (seq, fork);
    }
    else
    if (who == FUZZ_KEY_B && seq == 2) {
        *body = s_record (SH_KIND_EVALUATION,
                          json_pack ("{s:s, s:s, s:s, s:i, s:i, s:i, s:i}", "courtyard", S_COURTYARD_B,
                                     "period", "2023Q4", "category", "policy", "content", 8, "effect", 7,
                                     "satisfaction", 9, "maturity", 8));
        c->kind = SH_KIND_EVALUATION;
        c->op = SH_OP_PUT;
        c->entity = (const uint8_t *) b_eval_id;
        c->entity_len = strlen (b_eval_id);
        snprintf (c->region, sizeof c->region, "%s", S_COURTYARD_B);
    }
    else {
        const char *code = who == FUZZ_KEY_B ? S_COURTYARD_B
                         : who == FUZZ_KEY_REVOKED ? S_COURTYARD_R : S_COURTYARD_D;
        const char *name = who == FUZZ_KEY_B ? "Bamboo Courtyard" : who == FUZZ_KEY_REVOKED ? "Well Courtyard"
                         : fork ? "West Courtyard" : "East Courtyard";
        *body = s_courtyard (code, name, 8, true);
        c->kind = SH_KIND_COURTYARD;
        c->op = SH_OP_PUT;
        c->entity = (const uint8_t *) code;
        c->entity_len = 15;
        snprintf (c->region, sizeof c->region, "%s", code);
    }
    c->body = body->data;
    c->body_len = body->len;
}

sh_err
fuzz_chain (fuzz_bytes_t *signed_out, fuzz_bytes_t *change_out, fuzz_key_id_t who, uint64_t seq, bool fork)
{
    assert (seq >= 1);
    *signed_out = (fuzz_bytes_t) { NULL, 0 };
    if (change_out)
        *change_out = (fuzz_bytes_t) { NULL, 0 };
    sh_key_t *key = fuzz_key (who);
    uint8_t prev[SH_HASH_BYTES] = { 0 };
    sh_err rc = SH_OK;
    for (uint64_t s = 1; s <= seq && rc == SH_OK; s++) {
        sh_change_t c = { .pb_ = NULL };
        fuzz_bytes_t body;
        memcpy (c.author, sh_key_public (key), SH_PUBKEY_BYTES);
        memcpy (c.prev, prev, SH_HASH_BYTES);
        s_spec (&c, &body, who, s, fork && s == seq);
        uint8_t *bytes;
        size_t len;
        rc = sh_change_encode (&c, &bytes, &len);
        if (rc == SH_OK) {
            sh_change_hash (prev, bytes, len);
            if (s == seq) {
                rc = sh_change_sign (&signed_out->data, &signed_out->len, bytes, len, key);
                if (rc == SH_OK && change_out)
                    *change_out = (fuzz_bytes_t) { bytes, len };
                else
                    free (bytes);
            }
            else
                free (bytes);
        }
        free (body.data);
    }
    sh_key_destroy (&key);
    return rc;
}

//  ---------------------------------------------------------------------
//  The hub

//  Push changes first..last of who's chain (or D's fork) as one batch,
//  expecting the hub's verdict want; then sign the tree head.
static sh_err
s_push (sh_store_t *store, const sh_hubid_t *hub, fuzz_key_id_t who,
        uint64_t first, uint64_t last, bool fork, sh_wire_error_t want)
{
    sh_key_t *key = fuzz_key (who);
    sh_registry_entry_t e;
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (store, false, &txn);
    if (rc == SH_OK)
        rc = sh_registry_get (txn, sh_key_public (key), &e);
    sh_store_abort (&txn);
    sh_key_destroy (&key);
    fuzz_bytes_t owned[FUZZ_CHAIN_A];
    sh_wire_bytes_t batch[FUZZ_CHAIN_A];
    size_t n = 0;
    for (uint64_t s = first; rc == SH_OK && s <= last; s++) {
        rc = fuzz_chain (&owned[n], NULL, who, s, fork);
        if (rc == SH_OK) {
            batch[n] = (sh_wire_bytes_t) { owned[n].data, owned[n].len };
            n++;
        }
    }
    sh_hublog_result_t res;
    if (rc == SH_OK)
        rc = sh_hublog_push (store, &e, batch, n, 1, &res);
    if (rc == SH_OK && res.code != want) {
        fprintf (stderr, "fuzz_hub_build: push got %s (%s), expected %s\n", sh_wire_error_name (res.code),
                 res.message, sh_wire_error_name (want));
        rc = SH_ECORRUPT;
    }
    if (rc == SH_OK)
        rc = sh_hublog_checkpoint (store, hub, NULL, NULL);
    for (size_t i = 0; i < n; i++)
        free (owned[i].data);
    return rc;
}

sh_err
fuzz_hub_build (sh_store_t **out, const char *dir, const sh_key_t *hub_key)
{
    static const struct {
        fuzz_key_id_t who;
        const char *scope;
        sh_wire_role_t role;
        const char *name;
    } enrol[] = {
        { FUZZ_KEY_A, FUZZ_SCOPE_A, SH_WIRE_ROLE_NODE, "node-a" },
        { FUZZ_KEY_B, FUZZ_SCOPE_B, SH_WIRE_ROLE_NODE, "node-b" },
        { FUZZ_KEY_REVOKED, FUZZ_SCOPE_A, SH_WIRE_ROLE_NODE, "node-r" },
        { FUZZ_KEY_BLOCKED, FUZZ_SCOPE_D, SH_WIRE_ROLE_NODE, "node-d" },
        { FUZZ_KEY_AUDITOR, FUZZ_DISTRICT, SH_WIRE_ROLE_AUDITOR, "auditor" },
    };
    *out = NULL;
    sh_hubid_t hub;
    sh_hubid_init_key (&hub, hub_key);
    sh_store_t *store;
    sh_err rc = sh_store_open (&store, dir, true, (size_t) 64 << 20);
    if (rc)
        return rc;
    sh_store_txn_t *txn = NULL;
    rc = sh_store_begin (store, true, &txn);
    if (rc == SH_OK)
        rc = sh_store_meta_put_str (txn, "role", "hub");
    for (size_t i = 0; rc == SH_OK && i < sizeof enrol / sizeof enrol[0]; i++) {
        sh_key_t *key = fuzz_key (enrol[i].who);
        rc = sh_registry_enroll (txn, sh_key_public (key), enrol[i].scope, enrol[i].role, enrol[i].name,
                                 FUZZ_ENROLL_MS + i);
        sh_key_destroy (&key);
    }
    if (rc == SH_OK)
        rc = sh_store_commit (&txn);
    sh_store_abort (&txn);
    if (rc == SH_OK)
        rc = s_push (store, &hub, FUZZ_KEY_A, 1, FUZZ_HUB_A, false, 0);
    if (rc == SH_OK)
        rc = s_push (store, &hub, FUZZ_KEY_B, 1, FUZZ_CHAIN_B, false, 0);
    if (rc == SH_OK)
        rc = s_push (store, &hub, FUZZ_KEY_REVOKED, 1, 1, false, 0);
    if (rc == SH_OK)
        rc = s_push (store, &hub, FUZZ_KEY_BLOCKED, 1, 1, false, 0);
    if (rc == SH_OK)
        rc = s_push (store, &hub, FUZZ_KEY_BLOCKED, 1, 1, true, SH_WIRE_ERR_EQUIVOCATION);
    if (rc == SH_OK)
        rc = sh_store_begin (store, true, &txn);
    if (rc == SH_OK) {
        sh_key_t *key = fuzz_key (FUZZ_KEY_REVOKED);
        rc = sh_registry_revoke (txn, sh_key_public (key), FUZZ_REVOKE_MS);
        sh_key_destroy (&key);
    }
    if (rc == SH_OK)
        rc = sh_store_commit (&txn);
    sh_store_abort (&txn);
    if (rc) {
        sh_store_close (&store);
        return rc;
    }
    *out = store;
    return SH_OK;
}
