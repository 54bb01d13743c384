/*  sh_epoch -- the hub's signed statement that it abandoned a lost tail of
    its log and continues from an earlier tree (docs/protocol.md 13.19).

    An epoch note is a checkpoint note (8.1) of the tree the new epoch
    continues from -- origin, size B, root of the first B leaves -- with
    two extension lines:

        epoch <E>\n                         E = 2, 3, ... (decimal)
        abandons <N> <root, 64 hex>\n       the largest checkpoint of the
                                            old epoch any node showed
                                            (N > B; "abandons 0 000…0"
                                            when none was shown)

    signed by the hub's key like every checkpoint. It is a true checkpoint
    of size B (a verifier that ignores extensions accepts it as one); the
    extensions say that every checkpoint of a size above B signed before it
    is void, and that the leaves from B on are handed out anew.

    Stateless and thread-safe.
*/
#ifndef SH_EPOCH_H
#define SH_EPOCH_H

#include <stddef.h>
#include <stdint.h>

#include "sh_crypto.h"
#include "sh_err.h"
#include "sh_hubid.h"

typedef struct {
    uint64_t epoch;                     //  2, 3, ...
    uint64_t base;                      //  the tree size the epoch continues from
    uint8_t base_root[SH_HASH_BYTES];   //  its root
    uint64_t abandoned;                 //  the largest checkpoint size abandoned (0: none shown)
    uint8_t abandoned_root[SH_HASH_BYTES]; //  its root (zero when abandoned is 0)
} sh_epoch_t;

//  Sign e as the epoch note of hub (its key set). *note (caller frees) and
//  *len receive it. SH_EINVAL for an epoch below 2 or abandoned <= base
//  (unless 0); SH_ENOMEM.
SH_NODISCARD sh_err sh_epoch_sign (const sh_hubid_t *hub, const sh_epoch_t *e, char **note, size_t *len);

//  Verify note[0..len) with hub's key and parse it. SH_ECRYPTO when it is
//  not signed by hub; SH_EPROTO when it is not an epoch note.
SH_NODISCARD sh_err sh_epoch_open (const sh_hubid_t *hub, const char *note, size_t len, sh_epoch_t *out);

#endif
