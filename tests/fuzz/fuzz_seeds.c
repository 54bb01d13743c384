/*  fuzz_seeds -- writes the seed corpora of the fuzz targets from the
    fixture (fuzz_fixture.h): real envelopes of every message type, real
    signed changes, real notes and checkpoints, CSV files and real exports.

        fuzz_seeds OUT_DIR        writes OUT_DIR/<target>/<name> (tests/fuzz/corpus)

    Everything is deterministic, so running it again rewrites the same
    bytes; regression inputs for findings live beside the seeds under
    names starting with "regress-" and are not made here.
*/
#include "fuzz_fixture.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "sh_export.h"
#include "sh_hubid.h"
#include "sh_hublog.h"
#include "sh_note.h"
#include "sh_registry.h"
#include "sh_wire.h"

typedef struct {
    const char *out;        //  corpus root
    size_t files;           //  written so far
    size_t bytes;           //  their total size
} s_gen_t;

//  ---------------------------------------------------------------------
//  Writing files

static void
s_write (s_gen_t *g, const char *target, const char *name, const uint8_t *a, size_t alen,
         const uint8_t *b, size_t blen)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/%s", g->out, target);
    if (mkdir (path, 0755) != 0 && errno != EEXIST) {
        fprintf (stderr, "fuzz_seeds: cannot create %s: %s\n", path, strerror (errno));
        exit (1);
    }
    snprintf (path, sizeof path, "%s/%s/%s", g->out, target, name);
    FILE *f = fopen (path, "wb");
    if (!f || fwrite (a, 1, alen, f) != alen || (blen && fwrite (b, 1, blen, f) != blen) || fclose (f) != 0) {
        fprintf (stderr, "fuzz_seeds: cannot write %s\n", path);
        exit (1);
    }
    g->files++;
    g->bytes += alen + blen;
}

//  A seed made of a one-byte header and a body.
static void
s_seed (s_gen_t *g, const char *target, const char *name, uint8_t head, const void *body, size_t len)
{
    s_write (g, target, name, &head, 1, body, len);
}

//  ---------------------------------------------------------------------
//  Envelopes

static void
s_envelope (s_gen_t *g, const char *name, uint8_t scene, const sh_wire_msg_t *m)
{
    uint8_t *buf;
    size_t len;
    FUZZ_PASS (sh_wire_encode (m, &buf, &len));
    s_seed (g, "envelope", name, scene, buf, len);
    free (buf);
}

//  Scene bits (fuzz_envelope.c).
enum { S_A = 0, S_B = 1, S_R = 2, S_D = 3, S_AUDITOR = 4, S_STRANGER = 5, S_NO_USER = 6, S_BAD_USER = 7,
       S_HELLO = 0x08, S_FETCH = 0x10, S_EXTRA = 0x20, S_RID_1 = 0x40, S_RID_255 = 0x80, S_RID_OTHER = 0xc0 };

//  A Push envelope of the given chain changes.
static void
s_push (s_gen_t *g, const char *name, uint8_t scene, const fuzz_key_id_t *who, const uint64_t *seq,
        const bool *fork, size_t n, bool z)
{
    fuzz_bytes_t owned[8];
    sh_wire_bytes_t changes[8];
    for (size_t i = 0; i < n; i++) {
        FUZZ_PASS (fuzz_chain (&owned[i], NULL, who[i], seq[i], fork && fork[i]));
        changes[i] = (sh_wire_bytes_t) { owned[i].data, owned[i].len };
    }
    sh_wire_msg_t m = { .type = SH_WIRE_PUSH };
    m.u.push.batch = 41;
    m.u.push.n = n;
    m.u.push.changes = changes;
    m.u.push.compress = z;              //  as zchanges (docs/protocol.md 13.22)
    s_envelope (g, name, scene, &m);
    for (size_t i = 0; i < n; i++)
        free (owned[i].data);
}

static void
s_envelopes (s_gen_t *g, sh_store_t *hub)
{
    sh_key_t *a = fuzz_key (FUZZ_KEY_A), *aud = fuzz_key (FUZZ_KEY_AUDITOR), *str = fuzz_key (FUZZ_KEY_STRANGER);
    sh_key_t *r = fuzz_key (FUZZ_KEY_REVOKED), *d = fuzz_key (FUZZ_KEY_BLOCKED);
    sh_wire_msg_t m = { .type = SH_WIRE_HELLO };
    memcpy (m.u.hello.node, sh_key_public (a), SH_PUBKEY_BYTES);
    m.u.hello.nonce = 99;
    s_envelope (g, "hello-a", S_A, &m);
    m.u.hello.checkpoint_size = 2;
    s_envelope (g, "hello-a-checkpoint-2", S_A, &m);
    m.u.hello.checkpoint_size = 5;
    s_envelope (g, "hello-a-checkpoint-5-rid255", S_A | S_RID_255, &m);
    m.u.hello.checkpoint_size = 1000;
    s_envelope (g, "hello-a-checkpoint-beyond", S_A | S_RID_1, &m);
    m.u.hello.checkpoint_size = 0;
    s_envelope (g, "hello-a-from-b", S_B, &m);
    s_envelope (g, "hello-a-no-user-id", S_NO_USER, &m);
    s_envelope (g, "hello-a-bad-user-id", S_BAD_USER, &m);
    s_envelope (g, "hello-a-extra-frame", S_A | S_EXTRA, &m);
    memcpy (m.u.hello.node, sh_key_public (str), SH_PUBKEY_BYTES);
    s_envelope (g, "hello-stranger", S_STRANGER, &m);
    memcpy (m.u.hello.node, sh_key_public (r), SH_PUBKEY_BYTES);
    s_envelope (g, "hello-revoked", S_R, &m);
    memcpy (m.u.hello.node, sh_key_public (d), SH_PUBKEY_BYTES);
    s_envelope (g, "hello-blocked", S_D, &m);
    memcpy (m.u.hello.node, sh_key_public (aud), SH_PUBKEY_BYTES);
    s_envelope (g, "hello-auditor", S_AUDITOR, &m);
    m.version = 2;
    s_envelope (g, "hello-version-2", S_AUDITOR, &m);

    {
        fuzz_key_id_t who[] = { FUZZ_KEY_A, FUZZ_KEY_A, FUZZ_KEY_A, FUZZ_KEY_A };
        uint64_t next[] = { 4, 5, 6, 7 }, dup[] = { 1, 2, 3 }, gap[] = { 5 }, fork_seq[] = { 2 };
        bool fork[] = { true };
        s_push (g, "push-a-next", S_A | S_HELLO, who, next, NULL, 4, false);
        s_push (g, "push-a-next-compressed", S_A | S_HELLO, who, next, NULL, 4, true);
        s_push (g, "push-a-gap-compressed", S_A | S_HELLO, who, gap, NULL, 1, true);
        s_push (g, "push-a-next-other-rid", S_A | S_HELLO | S_RID_OTHER, who, next, NULL, 2, false);
        s_push (g, "push-a-duplicates", S_A | S_HELLO, who, dup, NULL, 3, false);
        s_push (g, "push-a-gap", S_A | S_HELLO, who, gap, NULL, 1, false);
        s_push (g, "push-a-fork", S_A | S_HELLO, who, fork_seq, fork, 1, false);
        s_push (g, "push-a-no-session", S_A, who, next, NULL, 1, false);
        s_push (g, "push-auditor", S_AUDITOR | S_HELLO, who, next, NULL, 1, false);
        fuzz_key_id_t b[] = { FUZZ_KEY_B };
        uint64_t one[] = { 1 };
        s_push (g, "push-a-with-b-change", S_A | S_HELLO, b, one, NULL, 1, false);
        s_push (g, "push-b-duplicate", S_B | S_HELLO, b, one, NULL, 1, false);
        fuzz_key_id_t dd[] = { FUZZ_KEY_BLOCKED };
        s_push (g, "push-blocked", S_D | S_HELLO, dd, one, NULL, 1, false);
    }
    sh_wire_msg_t pull = { .type = SH_WIRE_PULL };
    pull.u.pull.max = 10;
    s_envelope (g, "pull-a", S_A | S_HELLO, &pull);
    s_envelope (g, "pull-auditor", S_AUDITOR | S_HELLO, &pull);
    pull.u.pull.since = 3;
    pull.u.pull.max = 0;
    s_envelope (g, "pull-b-since-3", S_B | S_HELLO, &pull);
    s_envelope (g, "pull-revoked", S_R | S_HELLO, &pull);
    s_envelope (g, "pull-no-session", S_A, &pull);
    pull.u.pull.since = 0;
    pull.u.pull.own_from = 2;
    s_envelope (g, "pull-a-own", S_A | S_HELLO, &pull);
    pull.u.pull.own_from = 0;

    sh_wire_msg_t prove = { .type = SH_WIRE_PROVE };
    prove.u.prove.first_seq = 1;
    prove.u.prove.count = 3;
    s_envelope (g, "prove-a", S_A | S_HELLO, &prove);
    s_envelope (g, "prove-no-session", S_A, &prove);

    sh_wire_msg_t fetch = { .type = SH_WIRE_FETCH };
    fetch.u.fetch.max = 100;
    s_envelope (g, "fetch-auditor", S_AUDITOR | S_HELLO, &fetch);
    fetch.u.fetch.offset = 100;
    fetch.u.fetch.max = 50;
    s_envelope (g, "fetch-auditor-offset", S_AUDITOR | S_HELLO | S_FETCH, &fetch);
    s_envelope (g, "fetch-auditor-no-snapshot", S_AUDITOR | S_HELLO, &fetch);
    fetch.u.fetch.offset = 0;
    s_envelope (g, "fetch-node", S_A | S_HELLO, &fetch);

    sh_wire_msg_t ping = { .type = SH_WIRE_PING };
    ping.u.ping.nonce = 12345;
    s_envelope (g, "ping", S_A, &ping);
    s_envelope (g, "ping-stranger", S_STRANGER | S_HELLO, &ping);
    ping.type = SH_WIRE_PONG;
    s_envelope (g, "pong", S_A, &ping);

    //  what only the hub sends, sent to it
    char *note = NULL;
    uint64_t size = 0;
    sh_key_t *hub_key = fuzz_key (FUZZ_KEY_HUB);
    sh_hubid_t hub_id;
    sh_hubid_init_key (&hub_id, hub_key);
    FUZZ_PASS (sh_hublog_checkpoint (hub, &hub_id, &note, &size));
    uint8_t hashes[2][SH_HASH_BYTES];
    memset (hashes, 0x5c, sizeof hashes);
    sh_wire_msg_t w = { .type = SH_WIRE_WELCOME };
    strcpy (w.u.welcome.scope, FUZZ_SCOPE_A);
    w.u.welcome.head_seq = 3;
    w.u.welcome.log_size = size;
    w.u.welcome.credit = 4;
    w.u.welcome.checkpoint = note;
    w.u.welcome.n_consistency = 2;
    w.u.welcome.consistency = hashes;
    s_envelope (g, "welcome", S_A | S_HELLO, &w);
    sh_wire_msg_t ack = { .type = SH_WIRE_ACK };
    ack.u.ack.batch = 41;
    ack.u.ack.accepted = 2;
    ack.u.ack.checkpoint = note;
    ack.u.ack.first_leaf = 3;
    ack.u.ack.n_range = 1;
    ack.u.ack.range = hashes;
    s_envelope (g, "ack", S_A | S_HELLO, &ack);
    {
        fuzz_bytes_t c;
        FUZZ_PASS (fuzz_chain (&c, NULL, FUZZ_KEY_B, 1, false));
        sh_wire_bytes_t changes[] = { { c.data, c.len } };
        sh_wire_key_t keys[1] = { { .role = SH_WIRE_ROLE_NODE, .name = "node-b" } };
        sh_key_t *b = fuzz_key (FUZZ_KEY_B);
        memcpy (keys[0].key, sh_key_public (b), SH_PUBKEY_BYTES);
        strcpy (keys[0].scope, FUZZ_SCOPE_B);
        sh_key_destroy (&b);
        sh_wire_msg_t batch = { .type = SH_WIRE_BATCH };
        batch.u.batch.next = 1;
        batch.u.batch.n = 1;
        batch.u.batch.changes = changes;
        batch.u.batch.n_keys = 1;
        batch.u.batch.keys = keys;
        s_envelope (g, "batch", S_A | S_HELLO, &batch);
        free (c.data);
    }
    sh_wire_msg_t err = { .type = SH_WIRE_ERROR };
    err.u.error.code = SH_WIRE_ERR_CHAIN;
    snprintf (err.u.error.message, sizeof err.u.error.message, "seq 9 does not follow");
    err.u.error.has_batch = err.u.error.has_position = true;
    err.u.error.batch = 7;
    err.u.error.position = 1;
    s_envelope (g, "error", S_A, &err);
    sh_wire_msg_t chunk = { .type = SH_WIRE_CHUNK };
    chunk.u.chunk.total = 10;
    chunk.u.chunk.data = (const uint8_t *) "0123456789";
    chunk.u.chunk.len = 10;
    s_envelope (g, "chunk", S_AUDITOR, &chunk);
    s_seed (g, "envelope", "empty", S_A, "", 0);
    free (note);
    sh_key_destroy (&hub_key);
    sh_key_destroy (&a);
    sh_key_destroy (&aud);
    sh_key_destroy (&str);
    sh_key_destroy (&r);
    sh_key_destroy (&d);
}

//  ---------------------------------------------------------------------
//  Changes

//  Change bytes by an author no fixture key has (fuzz_change signs them
//  with its stranger and "other" keys).
static fuzz_bytes_t
s_foreign (uint8_t author_byte, uint64_t seq, fuzz_key_id_t like, uint64_t like_seq)
{
    fuzz_bytes_t sc, cb;
    FUZZ_PASS (fuzz_chain (&sc, &cb, like, like_seq, false));
    free (sc.data);
    sh_change_t c;
    FUZZ_PASS (sh_change_decode (&c, cb.data, cb.len, NULL));
    sh_change_t mine = c;
    memset (mine.author, author_byte, SH_PUBKEY_BYTES);
    mine.seq = seq;
    memset (mine.prev, seq == 1 ? 0 : 0x77, SH_HASH_BYTES);
    fuzz_bytes_t out;
    FUZZ_PASS (sh_change_encode (&mine, &out.data, &out.len));
    sh_change_fini (&c);
    free (cb.data);
    return out;
}

static void
s_pair (s_gen_t *g, const char *name, fuzz_bytes_t x, fuzz_bytes_t y)
{
    uint8_t head[3] = { 2, (uint8_t) (x.len >> 8), (uint8_t) x.len };
    uint8_t *buf = malloc (x.len + y.len);
    FUZZ_CHECK (buf);
    memcpy (buf, x.data, x.len);
    memcpy (buf + x.len, y.data, y.len);
    s_write (g, "change", name, head, sizeof head, buf, x.len + y.len);
    free (buf);
}

static void
s_changes (s_gen_t *g)
{
    char name[64];
    static const struct {
        fuzz_key_id_t who;
        uint64_t n;
        const char *tag;
    } chains[] = {
        { FUZZ_KEY_A, FUZZ_CHAIN_A, "a" }, { FUZZ_KEY_B, FUZZ_CHAIN_B, "b" },
        { FUZZ_KEY_REVOKED, 1, "r" }, { FUZZ_KEY_BLOCKED, 1, "d" },
    };
    for (size_t i = 0; i < sizeof chains / sizeof chains[0]; i++)
        for (uint64_t seq = 1; seq <= chains[i].n; seq++) {
            fuzz_bytes_t sc, cb;
            FUZZ_PASS (fuzz_chain (&sc, &cb, chains[i].who, seq, false));
            snprintf (name, sizeof name, "signed-%s%llu", chains[i].tag, (unsigned long long) seq);
            s_seed (g, "change", name, 0, sc.data, sc.len);
            snprintf (name, sizeof name, "change-%s%llu", chains[i].tag, (unsigned long long) seq);
            s_seed (g, "change", name, 1, cb.data, cb.len);
            free (sc.data);
            free (cb.data);
        }
    fuzz_bytes_t sc, cb;
    FUZZ_PASS (fuzz_chain (&sc, &cb, FUZZ_KEY_BLOCKED, 1, true));
    s_seed (g, "change", "signed-d1-fork", 0, sc.data, sc.len);
    free (sc.data);
    free (cb.data);
    FUZZ_PASS (fuzz_chain (&sc, &cb, FUZZ_KEY_A, 2, true));
    s_seed (g, "change", "signed-a2-fork", 0, sc.data, sc.len);
    s_seed (g, "change", "change-a2-fork", 1, cb.data, cb.len);
    free (sc.data);
    free (cb.data);

    //  pairs: two foreign authors on the same matter, ledger, record; A's next two
    static const struct {
        const char *name;
        uint64_t x_like, y_like;
    } pairs[] = {
        { "pair-matter-events", 4, 4 }, { "pair-ledger", 6, 6 }, { "pair-courtyard-puts", 1, 5 },
        { "pair-put-delete", 2, 11 }, { "pair-meeting-mediation", 8, 9 }, { "pair-role-region", 7, 10 },
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        fuzz_bytes_t x = s_foreign (0xe1, 1, FUZZ_KEY_A, pairs[i].x_like);
        fuzz_bytes_t y = s_foreign (0xe2, 1, FUZZ_KEY_A, pairs[i].y_like);
        s_pair (g, pairs[i].name, x, y);
        free (x.data);
        free (y.data);
    }
    {
        //  one foreign author, seq 1 then seq 3 (a gap, allowed for another author)
        sh_key_t *s = fuzz_key (FUZZ_KEY_STRANGER);
        fuzz_bytes_t x = s_foreign (0xe1, 1, FUZZ_KEY_A, 1), y = s_foreign (0xe1, 3, FUZZ_KEY_A, 5);
        sh_change_t c;
        FUZZ_PASS (sh_change_decode (&c, x.data, x.len, NULL));
        sh_change_t mine = c;
        memcpy (mine.author, sh_key_public (s), SH_PUBKEY_BYTES);
        free (x.data);
        FUZZ_PASS (sh_change_encode (&mine, &x.data, &x.len));
        sh_change_fini (&c);
        FUZZ_PASS (sh_change_decode (&c, y.data, y.len, NULL));
        mine = c;
        memcpy (mine.author, sh_key_public (s), SH_PUBKEY_BYTES);
        free (y.data);
        FUZZ_PASS (sh_change_encode (&mine, &y.data, &y.len));
        sh_change_fini (&c);
        s_pair (g, "pair-one-author-gap", x, y);
        free (x.data);
        free (y.data);
        sh_key_destroy (&s);
    }
    {
        fuzz_bytes_t s4, c4, s5, c5;
        FUZZ_PASS (fuzz_chain (&s4, &c4, FUZZ_KEY_A, 4, false));
        FUZZ_PASS (fuzz_chain (&s5, &c5, FUZZ_KEY_A, 5, false));
        s_pair (g, "pair-a4-a5", c4, c5);
        free (s4.data);
        free (c4.data);
        free (s5.data);
        free (c5.data);
    }
}

//  ---------------------------------------------------------------------
//  Notes (published examples: tests/unit/sh_note_test.c names the sources)

#define S_GO_TEXT "If you think cryptography is the answer to your problem,\n" \
                  "then you don't know what your problem is.\n"
#define S_EM "\xE2\x80\x94 "

static void
s_notes (s_gen_t *g, sh_store_t *hub)
{
    static const struct {
        const char *name;
        const char *text;
    } notes[] = {
        { "go-peter", S_GO_TEXT "\n" S_EM "PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n" },
        { "go-two-signers", S_GO_TEXT "\n"
          S_EM "EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
          S_EM "PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n" },
        { "sumdb-checkpoint", "go.sum database tree\n6476701\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n\n"
          S_EM "sum.golang.org Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1xbFIGu95949rj4nPRYfvimWEPWL+o3GeoWwOoAw=\n" },
        { "c2sp-note", "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned \xC3\xA8 subito sera.\n\n"
          S_EM "quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n" },
        { "c2sp-checkpoint", "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
          S_EM "example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n" },
        { "witnessed", "go.sum database tree\n6476701\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n\n"
          S_EM "monkeys 202ffh9ve46Mqbhuyb4wnC2Pwdan5EsXQym/tF1ggXJqhjGosU4T5intH4iKMRgDLxrnXuIjRaU2NbvAnaepM6Y+8ww=\n"
          S_EM "witness 8TqG25yWGFLdT7WPf/WoyeG3LwqtkXP+8S3yykOVm6EMh4hPgCke6eSVPU4BdtXNMPJBXKF+UpDbGgCdcpR8SVSoqAU=\n" },
    };
    char name[64];
    for (size_t i = 0; i < sizeof notes / sizeof notes[0]; i++) {
        snprintf (name, sizeof name, "note-%s", notes[i].name);
        s_seed (g, "note", name, 0, notes[i].text, strlen (notes[i].text));
        const char *blank = strstr (notes[i].text, "\n\n" S_EM);
        FUZZ_CHECK (blank);
        size_t text_len = (size_t) (blank - notes[i].text) + 1;
        snprintf (name, sizeof name, "sign-%s", notes[i].name);
        s_seed (g, "note", name, 3, notes[i].text, text_len);
        if (strstr (notes[i].name, "checkpoint")) {
            snprintf (name, sizeof name, "checkpoint-%s", notes[i].name);
            s_seed (g, "note", name, 1, notes[i].text, text_len);
        }
    }
    //  the fixture hub's checkpoints and its registry-note-like text
    sh_key_t *hub_key = fuzz_key (FUZZ_KEY_HUB);
    sh_hubid_t hub_id;
    sh_hubid_init_key (&hub_id, hub_key);
    const char *origin = hub_id.origin;
    char *note = NULL;
    uint64_t size;
    FUZZ_PASS (sh_hublog_checkpoint (hub, &hub_id, &note, &size));
    s_seed (g, "note", "note-hub-checkpoint", 0, note, strlen (note));
    const char *blank = strstr (note, "\n\n");
    FUZZ_CHECK (blank);
    s_seed (g, "note", "checkpoint-hub", 1, note, (size_t) (blank - note) + 1);
    s_seed (g, "note", "sign-hub-checkpoint", 3, note, (size_t) (blank - note) + 1);
    free (note);
    uint8_t root[SH_HASH_BYTES];
    memset (root, 0xab, sizeof root);
    char *text;
    size_t text_len;
    FUZZ_PASS (sh_note_checkpoint_format (&text, &text_len, origin, 18446744073709551615ull, root,
                                          "extension one\n\xE5\xAF\xBF\xE5\x92\x8C\n"));
    s_seed (g, "note", "checkpoint-extensions", 1, text, text_len);
    s_seed (g, "note", "sign-checkpoint-extensions", 3, text, text_len);
    free (text);
    FUZZ_PASS (sh_note_checkpoint_format (&text, &text_len, origin, 0, root, NULL));
    s_seed (g, "note", "checkpoint-empty-tree", 1, text, text_len);
    free (text);
    char vtext[SH_NOTE_VKEY_MAX];
    sh_note_vkey_format (&hub_id.vkey, vtext);
    s_seed (g, "note", "vkey-hub", 2, vtext, strlen (vtext));
    static const char *const vkeys[] = {
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8",
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    };
    for (size_t i = 0; i < sizeof vkeys / sizeof vkeys[0]; i++) {
        snprintf (name, sizeof name, "vkey-%zu", i + 1);
        s_seed (g, "note", name, 2, vkeys[i], strlen (vkeys[i]));
    }
    sh_key_destroy (&hub_key);
}

//  ---------------------------------------------------------------------
//  CSV files

static void
s_csvs (s_gen_t *g)
{
    static const struct {
        const char *name;
        const char *text;
    } files[] = {
        { "valid-minimal", "code,name,households\n500115101001002,Camphor Courtyard,8\n" },
        { "valid-all-columns", "code,name,households,residents,elderly,model,point,grid,villager_group\n"
          "500115101001002,Camphor Courtyard,8,30,6,yes,fixed,grid 2,group 4\n"
          "500115101002001,\"Well, East\",11,,,no,mobile,,\n"
          "500115101003001,\xE5\xAF\xBF\xE5\x92\x8C\xE5\xB0\x8F\xE9\x99\xA2,5,12,12,1,none,\"grid \"\"7\"\"\",\n" },
        { "valid-bom-crlf-reordered", "\xEF\xBB\xBFhouseholds,name,code\r\n9,\"Multi\nline\",500115101004001\r\n\r\n" },
        { "bad-numbers", "code,name,households,residents,elderly\n500115101001003,A,many,10,20\n"
          "500115101001004,B,3,-1,x\n500115101001005,C,0,5,6\n" },
        { "bad-scope-exists-dup", "code,name,households\n500115102001001,Outside,3\n500115101001001,Exists,3\n"
          "500115101005001,Twice,3\n500115101005001,Twice again,4\n5001151,Short,2\n" },
        { "bad-header", "code,name,name,colour\n500115101001002,X,Y,red\n" },
        { "bad-missing-column", "code,households\n500115101001002,3\n" },
        { "bad-field-count", "code,name,households\n500115101001002,X\n500115101001003,Y,3,extra\n" },
        { "bad-model-point", "code,name,households,model,point\n500115101001002,X,3,maybe,tower\n" },
        { "bad-unterminated-quote", "code,name,households\n500115101001002,\"open,3\n" },
        { "bad-stray-quote", "code,name,households\n500115101001002,a\"b,3\n" },
        { "empty", "" },
        { "header-only", "code,name,households\n" },
        { "blank-lines", "\n\n\ncode,name,households\n\n500115101001002,X,3\n\n" },
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        s_write (g, "csv", files[i].name, (const uint8_t *) files[i].text, strlen (files[i].text), NULL, 0);
    //  a row of more fields than the reader takes
    char wide[1024] = "code,name,households";
    for (int i = 0; i < 70; i++)
        strcat (wide, ",x");
    strcat (wide, "\n");
    s_write (g, "csv", "bad-too-many-fields", (const uint8_t *) wide, strlen (wide), NULL, 0);
}

//  ---------------------------------------------------------------------
//  Exports

static void
s_export (s_gen_t *g, const char *name, sh_store_t *store)
{
    sh_key_t *hub_key = fuzz_key (FUZZ_KEY_HUB);
    sh_hubid_t hub_id;
    sh_hubid_init_key (&hub_id, hub_key);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream (&buf, &len);
    FUZZ_CHECK (f);
    FUZZ_PASS (sh_export_write (f, store, &hub_id, 0, NULL));
    FUZZ_CHECK (fclose (f) == 0);
    s_write (g, "export", name, (const uint8_t *) buf, len, NULL, 0);
    free (buf);
    sh_key_destroy (&hub_key);
}

int
main (int argc, char **argv)
{
    if (argc != 2) {
        fprintf (stderr, "usage: fuzz_seeds OUT_DIR\n");
        return 2;
    }
    fuzz_init ();
    s_gen_t g = { .out = argv[1] };
    if (mkdir (g.out, 0755) != 0 && errno != EEXIST) {
        fprintf (stderr, "fuzz_seeds: cannot create %s: %s\n", g.out, strerror (errno));
        return 1;
    }
    sh_key_t *hub_key = fuzz_key (FUZZ_KEY_HUB);
    char *dir = fuzz_tmpdir ("seeds");
    sh_store_t *hub;
    FUZZ_PASS (fuzz_hub_build (&hub, dir, hub_key));
    s_envelopes (&g, hub);
    s_changes (&g);
    s_notes (&g, hub);
    s_csvs (&g);
    s_export (&g, "hub-fixture", hub);
    sh_store_close (&hub);

    //  an export of a hub that has enrolled keys and nothing else
    char *empty = fuzz_tmpdir ("seeds-empty");
    sh_store_t *store;
    FUZZ_PASS (sh_store_open (&store, empty, true, (size_t) 16 << 20));
    sh_store_txn_t *txn;
    FUZZ_PASS (sh_store_begin (store, true, &txn));
    FUZZ_PASS (sh_store_meta_put_str (txn, "role", "hub"));
    sh_key_t *a = fuzz_key (FUZZ_KEY_A);
    FUZZ_PASS (sh_registry_enroll (txn, sh_key_public (a), FUZZ_SCOPE_A, SH_WIRE_ROLE_NODE, "", FUZZ_ENROLL_MS));
    sh_key_destroy (&a);
    FUZZ_PASS (sh_store_commit (&txn));
    s_export (&g, "hub-enrolments-only", store);
    sh_store_close (&store);

    sh_key_destroy (&hub_key);
    free (dir);
    free (empty);
    printf ("fuzz_seeds: %zu files, %zu bytes in %s\n", g.files, g.bytes, g.out);
    return 0;
}
