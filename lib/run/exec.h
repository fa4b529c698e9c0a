/*
 * exec.h - the executor: runs a plan through hv.h and checks each step
 * on the host.
 *
 * A step is done when it is true on the host (memory within the
 * tolerance of the target, vCPUs online, pool and affinity as asked),
 * not when it was requested.  A balloon that stops making progress is
 * stuck after a quiet spell that adapts to the rate it showed (at most
 * stuck_ms); every stage has a time limit.  On failure the
 * whole transition is rolled back to where it started (all-or-nothing)
 * and the report says what happened to each domain.
 */
#ifndef XENSHIFT_EXEC_H
#define XENSHIFT_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "hv.h"
#include "plan.h"
#include "record.h"

typedef struct exec_opts {
    unsigned poll_ms;           /* how often to look at the guests */
    /*
     * A step that shows no progress is stuck after factor times the
     * longest interval between its progress readings, at least
     * stuck_floor_ms, at most stuck_ms (and stuck_ms before it moved
     * at all).  stuck_ms 0: never stuck.  See stuck.h.
     */
    unsigned stuck_ms;
    unsigned stuck_floor_ms;
    unsigned stuck_factor;
    unsigned stage_timeout_ms;  /* a whole stage's limit */
    uint64_t tolerance_kib;     /* "at target" when this close */
    bool rollback;              /* undo everything on failure */
    /*
     * Relocation.  Done when this share (percent) of a domain's memory
     * is on its node, or when it stops improving.  Cooperative moves
     * cycle the balloon at most relocate_cycles times; direct moves
     * retry pages under I/O for relocate_busy_ms, then leave them.
     */
    unsigned relocate_goal_pct;
    unsigned relocate_cycles;
    unsigned relocate_busy_ms;
    /*
     * When set (by a signal handler, say) while the transition runs
     * forward: stop at the next look at the host and roll back, as for
     * a failure.  NULL: never.  The way back is not interrupted.
     */
    const volatile int *cancel;
    /*
     * Called once every step ran, before the run counts as done: the
     * caller's own test that the host is where the plan meant it to be
     * (transition.c: "phase reached" on a new look at the host).
     * Non-zero fails the run with why, and the run is rolled back as
     * for any failure.  NULL: the steps' own checks are the test.
     */
    int (*verify)(void *ctx, xs_err *why);
    void *verify_ctx;
    /*
     * The host as recorded before the first change, for the way back
     * (the caller journalled it).  NULL: the executor records it itself.
     */
    const rec_record *record;
} exec_opts;

void EXEC_DefaultOpts(exec_opts *o);

typedef enum {
    EXEC_EV_RECORDED,           /* record: the host, before any change */
    EXEC_EV_STAGE_BEGIN,
    EXEC_EV_ACTION_BEGIN,       /* while rolling back: act NULL, see msg */
    EXEC_EV_PROGRESS,           /* memory moving: now_kib */
    EXEC_EV_ACTION_DONE,
    EXEC_EV_ACTION_FAILED,      /* msg says why */
    EXEC_EV_ROLLBACK_BEGIN,
    EXEC_EV_ROLLBACK_DONE,
    EXEC_EV_DONE,
    /*
     * Capacity: every domain has its memory, vCPUs and pCPUs (all but
     * the relocations ran).  Placement: the node goals are met too (the
     * relocations ran).  Each once, forward only; placement follows
     * capacity, at the same moment when nothing is relocated.
     */
    EXEC_EV_CAPACITY,
    EXEC_EV_PLACEMENT,
} exec_ev_kind;

typedef struct exec_event {
    exec_ev_kind kind;
    bool rolling_back;          /* events of the undo plan */
    const plan_stage *stage;    /* STAGE_BEGIN and action events */
    const plan_action *act;     /* action events */
    uint64_t now_kib;           /* PROGRESS */
    /* The host's free memory at the executor's last look; 0: unknown. */
    uint64_t free_kib;
    uint64_t elapsed_ms;        /* since the transition began */
    const char *msg;
    const rec_record *record;   /* RECORDED */
} exec_event;

typedef void exec_progress_fn(void *ctx, const exec_event *ev);

typedef enum {
    EXEC_DOM_UNCHANGED,
    EXEC_DOM_CHANGED,           /* reached its target */
    EXEC_DOM_ROLLED_BACK,       /* changed, then put back */
    EXEC_DOM_FAILED,            /* could not be put right: see msg */
    EXEC_DOM_VANISHED,          /* stopped existing mid-way */
} exec_dom_outcome;

typedef struct exec_dom_report {
    char domain[HV_NAME_MAX];
    exec_dom_outcome outcome;
    uint64_t mem_kib;           /* as seen at the end */
    unsigned vcpus;
    char msg[256];
    /* When the plan relocated its memory: how that went. */
    bool relocated;
    int node;
    plan_move_how how;
    uint64_t off_node_kib;      /* still elsewhere at the end */
    uint64_t moved_pages;       /* direct: pages copied by Xen */
    uint64_t busy_pages;        /* direct: left, under I/O at the end */
    uint64_t busy_refusals;     /* direct: times the guard said EBUSY */
    uint64_t longest_pause_us;  /* direct: longest the guest was paused */
    unsigned cycles;            /* cooperative: balloon cycles done */
} exec_dom_report;

typedef struct exec_report {
    bool ok;                    /* the plan's phase was reached */
    bool rolled_back;           /* every field is back as recorded */
    /* After a rollback: the fields that are not as recorded. */
    rec_diff *diffs;
    size_t nr_diffs;
    xs_err cause;               /* the first failure, when !ok */
    uint64_t elapsed_ms;
    /*
     * Since the transition began: when every domain had its memory,
     * vCPUs and pCPUs, and when the node goals were met too.  0 with
     * reached_* false: not reached (a failure came first).
     */
    bool capacity_reached, placement_reached;
    uint64_t capacity_ms, placement_ms;
    /* Per plan_stage_kind: from its first action's start to its last
     * action's end (stages overlap). */
    uint64_t stage_ms[PLAN_NR_STAGES];
    exec_dom_report *doms;
    size_t nr_doms;
} exec_report;

void EXEC_ReportInit(exec_report *r);
void EXEC_ReportDispose(exec_report *r);

/*
 * Run p on h.  snap is the snapshot p was made from (what rollback
 * restores).  Returns 0 when the phase was reached, -1 otherwise (report
 * filled either way).
 */
int EXEC_Run(hv *h, const xs_snapshot *snap, const plan *p,
             const exec_opts *o, exec_progress_fn *progress, void *ctx,
             exec_report *report);

/*
 * Record the host before p's first change (record.h): every domain and
 * cpupool, the memory and vCPUs of p's running domains.
 */
int EXEC_Record(hv *h, const plan *p, rec_record *r, xs_err *err);

const char *EXEC_OutcomeName(exec_dom_outcome o);
/* The report's entry for domain, or NULL. */
const exec_dom_report *EXEC_ReportFind(const exec_report *r,
                                       const char *domain);

#endif
