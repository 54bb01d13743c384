/*  hub_retain -- retention rules applied by the hub's housekeeping as signed
    erasures (docs/privacy.md 8, docs/protocol.md 13.21).

    A rule names a kind and a number of years: a mediation's summary is
    erased that many years after the mediation's date, a matter's
    description and notes that many years after it was closed. The rules
    live in the hub's store (meta retention.mediation, retention.matter,
    in years; retention.scope, the district the rules cover).

    The erasures are ordinary signed erasure marks (protocol 7.10), written
    by the **housekeeper**: a node key of the hub's own, DIR/housekeeper.key
    (0600), enrolled in the hub's registry as a node of the rules' scope
    named "housekeeping", without quotas. Every replica therefore takes and
    applies them as it takes any node's, and an auditor finds their author
    in the registry. The key adds no power to the hub directory: whoever
    holds hub.key can enrol any key anyway.

    `serve` runs a pass at start and every hour; `shouhe-hub retention
    --apply` runs one with the hub stopped. A pass marks every record that
    is due and still has a sealed field no mark covers (a record erased
    before is not marked again), pushed through the hub's own Push path
    (sh_hublog_push_ruled): chained, merged, logged, checkpointed.

    Ownership: everything is borrowed for the call. Threading: the
    caller's thread.
*/
#ifndef HUB_RETAIN_H
#define HUB_RETAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sh_err.h"
#include "sh_hubid.h"
#include "sh_key.h"
#include "sh_store.h"

#define HUB_RETAIN_KEY_FILE "housekeeper.key"
#define HUB_RETAIN_NAME "housekeeping"
#define HUB_RETAIN_YEARS_MAX 100

//  What a pass did.
typedef struct {
    size_t mediations;        //  mediations whose summary it erased
    size_t matters;           //  matters whose notes it erased
    size_t changes;           //  erasure marks written
} hub_retain_done_t;

//  One pass at now_ms (unix ms; today's UTC date follows from it) over the
//  store of the hub in dir, signing its checkpoints as hub. With no rule
//  it does nothing (SH_OK, zero counts). SH_ENOTFOUND: rules are set but
//  the housekeeper key is missing or not enrolled (why says so); store and
//  signing errors; SH_ERULE when the hub refused the marks (why: its
//  message; nothing stored). why: at least 256 bytes.
SH_NODISCARD sh_err hub_retain_pass (const char *dir, sh_store_t *store, const sh_hubid_t *hub, uint64_t now_ms,
                                     hub_retain_done_t *done, char *why, size_t why_len);

//  The command `shouhe-hub retention` (its parsed options): with kind and
//  years, set that rule (years 0 removes it; scope is needed for the first
//  rule and creates and enrols the housekeeper); with apply, run a pass now,
//  signing as the hub of key (refused while a serve holds serve.lock: serve
//  applies the rules itself); then print the rules (json: as JSON).
//  Returns an exit code (sh_exit.h), having said why when it is not 0.
typedef struct {
    const char *dir;          //  the hub directory
    const char *scope;        //  --scope, or NULL
    const char *kind;         //  --kind mediation|matter, or NULL
    const char *years;        //  --years N, or NULL
    bool apply;               //  --apply
    bool json;                //  --json
} hub_retention_args_t;

int hub_retention (const hub_retention_args_t *a, sh_store_t *store, const sh_key_t *key);

#endif
