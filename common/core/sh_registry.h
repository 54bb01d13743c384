/*  sh_registry -- the keys a hub admits, and the keys a node has learnt.

    At the hub: one Enrollment record (wire.proto) per Ed25519 key in the
    "registry" database, written by `shouhe-hub enroll` and `revoke`, read
    by the ZAP handler (by Curve25519 key: the index curve(32) || 'c' ->
    Ed25519 key, filled at enrolment, so the 44 us conversion happens once
    per key) and by ingestion (scope, revocation, block after an
    equivocation). At a node: the entries the hub sent with downstream
    changes, used to check each author's scope before applying a change.

    Functions work inside the caller's transaction (sh_store.h rules).
    Entries are plain data copied out of the store.
*/
#ifndef SH_REGISTRY_H
#define SH_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "sh_change.h"
#include "sh_crypto.h"
#include "sh_err.h"
#include "sh_store.h"
#include "sh_wire.h"

#define SH_REGISTRY_NAME_MAX 63

typedef struct {
    uint8_t key[SH_PUBKEY_BYTES];       //  Ed25519 public key
    char scope[SH_REGION_MAX + 1];      //  region prefix the key writes in (or reads, for auditors)
    sh_wire_role_t role;                //  node or auditor
    char name[SH_REGISTRY_NAME_MAX + 1];//  operator's label ("" if none)
    uint64_t enrolled_ms;               //  when enrolled (unix ms)
    uint64_t revoked_ms;                //  when revoked, 0 if not
    uint64_t revoked_log_size;          //  the hub's log size at revocation
    bool has_revoked_log_size;          //  revoked_log_size was recorded (revocations since it exists)
    bool blocked;                       //  refused after an equivocation until unblocked
    uint64_t last_seen_ms;              //  last session (hub), 0 if never
} sh_registry_entry_t;

//  Enrol key. SH_EEXIST if the key is already enrolled (revoked or not: a
//  revoked key is never re-admitted), SH_EINVAL for a bad scope or name,
//  SH_ECRYPTO if key is not a valid Ed25519 point.
SH_NODISCARD sh_err sh_registry_enroll (sh_store_txn_t *txn, const uint8_t key[SH_PUBKEY_BYTES],
                                        const char *scope, sh_wire_role_t role, const char *name,
                                        uint64_t now_ms);

//  Store an entry as given (a node keeping what the hub sent). Overwrites.
SH_NODISCARD sh_err sh_registry_put (sh_store_txn_t *txn, const sh_registry_entry_t *entry);

//  Read the entry of key. SH_ENOTFOUND if unknown.
SH_NODISCARD sh_err sh_registry_get (sh_store_txn_t *txn, const uint8_t key[SH_PUBKEY_BYTES],
                                     sh_registry_entry_t *entry);

//  The scope key writes in, as this store knows it (docs/protocol.md 6.4,
//  "the leading tier"): its entry's (at the hub its enrolment, at a node
//  the KeyEntry the hub sent) or, for the store's own key at a node (meta
//  owner.key; the hub never sends a node its own entry), the node's scope
//  (meta scope). scope receives SH_REGION_MAX + 1 bytes at most.
//  SH_ENOTFOUND if the store knows no scope for key.
SH_NODISCARD sh_err sh_registry_scope (sh_store_txn_t *txn, const uint8_t key[SH_PUBKEY_BYTES],
                                       char scope[SH_REGION_MAX + 1]);

//  The Ed25519 key enrolled with this Curve25519 key. SH_ENOTFOUND if none.
SH_NODISCARD sh_err sh_registry_by_curve (sh_store_txn_t *txn, const uint8_t curve[SH_CURVE_BYTES],
                                          uint8_t key[SH_PUBKEY_BYTES]);

//  Revoke key at now_ms, recording the log's size then: every change of the
//  key stands at or before that log index, which auditors check.
//  SH_ENOTFOUND if unknown; SH_EEXIST if already revoked.
SH_NODISCARD sh_err sh_registry_revoke (sh_store_txn_t *txn, const uint8_t key[SH_PUBKEY_BYTES],
                                        uint64_t now_ms);

//  Set or clear the blocked flag. SH_ENOTFOUND if unknown.
SH_NODISCARD sh_err sh_registry_set_blocked (sh_store_txn_t *txn, const uint8_t key[SH_PUBKEY_BYTES],
                                             bool blocked);

//  Record a session at now_ms. SH_ENOTFOUND if unknown.
SH_NODISCARD sh_err sh_registry_touch (sh_store_txn_t *txn, const uint8_t key[SH_PUBKEY_BYTES],
                                       uint64_t now_ms);

//  Call fn for every entry in key order; a non-zero return stops the walk.
typedef int (sh_registry_fn) (const sh_registry_entry_t *entry, void *arg);
SH_NODISCARD sh_err sh_registry_each (sh_store_txn_t *txn, sh_registry_fn *fn, void *arg);

#endif
