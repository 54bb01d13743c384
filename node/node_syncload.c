/*  node_syncload -- run `shouhe-node sync` from its module.

    The sync client needs ZeroMQ and czmq, which pull in some 25 shared
    libraries; every other command needs none of them. So node_sync.c is
    built as shouhe-node-sync.so and loaded here only when `sync` runs.

    The module is found relative to the running executable
    (/proc/self/exe), so that a build tree, an installed tree and a copy
    of an installed tree moved elsewhere all work:
      1. <bindir>/shouhe-node-sync.so            (the build tree)
      2. <bindir>/../<NODE_SYNC_LIBDIR>/shouhe-node-sync.so
         (installed: NODE_SYNC_LIBDIR is set by node/CMakeLists.txt from
         GNUInstallDirs, e.g. lib/x86_64-linux-gnu/shouhe)
    SHOUHE_SYNC_MODULE, when set, names the module file itself (tests, and
    an operator who keeps it elsewhere). A module that cannot be found or
    loaded is an incomplete installation: SH_EXIT_INSTALL (9).
*/
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node_cli.h"
#include "sh_i18n.h"

#define S_MODULE "shouhe-node-sync.so"
#ifndef NODE_SYNC_LIBDIR
#define NODE_SYNC_LIBDIR "lib/shouhe"
#endif

//  Try to open the module at path; true when it exists (loaded or not:
//  *module says which, *why why not).
static bool
s_try (const char *path, void **module, char *why, size_t why_len)
{
    if (access (path, F_OK) != 0)
        return false;
    *module = dlopen (path, RTLD_NOW | RTLD_LOCAL);
    if (!*module)
        snprintf (why, why_len, "%s", dlerror ());
    return true;
}

//  Find and open the module; on failure say which paths were tried and
//  what to do. NULL on failure.
static void *
s_open (char *path, size_t path_len)
{
    void *module = NULL;
    char why[1024];
    snprintf (why, sizeof why, "%s", _("no such file"));
    const char *env = getenv ("SHOUHE_SYNC_MODULE");
    if (env && *env) {
        snprintf (path, path_len, "%s", env);
        if (s_try (path, &module, why, sizeof why) && module)
            return module;
        fprintf (stderr, _("shouhe-node: cannot load the sync module %s (SHOUHE_SYNC_MODULE): %s\n"), path, why);
        return NULL;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        fprintf (stderr, _("shouhe-node: cannot find this program's directory (/proc/self/exe) to load the "
                 "sync module %s; set SHOUHE_SYNC_MODULE to its path\n"), S_MODULE);
        return NULL;
    }
    exe[n] = 0;
    char *slash = strrchr (exe, '/');
    *slash = 0;                 //  readlink of /proc/self/exe is absolute
    char beside[PATH_MAX + sizeof S_MODULE + 1];
    snprintf (beside, sizeof beside, "%s/%s", exe, S_MODULE);
    snprintf (path, path_len, "%s/../%s/%s", exe, NODE_SYNC_LIBDIR, S_MODULE);
    bool found = s_try (beside, &module, why, sizeof why);
    if (found)
        snprintf (path, path_len, "%s", beside);
    else
        found = s_try (path, &module, why, sizeof why);
    if (module)
        return module;
    if (found)
        fprintf (stderr, _("shouhe-node: cannot load the sync module %s: %s; "), path, why);
    else
        fprintf (stderr, _("shouhe-node: cannot find the sync module %s; "), S_MODULE);
    fprintf (stderr, _("the installation is incomplete (tried %s and %s/../%s/): reinstall shouhe, or set "
             "SHOUHE_SYNC_MODULE to the module's path\n"), beside, exe, NODE_SYNC_LIBDIR);
    return NULL;
}

int
node_sync_load (node_args_t *a)
{
    char path[2 * PATH_MAX];
    void *module = s_open (path, sizeof path);
    if (!module)
        return SH_EXIT_INSTALL;
    int (*sync) (node_args_t *) = NULL;
    void *sym = dlsym (module, "node_sync");
    memcpy (&sync, &sym, sizeof sync);  //  object to function pointer (POSIX dlsym)
    if (!sync) {
        fprintf (stderr, _("shouhe-node: %s has no node_sync (%s): it is not shouhe's sync module; "
                 "reinstall shouhe\n"), path, dlerror ());
        dlclose (module);
        return SH_EXIT_INSTALL;
    }
    int ex = sync (a);
    //  not unloaded: libzmq's and czmq's atexit handlers would outlive it
    return ex;
}
