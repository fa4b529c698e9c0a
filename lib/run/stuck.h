/*
 * stuck.h - when a step that should make progress has stopped.
 *
 * A step (a balloon, a vCPU change, a relocation cycle's turn) is
 * watched from the moment it was asked.  At every look at the host the
 * caller reports any progress (STUCK_Progress), then asks
 * (STUCK_Check).  The watch learns the longest interval between two
 * looks that showed progress with a look that showed none in between,
 * and calls the step stuck once it has been quiet for factor times
 * that interval, never sooner than floor_ms and never later than
 * ceiling_ms.  Before the first progress the ceiling applies:
 * a guest may take a moment to start.  A ceiling of 0 never calls a
 * step stuck; a floor of 0 with nothing learned (or a factor of 0)
 * leaves the ceiling alone: the fixed rule.  Time is whatever clock the caller reads (HV_NowMs).
 */
#ifndef XENSHIFT_STUCK_H
#define XENSHIFT_STUCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct stuck_rule {
    unsigned floor_ms;          /* quiet at least this long once moving */
    unsigned ceiling_ms;        /* at most this long; 0: never stuck */
    unsigned factor;            /* times the longest interval it showed */
    /*
     * The wait for the first progress is an interval like the others:
     * for vCPUs, each of which the guest brings up the same way (and
     * may bring up one per pass of a slow loop).  A balloon's first
     * wait is the guest noticing its target, not its pace.
     */
    bool start_is_pace;
} stuck_rule;

typedef struct stuck_watch {
    stuck_rule rule;
    uint64_t start_ms;          /* when the step was asked */
    uint64_t last_ms;           /* the last progress, or start_ms */
    uint64_t longest_gap_ms;    /* between two progress readings */
    uint64_t amount;            /* progress in all, in the caller's unit */
    unsigned nr_progress;       /* looks that showed progress */
    unsigned quiet_looks;       /* looks without it since the last one */
} stuck_watch;

void STUCK_Init(stuck_watch *w, const stuck_rule *rule, uint64_t now_ms);
/* The look at now_ms showed amount (> 0) of progress. */
void STUCK_Progress(stuck_watch *w, uint64_t now_ms, uint64_t amount);
/* How long the step may stay quiet now; 0 means forever. */
uint64_t STUCK_LimitMs(const stuck_watch *w);
/* Time since the last progress (or since the step was asked). */
uint64_t STUCK_QuietMs(const stuck_watch *w, uint64_t now_ms);
/* Once per look, after its STUCK_Progress if any: stuck now? */
bool STUCK_Check(stuck_watch *w, uint64_t now_ms);
/*
 * Why it is stuck, for a failure message: "no progress for 1.5 s
 * (before that: <moved> in 0.9 s, pauses up to 0.5 s)", or "moving at
 * every look" when it never paused between two looks.
 * moved is the caller's text for w->amount ("212 MiB").
 */
void STUCK_Describe(const stuck_watch *w, uint64_t now_ms,
                    const char *moved, char *buf, size_t len);

#endif
