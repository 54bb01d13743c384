/*  sh_cosig_test -- C2SP cosignature/v1: known answers from public
    sources, round trips with our keys, quorum counting, and every refusal.

    Known answers (each string copied exactly):
    [C2SP-COSIG] c2sp.org/tlog-cosignature (C2SP/C2SP tlog-cosignature.md):
           the example checkpoint cosigned by witness.example.com/w1 (no key
           published: parsed; its key ID and its time, 1679315147, which the
           spec's signed-message example shows, are read back).
    [TD]   github.com/transparency-dev/formats, note/note_cosigv1_test.go:
           TestCoSigV1NewVerifier's native cosignature/v1 vkey of
           "remora.n621.de" (key ID da77ade7 over type 0x04) and
           TestCoSigV1Timestamp's signature (time 1727964367).
    (The check by a second implementation written from the C2SP text comes
    with the witnesses' protocol, issue 14.)
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh_cosig.h"
#include "sh_crypto.h"
#include "sh_key.h"
#include "sh_note.h"
#include "sh_test.h"

static const char s_c2sp_note[] =
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "\xE2\x80\x94 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/"
    "Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    "\xE2\x80\x94 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyi"
    "n1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n";

static void
test_known_answers (void)
{
    sh_note_t *n;
    SH_PASS (sh_note_parse (&n, s_c2sp_note, strlen (s_c2sp_note)));
    SH_CHECK (sh_note_sig_count (n) == 2);
    const sh_note_sig_t *w = sh_note_sig (n, 1);
    SH_CHECK (!strcmp (w->name, "witness.example.com/w1") && w->key_id == 0x8d66cf3fu);
    SH_CHECK (w->sig_len == SH_COSIG_BYTES - SH_NOTE_KEYID_BYTES);
    uint64_t t = 0;
    for (int i = 0; i < 8; i++)
        t = t << 8 | w->sig[i];
    SH_CHECK (t == 1679315147);
    //  an unknown key under that name and ID: the line does not verify
    uint8_t pk[SH_PUBKEY_BYTES] = { 0 };
    sh_cosig_witness_t fake;
    SH_PASS (sh_cosig_witness_init (&fake, "witness.example.com/w1", pk));
    fake.key_id = 0x8d66cf3fu;
    SH_FAIL (sh_cosig_verify (n, &fake, NULL), SH_ECRYPTO);
    sh_note_destroy (&n);

    //  [TD] remora.n621.de's key ID over type 0x04
    static const char remora[] = "ebcdeb78e7fdb2ef9227b2c1ef11e94600b55b4d6d9a57877e31ee89e59adc36";
    SH_PASS (sh_crypto_unhex (pk, sizeof pk, remora));
    SH_CHECK (sh_cosig_key_id ("remora.n621.de", pk) == 0xda77ade7u);
    SH_CHECK (sh_note_key_id ("remora.n621.de", pk) != 0xda77ade7u);   //  not the 0x01 ID
    sh_cosig_witness_t r;
    SH_PASS (sh_cosig_witness_parse (&r, "remora.n621.de=EBCDEB78E7FDB2EF9227B2C1EF11E94600B55B4D6D9A57877E31EE89E59ADC36",
                                     NULL, 0));
    SH_CHECK (r.key_id == 0xda77ade7u && !memcmp (r.pubkey, pk, sizeof pk));
    char back[SH_COSIG_WITNESS_MAX];
    sh_cosig_witness_format (&r, back);
    SH_CHECK (!strcmp (back, "remora.n621.de=ebcdeb78e7fdb2ef9227b2c1ef11e94600b55b4d6d9a57877e31ee89e59adc36"));
}

//  A checkpoint signed by the log's key (caller frees).
static char *
s_checkpoint (sh_key_t *log, uint64_t size, size_t *len)
{
    uint8_t root[SH_HASH_BYTES];
    sh_crypto_sha256 (root, (const uint8_t *) &size, sizeof size);
    char *text, *note;
    size_t tlen;
    SH_PASS (sh_note_checkpoint_format (&text, &tlen, "shouhe.test/500115", size, root, NULL));
    SH_PASS (sh_note_sign (&note, len, text, tlen, log, "shouhe.test/500115"));
    free (text);
    return note;
}

static void
test_round_trip (void)
{
    sh_key_t *log = sh_key_generate (), *k1 = sh_key_generate (), *k2 = sh_key_generate ();
    SH_CHECK (log && k1 && k2);
    size_t len, tlen;
    char *cp = s_checkpoint (log, 12, &len);
    sh_note_t *n;
    SH_PASS (sh_note_parse (&n, cp, len));
    const char *text = sh_note_text (n, &tlen);
    char *l1, *l2, *l1b;
    size_t ll1, ll2, ll1b;
    SH_PASS (sh_cosig_sign (&l1, &ll1, text, tlen, k1, "changshou/500115108/witness", 1733000000));
    SH_PASS (sh_cosig_sign (&l2, &ll2, text, tlen, k2, "changshou/500115109/witness", 1733000001));
    SH_PASS (sh_cosig_sign (&l1b, &ll1b, text, tlen, k1, "changshou/500115108/witness", 1733000099));
    SH_CHECK (!strncmp (l1, "\xE2\x80\x94 changshou/500115108/witness ", 32) && l1[ll1 - 1] == '\n');
    sh_note_destroy (&n);

    char *c1, *c2, *c3;
    size_t cl1, cl2, cl3;
    SH_PASS (sh_cosig_add (&c1, &cl1, cp, len, l1, ll1));
    SH_PASS (sh_cosig_add (&c2, &cl2, c1, cl1, l2, ll2));
    SH_PASS (sh_cosig_add (&c3, &cl3, c2, cl2, l1b, ll1b));      //  replaces k1's older line
    SH_CHECK (cl3 == cl2 - ll1 + ll1b);
    SH_PASS (sh_note_parse (&n, c3, cl3));
    SH_CHECK (sh_note_sig_count (n) == 3);
    sh_cosig_witness_t w[4];
    SH_PASS (sh_cosig_witness_init (&w[0], "changshou/500115108/witness", sh_key_public (k1)));
    SH_PASS (sh_cosig_witness_init (&w[1], "changshou/500115109/witness", sh_key_public (k2)));
    SH_PASS (sh_cosig_witness_init (&w[2], "changshou/500115110/witness", sh_key_public (log)));
    w[3] = w[0];                                                   //  named twice: counts once
    uint64_t t = 0;
    SH_PASS (sh_cosig_verify (n, &w[0], &t));
    SH_CHECK (t == 1733000099);
    SH_FAIL (sh_cosig_verify (n, &w[2], NULL), SH_ENOTFOUND);
    bool ok[4];
    SH_CHECK (sh_cosig_count (n, w, 4, ok) == 2 && ok[0] && ok[1] && !ok[2] && ok[3]);
    //  one line on its own: the witness's (with its time), another's, not one line
    text = sh_note_text (n, &tlen);                                //  the same text, in this note
    SH_PASS (sh_cosig_verify_line (text, tlen, l1b, ll1b, &w[0], &t));
    SH_CHECK (t == 1733000099);
    SH_FAIL (sh_cosig_verify_line (text, tlen, l2, ll2, &w[0], NULL), SH_ECRYPTO);
    SH_FAIL (sh_cosig_verify_line (text, tlen, "no line\n", 8, &w[0], NULL), SH_EPROTO);
    //  the log's own signature still verifies with cosignatures added
    sh_note_vkey_t vk;
    SH_PASS (sh_note_vkey_init (&vk, "shouhe.test/500115", sh_key_public (log)));
    SH_PASS (sh_note_verify (n, &vk));
    //  a cosignature is not an ordinary note signature of that key, nor the other way round
    sh_note_vkey_t as_note;
    SH_PASS (sh_note_vkey_init (&as_note, "changshou/500115108/witness", sh_key_public (k1)));
    SH_FAIL (sh_note_verify (n, &as_note), SH_ENOTFOUND);
    sh_note_destroy (&n);

    //  a cosignature moved to another checkpoint does not verify
    size_t olen;
    char *other = s_checkpoint (log, 13, &olen);
    sh_note_t *on;
    SH_PASS (sh_note_parse (&on, other, olen));
    const char *otext = sh_note_text (on, &tlen);
    char *forged = malloc (tlen + 1 + ll1 + 1);
    memcpy (forged, otext, tlen);
    forged[tlen] = '\n';
    memcpy (forged + tlen + 1, l1, ll1 + 1);
    sh_note_destroy (&on);
    SH_PASS (sh_note_parse (&on, forged, tlen + 1 + ll1));
    SH_FAIL (sh_cosig_verify (on, &w[0], NULL), SH_ECRYPTO);
    SH_CHECK (sh_cosig_count (on, w, 2, ok) == 0 && !ok[0]);
    sh_note_destroy (&on);
    free (forged);
    free (other);

    //  refusals
    char *bad;
    SH_FAIL (sh_cosig_sign (&bad, NULL, "x\n", 2, k1, "no space allowed", 1), SH_EINVAL);
    SH_FAIL (sh_cosig_sign (&bad, NULL, "x", 1, k1, "w", 1), SH_EINVAL);
    SH_FAIL (sh_cosig_sign (&bad, NULL, "x\n", 2, k1, "w", SH_COSIG_TIME_MAX + 1), SH_EINVAL);
    SH_CHECK (bad == NULL);
    SH_FAIL (sh_cosig_add (&bad, NULL, cp, len, "not a line\n", 11), SH_EPROTO);
    SH_FAIL (sh_cosig_add (&bad, NULL, "junk", 4, l1, ll1), SH_EPROTO);
    char why[200];
    sh_cosig_witness_t x;
    SH_FAIL (sh_cosig_witness_parse (&x, "w1", why, sizeof why), SH_EINVAL);
    SH_CHECK (strstr (why, "is not NAME=HEXKEY"));
    SH_FAIL (sh_cosig_witness_parse (&x, "w 1=00", why, sizeof why), SH_EINVAL);
    SH_CHECK (strstr (why, "not a key name"));
    SH_FAIL (sh_cosig_witness_parse (&x, "w1=abcd", why, sizeof why), SH_EINVAL);
    SH_CHECK (strstr (why, "64 hex digits"));
    SH_FAIL (sh_cosig_witness_parse (&x, "=abcd", why, sizeof why), SH_EINVAL);

    free (c1);
    free (c2);
    free (c3);
    free (l1);
    free (l2);
    free (l1b);
    free (cp);
    sh_key_destroy (&log);
    sh_key_destroy (&k1);
    sh_key_destroy (&k2);
}

static const sh_test_case_t tests[] = {
    { "known answers", test_known_answers },
    { "round trip", test_round_trip },
    { NULL, NULL }
};

SH_TEST_MAIN (tests)
