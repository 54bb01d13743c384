/*  sh_tamper -- damage a node's change log on purpose (tamper tests only).

    Usage:
        sh_tamper DIR flip INDEX [BYTE_OFFSET]   flip the low bit of one byte of LOG entry INDEX
        sh_tamper DIR remove INDEX               delete LOG entry INDEX
        sh_tamper DIR swap I J                   swap the values of LOG entries I and J
        sh_tamper DIR resign INDEX KEYFILE       replace the entry's signature by one made with KEYFILE
        sh_tamper DIR reauthor INDEX KEYFILE     make KEYFILE's key the author and re-sign validly
        sh_tamper DIR rebind KEYFILE             record KEYFILE's key as the one the store belongs
                                                 to (meta owner.key), as someone with write access
                                                 to the store could

    DIR is the directory of the store (data.mdb); it must already exist.
    Only the LOG sub-database is touched: CHAIN, HEADS and META keep what
    they said, as they would after someone edited the log file. flip without
    BYTE_OFFSET flips the last digit of the region code inside the change
    ('0' <-> '1', ...), so the entry still parses and only its signature
    breaks; with BYTE_OFFSET it flips that byte of the stored SignedChange.
    Exit status: 0 done, 1 failed, 2 usage.
*/
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_change.h"
#include "sh_changelog.h"
#include "sh_crypto.h"
#include "sh_key.h"
#include "sh_store.h"

/* --------------------------------------------------------------------------
 * Helpers
 * -------------------------------------------------------------------------- */

static int
s_usage (void)
{
    fprintf (stderr,
             "usage: sh_tamper DIR flip INDEX [BYTE_OFFSET]\n"
             "       sh_tamper DIR remove INDEX\n"
             "       sh_tamper DIR swap I J\n"
             "       sh_tamper DIR rebind KEYFILE\n"
             "       sh_tamper DIR resign INDEX KEYFILE\n"
             "       sh_tamper DIR reauthor INDEX KEYFILE\n");
    return 2;
}

static int
s_fail (const char *what, sh_err err)
{
    fprintf (stderr, "sh_tamper: %s: %s\n", what, sh_strerror (err));
    return 1;
}

//  Parse an unsigned decimal number; false if text is not one.
static bool
s_parse_u64 (const char *text, uint64_t *out)
{
    if (!text || *text < '0' || *text > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull (text, &end, 10);
    if (errno || *end)
        return false;
    *out = (uint64_t) v;
    return true;
}

//  A malloc'd copy of LOG entry index.
static sh_err
s_log_copy (sh_store_txn_t *txn, uint64_t index, uint8_t **out, size_t *out_len)
{
    const uint8_t *bytes;
    size_t len;
    sh_err err = sh_changelog_get (txn, index, &bytes, &len);
    if (err)
        return err;
    *out = malloc (len ? len : 1);
    if (!*out)
        return SH_ENOMEM;
    memcpy (*out, bytes, len);
    *out_len = len;
    return SH_OK;
}

static sh_err
s_log_put (sh_store_txn_t *txn, uint64_t index, const uint8_t *bytes, size_t len)
{
    uint8_t key[8];
    sh_store_put_be64 (key, index);
    return sh_store_put (txn, SH_DB_LOG, key, sizeof key, bytes, len);
}

//  Offset of the last region digit inside SignedChange bytes, or -1.
static long
s_region_offset (const uint8_t *bytes, size_t len)
{
    uint8_t *change = NULL;
    size_t change_len;
    uint8_t sig[SH_SIG_BYTES];
    if (sh_change_unwrap (&change, &change_len, sig, bytes, len) != SH_OK)
        return -1;
    sh_change_t c;
    long offset = -1;
    if (sh_change_decode (&c, change, change_len, NULL) == SH_OK) {
        //  Field 5 (region), wire type 2: tag 0x2a, one length byte, digits.
        size_t rlen = strlen (c.region);
        for (size_t i = 0; i + 2 + rlen <= len; i++)
            if (bytes[i] == 0x2a && (size_t) bytes[i + 1] == rlen
            &&  memcmp (bytes + i + 2, c.region, rlen) == 0) {
                offset = (long) (i + 2 + rlen - 1);
                break;
            }
        sh_change_fini (&c);
    }
    free (change);
    return offset;
}

/* --------------------------------------------------------------------------
 * Commands: each works in the write transaction txn
 * -------------------------------------------------------------------------- */

static int
s_flip (sh_store_txn_t *txn, uint64_t index, const char *offset_text)
{
    uint8_t *bytes;
    size_t len;
    sh_err err = s_log_copy (txn, index, &bytes, &len);
    if (err)
        return s_fail ("read log entry", err);
    uint64_t offset;
    if (offset_text) {
        if (!s_parse_u64 (offset_text, &offset)) {
            free (bytes);
            return s_usage ();
        }
    }
    else {
        long at = s_region_offset (bytes, len);
        offset = at >= 0 ? (uint64_t) at : len / 2;
    }
    if (offset >= len) {
        fprintf (stderr, "sh_tamper: offset %" PRIu64 " is past the entry (%zu bytes)\n",
                 offset, len);
        free (bytes);
        return 1;
    }
    bytes[offset] ^= 0x01;
    err = s_log_put (txn, index, bytes, len);
    free (bytes);
    if (err)
        return s_fail ("write log entry", err);
    printf ("flipped byte %" PRIu64 " of log entry %" PRIu64 "\n", offset, index);
    return 0;
}

static int
s_remove (sh_store_txn_t *txn, uint64_t index)
{
    uint8_t key[8];
    sh_store_put_be64 (key, index);
    sh_err err = sh_store_del (txn, SH_DB_LOG, key, sizeof key);
    if (err)
        return s_fail ("delete log entry", err);
    printf ("removed log entry %" PRIu64 "\n", index);
    return 0;
}

static int
s_swap (sh_store_txn_t *txn, uint64_t i, uint64_t j)
{
    uint8_t *a = NULL, *b = NULL;
    size_t a_len, b_len;
    sh_err err = s_log_copy (txn, i, &a, &a_len);
    if (!err)
        err = s_log_copy (txn, j, &b, &b_len);
    if (!err)
        err = s_log_put (txn, i, b, b_len);
    if (!err)
        err = s_log_put (txn, j, a, a_len);
    free (a);
    free (b);
    if (err)
        return s_fail ("swap log entries", err);
    printf ("swapped log entries %" PRIu64 " and %" PRIu64 "\n", i, j);
    return 0;
}

static int
s_resign (sh_store_txn_t *txn, uint64_t index, const sh_key_t *key)
{
    uint8_t *bytes = NULL, *change = NULL;
    size_t len, change_len;
    uint8_t sig[SH_SIG_BYTES];
    sh_err err = s_log_copy (txn, index, &bytes, &len);
    if (!err)
        err = sh_change_unwrap (&change, &change_len, sig, bytes, len);
    //  A canonical SignedChange ends in field 2: tag 0x12, length 64, signature.
    if (!err && (len < SH_SIG_BYTES + 2 || bytes[len - SH_SIG_BYTES - 2] != 0x12
                 || bytes[len - SH_SIG_BYTES - 1] != SH_SIG_BYTES
                 || memcmp (bytes + len - SH_SIG_BYTES, sig, SH_SIG_BYTES) != 0))
        err = SH_EPROTO;
    if (!err)
        err = sh_key_sign (key, bytes + len - SH_SIG_BYTES,
                           (const uint8_t *) SH_CHANGE_SIG_PREFIX, strlen (SH_CHANGE_SIG_PREFIX),
                           change, change_len);
    if (!err)
        err = s_log_put (txn, index, bytes, len);
    free (bytes);
    free (change);
    if (err)
        return s_fail ("re-sign log entry", err);
    printf ("re-signed log entry %" PRIu64 " with another key\n", index);
    return 0;
}

static int
s_reauthor (sh_store_txn_t *txn, uint64_t index, const sh_key_t *key)
{
    uint8_t *bytes = NULL, *change = NULL, *encoded = NULL, *resigned = NULL;
    size_t len, change_len, encoded_len, resigned_len;
    uint8_t sig[SH_SIG_BYTES];
    sh_change_t c = { 0 };
    sh_err err = s_log_copy (txn, index, &bytes, &len);
    if (!err)
        err = sh_change_unwrap (&change, &change_len, sig, bytes, len);
    if (!err)
        err = sh_change_decode (&c, change, change_len, NULL);
    if (!err) {
        memcpy (c.author, sh_key_public (key), SH_PUBKEY_BYTES);
        err = sh_change_encode (&c, &encoded, &encoded_len);
    }
    if (!err)
        err = sh_change_sign (&resigned, &resigned_len, encoded, encoded_len, key);
    if (!err)
        err = s_log_put (txn, index, resigned, resigned_len);
    sh_change_fini (&c);
    free (bytes);
    free (change);
    free (encoded);
    free (resigned);
    if (err)
        return s_fail ("re-author log entry", err);
    printf ("re-authored log entry %" PRIu64 " to another key\n", index);
    return 0;
}

/* --------------------------------------------------------------------------
 * Main
 * -------------------------------------------------------------------------- */

//  rebind: meta owner.key := KEYFILE's public key.
static int
s_rebind (const char *dir, const char *keyfile)
{
    sh_err err = sh_crypto_init ();
    sh_key_t *key = NULL;
    if (err == SH_OK && (err = sh_key_load (&key, keyfile)) != SH_OK)
        return s_fail (keyfile, err);
    sh_store_t *store = NULL;
    sh_store_txn_t *txn = NULL;
    char hex[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    sh_crypto_hex (hex, sh_key_public (key), SH_PUBKEY_BYTES);
    if (err == SH_OK)
        err = sh_store_open (&store, dir, false, 0);
    if (err == SH_OK)
        err = sh_store_begin (store, true, &txn);
    if (err == SH_OK)
        err = sh_store_meta_put_str (txn, "owner.key", hex);
    if (err == SH_OK)
        err = sh_store_commit (&txn);
    sh_store_abort (&txn);
    sh_store_close (&store);
    sh_key_destroy (&key);
    return err ? s_fail ("rebind", err) : 0;
}

int
main (int argc, char **argv)
{
    if (argc < 4)
        return s_usage ();
    const char *dir = argv[1];
    const char *cmd = argv[2];
    if (strcmp (cmd, "rebind") == 0)
        return argc == 4 ? s_rebind (dir, argv[3]) : s_usage ();
    uint64_t index, other = 0;
    if (!s_parse_u64 (argv[3], &index))
        return s_usage ();

    bool needs_key = strcmp (cmd, "resign") == 0 || strcmp (cmd, "reauthor") == 0;
    if (strcmp (cmd, "flip") == 0) {
        if (argc != 4 && argc != 5)
            return s_usage ();
    }
    else
    if (strcmp (cmd, "remove") == 0) {
        if (argc != 4)
            return s_usage ();
    }
    else
    if (strcmp (cmd, "swap") == 0) {
        if (argc != 5 || !s_parse_u64 (argv[4], &other))
            return s_usage ();
    }
    else
    if (needs_key) {
        if (argc != 5)
            return s_usage ();
    }
    else
        return s_usage ();

    sh_err err = sh_crypto_init ();
    if (err)
        return s_fail ("init", err);
    sh_key_t *key = NULL;
    if (needs_key && (err = sh_key_load (&key, argv[4])))
        return s_fail (argv[4], err);

    sh_store_t *store = NULL;
    err = sh_store_open (&store, dir, false, 0);
    if (err) {
        sh_key_destroy (&key);
        return s_fail (dir, err);
    }
    sh_store_txn_t *txn = NULL;
    int rc = 1;
    err = sh_store_begin (store, true, &txn);
    if (err)
        rc = s_fail ("begin", err);
    else {
        if (strcmp (cmd, "flip") == 0)
            rc = s_flip (txn, index, argc == 5 ? argv[4] : NULL);
        else
        if (strcmp (cmd, "remove") == 0)
            rc = s_remove (txn, index);
        else
        if (strcmp (cmd, "swap") == 0)
            rc = s_swap (txn, index, other);
        else
        if (strcmp (cmd, "resign") == 0)
            rc = s_resign (txn, index, key);
        else
            rc = s_reauthor (txn, index, key);
        if (rc == 0 && (err = sh_store_commit (&txn)))
            rc = s_fail ("commit", err);
        sh_store_abort (&txn);
    }
    sh_store_close (&store);
    sh_key_destroy (&key);
    return rc;
}
