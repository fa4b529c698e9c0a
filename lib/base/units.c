/*
 * units.c - memory sizes as people write them.
 *
 * Multiples are binary whichever way they are spelt ("M", "MB", "MiB"),
 * as in xl.  A decimal point is allowed when the result is a whole
 * number of KiB ("1.5G"); a bare number is refused because "512" could
 * mean bytes, KiB or MiB depending on whom you ask.
 *
 * Accepted: a number, optional blanks, a unit; blanks around the whole
 * are ignored.  Units, in any case: K KB KiB, M MB MiB, G GB GiB,
 * T TB TiB.  0 is a valid size here; callers for which it makes no
 * sense (a domain's memory) refuse it themselves.  Sizes above
 * UNITS_MAX_KIB are refused, so that sums of them cannot wrap.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "units.h"

static int why_set(char *why, size_t whylen, const char *fmt, const char *s)
{
    if (why && whylen)
        snprintf(why, whylen, fmt, s);
    return -1;
}

/* KiB per unit, or 0 for an unknown suffix. */
static uint64_t unit_kib(const char *u)
{
    static const struct {
        const char *name;
        uint64_t kib;
    } units[] = {
        { "k", 1 }, { "kb", 1 }, { "kib", 1 },
        { "m", 1024 }, { "mb", 1024 }, { "mib", 1024 },
        { "g", 1024 * 1024 }, { "gb", 1024 * 1024 }, { "gib", 1024 * 1024 },
        { "t", 1024ULL * 1024 * 1024 }, { "tb", 1024ULL * 1024 * 1024 },
        { "tib", 1024ULL * 1024 * 1024 },
    };
    size_t i;

    for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strcasecmp(u, units[i].name) == 0)
            return units[i].kib;
    return 0;
}

int UNITS_ParseSize(const char *s, uint64_t *kib, char *why, size_t whylen)
{
    const char *p = s;
    uint64_t whole = 0, frac = 0, frac_div = 1, mult, r;
    char unit[8];
    size_t ulen = 0;

    while (isspace((unsigned char)*p))
        p++;
    if (*p == '-')
        return why_set(why, whylen, "size \"%s\" is negative", s);
    if (!isdigit((unsigned char)*p))
        return why_set(why, whylen,
                       "size \"%s\" does not start with a number", s);
    while (isdigit((unsigned char)*p)) {
        if (whole > (UINT64_MAX - 9) / 10)
            return why_set(why, whylen, "size \"%s\" is too large", s);
        whole = whole * 10 + (uint64_t)(*p - '0');
        p++;
    }
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return why_set(why, whylen,
                           "size \"%s\": expected digits after '.'", s);
        while (isdigit((unsigned char)*p)) {
            if (frac_div >= 1000000000ULL)
                return why_set(why, whylen,
                               "size \"%s\" has too many decimals", s);
            frac = frac * 10 + (uint64_t)(*p - '0');
            frac_div *= 10;
            p++;
        }
    }
    while (*p == ' ' || *p == '\t')
        p++;
    while (isalpha((unsigned char)*p)) {
        if (ulen < sizeof(unit) - 1)
            unit[ulen] = *p;
        ulen++;
        p++;
    }
    unit[ulen < sizeof(unit) ? ulen : sizeof(unit) - 1] = '\0';
    while (isspace((unsigned char)*p))
        p++;
    if (*p)
        return why_set(why, whylen,
                       "size \"%s\": unexpected characters after the unit",
                       s);
    if (!ulen)
        return why_set(why, whylen,
                       "size \"%s\": missing unit (K, M, G or T)", s);
    mult = ulen < sizeof(unit) ? unit_kib(unit) : 0;
    if (!mult)
        return why_set(why, whylen,
                       "size \"%s\": unknown unit (use K, M, G or T, "
                       "or KiB, MiB, GiB, TiB)", s);
    if (whole > UINT64_MAX / mult)
        return why_set(why, whylen, "size \"%s\" is too large", s);
    r = whole * mult;
    if (frac) {
        /* frac/frac_div of a unit must be a whole number of KiB. */
        if ((frac * mult) % frac_div)
            return why_set(why, whylen,
                           "size \"%s\" is not a whole number of KiB", s);
        if (r > UINT64_MAX - frac * mult / frac_div)
            return why_set(why, whylen, "size \"%s\" is too large", s);
        r += frac * mult / frac_div;
    }
    if (r > UNITS_MAX_KIB)
        return why_set(why, whylen, "size \"%s\" is above the limit of "
                       UNITS_MAX_TEXT, s);
    *kib = r;
    return 0;
}

int UNITS_MibToKib(uint64_t mib, uint64_t *kib)
{
    if (mib > UNITS_MAX_KIB / 1024)
        return -1;
    *kib = mib * 1024;
    return 0;
}

uint64_t UNITS_AddSat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

uint64_t UNITS_MulDiv(uint64_t a, uint64_t b, uint64_t c)
{
    if (!b || a <= UINT64_MAX / b)
        return a * b / c;
#ifdef __SIZEOF_INT128__
    {
        __extension__ unsigned __int128 x = (unsigned __int128)a * b / c;

        return x > UINT64_MAX ? UINT64_MAX : (uint64_t)x;
    }
#else
    {
        long double x = (long double)a * (long double)b / (long double)c;

        return x >= 18446744073709551615.0L ? UINT64_MAX : (uint64_t)x;
    }
#endif
}

const char *UNITS_FormatSize(uint64_t kib, char *buf, size_t len)
{
    static const char *const names[] = { "KiB", "MiB", "GiB", "TiB" };
    uint64_t div = 1;
    int u = 0;

    while (u < 3 && kib >= div * 1024)
        div *= 1024, u++;
    /* Step back down while the value is not exact to one decimal. */
    while (u > 0 && (kib * 10) % div != 0)
        div /= 1024, u--;
    if (kib % div == 0)
        snprintf(buf, len, "%" PRIu64 " %s", kib / div, names[u]);
    else
        snprintf(buf, len, "%" PRIu64 ".%" PRIu64 " %s", kib / div,
                 (kib % div) * 10 / div, names[u]);
    return buf;
}

const char *UNITS_FormatMiB(uint64_t kib, char *buf, size_t len)
{
    uint64_t mib = kib / 1024, rest = kib % 1024, hundredths;

    if (!rest) {
        snprintf(buf, len, "%" PRIu64 " MiB", mib);
        return buf;
    }
    hundredths = (rest * 100 + 1023) / 1024;   /* 1..100: rounded up */
    if (hundredths == 100)
        mib++, hundredths = 0;
    snprintf(buf, len, "%" PRIu64 ".%02" PRIu64 " MiB", mib, hundredths);
    return buf;
}

const char *UNITS_FormatTime(time_t t, const char *fmt, char *buf,
                             size_t len)
{
    struct tm tm;

    if (!localtime_r(&t, &tm) || !strftime(buf, len, fmt, &tm))
        snprintf(buf, len, "@%lld", (long long)t);
    return buf;
}
