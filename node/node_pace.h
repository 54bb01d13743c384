/*  node_pace -- Push sizes set by measured time on a link that is cut.

    A ZeroMQ message is all or nothing: when a link is cut, the Push that
    was crossing it is lost whole and sent again, so on a link cut every C
    seconds a Push that takes P seconds to cross loses about P / 2 of every
    C. The AIMD of node_session (doubling after each Ack, a quarter after a
    lost session) does not know P; this measures it. Two figures, both
    from the session's own events:
    - how long the link stays up before a cut takes Pushes with it (an
      average, 0 until the first such cut: a link never cut is not paced);
    - the rate at which the hub acknowledges Push bytes while Pushes are
      queued behind each other (bytes of the Push over the time since the
      later of the previous Ack and its sending).
    The cap: a Push takes at most 1/16 of the time the link stays up, never
    below a floor (the number of changes and the hub's limits cap it as
    before), and no more Pushes are out than keep the link busy over a
    round trip (Hello to Welcome): a cut then costs about two Pushes'
    time, an eighth of the link's up time, instead of the whole window.

    Plain data, one per session (node_session_t), no allocation.
*/
#ifndef NODE_PACE_H
#define NODE_PACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NODE_PACE_SHARE 16          //  a Push crosses in at most 1/16 of the time the link stays up

typedef struct {
    bool up;                        //  the link is up ...
    int64_t up_ms;                  //  ... since then
    int64_t stays_ms;               //  how long it stays up before a cut with Pushes out (0: unknown)
    double bytes_per_ms;            //  Push bytes on the wire acknowledged per ms (0: unknown)
    int64_t ack_ms;                 //  the last Ack (0: none since the link came up)
    int64_t rtt_ms;                 //  Hello to Welcome, on average (0: unknown)
    double raw_per_wire;            //  bytes of changes per byte on the wire, last Push (0: unknown)
} node_pace_t;

//  The link came up at now.
void node_pace_up (node_pace_t *self, int64_t now);

//  The link went down at now; pushing: Pushes were unanswered (a cut
//  that cost something: it counts in how long the link stays up).
void node_pace_down (node_pace_t *self, int64_t now, bool pushing);

//  A Welcome came ms after its Hello.
void node_pace_rtt (node_pace_t *self, int64_t ms);

//  An Ack came at now for a Push sent at sent_ms: wire bytes encoded, raw
//  in the bytes node_session counts (changes and their overhead).
void node_pace_ack (node_pace_t *self, int64_t now, int64_t sent_ms, size_t wire, size_t raw);

//  The largest Push (in the bytes node_session counts) worth sending now,
//  given want (the AIMD's): the wire bytes a Push may take, times what a
//  wire byte carried in the last Push (1 when unknown); at least floor, at
//  most want.
size_t node_pace_cap (const node_pace_t *self, size_t want, size_t floor);

//  How many Pushes may be out at once, given the hub's credit: on a paced
//  link two (one crossing, the next queued behind it) and one more per
//  Push time in a round trip, so that the link never waits for an Ack;
//  whatever else is queued would only be lost at a cut.
int node_pace_credit (const node_pace_t *self, int credit);

#endif
