/* memcheck - a guest workload that notices memory or disk contents
 * changing underneath it (e.g. an update lost while the hypervisor moves
 * the guest's memory to another NUMA node).
 *
 *   memcheck MIB [DISKDEV DISKMIB]
 *
 * Pass g = 1, 2, ...: every 4 KiB page of an MIB MiB buffer is checked to
 * still hold generation g-1 exactly, then rewritten with generation g.
 * With a disk, DISKMIB MiB of DISKDEV are done the same way with O_DIRECT,
 * and every block written is read back and checked at once.  A page (or
 * block) is 512 64-bit words: a tag (memory or disk), its index, its
 * generation, 508 words derived from (tag, index, generation), and a
 * checksum of the 511 before it; the check compares every word against
 * what it must be and the checksum against the contents, so a stale page
 * (a whole old generation: checksum still right) and a torn one
 * (checksum wrong) are both caught and told apart.
 *
 * Every pass prints
 *   XS-MEMCHECK pass=N pages=P bad=B disk_blocks=D disk_bad=E
 * (P and D: pages and blocks per pass; B and E: bad ones since the start)
 * and the first bad page (block) once:
 *   XS-MEMCHECK-BAD page=I word=W want=0x.. got=0x.. gen_want=G gen_got=H sum=ok|bad
 *   XS-MEMCHECK-DISK-BAD block=I word=W want=0x.. got=0x.. gen_want=G gen_got=H sum=ok|bad
 * (an I/O error: XS-MEMCHECK-DISK-ERR once; its blocks count as bad).
 * SIGUSR1: the pass under way is finished, every page and block is
 * checked once more against it, then
 *   XS-MEMCHECK-FINAL pass=N pages=P bad=B disk_bad=E
 * and exit 0 when both counts are 0, else 1.  200 ms pause between passes.
 *
 * Test hook: XS_MEMCHECK_CORRUPT=mem (or 1) flips a byte of one page after
 * pass 2, =stale puts one page back to generation 1 after pass 2 (a lost
 * update), =disk flips a byte of one disk block after pass 2.
 *
 * Static binary for a busybox guest: cc -static -O2 -Wall -Wextra -Werror */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define UNIT 4096u                  /* page and disk block */
#define WORDS (UNIT / 8u)
#define SUMW (WORDS - 1)            /* the checksum's word */
#define CHUNK_UNITS 64u             /* disk I/O size: 256 KiB */
#define TAG_MEM UINT64_C(0x58534d454d504147) /* "XSMEMPAG" */
#define TAG_DISK UINT64_C(0x58534449534b424c) /* "XSDISKBL" */

static volatile sig_atomic_t want_final;

static void on_usr1(int sig)
{
    (void)sig;
    want_final = 1;
}

/* One line, one write(): lines of other programs on the same console
 * are not cut into. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof buf - 2)
        n = sizeof buf - 2;
    buf[n++] = '\n';
    for (char *p = buf; n > 0;) {
        ssize_t w = write(1, p, (size_t)n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (int)w;
    }
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

static uint64_t checksum(const volatile uint64_t *p)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (unsigned w = 0; w < SUMW; w++)
        h = (h ^ p[w]) * UINT64_C(0x100000001b3);
    return h ^ (h >> 32);
}

/* Word w of unit idx in generation g (w < SUMW). */
static inline uint64_t expect(uint64_t tag, uint64_t idx, uint64_t g,
                              uint64_t base, unsigned w)
{
    switch (w) {
    case 0: return tag;
    case 1: return idx;
    case 2: return g;
    default: return base ^ ((uint64_t)w * UINT64_C(0x9e3779b97f4a7c15));
    }
}

static uint64_t base_of(uint64_t tag, uint64_t idx, uint64_t g)
{
    return mix(mix(tag ^ idx) + g * UINT64_C(0x9e3779b97f4a7c15));
}

static void fill(uint64_t *p, uint64_t tag, uint64_t idx, uint64_t g)
{
    uint64_t base = base_of(tag, idx, g);
    for (unsigned w = 0; w < SUMW; w++)
        p[w] = expect(tag, idx, g, base, w);
    p[SUMW] = checksum(p);
}

struct mismatch {
    unsigned word;
    uint64_t want, got, gen_got;
    int sum_ok;
};

/* 0 when unit idx holds generation g exactly; else 1 and *m says how. */
static int check(const volatile uint64_t *p, uint64_t tag, uint64_t idx,
                 uint64_t g, struct mismatch *m)
{
    uint64_t base = base_of(tag, idx, g);
    int bad = 0;
    for (unsigned w = 0; w < SUMW && !bad; w++) {
        uint64_t got = p[w];
        uint64_t want = expect(tag, idx, g, base, w);
        if (got != want) {
            bad = 1;
            m->word = w;
            m->want = want;
            m->got = got;
        }
    }
    uint64_t sum = checksum(p);
    uint64_t stored = p[SUMW];
    if (!bad) {
        uint64_t want = sum; /* contents right: the stored sum must be too */
        if (stored != want) {
            bad = 1;
            m->word = SUMW;
            m->want = want;
            m->got = stored;
        }
    }
    if (bad) {
        m->gen_got = p[2];
        m->sum_ok = stored == sum;
    }
    return bad;
}

static struct {
    uint64_t *mem;
    size_t pages;
    uint64_t bad;
    int said_bad;
    int fd;
    const char *dev;
    size_t blocks;
    uint64_t disk_bad;
    int said_disk_bad, said_disk_err;
    uint64_t *io, *back; /* CHUNK_UNITS units each, aligned for O_DIRECT */
} s = { .fd = -1 };

static void page_bad(size_t i, uint64_t g, const struct mismatch *m)
{
    s.bad++;
    if (!s.said_bad) {
        s.said_bad = 1;
        say("XS-MEMCHECK-BAD page=%zu word=%u want=0x%016" PRIx64
            " got=0x%016" PRIx64 " gen_want=%" PRIu64 " gen_got=%" PRIu64
            " sum=%s", i, m->word, m->want, m->got, g, m->gen_got,
            m->sum_ok ? "ok" : "bad");
    }
}

static void block_bad(size_t i, uint64_t g, const struct mismatch *m)
{
    s.disk_bad++;
    if (!s.said_disk_bad) {
        s.said_disk_bad = 1;
        say("XS-MEMCHECK-DISK-BAD block=%zu word=%u want=0x%016" PRIx64
            " got=0x%016" PRIx64 " gen_want=%" PRIu64 " gen_got=%" PRIu64
            " sum=%s", i, m->word, m->want, m->got, g, m->gen_got,
            m->sum_ok ? "ok" : "bad");
    }
}

static void disk_err(const char *what, size_t first, size_t n, int err)
{
    s.disk_bad += n;
    if (!s.said_disk_err) {
        s.said_disk_err = 1;
        say("XS-MEMCHECK-DISK-ERR %s block=%zu count=%zu: %s", what, first,
            n, err ? strerror(err) : "short transfer");
    }
}

/* Whole-length O_DIRECT transfer at unit `first`; 0 or an errno (-1:
 * short). */
static int xfer(int write_it, void *buf, size_t first, size_t n)
{
    size_t len = n * UNIT;
    off_t off = (off_t)first * UNIT;
    ssize_t r;
    do
        r = write_it ? pwrite(s.fd, buf, len, off) : pread(s.fd, buf, len, off);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return errno;
    return (size_t)r == len ? 0 : -1;
}

static void mem_pass(uint64_t g)
{
    struct mismatch m;
    for (size_t i = 0; i < s.pages; i++) {
        uint64_t *p = s.mem + i * WORDS;
        if (g > 1 && check(p, TAG_MEM, i, g - 1, &m))
            page_bad(i, g - 1, &m);
        fill(p, TAG_MEM, i, g);
    }
}

static void disk_pass(uint64_t g)
{
    struct mismatch m;
    for (size_t first = 0; first < s.blocks; first += CHUNK_UNITS) {
        size_t n = s.blocks - first < CHUNK_UNITS ? s.blocks - first : CHUNK_UNITS;
        int e;
        if (g > 1) {
            if ((e = xfer(0, s.io, first, n)) != 0) {
                disk_err("read", first, n, e > 0 ? e : 0);
            } else {
                for (size_t k = 0; k < n; k++)
                    if (check(s.io + k * WORDS, TAG_DISK, first + k, g - 1, &m))
                        block_bad(first + k, g - 1, &m);
            }
        }
        for (size_t k = 0; k < n; k++)
            fill(s.io + k * WORDS, TAG_DISK, first + k, g);
        if ((e = xfer(1, s.io, first, n)) != 0) {
            disk_err("write", first, n, e > 0 ? e : 0);
            continue;
        }
        if ((e = xfer(0, s.back, first, n)) != 0) {
            disk_err("read-back", first, n, e > 0 ? e : 0);
            continue;
        }
        for (size_t k = 0; k < n; k++)
            if (check(s.back + k * WORDS, TAG_DISK, first + k, g, &m))
                block_bad(first + k, g, &m);
    }
}

/* Everything checked against generation g, nothing written. */
static void final_check(uint64_t g)
{
    struct mismatch m;
    for (size_t i = 0; i < s.pages; i++)
        if (check(s.mem + i * WORDS, TAG_MEM, i, g, &m))
            page_bad(i, g, &m);
    for (size_t first = 0; first < s.blocks; first += CHUNK_UNITS) {
        size_t n = s.blocks - first < CHUNK_UNITS ? s.blocks - first : CHUNK_UNITS;
        int e = xfer(0, s.io, first, n);
        if (e) {
            disk_err("read", first, n, e > 0 ? e : 0);
            continue;
        }
        for (size_t k = 0; k < n; k++)
            if (check(s.io + k * WORDS, TAG_DISK, first + k, g, &m))
                block_bad(first + k, g, &m);
    }
}

/* The test hook (see the top). */
static void corrupt(const char *how, uint64_t g)
{
    if (!strcmp(how, "1") || !strcmp(how, "mem")) {
        volatile unsigned char *b = (unsigned char *)(s.mem + (s.pages / 2) * WORDS);
        b[100] ^= 0x40;
        say("XS-MEMCHECK-HOOK flipped a byte of page %zu", s.pages / 2);
    } else if (!strcmp(how, "stale")) {
        fill(s.mem + (s.pages / 2) * WORDS, TAG_MEM, s.pages / 2, g - 1);
        say("XS-MEMCHECK-HOOK page %zu back to generation %" PRIu64,
            s.pages / 2, g - 1);
    } else if (!strcmp(how, "disk") && s.fd >= 0) {
        size_t blk = s.blocks / 2;
        if (xfer(0, s.io, blk, 1) == 0) {
            ((unsigned char *)s.io)[100] ^= 0x40;
            if (xfer(1, s.io, blk, 1) == 0)
                say("XS-MEMCHECK-HOOK flipped a byte of disk block %zu", blk);
        }
    }
}

static unsigned long parse(const char *what, const char *arg)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(arg, &end, 10);
    if (errno || end == arg || *end || v == 0 || v > (1ul << 20)) {
        fprintf(stderr, "memcheck: bad %s '%s' (a positive number of MiB)\n", what, arg);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 4) {
        fprintf(stderr, "usage: memcheck MIB [DISKDEV DISKMIB]\n");
        return 2;
    }
    unsigned long mib = parse("MIB", argv[1]);
    unsigned long disk_mib = argc == 4 ? parse("DISKMIB", argv[3]) : 0;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1; /* no SA_RESTART: the pause ends at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);

    size_t len = mib << 20;
    s.mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (s.mem == MAP_FAILED) {
        fprintf(stderr, "memcheck: cannot map %lu MiB: %s\n", mib, strerror(errno));
        return 2;
    }
    s.pages = len / UNIT;
    const char *locked = "ok";
    if (mlock(s.mem, len) != 0)
        locked = strerror(errno);

    if (argc == 4) {
        s.dev = argv[2];
        s.blocks = (size_t)(disk_mib << 20) / UNIT;
        s.fd = open(s.dev, O_RDWR | O_CREAT | O_DIRECT | O_CLOEXEC, 0600);
        if (s.fd < 0) {
            fprintf(stderr, "memcheck: cannot open %s with O_DIRECT: %s\n",
                    s.dev, strerror(errno));
            return 2;
        }
        struct stat st;
        off_t size = lseek(s.fd, 0, SEEK_END);
        if (fstat(s.fd, &st) == 0 && S_ISREG(st.st_mode) &&
            size < (off_t)(disk_mib << 20) &&
            ftruncate(s.fd, (off_t)(disk_mib << 20)) == 0)
            size = (off_t)(disk_mib << 20);
        if (size < (off_t)(disk_mib << 20)) {
            fprintf(stderr, "memcheck: %s has %lld bytes, fewer than %lu MiB\n",
                    s.dev, (long long)size, disk_mib);
            return 2;
        }
        if (posix_memalign((void **)&s.io, UNIT, CHUNK_UNITS * UNIT) ||
            posix_memalign((void **)&s.back, UNIT, CHUNK_UNITS * UNIT)) {
            fprintf(stderr, "memcheck: out of memory\n");
            return 2;
        }
    }
    const char *hook = getenv("XS_MEMCHECK_CORRUPT");

    say("XS-MEMCHECK start mib=%lu pages=%zu mlock=%s disk=%s disk_mib=%lu "
        "disk_blocks=%zu pid=%ld", mib, s.pages, locked, s.dev ? s.dev : "-",
        disk_mib, s.blocks, (long)getpid());

    for (uint64_t g = 1;; g++) {
        mem_pass(g);
        if (s.fd >= 0)
            disk_pass(g);
        if (hook && *hook && g == 2)
            corrupt(hook, g);
        say("XS-MEMCHECK pass=%" PRIu64 " pages=%zu bad=%" PRIu64
            " disk_blocks=%zu disk_bad=%" PRIu64, g, s.pages, s.bad,
            s.blocks, s.disk_bad);
        if (!want_final) {
            struct timespec ts = { 0, 200 * 1000 * 1000 };
            nanosleep(&ts, NULL); /* SIGUSR1 cuts it short */
        }
        if (want_final) {
            final_check(g);
            say("XS-MEMCHECK-FINAL pass=%" PRIu64 " pages=%zu bad=%" PRIu64
                " disk_bad=%" PRIu64, g, s.pages, s.bad, s.disk_bad);
            return s.bad || s.disk_bad ? 1 : 0;
        }
    }
}
