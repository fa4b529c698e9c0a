/*
 * numadump.c - parsing Xen's 'u' debug-key dump.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "numadump.h"

#define DUMP_START "'u' pressed -> dumping numa info"
#define DOMS_START "Memory location of each domain:"

/* The last occurrence of needle in text[0..len), or NULL. */
static const char *find_last(const char *text, size_t len, const char *needle)
{
    size_t n = strlen(needle), i;

    if (len < n)
        return NULL;
    for (i = len - n + 1; i-- > 0;)
        if (memcmp(text + i, needle, n) == 0)
            return text + i;
    return NULL;
}

/* One line: [p, end) without the "(XEN) " prefix and leading blanks. */
static const char *line_body(const char *p, const char *end)
{
    if ((size_t)(end - p) >= 6 && memcmp(p, "(XEN) ", 6) == 0)
        p += 6;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* A decimal number at *p (advanced); -1 when there is none. */
static int number(const char **p, const char *end, uint64_t *v)
{
    const char *s = *p;
    uint64_t x = 0;

    if (s >= end || !isdigit((unsigned char)*s))
        return -1;
    while (s < end && isdigit((unsigned char)*s)) {
        if (x > (UINT64_MAX - 9) / 10)
            return -1;
        x = x * 10 + (uint64_t)(*s - '0');
        s++;
    }
    *p = s;
    *v = x;
    return 0;
}

static int literal(const char **p, const char *end, const char *word)
{
    size_t n = strlen(word);

    if ((size_t)(end - *p) < n || memcmp(*p, word, n) != 0)
        return -1;
    *p += n;
    return 0;
}

int NUMADUMP_Parse(const char *text, size_t len, numadump_dom **doms,
                   size_t *nr, xs_err *err)
{
    const char *start = find_last(text, len, DUMP_START), *p, *end;
    const char *stop = text + len;
    numadump_dom *out = NULL, *v, *cur = NULL;
    size_t n = 0;

    *doms = NULL;
    *nr = 0;
    if (!start) {
        ERR_Set(err, "no NUMA dump (debug key 'u') in the console");
        return -1;
    }
    p = find_last(start, (size_t)(stop - start), DOMS_START);
    if (!p) {
        ERR_Set(err, "the NUMA dump has no \"%s\" part", DOMS_START);
        return -1;
    }
    for (p = memchr(p, '\n', (size_t)(stop - p)); p && p < stop; p = end) {
        const char *b;
        uint64_t x, y;

        p++;
        end = memchr(p, '\n', (size_t)(stop - p));
        if (!end)
            end = stop;
        b = line_body(p, end);
        if (!literal(&b, end, "Domain ")) {
            if (number(&b, end, &x) || x > UINT32_MAX ||
                literal(&b, end, " (total: ") || number(&b, end, &y) ||
                literal(&b, end, "):"))
                break;          /* the dump ended */
            v = realloc(out, (n + 1) * sizeof(*v));
            if (!v) {
                free(out);
                ERR_Set(err, "out of memory");
                return -1;
            }
            out = v;
            cur = &out[n++];
            memset(cur, 0, sizeof(*cur));
            cur->domid = (uint32_t)x;
            cur->total_pages = y;
        } else if (cur && !literal(&b, end, "Node ")) {
            if (number(&b, end, &x) || literal(&b, end, ": ") ||
                number(&b, end, &y) || x >= HV_MAX_NODES)
                break;
            cur->node_pages[x] = y;
            if (x + 1 > cur->nr_nodes)
                cur->nr_nodes = (unsigned)x + 1;
        } else {
            break;              /* something else: the dump is over */
        }
    }
    if (!n) {
        free(out);
        ERR_Set(err, "the NUMA dump lists no domain");
        return -1;
    }
    *doms = out;
    *nr = n;
    return 0;
}

const numadump_dom *NUMADUMP_Find(const numadump_dom *doms, size_t nr,
                                  uint32_t domid)
{
    size_t i;

    for (i = 0; i < nr; i++)
        if (doms[i].domid == domid)
            return &doms[i];
    return NULL;
}
