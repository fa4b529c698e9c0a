/*
 * hv_sim.c - a simulated host behind hv.h, loaded from a JSON fixture
 * (like libvirt's test driver).  The format is in docs/sim-fixture.md.
 *
 * Deterministic: nothing happens until time passes, and time passes only
 * in HV_SleepMs.  Balloons then move each domain's memory toward its
 * target at the domain's own rate, never below the floor its kernel can
 * reach, never into memory the host does not have.  Faults can be
 * injected per operation, domain and call count.
 *
 * All state lives in the handle (sim_int.h).  This file holds the
 * hv_ops on domains, cpupools and memory, and the table of them; the
 * simulated xenstore is in sim_xenstore.c, the balloons and the pages
 * per node in sim_memory.c, injected faults and crashes in
 * sim_faults.c, reading a fixture in sim_fixture.c, and saving and
 * reloading the host in sim_save.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim_int.h"
#include "units.h"

/* --- domains and pools ---------------------------------------------------- */

sim_dom *sim_dom_by_id(sim *s, uint32_t domid)
{
    size_t i;

    for (i = 0; i < s->nr_doms; i++)
        if (s->doms[i].alive && s->doms[i].d.domid == domid)
            return &s->doms[i];
    return NULL;
}

hv_pool *sim_pool_by_id(sim *s, uint32_t id)
{
    size_t i;

    for (i = 0; i < s->nr_pools; i++)
        if (s->pools[i].id == id)
            return &s->pools[i];
    return NULL;
}

static hv_pool *pool_of_cpu(sim *s, unsigned cpu)
{
    size_t i;

    for (i = 0; i < s->nr_pools; i++)
        if (CPUMAP_Test(&s->pools[i].cpus, cpu))
            return &s->pools[i];
    return NULL;
}

void sim_count_pool_domains(sim *s)
{
    size_t i, j;

    for (i = 0; i < s->nr_pools; i++) {
        s->pools[i].nr_domains = 0;
        for (j = 0; j < s->nr_doms; j++)
            if (s->doms[j].alive && s->doms[j].d.pool == s->pools[i].id)
                s->pools[i].nr_domains++;
    }
}

static sim_dom *get_dom(sim *s, uint32_t domid, const char *op)
{
    sim_dom *d = sim_dom_by_id(s, domid);

    if (!d)
        ERR_Set(&s->base.err, "domain %u: %s: no such domain", domid, op);
    return d;
}

int HVSIM_SetGuest(hv *h, const char *domain, uint64_t floor_kib,
                   bool ignores_balloon)
{
    sim *s = S(h);
    size_t i;

    for (i = 0; i < s->nr_doms; i++) {
        if (s->doms[i].alive && !strcmp(s->doms[i].d.name, domain)) {
            s->doms[i].floor_kib = floor_kib;
            s->doms[i].ignores_balloon = ignores_balloon;
            return 0;
        }
    }
    return -1;
}

void HVSIM_JumpClock(hv *h, long long seconds)
{
    S(h)->wall_start += seconds;
}

long long HVSIM_WallTime(hv *h)
{
    sim *s = S(h);

    return s->wall_start + (long long)(s->now_ms / 1000);
}

static long long sim_wall_ms(hv *h)
{
    sim *s = S(h);

    return s->wall_start * 1000 + (long long)s->now_ms;
}

/* --- hv_ops -------------------------------------------------------------- */

void sim_close(hv *h)
{
    sim *s = S(h);
    size_t i;

    for (i = 0; i < s->nr_xs; i++) {
        free(s->xs[i].path);
        free(s->xs[i].val);
    }
    free(s->xs);
    for (i = 0; i < s->nr_watches; i++) {
        free(s->watches[i].path);
        free(s->watches[i].token);
    }
    free(s->watches);
    free(s->kill_save);
    for (i = 0; i < s->nr_events; i++) {
        free(s->events[i].path);
        free(s->events[i].token);
    }
    free(s->events);
    if (s->event_fd >= 0)
        close(s->event_fd);
    free(s->doms);
    free(s);
}

static int sim_get_host(hv *h, hv_host *out)
{
    sim *s = S(h);
    unsigned n;
    int rc = sim_fault_check(s, "get_host", NULL);

    if (rc)
        return rc;
    *out = s->host;
    out->free_kib = sim_host_free(s);
    for (n = 0; n < s->host.nr_nodes; n++)
        out->node_free_kib[n] = sim_node_free(s, n);
    return 0;
}

static int sim_list_pools(hv *h, hv_pool **pools, size_t *nr)
{
    sim *s = S(h);
    int rc = sim_fault_check(s, "list_pools", NULL);

    if (rc)
        return rc;
    sim_count_pool_domains(s);
    *pools = malloc(s->nr_pools * sizeof(**pools));
    if (!*pools)
        return HV_EFAIL;
    memcpy(*pools, s->pools, s->nr_pools * sizeof(**pools));
    *nr = s->nr_pools;
    return 0;
}

static int sim_list_domains(hv *h, hv_domain **doms, size_t *nr)
{
    sim *s = S(h);
    size_t i, n = 0;
    int rc = sim_fault_check(s, "list_domains", NULL);

    if (rc)
        return rc;
    *doms = malloc((s->nr_doms ? s->nr_doms : 1) * sizeof(**doms));
    if (!*doms)
        return HV_EFAIL;
    for (i = 0; i < s->nr_doms; i++)
        if (s->doms[i].alive)
            (*doms)[n++] = s->doms[i].d;
    *nr = n;
    return 0;
}

static int sim_get_domain(hv *h, uint32_t domid, hv_domain *out)
{
    sim *s = S(h);
    sim_dom *d = get_dom(s, domid, "get_domain");
    int rc;

    if (!d)
        return HV_ENODOMAIN;
    rc = sim_fault_check(s, "get_domain", d);
    if (rc)
        return rc;
    *out = d->d;
    return 0;
}

static int sim_set_maxmem(hv *h, uint32_t domid, uint64_t kib)
{
    sim *s = S(h);
    sim_dom *d = get_dom(s, domid, "set_maxmem");
    char a[32], b[32];
    int rc;

    if (!d)
        return HV_ENODOMAIN;
    rc = sim_fault_check(s, "set_maxmem", d);
    if (rc)
        return rc;
    if (kib < d->d.target_kib) {
        ERR_Set(&s->base.err, "%s: set_maxmem %s: below the balloon target "
                "%s", d->d.name, UNITS_FormatSize(kib, a, 32),
                UNITS_FormatSize(d->d.target_kib, b, 32));
        return HV_EINVAL;
    }
    if (kib > d->d.static_max_kib) {
        ERR_Set(&s->base.err, "%s: set_maxmem %s: above its static max %s",
                d->d.name, UNITS_FormatSize(kib, a, 32),
                UNITS_FormatSize(d->d.static_max_kib, b, 32));
        return HV_EINVAL;
    }
    d->d.maxmem_kib = kib;
    return 0;
}

static int sim_set_target(hv *h, uint32_t domid, uint64_t kib)
{
    sim *s = S(h);
    sim_dom *d = get_dom(s, domid, "set_target");
    char a[32], b[32];
    int rc;

    if (!d)
        return HV_ENODOMAIN;
    rc = sim_fault_check(s, "set_target", d);
    if (rc)
        return rc;
    if (kib > d->d.maxmem_kib) {
        ERR_Set(&s->base.err, "%s: set_target %s: above maxmem %s (raise "
                "maxmem first)", d->d.name, UNITS_FormatSize(kib, a, 32),
                UNITS_FormatSize(d->d.maxmem_kib, b, 32));
        return HV_EINVAL;
    }
    d->d.target_kib = kib;
    sim_xs_set_u64(s, domid, "memory/target", kib);
    return 0;
}

static int sim_set_vcpus_online(hv *h, uint32_t domid, unsigned nr)
{
    sim *s = S(h);
    sim_dom *d = get_dom(s, domid, "set_vcpus_online");
    int rc;

    if (!d)
        return HV_ENODOMAIN;
    rc = sim_fault_check(s, "set_vcpus_online", d);
    if (rc)
        return rc;
    if (nr < 1 || nr > d->d.vcpus_max) {
        ERR_Set(&s->base.err, "%s: set_vcpus_online %u: must be 1-%u",
                d->d.name, nr, d->d.vcpus_max);
        return HV_EINVAL;
    }
    if (d->d.type == HV_DOM_HVM && nr < d->d.vcpus_online) {
        ERR_Set(&s->base.err, "%s: set_vcpus_online %u: HVM guests cannot "
                "unplug vCPUs", d->d.name, nr);
        return HV_EINVAL;
    }
    d->d.vcpus_online = nr;
    return 0;
}

static int sim_set_affinity(hv *h, uint32_t domid, const xs_cpumap *hard,
                            const xs_cpumap *soft)
{
    sim *s = S(h);
    sim_dom *d = get_dom(s, domid, "set_affinity");
    hv_pool *p;
    char cpus[64];
    int rc;

    if (!d)
        return HV_ENODOMAIN;
    rc = sim_fault_check(s, "set_affinity", d);
    if (rc)
        return rc;
    p = sim_pool_by_id(s, d->d.pool);
    if (hard) {
        if (CPUMAP_IsEmpty(hard) || (p && !CPUMAP_Intersects(hard, &p->cpus))) {
            ERR_Set(&s->base.err, "%s: set_affinity %s: no pCPU of its "
                    "cpupool in the set", d->d.name,
                    CPUMAP_Format(hard, cpus, sizeof(cpus)));
            return HV_EINVAL;
        }
        d->d.hard_affinity = *hard;
    }
    if (soft)
        d->d.soft_affinity = *soft;
    return 0;
}

static int sim_pool_create(hv *h, const char *name, const char *sched,
                           uint32_t *poolid)
{
    sim *s = S(h);
    hv_pool *p;
    size_t i;
    int rc = sim_fault_check(s, "pool_create", NULL);

    if (rc)
        return rc;
    for (i = 0; i < s->nr_pools; i++) {
        if (strcmp(s->pools[i].name, name) == 0) {
            ERR_Set(&s->base.err, "pool_create %s: a cpupool of that name "
                    "exists", name);
            return HV_EINVAL;
        }
    }
    if (s->nr_pools == SIM_MAX_POOLS) {
        ERR_Set(&s->base.err, "pool_create %s: too many cpupools", name);
        return HV_EFAIL;
    }
    p = &s->pools[s->nr_pools++];
    memset(p, 0, sizeof(*p));
    p->id = s->next_pool_id++;
    snprintf(p->name, sizeof(p->name), "%s", name);
    snprintf(p->sched, sizeof(p->sched), "%s", sched ? sched : "credit2");
    *poolid = p->id;
    return 0;
}

static int sim_pool_destroy(hv *h, uint32_t poolid)
{
    sim *s = S(h);
    hv_pool *p = sim_pool_by_id(s, poolid);
    int rc = sim_fault_check(s, "pool_destroy", NULL);

    if (rc)
        return rc;
    if (!p) {
        ERR_Set(&s->base.err, "pool_destroy %u: no such cpupool", poolid);
        return HV_ENOENT;
    }
    if (poolid == 0) {
        ERR_Set(&s->base.err, "pool_destroy: Pool-0 cannot be destroyed");
        return HV_EINVAL;
    }
    sim_count_pool_domains(s);
    if (p->nr_domains) {
        ERR_Set(&s->base.err, "pool_destroy %s: %u domain(s) still in it",
                p->name, p->nr_domains);
        return HV_EBUSY;
    }
    /* Like libxl: its pCPUs are released (free, in no pool). */
    *p = s->pools[--s->nr_pools];
    return 0;
}

static int sim_pool_add_cpu(hv *h, uint32_t poolid, unsigned cpu)
{
    sim *s = S(h);
    hv_pool *p = sim_pool_by_id(s, poolid), *owner;
    int rc = sim_fault_check(s, "pool_add_cpu", NULL);

    if (rc)
        return rc;
    if (!p) {
        ERR_Set(&s->base.err, "pool_add_cpu %u: no such cpupool", poolid);
        return HV_ENOENT;
    }
    if (cpu >= s->host.nr_cpus) {
        ERR_Set(&s->base.err, "pool_add_cpu %s: pCPU %u does not exist",
                p->name, cpu);
        return HV_EINVAL;
    }
    owner = pool_of_cpu(s, cpu);
    if (owner) {
        ERR_Set(&s->base.err, "pool_add_cpu %s: pCPU %u is in cpupool %s",
                p->name, cpu, owner->name);
        return HV_EBUSY;
    }
    if (s->moving && s->moving_cpu == cpu) {
        if (poolid != s->moving_pool) {
            ERR_Set(&s->base.err, "pool_add_cpu %s: pCPU %u is still "
                    "leaving cpupool %u", p->name, cpu, s->moving_pool);
            return HV_EBUSY;
        }
        s->moving = false;
    }
    CPUMAP_Set(&p->cpus, cpu);
    return 0;
}

static int sim_pool_remove_cpu(hv *h, uint32_t poolid, unsigned cpu)
{
    sim *s = S(h);
    hv_pool *p = sim_pool_by_id(s, poolid);
    size_t i;
    int rc = sim_fault_check(s, "pool_remove_cpu", NULL);

    if (rc)
        return rc;
    if (!p) {
        ERR_Set(&s->base.err, "pool_remove_cpu %u: no such cpupool", poolid);
        return HV_ENOENT;
    }
    if (s->moving && s->moving_cpu == cpu && s->moving_pool == poolid) {
        s->moving = false;      /* the cut-short removal, finished */
        return 0;
    }
    if (!CPUMAP_Test(&p->cpus, cpu)) {
        ERR_Set(&s->base.err, "pool_remove_cpu %s: pCPU %u is not in it",
                p->name, cpu);
        return HV_EINVAL;
    }
    sim_count_pool_domains(s);
    if (CPUMAP_Count(&p->cpus) == 1 && p->nr_domains) {
        ERR_Set(&s->base.err, "pool_remove_cpu %s: pCPU %u is its last and "
                "%u domain(s) run there", p->name, cpu, p->nr_domains);
        return HV_EBUSY;
    }
    CPUMAP_Unset(&p->cpus, cpu);
    /* Xen breaks affinities that pointed only at the removed pCPU. */
    for (i = 0; i < s->nr_doms; i++) {
        hv_domain *d = &s->doms[i].d;

        if (!s->doms[i].alive || d->pool != poolid)
            continue;
        if (!CPUMAP_Intersects(&d->hard_affinity, &p->cpus))
            CPUMAP_Fill(&d->hard_affinity, s->host.nr_cpus);
    }
    if (s->moving_armed) {
        s->moving_armed = false;
        s->moving = true;
        s->moving_cpu = cpu;
        s->moving_pool = poolid;
        ERR_Set(&s->base.err, "pool_remove_cpu %s: pCPU %u: cut short "
                "halfway (injected fault)", p->name, cpu);
        return HV_EFAIL;
    }
    return 0;
}

static int sim_pool_move_domain(hv *h, uint32_t poolid, uint32_t domid)
{
    sim *s = S(h);
    sim_dom *d = get_dom(s, domid, "pool_move_domain");
    hv_pool *p = sim_pool_by_id(s, poolid);
    int rc;

    if (!d)
        return HV_ENODOMAIN;
    rc = sim_fault_check(s, "pool_move_domain", d);
    if (rc)
        return rc;
    if (!p) {
        ERR_Set(&s->base.err, "%s: pool_move_domain %u: no such cpupool",
                d->d.name, poolid);
        return HV_ENOENT;
    }
    if (domid == 0) {
        ERR_Set(&s->base.err, "Domain-0: pool_move_domain: dom0 cannot "
                "leave Pool-0");
        return HV_EINVAL;
    }
    if (CPUMAP_IsEmpty(&p->cpus)) {
        ERR_Set(&s->base.err, "%s: pool_move_domain %s: the cpupool has no "
                "pCPU", d->d.name, p->name);
        return HV_EINVAL;
    }
    d->d.pool = poolid;
    /* As Xen does: a move resets hard and soft affinity to all. */
    CPUMAP_Fill(&d->d.hard_affinity, s->host.nr_cpus);
    CPUMAP_Fill(&d->d.soft_affinity, s->host.nr_cpus);
    sim_count_pool_domains(s);
    return 0;
}

static int sim_set_node_affinity(hv *h, uint32_t domid, uint64_t nodes)
{
    sim *s = S(h);
    sim_dom *d = get_dom(s, domid, "set_node_affinity");
    int rc;

    if (!d)
        return HV_ENODOMAIN;
    rc = sim_fault_check(s, "set_node_affinity", d);
    if (rc)
        return rc;
    /* As Xen: bits of absent nodes mean nothing, but one must exist. */
    if (!(nodes & sim_all_nodes(s))) {
        ERR_Set(&s->base.err, "%s: set_node_affinity 0x%llx: no such node",
                d->d.name, (unsigned long long)nodes);
        return HV_EINVAL;
    }
    d->d.node_affinity = nodes & sim_all_nodes(s);
    return 0;
}

static int sim_move_memory(hv *h, uint32_t domid, int node,
                           uint64_t max_pages, hv_move_result *res)
{
    sim *s = S(h);
    sim_dom *d = get_dom(s, domid, "move_memory");
    uint64_t want, movable, busy_kib, room;
    unsigned n;
    int rc;

    memset(res, 0, sizeof(*res));
    if (!d)
        return HV_ENODOMAIN;
    rc = sim_fault_check(s, "move_memory", d);
    if (rc)
        return rc;
    if (!s->host.guarded) {
        ERR_Set(&s->base.err, "%s: direct page moves need the xenshift "
                "hypervisor guard; this host has none", d->d.name);
        return HV_ENOSYS;
    }
    if (node < 0 || (unsigned)node >= s->host.nr_nodes) {
        ERR_Set(&s->base.err, "%s: move_memory: no such node %d", d->d.name,
                node);
        return HV_EINVAL;
    }
    want = max_pages * SIM_PAGE_KIB;
    busy_kib = d->busy_pages * SIM_PAGE_KIB;
    room = sim_node_free(s, (unsigned)node);
    for (n = 0; n < s->host.nr_nodes && want && room; n++) {
        uint64_t x;

        if ((int)n == node)
            continue;
        movable = d->d.node_mem_kib[n];
        /* Busy pages are counted against the first other node. */
        if (busy_kib) {
            uint64_t b = busy_kib < movable ? busy_kib : movable;

            movable -= b;
            res->busy_pages += b / SIM_PAGE_KIB;
            busy_kib -= b;
        }
        x = movable < want ? movable : want;
        x = x < room ? x : room;
        d->d.node_mem_kib[n] -= x;
        d->d.node_mem_kib[node] += x;
        want -= x;
        room -= x;
        res->moved_pages += x / SIM_PAGE_KIB;
    }
    res->longest_pause_us = res->moved_pages ? 1000 : 0;
    return 0;
}

/* The simulated host always knows (HV_ListDomains filled it in). */
static int sim_get_node_memory(hv *h, hv_domain *doms, size_t nr)
{
    (void)h;
    (void)doms;
    (void)nr;
    return 0;
}

static uint64_t sim_now_ms(hv *h)
{
    return S(h)->now_ms;
}

static void sim_sleep_ms(hv *h, unsigned ms)
{
    sim *s = S(h);
    unsigned step;

    /* Advance in slices so rates and floors interact as in real time. */
    while (ms) {
        step = ms < 100 ? ms : 100;
        if (sim_balloon_advance(s, step) && s->realtime_pct)
            usleep((useconds_t)step * 10 * s->realtime_pct);
        s->now_ms += step;
        ms -= step;
    }
}

const hv_ops sim_ops = {
    .name = "sim",
    .close = sim_close,
    .get_host = sim_get_host,
    .list_pools = sim_list_pools,
    .list_domains = sim_list_domains,
    .get_domain = sim_get_domain,
    .set_maxmem = sim_set_maxmem,
    .set_target = sim_set_target,
    .set_vcpus_online = sim_set_vcpus_online,
    .set_affinity = sim_set_affinity,
    .pool_create = sim_pool_create,
    .pool_destroy = sim_pool_destroy,
    .pool_add_cpu = sim_pool_add_cpu,
    .pool_remove_cpu = sim_pool_remove_cpu,
    .pool_move_domain = sim_pool_move_domain,
    .set_node_affinity = sim_set_node_affinity,
    .move_memory = sim_move_memory,
    .get_node_memory = sim_get_node_memory,
    .xs_read = sim_xs_read,
    .xs_write = sim_xs_write,
    .xs_remove = sim_xs_remove,
    .xs_clear = sim_xs_clear,
    .xs_directory = sim_xs_directory,
    .xs_restrict = sim_xs_restrict,
    .xs_watch = sim_xs_watch,
    .xs_unwatch = sim_xs_unwatch,
    .xs_watch_fd = sim_xs_watch_fd,
    .xs_read_watch = sim_xs_read_watch,
    .now_ms = sim_now_ms,
    .sleep_ms = sim_sleep_ms,
    .wall_ms = sim_wall_ms,
};
