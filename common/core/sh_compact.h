/*  sh_compact -- rewrite a store so that what was deleted from it is gone
    from its files (docs/privacy.md 6): erased personal values, freed pages.

    LMDB reuses freed pages but never zeroes them, and a page keeps the
    bytes of an entry deleted from it until the page is rewritten; a
    compacted copy of the environment would copy such pages as they are. So
    the store is rewritten entry by entry: every entry of every database is
    put, in key order, into a fresh environment in dir/compact.tmp (whose
    pages LMDB zero-fills before first use), which then replaces
    dir/data.mdb (rename, the directory fsynced); the old lock.mdb goes with
    it. The store must be open in no other process: that is checked first
    (sh_store_alone, SH_EEXIST), and no process may open it until the
    rewrite is done -- the node's commands and its sync stopped, the hub
    stopped (its commands check serve.lock).

    Threading: the calling thread; the store must not be open in this
    process either.
*/
#ifndef SH_COMPACT_H
#define SH_COMPACT_H

#include <stddef.h>
#include <stdint.h>

#include "sh_err.h"

typedef struct {
    uint64_t entries;               //  entries rewritten
    uint64_t bytes_before;          //  size of data.mdb before
    uint64_t bytes_after;           //  and after
} sh_compact_stats_t;

//  Rewrite the store in dir (map_bytes: the map size of both environments;
//  0: SH_STORE_HUB_MAP_BYTES, address space only).
//  SH_EEXIST: another process has it open (nothing done); SH_ENOTFOUND: no
//  store in dir; SH_ESTOREFULL when the disk cannot hold the rewrite (the
//  store is left as it was); other store and system errors. st may be NULL.
SH_NODISCARD sh_err sh_compact (const char *dir, size_t map_bytes, sh_compact_stats_t *st);

#endif
