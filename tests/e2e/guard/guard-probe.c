/*
 * guard-probe DOMID NODE ORDER GFN... - issue one XEN_DOMCTL_relocate_memory
 * (xen-patches/, ABI in lib/hv/xen_relocate.h) from dom0 and print the result.
 *
 * Output, one line per extent, then a summary line:
 *   gfn 0x... status N (name)
 *   rc R errno E nr_moved M nr_busy B nr_done D version 0xV
 * R is the hypercall's return value (0 or -errno), E the errno libxencall
 * set (0 on success).  A status never written by Xen prints as "unset".
 * Xen continues a preempted call itself (privcmd), so D is the number of
 * extents when R is 0.
 *
 * Exit status: 0 the hypercall returned 0, 3 it returned -ENOSYS (a stock
 * Xen without the patch), 2 usage error, 1 anything else.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define __XEN_TOOLS__ 1         /* the domctl interface is for tools */
#include <xencall.h>
#include <xen/xen.h>
#include <xen/domctl.h>

#include "xen_relocate.h"


#define STATUS_UNSET INT32_MIN

static const char *status_name(int32_t st)
{
    switch ( st )
    {
    case XENMEM_RELOC_MOVED:   return "moved";
    case XENMEM_RELOC_THERE:   return "already-on-node";
    case XENMEM_RELOC_NOT_RAM: return "not-ram";
    case -EBUSY:               return "busy";
    case -ENOMEM:              return "no-memory";
    case -EINVAL:              return "misaligned";
    case STATUS_UNSET:         return "unset";
    default:                   return st < 0 ? strerror(-st) : "unknown";
    }
}

static int parse_u64(const char *s, uint64_t max, uint64_t *v)
{
    char *end;
    unsigned long long x;

    errno = 0;
    x = strtoull(s, &end, 0);
    if ( errno || end == s || *end || x > max || s[0] == '-' )
        return -1;
    *v = x;
    return 0;
}

static void usage(const char *prog)
{
    fprintf(stderr, "usage: %s DOMID NODE ORDER GFN...\n"
            "  one XEN_DOMCTL_relocate_memory (domctl %#x) call; ORDER 0 or 9,\n"
            "  GFN the first gfn of each extent (decimal or 0x hex)\n",
            prog, XENSHIFT_DOMCTL_relocate_memory);
}

int main(int argc, char **argv)
{
    struct xenshift_domctl *dc;
    struct xenshift_relocate_memory *op;
    xencall_handle *xch;
    uint64_t domid, node, order, *gfns;
    int32_t *status;
    unsigned int i, n;
    int ret, err, rc;

    if ( argc < 5 )
    {
        usage(argv[0]);
        return 2;
    }
    if ( parse_u64(argv[1], UINT16_MAX, &domid) ||
         parse_u64(argv[2], UINT32_MAX, &node) ||
         parse_u64(argv[3], UINT16_MAX, &order) )
    {
        usage(argv[0]);
        return 2;
    }
    /* Let Xen judge the count (-E2BIG), within reason. */
    n = argc - 4;
    if ( n > 65536 )
    {
        fprintf(stderr, "guard-probe: too many gfns\n");
        return 2;
    }

    xch = xencall_open(NULL, 0);
    if ( !xch )
    {
        fprintf(stderr, "guard-probe: xencall_open: %s\n", strerror(errno));
        return 1;
    }

    dc = xencall_alloc_buffer(xch, sizeof(*dc));
    gfns = xencall_alloc_buffer(xch, n * sizeof(*gfns));
    status = xencall_alloc_buffer(xch, n * sizeof(*status));
    if ( !dc || !gfns || !status )
    {
        fprintf(stderr, "guard-probe: xencall_alloc_buffer: %s\n",
                strerror(errno));
        return 1;
    }

    for ( i = 0; i < n; i++ )
    {
        if ( parse_u64(argv[4 + i], UINT64_MAX, &gfns[i]) )
        {
            usage(argv[0]);
            return 2;
        }
        status[i] = STATUS_UNSET;
    }

    memset(dc, 0, sizeof(*dc));
    dc->cmd = XENSHIFT_DOMCTL_relocate_memory;
    dc->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    dc->domain = domid;
    op = &dc->u.relocate;
    op->magic = XENSHIFT_RELOCATE_MAGIC;
    op->extent_order = order;
    op->node = node;
    op->nr_extents = n;
    op->gfn_list = (uint64_t)(uintptr_t)gfns;
    op->status = (uint64_t)(uintptr_t)status;

    ret = xencall1(xch, __HYPERVISOR_domctl, (uint64_t)(uintptr_t)dc);
    err = ret < 0 ? errno : 0;
    rc = ret < 0 ? -err : ret;

    for ( i = 0; i < n; i++ )
        printf("gfn 0x%" PRIx64 " status %" PRId32 " (%s)\n",
               gfns[i], status[i], status_name(status[i]));
    printf("rc %d errno %d nr_moved %" PRIu32 " nr_busy %" PRIu32
           " nr_done %" PRIu32 " version %#" PRIx32 "\n",
           rc, err, op->nr_moved, op->nr_busy, op->nr_done, op->version);
    fflush(stdout);

    xencall_free_buffer(xch, status);
    xencall_free_buffer(xch, gfns);
    xencall_free_buffer(xch, dc);
    xencall_close(xch);

    if ( rc == 0 )
        return 0;
    return rc == -ENOSYS ? 3 : 1;
}
