/*  sh_conf -- a configuration file of `key = value` lines
    (/etc/shouhe/hub.conf, /etc/shouhe/node.conf, or --config FILE; the
    format is shouhe.conf(5), docs/man/shouhe.conf.5).

    A line is `key = value`, a comment starting with `#` (after optional
    blanks), or blank. Keys are the programs' long option names (`dir`,
    `hub`, `hub-key`, `deadline`, `bind`, ...); the value is the rest of
    the line after `=`, blanks around it removed, taken literally (no
    quotes, no escapes; a `#` inside a value is part of it). This module
    only reads the lines: which keys exist and what values they take is
    the program's business, and it names the file and line of an entry
    in its messages (sh_conf_path, sh_conf_line).

    An sh_conf_t owns copies of every key and value; the strings stay valid
    until sh_conf_destroy. Not thread-safe; no global state.
*/
#ifndef SH_CONF_H
#define SH_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "sh_err.h"

#define SH_CONF_LINE_MAX 4096     //  longest line accepted, in bytes

typedef struct sh_conf_t sh_conf_t;

//  Read the file at path into *self (caller owns it: sh_conf_destroy).
//  Returns SH_ENOTFOUND when the file does not exist (the caller decides
//  whether that matters), SH_EINVAL when a line is not `key = value`, a
//  comment or blank, or is longer than SH_CONF_LINE_MAX (why says the
//  file, line and what is wrong), SH_ESYSERR | errno when it cannot be
//  read (why says so too), SH_ENOMEM. *self is NULL on failure.
SH_NODISCARD sh_err sh_conf_load (sh_conf_t **self, const char *path, char *why, size_t why_len);

//  The configuration of a program: the file given (--config FILE), which
//  must exist, or when given is NULL the default file name (e.g.
//  "node.conf") in sh_conf_dir (), which may be missing (then *self is
//  NULL and the result SH_OK). Errors as sh_conf_load; why says them.
SH_NODISCARD sh_err sh_conf_open (sh_conf_t **self, const char *given, const char *name, char *why,
                                  size_t why_len);

//  A yes/no value: true, yes, on, 1 / false, no, off, 0. SH_EINVAL for
//  anything else.
SH_NODISCARD sh_err sh_conf_bool (const char *value, int *out);

//  How a program takes a configuration's entries as options (sh_conf_apply).
struct option;
typedef struct {
    const char *program;                            //  "shouhe-node", for messages
    const struct option *options;                   //  the program's getopt_long table
    bool (*takes) (const char *name, void *arg);    //  does the running command take --name?
    bool (*given) (int index, void *arg);           //  was options[index] on the command line?
    bool (*set) (int index, const char *value, void *arg);  //  take it; false after saying why
    void *arg;                                      //  their argument
} sh_conf_use_t;

//  Take the entries of self as options: a key that names no option of
//  use->options (or names "config" or "help") is an error; one the command
//  does not take, or that the command line gave (flags override the file),
//  is skipped; the others go to use->set, no_argument options only when
//  their value is yes (sh_conf_bool). Returns 0, or SH_EXIT_USAGE after
//  saying on stderr the file, line and key that are wrong. self may be
//  NULL (no file: nothing to take).
int sh_conf_apply (const sh_conf_t *self, const sh_conf_use_t *use);

//  sh_conf_open (given, name) and sh_conf_apply in one: the program's
//  configuration into *self (the values the options now point to live in
//  it: the caller destroys it, also on failure), its entries taken as
//  options. 0, or SH_EXIT_USAGE after saying why on stderr (a missing
//  --config FILE, an unreadable file, a bad line, key or value).
int sh_conf_use (sh_conf_t **self, const char *given, const char *name, const sh_conf_use_t *use);

//  Destroy the configuration; NULL-safe, nulls *self_p.
void sh_conf_destroy (sh_conf_t **self_p);

//  Number of entries, in file order (a key may appear more than once).
size_t sh_conf_count (const sh_conf_t *self);

//  Entry i's key, value and line number (1-based); i < sh_conf_count.
//  The strings live as long as self.
const char *sh_conf_key (const sh_conf_t *self, size_t i);
const char *sh_conf_value (const sh_conf_t *self, size_t i);
int sh_conf_line (const sh_conf_t *self, size_t i);

//  The path the configuration was read from (lives as long as self).
const char *sh_conf_path (const sh_conf_t *self);

//  The directory of the default configuration files: $SHOUHE_CONF_DIR when
//  set and not empty, else the one compiled in (SH_CONF_DIR: the install
//  prefix's sysconfdir + "/shouhe", e.g. /etc/shouhe). Borrowed; constant
//  or the environment's string.
const char *sh_conf_dir (void);

#endif
