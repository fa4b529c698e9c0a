/*
 * hv_xen.c - the real host behind hv.h: libxl for what it offers,
 * libxenctrl for Xen's runtime memory limit, libxenstore for xenstore.
 * docs/xen-backend.md says which Xen call does what and which libxl
 * behaviours these files rely on.
 *
 * libxl's log messages are captured (never printed): a failing call's
 * error names the domain, the operation and the first error libxl
 * logged, which is the cause (later lines are consequences).
 *
 * Memory is in libxl's user units throughout: what `xl mem-set` takes
 * and what `xl list` shows, video RAM included.
 *
 * This file holds what the others share (libxl's log, the errors that
 * name a domain, cpumaps), the host, the clocks, and opening and closing
 * the handle with its table of hv_ops.  The ops themselves are in
 * xen_domains.c (domains, memory, vCPUs), xen_pools.c (cpupools),
 * xen_numa.c (where memory lies and moving it) and xen_xenstore.c;
 * xen_int.h is what they share.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "units.h"
#include "xen_int.h"

/* --- libxl's log -------------------------------------------------------- */

/* Skip libxl's "file.c:123:function: " and "Domain 5:" prefixes. */
static const char *strip_location(const char *s)
{
    const char *p = s, *q;

    while (*p && *p != ':' && *p != ' ')
        p++;
    if (p - s > 2 && strncmp(p - 2, ".c", 2) == 0 && p[0] == ':' &&
        p[1] >= '0' && p[1] <= '9') {
        q = p + 1;
        while (*q >= '0' && *q <= '9')
            q++;
        if (*q == ':') {
            q++;
            while (*q && *q != ':' && *q != ' ')
                q++;
            if (q[0] == ':' && q[1] == ' ')
                s = q + 2;
        }
    }
    if (strncmp(s, "Domain ", 7) == 0) {
        p = s + 7;
        while (*p >= '0' && *p <= '9')
            p++;
        if (p > s + 7 && *p == ':') {
            s = p + 1;
            while (*s == ' ')
                s++;
        }
    }
    return s;
}

static void capture_vmessage(xentoollog_logger *lg, xentoollog_level level,
                             int errnoval, const char *context,
                             const char *format, va_list al)
{
    capture_logger *c = (capture_logger *)lg;
    char buf[512];
    size_t n;

    if (level < XTL_ERROR || c->first[0])
        return;
    vsnprintf(buf, sizeof(buf), format, al);
    snprintf(c->first, sizeof(c->first), "%s", strip_location(buf));
    n = strlen(c->first);
    while (n && (c->first[n - 1] == '\n' || c->first[n - 1] == ' '))
        c->first[--n] = '\0';
    if (errnoval > 0 && n + 3 < sizeof(c->first))
        snprintf(c->first + n, sizeof(c->first) - n, ": %s",
                 strerror(errnoval));
}

static void capture_progress(xentoollog_logger *lg, const char *context,
                             const char *doing_what, int percent,
                             unsigned long done, unsigned long total)
{
}

static void capture_destroy(xentoollog_logger *lg)
{
}

/* Forget what libxl said before: called before each operation. */
void xen_begin(xen *x)
{
    x->log.first[0] = '\0';
}

/* ": what libxl said" into buf, or "" when it said nothing. */
const char *xen_said(xen *x, char *buf, size_t len)
{
    if (x->log.first[0])
        snprintf(buf, len, ": %s", x->log.first);
    else
        buf[0] = '\0';
    return buf;
}

const char *xen_size_str(uint64_t kib, char *buf, size_t len)
{
    return UNITS_FormatSize(kib, buf, len);
}

/* --- errors ------------------------------------------------------------- */

static void dom_name(xen *x, uint32_t domid, char *buf, size_t len)
{
    char *name = libxl_domid_to_name(x->ctx, domid);

    /* dom0's name is written by xen-init-dom0; a bare dom0 has none. */
    snprintf(buf, len, "%s", name ? name : domid == 0 ? "Domain-0" : "?");
    free(name);
}

int xen_host_fail(xen *x, int lrc, const char *fmt, ...)
{
    char what[256], s[520];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    ERR_Set(&x->base.err, "%s failed%s", what, xen_said(x, s, sizeof(s)));
    return lrc == ERROR_INVAL ? HV_EINVAL : HV_EFAIL;
}

/* Why a domain that exists cannot be worked on, or NULL if it can. */
const char *xen_dom_gone_why(const libxl_dominfo *info)
{
    if (info->dying)
        return "is being destroyed";
    if (!info->shutdown)
        return NULL;
    switch (info->shutdown_reason) {
    case LIBXL_SHUTDOWN_REASON_CRASH:
        return "has crashed";
    case LIBXL_SHUTDOWN_REASON_SUSPEND:
        return "is suspended";
    default:
        return "has shut down";
    }
}

/*
 * Look a domain up before working on it.  HV_ENODOMAIN when it does not
 * exist or no longer runs (crashed, shut down, dying).  what names the
 * operation for the message.  dom_put disposes of it, also after failure.
 */
int xen_dom_get(xen *x, uint32_t domid, dom_ref *d, const char *what)
{
    const char *why;
    char s[520];
    int rc;

    xen_begin(x);
    d->domid = domid;
    snprintf(d->name, sizeof(d->name), "?");
    libxl_dominfo_init(&d->info);
    rc = libxl_domain_info(x->ctx, &d->info, domid);
    if (rc == ERROR_DOMAIN_NOTFOUND) {
        ERR_Set(&x->base.err, "domain %u: %s: no such domain", domid, what);
        return HV_ENODOMAIN;
    }
    if (rc) {
        ERR_Set(&x->base.err, "domain %u: %s: cannot read its state%s", domid,
                what, xen_said(x, s, sizeof(s)));
        return HV_EFAIL;
    }
    dom_name(x, domid, d->name, sizeof(d->name));
    why = xen_dom_gone_why(&d->info);
    if (why) {
        ERR_Set(&x->base.err, "domain %u (%s): %s: it %s", domid, d->name,
                what, why);
        return HV_ENODOMAIN;
    }
    return 0;
}

void xen_dom_put(dom_ref *d)
{
    libxl_dominfo_dispose(&d->info);
}

/* Whether the domain went away (or stopped running): the reason, or NULL. */
const char *xen_dom_vanished(xen *x, uint32_t domid)
{
    libxl_dominfo now;
    const char *why = NULL;
    int rc;

    libxl_dominfo_init(&now);
    rc = libxl_domain_info(x->ctx, &now, domid);
    if (rc == ERROR_DOMAIN_NOTFOUND)
        why = "no longer exists";
    else if (rc == 0)
        why = xen_dom_gone_why(&now);
    libxl_dominfo_dispose(&now);
    return why;
}

/*
 * An operation on d failed with libxl code lrc: say whether the domain
 * vanished meanwhile, else what libxl said.
 */
int xen_dom_fail(xen *x, const dom_ref *d, int lrc, const char *fmt, ...)
{
    char what[256], s[520];
    const char *why;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    xen_said(x, s, sizeof(s));      /* before libxl_domain_info logs more */
    why = xen_dom_vanished(x, d->domid);
    if (why) {
        ERR_Set(&x->base.err, "domain %u (%s): %s (while %s)", d->domid,
                d->name, why, what);
        return HV_ENODOMAIN;
    }
    ERR_Set(&x->base.err, "domain %u (%s): %s failed%s", d->domid, d->name,
            what, s);
    return lrc == ERROR_INVAL ? HV_EINVAL : HV_EFAIL;
}

/* --- cpumaps ------------------------------------------------------------ */

void xen_to_cpumap(const libxl_bitmap *b, xs_cpumap *m)
{
    int i;

    CPUMAP_Clear(m);
    for (i = 0; i < (int)b->size * 8 && i < HV_MAX_CPUS; i++) {
        if (libxl_bitmap_test(b, i))
            CPUMAP_Set(m, (unsigned)i);
    }
}

/*
 * A libxl cpumap of the host's size.  -1 when it cannot be sized, or with
 * *bad_cpu set when m names a pCPU beyond it.
 */
int xen_from_cpumap(xen *x, const xs_cpumap *m, libxl_bitmap *b,
                    int *bad_cpu)
{
    int cpu;

    if (libxl_cpu_bitmap_alloc(x->ctx, b, 0))
        return -1;
    for (cpu = CPUMAP_Next(m, 0); cpu >= 0;
         cpu = CPUMAP_Next(m, (unsigned)cpu + 1)) {
        if (cpu >= (int)b->size * 8) {
            *bad_cpu = cpu;
            return -1;
        }
        libxl_bitmap_set(b, cpu);
    }
    return 0;
}

/* --- host --------------------------------------------------------------- */

/*
 * Every online pCPU (each is in exactly one cpupool or free): those the
 * CPU topology gives a core.  One sysctl, where listing the pools and
 * the free pCPUs costs a sysctl and a xenstore read per pool.
 */
int xen_online_cpus(xen *x, xs_cpumap *m)
{
    libxl_cputopology *topo;
    int nr = 0, i;

    CPUMAP_Clear(m);
    topo = libxl_get_cpu_topology(x->ctx, &nr);
    if (!topo)
        return xen_host_fail(x, ERROR_FAIL, "reading the online pCPUs");
    for (i = 0; i < nr && i < HV_MAX_CPUS; i++)
        if (topo[i].core != LIBXL_CPUTOPOLOGY_INVALID_ENTRY)
            CPUMAP_Set(m, (unsigned)i);
    libxl_cputopology_list_free(topo, nr);
    return 0;
}

/*
 * Whether this Xen has xenshift's move guard: asked once, with a query
 * XEN_DOMCTL_relocate_memory that only a hypervisor with the operation
 * answers with its ABI version (XMV_Probe).  0 when it cannot be asked
 * (then direct moves are simply not offered).
 */
int xen_guarded(xen *x)
{
    xs_err err;

    if (x->guarded >= 0)
        return x->guarded;
    x->guarded = 0;
    if (!x->mover)
        x->mover = XMV_Open(&err);
    if (x->mover && XMV_Probe(x->mover, &err) == 1)
        x->guarded = 1;
    return x->guarded;
}

static int xen_get_host(hv *h, hv_host *out)
{
    xen *x = X(h);
    libxl_physinfo pi;
    libxl_cputopology *topo = NULL;
    libxl_numainfo *numa = NULL;
    int nr_topo = 0, nr_numa = 0, i, rc;

    xen_begin(x);
    memset(out, 0, sizeof(*out));
    libxl_physinfo_init(&pi);
    rc = libxl_get_physinfo(x->ctx, &pi);
    if (rc) {
        rc = xen_host_fail(x, rc, "reading the host's physinfo");
        goto out;
    }
    out->nr_cpus = pi.nr_cpus;
    out->nr_nodes = pi.nr_nodes ? pi.nr_nodes : 1;
    if (out->nr_nodes > HV_MAX_NODES)
        out->nr_nodes = HV_MAX_NODES;
    out->total_kib = pi.total_pages * XEN_PAGE_KIB;
    /* As `xl info` counts free_memory: claimed pages are not free. */
    out->free_kib = (pi.free_pages > pi.outstanding_pages ?
                     pi.free_pages - pi.outstanding_pages : 0) * XEN_PAGE_KIB;
    for (i = 0; i < HV_MAX_CPUS; i++)
        out->cpu_to_node[i] = HV_NO_NODE;
    topo = libxl_get_cpu_topology(x->ctx, &nr_topo);
    if (!topo) {
        rc = xen_host_fail(x, ERROR_FAIL, "reading the host's CPU topology");
        goto out;
    }
    for (i = 0; i < nr_topo && i < HV_MAX_CPUS; i++) {
        if (topo[i].node != LIBXL_CPUTOPOLOGY_INVALID_ENTRY &&
            topo[i].node < HV_MAX_NODES)
            out->cpu_to_node[i] = (int)topo[i].node;
    }
    numa = libxl_get_numainfo(x->ctx, &nr_numa);
    if (!numa) {
        rc = xen_host_fail(x, ERROR_FAIL, "reading the host's NUMA nodes");
        goto out;
    }
    for (i = 0; i < nr_numa && i < HV_MAX_NODES; i++) {
        if (numa[i].size == LIBXL_NUMAINFO_INVALID_ENTRY)
            continue;
        /* Xen reports node sizes in bytes (xl info -n shifts by 20). */
        out->node_total_kib[i] = numa[i].size / 1024;
        if (numa[i].free != LIBXL_NUMAINFO_INVALID_ENTRY)
            out->node_free_kib[i] = numa[i].free / 1024;
    }
    out->guarded = xen_guarded(x) == 1;
    rc = 0;
out:
    if (topo)
        libxl_cputopology_list_free(topo, nr_topo);
    if (numa)
        libxl_numainfo_list_free(numa, nr_numa);
    libxl_physinfo_dispose(&pi);
    return rc;
}

/* --- time --------------------------------------------------------------- */

static uint64_t xen_now_ms(hv *h)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void xen_sleep_ms(hv *h, unsigned ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

static long long xen_wall_ms(hv *h)
{
    struct timespec ts;

    (void)h;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- open / close ------------------------------------------------------- */

static void xen_close(hv *h)
{
    xen *x = X(h);

    if (x->ctx)
        libxl_ctx_free(x->ctx);     /* does not destroy our logger */
    XMV_Close(x->mover);
    xen_numa_forget(x);
    if (x->xch)
        xc_interface_close(x->xch);
    if (x->xs)
        xs_close(x->xs);
    if (x->xs_watch)
        xs_close(x->xs_watch);
    free(x);
}

static const hv_ops xen_ops = {
    .name = "xen",
    .close = xen_close,
    .get_host = xen_get_host,
    .list_pools = xen_list_pools,
    .list_domains = xen_list_domains,
    .list_domains_again = xen_list_domains_again,
    .get_domain = xen_get_domain,
    .get_progress = xen_get_progress,
    .get_cpus = xen_get_cpus,
    .set_maxmem = xen_set_maxmem,
    .set_target = xen_set_target,
    .set_vcpus_online = xen_set_vcpus_online,
    .set_affinity = xen_set_affinity,
    .pool_create = xen_pool_create,
    .pool_destroy = xen_pool_destroy,
    .pool_add_cpu = xen_pool_add_cpu,
    .pool_remove_cpu = xen_pool_remove_cpu,
    .pool_move_domain = xen_pool_move_domain,
    .set_node_affinity = xen_set_node_affinity,
    .move_memory = xen_move_memory,
    .get_node_memory = xen_get_node_memory,
    .xs_read = xen_xs_read,
    .xs_write = xen_xs_write,
    .xs_remove = xen_xs_remove,
    .xs_clear = xen_xs_clear,
    .xs_directory = xen_xs_directory,
    .xs_restrict = xen_xs_restrict,
    .xs_watch = xen_xs_watch,
    .xs_unwatch = xen_xs_unwatch,
    .xs_watch_fd = xen_xs_watch_fd,
    .xs_read_watch = xen_xs_read_watch,
    .now_ms = xen_now_ms,
    .sleep_ms = xen_sleep_ms,
    .wall_ms = xen_wall_ms,
};

#define OPEN_HINT "is this dom0 with xenfs mounted and xenstored running? " \
    "(use --sim FIXTURE for a simulated host)"

hv *HV_OpenXen(xs_err *err)
{
    xen *x = calloc(1, sizeof(*x));
    int e;

    if (!x) {
        ERR_Set(err, "cannot open the Xen host: out of memory");
        return NULL;
    }
    x->base.ops = &xen_ops;
    x->log.vtable.vmessage = capture_vmessage;
    x->log.vtable.progress = capture_progress;
    x->log.vtable.destroy = capture_destroy;
    /* libxl opens privcmd (libxenctrl) and xenstore; it logs the cause. */
    if (libxl_ctx_alloc(&x->ctx, LIBXL_VERSION, 0,
                        (xentoollog_logger *)&x->log)) {
        x->ctx = NULL;
        ERR_Set(err, "cannot open the Xen control interface%s%s%s: "
                OPEN_HINT, x->log.first[0] ? " (" : "", x->log.first,
                x->log.first[0] ? ")" : "");
        goto fail;
    }
    xen_begin(x);
    x->guarded = -1;
    x->xch = xc_interface_open((xentoollog_logger *)&x->log, NULL, 0);
    if (!x->xch) {
        ERR_Set(err, "cannot open the Xen control interface%s%s%s: "
                OPEN_HINT, x->log.first[0] ? " (" : "", x->log.first,
                x->log.first[0] ? ")" : "");
        goto fail;
    }
    errno = 0;
    x->xs = xs_open(0);
    if (!x->xs) {
        e = errno;
        ERR_Set(err, "cannot open the Xen control interface (xenstore: %s): "
                OPEN_HINT, e ? strerror(e) : "cannot connect");
        goto fail;
    }
    return &x->base;
fail:
    xen_close(&x->base);
    return NULL;
}
