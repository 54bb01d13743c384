/*  fuzz_envelope -- the hub's handling of one message from a peer: the
    envelope decoder (sh_wire) and the dispatcher behind the ROUTER
    (server/hub_handler.c), driven without a socket against a real hub
    store (fuzz_fixture's hub, built once at start-up in a temporary
    directory).

    Input: byte 0 sets the scene, the rest is the envelope frame
    (FUZZ_VERBOSE=1 in the environment prints every answer).
        bits 0-2  who sends it: A, B, R (revoked), D (blocked), the auditor,
                  a stranger, a connection without User-Id, one whose
                  User-Id is not 64 hex digits
        bit 3     a real Hello from that key first (opens a session)
        bit 4     a real Fetch at offset 0 first (an export snapshot)
        bit 5     one extra frame after the envelope
        bits 6-7  the routing id: 5 bytes (as ZeroMQ makes them), 1 byte,
                  255 bytes, or 5 other bytes
    Each input gets a fresh handler (no session carries over).

    Properties checked (abort on failure):
      - every message handed to the handler gets exactly one answer, and
        every answer decodes as an envelope of a type the hub may send;
      - a Batch holds only changes that open (valid signatures), inside the
        puller's scope and, for a node, not its own; a Chunk stays within
        the export it describes;
      - receipts hold as a node checks them: a Welcome's checkpoint opens
        with the hub key and proves consistent with the tree size the Hello
        named; an Ack's checkpoint covers exactly the pushed changes that
        were new, in push order (left compact range + their leaf hashes give
        its root) and proves consistent with the Welcome's;
      - nothing is stored unless a push was acknowledged: when the log,
        the evidence, the checkpoints or a blocked flag changed, an Ack must
        have been sent or the push refused as an equivocation. The store is
        then put back as it was (a copy of its file), so every input runs
        against the same state.
*/
#include "fuzz_fixture.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "hub_handler.h"
#include "sh_changelog.h"
#include "sh_hublog.h"
#include "sh_merkle.h"
#include "sh_note.h"
#include "sh_registry.h"
#include "sh_wire.h"

#define S_PEERS 6           //  keyed peers: A, B, R, D, auditor, stranger

//  What one input's answers looked like.
typedef struct {
    size_t replies;                 //  answers to the current message
    bool acked;                     //  an Ack was sent (a push stored)
    bool equivocation;              //  a push was refused as an equivocation
    const char *scope;              //  scope of the sending key, NULL if not enrolled
    const uint8_t *key;             //  the sending key, NULL if none
    bool node;                      //  the sender is a node (excluded from its own pulls)
    const sh_wire_msg_t *request;   //  the message being answered, decoded (NULL if it does not decode)
    bool have_cp;                   //  a Welcome gave a checkpoint:
    uint64_t cp_size;               //  its tree size
    uint8_t cp_root[SH_HASH_BYTES]; //  and root
} s_seen_t;

//  The target's state (see fuzz_fixture.h on file-static state).
static struct {
    char *dir;                          //  hub directory
    char *data_path;                    //  its data.mdb
    uint8_t *pristine;                  //  data.mdb as built
    size_t pristine_len;                //  its size
    sh_store_t *store;                  //  the open hub store
    sh_key_t *hub_key;                  //  hub identity
    sh_hubid_t hub;                     //  its identity: checkpoint origin, verifier key
    sh_key_t *keys[S_PEERS];            //  peer identities
    hub_config_t config;                //  threads 1, quiet
    bool verbose;                       //  FUZZ_VERBOSE set: print every answer
    s_seen_t seen;                      //  answers of the current input
} s_fx;

static const fuzz_key_id_t s_peer_ids[S_PEERS] = {
    FUZZ_KEY_A, FUZZ_KEY_B, FUZZ_KEY_REVOKED, FUZZ_KEY_BLOCKED, FUZZ_KEY_AUDITOR, FUZZ_KEY_STRANGER
};
static const char *const s_peer_scopes[S_PEERS] = {
    FUZZ_SCOPE_A, FUZZ_SCOPE_B, FUZZ_SCOPE_A, FUZZ_SCOPE_D, FUZZ_DISTRICT, NULL
};

//  ---------------------------------------------------------------------
//  The store: fingerprint and restore

typedef struct {
    uint64_t log, evidence, checkpoints, tree;
    bool blocked[S_PEERS];
} s_print_t;

static void
s_fingerprint (s_print_t *p)
{
    p->log = fuzz_store_count (s_fx.store, SH_DB_LOG);
    p->evidence = fuzz_store_count (s_fx.store, SH_DB_EVIDENCE);
    p->checkpoints = fuzz_store_count (s_fx.store, SH_DB_CHECKPOINTS);
    p->tree = fuzz_store_count (s_fx.store, SH_DB_TREE);
    sh_store_txn_t *txn;
    FUZZ_PASS (sh_store_begin (s_fx.store, false, &txn));
    for (size_t i = 0; i < S_PEERS; i++) {
        sh_registry_entry_t e;
        p->blocked[i] = sh_registry_get (txn, sh_key_public (s_fx.keys[i]), &e) == SH_OK && e.blocked;
    }
    sh_store_abort (&txn);
}

static bool
s_same (const s_print_t *a, const s_print_t *b)
{
    if (a->log != b->log || a->evidence != b->evidence || a->checkpoints != b->checkpoints || a->tree != b->tree)
        return false;
    for (size_t i = 0; i < S_PEERS; i++)
        if (a->blocked[i] != b->blocked[i])
            return false;
    return true;
}

static uint8_t *
s_read_file (const char *path, size_t *len)
{
    FILE *f = fopen (path, "rb");
    FUZZ_CHECK (f);
    FUZZ_CHECK (fseek (f, 0, SEEK_END) == 0);
    long n = ftell (f);
    FUZZ_CHECK (n > 0);
    rewind (f);
    uint8_t *buf = malloc ((size_t) n);
    FUZZ_CHECK (buf);
    FUZZ_CHECK (fread (buf, 1, (size_t) n, f) == (size_t) n);
    fclose (f);
    *len = (size_t) n;
    return buf;
}

//  Put data.mdb back as built (the environment closed meanwhile).
static void
s_restore (void)
{
    sh_store_close (&s_fx.store);
    int fd = open (s_fx.data_path, O_WRONLY | O_TRUNC);
    FUZZ_CHECK (fd >= 0);
    FUZZ_CHECK (write (fd, s_fx.pristine, s_fx.pristine_len) == (ssize_t) s_fx.pristine_len);
    FUZZ_CHECK (close (fd) == 0);
    FUZZ_PASS (sh_store_open (&s_fx.store, s_fx.dir, false, (size_t) 64 << 20));
}

static void
s_cleanup (void)
{
    sh_store_close (&s_fx.store);
    sh_key_destroy (&s_fx.hub_key);
    for (size_t i = 0; i < S_PEERS; i++)
        sh_key_destroy (&s_fx.keys[i]);
    free (s_fx.pristine);
    free (s_fx.data_path);
    free (s_fx.dir);
    s_fx.pristine = NULL;
    s_fx.data_path = s_fx.dir = NULL;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    fuzz_init ();
    s_fx.dir = fuzz_tmpdir ("envelope");
    s_fx.hub_key = fuzz_key (FUZZ_KEY_HUB);
    sh_hubid_init_key (&s_fx.hub, s_fx.hub_key);
    for (size_t i = 0; i < S_PEERS; i++)
        s_fx.keys[i] = fuzz_key (s_peer_ids[i]);
    FUZZ_PASS (fuzz_hub_build (&s_fx.store, s_fx.dir, s_fx.hub_key));
    sh_store_close (&s_fx.store);
    size_t n = strlen (s_fx.dir) + sizeof "/data.mdb";
    s_fx.data_path = malloc (n);
    FUZZ_CHECK (s_fx.data_path);
    snprintf (s_fx.data_path, n, "%s/data.mdb", s_fx.dir);
    s_fx.pristine = s_read_file (s_fx.data_path, &s_fx.pristine_len);
    FUZZ_PASS (sh_store_open (&s_fx.store, s_fx.dir, false, (size_t) 64 << 20));
    s_fx.config = (hub_config_t) { .dir = s_fx.dir, .bind = "inproc://fuzz", .threads = 1, .quiet = true };
    s_fx.verbose = getenv ("FUZZ_VERBOSE") != NULL;
    atexit (s_cleanup);     //  registered after fuzz_tmpdir's: runs before the directory goes
    return 0;
}

//  ---------------------------------------------------------------------
//  Answers

//  The checkpoint note of a receipt, opened as a node does.
static void
s_open_checkpoint (const char *note, sh_note_checkpoint_t *cp)
{
    FUZZ_CHECK (note);
    FUZZ_PASS (sh_hubid_open_checkpoint (&s_fx.hub, cp, note, strlen (note)));
}

static void
s_check_welcome (const sh_wire_msg_t *m)
{
    s_seen_t *seen = &s_fx.seen;
    sh_note_checkpoint_t cp;
    s_open_checkpoint (m->u.welcome.checkpoint, &cp);
    FUZZ_CHECK (cp.size == m->u.welcome.log_size);
    const sh_wire_msg_t *req = seen->request;
    FUZZ_CHECK (req && req->type == SH_WIRE_HELLO);
    uint64_t k = req->u.hello.checkpoint_size;
    if (k > 0 && k < cp.size) {
        uint8_t old_root[SH_HASH_BYTES];
        sh_store_txn_t *txn;
        FUZZ_PASS (sh_store_begin (s_fx.store, false, &txn));
        FUZZ_PASS (sh_merkle_root (txn, k, old_root));
        sh_store_abort (&txn);
        FUZZ_PASS (sh_merkle_verify_consistency (k, cp.size, old_root, cp.root,
                                                 (const uint8_t (*)[SH_HASH_BYTES]) m->u.welcome.consistency,
                                                 m->u.welcome.n_consistency));
    }
    else
        FUZZ_CHECK (m->u.welcome.n_consistency == 0);
    seen->have_cp = true;
    seen->cp_size = cp.size;
    memcpy (seen->cp_root, cp.root, SH_HASH_BYTES);
}

static void
s_check_ack (const sh_wire_msg_t *m)
{
    s_seen_t *seen = &s_fx.seen;
    const sh_wire_msg_t *req = seen->request;
    FUZZ_CHECK (req && req->type == SH_WIRE_PUSH && m->u.ack.batch == req->u.push.batch);
    size_t accepted = m->u.ack.accepted;
    FUZZ_CHECK (accepted + m->u.ack.duplicates == req->u.push.n);
    if (accepted == 0) {
        FUZZ_CHECK (!m->u.ack.checkpoint);
        return;
    }
    sh_note_checkpoint_t cp;
    s_open_checkpoint (m->u.ack.checkpoint, &cp);
    FUZZ_CHECK (cp.size == m->u.ack.first_leaf + accepted);
    //  the new leaves are pushed changes, in push order
    uint8_t (*leaves)[SH_HASH_BYTES] = calloc (accepted, SH_HASH_BYTES);
    FUZZ_CHECK (leaves);
    sh_store_txn_t *txn;
    FUZZ_PASS (sh_store_begin (s_fx.store, false, &txn));
    size_t next = 0;
    for (size_t i = 0; i < accepted; i++) {
        const uint8_t *bytes;
        size_t len;
        FUZZ_PASS (sh_changelog_get (txn, m->u.ack.first_leaf + i + 1, &bytes, &len));
        while (next < req->u.push.n && (req->u.push.changes[next].len != len
               || memcmp (req->u.push.changes[next].data, bytes, len) != 0))
            next++;
        FUZZ_CHECK (next < req->u.push.n);
        sh_merkle_leaf_hash (leaves[i], bytes, len);
        next++;
    }
    sh_store_abort (&txn);
    uint8_t root[SH_HASH_BYTES];
    FUZZ_PASS (sh_merkle_range_root ((const uint8_t (*)[SH_HASH_BYTES]) m->u.ack.range, m->u.ack.n_range,
                                     m->u.ack.first_leaf, (const uint8_t (*)[SH_HASH_BYTES]) leaves, accepted,
                                     root));
    FUZZ_CHECK (!memcmp (root, cp.root, SH_HASH_BYTES));
    free (leaves);
    //  and it extends the checkpoint the session was welcomed with
    FUZZ_CHECK (seen->have_cp && seen->cp_size < cp.size && m->u.ack.n_consistency > 0);
    FUZZ_PASS (sh_merkle_verify_consistency (seen->cp_size, cp.size, seen->cp_root, cp.root,
                                             (const uint8_t (*)[SH_HASH_BYTES]) m->u.ack.consistency,
                                             m->u.ack.n_consistency));
}

//  hub_reply_fn: check one answer of the hub.
static void
s_reply (const uint8_t *rid, size_t rid_len, const uint8_t *buf, size_t len, void *arg)
{
    (void) arg;
    FUZZ_CHECK (rid && rid_len > 0);
    s_seen_t *seen = &s_fx.seen;
    seen->replies++;
    sh_wire_msg_t m;
    const char *why = NULL;
    sh_err rc = sh_wire_decode (&m, buf, len, SH_WIRE_MAX_BYTES, &why);
    if (rc)
        fprintf (stderr, "the hub sent an undecodable answer: %s\n", why ? why : sh_strerror (rc));
    FUZZ_CHECK (rc == SH_OK);
    if (s_fx.verbose)
        fprintf (stderr, "  answer: %s %s %s\n", sh_wire_type_name (m.type),
                 m.type == SH_WIRE_ERROR ? sh_wire_error_name (m.u.error.code) : "",
                 m.type == SH_WIRE_ERROR ? m.u.error.message : "");
    FUZZ_CHECK (m.type == SH_WIRE_WELCOME || m.type == SH_WIRE_ACK || m.type == SH_WIRE_BATCH
             || m.type == SH_WIRE_ERROR || m.type == SH_WIRE_PONG || m.type == SH_WIRE_CHUNK
             || m.type == SH_WIRE_PROOF);
    if (m.type == SH_WIRE_PROOF) {
        //  runs follow each other in seq from the Prove's first seq
        uint64_t at = m.u.proof.first_seq;
        for (size_t i = 0; i < m.u.proof.n_runs; i++) {
            FUZZ_CHECK (m.u.proof.runs[i].first_seq == at && m.u.proof.runs[i].count > 0);
            at += m.u.proof.runs[i].count;
        }
    }
    if (m.type == SH_WIRE_WELCOME)
        s_check_welcome (&m);
    if (m.type == SH_WIRE_ACK) {
        seen->acked = true;
        s_check_ack (&m);
    }
    if (m.type == SH_WIRE_ERROR && m.u.error.code == SH_WIRE_ERR_EQUIVOCATION)
        seen->equivocation = true;
    if (m.type == SH_WIRE_BATCH) {
        FUZZ_CHECK (seen->scope);
        FUZZ_CHECK (m.u.batch.next >= m.u.batch.since || m.u.batch.n == 0);
        for (size_t i = 0; i < m.u.batch.n; i++) {
            sh_change_t c;
            FUZZ_PASS (sh_change_open (&c, NULL, m.u.batch.changes[i].data, m.u.batch.changes[i].len, NULL));
            FUZZ_CHECK (strncmp (c.region, seen->scope, strlen (seen->scope)) == 0);
            //  a node never gets its own changes, but in an own Batch (Pull.own_from) only them
            if (m.u.batch.own)
                FUZZ_CHECK (memcmp (c.author, seen->key, SH_PUBKEY_BYTES) == 0);
            else
                FUZZ_CHECK (!seen->node || memcmp (c.author, seen->key, SH_PUBKEY_BYTES) != 0);
            sh_change_fini (&c);
        }
    }
    if (m.type == SH_WIRE_CHUNK)
        FUZZ_CHECK (m.u.chunk.offset <= m.u.chunk.total && m.u.chunk.len <= m.u.chunk.total - m.u.chunk.offset);
    sh_wire_msg_fini (&m);
}

//  Hand one envelope to the handler and check it was answered once.
static void
s_message (hub_handler_t *h, const uint8_t *rid, size_t rid_len, const char *user,
           const uint8_t *body, size_t len, size_t extra)
{
    sh_wire_msg_t request;
    bool decoded = sh_wire_decode (&request, body, len, SH_WIRE_MAX_BYTES, NULL) == SH_OK;
    s_fx.seen.request = decoded ? &request : NULL;
    s_fx.seen.replies = 0;
    hub_handler_message (h, rid, rid_len, user, body, len, extra);
    FUZZ_CHECK (s_fx.seen.replies == 1);
    s_fx.seen.request = NULL;
    if (decoded)
        sh_wire_msg_fini (&request);
}

//  A real envelope of m, handed to the handler.
static void
s_send_real (hub_handler_t *h, const uint8_t *rid, size_t rid_len, const char *user, const sh_wire_msg_t *m)
{
    uint8_t *buf;
    size_t len;
    FUZZ_PASS (sh_wire_encode (m, &buf, &len));
    s_message (h, rid, rid_len, user, buf, len, 0);
    free (buf);
}

//  ---------------------------------------------------------------------
//  One input

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t scene = data[0];
    size_t who = scene & 7;
    uint8_t rid[255];
    size_t rid_len;
    memset (rid, 0xa5, sizeof rid);
    switch (scene >> 6) {
        case 0: rid_len = 5; rid[0] = 0; break;
        case 1: rid_len = 1; break;
        case 2: rid_len = sizeof rid; break;
        default: rid_len = 5; rid[0] = 0; rid[4] = 0x17; break;
    }
    char user[SH_HEX_BYTES (SH_PUBKEY_BYTES)];
    const char *user_id = user;
    memset (&s_fx.seen, 0, sizeof s_fx.seen);
    if (who < S_PEERS) {
        sh_crypto_hex (user, sh_key_public (s_fx.keys[who]), SH_PUBKEY_BYTES);
        s_fx.seen.key = sh_key_public (s_fx.keys[who]);
        s_fx.seen.scope = s_peer_scopes[who];
        s_fx.seen.node = s_peer_ids[who] != FUZZ_KEY_AUDITOR;
    }
    else
    if (who == S_PEERS)
        user_id = NULL;
    else
        snprintf (user, sizeof user, "%s", "not-hex");

    s_print_t before, after;
    s_fingerprint (&before);
    hub_handler_t *h = hub_handler_new (&s_fx.config, s_fx.store, &s_fx.hub, s_reply, NULL);
    FUZZ_CHECK (h);
    if ((scene & 0x08) && who < S_PEERS) {
        sh_wire_msg_t hello = { .type = SH_WIRE_HELLO };
        memcpy (hello.u.hello.node, s_fx.seen.key, SH_PUBKEY_BYTES);
        hello.u.hello.nonce = 7;
        s_send_real (h, rid, rid_len, user_id, &hello);
    }
    if (scene & 0x10) {
        sh_wire_msg_t fetch = { .type = SH_WIRE_FETCH };
        s_send_real (h, rid, rid_len, user_id, &fetch);
    }
    s_message (h, rid, rid_len, user_id, data + 1, size - 1, (scene & 0x20) ? 1 : 0);
    hub_handler_destroy (&h);

    s_fingerprint (&after);
    if (!s_same (&before, &after)) {
        FUZZ_CHECK (s_fx.seen.acked || s_fx.seen.equivocation);
        s_restore ();
        s_fingerprint (&after);
        FUZZ_CHECK (s_same (&before, &after));
    }
    return 0;
}
