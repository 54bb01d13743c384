/*  sh_key -- one Ed25519 identity (a node's or the hub's key pair).

    The 64-byte libsodium secret key (seed || public key) lives in
    sodium_malloc'd memory (guard pages, mlock, wiped by sodium_free) that
    is read-only once filled in. Every stack buffer that ever held the seed
    or its hex text is wiped with sodium_memzero on every exit path.
*/
#include "sh_key.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "sh_i18n.h"

#define S_MAGIC      "shouhe-ed25519-seed-v1 "
#define S_MAGIC_LEN  (sizeof S_MAGIC - 1)
#define S_HEX_LEN    (2 * SH_SEED_BYTES)
#define S_LINE_LEN   (S_MAGIC_LEN + S_HEX_LEN + 1)   //  magic, hex, "\n"

_Static_assert (SH_SEED_BYTES == crypto_sign_SEEDBYTES, "seed size");

struct sh_key_t {
    uint8_t pk[SH_PUBKEY_BYTES];   //  public key
    uint8_t *sk;                   //  secret key (seed || pk), sodium_malloc'd, read-only
};

static sh_key_t *s_key_alloc (void);
static sh_err s_write_all (int fd, const uint8_t *buf, size_t len);


//  --------------------------------------------------------------------------
//  Constructors and destructor

sh_key_t *
sh_key_generate (void)
{
    sh_key_t *self = s_key_alloc ();
    if (!self)
        return NULL;
    crypto_sign_keypair (self->pk, self->sk);
    sodium_mprotect_readonly (self->sk);
    return self;
}

sh_key_t *
sh_key_from_seed (const uint8_t seed[SH_SEED_BYTES])
{
    assert (seed);
    sh_key_t *self = s_key_alloc ();
    if (!self)
        return NULL;
    crypto_sign_seed_keypair (self->pk, self->sk, seed);
    sodium_mprotect_readonly (self->sk);
    return self;
}

void
sh_key_destroy (sh_key_t **self_p)
{
    assert (self_p);
    sh_key_t *self = *self_p;
    if (self) {
        sodium_free (self->sk);   //  makes it writable, wipes and unmaps it
        free (self);
        *self_p = NULL;
    }
}

static sh_key_t *
s_key_alloc (void)
{
    sh_key_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->sk = sodium_malloc (crypto_sign_SECRETKEYBYTES);
    if (!self->sk) {
        free (self);
        return NULL;
    }
    return self;
}


//  --------------------------------------------------------------------------
//  Key files

sh_err
sh_key_save (const sh_key_t *self, const char *path)
{
    assert (self);
    assert (path);
    uint8_t seed[SH_SEED_BYTES];
    char line[S_LINE_LEN + 1];   //  + NUL from sh_crypto_hex
    crypto_sign_ed25519_sk_to_seed (seed, self->sk);
    memcpy (line, S_MAGIC, S_MAGIC_LEN);
    sh_crypto_hex (line + S_MAGIC_LEN, seed, sizeof seed);
    line[S_LINE_LEN - 1] = '\n';
    sodium_memzero (seed, sizeof seed);

    sh_err rc = SH_OK;
    //  O_EXCL: never overwrite (and never follow a planted symlink).
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = errno == EEXIST ? SH_EEXIST : sh_err_errno ();
        goto out;
    }
    //  The umask may only have narrowed 0600; make the mode exact.
    if (fchmod (fd, 0600) != 0)
        rc = sh_err_errno ();
    if (rc == SH_OK)
        rc = s_write_all (fd, (const uint8_t *) line, S_LINE_LEN);
    if (rc == SH_OK && fsync (fd) != 0)
        rc = sh_err_errno ();
    if (close (fd) != 0 && rc == SH_OK)
        rc = sh_err_errno ();
    if (rc != SH_OK)
        unlink (path);   //  ours (O_EXCL): do not leave a partial key behind
out:
    sodium_memzero (line, sizeof line);
    return rc;
}

sh_err
sh_key_load (sh_key_t **out, const char *path)
{
    assert (out);
    assert (path);
    *out = NULL;
    uint8_t seed[SH_SEED_BYTES];
    char line[S_LINE_LEN + 1];   //  one byte more than a key file: detects a longer file
    size_t got = 0;
    sh_err rc = SH_OK;

    //  never through a symbolic link: a key swapped for a link to another
    //  node's key would sign under an identity the store does not belong to
    int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
    if (fd < 0) {
        rc = errno == ENOENT ? SH_ENOTFOUND : errno == ELOOP ? SH_EPERM : sh_err_errno ();
        goto out;
    }
    //  Check the file we opened, not the path (no race with a chmod/rename).
    struct stat st;
    if (fstat (fd, &st) != 0)
        rc = sh_err_errno ();
    else
    if (!S_ISREG (st.st_mode))
        rc = SH_EPROTO;
    else
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) || st.st_uid != geteuid ())
        rc = SH_EPERM;

    while (rc == SH_OK && got < sizeof line) {
        ssize_t n = read (fd, line + got, sizeof line - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = sh_err_errno ();
        else
        if (n == 0)
            break;
        else
            got += (size_t) n;
    }
    close (fd);
    if (rc != SH_OK)
        goto out;

    if (got != S_LINE_LEN
    ||  memcmp (line, S_MAGIC, S_MAGIC_LEN) != 0
    ||  line[S_LINE_LEN - 1] != '\n') {
        rc = SH_EPROTO;
        goto out;
    }
    line[S_LINE_LEN - 1] = '\0';
    if (sh_crypto_unhex (seed, sizeof seed, line + S_MAGIC_LEN) != SH_OK) {
        rc = SH_EPROTO;
        goto out;
    }
    *out = sh_key_from_seed (seed);
    if (!*out)
        rc = SH_ENOMEM;
out:
    sodium_memzero (seed, sizeof seed);
    sodium_memzero (line, sizeof line);
    return rc;
}

static sh_err
s_write_all (int fd, const uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write (fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return sh_err_errno ();
        buf += n;
        len -= (size_t) n;
    }
    return SH_OK;
}


//  --------------------------------------------------------------------------
//  Use

const uint8_t *
sh_key_public (const sh_key_t *self)
{
    assert (self);
    return self->pk;
}

sh_err
sh_key_sign (const sh_key_t *self, uint8_t sig[SH_SIG_BYTES],
             const uint8_t *prefix, size_t prefix_len,
             const uint8_t *msg, size_t msg_len)
{
    assert (self);
    assert (sig);
    assert (prefix || prefix_len == 0);
    assert (msg || msg_len == 0);
    if (prefix_len == 0) {
        crypto_sign_detached (sig, NULL, msg, msg_len, self->sk);
        return SH_OK;
    }
    //  Pure Ed25519 needs the whole message in one piece.
    assert (msg_len <= SIZE_MAX - prefix_len);
    uint8_t *buf = malloc (prefix_len + msg_len);
    if (!buf)
        return SH_ENOMEM;
    memcpy (buf, prefix, prefix_len);
    if (msg_len)
        memcpy (buf + prefix_len, msg, msg_len);
    crypto_sign_detached (sig, NULL, buf, prefix_len + msg_len, self->sk);
    free (buf);
    return SH_OK;
}

sh_err
sh_key_curve (const sh_key_t *self, uint8_t curve_pk[SH_CURVE_BYTES], uint8_t curve_sk[SH_CURVE_BYTES])
{
    if (crypto_sign_ed25519_pk_to_curve25519 (curve_pk, self->pk) != 0
    ||  crypto_sign_ed25519_sk_to_curve25519 (curve_sk, self->sk) != 0) {
        sodium_memzero (curve_sk, SH_CURVE_BYTES);
        return SH_ECRYPTO;
    }
    return SH_OK;
}

const char *
sh_key_file_problem (const char *path, char *why, size_t why_len)
{
    assert (path && why && why_len > 0);
    struct stat st;
    if (lstat (path, &st) != 0)
        snprintf (why, why_len, _("%s cannot be read: %s"), path, strerror (errno));
    else
    if (S_ISLNK (st.st_mode))
        snprintf (why, why_len, _("%s is a symbolic link; a key file must be the file itself "
                  "(put the node's own key file there)"), path);
    else
    if (!S_ISREG (st.st_mode))
        snprintf (why, why_len, _("%s is not a regular file"), path);
    else
    if (st.st_uid != geteuid ())
        snprintf (why, why_len, _("%s belongs to user id %u, not to the user running this (%u); "
                  "refusing to use it (fix with: chown %u %s)"), path, (unsigned) st.st_uid,
                  (unsigned) geteuid (), (unsigned) geteuid (), path);
    else
    if (st.st_mode & (S_IRWXG | S_IRWXO))
        snprintf (why, why_len, _("%s may be read by other users; refusing to use it (fix with: chmod 600 %s)"),
                  path, path);
    else
        snprintf (why, why_len, _("%s is not a shouhe key file"), path);
    return why;
}
