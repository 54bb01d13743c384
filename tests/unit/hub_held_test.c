/*  hub_held_test -- answers held for a mirror (serve --sync-mirror,
    docs/protocol.md 16.8): an Ack is sent once a mirror has cosigned its
    checkpoint size, in the order held, to its own peer, and never twice;
    every later answer to that peer waits behind it, so a peer's answers
    keep the order of its requests; one held past its time-out is replaced
    by its Error, and what waited behind it follows.
*/
#include "sh_test.h"

#include "hub_held.h"

typedef struct {
    char sent[32][32];
    size_t n;
} s_out_t;

static void
s_send (const uint8_t *rid, size_t rid_len, const uint8_t *buf, size_t len, void *arg)
{
    s_out_t *o = arg;
    SH_CHECK (o->n < 32);
    snprintf (o->sent[o->n++], sizeof o->sent[0], "%.*s:%.*s", (int) rid_len, (const char *) rid, (int) len,
              (const char *) buf);
}

static uint8_t *
s_dup (const char *text)
{
    uint8_t *b = (uint8_t *) strdup (text);
    SH_CHECK (b);
    return b;
}

static void
s_hold (hub_held_t *h, const char *rid, uint64_t size, const char *ack, int64_t now)
{
    char err[16];
    snprintf (err, sizeof err, "E%s", ack);
    SH_PASS (hub_held_add (h, (const uint8_t *) rid, strlen (rid), size, s_dup (ack), strlen (ack), s_dup (err),
                           strlen (err), now));
}

//  Hold a following answer for rid: true when held behind something.
static bool
s_follow (hub_held_t *h, const char *rid, const char *msg)
{
    uint8_t *b = s_dup (msg);
    bool held = hub_held_follow (h, (const uint8_t *) rid, strlen (rid), b, strlen (msg));
    if (!held)
        free (b);
    return held;
}

static void
test_release (void)
{
    hub_held_t *h = hub_held_new ();
    SH_CHECK (h);
    s_out_t o = { .n = 0 };
    SH_CHECK (!s_follow (h, "p1", "pong"));          //  nothing held: the caller sends it
    s_hold (h, "p1", 10, "a", 0);
    s_hold (h, "p2", 12, "b", 0);
    SH_CHECK (s_follow (h, "p1", "batch"));           //  behind p1's Ack
    s_hold (h, "p1", 11, "c", 0);
    SH_CHECK (s_follow (h, "p1", "pong"));
    s_hold (h, "p3", 20, "d", 0);
    SH_CHECK (hub_held_count (h) == 6);
    SH_CHECK (hub_held_release (h, 9, s_send, &o) == 0 && o.n == 0);
    SH_CHECK (hub_held_release (h, 10, s_send, &o) == 1 && o.n == 2);
    SH_CHECK (!strcmp (o.sent[0], "p1:a") && !strcmp (o.sent[1], "p1:batch"));
    SH_CHECK (hub_held_release (h, 12, s_send, &o) == 2 && o.n == 5);
    SH_CHECK (!strcmp (o.sent[2], "p2:b") && !strcmp (o.sent[3], "p1:c") && !strcmp (o.sent[4], "p1:pong"));
    SH_CHECK (hub_held_release (h, 12, s_send, &o) == 0 && o.n == 5 && hub_held_count (h) == 1);
    //  p3's Ack times out: its Error goes instead, then what waited behind it
    SH_CHECK (s_follow (h, "p3", "pong"));
    SH_CHECK (hub_held_expire (h, 15000, 15000, s_send, &o) == 0);
    s_hold (h, "p4", 21, "e", 40000);
    SH_CHECK (hub_held_expire (h, 15001, 15000, s_send, &o) == 1 && o.n == 7);
    SH_CHECK (!strcmp (o.sent[5], "p3:Ed") && !strcmp (o.sent[6], "p3:pong") && hub_held_count (h) == 1);
    SH_CHECK (hub_held_release (h, 100, s_send, &o) == 1 && !strcmp (o.sent[7], "p4:e"));
    SH_CHECK (!s_follow (h, "p4", "pong") && hub_held_count (h) == 0);
    s_hold (h, "p5", 30, "f", 0);
    SH_CHECK (s_follow (h, "p5", "pong"));
    hub_held_destroy (&h);                            //  frees what it still holds
    SH_CHECK (h == NULL);
    hub_held_destroy (&h);
}

//  The encoded Ack, or after the time-out an ERR_INTERNAL for its batch.
typedef struct {
    sh_wire_msg_t m;
    size_t n;
} s_got_t;

static void
s_decode (const uint8_t *rid, size_t rid_len, const uint8_t *buf, size_t len, void *arg)
{
    (void) rid;
    (void) rid_len;
    s_got_t *g = arg;
    SH_PASS (sh_wire_decode (&g->m, buf, len, SH_WIRE_MAX_BYTES, NULL));
    g->n++;
}

static void
test_ack_or_error (void)
{
    hub_held_t *h = hub_held_new ();
    SH_CHECK (h);
    sh_wire_msg_t a = { .type = SH_WIRE_ACK };
    a.u.ack.batch = 7;
    a.u.ack.head_seq = 40;
    a.u.ack.accepted = 3;
    SH_PASS (hub_held_ack (h, (const uint8_t *) "r", 1, 40, &a, "no mirror has cosigned this batch", 0));
    SH_PASS (hub_held_ack (h, (const uint8_t *) "r", 1, 43, &a, "no mirror has cosigned this batch", 0));
    s_got_t g = { .n = 0 };
    SH_CHECK (hub_held_release (h, 41, s_decode, &g) == 1 && g.n == 1);
    SH_CHECK (g.m.type == SH_WIRE_ACK && g.m.u.ack.batch == 7 && g.m.u.ack.head_seq == 40);
    sh_wire_msg_fini (&g.m);
    SH_CHECK (hub_held_expire (h, 20000, 15000, s_decode, &g) == 1 && g.n == 2);
    SH_CHECK (g.m.type == SH_WIRE_ERROR && g.m.u.error.code == SH_WIRE_ERR_INTERNAL && g.m.u.error.has_batch
              && g.m.u.error.batch == 7 && !strcmp (g.m.u.error.message, "no mirror has cosigned this batch"));
    sh_wire_msg_fini (&g.m);
    SH_CHECK (hub_held_count (h) == 0);
    hub_held_destroy (&h);
}

static const sh_test_case_t s_tests[] = {
    { "release", test_release },
    { "ack or error", test_ack_or_error },
    { NULL, NULL }
};

SH_TEST_MAIN (s_tests)
