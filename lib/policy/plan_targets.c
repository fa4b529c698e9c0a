/*
 * plan_targets.c - the planner's input: the wanted state of every
 * domain a table phase names, or of every domain as a snapshot has it
 * (what a rollback puts back).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "plan_int.h"

int PLAN_TargetsFromPhase(const tbl_table *t, const char *phase,
                          plan_target **targets, size_t *nr, xs_err *err)
{
    const tbl_phase *ph;
    plan_target *v = NULL;
    size_t i;
    int rc = -1;

    *targets = NULL;
    *nr = 0;
    ph = TBL_FindPhase(t, phase);
    if (!ph) {
        char names[512] = "";
        size_t len = 0;

        for (i = 0; i < t->nr_phases && len < sizeof(names); i++)
            len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
                                    i ? ", " : "", t->phases[i].name);
        ERR_Set(err, "no phase '%s' in the table (phases: %s)", phase,
                t->nr_phases ? names : "none");
        goto out;
    }
    v = calloc(ph->nr_allocs ? ph->nr_allocs : 1, sizeof(*v));
    if (!v) {
        ERR_Set(err, "out of memory");
        goto out;
    }
    for (i = 0; i < ph->nr_allocs; i++) {
        const tbl_alloc *a = &ph->allocs[i];
        const tbl_domain *td = TBL_FindDomain(t, a->domain);
        plan_target *pt = &v[i];

        snprintf(pt->domain, sizeof(pt->domain), "%s", a->domain);
        pt->memory_kib = a->memory_kib;
        pt->floor_kib = td ? td->min_kib : 0;
        pt->vcpus = a->vcpus;
        pt->dedicated = a->cpus == TBL_CPUS_DEDICATED;
        CPUMAP_Clear(&pt->pcpus);
        if (pt->dedicated && a->has_pcpu_list)
            pt->pcpus = a->pcpu_list;
        pt->pcpu_count = pt->dedicated && !a->has_pcpu_list
                         ? a->pcpu_count : 0;
        pt->node = a->node;
    }
    *targets = v;
    *nr = ph->nr_allocs;
    v = NULL;
    rc = 0;
out:
    free(v);
    return rc;
}


int PLAN_TargetsFromSnapshot(const xs_snapshot *snap,
                             const plan_target *like, size_t nr,
                             plan_target **targets, xs_err *err)
{
    plan_target *v = NULL;
    plan_index doms = { NULL, 0, NULL, 0, 0, 0 };
    size_t i;
    int rc = -1;

    *targets = NULL;
    v = calloc(nr ? nr : 1, sizeof(*v));
    if (!v || plan_index_build(&doms, snap->doms, snap->nr_doms,
                               sizeof(*snap->doms),
                               offsetof(hv_domain, name))) {
        ERR_Set(err, "out of memory");
        goto out;
    }
    for (i = 0; i < nr; i++) {
        size_t hit = plan_index_find(&doms, like[i].domain);
        const hv_domain *d;
        const hv_pool *p;

        if (hit == PLAN_NO_INDEX) {
            ERR_Set(err, "%s was not running when the snapshot was taken",
                    like[i].domain);
            goto out;
        }
        d = &snap->doms[hit];
        p = SNAP_FindPool(snap, d->pool);
        snprintf(v[i].domain, sizeof(v[i].domain), "%s", d->name);
        v[i].memory_kib = d->target_kib;
        v[i].floor_kib = 0;
        v[i].vcpus = (int)d->vcpus_online;
        v[i].dedicated = plan_is_xs_pool(p);
        CPUMAP_Clear(&v[i].pcpus);
        if (v[i].dedicated)
            v[i].pcpus = p->cpus;
        v[i].pcpu_count = 0;
        v[i].node = TBL_KEEP;
    }
    *targets = v;
    v = NULL;
    rc = 0;
out:
    free(v);
    plan_index_dispose(&doms);
    return rc;
}

