/*  node_edit -- short ids on the command line, the corrections (courtyard
    set, person set, matter amend) and the showing commands with their
    history (courtyard show, person show, matter show --history).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "node_cli.h"
#include "sh_history.h"
#include "sh_i18n.h"
#include "sh_ids.h"
#include "sh_names.h"
#include "sh_ops.h"
#include "sh_replica.h"
#include "sh_text.h"
#include "sh_view.h"

_Static_assert (SH_IDS_HEX == NODE_ID_HEX, "node_args_t's id buffers hold full ids");

//  Commands whose first argument is an id, and its kind.
static const struct { const char *w1, *w2; sh_kind_t kind; } s_pos_ids[] = {
    { "matter", "step", SH_KIND_MATTER }, { "matter", "escalate", SH_KIND_MATTER },
    { "matter", "close", SH_KIND_MATTER }, { "matter", "note", SH_KIND_MATTER },
    { "matter", "show", SH_KIND_MATTER }, { "matter", "amend", SH_KIND_MATTER },
    { "person", "show", SH_KIND_PERSON }, { "person", "set", SH_KIND_PERSON },
    { "person", "erase", SH_KIND_PERSON }, { "matter", "erase", SH_KIND_MATTER },
    { "mediation", "erase", SH_KIND_MEDIATION },
};

//  Resolve *text (a short or full id of kind) into buf and point *text at it.
static int
s_resolve (sh_replica_t *r, sh_kind_t kind, const char **text, char buf[NODE_ID_HEX])
{
    char msg[SH_IDS_MSG_BYTES] = "";
    sh_err rc = sh_ids_resolve (sh_replica_store (r), kind,
                                kind == SH_KIND_PERSON ? "person" : kind == SH_KIND_MATTER ? "matter" : "mediation",
                                *text, buf, msg);
    if (rc == SH_OK) {
        *text = buf;
        return SH_EXIT_OK;
    }
    fprintf (stderr, "shouhe-node: %s\n", msg);
    return rc == SH_EINVAL || rc == SH_ENOTFOUND ? SH_EXIT_REFUSED : SH_EXIT_STORE;
}

int
node_ids (node_args_t *a, const char *w1, const char *w2)
{
    int pos = -1;
    for (size_t i = 0; i < sizeof s_pos_ids / sizeof s_pos_ids[0]; i++)
        if (w2 && !strcmp (s_pos_ids[i].w1, w1) && !strcmp (s_pos_ids[i].w2, w2))
            pos = (int) s_pos_ids[i].kind;
    if (!a->person && !a->matter && (pos < 0 || a->n_pos < 1))
        return SH_EXIT_OK;
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex == SH_EXIT_OK && a->person)
        ex = s_resolve (r, SH_KIND_PERSON, &a->person, a->ids[0]);
    if (ex == SH_EXIT_OK && a->matter)
        ex = s_resolve (r, SH_KIND_MATTER, &a->matter, a->ids[1]);
    const char *p0 = pos >= 0 && a->n_pos > 0 ? a->pos[0] : NULL;
    if (ex == SH_EXIT_OK && p0 && (ex = s_resolve (r, (sh_kind_t) pos, &p0, a->ids[2])) == SH_EXIT_OK)
        a->pos[0] = a->ids[2];
    sh_replica_close (&r);
    return ex;
}

//  ---------------------------------------------------------------------
//  Corrections

int
node_courtyard_set (node_args_t *a)
{
    if (!a->code) {
        fprintf (stderr, _("shouhe-node: courtyard set needs --code CODE\n"));
        return SH_EXIT_USAGE;
    }
    if (node_given (a, "model") && node_given (a, "no-model")) {
        fprintf (stderr, _("shouhe-node: give --model or --no-model, not both\n"));
        return SH_EXIT_USAGE;
    }
    sh_ops_courtyard_set_t c = {
        .code = a->code, .name = a->name, .point = a->point, .grid = a->grid, .villager_group = a->group,
        .households = node_given (a, "households") ? a->households : SH_OPS_UNSET,
        .residents = a->residents, .elderly = a->elderly,
        .model = node_given (a, "model") ? 1 : node_given (a, "no-model") ? 0 : -1 };
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    char msg[SH_OPS_MSG_BYTES] = "";
    sh_err rc = sh_ops_courtyard_set (r, &c, msg);
    if (rc == SH_OK)
        printf (_("courtyard %s corrected\n"), a->code);
    sh_replica_close (&r);
    return node_done (rc, msg);
}

int
node_person_set (node_args_t *a)
{
    if (node_given (a, "party-member") && node_given (a, "no-party-member")) {
        fprintf (stderr, _("shouhe-node: give --party-member or --no-party-member, not both\n"));
        return SH_EXIT_USAGE;
    }
    sh_ops_person_set_t p = { .name = a->name, .gender = a->gender, .phone = a->phone,
                              .birth_year = (int) a->birth_year,
                              .party_member = node_given (a, "party-member") ? 1
                                            : node_given (a, "no-party-member") ? 0 : -1 };
    if (node_given (a, "birth-year") && (a->birth_year <= 0 || a->birth_year > 3000))
        p.birth_year = -1;   //  refused by sh_ops with a message
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    char msg[SH_OPS_MSG_BYTES] = "";
    sh_err rc = sh_ops_person_set (r, a->pos[0], &p, msg);
    if (rc == SH_OK)
        printf (_("person %.*s corrected\n"), SH_IDS_SHORT_HEX, a->pos[0]);
    sh_replica_close (&r);
    return node_done (rc, msg);
}

int
node_matter_amend (node_args_t *a)
{
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    char msg[SH_OPS_MSG_BYTES] = "";
    sh_err rc = sh_ops_matter_amend (r, a->pos[0], a->title, a->description, a->category, msg);
    if (rc == SH_OK)
        printf (_("matter %.*s amended\n"), SH_IDS_SHORT_HEX, a->pos[0]);
    sh_replica_close (&r);
    return node_done (rc, msg);
}

//  ---------------------------------------------------------------------
//  Showing, with history

//  hlc wall time as local "YYYY-MM-DD HH:MM".
static void
s_when (json_int_t ms, char out[32])
{
    time_t t = (time_t) (ms / 1000);
    struct tm tm;
    if (!localtime_r (&t, &tm) || !strftime (out, 32, "%Y-%m-%d %H:%M", &tm))
        snprintf (out, 32, "?");
}

//  Who wrote: the view's "who" (sh_who: the enrolled name, else the key's
//  first 8 digits); a history entry's enrolled name when known, and the
//  key's first 8 digits.
static void
s_who (json_t *e, char out[96])
{
    const char *who = json_string_value (json_object_get (e, "who"));
    if (who && *who) {
        snprintf (out, 96, "%s", who);
        return;
    }
    const char *by = json_string_value (json_object_get (e, "by"));
    const char *key = json_string_value (json_object_get (e, "author"));
    snprintf (out, 96, "%s%s%.8s%s", by && *by ? by : "", by && *by ? " (" : "", key ? key : "?",
              by && *by ? ")" : "");
}

static void
s_history_print (json_t *history)
{
    printf (_("history (newest first):\n"));
    size_t i;
    json_t *e;
    json_array_foreach (history, i, e) {
        char when[32], who[96];
        s_when (json_integer_value (json_object_get (e, "time_ms")), when);
        s_who (e, who);
        printf ("  %s  %-24s %s", when, who, json_string_value (json_object_get (e, "op")));
        const char *k;
        json_t *v;
        json_object_foreach (json_object_get (e, "fields"), k, v) {
            char *text = json_dumps (v, JSON_ENCODE_ANY);
            printf ("  %s=%s", k, text ? text : "?");
            free (text);
        }
        printf ("\n");
    }
}

//  Why a record of kind (what) could not be shown: unknown (rc
//  SH_ENOTFOUND), or not read. One whole sentence per kind.
static void
s_show_refused (int kind, const char *what, const char *id, sh_err rc)
{
    const char *unknown = kind == SH_KIND_COURTYARD ? _("shouhe-node: unknown courtyard %.40s\n")
                        : kind == SH_KIND_PERSON ? _("shouhe-node: unknown person %.40s\n")
                        : kind == SH_KIND_MATTER ? _("shouhe-node: unknown matter %.40s\n") : NULL;
    const char *unread = kind == SH_KIND_COURTYARD ? _("shouhe-node: cannot read courtyard %.40s: %s\n")
                       : kind == SH_KIND_PERSON ? _("shouhe-node: cannot read person %.40s: %s\n")
                       : kind == SH_KIND_MATTER ? _("shouhe-node: cannot read matter %.40s: %s\n") : NULL;
    if (rc == SH_ENOTFOUND && unknown)
        fprintf (stderr, unknown, id);
    else
    if (rc == SH_ENOTFOUND)
        fprintf (stderr, _("shouhe-node: unknown %s %.40s\n"), what, id);
    else
    if (unread)
        fprintf (stderr, unread, id, sh_strerror (rc));
    else
        fprintf (stderr, _("shouhe-node: cannot read %s %.40s: %s\n"), what, id, sh_strerror (rc));
}

//  Show one record: view reads it (by a->pos[0]); print prints it as text.
//  With --history, its history follows (in JSON: the member "history").
int
node_show (node_args_t *a, node_view_fn *view, int kind, const char *what, void (*print) (json_t *))
{
    sh_replica_t *r;
    int ex = node_open (a, &r);
    if (ex)
        return ex;
    json_t *j = NULL, *h = NULL;
    sh_err rc = view (sh_replica_store (r), a->pos[0], &j);
    const char *id = json_string_value (json_object_get (j, "id"));
    uint8_t bytes[64];
    size_t n = kind == SH_KIND_COURTYARD ? strlen (a->pos[0]) : SH_OPS_ID_BYTES;
    if (kind == SH_KIND_COURTYARD)
        memcpy (bytes, a->pos[0], n < sizeof bytes ? n : (n = sizeof bytes));
    else
    if (rc == SH_OK && (!id || sh_crypto_unhex (bytes, n, id) != SH_OK))
        rc = SH_ECORRUPT;
    if (rc == SH_OK && node_given (a, "history"))
        rc = sh_history_record (sh_replica_store (r), (sh_kind_t) kind, bytes, n, &h);
    sh_replica_close (&r);
    if (rc) {
        json_decref (j);
        s_show_refused (kind, what, a->pos[0], rc);
        return rc == SH_ENOTFOUND ? SH_EXIT_REFUSED : SH_EXIT_STORE;
    }
    if (h)
        json_object_set_new (j, "history", h);
    json_t *shown = a->json ? NULL : sh_text_escape_json (j);   //  no hidden code point reaches a terminal
    if (a->json)
        node_print_json (j);
    else {
        print (shown);
        if (h)
            s_history_print (json_object_get (shown, "history"));
    }
    json_decref (shown);
    json_decref (j);
    return SH_EXIT_OK;
}

static const char *
s_str (json_t *o, const char *key)
{
    const char *s = json_string_value (json_object_get (o, key));
    return s ? s : "-";
}

static void
s_person_print (json_t *p)
{
    json_t *by = json_object_get (p, "birth_year"), *pm = json_object_get (p, "party_member");
    printf (_("person     %.*s  (%s)\n"), SH_IDS_SHORT_HEX, s_str (p, "id"), s_str (p, "id"));
    printf (_("name       %s\n"), node_text (p, "name"));
    printf (_("courtyard  %s\n"), s_str (p, "courtyard"));
    char year[64];
    snprintf (year, sizeof year, "%s", node_text (p, "birth_year"));
    if (by)
        snprintf (year, sizeof year, "%lld", (long long) json_integer_value (by));
    char gender[64];
    printf (json_is_true (pm) ? _("gender     %s   birth year %s   party member yes\n")
                              : _("gender     %s   birth year %s   party member no\n"),
            sh_names_shown_text ("shouhe.v1.Gender", s_str (p, "gender"), gender, sizeof gender), year);
    printf (_("phone      %s\n"), node_text (p, "phone"));
}

int
node_person_show (node_args_t *a)
{
    return node_show (a, sh_view_person, SH_KIND_PERSON, "person", s_person_print);
}

//  The kind of a matter's event (the view's English short name) as shown:
//  translated when known, else as it is. Into buf; returns buf.
static const char *
s_event_kind (const char *k, char *buf, size_t len)
{
    //  TRANSLATORS: the kinds of a matter's events, in `matter show`
    static const char *const kinds[] = { N_("step"), N_("escalate"), N_("close"), N_("note"), NULL };
    for (const char *const *x = kinds; *x; x++)
        if (!strcmp (k, *x)) {
            snprintf (buf, len, "%s", _(*x));
            return buf;
        }
    snprintf (buf, len, "%s", k);
    return buf;
}

//  One event of a matter: date, kind, its value, who and when it was written.
static void
s_event_print (json_t *e)
{
    const char *k = s_str (e, "kind");
    char value[64] = "", when[32], who[96], kind[64];
    char shown[64];
    if (!strcmp (k, "step") || !strcmp (k, "escalate"))
        snprintf (value, sizeof value, "%s", !strcmp (k, "step")
                  ? sh_names_shown_text ("shouhe.v1.Step", s_str (e, "step"), shown, sizeof shown)
                  : sh_names_shown_text ("shouhe.v1.Tier", s_str (e, "tier"), shown, sizeof shown));
    else
    if (!strcmp (k, "close"))
        snprintf (value, sizeof value, _("satisfaction %lld"),
                  (long long) json_integer_value (json_object_get (e, "satisfaction")));
    s_when (json_integer_value (json_object_get (e, "hlc")) >> 16, when);
    s_who (e, who);
    //  the note on one line, its line feeds and hidden code points visible
    char *note = sh_text_escape (json_object_get (e, "note") ? json_string_value (json_object_get (e, "note"))
                                                             : json_object_get (e, "withheld") ? node_text (e, "note")
                                                             : NULL);
    printf (_("event      %s %-8s %s%s%s   by %s at %s"), s_str (e, "date"), s_event_kind (k, kind, sizeof kind),
            value, note && *note && *value ? ": " : "", note ? note : "", who, when);
    if (json_object_get (e, "conflict"))
        printf (_("  CONFLICT: %s"), s_str (e, "conflict"));
    putchar ('\n');
    free (note);
}

static void
s_matter_print (json_t *m)
{
    printf (_("matter     %.*s  (%s)\n"), SH_IDS_SHORT_HEX, s_str (m, "id"), s_str (m, "id"));
    printf (_("title      %s\n"), s_str (m, "title"));
    char category[64], tier[64], step[64];
    printf (_("courtyard  %s   category %s   opened %s\n"), s_str (m, "courtyard"),
            sh_names_shown_text ("shouhe.v1.Category", s_str (m, "category"), category, sizeof category), s_str (m, "opened_on"));
    char *d = sh_text_escape (json_object_get (m, "withheld") ? node_text (m, "description")
                                                              : json_string_value (json_object_get (m, "description")));
    if (d && *d)
        printf (_("description %s\n"), d);
    free (d);
    printf (json_is_true (json_object_get (m, "closed")) ? _("state      %s, at %s, closed\n")
                                                         : _("state      %s, at %s\n"),
            sh_names_shown_text ("shouhe.v1.Tier", s_str (m, "tier"), tier, sizeof tier),
            sh_names_shown_text ("shouhe.v1.Step", s_str (m, "step"), step, sizeof step));
    if (json_is_true (json_object_get (m, "closed")))
        printf (_("satisfaction %lld of 5\n"), (long long) json_integer_value (json_object_get (m, "satisfaction")));
    size_t i;
    json_t *e;
    json_array_foreach (json_object_get (m, "events"), i, e)
        s_event_print (e);
}

int
node_matter_show (node_args_t *a)
{
    return node_show (a, a->json ? sh_view_matter : sh_view_matter_shown, SH_KIND_MATTER, "matter",
                      s_matter_print);
}
