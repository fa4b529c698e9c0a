/*
 * sim_fixture.c - HV_OpenSim: a simulated host read from its JSON
 * fixture (docs/sim-fixture.md), every value checked and every error
 * given with its line and column.  A state saved by HVSIM_Save is a
 * fixture too.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "sim_int.h"
#include "units.h"

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

    *out = sim_all_nodes(s);
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
    if (!sim_pool_by_id(s, 0))
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
    if (!sim_pool_by_id(s, d->d.pool))
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
    size_t i;

    if (JSON_Type(faults) != JSON_ARRAY)
        return ferr(c, faults, "\"faults\": expected an array");
    for (i = 0; i < JSON_ArraySize(faults); i++) {
        const json_value *f = JSON_ArrayItem(faults, i), *op, *dom, *e;
        long long nth;
        int k;

        if (check_keys(c, f, keys, "a fault") ||
            get_int(c, f, "nth", 1, 1000000, 1, &nth))
            return -1;
        op = JSON_ObjectGet(f, "op");
        if (!op || JSON_Type(op) != JSON_STRING ||
            !sim_known_op(JSON_String(op)))
            return ferr(c, op ? op : f, "fault: \"op\" must name an hv "
                        "operation such as \"set_target\"");
        dom = JSON_ObjectGet(f, "domain");
        if (dom && JSON_Type(dom) != JSON_STRING)
            return ferr(c, dom, "fault: \"domain\" must be a string");
        e = JSON_ObjectGet(f, "error");
        k = e && JSON_Type(e) == JSON_STRING ?
            sim_fault_kind_parse(JSON_String(e)) : -1;
        if (k < 0)
            return ferr(c, e ? e : f, "fault: \"error\" must be one of fail, "
                        "vanish, nomem, busy, kill");
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
        if (sim_xs_set(s, JSON_ObjectKey(o, i), JSON_String(v)))
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
    if (!sim_dom_by_id(s, 0))
        return ferr(c, doms, "\"domains\" must include Domain-0 (domid 0)");
    for (n = 0; n < s->host.nr_nodes; n++)
        if (sim_node_used(s, n) > s->host.node_total_kib[n])
            return ferr(c, doms, "the domains need more memory than node %u "
                        "has", n);
    for (i = 0; i < s->nr_doms; i++) {
        char path[64];

        snprintf(path, sizeof(path), "/local/domain/%u/name",
                 s->doms[i].d.domid);
        sim_xs_set(s, path, s->doms[i].d.name);
        sim_xs_set_u64(s, s->doms[i].d.domid, "memory/target",
                       s->doms[i].d.target_kib);
        sim_xs_set_u64(s, s->doms[i].d.domid, "memory/static-max",
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
    sim_count_pool_domains(s);
    return 0;
}

/* XENSHIFT_SIM_REALTIME (sim_int.h): 1-1000, anything else is none. */
static unsigned realtime_pct(void)
{
    const char *v = getenv("XENSHIFT_SIM_REALTIME");
    char *end;
    long pct;

    if (!v || !*v)
        return 0;
    pct = strtol(v, &end, 10);
    return *end || pct < 1 || pct > 1000 ? 0 : (unsigned)pct;
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
    s->realtime_pct = realtime_pct();
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
