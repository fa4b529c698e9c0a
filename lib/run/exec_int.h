/*
 * exec_int.h - what the executor's files share (exec.c runs the graph,
 * exec_step.c starts and checks memory and vCPU steps, exec_cpus.c the
 * pCPU steps, exec_move.c the relocations).  Not for other modules.
 */
#ifndef XENSHIFT_EXEC_INT_H
#define XENSHIFT_EXEC_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "exec.h"
#include "stuck.h"
#include "units.h"

/*
 * Pages moved per look at a relocation (64 MiB): Xen pauses the guest
 * per batch of at most 4096 inside it, and the guest runs in between.
 */
#define EXEC_MOVE_PAGES 16384

typedef struct name_ix {
    const char *name;
    size_t i;
} name_ix;

/* What happened to one plan row's domain. */
typedef struct dom_state {
    bool touched;               /* the forward plan started an action */
    bool vanished;
    bool failed;                /* could not be put right */
    bool had_failure;           /* an action of the forward run failed */
    char msg[256];
    bool relocated;
    int node;
    plan_move_how how;
    uint64_t off_node_kib;
    uint64_t moved_pages, busy_pages, busy_refusals, longest_pause_us;
    unsigned cycles;
} dom_state;

typedef struct run_ctx {
    hv *h;
    const exec_opts *o;
    exec_progress_fn *progress;
    void *pctx;
    uint64_t t0;
    bool rolling_back;
    unsigned nr_cpus;
    xs_cpumap online;
    const plan *p;              /* the forward plan: rows */
    const rec_record *rec;      /* the host before the first change */
    rec_record own_rec;         /* when the caller gave none */
    dom_state *ds;
    name_ix *ix;                /* rows by name */
    uint64_t free_kib;          /* the host's free memory, last look */
    bool failed;
    xs_err cause;
} run_ctx;

typedef enum {
    ACT_WAITING,                /* its preconditions do not hold yet */
    ACT_RUNNING,
    ACT_DONE,
    ACT_FAILED,
} act_phase;

/* One action of the graph while the transition runs. */
typedef struct act_run {
    const plan_action *a;
    const plan_stage *st;       /* its group, for events */
    act_phase phase;
    bool pending;               /* started, not yet true on the host */
    uint64_t started_ms, ended_ms;
    uint64_t limit_from_ms;     /* its time limit runs from here */
    bool shrink;
    uint64_t granted_kib;       /* grow: the target set so far */
    uint64_t last_mem;
    uint64_t best_dist;
    uint64_t pace_ms;           /* the first look that saw it move */
    uint64_t pace_away_kib;     /* how far from its target it was then */
    unsigned last_vcpus;
    stuck_watch watch;          /* is it still moving? (stuck.h) */
    /* RELOCATE */
    bool cycle_up;              /* cooperative: balloon on its way back */
    uint64_t home_kib;          /* cooperative: the target to return to */
    uint64_t low_kib;           /* cooperative: this cycle's low point */
    unsigned cycles, no_gain;
    uint64_t busy_since_ms;     /* direct: only busy pages left since */
    uint64_t last_try_ms;       /* direct: the last pass over its pages */
    char done_msg[256];         /* what the "done" event says, if set */
} act_run;

static inline const char *size_str(uint64_t kib, char *buf, size_t len)
{
    return UNITS_FormatSize(kib, buf, len);
}

/* Copy, cutting to fit (messages may be longer than a report line). */
static inline void copy_str(char *dst, size_t len, const char *src)
{
    size_t n = strnlen(src, len - 1);

    memcpy(dst, src, n);
    dst[n] = '\0';
}

static inline uint64_t dist(uint64_t a, uint64_t b)
{
    return a > b ? a - b : b - a;
}

static inline void map_and(xs_cpumap *dst, const xs_cpumap *src)
{
    size_t i;

    for (i = 0; i < HV_MAX_CPUS / 64; i++)
        dst->bits[i] &= src->bits[i];
}

/* exec_step.c */
void exec_index_rows(run_ctx *c);      /* c->ix from c->p's rows */
dom_state *exec_dom_of(run_ctx *c, const char *name);
uint64_t exec_elapsed(run_ctx *c);
void exec_emit(run_ctx *c, exec_ev_kind kind, const plan_stage *st,
               const plan_action *a, uint64_t now_kib, const char *msg);
const char *exec_hv_why(run_ctx *c);
/*
 * An action failed: remember the first cause, tell the callback, mark
 * its domain.  rc is the hv code when the failure came from a call.
 */
void exec_act_failed(run_ctx *c, const plan_stage *st, const plan_action *a,
                     int rc, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Put the recorded host back (exec_back.c); rep says how it went. */
void exec_rollback(run_ctx *c, exec_report *rep);
int exec_get_dom(run_ctx *c, const plan_stage *st, const plan_action *a,
                 hv_domain *d);
/* The same for a pCPU step's check: HV_GetCpus, without xenstore. */
int exec_get_cpus(run_ctx *c, const plan_stage *st, const plan_action *a,
                  hv_dom_cpus *d);
void exec_watch_start(run_ctx *c, act_run *r, uint64_t now);
void exec_mem_progress(act_run *r, uint64_t away, uint64_t now);
void exec_describe_stuck(const act_run *r, uint64_t now, bool kib,
                         char *buf, size_t len);
/* Start r's action (grows: to r->granted_kib); 0 or an hv code. */
int exec_start(run_ctx *c, act_run *r);
/* Look at a started action once; 0 or an hv code (failed). */
int exec_check(run_ctx *c, act_run *r, uint64_t now);
/* A grow given more of its target: 0 or an hv code (failed). */
int exec_grant(run_ctx *c, act_run *r, uint64_t kib);

/* exec_cpus.c: synchronous, done when they return 0 */
int exec_pool_enter(run_ctx *c, const plan_stage *st, const plan_action *a);
int exec_pool_leave(run_ctx *c, const plan_stage *st, const plan_action *a);
int exec_pin(run_ctx *c, const plan_stage *st, const plan_action *a);

/* exec_move.c */
int exec_relocate_start(run_ctx *c, const plan_stage *st, act_run *r);
int exec_relocate_check(run_ctx *c, const plan_stage *st, act_run *r,
                        uint64_t now);

#endif
