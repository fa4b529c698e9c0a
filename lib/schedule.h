/*
 * schedule.h - cron-style time-of-day triggers (the patent's claim 4).
 *
 * Five fields: minute hour day-of-month month day-of-week, with lists,
 * ranges, steps, month and day names, and @hourly @daily @midnight
 * @weekly @monthly @yearly @annually.  As in cron, when both
 * day-of-month and day-of-week are restricted, a day matching either
 * one fires.  Times are local (TZ honoured); around DST changes the
 * rule is cronie's: a wall-clock time skipped by a spring-forward fires
 * once at the first valid time after the gap, a wall-clock time that
 * occurs twice (fall-back) fires once, at its first occurrence.
 */
#ifndef XENSHIFT_SCHEDULE_H
#define XENSHIFT_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct sched_expr {
    uint64_t minutes;           /* bit m: minute m (0-59) */
    uint32_t hours;             /* bit h (0-23) */
    uint32_t mdays;             /* bit d (1-31) */
    uint16_t months;            /* bit m (1-12) */
    uint8_t wdays;              /* bit d (0-6, Sunday = 0) */
    bool mday_star;             /* field was "*" (unrestricted) */
    bool wday_star;
} sched_expr;

/*
 * Parse an expression.  On error returns -1, with a message in why and
 * the 0-based offset of the offending character in *bad_at.
 */
int SCHED_Parse(const char *text, sched_expr *out, char *why, size_t whylen,
                int *bad_at);

/*
 * The first fire time strictly after 'after', in the process's local
 * time zone.  Returns 0, or -1 when the expression never fires (e.g.
 * "0 0 31 2 *") within the next 8 years.
 */
int SCHED_Next(const sched_expr *e, time_t after, time_t *next);

#endif
