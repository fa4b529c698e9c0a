/*
 * cmd_plan.c - xenshift plan PHASE|@EVENT: the steps that would reach a
 * phase, and the preparation plan and apply share (the table loaded, an
 * event resolved, the host read, the plan made).
 */
#include <getopt.h>
#include <stdio.h>

#include "request.h"
#include "transition.h"
#include "xenshift.h"

static void unknown_phase(const xs_cli *cli, const tbl_table *t,
                          const char *phase)
{
    char names[512] = "";
    size_t i, len = 0;

    for (i = 0; i < t->nr_phases && len < sizeof(names); i++)
        len += (size_t)snprintf(names + len, sizeof(names) - len, " %s",
                                t->phases[i].name);
    OUT_Failf(cli, OUT_FAIL_PHASE, "no phase \"%s\" in %s; the phases "
              "are:%s", phase, t->path, names);
}

/*
 * "@EVENT" in *phase: the phase of t's trigger for it (*phase then
 * points into t).  Errors printed; returns 0 or -1.
 */
static int resolve_event(const xs_cli *cli, const tbl_table *t,
                         const char **phase)
{
    const tbl_phase *ph;
    xs_err err;
    req r;

    if (REQ_Parse("cli", *phase, &r, &err) || REQ_Resolve(&r, t, &err)) {
        OUT_Failf(cli, OUT_FAIL_EVENT, "%s", err.msg);
        return -1;
    }
    ph = TBL_FindPhase(t, r.phase);
    if (!ph) {
        unknown_phase(cli, t, r.phase);
        return -1;
    }
    *phase = ph->name;
    return 0;
}

/*
 * Load the table, take a snapshot, make the plan: shared by plan and
 * apply.  *phase is a phase or "@EVENT"; an event is resolved on the
 * table, and *phase then names its phase (pointing into t).  *hp is the
 * host when open already, else opened here.  prep (NULL: not timed)
 * gets the snapshot, NUMA and plan parts, and is started here when the
 * host is opened here.  finish_dead (apply): a dead transition's journal
 * is finished first.  Errors printed; returns 0 or -1.
 */
int CMD_Prepare(const xs_cli *cli, const char **phasep, tbl_table *t,
                xs_snapshot *snap, plan *p, hv **hp, trn_prep *prep,
                bool finish_dead)
{
    out_recovery dead;
    reach_result reach;
    const char *phase;
    char warn[256];
    uint64_t t0;
    xs_err err;
    int rc;

    if (CMD_LoadTable(cli, t))
        return -1;
    if ((*phasep)[0] == '@' && resolve_event(cli, t, phasep))
        return -1;
    phase = *phasep;
    if (!TBL_FindPhase(t, phase)) {
        unknown_phase(cli, t, phase);
        return -1;
    }
    if (!*hp) {
        *hp = CMD_OpenHost(cli, &err);
        if (!*hp) {
            OUT_Fail(cli, OUT_FAIL_HOST, &err, "cannot open the host");
            return -1;
        }
        if (prep)
            TRN_PrepInit(prep, *hp);
    }
    /*
     * A transition whose process died left its journal: the host is put
     * back as it recorded before planning from a host between phases
     * (apply holds the lock: the journal is no live transition's).
     */
    if (finish_dead) {
        if (CLI_Recover(cli, *hp, t, &dead))
            return -1;
        OUT_RecoveryNote(stderr, cli->progname, &dead);
    }
    if (TRN_SnapshotTimed(*hp, t, phase, snap, warn, sizeof(warn), prep,
                          &err)) {
        OUT_Fail(cli, OUT_FAIL_HOST, &err, "cannot read the host");
        return -1;
    }
    /* The planner then says where memory lies is unknown. */
    if (warn[0])
        fprintf(stderr, "%s: warning: %s\n", cli->progname, warn);
    t0 = HV_NowMs(*hp);
    rc = PLAN_Make(snap, t, phase, p, &err);
    /* In the phase already: no step, not even a memory move. */
    if (!rc && REACH_Phase(snap, t, phase, &reach) &&
        REACH_PlanInPhase(snap, t, phase, p, &err)) {
        OUT_Error(cli, &err, NULL);
        return -1;
    }
    TRN_PrepAdd(prep, *hp, TRN_PREP_PLAN, t0);
    if (rc) {
        char ctx[HV_NAME_MAX + 32];

        snprintf(ctx, sizeof(ctx), "cannot plan %s", phase);
        OUT_Fail(cli, OUT_FAIL_PLAN, &err, ctx);
        return -1;
    }
    return 0;
}

void CMD_PrintPlan(const xs_cli *cli, const xs_snapshot *snap, const hv *h,
                   const plan *p)
{
    if (cli->json) {
        OUT_PlanJson(stdout, p);
        return;
    }
    if (cli->verbose) {
        OUT_Host(stdout, snap, HV_DriverName(h));
        printf("\n");
    }
    OUT_Plan(stdout, p);
}

/* --- plan --------------------------------------------------------------- */

int CMD_Plan(xs_cli *cli, int argc, char **argv)
{
    tbl_table t;
    xs_snapshot snap;
    plan p;
    hv *h = NULL;
    const char *phase;
    int rc = CMD_SimpleOpts(cli, CMD_Find("plan"), "jvh", argc, argv, 1, 1);

    if (rc != CMD_GO_ON)
        return rc;
    phase = argv[optind];       /* or "@EVENT", as apply takes it */
    TBL_Init(&t);
    SNAP_Init(&snap);
    PLAN_Init(&p);
    rc = XS_EXIT_FAIL;
    if (CMD_Prepare(cli, &phase, &t, &snap, &p, &h, NULL, false))
        goto out;
    CMD_PrintPlan(cli, &snap, h, &p);
    rc = XS_EXIT_OK;
out:
    PLAN_Dispose(&p);
    SNAP_Dispose(&snap);
    if (CMD_CloseHost(cli, h))
        rc = XS_EXIT_FAIL;
    TBL_Dispose(&t);
    return rc;
}
