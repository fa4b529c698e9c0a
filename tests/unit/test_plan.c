/*
 * test_plan.c - the planner, on snapshots built by hand (no host, no
 * simulator: the planner is a pure function).
 */
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "snapbuild.h"
#include "tap.h"

#define MIB 1024ULL

static const char *fmt(const xs_cpumap *m)
{
    static char buf[8][128];
    static int n;

    return CPUMAP_Format(m, buf[n++ % 8], sizeof(buf[0]));
}

static void host_init(xs_snapshot *s, unsigned nr_cpus, unsigned nr_nodes,
                      uint64_t free_mib)
{
    unsigned i;

    SNAP_Init(s);
    s->host.nr_cpus = nr_cpus;
    s->host.nr_nodes = nr_nodes;
    for (i = 0; i < HV_MAX_CPUS; i++)
        s->host.cpu_to_node[i] = i < nr_cpus ? (int)(i / (nr_cpus / nr_nodes))
                                             : HV_NO_NODE;
    s->host.total_kib = 8192 * MIB;
    s->host.free_kib = free_mib * MIB;
}

/* Fig. 9, "normal": everyone shares pCPUs 0-1; vm2 has the memory. */
static void snap_normal(xs_snapshot *s)
{
    host_init(s, 2, 1, 1024);
    TSNAP_AddPool(s, 0, "Pool-0", "0-1");
    TSNAP_AddDom(s, 0, "Domain-0", 1024, 0, "0-4095");
    TSNAP_AddDom(s, 1, "vm1", 128, 0, "0-4095");
    TSNAP_AddDom(s, 2, "vm2", 512, 0, "0-4095");
    TSNAP_AddDom(s, 3, "vm3", 256, 0, "0-4095");
}

/* Fig. 9, "takeover" as xenshift leaves it. */
static void snap_takeover(xs_snapshot *s)
{
    host_init(s, 2, 1, 1024);
    TSNAP_AddPool(s, 0, "Pool-0", "0");
    TSNAP_AddPool(s, 1, "xenshift-vm1", "1");
    TSNAP_AddDom(s, 0, "Domain-0", 1024, 0, "0-4095");
    TSNAP_AddDom(s, 1, "vm1", 512, 1, "1");
    TSNAP_AddDom(s, 2, "vm2", 128, 0, "0");
    TSNAP_AddDom(s, 3, "vm3", 256, 0, "0");
}

static plan_target tgt(const char *name, uint64_t mem_mib, bool dedicated,
                       const char *pcpus, unsigned count, int node)
{
    plan_target t;

    memset(&t, 0, sizeof(t));
    snprintf(t.domain, sizeof(t.domain), "%s", name);
    t.memory_kib = mem_mib * MIB;
    t.floor_kib = 32 * MIB;
    t.vcpus = TBL_KEEP;
    t.dedicated = dedicated;
    if (pcpus)
        t.pcpus = TSNAP_Map(pcpus);
    t.pcpu_count = count;
    t.node = node;
    return t;
}

static void targets_normal(plan_target *t)
{
    t[0] = tgt("vm1", 128, false, NULL, 0, TBL_KEEP);
    t[1] = tgt("vm2", 512, false, NULL, 0, TBL_KEEP);
    t[2] = tgt("vm3", 256, false, NULL, 0, TBL_KEEP);
}

static void targets_takeover(plan_target *t)
{
    t[0] = tgt("vm1", 512, true, NULL, 1, TBL_KEEP);
    t[1] = tgt("vm2", 128, false, NULL, 0, TBL_KEEP);
    t[2] = tgt("vm3", 256, false, NULL, 0, TBL_KEEP);
}

static bool has_note(const plan *p, const char *s)
{
    size_t i;

    for (i = 0; i < p->nr_notes; i++)
        if (strstr(p->notes[i], s))
            return true;
    return false;
}

static void check_act(const plan_action *a, plan_act_kind kind,
                      const char *dom, const char *what)
{
    char buf[256];

    is_int(a->kind, kind, "%s: kind %s", dom, PLAN_ActName(kind));
    is_str(a->domain, dom, "%s: domain", dom);
    is_str(PLAN_DescribeAction(a, buf, sizeof(buf)), what, "%s", what);
}

static void test_fig9_takeover(void)
{
    xs_snapshot s;
    plan_target t[3];
    plan p;
    xs_err err;
    int rc;

    snap_normal(&s);
    targets_takeover(t);
    PLAN_Init(&p);
    rc = PLAN_MakeTo(&s, t, 3, 256 * MIB, "takeover", &p, &err);
    is_int(rc, 0, "takeover: planned (%s)", rc ? err.msg : "ok");
    is_str(p.phase, "takeover", "takeover: label");
    is_int(p.nr_stages, 3, "takeover: three stages");
    if (p.nr_stages == 3) {
        is_int(p.stages[0].kind, PLAN_STAGE_SHRINK, "stage 1 shrink");
        is_int(p.stages[0].nr_acts, 1, "shrink: one action");
        check_act(&p.stages[0].acts[0], PLAN_ACT_MEMORY, "vm2",
                  "vm2: memory 512 MiB -> 128 MiB");
        is_int(p.stages[0].acts[0].domid, 2, "shrink: vm2's domid");
        is_int(p.stages[1].kind, PLAN_STAGE_GROW, "stage 2 grow");
        is_int(p.stages[1].nr_acts, 1, "grow: one action");
        check_act(&p.stages[1].acts[0], PLAN_ACT_MEMORY, "vm1",
                  "vm1: memory 128 MiB -> 512 MiB");
        is_int(p.stages[2].kind, PLAN_STAGE_CPUS, "stage 3 cpus");
        is_int(p.stages[2].nr_acts, 4, "cpus: four actions");
        if (p.stages[2].nr_acts == 4) {
            const plan_action *a = p.stages[2].acts;

            check_act(&a[0], PLAN_ACT_POOL_ENTER, "vm1",
                      "vm1: dedicated pCPU 1 (new cpupool xenshift-vm1)");
            is_str(a[0].pool, "xenshift-vm1", "pool name");
            is_str(fmt(a[0].cpus), "1", "pool cpus");
            check_act(&a[1], PLAN_ACT_PIN, "vm1", "vm1: pin to pCPUs 1");
            check_act(&a[2], PLAN_ACT_PIN, "vm2", "vm2: pin to pCPUs 0");
            check_act(&a[3], PLAN_ACT_PIN, "vm3", "vm3: pin to pCPUs 0");
        }
    }
    is_int(p.free_before_kib, 1024 * MIB, "free before");
    is_int(p.free_after_kib, 1024 * MIB, "free after (shrink = grow)");
    is_int(p.free_min_kib, 1024 * MIB, "free min");
    is_int(p.reserve_kib, 256 * MIB, "reserve kept");
    is_int(p.nr_rows, 3, "three rows");
    if (p.nr_rows == 3) {
        is_str(p.rows[0].domain, "vm1", "row vm1");
        ok(p.rows[0].running, "vm1 running");
        is_int(p.rows[0].mem_before_kib, 128 * MIB, "vm1 mem before");
        is_int(p.rows[0].mem_after_kib, 512 * MIB, "vm1 mem after");
        ok(!p.rows[0].dedicated_before && p.rows[0].dedicated_after,
           "vm1 becomes dedicated");
        is_str(fmt(p.rows[0].cpus_before), "0-1", "vm1 cpus before");
        is_str(fmt(p.rows[0].cpus_after), "1", "vm1 cpus after");
        is_str(fmt(p.rows[1].cpus_after), "0", "vm2 cpus after");
        is_int(p.rows[1].vcpus_after, 1, "vm2 vcpus kept");
    }
    is_int(p.nr_notes, 0, "no notes");
    PLAN_Dispose(&p);
    PLAN_Dispose(&p);
    ok(p.nr_stages == 0 && !p.stages, "dispose twice is safe");
    SNAP_Dispose(&s);
}

static void test_fig9_back(void)
{
    xs_snapshot s;
    plan_target t[3];
    plan p;
    xs_err err;
    int rc;

    snap_takeover(&s);
    targets_normal(t);
    PLAN_Init(&p);
    rc = PLAN_MakeTo(&s, t, 3, 256 * MIB, "normal", &p, &err);
    is_int(rc, 0, "back: planned (%s)", rc ? err.msg : "ok");
    is_int(p.nr_stages, 3, "back: three stages");
    if (p.nr_stages == 3) {
        is_int(p.stages[0].kind, PLAN_STAGE_SHRINK, "back: shrink first");
        is_int(p.stages[0].nr_acts, 1, "back: one donor");
        check_act(&p.stages[0].acts[0], PLAN_ACT_MEMORY, "vm1",
                  "vm1: memory 512 MiB -> 128 MiB");
        is_int(p.stages[1].kind, PLAN_STAGE_GROW, "back: grow");
        check_act(&p.stages[1].acts[0], PLAN_ACT_MEMORY, "vm2",
                  "vm2: memory 128 MiB -> 512 MiB");
        is_int(p.stages[2].kind, PLAN_STAGE_CPUS, "back: cpus");
        is_int(p.stages[2].nr_acts, 4, "back: leave + three pins");
        if (p.stages[2].nr_acts == 4) {
            const plan_action *a = p.stages[2].acts;

            check_act(&a[0], PLAN_ACT_POOL_LEAVE, "vm1",
                      "vm1: leave cpupool xenshift-vm1, pCPU 1 back to "
                      "Pool-0");
            is_str(a[0].pool, "xenshift-vm1", "leave: pool name");
            check_act(&a[1], PLAN_ACT_PIN, "vm1", "vm1: pin to pCPUs 0-1");
            check_act(&a[2], PLAN_ACT_PIN, "vm2", "vm2: pin to pCPUs 0-1");
            check_act(&a[3], PLAN_ACT_PIN, "vm3", "vm3: pin to pCPUs 0-1");
        }
    }
    if (p.nr_rows == 3) {
        ok(p.rows[0].dedicated_before && !p.rows[0].dedicated_after,
           "back: vm1 dedicated -> shared");
        is_str(fmt(p.rows[0].cpus_before), "1", "back: vm1 cpus before");
        is_str(fmt(p.rows[0].cpus_after), "0-1", "back: vm1 cpus after");
    }
    PLAN_Dispose(&p);
    SNAP_Dispose(&s);
}

static void test_already_there(void)
{
    xs_snapshot s;
    plan_target t[3];
    plan p;
    xs_err err;
    int rc;

    PLAN_Init(&p);
    snap_normal(&s);
    targets_normal(t);
    rc = PLAN_MakeTo(&s, t, 3, 256 * MIB, "normal", &p, &err);
    is_int(rc, 0, "normal from normal: planned");
    is_int(p.nr_stages, 0, "normal from normal: no stages");
    ok(has_note(&p, "already in phase normal"), "note: already in phase");
    is_int(p.nr_rows, 3, "rows still given");
    SNAP_Dispose(&s);

    snap_takeover(&s);
    targets_takeover(t);
    rc = PLAN_MakeTo(&s, t, 3, 256 * MIB, "takeover", &p, &err);
    is_int(rc, 0, "takeover from takeover: planned");
    is_int(p.nr_stages, 0, "takeover from takeover: no stages (pool kept)");
    ok(has_note(&p, "already in phase takeover"), "note: takeover");

    /* The same with an explicit list. */
    t[0] = tgt("vm1", 512, true, "1", 0, TBL_KEEP);
    rc = PLAN_MakeTo(&s, t, 3, 256 * MIB, "takeover", &p, &err);
    is_int(p.nr_stages, 0, "explicit list already there: no stages");

    /* Memory a little off its target is "there". */
    s.doms[2].mem_kib = 128 * MIB + 512;
    rc = PLAN_MakeTo(&s, t, 3, 256 * MIB, "takeover", &p, &err);
    is_int(p.nr_stages, 0, "512 KiB off: still there");
    s.doms[2].mem_kib = 128 * MIB + 4096;
    rc = PLAN_MakeTo(&s, t, 3, 256 * MIB, "takeover", &p, &err);
    is_int(p.nr_stages, 1, "4 MiB off: a shrink to finish the job");
    PLAN_Dispose(&p);
    SNAP_Dispose(&s);
}

static void test_memory_refusals(void)
{
    xs_snapshot s;
    plan_target t[3];
    plan p;
    xs_err err;
    int rc;

    PLAN_Init(&p);
    snap_normal(&s);
    s.host.free_kib = 456 * MIB;

    /* vm1 +768, vm2 -384: 456 + 384 - 768 = 72 < 256 reserve */
    targets_normal(t);
    t[0].memory_kib = 896 * MIB;
    t[1].memory_kib = 128 * MIB;
    rc = PLAN_MakeTo(&s, t, 3, 256 * MIB, "big", &p, &err);
    ok(rc < 0, "infeasible memory refused");
    is_str(err.msg, "vm1 needs 768 MiB more; the host has 200 MiB free "
           "above the 256 MiB reserve and the donors free 384 MiB: short "
           "by 184 MiB", "infeasible: message with numbers");
    is_int(p.nr_stages, 0, "refused plan is empty");

    /* Without the reserve it fits. */
    rc = PLAN_MakeTo(&s, t, 3, 0, "big", &p, &err);
    is_int(rc, 0, "same plan with reserve 0 fits");
    is_int(p.free_after_kib, 72 * MIB, "free after 72 MiB");
    is_int(p.free_min_kib, 72 * MIB, "free min 72 MiB");

    /* Two recipients, host below its reserve. */
    s.host.free_kib = 100 * MIB;
    targets_normal(t);
    t[0].memory_kib = 256 * MIB;
    t[2].memory_kib = 384 * MIB;
    rc = PLAN_MakeTo(&s, t, 3, 256 * MIB, "x", &p, &err);
    ok(rc < 0, "two recipients, no donor: refused");
    is_str(err.msg, "vm1 and vm3 need 256 MiB more; the host has 100 MiB "
           "free, 156 MiB below the 256 MiB reserve, and the donors free "
           "0 KiB: short by 412 MiB", "two recipients: message");

    /* Only shrinking is fine even below the reserve. */
    targets_normal(t);
    t[1].memory_kib = 256 * MIB;
    rc = PLAN_MakeTo(&s, t, 3, 256 * MIB, "x", &p, &err);
    is_int(rc, 0, "a shrink only plan is not refused below the reserve");
    is_int(p.free_after_kib, 356 * MIB, "free after the shrink");

    /* Floor. */
    s.host.free_kib = 1024 * MIB;
    targets_normal(t);
    t[1].memory_kib = 16 * MIB;
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    ok(rc < 0, "below floor refused");
    is_str(err.msg, "vm2: 16 MiB is below its floor of 32 MiB", "floor msg");

    /* Static max. */
    targets_normal(t);
    t[0].memory_kib = 2048 * MIB;
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    ok(rc < 0, "above static max refused");
    is_str(err.msg, "vm1: 2 GiB is more than it was built for (static "
           "maximum 1 GiB)", "static max msg");

    /* Zero. */
    targets_normal(t);
    t[0].memory_kib = 0;
    t[0].floor_kib = 0;
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    ok(rc < 0 && strstr(err.msg, "0 is not possible"), "memory 0 refused");

    /* Duplicates. */
    targets_normal(t);
    t[2] = t[0];
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    ok(rc < 0, "a domain twice refused");
    is_str(err.msg, "vm1 is named twice in the wanted state", "dup msg");
    PLAN_Dispose(&p);
    SNAP_Dispose(&s);
}

static void test_donors_at_once(void)
{
    xs_snapshot s;
    plan_target t[3];
    plan p;
    xs_err err;
    int rc;

    PLAN_Init(&p);
    snap_normal(&s);
    s.host.free_kib = 0;
    t[0] = tgt("vm1", 704, false, NULL, 0, TBL_KEEP);
    t[1] = tgt("vm2", 128, false, NULL, 0, TBL_KEEP);
    t[2] = tgt("vm3", 64, false, NULL, 0, TBL_KEEP);
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    is_int(rc, 0, "two donors feed one recipient (%s)", rc ? err.msg : "");
    is_int(p.nr_stages, 2, "shrink + grow");
    if (p.nr_stages == 2) {
        is_int(p.stages[0].nr_acts, 2, "both donors in one shrink stage");
        is_str(p.stages[0].acts[0].domain, "vm2", "donor vm2");
        is_str(p.stages[0].acts[1].domain, "vm3", "donor vm3");
        is_int(p.stages[1].nr_acts, 1, "one recipient");
    }
    is_int(p.free_after_kib, 0, "free after: all used");
    PLAN_Dispose(&p);
    SNAP_Dispose(&s);
}

static void test_vcpus(void)
{
    xs_snapshot s;
    plan_target t[3];
    plan p;
    xs_err err;
    int rc;

    PLAN_Init(&p);
    snap_normal(&s);
    s.doms[1].vcpus_online = 2;         /* vm1 */
    targets_normal(t);
    t[0].vcpus = 1;
    t[1].vcpus = 3;
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    is_int(rc, 0, "vcpus: planned");
    is_int(p.nr_stages, 2, "vcpus: shrink + vcpus");
    if (p.nr_stages == 2) {
        is_int(p.stages[0].kind, PLAN_STAGE_SHRINK, "decrease in shrink");
        check_act(&p.stages[0].acts[0], PLAN_ACT_VCPUS, "vm1",
                  "vm1: vCPUs 2 -> 1");
        is_int(p.stages[1].kind, PLAN_STAGE_VCPUS, "increase in vcpus");
        check_act(&p.stages[1].acts[0], PLAN_ACT_VCPUS, "vm2",
                  "vm2: vCPUs 1 -> 3");
        is_int(p.stages[1].acts[0].to_vcpus, 3, "to 3");
    }
    is_int(p.rows[1].vcpus_after, 3, "row: vcpus after");

    s.doms[1].type = HV_DOM_HVM;
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    ok(rc < 0, "HVM unplug refused");
    is_str(err.msg, "vm1 is an HVM guest: Xen cannot unplug its vCPUs "
           "(2 -> 1)", "HVM message");
    t[0].vcpus = 4;
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    is_int(rc, 0, "HVM plug in allowed");
    t[0].vcpus = 5;
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    ok(rc < 0, "more than vcpus_max refused");
    is_str(err.msg, "vm1: 5 vCPUs asked but it has at most 4", "max msg");
    t[0].vcpus = 0;
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    ok(rc < 0 && strstr(err.msg, "at least one"), "0 vCPUs refused");
    PLAN_Dispose(&p);
    SNAP_Dispose(&s);
}

/* 8 pCPUs, node 0 = 0-3, node 1 = 4-7. */
static void snap_numa(xs_snapshot *s)
{
    host_init(s, 8, 2, 4096);
    TSNAP_AddPool(s, 0, "Pool-0", "0-7");
    TSNAP_AddDom(s, 0, "Domain-0", 1024, 0, "0-4095");
    TSNAP_AddDom(s, 1, "vm1", 256, 0, "0-4095");
    TSNAP_AddDom(s, 2, "vm2", 256, 0, "0-4095");
    TSNAP_AddDom(s, 3, "vm3", 256, 0, "0-4095");
}

static const plan_action *find_act(const plan *p, plan_act_kind kind,
                                   const char *dom)
{
    size_t i, j;

    for (i = 0; i < p->nr_stages; i++)
        for (j = 0; j < p->stages[i].nr_acts; j++)
            if (p->stages[i].acts[j].kind == kind &&
                strcmp(p->stages[i].acts[j].domain, dom) == 0)
                return &p->stages[i].acts[j];
    return NULL;
}

/*
 * The plan keeps each pCPU set once (plan.maps): rows and actions with
 * equal sets point to the same one; a domain not running and a step
 * without pCPUs point to an empty set, never to nothing.
 */
static void test_shared_maps(void)
{
    xs_snapshot s;
    plan_target t[4];
    const plan_action *enter, *pin1, *pin2, *mem;
    plan p;
    xs_err err;
    int rc;

    PLAN_Init(&p);
    snap_numa(&s);
    t[0] = tgt("vm1", 128, true, NULL, 2, TBL_KEEP);
    t[1] = tgt("vm2", 256, false, NULL, 0, TBL_KEEP);
    t[2] = tgt("vm3", 256, false, NULL, 0, TBL_KEEP);
    t[3] = tgt("vm9", 256, false, NULL, 0, TBL_KEEP);
    rc = PLAN_MakeTo(&s, t, 4, 0, "x", &p, &err);
    is_int(rc, 0, "maps: planned (%s)", rc ? err.msg : "");
    is_int(p.nr_maps, 3, "maps: 0-7 before, 6-7 dedicated, 0-5 shared");
    enter = find_act(&p, PLAN_ACT_POOL_ENTER, "vm1");
    pin1 = find_act(&p, PLAN_ACT_PIN, "vm1");
    pin2 = find_act(&p, PLAN_ACT_PIN, "vm2");
    mem = find_act(&p, PLAN_ACT_MEMORY, "vm1");
    ok(enter && pin1 && enter->cpus == pin1->cpus &&
       !strcmp(fmt(pin1->cpus), "6-7"), "maps: vm1's pool and pin share 6-7");
    ok(pin2 && p.nr_rows == 4 && pin2->cpus == p.rows[1].cpus_after &&
       p.rows[1].cpus_after == p.rows[2].cpus_after &&
       !strcmp(fmt(pin2->cpus), "0-5"),
       "maps: the shared domains' pins and rows share 0-5");
    ok(p.nr_rows == 4 && p.rows[0].cpus_before == p.rows[1].cpus_before &&
       p.rows[1].cpus_before == p.rows[2].cpus_before &&
       !strcmp(fmt(p.rows[0].cpus_before), "0-7"),
       "maps: the rows share 0-7 before");
    ok(p.nr_rows == 4 && !p.rows[3].running && p.rows[3].cpus_before &&
       p.rows[3].cpus_after && !strcmp(fmt(p.rows[3].cpus_after), "none"),
       "maps: a domain not running has an empty set, not none at all");
    ok(mem && mem->cpus && CPUMAP_IsEmpty(mem->cpus),
       "maps: a memory step has an empty set");
    PLAN_Dispose(&p);
    is_int(p.nr_maps, 0, "maps: given back with the plan");
    SNAP_Dispose(&s);
}

static void test_pick_cpus(void)
{
    xs_snapshot s;
    plan_target t[3];
    const plan_action *a;
    plan p;
    xs_err err;
    int rc;

    PLAN_Init(&p);
    snap_numa(&s);
    t[0] = tgt("vm1", 256, true, NULL, 2, 0);
    t[1] = tgt("vm2", 256, true, NULL, 2, 1);
    t[2] = tgt("vm3", 256, true, NULL, 2, TBL_KEEP);
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    is_int(rc, 0, "counts: planned (%s)", rc ? err.msg : "");
    a = find_act(&p, PLAN_ACT_POOL_ENTER, "vm1");
    ok(a && !strcmp(fmt(a->cpus), "2-3"), "vm1 node 0: highest of node 0");
    a = find_act(&p, PLAN_ACT_POOL_ENTER, "vm2");
    ok(a && !strcmp(fmt(a->cpus), "6-7"), "vm2 node 1: highest of node 1");
    a = find_act(&p, PLAN_ACT_POOL_ENTER, "vm3");
    ok(a && !strcmp(fmt(a->cpus), "4-5"), "vm3: highest left");
    a = find_act(&p, PLAN_ACT_PIN, "vm1");
    ok(a && !strcmp(fmt(a->cpus), "2-3"), "vm1 pinned to its pool");
    is_str(fmt(p.rows[2].cpus_after), "4-5", "row: vm3 cpus after");

    /* Node 0 full: a count with a node never falls back off it. */
    t[0] = tgt("vm1", 256, true, NULL, 3, 0);
    t[1] = tgt("vm2", 256, true, NULL, 2, 0);
    t[2] = tgt("vm3", 256, false, NULL, 0, TBL_KEEP);
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    is_int(rc, -1, "node overflow: refused");
    is_str(err.msg, "vm2 wants 2 dedicated pCPUs on node 0 but only 1 is "
           "free there (node 0 has pCPUs 0-3; free: pCPU 0)",
           "node overflow: the numbers");
    /* Without a node it falls back anywhere, never 0 while others exist. */
    t[1] = tgt("vm2", 256, true, NULL, 2, TBL_KEEP);
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    is_int(rc, 0, "node 0 full, vm2 without a node: planned");
    a = find_act(&p, PLAN_ACT_POOL_ENTER, "vm1");
    ok(a && !strcmp(fmt(a->cpus), "1-3"), "vm1 takes 1-3, not 0");
    a = find_act(&p, PLAN_ACT_POOL_ENTER, "vm2");
    ok(a && !strcmp(fmt(a->cpus), "6-7"), "vm2 (no node) takes 6-7");
    a = find_act(&p, PLAN_ACT_PIN, "vm3");
    ok(a && !strcmp(fmt(a->cpus), "0,4-5"), "vm3 shares the rest");
    /* The node has nothing free at all. */
    t[0] = tgt("vm1", 256, true, "4-7", 0, TBL_KEEP);
    t[1] = tgt("vm2", 256, true, NULL, 1, 1);
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    is_int(rc, -1, "node 1 taken by a list: refused");
    is_str(err.msg, "vm2 wants 1 dedicated pCPU on node 1 but only 0 are "
           "free there (node 1 has pCPUs 4-7; free: none)",
           "node 1 taken: the numbers");
    /* A list off its node is refused, never silently accepted. */
    t[0] = tgt("vm1", 256, true, "6-7", 0, 0);
    t[1] = tgt("vm2", 256, false, NULL, 0, TBL_KEEP);
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    is_int(rc, -1, "list off the node: refused");
    is_str(err.msg, "vm1: dedicated pCPUs 6-7 are not all on node 0 (node 0 "
           "has pCPUs 0-3)", "list off the node: named");
    t[0] = tgt("vm1", 256, true, "3-4", 0, 0);
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    is_int(rc, -1, "list partly off the node: refused");
    t[0] = tgt("vm1", 256, true, "2-3", 0, 0);
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    is_int(rc, 0, "list on the node: planned (%s)", rc ? err.msg : "");

    /* pCPU 0 only when nothing else is left. */
    t[0] = tgt("vm1", 256, true, "1-6", 0, TBL_KEEP);
    t[1] = tgt("vm2", 256, true, NULL, 1, TBL_KEEP);
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    is_int(rc, 0, "pCPU 0 last: planned");
    a = find_act(&p, PLAN_ACT_POOL_ENTER, "vm2");
    ok(a && !strcmp(fmt(a->cpus), "7"), "vm2 gets 7");
    a = find_act(&p, PLAN_ACT_PIN, "vm3");
    ok(a && !strcmp(fmt(a->cpus), "0"), "Pool-0 keeps 0");

    /* Never empty Pool-0. */
    t[0] = tgt("vm1", 256, true, NULL, 8, TBL_KEEP);
    rc = PLAN_MakeTo(&s, t, 1, 0, "x", &p, &err);
    ok(rc < 0, "8 of 8 pCPUs refused");
    is_str(err.msg, "vm1 wants 8 dedicated pCPUs but Pool-0 can give only 7 "
           "(it has 0-7 free and must keep one for dom0 and the shared "
           "domains)", "count: message");
    t[0] = tgt("vm1", 256, true, NULL, 7, TBL_KEEP);
    rc = PLAN_MakeTo(&s, t, 1, 0, "x", &p, &err);
    is_int(rc, 0, "7 of 8 allowed");
    a = find_act(&p, PLAN_ACT_POOL_ENTER, "vm1");
    ok(a && !strcmp(fmt(a->cpus), "1-7"), "7 of 8: 1-7");

    /* Explicit lists. */
    t[0] = tgt("vm1", 256, true, "3", 0, TBL_KEEP);
    t[1] = tgt("vm2", 256, true, "2-3", 0, TBL_KEEP);
    rc = PLAN_MakeTo(&s, t, 2, 0, "x", &p, &err);
    ok(rc < 0, "overlap refused");
    is_str(err.msg, "vm1 and vm2 both want pCPU 3", "overlap message");
    t[1] = tgt("vm2", 256, true, "9", 0, TBL_KEEP);
    rc = PLAN_MakeTo(&s, t, 2, 0, "x", &p, &err);
    ok(rc < 0, "nonexistent pCPU refused");
    is_str(err.msg, "vm2: pCPU 9 does not exist (the host has pCPUs 0-7)",
           "nonexistent message");
    t[0] = tgt("vm1", 256, true, "0-3", 0, TBL_KEEP);
    t[1] = tgt("vm2", 256, true, "4-7", 0, TBL_KEEP);
    rc = PLAN_MakeTo(&s, t, 2, 0, "x", &p, &err);
    ok(rc < 0, "explicit lists emptying Pool-0 refused");
    is_str(err.msg, "no pCPU would be left in Pool-0 for dom0 and the "
           "shared domains (Pool-0 has 0-7 now)", "empty Pool-0 message");
    t[0] = tgt("vm1", 256, true, NULL, 0, TBL_KEEP);
    rc = PLAN_MakeTo(&s, t, 1, 0, "x", &p, &err);
    ok(rc < 0 && strstr(err.msg, "no pCPUs are given"),
       "dedicated without pCPUs refused");

    /* Domain-0 stays in Pool-0. */
    t[0] = tgt("Domain-0", 1024, true, NULL, 1, TBL_KEEP);
    rc = PLAN_MakeTo(&s, t, 1, 0, "x", &p, &err);
    ok(rc < 0 && strstr(err.msg, "dom0 stays in Pool-0"), "dom0 refused");

    /* Node that does not exist. */
    t[0] = tgt("vm1", 256, true, NULL, 1, 2);
    rc = PLAN_MakeTo(&s, t, 1, 0, "x", &p, &err);
    ok(rc < 0, "node 2 refused");
    is_str(err.msg, "vm1: node 2 does not exist (the host has 2 nodes)",
           "node message");
    PLAN_Dispose(&p);
    SNAP_Dispose(&s);
}

static void test_pools(void)
{
    xs_snapshot s;
    plan_target t[3];
    const plan_action *a;
    plan p;
    xs_err err;
    int rc;

    /* vm1 already has xenshift-vm1 on 6-7, vm2 is in the admin's pool. */
    PLAN_Init(&p);
    host_init(&s, 8, 2, 4096);
    TSNAP_AddPool(&s, 0, "Pool-0", "0-3");
    TSNAP_AddPool(&s, 3, "xenshift-vm1", "6-7");
    TSNAP_AddPool(&s, 5, "batch", "4-5");
    TSNAP_AddDom(&s, 0, "Domain-0", 1024, 0, "0-4095");
    TSNAP_AddDom(&s, 1, "vm1", 256, 3, "6-7");
    TSNAP_AddDom(&s, 2, "vm2", 256, 5, "0-4095");
    TSNAP_AddDom(&s, 3, "vm3", 256, 0, "0-3");

    t[0] = tgt("vm1", 256, true, NULL, 2, TBL_KEEP);
    t[1] = tgt("vm2", 256, false, NULL, 0, TBL_KEEP);
    t[2] = tgt("vm3", 256, false, NULL, 0, TBL_KEEP);
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    is_int(rc, 0, "existing pool reused: planned (%s)", rc ? err.msg : "");
    is_int(p.nr_stages, 0, "existing pool of the right size: nothing to do");
    ok(has_note(&p, "vm2 stays in cpupool 'batch'"), "foreign pool note");
    is_str(fmt(p.rows[1].cpus_after), "4-5", "vm2 keeps its pool's cpus");
    ok(p.rows[0].dedicated_before, "vm1 was dedicated");

    /* Three pCPUs now: leave and enter again with a new set. */
    t[0] = tgt("vm1", 256, true, NULL, 3, TBL_KEEP);
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    is_int(rc, 0, "pool grows: planned");
    a = find_act(&p, PLAN_ACT_POOL_LEAVE, "vm1");
    ok(a && !strcmp(fmt(a->cpus), "6-7"), "leave the old pool");
    a = find_act(&p, PLAN_ACT_POOL_ENTER, "vm1");
    ok(a && !strcmp(fmt(a->cpus), "3,6-7"), "enter with the freed pCPUs");
    a = find_act(&p, PLAN_ACT_PIN, "vm3");
    ok(a && !strcmp(fmt(a->cpus), "0-2"), "vm3 shares what is left");
    ok(!find_act(&p, PLAN_ACT_PIN, "vm2"), "foreign pool: not re-pinned");

    /* An explicit list from a pCPU the admin's pool has. */
    t[0] = tgt("vm1", 256, true, "5-7", 0, TBL_KEEP);
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    ok(rc < 0, "pCPU of a foreign pool refused");
    is_str(err.msg, "vm1: pCPU 5 is in the administrator's cpupool 'batch' "
           "(xenshift only takes pCPUs from Pool-0 and never takes other "
           "pools apart)", "foreign pCPU message");
    t[0] = tgt("vm1", 256, true, "3-5", 0, TBL_KEEP);
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    ok(rc < 0 && strstr(err.msg, "vm1: pCPUs 4-5 are in the administrator's "
                        "cpupool 'batch'"), "all of its pCPUs there named");

    /* An explicit list may keep the domain's own pCPUs. */
    t[0] = tgt("vm1", 256, true, "3,7", 0, TBL_KEEP);
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    is_int(rc, 0, "own pCPU 7 + Pool-0's 3 allowed");
    ok(find_act(&p, PLAN_ACT_POOL_LEAVE, "vm1") &&
       find_act(&p, PLAN_ACT_POOL_ENTER, "vm1"), "leave, then enter");

    /* Dedicating a domain that sits in the admin's pool. */
    t[0] = tgt("vm1", 256, false, NULL, 0, TBL_KEEP);
    t[1] = tgt("vm2", 256, true, NULL, 1, TBL_KEEP);
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    ok(rc < 0, "dedicating a domain in a foreign pool refused");
    is_str(err.msg, "vm2 is in cpupool 'batch', which xenshift does not "
           "manage: move it to Pool-0 before dedicating pCPUs to it",
           "foreign dedicate message");
    PLAN_Dispose(&p);
    SNAP_Dispose(&s);
}

static void test_missing(void)
{
    xs_snapshot s;
    plan_target t[4];
    plan p;
    xs_err err;
    int rc;

    PLAN_Init(&p);
    snap_normal(&s);
    targets_takeover(t);
    t[3] = tgt("vm4", 256, false, NULL, 0, TBL_KEEP);
    /* vm3 is not running */
    s.nr_doms = 3;
    rc = PLAN_MakeTo(&s, t, 4, 256 * MIB, "takeover", &p, &err);
    is_int(rc, 0, "missing domains: still planned (%s)", rc ? err.msg : "");
    ok(has_note(&p, "vm3 is not running: skipped"), "note vm3");
    ok(has_note(&p, "vm4 is not running: skipped"), "note vm4");
    is_int(p.nr_rows, 4, "a row per target");
    ok(!p.rows[2].running && !p.rows[3].running, "rows say not running");
    is_int(p.rows[2].mem_after_kib, 256 * MIB, "row keeps the wanted size");
    ok(find_act(&p, PLAN_ACT_MEMORY, "vm1") &&
       find_act(&p, PLAN_ACT_MEMORY, "vm2"), "the others are planned");
    ok(!find_act(&p, PLAN_ACT_PIN, "vm3"), "nothing for vm3");
    PLAN_Dispose(&p);
    SNAP_Dispose(&s);
}

static void test_relocate(void)
{
    xs_snapshot s;
    plan_target t[1];
    const plan_action *a;
    plan p;
    xs_err err;
    char buf[128];
    int rc;

    PLAN_Init(&p);
    snap_numa(&s);
    s.doms[1].node_known = true;
    s.doms[1].node_mem_kib[0] = 192 * MIB;
    s.doms[1].node_mem_kib[1] = 64 * MIB;
    s.doms[1].type = HV_DOM_PVH;
    t[0] = tgt("vm1", 256, false, NULL, 0, 1);
    rc = PLAN_MakeTo(&s, t, 1, 0, "x", &p, &err);
    is_int(rc, 0, "relocate on stock Xen: planned");
    a = find_act(&p, PLAN_ACT_RELOCATE, "vm1");
    ok(a && a->how == PLAN_MOVE_COOPERATIVE,
       "stock Xen: a cooperative move");
    ok(a && a->floor_kib == t[0].floor_kib, "cooperative: the floor kept");
    ok(has_note(&p, "moved by cycling its balloon (this Xen has no "
                "page-move guard"), "stock Xen: note says why");
    if (a)
        is_str(PLAN_DescribeAction(a, buf, sizeof(buf)),
               "vm1: move 192 MiB of memory to node 1 (balloon cycling)",
               "cooperative text");
    t[0].move_how = PLAN_MOVE_DIRECT;
    rc = PLAN_MakeTo(&s, t, 1, 0, "x", &p, &err);
    is_int(rc, -1, "direct asked on stock Xen: refused");
    ok(strstr(err.msg, "need the xenshift guard in the hypervisor") &&
       strstr(err.msg, "use the cooperative strategy"),
       "refusal says why and what to do (%s)", err.msg);
    t[0].move_how = PLAN_MOVE_AUTO;

    s.host.guarded = true;
    rc = PLAN_MakeTo(&s, t, 1, 0, "x", &p, &err);
    is_int(rc, 0, "relocate: planned");
    a = find_act(&p, PLAN_ACT_RELOCATE, "vm1");
    ok(a && a->node == 1, "relocate vm1 to node 1");
    ok(a && a->how == PLAN_MOVE_DIRECT, "guarded Xen, PVH: direct");
    ok(p.nr_stages >= 1 && p.stages[0].kind == PLAN_STAGE_RELOCATE,
       "relocate stage");
    if (a)
        is_str(PLAN_DescribeAction(a, buf, sizeof(buf)),
               "vm1: move 192 MiB of memory to node 1 (direct page moves)",
               "relocate text");
    is_int(p.rows[0].node_after, 1, "row: node after");
    t[0].move_how = PLAN_MOVE_COOPERATIVE;
    rc = PLAN_MakeTo(&s, t, 1, 0, "x", &p, &err);
    a = find_act(&p, PLAN_ACT_RELOCATE, "vm1");
    ok(rc == 0 && a && a->how == PLAN_MOVE_COOPERATIVE,
       "cooperative asked on guarded Xen: cooperative");
    t[0].move_how = PLAN_MOVE_AUTO;

    s.doms[1].type = HV_DOM_PV;
    rc = PLAN_MakeTo(&s, t, 1, 0, "x", &p, &err);
    a = find_act(&p, PLAN_ACT_RELOCATE, "vm1");
    ok(rc == 0 && a && a->how == PLAN_MOVE_COOPERATIVE,
       "guarded Xen, PV guest: cooperative");
    ok(has_note(&p, "a PV guest's pages cannot be moved under it"),
       "PV: note says why");
    t[0].move_how = PLAN_MOVE_DIRECT;
    rc = PLAN_MakeTo(&s, t, 1, 0, "x", &p, &err);
    is_int(rc, -1, "direct asked for a PV guest: refused");
    ok(strstr(err.msg, "PV guest's pages cannot be moved directly") != NULL,
       "PV refusal says why (%s)", err.msg);
    t[0].move_how = PLAN_MOVE_AUTO;
    s.doms[1].type = HV_DOM_PVH;

    /* Growing towards node 1: the growth comes from it, cycles after. */
    t[0].memory_kib = 512 * MIB;
    rc = PLAN_MakeTo(&s, t, 1, 0, "x", &p, &err);
    a = find_act(&p, PLAN_ACT_MEMORY, "vm1");
    ok(rc == 0 && a && a->node == 1, "grow towards node 1: the grow step "
       "names the node");
    a = find_act(&p, PLAN_ACT_RELOCATE, "vm1");
    ok(a && a->how == PLAN_MOVE_DIRECT && p.stages[0].kind ==
       PLAN_STAGE_RELOCATE, "grow, direct: moves before the grow");
    s.host.guarded = false;
    rc = PLAN_MakeTo(&s, t, 1, 0, "x", &p, &err);
    ok(rc == 0 && p.nr_stages == 2 && p.stages[0].kind == PLAN_STAGE_GROW &&
       p.stages[1].kind == PLAN_STAGE_SETTLE &&
       p.stages[1].acts[0].kind == PLAN_ACT_RELOCATE,
       "grow, cooperative: balloon cycles in the settle stage, after it");
    is_str(PLAN_StageName(PLAN_STAGE_SETTLE), "settle", "stage name settle");
    s.host.guarded = true;
    t[0].memory_kib = 256 * MIB;

    /* 95% on the node is on the node, unless asked for more. */
    s.doms[1].node_mem_kib[0] = 12 * MIB;
    s.doms[1].node_mem_kib[1] = 244 * MIB;
    rc = PLAN_MakeTo(&s, t, 1, 0, "x", &p, &err);
    ok(rc == 0 && !find_act(&p, PLAN_ACT_RELOCATE, "vm1"),
       "95%% on the node: nothing to move");
    t[0].node_goal_pct = 100;
    rc = PLAN_MakeTo(&s, t, 1, 0, "x", &p, &err);
    ok(rc == 0 && find_act(&p, PLAN_ACT_RELOCATE, "vm1"),
       "goal 100%%: the rest is moved");
    t[0].node_goal_pct = 0;

    s.doms[1].node_mem_kib[0] = 0;
    s.doms[1].node_mem_kib[1] = 256 * MIB;
    rc = PLAN_MakeTo(&s, t, 1, 0, "x", &p, &err);
    ok(!find_act(&p, PLAN_ACT_RELOCATE, "vm1"), "all on node: no move");
    s.doms[1].node_known = false;
    rc = PLAN_MakeTo(&s, t, 1, 0, "x", &p, &err);
    ok(has_note(&p, "unknown"), "unknown placement: note");
    PLAN_Dispose(&p);
    SNAP_Dispose(&s);
}

/* Growing on a full node: the others' memory there moves off it first. */
static void test_make_room(void)
{
    xs_snapshot s;
    plan_target t[3];
    const plan_action *a;
    plan p;
    xs_err err;
    int rc, i;

    PLAN_Init(&p);
    snap_numa(&s);
    s.host.node_free_kib[0] = 2048 * MIB;
    s.host.node_free_kib[1] = 64 * MIB;
    for (i = 1; i <= 3; i++) {
        s.doms[i].node_known = true;
        s.doms[i].type = HV_DOM_PVH;
        s.doms[i].node_mem_kib[0] = 128 * MIB;
        s.doms[i].node_mem_kib[1] = 128 * MIB;
    }
    s.host.guarded = true;
    /*
     * vm1 +256 MiB on node 1 and its 128 MiB on node 0 moving there;
     * vm2 frees 64 there, 64 are free: 256 short.
     */
    t[0] = tgt("vm1", 512, false, NULL, 0, 1);
    t[1] = tgt("vm2", 128, false, NULL, 0, TBL_KEEP);
    t[2] = tgt("vm3", 256, false, NULL, 0, TBL_KEEP);
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    is_int(rc, 0, "make room: planned (%s)", rc ? err.msg : "");
    a = find_act(&p, PLAN_ACT_RELOCATE, "vm2");
    ok(a && a->node == 0 && a->from_kib == 64 * MIB,
       "make room: the donor's 64 MiB left on node 1 move to node 0");
    a = find_act(&p, PLAN_ACT_RELOCATE, "vm3");
    ok(a && a->node == 0 && a->from_kib == 128 * MIB,
       "make room: then vm3's 128 MiB on node 1");
    ok(has_note(&p, "vm2: 64 MiB of its memory moves from node 1 to node 0 "
                "to make room for vm1"), "make room: the note says why");
    ok(has_note(&p, "node 1: 64 MiB short for vm1"),
       "make room: what still does not fit is said");
    ok(p.nr_stages >= 3 && p.stages[1].kind == PLAN_STAGE_RELOCATE &&
       p.stages[2].kind == PLAN_STAGE_GROW,
       "make room: moves after the shrink, before the grow");

    /* Enough room: nothing moves. */
    s.host.node_free_kib[1] = 1024 * MIB;
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    ok(rc == 0 && !find_act(&p, PLAN_ACT_RELOCATE, "vm2") &&
       !find_act(&p, PLAN_ACT_RELOCATE, "vm3"), "room enough: no moves");

    /* Nothing to move off the node: the note says how short it is. */
    s.host.node_free_kib[1] = 64 * MIB;
    s.doms[2].node_known = s.doms[3].node_known = false;
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    ok(rc == 0 && has_note(&p, "node 1: 320 MiB short for vm1 to grow "
                           "there"), "nothing to move: short by, said");
    PLAN_Dispose(&p);
    SNAP_Dispose(&s);
}

static void test_from_snapshot(void)
{
    xs_snapshot s;
    plan_target like[3], *t = NULL;
    plan p;
    xs_err err;
    int rc;

    PLAN_Init(&p);
    snap_takeover(&s);
    s.doms[2].target_kib = 100 * MIB;   /* vm2 still ballooning */
    s.doms[3].vcpus_online = 2;
    targets_normal(like);
    rc = PLAN_TargetsFromSnapshot(&s, like, 3, &t, &err);
    is_int(rc, 0, "targets from snapshot");
    if (!rc) {
        is_str(t[0].domain, "vm1", "t0 vm1");
        is_int(t[0].memory_kib, 512 * MIB, "vm1 memory");
        ok(t[0].dedicated && !strcmp(fmt(&t[0].pcpus), "1"),
           "vm1 dedicated on its pool's pCPU");
        is_int(t[0].floor_kib, 0, "floor 0");
        is_int(t[1].memory_kib, 100 * MIB, "vm2: its balloon target");
        ok(!t[1].dedicated, "vm2 shared");
        is_int(t[2].vcpus, 2, "vm3 vcpus");
        is_int(t[2].node, TBL_KEEP, "node kept");
    }
    free(t);
    t = NULL;

    /* Planning back to a snapshot from the other phase. */
    {
        xs_snapshot n;

        snap_normal(&n);
        s.doms[2].target_kib = 128 * MIB;
        s.doms[3].vcpus_online = 1;
        rc = PLAN_TargetsFromSnapshot(&n, like, 3, &t, &err);
        is_int(rc, 0, "targets from normal");
        rc = PLAN_MakeTo(&s, t, 3, 0, "rollback", &p, &err);
        is_int(rc, 0, "plan back to normal");
        ok(find_act(&p, PLAN_ACT_POOL_LEAVE, "vm1") != NULL,
           "back to normal: vm1 leaves its pool");
        free(t);
        t = NULL;
        SNAP_Dispose(&n);
    }

    like[0] = tgt("vm9", 1, false, NULL, 0, TBL_KEEP);
    rc = PLAN_TargetsFromSnapshot(&s, like, 1, &t, &err);
    ok(rc < 0, "unknown domain refused");
    is_str(err.msg, "vm9 was not running when the snapshot was taken",
           "unknown domain message");
    PLAN_Dispose(&p);
    SNAP_Dispose(&s);
}

static void test_from_phase(void)
{
    tbl_table tb;
    tbl_domain doms[2];
    tbl_phase ph[1];
    tbl_alloc al[2];
    plan_target *t = NULL;
    size_t nr = 0;
    xs_err err;
    int rc;

    memset(&tb, 0, sizeof(tb));
    memset(doms, 0, sizeof(doms));
    memset(ph, 0, sizeof(ph));
    memset(al, 0, sizeof(al));
    snprintf(doms[0].name, sizeof(doms[0].name), "vm1");
    doms[0].min_kib = 32 * MIB;
    doms[0].max_kib = 1024 * MIB;
    snprintf(doms[1].name, sizeof(doms[1].name), "vm2");
    doms[1].min_kib = 64 * MIB;
    doms[1].max_kib = 1024 * MIB;
    snprintf(ph[0].name, sizeof(ph[0].name), "takeover");
    snprintf(al[0].domain, sizeof(al[0].domain), "vm1");
    al[0].memory_kib = 512 * MIB;
    al[0].cpus = TBL_CPUS_DEDICATED;
    al[0].pcpu_count = 1;
    al[0].vcpus = 2;
    al[0].node = 1;
    snprintf(al[1].domain, sizeof(al[1].domain), "vm2");
    al[1].memory_kib = 128 * MIB;
    al[1].cpus = TBL_CPUS_SHARED;
    al[1].vcpus = TBL_KEEP;
    al[1].node = TBL_KEEP;
    ph[0].allocs = al;
    ph[0].nr_allocs = 2;
    tb.domains = doms;
    tb.nr_domains = 2;
    tb.phases = ph;
    tb.nr_phases = 1;

    rc = PLAN_TargetsFromPhase(&tb, "takeover", &t, &nr, &err);
    is_int(rc, 0, "targets from phase");
    is_int(nr, 2, "two targets");
    if (!rc && nr == 2) {
        is_str(t[0].domain, "vm1", "vm1");
        is_int(t[0].memory_kib, 512 * MIB, "vm1 memory");
        is_int(t[0].floor_kib, 32 * MIB, "vm1 floor = its min");
        ok(t[0].dedicated && t[0].pcpu_count == 1 &&
           CPUMAP_IsEmpty(&t[0].pcpus), "vm1 dedicated, count 1");
        is_int(t[0].vcpus, 2, "vm1 vcpus");
        is_int(t[0].node, 1, "vm1 node");
        is_int(t[1].floor_kib, 64 * MIB, "vm2 floor");
        ok(!t[1].dedicated, "vm2 shared");
    }
    free(t);
    t = NULL;

    al[0].has_pcpu_list = true;
    al[0].pcpu_list = TSNAP_Map("3");
    rc = PLAN_TargetsFromPhase(&tb, "takeover", &t, &nr, &err);
    ok(!rc && !strcmp(fmt(&t[0].pcpus), "3") && t[0].pcpu_count == 0,
       "explicit list carried");
    free(t);
    t = NULL;

    rc = PLAN_TargetsFromPhase(&tb, "holiday", &t, &nr, &err);
    ok(rc < 0 && t == NULL, "unknown phase refused");
    is_str(err.msg, "no phase 'holiday' in the table (phases: takeover)",
           "unknown phase message");
}

static void test_describe(void)
{
    plan_action a;
    xs_cpumap two = TSNAP_Map("2-3");
    char buf[256];

    memset(&a, 0, sizeof(a));
    snprintf(a.domain, sizeof(a.domain), "vm1");
    a.kind = PLAN_ACT_POOL_ENTER;
    a.cpus = &two;
    snprintf(a.pool, sizeof(a.pool), "xenshift-vm1");
    is_str(PLAN_DescribeAction(&a, buf, sizeof(buf)),
           "vm1: dedicated pCPUs 2-3 (new cpupool xenshift-vm1)", "plural");
    a.kind = PLAN_ACT_POOL_LEAVE;
    is_str(PLAN_DescribeAction(&a, buf, sizeof(buf)),
           "vm1: leave cpupool xenshift-vm1, pCPUs 2-3 back to Pool-0",
           "leave plural");
    a.kind = PLAN_ACT_MEMORY;
    a.from_kib = 1536 * MIB;
    a.to_kib = 256 * MIB;
    is_str(PLAN_DescribeAction(&a, buf, sizeof(buf)),
           "vm1: memory 1536 MiB -> 256 MiB", "memory text");
    is_str(PLAN_StageName(PLAN_STAGE_SHRINK), "shrink", "stage name");
    is_str(PLAN_StageName(PLAN_STAGE_CPUS), "cpus", "stage name cpus");
    is_str(PLAN_ActName(PLAN_ACT_POOL_ENTER), "pool-enter", "act name");
    is_str(PLAN_ActName(PLAN_ACT_PIN), "pin", "act name pin");
}

/* The benchmark's size: many domains, many pCPUs, must stay fast. */
static void test_big(void)
{
    xs_snapshot s;
    plan_target *t;
    plan p;
    xs_err err;
    unsigned i, n = 10000;
    plan_graph g;
    unsigned pool_waits = 0;
    int rc;

    PLAN_Init(&p);
    host_init(&s, 512, 4, 1 << 22);
    TSNAP_AddPool(&s, 0, "Pool-0", "0-511");
    s.doms = calloc(n + 1, sizeof(*s.doms));
    t = calloc(n, sizeof(*t));
    for (i = 0; i <= n; i++) {
        hv_domain *d = &s.doms[i];

        d->domid = i;
        snprintf(d->name, sizeof(d->name), i ? "guest%05u" : "Domain-0", i);
        d->mem_kib = d->target_kib = 256 * MIB;
        d->static_max_kib = 1024 * MIB;
        d->vcpus_online = d->vcpus_max = 1;
        CPUMAP_Fill(&d->hard_affinity, 512);
    }
    s.nr_doms = n + 1;
    s.pools[0].nr_domains = n + 1;
    for (i = 0; i < n; i++) {
        /* reverse order: lookups must not depend on it */
        unsigned k = n - i;

        t[i] = tgt(s.doms[k].name, k % 2 ? 128 : 384, k % 50 == 0, NULL,
                   k % 50 == 0 ? 2 : 0, k % 50 == 0 ? (int)(k / 50) % 4
                                                    : TBL_KEEP);
    }
    rc = PLAN_MakeTo(&s, t, n, 0, "big", &p, &err);
    is_int(rc, 0, "10000 domains on 512 pCPUs (%s)", rc ? err.msg : "ok");
    is_int(p.nr_stages, 3, "big: shrink, grow, cpus");
    if (p.nr_stages == 3) {
        is_int(p.stages[0].nr_acts, 5000, "big: 5000 donors at once");
        is_int(p.stages[2].nr_acts, 200 + 10000, "big: 200 pools + pins");
    }
    /* one set before, one for what stays in Pool-0, one per pool */
    is_int(p.nr_maps, 202, "big: 202 distinct pCPU sets kept once each");
    /* its graph: each dedicated pin waits for its pool, nothing else */
    PLAN_GraphInit(&g);
    rc = PLAN_GraphMake(&p, &g, &err);
    is_int(rc, 0, "big: graph made (%s)", rc ? err.msg : "ok");
    for (i = 0; !rc && i < g.nr_nodes; i++) {
        const plan_node *nd = &g.nodes[i];

        if (nd->nr_deps == 1 && nd->act->kind == PLAN_ACT_PIN &&
            g.deps[nd->first_dep].why == PLAN_WHY_POOL &&
            g.nodes[g.deps[nd->first_dep].on].act->domid == nd->act->domid)
            pool_waits++;
    }
    is_int(g.nr_deps, 200, "big: 200 dependencies");
    is_int(pool_waits, 200, "big: each a dedicated pin on its own pool");
    PLAN_GraphDispose(&g);
    PLAN_Dispose(&p);
    free(t);
    SNAP_Dispose(&s);
}

/* Position of the first action of kind for dom in the cpus stage. */
static int cpus_pos(const plan *p, plan_act_kind kind, const char *dom)
{
    size_t i, j;

    for (i = 0; i < p->nr_stages; i++) {
        if (p->stages[i].kind != PLAN_STAGE_CPUS)
            continue;
        for (j = 0; j < p->stages[i].nr_acts; j++)
            if (p->stages[i].acts[j].kind == kind &&
                strcmp(p->stages[i].acts[j].domain, dom) == 0)
                return (int)j;
    }
    return -1;
}

/*
 * A domain the targets do not name, pinned onto pCPUs a phase
 * dedicates: refused by default and named; with move_unnamed, a pin
 * step of its own, before the pool takes the pCPUs.  (The user's case:
 * "guest" pinned to 6-7 ended on 0-7 and the plan never said so.)
 */
static void test_unnamed(void)
{
    xs_snapshot s;
    plan_target t[3];
    plan_opts o = { 0, true, false };
    const plan_action *a;
    hv_domain *g;
    plan p;
    xs_err err;
    int rc;

    PLAN_Init(&p);
    snap_numa(&s);
    g = TSNAP_AddDom(&s, 9, "guest", 256, 0, "6-7");
    t[0] = tgt("vm1", 256, true, "6-7", 0, TBL_KEEP);
    t[1] = tgt("vm2", 256, false, NULL, 0, TBL_KEEP);
    t[2] = tgt("vm3", 256, false, NULL, 0, TBL_KEEP);
    rc = PLAN_MakeWith(&s, t, 3, &o, "x", &p, &err);
    is_int(rc, -1, "unnamed pinned onto dedicated pCPUs: refused");
    is_str(err.msg, "guest is not named by phase x and is pinned to pCPUs "
           "6-7; the phase takes pCPUs 6-7 of them from Pool-0: re-pin it, or "
           "allow xenshift to with \"move_unnamed\": true in the table's "
           "\"host\"", "unnamed: named with its pCPUs");
    /* Undoing (PLAN_MakeTo) does not look: pools come back as they were. */
    rc = PLAN_MakeTo(&s, t, 3, 0, "x", &p, &err);
    ok(rc == 0 && !find_act(&p, PLAN_ACT_PIN, "guest"),
       "PLAN_MakeTo: no guard, no pin of guest");

    o.move_unnamed = true;
    rc = PLAN_MakeWith(&s, t, 3, &o, "x", &p, &err);
    is_int(rc, 0, "move_unnamed: planned (%s)", rc ? err.msg : "");
    a = find_act(&p, PLAN_ACT_PIN, "guest");
    ok(a && !strcmp(fmt(a->cpus), "0-5"), "guest re-pinned to 0-5 (%s)",
       a ? fmt(a->cpus) : "no pin");
    ok(a && a->domid == 9, "the pin names its domid");
    ok(cpus_pos(&p, PLAN_ACT_PIN, "guest") >= 0 &&
       cpus_pos(&p, PLAN_ACT_PIN, "guest") <
       cpus_pos(&p, PLAN_ACT_POOL_ENTER, "vm1"),
       "its pin comes before the pool takes 6-7");
    ok(p.nr_notes >= 1 && strstr(p.notes[p.nr_notes - 1], "guest (not named "
       "by the phase) is pinned to pCPUs 6-7, which the phase takes: "
       "re-pinned to 0-5 (move_unnamed)"), "a note says so");

    /* Partly pinned: it keeps what stays in Pool-0. */
    g = &s.doms[s.nr_doms - 1];
    g->hard_affinity = TSNAP_Map("4-7");
    o.move_unnamed = false;
    rc = PLAN_MakeWith(&s, t, 3, &o, "x", &p, &err);
    is_int(rc, -1, "partly pinned: refused");
    is_str(err.msg, "guest is not named by phase x and is pinned to pCPUs "
           "4-7; the phase takes pCPUs 6-7 of them from Pool-0: re-pin it, or "
           "allow xenshift to with \"move_unnamed\": true in the table's "
           "\"host\"", "partly pinned: named");
    o.move_unnamed = true;
    rc = PLAN_MakeWith(&s, t, 3, &o, "x", &p, &err);
    a = find_act(&p, PLAN_ACT_PIN, "guest");
    ok(rc == 0 && a && !strcmp(fmt(a->cpus), "4-5"),
       "partly pinned: keeps 4-5");

    /* Pinned elsewhere, or not pinned: nothing to say, nothing done. */
    o.move_unnamed = false;
    g->hard_affinity = TSNAP_Map("2-3");
    rc = PLAN_MakeWith(&s, t, 3, &o, "x", &p, &err);
    ok(rc == 0 && !find_act(&p, PLAN_ACT_PIN, "guest"),
       "pinned off the taken pCPUs: untouched");
    g->hard_affinity = TSNAP_Map("0-4095");
    rc = PLAN_MakeWith(&s, t, 3, &o, "x", &p, &err);
    ok(rc == 0 && !find_act(&p, PLAN_ACT_PIN, "guest"),
       "not pinned: untouched");
    /* A count picks the same way and is guarded the same way. */
    g->hard_affinity = TSNAP_Map("7");
    t[0] = tgt("vm1", 256, true, NULL, 1, TBL_KEEP);
    rc = PLAN_MakeWith(&s, t, 3, &o, "x", &p, &err);
    is_int(rc, -1, "count onto a pinned pCPU: refused");
    PLAN_Dispose(&p);
    SNAP_Dispose(&s);
}

int main(void)
{
    test_fig9_takeover();
    test_fig9_back();
    test_already_there();
    test_memory_refusals();
    test_donors_at_once();
    test_vcpus();
    test_pick_cpus();
    test_shared_maps();
    test_unnamed();
    test_pools();
    test_missing();
    test_relocate();
    test_make_room();
    test_from_snapshot();
    test_from_phase();
    test_describe();
    test_big();
    return done_testing();
}
