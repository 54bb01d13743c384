/*  faults_util -- helpers shared by the fault-point tests; see faults_util.h.
*/
#include "faults_util.h"

#include "sh_test.h"

#include "sh_change.h"
#include "sh_changelog.h"
#include "sh_registry.h"

#include <inttypes.h>
#include <sys/stat.h>

/* --------------------------------------------------------------------------
 * Byte strings, paths
 * -------------------------------------------------------------------------- */

void
fu_list_add (fu_list_t *l, const uint8_t *data, size_t len)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->v = realloc (l->v, l->cap * sizeof *l->v);
        SH_CHECK (l->v);
    }
    uint8_t *copy = malloc (len ? len : 1);
    SH_CHECK (copy);
    memcpy (copy, data, len);
    l->v[l->n++] = (sh_wire_bytes_t) { copy, len };
}

void
fu_list_fini (fu_list_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free ((void *) l->v[i].data);
    free (l->v);
    memset (l, 0, sizeof *l);
}

//  base/name in a new string (caller frees).
char *
fu_path (const char *base, const char *name)
{
    size_t len = strlen (base) + strlen (name) + 2;
    char *p = malloc (len);
    SH_CHECK (p);
    snprintf (p, len, "%s/%s", base, name);
    return p;
}

bool
fu_same_mem (const void *a, size_t al, const void *b, size_t bl)
{
    return al == bl && (al == 0 || memcmp (a, b, al) == 0);
}

/* --------------------------------------------------------------------------
 * Writers: real replicas writing courtyards, their SignedChanges kept
 * -------------------------------------------------------------------------- */

static size_t
s_pb_varint (uint8_t *out, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t) (v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t) v;
    return n;
}

static size_t
s_pb_string (uint8_t *out, uint32_t field, const char *s)
{
    size_t n = s_pb_varint (out, (uint64_t) field << 3 | 2);
    n += s_pb_varint (out + n, strlen (s));
    memcpy (out + n, s, strlen (s));
    return n + strlen (s);
}

//  A Courtyard body (domain.proto): code, name, households.
static size_t
s_courtyard_body (uint8_t out[256], const char *code, const char *name, uint32_t households)
{
    size_t n = s_pb_string (out, 1, code);
    n += s_pb_string (out + n, 2, name);
    n += s_pb_varint (out + n, 4 << 3 | 0);
    n += s_pb_varint (out + n, households);
    return n;
}

void
fu_writer_new (fu_writer_t *w, const char *base, const char *name, const char *scope)
{
    memset (w, 0, sizeof *w);
    w->dir = fu_path (base, name);
    w->tag = name;
    SH_PASS (sh_replica_create (&w->r, w->dir, scope));
}

void
fu_writer_fini (fu_writer_t *w)
{
    sh_replica_close (&w->r);
    fu_list_fini (&w->log);
    free (w->dir);
}

const uint8_t *
fu_writer_key (const fu_writer_t *w)
{
    return sh_replica_author (w->r);
}

//  Write n courtyards under village (12 digits: region village + 001..005)
//  in one transaction and keep the new SignedChanges. Record ids repeat
//  (cy-0 .. cy-6), so later changes and other writers' overwrite fields.
void
fu_writer_write (fu_writer_t *w, const char *village, int n)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_replica_begin (w->r, &txn));
    for (int i = 0; i < n; i++) {
        uint64_t k = w->log.n + (uint64_t) i;
        char region[SH_REGION_MAX + 1], id[SH_REGION_MAX + 1], name[48];
        snprintf (region, sizeof region, "%s%03d", village, (int) (k % 7) + 1);
        snprintf (id, sizeof id, "%s", region);
        snprintf (name, sizeof name, "%s yard %" PRIu64, w->tag, k);
        uint8_t body[256];
        size_t blen = s_courtyard_body (body, region, name, (uint32_t) (10 + k));
        SH_PASS (sh_replica_write (w->r, txn, region, SH_KIND_COURTYARD, (const uint8_t *) id, strlen (id),
                                   SH_OP_PUT, body, blen, NULL));
    }
    SH_PASS (sh_store_commit (&txn));
    SH_PASS (sh_store_begin (sh_replica_store (w->r), false, &txn));
    for (int i = 0; i < n; i++) {
        uint64_t seq = w->log.n + 1, index;
        const uint8_t *bytes;
        size_t len;
        SH_PASS (sh_changelog_find (txn, fu_writer_key (w), seq, &index, NULL));
        SH_PASS (sh_changelog_get (txn, index, &bytes, &len));
        fu_list_add (&w->log, bytes, len);
    }
    sh_store_abort (&txn);
}

/* --------------------------------------------------------------------------
 * Hubs: a store with meta role "hub" and enrolled keys, as `shouhe-hub
 * init` and `enroll` leave it
 * -------------------------------------------------------------------------- */

sh_store_t *
fu_hub_new (const char *dir)
{
    SH_CHECK (mkdir (dir, 0700) == 0);
    sh_store_t *store;
    SH_PASS (sh_store_open (&store, dir, true, 0));
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (store, true, &txn));
    SH_PASS (sh_store_meta_put_str (txn, "role", "hub"));
    SH_PASS (sh_store_commit (&txn));
    return store;
}

void
fu_hub_enroll (sh_store_t *hub, const uint8_t key[SH_PUBKEY_BYTES], const char *scope)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (hub, true, &txn));
    SH_PASS (sh_registry_enroll (txn, key, scope, SH_WIRE_ROLE_NODE, NULL, S_ENROLLED_MS));
    SH_PASS (sh_store_commit (&txn));
}

//  Push the writer's seq from..to as its session would; returns the result
//  code of the call (the caller checks res).
sh_err
fu_hub_push (sh_store_t *hub, const fu_writer_t *w, uint64_t from, uint64_t to, sh_hublog_result_t *res)
{
    SH_CHECK (from >= 1 && to <= w->log.n && from <= to);
    sh_registry_entry_t e;
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (hub, false, &txn));
    SH_PASS (sh_registry_get (txn, fu_writer_key (w), &e));
    sh_store_abort (&txn);
    return sh_hublog_push (hub, &e, &w->log.v[from - 1], (size_t) (to - from + 1), 2, res);
}

void
fu_hub_push_ok (sh_store_t *hub, const fu_writer_t *w, uint64_t from, uint64_t to)
{
    sh_hublog_result_t res;
    SH_PASS (fu_hub_push (hub, w, from, to, &res));
    if (res.code)
        fprintf (stderr, "push refused: %s\n", res.message);
    SH_CHECK (res.code == 0 && res.accepted == to - from + 1);
}
