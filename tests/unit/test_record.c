/*
 * test_record.c - the recorded rollback (lib/run/record*.c): each defect of
 * the re-plan rollback it replaced, on the simulated host
 * tests/fixtures/rec-host.json and the table
 * tests/sim/data/rec-day-night.json (day -> night: web shrinks, db grows
 * on node 1 and leaves its cpupool, app, an HVM guest, gets a vCPU).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"
#include "hv_sim.h"
#include "journal.h"
#include "record.h"
#include "table.h"
#include "tap.h"
#include "transition.h"
#include "xspath.h"

#define GIB (1024ULL * 1024)

static char fixture[1024], table_path[1024];

typedef struct watch {
    hv *h;
    bool seen;                  /* the forward run's first failure */
    hv_domain db;               /* db then */
    bool pool_gone;             /* xenshift-db did not exist then */
    bool poke_dom0;             /* then change dom0's target, as xl would */
} watch;

/* At the first failure, look at the host as the forward run left it. */
static void on_event(void *ctx, const exec_event *ev)
{
    watch *w = ctx;
    hv_pool *pools = NULL;
    size_t nr = 0, i;

    if (ev->kind != EXEC_EV_ACTION_FAILED || ev->rolling_back || w->seen)
        return;
    w->seen = true;
    HV_FindDomain(w->h, "db", &w->db);
    if (w->poke_dom0)
        HV_SetTarget(w->h, 0, 900 * 1024);
    w->pool_gone = true;
    if (!HV_ListPools(w->h, &pools, &nr))
        for (i = 0; i < nr; i++)
            if (!strcmp(pools[i].name, "xenshift-db"))
                w->pool_gone = false;
    free(pools);
}

typedef struct run {
    hv *h;
    tbl_table t;
    rec_record before;
    exec_report r;
    watch w;
    int rc;
} run;

/* Open the host, add a fault, record it, and apply night on it. */
static int run_night(run *x, const char *op, const char *dom, unsigned nth,
                     const char *op2, const char *dom2, unsigned nth2,
                     bool poke_dom0)
{
    xs_snapshot s;
    exec_opts o;
    plan p;
    xs_err err;

    memset(x, 0, sizeof(*x));
    SNAP_Init(&s);
    PLAN_Init(&p);
    EXEC_ReportInit(&x->r);
    REC_Init(&x->before);
    x->h = HV_OpenSim(fixture, &err);
    if (!x->h || TBL_Load(table_path, &x->t, &err) ||
        SNAP_Take(x->h, &s, &err) || PLAN_Make(&s, &x->t, "night", &p, &err) ||
        EXEC_Record(x->h, &p, &x->before, &err)) {
        printf("# setup: %s\n", err.msg);
        return -1;
    }
    if (op)
        HVSIM_AddFault(x->h, op, dom, nth, HVSIM_FAULT_FAIL);
    if (op2)
        HVSIM_AddFault(x->h, op2, dom2, nth2, HVSIM_FAULT_FAIL);
    EXEC_DefaultOpts(&o);
    x->w.h = x->h;
    x->w.poke_dom0 = poke_dom0;
    x->rc = EXEC_Run(x->h, &s, &p, &o, on_event, &x->w, &x->r);
    PLAN_Dispose(&p);
    SNAP_Dispose(&s);
    return 0;
}

static void run_dispose(run *x)
{
    EXEC_ReportDispose(&x->r);
    REC_Dispose(&x->before);
    TBL_Dispose(&x->t);
    HV_Close(x->h);
}

static hv_domain get(hv *h, const char *name)
{
    hv_domain d;

    memset(&d, 0, sizeof(d));
    HV_FindDomain(h, name, &d);
    return d;
}

static bool map_is(const xs_cpumap *m, const char *want)
{
    char buf[128];

    return !strcmp(CPUMAP_Format(m, buf, sizeof(buf)), want);
}

static const rec_diff *find_diff(const exec_report *r, const char *dom,
                                 const char *field)
{
    size_t i;

    for (i = 0; i < r->nr_diffs; i++)
        if (!strcmp(r->diffs[i].domain, dom) &&
            !strcmp(r->diffs[i].field, field))
            return &r->diffs[i];
    return NULL;
}

/* A set_target fault on db's grow: maxmem was raised just before. */
static void test_maxmem(void)
{
    run x;
    hv_domain db, web;
    rec_result res;

    if (run_night(&x, "set_target", "db", 1, NULL, NULL, 0, true)) {
        ok(0, "maxmem: set up");
        return;
    }
    REC_ResultInit(&res);
    is_int(x.rc, -1, "maxmem: night fails");
    ok(x.w.seen && x.w.db.maxmem_kib == 3 * GIB,
       "maxmem: db's maxmem was raised to 3 GiB before the fault (%llu)",
       (unsigned long long)x.w.db.maxmem_kib);
    db = get(x.h, "db");
    web = get(x.h, "web");
    is_int(db.maxmem_kib, 2 * GIB, "maxmem: db's maxmem back to 2 GiB");
    is_int(db.target_kib, 2 * GIB, "maxmem: db's target 2 GiB");
    ok(web.maxmem_kib == GIB && web.target_kib == GIB &&
       web.mem_kib == GIB, "maxmem: web back to 1 GiB (maxmem, target, "
       "memory)");
    ok(x.r.rolled_back && x.r.nr_diffs == 0,
       "maxmem: rolled back, no difference (%zu)", x.r.nr_diffs);
    /* The table does not name dom0: its memory is not the rollback's. */
    is_int(get(x.h, "Domain-0").target_kib, 900 * 1024,
           "maxmem: dom0's target, changed meanwhile by someone else, kept");
    is_int(REC_Compare(x.h, &x.before, 1024, &res), 0,
           "maxmem: every recorded field as before (%zu differ)",
           res.nr_diffs);
    REC_ResultDispose(&res);
    run_dispose(&x);
}

/* db grew on node 1; then its cpupool move failed. */
static void test_node_affinity(void)
{
    run x;
    hv_domain db;
    const rec_diff *df;
    const exec_dom_report *app;
    char text[300];

    if (run_night(&x, "pool_move_domain", "db", 1, NULL, NULL, 0, false)) {
        ok(0, "node: set up");
        return;
    }
    is_int(x.rc, -1, "node: night fails");
    ok(x.w.seen && x.w.db.node_affinity == 0x2,
       "node: db's node affinity was node 1 at the failure (0x%llx)",
       (unsigned long long)x.w.db.node_affinity);
    db = get(x.h, "db");
    is_int(db.node_affinity, 0x3, "node: db's node affinity back to every "
           "node");
    is_int(db.maxmem_kib, 2 * GIB, "node: db's maxmem back");

    /* app, an HVM guest, keeps the vCPU it got: the one difference. */
    ok(!x.r.rolled_back, "differences: not 'rolled back' exactly");
    is_int(x.r.nr_diffs, 1, "differences: one");
    df = find_diff(&x.r, "app", "vCPUs");
    ok(df && !strncmp(df->now, "2 ", 2) && !strcmp(df->was, "1"),
       "differences: app's vCPUs, now 2, was 1");
    if (df)
        REC_FormatDiff(df, text, sizeof(text));
    ok(df && strstr(text, "app: vCPUs 2") && strstr(text, ", was 1"),
       "differences: said as '%s'", df ? text : "");
    app = EXEC_ReportFind(&x.r, "app");
    ok(app && app->outcome == EXEC_DOM_FAILED &&
       strstr(app->msg, "app: vCPUs 2"), "differences: app's line says "
       "it (%s)", app ? app->msg : "");
    run_dispose(&x);
}

/* The dedicated pool was gone and db pinned when relocation failed. */
static void test_hard_affinity(void)
{
    run x;
    hv_domain web, db, app;
    hv_pool *pools = NULL;
    size_t nr = 0, i;
    const hv_pool *dbp = NULL;

    /* set_node_affinity: 1st on db's grow, 2nd as its relocation starts */
    if (run_night(&x, "set_node_affinity", "db", 2, NULL, NULL, 0, false)) {
        ok(0, "affinity: set up");
        return;
    }
    is_int(x.rc, -1, "affinity: night fails");
    ok(x.w.seen && x.w.pool_gone && map_is(&x.w.db.hard_affinity, "0-7"),
       "affinity: xenshift-db was gone and db on 0-7 at the failure");
    web = get(x.h, "web");
    db = get(x.h, "db");
    app = get(x.h, "app");
    ok(map_is(&web.hard_affinity, "0-7"), "affinity: web's hard affinity "
       "0-7 as set, not the effective 0-1,4-7");
    ok(map_is(&app.hard_affinity, "0-7") && map_is(&app.soft_affinity,
                                                   "4-7"),
       "affinity: app hard 0-7, soft 4-7 as set");
    HV_ListPools(x.h, &pools, &nr);
    for (i = 0; i < nr; i++)
        if (!strcmp(pools[i].name, "xenshift-db"))
            dbp = &pools[i];
    ok(dbp && map_is(&dbp->cpus, "2-3") && !strcmp(dbp->sched, "credit2") &&
       db.pool == dbp->id, "affinity: xenshift-db made again (2-3, "
       "credit2), db in it");
    ok(map_is(&db.hard_affinity, "2-3"), "affinity: db pinned to 2-3");
    ok(x.r.nr_diffs == 1 && find_diff(&x.r, "app", "vCPUs"),
       "affinity: only app's vCPUs differ (%zu differences)", x.r.nr_diffs);
    free(pools);
    run_dispose(&x);
}

/* A step of the way back fails: named with the field and both values. */
static void test_restore_fails(void)
{
    run x;
    const rec_diff *df;
    const exec_dom_report *db;
    char text[300];

    /* set_maxmem for db: 1st raises it (grow), 2nd lowers it (undo) */
    if (run_night(&x, "pool_move_domain", "db", 1, "set_maxmem", "db", 2, false)) {
        ok(0, "restore fails: set up");
        return;
    }
    df = find_diff(&x.r, "db", "maxmem");
    if (df)
        REC_FormatDiff(df, text, sizeof(text));
    ok(df && !strcmp(text, "db: maxmem 3 GiB, was 2 GiB"),
       "restore fails: '%s'", df ? text : "(none)");
    db = EXEC_ReportFind(&x.r, "db");
    ok(db && db->outcome == EXEC_DOM_FAILED &&
       strstr(db->msg, "db: maxmem 3 GiB, was 2 GiB"),
       "restore fails: db FAILED, its line says why (%s)",
       db ? db->msg : "");
    ok(!x.r.rolled_back, "restore fails: not rolled back exactly");
    run_dispose(&x);
}

/* No record, no change: the executor's own, and the journal's. */
static void test_no_record(void)
{
    run x;
    rec_result diff;
    xs_snapshot s;
    plan p;
    trn_opts o;
    trn_result res;
    exec_report rep;
    xs_err err;
    char *v = NULL;

    REC_ResultInit(&diff);
    if (run_night(&x, "list_domains", NULL, 1, NULL, NULL, 0, false)) {
        ok(0, "no record: set up");
        return;
    }
    is_int(x.rc, -1, "no record: night fails");
    ok(strstr(x.r.cause.msg, "cannot record the host before changing it"),
       "no record: says so (%s)", x.r.cause.msg);
    ok(x.w.seen == false && x.r.rolled_back,
       "no record: no step was run, nothing to undo");
    is_int(REC_Compare(x.h, &x.before, 0, &diff), 0,
           "no record: the host is as it was");

    /* The journal cannot take the record (its first pool line). */
    SNAP_Init(&s);
    PLAN_Init(&p);
    EXEC_ReportInit(&rep);
    TRN_DefaultOpts(&o);
    o.journal = true;
    if (SNAP_Take(x.h, &s, &err) || PLAN_Make(&s, &x.t, "night", &p, &err)) {
        ok(0, "no record: plan: %s", err.msg);
        goto out;
    }
    /* xs_write: JNL_Begin's four leaves, then the record's first part */
    HVSIM_AddFault(x.h, "xs_write", NULL, 5, HVSIM_FAULT_FAIL);
    is_int(TRN_Execute(x.h, &x.t, &s, &p, &o, NULL, NULL, &rep, &res), -1,
           "journal: the transition fails");
    ok(res.outcome == TRN_FAILED &&
       strstr(res.message, "cannot record the host before changing it"),
       "journal: says so (%s)", res.message);
    is_int(REC_Compare(x.h, &x.before, 0, &diff), 0,
           "journal: the host is as it was");
    ok(HV_XsRead(x.h, XSP_JOURNAL "/" XSP_J_STATE, &v) == HV_ENOENT,
       "journal: removed");
    free(v);
out:
    EXEC_ReportDispose(&rep);
    PLAN_Dispose(&p);
    SNAP_Dispose(&s);
    REC_ResultDispose(&diff);
    run_dispose(&x);
}

/* Through the transition: the answer names the differences. */
static void test_trn_differences(void)
{
    hv *h;
    tbl_table t;
    xs_snapshot s;
    plan p;
    trn_opts o;
    trn_result res;
    exec_report rep;
    xs_err err;
    char *state = NULL, *result = NULL;

    memset(&t, 0, sizeof(t));
    memset(&res, 0, sizeof(res));
    SNAP_Init(&s);
    PLAN_Init(&p);
    EXEC_ReportInit(&rep);
    TRN_DefaultOpts(&o);
    o.journal = true;
    h = HV_OpenSim(fixture, &err);
    if (!h || TBL_Load(table_path, &t, &err) || SNAP_Take(h, &s, &err) ||
        PLAN_Make(&s, &t, "night", &p, &err)) {
        ok(0, "trn: set up: %s", err.msg);
        goto out;
    }
    HVSIM_AddFault(h, "pool_move_domain", "db", 1, HVSIM_FAULT_FAIL);
    is_int(TRN_Execute(h, &t, &s, &p, &o, NULL, NULL, &rep, &res), -1,
           "trn: night fails");
    ok(strstr(res.message, "; rolled back with differences: app: vCPUs"),
       "trn: the message names the difference (%s)", res.message);
    HV_XsRead(h, XSP_JOURNAL "/" XSP_J_STATE, &state);
    HV_XsRead(h, XSP_RESULT, &result);
    ok(state && !strcmp(state, "failed"), "trn: the journal stays, failed "
       "(%s)", state ? state : "none");
    ok(result && strstr(result, "rolled back with differences"),
       "trn: the result says so (%s)", result ? result : "none");
out:
    free(state);
    free(result);
    EXEC_ReportDispose(&rep);
    PLAN_Dispose(&p);
    SNAP_Dispose(&s);
    TBL_Dispose(&t);
    HV_Close(h);
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

/* The node mask on the simulated host: a node list, saved and loaded. */
static void test_sim_node_mask(void)
{
    static const char fx[] =
        "{ \"host\": { \"nodes\": [ { \"cpus\": \"0\", \"memory\": \"1G\" },\n"
        "  { \"cpus\": \"1\", \"memory\": \"1G\" },\n"
        "  { \"cpus\": \"2\", \"memory\": \"1G\" } ] },\n"
        "  \"domains\": [ { \"name\": \"Domain-0\", \"domid\": 0,\n"
        "    \"memory\": \"256M\" },\n"
        "  { \"name\": \"a\", \"domid\": 1, \"memory\": \"128M\",\n"
        "    \"node_affinity\": \"%s\" } ] }\n";
    char dir[] = "/tmp/test_record-XXXXXX", path[256], saved[256];
    char text[1024];
    hv *h = NULL, *h2 = NULL;
    hv_domain d;
    xs_err err;

    if (!mkdtemp(dir)) {
        ok(0, "sim mask: a temporary directory");
        return;
    }
    snprintf(path, sizeof(path), "%s/fx.json", dir);
    snprintf(saved, sizeof(saved), "%s/saved.json", dir);
    snprintf(text, sizeof(text), fx, "0,2");
    write_file(path, text);
    h = HV_OpenSim(path, &err);
    ok(h && !HV_FindDomain(h, "a", &d) && d.node_affinity == 0x5,
       "sim mask: \"0,2\" loads as nodes 0 and 2");
    ok(h && !HVSIM_Save(h, saved, &err) &&
       (h2 = HV_OpenSim(saved, &err)) && !HV_FindDomain(h2, "a", &d) &&
       d.node_affinity == 0x5, "sim mask: saved and loaded again");
    ok(h && HV_SetNodeMask(h, 1, (uint64_t)1 << 7) == HV_EINVAL,
       "sim mask: a mask of no node of the host is refused");
    ok(h && !HV_SetNodeMask(h, 1, ~(uint64_t)0) &&
       !HV_FindDomain(h, "a", &d) && d.node_affinity == 0x7,
       "sim mask: every node reads as the host's three");
    HV_Close(h);
    HV_Close(h2);
    snprintf(text, sizeof(text), fx, "0,5");
    write_file(path, text);
    h = HV_OpenSim(path, &err);
    ok(!h && strstr(err.msg, "node_affinity"), "sim mask: a node the host "
       "lacks is an error (%s)", h ? "loaded" : err.msg);
    HV_Close(h);
    remove(path);
    remove(saved);
    rmdir(dir);
}

/* The journal's text form keeps every field, names with spaces too. */
static void test_text(void)
{
    rec_domain d, back;
    rec_pool p, pback;
    rec_record r, rback;
    char line[1024];

    memset(&d, 0, sizeof(d));
    snprintf(d.name, sizeof(d.name), "my vm%%1");
    d.domid = 7;
    d.type = HV_DOM_HVM;
    d.mem_kib = 123456;
    d.target_kib = 4 * GIB;
    d.maxmem_kib = 6 * GIB;
    d.vcpus = 3;
    CPUMAP_Parse("0-1,4-7", 8, &d.hard, NULL);
    CPUMAP_Clear(&d.soft);
    d.node_affinity = 0x2;
    snprintf(d.pool, sizeof(d.pool), "admin pool");
    d.planned = true;
    REC_FormatDomain(&d, line, sizeof(line));
    ok(!REC_ParseDomain(line, 8, &back) && !memcmp(&d, &back, sizeof(d)),
       "text: a domain comes back whole (%s)", line);
    memset(&p, 0, sizeof(p));
    snprintf(p.name, sizeof(p.name), "Pool-0");
    snprintf(p.sched, sizeof(p.sched), "credit");
    CPUMAP_Parse("0-3", 8, &p.cpus, NULL);
    REC_FormatPool(&p, line, sizeof(line));
    ok(!REC_ParsePool(line, 8, &pback) && !memcmp(&p, &pback, sizeof(p)),
       "text: a pool comes back whole (%s)", line);
    REC_Init(&r);
    REC_Init(&rback);
    r.nr_cpus = 8;
    r.all_nodes = 3;
    REC_FormatHead(&r, line, sizeof(line));
    ok(!REC_ParseHead(line, &rback) && rback.nr_cpus == 8 &&
       rback.all_nodes == 3, "text: the head comes back (%s)", line);
    ok(REC_ParseDomain("name=x domid=1", 8, &back) != 0,
       "text: a domain line cut short is refused");
}

/*
 * A long pCPU list must come back whole or be refused: a list cut at a
 * fixed buffer still parses, as another list, and the way back after a
 * restart would pin to it.
 */
static void test_text_long(void)
{
    static const char cut[] = "sched=credit cpus=0-3 name=a%2\0zz";
    static char line[REC_LINE_MAX];
    rec_domain d, back;
    rec_pool p;
    char name[80];
    unsigned c;

    memset(&d, 0, sizeof(d));
    snprintf(d.name, sizeof(d.name), "wide");
    d.type = HV_DOM_PV;
    snprintf(d.pool, sizeof(d.pool), "Pool-0");
    for (c = 0; c < 512; c += 2)
        CPUMAP_Set(&d.hard, c);
    CPUMAP_Set(&d.soft, 511);
    c = (unsigned)REC_FormatDomain(&d, line, sizeof(line));
    ok(!c && !REC_ParseDomain(line, 512, &back) &&
       CPUMAP_Equal(&d.hard, &back.hard) && CPUMAP_Equal(&d.soft, &back.soft),
       "text: every other pCPU of 512 comes back whole (%zu chars)",
       strlen(line));
    for (c = 0; c < HV_MAX_CPUS; c += 2)
        CPUMAP_Set(&d.hard, c);
    ok(REC_FormatDomain(&d, line, sizeof(line)) == -1,
       "text: a pCPU list too long for a line is refused, not cut");
    CPUMAP_Clear(&d.hard);
    CPUMAP_Set(&d.hard, 0);
    ok(REC_FormatDomain(&d, line, 40) == -1,
       "text: a domain line longer than its buffer is refused");
    /* a name longer than a record's field is refused, not shortened */
    memset(name, 'n', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    snprintf(line, sizeof(line), "name=%s sched=credit cpus=0", name);
    ok(REC_ParsePool(line, 8, &p) != 0,
       "text: a name longer than HV_NAME_MAX is refused");
    /* "%2" at the end of a line: the NUL is not skipped */
    ok(!REC_ParsePool(cut, 8, &p) && !strcmp(p.name, "a%2"),
       "text: a '%%' escape cut at the end stays inside the line (%s)",
       p.name);
}

/*
 * A difference in a long pCPU list is shown cut after a whole pCPU and
 * marked, not cut mid-number (which would name pCPUs it does not have).
 */
static void test_diff_long(void)
{
    hv *h;
    rec_record r;
    rec_result res;
    xs_err err;
    xs_cpumap want;
    const rec_diff *df;
    char full[REC_MAP_MAX];
    unsigned c;
    size_t n;

    REC_Init(&r);
    REC_ResultInit(&res);
    h = HV_OpenSim(fixture, &err);
    if (!h || REC_Take(h, &r, &err) || !REC_FindDomain(&r, "web")) {
        ok(0, "diff long: set up (%s)", err.msg);
        HV_Close(h);
        return;
    }
    /* a record from a wide host: every other pCPU of 256 */
    CPUMAP_Clear(&want);
    for (c = 0; c < 256; c += 2)
        CPUMAP_Set(&want, c);
    ((rec_domain *)REC_FindDomain(&r, "web"))->hard = want;
    REC_Compare(h, &r, 1024, &res);
    df = NULL;
    for (n = 0; n < res.nr_diffs; n++)
        if (!strcmp(res.diffs[n].domain, "web") &&
            !strcmp(res.diffs[n].field, "hard affinity"))
            df = &res.diffs[n];
    CPUMAP_Format(&want, full, sizeof(full));
    n = df ? strlen(df->was) : 0;
    ok(df && n > 3 && !strcmp(df->was + n - 3, "...") &&
       !strncmp(df->was, full, n - 3) && df->was[n - 4] == ',',
       "diff long: the recorded list is cut after a whole pCPU and "
       "marked (%s)", df ? df->was : "no difference");
    REC_ResultDispose(&res);
    REC_Dispose(&r);
    HV_Close(h);
}

/*
 * A domain that fails to leave a pool the record lacks, and leaves it at
 * the next try: the pool goes and its pCPU comes back all the same.
 */
static void test_stray_pool(void)
{
    hv *h;
    rec_record r;
    rec_result res;
    rec_opts o = { .poll_ms = 10, .stuck_ms = 1000, .timeout_ms = 5000,
                   .tolerance_kib = 1024 };
    hv_domain web;
    xs_err err;
    uint32_t id;
    size_t i;

    REC_Init(&r);
    REC_ResultInit(&res);
    h = HV_OpenSim(fixture, &err);
    if (!h || REC_Take(h, &r, &err) || HV_FindDomain(h, "web", &web) ||
        HV_PoolRemoveCpu(h, PLAN_POOL0_ID, 7) ||
        HV_PoolCreate(h, "stray", "credit", &id) ||
        HV_PoolAddCpu(h, id, 7) || HV_PoolMoveDomain(h, id, web.domid)) {
        ok(0, "stray pool: set up (%s)", h ? HV_LastError(h)->msg : err.msg);
        HV_Close(h);
        return;
    }
    /* the way back's first move of web fails, its second succeeds */
    HVSIM_AddFault(h, "pool_move_domain", "web", 1, HVSIM_FAULT_FAIL);
    is_int(REC_Restore(h, &r, &o, NULL, NULL, &res), 0,
           "stray pool: the host is back as recorded");
    for (i = 0; i < res.nr_diffs; i++)
        printf("# %s: %s %s, was %s\n", res.diffs[i].domain,
               res.diffs[i].field, res.diffs[i].now, res.diffs[i].was);
    REC_ResultDispose(&res);
    REC_Dispose(&r);
    HV_Close(h);
}

/*
 * The process making the way back was killed inside the removal of
 * pCPU 7 from Pool-0 on its way to "dedicated": Xen leaves the pCPU in
 * no pool, "moving", and takes it back only into Pool-0 (cpupool.c:
 * cpupool_moving_cpu).  The recovery gives it back there and moves it
 * on, instead of asking "dedicated" to take it, which Xen refuses.
 */
static void test_moving_cpu(void)
{
    hv *h;
    rec_record r;
    rec_result res;
    rec_opts o = { .poll_ms = 10, .stuck_ms = 1000, .timeout_ms = 5000,
                   .tolerance_kib = 1024 };
    hv_pool *pools = NULL;
    const hv_pool *ded;
    size_t nr = 0;
    xs_err err;
    uint32_t id;

    REC_Init(&r);
    REC_ResultInit(&res);
    h = HV_OpenSim(fixture, &err);
    if (!h || HV_PoolRemoveCpu(h, PLAN_POOL0_ID, 7) ||
        HV_PoolCreate(h, "dedicated", "credit", &id) ||
        HV_PoolAddCpu(h, id, 7) || REC_Take(h, &r, &err) ||
        HV_PoolRemoveCpu(h, id, 7) || HV_PoolAddCpu(h, PLAN_POOL0_ID, 7)) {
        ok(0, "moving pCPU: set up (%s)",
           h ? HV_LastError(h)->msg : err.msg);
        HV_Close(h);
        return;
    }
    HVSIM_AddFault(h, "pool_remove_cpu", NULL, 1, HVSIM_FAULT_MOVING);
    ok(HV_PoolRemoveCpu(h, PLAN_POOL0_ID, 7) != 0 &&
       HV_PoolAddCpu(h, id, 7) == HV_EBUSY,
       "moving pCPU: cut short, it is in no pool and \"dedicated\" "
       "refuses it (%s)", HV_LastError(h)->msg);
    is_int(REC_Restore(h, &r, &o, NULL, NULL, &res), 0,
           "moving pCPU: the host is back as recorded");
    if (HV_ListPools(h, &pools, &nr) == 0) {
        ded = HV_PoolByName(pools, nr, "dedicated");
        ok(ded && CPUMAP_Count(&ded->cpus) == 1 &&
           CPUMAP_Test(&ded->cpus, 7),
           "moving pCPU: \"dedicated\" holds pCPU 7 again");
    } else {
        ok(0, "moving pCPU: list pools: %s", HV_LastError(h)->msg);
    }
    free(pools);
    REC_ResultDispose(&res);
    REC_Dispose(&r);
    HV_Close(h);
}

/*
 * A record line in the journal longer than a line (not written by this
 * xenshift) is refused: cut, "0,1,...,7" would be read as 0-1.
 */
static void test_journal_long_line(void)
{
    static const char tail[] = " name=p sched=credit cpus=0,1";
    static char line[REC_LINE_MAX + 64];
    rec_record r;
    xs_err err;
    size_t at;
    hv *h;

    REC_Init(&r);
    h = HV_OpenSim(fixture, &err);
    if (!h) {
        ok(0, "journal long line: set up (%s)", err.msg);
        return;
    }
    /*
     * A word this xenshift does not know (a later one's), then the
     * fields, the line's cut falling right before ",7".
     */
    at = (size_t)snprintf(line, sizeof(line), "later=");
    while (at < REC_LINE_MAX - 1 - (sizeof(tail) - 1))
        line[at++] = 'x';
    snprintf(line + at, sizeof(line) - at, "%s,7", tail);
    HV_XsWrite(h, XSP_JOURNAL "/" XSP_J_RECORD_HEAD,
               "pools=1 domains=0 cpus=8 nodes=1");
    HV_XsWrite(h, XSP_JOURNAL "/" XSP_JL_POOL "/0", line);
    is_int(JNL_ReadRecord(h, &r, &err), -1,
           "journal long line: refused, not read as pCPUs 0-1 (%s)",
           err.msg);
    REC_Dispose(&r);
    HV_Close(h);
}

/* An earlier journal's leaves do not outlive the next begin. */
static void test_journal_begin_clears(void)
{
    jnl_entry e;
    xs_err err;
    char *v = NULL;
    hv *h;

    h = HV_OpenSim(fixture, &err);
    if (!h) {
        ok(0, "journal begin: set up (%s)", err.msg);
        return;
    }
    HV_XsWrite(h, XSP_JOURNAL "/" XSP_J_CAPACITY_MS, "1200");
    HV_XsWrite(h, XSP_JOURNAL "/" XSP_J_RECORD_HEAD,
               "pools=1 domains=0 cpus=8 nodes=1");
    HV_XsWrite(h, XSP_JOURNAL "/" XSP_JL_DOMAIN "/3", "name=old");
    is_int(JNL_Begin(h, "day", "night", "r7", &err), 0, "journal begin");
    is_int(JNL_Read(h, &e, &err), 0, "journal begin: read back");
    ok(e.present && !strcmp(e.state, "running") && !strcmp(e.from, "day") &&
       !strcmp(e.to, "night") && !strcmp(e.request, "r7"),
       "journal begin: running day -> night for r7 (%s %s -> %s)", e.state,
       e.from, e.to);
    is_int((int)e.capacity_ms, -1, "journal begin: no capacity moment of "
           "the earlier journal");
    is_int(HV_XsRead(h, XSP_JOURNAL "/" XSP_J_RECORD_HEAD, &v), HV_ENOENT,
           "journal begin: no record of the earlier journal");
    free(v);
    v = NULL;
    is_int(HV_XsRead(h, XSP_JOURNAL "/" XSP_JL_DOMAIN "/3", &v), HV_ENOENT,
           "journal begin: nor its domain lines");
    free(v);
    HV_Close(h);
}

/*
 * A process killed after k changes, for every k: the record in the
 * journal brings back exactly what was (app's extra vCPU aside).
 */
static void test_recover(void)
{
    unsigned k, cases = 0, exact = 0, with_record = 0, differ = 0, said = 0;
    bool finished = false;

    for (k = 0; !finished && k < 400; k++) {
        hv *h;
        tbl_table t;
        xs_snapshot s;
        plan p;
        trn_opts o;
        trn_result res;
        exec_report rep;
        rec_record before, journalled;
        rec_result diff;
        char request[96], message[1200];
        xs_err err;
        size_t i;
        bool good = true;

        memset(&t, 0, sizeof(t));
        SNAP_Init(&s);
        PLAN_Init(&p);
        EXEC_ReportInit(&rep);
        REC_Init(&before);
        REC_Init(&journalled);
        REC_ResultInit(&diff);
        h = HV_OpenSim(fixture, &err);
        if (!h || TBL_Load(table_path, &t, &err) ||
            SNAP_Take(h, &s, &err) || PLAN_Make(&s, &t, "night", &p, &err) ||
            EXEC_Record(h, &p, &before, &err)) {
            ok(0, "recover: set up: %s", err.msg);
            return;
        }
        TRN_DefaultOpts(&o);
        o.journal = true;
        HVSIM_Crash(h, k);
        TRN_Execute(h, &t, &s, &p, &o, NULL, NULL, &rep, &res);
        finished = !HVSIM_Crashed(h);
        HVSIM_Revive(h);
        if (!JNL_ReadRecord(h, &journalled, &err) && journalled.taken)
            with_record++;
        TRN_Recover(h, &t, &o.exec, NULL, NULL, request, sizeof(request),
                    message, sizeof(message));
        if (!finished) {
            cases++;
            REC_Compare(h, &before, 4096, &diff);
            for (i = 0; i < diff.nr_diffs; i++)
                if (strcmp(diff.diffs[i].domain, "app") ||
                    strcmp(diff.diffs[i].field, "vCPUs"))
                    good = false;
            exact += good;
            if (diff.nr_diffs) {
                char *state = NULL;

                differ++;
                HV_XsRead(h, XSP_JOURNAL "/" XSP_J_STATE, &state);
                said += strstr(message, "rolled back with differences: "
                               "app: vCPUs 2") && state &&
                        !strcmp(state, "failed");
                free(state);
            }
            if (!good)
                printf("# crash after %u changes: %s\n", k, message);
        }
        REC_ResultDispose(&diff);
        REC_Dispose(&journalled);
        REC_Dispose(&before);
        EXEC_ReportDispose(&rep);
        PLAN_Dispose(&p);
        SNAP_Dispose(&s);
        TBL_Dispose(&t);
        HV_Close(h);
    }
    ok(finished, "recover: the transition ends after %u changes", k - 1);
    ok(with_record > cases / 2, "recover: %u of %u crashes left a whole "
       "record in the journal", with_record, cases);
    is_int(exact, cases, "recover: after each of %u crashes every recorded "
           "field is back (app's vCPU aside)", cases);
    ok(differ > 0 && said == differ, "recover: %u of %u recoveries that "
       "left app's vCPU said 'rolled back with differences' and kept the "
       "journal as failed", said, differ);
}

/*
 * Campaign seed 7: a failure while a balloon cycle was on its way back
 * up.  The target is already the recorded one, the pages are not: the
 * way back must wait for them, not call the guest back as it was.
 */
static void test_balloon_on_its_way(void)
{
    rec_record rec;
    rec_result res;
    rec_opts ro = { .poll_ms = 100, .stuck_ms = 5000, .timeout_ms = 60000,
                    .tolerance_kib = 1024 };
    hv_domain web;
    xs_err err;
    hv *h = HV_OpenSim(fixture, &err);

    REC_Init(&rec);
    REC_ResultInit(&res);
    if (!h || REC_Take(h, &rec, &err)) {
        printf("Bail out! %s\n", err.msg);
        exit(1);
    }
    REC_MarkPlanned(&rec, "web");
    /* down half-way, then the target back: the pages still below it */
    HV_SetTarget(h, 1, GIB / 2);
    HV_SleepMs(h, 1000);
    HV_SetTarget(h, 1, GIB);
    HV_FindDomain(h, "web", &web);
    ok(web.target_kib == GIB && web.mem_kib < GIB - 1024,
       "web's target is the recorded 1 GiB, its pages below (%llu KiB)",
       (unsigned long long)web.mem_kib);
    is_int(REC_Restore(h, &rec, &ro, NULL, NULL, &res), 0,
           "the way back: every field as recorded");
    is_int((int)res.nr_diffs, 0, "no difference named");
    HV_FindDomain(h, "web", &web);
    ok(web.mem_kib + 1024 >= GIB, "web's pages back at 1 GiB (%llu KiB)",
       (unsigned long long)web.mem_kib);
    REC_ResultDispose(&res);
    REC_Dispose(&rec);
    HV_Close(h);
}

int main(void)
{
    const char *src = getenv("top_srcdir");

    snprintf(fixture, sizeof(fixture), "%s/tests/fixtures/rec-host.json",
             src ? src : ".");
    snprintf(table_path, sizeof(table_path),
             "%s/tests/sim/data/rec-day-night.json", src ? src : ".");
    test_maxmem();
    test_node_affinity();
    test_hard_affinity();
    test_restore_fails();
    test_no_record();
    test_trn_differences();
    test_sim_node_mask();
    test_text();
    test_text_long();
    test_diff_long();
    test_stray_pool();
    test_moving_cpu();
    test_journal_long_line();
    test_journal_begin_clears();
    test_recover();
    test_balloon_on_its_way();
    return done_testing();
}
