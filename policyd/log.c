/*
 * log.c - syslog or stderr.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

void LOG_Init(dlog *l, const char *ident, bool to_stderr, int verbose)
{
    l->to_stderr = to_stderr;
    l->verbose = verbose;
    if (!to_stderr)
        openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void vlog(dlog *l, int prio, const char *fmt, va_list ap)
{
    static const char *const names[] = {
        "emerg", "alert", "crit", "error", "warning", "notice", "info",
        "debug",
    };
    char msg[2048];

    if (prio == LOG_DEBUG && l->verbose <= 0)
        return;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (!l->to_stderr) {
        syslog(prio, "%s", msg);
        return;
    }
    if (prio <= LOG_WARNING)
        fprintf(stderr, "xenshiftd: %s: %s\n", names[prio & 7], msg);
    else
        fprintf(stderr, "xenshiftd: %s\n", msg);
}

void LOG_Msg(dlog *l, int prio, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(l, prio, fmt, ap);
    va_end(ap);
}

void LOG_Warn(dlog *l, const char *fmt, ...)
{
    char buf[1800];
    int e = errno;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    LOG_Msg(l, LOG_WARNING, "%s: %s", buf, strerror(e));
}

void LOG_Warnx(dlog *l, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(l, LOG_WARNING, fmt, ap);
    va_end(ap);
}

void LOG_Info(dlog *l, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(l, LOG_INFO, fmt, ap);
    va_end(ap);
}

void LOG_Debug(dlog *l, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(l, LOG_DEBUG, fmt, ap);
    va_end(ap);
}
