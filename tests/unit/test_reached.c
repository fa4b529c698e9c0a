/*
 * test_reached.c - the one predicate for "the host is in a phase"
 * (lib/policy/reached.c), what TRN_Execute does when it does not hold after
 * every step ran, and xenshiftd's answers with a node goal left short.
 *
 * Snapshots are built by hand for the predicate (a pure function); the
 * transition and the daemon run on the simulated host.
 */
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "journal.h"
#include "log.h"
#include "reached.h"
#include "snapbuild.h"
#include "tap.h"
#include "transition.h"
#include "xspath.h"

#define MIB 1024ULL

static char src[1024];

/* Two nodes (pCPUs 0-1 on node 0, 2-3 on node 1). */
static const char table_text[] =
    "{ \"domains\": { \"vm1\": { \"min\": \"32M\" },\n"
    "                 \"vm2\": { \"min\": \"32M\" } },\n"
    "  \"phases\": {\n"
    "    \"shared\": {\n"
    "      \"vm1\": { \"memory\": \"256M\", \"cpus\": \"shared\",\n"
    "               \"vcpus\": 2 },\n"
    "      \"vm2\": { \"memory\": \"128M\", \"cpus\": \"shared\" } },\n"
    "    \"listed\": {\n"
    "      \"vm1\": { \"memory\": \"256M\", \"cpus\": \"dedicated\",\n"
    "               \"pcpus\": \"3\", \"node\": 1 },\n"
    "      \"vm2\": { \"memory\": \"128M\", \"cpus\": \"shared\" } },\n"
    "    \"counted\": {\n"
    "      \"vm1\": { \"memory\": \"256M\", \"cpus\": \"dedicated\",\n"
    "               \"pcpus\": 1, \"node\": 1 },\n"
    "      \"vm2\": { \"memory\": \"128M\", \"cpus\": \"shared\" } } } }\n";

static void load_table(tbl_table *t)
{
    xs_err err;

    TBL_Init(t);
    if (TBL_Parse("reached.json", table_text, strlen(table_text), t, &err)) {
        printf("Bail out! %s:%d:%d: %s\n", err.file, err.line, err.col,
               err.msg);
        exit(1);
    }
}

/* A domain whose memory is all on node 0 unless the test says otherwise. */
static hv_domain *add_dom(xs_snapshot *s, uint32_t domid, const char *name,
                          uint64_t mem_mib, uint32_t pool, const char *hard)
{
    hv_domain *d = TSNAP_AddDom(s, domid, name, mem_mib, pool, hard);

    d->node_known = true;
    d->node_mem_kib[0] = d->mem_kib;
    return d;
}

static void host_init(xs_snapshot *s)
{
    unsigned i;

    SNAP_Init(s);
    s->host.nr_cpus = 4;
    s->host.nr_nodes = 2;
    for (i = 0; i < HV_MAX_CPUS; i++)
        s->host.cpu_to_node[i] = i < 4 ? (int)(i / 2) : HV_NO_NODE;
    s->host.total_kib = 8192 * MIB;
    s->host.free_kib = 4096 * MIB;
    s->host.node_free_kib[0] = s->host.node_free_kib[1] = 2048 * MIB;
}

/* The host in phase "shared". */
static void snap_shared(xs_snapshot *s)
{
    host_init(s);
    TSNAP_AddPool(s, 0, "Pool-0", "0-3");
    add_dom(s, 0, "Domain-0", 1024, 0, "0-4095");
    add_dom(s, 1, "vm1", 256, 0, "0-4095")->vcpus_online = 2;
    add_dom(s, 2, "vm2", 128, 0, "0-4095");
}

/* The host in phase "listed" (and "counted"): vm1 alone on pCPU 3. */
static hv_domain *snap_dedicated(xs_snapshot *s)
{
    hv_domain *vm1;

    host_init(s);
    TSNAP_AddPool(s, 0, "Pool-0", "0-2");
    TSNAP_AddPool(s, 1, "xenshift-vm1", "3");
    add_dom(s, 0, "Domain-0", 1024, 0, "0-4095");
    add_dom(s, 1, "vm1", 256, 1, "3");
    add_dom(s, 2, "vm2", 128, 0, "0-2");
    /* after the last add_dom: it reallocs the array */
    vm1 = &s->doms[1];
    vm1->node_mem_kib[0] = 0;
    vm1->node_mem_kib[1] = 256 * MIB;
    return vm1;
}

static hv_domain *dom(xs_snapshot *s, const char *name)
{
    return (hv_domain *)SNAP_FindDomain(s, name);
}

static void test_memory_and_vcpus(const tbl_table *t)
{
    exec_opts eo;
    xs_snapshot s;
    reach_result r;
    hv_domain *vm1;

    snap_shared(&s);
    ok(REACH_Phase(&s, t, "shared", &r), "shared: reached (%s)", r.why);
    ok(r.checked && r.reached, "... the result says so");
    is_int(r.nr_shortfalls, 0, "... no node goal, no shortfall");
    ok(!REACH_Phase(&s, t, "listed", &r), "listed: not reached");
    is_str(r.why, "vm1: dedicated pCPU 3 (new cpupool xenshift-vm1)",
           "... the first difference");

    /* The executor calls a balloon done within its tolerance: so must
     * the predicate, or apply would say reached and status deny it. */
    EXEC_DefaultOpts(&eo);
    is_int(eo.tolerance_kib, 1024, "the executor's tolerance: 1024 KiB");
    vm1 = dom(&s, "vm1");
    vm1->mem_kib = 256 * MIB - eo.tolerance_kib;
    ok(REACH_Phase(&s, t, "shared", &r),
       "tolerance short of the target: reached");
    vm1->mem_kib = 256 * MIB + eo.tolerance_kib;
    ok(REACH_Phase(&s, t, "shared", &r),
       "tolerance above the target: reached");
    vm1->mem_kib = 256 * MIB - eo.tolerance_kib - 1;
    ok(!REACH_Phase(&s, t, "shared", &r),
       "1 KiB more than the tolerance short: not reached");
    is_str(r.why, "vm1: memory 255.00 MiB -> 256 MiB", "... why: %s", r.why);
    vm1->mem_kib = 256 * MIB;
    vm1->target_kib = 255 * MIB;
    ok(!REACH_Phase(&s, t, "shared", &r),
       "memory there but the balloon target elsewhere: not reached");
    is_str(r.why, "vm1: balloon target back to 256 MiB", "... why");
    vm1->target_kib = 256 * MIB;

    vm1->vcpus_online = 1;
    ok(!REACH_Phase(&s, t, "shared", &r), "1 vCPU of 2: not reached");
    is_str(r.why, "vm1: vCPUs 1 -> 2", "... why");
    vm1->vcpus_online = 3;
    ok(!REACH_Phase(&s, t, "shared", &r), "3 vCPUs of 2: not reached");
    is_str(r.why, "vm1: vCPUs 3 -> 2", "... why");
    vm1->vcpus_online = 2;

    dom(&s, "vm2")->hard_affinity = TSNAP_Map("0-1");
    ok(!REACH_Phase(&s, t, "shared", &r),
       "a shared domain pinned to less than Pool-0: not reached");
    is_str(r.why, "vm2: pin to pCPUs 0-3", "... why");
    SNAP_Dispose(&s);

    /* A table domain that is not running is left out. */
    snap_shared(&s);
    s.nr_doms--;                /* vm2 */
    ok(REACH_Phase(&s, t, "shared", &r), "vm2 not running: still reached");
    ok(!REACH_Phase(&s, t, "nosuch", &r), "a phase the table lacks");
    ok(strncmp(r.why, "cannot be planned: no phase 'nosuch'", 36) == 0,
       "... why: %s", r.why);
    SNAP_Dispose(&s);
}

static void test_cpus(const tbl_table *t)
{
    xs_snapshot s;
    reach_result r;
    hv_domain *vm1;

    vm1 = snap_dedicated(&s);
    ok(REACH_Phase(&s, t, "listed", &r), "listed: reached (%s)", r.why);
    ok(REACH_Phase(&s, t, "counted", &r), "counted: reached (%s)", r.why);
    ok(!REACH_Phase(&s, t, "shared", &r), "shared: not reached");
    is_str(r.why, "vm1: vCPUs 1 -> 2", "... why");

    /*
     * Pinned wider than its pool: Xen runs it on the pool's pCPUs only,
     * which is what status shows; a pin would change nothing visible.
     */
    vm1->hard_affinity = TSNAP_Map("2-3");
    ok(REACH_Phase(&s, t, "listed", &r),
       "dedicated domain pinned wider than its pool: reached (%s)", r.why);
    SNAP_Dispose(&s);

    /* Its own pool on the wrong pCPU (node 0): neither list nor count. */
    host_init(&s);
    TSNAP_AddPool(&s, 0, "Pool-0", "0,2-3");
    TSNAP_AddPool(&s, 1, "xenshift-vm1", "1");
    add_dom(&s, 0, "Domain-0", 1024, 0, "0-4095");
    add_dom(&s, 1, "vm1", 256, 1, "1");
    add_dom(&s, 2, "vm2", 128, 0, "0,2-3");
    ok(!REACH_Phase(&s, t, "listed", &r), "pool on pCPU 1, list 3: no");
    is_str(r.why, "vm1: leave cpupool xenshift-vm1, pCPU 1 back to Pool-0",
           "... why");
    ok(!REACH_Phase(&s, t, "counted", &r),
       "pool on node 0, a count on node 1: not reached (CPUs follow the "
       "node, only memory placement is soft)");
    SNAP_Dispose(&s);

    /* In Pool-0 while the phase dedicates a pCPU. */
    snap_shared(&s);
    dom(&s, "vm1")->vcpus_online = 1;
    ok(!REACH_Phase(&s, t, "listed", &r), "shared vm1, listed: no");
    SNAP_Dispose(&s);
}

static void test_node_soft(const tbl_table *t)
{
    xs_snapshot s;
    reach_result r;
    hv_domain *vm1;
    xs_err err;
    plan p;
    char buf[400];
    const char *cur;

    vm1 = snap_dedicated(&s);
    vm1->node_mem_kib[0] = 64 * MIB;
    vm1->node_mem_kib[1] = 192 * MIB;
    ok(REACH_Phase(&s, t, "listed", &r),
       "75%% of its memory on its node: still reached (%s)", r.why);
    is_int(r.nr_shortfalls, 1, "... one shortfall");
    is_str(r.shortfalls[0].domain, "vm1", "... vm1");
    is_int(r.shortfalls[0].node, 1, "... node 1");
    ok(r.shortfalls[0].known, "... where its memory lies is known");
    is_int(r.shortfalls[0].on_node_pct, 75, "... 75%% on the node");
    is_int(r.shortfalls[0].goal_pct, PLAN_NODE_GOAL_PCT, "... goal 95%%");
    is_int(r.shortfalls[0].off_node_kib, 64 * MIB, "... 64 MiB elsewhere");
    REACH_DescribeShortfall(&r.shortfalls[0], buf, sizeof(buf));
    is_str(buf, "vm1: 75% of its memory on node 1 (goal 95%), 64 MiB "
           "elsewhere", "... in words");
    ok(REACH_Phase(&s, t, "counted", &r), "counted: reached too");
    cur = TRN_CurrentPhase(&s, t);
    is_str(cur ? cur : "(none)", "listed", "TRN_CurrentPhase agrees");

    /* The planner would still move it: the predicate ignores that. */
    PLAN_Init(&p);
    is_int(PLAN_Make(&s, t, "listed", &p, &err), 0, "plan made");
    ok(p.nr_stages == 1 && p.stages[0].acts[0].kind == PLAN_ACT_RELOCATE,
       "... its one step is a relocation");
    PLAN_Dispose(&p);

    /* The plan for a host in the phase: no step, the shortfall noted. */
    is_int(REACH_PlanInPhase(&s, t, "listed", &p, &err), 0,
           "REACH_PlanInPhase: made");
    is_int(p.nr_stages, 0, "... no step: no balloon cycle");
    is_int(p.nr_rows, 2, "... the rows");
    is_int(p.rows[0].node_after, 1, "... vm1's node is shown");
    ok(p.nr_notes == 2 && strcmp(p.notes[0], "already in phase listed") == 0,
       "... 'already in phase listed' first");
    ok(p.nr_notes == 2 && strstr(p.notes[1], "75% of its memory on node 1") &&
       strstr(p.notes[1], "xenshift mem-move vm1 1"),
       "... the shortfall and mem-move: %s",
       p.nr_notes == 2 ? p.notes[1] : "(none)");
    PLAN_Dispose(&p);

    /* 95% is the goal: met, no shortfall. */
    vm1->node_mem_kib[0] = 12 * MIB;
    vm1->node_mem_kib[1] = 244 * MIB;
    ok(REACH_Phase(&s, t, "listed", &r) && r.nr_shortfalls == 0,
       "95.3%% on the node: reached, no shortfall");

    /* Not known: reached, listed as unknown. */
    vm1->node_known = false;
    ok(REACH_Phase(&s, t, "listed", &r), "placement unknown: reached");
    ok(r.nr_shortfalls == 1 && !r.shortfalls[0].known,
       "... listed as not known");
    is_str(REACH_DescribeShortfall(&r.shortfalls[0], buf, sizeof(buf)),
           "vm1: where its memory lies is not known (goal 95% on node 1)",
           "... in words");
    SNAP_Dispose(&s);

    /* Not in the phase: no such plan. */
    snap_shared(&s);
    ok(REACH_PlanInPhase(&s, t, "listed", &p, &err) < 0,
       "REACH_PlanInPhase refuses a phase the host is not in");
    is_str(err.msg, "the host is not in phase listed: vm1: dedicated pCPU 3 "
           "(new cpupool xenshift-vm1)",
           "... why");
    SNAP_Dispose(&s);
}

/* --- on the simulated host ----------------------------------------------- */

static hv *open_sim(const char *fixture)
{
    char path[1100];
    xs_err err;
    hv *h;

    snprintf(path, sizeof(path), "%s/%s", src, fixture);
    h = HV_OpenSim(path, &err);
    if (!h) {
        printf("Bail out! %s\n", err.msg);
        exit(1);
    }
    return h;
}

static void load_file(const char *rel, tbl_table *t)
{
    char path[1100];
    xs_err err;

    snprintf(path, sizeof(path), "%s/%s", src, rel);
    TBL_Init(t);
    if (TBL_Load(path, t, &err)) {
        printf("Bail out! %s: %s\n", path, err.msg);
        exit(1);
    }
}

static const char *xs(hv *h, const char *fmt, const char *arg)
{
    static char buf[4][2048];
    static int slot;
    char path[256], *v;

    slot = (slot + 1) % 4;
    snprintf(path, sizeof(path), fmt, arg);
    buf[slot][0] = '\0';
    if (!HV_XsRead(h, path, &v)) {
        snprintf(buf[slot], sizeof(buf[slot]), "%s", v);
        free(v);
    }
    return buf[slot];
}

/* At capacity, someone else takes vm3 (no step of the plan) to 96 MiB. */
typedef struct meddler {
    hv *h;
    bool done;
} meddler;

static void meddle(void *ctx, const exec_event *ev)
{
    meddler *m = ctx;
    hv_domain d;

    if (ev->kind != EXEC_EV_CAPACITY || m->done ||
        HV_FindDomain(m->h, "vm3", &d))
        return;
    m->done = !HV_SetTarget(m->h, d.domid, 96 * MIB);
}

/*
 * The check after the steps reads every domain again, not only those the
 * plan changed: vm3, which the table keeps at 128 MiB and the plan does
 * not touch, changed meanwhile, and the take-over is not reached.
 */
static void test_execute_untouched_changed(void)
{
    hv *h = open_sim("examples/fig9-host.json");
    xs_snapshot snap;
    exec_report rep;
    trn_result res;
    trn_opts o;
    tbl_table t;
    meddler m;
    xs_err err;
    plan p;
    size_t i, j;
    bool touched = false;

    load_file("examples/fig9.json", &t);
    SNAP_Init(&snap);
    PLAN_Init(&p);
    EXEC_ReportInit(&rep);
    if (SNAP_Take(h, &snap, &err) ||
        PLAN_Make(&snap, &t, "takeover", &p, &err)) {
        printf("Bail out! %s\n", err.msg);
        exit(1);
    }
    for (i = 0; i < p.nr_stages; i++)
        for (j = 0; j < p.stages[i].nr_acts; j++)
            touched |= !strcmp(p.stages[i].acts[j].domain, "vm3") &&
                       p.stages[i].acts[j].kind != PLAN_ACT_PIN;
    ok(!touched, "untouched: the plan sizes vm1 and vm2, not vm3");
    TRN_DefaultOpts(&o);
    o.journal = true;
    m.h = h;
    m.done = false;
    is_int(TRN_Execute(h, &t, &snap, &p, &o, meddle, &m, &rep, &res), -1,
           "untouched: vm3 changed at capacity: not reached");
    ok(m.done && res.outcome == TRN_FAILED && res.after.checked &&
       !res.after.reached, "untouched: the check after the steps says so");
    ok(strstr(res.message, "not in phase takeover: vm3") != NULL,
       "untouched: and names vm3: %s", res.message);
    EXEC_ReportDispose(&rep);
    PLAN_Dispose(&p);
    SNAP_Dispose(&snap);
    TBL_Dispose(&t);
    HV_Close(h);
}

/*
 * Every step runs, but the plan does not lead to the phase it names:
 * the check on a new snapshot makes that a failure, not "reached", and
 * the host is rolled back to what was recorded, as for any failure.
 */
static void test_execute_not_in_phase(void)
{
    hv *h = open_sim("examples/fig9-host.json");
    plan_target *targets = NULL;
    xs_snapshot snap;
    exec_report rep;
    trn_result res;
    trn_opts o;
    tbl_table t;
    jnl_entry j;
    xs_err err;
    size_t nr = 0;
    plan p;
    int rc;

    load_file("examples/fig9.json", &t);
    SNAP_Init(&snap);
    PLAN_Init(&p);
    EXEC_ReportInit(&rep);
    if (SNAP_Take(h, &snap, &err) ||
        PLAN_TargetsFromPhase(&t, "takeover", &targets, &nr, &err)) {
        printf("Bail out! %s\n", err.msg);
        exit(1);
    }
    targets[0].memory_kib = 384 * MIB;      /* takeover says 512M */
    is_int(PLAN_MakeTo(&snap, targets, nr, t.reserve_kib, "takeover", &p,
                       &err), 0, "a plan to 'takeover' with vm1 at 384 MiB");
    TRN_DefaultOpts(&o);
    o.journal = true;
    rc = TRN_Execute(h, &t, &snap, &p, &o, NULL, NULL, &rep, &res);
    is_int(rc, -1, "TRN_Execute fails");
    is_int(res.outcome, TRN_FAILED, "... as failed");
    ok(!rep.ok && rep.rolled_back && rep.nr_diffs == 0,
       "... the report: not ok, rolled back exactly");
    ok(res.after.checked && !res.after.reached,
       "... the check after the steps did not hold");
    ok(strncmp(res.message, "every step ran, but the host is not in phase "
               "takeover: vm1: memory 384 MiB -> 512 MiB", 85) == 0,
       "... the message: %s", res.message);
    is_str(rep.cause.msg, res.message, "... the report's cause");
    is_str(xs(h, XSP_PHASE "%s", ""), "normal",
           "XSP_PHASE: back in normal, where it started");
    ok(strncmp(xs(h, XSP_RESULT "%s", ""), "failed takeover: every step "
               "ran", 31) == 0, "XSP_RESULT: %s", xs(h, XSP_RESULT "%s", ""));
    ok(!JNL_Read(h, &j, &err) && !j.present,
       "the journal is gone: nothing is left to recover");
    {
        hv_domain d;

        ok(!HV_FindDomain(h, "vm1", &d) && d.target_kib == 128 * MIB &&
           d.pool == PLAN_POOL0_ID, "vm1 back at 128 MiB in Pool-0 "
           "(target %llu KiB, pool %u)", (unsigned long long)d.target_kib,
           d.pool);
    }
    EXEC_ReportDispose(&rep);
    PLAN_Dispose(&p);
    SNAP_Dispose(&snap);

    /* The real plan from there reaches the phase, checked. */
    SNAP_Init(&snap);
    JNL_End(h, &err);
    if (SNAP_Take(h, &snap, &err) ||
        PLAN_Make(&snap, &t, "takeover", &p, &err)) {
        printf("Bail out! %s\n", err.msg);
        exit(1);
    }
    rc = TRN_Execute(h, &t, &snap, &p, &o, NULL, NULL, &rep, &res);
    is_int(rc, 0, "the plan to takeover: reached");
    ok(res.outcome == TRN_REACHED && rep.ok && res.after.checked &&
       res.after.reached, "... and checked on the host");
    is_str(xs(h, XSP_PHASE "%s", ""), "takeover", "XSP_PHASE: takeover");
    EXEC_ReportDispose(&rep);
    PLAN_Dispose(&p);
    SNAP_Dispose(&snap);
    free(targets);
    TBL_Dispose(&t);
    HV_Close(h);
}

/* The man page's EXAMPLE on fig9-spread: vm1 ends at 87% on node 1. */
static void test_example_spread(void)
{
    hv *h = open_sim("tests/fixtures/fig9-spread.json");
    xs_snapshot snap;
    exec_report rep;
    trn_result res;
    trn_opts o;
    tbl_table t;
    xs_err err;
    plan p;
    const char *cur;
    int rc;

    load_file("tests/sim/data/example.json", &t);
    SNAP_Init(&snap);
    PLAN_Init(&p);
    EXEC_ReportInit(&rep);
    if (TRN_Snapshot(h, &t, "takeover", &snap, NULL, 0, &err) ||
        PLAN_Make(&snap, &t, "takeover", &p, &err)) {
        printf("Bail out! %s\n", err.msg);
        exit(1);
    }
    TRN_DefaultOpts(&o);
    o.journal = true;
    rc = TRN_Execute(h, &t, &snap, &p, &o, NULL, NULL, &rep, &res);
    is_int(rc, 0, "EXAMPLE on fig9-spread: takeover reached");
    ok(res.after.reached && res.after.nr_shortfalls == 1,
       "... with one node shortfall");
    is_int(res.after.shortfalls[0].on_node_pct, 87, "... vm1 at 87%%");
    is_str(xs(h, XSP_PHASE "%s", ""), "takeover",
           "XSP_PHASE says takeover");
    EXEC_ReportDispose(&rep);
    PLAN_Dispose(&p);
    SNAP_Dispose(&snap);

    SNAP_Init(&snap);
    if (SNAP_Take(h, &snap, &err)) {
        printf("Bail out! %s\n", err.msg);
        exit(1);
    }
    cur = TRN_CurrentPhase(&snap, &t);
    is_str(cur ? cur : "(none)", "takeover",
           "a new snapshot agrees: in takeover");
    SNAP_Dispose(&snap);
    TBL_Dispose(&t);
    HV_Close(h);
}

static void test_daemon(void)
{
    hv *h = open_sim("tests/fixtures/fig9-spread.json");
    char table[1100], path[256];
    dmn_config c;
    dlog log;
    xs_err err;
    dmn d;
    uint64_t t0;
    const char *msg;

    snprintf(table, sizeof(table), "%s/tests/sim/data/example.json", src);
    LOG_Init(&log, "test_reached", true, 0);
    memset(&c, 0, sizeof(c));
    c.table_path = table;
    HOOK_DefaultOpts(&c.hooks);
    EXEC_DefaultOpts(&c.exec);
    if (DMN_Init(&d, h, &log, &c, &err) || DMN_Start(&d, &err) < 0) {
        printf("Bail out! %s\n", err.msg);
        exit(1);
    }
    is_str(xs(h, XSP_PHASE "%s", ""), "normal", "xenshiftd: in normal");

    snprintf(path, sizeof(path), XSP_REQUEST "/%s", "0001-a");
    HV_XsWrite(h, path, "takeover");
    DMN_HandleWatch(&d);
    DMN_RunQueue(&d);
    is_str(xs(h, XSP_ANSWER "/%s/state", "0001-a"), "done",
           "xenshiftd: takeover done");
    msg = xs(h, XSP_ANSWER "/%s/message", "0001-a");
    ok(strncmp(msg, "reached takeover in ", 20) == 0 &&
       strstr(msg, "placement below the node goal (soft; xenshift mem-move "
              "moves it): vm1: 87% of its memory on node 1 (goal 95%), "
              "64 MiB elsewhere"), "... the answer has the shortfall: %s",
       msg);
    /* the time before the first step; the sim's reads take no time */
    ok(strstr(msg, " ms (prepared in 0 ms: snapshot 0, numa 0, plan 0, "
              "record 0, journal 0); "), "... and where the time before "
       "the first step went: %s", msg);
    is_str(xs(h, XSP_PHASE "%s", ""), "takeover", "... XSP_PHASE takeover");

    /* Again: already there, nothing runs (the simulated clock stands). */
    t0 = HV_NowMs(h);
    snprintf(path, sizeof(path), XSP_REQUEST "/%s", "0002-b");
    HV_XsWrite(h, path, "takeover");
    DMN_HandleWatch(&d);
    DMN_RunQueue(&d);
    is_str(xs(h, XSP_ANSWER "/%s/state", "0002-b"), "done",
           "xenshiftd: takeover again: done");
    is_str(xs(h, XSP_ANSWER "/%s/message", "0002-b"),
           "the host was in this phase already; placement below the node "
           "goal (soft; xenshift mem-move moves it): vm1: 87% of its "
           "memory on node 1 (goal 95%), 64 MiB elsewhere",
           "... already, with the shortfall");
    is_int(HV_NowMs(h) - t0, 0, "... no balloon cycle: no time passed");
    is_int(d.transitions, 1, "... one transition in all");
    DMN_Stop(&d);
    DMN_Dispose(&d);
    HV_Close(h);
}

/*
 * status shows what plan shows as "pCPUs before": the hard affinity
 * within the domain's pool, so a wide raw affinity (Xen's default, all
 * 4096) reads as the pool's pCPUs.
 */
static void test_effective_affinity(void)
{
    xs_snapshot s;
    xs_cpumap m;
    hv_domain *d;
    char buf[64];

    snap_dedicated(&s);
    SNAP_EffectiveAffinity(&s, dom(&s, "Domain-0"), &m);
    is_str(CPUMAP_Format(&m, buf, sizeof(buf)), "0-2", "effective affinity: "
           "a raw 0-4095 within Pool-0 (0-2)");
    SNAP_EffectiveAffinity(&s, dom(&s, "vm1"), &m);
    is_str(CPUMAP_Format(&m, buf, sizeof(buf)), "3", "effective affinity: "
           "the dedicated pool's pCPU");
    d = dom(&s, "vm2");
    d->hard_affinity = TSNAP_Map("1-3");
    SNAP_EffectiveAffinity(&s, d, &m);
    is_str(CPUMAP_Format(&m, buf, sizeof(buf)), "1-2", "effective affinity: "
           "pinned partly outside its pool");
    d->pool = 7;
    SNAP_EffectiveAffinity(&s, d, &m);
    is_str(CPUMAP_Format(&m, buf, sizeof(buf)), "1-3", "effective affinity: "
           "an unknown pool: the host's pCPUs");
    SNAP_Dispose(&s);
}

int main(void)
{
    const char *top = getenv("top_srcdir");
    tbl_table t;

    snprintf(src, sizeof(src), "%s", top ? top : ".");
    load_table(&t);
    test_memory_and_vcpus(&t);
    test_cpus(&t);
    test_node_soft(&t);
    TBL_Dispose(&t);
    test_execute_not_in_phase();
    test_execute_untouched_changed();
    test_effective_affinity();
    test_example_spread();
    test_daemon();
    return done_testing();
}
