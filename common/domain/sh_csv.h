/*  sh_csv -- reading CSV files (RFC 4180) through libcsv, row by row, with
    the line number each row starts on, for importers that must name the
    line and column of every bad value.

    Fields are handed over NUL-terminated; quoted fields may hold commas,
    quotes ("") and newlines. A UTF-8 byte-order mark at the start is
    skipped. Blank lines are skipped.
*/
#ifndef SH_CSV_H
#define SH_CSV_H

#include <stddef.h>

#include "sh_err.h"

#define SH_CSV_MAX_FIELDS 64       //  more fields in a row is an error
#define SH_CSV_MAX_BYTES (64u << 20)   //  largest file accepted

//  Called for each row; fields are valid only during the call. Return
//  non-zero to stop reading (sh_csv_read then returns SH_OK).
typedef int (sh_csv_row_fn) (const char *const *fields, size_t n_fields, size_t line, void *arg);

//  Read path row by row. SH_ENOTFOUND / SH_ESYSERR|errno if it cannot be
//  read; SH_EPROTO on a syntax error (unterminated quote, stray quote, too
//  many fields), with a message naming the line in msg (msg_size bytes).
SH_NODISCARD sh_err sh_csv_read (const char *path, sh_csv_row_fn *fn, void *arg,
                                 char *msg, size_t msg_size);

#endif
