/*
 * hostcheck.h - what `plan` will refuse, found before it is asked: each
 * phase from the host as it is, each ordered pair of phases from a host
 * modelled as being in the first, and the table's time triggers.
 *
 * Pure, like the planner: the host comes in as a snapshot and the
 * trigger check takes its start time as an argument.
 */
#ifndef XENSHIFT_HOSTCHECK_H
#define XENSHIFT_HOSTCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "err.h"
#include "plan.h"
#include "snapshot.h"
#include "table.h"

/* How far ahead two triggers are compared for a shared minute. */
#define HCHK_TRIGGER_DAYS 366

typedef enum {
    HCHK_ERROR,                /* plan or the daemon will refuse */
    HCHK_WARNING,              /* works, but likely not as meant */
} hchk_level;

typedef enum {
    HCHK_PHASE,                /* phase cannot be planned from the host */
    HCHK_PAIR,                 /* phase cannot be planned from 'from' */
    HCHK_TRIGGER_NEVER,        /* an "at" time that matches no time */
    HCHK_TRIGGER_CLASH,        /* two phases at the same minute */
} hchk_kind;

typedef struct hchk_finding {
    hchk_level level;
    hchk_kind kind;
    char from[HV_NAME_MAX];     /* PAIR: the phase the host is in */
    char phase[HV_NAME_MAX];    /* the phase asked, or a trigger's phase */
    char other[HV_NAME_MAX];    /* CLASH: the other trigger's phase */
    tbl_pos pos, other_pos;     /* TRIGGER_*: where the triggers are */
    time_t when;                /* CLASH: the first shared minute */
    char msg[sizeof(((xs_err *)0)->msg) + 4 * HV_NAME_MAX + 2 * 128 + 128];
} hchk_finding;

typedef struct hchk_report {
    hchk_finding *v;
    size_t nr;
    size_t nr_errors, nr_warnings;
} hchk_report;

void HCHK_Init(hchk_report *r);
void HCHK_Dispose(hchk_report *r);

/*
 * The host as the planner would see it once p has run on before: each
 * row's memory, vCPUs and node, and the cpupools and pinning of the
 * plan's cpus stage.  Domains the plan does not touch stay as they are.
 */
int HCHK_SnapshotAfter(const xs_snapshot *before, const plan *p,
                        xs_snapshot *after, xs_err *err);

/* Every phase from snap, then every ordered pair (A, B) from snap after A. */
int HCHK_CheckHost(const xs_snapshot *snap, const tbl_table *t,
                    hchk_report *r, xs_err *err);

/*
 * "at" triggers that never fire after 'from', and triggers of different
 * phases that fire at the same minute within HCHK_TRIGGER_DAYS of it
 * (local time, as the daemon fires them).
 */
int HCHK_CheckTriggers(const tbl_table *t, time_t from, hchk_report *r,
                        xs_err *err);

#endif
