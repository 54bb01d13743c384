/*  sh_recovery -- the lost tail of a restored hub's log, taken back from
    its nodes (sh_recovery.h).
*/
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_change.h"
#include "sh_changelog.h"
#include "sh_epoch.h"
#include "sh_hublog.h"
#include "sh_i18n.h"
#include "sh_quota.h"
#include "sh_merge.h"
#include "sh_merkle.h"
#include "sh_note.h"
#include "sh_openings.h"
#include "sh_recovery.h"
#include "sh_registry.h"
#include "sh_seal.h"

#define S_KEY_MAX (1 + SH_PUBKEY_BYTES)
#define S_OKEY_BYTES 13             //  'o' || be64(leaf) || be32(field)

//  Key 't' || be64(n) of the recovery database (t = 'c' or 'l').
static size_t
s_key (uint8_t out[9], char t, uint64_t n)
{
    out[0] = (uint8_t) t;
    sh_store_put_be64 (out + 1, n);
    return 9;
}

//  The first key of type t at or after n: *found and its number.
static sh_err
s_first (sh_store_txn_t *txn, char t, uint64_t n, bool *found, uint64_t *at)
{
    *found = false;
    uint8_t k0[9];
    s_key (k0, t, n);
    sh_store_cursor_t *cur;
    sh_err rc = sh_store_cursor_open (txn, SH_DB_RECOVERY, k0, 1, &cur);
    if (rc == SH_OK)
        rc = sh_store_cursor_seek (cur, k0, sizeof k0);
    const uint8_t *k, *v;
    size_t kl, vl;
    if (rc == SH_OK)
        rc = sh_store_cursor_next (cur, &k, &kl, &v, &vl);
    if (rc == SH_OK && kl == 9) {
        *found = true;
        *at = sh_store_get_be64 (k + 1);
    }
    sh_store_cursor_close (&cur);
    return rc == SH_ENOTFOUND ? SH_OK : rc;
}

sh_err
sh_recovery_mark (sh_store_txn_t *txn)
{
    if (sh_recovery_active (txn, NULL))
        return SH_OK;
    uint64_t size;
    sh_err rc = sh_merkle_size (txn, &size);
    return rc ? rc : sh_store_meta_put_u64 (txn, SH_RECOVERY_META_BASE, size);
}

bool
sh_recovery_active (sh_store_txn_t *txn, uint64_t *base)
{
    uint64_t b;
    if (sh_store_meta_get_u64 (txn, SH_RECOVERY_META_BASE, &b) != SH_OK)
        return false;
    if (base)
        *base = b;
    return true;
}

//  ---------------------------------------------------------------------
//  Status

typedef struct {
    sh_store_txn_t *txn;                //  where 'h' entries are looked up
    uint32_t nodes, heard;              //  counted
} s_count_t;

//  sh_registry_fn: count node keys not revoked, and those heard from.
static int
s_count_node (const sh_registry_entry_t *e, void *arg)
{
    s_count_t *c = arg;
    if (e->role != SH_WIRE_ROLE_NODE || e->revoked_ms)
        return 0;
    c->nodes++;
    uint8_t k[S_KEY_MAX] = { 'h' };
    memcpy (k + 1, e->key, SH_PUBKEY_BYTES);
    const uint8_t *v;
    size_t vl;
    if (sh_store_get (c->txn, SH_DB_RECOVERY, k, sizeof k, &v, &vl) == SH_OK)
        c->heard++;
    return 0;
}

//  The leaves missing in [from, to): the first run and how many in all.
static sh_err
s_missing (sh_store_txn_t *txn, uint64_t from, uint64_t to, sh_recovery_status_t *out)
{
    uint8_t k0[9];
    s_key (k0, 'l', from);
    sh_store_cursor_t *cur;
    sh_err rc = sh_store_cursor_open (txn, SH_DB_RECOVERY, k0, 1, &cur);
    if (rc == SH_OK)
        rc = sh_store_cursor_seek (cur, k0, sizeof k0);
    uint64_t expect = from;
    while (rc == SH_OK && expect < to) {
        const uint8_t *k, *v;
        size_t kl, vl;
        sh_err cr = sh_store_cursor_next (cur, &k, &kl, &v, &vl);
        uint64_t at = cr == SH_OK && kl == 9 ? sh_store_get_be64 (k + 1) : to;
        if (cr && cr != SH_ENOTFOUND)
            rc = cr;
        if (at > to)
            at = to;
        if (at > expect) {
            if (out->missing_from == out->missing_to) {
                out->missing_from = expect;
                out->missing_to = at;
            }
            out->missing += at - expect;
        }
        if (cr == SH_ENOTFOUND || at >= to)
            break;
        expect = at + 1;
    }
    sh_store_cursor_close (&cur);
    return rc;
}

sh_err
sh_recovery_target (sh_store_txn_t *txn, uint64_t *target)
{
    *target = 0;
    sh_store_cursor_t *cur;
    sh_err rc = sh_store_cursor_open (txn, SH_DB_RECOVERY, "c", 1, &cur);
    const uint8_t *k, *v;
    size_t kl, vl;
    if (rc == SH_OK)
        rc = sh_store_cursor_last (cur, &k, &kl, &v, &vl);
    if (rc == SH_OK && kl == 9)
        *target = sh_store_get_be64 (k + 1);
    sh_store_cursor_close (&cur);
    return rc == SH_ENOTFOUND ? SH_OK : rc;
}

sh_err
sh_recovery_status (sh_store_txn_t *txn, sh_recovery_status_t *out)
{
    memset (out, 0, sizeof *out);
    sh_err rc = sh_merkle_size (txn, &out->size);
    if (rc || !sh_recovery_active (txn, &out->base))
        return rc;
    out->active = true;
    if ((rc = sh_recovery_target (txn, &out->target)) != SH_OK)
        return rc;
    //  staged leaves
    sh_store_cursor_t *cur;
    const uint8_t *k, *v;
    size_t kl, vl;
    sh_err cr;
    if ((rc = sh_store_cursor_open (txn, SH_DB_RECOVERY, "l", 1, &cur)) != SH_OK)
        return rc;
    while ((cr = sh_store_cursor_next (cur, &k, &kl, &v, &vl)) == SH_OK)
        out->staged++;
    sh_store_cursor_close (&cur);
    if (cr != SH_ENOTFOUND)
        return cr;
    if (out->target > out->size && (rc = s_missing (txn, out->size, out->target, out)) != SH_OK)
        return rc;
    s_count_t c = { .txn = txn };
    if ((rc = sh_registry_each (txn, s_count_node, &c)) != SH_OK)
        return rc;
    out->nodes = c.nodes;
    out->heard = c.heard;
    rc = sh_store_meta_get_str (txn, SH_RECOVERY_META_PROBLEM, out->problem, sizeof out->problem);
    return rc == SH_ENOTFOUND || rc == SH_EINVAL ? SH_OK : rc;
}

//  ---------------------------------------------------------------------
//  Openings staged beside the leaves

//  Stage the openings of list[0..n) that name leaf number index of an
//  Offer (checked: they open its seals) beside the leaf staged at pos.
static sh_err
s_stage_openings (sh_store_txn_t *txn, uint64_t pos, size_t index, const sh_wire_opening_t *list, size_t n)
{
    sh_err rc = SH_OK;
    for (size_t j = 0; j < n && rc == SH_OK; j++) {
        if (list[j].change != index)
            continue;
        uint8_t k[S_OKEY_BYTES];
        s_key (k, 'o', pos);
        for (int b = 0; b < 4; b++)
            k[9 + b] = (uint8_t) (list[j].field >> (24 - 8 * b));
        size_t vl = SH_SEAL_SALT_BYTES + list[j].value_len;
        uint8_t *v = malloc (vl);
        if (!v)
            return SH_ENOMEM;
        memcpy (v, list[j].salt, SH_SEAL_SALT_BYTES);
        if (list[j].value_len)
            memcpy (v + SH_SEAL_SALT_BYTES, list[j].value, list[j].value_len);
        rc = sh_store_put (txn, SH_DB_RECOVERY, k, sizeof k, v, vl);
        sh_crypto_wipe (v, vl);
        free (v);
    }
    return rc;
}

//  Delete the openings staged beside leaf and, when c is given (its change,
//  just merged), take them into the openings database first (sh_merge_
//  openings: as a Push's; an erased record's are not kept).
static sh_err
s_take_staged (sh_store_txn_t *txn, uint64_t leaf, const sh_change_t *c)
{
    uint8_t k0[9], keys[SH_SEALS_MAX][S_OKEY_BYTES];
    sh_seal_opening_t o[SH_SEALS_MAX];
    size_t n = 0;
    sh_store_cursor_t *cur;
    sh_err rc = sh_store_cursor_open (txn, SH_DB_RECOVERY, k0, s_key (k0, 'o', leaf), &cur), cr = SH_ENOTFOUND;
    const uint8_t *k, *v;
    size_t kl, vl;
    while (rc == SH_OK && n < SH_SEALS_MAX && (cr = sh_store_cursor_next (cur, &k, &kl, &v, &vl)) == SH_OK) {
        bool ok = kl == S_OKEY_BYTES && vl >= SH_SEAL_SALT_BYTES;
        uint8_t *copy = ok ? malloc (vl) : NULL;
        if (!copy) {
            rc = ok ? SH_ENOMEM : SH_ECORRUPT;
            break;
        }
        memcpy (copy, v, vl);
        memcpy (keys[n], k, S_OKEY_BYTES);
        o[n].field = (uint32_t) k[9] << 24 | (uint32_t) k[10] << 16 | (uint32_t) k[11] << 8 | k[12];
        memcpy (o[n].salt, copy, SH_SEAL_SALT_BYTES);
        o[n].value = copy + SH_SEAL_SALT_BYTES;
        o[n++].value_len = vl - SH_SEAL_SALT_BYTES;
    }
    if (rc == SH_OK && cr != SH_OK && cr != SH_ENOTFOUND)
        rc = cr;
    sh_store_cursor_close (&cur);
    for (size_t j = 0; j < n && rc == SH_OK; j++)
        rc = sh_store_del (txn, SH_DB_RECOVERY, keys[j], S_OKEY_BYTES);
    //  they opened the seals of the leaf offered, which is the leaf staged;
    //  one that no longer does (the store was altered) is dropped: the log
    //  does not need it
    if (rc == SH_OK && c && n && (rc = sh_merge_openings (txn, c, o, n, NULL)) == SH_ECRYPTO)
        rc = SH_OK;
    for (size_t j = 0; j < n; j++) {
        uint8_t *copy = (uint8_t *) o[j].value - SH_SEAL_SALT_BYTES;
        sh_crypto_wipe (copy, SH_SEAL_SALT_BYTES + o[j].value_len);
        free (copy);
    }
    return rc;
}

//  ---------------------------------------------------------------------
//  Advancing: staged leaves that reproduce a target join the log

//  Delete the keys of type t numbered [from, to).
static sh_err
s_delete_range (sh_store_txn_t *txn, char t, uint64_t from, uint64_t to)
{
    for (uint64_t i = from; i < to; i++) {
        uint8_t k[9];
        sh_err rc = sh_store_del (txn, SH_DB_RECOVERY, k, s_key (k, t, i));
        if (rc && rc != SH_ENOTFOUND)
            return rc;
    }
    return SH_OK;
}

//  The root of the tree extended by the staged leaves [size, t).
static sh_err
s_root_with (sh_store_txn_t *txn, uint64_t size, uint64_t t, uint8_t root[SH_HASH_BYTES])
{
    uint8_t left[64][SH_HASH_BYTES];
    size_t n_left = 0;
    uint8_t (*hashes)[SH_HASH_BYTES] = malloc ((size_t) (t - size) * SH_HASH_BYTES);
    if (!hashes)
        return SH_ENOMEM;
    sh_err rc = size ? sh_merkle_left_range (txn, size, left, 64, &n_left) : SH_OK;
    for (uint64_t i = size; rc == SH_OK && i < t; i++) {
        uint8_t k[9];
        const uint8_t *v;
        size_t vl;
        rc = sh_store_get (txn, SH_DB_RECOVERY, k, s_key (k, 'l', i), &v, &vl);
        if (rc == SH_OK)
            sh_merkle_leaf_hash (hashes[i - size], v, vl);
    }
    if (rc == SH_OK)
        rc = sh_merkle_range_root ((const uint8_t (*)[SH_HASH_BYTES]) left, n_left, size,
                                   (const uint8_t (*)[SH_HASH_BYTES]) hashes, (size_t) (t - size), root);
    free (hashes);
    return rc;
}

//  Append the staged leaves [size, t) to the log, in order, and make the
//  target note of size t the hub's checkpoint of that size.
static sh_err
s_append (sh_store_txn_t *txn, uint64_t size, uint64_t t, const char *note, size_t note_len)
{
    sh_err rc = SH_OK;
    for (uint64_t i = size; rc == SH_OK && i < t; i++) {
        uint8_t k[9];
        const uint8_t *v;
        size_t vl;
        rc = sh_store_get (txn, SH_DB_RECOVERY, k, s_key (k, 'l', i), &v, &vl);
        //  its signature was verified when it was offered: decode only
        sh_change_t c;
        uint8_t hash[SH_HASH_BYTES], sig[SH_SIG_BYTES], *cb = NULL;
        size_t cl;
        if (rc == SH_OK)
            rc = sh_change_unwrap (&cb, &cl, sig, v, vl);
        if (rc == SH_OK && (rc = sh_change_decode (&c, cb, cl, NULL)) == SH_OK) {
            sh_change_hash (hash, cb, cl);
            //  what was acknowledged once: no quota applies (13.20), the
            //  bytes are held again
            rc = sh_hublog_append (txn, v, vl, &c, hash);
            if (rc == SH_OK)
                rc = sh_quota_add_held (txn, c.author, vl);
            if (rc == SH_OK)            //  its personal values, now that it is merged
                rc = s_take_staged (txn, i, &c);
            sh_change_fini (&c);
        }
        free (cb);
    }
    uint8_t ck[8];
    sh_store_put_be64 (ck, t);
    if (rc == SH_OK)
        rc = sh_store_put (txn, SH_DB_CHECKPOINTS, ck, sizeof ck, note, note_len);
    return rc;
}

//  Recover every target the staged leaves reproduce, smallest first.
static sh_err
s_advance (sh_store_txn_t *txn, const sh_hubid_t *hub, uint64_t *appended)
{
    for (;;) {
        uint64_t size, t;
        bool found;
        sh_err rc = sh_merkle_size (txn, &size);
        if (rc == SH_OK)
            rc = s_first (txn, 'c', size + 1, &found, &t);
        if (rc || !found)
            return rc;
        sh_recovery_status_t miss = { 0 };
        if ((rc = s_missing (txn, size, t, &miss)) != SH_OK || miss.missing)
            return rc;
        uint8_t ck[9];
        const uint8_t *nv;
        size_t nl;
        if ((rc = sh_store_get (txn, SH_DB_RECOVERY, ck, s_key (ck, 'c', t), &nv, &nl)) != SH_OK)
            return rc;
        char *note = malloc (nl);
        if (!note)
            return SH_ENOMEM;
        memcpy (note, nv, nl);
        sh_note_checkpoint_t cp;
        uint8_t root[SH_HASH_BYTES];
        rc = sh_hubid_open_checkpoint (hub, &cp, note, nl);
        if (rc == SH_OK)
            rc = s_root_with (txn, size, t, root);
        if (rc == SH_OK && memcmp (root, cp.root, SH_HASH_BYTES) != 0) {
            //  a node placed a change where it was not: drop the run, say so
            char why[SH_RECOVERY_PROBLEM_MAX + 1];
            snprintf (why, sizeof why, _("the leaves offered for %" PRIu64 "..%" PRIu64 " do not reproduce the "
                      "checkpoint of size %" PRIu64 "; they were dropped and are asked for again"), size,
                      t - 1, t);
            rc = s_delete_range (txn, 'l', size, t);
            for (uint64_t i = size; rc == SH_OK && i < t; i++)
                rc = s_take_staged (txn, i, NULL);
            if (rc == SH_OK)
                rc = sh_store_meta_put_str (txn, SH_RECOVERY_META_PROBLEM, why);
            free (note);
            return rc;
        }
        if (rc == SH_OK)
            rc = s_append (txn, size, t, note, nl);
        free (note);
        if (rc == SH_OK)
            rc = s_delete_range (txn, 'l', size, t);
        if (rc == SH_OK)
            rc = s_delete_range (txn, 'c', t, t + 1);
        if (rc)
            return rc;
        *appended += t - size;
    }
}

//  ---------------------------------------------------------------------
//  Offers

//  The Offer's checkpoint: verified with the hub's key; one above the tree
//  becomes a target (and starts the recovery if none runs). Refusals in res.
static sh_err
s_offer_note (sh_store_txn_t *txn, const sh_hubid_t *hub, const char *note, uint64_t *limit,
              sh_recovery_result_t *res)
{
    sh_note_checkpoint_t cp;
    size_t len = strlen (note);
    if (sh_hubid_open_checkpoint (hub, &cp, note, len) != SH_OK) {
        res->code = SH_WIRE_ERR_SIGNATURE;
        snprintf (res->message, sizeof res->message, _("the offered checkpoint is not signed by this hub"));
        return SH_OK;
    }
    uint64_t size;
    sh_err rc = sh_merkle_size (txn, &size);
    if (rc || cp.size <= size)
        return rc;              //  nothing this hub lacks
    if (!sh_recovery_active (txn, NULL)) {
        if ((rc = sh_recovery_mark (txn)) != SH_OK)
            return rc;
        res->began = true;
    }
    uint8_t k[9];
    const uint8_t *v;
    size_t vl;
    rc = sh_store_get (txn, SH_DB_RECOVERY, k, s_key (k, 'c', cp.size), &v, &vl);
    if (rc == SH_ENOTFOUND)
        rc = sh_store_put (txn, SH_DB_RECOVERY, k, sizeof k, note, len);
    if (cp.size > *limit)
        *limit = cp.size;
    return rc;
}

//  An opening of leaf i (at pos) of the Offer does not open its seal.
static void
s_refuse_opening (sh_recovery_result_t *res, size_t i, uint64_t pos)
{
    res->code = SH_WIRE_ERR_SIGNATURE;
    snprintf (res->message, sizeof res->message, _("leaf %zu (at %" PRIu64 "): an opening does not open its "
              "seal"), i, pos);
}

//  Does list[0..n) hold an opening of leaf number i?
static bool
s_has_openings (const sh_wire_opening_t *list, size_t n, size_t i)
{
    for (size_t j = 0; j < n; j++)
        if (list[j].change == i)
            return true;
    return false;
}

//  Leaf i of the Offer lies at pos, below the tree size: when it is the
//  leaf the log holds there (say one a mirror handed back), take its
//  openings -- after the change is merged, as a Push's duplicate's.
//  Openings beside another leaf are not for the hub's. Refusals in res.
static sh_err
s_offer_held (sh_store_txn_t *txn, const sh_wire_bytes_t *leaf, uint64_t pos, size_t i,
              const sh_wire_opening_t *openings, size_t n_openings, sh_recovery_result_t *res)
{
    const uint8_t *b;
    size_t bl;
    sh_err rc = sh_changelog_get (txn, pos + 1, &b, &bl);
    if (rc || bl != leaf->len || memcmp (b, leaf->data, bl) != 0)
        return rc;
    sh_change_t c;
    if (sh_change_read (&c, leaf->data, leaf->len, NULL) != SH_OK)
        return SH_ECORRUPT;         //  the bytes of the hub's own log, verified when taken
    rc = sh_openings_take (txn, &c, i, openings, n_openings, NULL);
    sh_change_fini (&c);
    if (rc == SH_ECRYPTO) {
        s_refuse_opening (res, i, pos);
        rc = SH_OK;
    }
    return rc;
}

//  The Offer's leaves: each below a target, signed by its author; kept
//  unless the hub has it already; their openings checked and kept beside
//  them (s_stage_openings), or taken for a leaf the log holds (s_offer_
//  held). Refusals in res.
static sh_err
s_offer_leaves (sh_store_txn_t *txn, const sh_wire_bytes_t *leaves, const uint64_t *positions, size_t n,
                const sh_wire_opening_t *openings, size_t n_openings, uint64_t limit, sh_recovery_result_t *res)
{
    uint64_t size;
    sh_err rc = sh_merkle_size (txn, &size);
    for (size_t i = 0; rc == SH_OK && !res->code && i < n; i++) {
        bool sealed = s_has_openings (openings, n_openings, i);
        if (positions[i] < size) {  //  recovered, or never lost
            if (sealed)
                rc = s_offer_held (txn, &leaves[i], positions[i], i, openings, n_openings, res);
            continue;
        }
        if (positions[i] >= limit) {
            res->code = SH_WIRE_ERR_MALFORMED;
            snprintf (res->message, sizeof res->message, _("leaf %zu is offered at %" PRIu64 ", beyond every "
                      "checkpoint shown (%" PRIu64 ")"), i, positions[i], limit);
            return SH_OK;
        }
        sh_change_t c;
        if (sh_change_open (&c, NULL, leaves[i].data, leaves[i].len, NULL) != SH_OK) {
            res->code = SH_WIRE_ERR_SIGNATURE;
            snprintf (res->message, sizeof res->message, _("leaf %zu (at %" PRIu64 ") does not verify"), i,
                      positions[i]);
            return SH_OK;
        }
        bool opens = !sealed || sh_openings_check (&c, i, openings, n_openings) == SH_OK;
        sh_change_fini (&c);
        if (!opens) {
            s_refuse_opening (res, i, positions[i]);
            return SH_OK;
        }
        uint8_t k[9];
        const uint8_t *v;
        size_t vl;
        bool same = true;           //  the leaf staged at the position is the one offered
        rc = sh_store_get (txn, SH_DB_RECOVERY, k, s_key (k, 'l', positions[i]), &v, &vl);
        if (rc == SH_ENOTFOUND) {
            rc = sh_store_put (txn, SH_DB_RECOVERY, k, sizeof k, leaves[i].data, leaves[i].len);
            res->taken++;
        }
        else
            same = rc == SH_OK && vl == leaves[i].len && memcmp (v, leaves[i].data, vl) == 0;
        if (rc == SH_OK && sealed && same)
            rc = s_stage_openings (txn, positions[i], i, openings, n_openings);
    }
    return rc;
}

sh_err
sh_recovery_offer (sh_store_t *store, const sh_hubid_t *hub, const uint8_t node[SH_PUBKEY_BYTES],
                   const char *note, const sh_wire_bytes_t *leaves, const uint64_t *positions, size_t n,
                   const sh_wire_opening_t *openings, size_t n_openings, bool last, uint64_t now_ms,
                   sh_recovery_result_t *res, sh_recovery_status_t *st)
{
    memset (res, 0, sizeof *res);
    memset (st, 0, sizeof *st);
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (store, true, &txn);
    uint64_t limit = 0;
    if (rc == SH_OK && note)
        rc = s_offer_note (txn, hub, note, &limit, res);
    bool active = rc == SH_OK && !res->code && sh_recovery_active (txn, NULL);
    uint64_t target = 0;
    if (active && (rc = sh_recovery_target (txn, &target)) == SH_OK && target > limit)
        limit = target;
    if (active && rc == SH_OK)
        rc = s_offer_leaves (txn, leaves, positions, n, openings, n_openings, limit, res);
    if (active && rc == SH_OK && !res->code && last) {
        uint8_t k[S_KEY_MAX] = { 'h' }, v[8];
        memcpy (k + 1, node, SH_PUBKEY_BYTES);
        sh_store_put_be64 (v, now_ms);
        rc = sh_store_put (txn, SH_DB_RECOVERY, k, sizeof k, v, sizeof v);
    }
    if (active && rc == SH_OK && !res->code)
        rc = s_advance (txn, hub, &res->appended);
    if (rc == SH_OK && !res->code)
        rc = sh_recovery_status (txn, st);
    //  everyone heard from, nothing above the tree: done
    if (active && rc == SH_OK && !res->code && st->heard >= st->nodes && st->target <= st->size) {
        rc = sh_recovery_finish (txn);
        res->finished = rc == SH_OK;
        if (rc == SH_OK)
            rc = sh_recovery_status (txn, st);
    }
    if (rc == SH_OK && !res->code)
        rc = sh_store_commit (&txn);
    sh_store_abort (&txn);
    if (rc)
        memset (res, 0, sizeof *res);
    return rc;
}

//  ---------------------------------------------------------------------
//  Finishing

sh_err
sh_recovery_finish (sh_store_txn_t *txn)
{
    sh_recovery_status_t st;
    sh_err rc = sh_recovery_status (txn, &st);
    if (rc)
        return rc;
    if (st.target > st.size)
        return SH_ERULE;
    for (;;) {              //  empty the database, one key at a time
        sh_store_cursor_t *cur;
        const uint8_t *k, *v;
        size_t kl, vl;
        uint8_t key[S_KEY_MAX];
        rc = sh_store_cursor_open (txn, SH_DB_RECOVERY, NULL, 0, &cur);
        if (rc == SH_OK)
            rc = sh_store_cursor_next (cur, &k, &kl, &v, &vl);
        if (rc == SH_OK && kl <= sizeof key)
            memcpy (key, k, kl);
        sh_store_cursor_close (&cur);
        if (rc == SH_ENOTFOUND)
            break;
        if (rc == SH_OK && kl > sizeof key)
            rc = SH_ECORRUPT;
        if (rc == SH_OK)
            rc = sh_store_del (txn, SH_DB_RECOVERY, key, kl);
        if (rc)
            return rc;
    }
    rc = sh_store_del (txn, SH_DB_META, SH_RECOVERY_META_PROBLEM, strlen (SH_RECOVERY_META_PROBLEM));
    if (rc == SH_OK || rc == SH_ENOTFOUND)
        rc = sh_store_del (txn, SH_DB_META, SH_RECOVERY_META_BASE, strlen (SH_RECOVERY_META_BASE));
    return rc;
}

sh_err
sh_recovery_abandon (sh_store_txn_t *txn, const sh_hubid_t *hub, char **note_out)
{
    assert (hub && hub->key);
    if (note_out)
        *note_out = NULL;
    sh_recovery_status_t st;
    sh_err rc = sh_recovery_status (txn, &st);
    if (rc)
        return rc;
    if (!st.active || st.target <= st.size)
        return SH_EINVAL;
    sh_epoch_t e = { .epoch = 2, .base = st.size, .abandoned = st.target };
    uint64_t prev;
    if (sh_store_meta_get_u64 (txn, SH_RECOVERY_META_EPOCH, &prev) == SH_OK)
        e.epoch = prev + 1;
    //  the abandoned root, from the target's note (verified when offered)
    uint8_t k[9];
    const uint8_t *v;
    size_t vl;
    rc = sh_store_get (txn, SH_DB_RECOVERY, k, s_key (k, 'c', st.target), &v, &vl);
    sh_note_checkpoint_t cp;
    if (rc == SH_OK)
        rc = sh_hubid_open_checkpoint (hub, &cp, (const char *) v, vl);
    if (rc == SH_OK)
        memcpy (e.abandoned_root, cp.root, SH_HASH_BYTES);
    if (rc == SH_OK)
        rc = sh_merkle_root (txn, st.size, e.base_root);
    char *note = NULL;
    size_t len;
    if (rc == SH_OK)
        rc = sh_epoch_sign (hub, &e, &note, &len);
    char name[32];
    snprintf (name, sizeof name, "%s.%" PRIu64, SH_RECOVERY_META_EPOCH, e.epoch);
    if (rc == SH_OK)
        rc = sh_store_meta_put_str (txn, name, note);
    if (rc == SH_OK)
        rc = sh_store_meta_put_u64 (txn, SH_RECOVERY_META_EPOCH, e.epoch);
    //  the targets above the tree are void now
    for (bool found = true; rc == SH_OK && found; ) {
        uint64_t t;
        rc = s_first (txn, 'c', st.size + 1, &found, &t);
        if (rc == SH_OK && found)
            rc = s_delete_range (txn, 'c', t, t + 1);
    }
    if (rc == SH_OK)
        rc = sh_recovery_finish (txn);
    if (rc == SH_OK && note_out)
        *note_out = note;
    else
        free (note);
    return rc;
}

sh_err
sh_recovery_epoch_note (sh_store_txn_t *txn, char **note)
{
    *note = NULL;
    uint64_t e;
    sh_err rc = sh_store_meta_get_u64 (txn, SH_RECOVERY_META_EPOCH, &e);
    if (rc == SH_ENOTFOUND)
        return SH_OK;
    if (rc)
        return rc;
    char name[32];
    snprintf (name, sizeof name, "%s.%" PRIu64, SH_RECOVERY_META_EPOCH, e);
    char buf[SH_WIRE_NOTE_MAX + 1];
    rc = sh_store_meta_get_str (txn, name, buf, sizeof buf);
    if (rc == SH_OK && !(*note = strdup (buf)))
        rc = SH_ENOMEM;
    return rc;
}
