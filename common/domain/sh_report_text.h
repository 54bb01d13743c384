/*  sh_report_text -- the plain renderings of a report (sh_report_build):
    an 80-column text summary and CSV.

    Both read the report object by its documented keys (docs/reports.md)
    and write UTF-8 to f; the caller checks f for write errors. Labels
    follow the locale (sh_i18n): in Chinese the summary's words and the
    domain's names (sh_names_shown) are Chinese, its columns counted in
    display columns (a Chinese character takes two), and the CSV header row
    reads "指标,数值"; the CSV rows themselves never change.
    sh_report_print ("text", "csv") is the usual way in.
*/
#ifndef SH_REPORT_TEXT_H
#define SH_REPORT_TEXT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

//  A summary whose lines fit 80 columns: totals, matters by tier, step and
//  category, escalations per month (a row per year), the overdue big
//  matters, meetings and the courtyards that missed a party-masses day,
//  mediations, points, the hexagons and their rankings, the movers. Lists
//  of courtyards are cut after 20 entries, movers after 5, with a line
//  saying how many more there are.
void sh_report_text_summary (FILE *f, const json_t *report);

//  CSV (UTF-8): the header row "metric,value", then one row per value;
//  metric is the dotted path of the value, array elements by index
//  (overdue_big.0.days). Lines end in LF; for Excel (excel), the file
//  starts with a UTF-8 byte-order mark and lines end in CR LF.
void sh_report_text_csv (FILE *f, const json_t *report, bool excel);

//  Called for each leaf value (not an object or array) of a report with
//  its dotted path (array elements by index: overdue_big.0.days); both
//  valid during the call only.
typedef void (sh_report_text_leaf_fn) (const char *path, const json_t *value, void *arg);

//  Every leaf of report, in order (the rows of the CSV report), to fn.
void sh_report_text_leaves (const json_t *report, sh_report_text_leaf_fn *fn, void *arg);

#endif
