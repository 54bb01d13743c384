/*  sh_index -- where a record lives: the INDEX database. */
#include "sh_index.h"

#include <string.h>

#define S_KEY_MAX (2 + SH_ENTITY_MAX + SH_REGION_MAX)

//  kind || len || id into key; returns its length (0 for a bad id length).
static size_t
s_prefix (uint8_t key[S_KEY_MAX], sh_kind_t kind, const uint8_t *id, size_t id_len)
{
    if (id_len == 0 || id_len > SH_ENTITY_MAX)
        return 0;
    key[0] = (uint8_t) kind;
    key[1] = (uint8_t) id_len;
    memcpy (key + 2, id, id_len);
    return 2 + id_len;
}

sh_err
sh_index_put (sh_store_txn_t *txn, sh_kind_t kind, const uint8_t *id, size_t id_len, const char *region)
{
    uint8_t key[S_KEY_MAX];
    size_t n = s_prefix (key, kind, id, id_len);
    size_t rl = strlen (region);
    if (n == 0 || rl > SH_REGION_MAX)
        return SH_EINVAL;
    memcpy (key + n, region, rl);
    return sh_store_put (txn, SH_DB_INDEX, key, n + rl, "", 0);
}

sh_err
sh_index_each (sh_store_txn_t *txn, sh_kind_t kind, size_t id_len, const uint8_t *prefix, size_t prefix_len,
               sh_index_fn *fn, void *arg)
{
    if (id_len == 0 || id_len > SH_ENTITY_MAX || prefix_len > id_len)
        return SH_OK;               //  no entry has such an id
    uint8_t key[S_KEY_MAX] = { (uint8_t) kind, (uint8_t) id_len };
    if (prefix_len)
        memcpy (key + 2, prefix, prefix_len);
    sh_store_cursor_t *cur;
    sh_err rc = sh_store_cursor_open (txn, SH_DB_INDEX, key, 2 + prefix_len, &cur);
    if (rc)
        return rc;
    const uint8_t *k, *v;
    size_t kl, vl;
    while ((rc = sh_store_cursor_next (cur, &k, &kl, &v, &vl)) == SH_OK) {
        if (kl < 2 + id_len || kl - 2 - id_len > SH_REGION_MAX) {
            rc = SH_ECORRUPT;
            break;
        }
        char region[SH_REGION_MAX + 1];
        memcpy (region, k + 2 + id_len, kl - 2 - id_len);
        region[kl - 2 - id_len] = 0;
        if (fn (k + 2, id_len, region, arg))
            break;
    }
    sh_store_cursor_close (&cur);
    return rc == SH_ENOTFOUND ? SH_OK : rc;
}

static bool
s_take_first (const uint8_t *id, size_t id_len, const char *region, void *arg)
{
    (void) id; (void) id_len;
    strcpy (arg, region);
    return true;
}

sh_err
sh_index_first (sh_store_txn_t *txn, sh_kind_t kind, const uint8_t *id, size_t id_len,
                char region[SH_REGION_MAX + 1])
{
    region[0] = 0;
    sh_err rc = sh_index_each (txn, kind, id_len, id, id_len, s_take_first, region);
    return rc ? rc : region[0] ? SH_OK : SH_ENOTFOUND;
}

typedef struct {
    const char *region;         //  the region asked about
    bool here;                  //  an entry in it
    char other[SH_REGION_MAX + 1];  //  the first other region, "" if none
} s_where_t;

static bool
s_note_where (const uint8_t *id, size_t id_len, const char *region, void *arg)
{
    (void) id; (void) id_len;
    s_where_t *w = arg;
    if (strcmp (region, w->region) == 0)
        w->here = true;
    else
    if (!w->other[0])
        strcpy (w->other, region);
    return w->here && w->other[0];
}

sh_err
sh_index_where (sh_store_txn_t *txn, sh_kind_t kind, const uint8_t *id, size_t id_len,
                const char *region, bool *here, char other[SH_REGION_MAX + 1])
{
    s_where_t w = { .region = region };
    sh_err rc = sh_index_each (txn, kind, id_len, id, id_len, s_note_where, &w);
    *here = w.here;
    if (other)
        strcpy (other, w.other);
    return rc;
}
