/*
 * test_journal.c - the journal's record in xenstore (lib/run/journal.c):
 * packed a few KiB to a node, read back exactly, whole or not at all
 * after a kill between any two writes, and an older xenshift's layout
 * (one node a line) still read.  On the simulated host
 * tests/fixtures/rec-host.json.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv_sim.h"
#include "journal.h"
#include "record.h"
#include "table.h"
#include "tap.h"
#include "transition.h"
#include "xspath.h"

#define NR_POOLS 3
#define NR_DOMS 60

static char fixture[1024], table_path[1024];

/* A host's record with names that need escaping and long pCPU lists. */
static int make_record(rec_record *r)
{
    size_t i;

    REC_Init(r);
    r->pools = calloc(NR_POOLS, sizeof(*r->pools));
    r->doms = calloc(NR_DOMS, sizeof(*r->doms));
    if (!r->pools || !r->doms)
        return -1;
    r->nr_cpus = 64;
    r->all_nodes = 3;
    for (i = 0; i < NR_POOLS; i++) {
        snprintf(r->pools[i].name, sizeof(r->pools[i].name), "pool %zu%%",
                 i);
        snprintf(r->pools[i].sched, sizeof(r->pools[i].sched), "credit2");
        CPUMAP_Set(&r->pools[i].cpus, (unsigned)i * 2);
        CPUMAP_Set(&r->pools[i].cpus, 63);
    }
    for (i = 0; i < NR_DOMS; i++) {
        rec_domain *d = &r->doms[i];
        unsigned c;

        snprintf(d->name, sizeof(d->name), "guest %zu\nsecond line", i);
        d->domid = (uint32_t)i + 1;
        d->type = i % 3 ? HV_DOM_PV : HV_DOM_HVM;
        d->mem_kib = 1048576 + i;
        d->target_kib = 1048576 - i;
        d->maxmem_kib = 2097152;
        d->vcpus = 1 + (unsigned)i % 4;
        for (c = 0; c < 64; c += 2)
            CPUMAP_Set(&d->hard, c);
        CPUMAP_Set(&d->soft, (unsigned)i % 64);
        d->node_affinity = 1 + i % 3;
        snprintf(d->pool, sizeof(d->pool), "pool %zu%%", i % NR_POOLS);
        d->planned = i % 2;
    }
    r->nr_pools = NR_POOLS;
    r->nr_doms = NR_DOMS;
    r->taken = true;
    return 0;
}

/* Every field the journal keeps, compared through the lines it writes. */
static bool same_record(const rec_record *a, const rec_record *b)
{
    char la[REC_LINE_MAX], lb[REC_LINE_MAX];
    size_t i;

    if (a->nr_pools != b->nr_pools || a->nr_doms != b->nr_doms ||
        a->nr_cpus != b->nr_cpus || a->all_nodes != b->all_nodes)
        return false;
    for (i = 0; i < a->nr_pools; i++) {
        if (REC_FormatPool(&a->pools[i], la, sizeof(la)) ||
            REC_FormatPool(&b->pools[i], lb, sizeof(lb)) || strcmp(la, lb) ||
            strcmp(a->pools[i].name, b->pools[i].name))
            return false;
    }
    for (i = 0; i < a->nr_doms; i++) {
        if (REC_FormatDomain(&a->doms[i], la, sizeof(la)) ||
            REC_FormatDomain(&b->doms[i], lb, sizeof(lb)) || strcmp(la, lb) ||
            strcmp(a->doms[i].name, b->doms[i].name))
            return false;
    }
    return true;
}

static unsigned calls_of(const hv *h, const char *op)
{
    const hv_times *t = HV_Times(h);
    size_t i;

    for (i = 0; t && i < t->nr; i++)
        if (!strcmp(t->ops[i].op, op))
            return t->ops[i].calls;
    return 0;
}

static hv *open_sim(void)
{
    xs_err err;
    hv *h = HV_OpenSim(fixture, &err);

    if (!h) {
        printf("Bail out! %s: %s\n", fixture, err.msg);
        exit(1);
    }
    return h;
}

/* The parts named in the head: how many nodes the record/part list has. */
static unsigned long parts_in_head(hv *h)
{
    unsigned long pools, doms, parts = 0;
    char *v = NULL;

    if (!HV_XsRead(h, XSP_JOURNAL "/" XSP_J_RECORD_HEAD, &v))
        sscanf(v, "pools=%lu domains=%lu parts=%lu", &pools, &doms, &parts);
    free(v);
    return parts;
}

static bool part_exists(hv *h, unsigned long n)
{
    char path[128], *v = NULL;
    bool there;

    snprintf(path, sizeof(path), XSP_JOURNAL "/" XSP_JL_PART "/%lu", n);
    there = HV_XsRead(h, path, &v) == 0;
    free(v);
    return there;
}

/* Written a few KiB a node, one write each, read back exactly. */
static void test_packed(void)
{
    rec_record r, back;
    unsigned long parts;
    xs_err err;
    hv *h = open_sim();

    REC_Init(&back);
    if (make_record(&r)) {
        ok(0, "packed: out of memory");
        goto out;
    }
    HV_TimesStart(h);
    is_int(JNL_Record(h, &r, &err), 0, "packed: the record is written");
    parts = parts_in_head(h);
    ok(parts > 1 && parts < (NR_POOLS + NR_DOMS) / 10,
       "packed: %d lines in %lu nodes", NR_POOLS + NR_DOMS, parts);
    ok(part_exists(h, parts - 1) && !part_exists(h, parts),
       "packed: record/part/0..%lu, as the head says", parts - 1);
    is_int((int)calls_of(h, "xs_write"), (int)parts + 1,
           "packed: one write per part and the head's");
    is_int(JNL_ReadRecord(h, &back, &err), 0, "packed: read back");
    ok(back.taken && same_record(&r, &back),
       "packed: every pool and domain as written, names with a space, "
       "'%%' and a newline too");
out:
    REC_Dispose(&back);
    REC_Dispose(&r);
    HV_Close(h);
}

/*
 * Killed after each write of the record: read back, it is the whole
 * record or none (a record cut short would put back too little).
 */
static void test_killed(void)
{
    unsigned k, none = 0, whole = 0, wrong = 0;
    bool finished = false;
    rec_record r;

    if (make_record(&r)) {
        ok(0, "killed: out of memory");
        return;
    }
    for (k = 0; !finished && k < 100; k++) {
        rec_record back;
        xs_err err;
        hv *h = open_sim();
        int rc;

        REC_Init(&back);
        HVSIM_Crash(h, k);
        rc = JNL_Record(h, &r, &err);
        finished = !HVSIM_Crashed(h);
        HVSIM_Revive(h);
        if (finished != (rc == 0))
            wrong++;
        if (JNL_ReadRecord(h, &back, &err))
            wrong++;
        else if (!back.taken)
            none += !finished;
        else if (finished && same_record(&r, &back))
            whole++;
        else
            wrong++;
        REC_Dispose(&back);
        HV_Close(h);
    }
    ok(finished && k > 2, "killed: the record takes %u writes", k - 1);
    is_int((int)none, (int)k - 1, "killed: after each of the %u kills "
           "before its head, no record is read", k - 1);
    is_int((int)whole, 1, "killed: the whole record once written");
    is_int((int)wrong, 0, "killed: never a part of it, nor an error");
    REC_Dispose(&r);
}

/* An older xenshift's record, one node a line, is read as it was. */
static void test_older_layout(void)
{
    rec_record back;
    xs_err err;
    hv *h = open_sim();

    REC_Init(&back);
    HV_XsWrite(h, XSP_JOURNAL "/" XSP_JL_POOL "/0",
               "name=Pool-0 sched=credit cpus=0-3");
    HV_XsWrite(h, XSP_JOURNAL "/" XSP_JL_DOMAIN "/0",
               "name=web domid=3 type=pv memory=1024 target=1024 "
               "maxmem=2048 vcpus=2 hard=0-3 soft=0-3 nodes=1 pool=Pool-0 "
               "planned=1");
    HV_XsWrite(h, XSP_JOURNAL "/" XSP_J_RECORD_HEAD,
               "pools=1 domains=1 cpus=4 nodes=1");
    is_int(JNL_ReadRecord(h, &back, &err), 0, "older layout: read (%s)",
           err.msg);
    ok(back.taken && back.nr_pools == 1 && back.nr_doms == 1 &&
       !strcmp(back.pools[0].name, "Pool-0") &&
       !strcmp(back.doms[0].name, "web") && back.doms[0].domid == 3 &&
       back.doms[0].maxmem_kib == 2048 && back.doms[0].planned,
       "older layout: Pool-0 and web, domid 3, maxmem 2048 KiB, planned");
    REC_Dispose(&back);
    HV_Close(h);
}

/* Parts that do not hold exactly the lines the head counts: refused. */
static void test_count_mismatch(void)
{
    static const struct {
        const char *head, *part0, *part1, *what;
    } cases[] = {
        { "pools=1 domains=2 parts=1 cpus=4 nodes=1",
          "name=P sched=credit cpus=0\nname=a domid=1 type=pv memory=1 "
          "target=1 maxmem=1 vcpus=1 hard=0 soft=0 nodes=1 pool=P "
          "planned=0", NULL, "a line fewer" },
        { "pools=1 domains=0 parts=1 cpus=4 nodes=1",
          "name=P sched=credit cpus=0\nname=Q sched=credit cpus=1", NULL,
          "a line more" },
        { "pools=1 domains=1 parts=2 cpus=4 nodes=1",
          "name=P sched=credit cpus=0", NULL, "a part missing" },
        { "pools=1 domains=0 parts=1 cpus=4 nodes=1",
          "name=P sched=credit cpus=0\n", NULL, "an empty line" },
        { "pools=1 domains=0 parts=3 cpus=4 nodes=1",
          "name=P sched=credit cpus=0", "x", "more parts than lines" },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rec_record back;
        xs_err err;
        hv *h = open_sim();

        REC_Init(&back);
        HV_XsWrite(h, XSP_JOURNAL "/" XSP_JL_PART "/0", cases[i].part0);
        if (cases[i].part1)
            HV_XsWrite(h, XSP_JOURNAL "/" XSP_JL_PART "/1", cases[i].part1);
        HV_XsWrite(h, XSP_JOURNAL "/" XSP_J_RECORD_HEAD, cases[i].head);
        is_int(JNL_ReadRecord(h, &back, &err), -1, "mismatch: %s is "
               "refused (%s)", cases[i].what, err.msg);
        ok(!back.taken, "mismatch: %s: no record to put back",
           cases[i].what);
        REC_Dispose(&back);
        HV_Close(h);
    }
}

/* Begin: one clear for an earlier journal, then four leaves, state last. */
static void test_begin_requests(void)
{
    jnl_entry e;
    xs_err err;
    hv *h = open_sim();

    HV_XsWrite(h, XSP_JOURNAL "/" XSP_J_STEP, "an earlier step");
    HV_TimesStart(h);
    is_int(JNL_Begin(h, "day", "night", NULL, &err), 0, "begin");
    is_int((int)calls_of(h, "xs_clear"), 1, "begin: one clear");
    is_int((int)calls_of(h, "xs_write"), 4, "begin: from, to, request, "
           "state: four writes");
    is_int((int)(calls_of(h, "xs_read") + calls_of(h, "xs_remove")), 0,
           "begin: no read, no read-then-remove");
    is_int(JNL_Read(h, &e, &err), 0, "begin: read back");
    ok(e.present && !strcmp(e.state, "running") && !e.step[0],
       "begin: running, no step of the earlier journal (%s)", e.step);
    HV_Close(h);
}

typedef struct counts {
    unsigned steps;             /* forward steps begun */
    unsigned moments;           /* capacity and placement */
} counts;

static void count_event(void *ctx, const exec_event *ev)
{
    counts *c = ctx;

    if (ev->kind == EXEC_EV_ACTION_BEGIN && ev->act && !ev->rolling_back)
        c->steps++;
    else if ((ev->kind == EXEC_EV_CAPACITY ||
              ev->kind == EXEC_EV_PLACEMENT) && !ev->rolling_back)
        c->moments++;
}

/*
 * A whole transition's xenstore requests, each one ms on an emulated
 * dom0: begin (a clear, four writes), the record (one part and its
 * head), a step each, the moments, the phase at capacity (not again at
 * the end), the result, and one clear at the end.  No read.
 */
static void test_transition_requests(void)
{
    tbl_table t;
    xs_snapshot s;
    plan p;
    trn_opts o;
    trn_result res;
    exec_report rep;
    counts c = { 0, 0 };
    xs_err err;
    char *phase = NULL;
    hv *h = open_sim();

    memset(&t, 0, sizeof(t));
    SNAP_Init(&s);
    PLAN_Init(&p);
    EXEC_ReportInit(&rep);
    TRN_DefaultOpts(&o);
    o.journal = true;
    if (TBL_Load(table_path, &t, &err) || SNAP_Take(h, &s, &err) ||
        PLAN_Make(&s, &t, "night", &p, &err)) {
        ok(0, "requests: set up: %s", err.msg);
        goto out;
    }
    HV_TimesStart(h);
    is_int(TRN_Execute(h, &t, &s, &p, &o, count_event, &c, &rep, &res), 0,
           "requests: night reached (%s)", res.message);
    ok(c.steps > 3 && c.moments == 2, "requests: %u steps, capacity and "
       "placement", c.steps);
    is_int((int)calls_of(h, "xs_write"), (int)(4 + 2 + c.steps + c.moments +
                                                1 + 1),
           "requests: writes: begin 4, record 2, one a step, the moments, "
           "the phase once, the result");
    is_int((int)calls_of(h, "xs_clear"), 2, "requests: a clear at begin "
           "and at the end");
    is_int((int)(calls_of(h, "xs_read") + calls_of(h, "xs_remove")), 0,
           "requests: no xenstore read");
    HV_XsRead(h, XSP_PHASE, &phase);
    ok(phase && !strcmp(phase, "night"), "requests: the phase node says "
       "night (%s)", phase ? phase : "none");
    free(phase);
out:
    EXEC_ReportDispose(&rep);
    PLAN_Dispose(&p);
    SNAP_Dispose(&s);
    TBL_Dispose(&t);
    HV_Close(h);
}

int main(void)
{
    const char *src = getenv("top_srcdir");

    snprintf(fixture, sizeof(fixture), "%s/tests/fixtures/rec-host.json",
             src ? src : ".");
    snprintf(table_path, sizeof(table_path),
             "%s/tests/sim/data/rec-day-night.json", src ? src : ".");
    test_packed();
    test_killed();
    test_older_layout();
    test_count_mismatch();
    test_begin_requests();
    test_transition_requests();
    return done_testing();
}
