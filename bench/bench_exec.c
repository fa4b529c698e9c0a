/*
 * bench_exec.c - a transition against its physical limit, on the
 * simulated host (its clock is simulated: the numbers are exact and
 * the same on every machine).
 *
 *   bench_exec SRCDIR
 *
 * For each case: the transition as xenshift runs it, every balloon
 * step of it alone on a fresh host (the slowest is the limit: a guest
 * gives memory back only so fast), and the same steps one after the
 * other (what sequential commands would do, without their own cost).
 * Then the time to capacity of the Fig. 9 take-over with vm1's memory
 * moved to its node, against the same take-over without the move.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "plan.h"
#include "snapshot.h"
#include "table.h"
#include "transition.h"

typedef struct bench_case {
    const char *name;
    const char *host;           /* fixture, under SRCDIR */
    const char *table;
    const char *phase;
} bench_case;

static const bench_case cases[] = {
    { "Fig. 9 take-over", "examples/fig9-host.json", "examples/fig9.json",
      "takeover" },
    { "two donors, one recipient", "examples/fig9-host.json",
      "tests/sim/data/squeeze.json", "squeeze" },
    { "take-over, vm1 to node 1", "tests/fixtures/fig9-spread.json",
      "tests/sim/data/example.json", "takeover" },
};

static char srcdir[512];

static hv *open_host(const char *fixture)
{
    char path[1024];
    xs_err err;
    hv *h;

    snprintf(path, sizeof(path), "%s/%s", srcdir, fixture);
    h = HV_OpenSim(path, &err);
    if (!h)
        fprintf(stderr, "bench_exec: %s: %s\n", path, err.msg);
    return h;
}

/* Plan phase of table on a fresh host; 0 or -1. */
static int make_plan(const bench_case *bc, hv **h, xs_snapshot *s,
                     tbl_table *t, plan *p, bool keep_nodes)
{
    char path[1024];
    xs_err err;
    size_t i, j;

    char warn[256];

    *h = open_host(bc->host);
    snprintf(path, sizeof(path), "%s/%s", srcdir, bc->table);
    if (!*h || TBL_Load(path, t, &err)) {
        fprintf(stderr, "bench_exec: %s: %s\n", bc->name,
                *h ? err.msg : "no host");
        return -1;
    }
    if (!keep_nodes)
        for (i = 0; i < t->nr_phases; i++)
            for (j = 0; j < t->phases[i].nr_allocs; j++)
                t->phases[i].allocs[j].node = TBL_KEEP;
    if (TRN_Snapshot(*h, t, bc->phase, s, warn, sizeof(warn), &err) ||
        PLAN_Make(s, t, bc->phase, p, &err)) {
        fprintf(stderr, "bench_exec: %s: %s\n", bc->name, err.msg);
        return -1;
    }
    return 0;
}

/* The plan with only action a, in a stage of kind k. */
static void only(const plan *p, const plan_stage *st, size_t a, plan *one)
{
    static plan_stage stage;

    *one = *p;
    stage.kind = st->kind;
    stage.acts = &st->acts[a];
    stage.nr_acts = 1;
    one->stages = &stage;
    one->nr_stages = 1;
}

static uint64_t run(hv *h, const xs_snapshot *s, const plan *p,
                    exec_report *r)
{
    EXEC_ReportDispose(r);
    if (EXEC_Run(h, s, p, NULL, NULL, NULL, r))
        fprintf(stderr, "bench_exec: %s: %s\n", p->phase, r->cause.msg);
    return r->elapsed_ms;
}

/* One case: whole, each balloon alone, all one after the other. */
static int bench_one(const bench_case *bc)
{
    hv *h = NULL;
    xs_snapshot s;
    tbl_table t;
    plan p, one;
    exec_report r;
    uint64_t whole, capacity, slowest = 0, sequential = 0, ms;
    size_t i, a;
    int rc = -1;

    SNAP_Init(&s);
    PLAN_Init(&p);
    EXEC_ReportInit(&r);
    memset(&t, 0, sizeof(t));
    if (make_plan(bc, &h, &s, &t, &p, true))
        goto out;
    whole = run(h, &s, &p, &r);
    capacity = r.capacity_ms;
    HV_Close(h);
    h = NULL;
    for (i = 0; i < p.nr_stages; i++) {
        for (a = 0; a < p.stages[i].nr_acts; a++) {
            const plan_action *ac = &p.stages[i].acts[a];

            h = open_host(bc->host);
            if (!h)
                goto out;
            only(&p, &p.stages[i], a, &one);
            ms = run(h, &s, &one, &r);
            HV_Close(h);
            h = NULL;
            if (ac->kind == PLAN_ACT_MEMORY && ms > slowest)
                slowest = ms;
        }
    }
    /* one after the other, on one host */
    h = open_host(bc->host);
    if (!h)
        goto out;
    for (i = 0; i < p.nr_stages; i++)
        for (a = 0; a < p.stages[i].nr_acts; a++) {
            only(&p, &p.stages[i], a, &one);
            sequential += run(h, &s, &one, &r);
        }
    printf("%-26s %7llu %9llu %8llu %8.2fx %11llu %8.2fx\n", bc->name,
           (unsigned long long)whole, (unsigned long long)capacity,
           (unsigned long long)slowest,
           slowest ? (double)capacity / (double)slowest : 0.0,
           (unsigned long long)sequential,
           whole ? (double)sequential / (double)whole : 0.0);
    rc = 0;
out:
    if (h)
        HV_Close(h);
    EXEC_ReportDispose(&r);
    PLAN_Dispose(&p);
    SNAP_Dispose(&s);
    TBL_Dispose(&t);
    return rc;
}

/* Capacity of the take-over with the move to node 1, and without. */
static int bench_placement(void)
{
    const bench_case *bc = &cases[2];
    uint64_t cap[2] = { 0, 0 }, placed = 0;
    int k;

    for (k = 0; k < 2; k++) {
        hv *h = NULL;
        xs_snapshot s;
        tbl_table t;
        plan p;
        exec_report r;

        SNAP_Init(&s);
        PLAN_Init(&p);
        EXEC_ReportInit(&r);
        memset(&t, 0, sizeof(t));
        if (!make_plan(bc, &h, &s, &t, &p, k == 0)) {
            run(h, &s, &p, &r);
            cap[k] = r.capacity_ms;
            if (k == 0)
                placed = r.placement_ms;
        }
        if (h)
            HV_Close(h);
        EXEC_ReportDispose(&r);
        PLAN_Dispose(&p);
        SNAP_Dispose(&s);
        TBL_Dispose(&t);
    }
    if (!cap[0] || !cap[1])
        return -1;
    printf("\ncapacity of the take-over with vm1's memory moved to node 1: "
           "%llu ms (placement %llu ms)\n"
           "without the move: %llu ms; ratio %.2fx (goal <= 1.5x)\n",
           (unsigned long long)cap[0], (unsigned long long)placed,
           (unsigned long long)cap[1], (double)cap[0] / (double)cap[1]);
    return 0;
}

int main(int argc, char **argv)
{
    size_t i;
    int rc = 0;

    snprintf(srcdir, sizeof(srcdir), "%s", argc > 1 ? argv[1] : ".");
    printf("transitions on the simulated host (simulated ms):\n");
    printf("%-26s %7s %9s %8s %9s %11s %9s\n", "case", "whole",
           "capacity", "slowest", "x slowest", "one by one", "x faster");
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        rc |= bench_one(&cases[i]);
    rc |= bench_placement();
    printf("(slowest: the slowest balloon step of the plan alone on a fresh "
           "host;\n x slowest: capacity / slowest, goal <= 1.2x; one by one: "
           "every step alone,\n one after the other, on one host.)\n");
    return rc ? 1 : 0;
}
