/*
 * camp_check.c - compare the host with its record (see camp_check.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "camp_check.h"
#include "hv_sim.h"
#include "plan.h"
#include "units.h"

static const char *const class_names[CC_NR] = {
    "target", "maxmem", "memory", "vcpus", "hvm-vcpus-up", "hard-affinity",
    "soft-affinity", "node-affinity", "domain-pool", "pools",
    "unnamed-changed", "unlisted-changed", "admin-pool-changed", "reached-status-denies",
    "gone", "report", "read", "crash", "hang",
};

const char *CCHK_ClassName(cchk_class c)
{
    return c < CC_NR ? class_names[c] : "?";
}

void CCHK_RecordInit(cchk_record *r)
{
    memset(r, 0, sizeof(*r));
}

void CCHK_RecordDispose(cchk_record *r)
{
    free(r->doms);
    free(r->pools);
    CCHK_RecordInit(r);
}

int CCHK_Take(hv *h, cchk_record *r)
{
    CCHK_RecordDispose(r);
    if (HV_ListDomains(h, &r->doms, &r->nr_doms) ||
        HV_ListPools(h, &r->pools, &r->nr_pools))
        goto fail;
    return 0;
fail:
    CCHK_RecordDispose(r);
    return -1;
}

void CCHK_Bad(cchk_verdict *v, cchk_class c, const char *fmt, ...)
{
    va_list ap;
    int n;

    v->classes |= 1u << c;
    if (v->len + 16 >= sizeof(v->text))
        return;
    n = snprintf(v->text + v->len, sizeof(v->text) - v->len, "#   [%s] ",
                 class_names[c]);
    v->len += (size_t)n;
    va_start(ap, fmt);
    n = vsnprintf(v->text + v->len, sizeof(v->text) - v->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        v->len += (size_t)n;
    if (v->len >= sizeof(v->text) - 2)
        v->len = sizeof(v->text) - 2;
    v->text[v->len++] = '\n';
    v->text[v->len] = '\0';
}

static const hv_pool *pool_by_id(const cchk_record *r, uint32_t id)
{
    return HV_PoolById(r->pools, r->nr_pools, id);
}

static const hv_pool *pool_by_name(const cchk_record *r, const char *name)
{
    return HV_PoolByName(r->pools, r->nr_pools, name);
}

static const hv_domain *dom_by_name(const cchk_record *r, const char *name)
{
    size_t i;

    for (i = 0; i < r->nr_doms; i++)
        if (!strcmp(r->doms[i].name, name))
            return &r->doms[i];
    return NULL;
}

static size_t dom_index(const cchk_record *r, const hv_domain *d)
{
    return (size_t)(d - r->doms);
}

static bool is_admin_pool(const hv_pool *p)
{
    return p->id != PLAN_POOL0_ID &&
           strncmp(p->name, PLAN_POOL_PREFIX, strlen(PLAN_POOL_PREFIX));
}

static void cmp_size(cchk_verdict *v, cchk_class c, const char *dom,
                     const char *field, uint64_t was, uint64_t now,
                     uint64_t slack)
{
    char a[32], b[32];
    uint64_t d = was > now ? was - now : now - was;

    if (d > slack)
        CCHK_Bad(v, c, "%s %s: %s, was %s", dom, field,
                 UNITS_FormatSize(now, a, sizeof(a)),
                 UNITS_FormatSize(was, b, sizeof(b)));
}

/* Whether now is was, or was plus the pCPUs a vanished domain freed. */
static bool same_map(const xs_cpumap *was, const xs_cpumap *now,
                     const xs_cpumap *freed)
{
    xs_cpumap x = *was;

    if (CPUMAP_Equal(was, now))
        return true;
    CPUMAP_Or(&x, freed);
    return !CPUMAP_IsEmpty(freed) && CPUMAP_Equal(&x, now);
}

static void cmp_map(cchk_verdict *v, cchk_class c, const char *dom,
                    const char *field, const xs_cpumap *was,
                    const xs_cpumap *now, const xs_cpumap *freed)
{
    char a[128], b[128];

    if (!same_map(was, now, freed))
        CCHK_Bad(v, c, "%s %s: %s, was %s", dom, field,
                 CPUMAP_Format(now, a, sizeof(a)),
                 CPUMAP_Format(was, b, sizeof(b)));
}

/* Every field of one domain; unnamed: report as CC_UNNAMED. */
/* Whether the report names dom's vCPUs as a difference it left. */
static bool named_vcpus(const exec_report *rep, const char *dom)
{
    size_t i;

    for (i = 0; rep && i < rep->nr_diffs; i++)
        if (!strcmp(rep->diffs[i].domain, dom) &&
            !strcmp(rep->diffs[i].field, "vCPUs"))
            return true;
    return false;
}

static void cmp_domain(const cchk_record *was, const cchk_record *now,
                       size_t ia, size_t ib, bool unnamed,
                       uint64_t tolerance_kib, const xs_cpumap *freed,
                       const exec_report *rep, cchk_verdict *v)
{
    const hv_domain *a = &was->doms[ia], *b = &now->doms[ib];
    const hv_pool *pa = pool_by_id(was, a->pool);
    const hv_pool *pb = pool_by_id(now, b->pool);
    const char *na = pa ? pa->name : "?", *nb = pb ? pb->name : "?";

#define CLS(c) (unnamed ? CC_UNNAMED : (c))
    cmp_size(v, CLS(CC_TARGET), a->name, "target", a->target_kib,
             b->target_kib, 0);
    cmp_size(v, CLS(CC_MAXMEM), a->name, "maxmem", a->maxmem_kib,
             b->maxmem_kib, 0);
    cmp_size(v, CLS(CC_MEMORY), a->name, "memory", a->mem_kib, b->mem_kib,
             tolerance_kib);
    if (a->vcpus_online != b->vcpus_online) {
        bool hvm_up = a->type == HV_DOM_HVM &&
                      b->vcpus_online > a->vcpus_online;

        if (!hvm_up || unnamed || !named_vcpus(rep, a->name))
            CCHK_Bad(v, CLS(hvm_up ? CC_HVM_VCPUS : CC_VCPUS),
                     "%s vcpus_online: %u, was %u%s", a->name,
                     b->vcpus_online, a->vcpus_online,
                     hvm_up ? " (and the report does not say so)" : "");
    }
    cmp_map(v, CLS(CC_HARD), a->name, "hard_affinity", &a->hard_affinity,
            &b->hard_affinity, freed);
    cmp_map(v, CLS(CC_SOFT), a->name, "soft_affinity", &a->soft_affinity,
            &b->soft_affinity, freed);
    if (a->node_affinity != b->node_affinity)
        CCHK_Bad(v, CLS(CC_NODE_AFF), "%s node affinity: 0x%llx, was 0x%llx",
                 a->name, (unsigned long long)b->node_affinity,
                 (unsigned long long)a->node_affinity);
    if (strcmp(na, nb))
        CCHK_Bad(v, CLS(CC_DOM_POOL), "%s pool: %s, was %s", a->name, nb,
                 na);
#undef CLS
}

static void cmp_pools(const cchk_record *was, const cchk_record *now,
                      bool strict, const char *gone_pool,
                      const xs_cpumap *freed, cchk_verdict *v)
{
    char a[128], b[128];
    size_t i;

    for (i = 0; i < was->nr_pools; i++) {
        const hv_pool *p = &was->pools[i], *q = pool_by_name(now, p->name);
        cchk_class c = strict ? CC_POOLS : CC_ADMIN_POOL;

        if (!strict && !is_admin_pool(p))
            continue;
        if (!q && gone_pool && !strcmp(p->name, gone_pool))
            continue;
        if (!q) {
            CCHK_Bad(v, c, "cpupool %s (pCPUs %s) is gone", p->name,
                     CPUMAP_Format(&p->cpus, a, sizeof(a)));
            continue;
        }
        if (!(p->id == PLAN_POOL0_ID ? same_map(&p->cpus, &q->cpus, freed)
                                     : CPUMAP_Equal(&p->cpus, &q->cpus)))
            CCHK_Bad(v, c, "cpupool %s pCPUs: %s, was %s", p->name,
                     CPUMAP_Format(&q->cpus, a, sizeof(a)),
                     CPUMAP_Format(&p->cpus, b, sizeof(b)));
        if (strcmp(p->sched, q->sched))
            CCHK_Bad(v, c, "cpupool %s sched: %s, was %s", p->name,
                     q->sched, p->sched);
    }
    for (i = 0; strict && i < now->nr_pools; i++)
        if (!pool_by_name(was, now->pools[i].name))
            CCHK_Bad(v, CC_POOLS, "cpupool %s (pCPUs %s) was added",
                     now->pools[i].name,
                     CPUMAP_Format(&now->pools[i].cpus, a, sizeof(a)));
}

/* A table domain the reached phase leaves out: memory and vCPUs kept. */
static void cmp_unlisted(const hv_domain *a, const hv_domain *b,
                         uint64_t tolerance_kib, cchk_verdict *v)
{
    cmp_size(v, CC_UNLISTED, a->name, "target", a->target_kib,
             b->target_kib, 0);
    cmp_size(v, CC_UNLISTED, a->name, "memory", a->mem_kib, b->mem_kib,
             tolerance_kib);
    if (a->vcpus_online != b->vcpus_online)
        CCHK_Bad(v, CC_UNLISTED, "%s vcpus_online: %u, was %u", a->name,
                 b->vcpus_online, a->vcpus_online);
}

void CCHK_Compare(const cchk_record *was, const cchk_record *now,
                  const tbl_table *t, const char *phase, bool strict,
                  const char *gone_ok, uint64_t tolerance_kib,
                  const exec_report *rep, cchk_verdict *v)
{
    const tbl_phase *ph = phase ? TBL_FindPhase(t, phase) : NULL;
    const hv_domain *gone = gone_ok && !dom_by_name(now, gone_ok)
                                ? dom_by_name(was, gone_ok) : NULL;
    const hv_pool *gp = gone ? pool_by_id(was, gone->pool) : NULL;
    char own[HV_NAME_MAX + 16] = "";
    xs_cpumap freed;
    size_t i;

    /*
     * A domain that vanished is aside, and so is its own dedicated pool:
     * that pool may be gone, its pCPUs back in Pool-0 and in the shared
     * domains' affinity (the phase as planned without the domain).
     */
    CPUMAP_Clear(&freed);
    if (gp) {
        snprintf(own, sizeof(own), "%s%s", PLAN_POOL_PREFIX, gone->name);
        if (!strcmp(gp->name, own))
            freed = gp->cpus;
    }
    for (i = 0; i < was->nr_doms; i++) {
        const hv_domain *a = &was->doms[i];
        const hv_domain *b = dom_by_name(now, a->name);
        bool unnamed = !TBL_FindDomain(t, a->name);

        if (!b) {
            if (!gone_ok || strcmp(gone_ok, a->name))
                CCHK_Bad(v, CC_GONE, "%s is gone", a->name);
            continue;
        }
        if (strict || unnamed)
            cmp_domain(was, now, i, dom_index(now, b), unnamed,
                       tolerance_kib, &freed, rep, v);
        else if (ph && !TBL_FindAlloc(ph, a->name))
            cmp_unlisted(a, b, tolerance_kib, v);
    }
    for (i = 0; i < now->nr_doms; i++)
        if (!dom_by_name(was, now->doms[i].name))
            CCHK_Bad(v, CC_GONE, "%s appeared", now->doms[i].name);
    cmp_pools(was, now, strict, own[0] ? own : NULL, &freed, v);
}
