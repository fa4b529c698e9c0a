/*
 * record.c - the host as it was before a transition (REC_Take), and
 * the host now compared with it (REC_Compare).  The way back is
 * record_restore.c (its choices are written there); the record as the
 * journal's text is record_text.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "record_int.h"
#include "units.h"

void REC_Init(rec_record *r)
{
    memset(r, 0, sizeof(*r));
}

void REC_Dispose(rec_record *r)
{
    free(r->doms);
    free(r->pools);
    REC_Init(r);
}

void REC_ResultInit(rec_result *res)
{
    memset(res, 0, sizeof(*res));
}

void REC_ResultDispose(rec_result *res)
{
    free(res->diffs);
    free(res->vanished);
    REC_ResultInit(res);
}

const rec_pool *rec_pool_by_name(const rec_record *r, const char *name)
{
    size_t i;

    for (i = 0; i < r->nr_pools; i++)
        if (!strcmp(r->pools[i].name, name))
            return &r->pools[i];
    return NULL;
}

/* The same domain now: same domid and name (a new one is another). */
const hv_domain *rec_dom_now(const hv_domain *v, size_t n,
                             const rec_domain *d)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (v[i].domid == d->domid && !strcmp(v[i].name, d->name))
            return &v[i];
    return NULL;
}

const rec_domain *REC_FindDomain(const rec_record *r, const char *name)
{
    size_t i;

    for (i = 0; i < r->nr_doms; i++)
        if (!strcmp(r->doms[i].name, name))
            return &r->doms[i];
    return NULL;
}

void REC_MarkPlanned(rec_record *r, const char *name)
{
    size_t i;

    for (i = 0; i < r->nr_doms; i++)
        if (!strcmp(r->doms[i].name, name))
            r->doms[i].planned = true;
}

int REC_FromHost(rec_record *r, const hv_host *host, const hv_pool *pools,
                 size_t nr_pools, const hv_domain *doms, size_t nr_doms,
                 xs_err *err)
{
    size_t i;

    REC_Dispose(r);
    r->nr_cpus = host->nr_cpus;
    r->all_nodes = host->nr_nodes >= 64 ? ~(uint64_t)0
                                        : ((uint64_t)1 << host->nr_nodes) - 1;
    r->pools = calloc(nr_pools ? nr_pools : 1, sizeof(*r->pools));
    r->doms = calloc(nr_doms ? nr_doms : 1, sizeof(*r->doms));
    if (!r->pools || !r->doms) {
        ERR_Set(err, "out of memory");
        REC_Dispose(r);
        return HV_EFAIL;
    }
    for (i = 0; i < nr_pools; i++) {
        rec_pool *p = &r->pools[i];

        snprintf(p->name, sizeof(p->name), "%s", pools[i].name);
        snprintf(p->sched, sizeof(p->sched), "%s", pools[i].sched);
        p->cpus = pools[i].cpus;
    }
    r->nr_pools = nr_pools;
    for (i = 0; i < nr_doms; i++) {
        const hv_domain *s = &doms[i];
        const hv_pool *p = HV_PoolById(pools, nr_pools, s->pool);
        rec_domain *d = &r->doms[i];

        snprintf(d->name, sizeof(d->name), "%s", s->name);
        d->domid = s->domid;
        d->type = s->type;
        d->mem_kib = s->mem_kib;
        d->target_kib = s->target_kib;
        d->maxmem_kib = s->maxmem_kib;
        d->vcpus = s->vcpus_online;
        d->hard = s->hard_affinity;
        d->soft = s->soft_affinity;
        d->node_affinity = s->node_affinity;
        snprintf(d->pool, sizeof(d->pool), "%s", p ? p->name : "");
    }
    r->nr_doms = nr_doms;
    r->taken = true;
    return 0;
}

int REC_Take(hv *h, rec_record *r, xs_err *err)
{
    hv_host host;
    hv_pool *pools = NULL;
    hv_domain *doms = NULL;
    size_t nr_pools = 0, nr_doms = 0;
    int rc;

    REC_Dispose(r);
    rc = HV_GetHost(h, &host);
    if (!rc)
        rc = HV_ListPools(h, &pools, &nr_pools);
    if (!rc)
        rc = HV_ListDomains(h, &doms, &nr_doms);
    if (rc)
        *err = *HV_LastError(h);
    else
        rc = REC_FromHost(r, &host, pools, nr_pools, doms, nr_doms, err);
    free(pools);
    free(doms);
    return rc;
}

/* --- comparing ----------------------------------------------------------- */

static int add_diff(rec_result *res, const char *who, const char *field,
                    const char *now, const char *was)
{
    rec_diff *v = realloc(res->diffs, (res->nr_diffs + 1) * sizeof(*v));

    if (!v)
        return -1;
    res->diffs = v;
    v += res->nr_diffs++;
    snprintf(v->domain, sizeof(v->domain), "%s", who);
    snprintf(v->field, sizeof(v->field), "%s", field);
    snprintf(v->now, sizeof(v->now), "%s", now);
    snprintf(v->was, sizeof(v->was), "%s", was);
    return 0;
}

void rec_fmt_nodes(uint64_t m, char *buf, size_t len)
{
    xs_cpumap c;
    unsigned n;

    CPUMAP_Clear(&c);
    for (n = 0; n < 64; n++)
        if (m >> n & 1)
            CPUMAP_Set(&c, n);
    CPUMAP_Format(&c, buf, len);
}

static int diff_size(rec_result *res, const char *who, const char *field,
                     uint64_t now, uint64_t was)
{
    char a[32], b[32];

    if (now == was)
        return 0;
    return add_diff(res, who, field, UNITS_FormatSize(now, a, sizeof(a)),
                    UNITS_FormatSize(was, b, sizeof(b)));
}

/*
 * m as a pCPU list in len (a rec_diff field), cut after a whole entry
 * with "...": a list cut mid-number reads as other pCPUs, and two maps
 * that differ at their end would read the same.
 */
static const char *fit_map(const xs_cpumap *m, char *buf, size_t len)
{
    char full[REC_MAP_MAX];
    size_t at;

    CPUMAP_Format(m, full, sizeof(full));
    if (strlen(full) + 1 < len && strlen(full) + 1 < sizeof(full)) {
        snprintf(buf, len, "%s", full);
        return buf;
    }
    at = len > 5 ? len - 5 : 0;     /* room for ",...", NUL */
    while (at && full[at] != ',')
        at--;
    snprintf(buf, len, "%.*s...", at ? (int)at + 1 : 0, full);
    return buf;
}

static int diff_map(rec_result *res, const char *who, const char *field,
                    const xs_cpumap *now, const xs_cpumap *was)
{
    char a[sizeof(res->diffs->now)], b[sizeof(res->diffs->was)];

    if (CPUMAP_Equal(now, was))
        return 0;
    return add_diff(res, who, field, fit_map(now, a, sizeof(a)),
                    fit_map(was, b, sizeof(b)));
}

static int diff_domain(rec_result *res, const rec_domain *d,
                       const hv_domain *n, const char *pool,
                       uint64_t tolerance_kib)
{
    char a[96], b[96];
    int rc = 0;
    uint64_t was_off = d->mem_kib > d->target_kib ? d->mem_kib - d->target_kib
                                                  : d->target_kib - d->mem_kib;
    uint64_t off = n->mem_kib > d->mem_kib ? n->mem_kib - d->mem_kib
                                           : d->mem_kib - n->mem_kib;

    if (d->planned) {
        rc |= diff_size(res, d->name, "balloon target", n->target_kib,
                        d->target_kib);
        rc |= diff_size(res, d->name, "maxmem", n->maxmem_kib,
                        d->maxmem_kib);
        /* A guest that was at its target must be back at it. */
        if (was_off <= tolerance_kib && off > tolerance_kib)
            rc |= diff_size(res, d->name, "memory", n->mem_kib, d->mem_kib);
    }
    if (d->planned && n->vcpus_online != d->vcpus) {
        snprintf(a, sizeof(a), "%u%s", n->vcpus_online,
                 d->type == HV_DOM_HVM && n->vcpus_online > d->vcpus
                 ? " (an HVM guest: Xen cannot take back the vCPUs it "
                   "was given)" : "");
        snprintf(b, sizeof(b), "%u", d->vcpus);
        rc |= add_diff(res, d->name, "vCPUs", a, b);
    }
    if (strcmp(pool, d->pool))
        rc |= add_diff(res, d->name, "cpupool", pool, d->pool);
    rc |= diff_map(res, d->name, "hard affinity", &n->hard_affinity,
                   &d->hard);
    rc |= diff_map(res, d->name, "soft affinity", &n->soft_affinity,
                   &d->soft);
    if (n->node_affinity != d->node_affinity) {
        rec_fmt_nodes(n->node_affinity, a, sizeof(a));
        rec_fmt_nodes(d->node_affinity, b, sizeof(b));
        rc |= add_diff(res, d->name, "node affinity", a, b);
    }
    return rc;
}

int REC_Compare(hv *h, const rec_record *r, uint64_t tolerance_kib,
                rec_result *res)
{
    hv_pool *pools = NULL;
    hv_domain *doms = NULL;
    size_t nr_pools = 0, nr_doms = 0, i;
    char who[HV_NAME_MAX + 16];
    int rc = -1;

    REC_ResultDispose(res);
    res->vanished = calloc(r->nr_doms ? r->nr_doms : 1,
                           sizeof(*res->vanished));
    if (!res->vanished) {
        res->read_failed = true;
        ERR_Set(&res->why, "out of memory");
        return -1;
    }
    if (HV_ListPools(h, &pools, &nr_pools) ||
        HV_ListDomains(h, &doms, &nr_doms)) {
        res->read_failed = true;
        res->why = *HV_LastError(h);
        goto out;
    }
    rc = 0;
    for (i = 0; i < r->nr_pools; i++) {
        const rec_pool *p = &r->pools[i];
        const hv_pool *n = HV_PoolByName(pools, nr_pools, p->name);

        snprintf(who, sizeof(who), "cpupool %s", p->name);
        if (!n) {
            rc |= add_diff(res, who, "exists", "no", "yes");
            continue;
        }
        rc |= diff_map(res, who, "pCPUs", &n->cpus, &p->cpus);
        if (strcmp(n->sched, p->sched))
            rc |= add_diff(res, who, "scheduler", n->sched, p->sched);
    }
    for (i = 0; i < nr_pools; i++) {
        if (rec_pool_by_name(r, pools[i].name))
            continue;
        snprintf(who, sizeof(who), "cpupool %s", pools[i].name);
        rc |= add_diff(res, who, "exists", "yes", "no");
    }
    for (i = 0; i < r->nr_doms; i++) {
        const hv_domain *n = rec_dom_now(doms, nr_doms, &r->doms[i]);
        const hv_pool *p;

        if (!n) {
            res->vanished[i] = true;
            continue;
        }
        p = HV_PoolById(pools, nr_pools, n->pool);
        rc |= diff_domain(res, &r->doms[i], n, p ? p->name : "",
                          tolerance_kib);
    }
    if (rc) {
        res->read_failed = true;
        ERR_Set(&res->why, "out of memory");
        rc = -1;
    } else {
        rc = res->nr_diffs ? -1 : 0;
    }
out:
    free(pools);
    free(doms);
    return rc;
}

const char *REC_FormatDiff(const rec_diff *d, char *buf, size_t len)
{
    if (!strcmp(d->field, "exists"))
        snprintf(buf, len, "%s: %s", d->domain,
                 strcmp(d->now, "yes") ? "is gone, it existed"
                                       : "exists, it did not");
    else
        snprintf(buf, len, "%s: %s %s, was %s", d->domain, d->field, d->now,
                 d->was);
    return buf;
}
