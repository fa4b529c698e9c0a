/*
 * xenshift.h - shared declarations of the xenshift command.
 *
 * xenshift.c: main(), the global options, dispatch.
 * cmd_table.c: the command table and what the commands share.
 * cmd_*.c: the commands.
 * output*.c: everything printed, for people and as JSON.
 */
#ifndef XENSHIFT_CLI_H
#define XENSHIFT_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "exec.h"
#include "hv.h"
#include "lock.h"
#include "plan.h"
#include "reached.h"
#include "hostcheck.h"
#include "journal.h"
#include "snapshot.h"
#include "table.h"
#include "transition.h"

#define XS_DEFAULT_CONFIG "/etc/xenshift/xenshift.json"

/* Exit codes, as xl. */
#define XS_EXIT_OK 0
#define XS_EXIT_FAIL 1
#define XS_EXIT_USAGE 2

/* Options that come before the command; owned by main(). */
typedef struct xs_cli {
    const char *config;         /* -c FILE */
    const char *sim;            /* --sim FIXTURE, or NULL: the real host */
    const char *sim_state;      /* --sim-state FILE: keep the sim's state */
    xs_lock *sim_lock;          /* FILE.lock, held while the command runs */
    bool json;                  /* -j (also after the command) */
    int verbose;                /* -v, repeatable */
    const char *progname;
    const char *command;        /* the command's name, once known */
} xs_cli;

typedef struct xs_cmd {
    const char *name;
    int (*fn)(xs_cli *cli, int argc, char **argv);
    const char *summary;
    const char *usage;          /* arguments after the command name */
    const char *options;        /* one option per line, -h included */
    /*
     * NULL, or true when with these arguments the command only reads a
     * --sim-state file (status --watch): main() then does not wait for
     * FILE.lock, which a --sim-state xenshiftd holds through a whole
     * transition.  Saves replace the file by rename: a reader sees a
     * whole host without the lock.
     */
    bool (*reads_shared)(int argc, char **argv);
} xs_cmd;

/* cmd_table.c */
extern const xs_cmd xs_cmds[];
const xs_cmd *CMD_Find(const char *name);
void CMD_List(FILE *f);
void CMD_Usage(FILE *f, const char *progname, const xs_cmd *cmd);
int CMD_UsageError(const xs_cli *cli, const xs_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* What the commands share; each says why it failed (OUT_Fail). */
/* The host: --sim-state FILE when it exists, --sim FIXTURE, else Xen. */
hv *CMD_OpenHost(const xs_cli *cli, xs_err *err);  /* says nothing */
hv *CMD_OpenSnapshot(const xs_cli *cli, xs_snapshot *snap);
/*
 * XENSHIFT_HV_TIMES=1: CMD_OpenHost times the opening and every hv
 * operation after it, CMD_CloseHost the closing, and prints them on
 * stderr (hvtimes.c).
 */
bool CLI_TimesWanted(void);
void CLI_TimesOpening(void);
void CLI_TimesOpened(hv *h);
void CLI_TimesClose(const xs_cli *cli, hv *h);      /* HV_Close too */
int CMD_CloseHost(const xs_cli *cli, hv *h);       /* saves --sim-state */
int CMD_LoadTable(const xs_cli *cli, tbl_table *t);
int CMD_TakeHostLock(const xs_cli *cli, xs_lock *lock, const char *who);
#define CMD_GO_ON (-1)  /* an option helper's "no exit code: carry on" */
int CMD_CommonOpt(xs_cli *cli, const xs_cmd *cmd, int opt, char **argv);
/*
 * A command whose only options are some of -j, -v, -h (shortopts says
 * which), with min_args..max_args arguments: CMD_GO_ON or an exit code.
 */
int CMD_SimpleOpts(xs_cli *cli, const xs_cmd *cmd, const char *shortopts,
                   int argc, char **argv, int min_args, int max_args);
/* After the options: min..max arguments are left; CMD_GO_ON or 2. */
int CMD_CheckArgs(const xs_cli *cli, const xs_cmd *cmd, int argc,
                  char **argv, int min, int max);
/* "5", "0.5" seconds into ms (at most a day); -1 when not that. */
int CMD_ParseSeconds(const char *s, unsigned *ms);
/* The same for option opt's arg: CMD_GO_ON or a usage error's code. */
int CMD_SecondsOpt(const xs_cli *cli, const xs_cmd *cmd, const char *opt,
                   const char *arg, unsigned *ms);
/* A whole number lo..hi in decimal digits only; -1 when not that. */
int CMD_ParseCount(const char *s, unsigned long lo, unsigned long hi,
                   unsigned long *out);

/* signals.c: handler for the n signals sigs; saved: the n before. */
void CMD_CatchSignals(const int *sigs, size_t n, void (*handler)(int),
                      struct sigaction *saved);
void CMD_RestoreSignals(const int *sigs, size_t n,
                        const struct sigaction *saved);
/* A command that changes the host (apply, mem-move): */
#define CMD_NR_INTERRUPTS 3     /* SIGINT, SIGTERM, SIGHUP */
/*
 * From now on those only raise the flag returned (zeroed here), which
 * the executor takes as exec_opts.cancel: it rolls back.  saved: the
 * handlers before, CMD_NR_INTERRUPTS of them, for CMD_RestoreInterrupts.
 */
const volatile int *CMD_CatchInterrupts(struct sigaction *saved);
void CMD_RestoreInterrupts(const struct sigaction *saved);
/* SIGPIPE ignored: a reader that goes away does not stop a change. */
void CMD_OutliveReader(void);

/* cmd_check.c, cmd_phases.c: the table, alone or against the host */
int CMD_Check(xs_cli *cli, int argc, char **argv);
int CMD_Phases(xs_cli *cli, int argc, char **argv);
int CMD_Schedule(xs_cli *cli, int argc, char **argv);

/* cmd_plan.c: xenshift plan, and what plan and apply share */
int CMD_Plan(xs_cli *cli, int argc, char **argv);
/*
 * The table loaded, *phasep ("@EVENT" resolved into a phase of t), the
 * host read (*hp opened when NULL), the plan made; prep (NULL: not
 * timed) gets the parts; finish_dead: a dead transition's journal is
 * finished first.  Errors printed; returns 0 or -1.
 */
int CMD_Prepare(const xs_cli *cli, const char **phasep, tbl_table *t,
                xs_snapshot *snap, plan *p, hv **hp, trn_prep *prep,
                bool finish_dead);
/* The plan on stdout: -j JSON, -v with the host. */
void CMD_PrintPlan(const xs_cli *cli, const xs_snapshot *snap, const hv *h,
                   const plan *p);

/* cmd_apply.c, cmd_mem_move.c: the commands that change the host */
int CMD_Apply(xs_cli *cli, int argc, char **argv);
int CMD_MemMove(xs_cli *cli, int argc, char **argv);

/* cmd_recover.c: a transition whose process died, put back */
typedef struct out_recovery {
    jnl_entry found;            /* the journal found (found.present) */
    trn_recovery outcome;       /* TRN_RECOVER_NOTHING without one */
    char request[80];
    char message[1024];
} out_recovery;
int CMD_Recover(xs_cli *cli, int argc, char **argv);
/*
 * Finish the journal a dead transition left: 0 when there was none or
 * the host is in a phase again (r says which), -1 (said why) when not.
 * The caller holds the host's lock.
 */
int CLI_Recover(const xs_cli *cli, hv *h, const tbl_table *t,
                out_recovery *r);

/* cmd_status.c: xenshift status, and status --watch (watch.c) */
int CMD_Status(xs_cli *cli, int argc, char **argv);
bool CMD_StatusReadsShared(int argc, char **argv);
struct xs_phase_match;
/* Whether the host is in each phase of t (m: t->nr_phases of them). */
void CMD_MatchPhases(const xs_snapshot *snap, const tbl_table *t,
                     struct xs_phase_match *m);
/*
 * Whether the process running a transition lives, by the lock every
 * runner holds while it runs (lock_path: the host's, or a --sim-state
 * host's FILE.lock); the kernel drops it when its holder dies.  1
 * (holder: "xenshiftd 1234"), 0 (died), or -1 (why: cannot be told).
 */
int CMD_RunnerAlive(const char *lock_path, char *holder, size_t holder_len,
                    char *why, size_t why_len);

/* cmd_show.c: xenshift show, the timelines xenshiftd kept */
int CMD_Show(xs_cli *cli, int argc, char **argv);

/* client.c: talking to xenshiftd */
/* True (and the pid) when xenshiftd runs on this host. */
bool CLI_DaemonRunning(hv *h, long *pid);
/* How long a request to xenshiftd is followed. */
typedef enum {
    CLI_UNTIL_QUEUED,           /* --no-wait */
    CLI_UNTIL_CAPACITY,         /* --until capacity: placement goes on */
    CLI_UNTIL_END,              /* --wait (the default) */
} cli_until;

/*
 * Ask xenshiftd for `what` (a phase or @EVENT) and follow it as until
 * says, showing the progress.  timeout_ms 0: no limit.  share: a
 * simulated host shared with a --sim-state daemon (its lock held), or
 * NULL.  When the daemon dies on the way and the one started in its
 * place puts the host back, the request is sent once more.  Returns an
 * exit code.
 */
struct simst;
int CLI_Request(const xs_cli *cli, hv *h, const char *what, cli_until until,
                unsigned timeout_ms, long pid, struct simst *share);

/* output_table.c: text tables with columns as wide as their content */
typedef struct out_table {
    size_t nr_cols;
    size_t nr_rows;
    char **cells;               /* nr_rows * nr_cols, NULL: none */
    bool *right;                /* nr_cols: right-aligned (numbers) */
    size_t next_col;            /* OUT_TableCell's place in the last row */
} out_table;

void OUT_TableInit(out_table *t, size_t nr_cols);
void OUT_TableDispose(out_table *t);
void OUT_TableRight(out_table *t, size_t col);
/*
 * A row of up to nr_cols cells, ended by NULL: a row ended early has its
 * last cell run on over the columns it lacks.  "" is an empty cell.
 */
void OUT_TableRow(out_table *t, const char *first, ...)
    __attribute__((sentinel));
/* A row of n cells (n <= nr_cols); a NULL cell ends it as above. */
void OUT_TableRowArray(out_table *t, const char *const *cells, size_t n);
/* A row built a cell at a time: OUT_TableNewRow, then OUT_TableCell. */
void OUT_TableNewRow(out_table *t);
void OUT_TableCell(out_table *t, const char *cell);
/* Every row, each line after indent (NULL: none). */
void OUT_TablePrint(const out_table *t, FILE *f, const char *indent);

/* output.c: what all output shares */
const char *OUT_Size(uint64_t kib, char *buf, size_t len);
void OUT_Error(const xs_cli *cli, const xs_err *err, const char *context);

/* What failed: "kind" in the failure document, see xenshift(1). */
typedef enum {
    OUT_FAIL_TABLE,             /* the table cannot be loaded */
    OUT_FAIL_PHASE,             /* no such phase in the table */
    OUT_FAIL_EVENT,             /* no trigger for the @EVENT */
    OUT_FAIL_HOST,              /* the host cannot be opened, read, saved */
    OUT_FAIL_LOCK,              /* another transition holds the host */
    OUT_FAIL_PLAN,              /* the planner refuses */
    OUT_FAIL_DOMAIN,            /* the domain is not running */
    OUT_FAIL_VETO,              /* a pre hook said no: nothing changed */
    OUT_FAIL_APPLY,             /* the transition failed */
    OUT_FAIL_DAEMON,            /* xenshiftd cannot be asked or is silent */
    OUT_FAIL_TIMELINE,          /* apply --timeline FILE cannot be written */
    OUT_FAIL_RECOVER,           /* a dead transition could not be undone */
    OUT_FAIL_INTERNAL,          /* out of memory */
} out_fail_kind;

const char *OUT_FailKindName(out_fail_kind kind);
/*
 * Every failure of a command (exit 1) goes through here: the message on
 * stderr as OUT_Error prints it and, with -j, one JSON document on
 * stdout saying why -- unless this process has already printed its
 * JSON document, so that stdout never holds two.
 */
void OUT_Fail(const xs_cli *cli, out_fail_kind kind, const xs_err *err,
              const char *context);
/* The same for a message of its own: "PROG: message" on stderr. */
void OUT_Failf(const xs_cli *cli, out_fail_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void OUT_Host(FILE *f, const xs_snapshot *snap, const char *driver);
/* xenshiftd's answer to apply's request, as apply -j prints it */
typedef struct out_answer {
    const char *id;
    const char *asked;          /* the phase or @EVENT sent */
    const char *state;
    const char *phase;          /* NULL: none in the answer */
    const char *message;
    long pid;                   /* the daemon that answered */
    long long capacity_ms;      /* -1: not reached */
    long long placement_ms;
    /* the request asked first, whose daemon died: NULL when none */
    const char *interrupted_id;
    const char *interrupted_message;
} out_answer;

void OUT_AnswerJson(FILE *f, const out_answer *a);

/* output_check.c: xenshift check */
void OUT_CheckSummary(FILE *f, const tbl_table *t);
/*
 * err: a table error, or NULL; not_checked: why no host was at hand,
 * or NULL; r: what plan will refuse (errors) and warnings, or NULL.
 */
void OUT_CheckJson(FILE *f, const char *path, const xs_err *err,
                   const char *driver, const char *not_checked,
                   const hchk_report *r);
/* One line per finding: "FILE[:LINE:COL]: error|warning: ...". */
void OUT_CheckFindings(FILE *f, const char *path, const hchk_report *r);

/* output_status.c: the table and the host now: phases, schedule, status */
void OUT_Phases(FILE *f, const tbl_table *t);
void OUT_PhasesJson(FILE *f, const tbl_table *t);
/* The triggers and the next count fire times of each "at" after now. */
void OUT_Schedule(FILE *f, const tbl_table *t, time_t now, unsigned count);
void OUT_ScheduleJson(FILE *f, const tbl_table *t, time_t now,
                      unsigned count);

/* output_plan.c: the plan */
void OUT_Plan(FILE *f, const plan *p);
void OUT_PlanJson(FILE *f, const plan *p);

/* output_report.c: apply's and mem-move's report */
/*
 * after: the check of the phase once every step ran (apply: the
 * transition's res.after), for the node shortfalls; NULL for mem-move.
 */
/*
 * prep: where the time before the first step went (apply), or NULL
 * (mem-move).
 */
void OUT_Report(FILE *f, const plan *p, const exec_report *r,
                bool rollback, const reach_result *after,
                const trn_prep *prep);
/* What mem-move did, against what it was asked (see xenshift(1)). */
typedef enum {
    OUT_MOVE_GOAL,              /* at least the goal is on the node */
    OUT_MOVE_PART,              /* short of the goal (soft: exit 0) */
    OUT_MOVE_NONE,              /* nothing moved: exit 1 */
} out_move_verdict;

typedef struct out_move {
    out_move_verdict verdict;
    const char *domain;
    int node;
    unsigned goal_pct;
    bool known_before;          /* where its memory lay before is known */
    unsigned pct_before, pct_after;     /* of its memory on the node */
} out_move;

/* mem-move's report: each domain as OUT_Report, then the verdict. */
void OUT_MoveReport(FILE *f, const plan *p, const exec_report *r,
                    const out_move *mv);
void OUT_ReportJson(FILE *f, const plan *p, const exec_report *r,
                    const reach_result *after, const trn_prep *prep);

/* A phase and whether the host is in it now (for status). */
typedef struct xs_phase_match {
    const char *name;
    reach_result reach;         /* REACH_Phase: in it, or the difference */
} xs_phase_match;

/* A transition's journal found by status, and whether its process lives. */
typedef struct out_journal {
    jnl_entry j;                /* j.present false: none */
    int alive;                  /* 1: a process holds the lock, 0: it
                                 * died, -1: cannot be told (why) */
    char holder[128];           /* "xenshiftd 1234", when alive */
    char why[sizeof(((xs_err *)0)->msg)];
} out_journal;

void OUT_Status(FILE *f, const xs_snapshot *snap, const tbl_table *t,
                const xs_phase_match *m, size_t nr, const char *driver,
                int verbose);
/* The line status adds for a journal (nothing without one). */
void OUT_StatusJournal(FILE *f, const out_journal *oj);
void OUT_StatusJson(FILE *f, const xs_snapshot *snap, const tbl_table *t,
                    const xs_phase_match *m, size_t nr, const char *driver,
                    const out_journal *oj);

/*
 * output_progress.c: progress of apply, fed by EXEC_Run's callback (OUT_Progress).  One
 * line per step as it begins and ends; on a terminal also one status
 * line, rewritten with \r, with the memory of every domain that moves;
 * with verbose, the stages and (not on a terminal) every reading.
 * Capacity is told when it is reached, placement too when the plan
 * moves memory.
 */
typedef struct out_moving {
    const plan_action *act;
    uint64_t now_kib;
    bool seen;                  /* now_kib is a reading */
    bool active;
    uint64_t printed_ms;        /* last reading printed as a line */
} out_moving;

typedef struct out_progress {
    FILE *f;                    /* NULL: print nothing */
    bool tty;
    int verbose;
    bool status_shown;          /* a \r line is on the screen */
    out_moving *moving;         /* every action of the plan */
    size_t nr_moving;
    const plan *p;              /* the plan whose actions those are */
    size_t stage_first[PLAN_NR_STAGES + 1];  /* index in moving, per stage */
    size_t nr_relocations;      /* placement is told when it has any */
} out_progress;

void OUT_ProgressInit(out_progress *pg, FILE *f, bool tty, int verbose);
void OUT_ProgressDispose(out_progress *pg);
void OUT_ProgressHeader(out_progress *pg, const plan *p);
exec_progress_fn OUT_Progress;

/* output_timeline.c: xenshift show's lists */
typedef struct out_timeline {
    char id[128];
    char path[4300];
    time_t mtime;
    char title[1024];           /* "" when it cannot be read */
} out_timeline;

void OUT_Timelines(FILE *f, const char *dir, const out_timeline *tl,
                   size_t nr);
void OUT_TimelinesJson(FILE *f, const char *dir, const out_timeline *tl,
                       size_t nr);
void OUT_TimelineJson(FILE *f, const out_timeline *tl);

/* output_recover.c: xenshift recover, and apply's note before its own */
void OUT_Recovery(FILE *f, const out_recovery *r);
void OUT_RecoveryJson(FILE *f, const out_recovery *r);
void OUT_RecoveryNote(FILE *f, const char *progname, const out_recovery *r);

#endif
