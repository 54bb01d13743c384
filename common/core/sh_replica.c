/*  sh_replica -- one node's replica: its directory, store, key and clock. */
#include "sh_replica.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sh_changelog.h"
#include "sh_clock.h"
#include "sh_hlc.h"
#include "sh_i18n.h"
#include "sh_merge.h"
#include "sh_owner.h"
#include "sh_sys.h"

struct sh_replica_t {
    char *dir;                          //  node directory (owned)
    sh_store_t *store;                  //  LMDB environment (owned)
    sh_key_t *key;                      //  node identity (owned)
    sh_hlc_t hlc;                       //  clock; persisted as meta "hlc"
    int64_t clock_offset_ms;            //  added to the wall clock (tests: SHOUHE_FAULT_CLOCK_MS)
    char scope[SH_REGION_MAX + 1];      //  region prefix this node writes in
    bool seal;                          //  seal personal fields when writing (sh_seal)
};

void
sh_replica_set_sealing (sh_replica_t *self, bool on)
{
    self->seal = on;
}

bool
sh_replica_scope_valid (const char *scope)
{
    size_t n = strlen (scope);
    if (n != 6 && n != 9 && n != 12)
        return false;
    for (size_t i = 0; i < n; i++)
        if (scope[i] < '0' || scope[i] > '9')
            return false;
    return true;
}

static char *
s_key_path (const char *dir)
{
    size_t n = strlen (dir) + sizeof SH_REPLICA_KEY_FILE + 2;
    char *p = malloc (n);
    if (p)
        snprintf (p, n, "%s/%s", dir, SH_REPLICA_KEY_FILE);
    return p;
}

//  sh_hlc_clock_fn: the wall clock plus the replica's offset.
static uint64_t
s_clock (void *ctx)
{
    const sh_replica_t *self = ctx;
    uint64_t w = sh_sys_wall_ms ();
    if (self->clock_offset_ms < 0 && (uint64_t) -self->clock_offset_ms > w)
        return 0;
    return w + (uint64_t) self->clock_offset_ms;
}

static sh_err
s_load_meta (sh_replica_t *self)
{
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (self->store, false, &txn);
    if (rc)
        return rc;
    uint64_t last = 0;
    rc = sh_store_meta_get_str (txn, SH_REPLICA_SCOPE_META, self->scope, sizeof self->scope);
    if (rc == SH_OK) {
        rc = sh_store_meta_get_u64 (txn, "hlc", &last);
        if (rc == SH_ENOTFOUND)
            rc = SH_OK;
    }
    uint64_t seal = 0;
    if (rc == SH_OK && (rc = sh_store_meta_get_u64 (txn, SH_REPLICA_SEAL_META, &seal)) == SH_ENOTFOUND)
        rc = SH_OK;
    self->seal = seal != 0;
    sh_store_abort (&txn);
    if (rc == SH_ENOTFOUND)
        rc = SH_ECORRUPT;   //  a store without a scope is not a replica
    sh_hlc_init (&self->hlc, last, s_clock, self);
    return rc;
}

sh_err
sh_replica_create (sh_replica_t **out, const char *dir, const char *scope)
{
    if (!sh_replica_scope_valid (scope))
        return SH_EINVAL;
    if (mkdir (dir, 0700) != 0 && errno != EEXIST)
        return sh_err_errno ();
    char *kp = s_key_path (dir);
    if (!kp)
        return SH_ENOMEM;
    struct stat st;
    char data[4096];
    snprintf (data, sizeof data, "%s/data.mdb", dir);
    if (stat (kp, &st) == 0 || stat (data, &st) == 0) {
        free (kp);
        return SH_EEXIST;
    }
    sh_replica_t *self = calloc (1, sizeof *self);
    sh_err rc = self ? SH_OK : SH_ENOMEM;
    if (rc == SH_OK) {
        self->dir = strdup (dir);
        self->key = sh_key_generate ();
        rc = self->dir && self->key ? SH_OK : SH_ENOMEM;
    }
    if (rc == SH_OK)
        rc = sh_store_open (&self->store, dir, true, 0);
    sh_store_txn_t *txn = NULL;
    if (rc == SH_OK)
        rc = sh_store_begin (self->store, true, &txn);
    if (rc == SH_OK)
        rc = sh_store_meta_put_str (txn, SH_REPLICA_SCOPE_META, scope);
    if (rc == SH_OK)
        rc = sh_store_meta_put_str (txn, "role", "node");
    char owner[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    if (rc == SH_OK) {
        sh_crypto_hex (owner, sh_key_public (self->key), SH_PUBKEY_BYTES);
        rc = sh_store_meta_put_str (txn, SH_OWNER_META, owner);
    }
    //  a new node seals its personal fields (docs/privacy.md 9); a store
    //  made by an earlier version has no such meta and writes in clear
    if (rc == SH_OK)
        rc = sh_store_meta_put_u64 (txn, SH_REPLICA_SEAL_META, 1);
    if (rc == SH_OK)
        rc = sh_store_commit (&txn);
    sh_store_abort (&txn);
    //  the key file is written last: its presence marks a complete replica
    if (rc == SH_OK)
        rc = sh_key_save (self->key, kp);
    if (rc == SH_OK)
        rc = s_load_meta (self);
    free (kp);
    if (rc) {
        sh_replica_close (&self);
        return rc;
    }
    *out = self;
    return SH_OK;
}

sh_err
sh_replica_open (sh_replica_t **out, const char *dir)
{
    char why[1024];
    return sh_replica_open_why (out, dir, why, sizeof why);
}

sh_err
sh_replica_open_why (sh_replica_t **out, const char *dir, char *why, size_t why_len)
{
    *why = '\0';
    sh_err rc = sh_owner_check_dir (dir, why, why_len);
    if (rc == SH_ENOTFOUND)
        snprintf (why, why_len, _("no node in %s"), dir);
    if (rc)
        return rc;
    char *kp = s_key_path (dir);
    if (!kp)
        return SH_ENOMEM;
    sh_replica_t *self = calloc (1, sizeof *self);
    rc = self ? SH_OK : SH_ENOMEM;
    if (rc == SH_OK) {
        self->dir = strdup (dir);
        rc = self->dir ? SH_OK : SH_ENOMEM;
    }
    if (rc == SH_OK) {
        rc = sh_key_load (&self->key, kp);
        if (rc == SH_EPERM || rc == SH_EPROTO)
            sh_key_file_problem (kp, why, why_len);
    }
    if (rc == SH_OK)
        rc = sh_store_open (&self->store, dir, false, 0);
    if (rc == SH_OK)
        rc = sh_owner_bind (self->store, sh_key_public (self->key), why, why_len);
    if (rc == SH_OK)
        rc = s_load_meta (self);
    free (kp);
    if (rc) {
        if (!*why)
            snprintf (why, why_len, _("cannot open the node in %s: %s"), dir, sh_strerror (rc));
        sh_replica_close (&self);
        return rc;
    }
    *out = self;
    return SH_OK;
}

void
sh_replica_close (sh_replica_t **self_p)
{
    if (self_p && *self_p) {
        sh_replica_t *self = *self_p;
        sh_store_close (&self->store);
        sh_key_destroy (&self->key);
        free (self->dir);
        free (self);
        *self_p = NULL;
    }
}

const char *sh_replica_scope (const sh_replica_t *self) { return self->scope; }
const uint8_t *sh_replica_author (const sh_replica_t *self) { return sh_key_public (self->key); }
sh_store_t *sh_replica_store (sh_replica_t *self) { return self->store; }
const sh_key_t *sh_replica_key (const sh_replica_t *self) { return self->key; }

bool
sh_replica_in_scope (const sh_replica_t *self, const char *region)
{
    return strncmp (region, self->scope, strlen (self->scope)) == 0;
}

sh_err
sh_replica_begin (sh_replica_t *self, sh_store_txn_t **txn)
{
    return sh_store_begin (self->store, true, txn);
}

uint64_t
sh_replica_clock (sh_replica_t *self)
{
    return sh_hlc_tick (&self->hlc);
}

static sh_err s_write (sh_replica_t *self, sh_store_txn_t *txn, const char *region, sh_kind_t kind,
                       const uint8_t *id, size_t id_len, sh_op_t op, const uint8_t *body, size_t body_len,
                       uint64_t *seq);

void
sh_replica_set_clock_offset (sh_replica_t *self, int64_t offset_ms)
{
    self->clock_offset_ms = offset_ms;
}

uint64_t
sh_replica_wall_ms (sh_replica_t *self)
{
    return s_clock (self);
}

sh_err
sh_replica_clock_state (sh_replica_t *self, sh_store_txn_t *txn, sh_clock_state_t *st)
{
    memset (st, 0, sizeof *st);
    st->now_ms = s_clock (self);
    st->last = self->hlc.last;
    sh_err rc = sh_clock_hub_get (txn, &st->hub_ms, &st->local_ms);
    st->measured = rc == SH_OK;
    if (rc == SH_ENOTFOUND)
        rc = SH_OK;
    sh_clock_judge (st);
    return rc;
}

sh_err
sh_replica_clock_correct (sh_replica_t *self, sh_store_txn_t *txn, uint64_t *seq)
{
    uint64_t now = s_clock (self), behind;
    sh_err brc = sh_replica_behind (self, txn, &behind, NULL);
    if (brc || behind)
        return brc ? brc : SH_EBEHIND;      //  a correction would fork a node behind its chain
    if ((self->hlc.last >> 16) <= now + SH_CLOCK_BOUND_MS)
        return SH_ENOTFOUND;
    if (now + SH_CLOCK_BOUND_MS > UINT64_MAX >> 17)
        return SH_EINVAL;
    //  tick from the wall clock: the correction's hlc is below the bad last
    sh_hlc_init (&self->hlc, now << 16, s_clock, self);
    return s_write (self, txn, self->scope, SH_KIND_UNSPECIFIED, (const uint8_t *) SH_CHANGE_CLOCK_ENTITY,
                    SH_CHANGE_CLOCK_ENTITY_LEN, SH_OP_CLOCK, NULL, 0, seq);
}

sh_err
sh_replica_behind (sh_replica_t *self, sh_store_txn_t *txn, uint64_t *hub_head, uint64_t *my_head)
{
    assert (self && txn && hub_head);
    uint8_t hash[SH_HASH_BYTES];
    sh_err rc = sh_store_meta_get_u64 (txn, SH_REPLICA_OWN_BEHIND, hub_head);
    if (rc == SH_ENOTFOUND) {
        *hub_head = 0;
        rc = SH_OK;
    }
    if (rc == SH_OK && my_head)
        rc = sh_changelog_head (txn, sh_key_public (self->key), my_head, hash);
    return rc;
}

void
sh_replica_behind_message (sh_replica_t *self, char *msg, size_t len)
{
    sh_store_txn_t *txn;
    uint64_t hub_head = 0, my_head = 0;
    sh_err rc = sh_store_begin (self->store, false, &txn);
    if (rc == SH_OK)
        rc = sh_replica_behind (self, txn, &hub_head, &my_head);
    sh_store_abort (&txn);
    if (rc)
        snprintf (msg, len, "%s", sh_strerror (SH_EBEHIND));
    else
    if (hub_head == SH_REPLICA_BEHIND_UNKNOWN)
        snprintf (msg, len, _("this node is a backup copy whose head no sync has confirmed yet (this store holds "
                  "its changes up to %llu); run shouhe-node sync first"), (unsigned long long) my_head);
    else
        snprintf (msg, len, _("this node is behind its own chain: the hub holds its changes up to %llu, this "
                  "store only up to %llu (restored from a backup?); run shouhe-node sync first"),
                  (unsigned long long) hub_head, (unsigned long long) my_head);
}

sh_err
sh_replica_backup (sh_replica_t *self, const char *dest)
{
    assert (self && dest);
    if (mkdir (dest, 0700) != 0)
        return errno == EEXIST ? SH_EEXIST : sh_err_errno ();
    char *kp = s_key_path (dest);
    if (!kp)
        return SH_ENOMEM;
    sh_err rc = sh_store_copy (self->store, dest);
    sh_store_t *copy = NULL;
    sh_store_txn_t *txn = NULL;
    if (rc == SH_OK)
        rc = sh_store_open (&copy, dest, false, 0);
    if (rc == SH_OK)
        rc = sh_store_begin (copy, true, &txn);
    if (rc == SH_OK)
        rc = sh_store_meta_put_u64 (txn, SH_REPLICA_OWN_BEHIND, SH_REPLICA_BEHIND_UNKNOWN);
    if (rc == SH_OK)
        rc = sh_store_commit (&txn);
    sh_store_abort (&txn);
    sh_store_close (&copy);
    //  the key file last, as at creation: its presence marks a complete copy
    if (rc == SH_OK)
        rc = sh_key_save (self->key, kp);
    free (kp);
    return rc;
}

sh_err
sh_replica_write (sh_replica_t *self, sh_store_txn_t *txn, const char *region, sh_kind_t kind,
                  const uint8_t *id, size_t id_len, sh_op_t op,
                  const uint8_t *body, size_t body_len, uint64_t *seq)
{
    if (!sh_replica_in_scope (self, region))
        return SH_ESCOPE;
    //  a restored node must fetch its own chain back before it writes on,
    //  else its next change would fork it (docs/protocol.md 13.12)
    uint64_t behind;
    sh_err brc = sh_replica_behind (self, txn, &behind, NULL);
    if (brc || behind)
        return brc ? brc : SH_EBEHIND;
    sh_clock_state_t st;
    sh_err rc = sh_replica_clock_state (self, txn, &st);
    if (rc)
        return rc;
    if (st.verdict != SH_CLOCK_OK)
        return SH_ECLOCK;
    return s_write (self, txn, region, kind, id, id_len, op, body, body_len, seq);
}

//  Chain, sign, append and merge one change of this node (no checks).
static sh_err
s_write (sh_replica_t *self, sh_store_txn_t *txn, const char *region, sh_kind_t kind,
         const uint8_t *id, size_t id_len, sh_op_t op, const uint8_t *body, size_t body_len, uint64_t *seq)
{
    sh_change_t c = { 0 };
    memcpy (c.author, sh_key_public (self->key), SH_PUBKEY_BYTES);
    uint64_t head;
    sh_err rc = sh_changelog_head (txn, c.author, &head, c.prev);
    if (rc)
        return rc;
    if (strlen (region) > SH_REGION_MAX)
        return SH_EINVAL;
    c.seq = head + 1;
    c.hlc = sh_hlc_tick (&self->hlc);
    snprintf (c.region, sizeof c.region, "%s", region);
    c.kind = kind;
    c.entity = id;
    c.entity_len = id_len;
    c.op = op;
    c.body = body;
    c.body_len = body_len;
    //  personal fields leave the signed body for their commitments (docs/protocol.md 4.10)
    sh_seal_split_t sp = { .n = 0 };
    if (self->seal && body && (op == SH_OP_PUT || op == SH_OP_EVENT)) {
        if ((rc = sh_seal_split (kind, body, body_len, &sp)))
            return rc;
        c.body = sp.body;
        c.body_len = sp.body_len;
        c.n_seals = sp.n;
        memcpy (c.seals, sp.seals, sizeof c.seals);
    }

    uint8_t *bytes = NULL, *signed_bytes = NULL;
    size_t len, signed_len;
    uint8_t hash[SH_HASH_BYTES];
    bool dup = false;
    rc = sh_change_encode (&c, &bytes, &len);
    if (rc == SH_OK) {
        sh_change_hash (hash, bytes, len);
        rc = sh_change_sign (&signed_bytes, &signed_len, bytes, len, self->key);
    }
    if (rc == SH_OK)
        rc = sh_changelog_append (txn, signed_bytes, signed_len, &c, hash, &dup);
    if (rc == SH_OK && dup)
        rc = SH_ECORRUPT;   //  our own next seq cannot be held already
    if (rc == SH_OK)
        rc = sh_merge_take (txn, &c, NULL, 0);
    if (rc == SH_OK && sp.n)
        rc = sh_merge_openings (txn, &c, sp.openings, sp.n, NULL);
    sh_seal_split_fini (&sp);
    if (rc == SH_OK)
        rc = sh_store_meta_put_u64 (txn, "hlc", self->hlc.last);
    if (rc == SH_OK && seq)
        *seq = c.seq;
    free (bytes);
    free (signed_bytes);
    return rc;
}

sh_err
sh_replica_ingest (sh_replica_t *self, sh_store_txn_t *txn,
                   const uint8_t *signed_bytes, size_t signed_len,
                   bool *duplicate, const char **why)
{
    sh_change_t c;
    uint8_t hash[SH_HASH_BYTES];
    sh_err rc = sh_change_open (&c, hash, signed_bytes, signed_len, why);
    if (rc)
        return rc;
    rc = sh_replica_ingest_opened (self, txn, signed_bytes, signed_len, &c, hash, duplicate, NULL, 0);
    sh_change_fini (&c);
    return rc;
}

sh_err
sh_replica_ingest_opened (sh_replica_t *self, sh_store_txn_t *txn,
                          const uint8_t *signed_bytes, size_t signed_len,
                          const sh_change_t *c, const uint8_t hash[SH_HASH_BYTES], bool *duplicate,
                          char *unmerged, size_t unmerged_len)
{
    *duplicate = false;
    if (unmerged && unmerged_len)
        unmerged[0] = 0;
    sh_err rc;
    //  A node holds only the part of another author's chain inside its scope.
    if (memcmp (c->author, sh_key_public (self->key), SH_PUBKEY_BYTES) == 0)
        rc = sh_changelog_append (txn, signed_bytes, signed_len, c, hash, duplicate);
    else
        rc = sh_changelog_append_sparse (txn, signed_bytes, signed_len, c, hash, duplicate);
    if (rc == SH_OK && !*duplicate) {
        //  A validly signed change whose body this version cannot read (a
        //  newer schema), or that breaks the scope rule (sh_scope), stays
        //  in the log -- the author's chain goes on -- but changes no state
        //  here.
        rc = sh_merge_take (txn, c, unmerged, unmerged_len);
        if (rc == SH_EPROTO && unmerged && unmerged_len)
            snprintf (unmerged, unmerged_len, _("its body is not a record this version reads"));
        if (rc == SH_EPROTO || rc == SH_ESCOPE)
            rc = SH_OK;
    }
    if (rc == SH_OK && !*duplicate) {
        //  its effective hlc (a correction already held caps it), and never
        //  more than the bound ahead of this node's wall clock
        uint64_t hlc;
        rc = sh_clock_effective (txn, c, &hlc);
        if (rc == SH_OK) {
            sh_hlc_observe (&self->hlc, hlc, SH_CLOCK_BOUND_MS);
            rc = sh_store_meta_put_u64 (txn, "hlc", self->hlc.last);
        }
    }
    return rc;
}
