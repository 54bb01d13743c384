/*  sh_hublog -- the hub's side of the change log: taking in pushed batches
    and selecting what each node receives.

    Push (docs/protocol.md, "Push and Ack"): a batch of SignedChanges from
    one session is opened (decoded, signature verified, hashed) on several
    threads, then checked in order (sh_ingest) -- written by the session's
    key, effective clock at most SH_CLOCK_BOUND_MS
    ahead (a correction later in the batch or held here may cap it), region inside that key's scope, body a
    valid record of its kind -- and only if every change passes is the
    batch appended to the log (complete author chains), merged into the
    state and indexed by scope, in ONE write transaction. The result is durable when sh_hublog_push returns. A batch
    with any bad change stores nothing; so does one that a program's
    domain rule refuses (sh_hublog_push_ruled: the hub's "who may move a
    matter"). A different change at an existing
    (author, seq) is equivocation: both changes are kept in "evidence" and
    the author is blocked (sh_registry) in a transaction of its own.

    Every stored change is also a leaf of the hub's Merkle tree (sh_merkle:
    leaf i = the SignedChange bytes at log index i + 1), appended in the same
    transaction, and sh_hublog_checkpoint signs the tree head as a C2SP
    checkpoint (origin, size, root) in a signed note, with the hub's
    identity (sh_hubid: its key and the origin derived from it).

    Pull: the changes after a log index whose region starts with the
    node's scope and whose author is not the node, in log order, through
    the "scopes" index (prefix || '/' || index for the 6-, 9- and 12-digit
    prefixes of every change's region; a clock correction also under every
    longer prefix inside its region already indexed, so that it reaches
    nodes narrower than its author).

    Threading: one sh_hublog_push at a time (it opens the write
    transaction); pulls may run concurrently on other threads, and so may
    the background opening of the next Push (sh_hublog_open).
*/
#ifndef SH_HUBLOG_H
#define SH_HUBLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sh_err.h"
#include "sh_hubid.h"
#include "sh_ingest.h"
#include "sh_quota.h"
#include "sh_registry.h"
#include "sh_store.h"
#include "sh_wire.h"

typedef struct {
    sh_wire_error_t code;               //  0 when the batch was stored
    char message[SH_WIRE_MESSAGE_MAX + 1]; //  names the cause when code != 0
    bool has_position;                  //  position names the offending change
    uint32_t position;                  //  its index in the batch
    uint64_t head_seq;                  //  the author's chain at the hub now ends here
    uint32_t accepted;                  //  changes newly stored
    uint32_t duplicates;                //  changes already held
    sh_quota_verdict_t quota;           //  code SH_WIRE_ERR_QUOTA: the limit met
} sh_hublog_result_t;

//  Quotas (sh_quota, docs/protocol.md 13.20): a batch whose new changes
//  would take the key over its changes of the UTC day or its bytes held is
//  refused as a whole with SH_WIRE_ERR_QUOTA (res->quota says which) --
//  judged on the decoded changes before any signature is verified, and
//  again in the write transaction that stores the batch and counts its new
//  changes (never the duplicates) in the key's usage.

//  Take in a batch pushed by the session of entry's key, judging quotas
//  by the system clock. Returns SH_OK
//  when the batch was judged (stored, or refused with res->code set);
//  another code (store full, I/O) when the hub itself failed -- then
//  nothing was stored and res->code is SH_WIRE_ERR_STORE_FULL for
//  SH_ESTOREFULL (map or disk full), SH_WIRE_ERR_INTERNAL otherwise. threads: how
//  many threads verify signatures (1 = the caller's only).
SH_NODISCARD sh_err sh_hublog_push (sh_store_t *store, const sh_registry_entry_t *entry,
                                    const sh_wire_bytes_t *changes, size_t n, int threads,
                                    sh_hublog_result_t *res);

//  sh_hublog_push that also signs the new tree head as hub (whose key
//  must be set: sh_hubid_init_key) in the same transaction when changes
//  were stored: one commit per batch instead of two (sh_hublog_checkpoint
//  then finds the head signed without a write). quota_ms: the hub's
//  clock for quotas (ms since the epoch, UTC).
SH_NODISCARD sh_err sh_hublog_push_signed (sh_store_t *store, const sh_registry_entry_t *entry,
                                           const sh_wire_bytes_t *changes, size_t n, int threads,
                                           const sh_hubid_t *hub, uint64_t quota_ms,
                                           sh_hublog_result_t *res);

//  A rule of the domain that the hub applies to each change a Push stores
//  (docs/protocol.md 13.8 step 5, "who may move a matter"), called in the
//  Push's write transaction once the change is merged, so that the batch's
//  earlier changes count: SH_OK to go on; SH_ERULE to refuse the whole
//  Push with *code and message (SH_WIRE_MESSAGE_MAX + 1 bytes, naming the
//  cause); any other code is a store error. The hub layer knows no domain
//  rule: the program passes it in (server/hub_lead.h).
typedef sh_err (sh_hublog_rule_fn) (sh_store_txn_t *txn, const sh_change_t *c, sh_wire_error_t *code,
                                    char *message, void *arg);

//  sh_hublog_push_signed that also applies rule (with arg; NULL: none) to
//  every change it stores, and takes the Push's openings[0..n_openings)
//  (sh_openings_take: each must open its change's seal, else the Push is
//  refused with ERR_SIGNATURE) in the same transaction. A refusal stores
//  nothing of the batch and sets res->code, res->message and
//  res->position (the change's index).
SH_NODISCARD sh_err sh_hublog_push_ruled (sh_store_t *store, const sh_registry_entry_t *entry,
                                          const sh_wire_bytes_t *changes, size_t n,
                                          const sh_wire_opening_t *openings, size_t n_openings, int threads,
                                          const sh_hubid_t *hub, uint64_t quota_ms, sh_hublog_rule_fn *rule,
                                          void *arg, sh_hublog_result_t *res);

//  A Push's changes being opened (decoded, verified, hashed) in the
//  background, so that the hub can verify one Push while it stores the one
//  before (docs/protocol.md 13.7). Opening needs nothing of the store but
//  the quota's first verdict: every judgement is sh_hublog_push_opened's.
typedef struct sh_hublog_opening_t sh_hublog_opening_t;

//  Start opening changes[0..n) on threads threads in the background,
//  unless the quota's first verdict (judged as sh_hublog_push does, before
//  any signature is verified) already refuses the key's batch: then the
//  opening holds that refusal (sh_hublog_opening_refused), nothing runs,
//  and sh_hublog_push_opened answers it. A change the hub's log holds byte
//  for byte at (author, seq) -- one of the key's, at or below its head as
//  read here -- is not verified again (sh_change_open_held). changes (and
//  the bytes it points to) are borrowed until the opening is destroyed;
//  the caller owns *out. SH_OK or SH_ENOMEM.
SH_NODISCARD sh_err sh_hublog_open (sh_store_t *store, const uint8_t key[SH_PUBKEY_BYTES],
                                    const sh_wire_bytes_t *changes, size_t n, int threads, uint64_t quota_ms,
                                    sh_hublog_opening_t **out);

//  Did the quota's first verdict refuse the opening's batch?
bool sh_hublog_opening_refused (const sh_hublog_opening_t *self);

//  Wait until every change of the opening is opened. Idempotent.
void sh_hublog_opening_wait (sh_hublog_opening_t *self);

//  Wait for the opening and free it. NULL-safe; nulls *self_p.
void sh_hublog_opening_destroy (sh_hublog_opening_t **self_p);

//  sh_hublog_push_ruled of the changes opened (borrowed; waited for here),
//  whose quota's first verdict and verification sh_hublog_open made: a
//  refused opening gets that refusal in res; the write transaction judges
//  the quota again.
SH_NODISCARD sh_err sh_hublog_push_opened (sh_store_t *store, const sh_registry_entry_t *entry,
                                           sh_hublog_opening_t *opened, const sh_wire_opening_t *openings,
                                           size_t n_openings, const sh_hubid_t *hub, uint64_t quota_ms,
                                           sh_hublog_rule_fn *rule, void *arg, sh_hublog_result_t *res);

//  Append one opened change (bytes, len; its hash) in txn as a Push does
//  after judging it: to the log with the full chain rule, as the tree's
//  next leaf, merged and indexed by scope. The recovery of a lost tail
//  (sh_recovery) uses it. SH_EEXIST if it is already held (nothing
//  written); sh_changelog_append's SH_ECHAIN, SH_EEQUIVOCATION; store
//  errors.
SH_NODISCARD sh_err sh_hublog_append (sh_store_txn_t *txn, const uint8_t *bytes, size_t len,
                                      const sh_change_t *c, const uint8_t hash[SH_HASH_BYTES]);

//  Downstream for a node: the output Batch. Changes and keys point into
//  memory owned by out (free with sh_hublog_batch_fini).
typedef struct {
    uint64_t since;                     //  the Pull's since
    uint64_t next;                      //  where the node's next Pull starts
    bool done;                          //  the node is caught up
    size_t n;                           //  changes
    sh_wire_bytes_t *changes;           //  SignedChange bytes (owned copies)
    size_t n_keys;                      //  distinct authors
    sh_wire_key_t *keys;                //  their registry entries
    char (*names)[SH_REGISTRY_NAME_MAX + 1];  //  their enrolled names (owned; keys[i].name points here)
    size_t bytes;                       //  total change bytes
    uint64_t *indexes;                  //  the log index of each change (owned)
    uint64_t cp_size;                   //  the newest checkpoint in the same snapshot: its size
    char *note;                         //  ... and its note (owned; NULL while the log is empty)
    size_t n_openings;                  //  sh_hublog_pull_openings: the openings the store holds
    sh_wire_opening_t *openings;        //  of these changes' seals (salts and values in mem_; owned)
    void *mem_;                         //  owned allocations
} sh_hublog_batch_t;

//  Select up to max changes (and about max_bytes) after index since for
//  scope (NULL: every leaf, in log order -- a mirror's Pull, docs/protocol.md
//  16.8), leaving out those written by exclude (may be NULL), in one read
//  snapshot, with the newest checkpoint of that snapshot: the selection
//  never runs past it (next <= cp_size), so a node can store its cursor
//  together with a checkpoint that covers everything it downloaded.
SH_NODISCARD sh_err sh_hublog_pull (sh_store_t *store, const char *scope,
                                    const uint8_t *exclude, uint64_t since, uint32_t max,
                                    size_t max_bytes, sh_hublog_batch_t *out);

//  sh_hublog_pull that also gathers, from the same snapshot and as each
//  change is decoded for its author anyway, the openings the store holds
//  for the selected changes' seals (docs/protocol.md 7.10): a Batch to a
//  town's or a village's node.
SH_NODISCARD sh_err sh_hublog_pull_openings (sh_store_t *store, const char *scope,
                                             const uint8_t *exclude, uint64_t since, uint32_t max,
                                             size_t max_bytes, sh_hublog_batch_t *out);

//  The node author's own changes from seq from (>= 1) on, in chain order,
//  up to max changes and about max_bytes (at least one): the answer to a
//  Pull with own_from (docs/protocol.md 13.9), for a node restored from an
//  older backup. out->since = from, out->next = the seq after the last one
//  given, out->done = the hub's head of author was reached (also when from
//  is past it: no changes); no keys. SH_ECORRUPT if the chain has a hole.
SH_NODISCARD sh_err sh_hublog_pull_own (sh_store_t *store, const uint8_t author[SH_PUBKEY_BYTES],
                                        uint64_t from, uint32_t max, size_t max_bytes,
                                        sh_hublog_batch_t *out);

void sh_hublog_batch_fini (sh_hublog_batch_t *batch);

//  Make sure the latest tree head is signed: when the tree has grown since
//  the newest stored checkpoint, sign one for the current size as hub
//  (its key must be set; note key name = its origin) and store it (its
//  own write transaction).
//  *note (may be NULL) receives a copy of the newest checkpoint note,
//  which the caller frees; NULL when the tree is empty. *size (may be
//  NULL) receives its tree size (0 when empty).
SH_NODISCARD sh_err sh_hublog_checkpoint (sh_store_t *store, const sh_hubid_t *hub,
                                          char **note, uint64_t *size);

#endif
