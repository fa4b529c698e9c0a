/*
 * xenshiftd.c - the policy daemon: main(), options and the event loop.
 *
 * One poll(2) loop over three descriptors: the xenstore watch (requests),
 * a timerfd armed for the next "at" trigger (absolute, on the real-time
 * clock, cancelled when the clock is set) and a signalfd (SIGHUP reloads
 * the table, SIGTERM/SIGINT end the daemon after rolling back what
 * runs).  With nothing to do it sleeps in poll: no periodic wake-ups.
 * The policy itself is daemon.c.
 *
 * --sim: the simulated clock moves only when something sleeps in the
 * simulation, so a timer on the real clock armed with its times was due
 * at once, for ever (a busy loop).  Here the simulated clock follows
 * the real one while the daemon waits: each wake-up advances it by the
 * real time that passed (CLOCK_MONOTONIC), and the timer is armed
 * relative, on CLOCK_MONOTONIC, for the simulated time left to the next
 * trigger.  Transitions still wait on the simulated clock alone.
 *
 * --sim-state FILE: the simulated host is FILE, shared with xenshift
 * (sim_state.h).  Each turn of the loop takes FILE.lock, loads what
 * others wrote (their requests fire the watch), works, saves and lets
 * the lock go; an inotify descriptor on FILE wakes the loop.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "hv_sim.h"
#include "lock.h"
#include "log.h"
#include "sim_state.h"
#include "timeline.h"

#define DEFAULT_CONFIG "/etc/xenshift/xenshift.json"
#define DEFAULT_PIDFILE "/run/xenshiftd.pid"

typedef struct opts {
    const char *config;
    const char *sim;
    const char *sim_state;
    const char *pidfile;
    const char *lock;
    const char *hooks_dir;
    bool no_hooks;
    const char *timelines;      /* NULL: the default (none with --sim) */
    unsigned long keep_timelines;
    bool foreground;
    bool check_only;
    int verbose;
} opts;

typedef struct loop {
    dmn *d;
    dlog *log;
    int sig_fd;
    int watch_fd;
    int timer_fd;
    bool quit;
    bool reload;
    bool sim;                   /* the simulated clock follows the real one */
    uint64_t synced_ms;         /* CLOCK_MONOTONIC when it last did */
    simst *share;               /* --sim-state, or NULL */
} loop;

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: xenshiftd [-F] [-n] [-v] [-c FILE] [-p PIDFILE] "
            "[--sim FIXTURE [--sim-state FILE]]\n"
            "                 [--hooks-dir DIR | --no-hooks] [--lock FILE]\n"
            "                 [--timelines DIR] [--keep-timelines N]\n"
            "\n"
            "  -c, --config FILE   the phase table (default %s)\n"
            "  -F, --foreground    stay in the foreground, log to stderr\n"
            "  -n, --check         check the table against the host, "
            "then exit\n"
            "  -p, --pidfile FILE  default %s\n"
            "  -v, --verbose       log debug messages too\n"
            "      --sim FIXTURE   a simulated host instead of Xen\n"
            "      --sim-state FILE  share it with xenshift --sim-state "
            "FILE\n"
            "      --hooks-dir DIR default /etc/xenshift/hooks.d\n"
            "      --no-hooks      run no hooks\n"
            "      --lock FILE     default %s\n"
            "      --timelines DIR draw each transition into DIR/ID.svg\n"
            "                      (default %s; with --sim: none)\n"
            "      --keep-timelines N  keep the N newest (default %d; "
            "0: draw none)\n"
            "  -h, --help          this text\n"
            "See xenshiftd(8).\n", DEFAULT_CONFIG, DEFAULT_PIDFILE,
            LOCK_DEFAULT_PATH, TL_DEFAULT_DIR, TL_DEFAULT_KEEP);
}

static int parse_opts(int argc, char **argv, opts *o)
{
    static const struct option lopts[] = {
        { "config", required_argument, NULL, 'c' },
        { "foreground", no_argument, NULL, 'F' },
        { "check", no_argument, NULL, 'n' },
        { "pidfile", required_argument, NULL, 'p' },
        { "verbose", no_argument, NULL, 'v' },
        { "sim", required_argument, NULL, 'S' },
        { "sim-state", required_argument, NULL, 'P' },
        { "hooks-dir", required_argument, NULL, 'H' },
        { "no-hooks", no_argument, NULL, 'N' },
        { "lock", required_argument, NULL, 'L' },
        { "timelines", required_argument, NULL, 'T' },
        { "keep-timelines", required_argument, NULL, 'K' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    char *end;
    int c;

    o->config = DEFAULT_CONFIG;
    o->keep_timelines = TL_DEFAULT_KEEP;
    o->pidfile = DEFAULT_PIDFILE;
    o->lock = LOCK_DEFAULT_PATH;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":c:Fnp:vh", lopts, NULL)) != -1) {
        switch (c) {
        case 'c': o->config = optarg; break;
        case 'F': o->foreground = true; break;
        case 'n': o->check_only = true; break;
        case 'p': o->pidfile = optarg; break;
        case 'v': o->verbose++; break;
        case 'S': o->sim = optarg; break;
        case 'P': o->sim_state = optarg; break;
        case 'H': o->hooks_dir = optarg; break;
        case 'N': o->no_hooks = true; break;
        case 'L': o->lock = optarg; break;
        case 'T': o->timelines = optarg; break;
        case 'K':
            errno = 0;
            o->keep_timelines = strtoul(optarg, &end, 10);
            if (!isdigit((unsigned char)optarg[0]) || *end || errno ||
                o->keep_timelines > 10000) {
                fprintf(stderr, "xenshiftd: --keep-timelines: expected a "
                        "count 0-10000, got '%s'\n", optarg);
                usage(stderr);
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        case ':':
            fprintf(stderr, "xenshiftd: option '%s' needs an argument\n",
                    argv[optind - 1]);
            usage(stderr);
            return 2;
        default:
            fprintf(stderr, "xenshiftd: unknown option '%s'\n",
                    argv[optind - 1]);
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "xenshiftd: unexpected argument '%s'\n",
                argv[optind]);
        usage(stderr);
        return 2;
    }
    if (o->sim_state && !o->sim) {
        fprintf(stderr, "xenshiftd: --sim-state needs --sim FIXTURE\n");
        usage(stderr);
        return 2;
    }
    return -1;
}

/* --- systemd's readiness protocol (Type=notify), without libsystemd ----- */

static void sd_notify_msg(const char *msg)
{
    const char *path = getenv("NOTIFY_SOCKET");
    struct sockaddr_un sa;
    socklen_t len;
    int fd;

    if (!path || (path[0] != '/' && path[0] != '@') ||
        strlen(path) >= sizeof(sa.sun_path))
        return;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path));
    if (path[0] == '@')
        sa.sun_path[0] = '\0';      /* an abstract socket */
    len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
               len) < 0) {
        /* systemd went away: nothing to tell */
    }
    close(fd);
}

/* --- the loop ----------------------------------------------------------- */

static uint64_t monotonic_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* --sim: advance the simulated clock by the real time since last time. */
static void follow_clock(loop *l)
{
    uint64_t now = monotonic_ms(), gap = now - l->synced_ms;

    if (!l->sim)
        return;
    l->synced_ms = now;
    while (gap) {
        unsigned step = gap > 60000 ? 60000 : (unsigned)gap;

        HV_SleepMs(l->d->h, step);
        gap -= step;
    }
}

/* --sim: relative, for the simulated time left (see the top). */
static void arm_sim_timer(loop *l)
{
    struct itimerspec its;
    long long left;
    time_t when;

    memset(&its, 0, sizeof(its));
    if (DMN_NextWake(l->d, &when)) {
        left = (long long)when * 1000 - HV_WallMs(l->d->h);
        if (left < 1)
            left = 1;                   /* 0/0 would disarm it */
        its.it_value.tv_sec = left / 1000;
        its.it_value.tv_nsec = (left % 1000) * 1000000;
    }
    if (timerfd_settime(l->timer_fd, 0, &its, NULL))
        LOG_Warn(l->log, "timerfd_settime");
}

static void arm_timer(loop *l)
{
    struct itimerspec its;
    time_t when;

    if (l->sim) {
        arm_sim_timer(l);
        return;
    }
    memset(&its, 0, sizeof(its));
    if (DMN_NextWake(l->d, &when))
        its.it_value.tv_sec = when;     /* 0/0 disarms */
    if (timerfd_settime(l->timer_fd, TFD_TIMER_ABSTIME |
                        TFD_TIMER_CANCEL_ON_SET, &its, NULL))
        LOG_Warn(l->log, "timerfd_settime");
}

static void handle_signals(loop *l)
{
    struct signalfd_siginfo si;

    while (read(l->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        switch (si.ssi_signo) {
        case SIGHUP:
            LOG_Info(l->log, "SIGHUP: reloading %s", l->d->cfg.table_path);
            l->reload = true;
            break;
        case SIGTERM:
        case SIGINT:
            LOG_Info(l->log, "%s: %s", si.ssi_signo == SIGTERM ? "SIGTERM" :
                     "SIGINT", l->d->running ? "rolling back the transition "
                     "under way, then stopping" : "stopping");
            l->quit = true;
            l->d->stopping = true;
            l->d->cancel = 1;
            break;
        default:
            break;
        }
    }
}

static void handle_timer(loop *l)
{
    uint64_t n;
    time_t now = (time_t)(HV_WallMs(l->d->h) / 1000);

    if (read(l->timer_fd, &n, sizeof(n)) < 0 && errno == ECANCELED)
        DMN_ClockChanged(l->d, now);
    DMN_HandleTime(l->d, now);
}

/* --sim-state: save what was done so far, keeping the lock. */
static void publish(loop *l)
{
    xs_err err;

    if (l->share && SIMST_Save(l->share, &err))
        LOG_Warnx(l->log, "%s", err.msg);
}

/*
 * Called by the core during a transition: look, never wait.  A trigger
 * that comes due meanwhile is queued now, not found "missed" after a
 * long transition.
 */
static void poll_now(void *ctx, dmn *d)
{
    loop *l = ctx;
    struct pollfd p[3] = {
        { .fd = l->sig_fd, .events = POLLIN },
        { .fd = l->timer_fd, .events = POLLIN },
        { .fd = l->watch_fd, .events = POLLIN },
    };

    (void)d;
    publish(l);
    if (poll(p, 3, 0) <= 0)
        return;
    if (p[0].revents & POLLIN)
        handle_signals(l);
    if (p[1].revents & POLLIN) {
        handle_timer(l);
        arm_timer(l);
    }
    if (l->watch_fd >= 0 && (p[2].revents & POLLIN))
        DMN_HandleWatch(l->d);
}

static void do_reload(loop *l)
{
    char buf[1024];
    xs_err err;

    l->reload = false;
    if (DMN_Reload(l->d, &err))
        LOG_Warnx(l->log, "%s refused, the old table stays: %s",
                  l->d->cfg.table_path, ERR_Format(&err, buf, sizeof(buf)));
    else
        LOG_Info(l->log, "%s loaded", l->d->cfg.table_path);
}

/* A turn of the loop begins: --sim-state takes the host from the file. */
static void turn_begin(loop *l)
{
    char buf[1024];
    xs_err err;

    if (l->share && SIMST_Lock(l->share, &err))
        LOG_Warnx(l->log, "%s; going on with the host as this daemon "
                  "last saw it", ERR_Format(&err, buf, sizeof(buf)));
    follow_clock(l);
}

/* And ends: --sim-state saves the host and lets the file go. */
static void turn_end(loop *l)
{
    xs_err err;

    if (l->share && SIMST_Unlock(l->share, &err))
        LOG_Warnx(l->log, "%s", err.msg);
}

/* Sleep until something is to be done; -1 when poll fails. */
static int wait_events(loop *l, struct pollfd *p)
{
    for (;;) {
        /* A negative fd is ignored by poll: no --sim-state, no notify. */
        p[0] = (struct pollfd){ .fd = l->sig_fd, .events = POLLIN };
        p[1] = (struct pollfd){ .fd = l->timer_fd, .events = POLLIN };
        p[2] = (struct pollfd){ .fd = l->watch_fd, .events = POLLIN };
        p[3] = (struct pollfd){ .fd = l->share ? SIMST_Fd(l->share) : -1,
                                .events = POLLIN };
        if (poll(p, 4, -1) < 0) {
            if (errno == EINTR)
                continue;
            LOG_Warn(l->log, "poll");
            return -1;
        }
        if ((p[0].revents | p[1].revents | p[2].revents) & POLLIN)
            return 0;
        /* Our own saves wake us too: only another's change is news. */
        if ((p[3].revents & POLLIN) && SIMST_Changed(l->share))
            return 0;
    }
}

static int run_loop(loop *l)
{
    struct pollfd p[4];

    memset(p, 0, sizeof(p));
    while (!l->quit) {
        turn_begin(l);
        if (p[0].revents & POLLIN)
            handle_signals(l);
        if (p[1].revents & POLLIN)
            handle_timer(l);
        /* A request another process saved fired the watch at the load. */
        if ((p[2].revents & POLLIN) || l->share)
            DMN_HandleWatch(l->d);
        if (l->d->nr_queue)
            publish(l);         /* "queued", before it runs */
        DMN_RunQueue(l->d);
        if (l->reload)
            do_reload(l);
        if (!l->quit)
            arm_timer(l);
        turn_end(l);
        if (l->quit)
            break;
        if (wait_events(l, p))
            return -1;
    }
    return 0;
}

/*
 * XENSHIFT_HV_TIMES, as for xenshift: each request's hypervisor calls
 * counted into the log ("trace": every call too).
 */
static void hv_times_wanted(hv *h, dmn_config *cfg)
{
    const char *v = getenv("XENSHIFT_HV_TIMES");

    if (!v || !v[0] || strcmp(v, "0") == 0 || HV_TimesStart(h))
        return;
    cfg->hv_trace = strcmp(v, "trace") == 0;
}

/* --- pid file ----------------------------------------------------------- */

static int write_pidfile(dlog *log, const char *path)
{
    char buf[32];
    int fd, n;

    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        LOG_Warn(log, "cannot write the pid file %s", path);
        return -1;
    }
    n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
    if (write(fd, buf, (size_t)n) != n) {
        LOG_Warn(log, "cannot write the pid file %s", path);
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* --- main --------------------------------------------------------------- */

/* One transition at a time on a host; the daemon holds it for life. */
static int take_host_lock(dlog *log, xs_lock *lock, const char *path)
{
    char holder[128];
    xs_err err;
    int rc = LOCK_Take(lock, path, "xenshiftd", false, holder,
                       sizeof(holder), &err);

    if (rc == LOCK_BUSY && strncmp(holder, "xenshiftd", 9) == 0) {
        LOG_Warnx(log, "already running (%s holds %s)", holder, path);
        return -1;
    }
    if (rc == LOCK_BUSY) {
        LOG_Info(log, "waiting for %s to finish its transition", holder);
        rc = LOCK_Take(lock, path, "xenshiftd", true, holder,
                       sizeof(holder), &err);
    }
    if (rc) {
        LOG_Warnx(log, "%s", err.msg);
        return -1;
    }
    return 0;
}

/* Xen, or a simulated host: --sim-state's FILE once it exists. */
static hv *open_host(const opts *o, xs_err *err)
{
    hv *h;

    if (!o->sim && !o->sim_state)
        return HV_OpenXen(err);
    if (o->sim_state && access(o->sim_state, F_OK) == 0)
        h = HV_OpenSim(o->sim_state, err);
    else
        h = HV_OpenSim(o->sim, err);
    /* A simulated kill leaves the host where the next start finds it. */
    if (h && o->sim_state)
        HVSIM_SaveOnKill(h, o->sim_state);
    return h;
}

int main(int argc, char **argv)
{
    char buf[1024];
    opts o = { 0 };
    dmn_config cfg;
    dlog log;
    dmn d;
    loop l = { .sig_fd = -1, .watch_fd = -1, .timer_fd = -1 };
    simst share = { .notify_fd = -1 };
    xs_lock lock;
    xs_err err;
    sigset_t mask;
    hv *h = NULL;
    int rc, status = 1;
    bool have_dmn = false, have_pidfile = false, have_share = false;

    rc = parse_opts(argc, argv, &o);
    if (rc >= 0)
        return rc;
    LOCK_Init(&lock);
    LOG_Init(&log, "xenshiftd", o.foreground || o.check_only, o.verbose);

    memset(&cfg, 0, sizeof(cfg));
    cfg.table_path = o.config;
    HOOK_DefaultOpts(&cfg.hooks);
    if (o.hooks_dir)
        cfg.hooks.dir = o.hooks_dir;
    /* A simulated host runs only the hooks it is given, not the host's. */
    cfg.run_hooks = !o.no_hooks && (!o.sim || o.hooks_dir);
    EXEC_DefaultOpts(&cfg.exec);
    cfg.poll = poll_now;
    cfg.poll_ctx = &l;
    /* A simulated host draws only where it is told to. */
    cfg.timelines_dir = o.timelines ? o.timelines
                                    : o.sim ? NULL : TL_DEFAULT_DIR;
    cfg.timelines_keep = (unsigned)o.keep_timelines;

    h = open_host(&o, &err);
    if (!h) {
        LOG_Msg(&log, LOG_ERR, "%s", ERR_Format(&err, buf, sizeof(buf)));
        goto out;
    }
    hv_times_wanted(h, &cfg);
    if (DMN_Init(&d, h, &log, &cfg, &err)) {
        have_dmn = true;
        LOG_Msg(&log, LOG_ERR, "%s", ERR_Format(&err, buf, sizeof(buf)));
        goto out;
    }
    have_dmn = true;
    l.d = &d;
    l.log = &log;
    l.sim = o.sim != NULL;
    if (o.sim_state && !o.check_only) {
        if (SIMST_Init(&share, h, o.sim_state, NULL, "xenshiftd", &err)) {
            LOG_Msg(&log, LOG_ERR, "%s", err.msg);
            goto out;
        }
        have_share = true;
        l.share = &share;
    }
    if (o.check_only) {
        tbl_table *t = &d.table;

        if (DMN_Reload(&d, &err)) {
            LOG_Msg(&log, LOG_ERR, "%s", ERR_Format(&err, buf, sizeof(buf)));
            goto out;
        }
        /* A phase that does not fit is logged, not fatal: as at start. */
        printf("%s: configuration OK (%zu phase%s, %zu trigger%s, checked "
               "against the %s host", t->path, t->nr_phases,
               t->nr_phases == 1 ? "" : "s", t->nr_triggers,
               t->nr_triggers == 1 ? "" : "s", HV_DriverName(h));
        if (d.nr_unfit)
            printf("; phases that do not fit it now: %u", d.nr_unfit);
        printf(")\n");
        status = 0;
        goto out;
    }

    if (!o.foreground && daemon(0, 0)) {
        LOG_Warn(&log, "daemon");
        goto out;
    }
    if (!o.sim && take_host_lock(&log, &lock, o.lock))
        goto out;
    if (!o.sim && o.pidfile[0])
        have_pidfile = !write_pidfile(&log, o.pidfile);

    sigemptyset(&mask);
    sigaddset(&mask, SIGHUP);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    l.sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    l.timer_fd = timerfd_create(o.sim ? CLOCK_MONOTONIC : CLOCK_REALTIME,
                                TFD_NONBLOCK | TFD_CLOEXEC);
    if (l.sig_fd < 0 || l.timer_fd < 0) {
        LOG_Warn(&log, "signalfd/timerfd");
        goto out;
    }

    l.synced_ms = monotonic_ms();
    turn_begin(&l);
    rc = DMN_Start(&d, &err);
    turn_end(&l);
    if (rc < 0) {
        LOG_Msg(&log, LOG_ERR, "%s", ERR_Format(&err, buf, sizeof(buf)));
        goto out;
    }
    l.watch_fd = HV_XsWatchFd(h);
    LOG_Info(&log, "xenshiftd %s started: %s, %zu phases, %s host",
             PACKAGE_VERSION, d.table.path, d.table.nr_phases,
             HV_DriverName(h));
    sd_notify_msg("READY=1");
    status = run_loop(&l) ? 1 : 0;
    sd_notify_msg("STOPPING=1");
    turn_begin(&l);
    DMN_Stop(&d);
    turn_end(&l);
    LOG_Info(&log, "stopped after %u transitions", d.transitions);

out:
    if (have_pidfile)
        unlink(o.pidfile);
    if (l.sig_fd >= 0)
        close(l.sig_fd);
    if (l.timer_fd >= 0)
        close(l.timer_fd);
    if (have_dmn)
        DMN_Dispose(&d);
    if (have_share)
        SIMST_Dispose(&share);
    LOCK_Release(&lock);
    HV_Close(h);
    return status;
}
