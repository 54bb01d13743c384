/*  node_cli -- the parsed command line of shouhe-node.

    main.c parses argv into one node_args_t (every option of every command,
    each remembered as given or not) and dispatches to a command function;
    node_cmd.c holds the command functions. A command refuses options that
    are not its own, so a mistyped command line changes nothing.
*/
#ifndef NODE_CLI_H
#define NODE_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "sh_exit.h"

#define NODE_MAX_LIST 32   //  most --topic / --decision values
#define NODE_GIVEN_WORDS 2 //  64-bit words of node_args_t.given: room for 128 options

//  Exit codes: common/core/sh_exit.h (SH_EXIT_*).

typedef struct {
    const char *dir, *scope, *code, *name, *point, *grid, *group, *courtyard, *category,
               *title, *description, *note, *date, *gender, *phone, *person, *role, *nomination,
               *reason, *kind, *location, *level, *outcome, *summary, *matter, *unit, *period,
               *hub, *hub_key, *since, *format, *output;
    long long households, residents, elderly, attendance, invited, parties, amount, birth_year,
              satisfaction, content, effect, deadline;
    bool model, party_member, json, watch, excel;
    const char *topics[NODE_MAX_LIST];
    size_t n_topics;
    const char *decisions[NODE_MAX_LIST];
    size_t n_decisions;
    char **pos;              //  positional arguments (borrowed from argv)
    int n_pos;               //  how many
    unsigned long long given[NODE_GIVEN_WORDS];  //  bit per option index: which were given
    unsigned fault_commit;   //  test-only fault points from the environment (main.c):
    unsigned fault_send;     //  the Nth store commit / Nth sync send fails (0: off)
    long long fault_clock_ms;//  SHOUHE_FAULT_CLOCK_MS: added to the node's wall clock (0: off)
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

//  Was the option --name given on the command line?
bool node_given (const node_args_t *a, const char *name);

//  `shouhe-node sync` (node_sync.c, built as the module shouhe-node-sync.so
//  beside the executable).
int node_sync (node_args_t *a);

//  Load that module and run its node_sync (node_syncload.c).
int node_sync_load (node_args_t *a);

typedef struct sh_replica_t sh_replica_t;

//  Open the replica of --dir with the fault points of a set; on failure say
//  why and return the exit code (node_cmd.c). Caller closes *r.
int node_open (const node_args_t *a, sh_replica_t **r);

//  The exit code for an operation's result rc; on failure prints msg (or
//  rc's text when msg is empty) on stderr (node_cmd.c).
int node_done (int rc, const char *msg);

//  `shouhe-node import --dir DIR courtyards|persons FILE.csv` (node_import.c).
int node_import (node_args_t *a);

//  `shouhe-node backup --dir DIR DEST` (node_backup.c).
int node_backup (node_args_t *a);

//  `shouhe-node clock` and `shouhe-node clock correct` (node_clock.c).
int node_clock_show (node_args_t *a);
int node_clock_correct (node_args_t *a);

//  Print a JSON value (jansson json_t *) to stdout, indented, with a newline.
void node_print_json (void *json);

#endif
