/*  sh_key_test -- key generation, key files and their refusals. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sh_crypto.h"
#include "sh_key.h"
#include "sh_test.h"

static char *
s_path (const char *dir, const char *name)
{
    size_t len = strlen (dir) + 1 + strlen (name) + 1;
    char *path = malloc (len);
    SH_CHECK (path);
    snprintf (path, len, "%s/%s", dir, name);
    return path;
}

//  Write content to path with the given mode (exact, whatever the umask).
static void
s_write_file (const char *path, const char *content, size_t len, mode_t mode)
{
    int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    SH_CHECK (fd >= 0);
    SH_CHECK (write (fd, content, len) == (ssize_t) len);
    SH_CHECK (fchmod (fd, mode) == 0);
    SH_CHECK (close (fd) == 0);
}

static void
s_read_file (const char *path, char *buf, size_t size, size_t *len)
{
    FILE *f = fopen (path, "rb");
    SH_CHECK (f);
    *len = fread (buf, 1, size, f);
    fclose (f);
}

static void
test_round_trip (void)
{
    char *dir = sh_test_tmpdir ();
    char *path = s_path (dir, "node.key");
    sh_key_t *key = sh_key_generate ();
    SH_CHECK (key);
    SH_PASS (sh_key_save (key, path));

    sh_key_t *loaded = NULL;
    SH_PASS (sh_key_load (&loaded, path));
    SH_CHECK (loaded);
    SH_CHECK (memcmp (sh_key_public (key), sh_key_public (loaded), SH_PUBKEY_BYTES) == 0);

    //  Deterministic signatures: the same key signs the same message alike.
    const uint8_t msg[] = "a change";
    uint8_t a[SH_SIG_BYTES], b[SH_SIG_BYTES];
    SH_PASS (sh_key_sign (key, a, NULL, 0, msg, sizeof msg));
    SH_PASS (sh_key_sign (loaded, b, NULL, 0, msg, sizeof msg));
    SH_CHECK (memcmp (a, b, sizeof a) == 0);
    SH_PASS (sh_crypto_verify (b, msg, sizeof msg, sh_key_public (key)));

    //  Two generated keys differ.
    sh_key_t *other = sh_key_generate ();
    SH_CHECK (other);
    SH_CHECK (memcmp (sh_key_public (key), sh_key_public (other), SH_PUBKEY_BYTES) != 0);

    sh_key_destroy (&key);
    sh_key_destroy (&loaded);
    sh_key_destroy (&other);
    SH_CHECK (!key && !loaded && !other);
    free (path);
    sh_test_rmdir (dir);
}

static void
test_file_format (void)
{
    //  The format of the header, byte for byte, from a known seed.
    uint8_t seed[SH_SEED_BYTES];
    for (size_t i = 0; i < sizeof seed; i++)
        seed[i] = (uint8_t) (0xa0 + i);
    char *dir = sh_test_tmpdir ();
    char *path = s_path (dir, "k");
    sh_key_t *key = sh_key_from_seed (seed);
    SH_CHECK (key);
    SH_PASS (sh_key_save (key, path));

    char buf[200];
    size_t len;
    s_read_file (path, buf, sizeof buf, &len);
    const char *want = "shouhe-ed25519-seed-v1 "
        "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\n";
    SH_CHECK (len == strlen (want));
    SH_CHECK (memcmp (buf, want, len) == 0);

    struct stat st;
    SH_CHECK (stat (path, &st) == 0);
    SH_CHECK ((st.st_mode & 07777) == 0600);

    //  Upper-case hex is read too, as the same key.
    sh_key_destroy (&key);
    char *upper = s_path (dir, "upper");
    const char *text = "shouhe-ed25519-seed-v1 "
        "A0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF\n";
    s_write_file (upper, text, strlen (text), 0600);
    SH_PASS (sh_key_load (&key, upper));
    sh_key_t *expected = sh_key_from_seed (seed);
    SH_CHECK (expected);
    SH_CHECK (memcmp (sh_key_public (key), sh_key_public (expected), SH_PUBKEY_BYTES) == 0);
    sh_key_destroy (&key);
    sh_key_destroy (&expected);
    free (upper);
    free (path);
    sh_test_rmdir (dir);
}

static void
test_mode_despite_umask (void)
{
    char *dir = sh_test_tmpdir ();
    char *path = s_path (dir, "k");
    //  A careless umask must not widen the mode, a strict one not narrow it.
    const mode_t masks[] = { 0, 0022, 0077, 0277, 0777 };
    sh_key_t *key = sh_key_generate ();
    SH_CHECK (key);
    for (size_t i = 0; i < sizeof masks / sizeof masks[0]; i++) {
        unlink (path);
        mode_t old = umask (masks[i]);
        sh_err rc = sh_key_save (key, path);
        umask (old);
        SH_PASS (rc);
        struct stat st;
        SH_CHECK (stat (path, &st) == 0);
        SH_CHECK ((st.st_mode & 07777) == 0600);
    }
    sh_key_destroy (&key);
    free (path);
    sh_test_rmdir (dir);
}

static void
test_refuse_overwrite (void)
{
    char *dir = sh_test_tmpdir ();
    char *path = s_path (dir, "k");
    sh_key_t *first = sh_key_generate ();
    sh_key_t *second = sh_key_generate ();
    SH_CHECK (first && second);
    SH_PASS (sh_key_save (first, path));
    SH_FAIL (sh_key_save (second, path), SH_EEXIST);
    SH_FAIL (sh_key_save (first, path), SH_EEXIST);

    //  The file still holds the first key.
    sh_key_t *loaded = NULL;
    SH_PASS (sh_key_load (&loaded, path));
    SH_CHECK (memcmp (sh_key_public (loaded), sh_key_public (first), SH_PUBKEY_BYTES) == 0);

    //  A symlink in the way is not followed either.
    char *link = s_path (dir, "link");
    char *target = s_path (dir, "target");
    SH_CHECK (symlink (target, link) == 0);
    SH_FAIL (sh_key_save (first, link), SH_EEXIST);
    SH_CHECK (access (target, F_OK) != 0);

    sh_key_destroy (&first);
    sh_key_destroy (&second);
    sh_key_destroy (&loaded);
    free (link);
    free (target);
    free (path);
    sh_test_rmdir (dir);
}

static void
test_refuse_permissions (void)
{
    char *dir = sh_test_tmpdir ();
    char *path = s_path (dir, "k");
    sh_key_t *key = sh_key_generate ();
    SH_CHECK (key);
    SH_PASS (sh_key_save (key, path));

    const mode_t bad[] = { 0640, 0604, 0660, 0644, 0610, 0601, 0620, 0602, 0700 | 0004 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        SH_CHECK (chmod (path, bad[i]) == 0);
        sh_key_t *loaded = (sh_key_t *) 1;
        SH_FAIL (sh_key_load (&loaded, path), SH_EPERM);
        SH_CHECK (loaded == NULL);
    }
    //  Owner-only modes are fine.
    const mode_t good[] = { 0600, 0400, 0700 };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        SH_CHECK (chmod (path, good[i]) == 0);
        sh_key_t *loaded = NULL;
        SH_PASS (sh_key_load (&loaded, path));
        sh_key_destroy (&loaded);
    }
    sh_key_destroy (&key);
    free (path);
    sh_test_rmdir (dir);
}

//  A symbolic link to a good key file, and a key file of another user, are
//  refused; sh_key_file_problem says which and how to fix it.
static void
test_refuse_link_and_owner (void)
{
    char *dir = sh_test_tmpdir ();
    char *path = s_path (dir, "k"), *link = s_path (dir, "link");
    sh_key_t *key = sh_key_generate ();
    SH_CHECK (key);
    SH_PASS (sh_key_save (key, path));
    SH_CHECK (symlink (path, link) == 0);
    sh_key_t *loaded = (sh_key_t *) 1;
    SH_FAIL (sh_key_load (&loaded, link), SH_EPERM);
    SH_CHECK (loaded == NULL);
    char why[1024];
    SH_CHECK (strstr (sh_key_file_problem (link, why, sizeof why), "is a symbolic link"));
    SH_CHECK (chmod (path, 0644) == 0);
    SH_CHECK (strstr (sh_key_file_problem (path, why, sizeof why), "chmod 600"));
    SH_CHECK (chmod (path, 0600) == 0);
    if (geteuid () == 0) {
        SH_CHECK (chown (path, 4242, (gid_t) -1) == 0);
        SH_FAIL (sh_key_load (&loaded, path), SH_EPERM);
        SH_CHECK (strstr (sh_key_file_problem (path, why, sizeof why), "belongs to user id 4242"));
        SH_CHECK (chown (path, 0, (gid_t) -1) == 0);
    }
    SH_PASS (sh_key_load (&loaded, path));
    SH_CHECK (!memcmp (sh_key_public (loaded), sh_key_public (key), SH_PUBKEY_BYTES));
    sh_key_destroy (&loaded);
    sh_key_destroy (&key);
    free (path);
    free (link);
    sh_test_rmdir (dir);
}

static void
test_refuse_missing (void)
{
    char *dir = sh_test_tmpdir ();
    char *path = s_path (dir, "missing");
    sh_key_t *loaded = (sh_key_t *) 1;
    SH_FAIL (sh_key_load (&loaded, path), SH_ENOTFOUND);
    SH_CHECK (loaded == NULL);
    free (path);
    sh_test_rmdir (dir);
}

static void
test_refuse_content (void)
{
    char *dir = sh_test_tmpdir ();
    char *path = s_path (dir, "k");
    const char *hex = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf";
    char good[128];
    snprintf (good, sizeof good, "shouhe-ed25519-seed-v1 %s\n", hex);
    char text[256];
    const char *cases[] = {
        "",                                                     //  empty
        "garbage\n",                                            //  garbage
        "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n",
        NULL,   //  truncated hex (built below)
        NULL,   //  one hex digit too many
        NULL,   //  non-hex digit
        NULL,   //  missing newline
        NULL,   //  trailing data after the line
        NULL,   //  wrong magic (v2)
        NULL,   //  no space after the magic
        NULL,   //  carriage return instead of the newline
        NULL,   //  another byte instead of the newline
    };
    size_t n = sizeof cases / sizeof cases[0];
    for (size_t i = 0; i < n; i++) {
        const char *content = cases[i];
        if (!content) {
            content = text;
            switch (i) {
                case 3: snprintf (text, sizeof text, "shouhe-ed25519-seed-v1 %.62s\n", hex); break;
                case 4: snprintf (text, sizeof text, "shouhe-ed25519-seed-v1 %s0\n", hex); break;
                case 5: snprintf (text, sizeof text, "shouhe-ed25519-seed-v1 %.63sg\n", hex); break;
                case 6: snprintf (text, sizeof text, "shouhe-ed25519-seed-v1 %s", hex); break;
                case 7: snprintf (text, sizeof text, "%sextra\n", good); break;
                case 8: snprintf (text, sizeof text, "shouhe-ed25519-seed-v2 %s\n", hex); break;
                case 9: snprintf (text, sizeof text, "shouhe-ed25519-seed-v1%s0\n", hex); break;
                case 10: snprintf (text, sizeof text, "shouhe-ed25519-seed-v1 %s\r", hex); break;
                case 11: snprintf (text, sizeof text, "shouhe-ed25519-seed-v1 %s ", hex); break;
                default: SH_CHECK (false);
            }
        }
        unlink (path);
        s_write_file (path, content, strlen (content), 0600);
        sh_key_t *loaded = (sh_key_t *) 1;
        SH_FAIL (sh_key_load (&loaded, path), SH_EPROTO);
        SH_CHECK (loaded == NULL);
    }
    //  And the well-formed line loads.
    unlink (path);
    s_write_file (path, good, strlen (good), 0600);
    sh_key_t *loaded = NULL;
    SH_PASS (sh_key_load (&loaded, path));
    sh_key_destroy (&loaded);

    //  A directory is not a key file.
    char *sub = s_path (dir, "sub");
    SH_CHECK (mkdir (sub, 0700) == 0);
    SH_FAIL (sh_key_load (&loaded, sub), SH_EPROTO);
    free (sub);
    free (path);
    sh_test_rmdir (dir);
}

static const sh_test_case_t tests[] = {
    { "round trip", test_round_trip },
    { "file format", test_file_format },
    { "mode despite umask", test_mode_despite_umask },
    { "refuse overwrite", test_refuse_overwrite },
    { "refuse permissions", test_refuse_permissions },
    { "refuse link and owner", test_refuse_link_and_owner },
    { "refuse missing", test_refuse_missing },
    { "refuse content", test_refuse_content },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
