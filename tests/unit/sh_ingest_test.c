/*  sh_ingest_test -- the judgement of a change taken in: every refusal, its
    wire code, cause and message, the order of the checks, and the hub's
    and the node's rules (each makes only the checks it asks for).
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_change.h"
#include "sh_crypto.h"
#include "sh_hlc.h"
#include "sh_ingest.h"
#include "sh_key.h"
#include "sh_registry.h"
#include "sh_test.h"
#include "sh_wire.h"

#define S_TOWN "500115101"
#define S_VILLAGE_A "500115101001"
#define S_VILLAGE_B "500115101002"
#define S_NOW_MS ((uint64_t) 1700000000000)

//  Courtyard bodies (domain.proto): field 2 (name) = "x", and the same with
//  a byte that is not UTF-8.
static const uint8_t s_good_body[] = { 0x12, 0x01, 'x' };
static const uint8_t s_bad_body[] = { 0x12, 0x01, 0xff };

typedef struct {
    sh_key_t *a, *b;                    //  two writers
    sh_registry_entry_t ea;             //  a: a node of village A
    char a_hex[SH_HEX_BYTES (8)];       //  the first bytes of their keys, as messages show them
    char b_hex[SH_HEX_BYTES (8)];
} s_fx_t;

static void
s_fx_new (s_fx_t *fx)
{
    memset (fx, 0, sizeof *fx);
    fx->a = sh_test_key (0x11);
    fx->b = sh_test_key (0x22);
    memcpy (fx->ea.key, sh_key_public (fx->a), SH_PUBKEY_BYTES);
    snprintf (fx->ea.scope, sizeof fx->ea.scope, "%s", S_VILLAGE_A);
    fx->ea.role = SH_WIRE_ROLE_NODE;
    sh_crypto_hex (fx->a_hex, sh_key_public (fx->a), 8);
    sh_crypto_hex (fx->b_hex, sh_key_public (fx->b), 8);
}

static void
s_fx_fini (s_fx_t *fx)
{
    sh_key_destroy (&fx->a);
    sh_key_destroy (&fx->b);
}

//  A change, opened as a receiver opens it: what sh_change_open returned.
typedef struct {
    uint8_t *bytes;                     //  the SignedChange (owned)
    size_t len;
    sh_err rc;                          //  sh_change_open's result
    const char *why;                    //  and reason
    sh_change_t c;                      //  the change when rc is SH_OK
} s_opened_t;

static void
s_open (s_opened_t *o)
{
    o->why = NULL;
    o->rc = sh_change_open (&o->c, NULL, o->bytes, o->len, &o->why);
}

//  key's change seq 3 in region, with op and body, at clock ms.
static s_opened_t
s_change (const sh_key_t *key, const char *region, sh_op_t op, const uint8_t *body, size_t body_len,
          uint64_t ms)
{
    sh_change_t c = { 0 };
    memcpy (c.author, sh_key_public (key), SH_PUBKEY_BYTES);
    c.seq = 3;
    memset (c.prev, 0x33, SH_HASH_BYTES);
    c.hlc = ms << 16;
    snprintf (c.region, sizeof c.region, "%s", region);
    c.kind = op == SH_OP_CLOCK ? SH_KIND_UNSPECIFIED : SH_KIND_COURTYARD;
    c.entity = (const uint8_t *) (op == SH_OP_CLOCK ? "clock" : "cy-1");
    c.entity_len = op == SH_OP_CLOCK ? 5 : 4;
    c.op = op;
    c.body = body;
    c.body_len = body_len;
    uint8_t *change;
    size_t change_len;
    SH_PASS (sh_change_encode (&c, &change, &change_len));
    s_opened_t o = { 0 };
    SH_PASS (sh_change_sign (&o.bytes, &o.len, change, change_len, key));
    free (change);
    s_open (&o);
    return o;
}

static s_opened_t
s_put (const sh_key_t *key, const char *region)
{
    return s_change (key, region, SH_OP_PUT, s_good_body, sizeof s_good_body, S_NOW_MS);
}

static void
s_opened_fini (s_opened_t *o)
{
    if (o->rc == SH_OK)
        sh_change_fini (&o->c);
    free (o->bytes);
}

//  Judge o as change position under rules; check the code and cause, and
//  that the message is msg (when not NULL).
static void
s_expect (const s_opened_t *o, size_t position, const sh_registry_entry_t *entry, const sh_ingest_rules_t *rules,
          sh_wire_error_t code, sh_ingest_cause_t cause, const char *msg)
{
    sh_ingest_verdict_t v;
    memset (&v, 0x5a, sizeof v);
    sh_wire_error_t got = sh_ingest_check (&v, position, o->rc, o->why, &o->c, entry, rules);
    if (got != code || v.code != code || v.cause != cause || (msg && strcmp (v.message, msg) != 0)) {
        fprintf (stderr, "got %s (cause %d): '%s'\nwant %s (cause %d): '%s'\n", sh_wire_error_name (got),
                 (int) v.cause, v.message, sh_wire_error_name (code), (int) cause, msg ? msg : "?");
        SH_CHECK (false);
    }
    if (code == 0)
        SH_CHECK (v.message[0] == 0);
}

//  The hub's rules for a's session, and a node of village A's.
static sh_ingest_rules_t
s_hub_rules (const s_fx_t *fx)
{
    return (sh_ingest_rules_t) { .author = sh_key_public (fx->a), .now_ms = S_NOW_MS, .check_body = true };
}

static const sh_ingest_rules_t s_node_rules = { .writer = true, .reader_scope = S_VILLAGE_A };

static void
test_pass (void)
{
    s_fx_t fx;
    s_fx_new (&fx);
    sh_ingest_rules_t hub = s_hub_rules (&fx), none = { 0 };
    s_opened_t put = s_put (fx.a, S_VILLAGE_A "001");
    s_expect (&put, 0, &fx.ea, &hub, 0, SH_INGEST_OK, "");
    s_expect (&put, 0, &fx.ea, &s_node_rules, 0, SH_INGEST_OK, "");
    s_expect (&put, 0, &fx.ea, &none, 0, SH_INGEST_OK, "");
    //  a tombstone has no body to check; an event's is checked as a put's
    s_opened_t del = s_change (fx.a, S_VILLAGE_A, SH_OP_DELETE, NULL, 0, S_NOW_MS);
    s_expect (&del, 0, &fx.ea, &hub, 0, SH_INGEST_OK, "");
    s_opened_t ev = s_change (fx.a, S_VILLAGE_A, SH_OP_EVENT, s_good_body, sizeof s_good_body, S_NOW_MS);
    s_expect (&ev, 0, &fx.ea, &hub, 0, SH_INGEST_OK, "");
    s_opened_fini (&put);
    s_opened_fini (&del);
    s_opened_fini (&ev);
    s_fx_fini (&fx);
}

static void
test_signature_malformed (void)
{
    s_fx_t fx;
    s_fx_new (&fx);
    sh_ingest_rules_t hub = s_hub_rules (&fx);
    s_opened_t o = s_put (fx.a, S_VILLAGE_A);
    //  the signature is the SignedChange's last field: flip its last byte
    sh_change_fini (&o.c);
    o.bytes[o.len - 1] ^= 1;
    s_open (&o);
    SH_CHECK (o.rc == SH_ECRYPTO);
    s_expect (&o, 3, &fx.ea, &hub, SH_WIRE_ERR_SIGNATURE, SH_INGEST_SIGNATURE,
              "change 3: the signature does not verify");
    s_expect (&o, 3, &fx.ea, &s_node_rules, SH_WIRE_ERR_SIGNATURE, SH_INGEST_SIGNATURE, NULL);
    //  bytes that are no SignedChange
    memset (o.bytes, 0xff, o.len);
    s_open (&o);
    SH_CHECK (o.rc == SH_EPROTO && o.why);
    char want[SH_WIRE_MESSAGE_MAX + 1];
    snprintf (want, sizeof want, "change 0 is malformed: %s", o.why);
    s_expect (&o, 0, &fx.ea, &hub, SH_WIRE_ERR_MALFORMED, SH_INGEST_MALFORMED, want);
    //  without a reason, the error's text
    o.why = NULL;
    snprintf (want, sizeof want, "change 0 is malformed: %s", sh_strerror (SH_EPROTO));
    s_expect (&o, 0, NULL, &s_node_rules, SH_WIRE_ERR_MALFORMED, SH_INGEST_MALFORMED, want);
    s_opened_fini (&o);
    s_fx_fini (&fx);
}

static void
test_author (void)
{
    s_fx_t fx;
    s_fx_new (&fx);
    sh_ingest_rules_t hub = s_hub_rules (&fx);
    char want[SH_WIRE_MESSAGE_MAX + 1];
    //  not in the registry at all (a node's check; the hub judges a session's key)
    s_opened_t o = s_put (fx.b, S_VILLAGE_A);
    snprintf (want, sizeof want, "change 2 (seq 3): its author %s... is not in the registry", fx.b_hex);
    s_expect (&o, 2, NULL, &s_node_rules, SH_WIRE_ERR_NOT_ENROLLED, SH_INGEST_UNKNOWN_AUTHOR, want);
    //  b's change on a's session
    snprintf (want, sizeof want, "change 1 was written by %s..., not by this node %s...", fx.b_hex, fx.a_hex);
    s_expect (&o, 1, &fx.ea, &hub, SH_WIRE_ERR_AUTHOR, SH_INGEST_AUTHOR, want);
    //  a node does not expect one author
    sh_registry_entry_t eb = fx.ea;
    memcpy (eb.key, sh_key_public (fx.b), SH_PUBKEY_BYTES);
    s_expect (&o, 1, &eb, &s_node_rules, 0, SH_INGEST_OK, "");
    s_opened_fini (&o);
    s_fx_fini (&fx);
}

static void
test_role (void)
{
    s_fx_t fx;
    s_fx_new (&fx);
    sh_ingest_rules_t hub = s_hub_rules (&fx);
    sh_registry_entry_t auditor = fx.ea;
    auditor.role = SH_WIRE_ROLE_AUDITOR;
    s_opened_t o = s_put (fx.a, S_VILLAGE_A);
    char want[SH_WIRE_MESSAGE_MAX + 1];
    snprintf (want, sizeof want, "change 0 (seq 3): its author %s... is not a node key", fx.a_hex);
    s_expect (&o, 0, &auditor, &s_node_rules, SH_WIRE_ERR_ROLE, SH_INGEST_ROLE, want);
    //  the hub checks the session's role before (ERR_ROLE for the whole push)
    s_expect (&o, 0, &auditor, &hub, 0, SH_INGEST_OK, "");
    s_opened_fini (&o);
    s_fx_fini (&fx);
}

static void
test_clock (void)
{
    s_fx_t fx;
    s_fx_new (&fx);
    sh_ingest_rules_t hub = s_hub_rules (&fx);
    uint64_t limit = S_NOW_MS + SH_CLOCK_BOUND_MS;
    s_opened_t at = s_change (fx.a, S_VILLAGE_A, SH_OP_PUT, s_good_body, sizeof s_good_body, limit);
    s_expect (&at, 0, &fx.ea, &hub, 0, SH_INGEST_OK, "");
    s_opened_t past = s_change (fx.a, S_VILLAGE_A, SH_OP_PUT, s_good_body, sizeof s_good_body, limit + 1);
    s_expect (&past, 4, &fx.ea, &hub, SH_WIRE_ERR_MALFORMED, SH_INGEST_CLOCK,
              "change 4 (seq 3): its clock is more than 10 minutes ahead of the hub's (by 10 minutes): the "
              "node's clock is ahead: fix it and run shouhe-node clock correct");
    //  without a clock (a node), any clock passes
    s_expect (&past, 4, &fx.ea, &s_node_rules, 0, SH_INGEST_OK, "");
    SH_CHECK (SH_CLOCK_BOUND_MS == (uint64_t) 600000);
    //  a year ahead: refused, unless a correction caps it (docs/protocol.md 13.8 step 4.4)
    uint64_t year = S_NOW_MS + 365ull * 86400000;
    s_opened_t far = s_change (fx.a, S_VILLAGE_A, SH_OP_PUT, s_good_body, sizeof s_good_body, year);
    s_expect (&far, 1, &fx.ea, &hub, SH_WIRE_ERR_MALFORMED, SH_INGEST_CLOCK,
              "change 1 (seq 3): its clock is more than 10 minutes ahead of the hub's (by 365 days): the "
              "node's clock is ahead: fix it and run shouhe-node clock correct");
    hub.hlc_cap = (S_NOW_MS << 16) - 1;          //  a correction at seq 4 with hlc = now
    SH_CHECK (hub.hlc_cap == sh_clock_cap_of (3, 4, S_NOW_MS << 16));
    s_expect (&far, 1, &fx.ea, &hub, 0, SH_INGEST_OK, "");
    hub.hlc_cap = (limit + 1) << 16;             //  a cap that is itself beyond the bound
    s_expect (&far, 1, &fx.ea, &hub, SH_WIRE_ERR_MALFORMED, SH_INGEST_CLOCK, NULL);
    hub.hlc_cap = 0;                             //  0: no cap
    s_expect (&far, 1, &fx.ea, &hub, SH_WIRE_ERR_MALFORMED, SH_INGEST_CLOCK, NULL);
    s_opened_fini (&far);
    s_opened_fini (&at);
    s_opened_fini (&past);
    s_fx_fini (&fx);
}

static void
test_scope (void)
{
    s_fx_t fx;
    s_fx_new (&fx);
    sh_ingest_rules_t hub = s_hub_rules (&fx);
    //  outside the author's scope: another village, the town above it
    s_opened_t o = s_put (fx.a, S_VILLAGE_B "001");
    s_expect (&o, 5, &fx.ea, &hub, SH_WIRE_ERR_SCOPE, SH_INGEST_SCOPE,
              "change 5 (seq 3): region " S_VILLAGE_B "001 is outside the scope " S_VILLAGE_A);
    s_expect (&o, 5, &fx.ea, &s_node_rules, SH_WIRE_ERR_SCOPE, SH_INGEST_SCOPE, NULL);
    s_opened_t up = s_put (fx.a, S_TOWN);
    s_expect (&up, 0, &fx.ea, &hub, SH_WIRE_ERR_SCOPE, SH_INGEST_SCOPE, NULL);
    //  a town key writing in village B: inside its scope, outside the reader's
    sh_registry_entry_t town = fx.ea;
    snprintf (town.scope, sizeof town.scope, "%s", S_TOWN);
    s_expect (&o, 6, &town, &s_node_rules, SH_WIRE_ERR_SCOPE, SH_INGEST_READER_SCOPE,
              "change 6 (seq 3): region " S_VILLAGE_B "001 is outside the reader's scope " S_VILLAGE_A);
    //  the hub has no reader's scope
    s_expect (&o, 6, &town, &hub, 0, SH_INGEST_OK, "");
    //  a town key's clock correction (region: its scope) reaches a village
    //  reader: it caps the town key's changes in the village
    s_opened_t clock = s_change (fx.a, S_TOWN, SH_OP_CLOCK, NULL, 0, S_NOW_MS);
    SH_CHECK (clock.rc == SH_OK);
    s_expect (&clock, 0, &town, &s_node_rules, 0, SH_INGEST_OK, "");
    //  ... but not one of another town, nor a put in the town's region
    sh_registry_entry_t other = fx.ea;
    snprintf (other.scope, sizeof other.scope, "%s", "500115999");
    s_opened_t far = s_change (fx.a, "500115999", SH_OP_CLOCK, NULL, 0, S_NOW_MS);
    s_expect (&far, 0, &other, &s_node_rules, SH_WIRE_ERR_SCOPE, SH_INGEST_READER_SCOPE, NULL);
    s_expect (&up, 0, &town, &s_node_rules, SH_WIRE_ERR_SCOPE, SH_INGEST_READER_SCOPE, NULL);
    s_opened_fini (&clock);
    s_opened_fini (&far);
    s_opened_fini (&o);
    s_opened_fini (&up);
    s_fx_fini (&fx);
}

static void
test_body (void)
{
    s_fx_t fx;
    s_fx_new (&fx);
    sh_ingest_rules_t hub = s_hub_rules (&fx);
    s_opened_t o = s_change (fx.a, S_VILLAGE_A, SH_OP_PUT, s_bad_body, sizeof s_bad_body, S_NOW_MS);
    SH_CHECK (o.rc == SH_OK);
    s_expect (&o, 7, &fx.ea, &hub, SH_WIRE_ERR_BODY, SH_INGEST_BODY,
              "change 7 (seq 3): a text field is not valid UTF-8");
    s_opened_t ev = s_change (fx.a, S_VILLAGE_A, SH_OP_EVENT, (const uint8_t *) "\xff\xff", 2, S_NOW_MS);
    s_expect (&ev, 0, &fx.ea, &hub, SH_WIRE_ERR_BODY, SH_INGEST_BODY, NULL);
    //  a node keeps a body it cannot read (unmerged): not judged here
    s_expect (&o, 7, &fx.ea, &s_node_rules, 0, SH_INGEST_OK, "");
    s_opened_fini (&o);
    s_opened_fini (&ev);
    s_fx_fini (&fx);
}

//  The first check that fails decides.
static void
test_order (void)
{
    s_fx_t fx;
    s_fx_new (&fx);
    sh_ingest_rules_t hub = s_hub_rules (&fx), all = hub;
    all.writer = true;
    all.reader_scope = S_VILLAGE_A;
    sh_registry_entry_t auditor = fx.ea;
    auditor.role = SH_WIRE_ROLE_AUDITOR;
    //  b's change, a day too late, in village B, with a bad body: the author decides
    uint64_t late = S_NOW_MS + SH_CLOCK_BOUND_MS + 1;
    s_opened_t o = s_change (fx.b, S_VILLAGE_B, SH_OP_PUT, s_bad_body, sizeof s_bad_body, late);
    s_expect (&o, 0, NULL, &all, SH_WIRE_ERR_NOT_ENROLLED, SH_INGEST_UNKNOWN_AUTHOR, NULL);
    s_expect (&o, 0, &auditor, &all, SH_WIRE_ERR_AUTHOR, SH_INGEST_AUTHOR, NULL);
    s_opened_fini (&o);
    //  a's: the role, then the clock, then the scope, then the body
    o = s_change (fx.a, S_VILLAGE_B, SH_OP_PUT, s_bad_body, sizeof s_bad_body, late);
    s_expect (&o, 0, &auditor, &all, SH_WIRE_ERR_ROLE, SH_INGEST_ROLE, NULL);
    s_expect (&o, 0, &fx.ea, &all, SH_WIRE_ERR_MALFORMED, SH_INGEST_CLOCK, NULL);
    s_opened_fini (&o);
    o = s_change (fx.a, S_VILLAGE_B, SH_OP_PUT, s_bad_body, sizeof s_bad_body, S_NOW_MS);
    s_expect (&o, 0, &fx.ea, &all, SH_WIRE_ERR_SCOPE, SH_INGEST_SCOPE, NULL);
    sh_registry_entry_t town = fx.ea;
    snprintf (town.scope, sizeof town.scope, "%s", S_TOWN);
    s_expect (&o, 0, &town, &all, SH_WIRE_ERR_SCOPE, SH_INGEST_READER_SCOPE, NULL);
    s_opened_fini (&o);
    o = s_change (fx.a, S_VILLAGE_A, SH_OP_PUT, s_bad_body, sizeof s_bad_body, S_NOW_MS);
    s_expect (&o, 0, &fx.ea, &all, SH_WIRE_ERR_BODY, SH_INGEST_BODY, NULL);
    s_opened_fini (&o);
    s_fx_fini (&fx);
}

static const sh_test_case_t tests[] = {
    { "pass", test_pass },
    { "signature and malformed", test_signature_malformed },
    { "author", test_author },
    { "role", test_role },
    { "clock", test_clock },
    { "scope", test_scope },
    { "body", test_body },
    { "order", test_order },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
