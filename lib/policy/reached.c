/*
 * reached.c - whether the host is in a phase (see reached.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reached.h"
#include "units.h"

static void add_shortfall(reach_result *r, const reach_shortfall *s)
{
    if (r->nr_shortfalls < REACH_MAX_SHORTFALLS)
        r->shortfalls[r->nr_shortfalls++] = *s;
    else
        r->nr_more++;
}

/* The domains of phase whose memory is not (known to be) on their node. */
static void find_shortfalls(const xs_snapshot *snap, const tbl_phase *ph,
                            reach_result *r)
{
    size_t i;

    if (snap->host.nr_nodes < 2)
        return;                 /* one node: all memory is on it */
    for (i = 0; i < ph->nr_allocs; i++) {
        const tbl_alloc *a = &ph->allocs[i];
        const hv_domain *d = SNAP_FindDomain(snap, a->domain);
        reach_shortfall s;
        uint64_t off;

        if (a->node == TBL_KEEP || !d)
            continue;
        memset(&s, 0, sizeof(s));
        snprintf(s.domain, sizeof(s.domain), "%s", a->domain);
        s.node = a->node;
        s.goal_pct = PLAN_NODE_GOAL_PCT;
        if (!d->node_known) {
            add_shortfall(r, &s);
            continue;
        }
        off = PLAN_OffNode(d, a->node);
        if (PLAN_NodeGoalMet(d, off, PLAN_NODE_GOAL_PCT))
            continue;
        s.known = true;
        s.off_node_kib = off;
        s.on_node_pct = d->mem_kib > off
                        ? (unsigned)((d->mem_kib - off) * 100 / d->mem_kib)
                        : 0;
        add_shortfall(r, &s);
    }
}

bool REACH_Phase(const xs_snapshot *snap, const tbl_table *t,
                 const char *phase, reach_result *r)
{
    const tbl_phase *ph = TBL_FindPhase(t, phase);
    xs_err err;
    plan p;
    size_t i, j;

    memset(r, 0, sizeof(*r));
    r->checked = true;
    PLAN_Init(&p);
    if (PLAN_Make(snap, t, phase, &p, &err)) {
        snprintf(r->why, sizeof(r->why), "cannot be planned: %s", err.msg);
        goto out;
    }
    /* Any step but a relocation is a difference in what a domain has. */
    r->reached = true;
    for (i = 0; i < p.nr_stages && r->reached; i++) {
        for (j = 0; j < p.stages[i].nr_acts; j++) {
            if (p.stages[i].acts[j].kind == PLAN_ACT_RELOCATE)
                continue;
            PLAN_DescribeAction(&p.stages[i].acts[j], r->why,
                                sizeof(r->why));
            r->reached = false;
            break;
        }
    }
    find_shortfalls(snap, ph, r);
out:
    PLAN_Dispose(&p);
    return r->reached;
}

int REACH_PlanInPhase(const xs_snapshot *snap, const tbl_table *t,
                      const char *phase, plan *out, xs_err *err)
{
    plan_target *targets = NULL;
    reach_result r;
    char line[512], what[400];
    size_t nr = 0, i;
    int rc = -1;

    if (!REACH_Phase(snap, t, phase, &r)) {
        ERR_Set(err, "the host is not in phase %s: %s", phase, r.why);
        return -1;
    }
    if (PLAN_TargetsFromPhase(t, phase, &targets, &nr, err))
        goto out;
    /*
     * The same plan without node goals: nothing but the relocations
     * differs, and those are left out (the host is in the phase).
     */
    for (i = 0; i < nr; i++)
        targets[i].node = TBL_KEEP;
    if (PLAN_MakeTo(snap, targets, nr, t->reserve_kib, phase, out, err))
        goto out;
    if (out->nr_stages) {
        ERR_Set(err, "the host is in phase %s, yet the plan to it without "
                "its node goals has steps", phase);
        goto out;
    }
    for (i = 0; i < out->nr_rows && i < nr; i++) {
        const tbl_alloc *a = TBL_FindAlloc(TBL_FindPhase(t, phase),
                                           out->rows[i].domain);

        out->rows[i].node_after = a ? a->node : TBL_KEEP;
    }
    for (i = 0; i < r.nr_shortfalls; i++) {
        const reach_shortfall *s = &r.shortfalls[i];

        REACH_DescribeShortfall(s, what, sizeof(what));
        if (s->known)
            snprintf(line, sizeof(line), "%s: not moved, the node goal "
                     "is soft (xenshift mem-move %s %d moves it)", what,
                     s->domain, s->node);
        else
            snprintf(line, sizeof(line), "%s", what);
        if (PLAN_AddNote(out, "%s", line))
            goto nomem;
    }
    if (r.nr_more) {
        snprintf(line, sizeof(line), "%zu more domains below their node "
                 "goal", r.nr_more);
        if (PLAN_AddNote(out, "%s", line))
            goto nomem;
    }
    rc = 0;
    goto out;
nomem:
    ERR_Set(err, "out of memory");
out:
    if (rc)
        PLAN_Dispose(out);
    free(targets);
    return rc;
}

const char *REACH_DescribeShortfall(const reach_shortfall *s, char *buf,
                                    size_t len)
{
    char off[32];

    if (s->known)
        snprintf(buf, len, "%s: %u%% of its memory on node %d (goal %u%%), "
                 "%s elsewhere", s->domain, s->on_node_pct, s->node,
                 s->goal_pct, UNITS_FormatSize(s->off_node_kib, off,
                                               sizeof(off)));
    else
        snprintf(buf, len, "%s: where its memory lies is not known (goal "
                 "%u%% on node %d)", s->domain, s->goal_pct, s->node);
    return buf;
}

const char *REACH_DescribeShortfalls(const reach_result *r, char *buf,
                                     size_t len)
{
    char one[400];
    size_t i, pos = 0;

    if (len)
        buf[0] = '\0';
    for (i = 0; i < r->nr_shortfalls && pos < len; i++)
        pos += (size_t)snprintf(buf + pos, len - pos, "%s%s", i ? "; " : "",
                                REACH_DescribeShortfall(&r->shortfalls[i],
                                                        one, sizeof(one)));
    if (r->nr_more && pos < len)
        snprintf(buf + pos, len - pos, "; and %zu more", r->nr_more);
    return buf;
}
