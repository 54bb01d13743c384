/*  audit_receipts -- `shouhe-audit receipts NODE_DIR --hub-key HEX`: check
    every receipt a node holds (docs/protocol.md 13.18) against the hub's
    key, without the hub: each checkpoint note's signature, each stored
    consistency proof between two held checkpoints, that consecutive held
    checkpoints are linked by one, and each batch receipt: the node's own
    changes, hashed as leaves with the stored left compact range, give the
    root of the checkpoint it was issued with.
*/
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "sh_changelog.h"
#include "sh_crypto.h"
#include "sh_hubid.h"
#include "sh_key.h"
#include "sh_merkle.h"
#include "sh_note.h"
#include "sh_store.h"

#define S_MAX_CHECKPOINTS 100000

typedef struct {
    uint64_t size;                     //  tree size
    uint8_t root[SH_HASH_BYTES];       //  its root
    bool linked;                       //  a proof links it to the previous one
} s_cp_t;

typedef struct {
    s_cp_t *cps;                       //  held checkpoints, by size
    size_t n;                          //  how many
    unsigned faults;                   //  faults printed
} s_state_t;

static void
s_fault (s_state_t *st, const char *kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
s_fault (s_state_t *st, const char *kind, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    printf ("fault %s: ", kind);
    vprintf (fmt, ap);
    putchar ('\n');
    va_end (ap);
    st->faults++;
}

static s_cp_t *
s_find (s_state_t *st, uint64_t size)
{
    for (size_t i = 0; i < st->n; i++)
        if (st->cps[i].size == size)
            return &st->cps[i];
    return NULL;
}

//  The hub key the node recorded at its first sync (meta "hub.key").
static bool
s_stored_hub_key (const char *dir, char hex[SH_HEX_BYTES (SH_PUBKEY_BYTES)])
{
    sh_store_t *store;
    if (sh_store_open (&store, dir, false, 0) != SH_OK)
        return false;
    sh_store_txn_t *txn;
    bool ok = sh_store_begin (store, false, &txn) == SH_OK;
    if (ok) {
        ok = sh_store_meta_get_str (txn, "hub.key", hex, SH_HEX_BYTES (SH_PUBKEY_BYTES)) == SH_OK;
        sh_store_abort (&txn);
    }
    sh_store_close (&store);
    return ok;
}

int
audit_receipts (const char *dir, const char *hub_key_hex)
{
    char stored[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    if (!hub_key_hex) {
        if (!s_stored_hub_key (dir, stored)) {
            fprintf (stderr, "shouhe-audit: %s has no hub key on record (it never synced); give --hub-key HEX\n",
                     dir);
            return SH_EXIT_USAGE;
        }
        hub_key_hex = stored;
        printf ("hub key: %s (as recorded by the node; give --hub-key to check against a key you trust)\n",
                stored);
    }
    sh_hubid_t hub;
    if (sh_hubid_init_hex (&hub, hub_key_hex) != SH_OK) {
        fprintf (stderr, "shouhe-audit: --hub-key '%s' is not a 64-hex public key\n", hub_key_hex);
        return SH_EXIT_USAGE;
    }
    char kp[4096];
    snprintf (kp, sizeof kp, "%s/node.key", dir);
    sh_key_t *key = NULL;
    sh_store_t *store = NULL;
    sh_err rc = sh_key_load (&key, kp);
    if (rc == SH_OK)
        rc = sh_store_open (&store, dir, false, 0);
    if (rc) {
        fprintf (stderr, "shouhe-audit: cannot open the node in %s: %s\n", dir, sh_strerror (rc));
        sh_key_destroy (&key);
        return SH_EXIT_STORE;
    }
    const uint8_t *me = sh_key_public (key);
    s_state_t st = { .cps = calloc (S_MAX_CHECKPOINTS, sizeof (s_cp_t)) };
    sh_store_txn_t *txn = NULL;
    rc = st.cps ? sh_store_begin (store, false, &txn) : SH_ENOMEM;
    uint64_t n_proofs = 0, n_batches = 0, n_changes = 0;

    //  1. checkpoints ('c'), in size order
    sh_store_cursor_t *cur = NULL;
    if (rc == SH_OK)
        rc = sh_store_cursor_open (txn, SH_DB_RECEIPTS, "c", 1, &cur);
    const uint8_t *k, *v;
    size_t kl, vl;
    while (rc == SH_OK && sh_store_cursor_next (cur, &k, &kl, &v, &vl) == SH_OK) {
        uint64_t size = kl == 9 ? sh_store_get_be64 (k + 1) : 0;
        sh_note_checkpoint_t cp;
        if (kl != 9 || sh_hubid_open_checkpoint (&hub, &cp, (const char *) v, vl) != SH_OK) {
            s_fault (&st, "checkpoint-signature", "the checkpoint held for size %" PRIu64
                     " is not a checkpoint signed by the hub key", size);
            continue;
        }
        if (cp.size != size) {
            s_fault (&st, "checkpoint", "the checkpoint held under size %" PRIu64 " says size %" PRIu64,
                     size, cp.size);
            continue;
        }
        if (st.n == S_MAX_CHECKPOINTS)
            break;
        st.cps[st.n].size = size;
        memcpy (st.cps[st.n].root, cp.root, SH_HASH_BYTES);
        st.n++;
    }
    sh_store_cursor_close (&cur);

    //  2. consistency proofs ('p') between held checkpoints
    if (rc == SH_OK)
        rc = sh_store_cursor_open (txn, SH_DB_RECEIPTS, "p", 1, &cur);
    while (rc == SH_OK && sh_store_cursor_next (cur, &k, &kl, &v, &vl) == SH_OK) {
        uint64_t old = kl == 17 ? sh_store_get_be64 (k + 1) : 0, new = kl == 17 ? sh_store_get_be64 (k + 9) : 0;
        s_cp_t *a = s_find (&st, old), *b = s_find (&st, new);
        if (kl != 17 || vl % SH_HASH_BYTES || !a || !b) {
            s_fault (&st, "consistency", "a proof from size %" PRIu64 " to %" PRIu64
                     " does not join two held checkpoints", old, new);
            continue;
        }
        if (sh_merkle_verify_consistency (old, new, a->root, b->root, (const uint8_t (*)[SH_HASH_BYTES]) v,
                                          vl / SH_HASH_BYTES) != SH_OK) {
            s_fault (&st, "consistency", "the tree of size %" PRIu64 " is not proven a prefix of the tree of "
                     "size %" PRIu64 ": the hub's history is inconsistent", old, new);
            continue;
        }
        n_proofs++;
        //  it links b to the held checkpoint just before it
        if (b > st.cps && (b - 1)->size == old)
            b->linked = true;
    }
    sh_store_cursor_close (&cur);
    for (size_t i = 1; i < st.n; i++)
        if (!st.cps[i].linked)
            s_fault (&st, "unlinked", "no consistency proof links the checkpoint of size %" PRIu64
                     " to the one of size %" PRIu64 " before it", st.cps[i].size, st.cps[i - 1].size);

    //  3. batch receipts ('b'): this node's changes are the checkpoint's last leaves
    if (rc == SH_OK)
        rc = sh_store_cursor_open (txn, SH_DB_RECEIPTS, "b", 1, &cur);
    while (rc == SH_OK && sh_store_cursor_next (cur, &k, &kl, &v, &vl) == SH_OK) {
        uint64_t first_seq = kl == 9 ? sh_store_get_be64 (k + 1) : 0;
        if (kl != 9 || vl < 24 || (vl - 24) % SH_HASH_BYTES) {
            s_fault (&st, "receipt", "the receipt of seq %" PRIu64 " is malformed", first_seq);
            continue;
        }
        uint64_t count = sh_store_get_be64 (v), first_leaf = sh_store_get_be64 (v + 8);
        uint64_t size = sh_store_get_be64 (v + 16);
        size_t n_range = (vl - 24) / SH_HASH_BYTES;
        s_cp_t *cp = s_find (&st, size);
        if (!cp || count == 0 || count > 1u << 20 || first_leaf + count != size) {
            s_fault (&st, "receipt", "the receipt of seqs %" PRIu64 "..%" PRIu64 " names no held checkpoint "
                     "of size %" PRIu64, first_seq, first_seq + count - 1, size);
            continue;
        }
        uint8_t (*leaves)[SH_HASH_BYTES] = calloc (count, SH_HASH_BYTES);
        bool ok = leaves != NULL;
        for (uint64_t i = 0; ok && i < count; i++) {
            uint64_t index;
            const uint8_t *b;
            size_t len;
            ok = sh_changelog_find (txn, me, first_seq + i, &index, NULL) == SH_OK
              && sh_changelog_get (txn, index, &b, &len) == SH_OK;
            if (ok)
                sh_merkle_leaf_hash (leaves[i], b, len);
        }
        uint8_t root[SH_HASH_BYTES];
        if (!ok)
            s_fault (&st, "receipt", "this node no longer holds its changes %" PRIu64 "..%" PRIu64,
                     first_seq, first_seq + count - 1);
        else
        if (sh_merkle_range_root ((const uint8_t (*)[SH_HASH_BYTES]) (v + 24), n_range, first_leaf,
                                  (const uint8_t (*)[SH_HASH_BYTES]) leaves, count, root) != SH_OK
        ||  memcmp (root, cp->root, SH_HASH_BYTES) != 0)
            s_fault (&st, "receipt", "changes %" PRIu64 "..%" PRIu64 " of this node are not leaves %" PRIu64
                     "..%" PRIu64 " of the checkpoint of size %" PRIu64, first_seq, first_seq + count - 1,
                     first_leaf, first_leaf + count - 1, size);
        else {
            n_batches++;
            n_changes += count;
        }
        free (leaves);
    }
    sh_store_cursor_close (&cur);
    sh_store_abort (&txn);
    sh_store_close (&store);
    sh_key_destroy (&key);
    free (st.cps);
    if (rc) {
        fprintf (stderr, "shouhe-audit: cannot read the receipts in %s: %s\n", dir, sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    if (st.faults) {
        printf ("%u fault%s in the receipts of %s\n", st.faults, st.faults == 1 ? "" : "s", dir);
        return SH_EXIT_REFUSED;
    }
    printf ("ok: %zu checkpoint%s signed by the hub, %" PRIu64 " consistency proof%s, %" PRIu64
            " batch receipt%s covering %" PRIu64 " of this node's changes\n", st.n, st.n == 1 ? "" : "s",
            n_proofs, n_proofs == 1 ? "" : "s", n_batches, n_batches == 1 ? "" : "s", n_changes);
    return SH_EXIT_OK;
}
