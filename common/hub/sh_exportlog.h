/*  sh_exportlog -- the hub's record of the exports that carried personal
    data (`shouhe-hub export --with-personal`; docs/protocol.md 15.1,
    docs/privacy.md 7).

    Such an export holds the openings of sealed fields -- names, phones,
    notes -- so before its file is linked into place the hub records, in
    its own store, when it was written, by which OS user, for what purpose,
    to which file, and how much it holds. `shouhe-hub exports` lists the
    records. A public export (commitments only) is not recorded.

    Store layout (database "exports", SH_DB_EXPORTS), one entry per export:
        key   = be64(number): 1, 2, 3 ... in the order they were recorded
        value = 0x01 (layout version, 1)
             || be64(time, unix ms) || be32(uid)
             || be64(changes) || be64(openings) || be64(tree size)
             || be16(len) || user || be16(len) || purpose || be16(len) || path
    (strings without a NUL; 43 bytes and the strings). Only this module
    reads and writes it. Hub-local: not in the state digest, the registry
    note or an export; a backup (a copy of the store) keeps it.

    Ownership: plain data; the functions borrow the transaction for the
    call. Threading: as the transaction.
*/
#ifndef SH_EXPORTLOG_H
#define SH_EXPORTLOG_H

#include <stdint.h>

#include "sh_err.h"
#include "sh_store.h"

#define SH_EXPORTLOG_USER_MAX 255         //  bytes of an OS user name
#define SH_EXPORTLOG_PURPOSE_MAX 1000     //  bytes of a purpose
#define SH_EXPORTLOG_PATH_MAX 4095        //  bytes of a file's path

//  One record (plain data).
typedef struct {
    uint64_t number;                          //  1, 2, ... (set by sh_exportlog_add)
    uint64_t time_ms;                         //  when it was written, unix ms
    uint32_t uid;                             //  the OS user who ran the export
    char user[SH_EXPORTLOG_USER_MAX + 1];     //  its name ("" when it has none)
    char purpose[SH_EXPORTLOG_PURPOSE_MAX + 1];   //  why, as the operator gave it
    char path[SH_EXPORTLOG_PATH_MAX + 1];     //  the file's absolute path
    uint64_t changes;                         //  changes in the export
    uint64_t openings;                        //  openings in the export
    uint64_t tree_size;                       //  the hub's tree size in its snapshot
} sh_exportlog_entry_t;

//  Record e (write transaction; its strings NUL-terminated) under the
//  next number, which is set in e->number. Store errors (SH_ESTOREFULL
//  ...).
SH_NODISCARD sh_err sh_exportlog_add (sh_store_txn_t *txn, sh_exportlog_entry_t *e);

//  Called for each record in number order; e is valid during the call only.
//  Return non-zero to stop the walk (sh_exportlog_each then returns SH_OK).
typedef int (sh_exportlog_fn) (const sh_exportlog_entry_t *e, void *arg);

//  Walk every record. SH_ECORRUPT for a record of another layout; store
//  errors.
SH_NODISCARD sh_err sh_exportlog_each (sh_store_txn_t *txn, sh_exportlog_fn *fn, void *arg);

#endif
