/*
 * test_xenmove.c - the page-by-page batching of lib/xenmove.c, with a
 * stand-in for XENMEM_relocate_exclusive: no call holds more pages than
 * the buffers (XMV_BUF_ENTRIES) and the ABI (XENMEM_RELOC_MAX_EXTENTS)
 * take, nothing is written past the buffers, every page is offered once
 * and the special pages never.  And the maxmem a pass raised is put
 * back only when nobody set it meanwhile.
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
    unsigned calls, biggest, bad_order, wrong_buffer;
    unsigned offered[SPAN + 1];         /* times each gfn was offered */
    int fail_with;                      /* -errno for every call, or 0 */
} stand_in;

/* Even pages move, odd ones are busy, every tenth is not RAM. */
static int fake_relocate(void *ctx, uint32_t domid, int node,
                         unsigned order, const uint64_t *gfns, unsigned nr,
                         int32_t *status)
{
    stand_in *s = ctx;
    unsigned i;

    (void)domid;
    (void)node;
    s->calls++;
    if (nr > s->biggest)
        s->biggest = nr;
    if (order != 0)
        s->bad_order++;
    if (gfns != s->gfns)
        s->wrong_buffer++;
    if (s->fail_with)
        return s->fail_with;
    for (i = 0; i < nr && i < XMV_BUF_ENTRIES; i++) {
        uint64_t g = gfns[i];

        if (g <= SPAN)
            s->offered[g]++;
        status[i] = g % 10 == 0 ? XENMEM_RELOC_NOT_RAM :
                    g % 2 ? -EBUSY : XENMEM_RELOC_MOVED;
    }
    return 0;
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
    s.gfns = gfns;
    m = xmv_open_with(fake_relocate, &s, gfns, status);
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
    ok(!s.bad_order && !s.wrong_buffer, "order 0, from the mover's buffer");
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
     * maxmem after a pass raised it from 1 GiB + 1 MiB to + 4 MiB: back
     * when still raised; an `xl mem-set 2048` (max 2 GiB + 1 MiB) or an
     * `xl mem-max` lowering it during the pass is not undone.
     */
    is_int((long long)XMV_MaxmemAfterPass(1049600, 1053696, 1053696),
           1049600, "unchanged since the raise: put back");
    is_int((long long)XMV_MaxmemAfterPass(1049600, 1053696, 2098176), 0,
           "raised by someone else meanwhile: theirs stays");
    is_int((long long)XMV_MaxmemAfterPass(1049600, 1053696, 525312), 0,
           "lowered by someone else meanwhile: theirs stays");
    is_int((long long)XMV_MaxmemAfterPass(1049600, 1053696, 1049600), 0,
           "set back to the old value meanwhile: nothing to do");

    XMV_Close(m);
    free(gfns);
    free(status);
    return done_testing();
}
