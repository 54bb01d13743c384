/*  node_witness_cmd -- `shouhe-node witness init`: make this node a
    witness of the hub's checkpoints (docs/protocol.md 16). */
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node_cli.h"
#include "node_witness.h"
#include "sh_i18n.h"
#include "sh_replica.h"

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
