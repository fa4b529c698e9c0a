/*
 * xenmove_int.h - xenmove.c's insides, for xenmove.c and its unit test
 * (tests/unit/test_xenmove.c) only: the batching is tested without Xen
 * by putting a stand-in where the hypercall goes.
 */
#ifndef XENSHIFT_XENMOVE_INT_H
#define XENSHIFT_XENMOVE_INT_H

#include <stdint.h>

#include "xen_relocate.h"
#include "xenmove.h"

/* Entries in the gfn and status buffers: one call's worth at most. */
#define XMV_BUF_ENTRIES 512u
#define XMV_MAX_SPECIAL 16

/*
 * XEN_DOMCTL_relocate_memory with the argument dc (the gfns and the
 * status array are where its handles point): 0 or -errno, as Xen does.
 */
typedef int xmv_relocate_fn(void *ctx, struct xenshift_domctl *dc);

/*
 * dc for one call of nr extents of 2^order pages to node, or with
 * flags XENSHIFT_RELOCATE_QUERY the probe; built against this system's
 * XEN_DOMCTL_INTERFACE_VERSION.
 */
void xmv_fill_domctl(struct xenshift_domctl *dc, uint32_t domid, int node,
                     unsigned order, unsigned nr, uint32_t flags,
                     const uint64_t *gfns, const int32_t *status);

/*
 * What a probe's answer (rc, and dc as Xen left it) says: 1 the
 * hypervisor has the operation, 0 it has not (stock Xen, another domctl
 * interface version, FLASK refusing an unknown domctl, another operation
 * under the number), -1 the answer makes no sense.
 */
int xmv_probe_verdict(int rc, const struct xenshift_domctl *dc);

/* The frames of one pass: the guest's RAM ranges and its special pages. */
typedef struct xmv_layout {
    uint64_t low_end;                   /* [0, low_end) */
    uint64_t high_end;                  /* [4 GiB, high_end), may be empty */
    uint64_t special[XMV_MAX_SPECIAL];
    unsigned nr_special;
} xmv_layout;

/* Counts of one pass. */
typedef struct xmv_tally {
    uint64_t moved, busy, nomem;
    uint64_t longest_us;
} xmv_tally;

/*
 * A mover that calls fn instead of Xen, with the caller's argument and
 * buffers of XMV_BUF_ENTRIES entries (XMV_Close leaves them).  NULL: out
 * of memory.
 */
xmv *xmv_open_with(xmv_relocate_fn *fn, void *ctx,
                   struct xenshift_domctl *dc, uint64_t *gfns,
                   int32_t *status);

/*
 * Offer [gfn, end) page by page, leaving the special pages out, in calls
 * of at most XMV_BUF_ENTRIES pages.  *not_ram: how many Xen said are not
 * the guest's RAM.  0, or an hv code with err filled.
 */
int xmv_offer_pages(xmv *m, const xmv_layout *l, uint32_t domid, int node,
                    uint64_t gfn, uint64_t end, xmv_tally *t,
                    uint64_t *not_ram, xs_err *err);

#endif
