/*  node_pace_test -- Push sizes set by measured time (node/node_pace.c).

    Checked: a link never cut is not paced (the AIMD's size and the hub's
    credit stand); after cuts with Pushes out, the time the link stays up
    and the rate the hub acknowledges set the cap (1/16 of the up time at
    the measured rate, in raw bytes through the compression ratio), the
    floor and the AIMD's own size bound it, and the Pushes out are the two
    that keep the link busy plus one per Push time in a round trip; a cut
    with nothing out does not count.
*/
#include "sh_test.h"

#include "node_pace.h"

static void
test_not_paced (void)
{
    node_pace_t p = { 0 };
    SH_CHECK (node_pace_cap (&p, 65536, 4096) == 65536);
    SH_CHECK (node_pace_credit (&p, 4) == 4);
    //  measured, never cut
    node_pace_up (&p, 1000);
    node_pace_ack (&p, 1500, 1000, 40000, 80000);
    SH_CHECK (p.bytes_per_ms == 80 && p.raw_per_wire == 2);
    SH_CHECK (node_pace_cap (&p, 65536, 4096) == 65536 && node_pace_credit (&p, 4) == 4);
    //  a cut with nothing out costs nothing: still not paced
    node_pace_down (&p, 4000, false);
    SH_CHECK (p.stays_ms == 0 && node_pace_cap (&p, 65536, 4096) == 65536);
}

static void
test_paced (void)
{
    node_pace_t p = { 0 };
    node_pace_up (&p, 0);
    node_pace_rtt (&p, 20);
    //  Acks of 8,000-byte Pushes queued behind each other, 100 ms apart: 80 B/ms
    node_pace_ack (&p, 100, 0, 8000, 16000);           //  2 bytes of changes a wire byte
    node_pace_ack (&p, 200, 50, 8000, 16000);  //  sent before the previous Ack: timed from it
    SH_CHECK (p.bytes_per_ms == 80);
    node_pace_down (&p, 3200, true);             //  cut after 3.2 s with Pushes out
    SH_CHECK (p.stays_ms == 3200 && !p.up && p.ack_ms == 0);
    //  a Push crosses in 3200 / 16 = 200 ms: 16,000 bytes on the wire, 32,000 raw at 2:1
    SH_CHECK (node_pace_cap (&p, 1 << 20, 4096) == 32000);
    p.raw_per_wire = 0;
    SH_CHECK (node_pace_cap (&p, 1 << 20, 4096) == 16000);               //  ratio unknown: 1
    p.raw_per_wire = 2;
    SH_CHECK (node_pace_cap (&p, 20000, 4096) == 20000);                 //  the AIMD's is smaller
    SH_CHECK (node_pace_credit (&p, 4) == 2 && node_pace_credit (&p, 1) == 1);
    //  a long round trip: one more Push out per Push time in it
    node_pace_rtt (&p, 900);                     //  average 20 -> 240 ms
    SH_CHECK (p.rtt_ms == 240 && node_pace_credit (&p, 4) == 3 && node_pace_credit (&p, 16) == 3);
    //  a link cut often and slow: the floor
    node_pace_up (&p, 10000);
    node_pace_down (&p, 10160, true);            //  average 3200 -> 2440
    node_pace_ack (&p, 20000, 19990, 10, 10);    //  1 B/ms: average 80 -> 60.25; ratio 1
    SH_CHECK (p.stays_ms == 2440);
    SH_CHECK (node_pace_cap (&p, 1 << 20, 4096) == 9158);          //  60.25 x 152 ms
    p.bytes_per_ms = 1;
    SH_CHECK (node_pace_cap (&p, 1 << 20, 4096) == 4096);
    SH_CHECK (node_pace_cap (&p, 2048, 4096) == 2048);             //  never above want
}

static const sh_test_case_t tests[] = {
    { "not paced", test_not_paced },
    { "paced", test_paced },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
