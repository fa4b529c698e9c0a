/*
 * test_exec_looks.c - the executor looks at the host on a grid poll_ms
 * apart from the run's start, whatever runs between two looks (issue
 * 14: xenshiftd writes a progress leaf at each step begun, ms each on
 * the bed, and its take-over's balloons were seen ending later than
 * apply's).  Fig. 9's take-over on the simulated host, plain and with a
 * runner that spends 30 ms of the host's clock at each CPU step begun
 * (at a memory step it would only start the balloon later): vm3's pin
 * begins with the balloons, between the start and the first look.
 * Between two ticks the executor looks once more only when a balloon
 * should end before the next, from the pace it showed: on a host where
 * vm2's shrink ends 50 ms after a tick, it is seen ending then, not at
 * the next tick.
 */
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "hv_sim.h"
#include "plan.h"
#include "snapshot.h"
#include "table.h"
#include "tap.h"

#define SLOW_MS 30

typedef struct looks {
    hv *h;
    unsigned slow_ms;           /* spent at each CPU step begun */
    unsigned nr_progress;
    unsigned off_grid;          /* looks (PROGRESS) off the 100 ms grid */
    uint64_t vm2_begin_ms;      /* vm2's shrink asked */
    uint64_t vm2_done_ms;       /* vm2's shrink seen done */
    uint64_t capacity_ms;
} looks;

static void on_event(void *ctx, const exec_event *ev)
{
    looks *l = ctx;

    switch (ev->kind) {
    case EXEC_EV_ACTION_BEGIN:
        if (ev->act && ev->act->kind == PLAN_ACT_MEMORY &&
            !strcmp(ev->act->domain, "vm2"))
            l->vm2_begin_ms = ev->elapsed_ms;
        if (l->slow_ms && ev->act && ev->act->kind != PLAN_ACT_MEMORY)
            HV_SleepMs(l->h, l->slow_ms);
        break;
    case EXEC_EV_PROGRESS:
        l->nr_progress++;
        if (ev->elapsed_ms % 100)
            l->off_grid++;
        break;
    case EXEC_EV_ACTION_DONE:
        if (ev->act && ev->act->kind == PLAN_ACT_MEMORY &&
            !strcmp(ev->act->domain, "vm2"))
            l->vm2_done_ms = ev->elapsed_ms;
        break;
    case EXEC_EV_CAPACITY:
        l->capacity_ms = ev->elapsed_ms;
        break;
    default:
        break;
    }
}

static int run(const char *host, unsigned slow_ms, looks *l)
{
    const char *top = getenv("top_srcdir");
    char fixture[1024], table[1024];
    tbl_table t;
    xs_snapshot s;
    exec_opts o;
    exec_report rep;
    xs_err err;
    plan p;
    int rc = -1;

    snprintf(fixture, sizeof(fixture), "%s/tests/fixtures/%s.json",
             top ? top : ".", host);
    snprintf(table, sizeof(table), "%s/examples/fig9.json", top ? top : ".");
    memset(l, 0, sizeof(*l));
    l->slow_ms = slow_ms;
    l->h = HV_OpenSim(fixture, &err);
    if (!l->h) {
        printf("# %s\n", err.msg);
        return -1;
    }
    TBL_Init(&t);
    SNAP_Init(&s);
    PLAN_Init(&p);
    EXEC_ReportInit(&rep);
    EXEC_DefaultOpts(&o);
    if (TBL_Load(table, &t, &err) || SNAP_Take(l->h, &s, &err) ||
        PLAN_Make(&s, &t, "takeover", &p, &err)) {
        printf("# %s\n", err.msg);
        goto out;
    }
    rc = EXEC_Run(l->h, &s, &p, &o, on_event, l, &rep) || !rep.ok ? -1 : 0;
out:
    EXEC_ReportDispose(&rep);
    PLAN_Dispose(&p);
    SNAP_Dispose(&s);
    TBL_Dispose(&t);
    HV_Close(l->h);
    return rc;
}

int main(void)
{
    looks plain, slow, off;
    uint64_t end;

    is_int(run("fig9-host", 0, &plain), 0, "plain: takeover reached");
    is_int(run("fig9-host", SLOW_MS, &slow), 0, "slow runner (%d ms a CPU "
           "step): takeover reached", SLOW_MS);
    ok(plain.nr_progress > 3 && slow.nr_progress > 3,
       "the balloons were looked at (%u and %u times)", plain.nr_progress,
       slow.nr_progress);
    is_int((int)plain.off_grid, 0, "plain: every look on the 100 ms grid");
    is_int((int)slow.off_grid, 0, "slow runner: every look on the grid "
           "too, not pushed back by the time spent at the steps");
    ok(plain.vm2_done_ms > 0, "plain: vm2's shrink seen done at %llu ms",
       (unsigned long long)plain.vm2_done_ms);
    is_int((int)slow.vm2_done_ms, (int)plain.vm2_done_ms,
           "slow runner: seen done at the same tick");
    ok(slow.capacity_ms >= plain.capacity_ms &&
       slow.capacity_ms < plain.capacity_ms + 100,
       "capacity: %llu ms against %llu (the steps after the balloons pay "
       "their own time, less than a look)",
       (unsigned long long)slow.capacity_ms,
       (unsigned long long)plain.capacity_ms);

    /* 384 MiB at 307 MiB/s: 1250.8 ms after it was asked */
    is_int(run("fig9-offgrid", 0, &off), 0, "vm2 at 307 MiB/s: takeover "
           "reached");
    end = off.vm2_begin_ms + 384 * 1000 / 307;
    ok(off.vm2_done_ms + 10 >= end && off.vm2_done_ms <= end + 10,
       "its shrink, ended at %llu ms, seen done at %llu ms, not at the "
       "next tick (%llu)", (unsigned long long)end,
       (unsigned long long)off.vm2_done_ms,
       (unsigned long long)((end / 100 + 1) * 100));
    ok(off.off_grid <= 2, "off the grid: %u look(s), no more than to see "
       "it end", off.off_grid);
    return done_testing();
}
