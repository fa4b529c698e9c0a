/*
 * xen_domains.c - the real host's domains: listing and reading them
 * (memory in libxl's units, vCPUs, affinities), their memory limit and
 * balloon target, their vCPUs online and their pinning.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xen_int.h"

/* --- reading ------------------------------------------------------------ */

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

/*
 * Memory in libxl's units: libxl_set_memory_target(kib) writes
 * memory/target = kib - videoram, Xen's page count includes the video
 * RAM, and `xl list` shows current + outstanding.  So memory is the page
 * count and the target is memory/target + videoram: set_target(T) reads
 * back as T.  Xen's max is the maxmem asked plus libxl's 1 MiB slack
 * (xen_set_maxmem sets it so; libxl does at build and in `xl mem-set`).
 */
static void fill_memory(xen *x, const libxl_dominfo *info, bool video_known,
                        hv_domain *d)
{
    uint64_t video = 0, v = 0;

    /* written once when libxl builds the domain */
    if (video_known)
        video = d->video_kib;
    else
        xs_dom_u64(x, info->domid, "memory/videoram", &video);
    d->video_kib = video;
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

void xen_fill_memory(xen *x, const libxl_dominfo *info, hv_domain *d)
{
    fill_memory(x, info, false, d);
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

    d->node_affinity = 0;
    size = xc_get_nodemap_size(x->xch);
    if (size <= 0)
        goto fail;
    /* asked once per open: this runs for every domain of every list */
    if (!x->nr_nodes) {
        xc_physinfo_t pi = { 0 };

        if (xc_physinfo(x->xch, &pi))
            goto fail;
        x->nr_nodes = pi.nr_nodes ? (int)pi.nr_nodes : 1;
    }
    nodes = x->nr_nodes;
    map = xc_nodemap_alloc(x->xch);
    if (!map)
        goto fail;
    if (xc_domain_node_getaffinity(x->xch, d->domid, map)) {
        free(map);
        if (xen_dom_vanished(x, d->domid))
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
 * The union of the affinities of every vCPU of domain domid (named name
 * in messages, when known), clipped to online: Xen's "all" has every
 * bit set.
 */
static int read_affinity(xen *x, uint32_t domid, const char *name,
                         const xs_cpumap *online, xs_cpumap *hard,
                         xs_cpumap *soft)
{
    libxl_vcpuinfo *vcpus;
    int nr_vcpus = 0, nr_cpus = 0, i;
    char s[520];

    CPUMAP_Clear(hard);
    CPUMAP_Clear(soft);
    xen_begin(x);
    vcpus = libxl_list_vcpu(x->ctx, domid, &nr_vcpus, &nr_cpus);
    if (!vcpus) {
        xen_said(x, s, sizeof(s));
        if (xen_dom_vanished(x, domid))
            return HV_ENODOMAIN;
        ERR_Set(&x->base.err, "domain %u%s%s%s: reading its vCPUs failed%s",
                domid, name ? " (" : "", name ? name : "", name ? ")" : "", s);
        return HV_EFAIL;
    }
    for (i = 0; i < nr_vcpus; i++) {
        xs_cpumap h, f;

        xen_to_cpumap(&vcpus[i].cpumap, &h);
        xen_to_cpumap(&vcpus[i].cpumap_soft, &f);
        CPUMAP_Or(hard, &h);
        CPUMAP_Or(soft, &f);
    }
    libxl_vcpuinfo_list_free(vcpus, nr_vcpus);
    for (i = 0; i < HV_MAX_CPUS / 64; i++) {
        hard->bits[i] &= online->bits[i];
        soft->bits[i] &= online->bits[i];
    }
    return 0;
}

/*
 * Fill d from libxl's view of one domain, xenstore and its vCPUs.  online
 * clips affinities to pCPUs that exist (Xen's "all" has every bit set).
 * known (or NULL): the same domain listed a moment ago, whose name, type
 * and video RAM are not read again.  HV_ENODOMAIN when the domain went
 * away meanwhile.
 */
static int fill_domain(xen *x, const libxl_dominfo *info,
                       const xs_cpumap *online, const char *known_name,
                       const hv_domain *known, hv_domain *d)
{
    char *name = NULL;
    int rc;

    memset(d, 0, sizeof(*d));
    d->domid = info->domid;
    if (known) {
        snprintf(d->name, sizeof(d->name), "%s", known->name);
        d->type = known->type;
        d->video_kib = known->video_kib;
    } else if (known_name && strcmp(known_name, "?") != 0) {
        /* a name xen_dom_get just read is not read again ("?": none) */
        snprintf(d->name, sizeof(d->name), "%s", known_name);
    } else {
        name = libxl_domid_to_name(x->ctx, info->domid);
        if (!name && info->domid != 0)
            return HV_ENODOMAIN;    /* gone, or not built yet */
        snprintf(d->name, sizeof(d->name), "%s", name ? name : "Domain-0");
        free(name);
    }
    if (!known)
        d->type = dom_type(x, info);
    fill_memory(x, info, known != NULL, d);
    d->vcpus_online = info->vcpu_online;
    d->vcpus_max = info->vcpu_max_id == DOM_NO_VCPU_ID ? 0 :
                   info->vcpu_max_id + 1;
    d->pool = info->cpupool;
    d->node_known = false;      /* per-node counts need debug key 'u' */
    if (!d->vcpus_max)
        return 0;

    rc = read_affinity(x, info->domid, d->name, online, &d->hard_affinity,
                       &d->soft_affinity);
    return rc ? rc : read_node_affinity(x, d);
}

static const hv_domain *find_before(const hv_domain *before, size_t nr,
                                    uint32_t domid)
{
    size_t i;

    for (i = 0; i < nr; i++)
        if (before[i].domid == domid)
            return &before[i];
    return NULL;
}

static int list_domains(hv *h, const hv_domain *before, size_t nr_before,
                        hv_domain **doms, size_t *nr)
{
    xen *x = X(h);
    libxl_dominfo *info;
    xs_cpumap online;
    int n = 0, i, rc;
    size_t k = 0;

    xen_begin(x);
    *doms = NULL;
    *nr = 0;
    info = libxl_list_domain(x->ctx, &n);
    if (!info)
        return xen_host_fail(x, ERROR_FAIL, "listing domains");
    rc = xen_online_cpus(x, &online);
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
        if (xen_dom_gone_why(&info[i]))
            continue;
        rc = fill_domain(x, &info[i], &online, NULL,
                         find_before(before, nr_before, info[i].domid),
                         &(*doms)[k]);
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

int xen_list_domains(hv *h, hv_domain **doms, size_t *nr)
{
    return list_domains(h, NULL, 0, doms, nr);
}

/*
 * Each xenstore read is a round trip to xenstored, ms on an emulated
 * dom0: name, type and video RAM are 3 of a domain's 5.
 */
int xen_list_domains_again(hv *h, const hv_domain *before, size_t nr_before,
                           hv_domain **doms, size_t *nr)
{
    return list_domains(h, before, nr_before, doms, nr);
}

int xen_get_domain(hv *h, uint32_t domid, hv_domain *out)
{
    xen *x = X(h);
    xs_cpumap online;
    dom_ref d;
    int rc;

    rc = xen_dom_get(x, domid, &d, "reading its state");
    if (rc)
        goto out;
    rc = xen_online_cpus(x, &online);
    if (rc)
        goto out;
    rc = fill_domain(x, &d.info, &online, d.name, NULL, out);
    if (rc == HV_ENODOMAIN)
        ERR_Set(&x->base.err, "domain %u (%s): no longer exists", domid,
                d.name);
out:
    xen_dom_put(&d);
    return rc;
}

/* One domain-info hypercall: HV_ENODOMAIN when it is gone or going. */
static int dom_info(xen *x, uint32_t domid, libxl_dominfo *info)
{
    const char *why;
    char s[520];
    int rc;

    xen_begin(x);
    rc = libxl_domain_info(x->ctx, info, domid);
    if (rc == ERROR_DOMAIN_NOTFOUND) {
        ERR_Set(&x->base.err, "domain %u: no longer exists", domid);
        return HV_ENODOMAIN;
    }
    if (rc) {
        ERR_Set(&x->base.err, "domain %u: cannot read its state%s", domid,
                xen_said(x, s, sizeof(s)));
        return HV_EFAIL;
    }
    why = xen_dom_gone_why(info);
    if (why) {
        ERR_Set(&x->base.err, "domain %u: it %s", domid, why);
        return HV_ENODOMAIN;
    }
    return 0;
}

/*
 * One domain-info hypercall, no xenstore: the memory as xen_fill_memory
 * counts it (pages plus outstanding; the video RAM is in the pages).
 */
int xen_get_progress(hv *h, uint32_t domid, hv_dom_progress *out)
{
    libxl_dominfo info;
    int rc;

    libxl_dominfo_init(&info);
    rc = dom_info(X(h), domid, &info);
    if (rc)
        goto out;
    out->mem_kib = info.current_memkb;
    if (info.outstanding_memkb != LIBXL_MEMKB_DEFAULT)
        out->mem_kib += info.outstanding_memkb;
    out->vcpus_online = info.vcpu_online;
out:
    libxl_dominfo_dispose(&info);
    return rc;
}

/* Hypercalls only: the domain's info, its vCPUs, the online pCPUs. */
int xen_get_cpus(hv *h, uint32_t domid, hv_dom_cpus *out)
{
    xen *x = X(h);
    libxl_dominfo info;
    xs_cpumap online;
    int rc;

    libxl_dominfo_init(&info);
    rc = dom_info(x, domid, &info);
    if (rc)
        goto out;
    out->pool = info.cpupool;
    rc = xen_online_cpus(x, &online);
    if (rc)
        goto out;
    rc = read_affinity(x, domid, NULL, &online, &out->hard_affinity,
                       &out->soft_affinity);
out:
    libxl_dominfo_dispose(&info);
    return rc;
}

/* --- memory ------------------------------------------------------------- */

/*
 * Xen's runtime limit through libxenctrl, as libxl sets it (kib + 1 MiB).
 * Not libxl_domain_setmaxmem: it also rewrites memory/static-max to kib,
 * after which libxl_set_memory_target refuses every growth above it.
 */
int xen_set_maxmem(hv *h, uint32_t domid, uint64_t kib)
{
    xen *x = X(h);
    hv_domain cur;
    const char *why;
    dom_ref d;
    char a[32], b[32];
    int rc, e;

    rc = xen_dom_get(x, domid, &d, "setting maxmem");
    if (rc)
        goto out;
    memset(&cur, 0, sizeof(cur));
    xen_fill_memory(x, &d.info, &cur);
    /* Xen would take it; the guest's balloon target would be unreachable. */
    if (kib < cur.target_kib) {
        ERR_Set(&x->base.err, "domain %u (%s): setting maxmem to %s: below "
                "its balloon target %s (lower the target first)", domid,
                d.name, xen_size_str(kib, a, sizeof(a)),
                xen_size_str(cur.target_kib, b, sizeof(b)));
        rc = HV_EINVAL;
        goto out;
    }
    if (kib > cur.static_max_kib) {
        ERR_Set(&x->base.err, "domain %u (%s): setting maxmem to %s: above "
                "its static maximum %s (maxmem= when it was built)", domid,
                d.name, xen_size_str(kib, a, sizeof(a)),
                xen_size_str(cur.static_max_kib, b, sizeof(b)));
        rc = HV_EINVAL;
        goto out;
    }
    xen_begin(x);
    if (xc_domain_setmaxmem(x->xch, domid, kib + XEN_MAXMEM_SLACK_KIB)) {
        e = errno;
        why = xen_dom_vanished(x, domid);
        if (why) {
            ERR_Set(&x->base.err, "domain %u (%s): %s (while setting maxmem "
                    "to %s)", domid, d.name, why,
                    xen_size_str(kib, a, sizeof(a)));
            rc = HV_ENODOMAIN;
        } else {
            ERR_Set(&x->base.err, "domain %u (%s): setting maxmem to %s "
                    "failed: %s", domid, d.name,
                    xen_size_str(kib, a, sizeof(a)), strerror(e));
            rc = e == EINVAL ? HV_EINVAL : HV_EFAIL;
        }
    }
out:
    xen_dom_put(&d);
    return rc;
}

int xen_set_target(hv *h, uint32_t domid, uint64_t kib)
{
    xen *x = X(h);
    hv_domain cur;
    dom_ref d;
    char a[32], b[32];
    int rc;

    rc = xen_dom_get(x, domid, &d, "setting the balloon target");
    if (rc)
        goto out;
    memset(&cur, 0, sizeof(cur));
    xen_fill_memory(x, &d.info, &cur);
    /*
     * With enforce = 0 libxl leaves Xen's max alone: a target above it
     * would leave the balloon stuck at maxmem.
     */
    if (kib > cur.maxmem_kib) {
        ERR_Set(&x->base.err, "domain %u (%s): setting the balloon target to "
                "%s: above its maxmem %s (raise maxmem first)", domid,
                d.name, xen_size_str(kib, a, sizeof(a)),
                xen_size_str(cur.maxmem_kib, b, sizeof(b)));
        rc = HV_EINVAL;
        goto out;
    }
    xen_begin(x);
    /*
     * A balloon cycle can end at the total it began with and its pages
     * elsewhere: a dump from before it would still look current.
     */
    xen_numa_forget(x);
    /*
     * Absolute (relative = 0), enforce = 0: only memory/target (minus the
     * video RAM) and, for HVM/PVH, the PoD target change; the executor
     * orders maxmem itself.  It does not wait for the guest.
     */
    rc = libxl_set_memory_target(x->ctx, domid, (int64_t)kib, 0, 0);
    if (rc)
        rc = xen_dom_fail(x, &d, rc, "setting the balloon target to %s",
                          xen_size_str(kib, a, sizeof(a)));
out:
    xen_dom_put(&d);
    return rc;
}

/* --- vCPUs and affinity ------------------------------------------------- */

int xen_set_vcpus_online(hv *h, uint32_t domid, unsigned nr)
{
    xen *x = X(h);
    libxl_bitmap map;
    unsigned i, max;
    dom_ref d;
    int rc;

    libxl_bitmap_init(&map);
    rc = xen_dom_get(x, domid, &d, "setting vCPUs online");
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
    xen_begin(x);
    /* ao_how NULL: synchronous.  PV/PVH: cpu/N/availability in xenstore. */
    rc = libxl_set_vcpuonline(x->ctx, domid, &map, NULL);
    if (rc)
        rc = xen_dom_fail(x, &d, rc, "setting %u vCPUs online", nr);
out:
    libxl_bitmap_dispose(&map);
    xen_dom_put(&d);
    return rc;
}

int xen_set_affinity(hv *h, uint32_t domid, const xs_cpumap *hard,
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
    rc = xen_dom_get(x, domid, &d, "pinning its vCPUs");
    if (rc)
        goto out;
    if (!hard && !soft)
        goto out;               /* nothing asked, nothing changed */
    if (hard) {
        rc = xen_pool_get(x, d.info.cpupool, &pool, "pinning a domain");
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
    if ((hard && xen_from_cpumap(x, hard, &bh, &bad)) ||
        (soft && xen_from_cpumap(x, soft, &bs, &bad))) {
        if (bad >= 0)
            ERR_Set(&x->base.err, "domain %u (%s): pinning: pCPU %d does "
                    "not exist", domid, d.name, bad);
        else
            ERR_Set(&x->base.err, "domain %u (%s): pinning: cannot size a "
                    "cpumap", domid, d.name);
        rc = bad >= 0 ? HV_EINVAL : HV_EFAIL;
        goto out;
    }
    xen_begin(x);
    /* Every vCPU, online or not; NULL leaves that kind unchanged. */
    rc = libxl_set_vcpuaffinity_all(x->ctx, domid, d.info.vcpu_max_id + 1,
                                    hard ? &bh : NULL, soft ? &bs : NULL);
    if (rc)
        rc = xen_dom_fail(x, &d, rc, "pinning to pCPUs %s",
                          hard ? CPUMAP_Format(hard, c, sizeof(c)) :
                          "(soft only)");
out:
    libxl_bitmap_dispose(&bh);
    libxl_bitmap_dispose(&bs);
    xen_dom_put(&d);
    return rc;
}
