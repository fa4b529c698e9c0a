/*
 * snapbuild.h - host snapshots written by hand for the planner's and the
 * predicate's unit tests (test_plan.c, test_reached.c, test_hostcheck.c).
 */
#ifndef XENSHIFT_TEST_SNAPBUILD_H
#define XENSHIFT_TEST_SNAPBUILD_H

#include <stdint.h>

#include "cpumap.h"
#include "snapshot.h"

/* A pCPU list ("0-1,4"); aborts on a malformed one (a bug in the test). */
xs_cpumap TSNAP_Map(const char *s);
/* A pool with the credit scheduler. */
hv_pool *TSNAP_AddPool(xs_snapshot *s, uint32_t id, const char *name,
                       const char *cpus);
/*
 * A PV domain at its target, 1 vCPU of 4, built for 1 GiB, in pool with
 * hard affinity hard and soft affinity all.  The pointer holds until the
 * next TSNAP_AddDom (the array is reallocated).
 */
hv_domain *TSNAP_AddDom(xs_snapshot *s, uint32_t domid, const char *name,
                        uint64_t mem_mib, uint32_t pool, const char *hard);

#endif
