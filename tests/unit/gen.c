/*
 * gen.c - hosts and tables from a seed (see gen.h).
 *
 * The generator first draws a model (nodes, pools, guests, phases) and
 * then writes it out with lib/base/json_write.c's writer.  Sizes are drawn in
 * 16 MiB steps; a guest's memory is placed on one node or spread as the
 * sim spreads it, and never more than a node holds, so every fixture
 * loads.  The table is drawn around what the guests have now (half to
 * one and a half times), which makes most phases plannable; the
 * refusals come from the draws that step outside the host on purpose.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpumap.h"
#include "json.h"
#include "gen.h"

#define MIB 1024ULL
#define STEP (16 * MIB)
#define G_MAX_GUESTS 16
#define G_MAX_OFFLINE 2
#define G_MAX_DOMS (G_MAX_GUESTS + G_MAX_OFFLINE)
#define G_MAX_NODES 4
#define G_MAX_PHASES 4
#define ADMIN_POOL_ID 1

/* --- the PRNG: splitmix64 ------------------------------------------------ */

void GEN_Seed(gen_rng *r, uint64_t seed)
{
    r->state = seed;
}

uint64_t GEN_Next(gen_rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

unsigned GEN_Range(gen_rng *r, unsigned lo, unsigned hi)
{
    if (hi <= lo)
        return lo;
    return lo + (unsigned)(GEN_Next(r) % ((uint64_t)hi - lo + 1));
}

bool GEN_Chance(gen_rng *r, unsigned pct)
{
    return GEN_Next(r) % 100 < pct;
}

/* --- the model ----------------------------------------------------------- */

typedef struct gdom {
    char name[16];
    const char *type;
    bool running, named;
    uint64_t mem, static_max;   /* KiB */
    unsigned vcpus, max_vcpus;
    unsigned pool;              /* 0 or ADMIN_POOL_ID */
    bool pinned, soft_set;
    xs_cpumap hard, soft;
    int node;                   /* its memory on this node; -1 spread */
    int node_affinity;          /* -1: none */
    uint64_t rate, floor;
    bool ignores;
    bool has_min, has_max;
    uint64_t min, max;
} gdom;

typedef struct model {
    gen_rng rng;
    unsigned nr_cpus, nr_nodes;
    unsigned node_first[G_MAX_NODES], node_cpus[G_MAX_NODES];
    uint64_t node_mem[G_MAX_NODES], node_free[G_MAX_NODES];
    bool guarded, admin;
    xs_cpumap pool0, admin_cpus;
    gdom doms[G_MAX_DOMS];
    unsigned nr_doms;
} model;

static uint64_t round_step(uint64_t kib)
{
    kib -= kib % STEP;
    return kib < STEP ? STEP : kib;
}

static void draw_host(model *m)
{
    gen_rng *r = &m->rng;
    unsigned n, cpu = 0, k;

    m->nr_nodes = GEN_Range(r, 1, G_MAX_NODES);
    m->nr_cpus = GEN_Range(r, m->nr_nodes > 2 ? m->nr_nodes : 2, 16);
    for (n = 0; n < m->nr_nodes; n++) {
        m->node_first[n] = cpu;
        m->node_cpus[n] = m->nr_cpus / m->nr_nodes +
                          (n < m->nr_cpus % m->nr_nodes);
        cpu += m->node_cpus[n];
        m->node_mem[n] = GEN_Range(r, 2, 8) * 512 * MIB;
        m->node_free[n] = m->node_mem[n];
    }
    m->guarded = GEN_Chance(r, 50);
    CPUMAP_Fill(&m->pool0, m->nr_cpus);
    CPUMAP_Clear(&m->admin_cpus);
    m->admin = m->nr_cpus >= 4 && GEN_Chance(r, 30);
    if (m->admin) {
        unsigned nr = GEN_Range(r, 1, 2);

        for (k = 0; k < nr; k++)
            CPUMAP_Set(&m->admin_cpus, m->nr_cpus - 1 - k);
        CPUMAP_AndNot(&m->pool0, &m->admin_cpus);
    }
}

/* A non-empty random subset of set (at most 3 pCPUs). */
static void draw_subset(gen_rng *r, const xs_cpumap *set, xs_cpumap *out)
{
    int cpus[HV_MAX_CPUS / 256], nr = 0, c;
    unsigned k, want;

    CPUMAP_Clear(out);
    for (c = CPUMAP_Next(set, 0); c >= 0 && nr < (int)(sizeof(cpus) /
         sizeof(cpus[0])); c = CPUMAP_Next(set, (unsigned)c + 1))
        cpus[nr++] = c;
    if (!nr)
        return;
    want = GEN_Range(r, 1, nr < 3 ? (unsigned)nr : 3);
    for (k = 0; k < want; k++)
        CPUMAP_Set(out, (unsigned)cpus[GEN_Range(r, 0, (unsigned)nr - 1)]);
}

/* Place mem on the host as the sim will; false when it does not fit. */
static bool place(model *m, gdom *d)
{
    unsigned n, best = 0;
    uint64_t left;

    for (n = 1; n < m->nr_nodes; n++)
        if (m->node_free[n] > m->node_free[best])
            best = n;
    if (m->nr_nodes == 1 || GEN_Chance(&m->rng, 50)) {
        if (m->node_free[best] < d->mem)
            return false;
        d->node = (int)best;
        m->node_free[best] -= d->mem;
        return true;
    }
    left = d->mem;
    for (n = 0; n < m->nr_nodes; n++) {
        uint64_t share = n + 1 == m->nr_nodes ? left : d->mem / m->nr_nodes;

        if (m->node_free[n] < share)
            return false;
        left -= share;
    }
    left = d->mem;
    for (n = 0; n < m->nr_nodes; n++) {
        uint64_t share = n + 1 == m->nr_nodes ? left : d->mem / m->nr_nodes;

        m->node_free[n] -= share;
        left -= share;
    }
    d->node = -1;
    return true;
}

static void draw_guest(model *m, gdom *d, unsigned i, uint64_t size)
{
    static const char *const types[] = { "pv", "pvh", "hvm" };
    static const uint64_t rates[] = { 32 * MIB, 128 * MIB, 256 * MIB,
                                      1024 * MIB };
    gen_rng *r = &m->rng;

    d->running = true;
    d->named = i == 0 || GEN_Chance(r, 75);
    snprintf(d->name, sizeof(d->name), "%s%u", d->named ? "vm" : "other",
             i + 1);
    d->type = types[GEN_Range(r, 0, 2)];
    d->mem = round_step(size * GEN_Range(r, 60, 140) / 100);
    d->static_max = d->mem + GEN_Range(r, 0, 4) * 128 * MIB;
    d->max_vcpus = GEN_Range(r, 1, 4);
    d->vcpus = GEN_Range(r, 1, d->max_vcpus);
    d->rate = rates[GEN_Range(r, 0, 3)];
    if (GEN_Chance(r, 4))
        d->floor = round_step(d->mem * GEN_Range(r, 40, 90) / 100);
    d->ignores = GEN_Chance(r, 2);
    d->pool = 0;
    if (m->admin && GEN_Chance(r, d->named ? 15 : 40))
        d->pool = ADMIN_POOL_ID;
    d->pinned = d->pool == ADMIN_POOL_ID || GEN_Chance(r, d->named ? 15 : 40);
    if (d->pinned)
        draw_subset(r, d->pool ? &m->admin_cpus : &m->pool0, &d->hard);
    d->soft_set = GEN_Chance(r, 20);
    if (d->soft_set)
        draw_subset(r, &m->pool0, &d->soft);
    d->node_affinity = m->nr_nodes > 1 && GEN_Chance(r, 15)
                           ? (int)GEN_Range(r, 0, m->nr_nodes - 1) : -1;
}

/* The table's floor and max of a domain. */
static void draw_limits(gen_rng *r, gdom *d)
{
    d->has_min = GEN_Chance(r, 50);
    if (d->has_min)
        d->min = round_step(d->mem * GEN_Range(r, 30, 80) / 100);
    d->has_max = GEN_Chance(r, 50);
    if (d->has_max)
        d->max = d->static_max + (GEN_Chance(r, 10) ? 256 * MIB : 0);
}

static void draw_guests(model *m)
{
    gen_rng *r = &m->rng;
    unsigned want = GEN_Range(r, 2, G_MAX_GUESTS), i, n;
    uint64_t total = 0, size;

    for (n = 0; n < m->nr_nodes; n++)
        total += m->node_free[n];
    /* What dom0 and Xen keep, then 30-65% of the rest for the guests. */
    size = total > 640 * MIB
               ? (total - 640 * MIB) * GEN_Range(r, 30, 65) / 100 / want
               : STEP;
    for (i = 0; i < want; i++) {
        gdom *d = &m->doms[m->nr_doms];
        uint64_t headroom;
        bool placed;

        memset(d, 0, sizeof(*d));
        draw_guest(m, d, i, size);
        headroom = d->static_max - d->mem;
        /* Halve what does not fit; a guest that never fits is left out. */
        while (!(placed = place(m, d)) && d->mem > STEP)
            d->mem = round_step(d->mem / 2);
        /* built for what it has now plus the headroom it was drawn with */
        d->static_max = d->mem + headroom;
        if (!placed)
            continue;
        if (d->floor > d->mem)
            d->floor = d->mem;
        draw_limits(r, d);
        m->nr_doms++;
    }
    n = GEN_Chance(r, 50) ? GEN_Range(r, 1, G_MAX_OFFLINE) : 0;
    for (i = 0; i < n; i++) {
        gdom *d = &m->doms[m->nr_doms++];

        memset(d, 0, sizeof(*d));
        snprintf(d->name, sizeof(d->name), "down%u", i + 1);
        d->named = true;
        d->type = "pv";         /* not running: the host does not say */
        d->mem = GEN_Range(r, 2, 8) * 64 * MIB;
        d->static_max = d->mem + 256 * MIB;
        d->max_vcpus = 2;
        draw_limits(r, d);
    }
}

/* --- writing it out -------------------------------------------------------- */

static void put_kib(json_writer *w, const char *key, uint64_t kib)
{
    char buf[32];

    snprintf(buf, sizeof(buf), "%lluK", (unsigned long long)kib);
    JSONW_KeyString(w, key, buf);
}

static void put_mib(json_writer *w, const char *key, uint64_t kib)
{
    char buf[32];

    snprintf(buf, sizeof(buf), "%lluM", (unsigned long long)(kib / MIB));
    JSONW_KeyString(w, key, buf);
}

static void put_cpus(json_writer *w, const char *key, const xs_cpumap *m)
{
    char buf[128];

    JSONW_KeyString(w, key, CPUMAP_Format(m, buf, sizeof(buf)));
}

static void write_domain(json_writer *w, const model *m, const gdom *d,
                         unsigned domid)
{
    JSONW_ObjectOpen(w);
    JSONW_KeyString(w, "name", d->name);
    JSONW_KeyUint(w, "domid", domid);
    JSONW_KeyString(w, "type", d->type);
    put_kib(w, "memory", d->mem);
    put_kib(w, "static_max", d->static_max);
    JSONW_KeyUint(w, "vcpus", d->vcpus);
    JSONW_KeyUint(w, "max_vcpus", d->max_vcpus);
    if (d->pool)
        JSONW_KeyUint(w, "pool", d->pool);
    if (d->pinned)
        put_cpus(w, "affinity", &d->hard);
    if (d->soft_set)
        put_cpus(w, "soft_affinity", &d->soft);
    if (d->node >= 0)
        JSONW_KeyUint(w, "node", (unsigned)d->node);
    if (d->node_affinity >= 0)
        JSONW_KeyInt(w, "node_affinity", d->node_affinity);
    put_kib(w, "balloon_rate", d->rate);
    if (d->floor)
        put_kib(w, "floor", d->floor);
    if (d->ignores)
        JSONW_KeyBool(w, "ignores_balloon", true);
    JSONW_ObjectClose(w);
    (void)m;
}

static char *finish(json_writer *w)
{
    size_t len;
    const char *text = JSONW_Text(w, &len);
    char *out = malloc(len + 1);

    if (out) {
        memcpy(out, text, len);
        out[len] = '\0';
    }
    JSONW_Free(w);
    return out;
}

static char *write_fixture(const model *m)
{
    json_writer *w = JSONW_New(true);
    unsigned n, i, domid = 1;
    xs_cpumap cpus;

    if (!w)
        return NULL;
    JSONW_ObjectOpen(w);
    JSONW_Key(w, "host");
    JSONW_ObjectOpen(w);
    JSONW_KeyBool(w, "guarded", m->guarded);
    JSONW_Key(w, "nodes");
    JSONW_ArrayOpen(w);
    for (n = 0; n < m->nr_nodes; n++) {
        CPUMAP_Clear(&cpus);
        for (i = 0; i < m->node_cpus[n]; i++)
            CPUMAP_Set(&cpus, m->node_first[n] + i);
        JSONW_ObjectOpen(w);
        put_cpus(w, "cpus", &cpus);
        put_kib(w, "memory", m->node_mem[n]);
        JSONW_ObjectClose(w);
    }
    JSONW_ArrayClose(w);
    JSONW_ObjectClose(w);
    if (m->admin) {
        JSONW_Key(w, "pools");
        JSONW_ArrayOpen(w);
        JSONW_ObjectOpen(w);
        JSONW_KeyUint(w, "id", 0);
        JSONW_KeyString(w, "name", "Pool-0");
        JSONW_KeyString(w, "sched", "credit2");
        put_cpus(w, "cpus", &m->pool0);
        JSONW_ObjectClose(w);
        JSONW_ObjectOpen(w);
        JSONW_KeyUint(w, "id", ADMIN_POOL_ID);
        JSONW_KeyString(w, "name", "admin-rt");
        JSONW_KeyString(w, "sched", "credit");
        put_cpus(w, "cpus", &m->admin_cpus);
        JSONW_ObjectClose(w);
        JSONW_ArrayClose(w);
    }
    JSONW_Key(w, "domains");
    JSONW_ArrayOpen(w);
    JSONW_ObjectOpen(w);
    JSONW_KeyString(w, "name", "Domain-0");
    JSONW_KeyUint(w, "domid", 0);
    JSONW_KeyString(w, "type", "pv");
    put_kib(w, "memory", 512 * MIB);
    JSONW_KeyUint(w, "vcpus", m->nr_cpus < 2 ? 1 : 2);
    JSONW_KeyUint(w, "node", 0);
    JSONW_ObjectClose(w);
    for (i = 0; i < m->nr_doms; i++)
        if (m->doms[i].running)
            write_domain(w, m, &m->doms[i], domid++);
    JSONW_ArrayClose(w);
    JSONW_ObjectClose(w);
    return finish(w);
}

/* Dedicated pCPUs of one cell: a count, or a list not used in the phase. */
static void write_dedicated(json_writer *w, model *m, xs_cpumap *used)
{
    gen_rng *r = &m->rng;
    xs_cpumap free_cpus = m->pool0, list;
    char buf[128];
    int c;

    if (GEN_Chance(r, 50)) {
        JSONW_KeyUint(w, "pcpus", GEN_Range(r, 1, 2));
        return;
    }
    CPUMAP_AndNot(&free_cpus, used);
    CPUMAP_Unset(&free_cpus, 0);
    draw_subset(r, &free_cpus, &list);
    if (m->admin && GEN_Chance(r, 10) &&
        !CPUMAP_Test(used, (unsigned)CPUMAP_Next(&m->admin_cpus, 0)))
        CPUMAP_Set(&list, (unsigned)CPUMAP_Next(&m->admin_cpus, 0));
    if (CPUMAP_IsEmpty(&list)) {
        JSONW_KeyUint(w, "pcpus", 1);
        return;
    }
    for (c = CPUMAP_Next(&list, 0); c >= 0;
         c = CPUMAP_Next(&list, (unsigned)c + 1))
        CPUMAP_Set(used, (unsigned)c);
    JSONW_KeyString(w, "pcpus", CPUMAP_Format(&list, buf, sizeof(buf)));
}

static void write_cell(json_writer *w, model *m, const gdom *d,
                       xs_cpumap *used)
{
    gen_rng *r = &m->rng;
    uint64_t cap = d->has_max ? d->max : d->static_max, lo, mem;

    if (!d->has_max && GEN_Chance(r, 5))
        cap += 256 * MIB;       /* above the static max: refused */
    lo = d->has_min ? d->min : STEP;
    mem = round_step(d->mem * GEN_Range(r, 50, 150) / 100);
    mem = mem < lo ? lo : mem > cap ? cap : mem;
    JSONW_Key(w, d->name);
    JSONW_ObjectOpen(w);
    put_mib(w, "memory", mem);
    if (GEN_Chance(r, 20)) {
        JSONW_KeyString(w, "cpus", "dedicated");
        write_dedicated(w, m, used);
    } else if (GEN_Chance(r, 30)) {
        JSONW_KeyString(w, "cpus", "shared");
    }
    /* HVM guests cannot unplug: mostly draw no fewer than they have. */
    if (GEN_Chance(r, 35))
        JSONW_KeyUint(w, "vcpus",
                      GEN_Range(r, strcmp(d->type, "hvm") || GEN_Chance(r, 10)
                                       ? 1 : d->vcpus,
                                d->max_vcpus + GEN_Chance(r, 5)));
    if (m->nr_nodes > 1 && GEN_Chance(r, 20))
        JSONW_KeyUint(w, "node", GEN_Range(r, 0, m->nr_nodes - 1));
    JSONW_ObjectClose(w);
}

static char *write_table(model *m, unsigned nr_phases)
{
    static const char *const names[G_MAX_PHASES] = {
        "day", "night", "peak", "batch"
    };
    gen_rng *r = &m->rng;
    json_writer *w = JSONW_New(true);
    unsigned i, p, named;

    if (!w)
        return NULL;
    JSONW_ObjectOpen(w);
    if (GEN_Chance(r, 50)) {
        JSONW_Key(w, "host");
        JSONW_ObjectOpen(w);
        put_mib(w, "reserve", GEN_Range(r, 1, 4) * 128 * MIB);
        JSONW_ObjectClose(w);
    }
    JSONW_Key(w, "domains");
    JSONW_ObjectOpen(w);
    for (i = 0; i < m->nr_doms; i++) {
        const gdom *d = &m->doms[i];

        if (!d->named)
            continue;
        JSONW_Key(w, d->name);
        JSONW_ObjectOpen(w);
        if (d->has_min)
            put_mib(w, "min", d->min);
        if (d->has_max)
            put_mib(w, "max", d->max);
        JSONW_ObjectClose(w);
    }
    JSONW_ObjectClose(w);
    JSONW_Key(w, "phases");
    JSONW_ObjectOpen(w);
    for (p = 0; p < nr_phases; p++) {
        xs_cpumap used;

        CPUMAP_Clear(&used);
        JSONW_Key(w, names[p]);
        JSONW_ObjectOpen(w);
        named = 0;
        for (i = 0; i < m->nr_doms; i++) {
            const gdom *d = &m->doms[i];

            /* The first domain is in every phase: none is empty. */
            if (!d->named || (named && !GEN_Chance(r, 85)))
                continue;
            write_cell(w, m, d, &used);
            named++;
        }
        JSONW_ObjectClose(w);
    }
    JSONW_ObjectClose(w);
    JSONW_ObjectClose(w);
    return finish(w);
}

void GEN_CaseInit(gen_case *c)
{
    memset(c, 0, sizeof(*c));
}

void GEN_CaseDispose(gen_case *c)
{
    free(c->fixture);
    free(c->table);
    GEN_CaseInit(c);
}

int GEN_Make(uint64_t seed, gen_case *c)
{
    model *m = calloc(1, sizeof(*m));
    unsigned i;
    int rc = -1;

    GEN_CaseDispose(c);
    c->seed = seed;
    if (!m)
        return -1;
    GEN_Seed(&m->rng, seed);
    draw_host(m);
    /* dom0: 512 MiB on node 0 (every node has at least 1 GiB). */
    m->node_free[0] -= 512 * MIB;
    draw_guests(m);
    c->nr_cpus = m->nr_cpus;
    c->nr_nodes = m->nr_nodes;
    c->admin_pool = m->admin;
    c->nr_phases = GEN_Range(&m->rng, 2, G_MAX_PHASES);
    for (i = 0; i < m->nr_doms; i++) {
        c->nr_guests += m->doms[i].running;
        c->nr_unnamed += m->doms[i].running && !m->doms[i].named;
        c->nr_offline += !m->doms[i].running;
    }
    c->fixture = write_fixture(m);
    c->table = write_table(m, c->nr_phases);
    if (c->fixture && c->table)
        rc = 0;
    free(m);
    return rc;
}
