/*
 * cmd_apply.c - xenshift apply PHASE|@EVENT: the host moved to a phase,
 * through xenshiftd when it runs, else in this process under the host's
 * lock (hooks, journal, executor: TRN_Execute).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lock.h"
#include "sim_state.h"
#include "timeline.h"
#include "transition.h"
#include "xenshift.h"

typedef struct apply_args {
    bool dry_run;
    bool no_wait;
    bool until_capacity;        /* --until capacity */
    unsigned wait_timeout_ms;   /* 0: none */
    bool progress;              /* --progress: lines on stderr with -j */
    const char *hooks_dir;      /* --hooks-dir, or NULL: the default */
    bool no_hooks;              /* --no-hooks */
    const char *timeline;       /* --timeline FILE, or NULL */
    exec_opts eo;
    const char *phase;
} apply_args;

static int apply_opts(xs_cli *cli, const xs_cmd *self, int argc, char **argv,
                      apply_args *a)
{
    static const struct option opts[] = {
        { "json", no_argument, NULL, 'j' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { "dry-run", no_argument, NULL, 'n' },
        { "stuck-timeout", required_argument, NULL, 's' },
        { "timeout", required_argument, NULL, 't' },
        { "no-rollback", no_argument, NULL, 'R' },
        { "progress", no_argument, NULL, 'p' },
        { "no-wait", no_argument, NULL, 'W' },
        { "wait", no_argument, NULL, 'w' },
        { "wait-timeout", required_argument, NULL, 'T' },
        { "until", required_argument, NULL, 'U' },
        { "hooks-dir", required_argument, NULL, 'H' },
        { "no-hooks", no_argument, NULL, 'N' },
        { "timeline", required_argument, NULL, 'L' },
        { NULL, 0, NULL, 0 },
    };
    int opt, rc;

    EXEC_DefaultOpts(&a->eo);
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":jvhn", opts, NULL)) != -1) {
        switch (opt) {
        case 'n':
            a->dry_run = true;
            break;
        case 's':
            rc = CMD_SecondsOpt(cli, self, "--stuck-timeout", optarg,
                                &a->eo.stuck_ms);
            if (rc != CMD_GO_ON)
                return rc;
            break;
        case 't':
            rc = CMD_SecondsOpt(cli, self, "--timeout", optarg,
                                &a->eo.stage_timeout_ms);
            if (rc != CMD_GO_ON)
                return rc;
            break;
        case 'R':
            a->eo.rollback = false;
            break;
        case 'p':
            a->progress = true;
            break;
        case 'W':
            a->no_wait = true;
            break;
        case 'H':
            a->hooks_dir = optarg;
            break;
        case 'N':
            a->no_hooks = true;
            break;
        case 'L':
            a->timeline = optarg;
            break;
        case 'w':
            a->no_wait = false;
            break;
        case 'U':
            if (strcmp(optarg, "capacity") && strcmp(optarg, "end"))
                return CMD_UsageError(cli, self, "--until: expected "
                                      "'capacity' or 'end', got '%s'",
                                      optarg);
            a->until_capacity = strcmp(optarg, "capacity") == 0;
            break;
        case 'T':
            rc = CMD_SecondsOpt(cli, self, "--wait-timeout", optarg,
                                &a->wait_timeout_ms);
            if (rc != CMD_GO_ON)
                return rc;
            break;
        default:
            rc = CMD_CommonOpt(cli, self, opt, argv);
            if (rc != CMD_GO_ON)
                return rc;
        }
    }
    rc = CMD_CheckArgs(cli, self, argc, argv, 1, 1);
    if (rc != CMD_GO_ON)
        return rc;
    a->phase = argv[optind];
    return CMD_GO_ON;
}

static cli_until request_until(const apply_args *a)
{
    if (a->no_wait)
        return CLI_UNTIL_QUEUED;
    return a->until_capacity ? CLI_UNTIL_CAPACITY : CLI_UNTIL_END;
}

/*
 * When xenshiftd runs, it does the work: returns its exit code, or -1.
 * A simulated host is another process's only when shared through
 * --sim-state (a --sim-state xenshiftd then answers through the file).
 * When it returns -1 with the host opened to look for the daemon, *keep
 * gets it: apply goes on with it rather than opening the host again.
 */
static int apply_via_daemon(const xs_cli *cli, const apply_args *a,
                            hv **keep)
{
    simst share;
    xs_err err;
    long pid;
    hv *h;
    int rc = -1;

    if ((cli->sim && !cli->sim_state) || a->dry_run)
        return -1;
    h = CMD_OpenHost(cli, &err);
    if (!h)
        return -1;      /* CMD_Prepare() says why */
    if (!CLI_DaemonRunning(h, &pid)) {
        *keep = h;
        return -1;
    }
    /* The daemon runs the hooks it was started with, not ours. */
    if (a->hooks_dir || a->no_hooks) {
        ERR_Set(&err, "xenshiftd (pid %ld) runs this transition with its "
                "own hooks: give --hooks-dir or --no-hooks to xenshiftd",
                pid);
        OUT_Error(cli, &err, "apply");
        rc = XS_EXIT_FAIL;
        goto out;
    }
    /* Its picture is drawn by the daemon, into its own directory. */
    if (a->timeline) {
        ERR_Set(&err, "xenshiftd (pid %ld) runs this transition and keeps "
                "its timeline: see 'xenshift show'; leave out --timeline",
                pid);
        OUT_Error(cli, &err, "apply");
        rc = XS_EXIT_FAIL;
        goto out;
    }
    if (!cli->sim) {
        rc = CLI_Request(cli, h, a->phase, request_until(a),
                         a->wait_timeout_ms, pid, NULL);
        goto out;
    }
    if (SIMST_Init(&share, h, cli->sim_state, cli->sim_lock, "xenshift",
                   &err)) {
        OUT_Error(cli, &err, NULL);
        rc = XS_EXIT_FAIL;
        goto out;
    }
    rc = CLI_Request(cli, h, a->phase, request_until(a), a->wait_timeout_ms,
                     pid, &share);
    SIMST_Dispose(&share);
out:
    /* Not close_host: what the request changed is saved already. */
    HV_Close(h);
    return rc;
}

/*
 * --timeline FILE is opened before the first change: a file that cannot
 * be written stops apply while nothing has changed.
 */
static FILE *timeline_open(const xs_cli *cli, const char *path)
{
    FILE *f = fopen(path, "w");

    if (!f)
        OUT_Failf(cli, OUT_FAIL_TIMELINE, "cannot write the timeline %s: "
                  "%s; nothing was changed", path, strerror(errno));
    return f;
}

/*
 * After the transition, whatever its end.  A picture that cannot be
 * written is said, and changes nothing of the transition or of the exit
 * code.
 */
static void timeline_close(const xs_cli *cli, const tl_timeline *tl, FILE *f,
                           const char *path)
{
    int rc = TL_WriteSvg(tl, f), saved = errno;

    if (fclose(f) && !rc) {
        rc = -1;
        saved = errno;
    }
    if (rc)
        fprintf(stderr, "%s: warning: cannot write the timeline %s: %s; the "
                "transition is not affected by it\n", cli->progname, path,
                strerror(saved));
}

/* How the transition runs: journal, timed preparation, hooks. */
static void apply_trn_opts(const xs_cli *cli, const apply_args *a,
                           trn_prep *prep, hook_opts *hooks, trn_opts *o)
{
    TRN_DefaultOpts(o);
    o->exec = a->eo;
    o->journal = true;
    o->prep = prep;
    /* A simulated host runs only the hooks it is given, not the host's. */
    if (!a->no_hooks && (!cli->sim || a->hooks_dir)) {
        HOOK_DefaultOpts(hooks);
        if (a->hooks_dir)
            hooks->dir = a->hooks_dir;
        o->hooks = hooks;
    }
}

/* How it ended: the report, or why nothing was applied. */
static void apply_report(const xs_cli *cli, const apply_args *a,
                         const plan *p, const exec_report *rep,
                         const trn_result *res, const trn_prep *prep)
{
    if (res->outcome == TRN_VETOED ||
        (res->outcome == TRN_FAILED && !rep->nr_doms)) {
        /* Vetoed, or failed before the executor ran: no report. */
        char ctx[HV_NAME_MAX + 16];
        xs_err why;

        snprintf(ctx, sizeof(ctx), "%s not applied", a->phase);
        ERR_Set(&why, "%s", res->message);
        OUT_Fail(cli, res->outcome == TRN_VETOED ? OUT_FAIL_VETO
                                                 : OUT_FAIL_APPLY, &why, ctx);
    } else if (cli->json) {
        OUT_ReportJson(stdout, p, rep, &res->after, prep);
    } else {
        OUT_Report(stdout, p, rep, a->eo.rollback, &res->after, prep);
    }
}

int CMD_Apply(xs_cli *cli, int argc, char **argv)
{
    struct sigaction saved[CMD_NR_INTERRUPTS];
    const xs_cmd *self = CMD_Find("apply");
    apply_args a = { .dry_run = false };
    out_progress pg;
    tbl_table t;
    xs_snapshot snap;
    exec_report rep;
    trn_result res;
    trn_opts o;
    hook_opts hooks;
    trn_prep prep = { .start_ms = 0 };
    xs_lock lock;
    tl_timeline tl;
    FILE *tlf = NULL;
    bool have_tl = false;
    exec_progress_fn *progress = OUT_Progress;
    void *progress_ctx = &pg;
    uint64_t t0;
    plan p;
    hv *h = NULL;
    int rc;

    CMD_OutliveReader();
    rc = apply_opts(cli, self, argc, argv, &a);
    if (rc != CMD_GO_ON)
        return rc;
    rc = apply_via_daemon(cli, &a, &h);
    if (rc >= 0)
        return rc;
    if (h)
        TRN_PrepInit(&prep, h);

    TBL_Init(&t);
    SNAP_Init(&snap);
    PLAN_Init(&p);
    EXEC_ReportInit(&rep);
    LOCK_Init(&lock);
    OUT_ProgressInit(&pg, NULL, false, cli->verbose);
    rc = XS_EXIT_FAIL;
    /* No daemon: this process makes the changes, alone on the host. */
    if (!cli->sim && !a.dry_run) {
        t0 = h ? HV_NowMs(h) : 0;
        if (CMD_TakeHostLock(cli, &lock, "xenshift-apply"))
            goto out;
        if (h)
            TRN_PrepAdd(&prep, h, TRN_PREP_LOCK, t0);
    }
    if (CMD_Prepare(cli, &a.phase, &t, &snap, &p, &h, &prep, !a.dry_run))
        goto out;
    if (a.dry_run) {
        CMD_PrintPlan(cli, &snap, h, &p);
        rc = XS_EXIT_OK;
        goto out;
    }
    progress_ctx = &pg;
    if (a.timeline) {
        /* In front of the progress lines, from the same events. */
        if (TL_Init(&tl, &p, OUT_Progress, &pg)) {
            TL_Dispose(&tl);
            OUT_Failf(cli, OUT_FAIL_INTERNAL, "out of memory");
            goto out;
        }
        have_tl = true;
        tlf = timeline_open(cli, a.timeline);
        if (!tlf)
            goto out;
        progress = TL_OnEvent;
        progress_ctx = &tl;
    }
    /* In JSON mode stdout holds only the final document. */
    if (!cli->json)
        OUT_ProgressInit(&pg, stdout, isatty(STDOUT_FILENO), cli->verbose);
    else if (a.progress)
        OUT_ProgressInit(&pg, stderr, isatty(STDERR_FILENO), cli->verbose);
    OUT_ProgressHeader(&pg, &p);
    apply_trn_opts(cli, &a, &prep, &hooks, &o);
    o.exec.cancel = CMD_CatchInterrupts(saved);
    rc = TRN_Execute(h, &t, &snap, &p, &o, progress, progress_ctx, &rep, &res)
             ? XS_EXIT_FAIL : XS_EXIT_OK;
    CMD_RestoreInterrupts(saved);
    if (tlf) {
        TL_SetResult(&tl, &res, &rep);
        timeline_close(cli, &tl, tlf, a.timeline);
        tlf = NULL;
    }
    apply_report(cli, &a, &p, &rep, &res, &prep);
out:
    if (have_tl)
        TL_Dispose(&tl);
    LOCK_Release(&lock);
    OUT_ProgressDispose(&pg);
    EXEC_ReportDispose(&rep);
    PLAN_Dispose(&p);
    SNAP_Dispose(&snap);
    if (CMD_CloseHost(cli, h))
        rc = XS_EXIT_FAIL;
    TBL_Dispose(&t);
    return rc;
}
