/*
 * xen_xenstore.c - the real host's xenstore through libxenstore: the
 * xs_* hv_ops, with xenstored's answers made to say what hv.h promises
 * (HV_ENOENT for a missing node, separate strings for a directory).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xen_int.h"

int xen_xs_read(hv *h, const char *path, char **val)
{
    xen *x = X(h);
    unsigned int len;
    int e;

    *val = xs_read(x->xs, XBT_NULL, path, &len);
    if (!*val) {
        e = errno;
        ERR_Set(&x->base.err, "xenstore read %s: %s", path,
                e == ENOENT ? "no such node" : strerror(e));
        return e == ENOENT ? HV_ENOENT : HV_EFAIL;
    }
    return 0;
}

int xen_xs_write(hv *h, const char *path, const char *val)
{
    xen *x = X(h);

    if (!xs_write(x->xs, XBT_NULL, path, val, (unsigned int)strlen(val))) {
        ERR_Set(&x->base.err, "xenstore write %s: %s", path, strerror(errno));
        return HV_EFAIL;
    }
    return 0;
}

int xen_xs_remove(hv *h, const char *path)
{
    xen *x = X(h);
    unsigned int len;
    char *v;
    int e;

    /*
     * xenstored answers success for a missing node whose parent exists;
     * hv.h (and the simulated host) say HV_ENOENT.
     */
    v = xs_read(x->xs, XBT_NULL, path, &len);
    if (!v && errno == ENOENT) {
        ERR_Set(&x->base.err, "xenstore remove %s: no such node", path);
        return HV_ENOENT;
    }
    free(v);
    if (!xs_rm(x->xs, XBT_NULL, path)) {
        e = errno;
        ERR_Set(&x->base.err, "xenstore remove %s: %s", path,
                e == ENOENT ? "no such node" : strerror(e));
        return e == ENOENT ? HV_ENOENT : HV_EFAIL;
    }
    return 0;
}

/*
 * xs_rm alone: xenstored removes the subtree, or answers success (or
 * ENOENT when the parent is missing too) when there is none.
 */
int xen_xs_clear(hv *h, const char *path)
{
    xen *x = X(h);
    int e;

    if (!xs_rm(x->xs, XBT_NULL, path)) {
        e = errno;
        if (e == ENOENT)
            return 0;
        ERR_Set(&x->base.err, "xenstore remove %s: %s", path, strerror(e));
        return HV_EFAIL;
    }
    return 0;
}

int xen_xs_directory(hv *h, const char *path, char ***names,
                     size_t *nr)
{
    xen *x = X(h);
    unsigned int n, i;
    char **v, **out;
    int e;

    v = xs_directory(x->xs, XBT_NULL, path, &n);
    if (!v) {
        e = errno;
        ERR_Set(&x->base.err, "xenstore directory %s: %s", path,
                e == ENOENT ? "no such node" : strerror(e));
        return e == ENOENT ? HV_ENOENT : HV_EFAIL;
    }
    /* One block from libxenstore; hand out separate strings. */
    out = calloc(n ? n : 1, sizeof(*out));
    if (!out)
        goto nomem;
    for (i = 0; i < n; i++) {
        out[i] = strdup(v[i]);
        if (!out[i]) {
            HV_FreeNames(out, i);
            goto nomem;
        }
    }
    free(v);
    *names = out;
    *nr = n;
    return 0;
nomem:
    free(v);
    ERR_Set(&x->base.err, "xenstore directory %s: out of memory", path);
    return HV_EFAIL;
}

int xen_xs_restrict(hv *h, const char *path)
{
    xen *x = X(h);
    /* The first entry is the owner and what everyone else may do. */
    struct xs_permissions perm = { .id = 0, .perms = XS_PERM_NONE };

    if (!xs_mkdir(x->xs, XBT_NULL, path) ||
        !xs_set_permissions(x->xs, XBT_NULL, path, &perm, 1)) {
        ERR_Set(&x->base.err, "xenstore: cannot make %s dom0-only: %s",
                path, strerror(errno));
        return HV_EFAIL;
    }
    return 0;
}

/*
 * Watches have a connection of their own: libxenstore starts a reader
 * thread on a handle's first watch, and from then on hands every reply
 * on that handle over through it.  The reads and writes of the journal
 * and of the domains keep the plain handle (on the bed, through a
 * handle with a watch they took about twice as long).
 */
static struct xs_handle *watch_handle(xen *x)
{
    if (!x->xs_watch) {
        x->xs_watch = xs_open(0);
        if (!x->xs_watch)
            ERR_Set(&x->base.err, "xenstore: a connection for watches: %s",
                    strerror(errno));
    }
    return x->xs_watch;
}

int xen_xs_watch(hv *h, const char *path, const char *token)
{
    xen *x = X(h);
    struct xs_handle *w = watch_handle(x);

    if (!w)
        return HV_EFAIL;
    if (!xs_watch(w, path, token)) {
        ERR_Set(&x->base.err, "xenstore watch %s: %s", path,
                strerror(errno));
        return HV_EFAIL;
    }
    return 0;
}

int xen_xs_unwatch(hv *h, const char *path, const char *token)
{
    xen *x = X(h);

    if (!x->xs_watch)
        return 0;               /* nothing was watched */
    if (!xs_unwatch(x->xs_watch, path, token)) {
        ERR_Set(&x->base.err, "xenstore unwatch %s: %s", path,
                strerror(errno));
        return HV_EFAIL;
    }
    return 0;
}

int xen_xs_watch_fd(hv *h)
{
    struct xs_handle *w = watch_handle(X(h));

    return w ? xs_fileno(w) : -1;
}

int xen_xs_read_watch(hv *h, char **path, char **token)
{
    xen *x = X(h);
    char **v;

    if (!x->xs_watch)
        return 0;               /* no watch, no event */
    v = xs_check_watch(x->xs_watch);
    if (!v) {
        if (errno == EAGAIN)
            return 0;
        ERR_Set(&x->base.err, "xenstore: reading a watch event: %s",
                strerror(errno));
        return HV_EFAIL;
    }
    *path = strdup(v[XS_WATCH_PATH]);
    *token = strdup(v[XS_WATCH_TOKEN]);
    free(v);
    if (!*path || !*token) {
        free(*path);
        free(*token);
        *path = *token = NULL;
        ERR_Set(&x->base.err, "xenstore: reading a watch event: out of "
                "memory");
        return HV_EFAIL;
    }
    return 1;
}
