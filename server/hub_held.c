/*  hub_held -- Acks held back until a mirror cosigned them. */
#include "hub_held.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define S_RID_MAX 255

typedef struct {
    uint8_t rid[S_RID_MAX];
    size_t rid_len;
    uint64_t size;              //  the checkpoint size the Ack carries
    uint8_t *buf;               //  the encoded Ack (owned)
    size_t len;
    int64_t since_ms;           //  when it was held
} s_ack_t;

struct hub_held_t {
    s_ack_t *acks;              //  in the order held
    size_t n, cap;
};

hub_held_t *
hub_held_new (void)
{
    return calloc (1, sizeof (hub_held_t));
}

void
hub_held_destroy (hub_held_t **self_p)
{
    assert (self_p);
    hub_held_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->n; i++)
        free (self->acks[i].buf);
    free (self->acks);
    free (self);
    *self_p = NULL;
}

sh_err
hub_held_add (hub_held_t *self, const uint8_t *rid, size_t rid_len, uint64_t size, uint8_t *buf, size_t len,
              int64_t now_ms)
{
    assert (self && rid && rid_len > 0 && rid_len <= S_RID_MAX && buf);
    if (self->n == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 16;
        s_ack_t *na = realloc (self->acks, cap * sizeof *na);
        if (!na) {
            free (buf);
            return SH_ENOMEM;
        }
        self->acks = na;
        self->cap = cap;
    }
    s_ack_t *a = &self->acks[self->n++];
    memcpy (a->rid, rid, rid_len);
    a->rid_len = rid_len;
    a->size = size;
    a->buf = buf;
    a->len = len;
    a->since_ms = now_ms;
    return SH_OK;
}

//  Send (reply given: those covered by mirrored) or drop (no reply: those
//  held before before_ms) Acks, keeping the others in order; how many went.
static size_t
s_sift (hub_held_t *self, uint64_t mirrored, int64_t before_ms, hub_held_send_fn *reply, void *arg)
{
    size_t kept = 0, gone = 0;
    for (size_t i = 0; i < self->n; i++) {
        s_ack_t *a = &self->acks[i];
        bool send = reply && a->size <= mirrored;
        bool drop = !reply && a->since_ms < before_ms;
        if (send)
            reply (a->rid, a->rid_len, a->buf, a->len, arg);
        if (send || drop) {
            free (a->buf);
            gone++;
        }
        else
            self->acks[kept++] = *a;
    }
    self->n = kept;
    return gone;
}

size_t
hub_held_release (hub_held_t *self, uint64_t mirrored, hub_held_send_fn *reply, void *arg)
{
    assert (self && reply);
    return s_sift (self, mirrored, 0, reply, arg);
}

size_t
hub_held_expire (hub_held_t *self, int64_t now_ms, int64_t max_ms)
{
    assert (self);
    return s_sift (self, 0, now_ms - max_ms, NULL, NULL);
}

size_t
hub_held_count (const hub_held_t *self)
{
    return self ? self->n : 0;
}
