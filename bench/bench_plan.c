/*
 * bench_plan.c - how the planner's cost grows with the number of
 * domains.  Builds a synthetic host (512 pCPUs, 4 nodes) with N domains,
 * half of them donors, half recipients, every 50th dedicated two pCPUs,
 * and times PLAN_MakeTo.
 *
 *   bench_plan            time N = 10, 100, 1000, 10000 side by side
 *   bench_plan --once N   plan once (for valgrind --tool=callgrind)
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

/* Plan once; returns 0 or prints why not. */
static int plan_once(const bench_case *c, size_t *nr_acts)
{
    plan p;
    xs_err err;
    size_t s;
    int rc;

    PLAN_Init(&p);
    rc = PLAN_MakeTo(&c->snap, c->targets, c->n, 0, "bench", &p, &err);
    if (rc)
        fprintf(stderr, "bench_plan: %u domains: %s\n", c->n, err.msg);
    *nr_acts = 0;
    for (s = 0; s < p.nr_stages; s++)
        *nr_acts += p.stages[s].nr_acts;
    PLAN_Dispose(&p);
    return rc;
}

int main(int argc, char **argv)
{
    static const unsigned sizes[] = { 10, 100, 1000, 10000 };
    double base_per_dom = 0, wall_big = 0, cpu_big = 0;
    size_t i, acts;

    if (argc == 3 && strcmp(argv[1], "--once") == 0) {
        bench_case c;
        int rc;

        case_init(&c, (unsigned)strtoul(argv[2], NULL, 10));
        rc = plan_once(&c, &acts);
        case_dispose(&c);
        return rc ? 1 : 0;
    }
    printf("%8s %6s %6s %8s %12s %12s %12s %14s\n", "domains", "pCPUs",
           "runs", "actions", "ms/plan", "cpu ms/plan", "us/domain",
           "per-domain x");
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        bench_case c;
        double t0, c0, dt, dc, per_dom;
        unsigned runs = 0;

        case_init(&c, sizes[i]);
        if (plan_once(&c, &acts)) {     /* warm up, and check it plans */
            case_dispose(&c);
            return 1;
        }
        t0 = now_s(CLOCK_MONOTONIC);
        c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
        do {
            plan_once(&c, &acts);
            runs++;
        } while ((dt = now_s(CLOCK_MONOTONIC) - t0) < 0.5 || runs < 3);
        dc = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
        per_dom = dt / runs / sizes[i] * 1e6;
        if (!base_per_dom)
            base_per_dom = per_dom;
        wall_big = dt / runs * 1e3;
        cpu_big = dc / runs * 1e3;
        printf("%8u %6u %6u %8zu %12.3f %12.3f %12.3f %14.2f\n", sizes[i],
               NR_CPUS, runs, acts, wall_big, cpu_big, per_dom,
               per_dom / base_per_dom);
        case_dispose(&c);
    }
    printf("\nper-domain x: wall time per domain relative to 10 domains "
           "(1.0 = linear growth)\n");
    printf("goal: %u domains in under 10 ms: %.1f ms (%.1f ms of CPU)\n",
           sizes[i - 1], wall_big, cpu_big);
    return 0;
}
