/*  sh_plaus -- plausibility rules of the records clerks enter (issue 12):
    dates at most a day ahead and not before the record they belong to,
    well-formed birth years and phone numbers, attendance within the
    courtyard's people plus invited cadres (docs/protocol.md 6.3, 7.8).

    The same rules judge a local entry (sh_ops refuses it) and a record
    that arrived from another writer (sh_conflicts_view lists it as
    implausible; merge keeps it, so replicas stay identical). Only the
    reference "today" differs: the node's local date at entry, the date
    of the writing change's hlc for what arrived (sh_plaus_written_day).

    Pure functions on plain values; no state. A refusal returns false (or
    SH_EINVAL / SH_ERULE) and writes a sentence naming the field, the value
    and the rule into why (SH_PLAUS_WHY_BYTES).

    The sentence is English, the same on every node, for what is stored
    or parsed (sh_conflicts_view's JSON "reason"). Each check has a twin
    ending in _shown that writes it in the language of the locale in
    effect (sh_i18n), for the clerk whose entry it refuses (sh_ops) and
    for the text of `conflicts` (sh_conflicts_view_shown); a caller of a
    _shown twin passes its what arguments translated too.
*/
#ifndef SH_PLAUS_H
#define SH_PLAUS_H

#include <stdbool.h>
#include <stdint.h>

#include "sh_err.h"

#define SH_PLAUS_WHY_BYTES 320
#define SH_PLAUS_DAY_BYTES 11             //  "YYYY-MM-DD" and its NUL
#define SH_PLAUS_DAYS_AHEAD 1             //  a date may lie this many days after today
#define SH_PLAUS_BIRTH_YEAR_MIN 1900
#define SH_PLAUS_PHONE_DIGITS_MIN 7       //  a local number without area code
#define SH_PLAUS_PHONE_DIGITS_MAX 15      //  ITU-T E.164
#define SH_PLAUS_PER_HOUSEHOLD 6          //  people per household assumed when residents are unknown
#define SH_PLAUS_RESIDENTS_PER_HOUSEHOLD_MAX 20   //  most residents a courtyard may have per household
#define SH_PLAUS_INVITED_MAX 200          //  invited cadres and guests of one meeting
//  The reference of a change written at ms: the calendar date at UTC+14,
//  the latest date anywhere on Earth at that instant, so that a writer's
//  local today (whatever its time zone) is never after it.
#define SH_PLAUS_ZONE_AHEAD_MS (14LL * 3600 * 1000)

//  Is date a real calendar date "YYYY-MM-DD" of the years 1900..2999?
bool sh_plaus_date_valid (const char *date);

//  The local calendar date ("YYYY-MM-DD") at unix time ms: the node's
//  today at entry.
void sh_plaus_local_day (char day[SH_PLAUS_DAY_BYTES], uint64_t ms);

//  The reference date of a change whose hlc has milliseconds ms: the UTC
//  date of ms + SH_PLAUS_ZONE_AHEAD_MS.
void sh_plaus_written_day (char day[SH_PLAUS_DAY_BYTES], uint64_t ms);

//  Check date (a valid YYYY-MM-DD; what names it, "the meeting date")
//  against today (at most SH_PLAUS_DAYS_AHEAD days after it; today_what
//  says what today is, "today" or "the day it was written") and, if
//  earliest is not NULL, against the date of the record it belongs to (not
//  before earliest; earliest_what: "the matter was opened"). SH_EINVAL
//  after today + 1 or when date is not a date, SH_ERULE before earliest.
SH_NODISCARD sh_err sh_plaus_date (const char *what, const char *date, const char *today,
                                   const char *today_what, const char *earliest,
                                   const char *earliest_what, char *why);
SH_NODISCARD sh_err sh_plaus_date_shown (const char *what, const char *date, const char *today,
                                         const char *today_what, const char *earliest,
                                         const char *earliest_what, char *why);

//  A birth year from SH_PLAUS_BIRTH_YEAR_MIN to this_year.
SH_NODISCARD bool sh_plaus_birth_year (long long year, int this_year, char *why);
SH_NODISCARD bool sh_plaus_birth_year_shown (long long year, int this_year, char *why);

//  A phone number: digits, an optional leading '+', single spaces or '-'
//  between groups of digits, 7..15 digits in all ("13800138000",
//  "023-12345678", "+86 138 0013 8000").
SH_NODISCARD bool sh_plaus_phone (const char *phone, char *why);
SH_NODISCARD bool sh_plaus_phone_shown (const char *phone, char *why);

//  Residents of a courtyard: at most SH_PLAUS_RESIDENTS_PER_HOUSEHOLD_MAX
//  per household.
SH_NODISCARD bool sh_plaus_residents (long long residents, long long households, char *why);
SH_NODISCARD bool sh_plaus_residents_shown (long long residents, long long households, char *why);

//  The most people a meeting of a courtyard can have: its residents (or,
//  when residents < 0, unknown: households * SH_PLAUS_PER_HOUSEHOLD) plus
//  the invited cadres and guests.
long long sh_plaus_attendance_max (long long households, long long residents, long long invited);

//  attendance within sh_plaus_attendance_max.
SH_NODISCARD bool sh_plaus_attendance (long long attendance, long long households, long long residents,
                                       long long invited, char *why);
SH_NODISCARD bool sh_plaus_attendance_shown (long long attendance, long long households,
                                             long long residents, long long invited, char *why);

#endif
