/*
 * snapbuild.c - host snapshots written by hand for unit tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapbuild.h"

#define MIB 1024ULL

xs_cpumap TSNAP_Map(const char *s)
{
    xs_cpumap m;
    int bad;

    if (CPUMAP_Parse(s, HV_MAX_CPUS, &m, &bad))
        abort();
    return m;
}

hv_pool *TSNAP_AddPool(xs_snapshot *s, uint32_t id, const char *name,
                       const char *cpus)
{
    hv_pool *p;

    s->pools = realloc(s->pools, (s->nr_pools + 1) * sizeof(*s->pools));
    if (!s->pools)
        abort();
    p = &s->pools[s->nr_pools++];
    memset(p, 0, sizeof(*p));
    p->id = id;
    snprintf(p->name, sizeof(p->name), "%s", name);
    snprintf(p->sched, sizeof(p->sched), "credit");
    p->cpus = TSNAP_Map(cpus);
    return p;
}

hv_domain *TSNAP_AddDom(xs_snapshot *s, uint32_t domid, const char *name,
                        uint64_t mem_mib, uint32_t pool, const char *hard)
{
    hv_domain *d;
    size_t i;

    s->doms = realloc(s->doms, (s->nr_doms + 1) * sizeof(*s->doms));
    if (!s->doms)
        abort();
    d = &s->doms[s->nr_doms++];
    memset(d, 0, sizeof(*d));
    d->domid = domid;
    snprintf(d->name, sizeof(d->name), "%s", name);
    d->type = HV_DOM_PV;
    d->mem_kib = d->target_kib = d->maxmem_kib = mem_mib * MIB;
    d->static_max_kib = 1024 * MIB;
    d->vcpus_online = 1;
    d->vcpus_max = 4;
    d->pool = pool;
    d->hard_affinity = TSNAP_Map(hard);
    CPUMAP_Fill(&d->soft_affinity, HV_MAX_CPUS);
    for (i = 0; i < s->nr_pools; i++)
        if (s->pools[i].id == pool)
            s->pools[i].nr_domains++;
    return d;
}
