/*  sh_err -- error codes and their messages. */
#include "sh_err.h"

#include <errno.h>
#include <string.h>

const char *
sh_strerror (sh_err err)
{
    if (err & SH_ESYSERR) {
        int e = (int) (err & ~SH_ESYSERR);
        //  strerrordesc_np is not portable C11; strerror is fine for the errno
        //  values we meet (the text is static in glibc).
        return strerror (e);
    }
    switch (err) {
        case SH_OK:            return "no error";
        case SH_ENOMEM:        return "out of memory";
        case SH_ENOTFOUND:     return "not found";
        case SH_EPROTO:        return "malformed data";
        case SH_ECRYPTO:       return "signature or hash does not verify";
        case SH_ESTOREFULL:    return "the store is full (its disk, or the LMDB map size)";
        case SH_EINVAL:        return "invalid argument";
        case SH_ERULE:         return "refused by a domain rule";
        case SH_ECHAIN:        return "author chain broken";
        case SH_EEQUIVOCATION: return "equivocation: a different change at an existing (author, seq)";
        case SH_ESCOPE:        return "region outside the scope";
        case SH_EEXIST:        return "already exists";
        case SH_EPERM:         return "permission denied";
        case SH_ECORRUPT:      return "store corrupt";
        case SH_EFAULT:        return "injected fault";
        case SH_EVERSION:      return "unknown protocol version";
        case SH_ECLOCK:        return "refused: this node's clock disagrees with the hub's by more than 10 "
                                      "minutes, or its earlier changes carry a future time (shouhe-node clock "
                                      "--dir DIR says which and what to do)";
        case SH_EBEHIND:       return "this node is behind its own chain (restored from a backup?); "
                                      "run shouhe-node sync first";
        default:               return "unknown error";
    }
}

sh_err
sh_err_errno (void)
{
    int e = errno ? errno : EIO;
    return (sh_err) (SH_ESYSERR | (unsigned) e);
}
