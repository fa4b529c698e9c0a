/*
 * plan.c - the planner: (host snapshot, wanted state) -> ordered stages,
 * or a refusal that says exactly why.
 *
 * Pure: no I/O, no clock, no hv calls.  Everything it knows about the
 * host comes from the snapshot, so the same inputs give the same plan.
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

#include "plan.h"
#include "units.h"

/* A guest rarely lands on the exact page: the executor's tolerance. */
#define PLAN_MEM_SLACK_KIB 1024

typedef struct act_list {
    plan_action *v;
    size_t n, cap;
} act_list;

typedef struct name_ix {
    const char *name;
    size_t i;
} name_ix;

typedef struct id_ix {
    uint32_t id;
    size_t i;
} id_ix;

/* What the planner works out for one target. */
typedef struct tstate {
    const hv_domain *d;         /* NULL: not running */
    const hv_pool *cur;         /* its pool now; NULL when unknown */
    bool in_xs;                 /* cur is a xenshift-* pool */
    bool own;                   /* cur is "xenshift-<its name>" */
    bool foreign;               /* cur is an administrator's pool */
    bool explicit_set;          /* dedicated with a pCPU list */
    bool set_known;
    xs_cpumap set;              /* dedicated: its pCPUs after */
    bool kept;                  /* stays in its pool as it is */
    bool leave, enter;
} tstate;

static int name_ix_cmp(const void *a, const void *b)
{
    return strcmp(((const name_ix *)a)->name, ((const name_ix *)b)->name);
}

static int id_ix_cmp(const void *a, const void *b)
{
    uint32_t x = ((const id_ix *)a)->id, y = ((const id_ix *)b)->id;

    return x < y ? -1 : x > y;
}

static const name_ix *name_find(const name_ix *ix, size_t n, const char *name)
{
    name_ix key = { name, 0 };

    if (!n)
        return NULL;
    return bsearch(&key, ix, n, sizeof(*ix), name_ix_cmp);
}

static const id_ix *id_find(const id_ix *ix, size_t n, uint32_t id)
{
    id_ix key = { id, 0 };

    if (!n)
        return NULL;
    return bsearch(&key, ix, n, sizeof(*ix), id_ix_cmp);
}

static name_ix *index_domains(const xs_snapshot *snap)
{
    name_ix *ix;
    size_t i;

    ix = calloc(snap->nr_doms ? snap->nr_doms : 1, sizeof(*ix));
    if (!ix)
        return NULL;
    for (i = 0; i < snap->nr_doms; i++) {
        ix[i].name = snap->doms[i].name;
        ix[i].i = i;
    }
    qsort(ix, snap->nr_doms, sizeof(*ix), name_ix_cmp);
    return ix;
}

static bool is_xs_pool(const hv_pool *p)
{
    return p && strncmp(p->name, PLAN_POOL_PREFIX,
                        strlen(PLAN_POOL_PREFIX)) == 0;
}

/* "xenshift-<domain>", cut to HV_NAME_MAX (too long names are refused). */
static void pool_name(char out[HV_NAME_MAX], const char *domain)
{
    char buf[HV_NAME_MAX + sizeof(PLAN_POOL_PREFIX)];

    snprintf(buf, sizeof(buf), "%s%s", PLAN_POOL_PREFIX, domain);
    memcpy(out, buf, HV_NAME_MAX - 1);
    out[HV_NAME_MAX - 1] = '\0';
}

static void map_and(xs_cpumap *dst, const xs_cpumap *src)
{
    size_t i;

    for (i = 0; i < HV_MAX_CPUS / 64; i++)
        dst->bits[i] &= src->bits[i];
}

static const char *fmt_size(uint64_t kib, char *buf, size_t len)
{
    return UNITS_FormatSize(kib, buf, len);
}

static int acts_push(act_list *l, const plan_action *a)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        plan_action *v = realloc(l->v, cap * sizeof(*v));

        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *a;
    return 0;
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

static void init_action(plan_action *a, plan_act_kind kind,
                        const hv_domain *d)
{
    memset(a, 0, sizeof(*a));
    a->kind = kind;
    snprintf(a->domain, sizeof(a->domain), "%s", d->name);
    a->domid = d->domid;
    a->node = TBL_KEEP;
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
    for (i = 0; i < p->nr_notes; i++)
        free(p->notes[i]);
    free(p->notes);
    PLAN_Init(p);
}

int PLAN_TargetsFromPhase(const tbl_table *t, const char *phase,
                          plan_target **targets, size_t *nr, xs_err *err)
{
    const tbl_phase *ph;
    plan_target *v = NULL;
    size_t i;
    int rc = -1;

    *targets = NULL;
    *nr = 0;
    ph = TBL_FindPhase(t, phase);
    if (!ph) {
        char names[512] = "";
        size_t len = 0;

        for (i = 0; i < t->nr_phases && len < sizeof(names); i++)
            len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
                                    i ? ", " : "", t->phases[i].name);
        ERR_Set(err, "no phase '%s' in the table (phases: %s)", phase,
                t->nr_phases ? names : "none");
        goto out;
    }
    v = calloc(ph->nr_allocs ? ph->nr_allocs : 1, sizeof(*v));
    if (!v) {
        ERR_Set(err, "out of memory");
        goto out;
    }
    for (i = 0; i < ph->nr_allocs; i++) {
        const tbl_alloc *a = &ph->allocs[i];
        const tbl_domain *td = TBL_FindDomain(t, a->domain);
        plan_target *pt = &v[i];

        snprintf(pt->domain, sizeof(pt->domain), "%s", a->domain);
        pt->memory_kib = a->memory_kib;
        pt->floor_kib = td ? td->min_kib : 0;
        pt->vcpus = a->vcpus;
        pt->dedicated = a->cpus == TBL_CPUS_DEDICATED;
        CPUMAP_Clear(&pt->pcpus);
        if (pt->dedicated && a->has_pcpu_list)
            pt->pcpus = a->pcpu_list;
        pt->pcpu_count = pt->dedicated && !a->has_pcpu_list
                         ? a->pcpu_count : 0;
        pt->node = a->node;
    }
    *targets = v;
    *nr = ph->nr_allocs;
    v = NULL;
    rc = 0;
out:
    free(v);
    return rc;
}

/* "vm1 needs", "vm1 and vm4 need", "vm1, vm4, vm5 and 7 more need". */
static void format_who(const plan_target *targets, const tstate *ts,
                       size_t nr, char *buf, size_t len)
{
    size_t i, n = 0, shown = 0, pos = 0;

    for (i = 0; i < nr; i++)
        if (ts[i].d && targets[i].memory_kib > ts[i].d->mem_kib)
            n++;
    buf[0] = '\0';
    for (i = 0; i < nr && shown < 3 && pos < len; i++) {
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

/* Which pool holds cpu, for messages. */
static const hv_pool *pool_of_cpu(const xs_snapshot *snap, unsigned cpu)
{
    size_t i;

    for (i = 0; i < snap->nr_pools; i++)
        if (CPUMAP_Test(&snap->pools[i].cpus, cpu))
            return &snap->pools[i];
    return NULL;
}

/*
 * Direct moves need the guard in the hypervisor and a translated guest
 * (a PV guest's own page tables name machine frames).  Asking for them
 * where they cannot be done is refused with the reason.
 */
static int pick_move_how(const hv_host *host, const hv_domain *d,
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

/* The pCPUs of a node. */
static void node_cpus(const hv_host *host, int node, xs_cpumap *m)
{
    unsigned c;

    CPUMAP_Clear(m);
    for (c = 0; c < host->nr_cpus && c < HV_MAX_CPUS; c++)
        if (host->cpu_to_node[c] == node)
            CPUMAP_Set(m, c);
}

static bool all_on_node(const hv_host *host, const xs_cpumap *m, int node)
{
    int c;

    for (c = CPUMAP_Next(m, 0); c >= 0; c = CPUMAP_Next(m, (unsigned)c + 1))
        if ((unsigned)c >= host->nr_cpus || host->cpu_to_node[c] != node)
            return false;
    return true;
}

/* Checks of one running target that need no other target. */
static int check_target(const xs_snapshot *snap, const plan_target *t,
                        const tstate *s, xs_err *err)
{
    const hv_domain *d = s->d;
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
    if (t->vcpus != TBL_KEEP) {
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
    }
    if (t->node != TBL_KEEP &&
        (t->node < 0 || (unsigned)t->node >= snap->host.nr_nodes)) {
        ERR_Set(err, "%s: node %d does not exist (the host has %u node%s)",
                t->domain, t->node, snap->host.nr_nodes,
                snap->host.nr_nodes == 1 ? "" : "s");
        return -1;
    }
    if (t->dedicated) {
        if (d->domid == 0) {
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
            !all_on_node(&snap->host, &t->pcpus, t->node)) {
            xs_cpumap on;
            char m1[64], m2[64];

            node_cpus(&snap->host, t->node, &on);
            ERR_Set(err, "%s: dedicated pCPUs %s are not all on node %d "
                    "(node %d has pCPUs %s)", t->domain,
                    CPUMAP_Format(&t->pcpus, m1, sizeof(m1)), t->node,
                    t->node, CPUMAP_Format(&on, m2, sizeof(m2)));
            return -1;
        }
    }
    return 0;
}

/*
 * Decide every dedicated domain's pCPUs, which pools are left and
 * entered, and what stays in Pool-0 (*pool0_after).
 */
static int plan_cpus(const xs_snapshot *snap, const plan_target *targets,
                     tstate *ts, size_t nr, const hv_pool *pool0,
                     xs_cpumap *pool0_after, xs_err *err)
{
    const hv_host *host = &snap->host;
    unsigned nr_cpus = host->nr_cpus < HV_MAX_CPUS ? host->nr_cpus
                                                   : HV_MAX_CPUS;
    xs_cpumap avail, released;
    char m1[64], m2[64];
    size_t *owner = NULL;
    size_t i;
    int c, rc = -1;

    owner = malloc((nr_cpus ? nr_cpus : 1) * sizeof(*owner));
    if (!owner) {
        ERR_Set(err, "out of memory");
        goto out;
    }
    for (c = 0; (unsigned)c < nr_cpus; c++)
        owner[c] = SIZE_MAX;

    /* Explicit lists claim their pCPUs first. */
    for (i = 0; i < nr; i++) {
        const plan_target *t = &targets[i];

        if (!ts[i].d || !t->dedicated || CPUMAP_IsEmpty(&t->pcpus))
            continue;
        for (c = CPUMAP_Next(&t->pcpus, 0); c >= 0;
             c = CPUMAP_Next(&t->pcpus, (unsigned)c + 1)) {
            if ((unsigned)c >= nr_cpus) {
                xs_cpumap all;

                CPUMAP_Fill(&all, nr_cpus);
                ERR_Set(err, "%s: pCPU %d does not exist (the host has "
                        "pCPUs %s)", t->domain, c,
                        CPUMAP_Format(&all, m1, sizeof(m1)));
                goto out;
            }
            if (owner[c] != SIZE_MAX) {
                ERR_Set(err, "%s and %s both want pCPU %d",
                        targets[owner[c]].domain, t->domain, c);
                goto out;
            }
            owner[c] = i;
        }
        ts[i].set = t->pcpus;
        ts[i].set_known = true;
        ts[i].explicit_set = true;
    }

    /* A count keeps the pool it has when that still fits. */
    for (i = 0; i < nr; i++) {
        const plan_target *t = &targets[i];
        tstate *s = &ts[i];
        bool fits;

        if (!s->d || !t->dedicated || s->explicit_set || !s->own)
            continue;
        fits = s->cur->nr_domains <= 1 &&
               CPUMAP_Count(&s->cur->cpus) == t->pcpu_count &&
               (t->node == TBL_KEEP ||
                all_on_node(host, &s->cur->cpus, t->node));
        for (c = CPUMAP_Next(&s->cur->cpus, 0); fits && c >= 0;
             c = CPUMAP_Next(&s->cur->cpus, (unsigned)c + 1))
            if ((unsigned)c >= nr_cpus || owner[c] != SIZE_MAX)
                fits = false;
        if (!fits)
            continue;
        for (c = CPUMAP_Next(&s->cur->cpus, 0); c >= 0;
             c = CPUMAP_Next(&s->cur->cpus, (unsigned)c + 1))
            owner[c] = i;
        s->set = s->cur->cpus;
        s->set_known = true;
    }

    /* Who leaves a xenshift pool, and which pCPUs that frees. */
    CPUMAP_Clear(&released);
    for (i = 0; i < nr; i++) {
        const plan_target *t = &targets[i];
        tstate *s = &ts[i];

        if (!s->d || !s->in_xs)
            continue;
        if (t->dedicated && s->own && s->set_known &&
            CPUMAP_Equal(&s->set, &s->cur->cpus)) {
            s->kept = true;
            continue;
        }
        s->leave = true;
        /* A pool shared with others is not destroyed: its pCPUs stay. */
        if (s->cur->nr_domains <= 1)
            CPUMAP_Or(&released, &s->cur->cpus);
    }

    /* Explicit lists may only use pCPUs that are or become free. */
    avail = pool0->cpus;
    CPUMAP_Or(&avail, &released);
    for (i = 0; i < nr; i++) {
        const plan_target *t = &targets[i];

        if (!ts[i].d || !ts[i].explicit_set || ts[i].kept)
            continue;
        for (c = CPUMAP_Next(&t->pcpus, 0); c >= 0;
             c = CPUMAP_Next(&t->pcpus, (unsigned)c + 1)) {
            const hv_pool *p;

            if (CPUMAP_Test(&avail, (unsigned)c))
                continue;
            p = pool_of_cpu(snap, (unsigned)c);
            if (p && !is_xs_pool(p)) {
                xs_cpumap theirs = t->pcpus;

                map_and(&theirs, &p->cpus);
                ERR_Set(err, "%s: pCPU%s %s %s in the administrator's "
                        "cpupool '%s' (xenshift only takes pCPUs from "
                        "Pool-0 and never takes other pools apart)",
                        t->domain, CPUMAP_Count(&theirs) == 1 ? "" : "s",
                        CPUMAP_Format(&theirs, m1, sizeof(m1)),
                        CPUMAP_Count(&theirs) == 1 ? "is" : "are", p->name);
            } else if (p)
                ERR_Set(err, "%s: pCPU %d is in cpupool '%s', not in "
                        "Pool-0", t->domain, c, p->name);
            else
                ERR_Set(err, "%s: pCPU %d is in no cpupool (xenshift "
                        "only takes pCPUs from Pool-0)", t->domain, c);
            goto out;
        }
    }
    for (c = 0; (unsigned)c < nr_cpus; c++)
        if (owner[c] != SIZE_MAX)
            CPUMAP_Unset(&avail, (unsigned)c);

    /*
     * Counts pick highest first, pCPU 0 last; with a node, only on it
     * (pass 1, anywhere, is skipped).
     */
    for (i = 0; i < nr; i++) {
        const plan_target *t = &targets[i];
        tstate *s = &ts[i];
        unsigned left = CPUMAP_Count(&avail), got = 0, pass;

        if (!s->d || !t->dedicated || s->set_known)
            continue;
        if (t->pcpu_count >= left) {
            ERR_Set(err, "%s wants %u dedicated pCPU%s but Pool-0 can give "
                    "only %u (it has %s free and must keep one for dom0 "
                    "and the shared domains)", t->domain, t->pcpu_count,
                    t->pcpu_count == 1 ? "" : "s", left ? left - 1 : 0,
                    CPUMAP_Format(&avail, m1, sizeof(m1)));
            goto out;
        }
        CPUMAP_Clear(&s->set);
        for (pass = 0; pass < 3 && got < t->pcpu_count; pass++) {
            if ((pass == 0) != (t->node != TBL_KEEP) && pass != 2)
                continue;
            for (c = (int)nr_cpus - 1; c >= 0 && got < t->pcpu_count; c--) {
                if (!CPUMAP_Test(&avail, (unsigned)c))
                    continue;
                if (pass < 2 && c == 0)
                    continue;
                if (t->node != TBL_KEEP && host->cpu_to_node[c] != t->node)
                    continue;
                CPUMAP_Set(&s->set, (unsigned)c);
                CPUMAP_Unset(&avail, (unsigned)c);
                owner[c] = i;
                got++;
            }
        }
        if (got < t->pcpu_count) {
            xs_cpumap on, free_on = avail;

            node_cpus(host, t->node, &on);
            CPUMAP_Or(&free_on, &s->set);
            map_and(&free_on, &on);
            ERR_Set(err, "%s wants %u dedicated pCPU%s on node %d but only "
                    "%u %s free there (node %d has pCPUs %s; free: %s%s)",
                    t->domain, t->pcpu_count, t->pcpu_count == 1 ? "" : "s",
                    t->node, got, got == 1 ? "is" : "are", t->node,
                    CPUMAP_Format(&on, m1, sizeof(m1)),
                    got ? (got == 1 ? "pCPU " : "pCPUs ") : "",
                    got ? CPUMAP_Format(&free_on, m2, sizeof(m2)) : "none");
            goto out;
        }
        s->set_known = true;
    }

    if (CPUMAP_IsEmpty(&avail)) {
        ERR_Set(err, "no pCPU would be left in Pool-0 for dom0 and the "
                "shared domains (Pool-0 has %s now)",
                CPUMAP_Format(&pool0->cpus, m1, sizeof(m1)));
        goto out;
    }
    for (i = 0; i < nr; i++)
        if (ts[i].d && targets[i].dedicated && !ts[i].kept)
            ts[i].enter = true;
    *pool0_after = avail;
    rc = 0;
out:
    free(owner);
    return rc;
}

static int add_stage(plan *p, plan_stage_kind kind, act_list *l)
{
    plan_stage *v;

    if (!l->n)
        return 0;
    v = realloc(p->stages, (p->nr_stages + 1) * sizeof(*v));
    if (!v)
        return -1;
    p->stages = v;
    v[p->nr_stages].kind = kind;
    v[p->nr_stages].acts = l->v;
    v[p->nr_stages].nr_acts = l->n;
    p->nr_stages++;
    l->v = NULL;
    l->n = l->cap = 0;
    return 0;
}

/*
 * A domain that grows on node N, or whose memory moves to N, needs
 * that much free on N after the shrink (the donors' pages come back
 * from N in proportion to what they hold there).  When N will be
 * short, the memory of other domains on N is moved to the node with
 * the most free first, donors first: the
 * patent's "free memory appears where the recipient needs it".  What
 * still does not fit is said in a note; Xen then takes the rest of the
 * growth from another node.
 */
static int make_room_on_nodes(const hv_host *host,
                              const plan_target *targets, const tstate *ts,
                              size_t nr, act_list *relocate, plan *out,
                              xs_err *err)
{
    unsigned n, m, best, pass;
    size_t i;
    char b1[32], b2[32];

    for (n = 0; n < host->nr_nodes && n < HV_MAX_NODES; n++) {
        uint64_t want = 0, room = host->node_free_kib[n], need;
        const char *who = NULL;

        for (i = 0; i < nr; i++) {
            const hv_domain *d = ts[i].d;
            const plan_target *t = &targets[i];

            if (!d)
                continue;
            if (t->node == (int)n && d->node_known &&
                d->mem_kib > d->node_mem_kib[n]) {
                /* its own memory moving in */
                want += d->mem_kib - d->node_mem_kib[n];
                who = t->domain;
            }
            if (t->node == (int)n && t->memory_kib > d->mem_kib) {
                want += t->memory_kib - d->mem_kib;
                who = t->domain;
            } else if (t->memory_kib < d->mem_kib && d->node_known &&
                       d->mem_kib) {
                room += UNITS_MulDiv(d->mem_kib - t->memory_kib,
                                     d->node_mem_kib[n], d->mem_kib);
            }
        }
        if (want <= room)
            continue;
        need = want - room;
        best = n;
        for (m = 0; m < host->nr_nodes && m < HV_MAX_NODES; m++)
            if (m != n && (best == n ||
                           host->node_free_kib[m] > host->node_free_kib[best]))
                best = m;
        /* donors first (pass 0), then domains that keep their size */
        for (pass = 0; pass < 2 && need && best != n; pass++) {
            for (i = 0; i < nr && need; i++) {
                const hv_domain *d = ts[i].d;
                const plan_target *t = &targets[i];
                uint64_t on_n;
                plan_action a;

                if (!d || !d->node_known || t->node != TBL_KEEP ||
                    !d->mem_kib || (pass == 0) != (t->memory_kib <
                                                   d->mem_kib) ||
                    t->memory_kib > d->mem_kib)
                    continue;
                /* what is left on n after its shrink */
                on_n = UNITS_MulDiv(d->node_mem_kib[n], t->memory_kib,
                                    d->mem_kib);
                if (!on_n)
                    continue;
                init_action(&a, PLAN_ACT_RELOCATE, d);
                a.node = (int)best;
                a.from_kib = on_n;
                a.floor_kib = t->floor_kib;
                if (pick_move_how(host, d, t, &a.how, err))
                    return -1;
                if (acts_push(relocate, &a) ||
                    PLAN_AddNote(out, "%s: %s of its memory moves from node "
                                 "%u to node %u to make room for %s",
                                 t->domain, fmt_size(on_n, b1, sizeof(b1)), n,
                                 best, who))
                    goto nomem;
                need = need > on_n ? need - on_n : 0;
            }
        }
        if (need && PLAN_AddNote(out, "node %u: %s short for %s to grow "
                                 "there; Xen takes the rest from other nodes",
                                 n, fmt_size(need, b2, sizeof(b2)), who))
            goto nomem;
    }
    return 0;
nomem:
    ERR_Set(err, "out of memory");
    return -1;
}

/*
 * A domain the targets do not name is never changed behind its back.
 * Taking pCPUs from Pool-0 would: Xen resets the hard affinity of one
 * pinned only onto them to every pCPU, and narrows one pinned partly
 * onto them.  So such a domain refuses the plan, unless move_unnamed
 * allows a pin step of its own, onto what it keeps (or all of Pool-0
 * when it keeps nothing), taken before the pools so it never breaks.
 */
static int guard_unnamed(const xs_snapshot *snap, const name_ix *tix,
                         size_t nr, const hv_pool *pool0,
                         const xs_cpumap *pool0_after, bool move,
                         act_list *pins, plan *out, xs_err *err)
{
    xs_cpumap taken = pool0->cpus;
    char m1[64], m2[64], m3[64];
    size_t i;

    CPUMAP_AndNot(&taken, pool0_after);
    if (CPUMAP_IsEmpty(&taken))
        return 0;
    for (i = 0; i < snap->nr_doms; i++) {
        const hv_domain *d = &snap->doms[i];
        xs_cpumap hard = d->hard_affinity, lost, want;
        plan_action a;

        if (d->pool != pool0->id || name_find(tix, nr, d->name))
            continue;
        map_and(&hard, &pool0->cpus);
        if (CPUMAP_Equal(&hard, &pool0->cpus) ||
            !CPUMAP_Intersects(&hard, &taken))
            continue;       /* not pinned, or not onto what is taken */
        lost = hard;
        map_and(&lost, &taken);
        if (!move) {
            ERR_Set(err, "%s is not named by phase %s and is pinned to "
                    "pCPUs %s; the phase takes pCPU%s %s of them from "
                    "Pool-0: re-pin it, or allow xenshift to with "
                    "\"move_unnamed\": true in the table's \"host\"",
                    d->name, out->phase, CPUMAP_Format(&hard, m1, sizeof(m1)),
                    CPUMAP_Count(&lost) == 1 ? "" : "s",
                    CPUMAP_Format(&lost, m2, sizeof(m2)));
            return -1;
        }
        want = hard;
        CPUMAP_AndNot(&want, &taken);
        if (CPUMAP_IsEmpty(&want))
            want = *pool0_after;
        init_action(&a, PLAN_ACT_PIN, d);
        a.cpus = want;
        if (acts_push(pins, &a) ||
            PLAN_AddNote(out, "%s (not named by the phase) is pinned to pCPUs "
                         "%s, which the phase takes: re-pinned to %s "
                         "(move_unnamed)", d->name,
                         CPUMAP_Format(&hard, m1, sizeof(m1)),
                         CPUMAP_Format(&want, m3, sizeof(m3)))) {
            ERR_Set(err, "out of memory");
            return -1;
        }
    }
    return 0;
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
    uint64_t reserve_kib = opts->reserve_kib;
    const hv_host *host = &snap->host;
    name_ix *dix = NULL, *tix = NULL;
    id_ix *pix = NULL;
    tstate *ts = NULL;
    act_list st[PLAN_NR_STAGES];
    const hv_pool *pool0;
    xs_cpumap online, pool0_after;
    uint64_t shrink = 0, grow = 0, free_before, free_after;
    size_t i, k;
    plan_action a;
    int rc = -1;

    memset(st, 0, sizeof(st));
    PLAN_Dispose(out);
    snprintf(out->phase, sizeof(out->phase), "%s", label ? label : "");
    out->reserve_kib = reserve_kib;
    CPUMAP_Fill(&online, host->nr_cpus);

    dix = index_domains(snap);
    tix = calloc(nr ? nr : 1, sizeof(*tix));
    pix = calloc(snap->nr_pools ? snap->nr_pools : 1, sizeof(*pix));
    ts = calloc(nr ? nr : 1, sizeof(*ts));
    out->rows = calloc(nr ? nr : 1, sizeof(*out->rows));
    if (!dix || !tix || !pix || !ts || !out->rows) {
        ERR_Set(err, "out of memory");
        goto out;
    }
    for (i = 0; i < snap->nr_pools; i++) {
        pix[i].id = snap->pools[i].id;
        pix[i].i = i;
    }
    qsort(pix, snap->nr_pools, sizeof(*pix), id_ix_cmp);
    pool0 = SNAP_FindPool(snap, PLAN_POOL0_ID);
    if (!pool0) {
        ERR_Set(err, "the host has no Pool-0 (cpupool 0)");
        goto out;
    }

    for (i = 0; i < nr; i++) {
        tix[i].name = targets[i].domain;
        tix[i].i = i;
    }
    qsort(tix, nr, sizeof(*tix), name_ix_cmp);
    for (i = 1; i < nr; i++) {
        if (strcmp(tix[i - 1].name, tix[i].name) == 0) {
            ERR_Set(err, "%s is named twice in the wanted state",
                    tix[i].name);
            goto out;
        }
    }

    /* Each target on its own: where it is, and what is asked of it. */
    for (i = 0; i < nr; i++) {
        const plan_target *t = &targets[i];
        const name_ix *hit = name_find(dix, snap->nr_doms, t->domain);
        plan_row *r = &out->rows[i];
        tstate *s = &ts[i];

        snprintf(r->domain, sizeof(r->domain), "%s", t->domain);
        r->node_after = t->node;
        r->dedicated_after = t->dedicated;
        if (!hit) {
            r->mem_after_kib = t->memory_kib;
            if (t->vcpus != TBL_KEEP)
                r->vcpus_after = (unsigned)t->vcpus;
            if (PLAN_AddNote(out, "%s is not running: skipped", t->domain))
                goto nomem;
            continue;
        }
        s->d = &snap->doms[hit->i];
        {
            const id_ix *p = id_find(pix, snap->nr_pools, s->d->pool);

            s->cur = p ? &snap->pools[p->i] : NULL;
        }
        if (s->cur) {
            char own[HV_NAME_MAX];

            pool_name(own, t->domain);
            s->in_xs = is_xs_pool(s->cur);
            s->own = s->in_xs && strcmp(s->cur->name, own) == 0;
            s->foreign = !s->in_xs && s->cur->id != PLAN_POOL0_ID;
        }
        if (check_target(snap, t, s, err))
            goto out;

        r->running = true;
        r->domid = s->d->domid;
        r->mem_before_kib = s->d->mem_kib;
        r->mem_after_kib = t->memory_kib;
        r->vcpus_before = s->d->vcpus_online;
        r->vcpus_after = t->vcpus == TBL_KEEP ? s->d->vcpus_online
                                              : (unsigned)t->vcpus;
        r->dedicated_before = s->in_xs;
        r->cpus_before = s->d->hard_affinity;
        map_and(&r->cpus_before, s->cur ? &s->cur->cpus : &online);
    }

    rc = plan_cpus(snap, targets, ts, nr, pool0, &pool0_after, err);
    if (rc)
        goto out;
    rc = -1;
    if (opts->guard_unnamed &&
        guard_unnamed(snap, tix, nr, pool0, &pool0_after, opts->move_unnamed,
                      &st[PLAN_STAGE_CPUS], out, err))
        goto out;

    /* Memory and vCPUs. */
    for (i = 0; i < nr; i++) {
        const plan_target *t = &targets[i];
        const hv_domain *d = ts[i].d;
        uint64_t want = t->memory_kib;
        bool there, down;

        if (!d)
            continue;
        there = d->target_kib == want &&
                (d->mem_kib > want ? d->mem_kib - want : want - d->mem_kib)
                <= PLAN_MEM_SLACK_KIB;
        if (!there) {
            down = want < d->mem_kib ||
                   (want == d->mem_kib && want < d->target_kib);
            init_action(&a, PLAN_ACT_MEMORY, d);
            a.from_kib = d->mem_kib;
            a.to_kib = want;
            if (down) {
                shrink += d->mem_kib - want;
                if (acts_push(&st[PLAN_STAGE_SHRINK], &a))
                    goto nomem;
            } else {
                grow += want - d->mem_kib;
                /* the new pages should come from its node */
                if (t->node != TBL_KEEP && host->nr_nodes > 1)
                    a.node = t->node;
                if (acts_push(&st[PLAN_STAGE_GROW], &a))
                    goto nomem;
            }
        }
        if (t->vcpus != TBL_KEEP && (unsigned)t->vcpus != d->vcpus_online) {
            init_action(&a, PLAN_ACT_VCPUS, d);
            a.from_vcpus = d->vcpus_online;
            a.to_vcpus = (unsigned)t->vcpus;
            k = a.to_vcpus < a.from_vcpus ? PLAN_STAGE_SHRINK
                                          : PLAN_STAGE_VCPUS;
            if (acts_push(&st[k], &a))
                goto nomem;
        }
        if (t->node != TBL_KEEP && host->nr_nodes > 1) {
            uint64_t off;
            char b1[32];

            if (!d->node_known) {
                if (PLAN_AddNote(out, "%s: where its memory lies is "
                                 "unknown: not relocated to node %d",
                                 t->domain, t->node))
                    goto nomem;
                continue;
            }
            off = PLAN_OffNode(d, t->node);
            if (PLAN_NodeGoalMet(d, off, t->node_goal_pct ? t->node_goal_pct
                                                         : PLAN_NODE_GOAL_PCT))
                continue;
            init_action(&a, PLAN_ACT_RELOCATE, d);
            a.node = t->node;
            a.from_kib = off;
            a.to_kib = 0;
            /* it moves after the shrink: never cycle below either floor */
            a.floor_kib = t->floor_kib;
            if (pick_move_how(host, d, t, &a.how, err))
                goto out;
            if (a.how == PLAN_MOVE_COOPERATIVE &&
                t->move_how == PLAN_MOVE_AUTO &&
                PLAN_AddNote(out, "%s: %s of its memory is off node %d: "
                             "moved by cycling its balloon (%s)", t->domain,
                             fmt_size(off, b1, sizeof(b1)), t->node,
                             d->type == HV_DOM_PV
                             ? "a PV guest's pages cannot be moved under it"
                             : "this Xen has no page-move guard, see "
                               "xen-patches/"))
                goto nomem;
            /*
             * Balloon cycles of a domain that grows wait until it has:
             * more memory to cycle, and the growth already came from
             * the node.  Direct moves go first, before the grow.
             */
            k = a.how == PLAN_MOVE_COOPERATIVE && want > d->mem_kib
                ? PLAN_STAGE_SETTLE : PLAN_STAGE_RELOCATE;
            if (acts_push(&st[k], &a))
                goto nomem;
        }
    }

    if (host->nr_nodes > 1 &&
        make_room_on_nodes(host, targets, ts, nr, &st[PLAN_STAGE_RELOCATE],
                           out, err))
        goto out;

    /* Free memory: it only goes down in the grow stage. */
    free_before = host->free_kib;
    free_after = UNITS_AddSat(free_before, shrink) >= grow
                     ? UNITS_AddSat(free_before, shrink) - grow : 0;
    if (grow && UNITS_AddSat(free_before, shrink) <
                    UNITS_AddSat(reserve_kib, grow)) {
        char who[160], s1[32], s2[32], s3[32], s4[32], s5[32], s6[32];
        uint64_t short_by = reserve_kib + grow - free_before - shrink;

        format_who(targets, ts, nr, who, sizeof(who));
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
        goto out;
    }
    out->free_before_kib = free_before;
    out->free_after_kib = free_after;
    out->free_min_kib = free_after < free_before ? free_after : free_before;

    /* Cpupools, then pinning. */
    for (i = 0; i < nr; i++) {
        if (!ts[i].leave)
            continue;
        init_action(&a, PLAN_ACT_POOL_LEAVE, ts[i].d);
        a.cpus = ts[i].cur->cpus;
        snprintf(a.pool, sizeof(a.pool), "%s", ts[i].cur->name);
        if (acts_push(&st[PLAN_STAGE_CPUS], &a))
            goto nomem;
    }
    for (i = 0; i < nr; i++) {
        if (!ts[i].enter)
            continue;
        init_action(&a, PLAN_ACT_POOL_ENTER, ts[i].d);
        a.cpus = ts[i].set;
        pool_name(a.pool, targets[i].domain);
        if (acts_push(&st[PLAN_STAGE_CPUS], &a))
            goto nomem;
    }
    for (i = 0; i < nr; i++) {
        const tstate *s = &ts[i];
        plan_row *r = &out->rows[i];
        xs_cpumap want, now;

        if (!s->d)
            continue;
        if (s->foreign) {
            /* shared (dedicated was refused): stays in its pool */
            r->cpus_after = r->cpus_before;
            if (PLAN_AddNote(out, "%s stays in cpupool '%s' (not managed by "
                             "xenshift)", targets[i].domain, s->cur->name))
                goto nomem;
            continue;
        }
        want = targets[i].dedicated ? s->set : pool0_after;
        r->cpus_after = want;
        now = s->d->hard_affinity;
        map_and(&now, &online);
        if (!s->leave && !s->enter && CPUMAP_Equal(&now, &want))
            continue;
        init_action(&a, PLAN_ACT_PIN, s->d);
        a.cpus = want;
        if (acts_push(&st[PLAN_STAGE_CPUS], &a))
            goto nomem;
    }

    for (k = 0; k < PLAN_NR_STAGES; k++)
        if (add_stage(out, (plan_stage_kind)k, &st[k]))
            goto nomem;
    out->nr_rows = nr;
    if (!out->nr_stages &&
        PLAN_AddNote(out, "already in phase %s", out->phase))
        goto nomem;
    rc = 0;
    goto out;

nomem:
    ERR_Set(err, "out of memory");
    rc = -1;
out:
    for (k = 0; k < PLAN_NR_STAGES; k++)
        free(st[k].v);
    free(dix);
    free(tix);
    free(pix);
    free(ts);
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

int PLAN_TargetsFromSnapshot(const xs_snapshot *snap,
                             const plan_target *like, size_t nr,
                             plan_target **targets, xs_err *err)
{
    plan_target *v = NULL;
    name_ix *dix = NULL;
    size_t i;
    int rc = -1;

    *targets = NULL;
    dix = index_domains(snap);
    v = calloc(nr ? nr : 1, sizeof(*v));
    if (!dix || !v) {
        ERR_Set(err, "out of memory");
        goto out;
    }
    for (i = 0; i < nr; i++) {
        const name_ix *hit = name_find(dix, snap->nr_doms, like[i].domain);
        const hv_domain *d;
        const hv_pool *p;

        if (!hit) {
            ERR_Set(err, "%s was not running when the snapshot was taken",
                    like[i].domain);
            goto out;
        }
        d = &snap->doms[hit->i];
        p = SNAP_FindPool(snap, d->pool);
        snprintf(v[i].domain, sizeof(v[i].domain), "%s", d->name);
        v[i].memory_kib = d->target_kib;
        v[i].floor_kib = 0;
        v[i].vcpus = (int)d->vcpus_online;
        v[i].dedicated = is_xs_pool(p);
        CPUMAP_Clear(&v[i].pcpus);
        if (v[i].dedicated)
            v[i].pcpus = p->cpus;
        v[i].pcpu_count = 0;
        v[i].node = TBL_KEEP;
    }
    *targets = v;
    v = NULL;
    rc = 0;
out:
    free(v);
    free(dix);
    return rc;
}

const char *PLAN_StageName(plan_stage_kind k)
{
    switch (k) {
    case PLAN_STAGE_SHRINK: return "shrink";
    case PLAN_STAGE_RELOCATE: return "relocate";
    case PLAN_STAGE_GROW: return "grow";
    case PLAN_STAGE_VCPUS: return "vcpus";
    case PLAN_STAGE_CPUS: return "cpus";
    case PLAN_STAGE_SETTLE: return "settle";
    }
    return "?";
}

const char *PLAN_ActName(plan_act_kind k)
{
    switch (k) {
    case PLAN_ACT_MEMORY: return "memory";
    case PLAN_ACT_VCPUS: return "vcpus";
    case PLAN_ACT_RELOCATE: return "relocate";
    case PLAN_ACT_POOL_LEAVE: return "pool-leave";
    case PLAN_ACT_POOL_ENTER: return "pool-enter";
    case PLAN_ACT_PIN: return "pin";
    }
    return "?";
}

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

const char *PLAN_MoveHowName(plan_move_how h)
{
    switch (h) {
    case PLAN_MOVE_AUTO: return "auto";
    case PLAN_MOVE_DIRECT: return "direct";
    case PLAN_MOVE_COOPERATIVE: return "cooperative";
    }
    return "?";
}

const char *PLAN_DescribeAction(const plan_action *a, char *buf, size_t len)
{
    char s1[32], s2[32], m[256];
    bool one = CPUMAP_Count(&a->cpus) == 1;

    switch (a->kind) {
    case PLAN_ACT_MEMORY:
        /* Memory already there, target elsewhere (an undo, typically). */
        if (a->from_kib == a->to_kib)
            snprintf(buf, len, "%s: balloon target back to %s", a->domain,
                     fmt_size(a->to_kib, s2, sizeof(s2)));
        else
            snprintf(buf, len, "%s: memory %s -> %s", a->domain,
                     fmt_size(a->from_kib, s1, sizeof(s1)),
                     fmt_size(a->to_kib, s2, sizeof(s2)));
        break;
    case PLAN_ACT_VCPUS:
        snprintf(buf, len, "%s: vCPUs %u -> %u", a->domain, a->from_vcpus,
                 a->to_vcpus);
        break;
    case PLAN_ACT_RELOCATE:
        snprintf(buf, len, "%s: move %s of memory to node %d (%s)",
                 a->domain, fmt_size(a->from_kib, s1, sizeof(s1)), a->node,
                 a->how == PLAN_MOVE_DIRECT ? "direct page moves"
                                            : "balloon cycling");
        break;
    case PLAN_ACT_POOL_LEAVE:
        snprintf(buf, len, "%s: leave cpupool %s, pCPU%s %s back to Pool-0",
                 a->domain, a->pool, one ? "" : "s",
                 CPUMAP_Format(&a->cpus, m, sizeof(m)));
        break;
    case PLAN_ACT_POOL_ENTER:
        snprintf(buf, len, "%s: dedicated pCPU%s %s (new cpupool %s)",
                 a->domain, one ? "" : "s",
                 CPUMAP_Format(&a->cpus, m, sizeof(m)), a->pool);
        break;
    case PLAN_ACT_PIN:
        snprintf(buf, len, "%s: pin to pCPUs %s", a->domain,
                 CPUMAP_Format(&a->cpus, m, sizeof(m)));
        break;
    default:
        snprintf(buf, len, "%s: ?", a->domain);
        break;
    }
    return buf;
}
