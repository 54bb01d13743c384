/*  sh_err -- the one error vocabulary of libshouhe.

    Every function that can fail for a reason outside the program (a peer, a file,
    the disk, the user) returns an sh_err. SH_OK is zero, so `if (rc)` reads as
    "if it failed". errno values are carried as SH_ESYSERR | errno. Raw MDB_*,
    errno and protobuf-c failures are translated at the edge of the module that
    meets them. Programming errors (NULL self, impossible sizes) assert instead.

    Thread safety: sh_strerror returns constant strings or formats into a
    caller-supplied buffer; no shared state.
*/
#ifndef SH_ERR_H
#define SH_ERR_H

#include <stddef.h>

#define SH_NODISCARD __attribute__((warn_unused_result))

typedef enum {
    SH_OK = 0,            //  not an error
    SH_ENOMEM = 1,        //  out of memory
    SH_ENOTFOUND = 2,     //  no such key, record, file or entity
    SH_EPROTO = 3,        //  malformed bytes (from a peer or from disk)
    SH_ECRYPTO = 4,       //  a signature or hash does not check
    SH_ESTOREFULL = 5,    //  the store is full: its LMDB map, or the disk under it (ENOSPC)
    SH_EINVAL = 6,        //  bad argument from the user (value out of range, bad format)
    SH_ERULE = 7,         //  a domain rule refuses the operation
    SH_ECHAIN = 8,        //  an author's hash chain is broken (gap, wrong prev)
    SH_EEQUIVOCATION = 9, //  a different change at an existing (author, seq)
    SH_ESCOPE = 10,       //  region outside the scope
    SH_EEXIST = 11,       //  already exists
    SH_EPERM = 12,        //  permission: key file readable by others, etc.
    SH_ECORRUPT = 13,     //  the store is inconsistent with itself
    SH_EFAULT = 14,       //  an injected fault fired (tests only)
    SH_EVERSION = 15,     //  a peer speaks another protocol version
    SH_ECLOCK = 16,       //  the node's clock is out of bounds: local writes refused (sh_clock)
    SH_EBEHIND = 17,      //  this node is behind its own chain (meta own.behind): no local write
    SH_ESYSERR = 0x10000000  //  OR-ed with an errno value
} sh_err;

//  Returns a constant English description of err. For SH_ESYSERR | e it
//  returns the C library's text for errno e.
const char *sh_strerror (sh_err err);

//  Wrap the current errno as an sh_err.
sh_err sh_err_errno (void);

#endif
