/*  sh_i18n -- the programs speak the user's language (gettext).

    Every sentence a person reads -- help texts, messages, the labels of
    text output and of reports -- is written in English in the source,
    marked _("...") (or N_("...") where a table holds it, translated where
    it is used), and looked up at run time in the catalogue of the locale
    (po/zh_CN.po, compiled to shouhe.mo). What a program or a peer parses
    -- JSON keys and values, the wire, option names, the domain's English
    short names in JSON -- is not translated.

    The locale decides, as for every Debian program: LANGUAGE, LC_ALL,
    LC_MESSAGES, LANG (LANG=zh_CN.UTF-8: Chinese; otherwise English). A
    device whose environment names a locale that is not installed (no
    `locale-gen zh_CN.UTF-8`) still gets its language: the programs fall
    back to C.UTF-8 for the character set and keep the named language for
    the messages. Numbers are always printed the C way (LC_NUMERIC "C"),
    so JSON and CSV do not change with the locale.

    The catalogue is found relative to the running executable, so that a
    build tree, an installed tree and a moved copy of one all work:
      1. SHOUHE_LOCALEDIR, when set (a directory holding
         zh_CN/LC_MESSAGES/shouhe.mo);
      2. <bindir>/../<SH_I18N_LOCALEDIR> (installed: share/locale);
      3. <bindir>/../locale (the build tree).
    Without a catalogue everything is English.

    Only main calls sh_i18n_init, once, before any thread starts (it sets
    the process's locale and may set LANGUAGE). Code that runs without it
    (unit tests, libraries in other programs) prints English.
*/
#ifndef SH_I18N_H
#define SH_I18N_H

#include <libintl.h>
#include <stdbool.h>
#include <stddef.h>

#define SH_I18N_DOMAIN "shouhe"

//  A sentence to translate now; N_ marks one a table holds, to translate
//  with _ where it is printed. xgettext collects both (scripts/i18n.sh).
#define _(text) gettext (text)
#define N_(text) text

//  Format fmt, a sentence marked N_, into out (out_len bytes): translated
//  when shown, else in English -- for a message that is both shown to a
//  person and stored or sent, where the stored one must not depend on the
//  locale (sh_domain's rule messages, sh_plaus's warnings).
void sh_i18n_format (char *out, size_t out_len, bool shown, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

//  Set the locale from the environment and bind the catalogue (see above).
void sh_i18n_init (void);

//  Is the language in effect Chinese (the catalogue's "zh" messages)? True
//  when a translation was found for the probe sentence; reports use it
//  to choose their Chinese layout.
bool sh_i18n_chinese (void);

#endif
