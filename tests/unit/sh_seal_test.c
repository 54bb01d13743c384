/*  sh_seal_test -- personal fields sealed out of a body (docs/privacy.md,
    docs/protocol.md 4.10): a Person's name, birth year and phone leave the
    body and become salted commitments in a signed change that verifies
    without them; the openings put back give the very Person; a forged
    value, a changed salt or an opening moved to another field fails; a
    change sealing a field its kind does not hold personal, or sealing a
    field that also stands in clear, is refused; the commitment matches an
    independent computation of its formula; and seals survive encoding,
    signing and opening, while unsorted or malformed ones are refused.
*/
#define _GNU_SOURCE 1
#include "sh_test.h"

#include "sh_change.h"
#include "sh_crypto.h"
#include "sh_key.h"
#include "sh_seal.h"

#include "shouhe/v1/change.pb-c.h"
#include "shouhe/v1/domain.pb-c.h"

//  A Person with every field, encoded.
static size_t
s_person (uint8_t *buf)
{
    Shouhe__V1__Person p = SHOUHE__V1__PERSON__INIT;
    p.name = (char *) "王秀英";
    p.courtyard = (char *) "500115108201001";
    p.has_gender = 1;
    p.gender = SHOUHE__V1__GENDER__GENDER_FEMALE;
    p.has_birth_year = 1;
    p.birth_year = 1958;
    p.has_party_member = 1;
    p.party_member = 1;
    p.phone = (char *) "13800000001";
    return shouhe__v1__person__pack (&p, buf);
}

//  A signed change of key over body with the split's seals; caller frees.
static uint8_t *
s_signed (const sh_key_t *key, const sh_seal_split_t *sp, size_t *len)
{
    sh_change_t c = { .seq = 1, .hlc = 1, .kind = SH_KIND_PERSON, .op = SH_OP_PUT };
    memcpy (c.author, sh_key_public (key), SH_PUBKEY_BYTES);
    strcpy (c.region, "500115108201001");
    c.entity = (const uint8_t *) "0123456789abcdef";
    c.entity_len = 16;
    c.body = sp->body;
    c.body_len = sp->body_len;
    c.n_seals = sp->n;
    memcpy (c.seals, sp->seals, sizeof c.seals);
    uint8_t *bytes, *signed_bytes;
    size_t n;
    SH_PASS (sh_change_encode (&c, &bytes, &n));
    SH_PASS (sh_change_sign (&signed_bytes, len, bytes, n, key));
    free (bytes);
    return signed_bytes;
}

static void
test_split_and_join (void)
{
    uint8_t body[256];
    size_t len = s_person (body);
    sh_seal_split_t sp;
    SH_PASS (sh_seal_split (SH_KIND_PERSON, body, len, &sp));
    SH_CHECK (sp.n == 3 && sp.seals[0].field == 1 && sp.seals[1].field == 4 && sp.seals[2].field == 6);
    //  the clear body holds the courtyard, the gender and party membership only
    Shouhe__V1__Person *clear = shouhe__v1__person__unpack (NULL, sp.body_len, sp.body);
    SH_CHECK (clear && !clear->name && !clear->phone && !clear->has_birth_year);
    SH_CHECK (!strcmp (clear->courtyard, "500115108201001") && clear->gender == SHOUHE__V1__GENDER__GENDER_FEMALE);
    shouhe__v1__person__free_unpacked (clear, NULL);
    //  the commitment, computed independently from its formula
    uint8_t msg[256], want[SH_HASH_BYTES];
    size_t m = 0;
    memcpy (msg, "shouhe/seal\n", 12);
    m = 12;
    memcpy (msg + m, sp.openings[0].salt, 32);
    m += 32;
    memcpy (msg + m, "\0\0\0\1", 4);
    m += 4;
    memcpy (msg + m, sp.openings[0].value, sp.openings[0].value_len);
    m += sp.openings[0].value_len;
    sh_crypto_sha256 (want, msg, m);
    SH_CHECK (!memcmp (want, sp.seals[0].commitment, SH_HASH_BYTES));
    SH_CHECK (sp.openings[0].value[0] == 0x0a);            //  the name's own tag
    //  a signed change carries the commitments and opens without the values
    sh_key_t *key = sh_key_generate ();
    size_t sl;
    uint8_t *sc = s_signed (key, &sp, &sl);
    SH_CHECK (!memmem (sc, sl, "王秀英", strlen ("王秀英")) && !memmem (sc, sl, "13800000001", 11));
    sh_change_t c;
    SH_PASS (sh_change_open (&c, NULL, sc, sl, NULL));
    SH_CHECK (c.n_seals == 3 && !memcmp (c.seals[2].commitment, sp.seals[2].commitment, SH_HASH_BYTES));
    SH_PASS (sh_seal_check (&c, NULL));
    //  put back: the very Person
    uint8_t *full;
    size_t fl;
    SH_PASS (sh_seal_join (&c, sp.openings, sp.n, &full, &fl));
    Shouhe__V1__Person *p = shouhe__v1__person__unpack (NULL, fl, full);
    SH_CHECK (p && !strcmp (p->name, "王秀英") && !strcmp (p->phone, "13800000001") && p->birth_year == 1958);
    SH_CHECK (p->party_member && !strcmp (p->courtyard, "500115108201001"));
    shouhe__v1__person__free_unpacked (p, NULL);
    free (full);
    //  the name erased: the rest still joins
    SH_PASS (sh_seal_join (&c, sp.openings + 1, 2, &full, &fl));
    p = shouhe__v1__person__unpack (NULL, fl, full);
    SH_CHECK (p && !p->name && !strcmp (p->phone, "13800000001"));
    shouhe__v1__person__free_unpacked (p, NULL);
    free (full);
    //  forged value, changed salt, an opening moved to another field
    sh_seal_opening_t o = sp.openings[2];
    uint8_t forged[64];
    memcpy (forged, o.value, o.value_len);
    forged[o.value_len - 1] ^= 1;
    o.value = forged;
    SH_FAIL (sh_seal_verify (&c.seals[2], &o), SH_ECRYPTO);
    SH_FAIL (sh_seal_join (&c, &o, 1, &full, &fl), SH_ECRYPTO);
    o = sp.openings[2];
    o.salt[0] ^= 1;
    SH_FAIL (sh_seal_verify (&c.seals[2], &o), SH_ECRYPTO);
    o = sp.openings[0];
    o.field = 6;
    SH_FAIL (sh_seal_verify (&c.seals[2], &o), SH_ECRYPTO);
    SH_FAIL (sh_seal_join (&c, &o, 1, &full, &fl), SH_ECRYPTO);
    o.field = 2;                                           //  a field the change does not seal
    SH_FAIL (sh_seal_join (&c, &o, 1, &full, &fl), SH_EPROTO);
    sh_change_fini (&c);
    free (sc);
    sh_key_destroy (&key);
    sh_seal_split_fini (&sp);
}

static void
test_rules (void)
{
    SH_CHECK (sh_seal_personal (SH_KIND_PERSON, 1) && !sh_seal_personal (SH_KIND_PERSON, 2));
    SH_CHECK (sh_seal_personal (SH_KIND_MEDIATION, 7) && sh_seal_personal (SH_KIND_MATTER_EVENT, 5));
    SH_CHECK (!sh_seal_personal (SH_KIND_COURTYARD, 2) && !sh_seal_personal (SH_KIND_MEETING, 5));
    //  sh_seal_kind agrees with the table, kind by kind
    for (int k = 0; k < SH_KIND_COUNT; k++) {
        bool any = false;
        for (uint32_t f = 1; f <= 64; f++)
            any |= sh_seal_personal ((sh_kind_t) k, f);
        SH_CHECK (sh_seal_kind ((sh_kind_t) k) == any);
    }
    //  a courtyard has nothing to seal; a malformed body is refused
    uint8_t yard[] = { 0x0a, 0x03, '5', '0', '0', 0x12, 0x02, 'x', 'y' };
    sh_seal_split_t sp;
    SH_PASS (sh_seal_split (SH_KIND_COURTYARD, yard, sizeof yard, &sp));
    SH_CHECK (sp.n == 0 && sp.body_len == sizeof yard && !memcmp (sp.body, yard, sizeof yard));
    sh_seal_split_fini (&sp);
    SH_FAIL (sh_seal_split (SH_KIND_PERSON, yard, sizeof yard - 1, &sp), SH_EPROTO);
    uint8_t group[] = { 0x0b, 0x0c };
    SH_FAIL (sh_seal_split (SH_KIND_PERSON, group, sizeof group, &sp), SH_EPROTO);
    //  a seal of a field not personal for the kind; a field both sealed and clear
    sh_change_t c = { .seq = 1, .kind = SH_KIND_COURTYARD, .op = SH_OP_PUT, .body = yard, .body_len = sizeof yard,
                      .n_seals = 1 };
    strcpy (c.region, "500115108201001");
    c.entity = (const uint8_t *) "x";
    c.entity_len = 1;
    c.seals[0].field = 2;
    const char *why = NULL;
    SH_FAIL (sh_seal_check (&c, &why), SH_EPROTO);
    SH_CHECK (why && strstr (why, "not personal"));
    c.kind = SH_KIND_PERSON;
    c.seals[0].field = 1;
    SH_FAIL (sh_seal_check (&c, &why), SH_EPROTO);
    SH_CHECK (strstr (why, "also stands in clear"));
    //  the change's own rules: ascending, distinct, only with a body, at most 8
    c.n_seals = 2;
    c.seals[1].field = 1;
    SH_FAIL (sh_change_validate (&c, &why), SH_EPROTO);
    c.seals[1].field = 6;
    SH_PASS (sh_change_validate (&c, NULL));
    c.op = SH_OP_DELETE;
    c.body = NULL;
    c.body_len = 0;
    SH_FAIL (sh_change_validate (&c, &why), SH_EPROTO);
    SH_CHECK (strstr (why, "seals are allowed only with a body"));
}

//  A change whose seal carries a commitment of 31 bytes does not decode.
static void
test_malformed_seal (void)
{
    Shouhe__V1__Seal seal = SHOUHE__V1__SEAL__INIT, *sp = &seal;
    uint8_t commitment[31] = { 0 };
    seal.field = 1;
    seal.commitment.data = commitment;
    seal.commitment.len = sizeof commitment;
    Shouhe__V1__Change m = SHOUHE__V1__CHANGE__INIT;
    uint8_t author[32] = { 1 }, prev[32] = { 0 }, body[1];
    m.author.data = author;
    m.author.len = 32;
    m.seq = 1;
    m.prev.data = prev;
    m.prev.len = 32;
    m.region = (char *) "500115108201001";
    m.kind = SHOUHE__V1__ENTITY_KIND__KIND_PERSON;
    m.entity.data = (uint8_t *) "e";
    m.entity.len = 1;
    m.op = SHOUHE__V1__OP__OP_PUT;
    m.has_body = 1;
    m.body.data = body;
    m.body.len = 0;
    m.n_seals = 1;
    m.seals = &sp;
    uint8_t buf[512];
    size_t n = shouhe__v1__change__pack (&m, buf);
    sh_change_t c;
    const char *why = NULL;
    SH_FAIL (sh_change_decode (&c, buf, n, &why), SH_EPROTO);
    SH_CHECK (why && strstr (why, "commitment must be 32 bytes"));
    commitment[0] = 0;
    seal.commitment.len = 32;
    uint8_t c32[32] = { 7 };
    seal.commitment.data = c32;
    n = shouhe__v1__change__pack (&m, buf);
    SH_PASS (sh_change_decode (&c, buf, n, NULL));
    SH_CHECK (c.n_seals == 1 && c.seals[0].field == 1 && c.seals[0].commitment[0] == 7);
    sh_change_fini (&c);
}

static const sh_test_case_t s_tests[] = {
    { "split and join", test_split_and_join },
    { "rules", test_rules },
    { "malformed seal", test_malformed_seal },
    { NULL, NULL }
};

SH_TEST_MAIN (s_tests)
