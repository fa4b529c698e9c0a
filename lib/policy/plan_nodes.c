/*
 * plan_nodes.c - the planner's NUMA placement: which memory moves to
 * which node, how (direct page moves or balloon cycling), and the room
 * a node needs for the domains that grow there.
 *
 * Memory is only moved directly on a hypervisor with the move guard
 * (xen-patches/); elsewhere the balloon is cycled with the node
 * affinity set, and the plan says so in a note.
 */
#include <stdio.h>

#include "plan_int.h"
#include "units.h"

uint64_t PLAN_OffNode(const hv_domain *d, int node)
{
    uint64_t off = 0;
    unsigned n;

    for (n = 0; n < HV_MAX_NODES; n++)
        if ((int)n != node)
            off += d->node_mem_kib[n];
    return off;
}

bool PLAN_NodeGoalMet(const hv_domain *d, uint64_t off, unsigned pct)
{
    return off == 0 ||
           (d->mem_kib > off &&
            (d->mem_kib - off) * 100 >= (uint64_t)pct * d->mem_kib);
}

/*
 * Direct moves need the guard in the hypervisor and a translated guest
 * (a PV guest's own page tables name machine frames).  Asking for them
 * where they cannot be done is refused with the reason.
 */
int plan_pick_move_how(const hv_host *host, const hv_domain *d,
                       const plan_target *t, plan_move_how *how,
                       xs_err *err)
{
    bool direct_ok = host->guarded && d->type != HV_DOM_PV;

    switch (t->move_how) {
    case PLAN_MOVE_COOPERATIVE:
        *how = PLAN_MOVE_COOPERATIVE;
        return 0;
    case PLAN_MOVE_DIRECT:
        if (!host->guarded) {
            ERR_Set(err, "%s: direct page moves need the xenshift guard in "
                    "the hypervisor (xen-patches/); this Xen lacks "
                    "XEN_DOMCTL_relocate_memory, so moving pages under a "
                    "running guest would be unsafe: use the cooperative "
                    "strategy", t->domain);
            return -1;
        }
        if (d->type == HV_DOM_PV) {
            ERR_Set(err, "%s: a PV guest's pages cannot be moved directly "
                    "(its page tables hold machine frame numbers): use the "
                    "cooperative strategy", t->domain);
            return -1;
        }
        *how = PLAN_MOVE_DIRECT;
        return 0;
    case PLAN_MOVE_AUTO:
        break;
    }
    *how = direct_ok ? PLAN_MOVE_DIRECT : PLAN_MOVE_COOPERATIVE;
    return 0;
}

/* Target i's memory to its node, when it asks for one and is not there. */
int plan_relocate(plan_work *w, size_t i, xs_err *err)
{
    const plan_target *t = &w->targets[i];
    const hv_domain *d = w->ts[i].d;
    plan_action *a;
    plan_stage_kind k;
    plan_move_how how;
    uint64_t off;
    char b1[32];

    if (t->node == TBL_KEEP || w->host->nr_nodes <= 1)
        return 0;
    if (!d->node_known) {
        if (PLAN_AddNote(w->out, "%s: where its memory lies is unknown: "
                         "not relocated to node %d", t->domain, t->node))
            goto nomem;
        return 0;
    }
    off = PLAN_OffNode(d, t->node);
    if (PLAN_NodeGoalMet(d, off, t->node_goal_pct ? t->node_goal_pct
                                                 : PLAN_NODE_GOAL_PCT)) {
        /*
         * On its node, but growing by more than the node has free: the
         * grow does not wait for room (capacity first), so what it takes
         * from other nodes is moved back once every domain has grown.
         */
        uint64_t node_free = (unsigned)t->node < HV_MAX_NODES
                             ? w->host->node_free_kib[t->node] : 0;

        if (t->memory_kib <= d->mem_kib ||
            t->memory_kib - d->mem_kib <= node_free)
            return 0;
        off = t->memory_kib - d->mem_kib - node_free;
    }
    if (plan_pick_move_how(w->host, d, t, &how, err))
        return -1;
    /*
     * Every move waits for capacity (plan_graph.c).  Balloon cycles
     * of a domain that grows are told apart as settling: it cycles
     * the memory it grew to, and the growth came from the node.
     */
    k = how == PLAN_MOVE_COOPERATIVE && t->memory_kib > d->mem_kib
        ? PLAN_STAGE_SETTLE : PLAN_STAGE_RELOCATE;
    a = plan_act_new(&w->st[k], PLAN_ACT_RELOCATE, d);
    if (!a)
        goto nomem;
    a->node = t->node;
    a->from_kib = off;
    a->to_kib = 0;
    /* it moves after the shrink: never cycle below either floor */
    a->floor_kib = t->floor_kib;
    a->how = how;
    if (how == PLAN_MOVE_COOPERATIVE && t->move_how == PLAN_MOVE_AUTO &&
        PLAN_AddNote(w->out, "%s: %s of its memory is off node %d: moved "
                     "by cycling its balloon (%s)", t->domain,
                     UNITS_FormatSize(off, b1, sizeof(b1)), t->node,
                     d->type == HV_DOM_PV
                     ? "a PV guest's pages cannot be moved under it"
                     : "this Xen has no page-move guard, see xen-patches/"))
        goto nomem;
    return 0;
nomem:
    ERR_Set(err, "out of memory");
    return -1;
}

/*
 * What the domains growing on node n, or moving there, want of it after
 * the shrink (*want), and what it will have free (*room): its free
 * memory and the donors' pages given back from it, in proportion to
 * what they hold there.  *who: the last domain that wants room there.
 */
static void node_demand(const plan_work *w, unsigned n, uint64_t *want,
                        uint64_t *room, const char **who)
{
    size_t i;

    *want = 0;
    *room = w->host->node_free_kib[n];
    *who = NULL;
    for (i = 0; i < w->nr; i++) {
        const hv_domain *d = w->ts[i].d;
        const plan_target *t = &w->targets[i];

        if (!d)
            continue;
        if (t->node == (int)n && d->node_known &&
            d->mem_kib > d->node_mem_kib[n]) {
            /* its own memory moving in */
            *want += d->mem_kib - d->node_mem_kib[n];
            *who = t->domain;
        }
        if (t->node == (int)n && t->memory_kib > d->mem_kib) {
            *want += t->memory_kib - d->mem_kib;
            *who = t->domain;
        } else if (t->memory_kib < d->mem_kib && d->node_known &&
                   d->mem_kib) {
            *room += UNITS_MulDiv(d->mem_kib - t->memory_kib,
                                  d->node_mem_kib[n], d->mem_kib);
        }
    }
}

/* The node with the most free memory other than n (n when none). */
static unsigned roomiest_node_but(const hv_host *host, unsigned n)
{
    unsigned m, best = n;

    for (m = 0; m < host->nr_nodes && m < HV_MAX_NODES; m++)
        if (m != n && (best == n ||
                       host->node_free_kib[m] > host->node_free_kib[best]))
            best = m;
    return best;
}

/*
 * Move up to *need of other domains' memory off node n to node to,
 * donors first (pass 0), then domains that keep their size; *need
 * comes back as what is still missing.
 */
static int move_off_node(plan_work *w, unsigned n, unsigned to,
                         const char *who, uint64_t *need, xs_err *err)
{
    unsigned pass;
    size_t i;
    char b1[32];

    for (pass = 0; pass < 2 && *need; pass++) {
        for (i = 0; i < w->nr && *need; i++) {
            const hv_domain *d = w->ts[i].d;
            const plan_target *t = &w->targets[i];
            plan_move_how how;
            plan_action *a;
            uint64_t on_n;

            if (!d || !d->node_known || t->node != TBL_KEEP ||
                !d->mem_kib || (pass == 0) != (t->memory_kib < d->mem_kib) ||
                t->memory_kib > d->mem_kib)
                continue;
            /* what is left on n after its shrink */
            on_n = UNITS_MulDiv(d->node_mem_kib[n], t->memory_kib,
                                d->mem_kib);
            if (!on_n)
                continue;
            if (plan_pick_move_how(w->host, d, t, &how, err))
                return -1;
            a = plan_act_new(&w->st[PLAN_STAGE_RELOCATE], PLAN_ACT_RELOCATE,
                             d);
            if (!a)
                goto nomem;
            a->node = (int)to;
            a->makes_room = true;
            a->from_node = (int)n;
            a->from_kib = on_n;
            a->floor_kib = t->floor_kib;
            a->how = how;
            if (PLAN_AddNote(w->out, "%s: %s of its memory moves from node "
                             "%u to node %u to make room for %s", t->domain,
                             UNITS_FormatSize(on_n, b1, sizeof(b1)), n, to,
                             who))
                goto nomem;
            *need = *need > on_n ? *need - on_n : 0;
        }
    }
    return 0;
nomem:
    ERR_Set(err, "out of memory");
    return -1;
}

/*
 * A domain that grows on node N, or whose memory moves to N, needs
 * that much free on N after the shrink.  When N will be short, the
 * memory of other domains on N is moved to the node with the most free
 * first, donors first: the patent's "free memory appears where the
 * recipient needs it".  What still does not fit is said in a note; Xen
 * then takes the rest of the growth from another node.
 */
int plan_make_room_on_nodes(plan_work *w, xs_err *err)
{
    const hv_host *host = w->host;
    unsigned n, best;
    char b1[32];

    for (n = 0; n < host->nr_nodes && n < HV_MAX_NODES; n++) {
        uint64_t want, room, need;
        const char *who;

        node_demand(w, n, &want, &room, &who);
        if (want <= room)
            continue;
        need = want - room;
        best = roomiest_node_but(host, n);
        if (best != n && move_off_node(w, n, best, who, &need, err))
            return -1;
        if (need && PLAN_AddNote(w->out, "node %u: %s short for %s to grow "
                                 "there; Xen takes the rest from other nodes",
                                 n, UNITS_FormatSize(need, b1, sizeof(b1)),
                                 who)) {
            ERR_Set(err, "out of memory");
            return -1;
        }
    }
    return 0;
}
