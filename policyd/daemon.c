/*
 * daemon.c - xenshiftd's policy core.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "plan.h"
#include "snapshot.h"
#include "timeline.h"
#include "transition.h"
#include "units.h"
#include "xspath.h"

#define WATCH_TOKEN "xenshiftd-request"

/* --- answers ------------------------------------------------------------ */

static void put_leaf(dmn *d, const char *id, const char *leaf,
                     const char *val)
{
    char path[256];

    snprintf(path, sizeof(path), XSP_ANSWER "/%s/%s", id, leaf);
    if (HV_XsWrite(d->h, path, val))
        LOG_Warnx(d->log, "answer %s: %s", id, HV_LastError(d->h)->msg);
}

static void put_time(dmn *d, const char *id, const char *leaf)
{
    char v[32];

    snprintf(v, sizeof(v), "%lld", HV_WallMs(d->h));
    put_leaf(d, id, leaf, v);
}

/*
 * The state goes last: a client that watches it finds the phase and the
 * message already there.
 */
static void answer(dmn *d, const char *id, req_state st, const char *phase,
                   const char *message)
{
    if (phase)
        put_leaf(d, id, XSP_A_PHASE, phase);
    if (message)
        put_leaf(d, id, XSP_A_MESSAGE, message);
    if (st == REQ_QUEUED)
        put_time(d, id, XSP_A_QUEUED_AT);
    else if (st == REQ_RUNNING)
        put_time(d, id, XSP_A_STARTED_AT);
    else
        put_time(d, id, XSP_A_ENDED_AT);
    put_leaf(d, id, XSP_A_STATE, REQ_StateName(st));
}

static void answer_item(dmn *d, const dmn_item *it, req_state st,
                        const char *message)
{
    size_t i;

    for (i = 0; i < it->nr_ids; i++)
        answer(d, it->ids[i], st, it->phase, message);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Keep the newest DMN_ANSWERS_KEPT final answers (ids sort by time).
 * This runs between a request and its transition: with no more answers
 * than that there is nothing to prune, and no state is read (a xenstore
 * read each, ms on an emulated dom0).
 */
static void prune_answers(dmn *d)
{
    char **names, path[256], *v;
    size_t nr, i, finals = 0;
    req_state st;

    if (HV_XsDirectory(d->h, XSP_ANSWER, &names, &nr))
        return;
    if (nr <= DMN_ANSWERS_KEPT) {
        HV_FreeNames(names, nr);
        return;
    }
    qsort(names, nr, sizeof(*names), cmp_names);
    for (i = nr; i-- > 0;) {
        snprintf(path, sizeof(path), XSP_ANSWER "/%s/" XSP_A_STATE,
                 names[i]);
        if (HV_XsRead(d->h, path, &v))
            continue;
        if (!REQ_StateFromName(v, &st) && REQ_StateFinal(st) &&
            ++finals > DMN_ANSWERS_KEPT) {
            snprintf(path, sizeof(path), XSP_ANSWER "/%s", names[i]);
            HV_XsRemove(d->h, path);
        }
        free(v);
    }
    HV_FreeNames(names, nr);
}

/* --- the queue ---------------------------------------------------------- */

static void item_dispose(dmn_item *it)
{
    size_t i;

    for (i = 0; i < it->nr_ids; i++)
        free(it->ids[i]);
    free(it->ids);
    memset(it, 0, sizeof(*it));
}

static int item_add_id(dmn_item *it, const char *id)
{
    char **v = realloc(it->ids, (it->nr_ids + 1) * sizeof(*v));

    if (!v)
        return -1;
    it->ids = v;
    it->ids[it->nr_ids] = strdup(id);
    if (!it->ids[it->nr_ids])
        return -1;
    it->nr_ids++;
    return 0;
}

void DMN_Enqueue(dmn *d, const char *id, const char *phase,
                 const char *origin)
{
    dmn_item *last = d->nr_queue ? &d->queue[d->nr_queue - 1] :
                     d->running ? &d->current : NULL;
    dmn_item *v;

    /* The same phase as the one just before it: one transition serves. */
    if (last && strcmp(last->phase, phase) == 0) {
        if (item_add_id(last, id)) {
            LOG_Warnx(d->log, "%s: out of memory", origin);
            return;
        }
        LOG_Info(d->log, "%s: %s joins the %s transition already %s",
                 origin, phase, phase, last == &d->current ? "running" :
                 "queued");
        answer(d, id, last == &d->current ? REQ_RUNNING : REQ_QUEUED,
               phase, last == &d->current ? "joined the running "
               "transition" : "joined a queued request for the same phase");
        return;
    }
    if (d->stopping) {
        answer(d, id, REQ_FAILED, phase, "xenshiftd is stopping");
        return;
    }
    v = realloc(d->queue, (d->nr_queue + 1) * sizeof(*v));
    if (!v) {
        LOG_Warnx(d->log, "%s: out of memory", origin);
        answer(d, id, REQ_FAILED, phase, "xenshiftd: out of memory");
        return;
    }
    d->queue = v;
    memset(&d->queue[d->nr_queue], 0, sizeof(*v));
    snprintf(d->queue[d->nr_queue].phase, HV_NAME_MAX, "%s", phase);
    snprintf(d->queue[d->nr_queue].origin, sizeof(v->origin), "%s", origin);
    if (item_add_id(&d->queue[d->nr_queue], id)) {
        item_dispose(&d->queue[d->nr_queue]);
        answer(d, id, REQ_FAILED, phase, "xenshiftd: out of memory");
        return;
    }
    d->nr_queue++;
    LOG_Info(d->log, "%s: %s queued (%zu waiting%s)", origin, phase,
             d->nr_queue, d->running ? ", one running" : "");
    answer(d, id, REQ_QUEUED, phase, d->running || d->nr_queue > 1 ?
           "waiting for the transitions before it" : "accepted");
}

/* --- requests ----------------------------------------------------------- */

/* Whether a request was there (and is answered or queued now). */
static bool take_request(dmn *d, const char *id)
{
    char path[256], origin[200], *val = NULL;
    xs_err err;
    req r;
    int rc;

    snprintf(path, sizeof(path), XSP_REQUEST "/%s", id);
    rc = HV_XsRead(d->h, path, &val);
    if (rc == HV_ENOENT)
        return false;   /* taken already (the watch fires for removals) */
    /* Taken off first, so it is never run twice (just read: no check). */
    HV_XsClear(d->h, path);
    if (rc) {
        LOG_Warnx(d->log, "request %s: %s", id, HV_LastError(d->h)->msg);
        return false;
    }
    snprintf(origin, sizeof(origin), "request %s", id);
    if (REQ_Parse(id, val, &r, &err)) {
        LOG_Warnx(d->log, "%s", err.msg);
        /* An id that cannot name an answer gets none: only the log. */
        if (REQ_ValidId(id))
            answer(d, id, REQ_FAILED, NULL, err.msg);
    } else if (REQ_Resolve(&r, &d->table, &err)) {
        LOG_Warnx(d->log, "%s: %s", origin, err.msg);
        answer(d, id, REQ_FAILED, r.what, err.msg);
    } else {
        if (r.is_event)
            snprintf(origin, sizeof(origin), "request %s (event %s)", id,
                     r.what + 1);
        DMN_Enqueue(d, id, r.phase, origin);
    }
    free(val);
    return true;
}

void DMN_ScanRequests(dmn *d)
{
    char **names;
    size_t nr, i, taken = 0;
    int rc = HV_XsDirectory(d->h, XSP_REQUEST, &names, &nr);

    if (rc) {
        if (rc != HV_ENOENT)
            LOG_Warnx(d->log, "reading requests: %s",
                      HV_LastError(d->h)->msg);
        return;
    }
    /*
     * Ids made by REQ_MakeId sort by time: first come, first served.
     * An empty directory may come back as NULL, which qsort may not get.
     */
    if (nr > 1)
        qsort(names, nr, sizeof(*names), cmp_names);
    for (i = 0; i < nr; i++)
        taken += take_request(d, names[i]);
    HV_FreeNames(names, nr);
    /*
     * Only new answers can make too many.  The watch fires for our own
     * taking-off too, mostly while the transition runs: that look finds
     * nothing and costs one listing, not two (a round trip each).
     */
    if (taken)
        prune_answers(d);
}

void DMN_HandleWatch(dmn *d)
{
    char *path, *token;
    bool requests = false;
    int rc;

    if (!d->running && !d->nr_queue)
        HVC_Begin(&d->hvc, d->h);
    while ((rc = HV_XsReadWatch(d->h, &path, &token)) == 1) {
        if (strcmp(token, WATCH_TOKEN) == 0)
            requests = true;
        free(path);
        free(token);
    }
    if (rc < 0)
        LOG_Warnx(d->log, "%s", HV_LastError(d->h)->msg);
    if (requests)
        DMN_ScanRequests(d);
}

/* --- schedule ----------------------------------------------------------- */

/* The first "at" trigger strictly after `after`. */
static void plan_next(dmn *d, time_t after)
{
    size_t i;

    d->have_next = false;
    for (i = 0; i < d->table.nr_triggers; i++) {
        const tbl_trigger *tr = &d->table.triggers[i];
        time_t t;

        if (tr->kind != TBL_TRIGGER_AT || SCHED_Next(&tr->when, after, &t))
            continue;
        if (!d->have_next || t < d->next_fire) {
            d->have_next = true;
            d->next_fire = t;
            d->next_trigger = i;
        }
    }
}

static const char *fmt_time(time_t t, char *buf, size_t len)
{
    return UNITS_FormatTime(t, "%Y-%m-%d %H:%M %Z", buf, len);
}

bool DMN_NextWake(const dmn *d, time_t *when)
{
    if (d->have_next)
        *when = d->next_fire;
    return d->have_next;
}

void DMN_HandleTime(dmn *d, time_t now)
{
    char when[64], id[REQ_ID_MAX + 1], origin[200];

    if (!d->running && !d->nr_queue && d->have_next && d->next_fire <= now)
        HVC_Begin(&d->hvc, d->h);
    while (d->have_next && d->next_fire <= now) {
        const tbl_trigger *tr = &d->table.triggers[d->next_trigger];
        time_t fired = d->next_fire;

        snprintf(origin, sizeof(origin), "at \"%s\" (%s)", tr->at,
                 fmt_time(fired, when, sizeof(when)));
        if (now - fired > DMN_MISSED_AFTER_S) {
            /* Suspended host, daemon down, clock jump: not replayed. */
            LOG_Warnx(d->log, "%s: missed by %lld s, not run", origin,
                      (long long)(now - fired));
        } else {
            snprintf(id, sizeof(id), "%013lld-at", (long long)fired * 1000);
            DMN_Enqueue(d, id, tr->phase, origin);
        }
        plan_next(d, fired > now - DMN_MISSED_AFTER_S ? fired : now);
    }
    if (d->have_next)
        LOG_Debug(d->log, "next trigger: %s at %s",
                  d->table.triggers[d->next_trigger].phase,
                  fmt_time(d->next_fire, when, sizeof(when)));
}

void DMN_ClockChanged(dmn *d, time_t now)
{
    char when[64];

    plan_next(d, now);
    LOG_Info(d->log, "the clock was set; next trigger %s",
             d->have_next ? fmt_time(d->next_fire, when, sizeof(when)) :
             "none");
}

/* --- transitions -------------------------------------------------------- */

typedef struct run_ctx {
    dmn *d;
    unsigned step, steps;
    uint64_t last_progress_ms;
} run_ctx;

static void on_hook(void *ctx, const hook_result *r)
{
    dmn *d = ctx;
    const char *out = r->output && r->output[0] ? r->output : NULL;

    LOG_Msg(d->log, HOOK_ResultOk(r) ? LOG_INFO : LOG_WARNING,
            "hook %s: %s (%" PRIu64 " ms)%s%.*s", r->name, r->what,
            r->elapsed_ms, out ? ": " : "", out ? (int)strcspn(out, "\n") :
            0, out ? out : "");
}

static void on_exec(void *vctx, const exec_event *ev)
{
    run_ctx *c = vctx;
    dmn *d = c->d;
    char line[400];
    size_t i;

    switch (ev->kind) {
    case EXEC_EV_ACTION_BEGIN:
        if (!ev->rolling_back)
            c->step++;
        HVC_Mark(&d->hvc, d->h, HVC_FIRST_STEP);
        snprintf(line, sizeof(line), "%s%u/%u %s",
                 ev->rolling_back ? "undo " : "", c->step, c->steps,
                 ev->msg ? ev->msg : "");
        LOG_Info(d->log, "%s", line);
        for (i = 0; i < d->current.nr_ids; i++)
            put_leaf(d, d->current.ids[i], XSP_A_PROGRESS, line);
        break;
    case EXEC_EV_ACTION_FAILED:
        LOG_Warnx(d->log, "failed: %s", ev->msg ? ev->msg : "");
        break;
    case EXEC_EV_ROLLBACK_BEGIN:
        LOG_Warnx(d->log, "rolling back: %s", ev->msg ? ev->msg : "");
        break;
    case EXEC_EV_CAPACITY:
    case EXEC_EV_PLACEMENT:
        if (ev->kind == EXEC_EV_CAPACITY)
            HVC_Mark(&d->hvc, d->h, HVC_CAPACITY);
        /* a client waiting --until capacity returns at the first */
        LOG_Info(d->log, "%s reached after %" PRIu64 " ms",
                 ev->kind == EXEC_EV_CAPACITY ? "capacity" : "placement",
                 ev->elapsed_ms);
        snprintf(line, sizeof(line), "%" PRIu64, ev->elapsed_ms);
        for (i = 0; i < d->current.nr_ids; i++)
            put_leaf(d, d->current.ids[i], ev->kind == EXEC_EV_CAPACITY
                     ? XSP_A_CAPACITY_MS : XSP_A_PLACEMENT_MS, line);
        break;
    default:
        break;
    }
    /* Let the loop see signals and new requests while we work. */
    if (d->cfg.poll)
        d->cfg.poll(d->cfg.poll_ctx, d);
}

static unsigned count_steps(const plan *p)
{
    unsigned n = 0;
    size_t i;

    for (i = 0; i < p->nr_stages; i++)
        n += (unsigned)p->stages[i].nr_acts;
    return n;
}

/* "; placement below the node goal (soft): vm1: 87% ..." or "". */
static const char *placement_text(const reach_result *r, char *buf,
                                  size_t len)
{
    char list[700];

    if (!r->nr_shortfalls)
        return "";
    snprintf(buf, len, "; placement below the node goal (soft; xenshift "
             "mem-move moves it): %s",
             REACH_DescribeShortfalls(r, list, sizeof(list)));
    return buf;
}

/* The picture of what ran; a failure to keep it is logged, no more. */
static void keep_timeline(dmn *d, tl_timeline *tl, const trn_result *res,
                          const exec_report *rep)
{
    char path[4200], buf[1024];
    xs_err err;

    TL_SetResult(tl, res, rep);
    if (TL_SaveInDir(tl, d->cfg.timelines_dir, d->current.ids[0],
                     d->cfg.timelines_keep, path, sizeof(path), &err))
        LOG_Warnx(d->log, "timeline: %s", ERR_Format(&err, buf,
                                                     sizeof(buf)));
    else
        LOG_Info(d->log, "timeline: %s", path);
}

static void run_one(dmn *d)
{
    char msg[2048], place[800];
    reach_result reach;
    xs_snapshot snap;
    exec_report rep;
    trn_result res;
    trn_opts o;
    xs_err err;
    run_ctx c = { .d = d };
    plan p;
    char warn[256], prepared[256];
    uint64_t t0 = HV_NowMs(d->h);
    trn_prep prep;
    tl_timeline tl;
    exec_progress_fn *progress = on_exec;
    void *progress_ctx = &c;
    bool have_tl = false;
    int rc;

    SNAP_Init(&snap);
    PLAN_Init(&p);
    EXEC_ReportInit(&rep);
    TRN_PrepInit(&prep, d->h);
    answer_item(d, &d->current, REQ_RUNNING, "planning");
    rc = TRN_SnapshotTimed(d->h, &d->table, d->current.phase, &snap, warn,
                           sizeof(warn), &prep, &err);
    if (!rc) {
        uint64_t t_plan = HV_NowMs(d->h);

        rc = PLAN_Make(&snap, &d->table, d->current.phase, &p, &err);
        TRN_PrepAdd(&prep, d->h, TRN_PREP_PLAN, t_plan);
    }
    if (rc) {
        snprintf(msg, sizeof(msg), "refused: %s", err.msg);
        LOG_Warnx(d->log, "%s: %s: %s", d->current.origin, d->current.phase,
                  msg);
        answer_item(d, &d->current, REQ_FAILED, msg);
        snprintf(msg, sizeof(msg), "failed %s: refused: %s",
                 d->current.phase, err.msg);
        HV_XsWrite(d->h, XSP_RESULT, msg);
        goto out;
    }
    if (warn[0])
        LOG_Warnx(d->log, "%s: where memory lies is unknown: %s",
                  d->current.phase, warn);
    /* In the phase already: nothing runs, not even a memory move. */
    if (REACH_Phase(&snap, &d->table, d->current.phase, &reach)) {
        LOG_Info(d->log, "%s: the host is in %s already", d->current.origin,
                 d->current.phase);
        /* A result from an older failure must not outlive this. */
        snprintf(msg, sizeof(msg), "ok %s", d->current.phase);
        HV_XsWrite(d->h, XSP_PHASE, d->current.phase);
        HV_XsWrite(d->h, XSP_RESULT, msg);
        snprintf(msg, sizeof(msg), "the host was in this phase already%s",
                 placement_text(&reach, place, sizeof(place)));
        answer_item(d, &d->current, REQ_DONE, msg);
        goto out;
    }
    c.steps = count_steps(&p);
    LOG_Info(d->log, "%s: to %s, %u steps", d->current.origin,
             d->current.phase, c.steps);
    TRN_DefaultOpts(&o);
    o.exec = d->cfg.exec;
    o.exec.cancel = &d->cancel;
    o.hooks = d->cfg.run_hooks ? &d->cfg.hooks : NULL;
    o.journal = true;
    o.request_id = d->current.ids[0];
    o.hook_done = on_hook;
    o.hook_ctx = d;
    o.prep = &prep;
    if (d->cfg.timelines_dir && d->cfg.timelines_keep) {
        have_tl = true;
        if (TL_Init(&tl, &p, on_exec, &c) == 0) {
            progress = TL_OnEvent;
            progress_ctx = &tl;
        } else {
            LOG_Warnx(d->log, "timeline: out of memory: none drawn");
        }
    }
    TRN_Execute(d->h, &d->table, &snap, &p, &o, progress, progress_ctx, &rep,
                &res);
    if (res.outcome == TRN_REACHED) {
        snprintf(msg, sizeof(msg), "reached %s in %" PRIu64 " ms (%s)%s%s%s",
                 d->current.phase, HV_NowMs(d->h) - t0,
                 TRN_PrepText(&prep, prepared, sizeof(prepared)),
                 res.message[0] ? "; " : "", res.message,
                 placement_text(&res.after, place, sizeof(place)));
        LOG_Info(d->log, "%s: %s", d->current.origin, msg);
        answer_item(d, &d->current, REQ_DONE, msg);
    } else {
        snprintf(msg, sizeof(msg), "%s%s", res.outcome == TRN_VETOED ?
                 "" : rep.rolled_back ? "rolled back: " : "",
                 res.message);
        LOG_Warnx(d->log, "%s: %s not reached: %s", d->current.origin,
                  d->current.phase, msg);
        answer_item(d, &d->current, REQ_FAILED, msg);
    }
    /*
     * Drawn once the request is answered: on the cluster bed the answer
     * came 0.5 s after placement with the picture drawn in between, and
     * nobody waits for a picture.
     */
    if (progress == TL_OnEvent)
        keep_timeline(d, &tl, &res, &rep);
    d->transitions++;
out:
    HVC_Mark(&d->hvc, d->h, HVC_ANSWERED);
    HVC_Log(&d->hvc, d->h, d->log, d->cfg.hv_trace);
    if (have_tl)
        TL_Dispose(&tl);
    EXEC_ReportDispose(&rep);
    PLAN_Dispose(&p);
    SNAP_Dispose(&snap);
}

void DMN_RunQueue(dmn *d)
{
    while (d->nr_queue && !d->stopping) {
        d->current = d->queue[0];
        memmove(d->queue, d->queue + 1, (d->nr_queue - 1) * sizeof(*d->queue));
        d->nr_queue--;
        d->running = true;
        run_one(d);
        d->running = false;
        item_dispose(&d->current);
        prune_answers(d);
    }
}

/* --- start, stop, reload ------------------------------------------------ */

int DMN_Init(dmn *d, hv *h, dlog *log, const dmn_config *cfg, xs_err *err)
{
    memset(d, 0, sizeof(*d));
    d->h = h;
    d->log = log;
    d->cfg = *cfg;
    TBL_Init(&d->table);
    return TBL_Load(cfg->table_path, &d->table, err);
}

void DMN_Dispose(dmn *d)
{
    size_t i;

    for (i = 0; i < d->nr_queue; i++)
        item_dispose(&d->queue[i]);
    free(d->queue);
    d->queue = NULL;
    d->nr_queue = 0;
    item_dispose(&d->current);
    TBL_Dispose(&d->table);
}

/*
 * Answers left unfinished by a daemon that died: their requests were
 * taken off XSP_REQUEST and will not run now.  Say so, so that no
 * client waits for ever.
 */
static void fail_unfinished(dmn *d, const char *phase_now)
{
    char **names, path[256], msg[256], *v;
    size_t nr, i;
    req_state st;
    int rc;

    if (HV_XsDirectory(d->h, XSP_ANSWER, &names, &nr))
        return;
    snprintf(msg, sizeof(msg), "xenshiftd stopped before it finished this "
             "request; the host is in %s%s", phase_now[0] ? "phase " :
             "no phase of the table", phase_now);
    for (i = 0; i < nr; i++) {
        snprintf(path, sizeof(path), XSP_ANSWER "/%s/" XSP_A_STATE,
                 names[i]);
        v = NULL;
        rc = HV_XsRead(d->h, path, &v);
        if (rc == HV_ENOENT || (!rc && (REQ_StateFromName(v, &st) ||
                                        !REQ_StateFinal(st)))) {
            LOG_Warnx(d->log, "request %s: %s", names[i], msg);
            answer(d, names[i], REQ_FAILED, NULL, msg);
        }
        free(v);
    }
    HV_FreeNames(names, nr);
}

static void publish_phase(dmn *d)
{
    xs_snapshot snap;
    const char *cur;
    xs_err err;

    SNAP_Init(&snap);
    if (SNAP_Take(d->h, &snap, &err)) {
        LOG_Warnx(d->log, "reading the host: %s", err.msg);
    } else {
        cur = TRN_CurrentPhase(&snap, &d->table);
        HV_XsWrite(d->h, XSP_PHASE, cur ? cur : "");
        fail_unfinished(d, cur ? cur : "");
        LOG_Info(d->log, "the host is %s%s", cur ? "in phase " :
                 "in no phase of the table", cur ? cur : "");
    }
    SNAP_Dispose(&snap);
}

/*
 * Whether each phase fits the host is the planner's answer from the host
 * as it is now; domains the table does not name count, so it changes
 * with the host.  A phase that does not fit is no reason to stop: the
 * others still serve (a failover among them), and a request for it is
 * refused with these same numbers when it comes (run_one).
 */
unsigned DMN_CheckPhases(dmn *d)
{
    char warn[256];
    xs_snapshot snap;
    xs_err err;
    plan p;
    size_t i;
    unsigned unfit = 0;

    for (i = 0; i < d->table.nr_phases; i++) {
        const char *phase = d->table.phases[i].name;

        SNAP_Init(&snap);
        PLAN_Init(&p);
        if (TRN_Snapshot(d->h, &d->table, phase, &snap, warn, sizeof(warn),
                         &err)) {
            LOG_Warnx(d->log, "phase %s: cannot read the host to check "
                      "it: %s", phase, err.msg);
        } else if (PLAN_Make(&snap, &d->table, phase, &p, &err)) {
            LOG_Warnx(d->log, "phase %s does not fit the host as it is "
                      "now, a request for it will be refused: %s", phase,
                      err.msg);
            unfit++;
        }
        PLAN_Dispose(&p);
        SNAP_Dispose(&snap);
    }
    d->nr_unfit = unfit;
    return unfit;
}

int DMN_Start(dmn *d, xs_err *err)
{
    char request[96], message[1200], pid[32];
    trn_recovery rec;

    if (HV_XsRestrict(d->h, XSP_ROOT)) {
        ERR_Set(err, "%s", HV_LastError(d->h)->msg);
        return -1;
    }
    snprintf(pid, sizeof(pid), "%ld", (long)getpid());
    HV_XsWrite(d->h, XSP_DAEMON, pid);

    rec = TRN_Recover(d->h, &d->table, &d->cfg.exec, NULL, NULL, request,
                      sizeof(request), message, sizeof(message));
    if (rec != TRN_RECOVER_NOTHING) {
        LOG_Msg(d->log, rec == TRN_RECOVER_FAILED ? LOG_ERR : LOG_WARNING,
                "an interrupted transition: %s", message);
        /* How it ended tells a waiting client whether to ask again. */
        if (request[0] && REQ_ValidId(request)) {
            put_leaf(d, request, XSP_A_RECOVERED, TRN_RecoveryName(rec));
            answer(d, request, REQ_FAILED, NULL, message);
        }
    }
    publish_phase(d);
    DMN_CheckPhases(d);

    if (HV_XsWatch(d->h, XSP_REQUEST, WATCH_TOKEN)) {
        ERR_Set(err, "%s", HV_LastError(d->h)->msg);
        return -1;
    }
    plan_next(d, (time_t)(HV_WallMs(d->h) / 1000));
    DMN_HandleTime(d, (time_t)(HV_WallMs(d->h) / 1000));
    return rec == TRN_RECOVER_FAILED ? 1 : 0;
}

void DMN_Stop(dmn *d)
{
    size_t i;

    d->stopping = true;
    for (i = 0; i < d->nr_queue; i++)
        answer_item(d, &d->queue[i], REQ_FAILED, "xenshiftd stopped before "
                    "it was run");
    HV_XsUnwatch(d->h, XSP_REQUEST, WATCH_TOKEN);
    HV_XsRemove(d->h, XSP_DAEMON);
}

int DMN_Reload(dmn *d, xs_err *err)
{
    tbl_table t;

    /* Only an error in the table itself keeps the old one. */
    TBL_Init(&t);
    if (TBL_Load(d->cfg.table_path, &t, err)) {
        TBL_Dispose(&t);
        return -1;
    }
    TBL_Dispose(&d->table);
    d->table = t;
    DMN_CheckPhases(d);
    plan_next(d, (time_t)(HV_WallMs(d->h) / 1000));
    return 0;
}
