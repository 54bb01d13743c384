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
#include "sh_registry.h"
#include "shouhe/v1/domain.pb-c.h"

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

static fuzz_bytes_t
s_pack (const ProtobufCMessage *m)
{
    fuzz_bytes_t b = { .len = protobuf_c_message_get_packed_size (m) };
    b.data = malloc (b.len ? b.len : 1);
    FUZZ_CHECK (b.data);
    FUZZ_CHECK (protobuf_c_message_pack (m, b.data) == b.len);
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

static fuzz_bytes_t
s_courtyard (const char *code, const char *name, uint32_t households, bool full)
{
    Shouhe__V1__Courtyard m = SHOUHE__V1__COURTYARD__INIT;
    char village[13];
    memcpy (village, code, 12);
    village[12] = 0;
    m.has_households = 1;
    m.households = households;
    if (full) {
        m.code = (char *) code;
        m.name = (char *) name;
        m.village = village;
        m.has_residents = m.has_elderly = m.has_model = m.has_point = 1;
        m.residents = 3 * households;
        m.elderly = households / 2;
        m.model = true;
        m.point = SHOUHE__V1__DELIBERATION_POINT__POINT_FIXED;
        m.grid = "grid 3";
    }
    return s_pack (&m.base);
}

//  The body of change seq of A's chain (see the table in fuzz_chain).
static fuzz_bytes_t
s_body_a (uint64_t seq, bool fork)
{
    switch (seq) {
        case 1:
            return s_courtyard (S_COURTYARD_A, fork ? "Pomelo Courtyard" : "Orange Tree Courtyard", 12, true);
        case 2: {
            Shouhe__V1__Person m = SHOUHE__V1__PERSON__INIT;
            m.name = fork ? "Li Na" : "Li Wei";
            m.courtyard = S_COURTYARD_A;
            m.has_gender = m.has_birth_year = m.has_party_member = 1;
            m.gender = SHOUHE__V1__GENDER__GENDER_MALE;
            m.birth_year = 1961;
            m.party_member = true;
            m.phone = "13800000000";
            return s_pack (&m.base);
        }
        case 3: {
            Shouhe__V1__Matter m = SHOUHE__V1__MATTER__INIT;
            m.courtyard = S_COURTYARD_A;
            m.has_category = 1;
            m.category = SHOUHE__V1__CATEGORY__CATEGORY_ENVIRONMENT;
            m.title = fork ? "Drains" : "Street lights on the lane";
            m.description = "Two lamps are out since the storm.";
            m.opened_on = "2023-11-14";
            return s_pack (&m.base);
        }
        case 4: {
            Shouhe__V1__MatterEvent m = SHOUHE__V1__MATTER_EVENT__INIT;
            m.has_kind = m.has_step = 1;
            m.kind = SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_STEP;
            m.step = fork ? SHOUHE__V1__STEP__STEP_CONSULT : SHOUHE__V1__STEP__STEP_DIAGNOSE;
            m.note = "walked the lane with the electrician";
            m.date = "2023-11-15";
            return s_pack (&m.base);
        }
        case 5:
            return s_courtyard (S_COURTYARD_A, NULL, fork ? 14 : 13, false);
        case 6: {
            Shouhe__V1__LedgerEntry m = SHOUHE__V1__LEDGER_ENTRY__INIT;
            m.has_kind = m.has_unit = m.has_amount = 1;
            m.kind = SHOUHE__V1__LEDGER_KIND__LEDGER_EARN;
            m.unit = SHOUHE__V1__LEDGER_UNIT__UNIT_POINTS;
            m.amount = fork ? 7 : 5;
            m.reason = "cleaned the courtyard";
            m.date = "2023-11-16";
            m.courtyard = S_COURTYARD_A;
            return s_pack (&m.base);
        }
        case 7: {
            Shouhe__V1__RoleAssignment m = SHOUHE__V1__ROLE_ASSIGNMENT__INIT;
            m.has_person = m.has_role = m.has_status = m.has_nomination = 1;
            m.person = (ProtobufCBinaryData) { sizeof s_person_id, (uint8_t *) s_person_id };
            m.courtyard = S_COURTYARD_A;
            m.role = SHOUHE__V1__ROLE__ROLE_COURTYARD_HEAD;
            m.status = SHOUHE__V1__ROLE_STATUS__ROLE_STATUS_APPOINTED;
            m.nomination = fork ? SHOUHE__V1__NOMINATION__NOMINATION_SELF
                                : SHOUHE__V1__NOMINATION__NOMINATION_RECOMMENDED;
            m.appointed_on = "2023-11-17";
            return s_pack (&m.base);
        }
        case 8: {
            Shouhe__V1__Meeting m = SHOUHE__V1__MEETING__INIT;
            char *topics[] = { "street lights", "autumn harvest" };
            char *decisions[] = { "ask the town for two lamps" };
            m.courtyard = S_COURTYARD_A;
            m.has_kind = m.has_attendance = 1;
            m.kind = SHOUHE__V1__MEETING_KIND__MEETING_DELIBERATION;
            m.date = "2023-11-18";
            m.attendance = fork ? 9 : 17;
            m.n_topics = 2;
            m.topics = topics;
            m.n_decisions = 1;
            m.decisions = decisions;
            m.location = "under the camphor tree";
            return s_pack (&m.base);
        }
        case 9: {
            Shouhe__V1__Mediation m = SHOUHE__V1__MEDIATION__INIT;
            m.courtyard = S_COURTYARD_A;
            m.has_level = m.has_kind = m.has_outcome = m.has_parties = m.has_matter = 1;
            m.level = SHOUHE__V1__MEDIATION_LEVEL__MEDIATION_LEVEL_COURTYARD;
            m.kind = SHOUHE__V1__MEDIATION_KIND__MEDIATION_KIND_NEIGHBOUR;
            m.outcome = fork ? SHOUHE__V1__MEDIATION_OUTCOME__MEDIATION_OUTCOME_PARTIAL
                             : SHOUHE__V1__MEDIATION_OUTCOME__MEDIATION_OUTCOME_RESOLVED;
            m.date = "2023-11-19";
            m.parties = 2;
            m.summary = "a shared wall";
            m.matter = (ProtobufCBinaryData) { sizeof s_matter_id, (uint8_t *) s_matter_id };
            return s_pack (&m.base);
        }
        case 10: {
            Shouhe__V1__Region m = SHOUHE__V1__REGION__INIT;
            m.code = FUZZ_SCOPE_A;
            m.name = fork ? "Shuanghe" : "Shuanglu";
            m.has_level = 1;
            m.level = SHOUHE__V1__REGION_LEVEL__LEVEL_TOWN;
            m.parent = FUZZ_DISTRICT;
            return s_pack (&m.base);
        }
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
        Shouhe__V1__Evaluation m = SHOUHE__V1__EVALUATION__INIT;
        m.courtyard = S_COURTYARD_B;
        m.period = "2023Q4";
        m.has_category = m.has_content = m.has_effect = m.has_satisfaction = m.has_maturity = 1;
        m.category = SHOUHE__V1__CATEGORY__CATEGORY_POLICY;
        m.content = 8;
        m.effect = 7;
        m.satisfaction = 9;
        m.maturity = 8;
        *body = s_pack (&m.base);
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
