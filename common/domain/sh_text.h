/*  sh_text -- user text that cannot attack its readers: the hidden code
    points refused at entry (bidirectional controls, zero-width and other
    invisible characters, C0 and C1 controls), their visible escapes in
    reports, and the CSV cell that a spreadsheet shows as text.

    The hidden code points (docs/protocol.md, 6.3):
      C0 controls U+0000..U+001F and DEL U+007F (a line feed U+000A is
      allowed in free text only, see SH_TEXT_MULTILINE), C1 controls
      U+0080..U+009F, U+061C ARABIC LETTER MARK, U+200B..U+200D (zero
      width), U+200E/U+200F (LTR/RTL MARK), U+202A..U+202E (embeddings and
      overrides), U+2066..U+2069 (isolates), U+FEFF (ZERO WIDTH NO-BREAK
      SPACE).

    Text is UTF-8; bytes that are not UTF-8 are escaped as <0xNN>.
    Stateless and thread-safe; no allocation except in sh_text_escape and
    sh_text_escape_json.
*/
#ifndef SH_TEXT_H
#define SH_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#define SH_TEXT_MULTILINE 1u  //  flag: a line feed is allowed (notes, descriptions)

//  The name of hidden code point cp ("RIGHT-TO-LEFT OVERRIDE"), or NULL
//  when cp is not hidden. Static string.
const char *sh_text_hidden_name (uint32_t cp);

//  Find the first hidden code point of s (NUL-terminated UTF-8) under
//  flags; true and *cp set if there is one. Bytes that are not UTF-8 are
//  not looked at here (sh_record_utf8_valid refuses those).
bool sh_text_find_hidden (const char *s, unsigned flags, uint32_t *cp);

//  A copy of s with every hidden code point (line feeds too) written as
//  "<U+202E>" and every byte that is not UTF-8 as "<0xNN>"; NULL s gives
//  "". Caller owns the result and frees it; NULL when out of memory.
char *sh_text_escape (const char *s);

//  v with every hidden code point in its strings and object keys escaped
//  as by sh_text_escape, for text shown to people (reports, the node's
//  text views): codes and regions come from record ids and names from
//  bodies, which an older version or a malicious replica may have let
//  through. Returns a new reference the caller owns: v itself (its strings
//  replaced in place), or a copy (an object with such a key).
json_t *sh_text_escape_json (json_t *v);

//  Write s to f as one CSV cell (RFC 4180): quoted when it holds a comma,
//  quote, CR or LF or must be neutralised; hidden code points escaped as
//  by sh_text_escape; and a cell that starts with '=', '+', '-', '@', tab
//  or CR gets a leading "'" (OWASP's CSV injection rule), so spreadsheets
//  show it as text instead of running it as a formula. For text cells
//  only: numbers the program writes go out as numbers. Out of memory the
//  cell is written empty (f's own errors are the caller's to check).
void sh_text_csv_cell (FILE *f, const char *s);

//  The columns UTF-8 text s takes on a terminal: two for a wide character
//  (East Asian Wide and Fullwidth: CJK, Hangul, fullwidth forms ...), one
//  for any other, and one per byte that is not valid UTF-8 (what a
//  terminal shows for it). Needs no locale.
int sh_text_columns (const char *s);

//  Write s to f padded with spaces to width columns (sh_text_columns), on
//  the right of s (right: on its left): what "%-*s" ("%*s") do for ASCII.
void sh_text_pad (FILE *f, const char *s, int width, bool right);

#endif
