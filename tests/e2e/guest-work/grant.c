/* grant - a guest grants one page to a domain and keeps it granted.
 *
 *   grant DOMID
 *
 * Allocates one page granted writable to DOMID through Linux's
 * /dev/xen/gntalloc (module xen-gntalloc), maps it, fills it with the
 * pattern of pattern.h, finds its guest frame number in
 * /proc/self/pagemap (root only; for a PVH guest the pfn is the gfn) and
 * prints
 *   XS-GRANT gref=G gfn=0xPFN
 * SIGUSR1: checks the page,
 *   XS-GRANT-CHECK ok pattern=ok marker=seen gfn=0x..
 *   XS-GRANT-CHECK bad pattern=ok|bad(N words, first W: 0x..) marker=seen|absent(0x..) gfn=0x..
 * ("ok" needs both the pattern intact and dom0's marker, written by
 * grantmap at word 0).  SIGTERM: gives the grant up, XS-GRANT-END, exit 0.
 *
 * Static binary for a busybox guest: cc -static -O2 -Wall -Wextra -Werror */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pattern.h"

/* The ioctls of Linux's include/uapi/xen/gntalloc.h, defined here so no
 * kernel headers are needed; checked against the header when there. */
struct xs_gntalloc_alloc_gref {
    uint16_t domid;     /* IN: the domain given access */
    uint16_t flags;     /* IN: GNTALLOC_FLAG_WRITABLE */
    uint32_t count;     /* IN: pages */
    uint64_t index;     /* OUT: mmap offset */
    uint32_t gref_ids[1]; /* OUT: one grant reference per page */
};
struct xs_gntalloc_dealloc_gref {
    uint64_t index;
    uint32_t count;
};
#define XS_IOCTL_GNTALLOC_ALLOC_GREF \
    _IOC(_IOC_NONE, 'G', 5, sizeof(struct xs_gntalloc_alloc_gref))
#define XS_IOCTL_GNTALLOC_DEALLOC_GREF \
    _IOC(_IOC_NONE, 'G', 6, sizeof(struct xs_gntalloc_dealloc_gref))
#define XS_GNTALLOC_FLAG_WRITABLE 1

#if defined(__has_include)
#if __has_include(<xen/gntalloc.h>)
#include <xen/gntalloc.h>
_Static_assert(XS_IOCTL_GNTALLOC_ALLOC_GREF == IOCTL_GNTALLOC_ALLOC_GREF, "alloc ioctl");
_Static_assert(XS_IOCTL_GNTALLOC_DEALLOC_GREF == IOCTL_GNTALLOC_DEALLOC_GREF, "dealloc ioctl");
_Static_assert(XS_GNTALLOC_FLAG_WRITABLE == GNTALLOC_FLAG_WRITABLE, "flag");
_Static_assert(sizeof(struct xs_gntalloc_alloc_gref) == sizeof(struct ioctl_gntalloc_alloc_gref), "size");
_Static_assert(offsetof(struct xs_gntalloc_alloc_gref, index) == offsetof(struct ioctl_gntalloc_alloc_gref, index), "index");
_Static_assert(offsetof(struct xs_gntalloc_alloc_gref, gref_ids) == offsetof(struct ioctl_gntalloc_alloc_gref, gref_ids), "gref_ids");
_Static_assert(sizeof(struct xs_gntalloc_dealloc_gref) == sizeof(struct ioctl_gntalloc_dealloc_gref), "dealloc size");
#endif
#endif
_Static_assert(sizeof(struct xs_gntalloc_alloc_gref) == 24, "alloc layout");
_Static_assert(sizeof(struct xs_gntalloc_dealloc_gref) == 16, "dealloc layout");

#define DEV "/dev/xen/gntalloc"

static volatile sig_atomic_t got_usr1, got_term;

static void on_sig(int sig)
{
    if (sig == SIGUSR1)
        got_usr1 = 1;
    else
        got_term = 1;
}

/* The pfn behind a virtual address, from /proc/self/pagemap (0: none). */
static uint64_t pfn_of(const void *addr)
{
    uint64_t e = 0;
    long psz = sysconf(_SC_PAGESIZE);
    int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "grant: /proc/self/pagemap: %s\n", strerror(errno));
        return 0;
    }
    off_t off = (off_t)((uintptr_t)addr / (uintptr_t)psz) * 8;
    ssize_t r = pread(fd, &e, sizeof e, off);
    close(fd);
    if (r != (ssize_t)sizeof e) {
        fprintf(stderr, "grant: reading pagemap: %s\n", r < 0 ? strerror(errno) : "short read");
        return 0;
    }
    if (!(e >> 63)) {
        fprintf(stderr, "grant: the page is not present (pagemap 0x%016" PRIx64 ")\n", e);
        return 0;
    }
    e &= (UINT64_C(1) << 55) - 1;
    if (e == 0)
        fprintf(stderr, "grant: pagemap hides the pfn (not root?)\n");
    return e;
}

static void check(volatile uint64_t *w)
{
    unsigned first;
    unsigned bad = xs_grant_bad_words(w, &first);
    uint64_t w0 = w[0];
    char pat[96], mark[64];
    if (bad)
        snprintf(pat, sizeof pat, "bad(%u words, first %u: 0x%016" PRIx64 ")",
                 bad, first, w[first]);
    else
        snprintf(pat, sizeof pat, "ok");
    if (w0 == XS_GRANT_MARKER)
        snprintf(mark, sizeof mark, "seen");
    else
        snprintf(mark, sizeof mark, "absent(0x%016" PRIx64 ")", w0);
    printf("XS-GRANT-CHECK %s pattern=%s marker=%s gfn=0x%" PRIx64 "\n",
           !bad && w0 == XS_GRANT_MARKER ? "ok" : "bad", pat, mark,
           pfn_of((const void *)w));
}

int main(int argc, char **argv)
{
    char *end;
    unsigned long domid = argc == 2 ? strtoul(argv[1], &end, 10) : 0;
    if (argc != 2 || end == argv[1] || *end || domid >= 0x7ff0) {
        fprintf(stderr, "usage: grant DOMID\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sig;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    /* Signals are taken only inside sigsuspend(): no race with pause(). */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, &old);

    int fd = open(DEV, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "grant: %s: %s (is xen-gntalloc loaded?)\n", DEV, strerror(errno));
        return 1;
    }
    struct xs_gntalloc_alloc_gref a;
    memset(&a, 0, sizeof a);
    a.domid = (uint16_t)domid;
    a.flags = XS_GNTALLOC_FLAG_WRITABLE;
    a.count = 1;
    if (ioctl(fd, XS_IOCTL_GNTALLOC_ALLOC_GREF, &a) != 0) {
        fprintf(stderr, "grant: IOCTL_GNTALLOC_ALLOC_GREF: %s\n", strerror(errno));
        return 1;
    }
    volatile uint64_t *w = mmap(NULL, XS_GRANT_PAGE, PROT_READ | PROT_WRITE,
                                MAP_SHARED, fd, (off_t)a.index);
    if (w == MAP_FAILED) {
        fprintf(stderr, "grant: mmap: %s\n", strerror(errno));
        return 1;
    }
    xs_grant_fill(w);
    uint64_t pfn = pfn_of((const void *)w);
    if (!pfn)
        return 1;
    printf("XS-GRANT gref=%" PRIu32 " gfn=0x%" PRIx64 "\n", a.gref_ids[0], pfn);

    while (!got_term) {
        sigsuspend(&old);
        if (got_usr1) {
            got_usr1 = 0;
            check(w);
        }
    }
    munmap((void *)w, XS_GRANT_PAGE);
    struct xs_gntalloc_dealloc_gref d = { .index = a.index, .count = 1 };
    if (ioctl(fd, XS_IOCTL_GNTALLOC_DEALLOC_GREF, &d) != 0)
        fprintf(stderr, "grant: IOCTL_GNTALLOC_DEALLOC_GREF: %s\n", strerror(errno));
    close(fd);
    printf("XS-GRANT-END gref=%" PRIu32 "\n", a.gref_ids[0]);
    return 0;
}
