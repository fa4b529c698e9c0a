/*
 * transition.h - one whole transition: hooks, journal, executor.
 *
 * The one path from "go to phase B" to a host in phase B (or back where
 * it was), used by `xenshift apply` when no daemon runs and by xenshiftd:
 *
 *   pre-transition hooks, pre-domain hooks (a veto stops here, nothing
 *   changed) -> journal begin -> EXEC_Run (journal step before each
 *   action) -> journal end, XSP_PHASE and XSP_RESULT -> post-domain
 *   hooks, failed hooks, post-transition hooks.
 *
 * The caller takes the snapshot and makes the plan (so it can show the
 * plan first), and holds the host's lock (lock.h).
 */
#ifndef XENSHIFT_TRANSITION_H
#define XENSHIFT_TRANSITION_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "exec.h"
#include "hooks.h"
#include "hv.h"
#include "plan.h"
#include "reached.h"
#include "snapshot.h"
#include "table.h"

/*
 * Where the time before the first step went: each part in ms of
 * HV_NowMs (the simulated host's virtual clock, where reading the host
 * takes no time).  A part not done (no lock taken, no NUMA reading) has
 * done[part] false.
 */
typedef enum {
    TRN_PREP_LOCK,              /* taking the host's transition lock */
    TRN_PREP_SNAPSHOT,          /* SNAP_Take */
    TRN_PREP_NUMA,              /* where memory lies (HV_GetNodeMemory) */
    TRN_PREP_PLAN,              /* PLAN_Make and the in-phase check */
    TRN_PREP_HOOKS,             /* the pre-transition and pre-domain hooks */
    TRN_PREP_RECORD,            /* the host read before the first change */
    TRN_PREP_JOURNAL,           /* the journal's begin and record writes */
    TRN_PREP_NR
} trn_prep_part;

typedef struct trn_prep {
    uint64_t start_ms;          /* HV_NowMs when the host was open */
    uint64_t total_ms;          /* from start_ms to the executor's start */
    bool done[TRN_PREP_NR];
    uint64_t ms[TRN_PREP_NR];
} trn_prep;

/* Start timing at HV_NowMs(h): every part not done, total 0. */
void TRN_PrepInit(trn_prep *pp, hv *h);
/* Part part took from since_ms (an HV_NowMs reading) until now. */
void TRN_PrepAdd(trn_prep *pp, hv *h, trn_prep_part part, uint64_t since_ms);
/* "snapshot", "numa", ... (the names apply's text and JSON use). */
const char *TRN_PrepPartName(trn_prep_part part);
/*
 * "prepared in 412 ms: lock 0, snapshot 120, numa 280, plan 3, record 6,
 * journal 3": the parts done, in order.  Returns buf.
 */
const char *TRN_PrepText(const trn_prep *pp, char *buf, size_t len);

typedef struct trn_opts {
    exec_opts exec;
    const hook_opts *hooks;     /* NULL: run no hooks */
    bool journal;               /* keep XSP_JOURNAL, XSP_PHASE, XSP_RESULT */
    const char *request_id;     /* for the journal and the hooks */
    hook_result_fn *hook_done;  /* told about every hook run (may be NULL) */
    void *hook_ctx;
    /*
     * NULL, or the time before the first step so far (TRN_PrepInit and
     * the caller's parts): TRN_Execute adds its hooks and journal parts
     * and sets total_ms when the executor starts.
     */
    trn_prep *prep;
} trn_opts;

void TRN_DefaultOpts(trn_opts *o);

typedef enum {
    TRN_REACHED,                /* the host is in the phase (REACH_Phase) */
    TRN_VETOED,                 /* a pre hook said no: nothing changed */
    TRN_FAILED,                 /* the executor failed (see report) */
} trn_outcome;

typedef struct trn_result {
    trn_outcome outcome;
    char from[HV_NAME_MAX];     /* the phase the host was in, or "" */
    char message[1024];         /* why, when not reached */
    /*
     * When every step ran: the phase checked on the host afterwards
     * (the node shortfalls are there; when the host could not be read,
     * not reached and why says so).  after.checked is false when the
     * executor failed or was not run.
     */
    reach_result after;
} trn_result;

/*
 * The host as the planner needs it for phase: SNAP_Take and, when the
 * phase names a NUMA node, where each domain's memory lies
 * (HV_GetNodeMemory; Xen's NUMA dump is only asked for then).  When
 * that cannot be read the snapshot is still taken, warn says why and
 * the planner notes that placement is unknown.
 */
int TRN_Snapshot(hv *h, const tbl_table *t, const char *phase,
                 xs_snapshot *snap, char *warn, size_t warnlen,
                 xs_err *err);
/* TRN_Snapshot, adding its snapshot and NUMA parts to prep (may be NULL). */
int TRN_SnapshotTimed(hv *h, const tbl_table *t, const char *phase,
                      xs_snapshot *snap, char *warn, size_t warnlen,
                      trn_prep *prep, xs_err *err);

/*
 * The phase the snapshot is in (REACH_Phase), or NULL.  When several
 * match, the first in the table.
 */
const char *TRN_CurrentPhase(const xs_snapshot *snap, const tbl_table *t);

/*
 * Run plan p (made from snap for a phase of t; snap is the host as it is
 * now, read under the lock: when no pre hook runs it is also the record
 * of the host before the first change).  report is filled as by
 * EXEC_Run (left empty when vetoed).  When every step ran, a new
 * snapshot must show the host in the phase (REACH_Phase, res->after);
 * when it does not, report->ok is cleared and report->cause says why
 * (nothing is rolled back: the journal is left "failed" for recovery).
 * Returns 0 when the phase was reached, -1 otherwise (res says why).
 */
int TRN_Execute(hv *h, const tbl_table *t, const xs_snapshot *snap,
                const plan *p, const trn_opts *o, exec_progress_fn *progress,
                void *ctx, exec_report *report, trn_result *res);

typedef enum {
    TRN_RECOVER_NOTHING,        /* no journal: nothing was in flight */
    TRN_RECOVER_BACK,           /* brought back to the journal's "from" */
    TRN_RECOVER_FORWARD,        /* brought to its "to" */
    TRN_RECOVER_FAILED,         /* neither: see message */
} trn_recovery;

/* "nothing", "back", "forward" or "failed": the names in JSON and xenstore. */
const char *TRN_RecoveryName(trn_recovery r);

/*
 * After a crash: read the journal; when a transition was in flight,
 * put back the values it recorded before its first change (record.h),
 * field for field: TRN_RECOVER_BACK when every field is back, else
 * TRN_RECOVER_FAILED naming each difference, and the journal stays for
 * the next try.  A journal without a whole record and without a step
 * (a crash before the first change) is only removed.  One without a
 * record but with a step (an older xenshift's) brings the host to the
 * phase it came from (or, when that is not known or cannot be reached,
 * to the phase it was going to).  The journal is removed once the host
 * is in a phase.  request gets the interrupted request's id ("" when
 * none), message what was done.  No hooks run.
 */
trn_recovery TRN_Recover(hv *h, const tbl_table *t, const exec_opts *eo,
                         exec_progress_fn *progress, void *ctx,
                         char *request, size_t request_len, char *message,
                         size_t message_len);

#endif
