/*  shouhe-hub -- the district hub: enrolment, the sync server, digests.

    Usage: shouhe-hub COMMAND --dir DIR [OPTIONS]; `shouhe-hub --help`.
    Exit codes: 0 done, 1 refused (bad value, unknown key), 2 wrong command
    line, 3 the store cannot be opened or written, 4 cannot serve.
*/
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "hub.h"
#include "hub_retain.h"
#include "sh_changelog.h"
#include "sh_conf.h"
#include "sh_crypto.h"
#include "sh_exit.h"
#include "sh_fault.h"
#include "sh_hubid.h"
#include "sh_hublog.h"
#include "sh_i18n.h"
#include "sh_key.h"
#include "sh_merge.h"
#include "sh_note.h"
#include "sh_owner.h"
#include "sh_quota.h"
#include "sh_registry.h"
#include "sh_report.h"
#include "sh_store.h"
#include "sh_sys.h"


typedef struct {
    const char *dir, *scope, *key, *role, *name, *bind, *ready_file;
    const char *config;       //  --config FILE (default: hub.conf in sh_conf_dir)
    uint64_t given;           //  bit per option index: given on the command line
    const char *file;         //  the positional FILE of export, DEST of backup
    const char *town, *village, *since, *format, *date, *output;   //  report
    bool excel;               //  report --excel
    int threads;
    bool json, verbose, vkey, abandon;
    const char *hub, *hub_key;  //  mirror: the hub's endpoint and key
    const char *kind, *years;   //  retention: a rule
    bool init, watch, sync_mirror, compact, apply;
    uint64_t retain_every_ms; //  serve --retain-every (0: hub_serve's default)
    bool with_personal;       //  export --with-personal
    const char *purpose;      //  export --purpose TEXT
    size_t map_bytes;         //  --map-mib (serve), 0: the default
    int64_t reserve_bytes;    //  --reserve-mib (serve), -1: the default
    bool has_qc, has_qb;      //  --quota-changes-per-day / --quota-bytes (or
    uint64_t qc, qb;          //  quota's --changes-per-day / --bytes) given, and their values
    int64_t quota_offset_ms;  //  SHOUHE_FAULT_QUOTA_CLOCK_MS (serve)
    unsigned fault_commit;    //  test-only fault points from the environment:
    unsigned fault_send;      //  SHOUHE_FAULT_COMMIT / SHOUHE_FAULT_SEND (serve)
} s_args_t;


//  A test-only fault point from the environment (sh_fault): false, after
//  saying why, when its value is not a whole number.
static bool
s_fault (const char *name, unsigned *out)
{
    if (sh_fault_from_env (name, out) == SH_OK)
        return true;
    fprintf (stderr, _("shouhe-hub: %s must be a whole number (the Nth operation fails), not '%s'\n"),
             name, getenv (name));
    return false;
}

//  SHOUHE_FAULT_QUOTA_CLOCK_MS (test-only): a signed offset in ms added to
//  the wall clock when the hub judges quotas (a test crosses 00:00 UTC
//  without waiting for it). False, after saying why, when it is not one.
static bool
s_fault_clock (const char *name, int64_t *out)
{
    if (sh_fault_offset_from_env (name, out) == SH_OK)
        return true;
    fprintf (stderr, _("shouhe-hub: %s must be a whole number of milliseconds (+-100 years), not '%s'\n"),
             name, getenv (name));
    return false;
}

static char *
s_path (const char *dir, const char *file)
{
    size_t n = strlen (dir) + strlen (file) + 2;
    char *p = malloc (n);
    if (p)
        snprintf (p, n, "%s/%s", dir, file);
    return p;
}

//  Take DIR/serve.lock, the one writer's lock of a hub directory (serve,
//  recover). SH_EEXIST when another process holds it (*holder: its pid;
//  the caller says what that means); any other failure is said here.
static sh_err
s_lock (const s_args_t *a, int *lock, long *holder)
{
    char *lp = s_path (a->dir, HUB_LOCK_FILE);
    sh_err lr = lp ? sh_sys_lock (lp, lock, holder) : SH_ENOMEM;
    if (lr && lr != SH_EEXIST)
        fprintf (stderr, _("shouhe-hub: cannot lock %s: %s\n"), lp ? lp : _("the store"), sh_strerror (lr));
    free (lp);
    return lr;
}

//  Open the hub store (and key when key_out is not NULL).
static int
s_open (const s_args_t *a, sh_store_t **store, sh_key_t **key_out)
{
    char why[1024];
    sh_err rc = sh_owner_check_dir (a->dir, why, sizeof why);
    if (rc == SH_EPERM) {
        fprintf (stderr, "shouhe-hub: %s\n", why);
        return SH_EXIT_STORE;
    }
    rc = sh_store_open (store, a->dir, false, a->map_bytes);
    if (rc == SH_OK) {
        sh_store_txn_t *txn;
        char role[16] = "";
        rc = sh_store_begin (*store, false, &txn);
        if (rc == SH_OK) {
            rc = sh_store_meta_get_str (txn, "role", role, sizeof role);
            sh_store_abort (&txn);
        }
        if (rc == SH_ENOTFOUND || (rc == SH_OK && strcmp (role, "hub") != 0))
            rc = SH_ENOTFOUND;
        if (rc)
            sh_store_close (store);
    }
    if (rc == SH_ENOTFOUND) {
        fprintf (stderr, _("shouhe-hub: no hub in %s (create one with: shouhe-hub init --dir %s)\n"), a->dir, a->dir);
        return SH_EXIT_STORE;
    }
    if (rc) {
        fprintf (stderr, _("shouhe-hub: cannot open the hub store in %s: %s\n"), a->dir, sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    if (key_out) {
        char *kp = s_path (a->dir, HUB_KEY_FILE);
        rc = kp ? sh_key_load (key_out, kp) : SH_ENOMEM;
        if (rc == SH_EPERM)
            fprintf (stderr, "shouhe-hub: %s\n", sh_key_file_problem (kp, why, sizeof why));
        else
        if (rc)
            fprintf (stderr, _("shouhe-hub: cannot load %s: %s\n"), kp ? kp : _("the key"), sh_strerror (rc));
        free (kp);
        if (rc == SH_OK && (rc = sh_owner_bind (*store, sh_key_public (*key_out), why, sizeof why)) != SH_OK) {
            fprintf (stderr, "shouhe-hub: %s\n", why);
            sh_key_destroy (key_out);
        }
        if (rc) {
            sh_store_close (store);
            return SH_EXIT_STORE;
        }
    }
    return SH_EXIT_OK;
}

static int
s_key_arg (const s_args_t *a, uint8_t key[SH_PUBKEY_BYTES])
{
    if (!a->key) {
        fprintf (stderr, _("shouhe-hub: --key HEX is required\n"));
        return SH_EXIT_USAGE;
    }
    if (sh_crypto_unhex (key, SH_PUBKEY_BYTES, a->key) != SH_OK) {
        fprintf (stderr, _("shouhe-hub: key '%s' is not 64 hex digits\n"), a->key);
        return SH_EXIT_REFUSED;
    }
    return SH_EXIT_OK;
}

//  ---------------------------------------------------------------------
//  Commands

static int
s_init (const s_args_t *a)
{
    if (mkdir (a->dir, 0700) != 0 && errno != EEXIST) {
        fprintf (stderr, _("shouhe-hub: cannot create %s: %s\n"), a->dir, strerror (errno));
        return SH_EXIT_STORE;
    }
    char *kp = s_path (a->dir, HUB_KEY_FILE);
    char *dp = s_path (a->dir, "data.mdb");
    struct stat st;
    if (!kp || !dp || stat (kp, &st) == 0 || stat (dp, &st) == 0) {
        fprintf (stderr, _("shouhe-hub: %s already holds a hub or a node; refusing to overwrite it\n"), a->dir);
        free (kp);
        free (dp);
        return SH_EXIT_REFUSED;
    }
    free (dp);
    sh_key_t *key = sh_key_generate ();
    sh_store_t *store = NULL;
    sh_store_txn_t *txn = NULL;
    sh_err rc = key ? sh_store_open (&store, a->dir, true, 0) : SH_ENOMEM;
    if (rc == SH_OK)
        rc = sh_store_begin (store, true, &txn);
    if (rc == SH_OK)
        rc = sh_store_meta_put_str (txn, "role", "hub");
    char owner[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    if (rc == SH_OK) {
        sh_crypto_hex (owner, sh_key_public (key), SH_PUBKEY_BYTES);
        rc = sh_store_meta_put_str (txn, SH_OWNER_META, owner);
    }
    if (rc == SH_OK)
        rc = sh_store_commit (&txn);
    sh_store_abort (&txn);
    if (rc == SH_OK)
        rc = sh_key_save (key, kp);
    if (rc == SH_OK) {
        char hex[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
        sh_crypto_hex (hex, sh_key_public (key), SH_PUBKEY_BYTES);
        printf ("%s\n", hex);
    }
    else
        fprintf (stderr, _("shouhe-hub: cannot create a hub in %s: %s\n"), a->dir, sh_strerror (rc));
    sh_store_close (&store);
    sh_key_destroy (&key);
    free (kp);
    return rc ? sh_exit_store (rc) : SH_EXIT_OK;
}

static int
s_key (const s_args_t *a)
{
    sh_store_t *store;
    sh_key_t *key;
    int ex = s_open (a, &store, &key);
    if (ex)
        return ex;
    char hex[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    sh_crypto_hex (hex, sh_key_public (key), SH_PUBKEY_BYTES);
    printf ("%s\n", hex);
    sh_key_destroy (&key);
    sh_store_close (&store);
    return SH_EXIT_OK;
}

//  Run fn in one write transaction, reporting errors; done is the line
//  printed with the key when it is done (a format with one %s, marked N_).
typedef sh_err (s_write_fn) (sh_store_txn_t *txn, const s_args_t *a, const uint8_t key[SH_PUBKEY_BYTES]);

static sh_err
s_do_enroll (sh_store_txn_t *txn, const s_args_t *a, const uint8_t key[SH_PUBKEY_BYTES])
{
    sh_wire_role_t role = !a->role || !strcmp (a->role, "node") ? SH_WIRE_ROLE_NODE
                        : !strcmp (a->role, "witness") ? SH_WIRE_ROLE_WITNESS
                        : !strcmp (a->role, "mirror") ? SH_WIRE_ROLE_MIRROR : SH_WIRE_ROLE_AUDITOR;
    uint64_t now = sh_sys_wall_ms ();
    sh_err rc = sh_registry_enroll (txn, key, a->scope, role, a->name, now);
    if (rc == SH_OK && (a->has_qc || a->has_qb)) {
        sh_quota_limits_t q = { SH_QUOTA_DEFAULT_CHANGES_PER_DAY, SH_QUOTA_DEFAULT_BYTES };
        if (a->has_qc)
            q.changes_per_day = a->qc;
        if (a->has_qb)
            q.bytes = a->qb;
        rc = sh_quota_set_limits (txn, key, &q, now);
    }
    return rc;
}

static sh_err
s_do_revoke (sh_store_txn_t *txn, const s_args_t *a, const uint8_t key[SH_PUBKEY_BYTES])
{
    (void) a;
    return sh_registry_revoke (txn, key, sh_sys_wall_ms ());
}

static sh_err
s_do_unblock (sh_store_txn_t *txn, const s_args_t *a, const uint8_t key[SH_PUBKEY_BYTES])
{
    (void) a;
    return sh_registry_set_blocked (txn, key, false);
}

static int
s_registry_write (const s_args_t *a, s_write_fn *fn, const char *done)
{
    uint8_t key[SH_PUBKEY_BYTES];
    int ex = s_key_arg (a, key);
    if (ex)
        return ex;
    sh_store_t *store;
    if ((ex = s_open (a, &store, NULL)))
        return ex;
    sh_store_txn_t *txn;
    sh_err rc = sh_store_begin (store, true, &txn);
    if (rc == SH_OK)
        rc = fn (txn, a, key);
    if (rc == SH_OK)
        rc = sh_store_commit (&txn);
    sh_store_abort (&txn);
    sh_store_close (&store);
    switch (rc) {
        case SH_OK:
            printf (_(done), a->key);
            return SH_EXIT_OK;
        case SH_EEXIST:
            if (fn == s_do_enroll)
                fprintf (stderr, _("shouhe-hub: key %s is already enrolled (a revoked key is never enrolled "
                                   "again)\n"), a->key);
            else
                fprintf (stderr, _("shouhe-hub: key %s is already revoked\n"), a->key);
            return SH_EXIT_REFUSED;
        case SH_ENOTFOUND:
            fprintf (stderr, _("shouhe-hub: key %s is not enrolled\n"), a->key);
            return SH_EXIT_REFUSED;
        case SH_EINVAL:
            if (a->name && strlen (a->name) > SH_REGISTRY_NAME_MAX)
                fprintf (stderr, _("shouhe-hub: --name is %zu bytes; a name is at most %d bytes (UTF-8)\n"),
                         strlen (a->name), SH_REGISTRY_NAME_MAX);
            else
                fprintf (stderr, _("shouhe-hub: scope '%s' must be a region code of 6, 9 or 12 digits\n"),
                         a->scope ? a->scope : "");
            return SH_EXIT_REFUSED;
        case SH_ECRYPTO:
            fprintf (stderr, _("shouhe-hub: %s is not a valid Ed25519 public key\n"), a->key);
            return SH_EXIT_REFUSED;
        default:
            fprintf (stderr, _("shouhe-hub: cannot update the registry: %s\n"), sh_strerror (rc));
            return sh_exit_store (rc);
    }
}

static int
s_enroll (const s_args_t *a)
{
    if (!a->scope) {
        fprintf (stderr, _("shouhe-hub: enroll needs --scope CODE and --key HEX\n"));
        return SH_EXIT_USAGE;
    }
    if (a->role && strcmp (a->role, "node") && strcmp (a->role, "auditor") && strcmp (a->role, "witness")
    &&  strcmp (a->role, "mirror")) {
        fprintf (stderr, _("shouhe-hub: --role must be node, auditor, witness or mirror, not '%s'\n"), a->role);
        return SH_EXIT_REFUSED;
    }
    if (a->role && (!strcmp (a->role, "witness") || !strcmp (a->role, "mirror"))
    &&  (!a->name || !sh_note_name_valid (a->name))) {
        fprintf (stderr, _("shouhe-hub: a witness or a mirror needs --name NAME, its cosigner name: no spaces, "
                 "no '+' (e.g. changshou/500115108/witness)\n"));
        return SH_EXIT_USAGE;
    }
    return s_registry_write (a, s_do_enroll, N_("enrolled %s\n"));
}

static int
s_quota (const s_args_t *a)
{
    uint8_t key[SH_PUBKEY_BYTES];
    int ex = s_key_arg (a, key);
    sh_store_t *store;
    if (ex || (ex = s_open (a, &store, NULL)))
        return ex;
    ex = hub_quota (store, key, a->key, a->has_qc ? &a->qc : NULL, a->has_qb ? &a->qb : NULL);
    sh_store_close (&store);
    return ex;
}

static int s_revoke (const s_args_t *a) { return s_registry_write (a, s_do_revoke, N_("revoked %s\n")); }
static int s_unblock (const s_args_t *a) { return s_registry_write (a, s_do_unblock, N_("unblocked %s\n")); }

typedef struct {
    sh_store_txn_t *txn;
    json_t *out;
    sh_err rc;                //  a quota that cannot be read stops the walk
} s_nodes_t;

static int
s_node_entry (const sh_registry_entry_t *e, void *arg)
{
    s_nodes_t *n = arg;
    char hex[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    sh_crypto_hex (hex, e->key, SH_PUBKEY_BYTES);
    uint64_t head = 0;
    uint8_t hash[SH_HASH_BYTES];
    if (sh_changelog_head (n->txn, e->key, &head, hash) != SH_OK)
        head = 0;
    json_t *node = json_pack ("{s:s, s:s, s:s, s:s, s:I, s:b, s:I, s:b, s:I, s:I}",
        "key", hex, "scope", e->scope, "role", e->role == SH_WIRE_ROLE_AUDITOR ? "auditor"
                                                     : e->role == SH_WIRE_ROLE_WITNESS ? "witness"
                                                     : e->role == SH_WIRE_ROLE_MIRROR ? "mirror" : "node",
        "name", e->name, "enrolled_ms", (json_int_t) e->enrolled_ms, "revoked", e->revoked_ms != 0,
        "revoked_ms", (json_int_t) e->revoked_ms, "blocked", e->blocked,
        "last_seen_ms", (json_int_t) e->last_seen_ms, "head_seq", (json_int_t) head);
    json_array_append_new (n->out, node);
    n->rc = hub_quota_json (n->txn, e->key, node);
    return n->rc != SH_OK;
}

static int
s_nodes (const s_args_t *a)
{
    sh_store_t *store;
    int ex = s_open (a, &store, NULL);
    if (ex)
        return ex;
    s_nodes_t n = { .out = json_array () };
    sh_err rc = sh_store_begin (store, false, &n.txn);
    if (rc == SH_OK)
        rc = sh_registry_each (n.txn, s_node_entry, &n);
    if (rc == SH_OK)
        rc = n.rc;
    sh_store_abort (&n.txn);
    sh_store_close (&store);
    if (rc) {
        fprintf (stderr, _("shouhe-hub: cannot read the registry: %s\n"), sh_strerror (rc));
        json_decref (n.out);
        return SH_EXIT_STORE;
    }
    if (a->json) {
        json_dumpf (n.out, stdout, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
        fputc ('\n', stdout);
    }
    else
        hub_nodes_text (n.out);
    json_decref (n.out);
    return SH_EXIT_OK;
}

static int
s_digest (const s_args_t *a)
{
    sh_store_t *store;
    int ex = s_open (a, &store, NULL);
    if (ex)
        return ex;
    sh_store_txn_t *txn;
    uint8_t d[SH_HASH_BYTES];
    sh_err rc = sh_store_begin (store, false, &txn);
    if (rc == SH_OK)
        rc = sh_merge_digest (txn, a->scope ? a->scope : "", d);
    sh_store_abort (&txn);
    sh_store_close (&store);
    if (rc) {
        fprintf (stderr, _("shouhe-hub: cannot read the state: %s\n"), sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    char hex[SH_HEX_BYTES (SH_HASH_BYTES)];
    sh_crypto_hex (hex, d, sizeof d);
    printf ("%s\n", hex);
    return SH_EXIT_OK;
}

static int
s_checkpoint (const s_args_t *a)
{
    sh_store_t *store;
    sh_key_t *key;
    int ex = s_open (a, &store, &key);
    if (ex)
        return ex;
    sh_hubid_t hub;
    sh_hubid_init_key (&hub, key);
    char *note = NULL;
    sh_err rc = SH_OK;
    if (a->vkey) {
        char text[SH_NOTE_VKEY_MAX];
        sh_note_vkey_format (&hub.vkey, text);
        printf ("%s\n", text);
    }
    else {
        rc = sh_hublog_checkpoint (store, &hub, &note, NULL);
        if (rc == SH_OK && note)
            fputs (note, stdout);
        else
        if (rc == SH_OK) {
            fprintf (stderr, _("shouhe-hub: the log is empty: no checkpoint yet\n"));
            rc = SH_ENOTFOUND;
        }
    }
    free (note);
    sh_key_destroy (&key);
    sh_store_close (&store);
    if (rc == SH_ENOTFOUND)
        return SH_EXIT_REFUSED;
    if (rc) {
        fprintf (stderr, _("shouhe-hub: cannot produce the checkpoint: %s\n"), sh_strerror (rc));
        return SH_EXIT_STORE;
    }
    return SH_EXIT_OK;
}

//  The export (hub_export.c): FILE must not exist; --with-personal needs
//  --purpose, which goes with it only.
static int
s_export (const s_args_t *a)
{
    if (!a->file) {
        fprintf (stderr, _("shouhe-hub: export needs the FILE to write (shouhe-hub export --dir DIR FILE)\n"));
        return SH_EXIT_USAGE;
    }
    if (a->with_personal && !a->purpose) {
        fprintf (stderr, _("shouhe-hub: --with-personal needs --purpose TEXT: why the personal data is exported "
                           "(the hub records it)\n"));
        return SH_EXIT_USAGE;
    }
    if (a->purpose && !a->with_personal) {
        fprintf (stderr, _("shouhe-hub: --purpose goes with --with-personal only (a public export holds no "
                           "personal field)\n"));
        return SH_EXIT_USAGE;
    }
    if (a->purpose && !hub_export_purpose_ok (a->purpose))
        return SH_EXIT_USAGE;
    struct stat st;
    if (lstat (a->file, &st) == 0) {
        fprintf (stderr, _("shouhe-hub: %s exists; refusing to overwrite it\n"), a->file);
        return SH_EXIT_REFUSED;
    }
    sh_store_t *store;
    sh_key_t *key;
    int ex = s_open (a, &store, &key);
    if (ex)
        return ex;
    ex = hub_export (store, key, a->file, a->with_personal ? a->purpose : NULL);
    sh_key_destroy (&key);
    sh_store_close (&store);
    return ex;
}

static int
s_exports (const s_args_t *a)
{
    sh_store_t *store;
    int ex = s_open (a, &store, NULL);
    if (ex)
        return ex;
    ex = hub_exports (store, a->json);
    sh_store_close (&store);
    return ex;
}

static int
s_report (const s_args_t *a)
{
    const hub_report_args_t r = { a->town, a->village, a->since, a->date, a->format, a->output, a->excel };
    sh_store_t *store;
    int ex = hub_report_check (&r);
    if (ex || (ex = s_open (a, &store, NULL)))
        return ex;
    ex = hub_report_run (&r, store);
    sh_store_close (&store);
    return ex;
}

static int
s_serve (const s_args_t *a)
{
    if (!a->bind) {
        fprintf (stderr, _("shouhe-hub: serve needs --bind ENDPOINT (e.g. tcp://127.0.0.1:7600)\n"));
        return SH_EXIT_USAGE;
    }
    sh_store_t *store;
    sh_key_t *key;
    s_args_t sa = *a;
    if (!sa.map_bytes)
        sa.map_bytes = SH_STORE_HUB_MAP_BYTES;
    int ex = s_open (&sa, &store, &key);
    if (ex)
        return ex;
    //  one serving hub per store: a second one would take pushes beside it
    int lock = -1;
    long holder = 0;
    sh_err lr = s_lock (a, &lock, &holder);
    if (lr == SH_EEXIST)
        fprintf (stderr, _("shouhe-hub: another shouhe-hub serve (process %ld) is already serving %s; "
                 "stop it first\n"), holder, a->dir);
    if (lr) {
        sh_key_destroy (&key);
        sh_store_close (&store);
        return SH_EXIT_STORE;
    }
    sh_store_fail_commit_after (store, a->fault_commit);
    hub_config_t c = { .dir = a->dir, .bind = a->bind, .ready_file = a->ready_file,
                       .threads = a->threads, .verbose = a->verbose, .fail_send = a->fault_send,
                       .reserve_bytes = a->reserve_bytes, .quota_offset_ms = a->quota_offset_ms,
                       .sync_mirror = a->sync_mirror, .retain_every_ms = a->retain_every_ms };
    sh_hubid_t hub;
    sh_hubid_init_key (&hub, key);
    int rc = hub_serve (&c, store, &hub);
    sh_key_destroy (&key);
    sh_store_close (&store);
    sh_sys_unlock (lock);
    return rc ? SH_EXIT_NETWORK : SH_EXIT_OK;
}

static int
s_backup (const s_args_t *a)
{
    if (!a->file) {
        fprintf (stderr, _("shouhe-hub: backup needs the new directory DEST (shouhe-hub backup --dir DIR DEST)\n"));
        return SH_EXIT_USAGE;
    }
    sh_store_t *store;
    sh_key_t *key;
    int ex = s_open (a, &store, &key);
    if (ex)
        return ex;
    ex = hub_backup (store, key, a->file);
    sh_key_destroy (&key);
    sh_store_close (&store);
    return ex;
}

//  recover and compact: only while no serve holds the store (one writer decides)
static int
s_recover (const s_args_t *a)
{
    int lock = -1, ex = SH_EXIT_STORE;
    long holder = 0;
    sh_err lr = s_lock (a, &lock, &holder);
    if (lr == SH_EEXIST)
        fprintf (stderr, _("shouhe-hub: %s is being served (process %ld); stop the hub before shouhe-hub %s\n"),
                 a->dir, holder, a->compact ? "compact" : "recover");
    sh_store_t *store = NULL;
    sh_key_t *key = NULL;
    if (lr == SH_OK && a->compact)
        ex = hub_compact (a->dir);
    else
    if (lr == SH_OK && (ex = s_open (a, &store, &key)) == SH_OK) {
        sh_hubid_t hub;
        sh_hubid_init_key (&hub, key);
        ex = hub_recover (store, &hub, a->abandon);
    }
    sh_sys_unlock (lock);
    sh_key_destroy (&key);
    sh_store_close (&store);
    return ex;
}

static int
s_retention (const s_args_t *a)
{
    const hub_retention_args_t r = { a->dir, a->scope, a->kind, a->years, a->apply, a->json };
    sh_store_t *store = NULL;
    sh_key_t *key = NULL;
    int ex = s_open (a, &store, &key);
    if (ex == SH_EXIT_OK)
        ex = hub_retention (&r, store, key);
    sh_key_destroy (&key);
    sh_store_close (&store);
    return ex;
}

static int
s_mirror (const s_args_t *a)
{
    const hub_mirror_args_t m = { a->dir, a->name, a->hub, a->hub_key, a->init, a->watch, a->verbose };
    return hub_mirror (&m);
}

//  ---------------------------------------------------------------------
//  Command line

typedef struct {
    const char *name;
    const char *options;     //  allowed options besides dir
    int (*fn) (const s_args_t *a);
} s_command_t;

static const s_command_t s_commands[] = {
    { "init", "", s_init },
    { "key", "", s_key },
    { "enroll", "scope key role name quota-changes-per-day quota-bytes", s_enroll },
    { "quota", "key changes-per-day bytes", s_quota },
    { "revoke", "key", s_revoke },
    { "unblock", "key", s_unblock },
    { "nodes", "json", s_nodes },
    { "digest", "scope", s_digest },
    { "checkpoint", "vkey", s_checkpoint },
    { "export", "with-personal purpose", s_export },
    { "exports", "json", s_exports },
    { "backup", "", s_backup },
    { "recover", "abandon-tail", s_recover },
    { "compact", "", s_recover },
    { "report", "town village since date format excel output", s_report },
    { "serve", "bind ready-file threads verbose map-mib reserve-mib sync-mirror retain-every", s_serve },
    { "mirror", "init name hub hub-key watch verbose", s_mirror },
    { "retention", "scope kind years apply json", s_retention },
    { NULL, NULL, NULL }
};

//  The options that take a size or a limit: --map-mib, --reserve-mib and the
//  quotas. Returns -1 when name is none of them, 0 when value was taken,
//  SH_EXIT_USAGE after saying why it was not.
static int
s_size_option (s_args_t *a, const char *name, const char *value)
{
    bool map = !strcmp (name, "map-mib");
    if (map || !strcmp (name, "reserve-mib")) {
        char *end;
        errno = 0;
        unsigned long long m = strtoull (value, &end, 10);
        if (errno || *end || value[0] < '0' || value[0] > '9' || m < (map ? 1 : 0) || m > (1ULL << 24)) {
            fprintf (stderr, _("shouhe-hub: --%s takes a size in MiB from %d to 16777216, not '%s'\n"), name,
                     map ? 1 : 0, value);
            return SH_EXIT_USAGE;
        }
        if (map)
            a->map_bytes = (size_t) m << 20;
        else
            a->reserve_bytes = (int64_t) (m << 20);
        return 0;
    }
    if (!strcmp (name, "quota-changes-per-day") || !strcmp (name, "changes-per-day")) {
        a->has_qc = true;
        return hub_quota_arg (name, value, false, &a->qc) ? 0 : SH_EXIT_USAGE;
    }
    if (!strcmp (name, "quota-bytes") || !strcmp (name, "bytes")) {
        a->has_qb = true;
        return hub_quota_arg (name, value, true, &a->qb) ? 0 : SH_EXIT_USAGE;
    }
    return -1;
}

//  Take the value v of option --name. 0, or SH_EXIT_USAGE after saying why.
static int
s_set (s_args_t *a, const char *name, const char *v)
{
    int ex;
    if (!strcmp (name, "dir")) a->dir = v;
    else if (!strcmp (name, "scope")) a->scope = v;
    else if (!strcmp (name, "key")) a->key = v;
    else if (!strcmp (name, "role")) a->role = v;
    else if (!strcmp (name, "name")) a->name = v;
    else if (!strcmp (name, "bind")) a->bind = v;
    else if (!strcmp (name, "ready-file")) a->ready_file = v;
    else if (!strcmp (name, "json")) a->json = true;
    else if (!strcmp (name, "verbose")) a->verbose = true;
    else if (!strcmp (name, "vkey")) a->vkey = true;
    else if (!strcmp (name, "abandon-tail")) a->abandon = true;
    else if (!strcmp (name, "hub")) a->hub = v;
    else if (!strcmp (name, "hub-key")) a->hub_key = v;
    else if (!strcmp (name, "init")) a->init = true;
    else if (!strcmp (name, "watch")) a->watch = true;
    else if (!strcmp (name, "sync-mirror")) a->sync_mirror = true;
    else if (!strcmp (name, "kind")) a->kind = v;
    else if (!strcmp (name, "years")) a->years = v;
    else if (!strcmp (name, "apply")) a->apply = true;
    else if (!strcmp (name, "with-personal")) a->with_personal = true;
    else if (!strcmp (name, "purpose")) a->purpose = v;
    else if (!strcmp (name, "town")) a->town = v;
    else if (!strcmp (name, "village")) a->village = v;
    else if (!strcmp (name, "since")) a->since = v;
    else if (!strcmp (name, "format")) a->format = v;
    else if (!strcmp (name, "excel")) a->excel = true;
    else if (!strcmp (name, "output")) a->output = v;
    else if (!strcmp (name, "date")) a->date = v;
    else if ((ex = s_size_option (a, name, v)) >= 0)
        return ex;
    else if (!strcmp (name, "threads")) {
        char *end;
        long t = strtol (v, &end, 10);
        if (*end || t < 1 || t > 16) {
            fprintf (stderr, _("shouhe-hub: --threads takes 1..16, not '%s'\n"), v);
            return SH_EXIT_USAGE;
        }
        a->threads = (int) t;
    }
    else if (!strcmp (name, "retain-every")) {
        char *end;
        long t = strtol (v, &end, 10);
        if (!*v || *end || t < 1 || t > 7 * 86400) {
            fprintf (stderr, _("shouhe-hub: --retain-every takes 1..604800 seconds, not '%s'\n"), v);
            return SH_EXIT_USAGE;
        }
        a->retain_every_ms = (uint64_t) t * 1000;
    }
    else if (!strcmp (name, "config")) a->config = v;
    return 0;
}

static const struct option s_options[] = {
    { "dir", required_argument, NULL, 0 }, { "scope", required_argument, NULL, 0 },
    { "key", required_argument, NULL, 0 }, { "role", required_argument, NULL, 0 },
    { "name", required_argument, NULL, 0 }, { "bind", required_argument, NULL, 0 },
    { "ready-file", required_argument, NULL, 0 }, { "threads", required_argument, NULL, 0 },
    { "json", no_argument, NULL, 0 }, { "verbose", no_argument, NULL, 0 },
    { "vkey", no_argument, NULL, 0 },
    { "town", required_argument, NULL, 0 }, { "village", required_argument, NULL, 0 },
    { "since", required_argument, NULL, 0 }, { "format", required_argument, NULL, 0 },
    { "date", required_argument, NULL, 0 }, { "map-mib", required_argument, NULL, 0 },
    { "excel", no_argument, NULL, 0 }, { "output", required_argument, NULL, 0 },
    { "abandon-tail", no_argument, NULL, 0 }, { "reserve-mib", required_argument, NULL, 0 },
    { "quota-changes-per-day", required_argument, NULL, 0 }, { "quota-bytes", required_argument, NULL, 0 },
    { "changes-per-day", required_argument, NULL, 0 }, { "bytes", required_argument, NULL, 0 },
    { "config", required_argument, NULL, 0 }, { "hub", required_argument, NULL, 0 },
    { "hub-key", required_argument, NULL, 0 }, { "init", no_argument, NULL, 0 },
    { "watch", no_argument, NULL, 0 }, { "sync-mirror", no_argument, NULL, 0 },
    { "kind", required_argument, NULL, 0 }, { "years", required_argument, NULL, 0 },
    { "apply", no_argument, NULL, 0 }, { "retain-every", required_argument, NULL, 0 },
    { "with-personal", no_argument, NULL, 0 }, { "purpose", required_argument, NULL, 0 },
    { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
};
_Static_assert (sizeof s_options / sizeof s_options[0] <= 64, "s_args_t.given has one bit per option");

static bool
s_allowed (const char *options, const char *name)
{
    if (!strcmp (name, "dir") || !strcmp (name, "help") || !strcmp (name, "config"))
        return true;
    size_t n = strlen (name);
    for (const char *p = options; *p; ) {
        const char *end = strchr (p, ' ');
        size_t len = end ? (size_t) (end - p) : strlen (p);
        if (len == n && !strncmp (p, name, n))
            return true;
        p = end ? end + 1 : p + len;
    }
    return false;
}

//  sh_conf_use_t's callbacks over a command and its arguments: the entries
//  of the configuration file (--config FILE, else hub.conf in sh_conf_dir,
//  which may be missing) that the command takes and the command line did
//  not give are taken as options (sh_conf_use).
typedef struct {
    const s_command_t *cmd;         //  the running command
    s_args_t *a;                    //  its arguments
} s_conf_t;

//  An export with personal data is asked for on the command line each
//  time, never by a configuration file.
static bool
s_conf_takes (const char *name, void *arg)
{
    return strcmp (name, "with-personal") != 0 && strcmp (name, "purpose") != 0
        && s_allowed (((s_conf_t *) arg)->cmd->options, name);
}

static bool
s_conf_given (int idx, void *arg)
{
    return (((s_conf_t *) arg)->a->given >> idx) & 1;
}

static bool
s_conf_set (int idx, const char *value, void *arg)
{
    return s_set (((s_conf_t *) arg)->a, s_options[idx].name, value) == 0;
}

int
main (int argc, char **argv)
{
    sh_i18n_init ();
    if (argc < 2 || !strcmp (argv[1], "--help") || !strcmp (argv[1], "-h") || !strcmp (argv[1], "help")) {
        hub_usage (argc < 2 ? stderr : stdout);
        return argc < 2 ? SH_EXIT_USAGE : SH_EXIT_OK;
    }
    const s_command_t *cmd = s_commands;
    while (cmd->name && strcmp (cmd->name, argv[1]) != 0)
        cmd++;
    if (!cmd->name) {
        fprintf (stderr, _("shouhe-hub: unknown command '%s' (see shouhe-hub --help)\n"), argv[1]);
        return SH_EXIT_USAGE;
    }
    if (sh_crypto_init () != SH_OK) {
        fprintf (stderr, _("shouhe-hub: libsodium cannot be initialised\n"));
        return SH_EXIT_STORE;
    }
    s_args_t a = { .threads = 2, .reserve_bytes = -1 };
    int ex;
    optind = 1;
    opterr = 0;
    int gargc = argc - 1;
    char **gargv = argv + 1;
    for (;;) {
        int idx = -1;
        int c = getopt_long (gargc, gargv, ":h", s_options, &idx);
        if (c == -1)
            break;
        if (c == 'h') {
            hub_usage (stdout);
            return SH_EXIT_OK;
        }
        if (c == '?' || c == ':') {
            fprintf (stderr, c == '?' ? _("shouhe-hub: unknown option '%s'\n")
                                      : _("shouhe-hub: missing value for '%s'\n"), gargv[optind - 1]);
            return SH_EXIT_USAGE;
        }
        const char *name = s_options[idx].name;
        if (!s_allowed (cmd->options, name)) {
            fprintf (stderr, _("shouhe-hub: '%s' does not take --%s\n"), cmd->name, name);
            return SH_EXIT_USAGE;
        }
        a.given |= 1ull << idx;
        if ((ex = s_set (&a, name, optarg)))
            return ex;
    }
    if (!s_fault ("SHOUHE_FAULT_COMMIT", &a.fault_commit) || !s_fault ("SHOUHE_FAULT_SEND", &a.fault_send)
    ||  !s_fault_clock ("SHOUHE_FAULT_QUOTA_CLOCK_MS", &a.quota_offset_ms))
        return SH_EXIT_USAGE;
    if (optind < gargc && (cmd->fn == s_export || cmd->fn == s_backup))
        a.file = gargv[optind++];       //  export's FILE, backup's DEST
    if (optind < gargc) {
        fprintf (stderr, _("shouhe-hub: unexpected argument '%s'\n"), gargv[optind]);
        return SH_EXIT_USAGE;
    }
    sh_conf_t *conf = NULL;     //  the values it holds stay until exit
    //  hub.conf's bind is serve's: `shouhe-hub init` ignores it
    s_conf_t cc = { cmd, &a };
    const sh_conf_use_t use = { "shouhe-hub", s_options, s_conf_takes, s_conf_given, s_conf_set, &cc };
    ex = sh_conf_use (&conf, a.config, "hub.conf", &use);
    if (!ex && !a.dir) {
        fprintf (stderr, _("shouhe-hub: --dir DIR is required (the hub's directory; or dir = DIR in %s/hub.conf)\n"),
                 sh_conf_dir ());
        ex = SH_EXIT_USAGE;
    }
    a.compact = !strcmp (cmd->name, "compact");
    if (!ex)
        ex = cmd->fn (&a);
    sh_conf_destroy (&conf);
    return ex;
}
