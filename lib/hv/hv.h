/*
 * hv.h - the one interface between xenshift's policy and a hypervisor.
 *
 * Everything that reads or changes the host goes through an hv handle.
 * Two drivers sit behind it, chosen when the handle is opened:
 *
 *   hv_xen.c  the real host: libxl, libxenctrl beneath what libxl lacks,
 *             libxenstore;
 *   hv_sim.c  a deterministic model host loaded from a JSON fixture
 *             (balloon speeds, stuck guests, busy grants, injected
 *             faults, a simulated clock), for tests and what-if planning.
 *
 * Conventions: memory is in KiB (as libxl counts it); functions return
 * 0 or a negative HV_E* code and fill the handle's last error, which
 * names the domain and the operation.  Nothing here waits for a guest:
 * waiting and deciding that a guest is stuck is the executor's job.
 */
#ifndef XENSHIFT_HV_H
#define XENSHIFT_HV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpumap.h"
#include "err.h"

#define HV_MAX_NODES 64
#define HV_NAME_MAX 64
#define HV_NO_NODE (-1)

enum {
    HV_OK = 0,
    HV_EFAIL = -1,      /* the operation failed; see the last error */
    HV_ENODOMAIN = -2,  /* the domain does not exist (or vanished) */
    HV_EINVAL = -3,     /* bad argument (e.g. more vCPUs than max) */
    HV_ENOSYS = -4,     /* this host cannot do that (e.g. unguarded Xen) */
    HV_EBUSY = -5,      /* a resource is in use; try again later */
    HV_ENOMEM = -6,     /* not enough free host memory */
    HV_ENOENT = -7,     /* no such xenstore node / cpupool */
};

typedef enum {
    HV_DOM_PV,
    HV_DOM_PVH,
    HV_DOM_HVM,
} hv_dom_type;

/* Host topology and memory. */
typedef struct hv_host {
    unsigned nr_cpus;                   /* pCPUs online */
    unsigned nr_nodes;                  /* NUMA nodes (>= 1) */
    int cpu_to_node[HV_MAX_CPUS];       /* HV_NO_NODE when unknown */
    uint64_t total_kib;
    uint64_t free_kib;                  /* free in Xen's heap */
    uint64_t node_total_kib[HV_MAX_NODES];
    uint64_t node_free_kib[HV_MAX_NODES];
    bool guarded;                       /* hypervisor has the move guard */
} hv_host;

/* A cpupool. Pool 0 ("Pool-0") always exists and holds dom0. */
typedef struct hv_pool {
    uint32_t id;
    char name[HV_NAME_MAX];
    char sched[16];                     /* "credit", "credit2", ... */
    xs_cpumap cpus;
    unsigned nr_domains;
} hv_pool;

/* A running domain as the host sees it now. */
typedef struct hv_domain {
    uint32_t domid;
    char name[HV_NAME_MAX];
    hv_dom_type type;
    uint64_t mem_kib;                   /* memory it has now (page count) */
    uint64_t target_kib;                /* balloon target */
    uint64_t maxmem_kib;                /* Xen's limit */
    uint64_t static_max_kib;            /* largest it was built for */
    uint64_t video_kib;                 /* counted in target_kib (Xen) */
    unsigned vcpus_online;
    unsigned vcpus_max;
    uint32_t pool;                      /* cpupool id */
    xs_cpumap hard_affinity;            /* union over its vCPUs, as set */
    xs_cpumap soft_affinity;            /* (not clipped to its cpupool) */
    uint64_t node_affinity; /* bit n: Xen may place pages on node n; all nodes' bits set: no preference */
    /* Memory per NUMA node; node_known is false when unavailable. */
    bool node_known;
    uint64_t node_mem_kib[HV_MAX_NODES];
} hv_domain;

typedef struct hv hv;

/* Result of one page-relocation round (see HV_MoveMemory). */
typedef struct hv_move_result {
    uint64_t moved_pages;
    uint64_t busy_pages;                /* refused by the guard: under I/O */
    uint64_t nomem_pages;               /* no free frame on the node */
    uint64_t longest_pause_us;
} hv_move_result;

/* Open the real host. Returns NULL with err filled when Xen is absent. */
hv *HV_OpenXen(xs_err *err);
/* Open a simulated host from a fixture file (see sim_fixture.c). */
hv *HV_OpenSim(const char *fixture_path, xs_err *err);
void HV_Close(hv *h);

/* "xen" or "sim". */
const char *HV_DriverName(const hv *h);
/* The last error set by a call on this handle. */
const xs_err *HV_LastError(const hv *h);

/* Host and domains.  HV_ListDomains returns a malloc'd array (free()). */
int HV_GetHost(hv *h, hv_host *out);
int HV_ListPools(hv *h, hv_pool **pools, size_t *nr);
int HV_ListDomains(hv *h, hv_domain **doms, size_t *nr);  /* dom0 included */
int HV_GetDomain(hv *h, uint32_t domid, hv_domain *out);
/*
 * HV_ListDomains again, a moment after an earlier list (before): a
 * domain there under the same domid keeps before's name, type and video
 * RAM, which never change while it runs (a rename aside), and are then
 * not read from xenstore again.  Everything a transition, or anyone else,
 * changes in a domain (memory, balloon target, limits, vCPUs, cpupool,
 * affinities) is read anew, and domains that came or went are seen.  A
 * driver without its own way lists as HV_ListDomains does.
 */
int HV_ListDomainsAgain(hv *h, const hv_domain *before, size_t nr_before,
                        hv_domain **doms, size_t *nr);
/*
 * What a running step waits for, read as cheaply as the driver can (the
 * executor looks every poll_ms): memory and vCPUs online, counted as
 * HV_GetDomain counts them.  HV_ENODOMAIN when it no longer runs.  A
 * driver without its own way reads the whole domain.
 */
typedef struct hv_dom_progress {
    uint64_t mem_kib;
    unsigned vcpus_online;
} hv_dom_progress;
int HV_GetProgress(hv *h, uint32_t domid, hv_dom_progress *out);
/*
 * What a pCPU step changes, read without xenstore (the executor checks
 * each pool move and pin with it, some while dom0 has lost pCPUs to the
 * new pool): the cpupool and the affinities, as HV_GetDomain reports
 * them.  HV_ENODOMAIN when it no longer runs.  A driver without its own
 * way reads the whole domain.
 */
typedef struct hv_dom_cpus {
    uint32_t pool;
    xs_cpumap hard_affinity;
    xs_cpumap soft_affinity;
} hv_dom_cpus;
int HV_GetCpus(hv *h, uint32_t domid, hv_dom_cpus *out);
/* Look a domain up by name; HV_ENODOMAIN when none runs. */
int HV_FindDomain(hv *h, const char *name, hv_domain *out);

/* Memory. */
int HV_SetMaxmem(hv *h, uint32_t domid, uint64_t kib);
int HV_SetTarget(hv *h, uint32_t domid, uint64_t kib);

/* vCPUs and affinity (applied to every vCPU of the domain). */
int HV_SetVcpusOnline(hv *h, uint32_t domid, unsigned nr);
int HV_SetAffinity(hv *h, uint32_t domid, const xs_cpumap *hard,
                   const xs_cpumap *soft);

/* Cpupools. */
int HV_PoolCreate(hv *h, const char *name, const char *sched,
                  uint32_t *poolid);
int HV_PoolDestroy(hv *h, uint32_t poolid);
int HV_PoolAddCpu(hv *h, uint32_t poolid, unsigned cpu);
int HV_PoolRemoveCpu(hv *h, uint32_t poolid, unsigned cpu);
/* Moving resets the domain's affinity in Xen: callers re-pin after. */
int HV_PoolMoveDomain(hv *h, uint32_t poolid, uint32_t domid);

/*
 * Memory placement.  HV_SetNodeAffinity steers where new pages come from.
 * HV_MoveMemory moves up to max_pages of the domain's pages to node,
 * going on where its last call stopped; a call that moves nothing has
 * offered every page once (what stayed is counted as busy or nomem).
 * HV_ENOSYS on a hypervisor without the guard.
 */
int HV_SetNodeAffinity(hv *h, uint32_t domid, int node);
/*
 * The whole node mask, as hv_domain.node_affinity reads it (bits of
 * nodes the host lacks are ignored; every node's bit: no preference).
 */
int HV_SetNodeMask(hv *h, uint32_t domid, uint64_t nodes);
int HV_MoveMemory(hv *h, uint32_t domid, int node, uint64_t max_pages,
                  hv_move_result *res);

/*
 * Fill node_known and node_mem_kib of doms (as HV_ListDomains gave
 * them) where the driver can tell where their memory lies.  On Xen
 * with more than one node this asks the hypervisor for a NUMA dump
 * (debug key 'u', which also shows in `xl dmesg`): callers ask only
 * when a phase names a node, not on every look at the host.
 */
int HV_GetNodeMemory(hv *h, hv_domain *doms, size_t nr);

/* Xenstore.  HV_XsRead returns a malloc'd string (free()). */
int HV_XsRead(hv *h, const char *path, char **val);
int HV_XsWrite(hv *h, const char *path, const char *val);
int HV_XsRemove(hv *h, const char *path);
/*
 * path and everything below it gone, whether or not it was there: one
 * request on Xen, where HV_XsRemove reads first to tell HV_ENOENT.
 */
int HV_XsClear(hv *h, const char *path);
/*
 * The children of path, as a malloc'd array of malloc'd names
 * (HV_FreeNames); HV_ENOENT when path does not exist.
 */
int HV_XsDirectory(hv *h, const char *path, char ***names, size_t *nr);
void HV_FreeNames(char **names, size_t nr);
/*
 * Create path if needed and make it (and what is created below it
 * later) readable and writable by dom0 only: a guest can neither ask
 * for a phase nor forge an answer.
 */
int HV_XsRestrict(hv *h, const char *path);

/*
 * Xenstore watches.  An event is queued when path or a node below it
 * changes, and once when the watch is set (as xenstored does).
 * HV_XsWatchFd is readable while events are queued (-1 before the first
 * watch); HV_XsReadWatch takes one: 1 with path and token malloc'd, 0
 * when none is queued, or an HV_E* code.
 */
int HV_XsWatch(hv *h, const char *path, const char *token);
int HV_XsUnwatch(hv *h, const char *path, const char *token);
int HV_XsWatchFd(hv *h);
int HV_XsReadWatch(hv *h, char **path, char **token);

/* Time: real on Xen, simulated (advanced only by sleeps) in the sim. */
uint64_t HV_NowMs(hv *h);
void HV_SleepMs(hv *h, unsigned ms);
/* Milliseconds since the epoch: the real clock, or the simulated one. */
long long HV_WallMs(hv *h);

const char *HV_DomTypeName(hv_dom_type t);
/* The pool of v (as HV_ListPools gave them) with this id or name, or NULL. */
const hv_pool *HV_PoolById(const hv_pool *v, size_t n, uint32_t id);
const hv_pool *HV_PoolByName(const hv_pool *v, size_t n, const char *name);
/* Human text for an HV_E* code. */
const char *HV_StrError(int rc);

/*
 * Driver interface.  A driver fills an hv_ops table; hv.c dispatches,
 * clears the error before each call and checks arguments once.
 */
typedef struct hv_ops {
    const char *name;
    void (*close)(hv *h);
    int (*get_host)(hv *h, hv_host *out);
    int (*list_pools)(hv *h, hv_pool **pools, size_t *nr);
    int (*list_domains)(hv *h, hv_domain **doms, size_t *nr);
    int (*list_domains_again)(hv *h, const hv_domain *before,
                              size_t nr_before, hv_domain **doms,
                              size_t *nr);
    int (*get_domain)(hv *h, uint32_t domid, hv_domain *out);
    int (*get_progress)(hv *h, uint32_t domid, hv_dom_progress *out);
    int (*get_cpus)(hv *h, uint32_t domid, hv_dom_cpus *out);
    int (*set_maxmem)(hv *h, uint32_t domid, uint64_t kib);
    int (*set_target)(hv *h, uint32_t domid, uint64_t kib);
    int (*set_vcpus_online)(hv *h, uint32_t domid, unsigned nr);
    int (*set_affinity)(hv *h, uint32_t domid, const xs_cpumap *hard,
                        const xs_cpumap *soft);
    int (*pool_create)(hv *h, const char *name, const char *sched,
                       uint32_t *poolid);
    int (*pool_destroy)(hv *h, uint32_t poolid);
    int (*pool_add_cpu)(hv *h, uint32_t poolid, unsigned cpu);
    int (*pool_remove_cpu)(hv *h, uint32_t poolid, unsigned cpu);
    int (*pool_move_domain)(hv *h, uint32_t poolid, uint32_t domid);
    int (*set_node_affinity)(hv *h, uint32_t domid, uint64_t nodes);
    int (*move_memory)(hv *h, uint32_t domid, int node, uint64_t max_pages,
                       hv_move_result *res);
    int (*get_node_memory)(hv *h, hv_domain *doms, size_t nr);
    int (*xs_read)(hv *h, const char *path, char **val);
    int (*xs_write)(hv *h, const char *path, const char *val);
    int (*xs_remove)(hv *h, const char *path);
    int (*xs_clear)(hv *h, const char *path);
    int (*xs_directory)(hv *h, const char *path, char ***names, size_t *nr);
    int (*xs_restrict)(hv *h, const char *path);
    int (*xs_watch)(hv *h, const char *path, const char *token);
    int (*xs_unwatch)(hv *h, const char *path, const char *token);
    int (*xs_watch_fd)(hv *h);
    int (*xs_read_watch)(hv *h, char **path, char **token);
    uint64_t (*now_ms)(hv *h);
    void (*sleep_ms)(hv *h, unsigned ms);
    long long (*wall_ms)(hv *h);
} hv_ops;

/*
 * What the operations cost, counted only when asked (HV_TimesStart): a
 * diagnostic for where a command's time goes on a real host.
 */
#define HV_TIMES_MAX 40

typedef struct hv_op_time {
    const char *op;             /* the hv_ops member's name */
    unsigned calls;
    uint64_t us;                /* wall time inside the driver */
} hv_op_time;

/* One call, in the order made: the first HV_TIMES_CALLS_MAX are kept. */
#define HV_TIMES_CALLS_MAX 256

typedef struct hv_op_call {
    const char *op;
    uint64_t at_us;             /* its start, after HV_TimesStart */
    uint64_t us;
} hv_op_call;

typedef struct hv_times {
    size_t nr;
    hv_op_time ops[HV_TIMES_MAX];
    uint64_t start_us;          /* CLOCK_MONOTONIC at HV_TimesStart */
    size_t nr_calls;            /* all calls, kept or not */
    hv_op_call calls[HV_TIMES_CALLS_MAX];
} hv_times;

/* Count every operation's calls and time from now on: 0, or -1. */
int HV_TimesStart(hv *h);
/* Counted from now again, from nothing (no-op unless started). */
void HV_TimesRestart(hv *h);
/* The counts so far, in the order of each operation's first call. */
const hv_times *HV_Times(const hv *h);

/* The common head of every driver's handle. */
struct hv {
    const hv_ops *ops;
    xs_err err;
    hv_times *times;            /* NULL unless HV_TimesStart */
};

#endif
