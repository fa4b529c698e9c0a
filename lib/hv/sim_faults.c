/*
 * sim_faults.c - faults injected into the simulated host: the nth call
 * of an operation (for a domain) fails as the fixture or a test says,
 * and a simulated crash refuses every change after a number of them.
 * Every hv_op of the simulation asks sim_fault_check first.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"

static void vanish(sim *s, sim_dom *d)
{
    char path[64];

    d->alive = false;
    snprintf(path, sizeof(path), "/local/domain/%u", d->d.domid);
    sim_xs_rm_tree(s, path);
    sim_count_pool_domains(s);
}

static const char *const kind_names[HVSIM_FAULT_NR] = {
    "fail", "vanish", "nomem", "busy", "kill", "moving"
};

const char *sim_fault_kind_name(hvsim_fault_kind k)
{
    return k < HVSIM_FAULT_NR ? kind_names[k] : "?";
}

int sim_fault_kind_parse(const char *name)
{
    int k;

    for (k = 0; k < HVSIM_FAULT_NR; k++)
        if (!strcmp(kind_names[k], name))
            return k;
    return -1;
}

/* The process dies here, with the host saved first where it was asked. */
static void kill_process(sim *s, const char *op)
{
    xs_err err;

    if (s->kill_save && HVSIM_Save(&s->base, s->kill_save, &err))
        fprintf(stderr, "simulated kill at %s: cannot save the host: %s\n",
                op, err.msg);
    fflush(NULL);
    raise(SIGKILL);
}

static bool is_change(const char *op)
{
    static const char *const reads[] = {
        "get_host", "list_pools", "list_domains", "get_domain", "xs_read",
        "xs_directory", "xs_read_watch", NULL
    };
    size_t i;

    for (i = 0; reads[i]; i++)
        if (strcmp(reads[i], op) == 0)
            return false;
    return true;
}

/*
 * Count this call and fire a fault when one is due.  Returns 0 or the
 * HV_E* code of the fault (with the error set).
 */
int sim_fault_check(sim *s, const char *op, sim_dom *d)
{
    size_t i;

    if (s->crash_armed && is_change(op)) {
        if (!s->crash_left) {
            s->crash_hit = true;
            ERR_Set(&s->base.err, "%s: the process was killed (simulated "
                    "crash)", op);
            return HV_EFAIL;
        }
        s->crash_left--;
    }

    for (i = 0; i < s->nr_faults; i++) {
        sim_fault *f = &s->faults[i];
        const char *name = d ? d->d.name : "";

        if (strcmp(f->op, op) != 0)
            continue;
        if (f->domain[0] && strcmp(f->domain, name) != 0)
            continue;
        if (++f->seen != f->nth)
            continue;
        switch (f->kind) {
        case HVSIM_FAULT_VANISH:
            if (d) {
                ERR_Set(&s->base.err, "%s (domain %u): %s: domain "
                        "vanished (injected fault)", name, d->d.domid, op);
                vanish(s, d);
                return HV_ENODOMAIN;
            }
            /* nothing to vanish: fail instead */
            /* fall through */
        case HVSIM_FAULT_FAIL:
            ERR_Set(&s->base.err, "%s%s%s: injected fault", name,
                    *name ? ": " : "", op);
            return HV_EFAIL;
        case HVSIM_FAULT_NOMEM:
            ERR_Set(&s->base.err, "%s%s%s: not enough memory (injected "
                    "fault)", name, *name ? ": " : "", op);
            return HV_ENOMEM;
        case HVSIM_FAULT_BUSY:
            ERR_Set(&s->base.err, "%s%s%s: busy (injected fault)", name,
                    *name ? ": " : "", op);
            return HV_EBUSY;
        case HVSIM_FAULT_MOVING:
            /* the removal half-does itself (sim_pool_remove_cpu) */
            if (!strcmp(op, "pool_remove_cpu")) {
                s->moving_armed = true;
                return 0;
            }
            ERR_Set(&s->base.err, "%s: injected fault", op);
            return HV_EFAIL;
        case HVSIM_FAULT_KILL:
            kill_process(s, op);
            ERR_Set(&s->base.err, "%s: the process was killed", op);
            return HV_EFAIL;
        case HVSIM_FAULT_NR:
            break;
        }
    }
    return 0;
}

static const char *const fault_ops[] = {
    "get_host", "list_pools", "list_domains", "get_domain", "set_maxmem",
    "set_target", "set_vcpus_online", "set_affinity", "pool_create",
    "pool_destroy", "pool_add_cpu", "pool_remove_cpu", "pool_move_domain",
    "set_node_affinity", "move_memory", "xs_read", "xs_write", "xs_remove",
    "xs_clear", "xs_directory", "xs_restrict", NULL
};

bool sim_known_op(const char *op)
{
    size_t i;

    for (i = 0; fault_ops[i]; i++)
        if (strcmp(fault_ops[i], op) == 0)
            return true;
    return false;
}

int HVSIM_AddFault(hv *h, const char *op, const char *domain, unsigned nth,
                   hvsim_fault_kind kind)
{
    sim *s = S(h);
    sim_fault *f;

    if (s->nr_faults == SIM_MAX_FAULTS || !sim_known_op(op) || nth == 0)
        return -1;
    f = &s->faults[s->nr_faults++];
    memset(f, 0, sizeof(*f));
    snprintf(f->op, sizeof(f->op), "%s", op);
    snprintf(f->domain, sizeof(f->domain), "%s", domain ? domain : "");
    f->nth = nth;
    f->kind = kind;
    return 0;
}

void HVSIM_ClearFaults(hv *h)
{
    S(h)->nr_faults = 0;
}

void HVSIM_Crash(hv *h, unsigned changes)
{
    S(h)->crash_armed = true;
    S(h)->crash_left = changes;
    S(h)->crash_hit = false;
}

void HVSIM_SaveOnKill(hv *h, const char *path)
{
    sim *s = S(h);

    free(s->kill_save);
    s->kill_save = path ? strdup(path) : NULL;
}

void HVSIM_Revive(hv *h)
{
    S(h)->crash_armed = false;
}

bool HVSIM_Crashed(hv *h)
{
    return S(h)->crash_armed && S(h)->crash_hit;
}
