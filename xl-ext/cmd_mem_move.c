/*
 * cmd_mem_move.c - xenshift mem-move DOMAIN NODE: a running domain's
 * memory moved to a NUMA node, everything else left as it is.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lock.h"
#include "units.h"
#include "xenshift.h"

typedef struct move_args {
    plan_move_how how;
    bool has_floor;
    uint64_t floor_kib;
    bool dry_run;
    exec_opts eo;
    const char *domain;
    int node;
} move_args;

static int mem_move_opts(xs_cli *cli, const xs_cmd *self, int argc,
                         char **argv, move_args *a)
{
    static const struct option opts[] = {
        { "strategy", required_argument, NULL, 's' },
        { "floor", required_argument, NULL, 'F' },
        { "goal", required_argument, NULL, 'G' },
        { "busy-timeout", required_argument, NULL, 'B' },
        { "dry-run", no_argument, NULL, 'n' },
        { "json", no_argument, NULL, 'j' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    char why[128];
    unsigned long x;
    int opt, rc;

    EXEC_DefaultOpts(&a->eo);
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":s:njvh", opts, NULL)) != -1) {
        switch (opt) {
        case 's':
            if (!strcmp(optarg, "auto"))
                a->how = PLAN_MOVE_AUTO;
            else if (!strcmp(optarg, "direct"))
                a->how = PLAN_MOVE_DIRECT;
            else if (!strcmp(optarg, "cooperative"))
                a->how = PLAN_MOVE_COOPERATIVE;
            else
                return CMD_UsageError(cli, self, "--strategy: expected auto, "
                                      "direct or cooperative, got '%s'",
                                      optarg);
            break;
        case 'F':
            if (UNITS_ParseSize(optarg, &a->floor_kib, why, sizeof(why)))
                return CMD_UsageError(cli, self, "--floor: %s", why);
            a->has_floor = true;
            break;
        case 'G':
            if (CMD_ParseCount(optarg, 1, 100, &x))
                return CMD_UsageError(cli, self, "--goal: expected a "
                                      "percentage 1-100, got '%s'", optarg);
            a->eo.relocate_goal_pct = (unsigned)x;
            break;
        case 'B':
            rc = CMD_SecondsOpt(cli, self, "--busy-timeout", optarg,
                                &a->eo.relocate_busy_ms);
            if (rc != CMD_GO_ON)
                return rc;
            break;
        case 'n':
            a->dry_run = true;
            break;
        default:
            rc = CMD_CommonOpt(cli, self, opt, argv);
            if (rc != CMD_GO_ON)
                return rc;
        }
    }
    rc = CMD_CheckArgs(cli, self, argc, argv, 2, 2);
    if (rc != CMD_GO_ON)
        return rc;
    a->domain = argv[optind];
    if (CMD_ParseCount(argv[optind + 1], 0, HV_MAX_NODES - 1, &x))
        return CMD_UsageError(cli, self, "NODE: expected a NUMA node "
                              "number 0-%d, got '%s'", HV_MAX_NODES - 1,
                              argv[optind + 1]);
    a->node = (int)x;
    return CMD_GO_ON;
}

/*
 * The balloon floor for a cooperative move: --floor, else the table's
 * min for the domain when there is a table that names it, else three
 * quarters of what it has: a guest ballooned far below what it uses
 * runs out of memory (a small Linux guest on the test bed crashed at
 * half of its 128 MiB).
 */
static uint64_t move_floor(const xs_cli *cli, const move_args *a,
                           const hv_domain *d)
{
    const tbl_domain *td;
    tbl_table t;
    xs_err err;
    uint64_t floor = d->mem_kib / 4 * 3;

    if (a->has_floor)
        return a->floor_kib;
    TBL_Init(&t);
    if (cli->config && access(cli->config, R_OK) == 0 &&
        TBL_Load(cli->config, &t, &err) == 0) {
        td = TBL_FindDomain(&t, a->domain);
        if (td)
            floor = td->min_kib;
    }
    TBL_Dispose(&t);
    return floor;
}

/* Percent of mem_kib that is not off the node. */
static unsigned on_node_pct(uint64_t mem_kib, uint64_t off_kib)
{
    if (!mem_kib)
        return 100;
    return (unsigned)UNITS_MulDiv(mem_kib - (off_kib < mem_kib ? off_kib
                                                               : mem_kib),
                                  100, mem_kib);
}

/*
 * What the move did against what it was asked: the goal on the node
 * (exit 0), less but more than before (exit 0: the goal is soft, as in
 * apply), or nothing at all.  Nothing moved turns the report into a
 * failure (exit 1): "changed" and "reached" would not be true.
 */
static void move_verdict(const hv_domain *d, const move_args *a,
                         exec_report *rep, out_move *mv)
{
    exec_dom_report *r = rep->nr_doms ? &rep->doms[0] : NULL;
    uint64_t on = d->node_known ? d->node_mem_kib[a->node] : 0;
    uint64_t off_before = d->mem_kib - (on < d->mem_kib ? on : d->mem_kib);
    bool moved = r && r->relocated;

    memset(mv, 0, sizeof(*mv));
    mv->domain = d->name;
    mv->node = a->node;
    mv->goal_pct = a->eo.relocate_goal_pct;
    mv->known_before = d->node_known;
    mv->pct_before = on_node_pct(d->mem_kib, off_before);
    mv->pct_after = moved ? on_node_pct(r->mem_kib, r->off_node_kib)
                          : mv->pct_before;
    if (mv->pct_after >= mv->goal_pct)
        mv->verdict = OUT_MOVE_GOAL;
    else if (!d->node_known || (moved && r->off_node_kib < off_before))
        mv->verdict = OUT_MOVE_PART;
    else
        mv->verdict = OUT_MOVE_NONE;
    if (mv->verdict != OUT_MOVE_NONE)
        return;
    rep->ok = false;
    if (r)
        r->outcome = EXEC_DOM_UNCHANGED;
    ERR_Set(&rep->cause, "nothing moved: %s has %u%% of its memory on node "
            "%d, as before (goal %u%%)", d->name, mv->pct_after, a->node,
            mv->goal_pct);
}

/*
 * The domain to move, once it is one that can be moved to a node the
 * host has, and where its memory lies is known.  NULL: said why.
 */
static const hv_domain *movable_domain(const xs_cli *cli, hv *h,
                                       xs_snapshot *snap, const move_args *a)
{
    const hv_domain *d = SNAP_FindDomain(snap, a->domain);

    if (!d) {
        OUT_Failf(cli, OUT_FAIL_DOMAIN, "no domain '%s' is running",
                  a->domain);
        return NULL;
    }
    if (d->domid == 0) {
        /* Its balloon feeds the toolstack and the backends of every guest */
        OUT_Failf(cli, OUT_FAIL_PLAN, "%s is dom0: mem-move does not move "
                  "its memory (cycling dom0's balloon would starve the "
                  "toolstack and every guest's backends); place dom0 at "
                  "boot with Xen's dom0_nodes= option", d->name);
        return NULL;
    }
    if ((unsigned)a->node >= snap->host.nr_nodes) {
        OUT_Failf(cli, OUT_FAIL_PLAN, "node %d does not exist: the host has "
                  "%u node%s", a->node, snap->host.nr_nodes,
                  snap->host.nr_nodes == 1 ? "" : "s");
        return NULL;
    }
    if (HV_GetNodeMemory(h, snap->doms, snap->nr_doms)) {
        OUT_Fail(cli, OUT_FAIL_HOST, HV_LastError(h),
                 "cannot tell where memory lies");
        return NULL;
    }
    return d;
}

/* The plan of the move: -1 when there is none (said why). */
static int plan_move(const xs_cli *cli, const xs_snapshot *snap,
                     const move_args *a, const hv_domain *d, plan *p)
{
    char label[HV_NAME_MAX];
    plan_target target;
    xs_err err;

    /* Everything as it is, except where this domain's memory lies. */
    memset(&target, 0, sizeof(target));
    snprintf(target.domain, sizeof(target.domain), "%s", d->name);
    target.memory_kib = d->target_kib;
    target.floor_kib = move_floor(cli, a, d);
    target.vcpus = TBL_KEEP;
    target.node = a->node;
    target.move_how = a->how;
    target.node_goal_pct = a->eo.relocate_goal_pct;
    {
        plan_target *keep = NULL;

        if (PLAN_TargetsFromSnapshot(snap, &target, 1, &keep, &err)) {
            OUT_Fail(cli, OUT_FAIL_PLAN, &err, "cannot plan the move");
            return -1;
        }
        target.dedicated = keep[0].dedicated;
        target.pcpus = keep[0].pcpus;
        target.pcpu_count = keep[0].pcpu_count;
        free(keep);
    }
    snprintf(label, sizeof(label), "mem-move");
    if (PLAN_MakeTo(snap, &target, 1, 0, label, p, &err)) {
        OUT_Fail(cli, OUT_FAIL_PLAN, &err, "cannot move its memory");
        return -1;
    }
    return 0;
}

int CMD_MemMove(xs_cli *cli, int argc, char **argv)
{
    struct sigaction saved[CMD_NR_INTERRUPTS];
    const xs_cmd *self = CMD_Find("mem-move");
    move_args a = { .how = PLAN_MOVE_AUTO };
    const hv_domain *d;
    out_progress pg;
    out_move mv = { .verdict = OUT_MOVE_GOAL };
    bool judged = false;
    xs_snapshot snap;
    exec_report rep;
    xs_lock lock;
    plan p;
    hv *h = NULL;
    int rc;

    CMD_OutliveReader();
    rc = mem_move_opts(cli, self, argc, argv, &a);
    if (rc != CMD_GO_ON)
        return rc;
    SNAP_Init(&snap);
    PLAN_Init(&p);
    EXEC_ReportInit(&rep);
    LOCK_Init(&lock);
    OUT_ProgressInit(&pg, NULL, false, cli->verbose);
    rc = XS_EXIT_FAIL;
    if (!cli->sim && !a.dry_run &&
        CMD_TakeHostLock(cli, &lock, "xenshift-mem-move"))
        goto out;
    h = CMD_OpenSnapshot(cli, &snap);
    if (!h)
        goto out;
    d = movable_domain(cli, h, &snap, &a);
    if (!d || plan_move(cli, &snap, &a, d, &p))
        goto out;
    if (a.dry_run) {
        CMD_PrintPlan(cli, &snap, h, &p);
        rc = XS_EXIT_OK;
        goto out;
    }
    if (!cli->json)
        OUT_ProgressInit(&pg, stdout, isatty(STDOUT_FILENO), cli->verbose);
    OUT_ProgressHeader(&pg, &p);
    /* Interrupted mid-cycle: the balloon target is put back, as apply. */
    a.eo.cancel = CMD_CatchInterrupts(saved);
    rc = EXEC_Run(h, &snap, &p, &a.eo, OUT_Progress, &pg, &rep)
             ? XS_EXIT_FAIL : XS_EXIT_OK;
    CMD_RestoreInterrupts(saved);
    if (rc == XS_EXIT_OK) {
        move_verdict(d, &a, &rep, &mv);     /* d: the snapshot's, before */
        judged = true;
        if (mv.verdict == OUT_MOVE_NONE)
            rc = XS_EXIT_FAIL;
    }
    if (cli->json)
        OUT_ReportJson(stdout, &p, &rep, NULL, NULL);
    else if (judged)
        OUT_MoveReport(stdout, &p, &rep, &mv);
    else
        OUT_Report(stdout, &p, &rep, a.eo.rollback, NULL, NULL);
out:
    LOCK_Release(&lock);
    OUT_ProgressDispose(&pg);
    EXEC_ReportDispose(&rep);
    PLAN_Dispose(&p);
    SNAP_Dispose(&snap);
    if (CMD_CloseHost(cli, h))
        rc = XS_EXIT_FAIL;
    return rc;
}
