/*
 * hooks.c - the hook runner: run-parts without a shell.
 *
 * Choices made here (how one hook runs as a process: hookproc.c):
 *  - A pre hook that does not exit 0, for whatever reason (timed out,
 *    killed, could not be run), vetoes: when unsure, do not go on.
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hookproc.h"
#include "hooks.h"

static const char *const event_names[HOOK_NR_EVENTS] = {
    [HOOK_PRE_TRANSITION] = "pre-transition",
    [HOOK_POST_TRANSITION] = "post-transition",
    [HOOK_PRE_DOMAIN] = "pre-domain",
    [HOOK_POST_DOMAIN] = "post-domain",
    [HOOK_FAILED] = "failed",
};

/* Left behind by package managers and editors (as run-parts skips). */
static const char *const backup_suffixes[] = {
    "~", ".dpkg-old", ".dpkg-dist", ".dpkg-new", ".dpkg-tmp",
    ".rpmsave", ".rpmnew", ".rpmorig",
};

const char *HOOK_EventName(hook_event e)
{
    if ((unsigned)e >= HOOK_NR_EVENTS)
        return "unknown";
    return event_names[e];
}

int HOOK_EventFromName(const char *name, hook_event *e)
{
    unsigned i;

    for (i = 0; name && i < HOOK_NR_EVENTS; i++) {
        if (strcmp(name, event_names[i]) == 0) {
            *e = (hook_event)i;
            return 0;
        }
    }
    return -1;
}

bool HOOK_EventIsPre(hook_event e)
{
    return e == HOOK_PRE_TRANSITION || e == HOOK_PRE_DOMAIN;
}

void HOOK_CallInit(hook_call *c)
{
    memset(c, 0, sizeof(*c));
    c->event = HOOK_PRE_TRANSITION;
    c->domid = -1;
}

void HOOK_DefaultOpts(hook_opts *o)
{
    o->dir = NULL;
    o->timeout_ms = HOOK_DEFAULT_TIMEOUT_MS;
    o->grace_ms = HOOK_DEFAULT_GRACE_MS;
    o->max_output = HOOK_DEFAULT_MAX_OUTPUT;
}

bool HOOK_ResultOk(const hook_result *r)
{
    return r->kind == HOOK_RES_EXITED && r->status == 0;
}

void HOOK_ReportInit(hook_report *r)
{
    memset(r, 0, sizeof(*r));
}

void HOOK_ReportDispose(hook_report *r)
{
    size_t i;

    for (i = 0; i < r->nr_results; i++)
        free(r->results[i].output);
    free(r->results);
    free(r->skipped);
    HOOK_ReportInit(r);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_skip(hook_report *rep, const char *name, const char *why,
                    xs_err *err)
{
    hook_skip *s;

    s = realloc(rep->skipped, (rep->nr_skipped + 1) * sizeof(*s));
    if (!s) {
        ERR_Set(err, "out of memory");
        return -1;
    }
    rep->skipped = s;
    s = &rep->skipped[rep->nr_skipped++];
    snprintf(s->name, sizeof(s->name), "%s", name);
    snprintf(s->why, sizeof(s->why), "%s", why);
    return 0;
}

static void free_names(char **names, size_t n)
{
    size_t i;

    for (i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

/*
 * The hooks of dir, sorted; the rest go to rep->skipped.  Returns 0,
 * 1 when dir does not exist, -1 on error.
 */
static int list_hooks(const char *dir, hook_report *rep, char ***out,
                      size_t *nr_out, xs_err *err)
{
    DIR *d = NULL;
    struct dirent *de;
    char **all = NULL, **run = NULL, **p;
    size_t nr_all = 0, nr_run = 0, i, k;
    struct stat st;
    int rc;

    *out = NULL;
    *nr_out = 0;
    d = opendir(dir);
    if (!d) {
        if (errno == ENOENT) {
            rc = 1;
            goto out;
        }
        ERR_Set(err, "hook directory %s: %s", dir, strerror(errno));
        rc = -1;
        goto out;
    }
    for (;;) {
        errno = 0;
        de = readdir(d);
        if (!de) {
            if (errno) {
                ERR_Set(err, "hook directory %s: %s", dir, strerror(errno));
                rc = -1;
                goto out;
            }
            break;
        }
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        p = realloc(all, (nr_all + 1) * sizeof(*p));
        if (!p)
            goto oom;
        all = p;
        all[nr_all] = strdup(de->d_name);
        if (!all[nr_all])
            goto oom;
        nr_all++;
    }
    if (nr_all)
        qsort(all, nr_all, sizeof(*all), cmp_names);

    run = calloc(nr_all ? nr_all : 1, sizeof(*run));
    if (!run)
        goto oom;
    for (i = 0; i < nr_all; i++) {
        const char *name = all[i], *why = NULL;
        char buf[128];

        if (name[0] == '.')
            why = "hidden (name starts with '.')";
        for (k = 0; !why && k < sizeof(backup_suffixes) /
                 sizeof(backup_suffixes[0]); k++) {
            if (ends_with(name, backup_suffixes[k]))
                why = "backup file";
        }
        if (!why && fstatat(dirfd(d), name, &st, 0) != 0) {
            snprintf(buf, sizeof(buf), "cannot stat: %s", strerror(errno));
            why = buf;
        }
        if (!why && !S_ISREG(st.st_mode))
            why = "not a regular file";
        if (!why && ((st.st_mode & 0111) == 0 ||
                     faccessat(dirfd(d), name, X_OK, AT_EACCESS) != 0))
            why = "not executable";
        if (why) {
            if (add_skip(rep, name, why, err) < 0) {
                rc = -1;
                goto out;
            }
            continue;
        }
        run[nr_run++] = all[i];
        all[i] = NULL;
    }
    *out = run;
    *nr_out = nr_run;
    run = NULL;
    rc = 0;
    goto out;

oom:
    ERR_Set(err, "out of memory");
    rc = -1;
out:
    free_names(all, nr_all);
    free_names(run, nr_run);
    if (d)
        closedir(d);
    return rc;
}

/* The environment, built once per run: PATH and the XENSHIFT_* known. */
static int build_env(const hook_call *c, char **env, size_t max, xs_err *err)
{
    size_t n = 0;
    int rc = 0;

#define ENV_ADD(...)                                            \
    do {                                                        \
        if (n + 1 >= max || asprintf(&env[n], __VA_ARGS__) < 0) { \
            env[n] = NULL;                                      \
            rc = -1;                                            \
            goto out;                                           \
        }                                                       \
        n++;                                                    \
    } while (0)

    ENV_ADD("PATH=%s", HOOK_PATH);
    ENV_ADD("XENSHIFT_EVENT=%s", HOOK_EventName(c->event));
    ENV_ADD("XENSHIFT_PHASE=%s", c->phase);
    if (c->from_phase && *c->from_phase)
        ENV_ADD("XENSHIFT_FROM_PHASE=%s", c->from_phase);
    if (c->domain && *c->domain)
        ENV_ADD("XENSHIFT_DOMAIN=%s", c->domain);
    if (c->domid >= 0)
        ENV_ADD("XENSHIFT_DOMID=%d", c->domid);
    if (c->memory_kib)
        ENV_ADD("XENSHIFT_MEMORY_KIB=%llu",
                (unsigned long long)c->memory_kib);
    if (c->vcpus)
        ENV_ADD("XENSHIFT_VCPUS=%u", c->vcpus);
    if (c->request_id && *c->request_id)
        ENV_ADD("XENSHIFT_REQUEST_ID=%s", c->request_id);
    if (c->result && *c->result)
        ENV_ADD("XENSHIFT_RESULT=%s", c->result);
    if (c->message && *c->message)
        ENV_ADD("XENSHIFT_MESSAGE=%s", c->message);
#undef ENV_ADD

out:
    env[n] = NULL;
    if (rc < 0)
        ERR_Set(err, "out of memory");
    return rc;
}

static void first_line(const char *s, char *buf, size_t len)
{
    size_t n = strcspn(s, "\r\n");

    if (n >= len)
        n = len - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
}

static int max_fd(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
        rl.rlim_cur > (1u << 20))
        return 1 << 20;
    return (int)rl.rlim_cur;
}

int HOOK_Run(const hook_opts *o, const hook_call *c, hook_result_fn *done,
             void *ctx, hook_report *report, xs_err *err)
{
    hook_opts def;
    char **names = NULL, *env[16] = {NULL}, *argv[5], *path = NULL;
    size_t nr = 0, i;
    bool pre, failed_start = false;
    xs_err first, one;
    hook_result *r;
    int rc, maxfd;

    HOOK_ReportDispose(report);
    ERR_Clear(&first);
    if (!o) {
        HOOK_DefaultOpts(&def);
        o = &def;
    }
    if (!c || (unsigned)c->event >= HOOK_NR_EVENTS) {
        ERR_Set(err, "hooks: no such event");
        rc = -1;
        goto out;
    }
    if (!c->phase || !*c->phase) {
        ERR_Set(err, "hooks: %s without a phase", HOOK_EventName(c->event));
        rc = -1;
        goto out;
    }
    pre = HOOK_EventIsPre(c->event);
    if ((size_t)snprintf(report->dir, sizeof(report->dir), "%s",
                         o->dir ? o->dir : HOOK_DEFAULT_DIR) >=
        sizeof(report->dir)) {
        ERR_Set(err, "hook directory name too long");
        rc = -1;
        goto out;
    }

    rc = list_hooks(report->dir, report, &names, &nr, err);
    if (rc < 0)
        goto out;
    if (rc == 1) {
        report->dir_missing = true;
        rc = 0;
        goto out;
    }
    if (!nr)
        goto out;
    if (build_env(c, env, sizeof(env) / sizeof(env[0]), err) < 0) {
        rc = -1;
        goto out;
    }
    report->results = calloc(nr, sizeof(*report->results));
    if (!report->results) {
        ERR_Set(err, "out of memory");
        rc = -1;
        goto out;
    }
    argv[1] = (char *)HOOK_EventName(c->event);
    argv[2] = (char *)c->phase;
    argv[3] = c->domain && *c->domain ? (char *)c->domain : NULL;
    argv[4] = NULL;
    maxfd = max_fd();

    for (i = 0; i < nr; i++) {
        free(path);
        if (asprintf(&path, "%s/%s", report->dir, names[i]) < 0) {
            path = NULL;
            ERR_Set(err, "out of memory");
            rc = -1;
            goto out;
        }
        argv[0] = path;
        r = &report->results[report->nr_results];
        snprintf(r->name, sizeof(r->name), "%s", names[i]);
        if (HOOKPROC_Run(o, path, argv, env, maxfd, r, &one) < 0) {
            if (!r->output) {
                ERR_Set(err, "out of memory");
                rc = -1;
                goto out;
            }
            if (!failed_start)
                first = one;
            failed_start = true;
        }
        report->nr_results++;
        if (!HOOK_ResultOk(r))
            report->nr_failed++;
        if (done)
            done(ctx, r);
        if (failed_start && pre)
            break;
        if (pre && !HOOK_ResultOk(r)) {
            report->vetoed = true;
            snprintf(report->veto_hook, sizeof(report->veto_hook), "%s",
                     r->name);
            report->veto_status = r->kind == HOOK_RES_EXITED ? r->status : -1;
            first_line(r->output, report->veto_msg, sizeof(report->veto_msg));
            if (!report->veto_msg[0])
                snprintf(report->veto_msg, sizeof(report->veto_msg), "%s",
                         r->what);
            rc = HOOK_VETOED;
            goto out;
        }
    }
    if (failed_start) {
        if (err)
            *err = first;
        rc = -1;
        goto out;
    }
    rc = 0;

out:
    free(path);
    for (i = 0; env[i]; i++)
        free(env[i]);
    free_names(names, nr);
    return rc;
}
