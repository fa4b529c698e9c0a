/*
 * sim_save.c - the simulated host written back as a fixture
 * (HVSIM_Save), and a saved host read into a running handle
 * (HVSIM_Load), so that processes share one host through a file
 * (sim_state.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "sim_int.h"

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

    if (nodes == sim_all_nodes(s)) {
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
        JSONW_KeyString(w, "error", sim_fault_kind_name(ft->kind));
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
        const xs_node *n = sim_xs_find(b, a->xs[i].path);

        if (!n || (changed && strcmp(n->val, a->xs[i].val)))
            sim_fire_watches(watcher, a->xs[i].path);
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
