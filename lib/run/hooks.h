/*
 * hooks.h - the hook runner: the executables of a directory, run in
 * lexical order before and after each transition and each domain
 * change (see hooks/README.md and xenshift-hooks(7)).
 *
 * No shell: each hook is started with fork + execve, with a clean
 * environment that the caller describes in a hook_call, stdin from
 * /dev/null, stdout and stderr captured, and a time limit.  A pre-*
 * hook that does not exit 0 vetoes the change and the remaining pre
 * hooks are not run; post hooks all run and their failures are only
 * reported.  The runner never prints: it returns a result per hook.
 *
 * The caller must not set SIGCHLD to SIG_IGN (the hooks could not be
 * reaped) and must not reap children it did not start itself.
 */
#ifndef XENSHIFT_HOOKS_H
#define XENSHIFT_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define HOOK_DEFAULT_DIR "/etc/xenshift/hooks.d"
#define HOOK_DEFAULT_TIMEOUT_MS 10000u
#define HOOK_DEFAULT_GRACE_MS 2000u         /* SIGTERM, then SIGKILL */
#define HOOK_DEFAULT_MAX_OUTPUT (64u * 1024u)
#define HOOK_PATH "/usr/sbin:/usr/bin:/sbin:/bin"
#define HOOK_NAME_MAX 256
#define HOOK_TRUNCATED "(output truncated)"

/* HOOK_Run's result when a pre hook said no. */
#define HOOK_VETOED 1

typedef enum {
    HOOK_PRE_TRANSITION,
    HOOK_POST_TRANSITION,
    HOOK_PRE_DOMAIN,
    HOOK_POST_DOMAIN,
    HOOK_FAILED,                /* a transition failed (rolled back) */
} hook_event;

#define HOOK_NR_EVENTS 5

/* "pre-transition", ...; "unknown" for a value out of range. */
const char *HOOK_EventName(hook_event e);

/* The inverse of HOOK_EventName: 0, or -1 when name is none of them. */
int HOOK_EventFromName(const char *name, hook_event *e);

/* True for the events whose hooks can veto (pre-transition, pre-domain). */
bool HOOK_EventIsPre(hook_event e);

/*
 * What the hooks are told.  Strings are borrowed; NULL or "" (and
 * domid < 0, memory_kib 0, vcpus 0) mean "not known", and the
 * variable is then left out of the environment.
 */
typedef struct hook_call {
    hook_event event;
    const char *phase;          /* required: the phase being entered */
    const char *from_phase;     /* XENSHIFT_FROM_PHASE */
    const char *domain;         /* 3rd argument and XENSHIFT_DOMAIN */
    int domid;                  /* XENSHIFT_DOMID */
    uint64_t memory_kib;        /* XENSHIFT_MEMORY_KIB: the target */
    unsigned vcpus;             /* XENSHIFT_VCPUS: the target */
    const char *request_id;     /* XENSHIFT_REQUEST_ID */
    const char *result;         /* XENSHIFT_RESULT (post, failed): "ok",
                                   "failed" or "vetoed" */
    const char *message;        /* XENSHIFT_MESSAGE: why, when not ok */
} hook_call;

/* Everything unknown: domid -1, the rest NULL/0, event pre-transition. */
void HOOK_CallInit(hook_call *c);

typedef struct hook_opts {
    const char *dir;            /* NULL: HOOK_DEFAULT_DIR */
    unsigned timeout_ms;        /* per hook; 0: no limit */
    unsigned grace_ms;          /* SIGTERM to SIGKILL */
    size_t max_output;          /* bytes kept per hook */
} hook_opts;

void HOOK_DefaultOpts(hook_opts *o);

typedef enum {
    HOOK_RES_EXITED,            /* status is the exit code */
    HOOK_RES_SIGNALED,          /* sig ended it (not the runner) */
    HOOK_RES_TIMED_OUT,         /* over the limit; sig: SIGTERM or SIGKILL */
    HOOK_RES_EXEC_FAILED,       /* execve failed: sys_errno */
    HOOK_RES_START_FAILED,      /* pipe, fork or wait failed: sys_errno */
} hook_res_kind;

typedef struct hook_result {
    char name[HOOK_NAME_MAX];   /* the file's name in the directory */
    hook_res_kind kind;
    int status;                 /* EXITED */
    int sig;                    /* SIGNALED, TIMED_OUT */
    int sys_errno;              /* EXEC_FAILED, START_FAILED */
    unsigned limit_ms;          /* the time limit it ran under */
    uint64_t elapsed_ms;        /* CLOCK_MONOTONIC, start to reaped */
    /*
     * stdout and stderr as written (interleaved), NUL-terminated; when
     * more than max_output bytes came, the first max_output and then a
     * line HOOK_TRUNCATED.  Never NULL in a result handed out.
     */
    char *output;
    size_t output_len;
    bool truncated;
    /*
     * One line for a log: "exited with status 0", "killed by signal 10
     * (SIGUSR1)", "timed out after 10 s", "timed out after 10 s, killed
     * with SIGKILL", "could not be run: Exec format error",
     * "could not be started: pipe: Too many open files",
     * "could not be waited for: waitid: No child processes".
     */
    char what[160];
} hook_result;

/* True when r is a success: exited with status 0. */
bool HOOK_ResultOk(const hook_result *r);

typedef struct hook_skip {
    char name[HOOK_NAME_MAX];
    char why[128];              /* "hidden", "backup file", ... */
} hook_skip;

typedef struct hook_report {
    char dir[4096];
    bool dir_missing;           /* no such directory: no hooks, no error */
    hook_result *results;       /* the hooks run, in order */
    size_t nr_results;
    hook_skip *skipped;         /* entries not run, and why */
    size_t nr_skipped;
    size_t nr_failed;           /* results that are not HOOK_ResultOk */
    bool vetoed;
    char veto_hook[HOOK_NAME_MAX];
    int veto_status;            /* exit code; -1 when it did not exit */
    char veto_msg[256];         /* first output line, else its "what" */
} hook_report;

void HOOK_ReportInit(hook_report *r);
void HOOK_ReportDispose(hook_report *r);

/* Called as each hook finishes, before the next one starts. */
typedef void hook_result_fn(void *ctx, const hook_result *r);

/*
 * Run the hooks of o->dir (o NULL: the defaults) for c.  report (which
 * must have been _Init'ed) is reset and filled; done (may be NULL) is
 * called per hook.
 *
 * Returns 0 when every hook ran and none vetoed (a failing post hook
 * is in the report, not an error), HOOK_VETOED when a pre hook did
 * not exit 0 (the veto_* fields say which and why), and -1 with err
 * set when the directory cannot be read, the call is invalid, or a
 * pipe, fork or wait failed (such a hook's result is START_FAILED; for
 * pre events nothing more runs, post hooks after it still run).
 */
int HOOK_Run(const hook_opts *o, const hook_call *c, hook_result_fn *done,
             void *ctx, hook_report *report, xs_err *err);

#endif
