/*  sh_leaves -- where in the hub's log the changes a node holds sit: the
    node's part of the hub's backup (docs/protocol.md 13.19, "Recovery").

    A hub restored from a backup has lost the tail of its log after the
    backup; its nodes hold that tail between them, each change with its
    leaf number (a leaf is a hub log entry: leaf i is log index i + 1):

    - a change downloaded in a Batch is kept in the "leaves" database,
      be64(hub log index) -> be64(index in this node's log), written in
      the Batch's own transaction (sh_leaves_put);
    - this node's own changes sit where its batch receipts say ('b'
      entries of sh_receipts: seqs first_seq .. + count - 1 are leaves
      first_leaf .. + count - 1).

    sh_leaves_from lists every change held at a leaf >= from, in leaf
    order, for the Offer messages that hand the tail back to the hub.
    sh_leaves_drop_from forgets the positions at and after a leaf (a new
    epoch at the hub hands those leaves out again).

    Threading: follows the transaction it is given (sh_store.h).
*/
#ifndef SH_LEAVES_H
#define SH_LEAVES_H

#include <stddef.h>
#include <stdint.h>

#include "sh_crypto.h"
#include "sh_err.h"
#include "sh_store.h"

typedef struct {
    uint64_t leaf;                  //  the hub's leaf number (log index - 1)
    uint64_t local;                 //  this node's log index of the change there
} sh_leaves_item_t;

//  Record that the change at this node's log index local sits at the
//  hub's log index hub_index (>= 1). Store errors as sh_store.
SH_NODISCARD sh_err sh_leaves_put (sh_store_txn_t *txn, uint64_t hub_index, uint64_t local);

//  Every change held at a leaf >= from -- downloaded ones and those of
//  the node me by its batch receipts -- sorted by leaf, one per leaf.
//  *items (caller frees, NULL when *n is 0) and *n receive them.
//  SH_ENOMEM, store errors.
SH_NODISCARD sh_err sh_leaves_from (sh_store_txn_t *txn, const uint8_t me[SH_PUBKEY_BYTES], uint64_t from,
                                    sh_leaves_item_t **items, size_t *n);

//  Forget every downloaded change's position at a leaf >= from. Store
//  errors as sh_store.
SH_NODISCARD sh_err sh_leaves_drop_from (sh_store_txn_t *txn, uint64_t from);

#endif
