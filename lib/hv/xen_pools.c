/*
 * xen_pools.c - the real host's cpupools: listing them (from Xen),
 * creating and destroying one, giving it pCPUs and taking them back,
 * moving a domain into it.  Each checks first what libxl would refuse
 * without a word (or with a vague one) and says why.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xen_int.h"

/*
 * One pool as Xen has it.  Its name is libxl's, in xenstore; a pool
 * without one (libxl_cpupool_create writes it after the hypercall, so a
 * process killed in between leaves such a pool) gets a made-up name,
 * so that it is seen, and the way back destroys it.
 */
static void pool_from_xc(xen *x, const xc_cpupoolinfo_t *ci, hv_pool *p)
{
    libxl_bitmap b;
    const char *sched;
    char *name;

    memset(p, 0, sizeof(*p));
    p->id = ci->cpupool_id;
    name = libxl_cpupoolid_to_name(x->ctx, ci->cpupool_id);
    if (name)
        snprintf(p->name, sizeof(p->name), "%s", name);
    else
        snprintf(p->name, sizeof(p->name), "(cpupool %u without a name)",
                 ci->cpupool_id);
    free(name);
    /* libxl's scheduler numbers are Xen's (libxl_cpupool_info) */
    sched = libxl_scheduler_to_string((libxl_scheduler)ci->sched_id);
    snprintf(p->sched, sizeof(p->sched), "%s", sched ? sched : "unknown");
    libxl_bitmap_init(&b);
    b.map = ci->cpumap;
    b.size = (uint32_t)xc_get_cpumap_size(x->xch);
    xen_to_cpumap(&b, &p->cpus);
    p->nr_domains = ci->n_dom;
}

/*
 * Every cpupool, from Xen itself: libxl_list_cpupool stops, without an
 * error, at the first pool that has no name in xenstore, and every pool
 * after it would be missing.
 */
int xen_list_pools(hv *h, hv_pool **pools, size_t *nr)
{
    xen *x = X(h);
    xc_cpupoolinfo_t *ci;
    hv_pool *v = NULL, *nv;
    uint32_t next = 0;
    size_t n = 0;

    xen_begin(x);
    *pools = NULL;
    *nr = 0;
    for (;;) {
        /* the pool with the lowest id from next on */
        ci = xc_cpupool_getinfo(x->xch, next);
        if (!ci) {
            if (errno == ENOENT)
                break;
            free(v);
            return xen_host_fail(x, ERROR_FAIL, "listing cpupools");
        }
        nv = realloc(v, (n + 1) * sizeof(*v));
        if (!nv) {
            xc_cpupool_infofree(x->xch, ci);
            free(v);
            ERR_Set(&x->base.err, "listing cpupools: out of memory");
            return HV_EFAIL;
        }
        v = nv;
        pool_from_xc(x, ci, &v[n++]);
        next = ci->cpupool_id + 1;
        xc_cpupool_infofree(x->xch, ci);
    }
    if (!n) {
        free(v);
        return xen_host_fail(x, ERROR_FAIL, "listing cpupools: Xen has none");
    }
    *pools = v;
    *nr = n;
    return 0;
}

/* One cpupool by id: 0, HV_ENOENT (message set) or another failure. */
int xen_pool_get(xen *x, uint32_t poolid, hv_pool *out, const char *what)
{
    hv_pool *pools = NULL;
    size_t nr = 0, i;
    int rc;

    rc = xen_list_pools(&x->base, &pools, &nr);
    if (rc)
        return rc;
    rc = HV_ENOENT;
    for (i = 0; i < nr; i++) {
        if (pools[i].id == poolid) {
            *out = pools[i];
            rc = 0;
            break;
        }
    }
    free(pools);
    if (rc)
        ERR_Set(&x->base.err, "cpupool %u: %s: no such cpupool", poolid,
                what);
    return rc;
}

int xen_pool_create(hv *h, const char *name, const char *sched,
                    uint32_t *poolid)
{
    xen *x = X(h);
    libxl_scheduler s;
    libxl_bitmap empty;
    libxl_uuid uuid;
    hv_pool *pools = NULL;
    size_t nr = 0, i;
    uint32_t id = LIBXL_CPUPOOL_POOLID_ANY;
    int rc;

    libxl_bitmap_init(&empty);
    if (!name || !name[0]) {
        ERR_Set(&x->base.err, "creating a cpupool: it needs a name");
        rc = HV_EINVAL;
        goto out;
    }
    rc = xen_list_pools(h, &pools, &nr);
    if (rc)
        goto out;
    /* libxl does not check; xl does. */
    for (i = 0; i < nr; i++) {
        if (strcmp(pools[i].name, name) == 0) {
            ERR_Set(&x->base.err, "creating cpupool %s: a cpupool of that "
                    "name exists (id %u)", name, pools[i].id);
            rc = HV_EINVAL;
            goto out;
        }
    }
    xen_begin(x);
    if (sched) {
        if (libxl_scheduler_from_string(sched, &s)) {
            ERR_Set(&x->base.err, "creating cpupool %s: unknown scheduler "
                    "\"%s\"", name, sched);
            rc = HV_EINVAL;
            goto out;
        }
    } else {
        /* As xl cpupool-create: the scheduler Xen runs by default. */
        rc = libxl_get_scheduler(x->ctx);
        if (rc < 0) {
            rc = xen_host_fail(x, rc, "creating cpupool %s: reading the "
                               "default scheduler", name);
            goto out;
        }
        s = (libxl_scheduler)rc;
    }
    if (libxl_cpu_bitmap_alloc(x->ctx, &empty, 0)) {
        rc = xen_host_fail(x, ERROR_FAIL, "creating cpupool %s: sizing a "
                           "cpumap", name);
        goto out;
    }
    libxl_uuid_generate(&uuid);
    /* Created without pCPUs; HV_PoolAddCpu gives it some. */
    rc = libxl_cpupool_create(x->ctx, name, s, empty, &uuid, &id);
    if (rc) {
        rc = xen_host_fail(x, rc, "creating cpupool %s", name);
        goto out;
    }
    *poolid = id;
out:
    libxl_bitmap_dispose(&empty);
    free(pools);
    return rc;
}

int xen_pool_destroy(hv *h, uint32_t poolid)
{
    xen *x = X(h);
    hv_pool p;
    int rc;

    rc = xen_pool_get(x, poolid, &p, "destroying it");
    if (rc)
        return rc;
    if (poolid == 0) {
        ERR_Set(&x->base.err, "cpupool %s: Pool-0 cannot be destroyed",
                p.name);
        return HV_EINVAL;
    }
    /* libxl says ERROR_INVAL and logs nothing when domains are left. */
    if (p.nr_domains) {
        ERR_Set(&x->base.err, "destroying cpupool %s: %u domain(s) still in "
                "it", p.name, p.nr_domains);
        return HV_EBUSY;
    }
    xen_begin(x);
    /* libxl takes the pool's pCPUs out (they become free), then destroys. */
    rc = libxl_cpupool_destroy(x->ctx, poolid);
    if (rc)
        return xen_host_fail(x, rc, "destroying cpupool %s", p.name);
    return 0;
}

int xen_pool_add_cpu(hv *h, uint32_t poolid, unsigned cpu)
{
    xen *x = X(h);
    hv_pool *pools = NULL, *p = NULL;
    xs_cpumap online;
    size_t nr = 0, i;
    int rc;

    rc = xen_online_cpus(x, &online);
    if (rc)
        goto out;
    rc = xen_list_pools(h, &pools, &nr);
    if (rc)
        goto out;
    for (i = 0; i < nr; i++) {
        if (pools[i].id == poolid)
            p = &pools[i];
    }
    if (!p) {
        ERR_Set(&x->base.err, "cpupool %u: adding pCPU %u: no such cpupool",
                poolid, cpu);
        rc = HV_ENOENT;
        goto out;
    }
    if (cpu >= HV_MAX_CPUS || !CPUMAP_Test(&online, cpu)) {
        ERR_Set(&x->base.err, "cpupool %s: adding pCPU %u: no such pCPU "
                "online", p->name, cpu);
        rc = HV_EINVAL;
        goto out;
    }
    for (i = 0; i < nr; i++) {
        if (CPUMAP_Test(&pools[i].cpus, cpu)) {
            ERR_Set(&x->base.err, "cpupool %s: adding pCPU %u: it is in "
                    "cpupool %s (remove it there first)", p->name, cpu,
                    pools[i].name);
            rc = pools[i].id == poolid ? HV_EINVAL : HV_EBUSY;
            goto out;
        }
    }
    xen_begin(x);
    rc = libxl_cpupool_cpuadd(x->ctx, poolid, (int)cpu);
    if (rc)
        rc = xen_host_fail(x, rc, "adding pCPU %u to cpupool %s", cpu, p->name);
out:
    free(pools);
    return rc;
}

int xen_pool_remove_cpu(hv *h, uint32_t poolid, unsigned cpu)
{
    xen *x = X(h);
    hv_pool p;
    int rc;

    rc = xen_pool_get(x, poolid, &p, "removing a pCPU");
    if (rc)
        return rc;
    if (cpu >= HV_MAX_CPUS || !CPUMAP_Test(&p.cpus, cpu)) {
        ERR_Set(&x->base.err, "cpupool %s: removing pCPU %u: it is not in "
                "it", p.name, cpu);
        return HV_EINVAL;
    }
    if (CPUMAP_Count(&p.cpus) == 1 && p.nr_domains) {
        ERR_Set(&x->base.err, "cpupool %s: removing pCPU %u: it is its last "
                "and %u domain(s) run there", p.name, cpu, p.nr_domains);
        return HV_EBUSY;
    }
    xen_begin(x);
    rc = libxl_cpupool_cpuremove(x->ctx, poolid, (int)cpu);
    if (rc)
        return xen_host_fail(x, rc, "removing pCPU %u from cpupool %s", cpu,
                             p.name);
    return 0;
}

int xen_pool_move_domain(hv *h, uint32_t poolid, uint32_t domid)
{
    xen *x = X(h);
    hv_pool p;
    dom_ref d;
    int rc;

    rc = xen_dom_get(x, domid, &d, "moving it to another cpupool");
    if (rc)
        goto out;
    rc = xen_pool_get(x, poolid, &p, "moving a domain into it");
    if (rc) {
        if (rc == HV_ENOENT)
            ERR_Set(&x->base.err, "domain %u (%s): moving it to cpupool %u: "
                    "no such cpupool", domid, d.name, poolid);
        goto out;
    }
    if (domid == 0) {
        /* Xen refuses a domain moving itself, and xenshift runs in dom0. */
        ERR_Set(&x->base.err, "domain 0 (%s): dom0 cannot leave its "
                "cpupool", d.name);
        rc = HV_EINVAL;
        goto out;
    }
    if (CPUMAP_IsEmpty(&p.cpus)) {
        ERR_Set(&x->base.err, "domain %u (%s): moving it to cpupool %s: the "
                "cpupool has no pCPU", domid, d.name, p.name);
        rc = HV_EINVAL;
        goto out;
    }
    xen_begin(x);
    /* Xen resets hard and soft affinity to all, unless already there. */
    rc = libxl_cpupool_movedomain(x->ctx, poolid, domid);
    if (rc)
        rc = xen_dom_fail(x, &d, rc, "moving it to cpupool %s", p.name);
out:
    xen_dom_put(&d);
    return rc;
}
