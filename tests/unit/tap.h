/*
 * tap.h - a few TAP helpers for the unit tests (Test Anything Protocol,
 * read by automake's tap-driver.sh).
 */
#ifndef XENSHIFT_TAP_H
#define XENSHIFT_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) \
    tap_is_int((long long)(got), (long long)(want), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) \
    tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)

static inline void tap_name(const char *fmt, va_list ap)
{
    vprintf(fmt, ap);
}

static inline int __attribute__((format(printf, 4, 5)))
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    tap_n++;
    printf("%sok %d - ", pass ? "" : "not ", tap_n);
    va_start(ap, fmt);
    tap_name(fmt, ap);
    va_end(ap);
    printf("\n");
    if (!pass) {
        tap_failed++;
        printf("#   failed at %s:%d\n", file, line);
    }
    fflush(stdout);
    return pass;
}

static inline int __attribute__((format(printf, 5, 6)))
tap_is_int(long long got, long long want, const char *file, int line,
           const char *fmt, ...)
{
    va_list ap;
    int pass = got == want;

    tap_n++;
    printf("%sok %d - ", pass ? "" : "not ", tap_n);
    va_start(ap, fmt);
    tap_name(fmt, ap);
    va_end(ap);
    printf("\n");
    if (!pass) {
        tap_failed++;
        printf("#   failed at %s:%d\n#   got:  %lld\n#   want: %lld\n",
               file, line, got, want);
    }
    fflush(stdout);
    return pass;
}

static inline int __attribute__((format(printf, 5, 6)))
tap_is_str(const char *got, const char *want, const char *file, int line,
           const char *fmt, ...)
{
    va_list ap;
    int pass = got && want && strcmp(got, want) == 0;

    tap_n++;
    printf("%sok %d - ", pass ? "" : "not ", tap_n);
    va_start(ap, fmt);
    tap_name(fmt, ap);
    va_end(ap);
    printf("\n");
    if (!pass) {
        tap_failed++;
        printf("#   failed at %s:%d\n#   got:  '%s'\n#   want: '%s'\n",
               file, line, got ? got : "(null)", want ? want : "(null)");
    }
    fflush(stdout);
    return pass;
}

/* Print the plan line and return the exit status for main(). */
static inline int done_testing(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}

#endif
