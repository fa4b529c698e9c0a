/*
 * output_plan.c - the plan: its stages and steps for people (xenshift plan),
 * and as JSON (also the "plan" of apply's report).
 */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "output_int.h"
#include "xenshift.h"

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
    else if (nd->gate == PLAN_GATE_DONORS)
        fprintf(f, "        waits for the donors' balloons: it takes pCPUs "
                "a donor runs on\n");
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

void OUT_JsonPlanBody(json_writer *w, const plan *p)
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
    OUT_JsonPlanBody(w, p);
    JSONW_ObjectClose(w);
    OUT_JsonOut(f, w);
}
