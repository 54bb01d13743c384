/*  sh_registry -- the keys a hub admits, and the keys a node has learnt. */
#include "sh_registry.h"
#include "sh_replica.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_changelog.h"
#include "sh_owner.h"
#include "shouhe/v1/wire.pb-c.h"

#define S_CURVE_KEY_BYTES (SH_CURVE_BYTES + 1)   //  curve || 'c'

static sh_err
s_decode (sh_registry_entry_t *e, const uint8_t *val, size_t len)
{
    Shouhe__V1__Enrollment *m = shouhe__v1__enrollment__unpack (NULL, len, val);
    if (!m)
        return SH_ECORRUPT;
    sh_err rc = SH_OK;
    if (m->key.len != SH_PUBKEY_BYTES || strlen (m->scope) > SH_REGION_MAX)
        rc = SH_ECORRUPT;
    else {
        memset (e, 0, sizeof *e);
        memcpy (e->key, m->key.data, SH_PUBKEY_BYTES);
        strcpy (e->scope, m->scope);
        e->role = (sh_wire_role_t) m->role;
        snprintf (e->name, sizeof e->name, "%s", m->name ? m->name : "");
        e->enrolled_ms = m->enrolled_ms;
        e->revoked_ms = m->has_revoked_ms ? m->revoked_ms : 0;
        e->blocked = m->has_blocked && m->blocked;
        e->last_seen_ms = m->has_last_seen_ms ? m->last_seen_ms : 0;
        e->revoked_log_size = m->has_revoked_log_size ? m->revoked_log_size : 0;
        e->has_revoked_log_size = m->has_revoked_log_size;
    }
    shouhe__v1__enrollment__free_unpacked (m, NULL);
    return rc;
}

sh_err
sh_registry_put (sh_store_txn_t *txn, const sh_registry_entry_t *e)
{
    Shouhe__V1__Enrollment m = SHOUHE__V1__ENROLLMENT__INIT;
    m.key = (ProtobufCBinaryData) { SH_PUBKEY_BYTES, (uint8_t *) e->key };
    m.scope = (char *) e->scope;
    m.role = (Shouhe__V1__PeerRole) e->role;
    m.name = e->name[0] ? (char *) e->name : NULL;
    m.enrolled_ms = e->enrolled_ms;
    m.has_revoked_ms = e->revoked_ms != 0;
    m.revoked_ms = e->revoked_ms;
    m.has_blocked = e->blocked;
    m.blocked = e->blocked;
    m.has_last_seen_ms = e->last_seen_ms != 0;
    m.last_seen_ms = e->last_seen_ms;
    m.has_revoked_log_size = e->revoked_ms != 0 && e->has_revoked_log_size;
    m.revoked_log_size = e->revoked_log_size;
    uint8_t buf[512];
    size_t len = shouhe__v1__enrollment__get_packed_size (&m);
    if (len > sizeof buf)
        return SH_EINVAL;
    shouhe__v1__enrollment__pack (&m, buf);
    return sh_store_put (txn, SH_DB_REGISTRY, e->key, SH_PUBKEY_BYTES, buf, len);
}

sh_err
sh_registry_get (sh_store_txn_t *txn, const uint8_t key[SH_PUBKEY_BYTES], sh_registry_entry_t *e)
{
    const uint8_t *val;
    size_t len;
    sh_err rc = sh_store_get (txn, SH_DB_REGISTRY, key, SH_PUBKEY_BYTES, &val, &len);
    return rc ? rc : s_decode (e, val, len);
}

sh_err
sh_registry_scope (sh_store_txn_t *txn, const uint8_t key[SH_PUBKEY_BYTES], char scope[SH_REGION_MAX + 1])
{
    sh_registry_entry_t e;
    sh_err rc = sh_registry_get (txn, key, &e);
    if (rc == SH_OK) {
        strcpy (scope, e.scope);
        return SH_OK;
    }
    if (rc != SH_ENOTFOUND)
        return rc;
    char owner[SH_HEX_BYTES (SH_PUBKEY_BYTES)], hex[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    rc = sh_store_meta_get_str (txn, SH_OWNER_META, owner, sizeof owner);
    if (rc)
        return rc == SH_EINVAL ? SH_ENOTFOUND : rc;   //  no such record, or not a key
    sh_crypto_hex (hex, key, SH_PUBKEY_BYTES);
    if (strcmp (owner, hex) != 0)
        return SH_ENOTFOUND;
    return sh_store_meta_get_str (txn, SH_REPLICA_SCOPE_META, scope, SH_REGION_MAX + 1);
}

sh_err
sh_registry_enroll (sh_store_txn_t *txn, const uint8_t key[SH_PUBKEY_BYTES], const char *scope,
                    sh_wire_role_t role, const char *name, uint64_t now_ms)
{
    if (!sh_replica_scope_valid (scope) || (name && strlen (name) > SH_REGISTRY_NAME_MAX)
    ||  (role != SH_WIRE_ROLE_NODE && role != SH_WIRE_ROLE_AUDITOR && role != SH_WIRE_ROLE_WITNESS
        && role != SH_WIRE_ROLE_MIRROR))
        return SH_EINVAL;
    uint8_t curve[SH_CURVE_BYTES];
    sh_err rc = sh_crypto_ed_to_curve (curve, key);
    if (rc)
        return rc;
    sh_registry_entry_t e;
    rc = sh_registry_get (txn, key, &e);
    if (rc == SH_OK)
        return SH_EEXIST;
    if (rc != SH_ENOTFOUND)
        return rc;
    //  an Ed25519 key and its negation share one Curve25519 key: the index
    //  must keep naming the first one
    uint8_t other[SH_PUBKEY_BYTES];
    rc = sh_registry_by_curve (txn, curve, other);
    if (rc == SH_OK)
        return SH_EEXIST;
    if (rc != SH_ENOTFOUND)
        return rc;
    memset (&e, 0, sizeof e);
    memcpy (e.key, key, SH_PUBKEY_BYTES);
    strcpy (e.scope, scope);
    e.role = role;
    snprintf (e.name, sizeof e.name, "%s", name ? name : "");
    e.enrolled_ms = now_ms;
    rc = sh_registry_put (txn, &e);
    if (rc)
        return rc;
    uint8_t ck[S_CURVE_KEY_BYTES];
    memcpy (ck, curve, SH_CURVE_BYTES);
    ck[SH_CURVE_BYTES] = 'c';
    return sh_store_put (txn, SH_DB_REGISTRY, ck, sizeof ck, key, SH_PUBKEY_BYTES);
}

sh_err
sh_registry_by_curve (sh_store_txn_t *txn, const uint8_t curve[SH_CURVE_BYTES], uint8_t key[SH_PUBKEY_BYTES])
{
    uint8_t ck[S_CURVE_KEY_BYTES];
    memcpy (ck, curve, SH_CURVE_BYTES);
    ck[SH_CURVE_BYTES] = 'c';
    const uint8_t *val;
    size_t len;
    sh_err rc = sh_store_get (txn, SH_DB_REGISTRY, ck, sizeof ck, &val, &len);
    if (rc)
        return rc;
    if (len != SH_PUBKEY_BYTES)
        return SH_ECORRUPT;
    memcpy (key, val, SH_PUBKEY_BYTES);
    return SH_OK;
}

sh_err
sh_registry_revoke (sh_store_txn_t *txn, const uint8_t key[SH_PUBKEY_BYTES], uint64_t now_ms)
{
    sh_registry_entry_t e;
    sh_err rc = sh_registry_get (txn, key, &e);
    if (rc)
        return rc;
    if (e.revoked_ms)
        return SH_EEXIST;
    e.revoked_ms = now_ms ? now_ms : 1;
    rc = sh_changelog_size (txn, &e.revoked_log_size);
    if (rc)
        return rc;
    e.has_revoked_log_size = true;
    return sh_registry_put (txn, &e);
}

sh_err
sh_registry_set_blocked (sh_store_txn_t *txn, const uint8_t key[SH_PUBKEY_BYTES], bool blocked)
{
    sh_registry_entry_t e;
    sh_err rc = sh_registry_get (txn, key, &e);
    if (rc)
        return rc;
    e.blocked = blocked;
    return sh_registry_put (txn, &e);
}

sh_err
sh_registry_touch (sh_store_txn_t *txn, const uint8_t key[SH_PUBKEY_BYTES], uint64_t now_ms)
{
    sh_registry_entry_t e;
    sh_err rc = sh_registry_get (txn, key, &e);
    if (rc)
        return rc;
    e.last_seen_ms = now_ms;
    return sh_registry_put (txn, &e);
}

sh_err
sh_registry_each (sh_store_txn_t *txn, sh_registry_fn *fn, void *arg)
{
    sh_store_cursor_t *cur;
    sh_err rc = sh_store_cursor_open (txn, SH_DB_REGISTRY, NULL, 0, &cur);
    if (rc)
        return rc;
    const uint8_t *k, *v;
    size_t kl, vl;
    while ((rc = sh_store_cursor_next (cur, &k, &kl, &v, &vl)) == SH_OK) {
        if (kl != SH_PUBKEY_BYTES)
            continue;   //  the curve index
        sh_registry_entry_t e;
        rc = s_decode (&e, v, vl);
        if (rc || fn (&e, arg))
            break;
    }
    sh_store_cursor_close (&cur);
    return rc == SH_ENOTFOUND ? SH_OK : rc;
}
