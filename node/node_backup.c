/*  node_backup -- `shouhe-node backup --dir DIR DEST`: a copy of the node
    that, once restored, refuses local writes until a sync has confirmed
    its head (docs/operations.md, "A village device restored").
*/
#include <stdio.h>

#include "node_cli.h"
#include "sh_i18n.h"
#include "sh_replica.h"

int
node_backup (node_args_t *a)
{
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    sh_err rc = sh_replica_backup (r, a->pos[0]);
    sh_replica_close (&r);
    if (rc == SH_EEXIST) {
        fprintf (stderr, _("shouhe-node: %s exists; back up into a new directory\n"), a->pos[0]);
        return SH_EXIT_REFUSED;
    }
    if (rc) {
        fprintf (stderr, _("shouhe-node: cannot back up %s into %s: %s\n"), a->dir, a->pos[0], sh_strerror (rc));
        return sh_exit_store (rc);
    }
    printf (_("backed up %s into %s; restored, the copy refuses local writes until a sync has confirmed "
            "its head\n"), a->dir, a->pos[0]);
    return SH_EXIT_OK;
}
