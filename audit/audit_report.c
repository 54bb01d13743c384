/*  audit_report -- the auditor's list of faults (audit.h): adding one,
    freeing the list. audit_verify and audit_openings both add to it.
*/
#include "audit.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

audit_fault_t *
audit_report_new (audit_report_t *rep, audit_fault_kind_t kind)
{
    if (rep->n_faults == rep->cap_faults) {
        size_t cap = rep->cap_faults ? 2 * rep->cap_faults : 16;
        audit_fault_t *f = realloc (rep->faults, cap * sizeof *f);
        if (!f)
            return NULL;
        rep->faults = f;
        rep->cap_faults = cap;
    }
    audit_fault_t *f = &rep->faults[rep->n_faults++];
    memset (f, 0, sizeof *f);
    f->kind = kind;
    return f;
}

sh_err
audit_report_add (audit_report_t *rep, audit_fault_kind_t kind, const char *where, const char *message)
{
    assert (rep && where && message);
    audit_fault_t *f = audit_report_new (rep, kind);
    if (!f)
        return SH_ENOMEM;
    snprintf (f->where, sizeof f->where, "%s", where);
    snprintf (f->message, sizeof f->message, "%s", message);
    return SH_OK;
}

void
audit_fault_message (audit_fault_t *f, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (f->message, sizeof f->message, fmt, ap);
    va_end (ap);
}

void
audit_report_fini (audit_report_t *rep)
{
    assert (rep);
    free (rep->faults);
    free (rep->epochs);
    memset (rep, 0, sizeof *rep);
}
