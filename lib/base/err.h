/*
 * err.h - one error record shared by every layer.
 *
 * A failing function fills an xs_err and returns a negative rc.  The
 * record says what went wrong and, for configuration errors, where
 * (file:line:column), so the caller can print it without guessing.
 */
#ifndef XENSHIFT_ERR_H
#define XENSHIFT_ERR_H

#include <stdarg.h>

typedef struct xs_err {
    char file[256];   /* "" when not about a file */
    int line;         /* 1-based; 0 when unknown */
    int col;          /* 1-based; 0 when unknown */
    char msg[768];
} xs_err;

void ERR_Clear(xs_err *err);

/* Set a message that is not tied to a file position. err may be NULL. */
void ERR_Set(xs_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Set a message tied to file:line:col. err may be NULL. */
void ERR_SetAt(xs_err *err, const char *file, int line, int col,
               const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Prefix the current message with "prefix: " (e.g. a domain name). */
void ERR_Prefix(xs_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Render as "file:line:col: msg" (or "file:line: msg", "file: msg", "msg")
 * into buf; returns buf.
 */
const char *ERR_Format(const xs_err *err, char *buf, size_t len);

#endif
