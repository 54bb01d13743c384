/*  node_session -- the node's side of the sync protocol as a state machine
    without a socket (docs/protocol.md, "Wire protocol" and "A session").

    A session starts with Hello; the Welcome says where the hub's copy of
    this node's chain ends, so upload resumes exactly there, and the node
    keeps its download cursor (meta "hub.since") in the same transaction
    as the changes it applies, so download resumes exactly too. Pushes are
    pipelined up to the hub's credit, their sizes adapting to the link
    (AIMD); each Batch is answered by the next Pull before it is applied.
    Every Ack's and Welcome's checkpoint is verified with the hub's key,
    checked against the one held and stored with its proofs (sh_receipts);
    changes acknowledged without a receipt (lost Acks) are proven with
    Prove/Proof after each Welcome (node_proof). A Welcome showing more of
    this node's chain than its store holds (restored from an older backup)
    makes the session fetch that chain back first (node_own, own.behind).
    A lost connection ends the session, and the next successful handshake
    starts a new one; a lost answer (an older Push or Pull unanswered when
    a later Pong or Ack arrives) does too.

    The session decides; its owner moves the bytes. node_sync.c runs the
    link loop (sh_link) around it: it hands over every decoded message
    (node_session_on_message) and link event (node_session_on_event), calls
    node_session_step after each wait, and sends what the session asks to
    through the send callback. tests/unit/node_session_test.c drives one
    against a real hub handler with no socket at all.

    Messages for the clerk are printed on stderr ("shouhe-node: ..."), as
    the command always has. Functions returning int return an exit code
    (common/core/sh_exit.h): SH_EXIT_OK to go on, anything else ends the
    sync with that code (SH_EXIT_DENIED refused by the hub, SH_EXIT_PROTOCOL
    a hub that breaks the protocol or its receipts, SH_EXIT_STORE this
    node's store failed, SH_EXIT_NETWORK the deadline passed).

    Ownership: a session borrows its replica, the hub identity and the
    options' strings for its whole life; messages handed in are borrowed
    for the call. Threading: one thread uses a session (the one that owns
    the replica).
*/
#ifndef NODE_SESSION_H
#define NODE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sh_err.h"
#include "sh_hubid.h"
#include "sh_key.h"
#include "sh_replica.h"
#include "sh_wire.h"

typedef struct node_session_t node_session_t;

//  Send m to the hub now; *len receives its encoded size. false when it
//  could not be sent now (no connection, a full pipe, a fault point): the
//  session treats it as lost on the way and retries as a link loss would.
typedef bool (node_session_send_fn) (const sh_wire_msg_t *m, size_t *len, void *arg);

//  The monotonic clock in milliseconds (sh_sys_mono_ms unless a test
//  wants to move time by hand).
typedef int64_t (node_session_clock_fn) (void *arg);

typedef struct {
    bool watch;                     //  --watch: stay, upload local writes and ask for news every 3 s
    const char *hub_endpoint;       //  the hub's endpoint, for messages only (borrowed)
    int64_t deadline_ms;            //  give up after this long without progress (0: never); in
                                    //  watch mode it counts only while there is work to do
    node_session_clock_fn *clock;   //  NULL: sh_sys_mono_ms
    void *clock_arg;                //  its argument
    const sh_key_t *witness_key;    //  this node's witness key (DIR/witness.key), NULL: not a witness;
                                    //  once caught up, the session cosigns the hub's newest checkpoint
    const char *witness_name;       //  its cosigner name (meta witness.name)
    bool plain;                     //  --compress off: neither ask for nor send compressed changes
} node_session_options_t;

//  What happened to the link (node_session_on_event).
typedef enum {
    NODE_SESSION_LINK_UP = 1,           //  the CURVE handshake succeeded: Hello goes out
    NODE_SESSION_LINK_DOWN,             //  the connection was lost: the session ends
    NODE_SESSION_AUTH_FAILED,           //  the hub refused this node's key (status: its ZAP status code;
                                        //  400 not admitted, 300 or 500 a passing problem)
    NODE_SESSION_HANDSHAKE_FAILED       //  the handshake failed (a wrong hub key, or no hub behind a relay)
} node_session_event_t;

//  The figures of a sync so far (node_session_stats).
typedef struct {
    uint64_t up;                    //  this node's changes the hub accepted
    uint64_t duplicates;            //  ... and those it already held
    uint64_t down;                  //  changes downloaded and applied (new to this node)
    uint64_t bytes_out;             //  encoded bytes sent
    uint64_t bytes_in;              //  bytes received
    uint64_t hub_head;              //  the hub holds this node's chain up to here
    uint64_t my_head;               //  this node's chain head
    uint64_t checkpoint_size;       //  the newest hub checkpoint held (0: none)
    uint64_t receipts;              //  batch receipts stored by this session
} node_session_stats_t;

//  A session of the node whose replica is r, with the hub whose identity
//  is hub (its key verifies the checkpoints), sending through send (with
//  arg). r, hub and options->hub_endpoint are borrowed and must outlive
//  the session; options is copied. Caller owns the result; NULL when out
//  of memory. Nothing is read or sent before node_session_start.
node_session_t *node_session_new (sh_replica_t *r, const sh_hubid_t *hub, const node_session_options_t *options,
                                  node_session_send_fn *send, void *arg);

//  Destroy a session. The replica is not touched. NULL-safe; nulls *self_p.
void node_session_destroy (node_session_t **self_p);

//  Load the newest checkpoint held (verified with the hub's key), this
//  node's chain head and the download cursor, and start the clocks (the
//  deadline, the silence before a Ping). SH_EXIT_OK; SH_EXIT_PROTOCOL if
//  the checkpoints held are not signed by the hub's key; SH_EXIT_STORE if
//  the store cannot be read.
int node_session_start (node_session_t *self);

//  A link event (status: the ZAP status code of NODE_SESSION_AUTH_FAILED,
//  else 0). Link up sends Hello. Returns SH_EXIT_OK, SH_EXIT_DENIED (the
//  key refused, status 400) or SH_EXIT_PROTOCOL (the fifth failed
//  handshake in a row before any Welcome: probably a wrong hub key).
int node_session_on_event (node_session_t *self, node_session_event_t event, uint32_t status);

//  A message from the hub, bytes long on the wire: rc is how decoding it
//  went (sh_wire_decode, sh_link_wait). SH_OK: m is the message, borrowed
//  for the call (the caller finis it). Otherwise m is not read and why is
//  a static reason or NULL; SH_EVERSION names another protocol version.
//  Answers the session owes go out through the send callback. Returns an
//  exit code: SH_EXIT_OK, or what ends the sync (see above).
int node_session_on_message (node_session_t *self, size_t bytes, sh_err rc, const sh_wire_msg_t *m,
                             const char *why);

//  Everything between two waits: Hello again while no Welcome comes (a
//  growing, jittered pause), pushes up to the hub's credit, one Pull at a
//  time, in watch mode the local writes and the hub's news, a Ping after
//  5 s of silence and a new session after 20 s, and the deadline. Call it
//  after every wait (node_sync waits up to 100 ms). Returns SH_EXIT_OK,
//  SH_EXIT_STORE or SH_EXIT_NETWORK (the deadline passed).
int node_session_step (node_session_t *self);

//  true once a step found the node caught up (everything up and
//  acknowledged, everything down applied) and it is not watching: the
//  sync is finished.
bool node_session_done (const node_session_t *self);

//  The figures so far into *out.
void node_session_stats (const node_session_t *self, node_session_stats_t *out);

//  When this node requires witnesses (shouhe-node witnesses): say on
//  stderr up to which tree size its receipts are witnessed and, beyond
//  that, whose cosignatures are missing (docs/protocol.md 16.7).
void node_session_witness_report (const node_session_t *self);

#endif
