/*  node_pace -- Push sizes set by measured time. See node_pace.h. */
#include "node_pace.h"

#include <assert.h>

//  Weight of a new sample in the averages.
#define S_NEW 0.25

//  The average of old (0: none yet) and a new sample.
static double
s_average (double old, double sample)
{
    return old > 0 ? (1 - S_NEW) * old + S_NEW * sample : sample;
}

void
node_pace_up (node_pace_t *self, int64_t now)
{
    assert (self);
    self->up = true;
    self->up_ms = now;
    self->ack_ms = 0;
}

void
node_pace_down (node_pace_t *self, int64_t now, bool pushing)
{
    assert (self);
    if (pushing && self->up && now > self->up_ms)
        self->stays_ms = (int64_t) s_average ((double) self->stays_ms, (double) (now - self->up_ms));
    self->up = false;
    self->ack_ms = 0;
}

void
node_pace_rtt (node_pace_t *self, int64_t ms)
{
    assert (self);
    if (ms > 0)
        self->rtt_ms = (int64_t) s_average ((double) self->rtt_ms, (double) ms);
}

void
node_pace_ack (node_pace_t *self, int64_t now, int64_t sent_ms, size_t wire, size_t raw)
{
    assert (self);
    if (wire > 0)
        self->raw_per_wire = (double) raw / (double) wire;
    int64_t from = self->ack_ms > sent_ms ? self->ack_ms : sent_ms;
    self->ack_ms = now;
    if (now > from && wire > 0)
        self->bytes_per_ms = s_average (self->bytes_per_ms, (double) wire / (double) (now - from));
}

//  The time a Push may take to cross (0: not paced).
static int64_t
s_push_ms (const node_pace_t *self)
{
    if (self->stays_ms <= 0 || self->bytes_per_ms <= 0)
        return 0;
    int64_t ms = self->stays_ms / NODE_PACE_SHARE;
    return ms > 0 ? ms : 1;
}

int
node_pace_credit (const node_pace_t *self, int credit)
{
    assert (self);
    int64_t push_ms = s_push_ms (self);
    if (push_ms == 0)
        return credit;
    int64_t most = 2 + self->rtt_ms / push_ms;
    return most < credit ? (int) most : credit;
}

size_t
node_pace_cap (const node_pace_t *self, size_t want, size_t floor)
{
    assert (self);
    int64_t push_ms = s_push_ms (self);
    if (push_ms == 0)
        return want;            //  never cut, or not measured: not paced
    double raw = self->bytes_per_ms * (double) push_ms * (self->raw_per_wire >= 1 ? self->raw_per_wire : 1);
    size_t cap = raw >= (double) want ? want : (size_t) raw;
    return cap < floor ? (floor < want ? floor : want) : cap;
}
