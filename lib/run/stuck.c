/*
 * stuck.c - when a step that should make progress has stopped.
 *
 * Choices made here:
 *  - Only an interval with a look that saw no progress in it is learned:
 *    when every look shows progress, the interval is how often we look
 *    (0.1 s, or 0.65 s on a loaded bed), not how the balloon moves, and
 *    the floor applies.
 *  - The interval learned is the longest, not an average: a balloon
 *    that once paused for a second (Linux backs off for 1 s, then 2 s,
 *    ... when it cannot get pages) may do so again, and calling it
 *    stuck then would undo a good transition.
 *  - The wait before the first progress does not count unless the
 *    rule says so (start_is_pace): for a balloon it is the guest
 *    noticing its new target, not the rate it moves at.
 *  - With a single progress reading there is no interval yet: the floor
 *    applies (a balloon's).
 */
#include <stdio.h>
#include <string.h>

#include "stuck.h"

void STUCK_Init(stuck_watch *w, const stuck_rule *rule, uint64_t now_ms)
{
    memset(w, 0, sizeof(*w));
    w->rule = *rule;
    w->start_ms = now_ms;
    w->last_ms = now_ms;
}

void STUCK_Progress(stuck_watch *w, uint64_t now_ms, uint64_t amount)
{
    if (now_ms < w->last_ms)
        now_ms = w->last_ms;
    if ((w->nr_progress || w->rule.start_is_pace) && w->quiet_looks &&
        now_ms - w->last_ms > w->longest_gap_ms)
        w->longest_gap_ms = now_ms - w->last_ms;
    w->last_ms = now_ms;
    w->quiet_looks = 0;
    w->amount += amount;
    w->nr_progress++;
}

uint64_t STUCK_LimitMs(const stuck_watch *w)
{
    uint64_t limit;

    if (!w->rule.ceiling_ms)
        return 0;
    if (!w->nr_progress)
        return w->rule.ceiling_ms;
    limit = w->longest_gap_ms * w->rule.factor;
    if (limit < w->rule.floor_ms)
        limit = w->rule.floor_ms;
    /* no floor and nothing learned (or no factor): the fixed rule */
    if (!limit || limit > w->rule.ceiling_ms)
        limit = w->rule.ceiling_ms;
    return limit;
}

uint64_t STUCK_QuietMs(const stuck_watch *w, uint64_t now_ms)
{
    return now_ms > w->last_ms ? now_ms - w->last_ms : 0;
}

bool STUCK_Check(stuck_watch *w, uint64_t now_ms)
{
    uint64_t limit = STUCK_LimitMs(w);

    if (now_ms > w->last_ms)
        w->quiet_looks++;       /* this look saw no progress */
    return limit && STUCK_QuietMs(w, now_ms) >= limit;
}

void STUCK_Describe(const stuck_watch *w, uint64_t now_ms,
                    const char *moved, char *buf, size_t len)
{
    double quiet = STUCK_QuietMs(w, now_ms) / 1000.0;
    double active = (w->last_ms - w->start_ms) / 1000.0;

    if (!w->nr_progress)
        snprintf(buf, len, "no progress for %.1f s (none since it was "
                 "asked)", quiet);
    else if (w->longest_gap_ms)
        snprintf(buf, len, "no progress for %.1f s (before that: %s in "
                 "%.1f s, pauses up to %.1f s)", quiet, moved, active,
                 w->longest_gap_ms / 1000.0);
    else if (w->nr_progress > 1)
        snprintf(buf, len, "no progress for %.1f s (before that: %s in "
                 "%.1f s, moving at every look)", quiet, moved, active);
    else
        snprintf(buf, len, "no progress for %.1f s (before that: %s in "
                 "%.1f s)", quiet, moved, active);
}
