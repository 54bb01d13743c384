/*  sh_import -- courtyards and persons imported into a node from a CSV
    file, all or nothing.

    The file is CSV (sh_csv: UTF-8, or GB18030/GBK as Excel saves it on a
    Chinese Windows) whose header row names the columns, in any order, in
    English or Chinese (docs/protocol.md, "Import", has the table). For
    courtyards, code (院落编码), name (院落名称) and households (户数) are
    required; residents (人数), elderly (老年人数), model (示范: 1/0,
    yes/no, true/false, 是/否), point (议事点: fixed/mobile/none,
    固定/流动/无), grid (网格) and villager_group (村民小组) are optional. Each data row is one courtyard, checked
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
//  ("line 3, column 2 (name): ..."; in the language of the locale, sh_i18n,
//  a column named by its Chinese name in Chinese); message is valid during
//  the call only. Which column a refusal of sh_ops is about comes from the
//  field sh_ops reports (sh_ops_field_t), never from the message's words.
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

//  Import the persons of the CSV file at path into r, as sh_import_courtyards
//  imports courtyards: columns courtyard (院落编码) and name (姓名) required,
//  gender (性别: female/male, 女/男), birth_year (出生年份), party_member
//  (党员: yes/no as model) and phone (电话) optional; each row is checked as
//  sh_ops_person_add checks one (sh_ops_person_put). On SH_OK *count is the
//  number imported and *ids a new array of their ids, in file order, that
//  the caller frees (NULL when the file has no rows).
SH_NODISCARD sh_err sh_import_persons (sh_replica_t *r, const char *path, char (**ids)[SH_OPS_ID_HEX],
                                       size_t *count, sh_import_report_fn *report, void *arg, char *msg);

#endif
