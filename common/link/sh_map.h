/*  sh_map -- a map from strings to items the map owns (the hub's session
    table: routing id in hex -> session).

    It wraps czmq's zhashx, which only common/ may include; it lives in the
    link layer because that is where czmq is. Keys are copied in; items
    are handed over and destroyed with the destructor given to
    sh_map_new when they are deleted, replaced by nothing, or when the map
    is destroyed.

    Threading: one thread uses a map.
*/
#ifndef SH_MAP_H
#define SH_MAP_H

#include <stdbool.h>
#include <stddef.h>

#include "sh_err.h"

typedef struct sh_map_t sh_map_t;

//  Destroy an item and null *item (NULL-safe, as every _destroy).
typedef void (sh_map_destroy_fn) (void **item);

//  An empty map whose items destroy destroys (NULL: items are not owned).
//  Caller owns the result; NULL when out of memory.
sh_map_t *sh_map_new (sh_map_destroy_fn *destroy);

//  Destroy the map and every item in it. NULL-safe; nulls *self_p.
void sh_map_destroy (sh_map_t **self_p);

//  The item of key, or NULL. Valid until it is deleted.
void *sh_map_get (sh_map_t *self, const char *key);

//  Add item under key; the map owns it from now on. SH_EEXIST if key is
//  already there (the caller keeps item).
SH_NODISCARD sh_err sh_map_put (sh_map_t *self, const char *key, void *item);

//  Delete key and destroy its item. Nothing if key is not there.
void sh_map_delete (sh_map_t *self, const char *key);

//  How many items the map holds.
size_t sh_map_size (sh_map_t *self);

//  Call fn for every item (in no particular order) and delete those for
//  which it returns true. fn must not change the map itself.
typedef bool (sh_map_purge_fn) (const char *key, void *item, void *arg);
void sh_map_purge (sh_map_t *self, sh_map_purge_fn *fn, void *arg);

#endif
