/*
 * hv_sim.c - a simulated host behind hv.h, loaded from a JSON fixture
 * (like libvirt's test driver).  The format is in docs/sim-fixture.md.
 *
 * Deterministic: nothing happens until time passes, and time passes only
 * in HV_SleepMs.  Balloons then move each domain's memory toward its
 * target at the domain's own rate, never below the floor its kernel can
 * reach, never into memory the host does not have.  Faults can be
 * injected per operation, domain and call count.
 *
 * All state lives in the handle.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "hv_sim.h"
#include "json.h"
#include "units.h"

#define SIM_MAX_POOLS 64
#define SIM_MAX_FAULTS 64
#define SIM_DEFAULT_RATE_KIB_S (256 * 1024)
#define SIM_PAGE_KIB 4

typedef struct sim_dom {
    hv_domain d;
    bool alive;
    uint64_t rate_kib_s;        /* balloon speed */
    uint64_t floor_kib;         /* the guest cannot go below */
    bool ignores_balloon;
    uint64_t busy_pages;        /* held by grants: not movable */
    uint64_t carry;             /* KiB*ms not yet moved */
    /*
     * The pages it got from Xen most recently, newest last, by node:
     * a Linux guest's balloon gives those back first (see mem_give).
     */
    struct { unsigned node; uint64_t kib; } recent[16];
    unsigned nr_recent;
} sim_dom;

typedef struct sim_fault {
    char op[32];
    char domain[HV_NAME_MAX];   /* "" for any */
    unsigned nth;
    unsigned seen;
    hvsim_fault_kind kind;
} sim_fault;

typedef struct xs_node {
    char *path;
    char *val;
} xs_node;

typedef struct xs_event {
    char *path;
    char *token;
} xs_event;

typedef struct sim {
    struct hv base;             /* must be first */
    char path[256];
    hv_host host;
    hv_pool pools[SIM_MAX_POOLS];
    size_t nr_pools;
    uint32_t next_pool_id;
    sim_dom *doms;
    size_t nr_doms;
    sim_fault faults[SIM_MAX_FAULTS];
    size_t nr_faults;
    xs_node *xs;
    size_t nr_xs;
    xs_event *watches;          /* path + token of each watch */
    size_t nr_watches;
    xs_event *events;           /* queued, oldest first */
    size_t nr_events;
    int event_fd;               /* readable while events are queued */
    bool crash_armed;           /* see HVSIM_Crash */
    unsigned crash_left;
    bool crash_hit;             /* a change was refused */
    uint64_t now_ms;
    long long wall_start;
} sim;

static sim *S(hv *h)
{
    return (sim *)h;
}

/* --- xenstore ----------------------------------------------------------- */

static xs_node *xs_find(sim *s, const char *path)
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
static void fire_watches(sim *s, const char *path)
{
    size_t i;

    for (i = 0; i < s->nr_watches; i++)
        if (path_within(path, s->watches[i].path) ||
            path_within(s->watches[i].path, path))
            queue_event(s, path, s->watches[i].token);
}

static int xs_set(sim *s, const char *path, const char *val)
{
    xs_node *n = xs_find(s, path), *v;
    char *copy = strdup(val);

    if (!copy)
        return HV_EFAIL;
    fire_watches(s, path);
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

static void xs_set_u64(sim *s, uint32_t domid, const char *leaf, uint64_t v)
{
    char path[128], val[32];

    snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, leaf);
    snprintf(val, sizeof(val), "%" PRIu64, v);
    xs_set(s, path, val);
}

/* Remove path and everything below it. */
static int xs_rm_tree(sim *s, const char *path)
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
        fire_watches(s, path);
    return removed ? 0 : HV_ENOENT;
}

/* --- domains, pools, faults --------------------------------------------- */

static sim_dom *dom_by_id(sim *s, uint32_t domid)
{
    size_t i;

    for (i = 0; i < s->nr_doms; i++)
        if (s->doms[i].alive && s->doms[i].d.domid == domid)
            return &s->doms[i];
    return NULL;
}

static hv_pool *pool_by_id(sim *s, uint32_t id)
{
    size_t i;

    for (i = 0; i < s->nr_pools; i++)
        if (s->pools[i].id == id)
            return &s->pools[i];
    return NULL;
}

static hv_pool *pool_of_cpu(sim *s, unsigned cpu)
{
    size_t i;

    for (i = 0; i < s->nr_pools; i++)
        if (CPUMAP_Test(&s->pools[i].cpus, cpu))
            return &s->pools[i];
    return NULL;
}

static void count_pool_domains(sim *s)
{
    size_t i, j;

    for (i = 0; i < s->nr_pools; i++) {
        s->pools[i].nr_domains = 0;
        for (j = 0; j < s->nr_doms; j++)
            if (s->doms[j].alive && s->doms[j].d.pool == s->pools[i].id)
                s->pools[i].nr_domains++;
    }
}

static sim_dom *get_dom(sim *s, uint32_t domid, const char *op)
{
    sim_dom *d = dom_by_id(s, domid);

    if (!d)
        ERR_Set(&s->base.err, "domain %u: %s: no such domain", domid, op);
    return d;
}

static void vanish(sim *s, sim_dom *d)
{
    char path[64];

    d->alive = false;
    snprintf(path, sizeof(path), "/local/domain/%u", d->d.domid);
    xs_rm_tree(s, path);
    count_pool_domains(s);
}

/*
 * Count this call and fire a fault when one is due.  Returns 0 or the
 * HV_E* code of the fault (with the error set).
 */
static bool is_change(const char *op)
{
    static const char *const reads[] = {
        "get_host", "list_pools", "list_domains", "get_domain", "xs_read",
        "xs_directory", "xs_read_watch", NULL
    };
    size_t i;

    for (i = 0; reads[i]; i++)
        if (strcmp(reads[i], op) == 0)
            return false;
    return true;
}

static int fault(sim *s, const char *op, sim_dom *d)
{
    size_t i;

    if (s->crash_armed && is_change(op)) {
        if (!s->crash_left) {
            s->crash_hit = true;
            ERR_Set(&s->base.err, "%s: the process was killed (simulated "
                    "crash)", op);
            return HV_EFAIL;
        }
        s->crash_left--;
    }

    for (i = 0; i < s->nr_faults; i++) {
        sim_fault *f = &s->faults[i];
        const char *name = d ? d->d.name : "";

        if (strcmp(f->op, op) != 0)
            continue;
        if (f->domain[0] && strcmp(f->domain, name) != 0)
            continue;
        if (++f->seen != f->nth)
            continue;
        switch (f->kind) {
        case HVSIM_FAULT_VANISH:
            if (d) {
                ERR_Set(&s->base.err, "%s (domain %u): %s: domain "
                        "vanished (injected fault)", name, d->d.domid, op);
                vanish(s, d);
                return HV_ENODOMAIN;
            }
            /* nothing to vanish: fail instead */
            /* fall through */
        case HVSIM_FAULT_FAIL:
            ERR_Set(&s->base.err, "%s%s%s: injected fault", name,
                    *name ? ": " : "", op);
            return HV_EFAIL;
        case HVSIM_FAULT_NOMEM:
            ERR_Set(&s->base.err, "%s%s%s: not enough memory (injected "
                    "fault)", name, *name ? ": " : "", op);
            return HV_ENOMEM;
        case HVSIM_FAULT_BUSY:
            ERR_Set(&s->base.err, "%s%s%s: busy (injected fault)", name,
                    *name ? ": " : "", op);
            return HV_EBUSY;
        }
    }
    return 0;
}

static const char *const fault_ops[] = {
    "get_host", "list_pools", "list_domains", "get_domain", "set_maxmem",
    "set_target", "set_vcpus_online", "set_affinity", "pool_create",
    "pool_destroy", "pool_add_cpu", "pool_remove_cpu", "pool_move_domain",
    "set_node_affinity", "move_memory", "xs_read", "xs_write", "xs_remove",
    "xs_directory", "xs_restrict", NULL
};

static bool known_op(const char *op)
{
    size_t i;

    for (i = 0; fault_ops[i]; i++)
        if (strcmp(fault_ops[i], op) == 0)
            return true;
    return false;
}

int HVSIM_AddFault(hv *h, const char *op, const char *domain, unsigned nth,
                   hvsim_fault_kind kind)
{
    sim *s = S(h);
    sim_fault *f;

    if (s->nr_faults == SIM_MAX_FAULTS || !known_op(op) || nth == 0)
        return -1;
    f = &s->faults[s->nr_faults++];
    memset(f, 0, sizeof(*f));
    snprintf(f->op, sizeof(f->op), "%s", op);
    snprintf(f->domain, sizeof(f->domain), "%s", domain ? domain : "");
    f->nth = nth;
    f->kind = kind;
    return 0;
}

void HVSIM_ClearFaults(hv *h)
{
    S(h)->nr_faults = 0;
}

int HVSIM_SetGuest(hv *h, const char *domain, uint64_t floor_kib,
                   bool ignores_balloon)
{
    sim *s = S(h);
    size_t i;

    for (i = 0; i < s->nr_doms; i++) {
        if (s->doms[i].alive && !strcmp(s->doms[i].d.name, domain)) {
            s->doms[i].floor_kib = floor_kib;
            s->doms[i].ignores_balloon = ignores_balloon;
            return 0;
        }
    }
    return -1;
}

void HVSIM_Crash(hv *h, unsigned changes)
{
    S(h)->crash_armed = true;
    S(h)->crash_left = changes;
    S(h)->crash_hit = false;
}

void HVSIM_Revive(hv *h)
{
    S(h)->crash_armed = false;
}

bool HVSIM_Crashed(hv *h)
{
    return S(h)->crash_armed && S(h)->crash_hit;
}

void HVSIM_JumpClock(hv *h, long long seconds)
{
    S(h)->wall_start += seconds;
}

long long HVSIM_WallTime(hv *h)
{
    sim *s = S(h);

    return s->wall_start + (long long)(s->now_ms / 1000);
}

static long long sim_wall_ms(hv *h)
{
    sim *s = S(h);

    return s->wall_start * 1000 + (long long)s->now_ms;
}

/* --- memory model ------------------------------------------------------- */

static uint64_t node_used(const sim *s, unsigned node)
{
    uint64_t used = 0;
    size_t i;

    for (i = 0; i < s->nr_doms; i++)
        if (s->doms[i].alive)
            used = UNITS_AddSat(used, s->doms[i].d.node_mem_kib[node]);
    return used;
}

static uint64_t node_free(const sim *s, unsigned node)
{
    uint64_t used = node_used(s, node);

    return s->host.node_total_kib[node] > used
               ? s->host.node_total_kib[node] - used : 0;
}

static uint64_t host_free(const sim *s)
{
    uint64_t f = 0;
    unsigned n;

    for (n = 0; n < s->host.nr_nodes; n++)
        f += node_free(s, n);
    return f;
}

/* Every node of the host, as a node mask. */
static uint64_t all_nodes(const sim *s)
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
    if (mask && (~mask & all_nodes(s))) {
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
        f = node_free(s, node);
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

/* Let ms of simulated time pass for every balloon. */
static void balloon_advance(sim *s, unsigned ms)
{
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
}

/* --- hv_ops -------------------------------------------------------------- */

static void sim_close(hv *h)
{
    sim *s = S(h);
    size_t i;

    for (i = 0; i < s->nr_xs; i++) {
        free(s->xs[i].path);
        free(s->xs[i].val);
    }
    free(s->xs);
    for (i = 0; i < s->nr_watches; i++) {
        free(s->watches[i].path);
        free(s->watches[i].token);
    }
    free(s->watches);
    for (i = 0; i < s->nr_events; i++) {
        free(s->events[i].path);
        free(s->events[i].token);
    }
    free(s->events);
    if (s->event_fd >= 0)
        close(s->event_fd);
    free(s->doms);
    free(s);
}

static int sim_get_host(hv *h, hv_host *out)
{
    sim *s = S(h);
    unsigned n;
    int rc = fault(s, "get_host", NULL);

    if (rc)
        return rc;
    *out = s->host;
    out->free_kib = host_free(s);
    for (n = 0; n < s->host.nr_nodes; n++)
        out->node_free_kib[n] = node_free(s, n);
    return 0;
}

static int sim_list_pools(hv *h, hv_pool **pools, size_t *nr)
{
    sim *s = S(h);
    int rc = fault(s, "list_pools", NULL);

    if (rc)
        return rc;
    count_pool_domains(s);
    *pools = malloc(s->nr_pools * sizeof(**pools));
    if (!*pools)
        return HV_EFAIL;
    memcpy(*pools, s->pools, s->nr_pools * sizeof(**pools));
    *nr = s->nr_pools;
    return 0;
}

static int sim_list_domains(hv *h, hv_domain **doms, size_t *nr)
{
    sim *s = S(h);
    size_t i, n = 0;
    int rc = fault(s, "list_domains", NULL);

    if (rc)
        return rc;
    *doms = malloc((s->nr_doms ? s->nr_doms : 1) * sizeof(**doms));
    if (!*doms)
        return HV_EFAIL;
    for (i = 0; i < s->nr_doms; i++)
        if (s->doms[i].alive)
            (*doms)[n++] = s->doms[i].d;
    *nr = n;
    return 0;
}

static int sim_get_domain(hv *h, uint32_t domid, hv_domain *out)
{
    sim *s = S(h);
    sim_dom *d = get_dom(s, domid, "get_domain");
    int rc;

    if (!d)
        return HV_ENODOMAIN;
    rc = fault(s, "get_domain", d);
    if (rc)
        return rc;
    *out = d->d;
    return 0;
}

static int sim_set_maxmem(hv *h, uint32_t domid, uint64_t kib)
{
    sim *s = S(h);
    sim_dom *d = get_dom(s, domid, "set_maxmem");
    char a[32], b[32];
    int rc;

    if (!d)
        return HV_ENODOMAIN;
    rc = fault(s, "set_maxmem", d);
    if (rc)
        return rc;
    if (kib < d->d.target_kib) {
        ERR_Set(&s->base.err, "%s: set_maxmem %s: below the balloon target "
                "%s", d->d.name, UNITS_FormatSize(kib, a, 32),
                UNITS_FormatSize(d->d.target_kib, b, 32));
        return HV_EINVAL;
    }
    if (kib > d->d.static_max_kib) {
        ERR_Set(&s->base.err, "%s: set_maxmem %s: above its static max %s",
                d->d.name, UNITS_FormatSize(kib, a, 32),
                UNITS_FormatSize(d->d.static_max_kib, b, 32));
        return HV_EINVAL;
    }
    d->d.maxmem_kib = kib;
    return 0;
}

static int sim_set_target(hv *h, uint32_t domid, uint64_t kib)
{
    sim *s = S(h);
    sim_dom *d = get_dom(s, domid, "set_target");
    char a[32], b[32];
    int rc;

    if (!d)
        return HV_ENODOMAIN;
    rc = fault(s, "set_target", d);
    if (rc)
        return rc;
    if (kib > d->d.maxmem_kib) {
        ERR_Set(&s->base.err, "%s: set_target %s: above maxmem %s (raise "
                "maxmem first)", d->d.name, UNITS_FormatSize(kib, a, 32),
                UNITS_FormatSize(d->d.maxmem_kib, b, 32));
        return HV_EINVAL;
    }
    d->d.target_kib = kib;
    xs_set_u64(s, domid, "memory/target", kib);
    return 0;
}

static int sim_set_vcpus_online(hv *h, uint32_t domid, unsigned nr)
{
    sim *s = S(h);
    sim_dom *d = get_dom(s, domid, "set_vcpus_online");
    int rc;

    if (!d)
        return HV_ENODOMAIN;
    rc = fault(s, "set_vcpus_online", d);
    if (rc)
        return rc;
    if (nr < 1 || nr > d->d.vcpus_max) {
        ERR_Set(&s->base.err, "%s: set_vcpus_online %u: must be 1-%u",
                d->d.name, nr, d->d.vcpus_max);
        return HV_EINVAL;
    }
    if (d->d.type == HV_DOM_HVM && nr < d->d.vcpus_online) {
        ERR_Set(&s->base.err, "%s: set_vcpus_online %u: HVM guests cannot "
                "unplug vCPUs", d->d.name, nr);
        return HV_EINVAL;
    }
    d->d.vcpus_online = nr;
    return 0;
}

static int sim_set_affinity(hv *h, uint32_t domid, const xs_cpumap *hard,
                            const xs_cpumap *soft)
{
    sim *s = S(h);
    sim_dom *d = get_dom(s, domid, "set_affinity");
    hv_pool *p;
    char cpus[64];
    int rc;

    if (!d)
        return HV_ENODOMAIN;
    rc = fault(s, "set_affinity", d);
    if (rc)
        return rc;
    p = pool_by_id(s, d->d.pool);
    if (hard) {
        if (CPUMAP_IsEmpty(hard) || (p && !CPUMAP_Intersects(hard, &p->cpus))) {
            ERR_Set(&s->base.err, "%s: set_affinity %s: no pCPU of its "
                    "cpupool in the set", d->d.name,
                    CPUMAP_Format(hard, cpus, sizeof(cpus)));
            return HV_EINVAL;
        }
        d->d.hard_affinity = *hard;
    }
    if (soft)
        d->d.soft_affinity = *soft;
    return 0;
}

static int sim_pool_create(hv *h, const char *name, const char *sched,
                           uint32_t *poolid)
{
    sim *s = S(h);
    hv_pool *p;
    size_t i;
    int rc = fault(s, "pool_create", NULL);

    if (rc)
        return rc;
    for (i = 0; i < s->nr_pools; i++) {
        if (strcmp(s->pools[i].name, name) == 0) {
            ERR_Set(&s->base.err, "pool_create %s: a cpupool of that name "
                    "exists", name);
            return HV_EINVAL;
        }
    }
    if (s->nr_pools == SIM_MAX_POOLS) {
        ERR_Set(&s->base.err, "pool_create %s: too many cpupools", name);
        return HV_EFAIL;
    }
    p = &s->pools[s->nr_pools++];
    memset(p, 0, sizeof(*p));
    p->id = s->next_pool_id++;
    snprintf(p->name, sizeof(p->name), "%s", name);
    snprintf(p->sched, sizeof(p->sched), "%s", sched ? sched : "credit2");
    *poolid = p->id;
    return 0;
}

static int sim_pool_destroy(hv *h, uint32_t poolid)
{
    sim *s = S(h);
    hv_pool *p = pool_by_id(s, poolid);
    int rc = fault(s, "pool_destroy", NULL);

    if (rc)
        return rc;
    if (!p) {
        ERR_Set(&s->base.err, "pool_destroy %u: no such cpupool", poolid);
        return HV_ENOENT;
    }
    if (poolid == 0) {
        ERR_Set(&s->base.err, "pool_destroy: Pool-0 cannot be destroyed");
        return HV_EINVAL;
    }
    count_pool_domains(s);
    if (p->nr_domains) {
        ERR_Set(&s->base.err, "pool_destroy %s: %u domain(s) still in it",
                p->name, p->nr_domains);
        return HV_EBUSY;
    }
    /* Like libxl: its pCPUs are released (free, in no pool). */
    *p = s->pools[--s->nr_pools];
    return 0;
}

static int sim_pool_add_cpu(hv *h, uint32_t poolid, unsigned cpu)
{
    sim *s = S(h);
    hv_pool *p = pool_by_id(s, poolid), *owner;
    int rc = fault(s, "pool_add_cpu", NULL);

    if (rc)
        return rc;
    if (!p) {
        ERR_Set(&s->base.err, "pool_add_cpu %u: no such cpupool", poolid);
        return HV_ENOENT;
    }
    if (cpu >= s->host.nr_cpus) {
        ERR_Set(&s->base.err, "pool_add_cpu %s: pCPU %u does not exist",
                p->name, cpu);
        return HV_EINVAL;
    }
    owner = pool_of_cpu(s, cpu);
    if (owner) {
        ERR_Set(&s->base.err, "pool_add_cpu %s: pCPU %u is in cpupool %s",
                p->name, cpu, owner->name);
        return HV_EBUSY;
    }
    CPUMAP_Set(&p->cpus, cpu);
    return 0;
}

static int sim_pool_remove_cpu(hv *h, uint32_t poolid, unsigned cpu)
{
    sim *s = S(h);
    hv_pool *p = pool_by_id(s, poolid);
    size_t i;
    int rc = fault(s, "pool_remove_cpu", NULL);

    if (rc)
        return rc;
    if (!p) {
        ERR_Set(&s->base.err, "pool_remove_cpu %u: no such cpupool", poolid);
        return HV_ENOENT;
    }
    if (!CPUMAP_Test(&p->cpus, cpu)) {
        ERR_Set(&s->base.err, "pool_remove_cpu %s: pCPU %u is not in it",
                p->name, cpu);
        return HV_EINVAL;
    }
    count_pool_domains(s);
    if (CPUMAP_Count(&p->cpus) == 1 && p->nr_domains) {
        ERR_Set(&s->base.err, "pool_remove_cpu %s: pCPU %u is its last and "
                "%u domain(s) run there", p->name, cpu, p->nr_domains);
        return HV_EBUSY;
    }
    CPUMAP_Unset(&p->cpus, cpu);
    /* Xen breaks affinities that pointed only at the removed pCPU. */
    for (i = 0; i < s->nr_doms; i++) {
        hv_domain *d = &s->doms[i].d;

        if (!s->doms[i].alive || d->pool != poolid)
            continue;
        if (!CPUMAP_Intersects(&d->hard_affinity, &p->cpus))
            CPUMAP_Fill(&d->hard_affinity, s->host.nr_cpus);
    }
    return 0;
}

static int sim_pool_move_domain(hv *h, uint32_t poolid, uint32_t domid)
{
    sim *s = S(h);
    sim_dom *d = get_dom(s, domid, "pool_move_domain");
    hv_pool *p = pool_by_id(s, poolid);
    int rc;

    if (!d)
        return HV_ENODOMAIN;
    rc = fault(s, "pool_move_domain", d);
    if (rc)
        return rc;
    if (!p) {
        ERR_Set(&s->base.err, "%s: pool_move_domain %u: no such cpupool",
                d->d.name, poolid);
        return HV_ENOENT;
    }
    if (domid == 0) {
        ERR_Set(&s->base.err, "Domain-0: pool_move_domain: dom0 cannot "
                "leave Pool-0");
        return HV_EINVAL;
    }
    if (CPUMAP_IsEmpty(&p->cpus)) {
        ERR_Set(&s->base.err, "%s: pool_move_domain %s: the cpupool has no "
                "pCPU", d->d.name, p->name);
        return HV_EINVAL;
    }
    d->d.pool = poolid;
    /* As Xen does: a move resets hard and soft affinity to all. */
    CPUMAP_Fill(&d->d.hard_affinity, s->host.nr_cpus);
    CPUMAP_Fill(&d->d.soft_affinity, s->host.nr_cpus);
    count_pool_domains(s);
    return 0;
}

static int sim_set_node_affinity(hv *h, uint32_t domid, uint64_t nodes)
{
    sim *s = S(h);
    sim_dom *d = get_dom(s, domid, "set_node_affinity");
    int rc;

    if (!d)
        return HV_ENODOMAIN;
    rc = fault(s, "set_node_affinity", d);
    if (rc)
        return rc;
    /* As Xen: bits of absent nodes mean nothing, but one must exist. */
    if (!(nodes & all_nodes(s))) {
        ERR_Set(&s->base.err, "%s: set_node_affinity 0x%llx: no such node",
                d->d.name, (unsigned long long)nodes);
        return HV_EINVAL;
    }
    d->d.node_affinity = nodes & all_nodes(s);
    return 0;
}

static int sim_move_memory(hv *h, uint32_t domid, int node,
                           uint64_t max_pages, hv_move_result *res)
{
    sim *s = S(h);
    sim_dom *d = get_dom(s, domid, "move_memory");
    uint64_t want, movable, busy_kib, room;
    unsigned n;
    int rc;

    memset(res, 0, sizeof(*res));
    if (!d)
        return HV_ENODOMAIN;
    rc = fault(s, "move_memory", d);
    if (rc)
        return rc;
    if (!s->host.guarded) {
        ERR_Set(&s->base.err, "%s: direct page moves need the xenshift "
                "hypervisor guard; this host has none", d->d.name);
        return HV_ENOSYS;
    }
    if (node < 0 || (unsigned)node >= s->host.nr_nodes) {
        ERR_Set(&s->base.err, "%s: move_memory: no such node %d", d->d.name,
                node);
        return HV_EINVAL;
    }
    want = max_pages * SIM_PAGE_KIB;
    busy_kib = d->busy_pages * SIM_PAGE_KIB;
    room = node_free(s, (unsigned)node);
    for (n = 0; n < s->host.nr_nodes && want && room; n++) {
        uint64_t x;

        if ((int)n == node)
            continue;
        movable = d->d.node_mem_kib[n];
        /* Busy pages are counted against the first other node. */
        if (busy_kib) {
            uint64_t b = busy_kib < movable ? busy_kib : movable;

            movable -= b;
            res->busy_pages += b / SIM_PAGE_KIB;
            busy_kib -= b;
        }
        x = movable < want ? movable : want;
        x = x < room ? x : room;
        d->d.node_mem_kib[n] -= x;
        d->d.node_mem_kib[node] += x;
        want -= x;
        room -= x;
        res->moved_pages += x / SIM_PAGE_KIB;
    }
    res->longest_pause_us = res->moved_pages ? 1000 : 0;
    return 0;
}

static int sim_xs_read(hv *h, const char *path, char **val)
{
    sim *s = S(h);
    xs_node *n;
    int rc = fault(s, "xs_read", NULL);

    if (rc)
        return rc;
    n = xs_find(s, path);
    if (!n) {
        ERR_Set(&s->base.err, "xenstore read %s: no such node", path);
        return HV_ENOENT;
    }
    *val = strdup(n->val);
    return *val ? 0 : HV_EFAIL;
}

static int sim_xs_write(hv *h, const char *path, const char *val)
{
    sim *s = S(h);
    int rc = fault(s, "xs_write", NULL);

    if (rc)
        return rc;
    return xs_set(s, path, val);
}

static int sim_xs_remove(hv *h, const char *path)
{
    sim *s = S(h);
    int rc = fault(s, "xs_remove", NULL);

    if (rc)
        return rc;
    rc = xs_rm_tree(s, path);
    if (rc)
        ERR_Set(&s->base.err, "xenstore remove %s: no such node", path);
    return rc;
}

/* The simulated host always knows (HV_ListDomains filled it in). */
static int sim_get_node_memory(hv *h, hv_domain *doms, size_t nr)
{
    (void)h;
    (void)doms;
    (void)nr;
    return 0;
}

static int sim_xs_directory(hv *h, const char *path, char ***names,
                            size_t *nr)
{
    sim *s = S(h);
    size_t i, j, len = strlen(path), n = 0;
    char **out = NULL, **v;
    bool exists = false;
    int rc = fault(s, "xs_directory", NULL);

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

static int sim_xs_restrict(hv *h, const char *path)
{
    sim *s = S(h);
    int rc = fault(s, "xs_restrict", NULL);

    if (rc)
        return rc;
    /* Only dom0 runs in the simulation: existence is all there is. */
    if (!xs_find(s, path))
        return xs_set(s, path, "");
    return 0;
}

static int sim_xs_watch(hv *h, const char *path, const char *token)
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

static int sim_xs_unwatch(hv *h, const char *path, const char *token)
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

static int sim_xs_watch_fd(hv *h)
{
    return S(h)->event_fd;
}

static int sim_xs_read_watch(hv *h, char **path, char **token)
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

static uint64_t sim_now_ms(hv *h)
{
    return S(h)->now_ms;
}

static void sim_sleep_ms(hv *h, unsigned ms)
{
    sim *s = S(h);
    unsigned step;

    /* Advance in slices so rates and floors interact as in real time. */
    while (ms) {
        step = ms < 100 ? ms : 100;
        balloon_advance(s, step);
        s->now_ms += step;
        ms -= step;
    }
}

static const hv_ops sim_ops = {
    .name = "sim",
    .close = sim_close,
    .get_host = sim_get_host,
    .list_pools = sim_list_pools,
    .list_domains = sim_list_domains,
    .get_domain = sim_get_domain,
    .set_maxmem = sim_set_maxmem,
    .set_target = sim_set_target,
    .set_vcpus_online = sim_set_vcpus_online,
    .set_affinity = sim_set_affinity,
    .pool_create = sim_pool_create,
    .pool_destroy = sim_pool_destroy,
    .pool_add_cpu = sim_pool_add_cpu,
    .pool_remove_cpu = sim_pool_remove_cpu,
    .pool_move_domain = sim_pool_move_domain,
    .set_node_affinity = sim_set_node_affinity,
    .move_memory = sim_move_memory,
    .get_node_memory = sim_get_node_memory,
    .xs_read = sim_xs_read,
    .xs_write = sim_xs_write,
    .xs_remove = sim_xs_remove,
    .xs_directory = sim_xs_directory,
    .xs_restrict = sim_xs_restrict,
    .xs_watch = sim_xs_watch,
    .xs_unwatch = sim_xs_unwatch,
    .xs_watch_fd = sim_xs_watch_fd,
    .xs_read_watch = sim_xs_read_watch,
    .now_ms = sim_now_ms,
    .sleep_ms = sim_sleep_ms,
    .wall_ms = sim_wall_ms,
};

/* --- fixture loading ---------------------------------------------------- */

typedef struct fctx {
    const char *path;
    xs_err *err;
} fctx;

static int ferr(fctx *c, const json_value *v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int ferr(fctx *c, const json_value *v, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ERR_SetAt(c->err, c->path, JSON_Line(v), JSON_Column(v), "%s", msg);
    return -1;
}

static int check_keys(fctx *c, const json_value *o, const char *const *keys,
                      const char *where)
{
    size_t i, j;

    if (JSON_Type(o) != JSON_OBJECT)
        return ferr(c, o, "%s: expected an object, got %s", where,
                    JSON_TypeName(JSON_Type(o)));
    for (i = 0; i < JSON_ObjectSize(o); i++) {
        for (j = 0; keys[j]; j++)
            if (strcmp(keys[j], JSON_ObjectKey(o, i)) == 0)
                break;
        if (!keys[j]) {
            ERR_SetAt(c->err, c->path, JSON_ObjectKeyLine(o, i),
                      JSON_ObjectKeyColumn(o, i), "unknown key \"%s\" in %s",
                      JSON_ObjectKey(o, i), where);
            return -1;
        }
    }
    return 0;
}

/* A JSON number written as a whole number, however large. */
static bool whole_number(const json_value *v)
{
    return !strpbrk(JSON_NumberText(v), ".eE");
}

static int get_size(fctx *c, const json_value *o, const char *key,
                    uint64_t dflt, uint64_t *out)
{
    const json_value *v = JSON_ObjectGet(o, key);
    char why[200];
    long long mib;

    *out = dflt;
    if (!v)
        return 0;
    if (JSON_Type(v) == JSON_NUMBER) {
        if (JSON_Integer(v, &mib) && whole_number(v) &&
            JSON_NumberText(v)[0] != '-')
            mib = LLONG_MAX;
        else if (JSON_Integer(v, &mib) || mib < 0)
            return ferr(c, v, "\"%s\": expected a size", key);
        if (UNITS_MibToKib((uint64_t)mib, out))
            return ferr(c, v, "\"%s\": %s MiB is above the limit of "
                        UNITS_MAX_TEXT, key, JSON_NumberText(v));
        return 0;
    }
    if (JSON_Type(v) != JSON_STRING)
        return ferr(c, v, "\"%s\": expected a size such as \"512M\"", key);
    if (UNITS_ParseSize(JSON_String(v), out, why, sizeof(why)))
        return ferr(c, v, "\"%s\": %s", key, why);
    return 0;
}

static int get_int(fctx *c, const json_value *o, const char *key,
                   long long lo, long long hi, long long dflt,
                   long long *out)
{
    const json_value *v = JSON_ObjectGet(o, key);

    *out = dflt;
    if (!v)
        return 0;
    if (JSON_Type(v) != JSON_NUMBER ||
        (JSON_Integer(v, out) && !whole_number(v)))
        return ferr(c, v, "\"%s\": expected an integer", key);
    if (JSON_Integer(v, out) || *out < lo || *out > hi)
        return ferr(c, v, "\"%s\": %s is out of range %lld-%lld", key,
                    JSON_NumberText(v), lo, hi);
    return 0;
}

static int get_cpus(fctx *c, const json_value *o, const char *key,
                    unsigned nr_cpus, xs_cpumap *out, bool *given)
{
    const json_value *v = JSON_ObjectGet(o, key);
    int bad = 0;

    *given = v != NULL;
    if (!v)
        return 0;
    if (JSON_Type(v) != JSON_STRING)
        return ferr(c, v, "\"%s\": expected a pCPU list such as \"0-1\"", key);
    if (CPUMAP_Parse(JSON_String(v), nr_cpus, out, &bad)) {
        ERR_SetAt(c->err, c->path, JSON_Line(v), JSON_Column(v) + 1 + bad,
                  "\"%s\": bad pCPU list \"%s\"", key, JSON_String(v));
        return -1;
    }
    return 0;
}

/*
 * "node_affinity": -1 (every node, the default), one node, or a list of
 * nodes such as "0,2".
 */
static int get_node_mask(fctx *c, const sim *s, const json_value *o,
                         uint64_t *out)
{
    const json_value *v = JSON_ObjectGet(o, "node_affinity");
    xs_cpumap m;
    long long x;
    int bad = 0;
    unsigned n;

    *out = all_nodes(s);
    if (v && JSON_Type(v) == JSON_STRING) {
        if (CPUMAP_Parse(JSON_String(v), s->host.nr_nodes, &m, &bad) ||
            CPUMAP_IsEmpty(&m) || CPUMAP_Next(&m, s->host.nr_nodes) >= 0)
            return ferr(c, v, "\"node_affinity\": bad node list \"%s\" "
                        "(the host has nodes 0-%u)", JSON_String(v),
                        s->host.nr_nodes - 1);
        *out = 0;
        for (n = 0; n < s->host.nr_nodes && n < 64; n++)
            if (CPUMAP_Test(&m, n))
                *out |= (uint64_t)1 << n;
        return 0;
    }
    if (get_int(c, o, "node_affinity", -1, (long long)s->host.nr_nodes - 1,
                HV_NO_NODE, &x))
        return -1;
    if (x != HV_NO_NODE)
        *out = (uint64_t)1 << x;
    return 0;
}

static int load_host(fctx *c, sim *s, const json_value *host)
{
    static const char *const keys[] = { "nodes", "guarded", NULL };
    static const char *const nkeys[] = { "cpus", "memory", NULL };
    const json_value *nodes, *g;
    xs_cpumap seen;
    size_t i;
    int cpu;

    if (check_keys(c, host, keys, "\"host\""))
        return -1;
    nodes = JSON_ObjectGet(host, "nodes");
    if (!nodes || JSON_Type(nodes) != JSON_ARRAY || !JSON_ArraySize(nodes))
        return ferr(c, nodes ? nodes : host, "\"host\" needs \"nodes\": an "
                    "array of { \"cpus\", \"memory\" }");
    if (JSON_ArraySize(nodes) > HV_MAX_NODES)
        return ferr(c, nodes, "at most %d nodes", HV_MAX_NODES);
    g = JSON_ObjectGet(host, "guarded");
    if (g) {
        if (JSON_Type(g) != JSON_BOOL)
            return ferr(c, g, "\"guarded\": expected true or false");
        s->host.guarded = JSON_Bool(g);
    }
    for (cpu = 0; cpu < HV_MAX_CPUS; cpu++)
        s->host.cpu_to_node[cpu] = HV_NO_NODE;
    CPUMAP_Clear(&seen);
    for (i = 0; i < JSON_ArraySize(nodes); i++) {
        const json_value *n = JSON_ArrayItem(nodes, i);
        xs_cpumap cpus;
        bool given;

        if (check_keys(c, n, nkeys, "a node") ||
            get_cpus(c, n, "cpus", 0, &cpus, &given) ||
            get_size(c, n, "memory", 0, &s->host.node_total_kib[i]))
            return -1;
        if (!given || CPUMAP_IsEmpty(&cpus))
            return ferr(c, n, "node %zu: \"cpus\" is missing", i);
        if (!s->host.node_total_kib[i])
            return ferr(c, n, "node %zu: \"memory\" is missing", i);
        if (CPUMAP_Intersects(&cpus, &seen))
            return ferr(c, JSON_ObjectGet(n, "cpus"), "node %zu: a pCPU "
                        "already belongs to another node", i);
        CPUMAP_Or(&seen, &cpus);
        for (cpu = CPUMAP_Next(&cpus, 0); cpu >= 0;
             cpu = CPUMAP_Next(&cpus, (unsigned)cpu + 1))
            s->host.cpu_to_node[cpu] = (int)i;
        s->host.total_kib += s->host.node_total_kib[i];
    }
    s->host.nr_nodes = (unsigned)JSON_ArraySize(nodes);
    s->host.nr_cpus = CPUMAP_Count(&seen);
    if (CPUMAP_Next(&seen, s->host.nr_cpus) >= 0)
        return ferr(c, nodes, "pCPUs must be numbered 0-%u without gaps",
                    s->host.nr_cpus - 1);
    return 0;
}

static int load_pools(fctx *c, sim *s, const json_value *pools)
{
    static const char *const keys[] = { "id", "name", "sched", "cpus", NULL };
    xs_cpumap seen;
    size_t i, j;

    CPUMAP_Clear(&seen);
    if (!pools) {
        hv_pool *p = &s->pools[0];

        s->nr_pools = 1;
        snprintf(p->name, sizeof(p->name), "Pool-0");
        snprintf(p->sched, sizeof(p->sched), "credit2");
        CPUMAP_Fill(&p->cpus, s->host.nr_cpus);
        s->next_pool_id = 1;
        return 0;
    }
    if (JSON_Type(pools) != JSON_ARRAY || !JSON_ArraySize(pools))
        return ferr(c, pools, "\"pools\": expected a non-empty array");
    if (JSON_ArraySize(pools) > SIM_MAX_POOLS)
        return ferr(c, pools, "at most %d pools", SIM_MAX_POOLS);
    for (i = 0; i < JSON_ArraySize(pools); i++) {
        const json_value *o = JSON_ArrayItem(pools, i), *v;
        hv_pool *p = &s->pools[i];
        long long id;
        bool given;

        if (check_keys(c, o, keys, "a pool") ||
            get_int(c, o, "id", 0, 1000000, -1, &id) ||
            get_cpus(c, o, "cpus", s->host.nr_cpus, &p->cpus, &given))
            return -1;
        if (id < 0)
            return ferr(c, o, "pool: \"id\" is missing");
        p->id = (uint32_t)id;
        v = JSON_ObjectGet(o, "name");
        if (!v || JSON_Type(v) != JSON_STRING || !*JSON_String(v) ||
            strlen(JSON_String(v)) >= HV_NAME_MAX)
            return ferr(c, v ? v : o, "pool: \"name\" must be a string of "
                        "1-%d characters", HV_NAME_MAX - 1);
        snprintf(p->name, sizeof(p->name), "%s", JSON_String(v));
        v = JSON_ObjectGet(o, "sched");
        snprintf(p->sched, sizeof(p->sched), "%s",
                 v && JSON_Type(v) == JSON_STRING ? JSON_String(v) : "credit2");
        if (CPUMAP_Intersects(&p->cpus, &seen))
            return ferr(c, o, "pool %s: a pCPU is already in another pool",
                        p->name);
        if (CPUMAP_Next(&p->cpus, s->host.nr_cpus) >= 0)
            return ferr(c, o, "pool %s: a pCPU does not exist", p->name);
        CPUMAP_Or(&seen, &p->cpus);
        for (j = 0; j < i; j++)
            if (s->pools[j].id == p->id || !strcmp(s->pools[j].name, p->name))
                return ferr(c, o, "pool %s: id or name used twice", p->name);
        if (p->id >= s->next_pool_id)
            s->next_pool_id = p->id + 1;
        s->nr_pools++;
    }
    if (!pool_by_id(s, 0))
        return ferr(c, pools, "\"pools\" must include Pool-0 (id 0)");
    return 0;
}

static int load_domain(fctx *c, sim *s, const json_value *o, sim_dom *d)
{
    static const char *const keys[] = {
        "name", "domid", "type", "memory", "maxmem", "static_max", "target",
        "vcpus", "max_vcpus", "node", "pool", "affinity", "balloon_rate",
        "floor", "ignores_balloon", "busy_pages", "soft_affinity",
        "node_affinity", "node_mem", NULL
    };
    const json_value *v;
    long long x;
    bool given;
    uint64_t left;
    unsigned n;

    if (check_keys(c, o, keys, "a domain"))
        return -1;
    memset(d, 0, sizeof(*d));
    d->alive = true;
    v = JSON_ObjectGet(o, "name");
    if (!v || JSON_Type(v) != JSON_STRING || !*JSON_String(v) ||
        strlen(JSON_String(v)) >= HV_NAME_MAX)
        return ferr(c, v ? v : o, "domain: \"name\" must be a string of "
                    "1-%d characters", HV_NAME_MAX - 1);
    snprintf(d->d.name, sizeof(d->d.name), "%s", JSON_String(v));
    if (get_int(c, o, "domid", 0, 32751, -1, &x))
        return -1;
    if (x < 0)
        return ferr(c, o, "domain %s: \"domid\" is missing", d->d.name);
    d->d.domid = (uint32_t)x;
    v = JSON_ObjectGet(o, "type");
    d->d.type = HV_DOM_PV;
    if (v) {
        const char *t = JSON_Type(v) == JSON_STRING ? JSON_String(v) : "";

        if (!strcmp(t, "pv"))
            d->d.type = HV_DOM_PV;
        else if (!strcmp(t, "pvh"))
            d->d.type = HV_DOM_PVH;
        else if (!strcmp(t, "hvm"))
            d->d.type = HV_DOM_HVM;
        else
            return ferr(c, v, "\"type\": expected \"pv\", \"pvh\" or "
                        "\"hvm\"");
    }
    if (get_size(c, o, "memory", 0, &d->d.mem_kib))
        return -1;
    if (!d->d.mem_kib)
        return ferr(c, o, "domain %s: \"memory\" is missing", d->d.name);
    if (get_size(c, o, "maxmem", d->d.mem_kib, &d->d.maxmem_kib) ||
        get_size(c, o, "static_max", d->d.maxmem_kib, &d->d.static_max_kib) ||
        get_size(c, o, "target", d->d.mem_kib, &d->d.target_kib) ||
        get_size(c, o, "balloon_rate", SIM_DEFAULT_RATE_KIB_S,
                 &d->rate_kib_s) ||
        get_size(c, o, "floor", 0, &d->floor_kib))
        return -1;
    if (d->d.maxmem_kib < d->d.target_kib ||
        d->d.static_max_kib < d->d.maxmem_kib)
        return ferr(c, o, "domain %s: need target <= maxmem <= static_max",
                    d->d.name);
    if (get_int(c, o, "vcpus", 1, HV_MAX_CPUS, 1, &x))
        return -1;
    d->d.vcpus_online = (unsigned)x;
    if (get_int(c, o, "max_vcpus", 1, HV_MAX_CPUS, x, &x))
        return -1;
    d->d.vcpus_max = (unsigned)x;
    if (d->d.vcpus_max < d->d.vcpus_online)
        return ferr(c, o, "domain %s: \"max_vcpus\" is below \"vcpus\"",
                    d->d.name);
    if (get_int(c, o, "pool", 0, 1000000, 0, &x))
        return -1;
    d->d.pool = (uint32_t)x;
    if (!pool_by_id(s, d->d.pool))
        return ferr(c, JSON_ObjectGet(o, "pool"), "domain %s: no pool %u",
                    d->d.name, d->d.pool);
    CPUMAP_Fill(&d->d.hard_affinity, s->host.nr_cpus);
    CPUMAP_Fill(&d->d.soft_affinity, s->host.nr_cpus);
    if (get_cpus(c, o, "affinity", s->host.nr_cpus, &d->d.hard_affinity,
                 &given) ||
        get_cpus(c, o, "soft_affinity", s->host.nr_cpus,
                 &d->d.soft_affinity, &given))
        return -1;
    if (get_node_mask(c, s, o, &d->d.node_affinity))
        return -1;
    if (get_int(c, o, "busy_pages", 0, 1LL << 40, 0, &x))
        return -1;
    d->busy_pages = (uint64_t)x;
    v = JSON_ObjectGet(o, "ignores_balloon");
    if (v) {
        if (JSON_Type(v) != JSON_BOOL)
            return ferr(c, v, "\"ignores_balloon\": expected true or false");
        d->ignores_balloon = JSON_Bool(v);
    }
    /* Where its memory is: as saved, one node, or spread evenly. */
    if (get_int(c, o, "node", 0, (long long)s->host.nr_nodes - 1, -1, &x))
        return -1;
    d->d.node_known = true;
    v = JSON_ObjectGet(o, "node_mem");
    if (v) {
        uint64_t sum = 0;

        if (JSON_Type(v) != JSON_ARRAY ||
            JSON_ArraySize(v) != s->host.nr_nodes)
            return ferr(c, v, "\"node_mem\": expected one size per node");
        for (n = 0; n < s->host.nr_nodes; n++) {
            const json_value *m = JSON_ArrayItem(v, n);
            char why[200];

            if (JSON_Type(m) != JSON_STRING ||
                UNITS_ParseSize(JSON_String(m), &d->d.node_mem_kib[n], why,
                                sizeof(why)))
                return ferr(c, m, "\"node_mem\": expected sizes");
            sum += d->d.node_mem_kib[n];
        }
        if (sum != d->d.mem_kib)
            return ferr(c, v, "\"node_mem\" does not add up to \"memory\"");
    } else if (x >= 0) {
        d->d.node_mem_kib[x] = d->d.mem_kib;
    } else {
        left = d->d.mem_kib;
        for (n = 0; n < s->host.nr_nodes; n++) {
            uint64_t share = n + 1 == s->host.nr_nodes
                                 ? left : d->d.mem_kib / s->host.nr_nodes;

            d->d.node_mem_kib[n] = share;
            left -= share;
        }
    }
    return 0;
}

static int load_faults(fctx *c, sim *s, const json_value *faults)
{
    static const char *const keys[] = { "op", "domain", "nth", "error", NULL };
    static const char *const kinds[] = { "fail", "vanish", "nomem", "busy" };
    size_t i;

    if (JSON_Type(faults) != JSON_ARRAY)
        return ferr(c, faults, "\"faults\": expected an array");
    for (i = 0; i < JSON_ArraySize(faults); i++) {
        const json_value *f = JSON_ArrayItem(faults, i), *op, *dom, *e;
        long long nth;
        size_t k;

        if (check_keys(c, f, keys, "a fault") ||
            get_int(c, f, "nth", 1, 1000000, 1, &nth))
            return -1;
        op = JSON_ObjectGet(f, "op");
        if (!op || JSON_Type(op) != JSON_STRING || !known_op(JSON_String(op)))
            return ferr(c, op ? op : f, "fault: \"op\" must name an hv "
                        "operation such as \"set_target\"");
        dom = JSON_ObjectGet(f, "domain");
        if (dom && JSON_Type(dom) != JSON_STRING)
            return ferr(c, dom, "fault: \"domain\" must be a string");
        e = JSON_ObjectGet(f, "error");
        for (k = 0; k < 4; k++)
            if (e && JSON_Type(e) == JSON_STRING &&
                !strcmp(JSON_String(e), kinds[k]))
                break;
        if (k == 4)
            return ferr(c, e ? e : f, "fault: \"error\" must be one of fail, "
                        "vanish, nomem, busy");
        if (HVSIM_AddFault(&s->base, JSON_String(op),
                           dom ? JSON_String(dom) : NULL, (unsigned)nth,
                           (hvsim_fault_kind)k))
            return ferr(c, f, "too many faults (at most %d)", SIM_MAX_FAULTS);
    }
    return 0;
}

/* A saved state's xenstore: { "path": "value", ... } */
static int load_xenstore(fctx *c, sim *s, const json_value *o)
{
    size_t i;

    if (!o)
        return 0;
    if (JSON_Type(o) != JSON_OBJECT)
        return ferr(c, o, "\"xenstore\": expected an object of paths");
    for (i = 0; i < JSON_ObjectSize(o); i++) {
        const json_value *v = JSON_ObjectValue(o, i);

        if (JSON_Type(v) != JSON_STRING)
            return ferr(c, v, "\"xenstore\": values are strings");
        if (xs_set(s, JSON_ObjectKey(o, i), JSON_String(v)))
            return ferr(c, v, "out of memory");
    }
    return 0;
}

static int load_fixture(fctx *c, sim *s, const json_value *root)
{
    static const char *const keys[] = {
        "host", "pools", "domains", "faults", "start_time", "now_ms",
        "xenstore", NULL
    };
    const json_value *host, *doms;
    long long start;
    size_t i, j;
    unsigned n;

    if (check_keys(c, root, keys, "the fixture"))
        return -1;
    host = JSON_ObjectGet(root, "host");
    if (!host)
        return ferr(c, root, "\"host\" is missing");
    if (load_host(c, s, host) ||
        load_pools(c, s, JSON_ObjectGet(root, "pools")))
        return -1;
    doms = JSON_ObjectGet(root, "domains");
    if (!doms || JSON_Type(doms) != JSON_ARRAY)
        return ferr(c, doms ? doms : root, "\"domains\": expected an array "
                    "(with Domain-0)");
    s->doms = calloc(JSON_ArraySize(doms) + 1, sizeof(*s->doms));
    if (!s->doms)
        return ferr(c, doms, "out of memory");
    for (i = 0; i < JSON_ArraySize(doms); i++) {
        const json_value *o = JSON_ArrayItem(doms, i);
        sim_dom *d = &s->doms[i];

        if (load_domain(c, s, o, d))
            return -1;
        for (j = 0; j < i; j++)
            if (s->doms[j].d.domid == d->d.domid ||
                !strcmp(s->doms[j].d.name, d->d.name))
                return ferr(c, o, "domain %s: name or domid used twice",
                            d->d.name);
        s->nr_doms++;
    }
    if (!dom_by_id(s, 0))
        return ferr(c, doms, "\"domains\" must include Domain-0 (domid 0)");
    for (n = 0; n < s->host.nr_nodes; n++)
        if (node_used(s, n) > s->host.node_total_kib[n])
            return ferr(c, doms, "the domains need more memory than node %u "
                        "has", n);
    for (i = 0; i < s->nr_doms; i++) {
        char path[64];

        snprintf(path, sizeof(path), "/local/domain/%u/name",
                 s->doms[i].d.domid);
        xs_set(s, path, s->doms[i].d.name);
        xs_set_u64(s, s->doms[i].d.domid, "memory/target",
                   s->doms[i].d.target_kib);
        xs_set_u64(s, s->doms[i].d.domid, "memory/static-max",
                   s->doms[i].d.static_max_kib);
    }
    if (JSON_ObjectGet(root, "faults") &&
        load_faults(c, s, JSON_ObjectGet(root, "faults")))
        return -1;
    if (get_int(c, root, "start_time", 0, 1LL << 40, 1764057600, &start))
        return -1;
    s->wall_start = start;
    if (get_int(c, root, "now_ms", 0, 1LL << 50, 0, &start))
        return -1;
    s->now_ms = (uint64_t)start;
    if (load_xenstore(c, s, JSON_ObjectGet(root, "xenstore")))
        return -1;
    count_pool_domains(s);
    return 0;
}

hv *HV_OpenSim(const char *fixture_path, xs_err *err)
{
    json_value *root = NULL;
    char *text = NULL;
    size_t len = 0;
    sim *s;
    FILE *f;
    fctx c = { fixture_path, err };

    s = calloc(1, sizeof(*s));
    if (!s) {
        ERR_Set(err, "out of memory");
        return NULL;
    }
    s->base.ops = &sim_ops;
    s->event_fd = -1;
    snprintf(s->path, sizeof(s->path), "%s", fixture_path);
    f = fopen(fixture_path, "r");
    if (!f) {
        ERR_SetAt(err, fixture_path, 0, 0, "cannot open the simulated host: "
                  "%s", strerror(errno));
        goto fail;
    }
    {
        char buf[4096];
        size_t n;

        while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
            char *t = realloc(text, len + n + 1);

            if (!t) {
                fclose(f);
                ERR_Set(err, "out of memory");
                goto fail;
            }
            text = t;
            memcpy(text + len, buf, n);
            len += n;
        }
        if (ferror(f)) {
            /* a directory opens, and then reads as EISDIR */
            ERR_SetAt(err, fixture_path, 0, 0, "cannot read the simulated "
                      "host: %s", strerror(errno));
            fclose(f);
            goto fail;
        }
    }
    fclose(f);
    if (JSON_Parse(fixture_path, text ? text : "", len, &root, err))
        goto fail;
    if (load_fixture(&c, s, root))
        goto fail;
    JSON_Free(root);
    free(text);
    return &s->base;
fail:
    JSON_Free(root);
    free(text);
    sim_close(&s->base);
    return NULL;
}

/* --- saving the state ----------------------------------------------------- */

static void put_size(json_writer *w, const char *key, uint64_t kib)
{
    char buf[32];

    snprintf(buf, sizeof(buf), "%" PRIu64 "K", kib);
    if (key)
        JSONW_KeyString(w, key, buf);
    else
        JSONW_String(w, buf);
}

static void put_node_mask(json_writer *w, const sim *s, uint64_t nodes)
{
    xs_cpumap m;
    char buf[256];
    unsigned n;

    if (nodes == all_nodes(s)) {
        JSONW_KeyInt(w, "node_affinity", HV_NO_NODE);
        return;
    }
    CPUMAP_Clear(&m);
    for (n = 0; n < 64; n++)
        if (nodes >> n & 1)
            CPUMAP_Set(&m, n);
    JSONW_KeyString(w, "node_affinity", CPUMAP_Format(&m, buf, sizeof(buf)));
}

static void put_cpus(json_writer *w, const char *key, const xs_cpumap *m)
{
    char buf[4096];

    JSONW_KeyString(w, key, CPUMAP_Format(m, buf, sizeof(buf)));
}

static void save_domain(json_writer *w, const sim *s, const sim_dom *d)
{
    static const char *const types[] = { "pv", "pvh", "hvm" };
    unsigned n;

    JSONW_ObjectOpen(w);
    JSONW_KeyString(w, "name", d->d.name);
    JSONW_KeyUint(w, "domid", d->d.domid);
    JSONW_KeyString(w, "type", types[d->d.type]);
    put_size(w, "memory", d->d.mem_kib);
    put_size(w, "maxmem", d->d.maxmem_kib);
    put_size(w, "static_max", d->d.static_max_kib);
    put_size(w, "target", d->d.target_kib);
    JSONW_KeyUint(w, "vcpus", d->d.vcpus_online);
    JSONW_KeyUint(w, "max_vcpus", d->d.vcpus_max);
    JSONW_KeyUint(w, "pool", d->d.pool);
    put_cpus(w, "affinity", &d->d.hard_affinity);
    put_cpus(w, "soft_affinity", &d->d.soft_affinity);
    put_size(w, "balloon_rate", d->rate_kib_s);
    put_size(w, "floor", d->floor_kib);
    JSONW_KeyBool(w, "ignores_balloon", d->ignores_balloon);
    JSONW_KeyUint(w, "busy_pages", d->busy_pages);
    put_node_mask(w, s, d->d.node_affinity);
    JSONW_Key(w, "node_mem");
    JSONW_ArrayOpen(w);
    for (n = 0; n < s->host.nr_nodes; n++)
        put_size(w, NULL, d->d.node_mem_kib[n]);
    JSONW_ArrayClose(w);
    JSONW_ObjectClose(w);
}

int HVSIM_Save(hv *h, const char *path, xs_err *err)
{
    static const char *const kinds[] = { "fail", "vanish", "nomem", "busy" };
    sim *s = S(h);
    json_writer *w = JSONW_New(true);
    char tmp[4200], buf[4096];
    const char *text;
    size_t i, len;
    unsigned n;
    FILE *f;
    int rc = -1;

    JSONW_ObjectOpen(w);
    JSONW_Key(w, "host");
    JSONW_ObjectOpen(w);
    JSONW_KeyBool(w, "guarded", s->host.guarded);
    JSONW_Key(w, "nodes");
    JSONW_ArrayOpen(w);
    for (n = 0; n < s->host.nr_nodes; n++) {
        xs_cpumap cpus;
        unsigned cpu;

        CPUMAP_Clear(&cpus);
        for (cpu = 0; cpu < s->host.nr_cpus; cpu++)
            if (s->host.cpu_to_node[cpu] == (int)n)
                CPUMAP_Set(&cpus, cpu);
        JSONW_ObjectOpen(w);
        JSONW_KeyString(w, "cpus", CPUMAP_Format(&cpus, buf, sizeof(buf)));
        put_size(w, "memory", s->host.node_total_kib[n]);
        JSONW_ObjectClose(w);
    }
    JSONW_ArrayClose(w);
    JSONW_ObjectClose(w);
    JSONW_Key(w, "pools");
    JSONW_ArrayOpen(w);
    for (i = 0; i < s->nr_pools; i++) {
        JSONW_ObjectOpen(w);
        JSONW_KeyUint(w, "id", s->pools[i].id);
        JSONW_KeyString(w, "name", s->pools[i].name);
        JSONW_KeyString(w, "sched", s->pools[i].sched);
        put_cpus(w, "cpus", &s->pools[i].cpus);
        JSONW_ObjectClose(w);
    }
    JSONW_ArrayClose(w);
    JSONW_Key(w, "domains");
    JSONW_ArrayOpen(w);
    for (i = 0; i < s->nr_doms; i++)
        if (s->doms[i].alive)
            save_domain(w, s, &s->doms[i]);
    JSONW_ArrayClose(w);
    JSONW_Key(w, "faults");
    JSONW_ArrayOpen(w);
    for (i = 0; i < s->nr_faults; i++) {
        const sim_fault *ft = &s->faults[i];

        if (ft->seen >= ft->nth)
            continue;       /* fired already */
        JSONW_ObjectOpen(w);
        JSONW_KeyString(w, "op", ft->op);
        if (ft->domain[0])
            JSONW_KeyString(w, "domain", ft->domain);
        JSONW_KeyUint(w, "nth", ft->nth - ft->seen);
        JSONW_KeyString(w, "error", kinds[ft->kind]);
        JSONW_ObjectClose(w);
    }
    JSONW_ArrayClose(w);
    JSONW_KeyInt(w, "start_time", s->wall_start);
    JSONW_KeyUint(w, "now_ms", s->now_ms);
    JSONW_Key(w, "xenstore");
    JSONW_ObjectOpen(w);
    for (i = 0; i < s->nr_xs; i++)
        JSONW_KeyString(w, s->xs[i].path, s->xs[i].val);
    JSONW_ObjectClose(w);
    JSONW_ObjectClose(w);

    /* Written aside and renamed: a crash never leaves half a host. */
    snprintf(tmp, sizeof(tmp), "%s.new", path);
    text = JSONW_Text(w, &len);
    f = fopen(tmp, "w");
    if (!f || !text || fwrite(text, 1, len, f) != len) {
        ERR_Set(err, "cannot save the simulated host to %s: %s", tmp,
                strerror(errno));
        if (f)
            fclose(f);
        goto out;
    }
    if (fclose(f) || rename(tmp, path)) {
        ERR_Set(err, "cannot save the simulated host to %s: %s", path,
                strerror(errno));
        goto out;
    }
    rc = 0;
out:
    JSONW_Free(w);
    return rc;
}

/* --- loading a state into a running handle ------------------------------- */

/*
 * Fire watcher's watches on each xenstore node of a that b does not
 * hold (or, with changed too, holds with another value).
 */
static void fire_differences(sim *watcher, const sim *a, sim *b,
                             bool changed)
{
    size_t i;

    for (i = 0; i < a->nr_xs; i++) {
        const xs_node *n = xs_find(b, a->xs[i].path);

        if (!n || (changed && strcmp(n->val, a->xs[i].val)))
            fire_watches(watcher, a->xs[i].path);
    }
}

int HVSIM_Load(hv *h, const char *path, xs_err *err)
{
    sim *s = S(h), *n, tmp;
    hv *nh = HV_OpenSim(path, err);

    if (!nh)
        return -1;
    n = S(nh);
    /*
     * The host, its faults, clock and xenstore come from the file; the
     * watches, the events not yet read and the crash switch are this
     * process's and stay.  Swapped, so that closing nh frees the old.
     */
    memcpy(&tmp, s, sizeof(tmp));
    s->host = n->host;
    memcpy(s->pools, n->pools, sizeof(s->pools));
    s->nr_pools = n->nr_pools;
    s->next_pool_id = n->next_pool_id;
    s->doms = n->doms;
    s->nr_doms = n->nr_doms;
    memcpy(s->faults, n->faults, sizeof(s->faults));
    s->nr_faults = n->nr_faults;
    s->xs = n->xs;
    s->nr_xs = n->nr_xs;
    s->now_ms = n->now_ms;
    s->wall_start = n->wall_start;
    n->doms = tmp.doms;
    n->nr_doms = tmp.nr_doms;
    n->xs = tmp.xs;
    n->nr_xs = tmp.nr_xs;
    /* What another process wrote fires the watches, as xenstored would. */
    fire_differences(s, s, n, true);      /* new or changed */
    fire_differences(s, n, s, false);     /* removed */
    sim_close(nh);
    return 0;
}
