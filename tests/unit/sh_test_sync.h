/*  sh_test_sync -- what a sync does, for unit tests of two replicas: every
    change of one replica's log handed to another (sh_replica_ingest), with
    the openings of its sealed fields that the first holds (as a Batch
    carries them to a node of the village or its town), in one write
    transaction. Include after sh_test.h.
*/
#ifndef SH_TEST_SYNC_H
#define SH_TEST_SYNC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sh_change.h"
#include "sh_changelog.h"
#include "sh_merge.h"
#include "sh_replica.h"
#include "sh_store.h"

//  Ingest from's whole log into to; fails the test on any error. Returns
//  how many changes were new to `to`.
static inline size_t
sh_test_sync (sh_replica_t *from, sh_replica_t *to)
{
    sh_store_txn_t *rt, *wt;
    SH_PASS (sh_store_begin (sh_replica_store (from), false, &rt));
    SH_PASS (sh_replica_begin (to, &wt));
    uint64_t size;
    SH_PASS (sh_changelog_size (rt, &size));
    size_t fresh = 0;
    for (uint64_t i = 1; i <= size; i++) {
        const uint8_t *bytes;
        size_t len;
        bool dup = false;
        const char *why = NULL;
        SH_PASS (sh_changelog_get (rt, i, &bytes, &len));
        sh_err rc = sh_replica_ingest (to, wt, bytes, len, &dup, &why);
        if (rc)
            fprintf (stderr, "ingest of entry %llu: %s\n", (unsigned long long) i, why ? why : "");
        SH_PASS (rc);
        fresh += !dup;
        sh_change_t c;
        sh_seal_opening_t held[SH_SEALS_MAX];
        size_t nh = 0;
        SH_PASS (sh_change_open (&c, NULL, bytes, len, NULL));
        SH_PASS (sh_merge_openings_of (rt, &c, held, &nh));
        if (nh)
            SH_PASS (sh_merge_openings (wt, &c, held, nh, NULL));
        sh_change_fini (&c);
    }
    SH_PASS (sh_store_commit (&wt));
    sh_store_abort (&rt);
    return fresh;
}

#endif
