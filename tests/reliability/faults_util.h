/*  faults_util -- helpers shared by the fault-point tests
    (faults_wire_test.c, faults_store_test.c): byte-string lists, paths,
    writers (real replicas writing courtyards, their SignedChanges kept) and
    hubs (a store with meta role "hub" and enrolled keys, as `shouhe-hub
    init` and `enroll` leave it).

    Test-only; linked into every C reliability test (tests/CMakeLists.txt).
    Prefix fu_. Failures end the test program through SH_CHECK / SH_PASS
    (sh_test.h).
*/
#ifndef FAULTS_UTIL_H
#define FAULTS_UTIL_H

#include "sh_crypto.h"
#include "sh_err.h"
#include "sh_hublog.h"
#include "sh_replica.h"
#include "sh_store.h"
#include "sh_wire.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define S_DISTRICT "500115"
#define S_TOWN "500115101"
#define S_VILLAGE_A "500115101001"
#define S_VILLAGE_B "500115101002"
#define S_CY1 S_VILLAGE_A "001"
#define S_CY2 S_VILLAGE_A "002"
#define S_ENROLLED_MS 1700000000000ull

/* --------------------------------------------------------------------------
 * Byte strings, paths
 * -------------------------------------------------------------------------- */

typedef struct {
    sh_wire_bytes_t *v;     //  the items (data owned here)
    size_t n, cap;          //  used and allocated
} fu_list_t;

//  Append a copy of data (len bytes) to l.
void fu_list_add (fu_list_t *l, const uint8_t *data, size_t len);
//  Free every item and the list's array; l is empty afterwards.
void fu_list_fini (fu_list_t *l);
//  base/name in a new string (caller frees).
char *fu_path (const char *base, const char *name);
//  Are the two byte strings equal (length and bytes)?
bool fu_same_mem (const void *a, size_t al, const void *b, size_t bl);

/* --------------------------------------------------------------------------
 * Writers: real replicas writing courtyards, their SignedChanges kept
 * -------------------------------------------------------------------------- */

typedef struct {
    char *dir;                  //  the node directory (owned)
    sh_replica_t *r;            //  its replica
    const char *tag;            //  goes into the names it writes
    fu_list_t log;               //  its SignedChanges: seq s at index s - 1
} fu_writer_t;

//  A new replica of scope in base/name; name is also the writer's tag.
void fu_writer_new (fu_writer_t *w, const char *base, const char *name, const char *scope);
//  Close the replica and free what w holds.
void fu_writer_fini (fu_writer_t *w);
//  The writer's public key (valid while its replica is open).
const uint8_t *fu_writer_key (const fu_writer_t *w);
//  Write n courtyards under village (12 digits: region village + 001..005)
//  in one transaction and keep the new SignedChanges.
void fu_writer_write (fu_writer_t *w, const char *village, int n);

/* --------------------------------------------------------------------------
 * Hubs: a store with meta role "hub" and enrolled keys
 * -------------------------------------------------------------------------- */

//  A new hub store in dir (which must not exist yet). Caller closes it.
sh_store_t *fu_hub_new (const char *dir);
//  Enroll key as a node of scope.
void fu_hub_enroll (sh_store_t *hub, const uint8_t key[SH_PUBKEY_BYTES], const char *scope);
//  Push the writer's seq from..to as its session would; returns the result
//  code of the call (the caller checks res).
sh_err fu_hub_push (sh_store_t *hub, const fu_writer_t *w, uint64_t from, uint64_t to, sh_hublog_result_t *res);
//  The same push, which must be taken in whole.
void fu_hub_push_ok (sh_store_t *hub, const fu_writer_t *w, uint64_t from, uint64_t to);

#endif
