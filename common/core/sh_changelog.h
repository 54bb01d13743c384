/*  sh_changelog -- the append-only log of signed changes, on top of sh_store.

    Every change a node writes or receives, and every change the hub accepts,
    is appended here exactly once, as the SignedChange bytes it arrived as
    (never re-encoded). Three sub-databases hold it (sh_store.h):
        LOG    log index (u64 BE, 1, 2, 3 ...)  -> SignedChange bytes
        CHAIN  author(32) || seq (u64 BE)       -> log index (u64 BE) || hash(32)
        HEADS  author(32)                       -> seq (u64 BE) || hash(32)
    and META "log.next" (u64 BE) is the index the next append gets. The
    counter is kept rather than derived from the last LOG key so that an
    index is never handed out twice, and so that verify notices entries cut
    from the end of the log (LOG then stops before log.next - 1).

    The log is append-only: no function here deletes or rewrites an entry.
    Appends enforce each author's hash chain (seq = head + 1, prev = hash of
    the head), recognise a re-sent change as a duplicate and refuse a
    different change at an existing (author, seq) as equivocation.

    Every function except sh_changelog_verify works inside a transaction of
    the caller's (a write transaction for append), so a whole sync batch is
    one atomic commit. Pointers returned into the store are owned by LMDB and
    stay valid until the next update in that transaction or its end.

    Threading: as sh_store -- one writer at a time, readers anywhere.
*/
#ifndef SH_CHANGELOG_H
#define SH_CHANGELOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sh_change.h"
#include "sh_crypto.h"
#include "sh_err.h"
#include "sh_store.h"

#define SH_CHANGELOG_MESSAGE_BYTES 512   //  room for a fault's message

/* --------------------------------------------------------------------------
 * Appending and reading
 * -------------------------------------------------------------------------- */

//  Append one change in the write transaction txn.
//  signed_bytes/signed_len are the exact SignedChange bytes to store; change
//  and hash are what sh_change_open returned for those bytes (the caller has
//  verified the signature; the log trusts that). Nothing is copied from
//  change after return.
//  Outcomes:
//    SH_OK, *duplicate = false    appended: LOG, CHAIN, HEADS and log.next written
//    SH_OK, *duplicate = true     the very same change (same hash) is already
//                                 logged at (author, seq): nothing written
//    SH_EEQUIVOCATION             a different change is logged at (author, seq):
//                                 nothing written (the caller keeps the evidence)
//    SH_ECHAIN                    it does not follow the author's head (a gap,
//                                 or prev is not the head's hash): nothing written
//    SH_ECORRUPT                  a CHAIN/HEADS/META value of the wrong size
//    SH_ESTOREFULL and other store errors: the transaction is spoiled (see sh_store.h)
//  duplicate may be NULL.
SH_NODISCARD sh_err sh_changelog_append (sh_store_txn_t *txn,
                                         const uint8_t *signed_bytes, size_t signed_len,
                                         const sh_change_t *change,
                                         const uint8_t hash[SH_HASH_BYTES],
                                         bool *duplicate);

//  As sh_changelog_append, but for a log that holds only part of author's
//  chain (a node receives from the hub only the changes inside its scope):
//  a change whose seq is beyond head + 1 is accepted and the author is
//  marked partial (META "log.sparse." || hex author); seq must still grow
//  and prev must match when seq = head + 1. sh_changelog_verify then
//  accepts gaps in that author's chain, and only there; a node's own chain
//  and every chain at the hub stay complete.
SH_NODISCARD sh_err sh_changelog_append_sparse (sh_store_txn_t *txn,
                                                const uint8_t *signed_bytes, size_t signed_len,
                                                const sh_change_t *change,
                                                const uint8_t hash[SH_HASH_BYTES],
                                                bool *duplicate);

//  The head of author's chain: its highest seq and that change's hash. An
//  author with nothing logged has seq 0 and a zero hash (SH_OK).
//  SH_ECORRUPT if the stored head is malformed.
SH_NODISCARD sh_err sh_changelog_head (sh_store_txn_t *txn,
                                       const uint8_t author[SH_PUBKEY_BYTES],
                                       uint64_t *seq, uint8_t hash[SH_HASH_BYTES]);

//  Where (author, seq) is: its log index and hash (either output may be
//  NULL). SH_ENOTFOUND when not logged; SH_ECORRUPT if the entry is malformed.
SH_NODISCARD sh_err sh_changelog_find (sh_store_txn_t *txn,
                                       const uint8_t author[SH_PUBKEY_BYTES], uint64_t seq,
                                       uint64_t *index, uint8_t hash[SH_HASH_BYTES]);

//  The SignedChange bytes at log index. *bytes points into the store (see
//  the lifetime above). SH_ENOTFOUND when there is no such entry.
SH_NODISCARD sh_err sh_changelog_get (sh_store_txn_t *txn, uint64_t index,
                                      const uint8_t **bytes, size_t *len);

//  The SignedChange bytes of (author, seq): sh_changelog_find, then
//  sh_changelog_get. SH_ENOTFOUND when not logged.
SH_NODISCARD sh_err sh_changelog_get_seq (sh_store_txn_t *txn, const uint8_t author[SH_PUBKEY_BYTES],
                                          uint64_t seq, const uint8_t **bytes, size_t *len);

//  The highest log index handed out (0 for an empty log); entries are
//  1..count.
SH_NODISCARD sh_err sh_changelog_size (sh_store_txn_t *txn, uint64_t *count);

//  Called by sh_changelog_heads_each for each author, in author key order.
//  author and hash are valid only during the call. Return SH_OK to go on;
//  any other value stops the walk and is returned by heads_each.
typedef sh_err (sh_changelog_head_fn) (const uint8_t author[SH_PUBKEY_BYTES], uint64_t seq,
                                       const uint8_t hash[SH_HASH_BYTES], void *arg);

//  Call fn for the head of every author in the log. Must not write to txn
//  from within fn. Returns SH_OK, fn's first non-OK value, or a store error
//  (SH_ECORRUPT for a malformed head).
SH_NODISCARD sh_err sh_changelog_heads_each (sh_store_txn_t *txn,
                                             sh_changelog_head_fn *fn, void *arg);

/* --------------------------------------------------------------------------
 * Verification
 * -------------------------------------------------------------------------- */

typedef enum {
    SH_CHANGELOG_FAULT_NONE = 0,      //  no fault (or a store error, see the message)
    SH_CHANGELOG_FAULT_MALFORMED,     //  an entry or key that does not parse      -> SH_EPROTO
    SH_CHANGELOG_FAULT_SIGNATURE,     //  a signature that does not verify         -> SH_ECRYPTO
    SH_CHANGELOG_FAULT_CHAIN,         //  seq gap, seq out of order, prev mismatch -> SH_ECHAIN
    SH_CHANGELOG_FAULT_MISSING,       //  a log index with no entry                -> SH_ECORRUPT
    SH_CHANGELOG_FAULT_INDEX          //  CHAIN or HEADS disagree with the LOG     -> SH_ECORRUPT
} sh_changelog_fault_kind_t;

//  What sh_changelog_verify found. Plain data, filled by verify.
typedef struct {
    sh_changelog_fault_kind_t kind;             //  what is wrong
    uint64_t index;                             //  log index of the fault (0 if none applies)
    bool has_author;                            //  author and seq are known
    uint8_t author[SH_PUBKEY_BYTES];            //  author of the faulty entry (else zeros)
    uint64_t seq;                               //  its seq (else 0)
    uint64_t checked;                           //  log entries verified before the fault (all, on SH_OK)
    char message[SH_CHANGELOG_MESSAGE_BYTES];   //  one line naming all of the above
} sh_changelog_fault_t;

//  Re-check the whole log of store from the LOG bytes alone, in index
//  order, in one read transaction (a consistent snapshot; writers go on):
//    - the indexes run 1, 2, 3 ... with no gap, up to log.next - 1;
//    - every entry opens: well-formed (MALFORMED) and signed by the author
//      it names (SIGNATURE);
//    - per author, seq = previous seq of that author + 1 and prev = the hash
//      of that previous change (CHAIN);
//    - CHAIN holds exactly one entry per logged change, pointing at its
//      index and hash, and HEADS holds each author's last change (INDEX).
//  Returns SH_OK when all holds. Otherwise stops at the first fault (in
//  index order; CHAIN/HEADS surplus is looked for after the LOG pass),
//  describes it in *fault (may be NULL), and returns SH_EPROTO, SH_ECRYPTO,
//  SH_ECHAIN or SH_ECORRUPT as listed above, or a store error (SH_ENOMEM,
//  SH_ESYSERR|e ...) with kind NONE. Example message:
//    "log entry 7 (author 3f2a0c1d9e8b7a65…, seq 5): signature does not verify"
//  Cost: one Ed25519 verification per entry (~54 µs).
SH_NODISCARD sh_err sh_changelog_verify (sh_store_t *store, sh_changelog_fault_t *fault);

//  Name of a fault kind ("signature", "chain", ...).
const char *sh_changelog_fault_name (sh_changelog_fault_kind_t kind);

#endif
