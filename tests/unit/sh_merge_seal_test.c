/*  sh_merge_seal_test -- sealed personal fields in the merged state, on
    real LMDB stores (docs/protocol.md 7.10): a replica that holds a
    person's openings reads the name and phone back, one that does not
    reads the record without them, and both have the same state digest; a
    forged opening is refused and nothing is kept; an erasure mark removes
    the openings it covers on every replica, which keep equal digests; a
    replica that receives the erasure before the value never stores the
    value; a later write is not erased; a matter event's sealed note is
    held and erased with its event set; a seal of a field its kind does not
    hold personal is refused by merge.
*/
#define _GNU_SOURCE 1
#include "sh_test.h"

#include "sh_change.h"
#include "sh_merge.h"
#include "sh_seal.h"
#include "sh_sealed.h"
#include "sh_store.h"
#include "shouhe/v1/domain.pb-c.h"

#define S_YARD "500115108201001"
#define S_ID "person-0000001"

typedef struct {
    char *dir;
    sh_store_t *store;
} s_rep_t;

static void
s_rep (s_rep_t *r)
{
    r->dir = sh_test_tmpdir ();
    SH_PASS (sh_store_open (&r->store, r->dir, true, 0));
}

static void
s_rep_fini (s_rep_t *r)
{
    sh_store_close (&r->store);
    sh_test_rmdir (r->dir);
}

//  A change of kind/entity at hlc by author 0x11.., its body sealed (sp
//  filled; fini it).
static sh_change_t
s_sealed (sh_kind_t kind, const char *entity, sh_op_t op, uint64_t hlc, const uint8_t *body, size_t len,
          sh_seal_split_t *sp)
{
    SH_PASS (sh_seal_split (kind, body, len, sp));
    sh_change_t c = { .seq = 1, .hlc = hlc, .kind = kind, .op = op, .body = sp->body, .body_len = sp->body_len,
                      .n_seals = sp->n };
    memset (c.author, 0x11, SH_PUBKEY_BYTES);
    strcpy (c.region, S_YARD);
    c.entity = (const uint8_t *) entity;
    c.entity_len = strlen (entity);
    memcpy (c.seals, sp->seals, sizeof c.seals);
    SH_PASS (sh_change_validate (&c, NULL));
    return c;
}

//  Apply c (and its openings when given) in one transaction.
static void
s_apply (s_rep_t *r, const sh_change_t *c, const sh_seal_split_t *sp, size_t *kept)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (r->store, true, &txn));
    SH_PASS (sh_merge_apply (txn, c));
    if (sp)
        SH_PASS (sh_merge_openings (txn, c, sp->openings, sp->n, kept));
    SH_PASS (sh_store_commit (&txn));
}

static void
s_digest (s_rep_t *r, uint8_t d[SH_HASH_BYTES])
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (r->store, false, &txn));
    SH_PASS (sh_merge_digest (txn, "", d));
    sh_store_abort (&txn);
}

//  The merged person (caller frees with free_unpacked); NULL if not live.
static Shouhe__V1__Person *
s_person (s_rep_t *r)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (r->store, false, &txn));
    uint8_t *body;
    size_t len;
    sh_err rc = sh_merge_get (txn, S_YARD, SH_KIND_PERSON, (const uint8_t *) S_ID, strlen (S_ID), &body, &len, NULL);
    sh_store_abort (&txn);
    if (rc == SH_ENOTFOUND)
        return NULL;
    SH_PASS (rc);
    Shouhe__V1__Person *p = shouhe__v1__person__unpack (NULL, len, body);
    free (body);
    SH_CHECK (p);
    return p;
}

static size_t
s_pack_person (uint8_t *buf, const char *name, const char *phone)
{
    Shouhe__V1__Person p = SHOUHE__V1__PERSON__INIT;
    p.name = (char *) name;
    p.courtyard = (char *) S_YARD;
    p.phone = (char *) phone;
    return shouhe__v1__person__pack (&p, buf);
}

//  An erasure mark: a PUT whose body is field SH_MERGE_ERASE_FIELD (varint 1).
static sh_change_t
s_erasure (sh_kind_t kind, const char *entity, uint64_t hlc)
{
    static const uint8_t mark[] = { 0xf8, 0xff, 0xff, 0xff, 0x0f, 0x01 };
    sh_change_t c = { .seq = 2, .hlc = hlc, .kind = kind, .op = SH_OP_PUT, .body = mark, .body_len = sizeof mark };
    memset (c.author, 0x11, SH_PUBKEY_BYTES);
    memset (c.prev, 0x22, SH_HASH_BYTES);
    strcpy (c.region, S_YARD);
    c.entity = (const uint8_t *) entity;
    c.entity_len = strlen (entity);
    return c;
}

//  The sealed state sh_sealed_record gives for the test person on r.
static sh_sealed_t
s_state (s_rep_t *r)
{
    sh_store_txn_t *txn;
    sh_sealed_t st;
    SH_PASS (sh_store_begin (r->store, false, &txn));
    SH_PASS (sh_sealed_record (txn, S_YARD, SH_KIND_PERSON, (const uint8_t *) S_ID, strlen (S_ID), &st));
    sh_store_abort (&txn);
    return st;
}

static void
test_person (void)
{
    s_rep_t x, y, z;
    s_rep (&x);
    s_rep (&y);
    s_rep (&z);
    uint8_t body[256];
    size_t len = s_pack_person (body, "王秀英", "13800000001");
    sh_seal_split_t sp;
    sh_change_t c = s_sealed (SH_KIND_PERSON, S_ID, SH_OP_PUT, 10, body, len, &sp);
    size_t kept = 0;
    s_apply (&x, &c, &sp, &kept);
    SH_CHECK (kept == 2);
    s_apply (&y, &c, NULL, NULL);
    uint8_t dx[SH_HASH_BYTES], dy[SH_HASH_BYTES], dz[SH_HASH_BYTES];
    s_digest (&x, dx);
    s_digest (&y, dy);
    SH_CHECK (!memcmp (dx, dy, SH_HASH_BYTES));
    Shouhe__V1__Person *p = s_person (&x);
    SH_CHECK (!strcmp (p->name, "王秀英") && !strcmp (p->phone, "13800000001") && !strcmp (p->courtyard, S_YARD));
    shouhe__v1__person__free_unpacked (p, NULL);
    //  what a Push or a Batch would send beside the change: the held openings, which open its seals
    sh_seal_opening_t held[SH_SEALS_MAX];
    size_t nh = 9;
    sh_store_txn_t *rt;
    SH_PASS (sh_store_begin (x.store, false, &rt));
    SH_PASS (sh_merge_openings_of (rt, &c, held, &nh));
    SH_CHECK (nh == 2 && held[0].field == 1 && held[1].field == 6);
    for (size_t i = 0; i < nh; i++)
        SH_PASS (sh_seal_verify (&c.seals[i], &held[i]));
    sh_store_abort (&rt);
    SH_PASS (sh_store_begin (y.store, false, &rt));
    SH_PASS (sh_merge_openings_of (rt, &c, held, &nh));
    SH_CHECK (nh == 0);
    sh_store_abort (&rt);
    p = s_person (&y);
    SH_CHECK (p && !p->name && !p->phone && !strcmp (p->courtyard, S_YARD));
    shouhe__v1__person__free_unpacked (p, NULL);
    //  what a view says: x holds both values, y neither (not erased)
    sh_sealed_t st = s_state (&x);
    SH_CHECK (st.n_withheld == 0 && !st.erased);
    st = s_state (&y);
    SH_CHECK (st.n_withheld == 2 && st.withheld[0] == 1 && st.withheld[1] == 6 && !st.erased);

    //  a forged opening: refused, nothing kept
    sh_seal_opening_t forged = sp.openings[0];
    uint8_t v[64];
    memcpy (v, forged.value, forged.value_len);
    v[forged.value_len - 1] ^= 1;
    forged.value = v;
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (y.store, true, &txn));
    SH_FAIL (sh_merge_openings (txn, &c, &forged, 1, &kept), SH_ECRYPTO);
    sh_store_abort (&txn);
    p = s_person (&y);
    SH_CHECK (!p->name);
    shouhe__v1__person__free_unpacked (p, NULL);

    //  erasure: x drops the values, y had none, z gets the erasure first
    sh_change_t e = s_erasure (SH_KIND_PERSON, S_ID, 20);
    s_apply (&x, &e, NULL, NULL);
    s_apply (&y, &e, NULL, NULL);
    s_apply (&z, &e, NULL, NULL);
    kept = 9;
    s_apply (&z, &c, &sp, &kept);
    SH_CHECK (kept == 0);                       //  erased before it arrived: never stored
    s_digest (&x, dx);
    s_digest (&y, dy);
    s_digest (&z, dz);
    SH_CHECK (!memcmp (dx, dy, SH_HASH_BYTES) && !memcmp (dx, dz, SH_HASH_BYTES));
    for (s_rep_t *r = &x; r; r = r == &x ? &z : NULL) {
        p = s_person (r);
        SH_CHECK (p && !p->name && !p->phone && !strcmp (p->courtyard, S_YARD));
        shouhe__v1__person__free_unpacked (p, NULL);
        SH_PASS (sh_store_begin (r->store, false, &txn));
        sh_store_cursor_t *cur;
        SH_PASS (sh_store_cursor_open (txn, SH_DB_OPENINGS, NULL, 0, &cur));
        const uint8_t *k, *val;
        size_t kl, vl;
        SH_FAIL (sh_store_cursor_next (cur, &k, &kl, &val, &vl), SH_ENOTFOUND);
        sh_store_cursor_close (&cur);
        sh_store_abort (&txn);
    }
    st = s_state (&x);
    SH_CHECK (st.n_withheld == 2 && st.erased);
    sh_seal_split_fini (&sp);

    //  a later write is not erased
    len = s_pack_person (body, "王秀英", "13900000002");
    c = s_sealed (SH_KIND_PERSON, S_ID, SH_OP_PUT, 30, body, len, &sp);
    c.seq = 3;
    s_apply (&x, &c, &sp, &kept);
    SH_CHECK (kept == 2);
    p = s_person (&x);
    SH_CHECK (!strcmp (p->name, "王秀英") && !strcmp (p->phone, "13900000002"));
    shouhe__v1__person__free_unpacked (p, NULL);
    st = s_state (&x);
    SH_CHECK (st.n_withheld == 0 && !st.erased);
    sh_seal_split_fini (&sp);
    s_rep_fini (&x);
    s_rep_fini (&y);
    s_rep_fini (&z);
}

//  The one event of "matter-1" on r, opened by sh_sealed_event: its note
//  (NULL: withheld) and whether it counts as erased.
static void
s_event_shown (s_rep_t *r, const sh_change_t *c, const char *note, bool erased)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (r->store, false, &txn));
    sh_store_cursor_t *cur;
    SH_PASS (sh_store_cursor_open (txn, SH_DB_EVENTS, NULL, 0, &cur));
    const uint8_t *k, *v;
    size_t kl, vl;
    SH_PASS (sh_store_cursor_next (cur, &k, &kl, &v, &vl));
    uint8_t *body;
    size_t len;
    sh_sealed_t st;
    SH_PASS (sh_sealed_event (txn, S_YARD, SH_KIND_MATTER_EVENT, (const uint8_t *) "matter-1", 8, c->hlc, c->author,
                              v, vl, &body, &len, &st));
    sh_store_cursor_close (&cur);
    sh_store_abort (&txn);
    Shouhe__V1__MatterEvent *d = shouhe__v1__matter_event__unpack (NULL, len, body);
    SH_CHECK (d && !strcmp (d->date, "2025-03-01"));
    SH_CHECK (note ? d->note && !strcmp (d->note, note) : !d->note);
    SH_CHECK (st.n_withheld == (note ? 0u : 1u) && (!st.n_withheld || st.withheld[0] == 5) && st.erased == erased);
    shouhe__v1__matter_event__free_unpacked (d, NULL);
    free (body);
}

static void
test_event_note (void)
{
    s_rep_t x, y;
    s_rep (&x);
    s_rep (&y);
    Shouhe__V1__MatterEvent ev = SHOUHE__V1__MATTER_EVENT__INIT;
    ev.has_kind = 1;
    ev.kind = SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_NOTE;
    ev.note = (char *) "张家与李家的宅基地纠纷";
    ev.date = (char *) "2025-03-01";
    uint8_t body[256];
    size_t len = shouhe__v1__matter_event__pack (&ev, body);
    sh_seal_split_t sp;
    sh_change_t c = s_sealed (SH_KIND_MATTER_EVENT, "matter-1", SH_OP_EVENT, 10, body, len, &sp);
    SH_CHECK (sp.n == 1 && sp.seals[0].field == 5);
    size_t kept = 0;
    s_apply (&x, &c, &sp, &kept);
    s_apply (&y, &c, NULL, NULL);
    SH_CHECK (kept == 1);
    uint8_t dx[SH_HASH_BYTES], dy[SH_HASH_BYTES];
    s_digest (&x, dx);
    s_digest (&y, dy);
    SH_CHECK (!memcmp (dx, dy, SH_HASH_BYTES));
    //  the stored event still decodes as a MatterEvent (the seal is an unknown field)
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (x.store, false, &txn));
    sh_store_cursor_t *cur;
    SH_PASS (sh_store_cursor_open (txn, SH_DB_EVENTS, NULL, 0, &cur));
    const uint8_t *k, *v;
    size_t kl, vl;
    SH_PASS (sh_store_cursor_next (cur, &k, &kl, &v, &vl));
    Shouhe__V1__MatterEvent *d = shouhe__v1__matter_event__unpack (NULL, vl, v);
    SH_CHECK (d && !d->note && !strcmp (d->date, "2025-03-01"));
    shouhe__v1__matter_event__free_unpacked (d, NULL);
    sh_store_cursor_close (&cur);
    SH_PASS (sh_store_cursor_open (txn, SH_DB_OPENINGS, NULL, 0, &cur));
    SH_PASS (sh_store_cursor_next (cur, &k, &kl, &v, &vl));
    SH_CHECK (memmem (v, vl, "宅基地", strlen ("宅基地")) != NULL);
    sh_store_cursor_close (&cur);
    sh_store_abort (&txn);
    //  the event as a view shows it: opened on x, its note withheld on y
    s_event_shown (&x, &c, "张家与李家的宅基地纠纷", false);
    s_event_shown (&y, &c, NULL, false);
    //  erasing the matter's notes (a mark on its event set) removes the opening
    sh_change_t e = s_erasure (SH_KIND_MATTER_EVENT, "matter-1", 20);
    s_apply (&x, &e, NULL, NULL);
    s_apply (&y, &e, NULL, NULL);
    s_digest (&x, dx);
    s_digest (&y, dy);
    SH_CHECK (!memcmp (dx, dy, SH_HASH_BYTES));
    SH_PASS (sh_store_begin (x.store, false, &txn));
    SH_PASS (sh_store_cursor_open (txn, SH_DB_OPENINGS, NULL, 0, &cur));
    SH_FAIL (sh_store_cursor_next (cur, &k, &kl, &v, &vl), SH_ENOTFOUND);
    sh_store_cursor_close (&cur);
    sh_store_abort (&txn);
    s_event_shown (&x, &c, NULL, true);
    s_event_shown (&y, &c, NULL, true);
    sh_seal_split_fini (&sp);
    s_rep_fini (&x);
    s_rep_fini (&y);
}

//  A seal of a field its kind does not hold personal: merge refuses it.
static void
test_not_personal (void)
{
    s_rep_t x;
    s_rep (&x);
    uint8_t body[256];
    size_t len = s_pack_person (body, "王秀英", "13800000001");
    sh_seal_split_t sp;
    sh_change_t c = s_sealed (SH_KIND_PERSON, S_ID, SH_OP_PUT, 10, body, len, &sp);
    c.kind = SH_KIND_COURTYARD;
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (x.store, true, &txn));
    SH_FAIL (sh_merge_apply (txn, &c), SH_EPROTO);
    sh_store_abort (&txn);
    sh_seal_split_fini (&sp);
    s_rep_fini (&x);
}

static const sh_test_case_t s_tests[] = {
    { "person", test_person },
    { "event note", test_event_note },
    { "not personal", test_not_personal },
    { NULL, NULL }
};

SH_TEST_MAIN (s_tests)
