/*  hub_handler -- the hub's protocol side: what it does with one message
    from a peer, without the sockets (docs/protocol.md, 13.7 "How the hub
    handles a message").

    hub_serve (hub_serve.c) owns the link (sh_link: the ROUTER, the ZAP
    handler and the loop); for every message the ROUTER receives it calls
    hub_handler_message with the routing id, the ZAP User-Id and the
    envelope frame, and the handler answers through the reply callback it
    was built with. The handler owns the session table (routing id ->
    authenticated key, checkpoint size given, export snapshot being
    fetched); everything else is in the store. Keeping this apart from the
    transport lets the fuzz target (tests/fuzz/fuzz_envelope.c) and the
    unit test (tests/unit/hub_handler_test.c) drive exactly the hub's
    decisions with a real store and no socket: it is its own library,
    shouhe_hubd (server/CMakeLists.txt).

    Ownership: hub_handler_new borrows config, store and hub for the
    handler's lifetime; hub_handler_destroy frees the sessions.
    Threading: one thread (the hub's loop) uses a handler.
*/
#ifndef HUB_HANDLER_H
#define HUB_HANDLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub.h"
#include "sh_hubid.h"
#include "sh_store.h"

typedef struct hub_handler_t hub_handler_t;

//  Send one encoded Envelope (buf, len) to the peer of routing id (rid,
//  rid_len). Both buffers are valid only during the call.
typedef void (hub_reply_fn) (const uint8_t *rid, size_t rid_len,
                             const uint8_t *buf, size_t len, void *arg);

//  A handler answering through reply (with arg), signing as hub (its key
//  set). config, store and hub are borrowed and must outlive it. Caller
//  owns the result; NULL when out of memory.
hub_handler_t *hub_handler_new (const hub_config_t *config, sh_store_t *store, const sh_hubid_t *hub,
                                hub_reply_fn *reply, void *arg);

//  The next message waiting on the link, looked at ahead of its turn
//  (sh_link_peek): the arguments hub_handler_message will get for it,
//  borrowed until that call returns. false when none is waiting.
typedef struct {
    const uint8_t *rid;
    size_t rid_len;
    const char *user_id;
    const uint8_t *body;
    size_t body_len;
    size_t extra_frames;
} hub_peeked_t;
typedef bool (hub_peek_fn) (hub_peeked_t *out, void *arg);

//  Let the handler look at the next message (peek, with arg) while it
//  handles a Push: when that message is a Push of a session, its changes
//  are opened (signatures verified) in the background while the current
//  one is judged, written and committed. The next message must then be
//  the one hub_handler_message gets next (the same body pointer); every
//  judgement stays in message order.
void hub_handler_set_peek (hub_handler_t *self, hub_peek_fn *peek, void *arg);

//  How many Pushes had their changes opened ahead of their turn (tests).
uint64_t hub_handler_opened_ahead (const hub_handler_t *self);

//  Destroy a handler and its sessions. NULL-safe; nulls *self_p.
void hub_handler_destroy (hub_handler_t **self_p);

//  Handle one message that arrived on the ROUTER: routing id (rid,
//  1..255 bytes), the connection's ZAP User-Id (NULL if it has none), the
//  envelope frame (body, body_len; body may be NULL when body_len is 0)
//  and the number of frames after it (extra_frames; any is refused).
//  Every refusal is answered with an Error and logged; nothing a peer
//  sends can stop the handler. All buffers are borrowed for the call only.
void hub_handler_message (hub_handler_t *self, const uint8_t *rid, size_t rid_len, const char *user_id,
                          const uint8_t *body, size_t body_len, size_t extra_frames);

//  Forget the sessions without a message for more than idle_ms (monotonic
//  clock, sh_sys_mono_ms).
void hub_handler_expire (hub_handler_t *self, int64_t idle_ms);

#endif
