/*  node_syncload -- run `shouhe-node sync` from its module.

    The sync client needs ZeroMQ and czmq, which pull in some 25 shared
    libraries; every other command needs none of them. So node_sync.c is
    built as shouhe-node-sync.so, installed beside the shouhe-node
    executable, and loaded here only when `sync` runs.
*/
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "node_cli.h"

#define S_MODULE "shouhe-node-sync.so"

int
node_sync_load (node_args_t *a)
{
    char exe[PATH_MAX];
    ssize_t n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        fprintf (stderr, "shouhe-node: cannot find this program's directory (/proc/self/exe)\n");
        return SH_EXIT_STORE;
    }
    exe[n] = 0;
    char *slash = strrchr (exe, '/');
    char path[PATH_MAX + sizeof S_MODULE];
    snprintf (path, sizeof path, "%.*s/%s", slash ? (int) (slash - exe) : 1, slash ? exe : ".", S_MODULE);
    void *module = dlopen (path, RTLD_NOW | RTLD_LOCAL);
    if (!module) {
        fprintf (stderr, "shouhe-node: cannot load the sync module %s: %s\n", path, dlerror ());
        return SH_EXIT_STORE;
    }
    int (*sync) (node_args_t *) = NULL;
    void *sym = dlsym (module, "node_sync");
    memcpy (&sync, &sym, sizeof sync);  //  object to function pointer (POSIX dlsym)
    if (!sync) {
        fprintf (stderr, "shouhe-node: %s has no node_sync: %s\n", path, dlerror ());
        dlclose (module);
        return SH_EXIT_STORE;
    }
    int ex = sync (a);
    //  not unloaded: libzmq's and czmq's atexit handlers would outlive it
    return ex;
}
