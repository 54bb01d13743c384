/*  sh_exit -- the exit codes of shouhe-node, shouhe-hub and shouhe-audit.

    One table for the three programs (README.md, "Exit codes"); every
    program returns only these. A code means the same thing in each
    program; not every program uses every code.
*/
#ifndef SH_EXIT_H
#define SH_EXIT_H

#include <errno.h>

#include "sh_err.h"

enum {
    SH_EXIT_OK = 0,             //  done; the auditor found nothing wrong
    SH_EXIT_REFUSED = 1,        //  refused (bad value, unknown record, a domain rule, an existing
                                //  file), or a check failed (a verification or audit found a fault)
    SH_EXIT_USAGE = 2,          //  the command line itself is wrong
    SH_EXIT_STORE = 3,          //  a store, key or file cannot be opened, read or written
    SH_EXIT_NETWORK = 4,        //  the network: the hub unreachable until the deadline or silent
                                //  (node, auditor); the hub cannot bind or serve (hub)
    SH_EXIT_DENIED = 5,         //  the hub refused this key (not enrolled, revoked, blocked)
    SH_EXIT_PROTOCOL = 6,       //  the peer refused our messages, or sent what we cannot accept
    SH_EXIT_RETRY = 7,          //  not now: the hub is recovering its log from its nodes, or refused
                                //  this node's changes over its quota (ERR_QUOTA); try later
    SH_EXIT_FULL = 8,           //  a store is full (its disk or its LMDB map): the hub's (node: the
                                //  hub answered ERR_STORE_FULL) or this program's own; nothing was lost
    SH_EXIT_INSTALL = 9,        //  the installation is incomplete: shouhe-node cannot find or load
                                //  its sync module (shouhe-node-sync.so)
    SH_EXIT_INTERRUPTED = 130   //  SIGINT/SIGTERM before the work was finished
};

//  The exit code for a failure to write this program's own store: a full
//  store (SH_ESTOREFULL: its disk or its LMDB map; the write was undone,
//  nothing was lost) or a full disk or quota reported by a system call
//  (SH_ESYSERR | ENOSPC or EDQUOT) is SH_EXIT_FULL, anything else
//  SH_EXIT_STORE.
static inline int
sh_exit_store (sh_err rc)
{
    return rc == SH_ESTOREFULL || rc == (sh_err) (SH_ESYSERR | ENOSPC) || rc == (sh_err) (SH_ESYSERR | EDQUOT)
         ? SH_EXIT_FULL : SH_EXIT_STORE;
}

//  The exit code for a file this program failed to create or write, with
//  errno e: a full disk or quota (ENOSPC, EDQUOT) is SH_EXIT_FULL, anything
//  else SH_EXIT_STORE.
static inline int
sh_exit_errno (int e)
{
    return e == ENOSPC || e == EDQUOT ? SH_EXIT_FULL : SH_EXIT_STORE;
}

//  What a program says when its own store is full ("this node's disk is
//  full (...): free space, nothing was lost"), after "<program>: this ".
#define SH_EXIT_FULL_SAY "disk is full (%s): free space, nothing was lost"

#endif
