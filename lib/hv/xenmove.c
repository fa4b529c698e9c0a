/*
 * xenmove.c - offer a guest's frames to XEN_DOMCTL_relocate_memory.
 *
 * Choices made here:
 *  - 2 MiB extents first (Xen keeps the superpage backing); an extent
 *    that is not wholly movable (a busy frame, a hole, a special page,
 *    no free 2 MiB run on the node) is offered again page by page, so
 *    one busy page does not keep 511 others where they are.
 *  - At most XMV_BATCH_PAGES per hypercall: Xen pauses the guest for
 *    one call, so that bounds the pause.  The guest runs between calls.
 *  - Which frames are RAM is Xen's to say (status NOT_RAM): the ranges
 *    offered are the low RAM up to maxmem (below the 3.75 GiB MMIO hole)
 *    and what lies above 4 GiB, so the special and ACPI pages near 4 GiB
 *    are never offered; the special pages named by HVM params are left
 *    out by number as well.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* xenctrl.h first: it sets up the Xen public headers for tools */
#include "xenmove.h"

#include <xencall.h>
#include <xen/hvm/params.h>

#include "xen_relocate.h"
#include "xenmove_int.h"

#define XMV_EXTENT_PAGES 512u           /* order 9: 2 MiB */
/*
 * Pages per call: 4 MiB.  Xen takes 512 extents of 2 MiB and preempts
 * itself, but it pauses the guest for a call (up to its preemption): a
 * 16 MiB batch paused a guest for up to 750 ms under the test bed's
 * emulation; the guest runs between calls.
 */
#define XMV_BATCH_PAGES 1024u
#define XMV_BATCH (XMV_BATCH_PAGES / XMV_EXTENT_PAGES)
/*
 * Page by page, one extent is one page: a call holds at most as many
 * as the buffers and the ABI take (XENMEM_RELOC_MAX_EXTENTS), 2 MiB.
 */
#define XMV_PAGE_BATCH (XMV_BATCH_PAGES < XMV_BUF_ENTRIES ? \
                        XMV_BATCH_PAGES : XMV_BUF_ENTRIES)
#define XMV_LOW_END 0xf0000ull          /* gfn: the MMIO hole below 4 GiB */
#define XMV_HIGH_START 0x100000ull      /* gfn: 4 GiB */

_Static_assert(XMV_BUF_ENTRIES <= XENMEM_RELOC_MAX_EXTENTS,
               "a call takes at most XENMEM_RELOC_MAX_EXTENTS extents");
_Static_assert(XMV_BATCH <= XMV_BUF_ENTRIES,
               "an extent batch fits the buffers");

struct xmv {
    xencall_handle *call;
    struct xenshift_domctl *dc;         /* the call's argument */
    uint64_t *gfns;             /* XMV_BUF_ENTRIES each */
    int32_t *status;
    xmv_relocate_fn *relocate;  /* the hypercall (a test's stand-in) */
    void *relocate_ctx;
    /* where the last pass stopped */
    uint32_t domid;
    int node;
    uint64_t cursor;
    bool have_cursor;
    /*
     * Low extents found to hold no RAM at all (ballooned out, holes):
     * not offered again while the same move goes on.
     */
    uint8_t *hole;
    uint64_t nr_hole_bits;
    uint64_t last_ms;           /* when the last pass ended */
    unsigned abi_minor;         /* what the probe found (0: no count) */
};

static uint64_t now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

/* XEN_DOMCTL_relocate_memory through privcmd. */
static int hypercall(void *ctx, struct xenshift_domctl *dc)
{
    xmv *m = ctx;

    if (xencall1(m->call, __HYPERVISOR_domctl, (uint64_t)(uintptr_t)dc) < 0)
        return -errno;
    return 0;
}

void xmv_fill_domctl(struct xenshift_domctl *dc, uint32_t domid, int node,
                     unsigned order, unsigned nr, uint32_t flags,
                     const uint64_t *gfns, const int32_t *status)
{
    struct xenshift_relocate_memory *r = &dc->u.relocate;

    memset(dc, 0, sizeof(*dc));
    dc->cmd = XENSHIFT_DOMCTL_relocate_memory;
    dc->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    dc->domain = (uint16_t)domid;
    r->magic = XENSHIFT_RELOCATE_MAGIC;
    r->flags = flags;
    r->node = (uint32_t)node;
    r->extent_order = (uint16_t)order;
    r->nr_extents = nr;
    r->gfn_list = (uint64_t)(uintptr_t)gfns;
    r->status = (uint64_t)(uintptr_t)status;
}

int xmv_probe_verdict(int rc, const struct xenshift_domctl *dc)
{
    if (rc == 0)
        return XENSHIFT_RELOCATE_MAJOR(dc->u.relocate.version) ==
               XENSHIFT_RELOCATE_MAJOR(XENSHIFT_RELOCATE_VERSION);
    /*
     * ENOSYS: stock Xen.  EACCES: a Xen of another domctl interface
     * version than the one built against.  EPERM: FLASK without a rule
     * for an unknown domctl, or not allowed.  EINVAL: something else
     * has the number and refused the structure.
     */
    if (rc == -ENOSYS || rc == -EACCES || rc == -EPERM || rc == -EINVAL)
        return 0;
    return -1;
}

xmv *xmv_open_with(xmv_relocate_fn *fn, void *ctx,
                   struct xenshift_domctl *dc, uint64_t *gfns,
                   int32_t *status)
{
    xmv *m = calloc(1, sizeof(*m));

    if (!m)
        return NULL;
    m->relocate = fn;
    m->relocate_ctx = ctx;
    m->dc = dc;
    m->gfns = gfns;
    m->status = status;
    return m;
}

xmv *XMV_Open(xs_err *err)
{
    xmv *m = calloc(1, sizeof(*m));

    if (!m) {
        ERR_Set(err, "out of memory");
        return NULL;
    }
    m->call = xencall_open(NULL, 0);
    if (!m->call) {
        ERR_Set(err, "cannot open privcmd for hypercalls: %s",
                strerror(errno));
        goto fail;
    }
    /* hypercall-safe buffers: Xen reads and writes them in place */
    m->dc = xencall_alloc_buffer(m->call, sizeof(*m->dc));
    m->gfns = xencall_alloc_buffer(m->call, XMV_BUF_ENTRIES *
                                   sizeof(*m->gfns));
    m->status = xencall_alloc_buffer(m->call, XMV_BUF_ENTRIES *
                                     sizeof(*m->status));
    m->relocate = hypercall;
    m->relocate_ctx = m;
    if (!m->dc || !m->gfns || !m->status) {
        ERR_Set(err, "cannot allocate hypercall buffers");
        goto fail;
    }
    return m;
fail:
    XMV_Close(m);
    return NULL;
}

void XMV_Close(xmv *m)
{
    if (!m)
        return;
    free(m->hole);
    /* without privcmd the buffers are the caller's (xmv_open_with) */
    if (m->call) {
        if (m->dc)
            xencall_free_buffer(m->call, m->dc);
        if (m->gfns)
            xencall_free_buffer(m->call, m->gfns);
        if (m->status)
            xencall_free_buffer(m->call, m->status);
        xencall_close(m->call);
    }
    free(m);
}

/*
 * One XEN_DOMCTL_relocate_memory of m->gfns[0..nr): 0 or -errno; *us:
 * how long it took.  Xen continues a preempted call itself; a caller
 * that sees ERESTART (not through Linux's privcmd) issues the same
 * structure again, which resumes at its nr_done.
 */
static int relocate(xmv *m, uint32_t domid, int node, unsigned order,
                    unsigned nr, uint64_t *us)
{
    struct timespec t0, t1;
    int rc;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    xmv_fill_domctl(m->dc, domid, node, order, nr, 0, m->gfns, m->status);
    do
        rc = m->relocate(m->relocate_ctx, m->dc);
    while (rc == -ERESTART);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (us)
        *us = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000u +
              (uint64_t)((t1.tv_nsec - t0.tv_nsec) / 1000);
    return rc;
}

int XMV_Probe(xmv *m, xs_err *err)
{
    int rc, verdict;

    /* Asked about dom0, the caller: the query looks at no domain. */
    xmv_fill_domctl(m->dc, 0, 0, 0, 0, XENSHIFT_RELOCATE_QUERY, NULL, NULL);
    rc = m->relocate(m->relocate_ctx, m->dc);
    verdict = xmv_probe_verdict(rc, m->dc);
    if (verdict < 0)
        ERR_Set(err, "asking Xen for XEN_DOMCTL_relocate_memory: %s",
                strerror(-rc));
    m->abi_minor = verdict == 1 ?
                   XENSHIFT_RELOCATE_MINOR(m->dc->u.relocate.version) : 0;
    return verdict;
}

int XMV_NodePages(xmv *m, uint32_t domid, uint64_t *pages, unsigned nr,
                  xs_err *err)
{
    unsigned want = nr < XMV_BUF_ENTRIES ? nr : XMV_BUF_ENTRIES, i;
    int rc;

    if (m->abi_minor < 1)
        return HV_ENOSYS;
    xmv_fill_domctl(m->dc, domid, 0, 0, want, XENSHIFT_RELOCATE_COUNT, NULL,
                    NULL);
    /* the answer goes where the gfns go: a hypercall-safe buffer */
    m->dc->u.relocate.node_pages = (uint64_t)(uintptr_t)m->gfns;
    memset(m->gfns, 0, want * sizeof(*m->gfns));
    rc = m->relocate(m->relocate_ctx, m->dc);
    if (rc == -ESRCH)
        return HV_ENODOMAIN;
    if (rc) {
        ERR_Set(err, "domain %u: asking Xen where its memory lies: %s",
                domid, strerror(-rc));
        return HV_EFAIL;
    }
    if (m->dc->u.relocate.nr_done > want) {
        ERR_Set(err, "domain %u: Xen counts its pages on %u nodes, more "
                "than the %u xenshift knows", domid,
                m->dc->u.relocate.nr_done, want);
        return HV_EFAIL;
    }
    for (i = 0; i < nr; i++)
        pages[i] = i < want ? m->gfns[i] : 0;
    return 0;
}

static bool is_special(const xmv_layout *l, uint64_t gfn)
{
    unsigned i;

    for (i = 0; i < l->nr_special; i++)
        if (l->special[i] == gfn)
            return true;
    return false;
}

static int read_layout(xc_interface *xch, uint32_t domid,
                       uint64_t span_kib, xmv_layout *l, xs_err *err)
{
    static const uint32_t params[] = {
        HVM_PARAM_STORE_PFN, HVM_PARAM_CONSOLE_PFN, HVM_PARAM_IOREQ_PFN,
        HVM_PARAM_BUFIOREQ_PFN, HVM_PARAM_IDENT_PT, HVM_PARAM_PAGING_RING_PFN,
        HVM_PARAM_MONITOR_RING_PFN, HVM_PARAM_SHARING_RING_PFN,
    };
    uint64_t v, pages = (span_kib + 3) / 4;
    xen_pfn_t max_gpfn = 0;
    unsigned i;

    memset(l, 0, sizeof(*l));
    if (xc_domain_maximum_gpfn(xch, domid, &max_gpfn) < 0) {
        ERR_Set(err, "domain %u: reading its highest guest frame: %s",
                domid, strerror(errno));
        return HV_EFAIL;
    }
    /*
     * Its RAM lies below the span (plus the rounding to an extent);
     * max_gpfn is no bound: the special pages sit just below 4 GiB.
     */
    l->low_end = pages + XMV_EXTENT_PAGES - pages % XMV_EXTENT_PAGES;
    if (l->low_end > XMV_LOW_END)
        l->low_end = XMV_LOW_END;
    if ((uint64_t)max_gpfn >= XMV_HIGH_START)
        l->high_end = (uint64_t)max_gpfn + 1;
    for (i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
        v = 0;
        if (xc_hvm_param_get(xch, domid, params[i], &v) == 0 && v &&
            l->nr_special < XMV_MAX_SPECIAL)
            l->special[l->nr_special++] = v;
    }
    /* the ioreq servers' pages: a range */
    v = 0;
    if (xc_hvm_param_get(xch, domid, HVM_PARAM_IOREQ_SERVER_PFN, &v) == 0 &&
        v) {
        uint64_t n = 0, j;

        xc_hvm_param_get(xch, domid, HVM_PARAM_NR_IOREQ_SERVER_PAGES, &n);
        for (j = 0; j < n && l->nr_special < XMV_MAX_SPECIAL; j++)
            l->special[l->nr_special++] = v + j;
    }
    return 0;
}

/* The end of the range gfn lies in, or 0 when gfn is past every range. */
static uint64_t range_end(const xmv_layout *l, uint64_t gfn)
{
    if (gfn < l->low_end)
        return l->low_end;
    if (gfn >= XMV_HIGH_START && gfn < l->high_end)
        return l->high_end;
    return 0;
}

/* The next gfn to offer at or after gfn, or UINT64_MAX at the end. */
static uint64_t next_gfn(const xmv_layout *l, uint64_t gfn)
{
    if (gfn < l->low_end)
        return gfn;
    if (gfn < XMV_HIGH_START && l->high_end)
        return XMV_HIGH_START;
    if (gfn < l->high_end)
        return gfn;
    return UINT64_MAX;
}

static int call_failed(uint32_t domid, int rc, xs_err *err)
{
    if (rc == -ENOSYS) {
        ERR_Set(err, "domain %u: this Xen has no XEN_DOMCTL_relocate_memory "
                "(stock Xen): direct page moves need the guarded hypervisor "
                "(xen-patches/)", domid);
        return HV_ENOSYS;
    }
    if (rc == -EOPNOTSUPP) {
        ERR_Set(err, "domain %u: Xen refuses to move its pages directly (a "
                "PV or shadow-paging guest, or one with passthrough devices, "
                "altp2m or nested virtualisation)", domid);
        return HV_EINVAL;
    }
    if (rc == -ESRCH) {
        ERR_Set(err, "domain %u: no such domain", domid);
        return HV_ENODOMAIN;
    }
    ERR_Set(err, "domain %u: XEN_DOMCTL_relocate_memory: %s", domid,
            strerror(-rc));
    return HV_EFAIL;
}

static void count(xmv_tally *t, int32_t st, uint64_t pages)
{
    if (st == XENMEM_RELOC_MOVED)
        t->moved += pages;
    else if (st == -EBUSY)
        t->busy += pages;
    else if (st == -ENOMEM)
        t->nomem += pages;
}

int xmv_offer_pages(xmv *m, const xmv_layout *l, uint32_t domid, int node,
                    uint64_t gfn, uint64_t end, xmv_tally *t,
                    uint64_t *not_ram, xs_err *err)
{
    uint64_t us;
    unsigned n, i;
    int rc;

    *not_ram = 0;
    while (gfn < end) {
        /* a range of any length goes in calls the buffers hold */
        for (n = 0; gfn < end && n < XMV_PAGE_BATCH; gfn++)
            if (!is_special(l, gfn))
                m->gfns[n++] = gfn;
        if (!n)
            continue;
        rc = relocate(m, domid, node, 0, n, &us);
        if (rc)
            return call_failed(domid, rc, err);
        if (us > t->longest_us)
            t->longest_us = us;
        for (i = 0; i < n; i++) {
            count(t, m->status[i], 1);
            if (m->status[i] == XENMEM_RELOC_NOT_RAM)
                (*not_ram)++;
        }
    }
    return 0;
}

static bool is_hole(const xmv *m, uint64_t gfn)
{
    uint64_t e = gfn / XMV_EXTENT_PAGES;

    return m->hole && e < m->nr_hole_bits &&
           (m->hole[e / 8] & (1u << (e % 8)));
}

static void mark_hole(xmv *m, uint64_t gfn)
{
    uint64_t e = gfn / XMV_EXTENT_PAGES;

    if (m->hole && e < m->nr_hole_bits)
        m->hole[e / 8] |= (uint8_t)(1u << (e % 8));
}

/*
 * Offer up to XMV_BATCH whole 2 MiB extents from *gfn; the ones that do
 * not move whole are offered again page by page.  Advances *gfn.
 */
static int offer_extents(xmv *m, const xmv_layout *l, uint32_t domid,
                         int node, uint64_t *gfn, xmv_tally *t, xs_err *err)
{
    uint64_t end = range_end(l, *gfn), g = *gfn, us, first[XMV_BATCH];
    uint64_t not_ram;
    unsigned n = 0, i, k;
    int rc;

    /* an unaligned head or tail goes page by page */
    if (g % XMV_EXTENT_PAGES || g + XMV_EXTENT_PAGES > end) {
        uint64_t stop = g - g % XMV_EXTENT_PAGES + XMV_EXTENT_PAGES;

        if (stop > end)
            stop = end;
        *gfn = stop;
        return xmv_offer_pages(m, l, domid, node, g, stop, t, &not_ram,
                               err);
    }
    while (n < XMV_BATCH && g + XMV_EXTENT_PAGES <= end) {
        bool special = false;

        if (is_hole(m, g)) {
            if (n)
                break;          /* keep a batch contiguous: send it */
            g += XMV_EXTENT_PAGES;
            *gfn = g;
            if (g + XMV_EXTENT_PAGES > end)
                return 0;
            continue;
        }

        for (k = 0; k < l->nr_special; k++)
            if (l->special[k] >= g && l->special[k] < g + XMV_EXTENT_PAGES)
                special = true;
        if (special)
            break;              /* this one goes page by page next */
        first[n] = g;
        m->gfns[n++] = g;
        g += XMV_EXTENT_PAGES;
    }
    if (!n) {
        *gfn = g + XMV_EXTENT_PAGES;
        return xmv_offer_pages(m, l, domid, node, g, g + XMV_EXTENT_PAGES, t,
                           &not_ram, err);
    }
    *gfn = g;
    rc = relocate(m, domid, node, 9, n, &us);
    if (rc)
        return call_failed(domid, rc, err);
    if (us > t->longest_us)
        t->longest_us = us;
    /* copy the statuses out: the page-by-page calls reuse the buffers */
    {
        int32_t st[XMV_BATCH];

        memcpy(st, m->status, n * sizeof(st[0]));
        for (i = 0; i < n; i++) {
            if (st[i] == XENMEM_RELOC_MOVED || st[i] == XENMEM_RELOC_THERE) {
                count(t, st[i], XMV_EXTENT_PAGES);
                continue;
            }
            rc = xmv_offer_pages(m, l, domid, node, first[i],
                             first[i] + XMV_EXTENT_PAGES, t, &not_ram, err);
            if (rc)
                return rc;
            if (not_ram == XMV_EXTENT_PAGES)
                mark_hole(m, first[i]);
        }
    }
    return 0;
}

int XMV_Pass(xmv *m, xc_interface *xch, uint32_t domid, int node,
             uint64_t span_kib, uint64_t max_pages, hv_move_result *res,
             xs_err *err)
{
    xmv_layout l;
    xmv_tally t;
    uint64_t gfn, start;
    bool wrapped = false;
    int rc;

    memset(res, 0, sizeof(*res));
    memset(&t, 0, sizeof(t));
    rc = read_layout(xch, domid, span_kib, &l, err);
    if (rc)
        return rc;
    /*
     * Another domain or node, or a pause of more than 5 s (the executor
     * calls at least every second while a move goes on): a new move.
     * Start at the bottom, and forget what was a hole: the guest may
     * have ballooned up since.
     */
    if (!m->have_cursor || m->domid != domid || m->node != node ||
        now_ms() - m->last_ms > 5000) {
        m->cursor = 0;
        free(m->hole);
        m->nr_hole_bits = l.low_end / XMV_EXTENT_PAGES;
        m->hole = calloc(m->nr_hole_bits / 8 + 1, 1);
    }
    m->domid = domid;
    m->node = node;
    m->have_cursor = true;
    start = gfn = next_gfn(&l, m->cursor);
    if (start == UINT64_MAX)
        start = gfn = 0;
    while (t.moved < max_pages) {
        gfn = next_gfn(&l, gfn);
        if (gfn == UINT64_MAX) {
            if (wrapped || start == 0)
                break;
            gfn = 0;
            wrapped = true;
        }
        if (wrapped && gfn >= start)
            break;
        rc = offer_extents(m, &l, domid, node, &gfn, &t, err);
        if (rc)
            goto out;
    }
    /* a full pass starts afresh next time */
    m->cursor = t.moved < max_pages ? 0 : gfn;
out:
    m->last_ms = now_ms();
    res->moved_pages = t.moved;
    res->busy_pages = t.busy;
    res->nomem_pages = t.nomem;
    res->longest_pause_us = t.longest_us;
    return rc;
}

