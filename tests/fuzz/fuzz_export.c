/*  fuzz_export -- a hub export as an auditor reads it: the strict parser
    (sh_export_parse) and every check of the auditor (audit_verify in
    audit/audit_verify.c: signatures, chains, enrolments, registry note,
    evidence, the Merkle tree against every checkpoint).

    Input: the export file, as it comes. Each input is checked twice:
    trusting the key the export names, and trusting the fixture hub's key
    (the one that made the seed exports).

    Properties checked (abort on failure):
      - a refused export names a static reason; a parsed one has a
        32-byte hub key, a NUL-terminated origin, and every registry entry,
        change, evidence side and checkpoint lies inside the input;
      - the auditor reports the counts of the export, and a fault against
        the trusted key exactly when it is not the export's;
      - every fault names a known kind and carries NUL-terminated texts.
*/
#include "fuzz_fixture.h"

#include <string.h>

#include "audit.h"
#include "sh_merkle.h"
#include "sh_export.h"

//  The target's state (see fuzz_fixture.h on file-static state).
static struct {
    sh_key_t *hub_key;          //  fixture hub key
} s_fx;

static void
s_cleanup (void)
{
    sh_key_destroy (&s_fx.hub_key);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    fuzz_init ();
    s_fx.hub_key = fuzz_key (FUZZ_KEY_HUB);
    atexit (s_cleanup);
    return 0;
}

//  Is b inside [base, base + len)?
static bool
s_inside (sh_export_bytes_t b, const uint8_t *base, size_t len)
{
    uintptr_t p = (uintptr_t) b.data, start = (uintptr_t) base;
    return b.len <= len && (b.len == 0 || (p >= start && p - start <= len - b.len));
}

static void
s_audit (const sh_export_t *ex, const uint8_t *trusted)
{
    audit_report_t rep;
    sh_hubid_t hub;
    if (trusted)
        sh_hubid_init (&hub, trusted);
    FUZZ_PASS (audit_verify (ex, trusted ? &hub : NULL, NULL, NULL, &rep));
    FUZZ_CHECK (rep.changes == sh_export_change_count (ex));
    FUZZ_CHECK (rep.registry == sh_export_registry_count (ex));
    FUZZ_CHECK (rep.checkpoints == sh_export_checkpoint_count (ex));
    FUZZ_CHECK (rep.evidence == sh_export_evidence_count (ex));
    FUZZ_CHECK (rep.checkpoints_ok <= rep.checkpoints && rep.evidence_ok <= rep.evidence);
    FUZZ_CHECK (rep.covered <= rep.changes);
    bool key_fault = false;
    for (size_t i = 0; i < rep.n_faults; i++) {
        const audit_fault_t *f = &rep.faults[i];
        FUZZ_CHECK (f->kind < AUDIT_F_COUNT);
        FUZZ_CHECK (memchr (f->where, 0, sizeof f->where) && memchr (f->message, 0, sizeof f->message));
        FUZZ_CHECK (f->message[0]);
        key_fault |= f->kind == AUDIT_F_HUB_KEY;
    }
    bool other_key = trusted && memcmp (trusted, sh_export_hub_key (ex), SH_PUBKEY_BYTES) != 0;
    FUZZ_CHECK (key_fault == other_key);
    FUZZ_CHECK (rep.since == 0 && rep.changes_verified == rep.changes);
    audit_report_fini (&rep);
}

//  A fault about one change (its log index in f->index).
static bool
s_change_kind (const audit_fault_t *f)
{
    return f->kind >= AUDIT_F_MALFORMED && f->kind <= AUDIT_F_REVOKED;
}

//  The change faults of a after index from, each found in b (same kind and index).
static bool
s_faults_in (const audit_report_t *a, const audit_report_t *b, uint64_t from)
{
    for (size_t i = 0; i < a->n_faults; i++) {
        const audit_fault_t *f = &a->faults[i];
        bool found = !s_change_kind (f) || f->index <= from;
        for (size_t k = 0; !found && k < b->n_faults; k++)
            found = b->faults[k].kind == f->kind && b->faults[k].index == f->index;
        if (!found)
            return false;
    }
    return true;
}

//  The incremental audit (--since) from half the export's changes: with
//  the root of that prefix it judges only the changes after it, reading
//  the old ones back (unverified bytes here) as their authors need -- and
//  when the full audit finds nothing wrong with the old changes, it finds
//  exactly the full audit's faults about the new ones (the chain heads it
//  read back are the right ones); with another root it finds one fork and
//  stops.
static void
s_audit_since (const sh_export_t *ex)
{
    size_t n = sh_export_change_count (ex);
    uint8_t (*leaves)[SH_HASH_BYTES] = NULL;
    FUZZ_PASS (audit_leaf_hashes (ex, &leaves));
    audit_since_t since = { .size = n / 2 };
    sh_merkle_root_of ((const uint8_t (*)[SH_HASH_BYTES]) leaves, since.size, since.root);
    free (leaves);
    audit_report_t full, rep;
    FUZZ_PASS (audit_verify (ex, NULL, NULL, NULL, &full));
    bool old_sound = true;
    for (size_t i = 0; i < full.n_faults; i++)
        old_sound &= !(s_change_kind (&full.faults[i]) && full.faults[i].index <= since.size);
    FUZZ_PASS (audit_verify (ex, NULL, NULL, &since, &rep));
    FUZZ_CHECK (rep.since == since.size && rep.changes_verified == n - since.size);
    FUZZ_CHECK (rep.covered <= rep.changes && rep.authors <= rep.changes_verified);
    for (size_t i = 0; i < rep.n_faults; i++)
        FUZZ_CHECK (rep.faults[i].kind != AUDIT_F_FORK);
    if (old_sound)
        FUZZ_CHECK (s_faults_in (&full, &rep, since.size) && s_faults_in (&rep, &full, since.size));
    audit_report_fini (&full);
    audit_report_fini (&rep);
    since.root[0] ^= 1;
    FUZZ_PASS (audit_verify (ex, NULL, NULL, &since, &rep));
    size_t forks = 0;
    for (size_t i = 0; i < rep.n_faults; i++)
        forks += rep.faults[i].kind == AUDIT_F_FORK;
    FUZZ_CHECK (forks == 1 && rep.changes_verified == 0);
    audit_report_fini (&rep);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc (size ? size : 1);
    FUZZ_CHECK (buf);
    memcpy (buf, data, size);
    const uint8_t *base = buf;          //  the export keeps the buffer; base only for bounds
    sh_export_t *ex = NULL;
    const char *why = NULL;
    sh_err rc = sh_export_parse (&ex, &buf, size, &why);
    FUZZ_CHECK (!buf);
    if (rc) {
        FUZZ_CHECK (!ex && (rc == SH_EPROTO || rc == SH_ENOMEM));
        FUZZ_CHECK (rc != SH_EPROTO || why);
        return 0;
    }
    FUZZ_CHECK (sh_export_version (ex) == SH_EXPORT_VERSION);
    FUZZ_CHECK (sh_export_hub_key (ex) && sh_export_origin (ex));
    for (size_t i = 0; i < sh_export_registry_count (ex); i++) {
        const sh_export_enrollment_t *e = sh_export_registry (ex, i);
        FUZZ_CHECK (s_inside (e->raw, base, size));
        FUZZ_CHECK (memchr (e->entry.scope, 0, sizeof e->entry.scope));
    }
    FUZZ_CHECK (s_inside (sh_export_registry_note (ex), base, size));
    for (size_t i = 0; i < sh_export_change_count (ex); i++)
        FUZZ_CHECK (s_inside (sh_export_change (ex, i), base, size));
    for (size_t i = 0; i < sh_export_evidence_count (ex); i++) {
        const sh_export_evidence_t *e = sh_export_evidence (ex, i);
        for (size_t k = 0; k < e->n_sides; k++)
            FUZZ_CHECK (s_inside (e->sides[k], base, size));
    }
    for (size_t i = 0; i < sh_export_checkpoint_count (ex); i++)
        FUZZ_CHECK (s_inside (sh_export_checkpoint (ex, i), base, size));
    s_audit (ex, NULL);
    s_audit (ex, sh_key_public (s_fx.hub_key));
    s_audit_since (ex);
    sh_export_destroy (&ex);
    FUZZ_CHECK (!ex);
    return 0;
}
