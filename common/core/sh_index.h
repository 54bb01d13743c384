/*  sh_index -- where a record lives: the INDEX database (docs/protocol.md
    7.7), one empty entry per (kind, entity id, region) that any applied
    change wrote:

        key   = kind (1 byte) || len(id) (1 byte) || id || region
        value = empty

    It is a set, so entries are order-free and never removed (a DELETE
    leaves its record's entry). sh_merge puts an entry for every change it
    applies; readers find the region of an id here, short ids (sh_ids)
    walk the ids that start with a prefix, and the scope rule
    (sh_scope) asks whether an id lives in one region and nowhere else.

    Threading: follows the transaction it is given (sh_store.h). Nothing is
    allocated.
*/
#ifndef SH_INDEX_H
#define SH_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sh_change.h"
#include "sh_err.h"
#include "sh_store.h"

//  Record that (kind, id) has a change in region.
SH_NODISCARD sh_err sh_index_put (sh_store_txn_t *txn, sh_kind_t kind, const uint8_t *id, size_t id_len,
                                  const char *region);

//  The first region (byte-wise smallest) of (kind, id). SH_ENOTFOUND if
//  none, SH_ECORRUPT for a malformed entry.
SH_NODISCARD sh_err sh_index_first (sh_store_txn_t *txn, sh_kind_t kind, const uint8_t *id, size_t id_len,
                                    char region[SH_REGION_MAX + 1]);

//  Called for each entry of a walk: the id (borrowed, id_len bytes) and a
//  region (borrowed). Return true to stop the walk.
typedef bool (sh_index_fn) (const uint8_t *id, size_t id_len, const char *region, void *arg);

//  Walk, in key order, the entries of kind whose id has id_len bytes and
//  starts with the first prefix_len bytes of prefix (prefix_len may be 0;
//  with prefix_len = id_len: the regions of one id). SH_OK, SH_ECORRUPT
//  for a malformed entry, or a store error.
SH_NODISCARD sh_err sh_index_each (sh_store_txn_t *txn, sh_kind_t kind, size_t id_len, const uint8_t *prefix,
                                   size_t prefix_len, sh_index_fn *fn, void *arg);

//  Where (kind, id) lives with respect to region: *here is set when it has
//  an entry in region; other (may be NULL) receives the first other region
//  it has an entry in, "" if none. SH_OK, or a store error.
SH_NODISCARD sh_err sh_index_where (sh_store_txn_t *txn, sh_kind_t kind, const uint8_t *id, size_t id_len,
                                    const char *region, bool *here, char other[SH_REGION_MAX + 1]);

#endif
