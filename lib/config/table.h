/*
 * table.h - the configuration table (the patent's table 9000, Fig. 9).
 *
 * Phases x domains: how much memory and which CPUs each virtual machine
 * gets in each phase, plus the events (triggers) that select a phase.
 * The file format is described in xenshift.json(5).
 */
#ifndef XENSHIFT_TABLE_H
#define XENSHIFT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpumap.h"
#include "err.h"
#include "hv.h"
#include "schedule.h"

#define TBL_KEEP (-1)           /* vcpus/node: leave as it is */

typedef enum {
    TBL_CPUS_SHARED,
    TBL_CPUS_DEDICATED,
} tbl_cpu_mode;

/* Where in the file something was written. */
typedef struct tbl_pos {
    int line, col;
} tbl_pos;

/* One domain's allocation in one phase (a cell of Fig. 9). */
typedef struct tbl_alloc {
    char domain[HV_NAME_MAX];
    uint64_t memory_kib;
    tbl_cpu_mode cpus;
    unsigned pcpu_count;        /* dedicated: how many pCPUs */
    bool has_pcpu_list;         /* dedicated: exactly these pCPUs */
    xs_cpumap pcpu_list;
    int vcpus;                  /* TBL_KEEP or the count to have online */
    int node;                   /* TBL_KEEP or the NUMA node for memory/CPUs */
    tbl_pos pos;                /* of the domain's key in the phase */
    tbl_pos memory_pos, cpus_pos, pcpus_pos, vcpus_pos, node_pos;
} tbl_alloc;

typedef struct tbl_phase {
    char name[HV_NAME_MAX];
    tbl_alloc *allocs;
    size_t nr_allocs;
    tbl_pos pos;
} tbl_phase;

typedef struct tbl_domain {
    char name[HV_NAME_MAX];
    uint64_t min_kib;           /* the floor: never planned below */
    uint64_t max_kib;
    tbl_pos pos;
} tbl_domain;

typedef enum {
    TBL_TRIGGER_AT,             /* a cron time */
    TBL_TRIGGER_EVENT,          /* a named event: "failover", ... */
} tbl_trigger_kind;

typedef struct tbl_trigger {
    tbl_trigger_kind kind;
    char phase[HV_NAME_MAX];
    char at[128];               /* TBL_TRIGGER_AT: the expression */
    sched_expr when;            /* TBL_TRIGGER_AT: parsed */
    char event[HV_NAME_MAX];    /* TBL_TRIGGER_EVENT */
    tbl_pos pos;
} tbl_trigger;

typedef struct tbl_table {
    char path[256];
    uint64_t reserve_kib;       /* host memory never handed to domUs */
    bool move_unnamed;          /* may re-pin domains it does not name */
    tbl_domain *domains;
    size_t nr_domains;
    tbl_phase *phases;
    size_t nr_phases;
    tbl_trigger *triggers;
    size_t nr_triggers;
} tbl_table;

void TBL_Init(tbl_table *t);
void TBL_Dispose(tbl_table *t);

/*
 * Read, parse and validate a table.  Everything that can be checked
 * without a host is checked here: unknown keys, types, sizes, memory
 * within each domain's min..max, phases naming declared domains,
 * dedicated pCPU lists that overlap within a phase, triggers naming
 * existing phases, cron syntax.  err carries file:line:col.
 */
int TBL_Load(const char *path, tbl_table *t, xs_err *err);
int TBL_Parse(const char *path, const char *text, size_t len,
              tbl_table *t, xs_err *err);

/*
 * Checks that need the host: each phase fits the host's memory after the
 * reserve, dedicated pCPUs exist and leave at least one pCPU shared,
 * nodes exist.  err carries the position of the offending entry.
 */
int TBL_CheckHost(const tbl_table *t, const hv_host *host,
                  const hv_domain *doms, size_t nr_doms, xs_err *err);

const tbl_phase *TBL_FindPhase(const tbl_table *t, const char *name);
/* Whether the phase gives some domain a NUMA node. */
bool TBL_PhaseNamesNode(const tbl_table *t, const char *phase);
const tbl_domain *TBL_FindDomain(const tbl_table *t, const char *name);
const tbl_alloc *TBL_FindAlloc(const tbl_phase *p, const char *domain);

#endif
