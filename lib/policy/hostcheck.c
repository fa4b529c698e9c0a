/*
 * hostcheck.c - what `plan` will refuse, found by `check` before it is
 * asked (see hostcheck.h).
 *
 * A pair (A, B) is checked by planning B from a model of the host after
 * A: the snapshot with A's plan applied to it, as the executor would
 * leave it when every step succeeds.  The model is the planner's own
 * view (rows and cpus stage), so it can only be as right as the plan;
 * what it cannot know (a guest that balloons short) shows at apply.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostcheck.h"
#include "schedule.h"

void HCHK_Init(hchk_report *r)
{
    memset(r, 0, sizeof(*r));
}

void HCHK_Dispose(hchk_report *r)
{
    free(r->v);
    HCHK_Init(r);
}

static hchk_finding *add_finding(hchk_report *r, hchk_level level,
                                  hchk_kind kind, xs_err *err)
{
    hchk_finding *v = realloc(r->v, (r->nr + 1) * sizeof(*v));

    if (!v) {
        ERR_Set(err, "out of memory");
        return NULL;
    }
    r->v = v;
    v = &r->v[r->nr++];
    memset(v, 0, sizeof(*v));
    v->level = level;
    v->kind = kind;
    if (level == HCHK_ERROR)
        r->nr_errors++;
    else
        r->nr_warnings++;
    return v;
}

/* --- the host after a plan ---------------------------------------------- */

static hv_domain *dom_by_id(xs_snapshot *s, uint32_t domid)
{
    size_t i;

    for (i = 0; i < s->nr_doms; i++)
        if (s->doms[i].domid == domid)
            return &s->doms[i];
    return NULL;
}

/* A pool of the model, to change in place. */
static hv_pool *pool_by_id(xs_snapshot *s, uint32_t id)
{
    return (hv_pool *)HV_PoolById(s->pools, s->nr_pools, id);
}

static hv_pool *pool_by_name(xs_snapshot *s, const char *name)
{
    return (hv_pool *)HV_PoolByName(s->pools, s->nr_pools, name);
}

/* Memory of one row: the new size, on its node or spread as it was. */
static void apply_row(xs_snapshot *s, const plan_row *r)
{
    hv_host *host = &s->host;
    hv_domain *d = dom_by_id(s, r->domid);
    uint64_t was[HV_MAX_NODES];
    unsigned n;

    if (!d || !r->running)
        return;
    if (d->node_known && d->mem_kib) {
        memcpy(was, d->node_mem_kib, sizeof(was));
        for (n = 0; n < HV_MAX_NODES; n++)
            d->node_mem_kib[n] = r->node_after != TBL_KEEP
                ? ((int)n == r->node_after ? r->mem_after_kib : 0)
                : was[n] * r->mem_after_kib / d->mem_kib;
        for (n = 0; n < host->nr_nodes && n < HV_MAX_NODES; n++) {
            uint64_t f = host->node_free_kib[n] + was[n];

            host->node_free_kib[n] = f > d->node_mem_kib[n]
                                     ? f - d->node_mem_kib[n] : 0;
        }
    }
    if (r->mem_after_kib != d->mem_kib)
        d->maxmem_kib = r->mem_after_kib;
    d->mem_kib = d->target_kib = r->mem_after_kib;
    d->vcpus_online = r->vcpus_after;
}

/* Pool steps and pins, in the order the executor runs them. */
static int apply_cpus(xs_snapshot *s, const plan_action *a, xs_err *err)
{
    hv_domain *d = dom_by_id(s, a->domid);
    hv_pool *p, *pool0 = pool_by_id(s, PLAN_POOL0_ID);
    xs_cpumap all;
    uint32_t id = 0;
    size_t i;

    if (!d || !pool0)
        return 0;
    CPUMAP_Fill(&all, s->host.nr_cpus);
    switch (a->kind) {
    case PLAN_ACT_PIN:
        /* as the executor pins: soft affinity to every pCPU */
        d->hard_affinity = *a->cpus;
        d->soft_affinity = all;
        break;
    case PLAN_ACT_POOL_LEAVE:
        p = pool_by_name(s, a->pool);
        d->pool = pool0->id;
        d->hard_affinity = d->soft_affinity = all;
        pool0->nr_domains++;
        if (p && p->nr_domains)
            p->nr_domains--;
        if (p && !p->nr_domains) {
            /* destroyed: its pCPUs go back (the last pool takes its slot) */
            CPUMAP_Or(&pool0->cpus, &p->cpus);
            *p = s->pools[--s->nr_pools];
        }
        break;
    case PLAN_ACT_POOL_ENTER:
        p = realloc(s->pools, (s->nr_pools + 1) * sizeof(*p));
        if (!p) {
            ERR_Set(err, "out of memory");
            return -1;
        }
        s->pools = p;
        pool0 = pool_by_id(s, PLAN_POOL0_ID);
        for (i = 0; i < s->nr_pools; i++)
            if (s->pools[i].id >= id)
                id = s->pools[i].id + 1;
        p = &s->pools[s->nr_pools++];
        memset(p, 0, sizeof(*p));
        p->id = id;
        snprintf(p->name, sizeof(p->name), "%s", a->pool);
        snprintf(p->sched, sizeof(p->sched), "%s", pool0->sched);
        p->cpus = *a->cpus;
        CPUMAP_AndNot(&pool0->cpus, a->cpus);
        /* As Xen: an affinity left with no pCPU of its pool is reset. */
        for (i = 0; i < s->nr_doms; i++)
            if (s->doms[i].pool == pool0->id &&
                !CPUMAP_Intersects(&s->doms[i].hard_affinity,
                                   &pool0->cpus))
                s->doms[i].hard_affinity = all;
        if (d->pool == pool0->id && pool0->nr_domains)
            pool0->nr_domains--;
        d->pool = id;
        d->hard_affinity = d->soft_affinity = all;
        p->nr_domains = 1;
        break;
    default:
        break;
    }
    return 0;
}

int HCHK_SnapshotAfter(const xs_snapshot *before, const plan *p,
                        xs_snapshot *after, xs_err *err)
{
    size_t i, j;
    int rc = -1;

    SNAP_Dispose(after);
    after->host = before->host;
    after->doms = malloc((before->nr_doms ? before->nr_doms : 1) *
                         sizeof(*after->doms));
    after->pools = malloc((before->nr_pools ? before->nr_pools : 1) *
                          sizeof(*after->pools));
    if (!after->doms || !after->pools) {
        ERR_Set(err, "out of memory");
        goto out;
    }
    memcpy(after->doms, before->doms, before->nr_doms * sizeof(*after->doms));
    memcpy(after->pools, before->pools,
           before->nr_pools * sizeof(*after->pools));
    after->nr_doms = before->nr_doms;
    after->nr_pools = before->nr_pools;

    for (i = 0; i < p->nr_rows; i++)
        apply_row(after, &p->rows[i]);
    after->host.free_kib = p->free_after_kib;
    for (i = 0; i < p->nr_stages; i++) {
        if (p->stages[i].kind != PLAN_STAGE_CPUS)
            continue;
        for (j = 0; j < p->stages[i].nr_acts; j++)
            if (apply_cpus(after, &p->stages[i].acts[j], err))
                goto out;
    }
    rc = 0;
out:
    if (rc)
        SNAP_Dispose(after);
    return rc;
}

/* --- phases and pairs --------------------------------------------------- */

int HCHK_CheckHost(const xs_snapshot *snap, const tbl_table *t,
                    hchk_report *r, xs_err *err)
{
    xs_snapshot *after = NULL;
    bool *planned = NULL;
    hchk_finding *f;
    xs_err why;
    plan p;
    size_t i, j;
    int rc = -1;

    PLAN_Init(&p);
    after = calloc(t->nr_phases ? t->nr_phases : 1, sizeof(*after));
    planned = calloc(t->nr_phases ? t->nr_phases : 1, sizeof(*planned));
    if (!after || !planned) {
        ERR_Set(err, "out of memory");
        goto out;
    }
    for (i = 0; i < t->nr_phases; i++) {
        const char *name = t->phases[i].name;

        SNAP_Init(&after[i]);
        if (!PLAN_Make(snap, t, name, &p, &why)) {
            if (HCHK_SnapshotAfter(snap, &p, &after[i], err))
                goto out;
            planned[i] = true;
            continue;
        }
        f = add_finding(r, HCHK_ERROR, HCHK_PHASE, err);
        if (!f)
            goto out;
        snprintf(f->phase, sizeof(f->phase), "%s", name);
        snprintf(f->msg, sizeof(f->msg), "phase \"%s\" cannot be planned "
                 "from the host as it is: %s", name, why.msg);
    }
    /* Pairs from a phase that cannot be reached now are not modelled. */
    for (i = 0; i < t->nr_phases; i++) {
        for (j = 0; planned[i] && j < t->nr_phases; j++) {
            if (i == j || !PLAN_Make(&after[i], t, t->phases[j].name, &p,
                                     &why))
                continue;
            f = add_finding(r, HCHK_ERROR, HCHK_PAIR, err);
            if (!f)
                goto out;
            snprintf(f->from, sizeof(f->from), "%s", t->phases[i].name);
            snprintf(f->phase, sizeof(f->phase), "%s", t->phases[j].name);
            snprintf(f->msg, sizeof(f->msg), "phase \"%s\" cannot be "
                     "reached from phase \"%s\": %s", t->phases[j].name,
                     t->phases[i].name, why.msg);
        }
    }
    rc = 0;
out:
    PLAN_Dispose(&p);
    for (i = 0; after && i < t->nr_phases; i++)
        SNAP_Dispose(&after[i]);
    free(after);
    free(planned);
    return rc;
}

/* --- triggers ------------------------------------------------------------ */

/*
 * The first minute after 'from' and not after 'until' at which both
 * fire.  Cron fields are a product (minute x hour x day), so unless the
 * minutes, hours and months share a value they never meet, and when
 * they do, leapfrogging from one's fire time to the other's meets on
 * the first day both match: a few steps per day, not one per minute.
 * (A time a DST jump skips, fired at the end of the gap, is not
 * compared: such a clash is left unseen.)
 */
static bool first_shared(const sched_expr *x, const sched_expr *y,
                         time_t from, time_t until, time_t *when)
{
    time_t a, b;

    if (!(x->minutes & y->minutes) || !(x->hours & y->hours) ||
        !(x->months & y->months))
        return false;
    if (SCHED_Next(x, from, &a))
        return false;
    while (a <= until) {
        if (SCHED_Next(y, a - 1, &b) || b > until)
            return false;
        if (b == a) {
            *when = a;
            return true;
        }
        if (SCHED_Next(x, b - 1, &a))
            return false;
        if (a == b) {
            *when = a;
            return true;
        }
    }
    return false;
}

int HCHK_CheckTriggers(const tbl_table *t, time_t from, hchk_report *r,
                        xs_err *err)
{
    time_t until = from + (time_t)HCHK_TRIGGER_DAYS * 24 * 3600, next;
    hchk_finding *f;
    bool *fires;
    size_t i, j;
    int rc = -1;

    fires = calloc(t->nr_triggers ? t->nr_triggers : 1, sizeof(*fires));
    if (!fires) {
        ERR_Set(err, "out of memory");
        return -1;
    }
    for (i = 0; i < t->nr_triggers; i++) {
        const tbl_trigger *x = &t->triggers[i];

        if (x->kind != TBL_TRIGGER_AT)
            continue;
        if (!SCHED_Next(&x->when, from, &next)) {
            fires[i] = true;
            continue;
        }
        f = add_finding(r, HCHK_ERROR, HCHK_TRIGGER_NEVER, err);
        if (!f)
            goto out;
        snprintf(f->phase, sizeof(f->phase), "%s", x->phase);
        f->pos = x->pos;
        snprintf(f->msg, sizeof(f->msg), "trigger for phase \"%s\": \"at\" "
                 "\"%s\" matches no time (it never fires)", x->phase, x->at);
    }
    for (i = 0; i < t->nr_triggers; i++) {
        for (j = i + 1; fires[i] && j < t->nr_triggers; j++) {
            const tbl_trigger *x = &t->triggers[i], *y = &t->triggers[j];
            struct tm tm;
            char at[64];
            time_t when;

            if (!fires[j] || strcmp(x->phase, y->phase) == 0 ||
                !first_shared(&x->when, &y->when, from, until, &when))
                continue;
            f = add_finding(r, HCHK_WARNING, HCHK_TRIGGER_CLASH, err);
            if (!f)
                goto out;
            snprintf(f->phase, sizeof(f->phase), "%s", x->phase);
            snprintf(f->other, sizeof(f->other), "%s", y->phase);
            f->pos = x->pos;
            f->other_pos = y->pos;
            f->when = when;
            if (!localtime_r(&when, &tm) ||
                !strftime(at, sizeof(at), "%Y-%m-%d %H:%M %Z", &tm))
                snprintf(at, sizeof(at), "%lld", (long long)when);
            snprintf(f->msg, sizeof(f->msg), "triggers for phase \"%s\" "
                     "(\"%s\") and phase \"%s\" (\"%s\", at %d:%d) fire at "
                     "the same minute, first at %s", x->phase, x->at,
                     y->phase, y->at, y->pos.line, y->pos.col, at);
        }
    }
    rc = 0;
out:
    free(fires);
    return rc;
}
