/*
 * xen_numa.c - where a domain's memory lies on the real host and moving
 * it: per-node counts from the guard's domctl or, on stock Xen, from
 * debug key 'u' (cached, see NUMA_DUMP_REUSE_MS), node affinity, and
 * direct page moves (xenmove.c).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xen_int.h"

/* --- where memory lies -------------------------------------------------- */

/* Xen's console ring is 16 KiB by default; read up to this much of it. */
#define CONSOLE_READ_MAX (1024 * 1024)

/* The cached dump answers for doms: recent, and their pages unchanged. */
static bool numa_fresh(xen *x, const hv_domain *doms, size_t nr)
{
    return x->numa.at_ms &&
           HV_NowMs(&x->base) - x->numa.at_ms < NUMA_DUMP_REUSE_MS &&
           NUMADUMP_Covers(x->numa.doms, x->numa.nr, doms, nr);
}

void xen_numa_forget(xen *x)
{
    free(x->numa.doms);
    memset(&x->numa, 0, sizeof(x->numa));
}

/*
 * Press 'u' and parse the dump it printed into x->numa.  The ring is
 * read from where it ended before the key: the dump is this one, not an
 * older one, and the read is short.
 */
static int numa_dump(xen *x)
{
    unsigned int len;
    uint32_t index = 0;
    char *buf = malloc(CONSOLE_READ_MAX);
    xs_err err;
    int rc = HV_EFAIL;

    xen_numa_forget(x);
    if (!buf) {
        ERR_Set(&x->base.err, "reading the NUMA dump: out of memory");
        goto out;
    }
    do {                        /* to the ring's end */
        len = CONSOLE_READ_MAX;
        if (xc_readconsolering(x->xch, buf, &len, 0, 1, &index))
            goto fail;
    } while (len == CONSOLE_READ_MAX);
    len = CONSOLE_READ_MAX;
    if (xc_send_debug_keys(x->xch, "u") ||
        xc_readconsolering(x->xch, buf, &len, 0, 1, &index))
        goto fail;
    if (len == CONSOLE_READ_MAX) {
        /* its end may be past what was read: do not take it for whole */
        ERR_Set(&x->base.err, "asking Xen where memory lies: more than "
                "%d KiB of console output after debug key 'u'",
                CONSOLE_READ_MAX / 1024);
        goto out;
    }
    if (NUMADUMP_Parse(buf, len, &x->numa.doms, &x->numa.nr, &err)) {
        ERR_Set(&x->base.err, "asking Xen where memory lies: %s", err.msg);
        goto out;
    }
    x->numa.at_ms = HV_NowMs(&x->base);
    rc = 0;
    goto out;
fail:
    ERR_Set(&x->base.err, "asking Xen where memory lies (debug key 'u'): "
            "%s", strerror(errno));
out:
    free(buf);
    return rc;
}

/*
 * Where doms' memory lies, counted by a guarded Xen per domain (no
 * console, no walk of the other domains).  HV_ENOSYS when this Xen
 * cannot count; a domain gone meanwhile is left with node_known false.
 */
static int node_pages_counted(xen *x, hv_domain *doms, size_t nr)
{
    uint64_t pages[HV_MAX_NODES];
    size_t i;
    unsigned n;
    int rc;

    for (i = 0; i < nr; i++) {
        rc = XMV_NodePages(x->mover, doms[i].domid, pages, HV_MAX_NODES,
                           &x->base.err);
        if (rc == HV_ENODOMAIN) {
            doms[i].node_known = false;
            continue;
        }
        if (rc)
            return rc;          /* HV_ENOSYS: the caller reads 'u' */
        for (n = 0; n < HV_MAX_NODES; n++)
            doms[i].node_mem_kib[n] = pages[n] * XEN_PAGE_KIB;
        doms[i].node_known = true;
    }
    return 0;
}

int xen_get_node_memory(hv *h, hv_domain *doms, size_t nr)
{
    xen *x = X(h);
    libxl_physinfo pi;
    size_t i;
    unsigned nodes, n;
    int rc = HV_EFAIL;

    xen_begin(x);
    libxl_physinfo_init(&pi);
    if (libxl_get_physinfo(x->ctx, &pi)) {
        rc = xen_host_fail(x, ERROR_FAIL, "reading the host's NUMA nodes");
        goto out;
    }
    nodes = pi.nr_nodes ? pi.nr_nodes : 1;
    if (nodes == 1) {
        /* One node: nothing to ask. */
        for (i = 0; i < nr; i++) {
            memset(doms[i].node_mem_kib, 0, sizeof(doms[i].node_mem_kib));
            doms[i].node_mem_kib[0] = doms[i].mem_kib;
            doms[i].node_known = true;
        }
        rc = 0;
        goto out;
    }
    if (xen_guarded(x)) {
        rc = node_pages_counted(x, doms, nr);
        if (rc != HV_ENOSYS)
            goto out;
    }
    /* Stock Xen has no call for it: debug key 'u', parsed. */
    if (!numa_fresh(x, doms, nr)) {
        rc = numa_dump(x);
        if (rc)
            goto out;
    }
    for (i = 0; i < nr; i++) {
        const numadump_dom *e = NUMADUMP_Find(x->numa.doms, x->numa.nr,
                                              doms[i].domid);

        if (!e) {
            /* born after the dump, or its lines were mixed up */
            doms[i].node_known = false;
            continue;
        }
        memset(doms[i].node_mem_kib, 0, sizeof(doms[i].node_mem_kib));
        for (n = 0; n < e->nr_nodes && n < HV_MAX_NODES; n++)
            doms[i].node_mem_kib[n] = e->node_pages[n] * XEN_PAGE_KIB;
        doms[i].node_known = true;
    }
    rc = 0;
out:
    libxl_physinfo_dispose(&pi);
    return rc;
}

/* --- memory placement --------------------------------------------------- */

/*
 * Node affinity back to automatic (Xen derives it from the vCPUs'
 * affinity, as at boot).  Xen takes that only from a map with all of its
 * MAX_NUMNODES bits set, which libxc's nodemap, sized to the host's
 * nodes, cannot say: the domctl is made here with 256 bits set.  -1
 * (errno set) when Xen refused it, e.g. another domctl interface.
 */
static int reset_node_affinity(uint32_t domid)
{
    xencall_handle *call = xencall_open(NULL, 0);
    struct xen_domctl *dc = NULL;
    uint8_t *map = NULL;
    int rc = -1;

    if (!call)
        return -1;
    dc = xencall_alloc_buffer(call, sizeof(*dc));
    map = xencall_alloc_buffer(call, 32);
    if (dc && map) {
        memset(dc, 0, sizeof(*dc));
        memset(map, 0xff, 32);
        dc->cmd = XEN_DOMCTL_setnodeaffinity;
        dc->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
        dc->domain = (domid_t)domid;
        dc->u.nodeaffinity.nodemap.nr_bits = 256;
        /* a plain handle: xenctrl.h redefines set_xen_guest_handle */
        dc->u.nodeaffinity.nodemap.bitmap.p = map;
        rc = xencall1(call, __HYPERVISOR_domctl, (uint64_t)(uintptr_t)dc);
    }
    if (map)
        xencall_free_buffer(call, map);
    if (dc)
        xencall_free_buffer(call, dc);
    xencall_close(call);
    return rc ? -1 : 0;
}

int xen_set_node_affinity(hv *h, uint32_t domid, uint64_t want)
{
    xen *x = X(h);
    libxl_bitmap nodes;
    dom_ref d;
    int rc, max, n;

    libxl_bitmap_init(&nodes);
    rc = xen_dom_get(x, domid, &d, "setting its node affinity");
    if (rc)
        goto out;
    max = libxl_get_max_nodes(x->ctx);
    if (max <= 0) {
        rc = xen_host_fail(x, ERROR_FAIL, "domain %u (%s): setting its node "
                           "affinity: reading the number of nodes", domid,
                           d.name);
        goto out;
    }
    if (max < 64 && !(want & (((uint64_t)1 << max) - 1))) {
        ERR_Set(&x->base.err, "domain %u (%s): setting its node affinity to "
                "0x%llx: no such node (the host has %d)", domid, d.name,
                (unsigned long long)want, max);
        rc = HV_EINVAL;
        goto out;
    }
    if (libxl_node_bitmap_alloc(x->ctx, &nodes, 0)) {
        rc = xen_host_fail(x, ERROR_FAIL, "domain %u (%s): setting its node "
                           "affinity: sizing a nodemap", domid, d.name);
        goto out;
    }
    /*
     * Every node: automatic again when Xen takes it; else every node of
     * the host explicitly, which places pages the same way.
     */
    if (max >= 64 ? want == ~(uint64_t)0
                  : (want & (((uint64_t)1 << max) - 1)) ==
                    ((uint64_t)1 << max) - 1) {
        if (!reset_node_affinity(domid))
            goto out;
        libxl_bitmap_set_any(&nodes);
    }
    else
        for (n = 0; n < max && n < 64; n++)
            if (want >> n & 1)
                libxl_bitmap_set(&nodes, n);
    xen_begin(x);
    rc = libxl_domain_set_nodeaffinity(x->ctx, domid, &nodes);
    if (rc)
        rc = xen_dom_fail(x, &d, rc, "setting its node affinity to 0x%llx",
                          (unsigned long long)want);
out:
    libxl_bitmap_dispose(&nodes);
    xen_dom_put(&d);
    return rc;
}

int xen_move_memory(hv *h, uint32_t domid, int node,
                    uint64_t max_pages, hv_move_result *res)
{
    xen *x = X(h);
    uint64_t span;
    hv_domain cur;
    dom_ref d;
    int rc;

    memset(res, 0, sizeof(*res));
    rc = xen_dom_get(x, domid, &d, "moving its memory");
    if (rc)
        goto out;
    if (xen_guarded(x) != 1) {
        ERR_Set(&x->base.err, "domain %u (%s): direct page moves need the "
                "xenshift guard in the hypervisor (xen-patches/); this Xen "
                "has no XEN_DOMCTL_relocate_memory", domid, d.name);
        rc = HV_ENOSYS;
        goto out;
    }
    /*
     * No room below its maxmem needed: Xen swaps the new frames for the
     * old ones in the domain's allocation, its tot_pages stays.
     *
     * Its RAM can lie anywhere below the most it was built with, not
     * only below its maxmem now: a guest ballooned down gives back pages
     * from all over (`xl mem-set` lowers maxmem too).
     */
    memset(&cur, 0, sizeof(cur));
    xen_fill_memory(x, &d.info, &cur);
    span = cur.static_max_kib > d.info.max_memkb ? cur.static_max_kib
                                                 : d.info.max_memkb;
    rc = XMV_Pass(x->mover, x->xch, domid, node, span, max_pages, res,
                  &x->base.err);
    if (rc && rc != HV_ENOSYS) {
        /* the error names the domain by number: add its name */
        xs_err e = x->base.err;

        ERR_Set(&x->base.err, "%s (%s)", e.msg, d.name);
    }
    xen_numa_forget(x);             /* pages moved: a new dump will tell */
out:
    xen_dom_put(&d);
    return rc;
}
