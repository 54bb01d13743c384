/*  hub_handler_int -- what the parts of hub_handler share (hub_handler.c:
    sessions, Hello, Pull, Offer, Prove, Fetch, Witness and dispatch;
    hub_handler_push.c: Push, its refusals and its Ack). Not for other
    modules: hub_handler.h is the interface.

    Ownership: the handler owns its session table and every session in it
    (hub_session_t, freed when its entry is deleted); the rest is borrowed
    as hub_handler.h says. One thread.
*/
#ifndef HUB_HANDLER_INT_H
#define HUB_HANDLER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub_handler.h"
#include "hub_held.h"
#include "hub_witness.h"
#include "sh_hublog.h"
#include "sh_map.h"
#include "sh_registry.h"
#include "sh_wire.h"

#define S_CREDIT 4                       //  Push batches a node may have unacknowledged
#define S_MAX_CHANGES 1024               //  most changes per Push / Batch
#define S_BATCH_BYTES (1u << 20)         //  target size of a downstream Batch
#define S_RID_MAX 255                    //  longest ZeroMQ routing id
#define S_HOLD_MS 15000                  //  longest an Ack waits for a mirror (below a node's
                                         //  20 s of silence before it drops a session)

typedef struct {
    char rid_hex[2 * S_RID_MAX + 1];     //  routing id as hex (the sessions table key)
    uint8_t key[SH_PUBKEY_BYTES];        //  authenticated Ed25519 key
    char key_hex[17];                    //  its first bytes, for logs
    int64_t last_ms;                     //  last message (sh_sys_mono_ms)
    uint64_t pushed, pulled;             //  changes stored / sent in this sync (since its Hello or
                                         //  its last sync line, s_log_sync)
    uint64_t bytes_in, bytes_out;        //  message bytes received / sent in this sync
    int64_t start_ms;                    //  when this sync began (sh_sys_mono_ms), 0: not begun
    uint64_t cp_size;                    //  size of the last checkpoint sent in this session
    uint32_t compress;                   //  SH_ZWIRE_ZSTD when the Hello asked: Batches go compressed
    bool full;                           //  a Push of this session was refused: the store is full
    bool quota;                          //  a Push of this session was over the key's quota ...
    char quota_why[SH_WIRE_MESSAGE_MAX + 1]; //  ... saying this
    hub_witness_t witness;               //  the witness that asked in this session
    char *export_buf;                    //  auditor: the export snapshot being fetched (owned)
    size_t export_len;                   //  its size
} hub_session_t;

struct hub_handler_t {
    const hub_config_t *config;          //  settings (borrowed)
    sh_store_t *store;                   //  hub store (borrowed)
    const sh_hubid_t *hub;               //  hub identity: key, origin (borrowed)
    hub_reply_fn *reply;                 //  where answers go
    void *reply_arg;                     //  its argument
    sh_map_t *sessions;                  //  rid_hex -> hub_session_t (owned)
    sh_map_t *logged;                    //  "<key hex>/<condition>" -> "": push refusals logged
                                         //  once per node and condition (until it is acked again)
    hub_session_t *current;                //  the session of the message being handled, if any
    hub_held_t *held;                    //  Acks waiting for a mirror (serve --sync-mirror; owned)
    hub_peek_fn *peek;                   //  the next message, looked at ahead (NULL: none)
    void *peek_arg;                      //  its argument
    struct {                             //  the Push taken ahead, its changes being opened:
        const uint8_t *body;             //  its envelope frame (the peek's; identifies it)
        size_t body_len;
        sh_wire_msg_t m;                 //  decoded (owned while op is set)
        sh_hublog_opening_t *op;         //  the opening (owned), NULL: none taken ahead
    } ahead;
    sh_hublog_opening_t *opening;        //  the Push being handled, opened ahead (owned), or NULL
    uint64_t opened_ahead;               //  Pushes handled so (hub_handler_opened_ahead)
};

//  Log a line (hub_log) unless the hub is quiet.
void hub_handler_log (const hub_handler_t *self, const char *level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

//  Encode m and send it to the peer (rid, rid_len), counting its bytes in
//  the current session; a reply behind an Ack held for the mirror waits.
void hub_handler_send (hub_handler_t *self, const uint8_t *rid, size_t rid_len, const sh_wire_msg_t *m);

//  Send an Error of code whose message is fmt (also logged, naming peer).
void hub_handler_error (hub_handler_t *self, const uint8_t *rid, size_t rid_len, sh_wire_error_t code,
                        const char *peer, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

//  The registry entry of a session's key, refusing revoked keys (and
//  forgetting their session). false when an Error was sent.
bool hub_handler_entry (hub_handler_t *self, const uint8_t *rid, size_t rid_len, hub_session_t *s,
                        sh_registry_entry_t *e);

//  A Push (docs/protocol.md 13.8): verified and committed before its Ack,
//  or refused with an Error that says why (hub_handler_push.c). Its
//  changes may be opened already (self->opening, taken here).
void hub_handler_push (hub_handler_t *self, const uint8_t *rid, size_t rid_len, hub_session_t *s,
                       const sh_wire_msg_t *m);

//  Free the Push taken ahead, if any (waiting for its opening).
void hub_handler_drop_ahead (hub_handler_t *self);

#endif
