/*
 * timeline.c - the recorder of a transition's events (see timeline.h).
 * The SVG writer is timeline_svg.c.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "timeline.h"

static int grow(void **arr, size_t *cap, size_t nr, size_t size)
{
    size_t ncap;
    void *n;

    if (nr < *cap)
        return 0;
    ncap = *cap ? *cap * 2 : 16;
    n = realloc(*arr, ncap * size);
    if (!n)
        return -1;
    *arr = n;
    *cap = ncap;
    return 0;
}

static void add_point(tl_timeline *tl, tl_series *s, uint64_t ms,
                      uint64_t kib, bool rolling_back)
{
    if (grow((void **)&s->pts, &s->cap, s->nr, sizeof(*s->pts))) {
        tl->nomem = true;
        return;
    }
    s->pts[s->nr++] = (tl_point){ .ms = ms, .kib = kib,
                                  .rolling_back = rolling_back };
}

static tl_series *series_of(tl_timeline *tl, const char *domain)
{
    size_t i;

    for (i = 0; i < tl->nr_series; i++)
        if (!strcmp(tl->series[i].domain, domain))
            return &tl->series[i];
    return NULL;
}

static void add_free(tl_timeline *tl, uint64_t ms, uint64_t kib)
{
    if (grow((void **)&tl->free, &tl->cap_free, tl->nr_free,
             sizeof(*tl->free))) {
        tl->nomem = true;
        return;
    }
    tl->free[tl->nr_free++] = (tl_point){ .ms = ms, .kib = kib };
}

int TL_Init(tl_timeline *tl, const plan *p, exec_progress_fn *next,
            void *next_ctx)
{
    size_t i;

    memset(tl, 0, sizeof(*tl));
    tl->next = next;
    tl->next_ctx = next_ctx;
    snprintf(tl->phase, sizeof(tl->phase), "%s", p->phase);
    tl->reserve_kib = p->reserve_kib;
    tl->series = calloc(p->nr_rows ? p->nr_rows : 1, sizeof(*tl->series));
    if (!tl->series)
        return -1;
    for (i = 0; i < p->nr_rows; i++) {
        tl_series *s;

        if (!p->rows[i].running)
            continue;
        s = &tl->series[tl->nr_series++];
        snprintf(s->domain, sizeof(s->domain), "%s", p->rows[i].domain);
        add_point(tl, s, 0, p->rows[i].mem_before_kib, false);
    }
    /* What the planner read: the first known reading. */
    if (p->free_before_kib)
        add_free(tl, 0, p->free_before_kib);
    return tl->nomem ? -1 : 0;
}

void TL_Dispose(tl_timeline *tl)
{
    size_t i;

    for (i = 0; i < tl->nr_series; i++)
        free(tl->series[i].pts);
    free(tl->series);
    free(tl->free);
    free(tl->bars);
    memset(tl, 0, sizeof(*tl));
}

void TL_SetOutcome(tl_timeline *tl, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(tl->outcome, sizeof(tl->outcome), fmt, ap);
    va_end(ap);
}

void TL_SetResult(tl_timeline *tl, const trn_result *res,
                  const exec_report *rep)
{
    /* The message says why: "vetoed by 10-check (...)", say. */
    if (res->outcome == TRN_VETOED ||
        (res->outcome == TRN_FAILED && !rep->nr_doms))
        TL_SetOutcome(tl, "not applied: %s", res->message);
}

/* An undo step names its domain first: "vm2: balloon ...", "vm2 at". */
static void leading_name(const char *msg, char *buf, size_t len)
{
    size_t n = strcspn(msg, ": ");

    if (!msg[n] || n >= len)
        n = 0;
    memcpy(buf, msg, n);
    buf[n] = '\0';
}

static tl_bar *add_bar(tl_timeline *tl, const exec_event *ev)
{
    tl_bar *b;

    if (grow((void **)&tl->bars, &tl->cap_bars, tl->nr_bars,
             sizeof(*tl->bars))) {
        tl->nomem = true;
        return NULL;
    }
    b = &tl->bars[tl->nr_bars++];
    memset(b, 0, sizeof(*b));
    b->start_ms = b->end_ms = ev->elapsed_ms;
    b->act = ev->act;
    if (ev->act && !ev->rolling_back) {
        PLAN_DescribeAction(ev->act, b->label, sizeof(b->label));
        snprintf(b->domain, sizeof(b->domain), "%s", ev->act->domain);
        b->kind = PLAN_ActName(ev->act->kind);
    } else {
        snprintf(b->label, sizeof(b->label), "%s", ev->msg ? ev->msg : "");
        leading_name(b->label, b->domain, sizeof(b->domain));
        b->kind = "undo";
        b->undo = true;
    }
    return b;
}

/*
 * The open bar an end event closes.  A forward step by its action; an
 * undo step (no action) by its text, else by the domain its message
 * names first ("vm2 at 512 MiB" ends "vm2: balloon target ..."), else
 * the oldest open undo step.
 */
static tl_bar *open_bar(tl_timeline *tl, const exec_event *ev)
{
    char name[HV_NAME_MAX];
    size_t i;

    if (ev->act && !ev->rolling_back) {
        for (i = tl->nr_bars; i-- > 0;)
            if (!tl->bars[i].ended && tl->bars[i].act == ev->act &&
                !tl->bars[i].undo)
                return &tl->bars[i];
        return NULL;
    }
    for (i = 0; ev->msg && i < tl->nr_bars; i++)
        if (tl->bars[i].undo && !tl->bars[i].ended &&
            !strcmp(tl->bars[i].label, ev->msg))
            return &tl->bars[i];
    leading_name(ev->msg ? ev->msg : "", name, sizeof(name));
    for (i = 0; name[0] && i < tl->nr_bars; i++)
        if (tl->bars[i].undo && !tl->bars[i].ended &&
            !strcmp(tl->bars[i].domain, name))
            return &tl->bars[i];
    for (i = 0; i < tl->nr_bars; i++)
        if (tl->bars[i].undo && !tl->bars[i].ended)
            return &tl->bars[i];
    return NULL;
}

/* Steps still open when the way back begins or the run ends: cut. */
static void cut_open(tl_timeline *tl, uint64_t ms, bool undo)
{
    size_t i;

    for (i = 0; i < tl->nr_bars; i++) {
        tl_bar *b = &tl->bars[i];

        if (b->undo == undo && !b->ended && !b->cut) {
            b->end_ms = ms;
            b->cut = true;
        }
    }
}

static void end_bar(tl_timeline *tl, const exec_event *ev, bool failed)
{
    tl_bar *b = open_bar(tl, ev);

    /* A failure without a start (a stage's time limit, a lost read). */
    if (!b) {
        b = add_bar(tl, ev);
        if (!b)
            return;
    }
    b->end_ms = ev->elapsed_ms;
    b->ended = true;
    b->cut = false;
    if (failed) {
        b->failed = true;
        snprintf(b->why, sizeof(b->why), "%s", ev->msg ? ev->msg : "");
        tl->failed = true;
    }
}

/* A memory step's reading, start or end: a point of its domain's line. */
static void memory_point(tl_timeline *tl, const exec_event *ev,
                         uint64_t kib)
{
    tl_series *s;

    if (!ev->act || ev->act->kind != PLAN_ACT_MEMORY)
        return;
    s = series_of(tl, ev->act->domain);
    if (s)
        add_point(tl, s, ev->elapsed_ms, kib, ev->rolling_back);
}

static const rec_domain *recorded(const tl_timeline *tl, const char *name)
{
    size_t i;

    for (i = 0; tl->record && i < tl->record->nr_doms; i++)
        if (!strcmp(tl->record->doms[i].name, name))
            return &tl->record->doms[i];
    return NULL;
}

/*
 * The way back says "vm2 at 512 MiB" when a balloon it waited for is
 * at its recorded target (record.c): the one reading it gives.
 */
static void undo_point(tl_timeline *tl, const exec_event *ev)
{
    char name[HV_NAME_MAX];
    const rec_domain *rd;
    tl_series *s;

    leading_name(ev->msg ? ev->msg : "", name, sizeof(name));
    if (!name[0] || strncmp(ev->msg + strlen(name), " at ", 4))
        return;
    s = series_of(tl, name);
    rd = recorded(tl, name);
    if (s && rd && rd->planned)
        add_point(tl, s, ev->elapsed_ms, rd->mem_kib, true);
}

/*
 * Rolled back: every domain is at its recorded memory again.  The way
 * back reports no readings, so its line goes straight there.
 */
static void back_to_record(tl_timeline *tl, uint64_t ms)
{
    size_t i, j;

    for (i = 0; tl->record && i < tl->record->nr_doms; i++) {
        const rec_domain *rd = &tl->record->doms[i];

        for (j = 0; j < tl->nr_series; j++) {
            tl_series *s = &tl->series[j];

            if (!strcmp(s->domain, rd->name) && rd->planned && s->nr &&
                s->pts[s->nr - 1].kib != rd->mem_kib)
                add_point(tl, s, ms, rd->mem_kib, true);
        }
    }
}

/*
 * The way back begins: each line holds its last reading until now (a
 * stuck balloon stays), then goes dashed to where the way back ends.
 */
static void hold_all(tl_timeline *tl, uint64_t ms)
{
    size_t i;

    for (i = 0; i < tl->nr_series; i++) {
        tl_series *s = &tl->series[i];

        if (s->nr && s->pts[s->nr - 1].ms < ms)
            add_point(tl, s, ms, s->pts[s->nr - 1].kib, false);
    }
}

static void on_rollback(tl_timeline *tl, const exec_event *ev)
{
    if (ev->kind == EXEC_EV_ROLLBACK_BEGIN) {
        tl->rollback_seen = true;
        tl->rollback_begin_ms = ev->elapsed_ms;
        tl->failed = true;
        cut_open(tl, ev->elapsed_ms, false);
        hold_all(tl, ev->elapsed_ms);
        return;
    }
    tl->rollback_ended = true;
    tl->rollback_end_ms = ev->elapsed_ms;
    snprintf(tl->rollback_result, sizeof(tl->rollback_result), "%s",
             ev->msg ? ev->msg : "");
    /* exec.c's word for "every field is back as recorded". */
    if (ev->msg && !strcmp(ev->msg, "rolled back"))
        back_to_record(tl, ev->elapsed_ms);
}

void TL_OnEvent(void *ctx, const exec_event *ev)
{
    tl_timeline *tl = ctx;
    tl_bar *b;

    if (ev->elapsed_ms > tl->end_ms)
        tl->end_ms = ev->elapsed_ms;
    if (ev->free_kib)
        add_free(tl, ev->elapsed_ms, ev->free_kib);
    switch (ev->kind) {
    case EXEC_EV_RECORDED:
        tl->record = ev->record;
        break;
    case EXEC_EV_ACTION_BEGIN:
        b = add_bar(tl, ev);
        if (b && !b->undo)
            memory_point(tl, ev, ev->act->from_kib);
        break;
    case EXEC_EV_PROGRESS:
        memory_point(tl, ev, ev->now_kib);
        break;
    case EXEC_EV_ACTION_DONE:
        end_bar(tl, ev, false);
        if (!ev->rolling_back)
            memory_point(tl, ev, ev->act ? ev->act->to_kib : 0);
        else
            undo_point(tl, ev);
        break;
    case EXEC_EV_ACTION_FAILED:
        end_bar(tl, ev, true);
        break;
    case EXEC_EV_ROLLBACK_BEGIN:
    case EXEC_EV_ROLLBACK_DONE:
        on_rollback(tl, ev);
        break;
    case EXEC_EV_CAPACITY:
    case EXEC_EV_PLACEMENT:
        if (tl->nr_marks < 2) {
            tl->marks[tl->nr_marks].ms = ev->elapsed_ms;
            tl->marks[tl->nr_marks].what =
                ev->kind == EXEC_EV_CAPACITY ? "capacity" : "placement";
            tl->nr_marks++;
        }
        break;
    case EXEC_EV_DONE:
        tl->done = true;
        snprintf(tl->done_msg, sizeof(tl->done_msg), "%s",
                 ev->msg ? ev->msg : "");
        cut_open(tl, ev->elapsed_ms, false);
        cut_open(tl, ev->elapsed_ms, true);
        /* The record belongs to the executor: gone after this. */
        tl->record = NULL;
        break;
    default:
        break;
    }
    if (tl->next)
        tl->next(tl->next_ctx, ev);
}
