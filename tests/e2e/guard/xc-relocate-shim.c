/*
 * xc-relocate-shim.c - xc_domain_relocate_memory() and
 * xc_domain_node_pages() as patches 0004 and 0007 of xen-patches/ add
 * them to libxenctrl, written on libxencall, so that the series' test
 * program runs on the bed's dom0, whose libxenctrl is Debian's.  The
 * domctl is issued as the patched libxenctrl issues it: the caller's
 * structure in struct xen_domctl, the arrays in hypercall buffers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define __XEN_TOOLS__ 1
#include <xencall.h>
#include <xen/xen.h>
#include <xen/domctl.h>

#include "xc-relocate-shim.h"

static xencall_handle *call;

/* The one libxencall handle, opened on first use; NULL with errno set. */
static xencall_handle *shim_call(void)
{
    if (!call)
        call = xencall_open(NULL, 0);
    return call;
}

/* One domctl; the arrays stay the caller's job.  -1/errno as libxenctrl. */
static int do_relocate_domctl(uint32_t domid,
                              struct xenshift_relocate_memory *op,
                              struct xenshift_relocate_memory *out)
{
    struct xenshift_domctl *dc;
    int rc, saved;

    if (!shim_call())
        return -1;
    dc = xencall_alloc_buffer(call, sizeof(*dc));
    if (!dc) {
        errno = ENOMEM;
        return -1;
    }
    memset(dc, 0, sizeof(*dc));
    dc->cmd = XENSHIFT_DOMCTL_relocate_memory;
    dc->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    dc->domain = (uint16_t)domid;
    dc->u.relocate = *op;
    rc = xencall1(call, __HYPERVISOR_domctl, (uint64_t)(uintptr_t)dc);
    saved = errno;
    *out = dc->u.relocate;
    xencall_free_buffer(call, dc);
    errno = saved;
    return rc < 0 ? -1 : 0;
}

int xc_domain_relocate_memory(xc_interface *xch, uint32_t domid,
                              struct xen_domctl_relocate_memory *op,
                              xen_pfn_t *gfns, int32_t *status)
{
    struct xenshift_relocate_memory in = *op, out;
    size_t n = op->nr_extents;
    uint64_t *hg = NULL;
    int32_t *hs = NULL;
    int rc = -1, saved;

    (void)xch;
    if (!shim_call())
        return -1;
    if (n) {
        hg = xencall_alloc_buffer(call, n * sizeof(*hg));
        hs = xencall_alloc_buffer(call, n * sizeof(*hs));
        if (!hg || !hs) {
            errno = ENOMEM;
            goto out;
        }
        if (gfns)
            memcpy(hg, gfns, n * sizeof(*hg));
        if (status)
            memcpy(hs, status, n * sizeof(*hs));
    }
    in.gfn_list = (uint64_t)(uintptr_t)hg;
    in.status = (uint64_t)(uintptr_t)hs;
    rc = do_relocate_domctl(domid, &in, &out);
    saved = errno;
    if (n && status)
        memcpy(status, hs, n * sizeof(*hs));
    op->nr_done = out.nr_done;
    op->nr_moved = out.nr_moved;
    op->nr_busy = out.nr_busy;
    op->version = out.version;
    errno = saved;
out:
    saved = errno;
    if (hg)
        xencall_free_buffer(call, hg);
    if (hs)
        xencall_free_buffer(call, hs);
    errno = saved;
    return rc;
}

int xc_domain_node_pages(xc_interface *xch, uint32_t domid,
                         uint64_t *pages, unsigned int nr_nodes,
                         unsigned int *nr_needed)
{
    struct xenshift_relocate_memory in, out;
    uint64_t *hp = NULL;
    int rc, saved;

    (void)xch;
    if (!shim_call())
        return -1;
    if (nr_nodes) {
        hp = xencall_alloc_buffer(call, nr_nodes * sizeof(*hp));
        if (!hp) {
            errno = ENOMEM;
            return -1;
        }
        memset(hp, 0, nr_nodes * sizeof(*hp));
    }
    memset(&in, 0, sizeof(in));
    in.magic = XENSHIFT_RELOCATE_MAGIC;
    in.flags = XENSHIFT_RELOCATE_COUNT;
    in.nr_extents = nr_nodes;
    in.node_pages = (uint64_t)(uintptr_t)hp;
    rc = do_relocate_domctl(domid, &in, &out);
    saved = errno;
    if (!rc) {
        memcpy(pages, hp, nr_nodes * sizeof(*pages));
        if (nr_needed)
            *nr_needed = out.nr_done;
    }
    if (hp)
        xencall_free_buffer(call, hp);
    errno = saved;
    return rc;
}
