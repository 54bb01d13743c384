/*  sh_owner -- whose store this is. See sh_owner.h. */
#include "sh_owner.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sh_i18n.h"

sh_err
sh_owner_check_dir (const char *dir, char *why, size_t why_len)
{
    assert (dir && why && why_len > 0);
    struct stat st;
    if (stat (dir, &st) != 0) {
        sh_err rc = errno == ENOENT ? SH_ENOTFOUND : sh_err_errno ();
        snprintf (why, why_len, _("%s cannot be read: %s"), dir, strerror (errno));
        return rc;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf (why, why_len, _("%s may be written by other users, who could replace its key or its log; "
                  "refusing to use it (fix with: chmod go-w %s)"), dir, dir);
        return SH_EPERM;
    }
    *why = '\0';
    return SH_OK;
}

sh_err
sh_owner_bind (sh_store_t *store, const uint8_t pubkey[SH_PUBKEY_BYTES], char *why, size_t why_len)
{
    assert (store && pubkey && why && why_len > 0);
    char mine[SH_HEX_BYTES (SH_PUBKEY_BYTES)], recorded[SH_HEX_BYTES (SH_PUBKEY_BYTES) + 1] = "";
    sh_crypto_hex (mine, pubkey, SH_PUBKEY_BYTES);
    *why = '\0';
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (store, false, &txn);
    if (rc == SH_OK) {
        rc = sh_store_meta_get_str (txn, SH_OWNER_META, recorded, sizeof recorded);
        sh_store_abort (&txn);
    }
    if (rc == SH_OK) {
        if (strcmp (recorded, mine) == 0)
            return SH_OK;
        snprintf (why, why_len, _("this store belongs to the key %s, but the key file holds %s: "
                  "put back the store's own key file (or use the store that belongs to this key)"),
                  recorded, mine);
        return SH_EPERM;
    }
    if (rc == SH_ENOTFOUND) {
        //  no record yet: bind the store to this key
        rc = sh_store_begin (store, true, &txn);
        if (rc == SH_OK)
            rc = sh_store_meta_put_str (txn, SH_OWNER_META, mine);
        if (rc == SH_OK)
            rc = sh_store_commit (&txn);
        sh_store_abort (&txn);
    }
    if (rc)
        snprintf (why, why_len, _("cannot read or record the key this store belongs to: %s"), sh_strerror (rc));
    return rc;
}
