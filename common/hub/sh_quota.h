/*  sh_quota -- the hub's per-node quotas and its store reserve
    (docs/protocol.md 13.20).

    Quotas are hub-local policy, not part of the registry, its notes or an
    export. Each node key has two limits:
      - changes per UTC day: new changes the hub takes from the node
        between two 00:00 UTC (the count resets there);
      - bytes: the encoded SignedChange bytes of the node's changes the hub
        holds (no reset: only the operator raises it).
    0 means no limit. A key without a record has the defaults
    (SH_QUOTA_DEFAULT_*), its bytes counted from the log the first time
    the record is read.

    Store layout (database "quotas", SH_DB_QUOTAS), one entry per key:
        key   = node Ed25519 key (32)
        value = 0x01 (layout version, 1)
             || be64(changes per day limit) || be64(bytes limit)
             || be32(UTC day of the count: ms since the epoch / 86400000)
             || be64(changes taken that day) || be64(bytes held)
    (37 bytes). Only this module reads and writes it.

    The reserve: a hub refuses new changes (ERR_STORE_FULL) while its map
    or its disk has less room than the reserve, so that it can always
    answer, serve downloads and recovery, and write its own bookkeeping.
    sh_quota_reserve_default gives the reserve for a map size.

    Ownership: plain data; the functions borrow the transaction for the
    call. Threading: as the transaction.
*/
#ifndef SH_QUOTA_H
#define SH_QUOTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sh_crypto.h"
#include "sh_err.h"
#include "sh_store.h"

//  A village writes about 1,200 changes a year (0.3 MB): 20,000 a day lets
//  a year's backlog go up in one night and refuses a flood; 32 MiB each for
//  219 villages is 7 GiB, inside the hub's 16 GiB map.
#define SH_QUOTA_DEFAULT_CHANGES_PER_DAY 20000
#define SH_QUOTA_DEFAULT_BYTES ((uint64_t) 32 << 20)
#define SH_QUOTA_DAY_MS 86400000ULL
#define SH_QUOTA_VALUE_BYTES 37
#define SH_QUOTA_WHY_MAX 240              //  a refusal's message (SH_WIRE_MESSAGE_MAX)

typedef struct {
    uint64_t changes_per_day;             //  new changes per UTC day (0: no limit)
    uint64_t bytes;                       //  bytes of changes held (0: no limit)
} sh_quota_limits_t;

typedef struct {
    sh_quota_limits_t limits;             //  the node's limits
    uint32_t day;                         //  UTC day of changes_today
    uint64_t changes_today;               //  new changes taken on that day
    uint64_t bytes_held;                  //  bytes of the node's changes the hub holds
} sh_quota_t;

//  Which limit a refusal met.
typedef enum {
    SH_QUOTA_OK = 0,                      //  within both limits
    SH_QUOTA_OVER_CHANGES,                //  the changes of this UTC day
    SH_QUOTA_OVER_BYTES                   //  the bytes held
} sh_quota_verdict_t;

//  The quota of key in *out: its record, or the defaults with the bytes of
//  the key's changes held in the log when there is none. Today's count is
//  0 when the record is of an earlier day than now_ms's. Store errors;
//  SH_ECORRUPT for a record of another layout.
SH_NODISCARD sh_err sh_quota_get (sh_store_txn_t *txn, const uint8_t key[SH_PUBKEY_BYTES],
                                  uint64_t now_ms, sh_quota_t *out);

//  Set key's limits (write transaction), keeping its usage.
SH_NODISCARD sh_err sh_quota_set_limits (sh_store_txn_t *txn, const uint8_t key[SH_PUBKEY_BYTES],
                                         const sh_quota_limits_t *limits, uint64_t now_ms);

//  Give every enrolled node key without a record one (write transaction):
//  the defaults, its bytes counted from the log -- once, for a store from
//  before quotas, so that no Push has to count them (shouhe-hub serve
//  calls it before it listens). *made (may be NULL): how many.
SH_NODISCARD sh_err sh_quota_fill (sh_store_txn_t *txn, uint64_t now_ms, uint64_t *made);

//  Count changes new changes, of bytes bytes in all, taken from key at
//  now_ms: to today's count and to the bytes held (write transaction: the
//  one that stores them, so that nothing is counted twice or lost).
//  Recovery (sh_recovery) counts bytes only (changes = 0).
SH_NODISCARD sh_err sh_quota_add (sh_store_txn_t *txn, const uint8_t key[SH_PUBKEY_BYTES], uint64_t now_ms,
                                  uint64_t changes, uint64_t bytes);

//  Count bytes more of key's changes held, leaving today's count alone: the
//  changes a recovery (sh_recovery) takes back, which were counted when
//  first pushed and are exempt from the limits. Nothing when key has no
//  record (its bytes are counted from the log when it is first read).
SH_NODISCARD sh_err sh_quota_add_held (sh_store_txn_t *txn, const uint8_t key[SH_PUBKEY_BYTES], uint64_t bytes);

//  Would q (as read at now_ms) take changes more new changes of bytes
//  more bytes? SH_QUOTA_OK, or the limit met with why (SH_QUOTA_WHY_MAX+1
//  bytes at most, NUL-terminated) saying the limit, the usage and when it
//  resets (13.20).
sh_quota_verdict_t sh_quota_check (const sh_quota_t *q, uint64_t now_ms, uint64_t changes, uint64_t bytes,
                                   char *why, size_t why_len);

//  Parse a limit: a whole number, for bytes optionally followed by K, M, G
//  or T (binary: 64M = 64 MiB). "0" is no limit. SH_EINVAL when value is
//  not one, or above 2^50.
SH_NODISCARD sh_err sh_quota_parse (const char *value, bool bytes, uint64_t *out);

//  A limit as text: "no limit", or the number (bytes: "33554432 (32 MiB)").
void sh_quota_format (char *out, size_t out_len, uint64_t value, bool bytes);

//  The reserve a hub keeps for a map of map_bytes: 2 % of the map, at least
//  64 MiB, yet at most an eighth of the map (small test maps).
uint64_t sh_quota_reserve_default (uint64_t map_bytes);

#endif
