/*
 * cpumap.c - a fixed-size set of physical CPU numbers.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpumap.h"

void CPUMAP_Clear(xs_cpumap *m)
{
    memset(m, 0, sizeof(*m));
}

void CPUMAP_Fill(xs_cpumap *m, unsigned nr_cpus)
{
    unsigned i;

    CPUMAP_Clear(m);
    for (i = 0; i < nr_cpus && i < HV_MAX_CPUS; i++)
        CPUMAP_Set(m, i);
}

void CPUMAP_Set(xs_cpumap *m, unsigned cpu)
{
    if (cpu < HV_MAX_CPUS)
        m->bits[cpu / 64] |= 1ULL << (cpu % 64);
}

void CPUMAP_Unset(xs_cpumap *m, unsigned cpu)
{
    if (cpu < HV_MAX_CPUS)
        m->bits[cpu / 64] &= ~(1ULL << (cpu % 64));
}

bool CPUMAP_Test(const xs_cpumap *m, unsigned cpu)
{
    return cpu < HV_MAX_CPUS && (m->bits[cpu / 64] >> (cpu % 64)) & 1;
}

unsigned CPUMAP_Count(const xs_cpumap *m)
{
    unsigned i, n = 0;

    for (i = 0; i < HV_MAX_CPUS / 64; i++)
        n += (unsigned)__builtin_popcountll(m->bits[i]);
    return n;
}

bool CPUMAP_IsEmpty(const xs_cpumap *m)
{
    unsigned i;

    for (i = 0; i < HV_MAX_CPUS / 64; i++)
        if (m->bits[i])
            return false;
    return true;
}

bool CPUMAP_Equal(const xs_cpumap *a, const xs_cpumap *b)
{
    return memcmp(a->bits, b->bits, sizeof(a->bits)) == 0;
}

bool CPUMAP_Intersects(const xs_cpumap *a, const xs_cpumap *b)
{
    unsigned i;

    for (i = 0; i < HV_MAX_CPUS / 64; i++)
        if (a->bits[i] & b->bits[i])
            return true;
    return false;
}

void CPUMAP_Or(xs_cpumap *dst, const xs_cpumap *src)
{
    unsigned i;

    for (i = 0; i < HV_MAX_CPUS / 64; i++)
        dst->bits[i] |= src->bits[i];
}

void CPUMAP_And(xs_cpumap *dst, const xs_cpumap *src)
{
    unsigned i;

    for (i = 0; i < HV_MAX_CPUS / 64; i++)
        dst->bits[i] &= src->bits[i];
}

void CPUMAP_AndNot(xs_cpumap *dst, const xs_cpumap *src)
{
    unsigned i;

    for (i = 0; i < HV_MAX_CPUS / 64; i++)
        dst->bits[i] &= ~src->bits[i];
}

int CPUMAP_Next(const xs_cpumap *m, unsigned from)
{
    unsigned cpu;

    for (cpu = from; cpu < HV_MAX_CPUS; cpu++) {
        uint64_t w = m->bits[cpu / 64] >> (cpu % 64);

        if (!w) {
            cpu |= 63;          /* skip the rest of this word */
            continue;
        }
        return (int)(cpu + (unsigned)__builtin_ctzll(w));
    }
    return -1;
}

const char *CPUMAP_Format(const xs_cpumap *m, char *buf, size_t len)
{
    size_t used = 0;
    int cpu = CPUMAP_Next(m, 0);

    if (len)
        buf[0] = '\0';
    if (cpu < 0) {
        snprintf(buf, len, "none");
        return buf;
    }
    while (cpu >= 0 && used < len) {
        int last = cpu;

        while (last + 1 < HV_MAX_CPUS && CPUMAP_Test(m, (unsigned)last + 1))
            last++;
        if (last == cpu)
            used += (size_t)snprintf(buf + used, len - used, "%s%d",
                                     used ? "," : "", cpu);
        else
            used += (size_t)snprintf(buf + used, len - used, "%s%d-%d",
                                     used ? "," : "", cpu, last);
        cpu = last + 1 < HV_MAX_CPUS ? CPUMAP_Next(m, (unsigned)last + 1) : -1;
    }
    return buf;
}

static int parse_cpu(const char *s, const char **end, unsigned *out)
{
    char *e;
    unsigned long v;

    if (!isdigit((unsigned char)*s))
        return -1;
    v = strtoul(s, &e, 10);
    if (v >= HV_MAX_CPUS)
        return -1;
    *out = (unsigned)v;
    *end = e;
    return 0;
}

int CPUMAP_Parse(const char *s, unsigned nr_cpus, xs_cpumap *m, int *bad_at)
{
    const char *p = s;

    CPUMAP_Clear(m);
    if (strcmp(s, "all") == 0) {
        CPUMAP_Fill(m, nr_cpus);
        return 0;
    }
    for (;;) {
        unsigned lo, hi, c;

        if (parse_cpu(p, &p, &lo))
            goto bad;
        hi = lo;
        if (*p == '-') {
            p++;
            if (parse_cpu(p, &p, &hi) || hi < lo)
                goto bad;
        }
        for (c = lo; c <= hi; c++)
            CPUMAP_Set(m, c);
        if (*p == '\0')
            return 0;
        if (*p != ',')
            goto bad;
        p++;
    }
bad:
    if (bad_at)
        *bad_at = (int)(p - s);
    return -1;
}
