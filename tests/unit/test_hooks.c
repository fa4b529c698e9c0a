/*
 * test_hooks.c - the hook runner on real processes: order and skipped
 * files, the arguments and environment a hook sees, vetoes, post
 * failures, time limits (SIGTERM, then SIGKILL), output capture and
 * truncation, signals, execve failures, the child's set-up, and every
 * error: no directory, not a directory, pipe, fork and wait failures.
 *
 * The hooks are the sh scripts of tests/unit/data/hooks, copied into a
 * fresh directory under /tmp and made executable there (a tarball may
 * not keep their modes).  They write what they see next to the hooks
 * directory, in its parent.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hooks.h"
#include "tap.h"

static const char *srcdir(void)
{
    const char *s = getenv("top_srcdir");

    return s && *s ? s : ".";
}

typedef struct bed {
    char root[64];              /* /tmp/xs-hooks-XXXXXX */
    char dir[96];               /* root/hooks.d */
} bed;

static void bed_path(const bed *b, const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", b->root, name);
}

static int bed_make(bed *b)
{
    snprintf(b->root, sizeof(b->root), "/tmp/xs-hooks-XXXXXX");
    if (!mkdtemp(b->root)) {
        b->root[0] = '\0';
        return -1;
    }
    snprintf(b->dir, sizeof(b->dir), "%s/hooks.d", b->root);
    return mkdir(b->dir, 0755);
}

static void bed_remove(bed *b);

/* A bed that could not be set up: a failure, and nothing left behind. */
static void setup_failed(bed *b)
{
    ok(0, "test directory %s", b->root);
    bed_remove(b);
}

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    return remove(path);
}

static void bed_remove(bed *b)
{
    if (b->root[0])
        nftw(b->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    b->root[0] = '\0';
}

/* Copy data/hooks/src to the hooks directory as name, with mode. */
static int install(const bed *b, const char *src, const char *name,
                   mode_t mode)
{
    char from[512], to[256], buf[4096];
    FILE *in, *out;
    size_t n;
    int rc = 0;

    snprintf(from, sizeof(from), "%s/tests/unit/data/hooks/%s", srcdir(),
             src);
    snprintf(to, sizeof(to), "%s/%s", b->dir, name);
    in = fopen(from, "r");
    if (!in)
        return -1;
    out = fopen(to, "w");
    if (!out) {
        fclose(in);
        return -1;
    }
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
        if (fwrite(buf, 1, n, out) != n)
            rc = -1;
    }
    fclose(in);
    if (fclose(out) != 0)
        rc = -1;
    if (chmod(to, mode) != 0)
        rc = -1;
    return rc;
}

/* The whole of root/name, or "" (static buffer). */
static const char *slurp(const bed *b, const char *name)
{
    static char buf[8192];
    char path[256];
    FILE *f;
    size_t n;

    bed_path(b, name, path, sizeof(path));
    buf[0] = '\0';
    f = fopen(path, "r");
    if (!f)
        return buf;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static uint64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Is the process whose pid root/sleep.pid holds gone (or a zombie)? */
static int sleeper_gone(const bed *b)
{
    char path[64], line[256];
    int pid = atoi(slurp(b, "sleep.pid")), i;
    FILE *f;

    if (pid <= 0)
        return 0;
    /* init may take a moment to reap the orphan */
    for (i = 0; i < 100; i++) {
        if (kill(pid, 0) != 0 && errno == ESRCH)
            return 1;
        snprintf(path, sizeof(path), "/proc/%d/stat", pid);
        f = fopen(path, "r");
        if (f) {
            char *p = fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;

            fclose(f);
            if (p && p[1] == ' ' && p[2] == 'Z')
                return 1;
        }
        usleep(10000);
    }
    return 0;
}

typedef struct seen {
    int n;
    char names[8][HOOK_NAME_MAX];
} seen;

static void on_done(void *ctx, const hook_result *r)
{
    seen *s = ctx;

    if (s->n < 8)
        snprintf(s->names[s->n], sizeof(s->names[0]), "%s", r->name);
    s->n++;
}

static void opts_for(hook_opts *o, const bed *b)
{
    HOOK_DefaultOpts(o);
    o->dir = b->dir;
}

static void test_names(void)
{
    hook_event e;
    hook_opts o;
    hook_call c;
    unsigned i;
    int good = 1;

    for (i = 0; i < HOOK_NR_EVENTS; i++) {
        if (HOOK_EventFromName(HOOK_EventName((hook_event)i), &e) != 0 ||
            e != (hook_event)i)
            good = 0;
    }
    ok(good, "every event name reads back as its event");
    is_str(HOOK_EventName(HOOK_PRE_TRANSITION), "pre-transition",
           "pre-transition");
    is_str(HOOK_EventName(HOOK_POST_DOMAIN), "post-domain", "post-domain");
    is_str(HOOK_EventName(HOOK_FAILED), "failed", "failed");
    is_str(HOOK_EventName((hook_event)42), "unknown", "out of range");
    is_int(HOOK_EventFromName("pre-stop", &e), -1, "unknown name refused");
    is_int(HOOK_EventFromName(NULL, &e), -1, "NULL name refused");
    ok(HOOK_EventIsPre(HOOK_PRE_TRANSITION) && HOOK_EventIsPre(HOOK_PRE_DOMAIN)
       && !HOOK_EventIsPre(HOOK_POST_TRANSITION) &&
       !HOOK_EventIsPre(HOOK_POST_DOMAIN) && !HOOK_EventIsPre(HOOK_FAILED),
       "only pre-transition and pre-domain can veto");

    HOOK_DefaultOpts(&o);
    ok(o.dir == NULL && o.timeout_ms == 10000 && o.grace_ms == 2000 &&
       o.max_output == 64 * 1024,
       "defaults: hooks.d, 10 s, 2 s grace, 64 KiB");
    HOOK_CallInit(&c);
    ok(c.domid == -1 && c.phase == NULL && c.memory_kib == 0,
       "a fresh call knows nothing");
}

static void test_bad_calls(void)
{
    hook_report rep;
    hook_call c;
    hook_opts o;
    xs_err err;
    bed b;
    char path[256];

    HOOK_ReportInit(&rep);
    HOOK_CallInit(&c);
    ERR_Clear(&err);
    is_int(HOOK_Run(NULL, &c, NULL, NULL, &rep, &err), -1,
           "a call without a phase is refused");
    is_str(err.msg, "hooks: pre-transition without a phase",
           "... and says so");
    c.phase = "day";
    c.event = (hook_event)9;
    is_int(HOOK_Run(NULL, &c, NULL, NULL, &rep, &err), -1,
           "an unknown event is refused");
    is_str(err.msg, "hooks: no such event", "... and says so");

    /* No directory: no hooks, no error, but the report says so. */
    c.event = HOOK_POST_TRANSITION;
    HOOK_DefaultOpts(&o);
    o.dir = "/nonexistent/xenshift/hooks.d";
    is_int(HOOK_Run(&o, &c, NULL, NULL, &rep, &err), 0,
           "a missing directory is not an error");
    ok(rep.dir_missing && rep.nr_results == 0 && rep.nr_skipped == 0,
       "... reported as missing, nothing run");
    is_str(rep.dir, "/nonexistent/xenshift/hooks.d", "... names it");

    if (access(HOOK_DEFAULT_DIR, F_OK) != 0) {
        is_int(HOOK_Run(NULL, &c, NULL, NULL, &rep, &err), 0,
               "no options: the default directory");
        ok(rep.dir_missing, "... which is missing here");
        is_str(rep.dir, HOOK_DEFAULT_DIR, "... /etc/xenshift/hooks.d");
    } else {
        ok(1, "# SKIP " HOOK_DEFAULT_DIR " exists on this host");
        ok(1, "# SKIP " HOOK_DEFAULT_DIR " exists on this host");
        ok(1, "# SKIP " HOOK_DEFAULT_DIR " exists on this host");
    }

    if (bed_make(&b) != 0) {
        setup_failed(&b);
        return;
    }
    /* An empty directory: nothing, no error. */
    o.dir = b.dir;
    is_int(HOOK_Run(&o, &c, NULL, NULL, &rep, &err), 0,
           "an empty directory runs nothing");
    ok(!rep.dir_missing && rep.nr_results == 0, "... and is not missing");

    /* A file where the directory should be. */
    bed_path(&b, "file", path, sizeof(path));
    fclose(fopen(path, "w"));
    o.dir = path;
    ERR_Clear(&err);
    is_int(HOOK_Run(&o, &c, NULL, NULL, &rep, &err), -1,
           "a directory that cannot be read is an error");
    ok(strstr(err.msg, "hook directory /tmp/xs-hooks-") == err.msg &&
       strstr(err.msg, "/file: Not a directory") != NULL,
       "... with the path and strerror: %s", err.msg);

    HOOK_ReportDispose(&rep);
    bed_remove(&b);
}

static void test_order_and_skips(void)
{
    hook_report rep;
    hook_call c;
    hook_opts o;
    xs_err err;
    seen s = {0};
    bed b;
    char path[256], target[256];
    size_t i;
    int good;

    if (bed_make(&b) != 0) {
        setup_failed(&b);
        return;
    }
    good = install(&b, "order", "30-c", 0755) == 0 &&
        install(&b, "order", "10-a", 0755) == 0 &&
        install(&b, "order", "9-z", 0700) == 0 &&
        install(&b, "order", "20-b", 0755) == 0 &&
        install(&b, "order", ".15-hidden", 0755) == 0 &&
        install(&b, "order", "40-d~", 0755) == 0 &&
        install(&b, "order", "50-e.dpkg-old", 0755) == 0 &&
        install(&b, "order", "51-e.dpkg-dist", 0755) == 0 &&
        install(&b, "order", "52-e.rpmsave", 0755) == 0 &&
        install(&b, "order", "60-plain", 0644) == 0;
    snprintf(path, sizeof(path), "%s/70-subdir", b.dir);
    good = good && mkdir(path, 0755) == 0;
    snprintf(path, sizeof(path), "%s/80-dangling", b.dir);
    good = good && symlink("/nonexistent/hook", path) == 0;
    snprintf(path, sizeof(path), "%s/25-link", b.dir);
    snprintf(target, sizeof(target), "%s/10-a", b.dir);
    good = good && symlink(target, path) == 0;
    ok(good, "hooks installed");

    HOOK_ReportInit(&rep);
    opts_for(&o, &b);
    HOOK_CallInit(&c);
    c.event = HOOK_PRE_TRANSITION;
    c.phase = "night";
    is_int(HOOK_Run(&o, &c, on_done, &s, &rep, &err), 0, "all hooks pass");
    is_str(slurp(&b, "order.log"), "10-a\n20-b\n25-link\n30-c\n9-z\n",
           "run in lexical order, a symlink to a hook is a hook");
    is_int(rep.nr_results, 5, "five results");
    is_int(rep.nr_failed, 0, "none failed");
    ok(!rep.vetoed && !rep.dir_missing, "no veto");
    good = rep.nr_results == 5;
    for (i = 0; good && i < rep.nr_results; i++) {
        good = HOOK_ResultOk(&rep.results[i]) &&
            strcmp(rep.results[i].what, "exited with status 0") == 0 &&
            rep.results[i].output_len == 0 &&
            rep.results[i].output && rep.results[i].output[0] == '\0';
    }
    ok(good, "each exited 0, said nothing, output is \"\"");
    is_int(s.n, 5, "the callback saw each hook");
    ok(strcmp(s.names[0], "10-a") == 0 && strcmp(s.names[4], "9-z") == 0,
       "... in order");

    is_int(rep.nr_skipped, 8, "eight entries skipped");
    if (rep.nr_skipped == 8) {
        is_str(rep.skipped[0].name, ".15-hidden", "hidden file");
        is_str(rep.skipped[0].why, "hidden (name starts with '.')", "... why");
        is_str(rep.skipped[1].name, "40-d~", "editor backup");
        is_str(rep.skipped[1].why, "backup file", "... why");
        ok(strcmp(rep.skipped[2].name, "50-e.dpkg-old") == 0 &&
           strcmp(rep.skipped[3].name, "51-e.dpkg-dist") == 0 &&
           strcmp(rep.skipped[4].name, "52-e.rpmsave") == 0 &&
           strcmp(rep.skipped[4].why, "backup file") == 0,
           "package manager leftovers");
        is_str(rep.skipped[5].name, "60-plain", "a file without x bits");
        is_str(rep.skipped[5].why, "not executable", "... why");
        is_str(rep.skipped[6].name, "70-subdir", "a directory");
        is_str(rep.skipped[6].why, "not a regular file", "... why");
        is_str(rep.skipped[7].name, "80-dangling", "a dangling symlink");
        is_str(rep.skipped[7].why, "cannot stat: No such file or directory",
               "... why");
    }

    /* The report can be reused: the second run starts from nothing. */
    bed_path(&b, "order.log", path, sizeof(path));
    unlink(path);
    c.event = HOOK_POST_DOMAIN;
    c.domain = "vm1";
    is_int(HOOK_Run(&o, &c, NULL, NULL, &rep, &err), 0, "a second run");
    is_int(rep.nr_results, 5, "... five results, not ten");
    is_int(rep.nr_skipped, 8, "... eight skipped, not sixteen");

    HOOK_ReportDispose(&rep);
    HOOK_ReportDispose(&rep);
    ok(rep.results == NULL && rep.nr_results == 0,
       "dispose twice is safe");
    bed_remove(&b);
}

static void test_environment(void)
{
    hook_report rep;
    hook_call c;
    hook_opts o;
    xs_err err;
    bed b;

    if (bed_make(&b) != 0 || install(&b, "record", "50-record", 0755) != 0) {
        setup_failed(&b);
        return;
    }
    HOOK_ReportInit(&rep);
    opts_for(&o, &b);
    HOOK_CallInit(&c);
    c.event = HOOK_PRE_DOMAIN;
    c.phase = "takeover";
    c.from_phase = "day";
    c.domain = "vm-2";
    c.domid = 7;
    c.memory_kib = 1048576;
    c.vcpus = 2;
    c.request_id = "req 42";
    c.result = "vetoed";
    c.message = "a $(message) with `quotes' and spaces";
    setenv("XENSHIFT_LEAK", "from the daemon", 1);
    is_int(HOOK_Run(&o, &c, NULL, NULL, &rep, &err), 0, "pre-domain ran");
    is_str(slurp(&b, "env.out"),
           "argc=3\n"
           "arg=pre-domain\n"
           "arg=takeover\n"
           "arg=vm-2\n"
           "cwd=/\n"
           "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
           "XENSHIFT_DOMAIN=vm-2\n"
           "XENSHIFT_DOMID=7\n"
           "XENSHIFT_EVENT=pre-domain\n"
           "XENSHIFT_FROM_PHASE=day\n"
           "XENSHIFT_MEMORY_KIB=1048576\n"
           "XENSHIFT_MESSAGE=a $(message) with `quotes' and spaces\n"
           "XENSHIFT_PHASE=takeover\n"
           "XENSHIFT_REQUEST_ID=req 42\n"
           "XENSHIFT_RESULT=vetoed\n"
           "XENSHIFT_VCPUS=2\n",
           "EVENT PHASE DOMAIN, cwd /, exactly the documented environment");

    HOOK_CallInit(&c);
    c.event = HOOK_POST_TRANSITION;
    c.phase = "day";
    c.domain = "";
    is_int(HOOK_Run(&o, &c, NULL, NULL, &rep, &err), 0,
           "post-transition ran");
    is_str(slurp(&b, "env.out"),
           "argc=2\n"
           "arg=post-transition\n"
           "arg=day\n"
           "cwd=/\n"
           "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
           "XENSHIFT_EVENT=post-transition\n"
           "XENSHIFT_PHASE=day\n",
           "no domain: two arguments, unknown values left out");
    unsetenv("XENSHIFT_LEAK");
    HOOK_ReportDispose(&rep);
    bed_remove(&b);
}

static void test_veto(void)
{
    hook_report rep;
    hook_call c;
    hook_opts o;
    xs_err err;
    seen s = {0};
    bed b;
    char path[256];

    if (bed_make(&b) != 0 || install(&b, "order", "10-ok", 0755) != 0 ||
        install(&b, "fail", "20-no", 0755) != 0 ||
        install(&b, "order", "30-after", 0755) != 0) {
        setup_failed(&b);
        return;
    }
    HOOK_ReportInit(&rep);
    opts_for(&o, &b);
    HOOK_CallInit(&c);
    c.event = HOOK_PRE_TRANSITION;
    c.phase = "night";
    ERR_Clear(&err);
    is_int(HOOK_Run(&o, &c, on_done, &s, &rep, &err), HOOK_VETOED,
           "a pre hook exiting 3 vetoes");
    ok(rep.vetoed, "... the report says vetoed");
    is_str(rep.veto_hook, "20-no", "... by which hook");
    is_int(rep.veto_status, 3, "... its exit code");
    is_str(rep.veto_msg, "no: guest busy", "... the first line of its output");
    is_str(slurp(&b, "order.log"), "10-ok\n20-no\n",
           "the pre hooks after it did not run");
    is_int(rep.nr_results, 2, "two results");
    is_int(rep.nr_failed, 1, "one failed");
    is_int(s.n, 2, "the callback saw both");
    if (rep.nr_results == 2) {
        is_str(rep.results[1].what, "exited with status 3", "its result");
        is_str(rep.results[1].output, "no: guest busy\nsecond line\n",
               "its whole output, stderr too");
    }
    is_str(err.msg, "", "a veto is not an error");

    /* The same hooks after the transition: all run, failure reported. */
    bed_path(&b, "order.log", path, sizeof(path));
    unlink(path);
    c.event = HOOK_POST_TRANSITION;
    is_int(HOOK_Run(&o, &c, NULL, NULL, &rep, &err), 0,
           "a failing post hook does not fail the run");
    is_str(slurp(&b, "order.log"), "10-ok\n20-no\n30-after\n",
           "... every post hook ran");
    ok(!rep.vetoed && rep.veto_hook[0] == '\0', "... no veto");
    is_int(rep.nr_failed, 1, "... one failure reported");
    ok(rep.nr_results == 3 && rep.results[1].kind == HOOK_RES_EXITED &&
       rep.results[1].status == 3 && HOOK_ResultOk(&rep.results[2]),
       "... with its exit code");

    bed_path(&b, "order.log", path, sizeof(path));
    unlink(path);
    c.event = HOOK_FAILED;
    c.message = "vm1 balloon stuck";
    is_int(HOOK_Run(&o, &c, NULL, NULL, &rep, &err), 0,
           "failed hooks cannot veto either");
    is_str(slurp(&b, "order.log"), "10-ok\n20-no\n30-after\n",
           "... every one ran");

    HOOK_ReportDispose(&rep);
    bed_remove(&b);
}

static void test_timeouts(void)
{
    hook_report rep;
    hook_call c;
    hook_opts o;
    xs_err err;
    bed b;
    uint64_t t0, ms;
    hook_result *r;

    HOOK_ReportInit(&rep);
    HOOK_CallInit(&c);
    c.event = HOOK_POST_DOMAIN;
    c.phase = "night";
    c.domain = "vm1";

    if (bed_make(&b) != 0 || install(&b, "sleep", "10-sleep", 0755) != 0 ||
        install(&b, "order", "20-next", 0755) != 0) {
        setup_failed(&b);
        return;
    }
    opts_for(&o, &b);
    o.timeout_ms = 1000;
    t0 = mono_ms();
    is_int(HOOK_Run(&o, &c, NULL, NULL, &rep, &err), 0,
           "a post hook over its limit is not an error");
    ms = mono_ms() - t0;
    ok(ms >= 1000 && ms < 3000, "1 s limit: the run took %llu ms",
       (unsigned long long)ms);
    r = rep.nr_results == 2 ? &rep.results[0] : NULL;
    ok(r && r->kind == HOOK_RES_TIMED_OUT && r->sig == SIGTERM,
       "timed out, ended by SIGTERM");
    is_str(r ? r->what : NULL, "timed out after 1 s", "... says so");
    ok(r && r->elapsed_ms >= 1000 && r->elapsed_ms < 2500,
       "... after %llu ms", r ? (unsigned long long)r->elapsed_ms : 0ull);
    is_str(r ? r->output : NULL, "started\n", "... what it said is kept");
    ok(sleeper_gone(&b), "... the child it started was killed too");
    is_str(slurp(&b, "order.log"), "20-next\n", "the next hook still ran");
    is_int(rep.nr_failed, 1, "one failure");
    bed_remove(&b);

    /* Ignoring SIGTERM: SIGKILL after the grace time. */
    if (bed_make(&b) != 0 ||
        install(&b, "ignore-term", "10-stubborn", 0755) != 0) {
        setup_failed(&b);
        return;
    }
    opts_for(&o, &b);
    o.timeout_ms = 1000;
    o.grace_ms = 500;
    c.event = HOOK_PRE_DOMAIN;
    t0 = mono_ms();
    is_int(HOOK_Run(&o, &c, NULL, NULL, &rep, &err), HOOK_VETOED,
           "a pre hook over its limit vetoes");
    ms = mono_ms() - t0;
    ok(ms >= 1500 && ms < 3500, "1 s + 0.5 s grace: took %llu ms",
       (unsigned long long)ms);
    r = rep.nr_results == 1 ? &rep.results[0] : NULL;
    ok(r && r->kind == HOOK_RES_TIMED_OUT && r->sig == SIGKILL,
       "ignoring SIGTERM: SIGKILLed");
    is_str(r ? r->what : NULL, "timed out after 1 s, killed with SIGKILL",
           "... says so");
    ok(sleeper_gone(&b), "... its child too");
    is_int(rep.veto_status, -1, "the veto has no exit code");
    is_str(rep.veto_msg, "ignoring", "... the first line of its output");
    bed_remove(&b);

    /* A limit that is not whole seconds. */
    if (bed_make(&b) != 0 || install(&b, "sleep", "10-sleep", 0755) != 0) {
        setup_failed(&b);
        return;
    }
    opts_for(&o, &b);
    o.timeout_ms = 250;
    is_int(HOOK_Run(&o, &c, NULL, NULL, &rep, &err), HOOK_VETOED,
           "250 ms limit");
    is_str(rep.nr_results == 1 ? rep.results[0].what : NULL,
           "timed out after 0.250 s", "... says 0.250 s");
    sleeper_gone(&b);
    bed_remove(&b);

    /* Output without end does not keep the runner from the clock. */
    if (bed_make(&b) != 0 || install(&b, "flood", "10-flood", 0755) != 0) {
        setup_failed(&b);
        return;
    }
    opts_for(&o, &b);
    o.timeout_ms = 1000;
    c.event = HOOK_POST_DOMAIN;
    t0 = mono_ms();
    is_int(HOOK_Run(&o, &c, NULL, NULL, &rep, &err), 0, "a flooding hook");
    ms = mono_ms() - t0;
    r = rep.nr_results == 1 ? &rep.results[0] : NULL;
    ok(ms >= 1000 && ms < 2500 && r && r->kind == HOOK_RES_TIMED_OUT,
       "... still timed out after 1 s (took %llu ms)",
       (unsigned long long)ms);
    ok(r && r->truncated && r->output_len ==
       64 * 1024 + 1 + strlen(HOOK_TRUNCATED "\n") &&   /* 65536 % 6: 4 */
       strncmp(r->output, "flood\nflood\n", 12) == 0,
       "... 64 KiB of it kept");
    HOOK_ReportDispose(&rep);
    bed_remove(&b);
}

static void test_output(void)
{
    hook_report rep;
    hook_call c;
    hook_opts o;
    xs_err err;
    bed b;
    hook_result *r;
    const char *t;
    size_t tl = strlen(HOOK_TRUNCATED "\n");

    if (bed_make(&b) != 0 || install(&b, "output", "10-output", 0755) != 0 ||
        install(&b, "noisy", "20-noisy", 0755) != 0) {
        setup_failed(&b);
        return;
    }
    HOOK_ReportInit(&rep);
    opts_for(&o, &b);
    HOOK_CallInit(&c);
    c.event = HOOK_POST_TRANSITION;
    c.phase = "day";
    is_int(HOOK_Run(&o, &c, NULL, NULL, &rep, &err), 0, "output hooks ran");
    r = rep.nr_results == 2 ? &rep.results[0] : NULL;
    is_str(r ? r->output : NULL, "out\nerr\n", "stdout and stderr, in order");
    ok(r && r->output_len == 8 && !r->truncated, "... 8 bytes, whole");
    r = rep.nr_results == 2 ? &rep.results[1] : NULL;
    ok(r && r->truncated && HOOK_ResultOk(r),
       "240 KiB of output: truncated, and the hook was not blocked");
    ok(r && r->output_len == 64 * 1024 + 1 + tl &&
       strlen(r->output) == r->output_len,
       "... 64 KiB kept, a newline and the note");
    t = r ? r->output + r->output_len - tl : NULL;
    is_str(t, HOOK_TRUNCATED "\n", "... ends with " HOOK_TRUNCATED);
    ok(r && strncmp(r->output, "line 0 0123", 11) == 0 &&
       r->output[64 * 1024] == '\n',
       "... the first bytes are kept, the cut line is ended");

    o.max_output = 5;
    is_int(HOOK_Run(&o, &c, NULL, NULL, &rep, &err), 0, "5 byte limit");
    is_str(rep.nr_results == 2 ? rep.results[0].output : NULL,
           "out\ne\n" HOOK_TRUNCATED "\n", "... cut exactly at 5 bytes");
    o.max_output = 8;
    is_int(HOOK_Run(&o, &c, NULL, NULL, &rep, &err), 0, "8 byte limit");
    ok(rep.nr_results == 2 && !rep.results[0].truncated &&
       strcmp(rep.results[0].output, "out\nerr\n") == 0,
       "... exactly 8 bytes is not truncated");
    o.max_output = 4;
    is_int(HOOK_Run(&o, &c, NULL, NULL, &rep, &err), 0, "4 byte limit");
    is_str(rep.nr_results == 2 ? rep.results[0].output : NULL,
           "out\n" HOOK_TRUNCATED "\n", "... a cut at a line end adds none");
    HOOK_ReportDispose(&rep);
    bed_remove(&b);
}

static void test_signal_and_exec(void)
{
    hook_report rep;
    hook_call c;
    hook_opts o;
    xs_err err;
    bed b;
    hook_result *r;
    char want[64];

    if (bed_make(&b) != 0 || install(&b, "signal", "10-signal", 0755) != 0 ||
        install(&b, "no-shebang", "20-no-shebang", 0755) != 0) {
        setup_failed(&b);
        return;
    }
    HOOK_ReportInit(&rep);
    opts_for(&o, &b);
    HOOK_CallInit(&c);
    c.event = HOOK_POST_TRANSITION;
    c.phase = "day";
    is_int(HOOK_Run(&o, &c, NULL, NULL, &rep, &err), 0, "post hooks ran");
    is_int(rep.nr_failed, 2, "both failed");
    r = rep.nr_results == 2 ? &rep.results[0] : NULL;
    ok(r && r->kind == HOOK_RES_SIGNALED && r->sig == SIGUSR1,
       "killed by SIGUSR1");
    snprintf(want, sizeof(want), "killed by signal %d (SIGUSR1)", SIGUSR1);
    is_str(r ? r->what : NULL, want, "... says which");
    r = rep.nr_results == 2 ? &rep.results[1] : NULL;
    ok(r && r->kind == HOOK_RES_EXEC_FAILED && r->sys_errno == ENOEXEC,
       "no #! line: execve fails with ENOEXEC, no shell is tried");
    is_str(r ? r->what : NULL, "could not be run: Exec format error",
           "... says so");
    is_str(r ? r->output : NULL, "", "... and it said nothing");

    c.event = HOOK_PRE_TRANSITION;
    is_int(HOOK_Run(&o, &c, NULL, NULL, &rep, &err), HOOK_VETOED,
           "a pre hook killed by a signal vetoes");
    is_int(rep.nr_results, 1, "... nothing after it ran");
    is_int(rep.veto_status, -1, "... no exit code");
    is_str(rep.veto_msg, want, "... no output: the message is what happened");
    HOOK_ReportDispose(&rep);
    bed_remove(&b);
}

/* The child is set up cleanly whatever state the caller is in. */
static void test_process(void)
{
    hook_report rep;
    hook_call c;
    hook_opts o;
    xs_err err;
    bed b;
    struct sigaction ign, old_usr2;
    sigset_t usr1, old_mask;
    const char *out;
    int leak;

    if (bed_make(&b) != 0 || install(&b, "process", "10-process", 0755) != 0) {
        setup_failed(&b);
        return;
    }
    leak = dup2(1, 50);                 /* not close-on-exec */
    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    sigaction(SIGUSR2, &ign, &old_usr2);
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, &old_mask);

    HOOK_ReportInit(&rep);
    opts_for(&o, &b);
    HOOK_CallInit(&c);
    c.phase = "day";
    is_int(HOOK_Run(&o, &c, NULL, NULL, &rep, &err), 0, "process hook ran");
    out = rep.nr_results == 1 ? rep.results[0].output : "";
    ok(leak == 50 && strstr(out, "fd=0\n") && strstr(out, "fd=2\n") &&
       !strstr(out, "fd=50\n"), "other file descriptors are closed");
    ok(strstr(out, "stdin=/dev/null\n") != NULL, "stdin is /dev/null");
    ok(strstr(out, "SigBlk:\t0000000000000000\n") != NULL,
       "no signal blocked");
    ok(strstr(out, "SigIgn:\t0000000000000000\n") != NULL,
       "no signal ignored");
    ok(strstr(out, "group leader\n") != NULL, "its own process group");

    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    sigaction(SIGUSR2, &old_usr2, NULL);
    close(50);
    ok(fcntl(50, F_GETFD) < 0 && errno == EBADF,
       "(the test's own fd 50 closed again)");
    HOOK_ReportDispose(&rep);
    bed_remove(&b);
}

/* pipe() fails: no fds left. */
static void test_pipe_failure(void)
{
    hook_report rep;
    hook_call c;
    hook_opts o;
    xs_err err;
    bed b;
    struct rlimit old, low;
    int fd, rc, rc2;
    size_t n, n2;
    char what[160] = "", what2[160] = "", msg[768] = "";

    if (bed_make(&b) != 0 || install(&b, "order", "10-a", 0755) != 0 ||
        install(&b, "order", "20-b", 0755) != 0) {
        setup_failed(&b);
        return;
    }
    HOOK_ReportInit(&rep);
    opts_for(&o, &b);
    HOOK_CallInit(&c);
    c.event = HOOK_POST_TRANSITION;
    c.phase = "day";

    /* Room for the directory and /dev/null, none for a pipe. */
    fd = dup(0);
    close(fd);
    getrlimit(RLIMIT_NOFILE, &old);
    low = old;
    low.rlim_cur = (rlim_t)fd + 2;
    setrlimit(RLIMIT_NOFILE, &low);
    ERR_Clear(&err);
    rc = HOOK_Run(&o, &c, NULL, NULL, &rep, &err);
    n = rep.nr_results;
    if (n == 2) {
        snprintf(what, sizeof(what), "%s", rep.results[1].what);
        snprintf(msg, sizeof(msg), "%s", err.msg);
    }
    c.event = HOOK_PRE_TRANSITION;
    rc2 = HOOK_Run(&o, &c, NULL, NULL, &rep, &err);
    n2 = rep.nr_results;
    if (n2 == 1)
        snprintf(what2, sizeof(what2), "%s", rep.results[0].what);
    setrlimit(RLIMIT_NOFILE, &old);

    is_int(rc, -1, "a pipe failure is an error");
    is_int(n, 2, "... post: the other hooks were still tried");
    is_str(what, "could not be started: pipe: Too many open files",
           "... each result says why");
    is_str(msg, "hook 10-a could not be started: pipe: Too many open files",
           "... the error names the first hook");
    is_int(rc2, -1, "pre: an error too");
    is_int(n2, 1, "... and nothing more is tried");
    is_str(what2, "could not be started: pipe: Too many open files",
           "... says why");
    ok(rep.results && rep.results[0].kind == HOOK_RES_START_FAILED &&
       rep.results[0].sys_errno == EMFILE && !rep.vetoed,
       "... START_FAILED with EMFILE, not a veto");
    ok(access(b.root, F_OK) == 0 && slurp(&b, "order.log")[0] == '\0',
       "no hook ran");
    HOOK_ReportDispose(&rep);
    bed_remove(&b);
}

/*
 * fork() fails: in a child of the test, as an unprivileged user with
 * RLIMIT_NPROC 0 (root is not held to it).  Exit code 0: as expected.
 */
static void test_fork_failure(void)
{
    hook_report rep;
    hook_call c;
    hook_opts o;
    xs_err err;
    bed b;
    struct rlimit zero = {0, 0};
    pid_t pid;
    int st = -1, rc;

    if (bed_make(&b) != 0 || install(&b, "order", "10-a", 0755) != 0 ||
        chmod(b.root, 0755) != 0) {
        setup_failed(&b);
        return;
    }
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(77);
        if (setrlimit(RLIMIT_NPROC, &zero) != 0)
            _exit(77);
        HOOK_ReportInit(&rep);
        opts_for(&o, &b);
        HOOK_CallInit(&c);
        c.phase = "day";
        rc = HOOK_Run(&o, &c, NULL, NULL, &rep, &err);
        if (rc != -1 || rep.nr_results != 1 ||
            rep.results[0].kind != HOOK_RES_START_FAILED ||
            strncmp(rep.results[0].what, "could not be started: fork: ",
                    28) != 0 ||
            strncmp(err.msg, "hook 10-a could not be started: fork: ",
                    38) != 0)
            _exit(1);
        HOOK_ReportDispose(&rep);
        _exit(0);
    }
    while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 77)
        ok(1, "# SKIP cannot drop to an unprivileged user here");
    else
        ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
           "a fork failure is an error, START_FAILED, \"fork: ...\"");
    bed_remove(&b);
}

/* SIGCHLD ignored: the hook is reaped by the kernel, waiting fails. */
static void test_wait_failure(void)
{
    hook_report rep;
    hook_call c;
    hook_opts o;
    xs_err err;
    bed b;
    struct sigaction ign, old;
    int rc;

    if (bed_make(&b) != 0 || install(&b, "order", "10-a", 0755) != 0) {
        setup_failed(&b);
        return;
    }
    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    sigaction(SIGCHLD, &ign, &old);
    HOOK_ReportInit(&rep);
    opts_for(&o, &b);
    HOOK_CallInit(&c);
    c.event = HOOK_POST_DOMAIN;
    c.phase = "day";
    ERR_Clear(&err);
    rc = HOOK_Run(&o, &c, NULL, NULL, &rep, &err);
    sigaction(SIGCHLD, &old, NULL);
    is_int(rc, -1, "SIGCHLD ignored: an error");
    ok(rep.nr_results == 1 && rep.results[0].kind == HOOK_RES_START_FAILED &&
       rep.results[0].sys_errno == ECHILD, "... START_FAILED with ECHILD");
    ok(strstr(err.msg, "hook 10-a could not be waited for: wait") == err.msg &&
       strstr(err.msg, ": No child processes") != NULL,
       "... says so: %s", err.msg);
    HOOK_ReportDispose(&rep);
    bed_remove(&b);
}

int main(void)
{
    test_names();
    test_bad_calls();
    test_order_and_skips();
    test_environment();
    test_veto();
    test_timeouts();
    test_output();
    test_signal_and_exec();
    test_process();
    test_pipe_failure();
    test_fork_failure();
    test_wait_failure();
    return done_testing();
}
