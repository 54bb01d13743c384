/*  sh_map -- a map from strings to owned items, over zhashx. See sh_map.h. */
#include "sh_map.h"

#include <assert.h>
#include <czmq.h>
#include <stdlib.h>

struct sh_map_t {
    zhashx_t *hash;                 //  key -> item (owned, with the map's destructor)
};

sh_map_t *
sh_map_new (sh_map_destroy_fn *destroy)
{
    sh_map_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->hash = zhashx_new ();
    if (!self->hash) {
        free (self);
        return NULL;
    }
    if (destroy)
        zhashx_set_destructor (self->hash, destroy);
    return self;
}

void
sh_map_destroy (sh_map_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        sh_map_t *self = *self_p;
        zhashx_destroy (&self->hash);
        free (self);
        *self_p = NULL;
    }
}

void *
sh_map_get (sh_map_t *self, const char *key)
{
    assert (self && key);
    return zhashx_lookup (self->hash, key);
}

sh_err
sh_map_put (sh_map_t *self, const char *key, void *item)
{
    assert (self && key);
    return zhashx_insert (self->hash, key, item) == 0 ? SH_OK : SH_EEXIST;
}

void
sh_map_delete (sh_map_t *self, const char *key)
{
    assert (self && key);
    zhashx_delete (self->hash, key);
}

size_t
sh_map_size (sh_map_t *self)
{
    assert (self);
    return zhashx_size (self->hash);
}

void
sh_map_purge (sh_map_t *self, sh_map_purge_fn *fn, void *arg)
{
    assert (self && fn);
    //  walk a copy of the keys: deleting while zhashx iterates is not allowed
    zlistx_t *keys = zhashx_keys (self->hash);
    for (const char *k = keys ? zlistx_first (keys) : NULL; k; k = zlistx_next (keys)) {
        void *item = zhashx_lookup (self->hash, k);
        if (item && fn (k, item, arg))
            zhashx_delete (self->hash, k);
    }
    zlistx_destroy (&keys);
}
