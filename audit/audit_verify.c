/*  audit_verify -- every check of `shouhe-audit verify` (see audit.h and
    docs/protocol.md, "Exports and the auditor").

    Order: the header (hub key, origin), the registry and its note, the
    changes in log order (open, registry, role, scope, enrolment period,
    chain), the evidence, the checkpoints against the recomputed tree, the
    epoch notes, the openings (audit_openings.c). Every check runs whatever the others found; each finding is one fault.
*/
#include "audit.h"
#include "sh_epoch.h"

#include <assert.h>
#include <inttypes.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sh_change.h"
#include "sh_hlc.h"
#include "sh_i18n.h"
#include "sh_merkle.h"
#include "sh_note.h"
#include "sh_opener.h"
#include "sh_record.h"

//  An author's chain as far as the log has shown it.
typedef struct {
    bool used;                            //  slot taken
    uint8_t key[SH_PUBKEY_BYTES];         //  the author
    uint64_t seq;                         //  highest seq seen (0: none yet)
    uint8_t hash[SH_HASH_BYTES];          //  its hash
    bool hash_known;                      //  false after a change that did not open
    uint64_t index;                       //  its log index
    size_t unknown_fault;                 //  1 + its "unknown-author" fault in the report, 0 if none
    uint64_t unknown_more;                //  later changes by this unknown author (not reported again)
    uint64_t unknown_last;                //  the log index of the last of them
} s_author_t;

typedef struct {
    s_author_t *slots;                    //  open addressing, linear probing
    size_t cap;                           //  a power of two
    size_t used;                          //  slots taken
} s_authors_t;

//  One checkpoint of the export, as opened and checked.
typedef struct {
    uint64_t number;                      //  1-based position in the export
    sh_err open_rc;                       //  sh_hubid_open_checkpoint's result
    bool opened;                          //  signed by the hub key, well-formed: size and root valid
    uint64_t size;                        //  tree size it signs
    uint8_t root[SH_HASH_BYTES];          //  the root it signs
    uint8_t computed[SH_HASH_BYTES];      //  the root of the export's first size changes
} s_cp_t;

/* ==========================================================================
 * Faults
 * ========================================================================== */

static const char *s_names[AUDIT_F_COUNT] = {
    [AUDIT_F_EXPORT] = "export",
    [AUDIT_F_HUB_KEY] = "hub-key",
    [AUDIT_F_ORIGIN] = "origin",
    [AUDIT_F_REGISTRY] = "registry",
    [AUDIT_F_MALFORMED] = "malformed",
    [AUDIT_F_SIGNATURE] = "signature",
    [AUDIT_F_CHAIN] = "chain",
    [AUDIT_F_UNKNOWN_AUTHOR] = "unknown-author",
    [AUDIT_F_ROLE] = "role",
    [AUDIT_F_SCOPE] = "scope",
    [AUDIT_F_BODY] = "body",
    [AUDIT_F_BEFORE_ENROLMENT] = "before-enrolment",
    [AUDIT_F_REVOKED] = "revoked",
    [AUDIT_F_EVIDENCE] = "evidence",
    [AUDIT_F_CHECKPOINT_SIGNATURE] = "checkpoint-signature",
    [AUDIT_F_CHECKPOINT_ORDER] = "checkpoint-order",
    [AUDIT_F_CHECKPOINT_ROOT] = "checkpoint-root",
    [AUDIT_F_EPOCH] = "epoch",
    [AUDIT_F_QUORUM] = "quorum",
    [AUDIT_F_OPENING] = "opening",
};

const char *
audit_fault_name (audit_fault_kind_t kind)
{
    return kind < AUDIT_F_COUNT ? s_names[kind] : "unknown";
}

void
audit_english (bool on)
{
    static char saved[128] = "";        //  the user's LC_MESSAGES while English is on
    if (on) {
        const char *cur = setlocale (LC_MESSAGES, NULL);
        snprintf (saved, sizeof saved, "%s", cur ? cur : "C");
        setlocale (LC_MESSAGES, "C");
    }
    else
    if (saved[0]) {
        setlocale (LC_MESSAGES, saved);
        saved[0] = 0;
    }
}

//  "1a2b3c4d5e6f7081…": the first 8 bytes in hex and U+2026, as docs/protocol.md 10.
static void
s_short (char out[SH_HEX_BYTES (8) + 3], const uint8_t *key)
{
    sh_crypto_hex (out, key, 8);
    strcat (out, "\xE2\x80\xA6");
}

//  A fault about the change at log index (author and seq when known).
static sh_err __attribute__ ((format (printf, 6, 7)))
s_change_fault (audit_report_t *rep, audit_fault_kind_t kind, uint64_t index,
                const uint8_t *author, uint64_t seq, const char *fmt, ...)
{
    audit_fault_t *f = audit_report_new (rep, kind);
    if (!f)
        return SH_ENOMEM;
    f->index = index;
    f->seq = seq;
    if (author) {
        char a[SH_HEX_BYTES (8) + 3];
        s_short (a, author);
        f->has_author = true;
        memcpy (f->author, author, SH_PUBKEY_BYTES);
        snprintf (f->where, sizeof f->where, _("log index %" PRIu64 " (author %s, seq %" PRIu64 ")"),
                  index, a, seq);
    }
    else
        snprintf (f->where, sizeof f->where, _("log index %" PRIu64), index);
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (f->message, sizeof f->message, fmt, ap);
    va_end (ap);
    return SH_OK;
}

//  Format the message of fault f (made by s_new_fault).
static void __attribute__ ((format (printf, 2, 3)))
s_message (audit_fault_t *f, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (f->message, sizeof f->message, fmt, ap);
    va_end (ap);
}

/* ==========================================================================
 * Authors
 * ========================================================================== */

static size_t
s_slot_of (const s_authors_t *t, const uint8_t key[SH_PUBKEY_BYTES])
{
    uint64_t h;
    memcpy (&h, key, sizeof h);   //  keys are uniformly random
    size_t i = (size_t) h & (t->cap - 1);
    while (t->slots[i].used && memcmp (t->slots[i].key, key, SH_PUBKEY_BYTES) != 0)
        i = (i + 1) & (t->cap - 1);
    return i;
}

//  The state of key, created if new; NULL when out of memory.
static s_author_t *
s_author (s_authors_t *t, const uint8_t key[SH_PUBKEY_BYTES])
{
    if (2 * (t->used + 1) > t->cap) {
        s_authors_t bigger = { calloc (t->cap ? 2 * t->cap : 64, sizeof (s_author_t)),
                               t->cap ? 2 * t->cap : 64, t->used };
        if (!bigger.slots)
            return NULL;
        for (size_t i = 0; i < t->cap; i++)
            if (t->slots[i].used)
                bigger.slots[s_slot_of (&bigger, t->slots[i].key)] = t->slots[i];
        free (t->slots);
        *t = bigger;
    }
    s_author_t *a = &t->slots[s_slot_of (t, key)];
    if (!a->used) {
        a->used = true;
        memcpy (a->key, key, SH_PUBKEY_BYTES);
        t->used++;
    }
    return a;
}

/* ==========================================================================
 * Registry
 * ========================================================================== */

//  The registry sorted by key (whatever order the file has: check 4 reports
//  that), for lookups.
typedef struct {
    const sh_registry_entry_t **by_key;   //  entries of the export, sorted (owned array)
    size_t n;                             //  how many
} s_registry_t;

static int
s_entry_cmp (const void *x, const void *y)
{
    const sh_registry_entry_t *a = *(const sh_registry_entry_t * const *) x;
    const sh_registry_entry_t *b = *(const sh_registry_entry_t * const *) y;
    return memcmp (a->key, b->key, SH_PUBKEY_BYTES);
}

static sh_err
s_registry_init (s_registry_t *r, const sh_export_t *ex)
{
    r->n = sh_export_registry_count (ex);
    r->by_key = calloc (r->n + 1, sizeof *r->by_key);
    if (!r->by_key)
        return SH_ENOMEM;
    for (size_t i = 0; i < r->n; i++)
        r->by_key[i] = &sh_export_registry (ex, i)->entry;
    qsort (r->by_key, r->n, sizeof *r->by_key, s_entry_cmp);
    return SH_OK;
}

static const sh_registry_entry_t *
s_lookup (const s_registry_t *r, const uint8_t key[SH_PUBKEY_BYTES])
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const sh_registry_entry_t *e = r->by_key[mid];
        int c = memcmp (e->key, key, SH_PUBKEY_BYTES);
        if (c == 0)
            return e;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

//  Line n (0-based) of text, copied into out ("" if missing).
static void
s_line (char *out, size_t cap, const char *text, size_t len, int n)
{
    const char *p = text, *end = text + len;
    for (; n > 0 && p < end; n--) {
        const char *nl = memchr (p, '\n', (size_t) (end - p));
        p = nl ? nl + 1 : end;
    }
    const char *nl = p < end ? memchr (p, '\n', (size_t) (end - p)) : NULL;
    size_t l = nl ? (size_t) (nl - p) : (size_t) (end - p);
    snprintf (out, cap, "%.*s", (int) (l < cap ? l : cap - 1), p);
}

//  Key order (the note hashes the entries in key order; keys are unique),
//  then the registry note: signed by the hub key and vouching for exactly
//  these entries.
static sh_err
s_check_registry (const sh_export_t *ex, const sh_hubid_t *hub, audit_report_t *rep)
{
    size_t n = sh_export_registry_count (ex);
    sh_crypto_sha256_t h;
    sh_export_registry_digest_init (&h);
    for (size_t i = 0; i < n; i++) {
        const sh_export_enrollment_t *e = sh_export_registry (ex, i);
        sh_export_registry_digest_add (&h, e->raw.data, e->raw.len);
        if (i > 0 && memcmp (sh_export_registry (ex, i - 1)->entry.key, e->entry.key, SH_PUBKEY_BYTES) >= 0) {
            audit_fault_t *f = audit_report_new (rep, AUDIT_F_REGISTRY);
            if (!f)
                return SH_ENOMEM;
            char a[SH_HEX_BYTES (8) + 3];
            s_short (a, e->entry.key);
            f->has_author = true;
            memcpy (f->author, e->entry.key, SH_PUBKEY_BYTES);
            snprintf (f->where, sizeof f->where, _("registry entry %zu (key %s)"), i + 1, a);
            s_message (f, _("the registry is not in strictly increasing key order here "
                     "(a duplicate or misplaced key)"));
        }
    }
    uint8_t digest[SH_HASH_BYTES];
    sh_crypto_sha256_final (&h, digest);
    char *want = NULL;
    size_t want_len;
    sh_err rc = sh_export_registry_text (&want, &want_len, hub->origin, n, digest);
    if (rc)
        return rc;

    sh_export_bytes_t nb = sh_export_registry_note (ex);
    sh_note_t *note = NULL;
    const char *problem = NULL;
    char detail[AUDIT_MESSAGE_BYTES] = "";
    sh_err pr = sh_note_parse (&note, (const char *) nb.data, nb.len);
    if (pr == SH_ENOMEM) {
        free (want);
        return pr;
    }
    if (pr)
        problem = _("the registry note is not a well-formed signed note");
    else {
        sh_err vr = sh_note_verify (note, &hub->vkey);
        if (vr == SH_ENOTFOUND)
            problem = _("the registry note is not signed by the hub key");
        else
        if (vr)
            problem = _("the registry note's signature by the hub key does not verify");
        else {
            size_t tl;
            const char *text = sh_note_text (note, &tl);
            if (tl != want_len || memcmp (text, want, tl) != 0) {
                char count[24], hash[48], wcount[24], whash[48];
                s_line (count, sizeof count, text, tl, 2);
                s_line (hash, sizeof hash, text, tl, 3);
                s_line (wcount, sizeof wcount, want, want_len, 2);
                s_line (whash, sizeof whash, want, want_len, 3);
                snprintf (detail, sizeof detail, _("the hub vouched for a registry of %s entries with hash %s, "
                          "but the export's registry has %s entries with hash %s (an entry was added, "
                          "dropped or changed)"), count, hash, wcount, whash);
                problem = detail;
            }
        }
    }
    if (problem) {
        audit_fault_t *f = audit_report_new (rep, AUDIT_F_REGISTRY);
        if (!f)
            rc = SH_ENOMEM;
        else {
            snprintf (f->where, sizeof f->where, _("registry note"));
            s_message (f, "%s", problem);
        }
    }
    sh_note_destroy (&note);
    free (want);
    return rc;
}

/* ==========================================================================
 * Changes
 * ========================================================================== */

//  The author and seq a change that did not open claims (for naming it
//  only: nothing about them is trusted). false if even that is unreadable.
static bool
s_claimed (const sh_export_bytes_t *b, uint8_t author[SH_PUBKEY_BYTES], uint64_t *seq)
{
    sh_change_t c;
    bool ok = sh_change_read (&c, b->data, b->len, NULL) == SH_OK;
    if (ok) {
        memcpy (author, c.author, SH_PUBKEY_BYTES);
        *seq = c.seq;
        sh_change_fini (&c);
    }
    return ok;
}

//  "2026-11-25T19:57:32.081Z" for unix ms.
static void
s_time (char out[32], uint64_t ms)
{
    time_t t = (time_t) (ms / 1000);
    struct tm tm;
    char s[24] = "?";
    if (gmtime_r (&t, &tm))
        strftime (s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf (out, 32, "%s.%03uZ", s, (unsigned) (ms % 1000));
}

//  The author's registry entry allows this change? An unknown author is
//  reported once, at its first change; later ones are counted (a).
static sh_err
s_check_enrolment (const s_registry_t *reg, s_author_t *a, const sh_change_t *c, uint64_t index,
                   audit_report_t *rep)
{
    const sh_registry_entry_t *e = s_lookup (reg, c->author);
    if (!e && a->unknown_fault) {
        a->unknown_more++;
        a->unknown_last = index;
        return SH_OK;
    }
    if (!e) {
        a->unknown_fault = rep->n_faults + 1;
        return s_change_fault (rep, AUDIT_F_UNKNOWN_AUTHOR, index, c->author, c->seq,
                               _("the author is not in the registry"));
    }
    sh_err rc = SH_OK;
    if (e->role != SH_WIRE_ROLE_NODE)
        rc = s_change_fault (rep, AUDIT_F_ROLE, index, c->author, c->seq,
                             _("the author is enrolled as an auditor, which may not write changes"));
    if (rc == SH_OK && strncmp (c->region, e->scope, strlen (e->scope)) != 0)
        rc = s_change_fault (rep, AUDIT_F_SCOPE, index, c->author, c->seq,
                             _("region %s is outside the author's scope %s"), c->region, e->scope);
    //  Changes written before enrolment are fine: a node works offline from
    //  `init` on, and enrolling its key vouches for what it wrote. A
    //  revocation recorded with the log size then is exact: no change of
    //  the key may stand after that index, whatever its clock says. Older
    //  records (no log size) fall back to the change's clock.
    uint64_t ms = sh_hlc_ms (c->hlc);
    char at[32], when[32];
    s_time (at, ms);
    if (rc == SH_OK && e->revoked_ms && e->has_revoked_log_size && index > e->revoked_log_size) {
        s_time (when, e->revoked_ms);
        rc = s_change_fault (rep, AUDIT_F_REVOKED, index, c->author, c->seq,
                             _("it stands at log index %" PRIu64 ", after the author's revocation at %s, "
                             "when the log held %" PRIu64 " changes"), index, when, e->revoked_log_size);
    }
    if (rc == SH_OK && e->revoked_ms && !e->has_revoked_log_size && ms >= e->revoked_ms) {
        s_time (when, e->revoked_ms);
        rc = s_change_fault (rep, AUDIT_F_REVOKED, index, c->author, c->seq,
                             _("its clock says %s (%" PRIu64 " ms), at or after the author's revocation at %s "
                             "(%" PRIu64 " ms)"), at, ms, when, e->revoked_ms);
    }
    return rc;
}

//  The chain rule (docs/protocol.md 4.8) over the log in index order.
static sh_err
s_check_chain (s_author_t *a, const sh_change_t *c, const uint8_t hash[SH_HASH_BYTES], uint64_t index,
               audit_report_t *rep)
{
    sh_err rc = SH_OK;
    if (c->seq <= a->seq)
        return s_change_fault (rep, AUDIT_F_CHAIN, index, c->author, c->seq,
                               _("out of order: the author's seq %" PRIu64 " came earlier (log index %" PRIu64 ")"),
                               a->seq, a->index);
    if (c->seq > a->seq + 1) {
        if (a->seq == 0)
            rc = s_change_fault (rep, AUDIT_F_CHAIN, index, c->author, c->seq,
                                 _("chain gap: the author's first change in the log has seq %" PRIu64 ", not 1"),
                                 c->seq);
        else
            rc = s_change_fault (rep, AUDIT_F_CHAIN, index, c->author, c->seq,
                                 _("chain gap: the author's previous change in the log is seq %" PRIu64
                                 " (log index %" PRIu64 ")"), a->seq, a->index);
    }
    else
    if (a->seq > 0 && a->hash_known && memcmp (c->prev, a->hash, SH_HASH_BYTES) != 0)
        rc = s_change_fault (rep, AUDIT_F_CHAIN, index, c->author, c->seq,
                             _("prev does not match the hash of the author's seq %" PRIu64 " (log index %" PRIu64
                             "): the chain forks there"), a->seq, a->index);
    a->seq = c->seq;
    memcpy (a->hash, hash, SH_HASH_BYTES);
    a->hash_known = true;
    a->index = index;
    return rc;
}

//  Judge the change at log index (b: its bytes, o: it opened) in order:
//  its signature and form, body, enrolment and chain.
static sh_err
s_check_one (s_authors_t *authors, s_registry_t *reg, audit_report_t *rep, uint64_t index,
             const sh_export_bytes_t *b, sh_opened_t *o)
{
    sh_err rc = SH_OK;
    sh_change_t *c = &o->change;
    if (o->rc == SH_ENOMEM)
        return o->rc;
    if (o->rc) {
        uint8_t author[SH_PUBKEY_BYTES];
        uint64_t seq = 0;
        bool named = s_claimed (b, author, &seq);
        audit_fault_kind_t kind = o->rc == SH_ECRYPTO ? AUDIT_F_SIGNATURE : AUDIT_F_MALFORMED;
        rc = s_change_fault (rep, kind, index, named ? author : NULL, seq, "%s%s",
                             o->rc == SH_ECRYPTO ? _("signature does not verify")
                                                 : (o->why ? o->why : sh_strerror (o->rc)),
                             named ? _(" (author and seq as the change claims them)") : "");
        //  its successor in the chain cannot be checked against it: take
        //  the claimed seq as the head, without a hash
        s_author_t *a = named && rc == SH_OK ? s_author (authors, author) : NULL;
        if (named && rc == SH_OK && !a)
            rc = SH_ENOMEM;
        if (a && seq > a->seq) {
            a->seq = seq;
            a->hash_known = false;
            a->index = index;
        }
        return rc;
    }
    //  the hub refuses a body that is not a record of its kind (ERR_BODY)
    const char *bwhy = NULL;
    if ((c->op == SH_OP_PUT || c->op == SH_OP_EVENT)
    &&  sh_record_check (c->kind, c->body, c->body_len, &bwhy) != SH_OK)
        rc = s_change_fault (rep, AUDIT_F_BODY, index, c->author, c->seq,
                             _("the body is not a valid %s record: %s"), sh_change_kind_name (c->kind),
                             bwhy ? bwhy : _("malformed"));
    s_author_t *a = rc == SH_OK ? s_author (authors, c->author) : NULL;
    if (rc == SH_OK)
        rc = a ? s_check_enrolment (reg, a, c, index, rep) : SH_ENOMEM;
    if (rc == SH_OK)
        rc = s_check_chain (a, c, o->hash, index, rep);
    return rc;
}

#define S_CHUNK 4096            //  changes opened together, on every core (sh_opener)

//  The export's changes [from, from + m) into in; returns in.
static sh_wire_bytes_t *
s_batch (const sh_export_t *ex, size_t from, size_t m, sh_wire_bytes_t *in)
{
    for (size_t k = 0; k < m; k++) {
        sh_export_bytes_t b = sh_export_change (ex, from + k);
        in[k] = (sh_wire_bytes_t) { b.data, b.len };
    }
    return in;
}

static sh_err
s_check_changes (const sh_export_t *ex, audit_report_t *rep)
{
    s_authors_t authors = { NULL, 0, 0 };
    s_registry_t reg;
    sh_err rc = s_registry_init (&reg, ex);
    size_t n = sh_export_change_count (ex);
    //  two batches: the next is opened on every core while this one is judged
    sh_wire_bytes_t *in[2] = { malloc (S_CHUNK * sizeof **in), malloc (S_CHUNK * sizeof **in) };
    sh_opened_t *op[2] = { calloc (S_CHUNK, sizeof **op), calloc (S_CHUNK, sizeof **op) };
    if (rc == SH_OK && (!in[0] || !in[1] || !op[0] || !op[1]))
        rc = SH_ENOMEM;
    int threads = sh_opener_threads ();
    sh_opener_job_t job[2] = { { .n = 0 }, { .n = 0 } };
    size_t first = n < S_CHUNK ? n : S_CHUNK;
    if (rc == SH_OK && n)
        sh_opener_start (&job[0], s_batch (ex, 0, first, in[0]), op[0], first, threads);
    for (size_t base = 0, x = 0; base < n; base += S_CHUNK, x ^= 1) {
        size_t m = job[x].n;
        sh_opener_wait (&job[x]);
        if (rc == SH_OK && base + S_CHUNK < n) {
            size_t next = n - base - S_CHUNK < S_CHUNK ? n - base - S_CHUNK : S_CHUNK;
            sh_opener_start (&job[x ^ 1], s_batch (ex, base + S_CHUNK, next, in[x ^ 1]), op[x ^ 1], next, threads);
        }
        for (size_t k = 0; k < m; k++) {
            sh_export_bytes_t b = sh_export_change (ex, base + k);
            if (rc == SH_OK)
                rc = s_check_one (&authors, &reg, rep, base + k + 1, &b, &op[x][k]);
            if (op[x][k].rc == SH_OK)
                sh_change_fini (&op[x][k].change);
        }
        if (rc && base + S_CHUNK < n) {         //  the batch in flight: waited for and freed
            sh_opener_wait (&job[x ^ 1]);
            for (size_t k = 0; k < job[x ^ 1].n; k++)
                if (op[x ^ 1][k].rc == SH_OK)
                    sh_change_fini (&op[x ^ 1][k].change);
        }
        if (rc)
            break;
    }
    for (int x = 0; x < 2; x++) {
        free (in[x]);
        free (op[x]);
    }
    //  name the extent of each unknown author's changes in its one fault
    for (size_t i = 0; rc == SH_OK && i < authors.cap; i++) {
        const s_author_t *a = &authors.slots[i];
        if (a->used && a->unknown_fault && a->unknown_more) {
            audit_fault_t *f = &rep->faults[a->unknown_fault - 1];
            size_t l = strlen (f->message);
            snprintf (f->message + l, sizeof f->message - l, _(" (nor are its %" PRIu64 " later changes, "
                      "up to log index %" PRIu64 ")"), a->unknown_more, a->unknown_last);
        }
    }
    rep->authors = authors.used;
    free (authors.slots);
    free (reg.by_key);
    return rc;
}

/* ==========================================================================
 * Evidence
 * ========================================================================== */

static sh_err
s_check_evidence (const sh_export_t *ex, audit_report_t *rep)
{
    size_t n = sh_export_evidence_count (ex);
    for (size_t i = 0; i < n; i++) {
        const sh_export_evidence_t *ev = sh_export_evidence (ex, i);
        char problem[AUDIT_MESSAGE_BYTES] = "";
        uint8_t (*hashes)[SH_HASH_BYTES] = calloc (ev->n_sides + 1, SH_HASH_BYTES);
        if (!hashes)
            return SH_ENOMEM;
        if (ev->n_sides < 2)
            snprintf (problem, sizeof problem, _("it holds %zu side(s); an equivocation needs two different changes"),
                      ev->n_sides);
        for (size_t k = 0; k < ev->n_sides && !problem[0]; k++) {
            sh_change_t c;
            const char *why = NULL;
            sh_err orc = sh_change_open (&c, hashes[k], ev->sides[k].data, ev->sides[k].len, &why);
            if (orc == SH_ENOMEM) {
                free (hashes);
                return orc;
            }
            if (orc)
                snprintf (problem, sizeof problem, _("side %zu does not open: %s"), k + 1,
                          orc == SH_ECRYPTO ? _("signature does not verify") : (why ? why : sh_strerror (orc)));
            else {
                if (memcmp (c.author, ev->author, SH_PUBKEY_BYTES) != 0)
                    snprintf (problem, sizeof problem, _("side %zu is signed by another author"), k + 1);
                else
                if (c.seq != ev->seq)
                    snprintf (problem, sizeof problem, _("side %zu is at seq %" PRIu64 ", not %" PRIu64),
                              k + 1, c.seq, ev->seq);
                sh_change_fini (&c);
            }
            for (size_t l = 0; l < k && !problem[0]; l++)
                if (memcmp (hashes[l], hashes[k], SH_HASH_BYTES) == 0)
                    snprintf (problem, sizeof problem, _("sides %zu and %zu are the same change"), l + 1, k + 1);
        }
        free (hashes);
        if (problem[0]) {
            audit_fault_t *f = audit_report_new (rep, AUDIT_F_EVIDENCE);
            if (!f)
                return SH_ENOMEM;
            char a[SH_HEX_BYTES (8) + 3];
            s_short (a, ev->author);
            f->has_author = true;
            memcpy (f->author, ev->author, SH_PUBKEY_BYTES);
            f->seq = ev->seq;
            f->evidence = i + 1;
            snprintf (f->where, sizeof f->where, "evidence %zu (author %s, seq %" PRIu64 ")", i + 1, a, ev->seq);
            s_message (f, "%s", problem);
        }
        else
            rep->evidence_ok++;
    }
    return SH_OK;
}

/* ==========================================================================
 * Checkpoints
 * ========================================================================== */

static int
s_cp_cmp (const void *x, const void *y)
{
    const s_cp_t *a = *(const s_cp_t * const *) x, *b = *(const s_cp_t * const *) y;
    if (a->size != b->size)
        return a->size < b->size ? -1 : 1;
    return a->number < b->number ? -1 : a->number > b->number;
}

static audit_fault_t *
s_cp_fault (audit_report_t *rep, audit_fault_kind_t kind, const s_cp_t *cp)
{
    audit_fault_t *f = audit_report_new (rep, kind);
    if (!f)
        return NULL;
    f->checkpoint = cp->number;
    f->index = cp->opened ? cp->size : 0;
    if (cp->opened)
        snprintf (f->where, sizeof f->where, _("checkpoint %" PRIu64 " (size %" PRIu64 ")"), cp->number, cp->size);
    else
        snprintf (f->where, sizeof f->where, _("checkpoint %" PRIu64), cp->number);
    return f;
}

//  Open every checkpoint with the hub's key, take the root of the
//  recomputed tree at each size in one sweep over the leaves, then report
//  in checkpoint order.
//  Witnesses: count the named witnesses' valid cosignatures on the verified
//  checkpoint j of the given size; the largest with the quorum is the one
//  witnessed; the latest's per-witness result is kept for the report.
static sh_err
s_cosigned (const sh_export_t *ex, size_t j, uint64_t size, const audit_quorum_t *quorum, audit_report_t *rep)
{
    sh_export_bytes_t b = sh_export_checkpoint (ex, j);
    sh_note_t *note;
    sh_err rc = sh_note_parse (&note, (const char *) b.data, b.len);
    if (rc)
        return rc == SH_ENOMEM ? rc : SH_OK;        //  opened before: cannot be malformed
    bool ok[AUDIT_WITNESSES_MAX];
    size_t count = sh_cosig_count (note, quorum->w, quorum->n, ok);
    sh_note_destroy (&note);
    if (size >= rep->covered)
        memcpy (rep->latest_cosigned, ok, quorum->n * sizeof ok[0]);
    if (count >= quorum->quorum && size > rep->witnessed)
        rep->witnessed = size;
    return SH_OK;
}

//  No verified checkpoint with the quorum: one fault naming, for the
//  latest, the witnesses whose cosignature it lacks.
static sh_err
s_quorum_fault (const audit_quorum_t *quorum, audit_report_t *rep)
{
    char missing[AUDIT_MESSAGE_BYTES / 2] = "";
    size_t used = 0, have = 0;
    for (size_t i = 0; i < quorum->n; i++) {
        if (rep->latest_cosigned[i]) {
            have++;
            continue;
        }
        int n = snprintf (missing + used, sizeof missing - used, "%s%s", used ? ", " : "", quorum->w[i].name);
        if (n < 0 || (size_t) n >= sizeof missing - used)
            break;
        used += (size_t) n;
    }
    char msg[AUDIT_MESSAGE_BYTES];
    if (rep->checkpoints_ok)
        snprintf (msg, sizeof msg, _("no verified checkpoint carries %zu cosignatures of the named witnesses; the "
                  "latest (size %llu) has %zu, missing: %s"), quorum->quorum, (unsigned long long) rep->covered,
                  have, missing);
    else
        snprintf (msg, sizeof msg, _("no verified checkpoint, so none carries %zu cosignatures of the named "
                  "witnesses"), quorum->quorum);
    return audit_report_add (rep, AUDIT_F_QUORUM, _("witnesses"), msg);
}

static sh_err
s_check_checkpoints (const sh_export_t *ex, const sh_hubid_t *hub, const uint8_t (*leaves)[SH_HASH_BYTES],
                     const audit_quorum_t *quorum, audit_report_t *rep)
{
    size_t n = sh_export_checkpoint_count (ex);
    size_t nchanges = sh_export_change_count (ex);
    s_cp_t *cps = calloc (n + 1, sizeof *cps);
    s_cp_t **by_size = calloc (n + 1, sizeof *by_size);
    if (!cps || !by_size) {
        free (cps);
        free (by_size);
        return SH_ENOMEM;
    }
    size_t sweep = 0;
    for (size_t j = 0; j < n; j++) {
        s_cp_t *cp = &cps[j];
        sh_export_bytes_t b = sh_export_checkpoint (ex, j);
        sh_note_checkpoint_t c;
        cp->number = j + 1;
        cp->open_rc = sh_hubid_open_checkpoint (hub, &c, (const char *) b.data, b.len);
        if (cp->open_rc)
            continue;
        cp->opened = true;
        cp->size = c.size;
        memcpy (cp->root, c.root, SH_HASH_BYTES);
        if (cp->size <= nchanges)
            by_size[sweep++] = cp;
    }
    qsort (by_size, sweep, sizeof *by_size, s_cp_cmp);
    audit_tree_t tree;
    audit_tree_init (&tree);
    for (size_t j = 0; j < sweep; j++) {
        while (tree.size < by_size[j]->size)
            audit_tree_add (&tree, leaves[tree.size]);
        audit_tree_root (&tree, by_size[j]->computed);
    }
    sh_err rc = SH_OK;
    const s_cp_t *prev = NULL;
    for (size_t j = 0; j < n && rc == SH_OK; j++) {
        const s_cp_t *cp = &cps[j];
        audit_fault_t *f = NULL;
        if (!cp->opened) {
            if ((f = s_cp_fault (rep, AUDIT_F_CHECKPOINT_SIGNATURE, cp)))
                s_message (f, "%s", cp->open_rc == SH_ENOTFOUND
                           ? _("not signed by the hub key (no signature line of its key)")
                           : cp->open_rc == SH_ECRYPTO ? _("the hub key's signature does not verify")
                           : _("not a well-formed checkpoint note of this hub's origin"));
            rc = f ? SH_OK : SH_ENOMEM;
            continue;
        }
        if (prev && cp->size <= prev->size && rc == SH_OK) {
            if ((f = s_cp_fault (rep, AUDIT_F_CHECKPOINT_ORDER, cp)))
                s_message (f, _("its size is not larger than that of checkpoint %" PRIu64 " (%" PRIu64 ")"),
                           prev->number, prev->size);
            rc = f ? SH_OK : SH_ENOMEM;
        }
        prev = cp;
        if (rc)
            break;
        if (cp->size > nchanges) {
            if ((f = s_cp_fault (rep, AUDIT_F_CHECKPOINT_ROOT, cp)))
                s_message (f, _("it covers %" PRIu64 " changes but the export holds only %zu "
                           "(changes were dropped)"), cp->size, nchanges);
            rc = f ? SH_OK : SH_ENOMEM;
            continue;
        }
        if (memcmp (cp->computed, cp->root, SH_HASH_BYTES) != 0) {
            char signed_root[SH_HEX_BYTES (8) + 3], real[SH_HEX_BYTES (8) + 3];
            s_short (signed_root, cp->root);
            s_short (real, cp->computed);
            if ((f = s_cp_fault (rep, AUDIT_F_CHECKPOINT_ROOT, cp)))
                s_message (f, _("its root %s is not the root %s of the export's first %" PRIu64 " changes "
                           "(the log was changed, or the hub signed another tree)"), signed_root, real, cp->size);
            rc = f ? SH_OK : SH_ENOMEM;
            continue;
        }
        rep->checkpoints_ok++;
        if (cp->size >= rep->covered) {
            rep->covered = cp->size;
            memcpy (rep->covered_root, cp->root, SH_HASH_BYTES);
        }
        if (quorum && (rc = s_cosigned (ex, j, cp->size, quorum, rep)))
            break;
    }
    free (cps);
    free (by_size);
    return rc;
}

/* ==========================================================================
 * Epochs (docs/protocol.md 13.19): each note signed by the hub, numbered 2,
 * 3, ... in order, its base within the export and its base root the root
 * of the export's first base changes
 * ========================================================================== */

//  The root of the export's first size leaves (O(size)).
static void
s_root_at (const uint8_t (*leaves)[SH_HASH_BYTES], uint64_t size, uint8_t root[SH_HASH_BYTES])
{
    audit_tree_t t;
    audit_tree_init (&t);
    for (uint64_t i = 0; i < size; i++)
        audit_tree_add (&t, leaves[i]);
    audit_tree_root (&t, root);
}

static sh_err
s_epoch_fault (audit_report_t *rep, size_t i, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));

static sh_err
s_epoch_fault (audit_report_t *rep, size_t i, const char *fmt, ...)
{
    char where[64], message[AUDIT_MESSAGE_BYTES];
    snprintf (where, sizeof where, _("epoch note %zu"), i + 1);
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (message, sizeof message, fmt, ap);
    va_end (ap);
    return audit_report_add (rep, AUDIT_F_EPOCH, where, message);
}

sh_err
audit_epochs (const sh_export_t *ex, const sh_hubid_t *hub, const uint8_t (*leaves)[SH_HASH_BYTES],
              audit_report_t *rep)
{
    size_t n = sh_export_epoch_count (ex);
    rep->epochs = calloc (n + 1, sizeof *rep->epochs);
    if (!rep->epochs)
        return SH_ENOMEM;
    sh_err rc = SH_OK;
    for (size_t i = 0; rc == SH_OK && i < n; i++) {
        sh_export_bytes_t b = sh_export_epoch (ex, i);
        sh_epoch_t e;
        sh_err oc = sh_epoch_open (hub, (const char *) b.data, b.len, &e);
        if (oc) {
            rc = s_epoch_fault (rep, i, "%s", oc == SH_EPROTO ? _("not an epoch note of this hub's origin")
                                : _("not signed by the hub key"));
            continue;
        }
        if (e.epoch != i + 2)
            rc = s_epoch_fault (rep, i, _("it is epoch %" PRIu64 ", where epoch %zu was due"), e.epoch, i + 2);
        if (rc == SH_OK && e.base > sh_export_change_count (ex)) {
            rc = s_epoch_fault (rep, i, _("it continues from %" PRIu64 " changes, but the export holds %zu"),
                                e.base, sh_export_change_count (ex));
            continue;
        }
        uint8_t root[SH_HASH_BYTES];
        s_root_at (leaves, e.base, root);
        if (rc == SH_OK && memcmp (root, e.base_root, SH_HASH_BYTES) != 0)
            rc = s_epoch_fault (rep, i, _("its base root is not the root of the export's first %" PRIu64
                                " changes"), e.base);
        rep->epochs[rep->n_epochs++] = e;
    }
    return rc;
}

/* ==========================================================================
 * Entry points
 * ========================================================================== */

sh_err
audit_leaf_hashes (const sh_export_t *ex, uint8_t (**out)[SH_HASH_BYTES])
{
    assert (ex && out);
    size_t n = sh_export_change_count (ex);
    *out = calloc (n + 1, SH_HASH_BYTES);
    if (!*out)
        return SH_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        sh_export_bytes_t b = sh_export_change (ex, i);
        sh_merkle_leaf_hash ((*out)[i], b.data, b.len);
    }
    return SH_OK;
}

sh_err
audit_verify (const sh_export_t *ex, const sh_hubid_t *trusted, const audit_quorum_t *quorum,
              audit_report_t *rep)
{
    assert (ex && rep);
    assert (!quorum || (quorum->n <= AUDIT_WITNESSES_MAX && quorum->quorum >= 1 && quorum->quorum <= quorum->n));
    memset (rep, 0, sizeof *rep);
    rep->quorum = quorum ? quorum->quorum : 0;
    sh_hubid_t hub;
    if (trusted)
        hub = *trusted;
    else
        sh_hubid_init (&hub, sh_export_hub_key (ex));
    rep->hub_key_given = trusted != NULL;
    memcpy (rep->hub_key, hub.pubkey, SH_PUBKEY_BYTES);
    rep->registry = sh_export_registry_count (ex);
    rep->changes = sh_export_change_count (ex);
    rep->checkpoints = sh_export_checkpoint_count (ex);
    rep->evidence = sh_export_evidence_count (ex);
    sh_err rc = SH_OK;

    //  The header: the hub key we trust, and the origin it signs under.
    if (trusted && memcmp (hub.pubkey, sh_export_hub_key (ex), SH_PUBKEY_BYTES) != 0) {
        char got[SH_HEX_BYTES (8) + 3], want[SH_HEX_BYTES (8) + 3];
        s_short (got, sh_export_hub_key (ex));
        s_short (want, hub.pubkey);
        audit_fault_t *f = audit_report_new (rep, AUDIT_F_HUB_KEY);
        if (!f)
            return SH_ENOMEM;
        snprintf (f->where, sizeof f->where, _("export"));
        s_message (f, _("the export names hub key %s, not the trusted key %s given with --hub-key; "
                 "everything the hub signed is checked against the trusted key"), got, want);
    }
    if (strcmp (hub.origin, sh_export_origin (ex)) != 0) {
        audit_fault_t *f = audit_report_new (rep, AUDIT_F_ORIGIN);
        if (!f)
            return SH_ENOMEM;
        snprintf (f->where, sizeof f->where, _("export"));
        s_message (f, _("the export's origin '%.100s' is not the hub key's origin '%s'"),
                 sh_export_origin (ex), hub.origin);
    }

    uint8_t (*leaves)[SH_HASH_BYTES] = NULL;
    rc = s_check_registry (ex, &hub, rep);
    if (rc == SH_OK)
        rc = s_check_changes (ex, rep);
    if (rc == SH_OK)
        rc = s_check_evidence (ex, rep);
    if (rc == SH_OK)
        rc = audit_leaf_hashes (ex, &leaves);
    if (rc == SH_OK)
        rc = s_check_checkpoints (ex, &hub, (const uint8_t (*)[SH_HASH_BYTES]) leaves, quorum, rep);
    if (rc == SH_OK && quorum && rep->witnessed == 0)
        rc = s_quorum_fault (quorum, rep);
    if (rc == SH_OK)
        rc = audit_epochs (ex, &hub, (const uint8_t (*)[SH_HASH_BYTES]) leaves, rep);
    if (rc == SH_OK)
        rc = audit_openings (ex, rep);
    free (leaves);
    return rc;
}

