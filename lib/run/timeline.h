/*
 * timeline.h - a transition as a picture (SVG), from the executor's
 * events.
 *
 * The recorder (TL_Init, TL_OnEvent) keeps what the events say and does
 * no I/O: memory of every domain of the plan over time (PROGRESS of its
 * memory steps, and each step's from/to), the host's free memory where
 * an event knew it, each step as a bar from its start to its end,
 * capacity and placement, and the rollback with its undo steps.  It
 * forwards every event to the callback it was given, so it sits in
 * front of the progress lines without changing them.
 *
 * The writer (TL_WriteSvg) draws that in three panels sharing one time
 * axis: memory per domain, free memory against the reserve, the steps.
 */
#ifndef XENSHIFT_TIMELINE_H
#define XENSHIFT_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "err.h"
#include "exec.h"
#include "plan.h"
#include "transition.h"

typedef struct tl_point {
    uint64_t ms;
    uint64_t kib;
    bool rolling_back;          /* reached while undoing: drawn dashed */
} tl_point;

typedef struct tl_series {
    char domain[HV_NAME_MAX];
    tl_point *pts;
    size_t nr, cap;
} tl_series;

typedef struct tl_bar {
    char label[256];            /* PLAN_DescribeAction, or the undo step */
    char domain[HV_NAME_MAX];   /* "" for a cpupool undo step */
    const char *kind;           /* PLAN_ActName, or "undo" */
    const plan_action *act;     /* forward steps: to find its end */
    uint64_t start_ms, end_ms;
    bool undo;
    bool ended;                 /* its end event came */
    bool cut;                   /* cut short: the way back or the end came */
    bool failed;
    char why[256];              /* failed: the event's message */
} tl_bar;

typedef struct tl_mark {
    uint64_t ms;
    const char *what;           /* "capacity", "placement" */
} tl_mark;

typedef struct tl_timeline {
    char phase[HV_NAME_MAX];
    uint64_t reserve_kib;
    tl_series *series;          /* one per running domain of the plan */
    size_t nr_series;
    tl_point *free;             /* known readings of the host's free memory */
    size_t nr_free, cap_free;
    tl_bar *bars;
    size_t nr_bars, cap_bars;
    tl_mark marks[2];
    size_t nr_marks;
    bool rollback_seen;
    uint64_t rollback_begin_ms, rollback_end_ms;
    bool rollback_ended;
    char rollback_result[64];   /* ROLLBACK_DONE's message */
    bool done;
    char done_msg[256];         /* DONE's message: "done" or the cause */
    uint64_t end_ms;            /* the last event's time */
    char outcome[512];          /* the title's second half */
    bool failed;                /* a step failed, or the run did */
    bool nomem;                 /* an allocation failed: picture partial */
    /* The host as recorded (RECORDED): memory to draw the way back to. */
    const rec_record *record;
    exec_progress_fn *next;
    void *next_ctx;
} tl_timeline;

/*
 * p must outlive the recording (the events point into it).  Every event
 * goes on to next(next_ctx, ev) (next may be NULL).  Returns -1 when
 * out of memory.
 */
int TL_Init(tl_timeline *tl, const plan *p, exec_progress_fn *next,
            void *next_ctx);
void TL_Dispose(tl_timeline *tl);
/* The progress callback: ctx is the tl_timeline. */
exec_progress_fn TL_OnEvent;
/*
 * The title's outcome ("not applied: vetoed by ..."); without it
 * the events say (done, failed, rolled back).
 */
void TL_SetOutcome(tl_timeline *tl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*
 * The outcome of a transition that ran no step (vetoed, or failed before
 * the executor): the events cannot say it.  Otherwise nothing.
 */
void TL_SetResult(tl_timeline *tl, const trn_result *res,
                  const exec_report *rep);
/* The picture.  Returns -1 when f reports an error. */
int TL_WriteSvg(const tl_timeline *tl, FILE *f);
/*
 * The picture into path, whole or not at all: written beside it and
 * renamed.  Returns -1 with err set.
 */
int TL_SaveSvg(const tl_timeline *tl, const char *path, xs_err *err);

/* --- a directory of timelines (timeline_dir.c) --- */

/* xenshiftd's, and where xenshift show looks (see xenshiftd(8)). */
#define TL_DEFAULT_DIR "/var/lib/xenshift/timelines"
#define TL_DEFAULT_KEEP 10

typedef struct tl_entry {
    char id[128];               /* the file's name without ".svg" */
    time_t mtime;
} tl_entry;

/* The timelines (*.svg) of dir, oldest first; *out is the caller's. */
int TL_ListDir(const char *dir, tl_entry **out, size_t *nr, xs_err *err);
/* Remove all but the keep newest. */
int TL_Prune(const char *dir, size_t keep, xs_err *err);
/*
 * Save tl as dir/ID.svg (path gets it), the directory made when
 * missing, then prune dir to the keep newest.
 */
int TL_SaveInDir(const tl_timeline *tl, const char *dir, const char *id,
                 size_t keep, char *path, size_t len, xs_err *err);
/* A timeline's title, unescaped, without "xenshift: ": "PHASE: OUTCOME". */
int TL_ReadTitle(const char *path, char *buf, size_t len, xs_err *err);

#endif
