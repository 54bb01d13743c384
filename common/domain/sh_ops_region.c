/*  sh_ops_region -- naming a district, town or village: its Region record
    (docs/protocol.md 3.1; part of sh_ops, see sh_ops_int.h). */
#include <stdio.h>
#include <string.h>

#include "sh_i18n.h"
#include "sh_ops_int.h"
#include "shouhe/v1/domain.pb-c.h"

sh_err
sh_ops_region_set (sh_replica_t *r, const char *code, const char *name, char *msg)
{
    size_t n = code ? strlen (code) : 0;
    if ((n != 6 && n != 9 && n != 12) || strspn (code, "0123456789") != n) {
        S_MSG (_("region code '%s' must be a district, town or village code (6, 9 or 12 digits)"),
               code ? code : "");
        return SH_EINVAL;
    }
    if (!sh_ops_text_ok (name, true, _("the region's name"), msg))
        return SH_EINVAL;
    //  level and parent follow from the code (3.1): 6 -> district, 9 -> town, 12 -> village
    char parent[SH_REGION_MAX + 1];
    snprintf (parent, sizeof parent, "%.*s", (int) n - 3, code);
    Shouhe__V1__Region m = SHOUHE__V1__REGION__INIT;
    m.code = (char *) code;
    m.name = (char *) name;
    m.has_level = 1;
    m.level = (Shouhe__V1__RegionLevel) (n / 3 - 1);
    m.parent = n > 6 ? parent : NULL;
    //  outside the node's scope: refused by the write, named by sh_ops_write1
    return sh_ops_write1 (r, code, SH_KIND_REGION, (const uint8_t *) code, n, SH_OP_PUT, &m.base, msg);
}
