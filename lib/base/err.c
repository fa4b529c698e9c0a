/*
 * err.c - the shared error record.
 */
#include <stdio.h>
#include <string.h>

#include "err.h"

void ERR_Clear(xs_err *err)
{
    if (!err)
        return;
    memset(err, 0, sizeof(*err));
}

void ERR_Set(xs_err *err, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return;
    ERR_Clear(err);
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}

void ERR_SetAt(xs_err *err, const char *file, int line, int col,
               const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return;
    ERR_Clear(err);
    snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
    err->line = line;
    err->col = col;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}

void ERR_Prefix(xs_err *err, const char *fmt, ...)
{
    char prefix[256];
    size_t plen, mlen;
    va_list ap;

    if (!err)
        return;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix) - 2, fmt, ap);
    va_end(ap);
    strcat(prefix, ": ");
    plen = strlen(prefix);
    mlen = strlen(err->msg);
    if (plen + mlen >= sizeof(err->msg))
        mlen = sizeof(err->msg) - 1 - plen;     /* cut the old message */
    memmove(err->msg + plen, err->msg, mlen);
    memcpy(err->msg, prefix, plen);
    err->msg[plen + mlen] = '\0';
}

const char *ERR_Format(const xs_err *err, char *buf, size_t len)
{
    if (!err->file[0])
        snprintf(buf, len, "%s", err->msg);
    else if (err->line > 0 && err->col > 0)
        snprintf(buf, len, "%s:%d:%d: %s", err->file, err->line, err->col,
                 err->msg);
    else if (err->line > 0)
        snprintf(buf, len, "%s:%d: %s", err->file, err->line, err->msg);
    else
        snprintf(buf, len, "%s: %s", err->file, err->msg);
    return buf;
}
