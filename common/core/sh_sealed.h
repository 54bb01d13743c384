/*  sh_sealed -- what a replica can show of its sealed personal fields
    (docs/privacy.md, docs/protocol.md 7.10): which of a record's sealed
    fields it holds no value for, whether an erasure mark covers them, and
    an event's body with the values it holds put back in place of its seals.

    sh_merge keeps a sealed field of a record as stamp || 0x00 ||
    commitment, and the value beside it in SH_DB_OPENINGS; sh_merge_get
    gives a record's body with the values held and leaves the others out.
    A view needs to say why a field is missing -- erased, or not this
    replica's to hold (another village's resident at the district) -- and
    to show an event's sealed note, which sh_merge_events hands over as a
    seal (field SH_MERGE_SEALED_FIELD) rather than as the note.

    Ownership: sh_sealed_event's *out is a heap buffer the caller frees.
    Threading: follows the transaction it is given.
*/
#ifndef SH_SEALED_H
#define SH_SEALED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sh_change.h"
#include "sh_err.h"
#include "sh_seal.h"
#include "sh_store.h"

//  The sealed state of a record or an event (plain data).
typedef struct {
    bool erased;                        //  an erasure mark covers a withheld value
    size_t n_live;                      //  sealed fields no erasure mark covers
    size_t n_withheld;                  //  sealed fields shown without a value
    uint32_t withheld[SH_SEALS_MAX];    //  their numbers, in field order
} sh_sealed_t;

//  The sealed state of record (region, kind, id): how many of its visible
//  sealed fields no erasure mark covers (held or not), its visible sealed fields
//  whose value this store does not hold, and whether a visible erasure mark
//  covers one of them (a value written after the mark is not erased). A
//  record never written gives an empty state.
SH_NODISCARD sh_err sh_sealed_record (sh_store_txn_t *txn, const char *region, sh_kind_t kind,
                                      const uint8_t *id, size_t id_len, sh_sealed_t *out);

//  An event of the set (region, kind, id), as sh_merge_events gives it
//  (hlc, author, body), with each seal replaced by the value this store
//  holds for it (the value's encoding appended after the clear fields, which
//  decodes as the field); seals without a value are left out and listed in
//  st, with st->erased when the set's erasure mark covers the event's
//  stamp. *out (caller frees) is a copy of body when the event has no seal.
//  SH_EPROTO if body's wire format is broken; SH_ENOMEM; store errors.
//  Does the erasure mark of (region, kind, id) cover a change stamped
//  (hlc, author)? false when the record has no mark.
SH_NODISCARD sh_err sh_sealed_covered (sh_store_txn_t *txn, const char *region, sh_kind_t kind,
                                       const uint8_t *id, size_t id_len, uint64_t hlc,
                                       const uint8_t author[SH_PUBKEY_BYTES], bool *covered);

//  How many seals of the events of set (region, kind, id) its erasure mark
//  does not cover, into *live: what an erasure of the set would still erase.
SH_NODISCARD sh_err sh_sealed_set_live (sh_store_txn_t *txn, const char *region, sh_kind_t kind,
                                        const uint8_t *id, size_t id_len, size_t *live);

SH_NODISCARD sh_err sh_sealed_event (sh_store_txn_t *txn, const char *region, sh_kind_t kind,
                                     const uint8_t *id, size_t id_len, uint64_t hlc,
                                     const uint8_t author[SH_PUBKEY_BYTES], const uint8_t *body, size_t len,
                                     uint8_t **out, size_t *out_len, sh_sealed_t *st);

#endif
