/*  hub_lead -- who may move a matter, as the hub checks it on a Push
    (docs/protocol.md 6.4 "The leading tier" and 13.8 step 5).

    Replicas refuse in replay, as a conflict, a step or close by a node
    whose tier does not lead the matter (sh_domain). The hub refuses the
    Push only when the replay refuses such an event AND its author itself
    wrote the escalation that made the matter big: an honest node's own
    local check refuses that write, so only a node that bypasses it sends
    one. A step written while the node did not know yet that its town had
    escalated the matter (offline) is accepted and counted as a conflict
    everywhere: the node's chain cannot skip it, so refusing it would stop
    the node's sync for ever.

    The hub layer knows no domain rule: hub_handler passes hub_lead_rule
    to sh_hublog_push_ruled, which calls it in the Push's write
    transaction once each change is merged (earlier changes of the same
    batch count). Stateless.
*/
#ifndef HUB_LEAD_H
#define HUB_LEAD_H

#include "sh_change.h"
#include "sh_err.h"
#include "sh_store.h"
#include "sh_wire.h"

//  An sh_hublog_rule_fn (arg unused): SH_OK for every change but a matter
//  step or close so refused; then SH_ERULE, *code = SH_WIRE_ERR_LEAD and
//  message (SH_WIRE_MESSAGE_MAX + 1 bytes) naming the matter and the rule.
//  Store errors as sh_domain_matter_own_lead.
SH_NODISCARD sh_err hub_lead_rule (sh_store_txn_t *txn, const sh_change_t *c, sh_wire_error_t *code,
                                   char *message, void *arg);

#endif
