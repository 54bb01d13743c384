/*  sh_domain -- the rules of the five-step method, the three tiers, the
    points ledger and maturity evaluations (DESIGN.md section 1).

    The same functions check a new local write (refusing it with SH_ERULE
    and a message) and replay an event set in (hlc, author) order to derive
    state: a replayed event that breaks a rule -- possible after concurrent
    edits on two nodes -- changes nothing and is reported as a conflict.
    Derived state therefore depends only on the set of events.

    Matter rules: a new matter is micro at diagnose. Micro: diagnose ->
    handle -> feedback. Small and big: diagnose -> consult -> prescribe ->
    handle -> feedback. Escalation goes up only and only before handle; a
    matter escalated from micro then goes through consult and prescribe.
    A matter closes only after feedback, with satisfaction 1..5, once.

    Who leads a matter (docs/protocol.md 6.4): a micro or small matter its
    village (a node of 12-digit scope), a big one its town (9 digits, or
    the district's 6, a prefix of the matter's region). A step or close by
    a node of a tier that does not lead the matter is refused, in local
    writes and in replay alike; a note (MATTER_EVENT_NOTE) changes nothing
    and may come from any node. The replay knows an author's tier from its
    scope in the store (sh_registry_scope); an author of unknown scope is
    not held to the rule.

    Plain data and pure functions, except the replay functions, which read
    a transaction (sh_store.h rules).
*/
#ifndef SH_DOMAIN_H
#define SH_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sh_crypto.h"
#include "sh_err.h"
#include "sh_store.h"

#define SH_DOMAIN_WHY_BYTES 320   //  room for a rule message (in Chinese too)

//  Values of shouhe.v1 Tier, Step, Role and LedgerUnit (checked against the
//  schema at compile time in sh_domain.c). A role's value is the last byte
//  of a role assignment's entity id; a unit's indexes sh_domain_ledger_t.
enum { SH_TIER_MICRO = 1, SH_TIER_SMALL = 2, SH_TIER_BIG = 3 };
enum { SH_STEP_DIAGNOSE = 1, SH_STEP_CONSULT = 2, SH_STEP_PRESCRIBE = 3,
       SH_STEP_HANDLE = 4, SH_STEP_FEEDBACK = 5 };
enum { SH_ROLE_COURTYARD_HEAD = 1, SH_ROLE_BAY_HEAD = 2, SH_ROLE_DELIBERATION_HEAD = 3,
       SH_ROLE_MANAGEMENT_GROUP = 4, SH_ROLE_PARTY_GROUP_LEADER = 5 };
enum { SH_UNIT_POINTS = 1, SH_UNIT_MINUTES = 2 };
//  Values of shouhe.v1 MatterEventKind.
enum { SH_EVENT_STEP = 1, SH_EVENT_ESCALATE = 2, SH_EVENT_CLOSE = 3, SH_EVENT_NOTE = 4 };

//  Derived state of one matter.
typedef struct {
    int tier;                //  SH_TIER_*
    int step;                //  last step reached (SH_STEP_*)
    bool closed;             //  closed after feedback
    int satisfaction;        //  1..5 once closed
    uint64_t closed_hlc;     //  when it closed
    uint64_t last_hlc;       //  newest accepted event
    int escalations;         //  accepted escalations
    unsigned conflicts;      //  events refused during replay
    uint8_t big_by[SH_PUBKEY_BYTES];      //  author of the escalation that made it big (zeros if none; replay only)
} sh_domain_matter_t;

//  A new matter: micro, at diagnose.
void sh_domain_matter_init (sh_domain_matter_t *m);

//  The step that must come next, or 0 when none (after feedback).
int sh_domain_next_step (int tier, int step);

//  Apply one transition to m if the rules allow it; otherwise SH_ERULE with
//  the reason in why (SH_DOMAIN_WHY_BYTES) and m unchanged.
SH_NODISCARD sh_err sh_domain_matter_step (sh_domain_matter_t *m, int step, char *why);
SH_NODISCARD sh_err sh_domain_matter_escalate (sh_domain_matter_t *m, int tier, char *why);
SH_NODISCARD sh_err sh_domain_matter_close (sh_domain_matter_t *m, int satisfaction, char *why);

//  Apply an event of kind (SH_EVENT_*) with its value (the step, the tier,
//  the satisfaction; unused for a note, which changes nothing) as above.
//  SH_ERULE for an unknown kind.
SH_NODISCARD sh_err sh_domain_matter_apply (sh_domain_matter_t *m, int kind, int value, char *why);

//  The rule messages above are English, the same on every node: a replay
//  hands them to its conflict callback (sh_conflicts_view's JSON "reason")
//  and the hub sends sh_domain_matter_own_lead's on the wire. The _shown
//  twins below check the same and write why in the language of the locale
//  in effect (sh_i18n), the steps and tiers named by sh_names_shown: for
//  the clerk whose local write they refuse (sh_ops), and in the replays
//  ending in _shown, for the text of `conflicts`.
SH_NODISCARD sh_err sh_domain_matter_apply_shown (sh_domain_matter_t *m, int kind, int value, char *why);

//  May an author whose scope is scope (NULL: unknown, then yes) write an
//  event of kind (SH_EVENT_*) with value (the step or tier; unused for the
//  others) on matter m of region? Only the tier that leads the matter
//  steps and closes it; a village escalates its micro and small matters, a
//  town (or the district) may escalate them to big; a note is anyone's.
//  SH_OK, or SH_ERULE with the reason in why (SH_DOMAIN_WHY_BYTES), e.g.
//  "step consult by a village node: the big matter is led by its town
//  (大事镇街督办)". Other rules (sh_domain_matter_step ...) are not checked.
SH_NODISCARD sh_err sh_domain_matter_lead (const sh_domain_matter_t *m, const char *region,
                                           const char *scope, int kind, int value, char *why);
SH_NODISCARD sh_err sh_domain_matter_lead_shown (const sh_domain_matter_t *m, const char *region,
                                                 const char *scope, int kind, int value, char *why);

//  Called for each event refused during a replay.
typedef void (sh_domain_conflict_fn) (uint64_t hlc, const uint8_t *author, const char *why, void *arg);

//  Replay the event set of matter (region, id) into m (initialised here).
//  conflict may be NULL. The reasons it is given are English, the same
//  on every node (sh_conflicts_view's JSON "reason").
SH_NODISCARD sh_err sh_domain_matter_replay (sh_store_txn_t *txn, const char *region,
                                             const uint8_t *id, size_t id_len,
                                             sh_domain_matter_t *m,
                                             sh_domain_conflict_fn *conflict, void *arg);

//  The same replay, the same state, the same conflicts; their reasons
//  written in the language of the locale in effect, as the _shown twins
//  above write them: for a person reading text output (the text of
//  `shouhe-node conflicts`, sh_conflicts_view_shown). Never store or send
//  what it gives.
SH_NODISCARD sh_err sh_domain_matter_replay_shown (sh_store_txn_t *txn, const char *region,
                                                   const uint8_t *id, size_t id_len,
                                                   sh_domain_matter_t *m,
                                                   sh_domain_conflict_fn *conflict, void *arg);

//  The hub's check of a pushed step or close (docs/protocol.md 13.8):
//  replaying matter (region, id), is its event (hlc, author) refused
//  because author's tier does not lead the matter (sh_domain_matter_lead),
//  while author itself wrote the escalation that made the matter big?
//  Then *own is set and why holds the reason; else *own is false. Store
//  errors only.
SH_NODISCARD sh_err sh_domain_matter_own_lead (sh_store_txn_t *txn, const char *region,
                                               const uint8_t *id, size_t id_len, uint64_t hlc,
                                               const uint8_t author[SH_PUBKEY_BYTES], bool *own, char *why);

//  The 30-day rule: an open big matter (大事镇街督办) whose opened_on lies
//  more than this many days before today is overdue; reports list it.
#define SH_DOMAIN_OVERDUE_DAYS 30

//  Largest ledger amount replay accepts (larger entries are conflicts):
//  2^32 entries of it still fit in int64.
#define SH_DOMAIN_AMOUNT_MAX ((uint64_t) 1 << 30)

//  Ledger totals of one account (a person). Units: points and minutes.
typedef struct {
    uint64_t earned[3];      //  by unit (index SH_UNIT_POINTS, SH_UNIT_MINUTES)
    uint64_t redeemed[3];    //  by unit
    int64_t balance[3];      //  earned - redeemed (negative only after a conflict)
    unsigned conflicts;      //  redemptions that overdrew during replay
} sh_domain_ledger_t;

//  Replay the ledger entries of account (region, id). conflict may be NULL;
//  the reasons it is given are English ("malformed ledger entry",
//  "redemption of 30 overdraws the balance of 20" ...).
SH_NODISCARD sh_err sh_domain_ledger_replay (sh_store_txn_t *txn, const char *region,
                                             const uint8_t *id, size_t id_len,
                                             sh_domain_ledger_t *l,
                                             sh_domain_conflict_fn *conflict, void *arg);

//  The same replay with the reasons in the language of the locale in
//  effect (as sh_domain_matter_replay_shown).
SH_NODISCARD sh_err sh_domain_ledger_replay_shown (sh_store_txn_t *txn, const char *region,
                                                   const uint8_t *id, size_t id_len,
                                                   sh_domain_ledger_t *l,
                                                   sh_domain_conflict_fn *conflict, void *arg);

//  The same replay over the entries dated until ("YYYY-MM-DD") or before,
//  and the undated ones: the totals as of that date (reports).
SH_NODISCARD sh_err sh_domain_ledger_replay_until (sh_store_txn_t *txn, const char *region,
                                                   const uint8_t *id, size_t id_len, const char *until,
                                                   sh_domain_ledger_t *l);

//  Maturity level 1..10 from three scores 1..10: the mean rounded to the
//  nearest whole number, (c + e + s + 1) / 3 in integers (a mean of three
//  integers is never exactly a half). 0 if a score is out of range.
int sh_domain_maturity (int content, int effect, int satisfaction);

//  Area of the regular-hexagon radar chart with radii r[0..5]:
//  (sqrt(3)/4) * sum r[i] * r[(i+1) % 6].
double sh_domain_hexagon_area (const double r[6]);

#endif
