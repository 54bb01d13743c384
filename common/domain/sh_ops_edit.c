/*  sh_ops -- the domain operations of a node: corrections (courtyard set,
    person set, matter amend), signed puts of the changed fields only. */
#include "sh_ops.h"
#include "sh_ops_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_domain.h"
#include "sh_i18n.h"
#include "sh_index.h"
#include "sh_merge.h"
#include "sh_names.h"
#include "shouhe/v1/domain.pb-c.h"

//  Was the optional number v given?
static bool
s_given (int64_t v)
{
    return v != SH_OPS_UNSET;
}

//  The current courtyard code, unpacked; caller frees with free_unpacked.
static sh_err
s_courtyard_get (sh_replica_t *r, const char *code, Shouhe__V1__Courtyard **out, char *msg)
{
    sh_err rc = sh_ops_read_courtyard (r, code, msg);
    if (rc)
        return rc;
    uint8_t *body;
    size_t len;
    char region[SH_REGION_MAX + 1];
    if ((rc = sh_ops_read (r, SH_KIND_COURTYARD, (const uint8_t *) code, 15, region, &body, &len)) != SH_OK) {
        S_MSG (_("cannot read courtyard %s: %s"), code, sh_strerror (rc));
        return rc;
    }
    *out = shouhe__v1__courtyard__unpack (NULL, len, body);
    free (body);
    return *out ? SH_OK : SH_ECORRUPT;
}

//  The courtyard as it would be after the correction c, for the entry checks.
static void
s_courtyard_after (const Shouhe__V1__Courtyard *o, const sh_ops_courtyard_set_t *c, sh_ops_courtyard_t *n)
{
    n->code = c->code;
    n->name = c->name ? c->name : o->name;
    n->households = s_given (c->households) ? c->households : o->has_households ? o->households : 1;
    n->residents = s_given (c->residents) ? c->residents : o->has_residents ? o->residents : SH_OPS_UNSET;
    n->elderly = s_given (c->elderly) ? c->elderly : o->has_elderly ? o->elderly : SH_OPS_UNSET;
    n->model = c->model == 1;
    n->point = c->point;            //  the one on record passed its check when written
    n->grid = c->grid;
    n->villager_group = c->villager_group;
}

sh_err
sh_ops_courtyard_set (sh_replica_t *r, const sh_ops_courtyard_set_t *c, char *msg)
{
    if (!c->name && !s_given (c->households) && !s_given (c->residents) && !s_given (c->elderly)
    &&  c->model < 0 && !c->point && !c->grid && !c->villager_group) {
        S_MSG (_("nothing to change: give at least one of --name --households --residents --elderly "
               "--model --no-model --point --grid --group"));
        return SH_EINVAL;
    }
    if (!sh_ops_code_valid (c->code, 15)) {
        S_MSG (_("courtyard code '%s' must be 15 digits (village code + 3)"), c->code ? c->code : "");
        return SH_EINVAL;
    }
    Shouhe__V1__Courtyard *o;
    sh_err rc = s_courtyard_get (r, c->code, &o, msg);
    if (rc)
        return rc;
    sh_ops_courtyard_t after;
    s_courtyard_after (o, c, &after);
    int point;
    rc = sh_ops_courtyard_fields (r, &after, &point, NULL, msg);     //  after borrows from o
    shouhe__v1__courtyard__free_unpacked (o, NULL);
    if (rc)
        return rc;
    Shouhe__V1__Courtyard m = SHOUHE__V1__COURTYARD__INIT;
    m.name = (char *) c->name;
    m.has_households = s_given (c->households);
    m.households = (uint32_t) c->households;
    m.has_residents = s_given (c->residents);
    m.residents = (uint32_t) c->residents;
    m.has_elderly = s_given (c->elderly);
    m.elderly = (uint32_t) c->elderly;
    m.has_model = c->model >= 0;
    m.model = c->model == 1;
    m.has_point = c->point != NULL;
    m.point = point;
    m.grid = (char *) c->grid;
    m.villager_group = (char *) c->villager_group;
    return sh_ops_write1 (r, c->code, SH_KIND_COURTYARD, (const uint8_t *) c->code, 15, SH_OP_PUT,
                          &m.base, msg);
}

sh_err
sh_ops_person_set (sh_replica_t *r, const char *person_hex, const sh_ops_person_set_t *p, char *msg)
{
    if (!p->name && !p->gender && !p->birth_year && p->party_member < 0 && !p->phone) {
        S_MSG (_("nothing to change: give at least one of --name --gender --birth-year --party-member "
               "--no-party-member --phone"));
        return SH_EINVAL;
    }
    int gender;
    if (!sh_ops_person_fields (r, p->name, false, p->gender, p->birth_year, p->phone, &gender, NULL, msg))
        return SH_EINVAL;
    uint8_t id[SH_OPS_ID_BYTES];
    char region[SH_REGION_MAX + 1];
    if (!sh_ops_id_in (person_hex, id, _("person"), msg))
        return SH_EINVAL;
    sh_err rc = sh_ops_read (r, SH_KIND_PERSON, id, sizeof id, region, NULL, NULL);
    if (rc) {
        S_MSG (rc == SH_ENOTFOUND ? _("unknown person %s") : _("cannot read person %s"), person_hex);
        return rc;
    }
    Shouhe__V1__Person m = SHOUHE__V1__PERSON__INIT;
    m.name = (char *) p->name;
    m.has_gender = gender != 0;
    m.gender = gender;
    m.has_birth_year = p->birth_year != 0;
    m.birth_year = (uint32_t) p->birth_year;
    m.has_party_member = p->party_member >= 0;
    m.party_member = p->party_member == 1;
    m.phone = (char *) p->phone;
    return sh_ops_write1 (r, region, SH_KIND_PERSON, id, sizeof id, SH_OP_PUT, &m.base, msg);
}

//  May the category of matter (region, id) still change? Only at diagnose.
static sh_err
s_category_open (sh_replica_t *r, const char *region, const uint8_t *id, char *msg)
{
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (sh_replica_store (r), false, &txn);
    if (rc)
        return rc;
    sh_domain_matter_t m;
    rc = sh_domain_matter_replay (txn, region, id, SH_OPS_ID_BYTES, &m, NULL, NULL);
    sh_store_abort (&txn);
    if (rc == SH_OK && (m.step != SH_STEP_DIAGNOSE || m.closed)) {
        char step[32];
        S_MSG (_("the category can change only before the consult step (while at diagnose); "
               "this matter is at %s%s"), sh_names_shown ("shouhe.v1.Step", m.step, step, sizeof step),
               m.closed ? _(", closed") : "");
        rc = SH_ERULE;
    }
    return rc;
}

sh_err
sh_ops_matter_amend (sh_replica_t *r, const char *matter_hex, const char *title,
                     const char *description, const char *category, char *msg)
{
    if (!title && !description && !category) {
        S_MSG (_("nothing to change: give at least one of --title --description --category"));
        return SH_EINVAL;
    }
    int cat = 0;
    if ((category && !sh_ops_enum_in ("shouhe.v1.Category", _("category"), category, &cat, msg))
    ||  (title && !sh_ops_text_ok (title, true, _("the title"), msg))
    ||  !sh_ops_free_ok (description, _("the description"), msg))
        return SH_EINVAL;
    char opened[SH_OPS_DAY_BYTES], region[SH_REGION_MAX + 1];
    uint8_t id[SH_OPS_ID_BYTES];
    sh_err rc = sh_ops_matter_opened (r, matter_hex, opened, region, msg);
    if (rc)
        return rc;
    if (!sh_ops_id_in (matter_hex, id, _("matter"), msg))
        return SH_EINVAL;
    if (cat && (rc = s_category_open (r, region, id, msg)) != SH_OK)
        return rc;
    Shouhe__V1__Matter m = SHOUHE__V1__MATTER__INIT;
    m.title = (char *) title;
    m.description = (char *) description;
    m.has_category = cat != 0;
    m.category = cat;
    return sh_ops_write1 (r, region, SH_KIND_MATTER, id, sizeof id, SH_OP_PUT, &m.base, msg);
}

static const uint8_t s_mark[] = SH_MERGE_ERASE_BODY;      //  an erasure mark (protocol 7.10)

//  Write the erasure mark of (kind, id) in txn when this store holds such a
//  record or event set (its region from the index); *marked counts it.
static sh_err
s_mark_held (sh_replica_t *r, sh_store_txn_t *txn, sh_kind_t kind, const uint8_t *id, size_t id_len,
             int *marked)
{
    char rr[SH_REGION_MAX + 1];
    sh_err rc = sh_index_first (txn, kind, id, id_len, rr);
    if (rc)
        return rc == SH_ENOTFOUND ? SH_OK : rc;
    rc = sh_replica_write (r, txn, rr, kind, id, id_len, SH_OP_PUT, s_mark, sizeof s_mark, NULL);
    *marked += rc == SH_OK;
    return rc;
}

//  Erase the personal data of the record of kind named by hex (what: its
//  kind as a message says it): the marks of the record and of each
//  (kinds[i], id) it has, and with roles of the roles of a person, in one
//  transaction.
static sh_err
s_erase (sh_replica_t *r, sh_kind_t kind, const char *hex, const char *what, const sh_kind_t *kinds, size_t n,
         bool roles, int *count, char *msg)
{
    uint8_t id[SH_OPS_ID_BYTES + 1];
    char region[SH_REGION_MAX + 1];
    if (count)
        *count = 0;
    if (!sh_ops_id_in (hex, id, what, msg))
        return SH_EINVAL;
    sh_err rc = sh_ops_read (r, kind, id, SH_OPS_ID_BYTES, region, NULL, NULL);
    if (rc) {
        S_MSG (rc == SH_ENOTFOUND ? _("unknown %s %s") : _("cannot read %s %s"), what, hex);
        return rc;
    }
    sh_store_txn_t *txn;
    if ((rc = sh_replica_begin (r, &txn))) {
        S_MSG (_("cannot open the store: %s"), sh_strerror (rc));
        return rc;
    }
    int marked = 0;
    rc = sh_replica_write (r, txn, region, kind, id, SH_OPS_ID_BYTES, SH_OP_PUT, s_mark, sizeof s_mark, NULL);
    marked += rc == SH_OK;
    for (size_t i = 0; rc == SH_OK && i < n; i++)
        rc = s_mark_held (r, txn, kinds[i], id, SH_OPS_ID_BYTES, &marked);
    for (uint8_t role = 1; roles && rc == SH_OK && role <= 5; role++) {
        id[SH_OPS_ID_BYTES] = role;      //  a role record: person id || role number
        rc = s_mark_held (r, txn, SH_KIND_ROLE, id, SH_OPS_ID_BYTES + 1, &marked);
    }
    if (rc == SH_OK && (rc = sh_store_commit (&txn)) == SH_OK && count)
        *count = marked;
    if (rc)
        sh_ops_write_failed (r, rc, msg, _("cannot erase the personal data"));
    sh_store_abort (&txn);
    return rc;
}

sh_err
sh_ops_person_erase (sh_replica_t *r, const char *person_hex, int *count, char *msg)
{
    static const sh_kind_t also[] = { SH_KIND_LEDGER };
    return s_erase (r, SH_KIND_PERSON, person_hex, _("person"), also, 1, true, count, msg);
}

sh_err
sh_ops_matter_erase (sh_replica_t *r, const char *matter_hex, int *count, char *msg)
{
    static const sh_kind_t also[] = { SH_KIND_MATTER_EVENT };
    return s_erase (r, SH_KIND_MATTER, matter_hex, _("matter"), also, 1, false, count, msg);
}

sh_err
sh_ops_mediation_erase (sh_replica_t *r, const char *mediation_hex, int *count, char *msg)
{
    return s_erase (r, SH_KIND_MEDIATION, mediation_hex, _("mediation"), NULL, 0, false, count, msg);
}
