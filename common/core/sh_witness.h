/*  sh_witness -- a witness's promise (c2sp.org/tlog-witness): it cosigns a
    log's checkpoint only when that checkpoint is consistent with the
    largest one it cosigned before, and it records the new one durably
    before its cosignature leaves.

    For each log, named by its origin line, the witness keeps the last
    checkpoint it cosigned: its tree size, root and the time of the
    cosignature, in the store's "witness" database (SH_DB_WITNESS):

        "log/" origin  ->  size (u64 BE) || root (32) || time (u64 BE)
        "conflict/" origin "/" time (u64 BE) || SHA-256(note)[:8]
                           ->  the refused checkpoint note
                           (evidence of a split view, kept for the operator)

    sh_witness_cosign is the whole rule. Given a checkpoint note, the size
    the proof starts from and a consistency proof, in a write transaction:
      - the note must verify under the log's key and name the log's origin
        (SH_ECRYPTO / SH_EPROTO);
      - the proof must start at the witness's size (0 when it has none:
        the first checkpoint is taken as it is, trust on first use), else
        SH_EINVAL: ask again with the right size;
      - a smaller tree, an equal size with another root, or a proof that
        does not prove the old tree a prefix of the new one is a SPLIT VIEW:
        SH_EEQUIVOCATION, the note is kept as evidence, nothing else changes;
      - otherwise the new size and root are recorded and the cosignature
        line is made (sh_cosig_sign) with the given time, never earlier
        than the last one's.
    The caller commits the transaction, and only then sends the line:
    across restarts the witness never cosigns two inconsistent trees nor a
    smaller tree after a larger one.

    The same database holds what a node (any node, not only a witness)
    requires of the hub's checkpoints (docs/protocol.md 16.7): the
    witnesses it trusts and how many of them must have cosigned a
    checkpoint before its receipts count as witnessed, and the largest
    size so witnessed:

        "trust/" name      ->  the witness's Ed25519 key (32)
        "quorum"           ->  u64 BE (0 or absent: every trusted witness)
        "witnessed"        ->  u64 BE size of the largest checkpoint seen with the quorum

    Only this module reads or writes SH_DB_WITNESS.
*/
#ifndef SH_WITNESS_H
#define SH_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#include "sh_cosig.h"
#include "sh_crypto.h"
#include "sh_err.h"
#include "sh_key.h"
#include "sh_note.h"
#include "sh_store.h"

//  The last checkpoint a witness cosigned for a log.
typedef struct {
    uint64_t size;                  //  tree size
    uint8_t root[SH_HASH_BYTES];    //  its root
    uint64_t time;                  //  POSIX time of the cosignature
} sh_witness_state_t;

//  The witness's state for origin. SH_ENOTFOUND when it never cosigned
//  that log (*out zeroed); SH_ECORRUPT for a malformed entry.
SH_NODISCARD sh_err sh_witness_state (sh_store_txn_t *txn, const char *origin, sh_witness_state_t *out);

//  The rule above. log: the log's verifier key; origin: its origin line;
//  note: the signed checkpoint; old_size and proof[0..n): the consistency
//  proof from old_size to the checkpoint's size; wkey and wname: the
//  witness's key and cosigner name; now: POSIX time. On SH_OK *line (heap,
//  caller frees; *line_len may be NULL) holds the cosignature line and the
//  transaction the new state. On any other result *line is NULL and why
//  (why_len bytes) says what was refused, naming sizes and roots.
SH_NODISCARD sh_err sh_witness_cosign (sh_store_txn_t *txn, const sh_note_vkey_t *log, const char *origin,
                                       const char *note, size_t note_len, uint64_t old_size,
                                       const uint8_t (*proof)[SH_HASH_BYTES], size_t n,
                                       const sh_key_t *wkey, const char *wname, uint64_t now,
                                       char **line, size_t *line_len, char *why, size_t why_len);

//  Keep note[0..note_len), a checkpoint of origin refused at POSIX time
//  now, as evidence of a split view ("conflict/" entry). Store errors.
SH_NODISCARD sh_err sh_witness_evidence (sh_store_txn_t *txn, const char *origin, uint64_t now,
                                         const char *note, size_t note_len);

//  The witnesses a node trusts (plain data).
#define SH_WITNESS_TRUST_MAX 64
typedef struct {
    sh_cosig_witness_t w[SH_WITNESS_TRUST_MAX]; //  by name
    size_t n;                                   //  how many
    size_t quorum;                              //  cosignatures required (1..n; n when not set)
} sh_witness_trust_t;

//  Read the trusted witnesses and the quorum (n = 0: none trusted).
SH_NODISCARD sh_err sh_witness_trust_get (sh_store_txn_t *txn, sh_witness_trust_t *out);

//  Trust w (replacing a witness of the same name). SH_EINVAL when
//  SH_WITNESS_TRUST_MAX are trusted already.
SH_NODISCARD sh_err sh_witness_trust_add (sh_store_txn_t *txn, const sh_cosig_witness_t *w);

//  Stop trusting the witness named name. SH_ENOTFOUND if it is not;
//  SH_EINVAL if fewer witnesses than a set quorum would remain.
SH_NODISCARD sh_err sh_witness_trust_remove (sh_store_txn_t *txn, const char *name);

//  Require quorum cosignatures (0: every trusted witness). SH_EINVAL when
//  quorum exceeds the witnesses trusted.
SH_NODISCARD sh_err sh_witness_trust_quorum (sh_store_txn_t *txn, size_t quorum);

//  The largest checkpoint size accepted as witnessed (0: none), and
//  raising it (a smaller size changes nothing).
SH_NODISCARD sh_err sh_witness_witnessed (sh_store_txn_t *txn, uint64_t *size);
SH_NODISCARD sh_err sh_witness_set_witnessed (sh_store_txn_t *txn, uint64_t size);

#endif
