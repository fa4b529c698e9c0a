/*
 * cmd_recover.c - a transition whose process died (kill -9, the OOM
 * killer) leaves the host between phases and its journal in xenstore.
 * xenshiftd finishes such a journal when it starts; without the daemon,
 * this does:
 *
 *   xenshift recover [-j]      put the host back as the journal recorded
 *   xenshift apply PHASE       does the same first, then the transition
 *
 * Both hold the host's lock, so a journal they find belongs to no live
 * transition.
 */
#include <stdio.h>
#include <string.h>

#include "journal.h"
#include "lock.h"
#include "transition.h"
#include "xenshift.h"

int CLI_Recover(const xs_cli *cli, hv *h, const tbl_table *t,
                out_recovery *r)
{
    exec_opts eo;
    xs_err err;

    memset(r, 0, sizeof(*r));
    r->outcome = TRN_RECOVER_NOTHING;
    if (JNL_Read(h, &r->found, &err)) {
        OUT_Fail(cli, OUT_FAIL_HOST, &err, "cannot read the journal");
        return -1;
    }
    if (!r->found.present)
        return 0;
    EXEC_DefaultOpts(&eo);
    r->outcome = TRN_Recover(h, t, &eo, NULL, NULL, r->request,
                             sizeof(r->request), r->message,
                             sizeof(r->message));
    if (r->outcome == TRN_RECOVER_FAILED) {
        /* The message names the transition and the step already. */
        OUT_Failf(cli, OUT_FAIL_RECOVER, "a transition's process died "
                  "before it ended, and the host could not be brought "
                  "back; the journal stays for the next try: %s",
                  r->message);
        return -1;
    }
    return 0;
}

int CMD_Recover(xs_cli *cli, int argc, char **argv)
{
    const xs_cmd *self = CMD_Find("recover");
    out_recovery r;
    tbl_table t;
    xs_lock lock;
    xs_err err;
    long pid;
    hv *h = NULL;
    int rc;

    rc = CMD_SimpleOpts(cli, self, "jh", argc, argv, 0, 0);
    if (rc != CMD_GO_ON)
        return rc;
    rc = XS_EXIT_FAIL;
    TBL_Init(&t);
    LOCK_Init(&lock);
    if (CMD_LoadTable(cli, &t))
        goto out;
    h = CMD_OpenHost(cli, &err);
    if (!h) {
        OUT_Fail(cli, OUT_FAIL_HOST, &err, "cannot open the host");
        goto out;
    }
    /* The daemon recovers at its start, and owns the journal since. */
    if (CLI_DaemonRunning(h, &pid)) {
        OUT_Failf(cli, OUT_FAIL_DAEMON, "xenshiftd (pid %ld) runs: it "
                  "finished any interrupted transition when it started",
                  pid);
        goto out;
    }
    if (!cli->sim && CMD_TakeHostLock(cli, &lock, "xenshift-recover"))
        goto out;
    if (CLI_Recover(cli, h, &t, &r))
        goto out;
    if (cli->json)
        OUT_RecoveryJson(stdout, &r);
    else
        OUT_Recovery(stdout, &r);
    rc = XS_EXIT_OK;
out:
    if (h && CMD_CloseHost(cli, h))
        rc = XS_EXIT_FAIL;
    LOCK_Release(&lock);
    TBL_Dispose(&t);
    return rc;
}
