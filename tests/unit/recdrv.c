/*
 * recdrv.c - the fault tests' recording driver (see recdrv.h).
 *
 * Every call is passed to the sim unchanged and logged with the domain
 * it names.  Names come from the list given before the run, not from
 * the sim: a look-up on the sim would itself be a call that the faults
 * count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv_sim.h"
#include "recdrv.h"
#include "xspath.h"

static recdrv *R(hv *h)
{
    return (recdrv *)h;
}

static const char *dom_name(recdrv *r, uint32_t domid)
{
    size_t i;

    for (i = 0; i < r->nr_names; i++)
        if (r->names[i].domid == domid)
            return r->names[i].name;
    return "?";
}

static bool is_change(const char *op)
{
    return strncmp(op, "get_", 4) && strncmp(op, "list_", 5) &&
           strcmp(op, "xs_read") && strcmp(op, "xs_directory");
}

static size_t log_call(recdrv *r, const char *op, bool has_dom,
                       uint32_t domid)
{
    recdrv_call *c;

    if (r->nr_calls == r->cap_calls) {
        size_t cap = r->cap_calls ? 2 * r->cap_calls : 256;
        recdrv_call *v = realloc(r->calls, cap * sizeof(*v));

        if (!v)
            abort();
        r->calls = v;
        r->cap_calls = cap;
    }
    c = &r->calls[r->nr_calls];
    memset(c, 0, sizeof(*c));
    snprintf(c->op, sizeof(c->op), "%s", op);
    if (has_dom)
        snprintf(c->dom, sizeof(c->dom), "%s", dom_name(r, domid));
    c->change = is_change(op);
    c->tag = r->hooks.tag ? r->hooks.tag(r->hooks.ctx, has_dom, domid) : -1;
    c->rb = r->rb;
    return r->nr_calls++;
}

static int done(hv *h, size_t ix, int rc)
{
    recdrv *r = R(h);

    r->calls[ix].rc = rc;
    if (rc) {
        h->err = *HV_LastError(r->in);
        if (!r->fired && strstr(h->err.msg, "injected fault")) {
            r->fired = true;
            r->fire = r->calls[ix];
            snprintf(r->fire_msg, sizeof(r->fire_msg), "%s", h->err.msg);
        }
    }
    return rc;
}

#define CALL(h, op, has_dom, domid, expr)                               \
    do {                                                                \
        size_t ix_ = log_call(R(h), (op), (has_dom), (domid));          \
        return done((h), ix_, (expr));                                  \
    } while (0)

static void rc_close(hv *h)
{
    HV_Close(R(h)->in);
    free(R(h)->calls);
    free(R(h)->names);
    free(h);
}

static int rc_get_host(hv *h, hv_host *o)
{
    CALL(h, "get_host", false, 0, HV_GetHost(R(h)->in, o));
}

static int rc_list_pools(hv *h, hv_pool **p, size_t *n)
{
    CALL(h, "list_pools", false, 0, HV_ListPools(R(h)->in, p, n));
}

static int rc_list_domains(hv *h, hv_domain **d, size_t *n)
{
    CALL(h, "list_domains", false, 0, HV_ListDomains(R(h)->in, d, n));
}

static int rc_get_domain(hv *h, uint32_t id, hv_domain *o)
{
    CALL(h, "get_domain", true, id, HV_GetDomain(R(h)->in, id, o));
}

static int rc_set_maxmem(hv *h, uint32_t id, uint64_t k)
{
    CALL(h, "set_maxmem", true, id, HV_SetMaxmem(R(h)->in, id, k));
}

static int rc_set_target(hv *h, uint32_t id, uint64_t k)
{
    CALL(h, "set_target", true, id, HV_SetTarget(R(h)->in, id, k));
}

static int rc_set_vcpus(hv *h, uint32_t id, unsigned n)
{
    CALL(h, "set_vcpus_online", true, id,
         HV_SetVcpusOnline(R(h)->in, id, n));
}

static int rc_set_affinity(hv *h, uint32_t id, const xs_cpumap *hard,
                           const xs_cpumap *soft)
{
    CALL(h, "set_affinity", true, id,
         HV_SetAffinity(R(h)->in, id, hard, soft));
}

static int rc_pool_create(hv *h, const char *name, const char *sched,
                          uint32_t *id)
{
    CALL(h, "pool_create", false, 0,
         HV_PoolCreate(R(h)->in, name, sched, id));
}

static int rc_pool_destroy(hv *h, uint32_t id)
{
    CALL(h, "pool_destroy", false, 0, HV_PoolDestroy(R(h)->in, id));
}

static int rc_pool_add_cpu(hv *h, uint32_t id, unsigned cpu)
{
    CALL(h, "pool_add_cpu", false, 0, HV_PoolAddCpu(R(h)->in, id, cpu));
}

static int rc_pool_remove_cpu(hv *h, uint32_t id, unsigned cpu)
{
    CALL(h, "pool_remove_cpu", false, 0,
         HV_PoolRemoveCpu(R(h)->in, id, cpu));
}

static int rc_pool_move_domain(hv *h, uint32_t id, uint32_t dom)
{
    CALL(h, "pool_move_domain", true, dom,
         HV_PoolMoveDomain(R(h)->in, id, dom));
}

static int rc_set_node_affinity(hv *h, uint32_t id, uint64_t nodes)
{
    CALL(h, "set_node_affinity", true, id,
         HV_SetNodeMask(R(h)->in, id, nodes));
}

static int rc_move_memory(hv *h, uint32_t id, int node, uint64_t max,
                          hv_move_result *res)
{
    CALL(h, "move_memory", true, id,
         HV_MoveMemory(R(h)->in, id, node, max, res));
}

static int rc_get_node_memory(hv *h, hv_domain *doms, size_t nr)
{
    CALL(h, "get_node_memory", false, 0,
         HV_GetNodeMemory(R(h)->in, doms, nr));
}

static int rc_xs_read(hv *h, const char *path, char **val)
{
    CALL(h, "xs_read", false, 0, HV_XsRead(R(h)->in, path, val));
}

static int rc_xs_write(hv *h, const char *path, const char *val)
{
    CALL(h, "xs_write", false, 0, HV_XsWrite(R(h)->in, path, val));
}

static int rc_xs_remove(hv *h, const char *path)
{
    CALL(h, "xs_remove", false, 0, HV_XsRemove(R(h)->in, path));
}

static int rc_xs_clear(hv *h, const char *path)
{
    CALL(h, "xs_clear", false, 0, HV_XsClear(R(h)->in, path));
}

static int rc_xs_directory(hv *h, const char *path, char ***names,
                           size_t *nr)
{
    CALL(h, "xs_directory", false, 0,
         HV_XsDirectory(R(h)->in, path, names, nr));
}

static int rc_xs_restrict(hv *h, const char *path)
{
    CALL(h, "xs_restrict", false, 0, HV_XsRestrict(R(h)->in, path));
}

static int rc_xs_watch(hv *h, const char *path, const char *token)
{
    CALL(h, "xs_watch", false, 0, HV_XsWatch(R(h)->in, path, token));
}

static int rc_xs_unwatch(hv *h, const char *path, const char *token)
{
    CALL(h, "xs_unwatch", false, 0, HV_XsUnwatch(R(h)->in, path, token));
}

static int rc_xs_watch_fd(hv *h)
{
    return HV_XsWatchFd(R(h)->in);
}

static int rc_xs_read_watch(hv *h, char **path, char **token)
{
    int rc = HV_XsReadWatch(R(h)->in, path, token);

    if (rc < 0)
        h->err = *HV_LastError(R(h)->in);
    return rc;
}

static uint64_t rc_now_ms(hv *h)
{
    return HV_NowMs(R(h)->in);
}

static void rc_sleep_ms(hv *h, unsigned ms)
{
    recdrv *r = R(h);

    if (r->hooks.sleeping)
        r->hooks.sleeping(r->hooks.ctx);
    HV_SleepMs(r->in, ms);
}

static long long rc_wall_ms(hv *h)
{
    return HV_WallMs(R(h)->in);
}

static const hv_ops recdrv_ops = {
    .name = "recording-sim",
    .close = rc_close,
    .get_host = rc_get_host,
    .list_pools = rc_list_pools,
    .list_domains = rc_list_domains,
    .get_domain = rc_get_domain,
    .set_maxmem = rc_set_maxmem,
    .set_target = rc_set_target,
    .set_vcpus_online = rc_set_vcpus,
    .set_affinity = rc_set_affinity,
    .pool_create = rc_pool_create,
    .pool_destroy = rc_pool_destroy,
    .pool_add_cpu = rc_pool_add_cpu,
    .pool_remove_cpu = rc_pool_remove_cpu,
    .pool_move_domain = rc_pool_move_domain,
    .set_node_affinity = rc_set_node_affinity,
    .move_memory = rc_move_memory,
    .get_node_memory = rc_get_node_memory,
    .xs_read = rc_xs_read,
    .xs_write = rc_xs_write,
    .xs_remove = rc_xs_remove,
    .xs_clear = rc_xs_clear,
    .xs_directory = rc_xs_directory,
    .xs_restrict = rc_xs_restrict,
    .xs_watch = rc_xs_watch,
    .xs_unwatch = rc_xs_unwatch,
    .xs_watch_fd = rc_xs_watch_fd,
    .xs_read_watch = rc_xs_read_watch,
    .now_ms = rc_now_ms,
    .sleep_ms = rc_sleep_ms,
    .wall_ms = rc_wall_ms,
};

recdrv *RECDRV_Wrap(hv *in, const hv_domain *names, size_t nr_names)
{
    recdrv *r = calloc(1, sizeof(*r));

    if (!r)
        abort();
    r->base.ops = &recdrv_ops;
    r->in = in;
    r->names = calloc(nr_names ? nr_names : 1, sizeof(*names));
    if (!r->names)
        abort();
    if (nr_names)
        memcpy(r->names, names, nr_names * sizeof(*names));
    r->nr_names = nr_names;
    return r;
}

void RECDRV_OnEvent(void *ctx, const exec_event *ev)
{
    recdrv *r = ctx;

    char *v = NULL;

    /* After EXEC_EV_DONE the transition still writes its journal end. */
    if (ev->kind == EXEC_EV_ROLLBACK_BEGIN)
        r->rb = true;
    /* A peek, not a call: the faults count the run's calls only. */
    if (ev->kind == EXEC_EV_CAPACITY && !ev->rolling_back &&
        r->watch_phase && !r->capacity_seen) {
        r->capacity_seen = true;
        v = HVSIM_XsPeek(r->in, XSP_PHASE);
        snprintf(r->phase_at_capacity, sizeof(r->phase_at_capacity), "%s",
                 v ? v : "?");
        free(v);
    }
}

bool RECDRV_Faultable(const char *op)
{
    static const char *const ops[] = {
        "get_host", "list_pools", "list_domains", "get_domain",
        "set_maxmem", "set_target", "set_vcpus_online", "set_affinity",
        "pool_create", "pool_destroy", "pool_add_cpu", "pool_remove_cpu",
        "pool_move_domain", "set_node_affinity", "move_memory", "xs_read",
        "xs_write", "xs_remove", "xs_clear", "xs_directory", "xs_restrict",
        NULL
    };
    size_t i;

    for (i = 0; ops[i]; i++)
        if (!strcmp(ops[i], op))
            return true;
    return false;
}

unsigned RECDRV_Nth(const recdrv_call *calls, size_t ix)
{
    const recdrv_call *c = &calls[ix];
    unsigned n = 0;
    size_t i;

    for (i = 0; i <= ix; i++) {
        if (strcmp(calls[i].op, c->op))
            continue;
        if (c->dom[0] && strcmp(calls[i].dom, c->dom))
            continue;
        n++;
    }
    return n;
}
