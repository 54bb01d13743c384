/*  sh_test_hub -- village replicas that write courtyards and push them to a
    hub store, signed as serve signs (sh_hublog_push_signed), for unit
    tests of what a hub holds (recovery, mirrors). Include after sh_test.h.
*/
#ifndef SH_TEST_HUB_H
#define SH_TEST_HUB_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_changelog.h"
#include "sh_hubid.h"
#include "sh_hublog.h"
#include "sh_registry.h"
#include "sh_replica.h"
#include "sh_store.h"
#include "sh_sys.h"

typedef struct {
    char *dir;
    sh_replica_t *r;
    uint64_t written;
} sh_test_node_t;

static inline void
sh_test_node_new (sh_test_node_t *nd, const char *scope)
{
    char *base = sh_test_tmpdir ();
    size_t len = strlen (base) + 8;
    nd->dir = malloc (len);
    SH_CHECK (nd->dir);
    snprintf (nd->dir, len, "%s/node", base);
    free (base);
    nd->written = 0;
    SH_PASS (sh_replica_create (&nd->r, nd->dir, scope));
}

static inline void
sh_test_node_fini (sh_test_node_t *nd)
{
    sh_replica_close (&nd->r);
    *strrchr (nd->dir, '/') = '\0';
    sh_test_rmdir (nd->dir);
}

//  Write n courtyards (a Courtyard body: field 2, the name).
static inline void
sh_test_node_write (sh_test_node_t *nd, const char *village, int n)
{
    sh_store_txn_t *txn;
    SH_PASS (sh_replica_begin (nd->r, &txn));
    for (int i = 0; i < n; i++) {
        char region[SH_REGION_MAX + 1], id[SH_REGION_MAX + 1];
        uint64_t k = nd->written++;
        snprintf (region, sizeof region, "%s%03d", village, (int) (k % 3) + 1);
        snprintf (id, sizeof id, "%s", region);
        uint8_t body[64];
        body[0] = 0x12;
        int len = snprintf ((char *) body + 2, sizeof body - 2, "yard %" PRIu64, k);
        body[1] = (uint8_t) len;
        uint64_t seq;
        SH_PASS (sh_replica_write (nd->r, txn, region, SH_KIND_COURTYARD, (const uint8_t *) id, strlen (id),
                                   SH_OP_PUT, body, (size_t) len + 2, &seq));
    }
    SH_PASS (sh_store_commit (&txn));
}

//  Push the node's changes from..to to the hub (signed, as serve does).
static inline void
sh_test_hub_push (sh_store_t *hub, const sh_hubid_t *id, sh_test_node_t *nd, uint64_t from, uint64_t to)
{
    sh_wire_bytes_t v[64];
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (sh_replica_store (nd->r), false, &txn));
    size_t n = 0;
    for (uint64_t s = from; s <= to; s++, n++) {
        uint64_t index;
        SH_PASS (sh_changelog_find (txn, sh_replica_author (nd->r), s, &index, NULL));
        SH_PASS (sh_changelog_get (txn, index, &v[n].data, &v[n].len));
    }
    sh_registry_entry_t e;
    sh_store_txn_t *h;
    SH_PASS (sh_store_begin (hub, false, &h));
    SH_PASS (sh_registry_get (h, sh_replica_author (nd->r), &e));
    sh_store_abort (&h);
    sh_hublog_result_t res;
    SH_PASS (sh_hublog_push_signed (hub, &e, v, n, 1, id, sh_sys_wall_ms (), &res));
    SH_CHECK (res.code == 0 && res.accepted == n);
    sh_store_abort (&txn);
}

#endif
