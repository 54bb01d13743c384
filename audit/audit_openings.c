/*  audit_openings -- the openings of an export --with-personal (audit.h,
    docs/protocol.md 15.4 check 20): each must open a seal of the change it
    names, which is what a replica checks before it keeps one
    (sh_merge_openings: the seal of the same field, sh_seal_verify).
*/
#include "audit.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_change.h"
#include "sh_i18n.h"
#include "sh_seal.h"

//  The change the openings name, decoded once for all of its openings (its
//  signature is checked with the changes, check 7).
typedef struct {
    size_t at;                //  its index in the export (SIZE_MAX: none yet)
    bool decoded;             //  c holds it
    sh_change_t c;            //  the change (finalised when another is taken)
} s_named_t;

//  Take change i of ex into *n. SH_ENOMEM only; a change that does not
//  decode leaves n->decoded false.
static sh_err
s_take (s_named_t *n, const sh_export_t *ex, size_t i)
{
    if (n->at == i)
        return SH_OK;
    if (n->decoded)
        sh_change_fini (&n->c);
    n->decoded = false;
    n->at = i;
    sh_export_bytes_t b = sh_export_change (ex, i);
    sh_err rc = sh_change_read (&n->c, b.data, b.len, NULL);
    n->decoded = rc == SH_OK;
    return rc == SH_ENOMEM ? rc : SH_OK;
}

//  A fault about opening i (0-based) of ex; named: the change it names when
//  that decoded (its author and seq), else NULL.
static sh_err __attribute__ ((format (printf, 5, 6)))
s_fault (audit_report_t *rep, size_t i, const sh_export_opening_t *op, const s_named_t *named,
         const char *fmt, ...)
{
    audit_fault_t *f = audit_report_new (rep, AUDIT_F_OPENING);
    if (!f)
        return SH_ENOMEM;
    if (named && named->decoded && named->at == op->change) {
        f->has_author = true;
        memcpy (f->author, named->c.author, SH_PUBKEY_BYTES);
        f->seq = named->c.seq;
    }
    f->index = (uint64_t) op->change + 1;
    f->has_field = true;
    f->field = op->opening.field;
    snprintf (f->where, sizeof f->where, _("opening %zu (log index %" PRIu64 ", field %" PRIu32 ")"), i + 1,
              (uint64_t) op->change + 1, op->opening.field);
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (f->message, sizeof f->message, fmt, ap);
    va_end (ap);
    return SH_OK;
}

//  Does op open a seal of the change it names? A fault says why not.
static sh_err
s_check (audit_report_t *rep, const sh_export_t *ex, size_t i, const sh_export_opening_t *op, s_named_t *named,
         bool *ok)
{
    size_t nc = sh_export_change_count (ex);
    uint64_t index = (uint64_t) op->change + 1;
    *ok = false;
    if (op->change >= nc)
        return s_fault (rep, i, op, named, _("it names change index %" PRIu32 " (log index %" PRIu64 "), but the export "
                        "holds %zu changes"), op->change, index, nc);
    sh_err rc = s_take (named, ex, op->change);
    if (rc)
        return rc;
    if (!named->decoded)
        return s_fault (rep, i, op, named, _("the change it names does not decode, so it has no seal to open"));
    const sh_change_seal_t *seal = sh_seal_find (&named->c, op->opening.field);
    if (!seal)
        return s_fault (rep, i, op, named, _("the change at log index %" PRIu64 " has no seal of field %" PRIu32
                        " (it seals %zu field(s))"), index, op->opening.field, named->c.n_seals);
    if (sh_seal_verify (seal, &op->opening) != SH_OK)
        return s_fault (rep, i, op, named, _("its salt and value do not open the commitment the change at log index %"
                        PRIu64 " signed for field %" PRIu32 ": the value or the salt was changed"), index,
                        op->opening.field);
    *ok = true;
    return SH_OK;
}

sh_err
audit_openings (const sh_export_t *ex, audit_report_t *rep)
{
    size_t n = sh_export_opening_count (ex);
    rep->openings = n;
    s_named_t named = { .at = SIZE_MAX };
    sh_err rc = SH_OK;
    for (size_t i = 0; i < n && rc == SH_OK; i++) {
        const sh_export_opening_t *op = sh_export_opening (ex, i);
        bool in_order = true;
        if (i > 0) {
            const sh_export_opening_t *prev = sh_export_opening (ex, i - 1);
            in_order = op->change > prev->change
                    || (op->change == prev->change && op->opening.field > prev->opening.field);
            if (!in_order)
                rc = s_fault (rep, i, op, NULL, _("it comes after opening %zu (log index %" PRIu64 ", field %" PRIu32
                              "): openings are in log order, each change's by field, each once"), i,
                              (uint64_t) prev->change + 1, prev->opening.field);
        }
        bool ok = false;
        if (rc == SH_OK)
            rc = s_check (rep, ex, i, op, &named, &ok);
        rep->openings_ok += ok && in_order;     //  out of order: it does not pass check 20
    }
    if (named.decoded)
        sh_change_fini (&named.c);
    return rc;
}
