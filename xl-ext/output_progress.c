/*
 * output_progress.c - the progress lines of a transition as the executor's
 * events come (OUT_Progress): stages, steps, readings of moving memory,
 * one status line redrawn on a terminal.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "output_int.h"
#include "xenshift.h"

#define OUT_READING_EVERY_MS 1000

void OUT_ProgressInit(out_progress *pg, FILE *f, bool tty, int verbose)
{
    memset(pg, 0, sizeof(*pg));
    pg->f = f;
    pg->tty = tty;
    pg->verbose = verbose;
}

void OUT_ProgressDispose(out_progress *pg)
{
    free(pg->moving);
    pg->moving = NULL;
    pg->nr_moving = 0;
}

void OUT_ProgressHeader(out_progress *pg, const plan *p)
{
    size_t s, i, n = 0;
    out_moving *v;

    if (!pg->f || !p->nr_stages)
        return;
    for (s = 0; s < p->nr_stages; s++)
        n += p->stages[s].nr_acts;
    /* every action may move at any time: one reading slot each */
    v = calloc(n ? n : 1, sizeof(*v));
    free(pg->moving);
    pg->moving = v;
    pg->nr_moving = 0;
    pg->p = p;
    pg->nr_relocations = 0;
    for (s = 0; s < p->nr_stages && s < PLAN_NR_STAGES; s++) {
        const plan_stage *st = &p->stages[s];

        pg->stage_first[s] = pg->nr_moving;
        for (i = 0; i < st->nr_acts && v; i++) {
            v[pg->nr_moving++].act = &st->acts[i];
            pg->nr_relocations += st->acts[i].kind == PLAN_ACT_RELOCATE;
        }
    }
    fprintf(pg->f, "Moving the host to phase \"%s\" (%zu step%s):\n",
            p->phase, n, n == 1 ? "" : "s");
    fflush(pg->f);
}

/* The reading slot of a (one of the plan's actions), or NULL. */
static out_moving *moving_of(out_progress *pg, const plan_action *a)
{
    size_t s;

    if (!pg->p || !pg->moving)
        return NULL;
    for (s = 0; s < pg->p->nr_stages && s < PLAN_NR_STAGES; s++) {
        const plan_stage *st = &pg->p->stages[s];

        if (a >= st->acts && a < st->acts + st->nr_acts)
            return &pg->moving[pg->stage_first[s] + (size_t)(a - st->acts)];
    }
    return NULL;
}

/* Take the \r status line off the screen before a line of its own. */
static void clear_status(out_progress *pg)
{
    if (!pg->status_shown)
        return;
    fprintf(pg->f, "\r\033[K");
    pg->status_shown = false;
}

static void progress_line(out_progress *pg, const exec_event *ev,
                          const char *tag, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void progress_line(out_progress *pg, const exec_event *ev,
                          const char *tag, const char *fmt, ...)
{
    va_list ap;

    clear_status(pg);
    fprintf(pg->f, "[%5.1fs] %-7s ", (double)ev->elapsed_ms / 1000.0, tag);
    va_start(ap, fmt);
    vfprintf(pg->f, fmt, ap);
    va_end(ap);
    fprintf(pg->f, "\n");
    fflush(pg->f);
}

/* "vm2 at 420 MiB" (memory) or "vm1: 300 MiB off node 1" (relocation). */
static const char *reading_text(const out_moving *mv, char *buf, size_t len)
{
    char sz[32];

    if (mv->act->kind == PLAN_ACT_RELOCATE)
        snprintf(buf, len, "%s: %s off node %d", mv->act->domain,
                 OUT_Size(mv->now_kib, sz, sizeof(sz)), mv->act->node);
    else
        snprintf(buf, len, "%s at %s", mv->act->domain,
                 OUT_Size(mv->now_kib, sz, sizeof(sz)));
    return buf;
}

/* The \r line: every domain of the stage whose memory is moving. */
static void show_status(out_progress *pg, const exec_event *ev)
{
    char buf[128], to[32];
    size_t i;
    bool first = true;

    fprintf(pg->f, "\r\033[K[%5.1fs]        ",
            (double)ev->elapsed_ms / 1000.0);
    for (i = 0; i < pg->nr_moving; i++) {
        const out_moving *mv = &pg->moving[i];

        if (!mv->active || !mv->seen)
            continue;
        fprintf(pg->f, "%s %s", first ? "" : ",", reading_text(mv, buf,
                                                               sizeof(buf)));
        if (mv->act->kind == PLAN_ACT_MEMORY)
            fprintf(pg->f, " (to %s)",
                    OUT_Size(mv->act->to_kib, to, sizeof(to)));
        first = false;
    }
    fflush(pg->f);
    pg->status_shown = true;
}

/* Where the action left its domain, for the "done" line. */
static const char *done_text(const out_moving *mv, const plan_action *a,
                             char *buf, size_t len)
{
    char c[64];

    switch (a->kind) {
    case PLAN_ACT_MEMORY:
        snprintf(buf, len, "%s at %s", a->domain,
                 OUT_Size(mv && mv->seen ? mv->now_kib : a->to_kib, c,
                          sizeof(c)));
        break;
    case PLAN_ACT_VCPUS:
        snprintf(buf, len, "%s with %u vCPU%s online", a->domain,
                 a->to_vcpus, a->to_vcpus == 1 ? "" : "s");
        break;
    case PLAN_ACT_RELOCATE:
        snprintf(buf, len, "%s: memory on node %d", a->domain, a->node);
        break;
    case PLAN_ACT_POOL_ENTER:
        snprintf(buf, len, "%s in cpupool %s", a->domain, a->pool);
        break;
    case PLAN_ACT_POOL_LEAVE:
        snprintf(buf, len, "%s back in Pool-0", a->domain);
        break;
    case PLAN_ACT_PIN:
        snprintf(buf, len, "%s on pCPUs %s", a->domain,
                 CPUMAP_Format(a->cpus, c, sizeof(c)));
        break;
    }
    return buf;
}

/* A stage's first step begins (stages overlap: only said with -v). */
static void stage_begin(out_progress *pg, const exec_event *ev)
{
    const plan_stage *st = ev->stage;

    if (pg->verbose)
        progress_line(pg, ev, ev->rolling_back ? "undo" : "stage",
                      "%s begins, %zu step%s", PLAN_StageName(st->kind),
                      st->nr_acts, st->nr_acts == 1 ? "" : "s");
}

void OUT_Progress(void *ctx, const exec_event *ev)
{
    out_progress *pg = ctx;
    out_moving *mv = ev->act ? moving_of(pg, ev->act) : NULL;
    char buf[256];

    if (!pg->f)
        return;
    switch (ev->kind) {
    case EXEC_EV_STAGE_BEGIN:
        stage_begin(pg, ev);
        break;
    case EXEC_EV_ACTION_BEGIN:
        if (mv)
            mv->active = true;
        /* the way back's steps are not the plan's: they say themselves */
        progress_line(pg, ev, ev->rolling_back ? "undo" :
                      PLAN_StageName(ev->stage->kind), "%s",
                      !ev->act ? (ev->msg ? ev->msg : "") :
                      PLAN_DescribeAction(ev->act, buf, sizeof(buf)));
        break;
    case EXEC_EV_PROGRESS:
        if (!mv)
            break;
        mv->now_kib = ev->now_kib;
        mv->seen = true;
        if (pg->tty)
            show_status(pg, ev);
        else if (pg->verbose &&
                 (!mv->printed_ms || ev->elapsed_ms >= mv->printed_ms +
                                     OUT_READING_EVERY_MS)) {
            /* a line a second is enough for a log */
            mv->printed_ms = ev->elapsed_ms ? ev->elapsed_ms : 1;
            progress_line(pg, ev, "", "%s", reading_text(mv, buf,
                                                         sizeof(buf)));
        }
        break;
    case EXEC_EV_ACTION_DONE:
        if (mv)
            mv->active = false;
        /* a relocation says how far it got */
        progress_line(pg, ev, "done", "%s",
                      !ev->act ? (ev->msg ? ev->msg : "") :
                      ev->act->kind == PLAN_ACT_RELOCATE && ev->msg
                      ? ev->msg : done_text(mv, ev->act, buf, sizeof(buf)));
        break;
    case EXEC_EV_ACTION_FAILED:
        if (mv)
            mv->active = false;
        progress_line(pg, ev, "FAILED", "%s", ev->msg);
        break;
    case EXEC_EV_ROLLBACK_BEGIN:
        progress_line(pg, ev, "", "rolling back every domain to where it "
                      "was");
        break;
    case EXEC_EV_ROLLBACK_DONE:
        progress_line(pg, ev, "", "%s", ev->msg);
        break;
    case EXEC_EV_DONE:
        clear_status(pg);
        break;
    case EXEC_EV_CAPACITY:
        /* a plan without steps (already in the phase) says nothing */
        if (pg->p)
            progress_line(pg, ev, "", "capacity: every domain has its "
                          "memory, vCPUs and pCPUs");
        break;
    case EXEC_EV_PLACEMENT:
        if (pg->nr_relocations)
            progress_line(pg, ev, "", "placement: the memory moves are "
                          "done");
        break;
    case EXEC_EV_RECORDED:
        break;
    }
}
