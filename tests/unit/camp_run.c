/*
 * camp_run.c - one run of the campaign, held to the promise (see
 * camp_run.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "camp_run.h"
#include "hv_sim.h"
#include "plan.h"
#include "snapshot.h"
#include "transition.h"

const char *CRUN_FaultName(fault_kind k)
{
    static const char *const names[F_NR] = {
        "none", "fail", "vanish", "nomem", "busy", "floor", "ignores",
    };

    return k < F_NR ? names[k] : "?";
}

/* --- the promise --------------------------------------------------------- */

/*
 * The one "phase reached" predicate (REACH_Phase) on the host as
 * `xenshift status` reads it (TRN_Snapshot: placement too when the phase
 * names a node).
 */
bool CRUN_PhaseReached(hv *h, const tbl_table *t, const char *phase,
                       char *why, size_t len)
{
    reach_result rr;
    xs_snapshot s;
    xs_err err;
    bool yes = false;

    SNAP_Init(&s);
    why[0] = '\0';
    if (TRN_Snapshot(h, t, phase, &s, NULL, 0, &err))
        snprintf(why, len, "cannot read the host: %.200s", err.msg);
    else if (!(yes = REACH_Phase(&s, t, phase, &rr)))
        snprintf(why, len, "%.200s", rr.why);
    SNAP_Dispose(&s);
    return yes;
}

/* --- one run --------------------------------------------------------------- */

void CRUN_OutDispose(run_out *o)
{
    free(o->calls);
    free(o->balloons);
    memset(o, 0, sizeof(*o));
}

static void keep_balloons(const plan *p, run_out *o)
{
    size_t i, j;

    for (i = 0; i < p->nr_stages; i++) {
        for (j = 0; j < p->stages[i].nr_acts; j++) {
            const plan_action *a = &p->stages[i].acts[j];
            balloon *v;

            if (a->kind != PLAN_ACT_MEMORY || a->from_kib == a->to_kib)
                continue;
            v = realloc(o->balloons, (o->nr_balloons + 1) * sizeof(*v));
            if (!v)
                abort();
            o->balloons = v;
            snprintf(v[o->nr_balloons].dom, HV_NAME_MAX, "%s", a->domain);
            v[o->nr_balloons].from_kib = a->from_kib;
            v[o->nr_balloons].to_kib = a->to_kib;
            o->nr_balloons++;
        }
    }
}

static int arm(hv *in, const fault *f)
{
    static const hvsim_fault_kind hk[F_NR] = {
        [F_FAIL] = HVSIM_FAULT_FAIL, [F_VANISH] = HVSIM_FAULT_VANISH,
        [F_NOMEM] = HVSIM_FAULT_NOMEM, [F_BUSY] = HVSIM_FAULT_BUSY,
    };

    switch (f->kind) {
    case F_NONE:
        return 0;
    case F_FLOOR:
        return HVSIM_SetGuest(in, f->dom, f->floor_kib, false);
    case F_IGNORES:
        return HVSIM_SetGuest(in, f->dom, 0, true);
    default:
        return HVSIM_AddFault(in, f->op, f->dom[0] ? f->dom : NULL, f->nth,
                              hk[f->kind]);
    }
}

/* Check the outcome of a run that was not refused. */
static void judge(hv *in, const tbl_table *t, const char *to, int rc,
                  const exec_opts *eo,
                  const exec_report *rep, const trn_result *res,
                  const cchk_record *was, const cchk_record *now,
                  const fault *f, run_out *o)
{
    const char *gone_ok = f->kind == F_VANISH ? f->dom : NULL;
    char why[256];

    o->reached = rc == 0;
    snprintf(o->cause, sizeof(o->cause), "%s",
             rc ? (rep->cause.msg[0] ? rep->cause.msg : res->message) : "");
    if ((rc == 0) != rep->ok || (rc == 0) != (res->outcome == TRN_REACHED))
        CCHK_Bad(&o->v, CC_REPORT, "TRN_Execute returned %d, the report "
                 "says ok=%d, the outcome is %d", rc, rep->ok, res->outcome);
    if (rc && !o->cause[0])
        CCHK_Bad(&o->v, CC_REPORT, "a failed run without a cause");
    if (rc == 0 && !CRUN_PhaseReached(in, t, to, why, sizeof(why)))
        CCHK_Bad(&o->v, CC_STATUS_DENIES, "reached %s, but status says "
                 "not: %s", to, why);
    if (gone_ok) {
        const exec_dom_report *dr = EXEC_ReportFind(rep, gone_ok);
        size_t i;
        bool gone = true;

        for (i = 0; i < now->nr_doms; i++)
            gone &= strcmp(now->doms[i].name, gone_ok) != 0;
        if (gone && dr && dr->outcome != EXEC_DOM_VANISHED)
            CCHK_Bad(&o->v, CC_REPORT, "%s is gone but reported %s",
                     gone_ok, EXEC_OutcomeName(dr->outcome));
    }
    CCHK_Compare(was, now, t, to, rc != 0, gone_ok, eo->tolerance_kib, rep,
                 &o->v);
}

/*
 * When capacity is announced the host is in the phase, and XSP_PHASE
 * must say so already: a cluster's monitor reads it while the memory
 * moves go on.  (Unless the fault failed a xenstore write: the write
 * is best effort and the end of the run writes the phase again.)
 */
static void check_phase_at_capacity(const recdrv *w, const char *to,
                                    run_out *o)
{
    if (!w->capacity_seen || !strcmp(w->phase_at_capacity, to))
        return;
    if (w->fired && !strcmp(w->fire.op, "xs_write"))
        return;
    CCHK_Bad(&o->v, CC_REPORT, "capacity announced while the phase node "
             "says '%s', not '%s'", w->phase_at_capacity, to);
}

void CRUN_One(const char *state, const tbl_table *t, const char *to,
              const fault *f, const exec_opts *eo, bool keep,
              const char *save, run_out *o)
{
    cchk_record was, now;
    xs_snapshot snap;
    exec_report rep;
    trn_result res;
    trn_opts topts;
    char warn[256];
    xs_err err;
    plan p;
    recdrv *w = NULL;
    hv *in;
    int rc;

    memset(o, 0, sizeof(*o));
    CCHK_RecordInit(&was);
    CCHK_RecordInit(&now);
    SNAP_Init(&snap);
    PLAN_Init(&p);
    EXEC_ReportInit(&rep);
    memset(&res, 0, sizeof(res));
    in = HV_OpenSim(state, &err);
    if (!in) {
        CCHK_Bad(&o->v, CC_READ, "%s: %s", state, err.msg);
        goto out;
    }
    /* The record first: the faults count only the calls after arm. */
    if (CCHK_Take(in, &was) || arm(in, f)) {
        CCHK_Bad(&o->v, CC_READ, "cannot set the case up: %s",
                 HV_LastError(in)->msg);
        HV_Close(in);
        goto out;
    }
    w = RECDRV_Wrap(in, was.doms, was.nr_doms);
    ERR_Clear(&err);
    if (TRN_Snapshot(&w->base, t, to, &snap, warn, sizeof(warn), &err) ||
        PLAN_Make(&snap, t, to, &p, &err)) {
        o->refused = true;
        snprintf(o->cause, sizeof(o->cause), "%s", err.msg);
        if (!err.msg[0])
            CCHK_Bad(&o->v, CC_REPORT, "refused without a message");
    } else {
        if (keep)
            keep_balloons(&p, o);
        TRN_DefaultOpts(&topts);
        topts.exec = *eo;
        topts.journal = true;
        w->watch_phase = true;
        rc = TRN_Execute(&w->base, t, &snap, &p, &topts, RECDRV_OnEvent, w,
                         &rep, &res);
        w->rb = true;
        check_phase_at_capacity(w, to, o);
        HVSIM_ClearFaults(in);
        if (CCHK_Take(in, &now))
            CCHK_Bad(&o->v, CC_READ, "cannot read the host after the run");
        else
            judge(in, t, to, rc, eo, &rep, &res, &was, &now, f, o);
    }
    if (o->refused) {
        HVSIM_ClearFaults(in);
        if (CCHK_Take(in, &now))
            CCHK_Bad(&o->v, CC_READ, "cannot read the host after a refusal");
        else
            CCHK_Compare(&was, &now, t, to, true, NULL, eo->tolerance_kib,
                         NULL, &o->v);
    }
    o->fired = w->fired;
    /*
     * Pairs start from a phase the run reached, even when status then
     * denies it (that is found and counted on the start line already).
     */
    if (save && o->reached) {
        if (HVSIM_Save(in, save, &err))
            CCHK_Bad(&o->v, CC_READ, "cannot save the host: %s", err.msg);
        else
            o->saved = true;
    }
    if (keep) {
        o->calls = w->calls;
        o->nr_calls = w->nr_calls;
        w->calls = NULL;
    }
out:
    if (w)
        HV_Close(&w->base);
    EXEC_ReportDispose(&rep);
    PLAN_Dispose(&p);
    SNAP_Dispose(&snap);
    CCHK_RecordDispose(&was);
    CCHK_RecordDispose(&now);
}
