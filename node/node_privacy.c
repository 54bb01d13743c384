/*  node_privacy -- `shouhe-node privacy [--seal on|off] [--json]` and
    `shouhe-node person erase ID` (docs/privacy.md; docs/protocol.md 4.10,
    7.10).

    privacy shows or sets whether this node seals personal fields when it
    writes (meta SH_REPLICA_SEAL_META, read by sh_replica at open). person
    erase writes the signed erasure marks of a person (sh_ops_person_erase):
    every replica that merges them drops the person's sealed values.
*/
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "node_cli.h"
#include "sh_compact.h"
#include "sh_i18n.h"
#include "sh_ops.h"
#include "sh_replica.h"
#include "sh_store.h"

int
node_privacy (node_args_t *a)
{
    if (a->seal && strcmp (a->seal, "on") && strcmp (a->seal, "off")) {
        node_say (_("--seal takes on or off, not '%s'\n"), a->seal);
        return SH_EXIT_USAGE;
    }
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    sh_store_txn_t *txn;
    uint64_t seal = 0;
    sh_err rc = sh_store_begin (sh_replica_store (r), a->seal != NULL, &txn);
    if (rc == SH_OK && a->seal) {
        seal = !strcmp (a->seal, "on");
        rc = sh_store_meta_put_u64 (txn, SH_REPLICA_SEAL_META, seal);
        if (rc == SH_OK)
            rc = sh_store_commit (&txn);
    }
    else
    if (rc == SH_OK && (rc = sh_store_meta_get_u64 (txn, SH_REPLICA_SEAL_META, &seal)) == SH_ENOTFOUND)
        rc = SH_OK;
    sh_store_abort (&txn);
    sh_replica_close (&r);
    if (rc) {
        char msg[256];
        snprintf (msg, sizeof msg, a->seal ? _("cannot write the privacy setting: %s")
                                           : _("cannot read the privacy setting: %s"), sh_strerror (rc));
        return node_done (rc, msg);
    }
    if (a->json) {
        json_t *j = json_pack ("{s:b}", "seal", seal != 0);
        node_print_json (j);
        json_decref (j);
    }
    else
        printf (seal ? _("personal fields are sealed when this node writes: their values travel beside the "
                         "signed changes and can be erased (shouhe-node person erase)\n")
                     : _("personal fields are written in clear (shouhe-node privacy --seal on seals them)\n"));
    return SH_EXIT_OK;
}

//  Erase with op the personal data of the record a->pos[0] names; done:
//  the sentence that says so (its %s the id, %d the records marked).
static int
s_erase (node_args_t *a, sh_err (*op) (sh_replica_t *, const char *, int *, char *), const char *done)
{
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    char msg[512] = "";
    int count = 0;
    sh_err rc = op (r, a->pos[0], &count, msg);
    sh_replica_close (&r);
    if (rc)
        return node_done (rc, msg);
    printf (done, a->pos[0], count);
    return SH_EXIT_OK;
}

int
node_person_erase (node_args_t *a)
{
    return s_erase (a, sh_ops_person_erase, _("erased the personal data of person %s (%d record(s) marked); every "
                                              "replica drops it at its next sync\n"));
}

int
node_matter_erase (node_args_t *a)
{
    return s_erase (a, sh_ops_matter_erase, _("erased the personal notes of matter %s (%d record(s) marked); every "
                                              "replica drops them at its next sync\n"));
}

int
node_mediation_erase (node_args_t *a)
{
    return s_erase (a, sh_ops_mediation_erase, _("erased the summary of mediation %s (%d record(s) marked); every "
                                                 "replica drops it at its next sync\n"));
}

int
node_compact (node_args_t *a)
{
    sh_compact_stats_t st;
    sh_err rc = sh_compact (a->dir, 0, &st);
    if (rc == SH_EEXIST) {
        node_say (_("the store in %s is open in another process (a sync running?); stop it first\n"), a->dir);
        return SH_EXIT_REFUSED;
    }
    if (rc == SH_ENOTFOUND) {
        node_say (_("no node in %s (create one with: shouhe-node init --dir %s --scope CODE)\n"), a->dir, a->dir);
        return SH_EXIT_STORE;
    }
    if (rc) {
        char msg[256];
        snprintf (msg, sizeof msg, _("cannot compact %s: %s (the store is as it was)"), a->dir, sh_strerror (rc));
        return node_done (rc, msg);
    }
    printf (_("compacted %s: %llu entries rewritten, data.mdb %llu KiB -> %llu KiB; what was deleted or erased "
              "is gone from its files\n"), a->dir, (unsigned long long) st.entries,
            (unsigned long long) st.bytes_before / 1024, (unsigned long long) st.bytes_after / 1024);
    return SH_EXIT_OK;
}
