/*  node_own -- a node restored from an older backup fetches its own chain
    back from the hub (docs/protocol.md 13.9 "own changes", 13.11, 13.12).

    When a Welcome says the hub holds more of this node's chain than its
    store (head_seq > its head), the node records that (meta own.behind =
    the hub's head: local writes are refused meanwhile, sh_replica_write)
    and asks for its changes with Pull.own_from; each own Batch is checked
    as its own chain (its key, consecutive seqs from its head + 1, prev
    links, and the hub's head_hash at head_seq) and applied in one
    transaction, which also deletes own.behind once the head reaches it.

    Functions return exit codes (sh_exit.h) and print what went wrong on
    stderr ("shouhe-node: ..."). Ownership: everything is borrowed for the
    call. Threading: the session's thread.
*/
#ifndef NODE_OWN_H
#define NODE_OWN_H

#include <stdint.h>

#include "sh_crypto.h"
#include "sh_replica.h"
#include "sh_wire.h"

//  Bring meta own.behind in line with a Welcome saying the hub holds this
//  node's chain up to hub_head while the node holds my_head: set it to
//  hub_head when hub_head > my_head, delete it otherwise; writes only
//  when that changes it (an idle sync writes nothing). When behind, says
//  so on stderr. SH_EXIT_OK or SH_EXIT_STORE.
int node_own_settle (sh_replica_t *r, uint64_t hub_head, uint64_t my_head);

//  Take an own Batch m (Batch.own, answering Pull own_from = *my_head + 1):
//  every change must open (signature), be by this node's key, carry seq
//  *my_head + 1, + 2 ... and continue the chain (sh_replica_ingest_opened,
//  the full rule); the change of seq target must have hash target_hash
//  (the Welcome's head_hash). Applied in one transaction that deletes
//  own.behind when the head reaches target (and says so on stderr).
//  *my_head: the new head.
//  SH_EXIT_OK; SH_EXIT_PROTOCOL (the message names the seq); SH_EXIT_STORE.
int node_own_take (sh_replica_t *r, const sh_wire_msg_t *m, uint64_t target,
                   const uint8_t target_hash[SH_HASH_BYTES], uint64_t *my_head);

#endif
