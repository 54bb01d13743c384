/*  node_witness_cmd -- `shouhe-node witness init`: make this node a
    witness of the hub's checkpoints; `shouhe-node witnesses`: the
    witnesses this node requires (docs/protocol.md 16). */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "node_cli.h"
#include "node_witness.h"
#include "sh_i18n.h"
#include "sh_replica.h"
#include "sh_witness.h"

int
node_witness_init (node_args_t *a)
{
    if (!a->name || !sh_note_name_valid (a->name)) {
        fprintf (stderr, _("shouhe-node: witness init needs --name NAME, a cosigner name without spaces or "
                 "'+' (e.g. changshou/500115108/witness)\n"));
        return SH_EXIT_USAGE;
    }
    char path[PATH_MAX];
    snprintf (path, sizeof path, "%s/%s", a->dir, NODE_WITNESS_KEY);
    if (access (path, F_OK) == 0) {
        fprintf (stderr, _("shouhe-node: %s exists: this node is a witness already (its key is never "
                 "replaced: a witness's promise is tied to it)\n"), path);
        return SH_EXIT_REFUSED;
    }
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    sh_key_t *key = sh_key_generate ();
    sh_err rc = key ? sh_key_save (key, path) : SH_ENOMEM;
    sh_store_txn_t *txn = NULL;
    if (rc == SH_OK && (rc = sh_replica_begin (r, &txn)) == SH_OK) {
        rc = sh_store_meta_put_str (txn, NODE_WITNESS_META, a->name);
        rc = rc ? rc : sh_store_commit (&txn);
        sh_store_abort (&txn);
    }
    if (rc == SH_OK) {
        char hex[2 * SH_PUBKEY_BYTES + 1];
        sh_crypto_hex (hex, sh_key_public (key), SH_PUBKEY_BYTES);
        printf ("%s\n", hex);
        fprintf (stderr, _("shouhe-node: witness %s; enrol it at the hub with: shouhe-hub enroll --dir HUB "
                 "--scope SCOPE --key %s --name %s --role witness\n"), a->name, hex, a->name);
    }
    else
        unlink (path);
    sh_key_destroy (&key);
    sh_replica_close (&r);
    return node_done (rc, "");
}

//  Apply --add, --remove, --quorum in one transaction; SH_EXIT_* and a
//  message on a refusal.
static int
s_witnesses_change (node_args_t *a, sh_replica_t *r)
{
    sh_cosig_witness_t w;
    char why[400];
    if (a->add && sh_cosig_witness_parse (&w, a->add, why, sizeof why) != SH_OK) {
        fprintf (stderr, _("shouhe-node: --add: %s (NAME=HEXKEY: the cosigner name, '=', 64 hex digits)\n"), why);
        return SH_EXIT_USAGE;
    }
    bool quorum = node_given (a, "quorum");
    size_t k = a->quorum < 0 ? SIZE_MAX : (size_t) a->quorum;     //  a negative one is refused below
    sh_store_txn_t *txn;
    sh_err rc = sh_replica_begin (r, &txn);
    if (rc == SH_OK && a->add && (rc = sh_witness_trust_add (txn, &w)) == SH_EINVAL)
        fprintf (stderr, _("shouhe-node: a node trusts at most %d witnesses\n"), SH_WITNESS_TRUST_MAX);
    else
    if (rc == SH_OK && a->remove && (rc = sh_witness_trust_remove (txn, a->remove)) == SH_ENOTFOUND)
        fprintf (stderr, _("shouhe-node: no trusted witness is named %s\n"), a->remove);
    else
    if (rc == SH_EINVAL && a->remove)
        fprintf (stderr, _("shouhe-node: removing %s would leave fewer witnesses than the quorum: lower --quorum "
                 "first\n"), a->remove);
    else
    if (rc == SH_OK && quorum && (rc = sh_witness_trust_quorum (txn, k)) == SH_EINVAL)
        fprintf (stderr, _("shouhe-node: --quorum must be from 1 to the number of witnesses trusted (0: all of "
                 "them), not %lld\n"), a->quorum);
    if (rc == SH_OK)
        rc = sh_store_commit (&txn);
    sh_store_abort (&txn);
    if (rc == SH_ENOTFOUND || rc == SH_EINVAL)
        return SH_EXIT_REFUSED;
    return node_done (rc, "");
}

int
node_witnesses (node_args_t *a)
{
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    if (a->add || a->remove || node_given (a, "quorum"))
        ex = s_witnesses_change (a, r);
    sh_witness_trust_t t;
    uint64_t witnessed = 0;
    sh_store_txn_t *txn;
    sh_err rc = ex ? SH_OK : sh_store_begin (sh_replica_store (r), false, &txn);
    if (!ex && rc == SH_OK) {
        rc = sh_witness_trust_get (txn, &t);
        if (rc == SH_OK)
            rc = sh_witness_witnessed (txn, &witnessed);
        sh_store_abort (&txn);
    }
    sh_replica_close (&r);
    if (ex || rc)
        return ex ? ex : node_done (rc, "");
    if (a->json) {
        json_t *list = json_array ();
        for (size_t i = 0; i < t.n; i++) {
            char hex[2 * SH_PUBKEY_BYTES + 1];
            sh_crypto_hex (hex, t.w[i].pubkey, SH_PUBKEY_BYTES);
            json_array_append_new (list, json_pack ("{s:s, s:s}", "name", t.w[i].name, "key", hex));
        }
        json_t *o = json_pack ("{s:o, s:I, s:I}", "witnesses", list, "quorum", (json_int_t) t.quorum,
                               "witnessed", (json_int_t) witnessed);
        node_print_json (o);
        json_decref (o);
        return SH_EXIT_OK;
    }
    for (size_t i = 0; i < t.n; i++) {
        char line[SH_COSIG_WITNESS_MAX];
        sh_cosig_witness_format (&t.w[i], line);
        printf ("%s\n", line);
    }
    if (t.n)
        printf (_("quorum %zu of %zu; receipts witnessed up to tree size %llu\n"), t.quorum, t.n,
                (unsigned long long) witnessed);
    else
        printf ("%s", _("no witness required: the hub's checkpoints count as the hub signed them\n"));
    return SH_EXIT_OK;
}
