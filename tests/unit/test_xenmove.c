/*
 * test_xenmove.c - lib/hv/xenmove.c against a stand-in for
 * XEN_DOMCTL_relocate_memory that reads the domctl as Xen does: the
 * argument's layout is the patched public header's, the probe believes
 * only the version Xen writes back (not a 0 from another operation under
 * the number), a preempted call is issued again and resumes, no call
 * holds more pages than the buffers (XMV_BUF_ENTRIES) and the ABI
 * (XENMEM_RELOC_MAX_EXTENTS) take, nothing is written past the buffers,
 * every page is offered once and the special pages never.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xen_relocate.h"
#include "xenmove_int.h"
#include "tap.h"

#define GUARD 256u                      /* entries past each buffer */
#define CANARY 0x5a5a5a5a5a5a5a5aull
#define SPAN 3000u                      /* pages offered */

typedef struct stand_in {
    uint64_t *gfns;                     /* the buffer handed to the mover */
    unsigned calls, biggest, bad_order, wrong_buffer, bad_head;
    unsigned offered[SPAN + 1];         /* times each gfn was offered */
    int fail_with;                      /* -errno for every call, or 0 */
    unsigned per_call;                  /* extents before ERESTART, or 0 */
    /* the probe: what a query gets back */
    int query_rc;
    uint32_t query_version;
    unsigned queries;
    /* a count: nodes with pages (page counts 100, 200, ...), answer */
    unsigned count_nodes, counts, count_asked, bad_count;
    int count_rc;
} stand_in;

/* As Xen answers XENSHIFT_RELOCATE_COUNT: node i holds (i + 1) * 100. */
static int fake_count(stand_in *s, struct xenshift_relocate_memory *r)
{
    uint64_t *pages = (uint64_t *)(uintptr_t)r->node_pages;
    unsigned i;

    s->counts++;
    s->count_asked = r->nr_extents;
    if (r->flags != XENSHIFT_RELOCATE_COUNT || r->extent_order || r->node ||
        r->nr_done || pages != s->gfns)
        s->bad_count++;
    if (s->count_rc)
        return s->count_rc;
    for (i = 0; i < s->count_nodes && i < r->nr_extents; i++)
        pages[i] = (i + 1) * 100;
    r->nr_done = s->count_nodes;
    return 0;
}

/*
 * As Xen: a query answers with its version; otherwise even pages move,
 * odd ones are busy, every tenth is not RAM, from nr_done on, per_call
 * extents at a time.
 */
static int fake_relocate(void *ctx, struct xenshift_domctl *dc)
{
    stand_in *s = ctx;
    struct xenshift_relocate_memory *r = &dc->u.relocate;
    uint64_t *gfns = (uint64_t *)(uintptr_t)r->gfn_list;
    int32_t *status = (int32_t *)(uintptr_t)r->status;
    unsigned i, stop;

    if (dc->cmd != XENSHIFT_DOMCTL_relocate_memory ||
        dc->interface_version != XEN_DOMCTL_INTERFACE_VERSION ||
        r->magic != XENSHIFT_RELOCATE_MAGIC || r->pad || r->pad2)
        s->bad_head++;
    if (r->flags & XENSHIFT_RELOCATE_QUERY) {
        s->queries++;
        r->version = s->query_version;
        return s->query_rc;
    }
    if (r->flags & XENSHIFT_RELOCATE_COUNT)
        return fake_count(s, r);
    s->calls++;
    if (r->nr_extents > s->biggest)
        s->biggest = r->nr_extents;
    if (r->extent_order != 0)
        s->bad_order++;
    if (gfns != s->gfns)
        s->wrong_buffer++;
    if (s->fail_with)
        return s->fail_with;
    if (!r->nr_done)
        r->nr_moved = r->nr_busy = 0;
    stop = r->nr_extents;
    if (s->per_call && r->nr_done + s->per_call < stop)
        stop = r->nr_done + s->per_call;
    for (i = r->nr_done; i < stop && i < XMV_BUF_ENTRIES; i++) {
        uint64_t g = gfns[i];

        if (g <= SPAN)
            s->offered[g]++;
        status[i] = g % 10 == 0 ? XENMEM_RELOC_NOT_RAM :
                    g % 2 ? -EBUSY : XENMEM_RELOC_MOVED;
        r->nr_moved += status[i] == XENMEM_RELOC_MOVED;
        r->nr_busy += status[i] == -EBUSY;
    }
    r->nr_done = i;
    r->version = XENSHIFT_RELOCATE_VERSION;
    return r->nr_done < r->nr_extents ? -ERESTART : 0;
}

static uint32_t u32_at(const void *p, size_t off)
{
    uint32_t v;

    memcpy(&v, (const char *)p + off, sizeof(v));
    return v;
}

static uint64_t u64_at(const void *p, size_t off)
{
    uint64_t v;

    memcpy(&v, (const char *)p + off, sizeof(v));
    return v;
}

/* The bytes Xen reads: struct xen_domctl, u.relocate_memory at 16. */
static void test_layout(void)
{
    struct xenshift_domctl dc;
    uint64_t g[2];
    int32_t st[2];

    memset(&dc, 0xff, sizeof(dc));
    xmv_fill_domctl(&dc, 7, 1, 9, 2, 0, g, st);
    is_int(u32_at(&dc, 0), 0x786d, "cmd XEN_DOMCTL_relocate_memory");
    is_int(u32_at(&dc, 4), XEN_DOMCTL_INTERFACE_VERSION,
           "this system's domctl interface version");
    ok((u32_at(&dc, 8) & 0xffff) == 7, "domain 7");
    is_int(u32_at(&dc, 16), 0x786d7276, "magic first in the union");
    is_int(u32_at(&dc, 20), 0, "flags 0");
    is_int(u32_at(&dc, 24), 1, "node 1");
    ok(u32_at(&dc, 28) == 9, "extent order 9, pad 0");
    ok(u32_at(&dc, 32) == 2 && u32_at(&dc, 36) == 0,
       "2 extents, none done yet");
    ok(u64_at(&dc, 40) == (uint64_t)(uintptr_t)g &&
       u64_at(&dc, 48) == (uint64_t)(uintptr_t)st,
       "the gfn and status handles at 24 and 32 of the union");
    ok(u32_at(&dc, 56) == 0 && u32_at(&dc, 60) == 0 && u32_at(&dc, 64) == 0,
       "counts and version zeroed (Xen writes them)");
    ok(u64_at(&dc, 72) == 0, "the node_pages handle at 56, zeroed");
    xmv_fill_domctl(&dc, 0, 0, 0, 0, XENSHIFT_RELOCATE_QUERY, NULL, NULL);
    is_int(u32_at(&dc, 20), 1, "a query sets flag 1");
}

/* XMV_NodePages: what Xen counted, never past the buffer. */
static void test_count(uint64_t *gfns, int32_t *status)
{
    static stand_in q;
    static uint64_t pages[XMV_BUF_ENTRIES + 100];
    struct xenshift_domctl dc;
    xs_err err;
    xmv *m;
    unsigned i;
    bool rest_zero = true;

    q.gfns = gfns;
    m = xmv_open_with(fake_relocate, &q, &dc, gfns, status);
    q.query_version = 0x00010000;
    XMV_Probe(m, &err);
    q.count_nodes = 2;
    is_int(XMV_NodePages(m, 5, pages, 4, &err), HV_ENOSYS,
           "a guarded Xen of ABI 1.0 cannot count: the caller falls back");
    is_int(q.counts, 0, "... and is not asked");

    q.query_version = XENSHIFT_RELOCATE_VERSION;
    XMV_Probe(m, &err);
    for (i = 0; i < XMV_BUF_ENTRIES; i++)
        gfns[i] = 7;            /* stale gfns from a move */
    pages[3] = 42;
    is_int(XMV_NodePages(m, 5, pages, 4, &err), 0, "ABI 1.1 counts");
    ok(pages[0] == 100 && pages[1] == 200 && pages[2] == 0 && pages[3] == 0,
       "pages per node as Xen counted, 0 where it wrote nothing "
       "(%llu %llu %llu %llu)", (unsigned long long)pages[0],
       (unsigned long long)pages[1], (unsigned long long)pages[2],
       (unsigned long long)pages[3]);
    ok(q.counts == 1 && !q.bad_count && q.count_asked == 4,
       "one well-formed count call for 4 nodes");

    q.count_nodes = 3;
    is_int(XMV_NodePages(m, 5, pages, 2, &err), HV_EFAIL,
           "pages on a node past those asked: an error, not a short count");
    ok(strstr(err.msg, "3 nodes") != NULL, "which says so: %s", err.msg);

    q.count_nodes = 2;
    is_int(XMV_NodePages(m, 5, pages, XMV_BUF_ENTRIES + 100, &err), 0,
           "asked for more nodes than the buffer holds");
    is_int(q.count_asked, XMV_BUF_ENTRIES, "Xen is told the buffer's size");
    for (i = 2; i < XMV_BUF_ENTRIES + 100; i++)
        rest_zero = rest_zero && pages[i] == 0;
    ok(rest_zero, "the nodes past the buffer read as 0");

    q.count_rc = -ESRCH;
    is_int(XMV_NodePages(m, 5, pages, 4, &err), HV_ENODOMAIN,
           "ESRCH: the domain is gone");
    q.count_rc = -EPERM;
    is_int(XMV_NodePages(m, 5, pages, 4, &err), HV_EFAIL, "EPERM: an error");
    ok(strstr(err.msg, "domain 5") != NULL, "naming the domain: %s",
       err.msg);
    XMV_Close(m);
}

/* What the probe believes. */
static void test_probe(void)
{
    static stand_in q;
    struct xenshift_domctl dc;
    uint64_t g[1];
    int32_t st[1];
    xs_err err;
    xmv *m = xmv_open_with(fake_relocate, &q, &dc, g, st);

    ERR_Clear(&err);
    q.query_rc = 0;
    q.query_version = XENSHIFT_RELOCATE_VERSION;
    is_int(XMV_Probe(m, &err), 1, "0 and the version written: guarded");
    ok(q.queries == 1 && !q.bad_head && !q.calls,
       "one query, well formed, and no move");
    q.query_version = 0;
    is_int(XMV_Probe(m, &err), 0,
           "0 without the version: another operation has the number");
    q.query_version = XENSHIFT_RELOCATE_VERSION + 0x10000;
    is_int(XMV_Probe(m, &err), 0, "another major version: not ours");
    q.query_version = 0x00010000;
    is_int(XMV_Probe(m, &err), 1, "major 1, minor 0: guarded, no count");
    q.query_version = XENSHIFT_RELOCATE_VERSION;
    q.query_rc = -ENOSYS;
    is_int(XMV_Probe(m, &err), 0, "ENOSYS: stock Xen");
    q.query_rc = -EACCES;
    is_int(XMV_Probe(m, &err), 0, "EACCES: another domctl interface");
    q.query_rc = -EPERM;
    is_int(XMV_Probe(m, &err), 0, "EPERM: FLASK or not privileged");
    q.query_rc = -EFAULT;
    is_int(XMV_Probe(m, &err), -1, "EFAULT: an error");
    ok(strstr(err.msg, "XEN_DOMCTL_relocate_memory") != NULL,
       "which says what was asked: %s", err.msg);
    XMV_Close(m);
}

static bool guard_intact(const uint64_t *gfns, const int32_t *status)
{
    unsigned i;

    for (i = XMV_BUF_ENTRIES; i < XMV_BUF_ENTRIES + GUARD; i++)
        if (gfns[i] != CANARY || status[i] != (int32_t)0x5a5a5a5a)
            return false;
    return true;
}

int main(void)
{
    struct xenshift_domctl dc;
    uint64_t *gfns = malloc((XMV_BUF_ENTRIES + GUARD) * sizeof(*gfns));
    int32_t *status = malloc((XMV_BUF_ENTRIES + GUARD) * sizeof(*status));
    static stand_in s;
    xmv_layout l;
    xmv_tally t;
    uint64_t not_ram = 0, g, moved = 0, busy = 0, nr = 0;
    unsigned once = 0, i;
    bool specials_left = true;
    xs_err err;
    xmv *m;

    for (i = 0; i < XMV_BUF_ENTRIES + GUARD; i++) {
        gfns[i] = CANARY;
        status[i] = (int32_t)0x5a5a5a5a;
    }
    ok(XMV_BUF_ENTRIES <= XENMEM_RELOC_MAX_EXTENTS,
       "the buffers hold no more than the ABI takes per call");
    test_layout();
    test_probe();
    test_count(gfns, status);
    ok(guard_intact(gfns, status), "the count wrote nothing past the buffer");

    s.gfns = gfns;
    m = xmv_open_with(fake_relocate, &s, &dc, gfns, status);
    ok(m != NULL, "a mover with a stand-in hypercall");

    /* a range six times the buffers, with two special pages in it */
    memset(&l, 0, sizeof(l));
    l.low_end = SPAN;
    l.special[l.nr_special++] = 7;
    l.special[l.nr_special++] = 2048;
    memset(&t, 0, sizeof(t));
    ERR_Clear(&err);
    is_int(xmv_offer_pages(m, &l, 5, 1, 0, SPAN, &t, &not_ram, &err), 0,
           "%u pages offered", SPAN);
    ok(s.biggest <= XMV_BUF_ENTRIES && s.biggest <= XENMEM_RELOC_MAX_EXTENTS,
       "no call over %u pages (the biggest: %u)", XMV_BUF_ENTRIES,
       s.biggest);
    ok(guard_intact(gfns, status), "nothing written past the buffers");
    is_int(s.calls, (SPAN - 2 + XMV_BUF_ENTRIES - 1) / XMV_BUF_ENTRIES,
           "in as few calls as the buffers allow");
    ok(!s.bad_order && !s.wrong_buffer && !s.bad_head,
       "order 0, from the mover's buffer, a well formed domctl");
    for (g = 0; g < SPAN; g++) {
        if (g == 7 || g == 2048) {
            if (s.offered[g])
                specials_left = false;
            continue;
        }
        if (s.offered[g] == 1)
            once++;
        nr++;
        if (g % 10 == 0)
            continue;
        if (g % 2)
            busy++;
        else
            moved++;
    }
    is_int(once, nr, "every other page offered exactly once");
    ok(specials_left, "the special pages never");
    ok(t.moved == moved && t.busy == busy && not_ram == SPAN / 10,
       "counted: %llu moved, %llu busy, %llu not RAM",
       (unsigned long long)t.moved, (unsigned long long)t.busy,
       (unsigned long long)not_ram);

    /* exactly one buffer's worth: one call */
    memset(s.offered, 0, sizeof(s.offered));
    s.calls = 0;
    l.nr_special = 0;
    is_int(xmv_offer_pages(m, &l, 5, 1, 0, XMV_BUF_ENTRIES, &t, &not_ram,
                           &err), 0, "one buffer's worth");
    is_int(s.calls, 1, "one call");

    /* a failing call stops the range and says why */
    s.fail_with = -ESRCH;
    s.calls = 0;
    is_int(xmv_offer_pages(m, &l, 5, 1, 0, SPAN, &t, &not_ram, &err),
           HV_ENODOMAIN, "ESRCH: no such domain");
    ok(s.calls == 1 && strstr(err.msg, "no such domain") != NULL,
       "after one call: %s", err.msg);
    ok(guard_intact(gfns, status), "still nothing past the buffers");

    /*
     * Preempted every 100 extents: the mover issues the same domctl
     * again until Xen is done, and every page is dealt with once.
     */
    s.fail_with = 0;
    s.per_call = 100;
    s.calls = 0;
    memset(s.offered, 0, sizeof(s.offered));
    memset(&t, 0, sizeof(t));
    is_int(xmv_offer_pages(m, &l, 5, 1, 0, XMV_BUF_ENTRIES, &t, &not_ram,
                           &err), 0, "a preempted call is continued");
    is_int(s.calls, (XMV_BUF_ENTRIES + 99) / 100,
           "in %u calls of 100 extents", (XMV_BUF_ENTRIES + 99) / 100);
    once = 0;
    moved = 0;
    for (g = 0; g < XMV_BUF_ENTRIES; g++) {
        once += s.offered[g] == 1;
        moved += g % 10 != 0 && g % 2 == 0;
    }
    is_int(once, XMV_BUF_ENTRIES, "each page once: resumed at nr_done");
    is_int((long long)t.moved, (long long)moved,
           "every status read after the last continuation");

    XMV_Close(m);
    free(gfns);
    free(status);
    return done_testing();
}
