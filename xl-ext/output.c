/*
 * output.c - what xenshift prints: tables for people, JSON for programs.
 *
 * JSON keys are snake_case and stable; sizes are integers in KiB with a
 * _kib suffix.  The JSON goes through lib/base/json.h only.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "output_int.h"
#include "units.h"
#include "xenshift.h"

/*
 * Sizes for people: MiB, as xl prints them, whole when exact, else with
 * two decimals (a balloon rarely stops on the exact page).
 */
const char *OUT_Size(uint64_t kib, char *buf, size_t len)
{
    return UNITS_FormatMiB(kib, buf, len);
}

void OUT_Error(const xs_cli *cli, const xs_err *err, const char *context)
{
    char buf[1200];

    ERR_Format(err, buf, sizeof(buf));
    if (context)
        fprintf(stderr, "%s: %s: %s\n", cli->progname, context, buf);
    else
        fprintf(stderr, "%s\n", buf);
}

/* Whether this process has printed its one JSON document. */
static bool json_printed;

const char *OUT_FailKindName(out_fail_kind kind)
{
    static const char *const names[] = {
        [OUT_FAIL_TABLE] = "table",
        [OUT_FAIL_PHASE] = "phase",
        [OUT_FAIL_EVENT] = "event",
        [OUT_FAIL_HOST] = "host",
        [OUT_FAIL_LOCK] = "lock",
        [OUT_FAIL_PLAN] = "plan",
        [OUT_FAIL_DOMAIN] = "domain",
        [OUT_FAIL_VETO] = "veto",
        [OUT_FAIL_APPLY] = "apply",
        [OUT_FAIL_DAEMON] = "daemon",
        [OUT_FAIL_TIMELINE] = "timeline",
        [OUT_FAIL_RECOVER] = "recover",
        [OUT_FAIL_INTERNAL] = "internal",
    };

    return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind]
                                                            : "internal";
}

/*
 * The "error" object of every failure document: what failed, why, and
 * where in a file when the error is about one (null otherwise).
 */
void OUT_JsonError(json_writer *w, out_fail_kind kind, const xs_err *err,
                   const char *context)
{
    JSONW_ObjectOpen(w);
    JSONW_KeyString(w, "kind", OUT_FailKindName(kind));
    JSONW_KeyStringOrNull(w, "context", context);
    JSONW_KeyString(w, "message", err->msg);
    JSONW_KeyStringOrNull(w, "file", err->file[0] ? err->file : NULL);
    JSONW_Key(w, "line");
    if (err->file[0] && err->line > 0)
        JSONW_Int(w, err->line);
    else
        JSONW_Null(w);
    JSONW_Key(w, "column");
    if (err->file[0] && err->line > 0 && err->col > 0)
        JSONW_Int(w, err->col);
    else
        JSONW_Null(w);
    JSONW_ObjectClose(w);
}

static void json_out(FILE *f, json_writer *w);

/* The failure document on stdout, when -j asks and none was printed. */
static void fail_json(const xs_cli *cli, out_fail_kind kind,
                      const xs_err *err, const char *context)
{
    json_writer *w;

    if (!cli->json || json_printed)
        return;
    w = JSONW_New(true);
    JSONW_ObjectOpen(w);
    JSONW_KeyBool(w, "ok", false);
    JSONW_KeyStringOrNull(w, "command", cli->command);
    JSONW_Key(w, "error");
    OUT_JsonError(w, kind, err, context);
    JSONW_ObjectClose(w);
    json_out(stdout, w);
}

void OUT_Fail(const xs_cli *cli, out_fail_kind kind, const xs_err *err,
              const char *context)
{
    OUT_Error(cli, err, context);
    fail_json(cli, kind, err, context);
}

void OUT_Failf(const xs_cli *cli, out_fail_kind kind, const char *fmt, ...)
{
    xs_err err;
    va_list ap;

    ERR_Clear(&err);
    va_start(ap, fmt);
    vsnprintf(err.msg, sizeof(err.msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s\n", cli->progname, err.msg);
    fail_json(cli, kind, &err, NULL);
}

static void json_out(FILE *f, json_writer *w)
{
    size_t len;
    const char *text = JSONW_Text(w, &len);

    fwrite(text, 1, len, f);
    if (len && text[len - 1] != '\n')
        fputc('\n', f);
    JSONW_Free(w);
    json_printed = true;
}

void OUT_JsonOut(FILE *f, json_writer *w)
{
    json_out(f, w);
}

/* --- plan --------------------------------------------------------------- */

static const char *cpus_text(const xs_cpumap *m, bool dedicated, char *buf,
                             size_t len)
{
    char c[256];

    snprintf(buf, len, "%s%s", CPUMAP_Format(m, c, sizeof(c)),
             dedicated ? " dedicated" : "");
    return buf;
}

/* The plan's before/after table: a domain a row, "x -> y" where it moves. */
static void plan_rows(FILE *f, const plan *p)
{
    size_t i;
    char a[40], b[40], c1[300], c2[300], mem[96], vc[32], cpus[620];
    char node[16];
    bool nodes = false;
    out_table tb;

    /* A node column only when the phase asks for one. */
    for (i = 0; i < p->nr_rows; i++)
        if (p->rows[i].running && p->rows[i].node_after != TBL_KEEP)
            nodes = true;
    OUT_TableInit(&tb, nodes ? 5 : 4);
    OUT_TableRow(&tb, "domain", "memory", "vCPUs", "pCPUs", "node", NULL);
    for (i = 0; i < p->nr_rows; i++) {
        const plan_row *r = &p->rows[i];

        if (!r->running) {
            OUT_TableRow(&tb, r->domain, "not running", NULL);
            continue;
        }
        if (r->mem_before_kib == r->mem_after_kib)
            snprintf(mem, sizeof(mem), "%s",
                     OUT_Size(r->mem_after_kib, a, sizeof(a)));
        else
            snprintf(mem, sizeof(mem), "%s -> %s",
                     OUT_Size(r->mem_before_kib, a, sizeof(a)),
                     OUT_Size(r->mem_after_kib, b, sizeof(b)));
        if (r->vcpus_before == r->vcpus_after)
            snprintf(vc, sizeof(vc), "%u", r->vcpus_after);
        else
            snprintf(vc, sizeof(vc), "%u -> %u", r->vcpus_before,
                     r->vcpus_after);
        cpus_text(r->cpus_before, r->dedicated_before, c1, sizeof(c1));
        cpus_text(r->cpus_after, r->dedicated_after, c2, sizeof(c2));
        if (strcmp(c1, c2) == 0)
            snprintf(cpus, sizeof(cpus), "%s", c2);
        else
            snprintf(cpus, sizeof(cpus), "%s -> %s", c1, c2);
        node[0] = '\0';
        if (r->node_after != TBL_KEEP)
            snprintf(node, sizeof(node), "%d", r->node_after);
        OUT_TableRow(&tb, r->domain, mem, vc, cpus, node, NULL);
    }
    OUT_TablePrint(&tb, f, NULL);
    OUT_TableDispose(&tb);
}

/* "waits for ..." under step i of the plan's graph, when it waits. */
static void plan_waits(FILE *f, const plan_graph *g, size_t i)
{
    const plan_node *nd = &g->nodes[i];
    size_t k;

    if (nd->gate == PLAN_GATE_FREE_MEMORY)
        fprintf(f, "        waits for free memory above the reserve: "
                "grows as the donors give it back\n");
    else if (nd->gate == PLAN_GATE_CAPACITY)
        fprintf(f, "        waits for capacity: every step above that is "
                "not a memory move\n");
    for (k = 0; k < nd->nr_deps; k++) {
        const plan_dep *d = &g->deps[nd->first_dep + k];

        fprintf(f, "        waits for step %zu: %s\n", d->on + 1,
                PLAN_WhyText(d->why));
    }
}

void OUT_Plan(FILE *f, const plan *p)
{
    size_t s, a, step = 0;
    char buf[256], x[32], y[32], z[32], r[32];
    plan_graph g;
    xs_err err;
    bool graph;

    for (s = 0; s < p->nr_notes; s++)
        fprintf(f, "note: %s\n", p->notes[s]);
    if (!p->nr_stages) {
        fprintf(f, "Nothing to do.\n");
        return;
    }
    PLAN_GraphInit(&g);
    graph = PLAN_GraphMake(p, &g, &err) == 0;
    fprintf(f, "Plan for phase \"%s\" (each step starts once what it "
            "waits for is done):\n", p->phase);
    for (s = 0; s < p->nr_stages; s++) {
        const plan_stage *st = &p->stages[s];

        fprintf(f, "  %s\n", PLAN_StageName(st->kind));
        for (a = 0; a < st->nr_acts; a++) {
            fprintf(f, "    %2zu. %s\n", step + 1,
                    PLAN_DescribeAction(&st->acts[a], buf, sizeof(buf)));
            if (graph)
                plan_waits(f, &g, step);
            step++;
        }
    }
    if (!graph)
        fprintf(f, "  (what each step waits for: %s)\n", err.msg);
    PLAN_GraphDispose(&g);
    fprintf(f, "\n");
    plan_rows(f, p);
    fprintf(f, "\nfree host memory: %s now, %s at the lowest, %s after "
            "(reserve %s)\n", OUT_Size(p->free_before_kib, x, sizeof(x)),
            OUT_Size(p->free_min_kib, y, sizeof(y)),
            OUT_Size(p->free_after_kib, z, sizeof(z)),
            OUT_Size(p->reserve_kib, r, sizeof(r)));
}

/* "step", "waits_for" and "gate" of step i of the plan's graph. */
static void json_plan_waits(json_writer *w, const plan_graph *g, size_t i)
{
    const plan_node *nd;
    size_t k;

    JSONW_KeyUint(w, "step", i + 1);
    if (i >= g->nr_nodes)
        return;
    nd = &g->nodes[i];
    JSONW_KeyString(w, "gate", PLAN_GateName(nd->gate));
    JSONW_Key(w, "waits_for");
    JSONW_ArrayOpen(w);
    for (k = 0; k < nd->nr_deps; k++) {
        const plan_dep *d = &g->deps[nd->first_dep + k];

        JSONW_ObjectOpen(w);
        JSONW_KeyUint(w, "step", d->on + 1);
        JSONW_KeyString(w, "why", PLAN_WhyName(d->why));
        JSONW_ObjectClose(w);
    }
    JSONW_ArrayClose(w);
}

static void json_plan_body(json_writer *w, const plan *p)
{
    size_t s, a, step = 0;
    char buf[256];
    plan_graph g;
    xs_err err;

    PLAN_GraphInit(&g);
    if (PLAN_GraphMake(p, &g, &err))
        PLAN_GraphDispose(&g);  /* steps without their waits */

    JSONW_KeyString(w, "phase", p->phase);
    JSONW_Key(w, "stages");
    JSONW_ArrayOpen(w);
    for (s = 0; s < p->nr_stages; s++) {
        const plan_stage *st = &p->stages[s];

        JSONW_ObjectOpen(w);
        JSONW_KeyString(w, "stage", PLAN_StageName(st->kind));
        JSONW_Key(w, "actions");
        JSONW_ArrayOpen(w);
        for (a = 0; a < st->nr_acts; a++) {
            const plan_action *ac = &st->acts[a];

            JSONW_ObjectOpen(w);
            JSONW_KeyString(w, "action", PLAN_ActName(ac->kind));
            JSONW_KeyString(w, "domain", ac->domain);
            JSONW_KeyUint(w, "domid", ac->domid);
            switch (ac->kind) {
            case PLAN_ACT_MEMORY:
                JSONW_KeyUint(w, "from_kib", ac->from_kib);
                JSONW_KeyUint(w, "to_kib", ac->to_kib);
                break;
            case PLAN_ACT_VCPUS:
                JSONW_KeyUint(w, "from_vcpus", ac->from_vcpus);
                JSONW_KeyUint(w, "to_vcpus", ac->to_vcpus);
                break;
            case PLAN_ACT_RELOCATE:
                JSONW_KeyInt(w, "node", ac->node);
                JSONW_KeyString(w, "strategy", PLAN_MoveHowName(ac->how));
                JSONW_KeyUint(w, "off_node_kib", ac->from_kib);
                break;
            case PLAN_ACT_POOL_LEAVE:
            case PLAN_ACT_POOL_ENTER:
                JSONW_KeyString(w, "pool", ac->pool);
                /* fall through */
            case PLAN_ACT_PIN:
                JSONW_KeyString(w, "pcpus",
                                CPUMAP_Format(ac->cpus, buf, sizeof(buf)));
                break;
            }
            JSONW_KeyString(w, "description",
                            PLAN_DescribeAction(ac, buf, sizeof(buf)));
            json_plan_waits(w, &g, step++);
            JSONW_ObjectClose(w);
        }
        JSONW_ArrayClose(w);
        JSONW_ObjectClose(w);
    }
    JSONW_ArrayClose(w);
    PLAN_GraphDispose(&g);
    JSONW_Key(w, "domains");
    JSONW_ArrayOpen(w);
    for (s = 0; s < p->nr_rows; s++) {
        const plan_row *r = &p->rows[s];

        JSONW_ObjectOpen(w);
        JSONW_KeyString(w, "name", r->domain);
        JSONW_KeyBool(w, "running", r->running);
        if (r->running) {
            JSONW_KeyUint(w, "domid", r->domid);
            JSONW_KeyUint(w, "memory_before_kib", r->mem_before_kib);
            JSONW_KeyUint(w, "memory_after_kib", r->mem_after_kib);
            JSONW_KeyUint(w, "vcpus_before", r->vcpus_before);
            JSONW_KeyUint(w, "vcpus_after", r->vcpus_after);
            JSONW_KeyString(w, "pcpus_before",
                            CPUMAP_Format(r->cpus_before, buf, sizeof(buf)));
            JSONW_KeyString(w, "pcpus_after",
                            CPUMAP_Format(r->cpus_after, buf, sizeof(buf)));
            JSONW_KeyBool(w, "dedicated_before", r->dedicated_before);
            JSONW_KeyBool(w, "dedicated_after", r->dedicated_after);
            JSONW_Key(w, "node_after");
            if (r->node_after == TBL_KEEP)
                JSONW_Null(w);
            else
                JSONW_Int(w, r->node_after);
        }
        JSONW_ObjectClose(w);
    }
    JSONW_ArrayClose(w);
    JSONW_Key(w, "notes");
    JSONW_ArrayOpen(w);
    for (s = 0; s < p->nr_notes; s++)
        JSONW_String(w, p->notes[s]);
    JSONW_ArrayClose(w);
    JSONW_Key(w, "memory");
    JSONW_ObjectOpen(w);
    JSONW_KeyUint(w, "free_before_kib", p->free_before_kib);
    JSONW_KeyUint(w, "free_min_kib", p->free_min_kib);
    JSONW_KeyUint(w, "free_after_kib", p->free_after_kib);
    JSONW_KeyUint(w, "reserve_kib", p->reserve_kib);
    JSONW_ObjectClose(w);
}

void OUT_PlanJson(FILE *f, const plan *p)
{
    json_writer *w = JSONW_New(true);

    JSONW_ObjectOpen(w);
    json_plan_body(w, p);
    JSONW_ObjectClose(w);
    json_out(f, w);
}

/* --- apply report ------------------------------------------------------- */

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
    json_plan_body(w, p);
    JSONW_ObjectClose(w);
    JSONW_ObjectClose(w);
    json_out(f, w);
}


/* --- host, check -------------------------------------------------------- */

void OUT_Host(FILE *f, const xs_snapshot *snap, const char *driver)
{
    char a[32], b[32];

    fprintf(f, "host (%s): %u pCPU%s, %u node%s, %s total, %s free%s\n",
            driver, snap->host.nr_cpus, snap->host.nr_cpus == 1 ? "" : "s",
            snap->host.nr_nodes, snap->host.nr_nodes == 1 ? "" : "s",
            OUT_Size(snap->host.total_kib, a, sizeof(a)),
            OUT_Size(snap->host.free_kib, b, sizeof(b)),
            snap->host.guarded ? ", page-move guard" : "");
}

void OUT_CheckSummary(FILE *f, const tbl_table *t)
{
    char sz[32];

    fprintf(f, "%zu domain%s, %zu phase%s, %zu trigger%s, host reserve %s\n",
            t->nr_domains, t->nr_domains == 1 ? "" : "s",
            t->nr_phases, t->nr_phases == 1 ? "" : "s",
            t->nr_triggers, t->nr_triggers == 1 ? "" : "s",
            OUT_Size(t->reserve_kib, sz, sizeof(sz)));
}

static const char *reach_kind_name(hchk_kind k)
{
    switch (k) {
    case HCHK_PHASE: return "phase";
    case HCHK_PAIR: return "pair";
    case HCHK_TRIGGER_NEVER: return "trigger-never";
    case HCHK_TRIGGER_CLASH: return "trigger-clash";
    }
    return "?";
}

void OUT_CheckFindings(FILE *f, const char *path, const hchk_report *r)
{
    size_t i;

    for (i = 0; r && i < r->nr; i++) {
        const hchk_finding *x = &r->v[i];

        if (x->pos.line)
            fprintf(f, "%s:%d:%d: ", path, x->pos.line, x->pos.col);
        else
            fprintf(f, "%s: ", path);
        fprintf(f, "%s: %s\n", x->level == HCHK_ERROR ? "error" : "warning",
                x->msg);
    }
}

/* The findings of one level as a JSON array. */
static void findings_json(json_writer *w, const char *key,
                          const hchk_report *r, hchk_level level)
{
    size_t i;

    JSONW_Key(w, key);
    JSONW_ArrayOpen(w);
    for (i = 0; r && i < r->nr; i++) {
        const hchk_finding *x = &r->v[i];

        if (x->level != level)
            continue;
        JSONW_ObjectOpen(w);
        JSONW_KeyString(w, "kind", reach_kind_name(x->kind));
        JSONW_KeyString(w, "phase", x->phase);
        JSONW_KeyStringOrNull(w, "from", x->kind == HCHK_PAIR ? x->from
                                                               : NULL);
        JSONW_KeyStringOrNull(w, "other_phase",
                              x->kind == HCHK_TRIGGER_CLASH ? x->other
                                                             : NULL);
        if (x->pos.line) {
            JSONW_KeyInt(w, "line", x->pos.line);
            JSONW_KeyInt(w, "column", x->pos.col);
        }
        if (x->kind == HCHK_TRIGGER_CLASH) {
            JSONW_KeyInt(w, "other_line", x->other_pos.line);
            JSONW_KeyInt(w, "other_column", x->other_pos.col);
            JSONW_KeyInt(w, "first_at", (long long)x->when);
        }
        JSONW_KeyString(w, "message", x->msg);
        JSONW_ObjectClose(w);
    }
    JSONW_ArrayClose(w);
}

void OUT_CheckJson(FILE *f, const char *path, const xs_err *err,
                   const char *driver, const char *not_checked,
                   const hchk_report *r)
{
    json_writer *w = JSONW_New(true);

    JSONW_ObjectOpen(w);
    JSONW_KeyString(w, "config", path);
    JSONW_KeyBool(w, "ok", err == NULL && (!r || !r->nr_errors));
    JSONW_KeyStringOrNull(w, "host", driver);
    JSONW_KeyStringOrNull(w, "not_checked_against_host", not_checked);
    findings_json(w, "errors", r, HCHK_ERROR);
    findings_json(w, "warnings", r, HCHK_WARNING);
    JSONW_Key(w, "error");
    if (err) {
        /* In the table (it is named), or in reading the host. */
        bool in_table = err->file[0] && strcmp(err->file, path) == 0;

        OUT_JsonError(w, in_table ? OUT_FAIL_TABLE : OUT_FAIL_HOST, err,
                      NULL);
    } else if (r && r->nr_errors) {
        /* What plan will refuse: the first error says why, "errors" all. */
        xs_err first;
        size_t i = 0;

        while (r->v[i].level != HCHK_ERROR)
            i++;
        if (r->v[i].pos.line)
            ERR_SetAt(&first, path, r->v[i].pos.line, r->v[i].pos.col, "%s",
                      r->v[i].msg);
        else
            ERR_Set(&first, "%s", r->v[i].msg);
        OUT_JsonError(w, OUT_FAIL_PLAN, &first, NULL);
    } else {
        JSONW_Null(w);
    }
    JSONW_ObjectClose(w);
    json_out(f, w);
}

/* --- apply progress ----------------------------------------------------- */

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

/* --- a request answered by xenshiftd ------------------------------------ */

void OUT_AnswerJson(FILE *f, const char *id, const char *what,
                    const char *state, const char *phase,
                    const char *message, long pid, long long capacity_ms,
                    long long placement_ms)
{
    json_writer *w = JSONW_New(true);

    JSONW_ObjectOpen(w);
    JSONW_KeyBool(w, "ok", strcmp(state, "failed") != 0);
    JSONW_KeyString(w, "via", "xenshiftd");
    JSONW_KeyInt(w, "daemon_pid", pid);
    JSONW_KeyString(w, "request", id);
    JSONW_KeyString(w, "asked", what);
    JSONW_KeyStringOrNull(w, "phase", phase);
    JSONW_KeyString(w, "state", state);
    JSONW_KeyStringOrNull(w, "message", message);
    JSONW_Key(w, "capacity_ms");
    if (capacity_ms >= 0)
        JSONW_Uint(w, (unsigned long long)capacity_ms);
    else
        JSONW_Null(w);
    JSONW_Key(w, "placement_ms");
    if (placement_ms >= 0)
        JSONW_Uint(w, (unsigned long long)placement_ms);
    else
        JSONW_Null(w);
    if (strcmp(state, "failed") == 0) {
        xs_err err;

        ERR_Set(&err, "%s", message ? message : "failed");
        JSONW_Key(w, "error");
        OUT_JsonError(w, OUT_FAIL_APPLY, &err, NULL);
    }
    JSONW_ObjectClose(w);
    json_out(f, w);
}
