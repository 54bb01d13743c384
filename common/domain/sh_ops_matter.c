/*  sh_ops -- the domain operations of a node: matters (the five steps,
    escalation, notes, closing). */
#include "sh_ops.h"
#include "sh_ops_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_domain.h"
#include "sh_i18n.h"
#include "sh_merge.h"
#include "sh_plaus.h"
#include "sh_record.h"
#include "sh_text.h"
#include "shouhe/v1/domain.pb-c.h"

//  ---------------------------------------------------------------------
//  Matters

sh_err
sh_ops_matter_open (sh_replica_t *r, const char *courtyard, const char *category,
                    const char *title, const char *description, const char *date,
                    char id_hex[SH_OPS_ID_HEX], char *msg)
{
    int cat;
    char day[SH_OPS_DAY_BYTES];
    if (!sh_ops_enum_in ("shouhe.v1.Category", _("category"), category, &cat, msg)
    ||  !sh_ops_text_ok (title, true, _("the title"), msg)
    ||  !sh_ops_free_ok (description, _("the description"), msg)
    ||  sh_ops_date_in (r, _("the opening date"), date, NULL, NULL, day, msg))
        return SH_EINVAL;
    sh_err rc = sh_ops_read_courtyard (r, courtyard, msg);
    if (rc)
        return rc;
    Shouhe__V1__Matter m = SHOUHE__V1__MATTER__INIT;
    m.courtyard = (char *) courtyard;
    m.has_category = 1;
    m.category = cat;
    m.title = (char *) title;
    m.description = description && *description ? (char *) description : NULL;
    m.opened_on = day;
    uint8_t id[SH_OPS_ID_BYTES];
    sh_crypto_random (id, sizeof id);
    rc = sh_ops_write1 (r, courtyard, SH_KIND_MATTER, id, sizeof id, SH_OP_PUT, &m.base, msg);
    if (rc == SH_OK)
        sh_crypto_hex (id_hex, id, sizeof id);
    return rc;
}

//  Check a matter event against the matter's derived state and record it.
static sh_err
s_matter_event (sh_replica_t *r, const char *hex, Shouhe__V1__MatterEvent *e, char *msg);

//  Build a matter event of kind with its one value (a step, a tier or a
//  satisfaction; none for a note), the note and the date, and record it if
//  the rules allow.
static sh_err
s_matter_transition (sh_replica_t *r, const char *hex, Shouhe__V1__MatterEventKind kind, int value,
                     const char *note, const char *date, char *msg)
{
    char day[SH_OPS_DAY_BYTES], opened[SH_OPS_DAY_BYTES], region[SH_REGION_MAX + 1];
    if (!sh_ops_free_ok (note, _("the note"), msg))
        return SH_EINVAL;
    sh_err rc = sh_ops_matter_opened (r, hex, opened, region, msg);
    if (rc == SH_OK)
        rc = sh_ops_date_in (r, kind == SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_STEP ? _("the step date")
                         : kind == SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_ESCALATE ? _("the escalation date")
                         : _("the closing date"), date, opened, _("the matter was opened"), day, msg);
    if (rc)
        return rc;
    Shouhe__V1__MatterEvent e = SHOUHE__V1__MATTER_EVENT__INIT;
    e.has_kind = 1;
    e.kind = kind;
    if (kind == SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_STEP) {
        e.has_step = 1;
        e.step = value;
    }
    else
    if (kind == SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_ESCALATE) {
        e.has_tier = 1;
        e.tier = value;
    }
    else
    if (kind == SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_CLOSE) {
        e.has_satisfaction = 1;
        e.satisfaction = (uint32_t) value;
    }
    e.note = note && *note ? (char *) note : NULL;
    e.date = day;
    return s_matter_event (r, hex, &e, msg);
}

static sh_err
s_matter_event (sh_replica_t *r, const char *hex, Shouhe__V1__MatterEvent *e, char *msg)
{
    uint8_t id[SH_OPS_ID_BYTES];
    if (!sh_ops_id_in (hex, id, _("matter"), msg))
        return SH_EINVAL;
    sh_store_txn_t *txn;
    sh_err rc = sh_replica_begin (r, &txn);
    if (rc) {
        S_MSG (_("cannot open the store: %s"), sh_strerror (rc));
        return rc;
    }
    char region[SH_REGION_MAX + 1];
    sh_domain_matter_t m;
    char why[SH_DOMAIN_WHY_BYTES];
    rc = sh_ops_find (txn, SH_KIND_MATTER, id, sizeof id, region, NULL, NULL);
    if (rc == SH_ENOTFOUND) {
        S_MSG (_("unknown matter %s"), hex);
        goto out;
    }
    if (rc == SH_OK)
        rc = sh_domain_matter_replay (txn, region, id, sizeof id, &m, NULL, NULL);
    if (rc) {
        S_MSG (_("cannot read matter %s: %s"), hex, sh_strerror (rc));
        goto out;
    }
    //  who may move the matter (the tier that leads it), then how it may move
    int value = e->kind == SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_STEP ? (int) e->step
              : e->kind == SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_ESCALATE ? (int) e->tier
              : (int) e->satisfaction;
    rc = sh_domain_matter_lead_shown (&m, region, sh_replica_scope (r), (int) e->kind, value, why);
    if (rc && m.tier == SH_TIER_BIG) {
        S_MSG (_("matter %s: %s; this node may add a note instead: shouhe-node matter note %s TEXT"),
               hex, why, hex);
        goto out;
    }
    if (rc == SH_OK)
        rc = sh_domain_matter_apply_shown (&m, (int) e->kind, value, why);
    if (rc) {
        S_MSG (_("matter %s: %s"), hex, why);
        goto out;
    }
    uint8_t *body;
    size_t len;
    rc = sh_ops_pack (&e->base, &body, &len);
    if (rc == SH_OK) {
        rc = sh_replica_write (r, txn, region, SH_KIND_MATTER_EVENT, id, sizeof id, SH_OP_EVENT,
                               body, len, NULL);
        free (body);
    }
    if (rc == SH_OK)
        rc = sh_store_commit (&txn);
    if (rc == SH_ESCOPE)
        S_MSG (_("matter %s is in region %s, outside this node's scope %s"), hex, region, sh_replica_scope (r));
    else
    if (rc)
        sh_ops_write_failed (r, rc, msg, _("cannot record the change"));
out:
    sh_store_abort (&txn);
    return rc;
}

sh_err
sh_ops_matter_step (sh_replica_t *r, const char *matter_hex, const char *step,
                    const char *note, const char *date, char *msg)
{
    int sv;
    if (!sh_ops_enum_in ("shouhe.v1.Step", _("step"), step, &sv, msg))
        return SH_EINVAL;
    return s_matter_transition (r, matter_hex, SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_STEP, sv,
                                note, date, msg);
}

sh_err
sh_ops_matter_escalate (sh_replica_t *r, const char *matter_hex, const char *tier,
                        const char *note, const char *date, char *msg)
{
    int tv;
    if (!sh_ops_enum_in ("shouhe.v1.Tier", _("tier"), tier, &tv, msg))
        return SH_EINVAL;
    return s_matter_transition (r, matter_hex, SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_ESCALATE, tv,
                                note, date, msg);
}

sh_err
sh_ops_matter_note (sh_replica_t *r, const char *matter_hex, const char *note, const char *date, char *msg)
{
    if (!sh_ops_text_check (note, true, SH_TEXT_MULTILINE, _("the note"), msg))
        return SH_EINVAL;
    return s_matter_transition (r, matter_hex, SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_NOTE, 0,
                                note, date, msg);
}

sh_err
sh_ops_matter_close (sh_replica_t *r, const char *matter_hex, int satisfaction,
                     const char *note, const char *date, char *msg)
{
    if (satisfaction < 1 || satisfaction > 5) {
        S_MSG (_("satisfaction must be 1..5, not %d"), satisfaction);
        return SH_EINVAL;
    }
    return s_matter_transition (r, matter_hex, SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_CLOSE,
                                satisfaction, note, date, msg);
}

