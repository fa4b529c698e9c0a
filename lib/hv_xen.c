/*
 * hv_xen.c - the real host behind hv.h: libxl for what it offers,
 * libxenstore for xenstore.  See docs/xen-backend.md.
 *
 * libxl's log messages are captured (not printed) so that a failing
 * call's error can say what libxl said, next to the domain and the
 * operation.
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
#include <xenctrl.h>
#include <xenstore.h>
#include <xentoollog.h>

#include "hv.h"

#define XEN_PAGE_KIB 4
/*
 * Xen's max for a domain is its target plus this slack: libxl adds the
 * same (LIBXL_MAXMEM_CONSTANT) when it enforces a target.
 */
#define XEN_MAXMEM_SLACK_KIB 1024

/* A xentoollog logger that keeps the last error line. */
typedef struct capture_logger {
    xentoollog_logger vtable;
    char last[512];
} capture_logger;

typedef struct xen {
    struct hv base;             /* must be first */
    capture_logger log;
    libxl_ctx *ctx;
    xc_interface *xch;
    struct xs_handle *xs;
} xen;

static xen *X(hv *h)
{
    return (xen *)h;
}

static void capture_vmessage(xentoollog_logger *lg, xentoollog_level level,
                             int errnoval, const char *context,
                             const char *format, va_list al)
{
    capture_logger *c = (capture_logger *)lg;
    size_t n;

    if (level < XTL_ERROR)
        return;
    vsnprintf(c->last, sizeof(c->last), format, al);
    n = strlen(c->last);
    while (n && c->last[n - 1] == '\n')
        c->last[--n] = '\0';
    if (errnoval > 0 && n + 3 < sizeof(c->last))
        snprintf(c->last + n, sizeof(c->last) - n, ": %s",
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

/* Name of a domain for messages ("vm2 (domain 5)"). */
static const char *dom_label(xen *x, uint32_t domid, char *buf, size_t len)
{
    char *name = libxl_domid_to_name(x->ctx, domid);

    snprintf(buf, len, "%s (domain %u)", name ? name : "?", domid);
    free(name);
    return buf;
}

/*
 * Turn a failed libxl call on a domain into an HV_E* code with a message
 * naming the domain, the operation and what libxl said.
 */
static int dom_fail(xen *x, uint32_t domid, int lrc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int dom_fail(xen *x, uint32_t domid, int lrc, const char *fmt, ...)
{
    char what[256], label[HV_NAME_MAX + 32];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (lrc == ERROR_DOMAIN_NOTFOUND ||
        libxl_domain_info(x->ctx, NULL, domid) == ERROR_DOMAIN_NOTFOUND) {
        ERR_Set(&x->base.err, "domain %u: %s: no longer exists", domid, what);
        return HV_ENODOMAIN;
    }
    ERR_Set(&x->base.err, "%s: %s failed%s%s", dom_label(x, domid, label,
            sizeof(label)), what, x->log.last[0] ? ": " : "", x->log.last);
    if (lrc == ERROR_NOMEM)
        return HV_ENOMEM;
    if (lrc == ERROR_INVAL)
        return HV_EINVAL;
    return HV_EFAIL;
}

static int host_fail(xen *x, int lrc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int host_fail(xen *x, int lrc, const char *fmt, ...)
{
    char what[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    ERR_Set(&x->base.err, "%s failed%s%s", what, x->log.last[0] ? ": " : "",
            x->log.last);
    return lrc == ERROR_INVAL ? HV_EINVAL : HV_EFAIL;
}

static void to_cpumap(const libxl_bitmap *b, xs_cpumap *m)
{
    int i;

    CPUMAP_Clear(m);
    libxl_for_each_set_bit(i, *b)
        if (i < HV_MAX_CPUS)
            CPUMAP_Set(m, (unsigned)i);
}

static int from_cpumap(xen *x, const xs_cpumap *m, libxl_bitmap *b)
{
    int cpu;

    libxl_bitmap_init(b);
    if (libxl_cpu_bitmap_alloc(x->ctx, b, 0))
        return -1;
    for (cpu = CPUMAP_Next(m, 0); cpu >= 0;
         cpu = CPUMAP_Next(m, (unsigned)cpu + 1))
        if ((unsigned)cpu < b->size * 8)
            libxl_bitmap_set(b, cpu);
    return 0;
}

/* A xenstore number under /local/domain/<domid>/; 0 when absent. */
static uint64_t xs_dom_u64(xen *x, uint32_t domid, const char *leaf)
{
    char path[128], *v;
    unsigned int len;
    uint64_t n = 0;

    snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, leaf);
    v = xs_read(x->xs, XBT_NULL, path, &len);
    if (v) {
        n = strtoull(v, NULL, 10);
        free(v);
    }
    return n;
}

/* --- hv_ops -------------------------------------------------------------- */

static void xen_close(hv *h)
{
    xen *x = X(h);

    if (x->ctx)
        libxl_ctx_free(x->ctx);
    if (x->xch)
        xc_interface_close(x->xch);
    if (x->xs)
        xs_close(x->xs);
    free(x);
}

static int xen_get_host(hv *h, hv_host *out)
{
    xen *x = X(h);
    libxl_physinfo pi;
    libxl_cputopology *topo = NULL;
    libxl_numainfo *numa = NULL;
    int nr_topo = 0, nr_numa = 0, i, rc;

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
    out->free_kib = pi.free_pages * XEN_PAGE_KIB;
    for (i = 0; i < HV_MAX_CPUS; i++)
        out->cpu_to_node[i] = HV_NO_NODE;
    topo = libxl_get_cpu_topology(x->ctx, &nr_topo);
    for (i = 0; topo && i < nr_topo && i < HV_MAX_CPUS; i++)
        if (topo[i].node != LIBXL_CPUTOPOLOGY_INVALID_ENTRY)
            out->cpu_to_node[i] = (int)topo[i].node;
    numa = libxl_get_numainfo(x->ctx, &nr_numa);
    for (i = 0; numa && i < nr_numa && i < HV_MAX_NODES; i++) {
        if (numa[i].size == LIBXL_NUMAINFO_INVALID_ENTRY)
            continue;
        /* libxl reports node sizes in bytes. */
        out->node_total_kib[i] = numa[i].size / 1024;
        out->node_free_kib[i] = numa[i].free / 1024;
    }
    out->guarded = false;
    rc = 0;
out:
    if (topo)
        libxl_cputopology_list_free(topo, nr_topo);
    if (numa)
        libxl_numainfo_list_free(numa, nr_numa);
    libxl_physinfo_dispose(&pi);
    return rc;
}

static int xen_list_pools(hv *h, hv_pool **pools, size_t *nr)
{
    xen *x = X(h);
    libxl_cpupoolinfo *info;
    int n = 0, i;

    info = libxl_list_cpupool(x->ctx, &n);
    if (!info)
        return host_fail(x, ERROR_FAIL, "listing cpupools");
    *pools = calloc(n ? (size_t)n : 1, sizeof(**pools));
    if (!*pools) {
        libxl_cpupoolinfo_list_free(info, n);
        return HV_ENOMEM;
    }
    for (i = 0; i < n; i++) {
        hv_pool *p = &(*pools)[i];

        p->id = info[i].poolid;
        snprintf(p->name, sizeof(p->name), "%s",
                 info[i].pool_name ? info[i].pool_name : "");
        snprintf(p->sched, sizeof(p->sched), "%s",
                 libxl_scheduler_to_string(info[i].sched));
        to_cpumap(&info[i].cpumap, &p->cpus);
        p->nr_domains = info[i].n_dom;
    }
    *nr = (size_t)n;
    libxl_cpupoolinfo_list_free(info, n);
    return 0;
}

/* Fill d from libxl's view of one domain plus xenstore and its vCPUs. */
static int fill_domain(xen *x, const libxl_dominfo *info, hv_domain *d)
{
    libxl_vcpuinfo *vcpus;
    int nr_vcpus = 0, nr_cpus = 0, i;
    char *name;
    uint64_t video;

    memset(d, 0, sizeof(*d));
    d->domid = info->domid;
    name = libxl_domid_to_name(x->ctx, info->domid);
    if (!name)
        return HV_ENODOMAIN;
    snprintf(d->name, sizeof(d->name), "%s", name);
    free(name);
    switch (info->domain_type) {
    case LIBXL_DOMAIN_TYPE_HVM:
        d->type = HV_DOM_HVM;
        break;
    case LIBXL_DOMAIN_TYPE_PVH:
        d->type = HV_DOM_PVH;
        break;
    default:
        d->type = HV_DOM_PV;
        break;
    }
    /*
     * libxl writes memory/target without the video RAM, which Xen counts
     * in the domain's pages: take it off so memory and target compare.
     */
    video = xs_dom_u64(x, info->domid, "memory/videoram");
    d->mem_kib = info->current_memkb + info->outstanding_memkb;
    d->mem_kib = d->mem_kib > video ? d->mem_kib - video : 0;
    d->target_kib = xs_dom_u64(x, info->domid, "memory/target");
    d->static_max_kib = xs_dom_u64(x, info->domid, "memory/static-max");
    d->maxmem_kib = info->max_memkb > video + XEN_MAXMEM_SLACK_KIB
                        ? info->max_memkb - video - XEN_MAXMEM_SLACK_KIB : 0;
    if (!d->target_kib)
        d->target_kib = d->mem_kib;
    if (!d->static_max_kib)
        d->static_max_kib = d->maxmem_kib;
    d->vcpus_online = info->vcpu_online;
    d->vcpus_max = info->vcpu_max_id + 1;
    d->pool = info->cpupool;
    d->node_known = false;
    vcpus = libxl_list_vcpu(x->ctx, info->domid, &nr_vcpus, &nr_cpus);
    if (!vcpus)
        return HV_ENODOMAIN;
    for (i = 0; i < nr_vcpus; i++) {
        xs_cpumap hard, soft;

        to_cpumap(&vcpus[i].cpumap, &hard);
        to_cpumap(&vcpus[i].cpumap_soft, &soft);
        CPUMAP_Or(&d->hard_affinity, &hard);
        CPUMAP_Or(&d->soft_affinity, &soft);
    }
    libxl_vcpuinfo_list_free(vcpus, nr_vcpus);
    return 0;
}

static int xen_list_domains(hv *h, hv_domain **doms, size_t *nr)
{
    xen *x = X(h);
    libxl_dominfo *info;
    int n = 0, i;
    size_t k = 0;

    info = libxl_list_domain(x->ctx, &n);
    if (!info)
        return host_fail(x, ERROR_FAIL, "listing domains");
    *doms = calloc(n ? (size_t)n : 1, sizeof(**doms));
    if (!*doms) {
        libxl_dominfo_list_free(info, n);
        return HV_ENOMEM;
    }
    for (i = 0; i < n; i++) {
        /* A domain going away between the list and the look is skipped. */
        if (info[i].dying || info[i].shutdown)
            continue;
        if (fill_domain(x, &info[i], &(*doms)[k]) == 0)
            k++;
    }
    *nr = k;
    libxl_dominfo_list_free(info, n);
    return 0;
}

static int xen_get_domain(hv *h, uint32_t domid, hv_domain *out)
{
    xen *x = X(h);
    libxl_dominfo info;
    int rc;

    libxl_dominfo_init(&info);
    rc = libxl_domain_info(x->ctx, &info, domid);
    if (rc) {
        rc = dom_fail(x, domid, rc, "reading its state");
        goto out;
    }
    if (info.dying || info.shutdown) {
        ERR_Set(&x->base.err, "domain %u: is shutting down", domid);
        rc = HV_ENODOMAIN;
        goto out;
    }
    rc = fill_domain(x, &info, out);
    if (rc == HV_ENODOMAIN)
        ERR_Set(&x->base.err, "domain %u: no longer exists", domid);
out:
    libxl_dominfo_dispose(&info);
    return rc;
}

/*
 * Xen's runtime limit, through libxenctrl: libxl_domain_setmaxmem also
 * rewrites memory/static-max, the size the guest was built for, which
 * would then cap every later growth.  This sets what "xl mem-set" sets
 * (target, video RAM and the slack) and leaves static-max alone.
 */
static int xen_set_maxmem(hv *h, uint32_t domid, uint64_t kib)
{
    xen *x = X(h);
    uint64_t video = xs_dom_u64(x, domid, "memory/videoram");
    char label[HV_NAME_MAX + 32];

    x->log.last[0] = '\0';
    if (xc_domain_setmaxmem(x->xch, domid,
                            kib + video + XEN_MAXMEM_SLACK_KIB)) {
        int e = errno;

        if (libxl_domain_info(x->ctx, NULL, domid) == ERROR_DOMAIN_NOTFOUND) {
            ERR_Set(&x->base.err, "domain %u: setting maxmem: no longer "
                    "exists", domid);
            return HV_ENODOMAIN;
        }
        ERR_Set(&x->base.err, "%s: setting maxmem to %" PRIu64 " KiB "
                "failed: %s", dom_label(x, domid, label, sizeof(label)), kib,
                strerror(e));
        return e == EINVAL ? HV_EINVAL : HV_EFAIL;
    }
    return 0;
}

static int xen_set_target(hv *h, uint32_t domid, uint64_t kib)
{
    xen *x = X(h);
    int rc;

    x->log.last[0] = '\0';
    /* enforce = 0: maxmem is set by the executor in its own order. */
    rc = libxl_set_memory_target(x->ctx, domid, (int64_t)kib, 0, 0);
    if (rc)
        return dom_fail(x, domid, rc, "setting the balloon target to %"
                        PRIu64 " KiB", kib);
    return 0;
}

static int xen_set_vcpus_online(hv *h, uint32_t domid, unsigned nr)
{
    xen *x = X(h);
    libxl_bitmap map;
    libxl_dominfo info;
    unsigned i;
    int rc;

    x->log.last[0] = '\0';
    libxl_dominfo_init(&info);
    libxl_bitmap_init(&map);
    rc = libxl_domain_info(x->ctx, &info, domid);
    if (rc) {
        rc = dom_fail(x, domid, rc, "reading its vCPUs");
        goto out;
    }
    if (nr < 1 || nr > info.vcpu_max_id + 1) {
        ERR_Set(&x->base.err, "domain %u: %u vCPUs asked, it has 1-%u",
                domid, nr, info.vcpu_max_id + 1);
        rc = HV_EINVAL;
        goto out;
    }
    if (libxl_cpu_bitmap_alloc(x->ctx, &map, (int)info.vcpu_max_id + 1)) {
        rc = HV_ENOMEM;
        goto out;
    }
    for (i = 0; i < nr; i++)
        libxl_bitmap_set(&map, (int)i);
    rc = libxl_set_vcpuonline(x->ctx, domid, &map, NULL);
    if (rc)
        rc = dom_fail(x, domid, rc, "setting %u vCPUs online", nr);
out:
    libxl_bitmap_dispose(&map);
    libxl_dominfo_dispose(&info);
    return rc;
}

static int xen_set_affinity(hv *h, uint32_t domid, const xs_cpumap *hard,
                            const xs_cpumap *soft)
{
    xen *x = X(h);
    libxl_bitmap bh, bs;
    libxl_dominfo info;
    int rc;

    x->log.last[0] = '\0';
    libxl_dominfo_init(&info);
    libxl_bitmap_init(&bh);
    libxl_bitmap_init(&bs);
    rc = libxl_domain_info(x->ctx, &info, domid);
    if (rc) {
        rc = dom_fail(x, domid, rc, "reading its vCPUs");
        goto out;
    }
    if ((hard && from_cpumap(x, hard, &bh)) ||
        (soft && from_cpumap(x, soft, &bs))) {
        rc = HV_ENOMEM;
        goto out;
    }
    rc = libxl_set_vcpuaffinity_all(x->ctx, domid, info.vcpu_max_id + 1,
                                    hard ? &bh : NULL, soft ? &bs : NULL);
    if (rc) {
        char c[64];

        rc = dom_fail(x, domid, rc, "pinning to pCPUs %s",
                      hard ? CPUMAP_Format(hard, c, sizeof(c)) : "(soft)");
    }
out:
    libxl_bitmap_dispose(&bh);
    libxl_bitmap_dispose(&bs);
    libxl_dominfo_dispose(&info);
    return rc;
}

static int xen_pool_create(hv *h, const char *name, const char *sched,
                           uint32_t *poolid)
{
    xen *x = X(h);
    libxl_scheduler s = LIBXL_SCHEDULER_CREDIT2;
    libxl_bitmap empty;
    libxl_uuid uuid;
    int rc;

    x->log.last[0] = '\0';
    if (sched && libxl_scheduler_from_string(sched, &s)) {
        ERR_Set(&x->base.err, "cpupool %s: unknown scheduler \"%s\"", name,
                sched);
        return HV_EINVAL;
    }
    libxl_bitmap_init(&empty);
    if (libxl_cpu_bitmap_alloc(x->ctx, &empty, 0))
        return HV_ENOMEM;
    libxl_uuid_generate(&uuid);
    *poolid = LIBXL_CPUPOOL_POOLID_ANY;
    rc = libxl_cpupool_create(x->ctx, name, s, empty, &uuid, poolid);
    libxl_bitmap_dispose(&empty);
    if (rc)
        return host_fail(x, rc, "creating cpupool %s", name);
    return 0;
}

static int xen_pool_destroy(hv *h, uint32_t poolid)
{
    xen *x = X(h);
    int rc;

    x->log.last[0] = '\0';
    /* libxl gives the pool's pCPUs back to the free set first. */
    rc = libxl_cpupool_destroy(x->ctx, poolid);
    if (rc)
        return host_fail(x, rc, "destroying cpupool %u", poolid);
    return 0;
}

static int xen_pool_add_cpu(hv *h, uint32_t poolid, unsigned cpu)
{
    xen *x = X(h);
    int rc;

    x->log.last[0] = '\0';
    rc = libxl_cpupool_cpuadd(x->ctx, poolid, (int)cpu);
    if (rc)
        return host_fail(x, rc, "adding pCPU %u to cpupool %u", cpu, poolid);
    return 0;
}

static int xen_pool_remove_cpu(hv *h, uint32_t poolid, unsigned cpu)
{
    xen *x = X(h);
    int rc;

    x->log.last[0] = '\0';
    rc = libxl_cpupool_cpuremove(x->ctx, poolid, (int)cpu);
    if (rc)
        return host_fail(x, rc, "removing pCPU %u from cpupool %u", cpu,
                         poolid);
    return 0;
}

static int xen_pool_move_domain(hv *h, uint32_t poolid, uint32_t domid)
{
    xen *x = X(h);
    int rc;

    x->log.last[0] = '\0';
    rc = libxl_cpupool_movedomain(x->ctx, poolid, domid);
    if (rc)
        return dom_fail(x, domid, rc, "moving to cpupool %u", poolid);
    return 0;
}

static int xen_set_node_affinity(hv *h, uint32_t domid, int node)
{
    xen *x = X(h);
    libxl_bitmap nodes;
    int rc, n;

    x->log.last[0] = '\0';
    libxl_bitmap_init(&nodes);
    if (libxl_node_bitmap_alloc(x->ctx, &nodes, 0))
        return HV_ENOMEM;
    if (node == HV_NO_NODE) {
        for (n = 0; n < (int)nodes.size * 8; n++)
            libxl_bitmap_set(&nodes, n);
    } else {
        libxl_bitmap_set(&nodes, node);
    }
    rc = libxl_domain_set_nodeaffinity(x->ctx, domid, &nodes);
    libxl_bitmap_dispose(&nodes);
    if (rc)
        return dom_fail(x, domid, rc, "setting node affinity to %d", node);
    return 0;
}

static int xen_move_memory(hv *h, uint32_t domid, int node,
                           uint64_t max_pages, hv_move_result *res)
{
    xen *x = X(h);

    memset(res, 0, sizeof(*res));
    ERR_Set(&x->base.err, "domain %u: direct page moves need the xenshift "
            "hypervisor guard (xen-patches/); this Xen has none", domid);
    return HV_ENOSYS;
}

static int xen_xs_read(hv *h, const char *path, char **val)
{
    xen *x = X(h);
    unsigned int len;

    *val = xs_read(x->xs, XBT_NULL, path, &len);
    if (!*val) {
        int e = errno;

        ERR_Set(&x->base.err, "xenstore read %s: %s", path, strerror(e));
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

    if (!xs_rm(x->xs, XBT_NULL, path)) {
        int e = errno;

        ERR_Set(&x->base.err, "xenstore remove %s: %s", path, strerror(e));
        return e == ENOENT ? HV_ENOENT : HV_EFAIL;
    }
    return 0;
}

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
    .xs_read = xen_xs_read,
    .xs_write = xen_xs_write,
    .xs_remove = xen_xs_remove,
    .now_ms = xen_now_ms,
    .sleep_ms = xen_sleep_ms,
};

hv *HV_OpenXen(xs_err *err)
{
    xen *x = calloc(1, sizeof(*x));

    if (!x) {
        ERR_Set(err, "out of memory");
        return NULL;
    }
    x->base.ops = &xen_ops;
    x->log.vtable.vmessage = capture_vmessage;
    x->log.vtable.progress = capture_progress;
    x->log.vtable.destroy = capture_destroy;
    /* Check for Xen first: libxl_ctx_alloc alone says little. */
    x->xs = xs_open(0);
    if (!x->xs) {
        ERR_Set(err, "cannot open xenstore (%s): is this dom0 of a Xen host "
                "with xenstored running? (use --sim FIXTURE for a simulated "
                "host)", strerror(errno));
        goto fail;
    }
    x->xch = xc_interface_open((xentoollog_logger *)&x->log, NULL, 0);
    if (!x->xch) {
        ERR_Set(err, "cannot open the Xen control interface (%s): is this "
                "dom0 with privcmd loaded?", strerror(errno));
        goto fail;
    }
    if (libxl_ctx_alloc(&x->ctx, LIBXL_VERSION, 0,
                        (xentoollog_logger *)&x->log)) {
        ERR_Set(err, "cannot open the Xen control interface%s%s: is this "
                "dom0 with xenfs mounted on /proc/xen?",
                x->log.last[0] ? ": " : "", x->log.last);
        x->ctx = NULL;
        goto fail;
    }
    return &x->base;
fail:
    xen_close(&x->base);
    return NULL;
}
