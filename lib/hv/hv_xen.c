/*
 * hv_xen.c - the real host behind hv.h: libxl for what it offers,
 * libxenctrl for Xen's runtime memory limit, libxenstore for xenstore.
 * docs/xen-backend.md says which Xen call does what and which libxl
 * behaviours this file relies on.
 *
 * libxl's log messages are captured (never printed): a failing call's
 * error names the domain, the operation and the first error libxl
 * logged, which is the cause (later lines are consequences).
 *
 * Memory is in libxl's user units throughout: what `xl mem-set` takes
 * and what `xl list` shows, video RAM included.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xencall.h>
#include <xenctrl.h>
#include <xenstore.h>
#include <xentoollog.h>

#include "hv.h"
#include "numadump.h"
#include "units.h"
#include "xenmove.h"

#define XEN_PAGE_KIB 4
/*
 * libxl's LIBXL_MAXMEM_CONSTANT (libxl_internal.h, not installed): libxl
 * always sets Xen's max 1 MiB above the memory it gives a domain.
 */
#define XEN_MAXMEM_SLACK_KIB 1024
/* Xen's XEN_INVALID_MAX_VCPU_ID (domctl.h, tools-only): no vCPUs yet. */
#define DOM_NO_VCPU_ID (~0U)

/*
 * The last debug-key 'u' dump.  A dump walks every domain's page list
 * under its lock and floods the console ring and the serial line (where
 * it can push out a line that mattered), so an ask within
 * NUMA_DUMP_REUSE_MS of the last dump reuses it when every domain asked
 * about is in it with the pages it has now; a direct move or a balloon
 * target forgets it.
 * The executor polls every 100 ms and reads placement per domain: one
 * dump a second at most serves a stage's domains together.
 */
#define NUMA_DUMP_REUSE_MS 1000

typedef struct numa_cache {
    numadump_dom *doms;
    size_t nr;
    uint64_t at_ms;             /* HV_NowMs when read; 0: none */
} numa_cache;

/* A xentoollog logger that keeps the first error since the last reset. */
typedef struct capture_logger {
    xentoollog_logger vtable;
    char first[512];
} capture_logger;

typedef struct xen {
    struct hv base;             /* must be first */
    capture_logger log;
    libxl_ctx *ctx;
    xc_interface *xch;
    struct xs_handle *xs;
    xmv *mover;                 /* direct page moves, opened when needed */
    int guarded;                /* -1 not asked yet, 0 stock Xen, 1 guard */
    numa_cache numa;            /* see NUMA_DUMP_REUSE_MS */
} xen;

/* A domain looked up at the start of an operation. */
typedef struct dom_ref {
    uint32_t domid;
    char name[HV_NAME_MAX];
    libxl_dominfo info;
} dom_ref;

static xen *X(hv *h)
{
    return (xen *)h;
}

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
static void begin(xen *x)
{
    x->log.first[0] = '\0';
}

/* ": what libxl said" into buf, or "" when it said nothing. */
static const char *said(xen *x, char *buf, size_t len)
{
    if (x->log.first[0])
        snprintf(buf, len, ": %s", x->log.first);
    else
        buf[0] = '\0';
    return buf;
}

static const char *size_str(uint64_t kib, char *buf, size_t len)
{
    return UNITS_FormatSize(kib, buf, len);
}

/* --- small readers ------------------------------------------------------ */

/* A decimal xenstore value under /local/domain/<domid>/; false if absent. */
static bool xs_dom_u64(xen *x, uint32_t domid, const char *leaf,
                       uint64_t *out)
{
    char path[128], *v, *end;
    unsigned int len;
    bool found = false;

    snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, leaf);
    v = xs_read(x->xs, XBT_NULL, path, &len);
    if (v) {
        errno = 0;
        *out = strtoull(v, &end, 10);
        found = end != v && *end == '\0' && errno == 0;
        free(v);
    }
    return found;
}

static void dom_name(xen *x, uint32_t domid, char *buf, size_t len)
{
    char *name = libxl_domid_to_name(x->ctx, domid);

    /* dom0's name is written by xen-init-dom0; a bare dom0 has none. */
    snprintf(buf, len, "%s", name ? name : domid == 0 ? "Domain-0" : "?");
    free(name);
}

/*
 * Xen only knows "HVM container or not": a PVH guest looks like HVM in
 * its domain info.  libxl records the type it built under /libxl/<id>/type
 * (the same place libxl__domain_type reads).
 */
static hv_dom_type dom_type(xen *x, const libxl_dominfo *info)
{
    char path[64], *v;
    unsigned int len;
    libxl_domain_type t = LIBXL_DOMAIN_TYPE_HVM;

    if (info->domain_type != LIBXL_DOMAIN_TYPE_HVM)
        return HV_DOM_PV;
    snprintf(path, sizeof(path), "/libxl/%u/type", info->domid);
    v = xs_read(x->xs, XBT_NULL, path, &len);
    if (v) {
        if (libxl_domain_type_from_string(v, &t))
            t = LIBXL_DOMAIN_TYPE_HVM;
        free(v);
    }
    return t == LIBXL_DOMAIN_TYPE_PVH ? HV_DOM_PVH : HV_DOM_HVM;
}

/* --- cpumaps ------------------------------------------------------------ */

static void to_cpumap(const libxl_bitmap *b, xs_cpumap *m)
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
static int from_cpumap(xen *x, const xs_cpumap *m, libxl_bitmap *b,
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

/* --- errors ------------------------------------------------------------- */

static int host_fail(xen *x, int lrc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int host_fail(xen *x, int lrc, const char *fmt, ...)
{
    char what[256], s[520];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    ERR_Set(&x->base.err, "%s failed%s", what, said(x, s, sizeof(s)));
    return lrc == ERROR_INVAL ? HV_EINVAL : HV_EFAIL;
}

/* Why a domain that exists cannot be worked on, or NULL if it can. */
static const char *dom_gone_why(const libxl_dominfo *info)
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
static int dom_get(xen *x, uint32_t domid, dom_ref *d, const char *what)
{
    const char *why;
    char s[520];
    int rc;

    begin(x);
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
                what, said(x, s, sizeof(s)));
        return HV_EFAIL;
    }
    dom_name(x, domid, d->name, sizeof(d->name));
    why = dom_gone_why(&d->info);
    if (why) {
        ERR_Set(&x->base.err, "domain %u (%s): %s: it %s", domid, d->name,
                what, why);
        return HV_ENODOMAIN;
    }
    return 0;
}

static void dom_put(dom_ref *d)
{
    libxl_dominfo_dispose(&d->info);
}

/* Whether the domain went away (or stopped running): the reason, or NULL. */
static const char *dom_vanished(xen *x, uint32_t domid)
{
    libxl_dominfo now;
    const char *why = NULL;
    int rc;

    libxl_dominfo_init(&now);
    rc = libxl_domain_info(x->ctx, &now, domid);
    if (rc == ERROR_DOMAIN_NOTFOUND)
        why = "no longer exists";
    else if (rc == 0)
        why = dom_gone_why(&now);
    libxl_dominfo_dispose(&now);
    return why;
}

/*
 * An operation on d failed with libxl code lrc: say whether the domain
 * vanished meanwhile, else what libxl said.
 */
static int dom_fail(xen *x, const dom_ref *d, int lrc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int dom_fail(xen *x, const dom_ref *d, int lrc, const char *fmt, ...)
{
    char what[256], s[520];
    const char *why;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    said(x, s, sizeof(s));      /* before libxl_domain_info logs more */
    why = dom_vanished(x, d->domid);
    if (why) {
        ERR_Set(&x->base.err, "domain %u (%s): %s (while %s)", d->domid,
                d->name, why, what);
        return HV_ENODOMAIN;
    }
    ERR_Set(&x->base.err, "domain %u (%s): %s failed%s", d->domid, d->name,
            what, s);
    return lrc == ERROR_INVAL ? HV_EINVAL : HV_EFAIL;
}

/* --- host --------------------------------------------------------------- */

static int xen_list_pools(hv *h, hv_pool **pools, size_t *nr);

/* Every online pCPU: each is in exactly one cpupool or free. */
static int online_cpus(xen *x, xs_cpumap *m)
{
    hv_pool *pools = NULL;
    libxl_bitmap freemap;
    xs_cpumap f;
    size_t nr = 0, i;
    int rc;

    CPUMAP_Clear(m);
    libxl_bitmap_init(&freemap);
    rc = xen_list_pools(&x->base, &pools, &nr);
    if (rc)
        goto out;
    for (i = 0; i < nr; i++)
        CPUMAP_Or(m, &pools[i].cpus);
    if (libxl_get_freecpus(x->ctx, &freemap)) {
        rc = host_fail(x, ERROR_FAIL, "reading the free pCPUs");
        goto out;
    }
    to_cpumap(&freemap, &f);
    CPUMAP_Or(m, &f);
    rc = 0;
out:
    libxl_bitmap_dispose(&freemap);
    free(pools);
    return rc;
}

/*
 * Whether this Xen has xenshift's move guard: asked once, with a query
 * XEN_DOMCTL_relocate_memory that only a hypervisor with the operation
 * answers with its ABI version (XMV_Probe).  0 when it cannot be asked
 * (then direct moves are simply not offered).
 */
static int xen_guarded(xen *x)
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

    begin(x);
    memset(out, 0, sizeof(*out));
    libxl_physinfo_init(&pi);
    rc = libxl_get_physinfo(x->ctx, &pi);
    if (rc) {
        rc = host_fail(x, rc, "reading the host's physinfo");
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
        rc = host_fail(x, ERROR_FAIL, "reading the host's CPU topology");
        goto out;
    }
    for (i = 0; i < nr_topo && i < HV_MAX_CPUS; i++) {
        if (topo[i].node != LIBXL_CPUTOPOLOGY_INVALID_ENTRY &&
            topo[i].node < HV_MAX_NODES)
            out->cpu_to_node[i] = (int)topo[i].node;
    }
    numa = libxl_get_numainfo(x->ctx, &nr_numa);
    if (!numa) {
        rc = host_fail(x, ERROR_FAIL, "reading the host's NUMA nodes");
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

/*
 * One pool as Xen has it.  Its name is libxl's, in xenstore; a pool
 * without one (libxl_cpupool_create writes it after the hypercall, so a
 * process killed in between leaves such a pool) gets a made-up name,
 * so that it is seen, and the way back destroys it.
 */
static void pool_from_xc(xen *x, const xc_cpupoolinfo_t *ci, hv_pool *p)
{
    libxl_bitmap b;
    const char *sched;
    char *name;

    memset(p, 0, sizeof(*p));
    p->id = ci->cpupool_id;
    name = libxl_cpupoolid_to_name(x->ctx, ci->cpupool_id);
    if (name)
        snprintf(p->name, sizeof(p->name), "%s", name);
    else
        snprintf(p->name, sizeof(p->name), "(cpupool %u without a name)",
                 ci->cpupool_id);
    free(name);
    /* libxl's scheduler numbers are Xen's (libxl_cpupool_info) */
    sched = libxl_scheduler_to_string((libxl_scheduler)ci->sched_id);
    snprintf(p->sched, sizeof(p->sched), "%s", sched ? sched : "unknown");
    libxl_bitmap_init(&b);
    b.map = ci->cpumap;
    b.size = (uint32_t)xc_get_cpumap_size(x->xch);
    to_cpumap(&b, &p->cpus);
    p->nr_domains = ci->n_dom;
}

/*
 * Every cpupool, from Xen itself: libxl_list_cpupool stops, without an
 * error, at the first pool that has no name in xenstore, and every pool
 * after it would be missing.
 */
static int xen_list_pools(hv *h, hv_pool **pools, size_t *nr)
{
    xen *x = X(h);
    xc_cpupoolinfo_t *ci;
    hv_pool *v = NULL, *nv;
    uint32_t next = 0;
    size_t n = 0;

    begin(x);
    *pools = NULL;
    *nr = 0;
    for (;;) {
        /* the pool with the lowest id from next on */
        ci = xc_cpupool_getinfo(x->xch, next);
        if (!ci) {
            if (errno == ENOENT)
                break;
            free(v);
            return host_fail(x, ERROR_FAIL, "listing cpupools");
        }
        nv = realloc(v, (n + 1) * sizeof(*v));
        if (!nv) {
            xc_cpupool_infofree(x->xch, ci);
            free(v);
            ERR_Set(&x->base.err, "listing cpupools: out of memory");
            return HV_EFAIL;
        }
        v = nv;
        pool_from_xc(x, ci, &v[n++]);
        next = ci->cpupool_id + 1;
        xc_cpupool_infofree(x->xch, ci);
    }
    if (!n) {
        free(v);
        return host_fail(x, ERROR_FAIL, "listing cpupools: Xen has none");
    }
    *pools = v;
    *nr = n;
    return 0;
}

/* One cpupool by id: 0, HV_ENOENT (message set) or another failure. */
static int pool_get(xen *x, uint32_t poolid, hv_pool *out, const char *what)
{
    hv_pool *pools = NULL;
    size_t nr = 0, i;
    int rc;

    rc = xen_list_pools(&x->base, &pools, &nr);
    if (rc)
        return rc;
    rc = HV_ENOENT;
    for (i = 0; i < nr; i++) {
        if (pools[i].id == poolid) {
            *out = pools[i];
            rc = 0;
            break;
        }
    }
    free(pools);
    if (rc)
        ERR_Set(&x->base.err, "cpupool %u: %s: no such cpupool", poolid,
                what);
    return rc;
}

/* --- domains ------------------------------------------------------------ */

/*
 * Memory in libxl's units: libxl_set_memory_target(kib) writes
 * memory/target = kib - videoram, Xen's page count includes the video
 * RAM, and `xl list` shows current + outstanding.  So memory is the page
 * count and the target is memory/target + videoram: set_target(T) reads
 * back as T.  Xen's max is the maxmem asked plus libxl's 1 MiB slack
 * (xen_set_maxmem sets it so; libxl does at build and in `xl mem-set`).
 */
static void fill_memory(xen *x, const libxl_dominfo *info, hv_domain *d)
{
    uint64_t video = 0, v = 0;

    xs_dom_u64(x, info->domid, "memory/videoram", &video);
    d->mem_kib = info->current_memkb;
    if (info->outstanding_memkb != LIBXL_MEMKB_DEFAULT)   /* init value */
        d->mem_kib += info->outstanding_memkb;
    if (xs_dom_u64(x, info->domid, "memory/target", &v))
        d->target_kib = v + video;
    else
        d->target_kib = d->mem_kib;     /* dom0 before its first mem-set */
    d->maxmem_kib = info->max_memkb > XEN_MAXMEM_SLACK_KIB ?
                    info->max_memkb - XEN_MAXMEM_SLACK_KIB : info->max_memkb;
    /*
     * The maxmem= it was built with; libxl_set_memory_target refuses a
     * target above it.  xenshift never rewrites it (see xen_set_maxmem).
     */
    if (xs_dom_u64(x, info->domid, "memory/static-max", &v))
        d->static_max_kib = v;
    else
        d->static_max_kib = d->maxmem_kib;
}

/*
 * d->node_affinity from Xen, clipped to the host's nodes.  Xen keeps
 * the mask as set (an explicit one) or derives it from the vCPUs'
 * affinity (automatic); it reads the same either way.
 */
static int read_node_affinity(xen *x, hv_domain *d)
{
    xc_nodemap_t map;
    int size, n, nodes;
    xc_physinfo_t pi = { 0 };

    d->node_affinity = 0;
    size = xc_get_nodemap_size(x->xch);
    if (size <= 0 || xc_physinfo(x->xch, &pi))
        goto fail;
    nodes = pi.nr_nodes ? (int)pi.nr_nodes : 1;
    map = xc_nodemap_alloc(x->xch);
    if (!map)
        goto fail;
    if (xc_domain_node_getaffinity(x->xch, d->domid, map)) {
        free(map);
        if (dom_vanished(x, d->domid))
            return HV_ENODOMAIN;
        goto fail;
    }
    for (n = 0; n < nodes && n < 64 && n < size * 8; n++)
        if (map[n / 8] & (1 << (n % 8)))
            d->node_affinity |= (uint64_t)1 << n;
    free(map);
    return 0;
fail:
    ERR_Set(&x->base.err, "domain %u (%s): reading its node affinity "
            "failed: %s", d->domid, d->name, strerror(errno));
    return HV_EFAIL;
}

/*
 * Fill d from libxl's view of one domain, xenstore and its vCPUs.  online
 * clips affinities to pCPUs that exist (Xen's "all" has every bit set).
 * HV_ENODOMAIN when the domain went away meanwhile.
 */
static int fill_domain(xen *x, const libxl_dominfo *info,
                       const xs_cpumap *online, hv_domain *d)
{
    libxl_vcpuinfo *vcpus;
    int nr_vcpus = 0, nr_cpus = 0, i;
    char *name;
    char s[520];

    memset(d, 0, sizeof(*d));
    d->domid = info->domid;
    name = libxl_domid_to_name(x->ctx, info->domid);
    if (!name && info->domid != 0)
        return HV_ENODOMAIN;    /* gone, or not built yet */
    snprintf(d->name, sizeof(d->name), "%s", name ? name : "Domain-0");
    free(name);
    d->type = dom_type(x, info);
    fill_memory(x, info, d);
    d->vcpus_online = info->vcpu_online;
    d->vcpus_max = info->vcpu_max_id == DOM_NO_VCPU_ID ? 0 :
                   info->vcpu_max_id + 1;
    d->pool = info->cpupool;
    d->node_known = false;      /* per-node counts need debug key 'u' */
    if (!d->vcpus_max)
        return 0;

    begin(x);
    vcpus = libxl_list_vcpu(x->ctx, info->domid, &nr_vcpus, &nr_cpus);
    if (!vcpus) {
        said(x, s, sizeof(s));
        if (dom_vanished(x, info->domid))
            return HV_ENODOMAIN;
        ERR_Set(&x->base.err, "domain %u (%s): reading its vCPUs failed%s",
                d->domid, d->name, s);
        return HV_EFAIL;
    }
    for (i = 0; i < nr_vcpus; i++) {
        xs_cpumap hard, soft;

        to_cpumap(&vcpus[i].cpumap, &hard);
        to_cpumap(&vcpus[i].cpumap_soft, &soft);
        CPUMAP_Or(&d->hard_affinity, &hard);
        CPUMAP_Or(&d->soft_affinity, &soft);
    }
    libxl_vcpuinfo_list_free(vcpus, nr_vcpus);
    for (i = 0; i < HV_MAX_CPUS / 64; i++) {
        d->hard_affinity.bits[i] &= online->bits[i];
        d->soft_affinity.bits[i] &= online->bits[i];
    }
    return read_node_affinity(x, d);
}

static int xen_list_domains(hv *h, hv_domain **doms, size_t *nr)
{
    xen *x = X(h);
    libxl_dominfo *info;
    xs_cpumap online;
    int n = 0, i, rc;
    size_t k = 0;

    begin(x);
    *doms = NULL;
    *nr = 0;
    info = libxl_list_domain(x->ctx, &n);
    if (!info)
        return host_fail(x, ERROR_FAIL, "listing domains");
    rc = online_cpus(x, &online);
    if (rc)
        goto out;
    *doms = calloc(n ? (size_t)n : 1, sizeof(**doms));
    if (!*doms) {
        ERR_Set(&x->base.err, "listing domains: out of memory");
        rc = HV_EFAIL;
        goto out;
    }
    for (i = 0; i < n; i++) {
        /* Crashed, shut down or dying domains do not run: not listed. */
        if (dom_gone_why(&info[i]))
            continue;
        rc = fill_domain(x, &info[i], &online, &(*doms)[k]);
        if (rc == HV_ENODOMAIN)
            continue;           /* went away between the list and the look */
        if (rc)
            goto out;
        k++;
    }
    *nr = k;
    rc = 0;
out:
    if (rc) {
        free(*doms);
        *doms = NULL;
    }
    libxl_dominfo_list_free(info, n);
    return rc;
}

/* Xen's console ring is 16 KiB by default; read up to this much of it. */
#define CONSOLE_READ_MAX (1024 * 1024)

/* The cached dump answers for doms: recent, and their pages unchanged. */
static bool numa_fresh(xen *x, const hv_domain *doms, size_t nr)
{
    return x->numa.at_ms &&
           HV_NowMs(&x->base) - x->numa.at_ms < NUMA_DUMP_REUSE_MS &&
           NUMADUMP_Covers(x->numa.doms, x->numa.nr, doms, nr);
}

static void numa_forget(xen *x)
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

    numa_forget(x);
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

static int xen_get_node_memory(hv *h, hv_domain *doms, size_t nr)
{
    xen *x = X(h);
    libxl_physinfo pi;
    size_t i;
    unsigned nodes, n;
    int rc = HV_EFAIL;

    begin(x);
    libxl_physinfo_init(&pi);
    if (libxl_get_physinfo(x->ctx, &pi)) {
        rc = host_fail(x, ERROR_FAIL, "reading the host's NUMA nodes");
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

static int xen_get_domain(hv *h, uint32_t domid, hv_domain *out)
{
    xen *x = X(h);
    xs_cpumap online;
    dom_ref d;
    int rc;

    rc = dom_get(x, domid, &d, "reading its state");
    if (rc)
        goto out;
    rc = online_cpus(x, &online);
    if (rc)
        goto out;
    rc = fill_domain(x, &d.info, &online, out);
    if (rc == HV_ENODOMAIN)
        ERR_Set(&x->base.err, "domain %u (%s): no longer exists", domid,
                d.name);
out:
    dom_put(&d);
    return rc;
}

/* --- memory ------------------------------------------------------------- */

/*
 * Xen's runtime limit through libxenctrl, as libxl sets it (kib + 1 MiB).
 * Not libxl_domain_setmaxmem: it also rewrites memory/static-max to kib,
 * after which libxl_set_memory_target refuses every growth above it.
 */
static int xen_set_maxmem(hv *h, uint32_t domid, uint64_t kib)
{
    xen *x = X(h);
    hv_domain cur;
    const char *why;
    dom_ref d;
    char a[32], b[32];
    int rc, e;

    rc = dom_get(x, domid, &d, "setting maxmem");
    if (rc)
        goto out;
    memset(&cur, 0, sizeof(cur));
    fill_memory(x, &d.info, &cur);
    /* Xen would take it; the guest's balloon target would be unreachable. */
    if (kib < cur.target_kib) {
        ERR_Set(&x->base.err, "domain %u (%s): setting maxmem to %s: below "
                "its balloon target %s (lower the target first)", domid,
                d.name, size_str(kib, a, sizeof(a)),
                size_str(cur.target_kib, b, sizeof(b)));
        rc = HV_EINVAL;
        goto out;
    }
    if (kib > cur.static_max_kib) {
        ERR_Set(&x->base.err, "domain %u (%s): setting maxmem to %s: above "
                "its static maximum %s (maxmem= when it was built)", domid,
                d.name, size_str(kib, a, sizeof(a)),
                size_str(cur.static_max_kib, b, sizeof(b)));
        rc = HV_EINVAL;
        goto out;
    }
    begin(x);
    if (xc_domain_setmaxmem(x->xch, domid, kib + XEN_MAXMEM_SLACK_KIB)) {
        e = errno;
        why = dom_vanished(x, domid);
        if (why) {
            ERR_Set(&x->base.err, "domain %u (%s): %s (while setting maxmem "
                    "to %s)", domid, d.name, why,
                    size_str(kib, a, sizeof(a)));
            rc = HV_ENODOMAIN;
        } else {
            ERR_Set(&x->base.err, "domain %u (%s): setting maxmem to %s "
                    "failed: %s", domid, d.name, size_str(kib, a, sizeof(a)),
                    strerror(e));
            rc = e == EINVAL ? HV_EINVAL : HV_EFAIL;
        }
    }
out:
    dom_put(&d);
    return rc;
}

static int xen_set_target(hv *h, uint32_t domid, uint64_t kib)
{
    xen *x = X(h);
    hv_domain cur;
    dom_ref d;
    char a[32], b[32];
    int rc;

    rc = dom_get(x, domid, &d, "setting the balloon target");
    if (rc)
        goto out;
    memset(&cur, 0, sizeof(cur));
    fill_memory(x, &d.info, &cur);
    /*
     * With enforce = 0 libxl leaves Xen's max alone: a target above it
     * would leave the balloon stuck at maxmem.
     */
    if (kib > cur.maxmem_kib) {
        ERR_Set(&x->base.err, "domain %u (%s): setting the balloon target to "
                "%s: above its maxmem %s (raise maxmem first)", domid,
                d.name, size_str(kib, a, sizeof(a)),
                size_str(cur.maxmem_kib, b, sizeof(b)));
        rc = HV_EINVAL;
        goto out;
    }
    begin(x);
    /*
     * A balloon cycle can end at the total it began with and its pages
     * elsewhere: a dump from before it would still look current.
     */
    numa_forget(x);
    /*
     * Absolute (relative = 0), enforce = 0: only memory/target (minus the
     * video RAM) and, for HVM/PVH, the PoD target change; the executor
     * orders maxmem itself.  It does not wait for the guest.
     */
    rc = libxl_set_memory_target(x->ctx, domid, (int64_t)kib, 0, 0);
    if (rc)
        rc = dom_fail(x, &d, rc, "setting the balloon target to %s",
                      size_str(kib, a, sizeof(a)));
out:
    dom_put(&d);
    return rc;
}

/* --- vCPUs and affinity ------------------------------------------------- */

static int xen_set_vcpus_online(hv *h, uint32_t domid, unsigned nr)
{
    xen *x = X(h);
    libxl_bitmap map;
    unsigned i, max;
    dom_ref d;
    int rc;

    libxl_bitmap_init(&map);
    rc = dom_get(x, domid, &d, "setting vCPUs online");
    if (rc)
        goto out;
    max = d.info.vcpu_max_id == DOM_NO_VCPU_ID ? 0 : d.info.vcpu_max_id + 1;
    if (nr < 1 || nr > max) {
        ERR_Set(&x->base.err, "domain %u (%s): setting %u vCPUs online: it "
                "has 1-%u", domid, d.name, nr, max);
        rc = HV_EINVAL;
        goto out;
    }
    if (nr < d.info.vcpu_online && dom_type(x, &d.info) == HV_DOM_HVM) {
        ERR_Set(&x->base.err, "domain %u (%s): setting %u vCPUs online: HVM "
                "guests cannot unplug vCPUs (%u online)", domid, d.name, nr,
                d.info.vcpu_online);
        rc = HV_EINVAL;
        goto out;
    }
    libxl_bitmap_alloc(x->ctx, &map, (int)max);     /* cannot fail */
    for (i = 0; i < nr; i++)
        libxl_bitmap_set(&map, (int)i);
    begin(x);
    /* ao_how NULL: synchronous.  PV/PVH: cpu/N/availability in xenstore. */
    rc = libxl_set_vcpuonline(x->ctx, domid, &map, NULL);
    if (rc)
        rc = dom_fail(x, &d, rc, "setting %u vCPUs online", nr);
out:
    libxl_bitmap_dispose(&map);
    dom_put(&d);
    return rc;
}

static int xen_set_affinity(hv *h, uint32_t domid, const xs_cpumap *hard,
                            const xs_cpumap *soft)
{
    xen *x = X(h);
    libxl_bitmap bh, bs;
    hv_pool pool;
    dom_ref d;
    char c[64], c2[64];
    int rc, bad = -1;

    libxl_bitmap_init(&bh);
    libxl_bitmap_init(&bs);
    rc = dom_get(x, domid, &d, "pinning its vCPUs");
    if (rc)
        goto out;
    if (!hard && !soft)
        goto out;               /* nothing asked, nothing changed */
    if (hard) {
        rc = pool_get(x, d.info.cpupool, &pool, "pinning a domain");
        if (rc)
            goto out;
        /* Xen refuses a hard affinity with no pCPU of the cpupool. */
        if (!CPUMAP_Intersects(hard, &pool.cpus)) {
            ERR_Set(&x->base.err, "domain %u (%s): pinning to pCPUs %s: no "
                    "pCPU of its cpupool %s (%s) in the set", domid, d.name,
                    CPUMAP_Format(hard, c, sizeof(c)), pool.name,
                    CPUMAP_Format(&pool.cpus, c2, sizeof(c2)));
            rc = HV_EINVAL;
            goto out;
        }
    }
    if ((hard && from_cpumap(x, hard, &bh, &bad)) ||
        (soft && from_cpumap(x, soft, &bs, &bad))) {
        if (bad >= 0)
            ERR_Set(&x->base.err, "domain %u (%s): pinning: pCPU %d does "
                    "not exist", domid, d.name, bad);
        else
            ERR_Set(&x->base.err, "domain %u (%s): pinning: cannot size a "
                    "cpumap", domid, d.name);
        rc = bad >= 0 ? HV_EINVAL : HV_EFAIL;
        goto out;
    }
    begin(x);
    /* Every vCPU, online or not; NULL leaves that kind unchanged. */
    rc = libxl_set_vcpuaffinity_all(x->ctx, domid, d.info.vcpu_max_id + 1,
                                    hard ? &bh : NULL, soft ? &bs : NULL);
    if (rc)
        rc = dom_fail(x, &d, rc, "pinning to pCPUs %s",
                      hard ? CPUMAP_Format(hard, c, sizeof(c)) :
                      "(soft only)");
out:
    libxl_bitmap_dispose(&bh);
    libxl_bitmap_dispose(&bs);
    dom_put(&d);
    return rc;
}

/* --- cpupools ----------------------------------------------------------- */

static int xen_pool_create(hv *h, const char *name, const char *sched,
                           uint32_t *poolid)
{
    xen *x = X(h);
    libxl_scheduler s;
    libxl_bitmap empty;
    libxl_uuid uuid;
    hv_pool *pools = NULL;
    size_t nr = 0, i;
    uint32_t id = LIBXL_CPUPOOL_POOLID_ANY;
    int rc;

    libxl_bitmap_init(&empty);
    if (!name || !name[0]) {
        ERR_Set(&x->base.err, "creating a cpupool: it needs a name");
        rc = HV_EINVAL;
        goto out;
    }
    rc = xen_list_pools(h, &pools, &nr);
    if (rc)
        goto out;
    /* libxl does not check; xl does. */
    for (i = 0; i < nr; i++) {
        if (strcmp(pools[i].name, name) == 0) {
            ERR_Set(&x->base.err, "creating cpupool %s: a cpupool of that "
                    "name exists (id %u)", name, pools[i].id);
            rc = HV_EINVAL;
            goto out;
        }
    }
    begin(x);
    if (sched) {
        if (libxl_scheduler_from_string(sched, &s)) {
            ERR_Set(&x->base.err, "creating cpupool %s: unknown scheduler "
                    "\"%s\"", name, sched);
            rc = HV_EINVAL;
            goto out;
        }
    } else {
        /* As xl cpupool-create: the scheduler Xen runs by default. */
        rc = libxl_get_scheduler(x->ctx);
        if (rc < 0) {
            rc = host_fail(x, rc, "creating cpupool %s: reading the default "
                           "scheduler", name);
            goto out;
        }
        s = (libxl_scheduler)rc;
    }
    if (libxl_cpu_bitmap_alloc(x->ctx, &empty, 0)) {
        rc = host_fail(x, ERROR_FAIL, "creating cpupool %s: sizing a cpumap",
                       name);
        goto out;
    }
    libxl_uuid_generate(&uuid);
    /* Created without pCPUs; HV_PoolAddCpu gives it some. */
    rc = libxl_cpupool_create(x->ctx, name, s, empty, &uuid, &id);
    if (rc) {
        rc = host_fail(x, rc, "creating cpupool %s", name);
        goto out;
    }
    *poolid = id;
out:
    libxl_bitmap_dispose(&empty);
    free(pools);
    return rc;
}

static int xen_pool_destroy(hv *h, uint32_t poolid)
{
    xen *x = X(h);
    hv_pool p;
    int rc;

    rc = pool_get(x, poolid, &p, "destroying it");
    if (rc)
        return rc;
    if (poolid == 0) {
        ERR_Set(&x->base.err, "cpupool %s: Pool-0 cannot be destroyed",
                p.name);
        return HV_EINVAL;
    }
    /* libxl says ERROR_INVAL and logs nothing when domains are left. */
    if (p.nr_domains) {
        ERR_Set(&x->base.err, "destroying cpupool %s: %u domain(s) still in "
                "it", p.name, p.nr_domains);
        return HV_EBUSY;
    }
    begin(x);
    /* libxl takes the pool's pCPUs out (they become free), then destroys. */
    rc = libxl_cpupool_destroy(x->ctx, poolid);
    if (rc)
        return host_fail(x, rc, "destroying cpupool %s", p.name);
    return 0;
}

static int xen_pool_add_cpu(hv *h, uint32_t poolid, unsigned cpu)
{
    xen *x = X(h);
    hv_pool *pools = NULL, *p = NULL;
    xs_cpumap online;
    size_t nr = 0, i;
    int rc;

    rc = online_cpus(x, &online);
    if (rc)
        goto out;
    rc = xen_list_pools(h, &pools, &nr);
    if (rc)
        goto out;
    for (i = 0; i < nr; i++) {
        if (pools[i].id == poolid)
            p = &pools[i];
    }
    if (!p) {
        ERR_Set(&x->base.err, "cpupool %u: adding pCPU %u: no such cpupool",
                poolid, cpu);
        rc = HV_ENOENT;
        goto out;
    }
    if (cpu >= HV_MAX_CPUS || !CPUMAP_Test(&online, cpu)) {
        ERR_Set(&x->base.err, "cpupool %s: adding pCPU %u: no such pCPU "
                "online", p->name, cpu);
        rc = HV_EINVAL;
        goto out;
    }
    for (i = 0; i < nr; i++) {
        if (CPUMAP_Test(&pools[i].cpus, cpu)) {
            ERR_Set(&x->base.err, "cpupool %s: adding pCPU %u: it is in "
                    "cpupool %s (remove it there first)", p->name, cpu,
                    pools[i].name);
            rc = pools[i].id == poolid ? HV_EINVAL : HV_EBUSY;
            goto out;
        }
    }
    begin(x);
    rc = libxl_cpupool_cpuadd(x->ctx, poolid, (int)cpu);
    if (rc)
        rc = host_fail(x, rc, "adding pCPU %u to cpupool %s", cpu, p->name);
out:
    free(pools);
    return rc;
}

static int xen_pool_remove_cpu(hv *h, uint32_t poolid, unsigned cpu)
{
    xen *x = X(h);
    hv_pool p;
    int rc;

    rc = pool_get(x, poolid, &p, "removing a pCPU");
    if (rc)
        return rc;
    if (cpu >= HV_MAX_CPUS || !CPUMAP_Test(&p.cpus, cpu)) {
        ERR_Set(&x->base.err, "cpupool %s: removing pCPU %u: it is not in "
                "it", p.name, cpu);
        return HV_EINVAL;
    }
    if (CPUMAP_Count(&p.cpus) == 1 && p.nr_domains) {
        ERR_Set(&x->base.err, "cpupool %s: removing pCPU %u: it is its last "
                "and %u domain(s) run there", p.name, cpu, p.nr_domains);
        return HV_EBUSY;
    }
    begin(x);
    rc = libxl_cpupool_cpuremove(x->ctx, poolid, (int)cpu);
    if (rc)
        return host_fail(x, rc, "removing pCPU %u from cpupool %s", cpu,
                         p.name);
    return 0;
}

static int xen_pool_move_domain(hv *h, uint32_t poolid, uint32_t domid)
{
    xen *x = X(h);
    hv_pool p;
    dom_ref d;
    int rc;

    rc = dom_get(x, domid, &d, "moving it to another cpupool");
    if (rc)
        goto out;
    rc = pool_get(x, poolid, &p, "moving a domain into it");
    if (rc) {
        if (rc == HV_ENOENT)
            ERR_Set(&x->base.err, "domain %u (%s): moving it to cpupool %u: "
                    "no such cpupool", domid, d.name, poolid);
        goto out;
    }
    if (domid == 0) {
        /* Xen refuses a domain moving itself, and xenshift runs in dom0. */
        ERR_Set(&x->base.err, "domain 0 (%s): dom0 cannot leave its "
                "cpupool", d.name);
        rc = HV_EINVAL;
        goto out;
    }
    if (CPUMAP_IsEmpty(&p.cpus)) {
        ERR_Set(&x->base.err, "domain %u (%s): moving it to cpupool %s: the "
                "cpupool has no pCPU", domid, d.name, p.name);
        rc = HV_EINVAL;
        goto out;
    }
    begin(x);
    /* Xen resets hard and soft affinity to all, unless already there. */
    rc = libxl_cpupool_movedomain(x->ctx, poolid, domid);
    if (rc)
        rc = dom_fail(x, &d, rc, "moving it to cpupool %s", p.name);
out:
    dom_put(&d);
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

static int xen_set_node_affinity(hv *h, uint32_t domid, uint64_t want)
{
    xen *x = X(h);
    libxl_bitmap nodes;
    dom_ref d;
    int rc, max, n;

    libxl_bitmap_init(&nodes);
    rc = dom_get(x, domid, &d, "setting its node affinity");
    if (rc)
        goto out;
    max = libxl_get_max_nodes(x->ctx);
    if (max <= 0) {
        rc = host_fail(x, ERROR_FAIL, "domain %u (%s): setting its node "
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
        rc = host_fail(x, ERROR_FAIL, "domain %u (%s): setting its node "
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
    begin(x);
    rc = libxl_domain_set_nodeaffinity(x->ctx, domid, &nodes);
    if (rc)
        rc = dom_fail(x, &d, rc, "setting its node affinity to 0x%llx",
                      (unsigned long long)want);
out:
    libxl_bitmap_dispose(&nodes);
    dom_put(&d);
    return rc;
}

static int xen_move_memory(hv *h, uint32_t domid, int node,
                           uint64_t max_pages, hv_move_result *res)
{
    xen *x = X(h);
    uint64_t span;
    hv_domain cur;
    dom_ref d;
    int rc;

    memset(res, 0, sizeof(*res));
    rc = dom_get(x, domid, &d, "moving its memory");
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
    fill_memory(x, &d.info, &cur);
    span = cur.static_max_kib > d.info.max_memkb ? cur.static_max_kib
                                                 : d.info.max_memkb;
    rc = XMV_Pass(x->mover, x->xch, domid, node, span, max_pages, res,
                  &x->base.err);
    if (rc && rc != HV_ENOSYS) {
        /* the error names the domain by number: add its name */
        xs_err e = x->base.err;

        ERR_Set(&x->base.err, "%s (%s)", e.msg, d.name);
    }
    numa_forget(x);             /* pages moved: a new dump will tell */
out:
    dom_put(&d);
    return rc;
}

/* --- xenstore ----------------------------------------------------------- */

static int xen_xs_read(hv *h, const char *path, char **val)
{
    xen *x = X(h);
    unsigned int len;
    int e;

    *val = xs_read(x->xs, XBT_NULL, path, &len);
    if (!*val) {
        e = errno;
        ERR_Set(&x->base.err, "xenstore read %s: %s", path,
                e == ENOENT ? "no such node" : strerror(e));
        return e == ENOENT ? HV_ENOENT : HV_EFAIL;
    }
    return 0;
}

static int xen_xs_write(hv *h, const char *path, const char *val)
{
    xen *x = X(h);

    if (!xs_write(x->xs, XBT_NULL, path, val, (unsigned int)strlen(val))) {
        ERR_Set(&x->base.err, "xenstore write %s: %s", path, strerror(errno));
        return HV_EFAIL;
    }
    return 0;
}

static int xen_xs_remove(hv *h, const char *path)
{
    xen *x = X(h);
    unsigned int len;
    char *v;
    int e;

    /*
     * xenstored answers success for a missing node whose parent exists;
     * hv.h (and the simulated host) say HV_ENOENT.
     */
    v = xs_read(x->xs, XBT_NULL, path, &len);
    if (!v && errno == ENOENT) {
        ERR_Set(&x->base.err, "xenstore remove %s: no such node", path);
        return HV_ENOENT;
    }
    free(v);
    if (!xs_rm(x->xs, XBT_NULL, path)) {
        e = errno;
        ERR_Set(&x->base.err, "xenstore remove %s: %s", path,
                e == ENOENT ? "no such node" : strerror(e));
        return e == ENOENT ? HV_ENOENT : HV_EFAIL;
    }
    return 0;
}

static int xen_xs_directory(hv *h, const char *path, char ***names,
                            size_t *nr)
{
    xen *x = X(h);
    unsigned int n, i;
    char **v, **out;
    int e;

    v = xs_directory(x->xs, XBT_NULL, path, &n);
    if (!v) {
        e = errno;
        ERR_Set(&x->base.err, "xenstore directory %s: %s", path,
                e == ENOENT ? "no such node" : strerror(e));
        return e == ENOENT ? HV_ENOENT : HV_EFAIL;
    }
    /* One block from libxenstore; hand out separate strings. */
    out = calloc(n ? n : 1, sizeof(*out));
    if (!out)
        goto nomem;
    for (i = 0; i < n; i++) {
        out[i] = strdup(v[i]);
        if (!out[i]) {
            HV_FreeNames(out, i);
            goto nomem;
        }
    }
    free(v);
    *names = out;
    *nr = n;
    return 0;
nomem:
    free(v);
    ERR_Set(&x->base.err, "xenstore directory %s: out of memory", path);
    return HV_EFAIL;
}

static int xen_xs_restrict(hv *h, const char *path)
{
    xen *x = X(h);
    /* The first entry is the owner and what everyone else may do. */
    struct xs_permissions perm = { .id = 0, .perms = XS_PERM_NONE };

    if (!xs_mkdir(x->xs, XBT_NULL, path) ||
        !xs_set_permissions(x->xs, XBT_NULL, path, &perm, 1)) {
        ERR_Set(&x->base.err, "xenstore: cannot make %s dom0-only: %s",
                path, strerror(errno));
        return HV_EFAIL;
    }
    return 0;
}

static int xen_xs_watch(hv *h, const char *path, const char *token)
{
    xen *x = X(h);

    if (!xs_watch(x->xs, path, token)) {
        ERR_Set(&x->base.err, "xenstore watch %s: %s", path,
                strerror(errno));
        return HV_EFAIL;
    }
    return 0;
}

static int xen_xs_unwatch(hv *h, const char *path, const char *token)
{
    xen *x = X(h);

    if (!xs_unwatch(x->xs, path, token)) {
        ERR_Set(&x->base.err, "xenstore unwatch %s: %s", path,
                strerror(errno));
        return HV_EFAIL;
    }
    return 0;
}

static int xen_xs_watch_fd(hv *h)
{
    return xs_fileno(X(h)->xs);
}

static int xen_xs_read_watch(hv *h, char **path, char **token)
{
    xen *x = X(h);
    char **v = xs_check_watch(x->xs);

    if (!v) {
        if (errno == EAGAIN)
            return 0;
        ERR_Set(&x->base.err, "xenstore: reading a watch event: %s",
                strerror(errno));
        return HV_EFAIL;
    }
    *path = strdup(v[XS_WATCH_PATH]);
    *token = strdup(v[XS_WATCH_TOKEN]);
    free(v);
    if (!*path || !*token) {
        free(*path);
        free(*token);
        *path = *token = NULL;
        ERR_Set(&x->base.err, "xenstore: reading a watch event: out of "
                "memory");
        return HV_EFAIL;
    }
    return 1;
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
    numa_forget(x);
    if (x->xch)
        xc_interface_close(x->xch);
    if (x->xs)
        xs_close(x->xs);
    free(x);
}

static const hv_ops xen_ops = {
    .name = "xen",
    .close = xen_close,
    .get_host = xen_get_host,
    .list_pools = xen_list_pools,
    .list_domains = xen_list_domains,
    .get_domain = xen_get_domain,
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
    begin(x);
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
