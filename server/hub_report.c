/*  hub_report -- shouhe-hub report: the district's, a town's or a
    village's report from the hub's store (sh_report; docs/reports.md).
    See hub.h.
*/
#include "hub.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sh_exit.h"
#include "sh_i18n.h"
#include "sh_report.h"

//  Today's date (UTC) as YYYY-MM-DD.
static void
s_today (char out[11])
{
    time_t t = time (NULL);
    struct tm tm;
    gmtime_r (&t, &tm);
    strftime (out, 11, "%Y-%m-%d", &tm);
}

int
hub_report_check (const hub_report_args_t *a)
{
    if (a->town && a->village) {
        fprintf (stderr, _("shouhe-hub: report takes --town or --village, not both\n"));
        return SH_EXIT_USAGE;
    }
    const char *prefix = a->town ? a->town : a->village ? a->village : "";
    size_t want = a->town ? 9 : 12;
    if (*prefix && (strlen (prefix) != want || strspn (prefix, "0123456789") != want)) {
        fprintf (stderr, _("shouhe-hub: --%s takes a %zu-digit code, not '%s'\n"), a->town ? "town" : "village",
                 want, prefix);
        return SH_EXIT_USAGE;
    }
    const char *format;
    char why[512];
    if (sh_report_format_pick (a->format, a->excel, a->output, &format, why, sizeof why)) {
        fprintf (stderr, "shouhe-hub: %s\n", why);
        return SH_EXIT_USAGE;
    }
    if (a->since && sh_report_days (a->since) < 0) {
        fprintf (stderr, _("shouhe-hub: --since takes a date YYYY-MM-DD, not '%s'\n"), a->since);
        return SH_EXIT_USAGE;
    }
    if (a->date && sh_report_days (a->date) < 0) {
        fprintf (stderr, _("shouhe-hub: --date takes a date YYYY-MM-DD, not '%s'\n"), a->date);
        return SH_EXIT_USAGE;
    }
    return SH_EXIT_OK;
}

int
hub_report_run (const hub_report_args_t *a, sh_store_t *store)
{
    const char *prefix = a->town ? a->town : a->village ? a->village : "";
    const char *format;
    char why[512];
    if (sh_report_format_pick (a->format, a->excel, a->output, &format, why, sizeof why))
        return SH_EXIT_USAGE;
    bool known = true;
    sh_err rc = *prefix ? sh_report_known (store, prefix, &known) : SH_OK;
    if (rc == SH_OK && !known) {
        fprintf (stderr, a->town ? _("shouhe-hub: no record and no enrolled node under town %s: is the code "
                                     "right?\n")
                                 : _("shouhe-hub: no record and no enrolled node under village %s: is the code "
                                     "right?\n"), prefix);
        return SH_EXIT_REFUSED;
    }
    char today[11];
    s_today (today);
    json_t *r = NULL;
    if (rc == SH_OK)
        rc = sh_report_build (store, prefix, a->since, a->date ? a->date : today, &r);
    if (rc) {
        fprintf (stderr, _("shouhe-hub: cannot build the report: %s\n"), sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    rc = sh_report_save (r, format, a->output, why, sizeof why);
    json_decref (r);
    if (rc) {
        fprintf (stderr, "shouhe-hub: %s\n", why);
        return SH_EXIT_REFUSED;
    }
    return SH_EXIT_OK;
}

