/* grantmap - dom0 maps a page a guest granted (tests/e2e/guest-work/grant)
 * and holds the mapping, so a test can try to move that page meanwhile.
 *
 *   grantmap DOMID GREF SECONDS
 *
 * Maps grant GREF of DOMID writable (libxengnttab; needs xen-gntdev),
 * checks the guest's pattern (pattern.h) and prints
 *   XS-GRANTMAP pattern ok|bad ...
 * writes XS_GRANT_MARKER at offset 0, prints
 *   XS-GRANTMAP holding domid=D gref=G seconds=S
 * holds the mapping SECONDS seconds, unmaps, prints XS-GRANTMAP unmapped.
 * Exit 0; 1 on any failure (a bad pattern included: the marker is still
 * written and the mapping still held, so a test's timing does not change),
 * with the reason on stderr; 2 on bad usage.
 *
 * Dom0 binary: cc -O2 -Wall -Wextra -Werror grantmap.c -lxengnttab */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <xengnttab.h>

#include "pattern.h"

static unsigned long num(const char *what, const char *s, unsigned long max)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 0);
    if (errno || end == s || *end || v > max) {
        fprintf(stderr, "grantmap: bad %s '%s'\n", what, s);
        fprintf(stderr, "usage: grantmap DOMID GREF SECONDS\n");
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: grantmap DOMID GREF SECONDS\n");
        return 2;
    }
    uint32_t domid = (uint32_t)num("DOMID", argv[1], 0x7fef);
    uint32_t gref = (uint32_t)num("GREF", argv[2], UINT32_MAX);
    unsigned long secs = num("SECONDS", argv[3], 86400);
    setvbuf(stdout, NULL, _IOLBF, 0);

    xengnttab_handle *xgt = xengnttab_open(NULL, 0);
    if (!xgt) {
        fprintf(stderr, "grantmap: xengnttab_open: %s (is xen-gntdev loaded?)\n",
                strerror(errno));
        return 1;
    }
    volatile uint64_t *w = xengnttab_map_grant_ref(xgt, domid, gref,
                                                   PROT_READ | PROT_WRITE);
    if (!w) {
        fprintf(stderr, "grantmap: mapping grant %" PRIu32 " of domain %" PRIu32
                " writable: %s\n", gref, domid, strerror(errno));
        xengnttab_close(xgt);
        return 1;
    }
    int rc = 0;
    unsigned first;
    unsigned bad = xs_grant_bad_words(w, &first);
    uint64_t w0 = w[0];
    if (bad) {
        printf("XS-GRANTMAP pattern bad words=%u first=%u got=0x%016" PRIx64
               " want=0x%016" PRIx64 "\n", bad, first, w[first], xs_grant_word(first));
        fprintf(stderr, "grantmap: grant %" PRIu32 " of domain %" PRIu32
                " does not hold the guest's pattern (%u words differ)\n",
                gref, domid, bad);
        rc = 1;
    } else {
        printf("XS-GRANTMAP pattern ok word0=%s\n",
               w0 == XS_GRANT_UNMARKED ? "unmarked" :
               w0 == XS_GRANT_MARKER ? "marked" : "other");
    }
    w[0] = XS_GRANT_MARKER;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    printf("XS-GRANTMAP holding domid=%" PRIu32 " gref=%" PRIu32 " seconds=%lu\n",
           domid, gref, secs);

    struct timespec ts = { (time_t)secs, 0 };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
    if (w[0] != XS_GRANT_MARKER) {
        fprintf(stderr, "grantmap: the marker at offset 0 changed to 0x%016" PRIx64
                " while mapped\n", w[0]);
        rc = 1;
    }
    if (xengnttab_unmap(xgt, (void *)w, 1) != 0) {
        fprintf(stderr, "grantmap: xengnttab_unmap: %s\n", strerror(errno));
        rc = 1;
    }
    xengnttab_close(xgt);
    printf("XS-GRANTMAP unmapped\n");
    return rc;
}
