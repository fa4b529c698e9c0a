/*
 * snapshot.c - the host as it is, taken once, for the pure planner.
 */
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

void SNAP_Init(xs_snapshot *s)
{
    memset(s, 0, sizeof(*s));
}

void SNAP_Dispose(xs_snapshot *s)
{
    free(s->doms);
    free(s->pools);
    SNAP_Init(s);
}

static int take(hv *h, const xs_snapshot *before, xs_snapshot *s,
                xs_err *err)
{
    int rc;

    SNAP_Dispose(s);
    rc = HV_GetHost(h, &s->host);
    if (rc)
        goto out;
    rc = HV_ListPools(h, &s->pools, &s->nr_pools);
    if (rc)
        goto out;
    if (before)
        rc = HV_ListDomainsAgain(h, before->doms, before->nr_doms, &s->doms,
                                 &s->nr_doms);
    else
        rc = HV_ListDomains(h, &s->doms, &s->nr_doms);
out:
    if (rc) {
        if (err)
            *err = *HV_LastError(h);
        SNAP_Dispose(s);
    }
    return rc;
}

int SNAP_Take(hv *h, xs_snapshot *s, xs_err *err)
{
    return take(h, NULL, s, err);
}

int SNAP_TakeAgain(hv *h, const xs_snapshot *before, xs_snapshot *s,
                   xs_err *err)
{
    return take(h, before, s, err);
}

const hv_domain *SNAP_FindDomain(const xs_snapshot *s, const char *name)
{
    size_t i;

    for (i = 0; i < s->nr_doms; i++)
        if (strcmp(s->doms[i].name, name) == 0)
            return &s->doms[i];
    return NULL;
}

const hv_pool *SNAP_FindPool(const xs_snapshot *s, uint32_t id)
{
    return HV_PoolById(s->pools, s->nr_pools, id);
}

void SNAP_EffectiveAffinity(const xs_snapshot *s, const hv_domain *d,
                            xs_cpumap *out)
{
    const hv_pool *p = SNAP_FindPool(s, d->pool);
    xs_cpumap host;

    *out = d->hard_affinity;
    if (p) {
        CPUMAP_And(out, &p->cpus);
    } else {
        CPUMAP_Fill(&host, s->host.nr_cpus);
        CPUMAP_And(out, &host);
    }
}

const hv_pool *SNAP_FindPoolByName(const xs_snapshot *s, const char *name)
{
    return HV_PoolByName(s->pools, s->nr_pools, name);
}
