/*  sh_recovery -- a hub restored from a backup takes the lost tail of its
    log back from its nodes, leaf for leaf (docs/protocol.md 13.19,
    docs/operations.md).

    A hub store copied by `shouhe-hub backup` is marked (meta
    "recovery.base" = its tree size): a hub started from it is **in
    recovery**. It may have signed checkpoints, and acknowledged changes,
    after the copy was taken; the nodes hold them. Every node holds the
    changes it uploaded and downloaded with their leaf numbers
    (sh_leaves), and its newest checkpoint. While recovering, the hub
    takes Offers -- a node's newest checkpoint and the leaves it holds at
    or after the hub's tree size -- and keeps them in the "recovery"
    database:

      'c' || be64(size)  -> a checkpoint note of that size, verified with
                            the hub's own key when offered (a target)
      'l' || be64(leaf)  -> the SignedChange offered at that leaf (its
                            signature verified when offered; the first
                            offer of a leaf is kept)
      'h' || key (32)    -> be64(unix ms): the node of that key has
                            offered everything it holds
      'o' || be64(leaf) || be32(field)
                         -> salt (32) || value: an opening offered beside
                            the staged leaf (it opened its seal when
                            offered), taken into the openings database
                            when the leaf is appended

    Openings (the personal values of sealed fields, docs/privacy.md) come
    back only from nodes -- a mirror holds none. Every leaf of an Offer
    that the hub holds after it -- in its log, or staged -- has its
    openings taken: at once (sh_openings_take, after the change is merged)
    for a leaf already in the log, such as one a mirror handed back, when
    the offered leaf is the one the log holds; beside the staged leaf
    otherwise, until it is appended. An opening that does not open its
    seal refuses the Offer.

    After every Offer the hub advances: while the leaves from its tree
    size up to the smallest target T are all there, and the tree they
    make has exactly the root of T, they are appended (sh_hublog_append:
    log, tree, merge, scopes) and T's note becomes the hub's checkpoint
    of size T again. Leaves that would not reproduce T are dropped and the
    problem is kept (meta "recovery.problem") until an Offer reproduces
    it. When every enrolled node key has offered everything and no target
    is left above the tree, the recovery is finished: the database is
    emptied and the mark removed. `shouhe-hub recover` finishes it without
    waiting for every node when nothing is missing; with --abandon-tail it
    gives up the leaves no node holds and starts a new epoch (sh_recovery_
    abandon), a signed statement nodes and auditors check.

    A hub that was restored by a plain copy (not marked) learns it from
    the first node that shows a checkpoint larger than its tree: its
    Offer, once the checkpoint verifies, starts the recovery.

    Threading: one writer at a time (the hub's loop), as sh_hublog_push.
*/
#ifndef SH_RECOVERY_H
#define SH_RECOVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sh_crypto.h"
#include "sh_err.h"
#include "sh_hubid.h"
#include "sh_store.h"
#include "sh_wire.h"

#define SH_RECOVERY_META_BASE "recovery.base"         //  be64: tree size when the recovery began
#define SH_RECOVERY_META_PROBLEM "recovery.problem"   //  text: why the last attempt failed
#define SH_RECOVERY_META_EPOCH "epoch"                //  be64: the newest epoch (absent: 1)
#define SH_RECOVERY_PROBLEM_MAX 200

//  Where a recovery stands.
typedef struct {
    bool active;                        //  the hub is in recovery
    uint64_t base;                      //  its tree size when the recovery began
    uint64_t size;                      //  its tree size now (recovered leaves included)
    uint64_t target;                    //  the largest checkpoint size a node has shown (0: none)
    uint64_t missing_from, missing_to;  //  the first run of leaves in [size, target) no node has
                                        //  offered yet (equal: none missing)
    uint64_t missing;                   //  all leaves in [size, target) not offered yet
    uint64_t staged;                    //  leaves offered and kept for later
    uint32_t nodes;                     //  node keys enrolled and not revoked
    uint32_t heard;                     //  ... that have offered everything
    char problem[SH_RECOVERY_PROBLEM_MAX + 1]; //  "" or why the offered leaves did not fit
} sh_recovery_status_t;

//  What an Offer did.
typedef struct {
    sh_wire_error_t code;               //  0: taken; else refused (nothing written)
    char message[SH_WIRE_MESSAGE_MAX + 1]; //  names the cause when code != 0
    uint32_t taken;                     //  leaves the hub had not had
    uint64_t appended;                  //  leaves recovered into the log by this Offer
    bool began;                         //  the Offer's checkpoint put the hub into recovery
    bool finished;                      //  the recovery finished with this Offer
} sh_recovery_result_t;

//  Mark the store in txn as restored from a backup: in recovery from its
//  tree size. An existing mark is kept. Store errors.
SH_NODISCARD sh_err sh_recovery_mark (sh_store_txn_t *txn);

//  true when the store of txn is in recovery (*base, may be NULL, gets
//  the tree size it began at). false also when the mark cannot be read.
bool sh_recovery_active (sh_store_txn_t *txn, uint64_t *base);

//  The largest checkpoint size a node has shown (the largest target; 0
//  when none), without the scans of sh_recovery_status. Store errors.
SH_NODISCARD sh_err sh_recovery_target (sh_store_txn_t *txn, uint64_t *target);

//  Where the recovery stands (all zero but size when not active). Reads
//  every staged leaf and the registry: for the offers and the operator,
//  not for every message. Store errors.
SH_NODISCARD sh_err sh_recovery_status (sh_store_txn_t *txn, sh_recovery_status_t *out);

//  Take an Offer from the node of key node (enrolled as a node): its
//  checkpoint note (or NULL), n leaves at positions with the openings of
//  their seals (openings[0..n_openings), change = index in leaves), last
//  when it has offered everything. hub verifies the note (and signs
//  nothing). One write transaction: a refusal (res->code) writes nothing.
//  *st receives the status after it. Store errors (nothing written).
SH_NODISCARD sh_err sh_recovery_offer (sh_store_t *store, const sh_hubid_t *hub,
                                       const uint8_t node[SH_PUBKEY_BYTES], const char *note,
                                       const sh_wire_bytes_t *leaves, const uint64_t *positions, size_t n,
                                       const sh_wire_opening_t *openings, size_t n_openings, bool last,
                                       uint64_t now_ms, sh_recovery_result_t *res, sh_recovery_status_t *st);

//  Finish the recovery in txn: empty the recovery database and remove the
//  mark. SH_ERULE (nothing written) while a target lies above the tree
//  (leaves missing: see sh_recovery_abandon). Store errors.
SH_NODISCARD sh_err sh_recovery_finish (sh_store_txn_t *txn);

//  Give up the leaves from the tree size on: sign (as hub, its key set)
//  the note of a new epoch (sh_epoch) -- the tree size and root it
//  continues from and the largest checkpoint it abandons -- store it
//  (meta "epoch" = be64(E), meta "epoch.E" = the note), and finish the
//  recovery. *note (may be NULL) receives a copy the caller frees.
//  SH_EINVAL when nothing is missing (finish instead). Store errors.
SH_NODISCARD sh_err sh_recovery_abandon (sh_store_txn_t *txn, const sh_hubid_t *hub, char **note);

//  The newest epoch note (caller frees), NULL in *note when the hub never
//  abandoned a tail. Store errors.
SH_NODISCARD sh_err sh_recovery_epoch_note (sh_store_txn_t *txn, char **note);

#endif
