/*  sh_err -- error codes and their messages. */
#include "sh_err.h"

#include <errno.h>
#include <string.h>

#include "sh_i18n.h"

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
        case SH_OK:            return _("no error");
        case SH_ENOMEM:        return _("out of memory");
        case SH_ENOTFOUND:     return _("not found");
        case SH_EPROTO:        return _("malformed data");
        case SH_ECRYPTO:       return _("signature or hash does not verify");
        case SH_ESTOREFULL:    return _("the store is full (its disk, or the LMDB map size)");
        case SH_EINVAL:        return _("invalid argument");
        case SH_ERULE:         return _("refused by a domain rule");
        case SH_ECHAIN:        return _("author chain broken");
        case SH_EEQUIVOCATION: return _("equivocation: a different change at an existing (author, seq)");
        case SH_ESCOPE:        return _("region outside the scope");
        case SH_EEXIST:        return _("already exists");
        case SH_EPERM:         return _("permission denied");
        case SH_ECORRUPT:      return _("store corrupt");
        case SH_EFAULT:        return _("injected fault");
        case SH_EVERSION:      return _("unknown protocol version");
        case SH_ECLOCK:        return _("refused: this node's clock disagrees with the hub's by more than 10 "
                                      "minutes, or its earlier changes carry a future time (shouhe-node clock "
                                      "--dir DIR says which and what to do)");
        case SH_EBEHIND:       return _("this node is behind its own chain (restored from a backup?); "
                                      "run shouhe-node sync first");
        default:               return _("unknown error");
    }
}

sh_err
sh_err_errno (void)
{
    int e = errno ? errno : EIO;
    return (sh_err) (SH_ESYSERR | (unsigned) e);
}
