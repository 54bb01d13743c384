/*  node_region -- `shouhe-node region set`: name a district, town or
    village (its Region record, sh_ops_region_set), so that reports name
    places instead of printing their codes. */
#include <stdio.h>

#include "node_cli.h"
#include "sh_i18n.h"
#include "sh_ops.h"

int
node_region_set (node_args_t *a)
{
    if (!a->code || !a->name) {
        fprintf (stderr, _("shouhe-node: region set needs --code and --name\n"));
        return SH_EXIT_USAGE;
    }
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    char msg[SH_OPS_MSG_BYTES] = "";
    sh_err rc = sh_ops_region_set (r, a->code, a->name, msg);
    sh_replica_close (&r);
    if (rc == SH_OK)
        printf (_("region %s: %s\n"), a->code, a->name);
    return node_done (rc, msg);
}
