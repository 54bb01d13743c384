/*  sh_merge -- the merged state: applying changes, reading records, digests.

    Applying a change is commutative, associative and idempotent, so every
    replica that holds the same set of changes holds byte-identical state,
    whatever the order they arrived in (docs/protocol.md, "Merge"):

    - OP_PUT: the body is split into fields (sh_record_split); each field is
      kept under its own key with the stamp (hlc, author) of the change that
      wrote it, and a field is replaced only by one with a greater stamp
      (equal stamps: the greater value bytes win, so the result never
      depends on order).
    - OP_DELETE: a tombstone stamp per record, kept the same way (field 0).
      A read shows only fields whose stamp is greater than the tombstone's,
      so a later put brings a record back with just what it wrote.
    - OP_EVENT: the body is added to the entity's event set under
      (hlc, author); from the set, derived state (a matter's step, a
      balance) is computed by sh_domain in (hlc, author) order.
    - OP_CLOCK: a clock correction (sh_clock) is recorded, and every record
      it may lower is recomputed from the log (docs/protocol.md 7.9).

    Every "hlc" above is the change's effective hlc (sh_clock_effective):
    its signed hlc unless a correction of its author caps it.

    A record key is region || 0x00 || kind (1 byte) || id length (1 byte) ||
    id, so that one region's records are one key range: scope digests and
    per-courtyard listings are prefix scans.

    Domain rules are not checked here: a validly signed change whose body
    fits its kind is always applied; rule breaks surface in sh_domain's
    replay as conflicts. Stores take changes through sh_merge_take, which
    first applies the scope rule (sh_scope, docs/protocol.md 3.1).

    Threading: follows the transaction it is given (sh_store.h).
*/
#ifndef SH_MERGE_H
#define SH_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sh_change.h"
#include "sh_err.h"
#include "sh_seal.h"
#include "sh_store.h"

#define SH_MERGE_KEY_MAX (SH_REGION_MAX + 3 + SH_ENTITY_MAX)   //  longest record key
#define SH_MERGE_STAMP_BYTES (8 + SH_PUBKEY_BYTES)             //  hlc (BE) || author

//  Sealed personal fields (docs/protocol.md 7.10, sh_seal). A PUT's seal
//  of field f is kept as field f with the value stamp || 0x00 || commitment
//  (a field's own bytes never begin with 0x00: that would be field 0); an
//  EVENT's seals follow its clear body as occurrences of field
//  SH_MERGE_SEALED_FIELD (wire type 2; payload be32(f) || commitment). A
//  record field SH_MERGE_ERASE_FIELD is an **erasure mark**: the openings
//  of the record (its fields and its event set) whose stamp is not greater
//  than the mark's are erased and never stored again.
#define SH_MERGE_SEALED_FIELD 536870910u
#define SH_MERGE_ERASE_FIELD 536870911u
#define SH_MERGE_SEALED_BYTES (1 + SH_HASH_BYTES)              //  0x00 || commitment
//  The body of an erasure mark as the reference writers make it: field
//  SH_MERGE_ERASE_FIELD (wire type 0), varint 1 (an initialiser).
#define SH_MERGE_ERASE_BODY { 0xf8, 0xff, 0xff, 0xff, 0x0f, 0x01 }

//  Keep the openings of change c (applied to txn's store) that open its
//  seals, unless an erasure mark of its record covers c's stamp: each is
//  stored under record key || be32(field) || commitment as stamp || salt
//  || value. An opening that does not open one of c's seals is SH_ECRYPTO
//  (nothing of this call is kept); *kept (may be NULL) counts those stored.
SH_NODISCARD sh_err sh_merge_openings (sh_store_txn_t *txn, const sh_change_t *c,
                                       const sh_seal_opening_t *openings, size_t n, size_t *kept);

//  The opening held for the sealed field (field, commitment) of the record
//  whose key is key[0..rk) (key has room for be32 and the commitment after
//  it): *v is stamp || salt || value (borrowed from txn). SH_ENOTFOUND when
//  none is held; SH_ECORRUPT when the entry is too short.
SH_NODISCARD sh_err sh_merge_opening (sh_store_txn_t *txn, uint8_t *key, size_t rk, uint32_t field,
                                      const uint8_t commitment[SH_HASH_BYTES], const uint8_t **v, size_t *vl);

//  The stamp of the erasure mark of the record whose key is key[0..rk) (room
//  for be32 after it). SH_ENOTFOUND when it has none.
SH_NODISCARD sh_err sh_merge_mark (sh_store_txn_t *txn, uint8_t *key, size_t rk,
                                   uint8_t mark[SH_MERGE_STAMP_BYTES]);

//  The openings this store holds for the seals of change c, in seal order,
//  into out[0..*n) (at most SH_SEALS_MAX): what a Push or a Batch sends
//  beside c. Salts and values point into the store (valid until txn
//  ends or is written). Seals without a held opening are left out.
SH_NODISCARD sh_err sh_merge_openings_of (sh_store_txn_t *txn, const sh_change_t *c,
                                          sh_seal_opening_t out[SH_SEALS_MAX], size_t *n);

//  Apply one opened (well-formed, verified) change that is already in the
//  log of txn (a correction re-reads the log). SH_EPROTO if its body is not
//  a valid message of its kind (nothing is written then); SH_ECORRUPT if a
//  log entry a correction re-reads does not decode.
SH_NODISCARD sh_err sh_merge_apply (sh_store_txn_t *txn, const sh_change_t *change);

//  Take a change into a store: the scope rule (sh_scope_check, against
//  what txn's store holds), then sh_merge_apply. SH_ESCOPE when the rule
//  refuses it (nothing is written; the sentence naming the field in why,
//  why_len bytes, when why is not NULL); otherwise as sh_merge_apply. Every
//  store applies changes through this -- a replica's own writes and what
//  it takes in, the hub's log -- so a change that breaks the rule counts
//  nowhere. (sh_merge_apply alone is the commutative merge of section 7;
//  the rule's references make the result depend on a record arriving
//  before the changes that refer to it, which the hub's log order, the
//  order every store takes changes in, always gives: docs/protocol.md 3.1.)
SH_NODISCARD sh_err sh_merge_take (sh_store_txn_t *txn, const sh_change_t *change, char *why, size_t why_len);

//  Write the record key of (region, kind, id) into out (SH_MERGE_KEY_MAX
//  bytes); returns its length.
size_t sh_merge_record_key (uint8_t *out, const char *region, sh_kind_t kind,
                            const uint8_t *id, size_t id_len);

//  Find the region a record or event set of (kind, id) lives in (the first,
//  in the rare case a misbehaving writer used several). SH_ENOTFOUND if none.
SH_NODISCARD sh_err sh_merge_region (sh_store_txn_t *txn, sh_kind_t kind,
                                     const uint8_t *id, size_t id_len,
                                     char region[SH_REGION_MAX + 1]);

//  The merged record (region, kind, id) as one encoded message. Caller owns
//  *body (free()). SH_ENOTFOUND if never written or deleted. last_hlc, if
//  not NULL, receives the greatest stamp's hlc among the visible fields.
SH_NODISCARD sh_err sh_merge_get (sh_store_txn_t *txn, const char *region, sh_kind_t kind,
                                  const uint8_t *id, size_t id_len,
                                  uint8_t **body, size_t *body_len, uint64_t *last_hlc);

//  Called for each live record; body is valid only during the call.
//  Return non-zero to stop the walk (that value is then returned as SH_OK).
typedef int (sh_merge_record_fn) (const char *region, const uint8_t *id, size_t id_len,
                                  const uint8_t *body, size_t body_len, void *arg);

//  Walk the live records of kind whose region starts with region_prefix
//  ("" for all), in key order.
SH_NODISCARD sh_err sh_merge_each (sh_store_txn_t *txn, const char *region_prefix,
                                   sh_kind_t kind, sh_merge_record_fn *fn, void *arg);

//  Called for each event of a set, in (hlc, author) order; memory valid only
//  during the call. Return non-zero to stop.
typedef int (sh_merge_event_fn) (uint64_t hlc, const uint8_t author[SH_PUBKEY_BYTES],
                                 const uint8_t *body, size_t body_len, void *arg);

//  Walk the event set of (region, kind, id).
SH_NODISCARD sh_err sh_merge_events (sh_store_txn_t *txn, const char *region, sh_kind_t kind,
                                     const uint8_t *id, size_t id_len,
                                     sh_merge_event_fn *fn, void *arg);

//  Called for each event set (one entity) of kind under a region prefix.
typedef int (sh_merge_set_fn) (const char *region, const uint8_t *id, size_t id_len, void *arg);

//  Walk the distinct entities of kind that have events, under region_prefix.
SH_NODISCARD sh_err sh_merge_sets (sh_store_txn_t *txn, const char *region_prefix,
                                   sh_kind_t kind, sh_merge_set_fn *fn, void *arg);

//  SHA-256 over the canonical merged state of every record and event whose
//  region starts with scope ("" or NULL for all); see docs/protocol.md,
//  "State digest".
SH_NODISCARD sh_err sh_merge_digest (sh_store_txn_t *txn, const char *scope,
                                     uint8_t digest[SH_HASH_BYTES]);

#endif
