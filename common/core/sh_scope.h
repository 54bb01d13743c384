/*  sh_scope -- the scope rule: every identifier a change carries agrees
    with its region (docs/protocol.md 3.1).

    A change's region is checked against its author's scope elsewhere
    (sh_ingest check 7; a replica's own writes, sh_replica). This module
    checks everything else a change names -- its entity id, every code
    field of its body and every reference to another record -- against
    that region, so that a node whose scope covers the region can write
    nothing that lands in or points into a region outside it:

    - a courtyard's id and code are its region, its village the region's
      first 12 digits; a region record's id and code are its region;
    - the records of a courtyard (persons, roles, matters, meetings,
      mediations, ledger entries, evaluations) have the courtyard's code as
      region and in their `courtyard` field, and their courtyard exists;
    - a random id (person, matter, meeting, mediation) lives in one region
      only: an id already held under another region is refused;
    - a role's id names a person of the same courtyard (and its `person`
      and `role` fields agree with the id); a matter event's id a matter of
      the same courtyard; a ledger account a person of the same courtyard;
      a mediation's `matter` a matter of the same courtyard;
    - an evaluation's id is courtyard "/" period "/" category, agreeing with
      its fields.

    The one function below is the whole rule. The hub refuses a Push
    holding a change that breaks it (ERR_SCOPE, with the sentence this
    function writes), and sh_merge applies it to every change on every
    replica (the hub's included), which keeps a change that breaks it in
    the log but merges nothing of it: a hub that let one through could not
    make it count anywhere.

    The references are looked up in the INDEX of the store the change is
    merged into (sh_index). Changes reach every store in the hub's log
    order, in which a record precedes the changes that refer to it, so
    every replica reaches the same verdict as the hub.

    Stateless and thread-safe apart from the transaction it is given;
    nothing is allocated.
*/
#ifndef SH_SCOPE_H
#define SH_SCOPE_H

#include <stddef.h>

#include "sh_change.h"
#include "sh_err.h"
#include "sh_store.h"

//  Check the opened change c (for a PUT or EVENT, a body that passed
//  sh_record_check) against the scope rule, looking its references up in
//  txn's store. SH_OK when it holds; SH_ESCOPE when it does not, with one
//  sentence naming the field and the values in why (why_len bytes; why may
//  be NULL); SH_EPROTO for a body whose wire format is broken; store errors.
//  OP_CLOCK changes have no identifiers to check (SH_OK).
SH_NODISCARD sh_err sh_scope_check (sh_store_txn_t *txn, const sh_change_t *c, char *why, size_t why_len);

#endif
