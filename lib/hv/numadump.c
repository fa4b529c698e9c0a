/*
 * numadump.c - parsing Xen's 'u' debug-key dump.
 *
 * The formats, from dump_numa() and printk_start_of_line():
 *  - every Xen line starts "(XEN) ", then with console_timestamps= one of
 *    "[YYYY-MM-DD HH:MM:SS] ", "[YYYY-MM-DD HH:MM:SS.mmm] " (date,
 *    datems), "[%5u.%06u] " (boot) or "[%016x] " (raw);
 *  - "'u' pressed -> dumping numa info (now = T)", one "NODE%u start->..."
 *    line per online node, "CPU..." lines, "Memory location of each
 *    domain:", then per domain (in domid order) a header, one
 *    "    Node %u: %u" line per online node in the NODE lines' order and,
 *    for a vNUMA guest, its layout lines;
 *  - the header is "Domain %u (total: %u):" up to 4.17 and
 *    "%pd (total: %u):", that is "d%u (total: %u):", from 4.18.
 *
 * Other CPUs print between the dump's lines, and a printk of theirs left
 * without its newline puts text before the next "(XEN) ".  Only lines
 * shaped like the dump's count; a domain is taken only when its header
 * and all of its node lines follow each other among them.  Any dump line
 * out of that order (a second dump running at the same time) drops the
 * domain it falls in and the one just before it: a domain left out is
 * "unknown" to the caller, never given another's counts.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "numadump.h"

#define XEN_PREFIX "(XEN) "
#define DUMP_START "'u' pressed -> dumping numa info"
#define DOMS_START "Memory location of each domain:"

typedef enum line_kind {
    L_OTHER,                    /* not the dump's, or not a Xen line */
    L_START,                    /* 'u' pressed -> dumping numa info */
    L_NODES,                    /* NODE%u start->... */
    L_DOMS,                     /* Memory location of each domain: */
    L_DOM,                      /* a domain's header: a = domid, b = total */
    L_NODE,                     /* a = node, b = pages */
    L_DETAIL                    /* a vNUMA layout line */
} line_kind;

typedef struct line {
    line_kind kind;
    uint64_t a, b;
} line;

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

/* s[0..n) matches pat: 'd' a digit, 'x' a hex digit, anything else itself. */
static bool shape(const char *s, size_t n, const char *pat)
{
    size_t i;

    if (strlen(pat) != n)
        return false;
    for (i = 0; i < n; i++) {
        if (pat[i] == 'd' ? !isdigit((unsigned char)s[i]) :
            pat[i] == 'x' ? !isxdigit((unsigned char)s[i]) : s[i] != pat[i])
            return false;
    }
    return true;
}

/* "[%5u.%06u]": blanks up to width 5, then seconds, '.', 6 digits. */
static bool boot_stamp(const char *s, size_t n)
{
    size_t i = 0, digits = 0;

    while (i < n && s[i] == ' ')
        i++;
    while (i < n && isdigit((unsigned char)s[i])) {
        i++;
        digits++;
    }
    return digits && i >= 5 && n - i == 7 && shape(s + i, 7, ".dddddd");
}

/* Past a console_timestamps= prefix at p, or p itself. */
static const char *skip_stamp(const char *p, const char *end)
{
    const char *close;
    size_t n;

    if (p >= end || *p != '[')
        return p;
    close = memchr(p, ']', (size_t)(end - p));
    if (!close || close + 1 >= end || close[1] != ' ')
        return p;
    n = (size_t)(close - p - 1);
    if (shape(p + 1, n, "dddd-dd-dd dd:dd:dd") ||
        shape(p + 1, n, "dddd-dd-dd dd:dd:dd.ddd") ||
        shape(p + 1, n, "xxxxxxxxxxxxxxxx") || boot_stamp(p + 1, n))
        return close + 2;
    return p;
}

/*
 * The body of a Xen line: after its last "(XEN) " (text before one is
 * another CPU's unfinished line) and its time stamp.  NULL when the line
 * is not Xen's own (a guest's "(dN) ", dom0's console, a line cut by the
 * ring wrapping).
 */
static const char *xen_body(const char *p, const char *end)
{
    const char *b = NULL, *s;
    size_t n = strlen(XEN_PREFIX);

    for (s = p; (size_t)(end - s) >= n; s++)
        if (memcmp(s, XEN_PREFIX, n) == 0)
            b = s + n;
    return b ? skip_stamp(b, end) : NULL;
}

/* "Domain %u (total: %u):" (to 4.17) or "d%u (total: %u):" (4.18 on). */
static bool dom_header(const char *b, const char *end, line *l)
{
    if (literal(&b, end, "Domain ") && literal(&b, end, "d"))
        return false;
    if (number(&b, end, &l->a) || l->a > UINT32_MAX ||
        literal(&b, end, " (total: ") || number(&b, end, &l->b) ||
        literal(&b, end, "):") || b != end)
        return false;
    l->kind = L_DOM;
    return true;
}

/* The vNUMA lines dump_numa prints after a domain's node lines. */
static bool vnuma_detail(const char *b, const char *end)
{
    uint64_t x;

    if (b >= end || *b != ' ')
        return false;
    while (b < end && *b == ' ')
        b++;
    if ((size_t)(end - b) == 35 &&
        shape(b, 35, "xxxxxxxxxxxxxxxx - xxxxxxxxxxxxxxxx"))
        return true;            /* a guest physical range */
    if (number(&b, end, &x))
        return false;
    return !literal(&b, end, " vnodes, ") || !literal(&b, end, ": pnode ");
}

/* "NODE%u start->..." */
static bool nodes_line(const char *b, const char *end, line *l)
{
    if (literal(&b, end, "NODE") || number(&b, end, &l->a) ||
        literal(&b, end, " start->"))
        return false;
    l->kind = L_NODES;
    return true;
}

/* "    Node %u: %u" */
static bool node_line(const char *b, const char *end, line *l)
{
    if (literal(&b, end, "    Node ") || number(&b, end, &l->a) ||
        literal(&b, end, ": ") || number(&b, end, &l->b) || b != end)
        return false;
    l->kind = L_NODE;
    return true;
}

static bool whole(const char *b, const char *end, const char *text)
{
    return (size_t)(end - b) == strlen(text) &&
           memcmp(b, text, strlen(text)) == 0;
}

static void classify(const char *p, const char *end, line *l)
{
    const char *b = xen_body(p, end);

    memset(l, 0, sizeof(*l));
    if (!b)
        return;
    if ((size_t)(end - b) >= strlen(DUMP_START) &&
        memcmp(b, DUMP_START, strlen(DUMP_START)) == 0)
        l->kind = L_START;
    else if (whole(b, end, DOMS_START))
        l->kind = L_DOMS;
    else if (nodes_line(b, end, l) || dom_header(b, end, l) ||
             node_line(b, end, l))
        return;                 /* kind set */
    else if (vnuma_detail(b, end))
        l->kind = L_DETAIL;
    else
        memset(l, 0, sizeof(*l));
}

/* What one dump gave. */
typedef struct dump {
    numadump_dom *doms;
    size_t nr;
    bool complete;
    const char *why;            /* when not complete */
} dump;

static bool has_id(const unsigned *v, unsigned n, unsigned x)
{
    unsigned i;

    for (i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

static int add_dom(dump *d, const numadump_dom *v)
{
    numadump_dom *n = realloc(d->doms, (d->nr + 1) * sizeof(*n));

    if (!n)
        return -1;
    d->doms = n;
    d->doms[d->nr++] = *v;
    return 0;
}

/*
 * The dump of lines[0..nr) (lines[0] is its start line).  -1: out of
 * memory.
 */
static int read_dump(const line *lines, size_t nr, dump *d)
{
    unsigned node_ids[HV_MAX_NODES], nr_ids = 0, k = 0;
    numadump_dom cur;
    bool in_doms = false, open = false, adjacent = false;
    uint64_t last_domid = 0;
    bool any_dom = false;
    size_t i;

    memset(d, 0, sizeof(*d));
    for (i = 1; i < nr; i++) {
        const line *l = &lines[i];
        bool stray = false;

        switch (l->kind) {
        case L_OTHER:
        case L_START:
            continue;
        case L_NODES:
            if (in_doms) {
                stray = true;
            } else if (l->a >= HV_MAX_NODES || nr_ids == HV_MAX_NODES) {
                d->why = "it names a node beyond the 64 xenshift knows";
                return 0;
            } else if (has_id(node_ids, nr_ids, (unsigned)l->a)) {
                d->why = "another dump's lines run through it";
                return 0;
            } else {
                node_ids[nr_ids++] = (unsigned)l->a;
            }
            break;
        case L_DOMS:
            if (in_doms)
                stray = true;
            in_doms = true;
            break;
        case L_DOM:
            if (!in_doms)
                break;          /* not this dump's: it is before its list */
            if (open || (any_dom && l->a <= last_domid)) {
                stray = true;   /* domids come in order, each complete */
                break;
            }
            memset(&cur, 0, sizeof(cur));
            cur.domid = (uint32_t)l->a;
            cur.total_pages = l->b;
            open = true;
            k = 0;
            any_dom = true;
            last_domid = l->a;
            break;
        case L_NODE:
            if (!open || k >= nr_ids || l->a != node_ids[k]) {
                stray = true;
                break;
            }
            cur.node_pages[l->a] = l->b;
            if (l->a + 1 > cur.nr_nodes)
                cur.nr_nodes = (unsigned)l->a + 1;
            if (++k == nr_ids) {
                open = false;
                if (add_dom(d, &cur))
                    return -1;
                adjacent = true;
                continue;
            }
            break;
        case L_DETAIL:
            if (!open)
                continue;       /* keeps the domain before it adjacent */
            stray = true;       /* it comes after all the node lines */
            break;
        }
        if (stray) {
            /* the line may be the one before's, or its lines another's */
            if (adjacent && d->nr)
                d->nr--;
            open = false;
        }
        adjacent = false;
    }
    if (!nr_ids)
        d->why = "it has no NODE lines";
    else if (!in_doms)
        d->why = "it has no \"" DOMS_START "\" part";
    else if (open)
        d->why = "it is cut short";
    else
        d->complete = true;
    return 0;
}

int NUMADUMP_Parse(const char *text, size_t len, numadump_dom **doms,
                   size_t *nr, xs_err *err)
{
    const char *p = text, *stop = text + len, *end;
    line *lines = NULL, *v;
    size_t n = 0, cap = 0, i, next;
    bool dump_lines = false;
    dump d;
    int rc = -1;

    *doms = NULL;
    *nr = 0;
    memset(&d, 0, sizeof(d));
    /* complete lines only: the last may still be being written */
    while (p < stop && (end = memchr(p, '\n', (size_t)(stop - p)))) {
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            v = realloc(lines, cap * sizeof(*v));
            if (!v)
                goto nomem;
            lines = v;
        }
        classify(p, end, &lines[n]);
        if (lines[n].kind == L_DOM || lines[n].kind == L_NODE)
            dump_lines = true;
        n++;
        p = end + 1;
    }
    /* the last complete dump, each bounded by the next one's start */
    next = n;
    for (i = n; i-- > 0;) {
        if (lines[i].kind != L_START)
            continue;
        if (read_dump(lines + i, next - i, &d))
            goto nomem;
        if (d.complete)
            break;
        free(d.doms);
        d.doms = NULL;
        d.nr = 0;
        next = i;
    }
    if (!d.complete) {
        if (next < n)
            ERR_Set(err, "the NUMA dump (debug key 'u') is not complete: "
                    "%s", d.why);
        else if (dump_lines)
            ERR_Set(err, "the console holds only the end of a NUMA dump "
                    "(debug key 'u'): it wrapped, the dump is larger than "
                    "Xen's console ring (conring_size=)");
        else
            ERR_Set(err, "no NUMA dump (debug key 'u') in the console");
        goto out;
    }
    if (!d.nr) {
        ERR_Set(err, "the NUMA dump lists no domain it could read");
        goto out;
    }
    *doms = d.doms;
    *nr = d.nr;
    d.doms = NULL;
    rc = 0;
    goto out;
nomem:
    ERR_Set(err, "out of memory");
out:
    free(d.doms);
    free(lines);
    return rc;
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

bool NUMADUMP_Covers(const numadump_dom *dumped, size_t nr,
                     const hv_domain *doms, size_t nr_doms)
{
    const numadump_dom *e;
    size_t i;

    for (i = 0; i < nr_doms; i++) {
        e = NUMADUMP_Find(dumped, nr, doms[i].domid);
        if (!e || e->total_pages > UINT64_MAX / 4 ||
            e->total_pages * 4 != doms[i].mem_kib)
            return false;       /* born, ballooned or claiming since */
    }
    return true;
}
