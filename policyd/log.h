/*
 * log.h - xenshiftd's log: syslog (journald picks it up), or stderr in
 * the foreground.  In the manner of OpenBSD's daemons: LOG_Warn adds
 * strerror(errno), LOG_Warnx does not.
 */
#ifndef XENSHIFTD_LOG_H
#define XENSHIFTD_LOG_H

#include <stdbool.h>
#include <syslog.h>

typedef struct dlog {
    bool to_stderr;
    int verbose;                /* > 0: LOG_DEBUG too */
} dlog;

void LOG_Init(dlog *l, const char *ident, bool to_stderr, int verbose);
void LOG_Msg(dlog *l, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void LOG_Warn(dlog *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void LOG_Warnx(dlog *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void LOG_Info(dlog *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void LOG_Debug(dlog *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
