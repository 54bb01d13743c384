/*  hub_lead -- who may move a matter, as the hub checks it on a Push. */
#include "hub_lead.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sh_clock.h"
#include "sh_crypto.h"
#include "sh_domain.h"
#include "sh_i18n.h"

sh_err
hub_lead_rule (sh_store_txn_t *txn, const sh_change_t *c, sh_wire_error_t *code, char *message, void *arg)
{
    (void) arg;
    if (c->kind != SH_KIND_MATTER_EVENT || c->op != SH_OP_EVENT)
        return SH_OK;
    //  the replay orders events by their effective hlc (clock corrections)
    uint64_t hlc;
    sh_err rc = sh_clock_effective (txn, c, &hlc);
    bool own = false;
    char why[SH_DOMAIN_WHY_BYTES];
    if (rc == SH_OK)
        rc = sh_domain_matter_own_lead (txn, c->region, c->entity, c->entity_len, hlc, c->author, &own, why);
    if (rc || !own)
        return rc;
    char id[SH_HEX_BYTES (SH_ENTITY_MAX)];
    sh_crypto_hex (id, c->entity, c->entity_len);
    *code = SH_WIRE_ERR_LEAD;
    //  within the wire's limit: a matter id is 16 bytes, the rule's reasons are under 160 (cut
    //  there at a character's start: a translated reason is UTF-8 of up to 3 bytes a character)
    int n = (int) strlen (why);
    if (n > 160)
        for (n = 160; n > 0 && ((unsigned char) why[n] & 0xC0) == 0x80; n--)
            ;
    snprintf (message, SH_WIRE_MESSAGE_MAX + 1, _("matter %.32s: %.*s; this key made it big itself"), id, n, why);
    return SH_ERULE;
}
