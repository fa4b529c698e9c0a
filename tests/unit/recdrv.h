/*
 * recdrv.h - a recording hv driver around the simulated host, for the
 * fault tests (test_campaign.c through camp_run.c, test_faults.c): it
 * keeps every call a transition makes so that a later run on the same
 * host can be failed at exactly that call (the sim is deterministic;
 * HVSIM_AddFault(op, domain, nth) with nth counted per op and domain as
 * RECDRV_Nth counts it).
 */
#ifndef XENSHIFT_TEST_RECDRV_H
#define XENSHIFT_TEST_RECDRV_H

#include <stdbool.h>
#include <stddef.h>

#include "exec.h"
#include "hv.h"

typedef struct recdrv_call {
    char op[24];
    char dom[HV_NAME_MAX];      /* "" when the op names no domain */
    bool change;                /* the op changes the host or xenstore */
    bool rb;                    /* made while rolling back */
    int tag;                    /* the tag hook's answer, -1 without one */
    int rc;
} recdrv_call;

/* Optional: what a test wants to know beyond the calls themselves. */
typedef struct recdrv_hooks {
    /* A call is being logged: its tag (test_faults: the step it is in). */
    int (*tag)(void *ctx, bool has_dom, uint32_t domid);
    /* The caller is about to sleep, i.e. it polls. */
    void (*sleeping)(void *ctx);
    void *ctx;
} recdrv_hooks;

typedef struct recdrv {
    hv base;                    /* first: the handle hv.c sees */
    hv *in;                     /* the sim, closed with the recorder */
    hv_domain *names;           /* domid -> name, as before the run */
    size_t nr_names;
    recdrv_hooks hooks;         /* all NULL unless the test sets them */
    bool rb;
    recdrv_call *calls;
    size_t nr_calls, cap_calls;
    /* Set by the test: XSP_PHASE is read when capacity is announced. */
    bool watch_phase;
    bool capacity_seen;         /* capacity was announced (not in undo) */
    char phase_at_capacity[64]; /* XSP_PHASE then ("?" when unreadable) */
    bool fired;                 /* a call failed with an injected fault */
    recdrv_call fire;
    char fire_msg[sizeof(((xs_err *)0)->msg)];  /* the sim's message */
} recdrv;

/*
 * Wrap in (owned from now on); names: the domains before the run (the
 * first entry with a domid names it; a domid in none is "?").
 */
recdrv *RECDRV_Wrap(hv *in, const hv_domain *names, size_t nr_names);
/*
 * An exec_progress_fn (ctx: the recdrv) that notes the way back, and
 * with watch_phase what XSP_PHASE says at capacity; the caller sets rb
 * itself once the transition returned.
 */
void RECDRV_OnEvent(void *ctx, const exec_event *ev);
/* Whether the sim can fail op (sim_faults.c's fault_ops). */
bool RECDRV_Faultable(const char *op);
/* Which call of its op (for its domain, when it names one) ix is. */
unsigned RECDRV_Nth(const recdrv_call *calls, size_t ix);

#endif
