/*
 * plan_text.c - the planner's names for stages, actions and move
 * strategies, and the one-line description of an action that plan,
 * apply and the journal show.
 */
#include <stdio.h>

#include "plan.h"
#include "units.h"

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
    /* only pool steps count their pCPUs (hand-made plans may have none) */
    bool one = (a->kind == PLAN_ACT_POOL_LEAVE ||
                a->kind == PLAN_ACT_POOL_ENTER) &&
               CPUMAP_Count(a->cpus) == 1;

    switch (a->kind) {
    case PLAN_ACT_MEMORY:
        /* Memory already there, target elsewhere (an undo, typically). */
        if (a->from_kib == a->to_kib)
            snprintf(buf, len, "%s: balloon target back to %s", a->domain,
                     UNITS_FormatMiB(a->to_kib, s2, sizeof(s2)));
        else
            snprintf(buf, len, "%s: memory %s -> %s", a->domain,
                     UNITS_FormatMiB(a->from_kib, s1, sizeof(s1)),
                     UNITS_FormatMiB(a->to_kib, s2, sizeof(s2)));
        break;
    case PLAN_ACT_VCPUS:
        snprintf(buf, len, "%s: vCPUs %u -> %u", a->domain, a->from_vcpus,
                 a->to_vcpus);
        break;
    case PLAN_ACT_RELOCATE:
        snprintf(buf, len, "%s: move %s of memory to node %d (%s)",
                 a->domain, UNITS_FormatMiB(a->from_kib, s1, sizeof(s1)),
                 a->node,
                 a->how == PLAN_MOVE_DIRECT ? "direct page moves"
                                            : "balloon cycling");
        break;
    case PLAN_ACT_POOL_LEAVE:
        snprintf(buf, len, "%s: leave cpupool %s, pCPU%s %s back to Pool-0",
                 a->domain, a->pool, one ? "" : "s",
                 CPUMAP_Format(a->cpus, m, sizeof(m)));
        break;
    case PLAN_ACT_POOL_ENTER:
        snprintf(buf, len, "%s: dedicated pCPU%s %s (new cpupool %s)",
                 a->domain, one ? "" : "s",
                 CPUMAP_Format(a->cpus, m, sizeof(m)), a->pool);
        break;
    case PLAN_ACT_PIN:
        snprintf(buf, len, "%s: pin to pCPUs %s", a->domain,
                 CPUMAP_Format(a->cpus, m, sizeof(m)));
        break;
    default:
        snprintf(buf, len, "%s: ?", a->domain);
        break;
    }
    return buf;
}
