/*  shouhe-node -- a village (or town) node: the local replica and the CLI
    that clerks and courtyard heads use, fully offline.

    Usage: shouhe-node COMMAND [SUBCOMMAND] --dir DIR [OPTIONS] [ARGS]
    (`shouhe-node --help` lists the commands). Parsing is getopt_long over
    one table of every option; each command then refuses options that are
    not its own. Exit codes: node_cli.h.
*/
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "node_cli.h"
#include "sh_conf.h"
#include "sh_crypto.h"
#include "sh_fault.h"
#include "sh_i18n.h"
#include "sh_ops.h"

//  Every option of every command. The index in this table is the option's
//  bit in node_args_t.given; keep "dir" first.
static const struct option s_options[] = {
    { "dir", required_argument, NULL, 0 },
    { "scope", required_argument, NULL, 0 },
    { "code", required_argument, NULL, 0 },
    { "name", required_argument, NULL, 0 },
    { "households", required_argument, NULL, 0 },
    { "residents", required_argument, NULL, 0 },
    { "elderly", required_argument, NULL, 0 },
    { "model", no_argument, NULL, 0 },
    { "point", required_argument, NULL, 0 },
    { "grid", required_argument, NULL, 0 },
    { "group", required_argument, NULL, 0 },
    { "courtyard", required_argument, NULL, 0 },
    { "category", required_argument, NULL, 0 },
    { "title", required_argument, NULL, 0 },
    { "description", required_argument, NULL, 0 },
    { "note", required_argument, NULL, 0 },
    { "date", required_argument, NULL, 0 },
    { "gender", required_argument, NULL, 0 },
    { "birth-year", required_argument, NULL, 0 },
    { "party-member", no_argument, NULL, 0 },
    { "phone", required_argument, NULL, 0 },
    { "person", required_argument, NULL, 0 },
    { "role", required_argument, NULL, 0 },
    { "nomination", required_argument, NULL, 0 },
    { "reason", required_argument, NULL, 0 },
    { "kind", required_argument, NULL, 0 },
    { "attendance", required_argument, NULL, 0 },
    { "invited", required_argument, NULL, 0 },
    { "topic", required_argument, NULL, 0 },
    { "decision", required_argument, NULL, 0 },
    { "location", required_argument, NULL, 0 },
    { "level", required_argument, NULL, 0 },
    { "outcome", required_argument, NULL, 0 },
    { "parties", required_argument, NULL, 0 },
    { "summary", required_argument, NULL, 0 },
    { "matter", required_argument, NULL, 0 },
    { "amount", required_argument, NULL, 0 },
    { "unit", required_argument, NULL, 0 },
    { "period", required_argument, NULL, 0 },
    { "content", required_argument, NULL, 0 },
    { "effect", required_argument, NULL, 0 },
    { "satisfaction", required_argument, NULL, 0 },
    { "json", no_argument, NULL, 0 },
    { "hub", required_argument, NULL, 0 },
    { "hub-key", required_argument, NULL, 0 },
    { "deadline", required_argument, NULL, 0 },
    { "watch", no_argument, NULL, 0 },
    { "since", required_argument, NULL, 0 },
    { "format", required_argument, NULL, 0 },
    { "config", required_argument, NULL, 0 },
    { "tier", required_argument, NULL, 0 },
    { "open", no_argument, NULL, 0 },
    { "closed", no_argument, NULL, 0 },
    { "village", required_argument, NULL, 0 },
    { "step", required_argument, NULL, 0 },
    { "older-than", required_argument, NULL, 0 },
    { "history", no_argument, NULL, 0 },
    { "no-model", no_argument, NULL, 0 },
    { "no-party-member", no_argument, NULL, 0 },
    { "excel", no_argument, NULL, 0 },
    { "output", required_argument, NULL, 0 },
    { "add", required_argument, NULL, 0 },
    { "remove", required_argument, NULL, 0 },
    { "quorum", required_argument, NULL, 0 },
    { "seal", required_argument, NULL, 0 },
    { "compress", required_argument, NULL, 0 },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
};

//  The command named by the first one or two words (a two-word command wins).
_Static_assert (sizeof s_options / sizeof s_options[0] <= 64 * NODE_GIVEN_WORDS,
                "node_args_t.given has one bit per option");

static const node_command_t *
s_find (const char *w1, const char *w2)
{
    for (const node_command_t *c = node_commands; c->word1; c++)
        if (c->word2 && w2 && !strcmp (c->word1, w1) && !strcmp (c->word2, w2))
            return c;
    for (const node_command_t *c = node_commands; c->word1; c++)
        if (!c->word2 && !strcmp (c->word1, w1))
            return c;
    return NULL;
}

//  List the subcommands of w1 (when it has any) on stderr; true if it has.
static bool
s_subcommands (const char *w1)
{
    bool any = false;
    for (const node_command_t *c = node_commands; c->word1; c++)
        if (c->word2 && !strcmp (c->word1, w1)) {
            fprintf (stderr, "  %s\n", c->usage);
            any = true;
        }
    return any;
}

static void
s_usage_all (FILE *f)
{
    fprintf (f, _("usage: shouhe-node COMMAND --dir DIR [OPTIONS]\n\n"
                  "A village or town node of shouhe: the signed local replica and its CLI.\n\n"
                  "commands:\n"));
    for (const node_command_t *c = node_commands; c->word1; c++)
        fprintf (f, "  %s\n", c->usage);
    fprintf (f, _("\n`shouhe-node COMMAND --help` describes one command.\n"
                  "exit codes: 0 done, 1 refused (bad value, unknown record, a rule, failed verify),\n"
                  "            2 wrong command line, 3 the replica cannot be opened or written,\n"
                  "            sync only: 4 hub unreachable by the deadline, 5 refused by the hub\n"
                  "            (not enrolled, revoked, blocked), 6 protocol error, 7 the hub is\n"
                  "            recovering after a restore: sync again later,\n"
                  "            8 a store is full: this node's disk (any write; free space, nothing\n"
                  "            was lost) or, in sync, the hub's (the hub operator must free space),\n"
                  "            9 sync: the installation is incomplete (no sync module)\n"
                  "every command also takes --config FILE: options as 'key = value' lines (default\n"
                  "%s/node.conf when it exists; shouhe.conf(5)); the command line wins over the file\n"),
             sh_conf_dir ());
}

static void
s_usage (FILE *f, const node_command_t *c)
{
    fprintf (f, _("usage: %s\n\n%s\n"), c->usage, _(c->help));
}

//  Does the command allow the option named name?
static bool
s_allowed (const node_command_t *c, const char *name)
{
    if (!strcmp (name, "dir") || !strcmp (name, "help") || !strcmp (name, "config"))
        return true;
    size_t n = strlen (name);
    for (const char *p = c->options; p && *p; ) {
        const char *end = strchr (p, ' ');
        size_t len = end ? (size_t) (end - p) : strlen (p);
        if (len == n && strncmp (p, name, n) == 0)
            return true;
        p = end ? end + 1 : p + len;
    }
    return false;
}

static bool
s_number (const char *name, const char *text, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll (text, &end, 10);
    if (errno || end == text || *end) {
        node_say (_("--%s takes a whole number, not '%s'\n"), name, text);
        return false;
    }
    *out = v;
    return true;
}

//  A test-only fault point from the environment (sh_fault): false, after
//  saying why, when its value is not a whole number.
static bool
s_fault (const char *name, unsigned *out)
{
    if (sh_fault_from_env (name, out) == SH_OK)
        return true;
    node_say (_("%s must be a whole number (the Nth operation fails), not '%s'\n"), name, getenv (name));
    return false;
}

//  Store the value v of option --name in a. false (after saying why) when
//  the value is not acceptable.
static bool
s_set_option (node_args_t *a, const char *name, const char *v)
{
    bool ok = true;
#define S_IS(n) (strcmp (name, n) == 0)
    if (S_IS ("dir")) a->dir = v;
    else if (S_IS ("scope")) a->scope = v;
    else if (S_IS ("code")) a->code = v;
    else if (S_IS ("name")) a->name = v;
    else if (S_IS ("households")) ok = s_number (name, v, &a->households);
    else if (S_IS ("residents")) ok = s_number (name, v, &a->residents);
    else if (S_IS ("elderly")) ok = s_number (name, v, &a->elderly);
    else if (S_IS ("model")) a->model = true;
    else if (S_IS ("point")) a->point = v;
    else if (S_IS ("grid")) a->grid = v;
    else if (S_IS ("group")) a->group = v;
    else if (S_IS ("courtyard")) a->courtyard = v;
    else if (S_IS ("category")) a->category = v;
    else if (S_IS ("title")) a->title = v;
    else if (S_IS ("description")) a->description = v;
    else if (S_IS ("note")) a->note = v;
    else if (S_IS ("date")) a->date = v;
    else if (S_IS ("gender")) a->gender = v;
    else if (S_IS ("birth-year")) ok = s_number (name, v, &a->birth_year);
    else if (S_IS ("party-member")) a->party_member = true;
    else if (S_IS ("phone")) a->phone = v;
    else if (S_IS ("person")) a->person = v;
    else if (S_IS ("role")) a->role = v;
    else if (S_IS ("nomination")) a->nomination = v;
    else if (S_IS ("reason")) a->reason = v;
    else if (S_IS ("kind")) a->kind = v;
    else if (S_IS ("attendance")) ok = s_number (name, v, &a->attendance);
    else if (S_IS ("invited")) ok = s_number (name, v, &a->invited);
    else if (S_IS ("topic") || S_IS ("decision")) {
        size_t *n = S_IS ("topic") ? &a->n_topics : &a->n_decisions;
        const char **arr = S_IS ("topic") ? a->topics : a->decisions;
        if (*n == NODE_MAX_LIST) {
            node_say (_("at most %d --%s values\n"), NODE_MAX_LIST, name);
            ok = false;
        }
        else
            arr[(*n)++] = v;
    }
    else if (S_IS ("location")) a->location = v;
    else if (S_IS ("level")) a->level = v;
    else if (S_IS ("outcome")) a->outcome = v;
    else if (S_IS ("parties")) ok = s_number (name, v, &a->parties);
    else if (S_IS ("summary")) a->summary = v;
    else if (S_IS ("matter")) a->matter = v;
    else if (S_IS ("amount")) ok = s_number (name, v, &a->amount);
    else if (S_IS ("unit")) a->unit = v;
    else if (S_IS ("period")) a->period = v;
    else if (S_IS ("content")) ok = s_number (name, v, &a->content);
    else if (S_IS ("effect")) ok = s_number (name, v, &a->effect);
    else if (S_IS ("satisfaction")) ok = s_number (name, v, &a->satisfaction);
    else if (S_IS ("json")) a->json = true;
    else if (S_IS ("hub")) a->hub = v;
    else if (S_IS ("hub-key")) a->hub_key = v;
    else if (S_IS ("since")) a->since = v;
    else if (S_IS ("format")) a->format = v;
    else if (S_IS ("excel")) a->excel = true;
    else if (S_IS ("output")) a->output = v;
    else if (S_IS ("add")) a->add = v;
    else if (S_IS ("remove")) a->remove = v;
    else if (S_IS ("quorum")) ok = s_number (name, v, &a->quorum);
    else if (S_IS ("seal")) a->seal = v;
    else if (S_IS ("compress")) a->compress = v;
    else if (S_IS ("deadline")) ok = a->deadline_given = s_number (name, v, &a->deadline);
    else if (S_IS ("watch")) a->watch = true;
    else if (S_IS ("config")) a->config = v;
    else if (S_IS ("tier")) a->tier = v;
    else if (S_IS ("open")) a->open = true;
    else if (S_IS ("closed")) a->closed = true;
    else if (S_IS ("village")) a->village = v;
    else if (S_IS ("step")) a->step = v;
    else if (S_IS ("older-than")) ok = s_number (name, v, &a->older_than);
#undef S_IS
    return ok;
}

//  sh_conf_use_t's callbacks over a command and its arguments: the entries
//  of the configuration file (--config FILE, else node.conf in sh_conf_dir,
//  which may be missing) that the command takes and the command line did
//  not give are taken as options (sh_conf_use).
typedef struct {
    const node_command_t *cmd;      //  the running command
    node_args_t *a;                 //  its arguments
} s_conf_t;

static bool
s_conf_takes (const char *name, void *arg)
{
    return s_allowed (((s_conf_t *) arg)->cmd, name);
}

static bool
s_conf_given (int idx, void *arg)
{
    return (((s_conf_t *) arg)->a->given[idx / 64] >> (idx % 64)) & 1;
}

static bool
s_conf_set (int idx, const char *value, void *arg)
{
    node_args_t *a = ((s_conf_t *) arg)->a;
    a->given[idx / 64] |= 1ull << (idx % 64);     //  as if given: the commands see no difference
    return s_set_option (a, s_options[idx].name, value);
}

//  Say what is wrong with a command line whose words name no command.
static void
s_unknown_command (int argc, char **argv)
{
    bool known = false;
    for (const node_command_t *c = node_commands; c->word1; c++)
        known |= !strcmp (c->word1, argv[1]);
    if (known) {
        node_say (_("'%s' needs one of these subcommands:\n"), argv[1]);
        (void) s_subcommands (argv[1]);
        return;
    }
    node_say (_("unknown command '%s%s%s' (see shouhe-node --help)\n"), argv[1],
              argc > 2 && argv[2][0] != '-' ? " " : "", argc > 2 && argv[2][0] != '-' ? argv[2] : "");
}

//  SHOUHE_FAULT_CLOCK_MS (test-only): a signed offset in ms added to the
//  node's wall clock, as a clock set wrong would be. false, after saying
//  why, when it is not a whole number within 100 years.
static bool
s_clock_fault (long long *ms)
{
    int64_t n;
    if (sh_fault_offset_from_env ("SHOUHE_FAULT_CLOCK_MS", &n) != SH_OK) {
        node_say (_("SHOUHE_FAULT_CLOCK_MS must be a whole number of milliseconds "
                    "(added to the wall clock, at most 100 years either way), not '%s'\n"),
                  getenv ("SHOUHE_FAULT_CLOCK_MS"));
        return false;
    }
    *ms = n;
    return true;
}

int
main (int argc, char **argv)
{
    sh_i18n_init ();
    if (argc < 2 || !strcmp (argv[1], "--help") || !strcmp (argv[1], "-h") || !strcmp (argv[1], "help")) {
        s_usage_all (argc < 2 ? stderr : stdout);
        return argc < 2 ? SH_EXIT_USAGE : SH_EXIT_OK;
    }
    const node_command_t *cmd = s_find (argv[1], argc > 2 ? argv[2] : NULL);
    if (!cmd) {
        s_unknown_command (argc, argv);
        return SH_EXIT_USAGE;
    }
    if (sh_crypto_init () != SH_OK) {
        node_say (_("libsodium cannot be initialised\n"));
        return SH_EXIT_STORE;
    }
    int skip = cmd->word2 ? 3 : 2;
    node_args_t a = { .residents = SH_OPS_UNSET, .elderly = SH_OPS_UNSET, .attendance = SH_OPS_UNSET,
                      .invited = SH_OPS_UNSET, .parties = SH_OPS_UNSET, .options = s_options };
    //  getopt_long over argv[skip - 1 ..], so that argv[0] of its view is the
    //  last command word
    int gargc = argc - skip + 1;
    char **gargv = argv + skip - 1;
    optind = 1;
    opterr = 0;
    for (;;) {
        int idx = -1;
        int c = getopt_long (gargc, gargv, ":h", s_options, &idx);
        if (c == -1)
            break;
        if (c == 'h') {
            s_usage (stdout, cmd);
            return SH_EXIT_OK;
        }
        if (c == '?') {
            node_say (_("unknown option '%s'\n\n"), gargv[optind - 1]);
            s_usage (stderr, cmd);
            return SH_EXIT_USAGE;
        }
        if (c == ':') {
            node_say (_("option '%s' needs a value\n"), gargv[optind - 1]);
            return SH_EXIT_USAGE;
        }
        const char *name = s_options[idx].name;
        if (!s_allowed (cmd, name)) {
            node_say (_("'%s%s%s' does not take --%s\n\n"), cmd->word1,
                      cmd->word2 ? " " : "", cmd->word2 ? cmd->word2 : "", name);
            s_usage (stderr, cmd);
            return SH_EXIT_USAGE;
        }
        a.given[idx / 64] |= 1ull << (idx % 64);
        if (!s_set_option (&a, name, optarg))
            return SH_EXIT_USAGE;
    }
    sh_conf_t *conf = NULL;     //  the values it holds stay until exit
    //  node.conf holds sync's hub and hub-key: `courtyard add` ignores them
    s_conf_t cc = { cmd, &a };
    const sh_conf_use_t use = { "shouhe-node", s_options, s_conf_takes, s_conf_given, s_conf_set, &cc };
    int ex = sh_conf_use (&conf, a.config, "node.conf", &use);
    if (ex) {
        sh_conf_destroy (&conf);
        return ex;
    }
    a.pos = gargv + optind;
    a.n_pos = gargc - optind;
    if (a.n_pos < cmd->min_pos || a.n_pos > cmd->max_pos) {
        node_say (_("wrong number of arguments\n\n"));
        s_usage (stderr, cmd);
        sh_conf_destroy (&conf);
        return SH_EXIT_USAGE;
    }
    if (!a.dir) {
        node_say (_("--dir DIR is required (the node's directory; or dir = DIR in %s/node.conf)\n"),
                  sh_conf_dir ());
        sh_conf_destroy (&conf);
        return SH_EXIT_USAGE;
    }
    if (!s_fault ("SHOUHE_FAULT_COMMIT", &a.fault_commit) || !s_fault ("SHOUHE_FAULT_SEND", &a.fault_send)
    ||  !s_clock_fault (&a.fault_clock_ms)) {
        sh_conf_destroy (&conf);
        return SH_EXIT_USAGE;
    }
    ex = node_ids (&a, cmd->word1, cmd->word2);
    if (ex == 0)
        ex = cmd->fn (&a);
    sh_conf_destroy (&conf);
    return ex;
}

