/*
 * journal.c - the transition journal in xenstore.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "xspath.h"

static int put(hv *h, const char *leaf, const char *val, xs_err *err)
{
    char path[256];

    snprintf(path, sizeof(path), XSP_JOURNAL "/%s", leaf);
    if (HV_XsWrite(h, path, val)) {
        ERR_Set(err, "journal: %s", HV_LastError(h)->msg);
        return -1;
    }
    return 0;
}

static int get(hv *h, const char *leaf, char *buf, size_t len, xs_err *err)
{
    char path[256], *v;
    int rc;

    buf[0] = '\0';
    snprintf(path, sizeof(path), XSP_JOURNAL "/%s", leaf);
    rc = HV_XsRead(h, path, &v);
    if (rc == HV_ENOENT)
        return 0;
    if (rc) {
        ERR_Set(err, "journal: %s", HV_LastError(h)->msg);
        return -1;
    }
    snprintf(buf, len, "%s", v);
    free(v);
    return 0;
}

int JNL_Begin(hv *h, const char *from, const char *to, const char *request,
              xs_err *err)
{
    /* state last: a journal without it was never started. */
    if (put(h, XSP_J_FROM, from ? from : "", err) ||
        put(h, XSP_J_TO, to, err) ||
        put(h, XSP_J_REQUEST, request ? request : "", err) ||
        put(h, XSP_J_STEP, "", err))
        return -1;
    return put(h, XSP_J_STATE, "running", err);
}

int JNL_Step(hv *h, const char *step, xs_err *err)
{
    return put(h, XSP_J_STEP, step, err);
}

int JNL_SetState(hv *h, const char *state, xs_err *err)
{
    return put(h, XSP_J_STATE, state, err);
}

int JNL_End(hv *h, xs_err *err)
{
    int rc = HV_XsRemove(h, XSP_JOURNAL);

    if (rc && rc != HV_ENOENT) {
        ERR_Set(err, "journal: %s", HV_LastError(h)->msg);
        return -1;
    }
    return 0;
}

int JNL_Read(hv *h, jnl_entry *e, xs_err *err)
{
    memset(e, 0, sizeof(*e));
    if (get(h, XSP_J_STATE, e->state, sizeof(e->state), err))
        return -1;
    if (!e->state[0])
        return 0;
    if (get(h, XSP_J_FROM, e->from, sizeof(e->from), err) ||
        get(h, XSP_J_TO, e->to, sizeof(e->to), err) ||
        get(h, XSP_J_REQUEST, e->request, sizeof(e->request), err) ||
        get(h, XSP_J_STEP, e->step, sizeof(e->step), err))
        return -1;
    e->present = true;
    return 0;
}
