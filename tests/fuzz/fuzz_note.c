/*  fuzz_note -- C2SP signed notes, tlog checkpoints and verifier keys
    (sh_note): parsing, verifying, and the round trips between parsing and
    formatting.

    Input: byte 0 chooses the mode (byte 0 % 4), the rest is:
      0  a signed note: parsed, verified against every known key (the
         published Go and C2SP test keys, and the fixture hub's key under
         its checkpoint origin), its text parsed as a checkpoint, and
         opened as a checkpoint with each key;
      1  a checkpoint text: parsed, and formatted back;
      2  a verifier key text: parsed, and formatted back;
      3  a note text: signed with the fixture hub key, then parsed,
         verified and opened as a checkpoint.

    Properties checked (abort on failure):
      - a parsed note has 1..SH_NOTE_MAX_SIGS signature lines with valid
        key names and non-empty signatures, and a text ending in "\n";
      - verification answers only SH_OK, SH_ECRYPTO or SH_ENOTFOUND, and
        sh_note_checkpoint_open succeeds exactly when parsing, verifying
        and parsing the text as a checkpoint all do, with the same result;
      - a checkpoint text that parses formats back to the very same bytes;
      - a vkey that parses formats to a text that parses to the same key,
        of the same length as the input (only the hex digits' case may
        differ);
      - whatever text signs parses back to that text, with one signature
        line that verifies.
*/
#include "fuzz_fixture.h"

#include <string.h>
#include <strings.h>

#include "sh_hubid.h"
#include "sh_note.h"

//  Published verifier keys (tests/unit/sh_note_test.c names the sources).
static const char *const s_vkey_texts[] = {
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop",
    "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8",
    "monkeys+db4d9f7e+AULaJMvTtDLHPUcUrjdDad9vDlh/PTfC2VV60JUtCfWT",
    "bananas+cf639f13+AaPjhFnPCQnid/Ql32KWhmh+uk72FVRfK+2DLmO3BI3M",
    "witness+f13a86db+AdYV1Ztajd9BvyjP2HgpwrqYL6TjOwIjGMOq8Bu42xbN",
};
#define S_NVKEYS (sizeof s_vkey_texts / sizeof s_vkey_texts[0] + 1)

//  The target's state (see fuzz_fixture.h on file-static state).
static struct {
    sh_key_t *hub_key;                  //  fixture hub key
    sh_hubid_t hub;                     //  its identity: checkpoint origin (= key name), vkey
    sh_note_vkey_t vkeys[S_NVKEYS];     //  the published keys, then the hub's
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
    sh_hubid_init_key (&s_fx.hub, s_fx.hub_key);
    for (size_t i = 0; i + 1 < S_NVKEYS; i++)
        FUZZ_PASS (sh_note_vkey_parse (&s_fx.vkeys[i], s_vkey_texts[i]));
    s_fx.vkeys[S_NVKEYS - 1] = s_fx.hub.vkey;
    atexit (s_cleanup);
    return 0;
}

//  A NUL-terminated copy of data (caller frees).
static char *
s_string (const uint8_t *data, size_t size)
{
    char *s = malloc (size + 1);
    FUZZ_CHECK (s);
    memcpy (s, data, size);
    s[size] = 0;
    return s;
}

static bool
s_same_checkpoint (const sh_note_checkpoint_t *a, const sh_note_checkpoint_t *b)
{
    return !strcmp (a->origin, b->origin) && a->size == b->size && !memcmp (a->root, b->root, SH_HASH_BYTES)
        && a->ext_len == b->ext_len && (!a->ext_len || !memcmp (a->ext, b->ext, a->ext_len));
}

//  Mode 0 (and the tail of mode 3): a signed note msg[0..len).
static void
s_note (const char *msg, size_t len)
{
    sh_note_t *note = NULL;
    sh_err rc = sh_note_parse (&note, msg, len);
    if (rc) {
        FUZZ_CHECK (rc == SH_EPROTO && !note);
        for (size_t k = 0; k < S_NVKEYS; k++) {
            sh_note_checkpoint_t cp;
            FUZZ_CHECK (sh_note_checkpoint_open (&cp, msg, len, &s_fx.vkeys[k], NULL) == SH_EPROTO);
        }
        return;
    }
    size_t text_len;
    const char *text = sh_note_text (note, &text_len);
    FUZZ_CHECK (text && text_len > 0 && text_len < len && text[text_len - 1] == '\n');
    FUZZ_CHECK (strlen (text) == text_len);
    size_t n = sh_note_sig_count (note);
    FUZZ_CHECK (n >= 1 && n <= SH_NOTE_MAX_SIGS);
    for (size_t i = 0; i < n; i++) {
        const sh_note_sig_t *sig = sh_note_sig (note, i);
        FUZZ_CHECK (sig && sh_note_name_valid (sig->name) && sig->sig && sig->sig_len >= 1);
    }
    sh_note_checkpoint_t parsed;
    sh_err prc = sh_note_checkpoint_parse (&parsed, text, text_len);
    FUZZ_CHECK (prc == SH_OK || prc == SH_EPROTO);
    for (size_t k = 0; k < S_NVKEYS; k++) {
        sh_err vrc = sh_note_verify (note, &s_fx.vkeys[k]);
        FUZZ_CHECK (vrc == SH_OK || vrc == SH_ECRYPTO || vrc == SH_ENOTFOUND);
        sh_note_checkpoint_t cp;
        sh_err crc = sh_note_checkpoint_open (&cp, msg, len, &s_fx.vkeys[k], NULL);
        FUZZ_CHECK ((crc == SH_OK) == (vrc == SH_OK && prc == SH_OK));
        if (crc == SH_OK) {
            //  cp.ext borrows from msg, parsed.ext from the note's text: compare by value
            FUZZ_CHECK (s_same_checkpoint (&cp, &parsed));
            sh_note_checkpoint_t again;
            FUZZ_PASS (sh_note_checkpoint_open (&again, msg, len, &s_fx.vkeys[k], cp.origin));
            char other[SH_NOTE_NAME_MAX + 2];
            snprintf (other, sizeof other, "%s!", cp.origin);
            FUZZ_CHECK (sh_note_checkpoint_open (&again, msg, len, &s_fx.vkeys[k], other) == SH_EPROTO);
        }
        else
            FUZZ_CHECK (crc == (vrc != SH_OK ? vrc : SH_EPROTO));
    }
    sh_note_destroy (&note);
    FUZZ_CHECK (!note);
}

//  Mode 1: a checkpoint text.
static void
s_checkpoint (const uint8_t *data, size_t size)
{
    char *text = s_string (data, size);
    sh_note_checkpoint_t cp;
    if (sh_note_checkpoint_parse (&cp, text, size) == SH_OK) {
        FUZZ_CHECK (cp.origin[0] && strlen (cp.origin) <= SH_NOTE_NAME_MAX);
        char *ext = cp.ext ? s_string ((const uint8_t *) cp.ext, cp.ext_len) : NULL;
        char *out;
        size_t out_len;
        FUZZ_PASS (sh_note_checkpoint_format (&out, &out_len, cp.origin, cp.size, cp.root, ext));
        FUZZ_CHECK (out_len == size && !memcmp (out, data, size));
        free (out);
        free (ext);
    }
    free (text);
}

//  Mode 2: a verifier key text.
static void
s_vkey (const uint8_t *data, size_t size)
{
    char *text = s_string (data, size);
    sh_note_vkey_t vkey;
    if (sh_note_vkey_parse (&vkey, text) == SH_OK) {
        char out[SH_NOTE_VKEY_MAX], again_text[SH_NOTE_VKEY_MAX];
        sh_note_vkey_format (&vkey, out);
        FUZZ_CHECK (strlen (out) == strlen (text));
        sh_note_vkey_t again;
        FUZZ_PASS (sh_note_vkey_parse (&again, out));
        FUZZ_CHECK (!strcmp (again.name, vkey.name) && again.key_id == vkey.key_id
                 && !memcmp (again.pubkey, vkey.pubkey, SH_PUBKEY_BYTES));
        sh_note_vkey_format (&again, again_text);
        FUZZ_CHECK (!strcmp (out, again_text) && !strcasecmp (out, text));
        FUZZ_CHECK (sh_note_key_id (vkey.name, vkey.pubkey) == vkey.key_id);
    }
    free (text);
}

//  Mode 3: a note text signed by the hub key.
static void
s_sign (const uint8_t *data, size_t size)
{
    char *note;
    size_t note_len;
    sh_err rc = sh_note_sign (&note, &note_len, (const char *) data, size, s_fx.hub_key, s_fx.hub.origin);
    if (rc) {
        FUZZ_CHECK (rc == SH_EINVAL && !note);
        return;
    }
    FUZZ_CHECK (strlen (note) == note_len);
    sh_note_t *parsed;
    FUZZ_PASS (sh_note_parse (&parsed, note, note_len));
    size_t text_len;
    const char *text = sh_note_text (parsed, &text_len);
    FUZZ_CHECK (text_len == size && !memcmp (text, data, size));
    FUZZ_CHECK (sh_note_sig_count (parsed) == 1);
    FUZZ_PASS (sh_note_verify (parsed, &s_fx.vkeys[S_NVKEYS - 1]));
    sh_note_destroy (&parsed);
    s_note (note, note_len);
    free (note);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    switch (data[0] % 4) {
        case 0: s_note ((const char *) data + 1, size - 1); break;
        case 1: s_checkpoint (data + 1, size - 1); break;
        case 2: s_vkey (data + 1, size - 1); break;
        default: s_sign (data + 1, size - 1); break;
    }
    return 0;
}
