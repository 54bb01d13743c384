/*  audit_receipts -- `shouhe-audit receipts NODE_DIR --hub-key HEX`: check
    every receipt a node holds (docs/protocol.md 13.18) against the hub's
    key, without the hub: each checkpoint note's signature, each stored
    consistency proof between two held checkpoints, that consecutive held
    checkpoints are linked by one, and each batch receipt: the node's own
    changes, hashed as leaves with the stored left compact range, give the
    root of the checkpoint it was issued with. Then that every one of the
    node's own changes is covered by a batch receipt (docs/protocol.md
    13.18, "receipts complete", and 15.6): the uncovered ones are listed as
    seq ranges, and a node that holds no checkpoint at all never synced.
    The receipts database is read through sh_receipts, whose checks the
    node applied when it took them.
*/
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit.h"
#include "sh_changelog.h"
#include "sh_crypto.h"
#include "sh_hubid.h"
#include "sh_i18n.h"
#include "sh_key.h"
#include "sh_receipts.h"
#include "sh_store.h"

#define S_MAX_CHECKPOINTS 100000
#define S_GAPS_SHOWN 50                //  uncovered seq ranges printed (JSON lists them all)

typedef struct {
    sh_receipts_head_t head;           //  tree size and root
    bool linked;                       //  a proof links it to the previous one
} s_cp_t;

typedef struct {
    const sh_hubid_t *hub;             //  the hub whose receipts these are
    sh_store_txn_t *txn;               //  the node's store, read
    const uint8_t *me;                 //  the node's key
    s_cp_t *cps;                       //  held checkpoints, by size
    size_t n;                          //  how many
    unsigned faults;                   //  faults printed
    uint64_t n_proofs;                 //  consistency proofs that verify
    uint64_t n_batches, n_changes;     //  batch receipts that hold, and their changes
    uint64_t my_head;                  //  the node's own chain head
    uint64_t n_gaps, n_uncovered;      //  uncovered seq ranges and changes
    json_t *json;                      //  --json: the report being built (NULL: text)
} s_state_t;

static void
s_fault (s_state_t *st, const char *kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
s_fault (s_state_t *st, const char *kind, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (msg, sizeof msg, fmt, ap);
    va_end (ap);
    if (st->json)
        json_array_append_new (json_object_get (st->json, "faults"),
                               json_pack ("{s:s, s:s}", "kind", kind, "message", msg));
    else
        printf (_("fault %s: %s\n"), kind, msg);
    st->faults++;
}

static s_cp_t *
s_find (s_state_t *st, uint64_t size)
{
    for (size_t i = 0; i < st->n; i++)
        if (st->cps[i].head.size == size)
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
        ok = sh_receipts_hub_key (txn, hex) == SH_OK;
        sh_store_abort (&txn);
    }
    sh_store_close (&store);
    return ok;
}

//  1. checkpoints ('c'), in size order: signed by the hub, of their size.
static int
s_on_checkpoint (const sh_receipts_entry_t *e, void *arg)
{
    s_state_t *st = arg;
    const sh_receipts_checkpoint_t *c = &e->u.checkpoint;
    sh_note_checkpoint_t cp;
    if (e->malformed || sh_hubid_open_checkpoint (st->hub, &cp, c->note, c->note_len) != SH_OK) {
        s_fault (st, "checkpoint-signature", _("the checkpoint held for size %" PRIu64
                 " is not a checkpoint signed by the hub key"), c->size);
        return 0;
    }
    if (cp.size != c->size) {
        s_fault (st, "checkpoint", _("the checkpoint held under size %" PRIu64 " says size %" PRIu64),
                 c->size, cp.size);
        return 0;
    }
    if (st->n == S_MAX_CHECKPOINTS)
        return 1;
    st->cps[st->n].head.size = c->size;
    memcpy (st->cps[st->n].head.root, cp.root, SH_HASH_BYTES);
    st->n++;
    return 0;
}

//  2. consistency proofs ('p') between held checkpoints.
static int
s_on_proof (const sh_receipts_entry_t *e, void *arg)
{
    s_state_t *st = arg;
    const sh_receipts_proof_t *p = &e->u.proof;
    s_cp_t *a = s_find (st, p->old_size), *b = s_find (st, p->new_size);
    if (e->malformed || !a || !b) {
        s_fault (st, "consistency", _("a proof from size %" PRIu64 " to %" PRIu64
                 " does not join two held checkpoints"), p->old_size, p->new_size);
        return 0;
    }
    if (sh_receipts_check_extends (&a->head, &b->head, p->hashes, p->n) != SH_OK) {
        s_fault (st, "consistency", _("the tree of size %" PRIu64 " is not proven a prefix of the tree of "
                 "size %" PRIu64 ": the hub's history is inconsistent"), p->old_size, p->new_size);
        return 0;
    }
    st->n_proofs++;
    //  it links b to the held checkpoint just before it
    if (b > st->cps && (b - 1)->head.size == p->old_size)
        b->linked = true;
    return 0;
}

//  3. batch receipts ('b'): this node's changes are leaves of the checkpoint's tree.
static int
s_on_batch (const sh_receipts_entry_t *e, void *arg)
{
    s_state_t *st = arg;
    const sh_receipts_batch_t *b = &e->u.batch;
    uint64_t last = b->first_seq + b->count - 1;
    if (e->malformed) {
        s_fault (st, "receipt", _("the receipt of seq %" PRIu64 " is malformed"), b->first_seq);
        return 0;
    }
    const s_cp_t *cp = s_find (st, b->size);
    uint64_t failed_seq = 0;
    sh_err rc = cp ? sh_receipts_check_batch (st->txn, st->me, b, cp->head.root, &failed_seq) : SH_EINVAL;
    if (rc == SH_EINVAL && !failed_seq)
        s_fault (st, "receipt", _("the receipt of seqs %" PRIu64 "..%" PRIu64 " names no held checkpoint "
                 "of size %" PRIu64), b->first_seq, last, b->size);
    else
    if (rc == SH_ECRYPTO && !failed_seq)
        s_fault (st, "receipt", _("changes %" PRIu64 "..%" PRIu64 " of this node are not leaves %" PRIu64
                 "..%" PRIu64 " of the checkpoint of size %" PRIu64), b->first_seq, last,
                 b->first_leaf, b->first_leaf + b->count - 1, b->size);
    else
    if (rc)
        s_fault (st, "receipt", _("this node no longer holds its changes %" PRIu64 "..%" PRIu64),
                 b->first_seq, last);
    else {
        st->n_batches++;
        st->n_changes += b->count;
    }
    return 0;
}

//  4. coverage: one uncovered run of this node's seqs.
static int
s_on_gap (uint64_t first, uint64_t last, void *arg)
{
    s_state_t *st = arg;
    if (st->json)
        json_array_append_new (json_object_get (st->json, "uncovered"),
                               json_pack ("{s:I, s:I}", "first", (json_int_t) first, "last", (json_int_t) last));
    else
    if (st->n_gaps < S_GAPS_SHOWN)
        printf (_("uncovered: this node's changes %" PRIu64 "..%" PRIu64 " have no receipt\n"), first, last);
    st->n_gaps++;
    st->n_uncovered += last - first + 1;
    return 0;
}

//  Every check, in one read transaction of the node's store.
static sh_err
s_check (s_state_t *st, sh_store_t *store)
{
    sh_err rc = sh_store_begin (store, false, &st->txn);
    if (rc == SH_OK)
        rc = sh_receipts_each (st->txn, SH_RECEIPTS_CHECKPOINT, s_on_checkpoint, st);
    if (rc == SH_OK)
        rc = sh_receipts_each (st->txn, SH_RECEIPTS_PROOF, s_on_proof, st);
    for (size_t i = 1; rc == SH_OK && i < st->n; i++)
        if (!st->cps[i].linked)
            s_fault (st, "unlinked", _("no consistency proof links the checkpoint of size %" PRIu64
                     " to the one of size %" PRIu64 " before it"), st->cps[i].head.size, st->cps[i - 1].head.size);
    if (rc == SH_OK)
        rc = sh_receipts_each (st->txn, SH_RECEIPTS_BATCH, s_on_batch, st);
    uint8_t hash[SH_HASH_BYTES];
    if (rc == SH_OK)
        rc = sh_changelog_head (st->txn, st->me, &st->my_head, hash);
    if (rc == SH_OK && st->n > 0)
        rc = sh_receipts_uncovered (st->txn, 1, st->my_head, s_on_gap, st);
    if (rc == SH_OK && st->n_gaps > S_GAPS_SHOWN && !st->json)
        printf (_("uncovered: ... and %" PRIu64 " more runs\n"), st->n_gaps - S_GAPS_SHOWN);
    sh_store_abort (&st->txn);
    return rc;
}

//  The outcome: the summary line (or the JSON report) and the exit code.
static int
s_report (s_state_t *st, const char *dir)
{
    bool never = st->n == 0;
    int code = st->faults || never || st->n_uncovered ? SH_EXIT_REFUSED : SH_EXIT_OK;
    if (st->json) {
        json_t *o = st->json;
        json_object_set_new (o, "ok", json_boolean (code == SH_EXIT_OK));
        json_object_set_new (o, "never_synced", json_boolean (never));
        json_object_set_new (o, "checkpoints", json_integer ((json_int_t) st->n));
        json_object_set_new (o, "proofs", json_integer ((json_int_t) st->n_proofs));
        json_object_set_new (o, "batches", json_integer ((json_int_t) st->n_batches));
        json_object_set_new (o, "changes", json_integer ((json_int_t) st->my_head));
        json_object_set_new (o, "uncovered_changes", json_integer ((json_int_t) st->n_uncovered));
        json_dumpf (o, stdout, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
        putchar ('\n');
        return code;
    }
    if (never)
        printf (_("never synced: %s holds no checkpoint of the hub, so no receipt for any of its %" PRIu64
                " changes\n"), dir, st->my_head);
    if (st->n_uncovered)
        printf (_("%" PRIu64 " of this node's %" PRIu64 " changes are covered by no receipt (%" PRIu64 " run%s); "
                "a sync fetches their proofs\n"), st->n_uncovered, st->my_head, st->n_gaps,
                st->n_gaps == 1 ? "" : "s");
    if (st->faults)
        printf (_("%u fault%s in the receipts of %s\n"), st->faults, st->faults == 1 ? "" : "s", dir);
    if (code == SH_EXIT_OK)
        printf (_("ok: %zu checkpoint%s signed by the hub, %" PRIu64 " consistency proof%s, %" PRIu64
                " batch receipt%s covering %" PRIu64 " of this node's changes; all %" PRIu64 " are covered\n"),
                st->n, st->n == 1 ? "" : "s", st->n_proofs, st->n_proofs == 1 ? "" : "s", st->n_batches,
                st->n_batches == 1 ? "" : "s", st->n_changes, st->my_head);
    return code;
}

int
audit_receipts (const char *dir, const char *hub_key_hex, bool json)
{
    char stored[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    if (!hub_key_hex) {
        if (!s_stored_hub_key (dir, stored)) {
            if (json)
                printf ("{\n  \"ok\": false,\n  \"never_synced\": true\n}\n");
            else
                printf (_("never synced: %s has no hub key on record and holds no checkpoint of a hub "
                        "(give --hub-key HEX to check it against one)\n"), dir);
            return SH_EXIT_REFUSED;
        }
        hub_key_hex = stored;
        if (!json)
            printf (_("hub key: %s (as recorded by the node; give --hub-key to check against a key you trust)\n"),
                    stored);
    }
    sh_hubid_t hub;
    if (sh_hubid_init_hex (&hub, hub_key_hex) != SH_OK) {
        fprintf (stderr, _("shouhe-audit: --hub-key '%s' is not a 64-hex public key\n"), hub_key_hex);
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
        fprintf (stderr, _("shouhe-audit: cannot open the node in %s: %s\n"), dir, sh_strerror (rc));
        sh_key_destroy (&key);
        return SH_EXIT_STORE;
    }
    s_state_t st = { .hub = &hub, .me = sh_key_public (key),
                     .cps = calloc (S_MAX_CHECKPOINTS, sizeof (s_cp_t)),
                     .json = json ? json_pack ("{s:[], s:[]}", "faults", "uncovered") : NULL };
    //  the faults' messages: English in JSON (programs read it), audit_english
    if (json)
        audit_english (true);
    rc = st.cps && (!json || st.json) ? s_check (&st, store) : SH_ENOMEM;
    if (json)
        audit_english (false);
    sh_store_close (&store);
    sh_key_destroy (&key);
    free (st.cps);
    int code = SH_EXIT_STORE;
    if (rc)
        fprintf (stderr, _("shouhe-audit: cannot read the receipts in %s: %s\n"), dir, sh_strerror (rc));
    else
        code = s_report (&st, dir);
    json_decref (st.json);
    return code;
}
