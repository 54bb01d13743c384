/*  audit_verify -- every check of `shouhe-audit verify` (see audit.h and
    docs/protocol.md, "Exports and the auditor").

    Order: the header (hub key, origin), the registry and its note, the
    leaf hashes (and with --since the root at its size: a fork stops
    there), the changes in log order (open, registry, role, scope,
    enrolment period, chain), the evidence, the checkpoints against the
    recomputed tree and the epoch notes (audit_checkpoints.c), the
    openings (audit_openings.c). Every check runs whatever the others
    found; each finding is one fault.

    The incremental audit (--since, docs/protocol.md 15.4.1) judges only
    the changes after the boundary; the authors' chain heads there come
    from a walk back over the old part (s_head), without signatures.
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
    bool resolved;                        //  its state at the --since boundary is known
    bool seen;                            //  it wrote a change judged here
} s_author_t;

typedef struct {
    s_author_t *slots;                    //  open addressing, linear probing
    size_t cap;                           //  a power of two
    size_t used;                          //  slots taken
    const sh_export_t *ex;                //  the export (its old part, for s_head)
    size_t back;                          //  the walk back from the boundary reads change back - 1 next (0: done)
} s_authors_t;

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
    [AUDIT_F_FORK] = "fork",
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

void
audit_short (char out[SH_HEX_BYTES (8) + 3], const uint8_t *key)
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
        audit_short (a, author);
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
                               t->cap ? 2 * t->cap : 64, t->used, t->ex, t->back };
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

//  Read old change i (before the --since boundary) into its author's slot
//  unless a later one was read: seq and hash, without the signature (an
//  earlier audit verified it; the boundary root binds its bytes).
static sh_err
s_read_old (s_authors_t *t, size_t i)
{
    sh_export_bytes_t b = sh_export_change (t->ex, i);
    uint8_t *bytes = NULL, sig[SH_SIG_BYTES];
    size_t len = 0;
    sh_change_t c;
    sh_err rc = sh_change_unwrap (&bytes, &len, sig, b.data, b.len);
    if (rc == SH_OK)
        rc = sh_change_decode (&c, bytes, len, NULL);
    if (rc == SH_OK) {
        s_author_t *a = s_author (t, c.author);
        if (a && !a->resolved) {
            a->resolved = true;
            a->seq = c.seq;
            sh_change_hash (a->hash, bytes, len);
            a->hash_known = true;
            a->index = i + 1;
        }
        rc = a ? SH_OK : SH_ENOMEM;
        sh_change_fini (&c);
    }
    free (bytes);
    return rc == SH_ENOMEM ? rc : SH_OK;
}

//  The state of key for a change judged now (created if new; NULL when
//  out of memory). An incremental audit first needs key's chain head at
//  the boundary: the walk back from it reads the old changes, newest
//  first, recording each author's last one, until it meets key's or the
//  start of the log (then key wrote nothing before). The walk is shared,
//  so each old change is read at most once, and only as far back as the
//  new changes' authors last wrote.
static s_author_t *
s_head (s_authors_t *t, const uint8_t key[SH_PUBKEY_BYTES])
{
    s_author_t *a = s_author (t, key);
    while (a && !a->resolved) {
        if (t->back == 0) {
            a->resolved = true;
            break;
        }
        if (s_read_old (t, --t->back) != SH_OK)
            return NULL;
        a = s_author (t, key);      //  the table may have grown
    }
    if (a)
        a->seen = true;
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
            audit_short (a, e->entry.key);
            f->has_author = true;
            memcpy (f->author, e->entry.key, SH_PUBKEY_BYTES);
            snprintf (f->where, sizeof f->where, _("registry entry %zu (key %s)"), i + 1, a);
            audit_fault_message (f, _("the registry is not in strictly increasing key order here "
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
            audit_fault_message (f, "%s", problem);
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
        s_author_t *a = named && rc == SH_OK ? s_head (authors, author) : NULL;
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
    s_author_t *a = rc == SH_OK ? s_head (authors, c->author) : NULL;
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

//  Judge the changes from log index from + 1 on (from: the --since size,
//  0 for all); the old ones are read only as s_head needs them.
static sh_err
s_check_changes (const sh_export_t *ex, size_t from, audit_report_t *rep)
{
    s_authors_t authors = { NULL, 0, 0, ex, from };
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
    size_t first = n - from < S_CHUNK ? n - from : S_CHUNK;
    if (rc == SH_OK && first)
        sh_opener_start (&job[0], s_batch (ex, from, first, in[0]), op[0], first, threads);
    for (size_t base = from, x = 0; base < n; base += S_CHUNK, x ^= 1) {
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
        rep->authors += a->used && a->seen;
        if (a->used && a->unknown_fault && a->unknown_more) {
            audit_fault_t *f = &rep->faults[a->unknown_fault - 1];
            size_t l = strlen (f->message);
            snprintf (f->message + l, sizeof f->message - l, _(" (nor are its %" PRIu64 " later changes, "
                      "up to log index %" PRIu64 ")"), a->unknown_more, a->unknown_last);
        }
    }
    rep->changes_verified = n - from;
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
            audit_short (a, ev->author);
            f->has_author = true;
            memcpy (f->author, ev->author, SH_PUBKEY_BYTES);
            f->seq = ev->seq;
            f->evidence = i + 1;
            snprintf (f->where, sizeof f->where, "evidence %zu (author %s, seq %" PRIu64 ")", i + 1, a, ev->seq);
            audit_fault_message (f, "%s", problem);
        }
        else
            rep->evidence_ok++;
    }
    return SH_OK;
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

//  The header: the hub key we trust, and the origin it signs under.
static sh_err
s_check_header (const sh_export_t *ex, const sh_hubid_t *hub, bool trusted, audit_report_t *rep)
{
    if (trusted && memcmp (hub->pubkey, sh_export_hub_key (ex), SH_PUBKEY_BYTES) != 0) {
        char got[SH_HEX_BYTES (8) + 3], want[SH_HEX_BYTES (8) + 3];
        audit_short (got, sh_export_hub_key (ex));
        audit_short (want, hub->pubkey);
        audit_fault_t *f = audit_report_new (rep, AUDIT_F_HUB_KEY);
        if (!f)
            return SH_ENOMEM;
        snprintf (f->where, sizeof f->where, _("export"));
        audit_fault_message (f, _("the export names hub key %s, not the trusted key %s given with --hub-key; "
                             "everything the hub signed is checked against the trusted key"), got, want);
    }
    if (strcmp (hub->origin, sh_export_origin (ex)) != 0) {
        audit_fault_t *f = audit_report_new (rep, AUDIT_F_ORIGIN);
        if (!f)
            return SH_ENOMEM;
        snprintf (f->where, sizeof f->where, _("export"));
        audit_fault_message (f, _("the export's origin '%.100s' is not the hub key's origin '%s'"),
                             sh_export_origin (ex), hub->origin);
    }
    return SH_OK;
}

//  --since: is the checkpoint trusted before a prefix of the export's
//  tree? If not (*forked), one "fork" fault, naming the epoch that gave
//  its size up when the export holds one (audit_epochs has run then).
static sh_err
s_check_since (const sh_export_t *ex, const sh_hubid_t *hub, const uint8_t (*leaves)[SH_HASH_BYTES],
               const audit_since_t *since, audit_report_t *rep, bool *forked)
{
    assert (since->size <= sh_export_change_count (ex));    //  refused before (audit.h)
    uint8_t root[SH_HASH_BYTES];
    sh_merkle_root_of (leaves, (size_t) since->size, root);
    *forked = memcmp (root, since->root, SH_HASH_BYTES) != 0;
    if (!*forked)
        return SH_OK;
    sh_err rc = audit_epochs (ex, hub, leaves, rep);
    const sh_epoch_t *e = NULL;
    for (size_t k = 0; rc == SH_OK && k < rep->n_epochs && !e; k++)
        if (since->size > rep->epochs[k].base)
            e = &rep->epochs[k];
    audit_fault_t *f = rc == SH_OK ? audit_report_new (rep, AUDIT_F_FORK) : NULL;
    if (!f)
        return SH_ENOMEM;
    f->index = since->size;
    char want[SH_HEX_BYTES (8) + 3], got[SH_HEX_BYTES (8) + 3];
    audit_short (want, since->root);
    snprintf (f->where, sizeof f->where, _("--since checkpoint (size %" PRIu64 ")"), since->size);
    audit_short (got, root);
    audit_fault_message (f, _("the export's first %" PRIu64 " changes have root %s, not the root %s of the "
                         "checkpoint verified before: the export is of another history (the hub forked "
                         "it, or the export was altered); nothing after it was checked"),
                         since->size, got, want);
    if (e) {
        size_t l = strlen (f->message);
        snprintf (f->message + l, sizeof f->message - l, _("; epoch %" PRIu64 " of the export says the hub gave "
                  "up the entries after %" PRIu64 " after a restore: run a full verify"), e->epoch, e->base);
    }
    return SH_OK;
}

sh_err
audit_verify (const sh_export_t *ex, const sh_hubid_t *trusted, const audit_quorum_t *quorum,
              const audit_since_t *since, audit_report_t *rep)
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
    rep->since = since ? since->size : 0;

    uint8_t (*leaves)[SH_HASH_BYTES] = NULL;
    const uint8_t (*lv)[SH_HASH_BYTES] = NULL;
    bool forked = false;
    sh_err rc = s_check_header (ex, &hub, trusted != NULL, rep);
    if (rc == SH_OK)
        rc = s_check_registry (ex, &hub, rep);
    if (rc == SH_OK)
        rc = audit_leaf_hashes (ex, &leaves);
    lv = (const uint8_t (*)[SH_HASH_BYTES]) leaves;
    if (rc == SH_OK && since)
        rc = s_check_since (ex, &hub, lv, since, rep, &forked);
    if (forked) {
        free (leaves);
        return rc;
    }
    if (rc == SH_OK)
        rc = s_check_changes (ex, (size_t) rep->since, rep);
    if (rc == SH_OK)
        rc = s_check_evidence (ex, rep);
    if (rc == SH_OK)
        rc = audit_checkpoints (ex, &hub, lv, quorum, rep->since, rep);
    if (rc == SH_OK)
        rc = audit_epochs (ex, &hub, lv, rep);
    if (rc == SH_OK)
        rc = audit_openings (ex, rep);
    free (leaves);
    return rc;
}
