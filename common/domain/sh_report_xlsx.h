/*  sh_report_xlsx -- a report (sh_report_build) as an Excel workbook
    (.xlsx), written with libxlsxwriter.

    Sheets: "report" holds every value of the report, one row each, as the
    CSV report does (columns metric and value); then one sheet per list of
    records in the report (overdue_big, missed_party_masses_day,
    courtyard_hexagons, village_hexagons, town_hexagons, movers_gains,
    movers_losses), a row per record and a column per field (nested fields
    dotted: levels.policy; a list of plain values, such as months, is one
    cell of values separated by spaces), with the field names as the header
    row.

    In Chinese (sh_i18n) the sheets and header cells are named in Chinese
    ("报表", "超期大事" ...; "指标", "数值"; a hexagon's levels.policy is
    "政策宣讲"); the metrics and values are the same in every language.

    Integers and reals are number cells, booleans boolean cells; every text
    (metrics, names, titles) is a string cell, never a formula, so a name
    that begins with '=' stays that text when Excel opens the file.

    libxlsxwriter builds the file from temporary files in TMPDIR.
*/
#ifndef SH_REPORT_XLSX_H
#define SH_REPORT_XLSX_H

#include <jansson.h>

#include "sh_err.h"

//  Write report (borrowed) to a new .xlsx file at path (replaced if it
//  exists). SH_ESYSERR | errno or SH_ENOMEM when it cannot be written, with
//  libxlsxwriter's reason in msg (msg_size bytes).
SH_NODISCARD sh_err sh_report_xlsx_save (const char *path, const json_t *report, char *msg, size_t msg_size);

#endif
