/*
 * test_prepare.c - the time before the first step (trn_prep): each part
 * as HV_NowMs sees it, and the record of the host before the first
 * change made from the snapshot unless a pre hook ran (issue 14).
 *
 * The recording driver (recdrv.c) wraps the simulated host; its tag
 * hook makes every read cost virtual time (get_host 1 ms, list_pools
 * 10, list_domains 100, xs_write 1000), so each part's ms says which
 * calls it made.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recdrv.h"
#include "record.h"
#include "tap.h"
#include "transition.h"

static char src[1024];

static int cost(void *ctx, bool has_dom, uint32_t domid)
{
    recdrv *r = ctx;
    const char *op = r->calls[r->nr_calls].op;     /* the one logged now */
    unsigned ms = !strcmp(op, "get_host") ? 1 :
                  !strcmp(op, "list_pools") ? 10 :
                  !strcmp(op, "list_domains") ? 100 :
                  !strcmp(op, "xs_write") ? 1000 : 0;

    (void)has_dom;
    (void)domid;
    if (ms)
        HV_SleepMs(r->in, ms);
    return -1;
}

static recdrv *open_host(void)
{
    hv_domain none;
    char path[1200];
    xs_err err;
    recdrv *w;
    hv *in;

    snprintf(path, sizeof(path), "%s/tests/fixtures/fig9-host.json", src);
    in = HV_OpenSim(path, &err);
    if (!in) {
        printf("Bail out! %s: %s\n", path, err.msg);
        exit(1);
    }
    memset(&none, 0, sizeof(none));
    w = RECDRV_Wrap(in, &none, 0);
    w->hooks.tag = cost;
    w->hooks.ctx = w;
    return w;
}

static size_t count(const recdrv *w, size_t from, const char *op)
{
    size_t i, n = 0;

    for (i = from; i < w->nr_calls; i++)
        if (!strcmp(w->calls[i].op, op))
            n++;
    return n;
}

/* The first call that changes a domain or cpupool (not xenstore). */
static size_t first_change(const recdrv *w)
{
    size_t i;

    for (i = 0; i < w->nr_calls; i++)
        if (w->calls[i].change && strncmp(w->calls[i].op, "xs_", 3))
            return i;
    return w->nr_calls;
}

/* One apply of takeover, timed; hooks_dir NULL: no hooks. */
static void run(const char *what, const char *hooks_dir, bool hook_runs)
{
    recdrv *w = open_host();
    hv *h = &w->base;
    char path[1200];
    hook_opts ho;
    tbl_table t;
    xs_snapshot snap;
    exec_report rep;
    trn_result res;
    trn_prep prep;
    trn_opts o;
    plan p;
    xs_err err;
    size_t at, sum = 0, writes;
    int i;

    TBL_Init(&t);
    SNAP_Init(&snap);
    PLAN_Init(&p);
    EXEC_ReportInit(&rep);
    snprintf(path, sizeof(path), "%s/examples/fig9.json", src);
    if (TBL_Load(path, &t, &err)) {
        ok(0, "%s: table: %s", what, err.msg);
        goto out;
    }
    TRN_PrepInit(&prep, h);
    if (TRN_SnapshotTimed(h, &t, "takeover", &snap, NULL, 0, &prep, &err) ||
        PLAN_Make(&snap, &t, "takeover", &p, &err)) {
        ok(0, "%s: snapshot and plan: %s", what, err.msg);
        goto out;
    }
    is_int(prep.ms[TRN_PREP_SNAPSHOT], 111,
           "%s: the snapshot is one get_host, list_pools, list_domains",
           what);
    ok(!prep.done[TRN_PREP_NUMA], "%s: no NUMA reading for a phase "
       "without a node", what);
    at = w->nr_calls;
    TRN_DefaultOpts(&o);
    o.journal = true;
    o.prep = &prep;
    if (hooks_dir) {
        HOOK_DefaultOpts(&ho);
        ho.dir = hooks_dir;
        o.hooks = &ho;
    }
    is_int(TRN_Execute(h, &t, &snap, &p, &o, NULL, NULL, &rep, &res), 0,
           "%s: takeover reached", what);
    /* the record: read again only when a hook may have changed the host */
    is_int(count(w, at, "list_domains") - count(w, first_change(w),
                                                "list_domains"),
           hook_runs ? 1 : 0, "%s: host reads before the first change",
           what);
    ok(prep.done[TRN_PREP_RECORD], "%s: the record is timed", what);
    is_int(prep.ms[TRN_PREP_RECORD], hook_runs ? 111 : 0,
           "%s: the record's time is its reads", what);
    ok(prep.done[TRN_PREP_HOOKS] == (hooks_dir != NULL),
       "%s: hooks timed only when run", what);
    writes = count(w, at, "xs_write") - count(w, first_change(w),
                                              "xs_write");
    ok(writes > 1, "%s: the journal wrote before the first change", what);
    /* the last of them is the first step's line, once the executor runs */
    is_int(prep.ms[TRN_PREP_JOURNAL], 1000 * (writes - 1),
           "%s: the journal's time is its %zu writes", what, writes - 1);
    for (i = 0; i < TRN_PREP_NR; i++)
        sum += prep.done[i] ? prep.ms[i] : 0;
    is_int(prep.total_ms, sum, "%s: the total is the sum of the parts",
           what);
out:
    EXEC_ReportDispose(&rep);
    PLAN_Dispose(&p);
    SNAP_Dispose(&snap);
    TBL_Dispose(&t);
    HV_Close(h);
}

/* REC_FromHost on the snapshot is what REC_Take reads. */
static void record_from_snapshot(void)
{
    recdrv *w = open_host();
    hv *h = &w->base;
    rec_record a, b;
    xs_snapshot s;
    xs_err err;
    size_t i;

    REC_Init(&a);
    REC_Init(&b);
    SNAP_Init(&s);
    if (SNAP_Take(h, &s, &err) || REC_Take(h, &a, &err) ||
        REC_FromHost(&b, &s.host, s.pools, s.nr_pools, s.doms, s.nr_doms,
                     &err)) {
        ok(0, "record: %s", err.msg);
        goto out;
    }
    ok(b.taken && b.nr_doms == a.nr_doms && b.nr_pools == a.nr_pools &&
       b.nr_cpus == a.nr_cpus && b.all_nodes == a.all_nodes,
       "record from the snapshot: %zu domains, %zu cpupools", b.nr_doms,
       b.nr_pools);
    for (i = 0; i < a.nr_doms && i < b.nr_doms; i++)
        ok(!memcmp(&a.doms[i], &b.doms[i], sizeof(a.doms[i])),
           "record from the snapshot: %s as read again", a.doms[i].name);
    for (i = 0; i < a.nr_pools && i < b.nr_pools; i++)
        ok(!memcmp(&a.pools[i], &b.pools[i], sizeof(a.pools[i])),
           "record from the snapshot: cpupool %s as read again",
           a.pools[i].name);
out:
    SNAP_Dispose(&s);
    REC_Dispose(&a);
    REC_Dispose(&b);
    HV_Close(h);
}

int main(void)
{
    const char *top = getenv("top_srcdir");
    char dir[] = "/tmp/xenshift-test-prepare.XXXXXX", hook[1200],
         empty[1200];
    FILE *f;

    snprintf(src, sizeof(src), "%s", top ? top : ".");
    record_from_snapshot();
    run("without hooks", NULL, false);
    if (!mkdtemp(dir)) {
        ok(0, "mkdtemp");
        return done_testing();
    }
    /* a hooks directory without hooks: nothing ran, the snapshot serves */
    snprintf(empty, sizeof(empty), "%s/empty", dir);
    mkdir(empty, 0755);
    run("an empty hooks directory", empty, false);
    snprintf(hook, sizeof(hook), "%s/10-ok", dir);
    f = fopen(hook, "w");
    if (f) {
        fprintf(f, "#!/bin/sh\nexit 0\n");
        fclose(f);
        chmod(hook, 0755);
    }
    run("with a hook", dir, true);
    unlink(hook);
    rmdir(empty);
    rmdir(dir);
    return done_testing();
}
