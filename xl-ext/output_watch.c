/*
 * output_watch.c - what xenshift status --watch shows of a sample
 * (watch.c): a frame for a terminal, lines for a pipe, JSON lines.
 */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "output_int.h"
#include "watch.h"

#define BAR_WIDTH 20

static const char *seconds(long long ms, char *buf, size_t len)
{
    snprintf(buf, len, "%.1f s", (double)ms / 1000.0);
    return buf;
}

/* The step under way: the answer's "K/N ..." when there is one. */
static const char *step_text(const watch_sample *s)
{
    if (s->progress[0])
        return s->progress;
    return s->jnl.step[0] ? s->jnl.step : "starting";
}

/* The journal's state, unless its process died with it unfinished. */
static const char *state_text(const watch_sample *s)
{
    return s->dead ? "interrupted, its process died" : s->jnl.state;
}

static const char *process_name(int alive)
{
    return alive > 0 ? "alive" : alive == 0 ? "dead" : "unknown";
}

const char *OUT_WatchHeadLine(const watch_sample *s, bool with_elapsed,
                              char *buf, size_t len)
{
    const jnl_entry *j = &s->jnl;
    char t[3][32];
    size_t n;

    if (!j->present) {
        snprintf(buf, len, "no transition; phase %s%s%s",
                 s->phase[0] ? s->phase : "none", s->result[0] ? "; last: "
                 : "", s->result);
        return buf;
    }
    n = (size_t)snprintf(buf, len, "%s -> %s: %s%s%s, step %s",
                         j->from[0] ? j->from : "(no phase)", j->to,
                         state_text(s), with_elapsed && s->elapsed_ms >= 0 ?
                         ", " : "", with_elapsed && s->elapsed_ms >= 0 ?
                         seconds(s->elapsed_ms, t[0], sizeof(t[0])) : "",
                         step_text(s));
    if (j->capacity_ms >= 0 && n < len)
        n += (size_t)snprintf(buf + n, len - n, ", capacity at %s",
                              seconds(j->capacity_ms, t[1], sizeof(t[1])));
    if (j->placement_ms >= 0 && n < len)
        snprintf(buf + n, len - n, ", placement at %s",
                 seconds(j->placement_ms, t[2], sizeof(t[2])));
    return buf;
}

const char *OUT_WatchDomLine(const watch_dom *d, char *buf, size_t len)
{
    char mem[40], target[40], pct[16] = "";
    size_t n;

    n = (size_t)snprintf(buf, len, "  %s %s", d->name,
                         OUT_Size(d->mem_kib, mem, sizeof(mem)));
    if (d->pct >= 0)
        snprintf(pct, sizeof(pct), ", %d%%", d->pct);
    if (d->in_transition && n < len)
        n += (size_t)snprintf(buf + n, len - n, ", target %s%s",
                              OUT_Size(d->target_kib, target,
                                       sizeof(target)), pct);
    if (d->stage[0] && n < len)
        snprintf(buf + n, len - n, ", %s", d->stage);
    return buf;
}

const char *OUT_WatchEndLine(const watch_sample *s, char *buf, size_t len)
{
    /* A dead runner wrote no result: an older one may be there. */
    const char *how = s->dead ? s->failure : s->result[0] ? s->result
                                                          : "no result";

    snprintf(buf, len, "transition ended: %s; phase %s", how,
             s->phase[0] ? s->phase : "none");
    return buf;
}

/* "[#########           ]  45%" */
static const char *bar(int pct, char *buf, size_t len)
{
    char cells[BAR_WIDTH + 1];
    int i, full = pct * BAR_WIDTH / 100;

    if (pct < 0) {
        snprintf(buf, len, "-");
        return buf;
    }
    for (i = 0; i < BAR_WIDTH; i++)
        cells[i] = i < full ? '#' : ' ';
    cells[BAR_WIDTH] = '\0';
    snprintf(buf, len, "[%s] %3d%%", cells, pct);
    return buf;
}

static void frame_transition(FILE *f, const watch_sample *s)
{
    const jnl_entry *j = &s->jnl;
    char t[40], id[16], mem[40], target[40], pb[BAR_WIDTH + 16];
    out_table tb;
    size_t i;

    fprintf(f, "transition: %s -> %s  %s  elapsed %s\n",
            j->from[0] ? j->from : "(no phase)", j->to, state_text(s),
            s->elapsed_ms >= 0 ? seconds(s->elapsed_ms, t, sizeof(t)) : "?");
    if (s->alive > 0)
        fprintf(f, "process:    %s\n", s->holder);
    else if (s->dead)
        fprintf(f, "process:    dead; 'xenshift recover' puts the host "
                "back\n");
    fprintf(f, "step:       %s\n", step_text(s));
    fprintf(f, "capacity:   %s", j->capacity_ms >= 0 ?
            seconds(j->capacity_ms, t, sizeof(t)) : "not yet");
    fprintf(f, "    placement: %s\n", j->placement_ms >= 0 ?
            seconds(j->placement_ms, t, sizeof(t)) : "not yet");
    if (j->request[0])
        fprintf(f, "request:    %s\n", j->request);
    fprintf(f, "\n");
    OUT_TableInit(&tb, 6);
    OUT_TableRight(&tb, 1);
    OUT_TableRight(&tb, 2);
    OUT_TableRight(&tb, 3);
    OUT_TableRow(&tb, "domain", "id", "memory", "target", "progress",
                 "stage", NULL);
    for (i = 0; i < s->snap.nr_doms; i++) {
        const watch_dom *d = &s->doms[i];

        snprintf(id, sizeof(id), "%u", d->domid);
        OUT_TableRow(&tb, d->name, id, OUT_Size(d->mem_kib, mem,
                                                sizeof(mem)),
                     d->in_transition ? OUT_Size(d->target_kib, target,
                                                 sizeof(target)) : "-",
                     bar(d->pct, pb, sizeof(pb)),
                     d->stage[0] ? d->stage : "-", NULL);
    }
    OUT_TablePrint(&tb, f, NULL);
    OUT_TableDispose(&tb);
}

void OUT_WatchFrame(FILE *f, const watch_sample *s, const tbl_table *t,
                    const char *driver, const watch_opts *o, int verbose)
{
    char every[32];

    fprintf(f, "xenshift status --watch: every %s; q to quit\n\n",
            seconds(o->interval_ms, every, sizeof(every)));
    if (s->jnl.present) {
        frame_transition(f, s);
        return;
    }
    fprintf(f, "no transition runs%s%s\n\n", s->result[0] ? "; last: " : "",
            s->result);
    OUT_Status(f, &s->snap, t, s->match, t->nr_phases, driver, verbose);
}

static void json_ms(json_writer *w, const char *key, long long ms)
{
    JSONW_Key(w, key);
    if (ms >= 0)
        JSONW_Int(w, ms);
    else
        JSONW_Null(w);
}

static void json_transition(json_writer *w, const watch_sample *s)
{
    const jnl_entry *j = &s->jnl;

    JSONW_Key(w, "transition");
    if (!j->present) {
        JSONW_Null(w);
        return;
    }
    JSONW_ObjectOpen(w);
    JSONW_KeyStringOrNull(w, "from", j->from[0] ? j->from : NULL);
    JSONW_KeyString(w, "to", j->to);
    JSONW_KeyString(w, "state", j->state);
    JSONW_KeyString(w, "process", process_name(s->alive));
    JSONW_KeyStringOrNull(w, "holder", s->alive > 0 ? s->holder : NULL);
    JSONW_KeyStringOrNull(w, "request", j->request[0] ? j->request : NULL);
    JSONW_KeyStringOrNull(w, "step", j->step[0] ? j->step : NULL);
    JSONW_KeyStringOrNull(w, "progress", s->progress[0] ? s->progress
                                                        : NULL);
    json_ms(w, "elapsed_ms", s->elapsed_ms);
    json_ms(w, "capacity_ms", j->capacity_ms);
    json_ms(w, "placement_ms", j->placement_ms);
    JSONW_ObjectClose(w);
}

void OUT_WatchJson(FILE *f, const watch_sample *s, bool ended)
{
    json_writer *w = JSONW_New(false);
    size_t i;

    JSONW_ObjectOpen(w);
    JSONW_KeyBool(w, "ok", !s->failure);
    if (s->failure) {
        xs_err err;

        ERR_Set(&err, "%s", s->failure);
        JSONW_Key(w, "error");
        OUT_JsonError(w, OUT_FAIL_APPLY, &err, "transition");
    }
    JSONW_KeyBool(w, "ended", ended);
    json_transition(w, s);
    JSONW_KeyStringOrNull(w, "phase", s->phase[0] ? s->phase : NULL);
    JSONW_KeyStringOrNull(w, "result", s->result[0] ? s->result : NULL);
    JSONW_Key(w, "domains");
    JSONW_ArrayOpen(w);
    for (i = 0; i < s->snap.nr_doms; i++) {
        const watch_dom *d = &s->doms[i];

        JSONW_ObjectOpen(w);
        JSONW_KeyString(w, "name", d->name);
        JSONW_KeyUint(w, "domid", d->domid);
        JSONW_KeyUint(w, "memory_kib", d->mem_kib);
        JSONW_Key(w, "target_kib");
        if (d->in_transition)
            JSONW_Uint(w, d->target_kib);
        else
            JSONW_Null(w);
        JSONW_Key(w, "from_kib");
        if (d->in_transition && d->has_from)
            JSONW_Uint(w, d->from_kib);
        else
            JSONW_Null(w);
        JSONW_Key(w, "progress_pct");
        if (d->pct >= 0)
            JSONW_Int(w, d->pct);
        else
            JSONW_Null(w);
        JSONW_KeyStringOrNull(w, "stage", d->stage[0] ? d->stage : NULL);
        JSONW_ObjectClose(w);
    }
    JSONW_ArrayClose(w);
    JSONW_ObjectClose(w);
    OUT_JsonOut(f, w);
}
