/*  sh_export_tamper -- rewrite a hub export on purpose (auditor tamper tests only).

    Usage:
        sh_export_tamper IN OUT flip N [BYTE_OFFSET]     flip the low bit of one byte of change N
        sh_export_tamper IN OUT drop N                   remove change N
        sh_export_tamper IN OUT swap N M                 swap changes N and M
        sh_export_tamper IN OUT fork N KEYFILE           replace change N by another change at the same
                                                         seq (hlc + 1), validly signed with KEYFILE
        sh_export_tamper IN OUT prev N KEYFILE           replace change N by the same change with one
                                                         bit of its prev flipped, validly signed with KEYFILE
        sh_export_tamper IN OUT substitute-key I KEYHEX  replace the key of registry entry I by KEYHEX
        sh_export_tamper IN OUT append-foreign KEYFILE REGION [BODYHEX]
                                                         append a validly signed change by KEYFILE that
                                                         continues its chain, about a courtyard in REGION:
                                                         a DELETE, or a PUT of body BODYHEX
        sh_export_tamper IN OUT append-log NODEDIR [INDEX]
                                                         append the SignedChange at INDEX (default: the
                                                         last) of a node's log
        sh_export_tamper IN OUT evidence-flip E          flip the last digit of the region of the first side
                                                         of evidence record E
        sh_export_tamper IN OUT forge-checkpoint KEYFILE replace the last checkpoint by one with the same
                                                         text signed by KEYFILE (under the hub's origin)
        sh_export_tamper IN OUT rewrite-checkpoint HUBKEYFILE
                                                         replace the last checkpoint by one validly signed
                                                         with HUBKEYFILE, of the same size, whose root is
                                                         that of a tree where change 1 was rewritten
        sh_export_tamper IN OUT opening-flip J           flip the low bit of the last byte of the value of
                                                         opening J (an export --with-personal)
        sh_export_tamper IN OUT opening-index J I        make opening J name the change at log index I
        sh_export_tamper IN OUT opening-swap J K         swap openings J and K (each still opens its
                                                         seal: only their order breaks)

    N, M and INDEX are log indexes (1-based), I a registry entry (1-based)
    (opening-index: a log index, which may lie beyond the changes), J an
    opening (1-based), as is K.
    flip without BYTE_OFFSET flips the last digit of the change's region
    ('0' <-> '1' ...), so the change still parses and only its signature
    breaks. Nothing else is touched: the registry note and the checkpoints
    keep what the hub signed. The file is read into an editable
    sh_export_doc_t and written back with sh_export_doc_write (a test tool:
    it holds the export in memory twice).
    Exit status: 0 done, 1 failed, 2 usage.
*/
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sh_change.h"
#include "sh_changelog.h"
#include "sh_crypto.h"
#include "sh_export.h"
#include "sh_key.h"
#include "sh_merkle.h"
#include "sh_note.h"
#include "sh_store.h"

/* --------------------------------------------------------------------------
 * Helpers
 * -------------------------------------------------------------------------- */

static int
s_usage (void)
{
    fprintf (stderr,
             "usage: sh_export_tamper IN OUT flip N [BYTE_OFFSET]\n"
             "       sh_export_tamper IN OUT drop N\n"
             "       sh_export_tamper IN OUT swap N M\n"
             "       sh_export_tamper IN OUT fork N KEYFILE\n"
             "       sh_export_tamper IN OUT prev N KEYFILE\n"
             "       sh_export_tamper IN OUT substitute-key I KEYHEX\n"
             "       sh_export_tamper IN OUT append-foreign KEYFILE REGION [BODYHEX]\n"
             "       sh_export_tamper IN OUT append-log NODEDIR [INDEX]\n"
             "       sh_export_tamper IN OUT evidence-flip E\n"
             "       sh_export_tamper IN OUT forge-checkpoint KEYFILE\n"
             "       sh_export_tamper IN OUT rewrite-checkpoint HUBKEYFILE\n"
             "       sh_export_tamper IN OUT opening-flip J\n"
             "       sh_export_tamper IN OUT opening-index J I\n"
             "       sh_export_tamper IN OUT opening-swap J K\n");
    return 2;
}

static int
s_fail (const char *what, sh_err err)
{
    fprintf (stderr, "sh_export_tamper: %s: %s\n", what, sh_strerror (err));
    return 1;
}

static bool
s_parse_u64 (const char *text, uint64_t *out)
{
    if (!text || *text < '0' || *text > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull (text, &end, 10);
    if (errno || *end)
        return false;
    *out = (uint64_t) v;
    return true;
}

//  A change index argument: 1..n.
static bool
s_index (const char *text, size_t n, size_t *i)
{
    uint64_t v;
    if (!s_parse_u64 (text, &v) || v == 0 || v > n) {
        fprintf (stderr, "sh_export_tamper: '%s' is not in 1..%zu\n", text ? text : "", n);
        return false;
    }
    *i = (size_t) (v - 1);
    return true;
}

//  Replace blob by the malloc'ed bytes (data, len), which it then owns.
static void
s_blob_set (sh_export_blob_t *blob, uint8_t *data, size_t len)
{
    free (blob->data);
    blob->data = data;
    blob->len = len;
}

//  Offset of the last region digit inside SignedChange bytes, or -1.
static long
s_region_offset (const uint8_t *bytes, size_t len)
{
    uint8_t *change = NULL;
    size_t change_len;
    uint8_t sig[SH_SIG_BYTES];
    if (sh_change_unwrap (&change, &change_len, sig, bytes, len) != SH_OK)
        return -1;
    sh_change_t c;
    long offset = -1;
    if (sh_change_decode (&c, change, change_len, NULL) == SH_OK) {
        size_t rlen = strlen (c.region);
        for (size_t i = 0; i + 2 + rlen <= len; i++)
            if (bytes[i] == 0x2a && (size_t) bytes[i + 1] == rlen
            &&  memcmp (bytes + i + 2, c.region, rlen) == 0) {
                offset = (long) (i + 2 + rlen - 1);
                break;
            }
        sh_change_fini (&c);
    }
    free (change);
    return offset;
}

//  The highest seq of author among the export's changes, and its hash.
static void
s_head (const sh_export_doc_t *x, const uint8_t author[SH_PUBKEY_BYTES], uint64_t *seq,
        uint8_t hash[SH_HASH_BYTES])
{
    *seq = 0;
    memset (hash, 0, SH_HASH_BYTES);
    for (size_t i = 0; i < x->n_changes; i++) {
        sh_change_t c;
        uint8_t h[SH_HASH_BYTES];
        if (sh_change_open (&c, h, x->changes[i].data, x->changes[i].len, NULL) != SH_OK)
            continue;
        if (memcmp (c.author, author, SH_PUBKEY_BYTES) == 0 && c.seq > *seq) {
            *seq = c.seq;
            memcpy (hash, h, SH_HASH_BYTES);
        }
        sh_change_fini (&c);
    }
}

static uint64_t
s_now_hlc (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    uint64_t ms = (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
    return ms << 16;
}

/* --------------------------------------------------------------------------
 * Commands
 * -------------------------------------------------------------------------- */

static int
s_flip (sh_export_doc_t *x, char **args, int n)
{
    size_t i;
    if (n < 1 || !s_index (args[0], x->n_changes, &i))
        return s_usage ();
    sh_export_blob_t *b = &x->changes[i];
    uint64_t offset;
    if (n > 1) {
        if (!s_parse_u64 (args[1], &offset) || offset >= b->len)
            return s_usage ();
    }
    else {
        long at = s_region_offset (b->data, b->len);
        offset = at >= 0 ? (uint64_t) at : b->len - 1;
    }
    b->data[offset] ^= 1;
    printf ("flipped byte %" PRIu64 " of change %zu\n", offset, i + 1);
    return 0;
}

static int
s_drop (sh_export_doc_t *x, char **args, int n)
{
    size_t i;
    if (n < 1 || !s_index (args[0], x->n_changes, &i))
        return s_usage ();
    free (x->changes[i].data);
    memmove (&x->changes[i], &x->changes[i + 1], (x->n_changes - i - 1) * sizeof x->changes[0]);
    x->n_changes--;
    printf ("dropped change %zu\n", i + 1);
    return 0;
}

static int
s_swap (sh_export_doc_t *x, char **args, int n)
{
    size_t i, j;
    if (n < 2 || !s_index (args[0], x->n_changes, &i) || !s_index (args[1], x->n_changes, &j))
        return s_usage ();
    sh_export_blob_t t = x->changes[i];
    x->changes[i] = x->changes[j];
    x->changes[j] = t;
    printf ("swapped changes %zu and %zu\n", i + 1, j + 1);
    return 0;
}

//  Sign a change (hand-filled) with key. Caller owns out->data.
static sh_err
s_sign (const sh_change_t *c, const sh_key_t *key, sh_export_blob_t *out)
{
    uint8_t *bytes = NULL;
    size_t len;
    sh_err rc = sh_change_encode (c, &bytes, &len);
    if (rc == SH_OK)
        rc = sh_change_sign (&out->data, &out->len, bytes, len, key);
    free (bytes);
    return rc;
}

//  fork: change N again at its seq, hlc + 1; prev: change N with one bit
//  of its prev flipped (a chain that does not continue where it should).
static int
s_fork (sh_export_doc_t *x, char **args, int n, bool wrong_prev)
{
    size_t i;
    if (n < 2 || !s_index (args[0], x->n_changes, &i))
        return s_usage ();
    sh_key_t *key;
    sh_err rc = sh_key_load (&key, args[1]);
    if (rc)
        return s_fail (args[1], rc);
    sh_change_t c;
    rc = sh_change_open (&c, NULL, x->changes[i].data, x->changes[i].len, NULL);
    if (rc) {
        sh_key_destroy (&key);
        return s_fail ("open the change", rc);
    }
    if (memcmp (c.author, sh_key_public (key), SH_PUBKEY_BYTES) != 0) {
        fprintf (stderr, "sh_export_tamper: change %zu is not written by the key in %s\n", i + 1, args[1]);
        sh_change_fini (&c);
        sh_key_destroy (&key);
        return 1;
    }
    sh_change_t other = c;
    other.pb_ = NULL;
    if (wrong_prev)
        other.prev[0] ^= 0x01;
    else
        other.hlc = c.hlc + 1;
    sh_export_blob_t out;
    rc = s_sign (&other, key, &out);
    uint64_t seq = c.seq;
    sh_change_fini (&c);
    sh_key_destroy (&key);
    if (rc)
        return s_fail ("sign the other change", rc);
    s_blob_set (&x->changes[i], out.data, out.len);
    printf ("%s: change %zu (seq %" PRIu64 ") replaced by another validly signed change\n",
            wrong_prev ? "prev" : "forked", i + 1, seq);
    return 0;
}

static int
s_substitute_key (sh_export_doc_t *x, char **args, int n)
{
    size_t i;
    uint8_t key[SH_PUBKEY_BYTES];
    if (n < 2 || !s_index (args[0], x->n_registry, &i) || sh_crypto_unhex (key, sizeof key, args[1]) != SH_OK)
        return s_usage ();
    //  Enrollment.key is field 1 (wire.proto): the first field, its 32 bytes
    //  after the tag 0x0a and the length 32
    sh_export_blob_t *e = &x->registry[i];
    if (e->len < 2 + SH_PUBKEY_BYTES || e->data[0] != 0x0a || e->data[1] != SH_PUBKEY_BYTES)
        return 1;
    memcpy (e->data + 2, key, SH_PUBKEY_BYTES);
    printf ("registry entry %zu now names key %s\n", i + 1, args[1]);
    return 0;
}

//  Append bytes (a malloc'ed buffer the document then owns) as the last change.
static int
s_append (sh_export_doc_t *x, uint8_t *bytes, size_t len)
{
    sh_export_blob_t *more = realloc (x->changes, (x->n_changes + 1) * sizeof *more);
    if (!more) {
        free (bytes);
        return s_fail ("append", SH_ENOMEM);
    }
    more[x->n_changes] = (sh_export_blob_t) { bytes, len };
    x->changes = more;
    x->n_changes++;
    return 0;
}

static int
s_append_foreign (sh_export_doc_t *x, char **args, int n)
{
    if (n < 2)
        return s_usage ();
    sh_key_t *key;
    sh_err rc = sh_key_load (&key, args[0]);
    if (rc)
        return s_fail (args[0], rc);
    sh_change_t c;
    memset (&c, 0, sizeof c);
    memcpy (c.author, sh_key_public (key), SH_PUBKEY_BYTES);
    s_head (x, c.author, &c.seq, c.prev);
    c.seq++;
    c.hlc = s_now_hlc ();
    snprintf (c.region, sizeof c.region, "%s", args[1]);
    c.kind = SH_KIND_COURTYARD;
    c.entity = (const uint8_t *) c.region;
    c.entity_len = strlen (c.region);
    c.op = SH_OP_DELETE;
    uint8_t body[256];
    if (n > 2) {
        size_t hl = strlen (args[2]);
        if (hl % 2 || hl / 2 > sizeof body || sh_crypto_unhex (body, hl / 2, args[2]) != SH_OK) {
            sh_key_destroy (&key);
            return s_usage ();
        }
        c.op = SH_OP_PUT;
        c.body = body;
        c.body_len = hl / 2;
    }
    sh_export_blob_t out;
    rc = s_sign (&c, key, &out);
    sh_key_destroy (&key);
    if (rc)
        return s_fail ("sign the change", rc);
    if (s_append (x, out.data, out.len))
        return 1;
    printf ("appended change %zu: seq %" PRIu64 " in region %s\n", x->n_changes, c.seq, c.region);
    return 0;
}

static int
s_append_log (sh_export_doc_t *x, char **args, int n)
{
    if (n < 1)
        return s_usage ();
    sh_store_t *store;
    sh_err rc = sh_store_open (&store, args[0], false, 0);
    if (rc)
        return s_fail (args[0], rc);
    sh_store_txn_t *txn;
    uint64_t index = 0, size = 0;
    const uint8_t *bytes;
    size_t len = 0;
    uint8_t *copy = NULL;
    rc = sh_store_begin (store, false, &txn);
    if (rc == SH_OK)
        rc = sh_changelog_size (txn, &size);
    if (rc == SH_OK && n > 1 && (!s_parse_u64 (args[1], &index) || index == 0 || index > size))
        rc = SH_EINVAL;
    if (rc == SH_OK && n < 2)
        index = size;
    if (rc == SH_OK)
        rc = sh_changelog_get (txn, index, &bytes, &len);
    if (rc == SH_OK && !(copy = malloc (len)))
        rc = SH_ENOMEM;
    if (rc == SH_OK)
        memcpy (copy, bytes, len);
    sh_store_abort (&txn);
    sh_store_close (&store);
    if (rc)
        return s_fail ("read the node's log", rc);
    if (s_append (x, copy, len))
        return 1;
    printf ("appended change %zu: entry %" PRIu64 " of %s\n", x->n_changes, index, args[0]);
    return 0;
}

static int
s_evidence_flip (sh_export_doc_t *x, char **args, int n)
{
    size_t i;
    if (n < 1 || !s_index (args[0], x->n_evidence, &i) || x->evidence[i].n_sides == 0)
        return s_usage ();
    sh_export_blob_t *b = &x->evidence[i].sides[0];
    long at = s_region_offset (b->data, b->len);
    size_t offset = at >= 0 ? (size_t) at : b->len - 1;
    b->data[offset] ^= 1;
    printf ("flipped byte %zu of side 1 of evidence %zu\n", offset, i + 1);
    return 0;
}

//  Replace the last checkpoint by text signed with key under the origin.
static int
s_replace_checkpoint (sh_export_doc_t *x, const char *text, size_t text_len, const sh_key_t *key)
{
    char *note;
    size_t note_len;
    sh_err rc = sh_note_sign (&note, &note_len, text, text_len, key, x->origin);
    if (rc)
        return s_fail ("sign the checkpoint", rc);
    s_blob_set (&x->checkpoints[x->n_checkpoints - 1], (uint8_t *) note, note_len);
    printf ("replaced checkpoint %zu\n", x->n_checkpoints);
    return 0;
}

static int
s_forge_checkpoint (sh_export_doc_t *x, char **args, int n)
{
    if (n < 1 || x->n_checkpoints == 0)
        return s_usage ();
    sh_key_t *key;
    sh_err rc = sh_key_load (&key, args[0]);
    if (rc)
        return s_fail (args[0], rc);
    sh_note_t *note;
    const sh_export_blob_t *last = &x->checkpoints[x->n_checkpoints - 1];
    rc = sh_note_parse (&note, (const char *) last->data, last->len);
    int ret = rc ? s_fail ("parse the last checkpoint", rc) : 0;
    if (!ret) {
        size_t tl;
        const char *text = sh_note_text (note, &tl);
        ret = s_replace_checkpoint (x, text, tl, key);
    }
    sh_note_destroy (&note);
    sh_key_destroy (&key);
    return ret;
}

static int
s_rewrite_checkpoint (sh_export_doc_t *x, char **args, int n)
{
    if (n < 1 || x->n_checkpoints == 0)
        return s_usage ();
    sh_note_t *note;
    const sh_export_blob_t *last = &x->checkpoints[x->n_checkpoints - 1];
    sh_err rc = sh_note_parse (&note, (const char *) last->data, last->len);
    if (rc)
        return s_fail ("parse the last checkpoint", rc);
    sh_note_checkpoint_t cp;
    size_t tl;
    const char *t = sh_note_text (note, &tl);
    rc = sh_note_checkpoint_parse (&cp, t, tl);
    sh_note_destroy (&note);
    if (rc || cp.size == 0 || cp.size > x->n_changes)
        return s_fail ("read the last checkpoint", rc ? rc : SH_EINVAL);
    //  the same log, but change 1 rewritten
    uint8_t (*leaves)[SH_HASH_BYTES] = calloc (cp.size, SH_HASH_BYTES);
    if (!leaves)
        return s_fail ("hash", SH_ENOMEM);
    for (size_t i = 0; i < cp.size; i++)
        sh_merkle_leaf_hash (leaves[i], x->changes[i].data, x->changes[i].len);
    static const uint8_t rewritten[] = "a rewritten first change";
    sh_merkle_leaf_hash (leaves[0], rewritten, sizeof rewritten);
    uint8_t root[SH_HASH_BYTES];
    sh_merkle_root_of ((const uint8_t (*)[SH_HASH_BYTES]) leaves, cp.size, root);
    free (leaves);
    char *text;
    size_t text_len;
    rc = sh_note_checkpoint_format (&text, &text_len, x->origin, cp.size, root, NULL);
    if (rc)
        return s_fail ("format", rc);
    sh_key_t *key;
    rc = sh_key_load (&key, args[0]);
    int ret = rc ? s_fail (args[0], rc) : s_replace_checkpoint (x, text, text_len, key);
    sh_key_destroy (&key);
    free (text);
    return ret;
}

static int
s_opening_flip (sh_export_doc_t *x, char **args, int n)
{
    size_t j;
    if (n < 1 || !s_index (args[0], x->n_openings, &j) || x->openings[j].value.len == 0)
        return s_usage ();
    sh_export_blob_t *v = &x->openings[j].value;
    v->data[v->len - 1] ^= 1;
    printf ("flipped the last byte of the value of opening %zu (change %" PRIu32 ", field %" PRIu32 ")\n", j + 1,
            x->openings[j].change, x->openings[j].field);
    return 0;
}

static int
s_opening_index (sh_export_doc_t *x, char **args, int n)
{
    size_t j;
    uint64_t index;
    if (n < 2 || !s_index (args[0], x->n_openings, &j) || !s_parse_u64 (args[1], &index) || index == 0
    ||  index - 1 > UINT32_MAX)
        return s_usage ();
    x->openings[j].change = (uint32_t) (index - 1);
    printf ("opening %zu now names log index %" PRIu64 "\n", j + 1, index);
    return 0;
}

static int
s_opening_swap (sh_export_doc_t *x, char **args, int n)
{
    size_t j, k;
    if (n < 2 || !s_index (args[0], x->n_openings, &j) || !s_index (args[1], x->n_openings, &k))
        return s_usage ();
    sh_export_doc_opening_t t = x->openings[j];
    x->openings[j] = x->openings[k];
    x->openings[k] = t;
    printf ("swapped openings %zu and %zu\n", j + 1, k + 1);
    return 0;
}

/* --------------------------------------------------------------------------
 * Main
 * -------------------------------------------------------------------------- */

int
main (int argc, char **argv)
{
    if (argc < 4)
        return s_usage ();
    if (sh_crypto_init () != SH_OK)
        return 1;
    sh_export_doc_t doc;
    sh_export_doc_t *x = &doc;
    const char *why = NULL;
    sh_err rc = sh_export_doc_load (x, argv[1], &why);
    if (rc) {
        fprintf (stderr, "sh_export_tamper: cannot read %s: %s%s%s\n", argv[1], sh_strerror (rc),
                 why ? ": " : "", why ? why : "");
        return 1;
    }
    const char *cmd = argv[3];
    char **args = argv + 4;
    int n = argc - 4;
    int ret;
    if (!strcmp (cmd, "flip")) ret = s_flip (x, args, n);
    else if (!strcmp (cmd, "drop")) ret = s_drop (x, args, n);
    else if (!strcmp (cmd, "swap")) ret = s_swap (x, args, n);
    else if (!strcmp (cmd, "fork")) ret = s_fork (x, args, n, false);
    else if (!strcmp (cmd, "prev")) ret = s_fork (x, args, n, true);
    else if (!strcmp (cmd, "substitute-key")) ret = s_substitute_key (x, args, n);
    else if (!strcmp (cmd, "append-foreign")) ret = s_append_foreign (x, args, n);
    else if (!strcmp (cmd, "append-log")) ret = s_append_log (x, args, n);
    else if (!strcmp (cmd, "evidence-flip")) ret = s_evidence_flip (x, args, n);
    else if (!strcmp (cmd, "forge-checkpoint")) ret = s_forge_checkpoint (x, args, n);
    else if (!strcmp (cmd, "rewrite-checkpoint")) ret = s_rewrite_checkpoint (x, args, n);
    else if (!strcmp (cmd, "opening-flip")) ret = s_opening_flip (x, args, n);
    else if (!strcmp (cmd, "opening-index")) ret = s_opening_index (x, args, n);
    else if (!strcmp (cmd, "opening-swap")) ret = s_opening_swap (x, args, n);
    else ret = s_usage ();
    if (ret == 0) {
        FILE *f = fopen (argv[2], "wb");
        bool ok = f && sh_export_doc_write (f, x) == SH_OK;
        if ((f && fclose (f) != 0) || !ok) {
            fprintf (stderr, "sh_export_tamper: cannot write %s\n", argv[2]);
            ret = 1;
        }
    }
    sh_export_doc_fini (x);
    return ret;
}
