/*
 * exec_back.c - the executor's way back after a failure: the recorded
 * host put back field for field (record_restore.c), told as the
 * forward steps are, and every difference left named on its domain.
 */
#include <stdio.h>
#include <string.h>

#include "exec_int.h"

/* A step of the way back, told as the forward steps are. */
static void on_back_step(void *ctx, rec_step_kind kind, const char *domain,
                         const char *msg)
{
    run_ctx *c = ctx;

    (void)domain;
    exec_emit(c, kind == REC_STEP_BEGIN ? EXEC_EV_ACTION_BEGIN :
            kind == REC_STEP_DONE ? EXEC_EV_ACTION_DONE :
            EXEC_EV_ACTION_FAILED, NULL, NULL, 0, msg);
}

/* Name a difference on its domain's line of the report. */
static void mark_diff(run_ctx *c, const rec_diff *df)
{
    dom_state *ds = exec_dom_of(c, df->domain);
    char text[512];
    size_t at;

    if (!ds)
        return;
    REC_FormatDiff(df, text, sizeof(text));
    if (!ds->failed) {
        ds->failed = true;
        ds->msg[0] = '\0';
    }
    at = strlen(ds->msg);
    snprintf(ds->msg + at, sizeof(ds->msg) - at, "%s%s", at ? "; " : "",
             text);
}

void exec_rollback(run_ctx *c, exec_report *rep)
{
    rec_opts ro = { .poll_ms = c->o->poll_ms, .stuck_ms = c->o->stuck_ms,
                    .timeout_ms = c->o->stage_timeout_ms,
                    .tolerance_kib = c->o->tolerance_kib,
                    .reserve_kib = c->p->reserve_kib };
    rec_result res;
    char why[sizeof(res.why.msg) + 16];
    size_t i;
    int rc;

    REC_ResultInit(&res);
    c->rolling_back = true;
    exec_emit(c, EXEC_EV_ROLLBACK_BEGIN, NULL, NULL, 0, c->cause.msg);
    rc = REC_Restore(c->h, c->rec, &ro, on_back_step, c, &res);
    for (i = 0; i < c->rec->nr_doms && res.vanished; i++) {
        dom_state *ds = exec_dom_of(c, c->rec->doms[i].name);

        if (ds && res.vanished[i])
            ds->vanished = true;
    }
    for (i = 0; i < res.nr_diffs; i++)
        mark_diff(c, &res.diffs[i]);
    if (res.read_failed) {
        /* Nothing can be said of the domains the run touched. */
        snprintf(why, sizeof(why), "rollback: %s", res.why.msg);
        for (i = 0; i < c->p->nr_rows; i++) {
            if (!c->ds[i].touched || c->ds[i].vanished)
                continue;
            c->ds[i].failed = true;
            copy_str(c->ds[i].msg, sizeof(c->ds[i].msg), why);
        }
    }
    rep->rolled_back = rc == 0;
    rep->diffs = res.diffs;
    rep->nr_diffs = res.nr_diffs;
    res.diffs = NULL;
    res.nr_diffs = 0;
    exec_emit(c, EXEC_EV_ROLLBACK_DONE, NULL, NULL, 0,
         rc == 0 ? "rolled back" : res.read_failed ? "rollback incomplete"
                 : "rolled back with differences");
    c->rolling_back = false;
    REC_ResultDispose(&res);
}
