/*  sh_ingest -- the one judgement of a change taken in from elsewhere. */
#include "sh_ingest.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sh_crypto.h"
#include "sh_hlc.h"
#include "sh_i18n.h"
#include "sh_record.h"

static sh_wire_error_t
s_refuse (sh_ingest_verdict_t *out, sh_wire_error_t code, sh_ingest_cause_t cause, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static sh_wire_error_t
s_refuse (sh_ingest_verdict_t *out, sh_wire_error_t code, sh_ingest_cause_t cause, const char *fmt, ...)
{
    out->code = code;
    out->cause = cause;
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (out->message, sizeof out->message, fmt, ap);
    va_end (ap);
    return code;
}

static bool
s_inside (const char *region, const char *scope)
{
    return strncmp (region, scope, strlen (scope)) == 0;
}

sh_wire_error_t
sh_ingest_check (sh_ingest_verdict_t *out, size_t position, sh_err opened, const char *why,
                 const sh_change_t *change, const sh_registry_entry_t *entry, const sh_ingest_rules_t *rules)
{
    assert (out && rules && (opened || change));
    memset (out, 0, sizeof *out);
    size_t i = position;
    if (opened == SH_ECRYPTO)
        return s_refuse (out, SH_WIRE_ERR_SIGNATURE, SH_INGEST_SIGNATURE,
                         _("change %zu: the signature does not verify"), i);
    if (opened)
        return s_refuse (out, SH_WIRE_ERR_MALFORMED, SH_INGEST_MALFORMED, _("change %zu is malformed: %s"), i,
                         why ? why : sh_strerror (opened));
    const sh_change_t *c = change;
    unsigned long long seq = (unsigned long long) c->seq;
    char author[SH_HEX_BYTES (8)];
    sh_crypto_hex (author, c->author, 8);
    if (!entry)
        return s_refuse (out, SH_WIRE_ERR_NOT_ENROLLED, SH_INGEST_UNKNOWN_AUTHOR,
                         _("change %zu (seq %llu): its author %s... is not in the registry"), i, seq, author);
    if (rules->author && memcmp (c->author, rules->author, SH_PUBKEY_BYTES) != 0) {
        char expected[SH_HEX_BYTES (8)];
        sh_crypto_hex (expected, rules->author, 8);
        return s_refuse (out, SH_WIRE_ERR_AUTHOR, SH_INGEST_AUTHOR,
                         _("change %zu was written by %s..., not by this node %s..."), i, author, expected);
    }
    if (rules->writer && entry->role != SH_WIRE_ROLE_NODE)
        return s_refuse (out, SH_WIRE_ERR_ROLE, SH_INGEST_ROLE,
                         _("change %zu (seq %llu): its author %s... is not a node key"), i, seq, author);
    uint64_t hlc = rules->hlc_cap && rules->hlc_cap < c->hlc ? rules->hlc_cap : c->hlc;
    if (rules->now_ms && sh_hlc_ms (hlc) > rules->now_ms + SH_CLOCK_BOUND_MS) {
        char words[32];
        sh_clock_words (sh_hlc_ms (hlc) - rules->now_ms, words, sizeof words);
        return s_refuse (out, SH_WIRE_ERR_MALFORMED, SH_INGEST_CLOCK, _("change %zu (seq %llu): its clock is "
                         "more than 10 minutes ahead of the hub's (by %s): the node's clock is ahead: fix it "
                         "and run shouhe-node clock correct"), i, seq, words);
    }
    if (!s_inside (c->region, entry->scope))
        return s_refuse (out, SH_WIRE_ERR_SCOPE, SH_INGEST_SCOPE,
                         _("change %zu (seq %llu): region %s is outside the scope %s"), i, seq, c->region,
                         entry->scope);
    //  a clock correction is in the author's scope, which may be wider than
    //  the reader's: it caps the author's changes the reader holds
    if (rules->reader_scope && !s_inside (c->region, rules->reader_scope)
    &&  !(c->op == SH_OP_CLOCK && s_inside (rules->reader_scope, c->region)))
        return s_refuse (out, SH_WIRE_ERR_SCOPE, SH_INGEST_READER_SCOPE,
                         _("change %zu (seq %llu): region %s is outside the reader's scope %s"), i, seq,
                         c->region, rules->reader_scope);
    const char *body_why = NULL;
    if (rules->check_body && (c->op == SH_OP_PUT || c->op == SH_OP_EVENT)
    &&  sh_record_check (c->kind, c->body, c->body_len, &body_why) != SH_OK)
        return s_refuse (out, SH_WIRE_ERR_BODY, SH_INGEST_BODY, "change %zu (seq %llu): %s", i, seq,
                         body_why ? body_why : _("bad body"));
    return 0;
}
