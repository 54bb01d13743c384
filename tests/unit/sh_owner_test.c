/*  sh_owner_test -- keys bound to stores, key files that are not the key
    itself, store directories others may write, and the serve lock
    (sh_owner, sh_key_load, sh_replica_open_why, sh_sys_lock).
*/
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sh_test.h"

#include "sh_key.h"
#include "sh_owner.h"
#include "sh_replica.h"
#include "sh_store.h"
#include "sh_sys.h"

static void
s_path (char *out, size_t n, const char *dir, const char *name)
{
    snprintf (out, n, "%s/%s", dir, name);
}

//  A new store is bound to the first key; the same key opens it again,
//  another is refused naming both, and nothing is changed by the refusal.
static void
test_bind (void)
{
    char *dir = sh_test_tmpdir ();
    sh_store_t *store;
    SH_PASS (sh_store_open (&store, dir, true, 0));
    sh_key_t *a = sh_test_key (1), *b = sh_test_key (2);
    char why[1024];
    SH_PASS (sh_owner_bind (store, sh_key_public (a), why, sizeof why));
    SH_PASS (sh_owner_bind (store, sh_key_public (a), why, sizeof why));
    SH_FAIL (sh_owner_bind (store, sh_key_public (b), why, sizeof why), SH_EPERM);
    char ha[SH_HEX_BYTES (SH_PUBKEY_BYTES)], hb[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    sh_crypto_hex (ha, sh_key_public (a), SH_PUBKEY_BYTES);
    sh_crypto_hex (hb, sh_key_public (b), SH_PUBKEY_BYTES);
    SH_CHECK (strstr (why, ha) && strstr (why, hb));
    SH_CHECK (strstr (why, ha) < strstr (why, hb));      //  the store's key first
    //  the refusal recorded nothing: a still opens it
    SH_PASS (sh_owner_bind (store, sh_key_public (a), why, sizeof why));
    sh_key_destroy (&a);
    sh_key_destroy (&b);
    sh_store_close (&store);
    sh_test_rmdir (dir);
}

//  A store written before stores recorded their key (no meta owner.key) is
//  bound to the key it is next opened with, and from then on refuses others.
static void
test_bind_older_store (void)
{
    char *root = sh_test_tmpdir ();
    char dir[512], kp[600], why[1024];
    s_path (dir, sizeof dir, root, "old");
    s_path (kp, sizeof kp, dir, SH_REPLICA_KEY_FILE);
    sh_replica_t *r;
    SH_PASS (sh_replica_create (&r, dir, "500115101001"));
    sh_replica_close (&r);
    sh_store_t *store;
    sh_store_txn_t *txn;
    SH_PASS (sh_store_open (&store, dir, false, 0));
    SH_PASS (sh_store_begin (store, true, &txn));
    SH_PASS (sh_store_del (txn, SH_DB_META, SH_OWNER_META, strlen (SH_OWNER_META)));
    SH_PASS (sh_store_commit (&txn));
    sh_store_close (&store);

    //  the next open binds the store to the key it is opened with
    sh_key_t *own, *other = sh_test_key (7);
    SH_PASS (sh_key_load (&own, kp));
    SH_PASS (sh_replica_open_why (&r, dir, why, sizeof why));
    sh_replica_close (&r);
    char rec[SH_HEX_BYTES (SH_PUBKEY_BYTES) + 1], hex[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    SH_PASS (sh_store_open (&store, dir, false, 0));
    SH_PASS (sh_store_begin (store, false, &txn));
    SH_PASS (sh_store_meta_get_str (txn, SH_OWNER_META, rec, sizeof rec));
    sh_store_abort (&txn);
    sh_crypto_hex (hex, sh_key_public (own), SH_PUBKEY_BYTES);
    SH_CHECK (strcmp (rec, hex) == 0);
    SH_FAIL (sh_owner_bind (store, sh_key_public (other), why, sizeof why), SH_EPERM);
    sh_store_close (&store);
    sh_key_destroy (&own);
    sh_key_destroy (&other);
    sh_test_rmdir (root);
}

static void
test_dir (void)
{
    char *dir = sh_test_tmpdir ();
    char why[1024];
    SH_PASS (sh_owner_check_dir (dir, why, sizeof why));
    SH_CHECK (chmod (dir, 0755) == 0);
    SH_PASS (sh_owner_check_dir (dir, why, sizeof why));
    SH_CHECK (chmod (dir, 0770) == 0);
    SH_FAIL (sh_owner_check_dir (dir, why, sizeof why), SH_EPERM);
    SH_CHECK (strstr (why, "chmod go-w") && strstr (why, dir));
    SH_CHECK (chmod (dir, 0702) == 0);
    SH_FAIL (sh_owner_check_dir (dir, why, sizeof why), SH_EPERM);
    SH_CHECK (chmod (dir, 0700) == 0);
    char missing[512];
    s_path (missing, sizeof missing, dir, "nothing-here");
    SH_FAIL (sh_owner_check_dir (missing, why, sizeof why), SH_ENOTFOUND);
    sh_test_rmdir (dir);
}

//  The replica: its store records the key at creation; a swapped key file,
//  a symbolic link, another user's file and a writable directory are each
//  refused with a reason; the node's own key opens it again.
static void
test_replica (void)
{
    char *root = sh_test_tmpdir ();
    char da[512], db[512], ka[600], kb[600], kown[600], why[1024];
    s_path (da, sizeof da, root, "a");
    s_path (db, sizeof db, root, "b");
    sh_replica_t *r;
    SH_PASS (sh_replica_create (&r, da, "500115101001"));
    sh_replica_close (&r);
    SH_PASS (sh_replica_create (&r, db, "500115101002"));
    sh_replica_close (&r);
    s_path (ka, sizeof ka, da, SH_REPLICA_KEY_FILE);
    s_path (kb, sizeof kb, db, SH_REPLICA_KEY_FILE);
    s_path (kown, sizeof kown, da, "own.key");
    SH_PASS (sh_replica_open_why (&r, da, why, sizeof why));
    sh_replica_close (&r);

    //  a symbolic link to another node's key
    SH_CHECK (rename (ka, kown) == 0);
    SH_CHECK (symlink (kb, ka) == 0);
    SH_FAIL (sh_replica_open_why (&r, da, why, sizeof why), SH_EPERM);
    SH_CHECK (strstr (why, "symbolic link"));
    SH_FAIL (sh_replica_open (&r, da), SH_EPERM);

    //  a copy of another node's key (a regular file, mode 0600)
    SH_CHECK (unlink (ka) == 0);
    sh_key_t *kbk;
    SH_PASS (sh_key_load (&kbk, kb));
    SH_PASS (sh_key_save (kbk, ka));
    sh_key_destroy (&kbk);
    SH_FAIL (sh_replica_open_why (&r, da, why, sizeof why), SH_EPERM);
    SH_CHECK (strstr (why, "this store belongs to the key"));

    //  the node's own key, but owned by another user
    SH_CHECK (rename (kown, ka) == 0);
    if (geteuid () == 0) {
        SH_CHECK (chown (ka, 4242, (gid_t) -1) == 0);
        SH_FAIL (sh_replica_open_why (&r, da, why, sizeof why), SH_EPERM);
        SH_CHECK (strstr (why, "belongs to user id 4242"));
        SH_CHECK (chown (ka, 0, (gid_t) -1) == 0);
    }
    //  a directory others may write
    SH_CHECK (chmod (da, 0777) == 0);
    SH_FAIL (sh_replica_open_why (&r, da, why, sizeof why), SH_EPERM);
    SH_CHECK (strstr (why, "chmod go-w"));
    SH_CHECK (chmod (da, 0700) == 0);

    //  all put right: it opens, and nothing was recorded meanwhile
    SH_PASS (sh_replica_open_why (&r, da, why, sizeof why));
    sh_replica_close (&r);
    char nowhere[512];
    s_path (nowhere, sizeof nowhere, root, "none");
    SH_FAIL (sh_replica_open_why (&r, nowhere, why, sizeof why), SH_ENOTFOUND);
    SH_CHECK (strstr (why, "no node in") && strstr (why, nowhere));
    sh_test_rmdir (root);
}

//  One holder at a time; the second is told who holds it; released, it
//  can be taken again.
static void
test_lock (void)
{
    char *dir = sh_test_tmpdir ();
    char path[512];
    s_path (path, sizeof path, dir, "serve.lock");
    int a = -1, b = -1;
    long pid = -1;
    SH_PASS (sh_sys_lock (path, &a, &pid));
    SH_CHECK (a >= 0 && pid == 0);
    SH_FAIL (sh_sys_lock (path, &b, &pid), SH_EEXIST);
    SH_CHECK (b == -1 && pid == (long) getpid ());
    sh_sys_unlock (a);
    SH_PASS (sh_sys_lock (path, &b, NULL));
    sh_sys_unlock (b);
    sh_sys_unlock (-1);
    sh_test_rmdir (dir);
}

static const sh_test_case_t tests[] = {
    { "bind", test_bind },
    { "bind older store", test_bind_older_store },
    { "dir", test_dir },
    { "replica", test_replica },
    { "lock", test_lock },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
