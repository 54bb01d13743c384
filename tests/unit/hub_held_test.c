/*  hub_held_test -- Acks held for a mirror (serve --sync-mirror,
    docs/protocol.md 16.8): each is sent once a mirror has cosigned its
    checkpoint size, in the order held, to its own peer, and never twice;
    one held past its time-out is dropped unsent.
*/
#include "sh_test.h"

#include "hub_held.h"

typedef struct {
    char sent[16][32];
    size_t n;
} s_out_t;

static void
s_send (const uint8_t *rid, size_t rid_len, const uint8_t *buf, size_t len, void *arg)
{
    s_out_t *o = arg;
    SH_CHECK (o->n < 16);
    snprintf (o->sent[o->n++], sizeof o->sent[0], "%.*s:%.*s", (int) rid_len, (const char *) rid, (int) len,
              (const char *) buf);
}

static void
s_hold (hub_held_t *h, const char *rid, uint64_t size, const char *ack, int64_t now)
{
    uint8_t *buf = (uint8_t *) strdup (ack);
    SH_CHECK (buf);
    SH_PASS (hub_held_add (h, (const uint8_t *) rid, strlen (rid), size, buf, strlen (ack), now));
}

static void
test_release (void)
{
    hub_held_t *h = hub_held_new ();
    SH_CHECK (h);
    s_out_t o = { .n = 0 };
    s_hold (h, "p1", 10, "a", 0);
    s_hold (h, "p2", 12, "b", 0);
    s_hold (h, "p1", 11, "c", 0);
    s_hold (h, "p3", 20, "d", 0);
    SH_CHECK (hub_held_count (h) == 4);
    SH_CHECK (hub_held_release (h, 9, s_send, &o) == 0 && o.n == 0);
    SH_CHECK (hub_held_release (h, 12, s_send, &o) == 3 && o.n == 3);
    SH_CHECK (!strcmp (o.sent[0], "p1:a") && !strcmp (o.sent[1], "p2:b") && !strcmp (o.sent[2], "p1:c"));
    SH_CHECK (hub_held_release (h, 12, s_send, &o) == 0 && o.n == 3 && hub_held_count (h) == 1);
    SH_CHECK (hub_held_expire (h, 29999, 30000) == 0);
    s_hold (h, "p4", 21, "e", 40000);
    SH_CHECK (hub_held_expire (h, 30001, 30000) == 1 && hub_held_count (h) == 1);
    SH_CHECK (hub_held_release (h, 100, s_send, &o) == 1 && !strcmp (o.sent[3], "p4:e"));
    s_hold (h, "p5", 30, "f", 0);
    hub_held_destroy (&h);                       //  frees what it still holds
    SH_CHECK (h == NULL);
    hub_held_destroy (&h);
}

static const sh_test_case_t s_tests[] = {
    { "release", test_release },
    { NULL, NULL }
};

SH_TEST_MAIN (s_tests)
