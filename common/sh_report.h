/*  sh_report -- district, town and village reports (DESIGN.md section 3,
    "Reporting") from the merged state, as one JSON object (jansson) that
    the CLIs print as JSON, CSV or 80-column text.

    Reads one consistent snapshot (a read transaction of its own) of store,
    which is borrowed. The region is every record whose region code starts
    with prefix: "" the district, 9 digits a town, 12 digits a village.

    since (YYYY-MM-DD or NULL) keeps the matters opened, meetings held and
    mediations recorded on or after that date; courtyards, households,
    persons, the ledger (balances are cumulative) and the latest
    evaluations are not filtered. today (YYYY-MM-DD) is the reference date
    of the 30-day rule and of the month span of party-masses days.

    Shape (stable; integers unless noted):
      prefix, since (string or null), today
      villages            distinct 12-digit village codes of the courtyards
      courtyards, model_courtyards, households, residents (sum of the
                          courtyards' residents), persons (person records)
      matters, matters_closed, matters_open
      closure_rate        number: matters_closed / matters, 0 when none
      by_tier             {micro, small, big}: {matters, closed}
      by_step             {diagnose, consult, prescribe, handle, feedback}:
                          matters whose last step is that one
      by_category         {policy, ..., economy}: {matters, closed}
      median_days_to_close  {micro, small, big}: number (days from
                          opened_on to the close event's date) or null
      overdue_big         [{matter, title, village, opened_on, days}] big
                          matters still open more than 30 days after
                          opened_on, oldest first
      meetings, party_masses_days
      months              months in the span (first month of since or of
                          the first meeting, to the month before today)
      meetings_per_courtyard_month  number (2 decimals)
      missed_party_masses_day  [{courtyard, village, months: ["YYYY-MM"]}]
                          courtyards without a party-masses day in a month
                          of the span
      mediations          total; mediations_by_level {courtyard, group,
                          village}: {resolved, partial, unresolved,
                          referred, unspecified}
      points_earned, points_redeemed, points_balance
      points              {earned, redeemed, balance}; minutes: the same
      hexagon             {levels: {category: number (mean of the latest
                          evaluation level of each evaluated courtyard,
                          1 decimal)}, area: number, courtyards: n}
      courtyard_hexagons, village_hexagons, town_hexagons
                          [{code, levels, area, rank}] by area, largest
                          first (rank 1; ties by code); a courtyard's also
                          has "period" (its latest), a village's or town's
                          "courtyards" (evaluated ones) and levels that are
                          the mean of its courtyards'
*/
#ifndef SH_REPORT_H
#define SH_REPORT_H

#include <stdio.h>

#include <jansson.h>

#include "sh_err.h"
#include "sh_store.h"

//  Open big matters older than this many days are overdue.
#define SH_REPORT_OVERDUE_DAYS 30

//  Build the report of region prefix. On SH_OK *out is a new object the
//  caller owns (json_decref). SH_EINVAL if since or today is not a date.
SH_NODISCARD sh_err sh_report_build (sh_store_t *store, const char *prefix, const char *since,
                                     const char *today, json_t **out);

//  Write report (from sh_report_build) to f as format "json" (indented),
//  "csv" (UTF-8, header row "metric,value", one row per value; metric is
//  the dotted path, array elements by index: overdue_big.0.days) or "text"
//  (a summary whose lines fit 80 columns; lists of courtyards are cut
//  after 20 entries, with a line saying how many more there are) or "svg"
//  (the region's six-category maturity hexagon as a radar chart: grid
//  polygons for levels 2..10, six labelled axes (class "label", with
//  data-category), the levels polygon (class "levels") and the area).
//  SH_EINVAL for another format.
SH_NODISCARD sh_err sh_report_print (FILE *f, const json_t *report, const char *format);

//  Days since 1970-01-01 of a "YYYY-MM-DD" date; -1 if malformed.
long sh_report_days (const char *date);

#endif
