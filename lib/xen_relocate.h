/*
 * xen_relocate.h - the ABI of XENMEM_relocate_exclusive, the memory
 * operation that xen-patches/ adds to Xen (see xen-patches/README.md).
 *
 * Stock Xen does not know the sub-op and answers -ENOSYS: that is how
 * xenshift tells a guarded hypervisor from a stock one.  This mirrors
 * the structure in the patched xen/include/public/memory.h; keep the
 * two the same.
 */
#ifndef XENSHIFT_XEN_RELOCATE_H
#define XENSHIFT_XEN_RELOCATE_H

#include <stdint.h>

#define XENSHIFT_XENMEM_relocate_exclusive 29

/* Per-extent results written to status[]. */
#define XENMEM_RELOC_MOVED      0   /* now backed by frames on the node */
#define XENMEM_RELOC_THERE      1   /* every frame already on the node */
#define XENMEM_RELOC_NOT_RAM    2   /* hole, MMIO, grant, paged, shared,
                                       or not the guest's own RAM: left */
/* Negative: -errno, the extent was left untouched (p2m unchanged):
 * -EBUSY   a frame is referenced beyond the guest's allocation (a
 *          backend's grant mapping, a foreign mapping, a page the guest
 *          registered with Xen such as vcpu_info or an event channel
 *          control block);
 * -ENOMEM  no free extent on the node (or the domain is at max_pages);
 * -EINVAL  the gfn is not aligned to the extent order. */

/* At most this many extents per call; at most this many 4 KiB pages. */
#define XENMEM_RELOC_MAX_EXTENTS 512
#define XENMEM_RELOC_MAX_PAGES   4096

struct xenshift_xen_relocate_exclusive {
    /* IN */
    uint16_t domid;
    uint16_t extent_order;      /* 0 (4 KiB) or 9 (2 MiB) */
    uint32_t node;              /* target NUMA node */
    uint32_t nr_extents;
    uint32_t flags;             /* must be 0 */
    uint64_t gfn_list;          /* XEN_GUEST_HANDLE(xen_pfn_t): first gfn
                                   of each extent */
    uint64_t status;            /* XEN_GUEST_HANDLE(int32_t): OUT */
    /* OUT */
    uint32_t nr_moved;          /* extents with XENMEM_RELOC_MOVED */
    uint32_t nr_busy;           /* extents with -EBUSY */
};

#endif
