/*
 * plan_graph.c - what each action of a plan waits for (plan.h).
 *
 * The graph is derived from the plan, not stored in it: plans made by
 * hand (tests, the way back) get the same rules, and plan, apply and
 * the executor agree because they all ask here.
 *
 * The pCPU rules follow how plan_cpus.c lays out the cpus stage: pins
 * of domains the table does not name (taking them off pCPUs a new pool
 * takes) come before every pool step; pool steps come next; the pins of
 * the table's domains last.  Every pCPU step is a few hypercalls, so
 * what matters is that each starts at once unless a rule holds it.
 */
#include <stdlib.h>
#include <string.h>

#include "plan.h"

void PLAN_GraphInit(plan_graph *g)
{
    memset(g, 0, sizeof(*g));
}

void PLAN_GraphDispose(plan_graph *g)
{
    free(g->nodes);
    free(g->deps);
    PLAN_GraphInit(g);
}

static int add_dep(plan_graph *g, size_t on, plan_why why)
{
    if (g->nr_deps == g->cap_deps) {
        size_t cap = g->cap_deps ? 2 * g->cap_deps : 16;
        plan_dep *v = realloc(g->deps, cap * sizeof(*v));

        if (!v)
            return -1;
        g->deps = v;
        g->cap_deps = cap;
    }
    g->deps[g->nr_deps].on = on;
    g->deps[g->nr_deps].why = why;
    g->nr_deps++;
    return 0;
}

static bool is_pool(const plan_action *a)
{
    return a->kind == PLAN_ACT_POOL_ENTER || a->kind == PLAN_ACT_POOL_LEAVE;
}

static bool maps_meet(const xs_cpumap *a, const xs_cpumap *b)
{
    size_t i;

    for (i = 0; i < HV_MAX_CPUS / 64; i++)
        if (a->bits[i] & b->bits[i])
            return true;
    return false;
}

/*
 * The pCPU steps' preconditions.  first/n: the cpus stage's nodes;
 * pool_at: the first pool step among them (n when none).
 */
static int cpu_deps(plan_graph *g, size_t first, size_t n, size_t pool_at,
                    size_t i)
{
    const plan_action *a = g->nodes[i].act;
    size_t j;

    if (a->kind == PLAN_ACT_POOL_LEAVE)
        return 0;               /* gives back: waits for no one */
    if (a->kind == PLAN_ACT_PIN && i < first + pool_at)
        return 0;               /* a domain the table does not name */
    for (j = first; j < first + n; j++) {
        const plan_action *b = g->nodes[j].act;

        if (j == i)
            continue;
        if (a->kind == PLAN_ACT_POOL_ENTER) {
            /* its pCPUs: back from another pool, others pinned off */
            if (b->kind == PLAN_ACT_POOL_LEAVE && maps_meet(&a->cpus, &b->cpus)
                && add_dep(g, j, PLAN_WHY_CPUS_BACK))
                return -1;
            if (b->kind == PLAN_ACT_PIN && j < first + pool_at &&
                add_dep(g, j, PLAN_WHY_CPUS_FREE))
                return -1;
            continue;
        }
        /* a pin of the table's domains: its pool step says it all */
        if (is_pool(b) && b->domid == a->domid)
            return add_dep(g, j, PLAN_WHY_POOL);
    }
    for (j = first; j < first + n && a->kind == PLAN_ACT_PIN; j++) {
        const plan_action *b = g->nodes[j].act;

        if (b->kind == PLAN_ACT_POOL_LEAVE && maps_meet(&a->cpus, &b->cpus) &&
            add_dep(g, j, PLAN_WHY_CPUS_BACK))
            return -1;
    }
    return 0;
}

/* A move to node n waits for the moves that make room on n. */
static int room_deps(plan_graph *g, size_t i)
{
    const plan_action *a = g->nodes[i].act;
    size_t j;

    if (a->makes_room)
        return 0;
    for (j = 0; j < g->nr_nodes; j++) {
        const plan_action *b = g->nodes[j].act;

        if (b->kind == PLAN_ACT_RELOCATE && b->makes_room &&
            b->from_node == a->node && add_dep(g, j, PLAN_WHY_ROOM))
            return -1;
    }
    return 0;
}

static plan_gate gate_of(const plan_stage *st, const plan_action *a)
{
    if (a->kind == PLAN_ACT_RELOCATE)
        return PLAN_GATE_CAPACITY;
    if (a->kind == PLAN_ACT_MEMORY && st->kind != PLAN_STAGE_SHRINK &&
        a->to_kib > a->from_kib)
        return PLAN_GATE_FREE_MEMORY;
    return PLAN_GATE_NONE;
}

int PLAN_GraphMake(const plan *p, plan_graph *g, xs_err *err)
{
    size_t s, k, i, n = 0, first, pool_at;

    PLAN_GraphDispose(g);
    for (s = 0; s < p->nr_stages; s++)
        n += p->stages[s].nr_acts;
    g->nodes = calloc(n ? n : 1, sizeof(*g->nodes));
    if (!g->nodes)
        goto nomem;
    for (s = 0; s < p->nr_stages; s++) {
        const plan_stage *st = &p->stages[s];

        first = g->nr_nodes;
        pool_at = st->nr_acts;
        for (k = 0; k < st->nr_acts; k++) {
            plan_node *nd = &g->nodes[g->nr_nodes++];

            nd->act = &st->acts[k];
            nd->stage = s;
            nd->gate = gate_of(st, nd->act);
            g->nr_placement += nd->gate == PLAN_GATE_CAPACITY;
            if (pool_at == st->nr_acts && is_pool(nd->act))
                pool_at = k;
        }
        if (st->kind != PLAN_STAGE_CPUS)
            continue;
        for (k = 0; k < st->nr_acts; k++) {
            plan_node *nd = &g->nodes[first + k];

            nd->first_dep = g->nr_deps;
            if (cpu_deps(g, first, st->nr_acts, pool_at, first + k))
                goto nomem;
            nd->nr_deps = g->nr_deps - nd->first_dep;
        }
    }
    for (i = 0; i < g->nr_nodes && g->nr_placement; i++) {
        plan_node *nd = &g->nodes[i];

        if (nd->act->kind != PLAN_ACT_RELOCATE)
            continue;
        nd->first_dep = g->nr_deps;
        if (room_deps(g, i))
            goto nomem;
        nd->nr_deps = g->nr_deps - nd->first_dep;
    }
    return 0;
nomem:
    ERR_Set(err, "out of memory");
    PLAN_GraphDispose(g);
    return -1;
}

const char *PLAN_WhyText(plan_why w)
{
    switch (w) {
    case PLAN_WHY_POOL: return "needs its pool";
    case PLAN_WHY_CPUS_BACK: return "needs pCPUs back in Pool-0";
    case PLAN_WHY_CPUS_FREE: return "needs a domain pinned off its pCPUs";
    case PLAN_WHY_ROOM: return "needs room on the node";
    }
    return "?";
}

const char *PLAN_WhyName(plan_why w)
{
    switch (w) {
    case PLAN_WHY_POOL: return "pool";
    case PLAN_WHY_CPUS_BACK: return "cpus-back";
    case PLAN_WHY_CPUS_FREE: return "cpus-free";
    case PLAN_WHY_ROOM: return "room";
    }
    return "?";
}

const char *PLAN_GateText(plan_gate gt)
{
    switch (gt) {
    case PLAN_GATE_NONE: return "nothing";
    case PLAN_GATE_FREE_MEMORY: return "free memory above the reserve";
    case PLAN_GATE_CAPACITY: return "capacity (every other step)";
    }
    return "?";
}

const char *PLAN_GateName(plan_gate gt)
{
    switch (gt) {
    case PLAN_GATE_NONE: return "none";
    case PLAN_GATE_FREE_MEMORY: return "free-memory";
    case PLAN_GATE_CAPACITY: return "capacity";
    }
    return "?";
}
