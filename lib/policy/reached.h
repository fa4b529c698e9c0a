/*
 * reached.h - whether the host is in a phase: the one predicate that
 * apply, status, xenshiftd and (through status -j and xenstore) the OCF
 * agent all use.
 *
 * A phase is reached when every running domain it names has, as the
 * planner would leave it, its memory (balloon target at the phase's
 * size, page count within the executor's tolerance), its vCPUs online,
 * and its CPUs (its own xenshift cpupool with the pCPUs asked, or
 * Pool-0 and the shared pinning).  In plan terms: the plan to the
 * phase holds no step but memory relocations.
 *
 * A "node" is a soft goal: where the memory lies is placement, not
 * allocation.  A domain with less than PLAN_NODE_GOAL_PCT of its
 * memory on its node is listed as a shortfall, and the phase still
 * counts as reached (xenshift.json(5), "node"); `xenshift mem-move`
 * is the explicit way to move the rest.
 */
#ifndef XENSHIFT_REACHED_H
#define XENSHIFT_REACHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "hv.h"
#include "plan.h"
#include "snapshot.h"
#include "table.h"

/* Shortfalls kept per phase; more are only counted (nr_more). */
#define REACH_MAX_SHORTFALLS 16

/* A running domain whose node goal is not met (or not known to be). */
typedef struct reach_shortfall {
    char domain[HV_NAME_MAX];
    int node;
    bool known;                 /* false: where its memory lies is unknown */
    unsigned on_node_pct;       /* known: share of its memory on node */
    unsigned goal_pct;
    uint64_t off_node_kib;      /* known: memory on other nodes */
} reach_shortfall;

typedef struct reach_result {
    bool checked;               /* filled by REACH_Phase (or TRN_Execute
                                   when the host could not be read) */
    bool reached;
    char why[1024];             /* not reached: the first difference */
    reach_shortfall shortfalls[REACH_MAX_SHORTFALLS];
    size_t nr_shortfalls;
    size_t nr_more;             /* shortfalls beyond the array */
} reach_result;

/*
 * Whether snap is in phase of t; r says why not, and lists the node
 * shortfalls either way.  Returns r->reached.
 */
bool REACH_Phase(const xs_snapshot *snap, const tbl_table *t,
                 const char *phase, reach_result *r);

/*
 * The plan for a host that is in phase (REACH_Phase): the planner's
 * rows and notes, no step, the note "already in phase ..." and one note
 * per node shortfall.  Placement is not improved here: that is
 * `xenshift mem-move`'s job.  Refused when the host is not in phase.
 */
int REACH_PlanInPhase(const xs_snapshot *snap, const tbl_table *t,
                      const char *phase, plan *out, xs_err *err);

/*
 * "vm1: 87% of its memory on node 1 (goal 95%), 64 MiB elsewhere", or
 * "vm1: where its memory lies is not known (goal 95% on node 1)".
 */
const char *REACH_DescribeShortfall(const reach_shortfall *s, char *buf,
                                    size_t len);
/* All shortfalls of r, "; "-separated ("" when none). */
const char *REACH_DescribeShortfalls(const reach_result *r, char *buf,
                                     size_t len);

#endif
