/*
 * plan.h - the planner: a pure function from (host snapshot, wanted
 * state) to ordered steps, or a refusal that says exactly why.
 *
 * The steps are grouped in stages after the patent's Fig. 7 (shrink
 * donors, relocate, grow recipients, plug vCPUs, cpupools and pinning),
 * but they run by their preconditions (PLAN_GraphMake below): donors
 * shrink while recipients grow into what is free, pCPU changes start at
 * once, memory moves come last.  Never plans a domain below its floor
 * nor the host's free memory below the reserve.
 *
 * Dedicated pCPUs are realised as a cpupool per dedicated domain, named
 * "xenshift-<domain>": a pool is the only way in Xen to keep every other
 * domain (dom0 and domains created later included) off those pCPUs.
 */
#ifndef XENSHIFT_PLAN_H
#define XENSHIFT_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpumap.h"
#include "err.h"
#include "hv.h"
#include "snapshot.h"
#include "table.h"

#define PLAN_POOL_PREFIX "xenshift-"
#define PLAN_POOL0_ID 0

/*
 * How a domain's memory gets to its node.  Direct moves copy pages
 * inside a hypervisor that has xenshift's guard (xen-patches/), PVH and
 * HVM guests only; cooperative moves cycle the balloon with the node
 * affinity set, so the guest hands back free pages and gets new ones on
 * the node (any guest, stock Xen).  AUTO: direct where possible.
 */
typedef enum {
    PLAN_MOVE_AUTO,
    PLAN_MOVE_DIRECT,
    PLAN_MOVE_COOPERATIVE,
} plan_move_how;

/* What one domain should look like; the planner's input. */
typedef struct plan_target {
    char domain[HV_NAME_MAX];
    uint64_t memory_kib;
    uint64_t floor_kib;         /* never below this at any stage */
    int vcpus;                  /* TBL_KEEP or a count */
    bool dedicated;
    xs_cpumap pcpus;            /* dedicated: exactly these (if non-empty) */
    unsigned pcpu_count;        /* dedicated: or this many, planner picks */
    int node;                   /* TBL_KEEP or a NUMA node */
    plan_move_how move_how;     /* how to move memory to node */
    unsigned node_goal_pct;     /* "on node" from this share; 0: default */
} plan_target;

/* A domain is on its node when this share of its memory is there. */
#define PLAN_NODE_GOAL_PCT 95

/* How much of d's memory lies on other nodes than node. */
uint64_t PLAN_OffNode(const hv_domain *d, int node);
/* Whether off (PLAN_OffNode) leaves at least pct percent on the node. */
bool PLAN_NodeGoalMet(const hv_domain *d, uint64_t off, unsigned pct);

typedef enum {
    PLAN_STAGE_SHRINK,
    PLAN_STAGE_RELOCATE,
    PLAN_STAGE_GROW,
    PLAN_STAGE_VCPUS,
    PLAN_STAGE_CPUS,
    PLAN_STAGE_SETTLE,          /* cooperative moves of grown domains */
} plan_stage_kind;

#define PLAN_NR_STAGES 6

typedef enum {
    PLAN_ACT_MEMORY,            /* shrink: target, wait, maxmem;
                                   grow: maxmem, target, wait */
    PLAN_ACT_VCPUS,             /* vCPUs online from -> to */
    PLAN_ACT_RELOCATE,          /* memory to node */
    PLAN_ACT_POOL_LEAVE,        /* move domain back to Pool-0, destroy its
                                   pool, give the pCPUs back to Pool-0 */
    PLAN_ACT_POOL_ENTER,        /* take pCPUs from Pool-0, create the
                                   domain's pool, move the domain in */
    PLAN_ACT_PIN,               /* hard affinity of every vCPU */
} plan_act_kind;

typedef struct plan_action {
    plan_act_kind kind;
    char domain[HV_NAME_MAX];
    uint32_t domid;
    uint64_t from_kib, to_kib;          /* MEMORY */
    unsigned from_vcpus, to_vcpus;      /* VCPUS */
    int node;                           /* RELOCATE: to this node */
    /* RELOCATE: moves other memory off from_node, to make room there */
    bool makes_room;
    int from_node;
    plan_move_how how;                  /* RELOCATE: DIRECT or COOP. */
    uint64_t floor_kib;                 /* RELOCATE: balloon never below */
    /* POOL_*, PIN: one of the plan's pCPU sets (plan.maps); others: an
     * empty set */
    const xs_cpumap *cpus;
    char pool[HV_NAME_MAX];             /* POOL_* */
} plan_action;

typedef struct plan_stage {
    plan_stage_kind kind;
    plan_action *acts;          /* a group of one kind (plan_graph.c) */
    size_t nr_acts;
} plan_stage;

/* One line of the before/after table. */
typedef struct plan_row {
    char domain[HV_NAME_MAX];
    bool running;
    uint32_t domid;
    uint64_t mem_before_kib, mem_after_kib;
    unsigned vcpus_before, vcpus_after;
    bool dedicated_before, dedicated_after;
    /* pCPUs it may run on: plan.maps (empty sets when not running) */
    const xs_cpumap *cpus_before, *cpus_after;
    int node_after;                     /* TBL_KEEP when not asked */
} plan_row;

typedef struct plan {
    char phase[HV_NAME_MAX];
    plan_stage *stages;         /* empty when the host is already there */
    size_t nr_stages;
    plan_row *rows;
    size_t nr_rows;
    char **notes;               /* e.g. "vm4 is not running: skipped" */
    size_t nr_notes;
    uint64_t reserve_kib;
    uint64_t free_before_kib, free_after_kib;
    uint64_t free_min_kib;      /* lowest free memory between stages */
    /*
     * The pCPU sets the rows and actions point to, each stored once:
     * a plan for thousands of domains has a handful of distinct sets,
     * and a set is 512 bytes (HV_MAX_CPUS bits).
     */
    xs_cpumap **maps;
    size_t nr_maps;
} plan;

void PLAN_Init(plan *p);
void PLAN_Dispose(plan *p);

/* The wanted state of every table domain in a phase. */
int PLAN_TargetsFromPhase(const tbl_table *t, const char *phase,
                          plan_target **targets, size_t *nr, xs_err *err);

/* How the planner may treat the host beyond the targets. */
typedef struct plan_opts {
    uint64_t reserve_kib;       /* free memory never planned below */
    /*
     * A domain not in targets that is pinned onto pCPUs a new pool
     * takes from Pool-0 (Xen would reset or narrow its affinity):
     * guard_unnamed refuses the plan and names it, unless move_unnamed
     * plans its own pin step onto what stays in Pool-0.  Without
     * guard_unnamed the planner does not look (for undoing a
     * transition: the pools come back as they were around it).
     */
    bool guard_unnamed;
    bool move_unnamed;
} plan_opts;

/*
 * The general planner.  Domains in targets that are not running become
 * notes; domains running but not in targets are never changed, except
 * for the explicit pin steps that opts->move_unnamed allows.
 */
int PLAN_MakeWith(const xs_snapshot *snap, const plan_target *targets,
                  size_t nr, const plan_opts *opts, const char *label,
                  plan *out, xs_err *err);

/*
 * PLAN_MakeWith with this reserve and without guard_unnamed: the
 * planner as it was before the guard, for callers that put a host back
 * (rollback) or touch no pool (mem-move).
 */
int PLAN_MakeTo(const xs_snapshot *snap, const plan_target *targets,
                size_t nr, uint64_t reserve_kib, const char *label,
                plan *out, xs_err *err);

/* Table phase -> plan: PLAN_TargetsFromPhase + PLAN_MakeWith, with the
 * table's reserve and move_unnamed. */
int PLAN_Make(const xs_snapshot *snap, const tbl_table *t,
              const char *phase, plan *out, xs_err *err);

/* Targets that put every domain back as it is in snap (for rollback). */
int PLAN_TargetsFromSnapshot(const xs_snapshot *snap,
                             const plan_target *like, size_t nr,
                             plan_target **targets, xs_err *err);

/*
 * The plan as a graph (plan_graph.c).  Stages group the actions by
 * kind, for people; the order comes from each action's preconditions:
 *  - a grow follows the free memory above the reserve (the donors'
 *    shrink frees it as it goes), so it starts at once when the host
 *    has room and waits for nothing else;
 *  - shrinks and vCPU changes wait for nothing;
 *  - a pool waits for the pCPUs it takes (a pool giving them back, a
 *    domain pinned off them), a pin for its domain's pool and for
 *    pCPUs coming back to Pool-0;
 *  - a pCPU step that takes pCPUs from a donor (a pool taking pCPUs a
 *    donor runs on, a donor's own pool or pin narrowing where it runs)
 *    also waits for the donors' balloons: a guest gives memory back
 *    with its own vCPUs, and squeezed onto fewer pCPUs it gives it back
 *    slower (Fig. 9 on the bed: vm2's shrink 1.6 s with vm2 pinned and
 *    pCPU 1 taken at once, 0.66 s alone);
 *  - relocations are placement, not capacity: they wait until every
 *    other action is done, and a move to node n waits for the moves
 *    that make room on n.
 * Pure: a function of the plan alone.
 */
typedef enum {
    PLAN_WHY_POOL,              /* its domain's pool step */
    PLAN_WHY_CPUS_BACK,         /* a pool giving pCPUs back to Pool-0 */
    PLAN_WHY_CPUS_FREE,         /* a domain pinned off the pCPUs */
    PLAN_WHY_ROOM,              /* memory moving off the node */
} plan_why;

typedef struct plan_dep {
    size_t on;                  /* index into plan_graph.nodes */
    plan_why why;
} plan_dep;

typedef enum {
    PLAN_GATE_NONE,
    PLAN_GATE_FREE_MEMORY,      /* grows as free memory appears */
    PLAN_GATE_CAPACITY,         /* once every non-placement step is done */
    PLAN_GATE_DONORS,           /* once every shrink of memory is done */
} plan_gate;

typedef struct plan_node {
    const plan_action *act;
    size_t stage;               /* index into plan.stages */
    plan_gate gate;
    size_t first_dep, nr_deps;  /* into plan_graph.deps */
} plan_node;

typedef struct plan_graph {
    plan_node *nodes;           /* stage order, then action order */
    size_t nr_nodes;
    plan_dep *deps;
    size_t nr_deps, cap_deps;
    size_t nr_placement;        /* nodes gated on capacity */
} plan_graph;

void PLAN_GraphInit(plan_graph *g);
void PLAN_GraphDispose(plan_graph *g);
int PLAN_GraphMake(const plan *p, plan_graph *g, xs_err *err);
const char *PLAN_WhyText(plan_why w);   /* "needs its pool", ... */
const char *PLAN_GateText(plan_gate g); /* "free memory above the reserve" */
const char *PLAN_GateName(plan_gate g); /* JSON: "free-memory", ... */
const char *PLAN_WhyName(plan_why w);   /* JSON: "pool", ... */

const char *PLAN_StageName(plan_stage_kind k);  /* "shrink", ... */
const char *PLAN_ActName(plan_act_kind k);      /* "memory", ... */
const char *PLAN_MoveHowName(plan_move_how h);  /* "direct", ... */
/* One line describing an action: "vm2: memory 128 MiB -> 32 MiB". */
const char *PLAN_DescribeAction(const plan_action *a, char *buf, size_t len);
/* Add a note to p (cut at 512 bytes): -1 when out of memory. */
int PLAN_AddNote(plan *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
