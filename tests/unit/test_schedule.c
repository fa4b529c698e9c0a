/*
 * test_schedule.c - cron expressions and next fire times, DST included.
 * Expected instants were computed independently with GNU date, e.g.
 * TZ=Europe/Berlin date -d "2026-10-25 02:30 +0200" +%s.
 */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "schedule.h"
#include "tap.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void zone(const char *tz)
{
    setenv("TZ", tz, 1);
    tzset();
}

/* The next n fire times after 'after', checked against want[]. */
static void next_n(const char *tz, const char *expr, long long after,
                   const long long *want, int n)
{
    sched_expr e;
    char why[160];
    int bad, i;
    time_t t = (time_t)after, nt;

    zone(tz);
    if (!ok(SCHED_Parse(expr, &e, why, sizeof(why), &bad) == 0,
            "parse \"%s\"", expr))
        return;
    for (i = 0; i < n; i++) {
        if (SCHED_Next(&e, t, &nt)) {
            ok(0, "\"%s\" [%s] fire %d exists", expr, tz, i + 1);
            return;
        }
        is_int(nt, want[i], "\"%s\" [%s] fire %d", expr, tz, i + 1);
        t = nt;
    }
}

static void never(const char *tz, const char *expr, long long after)
{
    sched_expr e;
    time_t nt = 12345;
    char why[160];
    int at;

    zone(tz);
    if (!ok(SCHED_Parse(expr, &e, why, sizeof(why), &at) == 0,
            "parse \"%s\"", expr))
        return;
    ok(SCHED_Next(&e, (time_t)after, &nt) == -1, "\"%s\" never fires", expr);
    is_int(nt, 12345, "\"%s\": next left alone", expr);
}

static void bad(const char *expr, int want_at, const char *want_why)
{
    sched_expr e;
    char why[160] = "";
    int at = -1;

    memset(&e, 0xa5, sizeof(e));
    ok(SCHED_Parse(expr, &e, why, sizeof(why), &at) != 0, "\"%s\" refused",
       expr);
    is_int(at, want_at, "\"%s\": offset", expr);
    ok(strstr(why, want_why) != NULL, "\"%s\": says '%s' (%s)", expr,
       want_why, why);
    is_int(e.minutes, 0xa5a5a5a5a5a5a5a5ULL, "\"%s\": output untouched",
           expr);
}

/* The bit sets a good expression parses to. */
static void bits(const char *expr, uint64_t min, uint32_t hour,
                 uint32_t mday, uint16_t mon, uint8_t wday, bool mstar,
                 bool wstar)
{
    sched_expr e;
    char why[160] = "";
    int at = -1;

    if (!ok(SCHED_Parse(expr, &e, why, sizeof(why), &at) == 0,
            "parse \"%s\" (%s)", expr, why))
        return;
    ok(e.minutes == min && e.hours == hour && e.mdays == mday &&
       e.months == mon && e.wdays == wday && e.mday_star == mstar &&
       e.wday_star == wstar,
       "\"%s\": min %#llx hour %#x mday %#x mon %#x wday %#x stars %d%d",
       expr, (unsigned long long)e.minutes, (unsigned)e.hours,
       (unsigned)e.mdays, (unsigned)e.months, (unsigned)e.wdays,
       e.mday_star, e.wday_star);
}

/* A macro parses to exactly what its five-field expansion does. */
static void macro(const char *m, const char *expansion)
{
    sched_expr a, b;
    char why[160];
    int at;

    ok(SCHED_Parse(m, &a, why, sizeof(why), &at) == 0 &&
       SCHED_Parse(expansion, &b, why, sizeof(why), &at) == 0 &&
       a.minutes == b.minutes && a.hours == b.hours && a.mdays == b.mdays &&
       a.months == b.months && a.wdays == b.wdays &&
       a.mday_star == b.mday_star && a.wday_star == b.wday_star,
       "\"%s\" is \"%s\"", m, expansion);
}

#define ALL_MIN ((1ULL << 60) - 1)
#define ALL_HOUR 0xffffffu
#define ALL_MDAY 0xfffffffeu
#define ALL_MON 0x1ffe
#define ALL_WDAY 0x7f
#define B(n) (1ULL << (n))

static void test_parse(void)
{
    bits("* * * * *", ALL_MIN, ALL_HOUR, ALL_MDAY, ALL_MON, ALL_WDAY,
         true, true);
    bits("5 8 1 1 0", B(5), B(8), B(1), B(1), B(0), false, false);
    bits("59 23 31 12 6", B(59), B(23), B(31), B(12), B(6), false, false);
    bits("1,2,5 0,12 1,15 * *", B(1) | B(2) | B(5), B(0) | B(12),
         B(1) | B(15), ALL_MON, ALL_WDAY, false, true);
    bits("1-3 9-17 * * *", B(1) | B(2) | B(3), 0x3fe00, ALL_MDAY, ALL_MON,
         ALL_WDAY, true, true);
    bits("*/15 */6 */10 */4 *", B(0) | B(15) | B(30) | B(45),
         B(0) | B(6) | B(12) | B(18), B(1) | B(11) | B(21) | B(31),
         B(1) | B(5) | B(9), ALL_WDAY, true, true);
    bits("1-10/3 * * * *", B(1) | B(4) | B(7) | B(10), ALL_HOUR, ALL_MDAY,
         ALL_MON, ALL_WDAY, true, true);
    /* a/n is a to the field's end, every n */
    bits("5/20 20/2 25/3 jan/3 *", B(5) | B(25) | B(45), B(20) | B(22),
         B(25) | B(28) | B(31), B(1) | B(4) | B(7) | B(10), ALL_WDAY,
         false, true);
    bits("0 0 * JAN,mar,Dec mon-fri", B(0), B(0), ALL_MDAY,
         B(1) | B(3) | B(12), 0x3e, true, false);
    bits("0 0 * jan-dec/6 SUN-sat", B(0), B(0), ALL_MDAY, B(1) | B(7),
         ALL_WDAY, true, false);
    /* 7 is Sunday as well as 0 */
    bits("0 0 * * 7", B(0), B(0), ALL_MDAY, ALL_MON, B(0), true, false);
    bits("0 0 * * 0,7", B(0), B(0), ALL_MDAY, ALL_MON, B(0), true, false);
    bits("0 0 * * 6-7", B(0), B(0), ALL_MDAY, ALL_MON, B(0) | B(6), true,
         false);
    /* cronie: a day-of-week range ending at Sunday as 0 runs to 7 */
    bits("0 0 * * fri-sun", B(0), B(0), ALL_MDAY, ALL_MON,
         B(5) | B(6) | B(0), true, false);
    bits("0 0 * * 5-0", B(0), B(0), ALL_MDAY, ALL_MON, B(5) | B(6) | B(0),
         true, false);
    /* steps in day-of-week run over 0-7, 7 folding onto Sunday */
    bits("0 0 * * 1/2", B(0), B(0), ALL_MDAY, ALL_MON,
         B(1) | B(3) | B(5) | B(0), true, false);
    bits("0 0 * * */2", B(0), B(0), ALL_MDAY, ALL_MON,
         B(0) | B(2) | B(4) | B(6), true, true);
    /* "starts with '*'" is cronie's test for the day rule */
    bits("0 0 *,5 * 1", B(0), B(0), ALL_MDAY, ALL_MON, B(1), true, false);
    bits("0 0 1-31 * 0-7", B(0), B(0), ALL_MDAY, ALL_MON, ALL_WDAY, false,
         false);
    bits("00 007 01 1 1", B(0), B(7), B(1), B(1), B(1), false, false);
    /* blanks: tabs, several, leading and trailing */
    bits(" \t0\t8  *   * 1-5 \t", B(0), B(8), ALL_MDAY, ALL_MON, 0x3e, true,
         false);
    {
        sched_expr e;
        char why[160];
        int at;

        ok(SCHED_Parse("0 8 * * 1-5\n", &e, why, sizeof(why), &at) == 0 &&
           e.wdays == 0x3e, "a trailing newline is a blank");
    }

    macro("@hourly", "0 * * * *");
    macro("@daily", "0 0 * * *");
    macro("@midnight", "0 0 * * *");
    macro("@weekly", "0 0 * * 0");
    macro("@monthly", "0 0 1 * *");
    macro("@yearly", "0 0 1 1 *");
    macro("@annually", "0 0 1 1 *");
    macro("  @Daily\t", "0 0 * * *");

    /* why and bad_at may be left out */
    {
        sched_expr e;

        ok(SCHED_Parse("61 * * * *", &e, NULL, 0, NULL) == -1,
           "refused without why or bad_at");
    }
    /* a short why buffer is truncated, not overrun */
    {
        sched_expr e;
        char why[8];
        int at;

        ok(SCHED_Parse("* * * jux *", &e, why, sizeof(why), &at) == -1 &&
           strcmp(why, "unknown") == 0 && at == 6, "why truncated");
    }
}

static void test_errors(void)
{
    bad("60 * * * *", 0, "minute 60 out of range 0-59");
    bad("* 24 * * *", 2, "hour 24 out of range 0-23");
    bad("* * 0 * *", 4, "day-of-month 0 out of range 1-31");
    bad("* * 32 * *", 4, "day-of-month 32 out of range 1-31");
    bad("* * * 0 *", 6, "month 0 out of range 1-12");
    bad("* * * 13 *", 6, "month 13 out of range 1-12");
    bad("* * * * 8", 8, "day-of-week 8 out of range 0-7");
    bad("1,99999999999 * * * *", 2,
        "minute 99999999999 out of range 0-59");
    bad("0-60 * * * *", 2, "minute 60 out of range 0-59");
    bad("* * * *", 7, "expected 5 fields, got 4");
    bad("* * * * ", 8, "expected 5 fields, got 4");
    bad("", 0, "expected 5 fields, got 0");
    bad("   ", 3, "expected 5 fields, got 0");
    bad("* * * * * *", 10, "expected 5 fields, got 6");
    bad("* * * * * echo hi", 10, "expected 5 fields, got 7");
    bad("*/0 * * * *", 2, "step 0 is not allowed");
    bad("* 1-5/0 * * *", 6, "step 0 is not allowed");
    bad("*/60 * * * *", 2, "minute step 60 is larger than 59");
    bad("* * * * */8", 10, "day-of-week step 8 is larger than 7");
    bad("5-3 * * * *", 0, "minute range 5-3 goes backwards");
    bad("* 1,20-10 * * *", 4, "hour range 20-10 goes backwards");
    bad("* * * * fri-mon", 8, "day-of-week range fri-mon goes backwards");
    bad("* * * * 7-1", 8, "range 7-1 goes backwards");
    bad("* * * dec-jan *", 6, "month range dec-jan goes backwards");
    bad("* * * jux *", 6, "unknown month name \"jux\"");
    bad("* * * january *", 6, "unknown month name \"january\"");
    bad("* * * jan-jux *", 10, "unknown month name \"jux\"");
    bad("* * * * fry", 8, "unknown day-of-week name \"fry\"");
    bad("mon * * * *", 0, "minute: expected a number, got \"mon\"");
    bad("* * x * *", 4, "day-of-month: expected a number, got \"x\"");
    bad("@reboot", 0, "@reboot has no meaning");
    bad("  @reboot", 2, "@reboot has no meaning");
    bad("@often", 0, "unknown macro \"@often\"");
    bad("@", 0, "unknown macro \"@\"");
    bad("@daily 5", 7, "nothing may follow @daily");
    bad("1,,2 * * * *", 2, "minute: a value is missing");
    bad(",1 * * * *", 0, "minute: a value is missing");
    bad("1, * * * *", 2, "minute: a value is missing after ','");
    bad("1- * * * *", 2, "minute: a value is missing");
    bad("-1 * * * *", 0, "minute: a value is missing");
    bad("*/x * * * *", 2, "minute: a step needs a number");
    bad("1/ * * * *", 2, "minute: a step needs a number");
    bad("5x * * * *", 1, "minute: unexpected character 'x'");
    bad("** * * * *", 1, "minute: unexpected character '*'");
    bad("1-2-3 * * * *", 3, "minute: unexpected character '-'");
    bad("*/2/3 * * * *", 3, "minute: unexpected character '/'");
    bad("? * * * *", 0, "minute: unexpected character '?'");
    bad("* * * * 1~5", 9, "day-of-week: unexpected character '~'");
}

static void test_next_utc(void)
{
    const long long tue_0800 = 1764057600;     /* 2025-11-25 08:00 UTC */

    {
        const long long w[] = { 1764057660, 1764057720 };

        next_n("UTC", "* * * * *", tue_0800, w, N(w));
    }
    {
        /* strictly after, from the middle of a minute */
        const long long w[] = { 1764057660 };

        next_n("UTC", "* * * * *", tue_0800 + 30, w, N(w));
    }
    {
        /* 2025-12-31 23:59 -> 2026-01-01 00:00 */
        const long long w[] = { 1767225600 };

        next_n("UTC", "* * * * *", 1767225540, w, N(w));
    }
    {
        const long long w[] = { 1764061200, 1764064800 };

        next_n("UTC", "@hourly", tue_0800, w, N(w));
    }
    {
        /* daily at 08:00: a second before fires the same day */
        const long long w[] = { 1764057600, 1764144000, 1764230400 };

        next_n("UTC", "0 8 * * *", tue_0800 - 1, w, N(w));
    }
    {
        /* Wed, Thu, Fri, then Monday (skips the weekend) */
        const long long w[] = { 1764144000, 1764230400, 1764316800,
                                1764576000 };

        next_n("UTC", "0 8 * * 1-5", tue_0800, w, N(w));
    }
    {
        const long long w[] = { 1764058500, 1764059400, 1764060300,
                                1764061200 };

        next_n("UTC", "*/15 * * * *", tue_0800, w, N(w));
    }
    {
        const long long w[] = { 1764057660, 1764057840, 1764058020,
                                1764058200, 1764061260 };

        next_n("UTC", "1-10/3 * * * *", tue_0800, w, N(w));
    }
    {
        /* days 20, 25, 30 of each month, from the 25th at 08:00 */
        const long long w[] = { 1764460800, 1766188800, 1766620800,
                                1767052800, 1768867200 };

        next_n("UTC", "0 0 20/5 * *", tue_0800, w, N(w));
    }
    {
        const long long w[] = { 1767603600, 1768208400 };

        next_n("UTC", "0 9 * JAN-mar MON", tue_0800, w, N(w));
    }
    {
        /* Fri, Sat, Sun, Fri */
        const long long w[] = { 1764331200, 1764417600, 1764504000,
                                1764936000 };

        next_n("UTC", "0 12 * * fri-sun", tue_0800, w, N(w));
    }
    {
        const long long w[] = { 1764460800 };

        next_n("UTC", "0 0 * * 7", tue_0800, w, N(w));
    }
    {
        /* Feb 29 only in leap years: 2028, then 2032 */
        const long long w[] = { 1835395200, 1961625600 };

        next_n("UTC", "0 0 29 2 *", 1735689600, w, N(w));
    }
    {
        /* 2100 is not a leap year: 2097 -> 2104, inside 8 years */
        const long long w[] = { 4233686400 };

        next_n("UTC", "0 0 29 feb *", 4012934400, w, N(w));
    }
    {
        /* months without a 31st are skipped: Apr 1 -> May 31 -> Jul 31 */
        const long long w[] = { 1780185600, 1785456000 };

        next_n("UTC", "0 0 31 * *", 1775001600, w, N(w));
    }
    {
        /* both day fields restricted: Fridays and the 13th */
        const long long w[] = { 1764288000, 1764892800, 1765497600,
                                1765584000, 1766102400 };

        next_n("UTC", "0 0 13 * 5", tue_0800, w, N(w));
        next_n("UTC", "0 0 13 * fri", tue_0800, w, N(w));
    }
    {
        /* day-of-week starting with '*' (a step): cronie ANDs, so only a
         * 13th on Sun/Tue/Thu/Sat: Sat Dec 13, Tue Jan 13, then Sat Jun 13
         * (Feb-May 13ths are Fri, Fri, Mon, Wed) */
        const long long w[] = { 1765584000, 1768262400, 1781308800 };

        next_n("UTC", "0 0 13 * */2", tue_0800, w, N(w));
    }
    {
        const long long w[] = { 1764547200 };

        next_n("UTC", "@monthly", tue_0800, w, N(w));
    }
    {
        const long long w[] = { 1764460800 };

        next_n("UTC", "@weekly", tue_0800, w, N(w));
    }
    {
        const long long w[] = { 1764115200 };

        next_n("UTC", "@daily", tue_0800, w, N(w));
        next_n("UTC", "@midnight", tue_0800, w, N(w));
    }
    {
        const long long w[] = { 1767225600 };

        next_n("UTC", "@annually", tue_0800, w, N(w));
    }
}

static void test_next_zones(void)
{
    /* TZ is honoured: 08:00 in Berlin is 07:00 UTC in winter, 06:00 in
     * summer (2026-03-28 CET, 2026-03-29 CEST) */
    {
        const long long w[] = { 1774681200, 1774764000 };

        next_n("Europe/Berlin", "0 8 * * *", 1774600000, w, N(w));
    }
    {
        const long long w[] = { 1774684800 };

        next_n("UTC", "0 8 * * *", 1774600000, w, N(w));
    }

    /* Europe/Berlin, spring forward 2026-03-29 02:00 CET -> 03:00 CEST:
     * 02:30 does not exist; it fires once, at 03:00 CEST */
    {
        const long long w[] = { 1774661400, 1774746000, 1774830600 };

        next_n("Europe/Berlin", "30 2 * * *", 1774600000, w, N(w));
    }
    /* two times in the gap fire once, at 03:00 */
    {
        const long long w[] = { 1774746000, 1774829700 };

        next_n("Europe/Berlin", "15,45 2 * * *", 1774742400, w, N(w));
    }
    /* every 15 minutes: 01:45 CET, then 03:00 CEST, 03:15 CEST */
    {
        const long long w[] = { 1774746000, 1774746900 };

        next_n("Europe/Berlin", "*/15 * * * *", 1774745400, w, N(w));
    }
    /* the minute before the gap is an ordinary minute */
    {
        const long long w[] = { 1774745940, 1774746000 };

        next_n("Europe/Berlin", "* * * * *", 1774745940 - 60, w, N(w));
    }

    /* fall back 2026-10-25 03:00 CEST -> 02:00 CET: 02:30 twice, fires
     * once, at the first (CEST) one */
    {
        const long long w[] = { 1792888200, 1792978200 };

        next_n("Europe/Berlin", "30 2 * * *", 1792879200, w, N(w));
    }
    /* from inside the repeated hour, either pass: next day */
    {
        const long long w[] = { 1792978200 };

        next_n("Europe/Berlin", "30 2 * * *", 1792888200, w, N(w));
        next_n("Europe/Berlin", "30 2 * * *", 1792890600, w, N(w));
    }
    /* hourly: 02:00 CEST, then 03:00 CET two hours later */
    {
        const long long w[] = { 1792886400, 1792893600 };

        next_n("Europe/Berlin", "0 * * * *", 1792884600, w, N(w));
    }
    /* every 15 minutes: after 02:45 CEST the clock shows 02:00-02:45
     * again; those wall times have fired, so 03:00 CET is next */
    {
        const long long w[] = { 1792893600 };

        next_n("Europe/Berlin", "*/15 * * * *", 1792889100, w, N(w));
    }
    /* every minute from 02:10 CET (second pass): 02:11-02:59 fired in
     * the first pass, so 03:00 CET */
    {
        const long long w[] = { 1792893600, 1792893660 };

        next_n("Europe/Berlin", "* * * * *", 1792890600, w, N(w));
    }

    /* America/New_York: 2026-03-08 02:30 is skipped -> 03:00 EDT */
    {
        const long long w[] = { 1772868600, 1772953200, 1773037800 };

        next_n("America/New_York", "30 2 * * *", 1772800000, w, N(w));
    }
    /* 2026-11-01 01:30 occurs twice: the EDT one only */
    {
        const long long w[] = { 1793511000, 1793601000 };

        next_n("America/New_York", "30 1 * * *", 1793505600, w, N(w));
    }
    {
        const long long w[] = { 1793601000 };

        /* from 01:10 EST, after the EDT 01:30 fired */
        next_n("America/New_York", "30 1 * * *", 1793514600 - 1200, w,
               N(w));
    }
}

static void test_never(void)
{
    const long long tue_0800 = 1764057600;

    never("UTC", "0 0 30 2 *", tue_0800);
    never("UTC", "0 0 31 apr,jun,sep,nov *", tue_0800);
    never("Europe/Berlin", "0 0 30 feb *", tue_0800);
    /* localtime cannot express the start point */
    {
        sched_expr e;
        time_t nt = 7;
        char why[64];
        int at;

        zone("UTC");
        ok(SCHED_Parse("* * * * *", &e, why, sizeof(why), &at) == 0 &&
           SCHED_Next(&e, (time_t)INT64_MAX, &nt) == -1 && nt == 7,
           "a time beyond localtime's range gives -1");
    }
}

/* Many yearly look-ups must not scan minute by minute (no timing
 * assertion: the values must be right, and it must not hang). */
static void test_speed(void)
{
    const char *tzs[] = { "UTC", "Europe/Berlin" };
    int z;

    for (z = 0; z < N(tzs); z++) {
        sched_expr e;
        time_t t = 1764057600, nt = 0;
        char why[64];
        int at, i, fails = 0, wrong = 0;
        clock_t c0;

        zone(tzs[z]);
        ok(SCHED_Parse("@yearly", &e, why, sizeof(why), &at) == 0,
           "@yearly parses");
        c0 = clock();
        for (i = 0; i < 1000; i++) {
            struct tm tm;

            if (SCHED_Next(&e, t, &nt)) {
                fails++;
                break;
            }
            localtime_r(&nt, &tm);
            if (tm.tm_year + 1900 != 2026 + i || tm.tm_mon != 0 ||
                tm.tm_mday != 1 || tm.tm_hour || tm.tm_min || tm.tm_sec)
                wrong++;
            t = nt;
        }
        printf("# 1000 yearly look-ups in %s: %.1f ms\n", tzs[z],
               (double)(clock() - c0) * 1000 / CLOCKS_PER_SEC);
        is_int(fails, 0, "[%s] 1000 yearly fire times found", tzs[z]);
        is_int(wrong, 0, "[%s] each is Jan 1 00:00 of the next year",
               tzs[z]);
        if (z == 0)
            is_int(t, 33292598400LL, "the 1000th is 3025-01-01 00:00 UTC");
    }
}

int main(void)
{
    test_parse();
    test_errors();
    test_next_utc();
    test_next_zones();
    test_never();
    test_speed();
    return done_testing();
}
