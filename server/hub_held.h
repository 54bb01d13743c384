/*  hub_held -- Acks the hub holds back until a mirror has cosigned a
    checkpoint that covers their batch (`serve --sync-mirror`,
    docs/protocol.md 16.8): then no acknowledged change exists on one disk
    only.

    The handler encodes an Ack as usual and, when the mirror has not yet
    cosigned up to the Ack's checkpoint, hands it here with that size;
    every accepted mirror cosignature releases the Acks it covers, in the
    order they were held. An Ack held longer than its time-out is dropped
    (the node, which pings after five silent seconds and starts a new
    session when only the Pong comes back, has long gone on: its changes
    stay stored at the hub and at the node, and no receipt was given).

    Ownership: the queue owns the encoded Acks it holds. Threading: the
    hub's loop only.
*/
#ifndef HUB_HELD_H
#define HUB_HELD_H

#include <stddef.h>
#include <stdint.h>

#include "sh_err.h"

typedef struct hub_held_t hub_held_t;

//  Send one encoded Ack (buf, len) to the peer of routing id (rid, rid_len)
//  (the handler's hub_reply_fn).
typedef void (hub_held_send_fn) (const uint8_t *rid, size_t rid_len, const uint8_t *buf, size_t len, void *arg);

//  An empty queue; NULL when out of memory. Caller owns it.
hub_held_t *hub_held_new (void);

//  Destroy the queue and what it holds. NULL-safe; nulls *self_p.
void hub_held_destroy (hub_held_t **self_p);

//  Hold the encoded Ack buf[0..len) (the queue takes buf, a malloc'd
//  buffer, in every case) for the peer of routing id rid until a mirror
//  cosigns size; now_ms: the monotonic time. SH_ENOMEM (buf freed).
SH_NODISCARD sh_err hub_held_add (hub_held_t *self, const uint8_t *rid, size_t rid_len, uint64_t size,
                                  uint8_t *buf, size_t len, int64_t now_ms);

//  Send, through reply, every held Ack whose size is at most mirrored.
//  Returns how many were sent.
size_t hub_held_release (hub_held_t *self, uint64_t mirrored, hub_held_send_fn *reply, void *arg);

//  Drop the Acks held since before now_ms - max_ms; returns how many.
size_t hub_held_expire (hub_held_t *self, int64_t now_ms, int64_t max_ms);

//  How many Acks are held.
size_t hub_held_count (const hub_held_t *self);

#endif
