/*
 * output_report.c - the report of apply and mem-move once the executor is
 * done: what each domain reached, the node goals left unmet, the
 * preparation's times; for people and as JSON.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "output_int.h"
#include "xenshift.h"

/*
 * "node 1: 98% (4 MiB elsewhere), 4 balloon cycles" or, for direct
 * moves, "node 1: 99% (256 KiB elsewhere), 32704 pages moved, 64 busy
 * (6976 refusals), longest pause 1.0 ms".
 */
static const char *relocation_text(const exec_dom_report *d, char *buf,
                                   size_t len)
{
    char off[32];
    unsigned pct = d->mem_kib
        ? (unsigned)((d->mem_kib - (d->off_node_kib < d->mem_kib
                                    ? d->off_node_kib : d->mem_kib))
                     * 100 / d->mem_kib) : 0;

    if (d->how == PLAN_MOVE_DIRECT)
        snprintf(buf, len, "node %d: %u%% (%s elsewhere), %" PRIu64
                 " pages moved, %" PRIu64 " busy (%" PRIu64 " refusals), "
                 "longest pause %.1f ms", d->node, pct,
                 OUT_Size(d->off_node_kib, off, sizeof(off)),
                 d->moved_pages, d->busy_pages, d->busy_refusals,
                 (double)d->longest_pause_us / 1000.0);
    else
        snprintf(buf, len, "node %d: %u%% (%s elsewhere), %u balloon "
                 "cycle%s", d->node, pct,
                 OUT_Size(d->off_node_kib, off, sizeof(off)), d->cycles,
                 d->cycles == 1 ? "" : "s");
    return buf;
}

/*
 * The node goals a phase left unmet: soft, so listed under the report
 * or the status rather than failing it.
 */
static void put_shortfalls(FILE *f, const reach_result *r)
{
    char what[400];
    size_t i;

    if (!r || !r->nr_shortfalls)
        return;
    fprintf(f, "\nplacement below the node goal (soft: the phase counts as "
            "reached, see xenshift.json(5)):\n");
    for (i = 0; i < r->nr_shortfalls; i++) {
        const reach_shortfall *s = &r->shortfalls[i];

        fprintf(f, "  %s", REACH_DescribeShortfall(s, what, sizeof(what)));
        if (s->known)
            fprintf(f, ": xenshift mem-move %s %d\n", s->domain, s->node);
        else
            fprintf(f, "\n");
    }
    if (r->nr_more)
        fprintf(f, "  and %zu more\n", r->nr_more);
}

static void json_shortfalls(json_writer *w, const reach_result *r)
{
    size_t i;

    JSONW_Key(w, "node_shortfall");
    JSONW_ArrayOpen(w);
    for (i = 0; r && i < r->nr_shortfalls; i++) {
        const reach_shortfall *s = &r->shortfalls[i];

        JSONW_ObjectOpen(w);
        JSONW_KeyString(w, "domain", s->domain);
        JSONW_KeyInt(w, "node", s->node);
        JSONW_KeyBool(w, "known", s->known);
        JSONW_Key(w, "on_node_pct");
        if (s->known)
            JSONW_Uint(w, s->on_node_pct);
        else
            JSONW_Null(w);
        JSONW_KeyUint(w, "goal_pct", s->goal_pct);
        JSONW_Key(w, "off_node_kib");
        if (s->known)
            JSONW_Uint(w, s->off_node_kib);
        else
            JSONW_Null(w);
        JSONW_ObjectClose(w);
    }
    JSONW_ArrayClose(w);
}

void OUT_PutShortfalls(FILE *f, const reach_result *r)
{
    put_shortfalls(f, r);
}

void OUT_JsonShortfalls(json_writer *w, const reach_result *r)
{
    json_shortfalls(w, r);
}

/* A blank line, then the time before the first step when known. */
static void put_prepared(FILE *f, const trn_prep *prep)
{
    char line[256];

    fprintf(f, "\n");
    if (prep)
        fprintf(f, "%s\n", TRN_PrepText(prep, line, sizeof(line)));
}

static void json_prepared(json_writer *w, const trn_prep *prep)
{
    char key[32];
    int i;

    JSONW_Key(w, "prepare");
    JSONW_ObjectOpen(w);
    JSONW_KeyUint(w, "total_ms", prep->total_ms);
    for (i = 0; i < TRN_PREP_NR; i++) {
        snprintf(key, sizeof(key), "%s_ms",
                 TRN_PrepPartName((trn_prep_part)i));
        JSONW_Key(w, key);
        if (prep->done[i])      /* null: not done (no lock, no NUMA read) */
            JSONW_Uint(w, prep->ms[i]);
        else
            JSONW_Null(w);
    }
    JSONW_ObjectClose(w);
}

/* Each domain's outcome, as it is at the end. */
static void report_rows(FILE *f, const plan *p, const exec_report *r)
{
    char sz[40], vc[16], detail[256];
    out_table tb;
    size_t i;

    OUT_TableInit(&tb, 5);
    OUT_TableRight(&tb, 2);
    OUT_TableRight(&tb, 3);
    OUT_TableRow(&tb, "domain", "outcome", "memory", "vCPUs", "detail",
                 NULL);
    for (i = 0; i < r->nr_doms; i++) {
        const exec_dom_report *d = &r->doms[i];

        /* report->doms follows plan->rows */
        if (d->outcome == EXEC_DOM_VANISHED ||
            (i < p->nr_rows && !p->rows[i].running)) {
            OUT_TableRow(&tb, d->domain, EXEC_OutcomeName(d->outcome), "-",
                         "-", d->msg[0] ? d->msg : "not running", NULL);
            continue;
        }
        snprintf(vc, sizeof(vc), "%u", d->vcpus);
        OUT_TableRow(&tb, d->domain, EXEC_OutcomeName(d->outcome),
                     OUT_Size(d->mem_kib, sz, sizeof(sz)), vc,
                     d->msg[0] || !d->relocated
                     ? d->msg : relocation_text(d, detail, sizeof(detail)),
                     NULL);
    }
    OUT_TablePrint(&tb, f, NULL);
    OUT_TableDispose(&tb);
}

void OUT_Report(FILE *f, const plan *p, const exec_report *r,
                bool rollback, const reach_result *after,
                const trn_prep *prep)
{
    size_t i;
    char line[512];

    for (i = 0; i < p->nr_notes; i++)
        fprintf(f, "note: %s\n", p->notes[i]);
    fprintf(f, "\n");
    report_rows(f, p, r);
    if (r->ok) {
        /* with no step, the plan's notes have said it already */
        if (p->nr_stages)
            put_shortfalls(f, after);
        put_prepared(f, prep);
        fprintf(f, "reached phase %s in %.1f s (capacity at %.1f s, "
                "placement at %.1f s)\n", p->phase,
                (double)r->elapsed_ms / 1000.0,
                (double)r->capacity_ms / 1000.0,
                (double)r->placement_ms / 1000.0);
        return;
    }
    put_prepared(f, prep);
    fprintf(f, "FAILED: %s; ", r->cause.msg);
    if (r->rolled_back) {
        fprintf(f, "rolled back: every domain is back as it was "
                "(%.1f s in all)\n", (double)r->elapsed_ms / 1000.0);
    } else if (r->nr_diffs) {
        fprintf(f, "rolled back with differences (%.1f s in all):\n",
                (double)r->elapsed_ms / 1000.0);
        for (i = 0; i < r->nr_diffs; i++)
            fprintf(f, "  %s\n", REC_FormatDiff(&r->diffs[i], line,
                                                sizeof(line)));
    } else if (!rollback)
        fprintf(f, "not rolled back (--no-rollback): the domains are as "
                "shown above\n");
    else
        fprintf(f, "the rollback did not complete: see each domain above\n");
}

void OUT_MoveReport(FILE *f, const plan *p, const exec_report *r,
                    const out_move *mv)
{
    char before[32] = "";
    size_t i;

    for (i = 0; i < p->nr_notes; i++)
        fprintf(f, "note: %s\n", p->notes[i]);
    fprintf(f, "\n");
    report_rows(f, p, r);
    fprintf(f, "\n");
    if (mv->known_before)
        snprintf(before, sizeof(before), " (%u%% before)", mv->pct_before);
    switch (mv->verdict) {
    case OUT_MOVE_GOAL:
        if (!p->nr_stages)
            fprintf(f, "done: %s has %u%% of its memory on node %d already "
                    "(goal %u%%)\n", mv->domain, mv->pct_after, mv->node,
                    mv->goal_pct);
        else
            fprintf(f, "done: %s has %u%% of its memory on node %d%s, goal "
                    "%u%%, in %.1f s\n", mv->domain, mv->pct_after,
                    mv->node, before, mv->goal_pct,
                    (double)r->elapsed_ms / 1000.0);
        break;
    case OUT_MOVE_PART:
        fprintf(f, "partly done: %s has %u%% of its memory on node %d%s, "
                "short of the %u%% goal, in %.1f s\n", mv->domain,
                mv->pct_after, mv->node, before, mv->goal_pct,
                (double)r->elapsed_ms / 1000.0);
        break;
    case OUT_MOVE_NONE:
        fprintf(f, "FAILED: %s\n", r->cause.msg);
        break;
    }
}

void OUT_ReportJson(FILE *f, const plan *p, const exec_report *r,
                    const reach_result *after, const trn_prep *prep)
{
    json_writer *w = JSONW_New(true);
    size_t i;

    JSONW_ObjectOpen(w);
    JSONW_KeyBool(w, "ok", r->ok);
    JSONW_KeyBool(w, "rolled_back", r->rolled_back);
    if (!r->ok) {
        /* rolled back, but these fields are not as they were */
        JSONW_Key(w, "differences");
        JSONW_ArrayOpen(w);
        for (i = 0; i < r->nr_diffs; i++) {
            JSONW_ObjectOpen(w);
            JSONW_KeyString(w, "domain", r->diffs[i].domain);
            JSONW_KeyString(w, "field", r->diffs[i].field);
            JSONW_KeyString(w, "now", r->diffs[i].now);
            JSONW_KeyString(w, "was", r->diffs[i].was);
            JSONW_ObjectClose(w);
        }
        JSONW_ArrayClose(w);
    }
    JSONW_Key(w, "cause");
    if (r->ok)
        JSONW_Null(w);
    else
        JSONW_String(w, r->cause.msg);
    /* The same "error" as every failure document. */
    JSONW_Key(w, "error");
    if (r->ok)
        JSONW_Null(w);
    else
        OUT_JsonError(w, OUT_FAIL_APPLY, &r->cause, NULL);
    JSONW_KeyUint(w, "elapsed_ms", r->elapsed_ms);
    /* the two moments of a transition; null: not reached */
    JSONW_Key(w, "capacity_ms");
    if (r->capacity_reached)
        JSONW_Uint(w, r->capacity_ms);
    else
        JSONW_Null(w);
    JSONW_Key(w, "placement_ms");
    if (r->placement_reached)
        JSONW_Uint(w, r->placement_ms);
    else
        JSONW_Null(w);
    if (prep)
        json_prepared(w, prep);
    JSONW_Key(w, "results");
    JSONW_ArrayOpen(w);
    for (i = 0; i < r->nr_doms; i++) {
        const exec_dom_report *d = &r->doms[i];
        bool running = d->outcome != EXEC_DOM_VANISHED &&
                       !(i < p->nr_rows && !p->rows[i].running);

        JSONW_ObjectOpen(w);
        JSONW_KeyString(w, "name", d->domain);
        JSONW_KeyString(w, "outcome", EXEC_OutcomeName(d->outcome));
        JSONW_KeyBool(w, "running", running);
        if (running) {
            JSONW_KeyUint(w, "memory_kib", d->mem_kib);
            JSONW_KeyUint(w, "vcpus", d->vcpus);
        }
        JSONW_KeyStringOrNull(w, "message", d->msg[0] ? d->msg : NULL);
        if (d->relocated) {
            JSONW_Key(w, "relocation");
            JSONW_ObjectOpen(w);
            JSONW_KeyInt(w, "node", d->node);
            JSONW_KeyString(w, "strategy", PLAN_MoveHowName(d->how));
            JSONW_KeyUint(w, "off_node_kib", d->off_node_kib);
            if (d->how == PLAN_MOVE_DIRECT) {
                JSONW_KeyUint(w, "moved_pages", d->moved_pages);
                JSONW_KeyUint(w, "busy_pages", d->busy_pages);
                JSONW_KeyUint(w, "busy_refusals", d->busy_refusals);
                JSONW_KeyUint(w, "longest_pause_us", d->longest_pause_us);
            } else {
                JSONW_KeyUint(w, "balloon_cycles", d->cycles);
            }
            JSONW_ObjectClose(w);
        }
        JSONW_ObjectClose(w);
    }
    JSONW_ArrayClose(w);
    if (after)                  /* apply: the node goals left unmet */
        json_shortfalls(w, r->ok ? after : NULL);
    JSONW_Key(w, "plan");
    JSONW_ObjectOpen(w);
    OUT_JsonPlanBody(w, p);
    JSONW_ObjectClose(w);
    JSONW_ObjectClose(w);
    OUT_JsonOut(f, w);
}
