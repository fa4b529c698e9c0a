/*
 * plan_cpus.c - the planner's pCPUs: which pCPUs each dedicated domain
 * gets, which xenshift pools are left and entered, what stays in
 * Pool-0, and who is pinned where.
 *
 * Dedicated pCPUs come from Pool-0 only (and from xenshift pools that
 * are left): an administrator's pool is never taken apart.  Explicit
 * lists claim their pCPUs first; a count keeps the pool it has when it
 * still fits, otherwise it picks the highest free pCPUs, pCPU 0 last,
 * on its node when it names one.  Pool-0 always keeps one pCPU.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

/* The pCPUs the planner can name (the host's, at most HV_MAX_CPUS). */
static unsigned host_cpus(const hv_host *host)
{
    return host->nr_cpus < HV_MAX_CPUS ? host->nr_cpus : HV_MAX_CPUS;
}

/* Which pool holds cpu, for messages. */
static const hv_pool *pool_of_cpu(const xs_snapshot *snap, unsigned cpu)
{
    size_t i;

    for (i = 0; i < snap->nr_pools; i++)
        if (CPUMAP_Test(&snap->pools[i].cpus, cpu))
            return &snap->pools[i];
    return NULL;
}

void plan_node_cpus(const hv_host *host, int node, xs_cpumap *m)
{
    unsigned c;

    CPUMAP_Clear(m);
    for (c = 0; c < host->nr_cpus && c < HV_MAX_CPUS; c++)
        if (host->cpu_to_node[c] == node)
            CPUMAP_Set(m, c);
}

bool plan_all_on_node(const hv_host *host, const xs_cpumap *m, int node)
{
    int c;

    for (c = CPUMAP_Next(m, 0); c >= 0; c = CPUMAP_Next(m, (unsigned)c + 1))
        if ((unsigned)c >= host->nr_cpus || host->cpu_to_node[c] != node)
            return false;
    return true;
}

/* Explicit lists claim their pCPUs first (owner[c]: the target). */
static int claim_explicit(plan_work *w, size_t *owner, xs_err *err)
{
    unsigned nr_cpus = host_cpus(w->host);
    char m1[64];
    size_t i;
    int c;

    for (i = 0; i < w->nr; i++) {
        const plan_target *t = &w->targets[i];
        tstate *s = &w->ts[i];

        if (!s->d || !t->dedicated || CPUMAP_IsEmpty(&t->pcpus))
            continue;
        for (c = CPUMAP_Next(&t->pcpus, 0); c >= 0;
             c = CPUMAP_Next(&t->pcpus, (unsigned)c + 1)) {
            if ((unsigned)c >= nr_cpus) {
                xs_cpumap all;

                CPUMAP_Fill(&all, nr_cpus);
                ERR_Set(err, "%s: pCPU %d does not exist (the host has "
                        "pCPUs %s)", t->domain, c,
                        CPUMAP_Format(&all, m1, sizeof(m1)));
                return -1;
            }
            if (owner[c] != SIZE_MAX) {
                ERR_Set(err, "%s and %s both want pCPU %d",
                        w->targets[owner[c]].domain, t->domain, c);
                return -1;
            }
            owner[c] = i;
        }
        *s->set = t->pcpus;
        s->set_known = true;
        s->explicit_set = true;
    }
    return 0;
}

/* A count keeps the pool it has when that still fits. */
static void keep_fitting_pools(plan_work *w, size_t *owner)
{
    unsigned nr_cpus = host_cpus(w->host);
    size_t i;
    int c;

    for (i = 0; i < w->nr; i++) {
        const plan_target *t = &w->targets[i];
        tstate *s = &w->ts[i];
        const xs_cpumap *has;
        bool fits;

        if (!s->d || !t->dedicated || s->explicit_set || !s->own)
            continue;
        has = &s->cur->cpus;
        fits = s->cur->nr_domains <= 1 &&
               CPUMAP_Count(has) == t->pcpu_count &&
               (t->node == TBL_KEEP ||
                plan_all_on_node(w->host, has, t->node));
        for (c = CPUMAP_Next(has, 0); fits && c >= 0;
             c = CPUMAP_Next(has, (unsigned)c + 1))
            if ((unsigned)c >= nr_cpus || owner[c] != SIZE_MAX)
                fits = false;
        if (!fits)
            continue;
        for (c = CPUMAP_Next(has, 0); c >= 0;
             c = CPUMAP_Next(has, (unsigned)c + 1))
            owner[c] = i;
        *s->set = *has;
        s->set_known = true;
    }
}

/* Who leaves a xenshift pool, and which pCPUs that frees (released). */
static void plan_leaves(plan_work *w, xs_cpumap *released)
{
    size_t i;

    CPUMAP_Clear(released);
    for (i = 0; i < w->nr; i++) {
        const plan_target *t = &w->targets[i];
        tstate *s = &w->ts[i];

        if (!s->d || !s->in_xs)
            continue;
        if (t->dedicated && s->own && s->set_known &&
            CPUMAP_Equal(s->set, &s->cur->cpus)) {
            s->kept = true;
            continue;
        }
        s->leave = true;
        /* A pool shared with others is not destroyed: its pCPUs stay. */
        if (s->cur->nr_domains <= 1)
            CPUMAP_Or(released, &s->cur->cpus);
    }
}

/* Why pCPU c of t's list is not free to take. */
static void explain_taken(const xs_snapshot *snap, const plan_target *t,
                          unsigned c, xs_err *err)
{
    const hv_pool *p = pool_of_cpu(snap, c);
    char m1[64];

    if (p && !plan_is_xs_pool(p)) {
        xs_cpumap theirs = t->pcpus;
        bool one;

        plan_map_and(&theirs, &p->cpus);
        one = CPUMAP_Count(&theirs) == 1;
        ERR_Set(err, "%s: pCPU%s %s %s in the administrator's cpupool '%s' "
                "(xenshift only takes pCPUs from Pool-0 and never takes "
                "other pools apart)", t->domain, one ? "" : "s",
                CPUMAP_Format(&theirs, m1, sizeof(m1)), one ? "is" : "are",
                p->name);
    } else if (p) {
        ERR_Set(err, "%s: pCPU %u is in cpupool '%s', not in Pool-0",
                t->domain, c, p->name);
    } else {
        ERR_Set(err, "%s: pCPU %u is in no cpupool (xenshift only takes "
                "pCPUs from Pool-0)", t->domain, c);
    }
}

/* Explicit lists may only use pCPUs that are or become free (avail). */
static int check_explicit_free(const plan_work *w, const xs_cpumap *avail,
                               xs_err *err)
{
    size_t i;
    int c;

    for (i = 0; i < w->nr; i++) {
        const plan_target *t = &w->targets[i];
        const tstate *s = &w->ts[i];

        if (!s->d || !s->explicit_set || s->kept)
            continue;
        for (c = CPUMAP_Next(&t->pcpus, 0); c >= 0;
             c = CPUMAP_Next(&t->pcpus, (unsigned)c + 1)) {
            if (!CPUMAP_Test(avail, (unsigned)c)) {
                explain_taken(w->snap, t, (unsigned)c, err);
                return -1;
            }
        }
    }
    return 0;
}

/* Target i wants more pCPUs on its node than are free there. */
static void explain_short_on_node(const plan_work *w, size_t i,
                                  const xs_cpumap *avail, unsigned got,
                                  xs_err *err)
{
    const plan_target *t = &w->targets[i];
    xs_cpumap on, free_on = *avail;
    char m1[64], m2[64];

    plan_node_cpus(w->host, t->node, &on);
    CPUMAP_Or(&free_on, w->ts[i].set);
    plan_map_and(&free_on, &on);
    ERR_Set(err, "%s wants %u dedicated pCPU%s on node %d but only %u %s "
            "free there (node %d has pCPUs %s; free: %s%s)", t->domain,
            t->pcpu_count, t->pcpu_count == 1 ? "" : "s", t->node, got,
            got == 1 ? "is" : "are", t->node,
            CPUMAP_Format(&on, m1, sizeof(m1)),
            got ? (got == 1 ? "pCPU " : "pCPUs ") : "",
            got ? CPUMAP_Format(&free_on, m2, sizeof(m2)) : "none");
}

/*
 * Target i's count, out of avail: highest first, pCPU 0 last; with a
 * node, only on it (pass 1, anywhere, is skipped).
 */
static int pick_count(plan_work *w, size_t i, size_t *owner,
                      xs_cpumap *avail, xs_err *err)
{
    const plan_target *t = &w->targets[i];
    tstate *s = &w->ts[i];
    unsigned nr_cpus = host_cpus(w->host);
    unsigned left = CPUMAP_Count(avail), got = 0, pass;
    char m1[64];
    int c;

    if (t->pcpu_count >= left) {
        ERR_Set(err, "%s wants %u dedicated pCPU%s but Pool-0 can give only "
                "%u (it has %s free and must keep one for dom0 and the "
                "shared domains)", t->domain, t->pcpu_count,
                t->pcpu_count == 1 ? "" : "s", left ? left - 1 : 0,
                CPUMAP_Format(avail, m1, sizeof(m1)));
        return -1;
    }
    CPUMAP_Clear(s->set);
    for (pass = 0; pass < 3 && got < t->pcpu_count; pass++) {
        if ((pass == 0) != (t->node != TBL_KEEP) && pass != 2)
            continue;
        for (c = (int)nr_cpus - 1; c >= 0 && got < t->pcpu_count; c--) {
            if (!CPUMAP_Test(avail, (unsigned)c))
                continue;
            if (pass < 2 && c == 0)
                continue;
            if (t->node != TBL_KEEP && w->host->cpu_to_node[c] != t->node)
                continue;
            CPUMAP_Set(s->set, (unsigned)c);
            CPUMAP_Unset(avail, (unsigned)c);
            owner[c] = i;
            got++;
        }
    }
    if (got < t->pcpu_count) {
        explain_short_on_node(w, i, avail, got, err);
        return -1;
    }
    s->set_known = true;
    return 0;
}

/*
 * Decide every dedicated domain's pCPUs, which pools are left and
 * entered, and what stays in Pool-0 (w->pool0_after).
 */
int plan_cpus(plan_work *w, xs_err *err)
{
    unsigned nr_cpus = host_cpus(w->host), c;
    xs_cpumap avail, released;
    size_t *owner, i;
    char m1[64];
    int rc = -1;

    owner = malloc((nr_cpus ? nr_cpus : 1) * sizeof(*owner));
    if (!owner) {
        ERR_Set(err, "out of memory");
        goto out;
    }
    for (c = 0; c < nr_cpus; c++)
        owner[c] = SIZE_MAX;
    if (claim_explicit(w, owner, err))
        goto out;
    keep_fitting_pools(w, owner);
    plan_leaves(w, &released);
    avail = w->pool0->cpus;
    CPUMAP_Or(&avail, &released);
    if (check_explicit_free(w, &avail, err))
        goto out;
    for (c = 0; c < nr_cpus; c++)
        if (owner[c] != SIZE_MAX)
            CPUMAP_Unset(&avail, c);
    for (i = 0; i < w->nr; i++) {
        if (!w->ts[i].d || !w->targets[i].dedicated || w->ts[i].set_known)
            continue;
        if (pick_count(w, i, owner, &avail, err))
            goto out;
    }
    if (CPUMAP_IsEmpty(&avail)) {
        ERR_Set(err, "no pCPU would be left in Pool-0 for dom0 and the "
                "shared domains (Pool-0 has %s now)",
                CPUMAP_Format(&w->pool0->cpus, m1, sizeof(m1)));
        goto out;
    }
    for (i = 0; i < w->nr; i++)
        if (w->ts[i].d && w->targets[i].dedicated && !w->ts[i].kept)
            w->ts[i].enter = true;
    w->pool0_after = avail;
    rc = 0;
out:
    free(owner);
    return rc;
}

/*
 * A domain the targets do not name is never changed behind its back.
 * Taking pCPUs from Pool-0 would: Xen resets the hard affinity of one
 * pinned only onto them to every pCPU, and narrows one pinned partly
 * onto them.  So such a domain refuses the plan, unless move_unnamed
 * allows a pin step of its own, onto what it keeps (or all of Pool-0
 * when it keeps nothing), taken before the pools so it never breaks.
 */
int plan_guard_unnamed(plan_work *w, xs_err *err)
{
    const hv_pool *pool0 = w->pool0;
    xs_cpumap taken = pool0->cpus;
    char m1[64], m2[64], m3[64];
    size_t i;

    CPUMAP_AndNot(&taken, &w->pool0_after);
    if (CPUMAP_IsEmpty(&taken))
        return 0;
    for (i = 0; i < w->snap->nr_doms; i++) {
        const hv_domain *d = &w->snap->doms[i];
        xs_cpumap hard = d->hard_affinity, lost, want;
        plan_action *a;

        if (d->pool != pool0->id ||
            plan_index_find(&w->names, d->name) != PLAN_NO_INDEX)
            continue;
        plan_map_and(&hard, &pool0->cpus);
        if (CPUMAP_Equal(&hard, &pool0->cpus) ||
            !CPUMAP_Intersects(&hard, &taken))
            continue;       /* not pinned, or not onto what is taken */
        lost = hard;
        plan_map_and(&lost, &taken);
        if (!w->opts->move_unnamed) {
            ERR_Set(err, "%s is not named by phase %s and is pinned to "
                    "pCPUs %s; the phase takes pCPU%s %s of them from "
                    "Pool-0: re-pin it, or allow xenshift to with "
                    "\"move_unnamed\": true in the table's \"host\"",
                    d->name, w->out->phase,
                    CPUMAP_Format(&hard, m1, sizeof(m1)),
                    CPUMAP_Count(&lost) == 1 ? "" : "s",
                    CPUMAP_Format(&lost, m2, sizeof(m2)));
            return -1;
        }
        want = hard;
        CPUMAP_AndNot(&want, &taken);
        if (CPUMAP_IsEmpty(&want))
            want = w->pool0_after;
        a = plan_act_new(&w->st[PLAN_STAGE_CPUS], PLAN_ACT_PIN, d);
        if (!a || !(a->cpus = plan_map_keep(w, &want)))
            goto nomem;
        if (PLAN_AddNote(w->out, "%s (not named by the phase) is pinned to "
                         "pCPUs %s, which the phase takes: re-pinned to %s "
                         "(move_unnamed)", d->name,
                         CPUMAP_Format(&hard, m1, sizeof(m1)),
                         CPUMAP_Format(&want, m3, sizeof(m3))))
            goto nomem;
    }
    return 0;
nomem:
    ERR_Set(err, "out of memory");
    return -1;
}

/*
 * The cpupools: those left (destroyed, their pCPUs back to Pool-0),
 * then those entered, after any pins of unnamed domains.
 */
int plan_pool_moves(plan_work *w, xs_err *err)
{
    act_list *l = &w->st[PLAN_STAGE_CPUS];
    plan_action *a;
    size_t i, most = 0;

    /* at most a leave, an enter and a pin per running target */
    for (i = 0; i < w->nr; i++)
        if (w->ts[i].d)
            most += 1 + w->ts[i].leave + w->ts[i].enter;
    if (plan_acts_reserve(l, most))
        goto nomem;
    for (i = 0; i < w->nr; i++) {
        const tstate *s = &w->ts[i];

        if (!s->leave)
            continue;
        a = plan_act_new(l, PLAN_ACT_POOL_LEAVE, s->d);
        if (!a || !(a->cpus = plan_map_keep(w, &s->cur->cpus)))
            goto nomem;
        snprintf(a->pool, sizeof(a->pool), "%s", s->cur->name);
    }
    for (i = 0; i < w->nr; i++) {
        const tstate *s = &w->ts[i];

        if (!s->enter)
            continue;
        a = plan_act_new(l, PLAN_ACT_POOL_ENTER, s->d);
        if (!a || !(a->cpus = plan_map_keep(w, s->set)))
            goto nomem;
        plan_pool_name(a->pool, w->targets[i].domain);
    }
    return 0;
nomem:
    ERR_Set(err, "out of memory");
    return -1;
}

/*
 * Running target i's pCPUs after (in its row r, whose pCPUs before are
 * filled), and a pin where its affinity (on the online pCPUs, and within
 * its pool) is not that, or its pool changes (Xen resets the affinity on
 * a move).
 * A domain in an administrator's pool stays there as it is.
 */
int plan_pin(plan_work *w, size_t i, plan_row *r, xs_err *err)
{
    const tstate *s = &w->ts[i];
    const xs_cpumap *want;
    plan_action *a;

    if (s->foreign) {
        /* shared (dedicated was refused): stays in its pool */
        r->cpus_after = r->cpus_before;
        if (PLAN_AddNote(w->out, "%s stays in cpupool '%s' (not managed "
                         "by xenshift)", w->targets[i].domain, s->cur->name))
            goto nomem;
        return 0;
    }
    if (!w->targets[i].dedicated && !w->shared_after)
        w->shared_after = plan_map_keep(w, &w->pool0_after);
    want = w->targets[i].dedicated ? plan_map_keep(w, s->set)
                                   : w->shared_after;
    if (!want)
        goto nomem;
    r->cpus_after = want;
    /*
     * No pin where nothing would change: the hard affinity is what it
     * should be, or its part in the domain's pool is (what Xen runs it
     * on, and what status and the row show; kept sets are equal when
     * their pointers are).
     */
    if (!s->leave && !s->enter &&
        (r->cpus_before == want ||
         plan_map_and_is(&s->d->hard_affinity, &w->online, w->online_words,
                         want)))
        return 0;
    a = plan_act_new(&w->st[PLAN_STAGE_CPUS], PLAN_ACT_PIN, s->d);
    if (!a)
        goto nomem;
    a->cpus = want;
    return 0;
nomem:
    ERR_Set(err, "out of memory");
    return -1;
}
