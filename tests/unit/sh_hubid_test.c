/*  sh_hubid_test -- the hub's identity: the origin and note key derived from
    its key (a known answer from docs/protocol.md 15.3, produced by a real
    hub), the three constructors, refusals of a bad --hub-key, and opening
    checkpoints with it.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sh_crypto.h"
#include "sh_hubid.h"
#include "sh_key.h"
#include "sh_note.h"
#include "sh_test.h"

//  docs/protocol.md 15.3 and 15.4: a hub's key, its origin, and the
//  registry note it signed (whose signature line starts with the key ID).
#define DOC_HUB_KEY "2d91b25c9272e397992e604fb300d4641ce67db3a690020b1b70a668c5af464a"
#define DOC_ORIGIN "shouhe/hub/2d91b25c9272e397"
#define DOC_KEY_ID 0x4ab523fau
#define DOC_VKEY DOC_ORIGIN "+4ab523fa+AS2RslyScuOXmS5gT7MA1GQc5n2zppACCxtwpmjFr0ZK"
#define DOC_REGISTRY_NOTE \
    DOC_ORIGIN "\nregistry\n1\nPSoI//xF14R69vvLasc03hVQiA9ZLfz0mLKSuajzTJI=\n\n" \
    "\xE2\x80\x94 " DOC_ORIGIN " SrUj+n0Ds5N99Ew29OeopFl5mMa9gIQGyktE8DDtqej3656QEHkPlI+tTmue3WesKr+EqqohGhk2fR4mChgCFUcBvgg=\n"

//  A checkpoint note of (origin, size, root) signed by key under name.
static char *
s_checkpoint (const sh_key_t *key, const char *name, const char *origin, uint64_t size)
{
    uint8_t root[SH_HASH_BYTES];
    memset (root, (int) size, sizeof root);
    char *text, *note;
    size_t text_len;
    SH_PASS (sh_note_checkpoint_format (&text, &text_len, origin, size, root, NULL));
    SH_PASS (sh_note_sign (&note, NULL, text, text_len, key, name));
    free (text);
    return note;
}

static void
test_known_answer (void)
{
    sh_hubid_t hub;
    SH_PASS (sh_hubid_init_hex (&hub, DOC_HUB_KEY));
    char hex[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    sh_crypto_hex (hex, hub.pubkey, SH_PUBKEY_BYTES);
    SH_CHECK (strcmp (hex, DOC_HUB_KEY) == 0);
    SH_CHECK (strcmp (hub.origin, DOC_ORIGIN) == 0);
    SH_CHECK (hub.key_id == DOC_KEY_ID && hub.vkey.key_id == DOC_KEY_ID);
    SH_CHECK (strcmp (hub.vkey.name, DOC_ORIGIN) == 0);
    SH_CHECK (memcmp (hub.vkey.pubkey, hub.pubkey, SH_PUBKEY_BYTES) == 0);
    SH_CHECK (hub.key == NULL);
    char vkey[SH_NOTE_VKEY_MAX];
    sh_note_vkey_format (&hub.vkey, vkey);
    SH_CHECK (strcmp (vkey, DOC_VKEY) == 0);

    //  the registry note that hub signed verifies with the derived key
    sh_note_t *note;
    SH_PASS (sh_note_parse (&note, DOC_REGISTRY_NOTE, strlen (DOC_REGISTRY_NOTE)));
    SH_PASS (sh_note_verify (note, &hub.vkey));
    sh_note_destroy (&note);

    //  upper-case hex names the same hub
    char upper[sizeof DOC_HUB_KEY];
    for (size_t i = 0; i < sizeof upper; i++)
        upper[i] = (char) (DOC_HUB_KEY[i] >= 'a' && DOC_HUB_KEY[i] <= 'f' ? DOC_HUB_KEY[i] - 32 : DOC_HUB_KEY[i]);
    sh_hubid_t same;
    SH_PASS (sh_hubid_init_hex (&same, upper));
    SH_CHECK (memcmp (&same, &hub, sizeof hub) == 0);
}

static void
test_constructors (void)
{
    sh_key_t *key = sh_test_key (0x42);
    sh_hubid_t own, seen;
    sh_hubid_init_key (&own, key);
    sh_hubid_init (&seen, sh_key_public (key));
    SH_CHECK (own.key == key && seen.key == NULL);
    SH_CHECK (memcmp (own.pubkey, sh_key_public (key), SH_PUBKEY_BYTES) == 0);
    //  everything but the key pair is the same
    own.key = NULL;
    SH_CHECK (memcmp (&own, &seen, sizeof own) == 0);

    //  origin = prefix + the first 8 bytes in hex; key ID as sh_note computes it
    char hex[SH_HEX_BYTES (SH_PUBKEY_BYTES)], want[SH_HUBID_ORIGIN_MAX];
    sh_crypto_hex (hex, sh_key_public (key), SH_PUBKEY_BYTES);
    snprintf (want, sizeof want, "shouhe/hub/%.16s", hex);
    SH_CHECK (strcmp (seen.origin, want) == 0 && strlen (seen.origin) == 27);
    SH_CHECK (seen.key_id == sh_note_key_id (seen.origin, seen.pubkey));
    SH_CHECK (sh_note_name_valid (seen.origin));

    //  the hex of the same key gives the same identity
    sh_hubid_t parsed;
    SH_PASS (sh_hubid_init_hex (&parsed, hex));
    SH_CHECK (memcmp (&parsed, &seen, sizeof seen) == 0);

    //  another key, another origin and key ID
    sh_key_t *other = sh_test_key (0x43);
    sh_hubid_t o;
    sh_hubid_init_key (&o, other);
    SH_CHECK (strcmp (o.origin, seen.origin) != 0 && o.key_id != seen.key_id);
    sh_key_destroy (&other);
    sh_key_destroy (&key);
}

static void
test_bad_hex (void)
{
    static const char *const bad[] = {
        "",
        "2d91",
        DOC_HUB_KEY "0",                         //  65 digits
        DOC_HUB_KEY "00",                        //  33 bytes
        "2d91b25c9272e397992e604fb300d4641ce67db3a690020b1b70a668c5af464",   //  63 digits
        "2d91b25c9272e397992e604fb300d4641ce67db3a690020b1b70a668c5af464g",  //  not hex
        " 2d91b25c9272e397992e604fb300d4641ce67db3a690020b1b70a668c5af464a",
        "2d91b25c9272e397992e604fb300d4641ce67db3a690020b1b70a668c5af464a ",
        "0x2d91b25c9272e397992e604fb300d4641ce67db3a690020b1b70a668c5af46",
        DOC_VKEY,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sh_hubid_t hub;
        memset (&hub, 0x5a, sizeof hub);
        SH_FAIL (sh_hubid_init_hex (&hub, bad[i]), SH_EINVAL);
        sh_hubid_t zero;
        memset (&zero, 0, sizeof zero);
        SH_CHECK (memcmp (&hub, &zero, sizeof hub) == 0);
    }
}

static void
test_open_checkpoint (void)
{
    sh_key_t *key = sh_test_key (0x42), *other_key = sh_test_key (0x43);
    sh_hubid_t hub, other;
    sh_hubid_init_key (&hub, key);
    sh_hubid_init_key (&other, other_key);

    char *note = s_checkpoint (key, hub.origin, hub.origin, 7);
    sh_note_checkpoint_t cp;
    SH_PASS (sh_hubid_open_checkpoint (&hub, &cp, note, strlen (note)));
    SH_CHECK (cp.size == 7 && strcmp (cp.origin, hub.origin) == 0 && cp.root[0] == 7);
    //  a verifier-only identity opens it the same way
    sh_hubid_t seen;
    sh_hubid_init (&seen, sh_key_public (key));
    SH_PASS (sh_hubid_open_checkpoint (&seen, &cp, note, strlen (note)));
    //  another hub's identity: no signature line of its key
    SH_FAIL (sh_hubid_open_checkpoint (&other, &cp, note, strlen (note)), SH_ENOTFOUND);
    SH_CHECK (cp.size == 0);
    //  a flipped byte of the text: the signature does not verify
    note[strlen (hub.origin) + 1] ^= 1;
    SH_FAIL (sh_hubid_open_checkpoint (&hub, &cp, note, strlen (note)), SH_ECRYPTO);
    free (note);

    //  signed by the hub under its name, but of another origin
    note = s_checkpoint (key, hub.origin, other.origin, 7);
    SH_FAIL (sh_hubid_open_checkpoint (&hub, &cp, note, strlen (note)), SH_EPROTO);
    free (note);
    //  the hub's origin signed by another key under the hub's name
    note = s_checkpoint (other_key, hub.origin, hub.origin, 7);
    SH_FAIL (sh_hubid_open_checkpoint (&hub, &cp, note, strlen (note)), SH_ENOTFOUND);
    free (note);
    //  not a note at all
    SH_FAIL (sh_hubid_open_checkpoint (&hub, &cp, "7\n", 2), SH_EPROTO);
    sh_key_destroy (&other_key);
    sh_key_destroy (&key);
}

static const sh_test_case_t tests[] = {
    { "known answer", test_known_answer },
    { "constructors", test_constructors },
    { "bad hex", test_bad_hex },
    { "open checkpoint", test_open_checkpoint },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
