/*
 * exec_step.c - the executor's memory and vCPU steps: start one, look at
 * it on the host, and the helpers every step shares (events, failures,
 * stuck watches).
 *
 * A grow is started with part of its target when the host has only
 * part free above the reserve (exec.c grants it as donors free memory):
 * waiting at a granted target is waiting for memory, not being stuck.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "exec_int.h"

static int name_ix_cmp(const void *a, const void *b)
{
    return strcmp(((const name_ix *)a)->name, ((const name_ix *)b)->name);
}

void exec_index_rows(run_ctx *c)
{
    size_t i;

    for (i = 0; i < c->p->nr_rows; i++) {
        c->ix[i].name = c->p->rows[i].domain;
        c->ix[i].i = i;
    }
    qsort(c->ix, c->p->nr_rows, sizeof(*c->ix), name_ix_cmp);
}

dom_state *exec_dom_of(run_ctx *c, const char *name)
{
    name_ix key = { name, 0 }, *hit;

    if (!c->p->nr_rows)
        return NULL;
    hit = bsearch(&key, c->ix, c->p->nr_rows, sizeof(*c->ix), name_ix_cmp);
    return hit ? &c->ds[hit->i] : NULL;
}

uint64_t exec_elapsed(run_ctx *c)
{
    return HV_NowMs(c->h) - c->t0;
}

void exec_emit(run_ctx *c, exec_ev_kind kind, const plan_stage *st,
               const plan_action *a, uint64_t now_kib, const char *msg)
{
    exec_event ev;

    if (!c->progress)
        return;
    memset(&ev, 0, sizeof(ev));
    ev.kind = kind;
    ev.rolling_back = c->rolling_back;
    ev.stage = st;
    ev.act = a;
    ev.now_kib = now_kib;
    ev.free_kib = c->free_kib;
    ev.elapsed_ms = exec_elapsed(c);
    ev.msg = msg;
    c->progress(c->pctx, &ev);
}

const char *exec_hv_why(run_ctx *c)
{
    return HV_LastError(c->h)->msg;
}

void exec_act_failed(run_ctx *c, const plan_stage *st, const plan_action *a,
                     int rc, const char *fmt, ...)
{
    dom_state *d = exec_dom_of(c, a->domain);
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (rc == HV_ENODOMAIN) {
        /* Gone, crashed or shut down: the driver says which. */
        snprintf(msg, sizeof(msg), "%s is gone (during %s): %.400s", a->domain,
                 PLAN_ActName(a->kind), exec_hv_why(c));
        if (d)
            d->vanished = true;
    }
    if (d) {
        if (c->rolling_back)
            d->failed = true;
        else
            d->had_failure = true;
        if (!d->msg[0] || c->rolling_back)
            copy_str(d->msg, sizeof(d->msg), msg);
    }
    if (!c->failed) {
        c->failed = true;
        ERR_Set(&c->cause, "%s", msg);
    }
    exec_emit(c, EXEC_EV_ACTION_FAILED, st, a, 0, msg);
}

int exec_get_dom(run_ctx *c, const plan_stage *st, const plan_action *a,
                 hv_domain *d)
{
    int rc = HV_GetDomain(c->h, a->domid, d);

    if (rc)
        exec_act_failed(c, st, a, rc, "%s: cannot read its state: %s",
                   a->domain, exec_hv_why(c));
    return rc;
}

int exec_get_cpus(run_ctx *c, const plan_stage *st, const plan_action *a,
                  hv_dom_cpus *d)
{
    int rc = HV_GetCpus(c->h, a->domid, d);

    if (rc)
        exec_act_failed(c, st, a, rc, "%s: cannot read its pCPUs: %s",
                        a->domain, exec_hv_why(c));
    return rc;
}

/* Watch a step from now: is it still moving? (stuck.h) */
void exec_watch_start(run_ctx *c, act_run *r, uint64_t now)
{
    /* a guest brings each vCPU up as it did the first: same pace */
    stuck_rule rule = { .floor_ms = c->o->stuck_floor_ms,
                        .ceiling_ms = c->o->stuck_ms,
                        .factor = c->o->stuck_factor,
                        .start_is_pace = r->a->kind == PLAN_ACT_VCPUS };

    STUCK_Init(&r->watch, &rule, now);
}

/* Memory is now away from where it should be: progress if closer. */
void exec_mem_progress(act_run *r, uint64_t away, uint64_t now)
{
    if (away >= r->best_dist)
        return;
    if (!r->watch.nr_progress) {
        /* its pace is counted from here (exec.c: next_look) */
        r->pace_ms = now;
        r->pace_away_kib = away;
    }
    STUCK_Progress(&r->watch, now, r->best_dist - away);
    r->best_dist = away;
}

/* "no progress for 1.5 s (before that: 212 MiB in 0.9 s, ...)" */
void exec_describe_stuck(const act_run *r, uint64_t now, bool kib,
                         char *buf, size_t len)
{
    char moved[32];

    if (kib)
        size_str(r->watch.amount, moved, sizeof(moved));
    else
        snprintf(moved, sizeof(moved), "%" PRIu64 " vCPU%s",
                 r->watch.amount, r->watch.amount == 1 ? "" : "s");
    STUCK_Describe(&r->watch, now, moved, buf, len);
}

/* The balloon target of r's domain to kib, kept as what it was given. */
static int set_target(run_ctx *c, act_run *r, uint64_t kib)
{
    const plan_action *a = r->a;
    char s1[32];
    int rc;

    rc = HV_SetTarget(c->h, a->domid, kib);
    if (rc) {
        exec_act_failed(c, r->st, a, rc, "%s: cannot set the balloon target "
                        "to %s: %s", a->domain,
                        size_str(kib, s1, sizeof(s1)), exec_hv_why(c));
        return rc;
    }
    r->granted_kib = kib;
    return 0;
}

/* Raise a grow's balloon target to kib (not past its planned size). */
int exec_grant(run_ctx *c, act_run *r, uint64_t kib)
{
    if (kib > r->a->to_kib)
        kib = r->a->to_kib;
    if (kib <= r->granted_kib && r->started_ms)
        return 0;
    return set_target(c, r, kib);
}

static int start_memory(run_ctx *c, act_run *r)
{
    const plan_action *a = r->a;
    char s1[32];
    int rc;

    r->shrink = r->st->kind == PLAN_STAGE_SHRINK;
    r->last_mem = a->from_kib;
    r->best_dist = dist(a->from_kib, a->to_kib);
    if (!r->shrink && a->node >= 0) {
        /* growing towards a node: the new pages should come from it */
        rc = HV_SetNodeAffinity(c->h, a->domid, a->node);
        if (rc) {
            exec_act_failed(c, r->st, a, rc, "%s: cannot set its node "
                            "affinity to node %d: %s", a->domain, a->node,
                            exec_hv_why(c));
            return rc;
        }
    }
    if (!r->shrink) {
        /* maxmem first, or Xen refuses the pages */
        rc = HV_SetMaxmem(c->h, a->domid, a->to_kib);
        if (rc) {
            exec_act_failed(c, r->st, a, rc, "%s: cannot raise maxmem to "
                            "%s: %s", a->domain,
                            size_str(a->to_kib, s1, sizeof(s1)),
                            exec_hv_why(c));
            return rc;
        }
    }
    rc = set_target(c, r, r->granted_kib ? r->granted_kib : a->to_kib);
    if (rc)
        return rc;
    r->pending = true;
    return 0;
}

int exec_start(run_ctx *c, act_run *r)
{
    const plan_action *a = r->a;
    int rc = 0;

    exec_watch_start(c, r, HV_NowMs(c->h));
    switch (a->kind) {
    case PLAN_ACT_MEMORY:
        rc = start_memory(c, r);
        break;
    case PLAN_ACT_VCPUS:
        r->last_vcpus = a->from_vcpus;
        rc = HV_SetVcpusOnline(c->h, a->domid, a->to_vcpus);
        if (rc) {
            exec_act_failed(c, r->st, a, rc, "%s: cannot set %u vCPUs "
                            "online: %s", a->domain, a->to_vcpus,
                            exec_hv_why(c));
            break;
        }
        r->pending = true;
        break;
    case PLAN_ACT_RELOCATE:
        rc = exec_relocate_start(c, r->st, r);
        break;
    case PLAN_ACT_POOL_ENTER:
        rc = exec_pool_enter(c, r->st, a);
        break;
    case PLAN_ACT_POOL_LEAVE:
        rc = exec_pool_leave(c, r->st, a);
        break;
    case PLAN_ACT_PIN:
        rc = exec_pin(c, r->st, a);
        break;
    }
    return rc;
}

static int check_vcpus(run_ctx *c, act_run *r, const hv_dom_progress *d,
                       uint64_t now)
{
    const plan_action *a = r->a;
    char why[160];

    if (d->vcpus_online != r->last_vcpus) {
        STUCK_Progress(&r->watch, now, d->vcpus_online > r->last_vcpus
                       ? d->vcpus_online - r->last_vcpus
                       : r->last_vcpus - d->vcpus_online);
        r->last_vcpus = d->vcpus_online;
    }
    if (d->vcpus_online == a->to_vcpus) {
        r->pending = false;
        return 0;
    }
    if (STUCK_Check(&r->watch, now)) {
        exec_describe_stuck(r, now, false, why, sizeof(why));
        exec_act_failed(c, r->st, a, 0, "%s: %u vCPUs online, %u asked: %s",
                        a->domain, d->vcpus_online, a->to_vcpus, why);
        return HV_EFAIL;
    }
    return 0;
}

static int check_memory(run_ctx *c, act_run *r, const hv_dom_progress *d,
                        uint64_t now)
{
    const plan_action *a = r->a;
    char s1[32], s2[32], why[160];
    int rc;

    if (d->mem_kib != r->last_mem) {
        r->last_mem = d->mem_kib;
        exec_emit(c, EXEC_EV_PROGRESS, r->st, a, d->mem_kib, NULL);
    }
    exec_mem_progress(r, dist(d->mem_kib, a->to_kib), now);
    if (r->granted_kib == a->to_kib &&
        dist(d->mem_kib, a->to_kib) <= c->o->tolerance_kib) {
        if (r->shrink) {
            /* only now: the guest gave the pages back */
            rc = HV_SetMaxmem(c->h, a->domid, a->to_kib);
            if (rc) {
                exec_act_failed(c, r->st, a, rc, "%s: cannot lower maxmem "
                                "to %s: %s", a->domain,
                                size_str(a->to_kib, s1, sizeof(s1)),
                                exec_hv_why(c));
                return rc;
            }
        }
        r->pending = false;
        return 0;
    }
    if (r->granted_kib != a->to_kib &&
        dist(d->mem_kib, r->granted_kib) <= c->o->tolerance_kib) {
        /* at what it was given: waiting for memory, not stuck */
        exec_watch_start(c, r, now);
        return 0;
    }
    if (STUCK_Check(&r->watch, now)) {
        exec_describe_stuck(r, now, true, why, sizeof(why));
        exec_act_failed(c, r->st, a, 0, "%s: balloon stuck at %s (target "
                        "%s): %s", a->domain,
                        size_str(d->mem_kib, s1, sizeof(s1)),
                        size_str(r->granted_kib, s2, sizeof(s2)), why);
        return HV_EFAIL;
    }
    return 0;
}

int exec_check(run_ctx *c, act_run *r, uint64_t now)
{
    hv_dom_progress d;
    int rc;

    if (r->a->kind == PLAN_ACT_RELOCATE)
        return exec_relocate_check(c, r->st, r, now);
    /* every poll_ms while it runs: the cheap read */
    rc = HV_GetProgress(c->h, r->a->domid, &d);
    if (rc) {
        exec_act_failed(c, r->st, r->a, rc, "%s: cannot read its state: %s",
                        r->a->domain, exec_hv_why(c));
        return rc;
    }
    return r->a->kind == PLAN_ACT_VCPUS ? check_vcpus(c, r, &d, now)
                                        : check_memory(c, r, &d, now);
}
