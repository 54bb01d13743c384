/*  sh_clock -- the clock bound, clock corrections and the node's view of
    the hub's clock (docs/protocol.md 5.2 .. 5.4).

    The bound: a change's effective time may run at most SH_CLOCK_BOUND_MS
    ahead of the wall clock of whoever judges it (the hub refuses a pushed
    change beyond it; a received change never moves a clock beyond it).

    A clock correction is a change with op OP_CLOCK in its author's own
    chain, at seq k with hlc h. It caps every earlier change of that author
    (seq s < k): the change's **effective hlc** is
        min (hlc, h - (k - s))          (0 when k - s > h)
    taking the minimum over every correction of the author with k > s. The
    "clocks" database (SH_DB_CLOCKS: author || be64(k) -> be64(h)) holds the
    corrections a store has taken in, so a lookup is one cursor walk over an
    author's few corrections.

    A node keeps the hub's clock as it saw it in the last Welcome in meta
    "hub.clock" = be64(hub_ms) || be64(node wall ms at receipt); from it and
    its own clock it decides whether local writes are allowed
    (sh_clock_judge).

    Stateless; functions follow the transaction they are given (sh_store.h).
*/
#ifndef SH_CLOCK_H
#define SH_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sh_change.h"
#include "sh_err.h"
#include "sh_store.h"

//  D: how far a change's effective time may run ahead of a wall clock, and
//  how far a node's clock may differ from the hub's before local writes are
//  refused. 10 minutes.
#define SH_CLOCK_BOUND_MS ((uint64_t) 600000)

//  The meta name of the node's last measurement of the hub's clock.
#define SH_CLOCK_HUB_META "hub.clock"

//  A measured gap changes the stored measurement only when it moved by
//  more than this (so that an idle sync writes nothing new).
#define SH_CLOCK_REMEASURE_MS 1000

//  The cap one correction (seq k, hlc h) puts on the author's change at
//  seq s: h - (k - s), saturating at 0; UINT64_MAX when k <= s (no cap).
uint64_t sh_clock_cap_of (uint64_t s, uint64_t k, uint64_t h);

//  Record the correction c (op OP_CLOCK) in the clocks database.
SH_NODISCARD sh_err sh_clock_put (sh_store_txn_t *txn, const sh_change_t *c);

//  The cap the corrections held in txn put on author's change at seq s:
//  the minimum of sh_clock_cap_of over them; UINT64_MAX when none caps it.
//  SH_ECORRUPT for a malformed entry.
SH_NODISCARD sh_err sh_clock_cap (sh_store_txn_t *txn, const uint8_t author[SH_PUBKEY_BYTES], uint64_t s,
                                  uint64_t *cap);

//  The effective hlc of c: min (c->hlc, sh_clock_cap).
SH_NODISCARD sh_err sh_clock_effective (sh_store_txn_t *txn, const sh_change_t *c, uint64_t *hlc);

//  The last measurement of the hub's clock (meta hub.clock). SH_ENOTFOUND
//  when the node has never been welcomed; SH_ECORRUPT for a bad value.
SH_NODISCARD sh_err sh_clock_hub_get (sh_store_txn_t *txn, uint64_t *hub_ms, uint64_t *local_ms);

//  Store a new measurement unless the stored one shows the same gap within
//  SH_CLOCK_REMEASURE_MS. *written (may be NULL) says whether it stored.
SH_NODISCARD sh_err sh_clock_hub_put (sh_store_txn_t *txn, uint64_t hub_ms, uint64_t local_ms, bool *written);

//  What a node's clock allows.
typedef enum {
    SH_CLOCK_OK = 0,            //  local writes are allowed
    SH_CLOCK_AHEAD,             //  the last measured gap: more than D ahead of the hub
    SH_CLOCK_BEHIND,            //  the last measured gap, or now: more than D behind the hub
    SH_CLOCK_CARRIED            //  the clock's last is more than D ahead of now: correct it
} sh_clock_verdict_t;

//  The node's clock situation, plain data.
typedef struct {
    uint64_t now_ms;            //  the node's wall clock now
    uint64_t last;              //  the HLC's last
    bool measured;              //  a Welcome has been seen
    uint64_t hub_ms;            //  the hub's clock at the last measurement
    uint64_t local_ms;          //  the node's clock at that moment
    int64_t gap_ms;             //  local_ms - hub_ms (positive: the node ahead)
    sh_clock_verdict_t verdict; //  what it allows
} sh_clock_state_t;

//  Judge: fill st->gap_ms and st->verdict from the other fields (first
//  matching rule: CARRIED, AHEAD, BEHIND; docs/protocol.md 5.3).
void sh_clock_judge (sh_clock_state_t *st);

//  One sentence on a verdict for the operator (what is wrong, what to do),
//  written into why (why_len bytes). Empty for SH_CLOCK_OK.
void sh_clock_explain (const sh_clock_state_t *st, char *why, size_t why_len);

//  A duration in plain words: "365 days", "23 hours", "12 minutes", "40 seconds".
void sh_clock_words (uint64_t ms, char *out, size_t out_len);

#endif
