/*
 * sim_xenstore.c - the simulated host's xenstore: a flat list of paths
 * and values, watches that fire on a change at, above or below their
 * path, and the events queued behind an eventfd as xenstored's socket
 * would hold them.  The xs_* hv_ops of hv_sim.c's table are here.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "sim_int.h"

xs_node *sim_xs_find(sim *s, const char *path)
{
    size_t i;

    for (i = 0; i < s->nr_xs; i++)
        if (strcmp(s->xs[i].path, path) == 0)
            return &s->xs[i];
    return NULL;
}

static bool path_within(const char *path, const char *top)
{
    size_t len = strlen(top);

    return strncmp(path, top, len) == 0 &&
           (path[len] == '\0' || path[len] == '/');
}

static void queue_event(sim *s, const char *path, const char *token)
{
    xs_event *v = realloc(s->events, (s->nr_events + 1) * sizeof(*v));
    uint64_t one = 1;

    if (!v)
        return;
    s->events = v;
    v[s->nr_events].path = strdup(path);
    v[s->nr_events].token = strdup(token);
    if (!v[s->nr_events].path || !v[s->nr_events].token) {
        free(v[s->nr_events].path);
        free(v[s->nr_events].token);
        return;
    }
    s->nr_events++;
    if (s->event_fd >= 0 && write(s->event_fd, &one, sizeof(one)) < 0)
        return;     /* the counter is already non-zero: still readable */
}

/* A change at path fires the watches on it, above it and below it. */
void sim_fire_watches(sim *s, const char *path)
{
    size_t i;

    for (i = 0; i < s->nr_watches; i++)
        if (path_within(path, s->watches[i].path) ||
            path_within(s->watches[i].path, path))
            queue_event(s, path, s->watches[i].token);
}

int sim_xs_set(sim *s, const char *path, const char *val)
{
    xs_node *n = sim_xs_find(s, path), *v;
    char *copy = strdup(val);

    if (!copy)
        return HV_EFAIL;
    sim_fire_watches(s, path);
    if (n) {
        free(n->val);
        n->val = copy;
        return 0;
    }
    v = realloc(s->xs, (s->nr_xs + 1) * sizeof(*v));
    if (!v) {
        free(copy);
        return HV_EFAIL;
    }
    s->xs = v;
    s->xs[s->nr_xs].path = strdup(path);
    if (!s->xs[s->nr_xs].path) {
        free(copy);
        return HV_EFAIL;
    }
    s->xs[s->nr_xs].val = copy;
    s->nr_xs++;
    return 0;
}

void sim_xs_set_u64(sim *s, uint32_t domid, const char *leaf, uint64_t v)
{
    char path[128], val[32];

    snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, leaf);
    snprintf(val, sizeof(val), "%" PRIu64, v);
    sim_xs_set(s, path, val);
}

/* Remove path and everything below it. */
int sim_xs_rm_tree(sim *s, const char *path)
{
    size_t i = 0, len = strlen(path), removed = 0;

    while (i < s->nr_xs) {
        const char *p = s->xs[i].path;

        if (strncmp(p, path, len) == 0 && (p[len] == '\0' || p[len] == '/')) {
            free(s->xs[i].path);
            free(s->xs[i].val);
            s->xs[i] = s->xs[--s->nr_xs];
            removed++;
        } else {
            i++;
        }
    }
    if (removed)
        sim_fire_watches(s, path);
    return removed ? 0 : HV_ENOENT;
}

char *HVSIM_XsPeek(hv *h, const char *path)
{
    xs_node *n = sim_xs_find(S(h), path);

    return n ? strdup(n->val) : NULL;
}

/* --- hv_ops ------------------------------------------------------------- */

int sim_xs_read(hv *h, const char *path, char **val)
{
    sim *s = S(h);
    xs_node *n;
    int rc = sim_fault_check(s, "xs_read", NULL);

    if (rc)
        return rc;
    n = sim_xs_find(s, path);
    if (!n) {
        ERR_Set(&s->base.err, "xenstore read %s: no such node", path);
        return HV_ENOENT;
    }
    *val = strdup(n->val);
    return *val ? 0 : HV_EFAIL;
}

int sim_xs_write(hv *h, const char *path, const char *val)
{
    sim *s = S(h);
    int rc = sim_fault_check(s, "xs_write", NULL);

    if (rc)
        return rc;
    return sim_xs_set(s, path, val);
}

int sim_xs_remove(hv *h, const char *path)
{
    sim *s = S(h);
    int rc = sim_fault_check(s, "xs_remove", NULL);

    if (rc)
        return rc;
    rc = sim_xs_rm_tree(s, path);
    if (rc)
        ERR_Set(&s->base.err, "xenstore remove %s: no such node", path);
    return rc;
}

/* A remove for which absent is done (a change, as a remove is). */
int sim_xs_clear(hv *h, const char *path)
{
    sim *s = S(h);
    int rc = sim_fault_check(s, "xs_clear", NULL);

    if (rc)
        return rc;
    sim_xs_rm_tree(s, path);
    return 0;
}

int sim_xs_directory(hv *h, const char *path, char ***names,
                     size_t *nr)
{
    sim *s = S(h);
    size_t i, j, len = strlen(path), n = 0;
    char **out = NULL, **v;
    bool exists = false;
    int rc = sim_fault_check(s, "xs_directory", NULL);

    if (rc)
        return rc;
    for (i = 0; i < s->nr_xs; i++) {
        const char *p = s->xs[i].path, *child, *end;
        size_t clen;

        if (!path_within(p, path))
            continue;
        exists = true;
        if (p[len] != '/')
            continue;
        child = p + len + 1;
        end = strchr(child, '/');
        clen = end ? (size_t)(end - child) : strlen(child);
        for (j = 0; j < n; j++)
            if (strlen(out[j]) == clen && strncmp(out[j], child, clen) == 0)
                break;
        if (j < n)
            continue;
        v = realloc(out, (n + 1) * sizeof(*v));
        if (!v)
            goto nomem;
        out = v;
        out[n] = strndup(child, clen);
        if (!out[n])
            goto nomem;
        n++;
    }
    if (!exists) {
        free(out);
        ERR_Set(&s->base.err, "xenstore directory %s: no such node", path);
        return HV_ENOENT;
    }
    *names = out;
    *nr = n;
    return 0;
nomem:
    HV_FreeNames(out, n);
    ERR_Set(&s->base.err, "xenstore directory %s: out of memory", path);
    return HV_EFAIL;
}

int sim_xs_restrict(hv *h, const char *path)
{
    sim *s = S(h);
    int rc = sim_fault_check(s, "xs_restrict", NULL);

    if (rc)
        return rc;
    /* Only dom0 runs in the simulation: existence is all there is. */
    if (!sim_xs_find(s, path))
        return sim_xs_set(s, path, "");
    return 0;
}

int sim_xs_watch(hv *h, const char *path, const char *token)
{
    sim *s = S(h);
    xs_event *v;

    if (s->event_fd < 0) {
        s->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (s->event_fd < 0) {
            ERR_Set(&s->base.err, "xenstore watch %s: eventfd: %s", path,
                    strerror(errno));
            return HV_EFAIL;
        }
    }
    v = realloc(s->watches, (s->nr_watches + 1) * sizeof(*v));
    if (!v)
        return HV_EFAIL;
    s->watches = v;
    v[s->nr_watches].path = strdup(path);
    v[s->nr_watches].token = strdup(token);
    if (!v[s->nr_watches].path || !v[s->nr_watches].token) {
        free(v[s->nr_watches].path);
        free(v[s->nr_watches].token);
        return HV_EFAIL;
    }
    s->nr_watches++;
    queue_event(s, path, token);
    return 0;
}

int sim_xs_unwatch(hv *h, const char *path, const char *token)
{
    sim *s = S(h);
    size_t i;

    for (i = 0; i < s->nr_watches; i++) {
        if (strcmp(s->watches[i].path, path) == 0 &&
            strcmp(s->watches[i].token, token) == 0) {
            free(s->watches[i].path);
            free(s->watches[i].token);
            s->watches[i] = s->watches[--s->nr_watches];
            return 0;
        }
    }
    ERR_Set(&s->base.err, "xenstore unwatch %s: no such watch", path);
    return HV_ENOENT;
}

int sim_xs_watch_fd(hv *h)
{
    return S(h)->event_fd;
}

int sim_xs_read_watch(hv *h, char **path, char **token)
{
    sim *s = S(h);
    uint64_t count;

    if (!s->nr_events)
        return 0;
    *path = s->events[0].path;
    *token = s->events[0].token;
    memmove(s->events, s->events + 1, (s->nr_events - 1) * sizeof(*s->events));
    if (--s->nr_events == 0 && s->event_fd >= 0 &&
        read(s->event_fd, &count, sizeof(count)) < 0)
        return 1;   /* already drained */
    return 1;
}
