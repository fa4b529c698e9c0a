/*
 * cmd_status.c - xenshift status: each domain now, and which phase the
 * host is in; with --watch, the live view of watch.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "watch.h"
#include "xenshift.h"

typedef struct status_args {
    bool watch;
    bool watch_only;            /* an option that means nothing without it */
    const char *watch_only_opt;
    watch_opts w;
} status_args;

static const struct option status_long[] = {
    { "json", no_argument, NULL, 'j' },
    { "verbose", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { "watch", no_argument, NULL, 'w' },
    { "interval", required_argument, NULL, 'n' },
    { "count", required_argument, NULL, 'C' },
    { "until-idle", no_argument, NULL, 'U' },
    { NULL, 0, NULL, 0 },
};
#define STATUS_SHORT ":jvhwn:"

#define MIN_INTERVAL_MS 100     /* a tenth of a second, as watch(1) */
#define MAX_INTERVAL_MS 3600000
#define MAX_COUNT 1000000000UL

static void watch_only(status_args *a, const char *opt)
{
    a->watch_only = true;
    a->watch_only_opt = opt;
}

/* Returns CMD_GO_ON or an exit code (a usage error said). */
static int status_opts(xs_cli *cli, const xs_cmd *self, int argc,
                       char **argv, status_args *a)
{
    int opt, rc;

    memset(a, 0, sizeof(*a));
    a->w.interval_ms = 1000;
    optind = 0;                 /* glibc: start afresh */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, STATUS_SHORT, status_long,
                              NULL)) != -1) {
        switch (opt) {
        case 'w':
            a->watch = true;
            break;
        case 'n':
            watch_only(a, "--interval");
            if (CMD_ParseSeconds(optarg, &a->w.interval_ms) ||
                a->w.interval_ms < MIN_INTERVAL_MS ||
                a->w.interval_ms > MAX_INTERVAL_MS)
                return CMD_UsageError(cli, self, "--interval takes seconds "
                                      "from 0.1 to 3600, not '%s'", optarg);
            break;
        case 'C':
            watch_only(a, "--count");
            if (CMD_ParseCount(optarg, 1, MAX_COUNT, &a->w.count))
                return CMD_UsageError(cli, self, "--count takes a whole "
                                      "number from 1, not '%s'", optarg);
            break;
        case 'U':
            watch_only(a, "--until-idle");
            a->w.until_idle = true;
            break;
        default:
            rc = CMD_CommonOpt(cli, self, opt, argv);
            if (rc != CMD_GO_ON)
                return rc;
        }
    }
    if (optind < argc)
        return CMD_UsageError(cli, self, "unexpected argument '%s'",
                              argv[optind]);
    if (a->watch_only && !a->watch)
        return CMD_UsageError(cli, self, "%s is an option of --watch",
                              a->watch_only_opt);
    return CMD_GO_ON;
}

bool CMD_StatusReadsShared(int argc, char **argv)
{
    int opt;

    /* Only whether --watch is given: the command itself says the rest. */
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, STATUS_SHORT, status_long,
                              NULL)) != -1)
        if (opt == 'w')
            return true;
    return false;
}

/* Whether the host is in each phase, by the predicate apply uses. */
void CMD_MatchPhases(const xs_snapshot *snap, const tbl_table *t,
                     xs_phase_match *m)
{
    size_t i;

    for (i = 0; i < t->nr_phases; i++) {
        m[i].name = t->phases[i].name;
        REACH_Phase(snap, t, t->phases[i].name, &m[i].reach);
    }
}

int CMD_RunnerAlive(const char *lock_path, char *holder, size_t holder_len,
                    char *why, size_t why_len)
{
    xs_err err;
    int rc = LOCK_Probe(lock_path, holder, holder_len, &err);

    if (rc < 0)
        snprintf(why, why_len, "%s", err.msg);
    return rc == LOCK_BUSY ? 1 : rc == 0 ? 0 : -1;
}

/*
 * The journal, and whether the process it belongs to lives: the host's
 * lock is held by every transition (and by xenshiftd all its life), and
 * the kernel drops it when its holder dies.  A simulated host's state
 * file is locked by this command, so no transition on it runs now.
 */
static void read_journal(const xs_cli *cli, hv *h, out_journal *oj)
{
    xs_err err;

    memset(oj, 0, sizeof(*oj));
    if (JNL_Read(h, &oj->j, &err)) {
        fprintf(stderr, "%s: warning: cannot read the journal: %s\n",
                cli->progname, err.msg);
        oj->j.present = false;
        return;
    }
    if (!oj->j.present)
        return;
    if (cli->sim)
        return;                 /* alive 0: see above */
    oj->alive = CMD_RunnerAlive(LOCK_DEFAULT_PATH, oj->holder,
                                sizeof(oj->holder), oj->why,
                                sizeof(oj->why));
}

int CMD_Status(xs_cli *cli, int argc, char **argv)
{
    tbl_table t;
    xs_snapshot snap;
    xs_phase_match *m = NULL;
    out_journal oj;
    status_args a;
    hv *h = NULL;
    int rc = status_opts(cli, CMD_Find("status"), argc, argv, &a);

    if (rc != CMD_GO_ON)
        return rc;
    if (a.watch)
        return WATCH_Run(cli, &a.w);
    TBL_Init(&t);
    SNAP_Init(&snap);
    rc = XS_EXIT_FAIL;
    if (CMD_LoadTable(cli, &t))
        goto out;
    h = CMD_OpenSnapshot(cli, &snap);
    if (!h)
        goto out;
    m = calloc(t.nr_phases ? t.nr_phases : 1, sizeof(*m));
    if (!m) {
        OUT_Failf(cli, OUT_FAIL_INTERNAL, "out of memory");
        goto out;
    }
    /* Asking Xen where memory lies prints a dump: only when asked. */
    if (cli->verbose && snap.host.nr_nodes > 1 &&
        HV_GetNodeMemory(h, snap.doms, snap.nr_doms))
        fprintf(stderr, "%s: warning: %s\n", cli->progname,
                HV_LastError(h)->msg);
    CMD_MatchPhases(&snap, &t, m);
    read_journal(cli, h, &oj);
    if (cli->json) {
        OUT_StatusJson(stdout, &snap, &t, m, t.nr_phases, HV_DriverName(h),
                       &oj);
    } else {
        OUT_Status(stdout, &snap, &t, m, t.nr_phases, HV_DriverName(h),
                   cli->verbose);
        OUT_StatusJournal(stdout, &oj);
    }
    rc = XS_EXIT_OK;
out:
    free(m);
    SNAP_Dispose(&snap);
    if (CMD_CloseHost(cli, h))
        rc = XS_EXIT_FAIL;
    TBL_Dispose(&t);
    return rc;
}
