/*
 * journal.c - the transition journal in xenstore.
 */
#include <inttypes.h>
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

/*
 * A record line, whole: one longer than len (not written by this
 * xenshift) would be cut, and a cut pCPU list parses as other pCPUs.
 */
static int get_line(hv *h, const char *leaf, char *buf, size_t len,
                    xs_err *err)
{
    if (get(h, leaf, buf, len, err))
        return -1;
    if (strlen(buf) + 1 >= len) {
        ERR_Set(err, "journal: the record line %s is longer than %zu bytes",
                leaf, len - 2);
        return -1;
    }
    return 0;
}

int JNL_Begin(hv *h, const char *from, const char *to, const char *request,
              xs_err *err)
{
    /*
     * One remove for whatever an earlier journal left (its record, its
     * moments), then state last: a journal without it was never started.
     */
    if (JNL_End(h, err) ||
        put(h, XSP_J_FROM, from ? from : "", err) ||
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

int JNL_Moment(hv *h, bool capacity, uint64_t ms, xs_err *err)
{
    char v[32];

    snprintf(v, sizeof(v), "%" PRIu64, ms);
    return put(h, capacity ? XSP_J_CAPACITY_MS : XSP_J_PLACEMENT_MS, v, err);
}

/* A moment's leaf: -1 when absent or not a number. */
static int get_moment(hv *h, const char *leaf, long long *ms, xs_err *err)
{
    char buf[32], *end;

    *ms = -1;
    if (get(h, leaf, buf, sizeof(buf), err))
        return -1;
    if (buf[0]) {
        long long v = strtoll(buf, &end, 10);

        if (!*end && v >= 0)
            *ms = v;
    }
    return 0;
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
    e->capacity_ms = e->placement_ms = -1;
    if (get(h, XSP_J_STATE, e->state, sizeof(e->state), err))
        return -1;
    if (!e->state[0])
        return 0;
    if (get(h, XSP_J_FROM, e->from, sizeof(e->from), err) ||
        get(h, XSP_J_TO, e->to, sizeof(e->to), err) ||
        get(h, XSP_J_REQUEST, e->request, sizeof(e->request), err) ||
        get(h, XSP_J_STEP, e->step, sizeof(e->step), err) ||
        get_moment(h, XSP_J_CAPACITY_MS, &e->capacity_ms, err) ||
        get_moment(h, XSP_J_PLACEMENT_MS, &e->placement_ms, err))
        return -1;
    e->present = true;
    return 0;
}

/* A line that does not fit is refused: cut, it would restore other values. */
static int too_long(xs_err *err, const char *what, size_t i)
{
    ERR_Set(err, "journal: the record of %s %zu does not fit in a journal "
            "line", what, i);
    return -1;
}

int JNL_Record(hv *h, const rec_record *r, xs_err *err)
{
    char leaf[64], head[256], line[REC_LINE_MAX];
    size_t i;

    for (i = 0; i < r->nr_pools; i++) {
        snprintf(leaf, sizeof(leaf), XSP_JL_POOL "/%zu", i);
        if (REC_FormatPool(&r->pools[i], line, sizeof(line)))
            return too_long(err, "cpupool", i);
        if (put(h, leaf, line, err))
            return -1;
    }
    for (i = 0; i < r->nr_doms; i++) {
        snprintf(leaf, sizeof(leaf), XSP_JL_DOMAIN "/%zu", i);
        if (REC_FormatDomain(&r->doms[i], line, sizeof(line)))
            return too_long(err, "domain", i);
        if (put(h, leaf, line, err))
            return -1;
    }
    if (REC_FormatHead(r, head, sizeof(head)))
        return too_long(err, "host", 0);
    snprintf(line, sizeof(line), "pools=%zu domains=%zu %s", r->nr_pools,
             r->nr_doms, head);
    return put(h, XSP_J_RECORD_HEAD, line, err);
}

int JNL_ReadRecord(hv *h, rec_record *r, xs_err *err)
{
    char leaf[64], line[REC_LINE_MAX];
    unsigned long pools, doms;
    size_t i;

    REC_Dispose(r);
    if (get_line(h, XSP_J_RECORD_HEAD, line, sizeof(line), err))
        return -1;
    if (!line[0])
        return 0;
    if (sscanf(line, "pools=%lu domains=%lu", &pools, &doms) != 2 ||
        pools > 4096 || doms > 65536 || REC_ParseHead(line, r))
        goto bad;
    r->pools = calloc(pools ? pools : 1, sizeof(*r->pools));
    r->doms = calloc(doms ? doms : 1, sizeof(*r->doms));
    if (!r->pools || !r->doms) {
        ERR_Set(err, "journal: out of memory");
        REC_Dispose(r);
        return -1;
    }
    for (i = 0; i < pools; i++) {
        snprintf(leaf, sizeof(leaf), XSP_JL_POOL "/%zu", i);
        if (get_line(h, leaf, line, sizeof(line), err))
            goto fail;
        if (REC_ParsePool(line, r->nr_cpus, &r->pools[i]))
            goto bad;
    }
    r->nr_pools = pools;
    for (i = 0; i < doms; i++) {
        snprintf(leaf, sizeof(leaf), XSP_JL_DOMAIN "/%zu", i);
        if (get_line(h, leaf, line, sizeof(line), err))
            goto fail;
        if (REC_ParseDomain(line, r->nr_cpus, &r->doms[i]))
            goto bad;
    }
    r->nr_doms = doms;
    r->taken = true;
    return 0;
bad:
    ERR_Set(err, "journal: a malformed record line: \"%s\"", line);
fail:
    REC_Dispose(r);
    return -1;
}
