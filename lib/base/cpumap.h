/*
 * cpumap.h - a fixed-size set of physical CPU numbers.
 *
 * Fixed size keeps snapshots and plans plain values that can be copied
 * with '='.  HV_MAX_CPUS covers the largest x86 Xen build (NR_CPUS 4095).
 */
#ifndef XENSHIFT_CPUMAP_H
#define XENSHIFT_CPUMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HV_MAX_CPUS 4096

typedef struct xs_cpumap {
    uint64_t bits[HV_MAX_CPUS / 64];
} xs_cpumap;

void CPUMAP_Clear(xs_cpumap *m);
void CPUMAP_Fill(xs_cpumap *m, unsigned nr_cpus);   /* 0..nr_cpus-1 */
void CPUMAP_Set(xs_cpumap *m, unsigned cpu);
void CPUMAP_Unset(xs_cpumap *m, unsigned cpu);
bool CPUMAP_Test(const xs_cpumap *m, unsigned cpu);
unsigned CPUMAP_Count(const xs_cpumap *m);
bool CPUMAP_IsEmpty(const xs_cpumap *m);
bool CPUMAP_Equal(const xs_cpumap *a, const xs_cpumap *b);
bool CPUMAP_Intersects(const xs_cpumap *a, const xs_cpumap *b);
void CPUMAP_Or(xs_cpumap *dst, const xs_cpumap *src);
void CPUMAP_And(xs_cpumap *dst, const xs_cpumap *src);     /* dst &= src */
void CPUMAP_AndNot(xs_cpumap *dst, const xs_cpumap *src);  /* dst &= ~src */
/* Next set cpu >= from, or -1. */
int CPUMAP_Next(const xs_cpumap *m, unsigned from);

/* "0-3,6" style; writes "none" for an empty map.  Returns buf. */
const char *CPUMAP_Format(const xs_cpumap *m, char *buf, size_t len);
/*
 * Parse "0-3,6" (also "all" with nr_cpus).  Returns 0, or -1 with the
 * 0-based offset of the bad character in *bad_at.
 */
int CPUMAP_Parse(const char *s, unsigned nr_cpus, xs_cpumap *m, int *bad_at);

#endif
