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

/* A node's index with a key to sort it by (a domid, a NUMA node). */
typedef struct keyed {
    long key;
    size_t j;
} keyed;

static int keyed_cmp(const void *a, const void *b)
{
    const keyed *x = a, *y = b;

    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->j < y->j ? -1 : x->j > y->j;
}

/* The first of v (sorted) with key, or NULL. */
static const keyed *keyed_first(const keyed *v, size_t n, long key)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (v[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo].key == key ? &v[lo] : NULL;
}

static int size_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return x < y ? -1 : x > y;
}

/*
 * The cpus stage indexed once, so each step finds what it waits for
 * without walking the stage: its domain's pool steps by domid, and
 * per pCPU the pool steps that give it back to Pool-0.
 */
typedef struct cpus_ix {
    size_t first, n, pool_at;   /* the stage's nodes; first pool step */
    keyed *pools;               /* pool steps by (domid, node) */
    size_t nr_pools;
    size_t *leaves;             /* POOL_LEAVE nodes, in node order */
    size_t nr_leaves;
    xs_cpumap leaving;          /* every pCPU they give back */
    size_t *cpu_first;          /* pCPU c: cpu_leave[cpu_first[c]..[c+1]) */
    size_t *cpu_leave;          /* ordinals into leaves */
    size_t *seen, stamp;        /* per leave: last stamp that found it */
    size_t *found;
} cpus_ix;

static void cpus_ix_dispose(cpus_ix *x)
{
    free(x->pools);
    free(x->leaves);
    free(x->cpu_first);
    free(x->cpu_leave);
    free(x->seen);
    free(x->found);
}

/* The first pCPU of m from c on; HV_MAX_CPUS when none. */
static size_t next_cpu(const xs_cpumap *m, size_t c)
{
    int next = c < HV_MAX_CPUS ? CPUMAP_Next(m, (unsigned)c) : -1;

    return next < 0 ? HV_MAX_CPUS : (size_t)next;
}

/* Which leave ordinals give back pCPU c: counted, then filled. */
static int index_leaves(const plan_graph *g, cpus_ix *x)
{
    size_t o, c, total = 0;

    x->cpu_first = calloc(HV_MAX_CPUS + 1, sizeof(*x->cpu_first));
    x->seen = calloc(x->nr_leaves, sizeof(*x->seen));
    x->found = calloc(x->nr_leaves, sizeof(*x->found));
    if (!x->cpu_first || !x->seen || !x->found)
        return -1;
    for (o = 0; o < x->nr_leaves; o++) {
        const xs_cpumap *m = g->nodes[x->leaves[o]].act->cpus;

        CPUMAP_Or(&x->leaving, m);
        for (c = next_cpu(m, 0); c < HV_MAX_CPUS; c = next_cpu(m, c + 1))
            x->cpu_first[c + 1]++;
    }
    for (c = 0; c < HV_MAX_CPUS; c++) {
        total += x->cpu_first[c + 1];
        x->cpu_first[c + 1] = total;
    }
    x->cpu_leave = calloc(total ? total : 1, sizeof(*x->cpu_leave));
    if (!x->cpu_leave)
        return -1;
    /* fill from the back so each pCPU's list keeps the leaves' order */
    for (o = x->nr_leaves; o-- > 0;) {
        const xs_cpumap *m = g->nodes[x->leaves[o]].act->cpus;

        for (c = next_cpu(m, 0); c < HV_MAX_CPUS; c = next_cpu(m, c + 1))
            x->cpu_leave[--x->cpu_first[c + 1]] = o;
    }
    /* cpu_first[c + 1] now holds where c starts: shift back by one */
    memmove(x->cpu_first, x->cpu_first + 1,
            HV_MAX_CPUS * sizeof(*x->cpu_first));
    x->cpu_first[HV_MAX_CPUS] = total;
    return 0;
}

static int cpus_ix_build(const plan_graph *g, size_t first, size_t n,
                         size_t pool_at, cpus_ix *x)
{
    size_t j;

    memset(x, 0, sizeof(*x));
    x->first = first;
    x->n = n;
    x->pool_at = pool_at;
    x->pools = calloc(n ? n : 1, sizeof(*x->pools));
    x->leaves = calloc(n ? n : 1, sizeof(*x->leaves));
    if (!x->pools || !x->leaves)
        return -1;
    for (j = first; j < first + n; j++) {
        const plan_action *b = g->nodes[j].act;

        if (!is_pool(b))
            continue;
        x->pools[x->nr_pools].key = (long)b->domid;
        x->pools[x->nr_pools++].j = j;
        if (b->kind == PLAN_ACT_POOL_LEAVE)
            x->leaves[x->nr_leaves++] = j;
    }
    qsort(x->pools, x->nr_pools, sizeof(*x->pools), keyed_cmp);
    return x->nr_leaves ? index_leaves(g, x) : 0;
}

/* m waits for every POOL_LEAVE giving back a pCPU of m, in node order. */
static int leave_deps(plan_graph *g, cpus_ix *x, const xs_cpumap *m)
{
    size_t w, k, nr = 0;

    if (!x->nr_leaves || !maps_meet(m, &x->leaving))
        return 0;
    x->stamp++;
    for (w = 0; w < HV_MAX_CPUS / 64; w++) {
        uint64_t bits = m->bits[w] & x->leaving.bits[w];

        for (; bits; bits &= bits - 1) {
            size_t c = w * 64 + (size_t)__builtin_ctzll(bits);

            for (k = x->cpu_first[c]; k < x->cpu_first[c + 1]; k++) {
                size_t o = x->cpu_leave[k];

                if (x->seen[o] != x->stamp) {
                    x->seen[o] = x->stamp;
                    x->found[nr++] = o;
                }
            }
        }
    }
    qsort(x->found, nr, sizeof(*x->found), size_cmp);
    for (k = 0; k < nr; k++)
        if (add_dep(g, x->leaves[x->found[k]], PLAN_WHY_CPUS_BACK))
            return -1;
    return 0;
}

/*
 * The pCPU steps' preconditions, node i of the cpus stage:
 *  - a POOL_LEAVE gives back and waits for no one, nor does a pin
 *    before the first pool step (a domain the table does not name);
 *  - a POOL_ENTER waits for those pins (they take domains off its
 *    pCPUs), then for the pools that give its pCPUs back;
 *  - any other pin waits for its domain's first pool step when there
 *    is one (that step says it all), else for the pools that give its
 *    pCPUs back.
 */
static int cpu_deps(plan_graph *g, cpus_ix *x, size_t i)
{
    const plan_action *a = g->nodes[i].act;
    const keyed *own;
    size_t j;

    if (a->kind == PLAN_ACT_POOL_LEAVE)
        return 0;
    if (a->kind == PLAN_ACT_PIN && i < x->first + x->pool_at)
        return 0;
    if (a->kind == PLAN_ACT_POOL_ENTER) {
        for (j = x->first; j < x->first + x->pool_at; j++)
            if (g->nodes[j].act->kind == PLAN_ACT_PIN &&
                add_dep(g, j, PLAN_WHY_CPUS_FREE))
                return -1;
        return leave_deps(g, x, a->cpus);
    }
    own = keyed_first(x->pools, x->nr_pools, (long)a->domid);
    if (own)
        return add_dep(g, own->j, PLAN_WHY_POOL);
    if (a->kind != PLAN_ACT_PIN)
        return 0;
    return leave_deps(g, x, a->cpus);
}

/* The cpus stage's deps: its nodes are first .. first + n - 1. */
static int stage_cpu_deps(plan_graph *g, size_t first, size_t n,
                          size_t pool_at)
{
    cpus_ix x;
    size_t k;
    int rc = -1;

    if (cpus_ix_build(g, first, n, pool_at, &x))
        goto out;
    for (k = 0; k < n; k++) {
        plan_node *nd = &g->nodes[first + k];

        nd->first_dep = g->nr_deps;
        if (cpu_deps(g, &x, first + k))
            goto out;
        nd->nr_deps = g->nr_deps - nd->first_dep;
    }
    rc = 0;
out:
    cpus_ix_dispose(&x);
    return rc;
}

/*
 * A move to node n waits for the moves that make room on n, in node
 * order: those are sorted by (from_node, node) once.
 */
static int room_deps(plan_graph *g)
{
    keyed *room;
    size_t i, nr = 0;
    int rc = -1;

    room = calloc(g->nr_nodes ? g->nr_nodes : 1, sizeof(*room));
    if (!room)
        return -1;
    for (i = 0; i < g->nr_nodes; i++) {
        const plan_action *b = g->nodes[i].act;

        if (b->kind == PLAN_ACT_RELOCATE && b->makes_room) {
            room[nr].key = b->from_node;
            room[nr++].j = i;
        }
    }
    qsort(room, nr, sizeof(*room), keyed_cmp);
    for (i = 0; i < g->nr_nodes; i++) {
        plan_node *nd = &g->nodes[i];
        const keyed *r;

        if (nd->act->kind != PLAN_ACT_RELOCATE)
            continue;
        nd->first_dep = g->nr_deps;
        r = nd->act->makes_room ? NULL
                                : keyed_first(room, nr, nd->act->node);
        for (; r && r < room + nr && r->key == nd->act->node; r++)
            if (add_dep(g, r->j, PLAN_WHY_ROOM))
                goto out;
        nd->nr_deps = g->nr_deps - nd->first_dep;
    }
    rc = 0;
out:
    free(room);
    return rc;
}

/*
 * The donors (domains whose memory shrinks) by domid, with the pCPUs
 * each may run on now, and every pCPU any of them runs on.
 */
typedef struct donors_ix {
    keyed *doms;                /* key domid, j a row of the plan */
    size_t nr;
    xs_cpumap cpus;
} donors_ix;

static int donors_build(const plan *p, donors_ix *d)
{
    keyed *rows;
    size_t s, k, nr_rows = 0;
    const keyed *r;

    memset(d, 0, sizeof(*d));
    rows = calloc(p->nr_rows ? p->nr_rows : 1, sizeof(*rows));
    d->doms = calloc(p->nr_rows ? p->nr_rows : 1, sizeof(*d->doms));
    if (!rows || !d->doms) {
        free(rows);
        return -1;
    }
    for (k = 0; k < p->nr_rows; k++) {
        if (!p->rows[k].running)
            continue;
        rows[nr_rows].key = (long)p->rows[k].domid;
        rows[nr_rows++].j = k;
    }
    qsort(rows, nr_rows, sizeof(*rows), keyed_cmp);
    for (s = 0; s < p->nr_stages; s++) {
        const plan_stage *st = &p->stages[s];

        if (st->kind != PLAN_STAGE_SHRINK)
            continue;
        for (k = 0; k < st->nr_acts && d->nr < p->nr_rows; k++) {
            const plan_action *a = &st->acts[k];

            if (a->kind != PLAN_ACT_MEMORY ||
                !(r = keyed_first(rows, nr_rows, (long)a->domid)))
                continue;
            d->doms[d->nr].key = r->key;
            d->doms[d->nr++].j = r->j;
            CPUMAP_Or(&d->cpus, p->rows[r->j].cpus_before);
        }
    }
    free(rows);
    qsort(d->doms, d->nr, sizeof(*d->doms), keyed_cmp);
    return 0;
}

/* Whether a's domain is a donor that a leaves fewer pCPUs than now. */
static bool narrows_donor(const plan *p, const donors_ix *d,
                          const plan_action *a)
{
    const keyed *r = keyed_first(d->doms, d->nr, (long)a->domid);
    const xs_cpumap *now;
    size_t i;

    if (!r)
        return false;
    now = p->rows[r->j].cpus_before;
    for (i = 0; i < HV_MAX_CPUS / 64; i++)
        if (now->bits[i] & ~a->cpus->bits[i])
            return true;
    return false;
}

static plan_gate gate_of(const plan *p, const donors_ix *d,
                         const plan_stage *st, const plan_action *a)
{
    if (a->kind == PLAN_ACT_RELOCATE)
        return PLAN_GATE_CAPACITY;
    if (a->kind == PLAN_ACT_MEMORY && st->kind != PLAN_STAGE_SHRINK &&
        a->to_kib > a->from_kib)
        return PLAN_GATE_FREE_MEMORY;
    if (!d->nr || (a->kind != PLAN_ACT_POOL_ENTER && a->kind != PLAN_ACT_PIN))
        return PLAN_GATE_NONE;
    /* a new pool takes its pCPUs from whoever runs there */
    if (a->kind == PLAN_ACT_POOL_ENTER && maps_meet(a->cpus, &d->cpus))
        return PLAN_GATE_DONORS;
    return narrows_donor(p, d, a) ? PLAN_GATE_DONORS : PLAN_GATE_NONE;
}

int PLAN_GraphMake(const plan *p, plan_graph *g, xs_err *err)
{
    size_t s, k, n = 0, first, pool_at;
    donors_ix donors;

    PLAN_GraphDispose(g);
    memset(&donors, 0, sizeof(donors));
    for (s = 0; s < p->nr_stages; s++)
        n += p->stages[s].nr_acts;
    g->nodes = calloc(n ? n : 1, sizeof(*g->nodes));
    if (!g->nodes || donors_build(p, &donors))
        goto nomem;
    for (s = 0; s < p->nr_stages; s++) {
        const plan_stage *st = &p->stages[s];

        first = g->nr_nodes;
        pool_at = st->nr_acts;
        for (k = 0; k < st->nr_acts; k++) {
            plan_node *nd = &g->nodes[g->nr_nodes++];

            nd->act = &st->acts[k];
            nd->stage = s;
            nd->gate = gate_of(p, &donors, st, nd->act);
            g->nr_placement += nd->gate == PLAN_GATE_CAPACITY;
            if (pool_at == st->nr_acts && is_pool(nd->act))
                pool_at = k;
        }
        if (st->kind == PLAN_STAGE_CPUS &&
            stage_cpu_deps(g, first, st->nr_acts, pool_at))
            goto nomem;
    }
    if (g->nr_placement && room_deps(g))
        goto nomem;
    free(donors.doms);
    return 0;
nomem:
    free(donors.doms);
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
    case PLAN_GATE_DONORS: return "the donors' balloons";
    }
    return "?";
}

const char *PLAN_GateName(plan_gate gt)
{
    switch (gt) {
    case PLAN_GATE_NONE: return "none";
    case PLAN_GATE_FREE_MEMORY: return "free-memory";
    case PLAN_GATE_CAPACITY: return "capacity";
    case PLAN_GATE_DONORS: return "donors";
    }
    return "?";
}
