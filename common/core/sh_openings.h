/*  sh_openings -- the openings of sealed fields as they travel: gathered
    from a store beside the changes of a Push, a Batch or an Offer, and
    taken from a message into a store (docs/protocol.md 7.10, 13.5
    Opening, 13.19).

    A message's Opening names its change by index; gathering walks the
    message's changes and asks the store (sh_merge_openings_of) for what it
    holds of each change's seals; taking verifies each opening against the
    seal of its change (sh_merge_openings) before anything is kept.

    Ownership: a gathered list owns copies of its salts and values
    (sh_openings_fini); nothing else is kept. Threading: follows the
    transaction it is given.
*/
#ifndef SH_OPENINGS_H
#define SH_OPENINGS_H

#include <stddef.h>

#include "sh_change.h"
#include "sh_err.h"
#include "sh_seal.h"
#include "sh_store.h"
#include "sh_wire.h"

//  Openings gathered for a message (plain data over owned memory).
typedef struct {
    size_t n;                       //  openings
    sh_wire_opening_t *list;        //  each naming its change's index (owned)
    void *mem_;                     //  owned copies of salts and values
} sh_openings_t;

//  The openings txn's store holds for changes[0..n) (SignedChange bytes
//  of that store's log, not verified again), in change order. SH_ENOMEM,
//  store errors; a change that does not decode is SH_ECORRUPT.
SH_NODISCARD sh_err sh_openings_gather (sh_store_txn_t *txn, const sh_wire_bytes_t *changes, size_t n,
                                        sh_openings_t *out);

//  The openings txn's store holds for the one SignedChange of bytes
//  [data, data + len) (of that store's log, not verified again), in seal
//  order, into out[0..*n): salts copied, values pointing into the store
//  (valid until txn ends or is written). What an export --with-personal
//  carries beside each change (sh_export). SH_ECORRUPT if the change does
//  not decode; SH_ENOMEM; store errors.
SH_NODISCARD sh_err sh_openings_held (sh_store_txn_t *txn, const uint8_t *data, size_t len,
                                      sh_seal_opening_t out[SH_SEALS_MAX], size_t *n);

//  Free a gathered list. Idempotent.
void sh_openings_fini (sh_openings_t *o);

//  Take, for change number index of a message (c: that change, opened and
//  merged in txn), the openings of list[0..n) that name it: SH_ECRYPTO when
//  one does not open its seal (nothing kept); *kept (may be NULL) counts
//  those stored (an erased record's are not).
SH_NODISCARD sh_err sh_openings_take (sh_store_txn_t *txn, const sh_change_t *c, size_t index,
                                      const sh_wire_opening_t *list, size_t n, size_t *kept);

//  Check, for change number index of a message (c: that change, opened),
//  that every opening of list[0..n) naming it opens its seal, without
//  keeping any: SH_OK, or SH_ECRYPTO.
SH_NODISCARD sh_err sh_openings_check (const sh_change_t *c, size_t index, const sh_wire_opening_t *list,
                                       size_t n);

#endif
