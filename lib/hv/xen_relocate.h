/*
 * xen_relocate.h - the ABI of XEN_DOMCTL_relocate_memory, the domctl that
 * xen-patches/ adds to Xen (see xen-patches/README.md).
 *
 * This mirrors struct xen_domctl_relocate_memory of the patched
 * xen/include/public/domctl.h and the head of struct xen_domctl; keep the
 * two the same (the _Static_asserts below pin the layout).
 *
 * A hypervisor has the operation when a call with XENSHIFT_RELOCATE_QUERY
 * returns 0 and writes a version of major XENSHIFT_RELOCATE_MAJOR into
 * .version: stock Xen answers the command number with ENOSYS, and a Xen
 * that gave the number to some other domctl does not write that value
 * there.  The minor half says what was added since (1: the per-node count,
 * XENSHIFT_RELOCATE_COUNT).
 */
#ifndef XENSHIFT_XEN_RELOCATE_H
#define XENSHIFT_XEN_RELOCATE_H

#include <stddef.h>
#include <stdint.h>

#define XENSHIFT_DOMCTL_relocate_memory 0x786d  /* off upstream's sequence */
#define XENSHIFT_RELOCATE_MAGIC   0x786d7276u   /* IN, checked by Xen */
#define XENSHIFT_RELOCATE_VERSION 0x00010001u   /* OUT, written by Xen */
#define XENSHIFT_RELOCATE_MAJOR(v) ((v) >> 16)  /* must be 1 */
#define XENSHIFT_RELOCATE_MINOR(v) ((v) & 0xffffu)
#define XENSHIFT_RELOCATE_QUERY   (1u << 0)     /* flags: only say version */
/*
 * flags, minor 1 and later: count the domain's pages per node into
 * node_pages[0 .. nr_extents); nr_done comes back as one more than the
 * highest node holding any.  extent_order, node and nr_done are 0.
 */
#define XENSHIFT_RELOCATE_COUNT   (1u << 1)

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
 * -ENOMEM  no free extent on the node (or what is free is claimed);
 * -EINVAL  the gfn is not aligned to the extent order. */

/* At most this many extents per call (Xen preempts and continues). */
#define XENMEM_RELOC_MAX_EXTENTS 512

struct xenshift_relocate_memory {
    uint32_t magic;             /* IN: XENSHIFT_RELOCATE_MAGIC */
    uint32_t flags;             /* IN: XENSHIFT_RELOCATE_QUERY or 0 */
    uint32_t node;              /* IN: target NUMA node */
    uint16_t extent_order;      /* IN: 0 (4 KiB) or 9 (2 MiB) */
    uint16_t pad;               /* IN: 0 */
    uint32_t nr_extents;        /* IN */
    uint32_t nr_done;           /* IN/OUT: extents dealt with; 0 to start */
    uint64_t gfn_list;          /* IN: XEN_GUEST_HANDLE_64(xen_pfn_t) */
    uint64_t status;            /* OUT: XEN_GUEST_HANDLE_64(int32_t) */
    uint32_t nr_moved;          /* OUT: extents with XENMEM_RELOC_MOVED */
    uint32_t nr_busy;           /* OUT: extents with -EBUSY */
    uint32_t version;           /* OUT: XENSHIFT_RELOCATE_VERSION */
    uint32_t pad2;
    uint64_t node_pages;        /* OUT: XEN_GUEST_HANDLE_64(uint64) */
};

/* struct xen_domctl: its head, and the union padded to 128 bytes. */
struct xenshift_domctl {
    uint32_t cmd;
    uint32_t interface_version; /* XEN_DOMCTL_INTERFACE_VERSION */
    uint16_t domain;
    uint16_t pad[3];
    union {
        struct xenshift_relocate_memory relocate;
        uint8_t pad[128];
    } u;
};

_Static_assert(sizeof(struct xenshift_relocate_memory) == 64,
               "struct xen_domctl_relocate_memory is 64 bytes");
_Static_assert(offsetof(struct xenshift_relocate_memory, gfn_list) == 24 &&
               offsetof(struct xenshift_relocate_memory, status) == 32 &&
               offsetof(struct xenshift_relocate_memory, version) == 48 &&
               offsetof(struct xenshift_relocate_memory, node_pages) == 56,
               "the handles and version where Xen has them");
_Static_assert(offsetof(struct xenshift_domctl, u) == 16 &&
               sizeof(struct xenshift_domctl) == 144,
               "struct xen_domctl: 16 bytes of head, a 128 byte union");

#endif
