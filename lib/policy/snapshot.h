/*
 * snapshot.h - the host as it is, taken once, for the pure planner.
 */
#ifndef XENSHIFT_SNAPSHOT_H
#define XENSHIFT_SNAPSHOT_H

#include <stddef.h>

#include "err.h"
#include "hv.h"

typedef struct xs_snapshot {
    hv_host host;
    hv_domain *doms;            /* dom0 included */
    size_t nr_doms;
    hv_pool *pools;
    size_t nr_pools;
} xs_snapshot;

void SNAP_Init(xs_snapshot *s);
void SNAP_Dispose(xs_snapshot *s);
/* Read host, pools and domains through h. */
int SNAP_Take(hv *h, xs_snapshot *s, xs_err *err);
/*
 * SNAP_Take a moment after before was taken: host, pools and every
 * domain's resources read anew, each domain's name, type and video RAM
 * taken from before when its domid is there (HV_ListDomainsAgain).
 */
int SNAP_TakeAgain(hv *h, const xs_snapshot *before, xs_snapshot *s,
                   xs_err *err);
const hv_domain *SNAP_FindDomain(const xs_snapshot *s, const char *name);
const hv_pool *SNAP_FindPool(const xs_snapshot *s, uint32_t id);
const hv_pool *SNAP_FindPoolByName(const xs_snapshot *s, const char *name);
/*
 * The pCPUs domain d can run on: its hard affinity restricted to its
 * cpupool's pCPUs (to the host's when the pool is unknown), as the
 * planner's "pCPUs before".  Xen keeps a wider hard affinity than the
 * pool when the pool shrank under it; only this part is ever used.
 */
void SNAP_EffectiveAffinity(const xs_snapshot *s, const hv_domain *d,
                            xs_cpumap *out);

#endif
