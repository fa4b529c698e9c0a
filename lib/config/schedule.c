/*
 * schedule.c - cron-style time-of-day triggers.
 *
 * The parser follows cronie's crontab(5) syntax; the differences are
 * listed in schedule.h.  SCHED_Next walks wall-clock times (date, then
 * hour, then minute, skipping whole months and days that cannot match)
 * and turns each candidate into an instant with the C library's zone
 * rules.  A wall time W becomes the first instant whose local clock
 * reads W or later: that one definition gives the DST rule of
 * schedule.h (a skipped time fires at the end of the gap, a repeated
 * time at its first occurrence), and it is monotonic in W, so the first
 * candidate landing after 'after' is the answer.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "schedule.h"

/* "within the next 8 years", counted in calendar days */
#define SCHED_SEARCH_DAYS (8 * 366 + 1)

/* UTC offsets in force somewhere in [W - 16 h, W + 16 h] are sampled
 * hourly: every real offset lies within +-15 h and lasts longer. */
#define SCHED_ZONE_REACH (16 * 3600)

#define SCHED_MAX_OFFSETS 8

typedef struct field_spec {
    const char *name;
    int lo, hi;                 /* hi of day-of-week is 7, Sunday again */
    const char *const *names;   /* names[i] is value lo + i, or NULL */
} field_spec;

static const char *const month_names[] = {
    "jan", "feb", "mar", "apr", "may", "jun",
    "jul", "aug", "sep", "oct", "nov", "dec", NULL
};
static const char *const day_names[] = {
    "sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL
};

enum { F_MINUTE, F_HOUR, F_MDAY, F_MONTH, F_WDAY, F_COUNT };

static const field_spec fields[F_COUNT] = {
    { "minute", 0, 59, NULL },
    { "hour", 0, 23, NULL },
    { "day-of-month", 1, 31, NULL },
    { "month", 1, 12, month_names },
    { "day-of-week", 0, 7, day_names },
};

typedef struct perr {
    const char *text;
    char *why;
    size_t whylen;
    int *bad_at;
} perr;

static int fail(perr *e, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(perr *e, const char *at, const char *fmt, ...)
{
    va_list ap;

    if (e->why && e->whylen) {
        va_start(ap, fmt);
        vsnprintf(e->why, e->whylen, fmt, ap);
        va_end(ap);
    }
    if (e->bad_at)
        *e->bad_at = (int)(at - e->text);
    return -1;
}

static bool is_blank(char c)
{
    return c != '\0' && isspace((unsigned char)c);
}

/* Digits at *p as a value; too many digits saturate (then out of range). */
static int scan_digits(const char **p)
{
    const char *s = *p;
    int v = 0;

    while (isdigit((unsigned char)*s)) {
        if (v < 100000)
            v = v * 10 + (*s - '0');
        s++;
    }
    *p = s;
    return v;
}

/* A number or a name at *p, before end; advances *p. */
static int parse_value(const field_spec *f, const char **p, const char *end,
                       int *out, perr *e)
{
    const char *s = *p, *q = s;
    size_t n;
    int i, v;

    if (s == end || *s == ',' || *s == '-' || *s == '/')
        return fail(e, s, "%s: a value is missing", f->name);
    if (isdigit((unsigned char)*s)) {
        v = scan_digits(&q);
        if (v < f->lo || v > f->hi)
            return fail(e, s, "%s %.*s out of range %d-%d", f->name,
                        (int)(q - s), s, f->lo, f->hi);
        *out = v;
        *p = q;
        return 0;
    }
    if (!isalpha((unsigned char)*s))
        return fail(e, s, "%s: unexpected character '%c'", f->name, *s);
    while (q < end && isalpha((unsigned char)*q))
        q++;
    n = (size_t)(q - s);
    if (!f->names)
        return fail(e, s, "%s: expected a number, got \"%.*s\"", f->name,
                    (int)n, s);
    for (i = 0; f->names[i]; i++) {
        if (strlen(f->names[i]) == n && strncasecmp(s, f->names[i], n) == 0) {
            *out = f->lo + i;
            *p = q;
            return 0;
        }
    }
    return fail(e, s, "unknown %s name \"%.*s\"", f->name, (int)n, s);
}

/*
 * One field, [s, end) without blanks, into a bit set (bit v for value v;
 * day-of-week 7 is folded onto 0).
 */
static int parse_field(const field_spec *f, const char *s, const char *end,
                       uint64_t *bits, perr *e)
{
    const char *p = s;

    *bits = 0;
    for (;;) {
        const char *elem = p;
        int lo, hi, step = 1, v;
        bool range = false;

        if (*p == '*') {
            lo = f->lo;
            hi = f->hi;
            range = true;
            p++;
        } else {
            if (parse_value(f, &p, end, &lo, e))
                return -1;
            hi = lo;
            if (p < end && *p == '-') {
                p++;
                if (parse_value(f, &p, end, &hi, e))
                    return -1;
                range = true;
                /* cronie: "fri-sun", "5-0" run up to Sunday as 7 */
                if (f->hi == 7 && hi == 0 && lo > 0)
                    hi = 7;
                if (hi < lo)
                    return fail(e, elem, "%s range %.*s goes backwards",
                                f->name, (int)(p - elem), elem);
            }
        }
        if (p < end && *p == '/') {
            const char *sp = ++p;

            if (p == end || !isdigit((unsigned char)*p))
                return fail(e, sp, "%s: a step needs a number", f->name);
            step = scan_digits(&p);
            if (step == 0)
                return fail(e, sp, "step 0 is not allowed");
            /* Steps count within the field (a minute step of 90 is not
             * every 90 minutes): refuse rather than fire at :00 only. */
            if (step > f->hi)
                return fail(e, sp, "%s step %.*s is larger than %d", f->name,
                            (int)(p - sp), sp, f->hi);
            /* "a/n" is a to the end of the field, every n */
            if (!range)
                hi = f->hi;
        }
        for (v = lo; v <= hi; v += step)
            *bits |= 1ULL << (f->hi == 7 && v == 7 ? 0 : v);
        if (p == end)
            return 0;
        if (*p != ',')
            return fail(e, p, "%s: unexpected character '%c'", f->name, *p);
        p++;
        if (p == end)
            return fail(e, p, "%s: a value is missing after ','", f->name);
    }
}

static int parse_macro(const char *p, sched_expr *out, perr *e)
{
    static const struct {
        const char *name;
        const char *expr;
    } macros[] = {
        { "@yearly", "0 0 1 1 *" }, { "@annually", "0 0 1 1 *" },
        { "@monthly", "0 0 1 * *" }, { "@weekly", "0 0 * * 0" },
        { "@daily", "0 0 * * *" }, { "@midnight", "0 0 * * *" },
        { "@hourly", "0 * * * *" },
    };
    const char *rest;
    size_t len = 0, i;

    while (p[len] && !is_blank(p[len]))
        len++;
    rest = p + len;
    while (is_blank(*rest))
        rest++;
    for (i = 0; i < sizeof(macros) / sizeof(macros[0]); i++) {
        if (strlen(macros[i].name) == len &&
            strncasecmp(p, macros[i].name, len) == 0) {
            if (*rest)
                return fail(e, rest, "nothing may follow %s",
                            macros[i].name);
            return SCHED_Parse(macros[i].expr, out, NULL, 0, NULL);
        }
    }
    if (len == 7 && strncasecmp(p, "@reboot", 7) == 0)
        return fail(e, p, "@reboot has no meaning for a phase trigger: "
                    "give a time of day");
    return fail(e, p, "unknown macro \"%.*s\" (known: @hourly @daily "
                "@midnight @weekly @monthly @yearly @annually)", (int)len, p);
}

int SCHED_Parse(const char *text, sched_expr *out, char *why, size_t whylen,
                int *bad_at)
{
    perr e = { text, why, whylen, bad_at };
    const char *p = text, *start[F_COUNT], *end[F_COUNT], *extra = NULL;
    uint64_t bits[F_COUNT];
    sched_expr x;
    int n = 0, i;

    while (is_blank(*p))
        p++;
    if (*p == '@')
        return parse_macro(p, out, &e);
    while (*p) {
        if (n < F_COUNT) {
            start[n] = p;
        } else if (!extra) {
            extra = p;
        }
        while (*p && !is_blank(*p))
            p++;
        if (n < F_COUNT)
            end[n] = p;
        n++;
        while (is_blank(*p))
            p++;
    }
    if (n != F_COUNT)
        return fail(&e, n > F_COUNT ? extra : p, "expected 5 fields, got %d "
                    "(minute hour day-of-month month day-of-week)", n);
    for (i = 0; i < F_COUNT; i++)
        if (parse_field(&fields[i], start[i], end[i], &bits[i], &e))
            return -1;
    memset(&x, 0, sizeof(x));
    x.minutes = bits[F_MINUTE];
    x.hours = (uint32_t)bits[F_HOUR];
    x.mdays = (uint32_t)bits[F_MDAY];
    x.months = (uint16_t)bits[F_MONTH];
    x.wdays = (uint8_t)bits[F_WDAY];
    /* cronie's test is the field's first character, so '*' with a step
     * counts too (see day_matches) */
    x.mday_star = *start[F_MDAY] == '*';
    x.wday_star = *start[F_WDAY] == '*';
    *out = x;
    return 0;
}

/* --- calendar arithmetic, no time zone involved ------------------------ */

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static long long days_from_civil(long long y, int m, int d)
{
    long long era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Day of week, 0 = Sunday; 1970-01-01 was a Thursday. */
static int weekday(int y, int m, int d)
{
    long long w = (days_from_civil(y, m, d) + 4) % 7;

    return (int)(w < 0 ? w + 7 : w);
}

/*
 * cronie's rule: if either day field starts with '*', a day must match
 * both bit sets (a plain "*" matches everything, so only the other
 * field restricts; '*' with a step in day-of-week restricts, ANDed);
 * otherwise a day matching either field fires.
 */
static bool day_matches(const sched_expr *e, int y, int m, int d)
{
    bool dom = e->mdays >> d & 1;
    bool dow = e->wdays >> weekday(y, m, d) & 1;

    if (e->mday_star || e->wday_star)
        return dom && dow;
    return dom || dow;
}

/* --- wall-clock time to instant ---------------------------------------- */

/* A wall-clock time as seconds, as if it were UTC (comparable). */
static long long wall_secs(long long y, int m, int d, int h, int mi, int s)
{
    return days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + s;
}

/* What the local clock reads at t, as wall_secs. */
static int wall_of(time_t t, long long *w)
{
    struct tm tm;

    if (!localtime_r(&t, &tm))
        return -1;
    *w = wall_secs((long long)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                   tm.tm_hour, tm.tm_min, tm.tm_sec);
    return 0;
}

/*
 * The first instant at which the local clock reads w or later: the
 * instant of w itself, its first occurrence if the clock shows it twice,
 * or the end of the gap if a spring-forward skips it.  -1 if the C
 * library cannot convert times this far out.
 */
static int wall_to_instant(long long w, time_t *out)
{
    long long offs[SCHED_MAX_OFFSETS], k, at, lo_off, hi_off;
    time_t t, best = 0, lo, hi;
    bool found = false;
    int n = 0, i;

    /* The offsets in force around w; instants reading w are w - offset. */
    for (k = -SCHED_ZONE_REACH; k <= SCHED_ZONE_REACH; k += 3600) {
        long long off;

        t = (time_t)(w + k);
        if (wall_of(t, &at))
            return -1;
        off = at - (long long)t;
        for (i = 0; i < n && offs[i] != off; i++)
            ;
        if (i == n && n < SCHED_MAX_OFFSETS)
            offs[n++] = off;
    }
    lo_off = hi_off = offs[0];
    for (i = 0; i < n; i++) {
        t = (time_t)(w - offs[i]);
        if (wall_of(t, &at))
            return -1;
        if (at == w && (!found || t < best)) {
            best = t;
            found = true;
        }
        if (offs[i] < lo_off)
            lo_off = offs[i];
        if (offs[i] > hi_off)
            hi_off = offs[i];
    }
    if (found) {
        *out = best;
        return 0;
    }
    /*
     * In a gap: w - (offset after) reads before w, w - (offset before)
     * reads after it, and the clock only moves forward in between.
     * Bisect for the first instant reading w or later.
     */
    lo = (time_t)(w - hi_off);
    hi = (time_t)(w - lo_off);
    if (wall_of(lo, &at) || at >= w || wall_of(hi, &at) || at < w)
        return -1;
    while (hi - lo > 1) {
        time_t mid = lo + (hi - lo) / 2;

        if (wall_of(mid, &at))
            return -1;
        if (at >= w)
            hi = mid;
        else
            lo = mid;
    }
    *out = hi;
    return 0;
}

int SCHED_Next(const sched_expr *e, time_t after, time_t *next)
{
    struct tm now;
    int y, m, d, h, mi, day = 0;
    int h0, m0;

    /* localtime_r need not read TZ itself */
    tzset();
    if (!localtime_r(&after, &now))
        return -1;
    y = now.tm_year + 1900;
    m = now.tm_mon + 1;
    d = now.tm_mday;
    /*
     * Wall times before the current minute map to instants at or before
     * 'after' (the mapping is monotonic), so the walk starts there.
     */
    h0 = now.tm_hour;
    m0 = now.tm_min;
    while (day < SCHED_SEARCH_DAYS) {
        if (!(e->months >> m & 1)) {
            /* skip the rest of the month */
            day += days_in_month(y, m) - d + 1;
            d = days_in_month(y, m);
        } else if (day_matches(e, y, m, d)) {
            for (h = h0; h < 24; h++) {
                if (!(e->hours >> h & 1))
                    continue;
                for (mi = h == h0 ? m0 : 0; mi < 60; mi++) {
                    time_t t;

                    if (!(e->minutes >> mi & 1))
                        continue;
                    if (wall_to_instant(wall_secs(y, m, d, h, mi, 0), &t))
                        return -1;
                    if (t > after) {
                        *next = t;
                        return 0;
                    }
                }
            }
            day++;
        } else {
            day++;
        }
        h0 = m0 = 0;
        if (++d > days_in_month(y, m)) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    return -1;
}
