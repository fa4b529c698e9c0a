/*
 * cmd_table.c - the command table and the commands of xenshift.
 *
 * Each command parses its own options with getopt_long, opens what it
 * needs, and returns an exit code: 0 ok, 1 failure, 2 usage error.
 */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "units.h"
#include "xenshift.h"

static int cmd_help(xs_cli *cli, int argc, char **argv);
static int cmd_version(xs_cli *cli, int argc, char **argv);
static int cmd_check(xs_cli *cli, int argc, char **argv);
static int cmd_phases(xs_cli *cli, int argc, char **argv);
static int cmd_plan(xs_cli *cli, int argc, char **argv);
static int cmd_apply(xs_cli *cli, int argc, char **argv);
static int cmd_status(xs_cli *cli, int argc, char **argv);

const xs_cmd xs_cmds[] = {
    { "check", cmd_check, "validate the phase table",
      "[FILE]",
      "" },
    { "phases", cmd_phases, "show the phase table (Fig. 9 style)",
      "",
      "  -j, --json     JSON output\n" },
    { "plan", cmd_plan, "show the steps that would reach a phase",
      "PHASE",
      "  -j, --json     JSON output\n" },
    { "apply", cmd_apply, "move the host to a phase, step by step",
      "PHASE",
      "  -j, --json              JSON output (the final report)\n"
      "  -n, --dry-run           only plan (same as 'plan')\n"
      "      --stuck-timeout S   a balloon without progress for S seconds "
      "is stuck (default 5)\n"
      "      --timeout S         limit for each stage, seconds "
      "(default 120)\n"
      "      --no-rollback       leave the host as it is on failure\n"
      "      --progress          progress lines on stderr with --json\n" },
    { "status", cmd_status, "show each domain now, and which phase matches",
      "",
      "  -j, --json     JSON output\n" },
    { "help", cmd_help, "show help for a command",
      "[COMMAND]",
      "" },
    { "version", cmd_version, "show the version",
      "",
      "" },
    { NULL, NULL, NULL, NULL, NULL },
};

const xs_cmd *CMD_Find(const char *name)
{
    size_t i;

    for (i = 0; xs_cmds[i].name; i++)
        if (strcmp(xs_cmds[i].name, name) == 0)
            return &xs_cmds[i];
    return NULL;
}

void CMD_Usage(FILE *f, const char *progname, const xs_cmd *cmd)
{
    fprintf(f, "Usage: %s [-c FILE] [--sim FIXTURE] %s%s%s\n\n%s.\n",
            progname, cmd->name, cmd->usage[0] ? " " : "", cmd->usage,
            cmd->summary);
    if (cmd->options[0])
        fprintf(f, "\nOptions:\n%s", cmd->options);
}

int CMD_UsageError(xs_cli *cli, const xs_cmd *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s %s: ", cli->progname, cmd->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nSee '%s help %s'.\n", cli->progname, cmd->name);
    return XS_EXIT_USAGE;
}

/*
 * Options shared by the simple commands: -j and -h.  Returns -1 to go
 * on, or an exit code.  Unknown options are usage errors.
 */
static int simple_opts(xs_cli *cli, const xs_cmd *cmd, int argc, char **argv,
                       int min_args, int max_args)
{
    static const struct option opts[] = {
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int opt, nargs;

    optind = 0;
    while ((opt = getopt_long(argc, argv, "+jh", opts, NULL)) != -1) {
        switch (opt) {
        case 'j':
            cli->json = true;
            break;
        case 'h':
            CMD_Usage(stdout, cli->progname, cmd);
            return XS_EXIT_OK;
        default:
            return CMD_UsageError(cli, cmd, "unknown option '%s'",
                                  argv[optind - 1]);
        }
    }
    nargs = argc - optind;
    if (nargs < min_args)
        return CMD_UsageError(cli, cmd, "missing argument: %s", cmd->usage);
    if (nargs > max_args)
        return CMD_UsageError(cli, cmd, "unexpected argument '%s'",
                              argv[optind + max_args]);
    return -1;
}

static hv *open_host(const xs_cli *cli, xs_err *err)
{
    if (cli->sim)
        return HV_OpenSim(cli->sim, err);
    return HV_OpenXen(err);
}

static int load_table(const xs_cli *cli, tbl_table *t)
{
    xs_err err;

    if (TBL_Load(cli->config, t, &err)) {
        OUT_Error(cli, &err, NULL);
        return -1;
    }
    return 0;
}

/* Open the host and take a snapshot; errors printed. */
static hv *open_snapshot(const xs_cli *cli, xs_snapshot *snap)
{
    xs_err err;
    hv *h = open_host(cli, &err);

    if (!h) {
        OUT_Error(cli, &err, "cannot open the host");
        return NULL;
    }
    if (SNAP_Take(h, snap, &err)) {
        OUT_Error(cli, &err, "cannot read the host");
        HV_Close(h);
        return NULL;
    }
    return h;
}

static void unknown_phase(const xs_cli *cli, const tbl_table *t,
                          const char *phase)
{
    size_t i;

    fprintf(stderr, "%s: no phase \"%s\" in %s; the phases are:", cli->progname,
            phase, t->path);
    for (i = 0; i < t->nr_phases; i++)
        fprintf(stderr, " %s", t->phases[i].name);
    fprintf(stderr, "\n");
}

/* --- help, version ------------------------------------------------------ */

static int cmd_help(xs_cli *cli, int argc, char **argv)
{
    const xs_cmd *self = CMD_Find("help"), *cmd;
    int rc = simple_opts(cli, self, argc, argv, 0, 1);

    if (rc >= 0)
        return rc;
    if (optind == argc) {
        printf("Usage: %s [-c FILE] [--sim FIXTURE] [-v] [-j] COMMAND "
               "[ARGS]\n\nCommands:\n", cli->progname);
        for (cmd = xs_cmds; cmd->name; cmd++)
            printf("  %-10s %s\n", cmd->name, cmd->summary);
        printf("\nSee '%s help COMMAND' for a command's options.\n",
               cli->progname);
        return XS_EXIT_OK;
    }
    cmd = CMD_Find(argv[optind]);
    if (!cmd)
        return CMD_UsageError(cli, self, "unknown command '%s'",
                              argv[optind]);
    CMD_Usage(stdout, cli->progname, cmd);
    return XS_EXIT_OK;
}

static int cmd_version(xs_cli *cli, int argc, char **argv)
{
    int rc = simple_opts(cli, CMD_Find("version"), argc, argv, 0, 0);

    if (rc >= 0)
        return rc;
    printf("xenshift %s\n", PACKAGE_VERSION);
    return XS_EXIT_OK;
}

/* --- check -------------------------------------------------------------- */

static int cmd_check(xs_cli *cli, int argc, char **argv)
{
    tbl_table t;
    xs_snapshot snap;
    xs_err err;
    hv *h = NULL;
    int rc = simple_opts(cli, CMD_Find("check"), argc, argv, 0, 1);

    if (rc >= 0)
        return rc;
    if (optind < argc)
        cli->config = argv[optind];
    TBL_Init(&t);
    SNAP_Init(&snap);
    rc = XS_EXIT_FAIL;
    if (load_table(cli, &t))
        goto out;
    h = open_host(cli, &err);
    if (!h) {
        if (cli->sim) {
            OUT_Error(cli, &err, "cannot open the simulated host");
            goto out;
        }
        printf("%s: configuration OK (not checked against a host: %s)\n",
               t.path, err.msg);
        rc = XS_EXIT_OK;
        goto out;
    }
    if (SNAP_Take(h, &snap, &err)) {
        OUT_Error(cli, &err, "cannot read the host");
        goto out;
    }
    if (TBL_CheckHost(&t, &snap.host, snap.doms, snap.nr_doms, &err)) {
        OUT_Error(cli, &err, NULL);
        goto out;
    }
    printf("%s: configuration OK\n", t.path);
    rc = XS_EXIT_OK;
out:
    SNAP_Dispose(&snap);
    HV_Close(h);
    TBL_Dispose(&t);
    return rc;
}

/* --- phases ------------------------------------------------------------- */

static int cmd_phases(xs_cli *cli, int argc, char **argv)
{
    tbl_table t;
    int rc = simple_opts(cli, CMD_Find("phases"), argc, argv, 0, 0);

    if (rc >= 0)
        return rc;
    TBL_Init(&t);
    if (load_table(cli, &t))
        return XS_EXIT_FAIL;
    if (cli->json)
        OUT_PhasesJson(stdout, &t);
    else
        OUT_Phases(stdout, &t);
    TBL_Dispose(&t);
    return XS_EXIT_OK;
}

/* --- plan --------------------------------------------------------------- */

/* Load the table, take a snapshot, make the plan: shared by plan/apply. */
static int prepare(xs_cli *cli, const char *phase, tbl_table *t,
                   xs_snapshot *snap, plan *p, hv **hp)
{
    xs_err err;

    *hp = NULL;
    if (load_table(cli, t))
        return -1;
    if (!TBL_FindPhase(t, phase)) {
        unknown_phase(cli, t, phase);
        return -1;
    }
    *hp = open_snapshot(cli, snap);
    if (!*hp)
        return -1;
    if (PLAN_Make(snap, t, phase, p, &err)) {
        char ctx[HV_NAME_MAX + 32];

        snprintf(ctx, sizeof(ctx), "cannot plan %s", phase);
        OUT_Error(cli, &err, ctx);
        return -1;
    }
    return 0;
}

static int cmd_plan(xs_cli *cli, int argc, char **argv)
{
    tbl_table t;
    xs_snapshot snap;
    plan p;
    hv *h = NULL;
    int rc = simple_opts(cli, CMD_Find("plan"), argc, argv, 1, 1);

    if (rc >= 0)
        return rc;
    TBL_Init(&t);
    SNAP_Init(&snap);
    PLAN_Init(&p);
    rc = XS_EXIT_FAIL;
    if (prepare(cli, argv[optind], &t, &snap, &p, &h))
        goto out;
    if (cli->json)
        OUT_PlanJson(stdout, &p);
    else
        OUT_Plan(stdout, &p);
    rc = XS_EXIT_OK;
out:
    PLAN_Dispose(&p);
    SNAP_Dispose(&snap);
    HV_Close(h);
    TBL_Dispose(&t);
    return rc;
}

/* --- apply -------------------------------------------------------------- */

typedef struct progress_ctx {
    FILE *f;                    /* NULL: quiet */
    bool tty;                   /* rewrite a status line with \r */
    bool status_shown;
} progress_ctx;

static void progress_line(progress_ctx *pc, const exec_event *ev,
                          const char *what, const char *text)
{
    bool undo = ev->rolling_back && ev->kind != EXEC_EV_ROLLBACK_BEGIN &&
                ev->kind != EXEC_EV_ROLLBACK_DONE;

    if (pc->status_shown) {
        fprintf(pc->f, "\r\033[K");
        pc->status_shown = false;
    }
    fprintf(pc->f, "[%5.1fs] %s%s%s\n", (double)ev->elapsed_ms / 1000.0,
            undo ? "undo " : "", what, text ? text : "");
    fflush(pc->f);
}

static void on_progress(void *ctx, const exec_event *ev)
{
    progress_ctx *pc = ctx;
    char buf[256], sz[32];

    if (!pc->f)
        return;
    switch (ev->kind) {
    case EXEC_EV_STAGE_BEGIN:
        snprintf(buf, sizeof(buf), "%s (%zu step%s)",
                 PLAN_StageName(ev->stage->kind), ev->stage->nr_acts,
                 ev->stage->nr_acts == 1 ? "" : "s");
        progress_line(pc, ev, "stage ", buf);
        break;
    case EXEC_EV_ACTION_BEGIN:
        progress_line(pc, ev, "  start ",
                      PLAN_DescribeAction(ev->act, buf, sizeof(buf)));
        break;
    case EXEC_EV_PROGRESS:
        /* Only a terminal gets the moving numbers. */
        if (!pc->tty)
            break;
        fprintf(pc->f, "\r\033[K[%5.1fs]   %s at %s",
                (double)ev->elapsed_ms / 1000.0, ev->act->domain,
                OUT_Size(ev->now_kib, sz, sizeof(sz)));
        fflush(pc->f);
        pc->status_shown = true;
        break;
    case EXEC_EV_ACTION_DONE:
        progress_line(pc, ev, "  done  ",
                      PLAN_DescribeAction(ev->act, buf, sizeof(buf)));
        break;
    case EXEC_EV_ACTION_FAILED:
        progress_line(pc, ev, "  FAILED ", ev->msg);
        break;
    case EXEC_EV_ROLLBACK_BEGIN:
        progress_line(pc, ev, "rolling back: ", ev->msg);
        break;
    case EXEC_EV_ROLLBACK_DONE:
        progress_line(pc, ev, "rollback finished", NULL);
        break;
    case EXEC_EV_DONE:
        break;
    }
}

static int parse_seconds(const char *s, unsigned *ms)
{
    char *end;
    double v = strtod(s, &end);

    if (end == s || *end || v < 0 || v > 86400)
        return -1;
    *ms = (unsigned)(v * 1000.0);
    return 0;
}

static int cmd_apply(xs_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { "dry-run", no_argument, NULL, 'n' },
        { "stuck-timeout", required_argument, NULL, 's' },
        { "timeout", required_argument, NULL, 't' },
        { "no-rollback", no_argument, NULL, 'R' },
        { "progress", no_argument, NULL, 'p' },
        { NULL, 0, NULL, 0 },
    };
    const xs_cmd *self = CMD_Find("apply");
    progress_ctx pc = { NULL, false, false };
    bool dry_run = false, progress = false;
    tbl_table t;
    xs_snapshot snap;
    exec_opts eo;
    exec_report rep;
    plan p;
    hv *h = NULL;
    int opt, rc;

    EXEC_DefaultOpts(&eo);
    optind = 0;
    while ((opt = getopt_long(argc, argv, "+jhn", opts, NULL)) != -1) {
        switch (opt) {
        case 'j':
            cli->json = true;
            break;
        case 'h':
            CMD_Usage(stdout, cli->progname, self);
            return XS_EXIT_OK;
        case 'n':
            dry_run = true;
            break;
        case 's':
            if (parse_seconds(optarg, &eo.stuck_ms))
                return CMD_UsageError(cli, self, "--stuck-timeout: expected "
                                      "seconds, got '%s'", optarg);
            break;
        case 't':
            if (parse_seconds(optarg, &eo.stage_timeout_ms))
                return CMD_UsageError(cli, self, "--timeout: expected "
                                      "seconds, got '%s'", optarg);
            break;
        case 'R':
            eo.rollback = false;
            break;
        case 'p':
            progress = true;
            break;
        default:
            return CMD_UsageError(cli, self, "unknown or incomplete option "
                                  "'%s'", argv[optind - 1]);
        }
    }
    if (argc - optind < 1)
        return CMD_UsageError(cli, self, "missing argument: PHASE");
    if (argc - optind > 1)
        return CMD_UsageError(cli, self, "unexpected argument '%s'",
                              argv[optind + 1]);

    TBL_Init(&t);
    SNAP_Init(&snap);
    PLAN_Init(&p);
    EXEC_ReportInit(&rep);
    rc = XS_EXIT_FAIL;
    if (prepare(cli, argv[optind], &t, &snap, &p, &h))
        goto out;
    if (dry_run) {
        if (cli->json)
            OUT_PlanJson(stdout, &p);
        else
            OUT_Plan(stdout, &p);
        rc = XS_EXIT_OK;
        goto out;
    }
    if (!cli->json) {
        pc.f = stdout;
        pc.tty = isatty(STDOUT_FILENO);
    } else if (progress) {
        pc.f = stderr;
        pc.tty = isatty(STDERR_FILENO);
    }
    if (pc.f && p.nr_stages)
        fprintf(pc.f, "Moving the host to phase \"%s\" (%zu stage%s):\n",
                p.phase, p.nr_stages, p.nr_stages == 1 ? "" : "s");
    rc = EXEC_Run(h, &snap, &p, &eo, on_progress, &pc, &rep)
             ? XS_EXIT_FAIL : XS_EXIT_OK;
    if (cli->json)
        OUT_ReportJson(stdout, &p, &rep);
    else
        OUT_Report(stdout, &p, &rep);
out:
    EXEC_ReportDispose(&rep);
    PLAN_Dispose(&p);
    SNAP_Dispose(&snap);
    HV_Close(h);
    TBL_Dispose(&t);
    return rc;
}

/* --- status ------------------------------------------------------------- */

static int cmd_status(xs_cli *cli, int argc, char **argv)
{
    tbl_table t;
    xs_snapshot snap;
    xs_phase_match *m = NULL;
    hv *h = NULL;
    size_t i;
    int rc = simple_opts(cli, CMD_Find("status"), argc, argv, 0, 0);

    if (rc >= 0)
        return rc;
    TBL_Init(&t);
    SNAP_Init(&snap);
    rc = XS_EXIT_FAIL;
    if (load_table(cli, &t))
        goto out;
    h = open_snapshot(cli, &snap);
    if (!h)
        goto out;
    m = calloc(t.nr_phases, sizeof(*m));
    if (!m)
        goto out;
    /* The host is in a phase exactly when the plan to it is empty. */
    for (i = 0; i < t.nr_phases; i++) {
        plan p;
        xs_err err;

        PLAN_Init(&p);
        m[i].name = t.phases[i].name;
        if (PLAN_Make(&snap, &t, t.phases[i].name, &p, &err)) {
            snprintf(m[i].why, sizeof(m[i].why), "cannot be planned: %s",
                     err.msg);
        } else if (p.nr_stages) {
            PLAN_DescribeAction(&p.stages[0].acts[0], m[i].why,
                                sizeof(m[i].why));
        } else {
            m[i].matches = true;
        }
        PLAN_Dispose(&p);
    }
    if (cli->json)
        OUT_StatusJson(stdout, &snap, &t, m, t.nr_phases, HV_DriverName(h));
    else
        OUT_Status(stdout, &snap, &t, m, t.nr_phases, HV_DriverName(h));
    rc = XS_EXIT_OK;
out:
    free(m);
    SNAP_Dispose(&snap);
    HV_Close(h);
    TBL_Dispose(&t);
    return rc;
}
