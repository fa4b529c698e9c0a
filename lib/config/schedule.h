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
 *
 * Precisely, as implemented and compared with cronie 1.7.2's source:
 *
 * - Syntax as crontab(5): day-of-week 0-7 (0 and 7 are Sunday), names
 *   jan-dec and sun-sat in any case, ranges of names ("mon-fri"), and
 *   cronie's "fri-sun" / "5-0" (a day-of-week range ending at Sunday).
 *   Additions: "a/n" means "a-<field max>/n" (cronie refuses it), and a
 *   step larger than the field's maximum (a minute step of 90) is an
 *   error (cronie warns and fires once).  @reboot is refused: it has no
 *   meaning for a phase trigger.
 * - Days: cronie tests the first character of the field, not its
 *   meaning.  If day-of-month or day-of-week starts with '*', a day must
 *   match both fields: a plain '*' leaves the other field alone, and a
 *   day-of-week of '*' with step 2 after "0 0 13 *" fires on a 13th
 *   that falls on Sun/Tue/Thu/Sat, not on every such day;
 *   otherwise a day matching either field fires ("0 0 13 * 5": every
 *   13th and every Friday).
 * - DST, for every expression: a wall time W fires at the first instant
 *   whose local clock reads W or later.  So "30 2 * * *" in
 *   Europe/Berlin fires at 03:00 CEST on the last Sunday of March (as
 *   cronie, which runs the skipped fixed-time jobs at the first minute
 *   after the jump), and at 02:30 CEST, not again at 02:30 CET, on the
 *   last Sunday of October.  Several times in one gap fire once.
 *   cronie differs for entries whose minute or hour field starts with
 *   '*' ("wildcard" jobs, e.g. "30 * * * *" or a minute step on '*'): it
 *   drops their skipped times instead of firing at the end of the gap,
 *   and runs them again during the repeated hour.  Here such an
 *   expression fires at most once per wall-clock time, like any other.
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
    bool mday_star;             /* field starts with '*' (cron's rule, */
    bool wday_star;             /* see above) */
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
