/*  sh_changelog -- the append-only log of signed changes (see sh_changelog.h).

    Key layouts (sh_store.h):
        LOG    be64(index)          -> SignedChange bytes
        CHAIN  author || be64(seq)  -> be64(index) || hash
        HEADS  author               -> be64(seq) || hash
        META   "log.next"           -> be64(next index)
    All keys grow with time (index) or are grouped by author, so a batch of
    appends touches few pages.
*/
#include "sh_changelog.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_i18n.h"

/* --------------------------------------------------------------------------
 * Constants
 * -------------------------------------------------------------------------- */

#define S_META_NEXT "log.next"                          //  META key of the next index
#define S_META_SPARSE "log.sparse."                     //  META key prefix: author chain partial
#define S_INDEX_BYTES 8                                 //  a be64 log index
#define S_CHAIN_KEY_BYTES (SH_PUBKEY_BYTES + 8)         //  author || be64(seq)
#define S_CHAIN_VAL_BYTES (8 + SH_HASH_BYTES)           //  be64(index) || hash
#define S_HEAD_VAL_BYTES (8 + SH_HASH_BYTES)            //  be64(seq) || hash
#define S_AUTHOR_HEX 8                                  //  author bytes shown in messages

/* --------------------------------------------------------------------------
 * Static helpers
 * -------------------------------------------------------------------------- */

static void
s_chain_key (uint8_t key[S_CHAIN_KEY_BYTES], const uint8_t author[SH_PUBKEY_BYTES], uint64_t seq)
{
    memcpy (key, author, SH_PUBKEY_BYTES);
    sh_store_put_be64 (key + SH_PUBKEY_BYTES, seq);
}

//  The index the next append gets (1 for an empty log).
static sh_err
s_next_index (sh_store_txn_t *txn, uint64_t *next)
{
    sh_err err = sh_store_meta_get_u64 (txn, S_META_NEXT, next);
    if (err == SH_ENOTFOUND) {
        *next = 1;
        return SH_OK;
    }
    if (err == SH_OK && *next == 0)
        return SH_ECORRUPT;
    return err;
}

/* --------------------------------------------------------------------------
 * Appending and reading
 * -------------------------------------------------------------------------- */

//  META key marking author's chain as partial here: S_META_SPARSE || author.
static void
s_sparse_key (char key[sizeof S_META_SPARSE + 2 * SH_PUBKEY_BYTES], const uint8_t author[SH_PUBKEY_BYTES])
{
    memcpy (key, S_META_SPARSE, sizeof S_META_SPARSE - 1);
    sh_crypto_hex (key + sizeof S_META_SPARSE - 1, author, SH_PUBKEY_BYTES);
}

//  Is author's chain marked partial in this log?
static bool
s_is_sparse (sh_store_txn_t *txn, const uint8_t author[SH_PUBKEY_BYTES])
{
    char key[sizeof S_META_SPARSE + 2 * SH_PUBKEY_BYTES];
    s_sparse_key (key, author);
    const uint8_t *v;
    size_t vl;
    return sh_store_get (txn, SH_DB_META, key, strlen (key), &v, &vl) == SH_OK;
}

static sh_err s_append (sh_store_txn_t *txn, const uint8_t *signed_bytes, size_t signed_len,
                        const sh_change_t *change, const uint8_t hash[SH_HASH_BYTES],
                        bool *duplicate, bool sparse);

sh_err
sh_changelog_append (sh_store_txn_t *txn,
                     const uint8_t *signed_bytes, size_t signed_len,
                     const sh_change_t *change, const uint8_t hash[SH_HASH_BYTES],
                     bool *duplicate)
{
    return s_append (txn, signed_bytes, signed_len, change, hash, duplicate, false);
}

sh_err
sh_changelog_append_sparse (sh_store_txn_t *txn,
                            const uint8_t *signed_bytes, size_t signed_len,
                            const sh_change_t *change, const uint8_t hash[SH_HASH_BYTES],
                            bool *duplicate)
{
    return s_append (txn, signed_bytes, signed_len, change, hash, duplicate, true);
}

static sh_err
s_append (sh_store_txn_t *txn, const uint8_t *signed_bytes, size_t signed_len,
          const sh_change_t *change, const uint8_t hash[SH_HASH_BYTES],
          bool *duplicate, bool sparse)
{
    assert (txn);
    assert (signed_bytes && signed_len > 0);
    assert (change);
    assert (hash);
    if (duplicate)
        *duplicate = false;

    //  Already logged at (author, seq)?
    uint8_t chain_key[S_CHAIN_KEY_BYTES];
    s_chain_key (chain_key, change->author, change->seq);
    const uint8_t *val;
    size_t val_len;
    sh_err err = sh_store_get (txn, SH_DB_CHAIN, chain_key, sizeof chain_key, &val, &val_len);
    if (err == SH_OK) {
        if (val_len != S_CHAIN_VAL_BYTES)
            return SH_ECORRUPT;
        if (memcmp (val + 8, hash, SH_HASH_BYTES) != 0)
            return SH_EEQUIVOCATION;
        if (duplicate)
            *duplicate = true;
        return SH_OK;
    }
    if (err != SH_ENOTFOUND)
        return err;

    //  It must continue the author's chain.
    uint64_t head_seq;
    uint8_t head_hash[SH_HASH_BYTES];
    err = sh_changelog_head (txn, change->author, &head_seq, head_hash);
    if (err)
        return err;
    bool gap = false;
    //  seq - 1 rather than head_seq + 1: at head_seq = UINT64_MAX the sum
    //  wraps to 0 and any seq looked like a gap (found by fuzz_change)
    if (sparse && change->seq - 1 > head_seq)
        gap = true;             //  the changes between are outside this log's scope
    else {
        err = sh_change_follows (change, head_seq, head_hash);
        if (err)
            return err;
    }

    uint64_t index;
    err = s_next_index (txn, &index);
    if (err)
        return err;

    uint8_t log_key[S_INDEX_BYTES];
    sh_store_put_be64 (log_key, index);
    uint8_t chain_val[S_CHAIN_VAL_BYTES];
    sh_store_put_be64 (chain_val, index);
    memcpy (chain_val + 8, hash, SH_HASH_BYTES);
    uint8_t head_val[S_HEAD_VAL_BYTES];
    sh_store_put_be64 (head_val, change->seq);
    memcpy (head_val + 8, hash, SH_HASH_BYTES);

    if ((err = sh_store_put (txn, SH_DB_LOG, log_key, sizeof log_key, signed_bytes, signed_len))
    ||  (err = sh_store_put (txn, SH_DB_CHAIN, chain_key, sizeof chain_key, chain_val, sizeof chain_val))
    ||  (err = sh_store_put (txn, SH_DB_HEADS, change->author, SH_PUBKEY_BYTES, head_val, sizeof head_val))
    ||  (err = sh_store_meta_put_u64 (txn, S_META_NEXT, index + 1)))
        return err;
    if (gap) {
        char key[sizeof S_META_SPARSE + 2 * SH_PUBKEY_BYTES];
        s_sparse_key (key, change->author);
        err = sh_store_put (txn, SH_DB_META, key, strlen (key), "", 0);
    }
    return err;
}

sh_err
sh_changelog_head (sh_store_txn_t *txn, const uint8_t author[SH_PUBKEY_BYTES],
                   uint64_t *seq, uint8_t hash[SH_HASH_BYTES])
{
    assert (author);
    assert (seq);
    assert (hash);
    const uint8_t *val;
    size_t val_len;
    sh_err err = sh_store_get (txn, SH_DB_HEADS, author, SH_PUBKEY_BYTES, &val, &val_len);
    if (err == SH_ENOTFOUND) {
        *seq = 0;
        memset (hash, 0, SH_HASH_BYTES);
        return SH_OK;
    }
    if (err)
        return err;
    if (val_len != S_HEAD_VAL_BYTES || sh_store_get_be64 (val) == 0)
        return SH_ECORRUPT;
    *seq = sh_store_get_be64 (val);
    memcpy (hash, val + 8, SH_HASH_BYTES);
    return SH_OK;
}

sh_err
sh_changelog_find (sh_store_txn_t *txn, const uint8_t author[SH_PUBKEY_BYTES], uint64_t seq,
                   uint64_t *index, uint8_t hash[SH_HASH_BYTES])
{
    assert (author);
    uint8_t key[S_CHAIN_KEY_BYTES];
    s_chain_key (key, author, seq);
    const uint8_t *val;
    size_t val_len;
    sh_err err = sh_store_get (txn, SH_DB_CHAIN, key, sizeof key, &val, &val_len);
    if (err)
        return err;
    if (val_len != S_CHAIN_VAL_BYTES)
        return SH_ECORRUPT;
    if (index)
        *index = sh_store_get_be64 (val);
    if (hash)
        memcpy (hash, val + 8, SH_HASH_BYTES);
    return SH_OK;
}

sh_err
sh_changelog_get (sh_store_txn_t *txn, uint64_t index, const uint8_t **bytes, size_t *len)
{
    assert (bytes);
    assert (len);
    uint8_t key[S_INDEX_BYTES];
    sh_store_put_be64 (key, index);
    return sh_store_get (txn, SH_DB_LOG, key, sizeof key, bytes, len);
}

sh_err
sh_changelog_get_seq (sh_store_txn_t *txn, const uint8_t author[SH_PUBKEY_BYTES], uint64_t seq,
                      const uint8_t **bytes, size_t *len)
{
    uint64_t index;
    sh_err rc = sh_changelog_find (txn, author, seq, &index, NULL);
    return rc ? rc : sh_changelog_get (txn, index, bytes, len);
}

sh_err
sh_changelog_size (sh_store_txn_t *txn, uint64_t *count)
{
    assert (count);
    uint64_t next;
    sh_err err = s_next_index (txn, &next);
    if (err)
        return err;
    *count = next - 1;
    return SH_OK;
}

sh_err
sh_changelog_heads_each (sh_store_txn_t *txn, sh_changelog_head_fn *fn, void *arg)
{
    assert (fn);
    sh_store_cursor_t *cur;
    sh_err err = sh_store_cursor_open (txn, SH_DB_HEADS, NULL, 0, &cur);
    if (err)
        return err;
    const uint8_t *key, *val;
    size_t key_len, val_len;
    while ((err = sh_store_cursor_next (cur, &key, &key_len, &val, &val_len)) == SH_OK) {
        if (key_len != SH_PUBKEY_BYTES || val_len != S_HEAD_VAL_BYTES) {
            err = SH_ECORRUPT;
            break;
        }
        //  Copies: fn may read the store, which must not disturb what it is given.
        uint8_t author[SH_PUBKEY_BYTES], hash[SH_HASH_BYTES];
        memcpy (author, key, sizeof author);
        memcpy (hash, val + 8, sizeof hash);
        err = fn (author, sh_store_get_be64 (val), hash, arg);
        if (err)
            break;
    }
    sh_store_cursor_close (&cur);
    return err == SH_ENOTFOUND ? SH_OK : err;
}

/* --------------------------------------------------------------------------
 * Verification: per-author state, an open-addressing table keyed by author
 * -------------------------------------------------------------------------- */

typedef struct {
    bool used;                          //  slot holds an author
    uint8_t author[SH_PUBKEY_BYTES];    //  the author
    uint64_t seq;                       //  seq of its last change seen in the log
    uint8_t hash[SH_HASH_BYTES];        //  hash of that change
    uint64_t index;                     //  its log index
    bool head_seen;                     //  a HEADS entry matched it
} s_author_t;

typedef struct {
    s_author_t *slots;                  //  cap slots
    size_t cap;                         //  a power of two
    size_t count;                       //  used slots
} s_authors_t;

static size_t
s_author_slot (const s_authors_t *tab, const uint8_t author[SH_PUBKEY_BYTES])
{
    //  Public keys are uniformly distributed: their first bytes hash well.
    uint64_t h = sh_store_get_be64 (author);
    size_t i = (size_t) h & (tab->cap - 1);
    while (tab->slots[i].used && memcmp (tab->slots[i].author, author, SH_PUBKEY_BYTES) != 0)
        i = (i + 1) & (tab->cap - 1);
    return i;
}

static s_author_t *
s_authors_find (const s_authors_t *tab, const uint8_t author[SH_PUBKEY_BYTES])
{
    if (tab->cap == 0)
        return NULL;
    s_author_t *a = &tab->slots[s_author_slot (tab, author)];
    return a->used ? a : NULL;
}

//  The entry for author, added (seq 0) when new. NULL when out of memory.
static s_author_t *
s_authors_get (s_authors_t *tab, const uint8_t author[SH_PUBKEY_BYTES])
{
    if (2 * (tab->count + 1) > tab->cap) {
        size_t cap = tab->cap ? 2 * tab->cap : 64;
        s_authors_t bigger = { calloc (cap, sizeof (s_author_t)), cap, 0 };
        if (!bigger.slots)
            return NULL;
        for (size_t i = 0; i < tab->cap; i++)
            if (tab->slots[i].used)
                bigger.slots[s_author_slot (&bigger, tab->slots[i].author)] = tab->slots[i];
        bigger.count = tab->count;
        free (tab->slots);
        *tab = bigger;
    }
    s_author_t *a = &tab->slots[s_author_slot (tab, author)];
    if (!a->used) {
        memset (a, 0, sizeof *a);
        a->used = true;
        memcpy (a->author, author, SH_PUBKEY_BYTES);
        tab->count++;
    }
    return a;
}

/* --------------------------------------------------------------------------
 * Verification: faults
 * -------------------------------------------------------------------------- */

const char *
sh_changelog_fault_name (sh_changelog_fault_kind_t kind)
{
    switch (kind) {
        case SH_CHANGELOG_FAULT_NONE:      return "none";
        case SH_CHANGELOG_FAULT_MALFORMED: return "malformed";
        case SH_CHANGELOG_FAULT_SIGNATURE: return "signature";
        case SH_CHANGELOG_FAULT_CHAIN:     return "chain";
        case SH_CHANGELOG_FAULT_MISSING:   return "missing entry";
        case SH_CHANGELOG_FAULT_INDEX:     return "index mismatch";
        default:                           return "unknown";
    }
}

static sh_err
s_fault_err (sh_changelog_fault_kind_t kind)
{
    switch (kind) {
        case SH_CHANGELOG_FAULT_MALFORMED: return SH_EPROTO;
        case SH_CHANGELOG_FAULT_SIGNATURE: return SH_ECRYPTO;
        case SH_CHANGELOG_FAULT_CHAIN:     return SH_ECHAIN;
        case SH_CHANGELOG_FAULT_MISSING:
        case SH_CHANGELOG_FAULT_INDEX:     return SH_ECORRUPT;
        default:                           return SH_ECORRUPT;
    }
}

//  Record a fault: kind, index, author/seq (author may be NULL) and a
//  message "log entry I (author A…, seq S): <reason>". Returns its sh_err.
static sh_err
s_fault (sh_changelog_fault_t *fault, sh_changelog_fault_kind_t kind, uint64_t index,
         const uint8_t *author, uint64_t seq, const char *fmt, ...)
    __attribute__((format (printf, 6, 7)));

static sh_err
s_fault (sh_changelog_fault_t *fault, sh_changelog_fault_kind_t kind, uint64_t index,
         const uint8_t *author, uint64_t seq, const char *fmt, ...)
{
    fault->kind = kind;
    fault->index = index;
    fault->has_author = author != NULL;
    if (author)
        memcpy (fault->author, author, SH_PUBKEY_BYTES);
    else
        memset (fault->author, 0, SH_PUBKEY_BYTES);
    fault->seq = author ? seq : 0;

    char where[128] = "";
    int n = 0;
    if (index > 0)
        n = snprintf (where, sizeof where, _("log entry %" PRIu64), index);
    else
        n = snprintf (where, sizeof where, _("log"));
    if (author) {
        char hex[SH_HEX_BYTES (S_AUTHOR_HEX)];
        sh_crypto_hex (hex, author, S_AUTHOR_HEX);
        snprintf (where + n, sizeof where - (size_t) n,
                  _(" (author %s\u2026, seq %" PRIu64 ")"), hex, seq);
    }
    char reason[320];
    va_list args;
    va_start (args, fmt);
    vsnprintf (reason, sizeof reason, fmt, args);
    va_end (args);
    snprintf (fault->message, sizeof fault->message, "%s: %s", where, reason);
    return s_fault_err (kind);
}

//  A store error met while verifying (not a fault of the log itself).
static sh_err
s_store_error (sh_changelog_fault_t *fault, sh_err err, const char *doing)
{
    fault->kind = SH_CHANGELOG_FAULT_NONE;
    snprintf (fault->message, sizeof fault->message, _("could not %s: %s"), doing, sh_strerror (err));
    return err;
}

//  Which change did CHAIN say was at index? Used to name a missing entry.
//  Leaves *found false when no CHAIN entry points at index.
static void
s_chain_lookup_index (sh_store_txn_t *txn, uint64_t index, bool *found,
                      uint8_t author[SH_PUBKEY_BYTES], uint64_t *seq)
{
    *found = false;
    sh_store_cursor_t *cur;
    if (sh_store_cursor_open (txn, SH_DB_CHAIN, NULL, 0, &cur) != SH_OK)
        return;
    const uint8_t *key, *val;
    size_t key_len, val_len;
    while (sh_store_cursor_next (cur, &key, &key_len, &val, &val_len) == SH_OK) {
        if (key_len == S_CHAIN_KEY_BYTES && val_len == S_CHAIN_VAL_BYTES
        &&  sh_store_get_be64 (val) == index) {
            memcpy (author, key, SH_PUBKEY_BYTES);
            *seq = sh_store_get_be64 (key + SH_PUBKEY_BYTES);
            *found = true;
            break;
        }
    }
    sh_store_cursor_close (&cur);
}

//  A missing log entry at index, named by CHAIN when it knows it.
static sh_err
s_fault_missing (sh_changelog_fault_t *fault, sh_store_txn_t *txn, uint64_t index,
                 const char *reason)
{
    bool found;
    uint8_t author[SH_PUBKEY_BYTES];
    uint64_t seq = 0;
    s_chain_lookup_index (txn, index, &found, author, &seq);
    return s_fault (fault, SH_CHANGELOG_FAULT_MISSING, index, found ? author : NULL, seq,
                    "%s", reason);
}

/* --------------------------------------------------------------------------
 * Verification: the three passes
 * -------------------------------------------------------------------------- */

//  Check one LOG entry (index, bytes) against the chain state and CHAIN.
static sh_err
s_verify_entry (sh_store_txn_t *txn, s_authors_t *authors, sh_changelog_fault_t *fault,
                uint64_t index, const uint8_t *bytes, size_t len)
{
    sh_change_t change;
    uint8_t hash[SH_HASH_BYTES];
    const char *why = NULL;
    sh_err err = sh_change_open (&change, hash, bytes, len, &why);
    if (err == SH_ENOMEM)
        return s_store_error (fault, err, _("open a change"));
    if (err) {
        //  Name the author and seq the entry claims, if its bytes say.
        sh_changelog_fault_kind_t kind = err == SH_ECRYPTO ? SH_CHANGELOG_FAULT_SIGNATURE
                                                           : SH_CHANGELOG_FAULT_MALFORMED;
        uint8_t *inner = NULL;
        size_t inner_len = 0;
        uint8_t sig[SH_SIG_BYTES];
        sh_change_t claimed;
        bool named = false;
        if (sh_change_unwrap (&inner, &inner_len, sig, bytes, len) == SH_OK
        &&  sh_change_decode (&claimed, inner, inner_len, NULL) == SH_OK)
            named = true;
        sh_err rc = s_fault (fault, kind, index, named ? claimed.author : NULL,
                             named ? claimed.seq : 0, "%s",
                             why ? why : (kind == SH_CHANGELOG_FAULT_SIGNATURE
                                          ? _("signature does not verify") : _("malformed change")));
        if (named)
            sh_change_fini (&claimed);
        free (inner);
        return rc;
    }

    s_author_t *a = s_authors_get (authors, change.author);
    if (!a) {
        sh_change_fini (&change);
        return s_store_error (fault, SH_ENOMEM, _("track authors"));
    }
    err = SH_OK;
    //  seq - 1: a->seq + 1 wraps at UINT64_MAX (as in s_append)
    bool gap_ok = change.seq - 1 > a->seq && s_is_sparse (txn, change.author);
    if (!gap_ok && sh_change_follows (&change, a->seq, a->hash) != SH_OK) {
        if (a->seq == 0 && change.seq != 1)
            err = s_fault (fault, SH_CHANGELOG_FAULT_CHAIN, index, change.author, change.seq,
                           _("chain gap: the author's first change in the log has seq %" PRIu64
                           ", not 1"), change.seq);
        else
        if (a->seq == 0)
            err = s_fault (fault, SH_CHANGELOG_FAULT_CHAIN, index, change.author, change.seq,
                           _("prev of an author's first change is not zero"));
        else
        if (change.seq <= a->seq)
            err = s_fault (fault, SH_CHANGELOG_FAULT_CHAIN, index, change.author, change.seq,
                           _("out of order: the author's seq %" PRIu64 " is already at log entry %"
                           PRIu64), a->seq, a->index);
        else
        if (change.seq != a->seq + 1)
            err = s_fault (fault, SH_CHANGELOG_FAULT_CHAIN, index, change.author, change.seq,
                           _("chain gap: the author's previous change in the log is seq %" PRIu64
                           " (log entry %" PRIu64 ")"), a->seq, a->index);
        else
            err = s_fault (fault, SH_CHANGELOG_FAULT_CHAIN, index, change.author, change.seq,
                           _("prev does not match the hash of seq %" PRIu64 " (log entry %" PRIu64 ")"),
                           a->seq, a->index);
    }
    if (err == SH_OK) {
        uint64_t chain_index;
        uint8_t chain_hash[SH_HASH_BYTES];
        sh_err rc = sh_changelog_find (txn, change.author, change.seq, &chain_index, chain_hash);
        if (rc == SH_ENOTFOUND)
            err = s_fault (fault, SH_CHANGELOG_FAULT_INDEX, index, change.author, change.seq,
                           _("the chain index has no entry for this change"));
        else
        if (rc == SH_ECORRUPT)
            err = s_fault (fault, SH_CHANGELOG_FAULT_INDEX, index, change.author, change.seq,
                           _("the chain index entry for this change is malformed"));
        else
        if (rc)
            err = s_store_error (fault, rc, _("read the chain index"));
        else
        if (chain_index != index)
            err = s_fault (fault, SH_CHANGELOG_FAULT_INDEX, index, change.author, change.seq,
                           _("the chain index puts this change at log entry %" PRIu64), chain_index);
        else
        if (memcmp (chain_hash, hash, SH_HASH_BYTES) != 0)
            err = s_fault (fault, SH_CHANGELOG_FAULT_INDEX, index, change.author, change.seq,
                           _("the chain index holds a different hash for this change"));
    }
    if (err == SH_OK) {
        a->seq = change.seq;
        memcpy (a->hash, hash, SH_HASH_BYTES);
        a->index = index;
    }
    sh_change_fini (&change);
    return err;
}

//  After the LOG pass: no CHAIN entry beyond what the LOG holds.
static sh_err
s_verify_chain_surplus (sh_store_txn_t *txn, const s_authors_t *authors,
                        sh_changelog_fault_t *fault, uint64_t entries)
{
    uint64_t count;
    sh_err err = sh_store_count (txn, SH_DB_CHAIN, &count);
    if (err)
        return s_store_error (fault, err, _("count the chain index"));
    if (count == entries)
        return SH_OK;       //  every entry of the LOG matched one CHAIN entry

    sh_store_cursor_t *cur;
    err = sh_store_cursor_open (txn, SH_DB_CHAIN, NULL, 0, &cur);
    if (err)
        return s_store_error (fault, err, _("read the chain index"));
    const uint8_t *key, *val;
    size_t key_len, val_len;
    while ((err = sh_store_cursor_next (cur, &key, &key_len, &val, &val_len)) == SH_OK) {
        if (key_len != S_CHAIN_KEY_BYTES || val_len != S_CHAIN_VAL_BYTES) {
            err = s_fault (fault, SH_CHANGELOG_FAULT_INDEX, 0,
                           key_len >= SH_PUBKEY_BYTES ? key : NULL, 0,
                           _("a chain index entry is malformed (key %zu, value %zu bytes)"),
                           key_len, val_len);
            break;
        }
        uint64_t seq = sh_store_get_be64 (key + SH_PUBKEY_BYTES);
        const s_author_t *a = s_authors_find (authors, key);
        if (!a || seq == 0 || seq > a->seq) {
            err = s_fault (fault, SH_CHANGELOG_FAULT_INDEX, sh_store_get_be64 (val), key, seq,
                           _("the chain index names a change that is not in the log"));
            break;
        }
    }
    sh_store_cursor_close (&cur);
    if (err == SH_ENOTFOUND)
        err = s_fault (fault, SH_CHANGELOG_FAULT_INDEX, 0, NULL, 0,
                       _("the chain index holds %" PRIu64 " entries for %" PRIu64 " log entries"),
                       count, entries);
    return err;
}

//  After the LOG pass: HEADS holds exactly each author's last change.
static sh_err
s_verify_heads (sh_store_txn_t *txn, s_authors_t *authors, sh_changelog_fault_t *fault)
{
    sh_store_cursor_t *cur;
    sh_err err = sh_store_cursor_open (txn, SH_DB_HEADS, NULL, 0, &cur);
    if (err)
        return s_store_error (fault, err, _("read the heads"));
    const uint8_t *key, *val;
    size_t key_len, val_len;
    while ((err = sh_store_cursor_next (cur, &key, &key_len, &val, &val_len)) == SH_OK) {
        if (key_len != SH_PUBKEY_BYTES || val_len != S_HEAD_VAL_BYTES) {
            err = s_fault (fault, SH_CHANGELOG_FAULT_INDEX, 0,
                           key_len >= SH_PUBKEY_BYTES ? key : NULL, 0,
                           _("a head entry is malformed (key %zu, value %zu bytes)"),
                           key_len, val_len);
            break;
        }
        uint64_t seq = sh_store_get_be64 (val);
        s_author_t *a = s_authors_find (authors, key);
        if (!a) {
            err = s_fault (fault, SH_CHANGELOG_FAULT_INDEX, 0, key, seq,
                           _("a head is recorded for an author with no change in the log"));
            break;
        }
        if (seq != a->seq || memcmp (val + 8, a->hash, SH_HASH_BYTES) != 0) {
            if (seq != a->seq)
                err = s_fault (fault, SH_CHANGELOG_FAULT_INDEX, a->index, key, a->seq,
                               _("the author's head says seq %" PRIu64
                               " but this is the author's last change in the log"), seq);
            else
                err = s_fault (fault, SH_CHANGELOG_FAULT_INDEX, a->index, key, a->seq,
                               _("the author's head holds a different hash than this change"));
            break;
        }
        a->head_seen = true;
    }
    sh_store_cursor_close (&cur);
    if (err != SH_ENOTFOUND)
        return err;

    //  Every author needs a head; report the one whose last change comes first.
    const s_author_t *lacking = NULL;
    for (size_t i = 0; i < authors->cap; i++) {
        const s_author_t *a = &authors->slots[i];
        if (a->used && !a->head_seen && (!lacking || a->index < lacking->index))
            lacking = a;
    }
    if (lacking)
        return s_fault (fault, SH_CHANGELOG_FAULT_INDEX, lacking->index, lacking->author,
                        lacking->seq, _("no head is recorded for this author"));
    return SH_OK;
}

sh_err
sh_changelog_verify (sh_store_t *store, sh_changelog_fault_t *fault)
{
    assert (store);
    sh_changelog_fault_t local;
    if (!fault)
        fault = &local;
    memset (fault, 0, sizeof *fault);

    sh_store_txn_t *txn;
    sh_err err = sh_store_begin (store, false, &txn);
    if (err)
        return s_store_error (fault, err, _("begin a read transaction"));
    s_authors_t authors = { NULL, 0, 0 };
    sh_store_cursor_t *cur = NULL;

    //  Pass 1: the LOG in index order.
    err = sh_store_cursor_open (txn, SH_DB_LOG, NULL, 0, &cur);
    if (err) {
        err = s_store_error (fault, err, _("read the log"));
        goto out;
    }
    uint64_t expected = 1;
    const uint8_t *key, *val;
    size_t key_len, val_len;
    while ((err = sh_store_cursor_next (cur, &key, &key_len, &val, &val_len)) == SH_OK) {
        if (key_len != S_INDEX_BYTES) {
            err = s_fault (fault, SH_CHANGELOG_FAULT_MALFORMED, expected, NULL, 0,
                           _("a log key of %zu bytes is not an index"), key_len);
            goto out;
        }
        uint64_t index = sh_store_get_be64 (key);
        if (index < expected) {
            err = s_fault (fault, SH_CHANGELOG_FAULT_INDEX, 0, NULL, 0,
                           _("the log holds an entry at index 0"));
            goto out;
        }
        if (index > expected) {
            char reason[256];
            if (expected == 1)
                snprintf (reason, sizeof reason, _("missing (the log starts at entry %" PRIu64 ")"),
                          index);
            else
                snprintf (reason, sizeof reason, _("missing (the log jumps from entry %" PRIu64
                          " to %" PRIu64 ")"), expected - 1, index);
            err = s_fault_missing (fault, txn, expected, reason);
            goto out;
        }
        err = s_verify_entry (txn, &authors, fault, index, val, val_len);
        if (err)
            goto out;
        fault->checked++;
        expected++;
    }
    if (err != SH_ENOTFOUND) {
        err = s_store_error (fault, err, _("read the log"));
        goto out;
    }
    sh_store_cursor_close (&cur);

    //  The log must run up to log.next - 1: entries cut from its end show here.
    uint64_t next;
    err = s_next_index (txn, &next);
    if (err == SH_ECORRUPT) {
        err = s_fault (fault, SH_CHANGELOG_FAULT_INDEX, 0, NULL, 0, _("meta log.next is malformed"));
        goto out;
    }
    if (err) {
        err = s_store_error (fault, err, _("read meta log.next"));
        goto out;
    }
    if (next > expected) {
        char reason[256];
        snprintf (reason, sizeof reason, _("missing (the log ends at entry %" PRIu64
                  " but %" PRIu64 " entries were appended)"), expected - 1, next - 1);
        err = s_fault_missing (fault, txn, expected, reason);
        goto out;
    }
    if (next < expected) {
        err = s_fault (fault, SH_CHANGELOG_FAULT_INDEX, next, NULL, 0,
                       _("meta log.next is %" PRIu64 " but the log runs to entry %" PRIu64),
                       next, expected - 1);
        goto out;
    }

    //  Passes 2 and 3: CHAIN and HEADS hold nothing the LOG does not say.
    err = s_verify_chain_surplus (txn, &authors, fault, fault->checked);
    if (err)
        goto out;
    err = s_verify_heads (txn, &authors, fault);

out:
    sh_store_cursor_close (&cur);
    sh_store_abort (&txn);
    free (authors.slots);
    if (err == SH_OK)
        snprintf (fault->message, sizeof fault->message,
                  _("log verified: %" PRIu64 " entries from %zu authors"), fault->checked, authors.count);
    return err;
}
