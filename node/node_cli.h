/*  node_cli -- the parsed command line of shouhe-node.

    main.c parses argv into one node_args_t (every option of every command,
    each remembered as given or not) and dispatches to a command function;
    node_cmd.c holds the command functions. A command refuses options that
    are not its own, so a mistyped command line changes nothing.
*/
#ifndef NODE_CLI_H
#define NODE_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "sh_err.h"
#include "sh_exit.h"

#define NODE_MAX_LIST 32   //  most --topic / --decision values
#define NODE_SYNC_DEFAULT_DEADLINE_S 600  //  sync's deadline without --deadline (not --watch)
#define NODE_ID_HEX 33     //  a full 16-byte id in hex, with its NUL
#define NODE_GIVEN_WORDS 2 //  64-bit words of node_args_t.given: room for 128 options

//  Exit codes: common/core/sh_exit.h (SH_EXIT_*).

typedef struct {
    const char *dir, *scope, *code, *name, *point, *grid, *group, *courtyard, *category,
               *title, *description, *note, *date, *gender, *phone, *person, *role, *nomination,
               *reason, *kind, *location, *level, *outcome, *summary, *matter, *unit, *period,
               *hub, *hub_key, *since, *format, *config, *output, *add, *remove, *seal,
               *compress;
    long long households, residents, elderly, attendance, invited, parties, amount, birth_year,
              satisfaction, content, effect, deadline, quorum;
    bool model, party_member, json, watch, excel;
    bool deadline_given;     //  --deadline, or deadline = in the configuration file
    const char *tier, *village, *step;   //  matter list: the town's work list (node_work.c)
    long long older_than;
    bool open, closed;
    const char *topics[NODE_MAX_LIST];
    size_t n_topics;
    const char *decisions[NODE_MAX_LIST];
    size_t n_decisions;
    char **pos;              //  positional arguments (borrowed from argv)
    int n_pos;               //  how many
    const struct option *options;    //  main.c's option table (borrowed): the index of each bit of given
    unsigned long long given[NODE_GIVEN_WORDS];  //  bit per option index: which were given
    unsigned fault_commit;   //  test-only fault points from the environment (main.c):
    unsigned fault_send;     //  the Nth store commit / Nth sync send fails (0: off)
    long long fault_clock_ms;//  SHOUHE_FAULT_CLOCK_MS: added to the node's wall clock (0: off)
    char ids[3][NODE_ID_HEX];//  full ids that short ones given as --person, --matter, the first
                             //  argument resolved to (node_ids)
} node_args_t;

//  A command: its words, its options (space-separated long names, "dir"
//  implied), positional argument count, usage line and function.
typedef struct {
    const char *word1, *word2;
    const char *options;
    int min_pos, max_pos;
    const char *usage;
    const char *help;
    int (*fn) (node_args_t *a);
} node_command_t;

extern const node_command_t node_commands[];

//  Was the option --name given on the command line? (node_args.c)
bool node_given (const node_args_t *a, const char *name);

//  `shouhe-node sync` (node_sync.c, built as the module shouhe-node-sync.so
//  beside the executable).
int node_sync (node_args_t *a);

//  Load that module and run its node_sync (node_syncload.c).
int node_sync_load (node_args_t *a);

typedef struct sh_replica_t sh_replica_t;

//  Open the replica of --dir with the fault points of a set; on failure say
//  why and return the exit code (node_args.c). Caller closes *r.
int node_open (const node_args_t *a, sh_replica_t **r);

//  `shouhe-node import --dir DIR courtyards|persons FILE.csv` (node_import.c).
int node_import (node_args_t *a);

//  `shouhe-node backup --dir DIR DEST` (node_backup.c).
int node_backup (node_args_t *a);

//  `shouhe-node clock` and `shouhe-node clock correct` (node_clock.c).
int node_clock_show (node_args_t *a);
int node_clock_correct (node_args_t *a);

//  `shouhe-node matter list` with the work list's filters (--tier, --open,
//  --closed, --village, --step, --older-than; node_work.c); node_work_wanted
//  says whether any of them was given.
bool node_work_wanted (const node_args_t *a);
int node_work_list (node_args_t *a);

//  `shouhe-node witness init --name NAME` (node_witness_cmd.c).
int node_witness_init (node_args_t *a);

//  `shouhe-node witnesses [--add NAME=HEX] [--remove NAME] [--quorum K] [--json]`
//  (node_witness_cmd.c): the witnesses this node requires.
int node_witnesses (node_args_t *a);

//  `shouhe-node privacy [--seal on|off] [--json]` (node_privacy.c): whether
//  this node seals personal fields when it writes (docs/privacy.md).
int node_privacy (node_args_t *a);

//  `shouhe-node person erase ID` (node_privacy.c): signed erasure marks on
//  the person's records (docs/protocol.md 7.10).
int node_person_erase (node_args_t *a);
//  `shouhe-node matter erase ID` and `mediation erase ID` (node_privacy.c):
//  the marks that erase a matter's notes and a mediation's summary.
int node_matter_erase (node_args_t *a);
int node_mediation_erase (node_args_t *a);

//  `shouhe-node compact` (node_privacy.c): rewrite the store so that what
//  was deleted or erased is gone from its files (sh_compact).
int node_compact (node_args_t *a);

//  `shouhe-node region set --code CODE --name NAME` (node_region.c).
int node_region_set (node_args_t *a);
//  Resolve the ids of the command line of command (w1, w2) -- --person,
//  --matter and the first argument of the commands that take an id --
//  from short ids (a unique prefix of at least 6 hex digits, sh_ids) to
//  full ones, in place. Exit code: 0, or 1 after naming an unknown or an
//  ambiguous id (and listing the records it matches), 3 (store).
int node_ids (node_args_t *a, const char *w1, const char *w2);

//  Exit code for an operation's result (sh_ops); prints msg on failure
//  (node_args.c).
int node_done (sh_err rc, const char *msg);

//  Show one record, as JSON (--json) or through print, with --history its
//  history (sh_history) after it (node_edit.c). view reads the record
//  named by a->pos[0]; kind is its sh_kind_t.
typedef struct sh_store_t sh_store_t;
typedef struct json_t json_t;
typedef sh_err (node_view_fn) (sh_store_t *store, const char *key, json_t **out);
int node_show (node_args_t *a, node_view_fn *view, int kind, const char *what, void (*print) (json_t *));

//  The corrections and the showing commands of node_edit.c.
int node_courtyard_set (node_args_t *a);
int node_person_set (node_args_t *a);
int node_person_show (node_args_t *a);
int node_matter_amend (node_args_t *a);
int node_matter_show (node_args_t *a);

//  Say fmt (a sentence the caller translated, _()) on stderr after the
//  prefix "shouhe-node: ", which stays as it is in every language
//  (node_args.c).
void node_say (const char *fmt, ...) __attribute__((format (printf, 1, 2)));

//  Print a JSON value (jansson json_t *) to stdout, indented, with a newline
//  (node_args.c).
void node_print_json (void *json);
//  A text field of a JSON view (a jansson object) as text output shows it:
//  its value; "(erased)" or "(not held here)" for a sealed personal field
//  the view lists as withheld (docs/privacy.md); "-" when absent. Borrowed.
const char *node_text (void *json, const char *key);

#endif
