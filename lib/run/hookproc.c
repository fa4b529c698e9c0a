/*
 * hookproc.c - one hook as a process: fork, exec, watch, reap.
 *
 * Choices made here (the runner's others are in hooks.c):
 *  - Each hook gets its own process group, so a time limit's SIGTERM
 *    and SIGKILL reach what the hook started too (a shell waiting for
 *    a sleep would otherwise leave the sleep holding the pipe).
 *  - The runner waits for the hook process, not for the end of its
 *    output: what a hook left running in the background may keep the
 *    pipe open, and is not waited for.  When a hook timed out, its
 *    whole group is SIGKILLed before it is reaped (the zombie keeps the
 *    group's id from being reused).
 *  - execve's failure is told to the parent through a close-on-exec
 *    pipe, so "could not be run: Exec format error" is not confused
 *    with a hook that exits 127.
 *  - All signals are blocked around fork, so none of the caller's
 *    handlers can run in the child before it resets them.
 *  - Hooks run with "/" as the working directory.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hookproc.h"

/* Without a pidfd, how often to look whether the hook has exited. */
#define HOOK_TICK_MS 20
/* After the hook exited, read at most this much more of its output. */
#define HOOK_DRAIN_MAX (1024u * 1024u)
/* Chunks of 8 KiB read in one go before the clock is looked at again. */
#define HOOK_READ_CHUNKS 16

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* What a forked child needs, all prepared before fork. */
typedef struct child_args {
    const char *path;
    char **argv;
    char **envp;
    int in, out, errpipe;
    int maxfd;                  /* for the close loop without close_range */
    const sigset_t *empty;
    const struct sigaction *dfl;
} child_args;

/*
 * glibc's sigaction refuses the signals it keeps for itself (32, 33),
 * but a caller may have them ignored (GNU make does) and an ignored
 * signal survives execve: reset them through the system call.  The
 * kernel's struct sigaction, as on x86-64 and arm64.
 */
static void reset_reserved_signal(int sig)
{
#if defined(SYS_rt_sigaction) && (defined(__x86_64__) || defined(__aarch64__))
    struct {
        void *handler;
        unsigned long flags;
        void *restorer;
        unsigned long mask;
    } ksa;

    ksa.handler = NULL;                 /* SIG_DFL */
    ksa.flags = 0;
    ksa.restorer = NULL;
    ksa.mask = 0;
    syscall(SYS_rt_sigaction, sig, &ksa, NULL, sizeof(ksa.mask));
#endif
}

/* After fork: async-signal-safe calls only. */
static void __attribute__((noreturn)) run_child(const child_args *a)
{
    int ef = a->errpipe, in, out, e, s, fd;

    setpgid(0, 0);
    for (s = 1; s < NSIG; s++) {
        if (sigaction(s, a->dfl, NULL) != 0 && s != SIGKILL && s != SIGSTOP)
            reset_reserved_signal(s);
    }
    sigprocmask(SIG_SETMASK, a->empty, NULL);

    /* Above 2 first, so the dup2s below cannot clobber one another. */
    in = fcntl(a->in, F_DUPFD_CLOEXEC, 10);
    if (in < 0)
        goto fail;
    out = fcntl(a->out, F_DUPFD_CLOEXEC, 10);
    if (out < 0)
        goto fail;
    e = fcntl(ef, F_DUPFD_CLOEXEC, 10);
    if (e < 0)
        goto fail;
    ef = e;
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
        goto fail;
    if (dup2(ef, 3) < 0)
        goto fail;
    ef = 3;
    if (fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
        goto fail;
    if (close_range(4, ~0u, 0) != 0) {
        for (fd = 4; fd < a->maxfd; fd++)
            close(fd);
    }
    if (chdir("/") < 0)
        goto fail;
    execve(a->path, a->argv, a->envp);

fail:
    e = errno;
    if (write(ef, &e, sizeof(e)) < 0)
        _exit(127);
    _exit(127);
}

typedef struct outbuf {
    char *buf;
    size_t len, cap, max;
    bool truncated;
} outbuf;

/* Keep up to max bytes; count the rest as truncated. -1: out of memory. */
static int out_add(outbuf *ob, const char *data, size_t n)
{
    size_t keep = n, cap;
    char *p;

    if (ob->len + keep > ob->max) {
        keep = ob->max - ob->len;
        ob->truncated = true;
    }
    if (ob->len + keep + 1 > ob->cap) {
        cap = ob->cap ? ob->cap : 4096;
        while (cap < ob->len + keep + 1)
            cap *= 2;
        p = realloc(ob->buf, cap);
        if (!p)
            return -1;
        ob->buf = p;
        ob->cap = cap;
    }
    memcpy(ob->buf + ob->len, data, keep);
    ob->len += keep;
    ob->buf[ob->len] = '\0';
    return 0;
}

/*
 * Read what is there, at most HOOK_READ_CHUNKS chunks (a hook that
 * writes without end must not keep the caller from its clock).
 * Returns 1 at end of file, 0 when nothing more for now, -1 when out
 * of memory.  *total counts all bytes read.
 */
static int out_read(int fd, outbuf *ob, size_t *total)
{
    char chunk[8192];
    ssize_t n;
    int i;

    for (i = 0; i < HOOK_READ_CHUNKS; i++) {
        n = read(fd, chunk, sizeof(chunk));
        if (n == 0)
            return 1;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            return 1;           /* treat a broken pipe as its end */
        }
        *total += (size_t)n;
        if (out_add(ob, chunk, (size_t)n) < 0)
            return -1;
        if ((size_t)n < sizeof(chunk))
            return 0;
    }
    return 0;
}

/* Has pid exited?  Leaves it a zombie, so its group id stays taken. */
static int child_exited(pid_t pid)
{
    siginfo_t si;

    memset(&si, 0, sizeof(si));
    if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
        return errno == EINTR ? 0 : -1;
    return si.si_pid == pid;
}

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
    long fd = syscall(SYS_pidfd_open, pid, 0);

    if (fd >= 0) {
        if (fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0) {
            close((int)fd);
            return -1;
        }
        return (int)fd;
    }
#endif
    return -1;
}

static void describe_limit(char *buf, size_t len, unsigned ms)
{
    if (ms % 1000 == 0)
        snprintf(buf, len, "%u s", ms / 1000);
    else
        snprintf(buf, len, "%u.%03u s", ms / 1000, ms % 1000);
}

static const char *sig_abbrev(int sig)
{
    const char *s = sigabbrev_np(sig);

    return s ? s : "?";
}

static void describe(hook_result *r)
{
    char lim[32];

    switch (r->kind) {
    case HOOK_RES_EXITED:
        snprintf(r->what, sizeof(r->what), "exited with status %d",
                 r->status);
        break;
    case HOOK_RES_SIGNALED:
        snprintf(r->what, sizeof(r->what), "killed by signal %d (SIG%s)",
                 r->sig, sig_abbrev(r->sig));
        break;
    case HOOK_RES_TIMED_OUT:
        describe_limit(lim, sizeof(lim), r->limit_ms);
        snprintf(r->what, sizeof(r->what), "timed out after %s%s", lim,
                 r->sig == SIGKILL ? ", killed with SIGKILL" : "");
        break;
    case HOOK_RES_EXEC_FAILED:
        snprintf(r->what, sizeof(r->what), "could not be run: %s",
                 strerror(r->sys_errno));
        break;
    case HOOK_RES_START_FAILED:
        break;                  /* set where it failed */
    }
}

/* Finish the captured output: the truncation line, a non-NULL buffer. */
static int out_finish(outbuf *ob, hook_result *r)
{
    static const char note[] = HOOK_TRUNCATED "\n";
    bool tr = ob->truncated;

    ob->max = SIZE_MAX;
    if (tr && ob->len && ob->buf[ob->len - 1] != '\n' &&
        out_add(ob, "\n", 1) < 0)
        return -1;
    if (tr && out_add(ob, note, sizeof(note) - 1) < 0)
        return -1;
    if (!ob->buf && out_add(ob, "", 0) < 0)
        return -1;
    r->output = ob->buf;
    r->output_len = ob->len;
    r->truncated = tr;
    ob->buf = NULL;
    return 0;
}

/* One hook while it runs: its pipes, its process, its clock. */
typedef struct hook_proc {
    const hook_opts *o;
    hook_result *r;
    int outp[2], errp[2], devnull, pidfd;
    pid_t pid;                  /* -1 once reaped (or never started) */
    int exec_errno;             /* execve's errno in the child, or 0 */
    bool term, killed, eof;     /* SIGTERM sent, SIGKILL sent, output ended */
    uint64_t t0, deadline, kill_at;
    size_t total;               /* bytes read, kept or not */
    outbuf ob;
    const char *what;           /* why it could not be started or waited */
} hook_proc;

static void proc_init(hook_proc *hp, const hook_opts *o, hook_result *r)
{
    memset(hp, 0, sizeof(*hp));
    hp->o = o;
    hp->r = r;
    hp->outp[0] = hp->outp[1] = hp->errp[0] = hp->errp[1] = -1;
    hp->devnull = hp->pidfd = -1;
    hp->pid = -1;
    hp->kill_at = UINT64_MAX;
    hp->ob.max = o->max_output;
    r->limit_ms = o->timeout_ms;
    hp->t0 = now_ms();
}

static void proc_dispose(hook_proc *hp)
{
    free(hp->ob.buf);
    close_fd(&hp->devnull);
    close_fd(&hp->outp[0]);
    close_fd(&hp->outp[1]);
    close_fd(&hp->errp[0]);
    close_fd(&hp->errp[1]);
    close_fd(&hp->pidfd);
}

/*
 * Fork and exec the hook with stdin on /dev/null and its output into a
 * pipe; learn whether execve worked.  -1 with hp->what and errno set
 * when it could not be started.
 */
static int proc_start(hook_proc *hp, const char *path, char **argv,
                      char **envp, int maxfd)
{
    sigset_t all, old, empty;
    struct sigaction dfl;
    child_args ca;
    ssize_t got;
    int e;

    hp->devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (hp->devnull < 0) {
        hp->what = "could not be started: /dev/null";
        return -1;
    }
    if (pipe2(hp->outp, O_CLOEXEC) < 0 || pipe2(hp->errp, O_CLOEXEC) < 0) {
        hp->what = "could not be started: pipe";
        return -1;
    }

    sigemptyset(&empty);
    sigfillset(&all);
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    ca.path = path;
    ca.argv = argv;
    ca.envp = envp;
    ca.in = hp->devnull;
    ca.out = hp->outp[1];
    ca.errpipe = hp->errp[1];
    ca.maxfd = maxfd;
    ca.empty = &empty;
    ca.dfl = &dfl;

    sigprocmask(SIG_BLOCK, &all, &old);
    hp->pid = fork();
    if (hp->pid == 0)
        run_child(&ca);
    e = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (hp->pid < 0) {
        hp->pid = -1;
        errno = e;
        hp->what = "could not be started: fork";
        return -1;
    }
    close_fd(&hp->devnull);
    close_fd(&hp->outp[1]);
    close_fd(&hp->errp[1]);

    /* EOF: execve succeeded and closed its end; an int: its errno. */
    do {
        got = read(hp->errp[0], &e, sizeof(e));
    } while (got < 0 && errno == EINTR);
    close_fd(&hp->errp[0]);
    if (got == (ssize_t)sizeof(e))
        hp->exec_errno = e;
    return 0;
}

/* Past the deadline: SIGTERM to its group, then SIGKILL after grace. */
static void proc_enforce_limit(hook_proc *hp, uint64_t now)
{
    if (!hp->term && now >= hp->deadline) {
        kill(-hp->pid, SIGTERM);
        hp->term = true;
        hp->kill_at = now + hp->o->grace_ms;
    }
    if (hp->term && !hp->killed && now >= hp->kill_at) {
        kill(-hp->pid, SIGKILL);
        hp->killed = true;
    }
}

/* How long to poll: until the next signal is due, in ticks without pidfd. */
static int proc_wait_ms(const hook_proc *hp, uint64_t now)
{
    uint64_t next = !hp->term ? hp->deadline :
                    !hp->killed ? hp->kill_at : UINT64_MAX;
    int wait_ms = next == UINT64_MAX ? -1 :
                  next - now > INT_MAX ? INT_MAX : (int)(next - now);

    if (hp->pidfd < 0 && (wait_ms < 0 || wait_ms > HOOK_TICK_MS))
        wait_ms = HOOK_TICK_MS;
    return wait_ms;
}

/* Output, exit or the next deadline; -1 when out of memory. */
static int proc_poll(hook_proc *hp, int wait_ms)
{
    struct pollfd pfd[2];
    nfds_t nfds = 0;
    int n;

    if (!hp->eof) {
        pfd[nfds].fd = hp->outp[0];
        pfd[nfds++].events = POLLIN;
    }
    if (hp->pidfd >= 0) {
        pfd[nfds].fd = hp->pidfd;
        pfd[nfds++].events = POLLIN;
    }
    n = poll(pfd, nfds, wait_ms);
    if (n < 0) {
        if (errno != EINTR)
            poll(NULL, 0, HOOK_TICK_MS);
        return 0;
    }
    if (!hp->eof && pfd[0].revents) {
        n = out_read(hp->outp[0], &hp->ob, &hp->total);
        if (n < 0)
            return -1;
        if (n > 0)
            hp->eof = true;
    }
    return 0;
}

/* What it wrote before it exited is in the pipe; -1: out of memory. */
static int proc_drain(hook_proc *hp)
{
    int n;

    while (!hp->eof && hp->total < HOOK_DRAIN_MAX) {
        n = out_read(hp->outp[0], &hp->ob, &hp->total);
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        hp->eof = true;
    }
    return 0;
}

/*
 * Collect its output until it exits, within the time limit.  -1 with
 * hp->what and errno set when it could not be watched.
 */
static int proc_watch(hook_proc *hp)
{
    uint64_t now;
    int ex;

    if (fcntl(hp->outp[0], F_SETFL, O_NONBLOCK) < 0) {
        hp->what = "could not be started: fcntl";
        return -1;
    }
    hp->pidfd = open_pidfd(hp->pid);
    hp->deadline = hp->o->timeout_ms ? hp->t0 + hp->o->timeout_ms
                                     : UINT64_MAX;
    for (;;) {
        ex = child_exited(hp->pid);
        if (ex < 0) {
            hp->what = "could not be waited for: waitid";
            return -1;
        }
        if (ex) {
            if (proc_drain(hp) < 0)
                goto oom;
            break;
        }
        now = now_ms();
        proc_enforce_limit(hp, now);
        if (proc_poll(hp, proc_wait_ms(hp, now)) < 0)
            goto oom;
    }
    /* Whatever the hook started goes with it. */
    if (hp->term)
        kill(-hp->pid, SIGKILL);
    return 0;
oom:
    errno = ENOMEM;
    hp->what = "output lost";
    return -1;
}

/* Reap it and say how it ended; -1 with hp->what set when waitpid fails. */
static int proc_reap(hook_proc *hp)
{
    hook_result *r = hp->r;
    int n, st;

    do {
        n = waitpid(hp->pid, &st, 0);
    } while (n < 0 && errno == EINTR);
    hp->pid = -1;
    if (n < 0) {
        hp->what = "could not be waited for: waitpid";
        return -1;
    }
    r->elapsed_ms = now_ms() - hp->t0;
    if (hp->exec_errno) {
        r->kind = HOOK_RES_EXEC_FAILED;
        r->sys_errno = hp->exec_errno;
    } else if (hp->term) {
        r->kind = HOOK_RES_TIMED_OUT;
        r->sig = hp->killed ? SIGKILL : SIGTERM;
    } else if (WIFEXITED(st)) {
        r->kind = HOOK_RES_EXITED;
        r->status = WEXITSTATUS(st);
    } else {
        r->kind = HOOK_RES_SIGNALED;
        r->sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    }
    describe(r);
    return 0;
}

/* Do not leave it running unwatched (errno is kept). */
static void proc_kill(hook_proc *hp)
{
    int e = errno, st;

    if (hp->pid > 0) {
        kill(-hp->pid, SIGKILL);
        kill(hp->pid, SIGKILL);
        while (waitpid(hp->pid, &st, 0) < 0 && errno == EINTR)
            ;
        hp->pid = -1;
    }
    errno = e;
}

/* It could not be started or waited for: START_FAILED, from errno. */
static void proc_failed(hook_proc *hp, xs_err *err)
{
    hook_result *r = hp->r;
    int e = errno;

    r->kind = HOOK_RES_START_FAILED;
    r->sys_errno = e;
    r->elapsed_ms = now_ms() - hp->t0;
    snprintf(r->what, sizeof(r->what), "%s: %s", hp->what, strerror(e));
    ERR_Set(err, "hook %s %s", r->name, r->what);
    if (out_finish(&hp->ob, r) < 0)
        r->output = NULL;       /* HOOK_Run drops this result */
}

int HOOKPROC_Run(const hook_opts *o, const char *path, char **argv,
                 char **envp, int maxfd, hook_result *r, xs_err *err)
{
    hook_proc hp;
    int rc = -1;

    proc_init(&hp, o, r);
    if (proc_start(&hp, path, argv, envp, maxfd) < 0)
        goto failed;
    if (!hp.exec_errno && proc_watch(&hp) < 0) {
        proc_kill(&hp);
        goto failed;
    }
    if (proc_reap(&hp) < 0)
        goto failed;
    if (out_finish(&hp.ob, r) < 0) {
        errno = ENOMEM;
        hp.what = "output lost";
        goto failed;
    }
    rc = 0;
    goto out;
failed:
    proc_failed(&hp, err);
out:
    proc_dispose(&hp);
    return rc;
}
