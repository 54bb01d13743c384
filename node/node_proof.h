/*  node_proof -- the node's side of Prove and Proof (docs/protocol.md
    13.5 and 13.18, "receipts complete"): which of this node's
    acknowledged changes no batch receipt covers yet, and checking and
    storing the runs a Proof brings as batch receipts (sh_receipts).

    node_session decides when to ask (after an accepted Welcome, for the
    seqs up to min(Welcome.head_seq, its head), one Prove outstanding at a
    time) and calls these. Functions return exit codes (sh_exit.h) and
    print what went wrong on stderr ("shouhe-node: ..."), as node_session.

    Ownership: everything is borrowed for the call. Threading: the
    session's thread.
*/
#ifndef NODE_PROOF_H
#define NODE_PROOF_H

#include <stdbool.h>
#include <stdint.h>

#include "sh_hubid.h"
#include "sh_replica.h"
#include "sh_wire.h"

//  Where the proving stands (embedded in the session by value).
typedef struct {
    uint64_t from, upto;                //  this node's seqs still to look at (none left when from > upto)
    bool outstanding;                   //  a Prove is outstanding
    uint64_t first;                     //  its first seq
    uint32_t count;                     //  and count
    uint64_t msg_no;                    //  its number among the messages the session sent
} node_proof_state_t;

//  Start over after a Welcome: look at seqs 1 .. upto, nothing outstanding.
void node_proof_reset (node_proof_state_t *p, uint64_t upto);

//  Nothing left to ask and nothing outstanding?
bool node_proof_done (const node_proof_state_t *p);

//  The next Prove to send, when none is outstanding: the first run of
//  seqs from p->from to p->upto that no batch receipt covers, at most
//  SH_WIRE_PROVE_MAX long, in *m (type SH_WIRE_PROVE), or m->type
//  SH_WIRE_NONE when every one is covered (p->from then passes p->upto).
//  SH_EXIT_OK, or SH_EXIT_STORE when the store cannot be read.
int node_proof_ask (node_proof_state_t *p, sh_replica_t *r, sh_wire_msg_t *m);

//  The Prove node_proof_ask gave last was sent as message number msg_no:
//  it is outstanding.
void node_proof_sent (node_proof_state_t *p, uint64_t msg_no);

//  Take a Proof m answering the outstanding Prove {first, count}: its runs
//  must start at first, follow each other in seq and stay within the seqs
//  asked; its checkpoint_size must be a checkpoint this node holds
//  (sh_receipts); each run with this node's changes must give that
//  checkpoint's root (sh_receipts_check_batch). All runs are stored as
//  batch receipts in one write transaction, and the proving goes on after
//  the last seq proven. *stored: runs stored. SH_EXIT_OK; SH_EXIT_PROTOCOL
//  (a Proof that proves nothing or does not verify: the message names the
//  seqs); SH_EXIT_STORE.
int node_proof_take (node_proof_state_t *p, sh_replica_t *r, const sh_hubid_t *hub, const sh_wire_msg_t *m,
                     uint64_t *stored);

#endif
