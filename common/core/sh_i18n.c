/*  sh_i18n -- the programs speak the user's language (gettext). */
#include "sh_i18n.h"

#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef SH_I18N_LOCALEDIR
#define SH_I18N_LOCALEDIR "share/locale"
#endif

//  The first of the variables that name the messages' locale, as
//  setlocale reads them (NULL if none is set).
static const char *
s_env_locale (void)
{
    static const char *const vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv (vars[i]);
        if (v && *v)
            return v;
    }
    return NULL;
}

static bool
s_is_dir (const char *path)
{
    struct stat st;
    return stat (path, &st) == 0 && S_ISDIR (st.st_mode);
}

//  The catalogue directory into dir (see the header); false if none.
static bool
s_locale_dir (char *dir, size_t dir_len)
{
    const char *env = getenv ("SHOUHE_LOCALEDIR");
    if (env && *env) {
        snprintf (dir, dir_len, "%s", env);
        return true;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return false;
    exe[n] = 0;
    char *slash = strrchr (exe, '/');
    if (!slash)
        return false;
    *slash = 0;
    snprintf (dir, dir_len, "%s/../%s", exe, SH_I18N_LOCALEDIR);
    if (s_is_dir (dir))
        return true;
    snprintf (dir, dir_len, "%s/../locale", exe);
    return s_is_dir (dir);
}

void
sh_i18n_init (void)
{
    if (!setlocale (LC_ALL, "")) {
        //  the named locale is not installed: C.UTF-8 for the characters,
        //  the named language for the messages (LANGUAGE, unless set)
        const char *named = s_env_locale ();
        setlocale (LC_ALL, "C.UTF-8");
        if (named && strcmp (named, "C") != 0 && strcmp (named, "POSIX") != 0)
            setenv ("LANGUAGE", named, 0);
    }
    setlocale (LC_NUMERIC, "C");
    char dir[PATH_MAX + 32];
    if (s_locale_dir (dir, sizeof dir))
        bindtextdomain (SH_I18N_DOMAIN, dir);
    bind_textdomain_codeset (SH_I18N_DOMAIN, "UTF-8");
    textdomain (SH_I18N_DOMAIN);
}

bool
sh_i18n_chinese (void)
{
    /*  TRANSLATORS: the language code of this catalogue ("zh"): the
        programs ask this to learn which catalogue is in effect. */
    return strncmp (_("language: en"), "zh", 2) == 0;
}

void
sh_i18n_format (char *out, size_t out_len, bool shown, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    //  the format is a marked literal of the caller's, checked there
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    vsnprintf (out, out_len, shown ? gettext (fmt) : fmt, ap);
#pragma GCC diagnostic pop
    va_end (ap);
}
