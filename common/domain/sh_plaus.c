/*  sh_plaus -- plausibility rules of the records clerks enter. */
#include "sh_plaus.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sh_i18n.h"
#include "sh_report.h"

//  The sentence of a refusal into why: fmt (marked N_) in English, or in
//  the language of the locale when shown (sh_i18n_format).
#define s_why(why, shown, ...) sh_i18n_format (why, SH_PLAUS_WHY_BYTES, shown, __VA_ARGS__)


bool
sh_plaus_date_valid (const char *date)
{
    int y, m, d;
    char tail;
    if (!date || strlen (date) != 10 || date[4] != '-' || date[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit ((unsigned char) date[i]))
            return false;
    if (sscanf (date, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return false;
    static const int days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > days[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

void
sh_plaus_local_day (char day[SH_PLAUS_DAY_BYTES], uint64_t ms)
{
    time_t t = (time_t) (ms / 1000);
    struct tm tm;
    localtime_r (&t, &tm);
    strftime (day, SH_PLAUS_DAY_BYTES, "%Y-%m-%d", &tm);
}

void
sh_plaus_written_day (char day[SH_PLAUS_DAY_BYTES], uint64_t ms)
{
    time_t t = (time_t) ((ms + (uint64_t) SH_PLAUS_ZONE_AHEAD_MS) / 1000);
    struct tm tm;
    if (!gmtime_r (&t, &tm)) {
        snprintf (day, SH_PLAUS_DAY_BYTES, "9999-12-31");   //  beyond any date: nothing is after it
        return;
    }
    //  years past 9999 do not fit; such a clock is far beyond every date anyway
    if (tm.tm_year + 1900 > 9999)
        snprintf (day, SH_PLAUS_DAY_BYTES, "9999-12-31");
    else
        strftime (day, SH_PLAUS_DAY_BYTES, "%Y-%m-%d", &tm);
}

static sh_err
s_date (const char *what, const char *date, const char *today, const char *today_what,
        const char *earliest, const char *earliest_what, bool shown, char *why)
{
    if (!sh_plaus_date_valid (date)) {
        s_why (why, shown, N_("%s '%s' is not a valid YYYY-MM-DD date"), what, date ? date : "");
        return SH_EINVAL;
    }
    long ahead = sh_report_days (date) - sh_report_days (today);
    if (ahead > SH_PLAUS_DAYS_AHEAD) {
        s_why (why, shown, N_("%s %s is %ld days after %s (%s): a date may be at most %d day ahead"),
               what, date, ahead, today_what, today, SH_PLAUS_DAYS_AHEAD);
        return SH_EINVAL;
    }
    if (earliest && sh_plaus_date_valid (earliest) && strcmp (date, earliest) < 0) {
        s_why (why, shown, N_("%s %s is before %s (%s)"), what, date, earliest_what, earliest);
        return SH_ERULE;
    }
    return SH_OK;
}

static bool
s_birth_year (long long year, int this_year, bool shown, char *why)
{
    if (year > this_year) {
        s_why (why, shown, N_("birth year %lld is not plausible: after this year (%d); a person not yet "
                              "born cannot be recorded"), year, this_year);
        return false;
    }
    if (year < SH_PLAUS_BIRTH_YEAR_MIN) {
        s_why (why, shown, N_("birth year %lld is not plausible: before %d"), year, SH_PLAUS_BIRTH_YEAR_MIN);
        return false;
    }
    return true;
}

static bool
s_phone (const char *phone, bool shown, char *why)
{
    const char *p = phone;
    int digits = 0;
    bool ok = p != NULL;
    if (ok && *p == '+')
        p++;
    //  groups of digits, one separator between two groups
    while (ok && *p) {
        if (!isdigit ((unsigned char) *p)) {
            ok = false;
            break;
        }
        while (isdigit ((unsigned char) *p)) {
            digits++;
            p++;
        }
        if ((*p == ' ' || *p == '-') && isdigit ((unsigned char) p[1]))
            p++;
        else
        if (*p)
            ok = false;
    }
    if (ok && digits >= SH_PLAUS_PHONE_DIGITS_MIN && digits <= SH_PLAUS_PHONE_DIGITS_MAX)
        return true;
    s_why (why, shown, N_("the phone number '%s' is not well-formed: digits with an optional leading +, "
                          "single spaces or - between groups, %d to %d digits (13800138000, 023-12345678, "
                          "+86 138 0013 8000)"),
           phone ? phone : "", SH_PLAUS_PHONE_DIGITS_MIN, SH_PLAUS_PHONE_DIGITS_MAX);
    return false;
}

static bool
s_residents (long long residents, long long households, bool shown, char *why)
{
    if (residents <= households * SH_PLAUS_RESIDENTS_PER_HOUSEHOLD_MAX)
        return true;
    s_why (why, shown, N_("residents %lld are more than %d per household (%lld households: at most %lld)"),
           residents, SH_PLAUS_RESIDENTS_PER_HOUSEHOLD_MAX, households,
           households * SH_PLAUS_RESIDENTS_PER_HOUSEHOLD_MAX);
    return false;
}

long long
sh_plaus_attendance_max (long long households, long long residents, long long invited)
{
    long long people = residents >= 0 ? residents : households * SH_PLAUS_PER_HOUSEHOLD;
    return people + (invited > 0 ? invited : 0);
}

static bool
s_attendance (long long attendance, long long households, long long residents, long long invited,
              bool shown, char *why)
{
    long long max = sh_plaus_attendance_max (households, residents, invited);
    if (attendance <= max)
        return true;
    if (residents >= 0)
        s_why (why, shown, N_("attendance %lld is more than the courtyard's %lld residents plus %lld invited "
                              "cadres and guests (at most %lld)"), attendance, residents, invited, max);
    else
        s_why (why, shown, N_("attendance %lld is more than the courtyard's %lld households x %d persons "
                              "(residents not on record) plus %lld invited cadres and guests (at most %lld)"),
               attendance, households, SH_PLAUS_PER_HOUSEHOLD, invited, max);
    return false;
}

//  ---------------------------------------------------------------------
//  The checks, in English (the plain names) and shown (the _shown twins)

sh_err
sh_plaus_date (const char *what, const char *date, const char *today, const char *today_what,
               const char *earliest, const char *earliest_what, char *why)
{
    return s_date (what, date, today, today_what, earliest, earliest_what, false, why);
}

sh_err
sh_plaus_date_shown (const char *what, const char *date, const char *today, const char *today_what,
                     const char *earliest, const char *earliest_what, char *why)
{
    return s_date (what, date, today, today_what, earliest, earliest_what, true, why);
}

bool
sh_plaus_birth_year (long long year, int this_year, char *why)
{
    return s_birth_year (year, this_year, false, why);
}

bool
sh_plaus_birth_year_shown (long long year, int this_year, char *why)
{
    return s_birth_year (year, this_year, true, why);
}

bool
sh_plaus_phone (const char *phone, char *why)
{
    return s_phone (phone, false, why);
}

bool
sh_plaus_phone_shown (const char *phone, char *why)
{
    return s_phone (phone, true, why);
}

bool
sh_plaus_residents (long long residents, long long households, char *why)
{
    return s_residents (residents, households, false, why);
}

bool
sh_plaus_residents_shown (long long residents, long long households, char *why)
{
    return s_residents (residents, households, true, why);
}

bool
sh_plaus_attendance (long long attendance, long long households, long long residents, long long invited,
                     char *why)
{
    return s_attendance (attendance, households, residents, invited, false, why);
}

bool
sh_plaus_attendance_shown (long long attendance, long long households, long long residents,
                           long long invited, char *why)
{
    return s_attendance (attendance, households, residents, invited, true, why);
}
