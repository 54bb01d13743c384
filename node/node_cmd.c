/*  node_cmd -- the commands of shouhe-node, one function each, and the
    command table main.c dispatches on. Commands speak in domain operations
    (sh_ops) and views (sh_view); they format results as text or JSON.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "node_cli.h"
#include "sh_changelog.h"
#include "sh_conflicts.h"
#include "sh_domain.h"
#include "sh_i18n.h"
#include "sh_import.h"
#include "sh_merge.h"
#include "sh_names.h"
#include "sh_ops.h"
#include "sh_replica.h"
#include "sh_report.h"
#include "sh_text.h"
#include "sh_view.h"

//  ---------------------------------------------------------------------
//  Helpers

//  what: what was read, translated ("courtyards", "the log").
static int
s_view_failed (sh_err rc, const char *what)
{
    if (rc == SH_ENOTFOUND) {
        node_say (_("unknown %s\n"), what);
        return SH_EXIT_REFUSED;
    }
    node_say (_("cannot read %s: %s\n"), what, sh_strerror (rc));
    return SH_EXIT_STORE;
}

static const char *
s_str (json_t *o, const char *key)
{
    const char *s = json_string_value (json_object_get (o, key));
    return s ? s : "-";
}

static long long
s_int (json_t *o, const char *key)
{
    return (long long) json_integer_value (json_object_get (o, key));
}

//  A number field as text, "-" when the record does not have it.
static const char *
s_num (json_t *o, const char *key, char buf[24])
{
    json_t *v = json_object_get (o, key);
    if (!json_is_integer (v))
        return "-";
    snprintf (buf, 24, "%lld", (long long) json_integer_value (v));
    return buf;
}

//  text followed by spaces up to width columns of a terminal (a wide
//  character -- Chinese -- takes two: sh_text_columns), into buf; what
//  printf's %-*s does for ASCII. Returns buf.
static const char *
s_pad (const char *text, int width, char *buf, size_t buf_size)
{
    int w = sh_text_columns (text);
    snprintf (buf, buf_size, "%s%*s", text, width > w ? width - w : 0, "");
    return buf;
}

//  A domain value shown (s_shown) and padded (s_pad) to width; buf holds
//  both steps (at least 128 bytes).
static const char *
s_cell (const char *enum_name, const char *text, int width, char *buf, size_t buf_size)
{
    char shown[64];
    return s_pad (sh_names_shown_text (enum_name, text, shown, sizeof shown), width, buf, buf_size);
}

//  "yes" or "no", translated.
static const char *
s_yes (json_t *o, const char *key)
{
    //  TRANSLATORS: whether a courtyard is a model courtyard (示范院落)
    return json_is_true (json_object_get (o, key)) ? _("yes") : _("no");
}

//  A listing command: open the replica, read one view, print it as JSON or
//  as text rows (row prints one element) followed by a count line. what
//  names the list in a refusal (translated); one and many are the count
//  line's format for one element and for any other number (marked N_,
//  translated here); header is translated.
typedef sh_err (s_view_fn) (sh_store_t *store, const char *prefix, json_t **out);
typedef void (s_row_fn) (json_t *row);

static int
s_list (node_args_t *a, s_view_fn *view, const char *prefix, const char *what, const char *one,
        const char *many, const char *header, s_row_fn *row)
{
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    json_t *list;
    sh_err rc = view (sh_replica_store (r), prefix ? prefix : "", &list);
    sh_replica_close (&r);
    if (rc)
        return s_view_failed (rc, what);
    if (a->json)
        node_print_json (list);
    else {
        if (header)
            printf ("%s\n", header);
        size_t i, warnings = 0;
        json_t *e, *shown = sh_text_escape_json (list);     //  no hidden code point reaches a terminal
        json_array_foreach (shown, i, e) {
            row (e);
            warnings += !strcmp (s_str (e, "kind"), "implausible");   //  sh_conflicts_view's warnings
        }
        json_decref (shown);
        size_t n = json_array_size (list) - warnings;
        printf (n == 1 ? _(one) : _(many), n);
        if (warnings)
            printf (_("%zu implausible\n"), warnings);
    }
    json_decref (list);
    return SH_EXIT_OK;
}

//  ---------------------------------------------------------------------
//  init, key

static int
s_init (node_args_t *a)
{
    if (!a->scope) {
        node_say (_("init needs --scope CODE (a village's 12 digits or a town's 9)\n"));
        return SH_EXIT_USAGE;
    }
    sh_replica_t *r;
    sh_err rc = sh_replica_create (&r, a->dir, a->scope);
    if (rc == SH_EINVAL) {
        node_say (_("scope '%s' must be a region code of 6, 9 or 12 digits\n"), a->scope);
        return SH_EXIT_REFUSED;
    }
    if (rc == SH_EEXIST) {
        node_say (_("%s already holds a node; refusing to overwrite it\n"), a->dir);
        return SH_EXIT_REFUSED;
    }
    if (rc) {
        node_say (_("cannot create a node in %s: %s\n"), a->dir, sh_strerror (rc));
        return sh_exit_store (rc);
    }
    char hex[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    sh_crypto_hex (hex, sh_replica_author (r), SH_PUBKEY_BYTES);
    printf ("%s\n", hex);
    sh_replica_close (&r);
    return SH_EXIT_OK;
}

static int
s_key (node_args_t *a)
{
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    char hex[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    sh_crypto_hex (hex, sh_replica_author (r), SH_PUBKEY_BYTES);
    printf ("%s\n", hex);
    sh_replica_close (&r);
    return SH_EXIT_OK;
}

//  ---------------------------------------------------------------------
//  Courtyards

static int
s_courtyard_add (node_args_t *a)
{
    if (!a->code || !a->name || !node_given (a, "households")) {
        node_say (_("courtyard add needs --code, --name and --households\n"));
        return SH_EXIT_USAGE;
    }
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    sh_ops_courtyard_t c = { a->code, a->name, a->households, a->residents, a->elderly, a->model,
                             a->point, a->grid, a->group };
    char msg[SH_OPS_MSG_BYTES] = "";
    sh_err rc = sh_ops_courtyard_add (r, &c, msg);
    if (rc == SH_OK)
        printf (_("added courtyard %s\n"), a->code);
    sh_replica_close (&r);
    return node_done (rc, msg);
}

static void
s_courtyard_row (json_t *c)
{
    char b1[24], b2[24], b3[24], model[128], point[128];
    printf ("%-15s %5s %5s %5s %s %s %s\n", s_str (c, "code"), s_num (c, "households", b1),
            s_num (c, "residents", b2), s_num (c, "elderly", b3),
            s_pad (s_yes (c, "model"), 5, model, sizeof model),
            s_cell ("shouhe.v1.DeliberationPoint", s_str (c, "point"), 6, point, sizeof point),
            s_str (c, "name"));
}

static int
s_courtyard_list (node_args_t *a)
{
    return s_list (a, sh_view_courtyards, "", _("courtyards"), N_("%zu courtyard\n"), N_("%zu courtyards\n"),
                   //  TRANSLATORS: column titles over the rows of `courtyard list`: keep each
                   //  where its column is (a Chinese character takes two columns)
                   _("CODE            HOUSE RESID   65+ MODEL POINT  NAME"), s_courtyard_row);
}

static void
s_courtyard_print (json_t *c)
{
    printf (_("courtyard   %s  %s\n"), s_str (c, "code"), s_str (c, "name"));
    printf (_("village     %s   grid %s   villager group %s\n"), s_str (c, "village"), s_str (c, "grid"),
            s_str (c, "villager_group"));
    char b1[24], b2[24], b3[24], point[64];
    printf (_("households  %s   residents %s   aged 65+ %s\n"), s_num (c, "households", b1),
            s_num (c, "residents", b2), s_num (c, "elderly", b3));
    printf (_("model       %s   deliberation point %s\n"), s_yes (c, "model"),
            sh_names_shown_text ("shouhe.v1.DeliberationPoint", s_str (c, "point"), point, sizeof point));
    printf (_("persons     %lld   matters open %lld, closed %lld\n"), s_int (c, "persons"),
            s_int (c, "matters_open"), s_int (c, "matters_closed"));
    size_t i;
    json_t *role;
    json_array_foreach (json_object_get (c, "roles"), i, role) {
        char name[128], status[128];
        printf (_("role        %s %s %s (%.8s)\n"),
                s_cell ("shouhe.v1.Role", s_str (role, "role"), 20, name, sizeof name),
                s_cell ("shouhe.v1.RoleStatus", s_str (role, "status"), 10, status, sizeof status),
                s_str (role, "name"), s_str (role, "person"));
    }
}

static int
s_courtyard_show (node_args_t *a)
{
    return node_show (a, sh_view_courtyard, SH_KIND_COURTYARD, _("courtyard"), s_courtyard_print);
}

//  ---------------------------------------------------------------------
//  Persons and roles

static int
s_person_add (node_args_t *a)
{
    if (!a->name || !a->courtyard) {
        node_say (_("person add needs --name and --courtyard\n"));
        return SH_EXIT_USAGE;
    }
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    sh_ops_person_t p = { a->name, a->courtyard, a->gender, (int) a->birth_year, a->party_member, a->phone };
    if (a->birth_year < 0 || a->birth_year > 3000)
        p.birth_year = -1;   //  refused by sh_ops with a message
    char msg[SH_OPS_MSG_BYTES] = "", id[SH_OPS_ID_HEX];
    sh_err rc = sh_ops_person_add (r, &p, id, msg);
    if (rc == SH_OK)
        printf ("%s\n", id);
    sh_replica_close (&r);
    return node_done (rc, msg);
}

static void
s_person_row (json_t *p)
{
    printf ("%.8s %-15s %s\n", s_str (p, "id"), s_str (p, "courtyard"), node_text (p, "name"));
}

static int
s_person_list (node_args_t *a)
{
    return s_list (a, sh_view_persons, a->courtyard, _("persons"), N_("%zu person\n"), N_("%zu persons\n"),
                   //  TRANSLATORS: column titles over the rows of `person list`, aligned
                   _("ID       COURTYARD       NAME"), s_person_row);
}

static int
s_role (node_args_t *a, bool assign)
{
    if (!a->person || !a->role) {
        node_say (_("role %s needs --person ID and --role ROLE\n"), assign ? "assign" : "dismiss");
        return SH_EXIT_USAGE;
    }
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    char msg[SH_OPS_MSG_BYTES] = "";
    sh_err rc = assign ? sh_ops_role_assign (r, a->person, a->role, a->nomination, a->date, msg)
                       : sh_ops_role_dismiss (r, a->person, a->role, a->reason, a->date, msg);
    if (rc == SH_OK && msg[0])
        printf ("%s\n", msg);     //  a correction of an appointment
    else
    if (rc == SH_OK) {
        char role[64];
        printf (assign ? _("appointed %s as %s\n") : _("dismissed %s as %s\n"), a->person,
                sh_names_shown_text ("shouhe.v1.Role", a->role, role, sizeof role));
    }
    sh_replica_close (&r);
    return node_done (rc, msg);
}

static int s_role_assign (node_args_t *a) { return s_role (a, true); }
static int s_role_dismiss (node_args_t *a) { return s_role (a, false); }

//  ---------------------------------------------------------------------
//  Matters

static int
s_matter_open (node_args_t *a)
{
    if (!a->courtyard || !a->category || !a->title) {
        node_say (_("matter open needs --courtyard, --category and --title\n"));
        return SH_EXIT_USAGE;
    }
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    char msg[SH_OPS_MSG_BYTES] = "", id[SH_OPS_ID_HEX];
    sh_err rc = sh_ops_matter_open (r, a->courtyard, a->category, a->title, a->description, a->date, id, msg);
    if (rc == SH_OK)
        printf ("%s\n", id);
    sh_replica_close (&r);
    return node_done (rc, msg);
}

//  Print where a matter stands after a transition.
static void
s_matter_state (sh_replica_t *r, const char *id)
{
    json_t *m;
    if (sh_view_matter (sh_replica_store (r), id, &m) == SH_OK) {
        char tier[64], step[64];
        if (json_is_true (json_object_get (m, "closed")))
            printf (_("matter %s: closed, satisfaction %lld\n"), id, s_int (m, "satisfaction"));
        else
            printf (_("matter %s: %s, at %s\n"), id,
                    sh_names_shown_text ("shouhe.v1.Tier", s_str (m, "tier"), tier, sizeof tier),
                    sh_names_shown_text ("shouhe.v1.Step", s_str (m, "step"), step, sizeof step));
        json_decref (m);
    }
}

//  One transition of a matter (step, escalate, close) or a note, then where
//  it stands.
typedef enum { S_STEP, S_ESCALATE, S_CLOSE, S_NOTE } s_transition_t;

static int
s_matter_transition (node_args_t *a, s_transition_t t)
{
    if (t == S_CLOSE && !node_given (a, "satisfaction")) {
        node_say (_("matter close needs --satisfaction 1..5\n"));
        return SH_EXIT_USAGE;
    }
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    char msg[SH_OPS_MSG_BYTES] = "";
    sh_err rc;
    if (t == S_STEP)
        rc = sh_ops_matter_step (r, a->pos[0], a->pos[1], a->note, a->date, msg);
    else
    if (t == S_ESCALATE)
        rc = sh_ops_matter_escalate (r, a->pos[0], a->pos[1], a->note, a->date, msg);
    else
    if (t == S_NOTE)
        rc = sh_ops_matter_note (r, a->pos[0], a->pos[1], a->date, msg);
    else {
        int sat = a->satisfaction < -1000 || a->satisfaction > 1000 ? 0 : (int) a->satisfaction;
        rc = sh_ops_matter_close (r, a->pos[0], sat, a->note, a->date, msg);
    }
    if (rc == SH_OK)
        s_matter_state (r, a->pos[0]);
    sh_replica_close (&r);
    return node_done (rc, msg);
}

static int s_matter_step (node_args_t *a) { return s_matter_transition (a, S_STEP); }
static int s_matter_escalate (node_args_t *a) { return s_matter_transition (a, S_ESCALATE); }
static int s_matter_close (node_args_t *a) { return s_matter_transition (a, S_CLOSE); }
static int s_matter_note (node_args_t *a) { return s_matter_transition (a, S_NOTE); }

static void
s_matter_row (json_t *m)
{
    char tier[128], step[128], state[128], category[128];
    //  TRANSLATORS: the state of a matter in `matter list`: closed (办结) or not yet
    const char *closed = json_is_true (json_object_get (m, "closed")) ? _("closed") : _("open");
    printf ("%.8s %s %s %s %s %s\n", s_str (m, "id"),
            s_cell ("shouhe.v1.Tier", s_str (m, "tier"), 5, tier, sizeof tier),
            s_cell ("shouhe.v1.Step", s_str (m, "step"), 9, step, sizeof step),
            s_pad (closed, 6, state, sizeof state),
            s_cell ("shouhe.v1.Category", s_str (m, "category"), 12, category, sizeof category),
            s_str (m, "title"));
}

static int
s_matter_list (node_args_t *a)
{
    if (node_work_wanted (a))
        return node_work_list (a);      //  the town's work list
    return s_list (a, sh_view_matters, a->courtyard, _("matters"), N_("%zu matter\n"), N_("%zu matters\n"),
                   NULL, s_matter_row);
}

//  ---------------------------------------------------------------------
//  Meetings, mediations

static int
s_meeting_record (node_args_t *a)
{
    if (!a->courtyard || !a->kind) {
        node_say (_("meeting record needs --courtyard and --kind\n"));
        return SH_EXIT_USAGE;
    }
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    sh_ops_meeting_t m = { .courtyard = a->courtyard, .kind = a->kind, .date = a->date,
                           .attendance = a->attendance, .topics = a->topics, .n_topics = a->n_topics,
                           .decisions = a->decisions, .n_decisions = a->n_decisions,
                           .location = a->location, .invited = a->invited };
    char msg[SH_OPS_MSG_BYTES] = "", id[SH_OPS_ID_HEX];
    sh_err rc = sh_ops_meeting_record (r, &m, id, msg);
    if (rc == SH_OK)
        printf ("%s\n", id);
    sh_replica_close (&r);
    return node_done (rc, msg);
}

static void
s_meeting_row (json_t *m)
{
    char kind[128];
    printf ("%.8s %s %-15s %s %4lld\n", s_str (m, "id"), s_str (m, "date"), s_str (m, "courtyard"),
            s_cell ("shouhe.v1.MeetingKind", s_str (m, "kind"), 16, kind, sizeof kind),
            s_int (m, "attendance"));
}

static int
s_meeting_list (node_args_t *a)
{
    return s_list (a, sh_view_meetings, a->courtyard, _("meetings"), N_("%zu meeting\n"), N_("%zu meetings\n"),
                   NULL, s_meeting_row);
}

static int
s_mediation_record (node_args_t *a)
{
    if (!a->courtyard || !a->level || !a->kind || !a->outcome) {
        node_say (_("mediation record needs --courtyard, --level, --kind and --outcome\n"));
        return SH_EXIT_USAGE;
    }
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    sh_ops_mediation_t m = { a->courtyard, a->level, a->kind, a->outcome, a->date, a->parties,
                             a->summary, a->matter };
    char msg[SH_OPS_MSG_BYTES] = "", id[SH_OPS_ID_HEX];
    sh_err rc = sh_ops_mediation_record (r, &m, id, msg);
    if (rc == SH_OK)
        printf ("%s\n", id);
    sh_replica_close (&r);
    return node_done (rc, msg);
}

static void
s_mediation_row (json_t *m)
{
    char level[128], kind[128], outcome[64];
    printf ("%.8s %s %-15s %s %s %s\n", s_str (m, "id"), s_str (m, "date"), s_str (m, "courtyard"),
            s_cell ("shouhe.v1.MediationLevel", s_str (m, "level"), 10, level, sizeof level),
            s_cell ("shouhe.v1.MediationKind", s_str (m, "kind"), 10, kind, sizeof kind),
            sh_names_shown_text ("shouhe.v1.MediationOutcome", s_str (m, "outcome"), outcome, sizeof outcome));
}

static int
s_mediation_list (node_args_t *a)
{
    return s_list (a, sh_view_mediations, a->courtyard, _("mediations"), N_("%zu mediation\n"),
                   N_("%zu mediations\n"), NULL, s_mediation_row);
}

//  ---------------------------------------------------------------------
//  Points

static int
s_points (node_args_t *a, bool redeem)
{
    if (!a->person || !node_given (a, "amount")) {
        node_say (_("points %s needs --person ID and --amount N\n"), redeem ? "redeem" : "earn");
        return SH_EXIT_USAGE;
    }
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    char msg[SH_OPS_MSG_BYTES] = "";
    sh_err rc = sh_ops_points (r, a->person, redeem, a->unit, a->amount, a->reason, a->date, msg);
    if (rc == SH_OK) {
        json_t *b;
        //  --unit as sh_ops_points read it: English or Chinese (分钟, 时间银行)
        int u = 0;
        bool minutes = a->unit && sh_names_parse ("shouhe.v1.LedgerUnit", a->unit, &u) && u == 2;
        if (sh_view_balances (sh_replica_store (r), NULL, a->person, &b) == SH_OK) {
            printf (minutes ? _("%s balance: %lld minutes\n") : _("%s balance: %lld points\n"), a->person,
                    s_int (json_object_get (b, minutes ? "minutes" : "points"), "balance"));
            json_decref (b);
        }
    }
    sh_replica_close (&r);
    return node_done (rc, msg);
}

static int s_points_earn (node_args_t *a) { return s_points (a, false); }
static int s_points_redeem (node_args_t *a) { return s_points (a, true); }

static int
s_points_balance (node_args_t *a)
{
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    json_t *b;
    sh_err rc = sh_view_balances (sh_replica_store (r), a->courtyard ? a->courtyard : "", a->person, &b);
    sh_replica_close (&r);
    if (rc) {
        char what[64];
        snprintf (what, sizeof what, _("person %.40s"), a->person ? a->person : "");
        return s_view_failed (rc, a->person ? what : _("balances"));
    }
    if (a->json)
        node_print_json (b);
    else {
        json_t *arr = json_is_array (b) ? json_incref (b) : json_pack ("[O]", b);
        size_t i;
        json_t *e;
        //  TRANSLATORS: column titles over the rows of `points balance`, aligned
        printf ("%s\n", _("PERSON     EARNED REDEEMED   POINTS  MINUTES  NAME"));
        json_array_foreach (arr, i, e) {
            json_t *p = json_object_get (e, "points"), *m = json_object_get (e, "minutes");
            printf ("%.8s %8lld %8lld %8lld %8lld  %s\n", s_str (e, "person"), s_int (p, "earned"),
                    s_int (p, "redeemed"), s_int (p, "balance"), s_int (m, "balance"), s_str (e, "name"));
        }
        json_decref (arr);
    }
    json_decref (b);
    return SH_EXIT_OK;
}

//  ---------------------------------------------------------------------
//  Evaluation

static int
s_evaluate (node_args_t *a)
{
    if (!a->courtyard || !a->period) {
        node_say (_("evaluate needs --courtyard and --period (and --category with "
                    "--content, --effect, --satisfaction to record a score)\n"));
        return SH_EXIT_USAGE;
    }
    if (!sh_ops_period_valid (a->period)) {
        node_say (_("period '%s' must look like 2024Q3\n"), a->period);
        return SH_EXIT_REFUSED;
    }
    if (!sh_ops_code_valid (a->courtyard, 15)) {
        node_say (_("courtyard code '%s' must be 15 digits (village code + 3)\n"), a->courtyard);
        return SH_EXIT_REFUSED;
    }
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    char msg[SH_OPS_MSG_BYTES] = "";
    sh_err rc = SH_OK;
    if (a->category) {
        int maturity = 0;
        #define S_SCORE(x) ((x) < -1000 || (x) > 1000 ? 0 : (int) (x))
        rc = sh_ops_evaluate (r, a->courtyard, a->period, a->category, S_SCORE (a->content),
                              S_SCORE (a->effect), S_SCORE (a->satisfaction), &maturity, msg);
        char category[64];
        if (rc == SH_OK && !a->json)
            printf (_("%s %s %s: maturity %d\n"), a->courtyard, a->period,
                    sh_names_shown_text ("shouhe.v1.Category", a->category, category, sizeof category), maturity);
    }
    if (rc == SH_OK) {
        json_t *h;
        sh_err vr = sh_view_hexagon (sh_replica_store (r), a->courtyard, a->period, &h);
        if (vr == SH_OK) {
            if (a->json)
                node_print_json (h);
            else {
                json_t *lv = json_object_get (h, "levels");
                printf (_("hexagon %s %s: policy %lld, deliberation %lld, mediation %lld, environment %lld, "
                          "customs %lld, economy %lld; area %.1f\n"), a->courtyard, a->period,
                        s_int (lv, "policy"), s_int (lv, "deliberation"), s_int (lv, "mediation"),
                        s_int (lv, "environment"), s_int (lv, "customs"), s_int (lv, "economy"),
                        json_real_value (json_object_get (h, "area")));
            }
            json_decref (h);
        }
        else
        if (!a->category) {
            sh_replica_close (&r);
            return s_view_failed (vr, _("evaluation for that courtyard and period"));
        }
    }
    sh_replica_close (&r);
    return node_done (rc, msg);
}

//  ---------------------------------------------------------------------
//  Conflicts, log, digest

//  The kind of a conflict or the record of a warning as the text names it:
//  the view's word translated (in English the word itself).
static const char *
s_record_shown (const char *name)
{
    //  TRANSLATORS: the kinds of records in `conflicts` (matter_event: a step,
    //  escalation, close or note of a matter; ledger: points and time bank)
    static const char *const names[] = { N_("matter"), N_("ledger"), N_("role"), N_("courtyard"), N_("person"),
                                         N_("matter_event"), N_("meeting"), N_("mediation") };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp (name, names[i]))
            return _(names[i]);
    return name;
}

static void
s_conflict_row (json_t *c)
{
    char kind[64];
    if (!strcmp (s_str (c, "kind"), "implausible"))
        printf (_("implausible %s %-15s %s %s: %s\n"), s_record_shown (s_str (c, "record")), s_str (c, "region"),
                s_str (c, "entity"), s_str (c, "field"), s_str (c, "reason"));
    else
        printf ("%s %-15s %s: %s\n", s_pad (s_record_shown (s_str (c, "kind")), 7, kind, sizeof kind),
                s_str (c, "region"), s_str (c, "entity"), s_str (c, "reason"));
}

//  --json: the reasons in English, as tools parse them; the text: in the
//  language of the locale (sh_conflicts_view_shown).
static int
s_conflicts (node_args_t *a)
{
    return s_list (a, a->json ? sh_conflicts_view : sh_conflicts_view_shown, "", _("conflicts"),
                   N_("%zu conflict\n"), N_("%zu conflicts\n"), NULL, s_conflict_row);
}

static int
s_log (node_args_t *a)
{
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    json_t *list;
    sh_err rc = sh_view_log (sh_replica_store (r), &list);
    sh_replica_close (&r);
    if (rc)
        return s_view_failed (rc, _("the log"));
    if (a->json)
        node_print_json (list);
    else {
        size_t i;
        json_t *e;
        json_array_foreach (list, i, e) {
            char author[17];
            snprintf (author, sizeof author, "%s", s_str (e, "author"));
            printf (_("%6lld %s… seq %-6lld %-12s %-6s %-15s %s\n"), s_int (e, "index"), author,
                    s_int (e, "seq"), s_str (e, "kind"), s_str (e, "op"), s_str (e, "region"),
                    s_str (e, "entity"));
        }
    }
    json_decref (list);
    return SH_EXIT_OK;
}

static int
s_log_verify (node_args_t *a)
{
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    sh_changelog_fault_t f;
    sh_err rc = sh_changelog_verify (sh_replica_store (r), &f);
    sh_replica_close (&r);
    if (a->json) {
        json_t *j = json_pack ("{s:b, s:I}", "ok", rc == SH_OK, "checked", (json_int_t) f.checked);
        if (rc) {
            json_object_set_new (j, "fault", json_string (sh_changelog_fault_name (f.kind)));
            json_object_set_new (j, "index", json_integer ((json_int_t) f.index));
            json_object_set_new (j, "message", json_string (f.message));
        }
        node_print_json (j);
        json_decref (j);
    }
    if (rc == SH_OK) {
        if (!a->json)
            printf (f.checked == 1 ? _("ok: %llu change verified (signatures and chains)\n")
                                   : _("ok: %llu changes verified (signatures and chains)\n"),
                    (unsigned long long) f.checked);
        return SH_EXIT_OK;
    }
    node_say (_("log verify failed: %s\n"), f.message[0] ? f.message : sh_strerror (rc));
    return SH_EXIT_REFUSED;
}

static int
s_digest (node_args_t *a)
{
    if (a->scope) {
        size_t n = strlen (a->scope);
        bool ok = n <= SH_REGION_MAX;
        for (size_t i = 0; ok && i < n; i++)
            ok = a->scope[i] >= '0' && a->scope[i] <= '9';
        if (!ok) {
            node_say (_("scope '%s' must be a region code prefix (at most %d digits)\n"), a->scope,
                      SH_REGION_MAX);
            return SH_EXIT_REFUSED;
        }
    }
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    sh_store_txn_t *txn;
    uint8_t d[SH_HASH_BYTES];
    sh_err rc = sh_store_begin (sh_replica_store (r), false, &txn);
    if (rc == SH_OK)
        rc = sh_merge_digest (txn, a->scope ? a->scope : "", d);
    sh_store_abort (&txn);
    sh_replica_close (&r);
    if (rc)
        return s_view_failed (rc, _("the state"));
    char hex[SH_HEX_BYTES (SH_HASH_BYTES)];
    sh_crypto_hex (hex, d, sizeof d);
    printf ("%s\n", hex);
    return SH_EXIT_OK;
}

static int
s_report (node_args_t *a)
{
    const char *format;
    char why[SH_OPS_MSG_BYTES];
    if (sh_report_format_pick (a->format, a->excel, a->output, &format, why, sizeof why)) {
        fprintf (stderr, "shouhe-node: %s\n", why);
        return SH_EXIT_USAGE;
    }
    if (a->since && sh_report_days (a->since) < 0) {
        node_say (_("--since takes a date YYYY-MM-DD, not '%s'\n"), a->since);
        return SH_EXIT_REFUSED;
    }
    if (a->date && sh_report_days (a->date) < 0) {
        node_say (_("--date takes a date YYYY-MM-DD, not '%s'\n"), a->date);
        return SH_EXIT_REFUSED;
    }
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    //  as of today at the node, as the operations date what they record
    char today[SH_OPS_DAY_BYTES];
    sh_ops_today (r, today);
    json_t *j = NULL;
    sh_err rc = sh_report_build (sh_replica_store (r), sh_replica_scope (r), a->since,
                                 a->date ? a->date : today, &j);
    sh_replica_close (&r);
    if (rc)
        return s_view_failed (rc, _("the report"));
    rc = sh_report_save (j, format, a->output, why, sizeof why);
    json_decref (j);
    if (rc) {
        fprintf (stderr, "shouhe-node: %s\n", why);
        return SH_EXIT_REFUSED;
    }
    return SH_EXIT_OK;
}

//  ---------------------------------------------------------------------
//  The command table

const node_command_t node_commands[] = {
    { "init", NULL, "scope", 0, 0, "shouhe-node init --dir DIR --scope CODE",
      N_("Create a node in DIR: the LMDB replica and the secret key DIR/node.key (mode 0600).\n"
         "CODE is the node's scope: a village (12 digits) or a town (9). Prints the public key."), s_init },
    { "key", NULL, "", 0, 0, "shouhe-node key --dir DIR",
      N_("Print the node's public key (64 hex digits)."), s_key },
    { "courtyard", "add", "code name households residents elderly model point grid group", 0, 0,
      "shouhe-node courtyard add --dir DIR --code CODE --name NAME --households N [--residents N]\n"
      "              [--elderly N] [--model] [--point fixed|mobile|none] [--grid G] [--group G]",
      N_("Add a courtyard (15-digit code = village code + 3 digits) inside the node's scope."), s_courtyard_add },
    { "courtyard", "set", "code name households residents elderly model no-model point grid group", 0, 0,
      "shouhe-node courtyard set --dir DIR --code CODE [--name N] [--households N] [--residents N]\n"
      "              [--elderly N] [--model|--no-model] [--point fixed|mobile|none] [--grid G] [--group G]",
      N_("Correct a courtyard: a signed change of the given fields only, checked as in `courtyard add`\n"
         "together with the fields kept (--grid '' or --group '' clears)."), node_courtyard_set },
    { "courtyard", "list", "json", 0, 0, "shouhe-node courtyard list --dir DIR [--json]",
      N_("List the courtyards."), s_courtyard_list },
    { "courtyard", "show", "history json", 1, 1, "shouhe-node courtyard show --dir DIR CODE [--history] [--json]",
      N_("Show one courtyard with its role holders and matter counts. --history: every change of\n"
         "the record, newest first, with when and who."), s_courtyard_show },
    { "import", NULL, "json", 2, 2, "shouhe-node import --dir DIR courtyards|persons FILE.csv [--json]",
      N_("Import courtyards or persons from a CSV file (UTF-8, or GBK/GB18030 as Excel saves it)\n"
         "whose header row names the columns in English or Chinese. courtyards: code,name,\n"
         "households and optionally residents,elderly,model,point,grid,villager_group. persons:\n"
         "courtyard,name and optionally gender,birth_year,party_member,phone; prints the ids.\n"
         "All or nothing: every bad row is named with its line and column and nothing is written.\n"
         "Columns, Chinese names, encodings: docs/protocol.md, \"Import\"."), node_import },
    { "person", "add", "name courtyard gender birth-year party-member phone", 0, 0,
      "shouhe-node person add --dir DIR --name NAME --courtyard CODE [--gender female|male]\n"
      "              [--birth-year YYYY] [--party-member] [--phone P]",
      N_("Add a person living in a courtyard. Prints the person's id."), s_person_add },
    { "person", "list", "courtyard json", 0, 0, "shouhe-node person list --dir DIR [--courtyard CODE] [--json]",
      N_("List persons."), s_person_list },
    { "person", "set", "name gender birth-year party-member no-party-member phone", 1, 1,
      "shouhe-node person set --dir DIR ID [--name N] [--phone P] [--birth-year Y]\n"
      "              [--gender female|male] [--party-member|--no-party-member]",
      N_("Correct a person (ID: the full id or a unique prefix of at least 6 hex digits): a signed\n"
         "change of the given fields only, checked as in `person add` (--phone '' clears)."), node_person_set },
    { "person", "erase", "", 1, 1, "shouhe-node person erase --dir DIR ID",
      N_("Erase a person's personal data everywhere (name, birth year, phone; the reasons of its roles\n"
         "and points), by signed erasure marks; the records and their counts stay."), node_person_erase },
    { "person", "show", "history json", 1, 1, "shouhe-node person show --dir DIR ID [--history] [--json]",
      N_("Show a person. --history: every change of the record, newest first, with when and who."),
      node_person_show },
    { "role", "assign", "person role nomination date", 0, 0,
      "shouhe-node role assign --dir DIR --person ID --role ROLE [--nomination self|recommended] [--date D]",
      N_("Appoint a person. ROLE: courtyard-head bay-head deliberation-head management-group\n"
         "party-group-leader."), s_role_assign },
    { "role", "dismiss", "person role reason date", 0, 0,
      "shouhe-node role dismiss --dir DIR --person ID --role ROLE [--reason TEXT] [--date D]",
      N_("Dismiss a person from a role they hold."), s_role_dismiss },
    { "matter", "open", "courtyard category title description date", 0, 0,
      "shouhe-node matter open --dir DIR --courtyard CODE --category CAT --title TEXT [--description T]\n"
      "              [--date D]",
      N_("Open a matter (micro, at diagnose). CAT: policy deliberation mediation environment\n"
         "customs economy. Prints the matter's id."), s_matter_open },
    { "matter", "step", "note date", 2, 2, "shouhe-node matter step --dir DIR ID STEP [--note TEXT] [--date D]",
      N_("Record the next step: diagnose consult prescribe handle feedback. Micro matters go\n"
         "diagnose -> handle -> feedback; small and big ones through consult and prescribe."), s_matter_step },
    { "matter", "escalate", "note date", 2, 2, "shouhe-node matter escalate --dir DIR ID small|big [--note TEXT] [--date D]",
      N_("Move a matter up a tier (only upwards, only before handle)."), s_matter_escalate },
    { "matter", "close", "satisfaction note date", 1, 1,
      "shouhe-node matter close --dir DIR ID --satisfaction 1..5 [--note TEXT] [--date D]",
      N_("Close a matter after feedback, with the residents' satisfaction."), s_matter_close },
    { "matter", "note", "date", 2, 2, "shouhe-node matter note --dir DIR ID TEXT [--date D]",
      N_("Add a note to a matter: residents' feedback or progress. Changes no state; any node\n"
         "whose scope holds the matter may write one, also a village on a big matter its town leads."),
      s_matter_note },
    { "matter", "show", "history json", 1, 1, "shouhe-node matter show --dir DIR ID [--history] [--json]",
      N_("Show a matter: its state, satisfaction, notes and events, each with who and when.\n"
         "--history: every change of the record, newest first."), node_matter_show },
    { "matter", "amend", "title description category", 1, 1,
      "shouhe-node matter amend --dir DIR ID [--title T] [--description D] [--category CAT]",
      N_("Correct a matter's title, description or category (the category only while at diagnose,\n"
         "before the consult step)."), node_matter_amend },
    { "matter", "erase", "", 1, 1, "shouhe-node matter erase --dir DIR ID", N_("Erase a matter's personal notes "
      "everywhere (its description, its events' notes) by signed erasure marks."), node_matter_erase },
    { "witness", "init", "name", 0, 0, "shouhe-node witness init --dir DIR --name NAME",
      N_("Make this node a witness of the hub's checkpoints: create DIR/witness.key (0600) and print its\n"
         "public key (hex) for `shouhe-hub enroll --role witness --name NAME`. NAME is the cosigner name\n"
         "(no spaces, e.g. changshou/500115108/witness). From then on every sync also cosigns the hub's\n"
         "newest checkpoint when it is consistent with every one this witness cosigned before, and ends\n"
         "with exit 6 and keeps the evidence when it is not (a split view)."),
      node_witness_init },
    { "compact", NULL, "", 0, 0, "shouhe-node compact --dir DIR",
      N_("Rewrite the store so that what was deleted or erased is gone from its files (run it with no\n"
         "sync or other command of this node running)."), node_compact },
    { "privacy", NULL, "seal json", 0, 0, "shouhe-node privacy --dir DIR [--seal on|off] [--json]",
      N_("Whether this node seals personal fields when it writes (docs/privacy.md): their values then\n"
         "travel beside the signed changes and can be erased. On for a node created by this version; a\n"
         "node upgraded from an earlier one writes in clear until --seal on. Without --seal: show it."),
      node_privacy },
    { "witnesses", NULL, "add remove quorum json", 0, 0,
      "shouhe-node witnesses --dir DIR [--add NAME=HEX] [--remove NAME] [--quorum K] [--json]",
      N_("The witnesses this node requires: the hub's checkpoints count as witnessed only with K valid\n"
         "cosignatures of them (default: all). Every sync then says up to which tree size this node's\n"
         "receipts are witnessed, and which witnesses are missing beyond it. Without options: list them."),
      node_witnesses },
    { "region", "set", "code name", 0, 0, "shouhe-node region set --dir DIR --code CODE --name NAME",
      N_("Name a district, town or village (6, 9 or 12 digits, inside the node's scope); reports name them."),
      node_region_set },
    { "matter", "list", "courtyard json tier open closed village step older-than date", 0, 0,
      "shouhe-node matter list --dir DIR [--courtyard CODE | --village CODE] [--tier TIER] [--open | --closed]\n"
      "                        [--step STEP] [--older-than DAYS] [--date TODAY] [--json]",
      N_("List matters with their tier, step and state. With a filter, the work list: oldest first,\n"
         "age in days since opened, who escalated."), s_matter_list },
    { "meeting", "record", "courtyard kind date attendance invited topic decision location", 0, 0,
      "shouhe-node meeting record --dir DIR --courtyard CODE --kind KIND [--date D] [--attendance N]\n"
      "              [--invited N] [--topic T]... [--decision D]... [--location L]",
      N_("Record a meeting. KIND: party-masses-day deliberation longmenzhen bench-lecture other.\n"
         "--date: at most a day after today. --attendance: at most the courtyard's residents (or\n"
         "its households x 6 when residents are not on record) plus --invited, the cadres and\n"
         "guests from outside the courtyard (0..200)."), s_meeting_record },
    { "meeting", "list", "courtyard json", 0, 0, "shouhe-node meeting list --dir DIR [--courtyard CODE] [--json]",
      N_("List meetings."), s_meeting_list },
    { "mediation", "record", "courtyard level kind outcome date parties summary matter", 0, 0,
      "shouhe-node mediation record --dir DIR --courtyard CODE --level courtyard|group|village\n"
      "              --kind KIND --outcome resolved|partial|unresolved|referred [--parties N]\n"
      "              [--summary T] [--matter ID] [--date D]",
      N_("Record a dispute mediation. KIND: neighbour family land property other."), s_mediation_record },
    { "mediation", "list", "courtyard json", 0, 0,
      "shouhe-node mediation list --dir DIR [--courtyard CODE] [--json]", N_("List mediations."), s_mediation_list },
    { "mediation", "erase", "", 1, 1, "shouhe-node mediation erase --dir DIR ID", N_("Erase a mediation's "
      "summary everywhere by a signed erasure mark."), node_mediation_erase },
    { "points", "earn", "person amount unit reason date", 0, 0,
      "shouhe-node points earn --dir DIR --person ID --amount N [--unit points|minutes] [--reason T]\n"
      "              [--date D]",
      N_("Credit points (or time-bank minutes) to a person."), s_points_earn },
    { "points", "redeem", "person amount unit reason date", 0, 0,
      "shouhe-node points redeem --dir DIR --person ID --amount N [--unit points|minutes] [--reason T]\n"
      "              [--date D]",
      N_("Redeem points or minutes (never more than the balance)."), s_points_redeem },
    { "points", "balance", "person courtyard json", 0, 0,
      "shouhe-node points balance --dir DIR [--person ID] [--courtyard CODE] [--json]",
      N_("Show balances: one person's, or every account's."), s_points_balance },
    { "evaluate", NULL, "courtyard period category content effect satisfaction json", 0, 0,
      "shouhe-node evaluate --dir DIR --courtyard CODE --period 2024Q3 [--category CAT --content N\n"
      "              --effect N --satisfaction N] [--json]",
      N_("Record one category's maturity scores (1..10 each; maturity = their rounded mean) and\n"
         "print the courtyard's six-category hexagon and its area."), s_evaluate },
    { "conflicts", NULL, "json", 0, 0, "shouhe-node conflicts --dir DIR [--json]",
      N_("List changes that broke a domain rule after concurrent edits (kept, not applied), then\n"
         "the implausible fields of records in scope (a date more than a day after the day it was\n"
         "written or before its record, a birth year, phone number, residents or attendance out\n"
         "of bounds): warnings, the records are kept. JSON: docs/protocol.md 12.7."), s_conflicts },
    { "log", "verify", "json", 0, 0, "shouhe-node log verify --dir DIR [--json]",
      N_("Check every signature and every author chain of the log; exit 1 naming the first bad entry."),
      s_log_verify },
    { "log", NULL, "json", 0, 0, "shouhe-node log --dir DIR [--json]",
      N_("List the changes in the local log."), s_log },
    { "sync", NULL, "hub hub-key deadline watch compress json", 0, 0,
      "shouhe-node sync --dir DIR --hub ENDPOINT --hub-key HEX [--deadline SECONDS] [--watch] [--compress on|off] [--json]",
      N_("Upload every change the hub lacks and download every change in scope this node lacks,\n"
         "then exit 0. --watch keeps syncing whenever there is something new or the link comes\n"
         "back (until SIGINT/SIGTERM). --deadline: give up when the hub has been silent (down or\n"
         "unreachable) that long (default 600 s, not with --watch; 0: never). --compress off: changes\n"
         "travel uncompressed (default on: zstd, when the hub speaks it). Logs one line on\n"
         "stderr: 'sync: ok hub=... up=... down=...' (docs/operations.md). Exit 4: hub unreachable by the deadline; 5: refused by the hub\n"
         "(not enrolled, revoked, blocked, enrolled for another scope); 6: protocol error (the hub\n"
         "refused our changes, or its history does not match ours); 7: the hub is recovering its log\n"
         "after a restore (this node offered what it holds): sync again later; 9: the sync module\n"
         "is missing (an incomplete installation); 130: interrupted."),
      node_sync_load },
    { "backup", NULL, "", 1, 1, "shouhe-node backup --dir DIR DEST",
      N_("Copy the node (a compacted hot copy of its store, and its key file, 0600) into the new\n"
         "directory DEST. Put back in place of DIR, the copy refuses local writes until a sync has\n"
         "confirmed its head, and that sync fetches back the node's changes made after the backup."),
      node_backup },
    { "clock", "correct", "", 0, 0, "shouhe-node clock correct --dir DIR",
      N_("After the clock was ahead when earlier changes were written and has been fixed: write a\n"
         "signed clock correction, so that every replica caps those earlier times and this node may\n"
         "write again. Refused (exit 1) when nothing needs correcting."), node_clock_correct },
    { "clock", NULL, "json", 0, 0, "shouhe-node clock --dir DIR [--json]",
      N_("Show this node's wall clock, its clock's last time, the hub's time at the last sync and\n"
         "the gap, and whether local writes are allowed (and if not, what to do)."), node_clock_show },
    { "digest", NULL, "scope", 0, 0, "shouhe-node digest --dir DIR [--scope CODE]",
      N_("Print the SHA-256 digest of the merged state (of one region prefix with --scope)."), s_digest },
    { "report", NULL, "since date format excel output", 0, 0,
      "shouhe-node report --dir DIR [--since DATE] [--date TODAY] [--format text|csv|json|svg|html|xlsx]\n"
      "              [--excel] [--output FILE]",
      N_("Report on this node's scope from the merged state: courtyards, matters by tier, step\n"
         "and category, closure rate, median days to close, open big matters older than 30 days\n"
         "(as of --date, default today), escalations per month, meetings and missed party-masses\n"
         "days, mediations, points, the maturity hexagons and their biggest movers. --date is the\n"
         "as-of date: nothing dated after it counts. --since keeps matters, escalations, meetings\n"
         "and mediations from that date on. --format svg: the\n"
         "hexagon chart; html: one self-contained page (tables and charts); xlsx: an Excel\n"
         "workbook (needs --output). --excel: CSV for Excel (UTF-8 byte-order mark, CR LF).\n"
         "--output: write to FILE instead of standard output. Formats and the JSON shape:\n"
         "docs/reports.md."), s_report },
    { NULL, NULL, NULL, 0, 0, NULL, NULL, NULL }
};
