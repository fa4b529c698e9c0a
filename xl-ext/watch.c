/*
 * watch.c - xenshift status --watch: samples of the host, and when to
 * show one.
 *
 * Everything comes from the host, as any other reader gets it: the
 * domains through hv (SNAP_Take), the transition from what its runner
 * (xenshiftd, or apply in its own process) keeps in xenstore -- the
 * journal (from, to, step, state, capacity-ms, placement-ms, and the
 * record of the host before its first change), the answer of its
 * request (progress, started-at), the result node.  A
 * domain's target is its memory in the table's phase the journal goes
 * to (what the planner aims at); where it set out from is the record.
 * Whether its runner lives is told as status tells it: by the lock it
 * holds (the host's, or a --sim-state host's FILE.lock).
 *
 * A sample is taken every interval, and sooner (at most ten a second)
 * when xenstore changes: on Xen a watch on XSP_ROOT, on a simulated
 * host shared through --sim-state the state file's inotify descriptor.
 * The watch never takes FILE.lock, nor the host's lock: it only reads.
 *
 * On a terminal: the screen redrawn in place (ANSI home, erase to the
 * end of each line and of the screen; no curses), keys read without
 * echo, q or Ctrl-C end it and put the terminal back as it was.  Not on
 * a terminal: a line for each thing that changed (the transition, a
 * domain), or with -j one JSON object per line.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "sim_state.h"
#include "watch.h"
#include "xspath.h"

#define MIN_GAP_MS 100          /* a change is shown at most this often */
#define AT_TARGET_KIB 1024      /* balloons stop a few pages off */

typedef struct watch_seen {
    char *name;
    char *line;
} watch_seen;

typedef struct watcher {
    const xs_cli *cli;
    const watch_opts *o;
    tbl_table t;
    hv *h;
    simst share;
    bool shared;                /* share is set up */
    int change_fd;              /* readable when the host may have changed */
    char lock_path[4200];       /* what a transition's runner holds; "":
                                 * nothing (a --sim fixture of its own) */
    bool tty;                   /* draw frames, not lines */
    bool keys;                  /* stdin is a terminal put in key mode */
    struct termios saved;
    unsigned long updates;      /* frames drawn or changes printed */
    bool saw_transition;
    char jkey[600];             /* from, to, request of the one seen */
    uint64_t first_seen_ms;     /* HV_NowMs when it was first seen */
    char head[1024];            /* the last head line, without the time */
    watch_seen *seen;           /* the last line of each domain */
    size_t nr_seen;
} watcher;

/* --- signals and the terminal -------------------------------------------- */

static volatile sig_atomic_t watch_stop, watch_suspend;
#define NR_WATCH_SIGNALS 4
static const int watch_signals[NR_WATCH_SIGNALS] = { SIGINT, SIGTERM, SIGHUP,
                                                     SIGTSTP };

static void on_signal(int sig)
{
    if (sig == SIGTSTP)
        watch_suspend = 1;
    else
        watch_stop = 1;
}

/*
 * No SA_RESTART: poll returns at once with EINTR.  SIGTSTP (Ctrl-Z) is
 * caught too, so that the terminal is given back before the stop.
 */
static void catch_signals(struct sigaction *saved)
{
    watch_stop = watch_suspend = 0;
    CMD_CatchSignals(watch_signals, NR_WATCH_SIGNALS, on_signal, saved);
}

static void restore_signals(const struct sigaction *saved)
{
    CMD_RestoreSignals(watch_signals, NR_WATCH_SIGNALS, saved);
}

/* Keys one at a time, unechoed; the cursor hidden, the screen cleared. */
static void term_begin(watcher *w)
{
    struct termios raw;

    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &w->saved) == 0) {
        raw = w->saved;
        raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
        raw.c_cc[VMIN] = 1;
        raw.c_cc[VTIME] = 0;
        w->keys = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    }
    fputs("\033[?25l\033[H\033[2J", stdout);
    fflush(stdout);
}

/* As it was: the last frame stays on the screen, the cursor below it. */
static void term_end(watcher *w)
{
    fputs("\033[?25h", stdout);
    fflush(stdout);
    if (w->keys)
        tcsetattr(STDIN_FILENO, TCSANOW, &w->saved);
    w->keys = false;
}

/*
 * Ctrl-Z: the terminal as it was, then stop as SIGTSTP would have
 * stopped us; at SIGCONT, key mode again and a clean screen.
 */
static void suspend(watcher *w)
{
    struct sigaction dfl, ours;

    watch_suspend = 0;
    if (w->tty)
        term_end(w);
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGTSTP, &dfl, &ours);
    raise(SIGTSTP);
    sigaction(SIGTSTP, &ours, NULL);
    if (w->tty)
        term_begin(w);
}

/* --- samples ------------------------------------------------------------ */

/* A xenstore node into buf; "" when it is not there. */
static void read_node(hv *h, const char *path, char *buf, size_t len)
{
    char *v = NULL;

    buf[0] = '\0';
    if (HV_XsRead(h, path, &v))
        return;
    snprintf(buf, len, "%s", v);
    free(v);
}

/* Milliseconds since the transition started: -1 when not known. */
static long long elapsed_of(watcher *w, watch_sample *s)
{
    char path[256], v[32], *end;
    long long started;

    if (s->jnl.request[0]) {
        snprintf(path, sizeof(path), XSP_ANSWER "/%s/" XSP_A_STARTED_AT,
                 s->jnl.request);
        read_node(w->h, path, v, sizeof(v));
        started = strtoll(v, &end, 10);
        if (v[0] && !*end && started > 0 && HV_WallMs(w->h) >= started)
            return HV_WallMs(w->h) - started;
    }
    /* Run without a request (apply in its own process): since seen. */
    return (long long)(HV_NowMs(w->h) - w->first_seen_ms);
}

/* Where a domain's memory goes, and how far it has come. */
static void dom_way(const watch_sample *s, const tbl_phase *to,
                    const rec_record *rec, watch_dom *wd)
{
    const tbl_alloc *a = to ? TBL_FindAlloc(to, wd->name) : NULL;
    const rec_domain *rd = rec->taken ? REC_FindDomain(rec, wd->name) : NULL;
    bool back = strcmp(s->jnl.state, "running") != 0;
    uint64_t way, done;

    wd->pct = -1;
    if (!a)
        return;
    wd->in_transition = true;
    wd->target_kib = a->memory_kib;
    wd->has_from = rd != NULL;
    wd->from_kib = rd ? rd->mem_kib : 0;
    if (back && rd) {
        /* rolling back: from the phase's memory to the recorded one */
        wd->from_kib = a->memory_kib;
        wd->target_kib = rd->target_kib;
    }
    if (wd->mem_kib + AT_TARGET_KIB >= wd->target_kib &&
        wd->mem_kib <= wd->target_kib + AT_TARGET_KIB) {
        wd->pct = 100;
        return;
    }
    if (!wd->has_from || wd->from_kib == wd->target_kib)
        return;
    way = wd->from_kib > wd->target_kib ? wd->from_kib - wd->target_kib
                                        : wd->target_kib - wd->from_kib;
    if (wd->from_kib > wd->target_kib)
        done = wd->mem_kib < wd->from_kib ? wd->from_kib - wd->mem_kib : 0;
    else
        done = wd->mem_kib > wd->from_kib ? wd->mem_kib - wd->from_kib : 0;
    wd->pct = done >= way ? 99 : (int)(done * 100 / way);
}

/* The step it is in ("memory 1536 MiB -> 512 MiB"), else a state. */
static void dom_stage(const watch_sample *s, watch_dom *wd)
{
    const char *step = s->jnl.step, *undo = "";
    size_t n = strlen(wd->name);

    wd->stage[0] = '\0';
    if (!s->jnl.present)
        return;
    if (strncmp(step, "undo: ", 6) == 0) {
        step += 6;
        undo = "undo: ";
    }
    if (strncmp(step, wd->name, n) == 0 && step[n] == ':' &&
        step[n + 1] == ' ') {
        snprintf(wd->stage, sizeof(wd->stage), "%s%s", undo, step + n + 2);
        return;
    }
    if (!wd->in_transition)
        return;
    if (wd->pct == 100)
        snprintf(wd->stage, sizeof(wd->stage), "memory at target");
    else if (wd->has_from && wd->mem_kib != wd->from_kib)
        snprintf(wd->stage, sizeof(wd->stage), "moving");
    else
        snprintf(wd->stage, sizeof(wd->stage), "waiting");
}

static void sample_dispose(watch_sample *s)
{
    free(s->match);
    free(s->doms);
    SNAP_Dispose(&s->snap);
    memset(s, 0, sizeof(*s));
}

/*
 * Whether the journal's runner lives, as status tells it (CMD_RunnerAlive):
 * -1 (cannot be told) on a --sim fixture without --sim-state, where no
 * process runs anything and the journal is shown as it reads.
 */
static int probe_runner(watcher *w, watch_sample *s)
{
    if (!w->lock_path[0]) {
        snprintf(s->why, sizeof(s->why), "a simulated host of its own");
        return -1;
    }
    return CMD_RunnerAlive(w->lock_path, s->holder, sizeof(s->holder),
                           s->why, sizeof(s->why));
}

/*
 * The lock probed before the sample (before) and again now that the
 * journal is read: a transition that ended or began in between holds
 * it at one of the two, so only one that died is dead.
 */
static void runner_of(watcher *w, watch_sample *s, int before)
{
    int after = probe_runner(w, s);

    s->alive = before > 0 || after > 0 ? 1 : before < 0 || after < 0 ? -1
                                                                    : 0;
    s->dead = s->alive == 0 && strcmp(s->jnl.state, "failed") != 0;
}

/* The transition: journal, its answer, and the domains on their way. */
static int sample_transition(watcher *w, watch_sample *s, int before,
                             xs_err *err)
{
    char key[sizeof(w->jkey)], path[256];
    const tbl_phase *to;
    rec_record rec;
    size_t i;

    REC_Init(&rec);
    if (JNL_Read(w->h, &s->jnl, err))
        return -1;
    /* Read while JNL_End removed it: gone, not a transition to "". */
    if (!s->jnl.to[0])
        s->jnl.present = false;
    if (!s->jnl.present) {
        w->jkey[0] = '\0';
        return 0;
    }
    snprintf(key, sizeof(key), "%s\n%s\n%s", s->jnl.from, s->jnl.to,
             s->jnl.request);
    if (strcmp(key, w->jkey) != 0) {
        snprintf(w->jkey, sizeof(w->jkey), "%s", key);
        w->first_seen_ms = HV_NowMs(w->h);
    }
    if (s->jnl.request[0]) {
        snprintf(path, sizeof(path), XSP_ANSWER "/%s/" XSP_A_PROGRESS,
                 s->jnl.request);
        read_node(w->h, path, s->progress, sizeof(s->progress));
    }
    runner_of(w, s, before);
    /* A journal left failed, or by the dead, has no clock: it stopped. */
    if (s->dead)
        s->failure = "interrupted: the process running it died; 'xenshift "
                     "recover' puts the host back, as apply does first";
    else if (strcmp(s->jnl.state, "failed") != 0)
        s->elapsed_ms = elapsed_of(w, s);
    else
        s->failure = s->result[0] ? s->result : "a roll-back did not "
                     "complete: the host may be between phases";
    /* No whole record yet: where each domain set out from is unknown. */
    if (JNL_ReadRecord(w->h, &rec, err))
        REC_Init(&rec);
    to = TBL_FindPhase(&w->t, s->jnl.to);
    for (i = 0; i < s->snap.nr_doms; i++) {
        dom_way(s, to, &rec, &s->doms[i]);
        dom_stage(s, &s->doms[i]);
    }
    REC_Dispose(&rec);
    return 0;
}

static int take_sample(watcher *w, watch_sample *s, xs_err *err)
{
    size_t i;
    int before;

    memset(s, 0, sizeof(*s));
    SNAP_Init(&s->snap);
    s->elapsed_ms = -1;
    s->alive = -1;
    before = probe_runner(w, s);
    if (w->shared && SIMST_Refresh(&w->share, err))
        return -1;
    if (SNAP_Take(w->h, &s->snap, err))
        return -1;
    s->match = calloc(w->t.nr_phases ? w->t.nr_phases : 1,
                      sizeof(*s->match));
    s->doms = calloc(s->snap.nr_doms ? s->snap.nr_doms : 1,
                     sizeof(*s->doms));
    if (!s->match || !s->doms) {
        ERR_Set(err, "out of memory");
        return -1;
    }
    CMD_MatchPhases(&s->snap, &w->t, s->match);
    for (i = 0; i < s->snap.nr_doms; i++) {
        s->doms[i].name = s->snap.doms[i].name;
        s->doms[i].domid = s->snap.doms[i].domid;
        s->doms[i].mem_kib = s->snap.doms[i].mem_kib;
        s->doms[i].pct = -1;
    }
    /* The phase as status tells it (XSP_PHASE may be unset or older). */
    for (i = 0; i < w->t.nr_phases; i++)
        if (s->match[i].reach.reached) {
            snprintf(s->phase, sizeof(s->phase), "%s", s->match[i].name);
            break;
        }
    read_node(w->h, XSP_RESULT, s->result, sizeof(s->result));
    if (sample_transition(w, s, before, err))
        return -1;
    /*
     * The runner writes the result, then removes the journal.  Read
     * before the journal, the result may be the one before this
     * transition's (a run that ends within the sample): with the
     * journal gone, the result read now is the one it ended with.
     */
    if (!s->jnl.present)
        read_node(w->h, XSP_RESULT, s->result, sizeof(s->result));
    return 0;
}

/* --- showing ------------------------------------------------------------ */

/*
 * The terminal's rows and columns, 0 when it does not say.  A frame
 * keeps to them as watch(1) does: a line that wrapped or a frame that
 * scrolled would leave the next frame's home off its top.
 */
static void term_size(unsigned *rows, unsigned *cols)
{
    struct winsize ws;

    *rows = *cols = 0;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) {
        *rows = ws.ws_row;
        *cols = ws.ws_col;
    }
}

/* Bytes of a line of n that fit in cols - 1, not cutting a UTF-8 char. */
static size_t fit(const char *line, size_t n, unsigned cols)
{
    if (!cols || n < cols)
        return n;
    n = cols - 1;
    while (n && ((unsigned char)line[n] & 0xc0) == 0x80)
        n--;
    return n;
}

static void frame(watcher *w, const watch_sample *s)
{
    char *text = NULL, *line, *nl;
    size_t len = 0, n;
    unsigned rows, cols, row = 0;
    FILE *f = open_memstream(&text, &len);

    if (!f)
        return;
    OUT_WatchFrame(f, s, &w->t, HV_DriverName(w->h), w->o,
                   w->cli->verbose);
    fclose(f);
    term_size(&rows, &cols);
    /* Home, then each line over the last frame's, then erase the rest. */
    fputs("\033[H", stdout);
    for (line = text; line && *line; line = nl ? nl + 1 : "") {
        /* The last row stays free: a line feed there would scroll. */
        if (rows && ++row >= rows)
            break;
        nl = strchr(line, '\n');
        n = nl ? (size_t)(nl - line) : strlen(line);
        fwrite(line, 1, fit(line, n, cols), stdout);
        fputs("\033[K\n", stdout);
    }
    fputs("\033[J", stdout);
    fflush(stdout);
    free(text);
    w->updates++;
}

/* Remember line as domain name's last; true when it differs. */
static bool dom_changed(watcher *w, const char *name, const char *line)
{
    watch_seen *v;
    size_t i;

    for (i = 0; i < w->nr_seen; i++)
        if (strcmp(w->seen[i].name, name) == 0)
            break;
    if (i < w->nr_seen && strcmp(w->seen[i].line, line) == 0)
        return false;
    if (i == w->nr_seen) {
        v = realloc(w->seen, (w->nr_seen + 1) * sizeof(*v));
        if (!v)
            return true;
        w->seen = v;
        w->seen[i].name = strdup(name);
        w->seen[i].line = NULL;
        if (!w->seen[i].name)
            return true;
        w->nr_seen++;
    }
    free(w->seen[i].line);
    w->seen[i].line = strdup(line);
    return true;
}

/*
 * Not on a terminal: what changed, as lines or as one JSON object.
 * with_head false: the domains only (before the end line).
 */
static void changes(watcher *w, const watch_sample *s, bool with_head)
{
    char line[1024];
    bool head = false, any = false;
    size_t i;

    if (with_head) {
        OUT_WatchHeadLine(s, false, line, sizeof(line));
        head = strcmp(line, w->head) != 0;
        snprintf(w->head, sizeof(w->head), "%s", line);
    }
    if (head && !w->cli->json)
        printf("%s\n", OUT_WatchHeadLine(s, true, line, sizeof(line)));
    for (i = 0; i < s->snap.nr_doms; i++) {
        OUT_WatchDomLine(&s->doms[i], line, sizeof(line));
        if (dom_changed(w, s->doms[i].name, line)) {
            any = true;
            if (!w->cli->json)
                printf("%s\n", line);
        }
    }
    if (!head && !any)
        return;
    if (w->cli->json)
        OUT_WatchJson(stdout, s, false);
    fflush(stdout);
    w->updates++;
}

/* The transition seen has ended; true when it failed. */
static bool ended(watcher *w, watch_sample *s)
{
    char line[1024];

    if (strncmp(s->result, "failed", 6) == 0)
        s->failure = s->result;

    if (w->tty) {
        frame(w, s);
    } else if (w->cli->json) {
        OUT_WatchJson(stdout, s, true);
        w->updates++;
    } else {
        /* Where the domains ended, then how. */
        changes(w, s, false);
        printf("%s\n", OUT_WatchEndLine(s, line, sizeof(line)));
        w->updates++;
    }
    fflush(stdout);
    return s->failure != NULL;
}

/* --- waiting ------------------------------------------------------------ */

static uint64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Drain the change descriptor: true when the host may have changed. */
static bool drain_changes(watcher *w)
{
    char *p, *t;
    bool any = false;

    if (w->shared)
        return SIMST_Changed(&w->share);
    while (HV_XsReadWatch(w->h, &p, &t) == 1) {
        free(p);
        free(t);
        any = true;
    }
    return any;
}

/* Until the next sample is due: 1, or 0 when q or a signal ends it. */
static int wait_next(watcher *w, uint64_t last)
{
    uint64_t due = last + w->o->interval_ms, now;
    uint64_t soon = last + (w->o->interval_ms < MIN_GAP_MS ?
                            w->o->interval_ms : MIN_GAP_MS);

    for (;;) {
        struct pollfd p[2] = {
            { .fd = w->keys ? STDIN_FILENO : -1, .events = POLLIN },
            { .fd = w->change_fd, .events = POLLIN },
        };
        char c;

        now = mono_ms();
        if (watch_stop)
            return 0;
        if (now >= due)
            return 1;
        if (poll(p, 2, (int)(due - now)) < 0 && errno != EINTR)
            return 1;
        if (watch_stop)
            return 0;
        if (watch_suspend) {
            suspend(w);
            return 1;       /* the screen was cleared: draw it now */
        }
        if ((p[0].revents & POLLIN) && read(STDIN_FILENO, &c, 1) == 1 &&
            (c == 'q' || c == 'Q'))
            return 0;
        if ((p[1].revents & POLLIN) && drain_changes(w) && due > soon)
            due = soon;
    }
}

/* --- the loop ----------------------------------------------------------- */

/*
 * A sample reads the host before the journal: one that finds the journal
 * gone may hold the host from before the last steps (seen on the bed:
 * "transition ended: ok takeover; phase none").  The end is told from a
 * new look, after it.
 */
static int sample_again(watcher *w, watch_sample *s, xs_err *err)
{
    sample_dispose(s);
    return take_sample(w, s, err);
}

/* Samples until the end: an exit code, or -1 (err) when the host fails. */
static int watch_loop(watcher *w, xs_err *err)
{
    watch_sample s;
    bool end_when_idle = w->o->until_idle || !w->tty, runs;
    uint64_t last;
    int rc = XS_EXIT_OK;

    for (;;) {
        last = mono_ms();
        if (take_sample(w, &s, err)) {
            sample_dispose(&s);
            return -1;
        }
        /* A journal left "failed", or by the dead, ran out already. */
        runs = s.jnl.present && !s.failure;
        if (w->saw_transition && !runs) {
            w->saw_transition = false;
            if (sample_again(w, &s, err)) {
                sample_dispose(&s);
                return -1;
            }
            if (ended(w, &s))
                rc = XS_EXIT_FAIL;
            if (end_when_idle)
                break;
            rc = XS_EXIT_OK;
        } else if (w->tty) {
            frame(w, &s);
        } else {
            changes(w, &s, true);
        }
        if (runs)
            w->saw_transition = true;
        /* Nothing runs: the view is the status, once when it ends so. */
        if (!runs && end_when_idle && (w->tty || !w->o->count)) {
            /* That failed journal: the host may be between phases. */
            if (s.failure)
                rc = XS_EXIT_FAIL;
            break;
        }
        if (w->o->count && w->updates >= w->o->count)
            break;
        sample_dispose(&s);
        if (!wait_next(w, last))
            return rc;
    }
    sample_dispose(&s);
    return rc;
}

static int watch_open(watcher *w, xs_err *err)
{
    if (CMD_LoadTable(w->cli, &w->t))
        return -1;
    /*
     * Not CMD_OpenHost: a watch never saves the host, not even at a
     * simulated kill (HVSIM_SaveOnKill), or its copy would overwrite
     * the daemon's.
     */
    if (!w->cli->sim)
        w->h = HV_OpenXen(err);
    else if (w->cli->sim_state && access(w->cli->sim_state, F_OK) == 0)
        w->h = HV_OpenSim(w->cli->sim_state, err);
    else
        w->h = HV_OpenSim(w->cli->sim, err);
    if (!w->h) {
        OUT_Fail(w->cli, OUT_FAIL_HOST, err, "cannot open the host");
        return -1;
    }
    if (w->cli->sim && w->cli->sim_state) {
        if (SIMST_Init(&w->share, w->h, w->cli->sim_state, NULL,
                       "xenshift", err)) {
            OUT_Fail(w->cli, OUT_FAIL_HOST, err, NULL);
            return -1;
        }
        w->shared = true;
        w->change_fd = SIMST_Fd(&w->share);
        /* Whoever changes a shared host holds it (xenshift.c). */
        snprintf(w->lock_path, sizeof(w->lock_path), "%s.lock",
                 w->cli->sim_state);
    } else if (!w->cli->sim) {
        snprintf(w->lock_path, sizeof(w->lock_path), "%s",
                 LOCK_DEFAULT_PATH);
        /* Without it the view still refreshes each interval. */
        if (HV_XsWatch(w->h, XSP_ROOT, "xenshift-watch") == 0)
            w->change_fd = HV_XsWatchFd(w->h);
    }
    return 0;
}

int WATCH_Run(const xs_cli *cli, const watch_opts *o)
{
    struct sigaction saved[NR_WATCH_SIGNALS];
    watcher w;
    xs_err err;
    size_t i;
    int rc = XS_EXIT_FAIL;

    memset(&w, 0, sizeof(w));
    w.cli = cli;
    w.o = o;
    w.change_fd = -1;
    w.tty = !cli->json && isatty(STDOUT_FILENO);
    TBL_Init(&w.t);
    if (watch_open(&w, &err))
        goto out;
    catch_signals(saved);
    if (w.tty)
        term_begin(&w);
    rc = watch_loop(&w, &err);
    if (w.tty)
        term_end(&w);
    restore_signals(saved);
    if (rc < 0) {
        OUT_Fail(cli, OUT_FAIL_HOST, &err, "cannot read the host");
        rc = XS_EXIT_FAIL;
    }
out:
    if (w.shared)
        SIMST_Dispose(&w.share);
    /* Not CMD_CloseHost: a watch saves nothing. */
    if (w.h)
        HV_Close(w.h);
    for (i = 0; i < w.nr_seen; i++) {
        free(w.seen[i].name);
        free(w.seen[i].line);
    }
    free(w.seen);
    TBL_Dispose(&w.t);
    return rc;
}
