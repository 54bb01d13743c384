/*  sh_replica -- one node's replica: its directory, store, key and clock.

    A node directory holds the LMDB environment (data.mdb, lock.mdb) and the
    secret key file node.key (mode 0600). Every local write becomes one
    signed change: the next seq of this node's chain, prev = hash of its
    head, a fresh HLC timestamp; the change is appended to the log and
    merged into the state in the caller's write transaction, so a batch of
    writes is one transaction and a crash leaves all or none of it.

    The scope (a region code prefix: 6, 9 or 12 digits) is fixed at
    creation; a write whose region is outside it is refused (SH_ESCOPE).

    Ownership: sh_replica_create/open return a replica the caller owns;
    sh_replica_close frees it. Accessors return borrowed pointers valid as
    long as the replica. Not thread-safe: one replica per thread.
*/
#ifndef SH_REPLICA_H
#define SH_REPLICA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sh_change.h"
#include "sh_clock.h"
#include "sh_err.h"
#include "sh_key.h"
#include "sh_store.h"

typedef struct sh_replica_t sh_replica_t;

#define SH_REPLICA_KEY_FILE "node.key"
#define SH_REPLICA_SCOPE_META "scope"   //  the meta key holding the scope

//  Is scope a valid scope (6, 9 or 12 digits: district, town, village)?
//  The one definition, used for replicas, enrolments and exports.
bool sh_replica_scope_valid (const char *scope);

//  Create a new replica in dir (created if missing; must not already hold
//  a key file or store: SH_EEXIST). SH_EINVAL for a bad scope.
SH_NODISCARD sh_err sh_replica_create (sh_replica_t **out, const char *dir, const char *scope);

//  Open an existing replica. SH_ENOTFOUND if dir holds none; SH_EPERM when
//  the directory may be written by others (sh_owner_check_dir), when the key
//  file is refused (sh_key_load: a symbolic link, another user's, readable
//  by others) or when the store belongs to another key (sh_owner_bind);
//  other key file errors as sh_key_load.
SH_NODISCARD sh_err sh_replica_open (sh_replica_t **out, const char *dir);

//  sh_replica_open that also says why it failed, as one sentence for the
//  user in why (why_len bytes at most): what was refused and how to fix it,
//  or "no node in DIR", or "cannot open the node in DIR: <sh_strerror>".
SH_NODISCARD sh_err sh_replica_open_why (sh_replica_t **out, const char *dir, char *why, size_t why_len);

//  Close. NULL-safe; nulls *self_p.
void sh_replica_close (sh_replica_t **self_p);

const char *sh_replica_scope (const sh_replica_t *self);
const uint8_t *sh_replica_author (const sh_replica_t *self);
sh_store_t *sh_replica_store (sh_replica_t *self);
const sh_key_t *sh_replica_key (const sh_replica_t *self);

//  Is region inside this replica's scope?
bool sh_replica_in_scope (const sh_replica_t *self, const char *region);

//  Begin a write transaction for one or more writes (sh_store_commit ends it).
SH_NODISCARD sh_err sh_replica_begin (sh_replica_t *self, sh_store_txn_t **txn);

//  META name: be64(the hub's head of this node's chain), set while the node
//  knows the hub holds more of its own chain than its store (restored from
//  an older backup; docs/protocol.md 8 and 13.12). Local writes are refused
//  while it is set; sync deletes it once the node's head reaches it.
#define SH_REPLICA_OWN_BEHIND "own.behind"

//  The value of own.behind in a backup copy (sh_replica_backup): the hub's
//  head is not known yet; the first sync's Welcome replaces or deletes it.
#define SH_REPLICA_BEHIND_UNKNOWN UINT64_MAX

//  Is this node behind its own chain? *hub_head: the value of meta
//  own.behind (0 when absent: not behind); *my_head (may be NULL): this
//  node's own head. SH_OK; store errors (SH_ECORRUPT for a malformed value).
SH_NODISCARD sh_err sh_replica_behind (sh_replica_t *self, sh_store_txn_t *txn, uint64_t *hub_head,
                                       uint64_t *my_head);

//  Explain SH_EBEHIND to the clerk in msg[0 .. len) ("this node is behind
//  its own chain: the hub holds its changes up to N, this store only up to
//  M (restored from a backup?); run shouhe-node sync first"), with figures
//  read in a read transaction of its own.
void sh_replica_behind_message (sh_replica_t *self, char *msg, size_t len);

//  Back the node up into the new directory dest (created 0700; SH_EEXIST
//  if it exists): a compacted hot copy of the store (sh_store_copy) and
//  the key file (0600), the copy marked with own.behind =
//  SH_REPLICA_BEHIND_UNKNOWN, so that once restored it refuses local
//  writes until a sync has confirmed its head (docs/protocol.md 13.12).
//  The node itself is not changed. On failure dest may hold a partial
//  copy (no key file unless the store was copied). Errors as errno
//  (SH_ESYSERR), key or store errors.
SH_NODISCARD sh_err sh_replica_backup (sh_replica_t *self, const char *dest);

//  Seal personal fields on write (docs/protocol.md 4.10, docs/privacy.md):
//  from now on sh_replica_write takes every personal field of a body out
//  of the signed change, puts its commitment in, and keeps the opening
//  beside the state (sh_merge_openings). A replica opens with the setting
//  of its meta SH_REPLICA_SEAL_META (be64 1: on, what sh_replica_create
//  writes; absent, a store of an earlier version, or 0: off), which
//  `shouhe-node privacy --seal on|off` writes.
#define SH_REPLICA_SEAL_META "privacy.seal"
void sh_replica_set_sealing (sh_replica_t *self, bool on);

//  Record one local write as a signed change inside txn: chain, sign,
//  append to the log, merge. body is borrowed (NULL for OP_DELETE). On
//  success *seq (may be NULL) is the change's seq. SH_ESCOPE if region is
//  outside the scope; SH_EPROTO if the body does not fit its kind;
//  SH_EBEHIND while meta own.behind is set (sh_replica_behind_message
//  explains it); SH_ECLOCK, writing nothing, while the clock forbids local
//  writes (sh_replica_clock_state: docs/protocol.md 5.3).
SH_NODISCARD sh_err sh_replica_write (sh_replica_t *self, sh_store_txn_t *txn,
                                      const char *region, sh_kind_t kind,
                                      const uint8_t *id, size_t id_len, sh_op_t op,
                                      const uint8_t *body, size_t body_len, uint64_t *seq);

//  Take in one SignedChange written elsewhere: open (signature), append
//  to the log (chain; SH_ECHAIN, SH_EEQUIVOCATION; another author's chain
//  may have gaps, see sh_changelog_append_sparse), merge, and advance the
//  clock past its effective hlc (sh_clock_effective), but never beyond the
//  wall clock + SH_CLOCK_BOUND_MS. A change already held sets *duplicate and changes
//  nothing. A validly signed change whose body this version cannot read
//  (a newer schema) is kept in the log but changes no state. why (may be
//  NULL) receives a static reason when the change does not open.
SH_NODISCARD sh_err sh_replica_ingest (sh_replica_t *self, sh_store_txn_t *txn,
                                       const uint8_t *signed_bytes, size_t signed_len,
                                       bool *duplicate, const char **why);

//  sh_replica_ingest of a change the caller has already opened
//  (sh_change_open of signed_bytes gave c and hash, so its signature
//  verified): the same append, merge and clock, without verifying again.
//  unmerged (may be NULL; unmerged_len bytes) receives, for a new change
//  kept in the log without being merged, the reason: the sentence of the
//  scope rule (sh_scope) or "its body is not a record this version reads";
//  "" when it was merged or is a duplicate.
SH_NODISCARD sh_err sh_replica_ingest_opened (sh_replica_t *self, sh_store_txn_t *txn,
                                              const uint8_t *signed_bytes, size_t signed_len,
                                              const sh_change_t *c, const uint8_t hash[SH_HASH_BYTES],
                                              bool *duplicate, char *unmerged, size_t unmerged_len);

//  The current HLC value (for dates on records: sh_hlc_ms of it).
uint64_t sh_replica_clock (sh_replica_t *self);

//  Add offset_ms to the wall clock this replica reads (test fault point
//  SHOUHE_FAULT_CLOCK_MS, docs/protocol.md 13.16). 0 by default.
void sh_replica_set_clock_offset (sh_replica_t *self, int64_t offset_ms);

//  The wall clock this replica reads (unix ms, offset included).
uint64_t sh_replica_wall_ms (sh_replica_t *self);

//  The node's clock situation in txn: its wall clock, the HLC's last, the
//  last measurement of the hub's clock (meta hub.clock) and the verdict
//  (sh_clock_judge). Store errors only; SH_ECORRUPT for a bad hub.clock.
SH_NODISCARD sh_err sh_replica_clock_state (sh_replica_t *self, sh_store_txn_t *txn, sh_clock_state_t *st);

//  Write a clock correction (OP_CLOCK, docs/protocol.md 5.2) in txn: the
//  clock restarts from the wall clock, the change's hlc is the first tick
//  from it, and every replica then caps this node's earlier changes. Made
//  whatever the measured gap (the operator says the clock is fixed).
//  SH_ENOTFOUND, writing nothing, when nothing needs correcting (the HLC's
//  last is not more than SH_CLOCK_BOUND_MS ahead of the wall clock).
//  *seq (may be NULL) receives its seq.
SH_NODISCARD sh_err sh_replica_clock_correct (sh_replica_t *self, sh_store_txn_t *txn, uint64_t *seq);

#endif
