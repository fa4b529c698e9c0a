/*
 * plan_int.h - the planner's insides, shared by its files and nothing
 * else: plan.c (the steps in order, memory and vCPUs), plan_cpus.c
 * (dedicated pCPUs, cpupools, pinning), plan_nodes.c (NUMA placement),
 * plan_targets.c (the wanted state), plan_text.c (names and
 * descriptions) and plan_index.c (look-ups by name, pCPU sets kept once).
 *
 * PLAN_MakeWith fills one plan_work and runs the steps on it; every
 * step reads the snapshot and the targets and adds to the stage lists.
 */
#ifndef XENSHIFT_PLAN_INT_H
#define XENSHIFT_PLAN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan.h"

/* A guest rarely lands on the exact page: the executor's tolerance. */
#define PLAN_MEM_SLACK_KIB 1024

/* "not found" from plan_index_find */
#define PLAN_NO_INDEX SIZE_MAX

/* The actions of one stage while they are planned. */
typedef struct act_list {
    plan_action *v;
    size_t n, cap;
} act_list;

/*
 * Names -> position in an array, by hashing: built once per plan, so a
 * plan over n domains looks each one up in constant time.  Where a name
 * occurs more than once, the first occurrence is found.
 */
typedef struct plan_index {
    size_t *slot;               /* position + 1; 0 is an empty slot */
    size_t mask;                /* slots - 1 (a power of two) */
    const char *base;
    size_t stride, name_off;
    size_t nr_twice;            /* names met again after their first */
} plan_index;

/* A pool's id and its place in the snapshot (sorted by id). */
typedef struct pool_ix {
    uint32_t id;
    size_t i;
} pool_ix;

/* What the planner works out for one target. */
typedef struct tstate {
    const hv_domain *d;         /* NULL: not running */
    const hv_pool *cur;         /* its pool now; NULL when unknown */
    bool in_xs;                 /* cur is a xenshift-* pool */
    bool own;                   /* cur is "xenshift-<its name>" */
    bool foreign;               /* cur is an administrator's pool */
    bool explicit_set;          /* dedicated with a pCPU list */
    bool set_known;
    bool kept;                  /* stays in its pool as it is */
    bool leave, enter;
    xs_cpumap *set;             /* dedicated: its pCPUs after; else NULL */
} tstate;

/*
 * The plan's pCPU sets by value (plan.maps), so that equal sets are
 * stored once: open addressing on a hash of the words the host's pCPUs
 * use.
 */
typedef struct plan_map_ix {
    const xs_cpumap **slot;     /* NULL: an empty slot */
    size_t mask;                /* slots - 1 (a power of two) */
    size_t nr, cap;             /* sets stored; room in plan.maps */
    size_t words;               /* words hashed */
} plan_map_ix;

/* One call of PLAN_MakeWith. */
typedef struct plan_work {
    const xs_snapshot *snap;
    const hv_host *host;
    const plan_target *targets;
    size_t nr;
    const plan_opts *opts;
    plan *out;
    tstate *ts;                 /* one per target */
    xs_cpumap *sets;            /* the dedicated targets' tstate.set */
    plan_index doms;            /* snap->doms by name */
    plan_index names;           /* targets by name */
    pool_ix *pools;             /* snap->pools by id */
    plan_map_ix maps;           /* out->maps by value */
    const xs_cpumap *shared_after;  /* pool0_after kept, once known */
    /* the last row's pCPUs before: neighbours are mostly alike */
    const xs_cpumap *last_hard, *last_within, *last_before;
    size_t last_within_words;
    const hv_pool *pool0;
    xs_cpumap online;           /* every pCPU of the host */
    size_t online_words;        /* the words of online that hold them */
    xs_cpumap pool0_after;      /* what stays in Pool-0 */
    bool any_node;              /* a running target names a node */
    uint64_t shrink, grow;      /* memory given back, taken */
    act_list st[PLAN_NR_STAGES];
} plan_work;

/* plan_index.c */
int plan_index_build(plan_index *ix, const void *base, size_t n,
                     size_t stride, size_t name_off);
size_t plan_index_find(const plan_index *ix, const char *name);
void plan_index_dispose(plan_index *ix);
void plan_map_and(xs_cpumap *dst, const xs_cpumap *src);
/* How many words of m hold its pCPUs (up to the last set one). */
size_t plan_map_words(const xs_cpumap *m);
/* Whether a & within is b & within; within has no pCPU past its first
 * within_words words. */
bool plan_map_same_within(const xs_cpumap *a, const xs_cpumap *b,
                          const xs_cpumap *within, size_t within_words);
/* Whether a & b is want, without making it; b has no pCPU past its
 * first b_words words. */
bool plan_map_and_is(const xs_cpumap *a, const xs_cpumap *b,
                     size_t b_words, const xs_cpumap *want);
/*
 * m as one of the plan's pCPU sets: the one already stored when equal,
 * else a copy.  Stored sets are equal exactly when their pointers are.
 * NULL: out of memory.
 */
const xs_cpumap *plan_map_keep(plan_work *w, const xs_cpumap *m);
/* The empty set, for actions and rows without pCPUs. */
extern const xs_cpumap plan_no_cpus;

/* plan.c */
bool plan_is_xs_pool(const hv_pool *p);
void plan_pool_name(char out[HV_NAME_MAX], const char *domain);
/* A zeroed action of kind for d at the end of l; NULL: out of memory. */
plan_action *plan_act_new(act_list *l, plan_act_kind kind,
                          const hv_domain *d);
/* Room for more actions in l without moving it again. */
int plan_acts_reserve(act_list *l, size_t more);

/* plan_cpus.c */
int plan_cpus(plan_work *w, xs_err *err);
int plan_guard_unnamed(plan_work *w, xs_err *err);
int plan_pool_moves(plan_work *w, xs_err *err);
int plan_pin(plan_work *w, size_t i, plan_row *r, xs_err *err);
void plan_node_cpus(const hv_host *host, int node, xs_cpumap *m);
bool plan_all_on_node(const hv_host *host, const xs_cpumap *m, int node);

/* plan_nodes.c */
int plan_pick_move_how(const hv_host *host, const hv_domain *d,
                       const plan_target *t, plan_move_how *how,
                       xs_err *err);
int plan_relocate(plan_work *w, size_t i, xs_err *err);
int plan_make_room_on_nodes(plan_work *w, xs_err *err);

#endif
