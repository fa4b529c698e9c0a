/*
 * xenshiftd.c - the policy daemon: main(), options and the event loop.
 *
 * One poll(2) loop over three descriptors: the xenstore watch (requests),
 * a timerfd armed for the next "at" trigger (absolute, on the real-time
 * clock, cancelled when the clock is set) and a signalfd (SIGHUP reloads
 * the table, SIGTERM/SIGINT end the daemon after rolling back what
 * runs).  With nothing to do it sleeps in poll: no periodic wake-ups.
 * The policy itself is daemon.c.
 */
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
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "lock.h"
#include "log.h"

#define DEFAULT_CONFIG "/etc/xenshift/xenshift.json"
#define DEFAULT_PIDFILE "/run/xenshiftd.pid"

typedef struct opts {
    const char *config;
    const char *sim;
    const char *pidfile;
    const char *lock;
    const char *hooks_dir;
    bool no_hooks;
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
} loop;

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: xenshiftd [-F] [-n] [-v] [-c FILE] [-p PIDFILE] "
            "[--sim FIXTURE]\n"
            "                 [--hooks-dir DIR | --no-hooks] [--lock FILE]\n"
            "\n"
            "  -c, --config FILE   the phase table (default %s)\n"
            "  -F, --foreground    stay in the foreground, log to stderr\n"
            "  -n, --check         check the table against the host, "
            "then exit\n"
            "  -p, --pidfile FILE  default %s\n"
            "  -v, --verbose       log debug messages too\n"
            "      --sim FIXTURE   a simulated host instead of Xen\n"
            "      --hooks-dir DIR default /etc/xenshift/hooks.d\n"
            "      --no-hooks      run no hooks\n"
            "      --lock FILE     default %s\n"
            "  -h, --help          this text\n"
            "See xenshiftd(8).\n", DEFAULT_CONFIG, DEFAULT_PIDFILE,
            LOCK_DEFAULT_PATH);
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
        { "hooks-dir", required_argument, NULL, 'H' },
        { "no-hooks", no_argument, NULL, 'N' },
        { "lock", required_argument, NULL, 'L' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    o->config = DEFAULT_CONFIG;
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
        case 'H': o->hooks_dir = optarg; break;
        case 'N': o->no_hooks = true; break;
        case 'L': o->lock = optarg; break;
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

static void arm_timer(loop *l)
{
    struct itimerspec its;
    time_t when;

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
    if (poll(p, l->watch_fd >= 0 ? 3 : 2, 0) <= 0)
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

static int run_loop(loop *l)
{
    struct pollfd p[3];

    while (!l->quit) {
        DMN_RunQueue(l->d);
        if (l->reload)
            do_reload(l);
        if (l->quit)
            break;
        arm_timer(l);
        p[0] = (struct pollfd){ .fd = l->sig_fd, .events = POLLIN };
        p[1] = (struct pollfd){ .fd = l->timer_fd, .events = POLLIN };
        p[2] = (struct pollfd){ .fd = l->watch_fd, .events = POLLIN };
        if (poll(p, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            LOG_Warn(l->log, "poll");
            return -1;
        }
        if (p[0].revents & POLLIN)
            handle_signals(l);
        if (p[1].revents & POLLIN)
            handle_timer(l);
        if (p[2].revents & POLLIN)
            DMN_HandleWatch(l->d);
    }
    return 0;
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

int main(int argc, char **argv)
{
    char buf[1024], holder[128];
    opts o = { 0 };
    dmn_config cfg;
    dlog log;
    dmn d;
    loop l = { .sig_fd = -1, .watch_fd = -1, .timer_fd = -1 };
    xs_lock lock;
    xs_err err;
    sigset_t mask;
    hv *h = NULL;
    int rc, status = 1;
    bool have_dmn = false, have_pidfile = false;

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
    cfg.run_hooks = !o.no_hooks;
    EXEC_DefaultOpts(&cfg.exec);
    cfg.poll = poll_now;
    cfg.poll_ctx = &l;

    h = o.sim ? HV_OpenSim(o.sim, &err) : HV_OpenXen(&err);
    if (!h) {
        LOG_Msg(&log, LOG_ERR, "%s", ERR_Format(&err, buf, sizeof(buf)));
        goto out;
    }
    if (DMN_Init(&d, h, &log, &cfg, &err)) {
        have_dmn = true;
        LOG_Msg(&log, LOG_ERR, "%s", ERR_Format(&err, buf, sizeof(buf)));
        goto out;
    }
    have_dmn = true;
    l.d = &d;
    l.log = &log;
    if (o.check_only) {
        tbl_table *t = &d.table;

        if (DMN_Reload(&d, &err)) {
            LOG_Msg(&log, LOG_ERR, "%s", ERR_Format(&err, buf, sizeof(buf)));
            goto out;
        }
        /* A phase that does not fit is logged, not fatal: as at start. */
        printf("%s: configuration OK (%zu phases, %zu triggers, checked "
               "against the %s host", t->path, t->nr_phases,
               t->nr_triggers, HV_DriverName(h));
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
    /* One transition at a time on a host; the daemon holds it for life. */
    if (!o.sim) {
        rc = LOCK_Take(&lock, o.lock, "xenshiftd", false, holder,
                       sizeof(holder), &err);
        if (rc == LOCK_BUSY && strncmp(holder, "xenshiftd", 9) == 0) {
            LOG_Warnx(&log, "already running (%s holds %s)", holder, o.lock);
            goto out;
        }
        if (rc == LOCK_BUSY) {
            LOG_Info(&log, "waiting for %s to finish its transition",
                     holder);
            rc = LOCK_Take(&lock, o.lock, "xenshiftd", true, holder,
                           sizeof(holder), &err);
        }
        if (rc) {
            LOG_Warnx(&log, "%s", err.msg);
            goto out;
        }
    }
    if (!o.sim && o.pidfile[0])
        have_pidfile = !write_pidfile(&log, o.pidfile);

    sigemptyset(&mask);
    sigaddset(&mask, SIGHUP);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    l.sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    l.timer_fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
    if (l.sig_fd < 0 || l.timer_fd < 0) {
        LOG_Warn(&log, "signalfd/timerfd");
        goto out;
    }

    rc = DMN_Start(&d, &err);
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
    DMN_Stop(&d);
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
    LOCK_Release(&lock);
    HV_Close(h);
    return status;
}
