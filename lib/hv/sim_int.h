/*
 * sim_int.h - the simulated host's insides, shared by the files of the
 * simulation only (hv_sim.c and sim_*.c, not sim_state.c): the handle's
 * state and the helpers one file of it gives the others.
 */
#ifndef XENSHIFT_SIM_INT_H
#define XENSHIFT_SIM_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "hv_sim.h"

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
    char *kill_save;            /* HVSIM_SaveOnKill's path, or NULL */
    /*
     * Xen's cpupool_moving_cpu: a pCPU whose removal from a pool was cut
     * short is in no pool, and only that pool takes it back; removing it
     * from that pool again finishes the removal.  Set by the "moving"
     * fault; not kept by HVSIM_Save.
     */
    bool moving_armed;
    bool moving;
    unsigned moving_cpu;
    uint32_t moving_pool;
    uint64_t now_ms;
    long long wall_start;
    /*
     * XENSHIFT_SIM_REALTIME=PCT: a time step with a balloon under way
     * also takes PCT% of it in real time, so that another process can
     * watch a transition (0: none, the default).
     */
    unsigned realtime_pct;
} sim;

static inline sim *S(hv *h)
{
    return (sim *)h;
}

/* hv_sim.c: the table of hv_ops, and closing a handle. */
extern const hv_ops sim_ops;
void sim_close(hv *h);
/* The live domain domid, or NULL. */
sim_dom *sim_dom_by_id(sim *s, uint32_t domid);
hv_pool *sim_pool_by_id(sim *s, uint32_t id);
/* Recount each pool's nr_domains. */
void sim_count_pool_domains(sim *s);

/* sim_xenstore.c */
xs_node *sim_xs_find(sim *s, const char *path);
/* Set path to val, firing the watches: 0 or HV_EFAIL. */
int sim_xs_set(sim *s, const char *path, const char *val);
/* /local/domain/<domid>/<leaf> = v, in decimal. */
void sim_xs_set_u64(sim *s, uint32_t domid, const char *leaf, uint64_t v);
/* Remove path and everything below it: 0 or HV_ENOENT. */
int sim_xs_rm_tree(sim *s, const char *path);
/* A change at path fires the watches on it, above it and below it. */
void sim_fire_watches(sim *s, const char *path);
int sim_xs_read(hv *h, const char *path, char **val);
int sim_xs_write(hv *h, const char *path, const char *val);
int sim_xs_remove(hv *h, const char *path);
int sim_xs_clear(hv *h, const char *path);
int sim_xs_directory(hv *h, const char *path, char ***names, size_t *nr);
int sim_xs_restrict(hv *h, const char *path);
int sim_xs_watch(hv *h, const char *path, const char *token);
int sim_xs_unwatch(hv *h, const char *path, const char *token);
int sim_xs_watch_fd(hv *h);
int sim_xs_read_watch(hv *h, char **path, char **token);

/* sim_memory.c */
uint64_t sim_node_used(const sim *s, unsigned node);
uint64_t sim_node_free(const sim *s, unsigned node);
uint64_t sim_host_free(const sim *s);
/* Every node of the host, as a node mask. */
uint64_t sim_all_nodes(const sim *s);
/*
 * Let ms of simulated time pass for every balloon: true when one was
 * under way (its memory not yet where its target takes it).
 */
bool sim_balloon_advance(sim *s, unsigned ms);

/* sim_faults.c */
/*
 * Count this call of op (for d, or NULL) and fire a fault when one is
 * due.  Returns 0 or the HV_E* code of the fault (with the error set).
 */
int sim_fault_check(sim *s, const char *op, sim_dom *d);
/* op names an hv operation that faults can be injected into. */
bool sim_known_op(const char *op);
/* A fault kind's name in a fixture ("fail", ...), and back (-1: none). */
const char *sim_fault_kind_name(hvsim_fault_kind k);
int sim_fault_kind_parse(const char *name);

#endif
