/*  sh_ingest -- the one judgement of a change taken in from elsewhere: the
    checks the hub makes on every change a node pushes (docs/protocol.md
    13.8, step 4) and a node makes on every change the hub sends it in a
    Batch (13.9), once the change has been opened (sh_change_open: decoded,
    signature verified).

    The checks, in this order; the first that fails decides:
        1. the signature verifies              ERR_SIGNATURE
        2. the change opens (well-formed)      ERR_MALFORMED
        3. its author is in the registry       ERR_NOT_ENROLLED
        4. its author is the expected key      ERR_AUTHOR        (rules->author)
        5. its author has the node role        ERR_ROLE          (rules->writer)
        6. its effective clock is not more
           than SH_CLOCK_BOUND_MS ahead        ERR_MALFORMED     (rules->now_ms, rules->hlc_cap)
        7. its region is in the author's scope ERR_SCOPE
        8. its region is in the reader's scope ERR_SCOPE         (rules->reader_scope)
        9. a PUT or EVENT body is a valid
           record of its kind (sh_record_check) ERR_BODY         (rules->check_body)
    Those marked with a rule are made only when the rule asks: the hub
    expects the session's key, bounds the clock and checks bodies (its
    session's role was checked before); a node requires a node key and its
    own scope, and takes clocks and bodies as they come (spec 7.2: a body
    it cannot read is kept unmerged).

    Stateless and thread-safe; nothing is allocated.
*/
#ifndef SH_INGEST_H
#define SH_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sh_change.h"
#include "sh_clock.h"
#include "sh_err.h"
#include "sh_registry.h"
#include "sh_wire.h"

//  What refused a change (the checks above, in order).
typedef enum {
    SH_INGEST_OK = 0,                   //  every check passed
    SH_INGEST_SIGNATURE,                //  1. the signature does not verify
    SH_INGEST_MALFORMED,                //  2. it does not open for another reason
    SH_INGEST_UNKNOWN_AUTHOR,           //  3. its author is not in the registry
    SH_INGEST_AUTHOR,                   //  4. written by another key than the expected one
    SH_INGEST_ROLE,                     //  5. its author is not a node key
    SH_INGEST_CLOCK,                    //  6. its clock is too far ahead
    SH_INGEST_SCOPE,                    //  7. region outside its author's scope
    SH_INGEST_READER_SCOPE,             //  8. region outside the reader's scope
    SH_INGEST_BODY                      //  9. a body that is not a valid record
} sh_ingest_cause_t;

//  Which of the optional checks to make.
typedef struct {
    const uint8_t *author;              //  4: the key that must have written it (a session's), or NULL
    bool writer;                        //  5: the author must have the node role
    uint64_t now_ms;                    //  6: the receiver's clock (unix ms); ms(effective hlc) may be
                                        //     at most SH_CLOCK_BOUND_MS later. 0: no clock check
    uint64_t hlc_cap;                   //  6: per change: the cap clock corrections put on it
                                        //     (sh_clock_cap; effective hlc = min (hlc, hlc_cap));
                                        //     0 is read as no cap (UINT64_MAX)
    const char *reader_scope;           //  8: the region must be inside this scope too, or NULL
                                        //     (an OP_CLOCK change's region may also be a prefix of it)
    bool check_body;                    //  9: PUT and EVENT bodies must be valid records of their kind
} sh_ingest_rules_t;

typedef struct {
    sh_wire_error_t code;               //  0 when the change passes, else the Error code to answer
    sh_ingest_cause_t cause;            //  which check refused it
    char message[SH_WIRE_MESSAGE_MAX + 1]; //  "change <position> ...": the change and the cause ("" if passed)
} sh_ingest_verdict_t;

//  Judge one change, number position of its batch (named in the message).
//  opened and why: what sh_change_open returned for it, and its reason
//  (may be NULL); change: the opened change, read only when opened is
//  SH_OK. entry: the author's registry entry, NULL when the author is not
//  in the registry. Fills *out and returns out->code: 0 when the change
//  passes every check rules asks for.
sh_wire_error_t sh_ingest_check (sh_ingest_verdict_t *out, size_t position, sh_err opened, const char *why,
                                 const sh_change_t *change, const sh_registry_entry_t *entry,
                                 const sh_ingest_rules_t *rules);

#endif
