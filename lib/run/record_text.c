/*
 * record_text.c - a record (record.h) as text lines, for the journal.
 *
 * Each line is "key=value" words split on spaces; a space, '%' or
 * newline in a value (a domain or cpupool name) is written as %20, %25
 * or %0a (the journal joins lines with newlines).  Sizes are
 * KiB, pCPU lists as CPUMAP_Format writes them, node masks in decimal.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

/*
 * Spaces, '%' and newlines escaped, so that "key=value" words split on
 * spaces and lines on newlines.
 * *at ends past len when the word did not fit (see done()).
 */
static void put_word(char *buf, size_t len, size_t *at, const char *key,
                     const char *val)
{
    const char *s;

    if (*at < len)
        *at += (size_t)snprintf(buf + *at, len - *at, "%s%s=", *at ? " " : "",
                                key);
    for (s = val; *s && *at < len; s++) {
        if (*s == ' ' || *s == '%' || *s == '\n')
            *at += (size_t)snprintf(buf + *at, len - *at, "%%%02x",
                                    (unsigned char)*s);
        else
            *at += (size_t)snprintf(buf + *at, len - *at, "%c", *s);
    }
}

static void put_u64(char *buf, size_t len, size_t *at, const char *key,
                    uint64_t v)
{
    char n[32];

    snprintf(n, sizeof(n), "%" PRIu64, v);
    put_word(buf, len, at, key, n);
}

/*
 * A list cut short still parses, as another list ("0,2,...,12" from
 * "...,126"): a map that does not fit in REC_MAP_MAX is made too long to
 * fit the line, so that the line is refused rather than cut.
 */
static void put_map(char *buf, size_t len, size_t *at, const char *key,
                    const xs_cpumap *m)
{
    char s[REC_MAP_MAX];

    CPUMAP_Format(m, s, sizeof(s));
    if (strlen(s) + 1 >= sizeof(s)) {
        *at = len;
        return;
    }
    put_word(buf, len, at, key, s);
}

/*
 * 0, or -1 when the line was cut: it would parse as other values.  A
 * line that fills buf to its last byte counts as cut too, as a reader
 * with the same buffer cannot tell it from one.
 */
static int done(size_t len, size_t at)
{
    return at + 1 < len ? 0 : -1;
}

int REC_FormatHead(const rec_record *r, char *buf, size_t len)
{
    size_t at = 0;

    buf[0] = '\0';
    put_u64(buf, len, &at, "cpus", r->nr_cpus);
    put_u64(buf, len, &at, "nodes", r->all_nodes);
    return done(len, at);
}

int REC_FormatPool(const rec_pool *p, char *buf, size_t len)
{
    size_t at = 0;

    buf[0] = '\0';
    put_word(buf, len, &at, "name", p->name);
    put_word(buf, len, &at, "sched", p->sched);
    put_map(buf, len, &at, "cpus", &p->cpus);
    return done(len, at);
}

int REC_FormatDomain(const rec_domain *d, char *buf, size_t len)
{
    size_t at = 0;

    buf[0] = '\0';
    put_word(buf, len, &at, "name", d->name);
    put_u64(buf, len, &at, "domid", d->domid);
    put_word(buf, len, &at, "type", HV_DomTypeName(d->type));
    put_u64(buf, len, &at, "memory", d->mem_kib);
    put_u64(buf, len, &at, "target", d->target_kib);
    put_u64(buf, len, &at, "maxmem", d->maxmem_kib);
    put_u64(buf, len, &at, "vcpus", d->vcpus);
    put_map(buf, len, &at, "hard", &d->hard);
    put_map(buf, len, &at, "soft", &d->soft);
    put_u64(buf, len, &at, "nodes", d->node_affinity);
    put_word(buf, len, &at, "pool", d->pool);
    put_u64(buf, len, &at, "planned", d->planned);
    return done(len, at);
}

/*
 * The value of key in s, unescaped into val.  Returns -1 when s has no
 * such word, or when its value does not fit in val (a cut value would
 * read as another one).
 */
static int get_word(const char *s, const char *key, char *val, size_t len)
{
    size_t klen = strlen(key), n = 0;
    const char *p = s;

    for (;;) {
        if (!strncmp(p, key, klen) && p[klen] == '=')
            break;
        p = strchr(p, ' ');
        if (!p)
            return -1;
        p++;
    }
    for (p += klen + 1; *p && *p != ' ' && n + 1 < len; p++) {
        unsigned c;

        /* two hex digits, else a "%2" at the end would skip the NUL */
        if (*p == '%' && isxdigit((unsigned char)p[1]) &&
            isxdigit((unsigned char)p[2]) && sscanf(p + 1, "%2x", &c) == 1) {
            val[n++] = (char)c;
            p += 2;
        } else {
            val[n++] = *p;
        }
    }
    val[n] = '\0';
    return *p && *p != ' ' ? -1 : 0;
}

static int get_u64(const char *s, const char *key, uint64_t *v)
{
    char w[32], *end;

    if (get_word(s, key, w, sizeof(w)) || !w[0])
        return -1;
    *v = strtoull(w, &end, 10);
    return *end ? -1 : 0;
}

static int get_map(const char *s, const char *key, unsigned nr_cpus,
                   xs_cpumap *m)
{
    char w[REC_MAP_MAX];
    int bad;

    if (get_word(s, key, w, sizeof(w)))
        return -1;
    CPUMAP_Clear(m);
    if (!strcmp(w, "none"))
        return 0;
    return CPUMAP_Parse(w, nr_cpus, m, &bad) ? -1 : 0;
}

int REC_ParseHead(const char *s, rec_record *r)
{
    uint64_t cpus;

    if (get_u64(s, "cpus", &cpus) || cpus > HV_MAX_CPUS ||
        get_u64(s, "nodes", &r->all_nodes))
        return -1;
    r->nr_cpus = (unsigned)cpus;
    return 0;
}

int REC_ParsePool(const char *s, unsigned nr_cpus, rec_pool *p)
{
    memset(p, 0, sizeof(*p));
    if (get_word(s, "name", p->name, sizeof(p->name)) || !p->name[0] ||
        get_word(s, "sched", p->sched, sizeof(p->sched)) ||
        get_map(s, "cpus", nr_cpus, &p->cpus))
        return -1;
    return 0;
}

int REC_ParseDomain(const char *s, unsigned nr_cpus, rec_domain *d)
{
    char type[16];
    uint64_t domid, vcpus, planned;

    memset(d, 0, sizeof(*d));
    if (get_word(s, "name", d->name, sizeof(d->name)) || !d->name[0] ||
        get_u64(s, "domid", &domid) || domid > UINT32_MAX ||
        get_word(s, "type", type, sizeof(type)) ||
        get_u64(s, "memory", &d->mem_kib) ||
        get_u64(s, "target", &d->target_kib) ||
        get_u64(s, "maxmem", &d->maxmem_kib) ||
        get_u64(s, "vcpus", &vcpus) || vcpus > HV_MAX_CPUS ||
        get_map(s, "hard", nr_cpus, &d->hard) ||
        get_map(s, "soft", nr_cpus, &d->soft) ||
        get_u64(s, "nodes", &d->node_affinity) ||
        get_word(s, "pool", d->pool, sizeof(d->pool)) ||
        get_u64(s, "planned", &planned) || planned > 1)
        return -1;
    d->planned = planned;
    d->domid = (uint32_t)domid;
    d->vcpus = (unsigned)vcpus;
    if (!strcmp(type, HV_DomTypeName(HV_DOM_HVM)))
        d->type = HV_DOM_HVM;
    else if (!strcmp(type, HV_DomTypeName(HV_DOM_PVH)))
        d->type = HV_DOM_PVH;
    else if (!strcmp(type, HV_DomTypeName(HV_DOM_PV)))
        d->type = HV_DOM_PV;
    else
        return -1;
    return 0;
}
