/*  sh_export_test -- a hub's export: written from a real store (registry,
    log, Merkle tree, evidence, checkpoints), read back field by field,
    read by protobuf-c's generated code too (so it is a valid
    shouhe.v1.Export), the registry note signed over exactly the registry,
    strict parsing that refuses what export.proto's canonical encoding
    does not allow, and the editable document that tools change an export
    with (written back unchanged, it is the same file). With a sealed
    person and its openings in the hub's store: the public export holds
    neither the name nor an opening, the export with SH_EXPORT_PERSONAL is
    the same bytes followed by the openings (field 10, as protobuf-c packs
    them), each opening its change's seal; Openings are read strictly.
*/
#define _GNU_SOURCE 1      //  memmem
#include "sh_test.h"

#include "sh_change.h"
#include "sh_changelog.h"
#include "sh_crypto.h"
#include "sh_export.h"
#include "sh_hubid.h"
#include "sh_key.h"
#include "sh_merge.h"
#include "sh_merkle.h"
#include "sh_note.h"
#include "sh_registry.h"
#include "sh_seal.h"
#include "sh_store.h"
#include "shouhe/v1/domain.pb-c.h"
#include "shouhe/v1/export.pb-c.h"

#include <stdbool.h>
#include <stdint.h>

#define S_VA "500115101001"
#define S_VB "500115101002"

/* --------------------------------------------------------------------------
 * Fixture: a hub store with two nodes, five changes, one equivocation and
 * two checkpoints
 * -------------------------------------------------------------------------- */

typedef struct {
    char *dir;                          //  temporary directory
    sh_store_t *store;                  //  the hub store
    sh_key_t *hub, *a, *b;              //  hub and node keys
    sh_hubid_t id;                      //  the hub's identity (key, origin)
    uint8_t *log[5];                    //  the SignedChanges at log indexes 1..5
    size_t log_len[5];                  //  their lengths
} s_fx_t;

static sh_key_t *
s_key (uint8_t n)
{
    uint8_t seed[SH_SEED_BYTES];
    memset (seed, n, sizeof seed);
    sh_key_t *key = sh_key_from_seed (seed);
    SH_CHECK (key);
    return key;
}

//  A signed DELETE by key at seq with prev, in region.
static void
s_signed (const sh_key_t *key, uint64_t seq, const uint8_t prev[SH_HASH_BYTES], uint64_t hlc,
          const char *region, uint8_t **out, size_t *out_len)
{
    sh_change_t c;
    memset (&c, 0, sizeof c);
    memcpy (c.author, sh_key_public (key), SH_PUBKEY_BYTES);
    c.seq = seq;
    memcpy (c.prev, prev, SH_HASH_BYTES);
    c.hlc = hlc;
    snprintf (c.region, sizeof c.region, "%s", region);
    c.kind = SH_KIND_COURTYARD;
    c.entity = (const uint8_t *) region;
    c.entity_len = strlen (region);
    c.op = SH_OP_DELETE;
    uint8_t *bytes;
    size_t len;
    SH_PASS (sh_change_encode (&c, &bytes, &len));
    SH_PASS (sh_change_sign (out, out_len, bytes, len, key));
    free (bytes);
}

//  Append a signed change to the log and the tree; its hash in hash.
static void
s_append (sh_store_txn_t *txn, const uint8_t *bytes, size_t len, uint8_t hash[SH_HASH_BYTES])
{
    sh_change_t c;
    SH_PASS (sh_change_open (&c, hash, bytes, len, NULL));
    bool dup = true;
    SH_PASS (sh_changelog_append (txn, bytes, len, &c, hash, &dup));
    SH_CHECK (!dup);
    SH_PASS (sh_merkle_append (txn, bytes, len, NULL));
    sh_change_fini (&c);
}

static void
s_checkpoint (s_fx_t *fx, sh_store_txn_t *txn, uint64_t size)
{
    uint8_t root[SH_HASH_BYTES], k[8];
    char *text, *note;
    size_t text_len, note_len;
    SH_PASS (sh_merkle_root (txn, size, root));
    SH_PASS (sh_note_checkpoint_format (&text, &text_len, fx->id.origin, size, root, NULL));
    SH_PASS (sh_note_sign (&note, &note_len, text, text_len, fx->hub, fx->id.origin));
    sh_store_put_be64 (k, size);
    SH_PASS (sh_store_put (txn, SH_DB_CHECKPOINTS, k, sizeof k, note, note_len));
    free (text);
    free (note);
}

static void
s_evidence_put (sh_store_txn_t *txn, const uint8_t *bytes, size_t len)
{
    sh_change_t c;
    uint8_t key[SH_PUBKEY_BYTES + 8 + SH_HASH_BYTES];
    SH_PASS (sh_change_open (&c, key + SH_PUBKEY_BYTES + 8, bytes, len, NULL));
    memcpy (key, c.author, SH_PUBKEY_BYTES);
    sh_store_put_be64 (key + SH_PUBKEY_BYTES, c.seq);
    sh_change_fini (&c);
    SH_PASS (sh_store_put (txn, SH_DB_EVIDENCE, key, sizeof key, bytes, len));
}

static void
s_fx_init (s_fx_t *fx)
{
    memset (fx, 0, sizeof *fx);
    fx->dir = sh_test_tmpdir ();
    SH_PASS (sh_store_open (&fx->store, fx->dir, true, 0));
    fx->hub = s_key (1);
    fx->a = s_key (2);
    fx->b = s_key (3);
    sh_hubid_init_key (&fx->id, fx->hub);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx->store, true, &txn));
    SH_PASS (sh_store_meta_put_str (txn, "role", "hub"));
    SH_PASS (sh_registry_enroll (txn, sh_key_public (fx->a), S_VA, SH_WIRE_ROLE_NODE, "a", 1000));
    SH_PASS (sh_registry_enroll (txn, sh_key_public (fx->b), S_VB, SH_WIRE_ROLE_NODE, NULL, 2000));
    SH_PASS (sh_registry_revoke (txn, sh_key_public (fx->b), 9000));
    //  a1 b1 a2 b2 a3
    uint8_t ha[SH_HASH_BYTES] = { 0 }, hb[SH_HASH_BYTES] = { 0 }, ha1[SH_HASH_BYTES];
    const uint64_t t = (uint64_t) 5000 << 16;
    s_signed (fx->a, 1, ha, t + 1, S_VA "001", &fx->log[0], &fx->log_len[0]);
    s_append (txn, fx->log[0], fx->log_len[0], ha);
    memcpy (ha1, ha, sizeof ha);
    s_signed (fx->b, 1, hb, t + 2, S_VB "001", &fx->log[1], &fx->log_len[1]);
    s_append (txn, fx->log[1], fx->log_len[1], hb);
    s_checkpoint (fx, txn, 2);
    s_signed (fx->a, 2, ha, t + 3, S_VA "002", &fx->log[2], &fx->log_len[2]);
    s_append (txn, fx->log[2], fx->log_len[2], ha);
    s_signed (fx->b, 2, hb, t + 4, S_VB "002", &fx->log[3], &fx->log_len[3]);
    s_append (txn, fx->log[3], fx->log_len[3], hb);
    s_signed (fx->a, 3, ha, t + 5, S_VA "003", &fx->log[4], &fx->log_len[4]);
    s_append (txn, fx->log[4], fx->log_len[4], ha);
    s_checkpoint (fx, txn, 5);
    //  a's seq 2 twice: the logged one and another
    uint8_t *other;
    size_t other_len;
    s_signed (fx->a, 2, ha1, t + 99, S_VA "009", &other, &other_len);
    s_evidence_put (txn, fx->log[2], fx->log_len[2]);
    s_evidence_put (txn, other, other_len);
    free (other);
    SH_PASS (sh_store_commit (&txn));
}

static void
s_fx_fini (s_fx_t *fx)
{
    for (int i = 0; i < 5; i++)
        free (fx->log[i]);
    sh_key_destroy (&fx->hub);
    sh_key_destroy (&fx->a);
    sh_key_destroy (&fx->b);
    sh_store_close (&fx->store);
    sh_test_rmdir (fx->dir);
}

//  Write the fixture's export into memory (flags: sh_export_write's).
static uint8_t *
s_export_with (s_fx_t *fx, unsigned flags, size_t *len, sh_export_stats_t *st)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream (&buf, &size);
    SH_CHECK (f);
    SH_PASS (sh_export_write (f, fx->store, &fx->id, flags, st));
    SH_CHECK (fclose (f) == 0);
    *len = size;
    return (uint8_t *) buf;
}

//  The public export.
static uint8_t *
s_export_bytes (s_fx_t *fx, size_t *len, sh_export_stats_t *st)
{
    return s_export_with (fx, 0, len, st);
}

static sh_export_t *
s_parse_copy (const uint8_t *bytes, size_t len, sh_err want, const char **why)
{
    uint8_t *copy = malloc (len ? len : 1);
    SH_CHECK (copy);
    memcpy (copy, bytes, len);
    sh_export_t *ex = NULL;
    SH_FAIL (sh_export_parse (&ex, &copy, len, why), want);
    SH_CHECK (copy == NULL);
    SH_CHECK ((ex != NULL) == (want == SH_OK));
    return ex;
}

/* --------------------------------------------------------------------------
 * Tests
 * -------------------------------------------------------------------------- */

static void
test_round_trip (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    size_t len;
    sh_export_stats_t st;
    uint8_t *bytes = s_export_bytes (&fx, &len, &st);
    SH_CHECK (st.registry == 2 && st.changes == 5 && st.evidence == 1 && st.checkpoints == 2);
    SH_CHECK (st.bytes == len);

    sh_export_t *ex = s_parse_copy (bytes, len, SH_OK, NULL);
    SH_CHECK (sh_export_version (ex) == SH_EXPORT_VERSION);
    SH_CHECK (strcmp (sh_export_origin (ex), fx.id.origin) == 0);
    SH_CHECK (memcmp (sh_export_hub_key (ex), sh_key_public (fx.hub), SH_PUBKEY_BYTES) == 0);
    SH_CHECK (sh_export_registry_count (ex) == 2);
    for (size_t i = 0; i < 2; i++) {
        const sh_export_enrollment_t *e = sh_export_registry (ex, i);
        const sh_key_t *k = memcmp (e->entry.key, sh_key_public (fx.a), SH_PUBKEY_BYTES) == 0 ? fx.a : fx.b;
        SH_CHECK (memcmp (e->entry.key, sh_key_public (k), SH_PUBKEY_BYTES) == 0);
        SH_CHECK (strcmp (e->entry.scope, k == fx.a ? S_VA : S_VB) == 0);
        SH_CHECK (e->entry.revoked_ms == (k == fx.a ? 0u : 9000u));
        SH_CHECK (e->entry.enrolled_ms == (k == fx.a ? 1000u : 2000u));
    }
    SH_CHECK (memcmp (sh_export_registry (ex, 0)->entry.key, sh_export_registry (ex, 1)->entry.key,
                      SH_PUBKEY_BYTES) < 0);
    SH_CHECK (sh_export_change_count (ex) == 5);
    for (size_t i = 0; i < 5; i++) {
        sh_export_bytes_t c = sh_export_change (ex, i);
        SH_CHECK (c.len == fx.log_len[i] && memcmp (c.data, fx.log[i], c.len) == 0);
    }
    SH_CHECK (sh_export_evidence_count (ex) == 1);
    const sh_export_evidence_t *ev = sh_export_evidence (ex, 0);
    SH_CHECK (ev->seq == 2 && ev->n_sides == 2);
    SH_CHECK (memcmp (ev->author, sh_key_public (fx.a), SH_PUBKEY_BYTES) == 0);
    SH_CHECK (sh_export_checkpoint_count (ex) == 2);
    sh_note_vkey_t vkey;
    SH_PASS (sh_note_vkey_init (&vkey, fx.id.origin, sh_key_public (fx.hub)));
    uint64_t sizes[2] = { 2, 5 };
    for (size_t i = 0; i < 2; i++) {
        sh_export_bytes_t b = sh_export_checkpoint (ex, i);
        sh_note_checkpoint_t cp;
        SH_PASS (sh_note_checkpoint_open (&cp, (const char *) b.data, b.len, &vkey, fx.id.origin));
        SH_CHECK (cp.size == sizes[i]);
    }

    //  the registry note: signed by the hub, over exactly these entries
    sh_export_bytes_t nb = sh_export_registry_note (ex);
    sh_note_t *note;
    SH_PASS (sh_note_parse (&note, (const char *) nb.data, nb.len));
    SH_PASS (sh_note_verify (note, &vkey));
    sh_crypto_sha256_t h;
    sh_export_registry_digest_init (&h);
    for (size_t i = 0; i < 2; i++)
        sh_export_registry_digest_add (&h, sh_export_registry (ex, i)->raw.data, sh_export_registry (ex, i)->raw.len);
    uint8_t digest[SH_HASH_BYTES];
    sh_crypto_sha256_final (&h, digest);
    char *want;
    size_t want_len, text_len;
    SH_PASS (sh_export_registry_text (&want, &want_len, fx.id.origin, 2, digest));
    const char *text = sh_note_text (note, &text_len);
    SH_CHECK (text_len == want_len && memcmp (text, want, want_len) == 0);
    SH_CHECK (strncmp (text + strlen (fx.id.origin), "\nregistry\n2\n", 12) == 0);
    free (want);
    sh_note_destroy (&note);
    sh_export_destroy (&ex);
    SH_CHECK (ex == NULL);
    sh_export_destroy (&ex);

    //  protobuf-c's generated code reads the same message
    Shouhe__V1__Export *x = shouhe__v1__export__unpack (NULL, len, bytes);
    SH_CHECK (x);
    SH_CHECK (x->version == 1 && x->n_registry == 2 && x->n_changes == 5 && x->n_evidence == 1
              && x->n_checkpoints == 2 && x->evidence[0]->n_sides == 2 && x->evidence[0]->seq == 2);
    SH_CHECK (shouhe__v1__export__get_packed_size (x) == len);
    uint8_t *again = malloc (len);
    SH_CHECK (again);
    shouhe__v1__export__pack (x, again);
    SH_CHECK (memcmp (again, bytes, len) == 0);     //  we write exactly what protobuf-c writes
    free (again);
    shouhe__v1__export__free_unpacked (x, NULL);
    free (bytes);
    s_fx_fini (&fx);
}

static void
test_field_numbers (void)
{
    SH_CHECK (shouhe__v1__export__descriptor.n_fields == 10);
    const ProtobufCFieldDescriptor *f = shouhe__v1__export__descriptor.fields;
    const char *names[] = { "version", "origin", "hub_key", "registry", "registry_note", "changes",
                            "evidence", "checkpoints", "epochs", "openings" };
    for (unsigned i = 0; i < 10; i++)
        SH_CHECK (f[i].id == i + 1 && strcmp (f[i].name, names[i]) == 0);
    SH_CHECK (f[9].id == SH_EXPORT_F_OPENINGS && f[9].label == PROTOBUF_C_LABEL_REPEATED);
}

static void
test_file (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    char path[512];
    snprintf (path, sizeof path, "%s/export.pb", fx.dir);
    FILE *f = fopen (path, "wb");
    SH_CHECK (f);
    SH_PASS (sh_export_write (f, fx.store, &fx.id, 0, NULL));
    SH_CHECK (fclose (f) == 0);
    sh_export_t *ex = NULL;
    SH_PASS (sh_export_load (&ex, path, NULL));
    SH_CHECK (sh_export_change_count (ex) == 5);
    sh_export_destroy (&ex);
    snprintf (path, sizeof path, "%s/none.pb", fx.dir);
    SH_FAIL (sh_export_load (&ex, path, NULL), SH_ENOTFOUND);
    SH_CHECK (ex == NULL);
    const char *why = NULL;
    SH_FAIL (sh_export_load (&ex, fx.dir, &why), SH_EPROTO);     //  a directory
    SH_CHECK (why);
    s_fx_fini (&fx);
}

static void
test_log_gap (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    sh_store_txn_t *txn;
    uint8_t k[8];
    sh_store_put_be64 (k, 3);
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    SH_PASS (sh_store_del (txn, SH_DB_LOG, k, sizeof k));
    SH_PASS (sh_store_commit (&txn));
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream (&buf, &size);
    SH_CHECK (f);
    SH_FAIL (sh_export_write (f, fx.store, &fx.id, 0, NULL), SH_ECORRUPT);
    fclose (f);
    free (buf);
    s_fx_fini (&fx);
}

//  A small hand-made export: header, registry_note "n", and extra fields.
static size_t
s_mini (uint8_t *out, const uint8_t *extra, size_t extra_len)
{
    size_t n = 0;
    out[n++] = 0x08; out[n++] = 0x01;                                       //  version 1
    out[n++] = 0x12; out[n++] = 3; memcpy (out + n, "o/x", 3); n += 3;     //  origin
    out[n++] = 0x1a; out[n++] = 32; memset (out + n, 7, 32); n += 32;      //  hub_key
    out[n++] = 0x2a; out[n++] = 1; out[n++] = 'n';                          //  registry_note
    if (extra_len)
        memcpy (out + n, extra, extra_len);
    return n + extra_len;
}

static void
test_strict (void)
{
    uint8_t buf[256];
    const char *why = NULL;
    size_t n = s_mini (buf, NULL, 0);
    sh_export_t *ex = s_parse_copy (buf, n, SH_OK, NULL);
    SH_CHECK (sh_export_change_count (ex) == 0 && strcmp (sh_export_origin (ex), "o/x") == 0);
    sh_export_destroy (&ex);

    //  changes and checkpoints after the note: fine
    const uint8_t tail[] = { 0x32, 0x02, 0xaa, 0xbb, 0x32, 0x00, 0x42, 0x01, 'c' };
    n = s_mini (buf, tail, sizeof tail);
    ex = s_parse_copy (buf, n, SH_OK, NULL);
    SH_CHECK (sh_export_change_count (ex) == 2 && sh_export_change (ex, 1).len == 0);
    SH_CHECK (sh_export_checkpoint_count (ex) == 1);
    sh_export_destroy (&ex);

    //  epoch notes (field 9) after the checkpoints: kept in order
    const uint8_t epochs[] = { 0x42, 0x01, 'c', 0x4a, 0x02, 'e', '2', 0x4a, 0x02, 'e', '3' };
    n = s_mini (buf, epochs, sizeof epochs);
    ex = s_parse_copy (buf, n, SH_OK, NULL);
    SH_CHECK (sh_export_epoch_count (ex) == 2 && sh_export_epoch (ex, 1).len == 2);
    SH_CHECK (memcmp (sh_export_epoch (ex, 1).data, "e3", 2) == 0);
    sh_export_destroy (&ex);

    //  refused
    s_parse_copy (buf, 0, SH_EPROTO, &why);                           //  empty: required fields
    n = s_mini (buf, tail, sizeof tail);
    s_parse_copy (buf, n - 1, SH_EPROTO, &why);                       //  truncated
    SH_CHECK (why && strstr (why, "past the end"));
    const uint8_t unknown[] = { 0x58, 0x00 };                         //  field 11
    n = s_mini (buf, unknown, sizeof unknown);
    s_parse_copy (buf, n, SH_EPROTO, &why);
    SH_CHECK (strstr (why, "does not define"));
    const uint8_t late[] = { 0x08, 0x01 };                            //  version again, at the end
    n = s_mini (buf, late, sizeof late);
    s_parse_copy (buf, n, SH_EPROTO, &why);
    SH_CHECK (strstr (why, "order"));
    const uint8_t twice[] = { 0x2a, 0x01, 'm' };                      //  registry_note twice
    n = s_mini (buf, twice, sizeof twice);
    s_parse_copy (buf, n, SH_EPROTO, &why);
    SH_CHECK (strstr (why, "twice"));
    const uint8_t wiretype[] = { 0x30, 0x01 };                        //  changes as a varint
    n = s_mini (buf, wiretype, sizeof wiretype);
    s_parse_copy (buf, n, SH_EPROTO, &why);
    SH_CHECK (strstr (why, "wire type"));
    const uint8_t fixed64[] = { 0x31, 0, 0, 0, 0, 0, 0, 0, 0 };       //  wire type 1
    n = s_mini (buf, fixed64, sizeof fixed64);
    s_parse_copy (buf, n, SH_EPROTO, &why);
    const uint8_t long_len[] = { 0x32, 0x81, 0x00 };                  //  length 1 in two bytes
    n = s_mini (buf, long_len, sizeof long_len);
    s_parse_copy (buf, n, SH_EPROTO, &why);
    SH_CHECK (strstr (why, "minimal"));
    n = s_mini (buf, NULL, 0);
    buf[1] = 2;                                                       //  version 2
    s_parse_copy (buf, n, SH_EPROTO, &why);
    SH_CHECK (strstr (why, "version"));
    n = s_mini (buf, NULL, 0);
    buf[8] = 31;                                                      //  a 31-byte hub key
    memmove (buf + 9 + 31, buf + 9 + 32, n - (9 + 32));
    s_parse_copy (buf, n - 1, SH_EPROTO, &why);
    SH_CHECK (strstr (why, "hub_key"));

    //  evidence: author of 32 bytes and seq are required, in order
    const uint8_t ev_noseq[] = { 0x3a, 0x22, 0x0a, 0x20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
    n = s_mini (buf, ev_noseq, sizeof ev_noseq);
    s_parse_copy (buf, n, SH_EPROTO, &why);
    SH_CHECK (strstr (why, "Evidence"));
    uint8_t ev_ok[sizeof ev_noseq + 2 + 4];
    memcpy (ev_ok, ev_noseq, sizeof ev_noseq);
    ev_ok[1] = 0x22 + 2 + 4;
    memcpy (ev_ok + sizeof ev_noseq, (const uint8_t[]) { 0x10, 0x05, 0x1a, 0x00, 0x1a, 0x00 }, 6);
    n = s_mini (buf, ev_ok, sizeof ev_ok);
    ex = s_parse_copy (buf, n, SH_OK, NULL);
    SH_CHECK (sh_export_evidence_count (ex) == 1 && sh_export_evidence (ex, 0)->seq == 5
              && sh_export_evidence (ex, 0)->n_sides == 2);
    sh_export_destroy (&ex);

    //  a registry entry that is not a canonical Enrollment: key after scope
    s_fx_t fx;
    s_fx_init (&fx);
    size_t len;
    uint8_t *bytes = s_export_bytes (&fx, &len, NULL);
    Shouhe__V1__Export *x = shouhe__v1__export__unpack (NULL, len, bytes);
    SH_CHECK (x);
    x->registry[0]->scope[0] = 'x';                                   //  not digits
    uint8_t *bad = malloc (len);
    SH_CHECK (bad);
    shouhe__v1__export__pack (x, bad);
    s_parse_copy (bad, len, SH_EPROTO, &why);
    SH_CHECK (strstr (why, "Enrollment"));
    shouhe__v1__export__free_unpacked (x, NULL);
    free (bad);
    free (bytes);
    s_fx_fini (&fx);
}

//  The file at path, whole (caller frees).
static uint8_t *
s_read (const char *path, size_t *len)
{
    FILE *f = fopen (path, "rb");
    SH_CHECK (f);
    char *buf = NULL;
    size_t size = 0;
    FILE *m = open_memstream (&buf, &size);
    SH_CHECK (m);
    int c;
    while ((c = fgetc (f)) != EOF)
        fputc (c, m);
    SH_CHECK (fclose (m) == 0 && fclose (f) == 0);
    *len = size;
    return (uint8_t *) buf;
}

//  Write doc to path.
static void
s_doc_save (const sh_export_doc_t *doc, const char *path)
{
    FILE *f = fopen (path, "wb");
    SH_CHECK (f);
    SH_PASS (sh_export_doc_write (f, doc));
    SH_CHECK (fclose (f) == 0);
}

static void
test_doc (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    char path[512], again[512];
    snprintf (path, sizeof path, "%s/export.pb", fx.dir);
    snprintf (again, sizeof again, "%s/again.pb", fx.dir);
    FILE *f = fopen (path, "wb");
    SH_CHECK (f);
    SH_PASS (sh_export_write (f, fx.store, &fx.id, 0, NULL));
    SH_CHECK (fclose (f) == 0);

    //  loaded and written back unchanged: the same file
    sh_export_doc_t doc;
    SH_PASS (sh_export_doc_load (&doc, path, NULL));
    SH_CHECK (doc.version == SH_EXPORT_VERSION && !strcmp (doc.origin, fx.id.origin));
    SH_CHECK (!memcmp (doc.hub_key, sh_key_public (fx.hub), SH_PUBKEY_BYTES));
    SH_CHECK (doc.n_registry == 2 && doc.n_changes == 5 && doc.n_evidence == 1 && doc.n_checkpoints == 2);
    SH_CHECK (doc.evidence[0].seq == 2 && doc.evidence[0].n_sides == 2);
    for (size_t i = 0; i < 5; i++)
        SH_CHECK (doc.changes[i].len == fx.log_len[i] && !memcmp (doc.changes[i].data, fx.log[i], fx.log_len[i]));
    s_doc_save (&doc, again);
    size_t la, lb;
    uint8_t *a = s_read (path, &la), *b = s_read (again, &lb);
    SH_CHECK (la == lb && !memcmp (a, b, la));
    free (a);
    free (b);

    //  edited: change 2 dropped, change 1 replaced, a byte of a side flipped
    free (doc.changes[1].data);
    memmove (&doc.changes[1], &doc.changes[2], 3 * sizeof doc.changes[0]);
    doc.n_changes--;
    free (doc.changes[0].data);
    doc.changes[0].data = (uint8_t *) strdup ("not a change");
    doc.changes[0].len = strlen ("not a change");
    doc.evidence[0].sides[1].data[0] ^= 1;
    s_doc_save (&doc, again);
    sh_export_t *ex = NULL;
    SH_PASS (sh_export_load (&ex, again, NULL));   //  still an export: nothing is verified
    SH_CHECK (sh_export_change_count (ex) == 4 && sh_export_evidence_count (ex) == 1);
    sh_export_bytes_t c0 = sh_export_change (ex, 0), c1 = sh_export_change (ex, 1);
    SH_CHECK (c0.len == 12 && !memcmp (c0.data, "not a change", 12));
    SH_CHECK (c1.len == fx.log_len[2] && !memcmp (c1.data, fx.log[2], c1.len));
    SH_CHECK (sh_export_checkpoint_count (ex) == 2 && sh_export_registry_count (ex) == 2);
    sh_export_destroy (&ex);
    sh_export_doc_fini (&doc);
    sh_export_doc_fini (&doc);      //  idempotent
    SH_CHECK (doc.changes == NULL && doc.origin == NULL);

    //  what cannot be loaded leaves the document empty
    snprintf (path, sizeof path, "%s/none.pb", fx.dir);
    SH_FAIL (sh_export_doc_load (&doc, path, NULL), SH_ENOTFOUND);
    SH_CHECK (doc.changes == NULL && doc.n_changes == 0);
    s_fx_fini (&fx);
}

/* --------------------------------------------------------------------------
 * Openings (an export with personal data)
 * -------------------------------------------------------------------------- */

#define S_NAME "\xe7\x8e\x8b\xe7\xa7\x80\xe8\x8b\xb1"      //  王秀英
#define S_PHONE "13800000001"

//  Does [p, p + len) hold text?
static bool
s_holds (const uint8_t *p, size_t len, const char *text)
{
    return memmem (p, len, text, strlen (text)) != NULL;
}

//  Log index 6: a person of node a with its name and phone sealed, merged,
//  its two openings kept in the store. Its change in *c (fini it).
static void
s_fx_sealed (s_fx_t *fx, sh_change_t *c)
{
    Shouhe__V1__Person p = SHOUHE__V1__PERSON__INIT;
    p.name = (char *) S_NAME;
    p.courtyard = (char *) S_VA "001";
    p.phone = (char *) S_PHONE;
    uint8_t body[128];
    size_t len = shouhe__v1__person__pack (&p, body);
    sh_seal_split_t sp;
    SH_PASS (sh_seal_split (SH_KIND_PERSON, body, len, &sp));
    SH_CHECK (sp.n == 2);
    sh_change_t a3;
    uint8_t prev[SH_HASH_BYTES];
    SH_PASS (sh_change_open (&a3, prev, fx->log[4], fx->log_len[4], NULL));
    sh_change_t w = { .seq = 4, .hlc = ((uint64_t) 5000 << 16) + 6, .kind = SH_KIND_PERSON, .op = SH_OP_PUT,
                      .body = sp.body, .body_len = sp.body_len, .n_seals = sp.n };
    memcpy (w.author, a3.author, SH_PUBKEY_BYTES);
    memcpy (w.prev, prev, SH_HASH_BYTES);
    sh_change_fini (&a3);
    snprintf (w.region, sizeof w.region, "%s", S_VA "001");
    w.entity = (const uint8_t *) "person-1";
    w.entity_len = strlen ("person-1");
    memcpy (w.seals, sp.seals, sizeof w.seals);
    uint8_t *bytes, *signed_bytes, hash[SH_HASH_BYTES];
    size_t blen, slen, kept = 0;
    SH_PASS (sh_change_encode (&w, &bytes, &blen));
    SH_PASS (sh_change_sign (&signed_bytes, &slen, bytes, blen, fx->a));
    free (bytes);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx->store, true, &txn));
    s_append (txn, signed_bytes, slen, hash);
    SH_PASS (sh_change_open (c, NULL, signed_bytes, slen, NULL));
    SH_PASS (sh_merge_apply (txn, c));
    SH_PASS (sh_merge_openings (txn, c, sp.openings, sp.n, &kept));
    SH_CHECK (kept == 2);
    SH_PASS (sh_store_commit (&txn));
    SH_CHECK (!s_holds (signed_bytes, slen, S_NAME) && !s_holds (signed_bytes, slen, S_PHONE));
    free (signed_bytes);
    sh_seal_split_fini (&sp);
}

static void
test_openings (void)
{
    s_fx_t fx;
    s_fx_init (&fx);
    sh_change_t c;
    s_fx_sealed (&fx, &c);
    size_t plen, len;
    sh_export_stats_t pst, st;
    uint8_t *plain = s_export_with (&fx, 0, &plen, &pst);
    uint8_t *bytes = s_export_with (&fx, SH_EXPORT_PERSONAL, &len, &st);
    SH_CHECK (pst.changes == 6 && pst.openings == 0 && pst.tree_size == 6);
    SH_CHECK (st.changes == 6 && st.openings == 2 && st.tree_size == 6 && st.bytes == len);

    //  the public export: commitments only
    SH_CHECK (!s_holds (plain, plen, S_NAME) && !s_holds (plain, plen, S_PHONE));
    sh_export_t *ex = s_parse_copy (plain, plen, SH_OK, NULL);
    SH_CHECK (sh_export_opening_count (ex) == 0 && sh_export_change_count (ex) == 6);
    sh_export_destroy (&ex);

    //  with personal data: the same bytes, then the openings (field 10, tag 0x52)
    SH_CHECK (len > plen && memcmp (bytes, plain, plen) == 0 && bytes[plen] == 0x52);
    SH_CHECK (s_holds (bytes, len, S_NAME) && s_holds (bytes, len, S_PHONE));
    ex = s_parse_copy (bytes, len, SH_OK, NULL);
    SH_CHECK (sh_export_opening_count (ex) == 2);
    uint32_t fields[2] = { 1, 6 };
    for (size_t i = 0; i < 2; i++) {
        const sh_export_opening_t *op = sh_export_opening (ex, i);
        SH_CHECK (op->change == 5 && op->opening.field == fields[i]);
        SH_PASS (sh_seal_verify (&c.seals[i], &op->opening));
    }
    SH_CHECK (s_holds (sh_export_opening (ex, 0)->opening.value, sh_export_opening (ex, 0)->opening.value_len,
                       S_NAME));
    sh_export_destroy (&ex);

    //  protobuf-c reads the openings and packs exactly these bytes
    Shouhe__V1__Export *x = shouhe__v1__export__unpack (NULL, len, bytes);
    SH_CHECK (x && x->n_openings == 2 && x->openings[1]->change == 5 && x->openings[1]->field == 6);
    SH_CHECK (x->openings[0]->salt.len == SH_SEAL_SALT_BYTES);
    uint8_t *again = malloc (len);
    SH_CHECK (again && shouhe__v1__export__pack (x, again) == len && memcmp (again, bytes, len) == 0);
    free (again);
    shouhe__v1__export__free_unpacked (x, NULL);

    //  a document keeps the openings: written back, the same file
    char path[512], back[512];
    snprintf (path, sizeof path, "%s/personal.pb", fx.dir);
    snprintf (back, sizeof back, "%s/back.pb", fx.dir);
    FILE *f = fopen (path, "wb");
    SH_CHECK (f && fwrite (bytes, 1, len, f) == len && fclose (f) == 0);
    sh_export_doc_t doc;
    SH_PASS (sh_export_doc_load (&doc, path, NULL));
    SH_CHECK (doc.n_openings == 2 && doc.openings[1].change == 5 && doc.openings[1].field == 6);
    s_doc_save (&doc, back);
    size_t lb;
    uint8_t *b = s_read (back, &lb);
    SH_CHECK (lb == len && !memcmp (b, bytes, len));
    free (b);
    sh_export_doc_fini (&doc);
    SH_CHECK (doc.openings == NULL && doc.n_openings == 0);

    sh_change_fini (&c);
    free (plain);
    free (bytes);
    s_fx_fini (&fx);
}

//  An Opening message of change 5, field 1, a salt of salt_len bytes and
//  value "v", as field 10 at out; fields in the order given. Its length.
static size_t
s_opening (uint8_t *out, size_t salt_len, bool swapped)
{
    uint8_t m[64];
    size_t n = 0;
    if (swapped) {
        m[n++] = 0x10; m[n++] = 0x01;                                   //  field first
        m[n++] = 0x08; m[n++] = 0x05;
    }
    else {
        m[n++] = 0x08; m[n++] = 0x05;                                   //  change 5
        m[n++] = 0x10; m[n++] = 0x01;                                   //  field 1
    }
    m[n++] = 0x1a; m[n++] = (uint8_t) salt_len; memset (m + n, 9, salt_len); n += salt_len;
    m[n++] = 0x22; m[n++] = 1; m[n++] = 'v';                           //  value
    out[0] = 0x52;
    out[1] = (uint8_t) n;
    memcpy (out + 2, m, n);
    return n + 2;
}

static void
test_openings_strict (void)
{
    uint8_t buf[256], extra[128];
    const char *why = NULL;
    //  after the epochs: fine, as many as there are
    size_t e = 0;
    memcpy (extra, (const uint8_t[]) { 0x4a, 0x01, 'e' }, 3);
    e = 3;
    e += s_opening (extra + e, SH_SEAL_SALT_BYTES, false);
    e += s_opening (extra + e, SH_SEAL_SALT_BYTES, false);
    size_t n = s_mini (buf, extra, e);
    sh_export_t *ex = s_parse_copy (buf, n, SH_OK, NULL);
    SH_CHECK (sh_export_opening_count (ex) == 2 && sh_export_epoch_count (ex) == 1);
    const sh_export_opening_t *op = sh_export_opening (ex, 1);
    SH_CHECK (op->change == 5 && op->opening.field == 1 && op->opening.salt[31] == 9);
    SH_CHECK (op->opening.value_len == 1 && op->opening.value[0] == 'v');
    sh_export_destroy (&ex);

    //  refused: an opening before the epochs (field order)
    e = s_opening (extra, SH_SEAL_SALT_BYTES, false);
    memcpy (extra + e, (const uint8_t[]) { 0x4a, 0x01, 'e' }, 3);
    n = s_mini (buf, extra, e + 3);
    s_parse_copy (buf, n, SH_EPROTO, &why);
    SH_CHECK (strstr (why, "order"));
    //  an Opening's fields out of order; a salt of 31 bytes
    n = s_mini (buf, extra, s_opening (extra, SH_SEAL_SALT_BYTES, true));
    s_parse_copy (buf, n, SH_EPROTO, &why);
    SH_CHECK (strstr (why, "Opening"));
    n = s_mini (buf, extra, s_opening (extra, 31, false));
    s_parse_copy (buf, n, SH_EPROTO, &why);
    SH_CHECK (strstr (why, "salt"));
    //  without its value (the message cut short before it)
    e = s_opening (extra, SH_SEAL_SALT_BYTES, false);
    extra[1] -= 3;
    n = s_mini (buf, extra, e - 3);
    s_parse_copy (buf, n, SH_EPROTO, &why);
    SH_CHECK (strstr (why, "Opening"));
    //  a change number over 32 bits
    const uint8_t big[] = { 0x52, 0x0c, 0x08, 0x80, 0x80, 0x80, 0x80, 0x10, 0x10, 0x01, 0x1a, 0x00, 0x22, 0x00 };
    n = s_mini (buf, big, sizeof big);
    s_parse_copy (buf, n, SH_EPROTO, &why);
    SH_CHECK (strstr (why, "32 bits"));
    //  openings as a varint
    const uint8_t varint[] = { 0x50, 0x01 };
    n = s_mini (buf, varint, sizeof varint);
    s_parse_copy (buf, n, SH_EPROTO, &why);
    SH_CHECK (strstr (why, "wire type"));
    //  field 11
    const uint8_t unknown[] = { 0x5a, 0x00 };
    n = s_mini (buf, unknown, sizeof unknown);
    s_parse_copy (buf, n, SH_EPROTO, &why);
    SH_CHECK (strstr (why, "does not define"));
}

static const sh_test_case_t tests[] = {
    { "round trip", test_round_trip },
    { "field numbers", test_field_numbers },
    { "file", test_file },
    { "document", test_doc },
    { "log gap", test_log_gap },
    { "strict", test_strict },
    { "openings", test_openings },
    { "openings strict", test_openings_strict },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
