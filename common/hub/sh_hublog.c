/*  sh_hublog -- the hub's side of the change log: Push and checkpoints.
    See sh_hublog.h; the Pull is in sh_hublog_pull.c (sh_hublog_int.h).
*/
#include "sh_hublog.h"
#include "sh_hublog_int.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_change.h"
#include "sh_changelog.h"
#include "sh_hlc.h"
#include "sh_clock.h"
#include "sh_i18n.h"
#include "sh_ingest.h"
#include "sh_merge.h"
#include "sh_merkle.h"
#include "sh_openings.h"
#include "sh_note.h"
#include "sh_opener.h"

//  ---------------------------------------------------------------------
//  Push

#define S_REFUSE(res, c, pos, ...) do { (res)->code = (c); (res)->has_position = true; \
    (res)->position = (uint32_t) (pos); \
    snprintf ((res)->message, sizeof (res)->message, __VA_ARGS__); } while (0)

static void
s_hex8 (char out[17], const uint8_t *key)
{
    sh_crypto_hex (out, key, 8);
}

//  Index a stored change by the 6-, 9- and 12-digit prefixes of its region.
static sh_err
s_index_scopes (sh_store_txn_t *txn, const char *region, uint64_t index)
{
    static const size_t lens[] = { 6, 9, 12 };
    size_t rl = strlen (region);
    uint8_t key[12 + 1 + 8];
    for (size_t i = 0; i < 3 && lens[i] <= rl; i++) {
        memcpy (key, region, lens[i]);
        key[lens[i]] = '/';
        sh_store_put_be64 (key + lens[i] + 1, index);
        sh_err rc = sh_store_put (txn, SH_DB_SCOPES, key, lens[i] + 9, "", 0);
        if (rc)
            return rc;
    }
    return SH_OK;
}

//  A clock correction reaches every node that may hold its author's
//  changes: besides its own region's prefixes (s_index_scopes) it is indexed
//  under every longer prefix (9 or 12 digits) inside its region that the
//  scopes index holds (docs/protocol.md 13.8 step 5).
static sh_err
s_index_clock (sh_store_txn_t *txn, const char *region, uint64_t index)
{
    size_t rl = strlen (region);
    char (*found)[13] = NULL;
    size_t n = 0, cap = 0;
    sh_store_cursor_t *cur;
    sh_err rc = sh_store_cursor_open (txn, SH_DB_SCOPES, region, rl, &cur);
    while (rc == SH_OK) {
        const uint8_t *k, *v;
        size_t kl, vl;
        rc = sh_store_cursor_next (cur, &k, &kl, &v, &vl);
        if (rc)
            break;
        const uint8_t *slash = memchr (k, '/', kl);
        size_t pl = slash ? (size_t) (slash - k) : 0;
        if (!slash || pl > 12 || kl != pl + 9) {
            rc = SH_ECORRUPT;
            break;
        }
        if (pl > rl) {
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                void *f = realloc (found, cap * sizeof *found);
                if (!f) {
                    rc = SH_ENOMEM;
                    break;
                }
                found = f;
            }
            memcpy (found[n], k, pl);
            found[n++][pl] = '\0';
        }
        //  past this prefix's entries: '0' sorts after '/'
        uint8_t seek[13];
        memcpy (seek, k, pl);
        seek[pl] = '0';
        rc = sh_store_cursor_seek (cur, seek, pl + 1);
    }
    sh_store_cursor_close (&cur);
    if (rc == SH_ENOTFOUND)
        rc = SH_OK;
    for (size_t i = 0; i < n && rc == SH_OK; i++) {
        uint8_t key[12 + 1 + 8];
        size_t pl = strlen (found[i]);
        memcpy (key, found[i], pl);
        key[pl] = '/';
        sh_store_put_be64 (key + pl + 1, index);
        rc = sh_store_put (txn, SH_DB_SCOPES, key, pl + 9, "", 0);
    }
    free (found);
    return rc;
}

//  Keep both sides of an equivocation and block the author. The side
//  already held is in the log, or -- when both sides came in this one
//  batch -- an earlier item of the batch (whose append was rolled back).
static sh_err
s_evidence (sh_store_t *store, const sh_opened_t *items, const sh_wire_bytes_t *changes, size_t i)
{
    const sh_opened_t *it = &items[i];
    const sh_wire_bytes_t *bytes = &changes[i];
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (store, true, &txn);
    if (rc)
        return rc;
    uint8_t key[SH_PUBKEY_BYTES + 8 + SH_HASH_BYTES];
    memcpy (key, it->change.author, SH_PUBKEY_BYTES);
    sh_store_put_be64 (key + SH_PUBKEY_BYTES, it->change.seq);
    //  the new side
    memcpy (key + SH_PUBKEY_BYTES + 8, it->hash, SH_HASH_BYTES);
    rc = sh_store_put (txn, SH_DB_EVIDENCE, key, sizeof key, bytes->data, bytes->len);
    //  the side already in the log
    uint64_t index;
    uint8_t hash[SH_HASH_BYTES];
    const uint8_t *old;
    size_t old_len;
    if (rc == SH_OK)
        rc = sh_changelog_find (txn, it->change.author, it->change.seq, &index, hash);
    if (rc == SH_OK)
        rc = sh_changelog_get (txn, index, &old, &old_len);
    else
    if (rc == SH_ENOTFOUND)
        for (size_t j = 0; j < i; j++)
            if (items[j].rc == SH_OK && items[j].change.seq == it->change.seq
            &&  memcmp (items[j].change.author, it->change.author, SH_PUBKEY_BYTES) == 0
            &&  memcmp (items[j].hash, it->hash, SH_HASH_BYTES) != 0) {
                memcpy (hash, items[j].hash, SH_HASH_BYTES);
                old = changes[j].data;
                old_len = changes[j].len;
                rc = SH_OK;
                break;
            }
    if (rc == SH_OK) {
        memcpy (key + SH_PUBKEY_BYTES + 8, hash, SH_HASH_BYTES);
        rc = sh_store_put (txn, SH_DB_EVIDENCE, key, sizeof key, old, old_len);
    }
    if (rc == SH_OK)
        rc = sh_registry_set_blocked (txn, it->change.author, true);
    if (rc == SH_OK)
        return sh_store_commit (&txn);
    sh_store_abort (&txn);
    return rc;
}

//  The cap clock corrections put on item i (docs/protocol.md 13.8 step
//  4.4): those later in this batch and those the hub already holds.
//  UINT64_MAX when none caps it.
static sh_err
s_clock_cap (sh_store_t *store, const sh_opened_t *items, size_t n, size_t i, uint64_t *cap)
{
    const sh_change_t *c = &items[i].change;
    *cap = UINT64_MAX;
    for (size_t j = i + 1; j < n; j++) {
        const sh_change_t *x = &items[j].change;
        if (items[j].rc == SH_OK && x->op == SH_OP_CLOCK && memcmp (x->author, c->author, SH_PUBKEY_BYTES) == 0) {
            uint64_t k = sh_clock_cap_of (c->seq, x->seq, x->hlc);
            if (k < *cap)
                *cap = k;
        }
    }
    sh_store_txn_t *txn;
    uint64_t held = UINT64_MAX;
    sh_err rc = sh_store_begin (store, false, &txn);
    if (rc == SH_OK)
        rc = sh_clock_cap (txn, c->author, c->seq, &held);
    sh_store_abort (&txn);
    if (held < *cap)
        *cap = held;
    return rc;
}

static sh_err s_sign_head (sh_store_txn_t *txn, const sh_hubid_t *hub, uint64_t size,
                           char **signed_note, size_t *note_len);

//  A change just appended to the log (at its last index) becomes the
//  tree's next leaf (leaf_hash: its leaf hash, computed while it was
//  opened; NULL: hashed here), is merged and is indexed by scope. scope_why: a Push
//  refuses a change that breaks the scope rule (SH_ESCOPE returned, the
//  sentence in scope_why, why_len bytes); NULL: a leaf taken back in
//  recovery is kept as it was and merged as it was, not at all then.
static sh_err
s_grow (sh_store_txn_t *txn, const uint8_t *bytes, size_t len, const uint8_t *leaf_hash, const sh_change_t *c,
        char *scope_why, size_t why_len)
{
    uint64_t index, leaf;
    sh_err rc = sh_changelog_size (txn, &index);
    if (rc == SH_OK)
        rc = leaf_hash ? sh_merkle_append_hash (txn, leaf_hash, &leaf) : sh_merkle_append (txn, bytes, len, &leaf);
    if (rc == SH_OK && leaf + 1 != index)
        rc = SH_ECORRUPT;       //  log and tree must grow together
    if (rc == SH_OK)
        rc = sh_merge_take (txn, c, scope_why, why_len);
    if (rc == SH_ESCOPE && !scope_why)
        rc = SH_OK;
    if (rc == SH_OK)
        rc = s_index_scopes (txn, c->region, index);
    if (rc == SH_OK && c->op == SH_OP_CLOCK)
        rc = s_index_clock (txn, c->region, index);
    return rc;
}

sh_err
sh_hublog_append (sh_store_txn_t *txn, const uint8_t *bytes, size_t len, const sh_change_t *c,
                  const uint8_t hash[SH_HASH_BYTES])
{
    bool dup = false;
    sh_err rc = sh_changelog_append (txn, bytes, len, c, hash, &dup);
    if (rc == SH_OK && dup)
        return SH_EEXIST;
    return rc ? rc : s_grow (txn, bytes, len, NULL, c, NULL, 0);
}

//  The program's domain rule on change i, stored and merged in txn: a
//  refusal goes into res (SH_OK returned); a store error is returned.
static sh_err
s_rule (sh_store_txn_t *txn, sh_hublog_rule_fn *rule, void *arg, const sh_change_t *c, size_t i,
        sh_hublog_result_t *res)
{
    sh_wire_error_t code = SH_WIRE_ERR_INTERNAL;
    char message[SH_WIRE_MESSAGE_MAX + 1] = "";
    sh_err rc = rule (txn, c, &code, message, arg);
    if (rc == SH_ERULE) {
        S_REFUSE (res, code, i, _("change %zu: %s"), i, message);
        return SH_OK;
    }
    return rc;
}

//  ---------------------------------------------------------------------
//  Quotas (13.20)

//  The quota verdict on a batch before its signatures are verified: when
//  the batch would fit even if every change were new, nothing more; else
//  its changes decoded only (cheap), those past the hub's head of the key --
//  or undecodable, or by another author, which are refused later anyway --
//  counted as new. False when within the quota or when the store cannot
//  tell (the write transaction judges again). *head: the key's head at the
//  hub as read for it (0 when unread).
static bool
s_quota_refuses (sh_store_t *store, const uint8_t key[SH_PUBKEY_BYTES], const sh_wire_bytes_t *changes,
                 size_t n, uint64_t quota_ms, uint64_t *head, sh_hublog_result_t *res)
{
    *head = 0;
    sh_store_txn_t *txn;
    if (sh_store_begin (store, false, &txn) != SH_OK)
        return false;
    uint64_t fresh = 0, bytes = 0;
    uint8_t hh[SH_HASH_BYTES];
    sh_quota_t q;
    sh_err rc = sh_changelog_head (txn, key, head, hh);
    if (rc == SH_OK)
        rc = sh_quota_get (txn, key, quota_ms, &q);
    sh_store_abort (&txn);
    if (rc)
        return false;
    //  were every change new, would it fit? Then nothing needs decoding
    uint64_t all_bytes = 0;
    for (size_t i = 0; i < n; i++)
        all_bytes += changes[i].len;
    if (sh_quota_check (&q, quota_ms, n, all_bytes, res->message, sizeof res->message) == SH_QUOTA_OK)
        return false;
    for (size_t i = 0; i < n; i++) {
        uint8_t *cb, sig[SH_SIG_BYTES];
        size_t cl;
        sh_change_t c;
        bool is_new = true;
        if (sh_change_unwrap (&cb, &cl, sig, changes[i].data, changes[i].len) == SH_OK) {
            if (sh_change_decode (&c, cb, cl, NULL) == SH_OK) {
                is_new = c.seq > *head || memcmp (c.author, key, SH_PUBKEY_BYTES) != 0;
                sh_change_fini (&c);
            }
            free (cb);
        }
        fresh += is_new;
        bytes += is_new ? changes[i].len : 0;
    }
    res->quota = sh_quota_check (&q, quota_ms, fresh, bytes, res->message, sizeof res->message);
    if (res->quota == SH_QUOTA_OK)
        return false;
    res->code = SH_WIRE_ERR_QUOTA;
    return true;
}

//  The same verdict in the write transaction on what the batch added;
//  counted in the key's usage when within the quota.
static sh_err
s_quota_take (sh_store_txn_t *txn, const uint8_t key[SH_PUBKEY_BYTES], uint64_t fresh, uint64_t bytes,
              uint64_t quota_ms, sh_hublog_result_t *res)
{
    sh_quota_t q;
    sh_err rc = sh_quota_get (txn, key, quota_ms, &q);
    if (rc)
        return rc;
    res->quota = sh_quota_check (&q, quota_ms, fresh, bytes, res->message, sizeof res->message);
    if (res->quota != SH_QUOTA_OK) {
        res->code = SH_WIRE_ERR_QUOTA;
        return SH_OK;
    }
    return sh_quota_add (txn, key, quota_ms, fresh, bytes);
}

//  Take change i's openings of the Push (sh_openings_take): a forged one
//  refuses the Push (res); a store error is returned, and nothing of the
//  Push is kept.
static sh_err
s_openings (sh_store_txn_t *txn, const sh_change_t *c, size_t i, const sh_wire_opening_t *openings, size_t n,
            sh_hublog_result_t *res)
{
    sh_err rc = n ? sh_openings_take (txn, c, i, openings, n, NULL) : SH_OK;
    if (rc == SH_ECRYPTO) {
        S_REFUSE (res, SH_WIRE_ERR_SIGNATURE, i, _("change %zu: an opening does not open its seal"), i);
        rc = SH_OK;
    }
    return rc;
}

struct sh_hublog_opening_t {
    sh_store_t *store;                  //  the hub's store (borrowed)
    uint8_t key[SH_PUBKEY_BYTES];       //  the pushing key ...
    uint64_t head;                      //  ... and its head at the hub when the opening began
    const sh_wire_bytes_t *changes;     //  the Push's changes (borrowed)
    size_t n;
    sh_opened_t *items;                 //  their slots (owned)
    sh_opener_job_t job;                //  filling them (in the background, or done)
    sh_hublog_result_t verdict;         //  the quota's first verdict: code != 0, refused (nothing opened)
};

//  sh_change_held_fn (arg: the opening): is the change in the hub's log,
//  byte for byte? Only the pushing key's changes up to its head can be:
//  for those only, a read transaction of its own, on whichever thread
//  opens. A head that grew since the opening began only costs a
//  verification more.
static bool
s_held (const uint8_t author[SH_PUBKEY_BYTES], uint64_t seq, const uint8_t *signed_bytes, size_t signed_len,
        void *arg)
{
    const sh_hublog_opening_t *o = arg;
    sh_store_txn_t *txn;
    if (seq > o->head || memcmp (author, o->key, SH_PUBKEY_BYTES) != 0
    ||  sh_store_begin (o->store, false, &txn) != SH_OK)
        return false;
    const uint8_t *held;
    size_t held_len;
    bool same = sh_changelog_get_seq (txn, author, seq, &held, &held_len) == SH_OK && held_len == signed_len
             && memcmp (held, signed_bytes, signed_len) == 0;
    sh_store_abort (&txn);
    return same;
}

//  sh_hublog_open, in the background or (background false) here.
static sh_err
s_open (sh_store_t *store, const uint8_t key[SH_PUBKEY_BYTES], const sh_wire_bytes_t *changes, size_t n,
        int threads, uint64_t quota_ms, bool background, sh_hublog_opening_t **out)
{
    assert (store && key && out && (changes || n == 0));
    *out = NULL;
    sh_hublog_opening_t *self = calloc (1, sizeof *self);
    if (self)
        self->items = calloc (n ? n : 1, sizeof *self->items);
    if (!self || !self->items) {
        free (self);
        return SH_ENOMEM;
    }
    self->store = store;
    memcpy (self->key, key, SH_PUBKEY_BYTES);
    self->changes = changes;
    self->n = n;
    if (s_quota_refuses (store, key, changes, n, quota_ms, &self->head, &self->verdict))
        self->n = 0;            //  refused before any signature is verified
    else
    if (background)
        sh_opener_start_held (&self->job, changes, self->items, n, threads, s_held, self);
    else
        sh_opener_run_held (changes, self->items, n, threads, s_held, self);
    *out = self;
    return SH_OK;
}

sh_err
sh_hublog_open (sh_store_t *store, const uint8_t key[SH_PUBKEY_BYTES], const sh_wire_bytes_t *changes, size_t n,
                int threads, uint64_t quota_ms, sh_hublog_opening_t **out)
{
    return s_open (store, key, changes, n, threads, quota_ms, true, out);
}

bool
sh_hublog_opening_refused (const sh_hublog_opening_t *self)
{
    assert (self);
    return self->verdict.code != 0;
}

void
sh_hublog_opening_wait (sh_hublog_opening_t *self)
{
    assert (self);
    sh_opener_wait (&self->job);
}

void
sh_hublog_opening_destroy (sh_hublog_opening_t **self_p)
{
    assert (self_p);
    sh_hublog_opening_t *self = *self_p;
    if (!self)
        return;
    sh_opener_wait (&self->job);
    for (size_t i = 0; i < self->n; i++)
        if (self->items[i].rc == SH_OK)
            sh_change_fini (&self->items[i].change);
    free (self->items);
    free (self);
    *self_p = NULL;
}

//  Judge and store the batch of an opening (waited for) that the quota's
//  first verdict let through.
static sh_err
s_push (sh_store_t *store, const sh_registry_entry_t *entry, const sh_hublog_opening_t *op,
        const sh_wire_opening_t *openings, size_t n_openings, const sh_hubid_t *hub, uint64_t quota_ms,
        sh_hublog_rule_fn *rule, void *arg, sh_hublog_result_t *res)
{
    memset (res, 0, sizeof *res);
    const sh_wire_bytes_t *changes = op->changes;
    size_t n = op->n;
    sh_opened_t *items = op->items;     //  decoded, verified, hashed

    //  Judge every change before writing anything (sh_ingest): written by
    //  this session's key, its effective clock at most SH_CLOCK_BOUND_MS
    //  ahead, a valid body.
    sh_ingest_rules_t rules = { .author = entry->key, .now_ms = sh_hlc_system_clock (NULL), .check_body = true };
    sh_err cap_rc = SH_OK;
    for (size_t i = 0; i < n && !res->code && cap_rc == SH_OK; i++) {
        sh_opened_t *it = &items[i];
        rules.hlc_cap = UINT64_MAX;
        if (it->rc == SH_OK && sh_hlc_ms (it->change.hlc) > rules.now_ms + SH_CLOCK_BOUND_MS)
            cap_rc = s_clock_cap (store, items, n, i, &rules.hlc_cap);
        sh_ingest_verdict_t v;
        if (cap_rc == SH_OK && sh_ingest_check (&v, i, it->rc, it->why, &it->change, entry, &rules))
            S_REFUSE (res, v.code, i, "%s", v.message);
    }
    char who[17];
    s_hex8 (who, entry->key);

    sh_store_txn_t *txn = NULL;
    sh_err rc = cap_rc;
    uint64_t fresh_bytes = 0;
    if (!res->code && rc == SH_OK)
        rc = sh_store_begin (store, true, &txn);
    for (size_t i = 0; i < n && !res->code && rc == SH_OK; i++) {
        sh_opened_t *it = &items[i];
        bool dup = false;
        sh_err ar = sh_changelog_append (txn, changes[i].data, changes[i].len, &it->change, it->hash, &dup);
        if (ar == SH_EEQUIVOCATION) {
            S_REFUSE (res, SH_WIRE_ERR_EQUIVOCATION, i,
                      _("change %zu: equivocation: a different change is already held at seq %llu of %s...; "
                      "both are kept as evidence and the key is blocked"), i,
                      (unsigned long long) it->change.seq, who);
            sh_store_abort (&txn);
            rc = s_evidence (store, items, changes, i);
            break;
        }
        if (ar == SH_ECHAIN) {
            uint64_t head;
            uint8_t hh[SH_HASH_BYTES];
            if (sh_changelog_head (txn, it->change.author, &head, hh) != SH_OK)
                head = 0;
            S_REFUSE (res, SH_WIRE_ERR_CHAIN, i, _("change %zu (seq %llu) does not follow the chain the hub "
                      "holds (head seq %llu)"), i, (unsigned long long) it->change.seq,
                      (unsigned long long) head);
            break;
        }
        if (ar) {
            rc = ar;
            break;
        }
        if ((rc = s_openings (txn, &it->change, i, openings, n_openings, res)) || res->code)
            break;
        if (dup) {
            res->duplicates++;
            continue;
        }
        char why[SH_WIRE_MESSAGE_MAX / 2];
        rc = s_grow (txn, changes[i].data, changes[i].len, it->leaf, &it->change, why, sizeof why);
        if (rc == SH_ESCOPE) {          //  the scope rule (3.1), with this batch's earlier changes
            S_REFUSE (res, SH_WIRE_ERR_SCOPE, i, _("change %zu (seq %llu): %s"), i,
                      (unsigned long long) it->change.seq, why);
            rc = SH_OK;
            break;
        }
        if (rc == SH_OK && rule)
            rc = s_rule (txn, rule, arg, &it->change, i, res);
        res->accepted++;
        fresh_bytes += changes[i].len;
    }
    if (txn && !res->code && rc == SH_OK)
        rc = s_quota_take (txn, entry->key, res->accepted, fresh_bytes, quota_ms, res);
    if (txn && !res->code && rc == SH_OK) {
        uint8_t hh[SH_HASH_BYTES];
        rc = sh_changelog_head (txn, entry->key, &res->head_seq, hh);
        //  the new tree head signed in the same transaction: one commit
        if (rc == SH_OK && hub && res->accepted > 0) {
            uint64_t size = 0;
            char *note = NULL;
            size_t note_len;
            rc = sh_merkle_size (txn, &size);
            if (rc == SH_OK)
                rc = s_sign_head (txn, hub, size, &note, &note_len);
            free (note);
        }
        if (rc == SH_OK)
            rc = sh_store_commit (&txn);
    }
    sh_store_abort (&txn);
    if (rc) {
        res->code = rc == SH_ESTOREFULL ? SH_WIRE_ERR_STORE_FULL : SH_WIRE_ERR_INTERNAL;
        res->has_position = false;
        res->accepted = res->duplicates = 0;
        snprintf (res->message, sizeof res->message, _("the hub could not store the batch: %s; retry later"),
                  sh_strerror (rc));
    }
    else
    if (res->code)
        res->accepted = res->duplicates = 0;
    return rc;
}

//  sh_hublog_push_opened without its checks of the caller.
static sh_err
s_push_opened (sh_store_t *store, const sh_registry_entry_t *entry, sh_hublog_opening_t *op,
               const sh_wire_opening_t *openings, size_t n_openings, const sh_hubid_t *hub, uint64_t quota_ms,
               sh_hublog_rule_fn *rule, void *arg, sh_hublog_result_t *res)
{
    if (op->verdict.code) {
        *res = op->verdict;
        return SH_OK;
    }
    sh_opener_wait (&op->job);
    return s_push (store, entry, op, openings, n_openings, hub, quota_ms, rule, arg, res);
}

//  Open the batch here, then judge and store it.
static sh_err
s_push_now (sh_store_t *store, const sh_registry_entry_t *entry, const sh_wire_bytes_t *changes, size_t n,
            const sh_wire_opening_t *openings, size_t n_openings, int threads, const sh_hubid_t *hub,
            uint64_t quota_ms, sh_hublog_rule_fn *rule, void *arg, sh_hublog_result_t *res)
{
    sh_hublog_opening_t *op;
    sh_err rc = s_open (store, entry->key, changes, n, threads, quota_ms, false, &op);
    if (rc) {
        memset (res, 0, sizeof *res);
        res->code = SH_WIRE_ERR_INTERNAL;
        snprintf (res->message, sizeof res->message, _("the hub is out of memory"));
        return rc;
    }
    rc = s_push_opened (store, entry, op, openings, n_openings, hub, quota_ms, rule, arg, res);
    sh_hublog_opening_destroy (&op);
    return rc;
}

sh_err
sh_hublog_push (sh_store_t *store, const sh_registry_entry_t *entry,
                const sh_wire_bytes_t *changes, size_t n, int threads, sh_hublog_result_t *res)
{
    return s_push_now (store, entry, changes, n, NULL, 0, threads, NULL, sh_hlc_system_clock (NULL), NULL, NULL,
                       res);
}

sh_err
sh_hublog_push_signed (sh_store_t *store, const sh_registry_entry_t *entry,
                       const sh_wire_bytes_t *changes, size_t n, int threads,
                       const sh_hubid_t *hub, uint64_t quota_ms, sh_hublog_result_t *res)
{
    assert (hub && hub->key);
    return s_push_now (store, entry, changes, n, NULL, 0, threads, hub, quota_ms, NULL, NULL, res);
}

sh_err
sh_hublog_push_ruled (sh_store_t *store, const sh_registry_entry_t *entry,
                      const sh_wire_bytes_t *changes, size_t n, const sh_wire_opening_t *openings,
                      size_t n_openings, int threads,
                      const sh_hubid_t *hub, uint64_t quota_ms, sh_hublog_rule_fn *rule, void *arg,
                      sh_hublog_result_t *res)
{
    assert (hub && hub->key);
    return s_push_now (store, entry, changes, n, openings, n_openings, threads, hub, quota_ms, rule, arg, res);
}

sh_err
sh_hublog_push_opened (sh_store_t *store, const sh_registry_entry_t *entry, sh_hublog_opening_t *opened,
                       const sh_wire_opening_t *openings, size_t n_openings, const sh_hubid_t *hub,
                       uint64_t quota_ms, sh_hublog_rule_fn *rule, void *arg, sh_hublog_result_t *res)
{
    assert (opened && hub && hub->key);
    return s_push_opened (store, entry, opened, openings, n_openings, hub, quota_ms, rule, arg, res);
}

//  ---------------------------------------------------------------------
//  Checkpoints

//  The newest stored checkpoint: its size and a copy of its note.
sh_err
sh_hublog_latest (sh_store_txn_t *txn, uint64_t *size, char **note)
{
    sh_store_cursor_t *cur;
    sh_err rc = sh_store_cursor_open (txn, SH_DB_CHECKPOINTS, NULL, 0, &cur);
    if (rc)
        return rc;
    const uint8_t *k, *v;
    size_t kl, vl;
    rc = sh_store_cursor_last (cur, &k, &kl, &v, &vl);
    if (rc == SH_OK && kl != 8)
        rc = SH_ECORRUPT;
    if (rc == SH_OK) {
        *size = sh_store_get_be64 (k);
        if (note) {
            *note = malloc (vl + 1);
            if (!*note)
                rc = SH_ENOMEM;
            else {
                memcpy (*note, v, vl);
                (*note)[vl] = 0;
            }
        }
    }
    sh_store_cursor_close (&cur);
    return rc;
}

//  Sign the checkpoint of the tree of size leaves and store it in txn;
//  *signed_note (the caller frees it) is the note.
static sh_err
s_sign_head (sh_store_txn_t *txn, const sh_hubid_t *hub, uint64_t size,
             char **signed_note, size_t *note_len)
{
    uint8_t root[SH_HASH_BYTES];
    char *text = NULL;
    size_t text_len;
    *signed_note = NULL;
    sh_err rc = sh_merkle_root (txn, size, root);
    if (rc == SH_OK)
        rc = sh_note_checkpoint_format (&text, &text_len, hub->origin, size, root, NULL);
    if (rc == SH_OK)
        rc = sh_note_sign (signed_note, note_len, text, text_len, hub->key, hub->origin);
    free (text);
    uint8_t k[8];
    sh_store_put_be64 (k, size);
    if (rc == SH_OK)
        rc = sh_store_put (txn, SH_DB_CHECKPOINTS, k, sizeof k, *signed_note, *note_len);
    if (rc) {
        free (*signed_note);
        *signed_note = NULL;
    }
    return rc;
}

sh_err
sh_hublog_checkpoint (sh_store_t *store, const sh_hubid_t *hub, char **note, uint64_t *size_out)
{
    assert (hub && hub->key);
    if (note)
        *note = NULL;
    if (size_out)
        *size_out = 0;
    //  Usually the head is signed already (every push signs it): look in a
    //  read transaction, and take the writer's lock only to sign a new one.
    sh_store_txn_t *txn;
    uint64_t tree = 0, have = 0;
    sh_err rc = sh_store_begin (store, false, &txn);
    if (rc == SH_OK)
        rc = sh_merkle_size (txn, &tree);
    if (rc == SH_OK) {
        rc = sh_hublog_latest (txn, &have, note);
        if (rc == SH_ENOTFOUND)
            rc = SH_OK;
    }
    sh_store_abort (&txn);
    if (rc == SH_OK && tree == have) {
        if (size_out)
            *size_out = have;
        return SH_OK;
    }
    if (note) {
        free (*note);
        *note = NULL;
    }
    if (rc)
        return rc;
    rc = sh_store_begin (store, true, &txn);
    if (rc)
        return rc;
    uint64_t size = 0, latest = 0;
    char *latest_note = NULL;
    rc = sh_merkle_size (txn, &size);
    if (rc == SH_OK) {
        rc = sh_hublog_latest (txn, &latest, &latest_note);
        if (rc == SH_ENOTFOUND)
            rc = SH_OK;
    }
    if (rc == SH_OK && size > latest) {
        char *signed_note = NULL;
        size_t note_len;
        rc = s_sign_head (txn, hub, size, &signed_note, &note_len);
        if (rc == SH_OK)
            rc = sh_store_commit (&txn);
        if (rc == SH_OK) {
            free (latest_note);
            latest_note = signed_note;
            latest = size;
        }
        else
            free (signed_note);
    }
    sh_store_abort (&txn);
    if (rc == SH_OK && size_out)
        *size_out = latest;
    if (rc == SH_OK && note)
        *note = latest_note;
    else
        free (latest_note);
    return rc;
}
