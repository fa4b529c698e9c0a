/*
 * camp_run.h - one run of the campaign (test_campaign.c): open a saved
 * simulated host, arm a fault, go to a phase the way `xenshift apply`
 * goes (TRN_Snapshot, PLAN_Make, TRN_Execute with the journal on), and
 * hold the result to the promise (camp_check.h).
 */
#ifndef XENSHIFT_TEST_CAMP_RUN_H
#define XENSHIFT_TEST_CAMP_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "camp_check.h"
#include "recdrv.h"
#include "exec.h"
#include "table.h"

typedef enum {
    F_NONE, F_FAIL, F_VANISH, F_NOMEM, F_BUSY, F_FLOOR, F_IGNORES, F_NR
} fault_kind;

/* "none", "fail", ... */
const char *CRUN_FaultName(fault_kind k);

typedef struct fault {
    fault_kind kind;
    char op[24];
    char dom[HV_NAME_MAX];      /* "" for an op without a domain */
    unsigned nth;
    uint64_t floor_kib;         /* F_FLOOR */
} fault;

/* A memory step of the plan (where floor and ignores are aimed). */
typedef struct balloon {
    char dom[HV_NAME_MAX];
    uint64_t from_kib, to_kib;
} balloon;

typedef struct run_out {
    bool refused, reached;
    bool saved;                 /* reached, and the host saved */
    char cause[1100];
    bool fired;                 /* the injected fault fired */
    cchk_verdict v;
    recdrv_call *calls;         /* kept when asked */
    size_t nr_calls;
    balloon *balloons;          /* the plan's memory steps, when asked */
    size_t nr_balloons;
} run_out;

void CRUN_OutDispose(run_out *o);

/*
 * "The host is in phase": the predicate `xenshift status`, apply, the
 * daemon and the OCF agent use (REACH_Phase); why says what is left
 * otherwise.
 */
bool CRUN_PhaseReached(hv *h, const tbl_table *t, const char *phase,
                       char *why, size_t len);

/*
 * Open state, arm f, run the transition to phase `to` with eo and judge
 * it into o.  keep: keep the calls and balloon steps; save: write the
 * host after a reached run there.
 */
void CRUN_One(const char *state, const tbl_table *t, const char *to,
              const fault *f, const exec_opts *eo, bool keep,
              const char *save, run_out *o);

#endif
