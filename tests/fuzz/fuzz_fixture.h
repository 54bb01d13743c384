/*  fuzz_fixture -- what the fuzz targets and their seed generator share:
    fixed identities, fixed signed changes, a real hub store and scratch
    directories (tests/fuzz/README.md).

    Everything here is deterministic: keys come from fixed seeds, changes
    have fixed clocks, enrolments fixed times, and Ed25519 signing is
    deterministic, so the committed seeds (made by fuzz_seeds.c from the
    same fixture) keep verifying against the stores the targets build at
    start-up. Nothing is mocked: the stores are real LMDB environments, the
    signatures real libsodium ones, the encodings real protobuf-c ones.

    The world: one district 500115, node A writing in town 500115101, node
    B in town 500115102, a key R in 500115101 that is revoked after one
    change, a key D in 500115103 that equivocated (two changes at seq 1)
    and is blocked, an auditor for the district, and a stranger key that
    the hub does not know. The hub holds A's seq 1..3, B's seq 1..2, R's
    seq 1 and D's seq 1 (plus D's fork in its evidence), with a signed
    checkpoint after every batch, as a real hub would.

    Fuzz targets are one process per target with libFuzzer's C entry
    points, so their state is file-static (the one exception to STYLE.md 9,
    forced by the LLVMFuzzerTestOneInput signature).
*/
#ifndef FUZZ_FIXTURE_H
#define FUZZ_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "sh_change.h"
#include "sh_crypto.h"
#include "sh_err.h"
#include "sh_key.h"
#include "sh_store.h"

//  A property a target checks: on failure print where and abort (libFuzzer
//  and the replay driver both report an abort as a crash).
#define FUZZ_CHECK(cond) do { if (!(cond)) { \
    fprintf (stderr, "%s:%d: fuzz property failed: %s\n", __FILE__, __LINE__, #cond); \
    abort (); } } while (0)

//  An sh_err call that must succeed (set-up code, not the code under test).
#define FUZZ_PASS(expr) do { sh_err fuzz_rc_ = (expr); if (fuzz_rc_ != SH_OK) { \
    fprintf (stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #expr, sh_strerror (fuzz_rc_)); \
    abort (); } } while (0)

typedef enum {
    FUZZ_KEY_HUB = 0,        //  the hub
    FUZZ_KEY_A,              //  node A, scope FUZZ_SCOPE_A
    FUZZ_KEY_B,              //  node B, scope FUZZ_SCOPE_B
    FUZZ_KEY_REVOKED,        //  node R, scope FUZZ_SCOPE_A, revoked
    FUZZ_KEY_BLOCKED,        //  node D, scope FUZZ_SCOPE_D, blocked after an equivocation
    FUZZ_KEY_AUDITOR,        //  auditor, scope FUZZ_DISTRICT
    FUZZ_KEY_STRANGER,       //  not enrolled anywhere
    FUZZ_KEY_OTHER,          //  a second unenrolled key (two-author properties)
    FUZZ_KEY_COUNT
} fuzz_key_id_t;

#define FUZZ_DISTRICT "500115"
#define FUZZ_SCOPE_A "500115101"
#define FUZZ_SCOPE_B "500115102"
#define FUZZ_SCOPE_D "500115103"
#define FUZZ_ENROLL_MS ((uint64_t) 1690000000000)   //  before every change's clock
#define FUZZ_REVOKE_MS ((uint64_t) 1700000500000)   //  after R's change
#define FUZZ_HLC(ms_offset, n) ((((uint64_t) 1700000000000 + (ms_offset)) << 16) + (n))

//  Changes of each chain the fixture knows (the hub holds only the first
//  ones; the rest are the "next" changes a push may bring).
#define FUZZ_CHAIN_A 11
#define FUZZ_HUB_A 3              //  the hub holds A's seq 1..3
#define FUZZ_CHAIN_B 2

typedef struct {
    uint8_t *data;    //  owned (free())
    size_t len;       //  length
} fuzz_bytes_t;

//  Initialise libsodium (aborts if it cannot). Every target calls it first.
void fuzz_init (void);

//  The fixed key pair of id. Caller owns it (sh_key_destroy).
sh_key_t *fuzz_key (fuzz_key_id_t id);

//  A new empty directory named after tag under $TMPDIR, else /dev/shm
//  (LMDB commits fsync: a RAM file system keeps targets fast), else /tmp;
//  removed with everything in it when the process exits. Caller owns the
//  string (free()).
char *fuzz_tmpdir (const char *tag);

//  Remove a directory tree (files and subdirectories). Errors are ignored.
void fuzz_rmtree (const char *path);

//  Encode change (validated), sign it with key (change->author must be
//  key's public key) and return the SignedChange bytes in *out (caller
//  frees out->data); hash (may be NULL) receives the change hash.
SH_NODISCARD sh_err fuzz_sign (fuzz_bytes_t *out, uint8_t hash[SH_HASH_BYTES], const sh_change_t *change,
                               const sh_key_t *key);

//  Change seq (1-based) of the fixed chain of who (FUZZ_KEY_A: 1..FUZZ_CHAIN_A,
//  FUZZ_KEY_B: 1..FUZZ_CHAIN_B, FUZZ_KEY_REVOKED and FUZZ_KEY_BLOCKED: 1).
//  fork = true gives D's second, conflicting change at seq 1 (only for
//  FUZZ_KEY_BLOCKED), or for A a different change at seq (an equivocation).
//  *signed_out receives the SignedChange, *change_out (may be NULL) the
//  bare Change bytes. Callers free both.
SH_NODISCARD sh_err fuzz_chain (fuzz_bytes_t *signed_out, fuzz_bytes_t *change_out, fuzz_key_id_t who,
                                uint64_t seq, bool fork);

//  Build the fixture hub in dir (which must exist and be empty): a store
//  with meta role "hub", the enrolments, the pushes, revocation, the
//  equivocation and a checkpoint after every batch, each through the
//  hub's own library calls. *out is the open store (caller closes).
SH_NODISCARD sh_err fuzz_hub_build (sh_store_t **out, const char *dir, const sh_key_t *hub_key);

//  The number of entries of db (0 when it cannot be read).
uint64_t fuzz_store_count (sh_store_t *store, sh_store_db_t db);

#endif
