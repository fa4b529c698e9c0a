/*
 * camp_rec.h - a recording hv driver around the simulated host, for the
 * campaign (test_campaign.c): it keeps every call a transition makes so
 * that a later run on the same host can be failed at exactly that call
 * (the sim is deterministic; HVSIM_AddFault(op, domain, nth) with nth
 * counted per op and domain as CREC_Nth counts it).
 */
#ifndef XENSHIFT_TEST_CAMP_REC_H
#define XENSHIFT_TEST_CAMP_REC_H

#include <stdbool.h>
#include <stddef.h>

#include "exec.h"
#include "hv.h"

typedef struct crec_call {
    char op[24];
    char dom[HV_NAME_MAX];      /* "" when the op names no domain */
    bool change;                /* the op changes the host or xenstore */
    bool rb;                    /* made while rolling back */
    int rc;
} crec_call;

typedef struct crec {
    hv base;                    /* first: the handle hv.c sees */
    hv *in;                     /* the sim, closed with the recorder */
    hv_domain *names;           /* domid -> name, as before the run */
    size_t nr_names;
    bool rb;
    crec_call *calls;
    size_t nr_calls, cap_calls;
    bool fired;                 /* a call failed with an injected fault */
    crec_call fire;
} crec;

/* Wrap in (owned from now on); names: the domains before the run. */
crec *CREC_Wrap(hv *in, const hv_domain *names, size_t nr_names);
/*
 * An exec_progress_fn (ctx: the crec) that notes the way back; the
 * caller sets rb itself once the transition returned.
 */
void CREC_OnEvent(void *ctx, const exec_event *ev);
/* Whether the sim can fail op (hv_sim.c's fault ops). */
bool CREC_Faultable(const char *op);
/* Which call of its op (for its domain, when it names one) ix is. */
unsigned CREC_Nth(const crec_call *calls, size_t ix);

#endif
