/*
 * record.h - what the host was before a transition changed it, and the
 * way back to exactly that.
 *
 * The executor records every field it may touch before its first
 * change: each domain's balloon target, maxmem, vCPUs online, hard and
 * soft affinity as set, node affinity and cpupool; each cpupool's
 * pCPUs and scheduler.  The way back (REC_Restore) puts those values
 * back field for field, then reads the host again and names every field
 * that still differs.  The journal carries the record (REC_Format*,
 * REC_Parse*), so that a process started after a crash restores the same
 * values.
 */
#ifndef XENSHIFT_RECORD_H
#define XENSHIFT_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "hv.h"

/* One domain as it was. */
typedef struct rec_domain {
    char name[HV_NAME_MAX];
    uint32_t domid;
    hv_dom_type type;
    uint64_t mem_kib;           /* only to tell a guest that stayed away */
    uint64_t target_kib;
    uint64_t maxmem_kib;
    unsigned vcpus;
    xs_cpumap hard;             /* as set, not as effective */
    xs_cpumap soft;
    uint64_t node_affinity;     /* as hv_domain.node_affinity */
    char pool[HV_NAME_MAX];     /* its cpupool, by name (ids change) */
    /*
     * The transition may change its memory and vCPUs (REC_MarkPlanned):
     * only then are they put back.  Pools and affinity are put back for
     * every domain, as a plan may re-pin domains it does not size.
     */
    bool planned;
} rec_domain;

/* One cpupool as it was. */
typedef struct rec_pool {
    char name[HV_NAME_MAX];
    char sched[16];
    xs_cpumap cpus;
} rec_pool;

typedef struct rec_record {
    bool taken;
    unsigned nr_cpus;
    uint64_t all_nodes;         /* the host's nodes, as a node mask */
    rec_domain *doms;
    size_t nr_doms;
    rec_pool *pools;
    size_t nr_pools;
} rec_record;

/* A field that is not what was recorded. */
typedef struct rec_diff {
    char domain[HV_NAME_MAX];   /* or "cpupool NAME" */
    char field[32];             /* "maxmem", "hard affinity", ... */
    char now[96];
    char was[96];
} rec_diff;

typedef struct rec_result {
    rec_diff *diffs;
    size_t nr_diffs;
    bool *vanished;             /* per recorded domain: gone meanwhile */
    bool read_failed;           /* the host could not be read at the end */
    xs_err why;                 /* when read_failed */
} rec_result;

typedef struct rec_opts {
    unsigned poll_ms;
    unsigned stuck_ms;          /* a balloon without progress this long */
    unsigned timeout_ms;        /* the longest a balloon is waited for */
    uint64_t tolerance_kib;     /* "at target" when this close */
    /*
     * Free memory a grow back may not take while others still shrink:
     * a grow that fits above it starts with the shrinks, the others
     * after them.
     */
    uint64_t reserve_kib;
} rec_opts;

typedef enum {
    REC_STEP_BEGIN,
    REC_STEP_DONE,
    REC_STEP_FAILED,
} rec_step_kind;

/* One change of the way back: domain "" for a cpupool step. */
typedef void rec_step_fn(void *ctx, rec_step_kind kind, const char *domain,
                         const char *msg);

void REC_Init(rec_record *r);
void REC_Dispose(rec_record *r);
/* Record every domain and cpupool of the host as they are now. */
int REC_Take(hv *h, rec_record *r, xs_err *err);
/*
 * The same record from a reading of the host made already (what
 * REC_Take reads: HV_GetHost, HV_ListPools, HV_ListDomains).
 */
int REC_FromHost(rec_record *r, const hv_host *host, const hv_pool *pools,
                 size_t nr_pools, const hv_domain *doms, size_t nr_doms,
                 xs_err *err);
const rec_domain *REC_FindDomain(const rec_record *r, const char *name);
/* The transition may change name's memory and vCPUs. */
void REC_MarkPlanned(rec_record *r, const char *name);

void REC_ResultInit(rec_result *res);
void REC_ResultDispose(rec_result *res);

/*
 * Put back every recorded field that differs now, then compare.
 * Returns 0 when the host equals the record (domains that vanished
 * aside), -1 otherwise: res names each difference.
 */
int REC_Restore(hv *h, const rec_record *r, const rec_opts *o,
                rec_step_fn *step, void *ctx, rec_result *res);
/* Read the host and list where it differs from r (res is reset). */
int REC_Compare(hv *h, const rec_record *r, uint64_t tolerance_kib,
                rec_result *res);
/* "vm3: maxmem 6 GiB, was 4 GiB" */
const char *REC_FormatDiff(const rec_diff *d, char *buf, size_t len);

/*
 * The record as text lines for the journal: a head, one line per pool,
 * one per domain.  Format returns -1 when the line does not fit in len
 * (or a pCPU list in REC_MAP_MAX): a cut line would parse as other
 * values.  Parse returns -1 on a malformed line, or a value too long.
 */
#define REC_MAP_MAX 1024
/* Fits xenstore's 4096-byte payload with its path. */
#define REC_LINE_MAX 3072
int REC_FormatHead(const rec_record *r, char *buf, size_t len);
int REC_FormatPool(const rec_pool *p, char *buf, size_t len);
int REC_FormatDomain(const rec_domain *d, char *buf, size_t len);
int REC_ParseHead(const char *s, rec_record *r);
int REC_ParsePool(const char *s, unsigned nr_cpus, rec_pool *p);
int REC_ParseDomain(const char *s, unsigned nr_cpus, rec_domain *d);

#endif
