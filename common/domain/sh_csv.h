/*  sh_csv -- reading CSV files (RFC 4180) through libcsv, row by row, with
    the line number each row starts on, for importers that must name the
    line and column of every bad value.

    Fields are handed over NUL-terminated; quoted fields may hold commas,
    quotes ("") and newlines. Blank lines are skipped.

    Encodings: UTF-8, with or without a byte-order mark (skipped), is read
    as it is; so is a file that starts with a UTF-8 byte-order mark or
    whose non-ASCII bytes are mostly well-formed UTF-8 (UTF-8 with a
    broken character: the importer's entry checks name the field). Any
    other file is read as GB18030, the superset of GBK that Excel writes
    for "CSV" on a Chinese Windows, and converted to UTF-8 with glibc's
    iconv. A file that is neither (or UTF-16) is refused, and the message
    names the line and says what to do ("save the file as 'CSV UTF-8' in
    Excel"). The whole file is read into memory (at most SH_CSV_MAX_BYTES).
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
//  read; SH_EINVAL if it is too large or neither UTF-8 nor GB18030 (msg
//  names the line); SH_EPROTO on a syntax error (unterminated quote, stray quote, too
//  many fields), with a message naming the line in msg (msg_size bytes).
SH_NODISCARD sh_err sh_csv_read (const char *path, sh_csv_row_fn *fn, void *arg,
                                 char *msg, size_t msg_size);

#endif
