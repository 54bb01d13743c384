/*  sh_report -- district, town and village reports (DESIGN.md section 3,
    "Reporting") from the merged state, as one JSON object (jansson) that
    the CLIs print as JSON, CSV or 80-column text (sh_report_text), an SVG
    hexagon chart or one self-contained HTML page (sh_report_html).

    The report follows the locale (sh_i18n): in Chinese the text summary,
    the CSV header row, the .xlsx sheet names and headers and the HTML page
    are in Chinese; in any other locale they are English, as they always
    were. The JSON report, the CSV and .xlsx values and metrics (dotted
    keys) and the HTML's ids, classes and data- attributes never change.

    Reads one consistent snapshot (a read transaction of its own) of store,
    which is borrowed. The region is every record whose region code starts
    with prefix: "" the district, 9 digits a town, 12 digits a village.

    since (YYYY-MM-DD or NULL) keeps the matters opened, escalations dated,
    meetings held and mediations recorded on or after that date;
    courtyards, households, persons, the ledger (balances are cumulative)
    and the evaluations (hexagons, movers) are not filtered. today
    (YYYY-MM-DD) is the as-of date: matters opened, escalations, closings,
    meetings, mediations and ledger entries dated after it are not counted
    (a matter closed after it counts as open); it is also the reference date
    of the 30-day rule and of the month span of party-masses days.

    Shape (stable; integers unless noted; docs/reports.md is the full
    reference: every key, its type, order, rounding and filter):
      prefix, since (string or null), today
      villages            distinct 12-digit village codes of the courtyards
      courtyards, model_courtyards, households, residents (sum of the
                          courtyards' residents), persons (person records)
      matters, matters_closed, matters_open, escalations (accepted
                          escalate events dated on or after since)
      meetings, party_masses_days, mediations,
      points_earned, points_redeemed, points_balance
      by_tier             {micro, small, big}: {matters, closed}
      by_step             {diagnose, consult, prescribe, handle, feedback}:
                          matters whose last step is that one
      by_category         {policy, ..., economy}: {matters, closed}
      escalations_per_month  {"YYYY-MM": n} months with escalations, in order
      mediations_by_level {courtyard, group, village}: {resolved, partial,
                          unresolved, referred[, unspecified]}
      overdue_big         [{matter, title, village, opened_on, days}] big
                          matters still open more than 30 days after
                          opened_on, oldest first
      missed_party_masses_day  [{courtyard, name, village, months:
                          ["YYYY-MM"]}] courtyards without a party-masses
                          day in a month of the span
      points, minutes     {earned, redeemed, balance}
      closure_rate        number: matters_closed / matters (3 decimals)
      median_days_to_close  {micro, small, big}: number or null
      months              months in the span (first month of since or of
                          the first meeting, to the month before today)
      meetings_per_courtyard_month  number (2 decimals)
      hexagon             {levels: {category: number (1 decimal)}, area:
                          number (2 decimals), courtyards: n}
      courtyard_hexagons, village_hexagons, town_hexagons
                          [{levels, area, code, ..., rank}] by area,
                          largest first (ties by code); a courtyard's has
                          "name" and "period", a group's "courtyards"
      movers              {compared: n, gains: [...], losses: [...]}: the
                          10 biggest rises and falls of a courtyard's
                          hexagon area from its previous evaluation period
                          to its latest: {courtyard, name, village, period,
                          previous_period, area, previous_area, delta}
*/
#ifndef SH_REPORT_H
#define SH_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "sh_domain.h"
#include "sh_err.h"
#include "sh_store.h"

//  Open big matters older than this many days are overdue (the domain's rule).
#define SH_REPORT_OVERDUE_DAYS SH_DOMAIN_OVERDUE_DAYS

//  Build the report of region prefix. On SH_OK *out is a new object the
//  caller owns (json_decref). SH_EINVAL if since or today is not a date.
SH_NODISCARD sh_err sh_report_build (sh_store_t *store, const char *prefix, const char *since,
                                     const char *today, json_t **out);

//  Write report (from sh_report_build) to f as format "json" (indented),
//  "csv" (UTF-8, header row "metric,value", one row per value; metric is
//  the dotted path, array elements by index: overdue_big.0.days),
//  "csv-excel" (the same with a UTF-8 byte-order mark and CR LF line
//  ends, as Excel reads it right), "text"
//  (a summary whose lines fit 80 columns; lists of courtyards are cut
//  after 20 entries, movers after 5, with a line saying how many more
//  there are), "svg" (the region's six-category maturity hexagon as a
//  radar chart: grid polygons for levels 2..10, six labelled axes (class
//  "label", with data-category), the levels polygon (class "levels") and
//  the area) or "html" (one self-contained HTML5 page: tables and inline
//  SVG charts, no script, no URL; see sh_report_html.h). SH_EINVAL for
//  another format; SH_ESYSERR | errno when f cannot be written (flushed
//  here).
SH_NODISCARD sh_err sh_report_print (FILE *f, const json_t *report, const char *format);

//  Whether store knows region prefix: a record of any kind (but events and
//  ledger entries) under it, or an enrolled key whose scope starts with it.
//  On SH_OK *known receives the answer; the CLIs refuse a report of a
//  region nobody knows (a mistyped code) instead of printing zeros.
SH_NODISCARD sh_err sh_report_known (sh_store_t *store, const char *prefix, bool *known);

//  The format to write for the command-line options --format (format, or
//  NULL), --excel (excel) and --output (output, or NULL): format, "text"
//  when neither is given, and "csv-excel" (sh_report_print) for --excel with
//  csv or no format. SH_EINVAL, explained in msg (msg_size bytes), for an
//  unknown format, --excel with a format other than csv or xlsx, or xlsx
//  without --output.
SH_NODISCARD sh_err sh_report_format_pick (const char *format, bool excel, const char *output, const char **out,
                                           char *msg, size_t msg_size);

//  Write report to output (a new file, replaced if it exists; NULL:
//  stdout) in format: one of sh_report_print's, or "xlsx" (sh_report_xlsx;
//  needs output, refused with SH_EINVAL when output is a terminal). Errors
//  are explained in msg (msg_size bytes), in the user's language, as
//  sh_report_format_pick's; no caller reads their words.
SH_NODISCARD sh_err sh_report_save (const json_t *report, const char *format, const char *output,
                                    char *msg, size_t msg_size);

//  Days since 1970-01-01 of a "YYYY-MM-DD" date; -1 if malformed.
long sh_report_days (const char *date);

#endif
