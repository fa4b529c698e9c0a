/*
 * hvcount.c - a transition's hypervisor calls, counted for the log.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hvcount.h"

static bool is_xs_change(const char *op)
{
    return strcmp(op, "xs_write") == 0 || strcmp(op, "xs_clear") == 0 ||
           strcmp(op, "xs_remove") == 0;
}

/* The xenstore changes among the first n calls kept. */
static size_t xs_changes(const hv_times *t, size_t n)
{
    size_t i, w = 0;

    for (i = 0; i < n && i < HV_TIMES_CALLS_MAX; i++)
        if (is_xs_change(t->calls[i].op))
            w++;
    return w;
}

void HVC_Begin(hvc_count *c, hv *h)
{
    memset(c, 0, sizeof(*c));
    if (!HV_Times(h))
        return;
    HV_TimesRestart(h);
    c->on = true;
}

void HVC_Mark(hvc_count *c, hv *h, hvc_mark m)
{
    const hv_times *t = HV_Times(h);
    struct timespec ts;

    if (!c->on || !t || c->set[m])
        return;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    c->set[m] = true;
    c->calls[m] = t->nr_calls;
    c->writes[m] = xs_changes(t, t->nr_calls);
    c->at_us[m] = (uint64_t)ts.tv_sec * 1000000 +
                  (uint64_t)ts.tv_nsec / 1000 - t->start_us;
}

/* Every call kept, in order: the gaps between them are our own work. */
static void log_calls(const hv_times *t, dlog *log)
{
    size_t i;

    for (i = 0; i < t->nr_calls && i < HV_TIMES_CALLS_MAX; i++)
        LOG_Info(log, "hv call %zu at %" PRIu64 ".%01" PRIu64 " ms: %s %"
                 PRIu64 ".%01" PRIu64 " ms", i, t->calls[i].at_us / 1000,
                 t->calls[i].at_us / 100 % 10, t->calls[i].op,
                 t->calls[i].us / 1000, t->calls[i].us / 100 % 10);
    if (t->nr_calls > HV_TIMES_CALLS_MAX)
        LOG_Info(log, "hv calls: %zu more not kept",
                 t->nr_calls - HV_TIMES_CALLS_MAX);
}

void HVC_Log(const hvc_count *c, hv *h, dlog *log, bool trace)
{
    static const char *const names[HVC_NR_MARKS] = {
        "the first step", "capacity", "the answer",
    };
    const hv_times *t = HV_Times(h);
    char line[600];
    size_t i, len = 0;

    if (!c->on || !t)
        return;
    for (i = 0; i < HVC_NR_MARKS && len < sizeof(line); i++) {
        if (!c->set[i])
            continue;
        len += (size_t)snprintf(line + len, sizeof(line) - len,
                                "%s%s after %zu calls (%zu xenstore "
                                "changes) at %" PRIu64 " ms",
                                len ? ", " : "", names[i], c->calls[i],
                                c->writes[i], c->at_us[i] / 1000);
    }
    if (trace)
        log_calls(t, log);
    LOG_Info(log, "hv calls from the request: %s", len ? line : "none");
}
