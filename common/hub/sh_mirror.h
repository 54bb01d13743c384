/*  sh_mirror -- a mirror's copy of a hub's log (c2sp.org/tlog-mirror;
    docs/protocol.md 16.8).

    A mirror holds every leaf of the hub's log and every checkpoint whose
    root it has recomputed from those leaves, in an LMDB environment of its
    own (a directory apart from any hub or node):

        META "mirror.hub"     the hub's Ed25519 key (32): the one log this store copies
        META "mirror.name"    the mirror's cosigner name (its enrolment's --name)
        META "mirror.size"    be64: the verified size S -- leaves 0..S-1 reproduce the
                              root of the hub's checkpoint of size S
        LOG  be64(leaf + 1)   the SignedChange bytes of each leaf, as the hub's log
                              (log index = leaf + 1)
        TREE (sh_merkle)      the RFC 9162 tree of those leaves; tree.size may exceed
                              S while a download is under way: those leaves wait for
                              the checkpoint that covers them
        CHECKPOINTS be64(n)   each checkpoint note of the hub the mirror verified this
                              way, with the mirror's cosignature line once it cosigned
        WITNESS (sh_witness)  the mirror's promise: the last checkpoint it cosigned,
                              and the notes it refused (evidence)

    The rule: a leaf is taken only if its change verifies (sh_change_open)
    and it is the next leaf; a checkpoint is kept (and may be cosigned)
    only when it verifies under the hub's key and the mirror's own tree of
    that size has its root. A checkpoint of a size the mirror has verified
    with another root is a split view (SH_EEQUIVOCATION, kept as evidence);
    leaves that do not reproduce a checkpoint's root are dropped back to S
    (SH_ECRYPTO). The mirror's cosignature (cosignature/v1 under its own
    key and name, through sh_witness_cosign with a proof from its own
    tree) is therefore the tlog-mirror statement: every leaf up to that
    size is held here, durably, before the line leaves.

    Each function runs its own transaction(s) on the store. Ownership: the
    store and the hub are borrowed; what a function returns on the heap is
    the caller's (said per function).
*/
#ifndef SH_MIRROR_H
#define SH_MIRROR_H

#include <stddef.h>
#include <stdint.h>

#include "sh_crypto.h"
#include "sh_err.h"
#include "sh_hubid.h"
#include "sh_key.h"
#include "sh_store.h"
#include "sh_wire.h"

#define SH_MIRROR_KEY_FILE "mirror.key"

//  Where a mirror stands (plain data).
typedef struct {
    uint64_t size;          //  verified size S (0: none yet)
    uint64_t tree;          //  leaves held (>= size)
    uint64_t cosigned;      //  the size it last cosigned (0: none)
} sh_mirror_state_t;

//  Name the mirror: meta "mirror.name" = name (a cosigner name,
//  sh_note_name_valid). SH_EEXIST if it has one already (a mirror's name
//  never changes: its promise is tied to it); SH_EINVAL for a bad name.
SH_NODISCARD sh_err sh_mirror_name (sh_store_t *store, const char *name);

//  Open the mirror for hub: the first use records the hub's key; a later
//  one with another key is SH_EPERM (why names both). Fills st and the
//  cosigner name (name_len >= SH_NOTE_NAME_MAX + 1; SH_ENOTFOUND without
//  one: the mirror was not initialised).
SH_NODISCARD sh_err sh_mirror_open (sh_store_t *store, const sh_hubid_t *hub, sh_mirror_state_t *st,
                                    char *name, size_t name_len, char *why, size_t why_len);

//  A checkpoint note the hub showed (Welcome, Batch): SH_ECRYPTO/SH_EPROTO
//  (why) if it does not verify under the hub's key and origin. If the
//  mirror holds its size in its tree: with the same root it is kept (and
//  raises the verified size); with another root it is a split view
//  (SH_EEQUIVOCATION: the note kept as evidence at POSIX time now) when
//  the size was verified already, else the unverified leaves are dropped
//  back to the verified size (st->tree lowered; SH_OK). A larger size
//  changes nothing (the caller pulls up to it). st is updated.
SH_NODISCARD sh_err sh_mirror_check (sh_store_t *store, const sh_hubid_t *hub, const char *note, size_t len,
                                     uint64_t now, sh_mirror_state_t *st, char *why, size_t why_len);

//  Take a Batch's changes (n, with their log indexes) as the leaves from
//  st->tree on: each must be the next leaf (index = st->tree + 1 + i) and
//  verify, else SH_EPROTO/SH_ECRYPTO with why and nothing is stored.
//  pending[0..n_pending) are the checkpoint notes the hub showed above the
//  tree, sizes ascending (the largest bounds the Batch: SH_EPROTO beyond
//  it). Whenever the tree reaches the size of one, its root must match:
//  the note is kept and the verified size raised; else the Batch is not
//  stored, the unverified leaves are dropped and SH_ECRYPTO says why. One
//  write transaction (plus one to drop). st is updated.
#define SH_MIRROR_PENDING_MAX 64
SH_NODISCARD sh_err sh_mirror_take (sh_store_t *store, const sh_hubid_t *hub, char *const *pending,
                                    size_t n_pending, const sh_wire_bytes_t *changes, const uint64_t *indexes,
                                    size_t n, sh_mirror_state_t *st, char *why, size_t why_len);

//  Cosign the checkpoint of the verified size with key and name at POSIX
//  time now when it is larger than the last one cosigned: the line is
//  added to the stored note and the promise recorded, committed, and then
//  returned in *line (heap, caller frees) with its *size. SH_ENOTFOUND:
//  nothing new to cosign. sh_witness_cosign's refusals (why).
SH_NODISCARD sh_err sh_mirror_cosign (sh_store_t *store, const sh_hubid_t *hub, const sh_key_t *key,
                                      const char *name, uint64_t now, uint64_t *size, char **line,
                                      char *why, size_t why_len);

//  What a mirror offers a hub that lost its tail: leaves [from, to) with
//  their bytes, and the note of the verified size. Owned by the caller:
//  fini it.
typedef struct {
    size_t n;                   //  leaves
    sh_wire_bytes_t *leaves;    //  their SignedChange bytes (point into mem_)
    uint64_t *positions;        //  leaf numbers (from 0)
    char *note;                 //  the checkpoint of the verified size (heap)
    void *mem_;                 //  owned
} sh_mirror_offer_t;

//  Up to max leaves (and about max_bytes, at least one) from leaf from on,
//  below the verified size. SH_ENOTFOUND when the mirror has verified
//  nothing.
SH_NODISCARD sh_err sh_mirror_offer (sh_store_t *store, uint64_t from, size_t max, size_t max_bytes,
                                     sh_mirror_offer_t *out);
void sh_mirror_offer_fini (sh_mirror_offer_t *offer);

#endif
