/*
 * record_restore.c - the way back (REC_Restore): the recorded values put
 * back, then the host compared with the record (record.c).
 *
 * Choices made here:
 *  - The whole host is recorded, not only the plan's domains: the way
 *    back changes only what differs, so a domain nobody touched costs
 *    nothing, and one the plan re-pinned is still put back.  Memory and
 *    vCPUs are put back only for the plan's domains (planned): a balloon
 *    target someone else changed meanwhile is not ours to undo.
 *  - Order of the way back: cpupools first (a move to a pool resets the
 *    affinity), then vCPUs, affinity and node affinity, memory last.
 *    A guest grows back at once when the host has the room above the
 *    reserve, while the others shrink; the rest grow once every shrink
 *    is done, so free memory suffices.  maxmem is lowered only once a
 *    guest came down, and raised before its target.
 *  - Node affinity: Xen derives an "automatic" mask from the vCPUs'
 *    affinity, and reads it the same as one that was set.  The way back
 *    asks for every node first (automatic again), and sets the recorded
 *    mask only if that does not already give it.
 *  - A guest that does not balloon back is not waited for past stuck_ms;
 *    what it lacks shows as a difference in "memory".
 *  - Best effort: a step that fails is reported and the rest goes on;
 *    the comparison at the end is what counts.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "record_int.h"
#include "units.h"

#define POOL0_ID 0

static const rec_pool *rec_pool_of_cpu(const rec_record *r, unsigned cpu)
{
    size_t i;

    for (i = 0; i < r->nr_pools; i++)
        if (CPUMAP_Test(&r->pools[i].cpus, cpu))
            return &r->pools[i];
    return NULL;
}

typedef struct back {
    hv *h;
    const rec_record *r;
    const rec_opts *o;
    rec_step_fn *step;
    void *ctx;
    hv_pool *pools;
    size_t nr_pools;
    hv_domain *doms;
    size_t nr_doms;
} back;

static void say(back *b, rec_step_kind k, const char *dom, const char *fmt,
                ...) __attribute__((format(printf, 4, 5)));

static void say(back *b, rec_step_kind k, const char *dom, const char *fmt,
                ...)
{
    char msg[512];
    va_list ap;

    if (!b->step)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    b->step(b->ctx, k, dom, msg);
}

/* Report a call's outcome; returns rc. */
static int did(back *b, int rc, const char *dom, const char *what)
{
    if (rc)
        say(b, REC_STEP_FAILED, dom, "%s: %s", what,
            HV_LastError(b->h)->msg);
    return rc;
}

static int reread(back *b)
{
    free(b->pools);
    free(b->doms);
    b->pools = NULL;
    b->doms = NULL;
    b->nr_pools = b->nr_doms = 0;
    if (HV_ListPools(b->h, &b->pools, &b->nr_pools) ||
        HV_ListDomains(b->h, &b->doms, &b->nr_doms)) {
        say(b, REC_STEP_FAILED, "", "cannot read the host: %s",
            HV_LastError(b->h)->msg);
        return -1;
    }
    return 0;
}

static void move_domain(back *b, const rec_domain *d, const hv_pool *to)
{
    char what[256];

    snprintf(what, sizeof(what), "%s: back to cpupool %s", d->name,
             to->name);
    say(b, REC_STEP_BEGIN, d->name, "%s", what);
    if (!did(b, HV_PoolMoveDomain(b->h, to->id, d->domid), d->name, what))
        say(b, REC_STEP_DONE, d->name, "%s", what);
}

/* Domains out of pools the record lacks; those pools destroyed. */
static void drop_new_pools(back *b)
{
    size_t i;
    char what[256];
    int cpu;

    for (i = 0; i < b->r->nr_doms; i++) {
        const rec_domain *d = &b->r->doms[i];
        const hv_domain *n = rec_dom_now(b->doms, b->nr_doms, d);
        const hv_pool *p = n ? HV_PoolById(b->pools, b->nr_pools, n->pool)
                             : NULL;
        const hv_pool *to;

        if (!p || rec_pool_by_name(b->r, p->name))
            continue;
        to = HV_PoolByName(b->pools, b->nr_pools, d->pool);
        if (!to || CPUMAP_IsEmpty(&to->cpus))
            to = HV_PoolById(b->pools, b->nr_pools, POOL0_ID);
        if (to)
            move_domain(b, d, to);
    }
    if (reread(b))
        return;
    for (i = 0; i < b->nr_pools; i++) {
        const hv_pool *p = &b->pools[i];

        if (rec_pool_by_name(b->r, p->name) || p->nr_domains)
            continue;
        snprintf(what, sizeof(what), "cpupool %s: destroyed", p->name);
        say(b, REC_STEP_BEGIN, "", "%s", what);
        /* Xen refuses to destroy a pool with pCPUs: free them first. */
        for (cpu = CPUMAP_Next(&p->cpus, 0); cpu >= 0;
             cpu = CPUMAP_Next(&p->cpus, (unsigned)cpu + 1))
            HV_PoolRemoveCpu(b->h, p->id, (unsigned)cpu);
        if (!did(b, HV_PoolDestroy(b->h, p->id), "", what))
            say(b, REC_STEP_DONE, "", "%s", what);
    }
}

/* Pools the record has and the host lacks, made again. */
static void make_old_pools(back *b)
{
    uint32_t id;
    char what[256];
    size_t i;

    for (i = 0; i < b->r->nr_pools; i++) {
        const rec_pool *p = &b->r->pools[i];

        if (HV_PoolByName(b->pools, b->nr_pools, p->name))
            continue;
        snprintf(what, sizeof(what), "cpupool %s (%s): made again", p->name,
                 p->sched);
        say(b, REC_STEP_BEGIN, "", "%s", what);
        if (!did(b, HV_PoolCreate(b->h, p->name, p->sched, &id), "", what))
            say(b, REC_STEP_DONE, "", "%s", what);
    }
}

/*
 * Every pCPU to the pool it was in.  Two rounds: a pCPU that cannot
 * leave a pool yet (its last, with domains) may once the pool has got
 * its own pCPUs back.
 */
/*
 * A pCPU in no pool may be one whose removal from a pool was cut short
 * (its process killed inside the hypercall): Xen then takes it back
 * only into the pool it was leaving (cpupool.c: cpupool_moving_cpu).
 * So when "to" refuses it, give it back to whichever pool takes it,
 * and move it on from there.
 */
static int add_loose_cpu(back *b, const hv_pool *to, unsigned cpu)
{
    size_t i;

    if (!HV_PoolAddCpu(b->h, to->id, cpu))
        return 0;
    for (i = 0; i < b->nr_pools; i++) {
        const hv_pool *q = &b->pools[i];

        if (q->id == to->id || HV_PoolAddCpu(b->h, q->id, cpu))
            continue;
        if (HV_PoolRemoveCpu(b->h, q->id, cpu))
            return -1;
        return HV_PoolAddCpu(b->h, to->id, cpu);
    }
    /* no pool took it: the refusal to tell is "to"'s */
    return HV_PoolAddCpu(b->h, to->id, cpu);
}

static void place_cpus(back *b)
{
    unsigned cpu, round;
    char what[256];

    for (round = 0; round < 2; round++) {
        if (reread(b))
            return;
        for (cpu = 0; cpu < b->r->nr_cpus; cpu++) {
            const rec_pool *want = rec_pool_of_cpu(b->r, cpu);
            const hv_pool *now = NULL, *to;
            size_t i;
            int rc = 0;

            for (i = 0; i < b->nr_pools && !now; i++)
                if (CPUMAP_Test(&b->pools[i].cpus, cpu))
                    now = &b->pools[i];
            if (now && want && !strcmp(now->name, want->name))
                continue;
            if (!now && !want)
                continue;
            to = want ? HV_PoolByName(b->pools, b->nr_pools, want->name)
                      : NULL;
            snprintf(what, sizeof(what), "pCPU %u: from %s to %s", cpu,
                     now ? now->name : "no cpupool",
                     want ? want->name : "no cpupool");
            if (round == 0)
                say(b, REC_STEP_BEGIN, "", "%s", what);
            if (now)
                rc = HV_PoolRemoveCpu(b->h, now->id, cpu);
            if (!rc && to)
                rc = now ? HV_PoolAddCpu(b->h, to->id, cpu)
                         : add_loose_cpu(b, to, cpu);
            if (rc && round == 1)
                did(b, rc, "", what);
            else if (!rc)
                say(b, REC_STEP_DONE, "", "%s", what);
        }
    }
}

/* A pool the record lacks is still there. */
static bool stray_pool(const back *b)
{
    size_t i;

    for (i = 0; i < b->nr_pools; i++)
        if (!rec_pool_by_name(b->r, b->pools[i].name))
            return true;
    return false;
}

/*
 * Twice when needed: a domain that did not leave a pool the record
 * lacks at first (a failed move) holds that pool and its last pCPU; the
 * move at the end of the round may succeed, and then the pool can go.
 */
static void restore_pools(back *b)
{
    size_t i, round;
    bool moved;

    for (round = 0; round < 2; round++) {
        drop_new_pools(b);
        if (reread(b))
            return;
        make_old_pools(b);
        place_cpus(b);
        if (reread(b))
            return;
        moved = false;
        for (i = 0; i < b->r->nr_doms; i++) {
            const rec_domain *d = &b->r->doms[i];
            const hv_domain *n = rec_dom_now(b->doms, b->nr_doms, d);
            const hv_pool *p = n ? HV_PoolById(b->pools, b->nr_pools,
                                              n->pool) : NULL;
            const hv_pool *to = HV_PoolByName(b->pools, b->nr_pools, d->pool);

            if (n && p && to && strcmp(p->name, d->pool)) {
                move_domain(b, d, to);
                moved = true;
            }
        }
        if (!moved || reread(b) || !stray_pool(b))
            return;
    }
}

/* vCPUs online, affinity and node affinity. */
static void restore_cpus(back *b, const rec_domain *d, const hv_domain *n)
{
    char what[256], m1[96], m2[96];
    hv_domain again;

    if (d->planned && n->vcpus_online != d->vcpus &&
        !(d->type == HV_DOM_HVM && n->vcpus_online > d->vcpus)) {
        snprintf(what, sizeof(what), "%s: vCPUs %u -> %u", d->name,
                 n->vcpus_online, d->vcpus);
        say(b, REC_STEP_BEGIN, d->name, "%s", what);
        if (!did(b, HV_SetVcpusOnline(b->h, d->domid, d->vcpus), d->name,
                 what))
            say(b, REC_STEP_DONE, d->name, "%s", what);
    }
    if (!CPUMAP_Equal(&n->hard_affinity, &d->hard) ||
        !CPUMAP_Equal(&n->soft_affinity, &d->soft)) {
        snprintf(what, sizeof(what), "%s: affinity hard %s soft %s", d->name,
                 CPUMAP_Format(&d->hard, m1, sizeof(m1)),
                 CPUMAP_Format(&d->soft, m2, sizeof(m2)));
        say(b, REC_STEP_BEGIN, d->name, "%s", what);
        if (!did(b, HV_SetAffinity(b->h, d->domid, &d->hard, &d->soft),
                 d->name, what))
            say(b, REC_STEP_DONE, d->name, "%s", what);
    }
    if (HV_GetDomain(b->h, d->domid, &again) ||
        again.node_affinity == d->node_affinity)
        return;
    rec_fmt_nodes(d->node_affinity, m1, sizeof(m1));
    snprintf(what, sizeof(what), "%s: node affinity %s", d->name, m1);
    say(b, REC_STEP_BEGIN, d->name, "%s", what);
    /* Every node first: Xen's automatic mask may be the recorded one. */
    if (did(b, HV_SetNodeMask(b->h, d->domid, ~(uint64_t)0), d->name, what))
        return;
    if (!HV_GetDomain(b->h, d->domid, &again) &&
        again.node_affinity != d->node_affinity &&
        did(b, HV_SetNodeMask(b->h, d->domid, d->node_affinity), d->name,
            what))
        return;
    say(b, REC_STEP_DONE, d->name, "%s", what);
}

static uint64_t dist(uint64_t a, uint64_t b)
{
    return a > b ? a - b : b - a;
}

/*
 * Wait until every guest in want[] (index into the record, true: wait)
 * is at its recorded target, stuck, or out of time.
 */
static void wait_balloons(back *b, bool *want)
{
    size_t nr = b->r->nr_doms, i, left;
    uint64_t *best = calloc(nr ? nr : 1, sizeof(*best));
    uint64_t *since = calloc(nr ? nr : 1, sizeof(*since));
    uint64_t start = HV_NowMs(b->h), now;
    char s1[32];

    if (!best || !since)
        goto out;
    for (i = 0; i < nr; i++) {
        best[i] = UINT64_MAX;
        since[i] = start;
    }
    for (;;) {
        left = 0;
        now = HV_NowMs(b->h);
        for (i = 0; i < nr; i++) {
            const rec_domain *d = &b->r->doms[i];
            hv_domain n;
            uint64_t away;

            if (!want[i])
                continue;
            if (HV_GetDomain(b->h, d->domid, &n)) {
                want[i] = false;
                continue;
            }
            away = dist(n.mem_kib, d->target_kib);
            if (away <= b->o->tolerance_kib) {
                want[i] = false;
                say(b, REC_STEP_DONE, d->name, "%s at %s", d->name,
                    UNITS_FormatSize(n.mem_kib, s1, sizeof(s1)));
                continue;
            }
            if (away < best[i]) {
                best[i] = away;
                since[i] = now;
            }
            if ((b->o->stuck_ms && now - since[i] >= b->o->stuck_ms) ||
                (b->o->timeout_ms && now - start >= b->o->timeout_ms)) {
                want[i] = false;
                say(b, REC_STEP_FAILED, d->name, "%s: balloon stays at %s",
                    d->name, UNITS_FormatSize(n.mem_kib, s1, sizeof(s1)));
                continue;
            }
            left++;
        }
        if (!left)
            break;
        HV_SleepMs(b->h, b->o->poll_ms ? b->o->poll_ms : 1);
    }
out:
    free(best);
    free(since);
}

static void set_target(back *b, const rec_domain *d, uint64_t from,
                       bool *wait)
{
    char what[256], s1[32], s2[32];

    snprintf(what, sizeof(what), "%s: balloon target %s -> %s", d->name,
             UNITS_FormatSize(from, s1, sizeof(s1)),
             UNITS_FormatSize(d->target_kib, s2, sizeof(s2)));
    say(b, REC_STEP_BEGIN, d->name, "%s", what);
    if (did(b, HV_SetTarget(b->h, d->domid, d->target_kib), d->name, what))
        return;
    /* Only a guest that was at its target is waited for. */
    if (dist(d->mem_kib, d->target_kib) <= b->o->tolerance_kib)
        *wait = true;
    else
        say(b, REC_STEP_DONE, d->name, "%s", what);
}

static void set_maxmem(back *b, const rec_domain *d, uint64_t from)
{
    char what[256], s1[32], s2[32];

    snprintf(what, sizeof(what), "%s: maxmem %s -> %s", d->name,
             UNITS_FormatSize(from, s1, sizeof(s1)),
             UNITS_FormatSize(d->maxmem_kib, s2, sizeof(s2)));
    say(b, REC_STEP_BEGIN, d->name, "%s", what);
    if (!did(b, HV_SetMaxmem(b->h, d->domid, d->maxmem_kib), d->name, what))
        say(b, REC_STEP_DONE, d->name, "%s", what);
}

/*
 * A guest whose target is already the recorded one but whose memory is
 * still on its way there (a balloon cycle stopped half-way, a shrink
 * undone before it ended): wait for it too, when it was at its target
 * when recorded.
 */
static void await_target(back *b, const rec_domain *d, const hv_domain *n,
                         bool grow, bool *wait)
{
    char s1[32], s2[32];

    if (n->target_kib != d->target_kib ||
        dist(d->mem_kib, d->target_kib) > b->o->tolerance_kib ||
        dist(n->mem_kib, d->target_kib) <= b->o->tolerance_kib ||
        (grow ? n->mem_kib > d->target_kib : n->mem_kib < d->target_kib))
        return;
    say(b, REC_STEP_BEGIN, d->name, "%s: balloon from %s back to %s",
        d->name, UNITS_FormatSize(n->mem_kib, s1, sizeof(s1)),
        UNITS_FormatSize(d->target_kib, s2, sizeof(s2)));
    *wait = true;
}

/* The host's free memory above the reserve, 0 when unknown. */
static uint64_t room_now(back *b)
{
    hv_host host;

    if (HV_GetHost(b->h, &host) || host.free_kib <= b->o->reserve_kib)
        return 0;
    return host.free_kib - b->o->reserve_kib;
}

/*
 * One domain's balloon back: the shrinks (pass 0); in pass 0 also the
 * grows that fit in *room (taken from it), the others in pass 1.
 * started[i]: its grow already began.
 */
static void back_one(back *b, size_t i, unsigned pass, uint64_t *room,
                     bool *started, bool *wait)
{
    const rec_domain *d = &b->r->doms[i];
    const hv_domain *n = rec_dom_now(b->doms, b->nr_doms, d);
    bool grow;

    if (!n || !d->planned || started[i])
        return;
    grow = n->target_kib < d->target_kib ||
           (n->target_kib == d->target_kib && n->mem_kib < d->target_kib);
    if (grow && pass == 0) {
        uint64_t need = d->target_kib > n->mem_kib
                        ? d->target_kib - n->mem_kib : 0;

        if (need > *room)
            return;
        *room -= need;
    }
    if (!grow && pass == 1) {
        /* raised back even where the balloon needs nothing */
        if (n->maxmem_kib < d->maxmem_kib)
            set_maxmem(b, d, n->maxmem_kib);
        return;
    }
    if (grow) {
        started[i] = true;
        if (n->maxmem_kib < d->maxmem_kib)
            set_maxmem(b, d, n->maxmem_kib);
    }
    if (grow ? n->target_kib < d->target_kib : n->target_kib > d->target_kib)
        set_target(b, d, n->target_kib, &wait[i]);
    else
        await_target(b, d, n, grow, &wait[i]);
}

/*
 * Shrink, and grow what fits, at once; wait; lower maxmem; then raise
 * maxmem and grow the rest, wait.
 */
static void restore_memory(back *b)
{
    size_t nr = b->r->nr_doms, i, pass;
    bool *wait = calloc(nr ? nr : 1, sizeof(*wait));
    bool *started = calloc(nr ? nr : 1, sizeof(*started));
    uint64_t room;

    if (!wait || !started)
        goto out;
    for (pass = 0; pass < 2; pass++) {
        if (reread(b))
            break;
        room = pass == 0 ? room_now(b) : 0;
        memset(wait, 0, nr * sizeof(*wait));
        for (i = 0; i < nr; i++)
            back_one(b, i, (unsigned)pass, &room, started, wait);
        wait_balloons(b, wait);
        if (pass == 1 || reread(b))
            continue;
        for (i = 0; i < nr; i++) {
            const rec_domain *d = &b->r->doms[i];
            const hv_domain *n = rec_dom_now(b->doms, b->nr_doms, d);

            if (n && d->planned && n->maxmem_kib > d->maxmem_kib)
                set_maxmem(b, d, n->maxmem_kib);
        }
    }
out:
    free(wait);
    free(started);
}

int REC_Restore(hv *h, const rec_record *r, const rec_opts *o,
                rec_step_fn *step, void *ctx, rec_result *res)
{
    back b = { .h = h, .r = r, .o = o, .step = step, .ctx = ctx };
    size_t i;

    if (!reread(&b)) {
        restore_pools(&b);
        if (!reread(&b)) {
            for (i = 0; i < r->nr_doms; i++) {
                const hv_domain *n = rec_dom_now(b.doms, b.nr_doms,
                                                 &r->doms[i]);

                if (n)
                    restore_cpus(&b, &r->doms[i], n);
            }
            restore_memory(&b);
        }
    }
    free(b.pools);
    free(b.doms);
    return REC_Compare(h, r, o->tolerance_kib, res);
}
