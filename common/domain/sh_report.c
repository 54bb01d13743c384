/*  sh_report -- district, town and village reports from the merged state. */
#include "sh_report.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sh_change.h"
#include "sh_crypto.h"
#include "sh_domain.h"
#include "sh_i18n.h"
#include "sh_merge.h"
#include "sh_names.h"
#include "sh_registry.h"
#include "sh_text.h"
#include "sh_record.h"
#include "sh_sealed.h"
#include "sh_report_html.h"
#include "sh_report_text.h"
#include "sh_report_xlsx.h"
#include "shouhe/v1/domain.pb-c.h"

//  Movers listed per direction (gains, losses).
#define S_MOVERS_MAX 10

//  An event that a matter's replay refused (a conflict): it counts for nothing.
typedef struct {
    uint64_t hlc;                        //  its clock
    uint8_t author[SH_PUBKEY_BYTES];     //  and its author
} s_refused_t;

typedef struct {
    sh_store_txn_t *txn;     //  the snapshot
    const char *since;       //  or NULL
    const char *as_of;       //  today, the as-of date: nothing dated after it counts
    long today;              //  days since epoch
    sh_err rc;               //  first error of a walk
    json_t *r;               //  the report being built
    json_t *yards;           //  {code: {"pmd": {"YYYY-MM": n}, "name": s}}
    json_t *close_days[4];   //  per tier: array of days to close
    json_t *evals;           //  {courtyard: {period: {category: level}}}
    json_t *escalations;     //  {"YYYY-MM": n} accepted escalations kept
    json_t *regions;         //  {code: name} of the Region records
    s_refused_t *refused;    //  the current matter's refused events
    size_t n_refused;        //  how many
    size_t max_refused;      //  room in refused
    char first_month[8];     //  earliest meeting month ("" none)
    long long n_meetings;    //  meetings kept
} s_ctx_t;

//  ---------------------------------------------------------------------
//  Helpers

long
sh_report_days (const char *date)
{
    int y, m, d;
    char tail;
    if (!date || strlen (date) != 10 || sscanf (date, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3
    ||  m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    //  days from civil (H. Hinnant)
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void
s_add (json_t *obj, const char *key, json_int_t n)
{
    json_object_set_new (obj, key, json_integer (json_integer_value (json_object_get (obj, key)) + n));
}

static json_t *
s_sub (json_t *obj, const char *key)
{
    json_t *o = json_object_get (obj, key);
    if (!o) {
        o = json_object ();
        json_object_set_new (obj, key, o);
    }
    return o;
}

static double
s_round (double v, double scale)
{
    return round (v * scale) / scale;
}

//  Does a record or event dated date count: on or after since (when given)
//  and not after the as-of date (an undated one counts unless since is
//  given)?
static bool
s_kept (const s_ctx_t *c, const char *date)
{
    return (!c->since || (date && strcmp (date, c->since) >= 0)) && (!date || strcmp (date, c->as_of) <= 0);
}

static const char *
s_s (const json_t *j, const char *k)
{
    const char *s = json_string_value (json_object_get (j, k));
    return s ? s : "";
}

//  A JSON string of user text s (NULL: ""), with every hidden code point
//  and every byte that is not UTF-8 (a peer's bytes) escaped as "<U+202E>"
//  or "<0xNN>" (sh_text_escape): text an older version or a malicious
//  replica let through reaches no format of the report raw.
static json_t *
s_str (const char *s)
{
    char *t = sh_text_escape (s);
    json_t *j = json_string (t ? t : "");
    free (t);
    return j ? j : json_string ("");
}

//  The name of courtyard code ("" when the report holds no such courtyard).
static const char *
s_name (const s_ctx_t *c, const char *code)
{
    return s_s (json_object_get (c->yards, code), "name");
}

//  ---------------------------------------------------------------------
//  Courtyards and persons

static int
s_courtyard (const char *region, const uint8_t *id, size_t id_len,
             const uint8_t *body, size_t len, void *arg)
{
    (void) region;
    s_ctx_t *c = arg;
    Shouhe__V1__Courtyard *y = shouhe__v1__courtyard__unpack (NULL, len, body);
    if (!y)
        return 0;
    char code[SH_REGION_MAX + 1];
    snprintf (code, sizeof code, "%.*s", (int) id_len, (const char *) id);
    s_add (c->r, "courtyards", 1);
    if (y->has_model && y->model)
        s_add (c->r, "model_courtyards", 1);
    if (y->has_households)
        s_add (c->r, "households", y->households);
    if (y->has_residents) {
        s_add (c->r, "residents", y->residents);
        s_add (c->r, "residents_courtyards", 1);
    }
    json_object_set_new (c->yards, code, json_pack ("{s:o, s:o}", "pmd", json_object (), "name", s_str (y->name)));
    shouhe__v1__courtyard__free_unpacked (y, NULL);
    return 0;
}

static int
s_region (const char *region, const uint8_t *id, size_t id_len,
          const uint8_t *body, size_t len, void *arg)
{
    (void) id; (void) id_len;
    s_ctx_t *c = arg;
    Shouhe__V1__Region *g = shouhe__v1__region__unpack (NULL, len, body);
    if (!g)
        return 0;
    if (g->name && *g->name)
        json_object_set_new (c->regions, region, json_string (g->name));
    shouhe__v1__region__free_unpacked (g, NULL);
    return 0;
}

static int
s_person (const char *region, const uint8_t *id, size_t id_len,
          const uint8_t *body, size_t len, void *arg)
{
    s_ctx_t *c = arg;
    s_add (c->r, "persons", 1);
    //  erased (docs/privacy.md 5): counted, without its personal data; a
    //  person whose name this store holds is not
    sh_sealed_t st;
    if (sh_record_field (body, len, 1, NULL, NULL, NULL) == SH_ENOTFOUND) {
        if ((c->rc = sh_sealed_record (c->txn, region, SH_KIND_PERSON, id, id_len, &st)))
            return 1;
        if (st.erased)
            s_add (c->r, "persons_erased", 1);
    }
    return 0;
}

//  ---------------------------------------------------------------------
//  Matters

//  A replay's conflict: remember the refused event (hlc, author), so that
//  the walk of the same events skips it.
static void
s_refused (uint64_t hlc, const uint8_t *author, const char *why, void *arg)
{
    (void) why;
    s_ctx_t *c = arg;
    if (c->n_refused == c->max_refused) {
        size_t max = c->max_refused ? 2 * c->max_refused : 8;
        s_refused_t *v = realloc (c->refused, max * sizeof *v);
        if (!v) {
            c->rc = SH_ENOMEM;
            return;
        }
        c->refused = v;
        c->max_refused = max;
    }
    c->refused[c->n_refused].hlc = hlc;
    memcpy (c->refused[c->n_refused].author, author, SH_PUBKEY_BYTES);
    c->n_refused++;
}

typedef struct {
    s_ctx_t *c;              //  the report
    bool closed;             //  the matter closed (by the event at close_hlc)
    uint64_t close_hlc;      //  the accepted close event
    char close_date[11];     //  its date ("" unknown)
} s_walk_t;

//  One event of a matter, replayed before: the accepted close event gives
//  the closing date, each accepted escalation counts in the month of its date.
static int
s_matter_event (uint64_t hlc, const uint8_t *author, const uint8_t *body, size_t len, void *arg)
{
    s_walk_t *w = arg;
    s_ctx_t *c = w->c;
    for (size_t i = 0; i < c->n_refused; i++)
        if (c->refused[i].hlc == hlc && !memcmp (c->refused[i].author, author, SH_PUBKEY_BYTES))
            return 0;
    Shouhe__V1__MatterEvent *e = shouhe__v1__matter_event__unpack (NULL, len, body);
    if (!e)
        return 0;
    if (e->kind == SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_CLOSE && w->closed && hlc == w->close_hlc
    &&  e->date)
        snprintf (w->close_date, sizeof w->close_date, "%s", e->date);
    if (e->kind == SHOUHE__V1__MATTER_EVENT_KIND__MATTER_EVENT_ESCALATE
    &&  sh_report_days (e->date) >= 0 && s_kept (c, e->date)) {
        char month[8];
        snprintf (month, sizeof month, "%.7s", e->date);
        s_add (c->escalations, month, 1);
        s_add (c->r, "escalations", 1);
    }
    shouhe__v1__matter_event__free_unpacked (e, NULL);
    return 0;
}

//  Count one kept matter m (replayed; closed on close_date or "").
static void
s_count_matter (s_ctx_t *c, const char *region, const uint8_t *id, size_t id_len,
                const Shouhe__V1__Matter *mt, const sh_domain_matter_t *m, const char *close_date)
{
    int tier = m->tier >= 1 && m->tier <= SH_NAMES_TIER_MAX ? m->tier : 0;
    int step = m->step >= 1 && m->step <= SH_NAMES_STEP_MAX ? m->step : 0;
    int cat = mt->has_category && mt->category >= 1 && mt->category <= SH_NAMES_CATEGORY_MAX
            ? (int) mt->category : 0;
    s_add (c->r, "matters", 1);
    s_add (c->r, m->closed ? "matters_closed" : "matters_open", 1);
    if (tier) {
        json_t *t = json_object_get (json_object_get (c->r, "by_tier"), sh_names_tier (tier));
        s_add (t, "matters", 1);
        if (m->closed)
            s_add (t, "closed", 1);
    }
    if (step)
        s_add (json_object_get (c->r, "by_step"), sh_names_step (step), 1);
    if (cat) {
        json_t *t = json_object_get (json_object_get (c->r, "by_category"), sh_names_category (cat));
        s_add (t, "matters", 1);
        if (m->closed)
            s_add (t, "closed", 1);
    }
    long opened = sh_report_days (mt->opened_on);
    long closed = sh_report_days (close_date);
    if (m->closed && tier && opened >= 0 && closed >= opened)
        json_array_append_new (c->close_days[tier], json_integer (closed - opened));
    if (!m->closed && tier == SH_TIER_BIG && opened >= 0 && c->today - opened > SH_REPORT_OVERDUE_DAYS) {
        char hex[2 * 16 + 1] = "";
        if (id_len == 16)
            sh_crypto_hex (hex, id, id_len);
        json_array_append_new (json_object_get (c->r, "overdue_big"),
            json_pack ("{s:s, s:o, s:s#, s:s, s:I}", "matter", hex, "title", s_str (mt->title),
                       "village", region, (int) (strlen (region) < 12 ? strlen (region) : 12),
                       "opened_on", mt->opened_on, "days", (json_int_t) (c->today - opened)));
    }
}

//  Every matter of the region is replayed (its escalations are dated on
//  their own); the kept ones (opened on or after since) are counted.
static int
s_matter (const char *region, const uint8_t *id, size_t id_len,
          const uint8_t *body, size_t len, void *arg)
{
    s_ctx_t *c = arg;
    Shouhe__V1__Matter *mt = shouhe__v1__matter__unpack (NULL, len, body);
    if (!mt)
        return 0;
    bool kept = s_kept (c, mt->opened_on);
    sh_domain_matter_t m;
    c->n_refused = 0;
    sh_err rc = sh_domain_matter_replay (c->txn, region, id, id_len, &m, s_refused, c);
    if (rc == SH_OK)
        rc = c->rc;
    s_walk_t w = { .c = c, .closed = m.closed, .close_hlc = m.closed_hlc };
    //  walk the events again only for what the replay does not tell
    if (rc == SH_OK && (m.escalations > 0 || (kept && m.closed)))
        rc = sh_merge_events (c->txn, region, SH_KIND_MATTER_EVENT, id, id_len, s_matter_event, &w);
    if (rc == SH_OK && kept && m.closed && strcmp (w.close_date, c->as_of) > 0) {
        //  closed after the as-of date: open as of it
        m.closed = false;
        w.close_date[0] = 0;
    }
    if (rc == SH_OK && kept)
        s_count_matter (c, region, id, id_len, mt, &m, w.close_date);
    shouhe__v1__matter__free_unpacked (mt, NULL);
    c->rc = rc;
    return rc != SH_OK;
}

static int
s_cmp_str (const void *a, const void *b)
{
    return strcmp (*(const char *const *) a, *(const char *const *) b);
}

//  Replace the object at key with one of the same members in key order.
static void
s_sort_keys (json_t *obj, const char *key)
{
    json_t *o = json_object_get (obj, key);
    size_t n = json_object_size (o);
    const char **keys = malloc ((n ? n : 1) * sizeof *keys);
    if (!keys)
        return;
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach (o, k, v)
        keys[i++] = k;
    qsort (keys, n, sizeof *keys, s_cmp_str);
    json_t *sorted = json_object ();
    for (i = 0; i < n; i++)
        json_object_set (sorted, keys[i], json_object_get (o, keys[i]));
    free (keys);
    json_object_set_new (obj, key, sorted);
}

static int
s_cmp_int (const void *a, const void *b)
{
    json_int_t x = *(const json_int_t *) a, y = *(const json_int_t *) b;
    return (x > y) - (x < y);
}

static json_t *
s_median (json_t *arr)
{
    size_t n = json_array_size (arr);
    if (n == 0)
        return json_null ();
    json_int_t *v = malloc (n * sizeof *v);
    if (!v)
        return json_null ();
    for (size_t i = 0; i < n; i++)
        v[i] = json_integer_value (json_array_get (arr, i));
    qsort (v, n, sizeof *v, s_cmp_int);
    double med = n % 2 ? (double) v[n / 2] : ((double) v[n / 2 - 1] + (double) v[n / 2]) / 2.0;
    free (v);
    return json_real (med);
}

//  Oldest first; ties by village, then by matter id.
static int
s_cmp_overdue (const void *a, const void *b)
{
    const json_t *p = *(json_t *const *) a, *q = *(json_t *const *) b;
    json_int_t x = json_integer_value (json_object_get (p, "days"));
    json_int_t y = json_integer_value (json_object_get (q, "days"));
    if (x != y)
        return (y > x) - (y < x);
    int cmp = strcmp (s_s (p, "village"), s_s (q, "village"));
    return cmp ? cmp : strcmp (s_s (p, "matter"), s_s (q, "matter"));
}

//  Sort the elements of arr with cmp (a new array replaces it in obj).
static void
s_sort (json_t *obj, const char *key, int (*cmp) (const void *, const void *))
{
    json_t *arr = json_object_get (obj, key);
    size_t n = json_array_size (arr);
    if (n < 2)
        return;
    json_t **v = malloc (n * sizeof *v);
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref (json_array_get (arr, i));
    qsort (v, n, sizeof *v, cmp);
    json_t *sorted = json_array ();
    for (size_t i = 0; i < n; i++)
        json_array_append_new (sorted, v[i]);
    free (v);
    json_object_set_new (obj, key, sorted);
}

//  ---------------------------------------------------------------------
//  Meetings and mediations

static int
s_meeting (const char *region, const uint8_t *id, size_t id_len,
           const uint8_t *body, size_t len, void *arg)
{
    (void) id; (void) id_len;
    s_ctx_t *c = arg;
    Shouhe__V1__Meeting *m = shouhe__v1__meeting__unpack (NULL, len, body);
    if (!m)
        return 0;
    if (s_kept (c, m->date) && m->date && sh_report_days (m->date) >= 0) {
        c->n_meetings++;
        json_t *k = json_object_get (json_object_get (c->r, "meetings_by_kind"),
                                     sh_names_meeting_kind (m->has_kind ? (int) m->kind : 0));
        s_add (k, "meetings", 1);
        s_add (k, "attendance", m->has_attendance ? m->attendance : 0);
        char month[8];
        snprintf (month, sizeof month, "%.7s", m->date);
        if (!c->first_month[0] || strcmp (month, c->first_month) < 0)
            memcpy (c->first_month, month, sizeof month);
        if (m->has_kind && m->kind == SHOUHE__V1__MEETING_KIND__MEETING_PARTY_MASSES_DAY) {
            s_add (c->r, "party_masses_days", 1);
            const char *yard = m->courtyard ? m->courtyard : region;
            json_t *y = json_object_get (c->yards, yard);
            if (y)
                s_add (json_object_get (y, "pmd"), month, 1);
        }
    }
    shouhe__v1__meeting__free_unpacked (m, NULL);
    return 0;
}

static int
s_mediation (const char *region, const uint8_t *id, size_t id_len,
             const uint8_t *body, size_t len, void *arg)
{
    (void) region; (void) id; (void) id_len;
    s_ctx_t *c = arg;
    Shouhe__V1__Mediation *m = shouhe__v1__mediation__unpack (NULL, len, body);
    if (!m)
        return 0;
    if (s_kept (c, m->date)) {
        s_add (c->r, "mediations", 1);
        //  an unknown or missing level or outcome counts as "unspecified"
        const char *lv = sh_names_mediation_level (m->has_level ? (int) m->level : 0);
        const char *oc = sh_names_mediation_outcome (m->has_outcome ? (int) m->outcome : 0);
        s_add (s_sub (json_object_get (c->r, "mediations_by_level"), lv), oc, 1);
    }
    shouhe__v1__mediation__free_unpacked (m, NULL);
    return 0;
}

//  Months from first (YYYY-MM) up to the month before today's; each
//  courtyard without a party-masses day in one of them is listed.
static void
s_party_masses (s_ctx_t *c, const char *today)
{
    char start[8] = "";
    if (c->since)
        snprintf (start, sizeof start, "%.7s", c->since);
    else
        memcpy (start, c->first_month, sizeof start);
    int y = 0, m = 0, ty = 0, tm = 0;
    long months = 0;
    json_t *missed = json_object_get (c->r, "missed_party_masses_day");
    if (start[0] && sscanf (start, "%4d-%2d", &y, &m) == 2 && sscanf (today, "%4d-%2d", &ty, &tm) == 2) {
        json_t *span = json_array ();
        while (y * 12 + m < ty * 12 + tm) {
            char month[16];
            snprintf (month, sizeof month, "%04d-%02d", y, m);
            json_array_append_new (span, json_string (month));
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
        months = (long) json_array_size (span);
        const char *code;
        json_t *v;
        json_object_foreach (c->yards, code, v) {
            json_t *pmd = json_object_get (v, "pmd");
            json_t *list = NULL;
            size_t i;
            json_t *mo;
            json_array_foreach (span, i, mo) {
                if (json_object_get (pmd, json_string_value (mo)))
                    continue;
                if (!list)
                    list = json_array ();
                json_array_append (list, mo);
            }
            if (list)
                json_array_append_new (missed, json_pack ("{s:s, s:O, s:s#, s:o}", "courtyard", code,
                                                          "name", json_object_get (v, "name"),
                                                          "village", code, 12, "months", list));
        }
        json_decref (span);
    }
    json_object_set_new (c->r, "months", json_integer (months));
    double yards = (double) json_integer_value (json_object_get (c->r, "courtyards"));
    double rate = months && yards > 0 ? (double) c->n_meetings / (yards * (double) months) : 0.0;
    json_object_set_new (c->r, "meetings_per_courtyard_month", json_real (s_round (rate, 100)));
}

//  ---------------------------------------------------------------------
//  Ledger

static int
s_ledger (const char *region, const uint8_t *id, size_t id_len, void *arg)
{
    s_ctx_t *c = arg;
    sh_domain_ledger_t l;
    c->rc = sh_domain_ledger_replay_until (c->txn, region, id, id_len, c->as_of, &l);
    if (c->rc)
        return 1;
    for (int u = 1; u <= SH_NAMES_UNIT_MAX; u++) {
        json_t *t = json_object_get (c->r, sh_names_unit (u));
        s_add (t, "earned", (json_int_t) l.earned[u]);
        s_add (t, "redeemed", (json_int_t) l.redeemed[u]);
        s_add (t, "balance", (json_int_t) l.balance[u]);
    }
    return 0;
}

//  ---------------------------------------------------------------------
//  Maturity hexagons

static int
s_evaluation (const char *region, const uint8_t *id, size_t id_len,
              const uint8_t *body, size_t len, void *arg)
{
    (void) id; (void) id_len;
    s_ctx_t *c = arg;
    Shouhe__V1__Evaluation *e = shouhe__v1__evaluation__unpack (NULL, len, body);
    if (!e)
        return 0;
    const char *yard = e->courtyard ? e->courtyard : region;
    if (e->period && e->has_category && e->category >= 1 && e->category <= 6 && e->has_maturity)
        json_object_set_new (s_sub (s_sub (c->evals, yard), e->period), sh_names_category (e->category),
                             json_integer (e->maturity));
    shouhe__v1__evaluation__free_unpacked (e, NULL);
    return 0;
}

//  {levels, area} from sums of levels and a count.
static json_t *
s_hexagon (const double sum[7], double n)
{
    double r[6];
    json_t *lv = json_object ();
    for (int k = 1; k <= 6; k++) {
        r[k - 1] = n > 0 ? s_round (sum[k] / n, 10) : 0.0;
        json_object_set_new (lv, sh_names_category (k), json_real (r[k - 1]));
    }
    return json_pack ("{s:o, s:f}", "levels", lv, "area", s_round (sh_domain_hexagon_area (r), 100));
}

static int
s_cmp_area (const void *a, const void *b)
{
    double x = json_real_value (json_object_get (*(json_t *const *) a, "area"));
    double y = json_real_value (json_object_get (*(json_t *const *) b, "area"));
    if (x != y)
        return (y > x) - (y < x);
    return strcmp (json_string_value (json_object_get (*(json_t *const *) a, "code")),
                   json_string_value (json_object_get (*(json_t *const *) b, "code")));
}

static void
s_rank (json_t *r, const char *key)
{
    s_sort (r, key, s_cmp_area);
    size_t i;
    json_t *e;
    json_int_t rank = 0;
    double prev = 0.0;
    //  standard competition ranking: equal areas share a rank (1, 2, 2, 4)
    json_array_foreach (json_object_get (r, key), i, e) {
        double area = json_number_value (json_object_get (e, "area"));
        if (i == 0 || area != prev)
            rank = (json_int_t) i + 1;
        prev = area;
        json_object_set_new (e, "rank", json_integer (rank));
    }
}

//  Add one courtyard's levels to the sums of group code in groups:
//  {code: [count, sum1..sum6]}.
static void
s_group_add (json_t *groups, const char *code, const double one[7])
{
    json_t *vs = json_object_get (groups, code);
    if (!vs) {
        vs = json_pack ("[f,f,f,f,f,f,f]", 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        json_object_set_new (groups, code, vs);
    }
    for (size_t k = 0; k <= 6; k++)
        json_array_set_new (vs, k, json_real (json_real_value (json_array_get (vs, k)) + (k ? one[k] : 1.0)));
}

//  Set key of the report to the ranked hexagons of groups.
static void
s_group_hexagons (s_ctx_t *c, json_t *groups, const char *key)
{
    json_t *arr = json_array ();
    const char *code;
    json_t *vs;
    json_object_foreach (groups, code, vs) {
        double sum[7];
        for (size_t k = 0; k <= 6; k++)
            sum[k] = json_real_value (json_array_get (vs, k));
        json_t *h = s_hexagon (sum, sum[0]);
        json_object_set_new (h, "code", json_string (code));
        json_t *name = json_object_get (c->regions, code);     //  the code when no name is known
        json_object_set_new (h, "name", name ? json_incref (name) : json_string (code));
        json_object_set_new (h, "courtyards", json_integer ((json_int_t) sum[0]));
        json_array_append_new (arr, h);
    }
    json_object_set_new (c->r, key, arr);
    s_rank (c->r, key);
}

//  The six levels of one evaluation period ({category: level}) into
//  one[1..6] (0 for a category not evaluated); returns the area.
static double
s_period_levels (const json_t *levels, double one[7])
{
    double r[6];
    one[0] = 0;
    for (int k = 1; k <= 6; k++)
        r[k - 1] = one[k] = (double) json_integer_value (json_object_get (levels, sh_names_category (k)));
    return s_round (sh_domain_hexagon_area (r), 100);
}

//  Movers first: the largest |delta|, then by courtyard code.
static int
s_cmp_mover (const void *a, const void *b)
{
    double x = fabs (json_real_value (json_object_get (*(json_t *const *) a, "delta")));
    double y = fabs (json_real_value (json_object_get (*(json_t *const *) b, "delta")));
    if (x != y)
        return (y > x) - (y < x);
    return strcmp (json_string_value (json_object_get (*(json_t *const *) a, "courtyard")),
                   json_string_value (json_object_get (*(json_t *const *) b, "courtyard")));
}

//  Sort the array at key of movers and keep its first S_MOVERS_MAX.
static void
s_top_movers (json_t *movers, const char *key)
{
    s_sort (movers, key, s_cmp_mover);
    json_t *arr = json_object_get (movers, key);
    while (json_array_size (arr) > S_MOVERS_MAX)
        json_array_remove (arr, json_array_size (arr) - 1);
}

static void
s_hexagons (s_ctx_t *c)
{
    double total[7] = { 0 };
    double n = 0;
    json_t *villages = json_object (), *towns = json_object ();
    json_t *yards = json_array ();
    json_t *movers = json_pack ("{s:i, s:[], s:[]}", "compared", 0, "gains", "losses");
    const char *code;
    json_t *periods;
    json_object_foreach (c->evals, code, periods) {
        //  the latest period and the one before it
        const char *latest = NULL, *previous = NULL, *p;
        json_t *v;
        json_object_foreach (periods, p, v) {
            if (!latest || strcmp (p, latest) > 0) {
                previous = latest;
                latest = p;
            }
            else
            if (!previous || strcmp (p, previous) > 0)
                previous = p;
        }
        double one[7];
        double area = s_period_levels (json_object_get (periods, latest), one);
        for (int k = 1; k <= 6; k++)
            total[k] += one[k];
        n++;
        char group[13];
        snprintf (group, sizeof group, "%.12s", code);
        s_group_add (villages, group, one);
        if (previous) {
            double before[7];
            double area0 = s_period_levels (json_object_get (periods, previous), before);
            double delta = s_round (area - area0, 100);
            s_add (movers, "compared", 1);
            if (delta != 0)
                json_array_append_new (json_object_get (movers, delta > 0 ? "gains" : "losses"),
                    json_pack ("{s:s, s:o, s:s, s:s, s:s, s:f, s:f, s:f}", "courtyard", code,
                               "name", s_str (s_name (c, code)), "village", group, "period", latest,
                               "previous_period", previous, "area", area, "previous_area", area0,
                               "delta", delta));
        }
        snprintf (group, sizeof group, "%.9s", code);
        s_group_add (towns, group, one);
        json_t *h = s_hexagon (one, 1);
        json_object_set_new (h, "code", json_string (code));
        json_object_set_new (h, "name", s_str (s_name (c, code)));
        json_object_set_new (h, "period", json_string (latest));
        json_array_append_new (yards, h);
    }
    json_t *hex = s_hexagon (total, n);
    json_object_set_new (hex, "courtyards", json_integer ((json_int_t) n));
    json_object_set_new (c->r, "hexagon", hex);
    json_object_set_new (c->r, "courtyard_hexagons", yards);
    s_rank (c->r, "courtyard_hexagons");
    s_group_hexagons (c, villages, "village_hexagons");
    s_group_hexagons (c, towns, "town_hexagons");
    s_top_movers (movers, "gains");
    s_top_movers (movers, "losses");
    json_object_set_new (c->r, "movers", movers);
    json_decref (villages);
    json_decref (towns);
}

//  ---------------------------------------------------------------------
//  The report

static json_t *
s_skeleton (const char *prefix, const char *since, const char *today)
{
    json_t *r = json_object ();
    json_object_set_new (r, "prefix", json_string (prefix));
    json_object_set_new (r, "since", since ? json_string (since) : json_null ());
    json_object_set_new (r, "today", json_string (today));
    static const char *const zero[] = {
        "villages", "courtyards", "model_courtyards", "households", "residents", "residents_courtyards", "persons",
        "persons_erased", "matters", "matters_closed", "matters_open", "escalations", "meetings", "party_masses_days",
        "mediations", "points_earned", "points_redeemed", "points_balance", NULL
    };
    for (const char *const *k = zero; *k; k++)
        json_object_set_new (r, *k, json_integer (0));
    json_t *t = json_object (), *s = json_object (), *cat = json_object (), *lv = json_object ();
    for (int i = 1; i <= SH_NAMES_TIER_MAX; i++)
        json_object_set_new (t, sh_names_tier (i), json_pack ("{s:i, s:i}", "matters", 0, "closed", 0));
    for (int i = 1; i <= SH_NAMES_STEP_MAX; i++)
        json_object_set_new (s, sh_names_step (i), json_integer (0));
    for (int i = 1; i <= SH_NAMES_CATEGORY_MAX; i++)
        json_object_set_new (cat, sh_names_category (i), json_pack ("{s:i, s:i}", "matters", 0, "closed", 0));
    for (int i = 1; i <= SH_NAMES_LEVEL_MAX; i++) {
        json_t *o = json_object ();
        for (int k = 1; k <= SH_NAMES_OUTCOME_MAX; k++)
            json_object_set_new (o, sh_names_mediation_outcome (k), json_integer (0));
        json_object_set_new (lv, sh_names_mediation_level (i), o);
    }
    json_t *mk = json_object ();
    for (int i = 1; i <= SH_NAMES_MEETING_MAX; i++)
        json_object_set_new (mk, sh_names_meeting_kind (i), json_pack ("{s:i, s:i}", "meetings", 0, "attendance", 0));
    json_object_set_new (r, "meetings_by_kind", mk);
    json_object_set_new (r, "by_tier", t);
    json_object_set_new (r, "by_step", s);
    json_object_set_new (r, "by_category", cat);
    json_object_set_new (r, "escalations_per_month", json_object ());
    json_object_set_new (r, "mediations_by_level", lv);
    json_object_set_new (r, "overdue_big", json_array ());
    json_object_set_new (r, "missed_party_masses_day", json_array ());
    for (int u = 1; u <= SH_NAMES_UNIT_MAX; u++)
        json_object_set_new (r, sh_names_unit (u),
                             json_pack ("{s:i, s:i, s:i}", "earned", 0, "redeemed", 0, "balance", 0));
    return r;
}

sh_err
sh_report_build (sh_store_t *store, const char *prefix, const char *since, const char *today,
                 json_t **out)
{
    if (!prefix)
        prefix = "";
    if ((since && sh_report_days (since) < 0) || sh_report_days (today) < 0)
        return SH_EINVAL;
    s_ctx_t c = { .since = since, .as_of = today, .today = sh_report_days (today) };
    c.r = s_skeleton (prefix, since, today);
    c.yards = json_object ();
    c.evals = json_object ();
    c.escalations = json_object ();
    c.regions = json_object ();
    for (int i = 0; i < 4; i++)
        c.close_days[i] = json_array ();
    sh_err rc = sh_store_begin (store, false, &c.txn);
    if (rc == SH_OK)
        rc = sh_merge_each (c.txn, prefix, SH_KIND_COURTYARD, s_courtyard, &c);
    if (rc == SH_OK)
        rc = sh_merge_each (c.txn, prefix, SH_KIND_REGION, s_region, &c);
    if (rc == SH_OK)
        rc = sh_merge_each (c.txn, prefix, SH_KIND_PERSON, s_person, &c);
    if (rc == SH_OK)
        rc = c.rc;
    if (rc == SH_OK && (rc = sh_merge_each (c.txn, prefix, SH_KIND_MATTER, s_matter, &c)) == SH_OK)
        rc = c.rc;
    if (rc == SH_OK)
        rc = sh_merge_each (c.txn, prefix, SH_KIND_MEETING, s_meeting, &c);
    if (rc == SH_OK)
        rc = sh_merge_each (c.txn, prefix, SH_KIND_MEDIATION, s_mediation, &c);
    if (rc == SH_OK && (rc = sh_merge_sets (c.txn, prefix, SH_KIND_LEDGER, s_ledger, &c)) == SH_OK)
        rc = c.rc;
    if (rc == SH_OK)
        rc = sh_merge_each (c.txn, prefix, SH_KIND_EVALUATION, s_evaluation, &c);
    sh_store_abort (&c.txn);
    if (rc == SH_OK) {
        //  villages: distinct 12-digit prefixes of the courtyards
        json_t *vs = json_object ();
        const char *code;
        json_t *v;
        json_object_foreach (c.yards, code, v) {
            char village[13];
            snprintf (village, sizeof village, "%.12s", code);
            json_object_set_new (vs, village, json_true ());
        }
        json_object_set_new (c.r, "villages", json_integer ((json_int_t) json_object_size (vs)));
        json_decref (vs);
        json_int_t n = json_integer_value (json_object_get (c.r, "matters"));
        json_int_t closed = json_integer_value (json_object_get (c.r, "matters_closed"));
        json_object_set_new (c.r, "closure_rate", json_real (n ? s_round ((double) closed / (double) n, 1000) : 0.0));
        json_t *med = json_object ();
        for (int i = 1; i <= SH_NAMES_TIER_MAX; i++)
            json_object_set_new (med, sh_names_tier (i), s_median (c.close_days[i]));
        json_object_set_new (c.r, "median_days_to_close", med);
        s_sort (c.r, "overdue_big", s_cmp_overdue);
        json_object_set (c.r, "escalations_per_month", c.escalations);
        s_sort_keys (c.r, "escalations_per_month");
        json_object_set_new (c.r, "meetings", json_integer (c.n_meetings));
        s_party_masses (&c, today);
        json_t *p = json_object_get (c.r, sh_names_unit (SH_UNIT_POINTS));
        json_object_set (c.r, "points_earned", json_object_get (p, "earned"));
        json_object_set (c.r, "points_redeemed", json_object_get (p, "redeemed"));
        json_object_set (c.r, "points_balance", json_object_get (p, "balance"));
        s_hexagons (&c);
        *out = sh_text_escape_json (c.r);
        if (!*out)
            rc = SH_ENOMEM;
    }
    json_decref (c.r);
    json_decref (c.yards);
    json_decref (c.evals);
    json_decref (c.escalations);
    json_decref (c.regions);
    free (c.refused);
    for (int i = 0; i < 4; i++)
        json_decref (c.close_days[i]);
    return rc;
}

//  ---------------------------------------------------------------------
//  Output

sh_err
sh_report_print (FILE *f, const json_t *report, const char *format)
{
    if (!format || !strcmp (format, "text"))
        sh_report_text_summary (f, report);
    else
    if (!strcmp (format, "json")) {
        if (json_dumpf (report, f, JSON_INDENT (2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION (10)))
            return ferror (f) ? sh_err_errno () : SH_EINVAL;
        fputc ('\n', f);
    }
    else
    if (!strcmp (format, "csv") || !strcmp (format, "csv-excel"))
        sh_report_text_csv (f, report, !strcmp (format, "csv-excel"));
    else
    if (!strcmp (format, "svg"))
        sh_report_html_svg (f, report);
    else
    if (!strcmp (format, "html"))
        sh_report_html_page (f, report);
    else
        return SH_EINVAL;
    //  a full disk or a closed pipe shows here (errno: from the failed write)
    if (fflush (f) || ferror (f))
        return sh_err_errno ();
    return SH_OK;
}

//  ---------------------------------------------------------------------
//  Known regions

static int
s_any (const char *region, const uint8_t *id, size_t id_len, const uint8_t *body, size_t len, void *arg)
{
    (void) region; (void) id; (void) id_len; (void) body; (void) len;
    *(bool *) arg = true;
    return 1;
}

typedef struct {
    const char *prefix;      //  the region asked about
    bool known;              //  an entry's scope starts with it
} s_scope_walk_t;

static int
s_scope_under (const sh_registry_entry_t *e, void *arg)
{
    s_scope_walk_t *w = arg;
    if (strncmp (e->scope, w->prefix, strlen (w->prefix)) == 0)
        w->known = true;
    return w->known;
}

sh_err
sh_report_known (sh_store_t *store, const char *prefix, bool *known)
{
    static const sh_kind_t kinds[] = { SH_KIND_REGION, SH_KIND_COURTYARD, SH_KIND_PERSON, SH_KIND_ROLE,
                                       SH_KIND_MATTER, SH_KIND_MEETING, SH_KIND_MEDIATION, SH_KIND_EVALUATION };
    *known = false;
    sh_store_txn_t *txn = NULL;
    sh_err rc = sh_store_begin (store, false, &txn);
    for (size_t i = 0; rc == SH_OK && !*known && i < sizeof kinds / sizeof kinds[0]; i++)
        rc = sh_merge_each (txn, prefix, kinds[i], s_any, known);
    if (rc == SH_OK && !*known) {
        s_scope_walk_t w = { .prefix = prefix };
        rc = sh_registry_each (txn, s_scope_under, &w);
        *known = w.known;
    }
    sh_store_abort (&txn);
    return rc;
}

//  ---------------------------------------------------------------------
//  Formats and files

sh_err
sh_report_format_pick (const char *format, bool excel, const char *output, const char **out,
                       char *msg, size_t msg_size)
{
    static const char *const known[] = { "text", "csv", "json", "svg", "html", "xlsx", NULL };
    const char *f = format ? format : excel ? "csv" : "text";
    size_t i = 0;
    while (known[i] && strcmp (known[i], f))
        i++;
    if (!known[i]) {
        snprintf (msg, msg_size, _("--format takes text, csv, json, svg, html or xlsx, not '%s'"), f);
        return SH_EINVAL;
    }
    if (excel && strcmp (f, "csv") && strcmp (f, "xlsx")) {
        snprintf (msg, msg_size, _("--excel goes with --format csv (the default) or xlsx, not %s"), f);
        return SH_EINVAL;
    }
    if (!strcmp (f, "xlsx") && !output) {
        snprintf (msg, msg_size, "%s", _("--format xlsx writes a binary file: give it one with --output FILE.xlsx"));
        return SH_EINVAL;
    }
    *out = excel && !strcmp (f, "csv") ? "csv-excel" : f;
    return SH_OK;
}

sh_err
sh_report_save (const json_t *report, const char *format, const char *output, char *msg, size_t msg_size)
{
    if (!strcmp (format, "xlsx")) {
        //  created here first, so that a bad path is named plainly (the
        //  library only tries at the end), and never a terminal (/dev/tty)
        int fd = open (output, O_WRONLY | O_CREAT | O_TRUNC | O_NOCTTY, 0666);
        if (fd < 0) {
            snprintf (msg, msg_size, _("cannot create %s: %s"), output, strerror (errno));
            return sh_err_errno ();
        }
        bool tty = isatty (fd);
        close (fd);
        if (tty) {
            snprintf (msg, msg_size, _("%s is a terminal: --format xlsx writes a binary file"), output);
            return SH_EINVAL;
        }
        return sh_report_xlsx_save (output, report, msg, msg_size);
    }
    FILE *f = output ? fopen (output, "wb") : stdout;
    if (!f) {
        snprintf (msg, msg_size, _("cannot create %s: %s"), output, strerror (errno));
        return sh_err_errno ();
    }
    sh_err rc = sh_report_print (f, report, format);
    if (output && fclose (f) && rc == SH_OK)
        rc = sh_err_errno ();
    if (rc)
        snprintf (msg, msg_size, _("cannot write %s: %s"), output ? output : _("the report"), sh_strerror (rc));
    return rc;
}
