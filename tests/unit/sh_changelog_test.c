/*  sh_changelog_test -- appending signed changes and verifying the log.

    Real Ed25519 keys and signatures throughout. The tamper tests damage a
    good log the way tests/tools/sh_tamper does (and a few ways it does not:
    the CHAIN, HEADS and META entries) and check that verify names the right
    entry and the right kind of fault.
*/
#include "sh_test.h"

#include "sh_change.h"
#include "sh_changelog.h"
#include "sh_key.h"
#include "sh_store.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>

/* --------------------------------------------------------------------------
 * Helpers: writers that make chains of signed changes
 * -------------------------------------------------------------------------- */

typedef struct {
    sh_key_t *key;                  //  the author
    uint64_t seq;                   //  seq of its last change made
    uint8_t prev[SH_HASH_BYTES];    //  hash of its last change made
} s_writer_t;

static sh_key_t *
s_key (uint8_t n)
{
    uint8_t seed[SH_SEED_BYTES];
    memset (seed, n, sizeof seed);
    sh_key_t *key = sh_key_from_seed (seed);
    SH_CHECK (key);
    return key;
}

static void
s_writer_init (s_writer_t *w, uint8_t n)
{
    memset (w, 0, sizeof *w);
    w->key = s_key (n);
}

//  A signed change by key at (seq, prev), with a body naming tag.
//  Caller owns *out.
static void
s_make (uint8_t **out, size_t *out_len, uint8_t hash[SH_HASH_BYTES],
        const sh_key_t *key, uint64_t seq, const uint8_t prev[SH_HASH_BYTES], const char *tag)
{
    sh_change_t c = { 0 };
    memcpy (c.author, sh_key_public (key), SH_PUBKEY_BYTES);
    c.seq = seq;
    memcpy (c.prev, prev, SH_HASH_BYTES);
    c.hlc = ((uint64_t) 1700000000000 << 16) + seq;
    strcpy (c.region, "500115001002");
    c.kind = SH_KIND_COURTYARD;
    c.entity = (const uint8_t *) "cy-7";
    c.entity_len = 4;
    c.op = SH_OP_PUT;
    c.body = (const uint8_t *) tag;
    c.body_len = strlen (tag);
    uint8_t *change;
    size_t change_len;
    SH_PASS (sh_change_encode (&c, &change, &change_len));
    sh_change_hash (hash, change, change_len);
    SH_PASS (sh_change_sign (out, out_len, change, change_len, key));
    free (change);
}

//  The writer's next change (advances the writer).
static void
s_next (s_writer_t *w, uint8_t **out, size_t *out_len, uint8_t hash[SH_HASH_BYTES])
{
    char tag[64];
    snprintf (tag, sizeof tag, "body %" PRIu64, w->seq + 1);
    s_make (out, out_len, hash, w->key, w->seq + 1, w->prev, tag);
    w->seq++;
    memcpy (w->prev, hash, SH_HASH_BYTES);
}

//  Open the signed bytes, as a receiver would, and append them.
static sh_err
s_append (sh_store_txn_t *txn, const uint8_t *bytes, size_t len, bool *duplicate)
{
    sh_change_t c;
    uint8_t hash[SH_HASH_BYTES];
    SH_PASS (sh_change_open (&c, hash, bytes, len, NULL));
    sh_err err = sh_changelog_append (txn, bytes, len, &c, hash, duplicate);
    sh_change_fini (&c);
    return err;
}

/* --------------------------------------------------------------------------
 * A fixture: a good log of 3 authors, 10 entries
 * -------------------------------------------------------------------------- */

//  Who wrote log entry i + 1: A1 B1 A2 C1 B2 A3 A4 C2 B3 A5.
static const int s_layout[] = { 0, 1, 0, 2, 1, 0, 0, 2, 1, 0 };
#define S_ENTRIES 10

typedef struct {
    char *dir;
    sh_store_t *store;
    s_writer_t w[3];                //  the authors
    sh_key_t *other;                //  a key that wrote nothing
    int author_at[S_ENTRIES + 1];   //  writer of each log index
    uint64_t seq_at[S_ENTRIES + 1]; //  seq of each log index
} s_fixture_t;

static void
s_fixture_init (s_fixture_t *fx)
{
    memset (fx, 0, sizeof *fx);
    fx->dir = sh_test_tmpdir ();
    SH_PASS (sh_store_open (&fx->store, fx->dir, true, 0));
    for (int i = 0; i < 3; i++)
        s_writer_init (&fx->w[i], (uint8_t) (i + 1));
    fx->other = s_key (99);

    //  Two transactions, to show the log continues across commits.
    sh_store_txn_t *txn = NULL;
    for (int i = 0; i < S_ENTRIES; i++) {
        if (!txn)
            SH_PASS (sh_store_begin (fx->store, true, &txn));
        uint8_t *bytes;
        size_t len;
        uint8_t hash[SH_HASH_BYTES];
        s_writer_t *w = &fx->w[s_layout[i]];
        s_next (w, &bytes, &len, hash);
        bool dup = true;
        SH_PASS (s_append (txn, bytes, len, &dup));
        SH_CHECK (!dup);
        free (bytes);
        fx->author_at[i + 1] = s_layout[i];
        fx->seq_at[i + 1] = w->seq;
        if (i == 4)
            SH_PASS (sh_store_commit (&txn));
    }
    SH_PASS (sh_store_commit (&txn));
}

static void
s_fixture_fini (s_fixture_t *fx)
{
    sh_store_close (&fx->store);
    for (int i = 0; i < 3; i++)
        sh_key_destroy (&fx->w[i].key);
    sh_key_destroy (&fx->other);
    sh_test_rmdir (fx->dir);
}

static const uint8_t *
s_author (const s_fixture_t *fx, uint64_t index)
{
    return sh_key_public (fx->w[fx->author_at[index]].key);
}

//  Copy of LOG entry index (caller frees).
static uint8_t *
s_log_copy (sh_store_txn_t *txn, uint64_t index, size_t *len)
{
    const uint8_t *bytes;
    SH_PASS (sh_changelog_get (txn, index, &bytes, len));
    uint8_t *copy = malloc (*len);
    SH_CHECK (copy);
    memcpy (copy, bytes, *len);
    return copy;
}

static void
s_log_put (sh_store_txn_t *txn, uint64_t index, const uint8_t *bytes, size_t len)
{
    uint8_t key[8];
    sh_store_put_be64 (key, index);
    SH_PASS (sh_store_put (txn, SH_DB_LOG, key, sizeof key, bytes, len));
}

//  Run verify and check what it says. author NULL: the fault names none.
//  want_checked: entries verified before the fault was found.
static void
s_expect (s_fixture_t *fx, sh_err want_err, sh_changelog_fault_kind_t want_kind,
          uint64_t want_index, const uint8_t *want_author, uint64_t want_seq,
          uint64_t want_checked)
{
    sh_changelog_fault_t fault;
    sh_err err = sh_changelog_verify (fx->store, &fault);
    printf ("  verify: %s [%s]\n", fault.message, sh_changelog_fault_name (fault.kind));
    SH_CHECK (err == want_err);
    SH_CHECK (fault.kind == want_kind);
    SH_CHECK (fault.index == want_index);
    SH_CHECK (fault.has_author == (want_author != NULL));
    if (want_author) {
        SH_CHECK (memcmp (fault.author, want_author, SH_PUBKEY_BYTES) == 0);
        SH_CHECK (fault.seq == want_seq);
        char hex[SH_HEX_BYTES (8)];
        sh_crypto_hex (hex, want_author, 8);
        SH_CHECK (strstr (fault.message, hex) != NULL);
    }
    char where[64];
    snprintf (where, sizeof where, "log entry %" PRIu64, want_index);
    if (want_index) {
        size_t n = strlen (where);
        SH_CHECK (strncmp (fault.message, where, n) == 0);
        SH_CHECK (fault.message[n] == ' ' || fault.message[n] == ':');
    }
    SH_CHECK (fault.checked == want_checked);
}

/* --------------------------------------------------------------------------
 * Tests: appending and reading
 * -------------------------------------------------------------------------- */

static void
test_append_chain (void)
{
    char *dir = sh_test_tmpdir ();
    sh_store_t *store;
    SH_PASS (sh_store_open (&store, dir, true, 0));
    s_writer_t w;
    s_writer_init (&w, 1);
    const uint8_t *author = sh_key_public (w.key);

    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, true, &txn));
    uint64_t size = 99, seq = 99;
    uint8_t head[SH_HASH_BYTES];
    SH_PASS (sh_changelog_size (txn, &size));
    SH_CHECK (size == 0);
    SH_PASS (sh_changelog_head (txn, author, &seq, head));
    SH_CHECK (seq == 0);
    static const uint8_t zero[SH_HASH_BYTES];
    SH_CHECK (memcmp (head, zero, SH_HASH_BYTES) == 0);

    uint8_t *kept[5];
    size_t kept_len[5];
    uint8_t hashes[5][SH_HASH_BYTES];
    for (int i = 0; i < 5; i++) {
        s_next (&w, &kept[i], &kept_len[i], hashes[i]);
        bool dup = true;
        SH_PASS (s_append (txn, kept[i], kept_len[i], &dup));
        SH_CHECK (!dup);
    }
    SH_PASS (sh_store_commit (&txn));

    SH_PASS (sh_store_begin (store, false, &txn));
    SH_PASS (sh_changelog_size (txn, &size));
    SH_CHECK (size == 5);
    SH_PASS (sh_changelog_head (txn, author, &seq, head));
    SH_CHECK (seq == 5);
    SH_CHECK (memcmp (head, hashes[4], SH_HASH_BYTES) == 0);
    for (int i = 0; i < 5; i++) {
        uint64_t index = 0;
        uint8_t hash[SH_HASH_BYTES];
        SH_PASS (sh_changelog_find (txn, author, (uint64_t) i + 1, &index, hash));
        SH_CHECK (index == (uint64_t) i + 1);
        SH_CHECK (memcmp (hash, hashes[i], SH_HASH_BYTES) == 0);
        const uint8_t *bytes;
        size_t len;
        SH_PASS (sh_changelog_get (txn, index, &bytes, &len));
        SH_CHECK (len == kept_len[i] && memcmp (bytes, kept[i], len) == 0);   //  byte for byte
        free (kept[i]);
    }
    SH_PASS (sh_changelog_find (txn, author, 3, NULL, NULL));
    uint64_t index;
    SH_FAIL (sh_changelog_find (txn, author, 6, &index, NULL), SH_ENOTFOUND);
    SH_FAIL (sh_changelog_find (txn, zero, 1, &index, NULL), SH_ENOTFOUND);
    const uint8_t *bytes;
    size_t len;
    SH_FAIL (sh_changelog_get (txn, 6, &bytes, &len), SH_ENOTFOUND);
    SH_FAIL (sh_changelog_get (txn, 0, &bytes, &len), SH_ENOTFOUND);
    sh_store_abort (&txn);

    sh_changelog_fault_t fault;
    SH_PASS (sh_changelog_verify (store, &fault));
    SH_CHECK (fault.checked == 5 && fault.kind == SH_CHANGELOG_FAULT_NONE);
    sh_store_close (&store);
    sh_key_destroy (&w.key);
    sh_test_rmdir (dir);
}

static void
test_duplicate_and_equivocation (void)
{
    char *dir = sh_test_tmpdir ();
    sh_store_t *store;
    SH_PASS (sh_store_open (&store, dir, true, 0));
    s_writer_t w;
    s_writer_init (&w, 1);

    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, true, &txn));
    uint8_t *c1, *c2;
    size_t c1_len, c2_len;
    uint8_t h1[SH_HASH_BYTES], h2[SH_HASH_BYTES];
    s_next (&w, &c1, &c1_len, h1);
    s_next (&w, &c2, &c2_len, h2);
    bool dup;
    SH_PASS (s_append (txn, c1, c1_len, &dup));
    SH_PASS (s_append (txn, c2, c2_len, &dup));
    SH_CHECK (!dup);
    //  Re-sent in the same transaction and in a later one: recognised.
    SH_PASS (s_append (txn, c2, c2_len, &dup));
    SH_CHECK (dup);
    SH_PASS (sh_store_commit (&txn));
    SH_PASS (sh_store_begin (store, true, &txn));
    SH_PASS (s_append (txn, c1, c1_len, &dup));
    SH_CHECK (dup);
    SH_PASS (s_append (txn, c1, c1_len, NULL));    //  duplicate may be NULL

    //  A different change at (author, 2), even one that follows seq 1: equivocation.
    uint8_t *fork;
    size_t fork_len;
    uint8_t fork_hash[SH_HASH_BYTES];
    s_make (&fork, &fork_len, fork_hash, w.key, 2, h1, "another body");
    dup = true;
    SH_FAIL (s_append (txn, fork, fork_len, &dup), SH_EEQUIVOCATION);
    SH_CHECK (!dup);

    uint64_t size, seq;
    uint8_t head[SH_HASH_BYTES];
    SH_PASS (sh_changelog_size (txn, &size));
    SH_CHECK (size == 2);
    SH_PASS (sh_changelog_head (txn, sh_key_public (w.key), &seq, head));
    SH_CHECK (seq == 2 && memcmp (head, h2, SH_HASH_BYTES) == 0);
    SH_PASS (sh_store_commit (&txn));
    SH_PASS (sh_changelog_verify (store, NULL));

    free (c1);
    free (c2);
    free (fork);
    sh_store_close (&store);
    sh_key_destroy (&w.key);
    sh_test_rmdir (dir);
}

static void
test_chain_refused (void)
{
    char *dir = sh_test_tmpdir ();
    sh_store_t *store;
    SH_PASS (sh_store_open (&store, dir, true, 0));
    s_writer_t w;
    s_writer_init (&w, 1);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, true, &txn));

    uint8_t *c1, *c2, *c3, *bad;
    size_t c1_len, c2_len, c3_len, bad_len;
    uint8_t h1[SH_HASH_BYTES], h2[SH_HASH_BYTES], h3[SH_HASH_BYTES], hb[SH_HASH_BYTES];
    s_next (&w, &c1, &c1_len, h1);
    s_next (&w, &c2, &c2_len, h2);
    s_next (&w, &c3, &c3_len, h3);

    //  Starting at seq 2: a gap before it.
    SH_FAIL (s_append (txn, c2, c2_len, NULL), SH_ECHAIN);
    SH_PASS (s_append (txn, c1, c1_len, NULL));
    //  seq 3 after seq 1: gap.
    SH_FAIL (s_append (txn, c3, c3_len, NULL), SH_ECHAIN);
    //  seq 2 whose prev is not the hash of seq 1.
    uint8_t wrong[SH_HASH_BYTES];
    memset (wrong, 0x42, sizeof wrong);
    s_make (&bad, &bad_len, hb, w.key, 2, wrong, "body 2");
    SH_FAIL (s_append (txn, bad, bad_len, NULL), SH_ECHAIN);

    uint64_t size;
    SH_PASS (sh_changelog_size (txn, &size));
    SH_CHECK (size == 1);               //  refusals wrote nothing
    SH_PASS (s_append (txn, c2, c2_len, NULL));
    SH_PASS (s_append (txn, c3, c3_len, NULL));
    SH_PASS (sh_changelog_size (txn, &size));
    SH_CHECK (size == 3);
    SH_PASS (sh_store_commit (&txn));
    SH_PASS (sh_changelog_verify (store, NULL));

    free (c1);
    free (c2);
    free (c3);
    free (bad);
    sh_store_close (&store);
    sh_key_destroy (&w.key);
    sh_test_rmdir (dir);
}

typedef struct {
    int calls;                          //  heads seen
    uint64_t seqs;                      //  sum of their seqs
    int stop_after;                     //  stop (SH_EEXIST) after this many; 0 = never
} s_heads_ctx_t;

static sh_err
s_count_head (const uint8_t author[SH_PUBKEY_BYTES], uint64_t seq,
              const uint8_t hash[SH_HASH_BYTES], void *arg)
{
    (void) author;
    (void) hash;
    s_heads_ctx_t *ctx = arg;
    ctx->calls++;
    ctx->seqs += seq;
    return ctx->stop_after && ctx->calls == ctx->stop_after ? SH_EEXIST : SH_OK;
}

static void
test_heads_each (void)
{
    s_fixture_t fx;
    s_fixture_init (&fx);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx.store, false, &txn));
    s_heads_ctx_t ctx = { 0, 0, 0 };
    SH_PASS (sh_changelog_heads_each (txn, s_count_head, &ctx));
    SH_CHECK (ctx.calls == 3);
    SH_CHECK (ctx.seqs == 5 + 3 + 2);   //  A5, B3, C2
    s_heads_ctx_t stop = { 0, 0, 2 };
    SH_FAIL (sh_changelog_heads_each (txn, s_count_head, &stop), SH_EEXIST);
    SH_CHECK (stop.calls == 2);
    for (int i = 0; i < 3; i++) {
        uint64_t seq;
        uint8_t hash[SH_HASH_BYTES];
        SH_PASS (sh_changelog_head (txn, sh_key_public (fx.w[i].key), &seq, hash));
        SH_CHECK (seq == fx.w[i].seq);
        SH_CHECK (memcmp (hash, fx.w[i].prev, SH_HASH_BYTES) == 0);
    }
    sh_store_abort (&txn);
    s_fixture_fini (&fx);
}

/* --------------------------------------------------------------------------
 * Tests: verify
 * -------------------------------------------------------------------------- */

static void
test_verify_good (void)
{
    //  An empty store verifies.
    char *dir = sh_test_tmpdir ();
    sh_store_t *store;
    SH_PASS (sh_store_open (&store, dir, true, 0));
    sh_changelog_fault_t fault;
    SH_PASS (sh_changelog_verify (store, &fault));
    SH_CHECK (fault.checked == 0);
    sh_store_close (&store);
    sh_test_rmdir (dir);

    s_fixture_t fx;
    s_fixture_init (&fx);
    SH_PASS (sh_changelog_verify (fx.store, &fault));
    SH_CHECK (fault.kind == SH_CHANGELOG_FAULT_NONE);
    SH_CHECK (fault.checked == S_ENTRIES);
    printf ("  verify: %s\n", fault.message);
    //  Also after a reopen.
    sh_store_close (&fx.store);
    SH_PASS (sh_store_open (&fx.store, fx.dir, false, 0));
    SH_PASS (sh_changelog_verify (fx.store, NULL));
    s_fixture_fini (&fx);
}

static void
test_verify_flip (void)
{
    //  A flipped region digit: still parses, the signature breaks.
    s_fixture_t fx;
    s_fixture_init (&fx);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    size_t len;
    uint8_t *bytes = s_log_copy (txn, 7, &len);
    uint8_t *at = NULL;
    for (size_t i = 0; i + 14 <= len; i++)
        if (bytes[i] == 0x2a && bytes[i + 1] == 12 && memcmp (bytes + i + 2, "500115001002", 12) == 0)
            at = bytes + i + 13;
    SH_CHECK (at);
    *at ^= 0x01;
    s_log_put (txn, 7, bytes, len);
    free (bytes);
    SH_PASS (sh_store_commit (&txn));
    s_expect (&fx, SH_ECRYPTO, SH_CHANGELOG_FAULT_SIGNATURE, 7, s_author (&fx, 7), fx.seq_at[7], 6);
    s_fixture_fini (&fx);

    //  A flipped signature byte (the last byte of the entry).
    s_fixture_init (&fx);
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    bytes = s_log_copy (txn, 3, &len);
    bytes[len - 1] ^= 0x80;
    s_log_put (txn, 3, bytes, len);
    free (bytes);
    SH_PASS (sh_store_commit (&txn));
    s_expect (&fx, SH_ECRYPTO, SH_CHANGELOG_FAULT_SIGNATURE, 3, s_author (&fx, 3), fx.seq_at[3], 2);
    s_fixture_fini (&fx);

    //  A flipped first byte (the SignedChange tag): no longer parses.
    s_fixture_init (&fx);
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    bytes = s_log_copy (txn, 2, &len);
    bytes[0] ^= 0xff;
    s_log_put (txn, 2, bytes, len);
    free (bytes);
    SH_PASS (sh_store_commit (&txn));
    s_expect (&fx, SH_EPROTO, SH_CHANGELOG_FAULT_MALFORMED, 2, NULL, 0, 1);
    s_fixture_fini (&fx);

    //  An empty value.
    s_fixture_init (&fx);
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    s_log_put (txn, 9, NULL, 0);
    SH_PASS (sh_store_commit (&txn));
    s_expect (&fx, SH_EPROTO, SH_CHANGELOG_FAULT_MALFORMED, 9, NULL, 0, 8);
    s_fixture_fini (&fx);
}

static void
test_verify_remove (void)
{
    //  From the middle: a gap, named by what CHAIN says was there.
    s_fixture_t fx;
    s_fixture_init (&fx);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    uint8_t key[8];
    sh_store_put_be64 (key, 5);
    SH_PASS (sh_store_del (txn, SH_DB_LOG, key, sizeof key));
    SH_PASS (sh_store_commit (&txn));
    s_expect (&fx, SH_ECORRUPT, SH_CHANGELOG_FAULT_MISSING, 5, s_author (&fx, 5), fx.seq_at[5], 4);
    s_fixture_fini (&fx);

    //  The first entry.
    s_fixture_init (&fx);
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    sh_store_put_be64 (key, 1);
    SH_PASS (sh_store_del (txn, SH_DB_LOG, key, sizeof key));
    SH_PASS (sh_store_commit (&txn));
    s_expect (&fx, SH_ECORRUPT, SH_CHANGELOG_FAULT_MISSING, 1, s_author (&fx, 1), fx.seq_at[1], 0);
    s_fixture_fini (&fx);

    //  The last entry: caught by log.next.
    s_fixture_init (&fx);
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    sh_store_put_be64 (key, S_ENTRIES);
    SH_PASS (sh_store_del (txn, SH_DB_LOG, key, sizeof key));
    SH_PASS (sh_store_commit (&txn));
    s_expect (&fx, SH_ECORRUPT, SH_CHANGELOG_FAULT_MISSING, S_ENTRIES,
              s_author (&fx, S_ENTRIES), fx.seq_at[S_ENTRIES], 9);
    s_fixture_fini (&fx);
}

static void
s_swap (s_fixture_t *fx, uint64_t i, uint64_t j)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx->store, true, &txn));
    size_t a_len, b_len;
    uint8_t *a = s_log_copy (txn, i, &a_len);
    uint8_t *b = s_log_copy (txn, j, &b_len);
    s_log_put (txn, i, b, b_len);
    s_log_put (txn, j, a, a_len);
    free (a);
    free (b);
    SH_PASS (sh_store_commit (&txn));
}

static void
test_verify_swap (void)
{
    //  Same author (A2 at 3, A4 at 7): the chain goes out of order at 3.
    s_fixture_t fx;
    s_fixture_init (&fx);
    s_swap (&fx, 3, 7);
    s_expect (&fx, SH_ECHAIN, SH_CHANGELOG_FAULT_CHAIN, 3, s_author (&fx, 7), fx.seq_at[7], 2);
    s_fixture_fini (&fx);

    //  Different authors (A1 at 1, B1 at 2): every chain still holds, but
    //  the index puts B1 elsewhere.
    s_fixture_init (&fx);
    s_swap (&fx, 1, 2);
    s_expect (&fx, SH_ECORRUPT, SH_CHANGELOG_FAULT_INDEX, 1, s_author (&fx, 2), fx.seq_at[2], 0);
    s_fixture_fini (&fx);
}

static void
test_verify_resign (void)
{
    //  Same change bytes, a valid signature by another key.
    s_fixture_t fx;
    s_fixture_init (&fx);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    size_t len;
    uint8_t *bytes = s_log_copy (txn, 6, &len);
    uint8_t *change;
    size_t change_len;
    uint8_t sig[SH_SIG_BYTES];
    SH_PASS (sh_change_unwrap (&change, &change_len, sig, bytes, len));
    SH_CHECK (memcmp (bytes + len - SH_SIG_BYTES, sig, SH_SIG_BYTES) == 0);
    SH_PASS (sh_key_sign (fx.other, bytes + len - SH_SIG_BYTES,
                          (const uint8_t *) SH_CHANGE_SIG_PREFIX, strlen (SH_CHANGE_SIG_PREFIX),
                          change, change_len));
    s_log_put (txn, 6, bytes, len);
    free (bytes);
    free (change);
    SH_PASS (sh_store_commit (&txn));
    s_expect (&fx, SH_ECRYPTO, SH_CHANGELOG_FAULT_SIGNATURE, 6, s_author (&fx, 6), fx.seq_at[6], 5);
    s_fixture_fini (&fx);
}

//  Make `other` the author of entry index and sign it validly.
static void
s_reauthor (s_fixture_t *fx, uint64_t index)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx->store, true, &txn));
    size_t len;
    uint8_t *bytes = s_log_copy (txn, index, &len);
    uint8_t *change, *encoded, *resigned;
    size_t change_len, encoded_len, resigned_len;
    uint8_t sig[SH_SIG_BYTES];
    SH_PASS (sh_change_unwrap (&change, &change_len, sig, bytes, len));
    sh_change_t c;
    SH_PASS (sh_change_decode (&c, change, change_len, NULL));
    memcpy (c.author, sh_key_public (fx->other), SH_PUBKEY_BYTES);
    SH_PASS (sh_change_encode (&c, &encoded, &encoded_len));
    SH_PASS (sh_change_sign (&resigned, &resigned_len, encoded, encoded_len, fx->other));
    s_log_put (txn, index, resigned, resigned_len);
    sh_change_fini (&c);
    free (bytes);
    free (change);
    free (encoded);
    free (resigned);
    SH_PASS (sh_store_commit (&txn));
}

static void
test_verify_reauthor (void)
{
    //  A4 re-authored: a validly signed change whose chain starts at seq 4.
    s_fixture_t fx;
    s_fixture_init (&fx);
    s_reauthor (&fx, 7);
    s_expect (&fx, SH_ECHAIN, SH_CHANGELOG_FAULT_CHAIN, 7, sh_key_public (fx.other), 4, 6);
    s_fixture_fini (&fx);

    //  C1 re-authored: a valid first change of a new author, which the
    //  index never saw.
    s_fixture_init (&fx);
    s_reauthor (&fx, 4);
    s_expect (&fx, SH_ECORRUPT, SH_CHANGELOG_FAULT_INDEX, 4, sh_key_public (fx.other), 1, 3);
    s_fixture_fini (&fx);
}

static void
test_verify_indexes (void)
{
    s_fixture_t fx;
    sh_store_txn_t *txn;
    uint8_t key[SH_PUBKEY_BYTES + 8];
    uint8_t val[8 + SH_HASH_BYTES];

    //  A CHAIN entry pointing at another index.
    s_fixture_init (&fx);
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    memcpy (key, s_author (&fx, 5), SH_PUBKEY_BYTES);
    sh_store_put_be64 (key + SH_PUBKEY_BYTES, fx.seq_at[5]);
    const uint8_t *v;
    size_t v_len;
    SH_PASS (sh_store_get (txn, SH_DB_CHAIN, key, sizeof key, &v, &v_len));
    SH_CHECK (v_len == sizeof val);
    memcpy (val, v, sizeof val);
    sh_store_put_be64 (val, 9);
    SH_PASS (sh_store_put (txn, SH_DB_CHAIN, key, sizeof key, val, sizeof val));
    SH_PASS (sh_store_commit (&txn));
    s_expect (&fx, SH_ECORRUPT, SH_CHANGELOG_FAULT_INDEX, 5, s_author (&fx, 5), fx.seq_at[5], 4);
    s_fixture_fini (&fx);

    //  A CHAIN entry with a different hash.
    s_fixture_init (&fx);
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    memcpy (key, s_author (&fx, 8), SH_PUBKEY_BYTES);
    sh_store_put_be64 (key + SH_PUBKEY_BYTES, fx.seq_at[8]);
    SH_PASS (sh_store_get (txn, SH_DB_CHAIN, key, sizeof key, &v, &v_len));
    memcpy (val, v, sizeof val);
    val[8] ^= 1;
    SH_PASS (sh_store_put (txn, SH_DB_CHAIN, key, sizeof key, val, sizeof val));
    SH_PASS (sh_store_commit (&txn));
    s_expect (&fx, SH_ECORRUPT, SH_CHANGELOG_FAULT_INDEX, 8, s_author (&fx, 8), fx.seq_at[8], 7);
    s_fixture_fini (&fx);

    //  A CHAIN entry removed.
    s_fixture_init (&fx);
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    memcpy (key, s_author (&fx, 2), SH_PUBKEY_BYTES);
    sh_store_put_be64 (key + SH_PUBKEY_BYTES, fx.seq_at[2]);
    SH_PASS (sh_store_del (txn, SH_DB_CHAIN, key, sizeof key));
    SH_PASS (sh_store_commit (&txn));
    s_expect (&fx, SH_ECORRUPT, SH_CHANGELOG_FAULT_INDEX, 2, s_author (&fx, 2), fx.seq_at[2], 1);
    s_fixture_fini (&fx);

    //  A CHAIN entry for a change the log does not hold (B4 at "index 11").
    s_fixture_init (&fx);
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    memcpy (key, sh_key_public (fx.w[1].key), SH_PUBKEY_BYTES);
    sh_store_put_be64 (key + SH_PUBKEY_BYTES, 4);
    memset (val, 0x11, sizeof val);
    sh_store_put_be64 (val, 11);
    SH_PASS (sh_store_put (txn, SH_DB_CHAIN, key, sizeof key, val, sizeof val));
    SH_PASS (sh_store_commit (&txn));
    s_expect (&fx, SH_ECORRUPT, SH_CHANGELOG_FAULT_INDEX, 11, sh_key_public (fx.w[1].key), 4, 10);
    s_fixture_fini (&fx);

    //  A head that is not the author's last change (C's head set to C1).
    s_fixture_init (&fx);
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    uint64_t index;
    uint8_t hash[SH_HASH_BYTES];
    const uint8_t *c_author = sh_key_public (fx.w[2].key);
    SH_PASS (sh_changelog_find (txn, c_author, 1, &index, hash));
    SH_CHECK (index == 4);
    sh_store_put_be64 (val, 1);
    memcpy (val + 8, hash, SH_HASH_BYTES);
    SH_PASS (sh_store_put (txn, SH_DB_HEADS, c_author, SH_PUBKEY_BYTES, val, sizeof val));
    SH_PASS (sh_store_commit (&txn));
    s_expect (&fx, SH_ECORRUPT, SH_CHANGELOG_FAULT_INDEX, 8, c_author, 2, 10);
    s_fixture_fini (&fx);

    //  A head removed.
    s_fixture_init (&fx);
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    const uint8_t *b_author = sh_key_public (fx.w[1].key);
    SH_PASS (sh_store_del (txn, SH_DB_HEADS, b_author, SH_PUBKEY_BYTES));
    SH_PASS (sh_store_commit (&txn));
    s_expect (&fx, SH_ECORRUPT, SH_CHANGELOG_FAULT_INDEX, 9, b_author, 3, 10);
    s_fixture_fini (&fx);

    //  A head for an author who wrote nothing.
    s_fixture_init (&fx);
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    memset (val, 0, sizeof val);
    sh_store_put_be64 (val, 1);
    SH_PASS (sh_store_put (txn, SH_DB_HEADS, sh_key_public (fx.other), SH_PUBKEY_BYTES,
                           val, sizeof val));
    SH_PASS (sh_store_commit (&txn));
    s_expect (&fx, SH_ECORRUPT, SH_CHANGELOG_FAULT_INDEX, 0, sh_key_public (fx.other), 1, 10);
    s_fixture_fini (&fx);

    //  log.next claiming more entries than there are.
    s_fixture_init (&fx);
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    SH_PASS (sh_store_meta_put_u64 (txn, "log.next", S_ENTRIES + 3));
    SH_PASS (sh_store_commit (&txn));
    s_expect (&fx, SH_ECORRUPT, SH_CHANGELOG_FAULT_MISSING, S_ENTRIES + 1, NULL, 0, 10);
    s_fixture_fini (&fx);
}

static void
test_verify_first_fault (void)
{
    //  Two faults: the one with the lower index is reported.
    s_fixture_t fx;
    s_fixture_init (&fx);
    s_reauthor (&fx, 9);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    size_t len;
    uint8_t *bytes = s_log_copy (txn, 6, &len);
    bytes[len - 10] ^= 0x04;
    s_log_put (txn, 6, bytes, len);
    free (bytes);
    SH_PASS (sh_store_commit (&txn));
    s_expect (&fx, SH_ECRYPTO, SH_CHANGELOG_FAULT_SIGNATURE, 6, s_author (&fx, 6), fx.seq_at[6], 5);
    s_fixture_fini (&fx);
}

static void
test_commit_fault_atomic (void)
{
    //  A batch whose commit fails leaves the log as it was.
    s_fixture_t fx;
    s_fixture_init (&fx);
    sh_store_fail_commit_after (fx.store, 1);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    s_writer_t saved = fx.w[0];
    for (int i = 0; i < 3; i++) {
        uint8_t *bytes;
        size_t len;
        uint8_t hash[SH_HASH_BYTES];
        s_next (&fx.w[0], &bytes, &len, hash);
        SH_PASS (s_append (txn, bytes, len, NULL));
        free (bytes);
    }
    SH_FAIL (sh_store_commit (&txn), SH_EFAULT);
    fx.w[0] = saved;
    SH_PASS (sh_store_begin (fx.store, false, &txn));
    uint64_t size;
    SH_PASS (sh_changelog_size (txn, &size));
    SH_CHECK (size == S_ENTRIES);
    sh_store_abort (&txn);
    SH_PASS (sh_changelog_verify (fx.store, NULL));
    s_fixture_fini (&fx);
}

static const sh_test_case_t tests[] = {
    { "append chain", test_append_chain },
    { "duplicate and equivocation", test_duplicate_and_equivocation },
    { "chain refused", test_chain_refused },
    { "heads each", test_heads_each },
    { "verify good", test_verify_good },
    { "verify flip", test_verify_flip },
    { "verify remove", test_verify_remove },
    { "verify swap", test_verify_swap },
    { "verify resign", test_verify_resign },
    { "verify reauthor", test_verify_reauthor },
    { "verify indexes", test_verify_indexes },
    { "verify first fault", test_verify_first_fault },
    { "commit fault atomic", test_commit_fault_atomic },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
