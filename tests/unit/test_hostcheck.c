/*
 * test_hostcheck.c - what `check` finds before `plan` refuses: the host
 * modelled after a plan, every phase and pair of phases, and triggers
 * that never fire or fire at the same minute (hostcheck.c).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hostcheck.h"
#include "snapbuild.h"
#include "tap.h"

#define MIB 1024ULL
/* Tuesday 2025-11-25 08:00 UTC: the simulated host's default clock. */
#define T0 ((time_t)1764057600)

static const char *fmt(const xs_cpumap *m)
{
    static char buf[8][128];
    static int n;

    return CPUMAP_Format(m, buf[n++ % 8], sizeof(buf[0]));
}

static hv_domain *add_dom(xs_snapshot *s, uint32_t domid, const char *name,
                          hv_dom_type type, uint64_t mem_mib,
                          const char *hard)
{
    hv_domain *d;

    s->doms = realloc(s->doms, (s->nr_doms + 1) * sizeof(*s->doms));
    d = &s->doms[s->nr_doms++];
    memset(d, 0, sizeof(*d));
    d->domid = domid;
    snprintf(d->name, sizeof(d->name), "%s", name);
    d->type = type;
    d->mem_kib = d->target_kib = d->maxmem_kib = mem_mib * MIB;
    d->static_max_kib = 4096 * MIB;
    d->vcpus_online = 2;
    d->vcpus_max = 4;
    d->hard_affinity = TSNAP_Map(hard);
    CPUMAP_Fill(&d->soft_affinity, 8);
    s->pools[0].nr_domains++;
    return d;
}

/* 8 pCPUs on 2 nodes, everything in Pool-0; "guest" is pinned to 6-7. */
static void snap_host(xs_snapshot *s)
{
    unsigned i;

    SNAP_Init(s);
    s->host.nr_cpus = 8;
    s->host.nr_nodes = 2;
    for (i = 0; i < HV_MAX_CPUS; i++)
        s->host.cpu_to_node[i] = i < 8 ? (int)(i / 4) : HV_NO_NODE;
    s->host.total_kib = 8192 * MIB;
    s->host.free_kib = 2048 * MIB;
    s->pools = calloc(1, sizeof(*s->pools));
    s->nr_pools = 1;
    snprintf(s->pools[0].name, sizeof(s->pools[0].name), "Pool-0");
    snprintf(s->pools[0].sched, sizeof(s->pools[0].sched), "credit2");
    s->pools[0].cpus = TSNAP_Map("0-7");
    add_dom(s, 0, "Domain-0", HV_DOM_PV, 2048, "0-7");
    add_dom(s, 1, "web", HV_DOM_PVH, 1024, "0-7");
    add_dom(s, 2, "db", HV_DOM_HVM, 2048, "0-7");
    add_dom(s, 5, "guest", HV_DOM_HVM, 512, "6-7");
}

static int parse(const char *text, tbl_table *t)
{
    xs_err err;
    int rc;

    TBL_Init(t);
    rc = TBL_Parse("t.json", text, strlen(text), t, &err);
    if (rc)
        printf("# %s\n", err.msg);
    return rc;
}

static const hv_domain *dom(const xs_snapshot *s, const char *name)
{
    return SNAP_FindDomain(s, name);
}

static void test_snapshot_after(void)
{
    static const char text[] =
        "{\"host\": {\"move_unnamed\": true},"
        " \"domains\": {\"web\": {}, \"db\": {}},"
        " \"phases\": {"
        "  \"day\": {\"web\": {\"memory\": 1024},"
        "          \"db\": {\"memory\": 2048, \"vcpus\": 2}},"
        "  \"peak\": {\"web\": {\"memory\": 512, \"vcpus\": 1},"
        "           \"db\": {\"memory\": 2560, \"vcpus\": 3,"
        "                  \"cpus\": \"dedicated\", \"pcpus\": 2}}}}";
    xs_snapshot s, after, back;
    const hv_pool *pool;
    const hv_domain *d;
    tbl_table t;
    plan p;
    xs_err err;
    int rc;

    PLAN_Init(&p);
    SNAP_Init(&after);
    SNAP_Init(&back);
    snap_host(&s);
    if (!ok(parse(text, &t) == 0, "table parses"))
        return;
    rc = PLAN_Make(&s, &t, "peak", &p, &err);
    is_int(rc, 0, "peak planned (%s)", rc ? err.msg : "");
    rc = HCHK_SnapshotAfter(&s, &p, &after, &err);
    is_int(rc, 0, "snapshot after peak");
    d = dom(&after, "db");
    pool = d ? SNAP_FindPool(&after, d->pool) : NULL;
    ok(pool && !strcmp(pool->name, "xenshift-db"), "db is in its own pool");
    ok(pool && !strcmp(fmt(&pool->cpus), "6-7"), "which has pCPUs 6-7 (%s)",
       pool ? fmt(&pool->cpus) : "-");
    is_int(pool ? pool->nr_domains : 0, 1, "one domain in it");
    is_int(d ? d->mem_kib : 0, 2560 * MIB, "db's memory after");
    is_int(d ? d->target_kib : 0, 2560 * MIB, "db's target after");
    is_int(d ? d->vcpus_online : 0, 3, "db's vCPUs after");
    d = dom(&after, "web");
    is_int(d ? d->mem_kib : 0, 512 * MIB, "web's memory after");
    is_int(d ? d->vcpus_online : 0, 1, "web's vCPUs after");
    is_str(d ? fmt(&d->hard_affinity) : "-", "0-5", "web pinned");
    pool = SNAP_FindPool(&after, 0);
    is_str(pool ? fmt(&pool->cpus) : "-", "0-5", "Pool-0 gave 6-7");
    is_int(after.host.free_kib, 2048 * MIB, "free: -512 +512 MiB");
    is_str(fmt(&dom(&after, "guest")->hard_affinity), "0-5",
           "the unnamed guest has its pin step (move_unnamed)");
    is_str(fmt(&dom(&s, "guest")->hard_affinity), "6-7",
           "(it was on 6-7)");
    is_str(fmt(&dom(&s, "db")->hard_affinity), "0-7",
           "the snapshot before is not changed");

    /* The model agrees with the planner: peak from after peak is a no-op. */
    rc = PLAN_Make(&after, &t, "peak", &p, &err);
    ok(rc == 0 && p.nr_stages == 0, "after peak, peak has nothing to do");
    /* And back to day: the pool goes, Pool-0 has every pCPU again. */
    rc = PLAN_Make(&after, &t, "day", &p, &err);
    is_int(rc, -1, "day from peak: db is HVM, 3 vCPUs cannot go back...");
    ok(strstr(err.msg, "db is an HVM guest: Xen cannot unplug its vCPUs "
              "(3 -> 2)") != NULL, "...with the planner's reason");
    after.doms[2].type = HV_DOM_PVH;
    rc = PLAN_Make(&after, &t, "day", &p, &err);
    is_int(rc, 0, "day from peak with db as PVH (%s)", rc ? err.msg : "");
    rc = HCHK_SnapshotAfter(&after, &p, &back, &err);
    is_int(back.nr_pools, 1, "the pool is gone");
    is_str(fmt(&SNAP_FindPool(&back, 0)->cpus), "0-7", "Pool-0 has 0-7");
    is_int(dom(&back, "db")->pool, 0, "db is back in Pool-0");
    rc = PLAN_Make(&back, &t, "day", &p, &err);
    ok(rc == 0 && p.nr_stages == 0, "after day, day has nothing to do");
    PLAN_Dispose(&p);
    SNAP_Dispose(&s);
    SNAP_Dispose(&after);
    SNAP_Dispose(&back);
    TBL_Dispose(&t);
}

static void test_check_host(void)
{
    /* db (HVM) rises 2 -> 3 -> 4 vCPUs; peak takes 6-7 from "guest". */
    static const char oneway[] =
        "{\"domains\": {\"web\": {}, \"db\": {}},"
        " \"phases\": {"
        "  \"day\": {\"db\": {\"memory\": 2048, \"vcpus\": 2}},"
        "  \"night\": {\"db\": {\"memory\": 2048, \"vcpus\": 3}},"
        "  \"peak\": {\"db\": {\"memory\": 2048, \"vcpus\": 4}}}}";
    static const char pinned[] =
        "{\"domains\": {\"web\": {}, \"db\": {}},"
        " \"phases\": {"
        "  \"day\": {\"db\": {\"memory\": 2048}},"
        "  \"peak\": {\"db\": {\"memory\": 2048, \"cpus\": \"dedicated\","
        "           \"pcpus\": \"6-7\"}}}}";
    hchk_report r;
    xs_snapshot s;
    tbl_table t;
    xs_err err;

    snap_host(&s);
    HCHK_Init(&r);
    parse(oneway, &t);
    is_int(HCHK_CheckHost(&s, &t, &r, &err), 0, "one-way: checked");
    is_int(r.nr_errors, 3, "three pairs cannot go back");
    is_int(r.nr_warnings, 0, "no warnings");
    ok(r.nr == 3 && r.v[0].kind == HCHK_PAIR &&
       !strcmp(r.v[0].from, "night") && !strcmp(r.v[0].phase, "day"),
       "night -> day first");
    is_str(r.nr ? r.v[0].msg : "", "phase \"day\" cannot be reached from "
           "phase \"night\": db is an HVM guest: Xen cannot unplug its "
           "vCPUs (3 -> 2)", "its message");
    ok(r.nr == 3 && !strcmp(r.v[1].from, "peak") &&
       !strcmp(r.v[1].phase, "day") && !strcmp(r.v[2].from, "peak") &&
       !strcmp(r.v[2].phase, "night"), "peak -> day, peak -> night");
    TBL_Dispose(&t);
    HCHK_Dispose(&r);

    parse(pinned, &t);
    is_int(HCHK_CheckHost(&s, &t, &r, &err), 0, "pinned: checked");
    is_int(r.nr_errors, 2, "peak from the host, and from day");
    ok(r.nr == 2 && r.v[0].kind == HCHK_PHASE &&
       !strcmp(r.v[0].phase, "peak"), "the phase first");
    is_str(r.nr ? r.v[0].msg : "", "phase \"peak\" cannot be planned from "
           "the host as it is: guest is not named by phase peak and is "
           "pinned to pCPUs 6-7; the phase takes pCPUs 6-7 of them from "
           "Pool-0: re-pin it, or allow xenshift to with \"move_unnamed\": "
           "true in the table's \"host\"", "names guest and its pCPUs");
    ok(r.nr == 2 && r.v[1].kind == HCHK_PAIR &&
       !strcmp(r.v[1].from, "day"), "then day -> peak");
    HCHK_Dispose(&r);
    t.move_unnamed = true;
    is_int(HCHK_CheckHost(&s, &t, &r, &err), 0, "move_unnamed: checked");
    is_int(r.nr, 0, "move_unnamed: nothing refused");
    TBL_Dispose(&t);
    HCHK_Dispose(&r);
    SNAP_Dispose(&s);
}

static void triggers(const char *trig, hchk_report *r)
{
    char text[1024];
    tbl_table t;
    xs_err err;

    snprintf(text, sizeof(text), "{\"domains\": {\"web\": {}}, \"phases\": "
             "{\"a\": {\"web\": {\"memory\": 64}}, \"b\": {\"web\": "
             "{\"memory\": 64}}}, \"triggers\": [%s]}", trig);
    HCHK_Init(r);
    if (parse(text, &t))
        return;
    if (HCHK_CheckTriggers(&t, T0, r, &err))
        printf("# %s\n", err.msg);
    TBL_Dispose(&t);
}

static void test_triggers(void)
{
    hchk_report r;
    clock_t c0;

    setenv("TZ", "UTC", 1);
    tzset();
    triggers("{\"phase\": \"a\", \"at\": \"0 0 30 2 *\"},"
             "{\"phase\": \"b\", \"at\": \"0 0 * * *\"}", &r);
    is_int(r.nr_errors, 1, "Feb 30: one error");
    ok(r.nr == 1 && r.v[0].kind == HCHK_TRIGGER_NEVER &&
       !strcmp(r.v[0].phase, "a") && r.v[0].pos.line == 1,
       "the never trigger, with its position");
    is_str(r.nr ? r.v[0].msg : "", "trigger for phase \"a\": \"at\" \"0 0 30 "
           "2 *\" matches no time (it never fires)", "its message");
    HCHK_Dispose(&r);

    triggers("{\"phase\": \"a\", \"at\": \"0 8 * * *\"},"
             "{\"phase\": \"b\", \"at\": \"0 8 * * 1-5\"}", &r);
    is_int(r.nr_errors, 0, "clash: no error");
    is_int(r.nr_warnings, 1, "clash: a warning");
    /* T0 is 08:00 itself: strictly after it, Wednesday 08:00. */
    is_int(r.nr ? r.v[0].when : 0, T0 + 24 * 3600, "first shared minute");
    ok(r.nr && !strcmp(r.v[0].other, "b"), "names the other phase");
    ok(r.nr && strstr(r.v[0].msg, "first at 2025-11-26 08:00 UTC"),
       "says when (%s)", r.nr ? r.v[0].msg : "");
    HCHK_Dispose(&r);

    /* 20:00 on the 1st vs Saturdays: 2026-08-01 is the first Saturday 1st. */
    triggers("{\"phase\": \"a\", \"at\": \"0 20 1 * *\"},"
             "{\"phase\": \"b\", \"at\": \"0 20 * * sat\"}", &r);
    ok(r.nr == 1 && r.v[0].when == (time_t)1785614400,
       "a 1st that is a Saturday, 250 days ahead");
    HCHK_Dispose(&r);

    /* Beyond 366 days: not reported. */
    triggers("{\"phase\": \"a\", \"at\": \"0 20 29 2 *\"},"
             "{\"phase\": \"b\", \"at\": \"0 20 * * *\"}", &r);
    is_int(r.nr, 0, "Feb 29 2028 is beyond the horizon");
    HCHK_Dispose(&r);

    /* Same phase twice, events, disjoint times: nothing. */
    triggers("{\"phase\": \"a\", \"at\": \"0 8 * * *\"},"
             "{\"phase\": \"a\", \"at\": \"0 8 * * 1\"},"
             "{\"phase\": \"b\", \"on\": \"failover\"},"
             "{\"phase\": \"b\", \"at\": \"1 8 * * *\"}", &r);
    is_int(r.nr, 0, "same phase, an event, another minute: no finding");
    HCHK_Dispose(&r);

    /* Interleaved every other minute, and same time on other weekdays:
     * no clash, found without walking every minute of the year. */
    c0 = clock();
    triggers("{\"phase\": \"a\", \"at\": \"*/2 * * * *\"},"
             "{\"phase\": \"b\", \"at\": \"1-59/2 * * * *\"}", &r);
    is_int(r.nr, 0, "every other minute: no clash");
    HCHK_Dispose(&r);
    triggers("{\"phase\": \"a\", \"at\": \"* * * * 1\"},"
             "{\"phase\": \"b\", \"at\": \"* * * * 2\"}", &r);
    is_int(r.nr, 0, "every minute of other weekdays: no clash");
    ok(clock() - c0 < 2 * CLOCKS_PER_SEC, "and quickly (%ld ms)",
       (long)((clock() - c0) * 1000 / CLOCKS_PER_SEC));
    HCHK_Dispose(&r);
}

int main(void)
{
    test_snapshot_after();
    test_check_host();
    test_triggers();
    return done_testing();
}
