/*  sh_plaus_test -- the plausibility rules as pure functions (issue 12):
    dates at most a day ahead and not before their record, birth years,
    phone numbers, residents per household and attendance, each at its
    boundary, and the reference dates (local today, the day a change was
    written at UTC+14). The operations (sh_ops_test "plausibility") and the
    conflicts view (sh_view_test "implausible") use them.
*/
#include "sh_test.h"

#include <stdio.h>
#include <string.h>

#include "sh_plaus.h"

static char why[SH_PLAUS_WHY_BYTES];

//  why holds every one of the words.
static void
s_says (const char *const *words)
{
    for (; *words; words++)
        if (!strstr (why, *words)) {
            fprintf (stderr, "'%s' does not say '%s'\n", why, *words);
            SH_CHECK (0);
        }
}
#define S_SAYS(...) s_says ((const char *[]) { __VA_ARGS__, NULL })

static void
test_dates (void)
{
    SH_PASS (sh_plaus_date ("the meeting date", "2026-12-07", "2026-12-06", "today", NULL, NULL, why));
    SH_PASS (sh_plaus_date ("the meeting date", "2026-12-06", "2026-12-06", "today", NULL, NULL, why));
    SH_PASS (sh_plaus_date ("the meeting date", "1990-01-01", "2026-12-06", "today", NULL, NULL, why));
    //  a day ahead across a month and a year end
    SH_PASS (sh_plaus_date ("d", "2027-01-01", "2026-12-31", "today", NULL, NULL, why));
    SH_PASS (sh_plaus_date ("d", "2024-03-01", "2024-02-29", "today", NULL, NULL, why));
    SH_FAIL (sh_plaus_date ("d", "2024-03-02", "2024-02-29", "today", NULL, NULL, why), SH_EINVAL);
    SH_FAIL (sh_plaus_date ("the meeting date", "2026-12-08", "2026-12-06", "today", NULL, NULL, why), SH_EINVAL);
    S_SAYS ("the meeting date 2026-12-08", "2 days after today (2026-12-06)", "at most 1 day ahead");
    SH_FAIL (sh_plaus_date ("the meeting date", "2027-12-06", "2026-12-06", "today", NULL, NULL, why), SH_EINVAL);
    S_SAYS ("2027-12-06 is 365 days after today");
    //  not a date
    SH_FAIL (sh_plaus_date ("the step date", "2024-02-30", "2026-12-06", "today", NULL, NULL, why), SH_EINVAL);
    S_SAYS ("the step date '2024-02-30' is not a valid YYYY-MM-DD date");
    SH_FAIL (sh_plaus_date ("d", NULL, "2026-12-06", "today", NULL, NULL, why), SH_EINVAL);
    //  not before the record it belongs to: the same day is fine
    SH_PASS (sh_plaus_date ("the step date", "2024-03-01", "2026-12-06", "today", "2024-03-01",
                            "the matter was opened", why));
    SH_FAIL (sh_plaus_date ("the step date", "2024-02-29", "2026-12-06", "today", "2024-03-01",
                            "the matter was opened", why), SH_ERULE);
    S_SAYS ("the step date 2024-02-29 is before the matter was opened (2024-03-01)");
    //  an unknown or malformed parent date judges nothing
    SH_PASS (sh_plaus_date ("d", "2024-02-29", "2026-12-06", "today", "", "x", why));
    SH_PASS (sh_plaus_date ("d", "2024-02-29", "2026-12-06", "today", "soon", "x", why));
    SH_CHECK (sh_plaus_date_valid ("2024-02-29") && !sh_plaus_date_valid ("2023-02-29"));
    SH_CHECK (!sh_plaus_date_valid ("2024-3-01") && !sh_plaus_date_valid ("3000-01-01"));
}

static void
test_reference_days (void)
{
    char day[SH_PLAUS_DAY_BYTES];
    //  2026-12-06T05:00:00Z is already 19:00 on the 6th at UTC+14; 10:00Z is the 7th there
    sh_plaus_written_day (day, 1796533200000ULL);
    SH_CHECK (!strcmp (day, "2026-12-06"));
    sh_plaus_written_day (day, 1796533200000ULL + 5 * 3600000ULL);
    SH_CHECK (!strcmp (day, "2026-12-07"));
    sh_plaus_written_day (day, 0);
    SH_CHECK (!strcmp (day, "1970-01-01"));
    //  a clock at the hlc's ceiling is after every date
    sh_plaus_written_day (day, 0xFFFFFFFF00000000ULL >> 16);
    SH_CHECK (!strcmp (day, "9999-12-31"));
    sh_plaus_local_day (day, 1796533200000ULL);
    SH_CHECK (sh_plaus_date_valid (day));
}

static void
test_birth_year (void)
{
    SH_CHECK (sh_plaus_birth_year (2026, 2026, why));
    SH_CHECK (sh_plaus_birth_year (1900, 2026, why));
    SH_CHECK (!sh_plaus_birth_year (2030, 2026, why));
    S_SAYS ("birth year 2030", "after this year (2026)", "not yet born");
    SH_CHECK (!sh_plaus_birth_year (2027, 2026, why));
    SH_CHECK (!sh_plaus_birth_year (1899, 2026, why));
    S_SAYS ("birth year 1899", "before 1900");
}

static void
test_phone (void)
{
    static const char *const good[] = { "13800138000", "023-12345678", "+86 138 0013 8000", "1234567",
                                        "+123456789012345", "0086-23-6789 1234" };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!sh_plaus_phone (good[i], why)) {
            fprintf (stderr, "%s\n", why);
            SH_CHECK (0);
        }
    static const char *const bad[] = { "abc", "123", "123456", "1234567890123456", "", "+", "138--0013-8000",
                                       "-13800138000", "13800138000-", "138 0013 8000 ", " 13800138000",
                                       "++8613800138000", "86+13800138000", "138\t00138000", "138.0013.8000",
                                       "１３８００１３８０００" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (sh_plaus_phone (bad[i], why)) {
            fprintf (stderr, "'%s' was taken for a phone number\n", bad[i]);
            SH_CHECK (0);
        }
    }
    SH_CHECK (!sh_plaus_phone ("abc", why));
    S_SAYS ("the phone number 'abc' is not well-formed", "7 to 15 digits", "+86 138 0013 8000");
    SH_CHECK (!sh_plaus_phone (NULL, why));
}

static void
test_people (void)
{
    //  a courtyard of 12 households: at most 240 residents
    SH_CHECK (sh_plaus_residents (240, 12, why));
    SH_CHECK (sh_plaus_residents (0, 12, why));
    SH_CHECK (!sh_plaus_residents (241, 12, why));
    SH_CHECK (!sh_plaus_residents (500, 12, why));
    S_SAYS ("residents 500", "20 per household", "at most 240");
    //  attendance: residents + invited; households x 6 when residents are unknown
    SH_CHECK (sh_plaus_attendance_max (12, 40, 5) == 45);
    SH_CHECK (sh_plaus_attendance_max (12, -1, 0) == 72);
    SH_CHECK (sh_plaus_attendance_max (12, 0, 3) == 3);
    SH_CHECK (sh_plaus_attendance (45, 12, 40, 5, why));
    SH_CHECK (!sh_plaus_attendance (46, 12, 40, 5, why));
    S_SAYS ("attendance 46", "40 residents", "5 invited", "at most 45");
    SH_CHECK (sh_plaus_attendance (72, 12, -1, 0, why));
    SH_CHECK (!sh_plaus_attendance (500, 12, -1, 0, why));
    S_SAYS ("attendance 500", "12 households x 6", "at most 72");
}

static const sh_test_case_t tests[] = {
    { "dates", test_dates },
    { "reference days", test_reference_days },
    { "birth year", test_birth_year },
    { "phone", test_phone },
    { "residents and attendance", test_people },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
