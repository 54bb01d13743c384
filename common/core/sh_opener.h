/*  sh_opener -- many SignedChanges opened at once (sh_change_open: decode,
    verify the signature, hash) on several threads: the hub's Push and the
    auditor's walk over an export verify most of their changes this way.

    Each change is opened independently into its own slot, so the result
    is the same whatever the thread count; the caller then judges the slots
    in order. Threads are started for one call and joined before it
    returns (the caller's thread works too).

    Ownership: in is borrowed; each out[i] with rc == SH_OK holds a decoded
    change the caller finalises (sh_change_fini). Threading: the call
    returns when every slot is filled.
*/
#ifndef SH_OPENER_H
#define SH_OPENER_H

#include <stddef.h>
#include <stdint.h>

#include "sh_change.h"
#include "sh_err.h"
#include "sh_wire.h"

#define SH_OPENER_THREADS_MAX 16
#define SH_OPENER_PAR_MIN 32      //  below this many changes, only the caller's thread works

//  One change opened (plain data).
typedef struct {
    sh_change_t change;                 //  decoded: sh_change_fini when rc == SH_OK
    uint8_t hash[SH_HASH_BYTES];        //  SHA-256 of the change bytes
    uint8_t leaf[SH_HASH_BYTES];        //  sh_opener_run_held: its Merkle leaf hash (sh_merkle_leaf_hash
                                        //  of the SignedChange bytes), so that the hub's serial append
                                        //  does not hash it again
    sh_err rc;                          //  sh_change_open's result
    const char *why;                    //  its reason (static), or NULL
} sh_opened_t;

//  Open in[i] into out[i] for i < n on up to threads threads (at most
//  SH_OPENER_THREADS_MAX; 1: the caller's only).
void sh_opener_run (const sh_wire_bytes_t *in, sh_opened_t *out, size_t n, int threads);

//  sh_opener_run with sh_change_open_held's held (and arg): changes held
//  byte for byte are not verified again; each slot opened also gets its
//  leaf hash. held is called on several threads at once.
void sh_opener_run_held (const sh_wire_bytes_t *in, sh_opened_t *out, size_t n, int threads,
                         sh_change_held_fn *held, void *arg);

//  A run of sh_opener_run in the background, so that the caller can judge
//  one batch while the next is opened (plain data; the fields are the
//  call's).
typedef struct {
    const sh_wire_bytes_t *in;
    sh_opened_t *out;
    size_t n;
    int threads;
    sh_change_held_fn *held;            //  sh_opener_run_held's, or NULL
    void *held_arg;
    void *thread_;                      //  the background thread, NULL if none runs
} sh_opener_job_t;

//  Start sh_opener_run (in, out, n, threads) in the background (on the
//  caller's thread at once when no thread can be started). Every start
//  is followed by sh_opener_wait before in or out are read or freed.
void sh_opener_start (sh_opener_job_t *job, const sh_wire_bytes_t *in, sh_opened_t *out, size_t n, int threads);

//  sh_opener_start of sh_opener_run_held (held, arg).
void sh_opener_start_held (sh_opener_job_t *job, const sh_wire_bytes_t *in, sh_opened_t *out, size_t n,
                           int threads, sh_change_held_fn *held, void *arg);

//  Wait until the job's slots are all filled. Idempotent.
void sh_opener_wait (sh_opener_job_t *job);

//  The threads worth using on this machine: its online processors, at least
//  1, at most SH_OPENER_THREADS_MAX.
int sh_opener_threads (void);

#endif
