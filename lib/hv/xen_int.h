/*
 * xen_int.h - the real host's insides, shared by hv_xen.c and the
 * xen_*.c beside it only: the handle, the constants of libxl's and
 * Xen's that they rely on, and the helpers one file gives the others.
 * Nothing outside lib/hv/ includes Xen's headers.
 */
#ifndef XENSHIFT_XEN_INT_H
#define XENSHIFT_XEN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xencall.h>
#include <xenctrl.h>
#include <xenstore.h>
#include <xentoollog.h>

#include "hv.h"
#include "numadump.h"
#include "xenmove.h"

#define XEN_PAGE_KIB 4
/*
 * libxl's LIBXL_MAXMEM_CONSTANT (libxl_internal.h, not installed): libxl
 * always sets Xen's max 1 MiB above the memory it gives a domain.
 */
#define XEN_MAXMEM_SLACK_KIB 1024
/* Xen's XEN_INVALID_MAX_VCPU_ID (domctl.h, tools-only): no vCPUs yet. */
#define DOM_NO_VCPU_ID (~0U)

/*
 * The last debug-key 'u' dump.  A dump walks every domain's page list
 * under its lock and floods the console ring and the serial line (where
 * it can push out a line that mattered), so an ask within
 * NUMA_DUMP_REUSE_MS of the last dump reuses it when every domain asked
 * about is in it with the pages it has now; a direct move or a balloon
 * target forgets it.
 * The executor polls every 100 ms and reads placement per domain: one
 * dump a second at most serves a stage's domains together.
 */
#define NUMA_DUMP_REUSE_MS 1000

typedef struct numa_cache {
    numadump_dom *doms;
    size_t nr;
    uint64_t at_ms;             /* HV_NowMs when read; 0: none */
} numa_cache;

/* A xentoollog logger that keeps the first error since the last reset. */
typedef struct capture_logger {
    xentoollog_logger vtable;
    char first[512];
} capture_logger;

typedef struct xen {
    struct hv base;             /* must be first */
    capture_logger log;
    libxl_ctx *ctx;
    xc_interface *xch;
    struct xs_handle *xs;
    struct xs_handle *xs_watch; /* watches only, opened at the first */
    xmv *mover;                 /* direct page moves, opened when needed */
    int guarded;                /* -1 not asked yet, 0 stock Xen, 1 guard */
    int nr_nodes;               /* 0 not asked yet: a host's nodes stay */
    numa_cache numa;            /* see NUMA_DUMP_REUSE_MS */
} xen;

/* A domain looked up at the start of an operation. */
typedef struct dom_ref {
    uint32_t domid;
    char name[HV_NAME_MAX];
    libxl_dominfo info;
} dom_ref;

static inline xen *X(hv *h)
{
    return (xen *)h;
}

/* --- hv_xen.c ----------------------------------------------------------- */

/* Forget what libxl said before: called before each operation. */
void xen_begin(xen *x);
/* ": what libxl said" into buf, or "" when it said nothing. */
const char *xen_said(xen *x, char *buf, size_t len);
const char *xen_size_str(uint64_t kib, char *buf, size_t len);
/* A host-wide operation failed with libxl code lrc: HV_EINVAL or HV_EFAIL. */
int xen_host_fail(xen *x, int lrc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Why a domain that exists cannot be worked on, or NULL if it can. */
const char *xen_dom_gone_why(const libxl_dominfo *info);
/*
 * Look a domain up before working on it.  HV_ENODOMAIN when it does not
 * exist or no longer runs (crashed, shut down, dying).  what names the
 * operation for the message.  xen_dom_put disposes of it, also after
 * failure.
 */
int xen_dom_get(xen *x, uint32_t domid, dom_ref *d, const char *what);
void xen_dom_put(dom_ref *d);
/* Whether the domain went away (or stopped running): the reason, or NULL. */
const char *xen_dom_vanished(xen *x, uint32_t domid);
/*
 * An operation on d failed with libxl code lrc: say whether the domain
 * vanished meanwhile, else what libxl said.
 */
int xen_dom_fail(xen *x, const dom_ref *d, int lrc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void xen_to_cpumap(const libxl_bitmap *b, xs_cpumap *m);
/*
 * A libxl cpumap of the host's size.  -1 when it cannot be sized, or with
 * *bad_cpu set when m names a pCPU beyond it.
 */
int xen_from_cpumap(xen *x, const xs_cpumap *m, libxl_bitmap *b,
                    int *bad_cpu);
/* Every online pCPU: each is in exactly one cpupool or free. */
int xen_online_cpus(xen *x, xs_cpumap *m);
/* Whether this Xen has xenshift's move guard (asked once): 1 or 0. */
int xen_guarded(xen *x);

/* --- xen_domains.c ------------------------------------------------------ */

/* A domain's memory, target, maxmem and static max in libxl's units. */
void xen_fill_memory(xen *x, const libxl_dominfo *info, hv_domain *d);
int xen_list_domains(hv *h, hv_domain **doms, size_t *nr);
int xen_list_domains_again(hv *h, const hv_domain *before, size_t nr_before,
                           hv_domain **doms, size_t *nr);
int xen_get_domain(hv *h, uint32_t domid, hv_domain *out);
int xen_get_progress(hv *h, uint32_t domid, hv_dom_progress *out);
int xen_get_cpus(hv *h, uint32_t domid, hv_dom_cpus *out);
int xen_set_maxmem(hv *h, uint32_t domid, uint64_t kib);
int xen_set_target(hv *h, uint32_t domid, uint64_t kib);
int xen_set_vcpus_online(hv *h, uint32_t domid, unsigned nr);
int xen_set_affinity(hv *h, uint32_t domid, const xs_cpumap *hard,
                     const xs_cpumap *soft);

/* --- xen_pools.c -------------------------------------------------------- */

int xen_list_pools(hv *h, hv_pool **pools, size_t *nr);
/* One cpupool by id: 0, HV_ENOENT (message set) or another failure. */
int xen_pool_get(xen *x, uint32_t poolid, hv_pool *out, const char *what);
int xen_pool_create(hv *h, const char *name, const char *sched,
                    uint32_t *poolid);
int xen_pool_destroy(hv *h, uint32_t poolid);
int xen_pool_add_cpu(hv *h, uint32_t poolid, unsigned cpu);
int xen_pool_remove_cpu(hv *h, uint32_t poolid, unsigned cpu);
int xen_pool_move_domain(hv *h, uint32_t poolid, uint32_t domid);

/* --- xen_numa.c --------------------------------------------------------- */

/* Drop the cached 'u' dump: pages moved or a balloon target changed. */
void xen_numa_forget(xen *x);
int xen_get_node_memory(hv *h, hv_domain *doms, size_t nr);
int xen_set_node_affinity(hv *h, uint32_t domid, uint64_t want);
int xen_move_memory(hv *h, uint32_t domid, int node, uint64_t max_pages,
                    hv_move_result *res);

/* --- xen_xenstore.c ----------------------------------------------------- */

int xen_xs_read(hv *h, const char *path, char **val);
int xen_xs_write(hv *h, const char *path, const char *val);
int xen_xs_remove(hv *h, const char *path);
int xen_xs_clear(hv *h, const char *path);
int xen_xs_directory(hv *h, const char *path, char ***names, size_t *nr);
int xen_xs_restrict(hv *h, const char *path);
int xen_xs_watch(hv *h, const char *path, const char *token);
int xen_xs_unwatch(hv *h, const char *path, const char *token);
int xen_xs_watch_fd(hv *h);
int xen_xs_read_watch(hv *h, char **path, char **token);

#endif
