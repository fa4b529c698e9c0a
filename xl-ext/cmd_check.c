/*
 * cmd_check.c - xenshift check [FILE]: the phase table validated, on its
 * own and against the host when there is one.
 */
#include <getopt.h>
#include <stdio.h>
#include <time.h>

#include "transition.h"
#include "xenshift.h"

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

int CMD_Check(xs_cli *cli, int argc, char **argv)
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
