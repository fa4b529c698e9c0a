/*
 * hvtimes.c - where a command's time went, when XENSHIFT_HV_TIMES is set.
 *
 * On an emulated or loaded host a command can take ten times what it
 * takes on a quiet one; this says which part: the process's start
 * (loading libxenlight and the rest), opening the host, and each hv
 * operation.  Printed on stderr, after the command's own output.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xenshift.h"

static uint64_t boot_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* The process's start, since boot (field 22 of /proc/self/stat), or 0. */
static uint64_t started_us(void)
{
    unsigned long long ticks = 0;
    char buf[1024], *p;
    long hz = sysconf(_SC_CLK_TCK);
    FILE *f = fopen("/proc/self/stat", "r");
    size_t n;
    int field;

    if (!f)
        return 0;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* the command's name may hold spaces: count from its ')' */
    p = strrchr(buf, ')');
    for (field = 2; p && field < 22; field++)
        p = strchr(p + 1, ' ');
    if (!p || hz <= 0 || sscanf(p + 1, "%llu", &ticks) != 1)
        return 0;
    return (uint64_t)ticks * 1000000 / (uint64_t)hz;
}

static struct {
    bool on;
    bool trace;                 /* XENSHIFT_HV_TIMES=trace: every call */
    uint64_t open_begin_us;
    uint64_t open_us;
} times;

bool CLI_TimesWanted(void)
{
    const char *v = getenv("XENSHIFT_HV_TIMES");

    if (!v || !v[0] || strcmp(v, "0") == 0)
        return false;
    times.trace = strcmp(v, "trace") == 0;
    return true;
}

void CLI_TimesOpening(void)
{
    times.open_begin_us = boot_us();
}

void CLI_TimesOpened(hv *h)
{
    if (!h || HV_TimesStart(h))
        return;
    times.on = true;
    times.open_us = boot_us() - times.open_begin_us;
}

static int by_time(const void *a, const void *b)
{
    const hv_op_time *x = a, *y = b;

    return x->us < y->us ? 1 : x->us > y->us ? -1 : 0;
}

/*
 * Every call in the order made, with its start after the host was
 * opened: the gaps between them are the command's own work.
 */
static void print_calls(const xs_cli *cli, const hv_times *t)
{
    size_t i, kept = t->nr_calls < HV_TIMES_CALLS_MAX ? t->nr_calls
                                                      : HV_TIMES_CALLS_MAX;

    for (i = 0; i < kept; i++)
        fprintf(stderr, "%s: times: call %zu at %" PRIu64 ".%01" PRIu64
                " ms: %s %" PRIu64 ".%01" PRIu64 " ms\n", cli->progname, i,
                t->calls[i].at_us / 1000, t->calls[i].at_us / 100 % 10,
                t->calls[i].op, t->calls[i].us / 1000,
                t->calls[i].us / 100 % 10);
    if (kept < t->nr_calls)
        fprintf(stderr, "%s: times: %zu more calls not kept\n",
                cli->progname, t->nr_calls - kept);
}

/* Close h; when timed, say where the time went (after the close). */
void CLI_TimesClose(const xs_cli *cli, hv *h)
{
    static hv_times all;    /* the calls, kept past the close */
    uint64_t start, now, sum = 0, close_us;
    hv_op_time ops[HV_TIMES_MAX];
    size_t i, nr;

    if (!times.on || !h || !HV_Times(h)) {
        HV_Close(h);
        return;
    }
    all = *HV_Times(h);
    nr = all.nr;
    memcpy(ops, all.ops, nr * sizeof(ops[0]));
    close_us = boot_us();
    HV_Close(h);
    now = boot_us();
    close_us = now - close_us;
    start = started_us();
    qsort(ops, nr, sizeof(ops[0]), by_time);
    for (i = 0; i < nr; i++)
        sum += ops[i].us;
    /* the tick is 10 ms: the process's age is that coarse */
    if (start && start <= times.open_begin_us)
        fprintf(stderr, "%s: times: process %" PRIu64 " ms, of which %"
                PRIu64 " ms before opening the host (start, libraries, "
                "table)\n", cli->progname, (now - start) / 1000,
                (times.open_begin_us - start) / 1000);
    fprintf(stderr, "%s: times: opening the host %" PRIu64 ".%01" PRIu64
            " ms, closing it %" PRIu64 ".%01" PRIu64 " ms, its operations %"
            PRIu64 ".%01" PRIu64 " ms:", cli->progname, times.open_us / 1000,
            times.open_us / 100 % 10, close_us / 1000, close_us / 100 % 10,
            sum / 1000, sum / 100 % 10);
    for (i = 0; i < nr; i++)
        fprintf(stderr, "%s %s %ux %" PRIu64 ".%01" PRIu64 " ms",
                i ? "," : "", ops[i].op, ops[i].calls, ops[i].us / 1000,
                ops[i].us / 100 % 10);
    fputc('\n', stderr);
    if (times.trace)
        print_calls(cli, &all);
}
