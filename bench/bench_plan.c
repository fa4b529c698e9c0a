/*
 * bench_plan.c - how the planner's cost grows with the number of
 * domains.  Builds a synthetic host (512 pCPUs, 4 nodes) with N domains,
 * half of them donors, half recipients, every 50th dedicated two pCPUs,
 * and times PLAN_MakeTo, then PLAN_GraphMake on the plan.
 *
 *   bench_plan            time N = 10, 100, 1000, 10000 side by side
 *   bench_plan --once N   plan once and make its graph (for callgrind)
 *
 * Wall time and the process's CPU time are both shown: on a shared
 * machine the wall time also counts other processes' turns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plan.h"

#define MIB 1024ULL
#define NR_CPUS 512

typedef struct bench_case {
    xs_snapshot snap;
    plan_target *targets;
    unsigned n;
} bench_case;

static void case_init(bench_case *c, unsigned n)
{
    unsigned i, cpu;
    hv_pool *pool0;

    memset(c, 0, sizeof(*c));
    c->n = n;
    c->snap.host.nr_cpus = NR_CPUS;
    c->snap.host.nr_nodes = 4;
    for (cpu = 0; cpu < HV_MAX_CPUS; cpu++)
        c->snap.host.cpu_to_node[cpu] =
            cpu < NR_CPUS ? (int)(cpu / (NR_CPUS / 4)) : HV_NO_NODE;
    c->snap.host.total_kib = (uint64_t)(n + 1) * 512 * MIB;
    c->snap.host.free_kib = (uint64_t)(n + 1) * 256 * MIB;
    pool0 = calloc(1, sizeof(*pool0));
    snprintf(pool0->name, sizeof(pool0->name), "Pool-0");
    snprintf(pool0->sched, sizeof(pool0->sched), "credit2");
    CPUMAP_Fill(&pool0->cpus, NR_CPUS);
    pool0->nr_domains = n + 1;
    c->snap.pools = pool0;
    c->snap.nr_pools = 1;
    c->snap.doms = calloc(n + 1, sizeof(*c->snap.doms));
    c->snap.nr_doms = n + 1;
    for (i = 0; i <= n; i++) {
        hv_domain *d = &c->snap.doms[i];

        d->domid = i;
        snprintf(d->name, sizeof(d->name), i ? "guest%05u" : "Domain-0", i);
        d->mem_kib = d->target_kib = d->maxmem_kib = 256 * MIB;
        d->static_max_kib = 1024 * MIB;
        d->vcpus_online = d->vcpus_max = 1;
        CPUMAP_Fill(&d->hard_affinity, NR_CPUS);
        CPUMAP_Fill(&d->soft_affinity, NR_CPUS);
    }
    c->targets = calloc(n, sizeof(*c->targets));
    for (i = 0; i < n; i++) {
        plan_target *t = &c->targets[i];
        unsigned k = i + 1;

        snprintf(t->domain, sizeof(t->domain), "%s", c->snap.doms[k].name);
        t->memory_kib = (k % 2 ? 128 : 384) * MIB;
        t->floor_kib = 64 * MIB;
        t->vcpus = TBL_KEEP;
        t->node = TBL_KEEP;
        /* every 50th (and at least one) gets two pCPUs of its own */
        if (k % 50 == 0 || (n < 50 && k == 1)) {
            t->dedicated = true;
            t->pcpu_count = 2;
        }
    }
}

static void case_dispose(bench_case *c)
{
    free(c->targets);
    SNAP_Dispose(&c->snap);
}

static double now_s(clockid_t clock)
{
    struct timespec ts;

    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Plan once; returns 0 or prints why not.  With g, also its graph. */
static int plan_once(const bench_case *c, size_t *nr_acts, plan_graph *g)
{
    plan p;
    xs_err err;
    size_t s;
    int rc;

    PLAN_Init(&p);
    rc = PLAN_MakeTo(&c->snap, c->targets, c->n, 0, "bench", &p, &err);
    if (!rc && g)
        rc = PLAN_GraphMake(&p, g, &err);
    if (rc)
        fprintf(stderr, "bench_plan: %u domains: %s\n", c->n, err.msg);
    *nr_acts = 0;
    for (s = 0; s < p.nr_stages; s++)
        *nr_acts += p.stages[s].nr_acts;
    PLAN_Dispose(&p);
    return rc;
}

/* Wall and CPU ms per call of what, run for at least half a second. */
typedef struct bench_time {
    unsigned runs;
    double wall_ms, cpu_ms;
} bench_time;

static bench_time time_plans(const bench_case *c)
{
    bench_time bt = { 0, 0, 0 };
    double t0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
    double dt;
    size_t acts;

    do {
        plan_once(c, &acts, NULL);
        bt.runs++;
    } while ((dt = now_s(CLOCK_MONOTONIC) - t0) < 0.5 || bt.runs < 3);
    bt.wall_ms = dt / bt.runs * 1e3;
    bt.cpu_ms = (now_s(CLOCK_PROCESS_CPUTIME_ID) - c0) / bt.runs * 1e3;
    return bt;
}

/* The graph of one plan, made over and over (the plan made once). */
static bench_time time_graphs(const bench_case *c)
{
    bench_time bt = { 0, 0, 0 };
    plan p;
    plan_graph g;
    xs_err err;
    double t0, c0, dt;

    PLAN_Init(&p);
    PLAN_GraphInit(&g);
    if (PLAN_MakeTo(&c->snap, c->targets, c->n, 0, "bench", &p, &err))
        return bt;
    t0 = now_s(CLOCK_MONOTONIC);
    c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
    do {
        PLAN_GraphMake(&p, &g, &err);
        PLAN_GraphDispose(&g);
        bt.runs++;
    } while ((dt = now_s(CLOCK_MONOTONIC) - t0) < 0.5 || bt.runs < 3);
    bt.wall_ms = dt / bt.runs * 1e3;
    bt.cpu_ms = (now_s(CLOCK_PROCESS_CPUTIME_ID) - c0) / bt.runs * 1e3;
    PLAN_Dispose(&p);
    return bt;
}

int main(int argc, char **argv)
{
    static const unsigned sizes[] = { 10, 100, 1000, 10000 };
    double base_per_dom = 0;
    bench_time pt = { 0, 0, 0 }, gt = { 0, 0, 0 };
    size_t i, acts;

    if (argc == 3 && strcmp(argv[1], "--once") == 0) {
        bench_case c;
        plan_graph g;
        int rc;

        PLAN_GraphInit(&g);
        case_init(&c, (unsigned)strtoul(argv[2], NULL, 10));
        rc = plan_once(&c, &acts, &g);
        PLAN_GraphDispose(&g);
        case_dispose(&c);
        return rc ? 1 : 0;
    }
    printf("%8s %6s %8s %10s %10s %10s %10s %10s %10s\n", "domains",
           "pCPUs", "actions", "plan ms", "cpu ms", "graph ms", "cpu ms",
           "us/domain", "per-dom x");
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        bench_case c;
        double per_dom;

        case_init(&c, sizes[i]);
        if (plan_once(&c, &acts, NULL)) {  /* warm up, and check it plans */
            case_dispose(&c);
            return 1;
        }
        pt = time_plans(&c);
        gt = time_graphs(&c);
        per_dom = pt.wall_ms / sizes[i] * 1e3;
        if (!base_per_dom)
            base_per_dom = per_dom;
        printf("%8u %6u %8zu %10.3f %10.3f %10.3f %10.3f %10.3f %10.2f\n",
               sizes[i], NR_CPUS, acts, pt.wall_ms, pt.cpu_ms, gt.wall_ms,
               gt.cpu_ms, per_dom, per_dom / base_per_dom);
        case_dispose(&c);
    }
    printf("\nplan: PLAN_MakeTo and PLAN_Dispose (the snapshot and the "
           "targets are built\nbefore the clock starts); graph: "
           "PLAN_GraphMake on that plan.\n"
           "per-dom x: plan wall time per domain relative to 10 domains "
           "(1.0 = linear)\n");
    printf("goal: %u domains in under 10 ms: plan %.1f ms (%.1f ms of CPU), "
           "graph %.1f ms (%.1f ms of CPU)\n", sizes[i - 1], pt.wall_ms,
           pt.cpu_ms, gt.wall_ms, gt.cpu_ms);
    return 0;
}
