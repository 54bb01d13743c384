/*  sh_import -- courtyards imported into a node from a CSV file, all or
    nothing.

    The file is UTF-8 CSV (sh_csv) whose header row names the columns,
    in any order: code, name and households are required; residents,
    elderly, model (1/0, yes/no, true/false), point, grid and
    villager_group are optional. Each data row is one courtyard, checked
    as sh_ops_courtyard_add checks one (sh_ops_courtyard_put), and also
    against the codes of the rows before it. Every bad row is reported
    with its line and column, and then nothing is written: the rows are
    added in one write transaction that is committed only when every row
    is good.

    Uses the replica it is given (borrowed) from the calling thread only.
*/
#ifndef SH_IMPORT_H
#define SH_IMPORT_H

#include <stddef.h>

#include "sh_err.h"
#include "sh_ops.h"
#include "sh_replica.h"

//  Called once for each fault with a message naming the line and column
//  ("line 3, column 2 (name): ..."); message is valid during the call only.
typedef void (sh_import_report_fn) (const char *message, void *arg);

//  Import the courtyards of the CSV file at path into r. On SH_OK *count
//  is the number imported. Otherwise nothing is written, each bad row was
//  reported through report (may be NULL) with arg, and msg
//  (SH_OPS_MSG_BYTES) holds a summary: SH_EINVAL for bad rows, a bad
//  header, an empty file or a CSV syntax error (msg names the line),
//  SH_ENOTFOUND / SH_ESYSERR|errno if the file cannot be read, store
//  errors otherwise ("import stopped: ...").
SH_NODISCARD sh_err sh_import_courtyards (sh_replica_t *r, const char *path, size_t *count,
                                          sh_import_report_fn *report, void *arg, char *msg);

#endif
