/*  sh_witness_test -- a witness's promise, on real LMDB stores: it cosigns
    a growing log, refuses a split view (a fork of the log, a smaller tree,
    the same size with another root) and keeps it as evidence, refuses a
    checkpoint the log's key did not sign and a proof from the wrong size,
    and keeps its promise after a restart from its store.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_cosig.h"
#include "sh_key.h"
#include "sh_merkle.h"
#include "sh_note.h"
#include "sh_store.h"
#include "sh_test.h"
#include "sh_witness.h"

#define S_ORIGIN "shouhe.test/500115"
#define S_WNAME "changshou/500115108/witness"

typedef struct {
    char *dir;
    sh_store_t *store;
} s_log_t;

static void
s_log_open (s_log_t *l)
{
    l->dir = sh_test_tmpdir ();
    SH_PASS (sh_store_open (&l->store, l->dir, true, 0));
}

static void
s_log_close (s_log_t *l)
{
    sh_store_close (&l->store);
    sh_test_rmdir (l->dir);
}

//  Append leaves "tag-i" for i in [from, to).
static void
s_grow (s_log_t *l, const char *tag, int from, int to)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (l->store, true, &txn));
    for (int i = from; i < to; i++) {
        char leaf[32];
        int n = snprintf (leaf, sizeof leaf, "%s-%d", tag, i);
        SH_PASS (sh_merkle_append (txn, (const uint8_t *) leaf, (size_t) n, NULL));
    }
    SH_PASS (sh_store_commit (&txn));
}

//  The log's signed checkpoint of its whole tree, and the proof from old
//  (caller frees the note).
static char *
s_checkpoint (s_log_t *l, sh_key_t *key, uint64_t old, uint8_t (*proof)[SH_HASH_BYTES], size_t *n, size_t *len)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (l->store, false, &txn));
    uint64_t size;
    uint8_t root[SH_HASH_BYTES];
    SH_PASS (sh_merkle_size (txn, &size));
    SH_PASS (sh_merkle_root (txn, size, root));
    *n = 0;
    if (old <= size)
        SH_PASS (sh_merkle_consistency (txn, old, size, proof, 65, n));
    sh_store_abort (&txn);
    char *text, *note;
    size_t tlen;
    SH_PASS (sh_note_checkpoint_format (&text, &tlen, S_ORIGIN, size, root, NULL));
    SH_PASS (sh_note_sign (&note, len, text, tlen, key, S_ORIGIN));
    free (text);
    return note;
}

//  The witness's verdict; on SH_OK the line is checked and freed.
static sh_err
s_cosign (sh_store_t *w, const sh_note_vkey_t *vk, sh_key_t *wkey, const char *note, size_t len, uint64_t old,
          const uint8_t (*proof)[SH_HASH_BYTES], size_t n, uint64_t now, char *why)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (w, true, &txn));
    char *line;
    size_t llen;
    sh_err rc = sh_witness_cosign (txn, vk, S_ORIGIN, note, len, old, proof, n, wkey, S_WNAME, now, &line, &llen,
                                   why, 300);
    if (rc) {
        SH_CHECK (line == NULL && why[0]);
        SH_PASS (sh_store_commit (&txn));        //  the evidence, if any, is kept
        return rc;
    }
    SH_PASS (sh_store_commit (&txn));
    char *cosigned;
    size_t clen;
    SH_PASS (sh_cosig_add (&cosigned, &clen, note, len, line, llen));
    sh_note_t *parsed;
    SH_PASS (sh_note_parse (&parsed, cosigned, clen));
    sh_cosig_witness_t wit;
    SH_PASS (sh_cosig_witness_init (&wit, S_WNAME, sh_key_public (wkey)));
    uint64_t t;
    SH_PASS (sh_cosig_verify (parsed, &wit, &t));
    SH_CHECK (t >= now);
    sh_note_destroy (&parsed);
    free (cosigned);
    free (line);
    return SH_OK;
}

static uint64_t
s_size (sh_store_t *w)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (w, false, &txn));
    sh_witness_state_t st;
    sh_err rc = sh_witness_state (txn, S_ORIGIN, &st);
    sh_store_abort (&txn);
    return rc ? 0 : st.size;
}

static void
test_promise (void)
{
    sh_key_t *hub = sh_key_generate (), *other = sh_key_generate (), *wkey = sh_key_generate ();
    sh_note_vkey_t vk;
    SH_PASS (sh_note_vkey_init (&vk, S_ORIGIN, sh_key_public (hub)));
    s_log_t log, fork;
    s_log_open (&log);
    s_log_open (&fork);
    char *wdir = sh_test_tmpdir ();
    sh_store_t *w;
    SH_PASS (sh_store_open (&w, wdir, true, 0));
    uint8_t proof[65][SH_HASH_BYTES];
    size_t n, len;
    char why[300];

    //  first sight: taken as it is
    s_grow (&log, "a", 0, 3);
    s_grow (&fork, "a", 0, 3);
    char *c3 = s_checkpoint (&log, hub, 0, proof, &n, &len);
    SH_PASS (s_cosign (w, &vk, wkey, c3, len, 0, proof, n, 1000, why));
    SH_CHECK (s_size (w) == 3);
    //  the same checkpoint again: fine (nothing new promised)
    SH_PASS (s_cosign (w, &vk, wkey, c3, len, 3, proof, 0, 1001, why));
    free (c3);

    //  it grows, with a proof from 3
    s_grow (&log, "a", 3, 5);
    char *c5 = s_checkpoint (&log, hub, 3, proof, &n, &len);
    SH_FAIL (s_cosign (w, &vk, wkey, c5, len, 2, proof, n, 1002, why), SH_EINVAL);   //  wrong old size
    SH_CHECK (strstr (why, "last cosigned size 3"));
    SH_PASS (s_cosign (w, &vk, wkey, c5, len, 3, proof, n, 1003, why));
    SH_CHECK (s_size (w) == 5);
    //  signed by another key: refused
    size_t olen;
    char *forged = s_checkpoint (&log, other, 5, proof, &n, &olen);
    SH_FAIL (s_cosign (w, &vk, wkey, forged, olen, 5, proof, n, 1004, why), SH_ECRYPTO);
    SH_CHECK (strstr (why, "not signed by the hub's key"));
    free (forged);

    //  the split view: the hub signs a fork that shares the first 3 leaves
    s_grow (&fork, "b", 3, 6);
    char *f6 = s_checkpoint (&fork, hub, 5, proof, &n, &len);
    SH_FAIL (s_cosign (w, &vk, wkey, f6, len, 5, proof, n, 1005, why), SH_EEQUIVOCATION);
    SH_CHECK (strstr (why, "split view") && strstr (why, "size 6"));
    free (f6);
    //  the fork at the witness's own size: same size, another root
    sh_store_close (&fork.store);
    sh_test_rmdir (fork.dir);
    s_log_open (&fork);
    s_grow (&fork, "a", 0, 3);
    s_grow (&fork, "b", 3, 5);
    char *f5 = s_checkpoint (&fork, hub, 5, proof, &n, &len);
    SH_FAIL (s_cosign (w, &vk, wkey, f5, len, 5, proof, n, 1006, why), SH_EEQUIVOCATION);
    SH_CHECK (strstr (why, "the same size with another root"));
    free (f5);
    //  a smaller tree after a larger one (a hub restored from an old backup)
    char *old3 = s_checkpoint (&fork, hub, 5, proof, &n, &len);
    s_log_t small;
    s_log_open (&small);
    s_grow (&small, "a", 0, 3);
    free (old3);
    old3 = s_checkpoint (&small, hub, 3, proof, &n, &len);
    SH_FAIL (s_cosign (w, &vk, wkey, old3, len, 5, proof, 0, 1007, why), SH_EEQUIVOCATION);
    SH_CHECK (strstr (why, "a smaller tree"));
    free (old3);
    s_log_close (&small);
    SH_CHECK (s_size (w) == 5);

    //  a restart: the promise holds from the store
    sh_store_close (&w);
    SH_PASS (sh_store_open (&w, wdir, false, 0));
    SH_CHECK (s_size (w) == 5);
    s_grow (&fork, "b", 5, 8);
    char *f8 = s_checkpoint (&fork, hub, 5, proof, &n, &len);
    SH_FAIL (s_cosign (w, &vk, wkey, f8, len, 5, proof, n, 1008, why), SH_EEQUIVOCATION);
    free (f8);
    s_grow (&log, "a", 5, 8);
    char *c8 = s_checkpoint (&log, hub, 5, proof, &n, &len);
    SH_PASS (s_cosign (w, &vk, wkey, c8, len, 5, proof, n, 500, why));    //  a clock gone back: time kept
    free (c8);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (w, false, &txn));
    sh_witness_state_t st;
    SH_PASS (sh_witness_state (txn, S_ORIGIN, &st));
    SH_CHECK (st.size == 8 && st.time == 1003);
    uint64_t evidence;
    SH_PASS (sh_store_count (txn, SH_DB_WITNESS, &evidence));
    SH_CHECK (evidence == 1 + 4);                   //  the state and four refused notes
    sh_store_abort (&txn);

    free (c5);
    sh_store_close (&w);
    sh_test_rmdir (wdir);
    s_log_close (&log);
    s_log_close (&fork);
    sh_key_destroy (&hub);
    sh_key_destroy (&other);
    sh_key_destroy (&wkey);
}

//  What a node requires: trusted witnesses by name (a second add of a name
//  replaces its key), the quorum (0: all; never above the witnesses
//  trusted, and a removal may not undercut it), and the witnessed size,
//  which only grows.
static void
test_trust (void)
{
    char *dir = sh_test_tmpdir ();
    sh_store_t *st;
    SH_PASS (sh_store_open (&st, dir, true, 0));
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (st, true, &txn));
    sh_witness_trust_t t;
    SH_PASS (sh_witness_trust_get (txn, &t));
    SH_CHECK (t.n == 0 && t.quorum == 0);
    uint8_t k1[SH_PUBKEY_BYTES] = { 1 }, k2[SH_PUBKEY_BYTES] = { 2 }, k3[SH_PUBKEY_BYTES] = { 3 };
    sh_cosig_witness_t a, b, a2;
    SH_PASS (sh_cosig_witness_init (&a, "w/a", k1));
    SH_PASS (sh_cosig_witness_init (&b, "w/b", k2));
    SH_PASS (sh_cosig_witness_init (&a2, "w/a", k3));
    SH_PASS (sh_witness_trust_add (txn, &a));
    SH_PASS (sh_witness_trust_add (txn, &b));
    SH_PASS (sh_witness_trust_add (txn, &a2));             //  replaces w/a's key
    SH_PASS (sh_witness_trust_get (txn, &t));
    SH_CHECK (t.n == 2 && t.quorum == 2 && !strcmp (t.w[0].name, "w/a") && t.w[0].pubkey[0] == 3
              && t.w[0].key_id == a2.key_id);
    SH_FAIL (sh_witness_trust_quorum (txn, 3), SH_EINVAL);
    SH_PASS (sh_witness_trust_quorum (txn, 2));
    SH_FAIL (sh_witness_trust_remove (txn, "w/b"), SH_EINVAL);     //  2 required, 1 would be left
    SH_FAIL (sh_witness_trust_remove (txn, "w/none"), SH_ENOTFOUND);
    SH_PASS (sh_witness_trust_quorum (txn, 1));
    SH_PASS (sh_witness_trust_remove (txn, "w/b"));
    SH_PASS (sh_witness_trust_get (txn, &t));
    SH_CHECK (t.n == 1 && t.quorum == 1);
    SH_PASS (sh_witness_trust_quorum (txn, 0));                    //  0: all of them
    SH_PASS (sh_witness_trust_get (txn, &t));
    SH_CHECK (t.quorum == 1);
    uint64_t w;
    SH_PASS (sh_witness_witnessed (txn, &w));
    SH_CHECK (w == 0);
    SH_PASS (sh_witness_set_witnessed (txn, 9));
    SH_PASS (sh_witness_set_witnessed (txn, 4));                   //  never lowered
    SH_PASS (sh_witness_witnessed (txn, &w));
    SH_CHECK (w == 9);
    SH_PASS (sh_store_commit (&txn));
    sh_store_close (&st);
    sh_test_rmdir (dir);
}

static const sh_test_case_t tests[] = {
    { "promise", test_promise },
    { "trust", test_trust },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
