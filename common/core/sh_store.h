/*  sh_store -- the LMDB environment of one node or hub.

    One LMDB environment per directory, with one named database per concern
    (sh_store_db_t). Only this module includes lmdb.h; MDB_* codes are
    translated to sh_err (MDB_NOTFOUND -> SH_ENOTFOUND, MDB_MAP_FULL,
    MDB_TXN_FULL and a full disk -- ENOSPC, or LMDB's EIO for a short write
    on a nearly full file system -- -> SH_ESTOREFULL, MDB_CORRUPTED and
    MDB_PAGE_NOTFOUND -> SH_ECORRUPT, errno -> SH_ESYSERR|errno). Once an operation of a write
    transaction fails that way, LMDB refuses the rest of the transaction:
    later operations return the same error and commit aborts and returns it.

    Keys are raw bytes compared lexicographically (memcmp), so every key layout
    in libshouhe is chosen to be ordered: counters are big-endian, records are
    keyed region code first (docs/protocol.md, "Store layout"). A key is 1 to
    511 bytes (LMDB's limit); any other length is SH_EINVAL. Values may be
    empty.

    Ownership: sh_store_open returns a store the caller owns; destroy it with
    sh_store_close after every transaction has ended. A transaction is owned by
    the caller until commit or abort, which free it and null the pointer.
    Values returned by get and by cursors are owned by LMDB and stay valid
    until the next update in the same transaction or the end of the
    transaction, whichever comes first.

    Threading: one write transaction at a time per environment (LMDB blocks a
    second writer); read transactions may run on any thread
    (MDB_NOTLS). A transaction must not be used by two threads at once.
    WARNING: open a directory at most once per process (an LMDB rule: a
    second environment on the same files breaks its locks); share the store.

    Fault points (tests): sh_store_fail_commit_after(store, n) makes the n-th
    following commit of a write transaction fail with SH_EFAULT after
    aborting the transaction, as a crash before the commit would; n = 0
    turns the fault off. Read-only commits do not count (write commits are
    serialised by LMDB, so the countdown needs no lock).
*/
#ifndef SH_STORE_H
#define SH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sh_err.h"

typedef enum {
    SH_DB_LOG = 0,      //  "log":     log index (u64 BE) -> SignedChange bytes
    SH_DB_CHAIN,        //  "chain":   author(32) || seq (u64 BE) -> log index (u64 BE) || hash(32)
    SH_DB_HEADS,        //  "heads":   author(32) -> seq (u64 BE) || hash(32)
    SH_DB_FIELDS,       //  "fields":  record key || field no (u32 BE) -> hlc (u64 BE) || author(32) || field bytes
    SH_DB_EVENTS,       //  "events":  record key || hlc (u64 BE) || author(32) -> event body
    SH_DB_INDEX,        //  "index":   kind(1) || id len(1) || id || region -> empty
    SH_DB_META,         //  "meta":    ASCII name -> value
    SH_DB_REGISTRY,     //  "registry": Ed25519 key(32) -> Enrollment (wire.proto); curve key(32) || 'c' -> Ed25519 key
    SH_DB_EVIDENCE,     //  "evidence": author(32) || seq (u64 BE) || hash(32) -> SignedChange bytes (equivocations)
    SH_DB_SCOPES,       //  "scopes":  prefix (6, 9 or 12 digits) || '/' || log index (u64 BE) -> empty (hub)
    SH_DB_TREE,         //  "tree":    level(1) || index at that level (u64 BE) -> SHA-256 of that perfect subtree (sh_merkle)
    SH_DB_CHECKPOINTS,  //  "checkpoints": tree size (u64 BE) -> the hub's signed checkpoint note (C2SP), text
    SH_DB_RECEIPTS,     //  "receipts" (node): the hub's checkpoints, consistency proofs and batch
                        //  receipts; layout in sh_receipts.h, the one module that reads and writes it
    SH_DB_LEAVES,       //  "leaves" (node): hub log index (u64 BE) -> this log's index (u64 BE) of a
                        //  change downloaded from there (the node's part of the hub's backup)
    SH_DB_RECOVERY,     //  "recovery" (hub): what nodes offered while the hub recovers a lost tail;
                        //  layout in sh_recovery.h, the one module that reads and writes it
    SH_DB_CLOCKS,       //  "clocks":  author(32) || seq (u64 BE) -> hlc (u64 BE) of that author's clock
                        //  correction (OP_CLOCK) at seq; derived from the log (sh_clock.h)
    SH_DB_QUOTAS,       //  "quotas" (hub): node key(32) -> its limits and usage; layout in
                        //  sh_quota.h, the one module that reads and writes it
    SH_DB_WITNESS,      //  "witness" (a witness's node): the checkpoints it cosigned; layout in
                        //  sh_witness.h, the one module that reads and writes it
    SH_DB_OPENINGS,     //  "openings": record key || field (u32 BE) || commitment (32) -> stamp (40)
                        //  || salt (32) || value: the personal values held beside the log
                        //  (sh_merge_openings, docs/protocol.md 7.10)
    SH_DB_EXPORTS,      //  "exports" (hub): the exports written with personal data; layout in
                        //  sh_exportlog.h, the one module that reads and writes it
    SH_DB_COUNT
} sh_store_db_t;

typedef struct sh_store_t sh_store_t;
typedef struct sh_store_txn_t sh_store_txn_t;
typedef struct sh_store_cursor_t sh_store_cursor_t;

//  The default LMDB map: 1 GiB of address space (the file grows on disk only
//  as it is used; about 0.25 KB per change at a village node, so millions of
//  changes). A map smaller than the data already stored is raised to it.
//  The hub serves with SH_STORE_HUB_MAP_BYTES (about 1.8 KB per change
//  there: some nine million changes) unless --map-mib says otherwise.
#define SH_STORE_DEFAULT_MAP_BYTES ((size_t) 1 << 30)
#define SH_STORE_HUB_MAP_BYTES ((size_t) 16 << 30)

//  Open (creating when create is true) the environment in directory dir, which
//  must exist. map_bytes is the LMDB map size (0 = SH_STORE_DEFAULT_MAP_BYTES).
//  On success *out is a new store the caller owns.
//  Returns SH_ENOTFOUND when create is false and dir holds no store
//  (no data.mdb). Named databases missing from an older store are created.
//  Files are created with mode 0600. Durable: commits are fsynced.
SH_NODISCARD sh_err sh_store_open (sh_store_t **out, const char *dir, bool create, size_t map_bytes);

//  Close the environment. NULL-safe and idempotent; nulls *self_p.
void sh_store_close (sh_store_t **self_p);

//  How full the map is: *used the bytes of the pages in use (up to the last
//  page written), *map the map size. Either may be NULL.
SH_NODISCARD sh_err sh_store_usage (sh_store_t *self, size_t *used, size_t *map);

//  Room left for the store to grow: *map_left the bytes of the map not yet
//  in use (map size less the pages up to the last one written), *disk_free
//  the bytes the file system of its directory still gives to unprivileged
//  writers (statvfs f_bavail). Either may be NULL. SH_ESYSERR|errno if the
//  file system cannot be asked.
SH_NODISCARD sh_err sh_store_room (sh_store_t *self, uint64_t *map_left, uint64_t *disk_free);

//  A compacted hot copy of the store (LMDB's copy with compaction: a
//  consistent snapshot taken in a read transaction, free pages left out)
//  into the existing empty directory dir, as dir/data.mdb of mode 0600.
//  Writers may go on meanwhile. SH_EEXIST if dir already holds a data.mdb;
//  other errors as errno (SH_ESYSERR) or store errors.
SH_NODISCARD sh_err sh_store_copy (sh_store_t *self, const char *dir);

//  Is the store in dir open in another process? Asked before this process
//  opens it: an exclusive fcntl lock is tried on byte 0 of dir/lock.mdb,
//  the byte every process that has the environment open holds a shared
//  lock on (LMDB's own liveness lock), and released at once. SH_EEXIST
//  when another process has it open; SH_OK when none has (or dir holds no
//  lock.mdb). It cannot stop a process opening the store afterwards.
SH_NODISCARD sh_err sh_store_alone (const char *dir);

//  Directory the store lives in (valid as long as the store).
const char *sh_store_dir (const sh_store_t *self);

//  Begin a transaction. A write transaction blocks until no other write
//  transaction is open on this environment.
SH_NODISCARD sh_err sh_store_begin (sh_store_t *self, bool write, sh_store_txn_t **out);

//  Commit and free *txn_p (nulls it) -- durable when this returns SH_OK.
//  On failure the transaction is aborted and freed as well.
SH_NODISCARD sh_err sh_store_commit (sh_store_txn_t **txn_p);

//  Abort and free *txn_p (nulls it). NULL-safe.
void sh_store_abort (sh_store_txn_t **txn_p);

//  Look key up in db. On SH_OK *val/*val_len point into the map (see lifetimes above).
SH_NODISCARD sh_err sh_store_get (sh_store_txn_t *txn, sh_store_db_t db,
                                  const void *key, size_t key_len,
                                  const uint8_t **val, size_t *val_len);

//  Store val under key (replacing). Write transactions only.
SH_NODISCARD sh_err sh_store_put (sh_store_txn_t *txn, sh_store_db_t db,
                                  const void *key, size_t key_len,
                                  const void *val, size_t val_len);

//  Delete key. Returns SH_ENOTFOUND when absent.
SH_NODISCARD sh_err sh_store_del (sh_store_txn_t *txn, sh_store_db_t db,
                                  const void *key, size_t key_len);

//  Number of entries in db.
SH_NODISCARD sh_err sh_store_count (sh_store_txn_t *txn, sh_store_db_t db, uint64_t *count);

//  Open a cursor over the keys of db that start with prefix (prefix_len may be
//  0 for the whole database), in key order. The cursor is owned by the caller
//  and must be closed before the transaction ends.
SH_NODISCARD sh_err sh_store_cursor_open (sh_store_txn_t *txn, sh_store_db_t db,
                                          const void *prefix, size_t prefix_len,
                                          sh_store_cursor_t **out);

//  Step to the next entry (the first one on the first call). Returns SH_OK
//  with key and value set, SH_ENOTFOUND past the last matching key.
SH_NODISCARD sh_err sh_store_cursor_next (sh_store_cursor_t *cur,
                                          const uint8_t **key, size_t *key_len,
                                          const uint8_t **val, size_t *val_len);

//  Position so that the next call to next returns the first entry whose key
//  is >= key (still limited to the prefix: a key before the prefix range
//  means its first entry). SH_OK even when no such entry exists; next then
//  returns SH_ENOTFOUND.
SH_NODISCARD sh_err sh_store_cursor_seek (sh_store_cursor_t *cur, const void *key, size_t key_len);

//  Find the last entry of the prefix (used to find the highest key) and
//  return it in key/val (each output may be NULL); the following call to
//  next returns that same entry again, then SH_ENOTFOUND. Returns
//  SH_ENOTFOUND when the prefix has no entry.
SH_NODISCARD sh_err sh_store_cursor_last (sh_store_cursor_t *cur,
                                          const uint8_t **key, size_t *key_len,
                                          const uint8_t **val, size_t *val_len);

//  Close a cursor. NULL-safe; nulls *cur_p.
void sh_store_cursor_close (sh_store_cursor_t **cur_p);

//  Convenience for SH_DB_META: u64 values stored big-endian, strings raw.
SH_NODISCARD sh_err sh_store_meta_get_u64 (sh_store_txn_t *txn, const char *name, uint64_t *value);
SH_NODISCARD sh_err sh_store_meta_put_u64 (sh_store_txn_t *txn, const char *name, uint64_t value);
//  Copies the string into buf (NUL-terminated); SH_EINVAL if it does not fit.
SH_NODISCARD sh_err sh_store_meta_get_str (sh_store_txn_t *txn, const char *name, char *buf, size_t buf_size);
SH_NODISCARD sh_err sh_store_meta_put_str (sh_store_txn_t *txn, const char *name, const char *value);

//  Test fault point: the n-th following write commit fails with SH_EFAULT
//  and writes nothing (0 = off).
void sh_store_fail_commit_after (sh_store_t *self, unsigned n);

//  Big-endian helpers used by every key layout.
static inline void sh_store_put_be64 (uint8_t out[8], uint64_t v)
{ for (int i = 7; i >= 0; i--) { out[i] = (uint8_t) v; v >>= 8; } }
static inline uint64_t sh_store_get_be64 (const uint8_t in[8])
{ uint64_t v = 0; for (int i = 0; i < 8; i++) v = (v << 8) | in[i]; return v; }
static inline void sh_store_put_be32 (uint8_t out[4], uint32_t v)
{ for (int i = 3; i >= 0; i--) { out[i] = (uint8_t) v; v >>= 8; } }
static inline uint32_t sh_store_get_be32 (const uint8_t in[4])
{ return (uint32_t) in[0] << 24 | (uint32_t) in[1] << 16 | (uint32_t) in[2] << 8 | in[3]; }

#endif
