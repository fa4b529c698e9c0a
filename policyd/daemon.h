/*
 * daemon.h - xenshiftd's policy core: requests, queue, schedules,
 * recovery.  No file descriptors and no sleeping of its own: the event
 * loop (xenshiftd.c) or a test calls in when something happened, so the
 * same code runs on the real host and, with a simulated clock, in
 * tests/unit/test_daemon.c.
 *
 * Requests come from xenstore (XSP_REQUEST/ID = PHASE or @EVENT) and
 * from the table's "at" triggers.  They queue; a request for the phase
 * the last queued one (or, with nothing queued, the running one) asks
 * for is joined to it; one transition runs at a time.  Every request is
 * answered under XSP_ANSWER/ID.
 */
#ifndef XENSHIFTD_DAEMON_H
#define XENSHIFTD_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "exec.h"
#include "hooks.h"
#include "hvcount.h"
#include "hv.h"
#include "log.h"
#include "request.h"
#include "table.h"

#define DMN_ANSWERS_KEPT 64
/* A trigger time more than this late when seen is missed, not run. */
#define DMN_MISSED_AFTER_S 60

typedef struct dmn_item {
    char phase[HV_NAME_MAX];
    char **ids;                 /* requests answered by this transition */
    size_t nr_ids;
    char origin[200];           /* "request ID", "at \"0 8 * * 1-5\"" */
} dmn_item;

typedef struct dmn dmn;
/*
 * Called often while a transition runs (each look at the host): the
 * loop checks its signals and the watch without blocking.
 */
typedef void dmn_poll_fn(void *ctx, dmn *d);

typedef struct dmn_config {
    const char *table_path;
    hook_opts hooks;
    bool run_hooks;
    exec_opts exec;
    dmn_poll_fn *poll;          /* may be NULL */
    void *poll_ctx;
    /*
     * Each transition that ran is drawn into DIR/ID.svg (ID: its first
     * request's), the timelines_keep newest kept.  NULL or 0: none.
     */
    const char *timelines_dir;
    unsigned timelines_keep;
    /*
     * With the host's times started (XENSHIFT_HV_TIMES), each request's
     * hypervisor calls are counted and logged; hv_trace: every call.
     */
    bool hv_trace;
} dmn_config;

struct dmn {
    hv *h;
    dlog *log;
    dmn_config cfg;
    tbl_table table;
    dmn_item *queue;
    size_t nr_queue;
    dmn_item current;           /* valid while running */
    bool running;
    volatile int cancel;        /* SIGTERM: roll back what runs */
    bool stopping;              /* no new transitions */
    /* The schedule: the next "at" trigger and when it fires. */
    bool have_next;
    time_t next_fire;
    size_t next_trigger;
    unsigned transitions;       /* run since start, for the log */
    unsigned nr_unfit;          /* phases that did not fit at the last look */
    hvc_count hvc;              /* the last request's calls (HV_TimesStart) */
};

/* Load the table and keep the arguments; nothing is touched yet. */
int DMN_Init(dmn *d, hv *h, dlog *log, const dmn_config *cfg, xs_err *err);
void DMN_Dispose(dmn *d);

/*
 * Take over the host: make XSP_ROOT dom0-only, say the daemon runs,
 * finish an interrupted transition (journal), publish the phase the
 * host is in, log the phases that do not fit it (DMN_CheckPhases),
 * watch XSP_REQUEST and plan the first trigger.
 */
int DMN_Start(dmn *d, xs_err *err);
/* Leave: the daemon node goes, queued requests are answered failed. */
void DMN_Stop(dmn *d);

/*
 * SIGHUP: read the table again.  Only an error in the table itself
 * refuses it (the old one is kept); phases that do not fit the host are
 * logged, as at start.
 */
int DMN_Reload(dmn *d, xs_err *err);

/*
 * Plan every phase from the host as it is now and log each one the
 * planner refuses, with its reason; returns (and keeps in nr_unfit)
 * how many.  Start and reload call it; the daemon serves either way.
 */
unsigned DMN_CheckPhases(dmn *d);

/* The watch fd was readable: take the events, read new requests. */
void DMN_HandleWatch(dmn *d);
/* Read and answer whatever is under XSP_REQUEST now. */
void DMN_ScanRequests(dmn *d);
/* Queue a phase directly (a trigger); id is the answer's name. */
void DMN_Enqueue(dmn *d, const char *id, const char *phase,
                 const char *origin);

/* When the next trigger fires; false when none is planned. */
bool DMN_NextWake(const dmn *d, time_t *when);
/* The clock says now: fire what is due, skip what was missed. */
void DMN_HandleTime(dmn *d, time_t now);
/* The wall clock was set: plan the triggers again from now. */
void DMN_ClockChanged(dmn *d, time_t now);

/* Run the queued transitions, one after the other, until none is left. */
void DMN_RunQueue(dmn *d);

#endif
