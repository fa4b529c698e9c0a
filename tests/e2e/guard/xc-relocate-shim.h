/*
 * xc-relocate-shim.h - what xen-patches/ adds to tools/include/xenctrl.h
 * and public/domctl.h, for building the series' own test program
 * (tools/tests/relocate-memory/test-relocate-memory.c, patches 0005 and
 * 0007) against the stock libxenctrl of the bed's dom0.  Force-included
 * (cc -include) before the test's source; the ABI comes from
 * lib/hv/xen_relocate.h, whose asserts pin it to the patched domctl.h.
 */
#ifndef XC_RELOCATE_SHIM_H
#define XC_RELOCATE_SHIM_H

#include <stdint.h>

#include <xenctrl.h>

#include "xen_relocate.h"

#define XEN_DOMCTL_RELOCATE_MAGIC       XENSHIFT_RELOCATE_MAGIC
#define XEN_DOMCTL_RELOCATE_VERSION     XENSHIFT_RELOCATE_VERSION
#define XEN_DOMCTL_RELOCATE_QUERY       XENSHIFT_RELOCATE_QUERY
#define XEN_DOMCTL_RELOCATE_COUNT       XENSHIFT_RELOCATE_COUNT
#define XEN_DOMCTL_RELOCATE_MAX_EXTENTS XENMEM_RELOC_MAX_EXTENTS
#define XEN_DOMCTL_RELOCATE_MOVED       XENMEM_RELOC_MOVED
#define XEN_DOMCTL_RELOCATE_THERE       XENMEM_RELOC_THERE
#define XEN_DOMCTL_RELOCATE_NOT_RAM     XENMEM_RELOC_NOT_RAM

/* The handles are plain 64-bit values here; the test never sets them. */
#define xen_domctl_relocate_memory xenshift_relocate_memory

/* As the patched libxenctrl's: -1 with errno set on failure. */
int xc_domain_relocate_memory(xc_interface *xch, uint32_t domid,
                              struct xen_domctl_relocate_memory *op,
                              xen_pfn_t *gfns, int32_t *status);
int xc_domain_node_pages(xc_interface *xch, uint32_t domid,
                         uint64_t *pages, unsigned int nr_nodes,
                         unsigned int *nr_needed);

#endif
