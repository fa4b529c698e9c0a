/*
 * cmd_table.c - the command table and the commands of xenshift.
 *
 * Each command parses its own options with getopt_long, opens what it
 * needs, and returns an exit code: 0 ok, 1 failure, 2 usage error.
 * Everything it prints goes through output.c.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv_sim.h"
#include "lock.h"
#include "request.h"
#include "sim_state.h"
#include "timeline.h"
#include "transition.h"
#include "units.h"
#include "xenshift.h"

static int cmd_help(xs_cli *cli, int argc, char **argv);
static int cmd_version(xs_cli *cli, int argc, char **argv);
static int cmd_check(xs_cli *cli, int argc, char **argv);
static int cmd_phases(xs_cli *cli, int argc, char **argv);
static int cmd_plan(xs_cli *cli, int argc, char **argv);
static int cmd_apply(xs_cli *cli, int argc, char **argv);
static int cmd_schedule(xs_cli *cli, int argc, char **argv);
static int cmd_mem_move(xs_cli *cli, int argc, char **argv);

const xs_cmd xs_cmds[] = {
    { "check", cmd_check, "validate the phase table",
      "[FILE]",
      "  -j, --json     JSON output\n"
      "  -v, --verbose  also say what was checked\n"
      "  -h, --help     this help\n", NULL },
    { "phases", cmd_phases, "show the phase table (Fig. 9 style)",
      "",
      "  -j, --json     JSON output\n"
      "  -h, --help     this help\n", NULL },
    { "plan", cmd_plan, "show the steps that would reach a phase",
      "PHASE|@EVENT",
      "  -j, --json     JSON output\n"
      "  -v, --verbose  also show the host\n"
      "  -h, --help     this help\n", NULL },
    { "apply", cmd_apply, "move the host to a phase, step by step",
      "PHASE|@EVENT",
      "  -j, --json              JSON output (the final report only)\n"
      "  -n, --dry-run           only plan (same as 'plan')\n"
      "      --stuck-timeout S   stuck after at most S seconds without "
      "progress\n"
      "                          (default 5; 1.5-5 once a step has moved)\n"
      "      --timeout S         limit for each stage, seconds "
      "(default 120)\n"
      "      --no-rollback       leave the host as it is on failure\n"
      "      --progress          progress lines on stderr with --json\n"
      "      --no-wait           with xenshiftd: return once queued\n"
      "      --wait              with xenshiftd: wait for the end "
      "(default)\n"
      "      --wait-timeout S    give up waiting after S seconds\n"
      "      --until WHEN        with xenshiftd: wait until capacity\n"
      "                          (memory, vCPUs, pCPUs) or the end "
      "(default)\n"
      "      --hooks-dir DIR     run the hooks of DIR (also with --sim)\n"
      "      --no-hooks          run no hooks\n"
      "      --timeline FILE     draw the transition into FILE (SVG),\n"
      "                          also when it fails or rolls back\n"
      "  -v, --verbose           also the stages and every reading\n"
      "  -h, --help              this help\n", NULL },
    { "mem-move", cmd_mem_move, "move a running domain's memory to a NUMA "
      "node",
      "DOMAIN NODE",
      "  -s, --strategy S        auto (default), direct or cooperative:\n"
      "                          direct moves pages inside a hypervisor\n"
      "                          with xenshift's guard (PVH/HVM guests);\n"
      "                          cooperative cycles the guest's balloon\n"
      "                          with its node affinity set (any guest)\n"
      "      --floor SIZE        cooperative: never balloon below SIZE\n"
      "                          (default: the table's min, else 3/4 of\n"
      "                          its memory)\n"
      "      --goal PCT          done at PCT% on the node (default 95)\n"
      "      --busy-timeout S    direct: retry pages under I/O for S "
      "seconds\n"
      "                          (default 10)\n"
      "  -n, --dry-run           only show the step\n"
      "  -j, --json              JSON output (the final report only)\n"
      "  -v, --verbose           also every reading\n"
      "  -h, --help              this help\n", NULL },
    { "status", CMD_Status, "show each domain now, and which phase matches",
      "",
      "  -j, --json          JSON output (with --watch: one object a line)\n"
      "  -v, --verbose       more columns: type, max vCPUs, soft affinity\n"
      "  -w, --watch         a live view that follows a transition\n"
      "  -n, --interval S    with --watch: refresh every S seconds\n"
      "                      (default 1)\n"
      "      --count N       with --watch: end after N updates\n"
      "      --until-idle    with --watch: end when no transition runs\n"
      "                      (so when one ends; at once when none runs)\n"
      "  -h, --help          this help\n",
      CMD_StatusReadsShared },
    { "schedule", cmd_schedule, "show when the table's triggers fire next",
      "",
      "  -n, --count N  the next N times of each \"at\" trigger "
      "(default 1)\n"
      "  -j, --json     JSON output\n"
      "  -h, --help     this help\n", NULL },
    { "recover", CMD_Recover, "put back a transition whose process died",
      "",
      "  -j, --json     JSON output\n"
      "  -h, --help     this help\n", NULL },
    { "show", CMD_Show, "list the transitions xenshiftd drew, or give one",
      "[ID|last]",
      "  -d, --dir DIR  where xenshiftd keeps them\n"
      "                 (default " TL_DEFAULT_DIR ")\n"
      "  -j, --json     JSON output\n"
      "  -h, --help     this help\n", NULL },
    { "help", cmd_help, "show help for a command",
      "[COMMAND]",
      "  -h, --help     this help\n", NULL },
    { "version", cmd_version, "show the version",
      "",
      "  -h, --help     this help\n", NULL },
    { NULL, NULL, NULL, NULL, NULL, NULL },
};

const xs_cmd *CMD_Find(const char *name)
{
    size_t i;

    for (i = 0; xs_cmds[i].name; i++)
        if (strcmp(xs_cmds[i].name, name) == 0)
            return &xs_cmds[i];
    return NULL;
}

void CMD_List(FILE *f)
{
    const xs_cmd *cmd;

    for (cmd = xs_cmds; cmd->name; cmd++)
        fprintf(f, "  %-10s %s\n", cmd->name, cmd->summary);
}

void CMD_Usage(FILE *f, const char *progname, const xs_cmd *cmd)
{
    /* The summary as a sentence. */
    fprintf(f, "Usage: %s [-c FILE] [--sim FIXTURE] %s [OPTIONS]%s%s\n\n"
            "%c%s.\n\nOptions:\n%s", progname, cmd->name,
            cmd->usage[0] ? " " : "", cmd->usage,
            toupper((unsigned char)cmd->summary[0]), cmd->summary + 1,
            cmd->options);
}

int CMD_UsageError(const xs_cli *cli, const xs_cmd *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s %s: ", cli->progname, cmd->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nSee '%s help %s'.\n", cli->progname, cmd->name);
    return XS_EXIT_USAGE;
}

/* --- options ------------------------------------------------------------ */


/*
 * The options more than one command takes, and getopt's complaints.
 * Returns CMD_GO_ON or an exit code.
 */
int CMD_CommonOpt(xs_cli *cli, const xs_cmd *cmd, int opt, char **argv)
{
    switch (opt) {
    case 'j':
        cli->json = true;
        return CMD_GO_ON;
    case 'v':
        cli->verbose++;
        return CMD_GO_ON;
    case 'h':
        CMD_Usage(stdout, cli->progname, cmd);
        return XS_EXIT_OK;
    case ':':
        return CMD_UsageError(cli, cmd, "option '%s' needs an argument",
                              argv[optind - 1]);
    default:
        if (optopt)
            return CMD_UsageError(cli, cmd, "unknown option '-%c'", optopt);
        return CMD_UsageError(cli, cmd, "unknown option '%s'",
                              argv[optind - 1]);
    }
}

/* The words of a usage line from the one after the first @given on. */
static const char *usage_from(const char *usage, int given)
{
    const char *p = usage;

    while (given-- > 0 && *p) {
        p += strcspn(p, " ");
        p += strspn(p, " ");
    }
    return p;
}

/* After the options: between min and max arguments are left. */
static int check_nargs(const xs_cli *cli, const xs_cmd *cmd, int argc,
                       char **argv, int min, int max)
{
    int nargs = argc - optind;

    if (nargs < min)
        return CMD_UsageError(cli, cmd, "missing argument: %s",
                              usage_from(cmd->usage, nargs));
    if (nargs > max)
        return CMD_UsageError(cli, cmd, "unexpected argument '%s'",
                              argv[optind + max]);
    return CMD_GO_ON;
}

/*
 * Commands whose only options are some of -j, -v, -h (shortopts says
 * which).  Returns CMD_GO_ON or an exit code.
 */
int CMD_SimpleOpts(xs_cli *cli, const xs_cmd *cmd, const char *shortopts,
                   int argc, char **argv, int min_args, int max_args)
{
    static const struct option all[] = {
        { "json", no_argument, NULL, 'j' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct option opts[4];
    char optstring[8];
    size_t i, n = 0;
    int opt, rc;

    /* Only the long forms of the short options asked for. */
    for (i = 0; all[i].name; i++)
        if (strchr(shortopts, all[i].val))
            opts[n++] = all[i];
    memset(&opts[n], 0, sizeof(opts[n]));
    snprintf(optstring, sizeof(optstring), ":%s", shortopts);

    optind = 0;                 /* glibc: start afresh */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, optstring, opts, NULL)) != -1) {
        rc = CMD_CommonOpt(cli, cmd, opt, argv);
        if (rc != CMD_GO_ON)
            return rc;
    }
    return check_nargs(cli, cmd, argc, argv, min_args, max_args);
}

/*
 * A whole number lo..hi written in decimal digits only: strtoul alone
 * takes "-18446744073709551615" as 1.
 */
int CMD_ParseCount(const char *s, unsigned long lo, unsigned long hi,
                       unsigned long *out)
{
    char *end;
    unsigned long x;

    if (!isdigit((unsigned char)s[0]))
        return -1;
    errno = 0;
    x = strtoul(s, &end, 10);
    if (errno || *end || x < lo || x > hi)
        return -1;
    *out = x;
    return 0;
}

/* --- opening things ----------------------------------------------------- */

hv *CMD_OpenHost(const xs_cli *cli, xs_err *err)
{
    bool timed = CLI_TimesWanted();
    hv *h;

    if (timed)
        CLI_TimesOpening();
    if (!cli->sim)
        h = HV_OpenXen(err);
    else if (cli->sim_state && access(cli->sim_state, F_OK) == 0)
        h = HV_OpenSim(cli->sim_state, err);
    else
        h = HV_OpenSim(cli->sim, err);
    /* A simulated kill leaves the host where the next command finds it. */
    if (h && cli->sim && cli->sim_state)
        HVSIM_SaveOnKill(h, cli->sim_state);
    if (timed)
        CLI_TimesOpened(h);
    return h;
}

/* Close h; with --sim-state, the simulated host is saved first. */
int CMD_CloseHost(const xs_cli *cli, hv *h)
{
    xs_err err;
    int rc = 0;

    if (h && cli->sim && cli->sim_state &&
        HVSIM_Save(h, cli->sim_state, &err)) {
        OUT_Fail(cli, OUT_FAIL_HOST, &err, NULL);
        rc = -1;
    }
    CLI_TimesPrint(cli, h);
    HV_Close(h);
    return rc;
}

int CMD_LoadTable(const xs_cli *cli, tbl_table *t)
{
    xs_err err;

    if (TBL_Load(cli->config, t, &err)) {
        OUT_Fail(cli, OUT_FAIL_TABLE, &err, NULL);
        return -1;
    }
    return 0;
}

/* Open the host and take a snapshot; errors printed. */
hv *CMD_OpenSnapshot(const xs_cli *cli, xs_snapshot *snap)
{
    xs_err err;
    hv *h = CMD_OpenHost(cli, &err);

    if (!h) {
        OUT_Fail(cli, OUT_FAIL_HOST, &err, "cannot open the host");
        return NULL;
    }
    if (SNAP_Take(h, snap, &err)) {
        OUT_Fail(cli, OUT_FAIL_HOST, &err, "cannot read the host");
        HV_Close(h);
        return NULL;
    }
    return h;
}

static void unknown_phase(const xs_cli *cli, const tbl_table *t,
                          const char *phase)
{
    char names[512] = "";
    size_t i, len = 0;

    for (i = 0; i < t->nr_phases && len < sizeof(names); i++)
        len += (size_t)snprintf(names + len, sizeof(names) - len, " %s",
                                t->phases[i].name);
    OUT_Failf(cli, OUT_FAIL_PHASE, "no phase \"%s\" in %s; the phases "
              "are:%s", phase, t->path, names);
}

/*
 * "@EVENT" in *phase: the phase of t's trigger for it (*phase then
 * points into t).  Errors printed; returns 0 or -1.
 */
static int resolve_event(const xs_cli *cli, const tbl_table *t,
                         const char **phase)
{
    const tbl_phase *ph;
    xs_err err;
    req r;

    if (REQ_Parse("cli", *phase, &r, &err) || REQ_Resolve(&r, t, &err)) {
        OUT_Failf(cli, OUT_FAIL_EVENT, "%s", err.msg);
        return -1;
    }
    ph = TBL_FindPhase(t, r.phase);
    if (!ph) {
        unknown_phase(cli, t, r.phase);
        return -1;
    }
    *phase = ph->name;
    return 0;
}

/*
 * Load the table, take a snapshot, make the plan: shared by plan and
 * apply.  *phase is a phase or "@EVENT"; an event is resolved on the
 * table, and *phase then names its phase (pointing into t).  *hp is the
 * host when open already, else opened here.  prep (NULL: not timed)
 * gets the snapshot, NUMA and plan parts, and is started here when the
 * host is opened here.  finish_dead (apply): a dead transition's journal
 * is finished first.  Errors printed; returns 0 or -1.
 */
static int prepare(const xs_cli *cli, const char **phasep, tbl_table *t,
                   xs_snapshot *snap, plan *p, hv **hp, trn_prep *prep,
                   bool finish_dead)
{
    out_recovery dead;
    reach_result reach;
    const char *phase;
    char warn[256];
    uint64_t t0;
    xs_err err;
    int rc;

    if (CMD_LoadTable(cli, t))
        return -1;
    if ((*phasep)[0] == '@' && resolve_event(cli, t, phasep))
        return -1;
    phase = *phasep;
    if (!TBL_FindPhase(t, phase)) {
        unknown_phase(cli, t, phase);
        return -1;
    }
    if (!*hp) {
        *hp = CMD_OpenHost(cli, &err);
        if (!*hp) {
            OUT_Fail(cli, OUT_FAIL_HOST, &err, "cannot open the host");
            return -1;
        }
        if (prep)
            TRN_PrepInit(prep, *hp);
    }
    /*
     * A transition whose process died left its journal: the host is put
     * back as it recorded before planning from a host between phases
     * (apply holds the lock: the journal is no live transition's).
     */
    if (finish_dead) {
        if (CLI_Recover(cli, *hp, t, &dead))
            return -1;
        OUT_RecoveryNote(stderr, cli->progname, &dead);
    }
    if (TRN_SnapshotTimed(*hp, t, phase, snap, warn, sizeof(warn), prep,
                          &err)) {
        OUT_Fail(cli, OUT_FAIL_HOST, &err, "cannot read the host");
        return -1;
    }
    /* The planner then says where memory lies is unknown. */
    if (warn[0])
        fprintf(stderr, "%s: warning: %s\n", cli->progname, warn);
    t0 = HV_NowMs(*hp);
    rc = PLAN_Make(snap, t, phase, p, &err);
    /* In the phase already: no step, not even a memory move. */
    if (!rc && REACH_Phase(snap, t, phase, &reach) &&
        REACH_PlanInPhase(snap, t, phase, p, &err)) {
        OUT_Error(cli, &err, NULL);
        return -1;
    }
    TRN_PrepAdd(prep, *hp, TRN_PREP_PLAN, t0);
    if (rc) {
        char ctx[HV_NAME_MAX + 32];

        snprintf(ctx, sizeof(ctx), "cannot plan %s", phase);
        OUT_Fail(cli, OUT_FAIL_PLAN, &err, ctx);
        return -1;
    }
    return 0;
}

static void print_plan(const xs_cli *cli, const xs_snapshot *snap,
                       const hv *h, const plan *p)
{
    if (cli->json) {
        OUT_PlanJson(stdout, p);
        return;
    }
    if (cli->verbose) {
        OUT_Host(stdout, snap, HV_DriverName(h));
        printf("\n");
    }
    OUT_Plan(stdout, p);
}

/* --- help, version ------------------------------------------------------ */

static int cmd_help(xs_cli *cli, int argc, char **argv)
{
    const xs_cmd *self = CMD_Find("help"), *cmd;
    int rc = CMD_SimpleOpts(cli, self, "h", argc, argv, 0, 1);

    if (rc != CMD_GO_ON)
        return rc;
    if (optind == argc) {
        printf("Usage: %s [-c FILE] [--sim FIXTURE] [-v] [-j] COMMAND "
               "[ARGS]\n\nCommands:\n", cli->progname);
        CMD_List(stdout);
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
    int rc = CMD_SimpleOpts(cli, CMD_Find("version"), "h", argc, argv, 0, 0);

    if (rc != CMD_GO_ON)
        return rc;
    printf("xenshift %s\n", PACKAGE_VERSION);
    return XS_EXIT_OK;
}

/* --- check -------------------------------------------------------------- */

/*
 * A table error: on stderr as file:line:col, and with -j also as the
 * JSON document (with the trigger findings already made).
 */
static void check_failed(const xs_cli *cli, const char *path,
                         const xs_err *err, const char *context,
                         const char *driver, const hchk_report *r)
{
    OUT_Error(cli, err, context);
    if (cli->json)
        OUT_CheckJson(stdout, path, err, driver, NULL, r);
    else
        OUT_CheckFindings(stderr, path, r);
}

/* The host as plan sees it, with node memory when any phase asks. */
static int check_snapshot(hv *h, const tbl_table *t, xs_snapshot *snap,
                          char *warn, size_t len, xs_err *err)
{
    const char *phase = t->phases[0].name;
    size_t i;

    for (i = 0; i < t->nr_phases; i++)
        if (TBL_PhaseNamesNode(t, t->phases[i].name))
            phase = t->phases[i].name;
    return TRN_Snapshot(h, t, phase, snap, warn, len, err);
}

/* Findings and the last line; returns the exit code. */
static int check_report(const xs_cli *cli, const tbl_table *t,
                        const hchk_report *r, const xs_snapshot *snap,
                        const char *driver, const char *not_checked)
{
    if (cli->json) {
        OUT_CheckJson(stdout, t->path, NULL, driver, not_checked, r);
        return r->nr_errors ? XS_EXIT_FAIL : XS_EXIT_OK;
    }
    OUT_CheckFindings(stderr, t->path, r);
    if (cli->verbose) {
        OUT_CheckSummary(stdout, t);
        if (snap) {
            printf("checked against ");
            OUT_Host(stdout, snap, driver);
        }
    }
    if (r->nr_errors)
        printf("%s: %zu error%s, %zu warning%s\n", t->path, r->nr_errors,
               r->nr_errors == 1 ? "" : "s", r->nr_warnings,
               r->nr_warnings == 1 ? "" : "s");
    else if (not_checked)
        printf("%s: configuration OK%s (not checked against a host: %s)\n",
               t->path, r->nr_warnings ? " with warnings" : "", not_checked);
    else
        printf("%s: configuration OK%s\n", t->path,
               r->nr_warnings ? " with warnings" : "");
    return r->nr_errors ? XS_EXIT_FAIL : XS_EXIT_OK;
}

static int cmd_check(xs_cli *cli, int argc, char **argv)
{
    tbl_table t;
    xs_snapshot snap;
    hchk_report r;
    char warn[256];
    xs_err err;
    hv *h = NULL;
    int rc = CMD_SimpleOpts(cli, CMD_Find("check"), "jvh", argc, argv, 0, 1);

    if (rc != CMD_GO_ON)
        return rc;
    if (optind < argc)
        cli->config = argv[optind];
    TBL_Init(&t);
    SNAP_Init(&snap);
    HCHK_Init(&r);
    rc = XS_EXIT_FAIL;
    if (TBL_Load(cli->config, &t, &err)) {
        check_failed(cli, cli->config, &err, NULL, NULL, NULL);
        goto out;
    }
    h = CMD_OpenHost(cli, &err);
    if (!h && cli->sim) {
        /* Asked for a simulated host: not having it is an error. */
        check_failed(cli, t.path, &err, "cannot open the simulated host",
                     NULL, NULL);
        goto out;
    }
    /* Triggers fire on the host's clock: the simulated one under --sim. */
    if (HCHK_CheckTriggers(&t, h ? (time_t)(HV_WallMs(h) / 1000)
                                  : time(NULL), &r, &err)) {
        OUT_Error(cli, &err, "cannot check the triggers");
        goto out;
    }
    if (!h) {
        rc = check_report(cli, &t, &r, NULL, NULL, err.msg);
        goto out;
    }
    if (check_snapshot(h, &t, &snap, warn, sizeof(warn), &err)) {
        check_failed(cli, t.path, &err, "cannot read the host",
                     HV_DriverName(h), &r);
        goto out;
    }
    if (warn[0])
        fprintf(stderr, "%s: warning: %s\n", cli->progname, warn);
    if (TBL_CheckHost(&t, &snap.host, snap.doms, snap.nr_doms, &err)) {
        check_failed(cli, t.path, &err, NULL, HV_DriverName(h), &r);
        goto out;
    }
    if (HCHK_CheckHost(&snap, &t, &r, &err)) {
        OUT_Error(cli, &err, "cannot check the phases");
        goto out;
    }
    rc = check_report(cli, &t, &r, &snap, HV_DriverName(h), NULL);
out:
    HCHK_Dispose(&r);
    SNAP_Dispose(&snap);
    if (CMD_CloseHost(cli, h))
        rc = XS_EXIT_FAIL;
    TBL_Dispose(&t);
    return rc;
}

/* --- phases ------------------------------------------------------------- */

static int cmd_phases(xs_cli *cli, int argc, char **argv)
{
    tbl_table t;
    int rc = CMD_SimpleOpts(cli, CMD_Find("phases"), "jh", argc, argv, 0, 0);

    if (rc != CMD_GO_ON)
        return rc;
    TBL_Init(&t);
    rc = XS_EXIT_FAIL;
    if (CMD_LoadTable(cli, &t))
        goto out;
    if (cli->json)
        OUT_PhasesJson(stdout, &t);
    else
        OUT_Phases(stdout, &t);
    rc = XS_EXIT_OK;
out:
    TBL_Dispose(&t);
    return rc;
}

/* --- plan --------------------------------------------------------------- */

static int cmd_plan(xs_cli *cli, int argc, char **argv)
{
    tbl_table t;
    xs_snapshot snap;
    plan p;
    hv *h = NULL;
    const char *phase;
    int rc = CMD_SimpleOpts(cli, CMD_Find("plan"), "jvh", argc, argv, 1, 1);

    if (rc != CMD_GO_ON)
        return rc;
    phase = argv[optind];       /* or "@EVENT", as apply takes it */
    TBL_Init(&t);
    SNAP_Init(&snap);
    PLAN_Init(&p);
    rc = XS_EXIT_FAIL;
    if (prepare(cli, &phase, &t, &snap, &p, &h, NULL, false))
        goto out;
    print_plan(cli, &snap, h, &p);
    rc = XS_EXIT_OK;
out:
    PLAN_Dispose(&p);
    SNAP_Dispose(&snap);
    if (CMD_CloseHost(cli, h))
        rc = XS_EXIT_FAIL;
    TBL_Dispose(&t);
    return rc;
}

/* --- apply -------------------------------------------------------------- */

#define MAX_SECONDS 86400     /* a day: more is a typo, and fits ms */

/* Seconds as people write them ("5", "0.5") into milliseconds. */
int CMD_ParseSeconds(const char *s, unsigned *ms)
{
    char *end;
    double v;

    if (!isdigit((unsigned char)s[0]) && s[0] != '.')
        return -1;
    v = strtod(s, &end);
    if (end == s || *end || !(v >= 0) || v > MAX_SECONDS)
        return -1;
    *ms = (unsigned)(v * 1000.0 + 0.5);
    return 0;
}

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
            if (CMD_ParseSeconds(optarg, &a->eo.stuck_ms))
                return CMD_UsageError(cli, self, "--stuck-timeout: expected "
                                      "seconds 0-%d, got '%s'", MAX_SECONDS,
                                      optarg);
            break;
        case 't':
            if (CMD_ParseSeconds(optarg, &a->eo.stage_timeout_ms))
                return CMD_UsageError(cli, self, "--timeout: expected "
                                      "seconds 0-%d, got '%s'", MAX_SECONDS,
                                      optarg);
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
            if (CMD_ParseSeconds(optarg, &a->wait_timeout_ms))
                return CMD_UsageError(cli, self, "--wait-timeout: expected "
                                      "seconds 0-%d, got '%s'", MAX_SECONDS,
                                      optarg);
            break;
        default:
            rc = CMD_CommonOpt(cli, self, opt, argv);
            if (rc != CMD_GO_ON)
                return rc;
        }
    }
    rc = check_nargs(cli, self, argc, argv, 1, 1);
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
 * Ctrl-C, SIGTERM or SIGHUP during apply must not leave the host
 * between two phases: the handler only raises this flag, the executor
 * sees it at its next look at the host and rolls everything back.  A
 * signal handler can only reach a file-scope variable.
 */
static volatile int apply_interrupted;
static const int apply_signals[3] = { SIGINT, SIGTERM, SIGHUP };

static void on_interrupt(int sig)
{
    apply_interrupted = sig;
}

static void catch_interrupts(struct sigaction *saved)
{
    struct sigaction sa;
    int i;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    for (i = 0; i < 3; i++)
        sigaction(apply_signals[i], &sa, &saved[i]);
}

static void restore_interrupts(const struct sigaction *saved)
{
    int i;

    for (i = 0; i < 3; i++)
        sigaction(apply_signals[i], &saved[i], NULL);
}

/*
 * A command that changes the host must not die half-way because the
 * reader of its output went away (apply ... | head): with SIGPIPE
 * ignored the lines are lost, the transition goes on, and the exit code
 * still says how it ended.
 */
static void outlive_reader(void)
{
    signal(SIGPIPE, SIG_IGN);
}

/*
 * The host's transition lock, for a command that changes the host in
 * this process: -1 (said why) when another transition holds it.
 */
static int take_host_lock(const xs_cli *cli, xs_lock *lock, const char *who)
{
    char holder[128];
    xs_err err;
    int lrc = LOCK_Take(lock, LOCK_DEFAULT_PATH, who, false, holder,
                        sizeof(holder), &err);

    if (lrc == LOCK_BUSY) {
        OUT_Failf(cli, OUT_FAIL_LOCK, "another transition runs on this host "
                  "(%s holds %s); try again when it has ended", holder,
                  LOCK_DEFAULT_PATH);
        return -1;
    }
    if (lrc) {
        OUT_Failf(cli, OUT_FAIL_LOCK, "%s", err.msg);
        return -1;
    }
    return 0;
}

int CMD_TakeHostLock(const xs_cli *cli, xs_lock *lock, const char *who)
{
    return take_host_lock(cli, lock, who);
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
        return -1;      /* prepare() says why */
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

static int cmd_apply(xs_cli *cli, int argc, char **argv)
{
    struct sigaction saved[3];
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

    outlive_reader();
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
        if (take_host_lock(cli, &lock, "xenshift-apply"))
            goto out;
        if (h)
            TRN_PrepAdd(&prep, h, TRN_PREP_LOCK, t0);
    }
    if (prepare(cli, &a.phase, &t, &snap, &p, &h, &prep, !a.dry_run))
        goto out;
    if (a.dry_run) {
        print_plan(cli, &snap, h, &p);
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
    TRN_DefaultOpts(&o);
    o.exec = a.eo;
    apply_interrupted = 0;
    o.exec.cancel = &apply_interrupted;
    o.journal = true;
    o.prep = &prep;
    /* A simulated host runs only the hooks it is given, not the host's. */
    if (!a.no_hooks && (!cli->sim || a.hooks_dir)) {
        HOOK_DefaultOpts(&hooks);
        if (a.hooks_dir)
            hooks.dir = a.hooks_dir;
        o.hooks = &hooks;
    }
    catch_interrupts(saved);
    rc = TRN_Execute(h, &t, &snap, &p, &o, progress, progress_ctx, &rep, &res)
             ? XS_EXIT_FAIL : XS_EXIT_OK;
    restore_interrupts(saved);
    if (tlf) {
        TL_SetResult(&tl, &res, &rep);
        timeline_close(cli, &tl, tlf, a.timeline);
        tlf = NULL;
    }
    if (res.outcome == TRN_VETOED ||
        (res.outcome == TRN_FAILED && !rep.nr_doms)) {
        /* Vetoed, or failed before the executor ran: no report. */
        char ctx[HV_NAME_MAX + 16];
        xs_err why;

        snprintf(ctx, sizeof(ctx), "%s not applied", a.phase);
        ERR_Set(&why, "%s", res.message);
        OUT_Fail(cli, res.outcome == TRN_VETOED ? OUT_FAIL_VETO
                                                : OUT_FAIL_APPLY, &why, ctx);
    } else if (cli->json) {
        OUT_ReportJson(stdout, &p, &rep, &res.after, &prep);
    } else {
        OUT_Report(stdout, &p, &rep, a.eo.rollback, &res.after, &prep);
    }
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

/* --- mem-move ----------------------------------------------------------- */

typedef struct move_args {
    plan_move_how how;
    bool has_floor;
    uint64_t floor_kib;
    bool dry_run;
    exec_opts eo;
    const char *domain;
    int node;
} move_args;

static int mem_move_opts(xs_cli *cli, const xs_cmd *self, int argc,
                         char **argv, move_args *a)
{
    static const struct option opts[] = {
        { "strategy", required_argument, NULL, 's' },
        { "floor", required_argument, NULL, 'F' },
        { "goal", required_argument, NULL, 'G' },
        { "busy-timeout", required_argument, NULL, 'B' },
        { "dry-run", no_argument, NULL, 'n' },
        { "json", no_argument, NULL, 'j' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    char why[128];
    unsigned long x;
    int opt, rc;

    EXEC_DefaultOpts(&a->eo);
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":s:njvh", opts, NULL)) != -1) {
        switch (opt) {
        case 's':
            if (!strcmp(optarg, "auto"))
                a->how = PLAN_MOVE_AUTO;
            else if (!strcmp(optarg, "direct"))
                a->how = PLAN_MOVE_DIRECT;
            else if (!strcmp(optarg, "cooperative"))
                a->how = PLAN_MOVE_COOPERATIVE;
            else
                return CMD_UsageError(cli, self, "--strategy: expected auto, "
                                      "direct or cooperative, got '%s'",
                                      optarg);
            break;
        case 'F':
            if (UNITS_ParseSize(optarg, &a->floor_kib, why, sizeof(why)))
                return CMD_UsageError(cli, self, "--floor: %s", why);
            a->has_floor = true;
            break;
        case 'G':
            if (CMD_ParseCount(optarg, 1, 100, &x))
                return CMD_UsageError(cli, self, "--goal: expected a "
                                      "percentage 1-100, got '%s'", optarg);
            a->eo.relocate_goal_pct = (unsigned)x;
            break;
        case 'B':
            if (CMD_ParseSeconds(optarg, &a->eo.relocate_busy_ms))
                return CMD_UsageError(cli, self, "--busy-timeout: expected "
                                      "seconds 0-%d, got '%s'", MAX_SECONDS,
                                      optarg);
            break;
        case 'n':
            a->dry_run = true;
            break;
        default:
            rc = CMD_CommonOpt(cli, self, opt, argv);
            if (rc != CMD_GO_ON)
                return rc;
        }
    }
    rc = check_nargs(cli, self, argc, argv, 2, 2);
    if (rc != CMD_GO_ON)
        return rc;
    a->domain = argv[optind];
    if (CMD_ParseCount(argv[optind + 1], 0, HV_MAX_NODES - 1, &x))
        return CMD_UsageError(cli, self, "NODE: expected a NUMA node "
                              "number 0-%d, got '%s'", HV_MAX_NODES - 1,
                              argv[optind + 1]);
    a->node = (int)x;
    return CMD_GO_ON;
}

/*
 * The balloon floor for a cooperative move: --floor, else the table's
 * min for the domain when there is a table that names it, else three
 * quarters of what it has: a guest ballooned far below what it uses
 * runs out of memory (a small Linux guest on the test bed crashed at
 * half of its 128 MiB).
 */
static uint64_t move_floor(const xs_cli *cli, const move_args *a,
                           const hv_domain *d)
{
    const tbl_domain *td;
    tbl_table t;
    xs_err err;
    uint64_t floor = d->mem_kib / 4 * 3;

    if (a->has_floor)
        return a->floor_kib;
    TBL_Init(&t);
    if (cli->config && access(cli->config, R_OK) == 0 &&
        TBL_Load(cli->config, &t, &err) == 0) {
        td = TBL_FindDomain(&t, a->domain);
        if (td)
            floor = td->min_kib;
    }
    TBL_Dispose(&t);
    return floor;
}

/* Percent of mem_kib that is not off the node. */
static unsigned on_node_pct(uint64_t mem_kib, uint64_t off_kib)
{
    if (!mem_kib)
        return 100;
    return (unsigned)UNITS_MulDiv(mem_kib - (off_kib < mem_kib ? off_kib
                                                               : mem_kib),
                                  100, mem_kib);
}

/*
 * What the move did against what it was asked: the goal on the node
 * (exit 0), less but more than before (exit 0: the goal is soft, as in
 * apply), or nothing at all.  Nothing moved turns the report into a
 * failure (exit 1): "changed" and "reached" would not be true.
 */
static void move_verdict(const hv_domain *d, const move_args *a,
                         exec_report *rep, out_move *mv)
{
    exec_dom_report *r = rep->nr_doms ? &rep->doms[0] : NULL;
    uint64_t on = d->node_known ? d->node_mem_kib[a->node] : 0;
    uint64_t off_before = d->mem_kib - (on < d->mem_kib ? on : d->mem_kib);
    bool moved = r && r->relocated;

    memset(mv, 0, sizeof(*mv));
    mv->domain = d->name;
    mv->node = a->node;
    mv->goal_pct = a->eo.relocate_goal_pct;
    mv->known_before = d->node_known;
    mv->pct_before = on_node_pct(d->mem_kib, off_before);
    mv->pct_after = moved ? on_node_pct(r->mem_kib, r->off_node_kib)
                          : mv->pct_before;
    if (mv->pct_after >= mv->goal_pct)
        mv->verdict = OUT_MOVE_GOAL;
    else if (!d->node_known || (moved && r->off_node_kib < off_before))
        mv->verdict = OUT_MOVE_PART;
    else
        mv->verdict = OUT_MOVE_NONE;
    if (mv->verdict != OUT_MOVE_NONE)
        return;
    rep->ok = false;
    if (r)
        r->outcome = EXEC_DOM_UNCHANGED;
    ERR_Set(&rep->cause, "nothing moved: %s has %u%% of its memory on node "
            "%d, as before (goal %u%%)", d->name, mv->pct_after, a->node,
            mv->goal_pct);
}

static int cmd_mem_move(xs_cli *cli, int argc, char **argv)
{
    struct sigaction saved[3];
    const xs_cmd *self = CMD_Find("mem-move");
    move_args a = { .how = PLAN_MOVE_AUTO };
    char label[HV_NAME_MAX];
    const hv_domain *d;
    plan_target target;
    out_progress pg;
    out_move mv = { .verdict = OUT_MOVE_GOAL };
    bool judged = false;
    xs_snapshot snap;
    exec_report rep;
    xs_lock lock;
    xs_err err;
    plan p;
    hv *h = NULL;
    int rc;

    outlive_reader();
    rc = mem_move_opts(cli, self, argc, argv, &a);
    if (rc != CMD_GO_ON)
        return rc;
    SNAP_Init(&snap);
    PLAN_Init(&p);
    EXEC_ReportInit(&rep);
    LOCK_Init(&lock);
    OUT_ProgressInit(&pg, NULL, false, cli->verbose);
    rc = XS_EXIT_FAIL;
    if (!cli->sim && !a.dry_run &&
        take_host_lock(cli, &lock, "xenshift-mem-move"))
        goto out;
    h = CMD_OpenSnapshot(cli, &snap);
    if (!h)
        goto out;
    d = SNAP_FindDomain(&snap, a.domain);
    if (!d) {
        OUT_Failf(cli, OUT_FAIL_DOMAIN, "no domain '%s' is running",
                  a.domain);
        goto out;
    }
    if (d->domid == 0) {
        /* Its balloon feeds the toolstack and the backends of every guest */
        OUT_Failf(cli, OUT_FAIL_PLAN, "%s is dom0: mem-move does not move "
                  "its memory (cycling dom0's balloon would starve the "
                  "toolstack and every guest's backends); place dom0 at "
                  "boot with Xen's dom0_nodes= option", d->name);
        goto out;
    }
    if ((unsigned)a.node >= snap.host.nr_nodes) {
        OUT_Failf(cli, OUT_FAIL_PLAN, "node %d does not exist: the host has "
                  "%u node%s", a.node, snap.host.nr_nodes,
                  snap.host.nr_nodes == 1 ? "" : "s");
        goto out;
    }
    if (HV_GetNodeMemory(h, snap.doms, snap.nr_doms)) {
        OUT_Fail(cli, OUT_FAIL_HOST, HV_LastError(h),
                 "cannot tell where memory lies");
        goto out;
    }
    /* Everything as it is, except where this domain's memory lies. */
    memset(&target, 0, sizeof(target));
    snprintf(target.domain, sizeof(target.domain), "%s", d->name);
    target.memory_kib = d->target_kib;
    target.floor_kib = move_floor(cli, &a, d);
    target.vcpus = TBL_KEEP;
    target.node = a.node;
    target.move_how = a.how;
    target.node_goal_pct = a.eo.relocate_goal_pct;
    {
        plan_target *keep = NULL;

        if (PLAN_TargetsFromSnapshot(&snap, &target, 1, &keep, &err)) {
            OUT_Fail(cli, OUT_FAIL_PLAN, &err, "cannot plan the move");
            goto out;
        }
        target.dedicated = keep[0].dedicated;
        target.pcpus = keep[0].pcpus;
        target.pcpu_count = keep[0].pcpu_count;
        free(keep);
    }
    snprintf(label, sizeof(label), "mem-move");
    if (PLAN_MakeTo(&snap, &target, 1, 0, label, &p, &err)) {
        OUT_Fail(cli, OUT_FAIL_PLAN, &err, "cannot move its memory");
        goto out;
    }
    if (a.dry_run) {
        print_plan(cli, &snap, h, &p);
        rc = XS_EXIT_OK;
        goto out;
    }
    if (!cli->json)
        OUT_ProgressInit(&pg, stdout, isatty(STDOUT_FILENO), cli->verbose);
    OUT_ProgressHeader(&pg, &p);
    /* Interrupted mid-cycle: the balloon target is put back, as apply. */
    apply_interrupted = 0;
    a.eo.cancel = &apply_interrupted;
    catch_interrupts(saved);
    rc = EXEC_Run(h, &snap, &p, &a.eo, OUT_Progress, &pg, &rep)
             ? XS_EXIT_FAIL : XS_EXIT_OK;
    restore_interrupts(saved);
    if (rc == XS_EXIT_OK) {
        move_verdict(d, &a, &rep, &mv);     /* d: the snapshot's, before */
        judged = true;
        if (mv.verdict == OUT_MOVE_NONE)
            rc = XS_EXIT_FAIL;
    }
    if (cli->json)
        OUT_ReportJson(stdout, &p, &rep, NULL, NULL);
    else if (judged)
        OUT_MoveReport(stdout, &p, &rep, &mv);
    else
        OUT_Report(stdout, &p, &rep, a.eo.rollback, NULL, NULL);
out:
    LOCK_Release(&lock);
    OUT_ProgressDispose(&pg);
    EXEC_ReportDispose(&rep);
    PLAN_Dispose(&p);
    SNAP_Dispose(&snap);
    if (CMD_CloseHost(cli, h))
        rc = XS_EXIT_FAIL;
    return rc;
}

/* --- schedule ----------------------------------------------------------- */

static int cmd_schedule(xs_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "count", required_argument, NULL, 'n' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const xs_cmd *self = CMD_Find("schedule");
    tbl_table t;
    xs_err err;
    hv *h = NULL;
    time_t now;
    unsigned long count = 1;
    int opt, rc;

    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":n:jh", opts, NULL)) != -1) {
        if (opt == 'n') {
            if (CMD_ParseCount(optarg, 1, 100, &count))
                return CMD_UsageError(cli, self, "--count: expected 1 to "
                                      "100, got '%s'", optarg);
            continue;
        }
        rc = CMD_CommonOpt(cli, self, opt, argv);
        if (rc != CMD_GO_ON)
            return rc;
    }
    rc = check_nargs(cli, self, argc, argv, 0, 0);
    if (rc != CMD_GO_ON)
        return rc;
    TBL_Init(&t);
    rc = XS_EXIT_FAIL;
    if (CMD_LoadTable(cli, &t))
        goto out;
    /* The simulated host has its own clock: what-if at its time. */
    if (cli->sim) {
        h = CMD_OpenHost(cli, &err);
        if (!h) {
            OUT_Fail(cli, OUT_FAIL_HOST, &err, "cannot open the host");
            goto out;
        }
        now = (time_t)(HV_WallMs(h) / 1000);
    } else {
        now = time(NULL);
    }
    if (cli->json)
        OUT_ScheduleJson(stdout, &t, now, (unsigned)count);
    else
        OUT_Schedule(stdout, &t, now, (unsigned)count);
    rc = XS_EXIT_OK;
out:
    if (CMD_CloseHost(cli, h))
        rc = XS_EXIT_FAIL;
    TBL_Dispose(&t);
    return rc;
}
