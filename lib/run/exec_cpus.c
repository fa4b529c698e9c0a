/*
 * exec_cpus.c - the executor's pCPU steps: a domain into its own
 * cpupool, back to Pool-0, and its hard affinity.  Each is a handful of
 * hypercalls, done (and checked on the host) before it returns.
 */
#include <stdio.h>
#include <stdlib.h>

#include "exec_int.h"

static bool cpu_in_a_pool(const hv_pool *v, size_t n, unsigned cpu)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (CPUMAP_Test(&v[i].cpus, cpu))
            return true;
    return false;
}

/* Give every pCPU of m that is in no pool back to Pool-0. */
static int return_free_cpus(run_ctx *c, const xs_cpumap *m)
{
    hv_pool *pools = NULL;
    size_t nr = 0;
    int cpu, rc;

    rc = HV_ListPools(c->h, &pools, &nr);
    if (rc)
        goto out;
    for (cpu = CPUMAP_Next(m, 0); cpu >= 0;
         cpu = CPUMAP_Next(m, (unsigned)cpu + 1)) {
        if (cpu_in_a_pool(pools, nr, (unsigned)cpu))
            continue;
        rc = HV_PoolAddCpu(c->h, PLAN_POOL0_ID, (unsigned)cpu);
        if (rc)
            goto out;
    }
out:
    free(pools);
    return rc;
}

/*
 * Destroy a pool that holds no domain: its pCPUs out first (Xen refuses
 * to destroy a pool that has pCPUs; libxl does this itself, the sim may
 * not), then back to Pool-0 whatever the driver did with them.
 */
static int destroy_pool(run_ctx *c, const hv_pool *p)
{
    xs_cpumap cpus = p->cpus;
    uint32_t id = p->id;
    int cpu, rc;

    for (cpu = CPUMAP_Next(&cpus, 0); cpu >= 0;
         cpu = CPUMAP_Next(&cpus, (unsigned)cpu + 1))
        HV_PoolRemoveCpu(c->h, id, (unsigned)cpu);   /* best effort */
    rc = HV_PoolDestroy(c->h, id);
    if (rc)
        return rc;
    return return_free_cpus(c, &cpus);
}

/* The domain and the cpupools as the host shows them now. */
static int look_again(run_ctx *c, const plan_stage *st, const plan_action *a,
                      hv_dom_cpus *d, hv_pool **pools, size_t *nr)
{
    int rc = exec_get_cpus(c, st, a, d);

    if (rc)
        return rc;
    free(*pools);
    *pools = NULL;
    *nr = 0;
    rc = HV_ListPools(c->h, pools, nr);
    if (rc)
        exec_act_failed(c, st, a, rc, "%s: cannot list cpupools: %s",
                        a->domain, exec_hv_why(c));
    return rc;
}

int exec_pool_enter(run_ctx *c, const plan_stage *st, const plan_action *a)
{
    hv_pool *pools = NULL;
    size_t nr = 0;
    const hv_pool *p0, *old;
    char sched[16];
    xs_cpumap removed;
    uint32_t id = 0;
    bool created = false, moved = false;
    hv_dom_cpus d;
    int cpu, rc;

    CPUMAP_Clear(&removed);
    rc = HV_ListPools(c->h, &pools, &nr);
    if (rc) {
        exec_act_failed(c, st, a, rc, "%s: cannot list cpupools: %s",
                        a->domain, exec_hv_why(c));
        goto out;
    }
    p0 = HV_PoolById(pools, nr, PLAN_POOL0_ID);
    if (!p0) {
        rc = HV_EFAIL;
        exec_act_failed(c, st, a, 0, "%s: the host has no Pool-0", a->domain);
        goto out;
    }
    snprintf(sched, sizeof(sched), "%s", p0->sched);
    old = HV_PoolByName(pools, nr, a->pool);
    if (old) {
        /* Left over by an earlier run that died: replace it if empty. */
        if (old->nr_domains) {
            rc = HV_EFAIL;
            exec_act_failed(c, st, a, 0, "%s: cpupool %s exists already and "
                            "holds domains", a->domain, a->pool);
            goto out;
        }
        rc = destroy_pool(c, old);
        if (rc) {
            exec_act_failed(c, st, a, rc, "%s: cannot remove the stale "
                            "cpupool %s: %s", a->domain, a->pool,
                            exec_hv_why(c));
            goto out;
        }
        free(pools);
        pools = NULL;
        rc = HV_ListPools(c->h, &pools, &nr);
        if (rc) {
            exec_act_failed(c, st, a, rc, "%s: cannot list cpupools: %s",
                            a->domain, exec_hv_why(c));
            goto out;
        }
        p0 = HV_PoolById(pools, nr, PLAN_POOL0_ID);
        if (!p0) {
            rc = HV_EFAIL;
            exec_act_failed(c, st, a, 0, "%s: the host has no Pool-0",
                            a->domain);
            goto out;
        }
    }
    /*
     * The pool first, empty: from the moment Pool-0 gives up the pCPUs,
     * dom0 (in Pool-0, running this) has fewer, and on the bed each of
     * its calls then took 3 times as long.
     */
    rc = HV_PoolCreate(c->h, a->pool, sched, &id);
    if (rc) {
        exec_act_failed(c, st, a, rc, "%s: cannot create cpupool %s: %s",
                        a->domain, a->pool, exec_hv_why(c));
        goto undo;
    }
    created = true;
    for (cpu = CPUMAP_Next(a->cpus, 0); cpu >= 0;
         cpu = CPUMAP_Next(a->cpus, (unsigned)cpu + 1)) {
        if (!CPUMAP_Test(&p0->cpus, (unsigned)cpu)) {
            if (cpu_in_a_pool(pools, nr, (unsigned)cpu)) {
                rc = HV_EBUSY;
                exec_act_failed(c, st, a, 0, "%s: pCPU %d is no longer in "
                                "Pool-0", a->domain, cpu);
                goto undo;
            }
            continue;           /* free already */
        }
        rc = HV_PoolRemoveCpu(c->h, PLAN_POOL0_ID, (unsigned)cpu);
        if (rc) {
            exec_act_failed(c, st, a, rc, "%s: cannot take pCPU %d from "
                            "Pool-0: %s", a->domain, cpu, exec_hv_why(c));
            goto undo;
        }
        CPUMAP_Set(&removed, (unsigned)cpu);
    }
    for (cpu = CPUMAP_Next(a->cpus, 0); cpu >= 0;
         cpu = CPUMAP_Next(a->cpus, (unsigned)cpu + 1)) {
        rc = HV_PoolAddCpu(c->h, id, (unsigned)cpu);
        if (rc) {
            exec_act_failed(c, st, a, rc, "%s: cannot add pCPU %d to cpupool "
                            "%s: %s", a->domain, cpu, a->pool, exec_hv_why(c));
            goto undo;
        }
    }
    rc = HV_PoolMoveDomain(c->h, id, a->domid);
    if (rc) {
        exec_act_failed(c, st, a, rc, "%s: cannot move it to cpupool %s: %s",
                        a->domain, a->pool, exec_hv_why(c));
        goto undo;
    }
    moved = true;

    /* Verify on the host. */
    rc = look_again(c, st, a, &d, &pools, &nr);
    if (rc)
        goto undo;
    old = HV_PoolById(pools, nr, id);
    if (d.pool != id || !old || !CPUMAP_Equal(&old->cpus, a->cpus)) {
        char m1[128];

        rc = HV_EFAIL;
        exec_act_failed(c, st, a, 0, "%s: after the move it is not in cpupool "
                        "%s with pCPUs %s", a->domain, a->pool,
                        CPUMAP_Format(a->cpus, m1, sizeof(m1)));
        goto undo;
    }
    rc = 0;
    goto out;

undo:
    /* Leave no half-made pool behind: the rollback plans from pools. */
    if (moved)
        HV_PoolMoveDomain(c->h, PLAN_POOL0_ID, a->domid);
    if (created) {
        hv_pool gone;

        memset(&gone, 0, sizeof(gone));
        gone.id = id;
        gone.cpus = *a->cpus;
        destroy_pool(c, &gone);
    }
    return_free_cpus(c, &removed);
out:
    free(pools);
    return rc;
}

int exec_pool_leave(run_ctx *c, const plan_stage *st, const plan_action *a)
{
    hv_pool *pools = NULL;
    size_t nr = 0;
    const hv_pool *p, *p0;
    hv_dom_cpus d;
    int rc;

    rc = HV_ListPools(c->h, &pools, &nr);
    if (rc) {
        exec_act_failed(c, st, a, rc, "%s: cannot list cpupools: %s",
                        a->domain, exec_hv_why(c));
        goto out;
    }
    p = HV_PoolByName(pools, nr, a->pool);
    rc = exec_get_cpus(c, st, a, &d);
    if (rc)
        goto out;
    if (p && d.pool == p->id) {
        rc = HV_PoolMoveDomain(c->h, PLAN_POOL0_ID, a->domid);
        if (rc) {
            exec_act_failed(c, st, a, rc, "%s: cannot move it back to Pool-0: "
                            "%s", a->domain, exec_hv_why(c));
            goto out;
        }
    }
    if (p) {
        free(pools);
        pools = NULL;
        rc = HV_ListPools(c->h, &pools, &nr);
        if (rc) {
            exec_act_failed(c, st, a, rc, "%s: cannot list cpupools: %s",
                            a->domain, exec_hv_why(c));
            goto out;
        }
        p = HV_PoolByName(pools, nr, a->pool);
    }
    if (p && p->nr_domains == 0) {
        rc = destroy_pool(c, p);
        if (rc) {
            exec_act_failed(c, st, a, rc, "%s: cannot destroy cpupool %s: %s",
                            a->domain, a->pool, exec_hv_why(c));
            goto out;
        }
    }
    /* Whatever the driver did on destroy, the pCPUs belong to Pool-0. */
    rc = return_free_cpus(c, a->cpus);
    if (rc) {
        exec_act_failed(c, st, a, rc, "%s: cannot give pCPUs back to Pool-0: "
                        "%s", a->domain, exec_hv_why(c));
        goto out;
    }

    /* Verify on the host. */
    rc = look_again(c, st, a, &d, &pools, &nr);
    if (rc)
        goto out;
    p0 = HV_PoolById(pools, nr, PLAN_POOL0_ID);
    if (d.pool != PLAN_POOL0_ID) {
        rc = HV_EFAIL;
        exec_act_failed(c, st, a, 0, "%s: still outside Pool-0 after leaving "
                        "%s", a->domain, a->pool);
        goto out;
    }
    if (p0) {
        xs_cpumap back = *a->cpus;

        CPUMAP_AndNot(&back, &p0->cpus);
        /* A pool still holding other domains keeps its pCPUs. */
        if (!CPUMAP_IsEmpty(&back) && !HV_PoolByName(pools, nr, a->pool)) {
            char m1[128];

            rc = HV_EFAIL;
            exec_act_failed(c, st, a, 0, "%s: pCPUs %s did not come back to "
                            "Pool-0", a->domain,
                            CPUMAP_Format(&back, m1, sizeof(m1)));
            goto out;
        }
    }
    rc = 0;
out:
    free(pools);
    return rc;
}

int exec_pin(run_ctx *c, const plan_stage *st, const plan_action *a)
{
    hv_dom_cpus d;
    xs_cpumap hard;
    char m1[128], m2[128];
    int rc;

    rc = HV_SetAffinity(c->h, a->domid, a->cpus, &c->online);
    if (rc) {
        exec_act_failed(c, st, a, rc, "%s: cannot pin to pCPUs %s: %s",
                        a->domain, CPUMAP_Format(a->cpus, m1, sizeof(m1)),
                        exec_hv_why(c));
        return rc;
    }
    rc = exec_get_cpus(c, st, a, &d);
    if (rc)
        return rc;
    hard = d.hard_affinity;
    map_and(&hard, &c->online);
    if (!CPUMAP_Equal(&hard, a->cpus)) {
        exec_act_failed(c, st, a, 0, "%s: pinned to pCPUs %s but the host "
                        "shows %s", a->domain,
                        CPUMAP_Format(a->cpus, m1, sizeof(m1)),
                        CPUMAP_Format(&hard, m2, sizeof(m2)));
        return HV_EFAIL;
    }
    return 0;
}
