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
#include "transition.h"
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

/*
 * A daemon that dies while a client waits is started again (systemd's
 * Restart=on-failure does it at once), and its successor answers the
 * request it finds in the dead one's journal.  The client looks at the
 * daemon's pid this often, and gives up on a successor after so long.
 */
#define LIVENESS_MS 500
#define SUCCESSOR_MS 10000

/* One request's wait: what it was asked, and for how long. */
typedef struct {
    const xs_cli *cli;
    hv *h;
    simst *share;
    cli_until until;
    uint64_t t0;
    unsigned timeout_ms;
    FILE *out;                  /* progress and notes (stderr with -j) */
    bool quiet;                 /* -j: no progress, only the notes */
    long pid;                   /* the daemon running it now */
    bool dead;                  /* that one was found dead, ... */
    uint64_t dead_at;           /* ... at this ms of the wait */
} cli_wait;

static bool pid_alive(long pid)
{
    return !(kill((pid_t)pid, 0) && errno == ESRCH);
}

/* Ask for what: request/ID, its answer watched first.  0 or -1 (said). */
static int send_request(cli_wait *w, const char *what, char *id, size_t len)
{
    char path[256];
    xs_err err;

    REQ_MakeId(id, len, (uint64_t)HV_WallMs(w->h), getpid());
    snprintf(path, sizeof(path), XSP_ANSWER "/%s", id);
    if (HV_XsWatch(w->h, path, "xenshift-answer")) {
        OUT_Fail(w->cli, OUT_FAIL_DAEMON, HV_LastError(w->h),
                 "cannot watch for xenshiftd's answer");
        return -1;
    }
    snprintf(path, sizeof(path), XSP_REQUEST "/%s", id);
    if (HV_XsWrite(w->h, path, what)) {
        OUT_Fail(w->cli, OUT_FAIL_DAEMON, HV_LastError(w->h),
                 "cannot send the request to xenshiftd");
        return -1;
    }
    /* Saved and let go: the daemon takes the file to answer. */
    if (w->share && SIMST_Unlock(w->share, &err)) {
        fprintf(stderr, "%s: cannot send the request to xenshiftd: %s\n",
                w->cli->progname, err.msg);
        return -1;
    }
    if (!w->quiet)
        fprintf(w->out, "request %s: %s, sent to xenshiftd (pid %ld)\n", id,
                what, w->pid);
    return 0;
}

static void unwatch_answer(cli_wait *w, const char *id)
{
    char path[256];

    snprintf(path, sizeof(path), XSP_ANSWER "/%s", id);
    HV_XsUnwatch(w->h, path, "xenshift-answer");
}

/*
 * The daemon running the request died: carry on with the one started
 * in its place, or give up when none came.  0, or -1 having said why.
 */
static int follow_daemon(cli_wait *w, const char *id, uint64_t now)
{
    long next;

    if (pid_alive(w->pid))
        return 0;
    if (CLI_DaemonRunning(w->h, &next) && next != w->pid) {
        fprintf(w->out, "  xenshiftd (pid %ld) died; xenshiftd (pid "
                "%ld) runs in its place\n", w->pid, next);
        w->pid = next;
        w->dead = false;
        return 0;
    }
    if (!w->dead) {
        fprintf(w->out, "  xenshiftd (pid %ld) died; waiting for it to be "
                "started again\n", w->pid);
        w->dead = true;
        w->dead_at = now;
    }
    if (now - w->dead_at < SUCCESSOR_MS)
        return 0;
    OUT_Failf(w->cli, OUT_FAIL_DAEMON, "request %s: xenshiftd (pid %ld) "
              "died before it answered, and no xenshiftd started again "
              "within %d s; the host may be between phases: 'xenshift "
              "recover' puts it back", id, w->pid, SUCCESSOR_MS / 1000);
    return -1;
}

/*
 * Wait for request id's answer until it is final, or queued or at
 * capacity when that is what was asked.  0 with *st and *state (the
 * caller frees it), or -1 having said why.
 */
static int wait_answer(cli_wait *w, const char *id, req_state *st,
                       char **state)
{
    char *progress = NULL, *last_progress = NULL, *p, *t;
    int fd = HV_XsWatchFd(w->h), rc = -1;

    for (;;) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        uint64_t now;
        int left = LIVENESS_MS, n;

        while (HV_XsReadWatch(w->h, &p, &t) == 1) {
            free(p);
            free(t);
        }
        free(*state);
        *state = answer_leaf(w->h, id, XSP_A_STATE);
        if (*state && !REQ_StateFromName(*state, st)) {
            free(progress);
            progress = answer_leaf(w->h, id, XSP_A_PROGRESS);
            if (progress && !w->quiet && (!last_progress ||
                                          strcmp(progress, last_progress))) {
                fprintf(w->out, "  %s\n", progress);
                free(last_progress);
                last_progress = strdup(progress);
            }
            if (REQ_StateFinal(*st) ||
                (w->until == CLI_UNTIL_QUEUED && *st == REQ_QUEUED))
                break;
            if (w->until == CLI_UNTIL_CAPACITY && *st == REQ_RUNNING &&
                answer_ms(w->h, id, XSP_A_CAPACITY_MS) >= 0)
                break;
        }
        now = wait_clock_ms(w->h, w->share) - w->t0;
        if (w->timeout_ms) {
            if (now >= w->timeout_ms) {
                OUT_Failf(w->cli, OUT_FAIL_DAEMON, "request %s: no answer "
                          "from xenshiftd within %u s (state: %s); it may "
                          "still run: see 'xenshift status'", id,
                          w->timeout_ms / 1000,
                          *state ? *state : "not taken");
                goto out;
            }
            if (w->timeout_ms - now < (uint64_t)left)
                left = (int)(w->timeout_ms - now);
        }
        if (follow_daemon(w, id, now))
            goto out;
        n = w->share ? wait_shared(w->cli, w->share, left)
                     : poll(&pfd, 1, left);
        if (n < 0 && errno != EINTR) {
            OUT_Failf(w->cli, OUT_FAIL_DAEMON, "poll: %s", strerror(errno));
            goto out;
        }
    }
    rc = 0;
out:
    free(progress);
    free(last_progress);
    return rc;
}

/* A final answer was read: it is ours to clean up. */
static void remove_answer(cli_wait *w, const char *id)
{
    char path[256];
    xs_err err;

    if (w->share && SIMST_Lock(w->share, &err))
        return;
    snprintf(path, sizeof(path), XSP_ANSWER "/%s", id);
    HV_XsRemove(w->h, path);
    if (w->share && SIMST_Unlock(w->share, &err))
        fprintf(stderr, "%s: %s\n", w->cli->progname, err.msg);
}

/*
 * The request failed because its daemon died, and the one started next
 * put the host back as it was: the same request again is what the
 * caller asked for, from where it asked.
 */
static bool ask_again(cli_wait *w, const char *id, req_state st)
{
    char *how;
    bool back;

    if (st != REQ_FAILED)
        return false;
    how = answer_leaf(w->h, id, XSP_A_RECOVERED);
    back = how && strcmp(how, TRN_RecoveryName(TRN_RECOVER_BACK)) == 0;
    free(how);
    return back && CLI_DaemonRunning(w->h, &w->pid);
}

int CLI_Request(const xs_cli *cli, hv *h, const char *what, cli_until until,
                unsigned timeout_ms, long pid, simst *share)
{
    char id[REQ_ID_MAX + 1], first[REQ_ID_MAX + 1] = "", *state = NULL,
         *phase = NULL, *message = NULL, *first_message = NULL;
    cli_wait w = {
        .cli = cli, .h = h, .share = share, .until = until,
        .t0 = wait_clock_ms(h, share), .timeout_ms = timeout_ms,
        .out = cli->json ? stderr : stdout, .quiet = cli->json, .pid = pid,
    };
    req_state st = REQ_QUEUED;
    long long capacity_ms, placement_ms;
    xs_err err;
    int rc = XS_EXIT_FAIL;

    for (;;) {
        if (send_request(&w, what, id, sizeof(id)))
            goto out;
        if (wait_answer(&w, id, &st, &state))
            goto out;
        if (first[0] || !ask_again(&w, id, st))
            break;
        /* Once: a daemon that dies again is not a thing to wait out. */
        first_message = answer_leaf(h, id, XSP_A_MESSAGE);
        fprintf(w.out, "request %s: the daemon running it died, and "
                    "xenshiftd (pid %ld) put the host back as it was: "
                    "asking again\n", id, w.pid);
        snprintf(first, sizeof(first), "%s", id);
        remove_answer(&w, id);
        unwatch_answer(&w, id);
        if (share && SIMST_Lock(share, &err)) {
            fprintf(stderr, "%s: %s\n", cli->progname, err.msg);
            goto out;
        }
    }
    phase = answer_leaf(h, id, XSP_A_PHASE);
    message = answer_leaf(h, id, XSP_A_MESSAGE);
    capacity_ms = answer_ms(h, id, XSP_A_CAPACITY_MS);
    placement_ms = answer_ms(h, id, XSP_A_PLACEMENT_MS);
    if (cli->json)
        OUT_AnswerJson(stdout, &(out_answer){
            .id = id, .asked = what, .state = state, .phase = phase,
            .message = message, .pid = w.pid, .capacity_ms = capacity_ms,
            .placement_ms = placement_ms,
            .interrupted_id = first[0] ? first : NULL,
            .interrupted_message = first_message });
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
    if (REQ_StateFinal(st))
        remove_answer(&w, id);
out:
    unwatch_answer(&w, id);
    free(state);
    free(phase);
    free(message);
    free(first_message);
    return rc;
}
