/*  sh_owner -- whose store this is: the key a store belongs to, and the
    permissions of its directory (docs/protocol.md 8, "Meta keys":
    `owner.key`; docs/security.md).

    A node's or the hub's store records, when it is created, the public key
    it was created with (meta "owner.key", 64 lower-case hex digits). Every
    later open with a key checks it: a key file swapped for another node's
    (or restored from the wrong backup) is refused before it signs anything,
    naming both keys. A store written by an earlier version, which has no
    record yet, is bound to the key it is first opened with.

    A store directory that group or others may write is refused: anyone who
    can replace its files can replace the key or the log.

    Stateless and thread-safe; functions that write open their own
    transaction.
*/
#ifndef SH_OWNER_H
#define SH_OWNER_H

#include <stddef.h>
#include <stdint.h>

#include "sh_crypto.h"
#include "sh_err.h"
#include "sh_store.h"

#define SH_OWNER_META "owner.key"     //  the meta key of the record

//  Is directory dir safe to hold a store? SH_OK; SH_EPERM when group or
//  others may write it, with why saying so and naming the chmod to run;
//  SH_ENOTFOUND or SH_ESYSERR | errno when it cannot be looked at (why
//  says so too). why receives one sentence (why_len bytes at most).
SH_NODISCARD sh_err sh_owner_check_dir (const char *dir, char *why, size_t why_len);

//  Check that store belongs to the key pubkey, recording it when the store
//  has no record yet (a new store, or one written by an earlier version).
//  SH_OK; SH_EPERM when the store belongs to another key, with why naming
//  both keys; a store error otherwise (why names it).
SH_NODISCARD sh_err sh_owner_bind (sh_store_t *store, const uint8_t pubkey[SH_PUBKEY_BYTES],
                                   char *why, size_t why_len);

#endif
