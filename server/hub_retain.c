/*  hub_retain -- retention rules applied by the hub's housekeeping as signed
    erasures. See hub_retain.h.
*/
#include "hub_retain.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hub.h"
#include "hub_lead.h"
#include "sh_change.h"
#include "sh_changelog.h"
#include "sh_crypto.h"
#include "sh_domain.h"
#include "sh_exit.h"
#include "sh_hublog.h"
#include "sh_i18n.h"
#include "sh_index.h"
#include "sh_key.h"
#include "sh_merge.h"
#include "sh_quota.h"
#include "sh_record.h"
#include "sh_recovery.h"
#include "sh_registry.h"
#include "sh_sealed.h"
#include "sh_sys.h"

#define S_BATCH 256                      //  records marked per Push
#define S_BATCHES_MAX 4096               //  Pushes per pass
#define S_MEDIATION_DATE 5               //  Mediation.date
#define S_ID_BYTES 16

static const uint8_t s_mark[] = SH_MERGE_ERASE_BODY;      //  an erasure mark (protocol 7.10)

enum { S_MEDIATION, S_MATTER, S_KINDS };
static const char *const s_meta[S_KINDS] = { "retention.mediation", "retention.matter" };
static const char *const s_kind[S_KINDS] = { "mediation", "matter" };

typedef struct {
    char scope[SH_REGION_MAX + 1];       //  "" when no rule was ever set
    uint64_t years[S_KINDS];             //  0: no rule
} s_rules_t;

static sh_err
s_rules (sh_store_txn_t *txn, s_rules_t *r)
{
    memset (r, 0, sizeof *r);
    sh_err rc = sh_store_meta_get_str (txn, "retention.scope", r->scope, sizeof r->scope);
    for (int k = 0; k < S_KINDS && (rc == SH_OK || rc == SH_ENOTFOUND); k++)
        rc = sh_store_meta_get_u64 (txn, s_meta[k], &r->years[k]);
    return rc == SH_ENOTFOUND ? SH_OK : rc;
}

//  The date (UTC, "YYYY-MM-DD") years before now_ms: what is dated on or
//  before it is due. 29 February becomes 28 February in a common year.
static void
s_cut (uint64_t now_ms, uint64_t years, char out[11])
{
    time_t t = (time_t) (now_ms / 1000);
    struct tm tm;
    gmtime_r (&t, &tm);
    int y = tm.tm_year + 1900 - (int) years;
    int d = tm.tm_mday;
    if (tm.tm_mon == 1 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
        d = 28;
    snprintf (out, 11, "%04u-%02u-%02u", (unsigned) (y < 0 ? 0 : y % 10000), (unsigned) (tm.tm_mon + 1) % 13u,
              (unsigned) d % 32u);
}

//  A record a pass marks.
typedef struct {
    char region[SH_REGION_MAX + 1];
    sh_kind_t kind;
    uint8_t id[S_ID_BYTES];
    bool set;                            //  its event set too (a matter's notes)
} s_due_t;

typedef struct {
    sh_store_txn_t *txn;
    char cut[S_KINDS][11];               //  due on or before (empty: no rule)
    s_due_t due[S_BATCH];
    size_t n;
    sh_err rc;
} s_scan_t;

static int
s_add (s_scan_t *s, const char *region, sh_kind_t kind, const uint8_t *id, bool set)
{
    s_due_t *d = &s->due[s->n++];
    snprintf (d->region, sizeof d->region, "%s", region);
    d->kind = kind;
    memcpy (d->id, id, S_ID_BYTES);
    d->set = set;
    return s->n == S_BATCH;              //  a full batch: push it, then look again
}

static int
s_mediation (const char *region, const uint8_t *id, size_t id_len, const uint8_t *body, size_t len, void *arg)
{
    s_scan_t *s = arg;
    const uint8_t *date;
    size_t dl;
    if (id_len != S_ID_BYTES || sh_record_field (body, len, S_MEDIATION_DATE, &date, &dl, NULL) != SH_OK
    ||  dl != 10 || memcmp (date, s->cut[S_MEDIATION], 10) > 0)
        return 0;
    sh_sealed_t st;
    if ((s->rc = sh_sealed_record (s->txn, region, SH_KIND_MEDIATION, id, id_len, &st)))
        return 1;
    return st.n_live ? s_add (s, region, SH_KIND_MEDIATION, id, false) : 0;
}

static int
s_matter (const char *region, const uint8_t *id, size_t id_len, const uint8_t *body, size_t len, void *arg)
{
    (void) body;
    (void) len;
    s_scan_t *s = arg;
    sh_domain_matter_t m;
    if (id_len != S_ID_BYTES)
        return 0;
    if ((s->rc = sh_domain_matter_replay (s->txn, region, id, id_len, &m, NULL, NULL)))
        return 1;
    char closed[11];
    s_cut (m.closed_hlc >> 16, 0, closed);
    if (!m.closed || memcmp (closed, s->cut[S_MATTER], 10) > 0)
        return 0;
    sh_sealed_t st;
    size_t live = 0;
    if ((s->rc = sh_sealed_record (s->txn, region, SH_KIND_MATTER, id, id_len, &st))
    ||  (s->rc = sh_sealed_set_live (s->txn, region, SH_KIND_MATTER_EVENT, id, id_len, &live)))
        return 1;
    return st.n_live || live ? s_add (s, region, SH_KIND_MATTER, id, live > 0) : 0;
}

//  Sign the marks of s's due records as key, continuing its chain at the
//  hub (read in txn), into out[0..*n) (each a malloc'd SignedChange).
static sh_err
s_sign (sh_store_txn_t *txn, const sh_key_t *key, const s_scan_t *s, uint64_t now_ms, sh_wire_bytes_t *out,
        size_t *n)
{
    const uint8_t *pub = sh_key_public (key);
    sh_change_t c = { .op = SH_OP_PUT, .body = s_mark, .body_len = sizeof s_mark, .entity_len = S_ID_BYTES };
    memcpy (c.author, pub, SH_PUBKEY_BYTES);
    sh_err rc = sh_changelog_head (txn, pub, &c.seq, c.prev);
    uint64_t hlc = now_ms << 16;
    if (rc == SH_OK && c.seq) {         //  after the newest of its own changes
        const uint8_t *b;
        size_t bl;
        sh_change_t last;
        if ((rc = sh_changelog_get_seq (txn, pub, c.seq, &b, &bl)) == SH_OK
        &&  (rc = sh_change_read (&last, b, bl, NULL)) == SH_OK) {
            if (last.hlc >= hlc)
                hlc = last.hlc + 1;
            sh_change_fini (&last);
        }
    }
    *n = 0;
    for (size_t i = 0; rc == SH_OK && i < s->n; i++)
        for (int set = 0; rc == SH_OK && set <= s->due[i].set; set++) {
            snprintf (c.region, sizeof c.region, "%s", s->due[i].region);
            c.kind = set ? SH_KIND_MATTER_EVENT : s->due[i].kind;
            c.entity = s->due[i].id;
            c.seq++;
            c.hlc = hlc++;
            uint8_t *bytes;
            size_t len;
            if ((rc = sh_change_encode (&c, &bytes, &len)))
                break;
            sh_change_hash (c.prev, bytes, len);
            uint8_t *sig;
            size_t sl;
            rc = sh_change_sign (&sig, &sl, bytes, len, key);
            free (bytes);
            if (rc == SH_OK)
                out[(*n)++] = (sh_wire_bytes_t) { sig, sl };
        }
    return rc;
}

//  The housekeeper's key (dir/housekeeper.key) and its registry entry.
static sh_err
s_housekeeper (const char *dir, sh_store_t *store, sh_key_t **key, sh_registry_entry_t *e, char *why,
               size_t why_len)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/%s", dir, HUB_RETAIN_KEY_FILE);
    sh_err rc = sh_key_load (key, path);
    if (rc) {
        snprintf (why, why_len, _("cannot load the housekeeper's key %s: %s"), path, sh_strerror (rc));
        return rc;
    }
    sh_store_txn_t *txn;
    if ((rc = sh_store_begin (store, false, &txn)) == SH_OK) {
        rc = sh_registry_get (txn, sh_key_public (*key), e);
        sh_store_abort (&txn);
    }
    if (rc == SH_OK && e->revoked_ms)
        rc = SH_ENOTFOUND;
    if (rc) {
        snprintf (why, why_len, _("the housekeeper's key %s is not enrolled here (or revoked): set a rule "
                                  "with shouhe-hub retention --scope CODE to enrol it"), path);
        sh_key_destroy (key);
    }
    return rc;
}

//  Push the signed marks out[0..n) as the housekeeper (e).
static sh_err
s_push (sh_store_t *store, const sh_hubid_t *hub, const sh_registry_entry_t *e, const sh_wire_bytes_t *out,
        size_t n, uint64_t now_ms, char *why, size_t why_len)
{
    sh_hublog_result_t res;
    sh_err rc = sh_hublog_push_ruled (store, e, out, n, NULL, 0, 1, hub, now_ms, hub_lead_rule, NULL, &res);
    if (rc == SH_OK && res.code) {
        snprintf (why, why_len, _("the hub refused the erasure marks: %s"), res.message);
        rc = SH_ERULE;
    }
    else if (rc)
        snprintf (why, why_len, _("cannot store the erasure marks: %s"), sh_strerror (rc));
    return rc;
}

sh_err
hub_retain_pass (const char *dir, sh_store_t *store, const sh_hubid_t *hub, uint64_t now_ms,
                 hub_retain_done_t *done, char *why, size_t why_len)
{
    memset (done, 0, sizeof *done);
    why[0] = 0;
    s_scan_t *s = calloc (1, sizeof *s);
    sh_wire_bytes_t *out = calloc (2 * S_BATCH, sizeof *out);
    sh_key_t *key = NULL;
    sh_registry_entry_t e;
    s_rules_t r;
    sh_err rc = s && out ? sh_store_begin (store, false, &s->txn) : SH_ENOMEM;
    bool recovering = false;
    if (rc == SH_OK) {
        rc = s_rules (s->txn, &r);
        recovering = sh_recovery_active (s->txn, NULL);
        sh_store_abort (&s->txn);
    }
    if (rc || (!r.years[S_MEDIATION] && !r.years[S_MATTER]))
        goto done;
    if (recovering) {                    //  it takes no new change until its log is whole again
        snprintf (why, why_len, _("not applied while the hub recovers its log (shouhe-hub recover)"));
        rc = SH_ERULE;
        goto done;
    }
    for (int k = 0; k < S_KINDS; k++)
        if (r.years[k])
            s_cut (now_ms, r.years[k], s->cut[k]);
    if ((rc = s_housekeeper (dir, store, &key, &e, why, why_len)))
        goto done;
    //  a batch at a time while batches come full (a value stamped after the
    //  marks, by a clock ahead, is left to the next pass)
    for (int batches = 0; batches < S_BATCHES_MAX; batches++) {
        size_t n = 0;
        s->n = 0;
        s->rc = SH_OK;
        if ((rc = sh_store_begin (store, false, &s->txn)))
            break;
        if (s->cut[S_MEDIATION][0])
            rc = sh_merge_each (s->txn, r.scope, SH_KIND_MEDIATION, s_mediation, s);
        if (rc == SH_OK && !s->rc && s->n < S_BATCH && s->cut[S_MATTER][0])
            rc = sh_merge_each (s->txn, r.scope, SH_KIND_MATTER, s_matter, s);
        if (rc == SH_OK)
            rc = s->rc;
        if (rc == SH_OK && s->n)
            rc = s_sign (s->txn, key, s, now_ms, out, &n);
        sh_store_abort (&s->txn);
        if (rc == SH_OK && n)
            rc = s_push (store, hub, &e, out, n, now_ms, why, why_len);
        for (size_t i = 0; i < n; i++)
            free ((void *) out[i].data);
        if (rc)
            break;
        for (size_t i = 0; i < s->n; i++)
            *(s->due[i].kind == SH_KIND_MEDIATION ? &done->mediations : &done->matters) += 1;
        done->changes += n;
        if (s->n < S_BATCH)
            break;
    }
done:
    if (rc && !why[0])
        snprintf (why, why_len, _("cannot apply the retention rules: %s"), sh_strerror (rc));
    sh_key_destroy (&key);
    free (out);
    free (s);
    return rc;
}

//  ---------------------------------------------------------------------
//  The command

//  Create the housekeeper's key when it is missing and enrol it for scope
//  without quotas; a key enrolled for another scope is refused.
static int
s_enrol (const char *dir, sh_store_txn_t *txn, const char *scope)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/%s", dir, HUB_RETAIN_KEY_FILE);
    sh_key_t *key = NULL;
    sh_err rc = sh_key_load (&key, path);
    if (rc == SH_ENOTFOUND && (key = sh_key_generate ()) && (rc = sh_key_save (key, path)) == SH_OK)
        fprintf (stderr, _("shouhe-hub: created the housekeeper's key %s (0600)\n"), path);
    if (rc || !key) {
        fprintf (stderr, _("shouhe-hub: cannot make the housekeeper's key %s: %s\n"), path,
                 sh_strerror (rc ? rc : SH_ENOMEM));
        sh_key_destroy (&key);
        return SH_EXIT_STORE;
    }
    sh_registry_entry_t e;
    uint64_t now = sh_sys_wall_ms ();
    rc = sh_registry_get (txn, sh_key_public (key), &e);
    int ex = SH_EXIT_OK;
    if (rc == SH_OK && strcmp (e.scope, scope) != 0) {
        fprintf (stderr, _("shouhe-hub: the housekeeper is enrolled for %s, not %s; the retention scope "
                           "cannot change\n"), e.scope, scope);
        ex = SH_EXIT_REFUSED;
    }
    else if (rc == SH_ENOTFOUND) {
        sh_quota_limits_t none = { 0, 0 };
        rc = sh_registry_enroll (txn, sh_key_public (key), scope, SH_WIRE_ROLE_NODE, HUB_RETAIN_NAME, now);
        if (rc == SH_OK)
            rc = sh_quota_set_limits (txn, sh_key_public (key), &none, now);
    }
    if (rc && !ex) {
        fprintf (stderr, _("shouhe-hub: cannot enrol the housekeeper: %s\n"), sh_strerror (rc));
        ex = SH_EXIT_STORE;
    }
    sh_key_destroy (&key);
    return ex;
}

//  Set a->kind's rule to a->years in txn.
static int
s_set_rule (const hub_retention_args_t *a, sh_store_txn_t *txn)
{
    int k = 0;
    while (k < S_KINDS && strcmp (a->kind, s_kind[k]) != 0)
        k++;
    char *end;
    unsigned long long y = a->years ? strtoull (a->years, &end, 10) : 0;
    if (k == S_KINDS || !a->years || !*a->years || *end || a->years[0] == '-' || y > HUB_RETAIN_YEARS_MAX) {
        fprintf (stderr, k == S_KINDS ? _("shouhe-hub: --kind takes mediation or matter, not '%s'\n")
                                      : _("shouhe-hub: --years takes a whole number of years from 0 (no rule) "
                                          "to 100, not '%s'\n"),
                 k == S_KINDS ? a->kind : a->years ? a->years : "");
        return SH_EXIT_USAGE;
    }
    char scope[SH_REGION_MAX + 1] = "";
    sh_err rc = sh_store_meta_get_str (txn, "retention.scope", scope, sizeof scope);
    if (rc && rc != SH_ENOTFOUND)
        return SH_EXIT_STORE;
    if (!scope[0] && !a->scope) {
        fprintf (stderr, _("shouhe-hub: the first retention rule needs --scope CODE, the district (or town) "
                           "whose records the rules cover\n"));
        return SH_EXIT_USAGE;
    }
    const char *sc = a->scope ? a->scope : scope;
    size_t sl = strlen (sc);
    if ((sl != 6 && sl != 9 && sl != 12) || strspn (sc, "0123456789") != sl) {
        fprintf (stderr, _("shouhe-hub: --scope must be a region code of 6, 9 or 12 digits, not '%s'\n"), sc);
        return SH_EXIT_USAGE;
    }
    int ex = s_enrol (a->dir, txn, sc);
    if (ex)
        return ex;
    if ((rc = sh_store_meta_put_str (txn, "retention.scope", sc)) == SH_OK)
        rc = sh_store_meta_put_u64 (txn, s_meta[k], y);
    return rc ? SH_EXIT_STORE : SH_EXIT_OK;
}

static void
s_print (const s_rules_t *r, bool json)
{
    if (json) {
        json_t *j = json_pack ("{s:s?, s:o, s:o}", "scope", r->scope[0] ? r->scope : NULL,
                               "mediation_years", r->years[S_MEDIATION] ? json_integer ((json_int_t) r->years[S_MEDIATION])
                                                                        : json_null (),
                               "matter_years", r->years[S_MATTER] ? json_integer ((json_int_t) r->years[S_MATTER])
                                                                  : json_null ());
        json_dumpf (j, stdout, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
        fputc ('\n', stdout);
        json_decref (j);
        return;
    }
    if (!r->years[S_MEDIATION] && !r->years[S_MATTER]) {
        printf (_("no retention rule: personal data is kept until it is erased by hand\n"));
        return;
    }
    printf (_("retention rules for %s, applied by the hub's housekeeping (key %s):\n"), r->scope,
            HUB_RETAIN_KEY_FILE);
    if (r->years[S_MEDIATION])
        printf (_("  mediation summaries: erased %llu year(s) after the mediation\n"),
                (unsigned long long) r->years[S_MEDIATION]);
    if (r->years[S_MATTER])
        printf (_("  matter descriptions and notes: erased %llu year(s) after the matter closed\n"),
                (unsigned long long) r->years[S_MATTER]);
}

//  A pass now, with serve.lock held (as recover and compact).
static int
s_apply (const hub_retention_args_t *a, sh_store_t *store, const sh_key_t *key)
{
    char lp[4096], why[512];
    snprintf (lp, sizeof lp, "%s/%s", a->dir, HUB_LOCK_FILE);
    int lock = -1;
    long holder = 0;
    sh_err rc = sh_sys_lock (lp, &lock, &holder);
    if (rc) {
        if (rc == SH_EEXIST)
            fprintf (stderr, _("shouhe-hub: %s is being served (process %ld): serve applies the rules itself, at "
                               "start and every hour\n"), a->dir, holder);
        else
            fprintf (stderr, _("shouhe-hub: cannot lock %s: %s\n"), lp, sh_strerror (rc));
        return rc == SH_EEXIST ? SH_EXIT_REFUSED : SH_EXIT_STORE;
    }
    sh_hubid_t hub;
    sh_hubid_init_key (&hub, key);
    hub_retain_done_t done;
    rc = hub_retain_pass (a->dir, store, &hub, sh_sys_wall_ms (), &done, why, sizeof why);
    sh_sys_unlock (lock);
    if (rc) {
        fprintf (stderr, "shouhe-hub: %s\n", why);
        return rc == SH_ESTOREFULL ? SH_EXIT_FULL : SH_EXIT_STORE;
    }
    printf (_("erased the summaries of %zu mediation(s) and the notes of %zu matter(s): %zu signed erasure "
              "mark(s)\n"), done.mediations, done.matters, done.changes);
    return SH_EXIT_OK;
}

int
hub_retention (const hub_retention_args_t *a, sh_store_t *store, const sh_key_t *key)
{
    if (!a->kind != !a->years || (a->scope && !a->kind)) {
        fprintf (stderr, _("shouhe-hub: retention takes --kind and --years together (and --scope with them)\n"));
        return SH_EXIT_USAGE;
    }
    sh_store_txn_t *txn;
    int ex = SH_EXIT_OK;
    sh_err rc;
    if (a->kind) {
        if ((rc = sh_store_begin (store, true, &txn)))
            return SH_EXIT_STORE;
        ex = s_set_rule (a, txn);
        if (ex == SH_EXIT_OK && (rc = sh_store_commit (&txn)))
            ex = SH_EXIT_STORE;
        sh_store_abort (&txn);
        if (ex)
            return ex;
    }
    if (a->apply && (ex = s_apply (a, store, key)))
        return ex;
    s_rules_t r;
    if ((rc = sh_store_begin (store, false, &txn)) == SH_OK) {
        rc = s_rules (txn, &r);
        sh_store_abort (&txn);
    }
    if (rc)
        return SH_EXIT_STORE;
    s_print (&r, a->json);
    return SH_EXIT_OK;
}
