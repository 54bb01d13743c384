/*  hub_held -- answers held back until a mirror cosigned them. */
#include "hub_held.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_RID_MAX 255

typedef struct {
    uint8_t rid[S_RID_MAX];
    size_t rid_len;
    bool ack;                   //  an Ack (else an answer held behind one)
    uint64_t size;              //  an Ack: the checkpoint size it carries
    uint8_t *buf;               //  the encoded message (owned)
    size_t len;
    uint8_t *err;               //  an Ack: the Error sent instead after the time-out (owned)
    size_t err_len;
    int64_t since_ms;           //  when it was held
} s_msg_t;

struct hub_held_t {
    s_msg_t *msgs;              //  in the order held
    size_t n, cap;
};

hub_held_t *
hub_held_new (void)
{
    return calloc (1, sizeof (hub_held_t));
}

static void
s_free (s_msg_t *m)
{
    free (m->buf);
    free (m->err);
}

void
hub_held_destroy (hub_held_t **self_p)
{
    assert (self_p);
    hub_held_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->n; i++)
        s_free (&self->msgs[i]);
    free (self->msgs);
    free (self);
    *self_p = NULL;
}

//  Append a message (taking buf and err); false when out of memory.
static bool
s_push (hub_held_t *self, const s_msg_t *m)
{
    if (self->n == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 16;
        s_msg_t *nm = realloc (self->msgs, cap * sizeof *nm);
        if (!nm)
            return false;
        self->msgs = nm;
        self->cap = cap;
    }
    self->msgs[self->n++] = *m;
    return true;
}

sh_err
hub_held_add (hub_held_t *self, const uint8_t *rid, size_t rid_len, uint64_t size, uint8_t *ack, size_t ack_len,
              uint8_t *err, size_t err_len, int64_t now_ms)
{
    assert (self && rid && rid_len > 0 && rid_len <= S_RID_MAX && ack && err);
    s_msg_t m = { .rid_len = rid_len, .ack = true, .size = size, .buf = ack, .len = ack_len, .err = err,
                  .err_len = err_len, .since_ms = now_ms };
    memcpy (m.rid, rid, rid_len);
    if (s_push (self, &m))
        return SH_OK;
    s_free (&m);
    return SH_ENOMEM;
}

sh_err
hub_held_ack (hub_held_t *self, const uint8_t *rid, size_t rid_len, uint64_t size, const sh_wire_msg_t *a,
              const char *why, int64_t now_ms)
{
    assert (a && a->type == SH_WIRE_ACK && why);
    sh_wire_msg_t e = { .type = SH_WIRE_ERROR };
    e.u.error.code = SH_WIRE_ERR_INTERNAL;
    e.u.error.has_batch = true;
    e.u.error.batch = a->u.ack.batch;
    snprintf (e.u.error.message, sizeof e.u.error.message, "%s", why);
    uint8_t *buf = NULL, *err = NULL;
    size_t len = 0, err_len = 0;
    sh_err rc = sh_wire_encode (a, &buf, &len);
    if (rc == SH_OK)
        rc = sh_wire_encode (&e, &err, &err_len);
    if (rc) {
        free (buf);
        return rc;
    }
    return hub_held_add (self, rid, rid_len, size, buf, len, err, err_len, now_ms);
}

static bool
s_same (const s_msg_t *m, const uint8_t *rid, size_t rid_len)
{
    return m->rid_len == rid_len && memcmp (m->rid, rid, rid_len) == 0;
}

bool
hub_held_follow (hub_held_t *self, const uint8_t *rid, size_t rid_len, uint8_t *buf, size_t len)
{
    assert (self && rid && rid_len > 0 && rid_len <= S_RID_MAX && buf);
    bool held = false;
    for (size_t i = 0; i < self->n && !held; i++)
        held = s_same (&self->msgs[i], rid, rid_len);
    if (!held)
        return false;
    s_msg_t m = { .rid_len = rid_len, .buf = buf, .len = len };
    memcpy (m.rid, rid, rid_len);
    if (!s_push (self, &m))
        free (buf);
    return true;
}

//  Send what may go: an Ack covered by mirrored (or, with expire, one held
//  before before_ms: its Error), and any message with nothing of its peer
//  still held before it. Keeps the rest in order; returns the Acks that
//  went.
static size_t
s_sift (hub_held_t *self, uint64_t mirrored, bool expire, int64_t before_ms, hub_held_send_fn *send, void *arg)
{
    size_t kept = 0, acks = 0;
    for (size_t i = 0; i < self->n; i++) {
        s_msg_t *m = &self->msgs[i];
        bool behind = false;            //  an earlier message of the same peer is still held
        for (size_t j = 0; j < kept && !behind; j++)
            behind = s_same (&self->msgs[j], m->rid, m->rid_len);
        bool go = !behind && (!m->ack || m->size <= mirrored || (expire && m->since_ms < before_ms));
        if (go) {
            bool late = m->ack && m->size > mirrored;
            if (late)
                send (m->rid, m->rid_len, m->err, m->err_len, arg);
            else
                send (m->rid, m->rid_len, m->buf, m->len, arg);
            acks += m->ack;
            s_free (m);
        }
        else
            self->msgs[kept++] = *m;
    }
    self->n = kept;
    return acks;
}

size_t
hub_held_release (hub_held_t *self, uint64_t mirrored, hub_held_send_fn *send, void *arg)
{
    assert (self && send);
    return s_sift (self, mirrored, false, 0, send, arg);
}

size_t
hub_held_expire (hub_held_t *self, int64_t now_ms, int64_t max_ms, hub_held_send_fn *send, void *arg)
{
    assert (self && send);
    return s_sift (self, 0, true, now_ms - max_ms, send, arg);
}

size_t
hub_held_count (const hub_held_t *self)
{
    return self ? self->n : 0;
}
