/*
 * cmd_table.c - the command table of xenshift, and what its commands
 * share: options, opening the host and the table, the host's lock.
 *
 * Each command (cmd_*.c) parses its own options with getopt_long, opens
 * what it needs, and returns an exit code: 0 ok, 1 failure, 2 usage
 * error.  Everything it prints goes through output.c.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv_sim.h"
#include "lock.h"
#include "timeline.h"
#include "xenshift.h"

static int cmd_help(xs_cli *cli, int argc, char **argv);
static int cmd_version(xs_cli *cli, int argc, char **argv);

const xs_cmd xs_cmds[] = {
    { "check", CMD_Check, "validate the phase table",
      "[FILE]",
      "  -j, --json     JSON output\n"
      "  -v, --verbose  also say what was checked\n"
      "  -h, --help     this help\n", NULL },
    { "phases", CMD_Phases, "show the phase table (Fig. 9 style)",
      "",
      "  -j, --json     JSON output\n"
      "  -h, --help     this help\n", NULL },
    { "plan", CMD_Plan, "show the steps that would reach a phase",
      "PHASE|@EVENT",
      "  -j, --json     JSON output\n"
      "  -v, --verbose  also show the host\n"
      "  -h, --help     this help\n", NULL },
    { "apply", CMD_Apply, "move the host to a phase, step by step",
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
    { "mem-move", CMD_MemMove, "move a running domain's memory to a NUMA "
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
    { "schedule", CMD_Schedule, "show when the table's triggers fire next",
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
int CMD_CheckArgs(const xs_cli *cli, const xs_cmd *cmd, int argc,
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
    return CMD_CheckArgs(cli, cmd, argc, argv, min_args, max_args);
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

/* --OPT S, the seconds into *ms: CMD_GO_ON, or the usage error's code. */
int CMD_SecondsOpt(const xs_cli *cli, const xs_cmd *cmd, const char *opt,
                   const char *arg, unsigned *ms)
{
    if (CMD_ParseSeconds(arg, ms))
        return CMD_UsageError(cli, cmd, "%s: expected seconds 0-%d, got "
                              "'%s'", opt, MAX_SECONDS, arg);
    return CMD_GO_ON;
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
    CLI_TimesClose(cli, h);
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

/*
 * The host's transition lock, for a command that changes the host in
 * this process: -1 (said why) when another transition holds it.
 */
int CMD_TakeHostLock(const xs_cli *cli, xs_lock *lock, const char *who)
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
