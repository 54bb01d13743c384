/*  sh_cosig -- C2SP cosignatures (c2sp.org/tlog-cosignature, cosignature/v1).

    Like sh_note, this module includes sodium.h only for libsodium's strict
    base64 codec; signing and verifying go through sh_key and sh_crypto.
*/
#include "sh_cosig.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define S_SIG_PREFIX     "\xE2\x80\x94 "      //  "— "
#define S_SIG_PREFIX_LEN 4
#define S_B64 sodium_base64_VARIANT_ORIGINAL
#define S_HEADER "cosignature/v1\ntime "
#define S_HEADER_MAX (sizeof S_HEADER + 20 + 1) //  header, 20 digits, "\n"

uint32_t
sh_cosig_key_id (const char *name, const uint8_t pubkey[SH_PUBKEY_BYTES])
{
    return sh_note_key_id_alg (name, SH_COSIG_ALG_ED25519, pubkey);
}

sh_err
sh_cosig_witness_init (sh_cosig_witness_t *out, const char *name, const uint8_t pubkey[SH_PUBKEY_BYTES])
{
    assert (out && name && pubkey);
    memset (out, 0, sizeof *out);
    if (!sh_note_name_valid (name))
        return SH_EINVAL;
    snprintf (out->name, sizeof out->name, "%s", name);
    memcpy (out->pubkey, pubkey, SH_PUBKEY_BYTES);
    out->key_id = sh_cosig_key_id (name, pubkey);
    return SH_OK;
}

sh_err
sh_cosig_witness_parse (sh_cosig_witness_t *out, const char *text, char *why, size_t why_len)
{
    assert (out && text);
    memset (out, 0, sizeof *out);
    const char *eq = strrchr (text, '=');
    char name[SH_NOTE_NAME_MAX + 1];
    uint8_t pk[SH_PUBKEY_BYTES];
    const char *problem = NULL;
    if (!eq)
        problem = "is not NAME=HEXKEY";
    else
    if ((size_t) (eq - text) >= sizeof name || eq == text)
        problem = "has no name, or a name longer than 255 bytes, before '='";
    else {
        memcpy (name, text, (size_t) (eq - text));
        name[eq - text] = 0;
        if (!sh_note_name_valid (name))
            problem = "has a name that is not a key name (no space, no '+', no control character)";
        else
        if (strlen (eq + 1) != 2 * SH_PUBKEY_BYTES || sh_crypto_unhex (pk, sizeof pk, eq + 1) != SH_OK)
            problem = "has a key that is not 64 hex digits";
    }
    if (problem) {
        if (why && why_len)
            snprintf (why, why_len, "the witness '%.80s' %s", text, problem);
        return SH_EINVAL;
    }
    return sh_cosig_witness_init (out, name, pk);
}

void
sh_cosig_witness_format (const sh_cosig_witness_t *w, char out[SH_COSIG_WITNESS_MAX])
{
    char hex[2 * SH_PUBKEY_BYTES + 1];
    sh_crypto_hex (hex, w->pubkey, SH_PUBKEY_BYTES);
    snprintf (out, SH_COSIG_WITNESS_MAX, "%s=%s", w->name, hex);
}

//  The signed message: header, time line, note text (caller frees).
static uint8_t *
s_message (const char *text, size_t text_len, uint64_t timestamp, size_t *len)
{
    char head[S_HEADER_MAX];
    int n = snprintf (head, sizeof head, S_HEADER "%" PRIu64 "\n", timestamp);
    uint8_t *msg = malloc ((size_t) n + text_len);
    if (!msg)
        return NULL;
    memcpy (msg, head, (size_t) n);
    memcpy (msg + n, text, text_len);
    *len = (size_t) n + text_len;
    return msg;
}

sh_err
sh_cosig_sign (char **line, size_t *line_len, const char *text, size_t text_len, const sh_key_t *key,
               const char *name, uint64_t timestamp)
{
    assert (line && text && key && name);
    *line = NULL;
    if (line_len)
        *line_len = 0;
    if (!sh_note_name_valid (name) || timestamp > SH_COSIG_TIME_MAX || text_len == 0
    ||  text_len > SH_NOTE_MAX_BYTES || text[text_len - 1] != '\n')
        return SH_EINVAL;
    uint8_t raw[SH_COSIG_BYTES];
    uint32_t id = sh_cosig_key_id (name, sh_key_public (key));
    for (int i = 0; i < 4; i++)
        raw[i] = (uint8_t) (id >> (24 - 8 * i));
    for (int i = 0; i < 8; i++)
        raw[4 + i] = (uint8_t) (timestamp >> (56 - 8 * i));
    size_t mlen;
    uint8_t *msg = s_message (text, text_len, timestamp, &mlen);
    if (!msg)
        return SH_ENOMEM;
    sh_err rc = sh_key_sign (key, raw + 12, NULL, 0, msg, mlen);
    free (msg);
    if (rc)
        return rc;
    char b64[sodium_base64_ENCODED_LEN (SH_COSIG_BYTES, S_B64)];
    sodium_bin2base64 (b64, sizeof b64, raw, sizeof raw, S_B64);
    size_t total = S_SIG_PREFIX_LEN + strlen (name) + 1 + strlen (b64) + 1;
    char *out = malloc (total + 1);
    if (!out)
        return SH_ENOMEM;
    snprintf (out, total + 1, S_SIG_PREFIX "%s %s\n", name, b64);
    *line = out;
    if (line_len)
        *line_len = total;
    return SH_OK;
}

//  Does signature line s (of a note with text) verify as w's cosignature?
//  SH_OK with its time, or SH_ECRYPTO.
static sh_err
s_check (const sh_note_sig_t *s, const char *text, size_t text_len, const sh_cosig_witness_t *w,
         uint64_t *timestamp)
{
    if (s->sig_len != SH_COSIG_BYTES - SH_NOTE_KEYID_BYTES)
        return SH_ECRYPTO;
    uint64_t t = 0;
    for (int i = 0; i < 8; i++)
        t = t << 8 | s->sig[i];
    if (t > SH_COSIG_TIME_MAX)
        return SH_ECRYPTO;
    size_t mlen;
    uint8_t *msg = s_message (text, text_len, t, &mlen);
    if (!msg)
        return SH_ENOMEM;
    sh_err rc = sh_crypto_verify (s->sig + 8, msg, mlen, w->pubkey);
    free (msg);
    if (rc == SH_OK)
        *timestamp = t;
    return rc == SH_ENOMEM ? rc : rc ? SH_ECRYPTO : SH_OK;
}

sh_err
sh_cosig_verify (const sh_note_t *note, const sh_cosig_witness_t *w, uint64_t *timestamp)
{
    assert (note && w);
    size_t text_len;
    const char *text = sh_note_text (note, &text_len);
    bool found = false;
    uint64_t newest = 0;
    for (size_t i = 0; i < sh_note_sig_count (note); i++) {
        const sh_note_sig_t *s = sh_note_sig (note, i);
        if (s->key_id != w->key_id || strcmp (s->name, w->name) != 0)
            continue;
        uint64_t t = 0;
        sh_err rc = s_check (s, text, text_len, w, &t);
        if (rc)
            return rc;
        found = true;
        if (t > newest)
            newest = t;
    }
    if (found && timestamp)
        *timestamp = newest;
    return found ? SH_OK : SH_ENOTFOUND;
}

sh_err
sh_cosig_verify_line (const char *text, size_t text_len, const char *line, size_t line_len,
                      const sh_cosig_witness_t *w, uint64_t *timestamp)
{
    assert (text && line && w);
    char *probe = malloc (text_len + 1 + line_len);
    if (!probe)
        return SH_ENOMEM;
    memcpy (probe, text, text_len);
    probe[text_len] = '\n';
    memcpy (probe + text_len + 1, line, line_len);
    sh_note_t *one = NULL;
    sh_err rc = sh_note_parse (&one, probe, text_len + 1 + line_len);
    free (probe);
    if (rc == SH_OK && sh_note_sig_count (one) != 1)
        rc = SH_EPROTO;
    if (rc == SH_OK) {
        rc = sh_cosig_verify (one, w, timestamp);
        rc = rc == SH_ENOTFOUND ? SH_ECRYPTO : rc;      //  another cosigner's line
    }
    sh_note_destroy (&one);
    return rc;
}

size_t
sh_cosig_count (const sh_note_t *note, const sh_cosig_witness_t *w, size_t n, bool *ok)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        bool good = sh_cosig_verify (note, &w[i], NULL) == SH_OK;
        bool again = false;
        for (size_t k = 0; k < i && !again; k++)
            again = w[k].key_id == w[i].key_id && !memcmp (w[k].pubkey, w[i].pubkey, SH_PUBKEY_BYTES)
                 && !strcmp (w[k].name, w[i].name);
        if (ok)
            ok[i] = good;
        if (good && !again)
            count++;
    }
    return count;
}

sh_err
sh_cosig_add (char **out, size_t *out_len, const char *note, size_t note_len, const char *line, size_t line_len)
{
    assert (out && note && line);
    *out = NULL;
    if (out_len)
        *out_len = 0;
    sh_note_t *parsed = NULL, *one = NULL;
    sh_err rc = sh_note_parse (&parsed, note, note_len);
    if (rc)
        return rc;
    size_t text_len;
    const char *text = sh_note_text (parsed, &text_len);
    //  the new line alone under the same text: its name and key ID
    char *probe = malloc (text_len + 1 + line_len);
    char *buf = malloc (note_len + line_len + 1);
    if (!probe || !buf) {
        rc = SH_ENOMEM;
        goto done;
    }
    memcpy (probe, text, text_len);
    probe[text_len] = '\n';
    memcpy (probe + text_len + 1, line, line_len);
    rc = sh_note_parse (&one, probe, text_len + 1 + line_len);
    if (rc == SH_OK && sh_note_sig_count (one) != 1)
        rc = SH_EPROTO;
    if (rc)
        goto done;
    const sh_note_sig_t *mine = sh_note_sig (one, 0);
    //  text, blank line, every line but the same cosigner's, the new one
    size_t used = text_len + 1, kept = 0;
    memcpy (buf, note, used);
    const char *p = note + used;
    for (size_t i = 0; i < sh_note_sig_count (parsed); i++) {
        const char *eol = memchr (p, '\n', (size_t) (note + note_len - p));
        size_t len = (size_t) (eol - p) + 1;
        const sh_note_sig_t *s = sh_note_sig (parsed, i);
        if (s->key_id != mine->key_id || strcmp (s->name, mine->name) != 0) {
            memcpy (buf + used, p, len);
            used += len;
            kept++;
        }
        p += len;
    }
    if (kept + 1 > SH_NOTE_MAX_SIGS || used + line_len > SH_NOTE_MAX_BYTES) {
        rc = SH_EINVAL;
        goto done;
    }
    memcpy (buf + used, line, line_len);
    used += line_len;
    buf[used] = 0;
    *out = buf;
    buf = NULL;
    if (out_len)
        *out_len = used;
done:
    free (buf);
    free (probe);
    sh_note_destroy (&one);
    sh_note_destroy (&parsed);
    return rc;
}
