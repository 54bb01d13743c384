/*  fuzz_change -- a change from decode to merge: SignedChange unwrap and
    open (sh_change), the canonical-encoding rule, signature verification,
    the chain rules of the log (sh_changelog) and the merge (sh_merge,
    sh_domain replays) in a node replica (sh_replica_ingest) whose store
    is a real LMDB environment in a temporary directory.

    The replica's own key is node A's, so A's changes take the strict
    chain path and everyone else's the sparse one; it already holds A's
    seq 1..3 and B's seq 1..2 (fuzz_fixture.h). Every ingest runs in a
    write transaction that is aborted afterwards, so inputs do not see one
    another.

    Input: byte 0 chooses the mode (byte 0 % 3), the rest is:
      0  SignedChange bytes, taken as they come. Mutations rarely keep a
         signature valid, so also:
      1  Change bytes that the target signs itself: with A's or B's key
         when the change names A or B as its author, else with a stranger
         key put in as author (the bytes are then re-encoded).
      2  a 2-byte big-endian length n, n bytes of a first Change, and the
         rest a second Change, each signed as in mode 1 (a change naming no
         fixture key as author: the first gets the stranger key, the
         second the "other" key).

    Properties checked (abort on failure):
      - decoding is canonical: re-encoding a decoded change gives a prefix
        of its bytes (everything known, in order; only unknown fields may
        follow), and decoding that again gives the same change;
      - open agrees with unwrap + decode (fields and hash) and names a
        reason when it refuses;
      - ingest follows the log's rules exactly: a change held at (author,
        seq) is a duplicate if it is the same and equivocation if not;
        otherwise the own chain needs seq = head + 1 and prev = head hash,
        another author's only when seq = head + 1; an accepted change
        always raises its author's head;
      - ingest is idempotent: the same change again is a duplicate and
        changes no state digest;
      - merged records read back as valid messages of their kind;
      - mode 2: merging is commutative: both orders give the same state
        digest, the same derived matter and ledger state, and applying
        both again changes nothing.
*/
#include "fuzz_fixture.h"

#include <string.h>
#include <unistd.h>

#include "sh_changelog.h"
#include "sh_domain.h"
#include "sh_merge.h"
#include "sh_owner.h"
#include "sh_record.h"
#include "sh_replica.h"
#include "sh_seal.h"

//  The target's state (see fuzz_fixture.h on file-static state).
static struct {
    char *dir;                          //  temporary directory
    sh_replica_t *replica;              //  node replica with A's key
    sh_key_t *keys[FUZZ_KEY_COUNT];     //  every fixture key
} s_fx;

static void
s_cleanup (void)
{
    sh_replica_close (&s_fx.replica);
    for (size_t i = 0; i < FUZZ_KEY_COUNT; i++)
        sh_key_destroy (&s_fx.keys[i]);
    free (s_fx.dir);
    s_fx.dir = NULL;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    fuzz_init ();
    for (size_t i = 0; i < FUZZ_KEY_COUNT; i++)
        s_fx.keys[i] = fuzz_key ((fuzz_key_id_t) i);
    s_fx.dir = fuzz_tmpdir ("change");
    size_t n = strlen (s_fx.dir) + 32;
    char *node = malloc (n), *key_path = malloc (n);
    FUZZ_CHECK (node && key_path);
    snprintf (node, n, "%s/node", s_fx.dir);
    snprintf (key_path, n, "%s/node/%s", s_fx.dir, SH_REPLICA_KEY_FILE);
    //  a replica as `shouhe-node init` makes it, then given A's key (it has
    //  written nothing under its first one)
    FUZZ_PASS (sh_replica_create (&s_fx.replica, node, FUZZ_DISTRICT));
    sh_replica_close (&s_fx.replica);
    FUZZ_CHECK (unlink (key_path) == 0);
    FUZZ_PASS (sh_key_save (s_fx.keys[FUZZ_KEY_A], key_path));
    //  the store belongs to the key it was created with (sh_owner): bind it to A's
    char owner[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    sh_crypto_hex (owner, sh_key_public (s_fx.keys[FUZZ_KEY_A]), SH_PUBKEY_BYTES);
    sh_store_t *store;
    sh_store_txn_t *otx;
    FUZZ_PASS (sh_store_open (&store, node, false, 0));
    FUZZ_PASS (sh_store_begin (store, true, &otx));
    FUZZ_PASS (sh_store_meta_put_str (otx, SH_OWNER_META, owner));
    FUZZ_PASS (sh_store_commit (&otx));
    sh_store_close (&store);
    FUZZ_PASS (sh_replica_open (&s_fx.replica, node));
    FUZZ_CHECK (memcmp (sh_replica_author (s_fx.replica), sh_key_public (s_fx.keys[FUZZ_KEY_A]),
                        SH_PUBKEY_BYTES) == 0);
    sh_store_txn_t *txn;
    FUZZ_PASS (sh_replica_begin (s_fx.replica, &txn));
    for (uint64_t seq = 1; seq <= FUZZ_HUB_A + FUZZ_CHAIN_B; seq++) {
        fuzz_bytes_t sc;
        bool dup;
        FUZZ_PASS (fuzz_chain (&sc, NULL, seq <= FUZZ_HUB_A ? FUZZ_KEY_A : FUZZ_KEY_B,
                               seq <= FUZZ_HUB_A ? seq : seq - FUZZ_HUB_A, false));
        FUZZ_PASS (sh_replica_ingest (s_fx.replica, txn, sc.data, sc.len, &dup, NULL));
        free (sc.data);
    }
    FUZZ_PASS (sh_store_commit (&txn));
    free (node);
    free (key_path);
    atexit (s_cleanup);     //  registered after fuzz_tmpdir's: runs before the directory goes
    return 0;
}

//  ---------------------------------------------------------------------
//  Decoding

static bool
s_same_change (const sh_change_t *a, const sh_change_t *b)
{
    return !memcmp (a->author, b->author, SH_PUBKEY_BYTES) && a->seq == b->seq
        && !memcmp (a->prev, b->prev, SH_HASH_BYTES) && a->hlc == b->hlc && !strcmp (a->region, b->region)
        && a->kind == b->kind && a->op == b->op && a->entity_len == b->entity_len
        && !memcmp (a->entity, b->entity, a->entity_len) && a->body_len == b->body_len
        && (a->body == NULL) == (b->body == NULL) && (!a->body_len || !memcmp (a->body, b->body, a->body_len))
        && a->n_seals == b->n_seals && !memcmp (a->seals, b->seals, a->n_seals * sizeof a->seals[0]);
}

//  Sealing a decoded body (sh_seal): the clear part and the openings give
//  back exactly the body's bytes, the sealed change passes sh_seal_check,
//  and each opening opens its seal.
static void
s_seal (const sh_change_t *c)
{
    if (!c->body || c->kind == SH_KIND_UNSPECIFIED)
        return;
    sh_seal_split_t sp;
    sh_err rc = sh_seal_split (c->kind, c->body, c->body_len, &sp);
    FUZZ_CHECK (rc == SH_OK || rc == SH_EPROTO);
    if (rc)
        return;
    sh_change_t s = *c;
    s.pb_ = NULL;
    s.body = sp.body;
    s.body_len = sp.body_len;
    s.n_seals = sp.n;
    memcpy (s.seals, sp.seals, sizeof s.seals);
    FUZZ_PASS (sh_seal_check (&s, NULL));
    size_t total = sp.body_len;
    for (size_t k = 0; k < sp.n; k++) {
        FUZZ_PASS (sh_seal_verify (&sp.seals[k], &sp.openings[k]));
        total += sp.openings[k].value_len;
    }
    uint8_t *joined;
    size_t jl;
    FUZZ_PASS (sh_seal_join (&s, sp.openings, sp.n, &joined, &jl));
    FUZZ_CHECK (jl == total && total == c->body_len);
    free (joined);
    sh_seal_split_fini (&sp);
}

//  Decode Change bytes and check the canonical rule. On SH_OK *c must be
//  finalised.
static sh_err
s_decode (sh_change_t *c, const uint8_t *bytes, size_t len)
{
    const char *why = NULL;
    sh_err rc = sh_change_decode (c, bytes, len, &why);
    if (rc) {
        FUZZ_CHECK (rc == SH_EPROTO && why);
        return rc;
    }
    uint8_t *again;
    size_t again_len;
    FUZZ_PASS (sh_change_encode (c, &again, &again_len));
    FUZZ_CHECK (again_len <= len && memcmp (again, bytes, again_len) == 0);
    sh_change_t d;
    FUZZ_PASS (sh_change_decode (&d, again, again_len, NULL));
    FUZZ_CHECK (s_same_change (c, &d));
    sh_change_fini (&d);
    free (again);
    s_seal (c);
    return SH_OK;
}

//  ---------------------------------------------------------------------
//  Ingesting

//  The digest of the whole merged state as txn sees it.
static void
s_digest (sh_store_txn_t *txn, uint8_t digest[SH_HASH_BYTES])
{
    FUZZ_PASS (sh_merge_digest (txn, NULL, digest));
}

//  What the log's rules say ingesting c (hash) must give.
typedef enum { S_WANT_APPEND, S_WANT_DUPLICATE, S_WANT_EQUIVOCATION, S_WANT_CHAIN } s_want_t;

static s_want_t
s_expect (sh_store_txn_t *txn, const sh_change_t *c, const uint8_t hash[SH_HASH_BYTES], uint64_t *head_out)
{
    uint8_t held[SH_HASH_BYTES], head_hash[SH_HASH_BYTES];
    uint64_t head;
    FUZZ_PASS (sh_changelog_head (txn, c->author, &head, head_hash));
    *head_out = head;
    sh_err rc = sh_changelog_find (txn, c->author, c->seq, NULL, held);
    if (rc == SH_OK)
        return memcmp (held, hash, SH_HASH_BYTES) ? S_WANT_EQUIVOCATION : S_WANT_DUPLICATE;
    FUZZ_CHECK (rc == SH_ENOTFOUND);
    bool own = !memcmp (c->author, sh_replica_author (s_fx.replica), SH_PUBKEY_BYTES);
    if (c->seq - 1 == head)
        return sh_change_follows (c, head, head_hash) == SH_OK ? S_WANT_APPEND : S_WANT_CHAIN;
    return !own && c->seq - 1 > head ? S_WANT_APPEND : S_WANT_CHAIN;
}

//  Read back what c touched: the merged record, or the derived state of
//  its event set. Also exercises the replays.
static void
s_read_back (sh_store_txn_t *txn, const sh_change_t *c)
{
    uint8_t *body;
    size_t len;
    sh_err rc = sh_merge_get (txn, c->region, c->kind, c->entity, c->entity_len, &body, &len, NULL);
    FUZZ_CHECK (rc == SH_OK || rc == SH_ENOTFOUND);
    if (rc == SH_OK) {
        json_t *j = sh_record_to_json (c->kind, body, len);
        FUZZ_CHECK (j);
        json_decref (j);
        free (body);
    }
    if (c->kind == SH_KIND_MATTER_EVENT) {
        sh_domain_matter_t m;
        FUZZ_PASS (sh_domain_matter_replay (txn, c->region, c->entity, c->entity_len, &m, NULL, NULL));
    }
    if (c->kind == SH_KIND_LEDGER) {
        sh_domain_ledger_t l;
        FUZZ_PASS (sh_domain_ledger_replay (txn, c->region, c->entity, c->entity_len, &l, NULL, NULL));
    }
}

//  Ingest SignedChange bytes into txn and check the log's rules and
//  idempotence. Returns the result of the first ingest.
static sh_err
s_ingest (sh_store_txn_t *txn, const uint8_t *bytes, size_t len)
{
    sh_change_t c;
    uint8_t hash[SH_HASH_BYTES];
    const char *why = NULL;
    sh_err orc = sh_change_open (&c, hash, bytes, len, &why);
    uint64_t head = 0;
    s_want_t want = S_WANT_CHAIN;
    if (orc == SH_OK)
        want = s_expect (txn, &c, hash, &head);

    uint8_t before[SH_HASH_BYTES], after[SH_HASH_BYTES];
    s_digest (txn, before);
    bool dup = false;
    why = NULL;
    sh_err rc = sh_replica_ingest (s_fx.replica, txn, bytes, len, &dup, &why);
    if (orc) {
        FUZZ_CHECK (rc == orc);
        return rc;
    }
    switch (want) {
        case S_WANT_APPEND:
            FUZZ_CHECK (rc == SH_OK && !dup);
            break;
        case S_WANT_DUPLICATE:
            FUZZ_CHECK (rc == SH_OK && dup);
            break;
        case S_WANT_EQUIVOCATION:
            FUZZ_CHECK (rc == SH_EEQUIVOCATION);
            break;
        case S_WANT_CHAIN:
            FUZZ_CHECK (rc == SH_ECHAIN);
            break;
    }
    if (rc == SH_OK) {
        uint64_t now;
        uint8_t head_hash[SH_HASH_BYTES];
        FUZZ_PASS (sh_changelog_head (txn, c.author, &now, head_hash));
        if (dup) {
            s_digest (txn, after);
            FUZZ_CHECK (!memcmp (before, after, SH_HASH_BYTES));
            FUZZ_CHECK (now == head);
        }
        else {
            FUZZ_CHECK (now == c.seq && now > head);
            FUZZ_CHECK (!memcmp (head_hash, hash, SH_HASH_BYTES));
            //  idempotent: again is a duplicate and changes nothing
            s_digest (txn, before);
            FUZZ_PASS (sh_replica_ingest (s_fx.replica, txn, bytes, len, &dup, NULL));
            FUZZ_CHECK (dup);
            s_digest (txn, after);
            FUZZ_CHECK (!memcmp (before, after, SH_HASH_BYTES));
        }
        s_read_back (txn, &c);
    }
    sh_change_fini (&c);
    return rc;
}

//  Mode 0: SignedChange bytes as they come.
static void
s_signed (const uint8_t *data, size_t size)
{
    uint8_t *cb;
    size_t cl;
    uint8_t sig[SH_SIG_BYTES];
    sh_err urc = sh_change_unwrap (&cb, &cl, sig, data, size);
    sh_change_t d;
    sh_err drc = SH_EPROTO;
    if (urc == SH_OK)
        drc = s_decode (&d, cb, cl);
    sh_change_t c;
    uint8_t hash[SH_HASH_BYTES];
    const char *why = NULL;
    sh_err orc = sh_change_open (&c, hash, data, size, &why);
    FUZZ_CHECK (orc == SH_OK || why);
    if (orc == SH_OK) {
        FUZZ_CHECK (urc == SH_OK && drc == SH_OK && s_same_change (&c, &d));
        uint8_t want[SH_HASH_BYTES];
        sh_change_hash (want, cb, cl);
        FUZZ_CHECK (!memcmp (want, hash, SH_HASH_BYTES));
        sh_change_fini (&c);
        sh_store_txn_t *txn;
        FUZZ_PASS (sh_replica_begin (s_fx.replica, &txn));
        (void) s_ingest (txn, data, size);
        sh_store_abort (&txn);
    }
    if (drc == SH_OK)
        sh_change_fini (&d);
    free (cb);
}

//  Decode Change bytes and sign them with a fixture key: the author's own
//  when it is a fixture key, else fallback's (put in as author).
static bool
s_resign (fuzz_bytes_t *out, const uint8_t *bytes, size_t len, fuzz_key_id_t fallback)
{
    sh_change_t c;
    if (s_decode (&c, bytes, len) != SH_OK)
        return false;
    const sh_key_t *key = s_fx.keys[fallback];
    for (size_t i = 0; i < FUZZ_KEY_COUNT; i++)
        if (!memcmp (c.author, sh_key_public (s_fx.keys[i]), SH_PUBKEY_BYTES))
            key = s_fx.keys[i];
    sh_change_t mine = c;
    memcpy (mine.author, sh_key_public (key), SH_PUBKEY_BYTES);
    FUZZ_PASS (fuzz_sign (out, NULL, &mine, key));
    sh_change_fini (&c);
    return true;
}

//  Mode 1: one Change, signed here.
static void
s_one (const uint8_t *data, size_t size)
{
    fuzz_bytes_t sc;
    if (!s_resign (&sc, data, size, FUZZ_KEY_STRANGER))
        return;
    sh_store_txn_t *txn;
    FUZZ_PASS (sh_replica_begin (s_fx.replica, &txn));
    (void) s_ingest (txn, sc.data, sc.len);
    sh_store_abort (&txn);
    free (sc.data);
}

//  The derived state of everything c1 and c2 touch, for comparing orders.
typedef struct {
    uint8_t digest[SH_HASH_BYTES];
    sh_domain_matter_t m[2];
    sh_domain_ledger_t l[2];
} s_state_t;

static void
s_state (sh_store_txn_t *txn, const sh_change_t *cs, s_state_t *st)
{
    memset (st, 0, sizeof *st);
    s_digest (txn, st->digest);
    for (size_t i = 0; i < 2; i++) {
        if (cs[i].kind == SH_KIND_MATTER_EVENT)
            FUZZ_PASS (sh_domain_matter_replay (txn, cs[i].region, cs[i].entity, cs[i].entity_len, &st->m[i],
                                                NULL, NULL));
        if (cs[i].kind == SH_KIND_LEDGER)
            FUZZ_PASS (sh_domain_ledger_replay (txn, cs[i].region, cs[i].entity, cs[i].entity_len, &st->l[i],
                                                NULL, NULL));
    }
}

static bool
s_same_state (const s_state_t *a, const s_state_t *b)
{
    if (memcmp (a->digest, b->digest, SH_HASH_BYTES))
        return false;
    for (size_t i = 0; i < 2; i++) {
        const sh_domain_matter_t *x = &a->m[i], *y = &b->m[i];
        if (x->tier != y->tier || x->step != y->step || x->closed != y->closed
        ||  x->satisfaction != y->satisfaction || x->closed_hlc != y->closed_hlc
        ||  x->last_hlc != y->last_hlc || x->escalations != y->escalations || x->conflicts != y->conflicts)
            return false;
        const sh_domain_ledger_t *p = &a->l[i], *q = &b->l[i];
        for (size_t u = 0; u < 3; u++)
            if (p->earned[u] != q->earned[u] || p->redeemed[u] != q->redeemed[u]
            ||  p->balance[u] != q->balance[u])
                return false;
        if (p->conflicts != q->conflicts)
            return false;
    }
    return true;
}

//  Ingest sc[order[0]], sc[order[1]] (and, when again, both once more) in
//  a transaction of its own; *st gets the state when both were accepted.
static bool
s_apply (const fuzz_bytes_t *sc, const sh_change_t *cs, const int order[2], bool again, s_state_t *st)
{
    sh_store_txn_t *txn;
    FUZZ_PASS (sh_replica_begin (s_fx.replica, &txn));
    bool ok = true;
    for (int round = 0; round < (again ? 2 : 1) && ok; round++)
        for (int k = 0; k < 2 && ok; k++)
            ok = s_ingest (txn, sc[order[k]].data, sc[order[k]].len) == SH_OK;
    if (ok)
        s_state (txn, cs, st);
    sh_store_abort (&txn);
    return ok;
}

//  Mode 2: two Changes, signed here, merged in both orders.
static void
s_two (const uint8_t *data, size_t size)
{
    if (size < 2)
        return;
    size_t n1 = ((size_t) data[0] << 8) | data[1];
    if (n1 > size - 2)
        return;
    fuzz_bytes_t sc[2];
    if (!s_resign (&sc[0], data + 2, n1, FUZZ_KEY_STRANGER))
        return;
    if (!s_resign (&sc[1], data + 2 + n1, size - 2 - n1, FUZZ_KEY_OTHER)) {
        free (sc[0].data);
        return;
    }
    sh_change_t cs[2];
    FUZZ_PASS (sh_change_open (&cs[0], NULL, sc[0].data, sc[0].len, NULL));
    FUZZ_PASS (sh_change_open (&cs[1], NULL, sc[1].data, sc[1].len, NULL));
    s_state_t s12, s21, twice;
    bool ok12 = s_apply (sc, cs, (const int[2]) { 0, 1 }, false, &s12);
    bool ok21 = s_apply (sc, cs, (const int[2]) { 1, 0 }, false, &s21);
    if (ok12 && ok21)
        FUZZ_CHECK (s_same_state (&s12, &s21));
    if (ok12 && s_apply (sc, cs, (const int[2]) { 0, 1 }, true, &twice))
        FUZZ_CHECK (s_same_state (&s12, &twice));
    for (size_t i = 0; i < 2; i++) {
        sh_change_fini (&cs[i]);
        free (sc[i].data);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    switch (data[0] % 3) {
        case 0: s_signed (data + 1, size - 1); break;
        case 1: s_one (data + 1, size - 1); break;
        default: s_two (data + 1, size - 1); break;
    }
    return 0;
}
