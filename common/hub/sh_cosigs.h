/*  sh_cosigs -- the hub's side of its witnesses (docs/protocol.md 16).

    A witness is a key enrolled with role witness (PEER_WITNESS) whose
    Enrollment.name is its cosigner name (c2sp.org/tlog-cosignature). A
    town node that holds such a key asks, during its sync, to cosign the
    hub's newest checkpoint (Witness); the hub answers with that checkpoint
    and a consistency proof from the size the witness last cosigned
    (sh_cosigs_offer). The witness checks it (sh_witness), and the hub takes
    its cosignature line (sh_cosigs_take): the line must verify under the
    enrolled witness's name and key over that very checkpoint; it is then
    kept as one more signature line of the checkpoint's note in the
    "checkpoints" database, replacing an older line of the same witness.
    Every reader of that note (Welcome, Ack, Batch, export) hands out the
    cosignatures with it; verifiers that do not know a witness ignore its
    line, as signed notes require.

    A mirror (role mirror, c2sp.org/tlog-mirror; its own program, shouhe-hub
    mirror) is a cosigner too: it cosigns, in its own session, only
    checkpoints whose every leaf it holds, and its line is kept and counted
    exactly like a witness's; sh_cosigs_take also raises meta
    "mirror.newest" for it (serve --sync-mirror waits on that).
    Each function opens its own transaction on the store.
*/
#ifndef SH_COSIGS_H
#define SH_COSIGS_H

#include <stddef.h>
#include <stdint.h>

#include "sh_crypto.h"
#include "sh_err.h"
#include "sh_hubid.h"
#include "sh_store.h"
#include "sh_wire.h"

//  What the hub offers a witness to cosign. Owned by the caller: fini it.
typedef struct {
    char *note;                                         //  the newest checkpoint (heap), NULL if none
    uint64_t size;                                      //  its tree size
    uint64_t old_size;                                  //  the witness's size
    size_t n;                                           //  hashes in proof
    uint8_t proof[SH_WIRE_PROOF_MAX][SH_HASH_BYTES];    //  consistency old_size -> size (none if
                                                        //  old_size is 0, equal, or above size)
} sh_cosigs_offer_t;

//  Answer a Witness from witness, which last cosigned old_size: the
//  newest checkpoint (signed now if the tree has grown) and the proof.
//  SH_EPERM (why says: not enrolled as a witness, revoked) or a store
//  error; SH_ENOTFOUND when the log is empty (nothing to cosign yet).
SH_NODISCARD sh_err sh_cosigs_offer (sh_store_t *store, const sh_hubid_t *hub,
                                     const uint8_t witness[SH_PUBKEY_BYTES], uint64_t old_size,
                                     sh_cosigs_offer_t *out, char *why, size_t why_len);

void sh_cosigs_offer_fini (sh_cosigs_offer_t *offer);

//  Take witness's cosignature line for the checkpoint of size. On SH_OK
//  *count holds the number of enrolled, unrevoked witnesses and mirrors that have
//  cosigned that checkpoint now. SH_EPERM (not a witness), SH_ENOTFOUND
//  (no checkpoint of that size), SH_EPROTO (not one signature line),
//  SH_ECRYPTO (the line is not the witness's valid cosignature of that
//  checkpoint), each with why; store errors.
SH_NODISCARD sh_err sh_cosigs_take (sh_store_t *store, const uint8_t witness[SH_PUBKEY_BYTES], uint64_t size,
                                    const char *line, uint32_t *count, char *why, size_t why_len);

//  The newest checkpoint an enrolled witness has cosigned (meta
//  "witness.newest", kept by sh_cosigs_take): its size and a copy of its
//  note with every cosignature (caller frees). SH_ENOTFOUND if none.
SH_NODISCARD sh_err sh_cosigs_newest (sh_store_txn_t *txn, uint64_t *size, char **note);

//  The size of the newest checkpoint a mirror has cosigned (meta
//  "mirror.newest", raised by sh_cosigs_take for a key enrolled as a
//  mirror): 0 when none has. Its own read transaction.
SH_NODISCARD sh_err sh_cosigs_mirrored (sh_store_t *store, uint64_t *size);
//  The number of enrolled, unrevoked witnesses and mirrors whose valid cosignature the
//  checkpoint note note[0..len) carries (the hub's registry in txn).
SH_NODISCARD sh_err sh_cosigs_count (sh_store_txn_t *txn, const char *note, size_t len, uint32_t *count);

#endif
