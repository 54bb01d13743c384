/*  node_region -- `shouhe-node region set`: name a district, town or
    village (its Region record, sh_ops_region_set), so that reports name
    places instead of printing their codes. */
#include <stdio.h>

#include "node_cli.h"
#include "sh_exit.h"
#include "sh_ops.h"

int
node_region_set (node_args_t *a)
{
    if (!a->code || !a->name) {
        fprintf (stderr, "shouhe-node: region set needs --code and --name\n");
        return SH_EXIT_USAGE;
    }
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    char msg[SH_OPS_MSG_BYTES] = "";
    sh_err rc = sh_ops_region_set (r, a->code, a->name, msg);
    sh_replica_close (&r);
    if (rc == SH_OK) {
        printf ("region %s: %s\n", a->code, a->name);
        return SH_EXIT_OK;
    }
    if (rc == SH_ESTOREFULL) {
        fprintf (stderr, "shouhe-node: this node's " SH_EXIT_FULL_SAY "\n", msg[0] ? msg : sh_strerror (rc));
        return SH_EXIT_FULL;
    }
    fprintf (stderr, "shouhe-node: %s\n", msg[0] ? msg : sh_strerror (rc));
    return rc == SH_EINVAL || rc == SH_ESCOPE || rc == SH_ERULE || rc == SH_EBEHIND ? SH_EXIT_REFUSED
                                                                                     : SH_EXIT_STORE;
}
