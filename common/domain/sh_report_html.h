/*  sh_report_html -- the markup renderings of a report (sh_report_build):
    the maturity hexagon as an SVG document, and the whole report as one
    self-contained HTML5 page.

    Both read the report object by its documented keys (docs/reports.md)
    and write UTF-8 to f; neither allocates. The page has inline CSS and
    inline SVG charts only: no script, no URL, nothing fetched. Every text
    from the report is escaped for HTML (&, <, >, ", '). sh_report_print
    ("svg", "html") is the usual way in.

    Language (sh_i18n): the English page names things in English with the
    Chinese beside them ("courtyards 院落"); in Chinese every heading,
    caption and note is Chinese alone. Both pages are <html lang="zh-CN">;
    ids, classes and data- attributes are the same in both.

    Elements, for tools and tests: <svg id="hexagon" class="chart"> (the
    region's hexagon: polygon.levels, six text.label with data-category),
    <svg id="escalations" class="chart"> (rect.bar with data-month and
    data-count; absent when there were none: p#escalations-none), tables
    #totals (rows with data-key), #matters-by-tier, #matters-by-step,
    #matters-by-category, #overdue-big, #meetings, #missed-party-masses-day,
    #mediations, #points, #hexagon-levels, #town-ranking, #village-ranking,
    #courtyard-ranking, #movers-gains, #movers-losses. Long tables show
    their first 50 rows and a tr.more row saying how many more there are.
*/
#ifndef SH_REPORT_HTML_H
#define SH_REPORT_HTML_H

#include <stdio.h>

#include <jansson.h>

//  Write the region's six-category maturity hexagon as an SVG document:
//  grid polygons for levels 2..10, six labelled axes (text.label with
//  data-category), the levels polygon (class "levels") and the area.
void sh_report_html_svg (FILE *f, const json_t *report);

//  Write the whole report as one HTML5 page (see above).
void sh_report_html_page (FILE *f, const json_t *report);

#endif
