/*  hub_mirror -- `shouhe-hub mirror`: a full, verified copy of a hub's log
    that cosigns what it holds (c2sp.org/tlog-mirror; docs/protocol.md
    16.8).

    `--init --name NAME` makes the mirror's key (DIR/mirror.key, 0600) and
    store and prints the public key, which the hub's operator enrols with
    `shouhe-hub enroll --role mirror --name NAME --scope DISTRICT --key HEX`.
    A run connects to the hub like a node (CurveZMQ from the mirror's key)
    and, in one session: says Hello; checks the Welcome's checkpoint
    against its own copy (a split view ends the run, exit 6); hands its
    leaves back when the hub holds fewer than it (an Offer, as a node does
    for a hub restored from an older backup, 13.19); pulls every new leaf
    (a mirror's Pull walks the whole log, not one scope), verifying each
    and recomputing each checkpoint's root (sh_mirror); and cosigns the
    newest checkpoint it holds in full (Cosigned). With --watch it does
    that every S_WATCH_MS until SIGINT or SIGTERM, so that a hub serving
    with --sync-mirror can acknowledge pushes soon after they land.
*/
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hub.h"
#include "sh_crypto.h"
#include "sh_exit.h"
#include "sh_i18n.h"
#include "sh_link.h"
#include "sh_mirror.h"
#include "sh_sys.h"
#include "sh_wire.h"

#define S_TIMEOUT_MS 30000      //  the longest wait for one answer
#define S_WATCH_MS 200          //  --watch: pause between two rounds
#define S_OFFER_LEAVES 1024     //  leaves per Offer (13.19)
#define S_COSIGN_MS 250         //  while catching up, cosign at most this often

typedef struct {
    const hub_mirror_args_t *a;
    sh_store_t *store;
    sh_key_t *key;
    char key_hex[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    sh_hubid_t hub;
    char name[SH_NOTE_NAME_MAX + 1];
    sh_link_t *conn;
    sh_mirror_state_t st;
    char *pending[SH_MIRROR_PENDING_MAX];   //  checkpoint notes shown above the tree, sizes
    uint64_t pending_size[SH_MIRROR_PENDING_MAX];   //  ascending (heap)
    size_t n_pending;
    int64_t cosigned_ms;        //  when it last cosigned (monotonic)
    uint64_t log_size;          //  the hub's log size in its Welcome
    uint64_t cosigned_now;      //  cosigned in this round (0: nothing new)
    uint32_t cosigners;         //  cosignatures the hub holds for it then
    uint64_t offered;           //  leaves handed back in this round
} s_mirror_t;

//  One answer within S_TIMEOUT_MS: SH_EXIT_OK with *m decoded, or the exit
//  code after saying why (an Error: DENIED for the key's enrolment, else
//  PROTOCOL).
static int
s_recv (s_mirror_t *self, sh_wire_msg_t *m)
{
    sh_link_event_t ev;
    const char *why = NULL;
    int64_t until = sh_sys_mono_ms () + S_TIMEOUT_MS;
    sh_err rc;
    do      //  monitor events other than a lost connection do not end the wait
        rc = sh_link_wait (self->conn, (int) (until - sh_sys_mono_ms ()), &ev, m, &why);
    while ((ev.type == SH_LINK_CONNECTED || ev.type == SH_LINK_HANDSHAKE_FAILED) && sh_sys_mono_ms () < until
           && !sh_link_interrupted ());
    if (sh_link_interrupted ())
        return SH_EXIT_INTERRUPTED;
    if (ev.type != SH_LINK_MESSAGE) {
        hub_log ("warn", _("mirror: no answer from the hub %s within %d s"), self->a->hub, S_TIMEOUT_MS / 1000);
        return SH_EXIT_NETWORK;
    }
    if (rc) {
        hub_log ("error", _("mirror: undecodable message from the hub: %s"), why ? why : sh_strerror (rc));
        return SH_EXIT_PROTOCOL;
    }
    if (m->type == SH_WIRE_ERROR) {
        sh_wire_error_t code = m->u.error.code;
        hub_log ("error", _("mirror: the hub refused (%s): %s"), sh_wire_error_name (code), m->u.error.message);
        sh_wire_msg_fini (m);
        return code == SH_WIRE_ERR_NOT_ENROLLED || code == SH_WIRE_ERR_REVOKED || code == SH_WIRE_ERR_ROLE
             ? SH_EXIT_DENIED : SH_EXIT_PROTOCOL;
    }
    return SH_EXIT_OK;
}

//  Send m and wait for an answer of type want.
static int
s_ask (s_mirror_t *self, const sh_wire_msg_t *m, sh_wire_type_t want, sh_wire_msg_t *r)
{
    sh_err rc = sh_link_send (self->conn, m, NULL);
    if (rc) {
        hub_log ("warn", _("mirror: cannot send to the hub: %s"), sh_link_strerror (rc));
        return SH_EXIT_NETWORK;
    }
    int ex = s_recv (self, r);
    if (ex)
        return ex;
    if (r->type != want) {
        hub_log ("error", _("mirror: expected %s from the hub, got %s"), sh_wire_type_name (want),
                 sh_wire_type_name (r->type));
        sh_wire_msg_fini (r);
        return SH_EXIT_PROTOCOL;
    }
    return SH_EXIT_OK;
}

//  The exit code of a refusal by sh_mirror, said first.
static int
s_refused (sh_err rc, const char *why)
{
    if (rc == SH_EEQUIVOCATION || rc == SH_ECRYPTO || rc == SH_EPROTO) {
        hub_log ("error", _("mirror: %s"), why[0] ? why : sh_strerror (rc));
        return SH_EXIT_PROTOCOL;
    }
    hub_log ("error", _("mirror: its store: %s"), sh_strerror (rc));
    return sh_exit_store (rc);
}

//  Forget the pending checkpoints up to size (passed or dropped).
static void
s_forget (s_mirror_t *self, uint64_t size, bool all)
{
    size_t k = 0;
    for (size_t i = 0; i < self->n_pending; i++) {
        if (all || self->pending_size[i] <= size)
            free (self->pending[i]);
        else {
            self->pending[k] = self->pending[i];
            self->pending_size[k++] = self->pending_size[i];
        }
    }
    self->n_pending = k;
}

//  A checkpoint the hub showed: checked against the copy; one above it is
//  kept as pending (the oldest forgotten when there are too many: a later
//  one covers its leaves).
static int
s_shown (s_mirror_t *self, const char *note)
{
    if (!note || !note[0])
        return SH_EXIT_OK;
    char why[512];
    uint64_t tree = self->st.tree;
    sh_err rc = sh_mirror_check (self->store, &self->hub, note, strlen (note), (uint64_t) time (NULL), &self->st,
                                 why, sizeof why);
    if (rc)
        return s_refused (rc, why);
    if (self->st.tree < tree)           //  unconfirmed leaves dropped: so are their checkpoints
        s_forget (self, 0, true);
    const char *nl = strchr (note, '\n');
    uint64_t size = nl ? strtoull (nl + 1, NULL, 10) : 0;     //  verified by sh_mirror_check
    if (size <= self->st.tree || (self->n_pending && size <= self->pending_size[self->n_pending - 1]))
        return SH_EXIT_OK;
    if (self->n_pending == SH_MIRROR_PENDING_MAX) {
        free (self->pending[0]);
        memmove (self->pending, self->pending + 1, (SH_MIRROR_PENDING_MAX - 1) * sizeof self->pending[0]);
        memmove (self->pending_size, self->pending_size + 1, (SH_MIRROR_PENDING_MAX - 1) * sizeof (uint64_t));
        self->n_pending--;
    }
    if (!(self->pending[self->n_pending] = strdup (note)))
        return SH_EXIT_STORE;
    self->pending_size[self->n_pending++] = size;
    return SH_EXIT_OK;
}

//  The hub holds fewer leaves than this mirror: hand them back (13.19).
static int
s_offer (s_mirror_t *self)
{
    uint64_t from = self->log_size;
    bool first = true;
    while (from < self->st.size) {
        sh_mirror_offer_t o;
        sh_err rc = sh_mirror_offer (self->store, from, S_OFFER_LEAVES, SH_WIRE_MAX_BYTES / 2, &o);
        if (rc)
            return s_refused (rc, "");
        sh_wire_msg_t m = { .type = SH_WIRE_OFFER }, r;
        m.u.offer.checkpoint = first ? o.note : NULL;
        m.u.offer.n = o.n;
        m.u.offer.leaves = o.leaves;
        m.u.offer.positions = o.positions;
        m.u.offer.last = from + o.n >= self->st.size;
        int ex = s_ask (self, &m, SH_WIRE_TAKEN, &r);
        from += o.n;
        sh_mirror_offer_fini (&o);
        if (ex)
            return ex;
        self->offered += r.u.taken.taken;
        first = false;
        if (m.u.offer.last)
            hub_log ("info", _("mirror: handed back leaves %llu..%llu to the hub, which lost them; its log holds %llu "
                     "entries now%s"), (unsigned long long) self->log_size, (unsigned long long) self->st.size - 1,
                   (unsigned long long) r.u.taken.size, r.u.taken.recovering ? _(" (still recovering)") : "");
        sh_wire_msg_fini (&r);
    }
    return SH_EXIT_OK;
}

static int s_cosign (s_mirror_t *self);

//  Pull every leaf from the copy's end on, each Batch taken in order.
static int
s_pull (s_mirror_t *self)
{
    for (;;) {
        uint64_t since = self->st.tree;
        sh_wire_msg_t m = { .type = SH_WIRE_PULL }, r;
        m.u.pull.since = since;
        m.u.pull.max = SH_WIRE_MAX_CHANGES;
        int ex = s_ask (self, &m, SH_WIRE_BATCH, &r);
        if (ex)
            return ex;
        if (r.u.batch.since != since || r.u.batch.own || r.u.batch.n_indexes != r.u.batch.n) {
            hub_log ("error", _("mirror: the hub's batch does not answer the pull from log entry %llu"),
                     (unsigned long long) since);
            sh_wire_msg_fini (&r);
            return SH_EXIT_PROTOCOL;
        }
        ex = s_shown (self, r.u.batch.checkpoint);
        char why[512] = "";
        uint64_t verified = self->st.size;
        sh_err rc = ex ? SH_OK : sh_mirror_take (self->store, &self->hub, self->pending, self->n_pending,
                                                 r.u.batch.changes, r.u.batch.indexes, r.u.batch.n, &self->st,
                                                 why, sizeof why);
        if (rc)
            ex = s_refused (rc, why);
        s_forget (self, self->st.tree, false);
        //  catching up on a log that grows: cosign on the way, not only at the end
        if (!ex && self->st.size > verified && sh_sys_mono_ms () - self->cosigned_ms >= S_COSIGN_MS)
            ex = s_cosign (self);
        bool done = r.u.batch.done, stalled = r.u.batch.n == 0 && !done;
        uint64_t next = r.u.batch.next;
        sh_wire_msg_fini (&r);
        if (ex)
            return ex;
        if (next != self->st.tree || stalled) {
            hub_log ("error", _("mirror: the hub's batch ends at log entry %llu, but its changes reach only entry "
                     "%llu: a mirror takes every one (is this key enrolled with --role mirror?)"),
                     (unsigned long long) next, (unsigned long long) self->st.tree);
            return SH_EXIT_PROTOCOL;
        }
        if (done)
            return SH_EXIT_OK;
    }
}

//  Cosign the newest checkpoint held in full, and hand the line to the hub.
static int
s_cosign (s_mirror_t *self)
{
    char why[512];
    uint64_t size = 0;
    char *line = NULL;
    sh_err rc = sh_mirror_cosign (self->store, &self->hub, self->key, self->name, (uint64_t) time (NULL), &size,
                                  &line, why, sizeof why);
    if (rc == SH_ENOTFOUND)
        return SH_EXIT_OK;
    if (rc)
        return s_refused (rc, why);
    sh_wire_msg_t m = { .type = SH_WIRE_COSIGNED }, r;
    m.u.cosigned.size = size;
    m.u.cosigned.line = line;
    int ex = s_ask (self, &m, SH_WIRE_COSIGN_TAKEN, &r);
    free (line);
    if (ex)
        return ex;
    self->cosigned_now = size;
    self->cosigned_ms = sh_sys_mono_ms ();
    self->cosigners = r.u.cosign_taken.cosignatures;
    sh_wire_msg_fini (&r);
    return SH_EXIT_OK;
}

//  One round: Hello, hand back or pull, cosign.
static int
s_round (s_mirror_t *self)
{
    self->cosigned_now = self->offered = 0;
    sh_wire_msg_t m = { .type = SH_WIRE_HELLO }, r;
    memcpy (m.u.hello.node, sh_key_public (self->key), SH_PUBKEY_BYTES);
    m.u.hello.checkpoint_size = self->st.size;
    m.u.hello.nonce = sh_sys_mono_ms ();
    int ex = s_ask (self, &m, SH_WIRE_WELCOME, &r);
    if (ex)
        return ex;
    self->log_size = r.u.welcome.log_size;
    ex = s_shown (self, r.u.welcome.checkpoint);
    sh_wire_msg_fini (&r);
    if (!ex && self->log_size < self->st.size)
        ex = s_offer (self);
    else
    if (!ex)
        ex = s_pull (self);
    if (!ex)
        ex = s_cosign (self);
    return ex;
}

static int
s_init (const hub_mirror_args_t *a)
{
    if (!a->name) {
        fprintf (stderr, _("shouhe-hub: mirror --init needs --name NAME, the mirror's cosigner name (e.g. "
                 "changshou/mirror)\n"));
        return SH_EXIT_USAGE;
    }
    if (mkdir (a->dir, 0700) != 0 && errno != EEXIST) {
        int e = errno;
        fprintf (stderr, _("shouhe-hub: cannot create %s: %s\n"), a->dir, strerror (e));
        return sh_exit_errno (e);
    }
    char kp[4096];
    snprintf (kp, sizeof kp, "%s/%s", a->dir, SH_MIRROR_KEY_FILE);
    sh_key_t *key = sh_key_generate ();
    sh_err rc = key ? sh_key_save (key, kp) : SH_ENOMEM;
    sh_store_t *store = NULL;
    if (rc == SH_EEXIST) {
        fprintf (stderr, _("shouhe-hub: %s exists; a mirror's key is never replaced (its promise is tied to it)\n"),
                 kp);
        sh_key_destroy (&key);
        return SH_EXIT_REFUSED;
    }
    if (rc == SH_OK && (rc = sh_store_open (&store, a->dir, true, 0)) == SH_OK)
        rc = sh_mirror_name (store, a->name);
    sh_store_close (&store);
    if (rc == SH_EINVAL)
        fprintf (stderr, _("shouhe-hub: '%s' is not a cosigner name: no spaces, no '+', at most %d bytes\n"),
                 a->name, SH_NOTE_NAME_MAX);
    else
    if (rc)
        fprintf (stderr, _("shouhe-hub: cannot make the mirror in %s: %s\n"), a->dir, sh_strerror (rc));
    else {
        char hex[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
        sh_crypto_hex (hex, sh_key_public (key), SH_PUBKEY_BYTES);
        printf ("%s\n", hex);
    }
    if (rc)
        unlink (kp);
    sh_key_destroy (&key);
    return rc == SH_OK ? SH_EXIT_OK : rc == SH_EINVAL ? SH_EXIT_USAGE : sh_exit_store (rc);
}

//  A connection to the hub, once the CURVE handshake succeeded.
static int
s_connect (s_mirror_t *self)
{
    const sh_link_options_t opts = { .session = true, .monitor = true, .send_timeout_ms = S_TIMEOUT_MS };
    sh_err rc = sh_link_client_new (&self->conn, self->key, self->hub.pubkey, &opts);
    if (rc == SH_OK)
        rc = sh_link_connect (self->conn, self->a->hub);
    if (rc) {
        fprintf (stderr, _("shouhe-hub: cannot connect to '%s': %s\n"), self->a->hub, sh_link_strerror (rc));
        return SH_EXIT_USAGE;
    }
    //  the CURVE handshake first: the hub's ZAP handler admits enrolled keys only
    int64_t until = sh_sys_mono_ms () + S_TIMEOUT_MS;
    sh_link_event_t ev = { .type = SH_LINK_NOTHING };
    while (ev.type != SH_LINK_CONNECTED && sh_sys_mono_ms () < until && !sh_link_interrupted ()) {
        sh_wire_msg_t m;
        if (sh_link_wait (self->conn, (int) (until - sh_sys_mono_ms ()), &ev, &m, NULL) == SH_OK
        &&  ev.type == SH_LINK_MESSAGE)
            sh_wire_msg_fini (&m);
        if (ev.type == SH_LINK_AUTH_FAILED && ev.status == 400) {
            hub_log ("error", _("mirror: the hub %s does not admit this key (%.16s...): enrol it with shouhe-hub "
                     "enroll --role mirror"), self->a->hub, self->key_hex);
            return SH_EXIT_DENIED;
        }
    }
    if (sh_link_interrupted ())
        return SH_EXIT_INTERRUPTED;
    if (ev.type != SH_LINK_CONNECTED) {
        hub_log ("warn", _("mirror: no connection to the hub %s within %d s"), self->a->hub, S_TIMEOUT_MS / 1000);
        return SH_EXIT_NETWORK;
    }
    return SH_EXIT_OK;
}

//  Open what a run needs: key, hub identity, store, state, link.
static int
s_open (s_mirror_t *self, const hub_mirror_args_t *a)
{
    if (!a->hub || !a->hub_key) {
        fprintf (stderr, _("shouhe-hub: mirror needs --hub ENDPOINT and --hub-key HEX (or --init --name NAME)\n"));
        return SH_EXIT_USAGE;
    }
    if (sh_hubid_init_hex (&self->hub, a->hub_key) != SH_OK) {
        fprintf (stderr, _("shouhe-hub: --hub-key '%s' is not a hub public key (64 hex digits)\n"), a->hub_key);
        return SH_EXIT_USAGE;
    }
    char kp[4096];
    snprintf (kp, sizeof kp, "%s/%s", a->dir, SH_MIRROR_KEY_FILE);
    sh_err rc = sh_key_load (&self->key, kp);
    if (rc) {
        fprintf (stderr, _("shouhe-hub: cannot load %s: %s%s\n"), kp, sh_strerror (rc),
                 rc == SH_ENOTFOUND ? _(" (make it with: shouhe-hub mirror --dir DIR --init --name NAME)") : "");
        return SH_EXIT_STORE;
    }
    sh_crypto_hex (self->key_hex, sh_key_public (self->key), SH_PUBKEY_BYTES);
    char why[512] = "";
    rc = sh_store_open (&self->store, a->dir, false, 0);
    if (rc == SH_OK)
        rc = sh_mirror_open (self->store, &self->hub, &self->st, self->name, sizeof self->name, why, sizeof why);
    if (rc) {
        fprintf (stderr, _("shouhe-hub: the mirror in %s: %s\n"), a->dir, why[0] ? why : sh_strerror (rc));
        return rc == SH_EPERM ? SH_EXIT_REFUSED : sh_exit_store (rc);
    }
    return SH_EXIT_OK;
}

int
hub_mirror (const hub_mirror_args_t *a)
{
    if (a->init)
        return s_init (a);
    s_mirror_t self = { .a = a };
    int ex = s_open (&self, a);
    uint64_t said_size = UINT64_MAX;
    bool down = false;
    while (!ex) {
        ex = self.conn ? SH_EXIT_OK : s_connect (&self);
        if (!ex)
            ex = s_round (&self);
        if (!ex && self.cosigned_now)
            self.st.cosigned = self.cosigned_now;
        if (!ex && (self.st.size != said_size || self.cosigned_now || a->verbose)) {
            hub_log ("info", _("mirror: holds %llu leaves, verified up to the checkpoint of size %llu; cosigned %llu "
                     "(%u cosignatures at the hub)"), (unsigned long long) self.st.tree,
                   (unsigned long long) self.st.size, (unsigned long long) self.st.cosigned,
                   self.cosigners);
            said_size = self.st.size;
        }
        if (!a->watch || sh_link_interrupted ())
            break;
        if (ex == SH_EXIT_NETWORK) {            //  watching: the hub comes back
            if (!down)
                hub_log ("warn", _("mirror: the hub does not answer; trying again"));
            down = true;
            sh_link_destroy (&self.conn);       //  a new connection: no late answer is taken for a new one
            ex = SH_EXIT_OK;
        }
        else
            down = false;
        if (!ex)
            nanosleep (&(struct timespec) { 0, S_WATCH_MS * 1000000L }, NULL);
    }
    if (ex == SH_EXIT_INTERRUPTED || (a->watch && sh_link_interrupted () && !ex))
        ex = SH_EXIT_OK;
    s_forget (&self, 0, true);
    sh_link_destroy (&self.conn);
    sh_store_close (&self.store);
    sh_key_destroy (&self.key);
    return ex;
}
