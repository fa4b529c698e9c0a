/* pattern.h - the page a guest grants (grant.c) and dom0 maps
 * (grantmap.c): one 4 KiB page of 512 64-bit words.  Word 0 is dom0's:
 * the guest leaves XS_GRANT_UNMARKED there and grantmap writes
 * XS_GRANT_MARKER; words 1..511 carry xs_grant_word(i), which nobody may
 * change.  Shared so both sides agree on every bit. */
#ifndef XS_GRANT_PATTERN_H
#define XS_GRANT_PATTERN_H

#include <stdint.h>

#define XS_GRANT_PAGE 4096u
#define XS_GRANT_WORDS (XS_GRANT_PAGE / 8u)
#define XS_GRANT_UNMARKED UINT64_C(0x58532d756e6d6b64) /* "XS-unmkd" */
#define XS_GRANT_MARKER UINT64_C(0x58532d646f6d3021)   /* "XS-dom0!" */

static inline uint64_t xs_grant_word(unsigned i)
{
    uint64_t x = UINT64_C(0x58534752414e5400) ^ ((uint64_t)i * UINT64_C(0x9e3779b97f4a7c15));
    x ^= x >> 29;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 32;
    return x;
}

static inline void xs_grant_fill(volatile uint64_t *w)
{
    w[0] = XS_GRANT_UNMARKED;
    for (unsigned i = 1; i < XS_GRANT_WORDS; i++)
        w[i] = xs_grant_word(i);
}

/* Words 1..511 that differ from the pattern (0: intact); the first one's
 * index in *first. */
static inline unsigned xs_grant_bad_words(const volatile uint64_t *w, unsigned *first)
{
    unsigned bad = 0;
    *first = 0;
    for (unsigned i = 1; i < XS_GRANT_WORDS; i++)
        if (w[i] != xs_grant_word(i) && bad++ == 0)
            *first = i;
    return bad;
}

#endif
