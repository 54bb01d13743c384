/*  sh_link -- the ZeroMQ link between a node (or an auditor, or a test
    tool) and the hub (docs/protocol.md 13.1-13.4).

    One sh_link_t is one CurveZMQ socket and what it needs around it:

    - CURVE set-up from our Ed25519 identity (sh_key_curve: the transport
      key pair is derived from it, docs/protocol.md 13.2) and, for a
      client, from the hub's 32-byte Ed25519 public key. The Curve25519
      secret is wiped as soon as ZeroMQ has its own copy.
    - Envelope framing: one shouhe.v1.Envelope (sh_wire_msg_t) per ZeroMQ
      message, decoded with the SH_WIRE_MAX_BYTES limit; sends report the
      encoded size and messages received their size, for the callers'
      byte counts.
    - The send fault point (tests): sh_link_fail_send_after.
    - A client (sh_link_client_new + sh_link_connect): a DEALER with the
      socket options of docs/protocol.md 13.1 and, on request, a socket
      monitor whose handshake and disconnection events sh_link_wait
      reports beside the messages.
    - A server (sh_link_server_new + sh_link_bind + sh_link_serve): a
      CURVE-server ROUTER, the ZAP handler (inproc://zeromq.zap.01, RFC
      27) that asks the caller whom to admit, and the reactor loop that
      hands every message and a periodic tick to the caller.
    - Raw frames for the test tool that sends malformed messages on
      purpose (sh_link_send_raw), and the interrupt flag
      (sh_link_interrupted).

    Only common/ includes zmq.h and czmq.h: the programs see this header.

    Ownership: a link owns its sockets; every buffer passed in is borrowed
    for the call, every buffer handed to a callback only for the callback.
    Threading: a link is used by one thread (ZeroMQ sockets are not thread
    safe); several links may live in one process, but only one server
    (the ZAP endpoint is process-wide). The ZeroMQ context is czmq's
    process-wide one, with linger 0; creating the first link installs
    czmq's SIGINT/SIGTERM handler, which sets the flag that
    sh_link_interrupted reads.
*/
#ifndef SH_LINK_H
#define SH_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sh_crypto.h"
#include "sh_err.h"
#include "sh_key.h"
#include "sh_wire.h"

#define SH_LINK_TRANSPORT_MAX ((int64_t) 8 << 20)   //  ZMQ_MAXMSGSIZE: ZeroMQ drops anything larger outright
                                                    //  (twice SH_WIRE_MAX_BYTES: up to it, ERR_TOO_LARGE)
#define SH_LINK_SERVER_RCVHWM 32                    //  messages the hub queues from one connection: then
                                                    //  ZeroMQ stops reading it (TCP pushes back)
#define SH_LINK_SERVER_SNDHWM 32                    //  answers the hub queues to one connection that does
                                                    //  not read them: then it drops the next ones
#define SH_LINK_USER_ID_MAX 255                     //  longest ZAP user id (the User-Id property)
#define SH_LINK_RID_MAX 255                         //  longest ROUTER routing id

typedef struct sh_link_t sh_link_t;

/* --------------------------------------------------------------------------
 * Both sides
 * -------------------------------------------------------------------------- */

//  Destroy a link: its monitor, its sockets, the ZAP handler. Unsent
//  messages are dropped (linger 0). NULL-safe; nulls *self_p.
void sh_link_destroy (sh_link_t **self_p);

//  The send fault point (tests; docs/protocol.md 14.3): the nth envelope
//  sent from now on (sh_link_send, sh_link_reply; counting every one whose
//  encoding succeeded) is dropped as a full pipe would drop it, and the
//  call returns SH_EFAULT. 0 turns it off. Raw sends are not counted.
void sh_link_fail_send_after (sh_link_t *self, unsigned n);

//  true once SIGINT or SIGTERM has arrived (czmq's handler, installed with
//  the first link). Waits and the serving loop return early then.
bool sh_link_interrupted (void);

//  Like sh_strerror, but names ZeroMQ's own errno values (zmq_strerror)
//  for the SH_ESYSERR codes this module returns. A constant string.
const char *sh_link_strerror (sh_err err);

/* --------------------------------------------------------------------------
 * Client: a DEALER to the hub
 * -------------------------------------------------------------------------- */

typedef struct {
    //  A sync session (the node): ZMQ_IMMEDIATE 1, reconnection after
    //  10 ms backing off to 5 s, ZMTP heartbeats every 5 s with a 15 s
    //  time-out, ZMQ_SNDHWM 64 (docs/protocol.md 13.1). Otherwise ZeroMQ's
    //  defaults. ZMQ_MAXMSGSIZE is SH_LINK_TRANSPORT_MAX either way.
    bool session;
    //  Watch the socket: sh_link_wait reports the handshake and
    //  disconnection events beside the messages.
    bool monitor;
    //  How long a send may wait for room or a connection: 0 never (it
    //  fails at once), > 0 that many ms (ZMQ_SNDTIMEO), < 0 as long as it
    //  takes.
    int send_timeout_ms;
} sh_link_options_t;

//  What sh_link_wait saw.
typedef enum {
    SH_LINK_NOTHING = 0,        //  nothing within the time-out (or interrupted, or an event of no interest)
    SH_LINK_MESSAGE,            //  a message from the peer (decoded or not: see sh_link_wait)
    SH_LINK_CONNECTED,          //  monitor: the CURVE handshake succeeded
    SH_LINK_DISCONNECTED,       //  monitor: the connection was lost
    SH_LINK_AUTH_FAILED,        //  monitor: the server refused our key; status holds its ZAP status code
                                //  (400 not admitted; 300 or 500 a passing server problem, retried)
    SH_LINK_HANDSHAKE_FAILED    //  monitor: the handshake failed (a wrong server key, or no server
                                //  behind a relay), retried by ZeroMQ
} sh_link_event_type_t;

typedef struct {
    sh_link_event_type_t type;  //  what happened
    uint32_t status;            //  SH_LINK_AUTH_FAILED: the ZAP status code
    size_t bytes;               //  SH_LINK_MESSAGE: size of its first frame (the envelope)
    size_t frames;              //  SH_LINK_MESSAGE: its number of frames (1 for an envelope)
} sh_link_event_t;

//  A client link with identity key (borrowed for the call) to the server
//  whose Ed25519 public key is server_key; options NULL means all zero.
//  Not connected yet. Caller owns *out. SH_ECRYPTO if key or server_key
//  does not convert to a Curve25519 key, SH_ENOMEM, SH_ESYSERR | errno if
//  ZeroMQ refuses the socket or its monitor.
SH_NODISCARD sh_err sh_link_client_new (sh_link_t **out, const sh_key_t *key,
                                        const uint8_t server_key[SH_PUBKEY_BYTES],
                                        const sh_link_options_t *options);

//  Connect to endpoint (e.g. "tcp://host:port"); ZeroMQ connects in the
//  background and reconnects by itself. SH_ESYSERR | errno if the
//  endpoint is not one ZeroMQ can connect to.
SH_NODISCARD sh_err sh_link_connect (sh_link_t *self, const char *endpoint);

//  Send msg as one message; *len (if not NULL) receives its encoded size.
//  SH_OK; SH_EINVAL or SH_ENOMEM if it cannot be encoded; SH_EFAULT if
//  the fault point dropped it; SH_ESYSERR | EAGAIN if it could not be
//  queued within the send time-out (no connection, or the pipe is full),
//  SH_ESYSERR | another errno if ZeroMQ refused it (interrupted, say).
SH_NODISCARD sh_err sh_link_send (sh_link_t *self, const sh_wire_msg_t *msg, size_t *len);

//  Send one frame of raw bytes (tests): flags SH_LINK_MORE (another frame
//  of the same message follows) and SH_LINK_DONTWAIT (fail at once rather
//  than wait for the send time-out). Not counted by the fault point.
//  SH_OK or SH_ESYSERR | errno.
#define SH_LINK_MORE 1
#define SH_LINK_DONTWAIT 2
SH_NODISCARD sh_err sh_link_send_raw (sh_link_t *self, const uint8_t *buf, size_t len, int flags);

//  Wait up to timeout_ms (0: only look) for the next message or monitor
//  event; *ev says which. For a message: SH_OK with *msg decoded (call
//  sh_wire_msg_fini), or SH_EPROTO (malformed, or more than one frame;
//  a static reason in *why if why is not NULL), SH_EVERSION (another
//  protocol version; msg->version holds it) or SH_ENOMEM, after which msg
//  needs no fini. Everything else returns SH_OK and leaves msg untouched.
SH_NODISCARD sh_err sh_link_wait (sh_link_t *self, int timeout_ms, sh_link_event_t *ev,
                                  sh_wire_msg_t *msg, const char **why);

/* --------------------------------------------------------------------------
 * Server: the hub's ROUTER
 * -------------------------------------------------------------------------- */

//  The server's answer to a ZAP request (RFC 27). It arrives filled in as
//  a refusal (status 400, text "not enrolled", no user id).
typedef struct {
    int status;                                 //  200 admitted, 400 refused, 500 a passing problem (the
                                                //  client retries)
    const char *text;                           //  status text (a constant string; never sent to the client)
    char user_id[SH_LINK_USER_ID_MAX + 1];      //  admitted: the User-Id of every message of the connection
} sh_link_admission_t;

//  The ZAP handler asks whether the client with Curve25519 public key
//  curve_key, connecting from address (text, NULL if unknown), may in.
//  Called in sh_link_serve's thread, only for CURVE handshakes; every other
//  request is refused as it arrives.
typedef void (sh_link_admit_fn) (const uint8_t curve_key[SH_CURVE_BYTES], const char *address,
                                 sh_link_admission_t *out, void *arg);

//  One message on the ROUTER: the routing id (rid, 1..SH_LINK_RID_MAX
//  bytes), the connection's User-Id (NULL if it has none), the first frame
//  after the routing id (body, body_len; body may be NULL when body_len is
//  0) and how many frames followed it. Messages without a routing id or a
//  body frame are dropped before. Returns 0 to go on, -1 to stop serving.
typedef int (sh_link_message_fn) (const uint8_t *rid, size_t rid_len, const char *user_id,
                                  const uint8_t *body, size_t body_len, size_t extra_frames, void *arg);

//  The periodic tick of sh_link_serve. Returns 0 to go on, -1 to stop.
typedef int (sh_link_tick_fn) (void *arg);

//  A server link with identity key (borrowed for the call): the ZAP
//  handler bound at inproc://zeromq.zap.01, answering through admit (with
//  arg), and a CURVE-server ROUTER with the hub's socket options, not yet
//  bound. Caller owns *out. SH_ECRYPTO if key does not convert to a
//  Curve25519 key, SH_ENOMEM, SH_ESYSERR | errno if ZeroMQ refuses the ZAP
//  endpoint (another server in this process) or the socket.
SH_NODISCARD sh_err sh_link_server_new (sh_link_t **out, const sh_key_t *key, sh_link_admit_fn *admit,
                                        void *arg);

//  Bind the ROUTER at endpoint ("tcp://127.0.0.1:*" picks a port).
//  SH_ESYSERR | errno if ZeroMQ cannot bind it.
SH_NODISCARD sh_err sh_link_bind (sh_link_t *self, const char *endpoint);

//  The endpoint bound, with the port ZeroMQ chose ("" before sh_link_bind).
//  Valid as long as the link.
const char *sh_link_endpoint (const sh_link_t *self);

//  Run the reactor in this thread: ZAP requests, every message (on_message)
//  and on_tick every tick_ms, all with arg, one at a time, until SIGINT or
//  SIGTERM or a callback returns -1. SH_OK then; SH_ENOMEM if the loop
//  cannot be set up.
SH_NODISCARD sh_err sh_link_serve (sh_link_t *self, sh_link_message_fn *on_message, int tick_ms,
                                   sh_link_tick_fn *on_tick, void *arg);

//  The next message waiting on the ROUTER, taken ahead of its turn so
//  that the caller can start work on it (the hub opens the next Push's
//  signatures while it commits the current one): the arguments on_message
//  will get for it. Only inside on_message. The message is still handed
//  to on_message, in its order, once the current call returns, with the
//  same buffers (the same pointers), which stay valid until that call
//  returns. Until then the loop does not poll: it answers the waiting ZAP
//  requests and runs a tick that is due between such messages itself.
//  SH_OK with *out filled (the same message again while one taken ahead
//  waits for its turn); SH_ENOTFOUND when no message is waiting.
typedef struct {
    const uint8_t *rid;                 //  routing id (1..SH_LINK_RID_MAX bytes)
    size_t rid_len;
    const char *user_id;                //  the connection's User-Id, or NULL
    const uint8_t *body;                //  the envelope frame
    size_t body_len;
    size_t extra_frames;                //  frames after it
} sh_link_peeked_t;
SH_NODISCARD sh_err sh_link_peek (sh_link_t *self, sh_link_peeked_t *out);

//  Send buf (an encoded envelope) to the peer of routing id rid. SH_OK
//  (also when ZeroMQ drops it: an unknown peer, or its queue full);
//  SH_EFAULT if the fault point dropped it; SH_ENOMEM.
SH_NODISCARD sh_err sh_link_reply (sh_link_t *self, const uint8_t *rid, size_t rid_len,
                                   const uint8_t *buf, size_t len);

#endif
