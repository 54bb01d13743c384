/*  hub -- the district hub daemon: its settings (hub_config_t), its log
    line (hub_log) and its serving loop (hub_serve).

    There is no hub object: hub_main.c parses the command line into a
    hub_config_t, opens the store and loads the hub key, and hands all
    three to hub_serve, which borrows them until it returns. hub_serve
    builds the rest for its own lifetime on its stack: the link
    (sh_link: a CURVE-server ROUTER for nodes, its key derived from the
    hub's Ed25519 key, and the ZAP handler on inproc://zeromq.zap.01),
    whom the ZAP handler admits (enrolled, unrevoked keys in the
    registry), and the handler (hub_handler.h) that owns the sessions and
    decides what each message gets; a timer expires idle sessions. A
    revoked key's open session ends at its next message (every Push and
    Pull re-reads the registry). Every message is one shouhe.v1.Envelope
    (docs/protocol.md, "Wire protocol"); a peer that misbehaves gets an
    Error and never disturbs the others.

    Nothing is global but the interrupt flag behind sh_link_interrupted.
    Threading: hub_serve runs everything in the calling thread.

    Programs and libraries: hub_serve (hub_serve.c) is in shouhe-hub only;
    hub_handler.c is the shouhe_hubd library (server/CMakeLists.txt), which
    includes this header for hub_config_t and hub_log and never calls
    hub_serve.
*/
#ifndef HUB_H
#define HUB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "sh_hubid.h"
#include "sh_key.h"
#include "sh_log.h"
#include "sh_store.h"

typedef struct {
    const char *dir;          //  hub directory (borrowed from argv)
    const char *bind;         //  endpoint to bind
    const char *ready_file;   //  where to write the bound endpoint, or NULL
    int threads;              //  signature-verifying threads
    bool verbose;             //  log every session event
    bool quiet;               //  log nothing from the handlers (fuzzing)
    unsigned fail_send;       //  fault point (tests): the reply that counts it to 0 is dropped
    int64_t reserve_bytes;    //  store room kept free: pushes are refused below it (13.20);
                              //  < 0: sh_quota_reserve_default of the map; 0: none
    int64_t quota_offset_ms;  //  test-only (SHOUHE_FAULT_QUOTA_CLOCK_MS): added to the
                              //  wall clock when judging quotas
    bool sync_mirror;         //  --sync-mirror: a Push is acknowledged only once a mirror
                              //  has cosigned a checkpoint covering it (16.8)
    uint64_t retain_every_ms; //  --retain-every: how often the retention rules are applied
                              //  (hub_retain), 0: every hour
} hub_config_t;

//  shouhe-hub mirror (hub_mirror.c): its command line (borrowed from argv).
typedef struct {
    const char *dir;          //  the mirror's directory
    const char *name;         //  --init: its cosigner name
    const char *hub;          //  the hub's endpoint
    const char *hub_key;      //  the hub's public key, hex
    bool init;                //  --init: make the key and the store
    bool watch;               //  --watch: go on until SIGINT/SIGTERM
    bool verbose;             //  a line after every round
} hub_mirror_args_t;

//  Make a mirror (a->init) or run it against a->hub: an exit code
//  (sh_exit.h), having said why when it is not 0 (docs/protocol.md 16.8).
int hub_mirror (const hub_mirror_args_t *a);

#define HUB_KEY_FILE "hub.key"
#define HUB_LOCK_FILE "serve.lock"   //  held (flock) by the one `serve` of a hub directory

//  Write shouhe-hub's --help text to f, in the user's language
//  (hub_usage.c).
void hub_usage (FILE *f);

//  One line on stderr: "<UTC time> shouhe-hub <level>: <message>" (sh_log).
//  The message is a sentence, marked _() where it is written.
#define hub_log(level, ...) sh_log ("shouhe-hub", (level), __VA_ARGS__)

//  Serve config->bind until SIGINT/SIGTERM as hub (its key set:
//  sh_hubid_init_key; docs/protocol.md 13). config, store and hub are
//  borrowed for the call. Returns 0 on a clean stop, 1 (after logging why)
//  if it cannot serve: the tree head cannot be signed, the key does not
//  convert to a CURVE key, the endpoint cannot be bound or
//  config->ready_file cannot be written.
int hub_serve (const hub_config_t *config, sh_store_t *store, const sh_hubid_t *hub);

//  shouhe-hub backup (hub_recover.c): a compacted hot copy of store and
//  the hub key into the new directory dest, marked so that a hub started
//  from it recovers its lost tail from the nodes (sh_recovery). Returns an
//  exit code (sh_exit.h), having said why when it is not 0.
int hub_backup (sh_store_t *store, const sh_key_t *key, const char *dest);

//  shouhe-hub compact (hub_recover.c): rewrite the hub's store in dir (the
//  hub stopped) so that what was deleted or erased is gone from its files
//  (sh_compact, docs/privacy.md 6). An exit code, having said why when not 0.
int hub_compact (const char *dir);

//  shouhe-hub recover (hub_recover.c): finish the recovery of store (the
//  hub stopped) when nothing is missing; with abandon, give up the missing
//  leaves and begin a new epoch signed as hub. Returns an exit code:
//  SH_EXIT_REFUSED while leaves are missing and abandon is false.
int hub_recover (sh_store_t *store, const sh_hubid_t *hub, bool abandon);

//  shouhe-hub report (hub_report.c): its options (borrowed from argv).
typedef struct {
    const char *town, *village;          //  --town / --village, or NULL (the district)
    const char *since, *date;            //  --since, --date (default today, UTC)
    const char *format, *output;         //  --format, --output
    bool excel;                          //  --excel
} hub_report_args_t;

//  Check the options (exit 2 after saying why) before the store is opened.
int hub_report_check (const hub_report_args_t *a);

//  Build the report from store and write it: an exit code, having said why
//  when it is not 0.
int hub_report_run (const hub_report_args_t *a, sh_store_t *store);

//  Exports (hub_export.c; docs/protocol.md 15.1, docs/privacy.md 7).
//  Is purpose one the hub can record (not blank, at most
//  SH_EXPORTLOG_PURPOSE_MAX bytes of UTF-8 on one line, no hidden
//  characters)? false after saying why.
bool hub_export_purpose_ok (const char *purpose);

//  shouhe-hub export: sign the newest tree head, write the export of store
//  to file (FILE.tmp, synced, then linked: file must not exist). purpose
//  NULL: the public export; else the export with the openings the hub
//  holds, recorded in the store (sh_exportlog) before it is linked. key
//  and store are borrowed. Returns an exit code, having said why when it
//  is not 0.
int hub_export (sh_store_t *store, const sh_key_t *key, const char *file, const char *purpose);

//  shouhe-hub exports: the records of exports with personal data, as a
//  text table or JSON. An exit code, having said why when it is not 0.
int hub_exports (sh_store_t *store, bool json);

//  Quotas (hub_quota.c; sh_quota, docs/protocol.md 13.20).
//  A --quota-* value of the command line (bytes: with K/M/G/T): false,
//  after saying why naming option and value, when it is not one.
bool hub_quota_arg (const char *option, const char *value, bool bytes, uint64_t *out);

//  shouhe-hub quota: set key's limits that are not NULL (both NULL: change
//  nothing), then print its limits and usage. key_hex is key as given.
//  Returns an exit code, having said why when it is not 0.
int hub_quota (sh_store_t *store, const uint8_t key[SH_PUBKEY_BYTES], const char *key_hex,
               const uint64_t *changes, const uint64_t *bytes);

//  Add key's quota and usage to obj (a node of `nodes --json`):
//  quota_changes_per_day, quota_bytes, changes_today, bytes_held.
SH_NODISCARD sh_err hub_quota_json (sh_store_txn_t *txn, const uint8_t key[SH_PUBKEY_BYTES], json_t *obj);

//  Print `nodes` as a text table (headers and states in the user's
//  language): nodes is the array of `nodes --json`, quotas included.
void hub_nodes_text (const json_t *nodes);

#endif
