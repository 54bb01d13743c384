/*  sh_note -- C2SP signed notes and tlog checkpoints.

    Parsing follows golang.org/x/mod/sumdb/note's Open step by step (UTF-8
    and control-character check over the whole message, split at the LAST
    "\n\n", one signature per line, name up to the first space) and is
    stricter where Go is lax: base64 must be canonical (zero pad bits),
    names and notes have length limits.

    This module includes sodium.h, which STYLE.md (13) otherwise keeps to
    sh_crypto and sh_key: only for libsodium's strict, constant-time base64
    codec (sodium_bin2base64 / sodium_base642bin), so that no base64 is
    written by hand. All signing and verifying still goes through sh_key and
    sh_crypto.
*/
#include "sh_note.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

//  "— ": em dash U+2014 in UTF-8, then a space.
#define S_SIG_PREFIX     "\xE2\x80\x94 "
#define S_SIG_PREFIX_LEN 4

#define S_B64 sodium_base64_VARIANT_ORIGINAL

//  A vkey's key: 0x01 || public key.
#define S_VKEY_KEY_BYTES (1 + SH_PUBKEY_BYTES)

_Static_assert (sizeof S_SIG_PREFIX - 1 == S_SIG_PREFIX_LEN, "signature line prefix");
_Static_assert (sodium_base64_ENCODED_LEN (S_VKEY_KEY_BYTES, S_B64) == 44 + 1, "vkey key base64");

struct sh_note_t {
    size_t text_len;                        //  note text length, final "\n" included
    size_t nsigs;                           //  signature lines, in note order
    sh_note_sig_t sigs[SH_NOTE_MAX_SIGS];   //  each points into arena
    size_t arena_size;                      //  bytes in arena
    size_t arena_used;                      //  bytes handed out so far
    char arena[];                           //  text + NUL, then per line: name + NUL, signature
};

//  Called by s_scan for each signature line; a non-SH_OK return stops it.
typedef sh_err (s_sig_fn) (void *arg, const char *name, size_t name_len, uint32_t key_id,
                           const uint8_t *sig, size_t sig_len);

static size_t s_utf8_next (const uint8_t *s, size_t n, uint32_t *cp);
static bool s_text_ok (const char *s, size_t n);
static bool s_name_ok (const char *s, size_t n);
static bool s_origin_ok (const char *s, size_t n);
static bool s_b64_decode (uint8_t *out, size_t cap, size_t *out_len, const char *b64, size_t n);
static sh_err s_scan (const char *msg, size_t len, size_t *text_len, s_sig_fn *fn, void *arg);


//  --------------------------------------------------------------------------
//  Text checks

//  Decode one UTF-8 sequence at s (n >= 1 bytes available): its length 1..4
//  and *cp, or 0 if it is not well-formed (RFC 3629: no overlong forms, no
//  surrogates, nothing above U+10FFFF -- what Go's utf8.DecodeRune accepts).
static size_t
s_utf8_next (const uint8_t *s, size_t n, uint32_t *cp)
{
    uint8_t c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v;
    uint8_t lo = 0x80, hi = 0xBF;   //  range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        v = c & 0x1F;
    }
    else
    if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        v = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0;              //  no overlong
        else
        if (c == 0xED)
            hi = 0x9F;              //  no surrogates
    }
    else
    if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        v = c & 0x07;
        if (c == 0xF0)
            lo = 0x90;              //  no overlong
        else
        if (c == 0xF4)
            hi = 0x8F;              //  nothing above U+10FFFF
    }
    else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    v = (v << 6) | (s[1] & 0x3F);
    for (size_t i = 2; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return len;
}

//  True when s[0..n) is UTF-8 with no control character but "\n".
static bool
s_text_ok (const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *) s;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = s_utf8_next (p + i, n - i, &cp);
        if (k == 0 || (cp < 0x20 && cp != '\n'))
            return false;
        i += k;
    }
    return true;
}

//  Unicode White_Space (what Go's unicode.IsSpace reports).
static bool
s_is_space (uint32_t cp)
{
    return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0
        || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028
        || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

//  A key name: 1..SH_NOTE_NAME_MAX bytes of UTF-8, no control character,
//  no Unicode space, no '+'.
static bool
s_name_ok (const char *s, size_t n)
{
    if (n == 0 || n > SH_NOTE_NAME_MAX)
        return false;
    const uint8_t *p = (const uint8_t *) s;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = s_utf8_next (p + i, n - i, &cp);
        if (k == 0 || cp < 0x20 || cp == '+' || s_is_space (cp))
            return false;
        i += k;
    }
    return true;
}

//  An origin line: 1..SH_NOTE_NAME_MAX bytes of UTF-8, no control character.
static bool
s_origin_ok (const char *s, size_t n)
{
    return n > 0 && n <= SH_NOTE_NAME_MAX && memchr (s, '\n', n) == NULL && s_text_ok (s, n);
}

//  Extension lines: each non-empty and ending in "\n", UTF-8, no control
//  character but "\n".
static bool
s_ext_ok (const char *s, size_t n)
{
    if (n == 0 || s[n - 1] != '\n' || !s_text_ok (s, n))
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\n' && (i == 0 || s[i - 1] == '\n'))
            return false;
    return true;
}

//  Strict standard base64 (RFC 4648 section 4): padded, canonical (zero
//  pad bits), nothing ignored, the whole of b64[0..n) decoded into at most
//  cap bytes. The empty string is refused. The alphabet is checked here
//  first: libsodium 1.0.18 (Debian 12) decodes every byte 0x80..0xFF as
//  '/', which would give one note or key several encodings (found by
//  tests/fuzz/fuzz_note.c). What is checked is public, so the branch on
//  each byte leaks nothing.
static bool
s_b64_decode (uint8_t *out, size_t cap, size_t *out_len, const char *b64, size_t n)
{
    if (n == 0 || n % 4 != 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = b64[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
        ||    c == '+' || c == '/' || c == '='))
            return false;
    }
    return sodium_base642bin (out, cap, b64, n, NULL, out_len, NULL, S_B64) == 0;
}

static uint32_t
s_get_be32 (const uint8_t *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static void
s_put_be32 (uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t) (v >> 24);
    p[1] = (uint8_t) (v >> 16);
    p[2] = (uint8_t) (v >> 8);
    p[3] = (uint8_t) v;
}


//  --------------------------------------------------------------------------
//  Key names, key IDs and verifier keys

bool
sh_note_name_valid (const char *name)
{
    assert (name);
    return s_name_ok (name, strnlen (name, SH_NOTE_NAME_MAX + 1));
}

uint32_t
sh_note_key_id (const char *name, const uint8_t pubkey[SH_PUBKEY_BYTES])
{
    return sh_note_key_id_alg (name, SH_NOTE_ALG_ED25519, pubkey);
}

uint32_t
sh_note_key_id_alg (const char *name, uint8_t alg, const uint8_t pubkey[SH_PUBKEY_BYTES])
{
    assert (name);
    assert (pubkey);
    assert (sh_note_name_valid (name));
    const uint8_t sep[2] = { '\n', alg };
    sh_crypto_sha256_t st;
    uint8_t digest[SH_HASH_BYTES];
    sh_crypto_sha256_init (&st);
    sh_crypto_sha256_update (&st, (const uint8_t *) name, strlen (name));
    sh_crypto_sha256_update (&st, sep, sizeof sep);
    sh_crypto_sha256_update (&st, pubkey, SH_PUBKEY_BYTES);
    sh_crypto_sha256_final (&st, digest);
    return s_get_be32 (digest);
}

sh_err
sh_note_vkey_init (sh_note_vkey_t *out, const char *name, const uint8_t pubkey[SH_PUBKEY_BYTES])
{
    assert (out);
    assert (name);
    assert (pubkey);
    memset (out, 0, sizeof *out);
    if (!sh_note_name_valid (name))
        return SH_EINVAL;
    memcpy (out->name, name, strlen (name) + 1);
    memcpy (out->pubkey, pubkey, SH_PUBKEY_BYTES);
    out->key_id = sh_note_key_id (name, pubkey);
    return SH_OK;
}

void
sh_note_vkey_format (const sh_note_vkey_t *vkey, char out[SH_NOTE_VKEY_MAX])
{
    assert (vkey);
    assert (out);
    assert (sh_note_name_valid (vkey->name));
    uint8_t key[S_VKEY_KEY_BYTES];
    key[0] = SH_NOTE_ALG_ED25519;
    memcpy (key + 1, vkey->pubkey, SH_PUBKEY_BYTES);
    char b64[sodium_base64_ENCODED_LEN (S_VKEY_KEY_BYTES, S_B64)];
    sodium_bin2base64 (b64, sizeof b64, key, sizeof key, S_B64);
    int n = snprintf (out, SH_NOTE_VKEY_MAX, "%s+%08" PRIx32 "+%s", vkey->name, vkey->key_id, b64);
    assert (n > 0 && n < SH_NOTE_VKEY_MAX);
    (void) n;
}

//  The value of one hex digit, or -1.
static int
s_hex_digit (char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

sh_err
sh_note_vkey_parse (sh_note_vkey_t *out, const char *text)
{
    assert (out);
    assert (text);
    memset (out, 0, sizeof *out);
    //  name "+" hash "+" key: split at the first two '+' (base64 holds '+').
    const char *plus1 = strchr (text, '+');
    if (!plus1)
        return SH_EINVAL;
    const char *plus2 = strchr (plus1 + 1, '+');
    if (!plus2)
        return SH_EINVAL;
    size_t name_len = (size_t) (plus1 - text);
    if (!s_name_ok (text, name_len) || plus2 - plus1 - 1 != 8)
        return SH_EINVAL;
    uint32_t key_id = 0;
    for (const char *h = plus1 + 1; h < plus2; h++) {
        int d = s_hex_digit (*h);
        if (d < 0)
            return SH_EINVAL;
        key_id = key_id << 4 | (uint32_t) d;
    }
    //  Decode into a larger buffer so that a longer key is told apart.
    uint8_t key[S_VKEY_KEY_BYTES + 3];
    size_t key_len;
    const char *b64 = plus2 + 1;
    if (!s_b64_decode (key, sizeof key, &key_len, b64, strlen (b64))
    ||  key_len != S_VKEY_KEY_BYTES || key[0] != SH_NOTE_ALG_ED25519)
        return SH_EINVAL;
    memcpy (out->name, text, name_len);
    out->name[name_len] = '\0';
    if (sh_note_key_id (out->name, key + 1) != key_id) {
        memset (out, 0, sizeof *out);
        return SH_EINVAL;
    }
    out->key_id = key_id;
    memcpy (out->pubkey, key + 1, SH_PUBKEY_BYTES);
    return SH_OK;
}


//  --------------------------------------------------------------------------
//  Signing

sh_err
sh_note_sign (char **out, size_t *out_len, const char *text, size_t text_len,
              const sh_key_t *key, const char *name)
{
    assert (out);
    assert (text || text_len == 0);
    assert (key);
    assert (name);
    *out = NULL;
    if (out_len)
        *out_len = 0;
    if (!sh_note_name_valid (name))
        return SH_EINVAL;
    if (text_len == 0 || text_len > SH_NOTE_MAX_BYTES || text[text_len - 1] != '\n'
    ||  !s_text_ok (text, text_len))
        return SH_EINVAL;

    uint8_t raw[SH_NOTE_KEYID_BYTES + SH_SIG_BYTES];
    s_put_be32 (raw, sh_note_key_id (name, sh_key_public (key)));
    sh_err rc = sh_key_sign (key, raw + SH_NOTE_KEYID_BYTES, NULL, 0,
                             (const uint8_t *) text, text_len);
    if (rc)
        return rc;
    char b64[sodium_base64_ENCODED_LEN (sizeof raw, S_B64)];
    sodium_bin2base64 (b64, sizeof b64, raw, sizeof raw, S_B64);

    size_t name_len = strlen (name);
    size_t b64_len = strlen (b64);
    size_t total = text_len + 1 + S_SIG_PREFIX_LEN + name_len + 1 + b64_len + 1;
    if (total > SH_NOTE_MAX_BYTES)
        return SH_EINVAL;
    char *buf = malloc (total + 1);
    if (!buf)
        return SH_ENOMEM;
    char *p = buf;
    memcpy (p, text, text_len);
    p += text_len;
    *p++ = '\n';
    memcpy (p, S_SIG_PREFIX, S_SIG_PREFIX_LEN);
    p += S_SIG_PREFIX_LEN;
    memcpy (p, name, name_len);
    p += name_len;
    *p++ = ' ';
    memcpy (p, b64, b64_len);
    p += b64_len;
    *p++ = '\n';
    *p = '\0';
    assert ((size_t) (p - buf) == total);
    *out = buf;
    if (out_len)
        *out_len = total;
    return SH_OK;
}


//  --------------------------------------------------------------------------
//  Parsing

//  Check the syntax of the signed note msg[0..len) and set *text_len. If fn
//  is not NULL, call it for each signature line in order (with the decoded
//  key ID and signature, valid during the call only); its first non-SH_OK
//  result is returned. SH_EPROTO if the note is malformed -- possibly after
//  fn was called for earlier lines: call once with fn NULL first when fn
//  must see well-formed notes only.
static sh_err
s_scan (const char *msg, size_t len, size_t *text_len, s_sig_fn *fn, void *arg)
{
    if (len == 0 || len > SH_NOTE_MAX_BYTES || msg[len - 1] != '\n' || !s_text_ok (msg, len))
        return SH_EPROTO;
    //  The text ends before the LAST blank line: find the last "\n\n".
    size_t split = 0;
    bool found = false;
    for (size_t i = len - 1; i > 0; i--)
        if (msg[i] == '\n' && msg[i - 1] == '\n') {
            split = i - 1;
            found = true;
            break;
        }
    if (!found || split + 2 == len)
        return SH_EPROTO;           //  no blank line, or no signature after it
    *text_len = split + 1;

    uint8_t raw[SH_NOTE_SIG_MAX_BYTES];
    size_t count = 0;
    size_t pos = split + 2;
    while (pos < len) {
        const char *line = msg + pos;
        //  Never NULL: msg ends in "\n".
        const char *nl = memchr (line, '\n', len - pos);
        size_t line_len = (size_t) (nl - line);
        pos += line_len + 1;
        if (++count > SH_NOTE_MAX_SIGS)
            return SH_EPROTO;
        if (line_len < S_SIG_PREFIX_LEN || memcmp (line, S_SIG_PREFIX, S_SIG_PREFIX_LEN) != 0)
            return SH_EPROTO;
        const char *name = line + S_SIG_PREFIX_LEN;
        const char *space = memchr (name, ' ', line_len - S_SIG_PREFIX_LEN);
        if (!space)
            return SH_EPROTO;
        size_t name_len = (size_t) (space - name);
        if (!s_name_ok (name, name_len))
            return SH_EPROTO;
        size_t raw_len;
        if (!s_b64_decode (raw, sizeof raw, &raw_len, space + 1, (size_t) (nl - space - 1))
        ||  raw_len < SH_NOTE_KEYID_BYTES + 1)
            return SH_EPROTO;
        if (fn) {
            sh_err rc = fn (arg, name, name_len, s_get_be32 (raw),
                            raw + SH_NOTE_KEYID_BYTES, raw_len - SH_NOTE_KEYID_BYTES);
            if (rc)
                return rc;
        }
    }
    return SH_OK;
}

//  s_scan callback of sh_note_parse: copy one signature line into the note.
static sh_err
s_collect (void *arg, const char *name, size_t name_len, uint32_t key_id,
           const uint8_t *sig, size_t sig_len)
{
    sh_note_t *self = arg;
    //  A line takes 4 + name_len + 1 + base64 (> sig_len + 4) + 1 bytes of
    //  the note, more than it takes here: the arena cannot overflow.
    assert (self->nsigs < SH_NOTE_MAX_SIGS);
    assert (self->arena_size - self->arena_used >= name_len + 1 + sig_len);
    char *p = self->arena + self->arena_used;
    memcpy (p, name, name_len);
    p[name_len] = '\0';
    memcpy (p + name_len + 1, sig, sig_len);
    self->sigs[self->nsigs++] = (sh_note_sig_t) {
        .name = p,
        .key_id = key_id,
        .sig = (const uint8_t *) (p + name_len + 1),
        .sig_len = sig_len
    };
    self->arena_used += name_len + 1 + sig_len;
    return SH_OK;
}

sh_err
sh_note_parse (sh_note_t **out, const char *msg, size_t len)
{
    assert (out);
    assert (msg || len == 0);
    *out = NULL;
    size_t text_len;
    sh_err rc = s_scan (msg, len, &text_len, NULL, NULL);
    if (rc)
        return rc;
    sh_note_t *self = malloc (sizeof *self + len + 1);
    if (!self)
        return SH_ENOMEM;
    self->text_len = text_len;
    self->nsigs = 0;
    self->arena_size = len + 1;
    memcpy (self->arena, msg, text_len);
    self->arena[text_len] = '\0';
    self->arena_used = text_len + 1;
    rc = s_scan (msg, len, &text_len, s_collect, self);
    if (rc) {
        free (self);
        return rc;
    }
    *out = self;
    return SH_OK;
}

void
sh_note_destroy (sh_note_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        free (*self_p);
        *self_p = NULL;
    }
}

const char *
sh_note_text (const sh_note_t *self, size_t *len)
{
    assert (self);
    if (len)
        *len = self->text_len;
    return self->arena;
}

size_t
sh_note_sig_count (const sh_note_t *self)
{
    assert (self);
    return self->nsigs;
}

const sh_note_sig_t *
sh_note_sig (const sh_note_t *self, size_t i)
{
    assert (self);
    assert (i < self->nsigs);
    return &self->sigs[i];
}


//  --------------------------------------------------------------------------
//  Verifying

typedef struct {
    const sh_note_vkey_t *vkey;     //  the trusted key
    const char *text;               //  the note text
    size_t text_len;                //  its length
    bool found;                     //  a line of vkey was seen
} s_verify_t;

//  Check one signature line against the trusted key (s_scan callback too).
static sh_err
s_verify_line (void *arg, const char *name, size_t name_len, uint32_t key_id,
               const uint8_t *sig, size_t sig_len)
{
    s_verify_t *v = arg;
    if (key_id != v->vkey->key_id || name_len != strlen (v->vkey->name)
    ||  memcmp (name, v->vkey->name, name_len) != 0)
        return SH_OK;               //  another key's line: ignored
    v->found = true;
    if (sig_len != SH_SIG_BYTES)
        return SH_ECRYPTO;
    return sh_crypto_verify (sig, (const uint8_t *) v->text, v->text_len, v->vkey->pubkey);
}

sh_err
sh_note_verify (const sh_note_t *self, const sh_note_vkey_t *vkey)
{
    assert (self);
    assert (vkey);
    s_verify_t v = { vkey, self->arena, self->text_len, false };
    for (size_t i = 0; i < self->nsigs; i++) {
        const sh_note_sig_t *s = &self->sigs[i];
        sh_err rc = s_verify_line (&v, s->name, strlen (s->name), s->key_id, s->sig, s->sig_len);
        if (rc)
            return rc;
    }
    return v.found ? SH_OK : SH_ENOTFOUND;
}


//  --------------------------------------------------------------------------
//  Checkpoints

sh_err
sh_note_checkpoint_format (char **out, size_t *out_len, const char *origin, uint64_t size,
                           const uint8_t root[SH_HASH_BYTES], const char *ext)
{
    assert (out);
    assert (origin);
    assert (root);
    *out = NULL;
    if (out_len)
        *out_len = 0;
    size_t origin_len = strnlen (origin, SH_NOTE_NAME_MAX + 1);
    if (!s_origin_ok (origin, origin_len))
        return SH_EINVAL;
    size_t ext_len = ext ? strnlen (ext, SH_NOTE_MAX_BYTES + 1) : 0;
    if (ext_len > 0 && !s_ext_ok (ext, ext_len))
        return SH_EINVAL;

    char num[21];
    int num_len = snprintf (num, sizeof num, "%" PRIu64, size);
    assert (num_len > 0 && (size_t) num_len < sizeof num);
    char b64[sodium_base64_ENCODED_LEN (SH_HASH_BYTES, S_B64)];
    sodium_bin2base64 (b64, sizeof b64, root, SH_HASH_BYTES, S_B64);
    size_t b64_len = strlen (b64);

    size_t total = origin_len + 1 + (size_t) num_len + 1 + b64_len + 1 + ext_len;
    if (total > SH_NOTE_MAX_BYTES)
        return SH_EINVAL;
    char *buf = malloc (total + 1);
    if (!buf)
        return SH_ENOMEM;
    int n = snprintf (buf, total + 1, "%s\n%s\n%s\n%s", origin, num, b64, ext_len ? ext : "");
    assert (n >= 0 && (size_t) n == total);
    (void) n;
    *out = buf;
    if (out_len)
        *out_len = total;
    return SH_OK;
}

//  A tree size line: decimal digits, no sign, no leading zero but "0",
//  within 64 bits.
static bool
s_parse_size (const char *s, size_t n, uint64_t *out)
{
    if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        uint64_t d = (uint64_t) (s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

sh_err
sh_note_checkpoint_parse (sh_note_checkpoint_t *out, const char *text, size_t len)
{
    assert (out);
    assert (text || len == 0);
    memset (out, 0, sizeof *out);
    if (len == 0 || len > SH_NOTE_MAX_BYTES || text[len - 1] != '\n' || !s_text_ok (text, len))
        return SH_EPROTO;
    const char *end = text + len;
    //  Each memchr finds a "\n": the text ends in one.
    const char *origin = text;
    const char *origin_end = memchr (origin, '\n', (size_t) (end - origin));
    if (!s_origin_ok (origin, (size_t) (origin_end - origin)) || origin_end + 1 == end)
        return SH_EPROTO;
    const char *size = origin_end + 1;
    const char *size_end = memchr (size, '\n', (size_t) (end - size));
    uint64_t tree_size;
    if (!s_parse_size (size, (size_t) (size_end - size), &tree_size) || size_end + 1 == end)
        return SH_EPROTO;
    const char *root = size_end + 1;
    const char *root_end = memchr (root, '\n', (size_t) (end - root));
    uint8_t hash[SH_HASH_BYTES + 3];    //  room to tell a longer hash apart
    size_t hash_len;
    if (!s_b64_decode (hash, sizeof hash, &hash_len, root, (size_t) (root_end - root))
    ||  hash_len != SH_HASH_BYTES)
        return SH_EPROTO;
    const char *ext = root_end + 1;
    size_t ext_len = (size_t) (end - ext);
    if (ext_len > 0 && !s_ext_ok (ext, ext_len))
        return SH_EPROTO;

    memcpy (out->origin, origin, (size_t) (origin_end - origin));
    out->origin[origin_end - origin] = '\0';
    out->size = tree_size;
    memcpy (out->root, hash, SH_HASH_BYTES);
    out->ext = ext_len ? ext : NULL;
    out->ext_len = ext_len;
    return SH_OK;
}

sh_err
sh_note_checkpoint_open (sh_note_checkpoint_t *out, const char *msg, size_t len,
                         const sh_note_vkey_t *vkey, const char *origin)
{
    assert (out);
    assert (msg || len == 0);
    assert (vkey);
    memset (out, 0, sizeof *out);
    //  Whole syntax first, then the signatures, then (verified) the text.
    size_t text_len;
    sh_err rc = s_scan (msg, len, &text_len, NULL, NULL);
    if (rc)
        return rc;
    s_verify_t v = { vkey, msg, text_len, false };
    rc = s_scan (msg, len, &text_len, s_verify_line, &v);
    if (rc)
        return rc;
    if (!v.found)
        return SH_ENOTFOUND;
    rc = sh_note_checkpoint_parse (out, msg, text_len);
    if (rc)
        return rc;
    if (origin && strcmp (out->origin, origin) != 0) {
        memset (out, 0, sizeof *out);
        return SH_EPROTO;
    }
    return SH_OK;
}
