/*
 * schedule.c - cron-style time-of-day triggers.
 *
 * SCHED_Next searches wall-clock times (date, hour, minute) in order and
 * turns the first matching one into an instant with the C library's
 * time zone rules.  Searching wall-clock times rather than instants is
 * what makes the DST rule of schedule.h fall out naturally: a skipped
 * time maps to the first instant after the gap, and a repeated time is
 * taken at its first occurrence only.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "schedule.h"

#define SCHED_SEARCH_DAYS (8 * 366 + 2)

typedef struct field_spec {
    const char *name;
    int lo, hi;
    const char *const *names;   /* names[i] is value lo + i, or NULL */
} field_spec;

static const char *const month_names[] = {
    "jan", "feb", "mar", "apr", "may", "jun",
    "jul", "aug", "sep", "oct", "nov", "dec", NULL
};
static const char *const day_names[] = {
    "sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL
};

static const field_spec fields[5] = {
    { "minute", 0, 59, NULL },
    { "hour", 0, 23, NULL },
    { "day of month", 1, 31, NULL },
    { "month", 1, 12, month_names },
    { "day of week", 0, 7, day_names },     /* 7 is Sunday too */
};

typedef struct perr {
    char *why;
    size_t whylen;
    int *bad_at;
} perr;

static int fail(perr *e, int at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(perr *e, int at, const char *fmt, ...)
{
    va_list ap;

    if (e->why && e->whylen) {
        va_start(ap, fmt);
        vsnprintf(e->why, e->whylen, fmt, ap);
        va_end(ap);
    }
    if (e->bad_at)
        *e->bad_at = at;
    return -1;
}

/* A number or a name at s; advances *p. */
static int parse_value(const field_spec *f, const char *text, const char **p,
                       int *out, perr *e)
{
    const char *s = *p;

    if (isdigit((unsigned char)*s)) {
        long v = 0;

        while (isdigit((unsigned char)*s)) {
            v = v * 10 + (*s - '0');
            if (v > 1000)
                break;
            s++;
        }
        if (v < f->lo || v > f->hi)
            return fail(e, (int)(*p - text), "%s %ld out of range %d-%d",
                        f->name, v, f->lo, f->hi);
        *out = (int)v;
        *p = s;
        return 0;
    }
    if (isalpha((unsigned char)*s)) {
        char word[16];
        size_t n = 0;
        int i;

        while (isalpha((unsigned char)s[n]) && n < sizeof(word) - 1) {
            word[n] = s[n];
            n++;
        }
        word[n] = '\0';
        if (f->names) {
            for (i = 0; f->names[i]; i++) {
                if (strcasecmp(word, f->names[i]) == 0) {
                    /* month names count from 1, day names from 0 */
                    *out = f->lo == 1 ? i + 1 : i;
                    *p = s + n;
                    return 0;
                }
            }
            return fail(e, (int)(s - text), "unknown %s name \"%s\"",
                        f->name, word);
        }
        return fail(e, (int)(s - text), "%s: expected a number, got \"%s\"",
                    f->name, word);
    }
    if (*s == '\0' || isspace((unsigned char)*s))
        return fail(e, (int)(s - text), "%s: a value is missing", f->name);
    return fail(e, (int)(s - text), "%s: unexpected character '%c'",
                f->name, *s);
}

/* One field (no blanks inside) into a bit set. */
static int parse_field(const field_spec *f, const char *text, const char *s,
                       const char *end, uint64_t *bits, bool *star, perr *e)
{
    const char *p = s;

    *bits = 0;
    *star = *s == '*';
    for (;;) {
        const char *elem = p;
        int lo, hi, step = 1, v;

        if (*p == '*') {
            lo = f->lo;
            hi = f->hi == 7 ? 6 : f->hi;
            p++;
        } else {
            if (parse_value(f, text, &p, &lo, e))
                return -1;
            hi = lo;
            if (*p == '-') {
                p++;
                if (parse_value(f, text, &p, &hi, e))
                    return -1;
                if (hi < lo)
                    return fail(e, (int)(elem - text), "%s range %d-%d goes "
                                "backwards", f->name, lo, hi);
            }
        }
        if (*p == '/') {
            const char *sp = ++p;
            long st = 0;

            if (!isdigit((unsigned char)*p))
                return fail(e, (int)(p - text), "%s: a step needs a number",
                            f->name);
            while (isdigit((unsigned char)*p)) {
                st = st * 10 + (*p - '0');
                if (st > 1000)
                    break;
                p++;
            }
            if (st == 0)
                return fail(e, (int)(sp - text), "step 0 is not allowed");
            if (st > f->hi)
                return fail(e, (int)(sp - text), "%s step %ld is larger than "
                            "%d", f->name, st, f->hi);
            step = (int)st;
            /* "a/n" means a to the end, every n (as cronie). */
            if (elem[0] != '*' && hi == lo && !strchr(elem, '-'))
                hi = f->hi == 7 ? 6 : f->hi;
        }
        for (v = lo; v <= hi; v += step)
            *bits |= 1ULL << (f->hi == 7 && v == 7 ? 0 : v);
        if (p == end)
            return 0;
        if (*p != ',')
            return fail(e, (int)(p - text), "%s: unexpected character '%c'",
                        f->name, *p);
        p++;
        if (p == end)
            return fail(e, (int)(p - text), "%s: a value is missing after "
                        "','", f->name);
    }
}

int SCHED_Parse(const char *text, sched_expr *out, char *why, size_t whylen,
                int *bad_at)
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
    perr e = { why, whylen, bad_at };
    const char *p = text, *start[5], *end[5];
    uint64_t bits[5];
    bool star[5];
    int n = 0, i;

    memset(out, 0, sizeof(*out));
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '@') {
        size_t len = strcspn(p, " \t\n");
        const char *rest = p + len;

        while (isspace((unsigned char)*rest))
            rest++;
        for (i = 0; i < (int)(sizeof(macros) / sizeof(macros[0])); i++) {
            if (strlen(macros[i].name) == len &&
                strncasecmp(p, macros[i].name, len) == 0) {
                if (*rest)
                    return fail(&e, (int)(rest - text), "nothing may follow "
                                "%s", macros[i].name);
                return SCHED_Parse(macros[i].expr, out, why, whylen, NULL);
            }
        }
        if (len == 7 && strncasecmp(p, "@reboot", 7) == 0)
            return fail(&e, (int)(p - text), "@reboot has no meaning here: "
                        "use a time");
        return fail(&e, (int)(p - text), "unknown macro \"%.*s\"", (int)len,
                    p);
    }
    while (*p) {
        if (n == 5)
            return fail(&e, (int)(p - text), "expected 5 fields (minute hour "
                        "day-of-month month day-of-week), got more");
        start[n] = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        end[n++] = p;
        while (isspace((unsigned char)*p))
            p++;
    }
    if (n != 5)
        return fail(&e, (int)(p - text), "expected 5 fields (minute hour "
                    "day-of-month month day-of-week), got %d", n);
    for (i = 0; i < 5; i++)
        if (parse_field(&fields[i], text, start[i], end[i], &bits[i],
                        &star[i], &e))
            return -1;
    out->minutes = bits[0];
    out->hours = (uint32_t)bits[1];
    out->mdays = (uint32_t)bits[2];
    out->months = (uint16_t)bits[3];
    out->wdays = (uint8_t)bits[4];
    out->mday_star = star[2];
    out->wday_star = star[4];
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

/* Day of week, 0 = Sunday (Sakamoto's method). */
static int weekday(int y, int m, int d)
{
    static const int t[] = { 0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4 };

    if (m < 3)
        y -= 1;
    return (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
}

static bool day_matches(const sched_expr *e, int y, int m, int d)
{
    bool dom = e->mdays >> d & 1;
    bool dow = e->wdays >> weekday(y, m, d) & 1;

    if (!(e->months >> m & 1))
        return false;
    /* cron's rule: both restricted -> either; else the restricted one. */
    if (!e->mday_star && !e->wday_star)
        return dom || dow;
    if (!e->mday_star)
        return dom;
    if (!e->wday_star)
        return dow;
    return true;
}

/* Wall time as a comparable number of minutes-ish (ordering only). */
static long long wall_key(const struct tm *t)
{
    return ((((long long)(t->tm_year + 1900) * 13 + t->tm_mon + 1) * 32 +
             t->tm_mday) * 24 + t->tm_hour) * 60 + t->tm_min;
}

/*
 * The instant of wall time y-m-d h:mi.  A time in a spring-forward gap
 * becomes the first instant after the gap; a repeated time its first
 * occurrence.
 */
static time_t wall_to_instant(int y, int m, int d, int h, int mi)
{
    struct tm want = { 0 }, got;
    time_t best = (time_t)-1, t;
    long long key;
    int dst;

    want.tm_year = y - 1900;
    want.tm_mon = m - 1;
    want.tm_mday = d;
    want.tm_hour = h;
    want.tm_min = mi;
    key = wall_key(&want);
    /* Try both DST flags; keep the earliest instant that shows this wall
     * time (two of them in a fall-back). */
    for (dst = 0; dst <= 1; dst++) {
        struct tm tmp = want;

        tmp.tm_isdst = dst;
        t = mktime(&tmp);
        if (t == (time_t)-1)
            continue;
        localtime_r(&t, &got);
        if (wall_key(&got) == key && (best == (time_t)-1 || t < best))
            best = t;
    }
    if (best != (time_t)-1)
        return best;
    /* In a gap: mktime lands after it; walk back to the gap's end. */
    {
        struct tm tmp = want;

        tmp.tm_isdst = -1;
        t = mktime(&tmp);
        if (t == (time_t)-1)
            return t;
        for (;;) {
            time_t prev = t - 60;

            localtime_r(&prev, &got);
            if (wall_key(&got) < key)
                break;
            t = prev;
        }
        return t;
    }
}

int SCHED_Next(const sched_expr *e, time_t after, time_t *next)
{
    struct tm now;
    int y, m, d, h, mi, day;
    bool first = true;

    tzset();
    localtime_r(&after, &now);
    y = now.tm_year + 1900;
    m = now.tm_mon + 1;
    d = now.tm_mday;
    for (day = 0; day < SCHED_SEARCH_DAYS; day++) {
        if (day_matches(e, y, m, d)) {
            for (h = first ? now.tm_hour : 0; h < 24; h++) {
                if (!(e->hours >> h & 1))
                    continue;
                for (mi = first && h == now.tm_hour ? now.tm_min : 0; mi < 60;
                     mi++) {
                    time_t t;

                    if (!(e->minutes >> mi & 1))
                        continue;
                    t = wall_to_instant(y, m, d, h, mi);
                    if (t != (time_t)-1 && t > after) {
                        *next = t;
                        return 0;
                    }
                }
            }
        }
        first = false;
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
