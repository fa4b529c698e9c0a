/*
 * client.c - xenshift as a client of xenshiftd.
 *
 * When the daemon runs, `xenshift apply` does not touch the host
 * itself: it writes a request to xenstore (request/ID = PHASE), watches
 * its answer (answer/ID) and shows the daemon's progress, so that one
 * process, holding the host's lock, makes every change.
 *
 * On a simulated host shared with a --sim-state daemon (sim_state.h)
 * the request is saved to the state file and the lock let go; the
 * answer is read from the file each time it changes.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "request.h"
#include "sim_state.h"
#include "xenshift.h"
#include "xspath.h"

bool CLI_DaemonRunning(hv *h, long *pid)
{
    char *v = NULL, *end;
    long p;

    if (HV_XsRead(h, XSP_DAEMON, &v))
        return false;
    p = strtol(v, &end, 10);
    free(v);
    /* The node outlives a killed daemon: the pid must still be there. */
    if (end == v || p <= 0 || (kill((pid_t)p, 0) && errno == ESRCH))
        return false;
    *pid = p;
    return true;
}

static char *answer_leaf(hv *h, const char *id, const char *leaf)
{
    char path[256], *v = NULL;

    snprintf(path, sizeof(path), XSP_ANSWER "/%s/%s", id, leaf);
    if (HV_XsRead(h, path, &v))
        return NULL;
    return v;
}

/* Milliseconds for the wait's limit: a simulated clock stands still. */
static uint64_t wait_clock_ms(hv *h, const simst *share)
{
    struct timespec ts;

    if (!share)
        return HV_NowMs(h);
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* poll(2) on the shared file; when another process saved it, load it. */
static int wait_shared(const xs_cli *cli, simst *share, int timeout_ms)
{
    struct pollfd pfd = { .fd = SIMST_Fd(share), .events = POLLIN };
    xs_err err;
    int n = poll(&pfd, 1, timeout_ms);

    if (n > 0 && SIMST_Changed(share) && SIMST_Refresh(share, &err))
        fprintf(stderr, "%s: %s\n", cli->progname, err.msg);
    return n;
}

/* An answer's moment leaf: ms, or -1 when not there (yet). */
static long long answer_ms(hv *h, const char *id, const char *leaf)
{
    char *v = answer_leaf(h, id, leaf), *end;
    long long ms = -1;

    if (v) {
        ms = strtoll(v, &end, 10);
        if (*end || ms < 0)
            ms = -1;
    }
    free(v);
    return ms;
}

int CLI_Request(const xs_cli *cli, hv *h, const char *what, cli_until until,
                unsigned timeout_ms, long pid, simst *share)
{
    char id[REQ_ID_MAX + 1], path[256], *state = NULL, *progress = NULL,
         *last_progress = NULL, *phase = NULL, *message = NULL, *p, *t;
    uint64_t t0 = wait_clock_ms(h, share);
    xs_err err;
    req_state st = REQ_QUEUED;
    long long capacity_ms = -1, placement_ms = -1;
    FILE *out = cli->json ? stderr : stdout;
    bool quiet = cli->json;
    int rc = XS_EXIT_FAIL, fd;

    REQ_MakeId(id, sizeof(id), (uint64_t)HV_WallMs(h), getpid());
    snprintf(path, sizeof(path), XSP_ANSWER "/%s", id);
    if (HV_XsWatch(h, path, "xenshift-answer")) {
        OUT_Fail(cli, OUT_FAIL_DAEMON, HV_LastError(h),
                 "cannot watch for xenshiftd's answer");
        return XS_EXIT_FAIL;
    }
    snprintf(path, sizeof(path), XSP_REQUEST "/%s", id);
    if (HV_XsWrite(h, path, what)) {
        OUT_Fail(cli, OUT_FAIL_DAEMON, HV_LastError(h),
                 "cannot send the request to xenshiftd");
        return XS_EXIT_FAIL;
    }
    /* Saved and let go: the daemon takes the file to answer. */
    if (share && SIMST_Unlock(share, &err)) {
        fprintf(stderr, "%s: cannot send the request to xenshiftd: %s\n",
                cli->progname, err.msg);
        return XS_EXIT_FAIL;
    }
    if (!quiet)
        fprintf(out, "request %s: %s, sent to xenshiftd (pid %ld)\n", id,
                what, pid);
    fd = HV_XsWatchFd(h);
    for (;;) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        int left = -1, n;

        while (HV_XsReadWatch(h, &p, &t) == 1) {
            free(p);
            free(t);
        }
        free(state);
        state = answer_leaf(h, id, XSP_A_STATE);
        if (state && !REQ_StateFromName(state, &st)) {
            free(progress);
            progress = answer_leaf(h, id, XSP_A_PROGRESS);
            if (progress && !quiet && (!last_progress ||
                                       strcmp(progress, last_progress))) {
                fprintf(out, "  %s\n", progress);
                free(last_progress);
                last_progress = strdup(progress);
            }
            if (REQ_StateFinal(st) ||
                (until == CLI_UNTIL_QUEUED && st == REQ_QUEUED))
                break;
            if (until == CLI_UNTIL_CAPACITY && st == REQ_RUNNING &&
                (capacity_ms = answer_ms(h, id, XSP_A_CAPACITY_MS)) >= 0)
                break;
        }
        if (timeout_ms) {
            uint64_t spent = wait_clock_ms(h, share) - t0;

            if (spent >= timeout_ms) {
                OUT_Failf(cli, OUT_FAIL_DAEMON, "request %s: no answer from "
                          "xenshiftd within %u s (state: %s); it may still "
                          "run: see 'xenshift status'", id,
                          timeout_ms / 1000, state ? state : "not taken");
                goto out;
            }
            left = (int)(timeout_ms - spent);
        }
        n = share ? wait_shared(cli, share, left) : poll(&pfd, 1, left);
        if (n < 0 && errno != EINTR) {
            OUT_Failf(cli, OUT_FAIL_DAEMON, "poll: %s", strerror(errno));
            goto out;
        }
    }
    phase = answer_leaf(h, id, XSP_A_PHASE);
    message = answer_leaf(h, id, XSP_A_MESSAGE);
    capacity_ms = answer_ms(h, id, XSP_A_CAPACITY_MS);
    placement_ms = answer_ms(h, id, XSP_A_PLACEMENT_MS);
    if (cli->json)
        OUT_AnswerJson(stdout, id, what, state, phase, message, pid,
                       capacity_ms, placement_ms);
    else if (st == REQ_RUNNING)
        printf("%s: capacity reached after %.1f s; the memory moves go on "
               "(see 'xenshift status')\n", phase ? phase : what,
               (double)capacity_ms / 1000.0);
    else if (st == REQ_DONE)
        printf("%s: %s\n", phase ? phase : what, message ? message : "done");
    else if (st == REQ_QUEUED)
        printf("request %s queued (%s)\n", id, message ? message : "");
    else
        fprintf(stderr, "%s: %s: %s\n", cli->progname, phase ? phase : what,
                message ? message : "failed");
    rc = st == REQ_FAILED ? XS_EXIT_FAIL : XS_EXIT_OK;
    /* A final answer was read: it is ours to clean up. */
    if (REQ_StateFinal(st) && (!share || !SIMST_Lock(share, &err))) {
        snprintf(path, sizeof(path), XSP_ANSWER "/%s", id);
        HV_XsRemove(h, path);
        if (share && SIMST_Unlock(share, &err))
            fprintf(stderr, "%s: %s\n", cli->progname, err.msg);
    }
out:
    snprintf(path, sizeof(path), XSP_ANSWER "/%s", id);
    HV_XsUnwatch(h, path, "xenshift-answer");
    free(state);
    free(progress);
    free(last_progress);
    free(phase);
    free(message);
    return rc;
}
