/*
 * test_daemon_calls.c - what xenshiftd adds to a take-over, in
 * hypervisor calls (issue 14: the take-over through the daemon looked
 * slower than apply's).  The same transition is run as apply runs it
 * (snapshot, plan, TRN_Execute with its journal) and requested from the
 * daemon, each on a fresh simulated host, and counted with
 * HV_TimesStart at three moments (policyd/hvcount.c): the first step,
 * capacity, the answer.  On the bed a xenstore request is ms: a change
 * that adds one per step or per look at the host shows here.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "hv_sim.h"
#include "hvcount.h"
#include "snapshot.h"
#include "tap.h"
#include "transition.h"
#include "xspath.h"

static char fixture[1024], table_path[1024];

static hv *open_host(void)
{
    xs_err err;
    hv *h = HV_OpenSim(fixture, &err);

    if (!h) {
        printf("Bail out! %s\n", err.msg);
        exit(1);
    }
    return h;
}

/* --- as apply runs it -------------------------------------------------- */

typedef struct apply_count {
    hv *h;
    hvc_count hvc;
    unsigned steps;             /* forward steps begun */
} apply_count;

static void apply_event(void *ctx, const exec_event *ev)
{
    apply_count *a = ctx;

    if (ev->kind == EXEC_EV_ACTION_BEGIN && ev->act && !ev->rolling_back) {
        a->steps++;
        HVC_Mark(&a->hvc, a->h, HVC_FIRST_STEP);
    } else if (ev->kind == EXEC_EV_CAPACITY) {
        HVC_Mark(&a->hvc, a->h, HVC_CAPACITY);
    }
}

static int run_as_apply(const char *phase, apply_count *a)
{
    tbl_table t;
    xs_snapshot s;
    plan p;
    trn_opts o;
    trn_result res;
    exec_report rep;
    xs_err err;
    char warn[256];
    int rc = -1;

    memset(a, 0, sizeof(*a));
    a->h = open_host();
    TBL_Init(&t);
    SNAP_Init(&s);
    PLAN_Init(&p);
    EXEC_ReportInit(&rep);
    TRN_DefaultOpts(&o);
    o.journal = true;
    if (TBL_Load(table_path, &t, &err)) {
        printf("# table: %s\n", err.msg);
        goto out;
    }
    HV_TimesStart(a->h);
    HVC_Begin(&a->hvc, a->h);
    if (TRN_SnapshotTimed(a->h, &t, phase, &s, warn, sizeof(warn), NULL,
                          &err) || PLAN_Make(&s, &t, phase, &p, &err)) {
        printf("# prepare: %s\n", err.msg);
        goto out;
    }
    rc = TRN_Execute(a->h, &t, &s, &p, &o, apply_event, a, &rep, &res);
    HVC_Mark(&a->hvc, a->h, HVC_ANSWERED);
out:
    EXEC_ReportDispose(&rep);
    PLAN_Dispose(&p);
    SNAP_Dispose(&s);
    TBL_Dispose(&t);
    HV_Close(a->h);
    return rc;
}

/* --- requested from the daemon ----------------------------------------- */

/* As xenshiftd's loop does at each event: the watch, when it fired. */
static void poll_watch(void *ctx, dmn *d)
{
    hv *h = ctx;
    struct pollfd p = { .fd = HV_XsWatchFd(h), .events = POLLIN };

    if (p.fd >= 0 && poll(&p, 1, 0) == 1)
        DMN_HandleWatch(d);
}

static int run_by_daemon(const char *phase, dlog *log, hvc_count *out,
                         char *state, size_t len)
{
    hv *h = open_host();
    dmn_config c;
    xs_err err;
    dmn d;
    char *v = NULL;
    int rc = -1;

    memset(&c, 0, sizeof(c));
    c.table_path = table_path;
    HOOK_DefaultOpts(&c.hooks);
    EXEC_DefaultOpts(&c.exec);
    c.poll = poll_watch;
    c.poll_ctx = h;
    if (DMN_Init(&d, h, log, &c, &err) || DMN_Start(&d, &err) < 0) {
        printf("# daemon: %s\n", err.msg);
        goto out;
    }
    /*
     * Xen's xenstore keeps the directory when its last request is taken
     * off (the simulated one has no empty nodes): the watch's look at
     * our own taking-off then lists an empty directory, as on the bed.
     */
    HV_XsWrite(h, XSP_REQUEST, "");
    DMN_HandleWatch(&d);        /* the watch's first firing, when set */
    HV_TimesStart(h);
    HV_XsWrite(h, XSP_REQUEST "/0001-calls", phase);
    DMN_HandleWatch(&d);
    DMN_RunQueue(&d);
    *out = d.hvc;
    HV_XsRead(h, XSP_ANSWER "/0001-calls/state", &v);
    snprintf(state, len, "%s", v ? v : "");
    free(v);
    rc = 0;
out:
    DMN_Dispose(&d);
    HV_Close(h);
    return rc;
}

/* --- the difference ---------------------------------------------------- */

/* Calls (or changes) made between two moments. */
static size_t between(const size_t *v, hvc_mark from, hvc_mark to)
{
    return v[to] - v[from];
}

static void test_takeover(dlog *log)
{
    apply_count a;
    hvc_count d;
    char state[32];
    size_t i;

    is_int(run_as_apply("takeover", &a), 0, "as apply: takeover reached");
    if (run_by_daemon("takeover", log, &d, state, sizeof(state))) {
        ok(0, "by the daemon: started");
        return;
    }
    is_str(state, "done", "by the daemon: the request is answered done");
    for (i = 0; i < HVC_NR_MARKS; i++)
        ok(a.hvc.set[i] && d.set[i], "both counted moment %zu", i);
    ok(d.calls[HVC_FIRST_STEP] < d.calls[HVC_CAPACITY] &&
       d.calls[HVC_CAPACITY] < d.calls[HVC_ANSWERED],
       "the daemon's moments in order (%zu, %zu, %zu calls)",
       d.calls[HVC_FIRST_STEP], d.calls[HVC_CAPACITY],
       d.calls[HVC_ANSWERED]);
    ok(a.steps >= 4, "the take-over has %u steps", a.steps);

    /*
     * From the first step to capacity the daemon adds its progress leaf
     * per step (answer/ID/progress) and nothing else: no look at the
     * host, no other xenstore request.
     */
    is_int((int)between(d.calls, HVC_FIRST_STEP, HVC_CAPACITY),
           (int)(between(a.hvc.calls, HVC_FIRST_STEP, HVC_CAPACITY) +
                 a.steps),
           "first step -> capacity: apply's calls and one progress write a "
           "step (apply %zu, %u steps)",
           between(a.hvc.calls, HVC_FIRST_STEP, HVC_CAPACITY),
           a.steps);
    is_int((int)between(d.writes, HVC_FIRST_STEP, HVC_CAPACITY),
           (int)(between(a.hvc.writes, HVC_FIRST_STEP,
                         HVC_CAPACITY) + a.steps),
           "first step -> capacity: of them xenstore changes, apply's and "
           "a step's progress");

    /*
     * Before the first step, the request itself: the watch's listing,
     * the request read and taken off (3), the answer queued and running
     * (phase, message, time, state: 4 each), one listing of the answers
     * to prune them.  Our own taking-off fires the watch again: that
     * look lists the requests, and finding none, prunes nothing.
     */
    is_int((int)d.calls[HVC_FIRST_STEP],
           (int)(a.hvc.calls[HVC_FIRST_STEP] + 3 + 4 + 1 + 4 + 1),
           "request -> first step: apply's and the request's 13 (daemon %zu, "
           "apply %zu)", d.calls[HVC_FIRST_STEP],
           a.hvc.calls[HVC_FIRST_STEP]);
    is_int((int)d.writes[HVC_FIRST_STEP],
           (int)(a.hvc.writes[HVC_FIRST_STEP] + 1 + 4 + 4),
           "of them xenstore changes: apply's, the taking-off and two "
           "answers");

    /*
     * After capacity: capacity-ms and placement-ms, then the answer's
     * phase, message, ended-at and state.
     */
    is_int((int)between(d.writes, HVC_CAPACITY, HVC_ANSWERED),
           (int)(between(a.hvc.writes, HVC_CAPACITY, HVC_ANSWERED) +
                 2 + 4),
           "capacity -> answer: apply's xenstore changes, the two moments "
           "and the answer");
}

/* Without the host's times started nothing is counted, nothing logged. */
static void test_off(void)
{
    hv *h = open_host();
    hvc_count c;

    HVC_Begin(&c, h);
    HVC_Mark(&c, h, HVC_FIRST_STEP);
    ok(!c.on && !c.set[HVC_FIRST_STEP], "not counting without "
       "HV_TimesStart");
    HV_Close(h);
}

int main(void)
{
    const char *src = getenv("top_srcdir");
    dlog log;

    snprintf(fixture, sizeof(fixture), "%s/tests/fixtures/fig9-host.json",
             src ? src : ".");
    snprintf(table_path, sizeof(table_path), "%s/examples/fig9.json",
             src ? src : ".");
    LOG_Init(&log, "test_daemon_calls", true, 0);
    test_takeover(&log);
    test_off();
    return done_testing();
}
