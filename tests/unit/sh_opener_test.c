/*  sh_opener_test -- many changes opened at once: every slot gets what
    sh_change_open gives that change alone (good, forged, malformed), on one
    thread or many, for batches below and above the parallel threshold,
    called directly or in the background (start, wait).
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sh_change.h"
#include "sh_crypto.h"
#include "sh_key.h"
#include "sh_opener.h"
#include "sh_test.h"

#define S_N 300

static const uint8_t s_entity[] = "matter-0001";
static const uint8_t s_body[] = { 0x0a, 0x05, 'h', 'e', 'l', 'l', 'o' };

//  SignedChange number i of a chain by key: every 7th has a flipped
//  signature bit, every 11th is cut short (malformed).
static uint8_t *
s_signed (const sh_key_t *key, size_t i, size_t *len)
{
    sh_change_t c = { .seq = i + 1, .hlc = (1700000000000ull + i) << 16, .kind = SH_KIND_MATTER,
                      .entity = s_entity, .entity_len = sizeof s_entity - 1, .op = SH_OP_PUT,
                      .body = s_body, .body_len = sizeof s_body };
    memcpy (c.author, sh_key_public (key), SH_PUBKEY_BYTES);
    strcpy (c.region, "500115108201001");
    uint8_t *bytes, *out;
    size_t bl;
    SH_PASS (sh_change_encode (&c, &bytes, &bl));
    SH_PASS (sh_change_sign (&out, len, bytes, bl, key));
    free (bytes);
    if (i % 7 == 3)
        out[*len - 5] ^= 0x10;          //  inside the signature
    if (i % 11 == 5)
        *len /= 2;
    return out;
}

static void
s_check (size_t n, int threads)
{
    uint8_t seed[SH_SEED_BYTES];
    memset (seed, 7, sizeof seed);
    sh_key_t *key = sh_key_from_seed (seed);
    SH_CHECK (key);
    sh_wire_bytes_t in[S_N];
    uint8_t *buf[S_N];
    for (size_t i = 0; i < n; i++) {
        size_t len;
        buf[i] = s_signed (key, i, &len);
        in[i] = (sh_wire_bytes_t) { buf[i], len };
    }
    sh_opened_t *out = calloc (n, sizeof *out);
    SH_CHECK (out);
    if (threads % 2) {                          //  in the background, the caller waiting
        sh_opener_job_t job;
        sh_opener_start (&job, in, out, n, threads);
        sh_opener_wait (&job);
        sh_opener_wait (&job);                  //  idempotent
    }
    else
        sh_opener_run (in, out, n, threads);
    size_t good = 0;
    for (size_t i = 0; i < n; i++) {
        sh_change_t alone;
        uint8_t hash[SH_HASH_BYTES];
        sh_err rc = sh_change_open (&alone, hash, in[i].data, in[i].len, NULL);
        SH_CHECK (out[i].rc == rc);
        SH_CHECK (rc != SH_OK || i % 7 != 3);
        if (rc == SH_OK) {
            good++;
            SH_CHECK (out[i].change.seq == i + 1 && memcmp (out[i].hash, hash, SH_HASH_BYTES) == 0);
            sh_change_fini (&alone);
            sh_change_fini (&out[i].change);
        }
        else
            SH_CHECK (rc == (i % 11 == 5 ? SH_EPROTO : SH_ECRYPTO));
    }
    SH_CHECK (good > 0 && good < n);
    for (size_t i = 0; i < n; i++)
        free (buf[i]);
    free (out);
    sh_key_destroy (&key);
}

static void
test_threads (void)
{
    for (int t = 1; t <= 4; t++) {
        s_check (S_N, t);
        s_check (SH_OPENER_PAR_MIN - 1, t);
    }
    s_check (S_N, SH_OPENER_THREADS_MAX + 5);   //  capped
    SH_CHECK (sh_opener_threads () >= 1 && sh_opener_threads () <= SH_OPENER_THREADS_MAX);
}

static const sh_test_case_t s_tests[] = {
    { "threads", test_threads },
    { NULL, NULL }
};

SH_TEST_MAIN (s_tests)
