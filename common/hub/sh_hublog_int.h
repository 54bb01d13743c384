/*  sh_hublog_int -- what the parts of sh_hublog share (sh_hublog.c: Push,
    checkpoints; sh_hublog_pull.c: Pull). Not for other modules:
    sh_hublog.h is the interface.
*/
#ifndef SH_HUBLOG_INT_H
#define SH_HUBLOG_INT_H

#include <stdint.h>

#include "sh_err.h"
#include "sh_store.h"

//  The newest stored checkpoint in txn: its size and, when note is not
//  NULL, a copy of its note (the caller frees it). SH_ENOTFOUND when none
//  is stored.
SH_NODISCARD sh_err sh_hublog_latest (sh_store_txn_t *txn, uint64_t *size, char **note);

#endif
