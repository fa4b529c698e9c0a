/*
 * exec_move.c - the executor's relocations: a domain's memory to its
 * node, by direct page moves in a guarded hypervisor or by cycling its
 * balloon with the node affinity set.  They are placement: the graph
 * starts them once every domain has its capacity (plan_graph.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "exec_int.h"

/*
 * Memory of d off node, as the driver reads it.  Fails (with the step
 * marked failed) when the domain cannot be read or the driver cannot
 * tell where its memory lies.
 */
static int read_off_node(run_ctx *c, const plan_stage *st,
                         const plan_action *a, hv_domain *d, uint64_t *off)
{
    int rc;

    rc = exec_get_dom(c, st, a, d);
    if (rc)
        return rc;
    rc = HV_GetNodeMemory(c->h, d, 1);
    if (rc || !d->node_known) {
        exec_act_failed(c, st, a, rc ? rc : HV_EFAIL, "%s: cannot tell where "
                        "its memory lies: %s", a->domain,
                        rc ? exec_hv_why(c) : "the host does not say");
        return rc ? rc : HV_EFAIL;
    }
    *off = PLAN_OffNode(d, a->node);
    return 0;
}

static bool goal_reached(const run_ctx *c, const hv_domain *d, uint64_t off)
{
    return PLAN_NodeGoalMet(d, off, c->o->relocate_goal_pct
                                    ? c->o->relocate_goal_pct : 100);
}

/* The relocation's outcome, kept for the report's row of that domain. */
static void relocate_done(run_ctx *c, act_run *r, const hv_domain *d,
                          uint64_t off, const char *why)
{
    const plan_action *a = r->a;
    dom_state *ds = exec_dom_of(c, a->domain);
    char s1[32], s2[32];

    r->pending = false;
    snprintf(r->done_msg, sizeof(r->done_msg), "%s: %s on node %d, %s "
             "elsewhere%s%s", a->domain,
             size_str(d->mem_kib > off ? d->mem_kib - off : 0, s1,
                      sizeof(s1)), a->node, size_str(off, s2, sizeof(s2)),
             why ? ": " : "", why ? why : "");
    if (!ds)
        return;
    ds->relocated = true;
    ds->node = a->node;
    ds->how = a->how;
    ds->off_node_kib = off;
    ds->cycles = r->cycles;
}

/*
 * Send a balloon cycle down to r->low_kib or back up to r->home_kib, and
 * start watching its progress from mem_kib.
 */
static int cycle_turn(run_ctx *c, const plan_stage *st, act_run *r,
                      bool up, uint64_t mem_kib, uint64_t now)
{
    const plan_action *a = r->a;
    uint64_t to = up ? r->home_kib : r->low_kib;
    char s1[32];
    int rc;

    rc = HV_SetTarget(c->h, a->domid, to);
    if (rc) {
        exec_act_failed(c, st, a, rc, up
                        ? "%s: cannot set the balloon target back to %s: %s"
                        : "%s: cannot set the balloon target to %s to cycle "
                          "its memory: %s", a->domain,
                        size_str(to, s1, sizeof(s1)), exec_hv_why(c));
        return rc;
    }
    r->cycle_up = up;
    r->best_dist = dist(mem_kib, to);
    /* each turn starts its balloon anew: watched as a new step */
    exec_watch_start(c, r, now);
    return 0;
}

/*
 * One balloon cycle: down, then back up.  A Linux guest takes back the
 * pages it gave last, and gives first the ones it got last, so a cycle
 * no deeper than the one before moves nothing new: each cycle goes a
 * quarter deeper than the last, down to the floor at most (and no
 * further than the node has free to take them back).  With the node
 * affinity set, the pages that come back are the node's.
 */
static int coop_cycle_down(run_ctx *c, const plan_stage *st, act_run *r,
                           const hv_domain *d)
{
    const plan_action *a = r->a;
    uint64_t chunk, step, floor = a->floor_kib, room, above;
    hv_host host;
    int rc;

    rc = HV_GetHost(c->h, &host);
    if (rc) {
        exec_act_failed(c, st, a, rc, "%s: cannot read the host: %s",
                        a->domain, exec_hv_why(c));
        return rc;
    }
    room = (unsigned)a->node < HV_MAX_NODES ? host.node_free_kib[a->node]
                                             : 0;
    above = r->home_kib > floor ? r->home_kib - floor : 0;
    step = above / 4;
    chunk = step * (r->cycles + 1);
    if (chunk > above)
        chunk = above;
    if (chunk > room)
        chunk = room;
    chunk -= chunk % 1024;
    if (chunk < 2 * c->o->tolerance_kib || chunk < 1024)
        return 1;               /* no room to cycle */
    r->low_kib = r->home_kib - chunk;
    return cycle_turn(c, st, r, false, d->mem_kib, HV_NowMs(c->h));
}

static int coop_check(run_ctx *c, const plan_stage *st, act_run *r,
                      uint64_t now)
{
    const plan_action *a = r->a;
    hv_domain d;
    uint64_t off = 0, want;
    char s1[32], s2[32], msg[256], why[160];
    bool stuck;
    int rc;

    rc = exec_get_dom(c, st, a, &d);
    if (rc)
        return rc;
    want = r->cycle_up ? r->home_kib : r->low_kib;
    exec_mem_progress(r, dist(d.mem_kib, want), now);
    stuck = STUCK_Check(&r->watch, now);
    if (!r->cycle_up) {
        /* a guest that will not give more simply ends the cycle early */
        if (dist(d.mem_kib, want) > c->o->tolerance_kib && !stuck)
            return 0;
        return cycle_turn(c, st, r, true, d.mem_kib, now);
    }
    if (dist(d.mem_kib, want) > c->o->tolerance_kib) {
        if (!stuck)
            return 0;
        exec_describe_stuck(r, now, true, why, sizeof(why));
        exec_act_failed(c, st, a, 0, "%s: its balloon did not come back up "
                        "from a relocation cycle: at %s, target %s, %s",
                        a->domain, size_str(d.mem_kib, s1, sizeof(s1)),
                        size_str(r->home_kib, s2, sizeof(s2)), why);
        return HV_EFAIL;
    }
    /* A whole cycle is done: where does its memory lie now? */
    r->cycles++;
    rc = read_off_node(c, st, a, &d, &off);
    if (rc)
        return rc;
    exec_emit(c, EXEC_EV_PROGRESS, st, a, off, NULL);
    if (off + c->o->tolerance_kib < r->last_mem) {
        r->last_mem = off;
        r->no_gain = 0;
    } else if (r->cycles >= 4) {
        r->no_gain++;           /* only at full depth: see below */
    }
    if (goal_reached(c, &d, off)) {
        snprintf(msg, sizeof(msg), "after %u balloon cycle%s", r->cycles,
                 r->cycles == 1 ? "" : "s");
        relocate_done(c, r, &d, off, msg);
        return 0;
    }
    if (r->no_gain >= 2 || r->cycles >= c->o->relocate_cycles) {
        snprintf(msg, sizeof(msg), "%s after %u balloon cycles (the "
                 "guest's free pages stopped turning over)",
                 r->no_gain >= 2 ? "no gain" : "stopped", r->cycles);
        relocate_done(c, r, &d, off, msg);
        return 0;
    }
    rc = coop_cycle_down(c, st, r, &d);
    if (rc > 0) {
        relocate_done(c, r, &d, off, "no room left to cycle its balloon");
        return 0;
    }
    return rc;
}

static int direct_check(run_ctx *c, const plan_stage *st, act_run *r,
                        uint64_t now)
{
    const plan_action *a = r->a;
    dom_state *ds = exec_dom_of(c, a->domain);
    hv_move_result mv;
    hv_domain d;
    uint64_t off = 0;
    char msg[256];
    int rc;

    /* Only pages under I/O left: look again once a second, not at every
     * poll (each pass pauses the guest once per batch). */
    if (r->busy_since_ms && now - r->last_try_ms < 1000)
        return 0;
    r->last_try_ms = now;
    memset(&mv, 0, sizeof(mv));
    rc = HV_MoveMemory(c->h, a->domid, a->node, EXEC_MOVE_PAGES, &mv);
    if (rc == HV_ENOSYS) {
        exec_act_failed(c, st, a, rc, "%s: moving its memory to node %d needs "
                        "the guarded hypervisor (xen-patches/): %s", a->domain,
                        a->node, exec_hv_why(c));
        return rc;
    }
    if (rc) {
        exec_act_failed(c, st, a, rc, "%s: moving memory to node %d: %s",
                        a->domain, a->node, exec_hv_why(c));
        return rc;
    }
    if (ds) {
        ds->moved_pages += mv.moved_pages;
        ds->busy_refusals += mv.busy_pages;
        ds->busy_pages = mv.busy_pages;
        if (mv.longest_pause_us > ds->longest_pause_us)
            ds->longest_pause_us = mv.longest_pause_us;
    }
    if (mv.moved_pages) {
        STUCK_Progress(&r->watch, now, mv.moved_pages);
        r->busy_since_ms = 0;
        rc = read_off_node(c, st, a, &d, &off);
        if (rc)
            return rc;
        exec_emit(c, EXEC_EV_PROGRESS, st, a, off, NULL);
        return 0;
    }
    /* Nothing moved this round: done, or only pages under I/O left. */
    if (mv.busy_pages) {
        if (!r->busy_since_ms)
            r->busy_since_ms = now;
        if (now - r->busy_since_ms < c->o->relocate_busy_ms)
            return 0;
    }
    rc = read_off_node(c, st, a, &d, &off);
    if (rc)
        return rc;
    if (mv.busy_pages)
        snprintf(msg, sizeof(msg), "%" PRIu64 " page%s stayed: held "
                 "beyond the guest's own use (a backend's grant, a page it "
                 "registered with Xen) for %.1f s", mv.busy_pages,
                 mv.busy_pages == 1 ? "" : "s",
                 (now - r->busy_since_ms) / 1000.0);
    else
        snprintf(msg, sizeof(msg), "%" PRIu64 " pages moved in all",
                 ds ? ds->moved_pages : 0);
    relocate_done(c, r, &d, off, msg);
    return 0;
}

int exec_relocate_start(run_ctx *c, const plan_stage *st, act_run *r)
{
    const plan_action *a = r->a;
    hv_domain d;
    uint64_t off = 0;
    int rc;

    /* New pages come from the node from now on, whatever the strategy. */
    rc = HV_SetNodeAffinity(c->h, a->domid, a->node);
    if (rc) {
        exec_act_failed(c, st, a, rc, "%s: cannot set its node affinity to "
                        "node %d: %s", a->domain, a->node, exec_hv_why(c));
        return rc;
    }
    r->pending = true;
    r->last_mem = a->from_kib;
    if (a->how == PLAN_MOVE_DIRECT)
        return 0;
    rc = read_off_node(c, st, a, &d, &off);
    if (rc)
        return rc;
    r->home_kib = d.target_kib;
    r->last_mem = off;
    if (goal_reached(c, &d, off)) {
        relocate_done(c, r, &d, off, "already there");
        return 0;
    }
    rc = coop_cycle_down(c, st, r, &d);
    if (rc > 0) {
        relocate_done(c, r, &d, off, "no room to cycle its balloon");
        rc = 0;
    }
    return rc;
}

int exec_relocate_check(run_ctx *c, const plan_stage *st, act_run *r,
                        uint64_t now)
{
    return r->a->how == PLAN_MOVE_DIRECT ? direct_check(c, st, r, now)
                                         : coop_check(c, st, r, now);
}
