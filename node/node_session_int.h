/*  node_session_int -- what the parts of the node's sync state machine
    share (node_session.c: the protocol; node_receipts.c: the hub's
    checkpoints and receipts; node_recover.c: helping a hub that recovers
    a lost tail, and new epochs). Not for use outside node_session*.c,
    node_receipts.c and node_recover.c: node_session.h is the interface.
*/
#ifndef NODE_SESSION_INT_H
#define NODE_SESSION_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node_pace.h"
#include "node_proof.h"
#include "node_session.h"
#include "sh_note.h"
#include "sh_leaves.h"
#include "sh_receipts.h"
#include "sh_store.h"

#define S_PULL_MAX 1024             //  changes asked for per Pull
#define S_HELLO_FIRST_MS 500        //  first wait for a Welcome
#define S_HELLO_MAX_MS 8000         //  longest wait between Hellos
#define S_PING_IDLE_MS 5000         //  ping after this much silence
#define S_DEAD_MS 20000             //  no answer this long: the session is dead
#define S_WATCH_PULL_MS 3000        //  in --watch, ask for news this often
#define S_MAX_INFLIGHT 16
#define S_QUOTA_RETRY_MS 600000     //  --watch: push again this long after ERR_QUOTA
//  Batch sizes adapt to the link (AIMD): a ZeroMQ message is all or nothing,
//  so on a link that drops every few tens of KB a large batch never arrives.
//  They double after each success and shrink to a quarter when a session
//  ends with them unanswered.
#define S_PUSH_BYTES_FIRST (64 * 1024)
#define S_PUSH_BYTES_MIN (4 * 1024)
#define S_PULL_FIRST 256
#define S_PULL_MIN 8

typedef struct {
    uint64_t batch;                 //  batch number
    uint64_t last_seq;              //  last seq it carried
    uint64_t msg_no;                //  its number among the messages sent (node_session_t.msgs_sent)
    size_t bytes;                   //  its size as push_bytes counts it (changes and their overhead)
    size_t wire;                    //  its encoded size (compressed or not)
    int64_t sent_ms;                //  when it was sent
} s_inflight_t;

struct node_session_t {
    sh_replica_t *r;                //  the replica (borrowed)
    node_session_options_t opt;     //  watch, endpoint text, deadline, clock
    node_session_send_fn *send;     //  sends a message to the hub
    void *send_arg;                 //  its argument
    uint8_t me[SH_PUBKEY_BYTES];    //  this node's key
    bool connected;                 //  CURVE handshake done
    bool welcomed;                  //  session open
    bool ever_welcomed;             //  a session was opened at least once
    bool finished;                  //  caught up and not watching: the sync is done
    bool hub_full;                  //  --watch: the hub's store was full at the last Push (said once;
                                    //  the deadline waits); cleared by an Ack
    int64_t hello_at;               //  when the last Hello left
    int hello_wait;                 //  current wait for a Welcome (back-off)
    int64_t last_rx;                //  last message from the hub
    int64_t ping_at;                //  last Ping sent
    //  upload
    uint64_t my_head;               //  this node's chain head
    uint64_t hub_head;              //  the hub holds 1..hub_head
    uint64_t sent;                  //  pushed up to here (maybe unacknowledged)
    uint64_t next_batch;            //  next batch number
    uint64_t session_batch;         //  first batch number of this session: errors about older ones are stale
    s_inflight_t inflight[S_MAX_INFLIGHT];
    int n_inflight;
    uint32_t credit, max_changes, max_bytes;
    bool compress;                  //  the Welcome agreed on zstd: Pushes go compressed (13.22)
    size_t push_bytes;              //  current target size of a Push
    node_pace_t pace;               //  ... capped by the time a Push takes to cross a link that is cut
    uint32_t pull_max;              //  current Pull max
    int64_t last_progress;          //  last Ack or applied Batch (for the deadline)
    bool quota_stop;                //  the hub refused a Push over this node's quota (13.20):
                                    //  no more pushes; downloads go on, then exit 7
    bool quota_said;                //  the refusal was printed (once a run)
    int64_t quota_retry;            //  --watch: when to push again
    //  download
    uint64_t since;                 //  download cursor (meta hub.since)
    bool pulling;                   //  a Pull is outstanding
    bool down_done;                 //  the last Batch said done
    int64_t next_pull;              //  watch: when to ask again
    int handshake_failures;         //  consecutive failed CURVE handshakes
    bool forked;                    //  our chain forked from the hub's: only the evidence is pushed
    //  a node restored from an older backup fetches its own chain back (node_own)
    bool restoring;                 //  this session only fetches own changes (Pull.own_from)
    uint64_t own_target;            //  the Welcome's head_seq
    uint8_t own_hash[SH_HASH_BYTES];//  and head_hash
    node_proof_state_t prove;       //  receipts complete: proofs of changes without a receipt
    //  receipts (docs/protocol.md 13.16)
    const sh_hubid_t *hub;          //  the hub (--hub-key): verifies its checkpoints
    sh_receipts_head_t held;        //  newest checkpoint held: size (0: none) and root
    uint64_t hello_nonce;           //  nonce of the last Hello: only its Welcome counts
    uint64_t receipts;              //  batch receipts stored in this run
    //  figures
    uint64_t up, dup, down, bytes_out, bytes_in;
    //  lost answers: the hub answers every message, in order, so a Pong
    //  that arrives while an older Push or Pull is unanswered means that
    //  answer was lost (a full pipe at the hub)
    uint64_t msgs_sent;             //  messages sent so far
    uint64_t pull_msg_no;           //  the outstanding Pull's number
    uint64_t ping_nonce, ping_msg_no; //  the last Ping
    //  a hub that lost a tail of its log (node_recover.c)
    bool recovering;                //  this session's Welcome said the hub recovers
    bool offered;                   //  everything held was offered in this run
    bool offer_out;                 //  an Offer awaits its Taken
    bool offer_last_sent;           //  the last Offer has gone
    bool recover_said;              //  --watch: the wait was announced
    sh_leaves_item_t *offer;        //  what is offered, by leaf (owned)
    size_t offer_n, offer_at;       //  how many, how many sent
    char *offer_note;               //  the newest checkpoint held when beyond the hub's (owned)
    uint64_t offer_taken;           //  leaves the hub had not had
    uint64_t rec_size, rec_target;  //  the hub's log size and the largest checkpoint shown
    uint64_t rec_missing_from, rec_missing_to; //  a run of leaves no node has offered yet
    int64_t recover_retry;          //  --watch: when to ask again
    //  this node's witness (node_witness.c)
    int witness_state;              //  0 not asked, 1 Witness sent, 2 Cosigned sent, 3 done
    //  the witnesses this node requires (node_witness.c, docs/protocol.md 16.7)
    size_t trusted;                 //  how many (0: none required)
    char missing[512];              //  those whose cosignature the newest witnessed checkpoint lacks
    char all[512];                  //  all of them (what a checkpoint nobody cosigned yet lacks)
};

//  node_witness.c -- once caught up, a node that is a witness asks to
//  cosign the hub's newest checkpoint (docs/protocol.md 16).

//  Send the Witness when its turn has come; true while the witness's
//  conversation is not over (the sync is not finished yet).
bool node_witness_work (node_session_t *self);

//  ToCosign: judge it (sh_witness), keep the verdict, send Cosigned.
//  SH_EXIT_PROTOCOL after a split view (kept as evidence), SH_EXIT_STORE.
int node_witness_on_to_cosign (node_session_t *self, const sh_wire_msg_t *m);

//  CosignTaken: the conversation is over.
int node_witness_on_taken (node_session_t *self, const sh_wire_msg_t *m);

//  A Welcome (its checkpoint now held): when this node requires witnesses,
//  check the newest cosigned checkpoint it names (a prefix of the held one)
//  and record it as witnessed when it carries the quorum. SH_EXIT_PROTOCOL
//  for a witnessed checkpoint that is not the hub's or not a prefix.
int node_witness_welcome (node_session_t *self, const sh_wire_msg_t *m);

//  node_session_io.c

//  Send m now (false: not sent; counted in the figures when sent).
bool node_session_send (node_session_t *self, const sh_wire_msg_t *m);

//  The session ended: what was unanswered shrinks the sizes (13.10), and
//  nothing is in flight any more.
void node_session_lost (node_session_t *self);

//  End the session and say Hello (a new one).
void node_session_hello (node_session_t *self);

//  The session's monotonic clock in ms.
int64_t node_session_now (const node_session_t *self);

//  A random 64-bit number (nonces, jitter).
uint64_t node_session_random (void);

//  node_receipts.c -- every checkpoint the hub gives is verified with its
//  key, must extend the one held, and is stored with its proof.
//  Functions returning int return an exit code (sh_exit.h).

//  Hold checkpoint cp as the newest (its size and root).
void node_receipts_hold (node_session_t *self, const sh_note_checkpoint_t *cp);

//  Load the newest checkpoint held, verified with the hub's key.
int node_receipts_load (node_session_t *self);

//  Check a checkpoint the hub sent (signature, consistency with the one
//  held by proof) and store it in txn; *cp receives it.
int node_receipts_take (node_session_t *self, sh_store_txn_t *txn, const char *note,
                        uint8_t (*proof)[SH_HASH_BYTES], size_t n_proof, sh_note_checkpoint_t *cp);

//  A Welcome's checkpoint must extend the one held (stored unless the same).
int node_receipts_welcome (node_session_t *self, const sh_wire_msg_t *m);

//  An Ack's receipt: its checkpoint extends the last one, and the batch
//  whose last seq is last_seq is its last leaves.
int node_receipts_ack (node_session_t *self, const sh_wire_msg_t *m, uint64_t last_seq);

//  A Batch's checkpoint (if any) is checked and stored in txn and must
//  cover the Batch's next; *cp receives it (size 0: none carried).
int node_receipts_batch (node_session_t *self, sh_store_txn_t *txn, const sh_wire_msg_t *m,
                         sh_note_checkpoint_t *cp);

//  node_recover.c -- a hub recovering a lost tail, and new epochs.

//  Does the node hold a checkpoint beyond the Welcome's (the hub lost it)?
bool node_recover_beyond (const node_session_t *self, const sh_wire_msg_t *m);

//  A Welcome saying the hub recovers: the session opens for Offers only.
int node_recover_welcome (node_session_t *self, const sh_wire_msg_t *m);

//  Between two waits while the hub recovers: the next Offer, or (--watch)
//  a new Hello now and then.
int node_recover_work (node_session_t *self, int64_t now);

//  A Taken: the next Offer, or the end: the hub recovered (a new session)
//  or is still recovering (SH_EXIT_RETRY; --watch waits).
int node_recover_on_taken (node_session_t *self, const sh_wire_msg_t *m);

//  A Welcome's epoch note: a new epoch is adopted (*restart: a new
//  session was started, the Welcome is done with).
int node_recover_epoch (node_session_t *self, const sh_wire_msg_t *m, bool *restart);

//  Free what an offer holds.
void node_recover_fini (node_session_t *self);

#endif
