/*  node_session_io -- what every part of the node's sync state machine
    sends with (node_session_int.h): the clock, a message out, the end of a
    session and a new Hello. Apart from node_session.c so that the parts
    that act on the session's behalf (node_recover.c) call down to it, not
    back into the protocol's decisions.
*/
#include <string.h>

#include "node_session_int.h"
#include "sh_crypto.h"
#include "sh_sys.h"
#include "sh_zwire.h"

uint64_t
node_session_random (void)
{
    uint64_t v;
    sh_crypto_random ((uint8_t *) &v, sizeof v);
    return v;
}

//  ---------------------------------------------------------------------
//  Sending

int64_t
node_session_now (const node_session_t *self)
{
    return self->opt.clock ? self->opt.clock (self->opt.clock_arg) : sh_sys_mono_ms ();
}

bool
node_session_send (node_session_t *self, const sh_wire_msg_t *m)
{
    //  no connection: the owner's send fails rather than queue (node_sync:
    //  ZMQ_IMMEDIATE); the fault point (tests) drops it as a link would
    size_t len;
    if (!self->send (m, &len, self->send_arg))
        return false;
    self->bytes_out += len;
    self->msgs_sent++;
    return true;
}

//  The session ended: whatever was unanswered was too big for the link.
void
node_session_lost (node_session_t *self)
{
    if (self->n_inflight > 0) {
        self->push_bytes /= 4;
        if (self->push_bytes < S_PUSH_BYTES_MIN)
            self->push_bytes = S_PUSH_BYTES_MIN;
    }
    if (self->pulling) {
        self->pull_max /= 4;
        if (self->pull_max < S_PULL_MIN)
            self->pull_max = S_PULL_MIN;
    }
    self->n_inflight = 0;
    self->pulling = false;
    self->prove.outstanding = false;
    self->welcomed = false;
}

void
node_session_hello (node_session_t *self)
{
    sh_wire_msg_t m = { .type = SH_WIRE_HELLO };
    memcpy (m.u.hello.node, self->me, SH_PUBKEY_BYTES);
    m.u.hello.since = self->since;
    m.u.hello.checkpoint_size = self->held.size;
    self->hello_nonce = node_session_random () | 1;
    m.u.hello.nonce = self->hello_nonce;
    m.u.hello.compress = self->opt.plain ? 0 : SH_ZWIRE_ZSTD;
    node_session_lost (self);
    self->session_batch = self->next_batch;
    self->hello_at = node_session_now (self);
    node_session_send (self, &m);
}

