/*
 * test_plan_names.c - the planner finds each domain by its exact name.
 *
 * The planner looks domains, targets and pools up through indexes
 * built once per plan (lib/plan_int.h).  Here names sort differently
 * from domids and from the targets' order, look alike ("vm1", "vm10",
 * "VM1", "vm1-old", "vm"), and hundreds share a hash table: every
 * action must carry the domid of the domain its name says, and the
 * exact plan is asserted.
 */
#include <stdio.h>
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

static plan_target tgt(const char *name, uint64_t mem_mib)
{
    plan_target t;

    memset(&t, 0, sizeof(t));
    snprintf(t.domain, sizeof(t.domain), "%s", name);
    t.memory_kib = mem_mib * MIB;
    t.floor_kib = 32 * MIB;
    t.vcpus = TBL_KEEP;
    t.node = TBL_KEEP;
    return t;
}

/* One action, all of it: kind, name, domid and its description. */
static void check_act(const plan_action *a, plan_act_kind kind,
                      const char *dom, uint32_t domid, const char *what)
{
    char buf[256];

    is_int(a->kind, kind, "%s: %s", what, PLAN_ActName(kind));
    is_str(a->domain, dom, "%s: domain", what);
    is_int(a->domid, domid, "%s: domid %u", what, domid);
    is_str(PLAN_DescribeAction(a, buf, sizeof(buf)), what, "%s", what);
}

/*
 * 4 pCPUs, one node, everyone in Pool-0.  Names in strcmp order:
 * Domain-0 (0), VM1 (9), vm (11), vm1 (7), vm1-old (4), vm10 (2).
 */
static void snap_lookalikes(xs_snapshot *s)
{
    unsigned i;

    SNAP_Init(s);
    s->host.nr_cpus = 4;
    s->host.nr_nodes = 1;
    for (i = 0; i < HV_MAX_CPUS; i++)
        s->host.cpu_to_node[i] = i < 4 ? 0 : HV_NO_NODE;
    s->host.total_kib = 8192 * MIB;
    s->host.free_kib = 1024 * MIB;
    TSNAP_AddPool(s, 0, "Pool-0", "0-3");
    TSNAP_AddDom(s, 0, "Domain-0", 1024, 0, "0-4095");
    TSNAP_AddDom(s, 7, "vm1", 256, 0, "0-4095");
    TSNAP_AddDom(s, 2, "vm10", 512, 0, "0-4095");
    TSNAP_AddDom(s, 9, "VM1", 128, 0, "0-4095");
    TSNAP_AddDom(s, 4, "vm1-old", 384, 0, "0-4095");
    TSNAP_AddDom(s, 11, "vm", 64, 0, "2-3");   /* not named below */
}

/* vm10 shrinks, vm1 grows onto pCPU 3 of its own, VM1 gets a vCPU. */
static size_t targets_lookalikes(plan_target *t)
{
    t[0] = tgt("vm10", 256);
    t[1] = tgt("vm1", 512);
    t[1].dedicated = true;
    t[1].pcpu_count = 1;
    t[2] = tgt("VM1", 128);
    t[2].vcpus = 2;
    t[3] = tgt("vm1-old", 384);
    t[4] = tgt("vm1-new", 64);  /* not running */
    return 5;
}

static void test_lookalikes(void)
{
    static const struct {
        const char *name;
        uint32_t domid;
        uint64_t before, after;
    } rows[] = {
        { "vm10", 2, 512, 256 }, { "vm1", 7, 256, 512 },
        { "VM1", 9, 128, 128 }, { "vm1-old", 4, 384, 384 },
        { "vm1-new", 0, 0, 64 },
    };
    plan_opts o = { 0, true, true };
    xs_snapshot s;
    plan_target t[5];
    size_t nr = targets_lookalikes(t), i;
    const plan_action *a;
    plan p;
    xs_err err;
    int rc;

    snap_lookalikes(&s);
    PLAN_Init(&p);
    rc = PLAN_MakeWith(&s, t, nr, &o, "names", &p, &err);
    is_int(rc, 0, "look-alike names: planned (%s)", rc ? err.msg : "ok");
    is_int(p.nr_stages, 4, "shrink, grow, vcpus, cpus");
    if (rc || p.nr_stages != 4)
        goto out;
    is_int(p.stages[0].kind, PLAN_STAGE_SHRINK, "stage 1: shrink");
    is_int(p.stages[0].nr_acts, 1, "shrink: one action");
    check_act(&p.stages[0].acts[0], PLAN_ACT_MEMORY, "vm10", 2,
              "vm10: memory 512 MiB -> 256 MiB");
    is_int(p.stages[1].kind, PLAN_STAGE_GROW, "stage 2: grow");
    is_int(p.stages[1].nr_acts, 1, "grow: one action");
    check_act(&p.stages[1].acts[0], PLAN_ACT_MEMORY, "vm1", 7,
              "vm1: memory 256 MiB -> 512 MiB");
    is_int(p.stages[2].kind, PLAN_STAGE_VCPUS, "stage 3: vcpus");
    is_int(p.stages[2].nr_acts, 1, "vcpus: one action");
    check_act(&p.stages[2].acts[0], PLAN_ACT_VCPUS, "VM1", 9,
              "VM1: vCPUs 1 -> 2");
    is_int(p.stages[3].kind, PLAN_STAGE_CPUS, "stage 4: cpus");
    is_int(p.stages[3].nr_acts, 6, "cpus: six actions");
    if (p.stages[3].nr_acts != 6)
        goto out;
    a = p.stages[3].acts;
    /* vm is not named: vm1's name must not cover it (move_unnamed) */
    check_act(&a[0], PLAN_ACT_PIN, "vm", 11, "vm: pin to pCPUs 2");
    check_act(&a[1], PLAN_ACT_POOL_ENTER, "vm1", 7,
              "vm1: dedicated pCPU 3 (new cpupool xenshift-vm1)");
    is_str(a[1].pool, "xenshift-vm1", "vm1's pool is its own");
    check_act(&a[2], PLAN_ACT_PIN, "vm10", 2, "vm10: pin to pCPUs 0-2");
    check_act(&a[3], PLAN_ACT_PIN, "vm1", 7, "vm1: pin to pCPUs 3");
    check_act(&a[4], PLAN_ACT_PIN, "VM1", 9, "VM1: pin to pCPUs 0-2");
    check_act(&a[5], PLAN_ACT_PIN, "vm1-old", 4,
              "vm1-old: pin to pCPUs 0-2");

    is_int(p.nr_rows, 5, "a row per target");
    for (i = 0; i < p.nr_rows && i < 5; i++) {
        const plan_row *r = &p.rows[i];

        is_str(r->domain, rows[i].name, "row %zu: %s", i, rows[i].name);
        is_int(r->running, rows[i].domid != 0, "%s: running",
               rows[i].name);
        is_int(r->domid, rows[i].domid, "%s: domid", rows[i].name);
        is_int(r->mem_before_kib, rows[i].before * MIB, "%s: memory before",
               rows[i].name);
        is_int(r->mem_after_kib, rows[i].after * MIB, "%s: memory after",
               rows[i].name);
    }
    is_str(fmt(p.rows[1].cpus_after), "3", "vm1: pCPU 3 after");
    is_str(fmt(p.rows[0].cpus_after), "0-2", "vm10: Pool-0 after");
    is_int(p.nr_notes, 2, "two notes");
    if (p.nr_notes == 2) {
        is_str(p.notes[0], "vm1-new is not running: skipped",
               "the target not running is vm1-new, not a look-alike");
        ok(strncmp(p.notes[1], "vm (not named by the phase)", 27) == 0,
           "the unnamed domain is vm: %s", p.notes[1]);
    }
out:
    PLAN_Dispose(&p);
    SNAP_Dispose(&s);
}

/* The same host, without move_unnamed: vm refuses the plan by name. */
static void test_lookalike_unnamed_refused(void)
{
    plan_opts o = { 0, true, false };
    xs_snapshot s;
    plan_target t[5];
    size_t nr;
    plan p;
    xs_err err;
    int rc;

    snap_lookalikes(&s);
    nr = targets_lookalikes(t);
    PLAN_Init(&p);
    rc = PLAN_MakeWith(&s, t, nr, &o, "names", &p, &err);
    is_int(rc, -1, "unnamed vm pinned onto vm1's pCPU: refused");
    ok(rc && strncmp(err.msg, "vm is not named by phase names", 30) == 0,
       "refusal names vm: %s", rc ? err.msg : "");
    PLAN_Dispose(&p);
    SNAP_Dispose(&s);
}

/* Names twice: the first in strcmp order is the one reported. */
static void test_named_twice(void)
{
    xs_snapshot s;
    plan_target t[6];
    plan p;
    xs_err err;
    int rc;

    snap_lookalikes(&s);
    t[0] = tgt("vm10", 256);
    t[1] = tgt("vm1", 256);
    t[2] = tgt("VM1", 128);
    t[3] = tgt("vm10", 512);
    t[4] = tgt("vm1", 512);
    PLAN_Init(&p);
    rc = PLAN_MakeTo(&s, t, 5, 0, "twice", &p, &err);
    is_int(rc, -1, "a name twice: refused");
    is_str(rc ? err.msg : "", "vm1 is named twice in the wanted state",
           "vm1 (before vm10 in strcmp order) is reported");
    PLAN_Dispose(&p);

    t[4] = tgt("VM1", 512);     /* VM1 twice, vm10 twice */
    rc = PLAN_MakeTo(&s, t, 5, 0, "twice", &p, &err);
    is_str(rc ? err.msg : "", "VM1 is named twice in the wanted state",
           "VM1 (before vm10 in strcmp order) is reported");
    PLAN_Dispose(&p);

    t[3] = tgt("vm1-old", 384); /* only VM1 twice, vm1 once */
    rc = PLAN_MakeTo(&s, t, 5, 0, "twice", &p, &err);
    is_str(rc ? err.msg : "", "VM1 is named twice in the wanted state",
           "VM1 is reported, not its look-alike vm1");
    PLAN_Dispose(&p);
    SNAP_Dispose(&s);
}

/* The wanted state of a snapshot, by exact name. */
static void test_from_snapshot(void)
{
    xs_snapshot s;
    plan_target like[3], *t = NULL;
    xs_err err;
    int rc;

    snap_lookalikes(&s);
    like[0] = tgt("vm1-old", 1);
    like[1] = tgt("VM1", 1);
    like[2] = tgt("vm10", 1);
    rc = PLAN_TargetsFromSnapshot(&s, like, 3, &t, &err);
    is_int(rc, 0, "targets from the snapshot");
    if (!rc) {
        is_int(t[0].memory_kib, 384 * MIB, "vm1-old: its 384 MiB");
        is_int(t[1].memory_kib, 128 * MIB, "VM1: its 128 MiB");
        is_int(t[2].memory_kib, 512 * MIB, "vm10: its 512 MiB");
    }
    free(t);
    like[1] = tgt("vm1-new", 1);
    rc = PLAN_TargetsFromSnapshot(&s, like, 3, &t, &err);
    is_int(rc, -1, "a name not in the snapshot: refused");
    is_str(rc ? err.msg : "",
           "vm1-new was not running when the snapshot was taken",
           "and named");
    SNAP_Dispose(&s);
}

#define NR_MANY 500

/*
 * 500 domains "g<i>" whose domids run in another order (i * 37 mod 503)
 * and whose names sort as strings (g1, g10, g100, g101, ...), wanted in
 * reverse order: every action and row must carry its own domid and
 * size, whatever the hash table's collisions.
 */
static void test_many(void)
{
    xs_snapshot s;
    plan_target *t;
    size_t i, k, right = 0;
    plan p;
    xs_err err;
    char name[32];
    int rc;

    SNAP_Init(&s);
    s.host.nr_cpus = 8;
    s.host.nr_nodes = 1;
    for (i = 0; i < HV_MAX_CPUS; i++)
        s.host.cpu_to_node[i] = i < 8 ? 0 : HV_NO_NODE;
    s.host.free_kib = 1024 * MIB;
    TSNAP_AddPool(&s, 0, "Pool-0", "0-7");
    TSNAP_AddDom(&s, 0, "Domain-0", 1024, 0, "0-4095");
    for (i = 1; i <= NR_MANY; i++) {
        snprintf(name, sizeof(name), "g%zu", i);
        TSNAP_AddDom(&s, (uint32_t)(i * 37 % 503), name, 256, 0, "0-4095");
    }
    t = calloc(NR_MANY, sizeof(*t));
    if (!t)
        abort();
    for (k = 0; k < NR_MANY; k++) {
        i = NR_MANY - k;        /* g500 first */
        snprintf(name, sizeof(name), "g%zu", i);
        /* odd ones give 64 MiB back, even ones take 64 MiB */
        t[k] = tgt(name, i % 2 ? 192 : 320);
    }
    PLAN_Init(&p);
    rc = PLAN_MakeTo(&s, t, NR_MANY, 0, "many", &p, &err);
    is_int(rc, 0, "500 domains: planned (%s)", rc ? err.msg : "ok");
    is_int(p.nr_stages, 2, "shrink and grow");
    if (!rc && p.nr_stages == 2) {
        is_int(p.stages[0].nr_acts, NR_MANY / 2, "250 shrinks");
        is_int(p.stages[1].nr_acts, NR_MANY / 2, "250 grows");
        /* each stage in target order: g499, g497, ... and g500, g498, ... */
        for (k = 0; k < 2; k++) {
            const plan_stage *st = &p.stages[k];
            size_t j = 0;

            for (i = NR_MANY; i >= 1 && j < st->nr_acts; i--) {
                const plan_action *a;
                bool odd = i % 2;

                if (odd != (st->kind == PLAN_STAGE_SHRINK))
                    continue;
                a = &st->acts[j++];
                snprintf(name, sizeof(name), "g%zu", i);
                if (strcmp(a->domain, name) == 0 &&
                    a->domid == i * 37 % 503 && a->from_kib == 256 * MIB &&
                    a->to_kib == (odd ? 192 : 320) * MIB)
                    right++;
                else
                    printf("# wanted %s (domid %zu), got %s domid %u %"
                           PRIu64 " -> %" PRIu64 "\n", name, i * 37 % 503,
                           a->domain, a->domid, a->from_kib, a->to_kib);
            }
        }
    }
    is_int(right, NR_MANY, "each action: its target's name, domid and size");
    for (i = 0, right = 0; !rc && i < p.nr_rows; i++) {
        unsigned n = (unsigned)(NR_MANY - i);

        snprintf(name, sizeof(name), "g%u", n);
        if (strcmp(p.rows[i].domain, name) == 0 &&
            p.rows[i].domid == n * 37 % 503 && p.rows[i].running)
            right++;
    }
    is_int(right, NR_MANY, "every row has its domain's domid");
    PLAN_Dispose(&p);
    free(t);
    SNAP_Dispose(&s);
}

int main(void)
{
    test_lookalikes();
    test_lookalike_unnamed_refused();
    test_named_twice();
    test_from_snapshot();
    test_many();
    return done_testing();
}
