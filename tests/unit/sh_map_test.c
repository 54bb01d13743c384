/*  sh_map_test -- the string map behind the hub's session table
    (common/link/sh_map.c): put, get, delete, purge, and that every item
    is destroyed exactly once.
*/
#include "sh_test.h"

#include "sh_map.h"

#include <stdbool.h>

typedef struct {
    int value;                  //  what the test put in
    int *destroyed;             //  counts destructions
} s_item_t;

static void
s_item_destroy (void **item)
{
    if (item && *item) {
        s_item_t *it = *item;
        (*it->destroyed)++;
        free (it);
        *item = NULL;
    }
}

static s_item_t *
s_item (int value, int *destroyed)
{
    s_item_t *it = malloc (sizeof *it);
    SH_CHECK (it);
    *it = (s_item_t) { value, destroyed };
    return it;
}

static void
test_put_get_delete (void)
{
    int destroyed = 0;
    sh_map_t *map = sh_map_new (s_item_destroy);
    SH_CHECK (map && sh_map_size (map) == 0);
    SH_PASS (sh_map_put (map, "00ab", s_item (1, &destroyed)));
    SH_PASS (sh_map_put (map, "00cd", s_item (2, &destroyed)));
    SH_CHECK (sh_map_size (map) == 2);
    s_item_t *it = sh_map_get (map, "00ab");
    SH_CHECK (it && it->value == 1);
    SH_CHECK (sh_map_get (map, "00ef") == NULL);
    //  a key already there: refused, the caller keeps its item
    s_item_t *again = s_item (3, &destroyed);
    SH_FAIL (sh_map_put (map, "00ab", again), SH_EEXIST);
    SH_CHECK (((s_item_t *) sh_map_get (map, "00ab"))->value == 1);
    free (again);
    sh_map_delete (map, "00ab");
    SH_CHECK (destroyed == 1 && sh_map_size (map) == 1 && !sh_map_get (map, "00ab"));
    sh_map_delete (map, "00ab");        //  not there: nothing
    SH_CHECK (destroyed == 1);
    sh_map_destroy (&map);
    SH_CHECK (map == NULL && destroyed == 2);
    sh_map_destroy (&map);              //  idempotent
}

//  sh_map_purge_fn: odd values go.
static bool
s_odd (const char *key, void *item, void *arg)
{
    int *seen = arg;
    (*seen)++;
    SH_CHECK (key && *key);
    return ((s_item_t *) item)->value % 2 == 1;
}

static void
test_purge (void)
{
    int destroyed = 0, seen = 0;
    sh_map_t *map = sh_map_new (s_item_destroy);
    SH_CHECK (map);
    char key[16];
    for (int i = 0; i < 100; i++) {
        snprintf (key, sizeof key, "k%d", i);
        SH_PASS (sh_map_put (map, key, s_item (i, &destroyed)));
    }
    sh_map_purge (map, s_odd, &seen);
    SH_CHECK (seen == 100 && destroyed == 50 && sh_map_size (map) == 50);
    SH_CHECK (sh_map_get (map, "k2") && !sh_map_get (map, "k3"));
    sh_map_destroy (&map);
    SH_CHECK (destroyed == 100);
}

static void
test_not_owned (void)
{
    int value = 7;
    sh_map_t *map = sh_map_new (NULL);
    SH_CHECK (map);
    SH_PASS (sh_map_put (map, "x", &value));
    sh_map_delete (map, "x");           //  nothing freed: the map does not own it
    SH_PASS (sh_map_put (map, "x", &value));
    sh_map_destroy (&map);
    SH_CHECK (value == 7);
}

static const sh_test_case_t tests[] = {
    { "put get delete", test_put_get_delete },
    { "purge", test_purge },
    { "not owned", test_not_owned },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
