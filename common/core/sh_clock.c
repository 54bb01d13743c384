/*  sh_clock -- the clock bound, clock corrections and the hub's clock. */
#include "sh_clock.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "sh_i18n.h"

#define S_KEY_BYTES (SH_PUBKEY_BYTES + 8)

uint64_t
sh_clock_cap_of (uint64_t s, uint64_t k, uint64_t h)
{
    if (k <= s)
        return UINT64_MAX;
    return k - s > h ? 0 : h - (k - s);
}

sh_err
sh_clock_put (sh_store_txn_t *txn, const sh_change_t *c)
{
    assert (c->op == SH_OP_CLOCK);
    uint8_t key[S_KEY_BYTES], val[8];
    memcpy (key, c->author, SH_PUBKEY_BYTES);
    sh_store_put_be64 (key + SH_PUBKEY_BYTES, c->seq);
    sh_store_put_be64 (val, c->hlc);
    return sh_store_put (txn, SH_DB_CLOCKS, key, sizeof key, val, sizeof val);
}

sh_err
sh_clock_cap (sh_store_txn_t *txn, const uint8_t author[SH_PUBKEY_BYTES], uint64_t s, uint64_t *cap)
{
    *cap = UINT64_MAX;
    if (s == UINT64_MAX)
        return SH_OK;
    sh_store_cursor_t *cur;
    sh_err rc = sh_store_cursor_open (txn, SH_DB_CLOCKS, author, SH_PUBKEY_BYTES, &cur);
    if (rc)
        return rc;
    uint8_t seek[S_KEY_BYTES];
    memcpy (seek, author, SH_PUBKEY_BYTES);
    sh_store_put_be64 (seek + SH_PUBKEY_BYTES, s + 1);
    rc = sh_store_cursor_seek (cur, seek, sizeof seek);
    const uint8_t *k, *v;
    size_t kl, vl;
    while (rc == SH_OK && (rc = sh_store_cursor_next (cur, &k, &kl, &v, &vl)) == SH_OK) {
        if (kl != S_KEY_BYTES || vl != 8) {
            rc = SH_ECORRUPT;
            break;
        }
        uint64_t c = sh_clock_cap_of (s, sh_store_get_be64 (k + SH_PUBKEY_BYTES), sh_store_get_be64 (v));
        if (c < *cap)
            *cap = c;
    }
    sh_store_cursor_close (&cur);
    return rc == SH_ENOTFOUND ? SH_OK : rc;
}

sh_err
sh_clock_effective (sh_store_txn_t *txn, const sh_change_t *c, uint64_t *hlc)
{
    uint64_t cap;
    sh_err rc = sh_clock_cap (txn, c->author, c->seq, &cap);
    *hlc = rc == SH_OK && cap < c->hlc ? cap : c->hlc;
    return rc;
}

sh_err
sh_clock_hub_get (sh_store_txn_t *txn, uint64_t *hub_ms, uint64_t *local_ms)
{
    const uint8_t *v;
    size_t vl;
    sh_err rc = sh_store_get (txn, SH_DB_META, SH_CLOCK_HUB_META, strlen (SH_CLOCK_HUB_META), &v, &vl);
    if (rc)
        return rc;
    if (vl != 16)
        return SH_ECORRUPT;
    *hub_ms = sh_store_get_be64 (v);
    *local_ms = sh_store_get_be64 (v + 8);
    return SH_OK;
}

sh_err
sh_clock_hub_put (sh_store_txn_t *txn, uint64_t hub_ms, uint64_t local_ms, bool *written)
{
    if (written)
        *written = false;
    uint64_t old_hub, old_local;
    sh_err rc = sh_clock_hub_get (txn, &old_hub, &old_local);
    if (rc == SH_OK) {
        int64_t old_gap = (int64_t) (old_local - old_hub);
        int64_t gap = (int64_t) (local_ms - hub_ms);
        int64_t moved = gap > old_gap ? gap - old_gap : old_gap - gap;
        if (moved <= SH_CLOCK_REMEASURE_MS)
            return SH_OK;
    }
    else
    if (rc != SH_ENOTFOUND && rc != SH_ECORRUPT)
        return rc;
    uint8_t val[16];
    sh_store_put_be64 (val, hub_ms);
    sh_store_put_be64 (val + 8, local_ms);
    rc = sh_store_put (txn, SH_DB_META, SH_CLOCK_HUB_META, strlen (SH_CLOCK_HUB_META), val, sizeof val);
    if (rc == SH_OK && written)
        *written = true;
    return rc;
}

void
sh_clock_judge (sh_clock_state_t *st)
{
    const int64_t d = (int64_t) SH_CLOCK_BOUND_MS;
    st->gap_ms = st->measured ? (int64_t) (st->local_ms - st->hub_ms) : 0;
    if ((st->last >> 16) > st->now_ms + SH_CLOCK_BOUND_MS)
        st->verdict = SH_CLOCK_CARRIED;
    else
    if (st->measured && st->gap_ms > d)
        st->verdict = SH_CLOCK_AHEAD;
    else
    if (st->measured && (st->gap_ms < -d || st->now_ms + SH_CLOCK_BOUND_MS < st->hub_ms))
        st->verdict = SH_CLOCK_BEHIND;
    else
        st->verdict = SH_CLOCK_OK;
}

void
sh_clock_words (uint64_t ms, char *out, size_t out_len)
{
    const uint64_t day = 86400000, hour = 3600000, minute = 60000;
    if (ms >= 2 * day)
        snprintf (out, out_len, _("%llu days"), (unsigned long long) ((ms + day / 2) / day));
    else
    if (ms >= 2 * hour)
        snprintf (out, out_len, _("%llu hours"), (unsigned long long) ((ms + hour / 2) / hour));
    else
    if (ms >= 2 * minute)
        snprintf (out, out_len, _("%llu minutes"), (unsigned long long) ((ms + minute / 2) / minute));
    else
        snprintf (out, out_len, _("%llu seconds"), (unsigned long long) (ms / 1000));
}

void
sh_clock_explain (const sh_clock_state_t *st, char *why, size_t why_len)
{
    char words[32];
    *why = '\0';
    switch (st->verdict) {
        case SH_CLOCK_OK:
            break;
        case SH_CLOCK_CARRIED:
            sh_clock_words ((st->last >> 16) - st->now_ms, words, sizeof words);
            snprintf (why, why_len, _("this node's earlier changes carry a time %s ahead of its clock now "
                      "(the clock was ahead when they were written); local writes are refused until "
                      "you run: shouhe-node clock correct --dir DIR"), words);
            break;
        case SH_CLOCK_AHEAD:
            sh_clock_words ((uint64_t) st->gap_ms, words, sizeof words);
            snprintf (why, why_len, _("this node's clock was %s ahead of the hub's at the last sync; fix the "
                      "clock, then run shouhe-node sync to measure it again: local writes are refused while "
                      "the gap exceeds 10 minutes"), words);
            break;
        case SH_CLOCK_BEHIND:
            sh_clock_words (st->gap_ms < 0 ? (uint64_t) -st->gap_ms : st->hub_ms - st->now_ms, words,
                            sizeof words);
            snprintf (why, why_len, _("this node's clock is %s behind the hub's; fix the clock, then run "
                      "shouhe-node sync to measure it again: local writes are refused while the gap "
                      "exceeds 10 minutes"), words);
            break;
    }
}
