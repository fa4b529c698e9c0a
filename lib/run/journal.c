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
     * moments, its step: absent reads as "", before the first step),
     * then state last: a journal without it was never started.
     */
    if (JNL_End(h, err) ||
        put(h, XSP_J_FROM, from ? from : "", err) ||
        put(h, XSP_J_TO, to, err) ||
        put(h, XSP_J_REQUEST, request ? request : "", err))
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
    /* one request: whether there was a journal does not matter here */
    if (HV_XsClear(h, XSP_JOURNAL)) {
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

/*
 * The record's lines, packed: as many as fit in one node, joined by
 * '\n' (record_text.c escapes it in a name), record/part/0, 1, ...  One
 * xenstore request per node, and on an emulated dom0 each costs ms.
 */
typedef struct part_writer {
    hv *h;
    char buf[JNL_PART_MAX];
    size_t len;
    size_t nr;
} part_writer;

static int part_flush(part_writer *w, xs_err *err)
{
    char leaf[64];

    if (!w->len)
        return 0;
    snprintf(leaf, sizeof(leaf), XSP_JL_PART "/%zu", w->nr);
    if (put(w->h, leaf, w->buf, err))
        return -1;
    w->nr++;
    w->len = 0;
    return 0;
}

/* line is shorter than REC_LINE_MAX - 1: it fits alone in a part. */
static int part_add(part_writer *w, const char *line, xs_err *err)
{
    size_t n = strlen(line);

    if (w->len && w->len + 1 + n + 1 > sizeof(w->buf) &&
        part_flush(w, err))
        return -1;
    if (w->len)
        w->buf[w->len++] = '\n';
    memcpy(w->buf + w->len, line, n + 1);
    w->len += n;
    return 0;
}

int JNL_Record(hv *h, const rec_record *r, xs_err *err)
{
    char head[256], line[REC_LINE_MAX];
    part_writer *w;
    size_t i;
    int rc = -1;

    w = calloc(1, sizeof(*w));
    if (!w) {
        ERR_Set(err, "journal: out of memory");
        return -1;
    }
    w->h = h;
    for (i = 0; i < r->nr_pools; i++) {
        if (REC_FormatPool(&r->pools[i], line, sizeof(line))) {
            too_long(err, "cpupool", i);
            goto out;
        }
        if (part_add(w, line, err))
            goto out;
    }
    for (i = 0; i < r->nr_doms; i++) {
        if (REC_FormatDomain(&r->doms[i], line, sizeof(line))) {
            too_long(err, "domain", i);
            goto out;
        }
        if (part_add(w, line, err))
            goto out;
    }
    if (part_flush(w, err))
        goto out;
    if (REC_FormatHead(r, head, sizeof(head))) {
        too_long(err, "host", 0);
        goto out;
    }
    snprintf(line, sizeof(line), "pools=%zu domains=%zu parts=%zu %s",
             r->nr_pools, r->nr_doms, w->nr, head);
    rc = put(h, XSP_J_RECORD_HEAD, line, err);
out:
    free(w);
    return rc;
}

/* One record line, the i-th: the pools first, then the domains. */
static int parse_line(rec_record *r, size_t i, const char *line)
{
    if (i < r->nr_pools)
        return REC_ParsePool(line, r->nr_cpus, &r->pools[i]);
    return REC_ParseDomain(line, r->nr_cpus, &r->doms[i - r->nr_pools]);
}

/* The parts' lines, exactly nr_pools + nr_doms of them. */
static int read_parts(hv *h, rec_record *r, unsigned long parts,
                      char *bad, size_t badlen, xs_err *err)
{
    size_t want = r->nr_pools + r->nr_doms, i = 0, p;
    char leaf[64], *buf, *line, *nl;
    int rc = -1;

    buf = malloc(JNL_PART_MAX);
    if (!buf) {
        ERR_Set(err, "journal: out of memory");
        return -1;
    }
    for (p = 0; p < parts; p++) {
        snprintf(leaf, sizeof(leaf), XSP_JL_PART "/%zu", p);
        if (get_line(h, leaf, buf, JNL_PART_MAX, err))
            goto out;
        for (line = buf; ; line = nl + 1) {
            nl = strchr(line, '\n');
            if (nl)
                *nl = '\0';
            snprintf(bad, badlen, "%s", line);
            if (i >= want || parse_line(r, i, line))
                goto malformed;
            i++;
            if (!nl)
                break;
        }
    }
    if (i == want) {
        rc = 0;
        goto out;
    }
    snprintf(bad, badlen, "%zu of %zu lines", i, want);
malformed:
    ERR_Set(err, "journal: a malformed record line: \"%s\"", bad);
out:
    free(buf);
    return rc;
}

/*
 * A journal of an older xenshift (one node a line, record/pool/N and
 * record/domain/N): left by a transition killed before an upgrade.
 */
static int read_lines(hv *h, rec_record *r, char *line, size_t len,
                      xs_err *err)
{
    size_t i;
    char leaf[64];

    for (i = 0; i < r->nr_pools + r->nr_doms; i++) {
        if (i < r->nr_pools)
            snprintf(leaf, sizeof(leaf), XSP_JL_POOL "/%zu", i);
        else
            snprintf(leaf, sizeof(leaf), XSP_JL_DOMAIN "/%zu",
                     i - r->nr_pools);
        if (get_line(h, leaf, line, len, err))
            return -1;
        if (parse_line(r, i, line)) {
            ERR_Set(err, "journal: a malformed record line: \"%s\"", line);
            return -1;
        }
    }
    return 0;
}

int JNL_ReadRecord(hv *h, rec_record *r, xs_err *err)
{
    char line[REC_LINE_MAX];
    unsigned long pools, doms, parts;
    int fields, rc;

    REC_Dispose(r);
    if (get_line(h, XSP_J_RECORD_HEAD, line, sizeof(line), err))
        return -1;
    if (!line[0])
        return 0;
    fields = sscanf(line, "pools=%lu domains=%lu parts=%lu", &pools, &doms,
                    &parts);
    if (fields < 2 || pools > 4096 || doms > 65536 ||
        (fields == 3 && parts > pools + doms) || REC_ParseHead(line, r)) {
        ERR_Set(err, "journal: a malformed record line: \"%s\"", line);
        goto fail;
    }
    r->pools = calloc(pools ? pools : 1, sizeof(*r->pools));
    r->doms = calloc(doms ? doms : 1, sizeof(*r->doms));
    if (!r->pools || !r->doms) {
        ERR_Set(err, "journal: out of memory");
        goto fail;
    }
    /* counted first: parse_line puts each line in its place */
    r->nr_pools = pools;
    r->nr_doms = doms;
    if (fields == 3)
        rc = read_parts(h, r, parts, line, sizeof(line), err);
    else
        rc = read_lines(h, r, line, sizeof(line), err);
    if (rc)
        goto fail;
    r->taken = true;
    return 0;
fail:
    REC_Dispose(r);
    return -1;
}
