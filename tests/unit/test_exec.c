/*
 * test_exec.c - the executor on the simulated host (tests/fixtures/).
 *
 * The sim's clock only moves in HV_SleepMs, so the five seconds of a
 * stuck balloon cost no real time.  Targets are derived from each
 * fixture's first state (Fig. 9: vm1 and vm2 swap their memory, vm1
 * gets one dedicated pCPU), so the tests follow the fixtures' sizes.
 */
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "hv_sim.h"
#include "tap.h"

#define MIB 1024ULL

typedef struct ev_log {
    exec_ev_kind kind[4096];
    bool rb[4096];
    char dom[4096][HV_NAME_MAX];
    uint64_t ms[4096];
    size_t n;
    size_t progress;
    char failed_msg[512];
    uint64_t failed_ms;
    uint64_t last_progress_ms;  /* the failing domain's last PROGRESS */
    /* each domain's last PROGRESS (domains move at once) */
    char prog_dom[16][HV_NAME_MAX];
    uint64_t prog_ms[16];
    size_t nr_prog;
} ev_log;

/* The time of dom's last PROGRESS event (0: none). */
static uint64_t *prog_slot(ev_log *l, const char *dom)
{
    size_t i;

    for (i = 0; i < l->nr_prog; i++)
        if (!strcmp(l->prog_dom[i], dom))
            return &l->prog_ms[i];
    if (l->nr_prog == 16)
        return NULL;
    snprintf(l->prog_dom[l->nr_prog], HV_NAME_MAX, "%s", dom);
    l->prog_ms[l->nr_prog] = 0;
    return &l->prog_ms[l->nr_prog++];
}

static void on_event(void *ctx, const exec_event *ev)
{
    ev_log *l = ctx;

    if (ev->kind == EXEC_EV_PROGRESS) {
        uint64_t *at = ev->act ? prog_slot(l, ev->act->domain) : NULL;

        l->progress++;
        if (!l->failed_msg[0] && at)
            *at = ev->elapsed_ms;
        return;
    }
    if (ev->kind == EXEC_EV_ACTION_FAILED && !l->failed_msg[0]) {
        uint64_t *at = ev->act ? prog_slot(l, ev->act->domain) : NULL;

        snprintf(l->failed_msg, sizeof(l->failed_msg), "%s",
                 ev->msg ? ev->msg : "");
        l->failed_ms = ev->elapsed_ms;
        l->last_progress_ms = at ? *at : 0;
    }
    if (l->n >= 4096)
        return;
    l->kind[l->n] = ev->kind;
    l->rb[l->n] = ev->rolling_back;
    snprintf(l->dom[l->n], sizeof(l->dom[0]), "%s",
             ev->act ? ev->act->domain : "");
    l->ms[l->n] = ev->elapsed_ms;
    l->n++;
}

/*
 * A wrapper driver around the sim: forwards every call, and fails the
 * calls the test asks for (an op name, from its n-th call on).  This
 * keeps fault tests independent of the fixture format.
 */
typedef struct fault {
    const char *op;
    unsigned after;             /* calls that still succeed */
    unsigned times;             /* calls that fail then; 0: all */
    int rc;
    unsigned calls;
} fault;

typedef struct faulty {
    hv base;                    /* first: the handle hv.c sees */
    hv *in;
    fault faults[4];
    bool hvm_vm1;               /* show vm1 as an HVM guest */
    bool lie_affinity;          /* accept pinning, change nothing */
    unsigned vm1_vcpus_cap;     /* show vm1 with at most this many up */
    /*
     * vm1's guest stops ballooning (ignores its target) freeze_reads
     * looks after the freeze_at_target-th balloon target set.
     */
    unsigned freeze_at_target, freeze_reads;
    unsigned targets_set, reads_since;
    uint64_t freeze_ms;         /* the sim's clock when it froze */
    /*
     * slow_domid's guest brings new vCPUs up one per vcpu_pass_ms (a
     * loop that onlines them, as the bed's guests do every 2 s).
     */
    uint32_t slow_domid;
    unsigned vcpu_pass_ms, vcpus_from;
    bool vcpus_set;
    uint64_t vcpus_set_ms;
} faulty;

static faulty *F(hv *h)
{
    return (faulty *)h;
}

static int injected(hv *h, const char *op)
{
    faulty *f = F(h);
    size_t i;

    for (i = 0; i < sizeof(f->faults) / sizeof(f->faults[0]); i++) {
        fault *x = &f->faults[i];

        if (!x->op || strcmp(x->op, op))
            continue;
        x->calls++;
        if (x->calls <= x->after ||
            (x->times && x->calls > x->after + x->times))
            continue;
        ERR_Set(&h->err, "injected fault: %s", op);
        return x->rc;
    }
    return 0;
}

static int fwd(hv *h, int rc)
{
    if (rc)
        h->err = *HV_LastError(F(h)->in);
    return rc;
}

#define FAULT(h, op) \
    do { int frc_ = injected((h), (op)); if (frc_) return frc_; } while (0)

static void fy_close(hv *h)
{
    HV_Close(F(h)->in);
    free(h);
}

static void fix_dom(hv *h, hv_domain *d)
{
    faulty *f = F(h);

    if (f->hvm_vm1 && !strcmp(d->name, "vm1"))
        d->type = HV_DOM_HVM;
    if (f->vcpu_pass_ms && f->vcpus_set && d->domid == f->slow_domid) {
        unsigned up = f->vcpus_from +
            (unsigned)((HV_NowMs(f->in) - f->vcpus_set_ms) /
                       f->vcpu_pass_ms);

        if (d->vcpus_online > up)
            d->vcpus_online = up;
    }
    if (f->vm1_vcpus_cap && !strcmp(d->name, "vm1") &&
        d->vcpus_online > f->vm1_vcpus_cap)
        d->vcpus_online = f->vm1_vcpus_cap;
    if (f->freeze_at_target && f->targets_set >= f->freeze_at_target &&
        !strcmp(d->name, "vm1") && ++f->reads_since == f->freeze_reads) {
        f->freeze_ms = HV_NowMs(f->in);
        HVSIM_SetGuest(f->in, "vm1", 0, true);
    }
}

static int fy_get_host(hv *h, hv_host *o)
{
    return fwd(h, HV_GetHost(F(h)->in, o));
}

static int fy_list_pools(hv *h, hv_pool **p, size_t *n)
{
    return fwd(h, HV_ListPools(F(h)->in, p, n));
}

static int fy_list_domains(hv *h, hv_domain **d, size_t *n)
{
    int rc = fwd(h, HV_ListDomains(F(h)->in, d, n));
    size_t i;

    for (i = 0; !rc && i < *n; i++)
        fix_dom(h, &(*d)[i]);
    return rc;
}

static int fy_get_domain(hv *h, uint32_t id, hv_domain *o)
{
    int rc;

    FAULT(h, "get_domain");
    rc = fwd(h, HV_GetDomain(F(h)->in, id, o));
    if (!rc)
        fix_dom(h, o);
    return rc;
}

static int fy_set_maxmem(hv *h, uint32_t id, uint64_t k)
{
    FAULT(h, "set_maxmem");
    return fwd(h, HV_SetMaxmem(F(h)->in, id, k));
}

static int fy_set_target(hv *h, uint32_t id, uint64_t k)
{
    FAULT(h, "set_target");
    F(h)->targets_set++;
    return fwd(h, HV_SetTarget(F(h)->in, id, k));
}

static int fy_set_vcpus(hv *h, uint32_t id, unsigned n)
{
    faulty *f = F(h);
    hv_domain d;

    FAULT(h, "set_vcpus_online");
    if (f->vcpu_pass_ms && id == f->slow_domid && !f->vcpus_set &&
        !HV_GetDomain(f->in, id, &d)) {
        f->vcpus_set = true;
        f->vcpus_set_ms = HV_NowMs(f->in);
        f->vcpus_from = d.vcpus_online;
    }
    return fwd(h, HV_SetVcpusOnline(F(h)->in, id, n));
}

static int fy_set_affinity(hv *h, uint32_t id, const xs_cpumap *hard,
                           const xs_cpumap *soft)
{
    FAULT(h, "set_affinity");
    if (F(h)->lie_affinity)
        return 0;
    return fwd(h, HV_SetAffinity(F(h)->in, id, hard, soft));
}

static int fy_pool_create(hv *h, const char *name, const char *sched,
                          uint32_t *id)
{
    FAULT(h, "pool_create");
    return fwd(h, HV_PoolCreate(F(h)->in, name, sched, id));
}

static int fy_pool_destroy(hv *h, uint32_t id)
{
    FAULT(h, "pool_destroy");
    return fwd(h, HV_PoolDestroy(F(h)->in, id));
}

static int fy_pool_add_cpu(hv *h, uint32_t id, unsigned cpu)
{
    FAULT(h, "pool_add_cpu");
    return fwd(h, HV_PoolAddCpu(F(h)->in, id, cpu));
}

static int fy_pool_remove_cpu(hv *h, uint32_t id, unsigned cpu)
{
    FAULT(h, "pool_remove_cpu");
    return fwd(h, HV_PoolRemoveCpu(F(h)->in, id, cpu));
}

static int fy_pool_move_domain(hv *h, uint32_t id, uint32_t dom)
{
    FAULT(h, "pool_move_domain");
    return fwd(h, HV_PoolMoveDomain(F(h)->in, id, dom));
}

static int fy_set_node_affinity(hv *h, uint32_t id, uint64_t nodes)
{
    FAULT(h, "set_node_affinity");
    return fwd(h, HV_SetNodeMask(F(h)->in, id, nodes));
}

static int fy_move_memory(hv *h, uint32_t id, int node, uint64_t max,
                          hv_move_result *res)
{
    FAULT(h, "move_memory");
    return fwd(h, HV_MoveMemory(F(h)->in, id, node, max, res));
}

static int fy_xs_read(hv *h, const char *path, char **val)
{
    return fwd(h, HV_XsRead(F(h)->in, path, val));
}

static int fy_xs_write(hv *h, const char *path, const char *val)
{
    return fwd(h, HV_XsWrite(F(h)->in, path, val));
}

static int fy_xs_remove(hv *h, const char *path)
{
    return fwd(h, HV_XsRemove(F(h)->in, path));
}

static int fy_xs_clear(hv *h, const char *path)
{
    return fwd(h, HV_XsClear(F(h)->in, path));
}

static uint64_t fy_now_ms(hv *h)
{
    return HV_NowMs(F(h)->in);
}

static void fy_sleep_ms(hv *h, unsigned ms)
{
    HV_SleepMs(F(h)->in, ms);
}

static int fy_get_node_memory(hv *h, hv_domain *d, size_t nr)
{
    FAULT(h, "get_node_memory");
    return fwd(h, HV_GetNodeMemory(F(h)->in, d, nr));
}

static const hv_ops faulty_ops = {
    .name = "faulty-sim",
    .close = fy_close,
    .get_host = fy_get_host,
    .list_pools = fy_list_pools,
    .list_domains = fy_list_domains,
    .get_domain = fy_get_domain,
    .set_maxmem = fy_set_maxmem,
    .set_target = fy_set_target,
    .set_vcpus_online = fy_set_vcpus,
    .set_affinity = fy_set_affinity,
    .pool_create = fy_pool_create,
    .pool_destroy = fy_pool_destroy,
    .pool_add_cpu = fy_pool_add_cpu,
    .pool_remove_cpu = fy_pool_remove_cpu,
    .pool_move_domain = fy_pool_move_domain,
    .set_node_affinity = fy_set_node_affinity,
    .move_memory = fy_move_memory,
    .get_node_memory = fy_get_node_memory,
    .xs_read = fy_xs_read,
    .xs_write = fy_xs_write,
    .xs_remove = fy_xs_remove,
    .xs_clear = fy_xs_clear,
    .now_ms = fy_now_ms,
    .sleep_ms = fy_sleep_ms,
};

static hv *open_sim(const char *name)
{
    const char *top = getenv("top_srcdir");
    char path[1024];
    faulty *f;
    xs_err err;
    hv *h;

    snprintf(path, sizeof(path), "%s/tests/fixtures/%s", top ? top : ".",
             name);
    h = HV_OpenSim(path, &err);
    if (!h) {
        printf("# %s: %s\n", path, err.msg);
        return NULL;
    }
    f = calloc(1, sizeof(*f));
    f->base.ops = &faulty_ops;
    f->in = h;
    return &f->base;
}

static void add_fault(hv *h, const char *op, unsigned after,
                      unsigned times, int rc)
{
    faulty *f = F(h);
    size_t i;

    for (i = 0; i < sizeof(f->faults) / sizeof(f->faults[0]); i++) {
        if (!f->faults[i].op) {
            f->faults[i].op = op;
            f->faults[i].after = after;
            f->faults[i].times = times;
            f->faults[i].rc = rc;
            return;
        }
    }
    abort();
}

static const hv_domain *dom(const xs_snapshot *s, const char *name)
{
    return SNAP_FindDomain(s, name);
}

static plan_target shared(const char *name, uint64_t mem)
{
    plan_target t;

    memset(&t, 0, sizeof(t));
    snprintf(t.domain, sizeof(t.domain), "%s", name);
    t.memory_kib = mem;
    t.vcpus = TBL_KEEP;
    t.node = TBL_KEEP;
    return t;
}

/* Fig. 9 take-over from a fixture's first state. */
static size_t takeover_targets(const xs_snapshot *s0, plan_target *t)
{
    const hv_domain *v1 = dom(s0, "vm1"), *v2 = dom(s0, "vm2");
    const hv_domain *v3 = dom(s0, "vm3");

    t[0] = shared("vm1", v2 ? v2->mem_kib : 512 * MIB);
    t[0].dedicated = true;
    t[0].pcpu_count = 1;
    t[1] = shared("vm2", v1 ? v1->mem_kib : 128 * MIB);
    t[2] = shared("vm3", v3 ? v3->mem_kib : 256 * MIB);
    return 3;
}

static int make(hv *h, xs_snapshot *s, const plan_target *t, size_t nr,
                const char *label, plan *p)
{
    xs_err err;
    int rc;

    rc = SNAP_Take(h, s, &err);
    if (rc) {
        printf("# snapshot: %s\n", err.msg);
        return rc;
    }
    rc = PLAN_MakeTo(s, t, nr, 0, label, p, &err);
    if (rc)
        printf("# plan: %s\n", err.msg);
    return rc;
}

static void map_and(xs_cpumap *dst, const xs_cpumap *src)
{
    size_t i;

    for (i = 0; i < HV_MAX_CPUS / 64; i++)
        dst->bits[i] &= src->bits[i];
}

static xs_cpumap effective(const xs_snapshot *s, const hv_domain *d)
{
    xs_cpumap m, online;

    m = d->hard_affinity;
    CPUMAP_Fill(&online, s->host.nr_cpus);
    map_and(&m, &online);
    return m;
}

static uint64_t diff(uint64_t a, uint64_t b)
{
    return a > b ? a - b : b - a;
}

/* Every domain of before still as it was: memory, pool, affinity. */
static void same_as(hv *h, const xs_snapshot *before, const char *what,
                    const char *skip)
{
    xs_snapshot now;
    xs_err err;
    size_t i;
    bool mem = true, pool = true, aff = true, vc = true;

    SNAP_Init(&now);
    if (SNAP_Take(h, &now, &err)) {
        ok(0, "%s: snapshot (%s)", what, err.msg);
        return;
    }
    for (i = 0; i < before->nr_doms; i++) {
        const hv_domain *b = &before->doms[i], *n;
        const hv_pool *pb, *pn;
        xs_cpumap eb, en;

        if (skip && !strcmp(b->name, skip))
            continue;
        n = dom(&now, b->name);
        if (!n) {
            ok(0, "%s: %s is gone", what, b->name);
            continue;
        }
        if (diff(n->mem_kib, b->mem_kib) > 1024) {
            printf("# %s: %s mem %llu, was %llu\n", what, b->name,
                   (unsigned long long)n->mem_kib,
                   (unsigned long long)b->mem_kib);
            mem = false;
        }
        if (n->vcpus_online != b->vcpus_online)
            vc = false;
        pb = SNAP_FindPool(before, b->pool);
        pn = SNAP_FindPool(&now, n->pool);
        if (!pb || !pn || strcmp(pb->name, pn->name) ||
            !CPUMAP_Equal(&pb->cpus, &pn->cpus)) {
            printf("# %s: %s pool %s, was %s\n", what, b->name,
                   pn ? pn->name : "?", pb ? pb->name : "?");
            pool = false;
        }
        eb = effective(before, b);
        en = effective(&now, n);
        if (!CPUMAP_Equal(&eb, &en)) {
            char m1[64], m2[64];

            printf("# %s: %s affinity %s, was %s\n", what, b->name,
                   CPUMAP_Format(&en, m1, sizeof(m1)),
                   CPUMAP_Format(&eb, m2, sizeof(m2)));
            aff = false;
        }
    }
    ok(mem, "%s: memory as before", what);
    ok(vc, "%s: vCPUs as before", what);
    ok(pool, "%s: cpupools as before", what);
    ok(aff, "%s: affinity as before", what);
    is_int(now.nr_pools, before->nr_pools, "%s: no pool left over", what);
    SNAP_Dispose(&now);
}

static int outcome(const exec_report *r, const char *n)
{
    const exec_dom_report *d = EXEC_ReportFind(r, n);

    return d ? (int)d->outcome : -1;
}

static bool saw(const ev_log *l, exec_ev_kind k, bool rb)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        if (l->kind[i] == k && l->rb[i] == rb)
            return true;
    return false;
}

static void test_fig9(uint64_t *shrink_ms)
{
    hv *h = open_sim("fig9-host.json");
    xs_snapshot s0, s1, s2;
    plan_target t[3], *back = NULL;
    plan p;
    exec_opts o;
    exec_report r;
    ev_log *l = calloc(1, sizeof(*l));
    xs_err err;
    const hv_pool *pool;
    const plan_action *enter = NULL;
    xs_cpumap p0, e;
    size_t i, j;
    int rc;

    SNAP_Init(&s0);
    SNAP_Init(&s1);
    SNAP_Init(&s2);
    PLAN_Init(&p);
    EXEC_ReportInit(&r);
    EXEC_DefaultOpts(&o);
    ok(h != NULL, "fig9: sim opened");
    if (!h)
        goto out;
    is_int(o.poll_ms, 100, "default poll 100 ms");
    is_int(o.stuck_ms, 5000, "default stuck ceiling 5 s");
    is_int(o.stuck_floor_ms, 1500, "default stuck floor 1.5 s");
    is_int(o.stuck_factor, 4, "default stuck factor 4");
    is_int(o.stage_timeout_ms, 120000, "default stage limit 120 s");
    is_int(o.tolerance_kib, 1024, "default tolerance 1 MiB");
    ok(o.rollback, "default rollback on");

    SNAP_Take(h, &s0, &err);
    takeover_targets(&s0, t);
    rc = make(h, &s1, t, 3, "takeover", &p);
    is_int(rc, 0, "fig9: takeover planned");
    for (i = 0; i < p.nr_stages; i++)
        for (j = 0; j < p.stages[i].nr_acts; j++)
            if (p.stages[i].acts[j].kind == PLAN_ACT_POOL_ENTER)
                enter = &p.stages[i].acts[j];
    ok(enter != NULL, "fig9: a pool to enter");

    rc = EXEC_Run(h, &s1, &p, &o, on_event, l, &r);
    is_int(rc, 0, "fig9: takeover ran (%s)", r.cause.msg);
    ok(r.ok && !r.rolled_back, "fig9: report ok");
    ok(r.elapsed_ms > 0, "fig9: simulated time passed (%llu ms)",
       (unsigned long long)r.elapsed_ms);
    ok(r.stage_ms[PLAN_STAGE_SHRINK] > 0 && r.stage_ms[PLAN_STAGE_GROW] > 0,
       "fig9: stage times");
    *shrink_ms = r.stage_ms[PLAN_STAGE_SHRINK];
    is_int(r.nr_doms, 3, "fig9: three domains reported");
    is_int(outcome(&r, "vm1"), EXEC_DOM_CHANGED, "vm1 changed");
    is_int(outcome(&r, "vm2"), EXEC_DOM_CHANGED, "vm2 changed");
    ok(EXEC_ReportFind(&r, "vm1") &&
       diff(EXEC_ReportFind(&r, "vm1")->mem_kib, t[0].memory_kib) <= 1024,
       "report: vm1's final memory");

    /* The events, in order. */
    ok(l->n > 3 && l->kind[0] == EXEC_EV_RECORDED,
       "first: RECORDED (before any change)");
    ok(l->n > 3 && l->kind[1] == EXEC_EV_STAGE_BEGIN, "then: STAGE_BEGIN");
    ok(l->n > 3 && l->kind[2] == EXEC_EV_ACTION_BEGIN &&
       !strcmp(l->dom[2], "vm2"), "then: vm2's shrink begins");
    ok(l->n && l->kind[l->n - 1] == EXEC_EV_DONE, "last: DONE");
    ok(l->progress > 0, "progress events while ballooning");
    ok(!saw(l, EXEC_EV_ACTION_FAILED, false) &&
       !saw(l, EXEC_EV_ROLLBACK_BEGIN, true), "no failure, no rollback");
    {
        size_t begins = 0, dones = 0, stages = 0;

        for (i = 0; i < l->n; i++) {
            begins += l->kind[i] == EXEC_EV_ACTION_BEGIN;
            dones += l->kind[i] == EXEC_EV_ACTION_DONE;
            stages += l->kind[i] == EXEC_EV_STAGE_BEGIN;
        }
        is_int(stages, p.nr_stages, "a STAGE_BEGIN per stage");
        ok(begins == dones && begins > 0, "every action begun is done");
    }

    /* On the host. */
    SNAP_Take(h, &s2, &err);
    pool = SNAP_FindPoolByName(&s2, "xenshift-vm1");
    ok(pool != NULL, "host: cpupool xenshift-vm1 exists");
    ok(dom(&s2, "vm1") && pool && dom(&s2, "vm1")->pool == pool->id,
       "host: vm1 is in it");
    ok(pool && enter && CPUMAP_Equal(&pool->cpus, enter->cpus),
       "host: with the planned pCPU");
    ok(dom(&s2, "vm1") &&
       diff(dom(&s2, "vm1")->mem_kib, t[0].memory_kib) <= o.tolerance_kib,
       "host: vm1 memory at its target");
    ok(dom(&s2, "vm2") &&
       diff(dom(&s2, "vm2")->mem_kib, t[1].memory_kib) <= o.tolerance_kib,
       "host: vm2 memory at its target");
    ok(dom(&s2, "vm2") && dom(&s2, "vm2")->maxmem_kib <= t[1].memory_kib +
       o.tolerance_kib, "host: vm2 maxmem lowered after the shrink");
    p0 = SNAP_FindPool(&s2, 0)->cpus;
    ok(enter && !CPUMAP_Intersects(&p0, enter->cpus),
       "host: Pool-0 gave the pCPU away");
    e = effective(&s2, dom(&s2, "vm1"));
    ok(enter && CPUMAP_Equal(&e, enter->cpus), "host: vm1 pinned to it");
    e = effective(&s2, dom(&s2, "vm2"));
    ok(CPUMAP_Equal(&e, &p0), "host: vm2 pinned to Pool-0's pCPUs");
    e = effective(&s2, dom(&s2, "vm3"));
    ok(CPUMAP_Equal(&e, &p0), "host: vm3 pinned to Pool-0's pCPUs");

    /* Planning the same phase again: nothing to do, and running that. */
    PLAN_Dispose(&p);
    rc = make(h, &s1, t, 3, "takeover", &p);
    is_int(p.nr_stages, 0, "takeover again: no stages");
    rc = EXEC_Run(h, &s1, &p, &o, NULL, NULL, &r);
    ok(rc == 0 && r.ok, "empty plan runs");
    is_int(outcome(&r, "vm1"), EXEC_DOM_UNCHANGED, "empty plan: unchanged");

    /* Back to where it started. */
    rc = PLAN_TargetsFromSnapshot(&s0, t, 3, &back, &err);
    is_int(rc, 0, "targets of the first state");
    PLAN_Dispose(&p);
    rc = make(h, &s1, back, 3, "normal", &p);
    is_int(rc, 0, "back: planned");
    rc = EXEC_Run(h, &s1, &p, &o, NULL, NULL, &r);
    is_int(rc, 0, "back: ran (%s)", r.cause.msg);
    same_as(h, &s0, "back", NULL);
out:
    free(back);
    free(l);
    EXEC_ReportDispose(&r);
    PLAN_Dispose(&p);
    SNAP_Dispose(&s0);
    SNAP_Dispose(&s1);
    SNAP_Dispose(&s2);
    HV_Close(h);
}

/* A take-over that fails; the host must end where it started. */
static void failing(const char *fixture, void (*setup)(hv *h),
                    const exec_opts *o, const char *cause_has,
                    const char *bad_dom, int bad_outcome, ev_log *l,
                    exec_report *r)
{
    hv *h = open_sim(fixture);
    xs_snapshot s0, s1;
    plan_target t[3];
    plan p;
    xs_err err;
    int rc;

    SNAP_Init(&s0);
    SNAP_Init(&s1);
    PLAN_Init(&p);
    ok(h != NULL, "%s: sim opened", fixture);
    if (!h)
        return;
    SNAP_Take(h, &s0, &err);
    takeover_targets(&s0, t);
    rc = make(h, &s1, t, 3, "takeover", &p);
    is_int(rc, 0, "%s: planned", fixture);
    if (setup)
        setup(h);
    rc = EXEC_Run(h, &s1, &p, o, on_event, l, r);
    is_int(rc, -1, "%s: fails", fixture);
    ok(!r->ok, "%s: report not ok", fixture);
    ok(strstr(r->cause.msg, cause_has) != NULL, "%s: cause '%s' has '%s'",
       fixture, r->cause.msg, cause_has);
    if (bad_dom)
        is_int(outcome(r, bad_dom), bad_outcome, "%s: %s is %s", fixture,
               bad_dom, EXEC_OutcomeName((exec_dom_outcome)bad_outcome));
    if (o->rollback) {
        const char *gone = NULL;
        size_t i;

        ok(r->rolled_back, "%s: rolled back", fixture);
        ok(saw(l, EXEC_EV_ROLLBACK_BEGIN, true) &&
           saw(l, EXEC_EV_ROLLBACK_DONE, true), "%s: rollback events",
           fixture);
        for (i = 0; i < r->nr_doms; i++)
            if (r->doms[i].outcome == EXEC_DOM_VANISHED)
                gone = r->doms[i].domain;
        same_as(h, &s0, fixture, gone);
    }
    PLAN_Dispose(&p);
    SNAP_Dispose(&s0);
    SNAP_Dispose(&s1);
    HV_Close(h);
}

static void pool_create_fails(hv *h)
{
    add_fault(h, "pool_create", 0, 0, HV_EFAIL);
}

/* The pool is made first, empty: then Pool-0 refuses the pCPU. */
static void pool_remove_cpu_fails(hv *h)
{
    add_fault(h, "pool_remove_cpu", 0, 1, HV_EFAIL);
}

static void pool_add_cpu_fails(hv *h)
{
    add_fault(h, "pool_add_cpu", 0, 1, HV_EFAIL);
}

static void pool_move_fails(hv *h)
{
    add_fault(h, "pool_move_domain", 0, 1, HV_EFAIL);
}

static void first_target_fails(hv *h)
{
    add_fault(h, "set_target", 0, 1, HV_EFAIL);
}

static void second_maxmem_fails(hv *h)
{
    add_fault(h, "set_maxmem", 1, 1, HV_EFAIL);
}

static void affinity_ignored(hv *h)
{
    F(h)->lie_affinity = true;
}

static void test_failures(uint64_t shrink_ms)
{
    ev_log *l = calloc(1, sizeof(*l));
    exec_report r;
    exec_opts o;
    size_t i;

    EXEC_ReportInit(&r);
    EXEC_DefaultOpts(&o);

    /* vm2 stops at 300 MiB. */
    failing("fig9-stuck-donor.json", NULL, &o,
            "vm2: balloon stuck at 300 MiB", "vm2", EXEC_DOM_ROLLED_BACK,
            l, &r);
    /* It moved at every 100 ms look: the 1.5 s floor, not the 5 s. */
    ok(strstr(r.cause.msg, "no progress for 1.5 s (before that: 212 MiB "
              "in 0.9 s, moving at every look)") != NULL,
       "stuck: says how long it was quiet and how it moved before");
    ok(l->last_progress_ms > 0 &&
       l->failed_ms >= l->last_progress_ms + o.stuck_floor_ms &&
       l->failed_ms < l->last_progress_ms + o.stuck_floor_ms + o.poll_ms,
       "stuck: detected %llu ms after the last progress (at %llu ms)",
       (unsigned long long)(l->failed_ms - l->last_progress_ms),
       (unsigned long long)l->last_progress_ms);
    ok(l->failed_ms - l->last_progress_ms < 2000,
       "stuck: within 2 s of the last progress (issue 14)");
    /* vm1 grew into the host's free memory meanwhile: put back too */
    is_int(outcome(&r, "vm1"), EXEC_DOM_ROLLED_BACK,
           "stuck: vm1 grew at once, and was put back");
    ok(EXEC_ReportFind(&r, "vm2") && strstr(EXEC_ReportFind(&r, "vm2")->msg, "stuck"),
       "stuck: vm2's line says why");
    ok(EXEC_ReportFind(&r, "vm2") && EXEC_ReportFind(&r, "vm2")->mem_kib > 300 * MIB,
       "stuck: vm2 has its memory back");

    /* The same without rollback: stays where it got stuck. */
    memset(l, 0, sizeof(*l));
    o.rollback = false;
    failing("fig9-stuck-donor.json", NULL, &o, "balloon stuck", "vm2",
            EXEC_DOM_FAILED, l, &r);
    ok(!r.rolled_back && !saw(l, EXEC_EV_ROLLBACK_BEGIN, true),
       "no rollback asked: none done");
    ok(EXEC_ReportFind(&r, "vm2") &&
       diff(EXEC_ReportFind(&r, "vm2")->mem_kib, 300 * MIB) <= 1024,
       "no rollback: vm2 left at 300 MiB");
    o.rollback = true;

    /* A guest that ignores its balloon target. */
    memset(l, 0, sizeof(*l));
    failing("fig9-ignores.json", NULL, &o, "balloon stuck", NULL, 0, l, &r);
    ok(l->failed_ms >= o.stuck_ms && l->failed_ms < o.stuck_ms + 1000,
       "ignores: never moved, stuck at the ceiling, after %llu ms",
       (unsigned long long)l->failed_ms);
    ok(strstr(r.cause.msg, "no progress for 5.0 s (none since it was "
              "asked)") != NULL, "ignores: says it never moved");

    /* A balloon that moves a page every 500 ms, twice, then stops. */
    memset(l, 0, sizeof(*l));
    failing("fig9-steps-donor.json", NULL, &o, "balloon stuck", "vm2",
            EXEC_DOM_ROLLED_BACK, l, &r);
    ok(l->failed_ms - l->last_progress_ms >= 4 * 500 &&
       l->failed_ms - l->last_progress_ms < 4 * 500 + o.poll_ms,
       "steps: stuck %llu ms after the last step (4 x its 500 ms)",
       (unsigned long long)(l->failed_ms - l->last_progress_ms));
    ok(strstr(r.cause.msg, "no progress for 2.0 s (before that: 8 KiB in "
              "1.0 s, pauses up to 0.5 s)") != NULL,
       "steps: the message gives its pace");

    /* --stuck-timeout 1: the ceiling under the floor wins. */
    memset(l, 0, sizeof(*l));
    o.stuck_ms = 1000;
    failing("fig9-stuck-donor.json", NULL, &o, "no progress for 1.0 s",
            "vm2", EXEC_DOM_ROLLED_BACK, l, &r);
    ok(l->failed_ms - l->last_progress_ms >= 1000 &&
       l->failed_ms - l->last_progress_ms < 1000 + o.poll_ms,
       "ceiling 1 s: stuck %llu ms after the last progress",
       (unsigned long long)(l->failed_ms - l->last_progress_ms));

    /* --stuck-timeout 0: never stuck; the stage limit stops it. */
    memset(l, 0, sizeof(*l));
    o.stuck_ms = 0;
    o.stage_timeout_ms = 20000;
    failing("fig9-stuck-donor.json", NULL, &o, "vm2: shrink step timed out "
            "after 20.0 s", "vm2", EXEC_DOM_ROLLED_BACK, l, &r);
    EXEC_DefaultOpts(&o);

    /* A domain that vanishes mid-way. */
    memset(l, 0, sizeof(*l));
    failing("fig9-vanish.json", NULL, &o, "vanished", NULL, 0, l, &r);
    {
        size_t vanished = 0;

        for (i = 0; i < r.nr_doms; i++)
            if (r.doms[i].outcome == EXEC_DOM_VANISHED)
                vanished++;
        is_int(vanished, 1, "vanish: one domain VANISHED");
    }

    /* Hypercall failures in the cpupool steps: memory is undone too. */
    memset(l, 0, sizeof(*l));
    failing("fig9-host.json", pool_create_fails, &o,
            "vm1: cannot create cpupool xenshift-vm1: injected fault",
            "vm1", EXEC_DOM_ROLLED_BACK, l, &r);
    is_int(outcome(&r, "vm2"), EXEC_DOM_ROLLED_BACK, "pool fault: vm2 too");
    memset(l, 0, sizeof(*l));
    failing("fig9-host.json", pool_remove_cpu_fails, &o,
            "vm1: cannot take pCPU 1 from Pool-0: injected fault", "vm1",
            EXEC_DOM_ROLLED_BACK, l, &r);
    memset(l, 0, sizeof(*l));
    failing("fig9-host.json", pool_add_cpu_fails, &o,
            "cannot add pCPU", "vm1", EXEC_DOM_ROLLED_BACK, l, &r);
    memset(l, 0, sizeof(*l));
    failing("fig9-host.json", pool_move_fails, &o,
            "vm1: cannot move it to cpupool xenshift-vm1", "vm1",
            EXEC_DOM_ROLLED_BACK, l, &r);

    /* Pinning that the host does not show. */
    memset(l, 0, sizeof(*l));
    failing("fig9-host.json", affinity_ignored, &o, "but the host shows",
            NULL, 0, l, &r);

    /* The very first call fails: nothing moved, nothing to undo. */
    memset(l, 0, sizeof(*l));
    failing("fig9-host.json", first_target_fails, &o,
            "vm2: cannot set the balloon target", "vm1",
            EXEC_DOM_UNCHANGED, l, &r);

    /*
     * maxmem cannot be lowered after the shrink (vm1's raise, at the
     * start, is the first maxmem call).
     */
    memset(l, 0, sizeof(*l));
    failing("fig9-host.json", second_maxmem_fails, &o,
            "vm2: cannot lower maxmem", NULL, 0, l, &r);

    /* A stage that takes longer than its limit. */
    memset(l, 0, sizeof(*l));
    o.stage_timeout_ms = shrink_ms > 2 * o.poll_ms ? shrink_ms / 2
                                                   : o.poll_ms;
    o.stuck_ms = 1000000;
    failing("fig9-host.json", NULL, &o, "vm2: shrink step timed out after",
            "vm2", EXEC_DOM_ROLLED_BACK, l, &r);
    ok(l->failed_ms >= o.stage_timeout_ms &&
       l->failed_ms < o.stage_timeout_ms + 2 * o.poll_ms,
       "timeout: at the limit (%llu ms)", (unsigned long long)l->failed_ms);

    free(l);
    EXEC_ReportDispose(&r);
}

/* Failures while undoing are reported per domain. */
static void test_rollback_fails(void)
{
    hv *h = open_sim("fig9-host.json");
    xs_snapshot s0, s1;
    plan_target t[3];
    plan p;
    exec_opts o;
    exec_report r;
    ev_log *l = calloc(1, sizeof(*l));
    xs_err err;
    int rc;

    SNAP_Init(&s0);
    SNAP_Init(&s1);
    PLAN_Init(&p);
    EXEC_ReportInit(&r);
    EXEC_DefaultOpts(&o);
    ok(h != NULL, "rollback fails: sim opened");
    if (!h)
        goto out;
    SNAP_Take(h, &s0, &err);
    takeover_targets(&s0, t);
    rc = make(h, &s1, t, 3, "takeover", &p);
    /*
     * The pool waits for vm2's balloon (it takes pCPU 1, where vm2
     * runs), then fails.  By then vm1 raised its maxmem (call 0), vm2's
     * was lowered at the end of its shrink (call 1), and both balloons
     * were given their targets (calls 0 and 1): every later call is the
     * undo's, and fails.
     */
    add_fault(h, "pool_create", 0, 0, HV_EFAIL);
    add_fault(h, "set_maxmem", 2, 0, HV_EFAIL);
    add_fault(h, "set_target", 2, 0, HV_EFAIL);
    rc = EXEC_Run(h, &s1, &p, &o, on_event, l, &r);
    is_int(rc, -1, "rollback fails: run fails");
    ok(!r.rolled_back, "rollback fails: not rolled back");
    ok(strstr(r.cause.msg, "cannot create cpupool") != NULL,
       "rollback fails: the cause is the first failure");
    ok(saw(l, EXEC_EV_ACTION_FAILED, true), "failure events while undoing");
    is_int(outcome(&r, "vm1"), EXEC_DOM_FAILED, "vm1 FAILED");
    ok(EXEC_ReportFind(&r, "vm1") && strstr(EXEC_ReportFind(&r, "vm1")->msg, "maxmem"),
       "vm1's line says why (%s)", EXEC_ReportFind(&r, "vm1") ?
       EXEC_ReportFind(&r, "vm1")->msg : "");
    is_int(outcome(&r, "vm2"), EXEC_DOM_FAILED, "vm2 FAILED");
    /* vm3's pin takes no pCPU from a donor: done at once, then undone */
    is_int(outcome(&r, "vm3"), EXEC_DOM_ROLLED_BACK,
           "vm3, pinned at once, is put back");
out:
    free(l);
    EXEC_ReportDispose(&r);
    PLAN_Dispose(&p);
    SNAP_Dispose(&s0);
    SNAP_Dispose(&s1);
    HV_Close(h);
}

/* An HVM guest keeps vCPUs it was given when the rest is undone. */
static void test_hvm_rollback(void)
{
    hv *h = open_sim("fig9-host.json");
    xs_snapshot s0, s1;
    plan_target t[3];
    plan p;
    exec_opts o;
    exec_report r;
    xs_err err;
    int rc;

    SNAP_Init(&s0);
    SNAP_Init(&s1);
    PLAN_Init(&p);
    EXEC_ReportInit(&r);
    EXEC_DefaultOpts(&o);
    if (!h) {
        ok(0, "hvm: sim opened");
        return;
    }
    F(h)->hvm_vm1 = true;
    SNAP_Take(h, &s0, &err);
    if (!dom(&s0, "vm1") ||
        dom(&s0, "vm1")->vcpus_max <= dom(&s0, "vm1")->vcpus_online) {
        ok(1, "# SKIP vm1 cannot get more vCPUs in this fixture");
        goto out;
    }
    takeover_targets(&s0, t);
    t[0].vcpus = (int)dom(&s0, "vm1")->vcpus_online + 1;
    rc = make(h, &s1, t, 3, "takeover", &p);
    is_int(rc, 0, "hvm: planned");
    add_fault(h, "pool_create", 0, 0, HV_EFAIL);
    rc = EXEC_Run(h, &s1, &p, &o, NULL, NULL, &r);
    is_int(rc, -1, "hvm: fails");
    is_int(outcome(&r, "vm1"), EXEC_DOM_FAILED, "hvm: vm1 FAILED");
    ok(EXEC_ReportFind(&r, "vm1") && strstr(EXEC_ReportFind(&r, "vm1")->msg,
                                    "Xen cannot take back the vCPUs"),
       "hvm: says why");
    is_int(EXEC_ReportFind(&r, "vm1") ? EXEC_ReportFind(&r, "vm1")->vcpus : 0, t[0].vcpus,
           "hvm: vm1 keeps its vCPUs");
    ok(EXEC_ReportFind(&r, "vm1") &&
       diff(EXEC_ReportFind(&r, "vm1")->mem_kib, dom(&s0, "vm1")->mem_kib) <= 1024,
       "hvm: vm1's memory is put back");
    is_int(outcome(&r, "vm2"), EXEC_DOM_ROLLED_BACK, "hvm: vm2 put back");
out:
    EXEC_ReportDispose(&r);
    PLAN_Dispose(&p);
    SNAP_Dispose(&s0);
    SNAP_Dispose(&s1);
    HV_Close(h);
}

/* Moving memory on a host without the guard: ENOSYS is explained. */
static void test_relocate_enosys(void)
{
    hv *h = open_sim("fig9-host.json");
    xs_snapshot s0;
    plan p;
    plan_stage st;
    plan_action a;
    plan_row row;
    exec_opts o;
    exec_report r;
    xs_err err;
    const hv_domain *d;
    int rc;

    SNAP_Init(&s0);
    EXEC_ReportInit(&r);
    EXEC_DefaultOpts(&o);
    o.rollback = false;
    if (!h) {
        ok(0, "relocate: sim opened");
        return;
    }
    add_fault(h, "move_memory", 0, 0, HV_ENOSYS);
    SNAP_Take(h, &s0, &err);
    d = dom(&s0, "vm1");
    memset(&a, 0, sizeof(a));
    memset(&row, 0, sizeof(row));
    a.kind = PLAN_ACT_RELOCATE;
    snprintf(a.domain, sizeof(a.domain), "vm1");
    a.domid = d ? d->domid : 1;
    a.node = 0;
    a.how = PLAN_MOVE_DIRECT;
    a.from_kib = 64 * MIB;
    st.kind = PLAN_STAGE_RELOCATE;
    st.acts = &a;
    st.nr_acts = 1;
    snprintf(row.domain, sizeof(row.domain), "vm1");
    row.running = true;
    row.domid = a.domid;
    PLAN_Init(&p);
    p.stages = &st;
    p.nr_stages = 1;
    p.rows = &row;
    p.nr_rows = 1;
    rc = EXEC_Run(h, &s0, &p, &o, NULL, NULL, &r);
    is_int(rc, -1, "relocate on stock Xen fails");
    ok(strstr(r.cause.msg, "needs the guarded hypervisor") != NULL,
       "relocate: says why (%s)", r.cause.msg);
    is_int(outcome(&r, "vm1"), EXEC_DOM_FAILED, "relocate: vm1 FAILED");
    EXEC_ReportDispose(&r);
    SNAP_Dispose(&s0);
    HV_Close(h);
}

static void test_missing(void)
{
    hv *h = open_sim("fig9-missing-vm3.json");
    xs_snapshot s0, s1;
    plan_target t[3];
    plan p;
    exec_opts o;
    exec_report r;
    xs_err err;
    int rc;

    SNAP_Init(&s0);
    SNAP_Init(&s1);
    PLAN_Init(&p);
    EXEC_ReportInit(&r);
    EXEC_DefaultOpts(&o);
    ok(h != NULL, "missing vm3: sim opened");
    if (!h)
        return;
    SNAP_Take(h, &s0, &err);
    takeover_targets(&s0, t);
    rc = make(h, &s1, t, 3, "takeover", &p);
    is_int(rc, 0, "missing vm3: planned");
    rc = EXEC_Run(h, &s1, &p, &o, NULL, NULL, &r);
    is_int(rc, 0, "missing vm3: the others reach the phase");
    is_int(outcome(&r, "vm3"), EXEC_DOM_UNCHANGED, "vm3 unchanged");
    ok(EXEC_ReportFind(&r, "vm3") && !strcmp(EXEC_ReportFind(&r, "vm3")->msg, "not running"),
       "vm3: not running");
    is_int(outcome(&r, "vm1"), EXEC_DOM_CHANGED, "vm1 changed");
    EXEC_ReportDispose(&r);
    PLAN_Dispose(&p);
    SNAP_Dispose(&s0);
    SNAP_Dispose(&s1);
    HV_Close(h);
}

/* A guest that never brings its new vCPU up: stuck at the ceiling. */
static void test_vcpus_stuck(const plan_target *t)
{
    hv *h = open_sim("fig9-host.json");
    static ev_log l;
    xs_snapshot s1;
    plan p;
    exec_opts o;
    exec_report r;

    SNAP_Init(&s1);
    PLAN_Init(&p);
    EXEC_ReportInit(&r);
    EXEC_DefaultOpts(&o);
    memset(&l, 0, sizeof(l));
    if (!h || make(h, &s1, t, 1, "vcpus", &p)) {
        ok(0, "vcpus stuck: planned");
        goto out;
    }
    F(h)->vm1_vcpus_cap = 1;
    is_int(EXEC_Run(h, &s1, &p, &o, on_event, &l, &r), -1,
           "vcpus stuck: fails");
    ok(strstr(r.cause.msg, "vm1: 1 vCPUs online, 2 asked: no progress "
              "for 5.0 s (none since it was asked)") != NULL,
       "vcpus stuck: says why (%s)", r.cause.msg);
    ok(l.failed_ms >= o.stuck_ms && l.failed_ms < o.stuck_ms + o.poll_ms,
       "vcpus stuck: at the 5 s ceiling (%llu ms)",
       (unsigned long long)l.failed_ms);
out:
    EXEC_ReportDispose(&r);
    PLAN_Dispose(&p);
    SNAP_Dispose(&s1);
    if (h)
        HV_Close(h);
}

/*
 * A guest that brings one new vCPU up every 1.8 s: the wait for the
 * first is its pace, so the second, 1.8 s later, is not stuck (the
 * 1.5 s floor would call it so).
 */
static void test_vcpus_slow(void)
{
    hv *h = open_sim("rec-host.json");
    static ev_log l;
    xs_snapshot s0, s1;
    plan_target t[1];
    plan p;
    exec_opts o;
    exec_report r;
    xs_err err;
    hv_domain d;

    SNAP_Init(&s0);
    SNAP_Init(&s1);
    PLAN_Init(&p);
    EXEC_ReportInit(&r);
    EXEC_DefaultOpts(&o);
    memset(&l, 0, sizeof(l));
    if (!h || SNAP_Take(h, &s0, &err) || !dom(&s0, "web")) {
        ok(0, "slow vcpus: sim opened");
        goto out;
    }
    t[0] = shared("web", dom(&s0, "web")->target_kib);
    t[0].vcpus = 4;
    if (make(h, &s1, t, 1, "vcpus", &p)) {
        ok(0, "slow vcpus: planned");
        goto out;
    }
    F(h)->slow_domid = dom(&s0, "web")->domid;
    F(h)->vcpu_pass_ms = 1800;
    is_int(EXEC_Run(h, &s1, &p, &o, on_event, &l, &r), 0,
           "slow vcpus: 2 -> 4, one every 1.8 s: done (%s)", r.cause.msg);
    HV_GetDomain(h, F(h)->slow_domid, &d);
    is_int(d.vcpus_online, 4, "slow vcpus: 4 online");

    /* The same guest, one vCPU every 5.1 s: stuck at the 5 s ceiling. */
    EXEC_ReportDispose(&r);
    EXEC_ReportInit(&r);
    PLAN_Dispose(&p);
    PLAN_Init(&p);
    SNAP_Dispose(&s1);
    SNAP_Init(&s1);
    HV_Close(h);
    h = open_sim("rec-host.json");
    if (!h || make(h, &s1, t, 1, "vcpus", &p)) {
        ok(0, "slower vcpus: planned");
        goto out;
    }
    F(h)->slow_domid = dom(&s0, "web")->domid;
    F(h)->vcpu_pass_ms = 5100;
    is_int(EXEC_Run(h, &s1, &p, &o, on_event, &l, &r), -1,
           "slower vcpus: one every 5.1 s: fails");
    ok(strstr(r.cause.msg, "web: 2 vCPUs online, 4 asked: no progress for "
              "5.0 s (none since it was asked)") != NULL,
       "slower vcpus: stuck at the ceiling (%s)", r.cause.msg);
out:
    EXEC_ReportDispose(&r);
    PLAN_Dispose(&p);
    SNAP_Dispose(&s0);
    SNAP_Dispose(&s1);
    if (h)
        HV_Close(h);
}

static void test_vcpus(void)
{
    hv *h = open_sim("fig9-host.json");
    xs_snapshot s0, s1;
    plan_target t[1];
    plan p;
    exec_opts o;
    exec_report r;
    xs_err err;
    hv_domain d;
    int rc;

    SNAP_Init(&s0);
    SNAP_Init(&s1);
    PLAN_Init(&p);
    EXEC_ReportInit(&r);
    EXEC_DefaultOpts(&o);
    if (!h) {
        ok(0, "vcpus: sim opened");
        return;
    }
    SNAP_Take(h, &s0, &err);
    if (!dom(&s0, "vm1") || dom(&s0, "vm1")->vcpus_max < 2) {
        ok(1, "# SKIP vm1 has one vCPU at most");
        goto out;
    }
    t[0] = shared("vm1", dom(&s0, "vm1")->target_kib);
    t[0].vcpus = (int)dom(&s0, "vm1")->vcpus_max;
    rc = make(h, &s1, t, 1, "vcpus", &p);
    ok(rc == 0 && p.nr_stages >= 1, "vcpus: planned");
    rc = EXEC_Run(h, &s1, &p, &o, NULL, NULL, &r);
    is_int(rc, 0, "vcpus: ran (%s)", r.cause.msg);
    HV_GetDomain(h, dom(&s0, "vm1")->domid, &d);
    is_int(d.vcpus_online, t[0].vcpus, "vcpus: online on the host");
    is_int(EXEC_ReportFind(&r, "vm1") ? EXEC_ReportFind(&r, "vm1")->vcpus : 0, t[0].vcpus,
           "vcpus: in the report");
    test_vcpus_stuck(t);
out:
    EXEC_ReportDispose(&r);
    PLAN_Dispose(&p);
    SNAP_Dispose(&s0);
    SNAP_Dispose(&s1);
    HV_Close(h);
}

static void test_names(void)
{
    is_str(EXEC_OutcomeName(EXEC_DOM_ROLLED_BACK), "rolled back", "name");
    is_str(EXEC_OutcomeName(EXEC_DOM_VANISHED), "vanished", "name 2");
}

/* Interrupted (Ctrl-C in the CLI) while vm2's balloon is moving. */
typedef struct cancel_ctx {
    volatile int flag;
    unsigned progress_seen;
} cancel_ctx;

static void cancel_on_progress(void *ctx, const exec_event *ev)
{
    cancel_ctx *cc = ctx;

    if (ev->kind == EXEC_EV_PROGRESS && !ev->rolling_back &&
        ++cc->progress_seen == 3)
        cc->flag = 1;
}

static void test_cancel(void)
{
    hv *h = open_sim("fig9-slow.json");
    xs_snapshot s0, s1;
    plan_target t[3];
    plan p;
    exec_opts o;
    exec_report r;
    xs_err err;
    hv_domain d;
    cancel_ctx cc = { 0, 0 };
    int rc;

    SNAP_Init(&s0);
    SNAP_Init(&s1);
    PLAN_Init(&p);
    EXEC_ReportInit(&r);
    EXEC_DefaultOpts(&o);
    o.cancel = &cc.flag;
    ok(h != NULL, "cancel: sim opened");
    if (!h)
        return;
    SNAP_Take(h, &s0, &err);
    takeover_targets(&s0, t);
    rc = make(h, &s1, t, 3, "takeover", &p);
    is_int(rc, 0, "cancel: planned");
    rc = EXEC_Run(h, &s1, &p, &o, cancel_on_progress, &cc, &r);
    ok(rc != 0 && !r.ok, "cancel: the phase is not reached");
    ok(strstr(r.cause.msg, "interrupted") != NULL, "cancel: cause '%s'",
       r.cause.msg);
    ok(r.rolled_back, "cancel: rolled back");
    ok(HV_FindDomain(h, "vm2", &d) == 0 &&
       diff(d.mem_kib, 512 * MIB) <= 1024 && d.target_kib == 512 * MIB,
       "cancel: vm2 back at 512 MiB, target too");
    ok(HV_FindDomain(h, "vm1", &d) == 0 && d.pool == 0 &&
       diff(d.mem_kib, 128 * MIB) <= 1024, "cancel: vm1 untouched");
    EXEC_ReportDispose(&r);
    PLAN_Dispose(&p);
    SNAP_Dispose(&s0);
    SNAP_Dispose(&s1);
    HV_Close(h);

    /* Set before anything ran: nothing is changed at all. */
    h = open_sim("fig9-host.json");
    if (!h)
        return;
    SNAP_Init(&s0);
    SNAP_Init(&s1);
    PLAN_Init(&p);
    EXEC_ReportInit(&r);
    cc.flag = 1;
    SNAP_Take(h, &s0, &err);
    takeover_targets(&s0, t);
    make(h, &s1, t, 3, "takeover", &p);
    rc = EXEC_Run(h, &s1, &p, &o, NULL, NULL, &r);
    ok(rc != 0 && strstr(r.cause.msg, "interrupted before the first step"),
       "cancel before start: '%s'", r.cause.msg);
    ok(HV_FindDomain(h, "vm2", &d) == 0 && d.target_kib == 512 * MIB &&
       d.mem_kib == 512 * MIB, "cancel before start: vm2 never touched");
    EXEC_ReportDispose(&r);
    PLAN_Dispose(&p);
    SNAP_Dispose(&s0);
    SNAP_Dispose(&s1);
    HV_Close(h);
}

/* Memory of d off node. */
static uint64_t off_node(const hv_domain *d, int node)
{
    uint64_t off = 0;
    unsigned n;

    for (n = 0; n < HV_MAX_NODES; n++)
        if ((int)n != node)
            off += d->node_mem_kib[n];
    return off;
}

/*
 * Run "domain to node" on the numa-spread host: returns EXEC_Run's rc,
 * the report and the host after it in *after.
 */
static int run_relocate(hv *h, const char *domain, uint64_t floor_kib,
                        plan_move_how how, const exec_opts *o, ev_log *log,
                        exec_report *r, xs_snapshot *after)
{
    xs_snapshot s0;
    plan_target t;
    plan p;
    xs_err err;
    const hv_domain *d;
    int rc = -2;

    SNAP_Init(&s0);
    PLAN_Init(&p);
    if (SNAP_Take(h, &s0, &err))
        goto out;
    d = dom(&s0, domain);
    if (!d)
        goto out;
    t = shared(domain, d->mem_kib);
    t.floor_kib = floor_kib;
    t.node = 1;
    t.move_how = how;
    if (PLAN_MakeTo(&s0, &t, 1, 0, "near", &p, &err)) {
        printf("# plan: %s\n", err.msg);
        goto out;
    }
    rc = EXEC_Run(h, &s0, &p, o, on_event, log, r);
    SNAP_Take(h, after, &err);
out:
    PLAN_Dispose(&p);
    SNAP_Dispose(&s0);
    return rc;
}

/* A PV guest moved by cycling its balloon with the node affinity set. */
static void test_relocate_cooperative(void)
{
    hv *h = open_sim("numa-spread.json");
    uint64_t t0;
    static ev_log log;
    exec_opts o;
    exec_report r;
    xs_snapshot after;
    const exec_dom_report *dr;
    const hv_domain *d;
    int rc;

    if (!h) {
        ok(0, "cooperative: sim opened");
        return;
    }
    memset(&log, 0, sizeof(log));
    SNAP_Init(&after);
    EXEC_ReportInit(&r);
    EXEC_DefaultOpts(&o);
    rc = run_relocate(h, "vm1", 32 * MIB, PLAN_MOVE_AUTO, &o, &log, &r,
                      &after);
    is_int(rc, 0, "cooperative: vm1 relocated");
    dr = EXEC_ReportFind(&r, "vm1");
    d = dom(&after, "vm1");
    ok(dr && dr->relocated && dr->how == PLAN_MOVE_COOPERATIVE,
       "cooperative: the report says how");
    ok(dr && dr->cycles >= 1 && dr->cycles <= o.relocate_cycles,
       "cooperative: %u balloon cycles", dr ? dr->cycles : 0);
    /*
     * The sim's guest gives back the pages it got last, as Linux does:
     * only what lies above the 32 MiB floor turns over, and of the
     * floor's pages half were on node 0.
     */
    ok(d && off_node(d, 1) == 16 * MIB,
       "cooperative: all memory above the floor moved (%" PRIu64 " KiB "
       "off, was 64 MiB; the floor's half is 16 MiB)",
       d ? off_node(d, 1) : 0);
    ok(d && dr && dr->off_node_kib == off_node(d, 1),
       "cooperative: the report's figure is the host's");
    ok(d && d->mem_kib == 128 * MIB && d->target_kib == 128 * MIB,
       "cooperative: memory and target back at 128 MiB");
    ok(log.progress >= 1, "cooperative: progress after each cycle (%zu)",
       log.progress);
    EXEC_ReportDispose(&r);
    SNAP_Dispose(&after);
    HV_Close(h);

    /* No room above the floor: nothing to cycle, nothing broken. */
    h = open_sim("numa-spread.json");
    SNAP_Init(&after);
    EXEC_ReportInit(&r);
    rc = run_relocate(h, "vm1", 128 * MIB, PLAN_MOVE_AUTO, &o, &log, &r,
                      &after);
    is_int(rc, 0, "cooperative at its floor: done");
    d = dom(&after, "vm1");
    ok(d && off_node(d, 1) == 64 * MIB && d->mem_kib == 128 * MIB,
       "cooperative at its floor: left as it was");
    EXEC_ReportDispose(&r);
    SNAP_Dispose(&after);
    HV_Close(h);

    /*
     * The balloon stops on its way back up from the second cycle (the
     * 4th target set; 80 -> 128 MiB takes two looks): it showed one
     * move, so it is stuck after the 1.5 s floor, not the 5 s ceiling.
     */
    h = open_sim("numa-spread.json");
    SNAP_Init(&after);
    EXEC_ReportInit(&r);
    memset(&log, 0, sizeof(log));
    F(h)->freeze_at_target = 4;
    F(h)->freeze_reads = 1;
    t0 = HV_NowMs(h);
    rc = run_relocate(h, "vm1", 32 * MIB, PLAN_MOVE_AUTO, &o, &log, &r,
                      &after);
    is_int(rc, -1, "cooperative, balloon stops coming back: fails");
    ok(strstr(r.cause.msg, "vm1: its balloon did not come back up from a "
              "relocation cycle: at 108132 KiB, target 128 MiB, no "
              "progress for 1.5 s (before that: 26212 KiB in 0.1 s)") != NULL,
       "... stuck after the floor (%s)", r.cause.msg);
    ok(F(h)->freeze_ms && t0 + log.failed_ms >= F(h)->freeze_ms + 1500 &&
       t0 + log.failed_ms < F(h)->freeze_ms + 1500 + o.poll_ms,
       "... %lld ms after its last move",
       (long long)(t0 + log.failed_ms - F(h)->freeze_ms));
    EXEC_ReportDispose(&r);
    SNAP_Dispose(&after);
    HV_Close(h);

    /* A guest that keeps more than it is asked: cycles end early. */
    h = open_sim("numa-spread.json");
    SNAP_Init(&after);
    EXEC_ReportInit(&r);
    HVSIM_SetGuest(F(h)->in, "vm1", 120 * MIB, false);
    rc = run_relocate(h, "vm1", 32 * MIB, PLAN_MOVE_AUTO, &o, &log, &r,
                      &after);
    is_int(rc, 0, "cooperative, guest keeps 120 MiB: done");
    d = dom(&after, "vm1");
    dr = EXEC_ReportFind(&r, "vm1");
    ok(d && off_node(d, 1) < 64 * MIB && off_node(d, 1) > 0,
       "cooperative, guest keeps 120 MiB: some moved (%" PRIu64 " KiB "
       "off)", d ? off_node(d, 1) : 0);
    ok(d && d->mem_kib == 128 * MIB, "cooperative, guest keeps 120 MiB: "
       "memory back at 128 MiB");
    ok(dr && dr->cycles >= 4 && dr->cycles < o.relocate_cycles,
       "cooperative, guest keeps 120 MiB: stopped when deeper cycles "
       "gained nothing (%u cycles)", dr ? dr->cycles : 0);
    EXEC_ReportDispose(&r);
    SNAP_Dispose(&after);
    HV_Close(h);

    /* The target cannot be put back: failed, and rolled back. */
    h = open_sim("numa-spread.json");
    SNAP_Init(&after);
    EXEC_ReportInit(&r);
    memset(&log, 0, sizeof(log));
    add_fault(h, "set_target", 1, 1, HV_EFAIL);
    rc = run_relocate(h, "vm1", 32 * MIB, PLAN_MOVE_AUTO, &o, &log, &r,
                      &after);
    is_int(rc, -1, "cooperative, target cannot go back up: fails");
    ok(strstr(r.cause.msg, "cannot set the balloon target back to 128 MiB")
       != NULL, "cooperative failure says why (%s)", r.cause.msg);
    d = dom(&after, "vm1");
    ok(r.rolled_back && d && d->mem_kib == 128 * MIB &&
       d->target_kib == 128 * MIB,
       "cooperative failure: rolled back, vm1 at 128 MiB again");
    EXEC_ReportDispose(&r);
    SNAP_Dispose(&after);
    HV_Close(h);
}

/* Direct moves on the guarded host: pages under I/O stay, counted. */
static void test_relocate_direct(void)
{
    hv *h = open_sim("numa-spread.json");
    static ev_log log;
    exec_opts o;
    exec_report r;
    xs_snapshot after;
    const exec_dom_report *dr;
    const hv_domain *d;
    int rc;

    if (!h) {
        ok(0, "direct: sim opened");
        return;
    }
    memset(&log, 0, sizeof(log));
    SNAP_Init(&after);
    EXEC_ReportInit(&r);
    EXEC_DefaultOpts(&o);
    rc = run_relocate(h, "vm4", 32 * MIB, PLAN_MOVE_AUTO, &o, &log, &r,
                      &after);
    is_int(rc, 0, "direct: vm4 relocated");
    dr = EXEC_ReportFind(&r, "vm4");
    d = dom(&after, "vm4");
    ok(dr && dr->relocated && dr->how == PLAN_MOVE_DIRECT,
       "direct: the report says how");
    ok(d && off_node(d, 1) == 64 * 4, "direct: only the 64 busy pages "
       "stayed (%" PRIu64 " KiB off)", d ? off_node(d, 1) : 0);
    ok(dr && dr->busy_pages == 64 && dr->busy_refusals >= 64,
       "direct: busy pages counted (%" PRIu64 ", %" PRIu64 " refusals)",
       dr ? dr->busy_pages : 0, dr ? dr->busy_refusals : 0);
    ok(dr && dr->moved_pages == (128 * MIB - 256) / 4,
       "direct: moved pages counted (%" PRIu64 ")",
       dr ? dr->moved_pages : 0);
    ok(dr && dr->longest_pause_us > 0, "direct: longest pause reported");
    ok(d && d->mem_kib == 256 * MIB, "direct: the guest kept its memory");
    EXEC_ReportDispose(&r);
    SNAP_Dispose(&after);
    HV_Close(h);
}

/* The patent's take-over with vm1's memory following it to node 1. */
static void test_takeover_numa(void)
{
    hv *h = open_sim("fig9-spread.json");
    static ev_log log;
    xs_snapshot s0, after;
    plan_target t[3];
    exec_opts o;
    exec_report r;
    plan p;
    xs_err err;
    const hv_domain *d;
    int rc;

    if (!h) {
        ok(0, "takeover-numa: sim opened");
        return;
    }
    memset(&log, 0, sizeof(log));
    SNAP_Init(&s0);
    SNAP_Init(&after);
    PLAN_Init(&p);
    EXEC_ReportInit(&r);
    EXEC_DefaultOpts(&o);
    SNAP_Take(h, &s0, &err);
    t[0] = shared("vm1", 512 * MIB);
    t[0].floor_kib = 128 * MIB;
    t[0].dedicated = true;
    CPUMAP_Set(&t[0].pcpus, 1);
    t[0].node = 1;
    t[1] = shared("vm2", 128 * MIB);
    t[2] = shared("vm3", 128 * MIB);
    rc = PLAN_MakeTo(&s0, t, 3, 0, "takeover", &p, &err);
    is_int(rc, 0, "takeover-numa: planned (%s)", rc ? err.msg : "");
    rc = EXEC_Run(h, &s0, &p, &o, on_event, &log, &r);
    is_int(rc, 0, "takeover-numa: reached");
    SNAP_Take(h, &after, &err);
    d = dom(&after, "vm1");
    ok(d && d->mem_kib == 512 * MIB, "takeover-numa: vm1 at 512 MiB");
    /* The growth came from node 1; the 128 MiB floor never turns over. */
    ok(d && d->node_mem_kib[1] >= 64 * MIB + 384 * MIB,
       "takeover-numa: every grown page on node 1 (%" PRIu64 " KiB there)",
       d ? d->node_mem_kib[1] : 0);
    ok(d && off_node(d, 1) == 64 * MIB,
       "takeover-numa: only the floor's old pages stay off node 1 (%"
       PRIu64 " KiB)", d ? off_node(d, 1) : 0);
    EXEC_ReportDispose(&r);
    PLAN_Dispose(&p);
    SNAP_Dispose(&s0);
    SNAP_Dispose(&after);
    HV_Close(h);
}

/* What test_overlap watches: the host's free memory at every event. */
typedef struct overlap_log {
    hv *h;
    uint64_t reserve_kib;
    uint64_t lowest_free_kib;
    uint64_t grow_begin_ms, grow_first_ms, shrink_done_ms, cpus_begin_ms;
    bool grow_begun, grow_moved, cpus_begun;
    uint64_t capacity_ms;
    bool capacity_seen;
} overlap_log;

static void on_overlap(void *ctx, const exec_event *ev)
{
    overlap_log *l = ctx;
    hv_host host;

    if (!HV_GetHost(l->h, &host) && host.free_kib < l->lowest_free_kib)
        l->lowest_free_kib = host.free_kib;
    if (ev->kind == EXEC_EV_CAPACITY) {
        l->capacity_seen = true;
        l->capacity_ms = ev->elapsed_ms;
    }
    if (!ev->act || ev->rolling_back)
        return;
    if (ev->kind == EXEC_EV_ACTION_BEGIN && ev->stage->kind ==
        PLAN_STAGE_GROW && !l->grow_begun) {
        l->grow_begun = true;
        l->grow_begin_ms = ev->elapsed_ms;
    }
    if (ev->kind == EXEC_EV_PROGRESS && ev->stage->kind == PLAN_STAGE_GROW &&
        !l->grow_moved) {
        l->grow_moved = true;
        l->grow_first_ms = ev->elapsed_ms;
    }
    if (ev->kind == EXEC_EV_ACTION_BEGIN && ev->stage->kind ==
        PLAN_STAGE_CPUS && !l->cpus_begun) {
        l->cpus_begun = true;
        l->cpus_begin_ms = ev->elapsed_ms;
    }
    if (ev->kind == EXEC_EV_ACTION_DONE && ev->stage->kind ==
        PLAN_STAGE_SHRINK)
        l->shrink_done_ms = ev->elapsed_ms;
}

/*
 * The graph: the recipient grows while the donor shrinks, the pCPU
 * steps start at once, and free memory never goes below the reserve
 * while the donor still gives memory back (issue 14).
 */
static void test_overlap(void)
{
    static const uint64_t room[] = { 1280 * MIB, 64 * MIB };
    /* the second: vm1 grows 4 times as fast as vm2 gives back */
    static const char *const host[] = { "fig9-host.json",
                                        "fig9-fast-recipient.json" };
    size_t k;

    for (k = 0; k < 2; k++) {
        hv *h = open_sim(host[k]);
        xs_snapshot s0, s1;
        plan_target t[3];
        plan p;
        exec_report r;
        overlap_log l;
        xs_err err;
        int rc;

        if (!h) {
            ok(0, "overlap: sim opened");
            return;
        }
        SNAP_Init(&s0);
        SNAP_Init(&s1);
        PLAN_Init(&p);
        EXEC_ReportInit(&r);
        SNAP_Take(h, &s0, &err);
        takeover_targets(&s0, t);
        memset(&l, 0, sizeof(l));
        l.h = h;
        /* 1280 MiB free: all of it above the reserve, or only 64 MiB */
        l.reserve_kib = s0.host.free_kib - room[k];
        l.lowest_free_kib = UINT64_MAX;
        rc = SNAP_Take(h, &s1, &err) ||
             PLAN_MakeTo(&s1, t, 3, l.reserve_kib, "takeover", &p, &err);
        ok(rc == 0, "overlap %zu: planned", k);
        rc = EXEC_Run(h, &s1, &p, NULL, on_overlap, &l, &r);
        is_int(rc, 0, "overlap %zu: reached", k);
        ok(l.cpus_begun && l.cpus_begin_ms == 0,
           "overlap %zu: the pCPU steps began at once (%llu ms)", k,
           (unsigned long long)l.cpus_begin_ms);
        ok(l.grow_moved && l.grow_first_ms < l.shrink_done_ms,
           "overlap %zu: vm1 grew (at %llu ms) before vm2's shrink was done "
           "(%llu ms)", k, (unsigned long long)l.grow_first_ms,
           (unsigned long long)l.shrink_done_ms);
        ok(l.lowest_free_kib + 1024 >= l.reserve_kib,
           "overlap %zu: free memory stayed above the reserve (lowest %llu "
           "MiB, reserve %llu MiB)", k,
           (unsigned long long)(l.lowest_free_kib / MIB),
           (unsigned long long)(l.reserve_kib / MIB));
        ok(l.capacity_seen && r.capacity_reached &&
           r.capacity_ms == l.capacity_ms && r.placement_reached &&
           r.placement_ms == r.capacity_ms,
           "overlap %zu: capacity at %llu ms, placement with it", k,
           (unsigned long long)r.capacity_ms);
        if (k == 0)
            ok(l.grow_begin_ms == 0 && r.elapsed_ms <= 1500 + 200,
               "overlap: with room, vm1 began at once and the take-over "
               "took its one balloon's time (%llu ms)",
               (unsigned long long)r.elapsed_ms);
        else
            /* as fast as vm2 gives memory back, never faster */
            ok(l.grow_begin_ms == 0 && r.elapsed_ms <= 1500 + 200,
               "overlap: with 64 MiB of room vm1 began with that and "
               "followed vm2 (%llu ms in all)",
               (unsigned long long)r.elapsed_ms);
        EXEC_ReportDispose(&r);
        PLAN_Dispose(&p);
        SNAP_Dispose(&s0);
        SNAP_Dispose(&s1);
        HV_Close(h);
    }
}

int main(void)
{
    uint64_t shrink_ms = 0;

    test_fig9(&shrink_ms);
    test_failures(shrink_ms);
    test_rollback_fails();
    test_hvm_rollback();
    test_relocate_enosys();
    test_relocate_cooperative();
    test_relocate_direct();
    test_takeover_numa();
    test_missing();
    test_vcpus();
    test_vcpus_slow();
    test_names();
    test_cancel();
    test_overlap();
    return done_testing();
}
