/*  hub_witness -- the hub answers its witnesses (docs/protocol.md 16): a
    Witness gets the newest checkpoint and a consistency proof (ToCosign),
    a Cosigned line is checked and kept with its checkpoint (CosignTaken).
    The storage and the checks are sh_cosigs'; this is the conversation.

    hub_handler calls hub_witness_answer in the sender's session and sends
    the reply it fills. The session remembers which witness asked
    (hub_witness_t): a Cosigned is taken only after a Witness of the same
    session, for that witness's key -- or, from a mirror (16.8), in the
    mirror's own session for the session's key, without a Witness.
*/
#ifndef HUB_WITNESS_H
#define HUB_WITNESS_H

#include <stdbool.h>
#include <stddef.h>

#include "sh_cosigs.h"
#include "sh_hubid.h"
#include "sh_store.h"
#include "sh_wire.h"

//  A session's witness: plain data kept in the session.
typedef struct {
    bool asked;                         //  a Witness was answered in this session
    uint8_t key[SH_PUBKEY_BYTES];       //  the witness it named
    uint8_t peer[SH_PUBKEY_BYTES];      //  the session's own key (set by the caller): a
                                        //  mirror cosigns under it
} hub_witness_t;

//  What the reply borrows until it is sent; fini it then.
typedef struct {
    sh_cosigs_offer_t offer;
} hub_witness_reply_t;

//  Fill reply for m (SH_WIRE_WITNESS or SH_WIRE_COSIGNED): ToCosign,
//  CosignTaken or an Error (code and message) and write one log line
//  for the operator into line (empty: nothing to log). keep holds what
//  reply borrows (fini with hub_witness_reply_fini after sending).
void hub_witness_answer (sh_store_t *store, const sh_hubid_t *hub, hub_witness_t *session,
                         const sh_wire_msg_t *m, sh_wire_msg_t *reply, hub_witness_reply_t *keep,
                         char *line, size_t line_len);

void hub_witness_reply_fini (hub_witness_reply_t *keep);

//  For a Welcome whose checkpoint has size cp_size: the newest checkpoint
//  the witnesses cosigned, below cp_size (heap, caller frees), and the RFC
//  9162 consistency proof from it to cp_size (proof: SH_WIRE_PROOF_MAX
//  hashes, *n of them). NULL when there is none, when it is that
//  checkpoint itself, or when the store cannot say (the Welcome goes
//  without it; the node waits for the next).
char *hub_witness_newest (sh_store_t *store, uint64_t cp_size, uint8_t (*proof)[SH_HASH_BYTES], size_t *n);

#endif
