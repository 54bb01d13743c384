/*  sh_text -- hidden code points: refused at entry, escaped in reports. */
#include "sh_text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint32_t first;       //  first code point of the range
    uint32_t last;        //  last code point of the range
    const char *name;     //  the Unicode name (of the range's kind)
} s_range_t;

static const s_range_t s_hidden[] = {
    { 0x0000, 0x001F, "C0 CONTROL" },
    { 0x007F, 0x007F, "DELETE" },
    { 0x0080, 0x009F, "C1 CONTROL" },
    { 0x061C, 0x061C, "ARABIC LETTER MARK" },
    { 0x200B, 0x200B, "ZERO WIDTH SPACE" },
    { 0x200C, 0x200C, "ZERO WIDTH NON-JOINER" },
    { 0x200D, 0x200D, "ZERO WIDTH JOINER" },
    { 0x200E, 0x200E, "LEFT-TO-RIGHT MARK" },
    { 0x200F, 0x200F, "RIGHT-TO-LEFT MARK" },
    { 0x202A, 0x202A, "LEFT-TO-RIGHT EMBEDDING" },
    { 0x202B, 0x202B, "RIGHT-TO-LEFT EMBEDDING" },
    { 0x202C, 0x202C, "POP DIRECTIONAL FORMATTING" },
    { 0x202D, 0x202D, "LEFT-TO-RIGHT OVERRIDE" },
    { 0x202E, 0x202E, "RIGHT-TO-LEFT OVERRIDE" },
    { 0x2066, 0x2066, "LEFT-TO-RIGHT ISOLATE" },
    { 0x2067, 0x2067, "RIGHT-TO-LEFT ISOLATE" },
    { 0x2068, 0x2068, "FIRST STRONG ISOLATE" },
    { 0x2069, 0x2069, "POP DIRECTIONAL ISOLATE" },
    { 0xFEFF, 0xFEFF, "ZERO WIDTH NO-BREAK SPACE" },
};

const char *
sh_text_hidden_name (uint32_t cp)
{
    for (size_t i = 0; i < sizeof s_hidden / sizeof s_hidden[0]; i++)
        if (cp >= s_hidden[i].first && cp <= s_hidden[i].last)
            return cp == '\t' ? "CHARACTER TABULATION" : cp == '\n' ? "LINE FEED"
                 : cp == '\r' ? "CARRIAGE RETURN" : s_hidden[i].name;
    return NULL;
}

//  Decode one UTF-8 sequence at s into *cp; its length, or 0 when the
//  bytes are not a well-formed sequence (overlong, surrogate, truncated).
static size_t
s_decode (const unsigned char *s, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t n = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2 : 0;
    if (n == 0 || s[0] > 0xF4)
        return 0;
    uint32_t v = s[0] & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
    if (v < min[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

bool
sh_text_find_hidden (const char *s, unsigned flags, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *) s;
    while (*p) {
        uint32_t c;
        size_t n = s_decode (p, &c);
        if (n == 0) {
            p++;
            continue;
        }
        if (sh_text_hidden_name (c) && !(c == '\n' && (flags & SH_TEXT_MULTILINE))) {
            *cp = c;
            return true;
        }
        p += n;
    }
    return false;
}

char *
sh_text_escape (const char *s)
{
    if (!s)
        s = "";
    //  an escape is at most 8 bytes for at least one byte of input
    size_t len = strlen (s);
    if (len > (SIZE_MAX - 1) / 8)
        return NULL;
    char *out = malloc (len * 8 + 1);
    if (!out)
        return NULL;
    char *o = out;
    const unsigned char *p = (const unsigned char *) s;
    while (*p) {
        uint32_t c;
        size_t n = s_decode (p, &c);
        if (n == 0) {
            o += sprintf (o, "<0x%02X>", *p);
            p++;
        }
        else
        if (sh_text_hidden_name (c)) {
            o += sprintf (o, "<U+%04X>", (unsigned) c);
            p += n;
        }
        else {
            memcpy (o, p, n);
            o += n;
            p += n;
        }
    }
    *o = 0;
    return out;
}

void
sh_text_csv_cell (FILE *f, const char *s)
{
    if (!s)
        s = "";
    //  neutralise on the raw first byte: tab and CR escape below, but a
    //  reader that unescapes must still meet the quote first
    bool formula = strchr ("=+-@\t\r", s[0]) != NULL && s[0] != 0;
    char *e = sh_text_escape (s);
    const char *t = e ? e : "";
    if (!formula && !strpbrk (t, ",\"\r\n")) {
        fputs (t, f);
        free (e);
        return;
    }
    fputc ('"', f);
    if (formula)
        fputc ('\'', f);
    for (; *t; t++) {
        if (*t == '"')
            fputc ('"', f);
        fputc (*t, f);
    }
    fputc ('"', f);
    free (e);
}

json_t *
sh_text_escape_json (json_t *v)
{
    uint32_t cp;
    if (json_is_string (v)) {
        if (!sh_text_find_hidden (json_string_value (v), 0, &cp))
            return json_incref (v);
        char *t = sh_text_escape (json_string_value (v));
        json_t *j = json_string (t ? t : "");
        free (t);
        return j ? j : json_string ("");
    }
    size_t i;
    const char *k;
    json_t *e;
    if (json_is_array (v))
        json_array_foreach (v, i, e)
            json_array_set_new (v, i, sh_text_escape_json (e));
    if (!json_is_object (v))
        return json_incref (v);
    bool bad_key = false;
    json_object_foreach (v, k, e)
        bad_key = bad_key || sh_text_find_hidden (k, 0, &cp);
    if (!bad_key) {
        json_object_foreach (v, k, e)
            json_object_set_new (v, k, sh_text_escape_json (e));     //  same key: replaced in place
        return json_incref (v);
    }
    json_t *copy = json_object ();
    json_object_foreach (v, k, e) {
        char *t = sh_text_escape (k);
        json_object_set_new (copy, t ? t : "", sh_text_escape_json (e));
        free (t);
    }
    return copy;
}

//  Is code point cp two columns wide (Unicode East Asian Width W or F)?
static bool
s_wide (uint32_t cp)
{
    return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF && cp != 0x303F)
        || (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F)
        || (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F)
        || (cp >= 0x20000 && cp <= 0x3FFFD);
}

int
sh_text_columns (const char *s)
{
    int cols = 0;
    const unsigned char *p = (const unsigned char *) s;
    while (*p) {
        uint32_t cp = *p;
        size_t n = cp < 0x80 ? 1 : (cp & 0xE0) == 0xC0 ? 2 : (cp & 0xF0) == 0xE0 ? 3 : (cp & 0xF8) == 0xF0 ? 4 : 0;
        size_t k = 1;
        if (n > 1) {
            cp &= 0x3F >> (n - 1);
            for (; k < n && (p[k] & 0xC0) == 0x80; k++)
                cp = cp << 6 | (p[k] & 0x3F);
        }
        if (n == 0 || k < n) {      //  not UTF-8: a byte, a column
            cols++;
            p++;
            continue;
        }
        cols += s_wide (cp) ? 2 : 1;
        p += n;
    }
    return cols;
}

void
sh_text_pad (FILE *f, const char *s, int width, bool right)
{
    int cols = sh_text_columns (s);
    int pad = width > cols ? width - cols : 0;
    if (right)
        fprintf (f, "%*s%s", pad, "", s);
    else
        fprintf (f, "%s%*s", s, pad, "");
}
