/*  audit_checkpoints -- the checkpoints and epoch notes of an export
    (audit.h; docs/protocol.md 15.4 checks 16..19 and the quorum of 16.6):
    each opened with the trusted hub key and matched against the tree
    recomputed over the export's leaves.
*/
#include "audit.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_epoch.h"
#include "sh_i18n.h"
#include "sh_merkle.h"
#include "sh_note.h"

//  One checkpoint of the export, as opened and checked.
typedef struct {
    uint64_t number;                      //  1-based position in the export
    sh_err open_rc;                       //  sh_hubid_open_checkpoint's result
    bool opened;                          //  signed by the hub key, well-formed: size and root valid
    uint64_t size;                        //  tree size it signs
    uint8_t root[SH_HASH_BYTES];          //  the root it signs
    uint8_t computed[SH_HASH_BYTES];      //  the root of the export's first size changes
    bool old;                             //  below the --since size: parsed, its signature not checked
} s_cp_t;

/* ==========================================================================
 * Checkpoints
 * ========================================================================== */

static int
s_cp_cmp (const void *x, const void *y)
{
    const s_cp_t *a = *(const s_cp_t * const *) x, *b = *(const s_cp_t * const *) y;
    if (a->size != b->size)
        return a->size < b->size ? -1 : 1;
    return a->number < b->number ? -1 : a->number > b->number;
}

static audit_fault_t *
s_cp_fault (audit_report_t *rep, audit_fault_kind_t kind, const s_cp_t *cp)
{
    audit_fault_t *f = audit_report_new (rep, kind);
    if (!f)
        return NULL;
    f->checkpoint = cp->number;
    f->index = cp->opened ? cp->size : 0;
    if (cp->opened)
        snprintf (f->where, sizeof f->where, _("checkpoint %" PRIu64 " (size %" PRIu64 ")"), cp->number, cp->size);
    else
        snprintf (f->where, sizeof f->where, _("checkpoint %" PRIu64), cp->number);
    return f;
}

//  Witnesses: count the named witnesses' valid cosignatures on the verified
//  checkpoint j of the given size; the largest with the quorum is the one
//  witnessed; the latest's per-witness result is kept for the report.
static sh_err
s_cosigned (const sh_export_t *ex, size_t j, uint64_t size, const audit_quorum_t *quorum, audit_report_t *rep)
{
    sh_export_bytes_t b = sh_export_checkpoint (ex, j);
    sh_note_t *note;
    sh_err rc = sh_note_parse (&note, (const char *) b.data, b.len);
    if (rc)
        return rc == SH_ENOMEM ? rc : SH_OK;        //  opened before: cannot be malformed
    bool ok[AUDIT_WITNESSES_MAX];
    size_t count = sh_cosig_count (note, quorum->w, quorum->n, ok);
    sh_note_destroy (&note);
    if (size >= rep->covered)
        memcpy (rep->latest_cosigned, ok, quorum->n * sizeof ok[0]);
    if (count >= quorum->quorum && size > rep->witnessed)
        rep->witnessed = size;
    return SH_OK;
}

//  No verified checkpoint with the quorum: one fault naming, for the
//  latest, the witnesses whose cosignature it lacks.
static sh_err
s_quorum_fault (const audit_quorum_t *quorum, audit_report_t *rep)
{
    char missing[AUDIT_MESSAGE_BYTES / 2] = "";
    size_t used = 0, have = 0;
    for (size_t i = 0; i < quorum->n; i++) {
        if (rep->latest_cosigned[i]) {
            have++;
            continue;
        }
        int n = snprintf (missing + used, sizeof missing - used, "%s%s", used ? ", " : "", quorum->w[i].name);
        if (n < 0 || (size_t) n >= sizeof missing - used)
            break;
        used += (size_t) n;
    }
    char msg[AUDIT_MESSAGE_BYTES];
    if (rep->checkpoints_ok)
        snprintf (msg, sizeof msg, _("no verified checkpoint carries %zu cosignatures of the named witnesses; the "
                  "latest (size %llu) has %zu, missing: %s"), quorum->quorum, (unsigned long long) rep->covered,
                  have, missing);
    else
        snprintf (msg, sizeof msg, _("no verified checkpoint, so none carries %zu cosignatures of the named "
                  "witnesses"), quorum->quorum);
    return audit_report_add (rep, AUDIT_F_QUORUM, _("witnesses"), msg);
}

//  The size and root of an old checkpoint (--since: below its size) read
//  without its signature; false when it is not a well-formed checkpoint
//  note of hub's origin (then it is opened in full). SH_ENOMEM in *rc.
static bool
s_peek (const sh_hubid_t *hub, sh_export_bytes_t b, s_cp_t *cp, sh_err *rc)
{
    sh_note_t *note = NULL;
    *rc = sh_note_parse (&note, (const char *) b.data, b.len);
    if (*rc) {
        if (*rc != SH_ENOMEM)
            *rc = SH_OK;
        return false;
    }
    size_t len;
    const char *text = sh_note_text (note, &len);
    sh_note_checkpoint_t c;
    bool ok = sh_note_checkpoint_parse (&c, text, len) == SH_OK && strcmp (c.origin, hub->origin) == 0;
    if (ok) {
        cp->size = c.size;
        memcpy (cp->root, c.root, SH_HASH_BYTES);
    }
    sh_note_destroy (&note);
    return ok;
}

//  Open checkpoint j with the hub's key into cp.
static void
s_open (const sh_export_t *ex, const sh_hubid_t *hub, size_t j, s_cp_t *cp)
{
    sh_export_bytes_t b = sh_export_checkpoint (ex, j);
    sh_note_checkpoint_t c;
    cp->open_rc = sh_hubid_open_checkpoint (hub, &c, (const char *) b.data, b.len);
    cp->opened = cp->open_rc == SH_OK;
    cp->old = false;
    if (cp->opened) {
        cp->size = c.size;
        memcpy (cp->root, c.root, SH_HASH_BYTES);
    }
}

//  Open every checkpoint (those below since only parsed), then take the
//  root of the recomputed tree at each size in one sweep over the leaves.
static sh_err
s_open_all (const sh_export_t *ex, const sh_hubid_t *hub, const uint8_t (*leaves)[SH_HASH_BYTES],
            uint64_t since, s_cp_t *cps, s_cp_t **by_size)
{
    size_t n = sh_export_checkpoint_count (ex);
    size_t sweep = 0;
    for (size_t j = 0; j < n; j++) {
        s_cp_t *cp = &cps[j];
        cp->number = j + 1;
        sh_err rc = SH_OK;
        if (since && s_peek (hub, sh_export_checkpoint (ex, j), cp, &rc) && cp->size < since)
            cp->old = cp->opened = true;
        else
            s_open (ex, hub, j, cp);
        if (rc)
            return rc;
        if (cp->opened && cp->size <= sh_export_change_count (ex))
            by_size[sweep++] = cp;
    }
    qsort (by_size, sweep, sizeof *by_size, s_cp_cmp);
    audit_tree_t tree;
    audit_tree_init (&tree);
    for (size_t j = 0; j < sweep; j++) {
        while (tree.size < by_size[j]->size)
            audit_tree_add (&tree, leaves[tree.size]);
        audit_tree_root (&tree, by_size[j]->computed);
    }
    return SH_OK;
}

//  Judge checkpoint j (cp), after prev (the one before it that opened, or
//  NULL). An old one (below --since) whose root matches counts only in
//  rep->checkpoints_old; one whose root differs is opened and judged in full.
static sh_err
s_check_one (const sh_export_t *ex, const sh_hubid_t *hub, size_t j, s_cp_t *cp, const s_cp_t *prev,
             const audit_quorum_t *quorum, audit_report_t *rep)
{
    size_t nchanges = sh_export_change_count (ex);
    audit_fault_t *f = NULL;
    if (cp->old && memcmp (cp->computed, cp->root, SH_HASH_BYTES) != 0)
        s_open (ex, hub, j, cp);
    if (!cp->opened) {
        if ((f = s_cp_fault (rep, AUDIT_F_CHECKPOINT_SIGNATURE, cp)))
            audit_fault_message (f, "%s", cp->open_rc == SH_ENOTFOUND
                                 ? _("not signed by the hub key (no signature line of its key)")
                                 : cp->open_rc == SH_ECRYPTO ? _("the hub key's signature does not verify")
                                 : _("not a well-formed checkpoint note of this hub's origin"));
        return f ? SH_OK : SH_ENOMEM;
    }
    if (prev && cp->size <= prev->size) {
        if (!(f = s_cp_fault (rep, AUDIT_F_CHECKPOINT_ORDER, cp)))
            return SH_ENOMEM;
        audit_fault_message (f, _("its size is not larger than that of checkpoint %" PRIu64 " (%" PRIu64 ")"),
                             prev->number, prev->size);
    }
    if (cp->size > nchanges) {
        if ((f = s_cp_fault (rep, AUDIT_F_CHECKPOINT_ROOT, cp)))
            audit_fault_message (f, _("it covers %" PRIu64 " changes but the export holds only %zu "
                                 "(changes were dropped)"), cp->size, nchanges);
        return f ? SH_OK : SH_ENOMEM;
    }
    if (memcmp (cp->computed, cp->root, SH_HASH_BYTES) != 0) {
        char signed_root[SH_HEX_BYTES (8) + 3], real[SH_HEX_BYTES (8) + 3];
        audit_short (signed_root, cp->root);
        audit_short (real, cp->computed);
        if ((f = s_cp_fault (rep, AUDIT_F_CHECKPOINT_ROOT, cp)))
            audit_fault_message (f, _("its root %s is not the root %s of the export's first %" PRIu64 " changes "
                                 "(the log was changed, or the hub signed another tree)"), signed_root, real,
                                 cp->size);
        return f ? SH_OK : SH_ENOMEM;
    }
    if (cp->old) {
        rep->checkpoints_old++;
        return SH_OK;
    }
    rep->checkpoints_ok++;
    if (cp->size >= rep->covered) {
        rep->covered = cp->size;
        rep->covered_number = cp->number;
        memcpy (rep->covered_root, cp->root, SH_HASH_BYTES);
    }
    return quorum ? s_cosigned (ex, j, cp->size, quorum, rep) : SH_OK;
}

sh_err
audit_checkpoints (const sh_export_t *ex, const sh_hubid_t *hub, const uint8_t (*leaves)[SH_HASH_BYTES],
                   const audit_quorum_t *quorum, uint64_t since, audit_report_t *rep)
{
    size_t n = sh_export_checkpoint_count (ex);
    s_cp_t *cps = calloc (n + 1, sizeof *cps);
    s_cp_t **by_size = calloc (n + 1, sizeof *by_size);
    sh_err rc = cps && by_size ? s_open_all (ex, hub, leaves, since, cps, by_size) : SH_ENOMEM;
    const s_cp_t *prev = NULL;
    for (size_t j = 0; j < n && rc == SH_OK; j++) {
        rc = s_check_one (ex, hub, j, &cps[j], prev, quorum, rep);
        if (cps[j].opened)
            prev = &cps[j];
    }
    free (cps);
    free (by_size);
    if (rc == SH_OK && quorum && rep->witnessed == 0)
        rc = s_quorum_fault (quorum, rep);
    return rc;
}

/* ==========================================================================
 * Epochs (docs/protocol.md 13.19): each note signed by the hub, numbered 2,
 * 3, ... in order, its base within the export and its base root the root
 * of the export's first base changes
 * ========================================================================== */

static sh_err
s_epoch_fault (audit_report_t *rep, size_t i, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));

static sh_err
s_epoch_fault (audit_report_t *rep, size_t i, const char *fmt, ...)
{
    char where[64], message[AUDIT_MESSAGE_BYTES];
    snprintf (where, sizeof where, _("epoch note %zu"), i + 1);
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (message, sizeof message, fmt, ap);
    va_end (ap);
    return audit_report_add (rep, AUDIT_F_EPOCH, where, message);
}

sh_err
audit_epochs (const sh_export_t *ex, const sh_hubid_t *hub, const uint8_t (*leaves)[SH_HASH_BYTES],
              audit_report_t *rep)
{
    size_t n = sh_export_epoch_count (ex);
    rep->epochs = calloc (n + 1, sizeof *rep->epochs);
    if (!rep->epochs)
        return SH_ENOMEM;
    sh_err rc = SH_OK;
    for (size_t i = 0; rc == SH_OK && i < n; i++) {
        sh_export_bytes_t b = sh_export_epoch (ex, i);
        sh_epoch_t e;
        sh_err oc = sh_epoch_open (hub, (const char *) b.data, b.len, &e);
        if (oc) {
            rc = s_epoch_fault (rep, i, "%s", oc == SH_EPROTO ? _("not an epoch note of this hub's origin")
                                : _("not signed by the hub key"));
            continue;
        }
        if (e.epoch != i + 2)
            rc = s_epoch_fault (rep, i, _("it is epoch %" PRIu64 ", where epoch %zu was due"), e.epoch, i + 2);
        if (rc == SH_OK && e.base > sh_export_change_count (ex)) {
            rc = s_epoch_fault (rep, i, _("it continues from %" PRIu64 " changes, but the export holds %zu"),
                                e.base, sh_export_change_count (ex));
            continue;
        }
        uint8_t root[SH_HASH_BYTES];
        sh_merkle_root_of (leaves, (size_t) e.base, root);
        if (rc == SH_OK && memcmp (root, e.base_root, SH_HASH_BYTES) != 0)
            rc = s_epoch_fault (rep, i, _("its base root is not the root of the export's first %" PRIu64
                                " changes"), e.base);
        rep->epochs[rep->n_epochs++] = e;
    }
    return rc;
}

