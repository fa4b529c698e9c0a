/*
 * hv.c - dispatch from the hv interface to the chosen driver.
 *
 * The driver does the work; this file clears the last error before each
 * call and makes sure a failing driver always leaves a message.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hv.h"

static int finish(hv *h, int rc, const char *op)
{
    if (rc < 0 && !h->err.msg[0])
        ERR_Set(&h->err, "%s: %s", op, HV_StrError(rc));
    return rc;
}

static uint64_t mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* One slot per operation, in the order of first calls. */
static int timed(hv *h, int rc, const char *op, uint64_t since_us)
{
    hv_times *t = h->times;
    uint64_t now;
    size_t i;

    for (i = 0; i < t->nr && strcmp(t->ops[i].op, op) != 0; i++)
        ;
    if (i == t->nr) {
        if (t->nr == HV_TIMES_MAX)
            return rc;
        t->ops[t->nr++].op = op;
    }
    now = mono_us();
    t->ops[i].calls++;
    t->ops[i].us += now - since_us;
    if (t->nr_calls < HV_TIMES_CALLS_MAX) {
        hv_op_call *c = &t->calls[t->nr_calls];

        c->op = op;
        c->at_us = since_us - t->start_us;
        c->us = now - since_us;
    }
    t->nr_calls++;
    return rc;
}

/* A driver without an operation cannot do it: HV_ENOSYS, not a crash. */
#define DISPATCH(h, op, ...)                                   \
    do {                                                       \
        uint64_t t0_;                                          \
                                                               \
        ERR_Clear(&(h)->err);                                  \
        if (!(h)->ops->op) {                                   \
            ERR_Set(&(h)->err, "the %s host cannot %s",        \
                    (h)->ops->name, #op);                      \
            return HV_ENOSYS;                                  \
        }                                                      \
        if (!(h)->times)                                       \
            return finish((h), (h)->ops->op(__VA_ARGS__), #op);\
        t0_ = mono_us();                                       \
        return finish((h), timed((h), (h)->ops->op(__VA_ARGS__), \
                                 #op, t0_), #op);              \
    } while (0)

void HV_Close(hv *h)
{
    if (h) {
        free(h->times);
        h->times = NULL;
        h->ops->close(h);
    }
}

int HV_TimesStart(hv *h)
{
    if (!h->times) {
        h->times = calloc(1, sizeof(*h->times));
        if (h->times)
            h->times->start_us = mono_us();
    }
    return h->times ? 0 : -1;
}

void HV_TimesRestart(hv *h)
{
    if (h->times) {
        memset(h->times, 0, sizeof(*h->times));
        h->times->start_us = mono_us();
    }
}

const hv_times *HV_Times(const hv *h)
{
    return h->times;
}

const char *HV_DriverName(const hv *h)
{
    return h->ops->name;
}

const xs_err *HV_LastError(const hv *h)
{
    return &h->err;
}

int HV_GetHost(hv *h, hv_host *out)
{
    DISPATCH(h, get_host, h, out);
}

int HV_ListPools(hv *h, hv_pool **pools, size_t *nr)
{
    DISPATCH(h, list_pools, h, pools, nr);
}

int HV_ListDomains(hv *h, hv_domain **doms, size_t *nr)
{
    DISPATCH(h, list_domains, h, doms, nr);
}

int HV_ListDomainsAgain(hv *h, const hv_domain *before, size_t nr_before,
                        hv_domain **doms, size_t *nr)
{
    if (!h->ops->list_domains_again)
        return HV_ListDomains(h, doms, nr);
    DISPATCH(h, list_domains_again, h, before, nr_before, doms, nr);
}

int HV_GetDomain(hv *h, uint32_t domid, hv_domain *out)
{
    DISPATCH(h, get_domain, h, domid, out);
}

int HV_GetProgress(hv *h, uint32_t domid, hv_dom_progress *out)
{
    hv_domain d;
    int rc;

    if (h->ops->get_progress)
        DISPATCH(h, get_progress, h, domid, out);
    rc = HV_GetDomain(h, domid, &d);
    if (!rc) {
        out->mem_kib = d.mem_kib;
        out->vcpus_online = d.vcpus_online;
    }
    return rc;
}

int HV_GetCpus(hv *h, uint32_t domid, hv_dom_cpus *out)
{
    hv_domain d;
    int rc;

    if (h->ops->get_cpus)
        DISPATCH(h, get_cpus, h, domid, out);
    rc = HV_GetDomain(h, domid, &d);
    if (!rc) {
        out->pool = d.pool;
        out->hard_affinity = d.hard_affinity;
        out->soft_affinity = d.soft_affinity;
    }
    return rc;
}

int HV_FindDomain(hv *h, const char *name, hv_domain *out)
{
    hv_domain *doms = NULL;
    size_t nr = 0, i;
    int rc;

    rc = HV_ListDomains(h, &doms, &nr);
    if (rc)
        return rc;
    rc = HV_ENODOMAIN;
    for (i = 0; i < nr; i++) {
        if (strcmp(doms[i].name, name) == 0) {
            *out = doms[i];
            rc = HV_OK;
            break;
        }
    }
    free(doms);
    if (rc)
        ERR_Set(&h->err, "%s: no such domain is running", name);
    return rc;
}

int HV_SetMaxmem(hv *h, uint32_t domid, uint64_t kib)
{
    DISPATCH(h, set_maxmem, h, domid, kib);
}

int HV_SetTarget(hv *h, uint32_t domid, uint64_t kib)
{
    DISPATCH(h, set_target, h, domid, kib);
}

int HV_SetVcpusOnline(hv *h, uint32_t domid, unsigned nr)
{
    DISPATCH(h, set_vcpus_online, h, domid, nr);
}

int HV_SetAffinity(hv *h, uint32_t domid, const xs_cpumap *hard,
                   const xs_cpumap *soft)
{
    DISPATCH(h, set_affinity, h, domid, hard, soft);
}

int HV_PoolCreate(hv *h, const char *name, const char *sched,
                  uint32_t *poolid)
{
    DISPATCH(h, pool_create, h, name, sched, poolid);
}

int HV_PoolDestroy(hv *h, uint32_t poolid)
{
    DISPATCH(h, pool_destroy, h, poolid);
}

int HV_PoolAddCpu(hv *h, uint32_t poolid, unsigned cpu)
{
    DISPATCH(h, pool_add_cpu, h, poolid, cpu);
}

int HV_PoolRemoveCpu(hv *h, uint32_t poolid, unsigned cpu)
{
    DISPATCH(h, pool_remove_cpu, h, poolid, cpu);
}

int HV_PoolMoveDomain(hv *h, uint32_t poolid, uint32_t domid)
{
    DISPATCH(h, pool_move_domain, h, poolid, domid);
}

int HV_SetNodeAffinity(hv *h, uint32_t domid, int node)
{
    if (node != HV_NO_NODE && (node < 0 || node >= HV_MAX_NODES)) {
        ERR_Clear(&h->err);
        ERR_Set(&h->err, "domain %u: setting its node affinity to %d: no "
                "such node", domid, node);
        return HV_EINVAL;
    }
    return HV_SetNodeMask(h, domid, node == HV_NO_NODE ? ~(uint64_t)0
                                                        : (uint64_t)1 << node);
}

int HV_SetNodeMask(hv *h, uint32_t domid, uint64_t nodes)
{
    DISPATCH(h, set_node_affinity, h, domid, nodes);
}

int HV_MoveMemory(hv *h, uint32_t domid, int node, uint64_t max_pages,
                  hv_move_result *res)
{
    DISPATCH(h, move_memory, h, domid, node, max_pages, res);
}

int HV_XsRead(hv *h, const char *path, char **val)
{
    DISPATCH(h, xs_read, h, path, val);
}

int HV_XsWrite(hv *h, const char *path, const char *val)
{
    DISPATCH(h, xs_write, h, path, val);
}

int HV_XsRemove(hv *h, const char *path)
{
    DISPATCH(h, xs_remove, h, path);
}

int HV_XsClear(hv *h, const char *path)
{
    DISPATCH(h, xs_clear, h, path);
}

int HV_GetNodeMemory(hv *h, hv_domain *doms, size_t nr)
{
    DISPATCH(h, get_node_memory, h, doms, nr);
}

int HV_XsDirectory(hv *h, const char *path, char ***names, size_t *nr)
{
    *names = NULL;
    *nr = 0;
    DISPATCH(h, xs_directory, h, path, names, nr);
}

void HV_FreeNames(char **names, size_t nr)
{
    size_t i;

    for (i = 0; i < nr; i++)
        free(names[i]);
    free(names);
}

int HV_XsRestrict(hv *h, const char *path)
{
    DISPATCH(h, xs_restrict, h, path);
}

int HV_XsWatch(hv *h, const char *path, const char *token)
{
    DISPATCH(h, xs_watch, h, path, token);
}

int HV_XsUnwatch(hv *h, const char *path, const char *token)
{
    DISPATCH(h, xs_unwatch, h, path, token);
}

int HV_XsWatchFd(hv *h)
{
    return h->ops->xs_watch_fd(h);
}

int HV_XsReadWatch(hv *h, char **path, char **token)
{
    int rc;

    *path = NULL;
    *token = NULL;
    ERR_Clear(&h->err);
    rc = h->ops->xs_read_watch(h, path, token);
    return rc < 0 ? finish(h, rc, "xs_read_watch") : rc;
}

uint64_t HV_NowMs(hv *h)
{
    return h->ops->now_ms(h);
}

void HV_SleepMs(hv *h, unsigned ms)
{
    uint64_t t0;

    if (!h->times) {
        h->ops->sleep_ms(h, ms);
        return;
    }
    t0 = mono_us();
    h->ops->sleep_ms(h, ms);
    timed(h, 0, "sleep_ms", t0);
}

const hv_pool *HV_PoolById(const hv_pool *v, size_t n, uint32_t id)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (v[i].id == id)
            return &v[i];
    return NULL;
}

const hv_pool *HV_PoolByName(const hv_pool *v, size_t n, const char *name)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(v[i].name, name) == 0)
            return &v[i];
    return NULL;
}

const char *HV_DomTypeName(hv_dom_type t)
{
    switch (t) {
    case HV_DOM_PV:  return "pv";
    case HV_DOM_PVH: return "pvh";
    case HV_DOM_HVM: return "hvm";
    }
    return "unknown";
}

const char *HV_StrError(int rc)
{
    switch (rc) {
    case HV_OK:        return "success";
    case HV_EFAIL:     return "operation failed";
    case HV_ENODOMAIN: return "no such domain";
    case HV_EINVAL:    return "invalid argument";
    case HV_ENOSYS:    return "not supported by this hypervisor";
    case HV_EBUSY:     return "resource busy";
    case HV_ENOMEM:    return "not enough free host memory";
    case HV_ENOENT:    return "no such entry";
    }
    return "unknown error";
}

long long HV_WallMs(hv *h)
{
    return h->ops->wall_ms(h);
}
