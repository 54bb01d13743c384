/*  sh_ops -- the domain operations of a node: what clerks and courtyard
    heads do, each checked against the rules and recorded as signed changes.

    Every operation validates its input and the current merged state first;
    a refused operation writes nothing and puts a message naming the cause
    into msg (SH_OPS_MSG_BYTES), in the language of the locale in effect
    (sh_i18n: a clerk reads it; no caller may parse it). Accepted operations are one write
    transaction each, except sh_ops_courtyard_put, which writes inside the
    caller's (sh_import adds a whole file in one).

    Text arguments for enums are the short names of the schema's values
    ("policy", "big", "handle"; see sh_record_enum_parse). Dates are
    "YYYY-MM-DD"; NULL means today (local time, sh_ops_today). Every entry
    is checked for plausibility (sh_plaus, docs/protocol.md 6.3): dates at
    most a day after today and not before the record they belong to, birth
    years, phone numbers, attendance. Ids are 16 random bytes, written as
    32 hex digits.

    Matter steps and closes are also checked against who may move the
    matter (sh_domain_matter_lead, with this node's scope): a village node
    refuses them on a big matter and names `matter note` instead.

    Return codes: SH_EINVAL (bad input), SH_ENOTFOUND (unknown courtyard,
    person, matter), SH_EEXIST, SH_ERULE (a domain rule), SH_ESCOPE (outside
    the node's scope), or store errors.
*/
#ifndef SH_OPS_H
#define SH_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sh_err.h"
#include "sh_replica.h"

#define SH_OPS_MSG_BYTES 512
#define SH_OPS_ID_BYTES 16
#define SH_OPS_ID_HEX (2 * SH_OPS_ID_BYTES + 1)
#define SH_OPS_UNSET INT64_MIN   //  an optional number that was not given
#define SH_OPS_DAY_BYTES 11      //  "YYYY-MM-DD" and its NUL

//  The field of a courtyard or a person that a refusal is about
//  (sh_ops_courtyard_put, sh_ops_person_put): an importer names the column
//  of the fault from it, whatever the language of the message.
typedef enum {
    SH_OPS_FIELD_NONE,         //  none (a store error)
    SH_OPS_FIELD_CODE,         //  courtyard: its code (also its scope, a duplicate)
    SH_OPS_FIELD_NAME,         //  courtyard or person: the name
    SH_OPS_FIELD_HOUSEHOLDS,
    SH_OPS_FIELD_RESIDENTS,
    SH_OPS_FIELD_ELDERLY,
    SH_OPS_FIELD_POINT,
    SH_OPS_FIELD_GRID,
    SH_OPS_FIELD_VILLAGER_GROUP,
    SH_OPS_FIELD_COURTYARD,    //  person: the courtyard (unknown, out of scope)
    SH_OPS_FIELD_GENDER,
    SH_OPS_FIELD_BIRTH_YEAR,
    SH_OPS_FIELD_PHONE
} sh_ops_field_t;

typedef struct {
    const char *code;          //  15 digits: village code + 3
    const char *name;          //  non-empty
    int64_t households;        //  > 0
    int64_t residents;         //  >= 0, or SH_OPS_UNSET
    int64_t elderly;           //  0..residents, or SH_OPS_UNSET
    bool model;                //  a model courtyard
    const char *point;         //  fixed | mobile | none, or NULL
    const char *grid;          //  or NULL
    const char *villager_group;//  or NULL
} sh_ops_courtyard_t;

SH_NODISCARD sh_err sh_ops_courtyard_add (sh_replica_t *r, const sh_ops_courtyard_t *c, char *msg);

//  Check courtyard c as sh_ops_courtyard_add does and write it inside txn,
//  a write transaction of r (sh_replica_begin) that the caller commits or
//  aborts: several courtyards in one transaction (sh_import). A refused
//  courtyard writes nothing and explains in msg: SH_EINVAL, SH_ESCOPE,
//  SH_EEXIST (the rules; a courtyard written earlier in txn exists too);
//  any other code is a store error. *field (when field is not NULL)
//  receives the field the refusal is about.
SH_NODISCARD sh_err sh_ops_courtyard_put (sh_replica_t *r, sh_store_txn_t *txn,
                                          const sh_ops_courtyard_t *c, sh_ops_field_t *field, char *msg);

typedef struct {
    const char *name;          //  non-empty
    const char *courtyard;     //  existing courtyard code
    const char *gender;        //  female | male, or NULL
    int birth_year;            //  0 = not given, else 1900..this year
    bool party_member;
    const char *phone;         //  or NULL; digits, optional +, ' ' or '-' between groups, 7..15 digits
} sh_ops_person_t;

//  Name the district, town or village code (6, 9 or 12 digits, inside the
//  node's scope): its Region record, level and parent derived from the code
//  (docs/protocol.md 3.1). A second call renames it. SH_EINVAL (a bad code
//  or name) or SH_ESCOPE, explained in msg; sh_ops_write1's errors.
SH_NODISCARD sh_err sh_ops_region_set (sh_replica_t *r, const char *code, const char *name, char *msg);

SH_NODISCARD sh_err sh_ops_person_add (sh_replica_t *r, const sh_ops_person_t *p,
                                       char id_hex[SH_OPS_ID_HEX], char *msg);

//  Check person p as sh_ops_person_add does and write it inside txn, a
//  write transaction of r that the caller commits or aborts (several
//  persons in one transaction: sh_import). A refused person writes nothing
//  and explains in msg: SH_EINVAL, SH_ESCOPE, SH_ENOTFOUND (no such
//  courtyard), *field (when field is not NULL) receiving the field it is
//  about; any other code is a store error. On SH_OK id_hex is the new id.
SH_NODISCARD sh_err sh_ops_person_put (sh_replica_t *r, sh_store_txn_t *txn, const sh_ops_person_t *p,
                                       char id_hex[SH_OPS_ID_HEX], sh_ops_field_t *field, char *msg);

//  Appoint a person to a role. When the person already holds it, a
//  correction: with a nomination or a date, a put of just those fields
//  (SH_OK and msg says "corrected ..."); with neither, SH_ERULE.
SH_NODISCARD sh_err sh_ops_role_assign (sh_replica_t *r, const char *person_hex, const char *role,
                                        const char *nomination, const char *date, char *msg);
SH_NODISCARD sh_err sh_ops_role_dismiss (sh_replica_t *r, const char *person_hex, const char *role,
                                         const char *reason, const char *date, char *msg);

SH_NODISCARD sh_err sh_ops_matter_open (sh_replica_t *r, const char *courtyard, const char *category,
                                        const char *title, const char *description, const char *date,
                                        char id_hex[SH_OPS_ID_HEX], char *msg);
SH_NODISCARD sh_err sh_ops_matter_step (sh_replica_t *r, const char *matter_hex, const char *step,
                                        const char *note, const char *date, char *msg);
SH_NODISCARD sh_err sh_ops_matter_escalate (sh_replica_t *r, const char *matter_hex, const char *tier,
                                            const char *note, const char *date, char *msg);
//  Add a note (non-empty text) to a matter: residents' feedback or progress,
//  by any node whose scope holds the matter, whatever its tier or state;
//  it changes no state (docs/protocol.md 6.4).
SH_NODISCARD sh_err sh_ops_matter_note (sh_replica_t *r, const char *matter_hex, const char *note,
                                        const char *date, char *msg);
SH_NODISCARD sh_err sh_ops_matter_close (sh_replica_t *r, const char *matter_hex, int satisfaction,
                                         const char *note, const char *date, char *msg);

typedef struct {
    const char *courtyard;
    const char *kind;          //  party-masses-day | deliberation | longmenzhen | bench-lecture | other
    const char *date;          //  or NULL for today
    int64_t attendance;        //  0..residents (households * 6 if unknown) + invited, or SH_OPS_UNSET
    const char *const *topics; //  n_topics strings
    size_t n_topics;
    const char *const *decisions;
    size_t n_decisions;
    const char *location;      //  or NULL
    int64_t invited;           //  0..200 cadres and guests from outside the courtyard; 0 or SH_OPS_UNSET: none
} sh_ops_meeting_t;

SH_NODISCARD sh_err sh_ops_meeting_record (sh_replica_t *r, const sh_ops_meeting_t *m,
                                           char id_hex[SH_OPS_ID_HEX], char *msg);

typedef struct {
    const char *courtyard;
    const char *level;         //  courtyard | group | village
    const char *kind;          //  neighbour | family | land | property | other
    const char *outcome;       //  resolved | partial | unresolved | referred
    const char *date;          //  or NULL
    int64_t parties;           //  >= 2, or SH_OPS_UNSET
    const char *summary;       //  or NULL
    const char *matter_hex;    //  related matter, or NULL
} sh_ops_mediation_t;

SH_NODISCARD sh_err sh_ops_mediation_record (sh_replica_t *r, const sh_ops_mediation_t *m,
                                             char id_hex[SH_OPS_ID_HEX], char *msg);

//  Earn (redeem = false) or redeem points or time-bank minutes for a person.
//  unit: points | minutes. A redemption beyond the balance is refused.
SH_NODISCARD sh_err sh_ops_points (sh_replica_t *r, const char *person_hex, bool redeem,
                                   const char *unit, int64_t amount, const char *reason,
                                   const char *date, char *msg);

//  Record the evaluation of one category of a courtyard for a period
//  ("2024Q3"); scores 1..10. *maturity receives the derived level.
SH_NODISCARD sh_err sh_ops_evaluate (sh_replica_t *r, const char *courtyard, const char *period,
                                     const char *category, int content, int effect,
                                     int satisfaction, int *maturity, char *msg);

//  Corrections (sh_ops_edit.c): signed OP_PUTs of the changed fields only,
//  merged field by field like every other write (docs/protocol.md 6.2,
//  7.3). Every new value goes through the entry checks of the add or open
//  that created the record, judged together with the fields it keeps
//  (elderly against residents, residents against households). Giving no
//  field is refused (SH_EINVAL); a refusal writes nothing.

typedef struct {
    const char *code;          //  the courtyard to correct
    const char *name;          //  NULL: unchanged (so for every text below)
    int64_t households;        //  SH_OPS_UNSET: unchanged (so for every number)
    int64_t residents;
    int64_t elderly;
    int model;                 //  -1 unchanged, 0 not a model courtyard, 1 a model courtyard
    const char *point;         //  fixed | mobile | none
    const char *grid;          //  "" clears
    const char *villager_group;//  "" clears
} sh_ops_courtyard_set_t;

SH_NODISCARD sh_err sh_ops_courtyard_set (sh_replica_t *r, const sh_ops_courtyard_set_t *c, char *msg);

typedef struct {
    const char *name;          //  NULL: unchanged
    const char *gender;        //  female | male, or NULL
    int birth_year;            //  0: unchanged
    int party_member;          //  -1 unchanged, 0 or 1
    const char *phone;         //  "" clears
} sh_ops_person_set_t;

SH_NODISCARD sh_err sh_ops_person_set (sh_replica_t *r, const char *person_hex, const sh_ops_person_set_t *p,
                                       char *msg);

//  Erase a person's personal data (docs/privacy.md 5, docs/protocol.md
//  7.10): signed erasure marks on the person's record, its points account
//  and each of its roles held here, in one transaction. Every replica then
//  drops the sealed values (name, birth year, phone; the reasons of its
//  roles and points) written before; commitments and the rest stay. *count
//  (may be NULL) gets the number of records marked.
SH_NODISCARD sh_err sh_ops_person_erase (sh_replica_t *r, const char *person_hex, int *count, char *msg);

//  Erase the personal notes of a matter (its description and the notes of
//  its events: marks on the matter and on its event set) or of a mediation
//  (its summary), the same way. The rest of the record stays and counts.
SH_NODISCARD sh_err sh_ops_matter_erase (sh_replica_t *r, const char *matter_hex, int *count, char *msg);
SH_NODISCARD sh_err sh_ops_mediation_erase (sh_replica_t *r, const char *mediation_hex, int *count,
                                            char *msg);

//  Correct a matter's title, description or category (each NULL when
//  unchanged). The category only while the matter is at diagnose: after,
//  SH_ERULE naming the step it has reached.
SH_NODISCARD sh_err sh_ops_matter_amend (sh_replica_t *r, const char *matter_hex, const char *title,
                                         const char *description, const char *category, char *msg);

//  Today's date at the node ("YYYY-MM-DD", local time of the replica's wall
//  clock, SHOUHE_FAULT_CLOCK_MS included): the default date of every
//  operation and the reference of the plausibility rules (sh_plaus).
void sh_ops_today (sh_replica_t *r, char out[SH_OPS_DAY_BYTES]);

//  Validation helpers shared with the CLI and importers.
bool sh_ops_date_valid (const char *date);
bool sh_ops_period_valid (const char *period);
bool sh_ops_code_valid (const char *code, size_t digits);

#endif
