/*
 * xenmove.h - direct moves of a running guest's memory between NUMA
 * nodes, through XEN_DOMCTL_relocate_memory (xen-patches/).
 *
 * Xen does the copying: per extent, under the guest's p2m lock and with
 * the guest paused, it refuses (EBUSY) any frame that something besides
 * the guest's own allocation holds - a backend's grant mapping, a
 * foreign mapping, a vcpu_info or event-channel page the guest
 * registered - and otherwise copies it to a frame on the node, switches
 * the p2m entry and swaps the frames in the guest's allocation (its
 * tot_pages stays: no room below maxmem is needed).  This module only
 * decides which guest frames to offer, in which sizes, and keeps the
 * counts.  Used by hv_xen.c; XMV_Probe tells a hypervisor with the
 * operation from one without.
 */
#ifndef XENSHIFT_XENMOVE_H
#define XENSHIFT_XENMOVE_H

#include <stdint.h>

#include <xenctrl.h>

#include "err.h"
#include "hv.h"

typedef struct xmv xmv;

/* NULL with err filled when privcmd cannot be opened. */
xmv *XMV_Open(xs_err *err);
void XMV_Close(xmv *m);

/*
 * 1: the hypervisor has the guard (a query call said its ABI version,
 * major 1; the minor one is kept for XMV_NodePages);
 * 0: it has not (stock Xen, or an older guarded build whose operation
 * was a memory op); -1: error, err filled.
 */
int XMV_Probe(xmv *m, xs_err *err);

/*
 * How many of domid's pages lie on each node, counted by Xen
 * (XENSHIFT_RELOCATE_COUNT) into pages[0 .. nr).  Returns 0,
 * HV_ENOSYS when the hypervisor cannot count (stock Xen, or a guarded
 * build before ABI 1.1; XMV_Probe must have been called), HV_ENODOMAIN,
 * or HV_EFAIL with err filled.
 */
int XMV_NodePages(xmv *m, uint32_t domid, uint64_t *pages, unsigned nr,
                  xs_err *err);

/*
 * Offer domid's RAM to node, resuming where the last call for the same
 * domain and node stopped, until max_pages were moved or every frame
 * was offered once since the pass began (then res->moved_pages is what
 * this call moved, and a call that moves nothing has seen them all).
 * span_kib bounds the low RAM range (the most memory the guest was
 * built with or may have now); special pages (xenstore and
 * console rings, ioreq pages, ...) are never offered.
 * Returns 0, HV_ENOSYS (stock Xen), HV_EINVAL (a PV guest, bad node) or
 * HV_EFAIL, with err filled.
 */
int XMV_Pass(xmv *m, xc_interface *xch, uint32_t domid, int node,
             uint64_t span_kib, uint64_t max_pages, hv_move_result *res,
             xs_err *err);

#endif
