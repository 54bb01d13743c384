/*  sh_opener -- many SignedChanges opened at once. See sh_opener.h. */
#include "sh_opener.h"
#include "sh_merkle.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct {
    const sh_wire_bytes_t *in;
    sh_opened_t *out;
    size_t n;
    sh_change_held_fn *held;            //  sh_change_open_held's, or NULL
    void *held_arg;
    atomic_size_t next;                 //  next slot to take
} s_work_t;

static void *
s_worker (void *arg)
{
    s_work_t *w = arg;
    size_t i;
    while ((i = atomic_fetch_add (&w->next, 1)) < w->n) {
        sh_opened_t *o = &w->out[i];
        o->why = NULL;
        o->rc = sh_change_open_held (&o->change, o->hash, w->in[i].data, w->in[i].len, w->held, w->held_arg,
                                     &o->why);
        if (o->rc == SH_OK && w->held)
            sh_merkle_leaf_hash (o->leaf, w->in[i].data, w->in[i].len);
    }
    return NULL;
}

void
sh_opener_run (const sh_wire_bytes_t *in, sh_opened_t *out, size_t n, int threads)
{
    sh_opener_run_held (in, out, n, threads, NULL, NULL);
}

void
sh_opener_run_held (const sh_wire_bytes_t *in, sh_opened_t *out, size_t n, int threads, sh_change_held_fn *held,
                    void *arg)
{
    s_work_t w = { .in = in, .out = out, .n = n, .held = held, .held_arg = arg };
    atomic_init (&w.next, 0);
    pthread_t tid[SH_OPENER_THREADS_MAX];
    int started = 0;
    if (threads > SH_OPENER_THREADS_MAX)
        threads = SH_OPENER_THREADS_MAX;
    if (n >= SH_OPENER_PAR_MIN)
        for (int t = 1; t < threads; t++)
            if (pthread_create (&tid[started], NULL, s_worker, &w) == 0)
                started++;
    s_worker (&w);
    for (int t = 0; t < started; t++)
        pthread_join (tid[t], NULL);
}

static void *
s_job (void *arg)
{
    sh_opener_job_t *job = arg;
    sh_opener_run_held (job->in, job->out, job->n, job->threads, job->held, job->held_arg);
    return NULL;
}

void
sh_opener_start (sh_opener_job_t *job, const sh_wire_bytes_t *in, sh_opened_t *out, size_t n, int threads)
{
    sh_opener_start_held (job, in, out, n, threads, NULL, NULL);
}

void
sh_opener_start_held (sh_opener_job_t *job, const sh_wire_bytes_t *in, sh_opened_t *out, size_t n, int threads,
                      sh_change_held_fn *held, void *arg)
{
    *job = (sh_opener_job_t) { .in = in, .out = out, .n = n, .threads = threads, .held = held, .held_arg = arg };
    pthread_t *t = malloc (sizeof *t);
    if (t && pthread_create (t, NULL, s_job, job) == 0) {
        job->thread_ = t;
        return;
    }
    free (t);
    s_job (job);                        //  no thread: open them now
}

void
sh_opener_wait (sh_opener_job_t *job)
{
    if (!job->thread_)
        return;
    pthread_join (*(pthread_t *) job->thread_, NULL);
    free (job->thread_);
    job->thread_ = NULL;
}

int
sh_opener_threads (void)
{
    long n = sysconf (_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > SH_OPENER_THREADS_MAX ? SH_OPENER_THREADS_MAX : (int) n;
}
