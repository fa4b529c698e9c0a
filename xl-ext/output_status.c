/*
 * output_status.c - what the table and the host say now: phases,
 * status and schedule, as tables for people and JSON for programs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "output_int.h"
#include "units.h"
#include "xenshift.h"

/* --- phases ------------------------------------------------------------- */

static const char *cell_text(const tbl_alloc *a, char *buf, size_t len)
{
    char sz[40], cpus[256];
    int n;

    if (!a) {
        snprintf(buf, len, "-");
        return buf;
    }
    n = snprintf(buf, len, "%s", OUT_Size(a->memory_kib, sz, sizeof(sz)));
    if (a->cpus == TBL_CPUS_DEDICATED) {
        if (a->has_pcpu_list)
            n += snprintf(buf + n, len - (size_t)n, " pCPU %s dedicated",
                          CPUMAP_Format(&a->pcpu_list, cpus, sizeof(cpus)));
        else
            n += snprintf(buf + n, len - (size_t)n, " %u pCPU%s dedicated",
                          a->pcpu_count, a->pcpu_count == 1 ? "" : "s");
    } else {
        n += snprintf(buf + n, len - (size_t)n, " shared");
    }
    if (a->vcpus != TBL_KEEP && n > 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, ", %d vCPU%s", a->vcpus,
                      a->vcpus == 1 ? "" : "s");
    if (a->node != TBL_KEEP && n > 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, ", node %d", a->node);
    return buf;
}

void OUT_Phases(FILE *f, const tbl_table *t)
{
    size_t d, p;
    char cell[400], sz1[40];
    out_table tb;

    OUT_TableInit(&tb, t->nr_phases + 3);
    OUT_TableRight(&tb, 1);
    OUT_TableRight(&tb, 2);
    OUT_TableNewRow(&tb);
    OUT_TableCell(&tb, "domain");
    OUT_TableCell(&tb, "min");
    OUT_TableCell(&tb, "max");
    for (p = 0; p < t->nr_phases; p++)
        OUT_TableCell(&tb, t->phases[p].name);
    for (d = 0; d < t->nr_domains; d++) {
        const tbl_domain *td = &t->domains[d];

        OUT_TableNewRow(&tb);
        OUT_TableCell(&tb, td->name);
        /* unset: no floor (0), no ceiling */
        OUT_TableCell(&tb, td->min_kib ? OUT_Size(td->min_kib, sz1,
                                                  sizeof(sz1)) : "-");
        OUT_TableCell(&tb, td->max_kib == UINT64_MAX ? "-" :
                      OUT_Size(td->max_kib, sz1, sizeof(sz1)));
        for (p = 0; p < t->nr_phases; p++)
            OUT_TableCell(&tb, cell_text(TBL_FindAlloc(&t->phases[p],
                                                       td->name),
                                         cell, sizeof(cell)));
    }
    OUT_TablePrint(&tb, f, NULL);
    OUT_TableDispose(&tb);
    fprintf(f, "\nhost reserve: %s\n",
            OUT_Size(t->reserve_kib, sz1, sizeof(sz1)));
    if (t->move_unnamed)
        fprintf(f, "move_unnamed: domains a phase does not name may be "
                "re-pinned off the pCPUs it dedicates\n");
    if (t->nr_triggers)
        fprintf(f, "triggers:\n");
    for (d = 0; d < t->nr_triggers; d++) {
        const tbl_trigger *tr = &t->triggers[d];

        if (tr->kind == TBL_TRIGGER_AT)
            fprintf(f, "  at \"%s\" -> %s\n", tr->at, tr->phase);
        else
            fprintf(f, "  on %s -> %s\n", tr->event, tr->phase);
    }
}

void OUT_PhasesJson(FILE *f, const tbl_table *t)
{
    json_writer *w = JSONW_New(true);
    size_t p, a;
    char cpus[64];

    JSONW_ObjectOpen(w);
    JSONW_KeyString(w, "config", t->path);
    JSONW_KeyUint(w, "reserve_kib", t->reserve_kib);
    JSONW_KeyBool(w, "move_unnamed", t->move_unnamed);
    JSONW_Key(w, "domains");
    JSONW_ArrayOpen(w);
    for (a = 0; a < t->nr_domains; a++) {
        JSONW_ObjectOpen(w);
        JSONW_KeyString(w, "name", t->domains[a].name);
        JSONW_KeyUint(w, "min_kib", t->domains[a].min_kib);
        JSONW_Key(w, "max_kib");
        if (t->domains[a].max_kib == UINT64_MAX)
            JSONW_Null(w);
        else
            JSONW_Uint(w, t->domains[a].max_kib);
        JSONW_ObjectClose(w);
    }
    JSONW_ArrayClose(w);
    JSONW_Key(w, "phases");
    JSONW_ArrayOpen(w);
    for (p = 0; p < t->nr_phases; p++) {
        const tbl_phase *ph = &t->phases[p];

        JSONW_ObjectOpen(w);
        JSONW_KeyString(w, "name", ph->name);
        JSONW_Key(w, "domains");
        JSONW_ArrayOpen(w);
        for (a = 0; a < ph->nr_allocs; a++) {
            const tbl_alloc *al = &ph->allocs[a];

            JSONW_ObjectOpen(w);
            JSONW_KeyString(w, "name", al->domain);
            JSONW_KeyUint(w, "memory_kib", al->memory_kib);
            JSONW_KeyString(w, "cpus", al->cpus == TBL_CPUS_DEDICATED
                                           ? "dedicated" : "shared");
            if (al->cpus == TBL_CPUS_DEDICATED) {
                JSONW_KeyUint(w, "pcpu_count", al->pcpu_count);
                JSONW_Key(w, "pcpus");
                if (al->has_pcpu_list)
                    JSONW_String(w, CPUMAP_Format(&al->pcpu_list, cpus,
                                                  sizeof(cpus)));
                else
                    JSONW_Null(w);
            }
            JSONW_Key(w, "vcpus");
            if (al->vcpus == TBL_KEEP)
                JSONW_Null(w);
            else
                JSONW_Int(w, al->vcpus);
            JSONW_Key(w, "node");
            if (al->node == TBL_KEEP)
                JSONW_Null(w);
            else
                JSONW_Int(w, al->node);
            JSONW_ObjectClose(w);
        }
        JSONW_ArrayClose(w);
        JSONW_ObjectClose(w);
    }
    JSONW_ArrayClose(w);
    JSONW_Key(w, "triggers");
    JSONW_ArrayOpen(w);
    for (p = 0; p < t->nr_triggers; p++) {
        const tbl_trigger *tr = &t->triggers[p];

        JSONW_ObjectOpen(w);
        JSONW_KeyString(w, "phase", tr->phase);
        JSONW_Key(w, tr->kind == TBL_TRIGGER_AT ? "at" : "on");
        JSONW_String(w, tr->kind == TBL_TRIGGER_AT ? tr->at : tr->event);
        JSONW_ObjectClose(w);
    }
    JSONW_ArrayClose(w);
    JSONW_ObjectClose(w);
    OUT_JsonOut(f, w);
}

/* --- status ------------------------------------------------------------- */

static const char *pool_name(const xs_snapshot *s, uint32_t id)
{
    const hv_pool *p = SNAP_FindPool(s, id);

    return p ? p->name : "?";
}

/* Table domains that are not running: how many. */
static size_t nr_not_running(const xs_snapshot *snap, const tbl_table *t)
{
    size_t i, n = 0;

    for (i = 0; i < t->nr_domains; i++)
        if (!SNAP_FindDomain(snap, t->domains[i].name))
            n++;
    return n;
}

/* The first phase the host is in, or NULL. */
static const char *phase_now(const xs_phase_match *m, size_t nr)
{
    size_t i;

    for (i = 0; i < nr; i++)
        if (m[i].reach.reached)
            return m[i].name;
    return NULL;
}

/* The domains as they are now: one row each, not running ones last. */
static void status_domains(FILE *f, const xs_snapshot *snap,
                           const tbl_table *t, int verbose)
{
    out_table tb;
    size_t i;
    char id[16], a[40], b[40], c[40], vc[16], vmax[16], cpus[256],
         hard[256], soft[256];

    OUT_TableInit(&tb, verbose ? 12 : 8);
    for (i = 1; i <= 5; i++)
        OUT_TableRight(&tb, i);         /* id, sizes, vCPUs */
    OUT_TableRight(&tb, 9);             /* max vCPUs */
    OUT_TableRow(&tb, "domain", "id", "memory", "target", "maxmem", "vCPUs",
                 "cpupool", "pCPUs", "type", "max vCPUs", "hard affinity",
                 "soft affinity", NULL);
    for (i = 0; i < snap->nr_doms; i++) {
        const hv_domain *d = &snap->doms[i];
        xs_cpumap eff;

        SNAP_EffectiveAffinity(snap, d, &eff);
        snprintf(id, sizeof(id), "%u", d->domid);
        snprintf(vc, sizeof(vc), "%u", d->vcpus_online);
        snprintf(vmax, sizeof(vmax), "%u", d->vcpus_max);
        OUT_TableRow(&tb, d->name, id, OUT_Size(d->mem_kib, a, sizeof(a)),
                     OUT_Size(d->target_kib, b, sizeof(b)),
                     OUT_Size(d->maxmem_kib, c, sizeof(c)), vc,
                     pool_name(snap, d->pool),
                     CPUMAP_Format(&eff, cpus, sizeof(cpus)),
                     HV_DomTypeName(d->type), vmax,
                     CPUMAP_Format(&d->hard_affinity, hard, sizeof(hard)),
                     CPUMAP_Format(&d->soft_affinity, soft, sizeof(soft)),
                     NULL);
    }
    for (i = 0; i < t->nr_domains; i++)
        if (!SNAP_FindDomain(snap, t->domains[i].name))
            OUT_TableRow(&tb, t->domains[i].name, "-", "not running", NULL);
    OUT_TablePrint(&tb, f, NULL);
    OUT_TableDispose(&tb);
}

/* -v on a NUMA host: how much of each domain's memory lies on each node. */
static void status_nodes(FILE *f, const xs_snapshot *snap)
{
    char head[HV_MAX_NODES][16], mem[HV_MAX_NODES][40];
    const char *cell[HV_MAX_NODES + 1];
    unsigned n, nr = snap->host.nr_nodes;
    out_table tb;
    size_t i;

    fprintf(f, "\nmemory per NUMA node:\n");
    OUT_TableInit(&tb, nr + 1);
    for (n = 0; n < nr; n++) {
        snprintf(head[n], sizeof(head[n]), "node%u", n);
        OUT_TableRight(&tb, n + 1);
    }
    for (i = 0; i <= snap->nr_doms; i++) {
        const hv_domain *d = i ? &snap->doms[i - 1] : NULL;

        cell[0] = d ? d->name : "domain";
        for (n = 0; n < nr; n++)
            cell[n + 1] = !d ? head[n] : !d->node_known ? NULL :
                          OUT_Size(d->node_mem_kib[n], mem[n],
                                   sizeof(mem[n]));
        if (d && !d->node_known)
            OUT_TableRow(&tb, d->name, "unknown", NULL);
        else
            OUT_TableRowArray(&tb, cell, nr + 1);
    }
    OUT_TablePrint(&tb, f, "  ");
    OUT_TableDispose(&tb);
}

void OUT_Status(FILE *f, const xs_snapshot *snap, const tbl_table *t,
                const xs_phase_match *m, size_t nr, const char *driver,
                int verbose)
{
    size_t i, w = 8;
    const char *now = phase_now(m, nr);
    const char *all = nr_not_running(snap, t) ? "all running domains match"
                                              : "all domains match";

    OUT_Host(f, snap, driver);
    fprintf(f, "\n");
    status_domains(f, snap, t, verbose);
    if (verbose && snap->host.nr_nodes > 1)
        status_nodes(f, snap);

    for (i = 0; i < nr; i++)
        if (strlen(m[i].name) > w)
            w = strlen(m[i].name);
    fprintf(f, "\nphases:\n");
    for (i = 0; i < nr; i++)
        fprintf(f, "  %-*s  %s%s\n", (int)w, m[i].name,
                m[i].reach.reached ? all : "first difference: ",
                m[i].reach.reached ? "" : m[i].reach.why);
    if (now)
        fprintf(f, "\nphase: %s (%s)\n", now, all);
    else
        fprintf(f, "\nphase: none (between phases)\n");
    for (i = 0; now && i < nr; i++)
        if (m[i].name == now)
            OUT_PutShortfalls(f, &m[i].reach);
}

static const char *alive_name(int alive)
{
    return alive > 0 ? "alive" : alive == 0 ? "dead" : "unknown";
}

void OUT_StatusJournal(FILE *f, const out_journal *oj)
{
    const jnl_entry *j = &oj->j;
    const char *from = j->from[0] ? j->from : "(none)";
    const char *at = j->step[0] ? j->step : "before the first step";

    if (!j->present)
        return;
    if (!strcmp(j->state, "failed"))
        fprintf(f, "transition: %s -> %s, its roll-back did not complete "
                "(at: %s); xenshiftd tries again when it starts, as does "
                "'xenshift recover'\n", from, j->to, at);
    else if (oj->alive > 0)
        fprintf(f, "transition: %s -> %s, %s (at: %s), by %s\n", from,
                j->to, j->state, at, oj->holder);
    else if (oj->alive == 0)
        fprintf(f, "transition: %s -> %s, interrupted: the process running "
                "it died (at: %s); 'xenshift recover' puts the host back, "
                "as apply does first\n", from, j->to, at);
    else
        fprintf(f, "transition: %s -> %s, %s (at: %s); whether its process "
                "lives cannot be told: %s\n", from, j->to, j->state, at,
                oj->why);
}

static void journal_json(json_writer *w, const out_journal *oj)
{
    const jnl_entry *j;

    JSONW_Key(w, "transition");
    if (!oj || !oj->j.present) {
        JSONW_Null(w);
        return;
    }
    j = &oj->j;
    JSONW_ObjectOpen(w);
    JSONW_KeyStringOrNull(w, "from", j->from[0] ? j->from : NULL);
    JSONW_KeyString(w, "to", j->to);
    JSONW_KeyStringOrNull(w, "step", j->step[0] ? j->step : NULL);
    JSONW_KeyString(w, "state", j->state);
    JSONW_KeyString(w, "process", alive_name(oj->alive));
    JSONW_KeyStringOrNull(w, "holder", oj->alive > 0 ? oj->holder : NULL);
    JSONW_ObjectClose(w);
}

void OUT_StatusJson(FILE *f, const xs_snapshot *snap, const tbl_table *t,
                    const xs_phase_match *m, size_t nr, const char *driver,
                    const out_journal *oj)
{
    json_writer *w = JSONW_New(true);
    const char *now = phase_now(m, nr);
    char cpus[256];
    xs_cpumap eff;
    size_t i;

    JSONW_ObjectOpen(w);
    JSONW_Key(w, "host");
    JSONW_ObjectOpen(w);
    JSONW_KeyString(w, "driver", driver);
    JSONW_KeyUint(w, "nr_cpus", snap->host.nr_cpus);
    JSONW_KeyUint(w, "nr_nodes", snap->host.nr_nodes);
    JSONW_KeyUint(w, "total_kib", snap->host.total_kib);
    JSONW_KeyUint(w, "free_kib", snap->host.free_kib);
    JSONW_KeyBool(w, "guarded", snap->host.guarded);
    JSONW_ObjectClose(w);
    JSONW_Key(w, "domains");
    JSONW_ArrayOpen(w);
    for (i = 0; i < snap->nr_doms; i++) {
        const hv_domain *d = &snap->doms[i];

        JSONW_ObjectOpen(w);
        JSONW_KeyString(w, "name", d->name);
        JSONW_KeyUint(w, "domid", d->domid);
        JSONW_KeyString(w, "type", HV_DomTypeName(d->type));
        JSONW_KeyBool(w, "in_table", TBL_FindDomain(t, d->name) != NULL);
        JSONW_KeyUint(w, "memory_kib", d->mem_kib);
        JSONW_KeyUint(w, "target_kib", d->target_kib);
        JSONW_KeyUint(w, "maxmem_kib", d->maxmem_kib);
        JSONW_KeyUint(w, "vcpus", d->vcpus_online);
        JSONW_KeyUint(w, "max_vcpus", d->vcpus_max);
        JSONW_KeyStringOrNull(w, "cpupool", SNAP_FindPool(snap, d->pool)
                                            ? pool_name(snap, d->pool)
                                            : NULL);
        /* where it can run (as status and plan show), then as set */
        SNAP_EffectiveAffinity(snap, d, &eff);
        JSONW_KeyString(w, "pcpus", CPUMAP_Format(&eff, cpus, sizeof(cpus)));
        JSONW_KeyString(w, "hard_affinity",
                        CPUMAP_Format(&d->hard_affinity, cpus, sizeof(cpus)));
        JSONW_KeyString(w, "soft_affinity",
                        CPUMAP_Format(&d->soft_affinity, cpus, sizeof(cpus)));
        /* Where its memory lies, when known (on Xen: status -v). */
        if (d->node_known && snap->host.nr_nodes > 1) {
            unsigned n;

            JSONW_Key(w, "node_memory_kib");
            JSONW_ArrayOpen(w);
            for (n = 0; n < snap->host.nr_nodes; n++)
                JSONW_Uint(w, d->node_mem_kib[n]);
            JSONW_ArrayClose(w);
        }
        JSONW_ObjectClose(w);
    }
    JSONW_ArrayClose(w);
    JSONW_Key(w, "not_running");
    JSONW_ArrayOpen(w);
    for (i = 0; i < t->nr_domains; i++)
        if (!SNAP_FindDomain(snap, t->domains[i].name))
            JSONW_String(w, t->domains[i].name);
    JSONW_ArrayClose(w);
    JSONW_Key(w, "phases");
    JSONW_ArrayOpen(w);
    for (i = 0; i < nr; i++) {
        JSONW_ObjectOpen(w);
        JSONW_KeyString(w, "name", m[i].name);
        JSONW_KeyBool(w, "matches", m[i].reach.reached);
        JSONW_Key(w, "difference");
        if (m[i].reach.reached)
            JSONW_Null(w);
        else
            JSONW_String(w, m[i].reach.why);
        OUT_JsonShortfalls(w, &m[i].reach);
        JSONW_ObjectClose(w);
    }
    JSONW_ArrayClose(w);
    JSONW_KeyStringOrNull(w, "phase", now);
    journal_json(w, oj);
    JSONW_ObjectClose(w);
    OUT_JsonOut(f, w);
}

/* --- schedule ----------------------------------------------------------- */

static const char *local_time(time_t t, char *buf, size_t len)
{
    return UNITS_FormatTime(t, "%Y-%m-%d %H:%M %Z (%a)", buf, len);
}

void OUT_Schedule(FILE *f, const tbl_table *t, time_t now, unsigned count)
{
    char when[HV_NAME_MAX + 64], what[200];
    out_table tb;
    size_t i;
    unsigned k;

    fprintf(f, "now: %s\n", local_time(now, when, sizeof(when)));
    if (!t->nr_triggers) {
        fprintf(f, "no triggers in %s\n", t->path);
        return;
    }
    OUT_TableInit(&tb, 3);
    OUT_TableRow(&tb, "trigger", "phase", "next", NULL);
    for (i = 0; i < t->nr_triggers; i++) {
        const tbl_trigger *tr = &t->triggers[i];
        time_t at = now, next;

        if (tr->kind == TBL_TRIGGER_EVENT) {
            snprintf(what, sizeof(what), "on %s", tr->event);
            snprintf(when, sizeof(when), "on request (xenshift apply @%s)",
                     tr->event);
            OUT_TableRow(&tb, what, tr->phase, when, NULL);
            continue;
        }
        snprintf(what, sizeof(what), "at \"%s\"", tr->at);
        for (k = 0; k < count; k++) {
            bool never = SCHED_Next(&tr->when, at, &next) != 0;

            OUT_TableRow(&tb, k ? "" : what, k ? "" : tr->phase,
                         never ? "never" : local_time(next, when,
                                                      sizeof(when)), NULL);
            if (never)
                break;
            at = next;
        }
    }
    OUT_TablePrint(&tb, f, NULL);
    OUT_TableDispose(&tb);
}

void OUT_ScheduleJson(FILE *f, const tbl_table *t, time_t now,
                      unsigned count)
{
    json_writer *w = JSONW_New(true);
    size_t i;
    unsigned k;

    JSONW_ObjectOpen(w);
    /* points in time as every time in the JSON: milliseconds, _ms */
    JSONW_KeyInt(w, "now_ms", (long long)now * 1000);
    JSONW_Key(w, "triggers");
    JSONW_ArrayOpen(w);
    for (i = 0; i < t->nr_triggers; i++) {
        const tbl_trigger *tr = &t->triggers[i];
        time_t at = now, next;

        JSONW_ObjectOpen(w);
        JSONW_KeyString(w, "phase", tr->phase);
        if (tr->kind == TBL_TRIGGER_EVENT) {
            JSONW_KeyString(w, "on", tr->event);
        } else {
            JSONW_KeyString(w, "at", tr->at);
            JSONW_Key(w, "next_ms");
            JSONW_ArrayOpen(w);
            for (k = 0; k < count && !SCHED_Next(&tr->when, at, &next); k++) {
                JSONW_Int(w, (long long)next * 1000);
                at = next;
            }
            JSONW_ArrayClose(w);
        }
        JSONW_ObjectClose(w);
    }
    JSONW_ArrayClose(w);
    JSONW_ObjectClose(w);
    OUT_JsonOut(f, w);
}
