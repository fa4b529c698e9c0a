/*
 * sim_memory.c - the simulated host's memory model: free memory per
 * node, where a growing domain's pages come from, which pages a
 * shrinking one gives back, and the balloons moving toward their
 * targets as simulated time passes.
 */
#include <string.h>

#include "sim_int.h"
#include "units.h"

uint64_t sim_node_used(const sim *s, unsigned node)
{
    uint64_t used = 0;
    size_t i;

    for (i = 0; i < s->nr_doms; i++)
        if (s->doms[i].alive)
            used = UNITS_AddSat(used, s->doms[i].d.node_mem_kib[node]);
    return used;
}

uint64_t sim_node_free(const sim *s, unsigned node)
{
    uint64_t used = sim_node_used(s, node);

    return s->host.node_total_kib[node] > used
               ? s->host.node_total_kib[node] - used : 0;
}

uint64_t sim_host_free(const sim *s)
{
    uint64_t f = 0;
    unsigned n;

    for (n = 0; n < s->host.nr_nodes; n++)
        f += sim_node_free(s, n);
    return f;
}

/* Every node of the host, as a node mask. */
uint64_t sim_all_nodes(const sim *s)
{
    return s->host.nr_nodes >= 64 ? ~(uint64_t)0
                                  : ((uint64_t)1 << s->host.nr_nodes) - 1;
}

/* The node a domain's pages should come from first. */
static int preferred_node(const sim *s, const sim_dom *d)
{
    unsigned n, best = 0;

    uint64_t mask = d->d.node_affinity;
    int pick = -1;

    /* Some nodes only: the one of them it has most memory on. */
    if (mask && (~mask & sim_all_nodes(s))) {
        for (n = 0; n < HV_MAX_NODES; n++)
            if ((mask >> n & 1) && (pick < 0 || d->d.node_mem_kib[n] >
                                    d->d.node_mem_kib[pick]))
                pick = (int)n;
        return pick;
    }
    for (n = 1; n < HV_MAX_NODES; n++)
        if (d->d.node_mem_kib[n] > d->d.node_mem_kib[best])
            best = n;
    return (int)best;
}

/* Remember pages d just got (the oldest entry is forgotten when full). */
static void recent_push(sim_dom *d, unsigned node, uint64_t kib)
{
    unsigned n = d->nr_recent;

    if (n && d->recent[n - 1].node == node) {
        d->recent[n - 1].kib += kib;
        return;
    }
    if (n == sizeof(d->recent) / sizeof(d->recent[0])) {
        memmove(&d->recent[0], &d->recent[1], (n - 1) * sizeof(d->recent[0]));
        n--;
    }
    d->recent[n].node = node;
    d->recent[n].kib = kib;
    d->nr_recent = n + 1;
}

/* Give kib pages to d: its preferred node first, then the others. */
static uint64_t mem_take(sim *s, sim_dom *d, uint64_t kib)
{
    uint64_t got = 0;
    unsigned n, pref = (unsigned)preferred_node(s, d);

    for (n = 0; n <= s->host.nr_nodes && got < kib; n++) {
        unsigned node = n == 0 ? pref : n - 1;
        uint64_t f, x;

        if (n > 0 && node == pref)
            continue;
        if (node >= s->host.nr_nodes)
            continue;
        f = sim_node_free(s, node);
        x = kib - got < f ? kib - got : f;
        d->d.node_mem_kib[node] += x;
        got += x;
        if (x)
            recent_push(d, node, x);
    }
    d->d.mem_kib += got;
    return got;
}

/*
 * Give kib back.  A guest's balloon driver does not know nodes, and
 * Linux's gives first the pages it got last (they are the first ones
 * its allocator hands out again): the recent pages go first, newest
 * first, then pages from every node in proportion to what it holds
 * there (whole pages; the rounding from the largest share).
 */
static void mem_give(sim *s, sim_dom *d, uint64_t kib)
{
    uint64_t total, left;
    unsigned n, big = 0;

    if (kib > d->d.mem_kib)
        kib = d->d.mem_kib;
    left = kib;
    while (left && d->nr_recent) {
        unsigned i = d->nr_recent - 1, node = d->recent[i].node;
        uint64_t x = d->recent[i].kib < left ? d->recent[i].kib : left;

        if (x > d->d.node_mem_kib[node])
            x = d->d.node_mem_kib[node];
        d->d.node_mem_kib[node] -= x;
        d->d.mem_kib -= x;
        left -= x;
        d->recent[i].kib -= x;
        if (!d->recent[i].kib || !d->d.node_mem_kib[node])
            d->nr_recent--;
    }
    total = d->d.mem_kib;
    kib = left;
    for (n = 0; n < s->host.nr_nodes && total && kib; n++) {
        uint64_t x = UNITS_MulDiv(d->d.node_mem_kib[n], kib, total);

        x -= x % SIM_PAGE_KIB;
        if (x > left)
            x = left;
        d->d.node_mem_kib[n] -= x;
        left -= x;
        if (d->d.node_mem_kib[n] > d->d.node_mem_kib[big])
            big = n;
    }
    for (n = 0; left && n < s->host.nr_nodes; n++) {
        unsigned node = (big + n) % s->host.nr_nodes;
        uint64_t x = d->d.node_mem_kib[node] < left ? d->d.node_mem_kib[node]
                                                    : left;

        d->d.node_mem_kib[node] -= x;
        left -= x;
    }
    d->d.mem_kib -= kib - left;
}

bool sim_balloon_advance(sim *s, unsigned ms)
{
    bool moved = false;
    size_t i;

    for (i = 0; i < s->nr_doms; i++) {
        sim_dom *d = &s->doms[i];
        uint64_t want, step;

        if (!d->alive || d->ignores_balloon || d->d.domid == 0)
            continue;
        want = d->d.target_kib < d->d.maxmem_kib ? d->d.target_kib
                                                 : d->d.maxmem_kib;
        if (want < d->floor_kib)
            want = d->floor_kib;
        if (want == d->d.mem_kib) {
            d->carry = 0;
            continue;
        }
        /* Whole pages only; the rest waits in carry (KiB x ms). */
        d->carry = UNITS_AddSat(d->carry, UNITS_MulDiv(d->rate_kib_s, ms,
                                                       1));
        step = d->carry / 1000;
        step -= step % SIM_PAGE_KIB;
        d->carry -= step * 1000;
        moved = true;
        if (want < d->d.mem_kib) {
            if (step > d->d.mem_kib - want) {
                step = d->d.mem_kib - want;
                d->carry = 0;
            }
            mem_give(s, d, step);
        } else {
            if (step > want - d->d.mem_kib) {
                step = want - d->d.mem_kib;
                d->carry = 0;
            }
            mem_take(s, d, step);
        }
    }
    return moved;
}
