/*  shouhe-audit -- check a hub from its export alone (docs/protocol.md,
    "Exports and the auditor").

    Usage: shouhe-audit COMMAND ...; `shouhe-audit --help`.
    Exit codes: 0 everything holds, 1 a fault was found (or a proof does not
    verify), 2 wrong command line, 3 a file cannot be read.
*/
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit.h"
#include "sh_change.h"
#include "sh_conf.h"
#include "sh_crypto.h"
#include "sh_exit.h"
#include "sh_export.h"
#include "sh_i18n.h"
#include "sh_merkle.h"
#include "sh_note.h"


#define S_POS_MAX 256                //  positional arguments at most

typedef struct {
    char *pos[S_POS_MAX];      //  positional arguments
    int npos;                  //  how many
    const char *hub_key;       //  --hub-key HEX
    const char *proof;         //  --proof FILE
    const char *index, *old_size, *new_size;   //  --index, --old, --new
    const char *hub, *key_dir;                 //  --hub, --key-dir
    const char *config;        //  --config FILE (default: audit.conf in sh_conf_dir)
    bool json;                 //  --json
    const char *witness[AUDIT_WITNESSES_MAX + 1]; //  --witness NAME=HEX, repeatable
    int nwitness;              //  how many
    const char *quorum;        //  --quorum K
    const char *since;         //  --since CHECKPOINT
    const char *save;          //  --save-checkpoint FILE
} s_args_t;

static const char *s_usage_text =
    N_("usage: shouhe-audit COMMAND ...\n\n"
    "Checks a shouhe hub from its export (shouhe-hub export) alone: every signature, every\n"
    "author chain, every change against its author's enrolment, the registry the hub vouched\n"
    "for, the equivocation evidence, and every signed checkpoint against the recomputed tree.\n\n"
    "commands:\n"
    "  shouhe-audit verify EXPORT [--hub-key HEX] [--since CHECKPOINT] [--save-checkpoint FILE]\n"
    "                     [--witness NAME=HEX]... [--quorum K] [--json]\n"
    "        run every check; print a summary (exit 0) or every fault, one per line (exit 1).\n"
    "        Without --hub-key the export's own hub key is trusted (and the output says so).\n"
    "        --save-checkpoint FILE: when the export verifies, write its newest verified\n"
    "        checkpoint note to FILE (atomically). --since CHECKPOINT: an incremental audit\n"
    "        from such a file: the export's first N changes (N its size) must have its root\n"
    "        (else a fault: the hub forked); they are only hashed, not verified again, and\n"
    "        every check runs on the changes after them.\n"
    "  shouhe-audit inclusion EXPORT --index N [--hub-key HEX] [--json]\n"
    "        the inclusion proof of change N (log index) in the export's latest checkpoint,\n"
    "        computed from the export and verified\n"
    "  shouhe-audit consistency-proof EXPORT --old SIZE [--new SIZE]\n"
    "        the consistency proof between two tree sizes (default --new: every change),\n"
    "        one hex hash per line, computed from the export\n"
    "  shouhe-audit consistency OLD_CHECKPOINT NEW_CHECKPOINT --proof FILE --hub-key HEX\n"
    "        verify that the tree of the new checkpoint extends the old one; the files hold\n"
    "        the signed checkpoint notes and the proof (one hex hash per line)\n"
    "  shouhe-audit consistency EXPORT --hub-key HEX PATH...\n"
    "        every checkpoint held in each PATH -- a node directory (its receipts) or a file\n"
    "        with one signed checkpoint note -- is a checkpoint of the export's tree, or was\n"
    "        given up by one of the hub's epochs (after a restore)\n"
    "  shouhe-audit keygen --key-dir DIR\n"
    "        create an auditor key (DIR/auditor.key, mode 0600); prints the public key to enrol\n"
    "        at the hub with: shouhe-hub enroll --role auditor --scope 500115 --key HEX\n"
    "  shouhe-audit fetch --hub ENDPOINT --hub-key HEX --key-dir DIR EXPORT\n"
    "        pull an export from a running hub over CurveZMQ as the enrolled auditor\n"
    "  shouhe-audit receipts NODE_DIR [--hub-key HEX] [--json]\n"
    "        check every receipt a node holds: each checkpoint's signature, the consistency\n"
    "        proofs linking them, and that the node's own changes are the leaves its batch\n"
    "        receipts say, in the checkpoints they were issued with; lists the node's changes\n"
    "        no receipt covers (exit 1 while any remains, or if the node never synced)\n\n"
    "exit codes: 0 everything holds, 1 a fault (or a proof that does not verify),\n"
    "            2 wrong command line, 3 a file cannot be read\n"
    "every command also takes --config FILE: options as 'key = value' lines (default\n"
    "audit.conf in /etc/shouhe, when it exists; shouhe.conf(5)); the command line wins\n");

/* ==========================================================================
 * Helpers
 * ========================================================================== */

static bool
s_parse_u64 (const char *text, uint64_t *out)
{
    if (!text || *text < '0' || *text > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull (text, &end, 10);
    if (*end || errno)
        return false;
    *out = v;
    return true;
}

//  --witness NAME=HEX ... and --quorum K into q (w holds the witnesses);
//  no witness: q->n = 0. K defaults to every witness named. SH_EXIT_USAGE
//  with a message when something is wrong.
static int
s_quorum_arg (const s_args_t *a, sh_cosig_witness_t w[AUDIT_WITNESSES_MAX], audit_quorum_t *q)
{
    *q = (audit_quorum_t) { w, 0, 0 };
    if (a->nwitness > AUDIT_WITNESSES_MAX) {
        fprintf (stderr, _("shouhe-audit: at most %d --witness\n"), AUDIT_WITNESSES_MAX);
        return SH_EXIT_USAGE;
    }
    for (int i = 0; i < a->nwitness; i++) {
        char why[400];
        if (sh_cosig_witness_parse (&w[i], a->witness[i], why, sizeof why) != SH_OK) {
            fprintf (stderr, _("shouhe-audit: --witness: %s (NAME=HEXKEY: the cosigner name, '=', 64 hex "
                     "digits)\n"), why);
            return SH_EXIT_USAGE;
        }
    }
    q->n = (size_t) a->nwitness;
    q->quorum = q->n;
    if (a->quorum) {
        char *end;
        long k = strtol (a->quorum, &end, 10);
        if (*end || end == a->quorum || k < 1 || k > (long) q->n) {
            fprintf (stderr, _("shouhe-audit: --quorum must be a whole number from 1 to the number of --witness "
                     "given (%zu), not '%s'\n"), q->n, a->quorum);
            return SH_EXIT_USAGE;
        }
        q->quorum = (size_t) k;
    }
    return SH_EXIT_OK;
}

//  The trusted hub: --hub-key, or (not *given) the export's. SH_EXIT_USAGE if malformed.
static int
s_hub_key_arg (const s_args_t *a, sh_hubid_t *hub, bool *given)
{
    *given = a->hub_key != NULL;
    if (a->hub_key && sh_hubid_init_hex (hub, a->hub_key) != SH_OK) {
        fprintf (stderr, _("shouhe-audit: --hub-key '%s' is not 64 hex digits\n"), a->hub_key);
        return SH_EXIT_USAGE;
    }
    return SH_EXIT_OK;
}

static void
s_hex_of (char out[SH_HEX_BYTES (SH_HASH_BYTES)], const uint8_t *bytes)
{
    sh_crypto_hex (out, bytes, SH_HASH_BYTES);
}

//  Load the export; on failure say why. *fault_why is set (and SH_EXIT_REFUSED
//  returned) when the file is not a valid export; in English when english
//  (for --json, audit_english), else in the user's language.
static int
s_load (const char *path, sh_export_t **ex, const char **fault_why, bool english)
{
    const char *why = NULL;
    *fault_why = NULL;
    if (english)
        audit_english (true);
    sh_err rc = sh_export_load (ex, path, &why);
    if (rc == SH_EPROTO && !why)
        why = _("not a valid export");
    if (english)
        audit_english (false);
    if (rc == SH_OK)
        return SH_EXIT_OK;
    if (rc == SH_EPROTO) {
        *fault_why = why;
        return SH_EXIT_REFUSED;
    }
    fprintf (stderr, _("shouhe-audit: cannot read %s: %s\n"), path,
             rc == SH_ENOTFOUND ? _("no such file") : sh_strerror (rc));
    return SH_EXIT_STORE;
}

//  s_load for the commands that only need the export: a file that is not
//  a valid export is said on stderr (exit 1).
static int
s_load_said (const char *path, sh_export_t **ex)
{
    const char *why;
    int code = s_load (path, ex, &why, false);
    if (code == SH_EXIT_REFUSED)
        fprintf (stderr, _("shouhe-audit: %s is not a valid export: %s\n"), path, why);
    return code;
}

static void
s_json_print (json_t *j)
{
    json_dumpf (j, stdout, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
    fputc ('\n', stdout);
    json_decref (j);
}

static void
s_trust_warning (const uint8_t key[SH_PUBKEY_BYTES])
{
    char hex[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    sh_crypto_hex (hex, key, SH_PUBKEY_BYTES);
    fprintf (stderr, _("shouhe-audit: warning: no --hub-key given: trusting the hub key the export names "
             "(%s); pass --hub-key with a copy you trust to check it\n"), hex);
}

/* ==========================================================================
 * verify
 * ========================================================================== */

static json_t *
s_fault_json (const audit_fault_t *f)
{
    char hex[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    if (f->has_author)
        sh_crypto_hex (hex, f->author, SH_PUBKEY_BYTES);
    json_t *o = json_object ();
    json_object_set_new (o, "kind", json_string (audit_fault_name (f->kind)));
    json_object_set_new (o, "author", f->has_author ? json_string (hex) : json_null ());
    json_object_set_new (o, "seq", f->has_author && f->seq ? json_integer ((json_int_t) f->seq) : json_null ());
    json_object_set_new (o, "index", f->index ? json_integer ((json_int_t) f->index) : json_null ());
    json_object_set_new (o, "checkpoint", f->checkpoint ? json_integer ((json_int_t) f->checkpoint) : json_null ());
    json_object_set_new (o, "field", f->has_field ? json_integer ((json_int_t) f->field) : json_null ());
    json_object_set_new (o, "where", json_string (f->where));
    json_object_set_new (o, "message", json_string (f->message));
    return o;
}

static void
s_verify_json (const sh_export_t *ex, const audit_quorum_t *q, const audit_report_t *rep)
{
    char key[SH_HEX_BYTES (SH_PUBKEY_BYTES)], root[SH_HEX_BYTES (SH_HASH_BYTES)];
    sh_crypto_hex (key, rep->hub_key, SH_PUBKEY_BYTES);
    s_hex_of (root, rep->covered_root);
    json_t *faults = json_array ();
    for (size_t i = 0; i < rep->n_faults; i++)
        json_array_append_new (faults, s_fault_json (&rep->faults[i]));
    json_t *o = json_object ();
    json_object_set_new (o, "ok", json_boolean (rep->n_faults == 0));
    json_object_set_new (o, "origin", json_string (ex ? sh_export_origin (ex) : ""));
    json_object_set_new (o, "hub_key", json_string (key));
    json_object_set_new (o, "hub_key_checked", json_boolean (rep->hub_key_given));
    json_object_set_new (o, "registry", json_integer ((json_int_t) rep->registry));
    json_object_set_new (o, "changes", json_integer ((json_int_t) rep->changes));
    //  docs/protocol.md 15.4.1: an incremental audit says from which size
    json_object_set_new (o, "incremental", json_boolean (rep->since > 0));
    json_object_set_new (o, "since", json_integer ((json_int_t) rep->since));
    json_object_set_new (o, "changes_verified", json_integer ((json_int_t) rep->changes_verified));
    json_object_set_new (o, "authors", json_integer ((json_int_t) rep->authors));
    json_object_set_new (o, "checkpoints", json_integer ((json_int_t) rep->checkpoints));
    json_object_set_new (o, "checkpoints_verified", json_integer ((json_int_t) rep->checkpoints_ok));
    json_object_set_new (o, "checkpoints_old", json_integer ((json_int_t) rep->checkpoints_old));
    json_object_set_new (o, "covered", json_integer ((json_int_t) rep->covered));
    json_object_set_new (o, "root", json_string (rep->covered ? root : ""));
    json_object_set_new (o, "evidence", json_integer ((json_int_t) rep->evidence));
    json_object_set_new (o, "openings", json_integer ((json_int_t) rep->openings));
    json_object_set_new (o, "openings_verified", json_integer ((json_int_t) rep->openings_ok));
    json_t *epochs = json_array ();
    for (size_t i = 0; i < rep->n_epochs; i++)
        json_array_append_new (epochs, json_pack ("{s:I, s:I, s:I}", "epoch", (json_int_t) rep->epochs[i].epoch,
                                                  "base", (json_int_t) rep->epochs[i].base,
                                                  "abandoned", (json_int_t) rep->epochs[i].abandoned));
    json_object_set_new (o, "epochs", epochs);
    if (q->n) {
        //  docs/protocol.md 16: the witnesses named, and the checkpoint they vouch for
        json_t *ws = json_array ();
        for (size_t i = 0; i < q->n; i++)
            json_array_append_new (ws, json_pack ("{s:s, s:b}", "name", q->w[i].name, "cosigned_latest",
                                                  rep->latest_cosigned[i]));
        json_object_set_new (o, "quorum", json_integer ((json_int_t) q->quorum));
        json_object_set_new (o, "witnessed", json_integer ((json_int_t) rep->witnessed));
        json_object_set_new (o, "witnesses", ws);
    }
    json_object_set_new (o, "faults", faults);
    s_json_print (o);
}

//  The witnesses' line of the text summary.
static void
s_witnessed_text (const audit_quorum_t *q, const audit_report_t *rep)
{
    size_t have = 0;
    for (size_t i = 0; i < q->n; i++)
        have += rep->latest_cosigned[i];
    printf (_("witnesses:   the checkpoint of size %llu carries the quorum (%zu of the %zu named); the latest "
            "has %zu\n"), (unsigned long long) rep->witnessed, q->quorum, q->n, have);
    if (rep->witnessed < rep->changes)
        printf (_("note:        changes %llu..%llu are not witnessed yet (a witness cosigns at its next sync)\n"),
                (unsigned long long) rep->witnessed + 1, (unsigned long long) rep->changes);
}

static void
s_verify_text (const sh_export_t *ex, const audit_quorum_t *q, const audit_report_t *rep)
{
    char key[SH_HEX_BYTES (SH_PUBKEY_BYTES)], root[SH_HEX_BYTES (SH_HASH_BYTES)];
    sh_crypto_hex (key, rep->hub_key, SH_PUBKEY_BYTES);
    s_hex_of (root, rep->covered_root);
    for (size_t i = 0; i < rep->n_faults; i++) {
        const audit_fault_t *f = &rep->faults[i];
        printf (_("fault %s: %s: %s\n"), audit_fault_name (f->kind), f->where, f->message);
    }
    if (rep->n_faults) {
        fprintf (stderr, _("shouhe-audit: the export does not verify: %zu fault(s)\n"), rep->n_faults);
        return;
    }
    printf (_("ok: the export of %s verifies\n"), sh_export_origin (ex));
    printf (_("hub key:     %s (%s)\n"), key, rep->hub_key_given ? _("given with --hub-key")
            : _("taken from the export: not checked against a copy you trust"));
    printf (_("registry:    %" PRIu64 " entries, as the hub's signed registry note vouches\n"), rep->registry);
    if (rep->since) {
        printf (_("incremental: since the checkpoint of size %" PRIu64 " verified before: the export's first %"
                PRIu64 " changes are its tree, and were not verified again\n"), rep->since, rep->since);
        printf (_("changes:     %" PRIu64 " new of %" PRIu64 " (log indexes %" PRIu64 "..%" PRIu64 ") from %" PRIu64
                " authors: every signature, author chain, scope and enrolment period holds\n"),
                rep->changes_verified, rep->changes, rep->since + 1, rep->changes, rep->authors);
    }
    else
        printf (_("changes:     %" PRIu64 " from %" PRIu64 " authors: every signature, author chain, scope and "
                "enrolment period holds\n"), rep->changes, rep->authors);
    printf (_("checkpoints: %" PRIu64 " verified (signature by the hub key, root of the recomputed tree)"),
            rep->checkpoints_ok);
    if (rep->covered)
        printf (_("; the latest covers %" PRIu64 " of %" PRIu64 " changes, root %s\n"), rep->covered, rep->changes,
                root);
    else
        printf ("\n");
    if (rep->checkpoints_old)
        printf (_("older:       %" PRIu64 " checkpoint(s) below size %" PRIu64 " match the recomputed tree "
                "(their signatures were checked before)\n"), rep->checkpoints_old, rep->since);
    if (rep->covered < rep->changes)
        printf (_("note:        changes %" PRIu64 "..%" PRIu64 " are not covered by a signed checkpoint yet\n"),
                rep->covered + 1, rep->changes);
    if (q->n)
        s_witnessed_text (q, rep);
    printf (_("evidence:    %" PRIu64 " equivocation record(s), each two different changes validly signed "
            "by one author at one seq\n"), rep->evidence_ok);
    if (rep->openings)
        printf (_("openings:    %" PRIu64 " checked: each opens the commitment its change signed (this export "
                "holds personal data)\n"), rep->openings_ok);
    for (size_t i = 0; i < rep->n_epochs; i++) {
        const sh_epoch_t *e = &rep->epochs[i];
        printf (_("epoch %" PRIu64 ":     after a restore the hub gave up the entries after %" PRIu64), e->epoch,
                e->base);
        if (e->abandoned)
            printf (_(" (its nodes had seen up to %" PRIu64 ")"), e->abandoned);
        printf (_(" and continued from there; signed by the hub key, its base is this tree's\n"));
    }
}

//  --since FILE for the export ex: the checkpoint opened with hub (the
//  trusted key, or the export's), and not larger than the export. Without
//  --hub-key the export's key is trusted, as by the whole run (said on
//  stderr); the checkpoint is still opened, never taken unsigned: signed by
//  the key of the audit that saved it, it refuses an export of another key.
static int
s_since_arg (const s_args_t *a, const sh_hubid_t *hub, bool given, const sh_export_t *ex, audit_since_t *since)
{
    sh_hubid_t own;
    const sh_hubid_t *trusted = hub;
    if (!given) {
        sh_hubid_init (&own, sh_export_hub_key (ex));
        trusted = &own;
    }
    sh_note_checkpoint_t cp;
    char *text = NULL;
    int code = audit_open_checkpoint (a->since, trusted, &cp, &text);
    free (text);
    if (code == SH_EXIT_REFUSED && !given)
        fprintf (stderr, _("shouhe-audit: (no --hub-key: the checkpoint was opened with the hub key the export names, "
                 "so the export may be of another hub than the checkpoint)\n"));
    if (code)
        return code;
    if (cp.size > sh_export_change_count (ex)) {
        fprintf (stderr, _("shouhe-audit: the checkpoint in %s covers %" PRIu64 " changes but %s holds only %zu: "
                 "the export is older than the checkpoint, or the hub lost or dropped entries (nothing verified)\n"),
                 a->since, cp.size, a->pos[0], sh_export_change_count (ex));
        return SH_EXIT_REFUSED;
    }
    since->size = cp.size;
    memcpy (since->root, cp.root, SH_HASH_BYTES);
    return SH_EXIT_OK;
}

static int
s_verify (const s_args_t *a)
{
    if (a->npos != 1 || a->index || a->proof || a->old_size || a->new_size) {
        fprintf (stderr, _("shouhe-audit: usage: shouhe-audit verify EXPORT [--hub-key HEX] [--since CHECKPOINT] "
                 "[--save-checkpoint FILE] [--witness NAME=HEX]... [--quorum K] [--json]\n"));
        return SH_EXIT_USAGE;
    }
    sh_hubid_t hub;
    bool given;
    int ex_code = s_hub_key_arg (a, &hub, &given);
    sh_cosig_witness_t w[AUDIT_WITNESSES_MAX];
    audit_quorum_t q;
    if (!ex_code)
        ex_code = s_quorum_arg (a, w, &q);
    if (ex_code)
        return ex_code;
    sh_export_t *ex = NULL;
    const char *why;
    ex_code = s_load (a->pos[0], &ex, &why, a->json);
    if (ex_code && ex_code != SH_EXIT_REFUSED)
        return ex_code;
    if (ex_code == SH_EXIT_OK && !given)
        s_trust_warning (sh_export_hub_key (ex));
    audit_since_t since = { 0 };
    int since_code = ex_code == SH_EXIT_OK && a->since ? s_since_arg (a, &hub, given, ex, &since) : SH_EXIT_OK;
    if (since_code) {
        sh_export_destroy (&ex);
        return since_code;
    }
    //  the faults' where and message: English in JSON (programs read it)
    if (a->json)
        audit_english (true);
    audit_report_t rep;
    memset (&rep, 0, sizeof rep);
    sh_err rc = SH_OK;
    if (ex_code == SH_EXIT_REFUSED) {
        //  not an export: one fault, nothing else can be checked
        rep.hub_key_given = given;
        if (given)
            memcpy (rep.hub_key, hub.pubkey, SH_PUBKEY_BYTES);
        rc = audit_report_add (&rep, AUDIT_F_EXPORT, _("export"), why);
    }
    else
        rc = audit_verify (ex, given ? &hub : NULL, q.n ? &q : NULL, a->since ? &since : NULL, &rep);
    if (a->json)
        audit_english (false);
    if (rc) {
        fprintf (stderr, _("shouhe-audit: %s\n"), sh_strerror (rc));
        audit_report_fini (&rep);
        sh_export_destroy (&ex);
        return SH_EXIT_STORE;
    }
    if (a->json)
        s_verify_json (ex, &q, &rep);
    else
        s_verify_text (ex, &q, &rep);
    int code = rep.n_faults ? SH_EXIT_REFUSED : SH_EXIT_OK;
    if (a->save && ex) {
        int saved = audit_since_save (a->save, ex, &rep);
        code = code ? code : saved;
    }
    audit_report_fini (&rep);
    sh_export_destroy (&ex);
    return code;
}

/* ==========================================================================
 * inclusion and consistency proofs
 * ========================================================================== */

//  The export's latest checkpoint, verified by the trusted key.
static int
s_latest_checkpoint (const sh_export_t *ex, const sh_hubid_t *hub, sh_note_checkpoint_t *cp)
{
    size_t n = sh_export_checkpoint_count (ex);
    if (n == 0) {
        fprintf (stderr, _("shouhe-audit: the export holds no checkpoint\n"));
        return SH_EXIT_REFUSED;
    }
    sh_export_bytes_t b = sh_export_checkpoint (ex, n - 1);
    sh_err rc = sh_hubid_open_checkpoint (hub, cp, (const char *) b.data, b.len);
    if (rc) {
        fprintf (stderr, _("shouhe-audit: the export's latest checkpoint (%zu) does not verify with the hub key: %s\n"),
                 n, sh_strerror (rc));
        return SH_EXIT_REFUSED;
    }
    return SH_EXIT_OK;
}

static int
s_inclusion (const s_args_t *a)
{
    uint64_t index;
    if (a->npos != 1 || !a->index || a->proof || a->old_size || a->new_size) {
        fprintf (stderr, _("shouhe-audit: usage: shouhe-audit inclusion EXPORT --index N [--hub-key HEX] [--json]\n"));
        return SH_EXIT_USAGE;
    }
    if (!s_parse_u64 (a->index, &index) || index == 0) {
        fprintf (stderr, _("shouhe-audit: --index takes a log index (1, 2, ...), not '%s'\n"), a->index);
        return SH_EXIT_USAGE;
    }
    sh_hubid_t hub;
    bool given;
    int code = s_hub_key_arg (a, &hub, &given);
    if (code)
        return code;
    sh_export_t *ex = NULL;
    code = s_load_said (a->pos[0], &ex);
    if (code)
        return code;
    if (!given) {
        sh_hubid_init (&hub, sh_export_hub_key (ex));
        s_trust_warning (hub.pubkey);
    }
    sh_note_checkpoint_t cp;
    uint8_t (*leaves)[SH_HASH_BYTES] = NULL;
    uint8_t proof[SH_MERKLE_PROOF_MAX][SH_HASH_BYTES];
    size_t n = 0;
    code = s_latest_checkpoint (ex, &hub, &cp);
    if (code == SH_EXIT_OK && (index > cp.size || cp.size > sh_export_change_count (ex))) {
        fprintf (stderr, _("shouhe-audit: the latest checkpoint covers %" PRIu64 " changes and the export holds %zu: "
                 "no proof for log index %" PRIu64 "\n"), cp.size, sh_export_change_count (ex), index);
        code = SH_EXIT_REFUSED;
    }
    if (code == SH_EXIT_OK && audit_leaf_hashes (ex, &leaves) != SH_OK)
        code = SH_EXIT_STORE;
    if (code == SH_EXIT_OK
    &&  audit_tree_inclusion ((const uint8_t (*)[SH_HASH_BYTES]) leaves, cp.size, index - 1, proof,
                              SH_MERKLE_PROOF_MAX, &n) != SH_OK)
        code = SH_EXIT_REFUSED;
    if (code) {
        free (leaves);
        sh_export_destroy (&ex);
        return code;
    }
    bool ok = sh_merkle_verify_inclusion (leaves[index - 1], index - 1, cp.size,
                                          (const uint8_t (*)[SH_HASH_BYTES]) proof, n, cp.root) == SH_OK;
    char leaf[SH_HEX_BYTES (SH_HASH_BYTES)], root[SH_HEX_BYTES (SH_HASH_BYTES)], h[SH_HEX_BYTES (SH_HASH_BYTES)];
    s_hex_of (leaf, leaves[index - 1]);
    s_hex_of (root, cp.root);
    if (a->json) {
        json_t *arr = json_array ();
        for (size_t i = 0; i < n; i++) {
            s_hex_of (h, proof[i]);
            json_array_append_new (arr, json_string (h));
        }
        s_json_print (json_pack ("{s:b, s:I, s:s, s:I, s:s, s:o}", "ok", ok, "index", (json_int_t) index,
                                 "leaf_hash", leaf, "size", (json_int_t) cp.size, "root", root, "proof", arr));
    }
    else {
        printf (_("change:     log index %" PRIu64 " (leaf %" PRIu64 ")\n"), index, index - 1);
        printf (_("leaf hash:  %s\n"), leaf);
        printf (_("checkpoint: size %" PRIu64 ", root %s (signed by the hub key)\n"), cp.size, root);
        printf (_("proof:      %zu hash(es), from the leaf's sibling up\n"), n);
        for (size_t i = 0; i < n; i++) {
            s_hex_of (h, proof[i]);
            printf ("  %s\n", h);
        }
        if (ok)
            printf (_("ok: change %" PRIu64 " is included in the tree of size %" PRIu64 "\n"), index, cp.size);
    }
    if (!ok)
        fprintf (stderr, _("shouhe-audit: the proof does not verify: the export's changes are not the tree "
                 "of its latest checkpoint (run shouhe-audit verify)\n"));
    free (leaves);
    sh_export_destroy (&ex);
    return ok ? SH_EXIT_OK : SH_EXIT_REFUSED;
}

static int
s_consistency_proof (const s_args_t *a)
{
    uint64_t old_size, new_size = 0;
    if (a->npos != 1 || !a->old_size || a->index || a->proof || a->json || a->hub_key) {
        fprintf (stderr, _("shouhe-audit: usage: shouhe-audit consistency-proof EXPORT --old SIZE [--new SIZE]\n"));
        return SH_EXIT_USAGE;
    }
    if (!s_parse_u64 (a->old_size, &old_size) || (a->new_size && !s_parse_u64 (a->new_size, &new_size))) {
        fprintf (stderr, _("shouhe-audit: --old and --new take tree sizes (0, 1, 2, ...)\n"));
        return SH_EXIT_USAGE;
    }
    sh_export_t *ex = NULL;
    int code = s_load_said (a->pos[0], &ex);
    if (code)
        return code;
    if (!a->new_size)
        new_size = sh_export_change_count (ex);
    if (old_size > new_size || new_size > sh_export_change_count (ex)) {
        fprintf (stderr, _("shouhe-audit: need --old <= --new <= %zu (the changes in the export)\n"),
                 sh_export_change_count (ex));
        sh_export_destroy (&ex);
        return SH_EXIT_USAGE;
    }
    uint8_t (*leaves)[SH_HASH_BYTES] = NULL;
    uint8_t proof[SH_MERKLE_PROOF_MAX][SH_HASH_BYTES];
    size_t n = 0;
    code = audit_leaf_hashes (ex, &leaves) == SH_OK ? SH_EXIT_OK : SH_EXIT_STORE;
    if (code == SH_EXIT_OK
    &&  audit_tree_consistency ((const uint8_t (*)[SH_HASH_BYTES]) leaves, old_size, new_size, proof,
                                SH_MERKLE_PROOF_MAX, &n) != SH_OK)
        code = SH_EXIT_REFUSED;
    for (size_t i = 0; code == SH_EXIT_OK && i < n; i++) {
        char h[SH_HEX_BYTES (SH_HASH_BYTES)];
        s_hex_of (h, proof[i]);
        printf ("%s\n", h);
    }
    free (leaves);
    sh_export_destroy (&ex);
    return code;
}

//  consistency EXPORT --hub-key HEX PATH...: checkpoints held against an export.
static int
s_consistency_held (const s_args_t *a)
{
    if (a->npos < 2 || !a->hub_key || a->index || a->old_size || a->new_size || a->json) {
        fprintf (stderr, _("shouhe-audit: usage: shouhe-audit consistency EXPORT --hub-key HEX PATH...\n"));
        return SH_EXIT_USAGE;
    }
    sh_hubid_t hub;
    bool given;
    int code = s_hub_key_arg (a, &hub, &given);
    if (code)
        return code;
    sh_export_t *ex = NULL;
    code = s_load_said (a->pos[0], &ex);
    if (code)
        return code;
    code = audit_held (ex, &hub, a->pos + 1, (size_t) a->npos - 1);
    sh_export_destroy (&ex);
    return code;
}

static int
s_consistency (const s_args_t *a)
{
    if (!a->proof)
        return s_consistency_held (a);
    if (a->npos != 2 || !a->proof || !a->hub_key || a->index || a->old_size || a->new_size || a->json) {
        fprintf (stderr, _("shouhe-audit: usage: shouhe-audit consistency OLD_CHECKPOINT NEW_CHECKPOINT "
                 "--proof FILE --hub-key HEX\n"));
        return SH_EXIT_USAGE;
    }
    sh_hubid_t hub;
    bool given;
    int code = s_hub_key_arg (a, &hub, &given);
    if (code)
        return code;
    sh_note_checkpoint_t old_cp, new_cp;
    char *old_text = NULL, *new_text = NULL, *proof_text = NULL;
    size_t plen = 0, n = 0;
    uint8_t proof[SH_MERKLE_PROOF_MAX][SH_HASH_BYTES];
    code = audit_open_checkpoint (a->pos[0], &hub, &old_cp, &old_text);
    if (code == SH_EXIT_OK)
        code = audit_open_checkpoint (a->pos[1], &hub, &new_cp, &new_text);
    if (code == SH_EXIT_OK)
        code = audit_read_small (a->proof, SH_MERKLE_PROOF_MAX * (2 * SH_HASH_BYTES + 2), &proof_text, &plen);
    //  one hash per line: 64 hex digits, "\n" (the last one optional)
    for (char *line = proof_text, *next; code == SH_EXIT_OK && line && *line; line = next) {
        char *nl = strchr (line, '\n');
        next = nl ? nl + 1 : line + strlen (line);
        if (nl)
            *nl = 0;
        if (n == SH_MERKLE_PROOF_MAX || sh_crypto_unhex (proof[n], SH_HASH_BYTES, line) != SH_OK) {
            fprintf (stderr, _("shouhe-audit: %s: line %zu is not a 64-hex-digit hash (or the proof is too long)\n"),
                     a->proof, n + 1);
            code = SH_EXIT_REFUSED;
        }
        n++;
    }
    if (code == SH_EXIT_OK) {
        sh_err rc = sh_merkle_verify_consistency (old_cp.size, new_cp.size, old_cp.root, new_cp.root,
                                                  (const uint8_t (*)[SH_HASH_BYTES]) proof, n);
        char r1[SH_HEX_BYTES (SH_HASH_BYTES)], r2[SH_HEX_BYTES (SH_HASH_BYTES)];
        s_hex_of (r1, old_cp.root);
        s_hex_of (r2, new_cp.root);
        if (rc == SH_OK)
            printf (_("ok: the tree of size %" PRIu64 " (root %s) is a prefix of the tree of size %" PRIu64
                    " (root %s)\n"), old_cp.size, r1, new_cp.size, r2);
        else {
            fprintf (stderr, _("shouhe-audit: the consistency proof does not verify: the tree of size %" PRIu64
                     " (root %s) is not shown to be a prefix of the tree of size %" PRIu64 " (root %s)%s\n"),
                     old_cp.size, r1, new_cp.size, r2,
                     rc == SH_EINVAL ? _(": the old checkpoint is larger than the new one") : "");
            code = SH_EXIT_REFUSED;
        }
    }
    free (old_text);
    free (new_text);
    free (proof_text);
    return code;
}

static int
s_receipts (const s_args_t *a)
{
    if (a->npos != 1) {
        fprintf (stderr, _("shouhe-audit: receipts needs NODE_DIR (shouhe-audit receipts NODE_DIR [--hub-key HEX] "
                 "[--json])\n"));
        return SH_EXIT_USAGE;
    }
    return audit_receipts (a->pos[0], a->hub_key, a->json);
}

static int
s_keygen (const s_args_t *a)
{
    return audit_keygen (a->key_dir);
}

static int
s_fetch (const s_args_t *a)
{
    if (a->npos != 1) {
        fprintf (stderr, _("shouhe-audit: fetch needs EXPORT, the file to write\n"));
        return SH_EXIT_USAGE;
    }
    return audit_fetch (a->hub, a->hub_key, a->key_dir, a->pos[0]);
}

/* ==========================================================================
 * Command line
 * ========================================================================== */

typedef struct {
    const char *name;
    int (*fn) (const s_args_t *a);
} s_command_t;

static const s_command_t s_commands[] = {
    { "verify", s_verify },
    { "inclusion", s_inclusion },
    { "consistency-proof", s_consistency_proof },
    { "consistency", s_consistency },
    { "receipts", s_receipts },
    { "keygen", s_keygen },
    { "fetch", s_fetch },
    { NULL, NULL }
};

static const struct option s_options[] = {
    { "hub-key", required_argument, NULL, 'k' }, { "json", no_argument, NULL, 'j' },
    { "index", required_argument, NULL, 'i' }, { "proof", required_argument, NULL, 'p' },
    { "old", required_argument, NULL, 'o' }, { "new", required_argument, NULL, 'n' },
    { "hub", required_argument, NULL, 'H' }, { "key-dir", required_argument, NULL, 'K' },
    { "config", required_argument, NULL, 'C' }, { "witness", required_argument, NULL, 'W' },
    { "quorum", required_argument, NULL, 'Q' }, { "since", required_argument, NULL, 'S' },
    { "save-checkpoint", required_argument, NULL, 'V' },
    { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
};

//  Take the value v of the option whose getopt value is c.
static void
s_set (s_args_t *a, int c, const char *v)
{
    switch (c) {
        case 'k': a->hub_key = v; break;
        case 'j': a->json = true; break;
        case 'i': a->index = v; break;
        case 'p': a->proof = v; break;
        case 'o': a->old_size = v; break;
        case 'n': a->new_size = v; break;
        case 'H': a->hub = v; break;
        case 'K': a->key_dir = v; break;
        case 'C': a->config = v; break;
        case 'W':
            if (a->nwitness <= AUDIT_WITNESSES_MAX)     //  one too many is refused by s_quorum_arg
                a->witness[a->nwitness++] = v;
            break;
        case 'Q': a->quorum = v; break;
        case 'S': a->since = v; break;
        case 'V': a->save = v; break;
        default: break;
    }
}

//  sh_conf_use_t's callbacks: every command takes every option (each
//  ignores those it does not use); the command line wins over the file.
typedef struct {
    s_args_t *a;                    //  the arguments
    uint64_t given;                 //  bit per s_options index: on the command line
} s_conf_t;

static bool
s_conf_takes (const char *name, void *arg)
{
    (void) name;
    (void) arg;
    return true;
}

static bool
s_conf_given (int idx, void *arg)
{
    return (((s_conf_t *) arg)->given >> idx) & 1;
}

static bool
s_conf_set (int idx, const char *value, void *arg)
{
    s_set (((s_conf_t *) arg)->a, s_options[idx].val, value);
    return true;
}

int
main (int argc, char **argv)
{
    sh_i18n_init ();
    if (argc < 2 || !strcmp (argv[1], "--help") || !strcmp (argv[1], "-h") || !strcmp (argv[1], "help")) {
        fputs (_(s_usage_text), argc < 2 ? stderr : stdout);
        return argc < 2 ? SH_EXIT_USAGE : SH_EXIT_OK;
    }
    const s_command_t *cmd = s_commands;
    while (cmd->name && strcmp (cmd->name, argv[1]) != 0)
        cmd++;
    if (!cmd->name) {
        fprintf (stderr, _("shouhe-audit: unknown command '%s' (see shouhe-audit --help)\n"), argv[1]);
        return SH_EXIT_USAGE;
    }
    if (sh_crypto_init () != SH_OK) {
        fprintf (stderr, _("shouhe-audit: libsodium cannot be initialised\n"));
        return SH_EXIT_STORE;
    }
    s_args_t a = { .npos = 0 };
    uint64_t given = 0;
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
            fputs (_(s_usage_text), stdout);
            return SH_EXIT_OK;
        }
        if (c == ':' || c == '?') {
            fprintf (stderr, _("shouhe-audit: %s '%s'\n"), c == ':' ? _("missing value for") : _("unknown option"),
                     gargv[optind - 1]);
            return SH_EXIT_USAGE;
        }
        if (idx >= 0)
            given |= 1ull << idx;
        s_set (&a, c, optarg);
    }
    for (; optind < gargc; optind++) {
        if (a.npos == S_POS_MAX) {
            fprintf (stderr, _("shouhe-audit: unexpected argument '%s'\n"), gargv[optind]);
            return SH_EXIT_USAGE;
        }
        a.pos[a.npos++] = gargv[optind];
    }
    //  audit.conf: e.g. the hub, its key and the auditor's key directory for fetch
    sh_conf_t *conf = NULL;
    s_conf_t cc = { &a, given };
    const sh_conf_use_t use = { "shouhe-audit", s_options, s_conf_takes, s_conf_given, s_conf_set, &cc };
    int ex = sh_conf_use (&conf, a.config, "audit.conf", &use);
    if (!ex)
        ex = cmd->fn (&a);
    sh_conf_destroy (&conf);
    return ex;
}
