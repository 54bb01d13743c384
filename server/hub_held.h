/*  hub_held -- answers the hub holds back until a mirror has cosigned a
    checkpoint that covers their Push (`serve --sync-mirror`,
    docs/protocol.md 16.8): then no acknowledged change exists on one disk
    only.

    The handler encodes an Ack as usual and, when the mirror has not yet
    cosigned up to the Ack's checkpoint, hands it here with that size and
    the Error to send instead should it wait too long. Every later answer
    to the same peer is held behind it (hub_held_follow), so that a peer
    always receives its answers in the order of its requests (a node takes
    an answer that overtakes its Ack as the sign that the Ack was lost,
    13.13). Every accepted mirror cosignature releases the Acks it covers
    and what follows them; an Ack held longer than the time-out is
    replaced by its Error (the node retries in a new session; its changes
    are stored at the hub and kept at the node).

    Ownership: the queue owns the encoded messages it holds. Threading: the
    hub's loop only.
*/
#ifndef HUB_HELD_H
#define HUB_HELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sh_err.h"
#include "sh_wire.h"

typedef struct hub_held_t hub_held_t;

//  Send one encoded message (buf, len) to the peer of routing id (rid,
//  rid_len) (the handler's hub_reply_fn).
typedef void (hub_held_send_fn) (const uint8_t *rid, size_t rid_len, const uint8_t *buf, size_t len, void *arg);

//  An empty queue; NULL when out of memory. Caller owns it.
hub_held_t *hub_held_new (void);

//  Destroy the queue and what it holds. NULL-safe; nulls *self_p.
void hub_held_destroy (hub_held_t **self_p);

//  Hold the encoded Ack ack[0..ack_len) for the peer of routing id rid
//  until a mirror cosigns size, or, after the time-out, send the encoded
//  Error err[0..err_len) instead; now_ms: the monotonic time. The queue
//  takes ack and err (malloc'd) in every case. SH_ENOMEM (both freed).
SH_NODISCARD sh_err hub_held_add (hub_held_t *self, const uint8_t *rid, size_t rid_len, uint64_t size,
                                  uint8_t *ack, size_t ack_len, uint8_t *err, size_t err_len, int64_t now_ms);

//  hub_held_add for the Ack a (SH_WIRE_ACK), encoded here, with the Error
//  {ERR_INTERNAL, a's batch, why} to send instead after the time-out.
//  SH_ENOMEM or the encoder's error (nothing held).
SH_NODISCARD sh_err hub_held_ack (hub_held_t *self, const uint8_t *rid, size_t rid_len, uint64_t size,
                                  const sh_wire_msg_t *a, const char *why, int64_t now_ms);

//  If something is held for rid, hold the encoded message buf[0..len)
//  behind it (the queue takes buf) and return true; otherwise return false
//  and take nothing: the caller sends it. false also when out of memory
//  with something held (buf then freed: the peer's next request re-asks).
bool hub_held_follow (hub_held_t *self, const uint8_t *rid, size_t rid_len, uint8_t *buf, size_t len);

//  Send, through send, every held Ack whose size is at most mirrored and
//  every message no longer behind a held Ack, in order. How many Acks went.
size_t hub_held_release (hub_held_t *self, uint64_t mirrored, hub_held_send_fn *send, void *arg);

//  Send the Error of every Ack held since before now_ms - max_ms in its
//  place, and what no longer waits behind one. How many Acks timed out.
size_t hub_held_expire (hub_held_t *self, int64_t now_ms, int64_t max_ms, hub_held_send_fn *send, void *arg);

//  How many messages are held.
size_t hub_held_count (const hub_held_t *self);

#endif
