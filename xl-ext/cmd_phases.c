/*
 * cmd_phases.c - what the table says on its own: xenshift phases (the
 * table, Fig. 9 style) and xenshift schedule (when its triggers fire).
 */
#include <getopt.h>
#include <stdio.h>
#include <time.h>

#include "xenshift.h"

/* --- phases ------------------------------------------------------------- */

int CMD_Phases(xs_cli *cli, int argc, char **argv)
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

/* --- schedule ----------------------------------------------------------- */

int CMD_Schedule(xs_cli *cli, int argc, char **argv)
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
    rc = CMD_CheckArgs(cli, self, argc, argv, 0, 0);
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
