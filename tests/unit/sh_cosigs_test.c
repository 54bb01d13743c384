/*  sh_cosigs_test -- the hub's side of its witnesses, on a real hub store
    (docs/protocol.md 16.2, 16.5): a line is taken only from an enrolled,
    unrevoked witness, for a checkpoint the hub holds, as one signature
    line that verifies as that witness's cosignature of that checkpoint; a
    taken line is kept in the checkpoint's note and counted; the newest
    cosigned size is what a Welcome offers (hub_witness_newest); and the
    conversation refuses a Cosigned before a Witness (ERR_SESSION).
*/
#include <stdlib.h>
#include <string.h>

#include "hub_witness.h"
#include "sh_cosig.h"
#include "sh_cosigs.h"
#include "sh_hublog.h"
#include "sh_merkle.h"
#include "sh_note.h"
#include "sh_registry.h"
#include "sh_test.h"

#define S_NAME "changshou/500115108/witness"

typedef struct {
    char *dir;
    sh_store_t *store;
    sh_key_t *hub_key, *wkey, *other;
    sh_hubid_t hub;
} s_fx_t;

static void
s_fx (s_fx_t *fx)
{
    fx->dir = sh_test_tmpdir ();
    SH_PASS (sh_store_open (&fx->store, fx->dir, true, 0));
    fx->hub_key = sh_key_generate ();
    fx->wkey = sh_key_generate ();
    fx->other = sh_key_generate ();
    SH_CHECK (fx->hub_key && fx->wkey && fx->other);
    sh_hubid_init_key (&fx->hub, fx->hub_key);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx->store, true, &txn));
    for (int i = 0; i < 5; i++) {
        char leaf[8] = "leaf-0";
        leaf[5] = (char) ('0' + i);
        SH_PASS (sh_merkle_append (txn, (const uint8_t *) leaf, 6, NULL));
    }
    SH_PASS (sh_registry_enroll (txn, sh_key_public (fx->wkey), "500115108", SH_WIRE_ROLE_WITNESS, S_NAME, 1));
    SH_PASS (sh_registry_enroll (txn, sh_key_public (fx->other), "500115108201", SH_WIRE_ROLE_NODE, "v", 1));
    SH_PASS (sh_store_commit (&txn));
}

static void
s_fx_fini (s_fx_t *fx)
{
    sh_store_close (&fx->store);
    sh_key_destroy (&fx->hub_key);
    sh_key_destroy (&fx->wkey);
    sh_key_destroy (&fx->other);
    sh_test_rmdir (fx->dir);
}

//  key's cosignature line (name) of the note (caller frees).
static char *
s_line (const char *note, const sh_key_t *key, const char *name)
{
    sh_note_t *n;
    SH_PASS (sh_note_parse (&n, note, strlen (note)));
    size_t tl;
    const char *text = sh_note_text (n, &tl);
    char *line;
    SH_PASS (sh_cosig_sign (&line, NULL, text, tl, key, name, 1733000000));
    sh_note_destroy (&n);
    return line;
}

static void
test_take (void)
{
    s_fx_t fx;
    s_fx (&fx);
    char why[SH_WIRE_MESSAGE_MAX + 1];
    sh_cosigs_offer_t o;
    //  a node key is not a witness
    SH_FAIL (sh_cosigs_offer (fx.store, &fx.hub, sh_key_public (fx.other), 0, &o, why, sizeof why), SH_EPERM);
    SH_CHECK (strstr (why, "not enrolled as a witness"));
    SH_PASS (sh_cosigs_offer (fx.store, &fx.hub, sh_key_public (fx.wkey), 0, &o, why, sizeof why));
    SH_CHECK (o.size == 5 && o.n == 0 && o.note);
    char *good = s_line (o.note, fx.wkey, S_NAME);
    char *foreign = s_line (o.note, fx.other, S_NAME);
    uint32_t count = 9;
    SH_FAIL (sh_cosigs_take (fx.store, sh_key_public (fx.other), 5, good, &count, why, sizeof why), SH_EPERM);
    SH_FAIL (sh_cosigs_take (fx.store, sh_key_public (fx.wkey), 4, good, &count, why, sizeof why), SH_ENOTFOUND);
    SH_CHECK (strstr (why, "no checkpoint of size 4"));
    SH_FAIL (sh_cosigs_take (fx.store, sh_key_public (fx.wkey), 5, "not a line\n", &count, why, sizeof why),
             SH_EPROTO);
    SH_FAIL (sh_cosigs_take (fx.store, sh_key_public (fx.wkey), 5, foreign, &count, why, sizeof why), SH_ECRYPTO);
    SH_CHECK (strstr (why, "not a valid cosignature of witness " S_NAME));
    sh_store_txn_t *txn;
    uint64_t newest = 0;
    char *note = NULL;
    SH_PASS (sh_store_begin (fx.store, false, &txn));
    SH_FAIL (sh_cosigs_newest (txn, &newest, &note), SH_ENOTFOUND);     //  nothing taken yet
    sh_store_abort (&txn);
    SH_PASS (sh_cosigs_take (fx.store, sh_key_public (fx.wkey), 5, good, &count, why, sizeof why));
    SH_CHECK (count == 1);
    SH_PASS (sh_store_begin (fx.store, false, &txn));
    SH_PASS (sh_cosigs_newest (txn, &newest, &note));
    SH_CHECK (newest == 5 && strstr (note, good));
    sh_store_abort (&txn);
    free (note);
    //  the log grows: a Welcome offers the cosigned checkpoint and a proof to the newest
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    SH_PASS (sh_merkle_append (txn, (const uint8_t *) "leaf-5", 6, NULL));
    SH_PASS (sh_store_commit (&txn));
    uint64_t size7 = 0;
    char *newest_note = NULL;
    SH_PASS (sh_hublog_checkpoint (fx.store, &fx.hub, &newest_note, &size7));
    uint8_t proof[SH_WIRE_PROOF_MAX][SH_HASH_BYTES];
    size_t n = 0;
    char *w = hub_witness_newest (fx.store, size7, proof, &n);
    SH_CHECK (w && strstr (w, good) && n > 0);
    free (w);
    SH_CHECK (hub_witness_newest (fx.store, 5, proof, &n) == NULL);    //  it is that checkpoint itself
    free (newest_note);
    //  a revoked witness counts no more, and may not cosign
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    SH_PASS (sh_registry_revoke (txn, sh_key_public (fx.wkey), 2));
    SH_PASS (sh_store_commit (&txn));
    SH_FAIL (sh_cosigs_take (fx.store, sh_key_public (fx.wkey), 5, good, &count, why, sizeof why), SH_EPERM);
    SH_CHECK (strstr (why, "revoked"));
    sh_cosigs_offer_fini (&o);
    free (good);
    free (foreign);
    s_fx_fini (&fx);
}

//  The conversation: a Cosigned before any Witness of the session is
//  refused with ERR_SESSION; after one, the line is taken.
static void
test_conversation (void)
{
    s_fx_t fx;
    s_fx (&fx);
    hub_witness_t session = { .asked = false };
    hub_witness_reply_t keep;
    sh_wire_msg_t reply;
    char line[SH_WIRE_MESSAGE_MAX + 64];
    sh_wire_msg_t c = { .type = SH_WIRE_COSIGNED };
    c.u.cosigned.size = 5;
    c.u.cosigned.line = "x\n";
    hub_witness_answer (fx.store, &fx.hub, &session, &c, &reply, &keep, line, sizeof line);
    SH_CHECK (reply.type == SH_WIRE_ERROR && reply.u.error.code == SH_WIRE_ERR_SESSION);
    hub_witness_reply_fini (&keep);
    sh_wire_msg_t w = { .type = SH_WIRE_WITNESS };
    memcpy (w.u.witness.witness, sh_key_public (fx.wkey), SH_PUBKEY_BYTES);
    hub_witness_answer (fx.store, &fx.hub, &session, &w, &reply, &keep, line, sizeof line);
    SH_CHECK (reply.type == SH_WIRE_TO_COSIGN && session.asked);
    char *good = s_line (reply.u.to_cosign.checkpoint, fx.wkey, S_NAME);
    hub_witness_reply_fini (&keep);
    c.u.cosigned.line = good;
    hub_witness_answer (fx.store, &fx.hub, &session, &c, &reply, &keep, line, sizeof line);
    SH_CHECK (reply.type == SH_WIRE_COSIGN_TAKEN && reply.u.cosign_taken.cosignatures == 1 && line[0]);
    hub_witness_reply_fini (&keep);
    //  a line that is not the witness's: ERR_SIGNATURE
    c.u.cosigned.line = "\xE2\x80\x94 " S_NAME " AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n";
    hub_witness_answer (fx.store, &fx.hub, &session, &c, &reply, &keep, line, sizeof line);
    SH_CHECK (reply.type == SH_WIRE_ERROR && reply.u.error.code == SH_WIRE_ERR_SIGNATURE);
    hub_witness_reply_fini (&keep);
    free (good);
    s_fx_fini (&fx);
}

//  A mirror (role mirror) cosigns in its own session, without a Witness: its
//  line counts like a witness's and raises mirror.newest (serve
//  --sync-mirror); a witness's line does not, and a node key in its own
//  session is still told to send a Witness first.
static void
test_mirror (void)
{
    s_fx_t fx;
    s_fx (&fx);
    sh_key_t *mkey = sh_key_generate ();
    SH_CHECK (mkey);
    sh_store_txn_t *txn;
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    SH_PASS (sh_registry_enroll (txn, sh_key_public (mkey), "500115", SH_WIRE_ROLE_MIRROR, "changshou/mirror", 1));
    SH_PASS (sh_store_commit (&txn));
    char *note = NULL;
    uint64_t size = 0, mirrored = 9;
    SH_PASS (sh_hublog_checkpoint (fx.store, &fx.hub, &note, &size));
    SH_PASS (sh_cosigs_mirrored (fx.store, &mirrored));
    SH_CHECK (mirrored == 0);
    char *wline = s_line (note, fx.wkey, S_NAME), *mline = s_line (note, mkey, "changshou/mirror");
    char why[SH_WIRE_MESSAGE_MAX + 1];
    uint32_t count = 0;
    SH_PASS (sh_cosigs_take (fx.store, sh_key_public (fx.wkey), size, wline, &count, why, sizeof why));
    SH_PASS (sh_cosigs_mirrored (fx.store, &mirrored));
    SH_CHECK (count == 1 && mirrored == 0);
    //  the node's own session: no Witness asked, ERR_SESSION as ever
    hub_witness_t session = { .asked = false };
    memcpy (session.peer, sh_key_public (fx.other), SH_PUBKEY_BYTES);
    hub_witness_reply_t keep;
    sh_wire_msg_t reply, c = { .type = SH_WIRE_COSIGNED };
    char line[SH_WIRE_MESSAGE_MAX + 64];
    c.u.cosigned.size = size;
    c.u.cosigned.line = mline;
    hub_witness_answer (fx.store, &fx.hub, &session, &c, &reply, &keep, line, sizeof line);
    SH_CHECK (reply.type == SH_WIRE_ERROR && reply.u.error.code == SH_WIRE_ERR_SESSION);
    hub_witness_reply_fini (&keep);
    //  the mirror's own session
    memcpy (session.peer, sh_key_public (mkey), SH_PUBKEY_BYTES);
    hub_witness_answer (fx.store, &fx.hub, &session, &c, &reply, &keep, line, sizeof line);
    SH_CHECK (reply.type == SH_WIRE_COSIGN_TAKEN && reply.u.cosign_taken.cosignatures == 2);
    hub_witness_reply_fini (&keep);
    SH_PASS (sh_cosigs_mirrored (fx.store, &mirrored));
    SH_CHECK (mirrored == size);
    //  a revoked mirror's session is told to send a Witness first, like any key
    SH_PASS (sh_store_begin (fx.store, true, &txn));
    SH_PASS (sh_registry_revoke (txn, sh_key_public (mkey), 2));
    SH_PASS (sh_store_commit (&txn));
    hub_witness_t fresh = { .asked = false };
    memcpy (fresh.peer, sh_key_public (mkey), SH_PUBKEY_BYTES);
    hub_witness_answer (fx.store, &fx.hub, &fresh, &c, &reply, &keep, line, sizeof line);
    SH_CHECK (reply.type == SH_WIRE_ERROR && reply.u.error.code == SH_WIRE_ERR_SESSION);
    hub_witness_reply_fini (&keep);
    free (note);
    free (wline);
    free (mline);
    sh_key_destroy (&mkey);
    s_fx_fini (&fx);
}

static const sh_test_case_t tests[] = {
    { "take", test_take },
    { "mirror", test_mirror },
    { "conversation", test_conversation },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
