/*
 * test_daemon.c - xenshiftd's core on the simulated host: requests
 * through (simulated) xenstore, the queue, schedules, hooks, reload and
 * the journal, with a crash at every change a transition makes.
 *
 * The core has no descriptors of its own: the test calls it as the
 * event loop would (DMN_HandleWatch when the watch fd is readable,
 * DMN_HandleTime when the timer fires), on the simulated clock.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "hv_sim.h"
#include "journal.h"
#include "snapshot.h"
#include "tap.h"
#include "transition.h"
#include "record.h"
#include "xspath.h"

static char fixture[1024], table_path[1024];

static hv *open_host(void)
{
    xs_err err;
    hv *h = HV_OpenSim(fixture, &err);

    if (!h) {
        printf("Bail out! %s\n", err.msg);
        exit(1);
    }
    return h;
}

static void config(dmn_config *c, const char *table)
{
    memset(c, 0, sizeof(*c));
    c->table_path = table;
    HOOK_DefaultOpts(&c->hooks);
    c->run_hooks = false;
    EXEC_DefaultOpts(&c->exec);
}

static int start(dmn *d, hv *h, dlog *log, const dmn_config *c)
{
    xs_err err;

    if (DMN_Init(d, h, log, c, &err)) {
        printf("# init: %s\n", err.msg);
        return -1;
    }
    if (DMN_Start(d, &err) < 0) {
        printf("# start: %s\n", err.msg);
        return -1;
    }
    return 0;
}

/* xenstore-read, or "" when absent. */
static const char *xs(hv *h, const char *fmt, const char *arg)
{
    static char buf[4][1024];
    static int slot;
    char path[256], *v;

    slot = (slot + 1) % 4;
    snprintf(path, sizeof(path), fmt, arg);
    buf[slot][0] = '\0';
    if (!HV_XsRead(h, path, &v)) {
        snprintf(buf[slot], sizeof(buf[slot]), "%s", v);
        free(v);
    }
    return buf[slot];
}

static void request(hv *h, const char *id, const char *what)
{
    char path[256];

    snprintf(path, sizeof(path), XSP_REQUEST "/%s", id);
    HV_XsWrite(h, path, what);
}

/* A request, taken and run as the event loop would. */
static void serve(dmn *d, hv *h, const char *id, const char *what)
{
    request(h, id, what);
    DMN_HandleWatch(d);
    DMN_RunQueue(d);
}

/* The whole of a small file into buf ("" when it cannot be read). */
static const char *read_file(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, len - 1, f) : 0;

    buf[n] = '\0';
    if (f)
        fclose(f);
    return buf;
}

static bool watch_readable(hv *h)
{
    struct pollfd p = { .fd = HV_XsWatchFd(h), .events = POLLIN };

    return p.fd >= 0 && poll(&p, 1, 0) == 1;
}

/* The phase the host is in now, or "". */
static const char *host_phase(hv *h, const tbl_table *t)
{
    static char name[HV_NAME_MAX];
    xs_snapshot snap;
    xs_err err;
    const char *p = NULL;

    SNAP_Init(&snap);
    if (!SNAP_Take(h, &snap, &err))
        p = TRN_CurrentPhase(&snap, t);
    snprintf(name, sizeof(name), "%s", p ? p : "");
    SNAP_Dispose(&snap);
    return name;
}

static uint64_t domu_memory(hv *h)
{
    hv_domain *doms;
    size_t nr, i;
    uint64_t sum = 0;

    if (HV_ListDomains(h, &doms, &nr))
        return 0;
    for (i = 0; i < nr; i++)
        if (doms[i].domid)
            sum += doms[i].mem_kib;
    free(doms);
    return sum;
}

static void test_requests(dlog *log)
{
    hv *h = open_host();
    dmn_config c;
    dmn d;
    char pid[32];

    config(&c, table_path);
    if (start(&d, h, log, &c)) {
        ok(0, "the daemon starts");
        HV_Close(h);
        return;
    }
    snprintf(pid, sizeof(pid), "%ld", (long)getpid());
    is_str(xs(h, XSP_DAEMON "%s", ""), pid, "daemon node holds the pid");
    is_str(xs(h, XSP_PHASE "%s", ""), "normal", "the phase is published");
    ok(watch_readable(h), "the watch fires once when set");
    DMN_HandleWatch(&d);
    ok(!watch_readable(h), "and is drained");

    request(h, "0001-a", "takeover");
    ok(watch_readable(h), "a request makes the watch fd readable");
    DMN_HandleWatch(&d);
    is_str(xs(h, XSP_ANSWER "/%s/state", "0001-a"), "queued", "queued");
    is_str(xs(h, XSP_ANSWER "/%s/phase", "0001-a"), "takeover", "its phase");
    is_str(xs(h, XSP_REQUEST "/%s", "0001-a"), "", "the request is taken");
    ok(xs(h, XSP_ANSWER "/%s/queued-at", "0001-a")[0], "queued-at is set");
    DMN_RunQueue(&d);
    is_str(xs(h, XSP_ANSWER "/%s/state", "0001-a"), "done", "done");
    ok(strstr(xs(h, XSP_ANSWER "/%s/message", "0001-a"), "reached takeover"),
       "message: %s", xs(h, XSP_ANSWER "/%s/message", "0001-a"));
    ok(strstr(xs(h, XSP_ANSWER "/%s/progress", "0001-a"), "/"),
       "progress was reported: %s",
       xs(h, XSP_ANSWER "/%s/progress", "0001-a"));
    is_str(host_phase(h, &d.table), "takeover", "the host is in takeover");
    is_str(xs(h, XSP_PHASE "%s", ""), "takeover", "and says so");
    is_str(xs(h, XSP_RESULT "%s", ""), "ok takeover", "result");
    is_str(xs(h, XSP_JOURNAL "/state%s", ""), "", "no journal left");

    /* Unknown phase, bad value, bad id: answered (or logged), not run. */
    request(h, "0002-b", "bogus");
    request(h, "0003-c", "two words");
    request(h, "bad id", "normal");
    DMN_HandleWatch(&d);
    is_str(xs(h, XSP_ANSWER "/%s/state", "0002-b"), "failed",
           "an unknown phase is answered failed");
    is_str(xs(h, XSP_ANSWER "/%s/message", "0002-b"),
           "unknown phase 'bogus' (phases: normal, takeover)",
           "with the phases there are");
    is_str(xs(h, XSP_ANSWER "/%s/state", "0003-c"), "failed",
           "a malformed value is answered failed");
    is_str(xs(h, XSP_REQUEST "/%s", "bad id"), "",
           "an invalid id is dropped");
    is_int((long long)d.nr_queue, 0, "nothing queued");
    is_str(host_phase(h, &d.table), "takeover", "nothing changed");

    /* Queue and coalesce: normal, normal, @failover, takeover. */
    request(h, "0004-d", "normal");
    request(h, "0005-e", "normal");
    request(h, "0006-f", "@failover");
    request(h, "0007-g", "takeover");
    DMN_HandleWatch(&d);
    is_int((long long)d.nr_queue, 2, "two transitions queued for four");
    is_str(xs(h, XSP_ANSWER "/%s/message", "0005-e"),
           "joined a queued request for the same phase", "0005 joined 0004");
    is_str(xs(h, XSP_ANSWER "/%s/phase", "0006-f"), "takeover",
           "@failover is the takeover phase");
    DMN_RunQueue(&d);
    is_str(xs(h, XSP_ANSWER "/%s/state", "0004-d"), "done", "0004 done");
    is_str(xs(h, XSP_ANSWER "/%s/state", "0005-e"), "done", "0005 done");
    is_str(xs(h, XSP_ANSWER "/%s/state", "0006-f"), "done", "0006 done");
    is_str(xs(h, XSP_ANSWER "/%s/state", "0007-g"), "done", "0007 done");
    is_int(d.transitions, 3, "three transitions in all");
    is_str(host_phase(h, &d.table), "takeover", "last asked: takeover");

    /* The same phase again: nothing to do, answered done. */
    serve(&d, h, "0008-h", "takeover");
    ok(strstr(xs(h, XSP_ANSWER "/%s/message", "0008-h"), "already"),
       "already there: %s", xs(h, XSP_ANSWER "/%s/message", "0008-h"));

    DMN_Stop(&d);
    is_str(xs(h, XSP_DAEMON "%s", ""), "", "stop removes the daemon node");
    DMN_Dispose(&d);
    HV_Close(h);
}

static unsigned calls_of(const hv *h, const char *op)
{
    const hv_times *t = HV_Times(h);
    size_t i;

    for (i = 0; t && i < t->nr; i++)
        if (!strcmp(t->ops[i].op, op))
            return t->ops[i].calls;
    return 0;
}

/*
 * The newest DMN_ANSWERS_KEPT final answers are kept, the older ones
 * removed; with no more answers than that, taking a request reads
 * nothing but the request (each read is ms on the bed, before the run).
 */
static void test_prune(dlog *log)
{
    hv *h = open_host();
    dmn_config c;
    dmn d;
    char id[32], path[256];
    unsigned i, gone = 0, kept = 0, reads;

    config(&c, table_path);
    if (start(&d, h, log, &c)) {
        ok(0, "prune: the daemon starts");
        HV_Close(h);
        return;
    }
    DMN_HandleWatch(&d);
    for (i = 0; i < 10; i++) {
        snprintf(path, sizeof(path), XSP_ANSWER "/0000-%03u/state", i);
        HV_XsWrite(h, path, "done");
    }
    HV_TimesStart(h);
    request(h, "0001-a", "takeover");
    DMN_HandleWatch(&d);
    reads = calls_of(h, "xs_read");
    is_str(xs(h, XSP_ANSWER "/%s/state", "0001-a"), "queued",
           "prune: a request among 10 answers is queued");
    is_int((int)reads, 1, "prune: and only the request itself was read");
    DMN_RunQueue(&d);
    for (i = 10; i < DMN_ANSWERS_KEPT + 5; i++) {
        snprintf(path, sizeof(path), XSP_ANSWER "/0000-%03u/state", i);
        HV_XsWrite(h, path, "done");
    }
    /* 69 final answers and 0001-a's: 6 of the oldest go */
    request(h, "0002-b", "normal");
    DMN_HandleWatch(&d);
    for (i = 0; i < DMN_ANSWERS_KEPT + 5; i++) {
        snprintf(id, sizeof(id), "0000-%03u", i);
        if (xs(h, XSP_ANSWER "/%s/state", id)[0])
            kept++;
        else
            gone += i < 6;
    }
    is_int((int)gone, 6, "prune: the 6 oldest answers are removed");
    is_int((int)kept, DMN_ANSWERS_KEPT - 1, "prune: %d kept, with 0001-a's "
           "the newest %d final ones", DMN_ANSWERS_KEPT - 1,
           DMN_ANSWERS_KEPT);
    is_str(xs(h, XSP_ANSWER "/%s/state", "0001-a"), "done",
           "prune: 0001-a's answer stays");
    DMN_RunQueue(&d);
    DMN_Stop(&d);
    DMN_Dispose(&d);
    HV_Close(h);
}

static void test_schedule(dlog *log)
{
    hv *h = open_host();
    dmn_config c;
    dmn d;
    time_t when, now;

    config(&c, table_path);
    if (start(&d, h, log, &c)) {
        ok(0, "the daemon starts");
        HV_Close(h);
        return;
    }
    serve(&d, h, "0001-a", "takeover");
    ok(DMN_NextWake(&d, &when), "a trigger is planned");
    now = (time_t)(HV_WallMs(h) / 1000);
    ok(when > now && when - now <= 4 * 86400, "within 4 days (%lld s)",
       (long long)(when - now));
    DMN_HandleTime(&d, when - 1);
    is_int((long long)d.nr_queue, 0, "not a second early");
    HVSIM_JumpClock(h, when - now);
    DMN_HandleTime(&d, when);
    is_int((long long)d.nr_queue, 1, "due: queued");
    DMN_RunQueue(&d);
    is_str(host_phase(h, &d.table), "normal", "08:00: back to normal");
    {
        struct tm tm;

        localtime_r(&when, &tm);
        ok(tm.tm_hour == 8 && tm.tm_min == 0 && tm.tm_wday >= 1 &&
           tm.tm_wday <= 5, "fired on a weekday at 08:00 (%d %02d:%02d)",
           tm.tm_wday, tm.tm_hour, tm.tm_min);
    }

    /* Missed by hours (suspended host): logged, not replayed. */
    serve(&d, h, "0002-b", "takeover");
    ok(DMN_NextWake(&d, &when), "the next one is planned");
    now = (time_t)(HV_WallMs(h) / 1000);
    HVSIM_JumpClock(h, when - now + 3 * 3600);
    now = (time_t)(HV_WallMs(h) / 1000);
    DMN_HandleTime(&d, now);
    is_int((long long)d.nr_queue, 0, "a missed time is not run");
    ok(DMN_NextWake(&d, &when) && when > now, "the next is in the future");
    is_str(host_phase(h, &d.table), "takeover", "nothing changed");
    DMN_Stop(&d);
    DMN_Dispose(&d);
    HV_Close(h);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");

    if (f) {
        fputs(text, f);
        fclose(f);
        chmod(path, mode);
    }
}

static void test_hooks_and_reload(dlog *log)
{
    char dir[] = "/tmp/xenshift-test-daemon.XXXXXX", hooks[1100],
         hook[1200], table[1200], trace[1200], buf[4096];
    hv *h = open_host();
    dmn_config c;
    dmn d;
    xs_err err;

    if (!mkdtemp(dir)) {
        ok(0, "mkdtemp");
        HV_Close(h);
        return;
    }
    snprintf(hooks, sizeof(hooks), "%s/hooks.d", dir);
    mkdir(hooks, 0755);
    snprintf(trace, sizeof(trace), "%s/trace", dir);
    snprintf(hook, sizeof(hook), "%s/10-trace", hooks);
    snprintf(buf, sizeof(buf), "#!/bin/sh\necho \"$1 $2 ${3:-} "
             "${XENSHIFT_RESULT:-}\" >> %s\n", trace);
    write_file(hook, buf, 0755);
    snprintf(table, sizeof(table), "%s/table.json", dir);
    write_file(table, read_file(table_path, buf, sizeof(buf)), 0644);
    config(&c, table);
    c.run_hooks = true;
    c.hooks.dir = hooks;
    if (start(&d, h, log, &c)) {
        ok(0, "the daemon starts");
        HV_Close(h);
        return;
    }
    serve(&d, h, "0001-a", "takeover");
    is_str(xs(h, XSP_ANSWER "/%s/state", "0001-a"), "done", "with hooks");
    read_file(trace, buf, sizeof(buf));
    is_str(buf, "pre-transition takeover  \n"
           "pre-domain takeover vm2 \npre-domain takeover vm1 \n"
           "pre-domain takeover vm3 \n"
           "post-domain takeover vm2 ok\npost-domain takeover vm1 ok\n"
           "post-domain takeover vm3 ok\n"
           "post-transition takeover  ok\n",
           "hooks ran in the documented order");

    /* A pre-domain veto: nothing changes, the request says who. */
    snprintf(hook, sizeof(hook), "%s/20-veto", hooks);
    write_file(hook, "#!/bin/sh\n[ \"$1\" = pre-domain ] || exit 0\n"
               "echo \"backup of $3 running\"\nexit 3\n", 0755);
    unlink(trace);
    serve(&d, h, "0002-b", "normal");
    is_str(xs(h, XSP_ANSWER "/%s/state", "0002-b"), "failed", "vetoed");
    ok(strstr(xs(h, XSP_ANSWER "/%s/message", "0002-b"),
              "vetoed by 20-veto") &&
       strstr(xs(h, XSP_ANSWER "/%s/message", "0002-b"), "backup of"),
       "says who and why: %s", xs(h, XSP_ANSWER "/%s/message", "0002-b"));
    is_str(host_phase(h, &d.table), "takeover", "nothing changed");
    read_file(trace, buf, sizeof(buf));
    ok(strstr(buf, "post-domain normal vm1 vetoed") &&
       strstr(buf, "failed normal  vetoed") &&
       strstr(buf, "post-transition normal  vetoed"),
       "post hooks pair with the pre hooks that ran");
    ok(!strncmp(xs(h, XSP_RESULT "%s", ""), "failed normal: vetoed", 21),
       "result: %s", xs(h, XSP_RESULT "%s", ""));
    serve(&d, h, "0002-z", "takeover");
    is_str(xs(h, XSP_RESULT "%s", ""), "ok takeover",
           "a request that needs no change still refreshes the result");
    unlink(hook);

    /* SIGHUP with a broken table: refused with its position, kept. */
    write_file(table, "{ \"phases\": { \"normal\": { \"vm1\": "
               "{ \"memory\": \"12X\" } } } }\n", 0644);
    is_int(DMN_Reload(&d, &err), -1, "a bad table is refused");
    ok(err.line == 1 && err.col > 0, "at %s:%d:%d: %s", err.file, err.line,
       err.col, err.msg);
    is_int((long long)d.table.nr_phases, 2, "the old table stays");
    serve(&d, h, "0003-c", "normal");
    is_str(xs(h, XSP_ANSWER "/%s/state", "0003-c"), "done",
           "and still serves requests");

    DMN_Stop(&d);
    DMN_Dispose(&d);
    HV_Close(h);
    snprintf(buf, sizeof(buf), "%s/10-trace", hooks);
    unlink(buf);
    unlink(trace);
    unlink(table);
    rmdir(hooks);
    rmdir(dir);
}

/* The fig9 table and a third phase no host of the fixture can hold. */
static const char unfit_table[] =
    "{ \"host\": { \"reserve\": \"256M\" },\n"
    "  \"domains\": {\n"
    "    \"vm1\": { \"min\": \"128M\", \"max\": \"640M\" },\n"
    "    \"vm2\": { \"min\": \"128M\", \"max\": \"640M\" },\n"
    "    \"vm3\": { \"min\": \"128M\", \"max\": \"640M\" } },\n"
    "  \"phases\": {\n"
    "    \"normal\": { \"vm1\": { \"memory\": \"128M\" },\n"
    "                \"vm2\": { \"memory\": \"512M\" },\n"
    "                \"vm3\": { \"memory\": \"128M\" } },\n"
    "    \"takeover\": { \"vm1\": { \"memory\": \"512M\", \"cpus\": "
    "\"dedicated\", \"pcpus\": 1 },\n"
    "                  \"vm2\": { \"memory\": \"128M\" },\n"
    "                  \"vm3\": { \"memory\": \"128M\" } },\n"
    "    \"big\": { \"vm1\": { \"memory\": \"640M\" },\n"
    "             \"vm2\": { \"memory\": \"640M\" },\n"
    "             \"vm3\": { \"memory\": \"640M\" } } } }\n";

/* What the daemon logs (stderr) while fn runs, into buf. */
static const char *capture_log(const char *path, char *buf, size_t len,
                               void (*fn)(void *), void *ctx)
{
    int saved, fd;

    fflush(stderr);
    saved = dup(STDERR_FILENO);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (saved < 0 || fd < 0) {
        buf[0] = '\0';
        return buf;
    }
    dup2(fd, STDERR_FILENO);
    close(fd);
    fn(ctx);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    return read_file(path, buf, len);
}

typedef struct unfit_ctx {
    dmn *d;
    hv *h;
    dlog *log;
    const dmn_config *c;
    int rc;
    xs_err err;
} unfit_ctx;

static void unfit_start(void *vctx)
{
    unfit_ctx *u = vctx;

    u->rc = start(u->d, u->h, u->log, u->c);
}

static void unfit_check(void *vctx)
{
    unfit_ctx *u = vctx;

    DMN_CheckPhases(u->d);
}

static void unfit_reload(void *vctx)
{
    unfit_ctx *u = vctx;

    u->rc = DMN_Reload(u->d, &u->err);
}

/*
 * Regression (issue 12): one phase that does not fit the host as it is
 * now stopped the daemon at start, and with it every failover.
 */
static void test_unfit_phase(dlog *log)
{
    char dir[] = "/tmp/xenshift-test-unfit.XXXXXX", table[1200],
         logf[1200], buf[8192];
    const char *line;
    hv *h = open_host();
    dmn_config c;
    dmn d;
    unfit_ctx u = { .d = &d, .h = h, .log = log, .c = &c };

    if (!mkdtemp(dir)) {
        ok(0, "mkdtemp");
        HV_Close(h);
        return;
    }
    snprintf(table, sizeof(table), "%s/table.json", dir);
    snprintf(logf, sizeof(logf), "%s/log", dir);
    write_file(table, unfit_table, 0644);
    config(&c, table);
    capture_log(logf, buf, sizeof(buf), unfit_start, &u);
    is_int(u.rc, 0, "a phase that does not fit does not stop the start");
    is_int(d.nr_unfit, 1, "one phase counted as not fitting");
    line = strstr(buf, "phase big does not fit the host as it is now");
    ok(line && strstr(line, "short by 128 MiB"),
       "the start logs it with the planner's numbers: %.*s",
       line ? (int)strcspn(line, "\n") : 0, line ? line : "");
    ok(!strstr(buf, "phase normal does not") &&
       !strstr(buf, "phase takeover does not"), "and only it");
    if (u.rc) {
        HV_Close(h);
        return;
    }
    ok(xs(h, XSP_DAEMON "%s", "")[0], "the daemon runs (node %s)",
       xs(h, XSP_DAEMON "%s", ""));
    serve(&d, h, "0001-a", "big");
    is_str(xs(h, XSP_ANSWER "/%s/state", "0001-a"), "failed",
           "a request for it is answered failed");
    ok(strstr(xs(h, XSP_ANSWER "/%s/message", "0001-a"), "refused: ") &&
       strstr(xs(h, XSP_ANSWER "/%s/message", "0001-a"), "short by 128 MiB"),
       "refused with its numbers: %s",
       xs(h, XSP_ANSWER "/%s/message", "0001-a"));
    is_str(host_phase(h, &d.table), "normal", "nothing changed");
    serve(&d, h, "0002-b", "takeover");
    is_str(xs(h, XSP_ANSWER "/%s/state", "0002-b"), "done",
           "a request for another phase is served");
    is_str(host_phase(h, &d.table), "takeover", "and reached");

    /* Reload: an error in the table keeps the old table. */
    write_file(table, "{ \"phases\": 3 }\n", 0644);
    capture_log(logf, buf, sizeof(buf), unfit_reload, &u);
    is_int(u.rc, -1, "a reload with an invalid table is refused");
    is_int((long long)d.table.nr_phases, 3, "the old table is kept");
    serve(&d, h, "0003-c", "normal");
    is_str(xs(h, XSP_ANSWER "/%s/state", "0003-c"), "done",
           "and serves on");

    /* Reload: a valid table with a phase that does not fit is taken. */
    write_file(table, unfit_table, 0644);
    capture_log(logf, buf, sizeof(buf), unfit_reload, &u);
    is_int(u.rc, 0, "a reload with a phase that does not fit is taken");
    ok(strstr(buf, "phase big does not fit the host as it is now") != NULL,
       "and logs it again");
    is_int(d.nr_unfit, 1, "counted again");

    /* A host that cannot be read is not a phase that does not fit. */
    HVSIM_AddFault(h, "get_host", NULL, 1, HVSIM_FAULT_FAIL);
    capture_log(logf, buf, sizeof(buf), unfit_check, &u);
    line = strstr(buf, "cannot read the host to check it");
    ok(line != NULL, "a host that cannot be read is logged: %.*s",
       line ? (int)strcspn(line, "\n") : 0, line ? line : "");
    ok(strstr(buf, "phase normal: cannot read the host") != NULL,
       "for the phase it was checking");
    is_int(d.nr_unfit, 1, "and not counted as not fitting (big still is)");

    DMN_Stop(&d);
    DMN_Dispose(&d);
    HV_Close(h);
    unlink(table);
    unlink(logf);
    rmdir(dir);
}

/* SIGTERM mid-transition: the loop's poll sets cancel. */
typedef struct cancel_ctx {
    unsigned calls, at;
} cancel_ctx;

static void cancel_poll(void *ctx, dmn *d)
{
    cancel_ctx *c = ctx;

    if (++c->calls == c->at) {
        d->cancel = 1;
        d->stopping = true;
    }
}

static void test_cancel(dlog *log)
{
    hv *h = open_host();
    cancel_ctx cc = { 0, 3 };
    dmn_config c;
    dmn d;

    config(&c, table_path);
    c.poll = cancel_poll;
    c.poll_ctx = &cc;
    if (start(&d, h, log, &c)) {
        ok(0, "the daemon starts");
        HV_Close(h);
        return;
    }
    request(h, "0001-a", "takeover");
    serve(&d, h, "0002-b", "normal");
    is_str(xs(h, XSP_ANSWER "/%s/state", "0001-a"), "failed",
           "SIGTERM mid-way: failed");
    ok(strstr(xs(h, XSP_ANSWER "/%s/message", "0001-a"), "rolled back"),
       "rolled back: %s", xs(h, XSP_ANSWER "/%s/message", "0001-a"));
    is_str(host_phase(h, &d.table), "normal", "back in normal");
    DMN_Stop(&d);
    is_str(xs(h, XSP_ANSWER "/%s/state", "0002-b"), "failed",
           "the queued request is answered at stop");
    DMN_Dispose(&d);
    HV_Close(h);
}

/*
 * Kill the daemon after k changes (every xenstore write and hypervisor
 * call counts), for every k up to a whole transition; restart it on the
 * same host and check it brought the host to one phase: the one it was
 * going to when the crash came after the last change, else exactly the
 * host as recorded before the request (every recorded field, not only
 * the phase's values).
 */
static void test_crash(dlog *log, const char *from, const char *to)
{
    unsigned k, held = 0, cases = 0, exact = 0;
    bool finished = false;

    for (k = 0; !finished && k < 400; k++) {
        hv *h = open_host();
        dmn_config c;
        dmn d, d2;
        uint64_t before;
        const char *phase, *state;
        char id[32];
        bool good;
        rec_record rec;
        rec_result res;
        xs_err err;
        size_t i;

        config(&c, table_path);
        if (start(&d, h, log, &c)) {
            ok(0, "start");
            HV_Close(h);
            return;
        }
        if (strcmp(from, "normal")) {
            serve(&d, h, "0000-setup", from);
        }
        before = domu_memory(h);
        REC_Init(&rec);
        REC_ResultInit(&res);
        if (REC_Take(h, &rec, &err))
            printf("# cannot record the host: %s\n", err.msg);
        for (i = 0; i < rec.nr_doms; i++)
            rec.doms[i].planned = true;     /* compare every field */
        snprintf(id, sizeof(id), "0001-k%u", k);
        request(h, id, to);
        DMN_HandleWatch(&d);
        HVSIM_Crash(h, k);
        DMN_RunQueue(&d);
        finished = !HVSIM_Crashed(h);
        HVSIM_Revive(h);
        DMN_Dispose(&d);        /* the process is gone: no DMN_Stop */

        if (start(&d2, h, log, &c)) {
            ok(0, "restart after a crash at change %u", k);
            HV_Close(h);
            return;
        }
        phase = host_phase(h, &d2.table);
        state = xs(h, XSP_ANSWER "/%s/state", id);
        good = (!strcmp(phase, from) || !strcmp(phase, to)) &&
               !xs(h, XSP_JOURNAL "/state%s", "")[0] &&
               !strcmp(xs(h, XSP_PHASE "%s", ""), phase) &&
               domu_memory(h) <= before + 4096 &&
               domu_memory(h) + 4096 >= before &&
               (finished ? !strcmp(state, "done") :
                !strcmp(state, "failed"));
        cases++;
        held += good;
        if (!good)
            printf("# crash after %u changes (%s -> %s): host in '%s', "
                   "published '%s', journal '%s', answer '%s' (%s), domU "
                   "memory %llu KiB, was %llu\n", k, from, to, phase,
                   xs(h, XSP_PHASE "%s", ""),
                   xs(h, XSP_JOURNAL "/state%s", ""), state,
                   xs(h, XSP_ANSWER "/%s/message", id),
                   (unsigned long long)domu_memory(h),
                   (unsigned long long)before);
        /* reached, and the crash came in the bookkeeping after it */
        if (finished || !strcmp(phase, to) ||
            (rec.taken && !REC_Compare(h, &rec, 4096, &res))) {
            exact++;
        } else {
            for (i = 0; i < res.nr_diffs; i++) {
                char line[400];

                printf("# crash after %u changes (%s -> %s): %s\n", k,
                       from, to, REC_FormatDiff(&res.diffs[i], line,
                                                sizeof(line)));
            }
        }
        REC_ResultDispose(&res);
        REC_Dispose(&rec);
        DMN_Stop(&d2);
        DMN_Dispose(&d2);
        HV_Close(h);
    }
    ok(finished, "%s -> %s: a crash point after the last change was "
       "reached (%u changes)", from, to, k - 1);
    is_int(exact, cases, "%s -> %s: after each crash that did not leave "
           "the host in %s, every recorded field (targets, maxmem, "
           "vCPUs, affinity as set, node affinity, cpupools) was as "
           "before the request", from, to, to);
    is_int(held, cases, "%s -> %s: after a crash at each of %u points, "
           "the restarted daemon left the host in one phase, published "
           "it, cleared the journal and leaked no memory", from, to,
           cases);
}

int main(void)
{
    const char *src = getenv("top_srcdir");
    dlog log;

    snprintf(fixture, sizeof(fixture), "%s/tests/fixtures/fig9-host.json",
             src ? src : ".");
    snprintf(table_path, sizeof(table_path), "%s/examples/fig9.json",
             src ? src : ".");
    setenv("TZ", "UTC", 1);
    tzset();
    LOG_Init(&log, "test_daemon", true, 0);
    test_requests(&log);
    test_prune(&log);
    test_schedule(&log);
    test_hooks_and_reload(&log);
    test_unfit_phase(&log);
    test_cancel(&log);
    test_crash(&log, "normal", "takeover");
    test_crash(&log, "takeover", "normal");
    return done_testing();
}
