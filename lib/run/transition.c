/*
 * transition.c - hooks, journal and executor around one plan.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "transition.h"
#include "xspath.h"

void TRN_DefaultOpts(trn_opts *o)
{
    memset(o, 0, sizeof(*o));
    EXEC_DefaultOpts(&o->exec);
}

void TRN_PrepInit(trn_prep *pp, hv *h)
{
    memset(pp, 0, sizeof(*pp));
    pp->start_ms = HV_NowMs(h);
}

void TRN_PrepAdd(trn_prep *pp, hv *h, trn_prep_part part, uint64_t since_ms)
{
    if (!pp || (unsigned)part >= TRN_PREP_NR)
        return;
    pp->done[part] = true;
    pp->ms[part] += HV_NowMs(h) - since_ms;
}

const char *TRN_PrepPartName(trn_prep_part part)
{
    static const char *const names[TRN_PREP_NR] = {
        "lock", "snapshot", "numa", "plan", "hooks", "record", "journal",
    };

    return (unsigned)part < TRN_PREP_NR ? names[part] : "?";
}

const char *TRN_PrepText(const trn_prep *pp, char *buf, size_t len)
{
    const char *sep = ":";
    size_t at;
    int i;

    at = (size_t)snprintf(buf, len, "prepared in %" PRIu64 " ms",
                          pp->total_ms);
    for (i = 0; i < TRN_PREP_NR && at < len; i++) {
        if (!pp->done[i])
            continue;
        at += (size_t)snprintf(buf + at, len - at, "%s %s %" PRIu64, sep,
                               TRN_PrepPartName((trn_prep_part)i),
                               pp->ms[i]);
        sep = ",";
    }
    return buf;
}

int TRN_SnapshotTimed(hv *h, const tbl_table *t, const char *phase,
                      xs_snapshot *snap, char *warn, size_t warnlen,
                      trn_prep *prep, xs_err *err)
{
    uint64_t t0 = HV_NowMs(h);
    int rc;

    if (warn && warnlen)
        warn[0] = '\0';
    rc = SNAP_Take(h, snap, err);
    TRN_PrepAdd(prep, h, TRN_PREP_SNAPSHOT, t0);
    if (rc)
        return -1;
    if (snap->host.nr_nodes > 1 && TBL_PhaseNamesNode(t, phase)) {
        t0 = HV_NowMs(h);
        rc = HV_GetNodeMemory(h, snap->doms, snap->nr_doms);
        TRN_PrepAdd(prep, h, TRN_PREP_NUMA, t0);
        if (rc && warn && warnlen)
            snprintf(warn, warnlen, "%s", HV_LastError(h)->msg);
    }
    return 0;
}

int TRN_Snapshot(hv *h, const tbl_table *t, const char *phase,
                 xs_snapshot *snap, char *warn, size_t warnlen,
                 xs_err *err)
{
    return TRN_SnapshotTimed(h, t, phase, snap, warn, warnlen, NULL, err);
}

const char *TRN_CurrentPhase(const xs_snapshot *snap, const tbl_table *t)
{
    reach_result r;
    size_t i;

    for (i = 0; i < t->nr_phases; i++)
        if (REACH_Phase(snap, t, t->phases[i].name, &r))
            return t->phases[i].name;
    return NULL;
}

/* --- hooks -------------------------------------------------------------- */

typedef struct trn_run {
    hv *h;
    const tbl_table *t;
    const plan *p;
    const xs_snapshot *snap;    /* the host as planned, under the lock */
    const trn_opts *o;
    trn_result *res;
    exec_progress_fn *progress;
    void *ctx;
    const char **doms;          /* domains the plan changes, plan order */
    size_t nr_doms;
    size_t nr_pre_done;         /* domains whose pre-domain hooks ran */
    bool hooks_ran;             /* a hook was (or may have been) run */
    bool not_in_phase;          /* every step ran, the check did not hold */
    const char *phase_after;    /* then: the phase the host is in, or NULL */
    bool phase_at_capacity;     /* XSP_PHASE was set to the phase then */
    bool journal_failed;
    xs_err journal_err;
} trn_run;

static const plan_row *find_row(const plan *p, const char *domain)
{
    size_t i;

    for (i = 0; i < p->nr_rows; i++)
        if (strcmp(p->rows[i].domain, domain) == 0)
            return &p->rows[i];
    return NULL;
}

static int collect_domains(trn_run *r)
{
    size_t i, j, k;

    r->doms = NULL;
    r->nr_doms = 0;
    for (i = 0; i < r->p->nr_stages; i++) {
        const plan_stage *st = &r->p->stages[i];

        for (j = 0; j < st->nr_acts; j++) {
            const char *d = st->acts[j].domain;
            const char **v;

            if (!d[0])
                continue;
            for (k = 0; k < r->nr_doms; k++)
                if (strcmp(r->doms[k], d) == 0)
                    break;
            if (k < r->nr_doms)
                continue;
            v = realloc(r->doms, (r->nr_doms + 1) * sizeof(*v));
            if (!v)
                return -1;
            r->doms = v;
            r->doms[r->nr_doms++] = d;
        }
    }
    return 0;
}

/*
 * Run the hooks of one event.  Returns 0, HOOK_VETOED (res->message
 * says who and why), or -1 when the hooks could not be run (a pre event
 * then counts as a veto: nothing may change unchecked).
 */
static int run_hooks(trn_run *r, hook_event ev, const char *domain,
                     const char *result, const char *message)
{
    hook_report rep;
    hook_call c;
    xs_err err;
    int rc;

    if (!r->o->hooks)
        return 0;
    HOOK_CallInit(&c);
    c.event = ev;
    c.phase = r->p->phase;
    c.from_phase = r->res->from;
    c.request_id = r->o->request_id;
    c.result = result;
    c.message = message;
    if (domain) {
        const plan_row *row = find_row(r->p, domain);

        c.domain = domain;
        if (row) {
            c.domid = row->running ? (int)row->domid : -1;
            c.memory_kib = row->mem_after_kib;
            c.vcpus = row->vcpus_after;
        }
    }
    HOOK_ReportInit(&rep);
    rc = HOOK_Run(r->o->hooks, &c, r->o->hook_done, r->o->hook_ctx, &rep,
                  &err);
    if (rep.nr_results || rc)
        r->hooks_ran = true;
    if (rc == HOOK_VETOED) {
        snprintf(r->res->message, sizeof(r->res->message),
                 "vetoed by %s (%s %s%s%s): %s", rep.veto_hook,
                 HOOK_EventName(ev), r->p->phase, domain ? " " : "",
                 domain ? domain : "", rep.veto_msg);
    } else if (rc < 0 && HOOK_EventIsPre(ev)) {
        snprintf(r->res->message, sizeof(r->res->message),
                 "the %s hooks could not be run: %s", HOOK_EventName(ev),
                 err.msg);
        rc = HOOK_VETOED;
    } else {
        rc = 0;     /* a failing post hook is only reported */
    }
    HOOK_ReportDispose(&rep);
    return rc;
}

/* --- journal ------------------------------------------------------------ */

static void note_journal(trn_run *r, int rc, const xs_err *err)
{
    if (rc && !r->journal_failed) {
        r->journal_failed = true;
        r->journal_err = *err;
    }
}

/*
 * The executor's events: journal each step before it starts.  The
 * caller hears of the step first (both happen before its first call).
 */
static void on_event(void *ctx, const exec_event *ev)
{
    trn_run *r = ctx;
    xs_err err;
    char step[256];

    /*
     * At capacity the host is in the phase (a node goal is soft), so
     * XSP_PHASE says so before anyone waiting for capacity hears of it:
     * a cluster's monitor must not see the old phase while the memory
     * moves go on.  A rollback after it puts the host between phases.
     */
    if (r->o->journal && ev->kind == EXEC_EV_CAPACITY &&
        !ev->rolling_back) {
        HV_XsWrite(r->h, XSP_PHASE, r->p->phase);
        r->phase_at_capacity = true;
    } else if (r->o->journal && ev->kind == EXEC_EV_ROLLBACK_BEGIN &&
               r->phase_at_capacity) {
        HV_XsWrite(r->h, XSP_PHASE, "");
    }
    if (r->progress)
        r->progress(r->ctx, ev);
    if (r->o->journal) {
        if (ev->kind == EXEC_EV_ACTION_BEGIN &&
                   (ev->act || ev->rolling_back)) {
            snprintf(step, sizeof(step), "%s%s",
                     ev->rolling_back ? "undo: " : "", ev->msg ? ev->msg : "");
            note_journal(r, JNL_Step(r->h, step, &err), &err);
        } else if (ev->kind == EXEC_EV_ROLLBACK_BEGIN) {
            note_journal(r, JNL_SetState(r->h, "rolling-back", &err), &err);
        } else if (ev->kind == EXEC_EV_CAPACITY ||
                   ev->kind == EXEC_EV_PLACEMENT) {
            note_journal(r, JNL_Moment(r->h, ev->kind == EXEC_EV_CAPACITY,
                                       ev->elapsed_ms, &err), &err);
        }
    }
}

/* Whether the executor left every domain at one phase's values. */
static bool ended_cleanly(const exec_report *rep)
{
    size_t i;

    if (rep->ok)
        return true;
    if (!rep->rolled_back)
        return false;
    for (i = 0; i < rep->nr_doms; i++)
        if (rep->doms[i].outcome == EXEC_DOM_FAILED)
            return false;
    return true;
}

/*
 * The executor's last test (exec_opts.verify): every step ran, and a new
 * look at the host must find it in the phase by the one predicate that
 * status, the daemon and the OCF agent use.  When it does not, the run
 * failed and is rolled back like any other failure.
 */
static int verify_reached(void *ctx, xs_err *why)
{
    trn_run *r = ctx;
    const char *phase = r->p->phase;
    xs_snapshot now;
    xs_err err;
    int rc = -1;

    SNAP_Init(&now);
    if (TRN_Snapshot(r->h, r->t, phase, &now, NULL, 0, &err)) {
        /* checked, and not known to be in the phase */
        r->res->after.checked = true;
        snprintf(r->res->after.why, sizeof(r->res->after.why), "the host "
                 "could not be read: %s", err.msg);
        ERR_Set(why, "every step ran, but the host could not be read to "
                "check that it is in phase %s: %s", phase, err.msg);
        goto out;
    }
    if (!REACH_Phase(&now, r->t, phase, &r->res->after)) {
        ERR_Set(why, "every step ran, but the host is not in phase %s: %s",
                phase, r->res->after.why);
        r->phase_after = TRN_CurrentPhase(&now, r->t);
        goto out;
    }
    rc = 0;
out:
    if (rc)
        r->not_in_phase = true;
    SNAP_Dispose(&now);
    return rc;
}

static void record_result(trn_run *r, const exec_report *rep)
{
    char line[1200];
    xs_err err;

    if (!r->o->journal)
        return;
    if (rep->ok) {
        snprintf(line, sizeof(line), "ok %s", r->p->phase);
        HV_XsWrite(r->h, XSP_PHASE, r->p->phase);
    } else {
        snprintf(line, sizeof(line), "failed %s: %s", r->p->phase,
                 r->res->message);
        if (ended_cleanly(rep))
            HV_XsWrite(r->h, XSP_PHASE, r->res->from);
        else if (r->not_in_phase)
            HV_XsWrite(r->h, XSP_PHASE, r->phase_after ? r->phase_after
                                                       : "");
    }
    HV_XsWrite(r->h, XSP_RESULT, line);
    /*
     * Keep the journal when the host may be between phases: the next
     * start of xenshiftd (or `xenshift recover`) finishes the job.
     */
    if (ended_cleanly(rep))
        note_journal(r, JNL_End(r->h, &err), &err);
    else
        note_journal(r, JNL_SetState(r->h, "failed", &err), &err);
}

/* The pre hooks (timed): 0, or non-zero when they said no. */
static int run_pre_hooks(trn_run *r)
{
    uint64_t t0 = HV_NowMs(r->h);
    size_t i;
    int rc;

    rc = run_hooks(r, HOOK_PRE_TRANSITION, NULL, NULL, NULL);
    for (i = 0; !rc && i < r->nr_doms; i++) {
        r->nr_pre_done = i + 1;
        rc = run_hooks(r, HOOK_PRE_DOMAIN, r->doms[i], NULL, NULL);
    }
    if (r->o->hooks)
        TRN_PrepAdd(r->o->prep, r->h, TRN_PREP_HOOKS, t0);
    return rc;
}

/*
 * The host before the first change.  The snapshot the plan was made
 * from is that, taken under the lock, unless a pre hook ran since (a
 * hook may change the host): only then is the host read again.
 */
static int record_host(trn_run *r, rec_record *rec, xs_err *err)
{
    const xs_snapshot *s = r->snap;
    size_t i;

    if (r->hooks_ran)
        return EXEC_Record(r->h, r->p, rec, err);
    if (REC_FromHost(rec, &s->host, s->pools, s->nr_pools, s->doms,
                     s->nr_doms, err))
        return -1;
    for (i = 0; i < r->p->nr_rows; i++)
        if (r->p->rows[i].running)
            REC_MarkPlanned(rec, r->p->rows[i].domain);
    return 0;
}

/*
 * Journal begin and the host before the first change, in the journal
 * before it: a journal without a whole record means nothing was
 * changed.  Returns 0, or -1 with res failed and the journal ended.
 */
static int journal_begin(trn_run *r, rec_record *rec)
{
    trn_result *res = r->res;
    trn_prep *prep = r->o->prep;
    uint64_t t0 = HV_NowMs(r->h);
    xs_err err;
    int rc;

    if (!r->o->journal)
        return 0;
    rc = JNL_Begin(r->h, res->from, r->p->phase, r->o->request_id, &err);
    TRN_PrepAdd(prep, r->h, TRN_PREP_JOURNAL, t0);
    if (rc) {
        snprintf(res->message, sizeof(res->message), "%s", err.msg);
        goto out;
    }
    if (!r->p->nr_stages)
        goto out;
    t0 = HV_NowMs(r->h);
    rc = record_host(r, rec, &err);
    TRN_PrepAdd(prep, r->h, TRN_PREP_RECORD, t0);
    if (!rc) {
        t0 = HV_NowMs(r->h);
        rc = JNL_Record(r->h, rec, &err);
        TRN_PrepAdd(prep, r->h, TRN_PREP_JOURNAL, t0);
    }
    if (rc)
        snprintf(res->message, sizeof(res->message), "cannot record the "
                 "host before changing it: %s", err.msg);
out:
    if (rc) {
        res->outcome = TRN_FAILED;
        JNL_End(r->h, &err);
    }
    return rc ? -1 : 0;
}

int TRN_Execute(hv *h, const tbl_table *t, const xs_snapshot *snap,
                const plan *p, const trn_opts *o, exec_progress_fn *progress,
                void *ctx, exec_report *report, trn_result *res)
{
    trn_run r = { .h = h, .t = t, .p = p, .snap = snap, .o = o, .res = res,
                  .progress = progress, .ctx = ctx };
    const char *from = TRN_CurrentPhase(snap, t);
    const char *result;
    exec_opts eo = o->exec;
    rec_record rec;
    size_t i;
    int rc = -1;

    memset(res, 0, sizeof(*res));
    REC_Init(&rec);
    res->outcome = TRN_VETOED;
    snprintf(res->from, sizeof(res->from), "%s", from ? from : "");
    if (collect_domains(&r)) {
        snprintf(res->message, sizeof(res->message), "out of memory");
        return -1;
    }

    /* 1-2: the pre hooks; a veto changes nothing. */
    if (run_pre_hooks(&r))
        goto post;

    /* 3: the transition itself, journalled. */
    rc = journal_begin(&r, &rec);
    if (rc)
        goto post;
    if (rec.taken)
        eo.record = &rec;
    eo.verify = verify_reached;
    eo.verify_ctx = &r;
    if (o->prep)
        o->prep->total_ms = HV_NowMs(h) - o->prep->start_ms;
    rc = EXEC_Run(h, snap, p, &eo, on_event, &r, report);
    res->outcome = rc ? TRN_FAILED : TRN_REACHED;
    if (rc) {
        size_t at, n;

        at = (size_t)snprintf(res->message, sizeof(res->message), "%s",
                              report->cause.msg[0] ? report->cause.msg
                                                   : "failed");
        /* what the way back could not put back, for answers and logs */
        for (n = 0; n < report->nr_diffs && at < sizeof(res->message);
             n++) {
            char d[300];

            at += (size_t)snprintf(res->message + at,
                                   sizeof(res->message) - at, "%s%s",
                                   n ? "; " : "; rolled back with "
                                   "differences: ",
                                   REC_FormatDiff(&report->diffs[n], d,
                                                  sizeof(d)));
        }
    }
    record_result(&r, report);
    if (r.journal_failed && !rc) {
        /* Reached, but a crash now would not have been recoverable. */
        snprintf(res->message, sizeof(res->message), "reached, but the "
                 "journal could not be kept: %s", r.journal_err.msg);
    }

post:
    if (res->outcome == TRN_VETOED && o->journal) {
        char line[1200];

        snprintf(line, sizeof(line), "failed %s: %s", p->phase,
                 res->message);
        HV_XsWrite(h, XSP_RESULT, line);
    }
    /* 4-6: post hooks pair with every pre hook that ran. */
    result = res->outcome == TRN_REACHED ? "ok" :
             res->outcome == TRN_VETOED ? "vetoed" : "failed";
    for (i = 0; i < r.nr_pre_done; i++)
        run_hooks(&r, HOOK_POST_DOMAIN, r.doms[i], result,
                  res->outcome == TRN_REACHED ? NULL : res->message);
    if (res->outcome != TRN_REACHED)
        run_hooks(&r, HOOK_FAILED, NULL, result, res->message);
    run_hooks(&r, HOOK_POST_TRANSITION, NULL, result,
              res->outcome == TRN_REACHED ? NULL : res->message);
    free(r.doms);
    REC_Dispose(&rec);
    return rc ? -1 : 0;
}

/* --- recovery ----------------------------------------------------------- */

static int bring_to(hv *h, const tbl_table *t, const char *phase,
                    const exec_opts *eo, exec_progress_fn *progress,
                    void *ctx, xs_err *err)
{
    xs_snapshot snap;
    exec_report rep;
    plan p;
    int rc = -1;

    SNAP_Init(&snap);
    PLAN_Init(&p);
    EXEC_ReportInit(&rep);
    if (TRN_Snapshot(h, t, phase, &snap, NULL, 0, err) ||
        PLAN_Make(&snap, t, phase, &p, err))
        goto out;
    if (EXEC_Run(h, &snap, &p, eo, progress, ctx, &rep)) {
        *err = rep.cause;
        goto out;
    }
    rc = 0;
out:
    EXEC_ReportDispose(&rep);
    PLAN_Dispose(&p);
    SNAP_Dispose(&snap);
    return rc;
}

typedef struct restore_ctx {
    exec_progress_fn *progress;
    void *ctx;
    hv *h;
    uint64_t t0;
} restore_ctx;

/* The way back's steps, told as the executor tells its rollback. */
static void on_restore_step(void *vctx, rec_step_kind kind,
                            const char *domain, const char *msg)
{
    restore_ctx *rc = vctx;
    exec_event ev;
    xs_err err;

    (void)domain;
    if (kind == REC_STEP_BEGIN)
        JNL_Step(rc->h, msg, &err);     /* best effort */
    if (!rc->progress)
        return;
    memset(&ev, 0, sizeof(ev));
    ev.kind = kind == REC_STEP_BEGIN ? EXEC_EV_ACTION_BEGIN :
              kind == REC_STEP_DONE ? EXEC_EV_ACTION_DONE :
              EXEC_EV_ACTION_FAILED;
    ev.rolling_back = true;
    ev.elapsed_ms = HV_NowMs(rc->h) - rc->t0;
    ev.msg = msg;
    rc->progress(rc->ctx, &ev);
}

/*
 * Put back what the journal recorded before the first change.  Returns
 * TRN_RECOVER_BACK when every field is back, TRN_RECOVER_FAILED with the
 * differences in message otherwise (the journal then stays, and the
 * next start tries again).
 */
static trn_recovery restore_record(hv *h, const jnl_entry *j,
                                   const rec_record *rec, const exec_opts *eo,
                                   exec_progress_fn *progress, void *ctx,
                                   char *message, size_t message_len)
{
    restore_ctx rc = { progress, ctx, h, HV_NowMs(h) };
    rec_opts ro = { .poll_ms = eo->poll_ms, .stuck_ms = eo->stuck_ms,
                    .timeout_ms = eo->stage_timeout_ms,
                    .tolerance_kib = eo->tolerance_kib };
    rec_result res;
    size_t i, at;
    xs_err err;
    trn_recovery out = TRN_RECOVER_BACK;

    REC_ResultInit(&res);
    JNL_SetState(h, "rolling-back", &err);
    at = (size_t)snprintf(message, message_len, "interrupted %s -> %s (at: "
                          "%s%s); ", j->from[0] ? j->from : "(none)", j->to,
                          j->step[0] ? j->step : "before the first step",
                          j->capacity_ms < 0 ? "" : j->placement_ms < 0
                          ? ", after capacity" : ", after placement");
    if (at >= message_len)
        at = message_len - 1;
    if (!REC_Restore(h, rec, &ro, on_restore_step, &rc, &res)) {
        snprintf(message + at, message_len - at, "every domain is back as "
                 "it was recorded%s%s", j->from[0] ? ", in " : "", j->from);
        HV_XsWrite(h, XSP_PHASE, j->from);
        goto out;
    }
    out = TRN_RECOVER_FAILED;
    JNL_SetState(h, "failed", &err);
    if (res.read_failed) {
        snprintf(message + at, message_len - at, "the rollback did not "
                 "complete: %s", res.why.msg);
        goto out;
    }
    at += (size_t)snprintf(message + at, message_len - at,
                           "rolled back with differences:");
    for (i = 0; i < res.nr_diffs && at < message_len; i++) {
        char d[300];

        at += (size_t)snprintf(message + at, message_len - at, "%s %s",
                               i ? ";" : "",
                               REC_FormatDiff(&res.diffs[i], d, sizeof(d)));
    }
out:
    REC_ResultDispose(&res);
    return out;
}

const char *TRN_RecoveryName(trn_recovery r)
{
    switch (r) {
    case TRN_RECOVER_NOTHING:
        return "nothing";
    case TRN_RECOVER_BACK:
        return "back";
    case TRN_RECOVER_FORWARD:
        return "forward";
    case TRN_RECOVER_FAILED:
        break;
    }
    return "failed";
}

trn_recovery TRN_Recover(hv *h, const tbl_table *t, const exec_opts *eo,
                         exec_progress_fn *progress, void *ctx,
                         char *request, size_t request_len, char *message,
                         size_t message_len)
{
    jnl_entry j;
    rec_record rec;
    xs_err err, back_err;
    trn_recovery out;
    char line[1200];

    request[0] = '\0';
    message[0] = '\0';
    if (JNL_Read(h, &j, &err)) {
        snprintf(message, message_len, "%s", err.msg);
        return TRN_RECOVER_FAILED;
    }
    if (!j.present)
        return TRN_RECOVER_NOTHING;
    snprintf(request, request_len, "%s", j.request);
    REC_Init(&rec);
    if (JNL_ReadRecord(h, &rec, &err)) {
        snprintf(message, message_len, "%s", err.msg);
        return TRN_RECOVER_FAILED;
    }
    if (rec.taken) {
        /* The host before the first change: put exactly that back. */
        out = restore_record(h, &j, &rec, eo, progress, ctx, message,
                             message_len);
        REC_Dispose(&rec);
        snprintf(line, sizeof(line), "failed %s: %s", j.to, message);
        HV_XsWrite(h, XSP_RESULT, line);
        if (out == TRN_RECOVER_BACK && JNL_End(h, &err)) {
            snprintf(message, message_len, "%s", err.msg);
            return TRN_RECOVER_FAILED;
        }
        return out;
    }
    if (!j.step[0]) {
        /* No whole record and no step: the crash came before any change. */
        snprintf(message, message_len, "interrupted %s -> %s before the "
                 "first change: nothing to undo", j.from[0] ? j.from :
                 "(none)", j.to);
        if (j.from[0])
            HV_XsWrite(h, XSP_PHASE, j.from);
        snprintf(line, sizeof(line), "failed %s: %s", j.to, message);
        HV_XsWrite(h, XSP_RESULT, line);
        if (JNL_End(h, &err)) {
            snprintf(message, message_len, "%s", err.msg);
            return TRN_RECOVER_FAILED;
        }
        return TRN_RECOVER_BACK;
    }
    /* A journal of an older xenshift, without a record: plan back. */
    ERR_Clear(&back_err);
    if (j.from[0] && TBL_FindPhase(t, j.from) &&
        !bring_to(h, t, j.from, eo, progress, ctx, &back_err)) {
        out = TRN_RECOVER_BACK;
        snprintf(message, message_len, "interrupted %s -> %s (at: %s); "
                 "brought back to %s", j.from[0] ? j.from : "(none)", j.to,
                 j.step[0] ? j.step : "before the first step", j.from);
        HV_XsWrite(h, XSP_PHASE, j.from);
    } else if (TBL_FindPhase(t, j.to) &&
               !bring_to(h, t, j.to, eo, progress, ctx, &err)) {
        out = TRN_RECOVER_FORWARD;
        char why[900];

        if (j.from[0])
            snprintf(why, sizeof(why), "could not go back to %s: %s", j.from,
                     back_err.msg[0] ? back_err.msg : "not in the table");
        else
            snprintf(why, sizeof(why), "the phase before was not known");
        snprintf(message, message_len, "interrupted %s -> %s (at: %s); %s; "
                 "brought forward to %s", j.from[0] ? j.from : "(none)",
                 j.to, j.step[0] ? j.step : "before the first step", why,
                 j.to);
        HV_XsWrite(h, XSP_PHASE, j.to);
    } else {
        snprintf(message, message_len, "interrupted %s -> %s (at: %s); "
                 "could not bring the host to either phase: %s",
                 j.from[0] ? j.from : "(none)", j.to,
                 j.step[0] ? j.step : "before the first step",
                 err.msg[0] ? err.msg : back_err.msg);
        snprintf(line, sizeof(line), "failed %s: %s", j.to, message);
        HV_XsWrite(h, XSP_RESULT, line);
        return TRN_RECOVER_FAILED;
    }
    snprintf(line, sizeof(line), "failed %s: %s", j.to, message);
    HV_XsWrite(h, XSP_RESULT, line);
    if (JNL_End(h, &err)) {
        snprintf(message, message_len, "%s", err.msg);
        return TRN_RECOVER_FAILED;
    }
    return out;
}
