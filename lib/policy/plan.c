/*
 * plan.c - the planner: (host snapshot, wanted state) -> ordered stages,
 * or a refusal that says exactly why.
 *
 * Pure: no I/O, no clock, no hv calls.  Everything it knows about the
 * host comes from the snapshot, so the same inputs give the same plan.
 *
 * PLAN_MakeWith runs named steps in order on one plan_work (plan_int.h):
 * index the host and the targets, locate and check each target, the
 * pCPUs (plan_cpus.c), memory and vCPUs (here), NUMA placement
 * (plan_nodes.c), the free memory check, then cpupools, rows and pins.
 * Lookups by name go through hash indexes built once, and rows and
 * actions point to pCPU sets kept once per plan (plan_index.c), so a
 * plan over n domains costs O(n) plus the pCPU work of the dedicated
 * ones (bench/bench_plan measures it).  The wanted state comes from
 * plan_targets.c, the words for it from plan_text.c.
 *
 * Choices made here (see also xenshift.json(5)):
 *  - A domain is "at" its memory when its balloon target is the wanted
 *    size and its page count is within PLAN_MEM_SLACK_KIB of it.
 *  - The reserve is checked where free memory goes down, i.e. after the
 *    grow stage.  A plan that only gives memory back is never refused
 *    because the host is already below the reserve.
 *  - Domains in a cpupool the administrator made (neither Pool-0 nor
 *    "xenshift-*") are left in it when shared (with a note, and not
 *    re-pinned: pinning outside their pool would fail); dedicating such
 *    a domain is refused, as xenshift does not take other people's pools
 *    apart.
 *  - A running domain the targets do not name is never changed: when a
 *    new pool would take pCPUs it is pinned to, the plan is refused
 *    (PLAN_Make), or with the table's move_unnamed it gets a pin step
 *    of its own onto what it keeps.
 *  - A PIN is planned for every domain that changes pool (Xen resets the
 *    affinity on a move) and for every other target whose hard affinity,
 *    restricted to the online pCPUs, differs from what it should be.
 *  - Memory is only relocated on a hypervisor with the move guard; on
 *    stock Xen the plan says so in a note and leaves memory where it is.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"
#include "units.h"

static int pool_ix_cmp(const void *a, const void *b)
{
    uint32_t x = ((const pool_ix *)a)->id, y = ((const pool_ix *)b)->id;

    return x < y ? -1 : x > y;
}

/* The pool with id, through the sorted index; NULL when there is none. */
static const hv_pool *find_pool(const plan_work *w, uint32_t id)
{
    pool_ix key = { id, 0 };
    const pool_ix *hit;

    if (!w->snap->nr_pools)
        return NULL;
    hit = bsearch(&key, w->pools, w->snap->nr_pools, sizeof(key),
                  pool_ix_cmp);
    return hit ? &w->snap->pools[hit->i] : NULL;
}

bool plan_is_xs_pool(const hv_pool *p)
{
    return p && strncmp(p->name, PLAN_POOL_PREFIX,
                        strlen(PLAN_POOL_PREFIX)) == 0;
}

/* "xenshift-<domain>", cut to HV_NAME_MAX (too long names are refused). */
void plan_pool_name(char out[HV_NAME_MAX], const char *domain)
{
    char buf[HV_NAME_MAX + sizeof(PLAN_POOL_PREFIX)];

    snprintf(buf, sizeof(buf), "%s%s", PLAN_POOL_PREFIX, domain);
    memcpy(out, buf, HV_NAME_MAX - 1);
    out[HV_NAME_MAX - 1] = '\0';
}

/* A name into a HV_NAME_MAX field, cut as snprintf would cut it. */
static void copy_name(char dst[HV_NAME_MAX], const char *src)
{
    size_t n = strnlen(src, HV_NAME_MAX - 1);

    memcpy(dst, src, n);
    dst[n] = '\0';
}

static const char *fmt_size(uint64_t kib, char *buf, size_t len)
{
    return UNITS_FormatSize(kib, buf, len);
}

int plan_acts_reserve(act_list *l, size_t more)
{
    size_t cap = l->n + more;
    plan_action *v;

    if (cap <= l->cap)
        return 0;
    v = realloc(l->v, cap * sizeof(*v));
    if (!v)
        return -1;
    l->v = v;
    l->cap = cap;
    return 0;
}

plan_action *plan_act_new(act_list *l, plan_act_kind kind,
                          const hv_domain *d)
{
    plan_action *a;

    if (l->n == l->cap && plan_acts_reserve(l, l->cap ? l->cap : 8))
        return NULL;
    a = &l->v[l->n++];
    memset(a, 0, sizeof(*a));
    a->kind = kind;
    copy_name(a->domain, d->name);
    a->domid = d->domid;
    a->node = TBL_KEEP;
    a->cpus = &plan_no_cpus;
    return a;
}

int PLAN_AddNote(plan *p, const char *fmt, ...)
{
    char buf[512], *s, **v;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    s = strdup(buf);
    if (!s)
        return -1;
    v = realloc(p->notes, (p->nr_notes + 1) * sizeof(*v));
    if (!v) {
        free(s);
        return -1;
    }
    v[p->nr_notes++] = s;
    p->notes = v;
    return 0;
}

void PLAN_Init(plan *p)
{
    memset(p, 0, sizeof(*p));
}

void PLAN_Dispose(plan *p)
{
    size_t i;

    for (i = 0; i < p->nr_stages; i++)
        free(p->stages[i].acts);
    free(p->stages);
    free(p->rows);
    for (i = 0; i < p->nr_maps; i++)
        free(p->maps[i]);
    free(p->maps);
    for (i = 0; i < p->nr_notes; i++)
        free(p->notes[i]);
    free(p->notes);
    PLAN_Init(p);
}

/* "vm1 needs", "vm1 and vm4 need", "vm1, vm4, vm5 and 7 more need". */
static void format_who(const plan_work *w, char *buf, size_t len)
{
    const plan_target *targets = w->targets;
    const tstate *ts = w->ts;
    size_t i, n = 0, shown = 0, pos = 0;

    for (i = 0; i < w->nr; i++)
        if (ts[i].d && targets[i].memory_kib > ts[i].d->mem_kib)
            n++;
    buf[0] = '\0';
    for (i = 0; i < w->nr && shown < 3 && pos < len; i++) {
        if (!ts[i].d || targets[i].memory_kib <= ts[i].d->mem_kib)
            continue;
        shown++;
        pos += (size_t)snprintf(buf + pos, len - pos, "%s%s",
                                shown == 1 ? "" :
                                (shown == n ? " and " : ", "),
                                targets[i].domain);
    }
    if (pos < len && n > shown)
        pos += (size_t)snprintf(buf + pos, len - pos, " and %zu more",
                                n - shown);
    if (pos < len)
        snprintf(buf + pos, len - pos, " %s", n == 1 ? "needs" : "need");
}

/* The memory asked of a running domain. */
static int check_memory(const plan_target *t, const hv_domain *d,
                        xs_err *err)
{
    char a[32], b[32];

    if (t->memory_kib == 0) {
        ERR_Set(err, "%s: a memory size of 0 is not possible", t->domain);
        return -1;
    }
    if (t->memory_kib < t->floor_kib) {
        ERR_Set(err, "%s: %s is below its floor of %s", t->domain,
                fmt_size(t->memory_kib, a, sizeof(a)),
                fmt_size(t->floor_kib, b, sizeof(b)));
        return -1;
    }
    if (d->static_max_kib && t->memory_kib > d->static_max_kib) {
        ERR_Set(err, "%s: %s is more than it was built for (static "
                "maximum %s)", t->domain,
                fmt_size(t->memory_kib, a, sizeof(a)),
                fmt_size(d->static_max_kib, b, sizeof(b)));
        return -1;
    }
    return 0;
}

/* The vCPUs asked of a running domain. */
static int check_vcpus(const plan_target *t, const hv_domain *d,
                       xs_err *err)
{
    if (t->vcpus == TBL_KEEP)
        return 0;
    if (t->vcpus < 1) {
        ERR_Set(err, "%s: %d vCPUs asked; a domain needs at least one",
                t->domain, t->vcpus);
        return -1;
    }
    if ((unsigned)t->vcpus > d->vcpus_max) {
        ERR_Set(err, "%s: %d vCPUs asked but it has at most %u",
                t->domain, t->vcpus, d->vcpus_max);
        return -1;
    }
    if ((unsigned)t->vcpus < d->vcpus_online && d->type == HV_DOM_HVM) {
        ERR_Set(err, "%s is an HVM guest: Xen cannot unplug its vCPUs "
                "(%u -> %d)", t->domain, d->vcpus_online, t->vcpus);
        return -1;
    }
    return 0;
}

/* Dedicated pCPUs asked of a running domain. */
static int check_dedicated(const hv_host *host, const plan_target *t,
                           const tstate *s, xs_err *err)
{
    if (s->d->domid == 0) {
        ERR_Set(err, "%s cannot have dedicated pCPUs: dom0 stays in "
                "Pool-0", t->domain);
        return -1;
    }
    if (strlen(PLAN_POOL_PREFIX) + strlen(t->domain) >= HV_NAME_MAX) {
        ERR_Set(err, "%s: the name is too long for a cpupool name "
                "(%s%s)", t->domain, PLAN_POOL_PREFIX, t->domain);
        return -1;
    }
    if (CPUMAP_IsEmpty(&t->pcpus) && t->pcpu_count == 0) {
        ERR_Set(err, "%s is dedicated but no pCPUs are given (a list "
                "or a count)", t->domain);
        return -1;
    }
    if (s->foreign) {
        ERR_Set(err, "%s is in cpupool '%s', which xenshift does not "
                "manage: move it to Pool-0 before dedicating pCPUs "
                "to it", t->domain, s->cur->name);
        return -1;
    }
    /* "node" holds for its pCPUs too: a list elsewhere is a typo. */
    if (!CPUMAP_IsEmpty(&t->pcpus) && t->node != TBL_KEEP &&
        !plan_all_on_node(host, &t->pcpus, t->node)) {
        xs_cpumap on;
        char m1[64], m2[64];

        plan_node_cpus(host, t->node, &on);
        ERR_Set(err, "%s: dedicated pCPUs %s are not all on node %d "
                "(node %d has pCPUs %s)", t->domain,
                CPUMAP_Format(&t->pcpus, m1, sizeof(m1)), t->node,
                t->node, CPUMAP_Format(&on, m2, sizeof(m2)));
        return -1;
    }
    return 0;
}

/* Checks of one running target that need no other target. */
static int check_target(const hv_host *host, const plan_target *t,
                        const tstate *s, xs_err *err)
{
    if (check_memory(t, s->d, err) || check_vcpus(t, s->d, err))
        return -1;
    if (t->node != TBL_KEEP &&
        (t->node < 0 || (unsigned)t->node >= host->nr_nodes)) {
        ERR_Set(err, "%s: node %d does not exist (the host has %u node%s)",
                t->domain, t->node, host->nr_nodes,
                host->nr_nodes == 1 ? "" : "s");
        return -1;
    }
    if (t->dedicated && check_dedicated(host, t, s, err))
        return -1;
    return 0;
}

static void work_dispose(plan_work *w)
{
    size_t k;

    for (k = 0; k < PLAN_NR_STAGES; k++)
        free(w->st[k].v);
    plan_index_dispose(&w->doms);
    plan_index_dispose(&w->names);
    free(w->maps.slot);
    free(w->pools);
    free(w->sets);
    free(w->ts);
}

/*
 * Start a plan: out emptied and labelled, the working state allocated
 * (a pCPU set for each dedicated target only: the sets are most of the
 * memory a target costs), the domains, targets and pools indexed.
 */
static int work_init(plan_work *w, const xs_snapshot *snap,
                     const plan_target *targets, size_t nr,
                     const plan_opts *opts, const char *label, plan *out,
                     xs_err *err)
{
    size_t i, nr_sets = 0;

    memset(w, 0, sizeof(*w));
    w->snap = snap;
    w->host = &snap->host;
    w->targets = targets;
    w->nr = nr;
    w->opts = opts;
    w->out = out;
    PLAN_Dispose(out);
    snprintf(out->phase, sizeof(out->phase), "%s", label ? label : "");
    out->reserve_kib = opts->reserve_kib;
    CPUMAP_Fill(&w->online, snap->host.nr_cpus);
    w->online_words = plan_map_words(&w->online);
    w->maps.words = w->online_words ? w->online_words : HV_MAX_CPUS / 64;

    for (i = 0; i < nr; i++)
        nr_sets += targets[i].dedicated;
    w->ts = calloc(nr ? nr : 1, sizeof(*w->ts));
    w->sets = calloc(nr_sets ? nr_sets : 1, sizeof(*w->sets));
    w->pools = calloc(snap->nr_pools ? snap->nr_pools : 1,
                      sizeof(*w->pools));
    out->rows = calloc(nr ? nr : 1, sizeof(*out->rows));
    if (!w->ts || !w->sets || !w->pools || !out->rows ||
        plan_index_build(&w->doms, snap->doms, snap->nr_doms,
                         sizeof(*snap->doms), offsetof(hv_domain, name)) ||
        plan_index_build(&w->names, targets, nr, sizeof(*targets),
                         offsetof(plan_target, domain))) {
        ERR_Set(err, "out of memory");
        return -1;
    }
    for (i = 0, nr_sets = 0; i < nr; i++)
        if (targets[i].dedicated)
            w->ts[i].set = &w->sets[nr_sets++];
    for (i = 0; i < snap->nr_pools; i++) {
        w->pools[i].id = snap->pools[i].id;
        w->pools[i].i = i;
    }
    qsort(w->pools, snap->nr_pools, sizeof(*w->pools), pool_ix_cmp);
    w->pool0 = SNAP_FindPool(snap, PLAN_POOL0_ID);
    if (!w->pool0) {
        ERR_Set(err, "the host has no Pool-0 (cpupool 0)");
        return -1;
    }
    return 0;
}

/* No domain may be named twice (the first such name, in strcmp order). */
static int check_named_once(const plan_work *w, xs_err *err)
{
    const char *twice = NULL;
    size_t i;

    /* the index saw each name: look for which only when one came twice */
    for (i = 0; w->names.nr_twice && i < w->nr; i++) {
        const char *name = w->targets[i].domain;

        if (plan_index_find(&w->names, name) != i &&
            (!twice || strcmp(name, twice) < 0))
            twice = name;
    }
    if (twice) {
        ERR_Set(err, "%s is named twice in the wanted state", twice);
        return -1;
    }
    return 0;
}

/*
 * Target i on its own: whether it runs, where it is, and whether what
 * is asked of it is possible.
 */
static int locate_target(plan_work *w, size_t i, xs_err *err)
{
    const plan_target *t = &w->targets[i];
    size_t hit = plan_index_find(&w->doms, t->domain);
    tstate *s = &w->ts[i];

    if (hit == PLAN_NO_INDEX) {
        if (PLAN_AddNote(w->out, "%s is not running: skipped", t->domain)) {
            ERR_Set(err, "out of memory");
            return -1;
        }
        return 0;
    }
    s->d = &w->snap->doms[hit];
    s->cur = find_pool(w, s->d->pool);
    if (s->cur) {
        s->in_xs = plan_is_xs_pool(s->cur);
        if (s->in_xs) {
            char own[HV_NAME_MAX];

            plan_pool_name(own, t->domain);
            s->own = strcmp(s->cur->name, own) == 0;
        }
        s->foreign = !s->in_xs && s->cur->id != PLAN_POOL0_ID;
    }
    if (t->node != TBL_KEEP)
        w->any_node = true;
    return check_target(w->host, t, s, err);
}

/*
 * Target i's balloon: a shrink when it gives memory back (or only its
 * target is above), a grow (from its node when it names one) otherwise;
 * nothing when it is there.
 */
static int plan_memory(plan_work *w, size_t i)
{
    const plan_target *t = &w->targets[i];
    const hv_domain *d = w->ts[i].d;
    uint64_t want = t->memory_kib;
    plan_action *a;
    bool down;

    if (d->target_kib == want &&
        (d->mem_kib > want ? d->mem_kib - want : want - d->mem_kib)
            <= PLAN_MEM_SLACK_KIB)
        return 0;
    down = want < d->mem_kib || (want == d->mem_kib && want < d->target_kib);
    a = plan_act_new(&w->st[down ? PLAN_STAGE_SHRINK : PLAN_STAGE_GROW],
                     PLAN_ACT_MEMORY, d);
    if (!a)
        return -1;
    a->from_kib = d->mem_kib;
    a->to_kib = want;
    if (down) {
        w->shrink += d->mem_kib - want;
    } else {
        w->grow += want - d->mem_kib;
        /* the new pages should come from its node */
        if (t->node != TBL_KEEP && w->host->nr_nodes > 1)
            a->node = t->node;
    }
    return 0;
}

/* Target i's vCPUs: unplugged with the shrink, plugged after the grow. */
static int plan_vcpus(plan_work *w, size_t i)
{
    const plan_target *t = &w->targets[i];
    const hv_domain *d = w->ts[i].d;
    plan_action *a;
    unsigned to;

    if (t->vcpus == TBL_KEEP || (unsigned)t->vcpus == d->vcpus_online)
        return 0;
    to = (unsigned)t->vcpus;
    a = plan_act_new(&w->st[to < d->vcpus_online ? PLAN_STAGE_SHRINK
                                                 : PLAN_STAGE_VCPUS],
                     PLAN_ACT_VCPUS, d);
    if (!a)
        return -1;
    a->from_vcpus = d->vcpus_online;
    a->to_vcpus = to;
    return 0;
}

/* Memory, vCPUs and the move to a node of every running target. */
static int plan_memory_and_vcpus(plan_work *w, xs_err *err)
{
    size_t i;

    /* a shrink or a grow per target, seldom more (vCPUs) */
    if (plan_acts_reserve(&w->st[PLAN_STAGE_SHRINK], w->nr) ||
        plan_acts_reserve(&w->st[PLAN_STAGE_GROW], w->nr))
        goto nomem;
    for (i = 0; i < w->nr; i++) {
        if (!w->ts[i].d)
            continue;
        if (plan_memory(w, i) || plan_vcpus(w, i))
            goto nomem;
        if (plan_relocate(w, i, err))
            return -1;
    }
    return 0;
nomem:
    ERR_Set(err, "out of memory");
    return -1;
}

/*
 * Free memory only goes down in the grow stage: the donors' memory and
 * what is free must cover the growth and the reserve.
 */
static int check_free_memory(plan_work *w, xs_err *err)
{
    uint64_t reserve_kib = w->opts->reserve_kib, shrink = w->shrink;
    uint64_t grow = w->grow, free_before, free_after;
    char who[160], s1[32], s2[32], s3[32], s4[32], s5[32], s6[32];
    uint64_t short_by;

    free_before = w->host->free_kib;
    free_after = UNITS_AddSat(free_before, shrink) >= grow
                     ? UNITS_AddSat(free_before, shrink) - grow : 0;
    if (!grow || UNITS_AddSat(free_before, shrink) >=
                     UNITS_AddSat(reserve_kib, grow)) {
        w->out->free_before_kib = free_before;
        w->out->free_after_kib = free_after;
        w->out->free_min_kib = free_after < free_before ? free_after
                                                        : free_before;
        return 0;
    }
    short_by = reserve_kib + grow - free_before - shrink;
    format_who(w, who, sizeof(who));
    fmt_size(grow, s1, sizeof(s1));
    fmt_size(reserve_kib, s3, sizeof(s3));
    fmt_size(shrink, s4, sizeof(s4));
    fmt_size(short_by, s5, sizeof(s5));
    if (free_before >= reserve_kib)
        ERR_Set(err, "%s %s more; the host has %s free above the %s "
                "reserve and the donors free %s: short by %s", who, s1,
                fmt_size(free_before - reserve_kib, s2, sizeof(s2)),
                s3, s4, s5);
    else
        ERR_Set(err, "%s %s more; the host has %s free, %s below the "
                "%s reserve, and the donors free %s: short by %s", who,
                s1, fmt_size(free_before, s2, sizeof(s2)),
                fmt_size(reserve_kib - free_before, s6, sizeof(s6)),
                s3, s4, s5);
    return -1;
}

/*
 * Target i's line of the before/after table, but its pCPUs after.
 * -1: out of memory.
 */
static int fill_row(plan_work *w, size_t i, plan_row *r)
{
    const plan_target *t = &w->targets[i];
    const tstate *s = &w->ts[i];
    const xs_cpumap *within;
    xs_cpumap before;

    copy_name(r->domain, t->domain);
    r->node_after = t->node;
    r->dedicated_after = t->dedicated;
    r->mem_after_kib = t->memory_kib;
    r->cpus_before = r->cpus_after = &plan_no_cpus;
    if (!s->d) {
        if (t->vcpus != TBL_KEEP)
            r->vcpus_after = (unsigned)t->vcpus;
        return 0;
    }
    r->running = true;
    r->domid = s->d->domid;
    r->mem_before_kib = s->d->mem_kib;
    r->vcpus_before = s->d->vcpus_online;
    r->vcpus_after = t->vcpus == TBL_KEEP ? s->d->vcpus_online
                                          : (unsigned)t->vcpus;
    r->dedicated_before = s->in_xs;
    within = s->cur ? &s->cur->cpus : &w->online;
    if (w->last_before && w->last_within == within &&
        plan_map_same_within(w->last_hard, &s->d->hard_affinity, within,
                             w->last_within_words)) {
        r->cpus_before = w->last_before;
        return 0;
    }
    before = s->d->hard_affinity;
    plan_map_and(&before, within);
    r->cpus_before = plan_map_keep(w, &before);
    w->last_hard = &s->d->hard_affinity;
    w->last_within = within;
    w->last_within_words = plan_map_words(within);
    w->last_before = r->cpus_before;
    return r->cpus_before ? 0 : -1;
}

/*
 * The cpus stage (cpupools, then pins) and the rows: a target's row and
 * its pin are made together, while its domain is at hand.
 */
static int plan_rows_and_pins(plan_work *w, xs_err *err)
{
    size_t i;

    if (plan_pool_moves(w, err))
        return -1;
    for (i = 0; i < w->nr; i++) {
        plan_row *r = &w->out->rows[i];

        if (fill_row(w, i, r)) {
            ERR_Set(err, "out of memory");
            return -1;
        }
        if (w->ts[i].d && plan_pin(w, i, r, err))
            return -1;
    }
    return 0;
}

/* Stage l of kind into p, at its final size (empty stages are left out). */
static int add_stage(plan *p, plan_stage_kind kind, act_list *l)
{
    plan_stage *v;
    plan_action *fit;

    if (!l->n)
        return 0;
    v = realloc(p->stages, (p->nr_stages + 1) * sizeof(*v));
    if (!v)
        return -1;
    p->stages = v;
    /* give back what was reserved and not used (failing is harmless) */
    fit = l->n < l->cap ? realloc(l->v, l->n * sizeof(*fit)) : NULL;
    if (fit)
        l->v = fit;
    v[p->nr_stages].kind = kind;
    v[p->nr_stages].acts = l->v;
    v[p->nr_stages].nr_acts = l->n;
    p->nr_stages++;
    l->v = NULL;
    l->n = l->cap = 0;
    return 0;
}

/* The stages in their order into the plan, and its rows. */
static int finish_plan(plan_work *w, xs_err *err)
{
    size_t k;

    for (k = 0; k < PLAN_NR_STAGES; k++)
        if (add_stage(w->out, (plan_stage_kind)k, &w->st[k]))
            goto nomem;
    w->out->nr_rows = w->nr;
    if (!w->out->nr_stages &&
        PLAN_AddNote(w->out, "already in phase %s", w->out->phase))
        goto nomem;
    return 0;
nomem:
    ERR_Set(err, "out of memory");
    return -1;
}

int PLAN_MakeTo(const xs_snapshot *snap, const plan_target *targets,
                size_t nr, uint64_t reserve_kib, const char *label,
                plan *out, xs_err *err)
{
    plan_opts o = { reserve_kib, false, false };

    return PLAN_MakeWith(snap, targets, nr, &o, label, out, err);
}

int PLAN_MakeWith(const xs_snapshot *snap, const plan_target *targets,
                  size_t nr, const plan_opts *opts, const char *label,
                  plan *out, xs_err *err)
{
    plan_work w;
    size_t i;
    int rc = -1;

    if (work_init(&w, snap, targets, nr, opts, label, out, err) ||
        check_named_once(&w, err))
        goto out;
    for (i = 0; i < nr; i++)
        if (locate_target(&w, i, err))
            goto out;
    if (plan_cpus(&w, err) ||
        (opts->guard_unnamed && plan_guard_unnamed(&w, err)) ||
        plan_memory_and_vcpus(&w, err) ||
        (snap->host.nr_nodes > 1 && w.any_node &&
         plan_make_room_on_nodes(&w, err)) ||
        check_free_memory(&w, err) ||
        plan_rows_and_pins(&w, err) ||
        finish_plan(&w, err))
        goto out;
    rc = 0;
out:
    work_dispose(&w);
    if (rc)
        PLAN_Dispose(out);
    return rc;
}

int PLAN_Make(const xs_snapshot *snap, const tbl_table *t,
              const char *phase, plan *out, xs_err *err)
{
    plan_target *targets = NULL;
    size_t nr = 0;
    int rc;

    rc = PLAN_TargetsFromPhase(t, phase, &targets, &nr, err);
    if (rc)
        goto out;
    {
        plan_opts o = { t->reserve_kib, true, t->move_unnamed };

        rc = PLAN_MakeWith(snap, targets, nr, &o, phase, out, err);
    }
out:
    free(targets);
    return rc;
}
