/*
 * test_faults.c - a fault campaign on the simulated host (issue 7).
 *
 * The Fig. 9 transitions (examples/fig9.json on
 * tests/fixtures/fig9-host.json), normal -> takeover and back: for every
 * step of the plan and every fault the simulated host can produce, the
 * fault is injected at that step, EXEC_Run runs with the default options
 * (rollback on), and the host is then read through hv.h:
 *
 *  - every table domain that still exists has the memory (within the
 *    executor's tolerance) and the vCPUs of one phase, the same phase
 *    for all of them: all where they started, or all at the new phase
 *    (the new one when the run said it succeeded);
 *  - none is below its floor (the table's min);
 *  - the host's free memory is not below the table's reserve;
 *  - a failed run's cause names the fault;
 *  - a domain that vanished is excused from the phase check but must be
 *    reported VANISHED (and a domain reported VANISHED must be gone).
 *
 * Aiming a fault at a step: a first run without faults records every hv
 * call through the recording driver (recdrv.c) wrapped around the sim,
 * tagged with the step that made it (the step being started, or while
 * the stage polls, the unfinished step of the domain the call names).
 * The sim is deterministic, so the n-th call of an op for a domain in
 * that run is the n-th in a faulted run too, and HVSIM_AddFault(op,
 * domain, n) fails exactly that call.  A hypercall fault is aimed, in
 * turn, at every call of the step the sim can fail (its "points": reads
 * and changes, the verification reads after a change and the maxmem
 * after a shrink included; for vanish, those that name a domain), one
 * run each.  The recording driver sees the fault fire, and the test
 * checks that it fired in the step it was aimed at.  One TAP line per
 * (fault, step): ok when the invariant held at every point.
 *
 * After each run the CPU side of the phase (cpupools, pinning, pCPUs
 * in no pool, an incomplete rollback) is compared too and differences
 * are printed as "# note" lines, marked "!" in the tables, but do not
 * fail the test: the invariant above is about memory and vCPUs.
 *
 * Fault kinds:
 *   fail, vanish, nomem, busy   injected hypercall errors (hv_sim.h);
 *   floor                       the donor's kernel cannot go below the
 *                               middle of its shrink (HVSIM_SetGuest);
 *   ignores                     the guest ignores its balloon target
 *                               (HVSIM_SetGuest);
 *   clock+1d, clock-1h          the wall clock jumps (HVSIM_JumpClock)
 *                               when the step starts;
 *   xs_write                    a xenstore write fails (the journal
 *                               that lib/run/transition.c keeps before each
 *                               step): the transition goes on, the
 *                               invariant must hold.
 * floor and ignores only apply to steps that move a balloon; the guest
 * is stuck from the start, which is the same thing here because no
 * domain has more than one memory step.  For the way back they are set
 * on a host written from the snapshot taken at the take-over phase.
 */
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "hv_sim.h"
#include "plan.h"
#include "snapshot.h"
#include "table.h"
#include "transition.h"
#include "units.h"
#include "recdrv.h"
#include "tap.h"

#define MAX_STEPS 32

typedef enum {
    K_FAIL,
    K_VANISH,
    K_NOMEM,
    K_BUSY,
    K_FLOOR,
    K_IGNORES,
    K_CLOCK_FWD,
    K_CLOCK_BACK,
    K_XS_WRITE,
    K_NR
} fault_kind;

static const char *const kind_names[K_NR] = {
    "fail", "vanish", "nomem", "busy", "floor", "ignores", "clock+1d",
    "clock-1h", "xs_write",
};

/* What the sim's error text says for each injected hypercall error. */
static const char *const kind_words[K_NR] = {
    "injected fault", "vanished", "not enough memory", "busy", NULL, NULL,
    NULL, NULL, NULL,
};

static bool is_hypercall_kind(fault_kind k)
{
    return k == K_FAIL || k == K_VANISH || k == K_NOMEM || k == K_BUSY;
}

static bool is_stuck_kind(fault_kind k)
{
    return k == K_FLOOR || k == K_IGNORES;
}

/* --- the recording driver's view of the plan ---------------------------- */

/*
 * Where the forward plan is, from the executor's progress events: the
 * ctx of the recording driver's hooks (recdrv.h) and of on_event.
 */
typedef struct tracker {
    recdrv *w;                  /* the recording driver around the sim */
    const plan *p;              /* the forward plan */
    const plan_stage *stage;    /* its stage running now */
    int step;                   /* step being started, -1 */
    bool polling;               /* the stage's actions are all started */
    bool finished[MAX_STEPS];   /* steps done or failed */
    /* The first forward action that failed. */
    int failed_step;
    /* Jump the wall clock when this step starts. */
    int jump_step;
    long long jump_s;
    bool jumped;
} tracker;

static int step_of_act(const plan *p, const plan_action *a)
{
    size_t i;
    int base = 0;

    if (!a)
        return -1;
    for (i = 0; i < p->nr_stages; i++) {
        const plan_stage *st = &p->stages[i];

        if (a >= st->acts && a < st->acts + st->nr_acts)
            return base + (int)(a - st->acts);
        base += (int)st->nr_acts;
    }
    return -1;
}

static size_t nr_steps(const plan *p)
{
    size_t i, n = 0;

    for (i = 0; i < p->nr_stages; i++)
        n += p->stages[i].nr_acts;
    return n;
}

static const plan_action *step_act(const plan *p, size_t k,
                                   const plan_stage **stp)
{
    size_t i;

    for (i = 0; i < p->nr_stages; i++) {
        if (k < p->stages[i].nr_acts) {
            if (stp)
                *stp = &p->stages[i];
            return &p->stages[i].acts[k];
        }
        k -= p->stages[i].nr_acts;
    }
    return NULL;
}

/* The step a call belongs to (see the top of the file). */
static int attribute(void *ctx, bool has_dom, uint32_t domid)
{
    tracker *t = ctx;
    size_t i;

    if (t->w->rb)
        return -1;
    if (!t->polling)
        return t->step;
    if (!has_dom || !t->stage)
        return -1;
    for (i = 0; i < t->stage->nr_acts; i++) {
        const plan_action *a = &t->stage->acts[i];
        int k = step_of_act(t->p, a);

        if (k >= 0 && k < MAX_STEPS && t->finished[k])
            continue;
        if (a->domid == domid &&
            (a->kind == PLAN_ACT_MEMORY || a->kind == PLAN_ACT_VCPUS ||
             a->kind == PLAN_ACT_RELOCATE))
            return k;
    }
    return -1;
}

static void sleeping(void *ctx)
{
    tracker *t = ctx;

    t->polling = true;
}

/*
 * Wrap the sim in the recording driver for a run of plan p, with t as
 * the hooks' ctx.  Domains are named as the plan's running rows name
 * them, domid 0 "Domain-0" (when no row names it), any other "?".
 */
static recdrv *wrap(hv *in, const plan *p, tracker *t)
{
    hv_domain *names = calloc(p->nr_rows + 1, sizeof(*names));
    size_t i, n = 0;
    recdrv *w;

    if (!names)
        abort();
    for (i = 0; i < p->nr_rows; i++) {
        if (!p->rows[i].running)
            continue;
        names[n].domid = p->rows[i].domid;
        snprintf(names[n].name, sizeof(names[n].name), "%s",
                 p->rows[i].domain);
        n++;
    }
    names[n].domid = 0;
    snprintf(names[n].name, sizeof(names[n].name), "Domain-0");
    n++;
    w = RECDRV_Wrap(in, names, n);
    free(names);
    memset(t, 0, sizeof(*t));
    t->w = w;
    t->p = p;
    t->step = -1;
    t->failed_step = -1;
    t->jump_step = -1;
    w->hooks.tag = attribute;
    w->hooks.sleeping = sleeping;
    w->hooks.ctx = t;
    return w;
}

static void on_event(void *ctx, const exec_event *ev)
{
    tracker *t = ctx;

    switch (ev->kind) {
    case EXEC_EV_STAGE_BEGIN:
        if (!ev->rolling_back) {
            t->stage = ev->stage;
            t->step = -1;
            t->polling = false;
        }
        break;
    case EXEC_EV_ACTION_BEGIN:
        if (!ev->rolling_back) {
            t->step = step_of_act(t->p, ev->act);
            t->polling = false;
            if (t->step == t->jump_step && !t->jumped) {
                HVSIM_JumpClock(t->w->in, t->jump_s);
                t->jumped = true;
            }
        }
        break;
    case EXEC_EV_ACTION_DONE:
    case EXEC_EV_ACTION_FAILED:
        if (!ev->rolling_back) {
            int k = step_of_act(t->p, ev->act);

            if (ev->kind == EXEC_EV_ACTION_FAILED && t->failed_step < 0)
                t->failed_step = k;
            if (k >= 0 && k < MAX_STEPS)
                t->finished[k] = true;
            if (k == t->step)
                t->step = -1;   /* until the next step starts */
        }
        break;
    case EXEC_EV_ROLLBACK_BEGIN:
        t->w->rb = true;
        t->step = -1;
        break;
    case EXEC_EV_DONE:
        /* the test's own reads after the run are no step's */
        t->w->rb = true;
        t->step = -1;
        break;
    default:
        break;
    }
}

static tbl_table table;

/*
 * The transition as xenshift apply and xenshiftd run it: hooks off,
 * the journal on (so a xenstore write failure has something to hit).
 */
static int run_transition(hv *h, const xs_snapshot *s0, const plan *p,
                          const exec_opts *eo, exec_progress_fn *progress,
                          void *ctx, exec_report *r)
{
    trn_result res;
    trn_opts o;

    TRN_DefaultOpts(&o);
    o.exec = *eo;
    o.journal = true;
    return TRN_Execute(h, &table, s0, p, &o, progress, ctx, r, &res);
}

/* --- the table, the hosts ----------------------------------------------- */

static char table_path[1024], fixture_path[1024];
static exec_opts opts;

static void describe_step(const plan *p, size_t k, char *buf, size_t len)
{
    const plan_stage *st = NULL;
    const plan_action *a = step_act(p, k, &st);
    char d[200];

    if (!a) {
        snprintf(buf, len, "?");
        return;
    }
    PLAN_DescribeAction(a, d, sizeof(d));
    snprintf(buf, len, "%s: %s", PLAN_StageName(st->kind), d);
}

static bool same_steps(const plan *a, const plan *b)
{
    size_t k, n = nr_steps(a);
    char x[256], y[256];

    if (n != nr_steps(b))
        return false;
    for (k = 0; k < n; k++) {
        describe_step(a, k, x, sizeof(x));
        describe_step(b, k, y, sizeof(y));
        if (strcmp(x, y))
            return false;
    }
    return true;
}

static int make_plan(hv *h, const char *phase, xs_snapshot *s, plan *p)
{
    xs_err err;

    ERR_Clear(&err);
    if (SNAP_Take(h, s, &err) || PLAN_Make(s, &table, phase, p, &err)) {
        printf("# plan to %s: %s\n", phase, err.msg);
        return -1;
    }
    return 0;
}

/* Open path and bring it to phase from (without faults). */
static hv *host_in(const char *path, const char *from)
{
    xs_snapshot s;
    plan p;
    exec_report r;
    xs_err err;
    hv *h;
    int rc = 0;

    h = HV_OpenSim(path, &err);
    if (!h) {
        printf("# %s: %s\n", path, err.msg);
        return NULL;
    }
    SNAP_Init(&s);
    PLAN_Init(&p);
    EXEC_ReportInit(&r);
    if (make_plan(h, from, &s, &p)) {
        rc = -1;
    } else if (p.nr_stages) {
        rc = EXEC_Run(h, &s, &p, &opts, NULL, NULL, &r);
        if (rc)
            printf("# bringing %s to %s: %s\n", path, from, r.cause.msg);
    }
    EXEC_ReportDispose(&r);
    PLAN_Dispose(&p);
    SNAP_Dispose(&s);
    if (rc) {
        HV_Close(h);
        return NULL;
    }
    return h;
}

/* --- the invariant ------------------------------------------------------- */

static uint64_t diff(uint64_t a, uint64_t b)
{
    return a > b ? a - b : b - a;
}

/* The memory and vCPUs domain should have in phase (vCPUs: TBL_KEEP). */
static bool phase_value(const char *phase, const char *domain,
                        const xs_snapshot *s0, uint64_t *mem, int *vcpus)
{
    const tbl_phase *ph = TBL_FindPhase(&table, phase);
    const tbl_alloc *a = ph ? TBL_FindAlloc(ph, domain) : NULL;
    const hv_domain *d = SNAP_FindDomain(s0, domain);

    if (!a)
        return false;
    *mem = a->memory_kib;
    *vcpus = a->vcpus != TBL_KEEP ? a->vcpus
                                  : (d ? (int)d->vcpus_online : -1);
    return true;
}

typedef struct verdict {
    bool held;
    char why[4096];             /* "# ..." lines */
    size_t len;
} verdict;

static void bad(verdict *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void bad(verdict *v, const char *fmt, ...)
{
    va_list ap;
    int n;

    v->held = false;
    if (v->len + 8 >= sizeof(v->why))
        return;
    n = snprintf(v->why + v->len, sizeof(v->why) - v->len, "#   ");
    v->len += (size_t)n;
    va_start(ap, fmt);
    n = vsnprintf(v->why + v->len, sizeof(v->why) - v->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        v->len += (size_t)n;
    if (v->len >= sizeof(v->why) - 2)
        v->len = sizeof(v->why) - 2;
    v->why[v->len++] = '\n';
    v->why[v->len] = '\0';
}

static void append(char *buf, size_t size, size_t *len, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t size, size_t *len, const char *fmt,
                   ...)
{
    va_list ap;
    int n;

    if (*len + 1 >= size)
        return;
    va_start(ap, fmt);
    n = vsnprintf(buf + *len, size - *len, fmt, ap);
    va_end(ap);
    if (n > 0)
        *len = *len + (size_t)n < size ? *len + (size_t)n : size - 1;
}

/*
 * Read the host and check the invariant.  s0 is the snapshot the plan
 * was made from; step_dom the domain of the faulted step (the cause
 * must name it), fault_dom the domain the injected call named.
 */
static void check_host(hv *h, const xs_snapshot *s0, const plan *p,
                       const char *from, const char *to, fault_kind kind,
                       const char *step_dom, const char *fault_dom, int rc,
                       const exec_report *r, verdict *v)
{
    hv_host host;
    char line[1024], s1[32], s2[32], s3[32];
    size_t i, len = 0, present = 0, at_old = 0, at_new = 0;

    line[0] = '\0';
    if ((rc == 0) != r->ok)
        bad(v, "EXEC_Run returned %d but the report says ok=%d", rc, r->ok);
    for (i = 0; i < p->nr_rows; i++) {
        const plan_row *row = &p->rows[i];
        const exec_dom_report *dr = EXEC_ReportFind(r, row->domain);
        const tbl_domain *td = TBL_FindDomain(&table, row->domain);
        uint64_t m_old = 0, m_new = 0;
        int v_old = -1, v_new = -1;
        bool o, n;
        hv_domain d;
        int hrc;

        if (!row->running)
            continue;
        hrc = HV_FindDomain(h, row->domain, &d);
        if (hrc == HV_ENODOMAIN) {
            if (!dr || dr->outcome != EXEC_DOM_VANISHED)
                bad(v, "%s is gone but reported %s", row->domain,
                    dr ? EXEC_OutcomeName(dr->outcome) : "nothing");
            if (kind != K_VANISH)
                bad(v, "%s is gone without a vanish fault", row->domain);
            else if (fault_dom && strcmp(fault_dom, row->domain))
                bad(v, "%s is gone, but the fault was aimed at %s",
                    row->domain, fault_dom);
            append(line, sizeof(line), &len, " %s=gone", row->domain);
            continue;
        }
        if (hrc) {
            bad(v, "%s: cannot read it: %s", row->domain,
                HV_LastError(h)->msg);
            continue;
        }
        present++;
        if (dr && dr->outcome == EXEC_DOM_VANISHED)
            bad(v, "%s is reported VANISHED but still runs", row->domain);
        if (!phase_value(from, row->domain, s0, &m_old, &v_old) ||
            !phase_value(to, row->domain, s0, &m_new, &v_new)) {
            bad(v, "%s: not in both phases of the table", row->domain);
            continue;
        }
        o = diff(d.mem_kib, m_old) <= opts.tolerance_kib &&
            (int)d.vcpus_online == v_old;
        n = diff(d.mem_kib, m_new) <= opts.tolerance_kib &&
            (int)d.vcpus_online == v_new;
        at_old += o;
        at_new += n;
        append(line, sizeof(line), &len, " %s=%s/%u(%s)", row->domain,
               UNITS_FormatSize(d.mem_kib, s1, sizeof(s1)), d.vcpus_online,
               o && n ? "both" : o ? from : n ? to : "NEITHER");
        if (!o && !n)
            bad(v, "%s has %s and %u vCPUs: neither %s (%s, %d) nor %s "
                "(%s, %d)", row->domain,
                UNITS_FormatSize(d.mem_kib, s1, sizeof(s1)), d.vcpus_online,
                from, UNITS_FormatSize(m_old, s2, sizeof(s2)), v_old, to,
                UNITS_FormatSize(m_new, s3, sizeof(s3)), v_new);
        if (td && d.mem_kib < td->min_kib)
            bad(v, "%s has %s, below its floor %s", row->domain,
                UNITS_FormatSize(d.mem_kib, s1, sizeof(s1)),
                UNITS_FormatSize(td->min_kib, s2, sizeof(s2)));
    }
    if (present && at_old < present && at_new < present)
        bad(v, "the domains are not all at one phase:%s", line);
    if (r->ok && at_new < present)
        bad(v, "the run says %s was reached, but the host shows:%s", to,
            line);
    if (HV_GetHost(h, &host)) {
        bad(v, "cannot read the host: %s", HV_LastError(h)->msg);
    } else if (host.free_kib < table.reserve_kib) {
        bad(v, "host free memory %s is below the reserve %s",
            UNITS_FormatSize(host.free_kib, s1, sizeof(s1)),
            UNITS_FormatSize(table.reserve_kib, s2, sizeof(s2)));
    }
    if (!r->ok) {
        const char *c = r->cause.msg;

        if (!c[0])
            bad(v, "the run failed with an empty cause");
        if (kind < K_NR && kind_words[kind] &&
            !strstr(c, kind_words[kind]))
            bad(v, "cause '%s' does not say '%s'", c, kind_words[kind]);
        if (is_hypercall_kind(kind) && !strstr(c, "injected fault"))
            bad(v, "cause '%s' does not name the injected fault", c);
        if (is_stuck_kind(kind) && !strstr(c, "stuck") &&
            !strstr(c, "no progress"))
            bad(v, "cause '%s' does not say the balloon is stuck", c);
        if ((is_hypercall_kind(kind) || is_stuck_kind(kind)) && step_dom &&
            !strstr(c, step_dom))
            bad(v, "cause '%s' does not name %s", c, step_dom);
    }
}

/*
 * Things outside the invariant worth a look, printed as "# note" lines
 * and not failed: the CPU side of the phase (the cpupool and the pCPUs
 * each domain may run on, as in the plan's before/after rows) against
 * the phase its memory is at, balloon targets left pointing elsewhere,
 * empty xenshift cpupools, pCPUs in no cpupool, an incomplete rollback.
 * Returns how many notes were printed.
 */
static unsigned note(const char *label, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static unsigned note(const char *label, const char *fmt, ...)
{
    va_list ap;

    printf("# note %s: ", label);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    return 1;
}

static unsigned notes(hv *h, const plan *p, const char *from,
                      const char *to, const exec_report *r,
                      const xs_snapshot *s0, const char *label)
{
    hv_pool *pools = NULL;
    hv_host host;
    size_t nr = 0, i, j;
    unsigned n = 0, cpu;
    char s1[32], s2[32], m1[64], m2[64], m3[64];
    xs_cpumap pooled;

    if (!r->ok && !r->rolled_back) {
        n += note(label, "rollback incomplete (cause: %s)", r->cause.msg);
        for (i = 0; i < r->nr_doms; i++)
            if (r->doms[i].outcome == EXEC_DOM_FAILED)
                note(label, "%s reported FAILED: %s", r->doms[i].domain,
                     r->doms[i].msg);
    }
    if (HV_ListPools(h, &pools, &nr) || HV_GetHost(h, &host)) {
        free(pools);
        return n + note(label, "cannot read the cpupools: %s",
                        HV_LastError(h)->msg);
    }
    for (i = 0; i < p->nr_rows; i++) {
        const plan_row *row = &p->rows[i];
        uint64_t m_old, m_new;
        int v_old, v_new;
        hv_domain d;
        const hv_pool *pl = NULL;
        xs_cpumap eff;
        char own[HV_NAME_MAX + 16], mp[HV_NAME_MAX + 32];
        bool ded, mem_old, mem_new, cpu_old, cpu_new;

        if (!row->running || HV_FindDomain(h, row->domain, &d) ||
            !phase_value(from, row->domain, s0, &m_old, &v_old) ||
            !phase_value(to, row->domain, s0, &m_new, &v_new))
            continue;
        for (j = 0; j < nr; j++)
            if (pools[j].id == d.pool)
                pl = &pools[j];
        snprintf(own, sizeof(own), "%s%s", PLAN_POOL_PREFIX, row->domain);
        ded = pl && !strcmp(pl->name, own);
        eff = d.hard_affinity;
        for (j = 0; j < HV_MAX_CPUS / 64; j++)
            eff.bits[j] &= pl ? pl->cpus.bits[j] : 0;
        mem_old = diff(d.mem_kib, m_old) <= opts.tolerance_kib;
        mem_new = diff(d.mem_kib, m_new) <= opts.tolerance_kib;
        cpu_old = ded == row->dedicated_before &&
                  CPUMAP_Equal(&eff, row->cpus_before);
        cpu_new = ded == row->dedicated_after &&
                  CPUMAP_Equal(&eff, row->cpus_after);
        if (mem_old && mem_new)
            snprintf(mp, sizeof(mp), "both phases'");
        else if (mem_old || mem_new)
            snprintf(mp, sizeof(mp), "%s's", mem_old ? from : to);
        else
            snprintf(mp, sizeof(mp), "neither phase's");
        if (!((mem_old && cpu_old) || (mem_new && cpu_new)))
            n += note(label, "%s has %s memory but runs on pCPUs %s in %s "
                      "(%s: %s%s, %s: %s%s)", row->domain, mp,
                      CPUMAP_Format(&eff, m1, sizeof(m1)),
                      pl ? pl->name : "no cpupool", from,
                      CPUMAP_Format(row->cpus_before, m2, sizeof(m2)),
                      row->dedicated_before ? " dedicated" : "", to,
                      CPUMAP_Format(row->cpus_after, m3, sizeof(m3)),
                      row->dedicated_after ? " dedicated" : "");
        if (d.target_kib != m_old && d.target_kib != m_new)
            n += note(label, "%s: balloon target %s is neither phase's",
                      row->domain,
                      UNITS_FormatSize(d.target_kib, s1, sizeof(s1)));
        else if (diff(d.mem_kib, d.target_kib) > opts.tolerance_kib)
            n += note(label, "%s has %s, its target is %s", row->domain,
                      UNITS_FormatSize(d.mem_kib, s1, sizeof(s1)),
                      UNITS_FormatSize(d.target_kib, s2, sizeof(s2)));
    }
    CPUMAP_Clear(&pooled);
    for (i = 0; i < nr; i++) {
        CPUMAP_Or(&pooled, &pools[i].cpus);
        if (!strncmp(pools[i].name, PLAN_POOL_PREFIX,
                     strlen(PLAN_POOL_PREFIX)) && !pools[i].nr_domains)
            n += note(label, "cpupool %s is left over, empty, with pCPUs %s",
                      pools[i].name,
                      CPUMAP_Format(&pools[i].cpus, m1, sizeof(m1)));
    }
    for (cpu = 0; cpu < host.nr_cpus; cpu++)
        if (!CPUMAP_Test(&pooled, cpu))
            n += note(label, "pCPU %u is in no cpupool: no domain can use "
                      "it", cpu);
    free(pools);
    return n;
}

/* --- the campaign ------------------------------------------------------- */

/* One cell of the table: a fault kind at a step, over its points. */
typedef struct cell {
    unsigned points, held;
    unsigned noted;             /* points that printed notes */
    bool not_fired;             /* armed, never fired (xs_write) */
    bool na;                    /* does not apply to this step */
} cell;

typedef struct direction {
    const char *from, *to;
    plan cal;                   /* the plan of the calibration run */
    xs_snapshot cal_s0;
    recdrv_call *calls;         /* the calibration run's hv calls */
    size_t nr_calls;
    size_t steps;
    cell cells[K_NR][MAX_STEPS];
} direction;

/*
 * The calls of step k a fault of this kind can be aimed at, in order:
 * every call of the step the sim can fail; for vanish only those that
 * name a domain (there must be one to vanish); for xs_write the
 * xenstore writes.  Fills ix (up to max) and returns how many.
 */
static size_t points_of(const direction *dir, size_t k, fault_kind kind,
                        long *ix, size_t max)
{
    size_t i, n = 0;

    for (i = 0; i < dir->nr_calls && n < max; i++) {
        const recdrv_call *c = &dir->calls[i];

        if (c->rb || c->tag != (int)k || !RECDRV_Faultable(c->op))
            continue;
        if (kind == K_VANISH && !c->dom[0])
            continue;
        if (kind == K_XS_WRITE && strcmp(c->op, "xs_write"))
            continue;
        ix[n++] = (long)i;
    }
    return n;
}

static int calibrate(direction *dir)
{
    hv *in = host_in(fixture_path, dir->from);
    exec_report r;
    verdict v = { true, "", 0 };
    tracker t;
    recdrv *w;
    int rc;

    PLAN_Init(&dir->cal);
    SNAP_Init(&dir->cal_s0);
    if (!in)
        return -1;
    if (make_plan(in, dir->to, &dir->cal_s0, &dir->cal)) {
        HV_Close(in);
        return -1;
    }
    EXEC_ReportInit(&r);
    w = wrap(in, &dir->cal, &t);
    rc = run_transition(&w->base, &dir->cal_s0, &dir->cal, &opts, on_event,
                        &t, &r);
    is_int(rc, 0, "%s -> %s without faults: %s reached (%s)", dir->from,
           dir->to, dir->to, r.ok ? "ok" : r.cause.msg);
    check_host(&w->base, &dir->cal_s0, &dir->cal, dir->from, dir->to,
               K_NR, NULL, NULL, rc, &r, &v);
    ok(v.held && r.ok, "%s -> %s without faults: invariant holds, at %s",
       dir->from, dir->to, dir->to);
    if (!v.held)
        printf("%s", v.why);
    ok(notes(&w->base, &dir->cal, dir->from, dir->to, &r, &dir->cal_s0,
             "no fault") == 0,
       "%s -> %s without faults: cpupools and pinning as planned",
       dir->from, dir->to);
    dir->calls = w->calls;
    dir->nr_calls = w->nr_calls;
    w->calls = NULL;
    dir->steps = nr_steps(&dir->cal);
    EXEC_ReportDispose(&r);
    HV_Close(&w->base);
    return rc;
}

/* A host in dir->from where domain stuck cannot move its balloon. */
static hv *stuck_host(direction *dir, const char *stuck, uint64_t floor_kib,
                      bool ignores)
{
    hv *h = host_in(fixture_path, dir->from);

    if (h && HVSIM_SetGuest(h, stuck, floor_kib, ignores)) {
        printf("# no domain %s to make stuck\n", stuck);
        HV_Close(h);
        return NULL;
    }
    return h;
}

/*
 * One run: kind injected at step k (at the call dir->calls[ix] for the
 * hypercall kinds and xs_write; ix < 0: xs_write armed on the first
 * write anywhere).  Prints a diag line, and the reasons when the
 * invariant did not hold.  Returns whether it held.
 */
static bool run_point(direction *dir, size_t k, fault_kind kind, long ix,
                      cell *cl)
{
    static const hvsim_fault_kind hk[] = {
        HVSIM_FAULT_FAIL, HVSIM_FAULT_VANISH, HVSIM_FAULT_NOMEM,
        HVSIM_FAULT_BUSY,
    };
    const plan_action *a = step_act(&dir->cal, k, NULL);
    const char *fault_dom = NULL;
    char what[256], label[384], s1[32];
    verdict v = { true, "", 0 };
    xs_snapshot s0;
    plan p;
    exec_report r;
    hv *in;
    tracker t;
    recdrv *w = NULL;
    bool expect_fire = false;
    int rc;

    SNAP_Init(&s0);
    PLAN_Init(&p);
    EXEC_ReportInit(&r);
    what[0] = '\0';
    if (is_stuck_kind(kind)) {
        uint64_t mid = a->to_kib + (a->from_kib - a->to_kib) / 2;

        mid -= mid % 1024;
        in = stuck_host(dir, a->domain, kind == K_FLOOR ? mid : 0,
                        kind == K_IGNORES);
        if (kind == K_FLOOR)
            snprintf(what, sizeof(what), "%s cannot go below %s",
                     a->domain, UNITS_FormatSize(mid, s1, sizeof(s1)));
        else
            snprintf(what, sizeof(what), "%s ignores its balloon target",
                     a->domain);
    } else {
        in = host_in(fixture_path, dir->from);
    }
    snprintf(label, sizeof(label), "%s->%s s%zu %s", dir->from, dir->to, k,
             kind_names[kind]);
    if (!in)
        goto fail_setup;
    if (make_plan(in, dir->to, &s0, &p)) {
        HV_Close(in);
        goto fail_setup;
    }
    if (!same_steps(&p, &dir->cal)) {
        printf("# %s: the plan differs from the calibration run\n", label);
        HV_Close(in);
        goto fail_setup;
    }
    w = wrap(in, &p, &t);
    if (ix >= 0) {
        const recdrv_call *c = &dir->calls[ix];
        unsigned nth = RECDRV_Nth(dir->calls, (size_t)ix);

        fault_dom = c->dom[0] ? c->dom : NULL;
        if (HVSIM_AddFault(in, c->op, fault_dom, nth,
                           kind == K_XS_WRITE ? HVSIM_FAULT_FAIL
                                              : hk[kind])) {
            printf("# %s: HVSIM_AddFault refused\n", label);
            goto fail_setup;
        }
        snprintf(what, sizeof(what), "%s(%s) call %u", c->op,
                 fault_dom ? fault_dom : "any", nth);
        expect_fire = true;
    } else if (kind == K_XS_WRITE) {
        HVSIM_AddFault(in, "xs_write", NULL, 1, HVSIM_FAULT_FAIL);
        snprintf(what, sizeof(what), "xs_write fails; the step makes none");
    } else if (kind == K_CLOCK_FWD || kind == K_CLOCK_BACK) {
        t.jump_step = (int)k;
        t.jump_s = kind == K_CLOCK_FWD ? 86400 : -3600;
        snprintf(what, sizeof(what), "wall clock %s when the step starts",
                 kind == K_CLOCK_FWD ? "+1 day" : "-1 hour");
    }
    snprintf(label + strlen(label), sizeof(label) - strlen(label), " [%s]",
             what);

    rc = run_transition(&w->base, &s0, &p, &opts, on_event, &t, &r);

    /* The fault hit the step it was aimed at. */
    if (expect_fire && !w->fired)
        bad(&v, "the fault never fired");
    else if (expect_fire && (w->fire.rb || w->fire.tag != (int)k))
        bad(&v, "the fault fired in step %d%s, not %zu (%s)", w->fire.tag,
            w->fire.rb ? " of the rollback" : "", k, w->fire_msg);
    if ((kind == K_CLOCK_FWD || kind == K_CLOCK_BACK) && !t.jumped)
        bad(&v, "the clock was never jumped");
    if (is_stuck_kind(kind) && t.failed_step != (int)k)
        bad(&v, "the first failure was in step %d, not %zu (%s)",
            t.failed_step, k, r.ok ? "run ok" : r.cause.msg);
    check_host(&w->base, &s0, &p, dir->from, dir->to, kind, a->domain,
               fault_dom, rc, &r, &v);

    printf("# %s %s: %s%s%s\n", v.held ? "held" : "NOT HELD", label,
           r.ok ? "reached " : "failed, ",
           r.ok ? dir->to : r.rolled_back ? "rolled back"
                                          : "NOT rolled back",
           kind == K_XS_WRITE && !w->fired ? " (the fault never fired)"
                                           : "");
    if (!r.ok)
        printf("#   cause: %s\n", r.cause.msg);
    if (!v.held) {
        size_t i;

        printf("%s", v.why);
        for (i = 0; i < r.nr_doms; i++)
            printf("#   report %s: %s, %llu KiB, %u vCPUs%s%s\n",
                   r.doms[i].domain, EXEC_OutcomeName(r.doms[i].outcome),
                   (unsigned long long)r.doms[i].mem_kib, r.doms[i].vcpus,
                   r.doms[i].msg[0] ? ": " : "", r.doms[i].msg);
    }
    /*
     * cpupools and pins must be one phase's too.  Only when a domain
     * vanished may the shared domains run on what would have been its
     * dedicated pCPU: that is the phase planned without it.
     */
    if (notes(&w->base, &p, dir->from, dir->to, &r, &s0, label) > 0) {
        cl->noted++;
        if (kind != K_VANISH) {
            v.held = false;
            printf("# NOT HELD %s: cpupools or pins at neither phase\n",
                   label);
        }
    }
    if (kind == K_XS_WRITE && !w->fired)
        cl->not_fired = true;
    goto out;

fail_setup:
    bad(&v, "could not set the case up");
    printf("# NOT HELD %s: could not set the case up\n", label);
out:
    if (w)
        HV_Close(&w->base);
    EXEC_ReportDispose(&r);
    PLAN_Dispose(&p);
    SNAP_Dispose(&s0);
    cl->points++;
    cl->held += v.held;
    return v.held;
}

static void run_case(direction *dir, size_t k, fault_kind kind)
{
    const plan_action *a = step_act(&dir->cal, k, NULL);
    cell *cl = &dir->cells[kind][k];
    long ix[256];
    size_t n = 0, i;
    char desc[256];
    bool balloon = a && a->kind == PLAN_ACT_MEMORY;

    describe_step(&dir->cal, k, desc, sizeof(desc));
    if (is_stuck_kind(kind) &&
        (!balloon || (kind == K_FLOOR && a->to_kib >= a->from_kib))) {
        cl->na = true;
        /* Not a case at all: shown as n/a in the table, not a test. */
        printf("# n/a: %s -> %s, step %zu (%s), %s: %s\n", dir->from,
               dir->to, k, desc, kind_names[kind], balloon ? "a floor does "
               "not stop a balloon that grows" : "no balloon moves in this "
               "step");
        return;
    }
    if (is_hypercall_kind(kind) || kind == K_XS_WRITE)
        n = points_of(dir, k, kind, ix, sizeof(ix) / sizeof(ix[0]));
    if (n) {
        for (i = 0; i < n; i++)
            run_point(dir, k, kind, ix[i], cl);
    } else if (is_hypercall_kind(kind)) {
        cl->points++;
        printf("# NOT HELD: step %zu makes no call to aim at\n", k);
    } else {
        run_point(dir, k, kind, -1, cl);
    }
    ok(cl->points && cl->held == cl->points, "%s -> %s, step %zu (%s), "
       "%s: the invariant held at %u of %u points", dir->from, dir->to, k,
       desc, kind_names[kind], cl->held, cl->points);
}

static void print_table(const direction *dir)
{
    size_t k;
    int kind;
    char desc[256], c[32];

    printf("#\n# %s -> %s: faults x steps, points where the invariant held "
           "/ points tried\n# (!: some left notes on cpupools or pinning; "
           "~: the fault never fired;\n# n/a: no balloon to stop in that "
           "step)\n#\n", dir->from, dir->to);
    for (k = 0; k < dir->steps; k++) {
        describe_step(&dir->cal, k, desc, sizeof(desc));
        printf("#   s%zu  %s\n", k, desc);
    }
    printf("#\n# %-9s", "fault");
    for (k = 0; k < dir->steps; k++)
        printf(k + 1 < dir->steps ? " s%-6u" : " s%u", (unsigned)k);
    printf("\n");
    for (kind = 0; kind < K_NR; kind++) {
        printf("# %-9s", kind_names[kind]);
        for (k = 0; k < dir->steps; k++) {
            const cell *cl = &dir->cells[kind][k];

            if (cl->na)
                snprintf(c, sizeof(c), "n/a");
            else
                snprintf(c, sizeof(c), "%u/%u%s%s", cl->held, cl->points,
                         cl->noted ? "!" : "", cl->not_fired ? "~" : "");
            printf(k + 1 < dir->steps ? " %-7s" : " %s", c);
        }
        printf("\n");
    }
    printf("#\n");
}

static void campaign(direction *dir)
{
    size_t k;
    int kind;

    if (calibrate(dir)) {
        ok(0, "%s -> %s: calibration run", dir->from, dir->to);
        return;
    }
    ok(dir->steps > 0 && dir->steps <= MAX_STEPS, "%s -> %s: %zu steps",
       dir->from, dir->to, dir->steps);
    if (!dir->steps || dir->steps > MAX_STEPS) {
        dir->steps = 0;
        return;
    }
    for (kind = 0; kind < K_NR; kind++)
        for (k = 0; k < dir->steps; k++)
            run_case(dir, k, (fault_kind)kind);
}

int main(void)
{
    const char *top = getenv("top_srcdir");
    direction dirs[2];
    xs_err err;
    size_t i;

    snprintf(table_path, sizeof(table_path), "%s/examples/fig9.json",
             top ? top : ".");
    snprintf(fixture_path, sizeof(fixture_path),
             "%s/tests/fixtures/fig9-host.json", top ? top : ".");
    EXEC_DefaultOpts(&opts);
    TBL_Init(&table);
    if (TBL_Load(table_path, &table, &err)) {
        ok(0, "load %s: %s", table_path, err.msg);
        return done_testing();
    }
    memset(dirs, 0, sizeof(dirs));
    dirs[0].from = "normal";
    dirs[0].to = "takeover";
    dirs[1].from = "takeover";
    dirs[1].to = "normal";
    for (i = 0; i < 2; i++)
        campaign(&dirs[i]);
    for (i = 0; i < 2; i++) {
        print_table(&dirs[i]);
        free(dirs[i].calls);
        PLAN_Dispose(&dirs[i].cal);
        SNAP_Dispose(&dirs[i].cal_s0);
    }
    TBL_Dispose(&table);
    return done_testing();
}
