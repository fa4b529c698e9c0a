/*
 * test_schedule.c - cron expressions and next fire times, DST included.
 * Expected instants were computed independently with Python's zoneinfo.
 */
#include <stdlib.h>
#include <time.h>

#include "schedule.h"
#include "tap.h"

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
    char why[128];
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

static void bad(const char *expr, int want_at, const char *want_why)
{
    sched_expr e;
    char why[128] = "";
    int at = -1;

    ok(SCHED_Parse(expr, &e, why, sizeof(why), &at) != 0, "\"%s\" refused",
       expr);
    is_int(at, want_at, "\"%s\": offset", expr);
    ok(strstr(why, want_why) != NULL, "\"%s\": says '%s' (%s)", expr,
       want_why, why);
}

int main(void)
{
    const long long tue_0800 = 1764057600;     /* 2025-11-25 08:00 UTC */

    {
        const long long w[] = { 1764144000, 1764230400, 1764316800,
                                1764576000 };
        /* Wed, Thu, Fri, then Monday (skips the weekend) */
        next_n("UTC", "0 8 * * 1-5", tue_0800, w, 4);
    }
    {
        const long long w[] = { 1764058500, 1764059400, 1764060300 };

        next_n("UTC", "*/15 * * * *", tue_0800, w, 3);
    }
    {
        const long long w[] = { 1764057660, 1764057840, 1764058020,
                                1764058200, 1764061260 };

        next_n("UTC", "1-10/3 * * * *", tue_0800, w, 5);
    }
    {
        const long long w[] = { 1764061200, 1764064800 };

        next_n("UTC", "@hourly", tue_0800, w, 2);
    }
    {
        /* Feb 29 only in leap years: 2028, then 2032 */
        const long long w[] = { 1835395200, 1961625600 };

        next_n("UTC", "0 0 29 feb *", 1735689600, w, 2);
    }
    {
        /* day-of-month OR day-of-week: Fridays and the 13th */
        const long long w[] = { 1764288000, 1764892800, 1765497600,
                                1765584000 };

        next_n("UTC", "0 0 13 * fri", tue_0800, w, 4);
    }
    {
        /* a step in day-of-week counts as unrestricted (cron's '*' rule):
         * only the 13th fires */
        const long long w[] = { 1765584000 };

        next_n("UTC", "0 0 13 * */2", tue_0800, w, 1);
    }
    {
        const long long w[] = { 1767603600, 1768208400 };

        next_n("UTC", "0 9 * JAN-mar MON", tue_0800, w, 2);
    }
    {
        /* 7 is Sunday as well as 0 */
        const long long w[] = { 1764460800 };

        next_n("UTC", "0 0 * * 7", tue_0800, w, 1);
    }

    /* Europe/Berlin, spring forward 2026-03-29 02:00 -> 03:00:
     * 02:30 does not exist; it fires once, at 03:00 CEST. */
    {
        const long long w[] = { 1774661400, 1774746000, 1774830600 };

        next_n("Europe/Berlin", "30 2 * * *", 1774600000, w, 3);
    }
    /* fall back 2026-10-25 03:00 -> 02:00: 02:30 twice, fires once */
    {
        const long long w[] = { 1792888200, 1792978200 };

        next_n("Europe/Berlin", "30 2 * * *", 1792880000, w, 2);
    }
    /* after the first 02:30 has fired, the repeated 02:30 does not */
    {
        const long long w[] = { 1792978200 };

        next_n("Europe/Berlin", "30 2 * * *", 1792888200, w, 1);
    }
    /* America/New_York: 2026-03-08 02:30 is skipped -> 03:00 EDT */
    {
        const long long w[] = { 1772868600, 1772953200, 1773037800 };

        next_n("America/New_York", "30 2 * * *", 1772800000, w, 3);
    }
    /* 2026-11-01 01:30 occurs twice: first occurrence only */
    {
        const long long w[] = { 1793511000, 1793601000 };

        next_n("America/New_York", "30 1 * * *", 1793507400, w, 2);
    }

    /* an expression that never fires */
    {
        sched_expr e;
        time_t nt;
        char why[64];
        int at;

        zone("UTC");
        ok(SCHED_Parse("0 0 30 2 *", &e, why, sizeof(why), &at) == 0,
           "Feb 30 parses");
        ok(SCHED_Next(&e, tue_0800, &nt) != 0, "Feb 30 never fires");
    }
    /* a yearly expression resolves without scanning minute by minute */
    {
        sched_expr e;
        time_t t = tue_0800, nt = 0;
        char why[64];
        int at, i, fails = 0;

        ok(SCHED_Parse("@yearly", &e, why, sizeof(why), &at) == 0,
           "@yearly parses");
        for (i = 0; i < 1000; i++) {
            if (SCHED_Next(&e, t, &nt)) {
                fails++;
                break;
            }
            t = nt;
        }
        is_int(fails, 0, "1000 yearly fire times found");
        {
            struct tm tm;

            gmtime_r(&t, &tm);
            is_int(tm.tm_year + 1900, 3025, "the 1000th is 3025-01-01");
        }
    }

    bad("60 * * * *", 0, "minute 60 out of range 0-59");
    bad("* 24 * * *", 2, "hour 24 out of range 0-23");
    bad("* * 0 * *", 4, "day of month 0 out of range 1-31");
    bad("* * * *", 7, "expected 5 fields");
    bad("* * * * * *", 10, "got more");
    bad("*/0 * * * *", 2, "step 0 is not allowed");
    bad("5-3 * * * *", 0, "range 5-3 goes backwards");
    bad("* * * jux *", 6, "unknown month name \"jux\"");
    bad("* * * * fry", 8, "unknown day of week name \"fry\"");
    bad("@reboot", 0, "@reboot has no meaning here");
    bad("@often", 0, "unknown macro");
    bad("@daily 5", 7, "nothing may follow");
    bad("1,,2 * * * *", 2, "unexpected character ','");
    bad("1, * * * *", 2, "a value is missing");
    bad("a * * * *", 0, "expected a number");
    bad("*/x * * * *", 2, "a step needs a number");
    return done_testing();
}
